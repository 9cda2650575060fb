"""The three nbgrader labs, end to end with real nbgrader (slow).

One temporary course directory holds all three labs. Every scenario below is
a "student" whose submission is built from the source or release notebook,
then graded with ``reciprocity.grading`` (one nbgrader subprocess per
student), and every score is asserted:

solution   the source notebook: all autograded points
release    the student version as given: 0
partial    scripted wrong answers: the exact partial score
tamper     test cells edited to ``pass`` and test cells deleted: restored, full score
broken     an infinite loop (per-cell timeout) and a syntax error: exact partial score
override   comparison helpers monkeypatched plus fake answers: 0
duplicate  a copied locked cell (duplicate grade_id): recorded as flagged, batch goes on
"""
from __future__ import annotations

import copy
import html
import json
import re

import nbformat
import pandas as pd
import pytest

from reciprocity import grading
from tests.support.common import ROOT, release_lab

pytestmark = pytest.mark.slow

LABS = ["outreach", "content", "trials"]
# per-cell limit for the infinite-loop student: well above the slowest honest cell (the
# permutation test, a few seconds alone; over 10 s on a loaded 2-core CI machine)
LOOP_TIMEOUT = 30

# Scripted wrong answers: (answer cell, code appended to it), and the test cells they fail.
PARTIAL = {
    "outreach": {
        "edits": {
            "n_per_arm_answer": (
                "def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):\n"
                "    return 348 if p_treatment == 0.12 else 48  # hard-coded"),
            "difference_answer": "newcombe_ci = (difference - 0.12, difference + 0.12)",
            "fisher_answer": "fisher_p = fisher_p / 2  # one-sided",
        },
        # a hard-coded n_per_arm ignores power and alpha: the visible checks catch it too
        "fails": ["test_n_per_arm_visible", "test_n_per_arm_hidden", "test_newcombe", "test_fisher"],
    },
    "content": {
        "edits": {
            "srm_weeks_answer": "trust_week2 = True",
            "best_answer": "best_lift = best_lift * 100  # percent, not a fraction",
            "ggl_answer": "neighbors_ci = (neighbors_lift - 0.01, neighbors_lift + 0.01)",
        },
        "fails": ["test_srm_weeks", "test_best_arm", "test_neighbors_lift"],
    },
    "trials": {
        "edits": {
            "conversion_answer": 'lift = conversion.loc["B", "rate"] - conversion.loc["A", "rate"]',
            # shares among those who reached first value: conditions on an outcome of the policy
            "guardrails_answer": (
                'reached = users[users["first_value_day"].notna()]\n'
                'fv_by_day = pd.DataFrame({p: [(reached.loc[reached["policy"] == p, "first_value_day"] <= d)'
                '.mean() for d in [1, 3, 7, 14]] for p in POLICIES}, index=[1, 3, 7, 14])'),
            "trap_answer": 'trap_choice = "a"',
        },
        "fails": ["test_lift", "test_first_value", "test_trap_choice"],
    },
}

# Test cells edited to `pass` and test cells deleted (some consecutive, some with hidden tests).
TAMPER = {
    "outreach": {"pass": ["test_wilson_hidden", "test_rates"],
                 "delete": ["test_n_per_arm_visible", "test_n_per_arm_hidden", "test_gap_by_group"]},
    "content": {"pass": ["test_srm_hidden", "test_turnout"],
                "delete": ["test_holm_visible", "test_holm_hidden", "test_best_arm"]},
    "trials": {"pass": ["test_user_table_hidden", "test_lift"],
               "delete": ["test_funnel_shape", "test_funnel_values", "test_trap_choice"]},
}

# A syntax error in one answer cell and an infinite loop in another, and the tests they fail.
BROKEN = {
    "outreach": {"syntax": "fisher_answer", "loop": "interdependence_answer",
                 "fails": ["test_fisher", "test_interdependence", "test_gap_by_group"]},
    "content": {"syntax": "best_answer", "loop": "ggl_answer",
                "fails": ["test_best_arm", "test_turnout", "test_neighbors_lift"]},
    "trials": {"syntax": "trap_answer", "loop": "guardrails_answer",
               "fails": ["test_by_steps", "test_trap_choice", "test_first_value",
                         "test_guardrails"]},
}

# Names each lab asks for: the override student fills them with a fake that
# claims to equal everything, after monkeypatching the usual comparison helpers.
ANSWER_NAMES = {
    "outreach": ["n_per_arm", "n_6_12", "n_6_26", "power_50_12", "power_50_26", "wilson_interval",
                 "rate_no_photo", "rate_photo", "difference", "newcombe_ci", "fisher_p",
                 "reply_table", "by_interdependence", "gap_by_group"],
    "content": ["srm_pvalue", "srm_week1", "srm_week2", "trust_week2", "arm_table", "holm_adjust",
                "comparisons", "significant", "best_arm", "best_lift", "best_diff_ci", "turnout",
                "neighbors_lift", "neighbors_ci"],
    "trials": ["user_table", "users", "funnel", "conversion", "lift", "diff_ci", "fv_by_day",
               "fv_within_7", "tickets_per_user", "churn_among_payers", "by_steps", "trap_choice"],
}

OVERRIDE = '''
import builtins, math
import numpy as np
import pandas as pd

class Fake:
    """Equal to everything, every number, any shape."""
    def __call__(self, *a, **k): return self
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __bool__(self): return True
    def __float__(self): return 0.5
    def __int__(self): return 1
    def __index__(self): return 1
    def __len__(self): return 2
    def __iter__(self): return iter([self, self])
    def __getitem__(self, key): return self
    def __getattr__(self, name): return self
    def __str__(self): return "fake"
    def __format__(self, spec): return "fake"
    def __hash__(self): return 0
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __call__
    __abs__ = __neg__ = __round__ = lambda self, *a: self

always = lambda *a, **k: True
nothing = lambda *a, **k: None
math.isclose = always
np.isclose = always
np.allclose = always
np.testing.assert_allclose = nothing
np.testing.assert_almost_equal = nothing
np.testing.assert_array_almost_equal = nothing
pd.testing.assert_frame_equal = nothing
pd.testing.assert_series_equal = nothing
builtins.abs = lambda x: 0
builtins.round = lambda x, *a: x
'''


def _cells(nb):
    return {c.get("id"): i for i, c in enumerate(nb.cells)}


def _points(nb, ids=None):
    return sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
               and (ids is None or c.id in ids))


def _write(nb, course, student, lab):
    folder = course / "submitted" / student / lab
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{lab}.ipynb")


def _append(nb, cell_id, code):
    cell = nb.cells[_cells(nb)[cell_id]]
    cell.source = cell.source + "\n" + code


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with the three labs released and every scenario submitted."""
    root = tmp_path_factory.mktemp("course")
    expected = {}
    for lab in LABS:
        release_lab(root, lab)
        source = nbformat.read(root / "solutions" / lab / f"{lab}.ipynb", as_version=4)
        release = nbformat.read(root / "exercises" / lab / f"{lab}.ipynb", as_version=4)
        total = _points(source)
        exp = {"solution": total, "release": 0, "tamper": total, "override": 0}

        _write(source, root, f"{lab}-solution", lab)
        _write(release, root, f"{lab}-release", lab)

        nb = copy.deepcopy(source)
        for cell_id, code in PARTIAL[lab]["edits"].items():
            _append(nb, cell_id, code)
        _write(nb, root, f"{lab}-partial", lab)
        exp["partial"] = total - _points(source, PARTIAL[lab]["fails"])

        nb = copy.deepcopy(source)
        for cell_id in TAMPER[lab]["pass"]:
            nb.cells[_cells(nb)[cell_id]].source = "pass"
        nb.cells = [c for c in nb.cells if c.get("id") not in TAMPER[lab]["delete"]]
        _write(nb, root, f"{lab}-tamper", lab)

        nb = copy.deepcopy(source)
        _append(nb, BROKEN[lab]["syntax"], "this is not = python(")
        loop = nb.cells[_cells(nb)[BROKEN[lab]["loop"]]]
        loop.source = "while True:\n    pass\n" + loop.source
        _write(nb, root, f"{lab}-broken", lab)
        exp["broken"] = total - _points(source, BROKEN[lab]["fails"])

        nb = copy.deepcopy(release)
        first = next(c for c in nb.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
        names = ANSWER_NAMES[lab]
        first.source = OVERRIDE + "\n".join(f"{n} = Fake()" for n in names)
        for c in nb.cells:  # the other answer cells must not undo the fakes
            if c is not first and c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code":
                c.source = "pass"
        _write(nb, root, f"{lab}-override", lab)
        expected[lab] = exp

    # A copied locked test cell: duplicate grade_id (nbgrader #1083).
    nb = nbformat.read(root / "solutions" / "outreach" / "outreach.ipynb", as_version=4)
    i = _cells(nb)["test_rates"]
    dup = copy.deepcopy(nb.cells[i])
    dup.id = "copied-test"
    nb.cells.insert(i + 1, dup)
    _write(nb, root, "outreach-duplicate", "outreach")
    return root, expected


@pytest.fixture(scope="module")
def graded(course):
    root, expected = course
    results = {}
    for lab in LABS:
        students = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{lab}"))
        normal = [s for s in students if not s.endswith("-broken")]
        broken = [s for s in students if s.endswith("-broken")]
        res = grading.grade_lab(lab, root, timeout=60, students=normal, student_timeout=600,
                                echo=lambda *a: None)
        res += grading.grade_lab(lab, root, timeout=LOOP_TIMEOUT, students=broken,
                                 student_timeout=300, echo=lambda *a: None)
        results[lab] = {r.student.split("-", 1)[1]: r for r in res}
    return root, expected, results


@pytest.mark.parametrize("lab", LABS)
def test_release_matches_committed_exercises(course, lab):
    root, _ = course
    fresh = nbformat.read(root / "exercises" / lab / f"{lab}.ipynb", as_version=4)
    committed = nbformat.read(ROOT / "exercises" / lab / f"{lab}.ipynb", as_version=4)
    assert len(fresh.cells) == len(committed.cells), (
        f"exercises/{lab} is out of date: run `python -m tools.release_labs`")
    for new, old in zip(fresh.cells, committed.cells, strict=True):
        assert (new.cell_type, new.source) == (old.cell_type, old.source), (
            f"exercises/{lab}: cell {old.get('id')} differs; run `python -m tools.release_labs`")
        assert new.metadata == old.metadata, f"exercises/{lab}: metadata of cell {old.get('id')} differs"
        assert not old.get("outputs"), f"exercises/{lab}: cell {old.get('id')} has stored outputs"
    assert "### BEGIN SOLUTION" not in json.dumps(committed.dict())
    assert "### BEGIN HIDDEN TESTS" not in json.dumps(committed.dict())


@pytest.mark.parametrize("lab", LABS)
def test_source_notebook_meets_the_lab_rules(lab):
    nb = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    tests = [c for c, m in zip(nb.cells, meta, strict=True) if m.get("grade") and c.cell_type == "code"]
    written = [c for c, m in zip(nb.cells, meta, strict=True) if m.get("grade") and c.cell_type == "markdown"]
    total = sum(m.get("points", 0) for m in meta)
    assert 20 <= total <= 40
    assert len(tests) >= 8
    assert sum("### BEGIN HIDDEN TESTS" in c.source for c in tests) >= 3
    assert written and all(c.metadata["nbgrader"]["solution"] for c in written)
    assert all(c.metadata["nbgrader"]["locked"] for c in tests)
    setup = nb.cells[_cells(nb)["setup"]]
    assert setup.metadata["nbgrader"]["locked"] and "seed" in setup.source
    assert "filterwarnings" in setup.source
    ids = [m["grade_id"] for m in meta if "grade_id" in m]
    assert len(ids) == len(set(ids))
    for c in tests:  # no test may end with an expression (nbgrader would read it as partial credit)
        last = [ln for ln in c.source.splitlines() if ln.strip() and not ln.strip().startswith("#")][-1]
        assert last.lstrip().startswith(("assert", "###", "print(")) or last.startswith(" "), c.id


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize("scenario", ["solution", "release", "partial", "tamper", "broken", "override"])
def test_scores(graded, lab, scenario):
    _, expected, results = graded
    res = results[lab][scenario]
    assert res.status == "graded", f"{lab}-{scenario}: {res.note}\n{res.log[-2000:]}"
    assert res.score == pytest.approx(expected[lab][scenario]), (
        f"{lab}-{scenario}: got {res.score}, expected {expected[lab][scenario]}")


@pytest.mark.parametrize("lab", LABS)
def test_infinite_loop_is_stopped_by_the_cell_timeout(graded, lab):
    _, _, results = graded
    assert results[lab]["broken"].timeouts >= 1


@pytest.mark.parametrize("lab", LABS)
def test_deleted_test_cells_are_restored_not_left_for_manual_grading(graded, lab):
    from nbgrader.api import Gradebook

    root, _, _ = graded
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for cell_id in TAMPER[lab]["delete"] + TAMPER[lab]["pass"]:
            grade = gb.find_grade(cell_id, lab, lab, f"{lab}-tamper")
            assert not grade.needs_manual_grade, cell_id
            assert grade.score == grade.max_score, cell_id


def test_duplicate_cell_ids_fail_one_student_only(graded):
    _, _, results = graded
    dup = results["outreach"]["duplicate"]
    assert dup.status == "flagged" and "duplicate grade_id" in dup.note
    assert results["outreach"]["solution"].status == "graded"


def _hidden_lines(lab):
    nb = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    lines = []
    for c in nb.cells:
        m = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", c.source, re.S)
        if m:
            lines += [ln.strip() for ln in m.group(1).splitlines() if len(ln.strip()) > 25]
    return lines


def _text(html_path):
    raw = html_path.read_text(encoding="utf-8")
    raw = re.sub(r"<style.*?</style>|<script.*?</script>", " ", raw, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", raw)).split())


@pytest.mark.parametrize("lab", LABS)
def test_feedback_shows_no_hidden_test_code(graded, lab):
    root, _, _ = graded
    hidden = _hidden_lines(lab)
    assert hidden
    checked = 0
    for scenario in ["solution", "release", "partial"]:
        page = root / "feedback" / f"{lab}-{scenario}" / lab / f"{lab}.html"
        assert page.is_file(), f"no feedback for {lab}-{scenario}"
        text = _text(page)
        assert "BEGIN HIDDEN TESTS" not in text
        for line in hidden:
            assert " ".join(line.split()) not in text, f"hidden test code in {page.name}: {line}"
        checked += 1
    # the check can fail: the autograded notebook itself does contain the hidden code
    autograded = json.dumps(nbformat.read(root / "autograded" / f"{lab}-partial" / lab / f"{lab}.ipynb",
                                          as_version=4).dict())
    assert "BEGIN HIDDEN TESTS" in autograded and checked == 3


@pytest.mark.parametrize("lab", LABS)
def test_export_and_summary(graded, lab):
    root, _, results = graded
    out = root / "reports" / lab
    code = grading.main([lab, "--course-dir", str(root), "--summary-only", "--output-dir", str(out)])
    assert code == 0
    grades = pd.read_csv(out / "grades.csv", dtype={"student_id": str})
    graded_students = sorted(f"{lab}-{s}" for s, r in results[lab].items() if r.status == "graded")
    # nbgrader exports one row per student on the roster: graded ones carry their score,
    # students with no submission for this lab (here, the other labs' students) get 0
    assert (grades["assignment"] == lab).all() and grades["student_id"].is_unique
    score = grades.set_index("student_id")["score"]
    for s, r in results[lab].items():
        if r.status == "graded":
            assert score[f"{lab}-{s}"] == pytest.approx(r.score), s
    others = [sid for sid in score.index if sid not in graded_students]
    assert (score[others] == 0).all()
    summary = pd.read_csv(out / "summary.csv")
    nb = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade")]
    assert summary["grade_id"].tolist() == grade_ids
    assert summary["insight"].notna().all() and (summary["insight"] != "").all()
    auto = summary[summary["kind"] == "auto"]
    assert (auto["graded"] == len(graded_students)).all()
    assert ((auto["mean_score"] >= 0) & (auto["mean_score"] <= auto["max_score"])).all()
    manual = summary[summary["kind"] == "manual"]
    # nobody has graded memos yet: nbgrader scores an untouched answer 0 by itself,
    # every written answer is left for manual grading
    assert (manual["needs_manual"] + manual["graded"] == len(graded_students)).all()
    assert (manual["needs_manual"] >= 4).all() and (manual["mean_score"].fillna(0) == 0).all()
    # the solution student is the only one with full marks on every auto cell, so no cell has mean 1
    assert (auto["mean_fraction"] < 1).all()
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grading_cli_documents_its_options(capsys):
    with pytest.raises(SystemExit):
        grading.main(["--help"])
    text = capsys.readouterr().out
    for option in ["--course-dir", "--timeout", "--students", "--output-dir", "--summary-only"]:
        assert option in text
