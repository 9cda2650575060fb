"""Explorer for insight 1: when does a gift still pull, and when do arguments take over?"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import PALETTE
from ..simulate.deliberation import compliance_probability, elaboration
from .core import Explorer, register
from .svg import bar_chart, line_chart

#: Slider grids; the explorer precomputes the model on all of them.
_UNIT = np.round(np.linspace(0, 1, 11), 1)
_CUES = np.round(np.arange(0, 2.01, 0.25), 2)


def compliance_grid() -> np.ndarray:
    """Model compliance on the slider grid.

    Axes: involvement, distraction, argument quality, gift-cue weight,
    gift (0 = none, 1 = gift first).
    """
    inv, dis, qual = np.meshgrid(_UNIT, _UNIT, _UNIT, indexing="ij")
    return np.stack([
        np.stack([compliance_probability(inv, dis, qual, gift, cue_weight=float(cue))
                  for gift in (0, 1)], axis=-1)
        for cue in _CUES], axis=3)


@register
def deliberation_explorer() -> Explorer:
    """Compliance with and without a gift first, under the dual-route model (simulated)."""
    grid = compliance_grid()

    def index(value: float, axis: np.ndarray) -> int:
        return int(np.abs(axis - value).argmin())

    def render(involvement, distraction, quality, cue):
        i, d, q, c = (index(involvement, _UNIT), index(distraction, _UNIT),
                      index(quality, _UNIT), index(cue, _CUES))
        without, with_gift = grid[i, d, q, c]
        e = float(elaboration(_UNIT[i], _UNIT[d]))
        bars = bar_chart(["No gift", "Gift first"], [without, with_gift], ymin=0, ymax=1,
                         title="Model compliance with the request (simulated)",
                         ylabel="says yes", colors=[PALETTE[0], PALETTE[1]])
        curve = line_chart(_UNIT, {"no gift": grid[:, d, q, c, 0],
                                   "gift first": grid[:, d, q, c, 1]},
                           title="Across involvement, at this distraction and quality",
                           xlabel="involvement", ylabel="says yes", ymin=0, ymax=1,
                           marker_x=float(_UNIT[i]))
        gap = with_gift - without
        route = ("mostly the shortcut (peripheral) route" if e < 0.35 else
                 "mostly the careful (central) route" if e > 0.65 else "a mix of both routes")
        return (bars + curve +
                f"<p>Elaboration = involvement × (1 − distraction) = <b>{e:.2f}</b>: "
                f"{route}. The gift cue keeps <b>{1 - e:.0%}</b> of its pull and the "
                f"arguments get <b>{e:.0%}</b> of theirs. The gift changes compliance by "
                f"<b>{gap * 100:+.1f} points</b> ({without:.0%} → {with_gift:.0%}).</p>")

    style = {"description_width": "initial"}

    def slider(value, description, axis, fmt=".1f"):
        return widgets.FloatSlider(value=value, min=float(axis[0]), max=float(axis[-1]),
                                   step=float(axis[1] - axis[0]), readout_format=fmt,
                                   description=description, style=style,
                                   continuous_update=True)

    controls = {
        "involvement": slider(0.8, "Involvement (motivation)", _UNIT),
        "distraction": slider(0.1, "Distraction", _UNIT),
        "quality": slider(0.5, "Argument quality", _UNIT),
        "cue": slider(1.0, "Gift cue strength (log-odds)", _CUES, ".2f"),
    }
    return Explorer(controls, render,
                    title="Gift or arguments? A dual-route model of compliance (simulated)")
