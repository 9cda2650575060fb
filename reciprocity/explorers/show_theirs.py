"""Explorer for insight 10 (get them to show theirs): the GGL visibility ladder.

:func:`~reciprocity.explorers.anonymity.turnout_explorer` shows turnout per
arm. This explorer shows the *steps* between adjacent arms (what each extra
layer of identity on the table added) and how they differ between groups of
voters (age, household size, sex, voting habit).
"""
from __future__ import annotations

import math

import altair as alt

from ..analyses import ggl
from .core import CHART_WIDTH, FONT_SIZE, Case, Explorer, readout, readout_name, register

DEFAULT_GROUP = "All voters"
#: Room for the bar labels left of the plot; the text below starts there too,
#: so the whole explorer stays CHART_WIDTH wide on a phone.
LABEL_ROOM = 85


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def _step_line(row) -> str:
    return f"{row.step}: {_points(row.difference)} ({_points(row.ci_low)} to {_points(row.ci_high)})"


def _cases() -> list[Case]:
    table = ggl.ladder_table()
    everyone = table[table["group"] == DEFAULT_GROUP]
    all_line = "All voters: " + ", ".join(_points(d) for d in everyone["difference"]) + " points"
    cases = []
    for group, compare in [(DEFAULT_GROUP, True), ("Age 65+", True),
                           ("Voted in 0 of 3 earlier primaries", False), ("Household of 3+", True)]:
        part = table[table["group"] == group]
        people = int(part["n_from"].iloc[0] + part["n_to"].sum())
        expect = [_step_line(row) for row in part.itertuples()]
        expect.append(f"{people:,} voters in this group")
        if compare:
            expect.append(all_line)
        cases.append(Case({"group": group, "compare": compare}, expect))
    return cases


def _scale(table) -> list[float]:
    """One fixed axis (points) for every group, with zero and whole points at the ends."""
    low = min(0.0, float(table["ci_low"].min()) * 100)
    high = max(0.0, float(table["ci_high"].max()) * 100)
    return [math.floor(low), math.ceil(high)]


@register(cases=_cases)
def visibility_ladder_explorer() -> Explorer:
    """What each added layer of visibility did to turnout, for a chosen group of voters.

    A choice picks the group of voters; a checkbox marks the steps for all
    voters on the bars. The steps, their Newcombe intervals and the group
    sizes are precomputed by :func:`reciprocity.analyses.ggl.ladder_table`
    (14 groups x 4 steps), embedded rounded, and picked in the browser.
    """
    table = ggl.ladder_table()
    groups = list(dict.fromkeys(table["group"]))
    everyone = table[table["group"] == DEFAULT_GROUP].set_index("step")["difference"]
    order = [b for _, b, _ in ggl.LADDER_STEPS]
    rows = [{"group": row.group, "step": row.step, "to": row.step.split(" → ")[1],
             "adds": row.adds, "order": order.index(row.step.split(" → ")[1]),
             "diff": round(row.difference * 100, 3), "low": round(row.ci_low * 100, 3),
             "high": round(row.ci_high * 100, 3), "all": round(everyone[row.step] * 100, 3),
             "line": _step_line(row)}
            for row in table.itertuples()]
    people = {g: int(part["n_from"].iloc[0] + part["n_to"].sum()) for g, part in table.groupby("group")}

    controls = [
        alt.param(name="group", value=DEFAULT_GROUP, bind=alt.binding_select(
            options=groups, name="Voters ")),
        alt.param(name="compare", value=True, bind=alt.binding_checkbox(
            name="Mark the steps for all voters ")),
    ]
    data = alt.Data(values=rows)
    base = alt.Chart(data).transform_filter("datum.group == group").transform_calculate(
        label="'Up to ' + datum.to + ', adds ' + datum.adds + ': ' + format(datum.diff, '+.1f')"
              " + ' points (' + format(datum.low, '+.1f') + ' to ' + format(datum.high, '+.1f') + ')'",
        all_label="'All voters, up to ' + datum.to + ': ' + format(datum.all, '+.1f') + ' points'",
        zero="0",
    ).encode(y=alt.Y("to:N", sort=order, title=None,
                     axis=alt.Axis(labelExpr="'+ ' + datum.label")))
    x = alt.X("diff:Q", title="change in turnout (points)", scale=alt.Scale(domain=_scale(table)))
    bars = base.mark_bar(height=22).encode(
        x=x, x2="zero:Q",
        color=alt.Color("to:N", legend=None, scale=alt.Scale(
            domain=order, range=[ggl.ARM_COLOURS[arm] for arm in order])),
        description="label:N")
    whiskers = base.mark_rule(strokeWidth=2, color="#222", aria=False).encode(x="low:Q", x2="high:Q")
    marks = base.transform_filter("compare").mark_tick(
        color="#000", thickness=3, size=30).encode(x="all:Q", description="all_label:N")
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color="#222", aria=False).encode(x="zero:Q")
    plot = (bars + whiskers + zero + marks).properties(
        width=CHART_WIDTH - LABEL_ROOM, height=150,
        title=alt.Title(alt.ExprRef("group"),
                        subtitle="lines: 95% Newcombe; black ticks: all voters"))
    steps = alt.Chart(data).transform_filter("datum.group == group").mark_text(
        align="left", baseline="top", fontSize=FONT_SIZE, limit=CHART_WIDTH).encode(
        x=alt.value(-LABEL_ROOM), y=alt.Y("order:O", axis=None), text="line:N", description="line:N",
    ).properties(width=CHART_WIDTH - LABEL_ROOM, height=(FONT_SIZE + 8) * 4,
                 view=alt.ViewBackground(stroke=None), name=readout_name(["ladder", "steps"]))
    all_line = "All voters: " + ", ".join(_points(everyone[f"{a} → {b}"]) for a, b, _ in ggl.LADDER_STEPS)
    sizes = " : ".join(f"group == '{g}' ? {people[g]}" for g in groups[1:]) + f" : {people[groups[0]]}"
    text = readout([
        f"format({sizes}, ',') + ' voters in this group'",
        f"compare ? '{all_line} points' : 'Tick the box to compare with all voters.'",
        "'Intervals ignore households: a bit narrow.'",
    ]).encode(x=alt.value(-LABEL_ROOM)).properties(width=CHART_WIDTH - LABEL_ROOM)
    chart = alt.vconcat(plot, steps, text, spacing=8).add_params(*controls)
    return Explorer(chart, "visibility_ladder_explorer",
                    "The visibility ladder: turnout added by each letter, by group of voters")
