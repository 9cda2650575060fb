"""A course's roster from the LMS (Names and Role Provisioning Services), for the hub and the gradebook.

``course_members`` asks the LMS for everyone in a linked course (pylti1p3's
``NamesRolesProvisioningService``) and maps each member to a hub username and
a course role. ``lms_roster`` gives the result in the shapes
``deploy/hub/run.py`` already uses for its roster file (course -> instructors,
TAs, students; person -> first_name, last_name, email, lms_user_id), and
``enrol_from_lms`` puts the course's students, with their names and LTI ids,
into the gradebook (``reciprocity.grading.gradebook.enrol_students``), so that
students who never submit appear in the formgrader and in every export.

A member's hub username is the one their own launch gave (the launch
records), else the member's field named by ``[tool] username_key`` when NRPS
carries it (``sub``/``user_id``, ``email``, ``given_name``, ``name``...), in
lower case as JupyterHub keeps it. With a ``custom_...`` key, members who never
launched have no username yet: they are returned as unmatched.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .config import LtiConfig
from .launches import LaunchRecords
from .roles import CourseRole, course_role
from .services import roster_service

__all__ = ["Member", "RosterUnavailable", "course_members", "member_of", "lms_roster", "enrol_from_lms"]


class RosterUnavailable(RuntimeError):
    """The LMS's roster cannot be read for this course; the message says why and what to do."""


@dataclass(frozen=True)
class Member:
    """One person on an LMS course's roster."""

    lti_user_id: str
    username: str | None  # None: not known to the hub yet (see the module docstring)
    role: CourseRole | None  # None: a role with no place in the course (e.g. Mentor)
    status: str  # Active, Inactive or Deleted (NRPS)
    given_name: str = ""
    family_name: str = ""
    name: str = ""
    email: str = ""


def _username(member: Mapping[str, Any], key: str, known: Mapping[str, str]) -> str | None:
    sub = str(member.get("user_id", ""))
    if sub in known:
        return known[sub]
    field = {"sub": "user_id"}.get(key, key)
    value = member.get(field) if not key.startswith("custom_") else None
    return str(value).lower() if value else None


def _members_url(config: LtiConfig, course: str, records: LaunchRecords) -> tuple[str, str]:
    if course not in config.courses:
        raise RosterUnavailable(f"{course!r} is not a course of {config.path}; add [courses.{course}]")
    services = records.services(course)
    if services is None or not services.nrps_url:
        raise RosterUnavailable(
            f"the LMS has not told the hub where {course}'s roster is: nobody has launched the tool from "
            "that LMS course yet, or its launches carry no Names and Role Provisioning claim. Open the "
            "tool once from the LMS course (an instructor's launch is enough), and enable 'Names and "
            "Roles' (Canvas: the developer key's LTI Advantage services) in the tool's registration")
    return services.nrps_url, services.client_id or config.courses[course].client_id


def course_members(config: LtiConfig, course: str, *, records: LaunchRecords | None = None,
                   session: requests.Session | None = None) -> list[Member]:
    """Everyone on the LMS roster of ``course``, each with a hub username (when known) and a course role.

    ``RosterUnavailable`` when no launch has given the roster's URL yet or the
    LMS refuses the request (the message includes its answer).
    """
    from pylti1p3.exception import LtiException

    records = records or LaunchRecords(config.launches_path)
    url, client = _members_url(config, course, records)
    known = {sub: name for name, sub in records.lti_user_ids().items()}
    try:
        raw = roster_service(config, client, url, session).get_members()
    except (LtiException, requests.RequestException) as err:
        raise RosterUnavailable(f"the LMS refused the roster of {course} ({url}): {err}") from err
    return [Member(lti_user_id=str(m.get("user_id", "")), username=_username(m, config.username_key, known),
                   role=course_role(m.get("roles", [])), status=str(m.get("status") or "Active"),
                   given_name=str(m.get("given_name") or ""), family_name=str(m.get("family_name") or ""),
                   name=str(m.get("name") or ""), email=str(m.get("email") or ""))
            for m in raw]


def member_of(config: LtiConfig, client_id: str, memberships_url: str, sub: str,
              session: requests.Session | None = None) -> Member | None:
    """The active roster entry of LTI user ``sub`` in the course at ``memberships_url`` (None: not on it).

    The launch hook's membership check; ``RosterUnavailable`` if the LMS does not answer.
    """
    from pylti1p3.exception import LtiException

    try:
        raw = roster_service(config, client_id, memberships_url, session).get_members()
    except (LtiException, requests.RequestException) as err:
        raise RosterUnavailable(f"the LMS did not give the course roster ({memberships_url}): {err}") from err
    for m in raw:
        if str(m.get("user_id")) == sub and str(m.get("status") or "Active") == "Active":
            return Member(lti_user_id=sub, username=None, role=course_role(m.get("roles", [])),
                          status="Active")
    return None


def lms_roster(config: LtiConfig, course: str, *, records: LaunchRecords | None = None,
               session: requests.Session | None = None
               ) -> tuple[dict[str, list[str]], dict[str, dict[str, str]], list[Member]]:
    """The LMS roster of ``course`` in ``deploy/hub/run.py``'s shapes, and the members left out.

    Returns ``(people, names, unmatched)``: ``people`` is ``{"instructors":
    [...], "tas": [...], "students": [...]}`` (hub usernames, sorted, active
    members only), ``names`` is username -> ``first_name``, ``last_name``,
    ``email``, ``lms_user_id`` (the LTI ``sub``), and ``unmatched`` lists
    active members with no hub username yet or a role with no place in the
    course.

    Example
    -------
    >>> people, names, unmatched = lms_roster(config, "reciprocity-a")   # doctest: +SKIP
    >>> people["students"][:2]                                           # doctest: +SKIP
    ['amara', 'bao']
    """
    people: dict[str, list[str]] = {"instructors": [], "tas": [], "students": []}
    names: dict[str, dict[str, str]] = {}
    unmatched = []
    key = {"instructor": "instructors", "ta": "tas", "student": "students"}
    for member in course_members(config, course, records=records, session=session):
        if member.status != "Active":
            continue
        if member.username is None or member.role is None:
            unmatched.append(member)
            continue
        people[key[member.role]].append(member.username)
        first, last = member.given_name, member.family_name
        if not (first or last) and member.name:
            first, _, last = member.name.rpartition(" ")
        names[member.username] = {k: v for k, v in {"first_name": first, "last_name": last,
                                                     "email": member.email,
                                                     "lms_user_id": member.lti_user_id}.items() if v}
    return {k: sorted(set(v)) for k, v in people.items()}, names, unmatched


def enrol_from_lms(config: LtiConfig, course: str, db_url: str, *, records: LaunchRecords | None = None,
                   session: requests.Session | None = None) -> tuple[int, list[Member]]:
    """Put the course's students from the LMS roster, with names and LTI ids, into its gradebook.

    Returns (students written, members left out); see ``lms_roster``.
    """
    from reciprocity.grading.gradebook import enrol_students

    people, names, unmatched = lms_roster(config, course, records=records, session=session)
    count = enrol_students(db_url, course, {s: names.get(s, {}) for s in people["students"]})
    return count, unmatched
