"""Explorer for insight 2 (anonymity): turnout by GGL letter, for a slice of voting history."""
from __future__ import annotations

import altair as alt

from ..analyses import ggl
from ..stats import compare_proportions, proportion_ci
from . import expr
from .core import CHART_WIDTH, Case, Explorer, readout, register

CONFIDENCES = [0.9, 0.95, 0.99]
#: Room for the arm names left of the bars; the text below starts there too,
#: so the whole explorer stays CHART_WIDTH wide on a phone.
LABEL_ROOM = 75


def _key(arm: str) -> str:
    return arm.lower().replace(" ", "_")


#: The voting histories a reader can pick: (fewest, most) earlier primaries voted
#: in, and the menu's words. One menu of ranges, so "at least 3, at most 0"
#: cannot be asked for.
HISTORIES = {(0, 3): "0 to 3 (everyone)", (0, 0): "0 (none)", (1, 1): "1", (2, 2): "2",
             (3, 3): "3 (all of them)", (0, 1): "0 or 1", (1, 2): "1 or 2", (2, 3): "2 or 3",
             (0, 2): "0 to 2", (1, 3): "1 to 3"}


def history_key(low: int, high: int) -> str:
    """The menu value for voters with ``low``..``high`` earlier primaries, e.g. ``"0-3"``."""
    return f"{low}-{high}"


def _slice(counts, low: int, high: int) -> dict[str, tuple[int, int]]:
    """(votes, voters) per arm among people who voted in ``low``..``high`` earlier primaries."""
    part = counts[counts["primaries_voted"].between(low, high)]
    totals = part.groupby("treatment")[["votes", "n"]].sum()
    return {arm: (int(totals.loc[arm, "votes"]), int(totals.loc[arm, "n"])) for arm in ggl.GGL_ARMS}


def _cases() -> list[Case]:
    counts = ggl.turnout_counts()
    cases = []
    for low, high, letter, confidence in [(0, 3, "Neighbors", 0.95), (0, 0, "Neighbors", 0.99),
                                          (3, 3, "Civic Duty", 0.9), (1, 3, "Self", 0.95),
                                          (0, 0, "Civic Duty", 0.9)]:
        table = _slice(counts, low, high)
        control, other = table["Control"], table[letter]
        c_low, c_high = proportion_ci(*control, confidence)
        o_low, o_high = proportion_ci(*other, confidence)
        result = compare_proportions(*control, *other, confidence=confidence)
        lo, hi = result.ci
        span = f"{low}" if low == high else f"{low} to {high}"
        cases.append(Case(
            {"history": history_key(low, high), "letter": letter, "confidence": confidence},
            [f"Voted in {span} of 3 earlier primaries",
             f"Control: {result.rate_a:.1%} ({c_low:.1%} to {c_high:.1%})",
             f"{letter}: {result.rate_b:.1%} ({o_low:.1%} to {o_high:.1%})",
             f"{letter} vs Control: {result.difference * 100:+.1f} points",
             f"{confidence:.0%} CI {lo * 100:+.1f} to {hi * 100:+.1f} (Newcombe)",
             expr.zero_verdict_label(lo, hi),
             f"{control[1] + other[1]:,} voters in these two arms"]))
    return cases


@register(cases=_cases)
def turnout_explorer() -> Explorer:
    """Turnout by GGL arm with Wilson intervals, for a slice of voting history.

    A menu chooses voters by how many of the three earlier primaries they
    voted in (a range, :data:`HISTORIES`); a second picks the letter to set
    against the control group, and a third the confidence level. The per-arm counts of each slice
    (:func:`reciprocity.analyses.ggl.turnout_counts`, 20 numbers per column)
    are embedded; the rates, Wilson intervals and the Newcombe interval of the
    difference are computed in the browser.
    """
    counts = ggl.turnout_counts()
    table = {(row.treatment, int(row.primaries_voted)): (int(row.votes), int(row.n))
             for row in counts.itertuples()}

    controls = [
        alt.param(name="history", value=history_key(0, 3), bind=alt.binding_select(
            options=[history_key(*h) for h in HISTORIES], labels=list(HISTORIES.values()),
            name="Earlier primaries they voted in (of 3) ")),
        alt.param(name="letter", value="Neighbors", bind=alt.binding_select(
            options=ggl.LETTERS, name="Letter to compare with Control ")),
        alt.param(name="confidence", value=0.95, bind=alt.binding_select(
            options=CONFIDENCES, labels=[f"{c:.0%}" for c in CONFIDENCES], name="Confidence level ")),
    ]
    derived = [expr.signal("h_low", "toNumber(substring(history, 0, 1))"),
               expr.signal("h_high", "toNumber(substring(history, 2, 3))")]
    for arm in ggl.GGL_ARMS:
        key = _key(arm)
        for column, index in (("k", 0), ("n", 1)):
            terms = " + ".join(f"(h_low <= {h} && h_high >= {h} ? {table[(arm, h)][index]} : 0)"
                               for h in range(4))
            derived.append(expr.signal(f"{column}_{key}", terms))
        derived += expr.wilson(key, f"k_{key}", f"n_{key}", confidence="confidence")

    def chosen(prefix):  # the chosen letter's parameter, e.g. chosen("k") -> k_neighbors
        return " : ".join(f"letter == '{arm}' ? {prefix}_{_key(arm)}" for arm in ggl.LETTERS[:-1]) \
            + f" : {prefix}_{_key(ggl.LETTERS[-1])}"

    derived += [
        expr.signal("b_k", chosen("k")),
        expr.signal("b_n", chosen("n")),
        *expr.wilson("b", "b_k", "b_n", confidence="confidence"),
        *expr.newcombe("d", "control", "b"),
    ]

    def per_arm(suffix):
        return " : ".join(f"datum.arm == '{arm}' ? {_key(arm)}_{suffix}" for arm in ggl.GGL_ARMS[:-1]) \
            + f" : {_key(ggl.GGL_ARMS[-1])}_{suffix}"

    arms = alt.Data(values=[{"arm": arm} for arm in ggl.GGL_ARMS])
    base = alt.Chart(arms).transform_calculate(
        rate=per_arm("rate"), low=per_arm("low"), high=per_arm("high"),
        shown="datum.arm == 'Control' || datum.arm == letter",
        label="datum.arm + ': ' + format(datum.rate, '.1%') + ' (' + format(datum.low, '.1%')"
              " + ' to ' + format(datum.high, '.1%') + ')'",
        value="format(datum.rate, '.1%')",
    ).encode(y=alt.Y("arm:N", title=None, sort=ggl.GGL_ARMS))
    x = alt.X("rate:Q", title="turnout in the 2006 primary", axis=alt.Axis(format="%", tickCount=5),
              scale=alt.Scale(domain=[0, 0.8]))
    bars = base.mark_bar(height=22).encode(
        x=x, color=alt.Color("arm:N", legend=None, scale=alt.Scale(
            domain=list(ggl.ARM_COLOURS), range=list(ggl.ARM_COLOURS.values()))),
        opacity=alt.condition("datum.shown", alt.value(1), alt.value(0.3)),
        description="label:N")
    whiskers = base.mark_rule(strokeWidth=2, color="#222", aria=False).encode(x="low:Q", x2="high:Q")
    values = base.mark_text(align="left", dx=6, aria=False).encode(x="high:Q", text="value:N")
    plot = (bars + whiskers + values).properties(
        width=CHART_WIDTH - LABEL_ROOM, height=170,
        title=alt.Title(alt.ExprRef(
            "'Voted in ' + (h_low == h_high ? h_low : h_low + ' to ' + h_high)"
            " + ' of 3 earlier primaries'"),
            subtitle="bars: turnout; lines: Wilson intervals"))
    text = readout([
        "'Control: ' + format(control_rate, '.1%') + ' (' + format(control_low, '.1%') + ' to '"
        " + format(control_high, '.1%') + ')'",
        "letter + ': ' + format(b_rate, '.1%') + ' (' + format(b_low, '.1%') + ' to '"
        " + format(b_high, '.1%') + ')'",
        "letter + ' vs Control: ' + format(d_diff * 100, '+.1f') + ' points'",
        "format(confidence, '.0%') + ' CI ' + format(d_low * 100, '+.1f') + ' to '"
        " + format(d_high * 100, '+.1f') + ' (Newcombe)'",
        expr.zero_verdict("d_low", "d_high"),
        "format(n_control + b_n, ',') + ' voters in these two arms'",
        "'Intervals ignore households: a bit narrow.'",
    ]).encode(x=alt.value(-LABEL_ROOM)).properties(width=CHART_WIDTH - LABEL_ROOM)
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "turnout_explorer",
                    "Turnout by letter for a slice of voting history (Gerber, Green & Larimer 2008)")
