"""Chapter 4's explorer (reciprocity.explorers.expected_gifts) draws the gift model in the browser.

The gift model's repayment as a Vega expression
(:func:`reciprocity.explorers._gift_model.repayment_expr`, which chapter 8's
heatmap uses too) is checked against
:func:`reciprocity.simulate.gifts.repayment_probability`, and so are the
explorer's own expressions.
"""
from __future__ import annotations

import pytest

from reciprocity.explorers._gift_model import repayment_expr
from reciprocity.explorers.expected_gifts import expected_gift_explorer
from reciprocity.simulate.gifts import DEFAULTS, repayment_probability
from tests.support.vega_expressions import evaluate, expression_params


@pytest.mark.parametrize("weight", [0.0, 0.75, 1.5, 3.0])
def test_repayment_expression_is_the_gift_model(weight):
    expression = repayment_expr("v", "s", surprise_weight="w")
    for value in (0.0, 0.25, 0.5, 1.0):
        for surprise in (-1.0, -0.4, 0.0, 0.3, 1.0):
            assert evaluate(expression, v=value, s=surprise, w=weight) == pytest.approx(
                repayment_probability(value, surprise, surprise_weight=weight), rel=1e-9)


def test_expected_gift_explorer_expressions_match_the_model():
    expressions = expression_params(expected_gift_explorer())
    assert expressions["delivered"] == "gift > 0 ? value : 0"  # delivered_value: a gift of size 0 is none
    surprise = evaluate(expressions["surprise"], gift=0.9, expected=0.3)
    assert evaluate(expressions["p_here"], delivered=0.75, surprise=surprise) == pytest.approx(
        repayment_probability(0.75, 0.9 - 0.3), rel=1e-9)
    assert evaluate(expressions["p_fresh"], delivered=0.75, gift=0.9) == pytest.approx(
        repayment_probability(0.75, 0.9), rel=1e-9)
    # nothing given, nothing expected: the no-gift rate, not the credit of a gift at the norm
    assert evaluate(expressions["p_here"], delivered=0.0, surprise=0.0) == pytest.approx(DEFAULTS["base_rate"])
