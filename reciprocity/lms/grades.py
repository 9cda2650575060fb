"""Grades back to the LMS (LTI Assignment and Grade Services): one line item per lab, each score posted once.

``post_lab_grades(config, course, lab, db_url)`` reads the lab's scores from
the course's gradebook (the grading package's readers: scores, late
penalties, answers still waiting for a hand grade), finds the lab's line
item in the LMS course by its ``resourceId`` (the lab's name) or creates it
with ``scoreMaximum`` = the lab's points, and posts each graded student's
score through pylti1p3's ``AssignmentsGradesService``:

* ``activityProgress`` is ``Completed`` (the student submitted);
* ``gradingProgress`` is ``PendingManual`` while any of the student's
  answers waits for a hand grade (the score then counts the autograded part
  only), and ``FullyGraded`` once none does;
* the score is after the late penalty, as in the Canvas export.

A ledger (``LtiConfig.ledger_path``, JSON, written atomically after each
post) remembers what was posted for each course, lab and student; a score,
maximum or progress that has not changed since is not posted again, and a
regrade that changes any of them is posted once. Call it after every grading
run and after hand grading (it is cheap when nothing changed); students
without an LTI id (who never launched the tool from the LMS) are reported,
not posted.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from .config import LtiConfig
from .launches import LaunchRecords
from .services import AGS_LINEITEM, AGS_SCORE, grades_service
from .store import JsonStore

__all__ = ["LabScore", "PassbackReport", "GradePassbackError", "lab_scores", "post_lab_grades",
           "ACTIVITY_COMPLETED", "PENDING_MANUAL", "FULLY_GRADED"]

ACTIVITY_COMPLETED = "Completed"
PENDING_MANUAL = "PendingManual"
FULLY_GRADED = "FullyGraded"


class GradePassbackError(RuntimeError):
    """Grades cannot be posted for this course; the message says why and what to do."""


@dataclass(frozen=True)
class LabScore:
    """One student's graded submission of a lab, as the LMS should receive it."""

    student: str
    score: float  # after the late penalty, never below 0
    max_score: float
    pending_manual: int  # answers still waiting for a hand grade

    @property
    def grading_progress(self) -> str:
        return PENDING_MANUAL if self.pending_manual else FULLY_GRADED


@dataclass
class PassbackReport:
    """What one ``post_lab_grades`` call did, student by student."""

    course: str
    lab: str
    lineitem: str | None = None
    posted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    no_lti_id: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One paragraph for the grading page or a log."""
        parts = [f"{self.course}/{self.lab}: {len(self.posted)} score(s) posted to the LMS, "
                 f"{len(self.unchanged)} unchanged"]
        if self.no_lti_id:
            parts.append(f"not posted, never launched the tool from the LMS: {', '.join(self.no_lti_id)}")
        if self.failed:
            parts.append("refused by the LMS: " + "; ".join(f"{s}: {m}" for s, m in self.failed.items()))
        return ". ".join(parts + self.warnings) + "."


def lab_scores(db_url: str, lab: str) -> list[LabScore]:
    """Every graded submission of ``lab`` in the gradebook: score after penalty, maximum, hand grades pending."""
    from reciprocity.grading.gradebook import (
        existing_gradebook,
        graded_timestamps,
        pending_manual_grades,
        submission_score,
    )
    from reciprocity.grading.late import read_status

    db = existing_gradebook(db_url, lab)
    penalties = {student: status.penalty for student, status in read_status(db, lab).items()}
    pending: dict[str, int] = {}
    for grade in pending_manual_grades(db, lab):
        pending[grade.student] = pending.get(grade.student, 0) + 1
    scores = []
    for student in sorted(graded_timestamps(db, lab)):
        found = submission_score(db, lab, student)
        if found is None:
            continue
        score, maximum = found
        scores.append(LabScore(student, round(max(0.0, score - penalties.get(student, 0.0)), 4),
                               round(maximum, 4), pending.get(student, 0)))
    return scores


def _now() -> str:
    # AGS wants sub-second precision: a platform keeps the score with the latest timestamp
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _lineitems(config: LtiConfig, course: str, records: LaunchRecords) -> tuple[str, Sequence[str], str]:
    link = config.courses.get(course)
    if link is None:
        raise GradePassbackError(f"{course!r} is not a course of {config.path}; add [courses.{course}] "
                                 "with its LMS context_id")
    services = records.services(course)
    url = (services.lineitems_url if services else None) or link.lineitems_url
    if not url:
        raise GradePassbackError(
            f"the LMS has not told the hub where {course}'s grade book is: nobody has launched the tool "
            "from that LMS course yet, or its launches carry no Assignment and Grade Services claim. "
            "Open the tool once from the LMS course (an instructor's launch is enough), and enable "
            "'Assignment and Grade Services' in the tool's registration; or set "
            f"[courses.{course}] lineitems_url in {config.path}")
    scopes = tuple(services.ags_scopes) if services and services.ags_scopes else (AGS_LINEITEM, AGS_SCORE)
    missing = [s for s in (AGS_LINEITEM, AGS_SCORE) if s not in scopes]
    if missing:
        raise GradePassbackError(f"the LMS did not grant the tool {', '.join(missing)} in {course}; "
                                 "enable creating line items and posting scores in the tool's registration")
    client = (services.client_id if services and services.client_id else None) or link.client_id
    return url, scopes, client


def post_lab_grades(config: LtiConfig, course: str, lab: str, db_url: str, *,
                    records: LaunchRecords | None = None, label: str | None = None,
                    session: requests.Session | None = None) -> PassbackReport:
    """Post every graded student's score of ``lab`` to the LMS course linked to ``course``; what was done.

    Scores already posted with the same value, maximum and progress are
    skipped. ``GradePassbackError`` when the course cannot be reached at all
    (no line items URL yet, a missing scope, the line item refused); a
    student the LMS refuses is reported in ``failed`` and retried next time.

    Example
    -------
    >>> report = post_lab_grades(config, "reciprocity-a", "outreach", db_url)   # doctest: +SKIP
    >>> print(report.describe())                                               # doctest: +SKIP
    reciprocity-a/outreach: 20 score(s) posted to the LMS, 0 unchanged.
    """
    from pylti1p3.exception import LtiException
    from pylti1p3.grade import Grade
    from pylti1p3.lineitem import LineItem

    records = records or LaunchRecords(config.launches_path)
    url, scopes, client = _lineitems(config, course, records)
    report = PassbackReport(course, lab)
    scores = lab_scores(db_url, lab)
    if not scores:
        return report
    ids = records.lti_user_ids()  # an LTI user id is the same in every course of one platform
    ags = grades_service(config, client, url, scopes, session)
    maximum = max(s.max_score for s in scores)
    wanted = (LineItem().set_resource_id(lab).set_label(label or lab).set_score_maximum(maximum)
              .set_tag("reciprocity-lab"))
    try:
        lineitem = ags.find_or_create_lineitem(wanted, find_by="resource_id")
    except (LtiException, requests.RequestException) as err:
        raise GradePassbackError(f"the LMS refused the line item of {lab} in {course} ({url}): {err}") from err
    report.lineitem = lineitem.get_id()
    if lineitem.get_score_maximum() not in (None, maximum):
        report.warnings.append(f"the LMS line item of {lab} has {lineitem.get_score_maximum()} points, the "
                               f"lab {maximum:g}: change it in the LMS so that percentages match")
    ledger = JsonStore(config.ledger_path)
    posted = ledger.read().get(f"{course}/{lab}", {})
    for score in scores:
        sub = ids.get(score.student)
        if sub is None:
            report.no_lti_id.append(score.student)
            continue
        entry = {"sub": sub, "lineitem": report.lineitem, "scoreGiven": score.score,
                 "scoreMaximum": score.max_score, "activityProgress": ACTIVITY_COMPLETED,
                 "gradingProgress": score.grading_progress}
        if {k: posted.get(score.student, {}).get(k) for k in entry} == entry:
            report.unchanged.append(score.student)
            continue
        grade = (Grade().set_user_id(sub).set_score_given(score.score).set_score_maximum(score.max_score)
                 .set_activity_progress(ACTIVITY_COMPLETED).set_grading_progress(score.grading_progress)
                 .set_timestamp(_now()))
        try:
            ags.put_grade(grade, lineitem)
        except (LtiException, requests.RequestException) as err:
            report.failed[score.student] = str(err)
            continue
        with ledger.change() as data:  # after each post: a crash re-posts at most this one student
            data.setdefault(f"{course}/{lab}", {})[score.student] = {**entry, "posted_at": grade.get_timestamp()}
        report.posted.append(score.student)
    return report
