"""The gradebook: its URL, a lab's place in it, a student's score, and PostgreSQL's programs.

The gradebook is nbgrader's: SQLite (``gradebook.db`` in the course) or
PostgreSQL (``--db postgresql://...``). Parallel workers share it; SQLite
URLs get a lock timeout so that they wait for each other's short writes.
"""
from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import nbgrader_cli
from .course import Course

__all__ = ["SQLITE_LOCK_TIMEOUT", "gradebook_url", "ensure_assignment", "submission_score", "pg_bin"]

# seconds a writer waits for SQLite's lock while other workers write (the default is 5)
SQLITE_LOCK_TIMEOUT = 120


def _alembic_on_path() -> None:
    """nbgrader 0.9 runs the ``alembic`` command (from PATH) when it creates a gradebook:
    let this process and the nbgrader processes it starts find the one beside this Python."""
    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(filter(None, [bindir, path]))


def gradebook_url(course_dir: str | Path, db_url: str | None = None) -> str:
    """The gradebook URL used for ``course_dir``: ``db_url``, or the course's SQLite file.

    SQLite URLs get a lock timeout of ``SQLITE_LOCK_TIMEOUT`` seconds (unless
    they set one), so that parallel workers wait for each other's short writes
    instead of failing with "database is locked".
    """
    _alembic_on_path()
    db = db_url or f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"
    if db.startswith("sqlite:") and "timeout=" not in db:
        db += ("&" if "?" in db else "?") + f"timeout={SQLITE_LOCK_TIMEOUT}"
    return db


def submission_score(db_url: str, lab: str, student: str) -> tuple[float, float] | None:
    """(score, maximum) of ``student``'s submission of ``lab``; None if the gradebook has none."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None
        return float(sub.score), float(sub.max_score)


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
