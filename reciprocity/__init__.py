"""Shared code for the Reciprocity Online course.

Modules
-------
data      the real datasets, checked against ``datapackage.json`` on load
stats     intervals, comparisons, sample size, SRM and Holm (statsmodels/scipy)
plots     the course's figure style
widgets   interactive explorers (ipywidgets), one module per topic
simulate  seeded simulators for insights without public cell-level data
"""
from . import data, plots, stats

__version__ = "0.1.0"
__all__ = ["data", "stats", "plots", "__version__"]
