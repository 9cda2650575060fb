"""The Canvas gradebook CSV, checked against golden files.

Canvas' gradebook import reads ``Student, ID, SIS User ID, SIS Login ID,
Section`` and one column per assignment named ``"Title (assignment id)"``;
the golden files hold what Canvas should receive for a small gradebook built
with nbgrader's API (no grading needed).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from reciprocity import grading

FIXTURES = Path(__file__).parents[1] / "fixtures" / "canvas"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    import warnings

    from nbgrader.api import Gradebook

    tmp_path = tmp_path_factory.mktemp("canvas")
    with warnings.catch_warnings(), Gradebook(grading.gradebook_url(tmp_path)) as gb:
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; not ours to fix
        warnings.simplefilter("ignore")
        gb.add_assignment("outreach")
        gb.add_notebook("outreach", "outreach")
        gb.add_grade_cell("test_rates", "outreach", "outreach", max_score=20, cell_type="code")
        gb.add_grade_cell("design_memo", "outreach", "outreach", max_score=12,
                          cell_type="markdown")
        gb.add_student("ann", first_name="Ann", last_name="Lee", lms_user_id="101")
        gb.add_student("bo", first_name="Bo", last_name="Diaz")
        gb.add_student("cy")
        for student, auto, manual in (("ann", 17.5, 10), ("cy", 4, 0)):
            gb.add_submission("outreach", student)
            gb.find_grade("test_rates", "outreach", "outreach", student).auto_score = auto
            gb.find_grade("design_memo", "outreach", "outreach", student).manual_score = manual
        gb.db.commit()
    return tmp_path


def test_canvas_export_matches_the_golden_file(course, tmp_path):
    out = grading.export_canvas("outreach", course, tmp_path / "canvas.csv",
                                title="Lab 1: Outreach", assignment_id=4711)
    assert out.read_text() == (FIXTURES / "outreach.csv").read_text()


def test_canvas_export_fills_a_roster_exported_from_canvas(course, tmp_path):
    out = grading.export_canvas("outreach", course, tmp_path / "canvas.csv",
                                title="Lab 1: Outreach", assignment_id=4711,
                                roster=FIXTURES / "roster.csv")
    assert out.read_text() == (FIXTURES / "outreach-roster.csv").read_text()


def test_canvas_export_refuses_a_roster_that_misses_a_graded_student(course, tmp_path):
    roster = tmp_path / "short.csv"
    lines = (FIXTURES / "roster.csv").read_text().splitlines()
    roster.write_text("\n".join(line for line in lines if ",cy," not in line) + "\n")
    with pytest.raises(ValueError, match=r"not on the Canvas roster.*cy"):
        grading.export_canvas("outreach", course, tmp_path / "out.csv", roster=roster)


def test_canvas_assignment_without_an_id_is_named_by_title_alone(course, tmp_path):
    out = grading.export_canvas("outreach", course, tmp_path / "canvas.csv")
    assert out.read_text().splitlines()[0] == "Student,ID,SIS User ID,SIS Login ID,Section,outreach"
