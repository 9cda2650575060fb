"""What the site-wide browser tests share: devices, opening a page, axe, target sizes.

Used by tests/book/test_site.py, tests/book/test_navigation.py and tests/book/test_layout.py.
"""
from __future__ import annotations

from tests.support.common import IGNORED_CONSOLE, ROOT

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def device(width: int) -> dict:
    """A phone (touch) at 390 px, otherwise a window of that width."""
    return PHONE if width <= 390 else {"viewport": {"width": width, "height": 800}}


AXE = (ROOT / "tests" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
#: WCAG 2.0, 2.1 and 2.2, levels A and AA (axe's rule tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def open_in(browser, site: str, path: str, size: dict, mode: str = "light"):
    """Open ``path`` in a fresh context of ``size`` in light or dark mode.

    Returns the page and a dict of its console errors, failed and foreign requests.
    The theme reads the mode from localStorage ("mode" chosen, "theme" shown) before
    it draws, as after a reader's click on its light/dark button. Close the page's
    context (``page.context.close()``) when done.
    """
    context = browser.new_context(**size)
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    page = context.new_page()
    problems = {"console_errors": [], "failed_requests": [], "foreign_requests": []}
    page.on("console", lambda m: problems["console_errors"].append(m.text)
            if m.type == "error" and not m.text.startswith(IGNORED_CONSOLE) else None)
    page.on("pageerror", lambda e: problems["console_errors"].append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems["failed_requests"].append(r.url))
    page.on("response", lambda r: problems["failed_requests"].append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    page.on("request", lambda r: problems["foreign_requests"].append(r.url)
            if not r.url.startswith((site, "data:", "blob:")) else None)
    page.goto(f"{site}/{path}", wait_until="networkidle")
    return page, problems


def draw_explorers(page) -> None:
    """Scroll to every explorer so the page draws it, wait for all, go back to the top."""
    if page.locator(".reciprocity-explorer").count():
        from tests.support.explorer_driver import wait_ready
        wait_ready(page, timeout=20_000)
        page.evaluate("() => window.scrollTo(0, 0)")


def axe_violations(page) -> list[dict]:
    """Every axe-core violation of the WCAG 2.x A/AA rules on the page, whatever its impact."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE)
    return page.evaluate("""async (tags) => {
        // preload off: axe would re-fetch @import-ed sheets relative to the page
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations'], preload: false});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').slice(0, 200))}));
    }""", WCAG_TAGS)


# A control is anything a reader can press, pick or type in: buttons, fields, menu
# and dropdown items, links styled as buttons and the links of the navigation
# menus. Links in running text are not: WCAG 2.5.8 exempts targets in a
# sentence and spaced ones (axe's target-size rule checks the spacing). Nor is
# inline maths, which MathJax makes focusable. A radio or checkbox counts with
# its label when the label wraps it (clicking either works).
SMALL_TARGETS = """(min) => {
  const selector = 'button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [role=tab], [role=radio], [role=checkbox], [role=switch], [role=slider], '
    + '[role=menuitem], a.btn, a.dropdown-item, nav a[href], .prev-next-area a[href], '
    + '[tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const e of document.querySelectorAll(selector)) {
    const style = getComputedStyle(e);
    let box = e.getBoundingClientRect();
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (e.closest('[aria-hidden=true], [inert]')) continue;
    if (box.bottom <= 0 || box.right <= 0) continue;  // off screen, e.g. the skip link until focused
    if (e.closest('span.math')) continue;  // inline maths, in a sentence
    const label = e.matches('input[type=radio], input[type=checkbox]') && e.closest('label');
    if (label) box = label.getBoundingClientRect();
    if (box.width < min - 0.5 || box.height < min - 0.5) {
      const name = (e.getAttribute('aria-label') || e.textContent || e.value || e.title || '').trim().slice(0, 30);
      small.push(`${e.tagName.toLowerCase()}.${String(e.className).split(' ').slice(0, 2).join('.')} "${name}" `
                 + `${box.width.toFixed(0)}x${box.height.toFixed(0)}`);
    }
  }
  return small;
}"""


def small_targets(page, minimum: int = 24) -> list[str]:
    """Visible controls smaller than ``minimum`` CSS px in either direction."""
    return page.evaluate(SMALL_TARGETS, minimum)
