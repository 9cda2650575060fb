"""The deadline policy file: a typed loader with clear errors, and the late penalty's arithmetic.

``reciprocity.grading.deadlines`` reads a course's ``deadlines.toml``. A bad
file is refused as a whole, with every problem named by its key and the
fix. The penalty is a share of the score per started day (or hour) late,
capped, with an optional grace period and cut-off; hypothesis checks its
properties over the whole range of lateness.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from reciprocity.grading.deadlines import (
    DeadlinePolicyError,
    LatePenalty,
    load_policy,
    parse_duration,
)

GOOD = """
[late]
per = "day"
deduct_percent = 10
max_deduct_percent = 50
grace = "PT15M"
zero_after = "P7D"

[labs.outreach]
due = 2026-03-01T12:00:00+01:00

[labs.outreach.extensions]
ann = 2026-03-04T12:00:00+01:00
bo = "P1DT12H"

[labs.content]
due = "2026-03-15T23:59:00Z"
"""
LABS = ["outreach", "content", "trials"]


def _write(tmp_path, text):
    path = tmp_path / "deadlines.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_policy_gives_each_student_their_due_date(tmp_path):
    policy = load_policy(_write(tmp_path, GOOD), known_labs=LABS)
    due = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert policy.due("outreach") == due
    assert policy.due("outreach", "ann") == datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    assert policy.due("outreach", "bo") == due + timedelta(days=1, hours=12)
    assert policy.due("outreach", "cy") == due and policy.extension("outreach", "cy") is None
    assert policy.extension("outreach", "ann") == timedelta(days=3)
    assert policy.due("content") == datetime(2026, 3, 15, 23, 59, tzinfo=UTC)
    assert policy.due("trials") is None  # no due date: never late
    late = policy.late
    assert (late.per, late.deduct, late.cap) == ("day", 0.10, 0.50)
    assert (late.grace, late.zero_after) == (timedelta(minutes=15), timedelta(days=7))
    assert "10% of the score per started day" in late.describe()


@pytest.mark.parametrize(("text", "where", "says"), [
    ('[labs.outreach]\ndue = 2026-03-01T12:00:00\n', "labs.outreach.due", "has no timezone"),
    ('[labs.outreach]\ndue = "1 March"\n', "labs.outreach.due", "not an ISO 8601 date-time"),
    ('[labs.outreach]\ndue = 2026-03-01\n', "labs.outreach.due", "not a date and time"),
    ('[labs.outreech]\ndue = 2026-03-01T12:00:00Z\n', "labs.outreech", "has no lab 'outreech'"),
    ('[labs.outreach]\n', "labs.outreach", "no due date"),
    ('[late]\ndeduct_percent = -10\n', "late.deduct_percent", "cannot be negative"),
    ('[late]\ndeduct_percent = 120\n', "late.deduct_percent", "from 0 to 100"),
    ('[late]\nper = "week"\n', "late.per", "per = \"day\""),
    ('[late]\ndeduct_percent = 20\nmax_deduct_percent = 10\n', "late.max_deduct_percent", "below"),
    ('[late]\nzero_after = "1 week"\n', "late.zero_after", "ISO 8601 duration"),
    ('[late]\nzero_after = "P1M"\n', "late.zero_after", "ISO 8601 duration"),
    ('[late]\ndeduct = 10\n', "late.deduct", "unknown setting"),
    ('[labs.outreach]\ndue = 2026-03-01T12:00:00Z\n[labs.outreach.extensions]\n'
     'ann = 2026-02-27T12:00:00Z\n', "labs.outreach.extensions.ann", "before the lab's due date"),
    ('[labs.outreach]\ndue = 2026-03-01T12:00:00Z\n[labs.outreach.extensions]\nann = "2 days"\n',
     "labs.outreach.extensions.ann", "not an ISO 8601 date-time"),
    ('[deadline]\n', "deadline", "unknown section"),
])
def test_a_bad_file_says_what_is_wrong_where_and_what_to_do(tmp_path, text, where, says):
    path = _write(tmp_path, text)
    with pytest.raises(DeadlinePolicyError) as err:
        load_policy(path, known_labs=LABS)
    message = str(err.value)
    assert str(path) in message and "nothing was applied" in message
    assert f"{where}: " in message and says in message, message


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, '[late]\nper = "week"\ndeduct_percent = -1\n'
                            '[labs.nope]\ndue = 2026-03-01T12:00:00Z\n')
    with pytest.raises(DeadlinePolicyError, match=r"has 3 problem\(s\)"):
        load_policy(path, known_labs=LABS)


def test_a_toml_syntax_error_gives_the_line(tmp_path):
    path = _write(tmp_path, "[labs.outreach]\ndue = 2026-03-01 at noon\n")
    with pytest.raises(DeadlinePolicyError, match=r"not valid TOML.*line 2"):
        load_policy(path, known_labs=LABS)


def test_durations_are_iso_8601():
    assert parse_duration("P2D") == timedelta(days=2)
    assert parse_duration("PT36H") == timedelta(hours=36)
    assert parse_duration("P1DT12H30M") == timedelta(days=1, hours=12, minutes=30)
    assert parse_duration("P1W") == timedelta(weeks=1)
    for bad in ("P", "PT", "2 days", "P1Y", "-P1D", ""):
        with pytest.raises(ValueError, match="ISO 8601 duration"):
            parse_duration(bad)


# --------------------------------------------------------------------------- the penalty
penalties = st.builds(
    LatePenalty,
    per=st.sampled_from(["day", "hour"]),
    deduct=st.floats(0, 1),
    cap=st.floats(0, 1),
    grace=st.timedeltas(timedelta(0), timedelta(hours=6)),
    zero_after=st.none() | st.timedeltas(timedelta(hours=1), timedelta(days=30)),
).filter(lambda p: p.cap >= p.deduct or p.deduct == 0)
scores = st.floats(0, 100)
lateness = st.floats(-1e7, 1e7)


@given(penalties, scores, lateness)
def test_the_penalty_is_never_negative_nor_above_the_cap(rule, score, seconds):
    penalty = rule.penalty(score, seconds)
    assert penalty >= 0
    beyond_cutoff = rule.zero_after is not None and seconds > rule.zero_after.total_seconds()
    assert penalty <= (score if beyond_cutoff else rule.cap * score) + 1e-9


@given(penalties, scores, st.floats(-1e7, 0))
def test_on_time_costs_nothing(rule, score, seconds):
    assert rule.penalty(score, seconds) == 0


@given(penalties, scores, st.floats(0, 1))
def test_lateness_within_the_grace_period_costs_nothing(rule, score, share):
    assert rule.penalty(score, share * rule.grace.total_seconds()) == 0


@given(penalties, scores, lateness, lateness)
def test_later_never_costs_less(rule, score, a, b):
    early, late = sorted((a, b))
    assert rule.penalty(score, early) <= rule.penalty(score, late)


@given(scores)
def test_each_started_day_costs_its_share(score):
    rule = LatePenalty(per="day", deduct=0.1, cap=0.5, zero_after=timedelta(days=7))
    assert rule.penalty(score, 1) == pytest.approx(0.1 * score)  # one second: a started day
    assert rule.penalty(score, 86400) == pytest.approx(0.1 * score)
    assert rule.penalty(score, 86401) == pytest.approx(0.2 * score)
    assert rule.penalty(score, 6 * 86400) == pytest.approx(0.5 * score)  # capped
    assert rule.penalty(score, 7 * 86400 + 1) == pytest.approx(score)  # past the cut-off: 0 left
