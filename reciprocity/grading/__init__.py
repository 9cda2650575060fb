"""Grade a lab for a whole class: every kernel sandboxed, students in parallel, grades exported.

``python -m reciprocity.grading LAB`` autogrades every collected submission
of a lab with nbgrader, then writes feedback (without hidden tests, see
``nbgrader_config.py``), exports the grades (nbgrader's CSV and a Canvas
gradebook CSV) and summarises the mean score of every graded cell, mapped to
the insight it assesses (the ``reciprocity`` metadata of the cell in the
source notebook), as a CSV and a figure.

How a submission is graded:

* nbgrader's autograde runs in the grader's process as usual (it reads the
  source notebooks and writes the gradebook), but the kernel that executes
  the student's code is the ``reciprocity-sandbox`` kernel, whose
  provisioner starts it in a sandbox: its own copy of the submission, no
  network, no view of the course's other files, an unprivileged user,
  limits on memory, processes, CPU, disk and output. The course's
  ``nbgrader_config.py`` names that kernel, so ``nbgrader autograde`` and the
  formgrader's *Autograde* button use it too. Without bubblewrap the command
  stops before grading anyone and says how to install it; ``--no-sandbox``
  grades without one (and says it is unsafe).
* ``--jobs N`` worker processes (default: the number of cores) each grade one
  student after another; a student whose run goes past the per-student limit
  has their worker killed (and replaced), and one bad notebook never stops
  the batch. Workers share the gradebook: SQLite with a generous lock
  timeout, or PostgreSQL (``--db postgresql://...``).
* Before any kernel starts, the intake (``intake``) looks at each
  submission: one that is no notebook nbgrader can grade (empty, binary,
  broken JSON, another format, over ``Limits.notebook`` bytes, grading
  metadata edited in a way nbgrader stops on) is *flagged*: not graded,
  put on the gradebook's roster, and listed in ``status.csv`` with a plain
  reason. So is a run nbgrader gave up on because of the student's code (a
  kernel that ignored the interrupt or died, the per-student limit).
* Faults of the machine are told from faults of a notebook (``faults``). A
  student whose worker lost the gradebook's connection (a database restart)
  is graded again once the database answers, up to three tries; a full disk
  stops the batch with the disk's name and what to do, and the previous
  reports are kept; a killed worker fails only its student; workers die
  with a killed command. Each student's run is recorded (``records``), and
  ``--changed-only`` counts as graded only a run recorded as finished, so a
  run killed half way, whatever it left in ``autograded/`` or the
  gradebook, is graded again. One run of a lab at a time: a second is
  refused.

Run it from anywhere::

    python -m reciprocity.grading outreach --course-dir /path/to/course --jobs 4

Everything is written to ``DIR/reports/LAB/`` unless ``--output-dir`` says
otherwise: ``grades.csv`` (nbgrader export), ``canvas.csv`` (Canvas
gradebook import), ``status.csv`` (one row per student), ``summary.csv`` and
``summary.png`` (one row/bar per graded cell). The exit status is 0 when
every submission was graded, 1 when at least one was flagged or failed (the
batch still completes and the reports are written), 2 when nobody was graded (no sandbox,
no gradebook, a full disk, another run of the lab going on) and 3 when the
reports could not be written or a full disk stopped the batch (the previous
ones are kept).

Modules, one job each (imported on first use of one of their names)
-------------------------------------------------------------------
settings       ``GradingSettings`` and ``Limits``: what crosses from the command to the workers
course         ``Course``: a course directory, configured by nbgrader's own loader
gradebook      the gradebook's URL, a lab's place in it, a student's score
pool           ``grade_lab``: worker processes in parallel, one ``StudentResult`` per student
intake         before any kernel: is it a notebook nbgrader can grade? If not, the plain reason to flag it
worker         the worker process: nbgrader's ``Autograde`` for one student after another
records        each student's last grading run (started, done, failed); one run of a lab at a time
faults         a lost gradebook connection, a full disk, a killed process: told apart, named
preprocessors  the output cap, hidden-test redaction in outputs and feedback
sandbox        the bubblewrap command and the check that it works
provisioner    the jupyter_client kernel provisioner of the ``reciprocity-sandbox`` kernel
sandbox_init   the first program inside a sandbox (limits, then the kernel)
reports        grades CSV, Canvas CSV, per-question summary and figure
item_analysis  the item report: difficulty, discrimination, alpha, flags, results per insight
deadlines      ``deadlines.toml``: due dates, the late penalty, extensions (typed, checked)
late           the deadline policy written into the gradebook; lateness in the exports
handgrades     ``KeepHandGrades``: a regrade keeps unchanged hand grades
formgrader_exchange  the hub formgrader's Collect, Unrelease, Release feedback: refused, naming the grading page
formgrader_generate  the hub formgrader's Generate: refused for a lab that is released or has submissions
due_dates_extension  a Jupyter Server extension on students' hub servers: their due dates, as JSON
nbgrader_cli   stock nbgrader commands with a time limit
__main__       the command line
"""
from __future__ import annotations

import importlib

# public name -> the module that defines it
_PUBLIC = {
    "grade_lab": "pool", "StudentResult": "pool", "default_jobs": "pool",
    "export_grades": "reports", "export_canvas": "reports", "summarise": "reports",
    "CANVAS_COLUMNS": "reports",
    "CappedOutputExecute": "preprocessors", "RedactHiddenTests": "preprocessors",
    "StripHiddenTracebacks": "preprocessors", "hidden_test_lines": "preprocessors",
    "gradebook_url": "gradebook", "SQLITE_LOCK_TIMEOUT": "gradebook",
    "GradingSettings": "settings", "Limits": "settings",
    "SandboxUnavailable": "sandbox",
    "main": "__main__",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
