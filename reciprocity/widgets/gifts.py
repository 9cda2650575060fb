"""Explorers for the gift chapters: expected gifts (4), meaningful gifts (7), surprise (8).

All three use the one gift model of :mod:`reciprocity.simulate.gifts`. Each
builder computes its grid of model values (or simulated experiments) once;
the callbacks only index into it and redraw an SVG.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from ..simulate.gifts import DEFAULTS, repayment_probability, simulate_content_signups
from .core import Explorer, register
from .svg import bar_chart, heatmap, line_chart

_STYLE = {"description_width": "initial"}
_STEPS = np.round(np.linspace(0, 1, 21), 2)  # 0, 0.05, ..., 1 for the ch04 sliders


def _index(value: float) -> int:
    return int(round(value * 20))


@register
def expected_gift_explorer(base_rate: float = DEFAULTS["base_rate"]) -> Explorer:
    """Repayment as the gift grows, for a chosen expectation baseline (insight 4).

    Parameters
    ----------
    base_rate : repayment without a gift (the model's default, 10%).
    """
    values = np.array([0.25, 0.5, 0.75, 1.0])
    # grid[v, e, g]: repayment for value v, expected gift e, actual gift g
    surprise = _STEPS[None, :] - _STEPS[:, None]  # rows: expected gift, columns: actual gift
    grid = repayment_probability(values[:, None, None], surprise[None], base_rate=base_rate)
    ymax = float(np.ceil(grid.max() * 20) / 20 + 0.05)

    def render(expected, gift, value):
        v = int(np.argmin(abs(values - value)))
        e, g = _index(expected), _index(gift)
        series = {f"expects {expected:.2f}": grid[v, e], "expects nothing": grid[v, 0]}
        chart = line_chart(_STEPS, series, ymin=0, ymax=ymax, marker_x=float(_STEPS[g]),
                           title="Simulated model: repayment by size of gift",
                           xlabel="size of the gift actually given (0-1)", ylabel="repays",
                           xfmt=lambda x: f"{x:.1f}")
        p = grid[v, e, g]
        s = gift - expected
        verdict = ("a real favour" if s >= 0.3 else "about what they expected" if s > -0.05
                   else "less than they expected: it does not register as a gift")
        return (chart + f"<p>Gift {gift:.2f} against an expectation of {expected:.2f}: surprise "
                f"<b>{s:+.2f}</b>, {verdict}. Simulated repayment <b>{p:.1%}</b> vs "
                f"{base_rate:.1%} with no gift ({p / base_rate:.2f}×). The same gift to someone "
                f"who expected nothing: {grid[v, 0, g]:.1%}.</p>")

    slider = dict(min=0.0, max=1.0, step=0.05, readout_format=".2f", style=_STYLE)
    controls = {
        "expected": widgets.FloatSlider(value=0.6, description="Expected gift", **slider),
        "gift": widgets.FloatSlider(value=0.6, description="Actual gift", **slider),
        "value": widgets.SelectionSlider(options=[(f"{v:.2f}", float(v)) for v in values], value=1.0,
                                         description="Value to their job", style=_STYLE),
    }
    return Explorer(controls, render, title="Expected vs actual gift (simulated gift model)")


_READER_SIZES = [500, 2000, 10000, 40000]
_NORMS = [("at the norm (surprise 0)", 0.0), ("a bit better (surprise 0.3)", 0.3),
          ("far beyond (surprise 0.7)", 0.7)]
_RELEVANCE = (0.0, 0.25, 0.5, 0.75, 1.0)


@register
def relevance_explorer(seed: int = 2016, runs: int = 5) -> Explorer:
    """Simulated sign-ups by relevance of a free resource to the reader's job (insight 7).

    Parameters
    ----------
    seed : seed of the first simulated experiment; run ``k`` uses ``seed + k``.
    runs : how many repeated experiments the "Run" slider offers.
    """
    keys, sizes, hits = [], [], []
    for n in _READER_SIZES:
        for _, surprise in _NORMS:
            for run in range(1, runs + 1):
                df = simulate_content_signups(n, relevance=_RELEVANCE, surprise=surprise,
                                              seed=seed + run)
                arm = np.searchsorted(_RELEVANCE, df["relevance"].to_numpy())
                keys.append((n, surprise, run))
                sizes.append(np.bincount(arm, minlength=len(_RELEVANCE)))
                hits.append(np.bincount(arm, weights=df["signed_up"].to_numpy(),
                                        minlength=len(_RELEVANCE)).astype(int))
    sizes, hits = np.array(sizes), np.array(hits)
    # One vectorised call each: Wilson intervals per bar, Newcombe interval for 1.0 vs 0.0.
    ci_low, ci_high = proportion_confint(hits, sizes, alpha=0.05, method="wilson")
    diff_low, diff_high = confint_proportions_2indep(hits[:, -1], sizes[:, -1], hits[:, 0], sizes[:, 0],
                                                     method="newcomb", compare="diff", alpha=0.05)
    table = {key: (hits[i] / sizes[i], ci_low[i], ci_high[i],
                   hits[i, -1] / sizes[i, -1] - hits[i, 0] / sizes[i, 0], diff_low[i], diff_high[i])
             for i, key in enumerate(keys)}
    true_rates = {s: repayment_probability(np.array(_RELEVANCE), s, base_rate=0.02, ceiling=0.30)
                  for _, s in _NORMS}
    ymax = float(ci_high.max()) * 1.1

    def render(readers, norm, run):
        rates, lows, highs, diff, lo, hi = table[(readers, norm, run)]
        chart = bar_chart([f"{r:.2f}" for r in _RELEVANCE], rates, lows, highs, ymin=0, ymax=ymax,
                          reference=0.02, title=f"Simulated sign-ups, {readers:,} readers, run {run}",
                          ylabel="signed up")
        truth = true_rates[norm]
        return (chart + "<p>Bars: relevance of the free resource to the reader's job (0 = "
                "unrelated, 1 = solves their struggle), with 95% Wilson intervals; dashed line: "
                "the 2% sign-up rate with no useful resource. Most vs least relevant: "
                f"<b>{diff * 100:+.1f} points</b> (95% Newcombe interval {lo * 100:+.1f} to "
                f"{hi * 100:+.1f}). The model's true rates run from {truth[0]:.1%} "
                f"to {truth[-1]:.1%}.</p>")

    controls = {
        "readers": widgets.Dropdown(options=[(f"{n:,}", n) for n in _READER_SIZES], value=10000,
                                    description="Readers", style=_STYLE),
        "norm": widgets.Dropdown(options=_NORMS, value=0.3, description="Resource vs the norm",
                                 style=_STYLE),
        "run": widgets.IntSlider(value=1, min=1, max=runs, description="Run", style=_STYLE),
    }
    return Explorer(controls, render, title="Relevance of a free resource → sign-ups (simulated)")


_SURPRISE_LEVELS = np.round(np.arange(-0.4, 1.01, 0.2), 1)
_VALUE_LEVELS = np.array([1.0, 0.75, 0.5, 0.25, 0.0])  # top row = most valuable
_WEIGHTS = [("none (0)", 0.0), ("moderate (0.75)", 0.75), ("default (1.5)", 1.5),
            ("strong (3)", 3.0)]


@register
def surprise_value_explorer(base_rate: float = DEFAULTS["base_rate"]) -> Explorer:
    """Heatmap of simulated repayment over surprise × value (insight 8).

    Parameters
    ----------
    base_rate : repayment without a gift.
    """
    grids = {w: repayment_probability(_VALUE_LEVELS[:, None], _SURPRISE_LEVELS[None, :],
                                      base_rate=base_rate, surprise_weight=w)
             for _, w in _WEIGHTS}
    top_rate = max(g.max() for g in grids.values())

    def render(weight, show, value, surprise):
        grid = grids[weight]
        r = int(np.argmin(abs(_VALUE_LEVELS - value)))
        c = int(np.argmin(abs(_SURPRISE_LEVELS - surprise)))
        if show == "lift":
            cells, vmin, vmax, fmt = grid / base_rate, 1.0, top_rate / base_rate, (lambda v: f"{v:.2f}×")
        else:
            cells, vmin, vmax, fmt = grid, base_rate, top_rate, (lambda v: f"{v:.0%}")
        chart = heatmap([f"{s:+.1f}" for s in _SURPRISE_LEVELS], [f"{v:.2f}" for v in _VALUE_LEVELS],
                        cells.tolist(), vmin=vmin, vmax=vmax, fmt=fmt, highlight=(r, c),
                        title="Simulated model: repayment by surprise and value",
                        xlabel="surprise (actual − expected gift)", ylabel="value to their job")
        p = grid[r, c]
        at_norm = grid[r, int(np.argmin(abs(_SURPRISE_LEVELS)))]
        return (chart + f"<p>Value {value:.2f}, surprise {surprise:+.1f}: simulated repayment "
                f"<b>{p:.1%}</b>, {p / base_rate:.2f}× the {base_rate:.0%} no-gift rate. The same "
                f"gift delivered exactly as expected: {at_norm:.1%}.</p>")

    controls = {
        "weight": widgets.Dropdown(options=_WEIGHTS, value=1.5, description="Surprise weight",
                                   style=_STYLE),
        "show": widgets.ToggleButtons(options=[("Repayment rate", "rate"), ("Lift over no gift", "lift")],
                                      value="rate", description="Show", style=_STYLE),
        "value": widgets.SelectionSlider(options=[(f"{v:.2f}", float(v)) for v in _VALUE_LEVELS[::-1]],
                                         value=1.0, description="Value", style=_STYLE),
        "surprise": widgets.SelectionSlider(options=[(f"{s:+.1f}", float(s)) for s in _SURPRISE_LEVELS],
                                            value=0.6, description="Surprise", style=_STYLE),
    }
    return Explorer(controls, render, title="Surprise × value (simulated gift model)")
