"""Explorer for insight 10 (get them to show theirs): the GGL visibility ladder.

:func:`~reciprocity.widgets.anonymity.turnout_explorer` shows turnout per arm.
This explorer shows the *steps* between adjacent arms - what each extra layer
of identity on the table added - and how the steps differ between groups of
voters (age, household size, sex, voting habit).
"""
from __future__ import annotations

import math
from html import escape

import ipywidgets as widgets
import pandas as pd

from .. import data
from ..plots import PALETTE
from ..stats import compare_proportions
from .anonymity import GGL_ARMS, PRIMARIES
from .core import Explorer, register
from .svg import HEIGHT, MARGIN, WIDTH, _open, _y_axis

#: Adjacent steps up the ladder: (from arm, to arm, what the step adds).
LADDER_STEPS = [
    ("Control", "Civic Duty", "a request, no audience"),
    ("Civic Duty", "Hawthorne", "being watched"),
    ("Hawthorne", "Self", "own record on the table"),
    ("Self", "Neighbors", "record shown to others"),
]

_AGE_BINS = [(18, 34), (35, 49), (50, 64), (65, 200)]


def _nice_range(low: float, high: float) -> tuple[float, float, int]:
    """Axis limits and gridline count, with zero on a gridline and whole points apart."""
    low, high = min(low, 0.0) * 100, max(high, 0.0) * 100
    for step in (1, 2, 5, 10, 20, 50):
        lo, hi = math.floor(low / step) * step, math.ceil(high / step) * step
        if (hi - lo) / step <= 8:
            return lo / 100, hi / 100, int(round((hi - lo) / step))
    return low / 100, high / 100, 5


def _points(v: float) -> str:
    return f"{v * 100:+.1f}"


def difference_chart(labels, values, lows, highs, *, title: str, ymin: float, ymax: float,
                     colors, ticks: int = 5) -> str:
    """Bars that start at zero (up for gains, down for losses) with interval whiskers.

    :func:`reciprocity.widgets.svg.bar_chart` draws bars up from the axis
    minimum, which misreads negative differences; this helper anchors them at 0.
    """
    parts = _open(title)
    y = _y_axis(parts, ymin, ymax, lambda v: f"{v * 100:+.0f}" if abs(v) > 1e-9 else "0",
                "change in turnout (points)", ticks=ticks)
    slot = (WIDTH - MARGIN["left"] - MARGIN["right"]) / max(len(labels), 1)
    bar_w = slot * 0.62
    y0 = y(0.0)
    for i, (label, val, lo, hi) in enumerate(zip(labels, values, lows, highs)):
        x0 = MARGIN["left"] + slot * i + (slot - bar_w) / 2
        cx = x0 + bar_w / 2
        top, bottom = sorted((y(val), y0))
        parts.append(f'<rect x="{x0:.1f}" y="{top:.1f}" width="{bar_w:.1f}" '
                     f'height="{bottom - top:.1f}" fill="{colors[i]}"><title>'
                     f'{escape(label)}: {_points(val)} points</title></rect>')
        ylo, yhi = y(lo), y(hi)
        parts.append(f'<path d="M{cx:.1f} {ylo:.1f}V{yhi:.1f}M{cx - 6:.1f} {ylo:.1f}h12'
                     f'M{cx - 6:.1f} {yhi:.1f}h12" stroke="#222" stroke-width="1.5"/>')
        parts.append(f'<text x="{cx:.1f}" y="{yhi - 6:.1f}" text-anchor="middle" '
                     f'fill="#222">{_points(val)}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{HEIGHT - MARGIN["bottom"] + 18}" '
                     f'text-anchor="middle" fill="#222">{escape(label)}</text>')
    parts.append(f'<line x1="{MARGIN["left"]}" x2="{WIDTH - MARGIN["right"]}" y1="{y0:.1f}" '
                 f'y2="{y0:.1f}" stroke="#222"/>')
    parts.append("</svg>")
    return "".join(parts)


def voter_groups(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Named boolean masks for the subgroups the ladder explorer offers."""
    history = frame[PRIMARIES].sum(axis=1)
    groups = {"All voters": pd.Series(True, index=frame.index)}
    for lo, hi in _AGE_BINS:
        label = f"Age {lo}+" if hi >= 200 else f"Age {lo}-{hi}"
        groups[label] = frame["age"].between(lo, hi)
    groups["Household of 1"] = frame["hh_size"] == 1
    groups["Household of 2"] = frame["hh_size"] == 2
    groups["Household of 3+"] = frame["hh_size"] >= 3
    groups["Women"] = frame["sex"] == "female"
    groups["Men"] = frame["sex"] == "male"
    for k in range(4):
        groups[f"Voted in {k} of 3 earlier primaries"] = history == k
    return groups


def ladder_table(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Each adjacent-arm step, for every voter group, with a Newcombe interval.

    Columns: ``group``, ``step`` (e.g. "Self → Neighbors"), ``adds``,
    ``n_from``, ``n_to``, ``rate_from``, ``rate_to``, ``difference``,
    ``ci_low``, ``ci_high``, ``fisher_p``.
    """
    rows = []
    for label, mask in voter_groups(frame).items():
        counts = frame.loc[mask].groupby("treatment")["voted"].agg(["size", "sum"])
        for a, b, adds in LADDER_STEPS:
            na, va = int(counts.loc[a, "size"]), int(counts.loc[a, "sum"])
            nb, vb = int(counts.loc[b, "size"]), int(counts.loc[b, "sum"])
            r = compare_proportions(va, na, vb, nb, confidence=confidence)
            rows.append({"group": label, "step": f"{a} → {b}", "adds": adds,
                         "n_from": na, "n_to": nb, "rate_from": r.rate_a, "rate_to": r.rate_b,
                         "difference": r.difference, "ci_low": r.ci[0], "ci_high": r.ci[1],
                         "fisher_p": r.fisher_p_value})
    return pd.DataFrame(rows)


@register
def visibility_ladder_explorer(frame: pd.DataFrame | None = None) -> Explorer:
    """What each added layer of visibility did to turnout, for a chosen group of voters.

    Parameters
    ----------
    frame : the ``ggl2008`` dataset; loaded when omitted.
    """
    table = ladder_table(data.load("ggl2008") if frame is None else frame)
    by_group = {g: part.reset_index(drop=True) for g, part in table.groupby("group", sort=False)}
    compare_to = by_group["All voters"]
    colours = [PALETTE[5], PALETTE[2], PALETTE[1], PALETTE[3]]
    # one fixed scale for every group, so bars can be compared across groups
    lo_all, hi_all, ticks = _nice_range(float(table["ci_low"].min()), float(table["ci_high"].max()))

    def render(group, compare):
        part = by_group[group]
        labels = [s.split(" → ")[1] for s in part["step"]]
        chart = difference_chart(
            [f"+ {lab}" for lab in labels], part["difference"].tolist(),
            part["ci_low"].tolist(), part["ci_high"].tolist(),
            title=f"Turnout added by each step up the ladder: {group}",
            ymin=lo_all, ymax=hi_all, colors=colours, ticks=ticks)
        rows = []
        for i, row in part.iterrows():
            cell = (f"<td>{row['step']}</td><td>{row['adds']}</td>"
                    f"<td>{row['rate_from']:.1%} → {row['rate_to']:.1%}</td>"
                    f"<td><b>{row['difference'] * 100:+.1f}</b> "
                    f"({row['ci_low'] * 100:+.1f} to {row['ci_high'] * 100:+.1f})</td>")
            if compare and group != "All voters":
                cell += f"<td>{compare_to.loc[i, 'difference'] * 100:+.1f}</td>"
            rows.append(f"<tr>{cell}</tr>")
        extra = "<th>All voters</th>" if compare and group != "All voters" else ""
        people = int(part["n_from"].iloc[0] + part["n_to"].sum())
        return (chart + '<table style="font-size:0.9em"><thead><tr><th>Step</th><th>Adds</th>'
                "<th>Turnout</th><th>Change, points (95% Newcombe)</th>"
                f"{extra}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p style='font-size:0.85em'>{people:,} voters in this group across the five "
                "arms. Intervals treat voters as independent although letters went to "
                "households, so they are somewhat too narrow.</p>")

    controls = {
        "group": widgets.Dropdown(options=list(by_group), value="All voters",
                                  description="Voters", style={"description_width": "initial"}),
        "compare": widgets.Checkbox(value=True, description="Compare with all voters"),
    }
    return Explorer(controls, render,
                    title="The visibility ladder (Gerber, Green & Larimer 2008)")
