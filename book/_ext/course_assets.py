"""Small fixes to the pages' scripts and settings, applied when the book is built.

- pages with an explorer (a ``reciprocity-explorer`` div, the HTML output of
  :class:`reciprocity.explorers.Explorer`) load the explorers'
  stylesheet and loader, which fetches the vendored Vega, Vega-Lite and
  vega-embed when the first explorer nears the viewport; other pages load
  none of it;
- no page carries ipywidgets state: live controls run only with a kernel
  (``reciprocity.live`` in ``remove-cell`` cells), yet the build's own
  execution records their state, which MyST-NB would embed;
- MathJax loads only on pages that show math (Sphinx counts the root page's
  whole toctree as its own, so the introduction loaded it for nothing);
- the theme's ``fontawesome.js`` (540 KB gzipped, there "so that users can add
  custom icons") is dropped: the theme's stylesheet already draws every
  icon the pages use with the Font Awesome web fonts;
- citation lists get ARIA roles that accessibility checkers accept;
- every page loads ``course.js``, the script half of the site layer
  (``course.css``): drawer menus and named, focusable wide boxes;
- the repository set once in ``_config.yml`` (``repository.url``, which Jupyter
  Book passes on as the theme's ``repository_url``) gives the site's address
  prefix for the 404 page (:func:`site_prefix`) and the install line labs
  tell Colab users to run (the MyST substitution ``{{ colab_install }}``);
- sphinx-thebe registers its inline configuration script once per read
  phase; with Jupyter Book that can happen twice, and the second copy throws
  "Identifier 'THEBE_JS_URL' has already been declared" in the console. We
  drop exact duplicates from every page's script list.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse


def site_prefix(repository_url: str, baseurl: str = "") -> str:
    """The path the book is published under: ``"/"`` or ``"/<name>/"``.

    ``baseurl`` (``html.baseurl`` in ``_config.yml``, for a custom domain) wins
    when set. Otherwise GitHub Pages publishes ``github.com/<owner>/<name>`` as
    a project site under ``/<name>/``, except ``<owner>.github.io``, which
    it serves from the root.

    >>> site_prefix("https://github.com/reciprocity-online/reciprocity-online")
    '/reciprocity-online/'
    """
    if baseurl:
        path = urlparse(baseurl).path.strip("/")
        return f"/{path}/" if path else "/"
    parts = urlparse(repository_url).path.strip("/").removesuffix(".git").split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"repository.url in _config.yml must be https://github.com/<owner>/<name> "
                         f"(or set html.baseurl to the published address); got {repository_url!r}")
    owner, name = parts
    return "/" if name.lower() == f"{owner.lower()}.github.io" else f"/{name}/"


def site_prefix_from_config(config_file: Path) -> str:
    """:func:`site_prefix` for a Jupyter Book ``_config.yml`` (the tests and benchmarks serve the
    built book under it, as GitHub Pages does)."""
    import yaml

    settings = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
    return site_prefix(str((settings.get("repository") or {}).get("url", "")),
                       str((settings.get("html") or {}).get("baseurl") or ""))


NOT_FOUND_BODY = (
    '<h1>Page not found</h1>\n'
    '<p>Nothing is published at this address: the page may have moved, or the link '
    'may be mistyped.</p>\n'
    '<ul>\n<li><a href="{home}">Start again from the introduction</a></li>\n'
    '<li><a href="{search}">Search the book</a></li>\n</ul>\n')


def _settings_from_repository(app, config) -> None:
    """Fill in what depends on where the book lives, from ``repository.url`` alone."""
    options = config.html_theme_options or {}
    url = str(options.get("repository_url", "")).rstrip("/").removesuffix(".git")
    branch = options.get("repository_branch") or "main"
    prefix = site_prefix(url, config.html_baseurl or "")
    config.notfound_urls_prefix = prefix
    config.notfound_context = {
        "title": "Page not found",
        "body": NOT_FOUND_BODY.format(home=f"{prefix}{config.root_doc}.html",
                                      search=f"{prefix}search.html")}
    if "myst_substitutions" not in config:  # a build without MyST (the 404 test's small book)
        return
    # The same requirement as the install cell of every chapter (tools/install_cells.py).
    install = f'%pip install "reciprocity @ git+{url}.git@{branch}"'
    config.myst_substitutions = {**(config.myst_substitutions or {}),
                                 "colab_install": f"`{install}`",
                                 "course_repository": f"[course repository]({url})"}


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


#: On pages with an explorer: the loader, which fetches book/_static/vega
#: (tools/vendor_js.py) when the first explorer nears the viewport, and the
#: explorers' stylesheet.
EXPLORER_LOADER = "explorers/loader.js"
EXPLORER_CSS = "explorers.css"


def _add_vega_where_needed(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if 'class="reciprocity-explorer"' not in body:
        return
    # Called inside html-page-context, add_js_file and add_css_file add to
    # this page only. The deferred loader runs before DOMContentLoaded, when
    # each explorer's inline script hands it its spec; Vega itself (about
    # 250 KB gzipped) loads only when a reader nears an explorer.
    app.add_js_file(EXPLORER_LOADER, priority=600, loading_method="defer")
    app.add_css_file(EXPLORER_CSS, priority=600)


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
    # Before notfound's own config-inited check and before MyST reads its settings.
    app.connect("config-inited", _settings_from_repository, priority=100)
    # The site layer's script (menus, wide boxes); its stylesheet is course.css.
    app.add_js_file("course.js", loading_method="defer")
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

