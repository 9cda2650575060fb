"""Practice items: short questions a reader answers on the page and gets checked at once.

Each chapter's items are data in a YAML file next to it
(``book/insights/09-show-your-face.practice.yml`` for
``book/insights/09-show-your-face.ipynb``). Every number an item shows or
checks is computed here, from the package, when the book is built: a file
names the function to call, never the number. The book's ``practice``
extension renders the items; the reader's browser checks the answers.

A file looks like this::

    items:
      - id: ch09-n-per-arm            # unique in the book, never reused: progress is kept under it
        kind: numeric                 # numeric | choice | design
        prompt: |
          How many e-mails per arm give 80% power to detect a rise in replies
          from {base:.0%} to {target:.0%}?
        values:                       # named numbers, each computed by the package
          base: {const: 0.06}
          target: {const: 0.26}
        answer: {call: "reciprocity.stats:sample_size", args: [{value: base}, {value: target}]}
        unit: e-mails per arm
        tolerance: {absolute: 1}
        mistakes:                     # wrong answers a reader is likely to give, and why
          - answer: {call: "reciprocity.stats:sample_size", args: [{value: base}, {value: target}], scale: 2}
            why: That is both arms together; the question asks per arm.
        solution: |
          ``stats.sample_size(0.06, 0.26)`` gives {answer:.0f} ...

      - id: ch09-interval-zero
        kind: choice                  # "design" is a choice between designs or analyses
        prompt: The interval for the difference includes zero. What follows?
        options:
          - text: The data are compatible with no effect, and with a sizeable one.
            correct: true
            why: An interval that spans zero cannot rule either out.
          - text: There is no effect.
            why: Absence of evidence is not evidence of absence ...
        solution: ...

A *number spec* is one of

- ``{call: "module:attribute", args: [...], kwargs: {...}}``: call the
  attribute (or read it, if it is not callable);
- ``{value: name}``: a number from the item's ``values``;
- ``{const: 0.06}``: a design input stated in the question (a rate the
  reader is given, not a result);

the ``args`` and ``kwargs`` of a call may themselves hold number specs, at
any depth (``args: [{value: base}, {value: target}]``), so a number the
prompt states is written once;

optionally followed by ``field: "a.b"`` (attribute or key path into the
result; integers index sequences) and ``scale: 100`` (multiply, e.g. a
proportion shown in percent). Prompts, options, explanations and solutions
may use ``{name}`` or ``{name:.1%}`` for any value, and ``{answer}`` for the
answer of a numeric item; write ``{{`` and ``}}`` for literal braces.
"""
from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Item", "Option", "Mistake", "PracticeError", "KINDS", "load_items",
           "practice_file", "evaluate"]

KINDS = ("numeric", "choice", "design")
#: An item id: lower-case words joined by hyphens, starting with its chapter ("ch09-", "primer-").
ID_PATTERN = re.compile(r"^(ch\d\d|primer)-[a-z0-9]+(-[a-z0-9]+)*$")


class PracticeError(ValueError):
    """A practice file that cannot be used; the message names the file, the item and the fix."""


@dataclass(frozen=True)
class Option:
    """One answer of a choice item, with what the reader is told on choosing it."""

    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class Mistake:
    """A wrong numeric answer readers are likely to give, and why it is wrong."""

    value: float
    why: str


@dataclass(frozen=True)
class Item:
    """A practice item with every number computed.

    ``answer``, ``tolerance``, ``unit`` and ``mistakes`` are set for numeric
    items, ``options`` for choice and design items. Text fields are Markdown
    with the item's values already filled in.
    """

    id: str
    kind: str
    prompt: str
    solution: str
    source: str
    answer: float | None = None
    tolerance: float | None = None
    unit: str = ""
    mistakes: tuple[Mistake, ...] = ()
    options: tuple[Option, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)

    def accepts(self, given: float) -> bool:
        """Whether a numeric answer ``given`` is within the item's tolerance."""
        if self.kind != "numeric":
            raise TypeError(f"{self.id} is a {self.kind} item; accepts() is for numeric items")
        return abs(float(given) - self.answer) <= self.tolerance * (1 + 1e-9)

    def to_json(self) -> dict[str, Any]:
        """The item as the browser component reads it (text still Markdown)."""
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "prompt": self.prompt,
                                "solution": self.solution}
        if self.kind == "numeric":
            data.update(answer=self.answer, tolerance=self.tolerance, unit=self.unit,
                        mistakes=[{"value": m.value, "why": m.why} for m in self.mistakes])
        else:
            data["options"] = [{"text": o.text, "correct": o.correct, "why": o.why}
                               for o in self.options]
        return data


def practice_file(document: str | Path) -> Path:
    """The practice file of a chapter: ``NN-slug.ipynb`` -> ``NN-slug.practice.yml``."""
    document = Path(document)
    return document.with_name(document.name.split(".")[0] + ".practice.yml")


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers; other values unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()
    return value


def _pick(value: Any, path: str, where: str) -> Any:
    for part in str(path).split("."):
        try:
            if isinstance(value, Mapping):
                value = value[part]
            elif part.lstrip("-").isdigit() and not hasattr(value, part):
                value = value[int(part)]
            else:
                value = getattr(value, part)
        except (KeyError, IndexError, AttributeError, TypeError) as err:
            raise PracticeError(f"{where}: field {path!r} not found ({part!r}: {err})") from None
    return value


_SPEC_KEYS = {"call", "value", "const", "args", "kwargs", "field", "scale"}


def _is_spec(entry: Any) -> bool:
    return (isinstance(entry, Mapping) and bool(set(entry) & {"call", "value", "const"})
            and set(entry) <= _SPEC_KEYS)


def _arguments(raw: Any, values: Mapping[str, Any], where: str) -> Any:
    """Arguments of a call, with every number spec inside them (lists included) evaluated.

    So a call can use the item's values, ``args: [{value: base}, {value: target}]``,
    instead of repeating numbers the prompt already states.
    """
    if _is_spec(raw):
        return evaluate(raw, values, where)
    if isinstance(raw, Mapping):
        return {key: _arguments(entry, values, where) for key, entry in raw.items()}
    if isinstance(raw, (list, tuple)):
        return [_arguments(entry, values, where) for entry in raw]
    return raw


#: Results of package calls, keyed on the call and its arguments: items often
#: ask the same analysis for several numbers, and some calls take a second.
_CALLS: dict[str, Any] = {}


def _call(function, target: str, args, kwargs, where: str) -> Any:
    try:
        key = json.dumps([target, args, kwargs], sort_keys=True)
    except TypeError:
        key = None  # arguments that are not plain data: call every time
    if key is not None and key in _CALLS:
        return _CALLS[key]
    try:
        result = function(*args, **kwargs)
    except Exception as err:  # the message must name the item whatever the call raised
        raise PracticeError(f"{where}: {target}(...) failed: {type(err).__name__}: {err}") from None
    if key is not None:
        _CALLS[key] = result
    return result


def evaluate(spec: Any, values: Mapping[str, Any], where: str) -> Any:
    """The number a spec describes (see the module docstring)."""
    if isinstance(spec, bool) or not isinstance(spec, Mapping):
        raise PracticeError(f"{where}: a number must be given as {{call: ...}}, {{value: ...}} or "
                            f"{{const: ...}}, not {spec!r}; numbers are computed, never typed")
    keys = set(spec) & {"call", "value", "const"}
    if len(keys) != 1:
        raise PracticeError(f"{where}: give exactly one of call, value or const, not {sorted(spec)}")
    unknown = set(spec) - {"call", "value", "const", "args", "kwargs", "field", "scale"}
    if unknown:
        raise PracticeError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: call, args, "
                            "kwargs, value, const, field, scale")
    if "call" in spec:
        target = str(spec["call"])
        module_name, _, attribute = target.partition(":")
        if not attribute:
            raise PracticeError(f"{where}: call {target!r} must read 'module:attribute'")
        try:
            module = importlib.import_module(module_name)
            result = _pick(module, attribute, where)
        except ImportError as err:
            raise PracticeError(f"{where}: cannot import {module_name!r}: {err}") from None
        if callable(result):
            args = _arguments(spec.get("args", []), values, f"{where}, args")
            kwargs = _arguments(spec.get("kwargs", {}), values, f"{where}, kwargs")
            result = _call(result, target, args, kwargs, where)
        elif "args" in spec or "kwargs" in spec:
            raise PracticeError(f"{where}: {target} is not callable but has args")
    elif "value" in spec:
        name = spec["value"]
        if name not in values:
            raise PracticeError(f"{where}: no value named {name!r}; defined: {sorted(values)}")
        result = values[name]
    else:
        result = spec["const"]
    if "field" in spec:
        result = _pick(result, spec["field"], where)
    result = _plain(result)
    if "scale" in spec:
        result = float(result) * float(spec["scale"])
    return result


def _fill(text: Any, values: Mapping[str, Any], where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise PracticeError(f"{where}: text is missing or empty")
    try:
        return text.strip().format_map(values)
    except (KeyError, IndexError) as err:
        raise PracticeError(f"{where}: placeholder {err} has no value; defined: "
                            f"{sorted(values)} (write {{{{ for a literal brace)") from None
    except ValueError as err:
        raise PracticeError(f"{where}: bad placeholder format: {err}") from None


def _number(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PracticeError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise PracticeError(f"{where}: the computed number is {number}")
    return number


def _tolerance(spec: Any, answer: float, where: str) -> float:
    if not isinstance(spec, Mapping) or len(spec) != 1 or not set(spec) <= {"absolute", "relative"}:
        raise PracticeError(f"{where}: tolerance must be {{absolute: x}} or {{relative: r}}, "
                            f"got {spec!r}")
    (kind, size), = spec.items()
    size = _number(size, where)
    if size <= 0:
        raise PracticeError(f"{where}: tolerance must be positive, got {size}")
    return size if kind == "absolute" else size * abs(answer)


def _load_item(raw: Any, source: str, index: int) -> Item:
    where = f"{source}, item {index + 1}"
    if not isinstance(raw, Mapping):
        raise PracticeError(f"{where}: an item is a mapping with id, kind, prompt, ...")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not ID_PATTERN.match(item_id):
        raise PracticeError(f"{where}: id {item_id!r} must look like 'ch09-photo-power' "
                            "(chapter prefix, lower-case words, hyphens)")
    where = f"{source}, item {item_id}"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise PracticeError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    allowed = {"id", "kind", "prompt", "values", "solution", "answer", "unit", "tolerance",
               "mistakes", "options"}
    unknown = set(raw) - allowed
    if unknown:
        raise PracticeError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")

    values: dict[str, Any] = {}
    for name, spec in (raw.get("values") or {}).items():
        values[name] = evaluate(spec, values, f"{where}, value {name!r}")

    common = dict(id=item_id, kind=kind, source=source, values=values)
    if kind == "numeric":
        if "options" in raw:
            raise PracticeError(f"{where}: a numeric item has no options")
        if "answer" not in raw or "tolerance" not in raw:
            raise PracticeError(f"{where}: a numeric item needs answer and tolerance")
        answer = _number(evaluate(raw["answer"], values, f"{where}, answer"), f"{where}, answer")
        values = {**values, "answer": answer}
        tolerance = _tolerance(raw["tolerance"], answer, f"{where}, tolerance")
        mistakes = []
        for k, entry in enumerate(raw.get("mistakes") or []):
            at = f"{where}, mistake {k + 1}"
            if not isinstance(entry, Mapping) or set(entry) != {"answer", "why"}:
                raise PracticeError(f"{at}: a mistake has exactly 'answer' and 'why'")
            value = _number(evaluate(entry["answer"], values, at), at)
            if abs(value - answer) <= tolerance:
                raise PracticeError(f"{at}: {value:g} is within the tolerance of the answer "
                                    f"{answer:g}, so it would be accepted; widen the gap or drop it")
            mistakes.append(Mistake(value, _fill(entry["why"], values, at)))
        return Item(prompt=_fill(raw.get("prompt"), values, f"{where}, prompt"),
                    solution=_fill(raw.get("solution"), values, f"{where}, solution"),
                    answer=answer, tolerance=tolerance, unit=str(raw.get("unit") or ""),
                    mistakes=tuple(mistakes), **{**common, "values": values})

    if any(key in raw for key in ("answer", "tolerance", "mistakes", "unit")):
        raise PracticeError(f"{where}: a {kind} item has options, not answer/tolerance/mistakes/unit")
    options = []
    for k, entry in enumerate(raw.get("options") or []):
        at = f"{where}, option {k + 1}"
        if not isinstance(entry, Mapping) or not set(entry) <= {"text", "correct", "why"}:
            raise PracticeError(f"{at}: an option has text, why and (for the right one) correct: true")
        options.append(Option(_fill(entry.get("text"), values, at), bool(entry.get("correct")),
                              _fill(entry.get("why"), values, f"{at}, why")))
    if len(options) < 2 or sum(o.correct for o in options) != 1:
        raise PracticeError(f"{where}: a {kind} item needs at least two options, exactly one "
                            "of them marked correct: true")
    return Item(prompt=_fill(raw.get("prompt"), values, f"{where}, prompt"),
                solution=_fill(raw.get("solution"), values, f"{where}, solution"),
                options=tuple(options), **common)


def load_items(path: str | Path) -> list[Item]:
    """Read a practice file and compute every number in it.

    Raises :class:`PracticeError` naming the file and item when the file is
    malformed, a computation fails, or an item would mislead (a listed
    mistake the tolerance would accept, a choice with no or several right
    answers).
    """
    path = Path(path)
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise PracticeError(f"{source}: cannot read the practice file: {err}") from None
    except yaml.YAMLError as err:
        raise PracticeError(f"{source}: not valid YAML: {err}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise PracticeError(f"{source}: expected a mapping with a list under 'items'")
    items = [_load_item(raw, source, k) for k, raw in enumerate(data["items"])]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise PracticeError(f"{source}: item id {item.id!r} appears twice")
        seen.add(item.id)
    return items
