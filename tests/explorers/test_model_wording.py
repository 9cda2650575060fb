"""Explorers of a model say so: a model calibrated to a claim cannot confirm it.

Chapters 1, 4, 7 and 8 show the package's models (the dual-route model and
the gift model). The text under each chart, at every parity state, calls the
model an assumption and fits a phone.
"""
from __future__ import annotations

import json

import pytest

from reciprocity.explorers import EXPLORERS, PARITY, load_all

load_all()


@pytest.mark.parametrize("name", ["deliberation_explorer", "expected_gift_explorer", "relevance_explorer",
                                  "surprise_value_explorer"])
def test_readouts_present_the_model_as_an_assumption_not_a_finding(name):
    spec = json.dumps(EXPLORERS[name]().spec())
    assert "assum" in spec.lower() or "Simulated" in spec
    for case in PARITY[name]():
        lines = case.expect
        assert any("assum" in line.lower() for line in lines), lines
        assert not any(claim in line for line in lines for claim in ("A real favour", "no favour"))
        assert all(len(line) <= 45 for line in lines), [line for line in lines if len(line) > 45]
