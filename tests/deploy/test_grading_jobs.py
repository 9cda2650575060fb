"""The grading page's jobs, without a hub: files read safely as root, forged submissions, the job log.

The grading service runs as root next to folders its course's grader account
writes; these tests plant what a hostile grader account could (links in
place of report files or folders, a FIFO, a link in place of the exchange's
inbound folder) and check that root reads or moves nothing it should not.
"""
from __future__ import annotations

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
