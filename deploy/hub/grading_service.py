"""The grading service of one course, run by JupyterHub as ``grade-<course>``: a page and an API.

The course's instructors and TAs (hub role ``formgrade-<course>``, scope
``access:services!service=grade-<course>``) open it from the hub's *Services*
menu, at ``/services/grade-<course>/``. JupyterHub's service OAuth
(``HubOAuthenticated``) signs them in with their hub login: no token to
paste; anyone else is refused by the hub. The page has, per lab, **Grade**
(new and changed submissions, or all), **Generate and release feedback**
(refused while answers wait for a hand grade), **Export** (grades.csv,
canvas.csv, summary; download links), the reports, and a job log. Jobs run
in the background, one at a time for the course (``grading_jobs``); a
second press while one runs says so. Forms carry JupyterHub's XSRF token.

The same actions are an API for scripts, with a hub token that carries the
scope (short-lived: ``run.py token USER --scope access:services!service=grade-<course>``)::

    POST api/labs/<lab>/grade      [regrade_all=1]             -> 202 {"id": ...} | 409 busy
    POST api/labs/<lab>/feedback                               -> 202 {"id": ...} | 409 busy
    POST api/labs/<lab>/export     [canvas_title, canvas_id]   -> 202 {"id": ...} | 409 busy
    GET  api/jobs                  every job, newest first (without output)
    GET  api/jobs/<id>             one job: state running|done|failed|refused, outcome, log, pending,
                                   lms (LTI mode: the scores sent to the LMS, see grading_jobs.py)

Everything above is for the course's staff (the roster's instructors and TAs);
the service refuses anyone else even when the hub lets them through. One
route is for the course's students too, with the token of their own
single-user server (``reciprocity.grading.due_dates_extension`` asks it, so
JupyterLab can show their due dates)::

    GET  api/due                   the caller's due dates (their extensions), the late rule

It also answers ``/tree/<course>/...`` (the hub's proxy routes it here, see
``jupyterhub_config.py``): nbgrader's formgrader links a lab's name and its
*Preview* there, outside the formgrader's own URL; they are redirected into
the course's formgrader server.

It listens on 127.0.0.1 only; the hub's proxy is the way in.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import secrets
import sys
from pathlib import Path

from grading_jobs import ACTIONS, LAB, REPORT_FILES, Course, Job, JobLog, due_dates, open_course_file, run
from grading_page import page_view
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from tornado import web
from tornado.ioloop import IOLoop

HERE = Path(__file__).resolve().parent
CANVAS_ID = re.compile(r"^[0-9]{0,20}$")
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".png": "image/png",
                 ".html": "text/html; charset=utf-8"}  # served as a download (attachment), never shown here


class OAuthCallback(HubOAuthCallbackHandler):
    """The end of the hub's OAuth: sets the service's cookie, back to the page asked for."""

    def initialize(self, hub_auth: HubOAuth):
        self.hub_auth = hub_auth


class Base(HubOAuthenticated, web.RequestHandler):
    """Signed in through the hub, with access to this service (the course's staff)."""

    def initialize(self, course: Course, log: JobLog, hub_auth: HubOAuth):
        self.course, self.log = course, log
        self.hub_auth = hub_auth

    # the hub lets the course's students reach the service (for api/due); the rest is staff's
    staff_only = True

    def prepare(self):
        user = self.current_user
        if user and self.staff_only and user["name"] not in self.course.staff():
            raise web.HTTPError(403, f"{user['name']} is not an instructor or TA of {self.course.name}")

    @property
    def who(self) -> str:
        return self.current_user["name"]

    def write_error(self, status_code, **kwargs):
        # say why (tornado's own page says only "Forbidden")
        reason = kwargs.get("exc_info", (None, None))[1]
        message = getattr(reason, "log_message", None) or self._reason
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(f"<!doctype html><html lang=en><title>{status_code}</title>"
                    f"<h1>{status_code}: {html.escape(self._reason)}</h1><p>{html.escape(message)}</p>")

    def lab(self, lab: str) -> str:
        if not LAB.match(lab) or lab not in self.course.labs():
            raise web.HTTPError(404, f"no lab {lab!r} in this course")
        return lab

    def start(self, lab: str, action: str, options: dict) -> tuple[Job | None, Job | None]:
        """Start a job; (the new job, None), or (None, the job that is still running)."""
        running = self.log.running()
        if running:
            return None, running
        job = Job(lab=lab, action=action, by=self.who, options=options)
        self.log.add(job)
        IOLoop.current().spawn_callback(run, self.course, self.log, job)
        return job, None

    def options(self, action: str) -> dict:
        if action == "grade":
            return {"regrade_all": self.get_body_argument("regrade_all", "") == "1"}
        if action == "export":
            title = self.get_body_argument("canvas_title", "").strip()[:200]
            canvas_id = self.get_body_argument("canvas_id", "").strip()
            if not CANVAS_ID.match(canvas_id):
                raise web.HTTPError(400, "the Canvas assignment id is a number (digits only)")
            return {"canvas_title": title, "canvas_id": canvas_id}
        return {}


class PageHandler(Base):
    """The page: GET shows it; ``?job=ID`` or ``?busy=ID`` set its status line."""

    @web.authenticated
    async def get(self):
        view = await page_view(self.course, self.log, self.who, self.settings["prefix"],
                               job_id=self.get_query_argument("job", None),
                               busy_id=self.get_query_argument("busy", None))
        self.set_header("Cache-Control", "no-store")
        self.render("grading.html", xsrf_token=self.xsrf_token.decode(), **view)


class ActionHandler(Base):
    """A form's button: start the job, then back to the page, which says what happened."""

    @web.authenticated
    def post(self, lab, action):
        lab = self.lab(lab)
        job, busy = self.start(lab, action, self.options(action))
        query = f"busy={busy.id}" if busy else f"job={job.id}"
        self.redirect(f"{self.settings['prefix']}?{query}#status", status=303)


class FileHandler(Base):
    """A report of a lab, downloaded (read without following links: the folder is the grader's)."""

    @web.authenticated
    def get(self, lab, name):
        lab = self.lab(lab)
        if name not in REPORT_FILES:
            raise web.HTTPError(404)
        f = open_course_file(self.course, "reports", lab, name)
        if f is None:
            raise web.HTTPError(404, f"{name} has not been written yet: export first")
        with f:
            data = f.read()
        self.set_header("Content-Type", CONTENT_TYPES[Path(name).suffix])
        self.set_header("Content-Disposition", f'attachment; filename="{lab}-{name}"')
        self.set_header("Cache-Control", "no-store")
        self.finish(data)


class ApiBase(Base):
    def check_xsrf_cookie(self):
        # a request with a token is judged by the token (a cross-site form cannot send one);
        # a request with the page's cookie (the page's own polling) must carry the XSRF token
        if self.request.headers.get("Authorization", "").lower().startswith(("token ", "bearer ")):
            return
        super().check_xsrf_cookie()

    def prepare(self):
        if not self.current_user:
            raise web.HTTPError(403, "needs a hub token with access to this course's grading service")
        super().prepare()

    def write_json(self, obj, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(obj))

    def write_error(self, status_code, **kwargs):
        reason = kwargs.get("exc_info", (None, None))[1]
        message = getattr(reason, "log_message", None) or self._reason
        self.finish(json.dumps({"status": status_code, "message": message}))


class ApiActionHandler(ApiBase):
    def post(self, lab, action):
        lab = self.lab(lab)
        job, busy = self.start(lab, action, self.options(action))
        if busy:
            return self.write_json({"message": f"{busy.title} (by {busy.by}) is still running",
                                    "running": busy.to_dict(with_log=False)}, status=409)
        self.write_json({"id": job.id}, status=202)


class ApiJobHandler(ApiBase):
    def get(self, job_id=None):
        if job_id is None:
            return self.write_json([j.to_dict(with_log=False) for j in self.log.newest_first()])
        if job_id not in self.log.jobs:
            raise web.HTTPError(404, "no such job")
        self.write_json(self.log.jobs[job_id].to_dict())


class ApiDueHandler(ApiBase):
    """A member's own due dates: what JupyterLab shows above the Assignments list and each lab."""

    staff_only = False

    def get(self):
        people = self.course.people()
        if self.who not in set(people["students"]) | self.course.staff():
            raise web.HTTPError(403, f"{self.who} is not in {self.course.name}")
        self.write_json(due_dates(self.course, self.who))


class FormgraderLinkHandler(web.RequestHandler):
    """``/tree/<course>/PATH`` (the formgrader's lab-name and Preview links): into the formgrader."""

    def initialize(self, course: Course):
        self.course = course

    def get(self, kind, path):
        self.redirect(f"/services/{self.course.name}/lab/tree/{self.course.name}/{path}")


def make_app(course: Course, prefix: str, hub_auth: HubOAuth) -> web.Application:
    log = JobLog(course.log_file)
    kw = {"course": course, "log": log, "hub_auth": hub_auth}
    actions = "|".join(ACTIONS)
    return web.Application([
        (rf"{prefix}oauth_callback", OAuthCallback, {"hub_auth": hub_auth}),
        (rf"{prefix}?", PageHandler, kw),
        (rf"{prefix}labs/([^/]+)/({actions})", ActionHandler, kw),
        (rf"{prefix}labs/([^/]+)/files/([^/]+)", FileHandler, kw),
        (rf"{prefix}api/labs/([^/]+)/({actions})", ApiActionHandler, kw),
        (rf"{prefix}api/jobs/?", ApiJobHandler, kw),
        (rf"{prefix}api/due", ApiDueHandler, kw),
        (rf"/(tree|notebooks|edit)/{re.escape(course.name)}/(.*)", FormgraderLinkHandler,
         {"course": course}),
        (rf"{prefix}api/jobs/([0-9a-f]+)", ApiJobHandler, kw),
    ], prefix=prefix, cookie_secret=secrets.token_bytes(32), xsrf_cookies=True,
        template_path=str(HERE / "templates"), static_path=str(HERE / "static"),
        static_url_prefix=f"{prefix}static/")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", required=True)
    args = parser.parse_args(argv)
    course = Course(Path(os.environ["RECIPROCITY_HUB_STATE"]), args.course)
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]  # /services/grade-<course>/
    url = os.environ["JUPYTERHUB_SERVICE_URL"]
    port = int(url.split("//", 1)[1].rstrip("/").rsplit(":", 1)[1])
    # HubOAuth reads the client id, callback URL and access scopes JupyterHub gives the service
    auth = HubOAuth(api_token=os.environ["JUPYTERHUB_API_TOKEN"], cache_max_age=60)
    make_app(course, prefix, auth).listen(port, address="127.0.0.1")
    print(f"grading service for {course.name} on 127.0.0.1:{port}{prefix}", file=sys.stderr, flush=True)
    IOLoop.current().start()


if __name__ == "__main__":
    main()
