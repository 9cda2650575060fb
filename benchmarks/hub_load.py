"""Benchmark the course hub under a class: 200 students fetch, submit in a two-minute deadline rush, are graded.

``deploy/hub/run.py up`` starts a hub (loopback, a free port) whose roster is
one course of ``--students`` students (default 200), an instructor and a
teaching assistant. Then, through the REST paths a browser uses
(``tests/support/hub.py``'s ``Hub``):

1. the instructor generates and releases the ``outreach`` lab through the
   course's formgrader API;
2. the students open their servers ahead of the deadline, ``--spawn-at-once``
   at a time (below the hub's ``concurrent_spawn_limit``), and each fetches
   the lab (nbgrader's assignment list) and opens its notebook (contents API);
3. the rush: every student submits within ``--window`` seconds (default 120),
   at a seeded time drawn from Beta(``--shape``, 1) (``rush_schedule``: the
   density rises toward the deadline; with the default shape 3, half of the
   class submits in the last fifth of the window). A submission is what
   JupyterLab's *Submit* does on the hub: ``GET reciprocity/due`` (the
   reciprocity-hub extension checks the due date), ``PUT api/contents/...``
   (it saves the notebook first: the model answers, plus a line carrying a
   marker unique to the student) and ``POST assignments/submit``;
4. the TA grades through the grading service's API (``POST
   api/labs/outreach/grade``) and waits for the job.

Reported (``--json``; its ``metrics`` go into ``benchmarks.run``'s table):

``hub_rush_hub_p50_s``, ``hub_rush_hub_p95_s``, ``hub_rush_hub_max_s``
    latency of the requests the hub's proxy passes to the students' servers
    outside the exchange during the rush (due dates, saves); goal p95 at most 1 s.
``hub_rush_exchange_p50_s``, ``..._p95_s``, ``..._max_s``
    latency of nbgrader's submit, which writes into the exchange; same goal.
    ``hub_rush_errors`` counts the rush's failed requests.
``hub_grade_s``, ``hub_grading_efficiency``
    the grading job's wall time (collect included), and
    ``benchmarks.grading.grading_efficiency`` of it: students graded x bare
    execution of the solution notebook / (wall x cores used); goal at least 0.7.
``hub_submissions_lost``, ``hub_submissions_duplicated``
    ``account``: each student's marker looked for in the exchange's inbound
    folder and in the notebook the gradebook graded (goal 0 each).
``hub_spawn_s``, ``hub_load_wall_s``
    the time to open every server (and fetch), and the whole run (hub start
    to purge).

Memory decides how many servers can be open at once: a student's server
holds about 122 MB of its own (PSS, measured after fetch and submit), so 200
need about 24 GB, more than a 24 GiB machine has. The students are split
into consecutive segments of the schedule (``plan_segments``), each no
larger than what fits (``--max-open``, default from the memory available
less ``--reserve-gb``): a segment's servers are opened, its part of the rush
is replayed at the scheduled times, and its servers are stopped before the
next segment's open (the last segment's too, before grading). Segments are
cut from the deadline backwards, so the densest part of the rush is one
segment with every server open. With enough memory there is one segment:
the whole class open, then the whole rush. Spawns never overlap the rush.

``--dry-run`` (what ``benchmarks.run --smoke`` runs) starts no hub: the
roster is checked by ``run.py``'s own parser, the schedule planned, and each
student's answered notebook written into a simulated exchange and a
simulated gradebook folder, which the accounting then reads; it reports
``lost``, ``duplicated`` and ``wall_s`` only.

Run as root (``run.py up`` makes local accounts) with an interpreter the
sandbox's ``nobody`` can reach::

    sudo /opt/rvenv/bin/python -m benchmarks.hub_load --json /tmp/hub-load.json
    python -m benchmarks.hub_load --dry-run --students 3

Whatever happens, the hub is stopped and purged (``run.py down --purge
--yes``, the gradebook's dump in a temporary folder, then deleted).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "deploy" / "hub" / "run.py"
LAB = "outreach"
COURSE = "reciprocity-load"
STUDENTS = 200
WINDOW_S = 120.0
RUSH_SHAPE = 3.0  # Beta(3, 1): density 3x^2, half the class in the last fifth of the window
SEED = 2026
# deploy/hub/jupyterhub_config.py: c.JupyterHub.concurrent_spawn_limit = 10 (the hub answers 429 beyond)
SPAWN_AT_ONCE = 8
SERVER_MB = 130.0  # a student's server after fetch and submit, measured (PSS, 112-131 MB)
RESERVE_GB = 6.0  # memory left to everything else on the machine (other work may grow meanwhile)
GOAL_P95_S = 1.0
GOAL_EFFICIENCY = 0.7
MARKER = re.compile(r"load marker: ([A-Za-z0-9-]+)")
GROUPS = {"hub": ("due", "save"), "exchange": ("submit",)}
REQUEST_TIMEOUT_S = 120
# what --smoke (benchmarks.run) does instead of starting a hub, and why; printed with its result
DRY_RUN = ("dry run, no hub started: run.py up alone takes about a minute and the smallest class "
           "(4 students) about two, far over what a smoke measurement may cost. The dry run checks the "
           "roster with run.py's own parser, plans the rush and accounts for each student's marked "
           "notebook in a simulated exchange and gradebook folder; tests/benchmarks/test_hub_load.py "
           "tests the schedule, the latency statistics and the accounting")
SPAWN_TIMEOUT_S = 300
GRADE_TIMEOUT_S = 3600


class LoadError(RuntimeError):
    """The benchmark could not run; the message says why and what to do."""


# ------------------------------------------------------------------ pure parts (tested)
def rush_schedule(students: int, window_s: float = WINDOW_S, seed: int = SEED,
                  shape: float = RUSH_SHAPE) -> list[float]:
    """Seconds into the window at which each student submits, sorted: a seeded deadline rush.

    Draws from Beta(``shape``, 1) scaled to the window, whose density
    ``shape * x ** (shape - 1)`` rises toward the deadline (``shape`` 1 is
    uniform). The last submission comes before the window ends.
    """
    if students < 1:
        raise ValueError(f"students must be at least 1, got {students}")
    if not window_s > 0:
        raise ValueError(f"window_s must be positive, got {window_s}")
    if not shape >= 1:
        raise ValueError(f"shape must be at least 1 (1: uniform; more: later), got {shape}")
    draws = numpy.random.default_rng(seed).beta(shape, 1.0, size=students)
    return [float(x) for x in numpy.sort(draws) * window_s]


def plan_segments(count: int, max_open: int) -> list[range]:
    """Consecutive slices of the schedule (indices in time order), each at most ``max_open`` long.

    Cut from the end, so the last slice, the one nearest the deadline (where
    the rush is densest), is full; the first takes what remains.
    """
    if count < 0:
        raise ValueError(f"count must be at least 0, got {count}")
    if max_open < 1:
        raise ValueError(f"max_open must be at least 1, got {max_open}: no server fits in memory")
    slices, end = [], count
    while end > 0:
        slices.append(range(max(0, end - max_open), end))
        end = slices[-1].start
    return slices[::-1]


def servers_that_fit(available_mb: float, reserve_mb: float, per_server_mb: float) -> int:
    """How many servers of ``per_server_mb`` fit in ``available_mb`` while keeping ``reserve_mb`` free."""
    if per_server_mb <= 0:
        raise ValueError(f"per_server_mb must be positive, got {per_server_mb}")
    return max(0, int((available_mb - reserve_mb) // per_server_mb))


class Sample(NamedTuple):
    """One request: its kind (``due``, ``save``, ``submit``), whose, when (s into the rush), how long, the outcome."""

    kind: str
    student: str
    at_s: float
    seconds: float
    status: int  # HTTP status, 0 when no answer came
    ok: bool


def latency_summary(samples: list[Sample], groups: dict[str, tuple[str, ...]] = GROUPS) -> dict:
    """p50, p95 (linear interpolation) and max seconds, count and errors: per kind, per group, overall."""
    def describe(chosen: list[Sample]) -> dict:
        if not chosen:
            return {"n": 0, "errors": 0, "p50_s": None, "p95_s": None, "max_s": None}
        seconds = numpy.array([s.seconds for s in chosen])
        p50, p95 = numpy.percentile(seconds, [50, 95])
        return {"n": len(chosen), "errors": sum(not s.ok for s in chosen), "p50_s": round(float(p50), 4),
                "p95_s": round(float(p95), 4), "max_s": round(float(seconds.max()), 4)}

    kinds = sorted({s.kind for s in samples} | {k for members in groups.values() for k in members})
    return {"by_kind": {k: describe([s for s in samples if s.kind == k]) for k in kinds},
            "by_group": {g: describe([s for s in samples if s.kind in members])
                         for g, members in groups.items()},
            "all": describe(list(samples))}


def markers_in(text: str) -> list[str]:
    """The submission markers (``load marker: ...`` lines) in a notebook's text."""
    return MARKER.findall(text)


def mark(notebook: dict, marker: str) -> dict:
    """A copy of ``notebook`` whose first answer cell ends with a comment carrying ``marker``."""
    marked = copy.deepcopy(notebook)
    for cell in marked["cells"]:
        if cell["cell_type"] == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = f"{source.rstrip()}\n# load marker: {marker}\n"
            return marked
    raise ValueError("the notebook has no answer cell (nbgrader solution code cell) to mark")


def answered(release: dict, source: dict) -> dict:
    """The released notebook with every answer cell holding the model answer of ``source``."""
    model = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in model:
            cell["source"] = model[meta["grade_id"]]
    return nb


def account(sent: dict[str, str], inbound: list[tuple[str, list[str]]],
            graded: list[tuple[str, list[str]]]) -> dict:
    """What became of each student's submission: lost, duplicated, mixed up, at each stage.

    ``sent``: student -> the marker of the notebook they submitted (every
    student who pressed Submit, whatever the answer). ``inbound``: one
    ``(student, markers)`` per submission folder in the exchange;
    ``graded``: one per notebook the gradebook graded. A student's submission
    is lost at a stage when no entry of theirs there carries their marker,
    duplicated for each further entry that does; an entry with any other
    content (another's marker, none, several) is ``mixed_up``, and one of a
    student who never submitted ``unexpected``. ``lost`` counts students
    lost at either stage, ``duplicated`` the extra entries of both.
    """
    stages = {}
    for stage, entries in (("inbound", inbound), ("graded", graded)):
        found = Counter(student for student, markers in entries
                        if student in sent and markers == [sent[student]])
        stages[stage] = {
            "entries": len(entries),
            "lost": sorted(s for s in sent if found[s] == 0),
            "duplicated": sorted(s for s, n in found.items() for _ in range(n - 1)),
            "mixed_up": sorted(s for s, markers in entries if s in sent and markers != [sent[s]]),
            "unexpected": sorted(s for s, _ in entries if s not in sent),
        }
    lost = sorted(set(stages["inbound"]["lost"]) | set(stages["graded"]["lost"]))
    return {"sent": len(sent), "lost": len(lost), "lost_students": lost,
            "duplicated": len(stages["inbound"]["duplicated"]) + len(stages["graded"]["duplicated"]),
            "mixed_up": len(stages["inbound"]["mixed_up"]) + len(stages["graded"]["mixed_up"]),
            "unexpected": len(stages["inbound"]["unexpected"]) + len(stages["graded"]["unexpected"]),
            "stages": stages}


def per_bin(offsets: list[float], window_s: float, bin_s: float = 10.0) -> list[int]:
    """How many of ``offsets`` fall in each ``bin_s`` of the window, in order."""
    counts, _ = numpy.histogram(offsets, bins=int(numpy.ceil(window_s / bin_s)), range=(0, window_s))
    return [int(c) for c in counts]


def roster_toml(course: str, instructor: str, ta: str, students: list[str]) -> str:
    """A ``run.py up --roster`` file: one course, its staff and students, everyone named."""
    people = [instructor, ta, *students]
    names = "\n".join(f'"{p}" = {{ first_name = "Load", last_name = "{p}" }}' for p in people)
    return (f"[courses.{course}]\ninstructors = {json.dumps([instructor])}\ntas = {json.dumps([ta])}\n"
            f"students = {json.dumps(students)}\n\n[people]\n{names}\n")


# ------------------------------------------------------------------- the class, on disk
def people(tag: str, count: int) -> tuple[str, str, list[str]]:
    """Account names of this run (tagged, so two runs on one machine never share one)."""
    return f"{tag}-prof", f"{tag}-ta", [f"{tag}-s{i:03d}" for i in range(1, count + 1)]


def inbound_entries(exchange: Path, course: str, lab: str) -> list[tuple[str, list[str]]]:
    """``(student, markers)`` of every submission of ``lab`` in the course's inbound folder."""
    folder = exchange / course / "inbound"
    entries = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        parts = entry.name.split("+")
        if len(parts) < 3 or parts[1] != lab:
            continue
        notebook = entry / f"{lab}.ipynb"
        text = notebook.read_text(errors="replace") if notebook.is_file() else ""
        entries.append((parts[0], markers_in(text)))
    return entries


def graded_entries(course_dir: Path, lab: str, students: list[str]) -> list[tuple[str, list[str]]]:
    """``(student, markers)`` of the notebook nbgrader autograded for each of ``students``."""
    entries = []
    for student in students:
        notebook = course_dir / "autograded" / student / lab / f"{lab}.ipynb"
        entries.append((student, markers_in(notebook.read_text(errors="replace")) if notebook.is_file() else []))
    return entries


def available_mb() -> float:
    """MemAvailable of /proc/meminfo, in MB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise LoadError("no MemAvailable in /proc/meminfo")


def servers_mb(names: list[str]) -> list[float]:
    """Proportional memory (PSS, MB) of each named account's processes together, for those running any."""
    uids = {}
    for name in names:
        with contextlib.suppress(KeyError):
            uids[pwd.getpwnam(name).pw_uid] = name
    total: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            uid = proc.stat().st_uid
            if uid not in uids:
                continue
            pss = next(line for line in (proc / "smaps_rollup").read_text().splitlines()
                       if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
        total[uids[uid]] = total.get(uids[uid], 0.0) + int(pss.split()[1]) / 1024
    return sorted(total.values())


# ------------------------------------------------------------------------- the hub
@dataclass
class Student:
    name: str
    offset_s: float  # when they press Submit, seconds into the rush window
    marker: str
    session: object = None  # their own requests.Session (a browser's connections)
    notebook: dict | None = None  # the answered notebook they will save
    timings: dict = field(default_factory=dict)


def up(state: Path, roster: Path, jobs: int) -> float:
    """``run.py up`` (loopback, a free port); seconds it took. Raises LoadError with its output."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(RUN), "--state", str(state), "up", "--roster", str(roster),
                           "--port", "0", "--grading-jobs", str(jobs)],
                          capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise LoadError(f"run.py up failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-4000:]}")
    return time.perf_counter() - start


def cleanup(state: Path) -> str:
    """``run.py down --purge --yes`` with the gradebook's dump in a temporary folder (then deleted)."""
    if not state.exists():
        return "nothing to stop"
    backups = Path(tempfile.mkdtemp(prefix="reciprocity-hubload-backups-"))
    try:
        proc = subprocess.run([sys.executable, str(RUN), "--state", str(state), "down", "--purge", "--yes",
                               "--backups", str(backups)], capture_output=True, text=True, timeout=600,
                              stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(backups, ignore_errors=True)
    if proc.returncode != 0 or state.exists():
        return f"run.py down --purge failed (exit {proc.returncode}): {(proc.stdout + proc.stderr)[-2000:]}"
    return "stopped and purged"


def release(hub, instructor: str) -> None:
    for step in ("assign", "release"):
        r = hub.formgrader(instructor, "POST", f"assignment/{LAB}/{step}")
        if r.status_code != 200 or not r.json().get("success"):
            raise LoadError(f"the formgrader's {step} of {LAB} failed ({r.status_code}): {r.text[-2000:]}")


def open_lab(hub, student: Student, source: dict, reserve_mb: float) -> None:
    """Start the student's server, fetch the lab and open its notebook; the answered copy is kept."""
    import requests

    if available_mb() < reserve_mb:
        raise LoadError(f"only {available_mb():.0f} MB of memory left, below the reserve of {reserve_mb:.0f} MB: "
                        f"stopped opening servers (give a smaller --max-open)")
    name = student.name
    session = requests.Session()
    session.headers["Authorization"] = f"token {hub.token(name)}"
    student.session = session
    start = time.perf_counter()
    deadline = time.monotonic() + SPAWN_TIMEOUT_S
    while True:
        r = session.post(f"{hub.base}/hub/api/users/{name}/server", timeout=REQUEST_TIMEOUT_S)
        if r.status_code != 429:  # 429: the hub's concurrent_spawn_limit; it says when to retry
            break
        time.sleep(float(r.headers.get("Retry-After", 1)))
    if r.status_code not in (201, 202, 400):
        raise LoadError(f"starting {name}'s server: {r.status_code} {r.text[-500:]}")
    while time.monotonic() < deadline:
        server = session.get(f"{hub.base}/hub/api/users/{name}", timeout=REQUEST_TIMEOUT_S).json().get(
            "servers", {}).get("")
        if server is None:  # the hub gave up on it (its start_timeout): the reason is in hub.log
            raise LoadError(f"{name}'s server failed to start; see {hub.state}/hub/hub.log")
        if server.get("ready"):
            break
        time.sleep(0.5)
    else:
        raise LoadError(f"{name}'s server did not start within {SPAWN_TIMEOUT_S} s")
    student.timings["spawn_s"] = time.perf_counter() - start
    start = time.perf_counter()
    r = session.post(f"{hub.base}/user/{name}/assignments/fetch", json={"course_id": COURSE, "assignment_id": LAB},
                     timeout=REQUEST_TIMEOUT_S)
    listed = r.json().get("value", []) if r.status_code == 200 else []
    if not any(a.get("assignment_id") == LAB and a.get("status") == "fetched" for a in listed):
        raise LoadError(f"{name} could not fetch {LAB}: {r.status_code} {r.text[-500:]}")
    student.timings["fetch_s"] = time.perf_counter() - start
    r = session.get(f"{hub.base}/user/{name}/api/contents/{COURSE}/{LAB}/{LAB}.ipynb", timeout=REQUEST_TIMEOUT_S)
    if r.status_code != 200:
        raise LoadError(f"{name} could not open {LAB}.ipynb: {r.status_code} {r.text[-500:]}")
    student.notebook = mark(answered(r.json()["content"], source), student.marker)


def submit(hub, student: Student, t0: float, replay_from: float, samples: list[Sample], lock) -> float:
    """At the student's time: the due dates, save, submit (stops at the first failure); how late it started."""
    import requests

    wait = t0 + (student.offset_s - replay_from) - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    late = max(0.0, -wait)
    name, session = student.name, student.session
    steps = [("due", "GET", f"/user/{name}/reciprocity/due", {}),
             ("save", "PUT", f"/user/{name}/api/contents/{COURSE}/{LAB}/{LAB}.ipynb",
              {"json": {"type": "notebook", "format": "json", "content": student.notebook}}),
             ("submit", "POST", f"/user/{name}/assignments/submit",
              {"json": {"course_id": COURSE, "assignment_id": LAB}})]
    for kind, method, path, kw in steps:
        at = time.monotonic() - t0 + replay_from
        start = time.perf_counter()
        try:
            r = session.request(method, f"{hub.base}{path}", timeout=REQUEST_TIMEOUT_S, **kw)
            status = r.status_code
            ok = 200 <= status < 300 and (kind != "submit" or r.json().get("success") is True)
        except (requests.RequestException, ValueError):
            status, ok = 0, False
        with lock:
            samples.append(Sample(kind, name, round(at, 3), time.perf_counter() - start, status, ok))
        if not ok:
            break
    return late


def stop_servers(hub, names: list[str]) -> None:
    """Stop the named students' servers and wait until the hub says they are gone."""
    operator = hub.auth(hub.setup["operator_token"])
    for name in names:
        hub.http.delete(f"{hub.base}/hub/api/users/{name}/server", headers=operator, timeout=REQUEST_TIMEOUT_S)
    deadline = time.monotonic() + 120
    waiting = list(names)
    while waiting and time.monotonic() < deadline:
        waiting = [n for n in waiting if hub.http.get(f"{hub.base}/hub/api/users/{n}", headers=operator,
                                                      timeout=REQUEST_TIMEOUT_S).json().get("servers")]
        time.sleep(0.5 if waiting else 0)
    if waiting:
        raise LoadError(f"{len(waiting)} server(s) did not stop within 120 s, e.g. {waiting[0]}")


def grade(hub, ta: str) -> dict:
    """The TA's Grade through the grading service's API; the finished job."""
    r = hub.request("POST", ta, f"/services/grade-{COURSE}/api/labs/{LAB}/grade")
    if r.status_code != 202:
        raise LoadError(f"the grading service refused Grade: {r.status_code} {r.text[-1000:]}")
    job_id = r.json()["id"]
    deadline = time.monotonic() + GRADE_TIMEOUT_S
    while time.monotonic() < deadline:
        job = hub.job(job_id)
        if job["state"] != "running":
            return job
        time.sleep(2)
    raise LoadError(f"the grading job {job_id} did not finish within {GRADE_TIMEOUT_S} s")


def bare_seconds(repeat: int) -> list[float]:
    """``benchmarks.grading.bare_execution`` of the lab's solution, ``repeat`` times, in a copy of its folder."""
    from benchmarks.grading import bare_execution

    with tempfile.TemporaryDirectory(prefix="reciprocity-hubload-bare-") as tmp:
        folder = Path(tmp) / LAB
        shutil.copytree(ROOT / "solutions" / LAB, folder)
        return [bare_execution(folder / f"{LAB}.ipynb") for _ in range(repeat)]


def say(message: str) -> None:
    print(f"[hub_load] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, state: Path) -> dict:
    """The whole benchmark on a hub in ``state`` (which the caller purges afterwards)."""
    import nbformat

    from benchmarks.grading import grading_efficiency
    from reciprocity.grading import default_jobs
    from tests.support.hub import Hub, load_run

    missing = load_run().missing_prerequisites()
    if missing:
        raise LoadError("the hub cannot run here: " + "; ".join(missing))
    tag = "l" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(3))
    instructor, ta, names = people(tag, args.students)
    offsets = rush_schedule(args.students, args.window, args.seed, args.shape)
    class_ = [Student(n, o, f"hubload-{n}-{secrets.token_hex(4)}") for n, o in zip(names, offsets, strict=True)]
    report: dict = {"students": args.students, "window_s": args.window, "shape": args.shape, "seed": args.seed,
                    "submissions_per_10_s": per_bin(offsets, args.window), "timings": {},
                    "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    free_mb = available_mb()
    max_open = args.max_open or servers_that_fit(free_mb, args.reserve_gb * 1024, SERVER_MB)
    segments = plan_segments(len(class_), max_open)
    report["memory"] = {"available_mb_at_start": round(free_mb), "server_mb_estimate": SERVER_MB,
                        "reserve_mb": args.reserve_gb * 1024, "max_open": max_open,
                        "segments": [len(s) for s in segments]}
    say(f"{args.students} students, {len(segments)} segment(s) of at most {max_open} open servers "
        f"({free_mb:.0f} MB available)")
    cores = default_jobs()
    state.mkdir(mode=0o755)
    state.chmod(0o755)  # students' servers read STATE/etc
    roster = state.with_suffix(".toml")
    roster.write_text(roster_toml(COURSE, instructor, ta, names))
    try:
        report["timings"]["up_s"] = round(up(state, roster, cores), 1)
    finally:
        roster.unlink(missing_ok=True)
    say(f"hub up in {report['timings']['up_s']} s")
    hub = Hub(state, course=COURSE, lab=LAB, staff=ta)
    start = time.perf_counter()
    release(hub, instructor)
    report["timings"]["release_s"] = round(time.perf_counter() - start, 1)
    source = nbformat.read(Path(hub.setup["services"][COURSE]["course_dir"]) / "solutions" / LAB / f"{LAB}.ipynb",
                           as_version=4)
    samples: list[Sample] = []
    lock = threading.Lock()
    lateness, spawn_s, replay_s, per_server = [], 0.0, 0.0, []
    report["segments"] = []
    for number, segment in enumerate(segments, 1):
        members = [class_[i] for i in segment]
        start = time.perf_counter()
        with ThreadPoolExecutor(args.spawn_at_once) as pool:
            list(pool.map(lambda s: open_lab(hub, s, source, args.reserve_gb * 1024), members))
        opened = time.perf_counter() - start
        spawn_s += opened
        per_server += servers_mb([s.name for s in members])
        free_after = available_mb()
        say(f"segment {number}/{len(segments)}: {len(members)} servers open and the lab fetched in "
            f"{opened:.0f} s; {free_after:.0f} MB available")
        time.sleep(args.settle)  # let the spawns' last work end before the rush
        load_before = [round(x, 2) for x in os.getloadavg()]
        start = time.perf_counter()
        t0 = time.monotonic()
        replay_from = members[0].offset_s
        first = len(samples)
        with ThreadPoolExecutor(len(members)) as pool:
            lateness += list(pool.map(partial(submit, hub, t0=t0, replay_from=replay_from, samples=samples,
                                              lock=lock), members))
        replayed = time.perf_counter() - start
        replay_s += replayed
        say(f"segment {number}: {len(members)} submissions replayed over {replayed:.0f} s "
            f"(load average before {load_before[0]:.2f})")
        # stopped after their part of the rush, the last segment's too: grading then has the
        # machine's memory (200 idle servers would not leave enough on a 24 GiB machine)
        stop_servers(hub, [s.name for s in members])
        report["segments"].append({
            "students": len(members), "rush_from_s": round(replay_from, 2), "rush_to_s": round(members[-1].offset_s, 2),
            "open_s": round(opened, 1), "available_mb_when_open": round(free_after),
            "load_average_before_rush": load_before,
            "replay_s": round(replayed, 1), "rush": latency_summary(samples[first:])["by_group"]})
    report["timings"].update(spawn_s=round(spawn_s, 1), rush_replay_s=round(replay_s, 1))
    report["spawn"] = latency_summary([Sample("spawn", s.name, 0, s.timings["spawn_s"], 200, True)
                                       for s in class_])["all"]
    report["fetch"] = latency_summary([Sample("fetch", s.name, 0, s.timings["fetch_s"], 200, True)
                                       for s in class_])["all"]
    report["memory"].update(server_mb_median=round(statistics.median(per_server), 1) if per_server else None,
                            server_mb_max=round(max(per_server), 1) if per_server else None)
    report["rush"] = latency_summary(samples)
    report["rush"]["started_late_max_s"] = round(max(lateness), 3)
    report["rush"]["failures"] = [f"{s.student} {s.kind}: HTTP {s.status or 'no answer'}"
                                  for s in samples if not s.ok][:20]
    bare = bare_seconds(args.repeat)
    say(f"bare execution of the solution: {statistics.median(bare):.2f} s (median of {len(bare)})")
    start = time.perf_counter()
    job = grade(hub, ta)
    report["timings"]["grade_client_s"] = round(time.perf_counter() - start, 1)
    wall = job["finished"] - job["started"]
    graded_rows = [row for row in job.get("status", []) if row.get("status") == "graded"]
    course_dir = Path(hub.setup["services"][COURSE]["course_dir"])
    submissions = hub.formgrader(ta, "GET", f"submissions/{LAB}").json()
    graded = sorted(s["student"] for s in submissions if s.get("autograded") and s.get("score") is not None)
    used = min(cores, int(hub.setup.get("grading_jobs", cores)))
    report["grading"] = {
        "job_state": job["state"], "outcome": job["outcome"], "wall_s": round(wall, 1),
        "graded_in_job_status": len(graded_rows), "graded_in_gradebook": len(graded),
        "bare_execution_s": round(statistics.median(bare), 3), "bare_runs_s": [round(x, 3) for x in bare],
        "jobs": int(hub.setup.get("grading_jobs", cores)), "cores": cores, "cores_used": used,
        "grading_efficiency": round(grading_efficiency(len(graded), statistics.median(bare), wall, used), 3),
        "log_tail": job.get("log", "")[-1500:] if job["state"] != "done" else "",
    }
    say(f"graded {len(graded)} in {wall:.0f} s: {job['outcome']}")
    report["accounting"] = account({s.name: s.marker for s in class_},
                                   inbound_entries(Path(hub.setup["exchange"]), COURSE, LAB),
                                   graded_entries(course_dir, LAB, graded))
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def dry_run(args: argparse.Namespace) -> dict:
    """No hub: the roster, schedule, answered notebooks and accounting, on a simulated exchange and gradebook."""
    from tests.support.hub import load_run

    instructor, ta, names = people("ldry", args.students)
    with tempfile.TemporaryDirectory(prefix="reciprocity-hubload-dry-") as tmp:
        roster = Path(tmp) / "roster.toml"
        roster.write_text(roster_toml(COURSE, instructor, ta, names))
        courses, _ = load_run().load_roster(roster)  # the hub's own parser takes the roster
        if courses[COURSE]["students"] != sorted(names):
            raise LoadError(f"run.py read another roster than written: {courses}")
        offsets = rush_schedule(args.students, args.window, args.seed, args.shape)
        segments = plan_segments(len(names), args.max_open or len(names))
        release = json.loads((ROOT / "exercises" / LAB / f"{LAB}.ipynb").read_text())
        source = json.loads((ROOT / "solutions" / LAB / f"{LAB}.ipynb").read_text())
        sent = {}
        for i, (name, offset) in enumerate(zip(names, offsets, strict=True)):
            sent[name] = f"hubload-{name}-{i:04d}"
            notebook = json.dumps(mark(answered(release, source), sent[name]))
            stamp = f"2026-01-01 00:00:{offset:06.3f} UTC"
            for folder in (Path(tmp, "exchange", COURSE, "inbound", f"{name}+{LAB}+{stamp}+x{i}"),
                           Path(tmp, "course", "autograded", name, LAB)):
                folder.mkdir(parents=True)
                (folder / f"{LAB}.ipynb").write_text(notebook)
        accounting = account(sent, inbound_entries(Path(tmp, "exchange"), COURSE, LAB),
                             graded_entries(Path(tmp, "course"), LAB, names))
    return {"students": args.students, "dry_run": True, "window_s": args.window, "shape": args.shape,
            "seed": args.seed, "submissions_per_10_s": per_bin(offsets, args.window),
            "segments": [len(s) for s in segments], "accounting": accounting}


def metrics_of(report: dict) -> dict:
    """The figures benchmarks.run reports (``hub_`` metrics)."""
    out = {"hub_submissions_lost": float(report["accounting"]["lost"]),
           "hub_submissions_duplicated": float(report["accounting"]["duplicated"]),
           "hub_load_wall_s": report["wall_s"]}
    if report.get("dry_run"):
        return out
    for group in ("hub", "exchange"):
        for stat in ("p50", "p95", "max"):
            out[f"hub_rush_{group}_{stat}_s"] = report["rush"]["by_group"][group][f"{stat}_s"]
    out.update(hub_rush_errors=float(report["rush"]["all"]["errors"]), hub_grade_s=report["grading"]["wall_s"],
               hub_grading_efficiency=report["grading"]["grading_efficiency"],
               hub_spawn_s=report["timings"]["spawn_s"])
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.hub_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=STUDENTS, help=f"class size (default {STUDENTS})")
    p.add_argument("--window", type=float, default=WINDOW_S,
                   help=f"the rush's length in seconds (default {WINDOW_S:g})")
    p.add_argument("--shape", type=float, default=RUSH_SHAPE,
                   help=f"Beta(shape, 1) of the submission times (default {RUSH_SHAPE:g}; 1 is uniform)")
    p.add_argument("--seed", type=int, default=SEED, help=f"of the schedule (default {SEED})")
    p.add_argument("--spawn-at-once", type=int, default=SPAWN_AT_ONCE,
                   help=f"servers started at once (default {SPAWN_AT_ONCE}; the hub allows 10)")
    p.add_argument("--max-open", type=int, default=None,
                   help="most servers open at once (default: as many as fit in the memory available less the reserve)")
    p.add_argument("--reserve-gb", type=float, default=RESERVE_GB,
                   help=f"memory left free for the rest of the machine (default {RESERVE_GB:g})")
    p.add_argument("--settle", type=float, default=10.0,
                   help="seconds between the last spawn and the rush (default 10)")
    p.add_argument("--repeat", type=int, default=3, help="bare executions of the solution (median; default 3)")
    p.add_argument("--state", type=Path, default=None,
                   help="the hub's state folder, which must not exist (default a new one in /tmp); purged at the end")
    p.add_argument("--dry-run", action="store_true",
                   help="no hub: check the roster, schedule and accounting on a simulated exchange")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = p.parse_args(argv)
    if min(args.students, args.spawn_at_once, args.repeat) < 1 or (args.max_open is not None and args.max_open < 1):
        p.error("--students, --spawn-at-once, --max-open and --repeat must be at least 1")
    if args.state is not None and args.state.exists():
        p.error(f"--state {args.state} exists; give a new folder (it is purged at the end)")
    return args


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # so that the hub is purged on the way out


def _keep_hub_log(state: Path, folder: Path) -> Path | None:
    """Copy the hub's log out of ``state`` before the purge deletes it: the reason of a failure is there."""
    log = state / "hub" / "hub.log"
    if not log.is_file():
        return None
    kept = folder / "hub.log"
    shutil.copyfile(log, kept)
    return kept


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.dry_run:
        report = dry_run(args)
    else:
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        state = args.state or Path(tempfile.mkdtemp(prefix="reciprocity-hubload-", dir="/tmp"))
        if args.state is None:
            state.rmdir()  # run() makes it, readable by the students' servers
        report: dict = {"error": "interrupted"}  # until run() returns
        try:
            report = run(args, state)
        except LoadError as err:
            report = {"error": str(err)}
        except Exception as err:  # reported in the JSON, after the purge below
            import traceback

            report = {"error": f"{type(err).__name__}: {err}\n{traceback.format_exc()[-3000:]}"}
        finally:
            if "error" in report and args.json:
                kept = _keep_hub_log(state, args.json.parent)
                if kept:
                    say(f"the hub's log (its users' servers log there too) kept in {kept}")
            say("stopping and purging the hub")
            outcome = cleanup(state)
            say(outcome)
        report["cleanup"] = outcome
    report["wall_s"] = round(time.perf_counter() - started, 1)
    if "error" not in report:
        report["metrics"] = metrics_of(report)
        report["goals"] = {"hub_rush_hub_p95_s": f"<= {GOAL_P95_S:g}", "hub_rush_exchange_p95_s": f"<= {GOAL_P95_S:g}",
                           "hub_grading_efficiency": f">= {GOAL_EFFICIENCY:g}", "hub_submissions_lost": "0",
                           "hub_submissions_duplicated": "0"}
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 1 if "error" in report or report.get("cleanup", "stopped and purged") not in (
        "stopped and purged", "nothing to stop") else 0


if __name__ == "__main__":
    sys.exit(main())
