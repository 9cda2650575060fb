"""Explorers for insight 5 (social value orientation).

``svo_mix_explorer``: set the mix of prosocials, individualists and competitors
and see how many favours come back, with and without a reason to reciprocate
(simulated expectations from :mod:`reciprocity.simulate.svo`).

``svo_slider_explorer``: answer the six primary items of the SVO slider measure
and see the resulting SVO angle and category.
"""
from __future__ import annotations

import math
from html import escape

import ipywidgets as widgets

from ..plots import GREY, PALETTE
from ..simulate.svo import (
    DEFAULT_RETURN_RATES,
    SLIDER_ITEMS,
    SVO_BOUNDARIES,
    SVO_TYPES,
    classify_svo,
    svo_angle,
)
from .core import Explorer, register

_TYPE_COLOURS = dict(zip(SVO_TYPES, [PALETTE[2], PALETTE[0], PALETTE[3]]))
_CONDITIONS = (("one_off", "One-off gift, no reason to return it"),
               ("future", "Gift with a future benefit for returning it"))


def _stacked_bars(stacks: list[tuple[str, dict[str, float]]], title: str) -> str:
    """Horizontal stacked bars (one per condition) of each type's contribution, 0-100%."""
    width, height, left, right, top = 640, 210, 250, 60, 40
    bar_h, gap = 44, 26
    scale = (width - left - right)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" role="img" aria-label="{escape(title)}" '
             'font-family="sans-serif" font-size="13">', f"<title>{escape(title)}</title>",
             f'<text x="8" y="20" font-weight="bold" font-size="14" fill="#222">{escape(title)}</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{top + 2 * bar_h + gap + 4}" '
                     'stroke="#e3e3e3"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + 2 * bar_h + gap + 20}" text-anchor="middle" '
                     f'fill="{GREY}">{tick:.0%}</text>')
    for row, (label, parts_by_type) in enumerate(stacks):
        y = top + row * (bar_h + gap)
        parts.append(f'<text x="{left - 8}" y="{y + bar_h / 2 + 4:.1f}" text-anchor="end" '
                     f'fill="#222">{escape(label)}</text>')
        x = left
        for kind in SVO_TYPES:
            w = parts_by_type[kind] * scale
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{_TYPE_COLOURS[kind]}"><title>{kind}s: '
                         f'{parts_by_type[kind]:.1%}</title></rect>')
            x += w
        total = sum(parts_by_type.values())
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar_h / 2 + 4:.1f}" font-weight="bold" '
                     f'fill="#222">{total:.0%}</text>')
    ly = height - 12
    for k, kind in enumerate(SVO_TYPES):
        lx = left + k * 130
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{_TYPE_COLOURS[kind]}"/>')
        parts.append(f'<text x="{lx + 16}" y="{ly}" fill="#222">{kind}s</text>')
    parts.append("</svg>")
    return "".join(parts)


@register
def svo_mix_explorer() -> Explorer:
    """Favours returned for a chosen mix of SVO types (simulated expectations).

    The type-specific return probabilities are the illustrative defaults of
    :data:`reciprocity.simulate.svo.DEFAULT_RETURN_RATES`; the sliders set the
    relative weight of each type, rescaled to sum to 100%.
    """
    rates = {k: dict(v) for k, v in DEFAULT_RETURN_RATES.items()}  # looked up in render

    def render(prosocial, individualist, competitor, gifts):
        weights = {"prosocial": prosocial, "individualist": individualist, "competitor": competitor}
        total_w = sum(weights.values())
        if total_w == 0:
            return "<p><strong>Every share is zero.</strong> Give at least one type a positive weight.</p>"
        shares = {k: w / total_w for k, w in weights.items()}
        stacks, totals = [], {}
        for cond, label in _CONDITIONS:
            contrib = {k: shares[k] * rates[k][cond] for k in SVO_TYPES}
            stacks.append((label, contrib))
            totals[cond] = sum(contrib.values())
        chart = _stacked_bars(stacks, "Simulated share of recipients who return a favour")
        gap_ind = shares["individualist"] * (rates["individualist"]["future"] - rates["individualist"]["one_off"])
        gap_all = totals["future"] - totals["one_off"]
        mix_text = ", ".join(f"{shares[k]:.0%} {k}s" for k in SVO_TYPES)
        return (chart +
                f"<p>Population: {mix_text}. Of <b>{gifts:,}</b> gifts, about "
                f"<b>{totals['one_off'] * gifts:,.0f}</b> come back when there is no reason to "
                f"return them and <b>{totals['future'] * gifts:,.0f}</b> when returning them "
                f"pays off later. Individualists account for "
                f"<b>{(gap_ind / gap_all if gap_all > 0 else 0):.0%}</b> of that gap.</p>"
                '<p style="font-size:0.85em;color:#555">Simulated: type return rates are '
                "illustrative assumptions, not published estimates.</p>")

    style = {"description_width": "initial"}
    controls = {
        "prosocial": widgets.IntSlider(value=50, min=0, max=100, step=1, description="Prosocials (weight)",
                                       style=style),
        "individualist": widgets.IntSlider(value=33, min=0, max=100, step=1,
                                           description="Individualists (weight)", style=style),
        "competitor": widgets.IntSlider(value=10, min=0, max=100, step=1,
                                        description="Competitors (weight)", style=style),
        "gifts": widgets.IntSlider(value=100, min=10, max=1000, step=10, description="Gifts sent",
                                   style=style),
    }
    return Explorer(controls, render, title="Who gives back? Population mix and favours returned")


def _svo_circle(self_mean: float, other_mean: float, angle: float, category: str) -> str:
    """The SVO circle: centre (50, 50), category boundaries as rays, the person as a point."""
    size, pad = 300, 36
    span = 100.0  # payoffs 0..100 on both axes, so the circle around (50, 50) fits

    def sx(v):
        return pad + v / span * (size - 2 * pad)

    def sy(v):
        return size - pad - v / span * (size - 2 * pad)

    title = f"SVO angle {angle:.1f}°: {category}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size + 200} {size}" width="100%" '
             f'style="max-width:{size + 200}px" role="img" aria-label="{escape(title)}" '
             'font-family="sans-serif" font-size="12">', f"<title>{escape(title)}</title>"]
    cx, cy = sx(50), sy(50)
    radius = sx(100) - cx
    parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="none" stroke="#ccc"/>')
    parts.append(f'<line x1="{sx(0):.1f}" x2="{sx(100):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" stroke="#999"/>')
    parts.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{sy(0):.1f}" y2="{sy(100):.1f}" stroke="#999"/>')
    for name, deg in SVO_BOUNDARIES.items():
        rad = math.radians(deg)
        x2, y2 = cx + radius * math.cos(rad), cy - radius * math.sin(rad)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     'stroke="#bbb" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x2 + 4:.1f}" y="{y2 + 4:.1f}" fill="{GREY}">{deg:g}°</text>')
    for name, deg in (("altruist", 74), ("prosocial", 40), ("individualist", 5), ("competitor", -40)):
        rad = math.radians(deg)
        parts.append(f'<text x="{cx + 0.72 * radius * math.cos(rad):.1f}" '
                     f'y="{cy - 0.72 * radius * math.sin(rad):.1f}" text-anchor="middle" '
                     f'fill="{GREY}" font-size="11">{name}</text>')
    parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{sx(self_mean):.1f}" y2="{sy(other_mean):.1f}" '
                 f'stroke="{PALETTE[3]}" stroke-width="2.5"/>')
    parts.append(f'<circle cx="{sx(self_mean):.1f}" cy="{sy(other_mean):.1f}" r="6" fill="{PALETTE[3]}"/>')
    parts.append(f'<text x="{size / 2:.0f}" y="{size - 6}" text-anchor="middle" fill="#333">'
                 "mean payoff to you</text>")
    parts.append(f'<text transform="translate(12 {size / 2:.0f}) rotate(-90)" text-anchor="middle" '
                 'fill="#333">mean payoff to the other</text>')
    tx = size + 10
    parts.append(f'<text x="{tx}" y="40" font-weight="bold" font-size="14" fill="#222">'
                 f"{escape(category.capitalize())}</text>")
    parts.append(f'<text x="{tx}" y="62" fill="#222">angle {angle:.1f}°</text>')
    parts.append(f'<text x="{tx}" y="84" fill="#222">you {self_mean:.1f}, other {other_mean:.1f}</text>')
    parts.append(f'<text x="{tx}" y="106" fill="{GREY}">dashed rays: category boundaries</text>')
    parts.append("</svg>")
    return "".join(parts)


@register
def svo_slider_explorer() -> Explorer:
    """The six primary SVO slider items: pick a split on each, see the angle and category."""

    def render(**positions):
        pos = [positions[f"item{i + 1}"] for i in range(len(SLIDER_ITEMS))]
        selves = [SLIDER_ITEMS[i][0][p] for i, p in enumerate(pos)]
        others = [SLIDER_ITEMS[i][1][p] for i, p in enumerate(pos)]
        angle = svo_angle(selves, others)
        category = classify_svo(angle)
        rows = "".join(f"<tr><td>{i + 1}</td><td>{s}</td><td>{o}</td></tr>"
                       for i, (s, o) in enumerate(zip(selves, others)))
        table = ('<table style="font-size:0.85em"><thead><tr><th>Item</th><th>You get</th>'
                 f"<th>Other gets</th></tr></thead><tbody>{rows}</tbody></table>")
        return _svo_circle(sum(selves) / 6, sum(others) / 6, angle, category) + table

    controls = {}
    for i, (item_self, item_other) in enumerate(SLIDER_ITEMS):
        controls[f"item{i + 1}"] = widgets.IntSlider(
            value=4, min=0, max=8, step=1, readout=False,
            description=f"Item {i + 1}: {item_self[0]}/{item_other[0]} → {item_self[-1]}/{item_other[-1]}",
            style={"description_width": "initial"}, layout=widgets.Layout(width="300px"))
    return Explorer(controls, render, title="Measure an SVO angle (slider items of Murphy et al. 2011)")
