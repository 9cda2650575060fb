"""Helpers for the book's notebooks.

:func:`glue` stores a value for ``{glue:text}`` roles exactly as
``myst_nb.glue(name, value, display=False)`` does, without importing
``myst_nb``: importing it pulls in ``nbformat``'s JSON-schema validation,
whose URI grammar takes seconds to compile in every kernel, and a page
should execute in a couple of seconds.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from IPython.core.formatters import format_display_data
from IPython.display import display as _display

__all__ = ["glue", "glue_comparison", "parameter_defaults", "stable", "SIGNIFICANT_DIGITS"]

_GLUE_PREFIX = "application/papermill.record/"

#: Glued floats keep this many significant digits: far more than any page
#: shows, far fewer than the last bits that differ between machines, BLAS
#: builds and thread counts (stored outputs must be the same everywhere).
SIGNIFICANT_DIGITS = 10


def stable(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """``value`` with every float rounded to ``digits`` significant digits.

    numpy scalars become Python numbers (numpy 2 prints ``np.float64(...)``,
    which glue's format specs such as ``:.1%`` cannot parse); tuples, lists
    and dicts are rounded element by element. Other values pass unchanged.

    >>> stable(0.37138025692243326)
    0.3713802569
    >>> stable((1 / 3, 2))
    (0.3333333333, 2)
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if np.isfinite(value) else value
    if isinstance(value, (tuple, list)):
        return type(value)(stable(item, digits) for item in value)
    if isinstance(value, dict):
        return {key: stable(item, digits) for key, item in value.items()}
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` under ``name`` for ``{glue:text}`name` `` in Markdown.

    Parameters
    ----------
    name : str
        Book-wide unique key; chapters prefix theirs with ``chNN_``.
    value : any
        Stored through its display representations (``text/plain`` etc.).
    display : bool
        Also show the value in the cell output. Off by default (myst_nb's is on),
        because the book glues numbers for the prose, not for show.
    """
    value = stable(value)
    bundle, metadata = format_display_data(value)
    prefix = "" if display else _GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    _display({prefix + key: val for key, val in bundle.items()}, raw=True, metadata=metadata)


#: Field of a ProportionComparison -> suffix of its glue name in :func:`glue_comparison`.
COMPARISON_FIELDS = {
    "rate_a": "rate_a", "rate_b": "rate_b", "difference": "diff", "relative_lift": "lift",
    "p_value": "p", "fisher_p_value": "fisher_p",
}


def glue_comparison(prefix: str, comparison) -> None:
    """Glue every field of a two-arm comparison under ``prefix``.

    ``comparison`` is a :class:`reciprocity.stats.ProportionComparison`. The
    names are ``{prefix}_rate_a``, ``_rate_b``, ``_diff`` (a proportion; show
    it in points with ``{glue:text}`{prefix}_diff_pts:+.1f```), ``_diff_pts``,
    ``_diff_low``, ``_diff_high`` (the interval, proportions), ``_diff_low_pts``,
    ``_diff_high_pts``, ``_lift`` (relative), ``_p`` (z-test) and ``_fisher_p``.

    >>> from reciprocity import stats
    >>> glue_comparison("ch09_cold", stats.compare_proportions(3, 50, 13, 50))  # doctest: +SKIP
    """
    for field, suffix in COMPARISON_FIELDS.items():
        glue(f"{prefix}_{suffix}", getattr(comparison, field))
    low, high = comparison.ci
    glue(f"{prefix}_diff_low", low)
    glue(f"{prefix}_diff_high", high)
    glue(f"{prefix}_diff_pts", 100 * comparison.difference)
    glue(f"{prefix}_diff_low_pts", 100 * low)
    glue(f"{prefix}_diff_high_pts", 100 * high)


def parameter_defaults(func: Callable) -> dict[str, Any]:
    """The default value of each keyword of ``func``, e.g. a simulator's calibration.

    Chapters glue a model's assumptions from here, so the prose that states
    them cannot drift from the code that uses them.

    >>> from reciprocity.simulate import simulate_community
    >>> parameter_defaults(simulate_community)["base_rate"]
    0.297
    """
    return {name: p.default for name, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}
