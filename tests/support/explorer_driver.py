"""Drive an explorer in Chromium as a reader would: move its inputs, read what it shows.

Used by the browser tests, ``tools/probe_explorer.py`` and ``benchmarks/run.py``.
Controls are found by the name Vega gives each bound input (the parameter's
name); values are set on the real ``<input>``/``<select>`` and the event a
reader's action fires is dispatched, then we wait for the Vega view to finish
redrawing. The book draws an explorer only when it nears the viewport, so
:func:`wait_ready` scrolls to each one first.
"""
from __future__ import annotations

import json

_SET_CONTROL = """
async ([id, name, value]) => {
  const root = document.getElementById(id);
  const inputs = [...root.querySelectorAll(`.vega-bind [name="${name}"]`)];
  if (!inputs.length) throw new Error(`no control named ${name} in ${id}`);
  const first = inputs[0];
  const start = performance.now();
  if (first.tagName === "SELECT") {
    const option = [...first.options].find(o => o.value === String(value) || o.textContent === String(value));
    if (!option) throw new Error(`${name} has no option ${value}`);
    first.value = option.value;
    first.dispatchEvent(new Event("change", {bubbles: true}));
  } else if (first.type === "radio") {
    const radio = inputs.find(r => r.value === String(value));
    if (!radio) throw new Error(`${name} has no option ${value}`);
    radio.checked = true;
    radio.dispatchEvent(new Event("change", {bubbles: true}));
  } else if (first.type === "checkbox") {
    first.checked = Boolean(value);
    first.dispatchEvent(new Event("change", {bubbles: true}));
  } else {
    first.value = String(value);
    if (Number(first.value) !== Number(value)) {
      throw new Error(`${name} cannot take ${value} (min ${first.min}, max ${first.max}, step ${first.step})`);
    }
    first.dispatchEvent(new Event("input", {bubbles: true}));
  }
  await window.reciprocityExplorers[id].runAsync();
  await new Promise(requestAnimationFrame);
  return performance.now() - start;
}
"""

_TEXT = """
(id) => {
  const lines = [];
  for (const t of document.querySelectorAll(`#${id} svg text`)) {
    const spans = t.querySelectorAll("tspan");
    if (spans.length) spans.forEach(s => lines.push(s.textContent));
    else lines.push(t.textContent);
  }
  for (const input of document.querySelectorAll(`#${id} .vega-bind input[type=range]`))
    lines.push(`${input.name}: ${input.getAttribute("aria-valuetext") || input.value}`);
  return lines.filter(l => l.trim());
}
"""

_ALL_TEXT = """
(id) => {
  const root = document.getElementById(id);
  const out = [];
  for (const e of root.querySelectorAll("svg [aria-label], [aria-valuetext], [aria-label]"))
    for (const a of ["aria-label", "aria-valuetext"]) if (e.getAttribute(a)) out.push(e.getAttribute(a));
  for (const e of root.querySelectorAll(".vega-bindings label, .vega-bind-name, .reciprocity-explorer-value, option"))
    out.push(e.textContent);
  const live = root.querySelector(".reciprocity-explorer-live");
  if (live && live.textContent) out.push(live.textContent);
  return out.filter(l => l.trim());
}
"""

_SCROLL_TO = """(i) => document.querySelectorAll('.reciprocity-explorer')[i].scrollIntoView({block: 'center'})"""


def wait_ready(page, timeout: float = 30_000) -> list[dict]:
    """Bring each explorer on the page into view, as a reader scrolling down would, and
    wait until it is drawn (the book draws an explorer only when it nears the viewport);
    return their ids and names."""
    count = page.locator(".reciprocity-explorer").count()
    for i in range(count):
        page.evaluate(_SCROLL_TO, i)
        page.wait_for_function("(i) => document.querySelectorAll('.reciprocity-explorer')[i].dataset.ready",
                               arg=i, timeout=timeout)
    found = page.evaluate("() => [...document.querySelectorAll('.reciprocity-explorer')]"
                          ".map(e => ({id: e.id, name: e.dataset.explorer, ready: e.dataset.ready,"
                          " text: e.textContent.slice(0, 300)}))")
    broken = [f"{e['name']}: {e['text']}" for e in found if e["ready"] != "true"]
    if broken:
        raise AssertionError("explorers that could not be drawn: " + "; ".join(broken))
    return [{"id": e["id"], "name": e["name"]} for e in found]


def set_control(page, explorer_id: str, name: str, value) -> float:
    """Set a control as a reader would; return ms until the view has redrawn."""
    return page.evaluate(_SET_CONTROL, [explorer_id, name, value])


def text_lines(page, explorer_id: str) -> list[str]:
    """Every line of text the explorer's chart shows (titles, labels, readouts), then
    each slider's value as read out, as ``"<control name>: <value text>"``."""
    # d3-format writes minus signs as U+2212; compare with what Python prints
    return [line.replace("\u2212", "-") for line in page.evaluate(_TEXT, explorer_id)]


def all_text(page, explorer_id: str) -> list[str]:
    """The rest of the text a reader or a screen reader meets: marks' aria-labels,
    slider value texts, control labels and options, the live region."""
    return [line.replace("\u2212", "-") for line in page.evaluate(_ALL_TEXT, explorer_id)]


def snapshot(page, explorer_id: str) -> str:
    """The drawn SVG, to tell whether a control changed anything."""
    return page.evaluate("(id) => document.querySelector(`#${id} svg`).outerHTML", explorer_id)


def control_names(page, explorer_id: str) -> list[str]:
    return page.evaluate("(id) => [...new Set([...document.querySelectorAll(`#${id} .vega-bind [name]`)]"
                         ".map(e => e.name))]", explorer_id)


def missing(expected: list[str], lines: list[str]) -> list[str]:
    """Expected strings that appear in no line."""
    return [e for e in expected if not any(e in line for line in lines)]


def describe(lines: list[str]) -> str:
    return json.dumps(lines, ensure_ascii=False, indent=1)


# --- invariants on what an explorer says --------------------------------------
#
# Readouts follow a few forms so that their numbers can be checked: an
# estimate with its interval on one line, "est (low to high)" or
# "est (95% CI low to high)", or an estimate ending one line and
# "95% CI low to high" starting the next; a verdict about zero after an
# interval ("CI includes 0" / "CI excludes 0"); p-values as "p = 0.042" or
# "p < 0.0001"; counts as "k/n" or "k of n".

import re  # noqa: E402

_NUM = r"[+\-]?\$?\d[\d,]*(?:\.\d+)?"
_UNIT = r"(?:%|×| points?)?"
_INTERVAL = re.compile(rf"(?<![\w.])({_NUM}){_UNIT}\s*\((?:\d+% CI )?({_NUM}){_UNIT} to ({_NUM}){_UNIT}\)")
_CI_LINE = re.compile(rf"^(?:\d+% )?CI ({_NUM}){_UNIT} to ({_NUM}){_UNIT}")
_LAST_NUMBER = re.compile(rf"({_NUM}){_UNIT}[^\d]*$")
_P_VALUE = re.compile(r"\bp ([=<]) (\d*\.?\d+)")
_COUNT = re.compile(r"(?<![\d.,$])(\d[\d,]*) ?(?:/|of) ?(\d[\d,]*)(?![\d.,%])")
_BAD = re.compile(r"\b(NaN|undefined|Infinity|-Infinity|null)\b")
_INCLUDES = re.compile(r"includes (?:0|zero)|compatible with no effect", re.I)
_EXCLUDES = re.compile(r"excludes (?:0|zero)", re.I)
_SIGNIFICANT = re.compile(r"(?<!not )(?<!non-)\bsignificant\b", re.I)
_NOT_SIGNIFICANT = re.compile(r"\bnot significant\b", re.I)


def number(text: str) -> float:
    """A number as an explorer prints it: ``+1,234.5``, ``$2.80``, ``−3`` (U+2212 too)."""
    return float(text.replace("\u2212", "-").replace("$", "").replace(",", "").replace("+", ""))


def check_invariants(lines: list[str]) -> list[str]:
    """What is wrong with these lines of an explorer's text; ``[]`` when nothing is.

    - no NaN, undefined, Infinity or null;
    - every interval contains its estimate (as displayed);
    - a verdict about zero agrees with the last interval before it;
    - p-values lie in [0, 1] and never print as 0; "significant" only when p < 0.05;
    - counts do not exceed their totals.
    """
    problems: list[str] = []
    last_interval = None
    last_p = None
    previous = ""
    for raw in lines:
        line = raw.replace("\u2212", "-")
        if _BAD.search(line):
            problems.append(f"{line!r} shows {_BAD.search(line).group(1)}")
        found = [(number(e), number(lo), number(hi)) for e, lo, hi in _INTERVAL.findall(line)]
        ci = _CI_LINE.match(line)
        if ci and not found:
            before = _LAST_NUMBER.search(previous)
            if before is None:
                problems.append(f"{line!r}: an interval with no estimate before it")
            else:
                found.append((number(before.group(1)), number(ci.group(1)), number(ci.group(2))))
        for estimate, low, high in found:
            if not low <= estimate <= high:
                problems.append(f"{line!r}: estimate {estimate} outside its interval [{low}, {high}]")
            last_interval = (low, high)
        includes, excludes = _INCLUDES.search(line), _EXCLUDES.search(line)
        if includes or excludes:
            if last_interval is None:
                problems.append(f"{line!r}: a verdict about zero with no interval before it")
            else:
                low, high = last_interval
                if includes and not low <= 0 <= high:
                    problems.append(f"{line!r} but the interval is [{low}, {high}]")
                if excludes and low <= 0 <= high:
                    problems.append(f"{line!r} but the interval is [{low}, {high}]")
        for sign, value in _P_VALUE.findall(line):
            p = float(value)
            if not 0 <= p <= 1:
                problems.append(f"{line!r}: p-value {p} outside [0, 1]")
            if sign == "<" and p > 0.001:
                problems.append(f"{line!r}: 'p <' is for tiny p-values only")
            if sign == "=" and p == 0:
                problems.append(f"{line!r}: a p-value printed as 0 (write 'p < 0.0001')")
            last_p = p
        # "not significant" beside p < 0.05, or "significant" beside none or p >= 0.05
        if ((_NOT_SIGNIFICANT.search(line) and last_p is not None and last_p < 0.05)
                or (_SIGNIFICANT.search(line) and (last_p is None or last_p >= 0.05))):
            problems.append(f"{line!r} with p = {last_p}")
        for k, n in _COUNT.findall(line):
            if number(k) > number(n):
                problems.append(f"{line!r}: count {k} exceeds its total {n}")
        previous = line
    return problems


def extremes(control) -> list:
    """A control's two ends: a slider's min and max, a menu's first and last option,
    a checkbox off and on."""
    if control.kind == "range":
        return [control.options[0], control.options[1]]
    if control.kind == "checkbox":
        return [False, True]
    return [control.options[0], control.options[-1]]


def extreme_states(controls) -> list[dict]:
    """Each control alone at each end, then every pair of controls at every pair of ends
    (min/min, min/max, max/min, max/max); the other controls keep their starting values."""
    from itertools import combinations, product

    states = [{c.name: v} for c in controls for v in extremes(c)]
    for a, b in combinations(controls, 2):
        states += [{a.name: x, b.name: y} for x, y in product(extremes(a), extremes(b))]
    return states


def drive_to_extremes(page, explorer_id: str, controls) -> list[str]:
    """Set every state of :func:`extreme_states` through the inputs, as a reader would, and
    check :func:`check_invariants` on all the text the explorer shows; return the problems."""
    problems = []
    start = {c.name: c.value for c in controls}
    for state in extreme_states(controls):
        for name, value in state.items():
            set_control(page, explorer_id, name, value)
        lines = text_lines(page, explorer_id)
        found = check_invariants(lines) + check_invariants(all_text(page, explorer_id))
        problems += [f"at {state}: {p}" for p in dict.fromkeys(found)]
        for name in state:
            set_control(page, explorer_id, name, start[name])
    return problems
