"""Finding floats stored with more digits than a machine-independent output may carry."""
from __future__ import annotations

import re

# A decimal number as printed: 0.37138025692243326, -1.5e-07, 12.0
FLOAT = re.compile(r"(?<![\w.])-?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)")
MAX_SIGNIFICANT = 12


def significant_digits(token: str) -> int:
    mantissa = re.split(r"[eE]", token.lstrip("-"))[0].replace(".", "")
    return len(mantissa.lstrip("0").rstrip("0") or "0")


def long_floats(text: str) -> list[str]:
    return [m.group(0) for m in FLOAT.finditer(text) if significant_digits(m.group(0)) > MAX_SIGNIFICANT]
