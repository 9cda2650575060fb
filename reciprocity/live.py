"""Controls that need a running Python kernel: re-run a simulation with your own seed and size.

The book's explorers (:mod:`reciprocity.explorers`) answer in the browser
from results the package computed in advance. A few questions need Python
itself, such as "what if I draw a fresh sample of my own size?". For those,
:func:`rerun_control` builds a small ipywidgets panel. A chapter shows it in
a cell tagged ``remove-cell``, right after the explorer: it appears when the
notebook runs with a kernel (JupyterLab, Binder, Colab) and the static book,
where it could not respond, never shows it.

Examples
--------
>>> from reciprocity import stats
>>> from reciprocity.simulate import simulate_content_signups
>>> def summary(readers, seed):
...     frame = simulate_content_signups(readers, seed=seed)
...     return stats.rate_table(frame, "relevance", "signed_up").round(3)
>>> control = rerun_control(summary, seed=2016, size=2000, size_label="Readers")
>>> control.seed.value = 7
>>> control.button.click()
>>> "relevance" in control.output.value
True
"""
from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

__all__ = ["RerunControl", "rerun_control"]


class RerunControl(widgets.VBox):
    """A seed box, a sample-size box, a Run button and the summary of the last run.

    Build it with :func:`rerun_control`. The parts are attributes, so code
    (and tests) can drive it as a reader would: set ``seed.value`` and
    ``size.value``, then ``button.click()``; ``output.value`` holds the
    summary as HTML.
    """

    def __init__(self, simulate: Callable[[int, int], Any], *, seed: int, size: int,
                 size_label: str, size_range: tuple[int, int], title: str):
        self.simulate = simulate
        style = {"description_width": "initial"}
        self.seed = widgets.IntText(value=seed, description="Seed", style=style)
        self.size = widgets.BoundedIntText(value=size, min=size_range[0], max=size_range[1],
                                           step=max(1, size_range[0]), description=size_label,
                                           style=style)
        self.button = widgets.Button(description="Run the simulation", button_style="primary",
                                     icon="play")
        self.output = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        super().__init__([widgets.HTML(f"<strong>{html.escape(title)}</strong>"),
                          widgets.HBox([self.seed, self.size]), self.button, self.output])
        self.run()

    def run(self) -> Any:
        """Simulate with the current seed and size, show the summary and return it."""
        try:
            result = self.simulate(int(self.size.value), int(self.seed.value))
        except ValueError as error:  # the simulators name the parameter and its range
            self.output.value = f"<p>Could not run: {html.escape(str(error))}</p>"
            return None
        body = (result.to_html(border=0) if isinstance(result, (pd.DataFrame, pd.Series))
                else f"<pre>{html.escape(str(result))}</pre>")
        self.output.value = (f"<p>Simulated with seed {int(self.seed.value)}, "
                             f"{int(self.size.value):,} {html.escape(self.size.description.lower())}:</p>"
                             + body)
        return result


def rerun_control(simulate: Callable[[int, int], Any], *, seed: int, size: int,
                  size_label: str = "Sample size", size_range: tuple[int, int] = (100, 200_000),
                  title: str = "Run the simulation yourself") -> RerunControl:
    """A "run it again" panel for a seeded simulation (needs a live kernel).

    Parameters
    ----------
    simulate : callable ``(size, seed) -> summary``
        Runs the package's simulator and summarises it; a DataFrame or Series
        is shown as a table, anything else as text.
    seed, size : int
        Starting values (use the chapter's, so the first run repeats its result).
    size_label : str
        What the size counts, e.g. ``"Readers"``.
    size_range : (int, int)
        Smallest and largest size a reader may ask for.
    title : str
        Heading shown above the controls.

    Returns
    -------
    RerunControl
        An ``ipywidgets.VBox``; it has run once with the starting values.
    """
    return RerunControl(simulate, seed=seed, size=size, size_label=size_label,
                        size_range=size_range, title=title)
