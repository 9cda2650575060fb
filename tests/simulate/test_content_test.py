"""Properties of the simulated blog-post experiment (reciprocity.simulate.content_test)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from reciprocity.simulate import simulate_content_test
from reciprocity.simulate.content_test import CONTENT_ARMS, DEFAULT_CONTENT_RATES


def _rates(df):
    return df.groupby("arm")["signed_up"].mean()


def test_columns_types_and_arms():
    df = simulate_content_test(2000, seed=1)
    assert list(df.columns) == ["visitor_id", "arm", "signed_up"]
    assert set(df["arm"]) == set(CONTENT_ARMS)
    assert set(df["signed_up"].unique()) <= {0, 1}
    assert df["visitor_id"].is_unique and len(df) == 2000


def test_same_seed_same_data_and_rng_accepted():
    a = simulate_content_test(3000, seed=7)
    b = simulate_content_test(3000, seed=7)
    pd.testing.assert_frame_equal(a, b)
    c = simulate_content_test(3000, rng=np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, c)
    assert not a.equals(simulate_content_test(3000, seed=8))


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


@pytest.mark.parametrize("kwargs, word", [
    ({"n_visitors": 3}, "n_visitors"),
    ({"rates": {"plain": 1.5}}, "rates"),
    ({"rates": {"video": 0.1}}, "rates"),
    ({"rates": [0.1, 0.1]}, "rates"),
    ({"shares": [0.5, 0.5, 0.5, 0.5]}, "shares"),
    ({"shares": [0.0, 0.5, 0.25, 0.25]}, "shares"),
    ({"srm_arm": "video"}, "srm_arm"),
    ({"srm_drop": 1.0}, "srm_drop"),
    ({"srm_drop": -0.1}, "srm_drop"),
])
def test_bad_parameters_raise_value_error_naming_them(kwargs, word):
    with pytest.raises(ValueError, match=word):
        simulate_content_test(seed=1, **kwargs)


def test_seed_is_required():
    with pytest.raises(ValueError, match="seed"):
        simulate_content_test(100)
