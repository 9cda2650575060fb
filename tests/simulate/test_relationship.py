"""Properties of the favour-campaign simulator (insight 12).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
import numpy as np
import pytest

from reciprocity.simulate.relationship import (
    COLD_REPLY,
    EVEN_ODDS_REPLY,
    perceived_continuation,
    reply_probability,
    simulate_favour_campaign,
)


def test_belief_rises_with_each_noticed_favour():
    beliefs = perceived_continuation(np.arange(10))
    assert np.all(np.diff(beliefs) > 0)
    assert beliefs[0] == pytest.approx(0.1)


def test_intro_counts_as_evidence_before_any_favour():
    assert perceived_continuation(0, intro=True) > perceived_continuation(0)


def test_the_two_assumed_anchor_rates_are_reproduced():
    # a near-certain belief of 0 and of 0.5 give back the two assumed anchors
    cold = reply_probability(0, prior_continuation=1e-9, prior_strength=100)
    even = reply_probability(0, prior_continuation=0.5, prior_strength=100)
    assert cold == pytest.approx(COLD_REPLY, abs=1e-6)
    assert even == pytest.approx(EVEN_ODDS_REPLY, abs=1e-6)
    moved = reply_probability(0, prior_continuation=0.5, prior_strength=100, cold_reply=0.1,
                              even_odds_reply=0.3)
    assert moved == pytest.approx(0.3, abs=1e-6)


def test_anchors_must_be_ordered():
    with pytest.raises(ValueError, match="even_odds_reply"):
        reply_probability(0, cold_reply=0.5, even_odds_reply=0.4)


def test_reply_probability_rises_with_favours_and_with_attention():
    k = np.arange(0, 25)
    attentive = reply_probability(k, notice_rate=0.9)
    distracted = reply_probability(k, notice_rate=0.1)
    assert np.all(np.diff(attentive) > 0)
    assert np.all(attentive[1:] > distracted[1:])
    assert attentive[0] == pytest.approx(distracted[0])


def test_unnoticed_favours_change_nothing():
    flat = reply_probability(np.arange(0, 10), notice_rate=0.0)
    assert np.allclose(flat, flat[0])


def test_simulated_reply_rates_track_the_expected_curve():
    df = simulate_favour_campaign(6000, 12, notice_rate=0.5, seed=1)
    rates = df.groupby("favours")["would_reply"].mean()
    expected = reply_probability(np.arange(13), notice_rate=0.5)
    assert np.allclose(rates.to_numpy(), expected, atol=0.03)


def test_each_recipient_stays_consistent_once_they_would_reply():
    df = simulate_favour_campaign(300, 12, seed=2)
    wide = df.pivot(index="recipient_id", columns="favours", values="would_reply").to_numpy()
    # belief never falls, so once someone would reply they keep doing so
    assert np.all(np.diff(wide, axis=1) >= 0)


def test_intro_group_replies_more():
    df = simulate_favour_campaign(4000, 3, intro_share=0.5, seed=3)
    first = df[df["favours"] == 0].groupby("intro")["would_reply"].mean()
    assert first.loc[1] - first.loc[0] > 0.1


def test_reply_probability_rejects_negative_favours():
    with pytest.raises(ValueError, match="favours"):
        reply_probability(-1)
