"""The gift model of :mod:`reciprocity.simulate.gifts` as a Vega expression.

Chapters 4 and 8 draw the model's repayment curve in the browser; both
explorers build it from :func:`repayment_expr`, so the formula is written
once on this side too (``tests/explorers/test_expected_gifts.py`` checks it
against :func:`~reciprocity.simulate.gifts.repayment_probability`).
"""
from __future__ import annotations

from ..simulate.gifts import DEFAULTS


def repayment_expr(value: str, surprise: str, *, base_rate: float = DEFAULTS["base_rate"],
                   ceiling: float = DEFAULTS["ceiling"], surprise_weight: float | str = DEFAULTS["surprise_weight"],
                   expected_credit: float = DEFAULTS["expected_credit"],
                   strength: float = DEFAULTS["strength"]) -> str:
    """:func:`~reciprocity.simulate.gifts.repayment_probability` as a Vega expression.

    ``value``, ``surprise`` and ``surprise_weight`` may be expressions
    (parameter names, ``datum.x``); the other model constants are numbers.
    """
    def num(x):  # a number as the spec stores it (10 significant digits), or an expression
        return f"{x:.10g}" if isinstance(x, float) else str(x)

    obligation = f"({value}) * max(0, {num(expected_credit)} + ({num(surprise_weight)}) * ({surprise}))"
    return (f"({num(base_rate)} + ({num(ceiling)} - {num(base_rate)})"
            f" * (1 - exp(-{num(strength)} * {obligation})))")
