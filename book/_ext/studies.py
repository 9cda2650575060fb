"""Studies on the book's pages, drawn from the registry (``reciprocity/studies.yml``).

- The ``{study}`` role shows one field of a record: ``{study}`broockman2013black.n_study```
  renders "6,928"; any text field (``design``, ``manipulated``, ``given_or_requested``,
  ``observers``, ``outcome``, ``result``, ``n_unit``, ...) can be shown the same way, so a
  page never retypes what the record says. A leading ``~`` lower-cases the first letter,
  for a field that continues a sentence (``{study}`~broockman2013black.manipulated```).
  An unknown study or field fails the build.
- A page holding the fence ```` ```{study-records} ```` (with nothing inside) gets, in its
  place, one section per record, grouped by kind of evidence: the datasets appendix's
  sibling ``book/appendix/studies.md``. The Markdown is generated when the page is read, so
  it cannot drift from the registry.

Pages that use either are read again when the registry changes.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from docutils import nodes

from reciprocity import studies

#: What a page writes where the list of records goes.
MARKER = re.compile(r"^```\{study-records\}[ \t]*\n```[ \t]*$", re.M)

#: Glossary terms for the kinds of evidence (book/glossary.md).
KIND_TERMS = {"direct test": "Direct test", "analogue": "Analogue",
              "observational": "Observational study", "reported case": "Reported case",
              "simulation": "Simulation"}

#: Sections of the generated page: heading, then which records go there.
GROUPS = (
    ("Studies whose data ship with the course",
     "Each is reanalysed in the chapters from the file in `reciprocity/data/`; the "
     "{doc}`datasets appendix </book/appendix/datasets>` lists the files.",
     lambda s: s.dataset is not None),
    ("Studies quoted as their authors report them",
     "No data from these studies ship with the course: the chapters quote their design "
     "and the direction or size of their results as published, and say so.",
     lambda s: s.dataset is None and s.cite is not None and s.kind not in ("theory", "measure")),
    ("Theories and measures",
     "Cited for an idea or a tool, not as evidence about behaviour.",
     lambda s: s.kind in ("theory", "measure")),
    ("Cases from the source article",
     "Practitioners' and vendors' stories told in the course's source article "
     "{cite:p}`driagin2016reciprocity`. None has a comparison group, and none of their "
     "figures can be checked.",
     lambda s: s.kind == "reported case"),
)


def _registry_path() -> str:
    return str(resources.files("reciprocity").joinpath("studies.yml"))


def _note_registry(env) -> None:
    if env is not None:
        env.note_dependency(_registry_path())


def study_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    text = text.strip()
    lower = text.startswith("~")
    key, _, field = text.lstrip("~").partition(".")
    try:
        value = studies.describe(key, field or "design")
    except (KeyError, ValueError) as err:
        message = inliner.reporter.error(f"{{study}} role: {err}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    if lower and value[:2] != value[:2].upper():  # keep "US ...", lower "Whether ..."
        value = value[0].lower() + value[1:]
    _note_registry(getattr(inliner.document.settings, "env", None))
    return [nodes.inline(rawtext, value, classes=["study-fact"])], []


def _chapter_link(chapter: str, insights: dict[str, str]) -> str:
    """A link to a chapter id of the registry (primer, 01-14, lab:<name>)."""
    if chapter == "primer":
        return "{doc}`/book/primer`"
    if chapter.startswith("lab:"):
        lab = chapter.split(":", 1)[1]
        return f"{{doc}}`/exercises/{lab}/{lab}`"
    if chapter not in insights:
        raise studies.RegistryError(f"no chapter {chapter!r} under book/insights (from a record's chapters)")
    return f"{{doc}}`/book/insights/{insights[chapter]}`"


def insight_documents(srcdir: str | Path) -> dict[str, str]:
    """Chapter number -> document name under book/insights, e.g. "03" -> "03-interdependence"."""
    return {p.stem[:2]: p.stem for p in sorted(Path(srcdir, "book", "insights").glob("[0-9][0-9]-*.ipynb"))}


def _size(study: studies.Study) -> str:
    parts = []
    if study.n_study is not None:
        parts.append(f"{study.n_study:,} {study.n_unit}".strip())
    elif study.n_unit and study.n_file is None:
        parts.append(study.n_unit)
    if study.n_file is not None:
        parts.append(f"the shipped file has {study.n_file:,} {study.n_file_note}".strip())
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] if text else ""


def _why(text: str) -> str:
    """A framing's reason as a reader sees it (without the review's item numbers)."""
    return re.sub(r"\s*\(E\d+\)", "", text).strip()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def record_markdown(study: studies.Study, insights: dict[str, str]) -> str:
    """One record as a Markdown section, with a target ``study-<key>`` for links."""
    kind = study.kind
    kind_text = f"{{term}}`{kind} <{KIND_TERMS[kind]}>`" if kind in KIND_TERMS else kind
    if study.reported and kind != "reported case":
        kind_text += "; its results are quoted as reported, with no data to check them"
    lines = [f"(study-{study.key})=", f"### {study.title}", "",
             f"- **Kind of evidence:** {kind_text}."]
    if study.cite:
        lines.append(f"- **Reference:** {{cite:t}}`{study.cite}`.")
    lines += [f"- **Design:** {study.design}",
              f"- **What was varied:** {study.manipulated}",
              f"- **Given or requested:** {study.given_or_requested}",
              f"- **Who could observe the behaviour:** {study.observers}"]
    if size := _size(study):
        lines.append(f"- **Size:** {size.rstrip('.')}.")
    lines += [f"- **Outcome:** {study.outcome}", f"- **Main result:** {study.result}"]
    if study.dataset:
        lines.append(f'- **Data:** `data.load("{study.dataset}")`, described in the '
                     "{doc}`datasets appendix </book/appendix/datasets>`.")
    if study.chapters:
        lines.append("- **Used in:** " + ", ".join(_chapter_link(c, insights) for c in study.chapters) + ".")
    if study.forbidden:
        lines.append("- **What it cannot support:**")
        lines += [f"  - {_sentence(_why(f.why))}" for f in study.forbidden]
    return "\n".join(lines) + "\n"


def records_markdown(insights: dict[str, str]) -> str:
    """Every record, grouped by kind of evidence, as Markdown (``insights``: see
    :func:`insight_documents`)."""
    registry = studies.registry()
    out = []
    placed: set[str] = set()
    for heading, intro, belongs in GROUPS:
        members = [s for s in registry.values() if s.key not in placed and belongs(s)]
        if not members:
            continue
        out += [f"## {heading}", "", intro, ""]
        for study in members:
            out.append(record_markdown(study, insights))
            placed.add(study.key)
    missing = set(registry) - placed
    if missing:
        raise studies.RegistryError(f"records in no group of the studies page: {sorted(missing)}")
    return "\n".join(out)


def on_source_read(app, docname, source):
    if MARKER.search(source[0]):
        markdown = records_markdown(insight_documents(app.srcdir))
        source[0] = MARKER.sub(lambda _: markdown, source[0])
        _note_registry(app.env)


def setup(app):
    app.add_role("study", study_role)
    app.connect("source-read", on_source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
