"""Each student's last grading run, recorded beside the course: started, done or failed; one run at a time.

Why a record of our own: nbgrader writes the submission time into the
gradebook when it *starts* grading a student, the grades one cell at a time
as it saves them, and an unexecuted copy of the notebook into ``autograded/``
before it runs it. A run killed half way (an operator, a full disk, a lost
database) therefore leaves a submission time, some grades and a graded
notebook that look like a finished grading.

So the grading worker keeps a record per student and lab,
``COURSE/grading-runs/LAB/STUDENT.json``, always written whole (a temporary
file, flushed to disk, then renamed over the old one):

* ``started`` before nbgrader begins;
* ``done`` once nbgrader has finished and committed everything, with the
  submission time graded (``timestamp.txt``) and a SHA-256 of each graded
  notebook;
* ``failed`` with the reason, when nbgrader stopped with an error.

A student counts as graded only with a ``done`` record of the submission
that is in ``submitted/`` now, whose graded notebooks are still the ones the
record names (``is_done``). A student graded before these records existed,
or by ``nbgrader autograde`` or the formgrader alone, has none; the
gradebook and the graded notebook then decide, as before.

``run_lock`` lets one grading run of a lab at a time into a course: a second
one (a second operator, a run left over from a restarted service) is refused
with the first one's process id. The lock is an advisory ``flock`` on
``grading-runs/LAB.lock``, released by the kernel when its holder dies.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["FOLDER", "RunInProgress", "record_file", "read", "write", "digests", "is_done",
           "submission_time", "run_lock", "written_folders"]

FOLDER = "grading-runs"


class RunInProgress(RuntimeError):
    """Another grading run of the same lab holds the course's lock; the message names it."""


def written_folders(course_root: str | Path, sqlite: Path | None) -> list[Path]:
    """The folders a grading run writes to: the course's (records, ``autograded/``) and a SQLite
    gradebook's (``sqlite``, its file; None for a database server)."""
    return [Path(course_root) / FOLDER, *([sqlite.parent] if sqlite is not None else [])]


def record_file(course_root: str | Path, lab: str, student: str) -> Path:
    return Path(course_root) / FOLDER / lab / f"{student}.json"


def read(course_root: str | Path, lab: str, student: str) -> dict | None:
    """The student's last record, or None (never graded with records, or unreadable)."""
    try:
        data = json.loads(record_file(course_root, lab, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write(course_root: str | Path, lab: str, student: str, state: str, **fields) -> Path:
    """Record ``state`` ("started", "done", "failed") for the student, whole or not at all.

    An ``OSError`` (a full disk) leaves the previous record as it was.
    """
    record = {"state": state, "student": student, "lab": lab, "pid": os.getpid(),
              "at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), **fields}
    path = record_file(course_root, lab, student)
    _atomic_write(path, json.dumps(record, indent=1, sort_keys=True))
    return path


def digests(folder: str | Path) -> dict[str, str]:
    """Notebook name -> SHA-256 of the file, for every notebook in ``folder``."""
    out = {}
    for nb in sorted(Path(folder).glob("*.ipynb")):
        out[nb.name] = hashlib.sha256(nb.read_bytes()).hexdigest()
    return out


def submission_time(submitted: str | Path) -> str | None:
    """The text of the submission's ``timestamp.txt`` (None when it is missing or empty)."""
    try:
        text = (Path(submitted) / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def is_done(record: dict | None, stamp: str | None, autograded: str | Path) -> bool:
    """True when ``record`` is a finished grading of the submission stamped ``stamp`` whose
    graded notebooks in ``autograded`` are the ones it names."""
    if not record or record.get("state") != "done" or record.get("submitted") != stamp:
        return False
    named = record.get("notebooks") or {}
    try:
        return bool(named) and digests(autograded) == named
    except OSError:
        return False


@contextlib.contextmanager
def run_lock(course_root: str | Path, lab: str) -> Iterator[None]:
    """Hold the lab's grading lock for the block; ``RunInProgress`` if another run holds it."""
    path = Path(course_root) / FOLDER / f"{lab}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:  # another account's lock file: a lock needs only reading
        fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise RunInProgress(
                f"another grading run of {lab!r} is still going on in this course (process "
                f"{holder}); wait for it to end (or stop it), then grade again") from None
        with contextlib.suppress(OSError):  # who holds it, for the message a second run gets
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
