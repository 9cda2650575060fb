"""The study registry: one record per study, and no page that contradicts it."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

from reciprocity import data, practice, studies

ROOT = Path(__file__).resolve().parents[1]

#: Works the course cites for a method, a textbook claim or as its source article, not as
#: evidence about a study's behaviour: they need no record.
NOT_STUDIES = {"cialdini2009influence", "cialdini2016presuasion", "goldstein2008yes",
               "christensen2016competing", "kohavi2020trustworthy", "newcombe1998interval",
               "wilson1927probable", "holm1979simple", "montgomery2018conditioning",
               "driagin2016reciprocity", "gerber2008replication",
               "ebel1991essentials", "cronbach1951coefficient"}  # the item report's measures (instructor guide)


def _markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _practice_text(path: Path) -> str:
    """What a reader meets in a practice file, numbers filled in; a distractor's text is left
    out (it is wrong on purpose), the explanation of why it is wrong is kept."""
    parts = []
    for item in practice.load_items(path):
        parts += [item.prompt, item.solution]
        parts += [m.why for m in item.mistakes]
        for option in item.options:
            parts += ([option.text] if option.correct else []) + [option.why]
    return "\n\n".join(parts)


@lru_cache(maxsize=1)
def course_texts() -> dict[str, str]:
    """Every text a reader meets: book pages, notebooks' Markdown, labs, practice items, datasets."""
    texts = {}
    for path in sorted((ROOT / "book").rglob("*.md")):
        texts[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    notebooks = sorted((ROOT / "book").rglob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb")) \
        + sorted((ROOT / "exercises").glob("*/*.ipynb"))
    for path in notebooks:
        if ".ipynb_checkpoints" not in path.parts:
            texts[path.relative_to(ROOT).as_posix()] = _markdown(path)
    for path in sorted((ROOT / "book").rglob("*.practice.yml")):
        texts[path.relative_to(ROOT).as_posix()] = _practice_text(path)
    for name in data.names():
        texts[f"datapackage: {name}"] = data.describe(name).description
    return texts


def chapter_of(name: str) -> str | None:
    """The chapter id a text belongs to (primer, 01-14, lab:<name>), as records list them."""
    if m := re.fullmatch(r"book/insights/(\d\d)-[\w-]+\.(?:ipynb|practice\.yml)", name):
        return m.group(1)
    if name in ("book/primer.ipynb", "book/primer.practice.yml"):
        return "primer"
    if m := re.fullmatch(r"solutions/(\w+)/\1\.ipynb", name):
        return f"lab:{m.group(1)}"
    return None


def _bib_keys() -> set[str]:
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))


# --- the records themselves


def test_every_record_is_complete_and_cites_a_known_work():
    keys = _bib_keys()
    for key, study in studies.registry().items():
        assert study.kind in studies.KINDS, key
        if study.cite:
            assert study.cite in keys, f"{key}: {study.cite} is not in references.bib"
            assert key == study.cite, f"{key}: a study with a citation key is filed under it"
        else:
            assert key.startswith("case-") and study.kind == "reported case", \
                f"{key}: only cases go without a citation key, under a case-<slug> key"
        if study.dataset:
            assert study.dataset in data.names(), f"{key}: no dataset {study.dataset}"
        if study.n_file is not None:
            assert study.n_file != study.n_study, f"{key}: give n_file only where it differs from n_study"
            assert study.n_file_note, f"{key}: say what the shipped file's rows are (n_file_note)"
        if study.n_study is not None:
            assert study.n_unit, f"{key}: say what n_study counts (n_unit)"


def test_every_cited_study_has_a_record():
    """A work cited as evidence has a record; the rest are listed as not studies, by name."""
    cited = set()
    for text in course_texts().values():
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            cited.update(k.strip() for k in group.split(","))
    recorded = {s.cite for s in studies.registry().values() if s.cite}
    aliases = {n for s in studies.registry().values() for n in s.names}
    missing = cited - recorded - aliases - NOT_STUDIES
    assert missing == set(), f"cited as evidence but no record in reciprocity/studies.yml: {sorted(missing)}"
    assert _bib_keys() >= NOT_STUDIES


def test_reported_results_say_so():
    """A record whose results we cannot check says, in its result, that they are reported."""
    for key, study in studies.registry().items():
        if study.reported and study.kind not in ("theory", "measure"):
            assert re.search(r"\breported\b", study.result, re.I), f"{key}: result must say it is reported"
        if study.kind == "reported case":
            assert study.reported, f"{key}: a reported case is reported"


def test_records_do_not_contradict_themselves():
    """Each record's own text, read as sentences about the study, passes the checker."""
    for key, study in studies.registry().items():
        name = study.names[0]
        for field in ("design", "manipulated", "given_or_requested", "observers", "outcome", "result"):
            text = getattr(study, field)
            sentences = [f"In {name}: {s}" for s in re.split(r"(?<=[.;])\s+", text) if s]
            problems = studies.check_text("\n\n".join(sentences), {key: study})
            assert problems == [], "\n".join(str(p) for p in problems)


def test_shipped_files_have_the_sizes_their_records_give():
    for key, study in studies.registry().items():
        if not study.dataset:
            continue
        rows = len(data.load(study.dataset))
        if study.dataset == "fox_guyer1978":
            assert rows == study.n_study, key  # one row per group; n_study counts groups
            continue
        expected = study.n_file if study.n_file is not None else study.n_study
        assert rows == expected, f"{key}: {study.dataset} has {rows:,} rows, the record says {expected:,}"


def test_numbers_in_results_match_the_shipped_data():
    """The figures a record quotes from its dataset are what the data give."""
    levin = data.load("levin_isen1975")
    coin = levin[levin["found_coin"] == "coin"]
    no_coin = levin[levin["found_coin"] == "no_coin"]
    assert (int((coin["mailed_letter"] == "yes").sum()), len(coin)) == (17, 19)
    assert (int((no_coin["mailed_letter"] == "yes").sum()), len(no_coin)) == (5, 23)
    assert "17 of the 19" in studies.get("levin1975further").result

    kalist = data.load("kalist2004")
    assert int((kalist["play"] == "friend").sum()) == 112
    assert "112 of 227" in studies.get("kalist2004data").result

    charity = data.load("franses_paap2001")
    givers = charity[charity["respond"] == 1]
    figures = (f"{charity['respond'].mean():.1%}", f"{givers['gift'].median():.0f} guilders",
               f"{givers['gift'].mean():.1f}", f"{charity['gift'].mean():.1f} guilders per donor mailed")
    assert figures == ("40.0%", "10 guilders", "18.6", "7.4 guilders per donor mailed")
    assert all(f in studies.get("franses2001quantitative").result for f in figures)

    from reciprocity.analyses import thornton
    comparison = thornton.any_vs_none(thornton.incentive_sample())
    shares = (f"{comparison.rate_a:.1%}", f"{comparison.rate_b:.1%}")
    assert shares == ("33.9%", "78.9%")
    assert all(s in studies.get("thornton2008demand").result for s in shares)

    assert "56.1%" in studies.get("broockman2013black").result
    assert "29.7%" in studies.get("gerber2008social").result


def test_dataset_descriptions_come_from_the_registry():
    for key, study in studies.registry().items():
        if study.dataset:
            described = data.describe(study.dataset).description
            assert described.startswith(study.design), \
                f"{study.dataset}: description does not start from {key}'s record"
            assert study.observers in described and study.given_or_requested in described
            if study.n_file is not None:
                assert f"{study.n_file:,}" in described


def test_every_dataset_has_a_record():
    described = {s.dataset for s in studies.registry().values() if s.dataset}
    assert described == set(data.names())


def test_each_record_lists_the_chapters_that_mention_it():
    """chapters: exactly the chapters, primer and labs whose text mentions the study."""
    where: dict[str, set[str]] = {key: set() for key in studies.registry()}
    for name, text in course_texts().items():
        chapter = chapter_of(name)
        if chapter is None:
            continue
        text = " ".join(text.split())
        for key, study in studies.registry().items():
            if study.mention().search(text):
                where[key].add(chapter)
    wrong = {key: {"record says": sorted(study.chapters), "pages mention it in": sorted(where[key])}
             for key, study in studies.registry().items() if set(study.chapters) != where[key]}
    assert wrong == {}, wrong


def _book_extension():
    """book/_ext/studies.py (the {study} role and the generated studies page), loaded by path:
    its module name would clash with reciprocity.studies."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("book_ext_studies", ROOT / "book" / "_ext" / "studies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_studies_page_has_a_section_per_record_with_working_links():
    ext = _book_extension()
    page = (ROOT / "book" / "appendix" / "studies.md").read_text(encoding="utf-8")
    assert ext.MARKER.search(page), "book/appendix/studies.md must hold the study-records fence"
    markdown = ext.records_markdown(ext.insight_documents(ROOT))
    for key, study in studies.registry().items():
        assert f"(study-{key})=\n### {study.title}" in markdown
    for target in re.findall(r"\{doc\}`(?:[^`<]*<)?(/[^`>]+)>?`", markdown):
        assert list(ROOT.glob(target.lstrip("/") + ".*")), f"the studies page links to a missing page {target}"
    assert "(E1" not in markdown, "review item numbers are for maintainers, not readers"


# --- no page contradicts a record


@pytest.mark.parametrize("name", sorted(course_texts()))
def test_no_page_contradicts_a_study_record(name):
    problems = studies.check_text(course_texts()[name])
    assert problems == [], "\n".join(str(p) for p in problems)


# --- the checker itself finds what it should, and only that


@pytest.mark.parametrize("sentence", [
    "Broockman (2013) shows how the shadow of the future keeps legislators replying.",
    "In {cite:t}`broockman2013black` legislators repaid the constituent's trust.",
    "Broockman's sender asked for help registering to vote.",
    "{cite:t}`broockman2013black` e-mailed 5,593 American state legislators.",
    "Broockman e-mailed 5,000 state legislators.",
    "Legislators answered constituents they expected to meet again.",
    "In the GGL control group nobody was watching.",
    "The Franses & Paap donors gave anonymously, with nobody watching.",
    "Fox & Guyer show that a personal norm drives anonymous cooperation.",
    "In {cite:t}`thornton2008demand`, people collected their results a few days later.",
    "Levin & Isen show that an unexpected gift makes people repay a stranger.",
    "Regan's study is a test of surprise.",
    "{cite:t}`vanlange1997development` found that individualists return favours only when it pays.",
    "The 3/50 vs 13/50 test had no random assignment.",
    "Falk reports a gain of 17 percentage points with the small gift.",
    "{cite:t}`yoganarasimhan2020personalized` show that earned trial days raise subscriptions.",
    "Whatley et al. found that the favour worked only in public.",
    "Guéguen & Jacob (2002): only the two rates are published.",
    "{cite:t}`falk2007gift` mailed 12,000 solicitation letters.",
    "On *Friend or Foe?*, the one-shot setting halved cooperation.",
])
def test_the_checker_flags_a_contradiction(sentence):
    assert studies.check_text(sentence), sentence


@pytest.mark.parametrize("sentence", [
    "Broockman (2013) is not a test of repaying a favour: no favour came first.",
    "Broockman (2013) e-mailed 6,928 US state legislators.",
    "The shipped file of Broockman's study holds 5,593 legislators.",
    "Dal Bó (2005) varied the continuation probability; cooperation rose with it.",
    "GGL's control households received no letter; voting is a public record.",
    "Levin & Isen is a study of mood, not a test of reciprocity.",
    "We do not know how the two batches of the 3/50 vs 13/50 test were chosen.",
    "Falk reports relative increases, not percentage points.",
    "Thornton's results were ready several weeks after testing.",
])
def test_the_checker_accepts_a_faithful_sentence(sentence):
    assert studies.check_text(sentence) == [], studies.check_text(sentence)


def test_a_malformed_record_is_refused_with_its_name():
    with pytest.raises(studies.RegistryError, match="example: kind"):
        studies._study("example", {f: "x" for f in studies.REQUIRED} | {"names": ["X"], "kind": "anecdote"})
    with pytest.raises(studies.RegistryError, match="missing field"):
        studies._study("example", {"title": "X", "names": ["X"], "kind": "analogue"})
    with pytest.raises(studies.RegistryError, match="n_study is a whole number"):
        studies._study("example", {f: "x" for f in studies.REQUIRED}
                       | {"names": ["X"], "kind": "analogue", "n_study": "about 80"})
