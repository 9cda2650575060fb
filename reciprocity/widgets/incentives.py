"""Explorer for insight 14 (add incentives): take-up by incentive size (Thornton 2008)."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from .. import data
from ..plots import PALETTE
from ..stats import proportion_ci
from .core import Explorer, register
from .svg import bar_chart, line_chart

#: Incentive bands in US dollars (right-closed), as labels for the observed rates.
INCENTIVE_BANDS = [(-0.01, 0.0, "$0"), (0.0, 0.2, "≤$0.20"), (0.2, 0.5, "$0.20-0.50"),
                   (0.5, 1.0, "$0.50-1"), (1.0, 1.5, "$1-1.50"), (1.5, 2.0, "$1.50-2"),
                   (2.0, 3.0, "$2-3")]

#: Slider values (US dollars) at which the fitted curve is stored.
AMOUNTS = tuple(float(v) for v in np.round(np.arange(0, 2.81, 0.1), 1))

#: Subsets of people by distance to the results centre (km).
DISTANCES = {"everyone": (0.0, np.inf), "within 1.5 km": (0.0, 1.5),
             "more than 1.5 km": (1.5, np.inf)}


def incentive_sample(frame: pd.DataFrame) -> pd.DataFrame:
    """People with a known outcome and a known assignment (``got``, ``any``, ``tinc``)."""
    return frame.dropna(subset=["got", "any", "tinc"]).reset_index(drop=True)


def incentive_bands(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Share who learned their result per incentive band, with Wilson intervals.

    Columns: ``band``, ``n``, ``learned``, ``rate``, ``ci_low``, ``ci_high``.
    """
    rows = []
    for lo, hi, label in INCENTIVE_BANDS:
        part = frame.loc[(frame["tinc"] > lo) & (frame["tinc"] <= hi), "got"]
        n, k = len(part), int(part.sum())
        low, high = proportion_ci(k, n, confidence) if n else (np.nan, np.nan)
        rows.append({"band": label, "n": n, "learned": k, "rate": k / n if n else np.nan,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def dose_response(frame: pd.DataFrame, amounts=AMOUNTS) -> pd.DataFrame:
    """Fitted take-up by incentive amount, with a 95% confidence band.

    A logistic regression of ``got`` on ``any`` (the jump from nothing to
    something) and a quadratic in ``tinc`` (diminishing returns to size).

    Columns: ``amount``, ``fitted``, ``ci_low``, ``ci_high``.
    """
    model = smf.logit("got ~ any + tinc + I(tinc ** 2)", data=frame).fit(disp=0)
    grid = pd.DataFrame({"tinc": list(amounts)})
    grid["any"] = (grid["tinc"] > 0).astype(float)
    pred = model.get_prediction(grid).summary_frame(alpha=0.05)
    return pd.DataFrame({"amount": grid["tinc"], "fitted": pred["predicted"].to_numpy(),
                         "ci_low": pred["ci_lower"].to_numpy(),
                         "ci_high": pred["ci_upper"].to_numpy()})


@register
def incentive_dose_explorer(frame: pd.DataFrame | None = None) -> Explorer:
    """How the size of a cash incentive changes the share who learn their HIV result.

    Parameters
    ----------
    frame : the ``thornton2008`` dataset; loaded when omitted.
    """
    sample = incentive_sample(data.load("thornton2008") if frame is None else frame)
    tables = {}
    for name, (lo, hi) in DISTANCES.items():
        part = sample[(sample["distvct"] >= lo) & (sample["distvct"] < hi)] if name != "everyone" \
            else sample
        tables[name] = (dose_response(part).set_index("amount"), incentive_bands(part), len(part))

    def render(amount, distance):
        amount = round(amount, 1)
        curve, bands, n = tables[distance]
        p0, row = curve.loc[0.0, "fitted"], curve.loc[amount]
        band = next(i for i, (lo, hi, _) in enumerate(INCENTIVE_BANDS) if lo < amount <= hi)
        colours = [PALETTE[1] if i == band else PALETTE[5] for i in range(len(bands))]
        line = line_chart(
            list(curve.index), {"fitted take-up": curve["fitted"].to_numpy(),
                                "no incentive": np.full(len(curve), p0)},
            title=f"Fitted share who learned their result ({distance})",
            xlabel="incentive (US dollars)", ylabel="learned result", ymin=0, ymax=1,
            xfmt=lambda v: f"${v:.2f}", marker_x=amount)
        bars = bar_chart(bands["band"].tolist(), bands["rate"].tolist(),
                         bands["ci_low"].tolist(), bands["ci_high"].tolist(), ymin=0, ymax=1,
                         title="Observed share by incentive band (95% Wilson intervals)",
                         colors=colours)
        extra = row["fitted"] - p0
        if amount > 0 and extra > 0:
            cost = f"about <b>${amount / extra:.2f}</b> per extra person who learns the result"
        else:
            cost = "no incentive, no cost"
        return (line + bars +
                f"<p>{n:,} people ({distance}). At <b>${amount:.2f}</b> the fitted share is "
                f"<b>{row['fitted']:.1%}</b> (95% band {row['ci_low']:.1%} to "
                f"{row['ci_high']:.1%}) against {p0:.1%} with nothing: "
                f"{extra * 100:+.1f} people per 100, {cost}.</p>")

    style = {"description_width": "initial"}
    controls = {
        "amount": widgets.FloatSlider(value=1.0, min=0.0, max=AMOUNTS[-1], step=0.1,
                                      description="Incentive (US$)", readout_format=".2f",
                                      style=style, continuous_update=False),
        "distance": widgets.Dropdown(options=list(DISTANCES), value="everyone",
                                     description="Distance to centre", style=style),
    }
    return Explorer(controls, render, title="Incentive size and take-up (Thornton 2008)")
