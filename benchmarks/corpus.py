"""Benchmark the grader on the whole adversarial corpus: what it graded, flagged, leaked or overscored.

A temporary nbgrader course gets the corpus's lab (``tests.support.corpus``,
``trials``) with canaries planted where no submission may reach (the answer
key, another student's folder, the gradebook, the course's root). The honest
bases are graded first on their own; then ``--size`` corpus submissions
(default 1,000: submissions ``c0000`` ...) and honest twins are graded in
one batch by ``reciprocity.grading.grade_lab``, sandboxed, ``--jobs`` at a
time, with the cell and student time limits of the CI slice
(``tests/grading/test_corpus.py``). Reported:

``graded``, ``flagged`` (and ``flagged_by_reason``), ``failed``
    the outcome of each corpus submission; every one should be graded or
    flagged (``failed`` counts the others).
``aborts``
    1 if the batch raised or left a student without a result, else 0.
``escapes``
    canaries found in any graded notebook, feedback page, file nbgrader left,
    log or note (``corpus.leaks``).
``max_score_excess``
    the largest amount by which a graded submission scored more than its
    cells earned (``corpus.excess``: a grade above the cell's points, points
    for a test that raised, a total that is not the sum of the grades, a
    score above its base's alone); 0 when there is none.
``honest_changes``
    honest twins whose score in the batch differs from their base's alone.

Run::

    python -m benchmarks.corpus                      # the whole corpus (about half an hour on 2 cores)
    python -m benchmarks.corpus --size 3 --json /tmp/corpus.json

The sandbox's kernels run as ``nobody`` when run as root: use an interpreter
``nobody`` can reach (e.g. ``/opt/rvenv/bin/python``).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from reciprocity import grading
from tests.support import corpus
from tests.support.common import release_lab

SIZE = 1000
CELL_TIMEOUT = 15
STUDENT_TIMEOUT = 300
# first match wins: the kind of each flag, from the intake's and the grader's wording
REASONS = [
    ("over the size limit", "MB, over the"), ("empty file", "is empty"), ("UTF-16", "but UTF-16"),
    ("binary data", "binary data"), ("not UTF-8", "not UTF-8"), ("broken JSON", "broken JSON"),
    ("format version", "format version"), ("JSON, not a notebook", "not a notebook"),
    ("invalid notebook", "not a valid notebook"), ("duplicate grade ids", "duplicate grade_id"),
    ("graded cells lost", "has lost graded cell"), ("damaged grading metadata", "damaged grading metadata"),
    ("other nbgrader version", "another nbgrader version"), ("unreadable by nbgrader", "cannot be read by nbgrader"),
    ("not the lab's notebook", "no notebook"), ("not a regular file", "regular file"),
    ("link or unreadable", "cannot be opened"), ("time limit per student", "limit per student"),
    ("code ignored the interrupt", "did not stop when"), ("kernel died", "kernel died"),
]


def reason_kind(note: str) -> str:
    """A short name for why a submission was flagged."""
    return next((kind for kind, text in REASONS if text in note), "other")


def run(size: int, jobs: int, workdir: Path, feedback: bool = False) -> dict:
    course = workdir / "course"
    course.mkdir()
    release_lab(course, corpus.LAB)
    targets, canaries = corpus.plant_canaries(course, corpus.LAB)
    lab = corpus.Lab.load(corpus.LAB)
    submissions = {}
    for sub in corpus.iter_corpus(size, lab, targets):  # written one at a time: a few are 50 MB
        sub.write(course, lab.name)
        submissions[sub.student] = dataclasses.replace(sub, content=b"")
    twins = ("full", "partial-a", "partial-b") if size >= 50 else ("full",)
    bases = sorted({s.base for s in submissions.values()} | set(twins))
    for base in bases:
        corpus.build(lab, base, [], 0, student=f"alone-{base}").write(course, lab.name)
    for base in twins:
        corpus.build(lab, base, [], 0, student=f"honest-{base}").write(course, lab.name)
    options = dict(timeout=CELL_TIMEOUT, student_timeout=STUDENT_TIMEOUT, jobs=jobs, echo=lambda *a: None)
    alone = {r.student: r for r in grading.grade_lab(lab.name, course, students=[f"alone-{b}" for b in bases],
                                                     feedback=False, **options)}
    students = [*submissions, *(f"honest-{b}" for b in twins)]
    load_before = os.getloadavg()
    start = time.perf_counter()
    aborts, results = 0, {}
    try:
        results = {r.student: r for r in grading.grade_lab(lab.name, course, students=students,
                                                             feedback=feedback, **options)}
    except Exception as err:  # an abort is what is being counted
        print(f"the batch aborted: {type(err).__name__}: {err}", file=sys.stderr)
        aborts = 1
    wall = time.perf_counter() - start
    if set(results) != set(students):
        aborts = 1
    outcome = {s: results[s] for s in submissions if s in results}
    ceilings = {base: alone[f"alone-{base}"].score or 0.0 for base in bases}
    escapes = corpus.leaks(course, results, canaries)
    excess = corpus.excess(course, lab, outcome, {s: submissions[s] for s in outcome}, ceilings,
                           grading.gradebook_url(course))
    changed = [b for b in twins if f"honest-{b}" not in results
               or results[f"honest-{b}"].score != alone[f"alone-{b}"].score]
    status = Counter(r.status for r in outcome.values())
    flagged = Counter(reason_kind(r.note) for r in outcome.values() if r.status == "flagged")
    by_mutation: dict[str, Counter] = {}
    for student, res in outcome.items():
        for name in submissions[student].mutations:
            by_mutation.setdefault(name, Counter())[res.status] += 1
    return {
        "lab": lab.name, "size": size, "jobs": jobs, "cell_timeout_s": CELL_TIMEOUT,
        "student_timeout_s": STUDENT_TIMEOUT, "feedback": feedback,
        "graded": status.get("graded", 0), "flagged": status.get("flagged", 0),
        "failed": sum(v for k, v in status.items() if k not in ("graded", "flagged")),
        "flagged_by_reason": dict(flagged.most_common()),
        "failed_examples": [f"{s} ({submissions[s].label}): {r.note}" for s, r in outcome.items()
                            if r.status not in ("graded", "flagged")][:10],
        "aborts": aborts, "escapes": len(escapes), "escape_examples": escapes[:10],
        "max_score_excess": max((amount for *_, amount in excess), default=0.0),
        "excess_examples": [f"{s}: {what}" for s, what, _ in excess[:10]],
        "honest_changes": len(changed),
        "honest": {b: {"alone": alone[f"alone-{b}"].score,
                       "batch": getattr(results.get(f"honest-{b}"), "score", None),
                       "status": getattr(results.get(f"honest-{b}"), "status", "missing"),
                       "note": getattr(results.get(f"honest-{b}"), "note", "")} for b in twins},
        "by_mutation": {name: dict(c) for name, c in sorted(by_mutation.items())},
        "wall_s": round(wall, 1), "per_submission_s": round(wall / max(1, len(students)), 3),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=SIZE, help=f"corpus submissions graded (default {SIZE})")
    p.add_argument("--jobs", type=int, default=None, help="default: the number of cores")
    p.add_argument("--feedback", action="store_true", help="also generate feedback (and scan it)")
    p.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = p.parse_args(argv)
    if args.size < 1:
        p.error("--size must be at least 1")
    with tempfile.TemporaryDirectory(prefix="reciprocity-bench-corpus-") as tmp:
        report = run(args.size, args.jobs or grading.default_jobs(), Path(tmp), args.feedback)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    bad = report["aborts"] or report["escapes"] or report["max_score_excess"] or report["honest_changes"]
    return 1 if bad or report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
