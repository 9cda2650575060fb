"""A course directory as nbgrader sees it: its configuration, loaded by nbgrader, and its folders.

``Course.load(DIR)`` reads the configuration the way nbgrader does for a
course rooted at ``DIR`` (the Jupyter configuration folders, then
``DIR/nbgrader_config.py``), so folder names, the course id and the
directory structure are nbgrader's own answers, not a reading of the file.
The same loader configures the grading workers (with their settings on top).

Example
-------
>>> course = Course.load("course")                       # doctest: +SKIP
>>> course.students_with_submissions("outreach")         # doctest: +SKIP
['ann', 'bo']
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .intake import submission_problem  # its home is intake; kept importable from here

__all__ = ["Course", "submission_problem"]


@dataclass(frozen=True)
class Course:
    """A loaded course: nbgrader's application (configuration) and ``CourseDirectory``."""

    app: Any  # nbgrader.apps.baseapp.NbGrader, the parent of anything nbgrader we create
    coursedir: Any  # nbgrader.coursedir.CourseDirectory

    @classmethod
    def load(cls, course_dir: str | Path, overrides=None) -> Course:
        """Load ``course_dir``'s configuration with nbgrader's loader; ``overrides`` (a traitlets
        ``Config``) go on top, as command-line options would."""
        from nbgrader.apps.baseapp import NbGrader
        from nbgrader.coursedir import CourseDirectory

        root = str(Path(course_dir).resolve())
        app = NbGrader()
        # the course's folder, not the current one, is where its nbgrader_config.py is found
        app.load_cwd_config = False
        app.config_dir = root
        app.initialize([], root=root)
        if overrides is not None:
            app.update_config(overrides)
        return cls(app, CourseDirectory(parent=app, root=root))

    @property
    def root(self) -> Path:
        return Path(self.coursedir.root)

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id

    def folder(self, step: str, student: str, lab: str) -> Path:
        """The folder of ``lab`` for ``student`` at an nbgrader step ("submitted", "autograded", ...)."""
        name = getattr(self.coursedir, f"{step}_directory")
        return Path(self.coursedir.format_path(name, student, lab))

    def source_folder(self, lab: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.source_directory, ".", lab))

    def students_with_submissions(self, lab: str) -> list[str]:
        """Ids of the students with a submitted folder for ``lab``, sorted."""
        step = self.coursedir.submitted_directory
        pattern = re.compile(self.coursedir.format_path(
            re.escape(step), "(?P<student_id>[^/]+)", re.escape(lab), escape=True) + "$")
        wildcard = os.path.relpath(self.coursedir.format_path(step, "*", lab), self.coursedir.root)
        found = []
        for path in self.root.glob(wildcard):
            match = pattern.match(str(path))
            if match and path.is_dir():
                found.append(match.group("student_id"))
        return sorted(found)

    def cell_labels(self, lab: str) -> dict[str, dict]:
        """grade_id -> the cell's ``reciprocity`` metadata ({"insight", "assesses"}) in the source notebooks."""
        labels = {}
        for nb_path in sorted(self.source_folder(lab).glob("*.ipynb")):
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
            for cell in nb.get("cells", []):
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if gid:
                    labels[gid] = cell.get("metadata", {}).get("reciprocity", {})
        return labels
