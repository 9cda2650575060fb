"""Explorer for insight 9 (show your face): replies with and without a photo."""
from __future__ import annotations

import altair as alt

from ..plots import PALETTE
from ..stats import compare_proportions, proportion_ci, sample_size
from . import expr
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: The practitioner's cold e-mail test, as reported in the course's source
#: article: positive replies out of e-mails sent, without and with a photo.
PHOTO_TEST = {"without": (3, 50), "with": (13, 50)}
ARM_COLOURS = {"no photo": PALETTE[7], "photo": PALETTE[1]}
MAX_SENT = 200


def _plan_line(rate_a: float, rate_b: float) -> str:
    """The planning line of the readout, as the browser writes it."""
    if not (0 < rate_a < 1 and 0 < rate_b < 1):
        return "Planning needs two rates between 0% and 100%."
    if rate_a == rate_b:
        return "Equal rates: no test can detect a 0 gap."
    return f"80% power needs about {sample_size(rate_a, rate_b):,} e-mails per arm."


def _cases() -> list[Case]:
    cases = []
    for kw, nw, kp, np_ in [(3, 50, 13, 50), (0, 1, 200, 200), (40, 200, 30, 120), (10, 40, 10, 40),
                            (2, 200, 150, 200)]:
        result = compare_proportions(kw, nw, kp, np_)
        low_w, high_w = proportion_ci(kw, nw)
        low_p, high_p = proportion_ci(kp, np_)
        lo, hi = result.ci
        expect = [f"Positive replies: {kw}/{nw} vs {kp}/{np_}",
                  f"No photo: {result.rate_a:.1%} (95% CI {low_w:.1%} to {high_w:.1%})",
                  f"Photo: {result.rate_b:.1%} (95% CI {low_p:.1%} to {high_p:.1%})",
                  f"Difference: {result.difference * 100:+.1f} points ({lo * 100:+.1f} to {hi * 100:+.1f})",
                  expr.zero_verdict_label(lo, hi),
                  f"z-test {expr.p_label(result.p_value)} (normal approximation)",
                  _plan_line(result.rate_a, result.rate_b),
                  f"replies_without: {kw} of {nw}", f"sent_with: {np_} e-mails"]
        cases.append(Case({"sent_without": nw, "replies_without": kw,
                           "sent_with": np_, "replies_with": kp}, expect))
    # replies above e-mails sent are capped, and the page says so, beside the slider too
    cases.append(Case({"replies_without": 60, "sent_without": 50},
                      ["Positive replies: 50/50 vs 13/50", "Replies above e-mails sent count as sent.",
                       "replies_without: 50 of 50 (capped)"]))
    return cases


@register(cases=_cases)
def photo_reply_explorer() -> Explorer:
    """Positive-reply rates with and without a sender photo, with intervals and a test.

    Four sliders set the counts of a two-arm outreach test (they start at the
    reported 3 of 50 vs 13 of 50). The chart shows each rate with a 95% Wilson
    interval; the text gives the difference with a Newcombe interval, the
    pooled z-test p-value and the e-mails per arm a test would need for 80%
    power. All are closed forms computed in the browser. Fisher's exact
    p-value has none, so the chapter reports it for the real counts instead.
    """
    def slider(name, value, minimum, label):
        return alt.param(name=name, value=value, bind=alt.binding_range(
            min=minimum, max=MAX_SENT, step=1, name=label))

    # e-mails sent come first: a reply count cannot exceed it (larger counts are capped at it)
    controls = [
        slider("sent_without", PHOTO_TEST["without"][1], 1, "E-mails sent, no photo "),
        slider("replies_without", PHOTO_TEST["without"][0], 0, "Positive replies, no photo "),
        slider("sent_with", PHOTO_TEST["with"][1], 1, "E-mails sent, photo "),
        slider("replies_with", PHOTO_TEST["with"][0], 0, "Positive replies, photo "),
    ]
    derived = [
        expr.signal("k_a", "min(replies_without, sent_without)"),
        expr.signal("k_b", "min(replies_with, sent_with)"),
        *expr.wilson("a", "k_a", "sent_without"),
        *expr.wilson("b", "k_b", "sent_with"),
        *expr.newcombe("d", "a", "b"),
        *expr.z_test_p("t", ("k_a", "sent_without"), ("k_b", "sent_with")),
        *expr.sample_size("plan", "a_rate", "b_rate"),
        expr.signal("capped", "replies_without > sent_without || replies_with > sent_with"),
        value_text("sent_without", "sent_without + ' e-mails'"),
        value_text("sent_with", "sent_with + ' e-mails'"),
        value_text("replies_without",
                   "k_a + ' of ' + sent_without + (replies_without > sent_without ? ' (capped)' : '')"),
        value_text("replies_with", "k_b + ' of ' + sent_with + (replies_with > sent_with ? ' (capped)' : '')"),
    ]
    arms = alt.Data(values=[{"arm": "no photo"}, {"arm": "photo"}])
    base = alt.Chart(arms).transform_calculate(
        rate="datum.arm == 'photo' ? b_rate : a_rate",
        low="datum.arm == 'photo' ? b_low : a_low",
        high="datum.arm == 'photo' ? b_high : a_high",
        label="datum.arm + ': ' + format(datum.rate, '.1%') + ' (' + format(datum.low, '.1%')"
              " + ' to ' + format(datum.high, '.1%') + ')'",
    ).encode(x=alt.X("arm:N", title=None, sort=list(ARM_COLOURS), axis=alt.Axis(labelAngle=0)))
    colour = alt.Color("arm:N", legend=None, scale=alt.Scale(domain=list(ARM_COLOURS),
                                                             range=list(ARM_COLOURS.values())))
    bars = base.mark_bar(width=60).encode(
        y=alt.Y("rate:Q", title="positive-reply rate", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=colour, description="label:N")
    intervals = base.mark_rule(strokeWidth=2, color="#222", aria=False).encode(y="low:Q", y2="high:Q")
    plot = (bars + intervals).properties(
        width=CHART_WIDTH, height=220,
        title=alt.Title(alt.ExprRef(
            "'Positive replies: ' + k_a + '/' + sent_without + ' vs ' + k_b + '/' + sent_with"),
            subtitle="bars: rates; lines: 95% Wilson intervals"))
    text = readout([
        "'No photo: ' + format(a_rate, '.1%') + ' (95% CI ' + format(a_low, '.1%') + ' to '"
        " + format(a_high, '.1%') + ')'",
        "'Photo: ' + format(b_rate, '.1%') + ' (95% CI ' + format(b_low, '.1%') + ' to '"
        " + format(b_high, '.1%') + ')'",
        "'Difference: ' + " + expr.points_text("d"),
        expr.zero_verdict("d_low", "d_high"),
        "'z-test ' + " + expr.p_text("t_p") + " + ' (normal approximation)'",
        "a_rate <= 0 || a_rate >= 1 || b_rate <= 0 || b_rate >= 1"
        " ? 'Planning needs two rates between 0% and 100%.'"
        " : a_rate == b_rate ? 'Equal rates: no test can detect a 0 gap.'"
        " : '80% power needs about ' + format(plan_n, ',') + ' e-mails per arm.'",
        "capped ? 'Replies above e-mails sent count as sent.' : ''",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "photo_reply_explorer",
                    "Cold e-mail with and without the sender's photo: rates, intervals and test")
