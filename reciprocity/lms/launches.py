"""What the hub learns from accepted LTI launches: who is who in the LMS, in which course, its service URLs.

The hub's launch hook (``reciprocity.lms.authenticator``) records every
accepted launch in ``STATE/launches.json`` (``LtiConfig.launches_path``):

* ``nonces``: each used launch nonce until its id_token expires, so that a
  replayed launch is refused;
* ``people``: hub username -> the person's LTI ``sub`` (the id the LMS's
  grade and roster services use) and their role in each course;
* ``courses``: course -> the LMS context, the deployment and registration
  its launches came through, and the Assignment and Grade Services (line
  items URL, scopes) and Names and Role Provisioning Services URLs their
  latest launch carried.

Grade passback (``grades``) and the roster (``roster``) read it: they need
the LTI ``sub`` of each student and the course's service URLs, which only a
launch from the course tells the tool.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .roles import CourseRole
from .store import JsonStore

__all__ = ["Launch", "CourseServices", "LaunchRecords"]


@dataclass(frozen=True)
class CourseServices:
    """An LMS course's LTI services, as its latest launch announced them."""

    course: str
    context_id: str
    context_title: str = ""
    deployment_id: str = ""
    client_id: str = ""
    lineitems_url: str | None = None
    ags_scopes: tuple[str, ...] = ()
    nrps_url: str | None = None


@dataclass(frozen=True)
class Launch:
    """One accepted launch: the person, their course role, the course's services, the nonce it used."""

    username: str
    sub: str
    role: CourseRole
    services: CourseServices
    nonce: str
    expires: float  # the id_token's exp (seconds since the epoch): the nonce is kept until then
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""


class LaunchRecords:
    """The launch records file (``LtiConfig.launches_path``).

    Example
    -------
    >>> records = LaunchRecords(config.launches_path)      # doctest: +SKIP
    >>> records.lti_user_ids("reciprocity-a")               # doctest: +SKIP
    {'amara': '8c1f...', 'bao': '02d4...'}
    """

    def __init__(self, path: str | Path):
        self.store = JsonStore(path)

    @property
    def path(self) -> Path:
        return self.store.path

    def nonce_used(self, nonce: str) -> bool:
        """Whether an accepted launch already used ``nonce`` (and its token has not expired)."""
        return nonce in self.store.read().get("nonces", {})

    def accept(self, launch: Launch, now: float | None = None) -> dict[str, CourseRole]:
        """Record ``launch``; return the person's course roles afterwards (every course they launched into).

        ``ValueError`` if the launch's nonce was used already (checked under
        the file's lock, so two launches with one nonce cannot both pass).
        """
        now = time.time() if now is None else now
        with self.store.change() as data:
            nonces = {n: exp for n, exp in data.get("nonces", {}).items() if exp >= now}
            if launch.nonce in nonces:
                raise ValueError("nonce already used")
            nonces[launch.nonce] = launch.expires
            data["nonces"] = nonces
            services = asdict(launch.services)
            services["ags_scopes"] = list(launch.services.ags_scopes)
            services["updated"] = now
            data.setdefault("courses", {})[launch.services.course] = services
            person = data.setdefault("people", {}).setdefault(launch.username, {})
            person.update(sub=launch.sub, name=launch.name, given_name=launch.given_name,
                          family_name=launch.family_name, email=launch.email)
            person.setdefault("courses", {})[launch.services.course] = {"role": launch.role,
                                                                        "last_launch": now}
            return {course: info["role"] for course, info in person["courses"].items()}

    def update_membership(self, username: str, course: str, role: CourseRole | None) -> dict[str, CourseRole]:
        """Set ``username``'s role in ``course`` as the LMS's roster now gives it (None: no longer a
        member, the course is forgotten for them); return their course roles afterwards."""
        with self.store.change() as data:
            courses = data.get("people", {}).get(username, {}).get("courses", {})
            if role is None:
                courses.pop(course, None)
            elif course in courses:
                courses[course]["role"] = role
            return {name: info["role"] for name, info in courses.items()}

    def memberships(self, username: str) -> dict[str, CourseRole]:
        """course -> role of everyone's launches so far (empty for someone who never launched)."""
        person = self.store.read().get("people", {}).get(username, {})
        return {course: info["role"] for course, info in person.get("courses", {}).items()}

    def course_members(self, course: str) -> dict[str, CourseRole]:
        """Hub username -> role in ``course`` of everyone who has launched into it (their latest launch's role)."""
        people = self.store.read().get("people", {})
        return {name: info["courses"][course]["role"] for name, info in sorted(people.items())
                if course in info.get("courses", {})}

    def services(self, course: str) -> CourseServices | None:
        """The course's LTI services from its latest launch (None before the first launch)."""
        raw = self.store.read().get("courses", {}).get(course)
        if raw is None:
            return None
        fields = {k: raw.get(k) for k in CourseServices.__dataclass_fields__ if k in raw}
        fields["ags_scopes"] = tuple(fields.get("ags_scopes") or ())
        return CourseServices(**fields)

    def lti_user_ids(self, course: str | None = None) -> dict[str, str]:
        """Hub username -> LTI ``sub`` of everyone who launched (into ``course``, when given)."""
        people = self.store.read().get("people", {})
        return {name: info["sub"] for name, info in sorted(people.items())
                if course is None or course in info.get("courses", {})}

    def person(self, username: str) -> dict[str, Any]:
        """Everything recorded about one person (empty if they never launched)."""
        return dict(self.store.read().get("people", {}).get(username, {}))
