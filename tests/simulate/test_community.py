"""Documented properties of the community-norms simulator (insight 11).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
from __future__ import annotations

import math

from reciprocity.simulate import community_grid, simulate_community


def _rate(**kwargs) -> float:
    frame = simulate_community(**kwargs)
    return float(frame["contributed"].mean())


def _se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


def test_one_row_per_member_and_round():
    frame = simulate_community(n_members=50, n_rounds=4, seed=1)
    assert len(frame) == 200
    assert set(frame["round"]) == {1, 2, 3, 4}
    assert frame.groupby("round")["member"].nunique().eq(50).all()
    # propensity is a member trait: constant across rounds
    assert frame.groupby("member")["propensity"].nunique().eq(1).all()
    assert frame.attrs["simulated"] is True


def test_more_visibility_raises_contribution():
    low = _rate(n_members=4000, n_rounds=6, norm_strength=0.8, visibility=0.1, seed=5)
    high = _rate(n_members=4000, n_rounds=6, norm_strength=0.8, visibility=0.9, seed=6)
    assert high - low > 4 * _se(0.35, 24000)


def test_stronger_norms_raise_contribution():
    weak = _rate(n_members=4000, n_rounds=6, norm_strength=0.1, visibility=0.8, seed=7)
    strong = _rate(n_members=4000, n_rounds=6, norm_strength=0.9, visibility=0.8, seed=8)
    assert strong - weak > 4 * _se(0.35, 24000)


def test_zero_norm_strength_leaves_baseline_whatever_the_visibility():
    # With no rewards or sanctions, being seen changes nothing: the rate stays
    # at base_rate up to sampling noise (propensity draws dominate the noise).
    n_members, n_rounds, base = 20000, 3, 0.3
    for visibility, seed in [(0.0, 10), (1.0, 11)]:
        rate = _rate(n_members=n_members, n_rounds=n_rounds, norm_strength=0.0,
                     visibility=visibility, base_rate=base, seed=seed)
        sd_propensity = math.sqrt(base * (1 - base) / 6)  # Beta with concentration 5
        tolerance = 4 * math.hypot(sd_propensity / math.sqrt(n_members),
                                   _se(base, n_members * n_rounds))
        assert abs(rate - base) < tolerance


def test_zero_visibility_leaves_baseline_whatever_the_norm():
    rate = _rate(n_members=20000, n_rounds=3, norm_strength=1.0, visibility=0.0,
                 base_rate=0.2, seed=12)
    assert abs(rate - 0.2) < 0.015


def test_invisible_choices_are_unaffected_by_norms():
    frame = simulate_community(n_members=20000, n_rounds=2, norm_strength=1.0,
                               visibility=0.5, seed=13)
    by_visibility = frame.groupby("visible")["contributed"].mean()
    assert by_visibility[1] > by_visibility[0] + 0.05
    assert abs(by_visibility[0] - 0.297) < 0.02


def test_grid_is_monotone_in_both_parameters():
    grid = community_grid([0.0, 0.5, 1.0], [0.0, 0.5, 1.0], n_members=1000, n_rounds=6, seed=2)
    final = grid[grid["round"] == 6].pivot(index="norm_strength", columns="visibility",
                                           values="contribution_rate")
    # common random numbers: each step up in either parameter can only add contributors
    assert (final.diff(axis=0).iloc[1:] >= 0).all().all()
    assert (final.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    assert final.loc[1.0, 1.0] > final.loc[0.0, 0.0] + 0.1


def test_grid_zero_strength_row_is_flat():
    grid = community_grid([0.0], [0.0, 0.3, 1.0], n_members=500, n_rounds=4, seed=9)
    per_round = grid.pivot(index="round", columns="visibility", values="contribution_rate")
    assert per_round.nunique(axis=1).eq(1).all()
