"""Grades to the LMS (AGS) and the roster from it (NRPS), against the emulated platform; no hub.

The launch records are written as the hub's launch hook writes them, with
the service URLs and scopes the platform's launches carry.
"""
from __future__ import annotations

import json
import secrets
import stat
import time

import pytest
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade

from reciprocity.lms import grades, roster, services
from reciprocity.lms.launches import CourseServices, Launch, LaunchRecords
from tests.lms.conftest import COURSES, LAB, PEOPLE, open_school, regrade, sub_of, write_lti_toml

pytestmark = pytest.mark.lti

LAUNCH_AGS_SCOPES = (services.AGS_LINEITEM, services.AGS_RESULT_READONLY, services.AGS_SCORE)


@pytest.fixture
def lms(tool_key):
    platform = open_school(tool_key)
    yield platform
    platform.close()


@pytest.fixture
def config(lms, tool_key, tmp_path):
    return write_lti_toml(tmp_path / "lti.toml", lms, tool_key, tmp_path / "state")


def launched(config, lms, *usernames: str, course: str = "reciprocity-a") -> LaunchRecords:
    """Record launches of ``usernames`` into ``course``, as the hub's hook does after checking them."""
    records = LaunchRecords(config.launches_path)
    context, title, client, deployment = COURSES[course]
    for name in usernames:
        role = PEOPLE[name][2][context]
        records.accept(Launch(
            username=name, sub=sub_of(name), role=role, nonce=secrets.token_hex(8), expires=time.time() + 300,
            services=CourseServices(course, context, title, deployment, client, lms.lineitems_url(context),
                                    LAUNCH_AGS_SCOPES, lms.memberships_url(context))))
    return records


def posts(lms, context="ctx-a"):
    return [(p["userId"], p["scoreGiven"], p["gradingProgress"]) for p in lms.courses[context].score_posts]


def test_a_lab_is_one_line_item_created_once(lms, config, new_gradebook):
    launched(config, lms, "ines", "s01", "s02")
    db = new_gradebook({"s01": (18, 9), "s02": (20, 12)})
    first = grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    second = grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    items = list(lms.courses["ctx-a"].lineitems.values())
    assert [(i["resourceId"], i["scoreMaximum"], i["label"]) for i in items] == [(LAB, 32, LAB)]
    assert first.lineitem == second.lineitem == items[0]["id"]
    assert (first.posted, second.posted, second.unchanged) == (["s01", "s02"], [], ["s01", "s02"])


def test_scores_go_pending_manual_then_fully_graded_after_the_late_penalty(lms, config, new_gradebook):
    launched(config, lms, "s01", "s02", "s03")
    db = new_gradebook({"s01": (18, None), "s02": (20, 10), "s03": (5, 0)})
    regrade(db, "s03", penalty=2)
    grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    assert posts(lms) == [(sub_of("s01"), 18, "PendingManual"), (sub_of("s02"), 30, "FullyGraded"),
                          (sub_of("s03"), 3, "FullyGraded")]
    assert {p["activityProgress"] for p in lms.courses["ctx-a"].score_posts} == {"Completed"}
    assert {p["scoreMaximum"] for p in lms.courses["ctx-a"].score_posts} == {32}

    regrade(db, "s01", memo=9)  # the memo is hand-graded: the score is final
    report = grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    assert (report.posted, report.unchanged) == (["s01"], ["s02", "s03"])
    assert posts(lms)[3:] == [(sub_of("s01"), 27, "FullyGraded")]
    assert lms.scores("ctx-a", LAB)[sub_of("s01")]["scoreGiven"] == 27


def test_a_regrade_that_changes_a_score_is_posted_once(lms, config, new_gradebook):
    launched(config, lms, "s01", "s02")
    db = new_gradebook({"s01": (18, 9), "s02": (20, 12)})
    grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    regrade(db, "s02", auto=15)
    regrade(db, "s01", auto=18)  # regraded, same score
    changed = grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    again = grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    assert (changed.posted, changed.unchanged, again.posted) == (["s02"], ["s01"], [])
    assert posts(lms) == [(sub_of("s01"), 27, "FullyGraded"), (sub_of("s02"), 32, "FullyGraded"),
                          (sub_of("s02"), 27, "FullyGraded")]
    ledger = config.ledger_path
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    assert json.loads(ledger.read_text())[f"reciprocity-a/{LAB}"]["s02"]["scoreGiven"] == 27


def test_a_student_who_never_launched_is_reported_not_posted(lms, config, new_gradebook):
    launched(config, lms, "s01")
    db = new_gradebook({"s01": (18, 9), "s02": (20, 12)})
    report = grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    assert (report.posted, report.no_lti_id) == (["s01"], ["s02"])
    assert "never launched the tool from the LMS: s02" in report.describe()


def test_grades_wait_for_a_launch_that_names_the_grade_book(config, new_gradebook):
    db = new_gradebook({"s01": (18, 9)})
    with pytest.raises(grades.GradePassbackError, match="nobody has launched the tool from that LMS course"):
        grades.post_lab_grades(config, "reciprocity-a", LAB, db)


def test_an_ags_token_for_one_course_cannot_post_to_another(lms, config, new_gradebook):
    launched(config, lms, "s04")
    launched(config, lms, "s04", course="reciprocity-b")
    b_item = grades.post_lab_grades(config, "reciprocity-b", LAB,
                                    new_gradebook({"s04": (10, 10)}, "b.db")).lineitem
    a_grades = services.grades_service(config, "tool-a", lms.lineitems_url("ctx-a"), LAUNCH_AGS_SCOPES)
    forged = (Grade().set_user_id(sub_of("s04")).set_score_given(32).set_score_maximum(32)
              .set_activity_progress("Completed").set_grading_progress("FullyGraded")
              .set_timestamp("2030-01-01T00:00:00.000+00:00"))
    with pytest.raises(LtiServiceException) as refused:
        a_grades.put_grade(forged, grades_line_item(b_item))
    assert refused.value.response.status_code == 403
    assert ("issued to client tool-a for course(s) ctx-a, ctx-c; it gives no access to course ctx-b"
            in str(refused.value))
    assert lms.scores("ctx-b", LAB)[sub_of("s04")]["scoreGiven"] == 20  # untouched
    assert {t["client_id"]: t["contexts"] for t in lms.tokens_issued} == {"tool-a": ["ctx-a", "ctx-c"],
                                                                           "tool-b": ["ctx-b"]}


def grades_line_item(url: str):
    from pylti1p3.lineitem import LineItem

    return LineItem({"id": url})


def test_course_a_grades_never_reach_course_b_even_if_its_records_point_there(lms, config, new_gradebook):
    records = launched(config, lms, "s04")
    with records.store.change() as data:  # a tampered record: course A's grade book URL is B's
        data["courses"]["reciprocity-a"]["lineitems_url"] = lms.lineitems_url("ctx-b")
    db = new_gradebook({"s04": (20, 12)})
    with pytest.raises(grades.GradePassbackError, match=r"403 - .*gives no access to course ctx-b"):
        grades.post_lab_grades(config, "reciprocity-a", LAB, db)
    assert lms.courses["ctx-b"].score_posts == []


def test_the_roster_comes_from_the_lms(lms, config, new_gradebook):
    launched(config, lms, "ivo", "s04", course="reciprocity-b")
    people, names, unmatched = roster.lms_roster(config, "reciprocity-b")
    # members who never launched have no hub username yet (username_key is a custom field)
    assert people == {"instructors": ["ivo"], "tas": [], "students": ["s04"]}
    assert sorted(m.email for m in unmatched) == ["s05@school.example", "s06@school.example"]
    assert names["s04"] == {"first_name": "Dana", "last_name": "Levi", "email": "s04@school.example",
                            "lms_user_id": sub_of("s04")}
    launched(config, lms, "s05", "s06", course="reciprocity-b")
    db = new_gradebook({})
    count, unmatched = roster.enrol_from_lms(config, "reciprocity-b", db)
    assert (count, unmatched) == (3, [])
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        assert {(s.id, s.first_name, s.last_name, s.lms_user_id) for s in gb.students} == {
            (u, PEOPLE[u][0], PEOPLE[u][1], sub_of(u)) for u in ("s04", "s05", "s06")}


def test_the_roster_needs_a_launch_that_names_it(config):
    with pytest.raises(roster.RosterUnavailable, match="nobody has launched the tool from that LMS course"):
        roster.lms_roster(config, "reciprocity-a")
