"""Closed-form statistics as Vega expressions, for explorers that answer in the browser.

Each function returns Vega-Lite parameters (``alt.param(name=..., expr=...)``)
that derive a quantity from other parameters, so a chart recomputes it when a
control moves. Only quantities with a textbook closed form live here; each
matches a function of :mod:`reciprocity.stats` (statsmodels underneath), and
the browser tests check the two agree to display rounding.

Vega's expression language has ``quantileNormal`` and ``cumulativeNormal``
(the standard normal quantile and distribution functions), ``sqrt``, ``asin``,
``ceil``, ``min`` and ``max``: everything these formulas need.

Examples
--------
>>> [p.name for p in wilson("photo", "13", "50")]
['photo_rate', 'photo_z', 'photo_low', 'photo_high']
"""
from __future__ import annotations

import altair as alt

__all__ = ["signal", "z_value", "wilson", "newcombe", "z_test_p", "sample_size", "points_text",
           "p_text", "p_label", "zero_verdict", "zero_verdict_label", "INCLUDES_ZERO", "EXCLUDES_ZERO",
           "P_FLOOR"]

#: Below this a p-value prints as "p < 0.0001": "p = 0.000" reads as impossible.
P_FLOOR = 0.0001
#: What the explorers say when a difference's interval holds zero, and when it does not.
#: "Includes zero" never means "no effect": the data are compatible with none.
INCLUDES_ZERO = "CI includes 0: compatible with no effect."
EXCLUDES_ZERO = "CI excludes 0: evidence of a difference."


def signal(name: str, expr: str) -> alt.Parameter:
    """A parameter computed from others: ``name = expr`` in the browser."""
    return alt.param(name=name, expr=expr)


def z_value(confidence: float | str = 0.95) -> str:
    """Two-sided normal quantile for a confidence level (a number or an expression)."""
    return f"quantileNormal(1 - (1 - ({confidence})) / 2)"


def wilson(prefix: str, successes: str, trials: str, confidence: float | str = 0.95) -> list[alt.Parameter]:
    """``prefix_rate``, ``prefix_low``, ``prefix_high``: a rate and its Wilson interval.

    Matches :func:`reciprocity.stats.proportion_ci` (statsmodels' ``wilson``).
    ``successes`` and ``trials`` are expressions (parameter names or numbers).
    """
    z = f"{prefix}_z"
    centre = f"(({prefix}_rate) + {z} * {z} / (2 * ({trials}))) / (1 + {z} * {z} / ({trials}))"
    half = (f"{z} / (1 + {z} * {z} / ({trials})) * sqrt(({prefix}_rate) * (1 - ({prefix}_rate)) / ({trials})"
            f" + {z} * {z} / (4 * ({trials}) * ({trials})))")
    return [
        signal(f"{prefix}_rate", f"({successes}) / ({trials})"),
        signal(z, z_value(confidence)),
        # statsmodels clips at 0 and 1; the rate itself is always inside
        signal(f"{prefix}_low", f"min({prefix}_rate, max(0, {centre} - {half}))"),
        signal(f"{prefix}_high", f"max({prefix}_rate, min(1, {centre} + {half}))"),
    ]


def newcombe(prefix: str, a: str, b: str) -> list[alt.Parameter]:
    """``prefix_diff``, ``prefix_low``, ``prefix_high``: B minus A with Newcombe's interval.

    ``a`` and ``b`` are prefixes already given to :func:`wilson` (same
    confidence). Matches the interval of :func:`reciprocity.stats.compare_proportions`
    (statsmodels' ``confint_proportions_2indep(method="newcomb")``).
    """
    return [
        signal(f"{prefix}_diff", f"{b}_rate - {a}_rate"),
        signal(f"{prefix}_low", f"max(-1, {prefix}_diff - sqrt(pow({b}_rate - {b}_low, 2) + "
                                f"pow({a}_high - {a}_rate, 2)))"),
        signal(f"{prefix}_high", f"min(1, {prefix}_diff + sqrt(pow({b}_high - {b}_rate, 2) + "
                                 f"pow({a}_rate - {a}_low, 2)))"),
    ]


def z_test_p(prefix: str, a: tuple[str, str], b: tuple[str, str]) -> list[alt.Parameter]:
    """``prefix_z`` and ``prefix_p``: two-sided pooled z-test of two rates.

    ``a`` and ``b`` are ``(successes, trials)`` expressions. Matches
    ``compare_proportions(...).p_value`` (statsmodels' ``proportions_ztest``),
    including p = 1 when there is no variation at all.
    """
    (ka, na), (kb, nb) = a, b
    pooled = f"(({ka}) + ({kb})) / (({na}) + ({nb}))"
    se = f"sqrt({pooled} * (1 - {pooled}) * (1 / ({na}) + 1 / ({nb})))"
    return [
        signal(f"{prefix}_z", f"{se} > 0 ? (({kb}) / ({nb}) - ({ka}) / ({na})) / {se} : 0"),
        signal(f"{prefix}_p", f"2 * (1 - cumulativeNormal(abs({prefix}_z)))"),
    ]


def sample_size(prefix: str, p_control: str, p_treatment: str, power: float | str = 0.8,
                alpha: float | str = 0.05) -> list[alt.Parameter]:
    """``prefix_h`` and ``prefix_n``: users per arm for a two-sided test (Cohen's h).

    ``prefix_n`` is ``ceil(2 * ((z_{1-alpha/2} + z_power) / h)^2)``, the
    normal-approximation formula that :func:`reciprocity.stats.sample_size`
    solves with statsmodels (which also counts the far tail, a difference far
    below one user for any effect a reader can set). It is 0 when the rates
    are equal (no sample detects a zero effect).
    """
    h = f"abs(2 * asin(sqrt({p_treatment})) - 2 * asin(sqrt({p_control})))"
    return [
        signal(f"{prefix}_h", h),
        signal(f"{prefix}_n", f"{prefix}_h > 0 ? ceil(2 * pow((quantileNormal(1 - ({alpha}) / 2) + "
                              f"quantileNormal({power})) / {prefix}_h, 2) - 1e-9) : 0"),
    ]


def points_text(prefix: str, decimals: int = 1) -> str:
    """Text of a difference and its interval in percentage points, from :func:`newcombe` signals.

    ``points_text("d")`` is an expression giving e.g. ``+20.0 points (+5.6 to +34.1)``
    from ``d_diff``, ``d_low`` and ``d_high`` (proportions).
    """
    def points(name: str) -> str:
        return f"format({prefix}_{name} * 100, '+.{decimals}f')"

    return f"{points('diff')} + ' points (' + {points('low')} + ' to ' + {points('high')} + ')'"


def p_text(p: str) -> str:
    """Text of a p-value (a parameter or expression): ``p = 0.042``, ``p = 0.0004`` or ``p < 0.0001``.

    Three decimals from 0.001 up, four below, and a floor at :data:`P_FLOOR`,
    so a tiny p-value never prints as zero. :func:`p_label` is the same in Python.
    """
    return (f"(({p}) < {P_FLOOR} ? 'p < {P_FLOOR}' : 'p = ' + format({p}, ({p}) < 0.001 ? '.4f' : '.3f'))")


def p_label(p: float) -> str:
    """:func:`p_text` in Python, rounding as d3 does (for parity cases)."""
    from ._d3format import fixed

    if p < P_FLOOR:
        return f"p < {P_FLOOR}"
    return f"p = {fixed(p, 4 if p < 0.001 else 3)}"


def _shown(value: str, decimals: int, scale: float) -> str:
    """A bound as the reader sees it: scaled and rounded half away from zero, like d3's format."""
    factor = f"{scale * 10 ** decimals:g}"
    return (f"(({value}) < 0 ? -round(-({value}) * {factor}) : round(({value}) * {factor}))")


def zero_verdict(low: str, high: str, *, decimals: int = 1, scale: float = 100) -> str:
    """The sentence under a difference's interval: :data:`INCLUDES_ZERO` or :data:`EXCLUDES_ZERO`.

    Decided on the bounds as displayed (``low * scale`` rounded to
    ``decimals``), so the words always agree with the numbers beside them:
    an interval shown as "+0.0 to +4.1" includes zero.
    """
    return (f"({_shown(low, decimals, scale)} > 0 || {_shown(high, decimals, scale)} < 0)"
            f" ? '{EXCLUDES_ZERO}' : '{INCLUDES_ZERO}'")


def zero_verdict_label(low: float, high: float, *, decimals: int = 1, scale: float = 100) -> str:
    """:func:`zero_verdict` in Python (for parity cases)."""
    from ._d3format import fixed

    shown_low, shown_high = (float(fixed(v * scale, decimals)) for v in (low, high))
    return EXCLUDES_ZERO if shown_low > 0 or shown_high < 0 else INCLUDES_ZERO
