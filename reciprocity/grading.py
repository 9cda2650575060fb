"""Grade a lab one student at a time, export the grades and summarise them per question.

``nbgrader autograde LAB`` grades every submission in one process, and a
single bad notebook (a copy-pasted locked cell with a duplicate ``grade_id``,
nbgrader issue #1083; a notebook that is not valid JSON) aborts it for the
whole class. This module runs ``nbgrader autograde LAB --student ID`` in a
separate subprocess per student, with a per-cell timeout and a wall-clock
limit per student, records what happened to each one and carries on. Then it
writes feedback (without hidden tests, see ``nbgrader_config.py``), exports
the grades CSV and summarises the mean score of every graded cell, mapped to
the insight it assesses (the ``reciprocity`` metadata of the cell in the
source notebook), as a CSV and a figure.

Run it from anywhere::

    python -m reciprocity.grading outreach --course-dir /path/to/course --timeout 60

Everything is written to ``DIR/reports/LAB/`` unless ``--output-dir`` says
otherwise: ``grades.csv`` (nbgrader export), ``status.csv`` (one row per
student), ``summary.csv`` and ``summary.png`` (one row/bar per graded cell).
The exit status is 0 when every submission was graded and 1 when at least one
failed (the batch still completes and the reports are written).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["StudentResult", "StripHiddenTracebacks", "grade_lab", "export_grades", "summarise",
           "main"]

# nbgrader's own command line, started without its server extensions (see _nbgrader.py)
_NBGRADER = [sys.executable, "-m", "reciprocity._nbgrader"]


@dataclass
class StudentResult:
    """What happened when one student's submission was graded."""

    student: str
    status: str  # "graded" or "failed"
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    note: str = ""
    cell_errors: int = 0
    timeouts: int = 0
    log: str = field(default="", repr=False)

    def row(self) -> dict:
        return {"student": self.student, "status": self.status, "score": self.score,
                "max_score": self.max_score, "seconds": round(self.seconds, 1),
                "cell_errors": self.cell_errors, "timeouts": self.timeouts, "note": self.note}


# --------------------------------------------------------------------------- helpers
def _config_dirs(course_dir: Path) -> tuple[str, str]:
    """(source, submitted) folder names, read from the course's nbgrader_config.py if set."""
    source, submitted = "source", "submitted"
    cfg = course_dir / "nbgrader_config.py"
    if cfg.is_file():
        text = cfg.read_text(encoding="utf-8")
        m = re.search(r"^c\.CourseDirectory\.source_directory\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        if m:
            source = m.group(1)
        m = re.search(r"^c\.CourseDirectory\.submitted_directory\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        if m:
            submitted = m.group(1)
    return source, submitted


def _run(args: list[str], cwd: Path, timeout: float) -> tuple[int | None, str]:
    """Run a command in its own process group; kill the whole group on timeout.

    The output goes to a temporary file, not a pipe: a process that a
    student's code leaves running inherits the output and would hold a pipe
    open, keeping us waiting long after the run itself has ended.
    """
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen(args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # nbgrader and whatever it started
            except ProcessLookupError:
                pass
            proc.wait()
            code = None
        log.seek(0)
        return code, log.read()


def _glob_escape(student: str) -> str:
    # --student is a glob: make an id such as "a[1]" match only itself
    return re.sub(r"([*?\[])", r"[\1]", student)


def _duplicate_ids(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    seen, dups = set(), []
    for cell in nb.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid is None:
            continue
        if gid in seen and gid not in dups:
            dups.append(gid)
        seen.add(gid)
    return dups


def _precheck(submission: Path) -> str:
    """A reason this submission cannot be autograded, or "" if it looks fine."""
    notebooks = sorted(submission.glob("*.ipynb"))
    if not notebooks:
        return "no notebook in the submission folder"
    for nb in notebooks:
        try:
            dups = _duplicate_ids(nb)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return f"{nb.name} is not a valid notebook ({err.__class__.__name__})"
        if dups:
            return (f"{nb.name} has duplicate grade_id(s) {', '.join(dups)} (a copied locked "
                    "cell); delete the copies and regrade with --students")
    return ""


def _count_errors(autograded: Path) -> tuple[int, int, bool]:
    """(cells that raised, cells that timed out, kernel died) in the autograded notebooks."""
    errors = timeouts = 0
    dead = False
    for nb_path in autograded.glob("*.ipynb"):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                errors += 1
                ename = out.get("ename", "")
                if "Timeout" in ename:
                    timeouts += 1
                if "DeadKernel" in ename:
                    dead = True
    return errors, timeouts, dead


def _failure_reason(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines()
             if "ERROR" in ln or "Error" in ln or "rror:" in ln]
    for ln in lines:
        low = ln.lower()
        if "dead" in low and "kernel" in low:
            return "the kernel died"
        if "unique" in low or "duplicate" in low:
            return "duplicate cell ids"
    return (lines[-1][:200] if lines else "nbgrader autograde failed (see status.csv log)")


def _scores(db_url: str, lab: str, student: str) -> tuple[float, float] | None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None
        return float(sub.score), float(sub.max_score)


def _ensure_assignment(course_dir: Path, lab: str, db_url: str, timeout: float) -> str:
    """Put the lab in the gradebook if it is missing (releasing to a scratch folder)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(lab)
            if gb.find_assignment(lab).notebooks:
                return ""
        except MissingEntry:
            pass
    with tempfile.TemporaryDirectory(prefix=f"release-{lab}-") as scratch:
        code, out = _run(_NBGRADER + ["generate_assignment", lab, "--force",
                                      f"--CourseDirectory.release_directory={scratch}",
                                      f"--db={db_url}"], course_dir, timeout)
    if code != 0:
        raise RuntimeError(f"could not add {lab!r} to the gradebook:\n{out}")
    return f"added {lab} to the gradebook (generate_assignment into a scratch folder)"


# --------------------------------------------------------------------------- grading
def grade_lab(lab: str, course_dir: str | Path, *, timeout: int = 60,
              student_timeout: float | None = None, students: list[str] | None = None,
              db_url: str | None = None, feedback: bool = True,
              echo=print) -> list[StudentResult]:
    """Autograde every submission of ``lab`` in ``course_dir``, one subprocess per student.

    Parameters
    ----------
    lab : str
        Assignment name, e.g. ``"outreach"``.
    course_dir : path
        The nbgrader course directory (holds ``nbgrader_config.py``,
        the source folder and ``submitted/<student>/<lab>/``).
    timeout : int
        Seconds each notebook cell may run before it is interrupted.
    student_timeout : float, optional
        Wall-clock limit for one student's whole autograde run (default
        ``max(300, 20 * timeout)``); past it the process group is killed and
        the student is recorded as failed.
    students : list of str, optional
        Grade only these student ids (default: every folder in ``submitted/``).
    db_url : str, optional
        Gradebook URL (default ``sqlite:///<course_dir>/gradebook.db``).
    feedback : bool
        Also run ``generate_feedback`` for each graded student.
    echo : callable
        Where progress lines go (``print`` by default; pass ``lambda *a: None`` to silence).
    """
    course = Path(course_dir).resolve()
    if not course.is_dir():
        raise FileNotFoundError(f"course directory {course} does not exist")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a positive whole number of seconds, got {timeout!r}")
    limit = float(student_timeout) if student_timeout else max(300.0, 20.0 * timeout)
    db = db_url or f"sqlite:///{course / 'gradebook.db'}"
    _, submitted_dir = _config_dirs(course)
    if students is None:
        students = sorted(p.parent.name for p in (course / submitted_dir).glob(f"*/{lab}")
                          if p.is_dir())
    if not students:
        raise FileNotFoundError(f"no submissions found in {course / submitted_dir}/*/{lab}/")
    note = _ensure_assignment(course, lab, db, limit)
    if note:
        echo(note)

    results = []
    for student in students:
        start = time.monotonic()
        submission = course / submitted_dir / student / lab
        reason = _precheck(submission)
        if reason:
            results.append(StudentResult(student, "failed", note=reason))
            echo(f"{student:<20} failed   {reason}")
            continue
        args = _NBGRADER + ["autograde", lab, f"--student={_glob_escape(student)}", "--force",
                            f"--Execute.timeout={timeout}", f"--ExecutePreprocessor.timeout={timeout}",
                            f"--db={db}"]
        code, log = _run(args, course, limit)
        seconds = time.monotonic() - start
        autograded = course / "autograded" / student / lab
        scores = _scores(db, lab, student)
        if code is None:
            res = StudentResult(student, "failed", seconds=seconds, log=log,
                                note=f"stopped after the {limit:.0f} s limit per student")
        elif code != 0 or scores is None or not autograded.is_dir():
            res = StudentResult(student, "failed", seconds=seconds, log=log,
                                note=_failure_reason(log))
        else:
            errors, timeouts, dead = _count_errors(autograded)
            bits = []
            if timeouts:
                bits.append(f"{timeouts} cell(s) timed out")
            if dead:
                bits.append("the kernel died")
            if errors - timeouts:
                bits.append(f"{errors - timeouts} cell(s) raised")
            res = StudentResult(student, "graded", score=scores[0], max_score=scores[1],
                                seconds=seconds, cell_errors=errors, timeouts=timeouts,
                                note="; ".join(bits), log=log)
        results.append(res)
        score = f"{res.score:g}/{res.max_score:g}" if res.score is not None else "-"
        echo(f"{student:<20} {res.status:<8} {score:>9}  {res.seconds:5.1f} s  {res.note}")
    graded = [r for r in results if r.status == "graded"]
    if feedback and graded:
        _feedback(lab, course, db, graded, limit)
    return results


def _feedback(lab: str, course: Path, db: str, graded: list[StudentResult], limit: float) -> None:
    """Feedback for the graded students: one batch call, per student if the batch fails."""
    base = _NBGRADER + ["generate_feedback", lab, "--force", f"--db={db}"]
    if len(graded) > 1:
        code, _ = _run(base, course, limit * 2)
        if code == 0:
            return
    for res in graded:
        code, _ = _run(base + [f"--student={_glob_escape(res.student)}"], course, limit)
        if code != 0:
            res.note = "; ".join(filter(None, [res.note, "feedback failed"]))


class StripHiddenTracebacks(Preprocessor):
    """Feedback preprocessor: in cells with hidden tests, keep only the error message.

    A traceback quotes the failing line, so a failed hidden test would show
    its own code in the feedback even after ``ClearHiddenTests`` removed it
    from the cell. Put this *before* ``ClearHiddenTests`` in
    ``c.GenerateFeedback.preprocessors``.
    """

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)
    marker = "### BEGIN HIDDEN TESTS"

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code" and self.marker in cell.get("source", ""):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def export_grades(lab: str, course_dir: str | Path, out_csv: str | Path, *,
                  db_url: str | None = None, timeout: float = 300) -> Path:
    """``nbgrader export`` of ``lab`` to ``out_csv`` (one row per submission)."""
    course = Path(course_dir).resolve()
    out = Path(out_csv).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    db = db_url or f"sqlite:///{course / 'gradebook.db'}"
    code, log = _run(_NBGRADER + ["export", f"--to={out}", f"--ExportPlugin.assignment=['{lab}']",
                                  f"--db={db}"], course, timeout)
    if code != 0 or not out.is_file():
        raise RuntimeError(f"nbgrader export failed:\n{log}")
    # nbgrader 0.9's CSV export ignores the assignment filter: keep this lab's rows only
    grades = pd.read_csv(out, dtype={"student_id": str})
    grades[grades["assignment"].astype(str) == lab].to_csv(out, index=False)
    return out


def _cell_labels(course: Path, lab: str) -> dict[str, dict]:
    """grade_id -> {"insight", "assesses"} from the source notebooks' cell metadata."""
    source_dir, _ = _config_dirs(course)
    labels = {}
    for nb_path in sorted((course / source_dir / lab).glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid:
                labels[gid] = cell.get("metadata", {}).get("reciprocity", {})
    return labels


def summarise(lab: str, course_dir: str | Path, out_dir: str | Path, *,
              db_url: str | None = None, students: list[str] | None = None) -> pd.DataFrame:
    """Mean score per graded cell over the graded submissions, as ``summary.csv`` and ``summary.png``.

    Columns: ``grade_id``, ``insight``, ``assesses``, ``kind`` (auto / manual),
    ``max_score``, ``graded`` (submissions with a score), ``needs_manual``,
    ``mean_score`` and ``mean_fraction`` (mean score / max score). Manual
    cells not yet graded in formgrader count in ``needs_manual``, not in the mean.
    """
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course_dir).resolve()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    db = db_url or f"sqlite:///{course / 'gradebook.db'}"
    labels = _cell_labels(course, lab)
    rows = []
    with Gradebook(db) as gb:
        assignment = gb.find_assignment(lab)
        subs = [s for s in assignment.submissions if students is None or s.student_id in students]
        for notebook in assignment.notebooks:
            for cell in notebook.grade_cells:
                scores, needs = [], 0
                for sub in subs:
                    try:
                        grade = gb.find_grade(cell.name, notebook.name, lab, sub.student_id)
                    except MissingEntry:
                        continue
                    if grade.needs_manual_grade and grade.manual_score is None:
                        needs += 1
                        continue
                    scores.append(float(grade.score))
                meta = labels.get(cell.name, {})
                mean = sum(scores) / len(scores) if scores else float("nan")
                rows.append({
                    "grade_id": cell.name, "insight": meta.get("insight", ""),
                    "assesses": meta.get("assesses", ""),
                    "kind": "manual" if cell.cell_type == "markdown" else "auto",
                    "max_score": float(cell.max_score), "graded": len(scores),
                    "needs_manual": needs, "mean_score": mean,
                    "mean_fraction": mean / float(cell.max_score) if cell.max_score else float("nan"),
                })
    order = {gid: i for i, gid in enumerate(labels)}
    frame = pd.DataFrame(rows)
    frame = frame.sort_values("grade_id", key=lambda s: s.map(order).fillna(len(order)))
    frame = frame.reset_index(drop=True)
    frame.to_csv(out / "summary.csv", index=False)
    _summary_figure(frame, lab, out / "summary.png")
    return frame


def _summary_figure(frame: pd.DataFrame, lab: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plots import PALETTE, use_course_style

    use_course_style()
    labels = [f"{r.assesses or r.grade_id} [{r.insight}]" if r.insight else (r.assesses or r.grade_id)
              for r in frame.itertuples()]
    values = frame["mean_fraction"].fillna(0).to_numpy()
    colours = list(PALETTE.values()) if isinstance(PALETTE, dict) else list(PALETTE)
    auto_colour, manual_colour = colours[0], colours[1 % len(colours)]
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(frame) + 1.6))
    ax.barh(range(len(frame)), values,
            color=[manual_colour if k == "manual" else auto_colour for k in frame["kind"]])
    ax.set_yticks(range(len(frame)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("mean share of the cell's points")
    n = int(frame["graded"].max()) if len(frame) else 0
    ax.set_title(f"Lab '{lab}': mean score per question ({n} graded submissions; "
                 "manual answers in the second colour)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _status_table(results: list[StudentResult]) -> str:
    frame = pd.DataFrame([r.row() for r in results])
    return frame.to_string(index=False)


# --------------------------------------------------------------------------- CLI
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m reciprocity.grading",
        description=("Autograde every collected submission of a lab one student at a time "
                     "(a broken or malicious notebook cannot stop the batch), generate "
                     "feedback, export the grades CSV and write a per-question summary "
                     "(CSV and figure)."),
        epilog=("Outputs (in --output-dir): grades.csv, status.csv, summary.csv, summary.png. "
                "Exit status 1 if any submission could not be graded."))
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
    p.add_argument("--output-dir", type=Path, default=None,
                   help="where reports go (default: COURSE_DIR/reports/LAB)")
    p.add_argument("--db", default=None,
                   help="gradebook URL (default: sqlite:///COURSE_DIR/gradebook.db)")
    p.add_argument("--no-feedback", action="store_true", help="skip nbgrader generate_feedback")
    p.add_argument("--summary-only", action="store_true",
                   help="do not grade; export and summarise what the gradebook holds "
                        "(e.g. after manual grading in formgrader)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    course = args.course_dir.resolve()
    out = (args.output_dir or course / "reports" / args.lab).resolve()
    out.mkdir(parents=True, exist_ok=True)
    students = [s.strip() for s in args.students.split(",")] if args.students else None
    failed = 0
    if not args.summary_only:
        print(f"Grading {args.lab!r} in {course} (cell timeout {args.timeout} s)")
        results = grade_lab(args.lab, course, timeout=args.timeout,
                            student_timeout=args.student_timeout, students=students,
                            db_url=args.db, feedback=not args.no_feedback)
        pd.DataFrame([r.row() for r in results]).to_csv(out / "status.csv", index=False)
        print("\nPer-student status\n" + _status_table(results))
        failed = sum(r.status != "graded" for r in results)
    export_grades(args.lab, course, out / "grades.csv", db_url=args.db)
    summary = summarise(args.lab, course, out, db_url=args.db)
    print("\nMean score per question\n" + summary[["grade_id", "insight", "max_score", "graded",
                                                     "needs_manual", "mean_score"]]
          .to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"\nWrote {out / 'grades.csv'}, {out / 'summary.csv'} and {out / 'summary.png'}")
    if failed:
        print(f"{failed} submission(s) could not be graded: see the status table above.")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
