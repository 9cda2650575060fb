"""Levin & Isen (1975): a found coin and a stranger's lost letter (insight 4).

A study of mood and helping, not of reciprocity. As the authors report it, a
good mood was induced by letting people find a dime in the coin return of a
public telephone; a sealed, addressed letter, apparently lost, lay at the
phone, and the outcome is whether they mailed it. Nobody gave the coin, so
mailing the letter repays no one, and the study varied neither how expected
the coin was nor how large: chapter 4 uses it only as an *analogue* (a small
windfall goes with more helping). The dataset ships with the course
(``data.load("levin_isen1975")``, 42 people). This module computes, once,
what chapter 4 quotes from it: the mailing rate in each group with a Wilson
interval, the coin-versus-no-coin comparison (Newcombe interval, Fisher's
exact test), both also as text a reader can take in (percentages, percentage
points, a p-value in decimals), and the split by whether the letter carried
a stamp.

Examples
--------
>>> from reciprocity.analyses import levin_isen
>>> table = levin_isen.mailing_table()
>>> table["found_coin"].tolist()
['no_coin', 'coin']
>>> int(table["n"].sum())
42
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .. import data, stats

__all__ = ["DATASET", "ARMS", "ARM_LABELS", "letters", "mailing_table", "mailing_summary",
           "coin_effect", "coin_effect_text", "format_p", "by_stamp", "stamp_summary"]

DATASET = "levin_isen1975"
#: The two groups, control first (``compare_proportions`` reports coin minus no coin).
ARMS = ("no_coin", "coin")
ARM_LABELS = {"no_coin": "No coin found", "coin": "Found a coin"}


@functools.cache
def _letters() -> pd.DataFrame:
    frame = data.load(DATASET)
    return frame.assign(mailed=(frame["mailed_letter"] == "yes").astype(int))


def letters() -> pd.DataFrame:
    """One row per person: ``stamped``, ``found_coin``, ``gender``, ``mailed_letter`` and ``mailed`` (0/1)."""
    return _letters().copy()


def mailing_table() -> pd.DataFrame:
    """Share who mailed the letter in each group (no coin first), with 95% Wilson intervals.

    Columns are those of :func:`reciprocity.stats.rate_table`: ``found_coin``,
    ``n``, ``successes``, ``rate``, ``ci_low``, ``ci_high``.
    """
    return stats.rate_table(_letters(), "found_coin", "mailed", order=list(ARMS))


def mailing_summary() -> pd.DataFrame:
    """:func:`mailing_table` as a reader reads it: counts, and rates as whole percentages.

    >>> mailing_summary()["mailed"].tolist()
    ['22%', '89%']
    """
    table = mailing_table()
    return pd.DataFrame({
        "group": [ARM_LABELS[arm] for arm in table["found_coin"]],
        "people": table["n"].astype(int).to_numpy(),
        "mailed the letter": table["successes"].astype(int).to_numpy(),
        "mailed": [f"{r:.0%}" for r in table["rate"]],
        "95% Wilson interval": [f"{lo:.0%} to {hi:.0%}"
                                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)],
    })


def coin_effect() -> stats.ProportionComparison:
    """Coin minus no coin: difference, Newcombe interval, z-test and Fisher's exact p."""
    table = mailing_table().set_index("found_coin")
    control, coin = (table.loc[arm] for arm in ARMS)
    return stats.compare_proportions(int(control["successes"]), int(control["n"]),
                                     int(coin["successes"]), int(coin["n"]))


def format_p(p: float) -> str:
    """A p-value in plain decimals with two significant digits: ``0.000012``, not ``1.21e-05``.

    >>> format_p(1.212878122e-05), format_p(0.0122), format_p(0.5)
    ('0.000012', '0.012', '0.5')
    """
    return np.format_float_positional(float(p), precision=2, fractional=False, trim="-")


def coin_effect_text() -> str:
    """The coin comparison in a reader's units: rates in percent, the difference in percentage points.

    >>> print(coin_effect_text())  # doctest: +NORMALIZE_WHITESPACE
    Mailed the letter: 22% with no coin, 89% after finding a coin.
    Difference: +67.7 percentage points (95% Newcombe interval +38.7 to +82.0 points).
    Fisher's exact test: p = 0.000012.
    """
    effect = coin_effect()
    low, high = effect.ci
    return (f"Mailed the letter: {effect.rate_a:.0%} with no coin, {effect.rate_b:.0%} after finding a coin.\n"
            f"Difference: {100 * effect.difference:+.1f} percentage points "
            f"(95% Newcombe interval {100 * low:+.1f} to {100 * high:+.1f} points).\n"
            f"Fisher's exact test: p = {format_p(effect.fisher_p_value)}.")


def by_stamp() -> pd.DataFrame:
    """People and share who mailed, by stamp on the letter and coin (cells of 8 to 13 people)."""
    return (_letters().groupby(["stamped", "found_coin"])["mailed"]
            .agg(people="size", mailed="mean"))


def stamp_summary() -> pd.DataFrame:
    """:func:`by_stamp` with the share who mailed as a whole percentage (``'91%'``) and readable labels.

    >>> stamp_summary()["mailed"].tolist()
    ['88%', '10%', '91%', '31%']
    """
    cells = by_stamp().reset_index()
    return pd.DataFrame({
        "letter stamped": cells["stamped"].to_numpy(),
        "group": [ARM_LABELS[arm] for arm in cells["found_coin"]],
        "people": cells["people"].astype(int).to_numpy(),
        "mailed": [f"{r:.0%}" for r in cells["mailed"]],
    })
