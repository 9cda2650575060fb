"""The course on JupyterHub, end to end: ``deploy/hub/run.py`` started, a term run from the browser.

One hub (``run.py up``, loopback only) serves two courses, ``reciprocity-a``
and ``reciprocity-b``; the roster gives every student a name, and one
student of course A never submits. Over the hub's REST API and the servers'
own APIs:

* the instructor of course A generates and releases the ``outreach`` lab
  through the course's formgrader service;
* 20 students each get a token from the operator, start their server, fetch
  the lab (nbgrader's assignment-list endpoints), answer it through the
  contents API and submit it: 8 copy the model answers from ``solutions/``,
  6 copy them with three mistakes, 5 hand in the lab as released, and one is
  hostile (from a kernel in their server: reads other people's files, the
  exchange, the solutions, the gradebook, the hub's secrets, lists who else
  is on the hub; forges a submission in another student's name; leaves a
  process behind);

then, in Chromium, as a person would:

* a teaching assistant logs in through the hub's login form, opens the
  course's grading page (the OAuth flow, no token), presses *Grade* and
  watches the job finish in the job log; a second press while it runs is
  refused with the reason;
* *Generate and release feedback* is refused, listing the written answers
  that wait for a hand grade; the TA grades them in the formgrader (its API),
  presses again, and the feedback (with the hand grades and a comment) is
  released; students fetch it;
* a student added to the roster later (``run.py roster``) and the student who
  never submitted appear, with their names and 0, in the export the TA
  downloads from the page, which reads the PostgreSQL gradebook; the page
  passes axe at 390 and 1280 px, light and dark;
* a student lands on the assignment list (no Launcher, no "Jupyter news?"
  prompt, no Course List or formgrader entry); the TA's *Nbgrader* menu opens
  the formgrader in a tab of its own, whose grading view typesets math with
  MathJax from the hub and whose lab-name and Preview links open the folders;
  the formgrader's Collect, Unrelease, Release feedback and Generate (of the
  released lab) refuse and change nothing students use; *(view feedback)*
  opens a student's feedback page, which renders its math with no request
  leaving 127.0.0.1;
* the course's ``deadlines.toml`` gives the class a due date and one student
  an extension: that student sees both, and the late rule, above the
  *Assignments* list and the lab's notebook; answers they typed and never
  saved arrive when they press *Submit*. Then the due date moves before
  everyone's submission: the export flags and penalises the late ones (not
  the student with an extension), the grading page lists them, and a student
  is asked before submitting late; moved back, the penalties are gone;
* the token page's *Permissions* field starts with the grading API's scope
  for a TA, and the token it makes can do nothing else;
* a student is refused the page and cannot list usernames; the instructor
  sees the course's students' servers in ``/hub/admin`` and nobody else's;
* terminals have the course's Python on ``PATH``; the grading command run in
  the grader's terminal exports from PostgreSQL too;
* ``run.py down`` leaves no process and no listening port behind, and
  ``down --purge`` refuses without a confirmation, then dumps every gradebook
  before deleting.

Needs root (it creates local accounts), PostgreSQL's server binaries, Node.js,
bubblewrap and Chromium: without them the test skips with one line locally
and fails in CI (``CI=true``).
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from tests.support.common import ARTIFACTS, IN_CI, ROOT
from tests.support.hub import RUN, Hub, down, load_run, login, skip_or_fail, write_policy
from tests.support.site_checks import LAPTOP, PHONE, axe_violations, small_targets

pytestmark = pytest.mark.hub

LAB = "outreach"
A, B = "reciprocity-a", "reciprocity-b"
# account names carry a tag of this run, so two runs on one machine never share accounts
P = "h" + "".join(random.choices(string.ascii_lowercase, k=3))
STUDENTS = [f"{P}-s{i:02d}" for i in range(1, 21)]
NOSHOW, LATE = f"{P}-s21", f"{P}-s22"  # never submits; joins the roster after the start
PROF_A, TA_A, PROF_B, TA_B, STUDENT_B = (f"{P}-prof-a", f"{P}-ta-a", f"{P}-prof-b", f"{P}-ta-b",
                                         f"{P}-b01")
RIGHT, PARTIAL, BLANK, HOSTILE = STUDENTS[:8], STUDENTS[8:14], STUDENTS[14:19], STUDENTS[19]
NAMES = {s: (f"Ada{i:02d}", f"Byron{i:02d}") for i, s in enumerate(STUDENTS, 1)}
NAMES.update({NOSHOW: ("Zoë", "Ødegård"), LATE: ("Late", "Comer")})


def _roster(a_students: list[str]) -> str:
    people = "\n".join(f'"{s}" = {{ first_name = "{f}", last_name = "{last}" }}'
                       for s, (f, last) in NAMES.items())
    return f"""
[courses.{A}]
instructors = ["{PROF_A}"]
tas = ["{TA_A}"]
students = {json.dumps(a_students)}

[courses.{B}]
instructors = ["{PROF_B}"]
tas = ["{TA_B}"]
students = ["{STUDENT_B}"]

[people]
{people}
"""


# three wrong answers (appended to the model answer) and the test cells they fail
MISTAKES = {
    "n_per_arm_answer": ("def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):\n"
                         "    return 348 if p_treatment == 0.12 else 48  # hard-coded"),
    "difference_answer": "newcombe_ci = (difference - 0.12, difference + 0.12)",
    "fisher_answer": "fisher_p = fisher_p / 2  # one-sided",
}
MISTAKES_FAIL = ["test_n_per_arm_visible", "test_n_per_arm_hidden", "test_newcombe", "test_fisher"]
SPAWN_AT_ONCE = 4
TA_COMMENT = "Name the confounder you would measure first."
# the course's deadlines.toml: the class's due date two days ahead, three more days for one student
EXTENDED = RIGHT[2]
LATE_RULE = "10% of the score per started day late, at most 50%"
ON_SCREEN = "# typed on screen, run, never saved"


MISSING = load_run().missing_prerequisites()
if MISSING and not IN_CI:  # one line for the whole module; in CI the fixture fails instead
    pytest.skip("hub test skipped: " + "; ".join(MISSING), allow_module_level=True)


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def run_module():
    return load_run()


@pytest.fixture(scope="module")
def hub(run_module, tmp_path_factory):
    if MISSING:
        skip_or_fail("hub test cannot run: " + "; ".join(MISSING))
    # students' servers read the state folder: not under pytest's private tmp (0700)
    state = Path(tempfile.mkdtemp(prefix="reciprocity-hub-", dir="/tmp"))
    roster = state.with_suffix(".toml")
    roster.write_text(_roster([*STUDENTS, NOSHOW]))
    started = time.monotonic()
    started_at = time.time()
    up = subprocess.run([sys.executable, str(RUN), "--state", str(state), "up", "--roster",
                         str(roster), "--port", "0", "--grading-jobs", "2"],
                        capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        hub = Hub(state, course=A, lab=LAB, staff=TA_A)
        hub.roster = roster
        hub.started_at = started_at
        hub.timings = {"up": time.monotonic() - started}
        yield hub
    finally:
        if (state / "hub" / "hub.log").exists():  # kept for CI's artifacts
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(state / "hub" / "hub.log", ARTIFACTS / "hub.log")
        if state.exists():  # a test stopped before the purge test ran
            down(state, "--purge", "--yes", "--backups", str(state.with_suffix(".backups")))
        shutil.rmtree(state.with_suffix(".backups"), ignore_errors=True)
        roster.unlink(missing_ok=True)
        assert not state.exists()


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
API = os.environ["JUPYTERHUB_API_URL"]
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
attempt("grading_job_log", lambda: open(f"{{S}}/grading/{{A}}.json").read())
# who else is here: the hub's user list, another user, a course group, the homes folder
attempt("list_users", lambda: hub_get(API + "/users"))
attempt("read_other_user", lambda: hub_get(API + "/users/" + VICTIM))
attempt("read_course_group", lambda: hub_get(API + f"/groups/nbgrader-{{A}}"))
attempt("list_homes", lambda: os.listdir(f"{{S}}/homes"))
for role in ("grader-" + A, "postgres", "jupyterhub"):
    db = {{"postgres": "postgres", "jupyterhub": "jupyterhub"}}.get(role, "gradebook_" + A.replace("-", "_"))
    attempt("db_as_" + role,
            lambda: psycopg.connect(host=f"{{S}}/pg/run", user=role, dbname=db).execute("select 1").fetchone())
attempt("formgrader_with_server_token", lambda: hub_get({base!r} + f"/services/{{A}}/formgrader/api/assignments"))
attempt("grading_service_with_server_token", lambda: hub_get({base!r} + f"/services/grade-{{A}}/api/jobs"))
attempt("join_formgrade_group", lambda: requests.post(API + f"/groups/formgrade-{{A}}/users",
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
    memos = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
             for c in source.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")}
    return source, points, memos


@pytest.fixture(scope="module")
def deadlines(hub, released):
    """Due in two days for the class; EXTENDED has three days more. Nobody is late yet."""
    due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    write_policy(hub, due, {EXTENDED: "P3D"})
    hub.due = due
    return due


def _inbound(hub, student: str) -> list[Path]:
    """``student``'s submissions of the lab in the exchange, oldest first."""
    return sorted(Path(hub.state, "exchange", A, "inbound").glob(f"{student}+{LAB}+*"))


def _open_lab_and_submit(page, hub, student: str, type_text: str | None = None) -> str | None:
    """In JupyterLab: open the lab's notebook, type (not save) ``type_text`` into the first
    answer, then press the Assignments tab's Submit; the confirmation asked, if any."""
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    before = len(_inbound(hub, student))
    page.goto(f"{hub.base}/user/{student}/lab/tree/{A}/{LAB}/{LAB}.ipynb")
    header = page.get_by_role("region", name=f"Due date of {LAB}")
    header.wait_for(timeout=90_000)
    hub.seen[f"lab_header_{student}"] = header.inner_text()
    if type_text:
        editor = page.locator(".jp-Notebook .jp-Cell").nth(5).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+End")
        page.keyboard.type("\n" + type_text)
        page.locator(".jp-mod-current .jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty").first.wait_for()
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    listing = page.locator("#nbgrader-assignment-list")
    listing.get_by_role("button", name="Submit").click()
    deadline = time.monotonic() + 90
    while len(_inbound(hub, student)) == before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(_inbound(hub, student)) == before + 1, "the submission did not arrive"
    return asked[0] if asked else None


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
def submitted(hub, released, deadlines):
    source = released[0]
    started = time.monotonic()
    # the hostile student last, once their victim (RIGHT[0]) has fetched the lab
    with ThreadPoolExecutor(SPAWN_AT_ONCE) as pool:
        results = dict(zip(STUDENTS[:-1], pool.map(lambda s: _student(hub, source, s), STUDENTS[:-1]), strict=False))
    results[HOSTILE] = _student(hub, source, HOSTILE)
    hub.timings["students"] = time.monotonic() - started
    return results


@pytest.fixture(scope="module")
def staff_page(browser, hub):
    """The TA of course A on the grading page, opened from the hub's Services menu (then OAuth)."""
    page = login(browser, hub, TA_A, "/hub/home")
    page.get_by_role("button", name="Services").click()
    page.get_by_role("link", name=f"grade-{A}", exact=True).click()
    page.wait_for_url(hub.grading)
    page.get_by_role("heading", name=f"Grading: {A}").wait_for()
    yield page
    page.context.close()


def _wait_for_outcome(page, words: str, timeout_s: float) -> str:
    """The status line once a job has ended (the page's script updates it then); it must say ``words``."""
    from playwright.sync_api import expect

    status = page.locator("#status")
    expect(status).to_have_text(re.compile(r"” (finished|failed|refused): "), timeout=timeout_s * 1000)
    text = status.inner_text()
    assert words in text, text
    return text


@pytest.fixture(scope="module")
def graded(hub, submitted, staff_page):
    """The TA presses Grade; a second press (Export) while it runs is refused; the job finishes."""
    page = staff_page
    started = time.monotonic()
    page.get_by_role("button", name=f"Grade {LAB}").click()
    page.wait_for_url(re.compile(r"\?job=[0-9a-f]+"))
    job_id = re.search(r"job=([0-9a-f]+)", page.url).group(1)
    hub.seen["started"] = page.locator("#status").inner_text()
    page.get_by_role("button", name=f"Export grades for {LAB}").click()
    page.wait_for_url(re.compile(r"\?busy=[0-9a-f]+"))
    hub.seen["busy"] = page.locator("#status").inner_text()
    hub.seen["jobs_after_busy"] = [j["action"] for j in hub.request(
        "GET", TA_A, f"/services/grade-{A}/api/jobs").json()]
    # about a minute alone on 2 cores; CI runs other tests too
    hub.seen["finished"] = _wait_for_outcome(page, "finished", 600)
    hub.seen["grade_log_entry"] = page.locator(f"#job-{job_id}").inner_text()
    job = hub.job(job_id)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hub-grading.log").write_text(job["log"])
    assert job["state"] == "done", job["log"][-4000:]
    hub.timings["grade"] = time.monotonic() - started
    return job


def _hand_grade(hub: Hub, memos: dict) -> int:
    """The TA scores every written answer waiting for a hand grade, through the formgrader's API.

    Full marks, except one point off RIGHT[0]'s first memo, with a comment; the number graded.
    """
    r = hub.formgrader(TA_A, "GET", f"submitted_notebooks/{LAB}/{LAB}")
    assert r.status_code == 200, r.text
    graded = 0
    for notebook in r.json():
        if not notebook["needs_manual_grade"]:
            continue
        grades = hub.formgrader(TA_A, "GET", "grades", params={"submission_id": notebook["id"]}).json()
        for grade in grades:
            if not grade["needs_manual_grade"]:
                continue
            assert grade["name"] in memos, grade  # only the written answers wait for a person
            docked = notebook["student"] == RIGHT[0] and grade["name"] == min(memos)
            score = grade["max_score"] - (1 if docked else 0)
            r = hub.formgrader(TA_A, "PUT", f"grade/{grade['id']}", json={"manual_score": score})
            assert r.status_code == 200, r.text
            graded += 1
            if docked:
                comments = hub.formgrader(TA_A, "GET", "comments",
                                          params={"submission_id": notebook["id"]}).json()
                comment = next(c for c in comments if c["name"] == grade["name"])
                r = hub.formgrader(TA_A, "PUT", f"comment/{comment['id']}",
                                   json={"manual_comment": TA_COMMENT})
                assert r.status_code == 200, r.text
    return graded


@pytest.fixture(scope="module")
def feedback_released(browser, hub, released, graded, staff_page):
    """Release refused while memos wait for a hand grade; the TA grades them; release allowed."""
    page = staff_page
    memos = released[2]
    started = time.monotonic()
    page.get_by_role("button", name=f"Generate and release feedback for {LAB}").click()
    hub.seen["refused"] = _wait_for_outcome(page, "refused", 120)
    refusal = page.locator(f"#refusal-{LAB}")
    hub.seen["pending_listed"] = refusal.locator("li").all_inner_texts()
    hub.seen["pending_links"] = refusal.locator("li a").evaluate_all("els => els.map(e => e.href)")
    opened = page.request.get(hub.seen["pending_links"][0])  # the formgrader's grading view
    hub.seen["pending_link_opens"] = (opened.status, opened.url,  # the notebook, to grade
                                      f"<title>{LAB}</title>" in opened.text())
    # the page in its richest state (a refusal, the job log), on a phone and a laptop
    for width, device in (("phone", PHONE), ("laptop", LAPTOP)):
        check = login(browser, hub, TA_A, f"/services/grade-{A}/", device)
        try:
            check.wait_for_url(hub.grading)
            check.locator(f"#refusal-{LAB}").wait_for()
            for scheme in ("light", "dark"):
                check.emulate_media(color_scheme=scheme)
                hub.seen[f"axe_{width}_{scheme}"] = axe_violations(check)
            hub.seen[f"small_{width}"] = small_targets(check)
            hub.seen[f"overflow_{width}"] = check.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        finally:
            check.context.close()
    hub.seen["hand_graded"] = _hand_grade(hub, memos)
    page.get_by_role("button", name=f"Generate and release feedback for {LAB}").click()
    hub.seen["released"] = _wait_for_outcome(page, "finished", 300)
    hub.seen["refusal_after"] = page.locator(f"#refusal-{LAB}").count()
    hub.timings["feedback"] = time.monotonic() - started


@pytest.fixture(scope="module")
def late_enrolled(hub):
    """A student added to the roster while the hub runs, with ``run.py roster``."""
    hub.roster.write_text(_roster([*STUDENTS, NOSHOW, LATE]))
    done = subprocess.run([sys.executable, str(RUN), "--state", str(hub.state), "roster",
                           "--roster", str(hub.roster)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _download(region, page, link_name: str) -> str:
    with page.expect_download() as download:
        region.get_by_role("link", name=link_name, exact=True).click()
    return Path(download.value.path()).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def exported(hub, feedback_released, late_enrolled, staff_page):
    """The TA exports from the page (Canvas title and id given) and downloads the files."""
    page = staff_page
    started = time.monotonic()
    lab = page.get_by_role("region", name=f"Lab: {LAB}")
    lab.get_by_label("Canvas assignment name (optional)").fill("Lab 1: Outreach")
    lab.get_by_label("Canvas assignment id (optional, digits)").fill("4711")
    lab.get_by_role("button", name=f"Export grades for {LAB}").click()
    hub.seen["exported"] = _wait_for_outcome(page, "wrote grades.csv", 300)
    lab = page.get_by_role("region", name=f"Lab: {LAB}")  # the page was refreshed
    files = {name: _download(lab, page, name) for name in ("grades.csv", "canvas.csv")}
    hub.timings["export"] = time.monotonic() - started
    return files


def _export(hub, page) -> dict[str, dict[str, dict]]:
    """Export from the grading page; grades.csv and canvas.csv as rows keyed by student."""
    lab = page.get_by_role("region", name=f"Lab: {LAB}")
    lab.get_by_role("button", name=f"Export grades for {LAB}").click()
    _wait_for_outcome(page, "wrote grades.csv", 300)
    lab = page.get_by_role("region", name=f"Lab: {LAB}")
    grades = csv.DictReader(io.StringIO(_download(lab, page, "grades.csv")))
    canvas = csv.DictReader(io.StringIO(_download(lab, page, "canvas.csv")))
    return {"grades": {row["student_id"]: row for row in grades},
            "canvas": {row["SIS Login ID"]: row for row in canvas}}


@pytest.fixture(scope="module")
def late_term(browser, hub, exported, staff_page):
    """The instructor moves the due date to before anyone submitted, with 30 days more for
    RIGHT[1]; the TA exports; a student submits past the date from JupyterLab; the date moves
    back and the TA exports again."""
    page = staff_page
    early = dt.datetime.fromtimestamp(int(hub.started_at) - 60, dt.UTC)
    write_policy(hub, early, {RIGHT[1]: "P30D"})
    hub.seen["late_export"] = _export(hub, page)
    lab = page.get_by_role("region", name=f"Lab: {LAB}")
    hub.seen["late_page_deadline"] = lab.locator(".deadline").inner_text()
    hub.seen["late_page_listed"] = lab.locator(f"#late-{LAB}").inner_text()
    student = RIGHT[3]
    student_page = login(browser, hub, student, f"/user/{student}/lab")
    try:
        due = student_page.get_by_role("region", name="Due dates")
        due.get_by_text("passed").wait_for(timeout=90_000)
        hub.seen["past_due_list"] = due.inner_text()
        hub.seen["late_submit_asked"] = _open_lab_and_submit(student_page, hub, student)
    finally:
        student_page.context.close()
    write_policy(hub, hub.due, {EXTENDED: "P3D"})
    hub.seen["restored_export"] = _export(hub, page)


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


def _login_status(hub, user, password) -> int:
    import requests

    s = requests.Session()
    page = s.get(f"{hub.base}/hub/login").text
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
    return s.post(f"{hub.base}/hub/login", allow_redirects=False,
                  data={"username": user, "password": password, "_xsrf": xsrf}).status_code


def test_login_needs_an_account_and_its_password(hub):
    assert _login_status(hub, RIGHT[0], hub.password(RIGHT[0])) == 302
    assert _login_status(hub, f"{P}-outsider", "any password") == 403  # not enrolled
    assert _login_status(hub, f"grader-{A}", "guess") == 403  # the grader account is not a person
    operator = hub.auth(hub.setup["operator_token"])
    assert hub.http.get(f"{hub.base}/hub/api/users/{P}-outsider", headers=operator).status_code == 404
    r = hub.http.post(f"{hub.base}/hub/api/users/{P}-outsider/tokens", headers=operator, json={})
    assert r.status_code in (403, 404)  # no token for someone the hub does not know
    # tokens are short-lived: a day at most, and a day when no expiry is asked for
    r = hub.http.post(f"{hub.base}/hub/api/users/{RIGHT[0]}/tokens", headers=operator,
                      json={"expires_in": 30 * 24 * 3600})
    assert r.status_code == 400, r.text
    r = hub.http.post(f"{hub.base}/hub/api/users/{RIGHT[0]}/tokens", headers=operator, json={})
    assert r.status_code == 201 and r.json()["expires_at"], r.text


def test_the_token_page_offers_a_narrow_token_first(browser, hub):
    page = login(browser, hub, TA_A, "/hub/token")
    try:
        field = page.locator("#token-scopes")
        field.wait_for()
        assert field.input_value() == f"access:services!service=grade-{A}"
        page.get_by_role("button", name=re.compile("Request new API token")).click()
        page.wait_for_function("document.getElementById('token-result').textContent.trim() !== ''")
        token = page.locator("#token-result").inner_text().strip()
    finally:
        page.context.close()
    who = hub.http.get(f"{hub.base}/hub/api/user", headers=hub.auth(token)).json()
    assert "scopes" in who, who
    assert f"access:services!service=grade-{A}" in who["scopes"]
    assert not any(s.startswith(("access:servers", "servers", "tokens", "users!"))
                   for s in who["scopes"]), who["scopes"]
    # the grading API answers it; starting the TA's server is refused
    assert hub.http.get(f"{hub.base}/services/grade-{A}/api/jobs", headers=hub.auth(token)).status_code == 200
    assert hub.http.post(f"{hub.base}/hub/api/users/{TA_A}/server", headers=hub.auth(token)).status_code == 403


def test_every_student_is_in_the_gradebook_with_a_name(hub):
    r = hub.formgrader(TA_A, "GET", "students")
    assert r.status_code == 200, r.text
    students = {s["id"]: (s["first_name"], s["last_name"]) for s in r.json()}
    assert students == {s: NAMES[s] for s in [*STUDENTS, NOSHOW]}


def test_terminals_have_the_course_environment(hub):
    venv_bin = hub.setup["venv_bin"]
    hub.start_server(STUDENTS[0])
    for user, server in ((STUDENTS[0], f"/user/{STUDENTS[0]}/"), (TA_A, f"/services/{A}/")):
        out = hub.terminal(user, server, "echo PY=$(command -v python) NB=$(command -v nbgrader)")
        assert f"PY={venv_bin}/python NB={venv_bin}/nbgrader" in out, out


def test_staff_grade_from_the_browser(hub, graded):
    assert "started" in hub.seen["started"]
    # the second press while the job ran started nothing and said why
    assert "Nothing was started" in hub.seen["busy"] and "still running" in hub.seen["busy"]
    assert f"Grade: {LAB}" in hub.seen["finished"] and "20 submission(s) graded" in hub.seen["finished"]
    entry = hub.seen["grade_log_entry"]
    assert "finished" in entry and f"By {TA_A}" in entry and "20 submission(s) graded" in entry
    assert graded["by"] == TA_A and graded["options"] == {"regrade_all": False}
    assert hub.seen["jobs_after_busy"] == ["grade"]  # the refused press left no job


def test_students_submit_and_scores_land_in_postgresql(hub, released, submitted, graded):
    import psycopg

    _, points, _ = released
    total = sum(points.values())
    expected = {s: total for s in RIGHT}
    expected.update({s: total - sum(points[t] for t in MISTAKES_FAIL) for s in PARTIAL})
    expected.update({s: 0 for s in [*BLANK, HOSTILE]})
    status = {row["student"]: row for row in graded["status"]}
    assert set(status) == set(STUDENTS), graded["log"][-3000:]
    assert all(row["status"] == "graded" for row in status.values()), status
    course = hub.setup["services"][A]
    # root reaches the gradebook as its owner (peer authentication, mapped in pg_ident.conf)
    with psycopg.connect(host=hub.setup["pg"]["socket"], user=f"grader-{A}",
                         dbname=course["db_url"].split("@/")[1].split("?")[0]) as conn:
        rows = conn.execute("""
            SELECT sa.student_id,
                   SUM(COALESCE(g.auto_score, 0) + COALESCE(g.extra_credit, 0))
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


def test_feedback_is_refused_until_the_memos_are_graded(hub, released, feedback_released):
    memos = released[2]
    written = len(RIGHT + PARTIAL) * len(memos)  # every written answer of those who wrote one
    assert f"not released: {written} answer(s) of {len(RIGHT + PARTIAL)} student(s)" in hub.seen["refused"]
    listed = hub.seen["pending_listed"]
    assert len(listed) == written and f"{RIGHT[0]}: {min(memos)}" in " ".join(listed)
    assert all(f"/services/{A}/formgrader/submissions/" in link for link in hub.seen["pending_links"])
    status, url, looks_right = hub.seen["pending_link_opens"]
    assert status == 200 and "/formgrader/submissions/" in url and looks_right, (status, url)
    assert hub.seen["hand_graded"] == written
    assert "feedback generated and released for 20 graded submission(s)" in hub.seen["released"]
    assert hub.seen["refusal_after"] == 0


def test_grading_page_is_accessible_on_phones_and_laptops(hub, feedback_released):
    for key in ("axe_phone_light", "axe_phone_dark", "axe_laptop_light", "axe_laptop_dark"):
        assert hub.seen[key] == [], (key, hub.seen[key])
    assert hub.seen["small_phone"] == [] and hub.seen["small_laptop"] == []
    assert hub.seen["overflow_phone"] <= 0 and hub.seen["overflow_laptop"] <= 0


def test_students_fetch_feedback_with_the_hand_grades(hub, feedback_released):
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
        pages = dict(zip(STUDENTS, pool.map(fetch, STUDENTS), strict=False))
    for student, html in pages.items():
        assert "BEGIN HIDDEN TESTS" not in html, student
        assert "Score" in html or "score" in html, student
    # the hostile answer ran in the grading sandbox, where the solutions do not exist
    assert "SOLUTIONS-LEAKED" not in pages[HOSTILE] and "blocked: FileNotFoundError" in pages[HOSTILE]
    # generated after the hand grading: the TA's comment is there
    assert TA_COMMENT in pages[RIGHT[0]]
    assert all(TA_COMMENT not in html for s, html in pages.items() if s != RIGHT[0])


def test_a_student_added_to_the_roster_can_log_in_and_is_in_the_gradebook(hub, late_enrolled):
    assert _login_status(hub, LATE, hub.password(LATE)) == 302
    students = {s["id"]: (s["first_name"], s["last_name"])
                for s in hub.formgrader(TA_A, "GET", "students").json()}
    assert students[LATE] == NAMES[LATE]
    members = hub.http.get(f"{hub.base}/hub/api/groups/nbgrader-{A}",
                           headers=hub.auth(hub.setup["operator_token"])).json()["users"]
    assert LATE in members


def test_export_after_hand_grading_has_everyone_from_postgresql(hub, released, exported):
    _, points, memos = released
    code_total, memo_total = sum(points.values()), sum(memos.values())
    grades = {row["student_id"]: row for row in csv.DictReader(io.StringIO(exported["grades.csv"]))}
    assert set(grades) == set([*STUDENTS, NOSHOW, LATE])
    # the hand grades are in: read from the PostgreSQL gradebook after the memos were graded
    assert float(grades[RIGHT[0]]["score"]) == code_total + memo_total - 1
    assert float(grades[RIGHT[1]]["score"]) == code_total + memo_total
    for student in (NOSHOW, LATE):  # never submitted: 0, with their names
        row = grades[student]
        assert (row["first_name"], row["last_name"], float(row["score"])) == (*NAMES[student], 0.0)
    canvas = list(csv.DictReader(io.StringIO(exported["canvas.csv"])))
    column = "Lab 1: Outreach (4711)"
    by_login = {row["SIS Login ID"]: row for row in canvas[1:]}
    assert canvas[0]["Student"] == "Points Possible"
    assert by_login[NOSHOW]["Student"] == "Ødegård, Zoë" and by_login[NOSHOW][column] == ""
    assert by_login[RIGHT[1]][column] == f"{code_total + memo_total:g}"
    assert "None" not in exported["grades.csv"] + exported["canvas.csv"]
    assert not Path(hub.setup["services"][A]["course_dir"], "gradebook.db").exists()


def test_the_page_refuses_a_form_post_without_its_xsrf_token(hub, exported, staff_page):
    before = len(hub.request("GET", TA_A, f"/services/grade-{A}/api/jobs").json())
    # what another site could make the TA's browser send: the TA's cookies, no token
    forged = staff_page.request.post(f"{hub.grading}labs/{LAB}/export", form={"canvas_id": "1"},
                                     max_redirects=0)
    assert forged.status == 403
    assert len(hub.request("GET", TA_A, f"/services/grade-{A}/api/jobs").json()) == before


def test_the_grading_command_in_the_graders_terminal_reads_postgresql(hub, exported):
    out = hub.terminal(TA_A, f"/services/{A}/",
                       f"cd ~/{A} && python -m reciprocity.grading {LAB} --course-dir . "
                       "--summary-only > /dev/null 2>&1; echo EXIT=$? DB=$(ls gradebook.db 2>&1)")
    assert "EXIT=0" in out and "No such file" in out, out


def _leaving_loopback(context) -> list[str]:
    """Start recording the browser's requests; the list holds those to anywhere but 127.0.0.1."""
    away: list[str] = []
    context.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1:", "data:", "blob:",
                                                              "about:")) else away.append(r.url))
    return away


def test_students_land_on_the_assignment_list_with_no_prompt_and_no_formgrader(browser, hub, submitted):
    student = RIGHT[1]
    page = login(browser, hub, student, f"/user/{student}/lab")
    try:
        listing = page.locator("#nbgrader-assignment-list")  # open without a click: the first layout
        listing.get_by_text(LAB).first.wait_for(timeout=90_000)
        assert page.locator(".jp-Launcher").count() == 0
        config = json.loads(page.locator("#jupyter-config-data").text_content())
        disabled = config["disabledExtensions"]
        assert "@jupyterlab/apputils-extension:announcements" in disabled  # no "Jupyter news?"
        assert "@jupyter/nbgrader:course-list" in disabled and "@jupyter/nbgrader:formgrader" in disabled
        page.locator("#jp-menu-panel").get_by_text("Nbgrader", exact=True).click()
        menu = page.locator(".lm-Menu").last
        menu.get_by_text("Assignment List").wait_for()
        assert menu.get_by_text("Course List").count() == 0 and menu.get_by_text("Formgrader").count() == 0
        assert "Jupyter news" not in page.content()
    finally:
        page.context.close()
    # the Course List's server side is off too: nothing lists the formgrader to a student
    assert hub.request("GET", student, f"/user/{student}/formgraders").status_code == 404


def test_graders_open_the_formgrader_in_a_tab_of_its_own(browser, hub, feedback_released):
    page = login(browser, hub, TA_A, f"/services/{A}/lab")
    try:
        page.wait_for_url(re.compile(rf"/services/{A}/lab"))
        page.locator("#jp-menu-panel").get_by_text("Nbgrader", exact=True).click(timeout=90_000)
        with page.context.expect_page() as opened:
            page.locator(".lm-Menu").last.get_by_text("Formgrader (new tab)").click()
        formgrader = opened.value
        formgrader.wait_for_url(re.compile(rf"/services/{A}/formgrader/manage_assignments"))
        formgrader.get_by_role("link", name="Manage Assignments").wait_for()
        formgrader.locator("td.name", has_text=LAB).wait_for()  # the page's script filled the table
        # the lab's name and its Preview open the source and the student version in the formgrader
        row = formgrader.locator("tr", has=formgrader.locator("td.name", has_text=LAB))
        for cell, folder in (("td.name", "solutions"), ("td.preview", "exercises")):
            href = row.locator(f"{cell} a").first.get_attribute("href")
            opened_link = formgrader.request.get(f"{hub.base}{href}")
            assert opened_link.ok and opened_link.url.endswith(
                f"/services/{A}/lab/tree/{A}/{folder}/{LAB}"), (href, opened_link.status, opened_link.url)
        # the hub's Services menu entry of the course opens the formgrader too, not a blank frame
        formgrader.goto(f"{hub.base}/services/{A}/")
        formgrader.wait_for_url(re.compile(rf"/services/{A}/formgrader/"))
        # a submission's grading view renders its math with MathJax from the formgrader itself
        away = _leaving_loopback(page.context)
        formgrader.goto(hub.seen["pending_links"][0])
        formgrader.locator("mjx-container svg").first.wait_for(timeout=60_000)
        assert away == []
    finally:
        page.context.close()


def test_the_formgraders_unsafe_buttons_refuse_and_say_why(hub, feedback_released):
    before = sorted(p.name for p in Path(hub.setup["services"][A]["course_dir"], "submitted").iterdir())
    for action, words in (("collect", "Press Grade on the course's grading page"),
                          ("unrelease", "Release a corrected lab under a new name"),
                          ("release_feedback", "Generate and release feedback on the course's")):
        r = hub.formgrader(TA_A, "POST", f"assignment/{LAB}/{action}")
        assert r.status_code == 200, r.text
        reply = r.json()
        assert reply["success"] is False and words in reply["log"] + reply.get("error", ""), reply
    # Generate refuses a released lab (the copy students fetch and the gradebook stay as they
    # were); the course's release folder, which nbgrader empties first, is copied back as the
    # message says
    r = hub.formgrader(TA_A, "POST", f"assignment/{LAB}/assign")
    assert r.status_code == 200 and r.json()["success"] is False, r.text
    assert f"{LAB} is not generated again: it is released to students" in r.json()["log"], r.json()
    course_dir = Path(hub.setup["services"][A]["course_dir"])
    release = course_dir / "exercises" / LAB
    shutil.copytree(hub.state / "exchange" / A / "outbound" / LAB, release, dirs_exist_ok=True)
    subprocess.run(["chown", "-R", f"grader-{A}:", str(release)], check=True)
    # nothing moved: the lab is still released, no submission was collected
    assignment = hub.formgrader(TA_A, "GET", f"assignment/{LAB}").json()
    assert assignment["status"] == "released" and assignment["releaseable"], assignment
    after = sorted(p.name for p in Path(hub.setup["services"][A]["course_dir"], "submitted").iterdir())
    assert after == before


def test_feedback_opens_as_a_page_with_its_math_rendered_offline(browser, hub, feedback_released):
    student = RIGHT[0]
    assert hub.assignments(student, "fetch_feedback")["success"]
    page = login(browser, hub, student, f"/user/{student}/lab")
    try:
        away = _leaving_loopback(page.context)
        link = page.locator("#nbgrader-assignment-list").get_by_text("(view feedback)")
        link.wait_for(timeout=90_000)
        with page.context.expect_page() as opened:
            link.click()
        feedback = opened.value
        try:
            feedback.wait_for_url(re.compile(rf"/user/{student}/files/{A}/{LAB}/feedback/.+/{LAB}\.html$"))
        except Exception:  # the tab says why it did not go on
            raise AssertionError(f"the feedback tab stayed at {feedback.url}: "
                                 f"{feedback.locator('body').inner_text()}") from None
        feedback.get_by_text(TA_COMMENT).wait_for()
        feedback.locator("mjx-container svg").first.wait_for(timeout=60_000)
        assert "cdnjs" not in feedback.content()
        assert away == []
    finally:
        page.context.close()


def test_students_are_refused_the_grading_page(browser, hub, graded):
    page = login(browser, hub, STUDENTS[0], f"/services/grade-{A}/")
    try:
        page.wait_for_load_state()
        # the hub lets students reach the service (for their due dates); the service refuses the page
        assert f"{STUDENTS[0]} is not an instructor or TA of {A}" in page.content()
        assert page.locator("form[action*='/grade']").count() == 0
        # and the API, with the student's own token
        assert hub.request("GET", STUDENTS[0], f"/services/grade-{A}/api/jobs").status_code == 403
        r = hub.request("POST", STUDENTS[0], f"/services/grade-{A}/api/labs/{LAB}/grade")
        assert r.status_code == 403
    finally:
        page.context.close()


def test_students_cannot_list_usernames(hub, submitted):
    report = submitted[HOSTILE]["report"]
    for attempt in ("list_users", "read_other_user", "read_course_group", "list_homes"):
        assert report[attempt].startswith("refused"), (attempt, report[attempt])
    r = hub.request("GET", RIGHT[0], "/hub/api/users")
    assert r.status_code == 403, r.text


def test_instructors_see_and_restart_their_students_servers(browser, hub, submitted):
    page = login(browser, hub, PROF_A, "/hub/admin")
    try:
        page.wait_for_url(f"{hub.base}/hub/admin")
        users = page.locator("table").first  # the list of users (each row holds details tables)
        users.locator("tr", has_text=RIGHT[0]).first.get_by_role("button", name="Stop Server").wait_for()
        table = users.inner_text()
        assert TA_A not in table and STUDENT_B not in table and PROF_A not in table
    finally:
        page.context.close()
    listed = {u["name"] for u in hub.request("GET", PROF_A, "/hub/api/users").json()}
    assert listed == set([*STUDENTS, NOSHOW]) | ({LATE} & listed)
    victim = BLANK[0]
    assert hub.request("DELETE", PROF_B, f"/hub/api/users/{victim}/server").status_code in (403, 404)
    assert hub.request("DELETE", PROF_A, f"/hub/api/users/{victim}/server").status_code in (202, 204)
    assert hub.request("POST", PROF_A, f"/hub/api/users/{victim}/server").status_code in (201, 202)
    assert hub.request("DELETE", PROF_A, f"/hub/api/users/{TA_A}/server").status_code in (403, 404)


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


def test_students_see_their_due_date_and_submit_what_is_on_screen(browser, hub, deadlines, graded):
    student = EXTENDED
    page = login(browser, hub, student, f"/user/{student}/lab")
    try:
        due = page.get_by_role("region", name="Due dates")
        due.get_by_text("your extension").wait_for(timeout=90_000)
        listed = due.inner_text()
        asked = _open_lab_and_submit(page, hub, student, type_text=ON_SCREEN)
        hub.start_server(student)
        saved = hub.request("GET", student, f"/user/{student}/api/contents/{A}/{LAB}/{LAB}.ipynb").json()
    finally:
        page.context.close()
    # the list and the lab's header: the student's own date (the extension), the class's, the rule
    assert f"{A} / {LAB}: due" in listed and "your extension; the class's date is" in listed, listed
    assert f"Late work in {A}: {LATE_RULE}." in listed, listed
    header = hub.seen[f"lab_header_{student}"]
    assert f"{LAB}: due" in header and "your extension" in header and LATE_RULE in header, header
    assert asked is None  # not past the due date: nothing to confirm
    # Submit saved the notebook first: what was on screen is in the home folder and in the exchange
    assert ON_SCREEN in json.dumps(saved["content"])
    newest = _inbound(hub, student)[-1]
    assert ON_SCREEN in (newest / f"{LAB}.ipynb").read_text(encoding="utf-8")


def test_a_late_submission_is_flagged_and_penalised_and_an_extension_lifts_it(hub, late_term):
    grades, canvas = hub.seen["late_export"]["grades"], hub.seen["late_export"]["canvas"]
    late, extended = grades[RIGHT[0]], grades[RIGHT[1]]
    assert late["late"] == "yes" and float(late["hours_late"]) > 0
    assert float(late["late_submission_penalty"]) == pytest.approx(0.1 * float(late["raw_score"]))
    assert float(late["score"]) == pytest.approx(0.9 * float(late["raw_score"]))
    assert extended["late"] == "no" and float(extended["late_submission_penalty"] or 0) == 0
    assert float(extended["extension_hours"]) == 30 * 24
    assert float(extended["score"]) == float(extended["raw_score"])
    column = next(c for c in canvas[RIGHT[0]] if c.endswith(": lateness"))
    assert canvas[RIGHT[0]][column].startswith("late by ") and "extended" in canvas[RIGHT[1]][column]
    # the grading page says the due date and lists the late submissions
    assert "late work: " + LATE_RULE in hub.seen["late_page_deadline"]
    assert f"{RIGHT[0]}: late by" in hub.seen["late_page_listed"]
    assert RIGHT[1] not in hub.seen["late_page_listed"]


def test_students_are_told_before_they_submit_late(hub, late_term):
    assert "(passed: work submitted now is late)" in hub.seen["past_due_list"]
    asked = hub.seen["late_submit_asked"]
    assert asked and f"{LAB} was due" in asked and "counts as late" in asked and LATE_RULE in asked


def test_moving_the_due_date_back_removes_the_penalty(hub, late_term):
    # nbgrader alone keeps a stale penalty once a submission stops being late (its issue #723)
    row = hub.seen["restored_export"]["grades"][RIGHT[0]]
    assert row["late"] == "no" and float(row["late_submission_penalty"] or 0) == 0
    assert float(row["score"]) == float(row["raw_score"])


def test_stack_stops_cleanly(hub, run_module, exported):
    uids = {pwd.getpwnam(name).pw_uid for name in hub.setup["accounts"]}
    assert run_module.ours(hub.state, uids)  # the hostile student's `sleep` among them
    started = time.monotonic()
    stopped = down(hub.state)
    hub.timings["down"] = time.monotonic() - started
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    left = run_module.ours(hub.state, uids)
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left]
    ports = list(hub.setup["ports"].values()) + [
        s[k] for s in hub.setup["services"].values() for k in ("formgrader_port", "grading_port")]
    still = {a for addresses in _listening().values() for a in addresses
             if int(a.rsplit(":", 1)[1]) in ports}
    assert not still, still
    assert not Path(hub.setup["pg"]["data"], "postmaster.pid").exists()


def test_purge_asks_first_and_backs_up_every_gradebook(hub, tmp_path):
    refused = down(hub.state, "--purge")  # no terminal, no --yes
    assert refused.returncode == 2 and "add --yes" in refused.stderr, refused.stderr
    assert hub.state.exists() and pwd.getpwnam(TA_A)
    backups = tmp_path / "backups"
    purged = down(hub.state, "--purge", "--yes", "--backups", str(backups))
    assert purged.returncode == 0, purged.stdout + purged.stderr
    (folder,) = backups.iterdir()  # one folder, named by the time
    assert str(folder) in purged.stdout
    dumps = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    assert set(dumps) == {"gradebook_reciprocity_a.sql", "gradebook_reciprocity_b.sql"}
    dump = dumps["gradebook_reciprocity_a.sql"]
    assert "CREATE TABLE public.grade" in dump and "Ødegård" in dump and TA_COMMENT in dump
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert not hub.state.exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(TA_A)
    print("hub timings (s):", {k: round(v, 1) for k, v in hub.timings.items()})
