"""Finding one's way in the book at every width, in Chromium.

At 390 (a phone, by touch), 768, 1024 and 1280 px the visible menu button
opens the book's contents with every chapter in it, and closes it again; below
992 px the contents are a drawer that takes the focus, closes with Escape, its
Close button or a tap beside it, and gives the focus back to the menu button.
Where the theme hides the page's own contents (below 1200 px) their button
opens them. The landing page lists the primer, the Review page, the fourteen
insights and the labs, and promises nothing the book does not have.

The cause of the old failure, for the record: pydata-sphinx-theme 0.17 adds a
page header of its own unless ``navbar_persistent`` is set; its menu buttons
came first on the page, hidden by sphinx-book-theme, and both themes' scripts
bind to the first ``.primary-toggle``, so the visible one did nothing.
``_config.yml`` sets ``navbar_persistent: []``.
"""
from __future__ import annotations

import pytest
import yaml
from bs4 import BeautifulSoup

from tests.support.common import ROOT
from tests.support.site_checks import device

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WIDTHS = [390, 768, 1024, 1280]
#: Where sphinx-book-theme shows each sidebar in the page rather than as a drawer.
PRIMARY_IN_PAGE, SECONDARY_IN_PAGE = 992, 1200
CHAPTER = "book/insights/02-anonymity.html"


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]


def press(page, locator, width: int) -> None:
    """A tap on the phone, a click elsewhere."""
    if width <= 390:
        locator.tap()
    else:
        locator.click()


@pytest.fixture
def open_chapter(browser, site):
    contexts = []

    def open_(width: int, path: str = CHAPTER):
        context = browser.new_context(**device(width))
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site}/{path}", wait_until="networkidle")
        return page

    yield open_
    for context in contexts:
        context.close()


def visible_menu_button(page, selector: str):
    buttons = page.locator(selector)
    visible = [i for i in range(buttons.count()) if buttons.nth(i).is_visible()]
    assert len(visible) == 1, f"{len(visible)} visible {selector} buttons"
    return buttons.nth(visible[0])


SIDEBAR_VISIBILITY = "want => getComputedStyle(document.querySelector('.bd-sidebar-primary')).visibility === want"
CONTENTS_STATE = """() => {
  const shown = (e) => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > 0 && r.left < innerWidth && getComputedStyle(e).visibility !== 'hidden'; };
  const nav = document.querySelector('nav.bd-docs-nav');
  const drawer = document.querySelector('#pst-primary-sidebar-modal');
  return {drawerOpen: drawer.open, navShown: !!nav && shown(nav),
          links: nav ? [...nav.querySelectorAll('a')].filter(shown).map(a => a.href.split('#')[0]) : [],
          focusInDrawer: drawer.open && drawer.contains(document.activeElement),
          focus: document.activeElement.className};
}"""


def chapters_missing(state: dict, site: str) -> list[str]:
    """The _toc.yml pages that the open contents do not link to."""
    return sorted(f for f in toc_files() if f"{site}/{f}.html" not in state["links"])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_menu_button_opens_and_closes_the_book_contents(open_chapter, site, width):
    page = open_chapter(width)
    toggle = visible_menu_button(page, ".primary-toggle")
    before = page.evaluate(CONTENTS_STATE)
    if width >= PRIMARY_IN_PAGE:
        # the contents are part of the page: the button hides them and shows them again
        assert before["navShown"] and chapters_missing(before, site) == []
        assert toggle.get_attribute("aria-expanded") == "true"
        press(page, toggle, width)
        page.wait_for_function(SIDEBAR_VISIBILITY, arg="hidden")
        assert not page.evaluate(CONTENTS_STATE)["navShown"]
        assert toggle.get_attribute("aria-expanded") == "false"
        press(page, toggle, width)
        page.wait_for_function(SIDEBAR_VISIBILITY, arg="visible")
        after = page.evaluate(CONTENTS_STATE)
        assert after["navShown"] and chapters_missing(after, site) == []
        assert toggle.get_attribute("aria-expanded") == "true"
        return

    assert not before["navShown"], "the contents should start closed on a narrow screen"
    assert toggle.get_attribute("aria-expanded") == "false"
    press(page, toggle, width)
    opened = page.evaluate(CONTENTS_STATE)
    assert opened["drawerOpen"] and opened["navShown"], opened
    assert chapters_missing(opened, site) == []
    assert opened["focusInDrawer"], f"focus stayed on {opened['focus']!r}"
    assert page.get_by_role("dialog", name="Book contents").is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    # every chapter can be reached: the drawer scrolls to the last one
    last = page.locator("dialog[open] nav.bd-docs-nav a").last
    last.scroll_into_view_if_needed()
    assert last.is_visible()

    page.keyboard.press("Escape")
    # closed, and off screen once the theme's slide-out ends
    page.wait_for_function(f"() => {{ const s = ({CONTENTS_STATE})(); return !s.drawerOpen && !s.navShown; }}")
    page.wait_for_function("() => document.activeElement.classList.contains('primary-toggle')")
    assert toggle.get_attribute("aria-expanded") == "false"

    press(page, toggle, width)
    close = page.locator("dialog[open] .course-drawer-close")
    assert close.get_attribute("aria-label")
    box = close.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    press(page, close, width)
    assert not page.evaluate(CONTENTS_STATE)["drawerOpen"]

    # a tap beside the drawer (on its backdrop) closes it too
    press(page, toggle, width)
    drawer = page.locator("#pst-primary-sidebar-modal").bounding_box()
    beside = {"x": width - 10, "y": 400}
    assert beside["x"] > drawer["x"] + drawer["width"]
    if width <= 390:
        page.touchscreen.tap(**beside)
    else:
        page.mouse.click(**beside)
    page.wait_for_function("() => !document.querySelector('#pst-primary-sidebar-modal').open")


def test_the_book_contents_lead_to_a_chapter_by_touch(open_chapter):
    page = open_chapter(390)
    visible_menu_button(page, ".primary-toggle").tap()
    link = page.locator("dialog[open] nav.bd-docs-nav a", has_text="Show the sacrifice")
    link.scroll_into_view_if_needed()
    with page.expect_navigation():
        link.tap()
    assert page.url.endswith("book/insights/13-show-the-sacrifice.html")
    assert "Show the sacrifice" in page.locator("article.bd-article h1").first.inner_text()


PAGE_TOC_STATE = """() => {
  const shown = (e) => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > 0 && r.left < innerWidth && getComputedStyle(e).visibility !== 'hidden'; };
  const drawer = document.querySelector('#pst-secondary-sidebar-modal');
  return {drawerOpen: drawer.open,
          links: [...document.querySelectorAll('nav.page-toc a')].filter(shown).map(a => a.getAttribute('href')),
          focusInDrawer: drawer.open && drawer.contains(document.activeElement)};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_contents_open_where_the_theme_hides_them(open_chapter, width, built_book):
    page = open_chapter(width)
    soup = BeautifulSoup((built_book / CHAPTER).read_text(encoding="utf-8"), "html.parser")
    sections = {f"#{s['id']}" for s in soup.select("article.bd-article section > section[id]")
                if s.find(["h2"], recursive=False)}
    assert len(sections) >= 5
    state = page.evaluate(PAGE_TOC_STATE)
    if width >= SECONDARY_IN_PAGE:
        assert sections <= set(state["links"]), sections - set(state["links"])
        assert not page.locator(".secondary-toggle").is_visible()
        return
    assert state["links"] == [], "the page's contents should be hidden until asked for"
    toggle = visible_menu_button(page, ".secondary-toggle")
    press(page, toggle, width)
    opened = page.evaluate(PAGE_TOC_STATE)
    assert opened["drawerOpen"] and opened["focusInDrawer"], opened
    assert sections <= set(opened["links"]), sections - set(opened["links"])
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not page.evaluate(PAGE_TOC_STATE)["drawerOpen"]
    # a section link in the drawer takes the reader there and closes it
    press(page, toggle, width)
    target = sorted(sections)[0]
    press(page, page.locator(f"#pst-secondary-sidebar-modal a[href='{target}']"), width)
    page.wait_for_function("(id) => location.hash === id", arg=target)
    assert not page.evaluate(PAGE_TOC_STATE)["drawerOpen"]


# --- the landing page --------------------------------------------------------


def test_the_landing_page_lists_every_part_of_the_book(built_book):
    soup = BeautifulSoup((built_book / "book" / "intro.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article")
    links = {a["href"].split("#")[0] for a in article.select("a.reference.internal")}
    expected = {f"{'../' if not f.startswith('book/') else ''}{f.removeprefix('book/')}.html"
                for f in toc_files()}
    missing = sorted(expected - links)
    assert missing == [], f"the landing page does not link to {missing}"
    insights = [li for li in article.select("li") if li.select_one("a[href^='insights/']")]
    assert len(insights) == 14
    for item in insights:  # one line each: the chapter's title and what it says
        assert len(item.get_text(" ", strip=True)) < 160, item.get_text(" ", strip=True)


def test_the_landing_page_describes_only_what_exists(built_book):
    text = BeautifulSoup((built_book / "book" / "intro.html").read_text(encoding="utf-8"),
                         "html.parser").select_one("article.bd-article").get_text(" ", strip=True)
    for promise in ("static preview", "Live Code", "come alive", "Thebe"):
        assert promise.lower() not in text.lower(), promise
    for feature in ("explorer", "in your browser", "Practice", "Review"):
        assert feature.lower() in text.lower(), feature
