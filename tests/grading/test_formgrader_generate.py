"""The hub formgrader's Generate refuses a lab that is released or has submissions.

``RefuseReleasedLab`` runs first in ``nbgrader generate_assignment`` (as the
hub's formgrader configures it): a lab that is only generated can be
generated again; once its folder is in the exchange's outbound folder, or
the gradebook holds a submission of it, generating stops, says why and
what to do, and leaves the student version as it was.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.common import release_lab

pytestmark = pytest.mark.slow
LAB = "outreach"
GUARD = """
from reciprocity.grading.formgrader_generate import RefuseReleasedLab
from nbgrader.converters import GenerateAssignment
c.GenerateAssignment.preprocessors = [
    RefuseReleasedLab, *GenerateAssignment.class_traits()["preprocessors"].default()]
c.Exchange.root = {exchange!r}
c.CourseDirectory.course_id = "probe"
"""


def _generate(course: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB, "--force"],
                          cwd=course, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The lab generated once, with the stock settings (each test works on a copy)."""
    course = tmp_path_factory.mktemp("generated") / "course"
    course.mkdir()
    release_lab(course, LAB)
    return course


@pytest.fixture()
def course(generated, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated, course)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + GUARD.format(exchange=str(tmp_path / "exchange")))
    return course


def test_a_lab_generated_but_not_released_can_be_generated_again(course):
    done = _generate(course)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_released_lab_is_not_generated_again(course, tmp_path):
    outbound = tmp_path / "exchange" / "probe" / "outbound" / LAB
    outbound.mkdir(parents=True)
    released = course / "exercises" / LAB / f"{LAB}.ipynb"  # the course's release folder
    (outbound / released.name).write_bytes(released.read_bytes())
    before = (outbound / released.name).read_bytes()
    done = _generate(course)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"{LAB} is not generated again: it is released to students" in out, out
    assert "Put the correction in a lab with a new name" in out
    # what students fetch is untouched (nbgrader clears the course's own release folder
    # before any step runs; the message says how to get it back)
    assert (outbound / released.name).read_bytes() == before


def test_a_lab_with_submissions_is_not_generated_again(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_student("ann")
        gb.add_submission(LAB, "ann")
    done = _generate(course)
    assert done.returncode != 0
    assert "the gradebook holds 1 submission(s) of it" in done.stdout + done.stderr
