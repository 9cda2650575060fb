"""Faults that are not the student's: a lost gradebook connection, a full disk, a killed worker.

A grading run meets failures that say nothing about a notebook: the
gradebook's database restarts, a disk fills up, an operator kills a
process. ``classify`` tells them apart from an error in a student's work
(by the exception and the exceptions it was raised from), so that the grader
can retry what is worth retrying (a lost connection), stop what cannot go on
(a full disk), and write in the log what happened and what to do.
``disk_full_message`` and ``space_problem`` name the disk; a run keeps a
little space in reserve on each disk it writes to (``keep_reserve``), which
a worker gives up (``release_reserve``) when that disk fills, to undo what
it had half written.

Example
-------
>>> import errno
>>> classify(OSError(errno.ENOSPC, "No space left on device"))
'disk'
>>> classify(ValueError("x must be positive"))
''
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

__all__ = ["DATABASE", "DISK", "MIN_FREE_BYTES", "RESERVE_BYTES", "classify", "full_path", "mount_point",
           "disk_full_message", "space_problem", "signal_name", "reserve_files", "keep_reserve",
           "release_reserve"]

DATABASE = "database"  # the connection to the gradebook was lost or refused: retry later
DISK = "disk"          # a disk the grading writes to is full: stop
# free space a student's run needs on each disk it writes to before it starts: the graded
# notebook (output capped at 8 MiB by default), the gradebook's few rows and the run's record
MIN_FREE_BYTES = 16 * 1024 ** 2
# space held back on each disk during a run, given up when that disk fills so that the failed
# student's gradebook rows can be put back (a SQLite journal needs room) and the run recorded
RESERVE_BYTES = 1024 ** 2

_FULL_TEXTS = ("No space left on device", "Disk quota exceeded", "database or disk is full")


def _chain(err: BaseException) -> Iterator[BaseException]:
    """``err`` and the exceptions it was raised from or while handling, each once."""
    seen: set[int] = set()
    todo = [err]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]


def _disk_full(e: BaseException) -> bool:
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if getattr(e, "sqlstate", None) == "53100":  # PostgreSQL's disk_full
        return True
    return any(text in str(e) for text in _FULL_TEXTS)


def _connection_lost(e: BaseException) -> bool:
    try:
        from sqlalchemy import exc
    except ImportError:  # pragma: no cover - nbgrader needs it
        exc = None
    if exc is not None:
        if isinstance(e, exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, exc.DisconnectionError):
            return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - only for a PostgreSQL gradebook
        psycopg = None
    if psycopg is not None and isinstance(e, (psycopg.OperationalError, psycopg.InterfaceError)):
        return True  # refused, closed, terminated by the administrator (a restart)
    import sqlite3

    return isinstance(e, sqlite3.OperationalError) and "locked" in str(e)


def classify(err: BaseException) -> str:
    """``DISK``, ``DATABASE`` or "" (not a fault of the machine: the notebook's, or nbgrader's)."""
    chain = list(_chain(err))
    if any(_disk_full(e) for e in chain):
        return DISK
    if any(_connection_lost(e) for e in chain):
        return DATABASE
    return ""


def full_path(err: BaseException, default: str | Path) -> Path:
    """The file whose write failed for lack of space, if the error names one; else ``default``."""
    for e in _chain(err):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT) and e.filename:
            return Path(os.fsdecode(e.filename))
    return Path(default)


def mount_point(path: str | Path) -> Path:
    """The mount point of the file system that holds ``path`` (or would, for a missing file)."""
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        p = p.parent
    while not os.path.ismount(p) and p != p.parent:
        p = p.parent
    return p


def disk_full_message(path: str | Path, need: int | None = None) -> str:
    """What to tell an instructor when ``path``'s disk is full (or has less than ``need`` bytes free)."""
    mount = mount_point(path)
    try:
        free = f"{shutil.disk_usage(mount).free / 1024 ** 2:.1f} MiB free"
    except OSError:
        free = "free space unknown"
    state = "is full" if need is None else f"is nearly full (grading needs {need / 1024 ** 2:.0f} MiB)"
    return (f"the disk that holds {path} (the file system mounted on {mount}) {state}, {free}. "
            f"Free space on {mount} (old autograded/ or feedback/ folders, archives) or move the "
            "course to a larger disk, then grade again with --changed-only: the students graded "
            "before are kept")


def space_problem(paths: list[str | Path], need: int = MIN_FREE_BYTES) -> str:
    """A message if a disk holding one of ``paths`` has less than ``need`` bytes free; else ""."""
    for path in paths:
        mount = mount_point(path)
        try:
            free = shutil.disk_usage(mount).free
        except OSError:
            continue
        if free < need:
            return disk_full_message(path, need)
    return ""


def signal_name(returncode: int | None) -> str:
    """"SIGKILL" for a process ended by signal 9 (a negative return code); "" otherwise."""
    if returncode is None or returncode >= 0:
        return ""
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def reserve_files(folders: list[str | Path], name: str) -> list[Path]:
    """One reserve file per file system among ``folders``: ``FOLDER/.reciprocity-reserve-NAME``."""
    files, mounts = [], set()
    for folder in folders:
        mount = mount_point(folder)
        if mount not in mounts:
            mounts.add(mount)
            files.append(Path(folder) / f".reciprocity-reserve-{name}")
    return files


def keep_reserve(files: list[Path], size: int = RESERVE_BYTES) -> None:
    """Write each reserve file (``size`` bytes, on disk); a disk without the room gets none."""
    block = b"\0" * size
    for path in files:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as out:
                out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except OSError:
            path.unlink(missing_ok=True)


def release_reserve(files: list[Path]) -> None:
    """Give the reserved space back to the disks (files already gone are fine)."""
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
