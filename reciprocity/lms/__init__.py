"""The course in the school's LMS (LTI 1.3): login and course groups, grades back, the roster.

The hub is an LTI 1.3 *tool*; the LMS (Canvas, Moodle, ...) is the *platform*.

* Login: jupyterhub-ltiauthenticator's ``LTI13Authenticator`` does the OIDC
  launch; ``authenticator.post_auth_hook`` adds the checks it leaves out
  (nonce reuse, deployment, course link, roles, the LMS's roster), maps the
  LMS course to an nbgrader course and the LTI roles to the course's hub
  groups. ``authenticator.lti_config(c, settings)`` configures it all.
* Grades: ``grades.post_lab_grades`` posts a lab's scores from the gradebook
  to the LMS course's grade book (Assignment and Grade Services, pylti1p3),
  one line item per lab, each score once.
* Roster: ``roster.lms_roster`` and ``roster.enrol_from_lms`` read the LMS
  course's members (Names and Role Provisioning Services, pylti1p3).

Everything is configured by one file, ``lti.toml`` (``config.load_config``).
``python -m reciprocity.lms`` checks it, prints the tool's public key for the
LMS, makes a key, and posts a lab's grades.

Modules (imported on first use of one of their names)
-----------------------------------------------------
config         ``lti.toml``: the platform, the tool's key, LMS course -> course (typed, checked)
roles          LTI role URIs -> course role -> the course's hub groups
launches       the record of accepted launches: used nonces, people's LTI ids, courses' service URLs
authenticator  the hub's post_auth_hook and ``lti_config`` for jupyterhub_config.py
services       pylti1p3's service clients built from ``lti.toml``
grades         AGS grade passback with a ledger (nothing posted twice)
roster         NRPS members -> hub usernames, roles and names; into the gradebook
store          a JSON file changed under a lock and replaced atomically
"""
from __future__ import annotations

import importlib

# public name -> the module that defines it
_PUBLIC = {
    "LtiConfig": "config", "LtiConfigError": "config", "CourseLink": "config", "load_config": "config",
    "course_role": "roles", "course_groups": "roles", "hub_groups": "roles",
    "LaunchRecords": "launches",
    "post_auth_hook": "authenticator", "lti_config": "authenticator", "LaunchRefused": "authenticator",
    "post_lab_grades": "grades", "lab_scores": "grades", "GradePassbackError": "grades",
    "lms_roster": "roster", "enrol_from_lms": "roster", "course_members": "roster",
    "RosterUnavailable": "roster",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
