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

from conftest import ARTIFACTS, ROOT, open_page

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


def test_widget_javascript_is_served_from_the_site(built_book):
    static = built_book / "_static" / "widgets"
    assert (static / "require.js").is_file() and (static / "embed-amd.js").is_file()
    assert any(static.glob("*.woff2")), "widget icon fonts must sit next to embed-amd.js"
    html = (built_book / "book" / "insights" / "02-anonymity.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any("_static/widgets/require.js" in s for s in scripts)
    assert any("_static/widgets/embed-amd.js" in s for s in scripts)
    assert not any(s.startswith(("http:", "https:", "//")) for s in scripts), scripts
    assert "application/vnd.jupyter.widget-state+json" in html
    assert html.count("application/vnd.jupyter.widget-view+json") >= 1


def test_numbers_in_prose_are_glued_not_left_as_roles(built_book):
    for page in built_book.glob("book/**/*.html"):
        text = page.read_text()
        assert "{glue:" not in text and "glue:text" not in text, f"unresolved glue in {page.name}"


def test_exemplar_shows_published_turnout_figures(built_book):
    text = (built_book / "book" / "insights" / "02-anonymity.html").read_text()
    for figure in ["29.7%", "31.5%", "32.2%", "34.5%", "37.8%", "344,084"]:
        assert figure in text


# --- in the browser --------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("path, min_widgets", [
    ("book/insights/02-anonymity.html", 1),
    ("book/primer.html", 1),
])
def test_widget_pages_render_cleanly(browser, site, path, min_widgets):
    page, problems, failed, foreign = open_page(browser, site, path)
    # the html-manager replaces each widget-view script with a rendered view
    page.wait_for_selector(".widget-html-content svg", timeout=15_000)
    explorers = page.locator(".cell_output .jupyter-widgets.widget-vbox")
    assert explorers.count() >= min_widgets
    for i in range(explorers.count()):
        view = explorers.nth(i)
        assert view.locator(".widget-html-content svg").count() == 1, "each chart renders once"
        assert "Static preview" in view.inner_text()
    # no widget is rendered twice: views == widget-view scripts in the page source
    scripts = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    assert explorers.count() == scripts
    assert page.locator("img[alt='']").count() == 0
    assert page.locator(".cell_output img").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / (path.replace("/", "_") + ".png")), full_page=True)
    assert problems == [], problems
    assert failed == [], failed
    assert foreign == [], foreign
    page.close()
