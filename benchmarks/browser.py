"""What a reader's browser measures: explorer response times and page weight.

Both drive Debian's Chromium through Playwright, as the browser tests do.

``measure_explorers(cycles, names=None)``
    Every registered explorer (``reciprocity.explorers.load_all()``), or those named, on one
    page with the vendored Vega, as ``python -m tools.probe_explorer`` serves it.
    Every control of every explorer is moved through its sweep values
    (``Control.sweep()``) and back, ``cycles`` times after one untimed
    warm-up sweep. One sample is the time from setting the input and
    dispatching the event a reader's action fires, to the Vega view having
    finished its update and the next animation frame (``tests/support/explorer_driver.py``).
    Headline: ``explorer_response_p95_ms``, the 95th percentile over all
    samples; the worst explorer's p95 is reported too.

``measure_page_weight(site, prefix, pages)``
    Each page of the built book (``site``, a ``_build/html`` folder) is
    served from 127.0.0.1 under the published prefix and loaded in a fresh
    browser context (empty cache). Its *first load* is every file the page
    requests from navigation until the network has been idle for 500 ms
    (Playwright's ``networkidle``), in a 1280x800 viewport, without
    scrolling or any other input: what a reader downloads before moving.
    Files that load only later (Vega when the first explorer nears the
    viewport, the search index when searching) count only if the page asks
    for them before that. Each response is counted as a static host serves
    it: text types (HTML, CSS, JavaScript, JSON, SVG, maps) gzipped at level
    6, as GitHub Pages does, everything else (fonts, images) as is.
    Headline: ``page_weight_max_mb``, the heaviest page's first load in MB
    (10^6 bytes); every page and its files are listed, and each page has a
    kind (``page_kind``): landing, text, explorer, lab or search.
"""
from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import statistics
import tempfile
import threading
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/x-javascript",
                "image/svg+xml", "application/xml")


#: What GitHub Pages sends with every file: ten minutes of caching.
STATIC_HOST_CACHE = "max-age=600"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _StaticHost(_Quiet):
    """Serves like a static host: HTTP/1.1 keep-alive, text gzipped, ten-minute caching.

    Used for Lighthouse, which times the transfer: Python's own server sends
    every file uncompressed and opens a connection per file, which no host
    the book is published on does.
    """
    protocol_version = "HTTP/1.1"
    _gzipped: ClassVar[dict] = {}  # shared by every request: each file is compressed once

    def end_headers(self):
        self.send_header("Cache-Control", STATIC_HOST_CACHE)
        super().end_headers()

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        kind = self.guess_type(str(path))
        if (path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")
                and kind.startswith(COMPRESSIBLE)):
            key = (path, path.stat().st_mtime_ns)
            if key not in self._gzipped:
                self._gzipped[key] = gzip.compress(path.read_bytes(), compresslevel=6)
            body = self._gzipped[key]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def _serve(folder: Path, prefix: str = "", static_host: bool = False):
    """Serve ``folder`` on 127.0.0.1 under ``/prefix``; return (server, base URL).

    ``static_host``: gzip text and send cache headers as GitHub Pages does.
    """
    class Handler(_StaticHost if static_host else _Quiet):
        def translate_path(self, path):
            if prefix and path.startswith(f"/{prefix}/"):
                path = path[len(prefix) + 1:]
            return super().translate_path(path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    return server, (f"{base}/{prefix}" if prefix else base)


def _browser(playwright):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        raise RuntimeError("Chromium not found: install it with `apt-get install chromium`")
    return playwright.chromium.launch(executable_path=chromium, args=FLAGS)


def measure_explorers(cycles: int, names: list[str] | None = None) -> dict:
    """Response times of every control of the explorers ``names`` (default: all), ``cycles`` sweeps each."""
    from playwright.sync_api import sync_playwright

    from reciprocity.explorers import EXPLORERS, load_all
    from tests.support.explorer_driver import set_control, wait_ready
    from tools.probe_explorer import page_html

    load_all()
    unknown = sorted(set(names or []) - set(EXPLORERS))
    if unknown:
        raise RuntimeError(f"no explorer named {', '.join(unknown)}; the explorers are {', '.join(sorted(EXPLORERS))}")
    built = {name: EXPLORERS[name]() for name in sorted(names or EXPLORERS)}
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

                def sweep(element: str, controls) -> list[float]:
                    """Every control through its sweep values and back: one sample per update."""
                    return [set_control(page, element, control.name, value)
                            for control in controls for value in [*control.sweep(), control.value]]

                for name, explorer in built.items():
                    controls = explorer.controls()
                    sweep(ids[name], controls)  # warm-up: first draws, JIT
                    samples = [t for _ in range(cycles) for t in sweep(ids[name], controls)]
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


#: The explorer marker course_assets looks for (the HTML half of an Explorer's output).
EXPLORER_MARK = 'class="reciprocity-explorer"'
LAPTOP = {"width": 1280, "height": 800}


def page_kind(path: str, html: str, landing: str) -> str:
    """What kind of page ``path`` is: ``landing``, ``lab``, ``explorer``, ``search`` or ``text``.

    ``html`` is the built page, ``landing`` the root page's path (``book/intro.html``).
    """
    if path == landing:
        return "landing"
    if path.startswith("exercises/"):
        return "lab"
    if EXPLORER_MARK in html:
        return "explorer"
    if path == "search.html":
        return "search"
    return "text"


def heaviest_by_kind(per_page: dict) -> dict:
    """For each page kind, the page with the heaviest first load and its weight (MB as served)."""
    result: dict = {}
    for page, row in per_page.items():
        kind = row.get("kind", "text")
        if kind not in result or row["served_mb"] > result[kind]["served_mb"]:
            result[kind] = {"page": page, "served_mb": row["served_mb"], "raw_mb": row["raw_mb"],
                            "pages": 0}
    for row in per_page.values():
        result[row.get("kind", "text")]["pages"] += 1
    return result


def measure_page_weight(site: Path, prefix: str, pages: list[str], browser=None,
                        landing: str = "book/intro.html") -> dict:
    """Weigh the first load of ``pages`` of the built book in ``site`` (see the module docstring).

    ``browser``: a Playwright browser to reuse; ``landing``: the root page, for ``page_kind``.
    """
    if browser is None:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            own = _browser(playwright)
            try:
                return measure_page_weight(site, prefix, pages, own, landing)
            finally:
                own.close()

    per_page = {}
    server, base = _serve(site, prefix)
    try:
        for path in pages:
            context = browser.new_context(viewport=LAPTOP)
            page = context.new_page()
            responses = []
            page.on("response", lambda response, seen=responses: seen.append(response))
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
            files.sort(key=lambda f: -f[2])
            built = site / path
            html = built.read_text(encoding="utf-8") if built.is_file() else ""
            per_page[path] = {
                "kind": page_kind(path, html, landing),
                "served_mb": round(sum(f[2] for f in files) / 1e6, 3),
                "raw_mb": round(sum(f[1] for f in files) / 1e6, 3),
                "requests": len(files),
                "largest": [{"file": f[0], "served_kb": round(f[2] / 1e3, 1)} for f in files[:6]],
                "files": [{"file": f[0], "served_kb": round(f[2] / 1e3, 1), "raw_kb": round(f[1] / 1e3, 1)}
                          for f in files],
            }
            context.close()
    finally:
        server.shutdown()
    heaviest = max(per_page, key=lambda p: per_page[p]["served_mb"])
    by_kind = heaviest_by_kind(per_page)
    metrics = {"page_weight_max_mb": per_page[heaviest]["served_mb"]}
    metrics.update({f"weight_{kind}_mb": row["served_mb"] for kind, row in by_kind.items()
                    if kind in WEIGHT_METRIC_KINDS})
    return {"metrics": metrics,
            "details": {"heaviest_page": heaviest, "by_kind": by_kind, "per_page": per_page,
                        "viewport": LAPTOP,
                        "first_load": "every file requested until 500 ms of network idle, no scrolling"}}


#: Page kinds reported as metrics (``weight_<kind>_mb``); search.html is listed but not a metric.
WEIGHT_METRIC_KINDS = ("landing", "text", "explorer", "lab")
