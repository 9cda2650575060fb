"""Hints reach the student's feedback and the formgrader; expected values do not (slow, sandboxed).

One course directory holds Lab 1; two students submit the model solution
with a few typical mistakes, and both are graded in one run of
``reciprocity.grading`` (nbgrader's autograde in the sandbox, then
``generate_feedback``):

slips    a one-sided Fisher p-value and a rate divided by every e-mail sent
         (both caught by visible checks), a gap computed over all legislators
         instead of within each group (caught by a hidden check), and an
         ``n_per_arm`` that raises on a fall in the rate (a hidden input);
missing  an answer left out (a ``NameError``) and a gap computed the wrong way
         round, which fails the last visible check of its cell: IPython's
         traceback of that line quotes the first hidden line, so the error
         is cut to its message, which must still reach the student.

The feedback page (``feedback/<student>/outreach/outreach.html``) and the
formgrader's page for the submission (the autograded notebook rendered with
the formgrader's own template, as its submission view does) must show each
known message in the output of its test cell, and no test cell's output may
show a number that appears only in the hidden checks (an expected value, a
bound or a hidden input). The formgrader also shows the TA the hidden test
code itself; that is by design and not checked here.
"""
from __future__ import annotations

import ast
import html
import re

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers as formgrader

from reciprocity import grading
from reciprocity.grading.preprocessors import RedactHiddenTests
from tests.support.common import ROOT, release_lab

pytestmark = pytest.mark.slow

LAB = "outreach"
PASSED_MORE = "Visible checks passed. More checks run when your lab is graded."

SLIPS = {
    "fisher_answer": (
        "table = [[PHOTO[0], PHOTO[1] - PHOTO[0]], [NO_PHOTO[0], NO_PHOTO[1] - NO_PHOTO[0]]]\n"
        'fisher_p = float(stats.fisher_exact(table, alternative="greater").pvalue)'),
    "difference_answer": (
        "rate_no_photo = NO_PHOTO[0] / (NO_PHOTO[1] + PHOTO[1])  # divided by every e-mail sent\n"
        "rate_photo = PHOTO[0] / PHOTO[1]\n"
        "difference = rate_photo - rate_no_photo\n"
        "low, high = confint_proportions_2indep(PHOTO[0], PHOTO[1], NO_PHOTO[0], NO_PHOTO[1],\n"
        '                                       method="newcomb", compare="diff")\n'
        "newcombe_ci = (float(low), float(high))"),
    "interdependence_answer": (
        'broockman["interdependent"] = 1 - broockman["treat_out"]\n'
        'by_interdependence = reply_table(broockman, by="interdependent")\n'
        'overall = broockman.groupby("interdependent")["responded"].mean()\n'
        "gap_by_group = pd.Series([overall[1] - overall[0]] * 2, index=[0, 1])  # not within each group"),
    "n_per_arm_answer": (
        "def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):\n"
        "    if p_treatment < p_control:\n"
        '        raise ValueError(f"cannot size a fall from {p_control} to {p_treatment}")\n'
        "    effect = proportion_effectsize(p_treatment, p_control)\n"
        "    return int(math.ceil(NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power)))"),
}
MISSING = {
    "fisher_answer": "pass  # not done yet",
    "interdependence_answer": (
        'broockman["interdependent"] = 1 - broockman["treat_out"]\n'
        'by_interdependence = reply_table(broockman, by="interdependent")\n'
        'rates = broockman.groupby(["leg_black", "interdependent"])["responded"].mean().unstack()\n'
        "gap_by_group = rates[0] - rates[1]  # the wrong way round"),
}
STUDENTS = {"slips": SLIPS, "missing": MISSING}

# (student, test cell) -> what its output must say, as the student reads it
EXPECTED = {
    ("slips", "test_fisher"): ["AssertionError: fisher_p looks like a one-sided p-value"],
    ("slips", "test_rates"): ["AssertionError: rate_no_photo times the arm's e-mails should be a whole number"],
    ("slips", "test_gap_by_group"): [
        PASSED_MORE,
        "AssertionError: Hidden check: the gap for legislators who are not Black is not their reply rate "
        "with interdependence minus their rate without."],
    ("slips", "test_n_per_arm_hidden"): [
        PASSED_MORE,
        "AssertionError: Hidden check: calling n_per_arm on rates, powers or levels you have not seen "
        "raised ValueError."],
    ("slips", "test_n_per_arm_visible"): ["ValueError: cannot size a fall from 0.12 to 0.06"],
    ("slips", "test_newcombe"): [PASSED_MORE],
    ("missing", "test_fisher"): ["NameError: name 'fisher_p' is not defined"],
    ("missing", "test_gap_by_group"): ["AssertionError: both groups answer constituents more often"],
}


def _source():
    return nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)


def _hidden_only_numbers() -> set[str]:
    """Numbers written in the lab's hidden checks and nowhere in what students are given, as shown."""
    released = (ROOT / "exercises" / LAB / f"{LAB}.ipynb").read_text(encoding="utf-8")
    numbers = set()
    for cell in _source().cells:
        m = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
        if not m:
            continue
        for node in ast.walk(ast.parse(m.group(1))):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value not in (0, 1):
                value = abs(node.value)
                if value < 1e-3 and value in (1e-4, 1e-6, 1e-9):
                    continue  # tolerances
                for shown in {f"{value:.3g}", f"{value:.4g}", repr(node.value)}:
                    if not re.search(rf"(?<![\d.]){re.escape(shown)}(?!\d)", released):
                        numbers.add(shown)
    return numbers


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hints")
    release_lab(root, LAB)
    source = _source()
    for student, edits in STUDENTS.items():
        nb = nbformat.from_dict(source)
        for cell in nb.cells:
            if cell.get("id") in edits:
                cell.source = edits[cell.id]
        folder = root / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{LAB}.ipynb")
    results = grading.grade_lab(LAB, root, timeout=60, students=sorted(STUDENTS), student_timeout=600,
                                echo=lambda *a: None)
    return root, {r.student: r for r in results}


def _text(node) -> str:
    """What a reader sees: the node's text (spans joined as rendered), whitespace collapsed."""
    return " ".join(html.unescape(node.get_text()).split())


def _feedback_outputs(page: str) -> dict[str, str]:
    """Test cell id -> the text of its output area on a feedback page."""
    soup = BeautifulSoup(page, "html.parser")
    found = {}
    for anchor in soup.select("a[name^=test_]"):
        cell = anchor.find_parent("div", class_="cell")
        area = cell.find("div", class_="output_wrapper") if cell else None
        found[anchor["name"]] = _text(area) if area else ""
    return found


def _formgrader_page(root, student: str) -> str:
    """The formgrader's submission view: the autograded notebook through its ``formgrade`` template."""
    exporter = HTMLExporter(template_name="formgrade", extra_template_basedirs=[formgrader.template_path])
    resources = {"assignment_id": LAB, "notebook_id": LAB, "submission_id": "s", "index": 0, "total": 1,
                 "base_url": "/", "student": student, "last_name": None, "first_name": None,
                 "notebook_path": f"autograded/{student}/{LAB}/{LAB}.ipynb"}
    page, _ = exporter.from_filename(str(root / "autograded" / student / LAB / f"{LAB}.ipynb"),
                                     resources=resources)
    return page


def _formgrader_outputs(page: str, ids) -> dict[str, str]:
    """Test cell id -> the text of its output area on the formgrader's page."""
    soup = BeautifulSoup(page, "html.parser")
    found = {}
    for grade_id in ids:
        label = next(code for code in soup.find_all("code") if code.get_text() == grade_id)
        cell = label.find_parent("div", class_="cell")
        area = cell.find("div", class_="output_wrapper") if cell else None
        found[grade_id] = _text(area) if area else ""
    return found


def _test_ids() -> list[str]:
    return [c.id for c in _source().cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="module")
def views(graded):
    root, results = graded
    shown = {}
    for student, result in results.items():
        assert result.status == "graded", f"{student}: {result.note}\n{result.log[-2000:]}"
        feedback = (root / "feedback" / student / LAB / f"{LAB}.html").read_text(encoding="utf-8")
        shown[("feedback", student)] = _feedback_outputs(feedback)
        shown[("formgrader", student)] = _formgrader_outputs(_formgrader_page(root, student), _test_ids())
    return shown


@pytest.mark.parametrize("view", ["feedback", "formgrader"])
@pytest.mark.parametrize("student, cell", list(EXPECTED))
def test_the_message_of_a_failed_check_reaches_the_page(views, view, student, cell):
    text = views[(view, student)][cell]
    for words in EXPECTED[(student, cell)]:
        assert words in text, f"{view} of {student}, {cell}: {words!r} not in {text!r}"
    assert RedactHiddenTests.notice not in text


@pytest.mark.parametrize("view", ["feedback", "formgrader"])
def test_no_test_output_shows_a_number_of_the_hidden_checks(views, view):
    secret = _hidden_only_numbers()
    assert {"0.0122", "0.2745", "9807"} <= secret  # the check can fail: these are hidden-only values
    for student in STUDENTS:
        for cell, text in views[(view, student)].items():
            leaked = [s for s in secret if re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", text)]
            assert leaked == [], f"{view} of {student}, {cell} shows {leaked}: {text!r}"


def test_a_traceback_that_quoted_hidden_code_is_cut_to_its_message(graded):
    root, _ = graded
    nb = nbformat.read(root / "autograded" / "missing" / LAB / f"{LAB}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "test_gap_by_group")
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert error.traceback == ["AssertionError: both groups answer constituents more often"]


def test_the_hidden_inputs_stay_hidden_when_a_function_fails_on_them(views):
    text = views[("feedback", "slips")]["test_n_per_arm_hidden"]
    assert "cannot size a fall" not in text and "0.04" not in text


def test_every_cell_that_failed_was_scored_zero_and_the_others_full(graded):
    from nbgrader.api import Gradebook

    root, _ = graded
    failed = {"slips": {"test_fisher", "test_rates", "test_gap_by_group", "test_n_per_arm_hidden",
                        "test_n_per_arm_visible"},
              "missing": {"test_fisher", "test_gap_by_group"}}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student, cells in failed.items():
            for grade_id in _test_ids():
                grade = gb.find_grade(grade_id, LAB, LAB, student)
                expected = 0 if grade_id in cells else grade.max_score
                assert grade.score == expected, (student, grade_id, grade.score)
