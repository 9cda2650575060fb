"""Seeded simulators for insights that have no public cell-level data.

Every simulator takes ``seed`` (an int) or ``rng`` (a ``numpy.random.Generator``),
validates its parameters with a clear :class:`ValueError`, and returns a tidy
:class:`pandas.DataFrame`. Results are *simulated*: the book labels them so and
states the assumptions and the published figures each one is calibrated to.

One module per topic; importing this package imports them all and re-exports
each module's ``__all__``.
"""
from __future__ import annotations

import importlib
import pkgutil

from ._common import make_rng

__all__ = ["make_rng"]

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        _mod = importlib.import_module(f"{__name__}.{_module.name}")
        for _name in getattr(_mod, "__all__", []):
            globals()[_name] = getattr(_mod, _name)
            __all__.append(_name)
