"""The grading command: ``python -m reciprocity.grading LAB [options]``.

Grades every collected submission of a lab (``pool.grade_lab``: each
student's kernel in the sandbox, several students at once), writes the
per-student status, then the reports (``reports``: grades, Canvas,
per-question summary). ``--help`` lists the options; the instructor guide
(``book/labs/instructor-guide.md``, section 4) explains them. Exit status: 0
when every submission was graded, 1 when at least one failed (the batch still
completes and the reports are written), 2 when the sandbox is missing or
the course's ``deadlines.toml`` has a problem (nobody is graded), 3 when the
reports could not be written (the previous ones are kept).

The gradebook is the course's own (``c.CourseDirectory.db_url`` in its
``nbgrader_config.py``, else ``gradebook.db`` in the course) unless ``--db``
names another. The reports are written to temporary files first and replace
the previous ones together, only once all of them are complete.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from . import late
from .deadlines import DeadlinePolicyError
from .gradebook import GradebookUnavailable, existing_gradebook, gradebook_url
from .pool import changed_students, default_jobs, grade_lab
from .sandbox import SandboxUnavailable
from .settings import Limits, MiB

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m reciprocity.grading",
        description=("Autograde every collected submission of a lab, each student's code in a "
                     "sandbox, several students at once (a broken or malicious notebook cannot "
                     "stop the batch or reach anything else), generate feedback, export the "
                     "grades (nbgrader CSV and Canvas CSV) and write a per-question summary "
                     "(CSV and figure)."),
        epilog=("Outputs (in --output-dir): grades.csv, canvas.csv, status.csv, summary.csv, "
                "summary.png. Exit status 1 if any submission could not be graded, 2 if the "
                "sandbox cannot be set up, 3 if the reports could not be written (the previous "
                "ones are kept)."))
    p.add_argument("lab", help="assignment name: outreach, content or trials")
    p.add_argument("--course-dir", default=".", type=Path,
                   help="nbgrader course directory holding nbgrader_config.py and submitted/ "
                        "(default: the current directory)")
    p.add_argument("--timeout", type=int, default=60,
                   help="seconds each notebook cell may run before it is interrupted (default 60)")
    p.add_argument("--student-timeout", type=float, default=None,
                   help="wall-clock seconds for one student's whole run (default max(300, 20 x timeout))")
    p.add_argument("--students", default=None,
                   help="comma-separated student ids to grade (default: all in submitted/)")
    p.add_argument("--changed-only", action="store_true",
                   help="grade only submissions that are new or changed since they were last "
                        "graded (a submission time the gradebook does not have, or no graded "
                        "notebook); hand grades of the others are left alone")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="students graded at once, each in its own sandbox (default: the number "
                        f"of cores, here {default_jobs()})")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run students' code with your rights, without the sandbox (unsafe: only "
                        "where bubblewrap cannot run, on a machine that holds nothing to protect)")
    p.add_argument("--memory-mb", type=int, default=None,
                   help="sandbox: address space per process, MiB (default 3072)")
    p.add_argument("--disk-mb", type=int, default=None,
                   help="sandbox: size of the writable folder and of /tmp, MiB (default 100)")
    p.add_argument("--output-mb", type=float, default=None,
                   help="output kept per notebook, MiB (default 8)")
    p.add_argument("--output-dir", type=Path, default=None,
                   help="where reports go (default: COURSE_DIR/reports/LAB)")
    p.add_argument("--db", default=None,
                   help="gradebook URL (default: the course's c.CourseDirectory.db_url from its "
                        "nbgrader_config.py, else sqlite:///COURSE_DIR/gradebook.db), e.g. "
                        "postgresql://USER@/DBNAME?host=/run/postgresql")
    p.add_argument("--no-feedback", action="store_true", help="skip nbgrader generate_feedback")
    p.add_argument("--summary-only", action="store_true",
                   help="do not grade; export and summarise what the gradebook holds "
                        "(e.g. after manual grading in formgrader)")
    p.add_argument("--canvas-title", default=None,
                   help="assignment name in canvas.csv (default: the lab's name)")
    p.add_argument("--canvas-id", default=None,
                   help="Canvas assignment id, written as 'TITLE (ID)' so the import updates "
                        "that assignment (without it Canvas creates a new one)")
    p.add_argument("--canvas-roster", type=Path, default=None,
                   help="a gradebook CSV exported from Canvas: names, ids and sections come from it")
    p.add_argument("--canvas-match", default="SIS Login ID",
                   choices=["SIS Login ID", "SIS User ID", "ID"],
                   help="the Canvas column that holds nbgrader's student ids (default SIS Login ID)")
    return p


def _limits(args: argparse.Namespace) -> Limits:
    limits = Limits()
    if args.memory_mb:
        limits = replace(limits, memory=args.memory_mb * MiB)
    if args.disk_mb:
        limits = replace(limits, disk=args.disk_mb * MiB)
    if args.output_mb:
        limits = replace(limits, output=int(args.output_mb * MiB))
    return limits


def _grade(args: argparse.Namespace, course: Path, out: Path, students: list[str] | None) -> int | None:
    """Grade the class and write ``status.csv``; the number of failed submissions (None: no sandbox)."""
    import pandas as pd

    from .reports import atomic_file

    jobs = args.jobs or default_jobs()
    if args.changed_only:
        students = changed_students(args.lab, course, args.db, only=students)
        if not students:
            print(f"Nothing to grade: every submission of {args.lab!r} was graded as it is now.")
            return 0
        print(f"New or changed submissions: {', '.join(students)}")
    print(f"Grading {args.lab!r} in {course} (cell timeout {args.timeout} s, {jobs} at once, "
          f"{'no sandbox' if args.no_sandbox else 'sandboxed'})")
    try:
        results = grade_lab(args.lab, course, timeout=args.timeout,
                            student_timeout=args.student_timeout, students=students,
                            db_url=args.db, feedback=not args.no_feedback, jobs=jobs,
                            sandbox=not args.no_sandbox, limits=_limits(args))
    except (SandboxUnavailable, DeadlinePolicyError) as err:
        print(f"Nobody was graded: {err}", file=sys.stderr)
        return None
    status = pd.DataFrame([r.row() for r in results])
    with atomic_file(out / "status.csv") as tmp:
        status.to_csv(tmp, index=False)
    print("\nPer-student status\n" + status.to_string(index=False))
    return sum(r.status != "graded" for r in results)


REPORTS = ("grades.csv", "canvas.csv", "summary.csv", "summary.png")


def _report(args: argparse.Namespace, course: Path, out: Path) -> None:
    """Write every report into a staging folder beside ``out``, then move them all in.

    If anything fails, the staging folder is removed and the reports already
    in ``out`` are untouched.
    """
    from .reports import export_canvas, export_grades, summarise

    db = gradebook_url(course, args.db)  # resolved once: the course's own unless --db
    staging = Path(tempfile.mkdtemp(prefix=".reports-", dir=out))
    try:
        late.sync(course, args.lab, existing_gradebook(db, args.lab))  # deadlines.toml, as it is now
        export_grades(args.lab, course, staging / "grades.csv", db_url=db)
        export_canvas(args.lab, course, staging / "canvas.csv", db_url=db, title=args.canvas_title,
                      assignment_id=args.canvas_id, roster=args.canvas_roster,
                      match_on=args.canvas_match)
        summary = summarise(args.lab, course, staging, db_url=db)
        for name in REPORTS:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print("\nMean score per question\n" + summary[["grade_id", "insight", "max_score", "graded",
                                                     "needs_manual", "mean_score"]]
          .to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"\nWrote {out / 'grades.csv'}, {out / 'canvas.csv'}, {out / 'summary.csv'} and "
          f"{out / 'summary.png'}")


def main(argv: list[str] | None = None) -> int:
    """Run the grading command with ``argv`` (default: the process's arguments); the exit status."""
    args = _parser().parse_args(argv)
    course = args.course_dir.resolve()
    out = (args.output_dir or course / "reports" / args.lab).resolve()
    out.mkdir(parents=True, exist_ok=True)
    students = [s.strip() for s in args.students.split(",")] if args.students else None
    failed = 0
    if not args.summary_only:
        failed = _grade(args, course, out, students)
        if failed is None:
            return 2
    try:
        _report(args, course, out)
    except Exception as err:  # any failure: say what, keep the old reports
        what = (str(err) if isinstance(err, (GradebookUnavailable, DeadlinePolicyError))
                else f"{type(err).__name__}: {err}")
        kept = [name for name in REPORTS if (out / name).exists()]
        print(f"Could not write the reports: {what}\n"
              + (f"The previous {', '.join(kept)} in {out} are unchanged."
                 if kept else f"Nothing was written to {out}."), file=sys.stderr)
        return 3
    if failed:
        print(f"{failed} submission(s) could not be graded: see the status table above.")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
