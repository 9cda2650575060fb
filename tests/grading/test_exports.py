"""Exports that lose nothing: the configured gradebook, no stray SQLite file, old files kept on failure.

``python -m reciprocity.grading LAB --summary-only`` refreshes grades.csv,
canvas.csv and the summary from the gradebook. It reads the gradebook the
course's ``nbgrader_config.py`` names (PostgreSQL on the hub), never creates
one, writes every file to a temporary file first and replaces the old files
only when all are complete. The gradebooks here are built with nbgrader's
API (no grading needed); the PostgreSQL server is the one
``tests/grading/test_postgres.py`` starts.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reciprocity import grading
from reciprocity.grading.gradebook import enrol_students, pending_manual_grades
from reciprocity.grading.pool import changed_students
from tests.grading.test_postgres import postgres  # noqa: F401 (the module's PostgreSQL server)
from tests.support.common import ROOT
from tests.support.nbgrader_course import LAB, lab_notebook, make_course, write_submission

ROSTER = {"ann": {"first_name": "Ann", "last_name": "Lee"},
          "zoe": {"first_name": "Zoë", "last_name": "Ødegård"},  # never submits
          "kim": {}}  # no name given: listed under the id
REPORT_FILES = ("grades.csv", "canvas.csv", "summary.csv", "summary.png",
                "items.csv", "insights.csv", "items.html")  # the last three: the item report


def _course(folder: Path, config_extra: str = "") -> Path:
    """A course holding LAB in its gradebook (nbgrader generate_assignment), nothing graded yet."""
    return make_course(folder, lab_notebook(mark_scheme=True), config_extra=config_extra, timeout=300)


def _submit(db_url: str, student: str, auto: float, manual: float | None) -> None:
    """A graded submission written straight into the gradebook, as autograde would leave it."""
    write_submission(db_url, student, {"test_x": auto, "memo": manual})


def _export(course: Path, capsys, *extra: str) -> tuple[int, str]:
    code = grading.main([LAB, "--course-dir", str(course), "--summary-only", *extra])
    return code, capsys.readouterr().err


@pytest.fixture()
def sqlite_course(tmp_path):
    course = _course(tmp_path / "course")
    url = grading.gradebook_url(course)
    enrol_students(url, "", ROSTER)
    _submit(url, "ann", 2, 3)
    return course


def test_export_lists_every_enrolled_student_with_names(sqlite_course, capsys):
    code, err = _export(sqlite_course, capsys)
    assert code == 0, err
    out = sqlite_course / "reports" / LAB
    grades = pd.read_csv(out / "grades.csv", dtype=str, keep_default_na=False).set_index("student_id")
    assert grades.loc["ann", "score"] == "5.0"
    assert grades.loc["zoe", ["first_name", "last_name", "score"]].tolist() == ["Zoë", "Ødegård", "0.0"]
    assert grades.loc["kim", "last_name"] == "kim"  # never "None"
    canvas = pd.read_csv(out / "canvas.csv", dtype=str, keep_default_na=False).set_index("SIS Login ID")
    assert canvas.loc["zoe", "Student"] == "Ødegård, Zoë"
    assert canvas.loc["zoe", LAB] == ""  # no submission: no grade in Canvas, as the guide says
    assert canvas.loc["ann", LAB] == "5"
    assert "None" not in (out / "canvas.csv").read_text()


def test_gradebook_failing_mid_export_keeps_the_old_files_byte_for_byte(sqlite_course, capsys,
                                                                        monkeypatch):
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import OperationalError

    assert _export(sqlite_course, capsys)[0] == 0
    out = sqlite_course / "reports" / LAB
    before = {name: (out / name).read_bytes() for name in REPORT_FILES}
    _submit(grading.gradebook_url(sqlite_course), "kim", 2, None)  # the new export would differ

    def lost_connection(self, *args, **kwargs):
        raise OperationalError("SELECT ...", {}, Exception("server closed the connection"))

    # grades.csv is complete by now (nbgrader's export ran); canvas.csv fails half way
    monkeypatch.setattr(Gradebook, "find_submission", lost_connection)
    code, err = _export(sqlite_course, capsys)
    assert code == 3
    assert "server closed the connection" in err and "are unchanged" in err
    assert {name: (out / name).read_bytes() for name in REPORT_FILES} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORT_FILES)  # no temporary files left


def test_export_without_a_gradebook_creates_none_and_keeps_old_files(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "reports" / LAB).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    old = b"assignment,student_id,score\nprobe,ann,5.0\n"
    (course / "reports" / LAB / "grades.csv").write_bytes(old)
    code, err = _export(course, capsys)
    assert code == 3
    assert "there is no gradebook at" in err and "--db" in err
    assert not (course / "gradebook.db").exists()
    assert (course / "reports" / LAB / "grades.csv").read_bytes() == old


def test_pending_hand_grades_are_listed_until_graded(sqlite_course):
    from nbgrader.api import Gradebook

    url = grading.gradebook_url(sqlite_course)
    _submit(url, "kim", 2, None)
    (pending,) = pending_manual_grades(url, LAB)
    assert (pending.student, pending.notebook, pending.cell) == ("kim", LAB, "memo")
    with Gradebook(url) as gb:  # what the formgrader does when a grader scores the memo
        grade = gb.find_grade("memo", LAB, LAB, "kim")
        grade.manual_score, grade.needs_manual_grade = 1, False
        gb.db.commit()
    assert pending_manual_grades(url, LAB) == []


def test_only_new_and_changed_submissions_are_regraded(sqlite_course):
    url = grading.gradebook_url(sqlite_course)
    _submit(url, "kim", 2, None)
    for student, stamp in (("ann", "2026-12-01 12:00:00.000000 UTC"),   # graded as it is
                           ("kim", "2026-12-02 09:30:00.000000 UTC"),   # submitted again
                           ("zoe", "2026-12-02 10:00:00.000000 UTC")):  # new
        for step in ("submitted", "autograded"):
            folder = sqlite_course / step / student / LAB
            folder.mkdir(parents=True)
            (folder / f"{LAB}.ipynb").write_text("{}")
            (folder / "timestamp.txt").write_text(stamp)
    assert changed_students(LAB, sqlite_course) == ["kim", "zoe"]
    (sqlite_course / "autograded" / "ann" / LAB / f"{LAB}.ipynb").unlink()  # its last run failed
    assert changed_students(LAB, sqlite_course) == ["ann", "kim", "zoe"]
    assert changed_students(LAB, sqlite_course, only=["zoe"]) == ["zoe"]


def test_export_reads_the_configured_postgresql_gradebook(postgres, tmp_path, capsys):  # noqa: F811
    import psycopg

    server = postgres.split("host=", 1)[1]
    with psycopg.connect(f"host={server} user=grader dbname=postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE exports")
    url = f"postgresql://grader@/exports?host={server}"
    course = _course(tmp_path / "pg-course", f'c.CourseDirectory.course_id = "pgcourse"\n'
                                             f'c.CourseDirectory.db_url = "{url}"\n')
    assert grading.gradebook_url(course) == url
    enrol_students(url, "pgcourse", ROSTER)
    _submit(url, "ann", 2, 1)
    code, err = _export(course, capsys)  # no --db: the course's own gradebook
    assert code == 0, err
    grades = pd.read_csv(course / "reports" / LAB / "grades.csv", dtype=str,
                         keep_default_na=False).set_index("student_id")
    assert grades["score"].to_dict() == {"ann": "3.0", "kim": "0.0", "zoe": "0.0"}
    assert not (course / "gradebook.db").exists()
