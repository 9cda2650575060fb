"""The course on JupyterHub, end to end: ``deploy/hub/run.py`` started, a class driven over REST.

One hub (``run.py up``, loopback only) serves two courses, ``reciprocity-a``
and ``reciprocity-b``. Over the hub's REST API and the servers' own APIs:

* the instructor of course A generates and releases the ``outreach`` lab
  through the course's formgrader service;
* 20 students each get a token from the operator, start their server, fetch
  the lab (nbgrader's assignment-list endpoints), answer it through the
  contents API and submit it: 8 copy the model answers from ``solutions/``,
  6 copy them with three mistakes, 5 hand in the lab as released, and one is
  hostile (from a kernel in their server: reads other people's files, the
  exchange, the solutions, the gradebook, the hub's secrets; forges a
  submission in another student's name; leaves a process behind);
* the instructor asks the course's grading service to collect and grade
  (``python -m reciprocity.grading``, sandboxed, 2 at a time), then releases
  feedback through the formgrader; students fetch it;
* the scores are read back from the course's PostgreSQL gradebook;
* a person without an account cannot log in, a course-B student cannot fetch
  or read course A's lab, a course-A TA reaches course A's formgrader but not
  course B's, and students reach neither;
* ``run.py down`` leaves no process and no listening port behind.

Needs root (it creates local accounts), PostgreSQL's server binaries, Node.js
and bubblewrap: without them the test skips with one line locally and fails
in CI (``CI=true``).
"""
from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import os
import pwd
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from tests.support.common import ARTIFACTS, IN_CI, ROOT

pytestmark = pytest.mark.hub

RUN = ROOT / "deploy" / "hub" / "run.py"
LAB = "outreach"
A, B = "reciprocity-a", "reciprocity-b"
# account names carry a tag of this run, so two runs on one machine never share accounts
P = "h" + "".join(random.choices(string.ascii_lowercase, k=3))
STUDENTS = [f"{P}-s{i:02d}" for i in range(1, 21)]
PROF_A, TA_A, PROF_B, TA_B, STUDENT_B = (f"{P}-prof-a", f"{P}-ta-a", f"{P}-prof-b", f"{P}-ta-b",
                                         f"{P}-b01")
RIGHT, PARTIAL, BLANK, HOSTILE = STUDENTS[:8], STUDENTS[8:14], STUDENTS[14:19], STUDENTS[19]
ROSTER = f"""
[courses.{A}]
instructors = ["{PROF_A}"]
tas = ["{TA_A}"]
students = {json.dumps(STUDENTS)}

[courses.{B}]
instructors = ["{PROF_B}"]
tas = ["{TA_B}"]
students = ["{STUDENT_B}"]
"""
# three wrong answers (appended to the model answer) and the test cells they fail
MISTAKES = {
    "n_per_arm_answer": ("def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):\n"
                         "    return 348 if p_treatment == 0.12 else 48  # hard-coded"),
    "difference_answer": "newcombe_ci = (difference - 0.12, difference + 0.12)",
    "fisher_answer": "fisher_p = fisher_p / 2  # one-sided",
}
MISTAKES_FAIL = ["test_n_per_arm_hidden", "test_newcombe", "test_fisher"]
SPAWN_AT_ONCE = 4


def _load_run():
    spec = importlib.util.spec_from_file_location("hub_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _skip_or_fail(message: str):
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


MISSING = _load_run().missing_prerequisites()
if MISSING and not IN_CI:  # one line for the whole module; in CI the fixture fails instead
    pytest.skip("hub test skipped: " + "; ".join(MISSING), allow_module_level=True)


# ------------------------------------------------------------------------------ clients
class Hub:
    """The running hub: its setup (ports, tokens, roster) and REST helpers."""

    def __init__(self, state: Path):
        import requests

        self.state = state
        self.setup = json.loads((state / "hub" / "setup.json").read_text())
        self.base = f"http://127.0.0.1:{self.setup['ports']['public']}"
        self.http = requests.Session()
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.http.post(f"{self.base}/hub/api/users/{user}/tokens",
                               headers=self.auth(self.setup["operator_token"]),
                               json={"expires_in": 3600, "note": "test_hub"})
            assert r.status_code == 201, r.text
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    @staticmethod
    def auth(token: str) -> dict:
        return {"Authorization": f"token {token}"}

    def as_user(self, user: str) -> dict:
        return self.auth(self.token(user))

    def request(self, method: str, user: str, path: str, **kw):
        return self.http.request(method, f"{self.base}{path}", headers=self.as_user(user),
                                 timeout=kw.pop("timeout", 120), **kw)

    def start_server(self, user: str) -> None:
        r = self.request("POST", user, f"/hub/api/users/{user}/server")
        assert r.status_code in (201, 202), r.text
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            model = self.request("GET", user, f"/hub/api/users/{user}").json()
            if model.get("servers", {}).get("", {}).get("ready"):
                return
            time.sleep(0.25)
        raise AssertionError(f"{user}'s server did not start")

    def assignments(self, user: str, action: str, course: str = A) -> dict:
        """nbgrader's assignment-list server extension: fetch, submit, fetch_feedback, or list."""
        if action == "list":
            r = self.request("GET", user, f"/user/{user}/assignments", params={"course_id": course})
        else:
            r = self.request("POST", user, f"/user/{user}/assignments/{action}",
                             data={"course_id": course, "assignment_id": LAB})
        assert r.status_code == 200, r.text
        return r.json()

    def formgrader(self, user: str, method: str, path: str, course: str = A):
        return self.request(method, user, f"/services/{course}/formgrader/api/{path}")

    def run_code(self, user: str, code: str, timeout: float = 60) -> str:
        """Run code in a new kernel of the user's server (websocket), return its output."""
        r = self.request("POST", user, f"/user/{user}/api/kernels", json={"name": "python3"})
        assert r.status_code == 201, r.text
        kernel = r.json()["id"]
        try:
            return asyncio.run(_execute(
                f"ws://127.0.0.1:{self.setup['ports']['public']}/user/{user}/api/kernels/{kernel}/channels",
                self.token(user), code, timeout))
        finally:
            self.request("DELETE", user, f"/user/{user}/api/kernels/{kernel}")


async def _execute(url: str, token: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    out = []
    try:
        while True:
            raw = await asyncio.wait_for(conn.read_message(), timeout)
            if raw is None:
                break
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        conn.close()
    return "".join(out)


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def run_module():
    return _load_run()


@pytest.fixture(scope="module")
def hub(run_module, tmp_path_factory):
    if MISSING:
        _skip_or_fail("hub test cannot run: " + "; ".join(MISSING))
    # students' servers read the state folder: not under pytest's private tmp (0700)
    state = Path(tempfile.mkdtemp(prefix="reciprocity-hub-", dir="/tmp"))
    roster = state.with_suffix(".toml")
    roster.write_text(ROSTER)
    started = time.monotonic()
    up = subprocess.run([sys.executable, str(RUN), "--state", str(state), "up", "--roster",
                         str(roster), "--port", "0", "--grading-jobs", "2"],
                        capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        hub = Hub(state)
        hub.timings = {"up": time.monotonic() - started}
        yield hub
    finally:
        if (state / "hub" / "hub.log").exists():  # kept for CI's artifacts
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(state / "hub" / "hub.log", ARTIFACTS / "hub.log")
        _down(state, purge=True)
        roster.unlink(missing_ok=True)
        assert not state.exists()


def _down(state: Path, purge: bool):
    args = [sys.executable, str(RUN), "--state", str(state), "down"] + (["--purge"] if purge else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


def _answers(source, release, scenario: str):
    """The student's notebook: the release with answers copied from the model solution (or not)."""
    nb = copy.deepcopy(release)
    if scenario in ("right", "partial"):
        model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and gid in model:
                cell.source = model[gid]
                if scenario == "partial" and gid in MISTAKES:
                    cell.source += "\n" + MISTAKES[gid]
    return nb


HOSTILE_SUBMISSION = '''
try:
    print("SOLUTIONS" + "-LEAKED", open({solutions!r}).read()[:80])
except Exception as err:
    print("blocked:", type(err).__name__)
'''

HOSTILE_SESSION = '''
import json, os, shutil, subprocess, requests, psycopg
S, A, B, VICTIM = {state!r}, {a!r}, {b!r}, {victim!r}
report = {{}}
def attempt(name, action):
    try:
        report[name] = "ALLOWED " + repr(action())[:120]
    except Exception as err:
        report[name] = "refused " + type(err).__name__

def hub_get(url):
    r = requests.get(url, headers={{"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]}})
    if r.status_code >= 400:
        raise PermissionError(r.status_code)
    return r.status_code

attempt("other_home", lambda: os.listdir(f"{{S}}/homes/{{VICTIM}}"))
attempt("other_notebook", lambda: open(f"{{S}}/homes/{{VICTIM}}/{{A}}/outreach/outreach.ipynb").read())
attempt("inbound_listing", lambda: os.listdir(f"{{S}}/exchange/{{A}}/inbound"))
attempt("solutions", lambda: open(f"{{S}}/homes/grader-{{A}}/{{A}}/solutions/outreach/outreach.ipynb").read())
attempt("hub_secrets", lambda: open(f"{{S}}/hub/setup.json").read())
attempt("passwords", lambda: open(f"{{S}}/hub/passwords.txt").read())
attempt("other_course_exchange", lambda: os.listdir(f"{{S}}/exchange/{{B}}"))
for role in ("grader-" + A, "postgres", "jupyterhub"):
    db = {{"postgres": "postgres", "jupyterhub": "jupyterhub"}}.get(role, "gradebook_" + A.replace("-", "_"))
    attempt("db_as_" + role, lambda: psycopg.connect(host=f"{{S}}/pg/run", user=role, dbname=db).execute("select 1").fetchone())
attempt("formgrader_with_server_token", lambda: hub_get({base!r} + f"/services/{{A}}/formgrader/api/assignments"))
attempt("grading_service_with_server_token", lambda: hub_get({base!r} + f"/services/grade-{{A}}/api/jobs"))
attempt("join_formgrade_group", lambda: requests.post(os.environ["JUPYTERHUB_API_URL"] + f"/groups/formgrade-{{A}}/users",
        json={{"users": [os.environ["JUPYTERHUB_USER"]]}},
        headers={{"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]}}).raise_for_status())
# a submission in the victim's name, dated far in the future so that collect would prefer it
forged = f"{{S}}/exchange/{{A}}/inbound/{{VICTIM}}+outreach+2999-01-01 00:00:00.000000 UTC+forged"
def forge():
    os.makedirs(forged)
    shutil.copy(f"{{A}}/outreach/outreach.ipynb", forged)
    return "written"
attempt("forge_submission", forge)
# a process meant to outlive the server
subprocess.Popen(["sleep", "900"], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("REPORT" + json.dumps(report))
'''


@pytest.fixture(scope="module")
def released(hub):
    started = time.monotonic()
    for step in ("assign", "release"):
        r = hub.formgrader(PROF_A, "POST", f"assignment/{LAB}/{step}")
        assert r.status_code == 200 and r.json()["success"], r.text[-3000:]
    hub.timings["release"] = time.monotonic() - started
    source = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
              for c in source.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    return source, points


def _student(hub, source, student: str) -> dict:
    scenario = ("right" if student in RIGHT else "partial" if student in PARTIAL
                else "blank" if student in BLANK else "hostile")
    hub.start_server(student)
    fetched = hub.assignments(student, "fetch")
    assert fetched["success"] and fetched["value"][0]["status"] == "fetched", fetched
    path = f"/user/{student}/api/contents/{A}/{LAB}/{LAB}.ipynb"
    r = hub.request("GET", student, path)
    assert r.status_code == 200, r.text
    release = nbformat.from_dict(r.json()["content"])
    nb = _answers(source, release, scenario)
    result = {"scenario": scenario}
    if scenario == "hostile":
        solutions = f"{hub.setup['services'][A]['course_dir']}/solutions/{LAB}/{LAB}.ipynb"
        first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                     and c.cell_type == "code")
        first.source = HOSTILE_SUBMISSION.format(solutions=solutions) + first.source
        output = hub.run_code(student, HOSTILE_SESSION.format(
            state=str(hub.state), a=A, b=B, victim=RIGHT[0], base=hub.base))
        assert "REPORT" in output, output
        result["report"] = json.loads(output.split("REPORT", 1)[1])
    r = hub.request("PUT", student, path, json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code == 200, r.text
    submitted = hub.assignments(student, "submit")
    assert submitted["success"], submitted
    return result


@pytest.fixture(scope="module")
def submitted(hub, released):
    source, _ = released
    started = time.monotonic()
    # the hostile student last, once their victim (RIGHT[0]) has fetched the lab
    with ThreadPoolExecutor(SPAWN_AT_ONCE) as pool:
        results = dict(zip(STUDENTS[:-1], pool.map(lambda s: _student(hub, source, s), STUDENTS[:-1])))
    results[HOSTILE] = _student(hub, source, HOSTILE)
    hub.timings["students"] = time.monotonic() - started
    return results


@pytest.fixture(scope="module")
def graded(hub, submitted):
    started = time.monotonic()
    r = hub.request("POST", PROF_A, f"/services/grade-{A}/api/labs/{LAB}/grade")
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    deadline = time.monotonic() + 600  # about a minute alone on 2 cores; CI runs other tests too
    while time.monotonic() < deadline:
        job = hub.request("GET", PROF_A, f"/services/grade-{A}/api/jobs/{job_id}").json()
        if job["state"] != "running":
            break
        time.sleep(1)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hub-grading.log").write_text(job["log"])
    assert job["state"] == "done", job["log"][-4000:]
    hub.timings["grade"] = time.monotonic() - started
    started = time.monotonic()
    r = hub.formgrader(PROF_A, "POST", f"assignment/{LAB}/release_feedback")
    assert r.status_code == 200 and r.json()["success"], r.text[-3000:]
    hub.timings["release_feedback"] = time.monotonic() - started
    return job


# -------------------------------------------------------------------------------- tests
def _listening() -> dict[int, set[str]]:
    """pid -> 'address:port' of every listening TCP socket it holds (from /proc, no `ss` needed)."""
    inodes = {}
    for table, family in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 6)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":  # LISTEN
                continue
            address, port = fields[1].split(":")
            if family == 4:
                host = ".".join(str(b) for b in reversed(bytes.fromhex(address)))
            else:
                host = "::1" if address == "0" * 24 + "01000000" else f"v6:{address}"
            inodes[fields[9]] = f"{host}:{int(port, 16)}"
    found: dict[int, set[str]] = {}
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            found.setdefault(int(fd.parts[2]), set()).add(inodes[target[8:-1]])
    return found


def test_everything_listens_on_loopback_only(hub, run_module):
    uids = {pwd.getpwnam(name).pw_uid for name in hub.setup["accounts"]}
    pids = set(run_module.ours(hub.state, uids))
    listening = _listening()
    mine = set().union(*(addresses for pid, addresses in listening.items() if pid in pids))
    assert f"127.0.0.1:{hub.setup['ports']['public']}" in mine
    assert f"127.0.0.1:{hub.setup['services'][A]['grading_port']}" in mine
    assert all(address.startswith("127.0.0.1:") for address in mine), mine
    postmaster = int(Path(hub.setup["pg"]["data"], "postmaster.pid").read_text().split()[0])
    assert postmaster not in listening  # PostgreSQL: a Unix socket only, no TCP


def test_login_needs_an_account_and_its_password(hub):
    def login(user, password):
        import requests

        s = requests.Session()
        page = s.get(f"{hub.base}/hub/login").text
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        return s.post(f"{hub.base}/hub/login", allow_redirects=False,
                      data={"username": user, "password": password, "_xsrf": xsrf}).status_code

    assert login(RIGHT[0], hub.setup["passwords"][RIGHT[0]]) == 302
    assert login(f"{P}-outsider", "any password") == 403  # not enrolled: no account, no login
    assert login(f"grader-{A}", "guess") == 403  # the grader account is not a person
    operator = hub.auth(hub.setup["operator_token"])
    assert hub.http.get(f"{hub.base}/hub/api/users/{P}-outsider", headers=operator).status_code == 404
    r = hub.http.post(f"{hub.base}/hub/api/users/{P}-outsider/tokens", headers=operator, json={})
    assert r.status_code in (403, 404)  # no token for someone the hub does not know


def test_students_submit_and_scores_land_in_postgresql(hub, released, submitted, graded):
    import psycopg

    _, points = released
    total = sum(points.values())
    expected = {s: total for s in RIGHT}
    expected.update({s: total - sum(points[t] for t in MISTAKES_FAIL) for s in PARTIAL})
    expected.update({s: 0 for s in BLANK + [HOSTILE]})
    status = {row["student"]: row for row in graded["status"]}
    assert set(status) == set(STUDENTS), graded["log"][-3000:]
    assert all(row["status"] == "graded" for row in status.values()), status
    course = hub.setup["services"][A]
    # root reaches the gradebook as its owner (peer authentication, mapped in pg_ident.conf)
    with psycopg.connect(host=hub.setup["pg"]["socket"], user=f"grader-{A}",
                         dbname=course["db_url"].split("@/")[1].split("?")[0]) as conn:
        rows = conn.execute("""
            SELECT sa.student_id,
                   SUM(COALESCE(g.manual_score, g.auto_score, 0) + COALESCE(g.extra_credit, 0))
            FROM submitted_assignment sa
            JOIN assignment a ON a.id = sa.assignment_id
            JOIN submitted_notebook sn ON sn.assignment_id = sa.id
            JOIN grade g ON g.notebook_id = sn.id
            WHERE a.name = %s AND a.course_id = %s
            GROUP BY sa.student_id""", [LAB, A]).fetchall()
    scores = {student: float(score) for student, score in rows}
    assert scores == pytest.approx(expected), {s: (scores.get(s), e) for s, e in expected.items()
                                                if scores.get(s) != e}
    assert not Path(course["course_dir"], "gradebook.db").exists()
    # the hub keeps its own state in PostgreSQL too
    with psycopg.connect(host=hub.setup["pg"]["socket"], user="jupyterhub", dbname="jupyterhub") as conn:
        hub_users = {name for (name,) in conn.execute("SELECT name FROM users")}
    assert set(STUDENTS) <= hub_users


def test_students_fetch_their_feedback(hub, graded):
    def fetch(student):
        listing = hub.assignments(student, "fetch_feedback")
        assert listing["success"], listing
        folder = f"/user/{student}/api/contents/{A}/{LAB}/feedback"
        r = hub.request("GET", student, folder)
        assert r.status_code == 200, r.text
        (stamp,) = [item["path"] for item in r.json()["content"]]
        page = hub.request("GET", student, f"/user/{student}/api/contents/{stamp}/{LAB}.html")
        assert page.status_code == 200, page.text
        return page.json()["content"]

    with ThreadPoolExecutor(SPAWN_AT_ONCE) as pool:
        pages = dict(zip(STUDENTS, pool.map(fetch, STUDENTS)))
    for student, html in pages.items():
        assert "BEGIN HIDDEN TESTS" not in html, student
        assert "Score" in html or "score" in html, student
    # the hostile answer ran in the grading sandbox, where the solutions do not exist
    assert "SOLUTIONS-LEAKED" not in pages[HOSTILE] and "blocked: FileNotFoundError" in pages[HOSTILE]


def test_hostile_student_reaches_nothing_of_others(submitted, graded):
    report = submitted[HOSTILE]["report"]
    refused = {k: v for k, v in report.items() if k != "forge_submission"}
    assert all(v.startswith("refused") for v in refused.values()), report
    # the exchange's inbound folder is writable by design (that is how submitting works):
    # the forgery is written, but the grading service sets it aside before collecting
    assert report["forge_submission"].startswith("ALLOWED")
    assert any(item.startswith(f"{RIGHT[0]}+{LAB}+2999") for item in graded["quarantined"]), graded
    assert any(row["student"] == RIGHT[0] and row["status"] == "graded" for row in graded["status"])


def test_enrolment_decides_who_sees_a_course(hub, released):
    outsider = STUDENT_B  # enrolled in course B only
    hub.start_server(outsider)
    assert hub.assignments(outsider, "list")["value"] == []
    hub.assignments(outsider, "fetch")
    r = hub.request("GET", outsider, f"/user/{outsider}/api/contents/{A}")
    assert r.status_code == 404  # nothing was fetched
    out = hub.run_code(outsider, f"import os\ntry:\n    print(os.listdir({str(hub.state / 'exchange' / A)!r}))\n"
                                 "except PermissionError:\n    print('refused')")
    assert out.strip() == "refused"  # the exchange folder of course A is not readable either
    # and nobody can use another person's server
    assert hub.request("GET", outsider, f"/user/{RIGHT[0]}/api/contents").status_code == 403


def test_teaching_assistant_grades_only_their_course(hub, released):
    assert hub.formgrader(TA_A, "GET", "assignments").status_code == 200
    assert hub.formgrader(TA_A, "GET", "assignments", course=B).status_code == 403
    assert hub.request("GET", TA_A, f"/services/grade-{B}/api/jobs").status_code == 403
    assert hub.request("POST", TA_A, f"/services/grade-{B}/api/labs/{LAB}/grade").status_code == 403
    assert hub.request("GET", TA_A, f"/services/grade-{A}/api/jobs").status_code == 200
    assert hub.formgrader(TA_B, "GET", "assignments").status_code == 403
    assert hub.formgrader(PROF_B, "GET", "assignments").status_code == 403
    assert hub.formgrader(PROF_B, "GET", "assignments", course=B).status_code == 200
    assert hub.formgrader(STUDENTS[0], "GET", "assignments").status_code == 403
    assert hub.request("GET", STUDENTS[0], f"/services/grade-{A}/api/jobs").status_code == 403


def test_stack_stops_cleanly(hub, run_module, graded):
    uids = {pwd.getpwnam(name).pw_uid for name in hub.setup["accounts"]}
    assert run_module.ours(hub.state, uids)  # the hostile student's `sleep` among them
    started = time.monotonic()
    down = _down(hub.state, purge=False)
    hub.timings["down"] = time.monotonic() - started
    assert down.returncode == 0, down.stdout + down.stderr
    left = run_module.ours(hub.state, uids)
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left]
    ports = list(hub.setup["ports"].values()) + [
        s[k] for s in hub.setup["services"].values() for k in ("formgrader_port", "grading_port")]
    still = {a for addresses in _listening().values() for a in addresses
             if int(a.rsplit(":", 1)[1]) in ports}
    assert not still, still
    assert not Path(hub.setup["pg"]["data"], "postmaster.pid").exists()
    print("hub timings (s):", {k: round(v, 1) for k, v in hub.timings.items()})
