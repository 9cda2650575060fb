"""What the grading page of one course shows: its labs, their state, the reports and the job log.

``page_view`` gathers everything the template ``templates/grading.html``
needs, as plain values: per lab, whether it is released, its due date
(or what is wrong with ``deadlines.toml``), how many students have a
submission waiting in the exchange, how many are graded, which of them are
late (as the last grade or export left the gradebook), how many answers wait
for a hand grade (with links to them in the formgrader when
feedback was refused), the report files; then every job, newest first, and
the message for the status line (the outcome of the job the person just
started, or why nothing was started).
"""
from __future__ import annotations

import asyncio
import datetime as dt

from grading_jobs import ACTIONS, Course, Job, JobLog, inbound_students, read_policy, report_files

STATE_LABELS = {"running": "running", "done": "finished", "failed": "failed",
                "refused": "refused"}
PENDING_SHOWN = 60  # pending answers listed on the page; the rest are counted


def when(stamp: float | None) -> str:
    """A time as people read it on the page (UTC)."""
    if stamp is None:
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(stamp: float | None) -> str:
    if stamp is None:
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


def size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"


def job_view(job: Job) -> dict:
    seconds = (job.finished or 0) - job.started if job.finished else None
    return {"id": job.id, "title": job.title, "state": job.state, "lab": job.lab,
            "action": job.action, "state_label": STATE_LABELS.get(job.state, job.state),
            "by": job.by, "started": when(job.started), "started_iso": iso(job.started),
            "finished": when(job.finished), "finished_iso": iso(job.finished),
            "duration": f"{seconds:.0f} s" if seconds is not None else "",
            "outcome": job.outcome or "running…", "log": job.log}


def status_message(log: JobLog, job_id: str | None, busy_id: str | None) -> str:
    """The sentence for the status line after a button was pressed."""
    if busy_id and busy_id in log.jobs:
        busy = log.jobs[busy_id]
        return (f"Nothing was started: “{busy.title}”, started by {busy.by} at "
                f"{when(busy.started)}, is still running. One job runs at a time for this course; "
                "press the button again once that job has ended.")
    if job_id and job_id in log.jobs:
        job = log.jobs[job_id]
        if job.state == "running":
            return f"“{job.title}” started. Its progress is in the job log below."
        return f"“{job.title}” {STATE_LABELS[job.state]}: {job.outcome}."
    running = log.running()
    if running:
        return f"“{running.title}”, started by {running.by}, is running."
    return ""


def _refusal(log: JobLog, lab: str) -> Job | None:
    """The lab's last feedback job, if it was refused for missing hand grades."""
    for job in log.newest_first():
        if job.lab == lab and job.action == "feedback" and job.state != "running":
            return job if job.state == "refused" and job.pending else None
    return None


def _deadline(policy, problem: str, lab: str) -> str:
    """The lab's due date as the page states it (or why there is none)."""
    if problem:
        return problem
    if policy is None or lab not in policy.labs:
        return "No due date (deadlines.toml in the course directory has none for this lab)."
    deadline = policy.labs[lab]
    extended = len(deadline.extensions)
    return (f"Due {deadline.due.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
            + (f", {extended} extension(s)" if extended else "")
            + f"; late work: {policy.late.describe()}.")


def _lab_facts(course: Course, lab: str, policy, problem: str) -> dict:
    from reciprocity.grading.gradebook import graded_timestamps, pending_manual_grades
    from reciprocity.grading.late import read_status

    try:
        graded = len(graded_timestamps(course.db_url, lab))
        pending = len(pending_manual_grades(course.db_url, lab))
        late = sorted((s for s in read_status(course.db_url, lab).values() if s.late),
                      key=lambda s: s.student)
        db_error = ""
    except Exception as err:  # the page still loads; the problem is shown
        graded = pending = 0
        late = []
        db_error = f"The gradebook could not be read ({type(err).__name__})."
    released = (course.exchange / course.name / "outbound" / lab).is_dir()
    return {"name": lab, "released": released, "waiting": len(inbound_students(course, lab)),
            "graded": graded, "pending": pending, "db_error": db_error,
            "deadline": _deadline(policy, problem, lab),
            "late": [f"{s.student}: {s.describe()}" for s in late[:PENDING_SHOWN]],
            "late_more": max(0, len(late) - PENDING_SHOWN),
            "files": [{**f, "when": when(f["modified"]), "size": size(f["bytes"])}
                      for f in report_files(course, lab)]}


async def page_view(course: Course, log: JobLog, user: str, prefix: str, job_id: str | None = None,
                    busy_id: str | None = None) -> dict:
    """Everything ``templates/grading.html`` shows, for ``user``."""
    loop = asyncio.get_running_loop()
    policy, problem = read_policy(course)
    labs = []
    for lab in course.labs():
        facts = await loop.run_in_executor(None, _lab_facts, course, lab, policy, problem)
        refused = _refusal(log, lab)
        if refused:
            facts["refusal"] = {"outcome": refused.outcome,
                                "items": refused.pending[:PENDING_SHOWN],
                                "more": max(0, len(refused.pending) - PENDING_SHOWN)}
        labs.append(facts)
    running = log.running()
    return {"course": course.name, "user": user, "prefix": prefix, "labs": labs,
            "jobs": [job_view(j) for j in log.newest_first()],
            "running": job_view(running) if running else None,
            "message": status_message(log, job_id, busy_id),
            "formgrader": f"/services/{course.name}/formgrader",
            "hub_home": "/hub/home", "actions": ACTIONS}
