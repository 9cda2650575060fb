"""The course's chart helpers: rate bars start at zero, labels read apart, notebooks get SVG."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.container import BarContainer

from reciprocity import plots
from tests.support.common import run_python

# The GGL turnout rates: on an axis cut at 25%, 37.8% looked nearly three times 29.7%.
LABELS = ["Control", "Civic Duty", "Hawthorne", "Self", "Neighbors"]
RATES = [0.297, 0.315, 0.322, 0.345, 0.378]
LOWS = [r - 0.004 for r in RATES]
HIGHS = [r + 0.004 for r in RATES]


@pytest.fixture
def ax():
    with matplotlib.rc_context(plots.STYLE):
        fig, ax = plt.subplots(figsize=(7, 3.8))
        yield ax
    plt.close(fig)


@pytest.mark.parametrize("horizontal", [False, True], ids=["vertical", "horizontal"])
def test_rate_bars_start_at_zero(ax, horizontal):
    bars = plots.rate_bars(ax, LABELS, RATES, LOWS, HIGHS, horizontal=horizontal)
    low, high = ax.get_xlim() if horizontal else ax.get_ylim()
    assert low == 0
    assert high > max(HIGHS), "the highest interval and its label fit on the axis"
    assert isinstance(bars, BarContainer)
    bases = [bar.get_x() if horizontal else bar.get_y() for bar in bars]
    lengths = [bar.get_width() if horizontal else bar.get_height() for bar in bars]
    assert bases == [0] * len(RATES)
    assert lengths == pytest.approx(RATES)


def test_rate_bar_lengths_keep_the_ratio_of_the_rates(ax):
    """Drawn from zero, the longest bar is 1.27 times the shortest, as 37.8% is to 29.7%."""
    bars = plots.rate_bars(ax, LABELS, RATES, LOWS, HIGHS)
    ax.figure.draw_without_rendering()
    heights = [bar.get_window_extent().height for bar in bars]
    assert max(heights) / min(heights) == pytest.approx(0.378 / 0.297, rel=0.01)


def test_rate_bars_reject_percentages_and_ragged_input(ax):
    with pytest.raises(ValueError, match="divide percentages by 100"):
        plots.rate_bars(ax, ["a", "b"], [29.7, 37.8], [29.0, 37.0], [30.4, 38.6])
    with pytest.raises(ValueError, match="same length"):
        plots.rate_bars(ax, ["a", "b"], [0.3], [0.2], [0.4])


def test_tick_label_clashes_finds_labels_that_run_together(ax):
    ax.figure.set_size_inches(3, 2)
    ax.set_xticks(range(4), ["signed up", "integration", "mockup", "invite"])
    assert ("signed up", "integration") in plots.tick_label_clashes(ax)
    ax.set_xticks(range(4), ["A", "B", "C", "D"])
    assert plots.tick_label_clashes(ax) == []
    with pytest.raises(ValueError, match="'x' or 'y'"):
        plots.tick_label_clashes(ax, "z")


def test_rate_bars_break_long_range_labels_at_their_dash(ax):
    """Chapter 14's voucher bands ran together; the long one now breaks after its dash."""
    bands = ["$0", "≤$0.20", "$0.20-0.50", "$0.50-1", "$1-1.50", "$1.50-2", "$2-3"]
    ax.figure.set_size_inches(7.2, 3.9)
    rates = [0.34, 0.64, 0.70, 0.77, 0.84, 0.87, 0.85]
    plots.rate_bars(ax, bands, rates, [r - 0.03 for r in rates], [r + 0.03 for r in rates],
                    annotate=False)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert "$0.20-\n0.50" in shown
    assert "$0" in shown and "$2-3" in shown, "labels that fit stay on one line"
    assert plots.tick_label_clashes(ax) == []


def test_fit_tick_labels_staggers_labels_that_cannot_break(ax):
    ax.figure.set_size_inches(3, 2)
    words = ["integration", "onboarding", "activation", "retention", "conversion"]
    ax.set_xticks(range(5), words)
    assert plots.tick_label_clashes(ax)
    assert plots.fit_tick_labels(ax) == []
    assert [t.get_text() for t in ax.get_xticklabels()] == words
    pads = [tick.get_pad() for tick in ax.xaxis.get_major_ticks()]
    assert pads[1] > pads[0] and pads[2] == pads[0], "every other label moves down a row"


def test_fit_tick_labels_leaves_labels_that_read_apart(ax):
    ax.set_xticks(range(3), ["no gift", "gift", "gift and note"])
    assert plots.fit_tick_labels(ax) == []
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no gift", "gift", "gift and note"]


def test_notebook_figures_are_svg_the_same_on_every_run():
    """In IPython the course style shows figures as SVG with text as text, no date, fixed ids.

    The style is applied before the inline backend loads (as in every chapter's
    setup cell); the backend then applies its own configured formats, which
    must still be SVG.
    """
    out = run_python(
        "import os\n"
        "os.environ['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "from reciprocity import plots\n"
        "plots.use_course_style()\n"
        "import matplotlib.pyplot as plt\n"
        "def draw():\n"
        "    fig, ax = plt.subplots()\n"
        "    plots.rate_bars(ax, ['no letter', 'letter'], [0.297, 0.378], [0.29, 0.37], [0.30, 0.39])\n"
        "    ax.set_title('Turnout')\n"
        "    data, _ = shell.display_formatter.format(fig)\n"
        "    plt.close(fig)\n"
        "    return data\n"
        "first, second = draw(), draw()\n"
        "svg = first['image/svg+xml']\n"
        "print(sorted(first), first == second, 'dc:date' in svg, 'Matplotlib v' in svg,\n"
        "      '>Turnout</text>' in svg, 'DejaVuSans-' in svg, len(svg) < 60_000)\n")
    assert out.split() == ["['image/svg+xml',", "'text/plain']", "True", "False", "False",
                           "True", "False", "True"], out


def test_course_style_outside_ipython_only_sets_the_style():
    with matplotlib.rc_context():
        plots.use_course_style()  # no shell to configure: must not fail
        assert matplotlib.rcParams["svg.fonttype"] == "none"
        assert matplotlib.rcParams["axes.axisbelow"] is True
