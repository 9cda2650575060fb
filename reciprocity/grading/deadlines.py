"""A course's deadline policy: each lab's due date, the late penalty and per-student extensions.

The policy lives in one file per course, ``deadlines.toml`` in the course
directory (beside ``nbgrader_config.py``); the instructor guide documents it.
``load_policy`` reads and checks it and returns a ``DeadlinePolicy``; every
problem in the file is reported at once, each with where it is (the key) and
what to write instead, and nothing is applied from a file with a problem.

The penalty is a share of the score the student earned, deducted per started
day (or hour) late, up to a cap; an optional grace period forgives a few
minutes, and an optional cut-off scores later work 0::

    [late]
    per = "day"              # or "hour"
    deduct_percent = 10      # of the score, per started day late
    max_deduct_percent = 50  # never more than this
    grace = "PT15M"          # optional (ISO 8601 duration): this late counts as on time
    zero_after = "P7D"       # optional: later than this after the due date scores 0

    [labs.outreach]
    due = 2026-10-05T23:59:00+02:00

    [labs.outreach.extensions]
    ann = 2026-10-09T23:59:00+02:00   # a new due date
    bo = "P2D"                        # or extra time: P2D, PT36H, P1DT12H

Lateness is measured from the student's due date (the lab's, or their
extension). ``reciprocity.grading.late`` applies the policy to the gradebook.

Example
-------
>>> policy = load_policy("course/deadlines.toml", known_labs=["outreach"])   # doctest: +SKIP
>>> policy.due("outreach", "ann")                                            # doctest: +SKIP
datetime.datetime(2026, 10, 9, 23, 59, tzinfo=...)
>>> policy.late.penalty(score=20.0, seconds_late=36 * 3600)                 # doctest: +SKIP
4.0
"""
from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

__all__ = ["POLICY_FILE", "DeadlinePolicyError", "LatePenalty", "LabDeadline", "DeadlinePolicy",
           "load_policy", "parse_policy", "course_policy", "parse_duration", "course_labs",
           "utc_naive"]

# the policy's file name, in the course directory
POLICY_FILE = "deadlines.toml"

_PERIODS = {"day": 86400, "hour": 3600}
_DURATION = re.compile(r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
                       r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
                       r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")
_LATE_KEYS = {"per", "deduct_percent", "max_deduct_percent", "grace", "zero_after"}
_LAB_KEYS = {"due", "extensions"}


class DeadlinePolicyError(ValueError):
    """The policy file has problems; the message lists each, with where it is and what to do."""


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds ("P2D", "PT36H", "P1DT12H").

    Months and years are refused: their length varies. ``ValueError`` says what is accepted.
    """
    match = _DURATION.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if not match or not any(match.groupdict().values()) or text.strip().upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration in days, hours or minutes; "
                         "write e.g. \"P2D\" (2 days), \"PT36H\" (36 hours) or \"P1DT12H\"")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)


@dataclass(frozen=True)
class LatePenalty:
    """How much lateness costs: ``deduct`` (share of the score) per started ``per`` late, up to ``cap``.

    ``grace``: lateness up to this counts as on time. ``zero_after``: work
    later than this scores 0 (the whole score is deducted); None for no cut-off.
    The default deducts nothing.
    """

    per: str = "day"
    deduct: float = 0.0
    cap: float = 0.0
    grace: timedelta = timedelta(0)
    zero_after: timedelta | None = None

    def share(self, seconds_late: float) -> float:
        """The share of the score deducted for ``seconds_late`` (0 when on time, 1 past the cut-off)."""
        if seconds_late <= 0 or seconds_late <= self.grace.total_seconds():
            return 0.0
        if self.zero_after is not None and seconds_late > self.zero_after.total_seconds():
            return 1.0
        started = math.ceil(seconds_late / _PERIODS[self.per])
        return min(self.cap, self.deduct * started)

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points deducted from ``score`` for ``seconds_late``: never negative, never above the score."""
        return max(0.0, score) * self.share(seconds_late)

    def describe(self) -> str:
        """The rule in one sentence, for reports and the guide."""
        if not self.deduct and self.zero_after is None:
            return "no late penalty"
        text = (f"{self.deduct:.0%} of the score per started {self.per} late, at most {self.cap:.0%}"
                if self.deduct else "no deduction")
        if self.grace:
            text += f"; up to {_human(self.grace)} late counts as on time"
        if self.zero_after is not None:
            text += f"; more than {_human(self.zero_after)} late scores 0"
        return text


def _human(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(p for p in parts if p) or "0 min"


@dataclass(frozen=True)
class LabDeadline:
    """A lab's due date and the students' own due dates (extensions), all timezone-aware."""

    due: datetime
    extensions: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class DeadlinePolicy:
    """A course's deadlines: the late penalty and each lab's ``LabDeadline``."""

    late: LatePenalty = field(default_factory=LatePenalty)
    labs: Mapping[str, LabDeadline] = field(default_factory=dict)
    path: Path | None = None

    def due(self, lab: str, student: str | None = None) -> datetime | None:
        """``student``'s due date for ``lab`` (their extension if they have one); None without one."""
        deadline = self.labs.get(lab)
        if deadline is None:
            return None
        return deadline.extensions.get(student, deadline.due) if student else deadline.due

    def extension(self, lab: str, student: str) -> timedelta | None:
        """How much later than the lab's due date ``student``'s is (None: no extension)."""
        deadline = self.labs.get(lab)
        if deadline is None or student not in deadline.extensions:
            return None
        return deadline.extensions[student] - deadline.due


# --------------------------------------------------------------------------- reading
def _when(value: Any) -> datetime:
    """A timezone-aware date-time from TOML (a date-time value or an ISO 8601 string)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date-time; write e.g. "
                             "2026-10-05T23:59:00+02:00") from None
    if isinstance(value, (date, time)) and not isinstance(value, datetime):
        raise ValueError(f"{value} is not a date and time with a timezone; write e.g. "
                         f"{value}T23:59:00+02:00" if isinstance(value, date) else
                         f"{value} has no date; write e.g. 2026-10-05T{value}+02:00")
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a date-time; write e.g. 2026-10-05T23:59:00+02:00")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no timezone; add its UTC offset, e.g. "
                         f"{value.isoformat()}+02:00 (or Z for UTC)")
    return value


def _percent(late: Mapping, key: str, default: float, problems: list[str]) -> float:
    value = late.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        negative = isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0
        problems.append(f"late.{key}: {value!r} is not a percentage from 0 to 100"
                        + (" (a penalty cannot be negative)" if negative else "")
                        + f"; write e.g. {key} = 10")
        return 0.0
    return float(value) / 100


def _late(raw: Any, problems: list[str]) -> LatePenalty:
    if raw is None:
        return LatePenalty()
    if not isinstance(raw, Mapping):
        problems.append("late: must be a table ([late]) with per, deduct_percent and max_deduct_percent")
        return LatePenalty()
    for key in sorted(set(raw) - _LATE_KEYS):
        problems.append(f"late.{key}: unknown setting; the [late] table takes "
                        f"{', '.join(sorted(_LATE_KEYS))}")
    per = raw.get("per", "day")
    if per not in _PERIODS:
        problems.append(f"late.per: {per!r} is not a period; write per = \"day\" or per = \"hour\"")
        per = "day"
    deduct = _percent(raw, "deduct_percent", 0, problems)
    cap = _percent(raw, "max_deduct_percent", 100 if deduct else 0, problems)
    if deduct and cap < deduct:
        problems.append(f"late.max_deduct_percent: {cap * 100:g} is below deduct_percent "
                        f"({deduct * 100:g}), so the first day late would already pass the cap; "
                        "raise it or lower deduct_percent")
    durations = {}
    for key in ("grace", "zero_after"):
        if key in raw:
            try:
                durations[key] = parse_duration(raw[key])
            except ValueError as err:
                problems.append(f"late.{key}: {err}")
    return LatePenalty(per=per, deduct=deduct, cap=cap, grace=durations.get("grace", timedelta(0)),
                       zero_after=durations.get("zero_after"))


def _lab(name: str, raw: Any, problems: list[str]) -> LabDeadline | None:
    where = f"labs.{name}"
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a table with a due date ([{where}] and due = ...)")
        return None
    for key in sorted(set(raw) - _LAB_KEYS):
        problems.append(f"{where}.{key}: unknown setting; a lab takes due and extensions")
    if "due" not in raw:
        problems.append(f"{where}: no due date; add due = 2026-10-05T23:59:00+02:00 (with your offset)")
        return None
    try:
        due = _when(raw["due"])
    except ValueError as err:
        problems.append(f"{where}.due: {err}")
        return None
    extensions = {}
    given = raw.get("extensions", {})
    if not isinstance(given, Mapping):
        problems.append(f"{where}.extensions: must be a table of student = new due date or extra time")
        given = {}
    for student, value in given.items():
        at = f"{where}.extensions.{student}"
        try:
            if isinstance(value, str) and value.strip().upper().startswith("P"):
                extra = parse_duration(value)
                new_due = due + extra
            else:
                new_due = _when(value)
        except ValueError as err:
            problems.append(f"{at}: {err}")
            continue
        if new_due < due:
            problems.append(f"{at}: {new_due.isoformat()} is before the lab's due date "
                            f"{due.isoformat()}; an extension gives more time, not less")
            continue
        extensions[str(student)] = new_due
    return LabDeadline(due=due, extensions=extensions)


def parse_policy(data: Mapping, *, path: Path | None = None,
                 known_labs: Iterable[str] | None = None) -> DeadlinePolicy:
    """A ``DeadlinePolicy`` from parsed TOML; ``DeadlinePolicyError`` lists every problem."""
    problems: list[str] = []
    for key in sorted(set(data) - {"late", "labs"}):
        problems.append(f"{key}: unknown section; the file holds [late] and [labs.LAB] tables")
    late = _late(data.get("late"), problems)
    labs: dict[str, LabDeadline] = {}
    raw_labs = data.get("labs", {})
    if not isinstance(raw_labs, Mapping):
        problems.append("labs: must hold one table per lab, e.g. [labs.outreach]")
        raw_labs = {}
    known = sorted(known_labs) if known_labs is not None else None
    for name, raw in raw_labs.items():
        if known is not None and name not in known:
            problems.append(f"labs.{name}: this course has no lab {name!r} (its labs: "
                            f"{', '.join(known) or 'none'}); fix the name or remove the table")
            continue
        lab = _lab(name, raw, problems)
        if lab is not None:
            labs[name] = lab
    if problems:
        where = str(path) if path else "the deadline policy"
        raise DeadlinePolicyError(f"{where} has {len(problems)} problem(s); nothing was applied. "
                                  "Fix them and run again:\n  - " + "\n  - ".join(problems))
    return DeadlinePolicy(late=late, labs=labs, path=path)


def load_policy(path: str | Path, known_labs: Iterable[str] | None = None) -> DeadlinePolicy:
    """Read and check the policy file at ``path``; ``known_labs`` are the course's labs.

    ``DeadlinePolicyError`` if the file is not valid TOML (with the line and
    column) or has any problem (each with its key and the fix).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise DeadlinePolicyError(f"{path} is not valid TOML: {err}. Nothing was applied; fix "
                                  "the file (dates are written 2026-10-05T23:59:00+02:00, "
                                  "durations as strings such as \"P2D\")") from None
    except UnicodeDecodeError:
        raise DeadlinePolicyError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    return parse_policy(data, path=path, known_labs=known_labs)


def course_labs(course_dir: str | Path) -> list[str]:
    """The labs of a course: the folders of its source directory (nbgrader's configured one)."""
    from .course import Course

    course = Course.load(course_dir)
    source = Path(course.coursedir.format_path(course.coursedir.source_directory, ".", "."))
    return sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []


def course_policy(course_dir: str | Path) -> DeadlinePolicy | None:
    """The policy in ``course_dir/deadlines.toml``, checked against the course's labs; None if absent."""
    path = Path(course_dir).resolve() / POLICY_FILE
    if not path.is_file():
        return None
    return load_policy(path, known_labs=course_labs(course_dir))


def utc_naive(when: datetime | None) -> datetime | None:
    """``when`` as nbgrader stores times: UTC without a timezone."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(tzinfo=None)
