"""Kalist (2004): one choice, for real money, on the game show *Friend or Foe?*.

Two contestants who built a cash pot together each choose, once and in
secret, to share it ("friend") or to try to take all of it ("foe"), and never
meet again. The ``kalist2004`` dataset records the choices; this module is
the one home of the shares the course quotes (chapter 3).

Examples
--------
>>> from reciprocity.analyses.kalist import friend_shares
>>> int(friend_shares(by=None)["n"].iloc[0]) > 0
True
"""
from __future__ import annotations

import pandas as pd

from .. import data
from ..stats import rate_table

__all__ = ["friend_shares"]


def friend_shares(frame: pd.DataFrame | None = None, by: str | None = "pot",
                  confidence: float = 0.95) -> pd.DataFrame:
    """Share of *Friend or Foe?* contestants who chose to share, with Wilson intervals.

    Parameters
    ----------
    frame : the ``kalist2004`` dataset; loaded when omitted.
    by : None, "pot", "round", "season" or "sex"
        "pot" splits the pots into thirds (small, medium, large) by size.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n``, ``friends``, ``rate``, ``ci_low``, ``ci_high``, and
        for ``by="pot"`` the smallest and largest pot in each third
        (``pot_min``, ``pot_max``, thousands of dollars).
    """
    frame = data.load("kalist2004") if frame is None else frame
    work = frame.assign(friend=(frame["play"] == "friend").astype(int))
    order = None
    if by is None:
        work = work.assign(group="all contestants")
    elif by == "pot":
        order = ["small pot", "medium pot", "large pot"]
        work = work.assign(group=pd.qcut(work["cash"], 3, labels=order).astype(str))
    elif by in {"round", "season", "sex"}:
        labels = work[by].astype(str)
        work = work.assign(group=(f"{by} " + labels) if by != "sex" else labels)
    else:
        raise ValueError(f"by must be None, 'pot', 'round', 'season' or 'sex', got {by!r}")
    table = rate_table(work, "group", "friend", confidence, order=order)
    table = table.rename(columns={"successes": "friends"})
    if by == "pot":
        span = work.groupby("group")["cash"].agg(pot_min="min", pot_max="max")
        table = table.join(span, on="group")
    return table
