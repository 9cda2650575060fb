"""Documented properties of the two-engine repayment model (reciprocity.simulate.norms).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from reciprocity.simulate.norms import (
    MOTIVES,
    decompose_repayment,
    repayment_rate,
    simulate_repayment,
)

# --- closed form ---------------------------------------------------------------

@pytest.mark.parametrize("n, r, v, expected", [
    (0.3, 0.5, 0.0, 0.3),      # anonymity leaves the personal norm
    (0.3, 0.5, 1.0, 0.65),     # 0.3 + 0.7 * 0.5
    (0.2, 0.4, 0.5, 0.36),     # 0.2 + 0.8 * 0.4 * 0.5
    (0.0, 1.0, 1.0, 1.0),
    (1.0, 0.0, 0.0, 1.0),
])
def test_repayment_rate_matches_hand_computed_values(n, r, v, expected):
    assert math.isclose(repayment_rate(n, r, v), expected)


def test_anonymity_reduces_but_never_removes_repayment_when_norm_is_held():
    v = np.linspace(0, 1, 11)
    rates = repayment_rate(0.25, 0.6, v)
    assert np.all(np.diff(rates) > 0)
    assert rates[0] == pytest.approx(0.25)


def test_no_pressure_response_makes_visibility_irrelevant():
    assert np.allclose(repayment_rate(0.3, 0.0, np.linspace(0, 1, 5)), 0.3)


def test_decomposition_parts_add_up():
    parts = decompose_repayment(0.3, 0.35, 0.6)
    assert math.isclose(parts["internalised"] + parts["social_pressure"], parts["total"])
    assert math.isclose(parts["social_pressure"], 0.7 * 0.35 * 0.6)
    assert math.isclose(parts["internalised_share"], 0.3 / parts["total"])


def test_decomposition_when_nobody_repays():
    assert decompose_repayment(0.0, 0.0, 1.0)["internalised_share"] == 0.0


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_repayment_rate_rejects_non_probabilities(bad):
    with pytest.raises(ValueError, match="visibility"):
        repayment_rate(0.3, 0.3, bad)
    with pytest.raises(ValueError, match="personal_norm"):
        decompose_repayment(bad, 0.3, 0.3)


# --- simulation ------------------------------------------------------------------

def test_motives_are_consistent():
    df = simulate_repayment(3000, visibility=(0.0, 0.5, 1.0), seed=8)
    assert set(df["motive"]) <= set(MOTIVES)
    # Norm holders always repay; pressure only works on people who were seen.
    assert (df.loc[df.holds_norm == 1, "repaid"] == 1).all()
    assert (df.loc[df.motive == "social pressure", "seen"] == 1).all()
    assert (df.loc[df.visibility == 0.0, "seen"] == 0).all()
    assert ((df["motive"] != "none") == (df["repaid"] == 1)).all()


def test_private_rate_is_close_to_personal_norm_and_public_rate_to_formula():
    df = simulate_repayment(40_000, personal_norm=0.3, pressure_response=0.4, seed=11)
    rates = df.groupby("visibility")["repaid"].mean()
    assert abs(rates[0.0] - 0.3) < 0.015
    assert abs(rates[1.0] - repayment_rate(0.3, 0.4, 1.0)) < 0.015


def test_visibility_raises_repayment():
    df = simulate_repayment(10_000, seed=21)
    counts = df.groupby("visibility")["repaid"].agg(["sum", "size"])
    table = [[counts.loc[1.0, "sum"], counts.loc[1.0, "size"] - counts.loc[1.0, "sum"]],
             [counts.loc[0.0, "sum"], counts.loc[0.0, "size"] - counts.loc[0.0, "sum"]]]
    assert fisher_exact(table, alternative="greater")[1] < 0.001


def test_zero_pressure_response_gives_no_difference_beyond_noise():
    df = simulate_repayment(8000, pressure_response=0.0, seed=3)
    table = pd.crosstab(df["visibility"], df["repaid"]).to_numpy()
    assert fisher_exact(table)[1] > 0.01
