"""Fast checks of the grading helpers (the end-to-end runs are in test_labs.py)."""
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from reciprocity import grading


def _nb_with_ids(tmp_path, ids):
    nb = new_notebook(cells=[new_code_cell("x = 1") for _ in ids])
    for cell, gid in zip(nb.cells, ids):
        cell.metadata["nbgrader"] = {"grade_id": gid, "grade": False, "solution": True,
                                     "locked": False, "schema_version": 3}
    path = tmp_path / "sub" / "lab.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def test_precheck_names_duplicate_grade_ids(tmp_path):
    path = _nb_with_ids(tmp_path, ["a", "b", "a"])
    reason = grading._precheck(path.parent)
    assert "duplicate grade_id" in reason and "a" in reason


def test_precheck_accepts_unique_ids_and_rejects_broken_json(tmp_path):
    path = _nb_with_ids(tmp_path, ["a", "b"])
    assert grading._precheck(path.parent) == ""
    path.write_text("{not json", encoding="utf-8")
    assert "not a valid notebook" in grading._precheck(path.parent)


def test_precheck_reports_an_empty_submission(tmp_path):
    assert "no notebook" in grading._precheck(tmp_path)


def test_student_ids_are_matched_literally():
    assert grading._glob_escape("ann*") == "ann[*]"
    assert grading._glob_escape("b[1]?") == "b[[]1][?]"


def test_hidden_traceback_is_cut_to_its_message():
    cell = new_code_cell("x = 1\n### BEGIN HIDDEN TESTS\nassert x == 2, 'x should be 2'\n### END HIDDEN TESTS")
    cell.outputs = [new_output("error", ename="AssertionError", evalue="x should be 2",
                               traceback=["assert x == 2, 'x should be 2'", "AssertionError"])]
    visible = new_code_cell("assert y == 3")
    visible.outputs = [new_output("error", ename="NameError", evalue="y",
                                  traceback=["assert y == 3", "NameError"])]
    nb = new_notebook(cells=[cell, visible])
    nb, _ = grading.StripHiddenTracebacks().preprocess(nb, {})
    assert nb.cells[0].outputs[0]["traceback"] == ["AssertionError: x should be 2"]
    assert nb.cells[1].outputs[0]["traceback"] == ["assert y == 3", "NameError"]


def test_grade_lab_rejects_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        grading.grade_lab("outreach", tmp_path / "missing")
    with pytest.raises(ValueError, match="timeout"):
        grading.grade_lab("outreach", tmp_path, timeout=0)
    with pytest.raises(FileNotFoundError, match="no submissions"):
        grading.grade_lab("outreach", tmp_path, timeout=5)

