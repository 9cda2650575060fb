"""A regrade keeps hand grades: an unchanged answer that was graded by hand is not flagged again.

Why it was flagged: nbgrader's ``SaveAutoGrades`` marks every graded cell
that already has a manual score as "needs manual grade" whenever the
student is autograded again (a re-collected late submission, a regrade
after an extension), because it cannot tell whether the answer changed.
The manual score and comment stay in the gradebook, but the formgrader asks
for every memo again and feedback is refused until someone re-confirms them.

``KeepHandGrades`` is ``SaveAutoGrades`` with one more step, and takes its
place in the course's autograde steps. It keeps, per student and lab, a fingerprint of what each
graded cell was judged on when it was last autograded: the answer's text
for a written (or any solution) cell, the student's code for a test cell.
When a cell has a manual score, was not waiting for one before the run, and
its fingerprint is unchanged, the flag is cleared; when the student changed
the answer, nbgrader's flag stays (the old
score and comment are kept as the grader's starting point), since the grade
was given to another text.

The fingerprints (SHA-256 of the text, no answer stored) are kept in
``record_dir`` (``graded-answers/`` in the course, set in its
``nbgrader_config.py``): nbgrader removes the autograded notebooks before
regrading, so they cannot hold them.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades
from traitlets import Unicode

__all__ = ["KeepHandGrades", "fingerprints"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprints(nb) -> dict[str, str]:
    """grade_id -> fingerprint of what the graded cell is judged on (its answer, or the student's code)."""
    code = "\n\x00".join(c.source.rstrip() for c in nb.cells
                         if utils.is_solution(c) and c.cell_type == "code")
    out = {}
    for cell in nb.cells:
        if not utils.is_grade(cell):
            continue
        judged = cell.source.rstrip() if utils.is_solution(cell) else code
        out[cell.metadata["nbgrader"]["grade_id"]] = _digest(judged)
    return out


class KeepHandGrades(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, keeping hand-graded cells whose answer did not change graded.

    It takes ``SaveAutoGrades``' place in the autograde steps. A cell with a
    manual score is left "needs manual grade" only if its answer changed
    since it was last autograded, or if it was still waiting for a hand
    grade before this run.
    """

    record_dir = Unicode("", help="where the answers' fingerprints are kept (one JSON file per "
                                  "student and lab); empty: nbgrader's behaviour").tag(config=True)

    def _record(self, lab: str, student: str) -> Path:
        return Path(self.record_dir) / lab / f"{student}.json"

    def preprocess(self, nb, resources):
        if not self.record_dir:
            return super().preprocess(nb, resources)
        info = resources["nbgrader"]
        lab, student, notebook = info["assignment"], info["student"], info["notebook"]
        path = self._record(lab, student)
        try:
            before = json.loads(path.read_text(encoding="utf-8")).get(notebook, {})
        except (FileNotFoundError, json.JSONDecodeError):
            before = {}
        now = fingerprints(nb)
        waiting = self._waiting(info["db_url"], lab, student, notebook, now)
        nb, resources = super().preprocess(nb, resources)
        with Gradebook(info["db_url"]) as gb:
            for grade_id, digest in now.items():
                try:
                    grade = gb.find_grade(grade_id, notebook, lab, student)
                except MissingEntry:
                    continue
                unchanged = before.get(grade_id) == digest
                if grade.manual_score is not None and unchanged and grade_id not in waiting:
                    grade.needs_manual_grade = False
            gb.db.commit()
        self._save(path, notebook, now)
        return nb, resources

    @staticmethod
    def _waiting(db_url: str, lab: str, student: str, notebook: str, grade_ids) -> set[str]:
        """The cells that were waiting for a hand grade before this run."""
        waiting = set()
        with Gradebook(db_url) as gb:
            for grade_id in grade_ids:
                try:
                    if gb.find_grade(grade_id, notebook, lab, student).needs_manual_grade:
                        waiting.add(grade_id)
                except MissingEntry:
                    continue
        return waiting

    def _save(self, path: Path, notebook: str, now: dict[str, str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            record = {}
        record[notebook] = now
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
