"""The grading command: ``python -m reciprocity.grading LAB [options]``.

Grades every collected submission of a lab (``pool.grade_lab``: each
student's kernel in the sandbox, several students at once), writes the
per-student status, then the reports (``reports``: grades, Canvas,
per-question summary) and the item report (``item_analysis``; its failure
is reported and changes no exit status). ``--help`` lists the options; the instructor guide
(``book/labs/instructor-guide.md``, section 4) explains them. Exit status: 0
when every submission was graded, 1 when at least one failed (the batch still
completes and the reports are written), 2 when nobody was graded (the
sandbox is missing, the course's ``deadlines.toml`` has a problem, the
gradebook's database does not answer, the disk is full, or another run of
the lab is going on), 3 when the reports could not be written or a full disk
stopped the batch (the previous reports are kept).

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

from . import faults, late
from .deadlines import DeadlinePolicyError
from .gradebook import GradebookUnavailable, existing_gradebook, gradebook_url
from .pool import default_jobs, grade_lab, grading_needed
from .records import RunInProgress
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
                "summary.png, and the item report items.html, items.csv, insights.csv. "
                "Exit status 1 if any submission could not be graded, 2 if nobody "
                "was graded (no sandbox, no gradebook, a full disk, another run going on), 3 if "
                "the reports could not be written or a full disk stopped the batch (the previous "
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
                        "graded, or whose last grading failed or was interrupted (a killed run, "
                        "a lost database, a full disk); hand grades of the others are left alone")
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
    p.add_argument("--max-notebook-mb", type=float, default=None,
                   help="largest submitted notebook file graded, MiB (default 20); a larger one "
                        "is flagged, not graded")
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
    if args.max_notebook_mb:
        limits = replace(limits, notebook=int(args.max_notebook_mb * MiB))
    return limits


def _grade(args: argparse.Namespace, course: Path, out: Path,
           students: list[str] | None) -> tuple[int, str] | None:
    """Grade the class and write ``status.csv``: (failed submissions, why the batch stopped
    early or ""); None when nobody was graded (no sandbox, no gradebook, another run)."""
    import pandas as pd

    from .reports import atomic_file

    jobs = args.jobs or default_jobs()
    try:
        if args.changed_only:
            needed = grading_needed(args.lab, course, args.db, only=students)
            if not needed:
                print(f"Nothing to grade: every submission of {args.lab!r} was graded as it is now.")
                return 0, ""
            print("New or changed submissions: "
                  + ", ".join(f"{student} ({why})" for student, why in needed.items()))
            students = list(needed)
        print(f"Grading {args.lab!r} in {course} (cell timeout {args.timeout} s, {jobs} at once, "
              f"{'no sandbox' if args.no_sandbox else 'sandboxed'})")
        results = grade_lab(args.lab, course, timeout=args.timeout,
                            student_timeout=args.student_timeout, students=students,
                            db_url=args.db, feedback=not args.no_feedback, jobs=jobs,
                            sandbox=not args.no_sandbox, limits=_limits(args))
    except (SandboxUnavailable, DeadlinePolicyError, GradebookUnavailable, RunInProgress) as err:
        print(f"Nobody was graded: {err}", file=sys.stderr)
        return None
    except OSError as err:  # the course's disk is full before anyone was graded
        if faults.classify(err) != faults.DISK:
            raise
        print(f"Nobody was graded: {faults.disk_full_message(faults.full_path(err, course))}",
              file=sys.stderr)
        return None
    status = pd.DataFrame([r.row() for r in results])
    try:
        with atomic_file(out / "status.csv") as tmp:
            status.to_csv(tmp, index=False)
    except OSError as err:
        print(f"Could not write {out / 'status.csv'} ({err.strerror or err}); the previous one is "
              "unchanged", file=sys.stderr)
    print("\nPer-student status\n" + status.to_string(index=False))
    stopped = next((r.note for r in results if r.fault == faults.DISK), "")
    return sum(r.status != "graded" for r in results), stopped


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


def _item_report(args: argparse.Namespace, course: Path, out: Path) -> None:
    """Write the item report (``item_analysis``); a failure is reported, never raised: grading stands."""
    try:
        from .item_analysis import write_item_report

        report = write_item_report(args.lab, course, out, db_url=gradebook_url(course, args.db))
    except Exception as err:  # the grades and the other reports are written: say what failed, go on
        print("Could not write the item report (items.html, items.csv, insights.csv): "
              f"{type(err).__name__}: {err}\nThe grades and the other reports are written and unaffected; "
              "any previous item report is unchanged. Run again with --summary-only to retry.", file=sys.stderr)
        return
    flagged = report.items.loc[report.items["flag"] != "", "grade_id"].tolist()
    alpha = report.reliability.alpha
    print(f"\nItem report: alpha {'not computed' if alpha != alpha else f'{alpha:.2f}'} over "
          f"{report.reliability.n_items} question(s); "
          + (f"flagged (discrimination below the line): {', '.join(flagged)}" if flagged else "no question flagged")
          + f"\nWrote {out / 'items.html'}, {out / 'items.csv'} and {out / 'insights.csv'}")


def main(argv: list[str] | None = None) -> int:
    """Run the grading command with ``argv`` (default: the process's arguments); the exit status."""
    args = _parser().parse_args(argv)
    course = args.course_dir.resolve()
    out = (args.output_dir or course / "reports" / args.lab).resolve()
    out.mkdir(parents=True, exist_ok=True)
    students = [s.strip() for s in args.students.split(",")] if args.students else None
    failed = 0
    if not args.summary_only:
        outcome = _grade(args, course, out, students)
        if outcome is None:
            return 2
        failed, stopped = outcome
        if stopped:  # a full disk: nothing more is written there, the last reports stay
            kept = [name for name in REPORTS if (out / name).exists()]
            print(f"Grading stopped before the end: {stopped}.\nThe reports were not rewritten"
                  + (f": the previous {', '.join(kept)} in {out} are unchanged." if kept else "."),
                  file=sys.stderr)
            return 3
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
    _item_report(args, course, out)  # after every run that wrote the reports; its failure fails nothing
    if failed:
        print(f"{failed} submission(s) could not be graded: see the status table above.")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
