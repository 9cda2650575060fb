"""Shared code for the Reciprocity Online course.

Modules
-------
data      the real datasets, checked against ``datapackage.json`` on load
stats     intervals, comparisons, sample size, SRM and Holm (statsmodels/scipy)
plots     the course's figure style
widgets   interactive explorers (ipywidgets), one module per topic
simulate  seeded simulators for insights without public cell-level data

Submodules are imported on first use (``from reciprocity import stats`` or
``reciprocity.stats``), so a tool that needs one of them, such as the
grading command, does not pay for scipy, statsmodels and matplotlib.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["data", "stats", "plots", "widgets", "simulate", "__version__"]

_SUBMODULES = {"data", "stats", "plots", "widgets", "simulate", "book", "interdependence",
               "grading"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
