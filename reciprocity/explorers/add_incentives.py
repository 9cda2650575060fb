"""Explorer for insight 14 (add incentives): take-up by voucher value (Thornton 2008)."""
from __future__ import annotations

import json
from functools import lru_cache

import altair as alt

from ..analyses import thornton as th
from ..book import stable
from ..plots import PALETTE
from ..stats import compare_proportions, proportion_ci
from . import expr
from .core import CHART_WIDTH, SPEC_DIGITS, Case, Explorer, readout, register, value_text

GROUPS = list(th.DISTANCES)
NONE_COLOUR, BAND_COLOUR, PICKED_COLOUR, CURVE_COLOUR = PALETTE[7], PALETTE[5], PALETTE[1], PALETTE[3]


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict]:
    return th.by_distance()


def _money(value: float) -> str:
    return f"${value:.2f}"


def _literal(table) -> str:
    """A nested list of numbers as a Vega expression literal, rounded like embedded data."""
    def rounded(v):
        return stable(float(v), SPEC_DIGITS) if isinstance(v, float) else int(v)
    return json.dumps([[rounded(v) for v in row] for row in table], separators=(",", ":"))


def _band_expr() -> str:
    """Vega expression: index in th.INCENTIVE_BANDS of the band holding ``amount``."""
    text = str(len(th.INCENTIVE_BANDS) - 1)
    for i in range(len(th.INCENTIVE_BANDS) - 2, -1, -1):
        text = f"amount <= {th.INCENTIVE_BANDS[i][1]} + 1e-9 ? {i} : ({text})"
    return text


def expected_lines(amount: float, distance: str) -> list[str]:
    """What the explorer says at these settings, computed with the package.

    Fitted shares are taken at the precision the page embeds (:data:`SPEC_DIGITS`
    significant digits), so a value on a rounding edge reads the same in both.
    """
    table = _tables()[distance]
    curve = table["curve"].map(lambda v: stable(float(v), SPEC_DIGITS))
    bands = table["bands"]
    fit0, row = curve.loc[0.0, "fitted"], curve.loc[round(amount, 1)]
    none = bands.iloc[0]
    low0, high0 = proportion_ci(int(none["learned"]), int(none["n"]))
    lines = [f"{table['n']:,} people, {distance}",
             f"No voucher: {none['rate']:.1%} (95% CI {low0:.1%} to {high0:.1%})"]
    if amount == 0:
        return [*lines, "No voucher, no cost.", "Pick a voucher to compare with none."]
    cost = th.cost_per_extra_person(amount, row["fitted"], fit0)
    lines += [f"Fitted at {_money(amount)}: {row['fitted']:.1%} ({row['ci_low']:.1%} to {row['ci_high']:.1%})",
              f"Paid out per person offered: {_money(amount * row['fitted'])}",
              f"Extra people per 100 offered: {(row['fitted'] - fit0) * 100:+.1f}",
              f"Cost per extra person: {_money(cost)}"]
    band = bands.iloc[th.band_index(amount)]
    result = compare_proportions(int(none["learned"]), int(none["n"]), int(band["learned"]), int(band["n"]))
    lo, hi = result.ci
    lines += [f"Observed {band['band']}: {int(band['learned'])}/{int(band['n'])} = {band['rate']:.1%}",
              f"vs none: {result.difference * 100:+.1f} points ({lo * 100:+.1f} to {hi * 100:+.1f})"]
    return lines


def _cases() -> list[Case]:
    cases = []
    for amount, distance in [(1.0, "everyone"), (0.0, "everyone"), (2.8, "more than 1.5 km"),
                             (0.1, "everyone"), (2.0, "everyone"), (0.5, "within 1.5 km"),
                             (1.5, "more than 1.5 km")]:
        cases.append(Case({"amount": amount, "distance": distance}, expected_lines(amount, distance)))
    return cases


@register(cases=_cases)
def incentive_dose_explorer() -> Explorer:
    """How the value of a cash voucher changes the share who learn their HIV result.

    Two controls: the voucher value (0 to 2.80 US dollars) and a group of
    people by distance to the results centre. The chart shows the curve a
    logistic regression fits to the Thornton (2008) data (with its 95% band)
    and the observed share per voucher band (Wilson intervals), the band
    holding the chosen value highlighted. Fitted curves, their bands and the
    band counts come from :mod:`reciprocity.analyses.thornton`, precomputed
    for each group and picked in the browser; the Wilson and Newcombe
    intervals of the observed counts and the cost per extra person
    (value × fitted share ÷ extra share: only people who come back are paid)
    are computed in the browser.
    """
    tables = _tables()
    curve_rows, band_rows = [], []
    for group in GROUPS:
        curve, bands = tables[group]["curve"], tables[group]["bands"]
        for amount, row in curve.iterrows():
            curve_rows.append({"distance": group, "amount": float(amount), "fitted": float(row["fitted"]),
                               "low": float(row["ci_low"]), "high": float(row["ci_high"])})
        for i, row in bands.iterrows():
            band_rows.append({"distance": group, "index": int(i), "band": row["band"],
                              "x": float(row["mean_amount"]), "rate": float(row["rate"]),
                              "low": float(row["ci_low"]), "high": float(row["ci_high"]),
                              "n": int(row["n"]), "learned": int(row["learned"])})

    def per_group(column):
        return [tables[g]["curve"][column].tolist() for g in GROUPS]

    def band_counts(column):
        return [tables[g]["bands"][column].tolist() for g in GROUPS]

    controls = [
        alt.param(name="amount", value=1.0, bind=alt.binding_range(
            min=0, max=th.AMOUNTS[-1], step=0.1, name="Voucher value (US$) ")),
        alt.param(name="distance", value="everyone", bind=alt.binding_select(
            options=GROUPS, name="Distance to the results centre ")),
    ]
    derived = [
        value_text("amount", "amount > 0 ? format(amount, '$.2f') : 'none ($0)'"),
        expr.signal("g", f"max(0, indexof({json.dumps(GROUPS)}, distance))"),
        expr.signal("a_i", "round(amount * 10)"),
        expr.signal("band_i", _band_expr()),
        expr.signal("group_n", f"{json.dumps([tables[g]['n'] for g in GROUPS])}[g]"),
        expr.signal("fit", f"{_literal(per_group('fitted'))}[g][a_i]"),
        expr.signal("fit_low", f"{_literal(per_group('ci_low'))}[g][a_i]"),
        expr.signal("fit_high", f"{_literal(per_group('ci_high'))}[g][a_i]"),
        expr.signal("fit0", f"{_literal(per_group('fitted'))}[g][0]"),
        expr.signal("extra", "fit - fit0"),
        expr.signal("cost", "amount > 0 && extra > 0 ? amount * fit / extra : 0"),
        expr.signal("none_k", f"{_literal(band_counts('learned'))}[g][0]"),
        expr.signal("none_n", f"{_literal(band_counts('n'))}[g][0]"),
        expr.signal("band_k", f"{_literal(band_counts('learned'))}[g][band_i]"),
        expr.signal("band_n", f"{_literal(band_counts('n'))}[g][band_i]"),
        expr.signal("band_label", f"{json.dumps([b[2] for b in th.INCENTIVE_BANDS])}[band_i]"),
        *expr.wilson("none", "none_k", "none_n"),
        *expr.wilson("band", "band_k", "band_n"),
        *expr.newcombe("gap", "none", "band"),
    ]

    x = alt.X("amount:Q", title="voucher value (US dollars)", scale=alt.Scale(domain=[0, 2.9], nice=False),
              axis=alt.Axis(values=[0, 0.5, 1, 1.5, 2, 2.5],
              labelExpr="'$' + format(datum.value, datum.value % 1 ? '.2f' : '.0f')"))
    y = alt.Y("fitted:Q", title="learned their HIV result", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%"))
    curve = alt.Chart(alt.Data(values=curve_rows)).transform_filter("datum.distance == distance")
    paid = curve.transform_filter("datum.amount > 0")
    band = paid.mark_area(opacity=0.25, color=CURVE_COLOUR, aria=False).encode(x=x, y=alt.Y("low:Q"), y2="high:Q")
    line = paid.transform_calculate(
        label="'fitted share: ' + format(datum.fitted, '.0%') + ' at $0.10 to ' + format(fit, '.0%')"
              " + ' at ' + format(amount, '$.2f')",
    ).mark_line(color=CURVE_COLOUR, strokeWidth=2).encode(x=x, y=y, description="label:N")
    nothing = curve.transform_filter("datum.amount == 0").transform_calculate(
        label="'no voucher: ' + format(datum.fitted, '.1%') + ', ' + distance",
    ).mark_rule(color=NONE_COLOUR, strokeDash=[4, 3]).encode(y="fitted:Q", description="label:N")
    picked = curve.transform_filter("abs(datum.amount - amount) < 0.001").transform_calculate(
        label="'at ' + format(datum.amount, '$.2f') + ': fitted ' + format(datum.fitted, '.1%')",
    )
    marker = picked.mark_rule(color=CURVE_COLOUR, strokeWidth=1, aria=False).encode(x=x)
    dot = picked.mark_point(filled=True, size=120, color=CURVE_COLOUR, shape="diamond").encode(
        x=x, y=y, description="label:N")

    observed = alt.Chart(alt.Data(values=band_rows)).transform_filter(
        "datum.distance == distance").transform_calculate(
        colour=f"datum.index == band_i ? '{PICKED_COLOUR}' : datum.index == 0 ? '{NONE_COLOUR}' : '{BAND_COLOUR}'",
        label="'observed ' + datum.band + ': ' + format(datum.rate, '.1%') + ' of ' + datum.n"
              " + (datum.index == band_i ? ' (chosen band)' : '')",
    )
    ox = alt.X("x:Q")
    bars = observed.mark_rule(strokeWidth=2, aria=False).encode(
        x=ox, y="low:Q", y2="high:Q", color=alt.Color("colour:N", scale=None))
    points = observed.mark_point(filled=True, size=60, opacity=1).encode(
        x=ox, y="rate:Q", color=alt.Color("colour:N", scale=None), description="label:N")

    plot = alt.layer(band, nothing, line, bars, points, marker, dot).properties(
        width=CHART_WIDTH, height=230,
        title=alt.Title(alt.ExprRef("'Learned their result: ' + distance"),
                        subtitle=["line: fitted share (95% band);",
                                  "dots: observed by voucher band (95% CI)"]))
    text = readout([
        "format(group_n, ',') + ' people, ' + distance",
        "'No voucher: ' + format(none_rate, '.1%') + ' (95% CI ' + format(none_low, '.1%') + ' to '"
        " + format(none_high, '.1%') + ')'",
        "amount > 0 ? 'Fitted at ' + format(amount, '$.2f') + ': ' + format(fit, '.1%') + ' ('"
        " + format(fit_low, '.1%') + ' to ' + format(fit_high, '.1%') + ')' : 'No voucher, no cost.'",
        "amount > 0 ? 'Paid out per person offered: ' + format(amount * fit, '$.2f') : ''",
        "amount > 0 ? 'Extra people per 100 offered: ' + format(extra * 100, '+.1f') : ''",
        "amount > 0 ? (extra > 0 ? 'Cost per extra person: ' + format(cost, '$.2f')"
        " : 'No extra people: no cost per person.') : ''",
        "amount > 0 ? 'Observed ' + band_label + ': ' + band_k + '/' + band_n + ' = '"
        " + format(band_rate, '.1%') : 'Pick a voucher to compare with none.'",
        "amount > 0 ? 'vs none: ' + " + expr.points_text("gap") + " : ''",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "incentive_dose_explorer",
                    "Voucher value and the share who learn their HIV result (Thornton 2008)")
