"""Explorer for insight 9 (show your face): replies with and without a photo."""
from __future__ import annotations

import ipywidgets as widgets

from ..plots import PALETTE
from ..stats import compare_proportions, proportion_ci, sample_size
from .core import Explorer, register
from .svg import bar_chart

#: The practitioner's cold e-mail test, as reported in the course's source
#: article: positive replies out of e-mails sent, without and with a photo.
PHOTO_TEST = {"without": (3, 50), "with": (13, 50)}


def _sample_size_text(rate_a: float, rate_b: float, power: float = 0.8) -> str:
    """A sentence on the users per arm needed to detect the observed rates."""
    if not (0 < rate_a < 1 and 0 < rate_b < 1) or abs(rate_a - rate_b) < 1e-9:
        return ("A sample size needs two different rates strictly between 0% and 100%; "
                "move a slider to plan the next test.")
    n = sample_size(rate_a, rate_b, power=power)
    return (f"If the true rates were {rate_a:.0%} and {rate_b:.0%}, a test with "
            f"{power:.0%} power at α = 0.05 would need about <b>{n:,} e-mails per arm</b>.")


@register
def photo_reply_explorer(replies_without: int = PHOTO_TEST["without"][0],
                         sent_without: int = PHOTO_TEST["without"][1],
                         replies_with: int = PHOTO_TEST["with"][0],
                         sent_with: int = PHOTO_TEST["with"][1]) -> Explorer:
    """Positive-reply rates with and without a sender photo, with intervals and tests.

    Enter (or replay) the counts of a two-arm outreach test. The panel shows
    each rate with a 95% Wilson interval, the difference with a Newcombe
    interval, Fisher's exact p-value, the relative lift and the sample size a
    test would need to detect the observed rates with 80% power. Counts are
    small, so every number is computed on the fly in a few milliseconds.

    Parameters
    ----------
    replies_without, sent_without, replies_with, sent_with : int
        Starting counts; the defaults are the reported 3 of 50 vs 13 of 50.
    """

    def render(replies_without, sent_without, replies_with, sent_with):
        notes = []
        if replies_without > sent_without:
            notes.append("replies without a photo were capped at the e-mails sent")
            replies_without = sent_without
        if replies_with > sent_with:
            notes.append("replies with a photo were capped at the e-mails sent")
            replies_with = sent_with
        result = compare_proportions(replies_without, sent_without, replies_with, sent_with)
        low_a, high_a = proportion_ci(replies_without, sent_without)
        low_b, high_b = proportion_ci(replies_with, sent_with)
        chart = bar_chart(
            ["no photo", "photo"], [result.rate_a, result.rate_b], [low_a, low_b],
            [high_a, high_b], ymin=0, ymax=min(1.0, max(high_a, high_b) * 1.15 + 0.02),
            title=f"Positive replies: {replies_without}/{sent_without} vs "
                  f"{replies_with}/{sent_with} (95% Wilson intervals)",
            ylabel="positive-reply rate", colors=[PALETTE[7], PALETTE[1]])
        lo, hi = result.ci
        lift = ("undefined (no replies without a photo)" if result.rate_a == 0
                else f"{result.relative_lift:+.0%}")
        verdict = ("The interval for the difference excludes zero." if lo > 0 or hi < 0
                   else "The interval for the difference includes zero: the data cannot "
                        "rule out no effect.")
        text = (
            f"<p>Difference (photo minus no photo): <b>{result.difference:+.1%}</b> "
            f"(95% Newcombe interval {lo:+.1%} to {hi:+.1%}); relative lift {lift}; "
            f"Fisher's exact p = <b>{result.fisher_p_value:.3f}</b>. {verdict}</p>"
            f"<p>{_sample_size_text(result.rate_a, result.rate_b)}</p>"
        )
        if notes:
            text += f"<p><em>Note: {'; '.join(notes)}.</em></p>"
        return chart + text

    style = {"description_width": "initial"}

    def slider(value, minimum, label):
        return widgets.IntSlider(value=value, min=minimum, max=200, description=label,
                                 style=style, continuous_update=False)

    controls = {
        "replies_without": slider(replies_without, 0, "Positive replies, no photo"),
        "sent_without": slider(sent_without, 1, "E-mails sent, no photo"),
        "replies_with": slider(replies_with, 0, "Positive replies, photo"),
        "sent_with": slider(sent_with, 1, "E-mails sent, photo"),
    }
    return Explorer(controls, render, title="Cold e-mail with and without the sender's photo")
