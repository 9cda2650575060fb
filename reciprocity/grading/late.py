"""The deadline policy applied to nbgrader's gradebook: due dates, extensions, late penalties.

nbgrader already knows lateness: an assignment's ``duedate``, a submission's
``extension`` and ``timestamp`` (from ``timestamp.txt``) give its
``total_seconds_late``, and each submitted notebook holds a
``late_submission_penalty`` that its exports, the feedback and the
formgrader's due dates read. ``apply_policy`` writes all of them from the
course's ``deadlines.toml`` (``reciprocity.grading.deadlines``), for every
submission of a lab, from scratch: a changed due date, a new extension or a
new hand grade changes the penalty the next time grades are computed, and a
submission that stops being late loses its penalty (nbgrader keeps a stale
one until the student is autograded again, its issue #723).

It runs whenever grades are computed:

* the grading command, before grading (so nbgrader counts the seconds late
  from the current due dates) and again after it, before feedback;
* every export (``--summary-only`` included), before the files are written;
* nbgrader's own autograde (``nbgrader autograde``, the formgrader's button):
  ``PolicyLatePenalty`` is the course's ``LateSubmissionPlugin``
  (``c.AssignLatePenalties.plugin_class``), nbgrader's documented hook;
* nbgrader's own feedback: ``RefreshLatePenalties`` runs first in
  ``c.GenerateFeedback.preprocessors``, so hand grades given since
  autograding count (the penalty is a share of the score).

Without a ``deadlines.toml`` nothing is written; ``read_status`` still
reports what the gradebook holds.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from .deadlines import DeadlinePolicy, course_policy, load_policy, utc_naive

__all__ = ["LateStatus", "apply_policy", "read_status", "sync", "PolicyLatePenalty",
           "RefreshLatePenalties"]


@dataclass(frozen=True)
class LateStatus:
    """One submission's lateness as the gradebook holds it (times in UTC)."""

    student: str
    due: datetime | None  # the student's due date: the lab's, or their extension
    extension: timedelta | None
    submitted: datetime | None
    seconds_late: float
    penalty: float

    @property
    def late(self) -> bool:
        return self.seconds_late > 0

    def describe(self) -> str:
        """One line for people, e.g. "late by 1 d 12 h, -0.4 points (due 2026-03-02 11:00 UTC, extended)"."""
        if self.due is None:
            return "no due date"
        due = f"due {self.due:%Y-%m-%d %H:%M} UTC" + (", extended" if self.extension else "")
        if not self.late:
            return f"on time ({due})"
        return f"late by {_span(self.seconds_late)}, -{self.penalty:g} points ({due})"


def _span(seconds: float) -> str:
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(p for p in parts if p) or "under a minute"


def _utc(when: datetime | None) -> datetime | None:
    return None if when is None else when.replace(tzinfo=UTC)


def _status(sub) -> LateStatus:
    extension = sub.extension if sub.extension else None
    return LateStatus(student=sub.student_id, due=_utc(sub.duedate), extension=extension,
                      submitted=_utc(sub.timestamp), seconds_late=float(sub.total_seconds_late),
                      penalty=float(sum(nb.late_submission_penalty or 0.0 for nb in sub.notebooks)))


def read_status(db_url: str, lab: str) -> dict[str, LateStatus]:
    """Student id -> ``LateStatus`` of every submission of ``lab`` in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return {}
        return {sub.student_id: _status(sub) for sub in assignment.submissions}


def apply_policy(db_url: str, lab: str, policy: DeadlinePolicy,
                 students: Iterable[str] | None = None) -> dict[str, LateStatus]:
    """Write ``policy`` into the gradebook for ``lab``: due date, extensions, every penalty.

    Each submission's penalty is computed afresh from its submission time,
    its due date (with extension) and its current score, so it is 0 for a
    submission that is on time now, whatever it was before. A lab the policy
    does not name has no due date and no penalties. ``students`` limits the
    submissions rewritten (default: all). Returns the statuses written.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return {}
        assignment.duedate = utc_naive(policy.due(lab))
        wanted = None if students is None else set(students)
        statuses = {}
        for sub in assignment.submissions:
            if wanted is not None and sub.student_id not in wanted:
                continue
            sub.extension = policy.extension(lab, sub.student_id)
            seconds = float(sub.total_seconds_late) if assignment.duedate is not None else 0.0
            for nb in sub.notebooks:
                penalty = policy.late.penalty(float(nb.score), seconds)
                nb.late_submission_penalty = penalty or None
            statuses[sub.student_id] = _status(sub)
        gb.db.commit()
    return statuses


def sync(course_dir: str | Path, lab: str, db_url: str) -> dict[str, LateStatus]:
    """Apply the course's ``deadlines.toml`` to ``lab`` (if there is one) and return every status.

    ``DeadlinePolicyError`` (nothing written) if the file has a problem.
    """
    policy = course_policy(course_dir)
    if policy is not None:
        apply_policy(db_url, lab, policy)
    return read_status(db_url, lab)


def _policy_or_none(path: str) -> DeadlinePolicy | None:
    return load_policy(path) if path and Path(path).is_file() else None


class PolicyLatePenalty(LateSubmissionPlugin):
    """nbgrader's late-penalty plugin, with the course's policy (``c.AssignLatePenalties.plugin_class``).

    nbgrader calls it while autograding a late notebook, with the seconds
    late it computed from the gradebook's due date and extension (which
    ``apply_policy`` keeps in step with the policy file). Without a policy
    file there is no penalty.
    """

    policy_file = Unicode("", help="the course's deadlines.toml").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        policy = _policy_or_none(self.policy_file)
        if policy is None:
            return None
        return policy.late.penalty(float(score), float(total_seconds_late)) or None


class RefreshLatePenalties(NbGraderPreprocessor):
    """First step of ``generate_feedback``: the student's penalty recomputed from the policy file.

    Feedback shows the score after the penalty; recomputing it here makes
    hand grades given since autograding, a new extension or a moved due date
    count, whoever generates the feedback (the grading command, the
    formgrader's button).
    """

    policy_file = Unicode("", help="the course's deadlines.toml").tag(config=True)

    def preprocess(self, nb, resources):
        policy = _policy_or_none(self.policy_file)
        if policy is not None:
            info = resources["nbgrader"]
            apply_policy(info["db_url"], info["assignment"], policy, students=[info["student"]])
        return nb, resources


# --------------------------------------------------------------------------- in the exports
LATE_COLUMNS = ["due_used", "extension_hours", "hours_late", "late"]


def with_late_columns(grades, statuses: dict[str, LateStatus]):
    """nbgrader's grades export with the lateness of each row's submission added.

    ``due_used`` is the student's due date (their extension's, if any; ISO
    8601, UTC), ``extension_hours`` the extension, ``hours_late`` how late
    the submission was, ``late`` yes / no (empty: no submission or no due
    date). nbgrader's own ``late_submission_penalty`` column holds the points
    deducted, and its ``score`` is after the penalty.
    """
    grades = grades.copy()

    def pick(sid, what):
        status = statuses.get(str(sid))
        return "" if status is None or status.due is None else what(status)

    ids = grades["student_id"].astype(str)
    grades["due_used"] = [pick(s, lambda st: st.due.isoformat()) for s in ids]
    grades["extension_hours"] = [pick(s, lambda st: round(st.extension.total_seconds() / 3600, 2)
                                      if st.extension else 0) for s in ids]
    grades["hours_late"] = [pick(s, lambda st: round(st.seconds_late / 3600, 2)) for s in ids]
    grades["late"] = [pick(s, lambda st: "yes" if st.late else "no") for s in ids]
    return grades


def canvas_late_column(frame, header: str, match_on: str, statuses: dict[str, LateStatus]):
    """The Canvas frame with a column describing each student's lateness, if the lab has a due date.

    The column's *Points Possible* cell says "(read only)", as in Canvas' own
    export, so Canvas' gradebook import leaves it out (it skips columns so
    marked) instead of creating an assignment from it. Nothing is added when
    no submission has a due date.
    """
    if not any(s.due is not None for s in statuses.values()):
        return frame
    frame = frame.copy()
    notes = []
    for student, sid in zip(frame["Student"], frame[match_on], strict=True):
        if student == "Points Possible":
            notes.append("(read only)")
            continue
        status = statuses.get(str(sid).strip())
        notes.append(status.describe() if status is not None else "")
    frame[f"{header}: lateness"] = notes
    return frame
