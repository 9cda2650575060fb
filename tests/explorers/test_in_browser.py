"""Every explorer answers its reader on the static book, in Chromium, with no kernel.

The built site is served as plain files. For every explorer we move every
control and see the chart and its text alternative change, set the states
its parity cases name and read the numbers the package computes, check what
a screen reader and a keyboard user meet (labels, values with units, the
announced result, visible focus), and the layout a reader meets on a laptop
and on a phone: control sizes, chart and controls on one screen, no sideways
scroll, axe clean in light and dark mode. Vega itself loads only when a
reader nears an explorer. The extremes of every control are driven in
tests/explorers/test_extremes.py.
"""
from __future__ import annotations

import re

import pytest

from reciprocity.explorers import EXPLORERS, PARITY, load_all
from tests.support.common import ARTIFACTS, open_page
from tests.support.explorer_driver import (
    control_names,
    describe,
    missing,
    set_control,
    snapshot,
    text_lines,
    wait_ready,
)
from tests.support.site_checks import AXE, LAPTOP, PHONE, WCAG_TAGS, open_in

NAMES = sorted(load_all())
ARIA = "(id) => [...document.querySelectorAll(`#${id} svg [aria-label]`)].map(e => e.getAttribute('aria-label'))"




def test_every_explorer_is_in_the_book_and_only_its_pages_load_the_loader(built_book, explorer_pages):
    assert set(explorer_pages) == set(NAMES), "each registered explorer appears on a page"
    for html in built_book.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        has_explorer = 'class="reciprocity-explorer"' in text
        loader = "_static/explorers/loader.js" in text
        css = "_static/explorers.css" in text
        assert has_explorer == loader == css, \
            f"{html.name}: explorer {has_explorer}, loader {loader}, explorers.css {css}"
        # no page loads Vega up front: the loader fetches it when a reader nears an explorer
        assert not re.search(r"<script[^>]*vega(-lite|-embed)?\.min\.js", text), f"{html.name} loads Vega up front"
        assert "cdn.jsdelivr" not in text or has_explorer, html.name
        assert "embed-amd.js" not in text and "require.js" not in text, \
            f"{html.name} still loads the ipywidgets manager"
        assert "Static preview" not in text, f"{html.name} still shows a control that cannot respond"


def _deepest_explorer_page(built_book, explorer_pages) -> str:
    """The page whose first explorer sits furthest down its HTML (by share of the text)."""
    def depth(rel):
        text = (built_book / rel).read_text(encoding="utf-8")
        return text.index('class="reciprocity-explorer"') / len(text)
    return max(set(explorer_pages.values()), key=depth)


VEGA_FETCHED = ("() => performance.getEntriesByType('resource').map(e => e.name)"
                ".filter(n => /vega(-lite|-embed)?\\.min\\.js$/.test(n)).map(n => n.split('/').pop())")


@pytest.mark.browser
def test_vega_loads_only_when_an_explorer_nears_and_keyboard_and_print_draw_it(browser, site, built_book,
                                                                               explorer_pages):
    rel = _deepest_explorer_page(built_book, explorer_pages)
    page, problems = open_in(browser, site, rel, LAPTOP)
    try:
        first = page.locator(".reciprocity-explorer").first
        top = first.evaluate("e => e.getBoundingClientRect().top")
        assert top > 2 * 800, f"{rel}: the first explorer is only {top:.0f} px down; pick a deeper page"
        assert page.evaluate(VEGA_FETCHED) == [], f"{rel}: Vega loaded before any explorer was near"
        assert first.get_attribute("data-ready") is None
        # keyboard: from the last control before the explorer, Tab lands on its first control
        page.evaluate("""(id) => {
            const target = document.getElementById(id);
            const all = [...document.querySelectorAll('a[href], button, input, select, summary, [tabindex]')]
              .filter(e => e.tabIndex >= 0 && e.offsetParent !== null && e !== target);
            const before = all.filter(e => e.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING);
            // the last one that takes focus (some, like a hidden copy button, do not)
            for (const e of before.reverse()) { e.focus(); if (document.activeElement === e) return; }
        }""", first.get_attribute("id"))
        page.keyboard.press("Tab")
        page.wait_for_function("(id) => document.getElementById(id).dataset.ready", arg=first.get_attribute("id"))
        focused = page.evaluate("(id) => { const a = document.activeElement; return !!a.closest('#' + id + "
                                "' .vega-bind') && a.matches('input, select'); }", first.get_attribute("id"))
        assert focused, f"{rel}: Tab into the explorer does not reach its first control"
        assert page.evaluate(VEGA_FETCHED) == ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"]
        # printing draws every explorer left on the page
        page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
        page.wait_for_function("() => [...document.querySelectorAll('.reciprocity-explorer')]"
                               ".every(e => e.dataset.ready === 'true')")
        assert problems["console_errors"] == [] and problems["failed_requests"] == []
    finally:
        page.context.close()


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
def test_controls_speak_their_values_with_units_and_results_are_announced(drawn):
    """Labelled controls, a radio group named as one, slider values read with their units,
    a polite live region that reads the readout after a change, focus that shows."""
    name, page, explorer_id, controls, _ = drawn
    _reset(page, explorer_id, controls)
    state = page.evaluate("""(id) => {
      const root = document.getElementById(id), out = [];
      for (const bind of root.querySelectorAll('.vega-bind')) {
        const radios = bind.querySelector('.vega-bind-radio');
        const named = radios ? [radios] : [...bind.querySelectorAll('input, select')];
        for (const e of named) {
          const label = document.getElementById(e.getAttribute('aria-labelledby') || '');
          if (!label || !label.textContent.trim()) out.push(`${e.name || 'radio group'}: no label`);
        }
        if (radios && radios.getAttribute('role') !== 'radiogroup') out.push('radios are not a radiogroup');
        for (const r of bind.querySelectorAll('input[type=range]')) {
          const text = r.getAttribute('aria-valuetext'), shown = r.nextElementSibling;
          if (!text) out.push(`${r.name}: no aria-valuetext`);
          else if (!shown || shown.textContent !== text)
            out.push(`${r.name}: shows ${shown && shown.textContent}, reads ${text}`);
        }
      }
      const live = root.querySelector('.reciprocity-explorer-live');
      if (!live || live.getAttribute('aria-live') !== 'polite') out.push('no polite live region');
      return out;
    }""", explorer_id)
    assert state == [], f"{name}: {state}"
    # a reader moves a control and pauses: the live region reads the new readout
    control = controls[0]
    other = next(v for v in control.sweep() if v != control.value)
    set_control(page, explorer_id, control.name, other)
    readout = page.evaluate("(id) => [...document.querySelectorAll(`#${id} svg g.role-mark[class*=readout_] text`)]"
                            ".map(t => t.textContent)", explorer_id)
    assert readout, f"{name}: no readout lines"
    page.wait_for_function("""([id, lines]) => {
        const text = document.querySelector(`#${id} .reciprocity-explorer-live`).textContent;
        return lines.every(line => text.includes(line)); }""", arg=[explorer_id, readout], timeout=5_000)
    # keyboard focus shows on every control
    page.keyboard.press("Shift")  # a key press: focus from here on is keyboard focus
    page.locator(f"#{explorer_id} .vega-bind input, #{explorer_id} .vega-bind select").first.focus()
    outlines = []
    for _ in range(len(controls)):
        outlines.append(page.evaluate("""() => { const a = document.activeElement, s = getComputedStyle(a);
            return [a.name, s.outlineStyle, parseFloat(s.outlineWidth)]; }"""))
        page.keyboard.press("Tab")
    assert [o[0] for o in outlines] == [c.name for c in controls], f"{name}: Tab order {outlines}"
    assert all(style != "none" and width >= 2 for _, style, width in outlines), f"{name}: {outlines}"
    _reset(page, explorer_id, controls)


LAYOUT = """(id) => {
  const root = document.getElementById(id);
  const svg = root.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
  const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  const controls = [...root.querySelectorAll('.vega-bind input, .vega-bind select')].map(i => {
    const r = i.getBoundingClientRect(); return {name: i.name, type: i.type, width: r.width, height: r.height}; });
  // what stays on screen: the viewport less any header stuck to its top
  const stuck = [...document.querySelectorAll('body *')].filter(e => {
    const p = getComputedStyle(e).position, r = e.getBoundingClientRect();
    const across = Math.min(r.right, innerWidth) - Math.max(r.left, 0);  // the part on screen
    return (p === 'sticky' || p === 'fixed') && r.top <= 0 && r.bottom > 0 && r.bottom < innerHeight / 3
      && across > innerWidth / 2;
  }).map(e => e.getBoundingClientRect().bottom);
  const box = root.getBoundingClientRect();
  return {minFont: Math.min(...sizes), controls, height: box.height, right: box.right,
          room: innerHeight - Math.max(0, ...stuck), overflow: root.scrollWidth - root.clientWidth,
          tracks: [...root.querySelectorAll('.vega-bind input[type=range]')].map(i => i.getBoundingClientRect().width),
          labels: [...root.querySelectorAll('.vega-bind')]
            .map(b => (b.querySelector('.vega-bind-name') || {}).textContent || '')};
}"""

#: Chart text that sits on the page's background (not on a coloured mark): it must read
#: against the background in light and in dark mode.
INK_CONTRAST = """(id) => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let e = document.getElementById(id), bg = 'rgba(0, 0, 0, 0)';
  while (e && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
    bg = getComputedStyle(e).backgroundColor; e = e.parentElement;
  }
  if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
  const b = lum(rgb(bg)), out = [];
  const texts = document.querySelectorAll(`#${id} svg :is(.role-axis-label, .role-axis-title, .role-title-text,
      .role-title-subtitle, .role-legend-label, [class*=readout_]) text`);
  for (const t of texts) {
    const f = lum(rgb(getComputedStyle(t).fill));
    const ratio = (Math.max(f, b) + 0.05) / (Math.min(f, b) + 0.05);
    if (ratio < 4.5) out.push(`${t.textContent}: ${ratio.toFixed(2)}`);
  }
  return {checked: texts.length, low: out.slice(0, 5)};
}"""


def _axe(page, explorer_id: str) -> list[dict]:
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE)
    return page.evaluate("""async ([id, tags]) => {
        const r = await axe.run({include: [['#' + id]]}, {runOnly: {type: 'tag', values: tags},
                                resultTypes: ['violations'], preload: false});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').slice(0, 160))}));
    }""", [explorer_id, WCAG_TAGS])


@pytest.mark.browser
@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop-1280x800", "phone-390x844"])
def test_on_a_laptop_and_a_phone_the_explorer_fits_reads_and_passes_axe_in_light_and_dark(
        drawn, size, browser, site, explorer_pages):
    name = drawn[0]
    page, problems = open_in(browser, site, explorer_pages[name], size)
    try:
        explorer_id = next(e["id"] for e in wait_ready(page) if e["name"] == name)
        page.locator(f"#{explorer_id}").scroll_into_view_if_needed()
        width = size["viewport"]["width"]
        layout = page.evaluate(LAYOUT, explorer_id)
        assert layout["minFont"] >= 11, f"{name} at {width}px: chart text {layout['minFont']:.1f} px"
        assert all(track >= 120 for track in layout["tracks"]), f"{name} at {width}px: tracks {layout['tracks']}"
        assert all(label.strip() for label in layout["labels"]), f"{name}: an unlabelled control"
        tall = 44 if size is PHONE else 24  # touch screens: 44 px; everywhere: WCAG 2.2's 24 px
        small = [c for c in layout["controls"] if c["width"] < 24 or c["height"] < tall]
        assert small == [], f"{name} at {width}px: controls under 24 x {tall} px: {small}"
        assert layout["height"] <= layout["room"], \
            f"{name} at {width}px: chart and controls {layout['height']:.0f} px tall, {layout['room']:.0f} px on screen"
        assert layout["overflow"] <= 0 and layout["right"] <= width, \
            f"{name} at {width}px: wider than its column ({layout['overflow']} px) "\
            f"or the screen ({layout['right']:.0f})"
        for mode in ("light", "dark"):
            page.evaluate("(mode) => { document.documentElement.dataset.theme = mode;"
                          " document.documentElement.dataset.mode = mode; }", mode)
            violations = _axe(page, explorer_id)
            assert violations == [], f"{name} at {width}px, {mode}: {violations}"
            ink = page.evaluate(INK_CONTRAST, explorer_id)
            assert ink["checked"] and ink["low"] == [], f"{name} at {width}px, {mode}: chart text contrast {ink['low']}"
            if size is PHONE:
                ARTIFACTS.mkdir(exist_ok=True)
                page.locator(f"#{explorer_id}").screenshot(path=str(ARTIFACTS / f"explorer-{name}-phone-{mode}.png"))
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
        assert problems["console_errors"] == [] and problems["failed_requests"] == [], problems
    finally:
        page.context.close()
