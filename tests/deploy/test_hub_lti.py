"""The course on JupyterHub in LTI mode, end to end: ``run.py up --lti``, launches from the LMS, grades back to it.

One hub (``run.py up --lti lti.toml``, loopback only) serves two courses,
each linked to a course of the emulated LMS (``tests/support/lti_platform.py``:
real RSA keys, OIDC login initiation, signed id_tokens, Assignment and Grade
Services that record scores, Names and Role Provisioning Services), each
through its own registration and deployment:

* 20 students (11 in course A, 10 in course B, one of them in both), the two
  instructors and course A's TA launch from the LMS: the OIDC flow over HTTP,
  and the TA's in Chromium, who then opens the grading page through the hub's
  OAuth;
* students start their servers (the hub makes their local accounts then, in
  the Unix groups of their courses), fetch a one-question lab and submit it
  over the REST paths: half answer right, half wrong, everyone writes the memo;
* the TA grades course A through the grading API with a token limited to its
  grading service (``run.py token --scope``), the instructor of B grades B;
  when the jobs have finished every student's score is in the LMS's
  gradebook (Completed, PendingManual), and the gradebook has the students'
  names from the LMS's roster;
* a student resubmits a better answer and the TA grades again: that score
  alone changes in the LMS; the TA grades the memos and releases feedback:
  course A's scores become FullyGraded; a due date that makes the
  resubmission late, then an extension for that student, each followed by an
  export: the LMS gets the penalised score, then the full one again; no score
  is ever posted twice;
* launches this deployment must refuse (usernames that cannot be an account
  of this hub, a student of B sent into A) leave no hub user, no local
  account and no launch record;
* ``status`` counts who launched; ``down --purge`` deletes the accounts the
  launches made.

The launch checks themselves (signature, expiry, nonce, issuer, deployment,
roles, course) run against a small hub in ``tests/lms/test_hub_launch.py``.
Needs what ``tests/deploy/test_hub.py`` needs (root, PostgreSQL, Node.js,
bubblewrap, Chromium): without it the module skips with one line locally and
fails in CI (``CI=true``).
"""
from __future__ import annotations

import datetime as dt
import grp
import json
import os
import pwd
import random
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
import requests

from reciprocity.lms.__main__ import new_key
from reciprocity.lms.config import load_config, tool_jwk
from reciprocity.lms.launches import LaunchRecords
from tests.support.common import ARTIFACTS, IN_CI
from tests.support.hub import RUN, Hub, down, load_run, skip_or_fail, write_policy
from tests.support.lti_platform import Forgery, Platform, open_link, shown
from tests.support.nbgrader_course import lab_notebook
from tests.support.site_checks import LAPTOP

pytestmark = [pytest.mark.hub, pytest.mark.lti]

LAB = "probe"  # one answer (x = 42, a test cell of 2 points) and a memo of 3 points


def _new_tag() -> str:
    """A tag no account of this machine starts with: two runs (or test_hub.py) never share an account."""
    taken = {entry.pw_name.split("-", 1)[0] for entry in pwd.getpwall()}
    while (tag := "l" + "".join(random.choices(string.ascii_lowercase, k=3))) in taken:
        pass
    return tag


P = _new_tag()  # in every account and course name of this run
A, B = f"{P}-a", f"{P}-b"
LMS = {A: ("ctx-a", "Reciprocity A", "tool-a", "dep-a"),  # course -> context, title, registration, deployment
       B: ("ctx-b", "Reciprocity B", "tool-b", "dep-b")}
STUDENTS = [f"{P}-s{i:02d}" for i in range(1, 21)]
MEMBERS = {A: STUDENTS[:11], B: STUDENTS[10:]}
BOTH = STUDENTS[10]
PROF_A, TA_A, PROF_B = f"{P}-prof-a", f"{P}-ta-a", f"{P}-prof-b"
NEVER = f"{P}-s21"  # on B's roster in the LMS; never gets in
RIGHT = set(STUDENTS[::2])  # the others answer x = 0
REDO = STUDENTS[1]  # wrong in course A; later submits the right answer
# LMS usernames that cannot be a person's account here, and what the refusal says
UNFIT = {f"grader-{A}": "is reserved on this hub", "postgres": "already an account on the hub's machine",
         f"{P}.dot": "cannot name an account on this hub"}
NAMES = {s: (f"Ada{i:02d}", f"Lovelace{i:02d}") for i, s in enumerate([*STUDENTS, NEVER], 1)}
NAMES.update({PROF_A: ("Inés", "García"), TA_A: ("Tariq", "Haddad"), PROF_B: ("Ivo", "Horvat")})
NAMES.update({name: ("Un", "Fit") for name in UNFIT})
SCORE_KEYS = ("scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress")
AT_ONCE = 4
LMS_DEADLINE = 60  # seconds after a job ends by which its scores must be in the LMS

MISSING = load_run().missing_prerequisites()
if MISSING and not IN_CI:  # one line for the whole module; in CI the fixture fails instead
    pytest.skip("LTI hub test skipped: " + "; ".join(MISSING), allow_module_level=True)


def sub_of(username: str) -> str:
    """The LMS's opaque id of a person (the id_token's ``sub``), as Canvas sends it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://lms.example/users/{username}"))


def courses_of(student: str) -> list[str]:
    return [course for course, members in MEMBERS.items() if student in members]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def lms():
    """The school's LMS: both courses, their people and roles (the tool is registered once the hub is up)."""
    platform = Platform()
    for context, title, client, deployment in LMS.values():
        platform.add_course(context, title, client_id=client, deployment_id=deployment)
    for username, (given, family) in NAMES.items():
        platform.add_person(sub_of(username), username, given, family)
    for course, members in MEMBERS.items():
        for student in members:
            platform.enrol(LMS[course][0], sub_of(student), "student")
    platform.enrol("ctx-b", sub_of(NEVER), "student")
    for name in UNFIT:
        platform.enrol("ctx-a", sub_of(name), "student")
    platform.enrol("ctx-a", sub_of(PROF_A), "instructor")
    platform.enrol("ctx-a", sub_of(TA_A), "ta")
    platform.enrol("ctx-b", sub_of(PROF_B), "instructor")
    yield platform
    platform.close()


def _lti_toml(lms: Platform, key: Path, state_dir: Path) -> str:
    courses = "".join(f'\n[courses.{course}]\ncontext_id = "{context}"\nclient_id = "{client}"\n'
                      f'deployment_ids = ["{deployment}"]\n'
                      for course, (context, _, client, deployment) in LMS.items())
    return f"""[platform]
issuer = "{lms.issuer}"
client_id = "tool-a"
authorize_url = "{lms.authorize_url}"
token_url = "{lms.token_url}"
jwks_url = "{lms.jwks_url}"

[tool]
private_key = "{key}"
username_key = "custom_username"
state_dir = "{state_dir}"
verify_membership = true
{courses}"""


@pytest.fixture(scope="module")
def hub(lms):
    if MISSING:
        skip_or_fail("LTI hub test cannot run: " + "; ".join(MISSING))
    # students' servers read the state folder: not under pytest's private tmp (0700)
    state = Path(tempfile.mkdtemp(prefix="reciprocity-hub-lti-", dir="/tmp"))
    private = Path(tempfile.mkdtemp(prefix="reciprocity-lti-tool-", dir="/tmp"))  # lti.toml, key: 0700
    new_key(private / "tool-key.pem")
    (private / "lti.toml").write_text(_lti_toml(lms, private / "tool-key.pem", state / "lti"))
    started = time.monotonic()
    up = subprocess.run([sys.executable, str(RUN), "--state", str(state), "up", "--lti", str(private / "lti.toml"),
                         "--port", "0", "--grading-jobs", "2"], capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        hub = Hub(state, course=A, lab=LAB, staff=TA_A)
        hub.timings = {"up": time.monotonic() - started}
        hub.up_output = up.stdout
        hub.lms = lms
        hub.config = load_config(private / "lti.toml")
        jwks = {"keys": [tool_jwk((private / "tool-key.pem").read_text())]}
        for _, _, client, _ in LMS.values():  # the LMS's registration form, filled in with what `up` printed
            lms.register_tool(client, login_url=f"{hub.base}/hub/lti13/oauth_login",
                              redirect_uri=f"{hub.base}/hub/lti13/oauth_callback",
                              target_link_uri=f"{hub.base}/hub/home", jwks=jwks)
        yield hub
    finally:
        if (state / "hub" / "hub.log").exists():  # kept for CI's artifacts
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(state / "hub" / "hub.log", ARTIFACTS / "hub-lti.log")
        if state.exists():  # a test stopped before the purge test ran
            down(state, "--purge", "--yes", "--backups", str(state.with_suffix(".backups")))
        shutil.rmtree(state.with_suffix(".backups"), ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def launch(hub, username: str, context: str, forgery: Forgery | None = None) -> requests.Response:
    """A person's whole launch from an LMS course, in a browser played by requests; the hub's last answer."""
    session = requests.Session()
    form = open_link(session, hub.lms.launch_url(sub_of(username), context, forgery))
    return session.post(form.action, data=form.fields, allow_redirects=False, timeout=30)


@pytest.fixture(scope="module")
def ta_page(browser, hub):
    """Course A's TA clicks the tool's link in the LMS, in Chromium, then opens the grading page."""
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    try:
        page.goto(hub.lms.launch_url(sub_of(TA_A), "ctx-a"))
        # the hub's login initiation, the LMS's form (posted by its script), the hub's callback
        page.wait_for_url(f"{hub.base}/hub/home")
        hub.seen["ta_home"] = page.locator("body").inner_text()
        page.goto(hub.grading)  # the service's OAuth with the hub: the launch's session signs in
        page.get_by_role("heading", name=f"Grading: {A}").wait_for()
        hub.seen["ta_grading_url"] = page.url
        hub.seen["ta_cookies"] = {c["name"] for c in context.cookies()}
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def launched(hub, ta_page):
    """Everyone else launches from their LMS courses (BOTH from each); the hub's answers."""
    started = time.monotonic()
    pairs = [(s, LMS[course][0]) for course, members in MEMBERS.items() for s in members]
    pairs += [(PROF_A, "ctx-a"), (PROF_B, "ctx-b")]
    with ThreadPoolExecutor(AT_ONCE) as pool:
        replies = list(pool.map(lambda pair: launch(hub, *pair), pairs))
    hub.timings["launches"] = time.monotonic() - started
    return {pair: (r.status_code, r.headers.get("location"), shown(r)[:300])
            for pair, r in zip(pairs, replies, strict=True)}


def _as_grader(course: str, path: Path) -> None:
    grader = pwd.getpwnam(f"grader-{course}")
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.chown(item, grader.pw_uid, grader.pw_gid)


@pytest.fixture(scope="module")
def released(hub, launched):
    """Each instructor puts the lab in the course (its source, as the grader account) and releases it."""
    for course, prof in ((A, PROF_A), (B, PROF_B)):
        folder = Path(hub.setup["services"][course]["course_dir"], "solutions", LAB)
        folder.mkdir()
        nbformat.write(lab_notebook(), folder / f"{LAB}.ipynb")
        _as_grader(course, folder)
        for step in ("assign", "release"):
            r = hub.formgrader(prof, "POST", f"assignment/{LAB}/{step}", course=course)
            assert r.status_code == 200 and r.json()["success"], r.text[-3000:]


def _answer(hub, student: str, course: str, x: int) -> None:
    """The student's answer (``x = ...`` and a memo) saved in their lab notebook, then submitted."""
    path = f"/user/{student}/api/contents/{course}/{LAB}/{LAB}.ipynb"
    r = hub.request("GET", student, path)
    assert r.status_code == 200, r.text
    nb = nbformat.from_dict(r.json()["content"])
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "answer":
            cell.source = f"x = {x}"
        elif grade_id == "memo":
            cell.source = "I would first measure how active each member was before the test."
    r = hub.request("PUT", student, path, json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code == 200, r.text
    submitted = hub.assignments(student, "submit", course)
    assert submitted["success"], submitted


def _stop_server(hub, user: str) -> None:
    r = hub.request("DELETE", user, f"/hub/api/users/{user}/server")
    assert r.status_code in (202, 204), r.text


def _student(hub, student: str) -> None:
    hub.start_server(student)
    for course in courses_of(student):
        fetched = hub.assignments(student, "fetch", course)
        assert fetched["success"] and fetched["value"][0]["status"] == "fetched", fetched
        _answer(hub, student, course, 42 if student in RIGHT else 0)
    _stop_server(hub, student)  # as an idle culler would; REDO's next start finds the account made now


@pytest.fixture(scope="module")
def submitted(hub, released):
    started = time.monotonic()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(lambda s: _student(hub, s), STUDENTS))
    hub.timings["students"] = time.monotonic() - started


def _scoped_token(hub, user: str, course: str) -> str:
    """A token for the course's grading service only, as an instructor gets one (``run.py token --scope``)."""
    made = subprocess.run([sys.executable, str(RUN), "--state", str(hub.state), "token", user,
                           "--scope", f"access:services!service=grade-{course}"],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stdout + made.stderr
    return made.stdout.strip()


def _start(hub, token: str, course: str, action: str) -> str:
    r = hub.http.post(f"{hub.base}/services/grade-{course}/api/labs/{LAB}/{action}", headers=hub.auth(token),
                      timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _wait(hub, token: str, course: str, job_id: str, timeout: float = 600) -> dict:
    """The job once it has ended, with the time it was seen ended (``seen_at``, monotonic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = hub.http.get(f"{hub.base}/services/grade-{course}/api/jobs/{job_id}", headers=hub.auth(token),
                         timeout=60)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["state"] != "running":
            job["seen_at"] = time.monotonic()
            return job
        time.sleep(0.5)
    raise AssertionError(f"{course}: job {job_id} still running after {timeout} s")


def _job(hub, token: str, course: str, action: str) -> dict:
    job = _wait(hub, token, course, _start(hub, token, course, action))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"hub-lti-{course[-1]}-{action}.log").write_text(job["log"])
    return job


def _lms_scores(hub, course: str, expected: dict[str, dict], since: float) -> dict[str, dict]:
    """The LMS's scores of the lab (sub -> score fields), once they are ``expected`` or LMS_DEADLINE s have passed."""
    while True:
        with hub.lms.lock:  # the LMS's threads record scores under it
            recorded = hub.lms.scores(LMS[course][0], LAB)
        scores = {sub: {k: s.get(k) for k in SCORE_KEYS} for sub, s in recorded.items()}
        if scores == expected or time.monotonic() > since + LMS_DEADLINE:
            return scores
        time.sleep(0.5)


def _expected(course: str, auto: dict[str, float], memo: float | None, penalty: dict[str, float] | None = None
              ) -> dict:
    """sub -> what the LMS should hold for each student of ``course``."""
    penalty = penalty or {}
    return {sub_of(s): {"scoreGiven": auto[s] + (memo or 0) - penalty.get(s, 0), "scoreMaximum": 5,
                        "activityProgress": "Completed",
                        "gradingProgress": "PendingManual" if memo is None else "FullyGraded"}
            for s in MEMBERS[course]}


@pytest.fixture(scope="module")
def graded(hub, submitted):
    """A's TA (a scoped token) and B's instructor press Grade; what the LMS holds once the jobs end."""
    started = time.monotonic()
    hub.ta_token = _scoped_token(hub, TA_A, A)
    tokens = {A: hub.ta_token, B: hub.token(PROF_B)}
    ids = {course: _start(hub, tokens[course], course, "grade") for course in (A, B)}
    jobs = {course: _wait(hub, tokens[course], course, job_id) for course, job_id in ids.items()}
    hub.timings["grade"] = time.monotonic() - started
    auto = {s: 2.0 if s in RIGHT else 0.0 for s in STUDENTS}
    lms = {c: _lms_scores(hub, c, _expected(c, auto, None), jobs[c]["seen_at"]) for c in (A, B)}
    return jobs, lms, auto


@pytest.fixture(scope="module")
def regraded(hub, graded):
    """REDO submits the right answer; the TA presses Grade again (new and changed submissions only)."""
    started = time.monotonic()
    hub.redo_before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    time.sleep(1)  # the resubmission is dated after that second
    hub.start_server(REDO)
    _answer(hub, REDO, A, 42)
    _stop_server(hub, REDO)
    job = _job(hub, hub.ta_token, A, "grade")
    hub.timings["regrade"] = time.monotonic() - started
    auto = {**graded[2], REDO: 2.0}
    return job, _lms_scores(hub, A, _expected(A, auto, None), job["seen_at"]), auto


def _hand_grade(hub) -> int:
    """The TA gives every memo waiting for a hand grade in course A full marks (formgrader API)."""
    notebooks = hub.formgrader(TA_A, "GET", f"submitted_notebooks/{LAB}/{LAB}")
    assert notebooks.status_code == 200, notebooks.text
    graded = 0
    for notebook in notebooks.json():
        if not notebook["needs_manual_grade"]:
            continue
        for grade in hub.formgrader(TA_A, "GET", "grades", params={"submission_id": notebook["id"]}).json():
            if grade["needs_manual_grade"]:
                r = hub.formgrader(TA_A, "PUT", f"grade/{grade['id']}", json={"manual_score": grade["max_score"]})
                assert r.status_code == 200, r.text
                graded += 1
    return graded


@pytest.fixture(scope="module")
def feedback_released(hub, regraded):
    started = time.monotonic()
    hub.seen["hand_graded"] = _hand_grade(hub)
    job = _job(hub, hub.ta_token, A, "feedback")
    hub.timings["feedback"] = time.monotonic() - started
    auto = regraded[2]
    return job, _lms_scores(hub, A, _expected(A, auto, 3), job["seen_at"]), auto


@pytest.fixture(scope="module")
def late_then_extended(hub, feedback_released):
    """Due before REDO resubmitted: export (the penalty); an extension for REDO: export again."""
    started = time.monotonic()
    auto = feedback_released[2]
    write_policy(hub, hub.redo_before, {})
    late = _job(hub, hub.ta_token, A, "export")
    late_lms = _lms_scores(hub, A, _expected(A, auto, 3, {REDO: 0.5}), late["seen_at"])
    write_policy(hub, hub.redo_before, {REDO: "P1D"})
    extended = _job(hub, hub.ta_token, A, "export")
    extended_lms = _lms_scores(hub, A, _expected(A, auto, 3), extended["seen_at"])
    hub.timings["exports"] = time.monotonic() - started
    return (late, late_lms), (extended, extended_lms), auto


# -------------------------------------------------------------------------------- tests
def test_up_prints_what_the_lms_registration_asks_for(hub):
    for path in ("/hub/lti13/oauth_login", "/hub/lti13/oauth_callback", "/hub/lti13/config"):
        assert f"{hub.base}{path}" in hub.up_output, hub.up_output
    assert "python -m reciprocity.lms jwks --config" in hub.up_output
    assert "passwords" not in hub.up_output and not (hub.state / "hub" / "passwords.txt").exists()
    config = hub.http.get(f"{hub.base}/hub/lti13/config", timeout=30).json()  # for an LMS that imports it
    assert config["oidc_initiation_url"] == f"{hub.base}/hub/lti13/oauth_login"


def test_a_launch_in_chromium_signs_in_to_the_hub_and_its_services(hub, ta_page):
    assert "jupyterhub-session-id" in hub.seen["ta_cookies"]
    assert hub.seen["ta_grading_url"].startswith(hub.grading)


def test_launches_put_people_in_their_courses(hub, launched):
    assert {pair: answer[:2] for pair, answer in launched.items()} == {
        pair: (302, "/hub/home") for pair in launched}, launched
    operator = hub.auth(hub.setup["operator_token"])
    groups = {name: sorted(hub.http.get(f"{hub.base}/hub/api/users/{name}", headers=operator).json()["groups"])
              for name in (BOTH, STUDENTS[0], TA_A, PROF_B)}
    assert groups == {
        BOTH: [f"nbgrader-{A}", f"nbgrader-{B}", f"students-{A}", f"students-{B}"],
        STUDENTS[0]: [f"nbgrader-{A}", f"students-{A}"],
        TA_A: [f"formgrade-{A}", f"nbgrader-{A}"],
        PROF_B: [f"formgrade-{B}", f"instructors-{B}", f"nbgrader-{B}"],
    }


def test_accounts_are_made_when_servers_first_start(hub, submitted):
    groups = grp.getgrall()
    for student in STUDENTS:
        assert pwd.getpwnam(student).pw_dir == str(hub.state / "homes" / student)
        # the Unix groups of their courses: what lets their server read the courses' exchange folders
        assert {g.gr_name for g in groups if student in g.gr_mem} == {f"nbgrader-{c}" for c in courses_of(student)}
    with pytest.raises(KeyError):
        pwd.getpwnam(PROF_B)  # launched, never started a server
    for course, members in MEMBERS.items():
        inbound = {p.name.split("+")[0] for p in Path(hub.state, "exchange", course, "inbound").iterdir()}
        assert inbound == set(members)


def test_every_score_is_in_the_lms_when_grading_ends(hub, graded):
    jobs, lms, auto = graded
    for course in (A, B):
        job = jobs[course]
        assert job["state"] == "done", job["log"][-3000:]
        assert job["lms"]["posted"] == sorted(MEMBERS[course]), job["log"][-3000:]
        assert f"LMS: {len(MEMBERS[course])} score(s) sent, 0 unchanged" in job["outcome"]
        assert lms[course] == _expected(course, auto, None)
    assert sub_of(BOTH) in graded[1][A] and sub_of(BOTH) in graded[1][B]


def test_the_lms_roster_puts_names_in_the_gradebook(hub, graded):
    jobs = graded[0]
    names = {s["id"]: (s["first_name"], s["last_name"]) for s in hub.formgrader(PROF_B, "GET", "students",
                                                                                 course=B).json()}
    assert names == {s: NAMES[s] for s in MEMBERS[B]}  # from the LMS; not NEVER, who has no account
    never = " ".join(NAMES[NEVER])
    assert f"LMS roster: {len(MEMBERS[B])} student(s) of {B} in the gradebook" in jobs[B]["log"]
    assert never in jobs[B]["log"].split("not yet on the hub", 1)[1]
    # the operator's `roster` does the same for every course, now
    done = subprocess.run([sys.executable, str(RUN), "--state", str(hub.state), "roster"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{B}: {len(MEMBERS[B])} student(s) from the LMS in the gradebook" in done.stdout
    assert never in done.stdout


def test_staff_and_students_are_who_launched(hub, graded):
    token = hub.ta_token  # limited to course A's grading service
    assert hub.http.get(f"{hub.base}/services/grade-{A}/api/jobs", headers=hub.auth(token)).status_code == 200
    assert hub.http.get(f"{hub.base}/services/grade-{B}/api/jobs", headers=hub.auth(token)).status_code == 403
    assert hub.http.post(f"{hub.base}/hub/api/users/{TA_A}/server", headers=hub.auth(token)).status_code == 403
    refused = hub.request("GET", STUDENTS[0], f"/services/grade-{A}/api/jobs")
    assert refused.status_code == 403 and "is not an instructor or TA" in refused.text
    due = hub.request("GET", STUDENTS[0], f"/services/grade-{A}/api/due")  # what their JupyterLab asks
    assert due.status_code == 200 and due.json()["course"] == A


def test_a_regrade_changes_that_score_in_the_lms(hub, regraded):
    job, lms, auto = regraded
    assert job["state"] == "done", job["log"][-3000:]
    assert job["lms"]["posted"] == [REDO] and len(job["lms"]["unchanged"]) == len(MEMBERS[A]) - 1
    assert lms == _expected(A, auto, None) and lms[sub_of(REDO)]["scoreGiven"] == 2


def test_hand_grades_and_feedback_make_the_scores_final(hub, feedback_released):
    job, lms, auto = feedback_released
    assert hub.seen["hand_graded"] >= len(MEMBERS[A])
    assert job["state"] == "done" and "released" in job["outcome"], job["log"][-3000:]
    assert job["lms"]["posted"] == sorted(MEMBERS[A])
    assert lms == _expected(A, auto, 3)
    assert {s["gradingProgress"] for s in hub.lms.scores("ctx-b", LAB).values()} == {"PendingManual"}


def test_a_late_submission_and_its_extension_change_the_lms_score(hub, late_then_extended):
    (late, late_lms), (extended, extended_lms), auto = late_then_extended
    assert late["state"] == "done" and late["lms"]["posted"] == [REDO], late["log"][-3000:]
    assert late_lms == _expected(A, auto, 3, {REDO: 0.5})  # 10% of 5 points: submitted after the due date
    assert extended["state"] == "done" and extended["lms"]["posted"] == [REDO], extended["log"][-3000:]
    assert extended_lms == _expected(A, auto, 3) and extended_lms[sub_of(REDO)]["scoreGiven"] == 5


def test_nothing_is_posted_twice(hub, late_then_extended):
    for course, posts in ((A, 11 + 1 + 11 + 1 + 1), (B, 10)):  # grade, regrade, feedback, two exports
        sent = hub.lms.courses[LMS[course][0]].score_posts
        assert len(sent) == posts
        last: dict[str, tuple] = {}
        for post in sent:
            value = tuple(post[k] for k in SCORE_KEYS)
            assert last.get(post["userId"]) != value, post  # each post changed something
            last[post["userId"]] = value


def test_launches_this_hub_refuses_leave_no_user_account_or_record(hub, launched):
    records = LaunchRecords(hub.config.launches_path)
    before = records.store.read()
    grader = pwd.getpwnam(f"grader-{A}")
    grader_groups = sorted(os.getgrouplist(grader.pw_name, grader.pw_gid))
    postgres = pwd.getpwnam("postgres")
    cases = [(name, "ctx-a", None, why) for name, why in UNFIT.items()]
    # a student of B sent into A by a link the LMS should not have shown
    cases.append((NEVER, "ctx-a", Forgery(enrolled_only=False), "does not list you as an active member"))
    operator = hub.auth(hub.setup["operator_token"])
    for name, context, forgery, why in cases:
        reply = launch(hub, name, context, forgery)
        assert reply.status_code == 403 and why in shown(reply), (name, reply.status_code, shown(reply))
        assert "jupyterhub-session-id" not in reply.headers.get("set-cookie", "")
        shown_name = name.lower()
        assert hub.http.get(f"{hub.base}/hub/api/users/{shown_name}", headers=operator).status_code == 404
    for name in (NEVER, f"{P}.dot"):
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
    assert pwd.getpwnam(f"grader-{A}") == grader and sorted(os.getgrouplist(grader.pw_name, grader.pw_gid)) == \
        grader_groups
    assert pwd.getpwnam("postgres") == postgres
    after = records.store.read()
    assert after.get("people") == before.get("people") and after.get("courses") == before.get("courses")


def test_status_counts_who_has_launched(hub, graded):
    done = subprocess.run([sys.executable, str(RUN), "--state", str(hub.state), "status"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "LTI mode" in done.stdout
    assert f"{A}: 1 instructor(s), 1 TA(s), {len(MEMBERS[A])} student(s)" in done.stdout
    assert f"{B}: 1 instructor(s), 0 TA(s), {len(MEMBERS[B])} student(s)" in done.stdout


def test_down_purge_deletes_the_accounts_launches_made(hub, late_then_extended, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)  # the hub's log, for CI's artifacts, before the purge deletes it
    shutil.copy(hub.state / "hub" / "hub.log", ARTIFACTS / "hub-lti.log")
    started = time.monotonic()
    purged = down(hub.state, "--purge", "--yes", "--backups", str(tmp_path / "backups"))
    hub.timings["down"] = time.monotonic() - started
    assert purged.returncode == 0, purged.stdout + purged.stderr
    for name in [*STUDENTS, f"grader-{A}", f"grader-{B}"]:
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
    assert not hub.state.exists()
    print("LTI hub timings (s):", json.dumps({k: round(v, 1) for k, v in hub.timings.items()}))
