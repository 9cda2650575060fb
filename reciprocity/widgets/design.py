"""Explorers for the methods primer: power and sample size."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from ..stats import sample_size
from .core import Explorer, register
from .svg import line_chart

_N_GRID = np.unique(np.round(np.geomspace(10, 20000, 120)).astype(int))


@register
def power_calculator(baseline: float = 0.06, treatment: float = 0.12) -> Explorer:
    """Users per arm needed to detect a change in a rate, and the power curve.

    Parameters
    ----------
    baseline, treatment : starting values of the two rates (fractions).
    """
    power_model = NormalIndPower()

    def render(baseline, treatment, power, alpha):
        if abs(treatment - baseline) < 1e-9:
            return ("<p><strong>The two rates are equal.</strong> No sample size can detect a "
                    "zero difference: move one of the sliders.</p>")
        n = sample_size(baseline, treatment, power=power, alpha=alpha)
        effect = abs(proportion_effectsize(treatment, baseline))
        curve = power_model.power(effect, nobs1=_N_GRID, alpha=alpha, ratio=1.0)
        log_n = np.log10(_N_GRID)
        chart = line_chart(log_n, {"power": curve}, ymin=0, ymax=1,
                           title=f"Power to detect {baseline:.0%} → {treatment:.0%}",
                           xlabel="users per arm (log scale)", ylabel="power",
                           xfmt=lambda v: f"{10 ** v:,.0f}", marker_x=float(np.log10(min(max(n, 10), 20000))))
        return (chart + f"<p>To detect <b>{baseline:.0%} → {treatment:.0%}</b> with "
                f"{power:.0%} power at α = {alpha:g} you need about <b>{n:,} users per arm</b> "
                f"({2 * n:,} in total).</p>")

    style = {"description_width": "initial"}
    controls = {
        "baseline": widgets.FloatSlider(value=baseline, min=0.01, max=0.5, step=0.01,
                                        readout_format=".0%", description="Control rate", style=style),
        "treatment": widgets.FloatSlider(value=treatment, min=0.01, max=0.6, step=0.01,
                                         readout_format=".0%", description="Treatment rate", style=style),
        "power": widgets.FloatSlider(value=0.8, min=0.5, max=0.95, step=0.05, readout_format=".0%",
                                     description="Power", style=style),
        "alpha": widgets.Dropdown(options=[0.1, 0.05, 0.01], value=0.05, description="α"),
    }
    return Explorer(controls, render, title="Sample size and power for two rates")
