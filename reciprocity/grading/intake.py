"""Intake: is a submission a notebook nbgrader can grade? If not, the plain reason why.

``submission_problem(folder, ...)`` looks at a student's submitted folder
before any kernel starts and answers "" (grade it) or a sentence for the
instructor that names the notebook, says what is wrong and what to do. The
grading command then records the student as *flagged* with that sentence
(``status.csv``), adds them to the gradebook's roster (so nbgrader's export
lists them with 0, as for a student who submitted nothing) and goes on with
the batch. Three kinds of checks, cheapest first:

the file
    not a regular file, larger than ``Limits.notebook`` bytes (usually
    megabytes of stored output), empty, binary (not UTF-8 text), invalid
    JSON, JSON that is not a notebook, a format version other than 4.
the grading metadata
    the edits that make nbgrader 0.9 stop with an exception rather than
    grade: a grade id used twice (nbgrader issue #1083), a graded, answer or
    locked cell whose grade id is missing or unknown to the lab, nbgrader
    metadata that is not a mapping, a cell marked graded that is not graded
    in the lab, points that are not a number on a graded cell, a locked
    cell marked graded or answer differently from the lab (its checksum can
    then never match), a graded cell deleted together with the lab's cell
    before it (nbgrader has nowhere to put it back).
nbgrader's own reading
    nbgrader's sanitizing step (``Autograde.sanitize_preprocessors``:
    outputs cleared, duplicates dropped, kernel spec, locked cells and
    points restored from the gradebook, metadata validated) run in memory
    on the submission, with the course's configuration and gradebook, as
    autograde runs it before executing anything. Whatever else makes it
    fail is reported with nbgrader's message; a database error is left to
    the worker (``faults``), never blamed on the notebook.

Edits nbgrader repairs by itself are left to it and graded: changed
checksums, points or cell types on graded cells (restored from the
gradebook), a changed kernel spec, deleted or reordered cells, copied
ordinary cells. ``stopped_by_code`` names the runs nbgrader began and gave
up on because of the student's code (also flagged, by ``pool``).

Example
-------
>>> submission_problem(Path("submitted/ann/trials"), course=course, lab="trials",
...                    db_url="sqlite:///gradebook.db")        # doctest: +SKIP
"trials.ipynb is not a valid notebook (broken JSON at line 212, column 7: Expecting ',' delimiter): ..."
"""
from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from .settings import Limits, MiB

__all__ = ["admit", "submission_problem", "record_flagged", "stopped_by_code", "FRESH_COPY"]

# what a student can do about a notebook whose grading metadata was edited
FRESH_COPY = ("ask the student to paste their answers into a fresh copy of the lab (fetch it "
              "again) and submit that")
RESUBMIT = "ask the student to open it in JupyterLab, save it and submit again"
_QUIET = logging.getLogger("reciprocity.grading.intake.nbgrader")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def submission_problem(submission: str | Path, *, course: Any = None, lab: str | None = None,
                       db_url: str | None = None, max_bytes: int = Limits.notebook) -> str:
    """A plain reason this submission folder cannot be graded, or "" if nbgrader can grade it.

    Parameters
    ----------
    submission : path
        The student's submitted folder of the lab (``submitted/<student>/<lab>``).
    course : reciprocity.grading.course.Course, optional
        With ``lab``: the notebooks are checked against the lab's source (which
        notebooks it has, grade ids, graded cells) and, with ``db_url`` too,
        run through nbgrader's sanitizing step with the course's configuration.
        Without them only the files and duplicate grade ids are checked.
    lab : str, optional
        The assignment.
    db_url : str, optional
        The gradebook, which nbgrader's sanitizing step reads.
    max_bytes : int
        The largest notebook file accepted (``Limits.notebook``).
    """
    folder = Path(submission)
    notebooks = sorted(folder.glob("*.ipynb"))
    sources: dict[str, Path] | None = None
    if course is not None and lab is not None:
        sources = {p.stem: p for p in sorted(course.source_folder(lab).glob("*.ipynb"))} or None
    if sources is not None:  # (no source notebooks: nbgrader will say so; check the files only)
        names = ", ".join(f"{name}.ipynb" for name in sources)
        graded = [nb for nb in notebooks if nb.stem in sources]
        if not graded:
            found = ", ".join(nb.name for nb in notebooks) or "no notebook"
            return (f"no notebook of the lab in the submission (expected {names}; found {found}): "
                    "ask the student to submit the lab's own notebook")
        notebooks = graded
    elif not notebooks:
        return "no notebook in the submission folder: ask the student to submit the lab's notebook"
    for path in notebooks:
        text, problem = _read(path, max_bytes)
        if problem:
            return f"{path.name} {problem}"
        nb = json.loads(text)
        problem = _shape_problem(nb) or _duplicate_problem(nb)
        if not problem and sources is not None:
            source = json.loads(sources[path.stem].read_text(encoding="utf-8"))
            problem = _metadata_problem(nb, source)
            if not problem and db_url:
                problem = _nbgrader_problem(text, course, lab, path.stem, db_url)
        if problem:
            return f"{path.name} {problem}"
    return ""


def admit(course: Any, settings: Any, student: str) -> str:
    """Check ``student``'s submission before it is graded: "" to grade it, else why it is flagged.

    ``settings`` is the run's ``GradingSettings`` (the lab, the gradebook,
    ``limits.notebook``). A flagged student is put on the gradebook's roster
    (``record_flagged``); if the gradebook cannot be reached, the reason says so.
    """
    reason = submission_problem(course.folder("submitted", student, settings.lab), course=course,
                                lab=settings.lab, db_url=settings.db, max_bytes=settings.limits.notebook)
    if reason:
        try:
            record_flagged(settings.db, student)
        except Exception as err:  # the flag stands; only the roster entry is missing
            reason += f" (not added to the gradebook's roster: {type(err).__name__})"
    return reason


def record_flagged(db_url: str, student: str) -> None:
    """Put a flagged student on the gradebook's roster (nbgrader's export then lists them, with 0).

    Nothing else in the gradebook changes: a grade from an earlier submission
    stays until the student is graded again.
    """
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        gb.update_or_create_student(student)


def stopped_by_code(reason: str) -> str:
    """The flag for a run that nbgrader abandoned because of what the student's code did, else "".

    ``reason`` is the worker's account of the exception that stopped nbgrader
    (``worker.describe``). nbgrader gives up on a notebook whose kernel is
    still busy after a cell was interrupted at the time limit (a loop that
    swallows the interrupt, a fork bomb: nbclient's ``CellTimeoutError``), and
    on one whose kernel died while running a cell (``DeadKernelError``).
    """
    if reason.startswith("CellTimeoutError"):
        return ("its code went on running after a cell's time limit and did not stop when "
                "interrupted (an endless loop that swallows interrupts, or a fork bomb?), so nbgrader "
                "gave up on it: look at the notebook, then regrade the student with --students")
    if reason == "the kernel died" or reason.startswith("DeadKernelError"):
        return ("its kernel died while running a cell (the code ended its own process, or the "
                "sandbox stopped it at a memory or process limit), so nbgrader could not finish: look "
                "at the notebook, then regrade the student with --students")
    return ""


# --------------------------------------------------------------------------- the file
def _read(path: Path, max_bytes: int) -> tuple[str, str]:
    """The notebook's text, or "" and what is wrong with the file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        return "", (f"cannot be opened ({err.strerror.lower()}): it is a link or is unreadable; "
                    f"{RESUBMIT}")
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "", f"is not a regular file (a folder, link or device); {RESUBMIT}"
        if info.st_size > max_bytes:
            return "", (f"is {info.st_size / MiB:.1f} MB, over the {max_bytes / MiB:g} MB a submitted "
                        "notebook may have (usually stored output: huge prints or many images); ask "
                        "the student to clear all outputs (Edit > Clear Outputs of All Cells), save "
                        "and submit again, or raise the limit with --max-notebook-mb")
        data = f.read(max_bytes + 1)
    if not data.strip():
        return "", f"is empty ({len(data)} bytes): the student submitted an unsaved or blank file; {RESUBMIT}"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", ("is not UTF-8 text but UTF-16 (saved by an editor in another encoding); "
                    f"{RESUBMIT}")
    if b"\0" in data[:4096]:
        return "", ("is not a notebook but binary data (another file saved under the notebook's "
                    f"name?); {RESUBMIT}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "", ("is not UTF-8 text (binary data, or a notebook saved in another encoding); "
                    f"{RESUBMIT}")
    try:
        nb = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        where = f"at line {err.lineno}, column {err.colno}: {err.msg}" if isinstance(
            err, json.JSONDecodeError) else "nested too deeply"
        return "", (f"is not a valid notebook (broken JSON {where}): the file is damaged (cut "
                    "short, or edited outside Jupyter) and JupyterLab cannot open it either; ask the student for a "
                    "working copy (their last checkpoint, or a fresh copy of the lab with the "
                    "answers pasted in)")
    if not isinstance(nb, dict) or ("cells" not in nb and "worksheets" not in nb):
        return "", f"is JSON but not a notebook (no cells); {RESUBMIT}"
    version = nb.get("nbformat")
    if version != 4 or isinstance(version, bool):
        return "", (f"is a notebook of format version {version!r}, not 4 (the format JupyterLab "
                    f"saves); {RESUBMIT}")
    return text, ""


def _shape_problem(nb: dict) -> str:
    """What makes a version-4 notebook unreadable before nbgrader looks at its metadata."""
    if not isinstance(nb.get("cells"), list):
        return f"is not a valid notebook (its cells are not a list); {RESUBMIT}"
    if not isinstance(nb.get("metadata", {}), dict):
        return f"is not a valid notebook (its metadata is not a mapping); {RESUBMIT}"
    for number, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict):
            return f"is not a valid notebook (cell {number} is damaged); {RESUBMIT}"
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and not isinstance(meta, dict):
            return (f"has damaged grading metadata (cell {number}'s nbgrader metadata is "
                    f"{type(meta).__name__}, not a mapping); {FRESH_COPY}")
    return ""


def _nbgrader_meta(cell: dict) -> dict | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def _is_nbgrader_cell(meta: dict) -> bool:
    """nbgrader's own test: graded, answer or locked cells need a grade id (utils.is_* and validator)."""
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked"))


def _duplicate_problem(nb: dict) -> str:
    seen, dups = set(), []
    for cell in nb["cells"]:
        gid = (_nbgrader_meta(cell) or {}).get("grade_id")
        if gid is None or not isinstance(gid, str):
            continue
        if gid in seen and gid not in dups:
            dups.append(gid)
        seen.add(gid)
    if dups:
        return (f"has duplicate grade_id(s) {', '.join(dups)} (a copied locked or graded cell), "
                "which stops nbgrader: delete the copies and regrade with --students, or "
                f"{FRESH_COPY}")
    return ""


def _metadata_problem(nb: dict, source: dict) -> str:
    """Edits of the grading metadata that nbgrader 0.9 stops on instead of repairing."""
    known = {}
    for cell in source.get("cells", []):
        meta = _nbgrader_meta(cell)
        if meta and meta.get("grade_id"):
            known[meta["grade_id"]] = meta
    for number, cell in enumerate(nb["cells"], 1):
        meta = _nbgrader_meta(cell)
        if meta is None or not _is_nbgrader_cell(meta):
            continue
        gid = meta.get("grade_id")
        if not isinstance(gid, str) or not gid:
            return (f"has damaged grading metadata (cell {number} is marked as a graded, answer or "
                    f"locked cell but has no grade id); {FRESH_COPY}")
        if gid not in known:
            return (f"has damaged grading metadata (cell {number} has grade id {gid!r}, which the lab "
                    f"does not have: it was renamed); {FRESH_COPY}")
        if meta.get("grade"):
            if not known[gid].get("grade"):
                return (f"has damaged grading metadata (cell {gid!r} was marked as graded, which it is "
                        f"not in the lab); {FRESH_COPY}")
            points = meta.get("points")
            try:
                float(points)
            except (TypeError, ValueError):
                what = "were removed" if "points" not in meta else f"are {points!r}, not a number"
                return f"has damaged grading metadata (cell {gid!r}: its points {what}); {FRESH_COPY}"
        lab_meta = known[gid]
        locked_in_lab = bool(lab_meta.get("grade") or lab_meta.get("locked")) and not lab_meta.get("solution")
        # nbgrader restores a locked cell and checks its checksum, which covers these flags as they are
        if locked_in_lab and any(str(meta.get(flag, False)) != str(lab_meta.get(flag, False))
                                 for flag in ("grade", "solution")):
            return (f"has damaged grading metadata (locked cell {gid!r} was marked as graded or as an "
                    f"answer differently from the lab); {FRESH_COPY}")
    return _restore_problem(nb, source)


def _restore_problem(nb: dict, source: dict) -> str:
    """nbgrader puts a deleted graded cell back after the lab's cell before it; it stops if that one is gone too.

    (``OverwriteCells.add_missing_grade_cells``: the cells it knows are the
    graded and answer cells present, and those it has put back so far.)
    """
    present = set()
    for cell in nb["cells"]:
        meta = _nbgrader_meta(cell)
        if meta and (meta.get("grade") or meta.get("solution")):
            present.add(meta.get("grade_id"))
    order, graded = [], []
    for cell in source.get("cells", []):
        meta = _nbgrader_meta(cell)
        if meta and (_is_nbgrader_cell(meta) or meta.get("task")):
            order.append(meta.get("grade_id"))
            if meta.get("grade"):
                graded.append(meta.get("grade_id"))
    for gid in graded:
        if gid in present:
            continue
        before = order.index(gid)
        if before > 0 and order[before - 1] not in present:
            return (f"has lost graded cell {gid!r} and, with it, the cell before it in the lab "
                    f"({order[before - 1]!r}: deleted, or its grading metadata removed), so nbgrader "
                    f"cannot put the graded cell back; {FRESH_COPY}")
        present.add(gid)
    return ""


# --------------------------------------------------------------------------- nbgrader's reading
def _nbgrader_problem(text: str, course: Any, lab: str, notebook: str, db_url: str) -> str:
    """nbgrader's sanitizing step on the submission, in memory; what stopped it ("" if nothing)."""
    import nbformat.reader
    from nbconvert.exporters import NotebookExporter
    from nbgrader.converters import Autograde
    from traitlets.config import Config

    config = Config(course.app.config)
    configured = config.Autograde.get("sanitize_preprocessors")
    steps = configured if configured is not None else Autograde.class_traits()[
        "sanitize_preprocessors"].default()
    exporter = NotebookExporter(config=config, log=_QUIET)
    for step in steps:
        exporter.register_preprocessor(step, enabled=True)
    resources = {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
                 "nbgrader": {"student": "", "assignment": lab, "notebook": notebook, "db_url": db_url}}
    try:
        # nbformat.reads(text, as_version=4), as nbconvert reads it, without logging a schema
        # problem to the grader's console (the version is 4: nothing to convert)
        exporter.from_notebook_node(nbformat.reader.reads(text), resources=resources)
    except Exception as err:  # whatever stops nbgrader stops it for this student only
        if _machine_fault(err):  # the gradebook, not the notebook: leave it to the worker
            return ""
        return _plain(err)
    return ""


def _machine_fault(err: Exception) -> bool:
    """A database or disk error (``faults.classify``, or any SQLAlchemy error): not the notebook's."""
    from sqlalchemy.exc import SQLAlchemyError

    from . import faults

    return bool(faults.classify(err)) or isinstance(err, SQLAlchemyError)


def _plain(err: Exception) -> str:
    """What an exception from nbgrader's sanitizing step means for the instructor."""
    from nbformat import ValidationError as NotebookInvalid
    from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError, ValidationError

    lines = str(getattr(err, "message", "") or err).strip().splitlines()
    detail = (lines[0] if lines else type(err).__name__)[:120]
    # nbgrader raises nbformat's (jsonschema's) ValidationError class with a message of its own;
    # a schema check fills in which rule (``validator``) failed
    from_schema = isinstance(getattr(err, "validator", None), str)
    if isinstance(err, (SchemaTooOldError, SchemaTooNewError)):
        return (f"has grading metadata of another nbgrader version ({detail}), which nbgrader will "
                f"not grade; {FRESH_COPY}")
    if isinstance(err, ValidationError) and not from_schema:
        return f"has damaged grading metadata (nbgrader: {detail}); {FRESH_COPY}"
    if isinstance(err, NotebookInvalid):
        path = list(getattr(err, "absolute_path", ()))
        where = (f"cell {path[1] + 1}" if path[:1] == ["cells"] and len(path) > 1 and isinstance(path[1], int)
                 else "/".join(map(str, path)) or "the notebook")
        what = detail if len(lines[0] if lines else "") <= 100 else "not in the notebook format"
        return f"is not a valid notebook (in {where}: {what}); {RESUBMIT}"
    return (f"cannot be read by nbgrader ({type(err).__name__}: {detail}), usually after its grading "
            f"metadata was edited; {FRESH_COPY}")
