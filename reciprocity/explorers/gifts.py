"""Explorers for the gift chapters: expected gifts (4), meaningful gifts (7), surprise (8).

All three rest on the one gift model of :mod:`reciprocity.simulate.gifts`.
Its repayment curve is a closed form, so chapters 4 and 8 compute it in the
browser as a Vega expression. Chapter 7 shows simulated experiments, which
have no closed form: the package runs them over the controls' grid
(:func:`~reciprocity.simulate.gifts.content_signup_grid`, seeded), and the
chart picks the chosen one with ``transform_filter``.
"""
from __future__ import annotations

import altair as alt
import numpy as np

from ..book import parameter_defaults
from ..plots import PALETTE
from ..simulate.gifts import (DEFAULTS, content_signup_grid, delivered_value, repayment_probability,
                              simulate_content_signups)
from ..stats import compare_proportions, proportion_ci
from . import expr
from .core import CHART_WIDTH, FONT_SIZE, Case, Explorer, readout, readout_name, register, value_text

_LINE = FONT_SIZE + 8  # height of one readout line, as in core.readout


def repayment_expr(value: str, surprise: str, *, base_rate: float = DEFAULTS["base_rate"],
                   ceiling: float = DEFAULTS["ceiling"], surprise_weight: float | str = DEFAULTS["surprise_weight"],
                   expected_credit: float = DEFAULTS["expected_credit"],
                   strength: float = DEFAULTS["strength"]) -> str:
    """:func:`~reciprocity.simulate.gifts.repayment_probability` as a Vega expression.

    ``value``, ``surprise`` and ``surprise_weight`` may be expressions
    (parameter names, ``datum.x``); the other model constants are numbers.
    """
    def num(x):  # a number as the spec stores it (10 significant digits), or an expression
        return f"{x:.10g}" if isinstance(x, float) else str(x)

    obligation = f"({value}) * max(0, {num(expected_credit)} + ({num(surprise_weight)}) * ({surprise}))"
    return (f"({num(base_rate)} + ({num(ceiling)} - {num(base_rate)})"
            f" * (1 - exp(-{num(strength)} * {obligation})))")


# ---------------------------------------------------------------- insight 4

_GIFT_STEP = 0.05
_VALUES = (0.25, 0.5, 0.75, 1.0)
EXPECTED_START = {"expected": 0.6, "gift": 0.6, "value": 1.0}


def _verdict(surprise: float) -> str:
    """How the gift compares with the expectation: a description of the inputs, not a finding."""
    if surprise >= 0.3:
        return "Well above what they expected"
    if surprise > -0.05:
        return "About what they expected"
    return "Below expectation: no credit (assumed)"


def _expected_lines(expected: float, gift: float, value: float) -> list[str]:
    """The readout at these settings, from the simulator's own functions."""
    base = DEFAULTS["base_rate"]
    surprise = gift - expected
    delivered = delivered_value(value, gift)  # a gift of size 0 is no gift
    p = repayment_probability(delivered, surprise)
    fresh = repayment_probability(delivered, gift)
    return [f"Gift {gift:.2f} vs expected {expected:.2f}: surprise {surprise:+.2f}",
            "No gift at all: nothing to repay" if gift == 0 else _verdict(surprise),
            f"Model repayment {p:.1%} vs {base:.1%} with no gift",
            f"That is {p / base:.2f}× the no-gift rate",
            f"Same gift, expecting nothing: {fresh:.1%}",
            f"Gift model (assumed): value {value:.2f}"]


def _expected_cases() -> list[Case]:
    return [Case({"expected": expected, "gift": gift, "value": value}, _expected_lines(expected, gift, value))
            for expected, gift, value in [(0.6, 0.6, 1.0), (0.0, 1.0, 1.0), (1.0, 0.0, 0.25),
                                          (0.1, 0.6, 0.75), (0.6, 0.9, 0.5), (0.0, 0.0, 0.25),
                                          (0.0, 0.0, 1.0), (0.0, 0.05, 1.0)]]


@register(cases=_expected_cases)
def expected_gift_explorer() -> Explorer:
    """Model repayment as the gift grows, for a chosen expectation baseline (insight 4).

    Sliders set the gift the recipient expects, the gift actually given and
    its value to their job. The chart draws the gift model's repayment
    across gift sizes for this recipient and for one who expected nothing
    (a gift of size 0 is no gift: the no-gift rate, as in the simulator);
    the text gives the surprise, the repayment against the no-gift rate and
    the same gift to someone who expected nothing. All of it is the model's
    closed form, computed in the browser.
    """
    base = DEFAULTS["base_rate"]
    slider = dict(min=0, max=1, step=_GIFT_STEP)
    controls = [
        alt.param(name="expected", value=EXPECTED_START["expected"],
                  bind=alt.binding_range(name="Expected gift ", **slider)),
        alt.param(name="gift", value=EXPECTED_START["gift"],
                  bind=alt.binding_range(name="Actual gift ", **slider)),
        alt.param(name="value", value=EXPECTED_START["value"],
                  bind=alt.binding_range(min=_VALUES[0], max=_VALUES[-1], step=0.25,
                                         name="Value to their job ")),
    ]
    derived = [
        alt.param(name="surprise", expr="gift - expected"),
        # delivered_value: a gift of size 0 is no gift, whatever its value
        alt.param(name="delivered", expr="gift > 0 ? value : 0"),
        alt.param(name="p_here", expr=repayment_expr("delivered", "surprise")),
        alt.param(name="p_fresh", expr=repayment_expr("delivered", "gift")),
        value_text("expected", "format(expected, '.2f')"),
        value_text("gift", "gift > 0 ? format(gift, '.2f') : '0 (no gift)'"),
        value_text("value", "format(value, '.2f')"),
    ]
    series = {"your recipient": PALETTE[1], "expects nothing": PALETTE[7]}
    sizes = np.round(np.arange(0, 1 + _GIFT_STEP / 2, _GIFT_STEP), 2)
    rows = [{"size": float(g), "who": who} for who in series for g in sizes]
    curves = alt.Chart(alt.Data(values=rows)).transform_calculate(
        p=repayment_expr("datum.size > 0 ? value : 0",
                         "datum.size - (datum.who == 'expects nothing' ? 0 : expected)"))
    x = alt.X("size:Q", title="size of the gift given (0-1)", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1], format=".1f"))
    ymax = float(np.ceil(repayment_probability(1.0, 1.0) * 20) / 20)
    y = alt.Y("p:Q", title="chance of repaying (model)", scale=alt.Scale(domain=[0, ymax]),
              axis=alt.Axis(format="%", tickCount=4))
    colour = alt.Color("who:N", title=None, scale=alt.Scale(domain=list(series), range=list(series.values())),
                       legend=alt.Legend(orient="top-left", fillColor="white", padding=4,
                                         symbolType="stroke", symbolStrokeWidth=2))
    dash = alt.StrokeDash("who:N", title=None, scale=alt.Scale(domain=list(series), range=[[1, 0], [5, 3]]))
    lines = curves.mark_line(strokeWidth=2, aria=False).encode(x=x, y=y, color=colour, strokeDash=dash)
    dots = curves.transform_filter("abs(datum.size - gift) < 1e-6").transform_calculate(
        label="datum.who + ', gift ' + format(datum.size, '.2f') + ': ' + format(datum.p, '.1%')",
    ).mark_point(filled=True, size=70).encode(x=x, y=y, color=colour, description="label:N")
    floor = alt.Chart(alt.Data(values=[{"p": base}])).mark_rule(color="#888", strokeDash=[2, 2],
                                                               aria=False).encode(y="p:Q")
    plot = (floor + lines + dots).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title("Gift model: repayment by size of gift",
                        subtitle=f"dotted: {base:.0%} with no gift; dots: your gift"))
    text = readout([
        "'Gift ' + format(gift, '.2f') + ' vs expected ' + format(expected, '.2f')"
        " + ': surprise ' + format(surprise, '+.2f')",
        "gift == 0 ? 'No gift at all: nothing to repay'"
        " : surprise >= 0.3 ? 'Well above what they expected' : surprise > -0.05 ? 'About what they expected'"
        " : 'Below expectation: no credit (assumed)'",
        f"'Model repayment ' + format(p_here, '.1%') + ' vs {base:.1%} with no gift'",
        f"'That is ' + format(p_here / {base}, '.2f') + '× the no-gift rate'",
        "'Same gift, expecting nothing: ' + format(p_fresh, '.1%')",
        "'Gift model (assumed): value ' + format(value, '.2f')",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "expected_gift_explorer",
                    "Expected versus actual gift: repayment in the gift model")


# ---------------------------------------------------------------- insight 7

READER_SIZES = (500, 2000, 10000, 40000)
NORMS = {0.0: "At the norm (surprise 0)", 0.3: "A bit better (surprise 0.3)",
         0.7: "Far beyond (surprise 0.7)"}
RELEVANCE = (0.0, 0.25, 0.5, 0.75, 1.0)
RUNS = 5
#: Run ``k`` of the explorer is the simulation with seed ``SEED + k``.
SEED = 2016
RELEVANCE_START = {"readers": 10000, "norm": 0.3, "run": 1}


def _signup_model() -> dict:
    """The sign-up simulator's defaults: its stated assumptions."""
    keys = ("base_rate", "ceiling", "expected_credit", "surprise_weight", "strength", "heterogeneity")
    defaults = parameter_defaults(simulate_content_signups)
    return {k: defaults[k] for k in keys}


def expected_signup_rates(surprise: float, relevance=RELEVANCE) -> np.ndarray:
    """The model's sign-up rate per version, averaged over readers' spread in value.

    A reader's value is ``relevance * U(1 - h, 1 + h)`` capped at 1; the mean
    of :func:`repayment_probability` over that spread (midpoint rule, 2,000
    points) is what a very large experiment would find.
    """
    model = _signup_model()
    h = model.pop("heterogeneity")
    u = 1 - h + 2 * h * (np.arange(2000) + 0.5) / 2000
    values = np.clip(np.asarray(relevance, dtype=float)[:, None] * u[None, :], 0, 1)
    return repayment_probability(values, surprise, **model).mean(axis=1)


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
        f"Simulated with seed {SEED + run}",
    ]


def _relevance_cases() -> list[Case]:
    cases = []
    for readers, norm, run in [(10000, 0.3, 1), (500, 0.0, 1), (40000, 0.7, 5), (2000, 0.3, 3)]:
        frame = simulate_content_signups(readers, relevance=RELEVANCE, surprise=norm, seed=SEED + run)
        counts = [(int((frame.relevance == r).sum()), int(frame.signed_up[frame.relevance == r].sum()))
                  for r in RELEVANCE]
        lines = _relevance_lines(readers, norm, run, expected_signup_rates(norm), _experiment_summary(counts))
        cases.append(Case({"readers": readers, "norm": norm, "run": run}, lines))
    return cases


def relevance_tables() -> tuple[list[dict], list[dict]]:
    """The embedded data: one row per version and experiment, one row per experiment."""
    grid = content_signup_grid(READER_SIZES, surprises=list(NORMS), runs=RUNS, relevance=RELEVANCE,
                               seed=SEED)
    expected = {s: expected_signup_rates(s) for s in NORMS}
    arms, experiments = [], []
    for (readers, norm, run), part in grid.groupby(["readers", "surprise", "run"], sort=True):
        counts = list(zip(part["n"].astype(int), part["signed_up"].astype(int)))
        for level, (n, k), truth in zip(part["relevance"], counts, expected[norm]):
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
    model = _signup_model()
    arms, experiments = relevance_tables()
    controls = [
        alt.param(name="readers", value=RELEVANCE_START["readers"], bind=alt.binding_select(
            options=list(READER_SIZES), labels=[f"{n:,}" for n in READER_SIZES], name="Readers ")),
        alt.param(name="norm", value=RELEVANCE_START["norm"], bind=alt.binding_select(
            options=list(NORMS), labels=list(NORMS.values()), name="Resource vs the norm ")),
        alt.param(name="run", value=RELEVANCE_START["run"], bind=alt.binding_range(
            min=1, max=RUNS, step=1, name="Simulated run ")),
    ]
    texts = [value_text("run", f"'run ' + run + ' of {RUNS}'")]
    chosen = "datum.readers == readers && datum.norm == norm && datum.run == run"
    ymax = float(np.ceil(max(a["high"] for a in arms) * 50) / 50)
    base = alt.Chart(alt.Data(values=arms)).transform_filter(chosen).transform_calculate(
        version="format(datum.relevance, '.2f')",
        label="'relevance ' + format(datum.relevance, '.2f') + ': ' + format(datum.rate, '.1%')"
              " + ' (' + format(datum.low, '.1%') + ' to ' + format(datum.high, '.1%') + '), '"
              " + format(datum.k, ',') + ' of ' + format(datum.n, ',')",
    )
    x = alt.X("version:O", title="relevance to the reader's job (0 = none)",
              axis=alt.Axis(labelAngle=0), sort=[f"{r:.2f}" for r in RELEVANCE])
    y = alt.Y("rate:Q", title="signed up (simulated)", scale=alt.Scale(domain=[0, ymax]),
              axis=alt.Axis(format="%", tickCount=5))
    bars = base.mark_bar(color=PALETTE[0], width=34).encode(x=x, y=y, description="label:N")
    intervals = base.mark_rule(color="#222", strokeWidth=2, aria=False).encode(x=x, y="low:Q", y2="high:Q")
    truth = base.mark_tick(color=PALETTE[3], thickness=3, size=40, aria=False).encode(x=x, y="model:Q")
    floor = alt.Chart(alt.Data(values=[{"p": model["base_rate"]}])).mark_rule(
        color="#000000", strokeDash=[4, 3], aria=False).encode(y="p:Q")
    plot = (bars + intervals + truth + floor).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title(alt.ExprRef("'Simulated sign-ups: ' + format(readers, ',') + ' readers, run ' + run"),
                        subtitle=["black lines: 95% Wilson; ticks: model rate",
                                  f"dashed: {model['base_rate']:.0%} with no useful resource"]))
    lines = [
        "'Most vs least relevant: ' + format(datum.diff * 100, '+.1f') + ' points'",
        "'95% CI ' + format(datum.diff_low * 100, '+.1f') + ' to ' + format(datum.diff_high * 100, '+.1f')"
        " + ' points (Newcombe)'",
        expr.zero_verdict("datum.diff_low", "datum.diff_high"),
        "'Rates the model assumes: ' + format(datum.model_low, '.1%') + ' to ' + format(datum.model_high, '.1%')",
        f"'Simulated with seed ' + ({SEED} + datum.run)",
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


# ---------------------------------------------------------------- insight 8

SURPRISE_LEVELS = tuple(float(s) for s in np.round(np.arange(-0.4, 1.01, 0.2), 1))
VALUE_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
WEIGHTS = {0.0: "None (0)", 0.75: "Moderate (0.75)", 1.5: "Default (1.5)", 3.0: "Strong (3)"}
SURPRISE_START = {"weight": DEFAULTS["surprise_weight"], "show": "rate", "value": 1.0, "surprise": 0.6}


def _surprise_cases() -> list[Case]:
    base = DEFAULTS["base_rate"]
    cases = []
    for weight, show, value, surprise in [(1.5, "rate", 1.0, 0.6), (0.0, "lift", 0.0, -0.4),
                                          (3.0, "rate", 1.0, 1.0), (0.75, "lift", 0.5, 0.2),
                                          (1.5, "rate", 0.25, -0.4)]:
        p = repayment_probability(value, surprise, surprise_weight=weight)
        at_norm = repayment_probability(value, 0.0, surprise_weight=weight)
        cell = f"{p:.0%}" if show == "rate" else f"{p / base:.1f}×"
        cases.append(Case({"weight": weight, "show": show, "value": value, "surprise": surprise}, [
            f"Value {value:.2f}, surprise {surprise:+.1f}: {p:.1%}",
            f"That is {p / base:.2f}× the {base:.0%} no-gift rate",
            f"Same gift, as expected: {at_norm:.1%}",
            f"Surprise weight {weight:g} (assumed)",
            cell,
        ]))
    return cases


@register(cases=_surprise_cases)
def surprise_value_explorer() -> Explorer:
    """Heatmap of model repayment over surprise × value (insight 8).

    A menu sets the model's surprise weight, a toggle shows each cell as a
    rate or as a multiple of the no-gift rate, and two sliders pick a cell
    whose numbers the text reads out. Every cell is the model's closed form,
    computed in the browser.
    """
    base = DEFAULTS["base_rate"]
    top = float(repayment_probability(1.0, max(SURPRISE_LEVELS), surprise_weight=max(WEIGHTS)))
    controls = [
        alt.param(name="weight", value=SURPRISE_START["weight"], bind=alt.binding_select(
            options=list(WEIGHTS), labels=list(WEIGHTS.values()), name="Surprise weight ")),
        alt.param(name="show", value=SURPRISE_START["show"], bind=alt.binding_radio(
            options=["rate", "lift"], labels=["Repayment rate", "Lift over no gift"], name="Show ")),
        alt.param(name="value", value=SURPRISE_START["value"], bind=alt.binding_range(
            min=0, max=1, step=0.25, name="Value to their job ")),
        alt.param(name="surprise", value=SURPRISE_START["surprise"], bind=alt.binding_range(
            min=SURPRISE_LEVELS[0], max=SURPRISE_LEVELS[-1], step=0.2, name="Surprise ")),
    ]
    derived = [
        alt.param(name="p_cell", expr=repayment_expr("value", "surprise", surprise_weight="weight")),
        alt.param(name="p_norm", expr=repayment_expr("value", "0", surprise_weight="weight")),
        value_text("value", "format(value, '.2f')"),
        value_text("surprise", "format(surprise, '+.1f')"),
    ]
    rows = [{"value": v, "surprise": s} for v in VALUE_LEVELS for s in SURPRISE_LEVELS]
    cells = alt.Chart(alt.Data(values=rows)).transform_calculate(
        p=repayment_expr("datum.value", "datum.surprise", surprise_weight="weight"),
    ).transform_calculate(
        shade=f"(datum.p - {base}) / ({top:.6g} - {base})",
        shown=f"show == 'lift' ? format(datum.p / {base}, '.1f') + '×' : format(datum.p, '.0%')",
        col="format(datum.surprise, '+.1f')",
        row="format(datum.value, '.2f')",
        chosen="abs(datum.value - value) < 1e-6 && abs(datum.surprise - surprise) < 1e-6",
        label="'value ' + datum.row + ', surprise ' + datum.col + ': ' + datum.shown",
    )
    x = alt.X("surprise:O", title="surprise (actual − expected gift)",
              axis=alt.Axis(labelAngle=0, labelExpr="format(datum.value, '+.1f')"))
    y = alt.Y("value:O", title="value to their job", sort="descending",
              axis=alt.Axis(labelExpr="format(datum.value, '.2f')"))
    heat = cells.mark_rect().encode(
        x=x, y=y, description="label:N",
        color=alt.Color("shade:Q", legend=None, scale=alt.Scale(domain=[0, 1], scheme="blues")),
        stroke=alt.condition("datum.chosen", alt.value("#D55E00"), alt.value(None)),
        strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(0)),
    )
    labels = cells.mark_text(fontSize=FONT_SIZE, aria=False).encode(
        x=x, y=y, text="shown:N",
        color=alt.condition("datum.shade > 0.5", alt.value("white"), alt.value("black")))
    plot = (heat + labels).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title(alt.ExprRef("show == 'lift' ? 'Gift model: repayment ÷ no-gift rate'"
                                    " : 'Gift model: chance of repaying'"),
                        subtitle="by surprise (columns) and value (rows)"))
    text = readout([
        "'Value ' + format(value, '.2f') + ', surprise ' + format(surprise, '+.1f') + ': '"
        " + format(p_cell, '.1%')",
        f"'That is ' + format(p_cell / {base}, '.2f') + '× the {base:.0%} no-gift rate'",
        "'Same gift, as expected: ' + format(p_norm, '.1%')",
        "'Surprise weight ' + weight + ' (assumed)'",
        "'Gift model: assumed, not measured'",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "surprise_value_explorer",
                    "Surprise × value: repayment in the gift model")
