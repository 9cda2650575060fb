"""Shared fixtures: a book built once per test session, served, and a browser.

Plain helpers and constants live in :mod:`tests.support.common`.
"""
from __future__ import annotations

import fcntl
import functools
import http.server
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

from tests.support.common import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    IN_CI,
    ROOT,
    PrefixedHandler,
    build_book,
    fresh_build,
    site_prefix,
)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The book built with warnings as errors; return the HTML folder.

    ``make book``'s own build is used when it is newer than every file of the
    tree (as after ``make book`` on a fresh clone, which is what CI runs);
    otherwise the book is built in a temporary copy.

    Under pytest-xdist the workers share one build: the first to take the lock
    builds, the others wait and reuse it. Set ``RECIPROCITY_BUILT_BOOK`` to an
    existing ``_build/html`` folder to reuse a build while iterating locally.
    """
    reuse = os.environ.get("RECIPROCITY_BUILT_BOOK")
    if reuse and not IN_CI:
        return Path(reuse)
    if fresh_build(ROOT):  # `make book` (CI runs it first) built this very tree with -W: read it, never write
        return ROOT / "_build" / "html"
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # common to all workers of this run
    target = shared / "built-book"
    target.mkdir(exist_ok=True)
    with open(target / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if (target / "failed").exists():
                pytest.fail((target / "failed").read_text())
            if (target / "built.ok").exists():
                return target / "src" / "_build" / "html"
            try:
                return build_book(target)
            except (RuntimeError, subprocess.TimeoutExpired) as err:
                (target / "failed").write_text(str(err))
                pytest.fail(str(err))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def explorer_pages(built_book) -> dict[str, str]:
    """Explorer name -> the built page (relative path) that shows it."""
    pages: dict[str, str] = {}
    for html in sorted(built_book.rglob("*.html")):
        for name in re.findall(r'data-explorer="([^"]+)"', html.read_text(encoding="utf-8")):
            pages.setdefault(name, html.relative_to(built_book).as_posix())
    return pages


@pytest.fixture(scope="module")
def site(built_book):
    """Base URL of the built book, served on 127.0.0.1 under the published prefix."""
    prefix = site_prefix()
    handler_class = type("Handler", (PrefixedHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield f"{base}/{prefix}" if prefix else base
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = (f"browser tests skipped: Chromium not found at {CHROMIUM}; install it with "
                   "`sudo apt-get install chromium` (Ubuntu: chromium-browser)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
