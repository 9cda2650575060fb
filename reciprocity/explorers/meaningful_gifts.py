"""Explorer for insight 7 (give meaningful gifts): sign-ups by relevance (simulated).

Simulated experiments have no closed form: the package runs them over the
controls' grid (:func:`~reciprocity.simulate.gifts.content_signup_grid` with
the ``SIGNUP_GRID_*`` settings of that module, seeded), and the chart picks
the chosen one with ``transform_filter``. The rates the model assumes come from
:func:`~reciprocity.simulate.gifts.content_signup_rates`.
"""
from __future__ import annotations

import altair as alt
import numpy as np

from ..book import parameter_defaults
from ..plots import PALETTE
from ..simulate.gifts import (
    RELEVANCE_LEVELS,
    SIGNUP_GRID_READERS,
    SIGNUP_GRID_RUNS,
    SIGNUP_GRID_SEED,
    SIGNUP_GRID_SURPRISES,
    content_signup_grid,
    content_signup_rates,
    simulate_content_signups,
)
from ..stats import compare_proportions, proportion_ci
from . import expr
from .core import CHART_WIDTH, FONT_SIZE, Case, Explorer, readout_name, register, value_text

_LINE = FONT_SIZE + 8  # height of one readout line, as in core.readout

#: How each surprise level of the simulated grid reads in the menu.
NORM_LABELS = {0.0: "At the norm (surprise 0)", 0.3: "A bit better (surprise 0.3)",
               0.7: "Far beyond (surprise 0.7)"}
RELEVANCE_START = {"readers": 10000, "norm": 0.3, "run": 1}


def _experiment_summary(counts) -> dict:
    """Difference between the most and least relevant version, with Newcombe's interval."""
    first, last = counts[0], counts[-1]
    result = compare_proportions(first[1], first[0], last[1], last[0])
    return {"diff": result.difference, "diff_low": result.ci[0], "diff_high": result.ci[1]}


def _relevance_lines(readers, norm, run, rates_expected, summary) -> list[str]:
    low, high = summary["diff_low"], summary["diff_high"]
    return [
        f"Simulated sign-ups: {readers:,} readers, run {run}",
        f"Most vs least relevant: {summary['diff'] * 100:+.1f} points",
        f"95% CI {low * 100:+.1f} to {high * 100:+.1f} points (Newcombe)",
        expr.zero_verdict_label(low, high),
        f"Rates the model assumes: {rates_expected[0]:.1%} to {rates_expected[-1]:.1%}",
        f"Simulated with seed {SIGNUP_GRID_SEED + run}",
    ]


def _relevance_cases() -> list[Case]:
    cases = []
    for readers, norm, run in [(10000, 0.3, 1), (500, 0.0, 1), (40000, 0.7, 5), (2000, 0.3, 3)]:
        frame = simulate_content_signups(readers, relevance=RELEVANCE_LEVELS, surprise=norm,
                                         seed=SIGNUP_GRID_SEED + run)
        counts = [(int((frame.relevance == r).sum()), int(frame.signed_up[frame.relevance == r].sum()))
                  for r in RELEVANCE_LEVELS]
        rates = content_signup_rates(RELEVANCE_LEVELS, surprise=norm)
        lines = _relevance_lines(readers, norm, run, rates, _experiment_summary(counts))
        cases.append(Case({"readers": readers, "norm": norm, "run": run}, lines))
    return cases


def relevance_tables() -> tuple[list[dict], list[dict]]:
    """The embedded data: one row per version and experiment, one row per experiment."""
    grid = content_signup_grid(SIGNUP_GRID_READERS, surprises=SIGNUP_GRID_SURPRISES, runs=SIGNUP_GRID_RUNS,
                               relevance=RELEVANCE_LEVELS, seed=SIGNUP_GRID_SEED)
    expected = {s: content_signup_rates(RELEVANCE_LEVELS, surprise=s) for s in SIGNUP_GRID_SURPRISES}
    arms, experiments = [], []
    for (readers, norm, run), part in grid.groupby(["readers", "surprise", "run"], sort=True):
        counts = list(zip(part["n"].astype(int), part["signed_up"].astype(int), strict=True))
        for level, (n, k), truth in zip(part["relevance"], counts, expected[norm], strict=True):
            low, high = proportion_ci(k, n)
            arms.append({"readers": int(readers), "norm": float(norm), "run": int(run),
                         "relevance": float(level), "n": n, "k": k, "rate": k / n, "low": low,
                         "high": high, "model": float(truth)})
        experiments.append({"readers": int(readers), "norm": float(norm), "run": int(run),
                            **_experiment_summary(counts), "model_low": float(expected[norm][0]),
                            "model_high": float(expected[norm][-1])})
    return arms, experiments


@register(cases=_relevance_cases)
def relevance_explorer() -> Explorer:
    """Simulated sign-ups by relevance of a free resource (insight 7).

    Controls pick one of the simulated experiments the package ran in advance
    (:func:`relevance_tables`): its size, how far the resource beats the norm
    for free content, and which of five seeded runs. The chart shows the
    sign-up rate of each version with a 95% Wilson interval and the model's
    rate; the text gives the most-versus-least relevant difference with
    Newcombe's interval. Intervals are computed in Python with
    :mod:`reciprocity.stats` and embedded with the counts.
    """
    base_rate = parameter_defaults(simulate_content_signups)["base_rate"]  # an irrelevant resource
    arms, experiments = relevance_tables()
    controls = [
        alt.param(name="readers", value=RELEVANCE_START["readers"], bind=alt.binding_select(
            options=list(SIGNUP_GRID_READERS), labels=[f"{n:,}" for n in SIGNUP_GRID_READERS],
            name="Readers ")),
        alt.param(name="norm", value=RELEVANCE_START["norm"], bind=alt.binding_select(
            options=list(SIGNUP_GRID_SURPRISES), labels=[NORM_LABELS[s] for s in SIGNUP_GRID_SURPRISES],
            name="Resource vs the norm ")),
        alt.param(name="run", value=RELEVANCE_START["run"], bind=alt.binding_range(
            min=1, max=SIGNUP_GRID_RUNS, step=1, name="Simulated run ")),
    ]
    texts = [value_text("run", f"'run ' + run + ' of {SIGNUP_GRID_RUNS}'")]
    chosen = "datum.readers == readers && datum.norm == norm && datum.run == run"
    ymax = float(np.ceil(max(a["high"] for a in arms) * 50) / 50)
    base = alt.Chart(alt.Data(values=arms)).transform_filter(chosen).transform_calculate(
        version="format(datum.relevance, '.2f')",
        label="'relevance ' + format(datum.relevance, '.2f') + ': ' + format(datum.rate, '.1%')"
              " + ' (' + format(datum.low, '.1%') + ' to ' + format(datum.high, '.1%') + '), '"
              " + format(datum.k, ',') + ' of ' + format(datum.n, ',')",
    )
    x = alt.X("version:O", title="relevance to the reader's job (0 = none)",
              axis=alt.Axis(labelAngle=0), sort=[f"{r:.2f}" for r in RELEVANCE_LEVELS])
    y = alt.Y("rate:Q", title="signed up (simulated)", scale=alt.Scale(domain=[0, ymax]),
              axis=alt.Axis(format="%", tickCount=5))
    bars = base.mark_bar(color=PALETTE[0], width=34).encode(x=x, y=y, description="label:N")
    intervals = base.mark_rule(color="#222", strokeWidth=2, aria=False).encode(x=x, y="low:Q", y2="high:Q")
    truth = base.mark_tick(color=PALETTE[3], thickness=3, size=40, aria=False).encode(x=x, y="model:Q")
    floor = alt.Chart(alt.Data(values=[{"p": base_rate}])).mark_rule(
        color="#000000", strokeDash=[4, 3], aria=False).encode(y="p:Q")
    plot = (bars + intervals + truth + floor).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title(alt.ExprRef("'Simulated sign-ups: ' + format(readers, ',') + ' readers, run ' + run"),
                        subtitle=["black lines: 95% Wilson; ticks: model rate",
                                  f"dashed: {base_rate:.0%} with no useful resource"]))
    lines = [
        "'Most vs least relevant: ' + format(datum.diff * 100, '+.1f') + ' points'",
        "'95% CI ' + format(datum.diff_low * 100, '+.1f') + ' to ' + format(datum.diff_high * 100, '+.1f')"
        " + ' points (Newcombe)'",
        expr.zero_verdict("datum.diff_low", "datum.diff_high"),
        "'Rates the model assumes: ' + format(datum.model_low, '.1%') + ' to ' + format(datum.model_high, '.1%')",
        f"'Simulated with seed ' + ({SIGNUP_GRID_SEED} + datum.run)",
    ]
    text = _data_readout(alt.Data(values=experiments), chosen, lines)
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *texts)
    return Explorer(chart, "relevance_explorer",
                    "Relevance of a free resource and sign-ups: simulated experiments")


def _data_readout(data: alt.Data, chosen: str, lines: list[str]) -> alt.LayerChart:
    """Like :func:`~reciprocity.explorers.core.readout`, for lines computed from one chosen data row."""
    base = alt.Chart(data).transform_filter(chosen).transform_calculate(
        **{f"line{i}": line for i, line in enumerate(lines)})
    layers = [base.mark_text(align="left", baseline="top", fontSize=FONT_SIZE, limit=CHART_WIDTH).encode(
        x=alt.value(0), y=alt.value(i * _LINE + 4), text=f"line{i}:N", description=f"line{i}:N")
        for i in range(len(lines))]
    return alt.layer(*layers).properties(width=CHART_WIDTH, height=_LINE * len(lines),
                                         view=alt.ViewBackground(stroke=None), name=readout_name(lines))
