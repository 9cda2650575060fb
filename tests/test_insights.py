"""The insight index (reciprocity.insights) points at things that exist, and misses none of them.

Every chapter is listed once with its title; every analysis module, simulator
and explorer it names imports and is what it says; every explorer and
simulator module of the package belongs to some insight; every graded cell of
every lab is filed under exactly one insight; and CONTRIBUTING.md shows the
index as :func:`reciprocity.insights.markdown_table` renders it.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from reciprocity import insights
from reciprocity.explorers import EXPLORERS, load_all
from reciprocity.insights import INSIGHTS, Insight
from tests.support.common import ROOT
from tools import insight_index

IDS = [insight.key for insight in INSIGHTS]
CHAPTERS = [*sorted((ROOT / "book" / "insights").glob("[0-9][0-9]-*.ipynb")), ROOT / "book" / "primer.ipynb"]


def _first_heading(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return next(line for cell in notebook.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("# "))


def _graded_cells(lab: str) -> list[str]:
    """grade_ids of the cells nbgrader scores (tests and written answers), in notebook order."""
    notebook = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    return [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")]


def _package_modules(package: str) -> set[str]:
    """Public modules of ``reciprocity.<package>`` (file stems not starting with an underscore)."""
    return {p.stem for p in (ROOT / "reciprocity" / package).glob("*.py") if not p.stem.startswith("_")}


def test_the_records_are_frozen_and_typed():
    assert dataclasses.is_dataclass(Insight) and Insight.__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        INSIGHTS[0].title = "x"  # type: ignore[misc]
    assert all(isinstance(insight, Insight) for insight in INSIGHTS)


def test_each_chapter_is_listed_once_in_book_order():
    listed = [ROOT / insight.chapter for insight in INSIGHTS]
    assert Counter(listed) == Counter(CHAPTERS), "list every chapter (and the primer) exactly once"
    assert [i.number for i in INSIGHTS] == [None, *range(1, 15)]
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("insight", INSIGHTS, ids=IDS)
def test_the_chapter_exists_under_its_key_and_title(insight):
    path = ROOT / insight.chapter
    assert path.is_file()
    assert insight.key == ("primer" if insight.number is None else path.stem)
    assert _first_heading(path) == f"# {insight.label}"


@pytest.mark.parametrize("insight", INSIGHTS, ids=IDS)
def test_a_missing_piece_says_why_and_a_present_one_does_not(insight):
    for pieces, why in [(insight.analyses, insight.why_no_analysis),
                        (insight.simulators, insight.why_no_simulator),
                        (insight.lab_questions, insight.why_no_lab_question)]:
        assert bool(pieces) != bool(why.strip()), (pieces, why)
    assert insight.explorers, "every chapter has an explorer"


@pytest.mark.parametrize("insight", INSIGHTS, ids=IDS)
def test_analyses_are_dataset_modules(insight):
    for name in insight.analyses:
        assert name.startswith("reciprocity.analyses."), name
        importlib.import_module(name)


@pytest.mark.parametrize("insight", INSIGHTS, ids=IDS)
def test_simulators_are_functions_of_the_simulate_package(insight):
    for path in insight.simulators:
        module, name = path.rsplit(".", 1)
        assert module.startswith("reciprocity.simulate.") and not name.startswith("_"), path
        assert callable(getattr(importlib.import_module(module), name)), path


@pytest.mark.parametrize("insight", INSIGHTS, ids=IDS)
def test_explorers_are_registered_in_the_module_named_for_the_chapter(insight):
    load_all()
    slug = "power" if insight.number is None else insight.key.split("-", 1)[1].replace("-", "_")
    assert insight.explorer_module == slug, "explorer modules are named for what their chapters teach"
    outputs = (ROOT / insight.chapter).read_text(encoding="utf-8")
    for name in insight.explorers:
        assert name in EXPLORERS, f"{name} is not a registered builder"
        assert EXPLORERS[name].__module__ == f"reciprocity.explorers.{slug}", name
        assert f'data-explorer=\\"{name}\\"' in outputs, f"{insight.chapter} does not show {name}"


def test_every_explorer_belongs_to_one_insight_and_every_module_to_some():
    listed = Counter(name for insight in INSIGHTS for name in insight.explorers)
    assert listed == Counter(set(load_all())), "list each registered explorer under exactly one insight"
    modules = _package_modules("explorers") - {"core", "expr"}
    assert modules == {insight.explorer_module for insight in INSIGHTS}


#: Simulator modules that serve the course's tools rather than a chapter, and what for.
TOOL_SIMULATORS = {"item_response": "classes with known item parameters, to validate the graders' item report"}


def test_every_simulator_module_belongs_to_some_insight():
    used = {path.split(".")[2] for insight in INSIGHTS for path in insight.simulators}
    assert _package_modules("simulate") - set(TOOL_SIMULATORS) <= used, "add the module's simulators to an insight"
    assert not used & set(TOOL_SIMULATORS), "a simulator a chapter runs is not only a tool's"


def test_every_analysis_module_belongs_to_some_insight():
    used = {name.rsplit(".", 1)[1] for insight in INSIGHTS for name in insight.analyses}
    assert _package_modules("analyses") <= used


def test_every_graded_lab_cell_is_filed_under_exactly_one_insight():
    labs = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    filed = Counter(pair for insight in INSIGHTS for pair in insight.grade_ids)
    assert [pair for pair, count in filed.items() if count > 1] == []
    graded = {(lab, grade_id) for lab in labs for grade_id in _graded_cells(lab)}
    assert set(filed) - graded == set(), "these grade ids are not graded cells of their lab"
    assert graded - set(filed) == set(), "file these graded cells under an insight"
    for insight in INSIGHTS:
        for questions in insight.lab_questions:
            assert (ROOT / questions.notebook).is_file()
            order = _graded_cells(questions.lab)
            assert list(questions.grade_ids) == sorted(questions.grade_ids, key=order.index), \
                f"{insight.key}: list {questions.lab}'s grade ids in notebook order"


def test_lookups_find_the_records_and_refuse_unknown_names():
    assert insights.by_number(13).explorer_module == "show_the_sacrifice"
    assert insights.by_key("primer").explorers == ("power_calculator",)
    assert insights.insight_of("trials", "ship_memo").number == 14
    with pytest.raises(KeyError, match="from 1 to 14"):
        insights.by_number(15)
    with pytest.raises(KeyError, match="file it"):
        insights.insight_of("outreach", "no_such_cell")


def test_contributing_shows_the_index_as_rendered():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert insight_index.block(text) == "\n" + insights.markdown_table(), \
        "CONTRIBUTING.md's insight index is stale: run python -m tools.insight_index"
    table = insights.markdown_table()
    assert len(table.strip().splitlines()) == 2 + len(INSIGHTS)
    for insight in INSIGHTS:
        assert insight.chapter in table and all(name in table for name in insight.explorers)
