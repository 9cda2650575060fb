"""Stop early, with what to do, when the Python that makes .venv is not supported.

Run by ``make`` before it creates the project's virtual environment; uses only
the standard library, so it works with any ``python3``.
"""
from __future__ import annotations

import sys

#: Python versions the pinned requirements are tested with (README, "Quick start").
SUPPORTED = ((3, 11), (3, 12))


def main() -> int:
    version = sys.version_info[:2]
    if version in SUPPORTED:
        return 0
    names = " or ".join(f"{major}.{minor}" for major, minor in SUPPORTED)
    print(f"{sys.executable} is Python {version[0]}.{version[1]}; the course needs Python {names}.\n"
          f"Run make with another interpreter, for example: make PYTHON=python3.11 test",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
