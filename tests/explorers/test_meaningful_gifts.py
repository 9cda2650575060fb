"""Chapter 7's explorer (reciprocity.explorers.meaningful_gifts) embeds the simulator's own experiments.

The grid (sizes, surprise levels, runs, seed) lives in
:mod:`reciprocity.simulate.gifts`; the explorer's tables must be that grid's
counts with :mod:`reciprocity.stats` intervals, and the rates it calls the
model's must be :func:`~reciprocity.simulate.gifts.content_signup_rates`.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from reciprocity import stats
from reciprocity.explorers.meaningful_gifts import NORM_LABELS, relevance_explorer, relevance_tables
from reciprocity.simulate.gifts import (
    RELEVANCE_LEVELS,
    SIGNUP_GRID_READERS,
    SIGNUP_GRID_RUNS,
    SIGNUP_GRID_SEED,
    SIGNUP_GRID_SURPRISES,
    content_signup_grid,
    content_signup_rates,
    simulate_content_signups,
)


@pytest.fixture(scope="module")
def tables():
    return relevance_tables()


def test_relevance_tables_cover_every_setting_of_the_controls(tables):
    arms, experiments = tables
    settings = {(e["readers"], e["norm"], e["run"]) for e in experiments}
    assert settings == {(n, s, r) for n in SIGNUP_GRID_READERS for s in SIGNUP_GRID_SURPRISES
                        for r in range(1, SIGNUP_GRID_RUNS + 1)}
    assert len(arms) == len(experiments) * len(RELEVANCE_LEVELS)
    for (n, s, r) in settings:
        part = [a for a in arms if (a["readers"], a["norm"], a["run"]) == (n, s, r)]
        assert sum(a["n"] for a in part) == n


def test_every_surprise_level_of_the_grid_has_a_menu_label():
    assert set(NORM_LABELS) == set(SIGNUP_GRID_SURPRISES)


@pytest.mark.parametrize("readers, norm, run", [(500, 0.0, 1), (10000, 0.3, 1), (40000, 0.7, 5)])
def test_relevance_tables_are_the_seeded_simulator_and_stats(tables, readers, norm, run):
    arms, experiments = tables
    frame = simulate_content_signups(readers, surprise=norm, seed=SIGNUP_GRID_SEED + run)
    part = [a for a in arms if (a["readers"], a["norm"], a["run"]) == (readers, norm, run)]
    counts = []
    for arm in part:
        chosen = frame[frame["relevance"] == arm["relevance"]]
        assert (arm["n"], arm["k"]) == (len(chosen), int(chosen["signed_up"].sum()))
        assert (arm["low"], arm["high"]) == stats.proportion_ci(arm["k"], arm["n"])
        counts.append((arm["n"], arm["k"]))
    assert [a["model"] for a in part] == pytest.approx(content_signup_rates(surprise=norm).tolist(), rel=1e-12)
    summary = next(e for e in experiments if (e["readers"], e["norm"], e["run"]) == (readers, norm, run))
    result = stats.compare_proportions(counts[0][1], counts[0][0], counts[-1][1], counts[-1][0])
    assert summary["diff"] == result.difference and (summary["diff_low"], summary["diff_high"]) == result.ci


def test_model_rates_are_what_a_very_large_experiment_finds():
    frame = simulate_content_signups(400_000, surprise=0.3, seed=11)
    observed = frame.groupby("relevance")["signed_up"].mean().to_numpy()
    assert np.allclose(content_signup_rates(surprise=0.3), observed, atol=0.003)
    # relevance 0 is worth nothing: the base rate exactly
    assert content_signup_rates(surprise=0.7)[0] == pytest.approx(0.02)


def test_relevance_spec_embeds_the_grid_once_and_stays_small():
    spec = relevance_explorer().spec()
    assert len(json.dumps(spec)) < 100_000
    grid = content_signup_grid()
    assert len(grid) == (len(SIGNUP_GRID_READERS) * len(SIGNUP_GRID_SURPRISES) * SIGNUP_GRID_RUNS
                         * len(RELEVANCE_LEVELS))
