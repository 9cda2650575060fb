"""Faults in the middle of a grading run: a database restart, a killed command or worker, full disks.

Each test makes the fault happen for real while students are being graded
(``pg_ctl`` stops the gradebook's PostgreSQL server, ``SIGKILL`` hits the
grading command's process group or one worker, a small tmpfs fills up) and
then checks what an instructor would: every student ends up graded exactly
once in the gradebook, with the score their answers earn, nothing that a
half-finished run left counts as graded, and the log says what happened.

The lab is tiny: one answer cell and three test cells worth 1, 2 and 3
points. Students are graded in name order. ``cy``'s submission holds a file,
``hold.txt``, that makes its answer wait in a marked ``sleep`` inside the
sandbox: the moment each test strikes. The test ends the wait by killing
that ``sleep`` (``_let_cy_go``), and removes the file before ``cy`` is
graded again (``_release``).
"""
from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from reciprocity import grading
from reciprocity.grading import intake, records
from reciprocity.grading.course import Course
from reciprocity.grading.gradebook import ensure_assignment, gradebook_url, pg_bin
from reciprocity.grading.pool import grading_needed
from tests.support.common import IN_CI, ROOT, processes_with

pytestmark = pytest.mark.slow

LAB = "faults"
HOLD = "sleep 60.1415"  # cy's answer waits in this process while its submission holds hold.txt
SLOW = (f"import os, subprocess\nif os.path.exists('hold.txt'):\n    subprocess.run({HOLD.split()!r})\n"
        "x = 42")
STUDENTS = {"ann": ("x = 42", 6), "bo": ("x = 8", 3), "cy": (SLOW, 6), "di": ("x = 7", 1)}
EXPECTED = {student: float(score) for student, (_, score) in STUDENTS.items()}
STAMP = "2026-12-01 10:00:00.000000 UTC"
NOBODY = pwd.getpwnam("nobody")


def _notebook(answer: str):
    """The lab: the answer cell, then tests worth 1, 2 and 3 points."""
    cells = [new_code_cell(answer)]
    cells[0].metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "locked": False,
                                     "schema_version": 3, "solution": True, "task": False}
    for i, test in enumerate(["assert x > 0", "assert x % 2 == 0", "assert x == 42"]):
        cell = new_code_cell(test)
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{i}", "locked": True,
                                     "points": i + 1, "schema_version": 3, "solution": False,
                                     "task": False}
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _make_course(course: Path, config_extra: str = "") -> Path:
    """A course with LAB's source and every student's submission (nothing in a gradebook)."""
    (course / "solutions" / LAB).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + config_extra)
    nbformat.write(_notebook("### BEGIN SOLUTION\nx = 42\n### END SOLUTION"),
                   course / "solutions" / LAB / f"{LAB}.ipynb")
    for student, (answer, _) in STUDENTS.items():
        folder = course / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nbformat.write(_notebook(answer), folder / f"{LAB}.ipynb")
        (folder / "timestamp.txt").write_text(STAMP)
    (course / "submitted" / "cy" / LAB / "hold.txt").write_text("wait for the test")
    return course


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The course with LAB already in its SQLite gradebook: each test grades a copy."""
    course = _make_course(tmp_path_factory.mktemp("faults") / "course")
    ensure_assignment(Course.load(course), LAB, gradebook_url(course), 300)
    return course


def _copy(template: Path, where: Path) -> Path:
    shutil.copytree(template, where)
    return where


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"waited {seconds} s for {what}")


def _cy_waiting() -> list[int]:
    """The ``sleep`` cy's answer waits in (inside its sandbox), if it is waiting."""
    return processes_with(HOLD.encode())


def _let_cy_go() -> None:
    """End the wait of cy's answer: it goes on to ``x = 42``."""
    for pid in _cy_waiting():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _release(course: Path) -> None:
    """Let cy's answer go on, and never wait again when graded afresh."""
    (course / "submitted" / "cy" / LAB / "hold.txt").unlink(missing_ok=True)
    _let_cy_go()


def _my_processes(marker: bytes, course: Path) -> list[int]:
    """Processes whose command line holds ``marker`` and that run in ``course`` (other tests'
    graders may run at the same time on this machine)."""
    mine = []
    for pid in processes_with(marker):
        with contextlib.suppress(OSError):
            if Path(os.readlink(f"/proc/{pid}/cwd")) == course:
                mine.append(pid)
    return mine


@contextlib.contextmanager
def _cleaned_up(course: Path):
    """On the way out, kill whatever still grades in ``course`` (a failed test must not leave a
    grading run behind to mislead the next one)."""
    try:
        yield
    finally:
        for pid in _my_processes(b"reciprocity.grading", course):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _release(course)


def _gradebook(url: str) -> tuple[dict[str, float], Counter]:
    """Each student's score in the gradebook, and how many submissions of LAB each has there."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        subs = gb.find_assignment(LAB).submissions
        return {s.student_id: float(s.score) for s in subs}, Counter(s.student_id for s in subs)


def _assert_everyone_graded_once(url: str) -> None:
    scores, counts = _gradebook(url)
    assert counts == Counter(list(STUDENTS)), counts  # nothing lost, nothing twice
    assert scores == EXPECTED  # what a clean run gives (tests/grading/test_postgres.py grades the same answers)


def _quiet(*_args) -> None:
    pass


# --------------------------------------------------------------------------- a killed worker
def test_a_killed_worker_fails_its_student_only_and_a_rerun_grades_just_that_student(template, tmp_path):
    course = _copy(template, tmp_path / "course")
    lines: list[str] = []
    run: dict = {}

    def grade_all():
        run["results"] = grading.grade_lab(LAB, course, jobs=1, timeout=30, feedback=False,
                                           echo=lines.append)

    thread = threading.Thread(target=grade_all)
    with _cleaned_up(course):
        thread.start()
        _wait(_cy_waiting, 120, "cy's answer to run")
        (worker,) = _my_processes(b"reciprocity.grading.worker", course)
        os.kill(worker, signal.SIGKILL)
        thread.join(300)
    results = {r.student: r for r in run["results"]}
    assert [s for s, r in results.items() if r.status == "graded"] == ["ann", "bo", "di"]  # the batch went on
    assert "worker was killed (SIGKILL)" in results["cy"].note and "--changed-only" in results["cy"].note
    assert any(line.startswith("cy ") and "SIGKILL" in line for line in lines)
    _wait(lambda: not _cy_waiting(), 10, "cy's sandbox to die with its worker")
    # cy's half-finished run left a submission time in the gradebook and a notebook in autograded/
    assert (course / "autograded" / "cy" / LAB / f"{LAB}.ipynb").is_file()
    assert "cy" in _gradebook(gradebook_url(course))[0]
    assert grading_needed(LAB, course) == {"cy": "its last grading did not finish (interrupted)"}

    before = {s: records.record_file(course, LAB, s).read_bytes() for s in ("ann", "bo", "di")}
    _release(course)
    again = grading.grade_lab(LAB, course, students=sorted(grading_needed(LAB, course)), jobs=1,
                              timeout=30, feedback=False, echo=_quiet)
    assert [(r.student, r.status) for r in again] == [("cy", "graded")]
    assert {s: records.record_file(course, LAB, s).read_bytes() for s in before} == before
    _assert_everyone_graded_once(gradebook_url(course))
    assert grading_needed(LAB, course) == {}


def test_a_second_run_of_the_same_lab_is_refused_while_one_holds_the_lock(template, tmp_path, capsys):
    course = _copy(template, tmp_path / "course")
    with records.run_lock(course, LAB):  # a run left over from a restarted service, say
        code = grading.main([LAB, "--course-dir", str(course), "--no-feedback", "--jobs", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"Nobody was graded: another grading run of {LAB!r} is still going on" in err
    assert f"(process {os.getpid()} since" in err
    assert not (course / "autograded").exists()


# --------------------------------------------------------------------------- a killed command, on the hub
def _grading_jobs():
    """deploy/hub/grading_jobs.py, loaded by file (the hub's scripts are not a package)."""
    if "grading_jobs" in sys.modules:
        return sys.modules["grading_jobs"]
    spec = importlib.util.spec_from_file_location("grading_jobs", ROOT / "deploy" / "hub" / "grading_jobs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def hub_course(template):
    """``template`` laid out as deploy/hub/run.py lays out a course, for the grader account ``nobody``."""
    base = Path(tempfile.mkdtemp(prefix="reciprocity-faults-", dir="/tmp"))
    base.chmod(0o755)  # the grader account walks in
    homes = base / "homes"
    course_dir = _copy(template, homes / NOBODY.pw_name / "course")
    with open(course_dir / "nbgrader_config.py", "a") as config:
        config.write(f'\nc.CourseDirectory.course_id = "faults"\nc.Exchange.root = "{base / "exchange"}"\n'
                     'c.Exchange.path_includes_course = True\n')
    (base / "exchange" / "faults" / "inbound").mkdir(parents=True)
    (base / "home").mkdir()
    for path in (homes, base / "home", base / "exchange"):
        subprocess.run(["chown", "-R", f"{NOBODY.pw_uid}:{NOBODY.pw_gid}", str(path)], check=True)
    env = {"HOME": str(base / "home"), "USER": NOBODY.pw_name, "LANG": "C.UTF-8",
           "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    course = types.SimpleNamespace(
        name="faults", dir=course_dir, homes=homes, grader=NOBODY, exchange=base / "exchange",
        quarantine=base / "quarantine", venv_bin=str(Path(sys.executable).parent), grading_jobs="1",
        sandbox=True, state=base / "state", lti=None,  # local accounts, not an LMS
        as_grader=lambda: {"user": NOBODY.pw_uid, "group": NOBODY.pw_gid, "extra_groups": [], "env": env})
    yield course
    shutil.rmtree(base, ignore_errors=True)


def test_a_killed_grading_command_fails_its_job_and_grade_again_grades_only_the_rest(hub_course):
    jobs = _grading_jobs()
    course = hub_course.dir
    log = jobs.JobLog(hub_course.state / "grading" / "faults.json")
    first = jobs.Job(lab=LAB, action="grade", by="prof")
    log.add(first)
    thread = threading.Thread(target=asyncio.run, args=(jobs.run(hub_course, log, first),))
    with _cleaned_up(course):
        thread.start()
        _wait(lambda: _cy_waiting() or not thread.is_alive(), 180, "cy's answer to run")
        assert thread.is_alive(), f"the job ended first: {first.outcome}\n{first.log[-5000:]}"

        # had the service died now, its restart would find the job interrupted, with its output so far
        def saved_after_restart():
            job = jobs.JobLog(log.path).jobs[first.id]
            return job if re.search(r"^bo +graded", job.log, re.M) else None

        restarted = _wait(saved_after_restart, 10 * jobs.SAVE_EVERY, "the job's output to be saved")
        assert restarted.state == "failed" and "restarted" in restarted.outcome
        assert re.search(r"^ann +graded +6/6", restarted.log, re.M), restarted.log

        (command,) = _my_processes(f"reciprocity.grading {LAB}".encode(), course)
        os.killpg(command, signal.SIGKILL)  # the grading command's whole process group, as an operator would
        thread.join(60)
    assert first.state == "failed" and "killed by SIGKILL" in first.outcome and "Grade again" in first.outcome
    assert "killed by SIGKILL" in jobs.JobLog(log.path).jobs[first.id].log
    # its worker and cy's sandbox die with it: nothing grades on behind the next run's back
    _wait(lambda: not _my_processes(b"reciprocity.grading.worker", course) and not _cy_waiting(),
          10, "the worker and the sandbox to die with the command")
    assert [records.read(course, LAB, s)["state"] for s in ("ann", "bo", "cy")] == ["done", "done", "started"]
    assert records.read(course, LAB, "di") is None
    # what cy's run left looks graded to the gradebook and autograded/: it does not count
    assert "cy" in _gradebook(gradebook_url(course))[0]
    assert (course / "autograded" / "cy" / LAB / f"{LAB}.ipynb").is_file()

    _release(course)
    again = jobs.Job(lab=LAB, action="grade", by="prof")
    log.add(again)
    asyncio.run(jobs.run(hub_course, log, again))
    assert again.state == "done", again.log[-3000:]
    assert "New or changed submissions: cy (its last grading did not finish (interrupted)), di (new)" in again.log
    assert [row["student"] for row in again.status] == ["cy", "di"]
    _assert_everyone_graded_once(gradebook_url(course))


# --------------------------------------------------------------------------- PostgreSQL restarted
class Cluster:
    """A throwaway PostgreSQL server on a Unix socket (as in test_postgres.py), stopped and started at will."""

    def __init__(self, bindir: Path, base: Path):
        self.bindir, self.base = bindir, base
        self.data, self.socket = base / "data", base / "socket"
        self.env = {"PATH": f"{bindir}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(base)}

    def _run(self, *args: str) -> None:
        prefix = ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}", "--clear-groups"] \
            if os.geteuid() == 0 else []  # initdb refuses root
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, env=self.env,
                              cwd=self.base)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o",
                  f"-k {self.socket} -c listen_addresses='' -F", "-l", str(self.socket / "server.log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: every open connection is cut, as in a restart."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host={self.socket} user=grader dbname=postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://grader@/{name}?host={self.socket}"


@pytest.fixture(scope="module")
def cluster():
    bindir = pg_bin()
    if bindir is None:
        message = "no initdb/pg_ctl found; install them with `sudo apt-get install postgresql`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="reciprocity-faults-pg-", dir="/tmp"))
    base.chmod(0o755)
    server = Cluster(bindir, base)
    for folder in (server.data, server.socket):
        folder.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(folder, NOBODY.pw_uid, NOBODY.pw_gid)
    server._run(str(bindir / "initdb"), "-D", str(server.data), "-U", "grader", "--auth=trust", "-E",
                "UTF8", "--no-sync")
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(AssertionError):
            server._run(str(bindir / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_restarted_mid_batch_the_batch_resumes_and_counts_everyone_once(cluster, tmp_path):
    url = cluster.database("restarted")
    course = _make_course(tmp_path / "course")
    lines: list[str] = []
    run: dict = {}

    def grade_all():
        run["results"] = grading.grade_lab(LAB, course, db_url=url, jobs=2, timeout=30, feedback=False,
                                           echo=lines.append)

    thread = threading.Thread(target=grade_all)
    with _cleaned_up(course):
        thread.start()
        _wait(_cy_waiting, 120, "cy's answer to run")
        cluster.stop()  # every connection is cut
        _release(course)  # cy's answer ends; its grades are to be saved now
        try:
            _wait(lambda: any(line.startswith("WARNING: cy: lost the connection") for line in lines),
                  60, "cy's worker to notice")
        finally:
            cluster.start()
        thread.join(300)
    results = {r.student: r for r in run["results"]}
    assert {s: r.status for s, r in results.items()} == dict.fromkeys(STUDENTS, "graded"), lines
    assert {s: r.score for s, r in results.items()} == EXPECTED
    warning = next(line for line in lines if line.startswith("WARNING: cy:"))
    assert "Waiting up to" in warning and "attempt 2 of 3" in warning
    assert "graded at attempt 2" in results["cy"].note
    _assert_everyone_graded_once(url)
    assert grading_needed(LAB, course, url) == {}


# --------------------------------------------------------------------------- full disks
@pytest.fixture()
def small_disk(tmp_path):
    """A 64 MiB tmpfs of this test's own: a disk it may fill to the last byte."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        message = f"cannot mount a tmpfs ({mounted.stderr.strip()}): the full-disk tests need root"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` to the last byte, or to ``leave`` bytes (whole pages); the file that fills it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"\0" * max(0, shutil.disk_usage(disk).free - leave - (1 << 20)))
        for size in (1 << 16, 1 << 12):
            block = b"\0" * size
            with contextlib.suppress(OSError):
                while shutil.disk_usage(disk).free >= leave + size and os.write(fd, block):
                    pass
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free <= leave
    return filler


def _grading_command(course: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "reciprocity.grading", LAB, "--course-dir", str(course),
                             "--jobs", "1", "--timeout", "30", "--no-feedback", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_a_full_course_disk_stops_the_batch_names_the_disk_and_keeps_the_reports(template, small_disk):
    course = _copy(template, small_disk / "course")
    reports = course / "reports" / LAB
    reports.mkdir(parents=True)
    before = {name: f"the previous run's {name}\n".encode() for name in
              ("grades.csv", "canvas.csv", "summary.csv", "summary.png", "items.html")}
    for name, data in before.items():
        (reports / name).write_bytes(data)

    run = _grading_command(course)
    with _cleaned_up(course):
        _wait(_cy_waiting, 120, "cy's answer to run")
        filler = _fill(small_disk)  # something else on the machine takes the last byte
        _let_cy_go()  # its grades and graded notebook are to be written now (nothing freed on the disk)
        out, _ = run.communicate(timeout=300)
    assert run.returncode == 3, out
    mount = f"the file system mounted on {small_disk}"
    assert f"ERROR: grading stopped: the disk that holds {course}" in out and mount in out
    assert "then grade again with --changed-only" in out
    assert "not graded: grading stopped at a full disk" in out  # di
    assert "The reports were not rewritten: the previous" in out
    # the reports byte for byte, no temporary file left; status.csv is this run's, if it fitted
    assert {p.name: p.read_bytes() for p in reports.iterdir() if p.name != "status.csv"} == before
    assert not (course / "autograded" / "cy" / LAB / f"{LAB}.ipynb").exists()  # nbgrader removed its part
    assert records.read(course, LAB, "cy")["state"] != "done"
    # nbgrader had recorded cy's submission when it started: the worker took it back out
    assert "the gradebook holds what it held before this run" in out
    assert _gradebook(gradebook_url(course)) == ({"ann": 6.0, "bo": 3.0}, Counter(["ann", "bo"]))
    needed = grading_needed(LAB, course)
    assert sorted(needed) == ["cy", "di"], needed

    filler.unlink()  # the instructor frees space and grades again
    _release(course)
    again = grading.grade_lab(LAB, course, students=sorted(needed), jobs=1, timeout=30, feedback=False,
                              echo=_quiet)
    assert [(r.student, r.status) for r in again] == [("cy", "graded"), ("di", "graded")]
    _assert_everyone_graded_once(gradebook_url(course))


def _nbgrader(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_a_submission_cut_off_by_a_full_exchange_is_flagged_or_set_aside(small_disk, tmp_path):
    exchange = small_disk / "exchange"
    quarantine = small_disk / "quarantine"  # as on the hub, beside the exchange (a rename moves things there)
    quarantine.mkdir()
    (exchange / "faults" / "outbound" / LAB).mkdir(parents=True)
    (exchange / "faults" / "inbound").mkdir(mode=0o777)
    nbformat.write(_notebook("# YOUR ANSWER"), exchange / "faults" / "outbound" / LAB / f"{LAB}.ipynb")
    options = [f"--Exchange.root={exchange}", "--Exchange.path_includes_course=True", "--course=faults"]
    work = tmp_path / "ann"
    (work / "faults" / LAB).mkdir(parents=True)
    answer = work / "faults" / LAB / f"{LAB}.ipynb"
    nbformat.write(_notebook("x = 42"), answer)
    submit = ["submit", LAB, *options, "--student=ann", f"--Exchange.cache={tmp_path / 'cache'}"]
    assert _nbgrader(work, *submit).returncode == 0
    first = nbformat.read(answer, as_version=4)

    # a second try, with a long output, onto an exchange that has 16 KiB left
    second = _notebook("x = 8")
    second.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="8\n" * 50_000)]
    nbformat.write(second, answer)
    _fill(small_disk, leave=16 * 1024)
    failed = _nbgrader(work, *submit)
    assert failed.returncode != 0 and "No space left on device" in failed.stdout + failed.stderr
    # nbgrader's submit leaves what it had copied, and no timestamp or secret: a cut-off notebook
    entries = sorted((exchange / "faults" / "inbound").iterdir())
    assert len(entries) == 2
    cut = entries[-1]
    assert not (cut / "submission_secret.txt").exists()
    assert (cut / f"{LAB}.ipynb").stat().st_size < answer.stat().st_size

    def course(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "nbgrader_config.py").write_text(
            (ROOT / "nbgrader_config.py").read_text() + f'\nc.CourseDirectory.course_id = "faults"\n'
            f'c.Exchange.root = "{exchange}"\nc.Exchange.path_includes_course = True\n')
        return folder

    # nbgrader's collect takes the newest entry, cut off or not, in place of the complete one;
    # the grading command then flags it and grades the others
    plain = course("collected-as-is")
    assert _nbgrader(plain, "collect", LAB, "--update").returncode == 0
    assert f"{LAB}.ipynb" in intake.submission_problem(plain / "submitted" / "ann" / LAB)

    # the grading page sets it aside first, so the student's last complete submission is collected
    jobs = _grading_jobs()
    hub = types.SimpleNamespace(name="faults", exchange=exchange, quarantine=quarantine)
    (moved,) = jobs.set_aside_unfinished(hub, LAB)
    assert moved.startswith(cut.name) and "submission_secret.txt" in moved
    assert [p.name.split(".unfinished.")[0] for p in hub.quarantine.iterdir()] == [cut.name]
    assert jobs.set_aside_unfinished(hub, LAB) == []  # the complete one stays
    page = course("collected-by-the-page")
    assert _nbgrader(page, "collect", LAB, "--update").returncode == 0
    collected = page / "submitted" / "ann" / LAB
    assert intake.submission_problem(collected) == ""
    assert nbformat.read(collected / f"{LAB}.ipynb", as_version=4).cells[0].source == first.cells[0].source
    assert (collected / "timestamp.txt").read_text() == (entries[0] / "timestamp.txt").read_text()


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_undoing_a_half_saved_run_puts_the_gradebook_back(template, tmp_path):
    """What the worker does after a full disk: a first submission removed, a regrade's rows set back.

    (nbgrader's add_submission trips SQLAlchemy's autoflush warning, as in test_exports.py.)
    """
    from datetime import datetime

    from nbgrader.api import Gradebook

    from reciprocity.grading.gradebook import restore_submission, submission_state

    url = gradebook_url(_copy(template, tmp_path / "course"))
    with Gradebook(url) as gb:  # ann was graded once: 3 points
        gb.update_or_create_student("ann")
        gb.add_submission(LAB, "ann", timestamp=datetime(2026, 12, 1, 10, 0))
        for name, score in (("test_0", 1.0), ("test_1", 2.0), ("test_2", 0.0)):
            gb.find_grade(name, LAB, LAB, "ann").auto_score = score
        gb.db.commit()
    before = submission_state(url, LAB, "ann")
    with Gradebook(url) as gb:  # a regrade that stopped after its first cell, and a first run for bo
        sub = gb.find_submission(LAB, "ann")
        sub.timestamp = datetime(2026, 12, 2, 9, 0)
        gb.find_grade("test_0", LAB, LAB, "ann").auto_score = 0.0
        gb.update_or_create_student("bo")
        gb.add_submission(LAB, "bo", timestamp=datetime(2026, 12, 2, 9, 0))
        gb.db.commit()
    restore_submission(url, LAB, "ann", before)
    restore_submission(url, LAB, "bo", None)
    assert submission_state(url, LAB, "ann") == before
    assert _gradebook(url) == ({"ann": 3.0}, Counter(["ann"]))


def test_the_instructor_guide_states_the_limits_the_grader_uses():
    """Section 9 of the guide quotes the retry and free-space limits: they must be the code's."""
    from reciprocity.grading import faults, gradebook, pool

    guide = (ROOT / "book" / "labs" / "instructor-guide.md").read_text(encoding="utf-8")
    section = guide.split("## 9. When something fails mid-term", 1)[1]
    assert f"Waiting up to {gradebook.DATABASE_WAIT} s" in section
    assert {120: "longer than two minutes"}[gradebook.DATABASE_WAIT] in section
    assert f"(attempt 2 of {pool.DATABASE_ATTEMPTS})" in section
    assert {3: "the third try fails"}[pool.DATABASE_ATTEMPTS] in section
    assert f"have {faults.MIN_FREE_BYTES // 1024 ** 2} MiB free" in section
