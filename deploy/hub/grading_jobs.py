"""The jobs of one course's grading service: grade, release feedback, export; one at a time, logged.

The service (``grading_service.py``) runs as root because one step needs it:
setting aside inbound submissions that a student wrote in someone else's
name (they are owned by the writer, and only root can move them). Every
other step runs as the course's grader account ``grader-<course>``, the
account that owns the course directory and that its instructors and TAs
already work as in the formgrader:

* **grade**: set forged submissions aside, and unfinished ones (a full
  exchange disk), ``nbgrader collect LAB --update``, then ``python -m
  reciprocity.grading LAB --no-feedback`` (each student's kernel in the
  sandbox, which the grader account enters through a user namespace), new
  and changed submissions (and those whose last grading did not finish) only
  unless asked to regrade all;
* **feedback**: refused while any answer of the lab waits for a hand grade
  (the gradebook knows which); else ``nbgrader generate_feedback --force``
  (so hand grades and comments are in it) and ``nbgrader release_feedback``;
* **export**: ``python -m reciprocity.grading LAB --summary-only`` (grades.csv,
  canvas.csv, summary), from the course's configured gradebook.

Root never runs code from the course directory (its ``nbgrader_config.py``
and anything on ``python -m``'s path belong to the grader account) and reads
files there only through ``open_course_file``, which follows no links. The
job log (what ran, when, for whom, the outcome and the output) is kept in
``STATE/grading/<course>.json``, readable by root only; a running job's
output is saved there as it comes (every few seconds), so a service that
dies keeps what its job had done, and on its restart a job it left running
is marked interrupted. A command killed under a job (``SIGKILL``) ends the
job as failed, with the signal and what to do.

When the hub runs in LTI mode (``run.py up --lti``), a job also talks to the
school's LMS (``reciprocity.lms``), from the service itself:

* **Grade** and **Export** first read the course's LMS roster (Names and Role
  Provisioning Services) into the gradebook: the names and LTI ids of its
  students who have launched the tool, so they are in the formgrader and the
  exports even before they submit;
* after **Grade**, after **Generate and release feedback** (hand grades
  complete) and after **Export** (a changed due date or extension changes
  penalties), each graded student's score goes to the LMS's grade book
  (Assignment and Grade Services; one line item per lab;
  ``activityProgress`` Completed, ``gradingProgress`` PendingManual while a
  memo waits for a hand grade, else FullyGraded), and only a score that
  changed since it was last posted (the ledger in the LTI state folder).

The job stays running until that is done, so that no other job starts
meanwhile. What was posted, or why nothing could be, is in the job's log and
its ``lms`` field; a failure to reach the LMS never fails the job. In LTI
mode the course's staff and students are those who have launched into it
(the launch records), not the roster of ``setup.json``.
"""
from __future__ import annotations

import asyncio
import codecs
import csv
import io
import json
import os
import pwd
import re
import signal
import stat
import time
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path

from reciprocity.grading.deadlines import POLICY_FILE, DeadlinePolicyError, parse_policy

LAB = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REPORT_FILES = ("grades.csv", "canvas.csv", "summary.csv", "summary.png", "status.csv",
                "items.html", "items.csv", "insights.csv")  # the last three: the item report
ACTIONS = {"grade": "Grade", "feedback": "Generate and release feedback", "export": "Export"}
LOG_LIMIT = 200_000  # characters of output kept per job
JOBS_KEPT = 200
SAVE_EVERY = 3.0  # seconds between saves of a running job's output
INTERRUPTED = ("interrupted: the grading service was restarted while this job ran. Students it "
               "had graded keep their grades; press the button again to finish (Grade grades only "
               "what is not graded yet)")


class Course:
    """One course as the service sees it, from the hub's ``setup.json`` (written by ``run.py up``)."""

    def __init__(self, state: Path, name: str):
        setup = json.loads((state / "hub" / "setup.json").read_text())
        info = setup["services"][name]
        self.name, self.state = name, state
        self.dir = Path(info["course_dir"])
        self.db_url = info["db_url"]  # the URL run.py wrote into the course's nbgrader_config.py
        self.grader = pwd.getpwnam(f"grader-{name}")
        self.homes = state / "homes"
        self.exchange = Path(setup["exchange"])
        self.quarantine = state / "quarantine" / name
        self.venv_bin = setup["venv_bin"]
        self.grading_jobs = str(setup.get("grading_jobs", 2))
        self.sandbox = setup.get("sandbox", True)
        self.log_file = state / "grading" / f"{name}.json"
        self.lti = setup.get("lti")  # LTI mode: lti.toml's path, the launch records' (run.py lti_state)

    def people(self) -> dict[str, list[str]]:
        """The course's roster now (``run.py roster`` rewrites ``setup.json``): instructors, tas, students."""
        if self.lti:
            return lms_people(self)
        setup = json.loads((self.state / "hub" / "setup.json").read_text())
        return setup["courses"][self.name]

    def staff(self) -> set[str]:
        people = self.people()
        return set(people["instructors"]) | set(people["tas"])

    def as_grader(self) -> dict:
        """``subprocess`` arguments that run a command as the course's grader account."""
        g = self.grader
        return {"user": g.pw_uid, "group": g.pw_gid, "extra_groups": [],
                "env": {"HOME": g.pw_dir, "USER": g.pw_name, "LOGNAME": g.pw_name,
                        "LANG": "C.UTF-8", "PATH": f"{self.venv_bin}:/usr/bin:/bin"}}

    def labs(self) -> list[str]:
        """The labs of the course: the folders of its source directory (no links followed)."""
        fd = course_dir_fd(self, "solutions")
        if fd is None:
            return []
        try:
            return sorted(n for n in os.listdir(fd) if LAB.match(n) and stat.S_ISDIR(
                os.stat(n, dir_fd=fd, follow_symlinks=False).st_mode))
        finally:
            os.close(fd)


# ------------------------------------------------------------------ files, safely as root
def _open_dir(parent_fd: int, name: str) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)


def course_dir_fd(course: Course, *parts: str) -> int | None:
    """A folder under the course directory, opened without following any link (None if absent).

    The walk starts at ``STATE/homes`` (root's), so neither the grader's home
    nor any folder below it can be swapped for a link to a place the grader
    may not read.
    """
    rel = [course.grader.pw_name, *course.dir.relative_to(course.homes / course.grader.pw_name).parts,
           *parts]
    fd = os.open(course.homes, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in rel:
            parent, fd = fd, -1
            try:
                fd = _open_dir(parent, name)
            finally:
                os.close(parent)
    except OSError:  # absent, or a link where a folder should be (ELOOP, ENOTDIR)
        if fd >= 0:
            os.close(fd)
        return None
    return fd


def open_course_file(course: Course, *parts: str) -> io.BufferedReader | None:
    """A regular file under the course directory, opened without following any link (None if absent)."""
    folder = course_dir_fd(course, *parts[:-1])
    if folder is None:
        return None
    try:
        # O_NONBLOCK: a FIFO in place of the file must not hang the service
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def report_files(course: Course, lab: str) -> list[dict]:
    """The reports of ``lab`` that exist: name, size and time of the last change."""
    found = []
    for name in REPORT_FILES:
        f = open_course_file(course, "reports", lab, name)
        if f is None:
            continue
        with f:
            st = os.fstat(f.fileno())
        found.append({"name": name, "bytes": st.st_size, "modified": st.st_mtime})
    return found


def _status_rows(course: Course, lab: str) -> list[dict]:
    f = open_course_file(course, "reports", lab, "status.csv")
    if f is None:
        return []
    with f:
        return list(csv.DictReader(io.StringIO(f.read(2_000_000).decode("utf-8", "replace"))))


def grade_outcome(status: list[dict]) -> str:
    """The Grade job's outcome from ``status.csv``'s rows: graded, flagged (with why), failed."""
    graded = sum(r.get("status") == "graded" for r in status)
    flagged = sum(r.get("status") == "flagged" for r in status)
    failed = len(status) - graded - flagged
    return (f"{graded} submission(s) graded"
            + (f", {flagged} flagged (not gradable as handed in: the reasons are in status.csv)"
               if flagged else "")
            + (f", {failed} failed (see the log)" if failed else ""))


def released_labs(course: Course) -> set[str]:
    """The labs released to students: folders of the course's outbound exchange (no links followed)."""
    try:
        top = os.open(course.exchange, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return set()
    try:
        ex = _open_dir(top, course.name)
        try:
            out = _open_dir(ex, "outbound")
        finally:
            os.close(ex)
        try:
            return {n for n in os.listdir(out) if LAB.match(n) and stat.S_ISDIR(
                os.stat(n, dir_fd=out, follow_symlinks=False).st_mode)}
        finally:
            os.close(out)
    except OSError:
        return set()
    finally:
        os.close(top)


def read_policy(course: Course):
    """The course's ``DeadlinePolicy`` (None without a ``deadlines.toml``), and a problem ("" if none).

    The problem is the checker's own message (each problem with its key and fix)
    for staff; students are told only that the file has a problem.
    """
    f = open_course_file(course, POLICY_FILE)
    if f is None:
        return None, ""
    with f:
        raw = f.read(1_000_000)
    try:
        return parse_policy(tomllib.loads(raw.decode("utf-8")), known_labs=course.labs()), ""
    except DeadlinePolicyError as err:
        return None, str(err).replace("the deadline policy", POLICY_FILE, 1)
    except tomllib.TOMLDecodeError as err:
        return None, f"{POLICY_FILE} is not valid TOML: {err}; nothing in it applies until it is fixed"
    except UnicodeDecodeError:
        return None, f"{POLICY_FILE} is not UTF-8 text; save it as UTF-8"


def due_dates(course: Course, person: str) -> dict:
    """``person``'s due dates for the course's released labs, their extensions and the late rule.

    ``{"course", "labs": [{"lab", "due", "class_due", "extended"}], "late_rule"}``
    (ISO 8601 times in UTC), or ``{"course", "problem"}`` when the course's
    ``deadlines.toml`` cannot be read: the problem, for the student to pass on.
    """
    policy, problem = read_policy(course)
    if problem:
        return {"course": course.name,
                "problem": "due dates are not available: the course's deadline file has a "
                           "problem; please tell your instructor"}
    if policy is None:
        return {"course": course.name, "labs": [], "late_rule": ""}
    released = released_labs(course)
    labs = []
    for lab in sorted(policy.labs):
        if lab not in released:
            continue
        due, class_due = policy.due(lab, person), policy.due(lab)
        labs.append({"lab": lab, "due": due.astimezone(UTC).isoformat(),
                     "class_due": class_due.astimezone(UTC).isoformat(),
                     "extended": due != class_due})
    return {"course": course.name, "labs": labs, "late_rule": policy.late.describe()}


# ------------------------------------------------------------------------- submissions
def _inbound_fd(course: Course) -> int | None:
    """The course's inbound folder, opened without following links (None if it is not there)."""
    try:
        top = os.open(course.exchange, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        ex = _open_dir(top, course.name)
        try:
            return _open_dir(ex, "inbound")
        finally:
            os.close(ex)
    except OSError:
        return None
    finally:
        os.close(top)


def inbound_students(course: Course, lab: str) -> set[str]:
    """Students with at least one submission of ``lab`` waiting in the exchange."""
    fd = _inbound_fd(course)
    if fd is None:
        return set()
    try:
        return {n.split("+")[0] for n in os.listdir(fd) if n.count("+") >= 2 and n.split("+")[1] == lab}
    finally:
        os.close(fd)


def _lab_entries(inbound_fd: int, lab: str) -> list[tuple[str, list[str]]]:
    """The inbound folder's entries of ``lab`` (``student+lab+time...``), each with its name's parts."""
    entries = ((name, name.split("+")) for name in sorted(os.listdir(inbound_fd)))
    return [(name, parts) for name, parts in entries if len(parts) >= 3 and parts[1] == lab]


def _set_aside(course: Course, inbound_fd: int, name: str, new_name: str) -> None:
    """Move the inbound entry ``name`` into the course's quarantine as ``new_name`` (root's folder)."""
    course.quarantine.mkdir(parents=True, exist_ok=True, mode=0o700)
    qfd = os.open(course.quarantine, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.rename(name, new_name, src_dir_fd=inbound_fd, dst_dir_fd=qfd)
    finally:
        os.close(qfd)


def quarantine_forged(course: Course, lab: str) -> list[str]:
    """Move aside inbound entries of ``lab`` not owned by the student they name; what was moved.

    nbgrader's ``collect`` only warns about such entries; the inbound folder
    is writable by everyone in the course (that is how submitting works).
    """
    moved = []
    fd = _inbound_fd(course)
    if fd is None:
        return moved
    try:
        for name, parts in _lab_entries(fd, lab):
            st = os.lstat(name, dir_fd=fd)
            try:
                owner = pwd.getpwuid(st.st_uid).pw_name
            except KeyError:
                owner = f"uid {st.st_uid}"
            if owner != parts[0] or not stat.S_ISDIR(st.st_mode):
                _set_aside(course, fd, name, f"{name}.from-{owner}.{uuid.uuid4().hex[:6]}")
                moved.append(f"{name} (claims {parts[0]}, owned by {owner})")
    finally:
        os.close(fd)
    return moved


def _complete(entry_fd: int) -> bool:
    """nbgrader's submit wrote ``timestamp.txt``, then ``submission_secret.txt``, both non-empty."""
    for name in ("timestamp.txt", "submission_secret.txt"):
        try:
            st = os.stat(name, dir_fd=entry_fd, follow_symlinks=False)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            return False
    return True


def set_aside_unfinished(course: Course, lab: str) -> list[str]:
    """Move aside inbound submissions of ``lab`` that ``nbgrader submit`` did not finish; what was moved.

    ``nbgrader submit`` copies the student's folder into the exchange, then
    writes ``timestamp.txt`` and, last, ``submission_secret.txt``. When a
    write fails (the exchange's disk is full) it says so to the student and
    leaves what it had copied; ``nbgrader collect`` would then take that
    entry, the student's newest, in place of their last complete submission,
    and a cut-off notebook would be graded, or fail. An entry without both
    files, non-empty, is not finished: it goes to the quarantine folder
    (beside forged ones), and the student's last complete submission is
    collected. A student still submitting at that very moment loses the
    submission in progress (nbgrader's submit then fails and says so) and
    submits again.
    """
    moved = []
    fd = _inbound_fd(course)
    if fd is None:
        return moved
    try:
        for name, _ in _lab_entries(fd, lab):
            try:
                entry = _open_dir(fd, name)
            except OSError:  # not a folder (or a link): quarantine_forged moves those
                continue
            try:
                if _complete(entry):
                    continue
            finally:
                os.close(entry)
            _set_aside(course, fd, name, f"{name}.unfinished.{uuid.uuid4().hex[:6]}")
            moved.append(f"{name} (no timestamp.txt or submission_secret.txt)")
    finally:
        os.close(fd)
    return moved


# --------------------------------------------------------------------------- the jobs
@dataclass
class Job:
    """One press of a button (or one API call): what, for which lab, by whom, when, how it ended."""

    lab: str
    action: str  # grade | feedback | export
    by: str
    options: dict = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: str = "running"  # running | done | failed | refused
    started: float = field(default_factory=time.time)
    finished: float | None = None
    outcome: str = ""
    log: str = ""
    pending: list = field(default_factory=list)  # feedback refused: what waits for a hand grade
    quarantined: list = field(default_factory=list)
    status: list = field(default_factory=list)  # grade: the per-student status table
    lms: dict = field(default_factory=dict)  # LTI mode: scores sent to the LMS (lms_send_grades)

    @property
    def title(self) -> str:
        return f"{ACTIONS[self.action]}: {self.lab}"

    def to_dict(self, with_log: bool = True) -> dict:
        data = asdict(self)
        data["title"] = self.title
        if not with_log:
            data.pop("log")
        return data

    def say(self, text: str) -> None:
        self.log = (self.log + text)[-LOG_LIMIT:]

    def end(self, state: str, outcome: str) -> None:
        self.state, self.outcome, self.finished = state, outcome, time.time()


class JobLog:
    """Every job of one course, newest last, kept in a root-only JSON file across restarts."""

    def __init__(self, path: Path):
        self.path = path
        self.jobs: dict[str, Job] = {}
        try:
            for data in json.loads(path.read_text()):
                data.pop("title", None)
                job = Job(**data)
                if job.state == "running":  # the service stopped under it
                    job.say("\n(the grading service stopped while this job ran)\n")
                    job.end("failed", INTERRUPTED)
                self.jobs[job.id] = job
        except (OSError, ValueError, TypeError):
            pass

    def running(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def add(self, job: Job) -> None:
        self.jobs[job.id] = job
        for old in list(self.jobs)[:-JOBS_KEPT]:
            del self.jobs[old]
        self.save()

    def newest_first(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.started, reverse=True)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".part")
        tmp.write_text(json.dumps([j.to_dict() for j in self.jobs.values()]))
        tmp.chmod(0o600)
        os.replace(tmp, self.path)


async def _run(job: Job, cmd: list[str], course: Course) -> int:
    """Run ``cmd`` as the grader account in the course directory; its output goes to the job's log."""
    job.say(f"$ {' '.join(cmd)}\n")
    grader = course.as_grader()
    grader["env"] = {**grader["env"], "PYTHONUNBUFFERED": "1"}  # its lines as they are printed
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=course.dir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, start_new_session=True, **grader)
    text = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while chunk := await proc.stdout.read(65536):  # as it comes, so that a saved log is current
        job.say(text.decode(chunk))
    code = await proc.wait()
    job.say(text.decode(b"", final=True) + f"(exit status {code}{_killed(code)})\n")
    return code


def _killed(code: int) -> str:
    """", killed by SIGKILL" for a command ended by a signal; "" otherwise."""
    if code >= 0:
        return ""
    try:
        return f", killed by {signal.Signals(-code).name}"
    except ValueError:
        return f", killed by signal {-code}"


def _nobody_graded(log: str) -> str:
    """The grading command's own reason for grading nobody (its last "Nobody was graded:" line)."""
    lines = [line for line in log.splitlines() if line.startswith("Nobody was graded:")]
    return lines[-1].split(":", 1)[1].strip() if lines else "see the log"


def _python(course: Course, *args: str) -> list[str]:
    return [f"{course.venv_bin}/python", *args]


async def grade(course: Course, job: Job) -> None:
    """Collect and autograde ``job.lab``: new and changed submissions, or all with ``regrade_all``."""
    lab = job.lab
    job.quarantined = quarantine_forged(course, lab)
    for item in job.quarantined:
        job.say(f"set aside (written in another student's name): {item}\n")
    unfinished = set_aside_unfinished(course, lab)
    for item in unfinished:
        job.say(f"set aside (not written to the end: the exchange disk was full, or the student was "
                f"still submitting; ask them to submit again): {item}\n")
    job.quarantined += unfinished
    if await _run(job, _python(course, "-m", "nbgrader", "collect", lab, "--update"), course) != 0:
        full = "No space left on device" in job.log[-20_000:]
        return job.end("failed", "nbgrader collect failed: " + (
            "the course's disk is full (see the log). Free space on it, then press Grade again: "
            "collect copies again whatever it had not finished" if full else "see the log"))
    cmd = _python(course, "-m", "reciprocity.grading", lab, "--course-dir", str(course.dir),
                  "--jobs", course.grading_jobs, "--no-feedback")
    if not job.options.get("regrade_all"):
        cmd.append("--changed-only")
    if not course.sandbox:
        cmd.append("--no-sandbox")
    code = await _run(job, cmd, course)
    if "Nothing to grade:" in job.log:
        return job.end("done", "nothing new to grade: every submission was graded as it is now")
    if code < 0:
        return job.end("failed", f"the grading command was {_killed(code)[2:]} before it finished. "
                                 "Students it had graded keep their grades; press Grade again to "
                                 "grade the others (the run it interrupted included)")
    if code == 2:
        return job.end("failed", f"nobody was graded: {_nobody_graded(job.log)}")
    if code not in (0, 1, 3):
        return job.end("failed", f"the grading command failed (exit status {code}): see the log")
    job.status = _status_rows(course, lab)
    outcome = grade_outcome(job.status)
    if job.quarantined:
        outcome += f"; {len(job.quarantined)} set aside"
    if code == 3:
        return job.end("failed", outcome + "; the reports were not written, the previous ones are "
                                           "kept (see the log)")
    failed = any(r.get("status") not in ("graded", "flagged") for r in job.status)
    job.end("done" if not failed else "failed", outcome)


async def feedback(course: Course, job: Job) -> None:
    """Generate feedback with the hand grades in it and release it; refused while any is missing."""
    from reciprocity.grading.gradebook import graded_timestamps, pending_manual_grades

    loop = asyncio.get_running_loop()
    pending = await loop.run_in_executor(None, pending_manual_grades, course.db_url, job.lab)
    if pending:
        job.pending = [asdict(p) for p in pending]
        students = len({p.student for p in pending})
        return job.end("refused", f"not released: {len(pending)} answer(s) of {students} student(s) "
                                  "still need a hand grade in the formgrader")
    graded = await loop.run_in_executor(None, graded_timestamps, course.db_url, job.lab)
    if not graded:
        return job.end("refused", "not released: nothing of this lab has been graded yet")
    for step in ("generate_feedback", "release_feedback"):
        extra = ["--force"] if step == "generate_feedback" else []
        if await _run(job, _python(course, "-m", "nbgrader", step, job.lab, *extra), course) != 0:
            return job.end("failed", f"nbgrader {step} failed: see the log")
    job.end("done", f"feedback generated and released for {len(graded)} graded submission(s)")


async def export(course: Course, job: Job) -> None:
    """grades.csv, canvas.csv and the summary, from the course's configured gradebook."""
    cmd = _python(course, "-m", "reciprocity.grading", job.lab, "--course-dir", str(course.dir),
                  "--summary-only")
    for option, key in (("--canvas-title", "canvas_title"), ("--canvas-id", "canvas_id")):
        if job.options.get(key):
            cmd += [option, job.options[key]]
    code = await _run(job, cmd, course)
    if code != 0:
        return job.end("failed", "the export failed; the previous files are unchanged (see the log)")
    job.end("done", "wrote grades.csv, canvas.csv, summary.csv, summary.png and the item report")


RUNNERS = {"grade": grade, "feedback": feedback, "export": export}


async def _keep_saved(log: JobLog, job: Job) -> None:
    """Save the job log while ``job`` runs, whenever its output grew: a service that dies keeps it."""
    saved = len(job.log)
    while job.state == "running":
        await asyncio.sleep(SAVE_EVERY)
        if len(job.log) != saved:
            saved = len(job.log)
            log.save()


async def run(course: Course, log: JobLog, job: Job) -> None:
    """Run ``job`` to its end, whatever happens, and keep the log."""
    saver = asyncio.ensure_future(_keep_saved(log, job))
    try:
        if course.lti and job.action in ("grade", "export"):
            await lms_enrol(course, job)
        await RUNNERS[job.action](course, job)
        if course.lti and job.state in ("done", "failed"):
            await lms_send_grades(course, job)
    except Exception as err:  # reported in the job log, never raised into the service
        job.say(f"error: {type(err).__name__}: {err}\n")
        job.end("failed", f"error: {err}")
    finally:
        saver.cancel()
        if job.state == "running":
            job.end("failed", "stopped without an outcome")
        log.save()


# -------------------------------------------------------------- the LMS (LTI mode only)
def lms_people(course: Course) -> dict[str, list[str]]:
    """Instructors, TAs and students of the course: everyone who has launched into it, by their latest role."""
    from reciprocity.lms.launches import LaunchRecords

    roles = LaunchRecords(course.lti["launches"]).course_members(course.name)
    return {key: sorted(name for name, role in roles.items() if role == wanted)
            for key, wanted in (("instructors", "instructor"), ("tas", "ta"), ("students", "student"))}


async def lms_enrol(course: Course, job: Job) -> None:
    """The course's LMS roster into its gradebook (names, LTI ids); a failure is logged, the job goes on."""
    from reciprocity.lms.config import load_config
    from reciprocity.lms.roster import enrol_from_lms

    def enrol() -> tuple[int, list]:
        return enrol_from_lms(load_config(course.lti["config"]), course.name, course.db_url)

    try:
        count, unmatched = await asyncio.get_running_loop().run_in_executor(None, enrol)
    except Exception as err:  # the LMS, lti.toml or the gradebook: say which, grade anyway
        job.say(f"LMS roster not read ({type(err).__name__}): {err}\n")
        return
    waiting = ", ".join(m.name or m.lti_user_id for m in unmatched)
    job.say(f"LMS roster: {count} student(s) of {course.name} in the gradebook with their names"
            + (f"; on the LMS roster, not yet on the hub (they have not opened the tool): {waiting}"
               if waiting else "") + "\n")


async def lms_send_grades(course: Course, job: Job) -> None:
    """Post the lab's changed scores to the LMS; the job stays running meanwhile, and never fails for it."""
    from reciprocity.lms.config import load_config
    from reciprocity.lms.grades import post_lab_grades

    ended = job.state, job.outcome
    job.state = "running"  # still at work: no other job of the course starts before the LMS has the scores

    def post():
        return post_lab_grades(load_config(course.lti["config"]), course.name, job.lab, course.db_url)

    try:
        report = await asyncio.get_running_loop().run_in_executor(None, post)
    except Exception as err:  # no launch from the course yet, the LMS refused or is down, ...
        job.lms = {"error": f"{type(err).__name__}: {err}"}
        job.say(f"LMS: scores not sent ({type(err).__name__}): {err}\n")
        summary = "scores not sent to the LMS (see the log)"
    else:
        job.lms = {"lineitem": report.lineitem, "posted": report.posted, "unchanged": report.unchanged,
                   "no_lti_id": report.no_lti_id, "failed": report.failed, "warnings": report.warnings}
        job.say(f"LMS: {report.describe()}\n")
        summary = f"LMS: {len(report.posted)} score(s) sent, {len(report.unchanged)} unchanged"
        if report.failed or report.no_lti_id:
            summary += f", {len(report.failed) + len(report.no_lti_id)} not sent (see the log)"
    job.end(ended[0], f"{ended[1]}; {summary}")
