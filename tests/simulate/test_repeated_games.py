"""Properties of the iterated prisoner's dilemma simulator (insight 3).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
import numpy as np
import pandas as pd
import pytest

from reciprocity.simulate.repeated_games import (
    STRATEGIES,
    cooperation_threshold,
    evolve_population,
    pair_table,
    simulate_repeated_games,
    tournament_summary,
)


def _payoff(summary, strategy):
    return summary.set_index("strategy").loc[strategy, "payoff_per_round"]


def test_one_shot_matches_last_one_round():
    games = simulate_repeated_games(0.0, n_matches=30, seed=1)
    assert (games["rounds"] == 1).all()


def test_mean_length_follows_continuation():
    games = simulate_repeated_games(0.8, strategies=["always cooperate"], n_matches=4000, seed=2)
    # geometric lengths: mean 1 / (1 - 0.8) = 5, standard error about 0.07
    assert games["rounds"].mean() == pytest.approx(5.0, abs=0.3)


def test_always_defect_beats_tit_for_tat_in_one_shot_play():
    summary = tournament_summary(simulate_repeated_games(0.0, n_matches=300, seed=3))
    assert summary.iloc[0]["strategy"] == "always defect"
    assert _payoff(summary, "always defect") > _payoff(summary, "tit-for-tat")


def test_ordering_flips_when_the_shadow_of_the_future_is_long():
    short = tournament_summary(simulate_repeated_games(0.1, n_matches=400, seed=4))
    long = tournament_summary(simulate_repeated_games(0.9, n_matches=400, seed=4))
    assert _payoff(short, "always defect") > _payoff(short, "tit-for-tat")
    assert _payoff(long, "tit-for-tat") > _payoff(long, "always defect")
    assert _payoff(long, "grim trigger") > _payoff(long, "always defect")


def test_reciprocal_strategies_gain_and_defectors_lose_as_continuation_rises():
    values = {d: tournament_summary(simulate_repeated_games(d, n_matches=400, seed=5))
              for d in (0.0, 0.5, 0.9)}
    tft = [_payoff(values[d], "tit-for-tat") for d in (0.0, 0.5, 0.9)]
    alld = [_payoff(values[d], "always defect") for d in (0.0, 0.5, 0.9)]
    assert tft == sorted(tft)
    assert alld == sorted(alld, reverse=True)


def test_more_continuation_means_more_cooperation_once_strategies_spread():
    def final_cooperation(delta):
        evo = evolve_population(simulate_repeated_games(delta, n_matches=300, seed=6), 40)
        return evo.loc[evo["generation"] == 40, "population_cooperation"].iloc[0]
    assert final_cooperation(0.0) < 0.05
    assert final_cooperation(0.9) > 0.9


def test_tit_for_tat_against_always_defect_cooperates_only_first():
    games = simulate_repeated_games(0.7, strategies=["tit-for-tat", "always defect"],
                                    n_matches=100, seed=7)
    tft = games[(games["strategy"] == "tit-for-tat") & (games["opponent"] == "always defect")]
    assert (tft["cooperations"] == 1).all()
    assert (tft["payoff"] == tft["rounds"] - 1).all()  # 0 once, then 1 per round


def test_outcome_counts_add_up_to_rounds_and_payoff():
    games = simulate_repeated_games(0.6, n_matches=50, temptation=4.5, noise=0.1, seed=8)
    counts = games[["both_cooperate", "exploited", "exploiting", "both_defect"]].sum(axis=1)
    assert (counts == games["rounds"]).all()
    expected = 3 * games["both_cooperate"] + 4.5 * games["exploiting"] + games["both_defect"]
    assert np.allclose(games["payoff"], expected)


def test_without_noise_two_cooperators_always_cooperate():
    games = simulate_repeated_games(0.9, strategies=["tit-for-tat", "grim trigger"],
                                    n_matches=100, seed=9)
    assert (games["cooperations"] == games["rounds"]).all()


def test_random_strategy_cooperates_half_the_time():
    games = simulate_repeated_games(0.8, strategies=["random"], n_matches=500, seed=10)
    rate = games["cooperations"].sum() / games["rounds"].sum()
    assert rate == pytest.approx(0.5, abs=0.03)


def test_rescoring_the_temptation_matches_a_fresh_simulation():
    base = simulate_repeated_games(0.5, n_matches=100, temptation=4.0, seed=11)
    fresh = simulate_repeated_games(0.5, n_matches=100, temptation=5.0, seed=11)
    pd.testing.assert_frame_equal(tournament_summary(base, temptation=5.0),
                                  tournament_summary(fresh))


def test_pair_table_covers_every_pair():
    table = pair_table(simulate_repeated_games(0.5, n_matches=20, seed=12))
    assert len(table) == len(STRATEGIES) ** 2


def test_threshold_follows_the_textbook_condition():
    assert cooperation_threshold(4.0) == pytest.approx(1 / 3)
    assert cooperation_threshold(5.0) > cooperation_threshold(4.0)


def test_summary_rejects_other_frames():
    with pytest.raises(ValueError, match="simulate_repeated_games"):
        tournament_summary(pd.DataFrame({"strategy": ["x"]}))


def test_payoff_matrices_agree_with_pair_table():
    from reciprocity.simulate.repeated_games import payoff_matrices
    games = simulate_repeated_games(0.6, n_matches=60, seed=15)
    names, payoff, cooperation = payoff_matrices(games, temptation=5.0)
    table = pair_table(games, temptation=5.0).set_index(["strategy", "opponent"])
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            assert payoff[i, j] == pytest.approx(table.loc[(a, b), "payoff_per_round"])
            assert cooperation[i, j] == pytest.approx(table.loc[(a, b), "cooperation_rate"])
    _, stacked, _ = payoff_matrices(games, temptation=[4.0, 5.0])
    assert np.allclose(stacked[1], payoff)


def test_replicator_keeps_shares_a_distribution_and_rejects_bad_shapes():
    from reciprocity.simulate.repeated_games import replicator
    shares, _cooperation = replicator(np.array([[1.0, 5.0], [0.0, 3.0]]), np.array([[0, 0], [1, 1.0]]), 10)
    assert np.allclose(shares.sum(axis=1), 1)
    assert shares[-1, 0] > shares[0, 0]  # defection dominates a one-shot dilemma
    with pytest.raises(ValueError, match="square"):
        replicator(np.ones((2, 3)), np.ones((2, 3)))
