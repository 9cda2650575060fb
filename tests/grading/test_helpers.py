"""Fast checks of the grading helpers (the end-to-end runs are in test_labs.py)."""
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from reciprocity import grading
from reciprocity.grading.course import submission_problem
from reciprocity.grading.nbgrader_cli import glob_escape
from reciprocity.grading.preprocessors import CappedOutputExecute


def _nb_with_ids(tmp_path, ids):
    nb = new_notebook(cells=[new_code_cell("x = 1") for _ in ids])
    for cell, gid in zip(nb.cells, ids, strict=True):
        cell.metadata["nbgrader"] = {"grade_id": gid, "grade": False, "solution": True,
                                     "locked": False, "schema_version": 3}
    path = tmp_path / "sub" / "lab.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def test_precheck_names_duplicate_grade_ids(tmp_path):
    path = _nb_with_ids(tmp_path, ["a", "b", "a"])
    reason = submission_problem(path.parent)
    assert "duplicate grade_id" in reason and "a" in reason


def test_precheck_accepts_unique_ids_and_rejects_broken_json(tmp_path):
    path = _nb_with_ids(tmp_path, ["a", "b"])
    assert submission_problem(path.parent) == ""
    path.write_text("{not json", encoding="utf-8")
    assert "not a valid notebook" in submission_problem(path.parent)


def test_precheck_reports_an_empty_submission(tmp_path):
    assert "no notebook" in submission_problem(tmp_path)


def test_student_ids_are_matched_literally():
    assert glob_escape("ann*") == "ann[*]"
    assert glob_escape("b[1]?") == "b[[]1][?]"


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



def test_outputs_quoting_hidden_tests_are_removed_and_errors_stay_errors():
    hidden = "x = 1\n### BEGIN HIDDEN TESTS\nassert secret_check(x) == 2, 'x should be 2'\n### END HIDDEN TESTS"
    test = new_code_cell(hidden)
    test.outputs = [new_output("stream", name="stdout", text=hidden),
                    new_output("error", ename="AssertionError", evalue="x should be 2",
                               traceback=["assert secret_check(x) == 2, 'x should be 2'"])]
    later = new_code_cell("print(In)")
    later.outputs = [new_output("stream", name="stderr", text="... assert  secret_check(x) == 2, "
                                "'x should be 2' ..."),
                     new_output("display_data", data={"text/plain": "harmless"})]
    nb, _ = grading.RedactHiddenTests().preprocess(new_notebook(cells=[test, later]), {})
    notice = grading.RedactHiddenTests.notice
    assert nb.cells[0].outputs[0]["text"] == notice + "\n"
    assert nb.cells[0].outputs[1]["output_type"] == "error"
    # the traceback quoted the hidden line: cut to its message, which quotes nothing hidden
    assert nb.cells[0].outputs[1]["traceback"] == ["AssertionError: x should be 2"]
    assert nb.cells[1].outputs[0]["name"] == "stderr"  # a failed test stays failed
    assert notice in nb.cells[1].outputs[0]["text"]
    assert nb.cells[1].outputs[1]["data"]["text/plain"] == "harmless"
    assert "secret_check" not in json.dumps(nb.cells[1].outputs)


def _msg(kind, **content):
    return {"msg_type": kind, "content": content, "parent_header": {"msg_id": "m"},
            "header": {"msg_type": kind}}


def test_output_past_the_limit_is_dropped_but_what_decides_a_grade_is_kept():
    ex = CappedOutputExecute(output_limit=100, kept_when_over=10)
    ex.reset_execution_trackers()
    ex.clear_before_next_output = False
    ex._output_bytes = 0
    outs = []
    ex.output(outs, _msg("stream", name="stdout", text="a" * 90), None, 0)
    ex.output(outs, _msg("stream", name="stdout", text="b" * 1000), None, 0)
    ex.output(outs, _msg("display_data", data={"text/plain": "c" * 1000}, metadata={}), None, 0)
    ex.output(outs, _msg("stream", name="stderr", text="warning " * 100), None, 0)
    ex.output(outs, _msg("stream", name="stderr", text="more"), None, 0)
    ex.output(outs, _msg("execute_result", data={"text/plain": "0.5" * 100}, metadata={},
                         execution_count=3), None, 0)
    ex.output(outs, _msg("error", ename="AssertionError", evalue="e" * 100,
                         traceback=["t" * 100] * 5), None, 0)
    kinds = [(o["output_type"], o.get("name")) for o in outs]
    assert kinds == [("stream", "stdout"), ("stream", "stdout"), ("stream", "stderr"),
                     ("execute_result", None), ("error", None)]
    assert outs[0]["text"] == "a" * 90 and "not kept" in outs[1]["text"]
    assert len(outs[2]["text"]) == 10 and len(outs[3]["data"]["text/plain"]) == 10
    assert outs[4]["ename"] == "AssertionError" and len(outs[4]["traceback"]) == 3
