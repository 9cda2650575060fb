"""What many test modules share: the repository root, a Python runner, nbgrader and browser helpers.

Fixtures are in ``tests/conftest.py``; this module holds plain functions and
constants, so that test modules import them by name.
"""
from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The book's Sphinx extensions: Jupyter Book puts them on the path (``sphinx: local_extensions``
#: in ``_config.yml``), pytest too (``pythonpath`` in ``pyproject.toml``), a subprocess through
#: :func:`book_extensions_env`.
BOOK_EXTENSIONS = ROOT / "book" / "_ext"
IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = ROOT / "test-artifacts"
# jupyter-book has no ``python -m`` entry point; call its CLI through this interpreter
JUPYTER_BOOK = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())"]


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (clean ``sys.modules``); its stdout, or fail the test."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def release_lab(course: Path, lab: str, copy_source: bool = True) -> None:
    """Make ``course`` an nbgrader course holding ``lab`` released to its students.

    Copies ``nbgrader_config.py`` (if absent) and, unless ``copy_source`` is
    false (the lab's source is already there), ``solutions/<lab>``; then runs
    ``nbgrader generate_assignment`` and fails the test with its output if it fails.
    """
    if not (course / "nbgrader_config.py").exists():
        shutil.copy(ROOT / "nbgrader_config.py", course)
    if copy_source:
        shutil.copytree(ROOT / "solutions" / lab, course / "solutions" / lab)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force"],
                          cwd=course, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def processes_with(marker: bytes) -> list[int]:
    """PIDs of running processes whose command line contains ``marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker in f.read().replace(b"\0", b" "):
                    found.append(int(pid))
        except OSError:
            continue
    return found


def copy_ignore(directory: str, names: list[str]) -> set[str]:
    skip = {"_build", ".git", ".venv", "node_modules", ".pytest_cache", "__pycache__",
            "test-artifacts", ".ipynb_checkpoints", ".hypothesis"}
    return {n for n in names if n in skip or n.endswith(".egg-info")}


def fresh_build(root: Path) -> bool:
    """True when ``root/_build/html`` was built after the last change to any file the build reads.

    Sphinx rewrites ``.buildinfo`` at the end of every successful build; the
    files compared are git's tracked and untracked-but-not-ignored ones, so a
    chapter edited after ``make book`` makes the tests build afresh.
    """
    stamp = root / "_build" / "html" / ".buildinfo"
    if not stamp.is_file():
        return False
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=root, capture_output=True, text=True)
    if listed.returncode != 0:
        return False
    built_at = stamp.stat().st_mtime
    for name in filter(None, listed.stdout.split("\0")):
        path = root / name
        if path.exists() and path.stat().st_mtime > built_at:
            return False
    return True


def build_book(target: Path) -> Path:
    copy = target / "src"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(ROOT, copy, ignore=copy_ignore)
    result = subprocess.run(
        [*JUPYTER_BOOK, "build", str(copy), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=1500,
    )
    log = result.stdout + result.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "book-build.log").write_text(log, encoding="utf-8")
    if result.returncode != 0:
        reports = copy / "_build" / "html" / "reports"
        if reports.is_dir():
            shutil.copytree(reports, ARTIFACTS / "build-reports", dirs_exist_ok=True)
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}); "
                           f"log in test-artifacts/book-build.log:\n{log[-6000:]}")
    (target / "built.ok").write_text("ok")
    return copy / "_build" / "html"


# --- browser ------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The html-manager's JSON-schema compiler warns about its own schema; not ours to fix.
IGNORED_CONSOLE = ("strict mode: use allowUnionTypes",)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def book_extensions_env() -> dict[str, str]:
    """The environment for a Sphinx subprocess whose ``conf.py`` names the book's own extensions."""
    paths = [str(BOOK_EXTENSIONS), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def site_prefix() -> str:
    """Path the site is published under (GitHub Pages project sites live in a subfolder)."""
    from course_assets import site_prefix_from_config  # the build derives it the same way

    return site_prefix_from_config(ROOT / "_config.yml").strip("/")


class PrefixedHandler(QuietHandler):
    """Serve the build under /<prefix>/, as GitHub Pages does; 404 elsewhere."""

    prefix = ""

    def translate_path(self, path):
        if self.prefix and not path.startswith(f"/{self.prefix}/"):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path(path[len(self.prefix) + 1:] if self.prefix else path)


def open_page(browser, site, path):
    """Load a page; return it with its console problems, failed and foreign requests."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, failed, foreign = [], [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and
            not m.text.startswith(IGNORED_CONSOLE) else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((site, "data:", "blob:"))
            else None)
    page.goto(f"{site}/{path}", wait_until="networkidle")
    return page, problems, failed, foreign


class LoopbackServer:
    """A server on the grader's side of the loopback that counts who connects and sends them ``payload``.

    Hostile-submission tests point a student's code at it: a sandbox that holds
    leaves ``connections`` at 0.
    """

    def __init__(self, payload: bytes = b""):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.payload = payload
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                if self.payload:
                    conn.sendall(self.payload)

    def close(self):
        self.sock.close()

