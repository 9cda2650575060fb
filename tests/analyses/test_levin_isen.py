"""The Levin & Isen (1975) numbers chapter 4 quotes (reciprocity.analyses.levin_isen)."""
from __future__ import annotations

import pytest

from reciprocity import data, stats
from reciprocity.analyses import levin_isen as li


def test_letters_add_a_zero_one_outcome_and_are_a_fresh_copy():
    letters = li.letters()
    assert len(letters) == 42 and set(letters["mailed"]) == {0, 1}
    assert (letters["mailed"] == (data.load(li.DATASET)["mailed_letter"] == "yes")).all()
    letters.loc[:, "mailed"] = 0
    assert li.letters()["mailed"].sum() > 0, "callers cannot change the shared table"


def test_mailing_table_has_the_published_counts_in_arm_order():
    table = li.mailing_table().set_index("found_coin")
    assert list(table.index) == list(li.ARMS)
    assert (table.loc["coin", "successes"], table.loc["coin", "n"]) == (17, 19)
    assert (table.loc["no_coin", "successes"], table.loc["no_coin", "n"]) == (5, 23)
    assert (table.loc["coin", "ci_low"], table.loc["coin", "ci_high"]) == stats.proportion_ci(17, 19)


def test_coin_effect_is_coin_minus_no_coin():
    effect = li.coin_effect()
    assert effect == stats.compare_proportions(5, 23, 17, 19)
    assert effect.difference == pytest.approx(17 / 19 - 5 / 23)
    assert effect.ci[0] > 0 and effect.fisher_p_value < 0.001


def test_stamp_split_has_small_cells():
    cells = li.by_stamp()
    assert cells["people"].sum() == 42 and cells["people"].between(8, 13).all()


def test_summaries_show_rates_as_percentages_not_raw_floats():
    summary = li.mailing_summary()
    assert summary["group"].tolist() == [li.ARM_LABELS[arm] for arm in li.ARMS]
    assert summary["people"].tolist() == [23, 19] and summary["mailed the letter"].tolist() == [5, 17]
    assert summary["mailed"].tolist() == ["22%", "89%"]
    low, high = stats.proportion_ci(17, 19)
    assert summary["95% Wilson interval"].iloc[1] == f"{low:.0%} to {high:.0%}" == "69% to 97%"
    stamps = li.stamp_summary()
    assert stamps["people"].sum() == 42
    assert all(cell.endswith("%") and "." not in cell for cell in stamps["mailed"])


def test_coin_effect_text_gives_the_difference_in_percentage_points():
    effect = li.coin_effect()
    text = li.coin_effect_text()
    assert f"{100 * effect.difference:+.1f} percentage points" in text
    assert "+67.7 percentage points" in text and "+38.7 to +82.0 points" in text
    assert "+67.7%" not in text, "a difference of two rates is in points, not percent"
    assert "e-" not in text and "p = 0.000012" in text


@pytest.mark.parametrize("p, shown", [(1.212878122e-05, "0.000012"), (0.0122, "0.012"),
                                      (0.5, "0.5"), (0.04999, "0.05")])
def test_p_values_print_as_plain_decimals(p, shown):
    assert li.format_p(p) == shown
