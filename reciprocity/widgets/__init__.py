"""Interactive explorers for the book, one module per topic.

Every builder returns an :class:`~reciprocity.widgets.core.Explorer` (an
``ipywidgets.VBox``) and can be called with no arguments. Builders are
imported lazily: ``from reciprocity.widgets import turnout_explorer`` loads
only the module that defines it. :func:`load_all` imports every module and
returns ``BUILDERS``, the registry tests and benchmarks sweep.

Examples
--------
>>> from reciprocity import widgets
>>> explorer = widgets.power_calculator()
>>> explorer.controls["baseline"].value = 0.1   # the chart redraws at once
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .._lazy import lazy_getattr, public_names
from .core import BUILDERS, LIVE_NOTE, Explorer, control_values, register

_WHERE = public_names(Path(__file__).parent, skip={"core", "svg"})

__all__ = ["BUILDERS", "LIVE_NOTE", "Explorer", "control_values", "register", "load_all",
           *sorted(_WHERE)]


def load_all() -> dict:
    """Import every explorer module; return the registry of builders by name."""
    for module in sorted(set(_WHERE.values())):
        importlib.import_module(f"{__name__}.{module}")
    return BUILDERS


__getattr__ = lazy_getattr(__name__, _WHERE)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
