"""A grading worker: nbgrader's autograde for one student after another, in one process.

``reciprocity.grading.grade_lab`` starts ``--jobs`` of these workers and
hands each student to the next free one. A worker loads the course once
(``Course.load``, nbgrader's own configuration loader, with the run's
settings on top), then for each student id read from its standard input
runs nbgrader's ``Autograde`` converter for that student, as
``nbgrader autograde LAB --student ID --force`` and the formgrader's
*Autograde* button do, with nbgrader's log going to that student's log file,
and answers with one JSON line. Importing nbgrader and starting Python cost
more than a second per student when each student had a process of its own;
a worker pays it once.

The student's code never runs here: nbgrader starts the kernel the settings
name (``reciprocity-sandbox``, whose provisioner puts it in the sandbox, or
``python3`` without one). If a student's run goes past its time limit, the
grader kills the worker (and with it the sandbox) and starts a new one.

Each student's run is recorded (``reciprocity.grading.records``): ``started``
before nbgrader begins, ``done`` once it has finished, ``failed`` with the
reason; a run that is killed stays ``started``, and so never counts as
graded. Before a student it checks that the disks it writes to (the
course's, the SQLite gradebook's) have room (``faults.space_problem``). A
worker dies with the grading command that started it (Linux's
parent-death signal), so a killed command leaves no worker grading on.

Protocol: ``python -m reciprocity.grading.worker SETTINGS_JSON`` (see
``GradingSettings.to_json``), run in the course directory; each line of
standard input is ``{"student": ID, "log": PATH}``; each answer is
``{"student": ID, "graded": true | false, "reason": TEXT, "fault": FAULT}``,
the reason being the exception that stopped nbgrader for that student (""
when graded) and the fault "" for a failure of the notebook or of nbgrader,
``"database"`` when the connection to the gradebook was lost and ``"disk"``
when a disk was full (``reciprocity.grading.faults``).
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import traceback
from pathlib import Path

from nbgrader.converters import Autograde, NbGraderException
from traitlets.config import Config

from . import faults, records
from .course import Course
from .gradebook import restore_submission, sqlite_file, submission_state
from .nbgrader_cli import glob_escape
from .preprocessors import AUTOGRADE_PREPROCESSORS
from .settings import GradingSettings

__all__ = ["autograde_config", "RecordingAutograde", "describe", "grade_one", "main"]


def autograde_config(settings: GradingSettings) -> Config:
    """The traitlets config a worker adds on top of the course's ``nbgrader_config.py``."""
    cfg = Config()
    cfg.CourseDirectory.db_url = settings.db
    cfg.Execute.timeout = settings.timeout
    cfg.ExecutePreprocessor.timeout = settings.timeout
    cfg.Execute.kernel_name = settings.kernel_name
    cfg.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    cfg.CappedOutputExecute.output_limit = settings.limits.output
    for name in ("memory", "processes", "cpu_seconds", "disk", "open_files"):
        setattr(cfg.SandboxProvisioner, name, getattr(settings.limits, name))
    if settings.runtime_parent:
        cfg.SandboxProvisioner.runtime_parent = settings.runtime_parent
    return cfg


class RecordingAutograde(Autograde):
    """nbgrader's ``Autograde`` converter, keeping the exceptions that failed the student.

    nbgrader logs an exception raised while it prepares or converts a
    student's notebooks and goes on; this converter also keeps it, so the
    outcome comes from the exception, not from the log's wording.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.failures: list[BaseException] = []

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        try:
            super().init_assignment(assignment_id, student_id)
        except Exception as err:
            self.failures.append(err)
            raise

    def convert_single_notebook(self, notebook_filename: str) -> None:
        try:
            super().convert_single_notebook(notebook_filename)
        except Exception as err:
            self.failures.append(err)
            raise


def describe(err: BaseException) -> str:
    """One line that says why a student could not be graded."""
    from nbclient.exceptions import DeadKernelError

    if isinstance(err, DeadKernelError):
        return "the kernel died"
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0] if lines else ''}"[:200]


def _autograde(course: Course, lab: str, student: str) -> BaseException | None:
    """nbgrader's autograde of ``student``'s submission; the exception that stopped it, or None."""
    course.coursedir.assignment_id = lab
    course.coursedir.student_id = glob_escape(student)
    converter = RecordingAutograde(coursedir=course.coursedir, parent=course.app)
    converter.force = True
    converter.create_student = True
    try:
        converter.start()
    except NbGraderException as err:
        return (converter.failures or [err])[0]
    except Exception as err:
        traceback.print_exc()
        return err
    finally:
        for handler in list(course.app.log.handlers):
            handler.flush()
    return converter.failures[0] if converter.failures else None


def _fault_reason(err: BaseException, fault: str, course: Course, lab: str, student: str,
                  db_url: str) -> str:
    """Why the student was not graded, for a fault of the machine: what happened and what to do."""
    if fault == faults.DATABASE:
        return f"lost the connection to the gradebook ({describe(err)})"
    sqlite = sqlite_file(db_url)
    in_gradebook = sqlite is not None and "database or disk is full" in str(err)
    where = sqlite if in_gradebook else course.folder("autograded", student, lab)
    return faults.disk_full_message(faults.full_path(err, where))


def _undo(db_url: str, lab: str, student: str, before: dict | None) -> str:
    """Put the student's gradebook rows back as they were before this run; what happened."""
    try:
        restore_submission(db_url, lab, student, before)
    except Exception as err:
        return (f"the gradebook could not be put back ({describe(err)}): {student}'s score there "
                "is incomplete until they are graded again")
    return "the gradebook holds what it held before this run"


def grade_one(course: Course, lab: str, student: str, db_url: str = "") -> tuple[str, str]:
    """Autograde ``student``'s submission of ``lab`` and record the run; ("", "") if graded,
    else (why not, the fault: "", ``faults.DATABASE`` or ``faults.DISK``).

    On a full disk, what the run had written of the student's gradebook rows
    is put back (after giving up the run's reserved space, so that there is
    room to do it), and ``autograded/`` holds no part of it (nbgrader removes
    a failed student's folder).
    """
    db_url = db_url or course.coursedir.db_url
    stamp = records.submission_time(course.folder("submitted", student, lab))
    folders = records.written_folders(course.root, sqlite_file(db_url))
    problem = faults.space_problem(folders)
    if problem:
        print(f"ERROR: {student} not graded: {problem}", file=sys.stderr)
        return problem, faults.DISK
    try:
        before = submission_state(db_url, lab, student)
        records.write(course.root, lab, student, "started", submitted=stamp)
    except Exception as err:  # nothing graded yet, nothing to undo
        fault = faults.classify(err)
        reason = (_fault_reason(err, fault, course, lab, student, db_url) if fault
                  else f"cannot start: {describe(err)}")
        print(f"ERROR: {student} not graded: {reason}", file=sys.stderr)
        return reason, fault
    err = _autograde(course, lab, student)
    if err is None:
        try:
            records.write(course.root, lab, student, "done", submitted=stamp,
                          notebooks=records.digests(course.folder("autograded", student, lab)))
            return "", ""
        except OSError as rec_err:  # graded, but not recorded: it will be graded again
            err = rec_err
    fault = faults.classify(err)
    reason = _fault_reason(err, fault, course, lab, student, db_url) if fault else describe(err)
    if fault == faults.DISK:
        faults.release_reserve(faults.reserve_files(folders, lab))
        reason += f"; {_undo(db_url, lab, student, before)}"
    if fault:
        print(f"ERROR: {student} not graded: {reason}", file=sys.stderr)
    with contextlib.suppress(OSError):  # if it cannot be written, "started" stays: not graded either way
        records.write(course.root, lab, student, "failed", submitted=stamp, reason=reason, fault=fault)
    return reason, fault


def _die_with_parent() -> None:
    """Have Linux kill this worker (SIGKILL) when the grading command that started it dies.

    The worker runs in a session of its own (its kernels' limits and kills
    stay apart from the command's), so a signal to the command's process
    group does not reach it; without this, a killed command would leave its
    workers grading on into a gradebook that a new run is also writing.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    settings = GradingSettings.from_json(args[0])
    # answers go to a private copy of stdout; fd 1 and 2 become each student's log
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.set_inheritable(answers.fileno(), False)
    _die_with_parent()
    course = Course.load(Path.cwd(), autograde_config(settings))
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        with open(job["log"], "ab") as log:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            reason, fault = grade_one(course, settings.lab, job["student"], settings.db)
            sys.stdout.flush()
            sys.stderr.flush()
        answers.write(json.dumps({"student": job["student"], "graded": not reason,
                                  "reason": reason, "fault": fault}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
