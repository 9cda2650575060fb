"""reciprocity.grading.intake: which submissions are flagged before a kernel starts, and why.

Fast checks on real lab notebooks (the ``trials`` release answered with the
model answers, from ``tests.support.corpus``), without a gradebook: the file
checks, the grading-metadata edits nbgrader 0.9 stops on, and the edits it
repairs (left to it). That nbgrader's own reading agrees with the intake, and
that it all holds inside a real batch, is tested in ``test_corpus.py``.
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from reciprocity.grading import intake
from reciprocity.grading.settings import Limits, MiB
from tests.support import corpus
from tests.support.common import ROOT

LAB = corpus.LAB


class SourceOnly:
    """As much of a ``Course`` as the checks against the lab's source need."""

    def source_folder(self, lab: str) -> Path:
        return ROOT / "solutions" / lab


@pytest.fixture(scope="module")
def lab():
    return corpus.Lab.load(LAB)


def _submit(tmp_path: Path, content: bytes | dict, name: str = f"{LAB}.ipynb") -> Path:
    folder = tmp_path / "submitted" / "ann" / LAB
    folder.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    (folder / name).write_bytes(data)
    return folder


def _problem(folder: Path, **kw) -> str:
    return intake.submission_problem(folder, course=SourceOnly(), lab=LAB, **kw)


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize("base", corpus.BASES)
def test_honest_submissions_are_admitted(tmp_path, lab, base):
    assert _problem(_submit(tmp_path, corpus.answered(lab, base))) == ""


@pytest.mark.parametrize("mutation", [m for m in corpus.FILE_MUTATIONS if m != "too_large"])
def test_what_is_not_a_notebook_is_flagged_with_what_to_do(tmp_path, lab, mutation):
    for seed in range(6):  # each mutation has several variants, chosen by the seed
        sub = corpus.build(lab, "full", [mutation], seed)
        reason = _problem(_submit(tmp_path, sub.content))
        assert reason.startswith(f"{LAB}.ipynb "), (mutation, seed, reason)
        assert "ask the student" in reason, reason


def test_a_notebook_over_the_size_limit_is_flagged_before_it_is_read(tmp_path, lab):
    folder = _submit(tmp_path, corpus.answered(lab, "full"))
    size = (folder / f"{LAB}.ipynb").stat().st_size
    reason = _problem(folder, max_bytes=size - 1)
    assert "over the" in reason and "--max-notebook-mb" in reason
    assert _problem(folder, max_bytes=size) == ""
    assert Limits().notebook == 20 * MiB


@pytest.mark.parametrize("kind, expected", [
    ("empty", "is empty"), ("binary", "binary data"), ("utf16", "not UTF-8"),
    ("json", "broken JSON at line 1, column"), ("v3", "format version 3"), ("list", "not a notebook"),
])
def test_each_kind_of_broken_file_says_what_it_is(tmp_path, lab, kind, expected):
    nb = corpus.answered(lab, "full")
    content = {"empty": b"", "binary": b"\x00\x01PK\x03\x04", "utf16": json.dumps(nb).encode("utf-16"),
               "json": b'{"cells": [', "v3": json.dumps({**nb, "nbformat": 3}).encode(),
               "list": b"[1, 2]"}[kind]
    assert expected in _problem(_submit(tmp_path, content))


def test_links_and_devices_are_not_read(tmp_path):
    folder = tmp_path / "submitted" / "ann" / LAB
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not the student's")
    (folder / f"{LAB}.ipynb").symlink_to(secret)
    assert "link" in intake.submission_problem(folder)
    (folder / f"{LAB}.ipynb").unlink()
    os.mkfifo(folder / f"{LAB}.ipynb")  # opening it for reading would wait for a writer forever
    assert "not a regular file" in intake.submission_problem(folder)


def test_only_the_labs_notebooks_count(tmp_path, lab):
    folder = _submit(tmp_path, corpus.answered(lab, "full"), name="my-copy.ipynb")
    reason = _problem(folder)
    assert f"expected {LAB}.ipynb" in reason and "my-copy.ipynb" in reason
    (folder / "scratch.ipynb").write_bytes(b"not json")  # beside the lab's notebook, ignored as nbgrader does
    (folder / f"{LAB}.ipynb").write_text(json.dumps(corpus.answered(lab, "full")))
    assert _problem(folder) == ""


@pytest.mark.parametrize("edit, expected", [
    (lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].update(grade_id="test_lift_v2"),
     "grade id 'test_lift_v2', which the lab does not have"),
    (lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].update(grade_id=42), "has no grade id"),
    (lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].update(points="ten"), "are 'ten', not a number"),
    (lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].pop("points"), "its points were removed"),
    (lambda nb: _cell(nb, "users_answer")["metadata"]["nbgrader"].update(grade=True, points=5),
     "marked as graded, which it is not"),
    (lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].update(grade=False),
     "locked cell 'test_lift' was marked"),
    (lambda nb: _cell(nb, "test_lift")["metadata"].update(nbgrader="graded"), "not a mapping"),
    (lambda nb: nb["cells"].append(copy.deepcopy(_cell(nb, "test_lift"))), "duplicate grade_id(s) test_lift"),
])
def test_metadata_edits_that_stop_nbgrader_are_flagged(tmp_path, lab, edit, expected):
    nb = corpus.answered(lab, "partial-a")
    edit(nb)
    reason = _problem(_submit(tmp_path, nb))
    assert expected in reason and intake.FRESH_COPY in reason, reason


def test_a_test_deleted_with_the_answer_before_it_is_flagged_but_not_alone(tmp_path, lab):
    nb = corpus.answered(lab, "full")
    nb["cells"].remove(_cell(nb, "test_conversion"))  # nbgrader puts it back after conversion_answer
    assert _problem(_submit(tmp_path, nb)) == ""
    del _cell(nb, "conversion_answer")["metadata"]["nbgrader"]  # now it has nowhere to go
    reason = _problem(_submit(tmp_path, nb))
    assert "lost graded cell 'test_conversion'" in reason and "'conversion_answer'" in reason


def _as_markdown(cell: dict) -> None:
    cell["cell_type"] = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


@pytest.mark.parametrize("edit", [
    lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].update(points=1000),
    lambda nb: _cell(nb, "test_lift")["metadata"]["nbgrader"].update(checksum="0" * 32),
    lambda nb: _as_markdown(_cell(nb, "test_lift")),
    lambda nb: _cell(nb, "setup")["metadata"]["nbgrader"].update(locked=False),
    lambda nb: nb["metadata"].update(kernelspec={"name": "bash", "display_name": "Bash", "language": "bash"}),
    lambda nb: nb["cells"].reverse(),
    lambda nb: [nb["cells"].remove(c) for c in list(nb["cells"])
                if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "code"],
])
def test_edits_nbgrader_repairs_are_left_to_it(tmp_path, lab, edit):
    nb = corpus.answered(lab, "full")
    edit(nb)
    assert _problem(_submit(tmp_path, nb)) == ""


def test_runs_nbgrader_gave_up_on_because_of_the_code_are_flagged():
    assert "did not stop when interrupted" in intake.stopped_by_code(
        "CellTimeoutError: A cell timed out while it was being executed, after 4 seconds.")
    assert "kernel died" in intake.stopped_by_code("the kernel died")
    assert intake.stopped_by_code("OperationalError: database is locked") == ""


def test_the_corpus_is_deterministic_and_large_enough(lab):
    first = corpus.corpus(12, lab)
    assert [s.content for s in corpus.corpus(4, lab, start=8)] == [s.content for s in first[8:]]
    assert len({s.student for s in first}) == 12
    names = {m for s in first for m in s.mutations}
    assert names <= set(corpus.MUTATIONS)
    # >= 1,000 distinct submissions: the index seeds them, so a later index is just as cheap
    far = corpus.corpus(1, lab, start=999)[0]
    assert far.student == "c0999" and far.content
