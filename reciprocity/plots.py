"""The course's figure style and a few chart helpers.

Colours are the Okabe-Ito palette, which stays distinguishable for the common
forms of colour blindness. In a notebook, :func:`use_course_style` makes
figures SVG with their text kept as text: sharp at any zoom and on any screen,
and light to load. The SVG is written the same way on every run and machine
(no date, no version stamp, fixed ids), so stored outputs compare equal.

Bar charts of rates start at zero (:func:`rate_bars`): a bar's length is its
value, and an axis cut at 25% made 37.8% look nearly three times 29.7%.
Category labels that would run together are wrapped or staggered
(:func:`fit_tick_labels`).

Examples
--------
>>> from reciprocity import plots
>>> plots.use_course_style()
>>> len(plots.PALETTE)
8
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter

__all__ = ["PALETTE", "GREY", "use_course_style", "rate_bars", "percent_axis", "new_figure",
           "fit_tick_labels", "tick_label_clashes"]

#: Okabe-Ito colours: blue, orange, bluish green, vermillion, reddish purple,
#: sky blue, yellow, black.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#6b6b6b"

STYLE = {
    "figure.figsize": (7.0, 3.8),
    "figure.dpi": 96,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,  # grid lines behind bars, not across them
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "legend.frameon": False,
    # SVG: text stays text (small files, selectable, sharp) and ids come from
    # this salt and the content, not from a random source, so outputs repeat.
    "svg.fonttype": "none",
    "svg.hashsalt": "reciprocity",
}

#: Metadata for SVG figures: no creation date and no matplotlib version, so the
#: same figure gives the same bytes on every run and machine (nbval compares them).
SVG_METADATA = {"Date": None, "Creator": None}

#: Room above the tallest interval for the rate written on top of a bar.
_HEADROOM = 0.15
# Space that must separate two neighbouring tick labels, in ems of their font.
_MIN_GAP_EM = 0.5
# Where a long label may break: after a space, or after a dash inside a range.
_BREAK = re.compile(r"(?<=\S[-–—/])(?=\S)| ")


def use_course_style() -> None:
    """Apply the course style to every later matplotlib figure.

    In IPython or Jupyter it also makes inline figures SVG (deterministic:
    see :data:`SVG_METADATA`); white backgrounds stay, so a figure reads in a
    dark notebook theme too (the book's stylesheet adapts figures to its
    dark mode).
    """
    mpl.rcParams.update(STYLE)
    _show_figures_as_svg()


def _show_figures_as_svg() -> None:
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # plain Python: nothing is displayed inline
        return
    shell = get_ipython()
    if shell is None:
        return
    options = {"bbox_inches": "tight", "metadata": SVG_METADATA}
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # IPython without the inline backend (a terminal)
        pass
    else:
        # The inline backend applies its configured formats when it loads, at the
        # first figure: configure it, or it would switch back to PNG then.
        config = InlineBackend.instance()
        config.print_figure_kwargs = {**config.print_figure_kwargs, **options}
        config.figure_formats = {"svg"}
    select_figure_formats(shell, {"svg"}, **options)


def new_figure(width: float = 7.0, height: float = 3.8):
    """A figure and axes in the course style."""
    with mpl.rc_context(STYLE):
        return plt.subplots(figsize=(width, height))


def percent_axis(ax, axis: str = "y", decimals: int = 0) -> None:
    """Show an axis holding rates (0-1) as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1, decimals=decimals))


def rate_bars(ax, labels: Sequence[str], rates: Sequence[float], lows: Sequence[float],
              highs: Sequence[float], colors: Sequence[str] | None = None,
              annotate: bool = True, horizontal: bool = False):
    """Bars of rates with confidence-interval whiskers, labelled in percent.

    The value axis starts at zero, so each bar's length is its rate; it ends a
    little above the highest interval. Raise the upper limit afterwards if
    needed (``ax.set_ylim(0, 1)``), but keep zero: a cut axis exaggerates
    differences. Category labels that would run together are wrapped or
    staggered (:func:`fit_tick_labels`).

    Parameters
    ----------
    ax : matplotlib Axes
    labels, rates, lows, highs : sequences of equal length
        Rates and interval bounds as fractions (0-1).
    colors : optional sequence of colours; the palette by default.
    annotate : write each rate next to its bar.
    horizontal : draw horizontal bars (good for long labels).

    Returns
    -------
    matplotlib.container.BarContainer

    Raises
    ------
    ValueError
        If the sequences differ in length or a value lies outside 0-1.

    Examples
    --------
    >>> from reciprocity import plots
    >>> fig, ax = plots.new_figure()
    >>> bars = plots.rate_bars(ax, ["Control", "Letter"], [0.297, 0.378],
    ...                        [0.295, 0.374], [0.299, 0.382])
    >>> float(ax.get_ylim()[0])
    0.0
    """
    labels = [str(label) for label in labels]
    rates, lows, highs = (list(map(float, values)) for values in (rates, lows, highs))
    n = len(labels)
    if not (len(rates) == len(lows) == len(highs) == n):
        raise ValueError("labels, rates, lows and highs must have the same length")
    outside = [v for v in rates + lows + highs if not 0 <= v <= 1]
    if outside:
        raise ValueError(f"rates and interval bounds must be fractions between 0 and 1, got "
                         f"{outside[:3]}; divide percentages by 100")
    colors = list(colors) if colors is not None else [PALETTE[i % len(PALETTE)] for i in range(n)]
    err = [[r - lo for r, lo in zip(rates, lows, strict=True)], [hi - r for r, hi in zip(rates, highs, strict=True)]]
    positions = range(n)
    top = max(highs, default=1.0) or 1.0
    top *= 1 + _HEADROOM if annotate else 1.05
    if horizontal:
        bars = ax.barh(positions, rates, xerr=err, color=colors, capsize=4,
                       error_kw={"elinewidth": 1.2, "ecolor": "#333333"})
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, top)
        percent_axis(ax, "x")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    else:
        bars = ax.bar(positions, rates, yerr=err, color=colors, capsize=4,
                      error_kw={"elinewidth": 1.2, "ecolor": "#333333"})
        ax.set_xticks(list(positions), labels)
        ax.set_ylim(0, top)
        percent_axis(ax, "y")
    if annotate:
        for i, (rate, hi) in enumerate(zip(rates, highs, strict=True)):
            if horizontal:
                ax.text(hi + 0.005, i, f"{rate:.1%}", va="center", fontsize=10)
            else:
                ax.text(i, hi + 0.005, f"{rate:.1%}", ha="center", va="bottom", fontsize=10)
    if not horizontal:
        fit_tick_labels(ax)
    return bars


def tick_label_clashes(ax, axis: str = "x", min_gap: float = _MIN_GAP_EM) -> list[tuple[str, str]]:
    """Neighbouring tick labels that overlap or nearly touch.

    Parameters
    ----------
    ax : matplotlib Axes
    axis : ``"x"`` or ``"y"``
    min_gap : float
        Space two labels must keep between them, in ems of their font size.

    Returns
    -------
    list of (str, str)
        The texts of each pair of neighbours closer than ``min_gap``; empty
        when the labels read apart. Measured with the figure's renderer on its
        current layout (DejaVu Sans metrics; a browser's fallback font is
        usually narrower).

    Examples
    --------
    >>> from reciprocity import plots
    >>> fig, ax = plots.new_figure(width=1.2)
    >>> _ = ax.set_xticks([0, 1], ["a long label", "another long one"])
    >>> plots.tick_label_clashes(ax)
    [('a long label', 'another long one')]
    """
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [(labels[a].get_text(), labels[b].get_text()) for a, b in _clashes(ax, axis, min_gap)]


def _clashes(ax, axis: str, min_gap: float) -> list[tuple[int, int]]:
    """Index pairs (in ``get_xticklabels()`` order) of neighbouring labels that clash."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    figure = ax.figure
    figure.draw_without_rendering()  # places the tick labels where they will be drawn
    points_to_pixels = figure.dpi / 72
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    boxes = sorted(((t.get_window_extent(), i) for i, t in enumerate(labels)
                    if t.get_visible() and t.get_text().strip()),
                   key=lambda item: item[0].x0 if axis == "x" else item[0].y0)
    clashes = []
    for (box_a, a), (box_b, b) in itertools.pairwise(boxes):
        size = max(labels[a].get_fontsize(), labels[b].get_fontsize())
        across = (box_b.x0 - box_a.x1) if axis == "x" else (box_b.y0 - box_a.y1)
        # labels on different rows (staggered) or in different columns do not clash
        apart = (box_a.y1 < box_b.y0 or box_b.y1 < box_a.y0) if axis == "x" else \
                (box_a.x1 < box_b.x0 or box_b.x1 < box_a.x0)
        if across < min_gap * size * points_to_pixels and not apart:
            clashes.append((a, b))
    return clashes


def fit_tick_labels(ax, min_gap: float = _MIN_GAP_EM) -> list[tuple[str, str]]:
    r"""Keep the x-axis tick labels of a chart of categories from running together.

    While neighbouring labels clash (:func:`tick_label_clashes`), the wider
    of a pair is broken onto two lines at its most balanced space or range
    dash ("$0.20-" over "0.50"); if labels still clash when none can break,
    every other label moves down a row. Labels stay horizontal, so they read
    without tilting the head. Call it after the layout is set (figure size,
    ``tight_layout``).

    Returns
    -------
    list of (str, str)
        Pairs that still clash (empty when the labels now read apart): then
        use horizontal bars or shorter labels.

    Examples
    --------
    >>> from reciprocity import plots
    >>> fig, ax = plots.new_figure(width=1.2)
    >>> _ = ax.set_xticks([0, 1], ["a long label", "another long one"])
    >>> plots.fit_tick_labels(ax)
    []
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a long label', 'another\nlong one']
    """
    ticks = list(ax.get_xticks())
    texts = [t.get_text() for t in ax.get_xticklabels()]
    clashes = _clashes(ax, "x", min_gap)
    while clashes:
        wrapped = list(texts)
        for a, b in clashes:
            widths = {i: len(max(texts[i].split("\n"), key=len)) for i in (a, b)}
            for i in sorted((a, b), key=widths.get, reverse=True):
                if _two_lines(texts[i]) != texts[i]:
                    wrapped[i] = _two_lines(texts[i])
                    break
        if wrapped == texts:
            break  # nothing left to break
        texts = wrapped
        ax.set_xticks(ticks, texts)
        clashes = _clashes(ax, "x", min_gap)
    if clashes:
        rows = max(text.count("\n") + 1 for text in texts)
        for i, tick in enumerate(ax.xaxis.get_major_ticks()):
            if i % 2:
                tick.set_pad(tick.get_pad() + (rows + 0.4) * tick.label1.get_fontsize() * 1.2)
        clashes = _clashes(ax, "x", min_gap)
    return tick_label_clashes(ax, "x", min_gap) if clashes else []


def _two_lines(text: str) -> str:
    """``text`` broken at the space or dash that best balances two lines (unchanged if none)."""
    if "\n" in text:
        return text
    best, best_length = text, len(text)
    for match in _BREAK.finditer(text):
        first, second = text[:match.start()].rstrip(), text[match.end():].lstrip()
        longest = max(len(first), len(second))
        if first and second and longest < best_length:
            best, best_length = f"{first}\n{second}", longest
    return best
