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
  the student's code starts in a sandbox (``reciprocity.sandbox``): its own
  copy of the submission, no network, no view of the course's other files,
  an unprivileged user, limits on memory, processes, CPU, disk and output.
  Without bubblewrap the command stops before grading anyone and says how to
  install it; ``--no-sandbox`` grades without one (and says it is unsafe).
* ``--jobs N`` worker processes (default: the number of cores) each grade one
  student after another (``reciprocity._nbgrader``); a student whose run goes
  past the per-student limit has their worker killed (and replaced), and one
  bad notebook never stops the batch. Workers share the gradebook: SQLite
  with a generous lock timeout, or PostgreSQL (``--db postgresql://...``).

Run it from anywhere::

    python -m reciprocity.grading outreach --course-dir /path/to/course --jobs 4

Everything is written to ``DIR/reports/LAB/`` unless ``--output-dir`` says
otherwise: ``grades.csv`` (nbgrader export), ``canvas.csv`` (Canvas
gradebook import), ``status.csv`` (one row per student), ``summary.csv`` and
``summary.png`` (one row/bar per graded cell). The exit status is 0 when
every submission was graded, 1 when at least one failed (the batch still
completes and the reports are written) and 2 when the sandbox is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

__all__ = ["StudentResult", "StripHiddenTracebacks", "RedactHiddenTests", "grade_lab",
           "export_grades", "export_canvas", "summarise", "default_jobs", "main"]

# stock nbgrader's command line, for everything but autograde (see reciprocity._nbgrader)
_NBGRADER = [sys.executable, "-m", "nbgrader"]
_WORKER = [sys.executable, "-m", "reciprocity._nbgrader"]
# seconds a writer waits for SQLite's lock while other workers write (the default is 5)
SQLITE_LOCK_TIMEOUT = 120


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
    from ._nbgrader import _glob_escape as escape

    return escape(student)


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
    extra = []
    cfg = course_dir / "nbgrader_config.py"
    has_course_id = cfg.is_file() and re.search(r"^c\.CourseDirectory\.course_id\s*=",
                                                cfg.read_text(encoding="utf-8"), re.M)
    if not db_url.startswith("sqlite") and not has_course_id:
        # nbgrader files assignments under the course id; PostgreSQL, unlike SQLite, enforces
        # that the course exists, and nbgrader only creates it for a non-empty id
        extra = ["--CourseDirectory.course_id=default_course"]
    with tempfile.TemporaryDirectory(prefix=f"release-{lab}-") as scratch:
        code, out = _run(_NBGRADER + ["generate_assignment", lab, "--force",
                                      f"--CourseDirectory.release_directory={scratch}",
                                      f"--db={db_url}", *extra], course_dir, timeout)
    if code != 0:
        raise RuntimeError(f"could not add {lab!r} to the gradebook:\n{out}")
    return f"added {lab} to the gradebook (generate_assignment into a scratch folder)"


# --------------------------------------------------------------------------- grading
def default_jobs() -> int:
    """The number of cores this process may use (the default of ``--jobs``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


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


class _Worker:
    """One ``reciprocity._nbgrader`` process, grading the students it is handed, one at a time."""

    def __init__(self, course: Path, settings: dict, log_dir: Path):
        self._stderr = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", dir=log_dir,
                                                   delete=False)
        self.proc = subprocess.Popen(_WORKER + [json.dumps(settings)], cwd=course,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, start_new_session=True)

    def grade(self, student: str, log: Path, limit: float) -> int | None:
        """nbgrader's outcome (0 graded, 1 or 2 failed); None if stopped at ``limit`` seconds."""
        try:
            self.proc.stdin.write(json.dumps({"student": student, "log": str(log)}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._died(log)
        deadline = time.monotonic() + limit
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    return self._died(log)
                return int(json.loads(line)["code"])

    def _died(self, log: Path) -> int:
        self.kill()
        with open(log, "a", encoding="utf-8") as out:
            out.write("\nERROR: the grading worker exited unexpectedly:\n"
                      + Path(self._stderr.name).read_text(errors="replace")[-4000:])
        return 2

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the worker's process group; its sandboxes die with it (--die-with-parent)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def close(self) -> None:
        if self.alive:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        self._stderr.close()
        os.unlink(self._stderr.name)


def _result(student: str, code: int | None, log: str, seconds: float, limit: float,
            autograded: Path, scores) -> StudentResult:
    if code is None:
        return StudentResult(student, "failed", seconds=seconds, log=log,
                             note=f"stopped after the {limit:.0f} s limit per student")
    if code != 0 or scores is None or not autograded.is_dir():
        return StudentResult(student, "failed", seconds=seconds, log=log,
                             note=_failure_reason(log))
    errors, timeouts, dead = _count_errors(autograded)
    bits = []
    if timeouts:
        bits.append(f"{timeouts} cell(s) timed out")
    if dead:
        bits.append("the kernel died")
    if errors - timeouts:
        bits.append(f"{errors - timeouts} cell(s) raised")
    return StudentResult(student, "graded", score=scores[0], max_score=scores[1], seconds=seconds,
                         cell_errors=errors, timeouts=timeouts, note="; ".join(bits), log=log)


def grade_lab(lab: str, course_dir: str | Path, *, timeout: int = 60,
              student_timeout: float | None = None, students: list[str] | None = None,
              db_url: str | None = None, feedback: bool = True, jobs: int | None = None,
              sandbox: bool = True, limits=None, echo=print) -> list[StudentResult]:
    """Autograde every submission of ``lab`` in ``course_dir``, ``jobs`` students at a time.

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
        ``max(300, 20 * timeout)``); past it the worker and the student's
        sandbox are killed and the student is recorded as failed.
    students : list of str, optional
        Grade only these student ids (default: every folder in ``submitted/``).
    db_url : str, optional
        Gradebook URL (default ``sqlite:///<course_dir>/gradebook.db``), e.g.
        ``postgresql://grader@/grades?host=/run/postgresql``.
    feedback : bool
        Also run ``generate_feedback`` for the graded students.
    jobs : int, optional
        Students graded at once (default: the number of cores).
    sandbox : bool
        Run each kernel in the sandbox (``reciprocity.sandbox``). If it cannot
        be set up, ``SandboxUnavailable`` is raised before anyone is graded.
    limits : reciprocity.sandbox.Limits, optional
        The sandbox's resource limits (the output limit applies without a sandbox too).
    echo : callable
        Where progress lines go (``print`` by default; pass ``lambda *a: None`` to silence).

    Examples
    --------
    >>> results = grade_lab("outreach", "course", jobs=2)      # doctest: +SKIP
    >>> [(r.student, r.score) for r in results if r.status == "graded"]  # doctest: +SKIP
    """
    from dataclasses import asdict

    from . import sandbox as sandbox_mod

    course = Path(course_dir).resolve()
    if not course.is_dir():
        raise FileNotFoundError(f"course directory {course} does not exist")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a positive whole number of seconds, got {timeout!r}")
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive whole number, got {jobs!r}")
    limit = float(student_timeout) if student_timeout else max(300.0, 20.0 * timeout)
    limits = limits or sandbox_mod.Limits()
    db = gradebook_url(course, db_url)
    _, submitted_dir = _config_dirs(course)
    if students is None:
        students = sorted(p.parent.name for p in (course / submitted_dir).glob(f"*/{lab}")
                          if p.is_dir())
    if not students:
        raise FileNotFoundError(f"no submissions found in {course / submitted_dir}/*/{lab}/")
    if sandbox:
        sandbox_mod.check(limits)
    else:
        echo("WARNING: grading without a sandbox: students' code runs with your rights and "
             "can read the answer key, change the gradebook and reach the network.")
    note = _ensure_assignment(course, lab, db, limit)
    if note:
        echo(note)

    # the sandboxes' socket folders go here, so that those of a killed worker are removed too
    runtime = tempfile.mkdtemp(prefix="reciprocity-grading-run-")
    os.chmod(runtime, 0o755)
    settings = {"lab": lab, "db": db, "timeout": timeout, "sandbox": sandbox,
                "limits": asdict(limits), "runtime_parent": runtime}
    todo: queue.Queue = queue.Queue()
    for student in students:
        todo.put(student)
    results: dict[str, StudentResult] = {}
    lock = threading.Lock()

    def report(res: StudentResult) -> None:
        with lock:
            results[res.student] = res
            score = f"{res.score:g}/{res.max_score:g}" if res.score is not None else "-"
            echo(f"{res.student:<20} {res.status:<8} {score:>9}  {res.seconds:5.1f} s  {res.note}")

    def work(log_dir: Path) -> None:
        worker = None
        try:
            while True:
                try:
                    student = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.monotonic()
                reason = _precheck(course / submitted_dir / student / lab)
                if reason:
                    report(StudentResult(student, "failed", note=reason))
                    continue
                if worker is None or not worker.alive:
                    worker = _Worker(course, settings, log_dir)
                log_path = log_dir / f"{len(results)}-{re.sub(r'[^A-Za-z0-9_.-]', '_', student)}.log"
                code = worker.grade(student, log_path, limit)
                log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
                if code is None or not worker.alive:
                    worker = None
                seconds = time.monotonic() - start
                report(_result(student, code, log, seconds, limit,
                               course / "autograded" / student / lab, _scores(db, lab, student)))
        finally:
            if worker is not None:
                worker.close()

    try:
        with tempfile.TemporaryDirectory(prefix="reciprocity-grading-") as logs:
            threads = [threading.Thread(target=work, args=(Path(logs),), daemon=True)
                       for _ in range(min(jobs, len(students)))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    ordered = [results[s] for s in students]
    graded = [r for r in ordered if r.status == "graded"]
    if feedback and graded:
        _feedback(lab, course, db, graded, limit)
    return ordered


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


_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _flat(text: str) -> str:
    return " ".join(_ANSI.sub("", text).split())


def hidden_test_lines(nb, min_length: int = 12) -> list[str]:
    """The lines of the hidden test blocks in ``nb`` (whitespace collapsed), long enough to search for."""
    lines = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for block in _HIDDEN.findall(cell.get("source", "")):
            for line in block.splitlines():
                flat = _flat(line)
                if len(flat) >= min_length:
                    lines.add(flat)
    return sorted(lines, key=len, reverse=True)


def _output_text(out) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        return out.get("text", "")
    if kind == "error":
        return "\n".join([str(out.get("evalue", "")), *out.get("traceback", [])])
    return "\n".join(v if isinstance(v, str) else json.dumps(v)
                     for v in (out.get("data") or {}).values())


class RedactHiddenTests(Preprocessor):
    """Remove every output that quotes a line of a hidden test, in any cell.

    A student's code runs in the same kernel as the hidden tests and can see
    their source (IPython's ``In``, a ``pre_run_cell`` hook) and print it in
    any later cell. Outputs that contain a line of a hidden block (12
    characters or more, whitespace collapsed) are replaced by a short notice;
    an error keeps its type, so the cell still shows as failed. Runs after
    ``SaveAutoGrades`` in autograding, so it never changes a grade, and again
    in feedback. It catches quotations, not encoded copies: see the
    instructor guide.
    """

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)
    min_length = Integer(12, help="shortest hidden line searched for").tag(config=True)
    notice = "[grader: output removed because it quoted hidden test code]"

    def preprocess(self, nb, resources):
        lines = hidden_test_lines(nb, self.min_length)
        if not lines:
            return nb, resources
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            kept = []
            for out in cell.get("outputs", []):
                text = _flat(_output_text(out))
                if not any(line in text for line in lines):
                    kept.append(out)
                elif out.get("output_type") == "error":
                    out["evalue"] = self.notice
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {self.notice}"]
                    kept.append(out)
                elif out.get("output_type") == "stream":
                    kept.append(type(out)(output_type="stream", name=out.get("name", "stdout"),
                                          text=self.notice + "\n"))
                else:
                    kept.append(type(out)(output_type="stream", name="stdout",
                                          text=self.notice + "\n"))
            cell["outputs"] = kept
        return nb, resources


def export_grades(lab: str, course_dir: str | Path, out_csv: str | Path, *,
                  db_url: str | None = None, timeout: float = 300) -> Path:
    """``nbgrader export`` of ``lab`` to ``out_csv`` (one row per submission)."""
    course = Path(course_dir).resolve()
    out = Path(out_csv).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    db = gradebook_url(course, db_url)
    code, log = _run(_NBGRADER + ["export", f"--to={out}", f"--ExportPlugin.assignment=['{lab}']",
                                  f"--db={db}"], course, timeout)
    if code != 0 or not out.is_file():
        raise RuntimeError(f"nbgrader export failed:\n{log}")
    # nbgrader 0.9's CSV export ignores the assignment filter: keep this lab's rows only
    grades = pd.read_csv(out, dtype={"student_id": str})
    grades[grades["assignment"].astype(str) == lab].to_csv(out, index=False)
    return out


CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _canvas_roster(path: str | Path) -> tuple[pd.DataFrame, str]:
    """A Canvas gradebook export as a roster, and the column that holds nbgrader's student ids."""
    roster = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CANVAS_COLUMNS if c not in roster.columns]
    if missing:
        raise ValueError(f"{path} is not a Canvas gradebook export: no column(s) {', '.join(missing)}")
    roster = roster[~roster["Student"].str.strip().isin(["Points Possible", "Student, Test"])]
    return roster, "SIS Login ID"


def export_canvas(lab: str, course_dir: str | Path, out_csv: str | Path, *,
                  db_url: str | None = None, title: str | None = None,
                  assignment_id: str | int | None = None, roster: str | Path | None = None,
                  match_on: str = "SIS Login ID") -> Path:
    """Write ``lab``'s scores as a CSV that Canvas' gradebook import accepts.

    Columns: ``Student, ID, SIS User ID, SIS Login ID, Section`` and one
    assignment column named ``"TITLE (ASSIGNMENT_ID)"`` (``"TITLE"`` alone
    when no id is given: Canvas then creates a new assignment). The second row,
    ``Points Possible``, holds the lab's maximum score, as in Canvas' own export.

    Students are matched to Canvas through ``match_on`` (default ``SIS Login
    ID``): the nbgrader student id is taken to be that value. With ``roster``
    (a gradebook CSV exported from Canvas) the names, ids and sections come
    from it, and every student on it gets a row (blank score when there is no
    submission); without one, each student in the gradebook gets a row with
    the name nbgrader knows, the student id in ``match_on``, ``ID`` from
    nbgrader's ``lms_user_id`` when set, and the other columns blank.

    Example
    -------
    >>> export_canvas("outreach", ".", "reports/outreach/canvas.csv", assignment_id=4711)  # doctest: +SKIP
    """
    from nbgrader.api import Gradebook, MissingEntry

    if match_on not in ("ID", "SIS User ID", "SIS Login ID"):
        raise ValueError(f"match_on must be ID, SIS User ID or SIS Login ID, not {match_on!r}")
    course = Path(course_dir).resolve()
    out = Path(out_csv).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    header = f"{title or lab} ({assignment_id})" if assignment_id not in (None, "") else (title or lab)
    rows, scores = [], {}
    with Gradebook(gradebook_url(course, db_url)) as gb:
        assignment = gb.find_assignment(lab)
        max_score = float(assignment.max_score)
        known = {}
        for student in gb.students:
            known[student.id] = student
            try:
                scores[student.id] = float(gb.find_submission(lab, student.id).score)
            except MissingEntry:
                pass
    if roster is not None:
        frame, _ = _canvas_roster(roster)
        for rec in frame.to_dict("records"):
            sid = rec[match_on].strip()
            rows.append({**{c: rec[c] for c in CANVAS_COLUMNS}, header: scores.get(sid)})
        unmatched = sorted(set(scores) - set(frame[match_on].str.strip()))
        if unmatched:
            raise ValueError(f"graded students not on the Canvas roster (by {match_on}): "
                             f"{', '.join(unmatched)}")
    else:
        for sid in sorted(known):
            student = known[sid]
            name = ", ".join(p for p in (student.last_name, student.first_name) if p) or sid
            row = {"Student": name, "ID": student.lms_user_id or "", "SIS User ID": "",
                   "SIS Login ID": "", "Section": ""}
            row[match_on] = sid
            rows.append({**row, header: scores.get(sid)})
    frame = pd.DataFrame(rows, columns=[*CANVAS_COLUMNS, header])
    points = pd.DataFrame([{"Student": "Points Possible", header: max_score}])
    frame = pd.concat([points, frame], ignore_index=True)[[*CANVAS_COLUMNS, header]]
    frame[header] = frame[header].map(lambda v: "" if v is None or pd.isna(v) else f"{v:g}")
    frame.fillna("").to_csv(out, index=False, lineterminator="\n")
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
    db = gradebook_url(course, db_url)
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
        description=("Autograde every collected submission of a lab, each student's code in a "
                     "sandbox, several students at once (a broken or malicious notebook cannot "
                     "stop the batch or reach anything else), generate feedback, export the "
                     "grades (nbgrader CSV and Canvas CSV) and write a per-question summary "
                     "(CSV and figure)."),
        epilog=("Outputs (in --output-dir): grades.csv, canvas.csv, status.csv, summary.csv, "
                "summary.png. Exit status 1 if any submission could not be graded, 2 if the "
                "sandbox cannot be set up."))
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
                   help="gradebook URL (default: sqlite:///COURSE_DIR/gradebook.db), e.g. "
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


def _limits(args):
    from dataclasses import replace

    from .sandbox import Limits, MiB

    limits = Limits()
    if args.memory_mb:
        limits = replace(limits, memory=args.memory_mb * MiB)
    if args.disk_mb:
        limits = replace(limits, disk=args.disk_mb * MiB)
    if args.output_mb:
        limits = replace(limits, output=int(args.output_mb * MiB))
    return limits


def main(argv: list[str] | None = None) -> int:
    from .sandbox import SandboxUnavailable

    args = _parser().parse_args(argv)
    course = args.course_dir.resolve()
    out = (args.output_dir or course / "reports" / args.lab).resolve()
    out.mkdir(parents=True, exist_ok=True)
    students = [s.strip() for s in args.students.split(",")] if args.students else None
    failed = 0
    if not args.summary_only:
        jobs = args.jobs or default_jobs()
        print(f"Grading {args.lab!r} in {course} (cell timeout {args.timeout} s, {jobs} at once, "
              f"{'no sandbox' if args.no_sandbox else 'sandboxed'})")
        try:
            results = grade_lab(args.lab, course, timeout=args.timeout,
                                student_timeout=args.student_timeout, students=students,
                                db_url=args.db, feedback=not args.no_feedback, jobs=jobs,
                                sandbox=not args.no_sandbox, limits=_limits(args))
        except SandboxUnavailable as err:
            print(f"Nobody was graded: {err}", file=sys.stderr)
            return 2
        pd.DataFrame([r.row() for r in results]).to_csv(out / "status.csv", index=False)
        print("\nPer-student status\n" + _status_table(results))
        failed = sum(r.status != "graded" for r in results)
    export_grades(args.lab, course, out / "grades.csv", db_url=args.db)
    export_canvas(args.lab, course, out / "canvas.csv", db_url=args.db, title=args.canvas_title,
                  assignment_id=args.canvas_id, roster=args.canvas_roster,
                  match_on=args.canvas_match)
    summary = summarise(args.lab, course, out, db_url=args.db)
    print("\nMean score per question\n" + summary[["grade_id", "insight", "max_score", "graded",
                                                     "needs_manual", "mean_score"]]
          .to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"\nWrote {out / 'grades.csv'}, {out / 'canvas.csv'}, {out / 'summary.csv'} and "
          f"{out / 'summary.png'}")
    if failed:
        print(f"{failed} submission(s) could not be graded: see the status table above.")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
