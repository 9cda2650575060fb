"""Seeded simulators for insights that have no public cell-level data.

Every simulator takes ``seed`` (an int) or ``rng`` (a ``numpy.random.Generator``),
refuses impossible parameters with a :class:`ValueError` that says what is
allowed and what it got, and returns a tidy :class:`pandas.DataFrame`. The
grids and fixed tests built on them for the explorers take a default ``seed``
and no ``rng``. ``tests/simulate/test_contract.py`` holds every public function
with a ``seed`` parameter to this. Results are *simulated*: the book labels them
so and states the assumptions and the published figures each one is calibrated
to.

One module per topic. Names listed in a module's ``__all__`` are available
here and imported lazily, so a chapter pays only for the simulator it uses.
"""
from __future__ import annotations

from pathlib import Path

from .._lazy import lazy_getattr, public_names
from ._common import make_rng

_WHERE = public_names(Path(__file__).parent, skip=set())

__all__ = ["make_rng", *sorted(_WHERE)]


__getattr__ = lazy_getattr(__name__, _WHERE)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
