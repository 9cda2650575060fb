"""A small nbgrader course for the grading tests: its lab notebook, the course folder, graded submissions.

The lab, ``probe`` by default, has one answer cell (``x = 42``), test cells
that check it and memos graded by hand. Its gradebook is filled one of two
ways:

* ``make_course`` runs nbgrader's ``generate_assignment``, as an instructor
  does (needed when a test grades submissions or reads the student release);
* ``register_lab`` writes the lab's cells straight into the gradebook with
  nbgrader's Gradebook API: enough to export, summarise and report, in a
  fraction of the time.

``write_submission`` then writes a graded submission as autograde (and a
grader in the formgrader) would leave it, without running anyone's code.
"""
from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.support.common import ROOT

LAB = "probe"
MARK_SCHEME = "=== BEGIN MARK SCHEME ===\nAnything.\n=== END MARK SCHEME ===\n\n"
SUBMITTED_AT = datetime(2026, 12, 1, 12, 0)


def lab_notebook(tests: Mapping[str, float] | None = None, memos: Mapping[str, float] | None = None, *,
                 mark_scheme: bool = False, labels: Mapping[str, Mapping[str, str]] | None = None
                 ) -> nbformat.NotebookNode:
    """The lab's source: the answer cell, then a test cell per ``tests`` item, then a memo per ``memos`` item.

    ``tests`` and ``memos`` map a ``grade_id`` to its points (default: ``test_x``
    worth 2 and ``memo`` worth 3, the cells 0-2 of the notebook). Each test
    asserts the answer. ``mark_scheme`` puts a mark scheme in the memos;
    ``labels`` gives cells the ``reciprocity`` metadata (``insight``,
    ``assesses``) that the summary and the item report read.
    """
    tests = {"test_x": 2} if tests is None else tests
    memos = {"memo": 3} if memos is None else memos
    answer = new_code_cell("### BEGIN SOLUTION\nx = 42\n### END SOLUTION")
    answer.metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "locked": False,
                                   "schema_version": 3, "solution": True, "task": False}
    cells = [answer]
    for grade_id, points in tests.items():
        test = new_code_cell("assert x == 42")
        test.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
                                     "schema_version": 3, "solution": False, "task": False}
        cells.append(test)
    for grade_id, points in memos.items():
        memo = new_markdown_cell((MARK_SCHEME if mark_scheme else "") + "YOUR ANSWER HERE")
        memo.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": False, "points": points,
                                     "schema_version": 3, "solution": True, "task": False}
        cells.append(memo)
    for cell in cells:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if labels and grade_id in labels:
            cell.metadata["reciprocity"] = dict(labels[grade_id])
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_source(folder: Path, notebook: nbformat.NotebookNode | None = None, *, lab: str = LAB,
                 config_extra: str = "") -> Path:
    """``folder`` as a course: the repository's ``nbgrader_config.py`` (plus ``config_extra``) and the lab's source."""
    (folder / "solutions" / lab).mkdir(parents=True)
    nbformat.write(notebook or lab_notebook(), folder / "solutions" / lab / f"{lab}.ipynb")
    (folder / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text()
                                               + ("\n" + config_extra if config_extra else ""))
    return folder


def make_course(folder: Path, notebook: nbformat.NotebookNode | None = None, *, lab: str = LAB,
                config_extra: str = "", release_directory: str | None = None, timeout: float = 600) -> Path:
    """A course holding ``lab`` in its gradebook through ``nbgrader generate_assignment``; nothing graded yet."""
    write_source(folder, notebook, lab=lab, config_extra=config_extra)
    extra = [f"--CourseDirectory.release_directory={release_directory}"] if release_directory else []
    gen = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force", *extra],
                         cwd=folder, capture_output=True, text=True, timeout=timeout)
    assert gen.returncode == 0, gen.stdout + gen.stderr
    return folder


def register_lab(db_url: str, notebook: nbformat.NotebookNode, *, lab: str = LAB) -> None:
    """Put ``lab`` (one notebook, named after it) and its graded cells in the gradebook, as generate_assignment does."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        gb.update_or_create_assignment(lab)
        gb.update_or_create_notebook(lab, lab)
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                gb.update_or_create_grade_cell(meta["grade_id"], lab, lab, max_score=meta["points"],
                                               cell_type=cell.cell_type)
            if meta.get("solution"):
                gb.update_or_create_solution_cell(meta["grade_id"], lab, lab)


def write_submission(db_url: str, student: str, scores: Mapping[str, float | None], *, lab: str = LAB,
                     timestamp: datetime = SUBMITTED_AT) -> None:
    """A graded submission of an enrolled ``student``, written straight into the gradebook.

    ``scores`` maps a ``grade_id`` to its score: a test cell's becomes its
    autograded score; a memo's its hand grade, or, for None, an answer that
    still waits for one ("needs manual grade"), as autograde leaves it.
    """
    from nbgrader.api import Gradebook

    with warnings.catch_warnings(), Gradebook(db_url) as gb:
        warnings.simplefilter("ignore")  # nbgrader's add_submission trips SQLAlchemy's autoflush
        gb.add_submission(lab, student, timestamp=timestamp)
        for grade_id, score in scores.items():
            grade = gb.find_grade(grade_id, lab, lab, student)
            if grade.cell.cell_type == "markdown":
                grade.manual_score, grade.needs_manual_grade = score, score is None
            else:
                grade.auto_score, grade.needs_manual_grade = score, False
        gb.db.commit()
