"""Explorers that answer in the reader's browser, one module per chapter.

Each module is named for what its chapter teaches: the slug of
``book/insights/NN-slug.ipynb`` (``show_your_face`` for chapter 9), and
``power`` for the primer's power calculator; ``reciprocity.insights`` maps
each insight to its builders. Private helpers shared by two chapters start
with an underscore (``_gift_model``).

Every builder returns an :class:`~reciprocity.explorers.core.Explorer`: a
Vega-Lite chart built with Altair whose controls, readouts and text run in
the browser, on the static book page as in JupyterLab. Builders are imported
lazily: ``from reciprocity.explorers import photo_reply_explorer`` loads only
the module that defines it. :func:`load_all` imports every module and returns
``EXPLORERS``, the registry tests and benchmarks sweep.

Examples
--------
>>> from reciprocity import explorers
>>> explorer = explorers.photo_reply_explorer()
>>> [control.name for control in explorer.controls()][:2]
['sent_without', 'replies_without']
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .._lazy import lazy_getattr, public_names
from .core import EXPLORERS, PARITY, Case, Control, Explorer, readout, register

_WHERE = public_names(Path(__file__).parent, skip={"core"})

__all__ = ["EXPLORERS", "PARITY", "Case", "Control", "Explorer", "readout", "register",
           "load_all", *sorted(_WHERE)]


def load_all() -> dict:
    """Import every explorer module; return the registry of builders by name."""
    for module in sorted(set(_WHERE.values())):
        importlib.import_module(f"{__name__}.{module}")
    return EXPLORERS


__getattr__ = lazy_getattr(__name__, _WHERE)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
