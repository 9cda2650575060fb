"""The grading page's jobs, without a hub: files read safely as root, forged submissions, the job log.

The grading service runs as root next to folders its course's grader account
writes; these tests plant what a hostile grader account could (links in
place of report files or folders, a FIFO, a link in place of the exchange's
inbound folder) and check that root reads or moves nothing it should not.
"""
from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import pwd
import sys
import types

import pytest

from tests.support.common import ROOT

# deploy/hub is a folder of scripts the hub runs, not a package: load the module by file
_SPEC = importlib.util.spec_from_file_location("grading_jobs", ROOT / "deploy" / "hub" / "grading_jobs.py")
grading_jobs = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = grading_jobs  # dataclasses look their module up there
_SPEC.loader.exec_module(grading_jobs)

NOBODY = pwd.getpwnam("nobody")


@pytest.fixture()
def course(tmp_path):
    """A course laid out as run.py lays it out, for the account ``nobody``."""
    homes = tmp_path / "homes"
    course_dir = homes / NOBODY.pw_name / "probe"
    (course_dir / "reports" / "lab").mkdir(parents=True)
    (course_dir / "reports" / "lab" / "grades.csv").write_text("student_id,score\nann,3\n")
    (tmp_path / "exchange" / "probe" / "inbound").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("root's eyes only")
    c = types.SimpleNamespace(name="probe", homes=homes, dir=course_dir, grader=NOBODY,
                              exchange=tmp_path / "exchange", quarantine=tmp_path / "quarantine",
                              secret=secret)
    return c


def test_report_files_are_read_without_following_links(course):
    f = grading_jobs.open_course_file(course, "reports", "lab", "grades.csv")
    with f:
        assert f.read() == b"student_id,score\nann,3\n"
    reports = course.dir / "reports" / "lab"
    (reports / "canvas.csv").symlink_to(course.secret)
    os.mkfifo(reports / "summary.csv")  # would block a reader that opened it
    assert grading_jobs.open_course_file(course, "reports", "lab", "canvas.csv") is None
    assert grading_jobs.open_course_file(course, "reports", "lab", "summary.csv") is None
    assert grading_jobs.open_course_file(course, "reports", "lab", "missing.csv") is None
    # a link in place of a folder on the way
    (course.dir / "reports" / "other").symlink_to(course.secret.parent)
    assert grading_jobs.open_course_file(course, "reports", "other", "secret.txt") is None
    assert [f["name"] for f in grading_jobs.report_files(course, "lab")] == ["grades.csv"]


def test_labs_are_the_source_folders_and_a_linked_source_lists_nothing(course, tmp_path):
    (course.dir / "solutions" / "outreach").mkdir(parents=True)
    (course.dir / "solutions" / "notes.txt").write_text("not a lab")
    (course.dir / "solutions" / "elsewhere").symlink_to(tmp_path)
    assert grading_jobs.Course.labs(course) == ["outreach"]
    (course.dir / "solutions").rename(course.dir / "old-solutions")
    (course.dir / "solutions").symlink_to(course.dir / "old-solutions")
    assert grading_jobs.Course.labs(course) == []


def test_forged_submissions_are_set_aside_and_links_are_not_followed(course, tmp_path):
    me = pwd.getpwuid(os.getuid()).pw_name  # the writer of every entry below
    inbound = course.exchange / "probe" / "inbound"
    mine = inbound / f"{me}+lab+2026-12-01 10:00:00.000000 UTC+abc"
    forged = inbound / "ann+lab+2999-01-01 00:00:00.000000 UTC+xyz"
    other_lab = inbound / "ann+trials+2026-12-01 10:00:00.000000 UTC+q"
    for folder in (mine, forged, other_lab):
        folder.mkdir()
    (moved,) = grading_jobs.quarantine_forged(course, "lab")
    assert moved.startswith(forged.name) and f"owned by {me}" in moved
    assert mine.exists() and other_lab.exists() and not forged.exists()
    assert len(list(course.quarantine.iterdir())) == 1
    assert grading_jobs.inbound_students(course, "lab") == {me}
    # the grader account swaps the inbound folder for a link elsewhere: nothing is touched
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ann+lab+2999-01-02 00:00:00.000000 UTC+l").mkdir()
    os.rename(inbound, tmp_path / "old-inbound")
    inbound.symlink_to(elsewhere)
    assert grading_jobs.quarantine_forged(course, "lab") == []
    assert grading_jobs.inbound_students(course, "lab") == set()
    assert len(list(elsewhere.iterdir())) == 1


def test_job_log_survives_a_restart_and_marks_interrupted_jobs(tmp_path):
    path = tmp_path / "grading" / "probe.json"
    log = grading_jobs.JobLog(path)
    done = grading_jobs.Job(lab="lab", action="export", by="ta")
    done.end("done", "wrote grades.csv")
    running = grading_jobs.Job(lab="lab", action="grade", by="prof")
    log.add(done)
    log.add(running)
    assert log.running() is running
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again = grading_jobs.JobLog(path)  # the service restarted while grading
    assert again.running() is None
    assert again.jobs[running.id].state == "failed"
    assert "restarted" in again.jobs[running.id].outcome
    assert again.jobs[done.id].outcome == "wrote grades.csv"
    assert json.loads(path.read_text())[0]["title"] == "Export: lab"


LTI_TOML = """[platform]
issuer = "http://127.0.0.1:9"
client_id = "tool"
authorize_url = "http://127.0.0.1:9/auth"
token_url = "http://127.0.0.1:9/token"
jwks_url = "http://127.0.0.1:9/jwks"
deployment_ids = ["dep"]

[tool]
private_key = "key.pem"
username_key = "custom_username"
state_dir = "lti"

[courses.probe]
context_id = "ctx"
"""


def test_a_job_whose_scores_cannot_reach_the_lms_ends_as_it_would_and_says_why(tmp_path, monkeypatch):
    from reciprocity.lms.__main__ import new_key

    new_key(tmp_path / "key.pem")
    (tmp_path / "lti.toml").write_text(LTI_TOML)
    lti = {"config": str(tmp_path / "lti.toml"), "launches": str(tmp_path / "lti" / "launches.json")}

    async def export(course, job):
        job.end("done", "wrote grades.csv")

    monkeypatch.setitem(grading_jobs.RUNNERS, "export", export)
    log = grading_jobs.JobLog(tmp_path / "grading" / "probe.json")
    jobs = {}
    for mode, settings in (("lti", lti), ("accounts", None)):  # nobody has launched from the LMS course yet
        course = types.SimpleNamespace(name="probe", db_url=f"sqlite:///{tmp_path / 'gradebook.db'}", lti=settings)
        jobs[mode] = job = grading_jobs.Job(lab="lab", action="export", by="ta")
        log.add(job)
        asyncio.run(grading_jobs.run(course, log, job))
    job = jobs["lti"]
    assert (job.state, job.outcome) == ("done", "wrote grades.csv; scores not sent to the LMS (see the log)")
    assert "LMS roster not read (RosterUnavailable): the LMS has not told the hub where probe's roster is" in job.log
    assert ("LMS: scores not sent (GradePassbackError): the LMS has not told the hub where probe's grade book is"
            in job.log)
    assert "Open the tool once from the LMS course" in job.lms["error"]
    assert json.loads(log.path.read_text())[0]["lms"] == job.lms  # kept across restarts
    plain = jobs["accounts"]  # without LTI: nothing about an LMS
    assert (plain.state, plain.outcome, plain.log, plain.lms) == ("done", "wrote grades.csv", "", {})


POLICY = """
[late]
per = "day"
deduct_percent = 10
max_deduct_percent = 50

[labs.lab]
due = 2026-10-05T23:59:00+02:00

[labs.lab.extensions]
ann = "P2D"

[labs.draft]
due = 2026-11-05T23:59:00+01:00
"""


@pytest.fixture()
def policy_course(course):
    for lab in ("lab", "draft"):
        (course.dir / "solutions" / lab).mkdir(parents=True)
    (course.exchange / "probe" / "outbound" / "lab").mkdir(parents=True)  # draft: not released
    course.labs = lambda: grading_jobs.Course.labs(course)
    return course


def test_students_get_their_own_due_dates_for_released_labs(policy_course):
    course = policy_course
    assert grading_jobs.due_dates(course, "ann") == {"course": "probe", "labs": [], "late_rule": ""}
    (course.dir / "deadlines.toml").write_text(POLICY)
    ann, bo = grading_jobs.due_dates(course, "ann"), grading_jobs.due_dates(course, "bo")
    assert [lab["lab"] for lab in ann["labs"]] == ["lab"]  # the unreleased draft is not shown
    assert ann["labs"][0] == {"lab": "lab", "due": "2026-10-07T21:59:00+00:00",
                              "class_due": "2026-10-05T21:59:00+00:00", "extended": True}
    assert bo["labs"][0]["due"] == bo["labs"][0]["class_due"] and not bo["labs"][0]["extended"]
    assert ann["late_rule"] == "10% of the score per started day late, at most 50%"


def test_a_broken_policy_tells_students_to_ask_and_staff_what_to_fix(policy_course):
    course = policy_course
    (course.dir / "deadlines.toml").write_text(POLICY.replace('"P2D"', '"two days"'))
    answer = grading_jobs.due_dates(course, "ann")
    assert answer["course"] == "probe" and "tell your instructor" in answer["problem"]
    assert "labs.lab" not in answer["problem"]  # the details are for staff
    policy, problem = grading_jobs.read_policy(course)
    assert policy is None and "labs.lab.extensions.ann" in problem and "2026-10-05T23:59" in problem
    (course.dir / "deadlines.toml").write_text("[labs.lab\n")
    assert "is not valid TOML" in grading_jobs.read_policy(course)[1]


def test_a_policy_file_that_is_a_link_is_not_followed(policy_course, tmp_path):
    course = policy_course
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(POLICY)
    (course.dir / "deadlines.toml").symlink_to(elsewhere)
    assert grading_jobs.read_policy(course) == (None, "")
    assert grading_jobs.due_dates(course, "ann")["labs"] == []


def test_the_grade_outcome_tells_flagged_submissions_from_failed_runs():
    rows = [{"status": "graded"}] * 3 + [{"status": "flagged"}] * 2 + [{"status": "failed"}]
    assert grading_jobs.grade_outcome(rows) == (
        "3 submission(s) graded, 2 flagged (not gradable as handed in: the reasons are in "
        "status.csv), 1 failed (see the log)")
    assert grading_jobs.grade_outcome([{"status": "graded"}] * 20) == "20 submission(s) graded"
