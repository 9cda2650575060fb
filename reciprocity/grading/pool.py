"""Grade every submission of a lab: workers in parallel, one result per student, then feedback.

``grade_lab`` checks its arguments and the sandbox, adds the lab to the
gradebook if needed, then hands the students to ``jobs`` worker processes
(``reciprocity.grading.worker``), each grading one student after another. A
student whose run goes past the per-student limit has their worker killed
(and replaced); one bad notebook never stops the batch. Each outcome comes
from the worker's answer (nbgrader finished, or the exception that stopped
it), the gradebook (the score) and the autograded notebook (cells that
raised or timed out).

Faults of the machine, not of a notebook (``reciprocity.grading.faults``),
each with a line in the log: a student whose worker lost the connection to
the gradebook is graded again once the database answers (at most
``DATABASE_ATTEMPTS`` tries, ``gradebook.wait_for``); a full disk stops the
batch (the students not reached are listed as not graded); a worker that is
killed fails its student and is replaced. One run of a lab at a time holds
the course's lock (``records.run_lock``). ``changed_students`` counts a
student as graded only when the worker recorded a finished run
(``reciprocity.grading.records``), so a run killed half way is graded again.
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

from . import faults, gradebook, intake, late, nbgrader_cli, records
from .course import Course
from .kernelspec import install_kernel
from .sandbox import check as check_sandbox
from .settings import GradingSettings, Limits

__all__ = ["StudentResult", "grade_lab", "changed_students", "grading_needed", "default_jobs", "WORKER",
           "DATABASE_ATTEMPTS"]

WORKER = [sys.executable, "-m", "reciprocity.grading.worker"]
# tries per student when the worker lost the gradebook's connection (the database restarted)
DATABASE_ATTEMPTS = 3


@dataclass
class StudentResult:
    """What happened when one student's submission was graded."""

    student: str
    status: str  # "graded", "flagged" (the submission cannot be graded as it is: see note) or "failed"
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    note: str = ""
    cell_errors: int = 0
    timeouts: int = 0
    log: str = field(default="", repr=False)
    fault: str = ""  # faults.DATABASE or faults.DISK when the machine, not the notebook, failed

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
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        how = (f"was killed ({faults.signal_name(code)})" if code is not None and code < 0
               else f"exited unexpectedly (exit status {code})")
        reason = (f"the grading worker {how} while grading this student, who is not graded; "
                  "grade again with --changed-only")
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"\nERROR: {reason}. The worker's own output:\n"
                      + Path(self._stderr.name).read_text(errors="replace")[-4000:])
        return {"graded": False, "reason": reason, "fault": ""}

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
    if answer is None:  # the notebook's own doing (a loop that ignores interrupts): flagged
        return StudentResult(**{**failed, "status": "flagged"},
                             note=f"stopped after the {limit:.0f} s limit per student (an endless loop "
                                  "that ignores interrupts?): check the notebook, or regrade with a "
                                  "larger --student-timeout")
    if not answer["graded"]:
        flag = "" if answer.get("fault") else intake.stopped_by_code(answer["reason"])
        if flag:  # nbgrader gave up because of what the student's code did
            return StudentResult(**{**failed, "status": "flagged"}, note=flag)
        return StudentResult(**failed, note=answer["reason"] or "nbgrader could not grade it",
                             fault=answer.get("fault", ""))
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
def grading_needed(lab: str, course_dir: str | Path, db_url: str | None = None,
                   only: list[str] | None = None) -> dict[str, str]:
    """Student -> why their submission of ``lab`` needs grading, for every such student, sorted.

    A submission is graded when the worker recorded a finished run of it
    (``records.is_done``: the submission time in ``timestamp.txt`` now, and
    the graded notebooks that run wrote) and the gradebook holds that
    submission time. Everyone else needs grading: a new submission, one
    submitted again and collected, one whose last run failed or was
    interrupted (a killed worker or command, a lost database, a full disk:
    whatever that run left in the gradebook or in ``autograded/`` does not
    count). A student graded before the records existed, or by nbgrader's own
    autograde, has no record; the gradebook's submission time and a graded
    copy of every notebook decide. ``only`` limits the answer to those ids.
    """
    from nbgrader.utils import parse_utc

    course = Course.load(course_dir)
    graded = gradebook.graded_timestamps(gradebook.gradebook_url(course.root, db_url), lab)
    needed = {}
    for student in course.students_with_submissions(lab):
        if only is not None and student not in only:
            continue
        submitted = course.folder("submitted", student, lab)
        text = records.submission_time(submitted)
        try:
            stamp = parse_utc(text) if text else None
        except ValueError:
            stamp = None
        autograded = course.folder("autograded", student, lab)
        record = records.read(course.root, lab, student)
        state = (record or {}).get("state")
        missing = [nb.name for nb in submitted.glob("*.ipynb") if not (autograded / nb.name).is_file()]
        if state == "started":
            why = "its last grading did not finish (interrupted)"
        elif state == "failed":
            why = f"its last grading failed: {record.get('reason') or 'see its log'}"
        elif student not in graded:
            why = "new"
        elif stamp is None:
            why = "no valid timestamp.txt"
        elif graded[student] != stamp:
            why = "submitted again"
        elif missing:
            why = "no graded notebook"
        elif state == "done" and not records.is_done(record, text, autograded):
            why = ("submitted again" if record.get("submitted") != text
                   else "its graded notebook is not the one its last grading wrote")
        else:
            continue
        needed[student] = why
    return needed


def changed_students(lab: str, course_dir: str | Path, db_url: str | None = None,
                     only: list[str] | None = None) -> list[str]:
    """Students whose submission of ``lab`` is new or changed, or not graded to the end, sorted.

    See ``grading_needed`` (which also says why). Everyone else keeps their
    grades, hand grades included.
    """
    return sorted(grading_needed(lab, course_dir, db_url, only))


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return value


def _score(db: str, lab: str, student: str) -> tuple[float, float] | None:
    """The student's score in the gradebook, waiting for a database that restarts."""
    for attempt in range(1, DATABASE_ATTEMPTS + 1):
        try:
            return gradebook.submission_score(db, lab, student)
        except Exception as err:
            if (faults.classify(err) != faults.DATABASE or attempt == DATABASE_ATTEMPTS
                    or not gradebook.wait_for(db)):
                raise
    return None  # pragma: no cover - the loop returns or raises


def _grade_all(course: Course, settings: GradingSettings, students: list[str], jobs: int,
               limit: float, report: Callable[[StudentResult], None],
               echo: Callable[..., None] = print) -> str:
    """Grade ``students`` with ``jobs`` workers; ``report`` gets each result as it comes.

    Returns why the batch stopped before the end ("" if it did not): a full disk.
    """
    todo: queue.Queue = queue.Queue()
    for number, student in enumerate(students):
        todo.put((number, student, 1))
    stopped: list[str] = []  # the full disk's message, once one is met

    def grade(worker: WorkerProcess | None, log_dir: Path, number: int, student: str,
              attempt: int) -> tuple[WorkerProcess | None, StudentResult | None]:
        """Grade one student; (the worker to go on with, the result, or None to try again)."""
        start = time.monotonic()
        reason = intake.admit(course, settings, student)  # not a gradable notebook: flagged, not run
        if reason:
            return worker, StudentResult(student, "flagged", seconds=time.monotonic() - start, note=reason)
        if worker is None or not worker.alive:
            worker = WorkerProcess(course.root, settings, log_dir)
        log_path = log_dir / f"{number}-{re.sub(r'[^A-Za-z0-9_.-]', '_', student)}.log"
        answer = worker.grade(student, log_path, limit)
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
        if answer is None or not worker.alive:
            worker = None
        fault = (answer or {}).get("fault", "")
        if fault == faults.DATABASE:
            if attempt < DATABASE_ATTEMPTS:
                echo(f"WARNING: {student}: {answer['reason']}. Waiting up to {gradebook.DATABASE_WAIT} s "
                     f"for the database, then grading {student} again (attempt {attempt + 1} of "
                     f"{DATABASE_ATTEMPTS}).")
                if gradebook.wait_for(settings.db):
                    return worker, None
                answer["reason"] += (f"; the gradebook did not answer for {gradebook.DATABASE_WAIT} s: "
                                     "check that the database server is running, then grade again "
                                     "with --changed-only")
            else:
                answer["reason"] += (f" (gave up after {DATABASE_ATTEMPTS} attempts: grade again "
                                     "with --changed-only once the database is steady)")
        elif fault == faults.DISK and not stopped:
            stopped.append(answer["reason"])
            echo(f"ERROR: grading stopped: {answer['reason']}")
        graded = bool(answer and answer["graded"])  # else the score is not read: it is not one
        res = _result(student, answer, log, time.monotonic() - start, limit,
                      course.folder("autograded", student, settings.lab),
                      _score(settings.db, settings.lab, student) if graded else None)
        if attempt > 1 and res.status == "graded":
            res.note = "; ".join(filter(None, [f"graded at attempt {attempt} (the connection to the "
                                               "gradebook had been lost)", res.note]))
        return worker, res

    def work(log_dir: Path) -> None:
        worker = None
        try:
            while True:
                try:
                    number, student, attempt = todo.get_nowait()
                except queue.Empty:
                    return
                if stopped:
                    report(StudentResult(student, "failed", fault=faults.DISK,
                                         note="not graded: grading stopped at a full disk (see above)"))
                    continue
                try:
                    worker, res = grade(worker, log_dir, number, student, attempt)
                except Exception as err:  # the grader's own error: this student fails, the batch goes on
                    res = StudentResult(student, "failed", note=f"grading error: {type(err).__name__}: "
                                                                f"{str(err).strip()[:300]}",
                                        fault=faults.classify(err))
                if res is None:
                    todo.put((number, student, attempt + 1))
                else:
                    report(res)
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
    return stopped[0] if stopped else ""


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

    Raises
    ------
    reciprocity.grading.records.RunInProgress
        Another run of the lab holds the course's lock (nobody is graded).
    reciprocity.grading.gradebook.GradebookUnavailable
        A database server does not answer (nobody is graded).

    A lost gradebook connection, a full disk and a killed worker do not
    raise: the students they hit are graded again, or listed as failed with
    the reason (``StudentResult.fault``), and a full disk stops the batch.

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
    with records.run_lock(root, lab):
        return _grade_locked(course, lab, students, db, timeout, limit, jobs, sandbox, limits,
                             feedback, echo)


def _refresh_late(root: Path, lab: str, db: str, echo: Callable[..., None]) -> None:
    """``late.sync`` after grading; a fault of the machine leaves a warning, not an error."""
    for attempt in (1, 2):
        try:
            late.sync(root, lab, db)
            return
        except Exception as err:
            fault = faults.classify(err)
            if not fault:
                raise
            if attempt == 1 and fault == faults.DATABASE and gradebook.wait_for(db):
                continue
            echo(f"WARNING: the late penalties were not refreshed ({type(err).__name__}); "
                 "the next grading or export refreshes them")
            return


def _grade_locked(course: Course, lab: str, students: list[str], db: str, timeout: int,
                  limit: float, jobs: int, sandbox: bool, limits: Limits, feedback: bool,
                  echo: Callable[..., None]) -> list[StudentResult]:
    """``grade_lab`` once it holds the lab's lock: the gradebook, the batch, late work, feedback."""
    root = course.root
    if gradebook.sqlite_file(db) is None:  # a database server: say so now if it does not answer
        gradebook.existing_gradebook(db)
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
    # room to undo a half-written student if a disk fills (a worker gives it up then)
    reserve = faults.reserve_files(records.written_folders(root, gradebook.sqlite_file(db)), lab)
    faults.keep_reserve(reserve)
    try:
        stopped = _grade_all(course, settings, students, jobs, limit, report, echo)
    finally:
        faults.release_reserve(reserve)
        shutil.rmtree(runtime, ignore_errors=True)
    ordered = [results[s] for s in students]
    graded = [r for r in ordered if r.status == "graded"]
    _refresh_late(root, lab, db, echo)  # penalties from the new scores, before feedback shows them
    if feedback and graded and not stopped:  # no feedback written onto a full disk
        _feedback(lab, root, db, graded, limit)
    return ordered


def _feedback(lab: str, root: Path, db: str, graded: list[StudentResult], limit: float) -> None:
    """Feedback for the graded students: one batch call, then one call per student it left out."""
    base = ["generate_feedback", lab, "--force", f"--db={db}"]
    if len(graded) > 1:
        started = time.time()
        code, _ = nbgrader_cli.run(base, root, limit * 2)
        if code == 0:
            return
        # nbgrader goes on past a student whose feedback fails (e.g. an unclosed hidden-test
        # block in an answer): retry only those without a page from this call
        course = Course.load(root)
        graded = [r for r in graded if not any(
            page.stat().st_mtime >= started - 1 for page in course.folder("feedback", r.student, lab).glob("*.html"))]
    for res in graded:
        code, _ = nbgrader_cli.run([*base, f"--student={nbgrader_cli.glob_escape(res.student)}"],
                                   root, limit)
        if code != 0:
            res.note = "; ".join(filter(None, [res.note, "feedback failed"]))
