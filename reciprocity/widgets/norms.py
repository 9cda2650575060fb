"""Explorer for insight 6: repayment from a personal norm plus social pressure."""
from __future__ import annotations

from typing import Mapping

import ipywidgets as widgets
import numpy as np

from .. import data
from ..simulate.norms import DEFAULT_PERSONAL_NORM, DEFAULT_PRESSURE_RESPONSE, repayment_rate
from .core import Explorer, register
from .svg import line_chart

_STEPS = np.round(np.linspace(0, 1, 21), 2)  # slider grid, step 0.05


def real_floors() -> dict[str, float]:
    """Rates with no audience or no future at stake, from the course's small data sets."""
    fox = data.load("fox_guyer1978")
    legislators = data.load("broockman2013")
    return {
        "Fox & Guyer: anonymous groups, cooperative choices":
            float(fox.loc[fox.condition == "anonymous", "cooperation"].mean() / 120),
        "Broockman: replies to out-of-district senders":
            float(legislators.loc[legislators.treat_out == 1, "responded"].mean()),
    }


@register
def norms_explorer(anchors: Mapping[str, float] | None = None) -> Explorer:
    """Repayment as a personal-norm floor plus a social-pressure part that grows with visibility.

    Simulated (the model of :mod:`reciprocity.simulate.norms`). ``anchors`` are
    real rates observed with no audience or no future, shown for comparison
    with the floor; computed from the Fox & Guyer and Broockman data when omitted.
    """
    anchors = dict(real_floors() if anchors is None else anchors)
    n, r, v = np.meshgrid(_STEPS, _STEPS, _STEPS, indexing="ij")
    grid = repayment_rate(n, r, v)  # grid[i_norm, i_pressure, i_visibility]

    def index(value: float) -> int:
        return int(round(value * 20))

    def render(personal_norm, pressure_response, visibility):
        i, j, k = index(personal_norm), index(pressure_response), index(visibility)
        curve = grid[i, j, :]
        floor = grid[i, j, 0]
        total = curve[k]
        pressure = total - floor
        chart = line_chart(
            _STEPS, {"total repayment": curve, "personal norm alone": np.full_like(curve, floor)},
            title="Simulated repayment as the exchange becomes visible",
            xlabel="visibility (chance the exchange is seen by someone who matters)",
            ylabel="repaid", ymin=0, ymax=1, marker_x=float(_STEPS[k]),
            xfmt=lambda x: f"{x:.0%}")
        share = floor / total if total > 0 else 0.0
        rows = "".join(f"<tr><td>{name}</td><td>{rate:.1%}</td></tr>" for name, rate in anchors.items())
        return (chart +
                f"<p>At visibility {_STEPS[k]:.0%}: <b>{total:.1%}</b> repay, of which "
                f"<b>{floor * 100:.1f}</b> points come from the personal norm and "
                f"<b>{pressure * 100:.1f}</b> from social pressure. In full anonymity "
                f"<b>{share:.0%}</b> of this repayment would remain.</p>"
                '<table style="font-size:0.85em"><thead><tr><th>Real rate with no audience or no '
                f"future (compare with the floor)</th><th>Rate</th></tr></thead><tbody>{rows}</tbody>"
                "</table>")

    style = {"description_width": "initial"}
    controls = {
        "personal_norm": widgets.FloatSlider(value=DEFAULT_PERSONAL_NORM, min=0, max=1, step=0.05,
                                             readout_format=".0%", description="Hold a personal norm",
                                             style=style),
        "pressure_response": widgets.FloatSlider(value=DEFAULT_PRESSURE_RESPONSE, min=0, max=1, step=0.05,
                                                 readout_format=".0%",
                                                 description="Others who repay when seen", style=style),
        "visibility": widgets.FloatSlider(value=1.0, min=0, max=1, step=0.05, readout_format=".0%",
                                          description="Visibility", style=style),
    }
    return Explorer(controls, render, title="Two engines of repayment: personal norm and social pressure")
