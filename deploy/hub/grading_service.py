"""The autograding service of one course, run by JupyterHub as ``grade-<course>``.

Why a service: the grading command (``python -m reciprocity.grading``) needs
root to start each student's kernel as ``nobody`` inside its sandbox, and an
instructor's or TA's own server runs as their unprivileged account. This small
tornado app runs as root, listens on 127.0.0.1 only, and does one thing for
people whose hub token carries ``access:services!service=grade-<course>`` (the
role ``formgrade-<course>``): grade a lab of that course. A job:

1. puts aside (``STATE/quarantine/<course>/``) every inbound submission whose
   owner is not the student its name claims (nbgrader's ``collect`` only warns);
2. runs ``nbgrader collect LAB --update`` as the course's grader account;
3. runs ``python -m reciprocity.grading LAB --course-dir ... --db ...`` as root
   (sandboxed, ``--jobs`` students at once, feedback generated);
4. gives what the grading command wrote back to the grader account, so the
   formgrader can release feedback and TAs can grade memos by hand.

API (under ``/services/grade-<course>/``, ``Authorization: token ...``)::

    POST api/labs/<lab>/grade   -> 202 {"id": ...}   start a job
    GET  api/jobs/<id>          -> {"state": "running"|"done"|"failed", "log": ..., "status": [...]}
    GET  api/jobs               -> every job of this service's lifetime
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import pwd
import re
import shutil
import sys
import time
import uuid
from pathlib import Path

from jupyterhub.services.auth import HubAuth, HubAuthenticated
from tornado import web
from tornado.ioloop import IOLoop

LAB = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
JOBS: dict[str, dict] = {}


class Course:
    def __init__(self, state: Path, name: str):
        setup = json.loads((state / "hub" / "setup.json").read_text())
        info = setup["services"][name]
        self.name, self.state = name, state
        self.dir = Path(info["course_dir"])
        self.db_url = info["db_url"]
        self.grader = pwd.getpwnam(f"grader-{name}")
        self.inbound = Path(setup["exchange"]) / name / "inbound"
        self.quarantine = state / "quarantine" / name
        self.venv_bin = setup["venv_bin"]
        self.grading_jobs = str(setup.get("grading_jobs", 2))
        self.sandbox = setup.get("sandbox", True)

    def as_grader(self) -> dict:
        g = self.grader
        return {"user": g.pw_uid, "group": g.pw_gid, "extra_groups": [],
                "env": {"HOME": g.pw_dir, "USER": g.pw_name, "LANG": "C.UTF-8",
                        "PATH": f"{self.venv_bin}:/usr/bin:/bin"}}


def quarantine_forged(course: Course, lab: str) -> list[str]:
    """Move aside inbound entries of LAB not owned by the student they name."""
    moved = []
    if not course.inbound.is_dir():
        return moved
    for entry in sorted(course.inbound.iterdir()):
        parts = entry.name.split("+")
        if len(parts) < 3 or parts[1] != lab:
            continue
        st = os.lstat(entry)
        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            owner = f"uid {st.st_uid}"
        if owner != parts[0] or not entry.is_dir() or entry.is_symlink():
            course.quarantine.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.move(str(entry), course.quarantine / f"{entry.name}.from-{owner}")
            moved.append(f"{entry.name} (claims {parts[0]}, owned by {owner})")
    return moved


async def _run(job: dict, cmd: list[str], cwd: Path, **kw) -> int:
    job["log"] += f"$ {' '.join(cmd)}\n"
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, **kw)
    out, _ = await proc.communicate()
    job["log"] += out.decode(errors="replace")
    return proc.returncode


def _give_back(course: Course) -> None:
    """chown what root wrote (autograded/, feedback/, reports/) to the grader account, no links followed."""
    uid, gid = course.grader.pw_uid, course.grader.pw_gid
    for top in ("autograded", "feedback", "reports"):
        base = course.dir / top
        if not base.exists():
            continue
        os.lchown(base, uid, gid)
        for root, dirs, files in os.walk(base):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, gid)


async def grade(course: Course, job: dict) -> None:
    lab = job["lab"]
    try:
        job["quarantined"] = quarantine_forged(course, lab)
        for item in job["quarantined"]:
            job["log"] += f"quarantined: {item}\n"
        code = await _run(job, [f"{course.venv_bin}/python", "-m", "nbgrader", "collect", lab,
                                "--update"], course.dir, **course.as_grader())
        if code != 0:
            raise RuntimeError(f"nbgrader collect exited {code}")
        cmd = [f"{course.venv_bin}/python", "-m", "reciprocity.grading", lab,
               "--course-dir", str(course.dir), "--db", course.db_url,
               "--jobs", course.grading_jobs]
        if not course.sandbox:
            cmd.append("--no-sandbox")
        env = {"PATH": f"{course.venv_bin}:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "HOME": "/root"}
        job["returncode"] = await _run(job, cmd, course.dir, env=env)
        _give_back(course)
        status = course.dir / "reports" / lab / "status.csv"
        if status.is_file():
            with open(status, newline="") as f:
                job["status"] = list(csv.DictReader(f))
        # exit 1 = some submissions failed (listed in status); 2 = no sandbox, nobody graded
        job["state"] = "done" if job["returncode"] in (0, 1) else "failed"
    except Exception as err:  # reported to the caller, not raised into the loop
        job["log"] += f"error: {err}\n"
        job["state"] = "failed"
    job["finished"] = time.time()


class Base(HubAuthenticated, web.RequestHandler):
    def initialize(self, course: Course, hub_auth: HubAuth):
        self.course = course
        self.hub_auth = hub_auth  # checks callers' tokens with the hub

    def prepare(self):
        user = self.get_current_user()
        if not user:
            raise web.HTTPError(403, "needs access to this course's grading service")
        self.who = user["name"]

    def write_json(self, obj, status=200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(obj))


class GradeHandler(Base):
    async def post(self, lab):
        if not LAB.match(lab) or not (self.course.dir / "solutions" / lab).is_dir():
            raise web.HTTPError(404, f"no lab {lab!r} in this course")
        if any(j["state"] == "running" for j in JOBS.values()):
            raise web.HTTPError(409, "a grading job is already running")
        job = {"id": uuid.uuid4().hex[:12], "lab": lab, "by": self.who, "state": "running",
               "log": "", "started": time.time(), "status": [], "quarantined": []}
        JOBS[job["id"]] = job
        IOLoop.current().spawn_callback(grade, self.course, job)
        self.write_json({"id": job["id"]}, status=202)


class JobHandler(Base):
    def get(self, job_id=None):
        if job_id is None:
            self.write_json([{k: v for k, v in j.items() if k != "log"} for j in JOBS.values()])
        elif job_id in JOBS:
            self.write_json(JOBS[job_id])
        else:
            raise web.HTTPError(404)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", required=True)
    args = parser.parse_args(argv)
    course = Course(Path(os.environ["RECIPROCITY_HUB_STATE"]), args.course)
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]  # /services/grade-<course>/
    url = os.environ["JUPYTERHUB_SERVICE_URL"]
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    auth = HubAuth(api_token=os.environ["JUPYTERHUB_API_TOKEN"], cache_max_age=60)
    kw = {"course": course, "hub_auth": auth}
    app = web.Application([
        (rf"{prefix}api/labs/([^/]+)/grade", GradeHandler, kw),
        (rf"{prefix}api/jobs/?", JobHandler, kw),
        (rf"{prefix}api/jobs/([0-9a-f]+)", JobHandler, kw),
    ])
    app.listen(int(port), address="127.0.0.1")
    print(f"grading service for {course.name} on 127.0.0.1:{port}{prefix}", file=sys.stderr, flush=True)
    IOLoop.current().start()


if __name__ == "__main__":
    main()
