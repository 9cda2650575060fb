"""A running course hub (``deploy/hub/run.py``) as the hub tests drive it: REST, websockets, a browser.

``tests/deploy/test_hub.py`` (local accounts) and ``tests/deploy/test_hub_lti.py``
(the LMS's LTI 1.3 launches) share these helpers.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import json
import os
import pwd
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.common import IN_CI, ROOT
from tests.support.site_checks import LAPTOP

RUN = ROOT / "deploy" / "hub" / "run.py"


def load_hub_module(name: str):
    """A module of deploy/hub, by file, as the hub's config loads it (deploy/hub is not a package)."""
    spec = importlib.util.spec_from_file_location(f"hub_{name}", ROOT / "deploy" / "hub" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_run():
    return load_hub_module("run")


def skip_or_fail(message: str):
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def in_thread(coroutine):
    """Run a coroutine to its end in a thread of its own (Playwright's sync API owns this one's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Hub:
    """A running hub (``run.py up``): its setup (ports, tokens, roster) and REST helpers.

    ``course`` and ``lab`` are the defaults of the helpers that take them;
    ``staff`` is the person whose token reads the grading service's job log.
    """

    def __init__(self, state: Path, course: str, lab: str, staff: str):
        import requests

        self.state = state
        self.course, self.lab, self.staff = course, lab, staff
        self.setup = json.loads((state / "hub" / "setup.json").read_text())
        self.base = f"http://127.0.0.1:{self.setup['ports']['public']}"
        self.grading = f"{self.base}/services/grade-{course}/"
        self.http = requests.Session()
        self.tokens: dict[str, str] = {}
        self.seen: dict[str, object] = {}  # what the browser steps observed, for the tests

    def token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.http.post(f"{self.base}/hub/api/users/{user}/tokens",
                               headers=self.auth(self.setup["operator_token"]),
                               json={"expires_in": 3600, "note": "test_hub"})
            assert r.status_code == 201, r.text
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    def password(self, user: str) -> str:
        for line in (self.state / "hub" / "passwords.txt").read_text().splitlines():
            name, password = line.split(" ", 1)
            if name == user:
                return password
        raise KeyError(user)

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
        assert r.status_code in (201, 202, 400), r.text  # 400: already running
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            model = self.request("GET", user, f"/hub/api/users/{user}").json()
            if model.get("servers", {}).get("", {}).get("ready"):
                return
            time.sleep(0.25)
        raise AssertionError(f"{user}'s server did not start")

    def assignments(self, user: str, action: str, course: str | None = None) -> dict:
        """nbgrader's assignment-list server extension: fetch, submit, fetch_feedback, or list."""
        course = course or self.course
        if action == "list":
            r = self.request("GET", user, f"/user/{user}/assignments", params={"course_id": course})
        else:
            r = self.request("POST", user, f"/user/{user}/assignments/{action}",
                             data={"course_id": course, "assignment_id": self.lab})
        assert r.status_code == 200, r.text
        return r.json()

    def formgrader(self, user: str, method: str, path: str, course: str | None = None, **kw):
        return self.request(method, user, f"/services/{course or self.course}/formgrader/api/{path}", **kw)

    def job(self, job_id: str) -> dict:
        r = self.request("GET", self.staff, f"/services/grade-{self.course}/api/jobs/{job_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def run_code(self, user: str, code: str, timeout: float = 60) -> str:
        """Run code in a new kernel of the user's server (websocket), return its output."""
        r = self.request("POST", user, f"/user/{user}/api/kernels", json={"name": "python3"})
        assert r.status_code == 201, r.text
        kernel = r.json()["id"]
        try:
            return in_thread(execute(
                f"ws://127.0.0.1:{self.setup['ports']['public']}/user/{user}/api/kernels/{kernel}/channels",
                self.token(user), code, timeout))
        finally:
            self.request("DELETE", user, f"/user/{user}/api/kernels/{kernel}")

    def terminal(self, user: str, server: str, command: str, timeout: float = 120) -> str:
        """Type ``command`` in a new terminal of a server (``/user/NAME/`` or ``/services/C/``)."""
        r = self.request("POST", user, f"{server}api/terminals")
        assert r.status_code == 200, r.text
        name = r.json()["name"]
        try:
            return in_thread(type_in_terminal(
                f"ws://127.0.0.1:{self.setup['ports']['public']}{server}terminals/websocket/{name}",
                self.token(user), command, timeout))
        finally:
            self.request("DELETE", user, f"{server}api/terminals/{name}")


async def execute(url: str, token: str, code: str, timeout: float) -> str:
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


async def type_in_terminal(url: str, token: str, command: str, timeout: float) -> str:
    """What a terminal prints for ``command``, up to a marker the shell prints after it."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    marker = uuid.uuid4().hex[:8]
    conn.write_message(json.dumps(["stdin", f"{command}; echo DONE-$((0x{marker}))\r"]))
    done, out = f"DONE-{int(marker, 16)}", ""
    try:
        while done not in out:
            msg = json.loads(await asyncio.wait_for(conn.read_message(), timeout))
            if msg[0] == "stdout":
                out += msg[1]
    finally:
        conn.close()
    return out


def down(state: Path, *options: str):
    return subprocess.run([sys.executable, str(RUN), "--state", str(state), "down", *options],
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def login(browser, hub: Hub, user: str, next_path: str, device: dict = LAPTOP):
    """A browser context of ``user``, logged in through the hub's login form, at ``next_path``."""
    context = browser.new_context(**device, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{hub.base}/hub/login?next={next_path}")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password(user))
    with page.expect_navigation():
        page.click("#login_submit")
    return page


def write_policy(hub: Hub, due: dt.datetime, extensions: dict[str, str]) -> None:
    """The deadlines.toml of ``hub.course`` for ``hub.lab``, as its instructor writes it.

    10 % of the score per started day late, at most 50 %; ``extensions`` maps a
    student to extra time ("P3D"). The file belongs to the course's grader account.
    """
    lab = hub.lab
    lines = ["[late]", 'per = "day"', "deduct_percent = 10", "max_deduct_percent = 50", "",
             f"[labs.{lab}]", f"due = {due.isoformat(timespec='seconds')}", "",
             f"[labs.{lab}.extensions]", *(f'"{s}" = "{extra}"' for s, extra in extensions.items())]
    path = Path(hub.setup["services"][hub.course]["course_dir"], "deadlines.toml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    grader = pwd.getpwnam(f"grader-{hub.course}")
    os.chown(path, grader.pw_uid, grader.pw_gid)
