"""Practice items in Chromium: checked at once, explained, announced, by keyboard, remembered, reviewed.

The built book is served as static files. On a chapter, at phone size (390x844,
touch) and laptop size (1280x800), a reader who uses only the keyboard answers
a numeric item (a listed mistake, a number that is too high, an unreadable
one, then the right answer in another notation) and a choice item (a wrong
option, then the right one), reveals a solution, and finds the progress again
after a reload. The Review page brings back a missed item, removes it once it
is answered right and brings it back when its day comes (the stored due date
is moved back to simulate the days passing). Without localStorage the items
still work and the page says so once. axe-core audits the practice block and
the Review page in light and dark mode.
"""
from __future__ import annotations

import json
import re

import pytest

from reciprocity.practice import load_items, practice_file
from tests.support.common import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTER = ROOT / "book" / "insights" / "01-deliberation.ipynb"
CHAPTER_PAGE = "book/insights/01-deliberation.html"
REVIEW_PAGE = "book/review.html"
STORE_KEY = "reciprocity-practice-v1"
AXE = (ROOT / "tests" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}

ITEMS = load_items(practice_file(CHAPTER))
NUMERIC = next(i for i in ITEMS if i.kind == "numeric" and i.mistakes)
CHOICE = next(i for i in ITEMS if i.kind in ("choice", "design"))


def decimals(tolerance: float) -> int:
    """As practice.js shows numbers: enough decimals to resolve the tolerance."""
    return 0 if tolerance >= 1 else len(f"{tolerance:.6f}".rstrip("0").split(".")[1])


def words(markdown: str) -> str:
    """The first words of an explanation, as they read once Markdown is rendered."""
    plain = re.sub(r"[*`_]", "", markdown)
    return " ".join(plain.split()[:6])


@pytest.fixture
def new_page(browser, site):
    """Open a page in a fresh browser context (empty storage), at phone or laptop size."""
    contexts = []

    def open_(path: str, device: dict, init_script: str | None = None):
        context = browser.new_context(**device)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(f"{site}/{path}", wait_until="networkidle")
        page.wait_for_selector(".practice-block[data-ready], .practice-review[data-ready]",
                               state="attached")
        return page

    yield open_
    for context in contexts:
        context.close()


def tab_to(page, selector: str, limit: int = 60, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"keyboard focus never reached {selector}")


def feedback(page, item) -> str:
    return page.locator(f"#practice-{item.id}-feedback").inner_text()


def focus_outline(page) -> float:
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth);
    }""")


def control_sizes(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll(
            '.practice-block input, .practice-block button, .practice-option label')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect();
                    return {what: e.outerHTML.slice(0, 70), w: r.width, h: r.height}; })""")


@pytest.mark.parametrize("device", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_items_are_checked_explained_and_remembered_by_keyboard_alone(new_page, site, device):
    page = new_page(f"{CHAPTER_PAGE}", device)
    width = device["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scroll"
    for control in control_sizes(page):
        assert control["w"] >= 24 and control["h"] >= 24, control
        if device is PHONE:
            assert control["h"] >= 44, f"touch target under 44 px tall: {control}"

    numeric = f"#practice-{NUMERIC.id}"
    reveal = page.locator(f"{numeric} .practice-reveal")
    assert reveal.is_disabled(), "no solution before a first try"
    live = page.locator(f"{numeric}-feedback")
    assert live.get_attribute("role") == "status" and live.get_attribute("aria-live") == "polite"

    # Keyboard only from here: jump to the Practice section, then Tab.
    page.goto(f"{site}/{CHAPTER_PAGE}#practice")
    page.wait_for_selector(".practice-block[data-ready]", state="attached")
    tab_to(page, f"{numeric}-input")
    assert focus_outline(page) >= 2, "the focused input shows its focus"

    mistake = NUMERIC.mistakes[0]
    page.keyboard.type(f"{mistake.value:.6g}")
    page.keyboard.press("Enter")
    assert words(mistake.why) in feedback(page, NUMERIC), "a listed mistake gets its own explanation"
    assert reveal.is_enabled(), "the solution can be shown after a try"

    far = NUMERIC.answer + 1000 * NUMERIC.tolerance + abs(NUMERIC.answer)
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{far:.6g}")
    page.keyboard.press("Enter")
    assert "too high" in feedback(page, NUMERIC)

    page.keyboard.press("Control+A")
    page.keyboard.type("twelve")
    page.keyboard.press("Enter")
    assert "not a number" in feedback(page, NUMERIC)

    right = f"{NUMERIC.answer:.{decimals(NUMERIC.tolerance)}f}"
    page.keyboard.press("Control+A")
    page.keyboard.type(right.replace(".", ",") if "." in right else right)  # a decimal comma works too
    page.keyboard.press("Enter")
    said = feedback(page, NUMERIC)
    assert said.startswith("Right") and "Accepted:" in said, said

    tab_to(page, f"{numeric} .practice-reveal")
    assert focus_outline(page) >= 2, "the focused button shows its focus"
    page.keyboard.press("Enter")
    assert page.locator(f"{numeric}-solution").is_visible()
    assert reveal.get_attribute("aria-expanded") == "true"

    # A choice item: arrow keys pick, Space on Check checks.
    choice = f"#practice-{CHOICE.id}"
    wrong = next(k for k, o in enumerate(CHOICE.options) if not o.correct)
    right_option = next(k for k, o in enumerate(CHOICE.options) if o.correct)
    tab_to(page, f"{choice} input[type=radio]")
    for _ in range(len(CHOICE.options) + 1):
        if page.locator(f"{choice}-option-{wrong}").is_checked():
            break
        page.keyboard.press("ArrowDown")
    assert page.locator(f"{choice}-option-{wrong}").is_checked()
    tab_to(page, f"{choice} .practice-check")
    page.keyboard.press("Space")
    said = feedback(page, CHOICE)
    assert said.startswith("Not this one") and words(CHOICE.options[wrong].why) in said
    tab_to(page, f"{choice} input[type=radio]", back=True)
    for _ in range(len(CHOICE.options) + 1):
        if page.locator(f"{choice}-option-{right_option}").is_checked():
            break
        page.keyboard.press("ArrowUp")
    tab_to(page, f"{choice} .practice-check")
    page.keyboard.press("Space")
    said = feedback(page, CHOICE)
    assert said.startswith("Right") and words(CHOICE.options[right_option].why) in said

    progress = f"2 of {len(ITEMS)} right"
    assert progress in page.locator(".practice-progress").inner_text()
    page.reload()
    page.wait_for_selector(".practice-block[data-ready]", state="attached")
    assert progress in page.locator(".practice-progress").inner_text(), "progress survives a reload"


def test_review_brings_back_missed_items_spaced_over_days(new_page, site):
    page = new_page(CHAPTER_PAGE, LAPTOP)
    mistake = NUMERIC.mistakes[0]
    page.fill(f"#practice-{NUMERIC.id}-input", f"{mistake.value:.6g}")
    page.press(f"#practice-{NUMERIC.id}-input", "Enter")
    assert "Review page" in feedback(page, NUMERIC)

    page.goto(f"{site}/{REVIEW_PAGE}", wait_until="networkidle")
    page.wait_for_selector(".practice-review[data-ready]", state="attached")
    shown = page.locator(".practice-review-item:visible")
    assert shown.count() == 1 and shown.get_attribute("data-item") == NUMERIC.id
    assert page.locator(".practice-review-summary").inner_text() == "1 question is due now."
    row = page.locator(f'tr[data-items~="{NUMERIC.id}"]')
    assert row.locator('[data-col="due"]').inner_text() == "1"
    assert row.locator('[data-col="tried"]').inner_text() == "1"
    assert row.locator("a").get_attribute("href").endswith("01-deliberation.html#practice")

    right = f"{NUMERIC.answer:.{decimals(NUMERIC.tolerance)}f}"
    page.fill(f"#practice-{NUMERIC.id}-input", right)
    page.press(f"#practice-{NUMERIC.id}-input", "Enter")
    said = feedback(page, NUMERIC)
    assert said.startswith("Right") and "Back for review tomorrow (box 2 of 5)" in said
    assert row.locator('[data-col="due"]').inner_text() == "0"
    assert "Next review: tomorrow" in page.locator(".practice-review-summary").inner_text()

    page.reload()
    page.wait_for_selector(".practice-review[data-ready]", state="attached")
    assert page.locator(".practice-review-item:visible").count() == 0, "answered right: not due"
    assert page.locator(".practice-review-summary").inner_text().startswith("Nothing is due")

    # Two days later the item is due again, in box 2.
    stored = json.loads(page.evaluate(f"localStorage.getItem('{STORE_KEY}')"))
    record = stored["items"][NUMERIC.id]
    assert record["box"] == 2 and record["missed"] is True
    record["due"] -= 2 * 86_400_000
    page.evaluate(f"(s) => localStorage.setItem('{STORE_KEY}', s)", json.dumps(stored))
    page.reload()
    page.wait_for_selector(".practice-review[data-ready]", state="attached")
    assert page.locator(".practice-review-item:visible").get_attribute("data-item") == NUMERIC.id
    page.fill(f"#practice-{NUMERIC.id}-input", right)
    page.press(f"#practice-{NUMERIC.id}-input", "Enter")
    assert "(box 3 of 5)" in feedback(page, NUMERIC)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".practice-reset")
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}')") is None
    assert page.locator(".practice-reset-status").inner_text() == "Your progress has been deleted."
    assert row.locator('[data-col="tried"]').inner_text() == "0"


def test_without_local_storage_items_still_work_and_the_page_says_so_once(new_page):
    refuse = """Object.defineProperty(window, 'localStorage', {
        get() { throw new DOMException('storage is off', 'SecurityError'); }});"""
    page = new_page(CHAPTER_PAGE, LAPTOP, init_script=refuse)
    assert page.locator(".practice-note").count() == 1
    assert "not letting the page keep your progress" in page.locator(".practice-note").inner_text()
    right = f"{NUMERIC.answer:.{decimals(NUMERIC.tolerance)}f}"
    page.fill(f"#practice-{NUMERIC.id}-input", right)
    page.press(f"#practice-{NUMERIC.id}-input", "Enter")
    assert feedback(page, NUMERIC).startswith("Right")
    assert f"1 of {len(ITEMS)} right" in page.locator(".practice-progress").inner_text()
    assert page.locator(".practice-note").count() == 1


def run_axe(page, context: str | None) -> list[dict]:
    """axe-core violations within ``context`` (a selector), or on the whole page."""
    page.add_script_tag(content=AXE)
    return page.evaluate("""async ([context, tags]) => {
        const r = await axe.run(context || document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations'], preload: false});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", [context, AXE_TAGS])


@pytest.mark.parametrize("device", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_practice_block_and_review_page_pass_axe_in_light_and_dark(new_page, site, device):
    page = new_page(CHAPTER_PAGE, device)
    mistake = NUMERIC.mistakes[0]
    page.fill(f"#practice-{NUMERIC.id}-input", f"{mistake.value:.6g}")
    page.press(f"#practice-{NUMERIC.id}-input", "Enter")   # feedback shown, item now due
    page.click(f"#practice-{NUMERIC.id} .practice-reveal")  # solution shown
    found = {}
    for mode in ("light", "dark"):
        page.evaluate("(m) => document.documentElement.dataset.theme = m", mode)
        found[f"chapter {mode}"] = run_axe(page, ".practice-block")
    page.goto(f"{site}/{REVIEW_PAGE}", wait_until="networkidle")
    page.wait_for_selector(".practice-review[data-ready]", state="attached")
    assert page.locator(".practice-review-item:visible").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= device["viewport"]["width"]
    for mode in ("light", "dark"):
        page.evaluate("(m) => document.documentElement.dataset.theme = m", mode)
        found[f"review {mode}"] = run_axe(page, None)
    assert all(not v for v in found.values()), json.dumps(found, indent=1)
