"""Properties of the simulated blog-post experiment (reciprocity.simulate.content_test).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
import numpy as np
import pandas as pd
from scipy import stats as sps

from reciprocity.simulate import simulate_content_test
from reciprocity.simulate.content_test import CONTENT_ARMS, DEFAULT_CONTENT_RATES


def _rates(df):
    return df.groupby("arm")["signed_up"].mean()


def test_one_row_per_visitor_in_every_arm():
    df = simulate_content_test(2000, seed=1)
    assert set(df["arm"]) == set(CONTENT_ARMS)
    assert df["visitor_id"].is_unique and len(df) == 2000


def test_default_rates_are_ordered_as_documented():
    r = _rates(simulate_content_test(200_000, seed=2))
    assert r["plain"] < r["face"] < r["incentive"]
    assert r["plain"] < r["effort"] < r["incentive"]
    for arm, true in DEFAULT_CONTENT_RATES.items():
        assert abs(r[arm] - true) < 0.004, arm


def test_equal_rates_give_no_difference_beyond_noise():
    df = simulate_content_test(80_000, rates=[0.05] * 4, seed=3)
    table = pd.crosstab(df["arm"], df["signed_up"])
    assert sps.chi2_contingency(table).pvalue > 0.001


def test_shares_are_respected_and_srm_test_passes_without_bug():
    shares = {"plain": 0.4, "face": 0.2, "effort": 0.2, "incentive": 0.2}
    df = simulate_content_test(50_000, shares=shares, seed=4)
    counts = df["arm"].value_counts().reindex(CONTENT_ARMS)
    expected = np.array([shares[a] for a in CONTENT_ARMS]) * len(df)
    assert sps.chisquare(counts.to_numpy(), expected).pvalue > 0.001


def test_logging_bug_creates_srm_and_inflates_the_arm_rate():
    clean = simulate_content_test(40_000, seed=5)
    buggy = simulate_content_test(40_000, srm_arm="face", srm_drop=0.2, seed=5)
    counts = buggy["arm"].value_counts().reindex(CONTENT_ARMS).to_numpy()
    assert sps.chisquare(counts).pvalue < 1e-6
    # Only non-signers of the face arm are lost: signers and other arms are untouched.
    assert buggy["signed_up"].sum() == clean["signed_up"].sum()
    others = clean[clean["arm"] != "face"]
    pd.testing.assert_frame_equal(buggy[buggy["arm"] != "face"].reset_index(drop=True),
                                  others.reset_index(drop=True))
    assert _rates(buggy)["face"] > _rates(clean)["face"]
