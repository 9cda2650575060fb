"""Late work over a term, with real nbgrader: flagged, penalised, forgiven by an extension, regraded.

One small course (a code answer with its test, and a memo graded by hand)
with a ``deadlines.toml``: due 2026-03-01 12:00 +01:00, 10 % of the score per
started day late, at most 50 %. Two students submit, one on time and one
36 hours late; the term then runs as an instructor would run it, in two
grading runs (each student's kernel in the sandbox):

1. grade, export: the late student is flagged and loses 2 started days (20 %);
2. hand-grade both memos through nbgrader's Gradebook API, export: the
   penalty follows the new score;
3. give the late student a 2-day extension, export: the penalty is gone
   (nbgrader would keep it until the student is autograded again, its #723);
4. the on-time student changes their memo, both are regraded: the unchanged
   memo keeps its hand grade and comment and is not asked for again; the
   changed one keeps its score as a starting point and is asked for again;
5. a broken policy file: nothing is graded or exported, nothing changes.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from reciprocity import grading
from reciprocity.grading.deadlines import DeadlinePolicyError
from tests.support.nbgrader_course import LAB, lab_notebook, make_course

pytestmark = pytest.mark.slow

POLICY = """
[late]
per = "day"
deduct_percent = 10
max_deduct_percent = 50

[labs.probe]
due = 2026-03-01T12:00:00+01:00
"""
EXTENSION = '\n[labs.probe.extensions]\nlate = "P2D"\n'
SUBMITTED = {"ontime": "2026-03-01 10:00:00.000000 UTC",  # an hour early
             "late": "2026-03-02 23:00:00.000000 UTC"}  # 36 hours late: 2 started days
MEMO, COMMENT = "The photo raised replies because people answer a face.", "Clear argument."


def _submit(root: Path, student: str, memo: str, stamp: str) -> None:
    nb = nbformat.read(root / "release" / LAB / f"{LAB}.ipynb", as_version=4)
    nb.cells[0].source = "x = 42"
    nb.cells[2].source = memo
    folder = root / "submitted" / student / LAB
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{LAB}.ipynb")
    (folder / "timestamp.txt").write_text(stamp)


def _export(root: Path, name: str) -> dict:
    """Export with the grading command; grades, canvas and summary as read back."""
    out = root / "reports" / name
    code = grading.main([LAB, "--course-dir", str(root), "--summary-only", "--output-dir", str(out)])
    assert code == 0
    return {"grades": pd.read_csv(out / "grades.csv", dtype={"student_id": str},
                                  keep_default_na=False).set_index("student_id"),
            "canvas": pd.read_csv(out / "canvas.csv", dtype=str, keep_default_na=False),
            "summary": pd.read_csv(out / "summary.csv").set_index("grade_id"),
            "folder": out}


def _memo(db: str, student: str):
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        grade = gb.find_grade("memo", LAB, LAB, student)
        comment = gb.find_comment("memo", LAB, LAB, student)
        return grade.manual_score, grade.needs_manual_grade, comment.manual_comment


def _penalties(db: str) -> dict[str, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        return {s: gb.find_submission_notebook(LAB, LAB, s).late_submission_penalty for s in SUBMITTED}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The term above, run once; each step's exports and gradebook readings."""
    from nbgrader.api import Gradebook

    root = make_course(tmp_path_factory.mktemp("late-course"), lab_notebook(), release_directory="release")
    policy = root / "deadlines.toml"
    policy.write_text(POLICY)
    for student, stamp in SUBMITTED.items():
        _submit(root, student, MEMO, stamp)
    db = grading.gradebook_url(root)
    steps: dict = {"root": root, "db": db}
    silent = dict(timeout=60, student_timeout=600, echo=lambda *a: None)

    # 1. grade and export
    steps["run1"] = {r.student: r for r in grading.grade_lab(LAB, root, **silent)}
    steps["graded"] = _export(root, "graded")
    feedback = root / "feedback" / "late" / LAB / f"{LAB}.html"
    steps["feedback1"] = feedback.read_text(encoding="utf-8")

    # 2. hand-grade both memos, as the formgrader does
    with Gradebook(db) as gb:
        for student in SUBMITTED:
            grade = gb.find_grade("memo", LAB, LAB, student)
            grade.manual_score, grade.needs_manual_grade = 3.0, False
            gb.find_comment("memo", LAB, LAB, student).manual_comment = COMMENT
        gb.db.commit()
    steps["handgraded"] = _export(root, "handgraded")

    # 3. an extension for the late student
    policy.write_text(POLICY + EXTENSION)
    steps["extended"] = _export(root, "extended")
    steps["extended_penalties"] = _penalties(db)

    # 4. the on-time student resubmits a changed memo (still on time); regrade both
    _submit(root, "ontime", MEMO + " And the face builds trust.", "2026-03-01 10:30:00.000000 UTC")
    steps["run2"] = {r.student: r for r in grading.grade_lab(LAB, root, **silent)}
    steps["memos"] = {s: _memo(db, s) for s in SUBMITTED}
    steps["feedback2"] = feedback.read_text(encoding="utf-8")
    steps["regraded"] = _export(root, "regraded")

    # 5. a broken policy: refused before anything is graded or written
    before = (steps["regraded"]["folder"] / "grades.csv").read_bytes()
    policy.write_text(POLICY.replace("deduct_percent = 10", "deduct_percent = -10") + EXTENSION)
    steps["bad_export"] = grading.main([LAB, "--course-dir", str(root), "--summary-only",
                                        "--output-dir", str(steps["regraded"]["folder"])])
    steps["bad_export_unchanged"] = (steps["regraded"]["folder"] / "grades.csv").read_bytes() == before
    try:
        grading.grade_lab(LAB, root, **silent)
        steps["bad_grade"] = None
    except DeadlinePolicyError as err:
        steps["bad_grade"] = str(err)
    steps["bad_penalties"] = _penalties(db)
    return steps


def test_both_submissions_are_graded(term):
    for run in ("run1", "run2"):
        for student, res in term[run].items():
            assert res.status == "graded", f"{run} {student}: {res.note}\n{res.log[-2000:]}"


def test_a_late_submission_is_flagged_and_penalised_in_grades_csv(term):
    grades = term["graded"]["grades"]
    late, ontime = grades.loc["late"], grades.loc["ontime"]
    assert (late["late"], late["hours_late"], late["due_used"]) == ("yes", 36.0, "2026-03-01T11:00:00+00:00")
    assert late["raw_score"] == 2.0  # the memo is not graded yet
    assert late["late_submission_penalty"] == pytest.approx(0.4)  # 2 started days x 10 %
    assert late["score"] == pytest.approx(1.6)
    assert (ontime["late"], ontime["hours_late"], ontime["late_submission_penalty"]) == ("no", 0.0, 0.0)
    assert ontime["score"] == 2.0


def test_canvas_gets_the_score_after_the_penalty_and_a_lateness_column_it_skips(term):
    canvas = term["graded"]["canvas"].set_index("SIS Login ID")
    lateness = f"{LAB}: lateness"
    assert list(term["graded"]["canvas"].columns)[-2:] == [LAB, lateness]
    points = term["graded"]["canvas"].iloc[0]
    assert points["Student"] == "Points Possible" and points[lateness] == "(read only)"
    assert canvas.loc["late", LAB] == "1.6" and canvas.loc["ontime", LAB] == "2"
    assert canvas.loc["late", lateness].startswith("late by 1 d 12 h, -0.4 points (due 2026-03-01 11:00 UTC")
    assert canvas.loc["ontime", lateness].startswith("on time")


def test_the_summary_counts_late_submissions(term):
    # of the scores each row averages: the memo waits for its hand grade at first
    assert term["graded"]["summary"]["late"].to_dict() == {"test_x": 1, "memo": 0}
    assert term["handgraded"]["summary"]["late"].to_dict() == {"test_x": 1, "memo": 1}
    assert term["extended"]["summary"]["late"].to_dict() == {"test_x": 0, "memo": 0}


def test_feedback_shows_the_penalty_until_the_extension(term):
    assert "Late submission penalty (Score: -0.4)" in term["feedback1"]
    assert "Late submission penalty" not in term["feedback2"]


def test_the_penalty_follows_hand_grades(term):
    late = term["handgraded"]["grades"].loc["late"]
    assert late["raw_score"] == 5.0
    assert late["late_submission_penalty"] == pytest.approx(1.0) and late["score"] == pytest.approx(4.0)


def test_an_extension_removes_the_penalty_on_the_next_export(term):
    # nbgrader #723: a penalty must not outlive the lateness
    late = term["extended"]["grades"].loc["late"]
    assert (late["late"], late["hours_late"], late["extension_hours"]) == ("no", 0.0, 48.0)
    assert late["due_used"] == "2026-03-03T11:00:00+00:00"
    assert late["late_submission_penalty"] == 0.0 and late["score"] == 5.0
    assert term["extended_penalties"] == {"ontime": None, "late": None}
    canvas = term["extended"]["canvas"].set_index("SIS Login ID")
    assert canvas.loc["late", LAB] == "5"
    assert canvas.loc["late", f"{LAB}: lateness"].startswith("on time") and "extended" in canvas.loc[
        "late", f"{LAB}: lateness"]


def test_a_regrade_keeps_an_unchanged_hand_grade(term):
    score, needs_manual, comment = term["memos"]["late"]
    assert (score, needs_manual, comment) == (3.0, False, COMMENT)
    late = term["regraded"]["grades"].loc["late"]
    assert late["score"] == 5.0 and late["late_submission_penalty"] == 0.0  # the extension holds
    assert term["regraded"]["summary"].loc["memo", "needs_manual"] == 0  # kept: counted as graded


def test_a_regrade_asks_again_for_a_changed_answer_and_keeps_its_old_grade(term):
    score, needs_manual, comment = term["memos"]["ontime"]
    assert (score, needs_manual, comment) == (3.0, True, COMMENT)


def test_a_bad_policy_changes_nothing(term):
    assert term["bad_export"] == 3 and term["bad_export_unchanged"]
    assert term["bad_grade"] is not None and "late.deduct_percent" in term["bad_grade"]
    assert "cannot be negative" in term["bad_grade"]
    assert term["bad_penalties"] == {"ontime": None, "late": None}
