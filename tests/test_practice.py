"""Practice items: every chapter's file loads, its numbers come from the package, the book shows them.

The item files sit next to their chapters (``book/primer.practice.yml``,
``book/insights/NN-slug.practice.yml``); ``reciprocity.practice`` computes
their numbers and ``book/_ext/practice.py`` renders them. These tests check
the files against the bar in CONTRIBUTING.md ("Practice items"), recompute
every numeric answer from its spec and compare it with what the built pages
embed (a stale build fails), and check that malformed files fail with
messages that say what is wrong.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from reciprocity.practice import PracticeError, evaluate, load_items, practice_file
from tests.support.common import ROOT, book_extensions_env

PAGES = [ROOT / "book" / "primer.ipynb", *sorted((ROOT / "book" / "insights").glob("[0-9][0-9]-*.ipynb"))]
CHOICE_KINDS = {"choice", "design"}


def prefix(page: Path) -> str:
    return "primer-" if page.stem == "primer" else f"ch{page.name[:2]}-"


def html_of(built_book: Path, page: Path) -> Path:
    return built_book / page.relative_to(ROOT).with_suffix(".html")


def embedded(html: Path) -> list[dict]:
    """The items a built page hands to practice.js."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    scripts = soup.select("script.practice-data")
    assert len(scripts) == 1, f"{html.name}: expected one practice block, found {len(scripts)}"
    return json.loads(scripts[0].string)


# --- the item files -----------------------------------------------------------


def test_there_are_fifteen_pages_with_practice():
    assert len(PAGES) == 15
    for page in PAGES:
        assert "```{practice}" in page.read_text(encoding="utf-8"), f"{page.name}: no practice directive"


@pytest.fixture(scope="module", params=PAGES, ids=lambda p: p.stem)
def page_items(request):
    page = request.param
    path = practice_file(page)
    assert path.is_file(), f"{page.name} has no practice file: write {path.relative_to(ROOT)}"
    return page, load_items(path)


def test_each_page_has_three_items_with_a_number_and_a_choice(page_items):
    page, items = page_items
    kinds = [item.kind for item in items]
    assert len(items) >= 3, f"{page.name}: {len(items)} items; at least 3"
    assert "numeric" in kinds, f"{page.name}: no numeric item"
    assert CHOICE_KINDS & set(kinds), f"{page.name}: no choice or design item"


def test_item_ids_name_their_chapter(page_items):
    page, items = page_items
    for item in items:
        assert item.id.startswith(prefix(page)), f"{item.id} lives in {page.name}"


def test_every_wrong_option_and_listed_mistake_says_why(page_items):
    _, items = page_items
    for item in items:
        for option in item.options:
            assert len(option.why.split()) >= 8, f"{item.id}: explain '{option.text}'"
        for mistake in item.mistakes:
            assert len(mistake.why.split()) >= 8, f"{item.id}: explain the mistake {mistake.value:g}"
        if item.kind == "numeric":
            assert item.unit, f"{item.id}: a numeric item states its unit"


def test_item_ids_are_unique_in_the_book():
    seen: dict[str, str] = {}
    for page in PAGES:
        path = practice_file(page)
        if not path.is_file():
            continue
        for item in load_items(path):
            assert item.id not in seen, f"{item.id} in {page.name} and {seen[item.id]}"
            seen[item.id] = page.name


def recomputed_answers(path: Path) -> dict[str, float]:
    """Each numeric item's answer, computed afresh from the raw YAML with ``evaluate``."""
    answers = {}
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
        if raw["kind"] != "numeric":
            continue
        values: dict = {}
        for name, spec in (raw.get("values") or {}).items():
            values[name] = evaluate(spec, values, raw["id"])
        answers[raw["id"]] = float(evaluate(raw["answer"], values, raw["id"]))
    return answers


@pytest.mark.slow
def test_built_pages_carry_the_answers_the_package_computes(built_book):
    """A page built before a number changed (in the package, the data or the file) fails here."""
    every_id = set()
    for page in PAGES:
        path = practice_file(page)
        assert path.is_file(), f"{page.name}: no practice file"
        shown = {item["id"]: item for item in embedded(html_of(built_book, page))}
        items = load_items(path)
        assert list(shown) == [item.id for item in items], f"{page.name}: items differ from the file"
        for item_id, answer in recomputed_answers(path).items():
            assert math.isclose(shown[item_id]["answer"], answer, rel_tol=1e-9, abs_tol=1e-12), \
                f"{item_id}: page shows {shown[item_id]['answer']}, the package gives {answer}"
        every_id |= set(shown)
    review = {item["id"] for item in embedded(built_book / "book" / "review.html")}
    assert review == every_id, "the Review page holds every item of the book"


@pytest.mark.slow
def test_practice_assets_load_only_on_pages_with_practice(built_book):
    for html in built_book.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        has = 'class="practice-data"' in text
        assert has == ("_static/practice/practice.js" in text), html.name
        assert has == ("_static/practice/practice.css" in text), html.name


# --- malformed files ---------------------------------------------------------

NUMERIC = """\
  - id: ch99-example
    kind: numeric
    prompt: How many e-mails per arm?
    answer: {call: "reciprocity.stats:sample_size", args: [0.06, 0.26]}
    unit: e-mails per arm
    tolerance: {absolute: 1}
    solution: Forty-eight.
"""
CHOICE = """\
  - id: ch99-choice
    kind: choice
    prompt: Which?
    options:
      - {text: This one, correct: true, why: Because it is the right one here.}
      - {text: That one, why: Because it is the wrong one here.}
    solution: This one.
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "99-example.practice.yml"
    path.write_text("items:\n" + body, encoding="utf-8")
    return path


def error_for(tmp_path: Path, body: str) -> str:
    with pytest.raises(PracticeError) as caught:
        load_items(write(tmp_path, body))
    return str(caught.value)


def test_a_valid_file_loads_with_numbers_computed(tmp_path):
    numeric, choice = load_items(write(tmp_path, NUMERIC + CHOICE))
    assert numeric.answer == 48 and numeric.tolerance == 1
    assert numeric.accepts(48.9) and not numeric.accepts(50)
    assert [o.correct for o in choice.options] == [True, False]


def test_call_arguments_can_use_the_items_values(tmp_path):
    body = NUMERIC.replace('args: [0.06, 0.26]', "args: [{value: base}, {value: target}]").replace(
        "    prompt: How many e-mails per arm?\n",
        "    prompt: From {base:.0%} to {target:.0%}?\n"
        "    values: {base: {const: 0.06}, target: {const: 0.26}}\n")
    item, = load_items(write(tmp_path, body))
    assert item.answer == 48 and item.prompt == "From 6% to 26%?"


def test_an_unknown_kind_is_refused(tmp_path):
    message = error_for(tmp_path, NUMERIC.replace("kind: numeric", "kind: essay"))
    assert "ch99-example" in message and "'essay' is not one of numeric, choice, design" in message


def test_a_typed_number_is_refused(tmp_path):
    body = NUMERIC.replace('{call: "reciprocity.stats:sample_size", args: [0.06, 0.26]}', "48")
    message = error_for(tmp_path, body)
    assert "ch99-example, answer" in message and "numbers are computed, never typed" in message


def test_a_mistake_the_tolerance_would_accept_is_refused(tmp_path):
    body = NUMERIC + textwrap.indent(textwrap.dedent("""\
        mistakes:
          - answer: {const: 48.5}
            why: Close, but this would be accepted as right.
        """), "    ")
    message = error_for(tmp_path, body)
    assert "mistake 1" in message and "within the tolerance" in message


def test_a_choice_with_two_right_options_is_refused(tmp_path):
    message = error_for(tmp_path, CHOICE.replace("{text: That one,", "{text: That one, correct: true,"))
    assert "ch99-choice" in message and "exactly one" in message


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(PracticeError, match="cannot read the practice file"):
        load_items(tmp_path / "nowhere.practice.yml")


# --- the Sphinx extension on its own -----------------------------------------

CONF = """\
extensions = ["myst_parser", "practice"]
root_doc = "index"
"""


def sphinx_build(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(src),
                           str(src / "_build")], capture_output=True, text=True, timeout=300,
                          env=book_extensions_env())


def test_the_directive_fails_the_build_when_the_file_is_missing_and_renders_it_when_present(tmp_path):
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.md").write_text("# Index\n\n```{toctree}\nch99\nreview\n```\n", encoding="utf-8")
    (tmp_path / "ch99.md").write_text("# Chapter\n\n## Practice\n\n```{practice}\n```\n", encoding="utf-8")
    (tmp_path / "review.md").write_text("# Review\n\n```{practice-review}\n```\n", encoding="utf-8")
    failed = sphinx_build(tmp_path)
    assert failed.returncode != 0
    assert "has a practice directive but no practice file ch99.practice.yml" in failed.stderr

    write(tmp_path, NUMERIC + CHOICE).rename(tmp_path / "ch99.practice.yml")
    built = sphinx_build(tmp_path)
    assert built.returncode == 0, built.stderr
    chapter = BeautifulSoup((tmp_path / "_build" / "ch99.html").read_text(), "html.parser")
    assert [f["data-item"] for f in chapter.select("form.practice-item")] == ["ch99-example", "ch99-choice"]
    assert chapter.select_one("#practice-ch99-example-input")["inputmode"] == "decimal"
    assert chapter.select_one(".practice-feedback")["aria-live"] == "polite"
    assert chapter.select_one(".practice-reveal").has_attr("disabled")
    assert len(chapter.select('input[type="radio"][name="practice-ch99-choice-choice"]')) == 2
    review = BeautifulSoup((tmp_path / "_build" / "review.html").read_text(), "html.parser")
    assert review.select_one('tr[data-items="ch99-example ch99-choice"] a')["href"] == "ch99.html#practice"
    assert {i["id"] for i in json.loads(review.select_one("script.practice-data").string)} == \
        {"ch99-example", "ch99-choice"}


def test_item_text_cannot_inject_markup(tmp_path):
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.md").write_text("# Index\n\n```{practice}\n```\n", encoding="utf-8")
    body = CHOICE.replace("prompt: Which?", 'prompt: "Which <script>alert(1)</script> **one**?"')
    write(tmp_path, body).rename(tmp_path / "index.practice.yml")
    built = sphinx_build(tmp_path)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "_build" / "index.html").read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <strong>one</strong>" in page
