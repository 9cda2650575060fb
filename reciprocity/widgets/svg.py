"""Tiny SVG charts for widget callbacks.

A widget callback must answer in well under 50 ms. Redrawing a matplotlib
figure costs more than that, so explorers draw their charts as small inline
SVG strings instead: a few microseconds per update, crisp at any zoom, and
readable by screen readers through ``role="img"`` and a ``<title>``.

Examples
--------
>>> svg = bar_chart(["A", "B"], [0.2, 0.3], title="Two rates")
>>> svg.startswith("<svg")
True
"""
from __future__ import annotations

from html import escape
from typing import Callable, Mapping, Sequence

from ..plots import GREY, PALETTE

__all__ = ["bar_chart", "line_chart", "heatmap", "percent"]

WIDTH, HEIGHT = 640, 300
MARGIN = {"left": 64, "right": 20, "top": 34, "bottom": 58}


def percent(value: float, decimals: int = 1) -> str:
    """Format a fraction as a percentage string."""
    return f"{value:.{decimals}%}"


def _open(title: str, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    t = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" aria-label="{t}" '
        'font-family="sans-serif" font-size="13">',
        f"<title>{t}</title>",
        f'<text x="8" y="20" font-weight="bold" font-size="14" fill="#222">{t}</text>',
    ]


def _y_axis(parts: list[str], lo: float, hi: float, fmt: Callable[[float], str],
            ylabel: str, ticks: int = 5, width: int = WIDTH, height: int = HEIGHT) -> Callable[[float], float]:
    top, bottom = MARGIN["top"], height - MARGIN["bottom"]
    span = (hi - lo) or 1.0

    def y(v: float) -> float:
        return bottom - (min(max(v, lo), hi) - lo) / span * (bottom - top)

    for i in range(ticks + 1):
        v = lo + span * i / ticks
        yy = y(v)
        parts.append(f'<line x1="{MARGIN["left"]}" x2="{width - MARGIN["right"]}" y1="{yy:.1f}" '
                     f'y2="{yy:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text x="{MARGIN["left"] - 6}" y="{yy + 4:.1f}" text-anchor="end" '
                     f'fill="{GREY}">{escape(fmt(v))}</text>')
    if ylabel:
        cy = (top + bottom) / 2
        parts.append(f'<text transform="translate(14 {cy:.0f}) rotate(-90)" text-anchor="middle" '
                     f'fill="#333">{escape(ylabel)}</text>')
    return y


def bar_chart(labels: Sequence[str], values: Sequence[float],
              lows: Sequence[float] | None = None, highs: Sequence[float] | None = None, *,
              title: str = "", ylabel: str = "", ymin: float = 0.0, ymax: float | None = None,
              fmt: Callable[[float], str] = percent, colors: Sequence[str] | None = None,
              reference: float | None = None) -> str:
    """Vertical bars with optional interval whiskers and a dashed reference line."""
    n = len(labels)
    if ymax is None:
        top_val = max(list(values) + list(highs or []) + [reference or 0], default=1.0)
        ymax = top_val * 1.15 if top_val > 0 else 1.0
    parts = _open(title)
    y = _y_axis(parts, ymin, ymax, lambda v: fmt(v) if fmt is not percent else percent(v, 0), ylabel)
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    slot = plot_w / max(n, 1)
    bar_w = slot * 0.62
    for i, (label, val) in enumerate(zip(labels, values)):
        x0 = MARGIN["left"] + slot * i + (slot - bar_w) / 2
        color = (colors[i] if colors else PALETTE[i % len(PALETTE)])
        y_top, y_base = y(val), y(ymin)
        parts.append(f'<rect x="{x0:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                     f'height="{max(y_base - y_top, 0):.1f}" fill="{color}"><title>'
                     f'{escape(str(label))}: {escape(fmt(val))}</title></rect>')
        cx = x0 + bar_w / 2
        label_y = y_top
        if lows is not None and highs is not None:
            ylo, yhi = y(lows[i]), y(highs[i])
            parts.append(f'<path d="M{cx:.1f} {ylo:.1f}V{yhi:.1f}M{cx - 6:.1f} {ylo:.1f}h12'
                         f'M{cx - 6:.1f} {yhi:.1f}h12" stroke="#222" stroke-width="1.5"/>')
            label_y = yhi
        parts.append(f'<text x="{cx:.1f}" y="{label_y - 6:.1f}" text-anchor="middle" '
                     f'fill="#222">{escape(fmt(val))}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{HEIGHT - MARGIN["bottom"] + 18}" '
                     f'text-anchor="middle" fill="#222">{escape(str(label))}</text>')
    if reference is not None:
        yr = y(reference)
        parts.append(f'<line x1="{MARGIN["left"]}" x2="{WIDTH - MARGIN["right"]}" y1="{yr:.1f}" '
                     f'y2="{yr:.1f}" stroke="#222" stroke-dasharray="5 4"/>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(x: Sequence[float], series: Mapping[str, Sequence[float]], *, title: str = "",
               xlabel: str = "", ylabel: str = "", ymin: float = 0.0, ymax: float = 1.0,
               fmt: Callable[[float], str] = lambda v: percent(v, 0),
               xfmt: Callable[[float], str] = lambda v: f"{v:g}",
               marker_x: float | None = None) -> str:
    """Lines over a shared x axis, with a legend and an optional vertical marker."""
    parts = _open(title)
    y = _y_axis(parts, ymin, ymax, fmt, ylabel)
    xs = list(x)
    x_lo, x_hi = min(xs), max(xs)
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]

    def sx(v: float) -> float:
        return left + (v - x_lo) / ((x_hi - x_lo) or 1) * (right - left)

    for v in (xs[0], xs[len(xs) // 2], xs[-1]):
        parts.append(f'<text x="{sx(v):.1f}" y="{HEIGHT - MARGIN["bottom"] + 18}" '
                     f'text-anchor="middle" fill="{GREY}">{escape(xfmt(v))}</text>')
    if xlabel:
        parts.append(f'<text x="{(left + right) / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle" '
                     f'fill="#333">{escape(xlabel)}</text>')
    for k, (name, ys) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        dash = ' stroke-dasharray="6 3"' if k % 2 else ""
        points = " ".join(f"{sx(a):.1f},{y(b):.1f}" for a, b in zip(xs, ys))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     f'stroke-width="2.5"{dash}><title>{escape(name)}</title></polyline>')
        ly = MARGIN["top"] + 4 + 18 * k
        parts.append(f'<line x1="{right - 150}" x2="{right - 128}" y1="{ly}" y2="{ly}" '
                     f'stroke="{color}" stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{right - 122}" y="{ly + 4}" fill="#222">{escape(name)}</text>')
    if marker_x is not None:
        mx = sx(marker_x)
        parts.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{MARGIN["top"]}" '
                     f'y2="{HEIGHT - MARGIN["bottom"]}" stroke="#222" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(x_labels: Sequence[str], y_labels: Sequence[str], values: Sequence[Sequence[float]], *,
            title: str = "", xlabel: str = "", ylabel: str = "", vmin: float = 0.0,
            vmax: float = 1.0, fmt: Callable[[float], str] = lambda v: percent(v, 0),
            highlight: tuple[int, int] | None = None) -> str:
    """A grid of coloured cells (rows = ``y_labels``) with values written in them."""
    parts = _open(title)
    left, right = MARGIN["left"] + 30, WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"] + 4, HEIGHT - MARGIN["bottom"]
    cw = (right - left) / max(len(x_labels), 1)
    ch = (bottom - top) / max(len(y_labels), 1)
    span = (vmax - vmin) or 1.0
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            t = min(max((v - vmin) / span, 0.0), 1.0)
            # white -> course blue
            rgb = tuple(round(255 + (b - 255) * t) for b in (0, 114, 178))
            fill = "#%02x%02x%02x" % rgb
            x0, y0 = left + c * cw, top + r * ch
            stroke = ' stroke="#D55E00" stroke-width="3"' if highlight == (r, c) else ' stroke="#fff"'
            parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{cw:.1f}" height="{ch:.1f}" '
                         f'fill="{fill}"{stroke}/>')
            ink = "#fff" if t > 0.55 else "#222"
            parts.append(f'<text x="{x0 + cw / 2:.1f}" y="{y0 + ch / 2 + 4:.1f}" '
                         f'text-anchor="middle" fill="{ink}">{escape(fmt(v))}</text>')
    for c, lab in enumerate(x_labels):
        parts.append(f'<text x="{left + (c + 0.5) * cw:.1f}" y="{bottom + 16}" text-anchor="middle" '
                     f'fill="{GREY}">{escape(str(lab))}</text>')
    for r, lab in enumerate(y_labels):
        parts.append(f'<text x="{left - 6}" y="{top + (r + 0.5) * ch + 4:.1f}" text-anchor="end" '
                     f'fill="{GREY}">{escape(str(lab))}</text>')
    if xlabel:
        parts.append(f'<text x="{(left + right) / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle" '
                     f'fill="#333">{escape(xlabel)}</text>')
    if ylabel:
        parts.append(f'<text transform="translate(14 {(top + bottom) / 2:.0f}) rotate(-90)" '
                     f'text-anchor="middle" fill="#333">{escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)
