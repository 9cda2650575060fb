"""Every insight chapter meets the chapter bar (see CONTRIBUTING.md)."""
from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT

CHAPTERS = sorted((ROOT / "book" / "insights").glob("[0-9][0-9]-*.ipynb"))
GLUE_ROLE = re.compile(r"\{glue:text\}`([A-Za-z0-9_]+)")


def markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_all_fourteen_chapters_exist_in_blueprint_order_and_in_the_toc():
    assert [p.name[:2] for p in CHAPTERS] == [f"{n:02d}" for n in range(1, 15)]
    toc = (ROOT / "_toc.yml").read_text()
    for path in CHAPTERS:
        assert f"book/insights/{path.stem}" in toc


@pytest.fixture(scope="module", params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_structure(chapter):
    path, nb = chapter
    text = markdown(nb)
    number = int(path.name[:2])
    assert nb.cells[0].source.startswith(f"# {number}. "), "title: '# N. Title'"
    assert "**Learning objectives**" in nb.cells[0].source
    for heading in ("## For outreach", "## For content", "## For onboarding", "## Key takeaways"):
        assert heading in text, f"missing section {heading!r}"
    assert text.index("## For outreach") < text.index("## Key takeaways")


def test_prose_is_long_enough(chapter):
    _, nb = chapter
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", re.sub(r"\{[^}]+\}`[^`]*`", " ", markdown(nb)))
    assert len(words) >= 900


def test_self_check_exercise_with_hidden_solution(chapter):
    path, nb = chapter
    text = markdown(nb)
    label = f"ch{path.name[:2]}-check"
    assert re.search(r"```\{exercise\}[^\n]*\n:label: " + re.escape(label), text)
    assert re.search(r"```\{solution\} " + re.escape(label) + r"\s*\n:class: dropdown", text)


EVIDENCE_KINDS = ("direct test", "analogue", "reported case", "simulation")
EVIDENCE_BOX = re.compile(r"^(:{3,}|`{3,})\{admonition\}[^\n]*\n:class: evidence\n(.*?)^\1\s*$", re.S | re.M)


def test_evidence_box_grades_each_claim(chapter):
    """A box says, claim by claim, what kind of evidence the chapter offers."""
    _, nb = chapter
    boxes = EVIDENCE_BOX.findall(markdown(nb))
    assert len(boxes) == 1, "one admonition with `:class: evidence` per chapter"
    claims = ["- " + item for item in re.split(r"^- ", boxes[0][1], flags=re.M)[1:]]
    assert len(claims) >= 2, "list the chapter's claims, one bullet each"
    for claim in claims:
        kinds = [kind for kind in EVIDENCE_KINDS if kind in " ".join(claim.lower().split())]
        assert kinds, f"say which kind of evidence ({', '.join(EVIDENCE_KINDS)}): {claim[:80]!r}"


def test_self_check_is_numbered_within_its_chapter(chapter):
    path, nb = chapter
    number = int(path.name[:2])
    text = markdown(nb)
    titles = re.findall(r"```\{exercise\}([^\n]*)\n:label: [^\n]+\n:nonumber:", text)
    assert titles, "self-checks are numbered by chapter: `:nonumber:` and a title 'N.k ...'"
    for k, title in enumerate(titles, start=1):
        assert title.strip().startswith(f"{number}.{k} "), title


def test_cites_research_and_links_cheatsheet_and_glossary(chapter):
    _, nb = chapter
    text = markdown(nb)
    assert "{cite:" in text
    assert "</book/cheatsheet>" in text and "</book/glossary>" in text


def test_has_a_browser_explorer_and_a_figure_with_alt_text(chapter):
    _, nb = chapter
    assert "widgets" not in nb.metadata, \
        "no stored widget state: the static book shows only controls that respond"
    explorers = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                 if "application/vnd.vegalite.v6+json" in o.get("data", {})
                 and 'class="reciprocity-explorer"' in o["data"].get("text/html", "")]
    assert explorers, "no explorer displayed (reciprocity.explorers)"
    figures = [c for c in nb.cells if c.cell_type == "code"
               and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert figures, "no figure"
    for cell in figures:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt) > 40, f"figure without a descriptive alt text: {cell.source[:60]!r}"
        assert "hide-input" in cell.metadata.get("tags", []), "plot styling should be hidden"


def test_every_glued_number_in_prose_is_defined_in_the_chapter(chapter):
    _, nb = chapter
    used = set(GLUE_ROLE.findall(markdown(nb)))
    defined = {o["metadata"]["scrapbook"]["name"] for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})}
    assert used, "numbers in prose must come from glue"
    assert used <= defined, f"glued in prose but never computed: {sorted(used - defined)}"


def test_setup_cell_imports_without_myst_nb(chapter):
    _, nb = chapter
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "hide-input" in setup.metadata.get("tags", [])
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "myst_nb" not in sources, "use reciprocity.book.glue: importing myst_nb costs seconds"


def test_simulated_results_are_labelled(chapter):
    _, nb = chapter
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    if "reciprocity.simulate" in sources or "simulate_" in sources:
        assert re.search(r"\bsimulat", markdown(nb), flags=re.I)
