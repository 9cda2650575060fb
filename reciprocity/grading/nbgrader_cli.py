"""Stock nbgrader's command line, run in a child process with a time limit.

The grading command uses it for the steps it does not change (adding a lab
to the gradebook, feedback, the grades export); autograding goes through the
workers (``reciprocity.grading.worker``).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["NBGRADER", "run", "glob_escape"]

NBGRADER = [sys.executable, "-m", "nbgrader"]


def glob_escape(student: str) -> str:
    """A student id as nbgrader's ``--student`` glob that matches only that id (e.g. "a[1]")."""
    out = []
    for char in student:
        out.append(f"[{char}]" if char in "*?[" else char)
    return "".join(out)


def run(args: list[str], cwd: Path, timeout: float) -> tuple[int | None, str]:
    """Run ``nbgrader ARGS`` in ``cwd``; (exit status or None if killed at ``timeout``, output).

    The command runs in its own process group, killed whole on timeout. The
    output goes to a temporary file, not a pipe: a process that a student's
    code leaves running inherits the output and would hold a pipe open,
    keeping us waiting long after the run itself has ended.
    """
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen([*NBGRADER, *args], cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # nbgrader and whatever it started
            proc.wait()
            code = None
        log.seek(0)
        return code, log.read()
