"""Helpers for the book's notebooks.

:func:`glue` stores a value for ``{glue:text}`` roles exactly as
``myst_nb.glue(name, value, display=False)`` does, without importing
``myst_nb``: importing it pulls in ``nbformat``'s JSON-schema validation,
whose URI grammar takes seconds to compile in every kernel, and a page
should execute in a couple of seconds.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
from IPython.core.formatters import format_display_data
from IPython.display import display as _display

__all__ = ["glue", "parameter_defaults"]

_GLUE_PREFIX = "application/papermill.record/"


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
    if isinstance(value, np.generic):
        # numpy 2 scalars print as ``np.float64(...)``, which glue's
        # format specs (``:.1%``) cannot parse.
        value = value.item()
    bundle, metadata = format_display_data(value)
    prefix = "" if display else _GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    _display({prefix + key: val for key, val in bundle.items()}, raw=True, metadata=metadata)


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
