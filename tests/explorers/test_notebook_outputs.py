"""Each explorer a notebook shows is stored once, as the HTML the book renders, and is current.

An explorer's output is one ``text/html`` (the div and the script holding its
Vega-Lite spec) and a line of ``text/plain``: no Vega-Lite mimetype beside it,
which would store the same spec a second time. The spec stored is the one its
builder makes today (else: re-execute the notebook, ``python -m
tools.execute_notebooks``).
"""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from reciprocity.explorers import EXPLORERS, load_all
from reciprocity.explorers.core import embedded_spec
from tests.support.common import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
SCHEMA = "vega.github.io/schema/vega-lite"
NAME = re.compile(r'data-explorer="([^"]+)"')


def explorer_outputs(path) -> list[dict]:
    notebook = nbformat.read(path, as_version=4)
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if SCHEMA in json.dumps(output)]


def _html(output: dict) -> str:
    html = output.get("data", {}).get("text/html", "")
    return html if isinstance(html, str) else "".join(html)


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    return {name: builder().spec() for name, builder in load_all().items()}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_explorer_output_stores_its_spec_once(path, specs):
    for output in explorer_outputs(path):
        data = output.get("data", {})
        assert set(data) == {"text/html", "text/plain"}, \
            f"{path.name}: an explorer output holds {sorted(data)}; re-execute the notebook"
        assert json.dumps(output).count(SCHEMA) == 1, f"{path.name}: a spec stored more than once"
        html = _html(output)
        names = NAME.findall(html)
        assert len(names) == 1 and names[0] in EXPLORERS, f"{path.name}: {names}"
        assert embedded_spec(html) == specs[names[0]], \
            f"{path.name}: the stored {names[0]} is not what its builder makes; re-execute the notebook"


def test_every_explorer_is_stored_in_some_notebook():
    shown = {name for path in NOTEBOOKS for output in explorer_outputs(path)
             for name in NAME.findall(_html(output))}
    assert shown == set(load_all())
