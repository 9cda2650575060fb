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

Protocol: ``python -m reciprocity.grading.worker SETTINGS_JSON`` (see
``GradingSettings.to_json``), run in the course directory; each line of
standard input is ``{"student": ID, "log": PATH}``; each answer is
``{"student": ID, "graded": true | false, "reason": TEXT}``, the reason being
the exception that stopped nbgrader for that student ("" when graded).
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from nbgrader.converters import Autograde, NbGraderException
from traitlets.config import Config

from .course import Course
from .nbgrader_cli import glob_escape
from .preprocessors import AUTOGRADE_PREPROCESSORS
from .settings import GradingSettings

__all__ = ["autograde_config", "RecordingAutograde", "describe", "main"]


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


def grade_one(course: Course, lab: str, student: str) -> str:
    """Autograde ``student``'s submission of ``lab``; "" if graded, else why not."""
    course.coursedir.assignment_id = lab
    course.coursedir.student_id = glob_escape(student)
    converter = RecordingAutograde(coursedir=course.coursedir, parent=course.app)
    converter.force = True
    converter.create_student = True
    try:
        converter.start()
    except NbGraderException as err:
        failures = converter.failures or [err]
        return describe(failures[0])
    except Exception as err:
        traceback.print_exc()
        return describe(err)
    finally:
        for handler in list(course.app.log.handlers):
            handler.flush()
    return describe(converter.failures[0]) if converter.failures else ""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    settings = GradingSettings.from_json(args[0])
    # answers go to a private copy of stdout; fd 1 and 2 become each student's log
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.set_inheritable(answers.fileno(), False)
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
            reason = grade_one(course, settings.lab, job["student"])
            sys.stdout.flush()
            sys.stderr.flush()
        answers.write(json.dumps({"student": job["student"], "graded": not reason,
                                  "reason": reason}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
