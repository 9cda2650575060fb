"""JupyterHub configuration for the Reciprocity Online courses (JupyterHub 6, nbgrader 0.9).

``deploy/hub/run.py up`` writes ``STATE/hub/setup.json`` (ports, paths, tokens, the
roster) and starts ``jupyterhub -f`` this file with ``RECIPROCITY_HUB_STATE=STATE``.
Everything below is derived from that file, so one roster drives accounts, groups,
roles and services. The layout is nbgrader's "multiple classes" pattern:

* group ``nbgrader-<course>``: everyone taking or teaching the course (the
  assignment list shows the course, fetch and submit are allowed);
* group ``formgrade-<course>``: instructors and teaching assistants; the role of
  the same name gives access to the course's two services:
  ``<course>`` (nbgrader's formgrader, a single-user server running as the
  course's grader account ``grader-<course>``) and ``grade-<course>`` (the
  grading page: grade, release feedback, export; each student's kernel
  sandboxed; signed in through the hub's OAuth);
* group ``students-<course>``: the course's students;
* group ``instructors-<course>``: may also open the hub's admin page and see,
  start and stop the servers of the course's students (and nobody else's).

Students see only themselves: the default ``user`` role (``self``) is pinned
here, so a later JupyterHub default cannot widen it, and no role of theirs
lists or reads other users. Tokens made on the hub's token page or API expire
within a day, and the token page's *Permissions* field starts with the least
a token usually needs (``templates/hub/token.html``) instead of empty, which
would give the token all its owner's rights.

Nothing listens beyond 127.0.0.1 unless ``run.py up --ip`` says so.
"""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)

STATE = Path(os.environ["RECIPROCITY_HUB_STATE"])
setup = json.loads((STATE / "hub" / "setup.json").read_text())
ports = setup["ports"]
venv_bin = setup["venv_bin"]
courses = setup["courses"]

# --- network: the public proxy port, the hub and the proxy's API on loopback -------
c.JupyterHub.bind_url = f"{'https' if setup.get('ssl_cert') else 'http'}://{setup['ip']}:{ports['public']}"
if setup.get("ssl_cert"):
    c.JupyterHub.ssl_cert = setup["ssl_cert"]
    c.JupyterHub.ssl_key = setup["ssl_key"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = ports["hub"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.command = [setup["chp"]]
c.ConfigurableHTTPProxy.auth_token = setup["proxy_token"]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "hub" / "proxy.pid")

# --- state: PostgreSQL (Unix socket, peer authentication), secrets in STATE/hub ----
c.JupyterHub.db_url = setup["hub_db_url"]
c.JupyterHub.cookie_secret_file = str(STATE / "hub" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "hub" / "jupyterhub.pid")


def _load(name: str):
    """A module of deploy/hub, by file (deploy/hub is not a package on the hub's path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"hub_{name}", Path(setup["repo"]) / "deploy" / "hub" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- LTI mode (`run.py up --lti lti.toml`): the school's LMS logs people in ------------
def lti_mode(lti: dict) -> None:
    """LTI 1.3 logins (``reciprocity.lms``), and a Unix account for each person before their server starts.

    ``lti_config`` sets ltiauthenticator's LTI13Authenticator, ``allow_all`` (the
    launch hook decides who enters: linked LMS courses only), ``manage_groups``
    (a launch sets the person's course groups; the hub then refuses
    ``load_groups`` and its groups API) and the launch checks; ``auth_state``
    keeps each person's LTI id, encrypted with ``JUPYTERHUB_CRYPT_KEY`` (run.py).
    Before those checks, a launch whose username cannot be a local account of
    this hub is refused (nothing is recorded). The pre-spawn hook makes the
    person's account (run.py's ``lti_prepare_account``) in the Unix groups of
    the courses they are in, which is what lets their server read the courses'
    exchange folders.
    """
    import asyncio
    import threading

    from tornado.web import HTTPError

    from reciprocity.lms.authenticator import lti_config

    hub_run = _load("run")
    lti_config(c, {"lti_config": lti["config"], "https": lti["https"], "enable_auth_state": True})
    launch_checks = c.Authenticator.post_auth_hook

    async def unix_name_first(authenticator, handler, auth_model: dict) -> dict:
        problem = hub_run.lti_username_problem(STATE, auth_model["name"])
        if problem:
            authenticator.log.warning("LTI launch refused for %s: %s", auth_model["name"], problem)
            raise HTTPError(403, "%s", problem)
        return await launch_checks(authenticator, handler, auth_model)

    accounts = threading.Lock()  # one useradd/usermod at a time

    def prepare(name: str, member_of: list[str]) -> None:
        with accounts:
            hub_run.lti_prepare_account(STATE, name, member_of)

    async def account_before_spawn(spawner) -> None:
        member_of = [g.name.removeprefix("nbgrader-") for g in spawner.user.groups]
        member_of = sorted(m for m in member_of if m in setup["courses"])
        try:
            await asyncio.to_thread(prepare, spawner.user.name, member_of)
        except hub_run.SetupError as err:
            raise RuntimeError(str(err)) from None

    c.Authenticator.post_auth_hook = unix_name_first
    before_spawn.append(account_before_spawn)


before_spawn = []  # what the pre-spawn hook does, in order (LTI mode adds the account)

# --- who may log in: local accounts checked with PAM, or the LMS (LTI mode) -----------
# With PAM, accounts and passwords come from the roster (run.py up --roster FILE).
# A real deployment uses the institution's login instead (oauthenticator, or the LMS
# with `run.py up --lti`) and real accounts; see deploy/hub/README.md.
if setup.get("lti"):
    lti_mode(setup["lti"])
else:
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.open_sessions = False
    c.Authenticator.allowed_users = set(setup["people"])
c.Authenticator.admin_users = set()
# tokens from the token page or the API: a day at most (no "never expires")
c.JupyterHub.token_expires_in_max_seconds = 24 * 3600
# the token page's Permissions field starts narrow (JupyterHub's own page, extended)
c.JupyterHub.template_paths = [str(Path(setup["repo"]) / "deploy" / "hub" / "templates" / "hub")]

# --- single-user servers: one process per person, as that person's Unix account ------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{venv_bin}/jupyterhub-singleuser"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"

# each server's port from the hub, never the same for two servers (server_ports.py says why)
server_ports = _load("server_ports").ServerPorts("127.0.0.1")


async def pre_spawn(spawner) -> None:
    spawner.port = server_ports.take(f"{spawner.user.name}/{spawner.name}")
    for step in before_spawn:
        await step(spawner)


c.Spawner.pre_spawn_hook = pre_spawn


def due_sources(spawner) -> str:
    """The grading services that know this person's due dates: those of their courses (now)."""
    mine = {g.name.removeprefix("nbgrader-") for g in spawner.user.groups}
    return json.dumps({c: f"http://127.0.0.1:{info['grading_port']}/services/grade-{c}/"
                       for c, info in setup["services"].items() if c in mine})


c.Spawner.environment = {
    "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
    # nbgrader's exchange settings and the student-side extensions (etc/student/)
    "JUPYTER_CONFIG_PATH": str(STATE / "etc" / "student"),
    # the reciprocity-hub JupyterLab extension (due dates, save before submit, feedback pages)
    "JUPYTER_PATH": str(STATE / "share" / "jupyter"),
    # for reciprocity.grading.due_dates_extension: ask these services with the server's token
    "RECIPROCITY_DUE_SOURCES": due_sources,
}
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
c.JupyterHub.concurrent_spawn_limit = 10
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server
# a server that has not stopped 3 s after SIGINT gets SIGTERM, then SIGKILL (defaults: 10 s, 5 s)
c.LocalProcessSpawner.interrupt_timeout = 3
c.LocalProcessSpawner.term_timeout = 3

# --- groups and roles ------------------------------------------------------------------
groups, roles = {}, []
for course, people in courses.items():
    staff = sorted(set(people["instructors"] + people["tas"]))
    groups[f"nbgrader-{course}"] = {"users": sorted(set(staff + people["students"]))}
    groups[f"formgrade-{course}"] = {"users": staff}
    groups[f"instructors-{course}"] = {"users": people["instructors"]}
    groups[f"students-{course}"] = {"users": people["students"]}
    students = f"group=students-{course}"
    roles += [
        {"name": f"nbgrader-{course}", "groups": [f"nbgrader-{course}"],
         # the course list extension discovers the course through the services API;
         # the grading service answers members' api/due (their due dates) and refuses
         # everything else to anyone who is not on the course's staff
         "scopes": ["list:services", f"read:services!service={course}",
                    f"access:services!service=grade-{course}"]},
        {"name": f"formgrade-{course}", "groups": [f"formgrade-{course}"],
         "scopes": [f"access:services!service={course}",
                    f"access:services!service=grade-{course}"]},
        # the admin page, showing the course's students only: their servers, to start and stop
        {"name": f"instructors-{course}", "groups": [f"instructors-{course}"],
         "scopes": ["admin-ui", f"list:users!{students}", f"read:users!{students}",
                    f"servers!{students}"]},
    ]
if not setup.get("lti"):  # in LTI mode launches set the groups (their roles below create them)
    c.JupyterHub.load_groups = groups
roles += [
    # everyone: their own resources only (JupyterHub's default, pinned)
    {"name": "user", "scopes": ["self"]},
    # the token each single-user server holds: enough for nbgrader's JupyterHubAuthPlugin
    # to read its own user's groups (which courses they are in), and to ask the grading
    # services for its user's due dates (a token never holds more than its owner may)
    {"name": "server", "scopes": ["users:activity!user", "access:servers!server",
                                 "read:users:name!user", "read:users:groups!user",
                                 "list:services", "read:services",
                                 *(f"access:services!service=grade-{c}" for c in courses)]},
    # the operator's token (run.py roster, token, status): users, servers, group members, tokens
    {"name": "operator", "services": ["operator"],
     "scopes": ["admin:users", "admin:servers", "tokens", "groups", "list:services",
                "read:services"]},
]
c.JupyterHub.load_roles = roles

# --- services: per course a formgrader (as grader-<course>) and a grading page (root) -----
services = [{"name": "operator", "api_token": setup["operator_token"]}]
for course, info in setup["services"].items():
    services += [
        {"name": course, "url": f"http://127.0.0.1:{info['formgrader_port']}",
         "user": f"grader-{course}", "cwd": info["course_dir"],
         "command": [f"{venv_bin}/jupyterhub-singleuser",
                     f"--ServerApp.root_dir={info['home']}"],
         # the course's own settings (its Nbgrader menu) first, then every formgrader's;
         # the Services menu entry opens the formgrader itself, in the hub's tab
         "environment": {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
                         "JUPYTER_CONFIG_PATH": os.pathsep.join(
                             [info["settings"], str(STATE / "etc" / "grader")]),
                         "JUPYTERHUB_DEFAULT_URL": "/formgrader"},
         "api_token": info["formgrader_token"], "oauth_no_confirm": True},
        # the grading page; the Services menu opens it; its staff sign in with hub OAuth
        {"name": f"grade-{course}", "url": f"http://127.0.0.1:{info['grading_port']}",
         "display": True, "info": {"description": f"Grading page of {course}"},
         "command": [f"{venv_bin}/python", setup["grading_service"], "--course", course],
         "environment": {"RECIPROCITY_HUB_STATE": str(STATE), "LANG": "C.UTF-8"},
         "api_token": info["grading_token"], "oauth_no_confirm": True},
    ]
c.JupyterHub.services = services
# nbgrader's formgrader links a lab's name and its Preview to /tree/<course>/... at the root
# of the site (it ignores the server's base URL): each course's grading service answers
# those paths with a redirect into the course's formgrader server
c.Proxy.extra_routes = {f"/{kind}/{course}/": f"http://127.0.0.1:{info['grading_port']}"
                        for course, info in setup["services"].items()
                        for kind in ("tree", "notebooks", "edit")}
