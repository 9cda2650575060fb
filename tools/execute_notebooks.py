"""Execute book notebooks in place so their stored outputs match the code.

Run after changing a chapter's code, the package or the data::

    python -m tools.execute_notebooks book/insights/02-anonymity.ipynb
    python -m tools.execute_notebooks --all

Outputs are stored so nbval can compare them and the book shows them; the
explorers are Vega-Lite specs in those outputs. Widget state is not stored:
ipywidgets appear only where a kernel runs (the static book shows no control
that cannot respond). Execution metadata with timestamps is dropped to keep
diffs quiet. Outputs are stored with the machine's default numerical set-up
(``make test`` re-executes with one BLAS thread and compares).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 120) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=False, record_timing=False)
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.get("kernelspec", {}).update(
        {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"})
    nbformat.write(nb, path)
    return elapsed


def book_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook under book/")
    args = parser.parse_args(argv)
    paths = book_notebooks() if args.all else args.notebooks
    if not paths:
        parser.error("name notebooks or pass --all")
    for path in paths:
        print(f"{path}: {execute(path.resolve()):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
