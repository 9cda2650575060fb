"""Behaviour of the explorers for insights 10, 11 and 14.

The generic sweep over every registered builder (each control at its extremes,
timing) lives in test_widgets.py; these tests check that each explorer shows
the right numbers.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from reciprocity import data
from reciprocity.simulate import community_grid
from reciprocity.widgets.community import LEVELS, community_norms_explorer
from reciprocity.widgets.identity import (LADDER_STEPS, difference_chart, ladder_table,
                                          visibility_ladder_explorer)
from reciprocity.widgets.incentives import (dose_response, incentive_bands,
                                            incentive_dose_explorer, incentive_sample)


@pytest.fixture(scope="module")
def ggl():
    return data.load("ggl2008")


@pytest.fixture(scope="module")
def thornton():
    return data.load("thornton2008")


# -- insight 10: visibility ladder ---------------------------------------------

def test_ladder_steps_match_arm_means(ggl):
    table = ladder_table(ggl)
    everyone = table[table["group"] == "All voters"].set_index("step")
    means = ggl.groupby("treatment")["voted"].mean()
    assert len(everyone) == len(LADDER_STEPS)
    for a, b, _ in LADDER_STEPS:
        assert everyone.loc[f"{a} → {b}", "difference"] == pytest.approx(means[b] - means[a])
    assert (everyone["ci_low"] < everyone["difference"]).all()
    assert (everyone["difference"] < everyone["ci_high"]).all()


def test_ladder_group_sizes_add_up(ggl):
    table = ladder_table(ggl)
    first = table[table["step"] == "Control → Civic Duty"].set_index("group")
    ages = first.loc[[g for g in first.index if g.startswith("Age")]]
    assert int((ages["n_from"] + ages["n_to"]).sum()) == int(
        ggl["treatment"].isin(["Control", "Civic Duty"]).sum())


def test_difference_chart_anchors_negative_bars_at_zero():
    svg = difference_chart(["up", "down"], [0.02, -0.02], [0.01, -0.03], [0.03, -0.01],
                           title="t", ymin=-0.04, ymax=0.04, colors=["#000", "#111"])
    rects = [tuple(float(v) for v in m) for m in
             re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg)]
    (top_up, h_up), (top_down, h_down) = rects
    assert top_up + h_up == pytest.approx(top_down, abs=0.2)   # both meet at the zero line
    assert h_up == pytest.approx(h_down, abs=0.2)


def test_ladder_explorer_compares_with_all_voters(ggl):
    explorer = visibility_ladder_explorer(ggl)
    explorer.controls["group"].value = "Age 65+"
    assert "<th>All voters</th>" in explorer.panel.value
    explorer.controls["compare"].value = False
    assert "<th>All voters</th>" not in explorer.panel.value


# -- insight 11: community norms (simulated) -----------------------------------

def test_community_explorer_shows_the_grid_value():
    grid = community_grid(LEVELS, LEVELS, n_members=300, n_rounds=4, seed=5)
    explorer = community_norms_explorer(grid)
    explorer.controls["norm_strength"].value = 1.0
    explorer.controls["visibility"].value = 1.0
    rate = grid[(grid.norm_strength == 1.0) & (grid.visibility == 1.0)
                & (grid["round"] == 4)]["contribution_rate"].iloc[0]
    assert f"<b>{rate:.0%}</b> of members contribute in round 4" in explorer.panel.value
    assert "Simulated" in explorer.panel.value


def test_community_explorer_without_visibility_matches_baseline():
    explorer = community_norms_explorer(community_grid(LEVELS, LEVELS, n_members=300,
                                                       n_rounds=4, seed=6))
    explorer.controls["norm_strength"].value = 1.0
    explorer.controls["visibility"].value = 0.0
    assert "(+0 points)" in explorer.panel.value


# -- insight 14: incentive dose-response ---------------------------------------

def test_incentive_sample_keeps_known_outcomes_and_assignments(thornton):
    sample = incentive_sample(thornton)
    assert sample[["got", "any", "tinc"]].notna().all().all()
    rates = sample.groupby("any")["got"].mean()
    assert rates[0.0] == pytest.approx(0.339, abs=0.001)   # Thornton (2008): 33.9%
    assert rates[1.0] == pytest.approx(0.789, abs=0.001)   # and 78.9%


def test_incentive_bands_cover_everyone_once(thornton):
    sample = incentive_sample(thornton)
    bands = incentive_bands(sample)
    assert bands["n"].sum() == len(sample)
    assert bands.loc[0, "rate"] == pytest.approx(sample.loc[sample.tinc == 0, "got"].mean())
    assert ((bands["ci_low"] <= bands["rate"]) & (bands["rate"] <= bands["ci_high"])).all()


def test_dose_response_jumps_at_any_incentive_and_stays_in_its_band(thornton):
    curve = dose_response(incentive_sample(thornton)).set_index("amount")
    assert curve.loc[0.1, "fitted"] > curve.loc[0.0, "fitted"] + 0.15
    assert ((curve["ci_low"] <= curve["fitted"]) & (curve["fitted"] <= curve["ci_high"])).all()
    # with an 'any' dummy the fit reproduces the no-incentive rate exactly
    none = incentive_sample(thornton).query("tinc == 0")["got"].mean()
    assert curve.loc[0.0, "fitted"] == pytest.approx(none, abs=1e-6)


def test_incentive_explorer_reports_cost_per_extra_person(thornton):
    explorer = incentive_dose_explorer(thornton)
    explorer.controls["amount"].value = 0.0
    assert "no incentive, no cost" in explorer.panel.value
    explorer.controls["amount"].value = 1.0
    assert "per extra person who learns the result" in explorer.panel.value
    explorer.controls["distance"].value = "more than 1.5 km"
    n_far = int((incentive_sample(thornton)["distvct"] >= 1.5).sum())
    assert f"{n_far:,} people" in explorer.panel.value
