"""The hub formgrader's *Generate*: a lab already released to students is not generated again.

Regenerating a released lab rewrites its student version and the gradebook's
record of its cells (ids, points, checksums) while students hold the old
version: their submissions then no longer match what they are graded
against, and nbgrader refuses or misgrades them. ``run.py up`` puts
``RefuseReleasedLab`` first in the formgrader's ``GenerateAssignment.preprocessors``
(``STATE/etc/grader/nbgrader_config.py``), so the formgrader's button and
``nbgrader generate_assignment`` in its terminal stop with a message that
says what to do instead. A lab counts as released when its folder is in the
exchange's outbound folder, or when the gradebook has a submission of it.

The formgrader generates with ``--force``, so nbgrader has already emptied
the course's own release folder when the first step runs; the copy students
fetch (the exchange's) and the gradebook are untouched, and the message says
how to restore the release folder from the exchange.
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["RefuseReleasedLab"]


class RefuseReleasedLab(NbGraderPreprocessor):
    """First step of ``generate_assignment``: stop if the lab was released or has submissions."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        lab = info["assignment"]
        why = self._released(lab, info["db_url"])
        if why:
            raise RuntimeError(
                f"{lab} is not generated again: {why}. Regenerating it would change the cells "
                "students are answering and their submissions would no longer match. Put the "
                "correction in a lab with a new name and release that. What students fetch is "
                f"unchanged; the course's release folder was emptied by the attempt: copy "
                f"EXCHANGE/COURSE/outbound/{lab} back into it (the formgrader's terminal).")
        return nb, resources

    def _released(self, lab: str, db_url: str) -> str:
        root, course = self.config.Exchange.get("root"), self.config.CourseDirectory.get("course_id")
        if root and course and (Path(str(root)) / str(course) / "outbound" / lab).is_dir():
            return "it is released to students"
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(db_url) as gb:
            try:
                submissions = gb.find_assignment(lab).num_submissions
            except MissingEntry:
                return ""
        return f"the gradebook holds {submissions} submission(s) of it" if submissions else ""
