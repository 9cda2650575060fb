"""The built book: warnings-as-errors build, pages, widget scripts, and what a reader sees.

One module so that ``pytest -n 2 --dist loadscope`` builds the book once, in
one worker. The browser part drives Debian's Chromium (``/usr/bin/chromium``)
through Playwright's Python client; no browser is downloaded. Outside CI it
skips when Chromium is missing; with ``CI=true`` a missing browser is a failure.
"""
from __future__ import annotations

import re

import pytest
import yaml

from tests.support.common import ROOT

pytestmark = pytest.mark.slow


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def test_every_toc_page_is_built(built_book):
    for page in toc_files():
        assert (built_book / f"{page}.html").is_file(), f"{page} missing from the build"


def test_explorer_javascript_is_served_from_the_site(built_book):
    """Explorer pages load our deferred loader, which fetches the vendored Vega from _static/vega/
    (when an explorer nears the viewport: tests/explorers/test_in_browser.py proves the timing)."""
    static = built_book / "_static" / "vega"
    for script in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (static / script).is_file(), f"{script} must be vendored (tools/vendor_js.py)"
    loader = (built_book / "_static" / "explorers" / "loader.js").read_text(encoding="utf-8")
    assert '"../vega/"' in loader
    assert '["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"]' in loader
    html = (built_book / "book" / "insights" / "09-show-your-face.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert not any(s.startswith(("http:", "https:", "//")) for s in scripts), scripts
    assert not [s for s in scripts if "_static/vega/" in s], "Vega is fetched by the loader, not in the head"
    assert re.search(r'<script[^>]*defer[^>]*_static/explorers/loader.js|'
                     r'<script[^>]*_static/explorers/loader.js[^>]*defer', html), "the loader loads deferred"
    text_page = (built_book / "book" / "glossary.html").read_text()
    assert "explorers/loader.js" not in text_page, "pages without an explorer load none of it"


def test_numbers_in_prose_are_glued_not_left_as_roles(built_book):
    for page in built_book.glob("book/**/*.html"):
        text = page.read_text()
        assert "{glue:" not in text and "glue:text" not in text, f"unresolved glue in {page.name}"


def test_exemplar_shows_published_turnout_figures(built_book):
    text = (built_book / "book" / "insights" / "02-anonymity.html").read_text()
    for figure in ["29.7%", "31.5%", "32.2%", "34.5%", "37.8%", "344,084"]:
        assert figure in text


def test_every_chapter_shows_its_evidence_box_styled(built_book):
    css = (built_book / "_static" / "course.css").read_text()
    assert ".admonition.evidence" in css
    for page in sorted((built_book / "book" / "insights").glob("[0-9][0-9]-*.html")):
        html = page.read_text(encoding="utf-8")
        boxes = re.findall(r'<div class="(?:evidence admonition|admonition evidence)">\s*'
                           r'<p class="admonition-title">([^<]+)</p>', html)
        assert len(boxes) == 1, f"{page.name}: one evidence box, styled as .admonition.evidence"
        assert "Static preview" not in html
