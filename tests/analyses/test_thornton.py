"""The Thornton (2008) tables chapter 14 and its explorer share (reciprocity.analyses.thornton)."""
from __future__ import annotations

import numpy as np
import pytest

from reciprocity import data
from reciprocity.analyses import thornton as th


@pytest.fixture(scope="module")
def sample():
    return th.incentive_sample(data.load("thornton2008"))


@pytest.fixture(scope="module")
def tables(sample):
    return th.by_distance(sample)


def test_incentive_sample_keeps_known_outcomes_and_assignments(sample):
    assert len(sample) == len(th.incentive_sample())   # loads the dataset when none is given
    assert sample[["got", "any", "tinc"]].notna().all().all()
    rates = sample.groupby("any")["got"].mean()
    assert rates[0.0] == pytest.approx(0.339, abs=0.001)   # Thornton (2008): 33.9%
    assert rates[1.0] == pytest.approx(0.789, abs=0.001)   # and 78.9%


def test_any_vs_none_compares_nothing_with_any_voucher(sample):
    result = th.any_vs_none(sample)
    assert result.rate_a == pytest.approx(0.339, abs=0.001)
    assert result.rate_b == pytest.approx(0.789, abs=0.001)
    assert result.ci[0] > 0.4


def test_incentive_bands_cover_everyone_once(sample):
    bands = th.incentive_bands(sample)
    assert bands["n"].sum() == len(sample)
    assert bands.loc[0, "rate"] == pytest.approx(sample.loc[sample.tinc == 0, "got"].mean())
    assert ((bands["ci_low"] <= bands["rate"]) & (bands["rate"] <= bands["ci_high"])).all()
    for i, (low, high, _) in enumerate(th.INCENTIVE_BANDS):
        assert low <= bands.loc[i, "mean_amount"] <= high


def test_band_index_is_right_closed_and_covers_the_slider():
    assert th.band_index(0.0) == 0
    assert th.band_index(0.1) == th.band_index(0.2) == 1
    assert th.band_index(0.3) == 2
    assert th.band_index(2.8) == len(th.INCENTIVE_BANDS) - 1
    assert {th.band_index(a) for a in th.AMOUNTS} == set(range(len(th.INCENTIVE_BANDS)))
    with pytest.raises(ValueError, match="amount"):
        th.band_index(3.5)


def test_dose_response_jumps_at_any_incentive_and_stays_in_its_band(sample):
    curve = th.dose_response(sample).set_index("amount")
    assert curve.loc[0.1, "fitted"] > curve.loc[0.0, "fitted"] + 0.15
    assert ((curve["ci_low"] <= curve["fitted"]) & (curve["fitted"] <= curve["ci_high"])).all()
    # with an 'any' dummy the fit reproduces the no-incentive rate exactly
    none = sample.query("tinc == 0")["got"].mean()
    assert curve.loc[0.0, "fitted"] == pytest.approx(none, abs=1e-6)


def test_distance_groups_split_everyone(sample, tables):
    assert tables["everyone"]["n"] == len(sample)
    assert tables["within 1.5 km"]["n"] + tables["more than 1.5 km"]["n"] == len(sample)
    assert tables["more than 1.5 km"]["n"] == int((sample["distvct"] >= 1.5).sum())
    with pytest.raises(ValueError, match="distance"):
        th.distance_subset(sample, "far")


def test_cost_counts_only_the_people_who_come_back_and_are_paid():
    # a $1 voucher raising take-up from 40% to 60%: 60 cents paid per person
    # offered, 0.2 extra people per person offered, $3 per extra person
    assert th.cost_per_extra_person(1.0, 0.6, 0.4) == pytest.approx(3.0)
    assert np.isnan(th.cost_per_extra_person(1.0, 0.4, 0.4))
    costs = th.cost_per_extra_person(np.array([0.5, 1.0]), np.array([0.6, 0.6]), 0.4)
    assert costs == pytest.approx([1.5, 3.0])


def test_cost_per_extra_person_in_chapter_14_matches_the_shipped_data(tables):
    """Chapter 14 quotes about $0.23 (10-cent voucher) and $3.3 (two dollars)."""
    curve = tables["everyone"]["curve"]
    p0 = curve.loc[0.0, "fitted"]
    for amount, published, digits in [(0.1, 0.23, 2), (2.0, 3.3, 1)]:
        p1 = curve.loc[amount, "fitted"]
        assert round(amount * p1 / (p1 - p0), digits) == published
        assert round(curve.loc[amount, "cost"], digits) == published
        # dividing by the extra share alone, as the chapter once did, overstates it
        assert amount / (p1 - p0) > curve.loc[amount, "cost"] * 1.1


def test_shipped_data_reproduce_what_thornton_reports(sample):
    """Thornton (2008), abstract: 34 percent without an incentive; the smallest incentive doubled it."""
    bands = th.incentive_bands(sample)
    none, smallest = bands.loc[0, "rate"], bands.loc[1, "rate"]
    assert round(none, 2) == th.REPORTED_SHARE_NO_INCENTIVE
    # "doubled" is a rounded word: the lowest band (20 cents or less) gives 1.9 times
    assert abs(smallest / none - th.REPORTED_SMALLEST_RATIO) < 0.25
    assert round(smallest / none, 1) == 1.9
