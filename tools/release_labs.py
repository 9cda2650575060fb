"""Regenerate the student versions of the labs: solutions/<lab>/ -> exercises/<lab>/.

Runs ``nbgrader generate_assignment <lab> --force`` from the repository root
(where ``nbgrader_config.py`` maps the source folder to ``solutions/`` and the
release folder to ``exercises/``), for every lab or the ones named:

    python -m tools.release_labs             # all three labs
    python -m tools.release_labs outreach    # just one

The test cells in ``solutions/`` are generated: after changing a lab's data,
a model answer or ``tools/lab_spec.py``, run ``python -m tools.lab_tests``
first, then this script. Commit the regenerated ``exercises/`` together with
the change to ``solutions/``; ``tests/labs/test_end_to_end.py`` fails when the two are
out of sync and ``tests/tools/test_lab_tests.py`` when the test cells differ
from their spec.
The gradebook this writes (``gradebook.db``) is ignored by git.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABS = ("outreach", "content", "trials")


def main(argv: list[str]) -> int:
    labs = argv or list(LABS)
    unknown = [lab for lab in labs if lab not in LABS]
    if unknown:
        print(f"unknown lab(s) {unknown}; choose from {list(LABS)}", file=sys.stderr)
        return 2
    for lab in labs:
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lab,
                               "--force", "--log-level=WARN"], cwd=ROOT)
        if proc.returncode != 0:
            print(f"generate_assignment failed for {lab}", file=sys.stderr)
            return proc.returncode
        print(f"released {lab}: exercises/{lab}/{lab}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
