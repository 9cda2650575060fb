"""Broockman (2013): state legislators answer a constituent more often than an outsider.

The ``broockman2013`` dataset is a field experiment: e-mails asking 5,593
American state legislators for help came from a sender with a distinctively
Black name who either lived in the legislator's district (someone who can vote
for or against them next time) or lived elsewhere. No favour came first and
nothing was repaid: the comparison measures responsiveness under an electoral
incentive, an analogue of interdependence, not a test of reciprocity. This
module is the one home of the numbers the course takes from it (chapters 3, 5,
6 and 12).

Examples
--------
>>> from reciprocity.analyses.broockman import reply_table
>>> table = reply_table(by="legislator")
>>> row = table[(table["group"] == "non-Black legislators") & (table["sender"] == "in district")]
>>> round(float(row["rate"].iloc[0]), 3)
0.561
"""
from __future__ import annotations

import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from .. import data
from ..stats import ProportionComparison, compare_proportions, rate_table

__all__ = ["SENDERS", "GROUPINGS", "reply_table", "interdependence_effect", "sender_comparison"]

#: Sender conditions, with interdependence first.
SENDERS = ("in district", "out of district")

#: Ways to split the legislators: name -> (column, {value: label}).
GROUPINGS = {
    "legislator": ("leg_black", {0: "non-Black legislators", 1: "Black legislators"}),
    "party": ("leg_democrat", {0: "Republicans and others", 1: "Democrats"}),
    "region": ("south", {0: "outside the South", 1: "the South"}),
    "chamber": ("leg_senator", {0: "lower house", 1: "senate"}),
}


def _groups(frame: pd.DataFrame, by: str | None):
    if by is None:
        yield "all legislators", frame
        return
    if by not in GROUPINGS:
        raise ValueError(f"by must be None or one of {sorted(GROUPINGS)}, got {by!r}")
    column, labels = GROUPINGS[by]
    for value, label in labels.items():
        yield label, frame[frame[column] == value]


def _with_sender(frame: pd.DataFrame) -> pd.DataFrame:
    sender = frame["treat_out"].map({0: SENDERS[0], 1: SENDERS[1]})
    return frame.assign(sender=sender)


def reply_table(frame: pd.DataFrame | None = None, by: str | None = "legislator",
                confidence: float = 0.95) -> pd.DataFrame:
    """Reply rates to in-district and out-of-district senders, with Wilson intervals.

    Parameters
    ----------
    frame : the ``broockman2013`` dataset; loaded when omitted.
    by : None, "legislator", "party", "region" or "chamber"
        How to split the legislators (None pools them all).
    confidence : interval coverage.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``sender``, ``n``, ``replies``, ``rate``, ``ci_low``, ``ci_high``.
    """
    frame = data.load("broockman2013") if frame is None else frame
    tables = []
    for label, part in _groups(_with_sender(frame), by):
        table = rate_table(part, "sender", "responded", confidence, order=SENDERS)
        tables.append(table.rename(columns={"successes": "replies"}).assign(group=label))
    out = pd.concat(tables, ignore_index=True)
    return out[["group", "sender", "n", "replies", "rate", "ci_low", "ci_high"]]


def interdependence_effect(frame: pd.DataFrame | None = None, by: str | None = "legislator",
                           confidence: float = 0.95) -> pd.DataFrame:
    """How much more often legislators reply when the sender can vote for them.

    For each group: the two reply rates, their difference (in district minus
    out of district, Newcombe interval, from :func:`reciprocity.stats.compare_proportions`),
    and their ratio with a log-scale interval (statsmodels
    ``confint_proportions_2indep(compare="ratio")``).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n``, ``rate_in``, ``rate_out``, ``difference``, ``diff_low``,
        ``diff_high``, ``ratio``, ``ratio_low``, ``ratio_high``, ``p_value``.

    Examples
    --------
    >>> effect = interdependence_effect(by=None)
    >>> 1.8 < float(effect["ratio"].iloc[0]) < 2.0
    True
    """
    table = reply_table(frame, by, confidence)
    rows = []
    for label, part in table.groupby("group", sort=False):
        cell = part.set_index("sender")
        r_in, n_in = int(cell.loc[SENDERS[0], "replies"]), int(cell.loc[SENDERS[0], "n"])
        r_out, n_out = int(cell.loc[SENDERS[1], "replies"]), int(cell.loc[SENDERS[1], "n"])
        diff = compare_proportions(r_out, n_out, r_in, n_in, confidence)
        low, high = confint_proportions_2indep(r_in, n_in, r_out, n_out, compare="ratio",
                                               method="log", alpha=1 - confidence)
        rows.append({"group": label, "n": n_in + n_out, "rate_in": diff.rate_b,
                     "rate_out": diff.rate_a, "difference": diff.difference,
                     "diff_low": diff.ci[0], "diff_high": diff.ci[1],
                     "ratio": diff.rate_b / diff.rate_a, "ratio_low": float(low),
                     "ratio_high": float(high), "p_value": diff.p_value})
    return pd.DataFrame(rows)


def sender_comparison(group: str = "non-Black legislators", by: str | None = "legislator",
                      frame: pd.DataFrame | None = None, confidence: float = 0.95) -> ProportionComparison:
    """Replies to a constituent (B) against replies to an outsider (A) in one group.

    The output of :func:`reciprocity.stats.compare_proportions`, ready for
    :func:`reciprocity.book.glue_comparison`: ``rate_a`` is the out-of-district
    rate, ``rate_b`` the in-district rate, ``difference`` in minus out.

    Examples
    --------
    >>> result = sender_comparison()
    >>> round(result.rate_a, 3), round(result.rate_b, 3)
    (0.287, 0.561)
    """
    table = reply_table(frame, by, confidence)
    part = table[table["group"] == group].set_index("sender")
    if part.empty:
        raise ValueError(f"group must be one of {sorted(table['group'].unique())}, got {group!r}")
    cell = {s: (int(part.loc[s, "replies"]), int(part.loc[s, "n"])) for s in SENDERS}
    return compare_proportions(*cell[SENDERS[1]], *cell[SENDERS[0]], confidence)
