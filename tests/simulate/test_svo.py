"""Documented properties of the SVO measure and favour simulation (reciprocity.simulate.svo).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from reciprocity.simulate.svo import (
    DEFAULT_RETURN_RATES,
    REPORTED_MIX,
    SLIDER_ITEMS,
    SVO_TYPES,
    choose_positions,
    classify_svo,
    expected_return_rates,
    simulate_favour_returns,
    slider_payoffs,
    svo_angle,
)

ONLY_PROSOCIALS = {"prosocial": 1.0, "individualist": 0.0, "competitor": 0.0}
ONLY_INDIVIDUALISTS = {"prosocial": 0.0, "individualist": 1.0, "competitor": 0.0}


# --- the SVO angle, against values worked out by hand ----------------------

@pytest.mark.parametrize("selves, others, expected", [
    ([85], [85], 45.0),                       # equal, both above centre: atan(35/35)
    ([100, 100], [50, 50], 0.0),              # other gets the centre value: atan(0)
    ([85, 100], [85, 50], 22.380135),         # means 92.5, 67.5: atan(17.5/42.5)
    ([85, 85], [15, 15], -45.0),              # atan(-35/35)
    ([60], [80], 71.565051),                  # atan(30/10) = atan(3)
    ([50], [100], 90.0),                      # own mean exactly 50: straight up
])
def test_svo_angle_matches_hand_computed_values(selves, others, expected):
    assert math.isclose(svo_angle(selves, others), expected, abs_tol=1e-5)


def test_svo_angle_uses_means_not_order():
    assert math.isclose(svo_angle([85, 100, 50], [15, 50, 100]),
                        svo_angle([50, 85, 100], [100, 15, 50]))


def test_slider_extremes_give_the_angles_of_their_mean_payoffs():
    # Leftmost positions: self mean (85+85+50+50+100+100)/6 = 78.33,
    # other mean (85+15+100+100+50+50)/6 = 66.67 -> atan(16.67/28.33) = 30.47 deg.
    selves, others = slider_payoffs([0] * 6)
    assert selves == [85, 85, 50, 50, 100, 100]
    assert others == [85, 15, 100, 100, 50, 50]
    assert math.isclose(svo_angle(selves, others), math.degrees(math.atan(50 / 85)), rel_tol=1e-9)


def test_slider_items_have_nine_positions_each():
    assert len(SLIDER_ITEMS) == 6
    assert all(len(s) == len(o) == 9 for s, o in SLIDER_ITEMS)


@pytest.mark.parametrize("angle, category", [
    (61.39, "altruist"), (57.16, "altruist"), (57.15, "prosocial"), (45.0, "prosocial"),
    (22.46, "prosocial"), (22.45, "individualist"), (0.0, "individualist"),
    (-12.04, "individualist"), (-12.05, "competitor"), (-45.0, "competitor"),
])
def test_classify_svo_uses_published_thresholds(angle, category):
    assert classify_svo(angle) == category


def test_hand_computed_near_boundary_choice_is_individualist():
    # 22.38 deg lies just below the 22.45 deg prosocial threshold.
    assert classify_svo(svo_angle([85, 100], [85, 50])) == "individualist"


@pytest.mark.parametrize("selves, others, match", [
    ([], [], "non-empty"),
    ([85, 90], [85], "same length"),
    ([85, float("nan")], [85, 85], "finite"),
    ([50, 50], [50, 50], "undefined"),
    ("85", "85", "sequence"),
])
def test_svo_angle_rejects_bad_input(selves, others, match):
    with pytest.raises(ValueError, match=match):
        svo_angle(selves, others)


@pytest.mark.parametrize("angle", [float("nan"), 200, "45", True])
def test_classify_svo_rejects_bad_angle(angle):
    with pytest.raises(ValueError, match="angle"):
        classify_svo(angle)


@pytest.mark.parametrize("positions", [[0] * 5, [0, 0, 0, 0, 0, 9], [0, 0, 0, 0, 0, 1.5]])
def test_slider_payoffs_rejects_bad_positions(positions):
    with pytest.raises(ValueError, match="positions"):
        slider_payoffs(positions)


# --- expected rates ----------------------------------------------------------

def test_expected_population_rate_is_mix_weighted_mean():
    mix = {"prosocial": 0.6, "individualist": 0.3, "competitor": 0.1}
    rates = {"prosocial": {"one_off": 0.5, "future": 0.8},
             "individualist": {"one_off": 0.1, "future": 0.6},
             "competitor": {"one_off": 0.0, "future": 0.2}}
    table = expected_return_rates(mix, rates).set_index("group")
    # 0.6*0.5 + 0.3*0.1 + 0 = 0.33 ; 0.6*0.8 + 0.3*0.6 + 0.1*0.2 = 0.68
    assert math.isclose(table.loc["population", "one_off"], 0.33)
    assert math.isclose(table.loc["population", "future"], 0.68)
    assert math.isclose(table.loc["individualist", "contribution_future"], 0.18)


def test_default_rates_make_individualists_depend_most_on_a_future_benefit():
    gap = {k: v["future"] - v["one_off"] for k, v in DEFAULT_RETURN_RATES.items()}
    assert gap["individualist"] == max(gap.values())
    assert DEFAULT_RETURN_RATES["prosocial"]["one_off"] > DEFAULT_RETURN_RATES["individualist"]["one_off"]


def test_more_individualists_lower_one_off_returns():
    low = {"prosocial": 0.7, "individualist": 0.2, "competitor": 0.1}
    high = {"prosocial": 0.2, "individualist": 0.7, "competitor": 0.1}
    one_off = [expected_return_rates(m).set_index("group").loc["population", "one_off"] for m in (low, high)]
    assert one_off[0] > one_off[1]


def test_reported_mix_sums_to_one():
    assert math.isclose(sum(REPORTED_MIX.values()), 1.0)


# --- simulation --------------------------------------------------------------

def test_one_row_per_person_of_a_known_type():
    df = simulate_favour_returns(400, seed=1)
    assert set(df["svo_type"]) <= set(SVO_TYPES)
    assert df["person_id"].is_unique and len(df) == 400


def test_future_benefit_raises_returns_most_for_individualists():
    df = simulate_favour_returns(20_000, seed=2024)
    rates = df.groupby(["svo_type", "future_benefit"])["returned"].mean().unstack()
    gap = rates[1] - rates[0]
    assert (gap > 0).all()
    assert gap.idxmax() == "individualist"


def test_simulated_rates_match_expected_rates():
    df = simulate_favour_returns(40_000, seed=7)
    expected = expected_return_rates().set_index("group").loc["population"]
    observed = df.groupby("future_benefit")["returned"].mean()
    assert abs(observed[0] - expected["one_off"]) < 0.02
    assert abs(observed[1] - expected["future"]) < 0.02


def test_equal_rates_give_no_difference_beyond_noise():
    flat = {k: {"one_off": 0.3, "future": 0.3} for k in SVO_TYPES}
    df = simulate_favour_returns(6000, return_rates=flat, seed=99)
    table = pd.crosstab(df["future_benefit"], df["returned"]).to_numpy()
    assert fisher_exact(table)[1] > 0.01


def test_single_type_population_has_only_that_type():
    df = simulate_favour_returns(200, mix=ONLY_INDIVIDUALISTS, seed=4)
    assert set(df["svo_type"]) == {"individualist"}


def test_share_future_extremes():
    assert simulate_favour_returns(100, share_future=0.0, seed=1)["future_benefit"].sum() == 0
    assert simulate_favour_returns(100, share_future=1.0, seed=1)["future_benefit"].all()


def test_only_prosocials_one_off_rate_equals_their_rate():
    table = expected_return_rates(ONLY_PROSOCIALS).set_index("group")
    assert table.loc["population", "one_off"] == DEFAULT_RETURN_RATES["prosocial"]["one_off"]


# --- a consistent respondent ---------------------------------------------------

@pytest.mark.parametrize("true_angle, category", [
    (75.0, "altruist"), (35.0, "prosocial"), (3.0, "individualist"), (-40.0, "competitor"),
])
def test_consistent_respondent_is_classified_in_their_own_category(true_angle, category):
    angle = svo_angle(*slider_payoffs(choose_positions(true_angle)))
    assert classify_svo(angle) == category


def test_pure_self_interest_on_items_2_to_6_takes_the_largest_own_payoff():
    positions = choose_positions(1.0)
    for (item_self, _), pos in list(zip(SLIDER_ITEMS, positions, strict=True))[1:]:
        assert item_self[pos] == max(item_self)


def test_choose_positions_rejects_bad_angle():
    with pytest.raises(ValueError, match="true_angle"):
        choose_positions(float("inf"))
