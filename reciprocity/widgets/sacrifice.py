"""Explorer for insight 13: disclosed effort, credibility and sign-ups (simulated model)."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..simulate.sacrifice import DEFAULT_MAX_RELATIVE_LIFT, perceived_sacrifice, signup_probability
from .core import Explorer, register
from .svg import line_chart

_HOURS = np.arange(0, 101, 5)                      # slider grid
_CRED = np.round(np.linspace(0, 1, 11), 1)
_BASE = np.round(np.arange(0.01, 0.101, 0.01), 2)


@register
def sacrifice_explorer() -> Explorer:
    """Sign-up rate as a function of the hours disclosed, for a chosen credibility and base rate.

    Simulated: the model of :mod:`reciprocity.simulate.sacrifice`, whose defaults
    agree with the effort arm of the content-test simulation.
    """
    h, c = np.meshgrid(_HOURS, _CRED, indexing="ij")
    rates = np.stack([signup_probability(h, c, base_rate=float(b)) for b in _BASE],
                     axis=-1)                           # rates[i_hours, i_cred, i_base]
    felt = perceived_sacrifice(h, c)                    # felt[i_hours, i_cred]

    def render(hours, credibility, base_rate):
        i = int(hours // 5)
        j = int(round(credibility * 10))
        k = int(round(base_rate * 100)) - 1
        ymax = float(rates[:, -1, k].max()) * 1.25
        chart = line_chart(
            _HOURS, {f"credibility {_CRED[j]:.0%}": rates[:, j, k],
                     "fully credible": rates[:, -1, k],
                     "not believed": rates[:, 0, k]},
            title="Simulated sign-up rate by hours of effort disclosed",
            xlabel="hours of effort disclosed in the banner", ylabel="sign-up rate",
            ymin=0, ymax=ymax, fmt=lambda v: f"{v:.1%}", marker_x=float(_HOURS[i]))
        rate = rates[i, j, k]
        base = rates[0, j, k]
        return (chart +
                f"<p>Disclosing <b>{_HOURS[i]} hours</b> at credibility <b>{_CRED[j]:.0%}</b>: perceived "
                f"sacrifice {felt[i, j]:.2f} (0 to 1), sign-up rate <b>{rate:.2%}</b> against "
                f"{base:.2%} with no banner, a relative lift of <b>{rate / base - 1:+.0%}</b> "
                f"(at most {DEFAULT_MAX_RELATIVE_LIFT:.0%} in this model).</p>")

    style = {"description_width": "initial"}
    controls = {
        "hours": widgets.IntSlider(value=50, min=0, max=100, step=5, description="Hours disclosed",
                                   style=style),
        "credibility": widgets.FloatSlider(value=0.7, min=0, max=1, step=0.1, readout_format=".0%",
                                           description="Credibility", style=style),
        "base_rate": widgets.FloatSlider(value=0.04, min=0.01, max=0.10, step=0.01, readout_format=".0%",
                                         description="Sign-up rate without banner", style=style),
    }
    return Explorer(controls, render, title="Show the sacrifice: effort disclosed and sign-ups")
