"""The shared shape of every explorer: one Vega-Lite chart that runs in the browser.

An explorer is defined once, in Python, with Altair: the data it needs are
computed by the package and embedded in the spec, its controls are Vega-Lite
parameters bound to inputs, and every number that depends on a control is a
Vega expression (where a closed form exists) or a lookup in a table the
package precomputed over the control's grid. Nothing runs in a kernel when a
reader moves a control, so the explorer answers on the static book page, in
JupyterLab, Binder or Colab alike.

:class:`Explorer` displays as one HTML output (and a line of plain text): a
``<div>`` and a small script that holds the Vega-Lite spec, once. On a book page
(MyST-NB renders the HTML as it is) that script hands the spec to the book's
loader (``book/_static/explorers/loader.js``, added by
``book/_ext/course_assets.py``), which loads the vendored Vega when the first
explorer nears the viewport, draws each explorer as it comes near, and makes it
accessible: slider values read with their units, results announced after a
change. In JupyterLab, Binder or Colab (a trusted output) the script draws the
chart itself. The output carries no Vega-Lite mimetype beside the HTML: that
would store the spec a second time in every notebook, and JupyterLab (4.6)
renders Vega-Lite specs natively only up to version 5, not these version 6
ones (which is why Altair's own default renderer is HTML too). :func:`embedded_spec` reads the spec back
from a stored output.

Conventions the loader and the tests rely on:

- a range control ``x`` may have a companion parameter ``x_text``
  (:func:`value_text`): the value as the reader should read it ("6%",
  "$1.00", "13 of 50"), shown beside the slider and given to screen readers;
- text stacked under a chart comes from :func:`readout` (or is named
  ``readout_*``): the loader announces those lines after a control moves.

Builders register themselves with :func:`register`, together with the parity
cases the browser tests check: settings of the controls and the text the
explorer must then show, computed by :mod:`reciprocity.stats` or a simulator.
"""
from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import altair as alt

from ..book import stable

__all__ = ["Explorer", "Case", "Control", "register", "EXPLORERS", "PARITY", "embed_html", "embedded_spec",
           "SPEC_DIGITS", "FONT_SIZE", "readout", "readout_name", "value_text",
           "CHART_WIDTH", "TEXT_SUFFIX", "READOUT_PREFIX"]

#: Floats embedded in a spec keep this many significant digits: enough for any
#: readout, small pages, and the same stored output on every machine.
SPEC_DIGITS = 6
#: Smallest chart text, in px: readable on a 390 px phone screen.
FONT_SIZE = 12
#: Width of a single chart, in px: fits a phone held upright (390 px) with margins.
CHART_WIDTH = 300
#: ``<control><TEXT_SUFFIX>`` is the parameter holding a control's value as text.
TEXT_SUFFIX = "_text"
#: Charts named with this prefix hold the readout the loader announces.
READOUT_PREFIX = "readout_"
#: In an explorer's HTML the spec follows this, on the line that starts its script.
_SPEC_PREFIX = "spec = "

#: name -> zero-argument builder; filled by :func:`register`.
EXPLORERS: dict[str, Callable[[], Explorer]] = {}
#: name -> function returning the explorer's parity cases.
PARITY: dict[str, Callable[[], list[Case]]] = {}

# Pinned to the versions vendored in book/_static/vega (package.json). Used
# only where a page has no Vega of its own (a notebook front end: JupyterLab,
# Colab); the book never takes this path.
_FALLBACK_SCRIPTS = [
    "https://cdn.jsdelivr.net/npm/vega@6.4.0/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@6.4.1/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@7.3.0/build/vega-embed.min.js",
]


@dataclass(frozen=True)
class Case:
    """A state of an explorer and what it must show there.

    Parameters
    ----------
    settings : mapping of control name -> value
        Controls not named keep their starting values.
    expect : list of str
        Each string must appear, whole, in one line of the explorer's text
        (axis titles, labels, readouts) once the controls are set.
    """

    settings: Mapping[str, Any]
    expect: list[str]


@dataclass(frozen=True)
class Control:
    """A bound Vega-Lite parameter, as the reader meets it."""

    name: str
    kind: str  # "range", "select", "radio" or "checkbox"
    label: str
    value: Any
    options: list = field(default_factory=list)  # select, radio; (min, max, step) for range

    def sweep(self) -> list:
        """Extreme and representative values (for tests and the benchmark)."""
        if self.kind == "range":
            low, high, step = self.options
            middle = low + round((high - low) / 2 / step) * step
            return [low, high, stable(middle)]
        if self.kind == "checkbox":
            return [not self.value, self.value]
        return list(self.options)


def register(builder: Callable[..., Explorer] | None = None, *,
             cases: Callable[[], list[Case]] | None = None):
    """Record a builder (callable with no arguments) and its parity cases.

    Use as ``@register`` or ``@register(cases=my_cases)``.
    """
    def decorate(func):
        EXPLORERS[func.__name__] = func
        if cases is not None:
            PARITY[func.__name__] = cases
        return func

    return decorate(builder) if builder is not None else decorate


def _round_floats(value: Any) -> Any:
    if isinstance(value, float):
        return stable(value, SPEC_DIGITS)
    if isinstance(value, list):
        return [_round_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _round_floats(v) for k, v in value.items()}
    return value


def value_text(control: str, expression: str) -> alt.Parameter:
    """The value of range control ``control`` as a reader should read it, units included.

    ``expression`` is a Vega expression, e.g. ``"baseline + '%'"`` or
    ``"format(amount, '$.2f')"``. The loader shows it beside the slider
    (instead of the bare number) and sets it as the slider's ``aria-valuetext``,
    so a screen reader says "6%" where it would say "6". Add the returned
    parameter to the chart with the others.
    """
    return alt.param(name=f"{control}{TEXT_SUFFIX}", expr=expression)


def readout_name(lines: Iterable[str]) -> str:
    """A stable name for a block of readout lines (``readout_<hash>``).

    The name becomes a class of the drawn marks, which is how the loader finds
    the lines to announce; a hash keeps names unique within a spec and the same
    on every run (nbval compares stored outputs).
    """
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:8]
    return f"{READOUT_PREFIX}{digest}"


def readout(lines: Iterable[str], *, width: int = CHART_WIDTH, size: int = FONT_SIZE,
            weight: str = "normal") -> alt.Chart:
    """A block of text lines, each a Vega expression, that redraws with the controls.

    Parameters
    ----------
    lines : iterable of str
        Vega expressions that evaluate to one line of text each, e.g.
        ``"'Difference: ' + format(diff, '+.1%')"``. They may use the
        explorer's parameters by name.

    Returns
    -------
    altair.Chart
        A text chart to stack under the explorer's plot (``alt.vconcat``).
    """
    lines = list(lines)
    rows = [{"line": i} for i in range(len(lines))]
    chart = alt.Chart(alt.Data(values=rows)).transform_calculate(
        text="[" + ", ".join(f"({expr})" for expr in lines) + "][datum.line]"
    ).transform_filter(
        "datum.text != ''"  # an empty line would be an SVG text with an empty accessible name
    ).mark_text(align="left", baseline="top", fontSize=size, fontWeight=weight, lineHeight=size + 6,
                limit=width).encode(
        x=alt.value(0),
        y=alt.Y("line:O", axis=None),
        text="text:N",
        description="text:N",  # screen readers read the current line, not a stale label
    ).properties(width=width, height=(size + 8) * len(lines), view=alt.ViewBackground(stroke=None),
                 name=readout_name(lines))
    return chart


class Explorer:
    """A Vega-Lite chart with bound controls, displayed as HTML that holds its spec once.

    Parameters
    ----------
    chart : altair chart
        Any Altair chart (single, layered or concatenated) whose parameters
        are bound to inputs with ``alt.binding_*``. Give every parameter a
        ``name`` (the tests set controls by name) and a ``bind`` with a ``name``
        label.
    name : str
        The builder's name; the HTML carries it as ``data-explorer``.
    title : str
        What the explorer shows, in one line; its accessible name.
    """

    def __init__(self, chart: alt.TopLevelMixin, name: str, title: str):
        self.chart = chart
        self.name = name
        self.title = title
        self._spec: dict | None = None

    def spec(self) -> dict:
        """The Vega-Lite spec, validated, with floats rounded to :data:`SPEC_DIGITS`."""
        if self._spec is None:
            spec = self.chart.to_dict()
            spec.setdefault("config", {})
            spec["config"].setdefault("font", "sans-serif")
            for key in ("axis", "legend", "header"):
                spec["config"].setdefault(key, {}).update(
                    {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE})
            spec["config"].setdefault("title", {}).update({"fontSize": FONT_SIZE + 1, "anchor": "start"})
            spec["config"].setdefault("text", {}).setdefault("fontSize", FONT_SIZE)
            # ink as "#000", which the book's dark mode turns light (explorers.css); text drawn
            # on a coloured mark says "black" or "white" and keeps it
            spec["config"]["text"].setdefault("color", "#000")
            spec["description"] = self.title
            self._spec = _round_floats(spec)
        return self._spec

    def controls(self) -> list[Control]:
        """The bound parameters, in the order the reader sees them."""
        found = []
        for param in _all_params(self.spec()):
            bind = param.get("bind")
            if not isinstance(bind, dict) or "input" not in bind:
                continue
            kind = bind["input"]
            if kind == "range":
                options = [bind["min"], bind["max"], bind.get("step", 1)]
            elif kind in ("select", "radio"):
                options = list(bind["options"])
            else:
                options = []
            found.append(Control(param["name"], kind, bind.get("name", param["name"]),
                                 param.get("value"), options))
        return found

    def html(self) -> str:
        """The ``<div>`` and script a page or notebook front end draws the explorer from."""
        return embed_html(self.spec(), self.name, self.title)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # one copy of the spec per stored output: inside the HTML, nowhere else
        return {"text/html": self.html(), "text/plain": f"<Explorer {self.name}: {self.title}>"}


def _all_params(spec: Mapping) -> list[dict]:
    """Parameters declared anywhere in a (possibly nested) spec, first seen first."""
    params, seen = [], set()

    def walk(node):
        if isinstance(node, dict):
            for param in node.get("params", []) or []:
                if param.get("name") not in seen:
                    seen.add(param.get("name"))
                    params.append(param)
            for key, value in node.items():
                if key not in ("params", "data", "datasets"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return params


def embed_html(spec: Mapping, name: str, title: str) -> str:
    """A ``<div>`` and the script that hands ``spec`` to whatever draws it.

    The div's id is a hash of the spec, so re-running a notebook stores the
    same output. On a book page the script passes the spec to the book's
    loader (``window.reciprocityExplorerLoader``, from the deferred
    ``_static/explorers/loader.js``), which draws the explorer when it nears
    the viewport. Elsewhere it draws at once with the page's Vega, or, where a
    page has none (a notebook front end), with the same versions from a CDN;
    the book never takes that path. :func:`embedded_spec` reads the spec back.
    """
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    div_id = "explorer-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    # "</" would end the script early; JSON allows the escaped form.
    payload = text.replace("</", "<\\/")
    fallback = json.dumps(_FALLBACK_SCRIPTS)
    return (
        f'<div class="reciprocity-explorer" id="{div_id}" data-explorer="{html.escape(name)}" '
        f'role="figure" aria-label="{html.escape(title)}">'
        '<p class="reciprocity-explorer-wait">Interactive explorer: it is drawn as you reach it.</p></div>\n'
        '<script type="text/javascript">\n'
        "(function () {\n"
        f'  var id = "{div_id}", {_SPEC_PREFIX}{payload};\n'
        "  function draw() {\n"
        "    var div = document.getElementById(id);\n"
        '    div.textContent = "";\n'
        '    vegaEmbed(div, spec, {actions: false, renderer: "svg"}).then(function (result) {\n'
        "      (window.reciprocityExplorers = window.reciprocityExplorers || {})[id] = result.view;\n"
        "      div.dataset.ready = 'true';\n"
        "    }).catch(function (error) {\n"
        '      div.textContent = "This explorer could not be drawn: " + error;\n'
        "      div.dataset.ready = 'error';\n"
        "    });\n"
        "  }\n"
        "  function load(urls) {\n"
        "    if (!urls.length) { draw(); return; }\n"
        '    var s = document.createElement("script");\n'
        "    s.src = urls[0]; s.onload = function () { load(urls.slice(1)); };\n"
        "    document.head.appendChild(s);\n"
        "  }\n"
        "  function start() {\n"
        "    var loader = window.reciprocityExplorerLoader;\n"
        "    if (loader) loader.add(id, spec);\n"
        "    else if (window.vegaEmbed) draw();\n"
        f"    else load({fallback});\n"
        "  }\n"
        "  // the book's loader is a deferred script: it has run by DOMContentLoaded\n"
        '  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);\n'
        "  else start();\n"
        "})();\n"
        "</script>"
    )


def embedded_spec(html_text: str) -> dict:
    """The Vega-Lite spec an :func:`embed_html` output holds (e.g. a notebook's stored output).

    Raises
    ------
    ValueError
        If ``html_text`` is not an explorer's output.
    """
    if 'class="reciprocity-explorer"' not in html_text:
        raise ValueError("not an explorer's output: no reciprocity-explorer div")
    line = next((line for line in html_text.splitlines()
                 if line.startswith("  var id = ") and _SPEC_PREFIX in line and line.endswith(";")), None)
    if line is None:
        raise ValueError("an explorer's output without its spec line ('  var id = ..., spec = {...};')")
    # the JSON escapes "</" as "<\/", which json reads back as "</"
    return json.loads(line[line.index(_SPEC_PREFIX) + len(_SPEC_PREFIX):-1])
