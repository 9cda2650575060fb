"""The hosted book as readers meet it: every page, in Chromium, offline, accessible.

Covers: console errors, failed and foreign requests, drawn explorers, an
axe-core audit (vendored in tests/vendor), alt text, heading order, internal
links and anchors, leaks of solutions or hidden tests, page weight, launch
buttons and the 404 page. Screenshots and a page-weight report are written to
test-artifacts/.
"""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ARTIFACTS, ROOT, open_page, site_prefix

pytestmark = pytest.mark.slow

AXE = (ROOT / "tests" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SERIOUS = {"serious", "critical"}


def site_pages(built_book: Path) -> list[str]:
    """Every content page of the site, relative to its root (search and index pages excluded)."""
    skip = {"search.html", "genindex.html", "index.html"}
    pages = []
    for path in sorted(built_book.rglob("*.html")):
        rel = path.relative_to(built_book).as_posix()
        if rel in skip or rel.startswith(("_static/", "_sources/", "_images/", "reports/")):
            continue
        pages.append(rel)
    return pages


def page_soup(built_book: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((built_book / rel).read_text(encoding="utf-8"), "html.parser")


def test_the_site_has_every_toc_page_and_a_404(built_book):
    pages = site_pages(built_book)
    assert "404.html" in pages
    assert len(pages) >= 20, pages


# --- every page in the browser ---------------------------------------------


def test_every_page_in_chromium(browser, site, built_book):
    """Each page: no console error, no failed or foreign request, explorers drawn, axe clean."""
    report = {}
    ARTIFACTS.mkdir(exist_ok=True)
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(exist_ok=True)
    for rel in site_pages(built_book):
        page, problems, failed, foreign = open_page(browser, site, rel)
        source = (built_book / rel).read_text(encoding="utf-8")
        expected_views = source.count('class="reciprocity-explorer"')
        if expected_views:
            page.wait_for_function("() => [...document.querySelectorAll('.reciprocity-explorer')]"
                                   ".every(e => e.dataset.ready)", timeout=20_000)
        rendered = page.locator(".reciprocity-explorer[data-ready=true] svg").count()
        page.add_script_tag(content=AXE)
        axe = page.evaluate("""async () => {
            // preload off: axe would re-fetch @import-ed sheets relative to the page
            const r = await axe.run(document, {resultTypes: ['violations'], preload: false});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        serious = [v for v in axe if v["impact"] in SERIOUS]
        page.screenshot(path=str(shots / (rel.replace("/", "_") + ".png")), full_page=False)
        page.close()
        report[rel] = {"console_errors": problems, "failed_requests": failed,
                       "foreign_requests": foreign, "explorers": expected_views,
                       "explorers_drawn": rendered, "axe_serious": serious}
    (ARTIFACTS / "site-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    bad = {rel: r for rel, r in report.items()
           if r["console_errors"] or r["failed_requests"] or r["foreign_requests"]
           or r["axe_serious"] or r["explorers_drawn"] < r["explorers"]}
    assert bad == {}, json.dumps(bad, indent=2)[:6000]


# --- static checks on the HTML ---------------------------------------------


def test_every_image_has_alt_text(built_book):
    missing = []
    for rel in site_pages(built_book):
        for img in page_soup(built_book, rel).select("main img"):
            if not (img.get("alt") or "").strip():
                missing.append(f"{rel}: {img.get('src')}")
    assert missing == []


def test_headings_do_not_skip_levels(built_book):
    skipped = []
    for rel in site_pages(built_book):
        main = page_soup(built_book, rel).select_one("main article") or page_soup(built_book, rel)
        levels = [int(h.name[1]) for h in main.find_all(re.compile(r"^h[1-6]$"))
                  if not h.find_parent(class_="cell_output")]
        for before, after in zip(levels, levels[1:]):
            if after > before + 1:
                skipped.append(f"{rel}: h{before} -> h{after}")
    assert skipped == []


def test_internal_links_and_anchors_resolve(built_book):
    broken = []
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            ids_cache[path] = {t["id"] for t in soup.find_all(id=True)}
        return ids_cache[path]

    for rel in site_pages(built_book):
        if rel == "404.html":
            continue  # its links carry the published prefix; checked in the browser
        page = built_book / rel
        for a in page_soup(built_book, rel).find_all("a", href=True):
            href = a["href"]
            parsed = urlparse(href)
            if parsed.scheme or href.startswith(("mailto:", "//", "javascript:")):
                continue
            target = page if not parsed.path else (page.parent / unquote(parsed.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{rel}: {href}")
            elif parsed.fragment and target.suffix == ".html" and parsed.fragment not in ids(target):
                broken.append(f"{rel}: {href} (no such anchor)")
    assert broken == []


def test_page_weight_is_reported_and_figures_stay_lean(built_book):
    weights, heavy_images = {}, []
    for rel in site_pages(built_book):
        page = built_book / rel
        total = page.stat().st_size
        for img in page_soup(built_book, rel).find_all("img", src=True):
            src = img["src"]
            if src.startswith(("http", "data:")):
                continue
            image = (page.parent / unquote(src.split("?")[0])).resolve()
            if image.exists():
                total += image.stat().st_size
                if image.stat().st_size > 250_000:
                    heavy_images.append(f"{rel}: {src} ({image.stat().st_size:,} bytes)")
        weights[rel] = total
    largest = max(weights, key=weights.get)
    summary = {"pages": len(weights), "median_bytes": int(statistics.median(weights.values())),
               "largest_page": largest, "largest_bytes": weights[largest], "by_page": weights}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-weight.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"\npage weight: median {summary['median_bytes']:,} B, largest {largest} "
          f"{weights[largest]:,} B")
    assert heavy_images == [], "figures over 250 kB: lower the DPI or use SVG"


@pytest.mark.browser
def test_every_chapter_first_load_is_at_most_one_megabyte_as_served(browser, built_book):
    """Chapters and primer, loaded with an empty cache, text gzipped as a static host serves it."""
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from browser import measure_page_weight

    pages = [rel for rel in site_pages(built_book) if rel.startswith("book/")]
    result = measure_page_weight(built_book, site_prefix(), pages, browser)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-weight-served.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    heavy = {page: v["served_mb"] for page, v in result["details"]["per_page"].items()
             if v["served_mb"] > 1.0}
    assert heavy == {}, f"first loads over 1 MB as served: {heavy}; see test-artifacts/page-weight-served.json"
    for page, v in result["details"]["per_page"].items():
        files = [f["file"] for f in v["largest"]]
        assert not any("fontawesome.js" in f or "embed-amd.js" in f for f in files), (page, files)


def test_launch_buttons_on_every_executable_page(built_book):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].rstrip("/")
    org_repo = urlparse(repo).path.strip("/")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for p in toc["parts"] for c in p["chapters"]]
    notebooks = [f for f in files if (ROOT / f"{f}.ipynb").exists()]  # chapters and labs
    assert any(f.startswith("exercises/") for f in notebooks), "labs should be in the book"
    assert notebooks
    for name in notebooks:
        html = (built_book / f"{name}.html").read_text(encoding="utf-8")
        assert f"mybinder.org/v2/gh/{org_repo}/" in html, f"{name}: no Binder button"
        assert f"colab.research.google.com/github/{org_repo}/" in html, f"{name}: no Colab button"
        # Live Code needs a Binder kernel started from a CDN script: it went, so a
        # reader never meets a button that spins for ever on the static book.
        assert "thebe-launch-button" not in html, f"{name}: a Live Code button is back"
        assert f"_sources/{name}.ipynb" in html, f"{name}: no .ipynb download"


# --- no leaks ----------------------------------------------------------------


def secret_lines() -> set[str]:
    """Distinctive lines of every solution block and hidden test in solutions/."""
    secrets = set()
    for path in (ROOT / "solutions").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                marker = line.strip()
                if marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
                    inside = True
                elif marker in ("### END SOLUTION", "### END HIDDEN TESTS"):
                    inside = False
                elif inside and len(marker) >= 25 and not marker.startswith("#"):
                    secrets.add(marker)
    return secrets


def test_solutions_exist_to_check_for_leaks():
    assert len(secret_lines()) >= 20


def test_no_solution_or_hidden_test_is_published(built_book):
    secrets = secret_lines()
    leaks = []
    for path in built_book.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".txt", ".md", ".js", ".json", ".py"}:
            if "solutions" in path.relative_to(built_book).parts:
                leaks.append(f"{path.relative_to(built_book)}: a solutions page")
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for line in secrets:
                if line in text:
                    leaks.append(f"{path.relative_to(built_book)}: {line[:60]}")
    assert leaks == []


def test_no_solution_or_hidden_test_in_the_student_release():
    secrets = secret_lines()
    leaks = []
    for path in (ROOT / "exercises").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            leaks += [f"{path.relative_to(ROOT)}: {line[:60]}" for line in secrets if line in text]
    assert leaks == []
