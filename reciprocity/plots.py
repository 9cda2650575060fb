"""The course's figure style and a few chart helpers.

Colours are the Okabe-Ito palette, which stays distinguishable for the common
forms of colour blindness. Figures are sized for a book column and saved at a
modest resolution so pages stay light.

Examples
--------
>>> from reciprocity import plots
>>> plots.use_course_style()
>>> len(plots.PALETTE)
8
"""
from __future__ import annotations

from typing import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter

__all__ = ["PALETTE", "use_course_style", "rate_bars", "percent_axis", "new_figure"]

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
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "legend.frameon": False,
    "svg.hashsalt": "reciprocity",
}


def use_course_style() -> None:
    """Apply the course style to every later matplotlib figure."""
    mpl.rcParams.update(STYLE)


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

    Parameters
    ----------
    ax : matplotlib Axes
    labels, rates, lows, highs : sequences of equal length
        Rates and interval bounds as fractions (0-1).
    colors : optional sequence of colours; the palette by default.
    annotate : write each rate next to its bar.
    horizontal : draw horizontal bars (good for long labels).
    """
    n = len(labels)
    if not (len(rates) == len(lows) == len(highs) == n):
        raise ValueError("labels, rates, lows and highs must have the same length")
    colors = list(colors) if colors is not None else [PALETTE[i % len(PALETTE)] for i in range(n)]
    err = [[r - lo for r, lo in zip(rates, lows)], [hi - r for r, hi in zip(rates, highs)]]
    positions = range(n)
    if horizontal:
        bars = ax.barh(positions, rates, xerr=err, color=colors, capsize=4,
                       error_kw={"elinewidth": 1.2, "ecolor": "#333333"})
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        percent_axis(ax, "x")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    else:
        bars = ax.bar(positions, rates, yerr=err, color=colors, capsize=4,
                      error_kw={"elinewidth": 1.2, "ecolor": "#333333"})
        ax.set_xticks(list(positions), labels)
        percent_axis(ax, "y")
    if annotate:
        for i, (rate, hi) in enumerate(zip(rates, highs)):
            if horizontal:
                ax.text(hi + 0.005, i, f"{rate:.1%}", va="center", fontsize=10)
            else:
                ax.text(i, hi + 0.005, f"{rate:.1%}", ha="center", va="bottom", fontsize=10)
    return bars
