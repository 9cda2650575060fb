"""The GGL and Fox & Guyer analyses.

The explorers built on them (chapters 2, 10 and 11, and the primer's power
calculator) are checked in tests/explorers/.
"""
from __future__ import annotations

import math

import pytest

from reciprocity import data, stats
from reciprocity.analyses import fox_guyer, ggl


@pytest.fixture(scope="module")
def voters():
    return data.load("ggl2008")


# -- GGL ------------------------------------------------------------------------

def test_arm_counts_reproduce_the_published_turnout(voters):
    turnout = ggl.arm_turnout(voters).set_index("treatment")
    assert list(turnout.index) == ggl.GGL_ARMS
    assert int(turnout["n"].sum()) == len(voters) == 344_084
    published = {"Control": 0.297, "Civic Duty": 0.315, "Hawthorne": 0.322, "Self": 0.345,
                 "Neighbors": 0.378}   # Gerber, Green & Larimer (2008), Table 2
    for arm, rate in published.items():
        assert turnout.loc[arm, "rate"] == pytest.approx(rate, abs=0.0005)
    counts = ggl.arm_counts(voters)
    assert (counts["n"] == turnout["n"]).all() and (counts["votes"] == turnout["successes"]).all()


def test_compare_arms_is_compare_proportions_on_the_arm_counts(voters):
    counts = voters.groupby("treatment")["voted"].agg(["sum", "size"])
    direct = stats.compare_proportions(int(counts.loc["Control", "sum"]), int(counts.loc["Control", "size"]),
                                       int(counts.loc["Neighbors", "sum"]), int(counts.loc["Neighbors", "size"]))
    assert ggl.compare_arms("Control", "Neighbors", voters) == direct
    assert ggl.compare_with_control(voters)["Neighbors"] == direct
    assert list(ggl.compare_with_control(voters)) == ggl.LETTERS
    with pytest.raises(ValueError, match="arm"):
        ggl.compare_arms("Control", "Nobody", voters)


def test_turnout_counts_add_up_to_the_arms(voters):
    counts = ggl.turnout_counts(voters)
    assert len(counts) == 20 and sorted(counts["primaries_voted"].unique()) == [0, 1, 2, 3]
    totals = counts.groupby("treatment")[["n", "votes"]].sum()
    arms = ggl.arm_counts(voters)
    for arm in ggl.GGL_ARMS:
        assert (totals.loc[arm, "n"], totals.loc[arm, "votes"]) == (arms.loc[arm, "n"], arms.loc[arm, "votes"])


def test_ladder_steps_match_arm_means(voters):
    table = ggl.ladder_table(voters)
    everyone = table[table["group"] == "All voters"].set_index("step")
    means = voters.groupby("treatment")["voted"].mean()
    assert len(everyone) == len(ggl.LADDER_STEPS)
    for a, b, _ in ggl.LADDER_STEPS:
        assert everyone.loc[f"{a} → {b}", "difference"] == pytest.approx(means[b] - means[a])
    assert (everyone["ci_low"] < everyone["difference"]).all()
    assert (everyone["difference"] < everyone["ci_high"]).all()


def test_ladder_group_sizes_add_up(voters):
    table = ggl.ladder_table(voters)
    first = table[table["step"] == "Control → Civic Duty"].set_index("group")
    for prefix in ("Age", "Household", "Voted in"):
        part = first.loc[[g for g in first.index if g.startswith(prefix)]]
        assert int((part["n_from"] + part["n_to"]).sum()) == int(
            voters["treatment"].isin(["Control", "Civic Duty"]).sum()), prefix


def test_every_arm_has_one_colour_from_the_palette():
    from reciprocity.plots import PALETTE
    assert list(ggl.ARM_COLOURS) == ggl.GGL_ARMS
    assert set(ggl.ARM_COLOURS.values()) <= set(PALETTE) and len(set(ggl.ARM_COLOURS.values())) == 5


# -- Fox & Guyer ----------------------------------------------------------------

def test_fox_guyer_summary_and_test():
    summary = fox_guyer.condition_summary()
    assert list(summary.index) == fox_guyer.CONDITIONS
    assert summary["groups"].tolist() == [10, 10]
    frame = data.load("fox_guyer1978")
    for condition in fox_guyer.CONDITIONS:
        shares = frame.loc[frame.condition == condition, "cooperation"] / fox_guyer.CHOICES_PER_GROUP
        assert summary.loc[condition, "mean"] == pytest.approx(shares.mean())
        assert summary.loc[condition, "ci_low"] < shares.mean() < summary.loc[condition, "ci_high"]
        assert summary.loc[condition, "min"] == pytest.approx(shares.min())
    assert summary.loc["public", "mean"] > summary.loc["anonymous", "mean"]
    result = fox_guyer.welch_test()
    assert result.statistic > 0 and 0 < result.pvalue < 0.05
    assert len(fox_guyer.group_shares()) == 20 and fox_guyer.CHOICES_PER_GROUP == 120
    with pytest.raises(ValueError, match="condition"):
        fox_guyer.group_shares("secret")
    with pytest.raises(ValueError, match="confidence"):
        fox_guyer.condition_summary(confidence=1.5)


# -- GGL: households, letters per voter, voting history, clustering --------------

def test_household_counts_reproduce_the_reported_households(voters):
    households = ggl.household_counts(voters)
    assert list(households.index) == ggl.GGL_ARMS
    # 180,002 households in all (Gerber, Green & Larimer 2008; ISPS Data Archive D001)
    assert int(households.sum()) == ggl.REPORTED_HOUSEHOLDS["total"] == 180_002
    for letter in ggl.LETTERS:   # about 20,000 households per letter, as reported
        assert households[letter] == pytest.approx(ggl.REPORTED_HOUSEHOLDS["per_letter"], abs=5)
    # every household size is consistent with a whole number of households
    sizes = voters.groupby(["treatment", "hh_size"]).size()
    assert all(count % size == 0 for (_, size), count in sizes.items())


def test_mailing_yield_counts_letters_by_household(voters):
    result = ggl.mailing_yield("Neighbors", voters)
    assert result.voters == 38_201 and result.households == 20_000
    assert result.lift == pytest.approx(0.081, abs=0.0005)   # 37.8% vs 29.7%, as published
    # one extra voter per 6-7 letters, or per about 12 voters reached
    assert 6 < result.letters_per_extra_voter < 7
    assert 12 < result.voters_per_extra_voter < 12.5
    assert result.letters_per_extra_voter == pytest.approx(
        result.households / (result.lift * result.voters))
    low, high = result.letters_per_extra_voter_range
    assert low < result.letters_per_extra_voter < high
    # the old reading, one voter per 12 letters, confused voters with letters
    assert result.letters_per_extra_voter < result.voters_per_extra_voter / 1.8


def test_lift_by_history_is_an_inverted_u(voters):
    table = ggl.lift_by_history("Neighbors", voters).set_index("primaries_voted")
    assert list(table.index) == [0, 1, 2, 3]
    history = voters[ggl.PRIMARIES].sum(axis=1)
    for k in range(4):
        direct = ggl.compare_arms("Control", "Neighbors", voters[history == k])
        assert table.loc[k, "difference"] == pytest.approx(direct.difference)
        assert table.loc[k, "ci_low"] < table.loc[k, "difference"] < table.loc[k, "ci_high"]
    # about 9.5 points for one or two earlier primaries, about 5 at either end
    assert table.loc[1, "difference"] == pytest.approx(0.095, abs=0.002)
    assert table.loc[2, "difference"] == pytest.approx(0.095, abs=0.002)
    for end in (0, 3):
        assert table.loc[end, "difference"] < 0.06
        assert table.loc[end, "ci_high"] < min(table.loc[1, "ci_low"], table.loc[2, "ci_low"])
    assert int((table["n_control"] + table["n_letter"]).sum()) == int(
        voters["treatment"].isin(["Control", "Neighbors"]).sum())
    with pytest.raises(ValueError, match="letter"):
        ggl.lift_by_history("Control", voters)


def test_cluster_inflation_bound_is_the_worst_case_design_effect(voters):
    bound = ggl.cluster_inflation_bound(voters)
    sizes = voters["hh_size"]
    # sum over households of k^2, divided by the number of voters
    assert bound ** 2 == pytest.approx((sizes ** 2 / sizes).sum() / len(voters))
    assert 1.4 < bound < 1.55


# -- the history split on three scales, and the ladder under clustering (issue 18: E6, E13)


def test_history_scales_put_one_effect_on_three_scales(voters):
    scales = ggl.history_scales("Neighbors", voters)
    by_history = ggl.lift_by_history("Neighbors", voters)
    assert list(scales["primaries_voted"]) == [0, 1, 2, 3]
    assert scales["difference"].tolist() == pytest.approx(by_history["difference"].tolist())
    assert scales["ratio"].tolist() == pytest.approx((scales["rate_letter"] / scales["rate_control"]).tolist())
    odds = lambda rate: rate / (1 - rate)  # noqa: E731
    assert scales["odds_ratio"].tolist() == pytest.approx(
        (odds(scales["rate_letter"]) / odds(scales["rate_control"])).tolist())
    for low, mid, high in (("diff_low", "difference", "diff_high"), ("ratio_low", "ratio", "ratio_high"),
                           ("or_low", "odds_ratio", "or_high")):
        assert ((scales[low] < scales[mid]) & (scales[mid] < scales[high])).all(), mid
    # the ranking of histories is not the same on every scale: that is the point of the table
    assert scales["difference"].idxmax() != scales["ratio"].idxmax()


def test_history_interaction_logit_reproduces_the_stratum_odds_ratios(voters):
    result = ggl.history_interaction("Neighbors", voters)
    scales = ggl.history_scales("Neighbors", voters)
    assert result.voters == int(voters["treatment"].isin(["Control", "Neighbors"]).sum())
    assert result.logit_df == 3 and result.logit_lr > 0
    # the interaction logit is saturated, so its effects are the log odds ratios of the strata
    assert result.logit_effects.tolist() == pytest.approx(
        [math.log(x) for x in scales["odds_ratio"]], abs=1e-6)
    # differences in points vary far more between histories than log odds ratios do
    assert result.points_p < result.logit_p < 0.05
    assert result.points_p < 1e-4  # chapter 2 says "p < 0.0001" on the points scale
    with pytest.raises(ValueError, match="letter"):
        ggl.history_interaction("Control", voters)


def test_the_sample_is_voters_of_the_november_2004_general_election(voters):
    assert voters["g2004"].eq(1).all()


def test_widen_for_clustering_stretches_each_side_by_the_bound():
    assert ggl.widen_for_clustering(0.02, (0.01, 0.04), 1.5) == pytest.approx((0.005, 0.05))
    with pytest.raises(ValueError, match="at least 1"):
        ggl.widen_for_clustering(0.02, (0.01, 0.04), 0.5)


def test_only_the_civic_duty_to_hawthorne_step_can_include_zero_under_clustering(voters):
    check = ggl.ladder_clustering_check(voters).set_index("step")
    assert (check["ci_low"] > 0).all(), "every step clears zero as computed"
    assert (check["worst_low"] < check["ci_low"]).all() and (check["worst_high"] > check["ci_high"]).all()
    assert check["clears_zero_at_worst"].to_dict() == {
        "Control → Civic Duty": True, "Civic Duty → Hawthorne": False,
        "Hawthorne → Self": True, "Self → Neighbors": True}
