"""Every explorer answers its reader on the static book, in Chromium, with no kernel.

The built site is served as plain files. For every explorer we move every
control and see the chart and its text alternative change, set the states
its parity cases name and read the numbers the package computes, and check
the layout a reader meets on a desktop and on a phone.
"""
from __future__ import annotations

import re

import pytest

from conftest import ARTIFACTS, open_page
from explorer_driver import (control_names, describe, missing, set_control, snapshot, text_lines,
                             wait_ready)
from reciprocity.explorers import EXPLORERS, PARITY, load_all

NAMES = sorted(load_all())
ARIA = "(id) => [...document.querySelectorAll(`#${id} svg [aria-label]`)].map(e => e.getAttribute('aria-label'))"


@pytest.fixture(scope="module")
def explorer_pages(built_book) -> dict[str, str]:
    """Explorer name -> the built page (relative path) that shows it."""
    pages: dict[str, str] = {}
    for html in sorted(built_book.rglob("*.html")):
        for name in re.findall(r'data-explorer="([^"]+)"', html.read_text(encoding="utf-8")):
            pages.setdefault(name, html.relative_to(built_book).as_posix())
    return pages


def test_every_explorer_is_in_the_book_and_every_page_loads_vega_only_if_needed(built_book, explorer_pages):
    assert set(explorer_pages) == set(NAMES), "each registered explorer appears on a page"
    for html in built_book.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        has_explorer = 'class="reciprocity-explorer"' in text
        loads_vega = "_static/vega/vega.min.js" in text
        assert has_explorer == loads_vega, f"{html.name}: Vega loaded {loads_vega}, explorer {has_explorer}"
        assert "embed-amd.js" not in text and "require.js" not in text, \
            f"{html.name} still loads the ipywidgets manager"
        assert "Static preview" not in text, f"{html.name} still shows a control that cannot respond"


@pytest.fixture(scope="module", params=NAMES)
def drawn(request, browser, site, explorer_pages):
    """One page per explorer, shared by the tests below; each test starts from its defaults."""
    name = request.param
    page, problems, failed, foreign = open_page(browser, site, explorer_pages[name])
    found = [e for e in wait_ready(page) if e["name"] == name]
    assert found, f"{name} not drawn on {explorer_pages[name]}"
    controls = EXPLORERS[name]().controls()
    yield name, page, found[0]["id"], controls, (problems, failed, foreign)
    page.close()


def _reset(page, explorer_id, controls):
    page.set_viewport_size({"width": 1280, "height": 900})
    for control in controls:
        set_control(page, explorer_id, control.name, control.value)


@pytest.mark.browser
def test_every_control_changes_the_chart_and_its_text_alternative(drawn):
    name, page, explorer_id, controls, (problems, failed, foreign) = drawn
    _reset(page, explorer_id, controls)
    assert sorted(control_names(page, explorer_id)) == sorted(c.name for c in controls)
    for control in controls:
        start_svg, start_aria = snapshot(page, explorer_id), page.evaluate(ARIA, explorer_id)
        changed_svg = changed_aria = False
        for value in control.sweep():
            set_control(page, explorer_id, control.name, value)
            changed_svg |= snapshot(page, explorer_id) != start_svg
            changed_aria |= page.evaluate(ARIA, explorer_id) != start_aria
            lines = text_lines(page, explorer_id)
            assert not any(re.search(r"\bNaN\b|undefined|Infinity", line) for line in lines), \
                f"{name}: {control.name}={value!r} shows {describe(lines)}"
            assert "" not in page.evaluate(ARIA, explorer_id), \
                f"{name}: {control.name}={value!r} leaves a mark with an empty accessible name"
        assert changed_svg, f"{name}: moving {control.name} changes nothing on the chart"
        assert changed_aria, f"{name}: moving {control.name} leaves the text alternative stale"
        _reset(page, explorer_id, controls)
    assert problems == [] and failed == [] and foreign == [], (problems, failed, foreign)


@pytest.mark.browser
def test_explorer_shows_what_the_package_computes(drawn):
    name, page, explorer_id, controls, _ = drawn
    for case in PARITY[name]():
        _reset(page, explorer_id, controls)
        for key, value in case.settings.items():
            set_control(page, explorer_id, key, value)
        lines = text_lines(page, explorer_id)
        assert missing(case.expect, lines) == [], (
            f"{name} at {dict(case.settings)} misses {missing(case.expect, lines)}; "
            f"it shows {describe(lines)}")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_controls_have_room_labels_and_keys_and_text_is_readable(drawn, width, browser, site,
                                                                explorer_pages):
    name, page, explorer_id, controls, _ = drawn
    _reset(page, explorer_id, controls)
    if width != 1280:  # a phone loads the page at its own width; resizing is not the same
        page = browser.new_page(viewport={"width": width, "height": 844})
        page.goto(f"{site}/{explorer_pages[name]}", wait_until="networkidle")
        wait_ready(page)
    layout = page.evaluate("""(id) => {
      const root = document.getElementById(id);
      const svg = root.querySelector('svg');
      const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
      const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
        .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
      const tracks = [...root.querySelectorAll('.vega-bind input[type=range]')]
        .map(i => i.getBoundingClientRect().width);
      const labels = [...root.querySelectorAll('.vega-bind')]
        .map(b => (b.querySelector('.vega-bind-name') || {}).textContent || '');
      return {minFont: Math.min(...sizes), tracks, labels};
    }""", explorer_id)
    assert layout["minFont"] >= 11, f"{name} at {width}px: chart text {layout['minFont']:.1f} px"
    assert all(track >= 120 for track in layout["tracks"]), f"{name} at {width}px: tracks {layout['tracks']}"
    assert all(label.strip() for label in layout["labels"]), f"{name}: an unlabelled control"
    if width == 390:
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(f"#{explorer_id}").screenshot(path=str(ARTIFACTS / f"explorer-{name}-phone.png"))
    # keyboard: focus the first control and press a key; the chart answers
    first = page.locator(f"#{explorer_id} .vega-bind input, #{explorer_id} .vega-bind select").first
    before = snapshot(page, explorer_id)
    first.focus()
    kind = first.evaluate("e => e.type")
    page.keyboard.press({"checkbox": "Space", "select-one": "ArrowDown"}.get(kind, "ArrowRight"))
    if kind == "range" and first.evaluate("e => e.value === e.max"):
        page.keyboard.press("ArrowLeft")
    page.evaluate("async (id) => { await window.reciprocityExplorers[id].runAsync(); }", explorer_id)
    assert snapshot(page, explorer_id) != before, f"{name}: the keyboard does not move {kind} controls"
    if width != 1280:
        page.close()
    else:
        _reset(page, explorer_id, controls)
