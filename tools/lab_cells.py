"""The one template every generated test cell of the labs follows, and the helpers that fill it.

``tools/lab_spec.py`` describes each test cell with these (:class:`TestCell`,
:func:`lit`, :func:`near`, :func:`within`); ``tools/lab_tests.py`` renders
the cells (:func:`render`) and writes them into the notebooks. Both import
this module, and neither imports the other's importer: lab_tests -> lab_spec
-> lab_cells.

    <PREAMBLE: the anti-tampering lines, defined once below>
    # <what the cell checks, for the student>
    # <whether hidden checks run too at grading>
    <visible checks: shape, sanity and the common slips>
    print(<"Visible checks passed." and whether more run at grading>)
    ### BEGIN HIDDEN TESTS
    <hidden checks: the exact values, and the function on unseen inputs;
     each message a hint that starts "Hidden check:" and gives no value away>
    ### END HIDDEN TESTS
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: The first lines of every test cell: silence warnings (a warning printed on
#: stderr makes nbgrader score a passing test 0), and take the genuine float
#: type from a literal, so that a student who rebinds ``float``, ``abs`` or the
#: comparison helpers cannot make a test pass. Every check compares
#: ``_f(value)`` with literal bounds using ``<=``; nothing else is trusted.
PREAMBLE = ('import warnings; warnings.simplefilter("ignore")\n'
            "_f = (0.0).__class__  # the genuine float type, whatever was redefined above")
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


@dataclass
class TestCell:
    """One autograded test cell: what it checks, its points, and where it sits."""

    grade_id: str
    points: int
    comment: str
    visible: list[str]
    hidden: list[str] = field(default_factory=list)
    insight: str = ""
    assesses: str = ""
    after: str | None = None  # the cell it follows, used when the cell is new
    #: answers that depend on a student's free choice (seed, draws, method), as
    #: (kind, inputs, (low, high), fewest draws accepted); tests/tools/test_lab_tolerances.py sweeps seeds over them
    sampled: tuple = ()
    # insight/assesses label new cells for the grading summary; existing cells keep theirs


#: What a cell tells the student about its checks (a comment above them, a
#: line printed once they pass), so that a cell that passes in the notebook
#: and scores 0 at grading has said in advance that it could.
SAYS_HIDDEN = ("# Visible checks below. Hidden checks also run when your lab is graded; "
               "the cell scores only if both pass.")
SAYS_ALL_VISIBLE = "# All of this cell's checks are below: it scores as it runs here."
PASSED_MORE = 'print("Visible checks passed. More checks run when your lab is graded.")'
PASSED_ALL = 'print("Visible checks passed. This cell has no hidden checks.")'
ONLY_HIDDEN = 'print("This cell\'s checks are hidden: they run when your lab is graded.")'


def render(cell: TestCell) -> str:
    """The source of a test cell: the one template every test cell follows."""
    lines = [PREAMBLE, f"# {cell.comment}"]
    if not cell.visible:
        lines.append(ONLY_HIDDEN)
    elif cell.hidden:
        lines += [SAYS_HIDDEN, *cell.visible, PASSED_MORE]
    else:
        lines += [SAYS_ALL_VISIBLE, *cell.visible, PASSED_ALL]
    if cell.hidden:
        lines += [BEGIN_HIDDEN, *cell.hidden, END_HIDDEN]
    return "\n".join(lines)


def lit(value) -> str:
    """A Python literal for ``value``: plain floats (10 significant digits), never numpy reprs."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(None if value is None else bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return 'float("nan")'
        return repr(float(f"{value:.10g}"))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(lit(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no literal for {type(value).__name__}: {value!r}")


def near(expr: str, expected, tol: float, message: str) -> str:
    """``assert -tol <= _f(expr) - expected <= tol, message``.

    ``message`` is written as a plain string, never formatted: a hidden check's
    message is a hint that must not carry the expected value or a hidden input.
    """
    return f"assert {-tol!r} <= _f({expr}) - {lit(expected)} <= {tol!r}, {message!r}"


def within(expr: str, low, high, message: str) -> str:
    """``assert low <= _f(expr) <= high, message`` (``message`` a plain string, as in :func:`near`)."""
    return f"assert {lit(low)} <= _f({expr}) <= {lit(high)}, {message!r}"
