"""The labs' test cells teach without giving answers away (static checks of the committed notebooks).

* Every hidden check's message is a plain sentence, fixed when the cell is
  generated (nothing is formatted into it at grading time but the kind of
  error a student's function raised), that starts "Hidden check:", says where
  the idea is taught, and contains no number of its check: no expected value,
  no bound, no hidden input (``test_hidden_message_gives_no_value_away``, one
  case per hidden check of every lab).
* Every message survives the redaction of hidden test code in feedback.
* A cell labelled visible carries only visible checks; every cell says
  whether hidden checks also run, and prints a line when its visible checks pass.
* The visible checks recognise the common slips (a one-sided p-value or test,
  a Wald interval for a Wilson one, Bonferroni for Holm) and pass the model
  answers.

The end-to-end proof that the hints reach the feedback and the formgrader is
``tests/labs/test_feedback_hints.py``.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import io
import re

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_output
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from reciprocity.grading.preprocessors import RedactHiddenTests
from tests.support.common import ROOT
from tools import lab_cells, lab_spec, lab_tests

LABS = list(lab_tests.LABS)
ERROR_NAME = "{error}"  # stands for type(_err).__name__, the one value a hidden message may show


def _notebook(lab: str, folder: str = "solutions"):
    return nbformat.read(ROOT / folder / lab / f"{lab}.ipynb", as_version=4)


def _test_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and lab_tests._is_test(c)]


def _hidden_source(source: str) -> str:
    inside, _ = lab_tests._blocks(source, lab_cells.BEGIN_HIDDEN, lab_cells.END_HIDDEN)
    # _blocks strips each line; take the block from the source itself to keep its indentation
    start = source.find(lab_cells.BEGIN_HIDDEN)
    if start < 0:
        return ""
    block = source[start + len(lab_cells.BEGIN_HIDDEN):source.index(lab_cells.END_HIDDEN)]
    assert [ln.strip() for ln in block.strip("\n").splitlines()] == inside
    return block.strip("\n")


def _numbers(node) -> list[float]:
    return [float(n.value) for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, (int, float))
            and not isinstance(n.value, bool)]


def _is_error_name(node) -> bool:
    """``type(<name>).__name__``."""
    return (isinstance(node, ast.Attribute) and node.attr == "__name__"
            and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "type")


def message_text(node) -> str | None:
    """The text of a hidden check's message, or None if anything but the error's name is formatted in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and _is_error_name(value.value):
                parts.append(ERROR_NAME)
            else:
                return None
        return "".join(parts)
    return None


def hidden_checks(block: str) -> list[tuple[ast.AST, list[float]]]:
    """Each message of a hidden block, with the numbers of its check.

    A check's numbers: those of the assertion itself, of the loops around it
    (their literals hold the hidden inputs and expected values) and of the
    block's assignments (hidden data such as a small frame).
    """
    tree = ast.parse(block)
    shared = [x for node in ast.walk(tree) if isinstance(node, ast.Assign) for x in _numbers(node.value)]
    found = []

    def visit(node, around: list[float]):
        if isinstance(node, ast.Assert):
            found.append((node.msg, _numbers(node.test) + around + shared))
        elif (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
              and getattr(node.exc.func, "id", "") == "AssertionError"):
            found.append((node.exc.args[0] if node.exc.args else None, around + shared))
        for child in ast.iter_child_nodes(node):
            visit(child, around + _numbers(node.iter) if isinstance(node, ast.For) else around)

    visit(tree, [])
    return found


def _all_hidden_checks():
    cases = []
    for lab in LABS:
        for cell in _test_cells(_notebook(lab)):
            for i, (msg, numbers) in enumerate(hidden_checks(_hidden_source(cell.source))):
                cases.append(pytest.param(lab, cell.id, msg, numbers, id=f"{lab}-{cell.id}-{i}"))
    return cases


HIDDEN_CHECKS = _all_hidden_checks()

# a number as a message would show it: 0.0122, 1.2%, 9,807 (digits inside a name such as n_6_12 are not numbers)
_SHOWN = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?(?![\w])")


def shown_numbers(text: str) -> list[str]:
    return [m.group().rstrip(",") for m in _SHOWN.finditer(text)]


def reveals(shown: str, value: float) -> bool:
    """Whether ``shown`` (as written in a message) could be ``value``, rounded or as a percentage."""
    digits = shown.rstrip("%").replace(",", "")
    number = float(digits)
    significant = max(1, len(digits.replace(".", "").strip("0")))
    for candidate in (number, number / 100):
        if value == 0:
            if candidate == 0:
                return True
            continue
        if abs(float(f"{abs(value):.{significant}g}") - candidate) <= 1e-12 * max(1.0, candidate):
            return True
    return False


def test_the_leak_detector_sees_values_ranges_percentages_and_inputs():
    assert shown_numbers("about 0.0122 (1.2%), 340 to 364; n_6_12 and 9,807") == [
        "0.0122", "1.2%", "340", "364", "9,807"]
    assert reveals("0.0122", 0.01221759829) and reveals("1.2%", 0.01221759829)
    assert reveals("364", 364) and reveals("9,807", 9807) and reveals("26%", 0.26)
    assert reveals("0.275", 0.2745071247) and reveals("0.05", 0.05)
    assert not reveals("1", 0.8) and not reveals("0.0122", 0.2745071247)
    # the messages this project used to write are caught
    old = ("assert -0.0001 <= _f(low) - 0.1587152749 <= 0.0001, "
           "f'wilson_interval(13, 50) gave a low end of {_f(low):.4f}; expected 0.1587'")
    (msg, numbers), = hidden_checks(old)
    assert message_text(msg) is None  # formats a value in
    text = "wilson_interval(13, 50) gave a low end; expected 0.1587"
    assert any(reveals(s, v) for s in shown_numbers(text) for v in numbers)
    loop = ("for p1, low, high in [(0.05, 9807, 10238)]:\n"
            "    assert low <= f(p1) <= high, 'for p1 = 0.05 expected 9,807 to 10,238'")
    (msg, numbers), = hidden_checks(loop)
    assert {0.05, 9807.0, 10238.0} <= set(numbers)


@pytest.mark.parametrize("lab, grade_id, node, numbers", HIDDEN_CHECKS)
def test_hidden_message_gives_no_value_away(lab, grade_id, node, numbers):
    text = message_text(node) if node is not None else None
    assert text is not None, (
        f"{lab}/{grade_id}: a hidden check's message must be a plain string (at most the error's "
        "type formatted in), so that no expected value or hidden input can reach the feedback")
    assert text.startswith("Hidden check: "), text
    assert " See " in text and text.rstrip().endswith("."), f"say where the idea is taught: {text}"
    leaked = [(s, v) for s in shown_numbers(text) for v in numbers if reveals(s, v)]
    assert leaked == [], f"{lab}/{grade_id}: the message shows numbers of its check {leaked}: {text}"


def test_every_lab_has_hidden_checks_to_audit():
    per_lab = {lab: sum(1 for p in HIDDEN_CHECKS if p.values[0] == lab) for lab in LABS}
    assert all(n >= 15 for n in per_lab.values()), per_lab


@pytest.mark.parametrize("lab", LABS)
def test_hidden_messages_survive_the_redaction_of_hidden_code(lab):
    """A failed hidden check's traceback quotes hidden code; what the student reads is its message."""
    nb = _notebook(lab)
    messages = []
    for cell in _test_cells(nb):
        block = _hidden_source(cell.source)
        if not block:
            continue
        texts = [message_text(msg).replace(ERROR_NAME, "KeyError") for msg, _ in hidden_checks(block)]
        quoted = next(ln for ln in block.splitlines() if len(ln.strip()) >= 12)
        cell.outputs = [new_output("error", ename="AssertionError", evalue=text,
                                   traceback=["\x1b[31m----\x1b[39m", f"Cell In[7], line 9\n----> 9 {quoted}",
                                              f"\x1b[31mAssertionError\x1b[39m: {text}"])
                        for text in texts]
        messages += texts
    nb, _ = RedactHiddenTests().preprocess(nb, {})
    seen = [out["traceback"] for cell in _test_cells(nb) for out in cell.outputs]
    assert seen == [[f"AssertionError: {text}"] for text in messages]


def test_cells_labelled_visible_carry_only_visible_checks():
    labelled = [c for lab in LABS for c in _test_cells(_notebook(lab))
                if c.id.endswith("_visible") or "(visible case)" in c.metadata["reciprocity"]["assesses"]]
    assert len(labelled) >= 4
    for cell in labelled:
        assert lab_cells.BEGIN_HIDDEN not in cell.source, cell.id
        assert lab_cells.SAYS_ALL_VISIBLE in cell.source, cell.id


@pytest.mark.parametrize("lab", LABS)
def test_every_cell_says_whether_hidden_checks_run_and_when_its_visible_ones_pass(lab):
    released = {c.id: c.source for c in _test_cells(_notebook(lab, "exercises"))}
    for cell in _test_cells(_notebook(lab)):
        shown = released[cell.id]
        assert lab_cells.BEGIN_HIDDEN not in shown
        if lab_cells.BEGIN_HIDDEN not in cell.source:
            expected = [lab_cells.SAYS_ALL_VISIBLE, lab_cells.PASSED_ALL]
        elif cell.source.split(lab_cells.BEGIN_HIDDEN)[0].rstrip().endswith(lab_cells.ONLY_HIDDEN):
            expected = [lab_cells.ONLY_HIDDEN]
        else:
            expected = [lab_cells.SAYS_HIDDEN, lab_cells.PASSED_MORE]
        assert all(line in shown.splitlines() for line in expected), (cell.id, expected)
        assert shown.rstrip().splitlines()[-1] == expected[-1], f"{cell.id}: the pass line comes last"


# --- the visible checks recognise common slips and pass the model answers


@pytest.fixture(scope="module")
def outreach_answers():
    nb = _notebook("outreach")
    return lab_tests.solution_namespace(nb), {c.id: c.source for c in _test_cells(_notebook("outreach", "exercises"))}


def _run_visible(source: str, ns: dict) -> str:
    """Run a released (visible) test cell in ``ns``; its stdout, or the AssertionError's message."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "test cell", "exec"), ns)
    except AssertionError as err:
        return f"AssertionError: {err}"
    return out.getvalue()


def _one_sided_n(p_control, p_treatment, power=0.8, alpha=0.05):
    effect = abs(proportion_effectsize(p_treatment, p_control))
    return int(np.ceil(NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power,
                                                    alternative="larger")))


def _wald(successes, trials, confidence=0.95):
    rate, z = successes / trials, stats.norm.ppf(1 - (1 - confidence) / 2)
    half = z * np.sqrt(rate * (1 - rate) / trials)
    return max(0.0, rate - half), min(1.0, rate + half)


def _one_sided_perm():
    x, y = np.repeat([1.0, 0.0], [13, 37]), np.repeat([1.0, 0.0], [3, 47])
    return float(stats.permutation_test((x, y), lambda a, b, axis: a.mean(axis) - b.mean(axis),
                                        vectorized=True, n_resamples=99_999, alternative="greater",
                                        random_state=np.random.default_rng(3)).pvalue)


SLIPS = {  # cell -> (answers to replace, words the visible check must say)
    "one-sided sample size": ("test_n_per_arm_visible", lambda ns: {"n_per_arm": _one_sided_n}, "one-sided test"),
    "one-sided power": ("test_power_50", lambda ns: {"power_50_12": NormalIndPower().power(
        abs(proportion_effectsize(0.12, 0.06)), nobs1=50, alpha=0.05, alternative="larger")}, "one-sided test"),
    "Wald interval": ("test_wilson_visible", lambda ns: {"wilson_interval": _wald}, "Wald interval"),
    "one-sided Fisher": ("test_fisher", lambda ns: {"fisher_p": stats.fisher_exact(
        [[13, 37], [3, 47]], alternative="greater").pvalue}, "one-sided p-value"),
    "Fisher on totals": ("test_fisher", lambda ns: {"fisher_p": stats.fisher_exact(
        [[13, 50], [3, 50]]).pvalue}, "replies and e-mails sent"),
    "one-sided permutation": ("test_permutation", lambda ns: {"perm_p": _one_sided_perm()}, "one-sided p-value"),
    "rate over all e-mails": ("test_rates", lambda ns: {"rate_no_photo": 3 / 100,
                                                        "difference": 13 / 50 - 3 / 100}, "whole number of replies"),
}


@pytest.mark.parametrize("slip", list(SLIPS))
def test_visible_checks_recognise_a_common_slip(outreach_answers, slip):
    ns, released = outreach_answers
    cell, answers, words = SLIPS[slip]
    assert "Visible checks passed" in _run_visible(released[cell], copy.copy(ns))
    wrong = {**copy.copy(ns), **answers(ns)}
    said = _run_visible(released[cell], wrong)
    assert said.startswith("AssertionError") and words in said, said


def test_visible_holm_check_recognises_bonferroni():
    released = {c.id: c.source for c in _test_cells(_notebook("content", "exercises"))}
    def bonferroni(ps):
        return [min(1.0, p * len(ps)) for p in ps]

    said = _run_visible(released["test_holm_visible"], {"holm_adjust": bonferroni})
    assert said.startswith("AssertionError") and "Bonferroni" in said, said
    def holm(ps):
        return [float(v) for v in lab_spec.multipletests(ps, method="holm")[1]]

    assert "Visible checks passed" in _run_visible(released["test_holm_visible"], {"holm_adjust": holm})


def test_a_fingerprint_that_could_match_an_accepted_answer_is_refused():
    with pytest.raises(ValueError, match="could be an accepted answer"):
        lab_spec.fingerprints("k", [(0.0101, 0.0103)], 0.001, (0.0104, 0.014))
    assert len(lab_spec.fingerprints("k", [(0.0052, 0.0070)], 0.001, (0.0104, 0.014))) == 3
