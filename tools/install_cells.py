"""Write each chapter's first code cell: install the course package when it is missing.

A chapter downloaded from the book, or opened in Colab, runs where the
``reciprocity`` package may not be installed. Its first code cell (tagged
``remove-cell``, so the book does not show it; the downloaded ``.ipynb`` keeps
it) tries ``import reciprocity`` and, only if that fails, says what it is
doing and installs the package with ``%pip`` from the repository set once in
``_config.yml`` (``repository.url`` at ``repository.branch``). Where the
package is installed (the course environment, nbval, the book build) the
cell does nothing and prints nothing.

Change the repository in ``_config.yml``, then run::

    python -m tools.install_cells           # write or update the cell in every chapter
    python -m tools.install_cells --check   # exit 1, naming the chapters whose cell differs

The tests run ``--check``. The cell carries no output, so the chapters need no
re-execution after an update; re-execute them anyway before committing
(``tools/execute_notebooks.py``) to keep execution counts in order.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The cell's id in every chapter: how the tool (and the tests) find it again.
CELL_ID = "install-course-package"
TAGS = ["remove-cell"]


def repository(config: Path) -> tuple[str, str]:
    """The repository URL and branch from a Jupyter Book ``_config.yml``."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    repo = settings.get("repository") or {}
    url = str(repo.get("url", "")).strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{config}: repository.url must be the https URL of the course's "
                         f"repository (your fork), got {url!r}")
    return url.removesuffix(".git"), str(repo.get("branch") or "main")


def cell_source(url: str, branch: str) -> str:
    """The install cell's code for the repository ``url`` at ``branch``."""
    requirement = f"reciprocity @ git+{url}.git@{branch}"
    return (
        "# Runs where the course package is missing (a downloaded chapter, Colab); elsewhere it does\n"
        "# nothing. Written by tools/install_cells.py from _config.yml: edit that, not this cell.\n"
        "try:\n"
        "    import reciprocity\n"
        "except ImportError:\n"
        f'    print("The course package `reciprocity` is not installed: installing it from "\n'
        f'          "{url} ({branch}). This takes a minute or two.")\n'
        f'    %pip install --quiet "{requirement}"\n'
        "    import importlib\n"
        "    importlib.invalidate_caches()\n"
        "    import reciprocity  # noqa: F401\n"
        '    print("Installed. If a later cell fails to import numpy or pandas, restart the "\n'
        '          "kernel (Colab: Runtime > Restart session) and run the notebook again.")\n'
    )


def chapters(root: Path = ROOT) -> list[Path]:
    """The primer and the insight chapters."""
    return [root / "book" / "primer.ipynb", *sorted((root / "book" / "insights").glob("*.ipynb"))]


def with_install_cell(notebook, source: str) -> bool:
    """Put the install cell with ``source`` first among ``notebook``'s code cells.

    Returns True when the notebook changed. Keeps the cell's stored outputs
    and execution count when its source stays the same.
    """
    cells = notebook.cells
    existing = [i for i, cell in enumerate(cells) if cell.get("id") == CELL_ID]
    cell = cells.pop(existing[0]) if existing else nbformat.v4.new_code_cell(id=CELL_ID)
    for i in reversed(existing[1:]):
        cells.pop(i)
    before = (cell.source, list(cell.metadata.get("tags", [])), existing[:1])
    cell.source = source
    cell.metadata["tags"] = list(TAGS)
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    cells.insert(first_code, cell)
    if before[0] != source:
        cell.outputs, cell.execution_count = [], None
    return before != (source, TAGS, [first_code]) or len(existing) > 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if any chapter's install cell differs")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the book's root folder (holds _config.yml and book/)")
    args = parser.parse_args(argv)
    source = cell_source(*repository(args.root / "_config.yml"))
    stale = []
    for path in chapters(args.root):
        notebook = nbformat.read(path, as_version=4)
        if with_install_cell(notebook, source):
            stale.append(path.relative_to(args.root))
            if not args.check:
                nbformat.write(notebook, path)
    if args.check and stale:
        print("install cells differ from _config.yml in: " + ", ".join(map(str, stale))
              + "\nrun: python -m tools.install_cells", file=sys.stderr)
        return 1
    if not args.check:
        print(f"{len(stale)} of {len(chapters(args.root))} chapters updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
