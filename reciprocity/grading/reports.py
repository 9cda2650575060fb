"""What a grading run writes: nbgrader's grades CSV, a Canvas gradebook CSV and a per-question summary.

``export_grades`` (``grades.csv``, nbgrader's export for one lab),
``export_canvas`` (``canvas.csv``, for Canvas' gradebook import) and
``summarise`` (``summary.csv`` and ``summary.png``: the mean score of every
graded cell, labelled with the insight it assesses) all read the gradebook,
so they can run again after manual grading (``--summary-only``).
``cell_scores`` reads every graded cell's scores, for ``summarise`` and the
item report (``item_analysis``).

They read the course's configured gradebook unless given another
(``gradebook.gradebook_url``), never create one (``existing_gradebook``), and
never leave a half-written file: each file is written to a temporary file
in the same folder and renamed over the old one only when complete
(``atomic_file``), so a failure keeps the previous export intact.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import late, nbgrader_cli
from .course import Course
from .gradebook import existing_gradebook, gradebook_url

__all__ = ["export_grades", "export_canvas", "summarise", "cell_scores", "CellScores", "atomic_file",
           "CANVAS_COLUMNS"]


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` if the block succeeds.

    On any error the temporary file is removed and ``path`` is untouched
    (``os.replace`` is atomic within a folder: readers see the old file or
    the new one, never a part).

    Example
    -------
    >>> with atomic_file("reports/outreach/grades.csv") as tmp:   # doctest: +SKIP
    ...     frame.to_csv(tmp, index=False)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=f"{target.suffix}.part",
                                dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if target.exists():  # keep the old file's permissions
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def export_grades(lab: str, course_dir: str | Path, out_csv: str | Path, *,
                  db_url: str | None = None, timeout: float = 300) -> Path:
    """``nbgrader export`` of ``lab`` to ``out_csv`` (one row per student in the gradebook).

    A student without a submission has a score of 0 (nbgrader's export).
    ``GradebookUnavailable`` if the gradebook is missing or lacks the lab;
    ``RuntimeError`` if nbgrader's export fails. Either way ``out_csv`` is
    left as it was.
    """
    course = Path(course_dir).resolve()
    out = Path(out_csv).resolve()
    db = existing_gradebook(gradebook_url(course, db_url), lab)
    with atomic_file(out) as tmp:
        code, log = nbgrader_cli.run(["export", f"--to={tmp}", f"--ExportPlugin.assignment=['{lab}']",
                                      f"--db={db}"], course, timeout)
        if code != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            raise RuntimeError(f"nbgrader export failed (exit {code}):\n{log[-3000:]}")
        # nbgrader 0.9's CSV export ignores the assignment filter: keep this lab's rows only
        grades = pd.read_csv(tmp, dtype={"student_id": str})
        grades = grades[grades["assignment"].astype(str) == lab]
        late.with_late_columns(grades, late.read_status(db, lab)).to_csv(tmp, index=False)
    return out


CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _canvas_roster(path: str | Path) -> tuple[pd.DataFrame, str]:
    """A Canvas gradebook export as a roster, and the column that holds nbgrader's student ids."""
    roster = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CANVAS_COLUMNS if c not in roster.columns]
    if missing:
        raise ValueError(f"{path} is not a Canvas gradebook export: no column(s) {', '.join(missing)}")
    roster = roster[~roster["Student"].str.strip().isin(["Points Possible", "Student, Test"])]
    return roster, "SIS Login ID"


def export_canvas(lab: str, course_dir: str | Path, out_csv: str | Path, *,
                  db_url: str | None = None, title: str | None = None,
                  assignment_id: str | int | None = None, roster: str | Path | None = None,
                  match_on: str = "SIS Login ID") -> Path:
    """Write ``lab``'s scores as a CSV that Canvas' gradebook import accepts.

    Columns: ``Student, ID, SIS User ID, SIS Login ID, Section`` and one
    assignment column named ``"TITLE (ASSIGNMENT_ID)"`` (``"TITLE"`` alone
    when no id is given: Canvas then creates a new assignment). The second row,
    ``Points Possible``, holds the lab's maximum score, as in Canvas' own export.

    Students are matched to Canvas through ``match_on`` (default ``SIS Login
    ID``): the nbgrader student id is taken to be that value. With ``roster``
    (a gradebook CSV exported from Canvas) the names, ids and sections come
    from it, and every student on it gets a row (blank score when there is no
    submission); without one, each student in the gradebook gets a row with
    the name nbgrader knows, the student id in ``match_on``, ``ID`` from
    nbgrader's ``lms_user_id`` when set, and the other columns blank.

    Example
    -------
    >>> export_canvas("outreach", ".", "reports/outreach/canvas.csv", assignment_id=4711)  # doctest: +SKIP
    """
    from nbgrader.api import Gradebook, MissingEntry

    if match_on not in ("ID", "SIS User ID", "SIS Login ID"):
        raise ValueError(f"match_on must be ID, SIS User ID or SIS Login ID, not {match_on!r}")
    course = Path(course_dir).resolve()
    out = Path(out_csv).resolve()
    header = f"{title or lab} ({assignment_id})" if assignment_id not in (None, "") else (title or lab)
    rows, scores = [], {}
    db = existing_gradebook(gradebook_url(course, db_url), lab)
    with Gradebook(db) as gb:
        assignment = gb.find_assignment(lab)
        max_score = float(assignment.max_score)
        known = {}
        for student in gb.students:
            known[student.id] = student
            with contextlib.suppress(MissingEntry):  # no submission: no score
                sub = gb.find_submission(lab, student.id)  # the score after the late penalty
                scores[student.id] = max(0.0, float(sub.score) - float(sub.late_submission_penalty))
    if roster is not None:
        frame, _ = _canvas_roster(roster)
        for rec in frame.to_dict("records"):
            sid = rec[match_on].strip()
            rows.append({**{c: rec[c] for c in CANVAS_COLUMNS}, header: scores.get(sid)})
        unmatched = sorted(set(scores) - set(frame[match_on].str.strip()))
        if unmatched:
            raise ValueError(f"graded students not on the Canvas roster (by {match_on}): "
                             f"{', '.join(unmatched)}")
    else:
        for sid in sorted(known):
            student = known[sid]
            name = ", ".join(p for p in (student.last_name, student.first_name) if p) or sid
            row = {"Student": name, "ID": student.lms_user_id or "", "SIS User ID": "",
                   "SIS Login ID": "", "Section": ""}
            row[match_on] = sid
            rows.append({**row, header: scores.get(sid)})
    frame = pd.DataFrame(rows, columns=[*CANVAS_COLUMNS, header])
    points = pd.DataFrame([{"Student": "Points Possible", header: max_score}])
    frame = pd.concat([points, frame], ignore_index=True)[[*CANVAS_COLUMNS, header]]
    frame[header] = frame[header].map(lambda v: "" if v is None or pd.isna(v) else f"{v:g}")
    frame = late.canvas_late_column(frame, header, match_on, late.read_status(db, lab))
    with atomic_file(out) as tmp:
        frame.fillna("").to_csv(tmp, index=False, lineterminator="\n")
    return out


@dataclass(frozen=True)
class CellScores:
    """Every graded cell of a lab and every score the gradebook holds for it (see ``cell_scores``).

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per graded cell, in the gradebook's notebook order: ``notebook``,
        ``grade_id``, ``kind`` (auto / manual) and ``max_score``.
    scores : pandas.DataFrame
        One row per graded cell of each submission that has a grade for it:
        ``student_id``, ``notebook``, ``grade_id``, ``score`` (NaN while the
        answer waits for a hand grade) and ``late`` (the submission was late;
        cell scores are before the late penalty, which applies to the whole lab).
    students : tuple of str
        Every student in the gradebook (enrolled, or graded once), with or without a submission.
    submitted : tuple of str
        The students with a submission of the lab (among ``students=`` when given).
    """

    cells: pd.DataFrame
    scores: pd.DataFrame
    students: tuple[str, ...]
    submitted: tuple[str, ...]


def cell_scores(lab: str, course_dir: str | Path, *, db_url: str | None = None,
                students: list[str] | None = None) -> CellScores:
    """Read every graded cell of ``lab`` and each submission's score on it from the gradebook.

    An answer that nbgrader marks "needs manual grade" and that has no manual
    score yet has ``score`` NaN (a regraded answer that keeps its old hand grade
    as a starting point keeps that score). ``students`` limits the submissions
    read. ``GradebookUnavailable`` if the gradebook is missing or lacks the lab.

    Example
    -------
    >>> data = cell_scores("outreach", ".")                          # doctest: +SKIP
    >>> data.scores.pivot(index="student_id", columns="grade_id", values="score")  # doctest: +SKIP
    """
    from nbgrader.api import Gradebook

    db = existing_gradebook(gradebook_url(Path(course_dir).resolve(), db_url), lab)
    cells, rows = [], []
    with Gradebook(db) as gb:
        assignment = gb.find_assignment(lab)
        everyone = tuple(sorted(s.id for s in gb.students))
        subs = sorted((s for s in assignment.submissions if students is None or s.student_id in students),
                      key=lambda s: s.student_id)
        for notebook in assignment.notebooks:
            for cell in notebook.grade_cells:
                cells.append({"notebook": notebook.name, "grade_id": cell.name,
                              "kind": "manual" if cell.cell_type == "markdown" else "auto",
                              "max_score": float(cell.max_score)})
        graded = {(c["notebook"], c["grade_id"]) for c in cells}
        for sub in subs:
            late = sub.total_seconds_late > 0
            for nb in sub.notebooks:
                for grade in nb.grades:  # task cells have grades too: keep the graded cells'
                    if (nb.name, grade.name) not in graded:
                        continue
                    pending = grade.needs_manual_grade and grade.manual_score is None
                    rows.append({"student_id": sub.student_id, "notebook": nb.name, "grade_id": grade.name,
                                 "score": float("nan") if pending else float(grade.score), "late": late})
    return CellScores(
        cells=pd.DataFrame(cells, columns=["notebook", "grade_id", "kind", "max_score"]),
        scores=pd.DataFrame(rows, columns=["student_id", "notebook", "grade_id", "score", "late"]),
        students=everyone, submitted=tuple(s.student_id for s in subs))


def summarise(lab: str, course_dir: str | Path, out_dir: str | Path, *,
              db_url: str | None = None, students: list[str] | None = None) -> pd.DataFrame:
    """Mean score per graded cell over the graded submissions, as ``summary.csv`` and ``summary.png``.

    Columns: ``grade_id``, ``insight``, ``assesses``, ``kind`` (auto / manual),
    ``max_score``, ``graded`` (submissions with a score), ``needs_manual``,
    ``late`` (how many of the graded submissions were late; cell scores are
    before the late penalty, which applies to the whole lab),
    ``mean_score`` and ``mean_fraction`` (mean score / max score). Manual
    cells not yet graded in formgrader count in ``needs_manual``, not in the mean.
    The scores are read by ``cell_scores``.
    """
    course = Path(course_dir).resolve()
    out = Path(out_dir).resolve()
    data = cell_scores(lab, course, db_url=db_url, students=students)
    labels = Course.load(course).cell_labels(lab)
    by_cell = dict(list(data.scores.groupby(["notebook", "grade_id"], sort=False)))
    rows = []
    for cell in data.cells.itertuples():
        mine = by_cell.get((cell.notebook, cell.grade_id), data.scores.iloc[:0])
        scored = mine[mine["score"].notna()]
        meta = labels.get(cell.grade_id, {})
        mean = float(scored["score"].mean()) if len(scored) else float("nan")
        rows.append({
            "grade_id": cell.grade_id, "insight": meta.get("insight", ""),
            "assesses": meta.get("assesses", ""), "kind": cell.kind,
            "max_score": cell.max_score, "graded": len(scored),
            "needs_manual": int(mine["score"].isna().sum()), "late": int(scored["late"].sum()),
            "mean_score": mean,
            "mean_fraction": mean / cell.max_score if cell.max_score else float("nan"),
        })
    order = {gid: i for i, gid in enumerate(labels)}
    frame = pd.DataFrame(rows)
    frame = frame.sort_values("grade_id", key=lambda s: s.map(order).fillna(len(order)))
    frame = frame.reset_index(drop=True)
    with atomic_file(out / "summary.csv") as tmp_csv, atomic_file(out / "summary.png") as tmp_png:
        frame.to_csv(tmp_csv, index=False)
        _summary_figure(frame, lab, tmp_png)
    return frame


def _summary_figure(frame: pd.DataFrame, lab: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reciprocity.plots import PALETTE, use_course_style  # the book's figure style

    use_course_style()
    labels = [f"{r.assesses or r.grade_id} [{r.insight}]" if r.insight else (r.assesses or r.grade_id)
              for r in frame.itertuples()]
    values = frame["mean_fraction"].fillna(0).to_numpy()
    colours = list(PALETTE.values()) if isinstance(PALETTE, dict) else list(PALETTE)
    auto_colour, manual_colour = colours[0], colours[1 % len(colours)]
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(frame) + 1.6))
    ax.barh(range(len(frame)), values,
            color=[manual_colour if k == "manual" else auto_colour for k in frame["kind"]])
    ax.set_yticks(range(len(frame)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("mean share of the cell's points")
    n = int(frame["graded"].max()) if len(frame) else 0
    ax.set_title(f"Lab '{lab}': mean score per question ({n} graded submissions; "
                 "manual answers in the second colour)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


