"""The Broockman and Friend-or-Foe aggregations shared by chapters 3 and 12."""
import pytest

from reciprocity import data
from reciprocity.analyses.broockman import interdependence_effect, reply_table, sender_comparison
from reciprocity.analyses.kalist import friend_shares


@pytest.fixture(scope="module")
def broockman():
    return data.load("broockman2013")


def test_reply_rates_match_a_direct_count(broockman):
    table = reply_table(broockman, by="legislator").set_index(["group", "sender"])
    part = broockman[(broockman["leg_black"] == 0) & (broockman["treat_out"] == 1)]
    row = table.loc[("non-Black legislators", "out of district")]
    assert row["n"] == len(part)
    assert row["replies"] == part["responded"].sum()
    assert row["ci_low"] < row["rate"] < row["ci_high"]


def test_published_raw_rates_for_non_black_legislators(broockman):
    effect = interdependence_effect(broockman, by="legislator").set_index("group")
    assert effect.loc["non-Black legislators", "rate_in"] == pytest.approx(0.561, abs=5e-4)
    assert effect.loc["non-Black legislators", "rate_out"] == pytest.approx(0.287, abs=5e-4)


def test_ratio_interval_contains_the_ratio_and_excludes_one(broockman):
    effect = interdependence_effect(broockman, by=None).iloc[0]
    assert effect["ratio"] == pytest.approx(effect["rate_in"] / effect["rate_out"])
    assert 1 < effect["ratio_low"] < effect["ratio"] < effect["ratio_high"]
    assert effect["diff_low"] < effect["difference"] < effect["diff_high"]


def test_groups_partition_the_legislators(broockman):
    for by in ["legislator", "party", "region", "chamber"]:
        assert reply_table(broockman, by=by)["n"].sum() == len(broockman)


def test_friend_shares_pool_and_split_consistently():
    pooled = friend_shares(by=None).iloc[0]
    by_pot = friend_shares(by="pot")
    assert by_pot["n"].sum() == pooled["n"]
    assert by_pot["friends"].sum() == pooled["friends"]
    assert list(by_pot["group"]) == ["small pot", "medium pot", "large pot"]
    assert (by_pot["pot_min"].iloc[1:].to_numpy() >= by_pot["pot_max"].iloc[:-1].to_numpy()).all()


@pytest.mark.parametrize("func", [reply_table, friend_shares])
def test_unknown_grouping_is_rejected(func):
    with pytest.raises(ValueError, match="by must be"):
        func(by="shoe size")


def test_sender_comparison_is_the_effect_table_row(broockman):
    effect = interdependence_effect(broockman, by="legislator").set_index("group")
    for group in effect.index:
        result = sender_comparison(group, frame=broockman)
        assert result.rate_a == pytest.approx(effect.loc[group, "rate_out"])
        assert result.rate_b == pytest.approx(effect.loc[group, "rate_in"])
        assert result.ci == pytest.approx((effect.loc[group, "diff_low"], effect.loc[group, "diff_high"]))
    with pytest.raises(ValueError, match="group must be"):
        sender_comparison("shoe size", frame=broockman)


def test_charity_summary_matches_a_direct_count():
    from reciprocity.analyses import charity

    frame = data.load("franses_paap2001")
    summary = charity.response_summary(frame)
    assert summary["mailed"] == len(frame) and summary["donors"] == frame["respond"].sum()
    assert summary["ci_low"] < summary["rate"] < summary["ci_high"]
    assert summary["median_gift"] == frame.loc[frame["respond"] == 1, "gift"].median()
    # the mean among donors, and the same gifts spread over everyone mailed (non-donors gave 0)
    assert summary["mean_gift"] == pytest.approx(frame.loc[frame["respond"] == 1, "gift"].mean())
    assert summary["mean_gift_mailed"] == pytest.approx(frame["gift"].mean())
    assert summary["mean_gift_mailed"] == pytest.approx(summary["mean_gift"] * summary["rate"])
    bands = charity.response_by_past_giving(frame)
    assert list(bands["past_giving"]) == list(charity.PAST_GIVING_BANDS)
    assert bands["n"].sum() == len(frame)
    assert bands["rate"].is_monotonic_increasing  # loyal donors give again more often
