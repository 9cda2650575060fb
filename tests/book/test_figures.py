"""Every figure in the book: sharp, lean and repeatable, honest, legible, and at home in dark mode.

- Stored outputs: each figure is an SVG (sharp on any screen) with its text as
  text, no date or version stamp (nbval compares it with a fresh run), a white
  background (it reads in dark notebook themes), under 100 kB, with alt text.
- The figures the chapters draw (their code run here, in order): every bar
  chart's value axis starts at zero, and no two tick labels run together,
  measured with matplotlib's renderer.
- Dark mode, in Chromium on a phone: a figure takes the page's background,
  its ink turns light and its bars keep 3:1 contrast with the page.
- The first code cell of every chapter installs the course package where it
  is missing, from the repository set in ``_config.yml`` (tools/install_cells.py).
"""
from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import nbformat
import pytest
import yaml
from matplotlib.container import BarContainer

from reciprocity import plots
from tests.support.common import ROOT
from tools import install_cells

NOTEBOOKS = install_cells.chapters(ROOT)
SVG = "image/svg+xml"
MAX_FIGURE_BYTES = 100_000


def figure_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"
            and any(key.startswith("image/") for output in cell.get("outputs", [])
                    for key in output.get("data", {}))]


# --- stored outputs ---------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_figures_are_lean_repeatable_svg_with_alt_text(path):
    notebook = nbformat.read(path, as_version=4)
    cells = figure_cells(notebook)
    assert cells, f"{path.name}: no figure"
    for cell in cells:
        where = f"{path.name}: {cell.source.splitlines()[0][:60]!r}"
        images = [(key, value) for output in cell.outputs for key, value in output.get("data", {}).items()
                  if key.startswith("image/")]
        assert [key for key, _ in images] == [SVG], \
            f"{where}: figures are SVG only (plots.use_course_style() in the setup cell)"
        svg = images[0][1]
        assert len(svg.encode()) < MAX_FIGURE_BYTES, f"{where}: {len(svg):,} bytes"
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "dc:date" not in svg and "Matplotlib v" not in svg, \
            f"{where}: a date or version stamp would differ on the next run"
        assert "<text" in svg and "DejaVuSans-" not in svg, f"{where}: text should stay text"
        background = root.find(".//{*}g[@id='patch_1']/{*}path")
        assert background is not None and "fill: #ffffff" in background.get("style", ""), \
            f"{where}: keep the white background (dark notebook themes; the book adapts it)"
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt) > 40, f"{where}: no descriptive alt text in mystnb.image.alt"
        assert "hide-input" in cell.metadata.get("tags", [])


# --- the figures the chapters draw -------------------------------------------------


def draw_chapter(path: Path) -> list[tuple[str, object]]:
    """Run a chapter's code cells in order (minus the install cell); each figure it shows.

    Returns (first line of the drawing cell, figure) pairs. Printed output is dropped.
    """
    namespace: dict = {"__name__": "__main__"}
    drawn = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or cell.get("id") == install_cells.CELL_ID:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"{path.name}: {cell.source[:40]!r}", "exec"), namespace)
        drawn += [(cell.source.splitlines()[0], plt.figure(n)) for n in plt.get_fignums()]
        plt.close("all")  # as the inline backend does after each cell
    return drawn


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda p: p.stem)
def chapter_figures(request):
    """What each figure of a chapter shows: its bar charts' value axes and its tick-label clashes."""
    path = request.param
    show, cwd = plt.show, Path.cwd()
    plt.show = lambda *args, **kwargs: None
    try:
        with matplotlib.rc_context():
            os.chdir(path.parent)
            figures = draw_chapter(path)
            report = []
            for first_line, figure in figures:
                bars, clashes = [], []
                for ax in figure.axes:
                    for container in ax.containers:
                        if isinstance(container, BarContainer):
                            horizontal = container.orientation == "horizontal"
                            limits = sorted(ax.get_xlim() if horizontal else ax.get_ylim())
                            bases = {round(b.get_x() if horizontal else b.get_y(), 12) for b in container}
                            values = [b.get_width() if horizontal else b.get_height() for b in container]
                            bars.append({"limits": limits, "bases": bases, "values": values})
                    clashes += [pair for axis in "xy" for pair in plots.tick_label_clashes(ax, axis)]
                report.append({"cell": first_line, "bars": bars, "clashes": clashes})
    finally:
        plt.show = show
        os.chdir(cwd)
        plt.close("all")
    return path, report


def test_every_chapter_figure_is_drawn_here(chapter_figures):
    path, report = chapter_figures
    stored = len(figure_cells(nbformat.read(path, as_version=4)))
    assert len(report) == stored, f"{path.name}: drew {len(report)} figures, the notebook stores {stored}"


def test_bar_charts_start_at_zero(chapter_figures):
    """A bar's length is its value: a value axis cut above zero makes small gaps look large."""
    path, report = chapter_figures
    cut = [(figure["cell"], bars["limits"]) for figure in report for bars in figure["bars"]
           if bars["bases"] != {0} or (min(bars["values"]) >= 0 and bars["limits"][0] != 0)
           or not bars["limits"][0] <= 0 <= bars["limits"][1]]
    assert cut == [], f"{path.name}: bar charts whose value axis does not start at zero: {cut}"


def test_tick_labels_do_not_run_together(chapter_figures):
    """Measured with the renderer on the figure the chapter draws (chapter 14's ran together)."""
    path, report = chapter_figures
    clashes = [(figure["cell"], figure["clashes"]) for figure in report if figure["clashes"]]
    assert clashes == [], (f"{path.name}: tick labels closer than half an em: {clashes}; "
                           "use plots.fit_tick_labels(ax), shorter labels or horizontal bars")


# --- dark mode, in the browser ------------------------------------------------------

FIGURE_PAGE = "book/insights/02-anonymity.html"


def luminance(rgb) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def bar_centres(svg: str) -> list[tuple[float, float, str]]:
    """Centre (in SVG units) and fill of every bar: the clipped rectangles of the plot."""
    centres = []
    for match in re.finditer(r'<path d="M ([\d.]+) ([\d.]+) \s*L ([\d.]+) ([\d.]+) \s*L ([\d.]+) ([\d.]+) '
                             r'\s*L ([\d.]+) ([\d.]+) \s*z\s*" clip-path="[^"]+"(?: style="fill: (#[0-9a-f]{6})")?',
                             svg):
        xs, ys = [float(v) for v in match.groups()[0:8:2]], [float(v) for v in match.groups()[1:8:2]]
        # SVG's default fill is black, so matplotlib leaves it out
        centres.append(((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, match.group(9) or "#000000"))
    return centres


@pytest.mark.browser
def test_figures_follow_dark_mode_on_a_phone(browser, site):
    from PIL import Image

    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{site}/{FIGURE_PAGE}", wait_until="networkidle")
    figure = page.locator("div.cell_output img").first
    figure.scroll_into_view_if_needed()
    src, natural, width = figure.evaluate("e => [e.currentSrc, e.naturalWidth, e.getBoundingClientRect().width]")
    assert src.endswith(".svg") and natural > 0
    assert width <= 390, "the figure fits the phone's width"
    svg = page.evaluate("src => fetch(src).then(r => r.text())", src)
    view_box_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    bars = bar_centres(svg)
    assert len(bars) == 5, "the turnout chart's five bars"

    shots = {}
    for mode in ("light", "dark"):
        page.evaluate("m => document.documentElement.dataset.theme = m", mode)
        box = figure.bounding_box()
        margin = 8
        clip = {"x": box["x"] - margin, "y": box["y"] - margin,
                "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin}
        shot = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
        scale = shot.width / clip["width"]  # device pixels per CSS pixel
        def at(x, y, shot=shot, scale=scale):
            return shot.getpixel((round(x * scale), round(y * scale)))

        css_per_unit = box["width"] / view_box_width
        shots[mode] = {
            "page": at(2, 2),
            "corner": at(margin + 3, margin + 3),
            "bars": [(at(margin + x * css_per_unit, margin + y * css_per_unit), fill) for x, y, fill in bars],
            "brightest": shot.convert("L").getextrema()[1],  # 0-255
        }
    context.close()

    light, dark = shots["light"], shots["dark"]
    assert light["corner"] == light["page"] == (255, 255, 255)
    for seen, fill in light["bars"]:
        drawn = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        assert max(abs(a - b) for a, b in zip(seen, drawn, strict=True)) <= 2, "light mode shows figures as drawn"
    assert luminance(dark["page"]) < 0.05, "the page is dark"
    assert max(abs(a - b) for a, b in zip(dark["corner"], dark["page"], strict=True)) <= 3, \
        f"the figure's background {dark['corner']} should be the page's {dark['page']}, not a slab"
    assert dark["brightest"] > 220, "black ink (text, axes) turns light"
    for seen, fill in dark["bars"]:
        assert contrast(seen, dark["page"]) >= 3, f"bar {fill} shows as {seen}: under 3:1 on the page"
    colours = [seen for seen, _ in dark["bars"]]
    for a, b in itertools.combinations(colours, 2):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) > 40, f"bars {a} and {b} look alike in dark mode"


# --- the install cell ----------------------------------------------------------------


def test_install_cells_match_the_repository_in_config():
    assert install_cells.main(["--check"]) == 0, "run: python -m tools.install_cells"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_installs_the_package_hidden_from_the_book(path):
    url, branch = install_cells.repository(ROOT / "_config.yml")
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert cell.get("id") == install_cells.CELL_ID
    assert cell.metadata.get("tags") == ["remove-cell"]
    assert f"git+{url}.git@{branch}" in cell.source
    assert cell.get("outputs") == [], "where the package is installed the cell prints nothing"


def test_changing_the_repository_in_config_updates_every_chapter(tmp_path):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"] = {"url": "https://github.com/a-teacher/reciprocity-fork/", "branch": "spring"}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    for path in NOTEBOOKS:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    assert install_cells.main(["--check", "--root", str(tmp_path)]) == 1
    assert install_cells.main(["--root", str(tmp_path)]) == 0
    assert install_cells.main(["--check", "--root", str(tmp_path)]) == 0
    for path in install_cells.chapters(tmp_path):
        source = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code").source
        assert "git+https://github.com/a-teacher/reciprocity-fork.git@spring" in source
        assert "reciprocity-online/reciprocity-online" not in source


def run_install_cell(monkeypatch, installed: bool) -> tuple[list[tuple[str, str]], str]:
    """Run the install cell as IPython would; return the magics it ran and what it printed."""
    from IPython.core.inputtransformer2 import TransformerManager

    source = install_cells.cell_source(*install_cells.repository(ROOT / "_config.yml"))
    magics = []
    real = sys.modules["reciprocity"]

    class Shell:
        def run_line_magic(self, name, line):
            magics.append((name, line))
            monkeypatch.setitem(sys.modules, "reciprocity", real)  # pip installed it

    if not installed:
        monkeypatch.setitem(sys.modules, "reciprocity", None)  # import reciprocity fails
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(TransformerManager().transform_cell(source), {"get_ipython": Shell})
    return magics, printed.getvalue()


def test_install_cell_does_nothing_where_the_package_is_installed(monkeypatch):
    assert run_install_cell(monkeypatch, installed=True) == ([], "")


def test_install_cell_installs_from_the_configured_repository_and_says_so(monkeypatch):
    from packaging.requirements import Requirement

    url, branch = install_cells.repository(ROOT / "_config.yml")
    magics, printed = run_install_cell(monkeypatch, installed=False)
    assert len(magics) == 1 and magics[0][0] == "pip"
    requirement = Requirement(re.search(r'"([^"]+)"', magics[0][1]).group(1))
    assert requirement.name == "reciprocity" and requirement.url == f"git+{url}.git@{branch}"
    assert "not installed" in printed and url in printed
