"""The formgrader's Autograde button on a hostile submission: the kernel starts in the sandbox.

A real Jupyter server with nbgrader's formgrader runs in a small course, as
an unprivileged account (``nobody`` when the tests run as root, as the hub's
formgrader runs as the course's grader account), and the test presses the
button: ``POST /formgrader/api/submission/LAB/STUDENT/autograde``, the
request the button sends. The course's ``nbgrader_config.py`` (the
repository's) names the ``reciprocity-sandbox`` kernel, whose provisioner
starts every kernel in bubblewrap.

The hostile answer prints its user id, reads the answer key in
``solutions/`` and the gradebook, connects to a listener on the grader's
loopback and runs the answer it read. In the sandbox it sees no course file
and no network: 0 points. The control presses the same button for the same
notebook after the course switches to the plain ``python3`` kernel: full
marks, the key read, the listener reached (the attack is real).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from reciprocity.grading import gradebook, kernelspec, sandbox
from tests.support.common import ROOT, LoopbackServer

LAB = "keyprobe"
NOBODY = 65534
ANSWER = "### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"
HOSTILE = '''import json, os, socket
print("uid", os.getuid())
for _path in [%(key)r, %(db)r]:
    try:
        with open(_path, "rb") as _f:
            _f.read(16)
        print("read", os.path.basename(_path))
    except OSError as err:
        print("cannot read", os.path.basename(_path), type(err).__name__)
try:
    socket.create_connection(("127.0.0.1", %(port)d), timeout=3).close()
    print("network open")
except OSError as err:
    print("network closed", type(err).__name__)
try:
    _key = json.load(open(%(key)r))
    exec(next("".join(c["source"]) for c in _key["cells"]
              if c["metadata"].get("nbgrader", {}).get("grade_id") == "answer"))
except OSError:
    pass
'''


def _source_notebook():
    answer = new_code_cell(ANSWER)
    answer.metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "locked": False,
                                   "schema_version": 3, "solution": True, "task": False}
    test = new_code_cell("assert answer == 42")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "test_answer", "locked": True,
                                 "points": 2, "schema_version": 3, "solution": False,
                                 "task": False}
    nb = new_notebook(cells=[answer, test])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def _as_server_account() -> dict:
    """subprocess arguments that run the server as nobody when we are root (else as ourselves)."""
    if os.geteuid() != 0:
        return {}
    return {"user": NOBODY, "group": NOBODY, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Formgrader:
    """A Jupyter server with nbgrader's extensions, serving the course at its root."""

    def __init__(self, course: Path, home: Path):
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{_free_port()}"
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(home),
               "LANG": "C.UTF-8", "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "run")}
        self.log = open(home / "server.log", "wb")  # noqa: SIM115 (closed when the server stops)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.base.rsplit(':', 1)[1]}", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={course}", "--ServerApp.jpserver_extensions={'nbgrader': True}"],
            cwd=course, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, **_as_server_account())
        deadline = time.monotonic() + 90
        while not self._ready():
            assert self.proc.poll() is None and time.monotonic() < deadline, \
                (home / "server.log").read_text(errors="replace")[-3000:]
            time.sleep(0.5)

    def _request(self, method: str, path: str, timeout: float = 300):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     data=b"" if method == "POST" else None,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")

    def _ready(self) -> bool:
        try:
            self._request("GET", "/api/status", timeout=2)
            return True
        except (urllib.error.URLError, OSError):
            return False

    def press_autograde(self, student: str) -> dict:
        """What the formgrader's Autograde button sends for one submission."""
        return self._request("POST", f"/formgrader/api/submission/{LAB}/{student}/autograde")

    def stop(self):
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def pressed():
    """Press Autograde for a hostile student (sandbox kernel), then for the control (python3)."""
    kernelspec.install_kernel()  # what the grading command or deploy/hub/run.py would have done
    assert kernelspec.installation_problem() == ""
    base = Path(tempfile.mkdtemp(prefix="reciprocity-formgrader-", dir="/tmp"))
    base.chmod(0o755)
    course, home = base / "course", base / "home"
    course.mkdir()
    home.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    (course / "solutions" / LAB).mkdir(parents=True)
    nbformat.write(_source_notebook(), course / "solutions" / LAB / f"{LAB}.ipynb")
    release = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB, "--force"],
                             cwd=course, capture_output=True, text=True, timeout=300)
    assert release.returncode == 0, release.stdout + release.stderr
    listener = LoopbackServer()
    key, db = course / "solutions" / LAB / f"{LAB}.ipynb", course / "gradebook.db"
    hostile = nbformat.read(course / "exercises" / LAB / f"{LAB}.ipynb", as_version=4)
    hostile.cells[0].source = HOSTILE % {"key": str(key), "db": str(db), "port": listener.port}
    for student in ("hostile", "control"):
        folder = course / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nbformat.write(hostile, folder / f"{LAB}.ipynb")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(course), str(home)], check=True)
    server = Formgrader(course, home)
    try:
        sandboxed = server.press_autograde("hostile")
        connections = listener.connections
        with open(course / "nbgrader_config.py", "a") as config:  # the formgrader rereads it
            config.write('\nc.Execute.kernel_name = "python3"\n')
        control = server.press_autograde("control")
    finally:
        server.stop()
        listener.sock.close()
    yield {"course": course, "sandboxed": sandboxed, "control": control,
           "connections": connections, "control_connections": listener.connections - connections,
           "log": (home / "server.log").read_text(errors="replace")}
    shutil.rmtree(base, ignore_errors=True)


def _printed(course: Path, student: str) -> str:
    nb = nbformat.read(course / "autograded" / student / LAB / f"{LAB}.ipynb", as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[0].outputs)


def _score(course: Path, student: str) -> float:
    return gradebook.submission_score(gradebook.gradebook_url(course), LAB, student)[0]


def test_the_autograde_button_runs_the_submission_in_the_sandbox(pressed):
    assert pressed["sandboxed"]["success"], pressed["sandboxed"].get("error", "") + pressed["log"][-3000:]
    printed = _printed(pressed["course"], "hostile")
    assert f"uid {NOBODY}" in printed
    assert f"cannot read {LAB}.ipynb FileNotFoundError" in printed
    assert "cannot read gradebook.db FileNotFoundError" in printed
    assert "network closed" in printed and "network open" not in printed
    assert pressed["connections"] == 0
    assert _score(pressed["course"], "hostile") == 0


def test_without_the_sandbox_kernel_the_same_submission_cheats(pressed):
    assert pressed["control"]["success"], pressed["control"].get("error", "") + pressed["log"][-3000:]
    printed = _printed(pressed["course"], "control")
    assert f"read {LAB}.ipynb" in printed and "network open" in printed
    assert pressed["control_connections"] >= 1
    assert _score(pressed["course"], "control") == 2


def test_a_sandbox_that_cannot_start_fails_the_kernel_not_open(monkeypatch):
    """Without bubblewrap the provisioner refuses to start the kernel at all, saying why."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    monkeypatch.setattr(sandbox, "BWRAP", "/nonexistent/bwrap")
    km = AsyncKernelManager(kernel_name="reciprocity-sandbox")
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        asyncio.run(km.start_kernel())
