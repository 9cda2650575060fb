"""The study registry: one record per study, and no page that contradicts it."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from reciprocity import data, studies

ROOT = Path(__file__).resolve().parents[1]


def course_texts() -> dict[str, str]:
    """Every text a reader meets: book pages, notebooks' Markdown, labs, practice items, datasets."""
    texts = {}
    for path in sorted((ROOT / "book").rglob("*.md")):
        texts[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    notebooks = sorted((ROOT / "book").rglob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb")) \
        + sorted((ROOT / "exercises").glob("*/*.ipynb"))
    for path in notebooks:
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        texts[path.relative_to(ROOT).as_posix()] = "\n\n".join(
            c.source for c in nb.cells if c.cell_type == "markdown")
    for path in sorted((ROOT / "book").rglob("*.practice.yml")):
        texts[path.relative_to(ROOT).as_posix()] = "\n\n".join(_strings(yaml.safe_load(path.read_text())))
    for name in data.names():
        texts[f"datapackage: {name}"] = data.describe(name).description
    return texts


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def test_every_record_is_complete_and_cites_a_known_work():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))
    for key, study in studies.registry().items():
        assert study.kind in studies.KINDS, key
        if study.cite:
            assert study.cite in keys, f"{key}: {study.cite} is not in references.bib"
        if study.dataset:
            assert study.dataset in data.names(), f"{key}: no dataset {study.dataset}"
        if study.n_file is not None:
            assert study.n_study is not None and study.n_file != study.n_study, key


def test_shipped_files_have_the_sizes_their_records_give():
    for key, study in studies.registry().items():
        if study.dataset and study.n_unit:
            rows = len(data.load(study.dataset))
            expected = study.n_file if study.n_file is not None else study.n_study
            if study.dataset == "fox_guyer1978":
                continue  # one row per group; n_study counts groups, checked below
            assert rows == expected, f"{key}: {study.dataset} has {rows:,} rows, the record says {expected:,}"
    assert len(data.load("fox_guyer1978")) == studies.get("fox1978public").n_study


def test_dataset_descriptions_come_from_the_registry():
    for key, study in studies.registry().items():
        if study.dataset:
            described = data.describe(study.dataset).description
            assert study.design in described, f"{study.dataset}: description does not start from {key}'s record"
            assert study.observers in described


@pytest.mark.parametrize("name", sorted(course_texts()))
def test_no_page_contradicts_a_study_record(name):
    problems = studies.check_text(course_texts_cache()[name])
    assert problems == [], "\n".join(str(p) for p in problems)


_CACHE: dict[str, str] = {}


def course_texts_cache() -> dict[str, str]:
    if not _CACHE:
        _CACHE.update(course_texts())
    return _CACHE


# --- the checker itself finds what it should, and only that


@pytest.mark.parametrize("sentence", [
    "Broockman (2013) shows how the shadow of the future keeps legislators replying.",
    "In {cite:t}`broockman2013black` legislators repaid the constituent's trust.",
    "Broockman's sender asked for help registering to vote.",
    "{cite:t}`broockman2013black` e-mailed 5,593 American state legislators.",
    "Broockman e-mailed 5,000 state legislators.",
    "In the GGL control group nobody was watching.",
    "The Franses & Paap donors gave anonymously, with nobody watching.",
    "Fox & Guyer show that a personal norm drives anonymous cooperation.",
])
def test_the_checker_flags_a_contradiction(sentence):
    assert studies.check_text(sentence), sentence


@pytest.mark.parametrize("sentence", [
    "Broockman (2013) is not a test of repaying a favour: no favour came first.",
    "Broockman (2013) e-mailed 6,928 US state legislators.",
    "The shipped file of Broockman's study holds 5,593 legislators.",
    "Dal Bó (2005) varied the continuation probability; cooperation rose with it.",
    "GGL's control households received no letter; voting is a public record.",
])
def test_the_checker_accepts_a_faithful_sentence(sentence):
    assert studies.check_text(sentence) == [], studies.check_text(sentence)


def test_a_malformed_record_is_refused_with_its_name():
    with pytest.raises(studies.RegistryError, match="example: kind"):
        studies._study("example", {f: "x" for f in studies.REQUIRED} | {"names": ["X"], "kind": "anecdote"})
    with pytest.raises(studies.RegistryError, match="missing field"):
        studies._study("example", {"title": "X", "names": ["X"], "kind": "analogue"})
