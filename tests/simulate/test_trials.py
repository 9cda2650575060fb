"""Properties of the simulated trial-policy event log (reciprocity.simulate.trials).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from reciprocity.simulate import simulate_trial_log
from reciprocity.simulate.trials import TRIAL_EVENTS, TRIAL_STEPS


def _users(log):
    users = log.loc[log["event"] == "signed_up", ["user_id", "policy"]].set_index("user_id")
    per = log.groupby(["user_id", "event"]).size().unstack(fill_value=0)
    users["steps"] = per.get("step_completed", 0)
    users["paid"] = per.get("paid", 0)
    users["churned"] = per.get("churned", 0)
    users["tickets"] = per.get("support_ticket", 0)
    users["trial_days"] = log[log["event"] == "trial_ended"].set_index("user_id")["day"]
    return users


@pytest.fixture(scope="module")
def big():
    return _users(simulate_trial_log(30_000, seed=11))


def test_log_vocabulary_and_one_sign_up_and_trial_end_per_user():
    log = simulate_trial_log(500, seed=1)
    assert set(log["event"]) <= set(TRIAL_EVENTS)
    assert set(log["policy"]) == {"A", "B"}
    steps = log.loc[log["event"] == "step_completed", "step"]
    assert set(steps) <= set(TRIAL_STEPS)
    assert log.loc[log["event"] != "step_completed", "step"].isna().all()
    assert (log.groupby("user_id")["policy"].nunique() == 1).all()
    assert (log["event"] == "signed_up").sum() == 500
    assert (log["event"] == "trial_ended").sum() == 500


def test_steps_happen_in_order_inside_the_trial():
    log = simulate_trial_log(3000, seed=2)
    done = log[log["event"] == "step_completed"].copy()
    done["k"] = done["step"].map({s: i for i, s in enumerate(TRIAL_STEPS)})
    # a funnel: the k-th step is done only after steps 0..k-1, and in time order
    for _, g in done.groupby("user_id"):
        assert g["k"].tolist() == list(range(len(g)))
        assert g["day"].is_monotonic_increasing
    end = log[log["event"] == "trial_ended"].set_index("user_id")["day"]
    assert (done["day"].to_numpy() <= end.loc[done["user_id"]].to_numpy() + 1e-9).all()
    fv = log[log["event"] == "first_value"].set_index("user_id")["day"]
    first = done[done["k"] == 0].set_index("user_id")["day"]
    pd.testing.assert_series_equal(fv.sort_index(), first.sort_index(), check_names=False)


def test_trial_lengths_follow_the_policies(big):
    a = big[big["policy"] == "A"]
    b = big[big["policy"] == "B"]
    assert (a["trial_days"] == 30).all()
    expected_b = np.minimum(7 + 2 * b["steps"], 14)
    assert np.allclose(b["trial_days"], expected_b)


def test_default_calibration_a_about_4pct_and_b_two_to_three_times(big):
    rate = big.groupby("policy")["paid"].mean()
    assert 0.025 < rate["A"] < 0.055
    assert 2.0 < rate["B"] / rate["A"] < 3.2


def test_policy_b_raises_steps_completed(big):
    steps = big.groupby("policy")["steps"].mean()
    assert steps["B"] > steps["A"] + 0.5


def test_conditioning_on_steps_understates_the_effect(big):
    # the post-treatment trap: among users who finished every step, B does not look better
    full = big[big["steps"] == len(TRIAL_STEPS)].groupby("policy")["paid"].mean()
    overall = big.groupby("policy")["paid"].mean()
    assert full["B"] - full["A"] < 0 < overall["B"] - overall["A"]


def test_identical_policies_give_no_difference_beyond_noise():
    log = simulate_trial_log(30_000, base_days_b=30, bonus_days=0, max_days_b=30,
                             checklist_boost=0.0, urgency_b=0.0, seed=3)
    users = _users(log)
    table = pd.crosstab(users["policy"], users["paid"])
    assert sps.chi2_contingency(table).pvalue > 0.001
    steps = [g.to_numpy() for _, g in users.groupby("policy")["steps"]]
    assert sps.mannwhitneyu(*steps).pvalue > 0.001


def test_churn_only_among_payers_and_after_paying():
    log = simulate_trial_log(5000, seed=4)
    users = _users(log)
    assert (users.loc[users["churned"] == 1, "paid"] == 1).all()
    paid_day = log[log["event"] == "paid"].set_index("user_id")["day"]
    churn_day = log[log["event"] == "churned"].set_index("user_id")["day"]
    gap = churn_day - paid_day.loc[churn_day.index]
    assert ((gap > 0) & (gap <= 30)).all()
