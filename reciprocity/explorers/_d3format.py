"""Python formatting that rounds as d3-format does in the browser (for parity cases).

d3-format rounds with JavaScript's ``toFixed``: an exact tie goes away from
zero (30.5 -> "31"), where Python's ``format`` rounds half to even ("30").
Parity cases built with these helpers expect what the browser prints.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def fixed(value: float, digits: int, comma: bool = False) -> str:
    """``format(value, '.<digits>f')`` (``',.<digits>f'`` with ``comma``) as d3 prints it."""
    rounded = Decimal(float(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}" if comma else f"{rounded:f}"
    return text[1:] if text.startswith("-") and rounded == 0 else text


def percent(value: float, digits: int = 0) -> str:
    """``format(value, '.<digits>%')`` as d3 prints it (d3 multiplies by 100 first)."""
    return fixed(float(value) * 100, digits) + "%"
