"""Phones and keyboards: wide content, target sizes and focus, in Chromium.

On a phone (390 px, touch) a table or a code line wider than the screen
scrolls inside its own box, never the page: the box shows a shadow at each
edge that has more to show (checked in pixels, against the same box drawn
without it), and it is a named region that the Tab key reaches and the arrow
keys scroll. The menus' buttons and dropdown items are at least 24 x 24 CSS
px when open (every page's visible controls are checked in test_site.py), and
every control shows where the focus is.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from tests.support.site_checks import LAPTOP, PHONE, draw_explorers, open_in, small_targets

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def open_(browser, site):
    pages = []

    def opener(path: str, size: dict = PHONE, mode: str = "light"):
        page, _problems = open_in(browser, site, path, size, mode)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.context.close()


EDGE = 6  # px: the strip at each edge of a box where the shadow shows


def edge_strips(page, locator) -> tuple[Image.Image, Image.Image]:
    box = locator.bounding_box()
    shot = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    scale = shot.width / box["width"]
    strip, corner = round(EDGE * scale), round(8 * scale)  # leave out the rounded corners
    return (shot.crop((0, corner, strip, shot.height - corner)),
            shot.crop((shot.width - strip, corner, shot.width, shot.height - corner)))


def shows_more_at(page, locator) -> dict:
    """Which edges of a scrolling box look different from the same box drawn without its cue."""
    with_cue = edge_strips(page, locator)
    locator.evaluate("e => e.style.setProperty('background-image', 'none', 'important')")
    without = edge_strips(page, locator)
    locator.evaluate("e => e.style.removeProperty('background-image')")
    differs = [ImageChops.difference(a, b).getbbox() is not None for a, b in zip(with_cue, without, strict=True)]
    return {"left": differs[0], "right": differs[1]}


def check_scroll_box(page, box, name_starts: str) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["viewport"]["width"]
    assert box.evaluate("e => e.scrollWidth > e.clientWidth"), "expected this box to be wider than the phone"
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label").startswith(name_starts), box.get_attribute("aria-label")
    assert "scrolls sideways" in box.get_attribute("aria-label")
    assert box.get_attribute("tabindex") == "0"

    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    assert shows_more_at(page, box) == {"left": False, "right": True}

    # the keyboard reaches the box with Tab and scrolls it with the arrow keys
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
    for _ in range(80):
        page.keyboard.press("Tab")
        if box.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the scrolling box")
    outline = box.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "the focused box shows no focus"
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    assert box.evaluate("e => e.scrollLeft") > 0
    box.evaluate("e => e.scrollLeft = e.scrollWidth")
    page.wait_for_timeout(50)  # let the scroll settle before the screenshot, not a timing assertion
    assert shows_more_at(page, box) == {"left": True, "right": False}


@pytest.mark.parametrize("path, columns", [("book/cheatsheet.html", "Insight, Outreach"),
                                           ("book/labs/index.html", "lab, you play")])
def test_a_wide_table_scrolls_in_its_own_box_with_a_cue(open_, path, columns):
    page = open_(path)
    box = page.locator("article .pst-scrollable-table-container").first
    check_scroll_box(page, box, f"Table: {columns}")


def test_a_long_code_line_scrolls_in_its_own_box_with_a_cue(open_):
    page = open_("book/labs/instructor-guide.html")
    wide = page.locator("article div.highlight pre").filter(has_text="reciprocity.grading").first
    check_scroll_box(page, wide, "Code")


@pytest.mark.parametrize("path, selector", [
    ("book/cheatsheet.html", ".pst-scrollable-table-container"),
    # a Styler table, which the theme shows on a light slab in dark mode
    ("book/appendix/datasets.html", ".cell_output > .output.text_html")])
def test_the_cue_shows_in_dark_mode_too(open_, path, selector):
    page = open_(path, PHONE, "dark")
    box = page.locator(f"article {selector}").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    assert shows_more_at(page, box) == {"left": False, "right": True}


def test_the_menus_controls_are_at_least_24px_when_open(open_):
    page = open_("book/insights/09-show-your-face.html")
    header = page.locator(".bd-header-article")
    assert small_targets(page, 24) == []
    dropdowns = header.locator(".dropdown-toggle")
    assert dropdowns.count() >= 2  # launch and download menus
    for i in range(dropdowns.count()):
        dropdowns.nth(i).tap()
        items = header.locator(".dropdown-menu.show .dropdown-item")
        assert items.count() >= 1
        assert small_targets(page, 24) == [], f"dropdown {i}"
        page.keyboard.press("Escape")
    for toggle in (".primary-toggle", ".secondary-toggle"):
        page.locator(toggle).tap()
        assert page.locator("dialog[open]").count() == 1
        assert small_targets(page, 24) == [], toggle
        page.keyboard.press("Escape")


FOCUS_HIDDEN = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const unseen = [];
  for (const e of document.querySelectorAll(selector)) {
    const box = e.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(e).visibility === 'hidden' || e.closest('[inert]')) continue;
    if (e.disabled) continue;
    e.focus({preventScroll: true});
    if (document.activeElement !== e) continue;  // not focusable after all
    const s = getComputedStyle(e);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    const ring = s.boxShadow !== 'none';
    if (!outline && !ring) {
      const name = (e.getAttribute('aria-label') || e.textContent || e.title || '').trim().slice(0, 30);
      unseen.push(`${e.tagName.toLowerCase()}.${String(e.className).split(' ').slice(0, 2).join('.')} "${name}"`);
    }
  }
  return [...new Set(unseen)];
}"""


@pytest.mark.parametrize("path", ["book/intro.html", "book/insights/09-show-your-face.html",
                                  "book/cheatsheet.html", "book/review.html",
                                  "exercises/outreach/outreach.html", "404.html"])
def test_every_control_shows_the_keyboard_focus(open_, path):
    """Each focusable element, focused after a key press (so :focus-visible applies as for a
    keyboard user), draws an outline of at least 2 px or a focus ring."""
    page = open_(path, LAPTOP)
    draw_explorers(page)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_HIDDEN) == []
