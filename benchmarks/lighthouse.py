"""Lighthouse scores of the built book, in the local Chromium, offline.

``measure_lighthouse(site, prefix, pages, ...)`` serves the built book from
127.0.0.1 under its published prefix as a static host would (HTTP/1.1
keep-alive, text gzipped, ``Cache-Control: max-age=600`` as GitHub Pages
sends; ``browser._serve(static_host=True)``) and runs the npm package
``lighthouse`` (pinned in package.json, run from ``node_modules``) against
Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``, headless), once per
page, preset and repetition. Nothing leaves the machine.

Presets: ``mobile`` is Lighthouse's default (a mid-range phone on a slow 4G
link, simulated: 150 ms round trips, 1.6 Mbit/s, CPU slowed 4x);
``desktop`` is its ``--preset=desktop`` (40 ms, 10 Mbit/s, no CPU
slowdown). Both are simulated from one unthrottled load (Lighthouse's
"simulate" throttling), so a busy machine lowers the performance score:
the load average is recorded with the results.

For each page and preset the median score of each category (performance,
accessibility, best practices; 0-100) over the repetitions is reported,
with the audits that did not pass in the last run (what Lighthouse flags).
Headline metrics: ``lighthouse_<preset>_<category>``, the lowest median
over the pages.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ("performance", "accessibility", "best-practices")
PRESETS = ("mobile", "desktop")
#: The issue's goals (0-100): lower limits.
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95}
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_TIMEOUT_S = 240


def metric_name(preset: str, category: str) -> str:
    return f"lighthouse_{preset}_{category.replace('-', '_')}"


def lighthouse_pages(toc: list[str], root: str) -> dict[str, str]:
    """The pages to score, from ``_toc.yml`` order: the landing page, the primer, the first
    chapter and the first lab (each as ``<path>.html``)."""
    def first(test) -> str | None:
        return next((f"{page}.html" for page in toc if test(page)), None)

    chosen = {"landing": f"{root}.html",
              "primer": first(lambda p: p.rsplit("/", 1)[-1] == "primer"),
              "chapter": first(lambda p: p.startswith("book/insights/")),
              "lab": first(lambda p: p.startswith("exercises/"))}
    return {label: page for label, page in chosen.items() if page}


def lighthouse_binary(root: Path = ROOT) -> Path:
    return root / "node_modules" / ".bin" / "lighthouse"


def ensure_lighthouse(root: Path = ROOT, log=print) -> Path:
    """The lighthouse command, installing the npm packages of package.json if it is missing."""
    binary = lighthouse_binary(root)
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("Lighthouse needs Node.js and npm: `sudo apt-get install nodejs npm`, "
                           "then `npm install` in the repository")
    log("  installing the npm packages of package.json (npm install, for lighthouse)")
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root,
                          capture_output=True, text=True)
    if done.returncode != 0 or not binary.exists():
        raise RuntimeError(f"npm install did not provide {binary}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return binary


def chromium() -> str:
    found = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise RuntimeError("Chromium not found: install it with `apt-get install chromium`")
    return found


def lighthouse_command(binary: Path, url: str, output: Path, preset: str) -> list[str]:
    """The command line for one Lighthouse run writing its JSON report to ``output``."""
    if preset not in PRESETS:
        raise ValueError(f"unknown Lighthouse preset {preset!r}; choose from {', '.join(PRESETS)}")
    command = [str(binary), url, "--output=json", f"--output-path={output}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}",
               "--quiet"]
    if preset == "desktop":
        command.append("--preset=desktop")
    return command


def category_scores(report: dict) -> dict[str, int | None]:
    """Each category's score, 0-100 (None when Lighthouse could not score it)."""
    categories = report.get("categories", {})
    return {name: None if categories.get(name, {}).get("score") is None
            else round(categories[name]["score"] * 100) for name in CATEGORIES}


def flagged_audits(report: dict) -> list[dict]:
    """The audits of the scored categories that did not pass: what Lighthouse asks to fix.

    Informative, manual and not-applicable audits are left out; each row says
    whether the audit counts towards its category's score (``weight`` > 0).
    """
    audits = report.get("audits", {})
    rows = []
    for category in CATEGORIES:
        for ref in report.get("categories", {}).get(category, {}).get("auditRefs", []):
            audit = audits.get(ref["id"], {})
            score = audit.get("score")
            if score is None or score >= 0.9 or audit.get("scoreDisplayMode") in (
                    "informative", "manual", "notApplicable"):
                continue
            rows.append({"category": category, "id": ref["id"], "title": audit.get("title", ""),
                         "score": score, "display": audit.get("displayValue", ""),
                         "weight": ref.get("weight", 0)})
    return rows


def core_metrics(report: dict) -> dict[str, float]:
    """The simulated timings behind the performance score (ms; CLS unitless)."""
    names = {"first-contentful-paint": "fcp_ms", "largest-contentful-paint": "lcp_ms",
             "total-blocking-time": "tbt_ms", "cumulative-layout-shift": "cls", "speed-index": "si_ms"}
    audits = report.get("audits", {})
    return {short: round(audits[name]["numericValue"], 3 if short == "cls" else 0)
            for name, short in names.items() if name in audits and "numericValue" in audits[name]}


def summarise(runs: dict[str, dict[str, list[dict]]]) -> dict:
    """Median scores per page and preset, and the lowest median per preset and category.

    ``runs`` maps page label -> preset -> the JSON reports of its repetitions.
    """
    per_page: dict = {}
    metrics: dict = {}
    for label, by_preset in runs.items():
        per_page[label] = {}
        for preset, reports in by_preset.items():
            scores = [category_scores(r) for r in reports]
            medians = {}
            for category in CATEGORIES:
                values = [s[category] for s in scores if s[category] is not None]
                medians[category] = statistics.median(values) if values else None
            per_page[label][preset] = {"scores": medians, "runs": scores,
                                       "timings": core_metrics(reports[-1]) if reports else {},
                                       "flagged": flagged_audits(reports[-1]) if reports else []}
    for preset in PRESETS:
        for category in CATEGORIES:
            values = [row[preset]["scores"][category] for row in per_page.values()
                      if preset in row and row[preset]["scores"][category] is not None]
            if values:
                metrics[metric_name(preset, category)] = min(values)
    return {"metrics": metrics, "per_page": per_page}


def measure_lighthouse(site: Path, prefix: str, pages: dict[str, str], repeat: int = 1,
                       presets: tuple[str, ...] = PRESETS, log=print) -> dict:
    """Lighthouse on ``pages`` (label -> path in ``site``), ``repeat`` times per preset."""
    from benchmarks.browser import _serve

    binary = ensure_lighthouse(log=log)
    env = {**os.environ, "CHROME_PATH": chromium()}
    server, base = _serve(site, prefix, static_host=True)
    runs: dict = {label: {preset: [] for preset in presets} for label in pages}
    try:
        with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
            for rep in range(repeat):
                for label, page in pages.items():
                    for preset in presets:
                        output = Path(folder) / f"{label}-{preset}-{rep}.json"
                        command = lighthouse_command(binary, f"{base}/{page}", output, preset)
                        try:
                            done = subprocess.run(command, env=env, capture_output=True, text=True,
                                                  timeout=RUN_TIMEOUT_S)
                        except subprocess.TimeoutExpired:
                            raise RuntimeError(f"lighthouse on {page} ({preset}) took over "
                                               f"{RUN_TIMEOUT_S} s") from None
                        if done.returncode != 0 or not output.exists():
                            raise RuntimeError(f"lighthouse on {page} ({preset}) failed (exit "
                                               f"{done.returncode}):\n{done.stderr[-3000:]}")
                        report = json.loads(output.read_text(encoding="utf-8"))
                        if report.get("runtimeError"):
                            raise RuntimeError(f"lighthouse on {page} ({preset}): "
                                               f"{report['runtimeError'].get('message')}")
                        runs[label][preset].append(report)
                        scores = category_scores(report)
                        log(f"  lighthouse {rep + 1}/{repeat}  {label:<8} {preset:<8} "
                            + "  ".join(f"{c} {scores[c]}" for c in CATEGORIES))
    finally:
        server.shutdown()
    summary = summarise(runs)
    version = next((r["lighthouseVersion"] for by in runs.values() for rs in by.values() for r in rs
                    if "lighthouseVersion" in r), None)
    return {"metrics": summary["metrics"],
            "details": {"pages": pages, "presets": list(presets), "repeat": repeat,
                        "lighthouse": version, "chromium": env["CHROME_PATH"],
                        "server": "127.0.0.1, HTTP/1.1, gzip, Cache-Control max-age=600",
                        "per_page": summary["per_page"]}}
