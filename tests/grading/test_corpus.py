"""A fixed slice of the adversarial corpus, graded in one real batch with honest students (slow).

One course (the ``trials`` lab, the cheapest real one), with canaries planted
where no submission may reach: a comment in a model answer of the answer key
(``solutions/``), a file in an honest student's submitted folder, a student's
name in the gradebook and a file in the course's root. Four honest students,
one per base of the corpus (``tests.support.corpus``), are graded first on
their own; then ``SLICE`` corpus submissions and three honest twins are
graded together by ``grade_lab``: the real sandbox, real nbgrader, two jobs,
a low cell time limit so that endless loops cost little. Then:

* the batch finishes with a result for every student (no abort);
* every corpus submission is graded or flagged with a reason, and every one
  that is not a notebook is flagged;
* no canary appears in any graded notebook, feedback page, log or note, and
  none but the gradebook's own in the gradebook (no escape);
* each honest twin scores what its base scored alone;
* no score exceeds what the cells earned: no grade above the cell's points in
  the answer key, no points for a test cell that raised, the submission's
  score the sum of its grades, never above its base's score alone (0 for
  anything built on the blank release: hostile code included);
* a control grades one reading attack without the sandbox: the canaries and
  the answer key's points reach it (the checks above can fail).

A property test then draws submissions with hypothesis and checks that the
intake flags exactly those that nbgrader's own autograde (run without
executing anything) cannot grade, except notebooks over the size limit
(``Limits.notebook``), which nbgrader would read and the intake refuses.

Run with an interpreter ``nobody`` can reach: ``/opt/rvenv/bin/python -m pytest``.
"""
from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from reciprocity import grading
from reciprocity.grading import gradebook, intake
from reciprocity.grading.course import Course
from tests.support import corpus
from tests.support.common import release_lab

pytestmark = pytest.mark.slow

LAB = corpus.LAB
SLICE = 200
CELL_TIMEOUT = 15  # seconds a cell may run: the slowest honest cell takes under 2 alone, 10x margin for load
STUDENT_TIMEOUT = 300  # only a run that outlasts its cell limits meets it: no cost when all is well
HONEST = ("full", "partial-a", "partial-b")  # twins graded inside the batch


def _grade(course: Path, students: list[str], **kw) -> dict[str, grading.StudentResult]:
    options = dict(timeout=CELL_TIMEOUT, student_timeout=STUDENT_TIMEOUT, jobs=2, echo=lambda *a: None)
    return {r.student: r for r in grading.grade_lab(LAB, course, students=students, **{**options, **kw})}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("corpus-course")
    release_lab(course, LAB)
    targets, canaries = corpus.plant_canaries(course, LAB)
    lab = corpus.Lab.load(LAB)
    for base in corpus.BASES:
        corpus.build(lab, base, [], 0, student=f"alone-{base}").write(course, LAB)
    for base in HONEST:
        corpus.build(lab, base, [], 0, student=f"honest-{base}").write(course, LAB)
    alone = _grade(course, [f"alone-{base}" for base in corpus.BASES], feedback=False)
    submissions = corpus.corpus(SLICE, lab, targets)
    for sub in submissions:
        sub.write(course, LAB)
    students = [s.student for s in submissions] + [f"honest-{base}" for base in HONEST]
    results = _grade(course, students)
    return {"course": course, "lab": lab, "alone": alone, "results": results, "targets": targets,
            "canaries": canaries, "submissions": {s.student: s for s in submissions}}


def test_the_batch_finishes_with_a_result_for_everyone(batch):
    assert len(batch["results"]) == SLICE + len(HONEST)
    assert all(r.status in ("graded", "flagged", "failed") for r in batch["results"].values())


def test_every_corpus_submission_is_graded_or_flagged_with_a_reason(batch):
    outcomes = {}
    for student, sub in batch["submissions"].items():
        res = batch["results"][student]
        assert res.status in ("graded", "flagged"), f"{student} ({sub.label}): {res.status}: {res.note}"
        if res.status == "flagged":
            assert res.note and any(w in res.note for w in ("ask the student", "regrade")), res.note
        if set(sub.mutations) & set(corpus.FILE_MUTATIONS):
            assert res.status == "flagged", f"{student} ({sub.label}) is no notebook but was graded"
        outcomes[res.status] = outcomes.get(res.status, 0) + 1
    # the slice exercises both ways out
    assert outcomes.get("graded", 0) >= SLICE // 4 and outcomes.get("flagged", 0) >= SLICE // 4, outcomes


def test_flagged_students_are_on_the_roster_with_no_grade(batch):
    from nbgrader.api import Gradebook, MissingEntry

    flagged = [s for s, r in batch["results"].items() if r.status == "flagged"]
    with Gradebook(gradebook.gradebook_url(batch["course"])) as gb:
        for student in flagged:
            gb.find_student(student)
            res = batch["results"][student]
            assert res.score is None
            if "limit" in res.note or res.note.startswith("its "):
                continue  # nbgrader began: it keeps the submission it started, as for any failure
            with pytest.raises(MissingEntry):
                gb.find_submission(LAB, student)


def test_no_canary_escapes_the_sandbox(batch):
    course = batch["course"]
    results = batch["results"]
    assert corpus.leaks(course, results, batch["canaries"]) == []
    readers = [s for s, sub in batch["submissions"].items() if "read_other_folders" in sub.mutations
               and results[s].status == "graded"]
    assert readers, "the slice must hold reading attacks that were graded"
    for student, res in results.items():  # every graded student's feedback was scanned too
        if res.status != "graded":
            continue
        pages = list((course / "feedback" / student / LAB).glob("*.html"))
        sub = batch["submissions"].get(student)
        assert pages or ("feedback failed" in res.note and "fake_hidden_markers" in sub.mutations), student
    gradebook_bytes = (course / "gradebook.db").read_bytes()
    for place in ("source", "student", "course"):
        assert batch["canaries"][place].encode() not in gradebook_bytes, place


def test_honest_students_score_in_the_batch_what_they_scored_alone(batch):
    alone, results = batch["alone"], batch["results"]
    for base in corpus.BASES:
        assert alone[f"alone-{base}"].status == "graded", alone[f"alone-{base}"].note
    assert alone["alone-blank"].score == 0
    assert alone["alone-full"].score > alone["alone-partial-a"].score > 0
    for base in HONEST:
        twin = results[f"honest-{base}"]
        assert twin.status == "graded", twin.note
        assert twin.score == alone[f"alone-{base}"].score, base


def test_no_score_exceeds_what_its_cells_earned(batch):
    results, alone = batch["results"], batch["alone"]
    graded = [s for s in batch["submissions"] if results[s].status == "graded"]
    assert graded
    ceilings = {base: alone[f"alone-{base}"].score for base in corpus.BASES}
    assert corpus.excess(batch["course"], batch["lab"], results, batch["submissions"], ceilings,
                         gradebook.gradebook_url(batch["course"])) == []


def test_the_attacks_are_real_without_the_sandbox(batch):
    """Control: one reading attack graded without the sandbox reads every canary and gets the key's points."""
    course = batch["course"]
    attack = corpus.build(batch["lab"], "blank", ["read_other_folders"], 7, batch["targets"], student="control")
    attack.write(course, LAB)
    res = _grade(course, ["control"], sandbox=False, feedback=False, jobs=1)["control"]
    assert res.status == "graded", res.note
    assert res.score > 0  # the answer key was read and run: the blank bound would catch it
    ceilings = {base: batch["alone"][f"alone-{base}"].score for base in corpus.BASES}
    assert corpus.excess(course, batch["lab"], {"control": res}, {"control": attack}, ceilings,
                         gradebook.gradebook_url(course))
    leaks = corpus.leaks(course, {"control": res}, batch["canaries"])
    for place in batch["canaries"]:
        assert any(leak.startswith(f"{place} in autograded/control/") for leak in leaks), (place, leaks)


# --------------------------------------------------------------------------- intake agrees with nbgrader
@pytest.fixture(scope="module")
def dry_course(tmp_path_factory):
    """A course whose nbgrader autograde runs everything but the student's code."""
    from traitlets.config import Config

    root = tmp_path_factory.mktemp("dry-course")
    release_lab(root, LAB)
    db = gradebook.gradebook_url(root)
    gradebook.ensure_assignment(Course.load(root), LAB, db, 300)
    cfg = Config()
    cfg.CourseDirectory.db_url = db
    cfg.Autograde.autograde_preprocessors = [  # nbgrader's list without Execute
        "nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
    course = Course.load(root, cfg)
    course.app.log.setLevel(logging.CRITICAL)
    return course, db, itertools.count()


def _nbgrader_grades(course: Course, student: str) -> bool:
    from nbgrader.converters import Autograde, NbGraderException

    course.coursedir.assignment_id = LAB
    course.coursedir.student_id = student
    converter = Autograde(coursedir=course.coursedir, parent=course.app)
    converter.force = True
    try:
        converter.start()
    except NbGraderException:
        return False
    return True


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(sub=corpus.submissions(corpus.Lab.load(LAB)))
def test_the_intake_flags_exactly_what_nbgrader_cannot_grade(dry_course, sub):
    course, db, numbers = dry_course
    student = f"h{next(numbers)}"
    folder = course.folder("submitted", student, LAB)
    folder.mkdir(parents=True)
    (folder / f"{LAB}.ipynb").write_bytes(sub.content)
    reason = intake.submission_problem(folder, course=course, lab=LAB, db_url=db)
    if "too_large" in sub.mutations:  # a policy, not nbgrader's limit: nbgrader would read it
        assert "over the 20 MB" in reason, reason
        return
    assert (reason == "") == _nbgrader_grades(course, student), f"{sub.label}: {reason or 'admitted'}"
