"""Small fixes to the pages' scripts, applied when the book is built.

- pages with an explorer (a ``reciprocity-explorer`` div, the HTML half of
  :class:`reciprocity.explorers.Explorer`'s output) load the vendored Vega,
  Vega-Lite and vega-embed, deferred; other pages load none of it;
- no page carries ipywidgets state: live controls run only with a kernel
  (``reciprocity.live`` in ``remove-cell`` cells), yet the build's own
  execution records their state, which MyST-NB would embed;
- MathJax loads only on pages that show math (Sphinx counts the root page's
  whole toctree as its own, so the introduction loaded it for nothing);
- the theme's ``fontawesome.js`` (540 KB gzipped, there "so that users can add
  custom icons") is dropped: the theme's stylesheet already draws every
  icon the pages use with the Font Awesome web fonts;
- citation lists get ARIA roles that accessibility checkers accept;
- sphinx-thebe registers its inline configuration script once per read
  phase; with Jupyter Book that can happen twice, and the second copy throws
  "Identifier 'THEBE_JS_URL' has already been declared" in the console. We
  drop exact duplicates from every page's script list.
"""
from __future__ import annotations

import re
from pathlib import Path


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # An inline script's filename is None or "" depending on who added it.
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted(attributes.items())))


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def _fix_bibliography_roles(app, pagename, templatename, context, doctree) -> None:
    """docutils marks citation lists role="list" but their entries role="doc-biblioentry",
    which ARIA 1.2 no longer counts as list items (axe: aria-required-children)."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


#: Loaded in this order on pages with an explorer (book/_static/vega, tools/vendor_js.py).
VEGA_SCRIPTS = ("vega/vega.min.js", "vega/vega-lite.min.js", "vega/vega-embed.min.js")


def _add_vega_where_needed(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if 'class="reciprocity-explorer"' not in body:
        return
    # Called inside html-page-context, add_js_file adds to this page only.
    # Deferred scripts run in order, before DOMContentLoaded, when each
    # explorer's inline script draws it.
    for offset, script in enumerate(VEGA_SCRIPTS):
        app.add_js_file(script, priority=600 + offset, loading_method="defer")


def _drop_widget_state(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts
                      if (getattr(s, "attributes", {}) or {}).get("type") != WIDGET_STATE]


def _mathjax_only_where_math(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    body = context.get("body") or ""
    if not scripts or 'class="math' in body:
        return
    mathjax = app.config.mathjax_path or "mathjax"

    def is_mathjax(script) -> bool:
        filename = str(getattr(script, "filename", script) or "")
        inline = str((getattr(script, "attributes", {}) or {}).get("body", ""))
        return mathjax in filename or inline.startswith("window.MathJax")

    scripts[:] = [s for s in scripts if not is_mathjax(s)]


FONTAWESOME_JS = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def _drop_fontawesome_js(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        slim = FONTAWESOME_JS.sub("", text)
        if slim != text:
            page.write_text(slim, encoding="utf-8")


def setup(app):
    # Run first: Sphinx stops calling html-page-context handlers after the
    # first one that returns a template name.
    app.connect("html-page-context", _dedupe_scripts, priority=1)
    app.connect("html-page-context", _fix_bibliography_roles, priority=1)
    app.connect("html-page-context", _add_vega_where_needed, priority=1)
    # after sphinx.ext.mathjax (priority 500) has added its scripts
    app.connect("html-page-context", _mathjax_only_where_math, priority=900)
    # after MyST-NB has added the page's notebook scripts
    app.connect("html-page-context", _drop_widget_state, priority=900)
    app.connect("build-finished", _drop_fontawesome_js)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

