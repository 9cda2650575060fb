"""Shared checks for the simulators."""
from __future__ import annotations

from numbers import Integral, Real

import numpy as np


def make_rng(seed: int | np.random.Generator | None = None,
             rng: np.random.Generator | None = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed or an existing generator.

    Exactly one of ``seed`` and ``rng`` may be given; an int seed makes the
    simulation reproducible. A Generator passed as ``seed`` is accepted too.
    """
    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("seed is required so the simulation is reproducible, e.g. seed=2008")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return np.random.default_rng(int(seed))


def check_probability(name: str, value, *, open_interval: bool = False) -> float:
    """Raise ValueError unless ``value`` is a probability (0-1)."""
    ok = isinstance(value, Real) and not isinstance(value, bool)
    if ok:
        ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{name} must be a probability {bounds}, got {value!r}")
    return float(value)


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Raise ValueError unless ``value`` is an int of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return int(value)
