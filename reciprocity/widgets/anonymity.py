"""Explorers for insight 2 (anonymity) and insight 10 (showing identity)."""
from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from .. import data
from ..plots import PALETTE
from ..stats import proportion_ci
from .core import Explorer, register
from .svg import bar_chart

#: The five GGL arms, from the least to the most social pressure.
GGL_ARMS = ["Control", "Civic Duty", "Hawthorne", "Self", "Neighbors"]
PRIMARIES = ["p2000", "p2002", "p2004"]
_ARM_COLOURS = dict(zip(GGL_ARMS, [PALETTE[7], PALETTE[5], PALETTE[2], PALETTE[1], PALETTE[3]]))


def turnout_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Voters and votes per arm and number of past primaries voted in (0-3).

    This small table is all the turnout explorer needs, so its callback never
    touches the 344,084-row frame.
    """
    history = frame[PRIMARIES].sum(axis=1).rename("primaries_voted")
    counts = (frame.assign(primaries_voted=history)
              .groupby(["treatment", "primaries_voted"])["voted"].agg(n="size", votes="sum"))
    return counts.reset_index()


@register
def turnout_explorer(frame: pd.DataFrame | None = None) -> Explorer:
    """Turnout by GGL arm with Wilson intervals, for a slice of voting history.

    Parameters
    ----------
    frame : the ``ggl2008`` dataset; loaded when omitted.
    """
    counts = turnout_counts(data.load("ggl2008") if frame is None else frame)
    table = {(row.treatment, int(row.primaries_voted)): (int(row.n), int(row.votes))
             for row in counts.itertuples()}

    def render(arms, history, confidence):
        lo_h, hi_h = history
        chosen = [a for a in GGL_ARMS if a in arms] or ["Control"]
        rates, lows, highs, sizes = [], [], [], []
        for arm in chosen:
            n = sum(table.get((arm, h), (0, 0))[0] for h in range(lo_h, hi_h + 1))
            v = sum(table.get((arm, h), (0, 0))[1] for h in range(lo_h, hi_h + 1))
            low, high = proportion_ci(v, n, confidence) if n else (0.0, 0.0)
            rates.append(v / n if n else 0.0)
            lows.append(low)
            highs.append(high)
            sizes.append(n)
        slice_text = (f"voted in {lo_h} of the 3 earlier primaries" if lo_h == hi_h
                      else f"voted in {lo_h} to {hi_h} of the 3 earlier primaries")
        chart = bar_chart(chosen, rates, lows, highs, ymin=0, ymax=max(highs) * 1.15 + 0.02,
                          title=f"Turnout in the 2006 primary, people who {slice_text}",
                          ylabel="turnout", colors=[_ARM_COLOURS[a] for a in chosen])
        rows = "".join(
            f"<tr><td>{a}</td><td>{n:,}</td><td>{r:.1%}</td><td>{lo:.1%} to {hi:.1%}</td></tr>"
            for a, n, r, lo, hi in zip(chosen, sizes, rates, lows, highs))
        return (chart + '<table style="font-size:0.9em"><thead><tr><th>Arm</th><th>People</th>'
                f"<th>Turnout</th><th>{confidence:.0%} interval</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")

    controls = {
        "arms": widgets.SelectMultiple(options=GGL_ARMS, value=tuple(GGL_ARMS), rows=5,
                                       description="Arms", style={"description_width": "initial"}),
        "history": widgets.IntRangeSlider(value=(0, 3), min=0, max=3,
                                          description="Earlier primaries voted",
                                          style={"description_width": "initial"}),
        "confidence": widgets.Dropdown(options=[("90%", 0.90), ("95%", 0.95), ("99%", 0.99)],
                                       value=0.95, description="Interval"),
    }
    return Explorer(controls, render, title="Turnout by letter (Gerber, Green & Larimer 2008)")
