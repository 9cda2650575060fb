"""Drive an explorer in Chromium as a reader would: move its inputs, read what it shows.

Used by the browser tests and by ``benchmarks/run.py``. Controls are found by
the name Vega gives each bound input (the parameter's name); values are set
on the real ``<input>``/``<select>`` and the event a reader's action fires is
dispatched, then we wait for the Vega view to finish redrawing.
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
    if (Number(first.value) !== Number(value)) throw new Error(`${name} cannot take ${value} (min ${first.min}, max ${first.max}, step ${first.step})`);
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
  return lines.filter(l => l.trim());
}
"""


def wait_ready(page, timeout: float = 15_000) -> list[dict]:
    """Wait until every explorer on the page is drawn; return their ids and names."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.reciprocity-explorer')].every(e => e.dataset.ready)",
        timeout=timeout)
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
    """Every line of text the explorer's chart shows (titles, labels, readouts)."""
    # d3-format writes minus signs as U+2212; compare with what Python prints
    return [line.replace("\u2212", "-") for line in page.evaluate(_TEXT, explorer_id)]


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
