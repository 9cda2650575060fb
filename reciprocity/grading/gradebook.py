"""The gradebook: its URL, a lab's place in it, the roster, scores, pending hand grades, PostgreSQL.

The gradebook is nbgrader's: the course's ``c.CourseDirectory.db_url``
(SQLite, ``gradebook.db`` in the course, unless the configuration names
another, such as PostgreSQL on the hub) or the URL given on the command line.
Parallel workers share it; SQLite URLs get a lock timeout so that they wait
for each other's short writes. Reading a gradebook (exports) never creates
one: ``existing_gradebook`` refuses a SQLite file that is not there.
``wait_for`` waits for a database that stopped answering (a server restart)
before the grading command grades a student again; ``submission_state`` and
``restore_submission`` put back what a grading run that failed half way
(a full disk) had written of a student's submission.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import nbgrader_cli
from .course import Course

__all__ = ["SQLITE_LOCK_TIMEOUT", "GradebookUnavailable", "PendingGrade", "gradebook_url",
           "existing_gradebook", "ensure_assignment", "submission_score", "graded_timestamps",
           "pending_manual_grades", "enrol_students", "pg_bin", "sqlite_file", "wait_for",
           "DATABASE_WAIT", "submission_state", "restore_submission"]

# seconds a writer waits for SQLite's lock while other workers write (the default is 5)
SQLITE_LOCK_TIMEOUT = 120
# seconds the grading command waits for a gradebook that stopped answering (a database restart)
DATABASE_WAIT = 120


def _alembic_on_path() -> None:
    """nbgrader 0.9 runs the ``alembic`` command (from PATH) when it creates a gradebook:
    let this process and the nbgrader processes it starts find the one beside this Python."""
    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(filter(None, [bindir, path]))


class GradebookUnavailable(RuntimeError):
    """The gradebook cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class PendingGrade:
    """An answer that waits for a hand grade: whose, in which notebook, which cell."""

    student: str
    notebook: str
    cell: str
    submission_notebook_id: str  # the formgrader's page for it: formgrader/submission/<id>


def gradebook_url(course_dir: str | Path, db_url: str | None = None) -> str:
    """The gradebook URL used for ``course_dir``: ``db_url``, else the course's configured one.

    The configured URL is nbgrader's answer for the course
    (``c.CourseDirectory.db_url`` in its ``nbgrader_config.py``, by default
    ``sqlite:///COURSE_DIR/gradebook.db``). SQLite URLs get a lock timeout of
    ``SQLITE_LOCK_TIMEOUT`` seconds (unless they set one), so that parallel
    workers wait for each other's short writes instead of failing with
    "database is locked".
    """
    _alembic_on_path()
    db = db_url or Course.load(course_dir).coursedir.db_url
    if db.startswith("sqlite:") and "timeout=" not in db:
        db += ("&" if "?" in db else "?") + f"timeout={SQLITE_LOCK_TIMEOUT}"
    return db


def sqlite_file(db_url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    if not db_url.startswith("sqlite:"):
        return None
    path = db_url.split("///", 1)[1].split("?", 1)[0] if "///" in db_url else ""
    return Path(path) if path and path != ":memory:" else None


def existing_gradebook(db_url: str, lab: str | None = None) -> str:
    """``db_url`` if it names a gradebook that exists (and holds ``lab``); else ``GradebookUnavailable``.

    Opening a SQLite URL creates the file, so a mistyped course folder or a
    missing ``--db`` would leave a new, empty gradebook behind and export
    nothing. Readers call this first: it refuses a missing SQLite file, a
    database it cannot reach, and a gradebook without the lab, each with
    the fix.
    """
    from nbgrader.api import Gradebook, MissingEntry

    shown = _redacted(db_url)
    file = sqlite_file(db_url)
    if file is not None and not file.is_file():
        raise GradebookUnavailable(
            f"there is no gradebook at {file}. Grade the lab first (python -m "
            "reciprocity.grading LAB), or point at the course's gradebook: run from the course "
            "folder (--course-dir), set c.CourseDirectory.db_url in its nbgrader_config.py, or "
            "give --db URL.")
    try:
        with Gradebook(db_url) as gb:
            if lab is not None:
                gb.find_assignment(lab)
    except MissingEntry:
        raise GradebookUnavailable(
            f"the gradebook {shown} has no lab {lab!r}: grade it first, or check that this is "
            "the course's gradebook (c.CourseDirectory.db_url, or --db)") from None
    except Exception as err:  # sqlalchemy's errors: server down, no permission, bad URL
        raise GradebookUnavailable(
            f"cannot open the gradebook {shown}: {type(err).__name__}: {str(err).splitlines()[0]}. "
            "Check that the database server is running and that this account may connect "
            "(on the hub: the course's grader account, or root)") from err
    return db_url


def wait_for(db_url: str, seconds: float = DATABASE_WAIT, poll: float = 0.5) -> bool:
    """Wait until the gradebook's database accepts a connection again; False after ``seconds``.

    For a PostgreSQL gradebook whose server restarts: each try opens a new
    connection (nbgrader's gradebooks keep none between uses).
    """
    import sqlalchemy

    deadline = time.monotonic() + seconds
    while True:
        engine = sqlalchemy.create_engine(db_url)
        try:
            with engine.connect() as conn:
                conn.execute(sqlalchemy.text("SELECT 1"))
            return True
        except sqlalchemy.exc.SQLAlchemyError:
            if time.monotonic() >= deadline:
                return False
        finally:
            engine.dispose()
        time.sleep(poll)


def _redacted(db_url: str) -> str:
    """The URL without a password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", db_url)


def submission_score(db_url: str, lab: str, student: str) -> tuple[float, float] | None:
    """(score, maximum) of ``student``'s submission of ``lab``; None if the gradebook has none."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None
        return float(sub.score), float(sub.max_score)


def submission_state(db_url: str, lab: str, student: str) -> dict | None:
    """What autograding changes in the student's submission of ``lab``, as it is now (None: none).

    The submission time, and per notebook the late penalty and every cell's
    automatic score, "needs manual grade" flag and automatic comment (hand
    grades and comments are never changed by autograding).
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None
        return {"timestamp": sub.timestamp, "notebooks": {
            nb.name: {"late_submission_penalty": nb.late_submission_penalty,
                      "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                      "comments": {c.name: c.auto_comment for c in nb.comments}}
            for nb in sub.notebooks}}


def restore_submission(db_url: str, lab: str, student: str, state: dict | None) -> None:
    """Put the student's submission of ``lab`` back as ``submission_state`` read it.

    nbgrader records the submission when it starts grading and saves the
    grades one cell at a time, so a run that fails half way leaves some of
    them written. With ``state`` None (there was no submission) the
    submission is removed; otherwise its fields are set back in one commit.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return
        if state is None:
            gb.remove_submission(lab, student)
            return
        sub.timestamp = state["timestamp"]
        for nb in sub.notebooks:
            saved = state["notebooks"].get(nb.name)
            if saved is None:
                continue
            nb.late_submission_penalty = saved["late_submission_penalty"]
            for grade in nb.grades:
                if grade.name in saved["grades"]:
                    grade.auto_score, grade.needs_manual_grade = saved["grades"][grade.name]
            for comment in nb.comments:
                if comment.name in saved["comments"]:
                    comment.auto_comment = saved["comments"][comment.name]
        gb.db.commit()


def graded_timestamps(db_url: str, lab: str) -> dict[str, datetime | None]:
    """Student id -> the submission time the gradebook holds for ``lab`` (what was graded)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return {}
        return {sub.student_id: sub.timestamp for sub in assignment.submissions}


def pending_manual_grades(db_url: str, lab: str) -> list[PendingGrade]:
    """Every answer of ``lab`` that still needs a hand grade, by student, notebook and cell.

    nbgrader marks a written answer "needs manual grade" when autograding it,
    and clears the mark when a grader scores it in the formgrader. Feedback
    generated while any mark remains would show those answers without their
    score or comment.
    """
    from nbgrader.api import Gradebook, MissingEntry

    pending = []
    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return []
        for sub in sorted(assignment.submissions, key=lambda s: s.student_id):
            for nb in sorted(sub.notebooks, key=lambda n: n.name):
                for grade in sorted(nb.grades, key=lambda g: g.name):
                    if grade.needs_manual_grade:
                        pending.append(PendingGrade(sub.student_id, nb.name, grade.name, nb.id))
    return pending


def enrol_students(db_url: str, course_id: str, students: Mapping[str, Mapping[str, str]] | Iterable[str]
                   ) -> int:
    """Add every student (id -> ``first_name``, ``last_name``, ``email``, ``lms_user_id``) to the gradebook.

    Students already there get the names given; a student given without a
    name keeps the one the gradebook has, or is listed under their id (last
    name), so that no list shows "None, None". Students who never submit then
    appear in the formgrader and in every export (0 in grades.csv, an empty
    cell in canvas.csv). Returns the number of students written.

    Example
    -------
    >>> enrol_students("sqlite:///gradebook.db", "course", {"ann": {"first_name": "Ann",
    ...                "last_name": "Lee"}})                  # doctest: +SKIP
    1
    """
    from nbgrader.api import Gradebook

    _alembic_on_path()  # a new gradebook is stamped with its schema version by alembic
    fields = ("first_name", "last_name", "email", "lms_user_id")
    people = students if isinstance(students, Mapping) else {sid: {} for sid in students}
    with Gradebook(db_url, course_id=course_id or "default_course") as gb:
        for sid, info in sorted(people.items()):
            given = {k: str(v) for k, v in (info or {}).items() if k in fields and v not in (None, "")}
            if not (given.get("first_name") or given.get("last_name")) and not _has_name(gb, sid):
                given.update(first_name="", last_name=sid)
            gb.update_or_create_student(sid, **given)
    return len(people)


def _has_name(gb, student: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        known = gb.find_student(student)
    except MissingEntry:
        return False
    return bool(known.first_name or known.last_name)


def ensure_assignment(course: Course, lab: str, db_url: str, timeout: float) -> str:
    """Put the lab in the gradebook if it is missing (releasing to a scratch folder); what was done."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            if gb.find_assignment(lab).notebooks:
                return ""
        except MissingEntry:
            pass
    extra = []
    if not db_url.startswith("sqlite") and not course.course_id:
        # nbgrader files assignments under the course id; PostgreSQL, unlike SQLite, enforces
        # that the course exists, and nbgrader only creates it for a non-empty id
        extra = ["--CourseDirectory.course_id=default_course"]
    with tempfile.TemporaryDirectory(prefix=f"release-{lab}-") as scratch:
        code, out = nbgrader_cli.run(["generate_assignment", lab, "--force",
                                      f"--CourseDirectory.release_directory={scratch}",
                                      f"--db={db_url}", *extra], course.root, timeout)
    if code != 0:
        raise RuntimeError(f"could not add {lab!r} to the gradebook:\n{out}")
    return f"added {lab} to the gradebook (generate_assignment into a scratch folder)"


def pg_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``), newest version; None if absent."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None
