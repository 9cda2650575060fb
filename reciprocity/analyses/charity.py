"""Franses & Paap (2001): who answers a charity's fundraising letter.

The ``franses_paap2001`` dataset records how earlier donors to a Dutch
charity responded to one mailing: whether they gave (``respond``), how much
(``gift``, guilders) and how often they had answered earlier mailings
(``propresp``). The charity records every gift, nobody received a favour
first, and there is no comparison arm (no group went unmailed and none was
sent a gift), so the response rate is a base rate of giving among past
donors: context for chapter 6, not a measure of reciprocity. This module is
the one home of the numbers the course quotes.

Examples
--------
>>> summary = response_summary()
>>> summary["mailed"] > summary["donors"] > 0
True
"""
from __future__ import annotations

import pandas as pd

from .. import data
from ..stats import proportion_ci, rate_table

__all__ = ["PAST_GIVING_BANDS", "response_summary", "response_by_past_giving"]

#: Bands of the share of earlier mailings a donor had answered.
PAST_GIVING_BANDS = {"up to 25%": (0, 0.25), "25-50%": (0.25, 0.5), "50-75%": (0.5, 0.75),
                     "over 75%": (0.75, 1.0)}


def response_summary(frame: pd.DataFrame | None = None, confidence: float = 0.95) -> dict:
    """Response rate with a Wilson interval, and the size of gifts.

    ``median_gift`` and ``mean_gift`` are taken over the donors only;
    ``mean_gift_mailed`` spreads the same gifts over everyone mailed (a
    non-donor counts as 0), which is what one letter brought in on average.

    Returns
    -------
    dict
        ``mailed``, ``donors``, ``rate``, ``ci_low``, ``ci_high``,
        ``median_gift`` and ``mean_gift`` (guilders, among donors) and
        ``mean_gift_mailed`` (guilders, per person mailed).
    """
    frame = data.load("franses_paap2001") if frame is None else frame
    donors = int(frame["respond"].sum())
    low, high = proportion_ci(donors, len(frame), confidence)
    gifts = frame.loc[frame["respond"] == 1, "gift"]
    return {"mailed": len(frame), "donors": donors, "rate": donors / len(frame),
            "ci_low": float(low), "ci_high": float(high),
            "median_gift": float(gifts.median()), "mean_gift": float(gifts.mean()),
            "mean_gift_mailed": float(gifts.sum() / len(frame))}


def response_by_past_giving(frame: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Response rate by the share of earlier mailings a donor had answered.

    Past response is not randomised: the table describes who gives, it does
    not estimate an effect.

    Returns
    -------
    pandas.DataFrame
        One row per band of :data:`PAST_GIVING_BANDS`: ``past_giving``, ``n``,
        ``successes``, ``rate``, ``ci_low``, ``ci_high``.
    """
    frame = data.load("franses_paap2001") if frame is None else frame
    edges = [0] + [high for _, high in PAST_GIVING_BANDS.values()]
    band = pd.cut(frame["propresp"], edges, labels=list(PAST_GIVING_BANDS))
    return rate_table(frame.assign(past_giving=band), "past_giving", "respond", confidence)
