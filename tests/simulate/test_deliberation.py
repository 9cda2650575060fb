"""Properties of the dual-route (elaboration likelihood) simulator (insight 1).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
import numpy as np
import pytest

from reciprocity.simulate.deliberation import compliance_probability, elaboration, simulate_gift_request
from reciprocity.stats import compare_proportions


def _gift_difference(df):
    rates = df.groupby("gift")["complied"].agg(["sum", "size"])
    return compare_proportions(int(rates.loc[0, "sum"]), int(rates.loc[0, "size"]),
                               int(rates.loc[1, "sum"]), int(rates.loc[1, "size"]))


def test_elaboration_needs_both_motivation_and_ability():
    assert elaboration(1, 0) == 1
    assert elaboration(0, 0) == 0
    assert elaboration(1, 1) == 0
    assert elaboration(0.5, 0.5) == pytest.approx(0.25)


def test_gift_raises_compliance_when_people_take_the_shortcut():
    df = simulate_gift_request(4000, involvement=0.1, distraction=0.9, seed=1)
    result = _gift_difference(df)
    assert result.difference > 0.1
    assert result.p_value < 0.001


def test_gift_has_no_effect_under_full_deliberation():
    df = simulate_gift_request(4000, involvement=1.0, distraction=0.0, seed=2)
    result = _gift_difference(df)
    lo, hi = result.ci
    assert lo < 0 < hi  # no difference beyond noise


def test_gift_effect_shrinks_with_involvement_and_grows_with_distraction():
    inv = np.linspace(0, 1, 11)
    effect = compliance_probability(inv, 0.0, 0.5, 1) - compliance_probability(inv, 0.0, 0.5, 0)
    assert np.all(np.diff(effect) < 0)
    dis = np.linspace(0, 1, 11)
    effect = compliance_probability(0.9, dis, 0.5, 1) - compliance_probability(0.9, dis, 0.5, 0)
    assert np.all(np.diff(effect) > 0)


def test_argument_quality_matters_only_when_people_deliberate():
    strong = compliance_probability(1, 0, 0.9, 0)
    weak = compliance_probability(1, 0, 0.1, 0)
    assert strong - weak > 0.2
    assert compliance_probability(0, 0, 0.9, 0) == pytest.approx(compliance_probability(0, 0, 0.1, 0))


def test_default_cue_about_doubles_compliance_without_elaboration():
    # logistic arithmetic: expit(logit(0.2) + 1) / 0.2 is about 2.03
    ratio = compliance_probability(0, 0, 0.5, 1) / compliance_probability(0, 0, 0.5, 0)
    assert 1.8 < ratio < 2.2


def test_simulated_rate_tracks_model_probability():
    df = simulate_gift_request(5000, involvement=0.6, distraction=0.3, argument_quality=0.8, seed=3)
    for _gift, group in df.groupby("gift"):
        assert group["complied"].mean() == pytest.approx(group["p_comply"].iloc[0], abs=0.03)


def test_gift_share_sets_the_assignment():
    df = simulate_gift_request(5000, gift_share=0.2, seed=4)
    assert df["gift"].mean() == pytest.approx(0.2, abs=0.02)
