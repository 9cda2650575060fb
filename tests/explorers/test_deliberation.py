"""Chapter 1's explorer (reciprocity.explorers.deliberation) computes the dual-route model in the browser.

Its Vega expressions, evaluated in Python, are the formulas of
:func:`reciprocity.simulate.deliberation.compliance_probability`.
"""
from __future__ import annotations

import pytest

from reciprocity.explorers.deliberation import deliberation_explorer
from reciprocity.simulate.deliberation import compliance_probability
from tests.support.vega_expressions import evaluate, expression_params


def test_deliberation_expressions_are_the_dual_route_model():
    expressions = expression_params(deliberation_explorer())
    for inv, dis, quality, cue in [(0.8, 0.1, 0.5, 1.0), (0, 1, 0, 0), (1, 0, 1, 2), (0.3, 0.6, 0.9, 1.25)]:
        elab = evaluate(expressions["elab"], involvement=inv, distraction=dis)
        for gift, name in [(0, "p_without"), (1, "p_with")]:
            got = evaluate(expressions[name], elab=elab, cue=cue, quality=quality)
            assert got == pytest.approx(float(compliance_probability(inv, dis, quality, gift, cue_weight=cue)),
                                        rel=1e-9)
