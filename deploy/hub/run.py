#!/usr/bin/env python3
"""Course in a box: JupyterHub, the nbgrader exchange and PostgreSQL for the Reciprocity Online labs.

Run as root, with the project's Python (it needs jupyterhub and nbgrader)::

    sudo .venv/bin/python deploy/hub/run.py up      # start everything, print the address
    sudo .venv/bin/python deploy/hub/run.py status  # what runs, where
    sudo .venv/bin/python deploy/hub/run.py roster  # apply an edited roster to the running hub
    sudo .venv/bin/python deploy/hub/run.py token USER [--scope S]  # a short-lived API token
    sudo .venv/bin/python deploy/hub/run.py down    # stop everything
    sudo .venv/bin/python deploy/hub/run.py down --purge   # back up the gradebooks, ask, delete

``up`` reads the roster (``deploy/hub/roster.toml``: courses, their instructors,
teaching assistants and students, and people's names) and, in the state
folder (``--state``, default ``/srv/reciprocity-hub``):

* creates a local Unix account per person, one ``grader-<course>`` account per
  course and a Unix group ``nbgrader-<course>`` per course (accounts are marked
  with the comment "reciprocity-hub" and never taken over if they exist
  without it); passwords go to ``STATE/hub/passwords.txt`` (root only);
* starts PostgreSQL as the ``postgres`` user on a Unix socket only (no TCP),
  with peer authentication: root's hub connects as ``jupyterhub``, each
  course's grader account (and root, for the grading service) as its own
  gradebook's owner; nobody else is mapped to any role;
* lays out each course directory (``STATE/homes/grader-<course>/<course>``:
  the repository's ``nbgrader_config.py`` plus ``course_nbgrader_config.py``,
  and ``solutions/``), the exchange (``STATE/exchange``, one folder per
  course readable by its Unix group only), and puts every student, with
  their name, in the course's gradebook (so that students who never submit
  appear in the formgrader and the exports);
* starts JupyterHub (``jupyterhub_config.py``) with configurable-http-proxy,
  installing the proxy with ``npm install`` in the repository if it is
  missing, and removes from the hub anyone no longer on the roster.

Everything listens on 127.0.0.1 unless ``--ip`` says otherwise (use TLS then:
``--ssl-cert``/``--ssl-key``).

LTI mode: the school's LMS logs people in (LTI 1.3; ``reciprocity.lms``)::

    sudo .venv/bin/python deploy/hub/run.py up --lti /srv/reciprocity-hub/lti.toml [--public-https]

The courses, and their grader accounts, come from ``lti.toml``'s
``[courses]``; there is no roster and no password. A launch from an LMS course
puts the person in that course's hub groups with their LMS role, and their
local account is made when their first server starts (``lti_prepare_account``,
the hub's ``Spawner.pre_spawn_hook``). Everything else is as above. ``status``,
``token`` and ``down`` work the same; ``roster`` reads each course's LMS roster
into its gradebook.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import grp
import importlib.util
import itertools
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

from reciprocity.grading.gradebook import enrol_students, pg_bin
from reciprocity.grading.kernelspec import install_kernel, installation_problem
from reciprocity.grading.settings import PLAIN_KERNEL, SANDBOX_KERNEL

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent
CHP = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
LAB_BUILDER = REPO / "node_modules" / "@jupyterlab" / "builder"
LABEXTENSION = HERE / "labextension"  # an npm workspace of the repository's package.json
LABEXTENSION_BUILD = REPO / "build" / "hub-labextension" / "reciprocity-hub"  # its outputDir
MARKER = "reciprocity-hub"
NAME_OK = set(string.ascii_lowercase + string.digits + "-")
DB_USER = "postgres"
MATHJAX_BUILD = "tex-svg.js"
# the first JupyterLab layout of everyone's server: nbgrader's assignment list, open
ASSIGNMENT_LIST = "nbgrader-assignment-list:nbgrader-assignment-list"
PERSON_FIELDS = ("first_name", "last_name", "email", "lms_user_id")


class SetupError(RuntimeError):
    """Something the operator must fix; the message says what."""


def say(*args):
    print("[hub]", *args, flush=True)


def sh(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


# --------------------------------------------------------------------- prerequisites
def missing_prerequisites(sandbox: bool = True) -> list[str]:
    """What this machine lacks to run the hub, each with its fix (empty: all there)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root rights (the hub spawns servers as local accounts and creates them): "
                       "run with sudo")
    if pg_bin() is None:
        missing.append("PostgreSQL server binaries: `sudo apt-get install postgresql`")
    else:
        try:
            pwd.getpwnam(DB_USER)
        except KeyError:
            missing.append("the `postgres` account (created by Debian's postgresql package)")
    if not CHP.exists() and not (shutil.which("node") and shutil.which("npm")):
        missing.append("Node.js and npm, for configurable-http-proxy: `sudo apt-get install nodejs npm`")
    for tool in ("useradd", "usermod", "userdel", "groupadd", "chpasswd"):
        if not shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin"):
            missing.append(f"`{tool}` (package passwd)")
    for module in ("jupyterhub", "nbgrader", "psycopg"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module}: run this script with the project's Python "
                           "(.venv/bin/python, after `make install`)")
    for folder in {REPO, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}:
        closed = next((p for p in (folder, *folder.parents) if not p.stat().st_mode & 0o001), None)
        if closed:
            missing.append(f"{closed} is closed to other accounts, but everyone's server runs "
                           f"Python and the course package from {folder}: put the clone and its "
                           "Python outside folders such as /root, or `chmod o+x` it")
    if sandbox and not Path("/usr/bin/bwrap").exists():
        missing.append("bubblewrap, for the grading sandbox: `sudo apt-get install bubblewrap` "
                       "(or `up --no-sandbox` on a throwaway machine)")
    return missing


def ensure_proxy() -> None:
    """configurable-http-proxy, and the builder of the hub's JupyterLab extension (npm, once)."""
    if CHP.exists() and LAB_BUILDER.exists():
        return
    say("installing configurable-http-proxy and @jupyterlab/builder (npm install in the repository)")
    sh(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=REPO)
    for needed in (CHP, LAB_BUILDER):
        if not needed.exists():
            raise SetupError(f"npm install did not provide {needed}")


def install_labextension(share: Path) -> None:
    """JupyterLab's ``reciprocity-hub`` extension, built (if its sources changed) into ``share``.

    It shows students their due dates, saves before Submit and opens feedback
    as a page (deploy/hub/labextension/lib/index.js). Built offline against the
    installed JupyterLab's own package file; servers find it through JUPYTER_PATH.
    """
    import jupyterlab

    sources = [p for p in LABEXTENSION.rglob("*") if p.is_file()]
    stamp = LABEXTENSION_BUILD / "package.json"
    if not stamp.exists() or max(p.stat().st_mtime for p in sources) > stamp.stat().st_mtime:
        core = Path(jupyterlab.__file__).parent / "staging" / "package.json"
        say("building the hub's JupyterLab extension")
        sh([str(VENV_BIN / "jupyter"), "labextension", "build", str(LABEXTENSION),
            f"--core-package-file={core}"], stdout=subprocess.DEVNULL,
           env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"})
    target = share / "labextensions" / LABEXTENSION_BUILD.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(LABEXTENSION_BUILD, target)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------- roster
def load_roster(path: Path) -> tuple[dict[str, dict[str, list[str]]], dict[str, dict[str, str]]]:
    """(course -> instructors/tas/students, person -> first_name/last_name/email/lms_user_id)."""
    data = tomllib.loads(path.read_text())
    courses = {}
    for course, people in data.get("courses", {}).items():
        entry = {k: sorted(set(people.get(k, []))) for k in ("instructors", "tas", "students")}
        for name in [course, *itertools.chain.from_iterable(entry.values())]:
            if not name or set(name) - NAME_OK or not name[0].isalpha() or len(name) > 24:
                raise SetupError(f"{path}: {name!r} is not a valid name (lowercase letters, "
                                 "digits and '-', starting with a letter, at most 24 characters)")
        courses[course] = entry
    if not courses:
        raise SetupError(f"{path}: no [courses.NAME] tables")
    names = {}
    for person, info in data.get("people", {}).items():
        if not isinstance(info, dict) or set(info) - set(PERSON_FIELDS):
            raise SetupError(f"{path}: [people] {person} = {{ ... }} takes only "
                             f"{', '.join(PERSON_FIELDS)}")
        names[person] = {k: str(v) for k, v in info.items()}
    return courses, names


# -------------------------------------------------------------------------- accounts
def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        sh(["groupadd", name])


def ensure_account(name: str, home: Path, groups: list[str], shell="/bin/bash") -> pwd.struct_passwd:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        sh(["useradd", "--comment", MARKER, "--home-dir", str(home), "--no-create-home",
            "--user-group", "--shell", shell, *(["--groups", ",".join(groups)] if groups else []),
            name])
    else:
        if entry.pw_gecos.split(",")[0] != MARKER:
            raise SetupError(f"account {name!r} exists and was not made by this script "
                             f"(its comment is not {MARKER!r}); rename the person in the roster")
        sh(["usermod", "--home", str(home), "--groups", ",".join(groups), name])
    entry = pwd.getpwnam(name)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)  # nobody reads anyone else's home
    return entry


def ensure_people(state: Path, courses: dict, old: dict) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Accounts for everyone on the roster (with their courses' Unix groups) and the graders.

    People who were on an earlier roster (``old``, the previous setup) but are
    no longer lose their courses' groups; their account and home stay until
    ``down --purge``. Returns (person -> Unix groups, person -> password).
    """
    member_of: dict[str, list[str]] = {}
    for course, people in courses.items():
        ensure_group(f"nbgrader-{course}")
        for person in itertools.chain.from_iterable(people.values()):
            member_of.setdefault(person, []).append(f"nbgrader-{course}")
    for person, groups in sorted(member_of.items()):
        ensure_account(person, state / "homes" / person, groups)
    for person in sorted(set(old.get("people", [])) - set(member_of)):
        try:
            pwd.getpwnam(person)
        except KeyError:
            continue
        ensure_account(person, state / "homes" / person, [])
    for course in courses:
        ensure_account(f"grader-{course}", state / "homes" / f"grader-{course}",
                       [f"nbgrader-{course}"])
    for person in sorted(member_of):
        first_layout(person)
    passwords = {p: old.get("passwords", {}).get(p) or secrets.token_urlsafe(12) for p in member_of}
    set_passwords(passwords)
    (state / "hub" / "passwords.txt").write_text(
        "".join(f"{user} {pw}\n" for user, pw in sorted(passwords.items())))
    return member_of, passwords


def first_layout(person: str) -> None:
    """Open nbgrader's assignment list in a person's JupyterLab until they save a layout of their own.

    Writes JupyterLab's ``default`` workspace (what ``/lab`` restores) into the
    person's ``~/.jupyter/lab/workspaces``, as the person, and only if they have
    none yet; without it students land on an empty Launcher.
    """
    from jupyterlab_server.workspaces_handler import WORKSPACE_EXTENSION, slugify

    entry = pwd.getpwnam(person)
    layout = {"data": {
        "layout-restorer:data": {
            "main": {"dock": {"type": "tab-area", "currentIndex": 0, "widgets": [ASSIGNMENT_LIST]},
                     "current": ASSIGNMENT_LIST},
            "left": {"collapsed": False, "visible": True, "current": "filebrowser",
                     "widgets": ["filebrowser"]}},
        ASSIGNMENT_LIST: {"data": {}}},
        "metadata": {"id": "default"}}
    folder = Path(entry.pw_dir) / ".jupyter" / "lab" / "workspaces"
    # as the person (root would follow links they made); an existing layout is kept
    sh(["/bin/sh", "-c", 'mkdir -p "$1" && { [ -e "$1/$2" ] || cat > "$1/$2"; }', "sh",
        str(folder), slugify("default") + WORKSPACE_EXTENSION],
       input=json.dumps(layout), text=True, user=entry.pw_uid, group=entry.pw_gid,
       extra_groups=[], cwd=entry.pw_dir, env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir})


def set_passwords(passwords: dict[str, str]) -> None:
    if not passwords:
        return
    lines = "".join(f"{user}:{pw}\n" for user, pw in passwords.items())
    sh(["chpasswd"], input=lines, text=True)


def remove_account(name: str) -> None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos.split(",")[0] == MARKER:
        sh(["userdel", name], check=False, stderr=subprocess.DEVNULL)


# -------------------------------------------------------------------------- postgres
def as_postgres(cmd, **kw):
    entry = pwd.getpwnam(DB_USER)
    kw.setdefault("env", {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp"})
    return sh(cmd, user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd="/", **kw)


def start_postgres(state: Path, courses) -> dict:
    bindir = pg_bin()
    pg = state / "pg"
    data, run = pg / "data", pg / "run"
    entry = pwd.getpwnam(DB_USER)
    pg.mkdir(exist_ok=True)
    for folder, mode in ((data, 0o700), (run, 0o755)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        folder.chmod(mode)
    if not (data / "PG_VERSION").exists():
        say("initialising PostgreSQL in", data)
        as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", DB_USER, "-E", "UTF8",
                     "--auth=peer", "--no-sync"], stdout=subprocess.DEVNULL)
    # who may connect: peer authentication (the connecting process's Unix account),
    # mapped by pg_ident.conf; nothing else, and no TCP at all (listen_addresses='')
    hba = [f"local all {DB_USER} peer map=course", "local jupyterhub jupyterhub peer map=course"]
    ident = [f"course root {DB_USER}", f"course {DB_USER} {DB_USER}", "course root jupyterhub"]
    for course in courses:
        role = f"grader-{course}"
        hba.append(f"local {gradebook_db(course)} {role} peer map=course")
        ident += [f"course root {role}", f"course {role} {role}"]
    (data / "pg_hba.conf").write_text("# written by deploy/hub/run.py\n" + "\n".join(hba) + "\n")
    (data / "pg_ident.conf").write_text("# written by deploy/hub/run.py\n" + "\n".join(ident) + "\n")
    os.chown(data / "pg_hba.conf", entry.pw_uid, entry.pw_gid)
    os.chown(data / "pg_ident.conf", entry.pw_uid, entry.pw_gid)
    options = f"-k {run} -c listen_addresses=''"
    as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                 str(data / "server.log"), "-w", "-t", "60", "start"], stdout=subprocess.DEVNULL)
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=str(run), user=DB_USER, dbname="postgres", autocommit=True) as conn:
        owners = {"jupyterhub": "jupyterhub"}
        owners.update({gradebook_db(c): f"grader-{c}" for c in courses})
        for db, role in owners.items():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(db), sql.Identifier(role)))
                conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(db)))
    return {"bin": str(bindir), "data": str(data), "socket": str(run)}


def stop_postgres(pg: dict) -> None:
    if Path(pg["data"], "postmaster.pid").exists():
        as_postgres([str(Path(pg["bin"]) / "pg_ctl"), "-D", pg["data"], "-m", "fast", "-w",
                     "-t", "60", "stop"], check=False, stdout=subprocess.DEVNULL)


def gradebook_db(course: str) -> str:
    return "gradebook_" + course.replace("-", "_")


def db_url(user: str, db: str, socket_dir: str) -> str:
    return f"postgresql+psycopg://{user}@/{db}?host={socket_dir}"


# --------------------------------------------------------------------------- courses
def write_from_template(template: Path, target: Path, prefix: str = "", **values) -> None:
    target.write_text(prefix + string.Template(template.read_text()).substitute(values))


def jupyter_settings(folder: Path, disabled_server: list[str], disabled_lab: list[str],
                     static: list[str] = (), enabled_server: list[str] = ()) -> None:
    """Server extensions and JupyterLab plugins for one kind of server; no calls to the internet.

    ``static``: folders the server also serves, without sign-in, under its ``static/`` URL.
    """
    folder.mkdir(parents=True, exist_ok=True)
    extensions = {name: False for name in disabled_server} | {name: True for name in enabled_server}
    server = {"ServerApp": {"jpserver_extensions": extensions,
                            # a terminal's shell keeps the server's environment (the course's
                            # Python first on PATH); a login shell would reset PATH from /etc/profile
                            "terminado_settings": {"shell_command": ["/bin/bash"]},
                            "extra_static_paths": list(static)},
              "LabApp": {"extension_manager": "readonly", "news_url": None,
                         "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
              # the grading sandbox's kernel is for nbgrader's autograde, not the launcher
              "KernelSpecManager": {"allowed_kernelspecs": [PLAIN_KERNEL]}}
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    (folder / "labconfig").mkdir(exist_ok=True)
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in disabled_lab}}, indent=1))


def install_mathjax(static: Path) -> None:
    """MathJax 3 (SVG output: no font files) for the formgrader and feedback pages, from npm's copy."""
    source = REPO / "node_modules" / "mathjax"
    if not (source / "es5" / MATHJAX_BUILD).exists():
        raise SetupError(f"{source / 'es5' / MATHJAX_BUILD} is missing; run `npm install` in {REPO}")
    target = static / "reciprocity" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "es5" / MATHJAX_BUILD, target / MATHJAX_BUILD)
    shutil.copy2(source / "LICENSE", target / "LICENSE")
    # TeX packages MathJax loads on first use (e.g. \boldsymbol), next to the script as it expects
    shutil.copytree(source / "es5" / "input" / "tex" / "extensions",
                    target / "input" / "tex" / "extensions", dirs_exist_ok=True)


def grader_settings(state: Path, course: str) -> Path:
    """The course's formgrader service's own settings: its Nbgrader menu and MathJax templates.

    JupyterHub forbids framing (nbgrader #1870), so nbgrader's in-Lab formgrader
    tab stays blank: its plugins are off on the grader's server and this menu
    opens the formgrader, and the grading page, in tabs of their own. The
    templates replace nbconvert's mathjax macro (a CDN) in nbgrader's feedback and
    formgrader pages with MathJax served by this course's formgrader.
    """
    folder = state / "etc" / f"grader-{course}"
    lab_settings = folder / "lab-settings"
    lab_settings.mkdir(parents=True, exist_ok=True)
    (folder / "jupyter_server_config.json").write_text(json.dumps(
        {"LabApp": {"app_settings_dir": str(lab_settings)}}, indent=1))

    def new_tab(url: str, text: str, rank: int) -> dict:
        return {"command": "help:open", "rank": rank,
                "args": {"url": url, "text": text, "newBrowserTab": True}}

    menu = {"id": "jp-mainmenu-nbgrader", "label": "Nbgrader", "rank": 1000, "items": [
        new_tab(f"/services/{course}/formgrader", "Formgrader (new tab)", 1),
        new_tab(f"/services/grade-{course}/", "Grading page (new tab)", 2),
        {"command": "nbgrader:open-create-assignment", "rank": 3}]}
    (lab_settings / "overrides.json").write_text(json.dumps(
        {"@jupyterlab/mainmenu-extension:plugin": {"menus": [menu]}}, indent=1))
    url = f"/services/{course}/static/reciprocity/mathjax/{MATHJAX_BUILD}"
    macro = (HERE / "templates" / "mathjax.html.j2").read_text().replace("@MATHJAX_URL@", url)
    for template in ("feedback", "formgrade"):  # nbgrader's two nbconvert templates
        (folder / "nbconvert" / template).mkdir(parents=True, exist_ok=True)
        (folder / "nbconvert" / template / "mathjax.html.j2").write_text(macro)
    return folder


def prepare_course(state: Path, course: str, socket_dir: str, exchange: Path,
                   sandbox: bool = True) -> dict:
    grader = pwd.getpwnam(f"grader-{course}")
    home = Path(grader.pw_dir)
    course_dir = home / course
    course_dir.mkdir(exist_ok=True)
    if not (course_dir / "solutions").exists():
        shutil.copytree(REPO / "solutions", course_dir / "solutions")
    url = db_url(f"grader-{course}", gradebook_db(course), socket_dir)
    settings = grader_settings(state, course)
    write_from_template(HERE / "course_nbgrader_config.py", course_dir / "nbgrader_config.py",
                        prefix=(REPO / "nbgrader_config.py").read_text() + "\n\n",
                        course=course, course_dir=str(course_dir), db_url=url,
                        exchange=str(exchange), kernel=SANDBOX_KERNEL if sandbox else PLAIN_KERNEL,
                        templates=str(settings / "nbconvert"))
    sh(["chown", "-R", "-P", f"{grader.pw_uid}:{grader.pw_gid}", str(home)])
    # the course's exchange folder: its grader writes, its Unix group reads, nobody else
    ex = exchange / course
    ex.mkdir(exist_ok=True)
    os.chown(ex, grader.pw_uid, grp.getgrnam(f"nbgrader-{course}").gr_gid)
    ex.chmod(0o750)
    return {"home": str(home), "course_dir": str(course_dir), "db_url": url,
            "settings": str(settings),
            "formgrader_port": free_port(), "grading_port": free_port(),
            "formgrader_token": secrets.token_hex(32), "grading_token": secrets.token_hex(32)}


def enrol(courses: dict, names: dict, services: dict) -> None:
    """Every student of each course, with their name, into the course's gradebook.

    Students who never submit then appear in the formgrader and in every
    export; students dropped from the roster stay in the gradebook (their
    grades are kept).
    """
    for course, people in courses.items():
        missing = [s for s in people["students"] if not names.get(s, {}).get("last_name")]
        if missing:
            say(f"  {course}: no name in [people] for {', '.join(missing)}; the gradebook lists "
                "them by username")
        count = enrol_students(services[course]["db_url"], course,
                               {s: names.get(s, {}) for s in people["students"]})
        say(f"  {course}: {count} student(s) in the gradebook")


def sync_hub(setup: dict) -> None:
    """Make the running hub's users and group members those of the roster in ``setup``.

    JupyterHub adds users at start but never removes anyone (and keeps
    everyone it has seen allowed to log in): people no longer on the roster are
    deleted from the hub, and group members follow the roster.
    """
    wanted_groups = hub_groups(setup["courses"])
    present = set(_user_names(setup))
    people = set(setup["people"])
    new = sorted(people - present)
    if new:
        _api(setup, "POST", "/users", {"usernames": new})
    for gone in sorted(present - people):
        _api(setup, "DELETE", f"/users/{gone}")
    for group, members in wanted_groups.items():
        try:
            have = set(_api(setup, "GET", f"/groups/{group}")["users"])
        except urllib.error.HTTPError:
            _api(setup, "POST", f"/groups/{group}")
            have = set()
        if set(members) - have:
            _api(setup, "POST", f"/groups/{group}/users", {"users": sorted(set(members) - have)})
        if have - set(members):
            _api(setup, "DELETE", f"/groups/{group}/users", {"users": sorted(have - set(members))})
    if new or present - people:
        say(f"hub: {len(new)} added, {len(present - people)} removed")


def hub_groups(courses: dict) -> dict[str, list[str]]:
    """The hub's groups for a roster (``jupyterhub_config.py`` loads the same at start)."""
    groups = {}
    for course, people in courses.items():
        staff = sorted(set(people["instructors"] + people["tas"]))
        groups[f"nbgrader-{course}"] = sorted(set(staff + people["students"]))
        groups[f"formgrade-{course}"] = staff
        groups[f"instructors-{course}"] = list(people["instructors"])
        groups[f"students-{course}"] = list(people["students"])
    return groups


# -------------------------------------------------------------------------- LTI mode
# `up --lti lti.toml`: the school's LMS logs people in (reciprocity.lms, with
# jupyterhub-ltiauthenticator). There is no roster and no password: the courses, and
# their grader accounts, come from lti.toml's [courses]; a person's hub groups come
# from their launches (the authenticator manages them); their Unix account is made
# when their first server starts (lti_prepare_account, the hub's Spawner.pre_spawn_hook
# in jupyterhub_config.py), in the Unix groups of the courses they are in then.
LTI_CRYPT_KEY = "jupyterhub_crypt_key"  # in STATE/hub: encrypts auth_state (people's LTI ids)


def lti_load(path: Path):
    """The checked ``lti.toml`` (``reciprocity.lms.config``); ``SetupError`` listing what to fix."""
    from reciprocity.lms.config import LtiConfigError, load_config

    try:
        return load_config(path)
    except LtiConfigError as err:
        raise SetupError(str(err)) from None


def lti_courses(config) -> dict[str, dict[str, list[str]]]:
    """The courses of ``lti.toml``, with nobody in them yet: people arrive by launching."""
    return {course: {"instructors": [], "tas": [], "students": []} for course in config.courses}


def lti_state(config, args) -> dict:
    """What the hub and the grading services need to know of LTI mode (``setup["lti"]``)."""
    config.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config.state_dir.chmod(0o700)  # launches and grades posted: root only
    https = bool(args.ssl_cert or args.public_https)
    return {"config": str(config.path), "https": https, "launches": str(config.launches_path)}


def lti_crypt_key(state: Path) -> str:
    """The hub's ``JUPYTERHUB_CRYPT_KEY`` (made once, kept in ``STATE/hub``, root only)."""
    path = state / "hub" / LTI_CRYPT_KEY
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def ensure_graders(state: Path, courses: dict) -> None:
    """Each course's Unix group ``nbgrader-<course>`` and grader account (LTI mode: nobody else yet)."""
    for course in courses:
        ensure_group(f"nbgrader-{course}")
        ensure_account(f"grader-{course}", state / "homes" / f"grader-{course}", [f"nbgrader-{course}"])


def lti_accounts(state: Path) -> list[str]:
    """The people's accounts LTI launches made for this hub: marked, with their home in ``STATE/homes``."""
    homes = state / "homes"
    return sorted(e.pw_name for e in pwd.getpwall()
                  if e.pw_gecos.split(",")[0] == MARKER and Path(e.pw_dir).parent == homes
                  and not e.pw_name.startswith("grader-"))


def lti_username_problem(state: Path, name: str) -> str | None:
    """Why ``name`` (a hub username from a launch) cannot be a person's account here; None if it can.

    The hub's launch hook refuses the launch with this message, before the
    person exists anywhere: a server runs as a local account of the same name.
    """
    fix = ("Ask the hub's operator to set [tool] username_key in lti.toml to a claim that holds "
           "such a name (e.g. a custom field with the LMS login id).")
    if not name or set(name) - NAME_OK or not name[0].isalpha() or len(name) > 24:
        return (f"Your LMS username {name!r} cannot name an account on this hub: it takes lowercase "
                f"letters, digits and '-', starting with a letter, at most 24 characters. {fix}")
    if name.startswith("grader-"):
        return f"Your LMS username {name!r} is reserved on this hub (grader-<course> accounts). {fix}"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    if entry.pw_gecos.split(",")[0] != MARKER or Path(entry.pw_dir) != state / "homes" / name:
        return (f"Your LMS username {name!r} is already an account on the hub's machine that this hub "
                f"did not make, so it cannot be yours. {fix}")
    return None


def lti_prepare_account(state: Path, name: str, courses: list[str]) -> None:
    """A person's Unix account, in the Unix groups of ``courses`` (their courses now); run before their server starts.

    Made at the first start, brought up to date at every later one (a course
    launched into since then adds its group at the next start). Refuses
    (``SetupError``) a name that ``lti_username_problem`` refuses.
    """
    problem = lti_username_problem(state, name)
    if problem:
        raise SetupError(problem)
    for course in courses:
        ensure_group(f"nbgrader-{course}")
    ensure_account(name, state / "homes" / name, [f"nbgrader-{course}" for course in sorted(courses)])
    first_layout(name)


def lti_people(setup: dict) -> dict[str, dict[str, list[str]]]:
    """course -> instructors, tas, students: everyone who has launched into it, by their latest role."""
    from reciprocity.lms.launches import LaunchRecords

    records = LaunchRecords(setup["lti"]["launches"])
    people = {}
    for course in setup["courses"]:
        roles = records.course_members(course)
        people[course] = {key: sorted(n for n, r in roles.items() if r == role)
                          for key, role in (("instructors", "instructor"), ("tas", "ta"),
                                            ("students", "student"))}
    return people


def lti_roster(setup: dict) -> None:
    """``run.py roster`` in LTI mode: each course's LMS roster (NRPS) into its gradebook, names and LTI ids."""
    from reciprocity.lms.roster import RosterUnavailable, enrol_from_lms

    config = lti_load(Path(setup["lti"]["config"]))
    for course in setup["courses"]:
        try:
            count, unmatched = enrol_from_lms(config, course, setup["services"][course]["db_url"])
        except RosterUnavailable as err:
            say(f"  {course}: roster not read: {err}")
            continue
        waiting = ", ".join(m.name or m.lti_user_id for m in unmatched)
        say(f"  {course}: {count} student(s) from the LMS in the gradebook"
            + (f"; not on the hub yet (never launched the tool): {waiting}" if waiting else ""))


def lti_addresses(base: str) -> list[str]:
    """What the LMS's registration of the tool asks for, at this hub's address."""
    return [f"LTI 1.3 login (OIDC initiation) URL: {base}/hub/lti13/oauth_login",
            f"LTI 1.3 redirect (launch) URL:       {base}/hub/lti13/oauth_callback",
            f"the tool's JSON configuration:       {base}/hub/lti13/config",
            "the tool's public key (JWKS):         python -m reciprocity.lms jwks --config LTI_TOML"]


# ------------------------------------------------------------------------------- up
def up(args) -> None:
    state = Path(args.state).resolve()
    missing = missing_prerequisites(sandbox=not args.no_sandbox)
    if missing:
        raise SetupError("cannot start the hub; missing:\n  - " + "\n  - ".join(missing))
    setup_file = state / "hub" / "setup.json"
    if setup_file.exists() and _alive(_pid(state / "hub" / "run.pid")):
        raise SetupError(f"the hub of {state} is already running; `run.py down --state {state}` first")
    if args.ip not in ("127.0.0.1", "localhost") and not args.ssl_cert:
        say(f"WARNING: listening on {args.ip} without TLS; passwords would cross the network "
            "in clear (give --ssl-cert and --ssl-key)")
    ensure_proxy()
    if not args.no_sandbox:  # the formgrader's Autograde button starts this kernel too
        say("grading kernel in", install_kernel())
        problem = installation_problem()
        if problem:
            raise SetupError(problem)
    lti = lti_load(Path(args.lti)) if args.lti else None  # LTI mode: the LMS is the roster
    courses, names = (lti_courses(lti), {}) if lti else load_roster(Path(args.roster))
    lti_settings = lti_state(lti, args) if lti else None
    t0 = time.monotonic()

    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)  # single-user servers read STATE/etc; everything private is below
    # homes: 0711, so a server reaches its own home but nobody lists who has one
    for sub, mode in (("hub", 0o700), ("homes", 0o711), ("etc", 0o755), ("quarantine", 0o700),
                      ("grading", 0o700), ("share", 0o755)):
        (state / sub).mkdir(exist_ok=True)
        (state / sub).chmod(mode)
    install_mathjax(state / "etc" / "static")  # for the formgrader and feedback pages
    install_labextension(state / "share" / "jupyter")  # students' servers: JUPYTER_PATH
    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)  # nbgrader insists on 777 for the root; sticky like /tmp

    # accounts: people with their courses' Unix groups, and one grader account per course
    old = json.loads(setup_file.read_text()) if setup_file.exists() else {}
    if lti:  # people's accounts are made as their servers first start
        ensure_graders(state, courses)
        member_of, passwords = {}, {}
    else:
        member_of, passwords = ensure_people(state, courses, old)
    say(f"{len(member_of)} people and {len(courses)} grader accounts ready")

    pg = start_postgres(state, courses)
    say("PostgreSQL listening on", pg["socket"])

    student_etc, grader_etc = state / "etc" / "student", state / "etc" / "grader"
    # Everyone: no "Jupyter news?" prompt, and no Course List, whose links send students
    # to a formgrader they are refused and staff to a blank in-Lab frame (staff reach
    # the formgrader from the hub's Services menu or the grading page)
    quiet = ["@jupyterlab/apputils-extension:announcements"]
    jupyter_settings(student_etc, ["nbgrader.server_extensions.formgrader",
                                   "nbgrader.server_extensions.course_list"],
                     ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list", *quiet],
                     enabled_server=["reciprocity.grading.due_dates_extension"])
    write_from_template(HERE / "student_nbgrader_config.py", student_etc / "nbgrader_config.py",
                        exchange=str(exchange))
    # the formgrader services: nbgrader's in-Lab formgrader and its menu are replaced by the
    # course's own menu (grader_settings); they serve MathJax from STATE/etc/static
    jupyter_settings(grader_etc, ["nbgrader.server_extensions.assignment_list",
                                  "nbgrader.server_extensions.course_list"],
                     ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
                      "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:menu", *quiet],
                     static=[str(state / "etc" / "static")])
    write_from_template(HERE / "grader_nbgrader_config.py", grader_etc / "nbgrader_config.py")
    try:
        services = {c: prepare_course(state, c, pg["socket"], exchange, not args.no_sandbox)
                    for c in courses}
        if not lti:  # LTI mode: the grading page enrols the LMS's roster (grading_jobs.py)
            enrol(courses, names, services)
    except BaseException:  # leave nothing running behind a failed start
        stop_postgres(pg)
        raise

    setup = {
        "ip": args.ip, "ssl_cert": args.ssl_cert, "ssl_key": args.ssl_key,
        "ports": {"public": args.port or free_port(), "hub": free_port(), "proxy_api": free_port()},
        "venv_bin": str(VENV_BIN), "chp": str(CHP), "repo": str(REPO),
        "proxy_token": secrets.token_hex(32), "operator_token": secrets.token_hex(32),
        "hub_db_url": db_url("jupyterhub", "jupyterhub", pg["socket"]),
        "people": sorted(member_of), "courses": courses, "names": names, "services": services,
        "exchange": str(exchange), "grading_service": str(HERE / "grading_service.py"),
        "grading_jobs": args.grading_jobs, "sandbox": not args.no_sandbox,
        "passwords": passwords, "pg": pg,
        "accounts": sorted(set(member_of) | set(old.get("accounts", []))
                           | {f"grader-{c}" for c in courses}),
        "unix_groups": [f"nbgrader-{c}" for c in courses],
    }
    if lti:
        setup["lti"] = lti_settings
        setup["accounts"] = sorted(set(setup["accounts"]) | set(lti_accounts(state)))
    setup_file.write_text(json.dumps(setup, indent=1))
    setup_file.chmod(0o600)

    env = {"PATH": f"{VENV_BIN}:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "HOME": "/root", "RECIPROCITY_HUB_STATE": str(state)}
    if lti:  # auth_state (each person's LTI id and courses) is kept encrypted
        env["JUPYTERHUB_CRYPT_KEY"] = lti_crypt_key(state)
    with open(state / "hub" / "hub.log", "ab") as log:
        proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")],
                                cwd=state / "hub", env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    (state / "hub" / "run.pid").write_text(str(proc.pid))
    base = f"http://127.0.0.1:{setup['ports']['public']}"
    if setup["ssl_cert"]:
        base = base.replace("http:", "https:")
    try:
        _wait_for(lambda: _http_ok(f"{base}/hub/api/"), proc, state, "the hub")
        ports = [s[k] for s in services.values() for k in ("formgrader_port", "grading_port")]
        _wait_for(lambda: all(_listening(p) for p in ports), proc, state, "the course services")
        if not lti:  # LTI mode: launches set people's groups (the hub refuses its groups API then)
            sync_hub(setup)
    except SetupError:
        down(argparse.Namespace(state=str(state), purge=False, yes=False, backups=None))
        raise
    if lti:
        say(f"up in {time.monotonic() - t0:.0f} s: {base}/ in LTI mode: people open it from the LMS")
        for line in lti_addresses(base):
            say("  " + line.replace("LTI_TOML", str(lti.path)))
    else:
        say(f"up in {time.monotonic() - t0:.0f} s: {base}/  (passwords: {state}/hub/passwords.txt)")
    for course in courses:
        say(f"  {course}: formgrader {base}/services/{course}/formgrader, "
            f"grading page {base}/services/grade-{course}/")
    say(f"stop with: {sys.executable} {Path(__file__)} down --state {state}")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_for(check, proc, state: Path, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    tail = (state / "hub" / "hub.log").read_text(errors="replace")[-4000:]
    raise SetupError(f"{what} did not come up; end of {state}/hub/hub.log:\n{tail}")


# ----------------------------------------------------------------------------- down
def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def ours(state: Path, uids: set[int]) -> list[int]:
    """Processes of this hub: run by its accounts, or carrying its state folder in their environment."""
    mark = f"RECIPROCITY_HUB_STATE={state}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            status = (entry / "status").read_text()
            if "\nState:\tZ" in status:  # already dead, waiting for its parent to reap it
                continue
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            if uid in uids or mark in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except (OSError, StopIteration, ValueError):
            continue
    return found


def _signal_all(pids, sig) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def backup_gradebooks(setup: dict, folder: Path) -> list[Path]:
    """``pg_dump`` of every course's gradebook into ``folder`` (root only); the files written.

    PostgreSQL is started for the dump if it is not running (and stopped again).
    Restore one with ``psql -d DB -f FILE`` into an empty database.
    """
    pg = setup["pg"]
    for level in (folder.parent, folder):  # the dumps hold every grade: root only
        level.mkdir(parents=True, exist_ok=True, mode=0o700)
        level.chmod(0o700)
    was_running = Path(pg["data"], "postmaster.pid").exists()
    if not was_running:
        as_postgres([str(Path(pg["bin"]) / "pg_ctl"), "-D", pg["data"], "-o",
                     f"-k {pg['socket']} -c listen_addresses=''", "-l",
                     str(Path(pg["data"]) / "server.log"), "-w", "-t", "60", "start"],
                    stdout=subprocess.DEVNULL)
    written = []
    try:
        for course in setup["courses"]:
            target = folder / f"{gradebook_db(course)}.sql"
            with open(target, "wb") as out:
                os.fchmod(out.fileno(), 0o600)
                as_postgres([str(Path(pg["bin"]) / "pg_dump"), "--host", pg["socket"],
                             "--username", DB_USER, "--no-owner",
                             gradebook_db(course)], stdout=out)
            written.append(target)
    finally:
        if not was_running:
            stop_postgres(pg)
    return written


def _confirm_purge(args, setup: dict, state: Path) -> bool:
    """Whether to delete: ``--yes``, or a person at a terminal who types the state folder's name."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise SetupError("down --purge deletes every account, course folder and gradebook of "
                         f"{state}; without a terminal to confirm it, add --yes")
    print(f"This deletes {len(setup['accounts'])} accounts, their homes, every course folder "
          f"and gradebook in {state} (the gradebooks are backed up first).")
    answer = input(f"Type the folder's name ({state.name}) to delete it, anything else to keep "
                   "it: ").strip()
    return answer == state.name


HUB_STOP_GRACE_S = 30.0  # how long `down` lets the hub stop its servers, services and proxy


def down(args) -> None:
    state = Path(args.state).resolve()
    setup_file = state / "hub" / "setup.json"
    if not setup_file.exists():
        say(f"nothing to stop: no {setup_file}")
        return
    setup = json.loads(setup_file.read_text())
    if setup.get("lti"):  # LTI mode: people's accounts were made as their servers first started
        setup["accounts"] = sorted(set(setup["accounts"]) | set(lti_accounts(state)))
    purge = getattr(args, "purge", False)
    if purge and not _confirm_purge(args, setup, state):
        say("nothing deleted; stopping only")
        purge = False
    backups = []
    if purge:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = Path(args.backups or f"{state}-backups").resolve() / stamp
        if folder == state or state in folder.parents:
            raise SetupError(f"--backups {folder} is inside the state folder, which --purge deletes")
        backups = backup_gradebooks(setup, folder)
        for path in backups:
            say(f"backed up {path}")
    hub = _pid(state / "hub" / "run.pid")
    t0 = time.monotonic()
    if _alive(hub):
        os.kill(hub, signal.SIGTERM)  # the hub stops every server, its services and the proxy
        deadline = time.monotonic() + HUB_STOP_GRACE_S
        while _alive(hub) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(hub):
            # a hub still shutting down restarts a proxy it finds gone (its proxy check): kill it
            # first, then sweep up what it left
            say(f"the hub did not stop within {HUB_STOP_GRACE_S:g} s; killing it")
            os.kill(hub, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while _alive(hub) and time.monotonic() < deadline:
                time.sleep(0.1)
    proxy = _pid(state / "hub" / "proxy.pid")
    if _alive(proxy) and b"configurable-http-proxy" in Path(f"/proc/{proxy}/cmdline").read_bytes():
        os.kill(proxy, signal.SIGTERM)
    # whatever survived: processes left by people's code, a hub that did not stop in time
    uids = set()
    for name in setup["accounts"]:
        with contextlib.suppress(KeyError):
            uids.add(pwd.getpwnam(name).pw_uid)
    for _ in range(3):  # again while a round finds more: a dying process may have started another
        left = ours(state, uids)
        if not left:
            break
        say(f"stopping {len(left)} process(es) left behind")
        _signal_all(left, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in left) and time.monotonic() < deadline:
            time.sleep(0.2)
        _signal_all([p for p in left if _alive(p)], signal.SIGKILL)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in left) and time.monotonic() < deadline:
            time.sleep(0.1)
    stop_postgres(setup["pg"])
    (state / "hub" / "run.pid").unlink(missing_ok=True)
    say(f"stopped in {time.monotonic() - t0:.0f} s")
    if purge:
        for name in setup["accounts"]:
            remove_account(name)
        for group in setup["unix_groups"]:
            sh(["groupdel", group], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(state, ignore_errors=True)
        say(f"removed {len(setup['accounts'])} accounts and {state}; the gradebooks' dumps are in "
            f"{backups[0].parent if backups else '(no course)'}")


# ---------------------------------------------------------------------- status, token
def _api(setup: dict, method: str, path: str, body=None, token=None, headers=None):
    scheme = "https" if setup.get("ssl_cert") else "http"
    url = f"{scheme}://127.0.0.1:{setup['ports']['public']}/hub/api{path}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"token {token or setup['operator_token']}", **(headers or {})})
    context = None
    if setup.get("ssl_cert"):  # our own hub on loopback: its certificate names another host
        import ssl
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(req, timeout=30, context=context) as r:
        return json.loads(r.read() or b"null")


def _user_names(setup: dict) -> list[str]:
    """Every user the hub knows, page by page."""
    names, offset = [], 0
    while True:
        page = _api(setup, "GET", f"/users?offset={offset}&limit=200",
                    headers={"Accept": "application/jupyterhub-pagination+json"})
        names += [u["name"] for u in page["items"]]
        if not page["_pagination"]["next"]:
            return names
        offset = page["_pagination"]["next"]["offset"]


def roster(args) -> None:
    """Apply an edited roster to the running hub: accounts, hub users and groups, gradebooks.

    In LTI mode the LMS is the roster: each course's members (NRPS), with their
    names and LTI ids, go into its gradebook (those who have launched the tool).
    """
    state = Path(args.state).resolve()
    setup_file = state / "hub" / "setup.json"
    if not setup_file.exists() or not _alive(_pid(state / "hub" / "run.pid")):
        raise SetupError(f"no hub is running from {state}: start it with `run.py up --roster FILE`")
    setup = json.loads(setup_file.read_text())
    if setup.get("lti"):  # the LMS is the roster: its names and LTI ids into the gradebooks
        lti_roster(setup)
        return
    courses, names = load_roster(Path(args.roster))
    if set(courses) != set(setup["courses"]):
        raise SetupError("the roster adds or removes courses, which needs new services: "
                         f"`run.py down --state {state}`, then `run.py up --roster {args.roster}`")
    member_of, passwords = ensure_people(state, courses, setup)
    setup.update(courses=courses, names=names, people=sorted(member_of), passwords=passwords,
                 accounts=sorted(set(setup["accounts"]) | set(member_of)))
    setup_file.write_text(json.dumps(setup, indent=1))
    setup_file.chmod(0o600)
    sync_hub(setup)
    enrol(courses, names, setup["services"])
    say(f"roster applied: {len(member_of)} people in {len(courses)} course(s) "
        f"(passwords: {state}/hub/passwords.txt)")


def status(args) -> None:
    state = Path(args.state).resolve()
    setup = json.loads((state / "hub" / "setup.json").read_text())
    if not _alive(_pid(state / "hub" / "run.pid")):
        say("not running")
        return
    users = _api(setup, "GET", "/users?state=active")
    say(f"running on port {setup['ports']['public']}; {len(users)} server(s) active"
        + ("; LTI mode: people as they have launched from the LMS" if setup.get("lti") else ""))
    courses = lti_people(setup) if setup.get("lti") else setup["courses"]
    for course, people in courses.items():
        say(f"  {course}: {len(people['instructors'])} instructor(s), {len(people['tas'])} TA(s), "
            f"{len(people['students'])} student(s)")


def token(args) -> None:
    setup = json.loads((Path(args.state).resolve() / "hub" / "setup.json").read_text())
    body = {"note": "run.py token", "expires_in": args.expires}
    if args.scope:  # e.g. access:services!service=grade-<course>: that service and nothing else
        body["scopes"] = args.scope
    reply = _api(setup, "POST", f"/users/{args.user}/tokens", body)
    print(reply["token"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", default="/srv/reciprocity-hub",
                        help="folder for the hub's state, homes, exchange and database")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="create accounts, start PostgreSQL and JupyterHub")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--roster", default=str(HERE / "roster.toml"),
                     help="local accounts and passwords for the people of this file (default)")
    who.add_argument("--lti", metavar="LTI_TOML",
                     help="LTI mode: people log in from the school's LMS (LTI 1.3); courses from this "
                          "file (deploy/hub/lti.toml is an example); no roster, no passwords")
    p.add_argument("--public-https", action="store_true",
                   help="with --lti: people reach the hub over https through a reverse proxy that "
                        "terminates TLS (implied by --ssl-cert); the LMS's launch then needs "
                        "SameSite=None; Secure cookies")
    p.add_argument("--ip", default="127.0.0.1", help="address of the public port (default loopback)")
    p.add_argument("--port", type=int, default=8000, help="public port (0: any free one)")
    p.add_argument("--ssl-cert")
    p.add_argument("--ssl-key")
    p.add_argument("--grading-jobs", type=int, default=os.cpu_count() or 2,
                   help="students graded at once by the grading service")
    p.add_argument("--no-sandbox", action="store_true",
                   help="grade without the sandbox (unsafe; only where bubblewrap cannot run)")
    p.set_defaults(func=up)
    p = sub.add_parser("down", help="stop everything this hub started")
    p.add_argument("--purge", action="store_true",
                   help="also delete the accounts, groups and the state folder, after a pg_dump "
                        "of every gradebook and a confirmation")
    p.add_argument("--yes", action="store_true",
                   help="with --purge: do not ask (for scripts; without a terminal it is required)")
    p.add_argument("--backups", default=None,
                   help="with --purge: where the gradebooks' dumps go, in a folder named by the "
                        "time (default STATE-backups/, e.g. /srv/reciprocity-hub-backups/)")
    p.set_defaults(func=down)
    sub.add_parser("status", help="is it running, who is in which course").set_defaults(func=status)
    p = sub.add_parser("roster", help="apply an edited roster to the running hub (people, names, "
                                      "groups, gradebooks; not new courses); in LTI mode, read "
                                      "each course's LMS roster into its gradebook")
    p.add_argument("--roster", default=str(HERE / "roster.toml"))
    p.set_defaults(func=roster)
    p = sub.add_parser("token", help="print a new, short-lived API token for USER")
    p.add_argument("user")
    p.add_argument("--expires", type=int, default=3600, help="seconds (default 3600)")
    p.add_argument("--scope", action="append", default=None,
                   help="limit the token to this scope (repeat for more), e.g. "
                        "access:services!service=grade-COURSE; default: all of USER's rights")
    p.set_defaults(func=token)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except SetupError as err:
        print(f"run.py: {err}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as err:
        print(f"run.py: {' '.join(map(str, err.cmd))} failed (exit {err.returncode})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
