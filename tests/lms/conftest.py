"""The school the LTI tests run against: an LMS with three courses, two of them linked to the hub.

* ``ctx-a`` ("Reciprocity A"): registration ``tool-a``, deployment ``dep-a``,
  linked to ``reciprocity-a``; instructor ines, TA tariq, students s01 to s04;
* ``ctx-b`` ("Reciprocity B"): registration ``tool-b``, deployment ``dep-b``,
  linked to ``reciprocity-b``; instructor ivo, students s04 to s06 (s04 is in both);
* ``ctx-c`` ("Unlinked"): registration ``tool-a``, deployment ``dep-a``, not
  in ``lti.toml``; student s07.

Each course has its own registration, so an access token is bound to one
course (see ``tests/support/lti_platform.py``).
"""
from __future__ import annotations

import shutil
import uuid
import warnings
from pathlib import Path

import pytest

from reciprocity.lms.__main__ import new_key
from reciprocity.lms.config import LtiConfig, load_config, tool_jwk
from tests.support.lti_platform import Platform

COURSES = {  # nbgrader course -> (LMS context, title, registration, deployment)
    "reciprocity-a": ("ctx-a", "Reciprocity A", "tool-a", "dep-a"),
    "reciprocity-b": ("ctx-b", "Reciprocity B", "tool-b", "dep-b"),
}
UNLINKED = ("ctx-c", "Unlinked", "tool-a", "dep-a")
PEOPLE = {  # username -> (given name, family name, {context: role})
    "ines": ("Inés", "García", {"ctx-a": "instructor"}),
    "tariq": ("Tariq", "Haddad", {"ctx-a": "ta"}),
    "ivo": ("Ivo", "Horvat", {"ctx-b": "instructor"}),
    "s01": ("Amara", "Okafor", {"ctx-a": "student"}),
    "s02": ("Bao", "Nguyen", {"ctx-a": "student"}),
    "s03": ("Chidi", "Eze", {"ctx-a": "student"}),
    "s04": ("Dana", "Levi", {"ctx-a": "student", "ctx-b": "student"}),
    "s05": ("Emeka", "Obi", {"ctx-b": "student"}),
    "s06": ("Fen", "Zhou", {"ctx-b": "student"}),
    "s07": ("Gia", "Rossi", {"ctx-c": "student"}),
}


def sub_of(username: str) -> str:
    """The LMS's opaque, stable user id of a person (a UUID, as Canvas sends)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://lms.example/users/{username}"))


@pytest.fixture(scope="session")
def tool_key(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lti-key") / "tool-key.pem"
    new_key(path)
    return path


def open_school(tool_key: Path, hub_url: str = "http://127.0.0.1:9") -> Platform:
    """The LMS with the courses and people above, the tool registered for a hub at ``hub_url``."""
    lms = Platform()
    jwks = {"keys": [tool_jwk(tool_key.read_text())]}
    for client in ("tool-a", "tool-b"):
        lms.register_tool(client, login_url=f"{hub_url}/hub/lti13/oauth_login",
                          redirect_uri=f"{hub_url}/hub/lti13/oauth_callback",
                          target_link_uri=f"{hub_url}/hub/home", jwks=jwks)
    for context, title, client, deployment in [*COURSES.values(), UNLINKED]:
        lms.add_course(context, title, client_id=client, deployment_id=deployment)
    for username, (given, family, roles) in PEOPLE.items():
        lms.add_person(sub_of(username), username, given, family)
        for context, role in roles.items():
            lms.enrol(context, sub_of(username), role)
    return lms


def write_lti_toml(path: Path, lms: Platform, tool_key: Path, state_dir: Path, *,
                   verify_membership: bool = True) -> LtiConfig:
    """``lti.toml`` for the hub in ``lms``: both linked courses, each with its registration and deployment."""
    courses = "".join(
        f'\n[courses.{course}]\ncontext_id = "{context}"\nclient_id = "{client}"\n'
        f'deployment_ids = ["{deployment}"]\n'
        for course, (context, _, client, deployment) in COURSES.items())
    path.write_text(f"""[platform]
issuer = "{lms.issuer}"
client_id = "tool-a"
authorize_url = "{lms.authorize_url}"
token_url = "{lms.token_url}"
jwks_url = "{lms.jwks_url}"

[tool]
private_key = "{tool_key}"
username_key = "custom_username"
state_dir = "{state_dir}"
verify_membership = {str(verify_membership).lower()}
{courses}""")
    return load_config(path)


LAB = "outreach"


@pytest.fixture(scope="session")
def gradebook_template(tmp_path_factory) -> Path:
    """An empty gradebook holding ``LAB``: an autograded cell of 20 points and a memo of 12.

    Made once: nbgrader runs ``alembic`` in a subprocess to create a gradebook,
    which takes seconds; each test copies it.
    """
    from nbgrader.api import Gradebook

    from reciprocity.grading.gradebook import gradebook_url

    path = tmp_path_factory.mktemp("gradebook") / "template.db"
    url = gradebook_url(path.parent, f"sqlite:///{path}")  # puts alembic, which nbgrader runs, on PATH
    with Gradebook(url, course_id="reciprocity") as gb:
        gb.add_assignment(LAB)
        gb.add_notebook(LAB, LAB)
        gb.add_grade_cell("test_rates", LAB, LAB, max_score=20, cell_type="code")
        gb.add_grade_cell("design_memo", LAB, LAB, max_score=12, cell_type="markdown")
    return path


@pytest.fixture
def new_gradebook(gradebook_template, tmp_path):
    """``new_gradebook({student: (autograded score, memo score or None)}, name)``: a gradebook's URL.

    A memo score of None means the memo waits for a hand grade.
    """
    def make(students: dict[str, tuple[float, float | None]], name: str = "gradebook.db") -> str:
        from nbgrader.api import Gradebook

        path = tmp_path / name
        shutil.copy(gradebook_template, path)
        url = f"sqlite:///{path}"
        with warnings.catch_warnings(), Gradebook(url) as gb:
            warnings.simplefilter("ignore")  # nbgrader's add_submission trips SQLAlchemy's autoflush warnings
            for student, (auto, memo) in students.items():
                gb.add_student(student)
                gb.add_submission(LAB, student)
                set_scores(gb, student, auto=auto, memo=memo)
        return url

    return make


def set_scores(gb, student: str, *, auto: float | None = None, memo: float | None = None,
               penalty: float | None = None) -> None:
    """Write what autograding (``auto``), hand grading (``memo``) or the late policy (``penalty``) would."""
    if auto is not None:
        test = gb.find_grade("test_rates", LAB, LAB, student)
        test.auto_score, test.needs_manual_grade = auto, False
    grade = gb.find_grade("design_memo", LAB, LAB, student)
    grade.manual_score = memo
    grade.needs_manual_grade = memo is None
    if penalty is not None:
        gb.find_submission_notebook(LAB, LAB, student).late_submission_penalty = penalty
    gb.db.commit()


def regrade(url: str, student: str, **scores: float | None) -> None:
    from nbgrader.api import Gradebook

    with warnings.catch_warnings(), Gradebook(url) as gb:
        warnings.simplefilter("ignore")
        memo = scores.pop("memo", gb.find_grade("design_memo", LAB, LAB, student).manual_score)
        set_scores(gb, student, memo=memo, **scores)
