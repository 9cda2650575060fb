"""Explorer for insight 11 (community norms): norm strength x visibility (simulated)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..plots import PALETTE
from ..simulate.community import GRID_SETTINGS, community_grid
from .core import CHART_WIDTH, FONT_SIZE, Case, Explorer, readout_name, register, value_text


def _grid() -> pd.DataFrame:
    grid = community_grid(**GRID_SETTINGS)
    return grid.assign(norm_strength=grid["norm_strength"].round(1),
                       visibility=grid["visibility"].round(1))


def _lines(curve: pd.Series, baseline: pd.Series, strength: float, visibility: float) -> list[str]:
    """The readout for one cell of the grid (curves indexed by round)."""
    last = int(curve.index.max())
    lift = curve[last] - baseline[last]
    return [f"Simulated: norm {strength:.1f}, visibility {visibility:.1f}",
            f"Round {last}: {curve[last]:.1%} contribute",
            f"Round 1: {curve[1]:.1%}",
            f"No rewards or sanctions: {baseline[last]:.1%}",
            f"Difference: {lift * 100:+.1f} points"]


def _curves(grid: pd.DataFrame) -> dict[tuple[float, float], pd.Series]:
    return {(s, v): part.set_index("round")["contribution_rate"]
            for (s, v), part in grid.groupby(["norm_strength", "visibility"])}


def _cases() -> list[Case]:
    curves = _curves(_grid())
    baseline = curves[(0.0, 0.0)]
    return [Case({"norm_strength": s, "visibility": v}, _lines(curves[(s, v)], baseline, s, v))
            for s, v in [(0.5, 0.5), (1.0, 1.0), (0.0, 0.0), (1.0, 0.0), (0.9, 0.1), (0.1, 1.0)]]


@register(cases=_cases)
def community_norms_explorer() -> Explorer:
    """Simulated contribution rate as norms get stronger and members more visible.

    The whole grid (11 norm strengths x 11 visibility levels x 12 rounds, a
    2,000-member community, :data:`reciprocity.simulate.community.GRID_SETTINGS`) is simulated once in
    Python with common random numbers by
    :func:`reciprocity.simulate.community_grid` and embedded; moving a
    slider picks a cell in the browser. The heat map shows every cell's last
    round; the lines show the chosen cell round by round against the
    community with no rewards or sanctions.
    """
    grid = _grid()
    curves = _curves(grid)
    baseline = curves[(0.0, 0.0)]
    last = int(grid["round"].max())
    rounds = list(range(1, last + 1))
    cells = [{"s": s, "v": v, "final": round(float(curve[last]), 4),
              "rounds": rounds, "rates": [round(float(curve[r]), 4) for r in rounds],
              "lines": _lines(curve, baseline, s, v), "order": list(range(5))}
             for (s, v), curve in curves.items()]

    def slider(name, label):
        return alt.param(name=name, value=0.5, bind=alt.binding_range(min=0, max=1, step=0.1, name=label))

    controls = [slider("norm_strength", "Norm strength (rewards and sanctions), 0 to 1 "),
                slider("visibility", "Visibility (share of choices seen), 0 to 1 ")]
    texts = [value_text("norm_strength", "format(norm_strength, '.1f')"),
             value_text("visibility", "format(visibility, '.1f')")]
    chosen = "abs(datum.s - norm_strength) < 0.01 && abs(datum.v - visibility) < 0.01"
    data = alt.Data(values=cells)
    levels = [round(0.1 * i, 1) for i in range(11)]
    x = alt.X("v:O", title="visibility", sort=levels,
              axis=alt.Axis(values=[0, 0.5, 1], labelAngle=0, format=".1f"))
    y = alt.Y("s:O", title="norm strength", sort=levels[::-1],
              axis=alt.Axis(values=[0, 0.5, 1], format=".1f"))
    heat = alt.Chart(data).mark_rect(aria=False).encode(
        x=x, y=y, color=alt.Color("final:Q", title=f"round {last}", scale=alt.Scale(scheme="blues"),
                                  legend=alt.Legend(format=".0%", gradientLength=100)))
    pick = alt.Chart(data).transform_filter(chosen).transform_calculate(
        label="'Chosen cell: ' + format(datum.final, '.1%') + ' contribute in round " + str(last) + "'",
    ).mark_rect(fill=None, stroke=PALETTE[3], strokeWidth=3).encode(x=x, y=y, description="label:N")
    heatmap = (heat + pick).properties(
        width=CHART_WIDTH - 110, height=150,
        title=alt.Title(f"Simulated contribution in round {last}",
                        subtitle="outlined: the cell the sliders pick"))

    series = {"this community": PALETTE[3], "no rewards or sanctions": PALETTE[7]}
    curve = alt.Chart(data).transform_filter(f"({chosen}) || (datum.s == 0 && datum.v == 0)").transform_flatten(
        ["rounds", "rates"], ["round", "rate"]).transform_calculate(
        series=f"({chosen}) ? 'this community' : 'no rewards or sanctions'",
    )
    round_x = alt.X("round:Q", title="round", scale=alt.Scale(domain=[1, last]),
                    axis=alt.Axis(values=[1, 4, 8, 12]))
    lines = curve.mark_line(point=True, aria=False).encode(
        x=round_x, y=alt.Y("rate:Q", title="members contributing", axis=alt.Axis(format="%"),
                           scale=alt.Scale(domain=[0.2, 0.8])),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=list(series),
                                                                range=list(series.values())),
                        legend=alt.Legend(orient="bottom", direction="vertical")),
        detail="series:N")
    ends = curve.transform_filter(f"datum.round == {last}").transform_calculate(
        label="datum.series + ', round " + str(last) + ": ' + format(datum.rate, '.1%')",
    ).mark_point(filled=True, size=50, opacity=0).encode(
        x=round_x, y=alt.Y("rate:Q", scale=alt.Scale(domain=[0.2, 0.8])), description="label:N")
    by_round = (lines + ends).properties(width=CHART_WIDTH - 60, height=150,
                                         title="Simulated contribution by round")
    text = alt.Chart(data).transform_filter(chosen).transform_flatten(
        ["lines", "order"], ["line", "row"]).mark_text(
        align="left", baseline="top", fontSize=FONT_SIZE, limit=CHART_WIDTH).encode(
        x=alt.value(0), y=alt.Y("row:O", axis=None), text="line:N", description="line:N",
    ).properties(width=CHART_WIDTH - 60, height=(FONT_SIZE + 8) * 5, view=alt.ViewBackground(stroke=None),
                 name=readout_name(["community", "lines"]))
    chart = alt.vconcat(heatmap, by_round, text, spacing=12).add_params(*controls, *texts)
    return Explorer(chart, "community_norms_explorer",
                    "Community norms and visibility: simulated contribution by round")
