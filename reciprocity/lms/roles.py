"""LTI roles in an LMS course → the hub groups of the linked course.

The hub's groups are those ``deploy/hub/jupyterhub_config.py`` gives each
course (its roles hang on them):

===================  ==============================================================
course role          hub groups
===================  ==============================================================
``instructor``       ``nbgrader-C``, ``formgrade-C``, ``instructors-C``
``ta``               ``nbgrader-C``, ``formgrade-C``
``student``          ``nbgrader-C``, ``students-C``
===================  ==============================================================

Only *context* roles count (``.../lis/v2/membership#...``, or the simple
names ``Instructor`` and ``Learner`` the LTI 1.3 specification still
allows): an institution role (``.../institution/person#Instructor``) says what
someone is at the school, not in this course. The teaching assistant sub-role
(``.../membership/Instructor#TeachingAssistant``) comes with the principal
``Instructor`` role in a launch (the specification asks platforms to send
both), so it wins over it. ``Administrator`` in a course counts as
instructor. Every other role (``Mentor``, ``ContentDeveloper``, ...) has no
place in a course on the hub: ``course_role`` gives None and the launch is
refused. pylti1p3's role checks are not used because its student check also
accepts institution roles.

A person in several LMS courses has the groups of each (``hub_groups``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

__all__ = ["CourseRole", "MEMBERSHIP", "INSTRUCTOR", "LEARNER", "TEACHING_ASSISTANT",
           "course_role", "course_groups", "hub_groups", "all_course_groups", "GROUP_PREFIXES", "role_claims"]

CourseRole = Literal["instructor", "ta", "student"]

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTRUCTOR = f"{MEMBERSHIP}#Instructor"
LEARNER = f"{MEMBERSHIP}#Learner"
TEACHING_ASSISTANT = f"{MEMBERSHIP}/Instructor#TeachingAssistant"

# context role name (after '#') -> course role; sub-roles are matched by their name too
_INSTRUCTOR_NAMES = {"Instructor", "Administrator"}
_TA_NAMES = {"TeachingAssistant"}
_LEARNER_NAMES = {"Learner"}

GROUP_PREFIXES: Mapping[CourseRole, tuple[str, ...]] = {
    "instructor": ("nbgrader", "formgrade", "instructors"),
    "ta": ("nbgrader", "formgrade"),
    "student": ("nbgrader", "students"),
}
_ALL_PREFIXES = ("nbgrader", "formgrade", "instructors", "students")


def _context_role_names(roles: Iterable[str]) -> set[str]:
    """The names of the context roles among LTI role URIs (simple names count as context roles)."""
    names = set()
    for role in roles:
        if not isinstance(role, str):
            continue
        if role.startswith(MEMBERSHIP + "#") or role.startswith(MEMBERSHIP + "/"):
            names.add(role.rsplit("#", 1)[-1])
        elif role in _INSTRUCTOR_NAMES | _LEARNER_NAMES:
            names.add(role)
    return names


def course_role(roles: Iterable[str]) -> CourseRole | None:
    """The course role of a launch's LTI roles, or None when none of them has a place in the course.

    Example
    -------
    >>> course_role(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    ...              "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"])
    'ta'
    >>> course_role(["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"]) is None
    True
    """
    names = _context_role_names(roles)
    if names & _TA_NAMES:
        return "ta"
    if names & _INSTRUCTOR_NAMES:
        return "instructor"
    if names & _LEARNER_NAMES:
        return "student"
    return None


def course_groups(course: str, role: CourseRole) -> list[str]:
    """The hub groups of ``role`` in ``course``, e.g. ``["nbgrader-c", "students-c"]``."""
    return [f"{prefix}-{course}" for prefix in GROUP_PREFIXES[role]]


def hub_groups(memberships: Mapping[str, CourseRole]) -> list[str]:
    """Every hub group of a person with these course roles (course -> role), sorted."""
    return sorted({group for course, role in memberships.items() for group in course_groups(course, role)})


def all_course_groups(course: str) -> list[str]:
    """Every group the hub has for ``course`` (the ones a launch may add someone to)."""
    return [f"{prefix}-{course}" for prefix in _ALL_PREFIXES]


def role_claims(role: CourseRole) -> list[str]:
    """The LTI role URIs a platform sends for a course role (what the tests' platform sends)."""
    return {"instructor": [INSTRUCTOR], "ta": [INSTRUCTOR, TEACHING_ASSISTANT], "student": [LEARNER]}[role]
