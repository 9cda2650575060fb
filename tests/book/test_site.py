"""The hosted book as readers meet it: every page, in Chromium, offline, accessible.

Covers: console errors, failed and foreign requests, drawn explorers, an
axe-core audit (vendored in tests/vendor) of the WCAG 2.0, 2.1 and 2.2 A and
AA rules that fails on a violation of any impact, pages that scroll
sideways on a phone, controls smaller than 24 px, alt text, heading order,
internal links and anchors, leaks of solutions or hidden tests, page weight,
launch buttons, the Colab install line and the 404 page under the site's
address prefix. Screenshots and a page-weight report are written to
test-artifacts/.
"""
from __future__ import annotations

import functools
import http.server
import itertools
import json
import re
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from playwright.sync_api import Error as PlaywrightError

from tests.support.common import ARTIFACTS, ROOT, PrefixedHandler, book_extensions_env, site_prefix
from tests.support.site_checks import LAPTOP, PHONE, axe_violations, draw_explorers, open_in, small_targets

pytestmark = pytest.mark.slow


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
#
# Every page is audited twice: on a laptop in light mode and on a phone in dark
# mode, so each page meets both widths and both colour schemes. The other two
# pairings (laptop dark, phone light) change nothing the first two do not
# reach except colours at the other width, so they run on a sample holding
# every kind of page (text, chapter with explorers and practice, table,
# review, lab). Each audit opens the page once; about 60 page loads in all
# keep this module to a few minutes on 2 cores.

#: One page of each kind, for the laptop-dark and phone-light audits.
SAMPLE = ["book/intro.html", "book/insights/09-show-your-face.html", "book/cheatsheet.html",
          "book/review.html", "exercises/outreach/outreach.html", "404.html"]


def audit(browser, site, rel: str, size: dict, mode: str, shots: Path | None = None) -> dict:
    """Open one page and return what is wrong with it (empty lists when nothing)."""
    page, problems = open_in(browser, site, rel, size, mode)
    try:
        try:
            draw_explorers(page)
        except (AssertionError, PlaywrightError) as err:  # report it with the rest
            problems["explorers_not_drawn"] = [str(err).splitlines()[0][:300]]
        problems["axe"] = axe_violations(page)
        if shots is not None:
            page.screenshot(path=str(shots / (rel.replace("/", "_") + ".png")), full_page=False)
        problems["controls_under_24px"] = small_targets(page, 24)
        if size is PHONE:
            # is_mobile lets Chromium widen the layout to fit what overflows, so
            # compare with the phone's own width, not innerWidth
            width = page.evaluate("() => document.scrollingElement.scrollWidth")
            problems["wider_than_the_phone"] = [f"{width} px"] if width > PHONE["viewport"]["width"] else []
    finally:
        page.context.close()
    return {k: v for k, v in problems.items() if v}


def test_every_page_on_a_laptop_in_light_mode(browser, site, built_book):
    """1280 px, light: no console error, no failed or foreign request, explorers drawn, axe
    clean, every control >= 24 px."""
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    report = {rel: audit(browser, site, rel, LAPTOP, "light", shots) for rel in site_pages(built_book)}
    (ARTIFACTS / "site-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    bad = {rel: r for rel, r in report.items() if r}
    assert bad == {}, json.dumps(bad, indent=2)[:6000]


def test_every_page_on_a_phone_in_dark_mode(browser, site, built_book):
    """390 px with touch, dark: axe clean, nothing wider than the phone, every control >= 24 px."""
    report = {rel: audit(browser, site, rel, PHONE, "dark") for rel in site_pages(built_book)}
    (ARTIFACTS / "site-report-phone-dark.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    bad = {rel: r for rel, r in report.items() if r}
    assert bad == {}, json.dumps(bad, indent=2)[:6000]


@pytest.mark.parametrize("size, mode", [(LAPTOP, "dark"), (PHONE, "light")], ids=["laptop-dark", "phone-light"])
def test_a_page_of_each_kind_in_the_other_modes(browser, site, size, mode):
    report = {rel: audit(browser, site, rel, size, mode) for rel in SAMPLE}
    bad = {rel: r for rel, r in report.items() if r}
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
        for before, after in itertools.pairwise(levels):
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
    from benchmarks.browser import measure_page_weight

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


# --- where the book lives: repository.url, set once in _config.yml -----------------


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/").removesuffix(".git"), config["repository"]["branch"]


def test_the_labs_page_gives_colab_users_the_install_line_of_this_repository(built_book):
    url, branch = repository()
    lines = [code.get_text() for code in page_soup(built_book, "book/labs/index.html").select("main code")]
    assert f'%pip install "reciprocity @ git+{url}.git@{branch}"' in lines, [x for x in lines if "pip" in x]
    placeholders = [rel for rel in site_pages(built_book)
                    if re.search(r"&lt;repository URL&gt;|<repository URL>",
                                 (built_book / rel).read_text(encoding="utf-8"))]
    assert placeholders == []


def test_the_site_prefix_follows_the_repository():
    from course_assets import site_prefix as prefix_of

    assert prefix_of("https://github.com/reciprocity-online/reciprocity-online") == "/reciprocity-online/"
    assert prefix_of("https://github.com/someone/my-fork.git") == "/my-fork/"
    assert prefix_of("https://github.com/someone/someone.github.io") == "/"  # a user site
    assert prefix_of("https://github.com/someone/fork", "https://course.example.org/") == "/"
    assert (prefix_of("https://github.com/someone/fork", "https://example.org/courses/reciprocity")
            == "/courses/reciprocity/")
    with pytest.raises(ValueError, match=r"repository\.url"):
        prefix_of("https://github.com/just-an-owner")
    url, _ = repository()
    assert site_prefix() == urlparse(url).path.strip("/").split("/")[1]


class _PagesHandler(PrefixedHandler):
    """Serve a build as GitHub Pages serves a project site: a missing address gets the
    site's own 404.html, with status 404."""

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def serve_like_pages():
    """A function that serves an HTML folder under /<prefix>/ as GitHub Pages would; its base URL."""
    servers = []

    def serve(folder: Path, prefix: str) -> str:
        handler = functools.partial(type("Handler", (_PagesHandler,), {"prefix": prefix}),
                                    directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/{prefix}"

    yield serve
    for server in servers:
        server.shutdown()


def check_not_found_page(browser, base: str, home_heading: str, chapter: str) -> None:
    """A missing deep address under ``base`` shows the 404 page, styled, with links that work."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        failed = []
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.request.resource_type != "document" else None)
        page.on("requestfailed", lambda r: failed.append(r.url))
        response = page.goto(f"{base}/book/no-such-part/no-such-page.html", wait_until="networkidle")
        assert response.status == 404
        assert page.locator("article.bd-article h1").first.inner_text().strip() == "Page not found"
        assert failed == [], failed  # stylesheets, scripts and icons all found from this depth
        unloaded = page.evaluate("() => [...document.querySelectorAll('link[rel=stylesheet]')]"
                                 ".filter(l => !l.sheet || !l.sheet.cssRules.length).map(l => l.href)")
        assert unloaded == []
        styled = page.evaluate("() => ({theme: getComputedStyle(document.documentElement)"
                               ".getPropertyValue('--pst-color-primary').trim(),"
                               " toggle: getComputedStyle(document.querySelector('.primary-toggle')).display})")
        assert styled["theme"] and styled["toggle"] != "none", styled
        # the sidebar's contents open and lead to a chapter
        page.locator(".primary-toggle").tap()
        drawer_link = page.locator("dialog[open] nav.bd-links a", has_text=chapter)
        assert drawer_link.is_visible()
        assert page.request.get(urljoin(page.url, drawer_link.get_attribute("href"))).status == 200
        page.keyboard.press("Escape")
        # the way back: the body's link to the introduction
        with page.expect_navigation():
            page.get_by_role("link", name="Start again from the introduction").click()
        assert page.url.startswith(base)
        assert page.locator("article.bd-article h1").first.inner_text().strip() == home_heading
    finally:
        context.close()


def test_a_missing_address_under_the_site_prefix_shows_the_404_page_styled(browser, built_book,
                                                                            serve_like_pages):
    base = serve_like_pages(built_book, site_prefix())
    check_not_found_page(browser, base, "Reciprocity Online", "Show your face")


def test_a_fork_s_404_page_works_under_the_fork_s_own_prefix(browser, tmp_path, serve_like_pages):
    """Build a two-page book whose repository.url names a fork; its 404 page works under /<fork>/."""
    source, static = tmp_path / "src", tmp_path / "src" / "_static"
    static.mkdir(parents=True)
    for name in ("course.css", "course.js"):
        shutil.copy(ROOT / "book" / "_static" / name, static)
    (source / "conf.py").write_text(
        "extensions = ['notfound.extension', 'course_assets']\n"
        "html_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'repository_url': 'https://github.com/someone/my-course-fork',"
        " 'navbar_persistent': []}\n"
        "html_static_path = ['_static']\n"
        "html_css_files = ['course.css']\n", encoding="utf-8")
    (source / "index.rst").write_text("A fork of the course\n====================\n\n"
                                      ".. toctree::\n\n   chapter\n", encoding="utf-8")
    (source / "chapter.rst").write_text("Show your face\n==============\n\nA chapter.\n", encoding="utf-8")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", str(source),
                            str(tmp_path / "html")], capture_output=True, text=True, timeout=300,
                           env=book_extensions_env())
    assert build.returncode == 0, build.stdout + build.stderr
    base = serve_like_pages(tmp_path / "html", "my-course-fork")
    check_not_found_page(browser, base, "A fork of the course", "Show your face")
