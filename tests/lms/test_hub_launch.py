"""LTI 1.3 launches from the emulated LMS into a real, small JupyterHub: groups if honest, refusals if forged.

The hub (JupyterHub 6 with ltiauthenticator's LTI13Authenticator, configured
by ``reciprocity.lms.authenticator.lti_config``, SQLite, no spawner use) runs
in a subprocess; the LMS runs in this process. A ``requests`` session plays
the browser through the whole OIDC flow: the LMS link, the hub's login
initiation, the LMS's authorization endpoint, and the form post of the
signed id_token to the hub. The hub's REST API (a service token with
``admin:users``, ``admin:auth_state`` and ``groups``) shows who exists, in
which groups, with which auth_state.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from reciprocity.lms import grades
from reciprocity.lms.config import LtiConfig
from reciprocity.lms.launches import LaunchRecords
from reciprocity.lms.roles import INSTRUCTOR
from tests.lms.conftest import LAB, open_school, sub_of, write_lti_toml
from tests.support.common import ROOT
from tests.support.lti_platform import Forgery, Platform, open_link, shown

pytestmark = pytest.mark.lti

CHP = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
HUB_CONFIG = """
from reciprocity.lms.authenticator import lti_config

c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "{hub_url}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
c.ConfigurableHTTPProxy.command = ["{chp}"]
c.ConfigurableHTTPProxy.auth_token = "{proxy_token}"
c.ConfigurableHTTPProxy.pid_file = "{state}/proxy.pid"
c.JupyterHub.db_url = "sqlite:///{state}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.pid_file = "{state}/hub.pid"
c.JupyterHub.spawner_class = "simple"
lti_config(c, {{"lti_config": "{lti_toml}", "enable_auth_state": True}})
c.JupyterHub.services = [{{"name": "checker", "api_token": "{api_token}"}}]
c.JupyterHub.load_roles = [{{"name": "checker", "services": ["checker"],
                            "scopes": ["admin:users", "admin:auth_state", "groups"]}}]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    url: str
    lms: Platform
    config: LtiConfig
    api_token: str
    log: Path

    def api(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}/hub/api{path}", headers={"Authorization": f"token {self.api_token}"},
                            timeout=30)

    def user(self, name: str) -> dict | None:
        reply = self.api(f"/users/{name}")
        return None if reply.status_code == 404 else reply.json()

    def memberships(self) -> dict[str, list[str]]:
        return {g["name"]: sorted(g["users"]) for g in self.api("/groups").json()}


@pytest.fixture(scope="module")
def hub(tool_key, tmp_path_factory):
    state = tmp_path_factory.mktemp("hub")
    ports = {"public": free_port(), "hub": free_port(), "proxy_api": free_port()}
    hub_url = f"http://127.0.0.1:{ports['public']}"
    lms = open_school(tool_key, hub_url)
    config = write_lti_toml(state / "lti.toml", lms, tool_key, state / "lti")
    api_token = secrets.token_hex(32)
    (state / "jupyterhub_config.py").write_text(HUB_CONFIG.format(
        hub_url=hub_url, hub_port=ports["hub"], proxy_api=ports["proxy_api"], chp=CHP, state=state,
        proxy_token=secrets.token_hex(32), lti_toml=state / "lti.toml", api_token=api_token))
    env = {**os.environ, "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32)}
    log = state / "hub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f",
                                 str(state / "jupyterhub_config.py")], cwd=state, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    hub = Hub(hub_url, lms, config, api_token, log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if hub.api("/").status_code == 200:
                    break
            time.sleep(0.1)
        else:
            pytest.fail(f"the hub did not start; its log:\n{log.read_text()[-4000:]}")
        yield hub
    finally:
        proc.terminate()  # the hub stops the proxy it started
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proxy = state / "proxy.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int(proxy.read_text()), signal.SIGTERM)  # left only if the hub was killed
        lms.close()


def launch(hub: Hub, username: str, context: str, forgery: Forgery | None = None) -> requests.Response:
    """A person's whole launch from the LMS course ``context``; the hub's answer to the id_token."""
    session = requests.Session()
    form = open_link(session, hub.lms.launch_url(sub_of(username), context, forgery or Forgery()))
    return session.post(form.action, data=form.fields, allow_redirects=False, timeout=30)


def test_honest_launches_put_people_in_their_courses_groups(hub):
    for username, context in (("ines", "ctx-a"), ("tariq", "ctx-a"), ("s01", "ctx-a"), ("s04", "ctx-a"),
                              ("s04", "ctx-b"), ("ivo", "ctx-b")):
        reply = launch(hub, username, context)
        assert (reply.status_code, reply.headers.get("location")) == (302, "/hub/home"), shown(reply)
        assert "jupyterhub-session-id" in reply.headers.get("set-cookie", "")
    groups = {name: sorted(hub.user(name)["groups"]) for name in ("ines", "tariq", "s01", "s04", "ivo")}
    assert groups == {
        "ines": ["formgrade-reciprocity-a", "instructors-reciprocity-a", "nbgrader-reciprocity-a"],
        "tariq": ["formgrade-reciprocity-a", "nbgrader-reciprocity-a"],
        "s01": ["nbgrader-reciprocity-a", "students-reciprocity-a"],
        # in two LMS courses: in both
        "s04": ["nbgrader-reciprocity-a", "nbgrader-reciprocity-b", "students-reciprocity-a",
                "students-reciprocity-b"],
        "ivo": ["formgrade-reciprocity-b", "instructors-reciprocity-b", "nbgrader-reciprocity-b"],
    }
    state = hub.user("s04")["auth_state"]
    assert state["lti_sub"] == sub_of("s04")
    assert state["courses"]["reciprocity-b"] == {
        "role": "student", "context_id": "ctx-b", "deployment_id": "dep-b", "client_id": "tool-b",
        "lineitems_url": hub.lms.lineitems_url("ctx-b"), "nrps_url": hub.lms.memberships_url("ctx-b"),
        "ags_scopes": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                       "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                       "https://purl.imsglobal.org/spec/lti-ags/scope/score"]}


def test_grades_reach_the_lms_for_the_people_who_launched(hub, new_gradebook):
    for username in ("ines", "s02", "s03"):
        assert launch(hub, username, "ctx-a").status_code == 302
    db = new_gradebook({"s02": (20, None), "s03": (15, 11)})
    report = grades.post_lab_grades(hub.config, "reciprocity-a", LAB, db)
    assert report.posted == ["s02", "s03"]
    scores = hub.lms.scores("ctx-a", LAB)
    assert {sub: (s["scoreGiven"], s["gradingProgress"]) for sub, s in scores.items()} == {
        sub_of("s02"): (20, "PendingManual"), sub_of("s03"): (26, "FullyGraded")}


REFUSED = {  # case -> (who, LMS course, forgery, status, what the page says)
    "wrong signature": ("s01", "ctx-a", Forgery(sign_with="stranger-with-platform-kid"), 400,
                        "Signature verification failed"),
    "expired token": ("s01", "ctx-a", Forgery(expires_in=-120), 400, "Signature has expired"),
    "unknown issuer": ("s01", "ctx-a", Forgery(issuer="https://lms.elsewhere.example"), 400, "Invalid issuer"),
    "unknown deployment": ("s01", "ctx-a", Forgery(deployment_id="dep-unknown"), 403,
                           "comes through deployment 'dep-unknown', which this hub does not know"),
    "learner forging instructor": ("s02", "ctx-a", Forgery(sign_with="stranger", roles=(INSTRUCTOR,)), 400,
                                   "Unable to find a signing key that matches"),
    "learner made instructor by the platform": ("s02", "ctx-a", Forgery(roles=(INSTRUCTOR,)), 403,
                                                "roster of reciprocity-a gives you the role student, but this "
                                                "launch claims instructor"),
    "student of A into B": ("s01", "ctx-b", Forgery(enrolled_only=False), 403,
                            "roster of reciprocity-b does not list you as an active member"),
    "student of A into B through A's deployment": ("s01", "ctx-b", Forgery(enrolled_only=False,
                                                                            deployment_id="dep-a"), 403,
                                                   "Deployment 'dep-a' may not launch into reciprocity-b"),
    "unlinked LMS course": ("s07", "ctx-c", Forgery(), 403,
                            'The LMS course "Unlinked" (LTI context id ctx-c) is not connected'),
}


@pytest.mark.parametrize("case", REFUSED)
def test_forged_launches_are_refused_and_leave_nothing_behind(hub, case):
    username, context, forgery, status, message = REFUSED[case]
    existed = hub.user(username)
    groups = hub.memberships()
    records = LaunchRecords(hub.config.launches_path)
    before = records.store.read()
    reply = launch(hub, username, context, forgery)
    assert reply.status_code == status, shown(reply)
    assert message in shown(reply)
    assert "jupyterhub-session-id" not in reply.headers.get("set-cookie", "")
    assert hub.user(username) == existed  # not created, nor changed
    assert hub.memberships() == groups
    after = records.store.read()
    assert after.get("people") == before.get("people") and after.get("courses") == before.get("courses")


def test_a_replayed_launch_is_refused(hub):
    session = requests.Session()
    form = open_link(session, hub.lms.launch_url(sub_of("s03"), "ctx-a"))
    first = session.post(form.action, data=form.fields, allow_redirects=False, timeout=30)
    assert first.status_code == 302
    before, groups = hub.user("s03"), hub.memberships()
    # the whole request again, cookies included: ltiauthenticator's own state and nonce checks pass
    thief = requests.Session()
    thief.cookies.update(form.cookies)
    replay = thief.post(form.action, data=form.fields, allow_redirects=False, timeout=30)
    assert replay.status_code == 403, shown(replay)
    assert "This launch was already used" in shown(replay)
    assert "jupyterhub-session-id" not in replay.headers.get("set-cookie", "")
    assert (hub.user("s03"), hub.memberships()) == (before, groups)


def test_leaving_an_lms_course_takes_the_person_out_of_it_at_their_next_launch(hub):
    for context in ("ctx-a", "ctx-b"):
        assert launch(hub, "s04", context).status_code == 302
    records = LaunchRecords(hub.config.launches_path)
    assert set(records.memberships("s04")) == {"reciprocity-a", "reciprocity-b"}
    hub.lms.withdraw("ctx-b", sub_of("s04"))
    try:
        assert launch(hub, "s04", "ctx-a").status_code == 302
        assert sorted(hub.user("s04")["groups"]) == ["nbgrader-reciprocity-a", "students-reciprocity-a"]
        assert set(hub.user("s04")["auth_state"]["courses"]) == {"reciprocity-a"}
        assert records.memberships("s04") == {"reciprocity-a": "student"}
        assert "s04" not in records.course_members("reciprocity-b")
        assert "s04 is no longer an active member of reciprocity-b" in hub.log.read_text()
        # and the LMS's roster keeps them out of B
        reply = launch(hub, "s04", "ctx-b")
        assert reply.status_code == 403 and "does not list you as an active member" in shown(reply)
    finally:
        hub.lms.enrol("ctx-b", sub_of("s04"), "student")
    assert launch(hub, "s04", "ctx-b").status_code == 302
    assert set(records.memberships("s04")) == {"reciprocity-a", "reciprocity-b"}


def test_a_role_changed_in_the_lms_is_taken_up_at_the_next_launch_from_another_course(hub):
    hub.lms.enrol("ctx-a", sub_of("s05"), "student")
    for context in ("ctx-a", "ctx-b"):
        assert launch(hub, "s05", context).status_code == 302
    hub.lms.enrol("ctx-a", sub_of("s05"), "ta")  # made a TA of course A in the LMS
    try:
        assert launch(hub, "s05", "ctx-b").status_code == 302
        assert sorted(hub.user("s05")["groups"]) == ["formgrade-reciprocity-a", "nbgrader-reciprocity-a",
                                                     "nbgrader-reciprocity-b", "students-reciprocity-b"]
        assert hub.user("s05")["auth_state"]["courses"]["reciprocity-a"]["role"] == "ta"
    finally:
        hub.lms.withdraw("ctx-a", sub_of("s05"))
    assert launch(hub, "s05", "ctx-b").status_code == 302
    assert sorted(hub.user("s05")["groups"]) == ["nbgrader-reciprocity-b", "students-reciprocity-b"]
