"""Shared code for the Reciprocity Online course.

Modules
-------
data       the real datasets, checked against ``datapackage.json`` on load
analyses   one module per dataset: the constants and tables the course quotes
stats      intervals, comparisons, sample size, SRM and Holm (statsmodels/scipy)
plots      the course's figure style
explorers  charts whose controls answer in the reader's browser (Altair/Vega-Lite)
simulate   seeded simulators for insights without public cell-level data
live       ipywidgets controls that need a running kernel (re-run a simulation)
practice   practice items: questions checked in the reader's browser, numbers from the package

Submodules are imported on first use (``from reciprocity import stats`` or
``reciprocity.stats``), so a tool that needs one of them, such as the
grading command, does not pay for scipy, statsmodels and matplotlib.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["data", "analyses", "stats", "plots", "explorers", "simulate", "live", "__version__"]

_SUBMODULES = {"data", "analyses", "stats", "plots", "explorers", "simulate", "live", "book",
               "grading", "practice"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
