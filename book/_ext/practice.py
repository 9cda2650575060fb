"""Practice items on the book's pages, checked in the reader's browser.

Two directives:

- ```` ```{practice} ```` (no argument, no content) shows the items of the
  page's practice file, ``NN-slug.practice.yml`` next to ``NN-slug.ipynb``
  (see :mod:`reciprocity.practice` for the format). Every number is computed
  from the package when the page is read; a missing or malformed file is a
  build error that names the file and says what to do.
- ```` ```{practice-review} ```` shows every item of the book, hidden, with its
  chapter's title and a link to it, plus a progress table per chapter; the
  browser shows the items that are due (``_static/practice/practice.js``).

The items are rendered here, as plain HTML a screen reader and a keyboard can
use (a fieldset per item, a labelled input or a radio group, a Check button,
a feedback region announced politely, a Show solution button), so the page
reads sensibly before the script runs. Markdown in prompts, options,
explanations and solutions goes through markdown-it with raw HTML off.
The script and stylesheet load only on pages that hold practice.

Items are recorded per page in the build environment (merged across parallel
readers, purged with their page), so the Review page can gather them; the
Review page is read again whenever another page changes.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from docutils import nodes
from markdown_it import MarkdownIt
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from reciprocity.practice import Item, PracticeError, load_items, practice_file

logger = logging.getLogger(__name__)

#: CommonMark with raw HTML escaped: item text cannot inject markup or scripts.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})

KIND_LABELS = {"numeric": "type a number", "choice": "choose one", "design": "choose a design"}

HOW_NUMBERS_ARE_READ = (
    "Type a number in digits: 48, 0.5, 0,5 and 12.5% all work. A comma between groups "
    "of three digits separates thousands (1,234); any other comma is a decimal mark. "
    "The unit is shown beside the box, and after you check you are told how close an "
    "answer has to be.")

#: Leitner boxes: days until a question in box 1, 2, ... comes back. A wrong answer puts
#: it in box 1, a right one moves it up; a right answer in the last box retires it.
#: practice.js reads the schedule from the page (data-box-days).
BOX_DAYS = (0, 1, 3, 7, 16)

NO_SCRIPT = ("These questions are checked by a small script in your browser; turn "
             "JavaScript on to use them.")


class PracticeReviewNode(nodes.General, nodes.Element):
    """Where the Review page's items go; replaced once every page has been read."""


def _block_markdown(text: str, where: str) -> str:
    return _safe(_MARKDOWN.render(text), where)


def _inline_markdown(text: str, where: str) -> str:
    return _safe(_MARKDOWN.renderInline(text), where)


def _safe(rendered: str, where: str) -> str:
    # The same item shows on its chapter and on the Review page, in different
    # folders, so a relative link or image would break on one of them.
    if "<a " in rendered or "<img " in rendered:
        raise PracticeError(f"{where}: links and images are not supported in practice items "
                            "(an item appears on its chapter and on the Review page); "
                            "name the chapter or function in words instead")
    return rendered.strip()


def _record(item: Item) -> dict[str, Any]:
    """An item with its text rendered: what the page shows and what the script checks."""
    where = f"{item.source}, item {item.id}"
    record: dict[str, Any] = {
        "id": item.id, "kind": item.kind,
        "prompt": _block_markdown(item.prompt, f"{where}, prompt"),
        "solution": _block_markdown(item.solution, f"{where}, solution"),
    }
    if item.kind == "numeric":
        record.update(answer=item.answer, tolerance=item.tolerance, unit=item.unit,
                      mistakes=[{"value": m.value, "why": _block_markdown(m.why, f"{where}, mistake")}
                                for m in item.mistakes])
    else:
        record["options"] = [{"text": _inline_markdown(o.text, f"{where}, option"),
                              "correct": o.correct,
                              "why": _block_markdown(o.why, f"{where}, option")}
                             for o in item.options]
    return record


def _script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _for_script(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What the checking script needs; the prompt and options are already in the page."""
    data = {"id": record["id"], "kind": record["kind"], **extra}
    if record["kind"] == "numeric":
        data.update(answer=record["answer"], tolerance=record["tolerance"], unit=record["unit"],
                    mistakes=record["mistakes"])
    else:
        data["options"] = [{"correct": o["correct"], "why": o["why"]} for o in record["options"]]
    return data


def _item_html(record: dict[str, Any], legend: str, before: str = "") -> str:
    """One item as a form: the prompt, the answer controls, Check, feedback and solution."""
    base = f"practice-{record['id']}"
    esc = html.escape
    kind = record["kind"]
    parts = [f'<form class="practice-item" id="{base}" data-item="{esc(record["id"])}" '
             f'data-kind="{kind}" novalidate>',
             f'<fieldset><legend>{esc(legend)} <span class="practice-kind">'
             f'({KIND_LABELS[kind]})</span></legend>', before,
             f'<div class="practice-prompt" id="{base}-prompt">{record["prompt"]}</div>']
    if kind == "numeric":
        unit = record["unit"]
        described = f"{base}-prompt" + (f" {base}-unit" if unit else "")
        parts.append(
            f'<div class="practice-numeric"><label for="{base}-input">Your answer</label>'
            f'<span class="practice-entry"><input type="text" id="{base}-input" name="answer" '
            f'inputmode="decimal" autocomplete="off" spellcheck="false" '
            f'aria-describedby="{described}">'
            + (f'<span class="practice-unit" id="{base}-unit">{esc(unit)}</span>' if unit else "")
            + "</span></div>")
    else:
        options = "".join(
            f'<div class="practice-option"><input type="radio" name="{base}-choice" '
            f'id="{base}-option-{k}" value="{k}"><label for="{base}-option-{k}">{o["text"]}</label></div>'
            for k, o in enumerate(record["options"]))
        parts.append(f'<div class="practice-options" role="radiogroup" '
                     f'aria-labelledby="{base}-prompt">{options}</div>')
    parts.append(
        f'<div class="practice-actions"><button type="submit" class="practice-check">Check</button>'
        f'<button type="button" class="practice-reveal" aria-expanded="false" '
        f'aria-controls="{base}-solution" disabled>Show solution</button></div>'
        f'<p class="practice-hint">The solution can be shown after a first try.</p>'
        f'<div class="practice-feedback" id="{base}-feedback" role="status" aria-live="polite" '
        f'aria-atomic="true"></div>'
        f'<div class="practice-solution" id="{base}-solution" hidden>'
        f'<p class="practice-solution-title">Solution</p>{record["solution"]}</div>'
        "</fieldset></form>")
    return "".join(parts)


def _chapter_html(docname: str, records: list[dict[str, Any]]) -> str:
    count = len(records)
    items = "".join(_item_html(r, f"Question {k} of {count}") for k, r in enumerate(records, 1))
    data = _script_json([_for_script(r) for r in records])
    return (f'<div class="practice-block" data-page="{html.escape(docname)}" {_box_days()}>'
            f'<p class="practice-progress">{count} questions. Your answers are kept in this '
            "browser only.</p>"
            f'<p class="practice-howto">{HOW_NUMBERS_ARE_READ}</p>'
            f"<noscript><p>{NO_SCRIPT}</p></noscript>{items}"
            f'<script type="application/json" class="practice-data">{data}</script></div>')


class PracticeDirective(SphinxDirective):
    """```{practice}```: the practice items of the page's own practice file."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        env, docname = self.env, self.env.docname
        path = practice_file(env.doc2path(docname))
        shown = _relative(path, env.srcdir)
        if not path.is_file():
            raise self.error(f"practice: {docname} has a practice directive but no practice file "
                             f"{shown}. Write its items there (see CONTRIBUTING.md, "
                             "'Practice items') or remove the directive.")
        env.note_dependency(str(path))
        pages = _pages(env)
        if docname in pages:
            raise self.error("practice: a page can show its practice items only once")
        try:
            records = [_record(item) for item in load_items(path)]
        except PracticeError as err:
            raise self.error(f"practice: {shown}: {err}") from None
        if not records:
            raise self.error(f"practice: {shown} has no items")
        pages[docname] = records
        return [nodes.raw("", _chapter_html(docname, records), format="html")]


class PracticeReviewDirective(SphinxDirective):
    """```{practice-review}```: every item of the book, for spaced review in the browser."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        _review_docs(self.env).add(self.env.docname)
        return [PracticeReviewNode()]


def _relative(path: Path, root: str | Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def _pages(env) -> dict[str, list[dict[str, Any]]]:
    if not hasattr(env, "practice_pages"):
        env.practice_pages = {}
    return env.practice_pages


def _review_docs(env) -> set[str]:
    if not hasattr(env, "practice_review_docs"):
        env.practice_review_docs = set()
    return env.practice_review_docs


def _purge(app, env, docname: str) -> None:
    _pages(env).pop(docname, None)
    _review_docs(env).discard(docname)


def _merge(app, env, docnames, other) -> None:
    for docname in docnames:
        if docname in _pages(other):
            _pages(env)[docname] = _pages(other)[docname]
        if docname in _review_docs(other):
            _review_docs(env).add(docname)


def _reread_review(app, env, added, changed, removed) -> list[str]:
    """Read the Review page again whenever another page may have changed its items."""
    if not (added or changed or removed):
        return []
    return sorted(_review_docs(env) - set(added) - set(changed))


def _check_ids(app, env) -> None:
    seen: dict[str, str] = {}
    for docname, records in sorted(_pages(env).items()):
        for record in records:
            if record["id"] in seen:
                logger.warning("practice: item id %r is used on %s and on %s; ids must be unique "
                               "in the book (progress is kept under them)", record["id"],
                               seen[record["id"]], docname, location=docname)
            seen.setdefault(record["id"], docname)


def _book_order(env) -> list[str]:
    """Pages in the order of the table of contents."""
    order: list[str] = []

    def walk(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(env.config.root_doc)
    return order


def _review_html(app, docname: str) -> str:
    env, builder = app.env, app.builder
    pages = _pages(env)
    order = _book_order(env)
    chapters = sorted(pages, key=lambda d: (order.index(d) if d in order else len(order), d))
    items, rows, data = [], [], []
    for chapter in chapters:
        title = env.titles[chapter].astext() if chapter in env.titles else chapter
        url = builder.get_relative_uri(docname, chapter)
        ids = [r["id"] for r in pages[chapter]]
        rows.append(f'<tr data-page="{html.escape(chapter)}" data-items="{" ".join(ids)}">'
                    f'<th scope="row"><a href="{html.escape(url)}#practice">{html.escape(title)}</a></th>'
                    f'<td data-col="right">0 of {len(ids)}</td><td data-col="tried">0</td>'
                    '<td data-col="due">0</td></tr>')
        for record in pages[chapter]:
            link = (f'<p class="practice-from">From <a href="{html.escape(url)}#practice-{record["id"]}">'
                    f"{html.escape(title)}</a></p>")
            items.append(f'<div class="practice-review-item" data-item="{record["id"]}" hidden>'
                         f'{_item_html(record, "Due for review", before=link)}</div>')
            data.append(_for_script(record, page=chapter))
    return (
        f'<div class="practice-review" {_box_days()}>'
        f'<p class="practice-schedule">{_schedule()}</p>'
        f'<p class="practice-howto">{HOW_NUMBERS_ARE_READ}</p>'
        f"<noscript><p>{NO_SCRIPT}</p></noscript>"
        '<h2 id="practice-due">Due now</h2>'
        '<p class="practice-review-summary">Nothing to review yet.</p>'
        f'<div class="practice-review-items">{"".join(items)}</div>'
        '<h2 id="practice-by-chapter">Your progress by chapter</h2>'
        '<table class="practice-table"><caption>Questions answered right (at the last try), '
        "tried, and due for review now, per chapter</caption>"
        '<thead><tr><th scope="col">Chapter</th><th scope="col">Right</th>'
        '<th scope="col">Tried</th><th scope="col">Due</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
        '<p><button type="button" class="practice-reset">Reset my progress</button></p>'
        '<p class="practice-reset-status" role="status" aria-live="polite"></p>'
        f'<script type="application/json" class="practice-data">{_script_json(data)}</script>'
        "</div>")


def _box_days() -> str:
    return f'data-box-days="{" ".join(str(d) for d in BOX_DAYS)}"'


def _schedule() -> str:
    """The Leitner schedule in words, from BOX_DAYS."""
    def wait(days: int) -> str:
        return "at once" if days == 0 else f"after {days} day{'s' if days > 1 else ''}"

    boxes = ", ".join(f"box {k} {wait(d)}" for k, d in enumerate(BOX_DAYS, 1))
    return (f"How the spacing works: a question you miss goes into box 1 of {len(BOX_DAYS)}. "
            "A right answer moves it up one box and a wrong one sends it back to box 1; "
            f"each box waits longer before the question comes back: {boxes}. A right answer "
            f"in box {len(BOX_DAYS)} retires the question from the review.")


def _resolve_review(app, doctree, docname: str) -> None:
    for node in list(doctree.findall(PracticeReviewNode)):
        if app.builder.format == "html":
            node.replace_self(nodes.raw("", _review_html(app, docname), format="html"))
        else:
            node.replace_self(nodes.paragraph(text="The review works in the HTML version of the book."))


def _add_assets(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if 'class="practice-block"' in body or 'class="practice-review"' in body:
        # Inside html-page-context these go to this page only.
        app.add_css_file("practice/practice.css")
        app.add_js_file("practice/practice.js", loading_method="defer")


def setup(app):
    app.add_node(PracticeReviewNode)
    app.add_directive("practice", PracticeDirective)
    app.add_directive("practice-review", PracticeReviewDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _reread_review)
    app.connect("env-check-consistency", _check_ids)
    app.connect("doctree-resolved", _resolve_review)
    app.connect("html-page-context", _add_assets, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
