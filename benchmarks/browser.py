"""What a reader's browser measures: explorer response times and page weight.

Both drive Debian's Chromium through Playwright, as the browser tests do.

``measure_explorers(cycles)``
    Every registered explorer (``reciprocity.explorers.load_all()``) on one
    page with the vendored Vega, as ``tools/probe_explorer.py`` serves it.
    Every control of every explorer is moved through its sweep values
    (``Control.sweep()``) and back, ``cycles`` times after one untimed
    warm-up sweep. One sample is the time from setting the input and
    dispatching the event a reader's action fires, to the Vega view having
    finished its update and the next animation frame (``tests/explorer_driver.py``).
    Headline: ``explorer_response_p95_ms``, the 95th percentile over all
    samples; the worst explorer's p95 is reported too.

``measure_page_weight(site)``
    Every page of the built book (``site``, a ``_build/html`` folder) is
    served from 127.0.0.1 under the published prefix and loaded in a fresh
    browser context (empty cache). Each response is counted as a static host
    serves it: text types (HTML, CSS, JavaScript, JSON, SVG, maps) gzipped
    at level 6, as GitHub Pages does, everything else (fonts, images) as is.
    Headline: ``page_weight_max_mb``, the heaviest chapter's first load in MB
    (10^6 bytes); every page and its largest files are listed.
"""
from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/x-javascript",
                "image/svg+xml", "application/xml")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path, prefix: str = ""):
    class Handler(_Quiet):
        def translate_path(self, path):
            if prefix and path.startswith(f"/{prefix}/"):
                path = path[len(prefix) + 1:]
            return super().translate_path(path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    return server, (f"{base}/{prefix}" if prefix else base)


def _browser(playwright):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        raise RuntimeError("Chromium not found: install it with `apt-get install chromium`")
    return playwright.chromium.launch(executable_path=chromium, args=FLAGS)


def measure_explorers(cycles: int) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tools"))
    from explorer_driver import set_control, wait_ready
    from playwright.sync_api import sync_playwright
    from probe_explorer import page_html

    from reciprocity.explorers import EXPLORERS, load_all

    load_all()
    built = {name: EXPLORERS[name]() for name in sorted(EXPLORERS)}
    per_explorer, samples_all = {}, []
    with tempfile.TemporaryDirectory() as folder:
        for script in (ROOT / "book" / "_static" / "vega").glob("*.js"):
            shutil.copy2(script, folder)
        (Path(folder) / "index.html").write_text(page_html(list(built.values())), encoding="utf-8")
        server, base = _serve(Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = _browser(playwright)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{base}/index.html")
                ids = {e["name"]: e["id"] for e in wait_ready(page)}
                for name, explorer in built.items():
                    controls = explorer.controls()

                    def sweep() -> list[float]:
                        times = []
                        for control in controls:
                            for value in [*control.sweep(), control.value]:
                                times.append(set_control(page, ids[name], control.name, value))
                        return times

                    sweep()  # warm-up: first draws, JIT
                    samples = [t for _ in range(cycles) for t in sweep()]
                    samples_all.extend(samples)
                    per_explorer[name] = {
                        "p95_ms": round(_percentile(samples, 95), 2),
                        "median_ms": round(statistics.median(samples), 2),
                        "max_ms": round(max(samples), 2), "updates": len(samples),
                        "controls": len(controls),
                    }
                browser.close()
        finally:
            server.shutdown()
    worst = max(per_explorer, key=lambda n: per_explorer[n]["p95_ms"])
    return {"metrics": {"explorer_response_p95_ms": round(_percentile(samples_all, 95), 2)},
            "details": {"worst_explorer": worst, "worst_explorer_p95_ms": per_explorer[worst]["p95_ms"],
                        "cycles": cycles, "per_explorer": per_explorer}}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def served_size(body: bytes, content_type: str) -> int:
    """Bytes a static host sends: gzip for text types, as is for the rest."""
    if content_type.split(";")[0].strip().lower().startswith(COMPRESSIBLE):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


def measure_page_weight(site: Path, prefix: str, pages: list[str], browser=None) -> dict:
    """Weigh ``pages`` of the built book in ``site``; ``browser``: a Playwright browser to reuse."""
    if browser is None:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            own = _browser(playwright)
            try:
                return measure_page_weight(site, prefix, pages, own)
            finally:
                own.close()

    per_page = {}
    server, base = _serve(site, prefix)
    try:
        for path in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            responses = []
            page.on("response", lambda r: responses.append(r))
            page.goto(f"{base}/{path}", wait_until="networkidle")
            files = []
            for response in responses:
                if not response.url.startswith(base) or response.status >= 400:
                    continue
                try:
                    body = response.body()
                except Exception:  # redirects and aborted requests have no body
                    continue
                kind = response.headers.get("content-type", "")
                files.append((response.url[len(base):], len(body), served_size(body, kind)))
            per_page[path] = {
                "served_mb": round(sum(f[2] for f in files) / 1e6, 3),
                "raw_mb": round(sum(f[1] for f in files) / 1e6, 3),
                "requests": len(files),
                "largest": [{"file": f[0], "served_kb": round(f[2] / 1e3, 1)}
                            for f in sorted(files, key=lambda f: -f[2])[:6]],
            }
            context.close()
    finally:
        server.shutdown()
    heaviest = max(per_page, key=lambda p: per_page[p]["served_mb"])
    return {"metrics": {"page_weight_max_mb": per_page[heaviest]["served_mb"]},
            "details": {"heaviest_page": heaviest, "per_page": per_page}}
