"""The first program that runs inside a grading sandbox (standard library only).

``reciprocity.grading.sandbox`` starts ``python -m reciprocity.grading.sandbox_init
LIMITS SOURCE WORKDIR -- KERNEL COMMAND`` inside bubblewrap. It copies the read-only
view of the submission (``SOURCE``) into the size-limited writable folder
(``WORKDIR``), except notebooks (the kernel receives the notebook's cells from
the grader, and an autograded notebook already written there would hold hidden
tests), sets the resource limits, moves to the folder and replaces itself with
the kernel. Limits set here cannot be raised again by the student's code.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import sys

_LIMITS = {
    "memory": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_size": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
}


def _copy(source: str, workdir: str) -> None:
    for entry in os.scandir(source):
        if entry.name.endswith(".ipynb") or entry.name == ".ipynb_checkpoints":
            continue
        target = os.path.join(workdir, entry.name)
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(entry.path, target, symlinks=True)
        elif entry.is_file(follow_symlinks=False):
            shutil.copy2(entry.path, target)


def main(argv: list[str]) -> None:
    limits, source, workdir, sep, *command = argv
    if sep != "--" or not command:
        raise SystemExit("usage: sandbox_init LIMITS SOURCE WORKDIR -- COMMAND...")
    if os.path.isdir(source):
        try:
            _copy(source, workdir)
        except OSError as err:  # e.g. a submitted file larger than the folder's limit
            print(f"sandbox: the submission was not copied in full: {err}", file=sys.stderr)
    os.chdir(workdir)
    for name, value in json.loads(limits).items():
        resource.setrlimit(_LIMITS[name], (int(value), int(value)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
