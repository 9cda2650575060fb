"""Shared fixtures: the repository root and a book built once per test session."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = ROOT / "test-artifacts"
# jupyter-book has no ``python -m`` entry point; call its CLI through this interpreter
JUPYTER_BOOK = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())"]


def _copy_ignore(directory: str, names: list[str]) -> set[str]:
    skip = {"_build", ".git", "node_modules", ".pytest_cache", "__pycache__",
            "test-artifacts", ".ipynb_checkpoints", ".hypothesis"}
    return {n for n in names if n in skip or n.endswith(".egg-info")}


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the book with warnings as errors in a temporary copy; return the HTML folder.

    Set ``RECIPROCITY_BUILT_BOOK`` to an existing ``_build/html`` folder to reuse
    a build while iterating on the browser tests.
    """
    reuse = os.environ.get("RECIPROCITY_BUILT_BOOK")
    if reuse and not IN_CI:
        return Path(reuse)
    copy = tmp_path_factory.mktemp("book") / "src"
    shutil.copytree(ROOT, copy, ignore=_copy_ignore)
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
        pytest.fail(f"jupyter-book build failed (exit {result.returncode}); "
                    f"log in test-artifacts/book-build.log:\n{log[-6000:]}")
    return copy / "_build" / "html"
