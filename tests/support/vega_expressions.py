"""Evaluate an explorer's simple Vega expressions in Python, to compare them with the package."""
from __future__ import annotations

import math


def evaluate(expression: str, **names) -> float:
    """Evaluate a Vega expression that uses only arithmetic, exp, max, abs and names."""
    return eval(expression, {"__builtins__": {}}, {"exp": math.exp, "max": max, "abs": abs, **names})


def expression_params(explorer) -> dict[str, str]:
    """The explorer's top-level parameters that are expressions: name -> expression."""
    return {p["name"]: p["expr"] for p in explorer.spec().get("params", []) if "expr" in p}
