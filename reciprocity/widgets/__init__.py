"""Interactive explorers for the book, one module per topic.

Every builder returns an :class:`~reciprocity.widgets.core.Explorer` (an
``ipywidgets.VBox``) and can be called with no arguments. Modules in this
package register their builders with :func:`~reciprocity.widgets.core.register`;
importing the package imports them all, so ``BUILDERS`` lists every explorer.

Examples
--------
>>> from reciprocity import widgets
>>> explorer = widgets.power_calculator()
>>> explorer.controls["baseline"].value = 0.1   # the chart redraws at once
"""
from __future__ import annotations

import importlib
import pkgutil

from .core import BUILDERS, LIVE_NOTE, Explorer, control_values, register

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in {"core", "svg"}:
        importlib.import_module(f"{__name__}.{_module.name}")

globals().update(BUILDERS)
__all__ = ["BUILDERS", "LIVE_NOTE", "Explorer", "control_values", "register", *sorted(BUILDERS)]
