"""Every insight chapter meets the chapter bar (see CONTRIBUTING.md)."""
from __future__ import annotations

import re

import nbformat
import pytest

from tests.support.common import ROOT

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


EVIDENCE_KINDS = ("direct test", "analogue", "reported case", "simulation", "premise")
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
                 if 'class="reciprocity-explorer"' in o.get("data", {}).get("text/html", "")]
    assert explorers, "no explorer displayed (reciprocity.explorers)"
    figures = [c for c in nb.cells if c.cell_type == "code"
               and any("image/svg+xml" in o.get("data", {}) for o in c.get("outputs", []))]
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
    # the first code cell installs the package where it is missing (tools/install_cells.py)
    setup = next(c for c in nb.cells if c.cell_type == "code" and c.get("id") != "install-course-package")
    assert "hide-input" in setup.metadata.get("tags", [])
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "myst_nb" not in sources, "use reciprocity.book.glue: importing myst_nb costs seconds"


def test_simulated_results_are_labelled(chapter):
    _, nb = chapter
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    if "reciprocity.simulate" in sources or "simulate_" in sources:
        assert re.search(r"\bsimulat", markdown(nb), flags=re.I)


# --- Takeaways no stronger than their evidence (issue 18, item 3) -----------------------------

#: How a claim is graded, in the words of the evidence boxes (CONTRIBUTING.md, "Evidence").
GRADES = {"direct test": r"direct tests?", "analogue": r"analogues?", "reported case": r"reported cases?",
          "simulation": r"simulations?", "premise": r"premises?"}
#: Grades under which nothing was measured that could show the claim ("untested": "no direct test").
WEAK_GRADES = {"premise", "reported case", "simulation", "untested"}
#: Words that claim a finding.
FINDING = re.compile(r"\b(?:shows|showed|proves|proved|proven|finds|found|demonstrates|demonstrated|"
                     r"confirms|confirmed|establishes|established|reveals|revealed)\b", re.I)
NEGATION = re.compile(r"\b(?:not|no|never|nor|neither|nothing|cannot|without|rather than)\b|n't\b", re.I)
ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")


def _plain(text: str) -> str:
    """Markdown as words: roles replaced by their content, emphasis marks dropped."""
    return " ".join(re.sub(r"\*+", "", ROLE.sub(r"\1", text)).split())


def _negated(text: str, start: int, words: int) -> bool:
    return bool(NEGATION.search(" ".join(text[:start].split()[-words:])))


#: A grade denied by the words just before it: "not a direct test", "not on any direct test".
DENIED = re.compile(r"\b(?:not|no|nor|never|without)\s+(?:\w+\s+)?(?:an?\s+|any\s+)?$", re.I)


def grades_named(text: str) -> set[str]:
    """The grades a text names; a denied direct test ("not a direct test") counts as "untested"."""
    text, named = _plain(text), set()
    for grade, pattern in GRADES.items():
        for match in re.finditer(rf"\b{pattern}\b", text, flags=re.I):
            if not DENIED.search(text[:match.start()]):
                named.add(grade)
            elif grade == "direct test":
                named.add("untested")
    return named


def takeaway_items(text: str) -> list[str]:
    """The bullets of a chapter's "Key takeaways" section."""
    section = re.split(r"\n#{1,6} |\nSee also", text.split("## Key takeaways", 1)[1])[0]
    return [" ".join(item.split()) for item in re.split(r"^- ", section, flags=re.M)[1:]]


def takeaway_problems(text: str) -> list[str]:
    """Where a chapter's takeaways claim more than its evidence box grades.

    Every takeaway names the grade of the evidence it rests on, in the words
    the chapter's evidence box uses; and no sentence (or clause after a
    semicolon) claims a finding ("shows", "proves", "finds", ...) when the
    only grades it rests on are a premise, a reported case, a simulation or
    no direct test. A sentence that names no grade rests on its bullet's.
    """
    boxes = EVIDENCE_BOX.findall(text)
    box_grades = grades_named(boxes[0][1]) - {"untested"} if boxes else set()
    items = takeaway_items(text) if "## Key takeaways" in text else []
    problems = [] if items else ["no takeaways"]
    for item in items:
        graded = grades_named(item)
        named = graded - {"untested"}
        if not named:
            problems.append(f"names no grade of evidence ({', '.join(GRADES)}): {item[:90]!r}")
        elif named - box_grades:
            problems.append(f"names {sorted(named - box_grades)}, which the evidence box does not use "
                            f"(box: {sorted(box_grades)}): {item[:90]!r}")
        for sentence in re.split(r"(?<=[.;!?])\s+", _plain(item)):
            grades = grades_named(sentence) or graded
            claims = [m for m in FINDING.finditer(sentence) if not _negated(sentence, m.start(), 4)]
            if claims and grades <= WEAK_GRADES:
                problems.append(f"claims a finding ({claims[0].group(0)!r}) for a claim graded "
                                f"{sorted(grades)}: {sentence[:120]!r}")
    return problems


def test_takeaways_are_no_stronger_than_their_evidence(chapter):
    _, nb = chapter
    problems = takeaway_problems(markdown(nb))
    assert problems == [], "\n".join(problems)


BOX = """::::{admonition} What the evidence is
:class: evidence

- *A favour is returned*: a **direct test**.
- *Readers weigh arguments*: an **analogue**.
- *Careful readers discount gifts*: the chapter's **premise**; no direct test.
- *Reply rates grow with favours*: a **simulation**.
::::
"""


@pytest.mark.parametrize("takeaway, why", [
    ("Careful readers discount gifts.", "names no grade"),
    ("Careful readers discount gifts; no direct test of it is cited.", "names no grade"),
    ("Careful readers discount gifts, which is not a direct test.", "names no grade"),
    ("Careful readers discount gifts, a claim that rests on no single direct test.", "names no grade"),
    ("A case study, a reported case, proves that gifts work.", "does not use"),
    ("The premise that careful readers discount gifts is what this chapter shows.", "claims a finding"),
    ("In a simulation, reply rates grow with favours. It finds that persistence pays.", "claims a finding"),
    ("Reply rates grow with favours, as the simulation demonstrates.", "claims a finding"),
])
def test_the_takeaway_check_flags_an_overclaim(takeaway, why):
    text = BOX + "\n## Key takeaways\n\n- " + takeaway + "\n\nSee also: the glossary."
    problems = takeaway_problems(text)
    assert any(why in p for p in problems), problems


@pytest.mark.parametrize("takeaway", [
    "A direct test shows that a favour is returned {cite:p}`regan1971effects`.",
    "In an analogue, readers weighed arguments; a simulation built on the premise cannot confirm it.",
    "The **premise**: careful readers discount gifts. The simulation works out what follows, not that it is true.",
    "An analogue shows that readers weigh arguments; the simulation assumes the rest.",
    "That unnoticed favours build nothing is a premise of the simulation.",
])
def test_the_takeaway_check_accepts_a_graded_takeaway(takeaway):
    text = BOX + "\n## Key takeaways\n\n- " + takeaway + "\n\nSee also: the glossary."
    assert takeaway_problems(text) == []
