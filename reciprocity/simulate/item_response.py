"""A class answering a lab's graded questions, with known item parameters (to validate the item report).

The grading wing's item report (``reciprocity.grading.item_analysis``)
estimates, from a gradebook, how hard each question was and how well it
separates students who understood from those who did not. To check that it
recovers what it claims to, this module simulates a class whose questions
have *known* parameters: a two-parameter logistic (2PL) model of item
response theory.

The model
---------
Each student has an ability ``theta ~ Normal(0, 1)`` that nobody observes.
Question ``j`` has a **slope** ``a_j`` (the 2PL discrimination: how sharply
the chance of a right answer rises with ability) and a **location** ``b_j``
(the 2PL difficulty: the ability at which that chance is one half). A student
answers it right with probability ``expit(a_j * (theta - b_j))``, and then
earns all of its ``points_j``, else none: an nbgrader test cell scores all or
nothing. A slope of 0 makes a question that measures nothing; a negative
slope, one that able students get wrong more often (a wrong key, say).

The defaults are a lab of sixteen questions worth 1 to 5 points, as the
labs' graded cells are, with slopes and locations chosen to span easy and hard,
sharp and blunt questions, with one wrong key and one question that measures
nothing. They are assumptions for testing the item report, not estimates
from any class.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd
from scipy.special import expit

from ._common import check_positive_int, make_rng

__all__ = ["DEFAULT_SLOPES", "DEFAULT_LOCATIONS", "DEFAULT_POINTS", "simulate_item_responses"]

#: 2PL slopes of the default questions: one with a wrong key (negative), one that measures
#: nothing (0), then from blunt to sharp.
DEFAULT_SLOPES: tuple[float, ...] = (0.5, 1.4, -0.6, 2.0, 0.3, 1.1, 0.0, 1.7, 0.8, 0.4, 1.5, 0.1, 1.2, 1.9, 0.2, 0.7)
#: 2PL locations of the default questions: the ability at which half the class gets each right.
DEFAULT_LOCATIONS: tuple[float, ...] = (-0.6, -0.3, 0.2, 0.5, -0.8, 0.4, 0.0, -0.4, 0.7, 0.1, -0.1, 0.3, -0.5, 0.6,
                                        0.8, -0.2)
#: Points of the default questions, 1 to 5, as the labs' test cells and memos carry them.
DEFAULT_POINTS: tuple[float, ...] = (4, 1, 2, 1, 2, 1, 3, 1, 2, 2, 2, 1, 3, 2, 2, 5)

#: Largest slope or location (in absolute value) accepted: beyond it every answer is decided.
PARAMETER_LIMIT = 6.0


def _numbers(name: str, values, low: float, high: float, *, strict_low: bool = False) -> np.ndarray:
    """``values`` as a float array, or a ValueError that names ``name``, the bounds and what it got."""
    bound = f"greater than {low:g}" if strict_low else f"between {low:g} and {high:g}"
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of numbers {bound}, got {values!r}")
    for value in values:
        ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (low < value if strict_low else low <= value) and value <= high
        if not ok:
            raise ValueError(f"{name} must hold numbers {bound} (at most {high:g}), got {value!r} in {values!r}")
    return np.asarray(values, dtype=float)


def simulate_item_responses(n_students: int = 200, *, slopes: Sequence[float] = DEFAULT_SLOPES,
                            locations: Sequence[float] = DEFAULT_LOCATIONS,
                            points: Sequence[float] = DEFAULT_POINTS, seed=None, rng=None) -> pd.DataFrame:
    """Simulate every student's score on every question of a lab under a 2PL model.

    Parameters
    ----------
    n_students : int
        Students in the class (at least 2).
    slopes : sequence of float
        2PL slope (discrimination) of each question, -6 to 6; 0 for a question
        that measures nothing, negative for one that able students miss.
    locations : sequence of float
        2PL location (difficulty) of each question on the ability scale, -6 to 6:
        the ability at which the chance of a right answer is one half.
    points : sequence of float
        Points of each question (positive, at most 100), all or nothing.
        ``slopes``, ``locations`` and ``points`` have one entry per question.
    seed : int, optional
        Seed for a reproducible class (or pass ``rng``).
    rng : numpy.random.Generator, optional
        An existing generator, instead of ``seed``.

    Returns
    -------
    pandas.DataFrame
        One row per student and question, students in order, then questions:
        ``student_id`` (``"s001"``...), ``grade_id`` (``"q01"``...),
        ``max_score`` (the question's points), ``slope`` and ``location``
        (its true 2PL parameters), ``ability`` (the student's true ability),
        ``p_correct`` (the chance of a right answer), ``correct`` (0/1) and
        ``score`` (``max_score`` if correct, else 0).

    Examples
    --------
    >>> from reciprocity.simulate import simulate_item_responses
    >>> frame = simulate_item_responses(30, seed=1)
    >>> frame.pivot(index="student_id", columns="grade_id", values="score").shape
    (30, 16)
    """
    n_students = check_positive_int("n_students", n_students, minimum=2)
    a = _numbers("slopes", slopes, -PARAMETER_LIMIT, PARAMETER_LIMIT)
    b = _numbers("locations", locations, -PARAMETER_LIMIT, PARAMETER_LIMIT)
    w = _numbers("points", points, 0, 100, strict_low=True)
    if not len(a) == len(b) == len(w):
        raise ValueError("slopes, locations and points must have one entry per question, got "
                         f"{len(a)}, {len(b)} and {len(w)} entries")
    generator = make_rng(seed, rng)

    ability = generator.standard_normal(n_students)
    p_correct = expit(a[None, :] * (ability[:, None] - b[None, :]))
    correct = (generator.random(p_correct.shape) < p_correct).astype(np.int64)
    n_items = len(a)
    width = max(3, len(str(n_students)))
    return pd.DataFrame({
        "student_id": np.repeat([f"s{i + 1:0{width}d}" for i in range(n_students)], n_items),
        "grade_id": np.tile([f"q{j + 1:02d}" for j in range(n_items)], n_students),
        "max_score": np.tile(w, n_students),
        "slope": np.tile(a, n_students),
        "location": np.tile(b, n_students),
        "ability": np.repeat(ability, n_items),
        "p_correct": p_correct.ravel(),
        "correct": correct.ravel(),
        "score": (correct * w[None, :]).ravel(),
    })
