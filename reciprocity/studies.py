"""The study registry: one record per study or case the course uses.

Each record (``reciprocity/studies.yml``) holds what a page may say about a
study: its citation key, what was manipulated, what was given or requested,
who could observe the behaviour, the N of the study (and of the shipped file
where they differ), the outcome and main result, the kind of evidence, and
the framings that must never be used of it. Pages take descriptions from the
record (the book's ``{study}`` role, ``data.describe``), and
:func:`check_text` finds sentences that contradict a record: a forbidden
framing next to a mention of the study, or a count that is neither the
study's N nor the file's.

>>> from reciprocity import studies
>>> studies.get("broockman2013black").n_study
6928
>>> studies.check_text("Broockman (2013) shows that continuation sustains replies.")[0].rule
'forbidden framing'
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["Study", "Framing", "CountClaim", "Problem", "KINDS", "registry", "get",
           "check_text", "describe", "RegistryError"]

#: The kinds of evidence, as the chapters' evidence boxes grade them ("measure": a
#: measurement instrument, which is evidence about no behaviour).
KINDS = ("direct test", "analogue", "observational", "reported case", "simulation", "theory",
         "measure")
#: Words that turn a forbidden framing into a denial of it ("not a repayment").
NEGATIONS = re.compile(r"\b(not|no|never|nothing|nobody|neither|nor|without|rather than|"
                       r"instead of|isn't|wasn't|aren't|doesn't|didn't|cannot|can't)\b", re.I)
#: How many words before a framing a negation may stand and still deny it.
NEGATION_WINDOW = 10
#: How many sentences before a framing, in the same paragraph, may name the study it is
#: about. 0: the framing and the name share a sentence. Tried at 1 on the course and on
#: its earlier versions: it caught nothing more and flagged faithful sentences about what
#: may carry over from a study, so it stays 0.
CONTEXT_SENTENCES = 0

FIELDS = ("cite", "title", "names", "mentions", "kind", "reported", "design", "manipulated",
          "given_or_requested", "observers", "n_study", "n_unit", "n_file", "n_file_note",
          "outcome", "result", "dataset", "chapters", "forbidden", "counts")
#: Fields that are lists or patterns, not text a page can show.
_STRUCTURED = ("names", "mentions", "chapters", "forbidden", "counts")
REQUIRED = ("title", "names", "kind", "design", "manipulated", "given_or_requested",
            "observers", "outcome", "result")


class RegistryError(ValueError):
    """The registry file is malformed; the message names the record and the fix."""


@dataclass(frozen=True)
class Framing:
    """A way of describing a study that the registry forbids, and why."""

    pattern: re.Pattern
    why: str


@dataclass(frozen=True)
class CountClaim:
    """A count a page may state about a study (e.g. legislators), and the values allowed."""

    pattern: re.Pattern   # one group: the number
    allowed: tuple[int, ...]
    #: value -> words the sentence must contain when it states that value
    #: (the shipped file's N must be called the file's, not the study's)
    needs: Mapping[int, re.Pattern] = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """One study or case, as the whole course describes it."""

    key: str
    title: str
    names: tuple[str, ...]
    kind: str
    design: str
    manipulated: str
    given_or_requested: str
    observers: str
    outcome: str
    result: str
    cite: str | None = None
    #: True when the course has only what the authors report (no data to check it against)
    reported: bool = False
    #: extra ways pages refer to the study (regular expressions, case-insensitive)
    mentions: tuple[re.Pattern, ...] = ()
    n_study: int | None = None
    n_unit: str = ""
    n_file: int | None = None
    n_file_note: str = ""
    dataset: str | None = None
    chapters: tuple[str, ...] = ()
    forbidden: tuple[Framing, ...] = ()
    counts: tuple[CountClaim, ...] = ()

    def mention(self) -> re.Pattern:
        """A pattern matching a mention of the study: its citation key, a name, or a ``mentions`` pattern."""
        return self._mention

    @cached_property
    def _mention(self) -> re.Pattern:
        words = [re.escape(n).replace(r"\ ", r"\s+") for n in self.names] \
            + ([re.escape(self.cite)] if self.cite else [])
        named = r"(?<![\w-])(?:" + "|".join(words) + r")(?![\w-])"
        extra = [f"(?i:{p.pattern})" for p in self.mentions]
        return re.compile("|".join([named, *extra]))


@dataclass(frozen=True)
class Problem:
    """A sentence that contradicts the registry."""

    study: str
    rule: str        # "forbidden framing" or "count"
    sentence: str
    why: str

    def __str__(self) -> str:
        return f"{self.study}: {self.rule}: {self.why}\n    in: {self.sentence[:300]}"


def _framing(raw: Any, key: str) -> Framing:
    if not isinstance(raw, Mapping) or set(raw) != {"pattern", "why"}:
        raise RegistryError(f"{key}: each forbidden framing has exactly 'pattern' and 'why'")
    try:
        return Framing(re.compile(raw["pattern"], re.I), str(raw["why"]))
    except re.error as err:
        raise RegistryError(f"{key}: forbidden pattern {raw['pattern']!r} is not a regex: {err}") from None


def _count(raw: Any, key: str, record: Mapping) -> CountClaim:
    if not isinstance(raw, Mapping) or set(raw) != {"pattern", "allowed"}:
        raise RegistryError(f"{key}: each count has exactly 'pattern' and 'allowed'")
    allowed, needs = [], {}
    for entry in raw["allowed"]:
        value, words = entry, None
        if isinstance(entry, Mapping):  # {value: n_file, needs: "file|data"}
            value, words = entry.get("value"), entry.get("needs")
        value = record.get(value) if isinstance(value, str) else value
        if not isinstance(value, int):
            raise RegistryError(f"{key}: allowed counts are integers or the names n_study/n_file, "
                                f"optionally as {{value: ..., needs: 'regex'}}; got {entry!r}")
        allowed.append(value)
        if words:
            needs[value] = re.compile(words, re.I)
    pattern = re.compile(raw["pattern"], re.I)
    if pattern.groups != 1:
        raise RegistryError(f"{key}: count pattern {raw['pattern']!r} needs exactly one group")
    return CountClaim(pattern, tuple(allowed), needs)


def _study(key: str, raw: Any) -> Study:
    if not isinstance(raw, Mapping):
        raise RegistryError(f"{key}: a record is a mapping of fields")
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise RegistryError(f"{key}: unknown field(s) {sorted(unknown)}; allowed: {FIELDS}")
    missing = [f for f in REQUIRED if not raw.get(f)]
    if missing:
        raise RegistryError(f"{key}: missing field(s) {missing}")
    if raw["kind"] not in KINDS:
        raise RegistryError(f"{key}: kind {raw['kind']!r} is not one of {KINDS}")
    if not all(isinstance(n, str) and n for n in raw["names"]):
        raise RegistryError(f"{key}: names are non-empty strings (quote a name holding a comma)")
    if not isinstance(raw.get("reported", False), bool):
        raise RegistryError(f"{key}: 'reported' is true or false")
    for name in ("n_study", "n_file"):
        if raw.get(name) is not None and (not isinstance(raw[name], int) or isinstance(raw[name], bool)):
            raise RegistryError(f"{key}: {name} is a whole number (leave it out when no source gives it)")
    mentions = []
    for pattern in raw.get("mentions") or ():
        try:
            mentions.append(re.compile(pattern, re.I))
        except re.error as err:
            raise RegistryError(f"{key}: mention pattern {pattern!r} is not a regex: {err}") from None
    values = {f: (" ".join(str(raw[f]).split()) if isinstance(raw.get(f), str) else raw.get(f))
              for f in FIELDS if f in raw and f not in _STRUCTURED}
    return Study(key=key, names=tuple(raw["names"]), mentions=tuple(mentions),
                 chapters=tuple(str(c) for c in raw.get("chapters") or ()),
                 forbidden=tuple(_framing(f, key) for f in raw.get("forbidden") or ()),
                 counts=tuple(_count(c, key, raw) for c in raw.get("counts") or ()),
                 **values)


@lru_cache(maxsize=1)
def registry() -> dict[str, Study]:
    """Every record, by key (the citation key where the study has one)."""
    text = resources.files(__package__).joinpath("studies.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, Mapping):
        raise RegistryError("studies.yml: expected a mapping of key -> record")
    return {key: _study(key, raw) for key, raw in data.items()}


def get(key: str) -> Study:
    """The record of one study; a ``KeyError`` lists the keys there are."""
    try:
        return registry()[key]
    except KeyError:
        raise KeyError(f"no study {key!r} in the registry; known: {sorted(registry())}") from None


def describe(key: str, field_name: str = "design") -> str:
    """One field of a record as text (numbers with thousands separators)."""
    study = get(key)
    if field_name not in FIELDS or field_name in _STRUCTURED or field_name == "reported":
        raise ValueError(f"field {field_name!r} cannot be shown; choose from {REQUIRED} or "
                         "cite, n_study, n_unit, n_file, n_file_note, dataset")
    value = getattr(study, field_name)
    if value is None:
        raise ValueError(f"{key} has no {field_name}")
    return f"{value:,}" if isinstance(value, int) else str(value)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z({*_`\"'])")
#: Where a Markdown block ends: a blank line, a list item, a heading, a fence or a table row.
_BLOCK_START = re.compile(r"\n\s*\n|\n[ \t]*(?:[-*+]|\d+\.)[ \t]+|\n[ \t]*(?:#|:::|```|\|)")


def _blocks(text: str) -> list[list[str]]:
    """Markdown text as blocks (paragraphs, list items), each a list of sentences."""
    blocks = []
    for block in _BLOCK_START.split("\n" + text):
        sentences = [s for s in (" ".join(part.split()) for part in _SENTENCE_END.split(block)) if s]
        if sentences:
            blocks.append(sentences)
    return blocks


def _sentences(text: str) -> list[str]:
    """Sentences of Markdown text: blocks (paragraphs, list items) first, then sentence ends."""
    return [sentence for block in _blocks(text) for sentence in block]


def _denied(sentence: str, start: int) -> bool:
    before = sentence[:start].split()[-NEGATION_WINDOW:]
    return bool(NEGATIONS.search(" ".join(before)))


def check_text(text: str, studies: Mapping[str, Study] | None = None) -> list[Problem]:
    """Sentences of ``text`` that contradict a record.

    A sentence that mentions a study (by citation key, name or ``mentions``
    pattern), or follows one that does in the same paragraph, must not use one
    of its forbidden framings, unless a negation stands shortly before the
    framing ("not a repayment"); and any count a record constrains (e.g.
    "5,593 legislators") in a sentence naming the study must be one of the
    record's allowed values (the shipped file's N only when named as such).
    """
    studies = registry() if studies is None else studies
    problems = []
    for block in _blocks(text):
        named = [{key for key, study in studies.items() if study.mention().search(sentence)}
                 for sentence in block]
        for i, sentence in enumerate(block):
            # a framing counts against a study named in this sentence or in the one just
            # before it in the same paragraph ("Fox & Guyer ... . Their groups repaid ...")
            context = set().union(*named[max(0, i - CONTEXT_SENTENCES):i + 1])
            for key in sorted(context, key=list(studies).index):
                problems += _framing_problems(studies[key], sentence)
            for key in sorted(named[i], key=list(studies).index):
                problems += _count_problems(studies[key], sentence)
    return problems


def _framing_problems(study: Study, sentence: str) -> list[Problem]:
    problems = []
    for framing in study.forbidden:
        for match in framing.pattern.finditer(sentence):
            if not _denied(sentence, match.start()):
                problems.append(Problem(study.key, "forbidden framing", sentence,
                                        f"{match.group(0)!r}: {framing.why}"))
                break
    return problems


def _count_problems(study: Study, sentence: str) -> list[Problem]:
    problems = []
    for claim in study.counts:
        for match in claim.pattern.finditer(sentence):
            number = int(match.group(1).replace(",", ""))
            if number not in claim.allowed:
                problems.append(Problem(study.key, "count", sentence,
                                        f"{number:,} is not one of {claim.allowed}"))
            elif number in claim.needs and not claim.needs[number].search(sentence):
                problems.append(Problem(study.key, "count", sentence,
                                        f"{number:,} must be named for what it is (a sentence "
                                        f"stating it must match {claim.needs[number].pattern!r})"))
    return problems
