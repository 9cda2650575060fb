"""RedactHiddenTests removes hidden test code from outputs and keeps the messages students need.

IPython's traceback of a failed test cell quotes the lines around the
failing one, hidden lines included. The error is cut to ``ename: evalue``
before anything is judged, so a ``NameError`` or an assertion's message
reaches the feedback and the formgrader; only a message that itself quotes
hidden code is replaced. The error outputs below have the shape IPython 8
gives them (colours, a frame per entry, the context lines of the cell).
"""
from __future__ import annotations

import json

from nbformat.v4 import new_code_cell, new_notebook, new_output
from traitlets.config import Config

from reciprocity.grading.preprocessors import AUTOGRADE_PREPROCESSORS, RedactHiddenTests
from tests.support.common import ROOT

HIDDEN_LINE = "assert -0.0001 <= _f(fisher_p) - 0.01221759829 <= 0.0001, 'Hidden check: fisher_p is not two-sided.'"
TEST_SOURCE = "\n".join([
    "_f = (0.0).__class__",
    "assert 0 < _f(fisher_p) < 1, 'fisher_p should be a probability'",
    'print("Visible checks passed. More checks run when your lab is graded.")',
    "### BEGIN HIDDEN TESTS",
    HIDDEN_LINE,
    "### END HIDDEN TESTS",
])
NOTICE = RedactHiddenTests.notice


def _ipython_error(ename: str, evalue: str, failing: int) -> dict:
    """An error output as IPython shows it: the frame quotes the cell's lines around the failing one."""
    lines = TEST_SOURCE.splitlines()
    context = "\n".join(f"{'---->' if i == failing else '     '} {i}\x1b[39m {line}"
                        for i, line in enumerate(lines, start=1))
    return new_output("error", ename=ename, evalue=evalue, traceback=[
        "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
        f"\x1b[31m{ename}\x1b[39m                            Traceback (most recent call last)",
        f"\x1b[36mCell\x1b[39m \x1b[32mIn[12]\x1b[39m, line {failing}\n{context}",
        f"\x1b[31m{ename}\x1b[39m: {evalue}",
    ])


def _redacted(*outputs, answer_outputs=()):
    test = new_code_cell(TEST_SOURCE)
    test.outputs = list(outputs)
    answer = new_code_cell("fisher_p = compute()")
    answer.outputs = list(answer_outputs)
    nb, _ = RedactHiddenTests().preprocess(new_notebook(cells=[answer, test]), {})
    return nb.cells[0].outputs, nb.cells[1].outputs


def test_a_name_error_in_a_test_cell_reaches_the_student():
    _, (out,) = _redacted(_ipython_error("NameError", "name 'fisher_p' is not defined", failing=2))
    assert out["traceback"] == ["NameError: name 'fisher_p' is not defined"]
    assert out["evalue"] == "name 'fisher_p' is not defined"


def test_a_failed_hidden_check_shows_its_hint_and_not_its_code():
    hint = "Hidden check: fisher_p is not two-sided."
    printed = new_output("stream", name="stdout",
                         text="Visible checks passed. More checks run when your lab is graded.\n")
    _, (shown, out) = _redacted(printed, _ipython_error("AssertionError", hint, failing=5))
    assert shown == printed
    assert out["output_type"] == "error" and out["traceback"] == [f"AssertionError: {hint}"]
    assert "0.01221759829" not in json.dumps(out) and NOTICE not in json.dumps(out)


def test_a_message_that_quotes_hidden_code_is_still_removed():
    # a student's code can read the hidden test from IPython's history and raise it
    _, (out,) = _redacted(_ipython_error("RuntimeError", f"stolen: {HIDDEN_LINE}", failing=2))
    assert out["traceback"] == [f"RuntimeError: {NOTICE}"] and out["evalue"] == NOTICE
    assert "0.01221759829" not in json.dumps(out)


def test_an_error_that_quotes_no_hidden_code_keeps_its_whole_traceback():
    error = new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                       traceback=["Cell In[3], line 1\n----> 1 fisher_p = compute()",
                                  "ZeroDivisionError: division by zero"])
    (out,), _ = _redacted(answer_outputs=[error])
    assert out["traceback"] == error["traceback"]


def test_the_formgrader_and_the_feedback_run_the_same_redaction():
    """The formgrader shows the graded notebook as autograde left it; feedback redacts again."""
    assert "reciprocity.grading.preprocessors.RedactHiddenTests" in AUTOGRADE_PREPROCESSORS

    config = Config()
    exec(compile((ROOT / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"),
         {"get_config": lambda: config})
    assert "reciprocity.grading.preprocessors.RedactHiddenTests" in config.GenerateFeedback.preprocessors
