"""Generate the test cells of the labs from one template and a spec per graded cell.

Every autograded test cell in ``solutions/<lab>/<lab>.ipynb`` is written by
this tool, never by hand. The spec (``tools/lab_spec.py``) says, for each
test cell, what it checks; the expected values are computed here, from the
solution code (the notebook's answer cells, run top to bottom) or from the
package and the libraries, so a change to the data or to a solution
regenerates them. All cells share one template (``tools/lab_cells.py``):

    <PREAMBLE: the anti-tampering lines, defined once there>
    # <what the cell checks, for the student>
    <visible checks: shape and sanity>
    ### BEGIN HIDDEN TESTS
    <hidden checks: the exact values, and the function on unseen inputs>
    ### END HIDDEN TESTS

Usage (from the repository root)::

    python -m tools.lab_tests            # rewrite the test cells of every lab
    python -m tools.lab_tests trials     # one lab
    python -m tools.lab_tests --check    # fail if a committed test cell differs

After rewriting, regenerate the student versions: ``python -m tools.release_labs``.

Both modes also *verify* each lab: the whole source notebook runs in order
in this process and every test cell must pass on the model solution without
writing to stderr, and no line of a hidden test or of a solution may appear
in what students see (the release, the feedback).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import traceback
from pathlib import Path

import nbformat

from tools import lab_spec
from tools.lab_cells import BEGIN_HIDDEN, END_HIDDEN, TestCell, render

ROOT = Path(__file__).resolve().parents[1]
LABS = ("outreach", "content", "trials")


# --------------------------------------------------------------------------- notebooks
def notebook_path(lab: str) -> Path:
    return ROOT / "solutions" / lab / f"{lab}.ipynb"


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _run(source: str, ns: dict, label: str) -> tuple[str | None, str]:
    """Execute ``source`` in ``ns``; (error text or None, what it wrote to stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(source, label, "exec"), ns)  # our own notebooks
    except Exception:  # any failure is reported to the caller
        return traceback.format_exc(limit=3), err.getvalue()
    return None, err.getvalue()


def solution_namespace(nb) -> dict:
    """Run the setup and answer cells (model solutions) in order; the resulting globals."""
    ns: dict = {"__name__": "__lab__"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for cell in nb.cells:
            if cell.cell_type == "code" and not _is_test(cell):
                error, _ = _run(cell.source, ns, cell.get("id", "?"))
                if error:
                    raise RuntimeError(f"solution cell {cell.get('id')} failed:\n{error}")
    finally:
        os.chdir(cwd)
    return ns


def _test_metadata(cell: TestCell) -> dict:
    return {"deletable": False, "editable": False,
            "nbgrader": {"grade": True, "grade_id": cell.grade_id, "locked": True,
                         "points": cell.points, "schema_version": 3, "solution": False,
                         "task": False},
            "reciprocity": {"assesses": cell.assesses, "insight": cell.insight}}


def apply(nb, cells: list[TestCell]) -> list[str]:
    """Write the generated test cells into ``nb``; the grade_ids that changed."""
    index = {c.get("id"): i for i, c in enumerate(nb.cells)}
    wanted = {c.grade_id for c in cells}
    stray = [c.get("id") for c in nb.cells if _is_test(c) and c.get("id") not in wanted]
    if stray:
        raise SystemExit(f"test cells without a spec: {stray}; add them to tools/lab_spec.py")
    changed = []
    for spec in cells:
        source, meta = render(spec), _test_metadata(spec)
        if spec.grade_id in index:
            cell = nb.cells[index[spec.grade_id]]
            # the grading summary's labels are the notebook's: the spec only seeds new cells
            meta["reciprocity"] = cell.metadata.get("reciprocity") or meta["reciprocity"]
            if cell.source != source or cell.metadata != meta:
                changed.append(spec.grade_id)
            cell.source, cell.metadata = source, meta
        else:
            if spec.after not in index:
                raise SystemExit(f"{spec.grade_id} is new: its spec must name an existing `after` cell")
            cell = nbformat.v4.new_code_cell(source, metadata=meta)
            cell.id = spec.grade_id
            nb.cells.insert(index[spec.after] + 1, cell)
            index = {c.get("id"): i for i, c in enumerate(nb.cells)}
            changed.append(spec.grade_id)
    return changed


def _blocks(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """(lines inside begin/end blocks, lines outside them)."""
    inside, outside, on = [], [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == begin:
            on = True
        elif marker == end:
            on = False
        else:
            (inside if on else outside).append(marker)
    return inside, outside


def verify(lab: str, nb) -> list[str]:
    """Problems with a source notebook: failing tests on the solution, leaked lines."""
    problems = []
    ns: dict = {"__name__": "__lab__"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            error, err = _run(cell.source, ns, cell.get("id", "?"))
            if _is_test(cell):
                if error:
                    problems.append(f"{lab}: {cell.id} fails on the model solution:\n{error}")
                elif err.strip():
                    problems.append(f"{lab}: {cell.id} writes to stderr (nbgrader scores it 0): {err[:300]}")
            elif error:
                problems.append(f"{lab}: answer cell {cell.get('id')} fails:\n{error}")
    finally:
        os.chdir(cwd)
    secret, shown = set(), []
    for cell in nb.cells:
        hidden, rest = _blocks(cell.source, BEGIN_HIDDEN, END_HIDDEN)
        solution, rest2 = _blocks("\n".join(rest), "### BEGIN SOLUTION", "### END SOLUTION")
        secret |= {ln for ln in hidden + solution if len(ln) >= 25 and not ln.startswith("#")}
        shown.append("\n".join(rest2))
    shown_text = "\n".join(shown)
    problems += [f"{lab}: a hidden or solution line is also visible: {ln[:70]}"
                 for ln in sorted(secret) if ln in shown_text]
    for cell in nb.cells:
        if _is_test(cell):
            last = [ln for ln in cell.source.splitlines()
                    if ln.strip() and not ln.strip().startswith("#")][-1]
            # print() returns None, which nbgrader does not read as partial credit
            if not (last.lstrip().startswith(("assert", "###", "print(")) or last.startswith(" ")):
                problems.append(f"{lab}: {cell.id} ends with an expression (read as partial credit)")
    return problems


def build(lab: str) -> tuple[object, list[str]]:
    """The source notebook with freshly generated test cells, and the grade_ids that changed."""
    nb = nbformat.read(notebook_path(lab), as_version=4)
    cells = lab_spec.SPECS[lab](solution_namespace(nb))
    changed = apply(nb, cells)
    return nb, changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labs", nargs="*", metavar="LAB",
                        help=f"labs to process, among {', '.join(LABS)} (default: all)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a committed test cell differs from the spec")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.labs) - set(LABS))
    if unknown:
        parser.error(f"unknown lab(s) {unknown}; choose from {list(LABS)}")
    status = 0
    for lab in args.labs or LABS:
        nb, changed = build(lab)
        problems = verify(lab, nb)
        for problem in problems:
            print(problem, file=sys.stderr)
        if args.check:
            if changed:
                print(f"{lab}: test cells differ from tools/lab_spec.py: {changed}; "
                      "run `python -m tools.lab_tests` and `python -m tools.release_labs`",
                      file=sys.stderr)
                status = 1
            elif not problems:
                print(f"{lab}: test cells match the spec and pass on the model solution")
        else:
            nbformat.write(nb, notebook_path(lab))
            print(f"{lab}: {len(changed)} test cell(s) rewritten {changed if changed else ''}")
        status = status or int(bool(problems))
    return status


if __name__ == "__main__":
    sys.exit(main())
