"""Stored notebook outputs are the same on any machine.

nbval compares the outputs stored in each book notebook with a fresh run
(``make test`` runs it with one BLAS thread; outputs are stored with the
machine's default), so nothing stored may depend on the last bits of a float.
"""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from reciprocity.book import stable
from tests.support.common import ROOT
from tests.support.outputs import MAX_SIGNIFICANT, long_floats

NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
def stored_texts(notebook) -> list[tuple[int, str]]:
    """Every text a notebook stores as output: streams, display data, glue records, specs."""
    texts = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append((index, output["text"]))
            for value in output.get("data", {}).values():
                texts.append((index, value if isinstance(value, str) else json.dumps(value)))
    return texts


def test_the_float_check_finds_full_precision_floats():
    assert long_floats("lift 0.37138025692243326 and p 5.900632377390428e-13") == [
        "0.37138025692243326", "5.900632377390428e-13"]
    assert long_floats("rates 0.3713802569, 29.7%, 1e-05, 38,201 and 12.50") == []


def test_glue_rounds_floats_to_stable_digits():
    assert stable(0.1 + 0.2) == 0.3
    assert stable({"a": (2 / 3, 1)}) == {"a": (0.6666666667, 1)}
    assert long_floats(repr(stable(0.37138025692243326))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_carry_no_machine_dependent_floats(path):
    notebook = nbformat.read(path, as_version=4)
    offenders = [(index, token) for index, text in stored_texts(notebook) for token in long_floats(text)]
    assert offenders == [], (
        f"{path.name}: stored outputs print floats to more than {MAX_SIGNIFICANT} significant "
        f"digits (cell index, value): {offenders[:8]}. Glue through reciprocity.book.glue (it "
        "rounds) or format the value as the page shows it, then re-execute the notebook.")


def test_nbval_reexecutes_with_one_blas_thread_and_storage_does_not():
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "$(ONE_THREAD)" in test_recipe and "--nbval" in test_recipe
    assert re.search(r"^ONE_THREAD = OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1", makefile, re.M)
    executor = (ROOT / "tools" / "execute_notebooks.py").read_text()
    assert "NUM_THREADS" not in executor, "outputs must be stored under the machine's default set-up"
