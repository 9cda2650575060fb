"""Fox & Guyer (1978): cooperation in public and anonymous groups.

Twenty four-person, single-sex groups played 30 rounds of an n-person
prisoner's dilemma, so each group made 120 choices. In ten groups every
choice was made public to the group, in the other ten choices stayed
anonymous (with sex, a 2 x 2 design). The shipped ``fox_guyer1978`` dataset
has one row per group with its count of cooperative choices out of 120.
Chapters 2 and 6 quote the same shares, means and tests; they are computed here.

Examples
--------
>>> from reciprocity.analyses import fox_guyer
>>> summary = fox_guyer.condition_summary()
>>> int(summary.loc["anonymous", "groups"]), round(float(summary.loc["public", "mean"]), 3)
(10, 0.464)
"""
from __future__ import annotations

import pandas as pd

from .. import data

__all__ = ["PLAYERS", "ROUNDS", "CHOICES_PER_GROUP", "CONDITIONS", "load", "group_shares",
           "condition_summary", "welch_test"]

#: Members of each group.
PLAYERS = 4
#: Rounds each group played.
ROUNDS = 30
#: Choices each group made (players x rounds): a group's share of cooperative
#: choices is its ``cooperation`` count divided by this.
CHOICES_PER_GROUP = PLAYERS * ROUNDS
#: The two conditions, with the anonymous one first (the baseline).
CONDITIONS = ["anonymous", "public"]


def load() -> pd.DataFrame:
    """The ``fox_guyer1978`` dataset plus ``share``: cooperative choices / :data:`CHOICES_PER_GROUP`."""
    frame = data.load("fox_guyer1978")
    return frame.assign(share=frame["cooperation"] / CHOICES_PER_GROUP)


def group_shares(condition: str | None = None) -> pd.Series:
    """Each group's share of cooperative choices, for one condition or all groups."""
    frame = load()
    if condition is None:
        return frame["share"]
    if condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
    return frame.loc[frame["condition"] == condition, "share"].reset_index(drop=True)


def condition_summary(confidence: float = 0.95) -> pd.DataFrame:
    """Per condition: ``groups``, ``mean``, ``min``, ``max`` share and a t interval for the mean.

    Indexed by condition (:data:`CONDITIONS` order); the interval columns are
    ``ci_low`` and ``ci_high`` (Student's t with ``groups - 1`` degrees of freedom).
    """
    from scipy import stats as sps

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    rows = {}
    for condition in CONDITIONS:
        shares = group_shares(condition)
        low, high = sps.t.interval(confidence, len(shares) - 1, loc=shares.mean(),
                                   scale=sps.sem(shares))
        rows[condition] = {"groups": len(shares), "mean": float(shares.mean()),
                           "min": float(shares.min()), "max": float(shares.max()),
                           "ci_low": float(low), "ci_high": float(high)}
    table = pd.DataFrame.from_dict(rows, orient="index")
    return table.astype({"groups": int})


def welch_test():
    """Welch's t-test of public against anonymous group shares (scipy's result: ``statistic``, ``pvalue``)."""
    from scipy import stats as sps

    return sps.ttest_ind(group_shares("public"), group_shares("anonymous"), equal_var=False)
