"""Check explorers in Chromium without building the book.

Writes a page holding the named explorers and the vendored Vega, serves it on
127.0.0.1, and runs what the browser tests run on the built book: every
control moves the chart and its text alternative, every parity case shows
what the package computes, the text keeps its invariants with the controls
at their extremes and pairs of extremes (tests/explorers/test_extremes.py),
tracks and text have room at 1280 and 390 px.
Screenshots go to ``test-artifacts/probe-<name>-<width>.png``::

    python -m tools.probe_explorer photo_reply_explorer
    python -m tools.probe_explorer --all
"""
from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from tests.support.explorer_driver import (
    control_names,
    describe,
    drive_to_extremes,
    missing,
    set_control,
    snapshot,
    text_lines,
    wait_ready,
)

ROOT = Path(__file__).resolve().parents[1]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARIA = "(id) => [...document.querySelectorAll(`#${id} svg [aria-label]`)].map(e => e.getAttribute('aria-label'))"
LAYOUT = """(id) => {
  const root = document.getElementById(id), svg = root.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
  const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return {minFont: Math.min(...sizes),
          tracks: [...root.querySelectorAll('.vega-bind input[type=range]')].map(i => i.getBoundingClientRect().width)};
}"""


def page_html(explorers) -> str:
    """A page showing ``explorers`` as the book does: its stylesheet and loader, Vega
    loaded by the loader from the page's own folder (copy ``book/_static/vega/*.js`` there)."""
    static = ROOT / "book" / "_static"
    css = (static / "explorers.css").read_text(encoding="utf-8")
    loader = (static / "explorers" / "loader.js").read_text(encoding="utf-8")
    body = "\n".join(e.html() for e in explorers)
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Explorers</title><link rel='icon' href='data:,'><style>{css}</style>"
            f"<script data-vega='./'>{loader}</script></head>"
            f"<body><main style='max-width:760px;margin:0 auto;padding:0 12px'>{body}</main></body></html>")


def probe(name: str, browser, url: str, artifacts: Path) -> list[str]:
    from reciprocity.explorers import EXPLORERS, PARITY
    problems: list[str] = []
    controls = EXPLORERS[name]().controls()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None)
    page.goto(url)
    ids = [e["id"] for e in wait_ready(page) if e["name"] == name]
    explorer_id = ids[0]
    if sorted(control_names(page, explorer_id)) != sorted(c.name for c in controls):
        problems.append(f"controls on the page {control_names(page, explorer_id)} != spec")

    def reset():
        for c in controls:
            set_control(page, explorer_id, c.name, c.value)

    times = []
    for control in controls:
        svg, aria = snapshot(page, explorer_id), page.evaluate(ARIA, explorer_id)
        changed_svg = changed_aria = False
        for value in control.sweep():
            times.append(set_control(page, explorer_id, control.name, value))
            changed_svg |= snapshot(page, explorer_id) != svg
            changed_aria |= page.evaluate(ARIA, explorer_id) != aria
            lines = text_lines(page, explorer_id)
            if any(re.search(r"\bNaN\b|undefined|Infinity", line) for line in lines):
                problems.append(f"{control.name}={value!r} shows {lines}")
            if "" in page.evaluate(ARIA, explorer_id):
                problems.append(f"{control.name}={value!r} leaves a mark with an empty accessible name")
        if not changed_svg:
            problems.append(f"moving {control.name} changes nothing")
        if not changed_aria:
            problems.append(f"moving {control.name} leaves the text alternative (aria-labels) stale")
        reset()
    for case in PARITY.get(name, lambda: [])():
        reset()
        for key, value in case.settings.items():
            set_control(page, explorer_id, key, value)
        lines = text_lines(page, explorer_id)
        if missing(case.expect, lines):
            problems.append(f"at {dict(case.settings)} missing {missing(case.expect, lines)}; shows {describe(lines)}")
    if name not in PARITY:
        problems.append("no parity cases registered")
    reset()
    problems.extend(drive_to_extremes(page, explorer_id, controls))
    reset()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        layout = page.evaluate(LAYOUT, explorer_id)
        if layout["minFont"] < 11:
            problems.append(f"at {width}px chart text is {layout['minFont']:.1f}px (< 11)")
        if any(t < 120 for t in layout["tracks"]):
            problems.append(f"at {width}px slider tracks {layout['tracks']} (< 120 px)")
        page.locator(f"#{explorer_id}").screenshot(path=str(artifacts / f"probe-{name}-{width}.png"))
    problems.extend(f"console: {e}" for e in errors)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))] if times else float("nan")
    print(f"{name}: {len(controls)} controls, {len(times)} moves, p95 {p95:.1f} ms, "
          f"{'OK' if not problems else f'{len(problems)} problem(s)'}")
    page.close()
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from reciprocity.explorers import EXPLORERS, load_all
    load_all()
    names = sorted(EXPLORERS) if args.all else args.names
    if not names:
        parser.error("name explorers or pass --all")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        for script in (ROOT / "book" / "_static" / "vega").glob("*.js"):
            shutil.copy2(script, folder)
        (Path(folder) / "index.html").write_text(page_html([EXPLORERS[n]() for n in names]), encoding="utf-8")
        quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
        handler = functools.partial(quiet, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                 args=FLAGS)
            for name in names:
                for problem in probe(name, browser, url, artifacts):
                    failures += 1
                    print(f"  - {problem}")
            browser.close()
        server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
