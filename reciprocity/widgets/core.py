"""The shared shape of every explorer: controls, a chart, a readout, a note.

An :class:`Explorer` is an ``ipywidgets.VBox`` whose callback only looks up
precomputed numbers and redraws an SVG chart (see :mod:`reciprocity.widgets.svg`),
so each update answers in well under 50 ms.

Builders register themselves with :func:`register`, which lets the tests and
the benchmark find every explorer and drive each control to its extremes.
"""
from __future__ import annotations

from typing import Callable, Mapping

import ipywidgets as widgets

__all__ = ["Explorer", "register", "BUILDERS", "LIVE_NOTE", "control_values"]

#: Shown under every explorer: in the static book the controls cannot run Python.
LIVE_NOTE = (
    '<p class="reciprocity-live-note" style="font-size:0.85em;color:#555;margin:4px 0 0">'
    "Static preview: the controls answer when this page runs with a Python kernel. "
    "Use the rocket button at the top of the page to open it in Binder or Colab, "
    "or start Live Code.</p>"
)

#: name -> zero-argument builder; filled by :func:`register`.
BUILDERS: dict[str, Callable[[], "Explorer"]] = {}


def register(builder: Callable[..., "Explorer"]) -> Callable[..., "Explorer"]:
    """Record a builder (callable with no arguments) so tests and benchmarks find it."""
    BUILDERS[builder.__name__] = builder
    return builder


class Explorer(widgets.VBox):
    """Controls plus an HTML panel redrawn by ``render(**values)`` on every change.

    Parameters
    ----------
    controls : mapping of keyword -> ipywidgets control
        Each control's ``value`` is passed to ``render`` under its keyword.
    render : callable
        Returns the HTML (usually an SVG chart and a sentence) for the values.
    title : str
        A heading shown above the controls.
    """

    def __init__(self, controls: Mapping[str, widgets.ValueWidget],
                 render: Callable[..., str], title: str = "", **kwargs):
        self.controls = dict(controls)
        self._render = render
        self.panel = widgets.HTML(layout=widgets.Layout(width="100%"))
        header = [widgets.HTML(f"<strong>{title}</strong>")] if title else []
        control_box = widgets.Box(
            list(self.controls.values()),
            layout=widgets.Layout(display="flex", flex_flow="row wrap"),
        )
        control_box.add_class("reciprocity-controls")  # spacing in book/_static/course.css
        super().__init__(header + [control_box, self.panel, widgets.HTML(LIVE_NOTE)], **kwargs)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict:
        """Current value of every control, by keyword."""
        return {key: control.value for key, control in self.controls.items()}

    def refresh(self) -> None:
        """Redraw the panel for the current control values."""
        self.panel.value = self._render(**self.values())

    def _on_change(self, change) -> None:
        self.refresh()


def control_values(control: widgets.ValueWidget) -> list:
    """The extreme and representative values a control can take (for sweeps).

    Sliders give their minimum, maximum and midpoint (both ends for range
    sliders); selections give every option; checkboxes give both states.
    """
    if isinstance(control, (widgets.IntRangeSlider, widgets.FloatRangeSlider)):
        lo, hi = control.min, control.max
        mid = type(lo)((lo + hi) / 2) if isinstance(lo, float) else (lo + hi) // 2
        return [(lo, lo), (lo, hi), (hi, hi), (lo, mid)]
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi = control.min, control.max
        mid = (lo + hi) / 2 if isinstance(lo, float) else (lo + hi) // 2
        return [lo, hi, mid]
    if isinstance(control, (widgets.SelectMultiple,)):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [tuple(opts[:1]), tuple(opts), tuple(opts[-1:])]
    if hasattr(control, "options"):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    if isinstance(control.value, bool):
        return [True, False]
    return [control.value]
