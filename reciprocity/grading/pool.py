"""Grade every submission of a lab: workers in parallel, one result per student, then feedback.

``grade_lab`` checks its arguments and the sandbox, adds the lab to the
gradebook if needed, then hands the students to ``jobs`` worker processes
(``reciprocity.grading.worker``), each grading one student after another. A
student whose run goes past the per-student limit has their worker killed
(and replaced); one bad notebook never stops the batch. Each outcome comes
from the worker's answer (nbgrader finished, or the exception that stopped
it), the gradebook (the score) and the autograded notebook (cells that
raised or timed out).
"""
from __future__ import annotations

import contextlib
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook, late, nbgrader_cli
from .course import Course, submission_problem
from .kernelspec import install_kernel
from .sandbox import check as check_sandbox
from .settings import GradingSettings, Limits

__all__ = ["StudentResult", "grade_lab", "changed_students", "default_jobs", "WORKER"]

WORKER = [sys.executable, "-m", "reciprocity.grading.worker"]


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


def default_jobs() -> int:
    """The number of cores this process may use (the default of ``--jobs``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- one worker
class WorkerProcess:
    """One ``reciprocity.grading.worker`` process, grading the students it is handed, one at a time."""

    def __init__(self, course_root: Path, settings: GradingSettings, log_dir: Path):
        # kept open for the worker's life, closed in close()
        self._stderr = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", dir=log_dir,  # noqa: SIM115
                                                   delete=False)
        self.proc = subprocess.Popen([*WORKER, settings.to_json()], cwd=course_root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, start_new_session=True)

    def grade(self, student: str, log: Path, limit: float) -> dict | None:
        """The worker's answer (``graded``, ``reason``); None if stopped at ``limit`` seconds."""
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
                return json.loads(line)

    def _died(self, log: Path) -> dict:
        self.kill()
        with open(log, "a", encoding="utf-8") as out:
            out.write("\nERROR: the grading worker exited unexpectedly:\n"
                      + Path(self._stderr.name).read_text(errors="replace")[-4000:])
        return {"graded": False, "reason": "the grading worker exited unexpectedly"}

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the worker's process group; its sandboxes die with it (--die-with-parent)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
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


# --------------------------------------------------------------------------- one result
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


def _result(student: str, answer: dict | None, log: str, seconds: float, limit: float,
            autograded: Path, scores: tuple[float, float] | None) -> StudentResult:
    failed = dict(student=student, status="failed", seconds=seconds, log=log)
    if answer is None:
        return StudentResult(**failed, note=f"stopped after the {limit:.0f} s limit per student")
    if not answer["graded"]:
        return StudentResult(**failed, note=answer["reason"] or "nbgrader could not grade it")
    if scores is None or not autograded.is_dir():
        return StudentResult(**failed, note="nbgrader finished but left no graded notebook or score")
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


# --------------------------------------------------------------------------- the class
def changed_students(lab: str, course_dir: str | Path, db_url: str | None = None,
                     only: list[str] | None = None) -> list[str]:
    """Students whose submission of ``lab`` is new or changed since it was last graded, sorted.

    A submission needs grading when the gradebook has no submission time for
    it, or another one than the submitted folder's ``timestamp.txt`` (the
    student submitted again and it was collected), or when a submitted
    notebook has no autograded copy (its last run failed). Everyone else
    keeps their grades, hand grades included. ``only`` limits the answer to
    those ids.
    """
    from nbgrader.utils import parse_utc

    course = Course.load(course_dir)
    graded = gradebook.graded_timestamps(gradebook.gradebook_url(course.root, db_url), lab)
    changed = []
    for student in course.students_with_submissions(lab):
        if only is not None and student not in only:
            continue
        submitted = course.folder("submitted", student, lab)
        stamp_file = submitted / "timestamp.txt"
        try:
            stamp = parse_utc(stamp_file.read_text().strip()) if stamp_file.is_file() else None
        except ValueError:
            stamp = None
        autograded = course.folder("autograded", student, lab)
        missing = [nb.name for nb in submitted.glob("*.ipynb") if not (autograded / nb.name).is_file()]
        if student not in graded or graded[student] != stamp or stamp is None or missing:
            changed.append(student)
    return changed


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return value


def _grade_all(course: Course, settings: GradingSettings, students: list[str], jobs: int,
               limit: float, report: Callable[[StudentResult], None]) -> None:
    """Grade ``students`` with ``jobs`` workers; ``report`` gets each result as it comes."""
    todo: queue.Queue = queue.Queue()
    for number, student in enumerate(students):
        todo.put((number, student))

    def work(log_dir: Path) -> None:
        worker = None
        try:
            while True:
                try:
                    number, student = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.monotonic()
                reason = submission_problem(course.folder("submitted", student, settings.lab))
                if reason:
                    report(StudentResult(student, "failed", note=reason))
                    continue
                if worker is None or not worker.alive:
                    worker = WorkerProcess(course.root, settings, log_dir)
                log_path = log_dir / f"{number}-{re.sub(r'[^A-Za-z0-9_.-]', '_', student)}.log"
                answer = worker.grade(student, log_path, limit)
                log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
                if answer is None or not worker.alive:
                    worker = None
                report(_result(student, answer, log, time.monotonic() - start, limit,
                               course.folder("autograded", student, settings.lab),
                               gradebook.submission_score(settings.db, settings.lab, student)))
        finally:
            if worker is not None:
                worker.close()

    with tempfile.TemporaryDirectory(prefix="reciprocity-grading-") as logs:
        threads = [threading.Thread(target=work, args=(Path(logs),), daemon=True)
                   for _ in range(min(jobs, len(students)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def grade_lab(lab: str, course_dir: str | Path, *, timeout: int = 60,
              student_timeout: float | None = None, students: list[str] | None = None,
              db_url: str | None = None, feedback: bool = True, jobs: int | None = None,
              sandbox: bool = True, limits: Limits | None = None,
              echo: Callable[..., None] = print) -> list[StudentResult]:
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
        Run each kernel in the sandbox (``reciprocity.grading.sandbox``). If it
        cannot be set up, ``SandboxUnavailable`` is raised before anyone is graded.
    limits : reciprocity.grading.settings.Limits, optional
        The sandbox's resource limits (the output limit applies without a sandbox too).
    echo : callable
        Where progress lines go (``print`` by default; pass ``lambda *a: None`` to silence).

    Examples
    --------
    >>> results = grade_lab("outreach", "course", jobs=2)      # doctest: +SKIP
    >>> [(r.student, r.score) for r in results if r.status == "graded"]  # doctest: +SKIP
    """
    root = Path(course_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"course directory {root} does not exist")
    _positive_int("timeout", timeout)
    jobs = _positive_int("jobs", default_jobs() if jobs is None else jobs)
    limit = float(student_timeout) if student_timeout else max(300.0, 20.0 * timeout)
    course = Course.load(root)
    students = course.students_with_submissions(lab) if students is None else students
    if not students:
        raise FileNotFoundError(f"no submissions found in "
                                f"{course.folder('submitted', '*', lab)}/")
    limits = limits or Limits()
    if sandbox:
        install_kernel()
        check_sandbox(limits)
    else:
        echo("WARNING: grading without a sandbox: students' code runs with your rights and "
             "can read the answer key, change the gradebook and reach the network.")
    db = gradebook.gradebook_url(root, db_url)
    note = gradebook.ensure_assignment(course, lab, db, limit)
    if note:
        echo(note)
    # deadlines.toml checked (nothing graded if it has a problem) and its due dates,
    # extensions and penalties written, so that nbgrader counts lateness from them
    late.sync(root, lab, db)

    results: dict[str, StudentResult] = {}
    lock = threading.Lock()

    def report(res: StudentResult) -> None:
        with lock:
            results[res.student] = res
            score = f"{res.score:g}/{res.max_score:g}" if res.score is not None else "-"
            echo(f"{res.student:<20} {res.status:<8} {score:>9}  {res.seconds:5.1f} s  {res.note}")

    # the sandboxes' folders go here, so that those of a killed worker are removed too
    runtime = tempfile.mkdtemp(prefix="reciprocity-grading-run-")
    os.chmod(runtime, 0o755)
    settings = GradingSettings(lab=lab, db=db, timeout=timeout, sandbox=sandbox, limits=limits,
                               runtime_parent=runtime)
    try:
        _grade_all(course, settings, students, jobs, limit, report)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    ordered = [results[s] for s in students]
    graded = [r for r in ordered if r.status == "graded"]
    late.sync(root, lab, db)  # penalties from the new scores, before feedback shows them
    if feedback and graded:
        _feedback(lab, root, db, graded, limit)
    return ordered


def _feedback(lab: str, root: Path, db: str, graded: list[StudentResult], limit: float) -> None:
    """Feedback for the graded students: one batch call, per student if the batch fails."""
    base = ["generate_feedback", lab, "--force", f"--db={db}"]
    if len(graded) > 1:
        code, _ = nbgrader_cli.run(base, root, limit * 2)
        if code == 0:
            return
    for res in graded:
        code, _ = nbgrader_cli.run([*base, f"--student={nbgrader_cli.glob_escape(res.student)}"],
                                   root, limit)
        if code != 0:
            res.note = "; ".join(filter(None, [res.note, "feedback failed"]))
