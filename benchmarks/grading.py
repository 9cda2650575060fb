"""Benchmark grading a whole class: wall time and grading efficiency of ``reciprocity.grading``.

A temporary nbgrader course gets one lab (``--lab``, default ``outreach``) and
``--students`` submissions (default 60): copies of the solution with small
variations (every third student halves the Fisher p-value, every fifth adds
a cell of their own, every seventh leaves an answer unfinished), so that
scores differ. Then:

``bare_execution_s``
    the median over ``--repeat`` runs of executing the solution notebook once
    with nbclient, unsandboxed, in its folder (kernel start, every cell,
    kernel shutdown): the work that cannot be avoided.
``wall_s``
    ``reciprocity.grading.grade_lab(lab, course, jobs=JOBS)`` for the whole
    class, sandboxed unless ``--no-sandbox``, without feedback (timed
    separately as ``feedback_s``).
``grading_efficiency``
    ``students x bare_execution_s / (wall_s x cores_used)``, where
    ``cores_used = min(jobs, cores)``. 1.0 would mean grading costs nothing
    beyond running each notebook once; the goal is at least 0.7.

``--per-student-process`` grades each student in a process of its own
(stock nbgrader's app imported afresh every time, as before the workers),
for comparison. The result is printed as JSON (and written to ``--json``).

Run::

    python -m benchmarks.grading                   # 60 students, jobs = cores
    python -m benchmarks.grading --students 20 --jobs 2 --json /tmp/grading.json
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from reciprocity import grading

ROOT = Path(__file__).resolve().parents[1]

GOAL = 0.7


def bare_execution(path: Path, timeout: int = 60) -> float:
    """Seconds to execute ``path`` with nbclient in its own folder (unsandboxed)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, allow_errors=True, shutdown_kernel="immediate",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def grading_efficiency(students: int, bare_s: float, wall_s: float, cores_used: int) -> float:
    """``students x bare_s / (wall_s x cores_used)``: the share of the cores' floor reached (1.0: no overhead)."""
    return students * bare_s / (wall_s * cores_used)


def _variant(source, i: int):
    nb = copy.deepcopy(source)
    cells = {c.get("id"): c for c in nb.cells}
    if i % 3 == 0 and "fisher_answer" in cells:
        cells["fisher_answer"].source += "\nfisher_p = fisher_p / 2"
    if i % 5 == 0:
        nb.cells.insert(2, nbformat.v4.new_code_cell(f"note = 'student {i} was here'\nprint(note)"))
    if i % 7 == 0:
        answers = [c for c in nb.cells if c.cell_type == "code"
                   and c.metadata.get("nbgrader", {}).get("solution")]
        if answers:
            answers[-1].source = "raise NotImplementedError()"
    return nb


def make_course(workdir: Path, lab: str, students: int) -> list[str]:
    course = workdir / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / lab, course / "solutions" / lab)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force"],
                          cwd=course, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"nbgrader generate_assignment failed:\n{proc.stdout}{proc.stderr}")
    source = nbformat.read(course / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    ids = [f"student-{i:03d}" for i in range(students)]
    for i, sid in enumerate(ids):
        folder = course / "submitted" / sid / lab
        folder.mkdir(parents=True)
        nbformat.write(_variant(source, i), folder / f"{lab}.ipynb")
    return ids


def grade_per_process(lab: str, course: Path, ids: list[str], jobs: int, sandbox: bool) -> dict:
    """Each student in a fresh ``reciprocity.grading.worker`` process (one line of input, then EOF)."""
    from concurrent.futures import ThreadPoolExecutor

    from reciprocity.grading.pool import WORKER
    from reciprocity.grading.settings import GradingSettings

    settings = GradingSettings(lab=lab, db=grading.gradebook_url(course), sandbox=sandbox).to_json()

    def one(sid):
        with tempfile.NamedTemporaryFile(suffix=".log") as log:
            job = json.dumps({"student": sid, "log": log.name}) + "\n"
            proc = subprocess.run([*WORKER, settings], cwd=course, input=job,
                                  capture_output=True, text=True, timeout=600)
            return json.loads(proc.stdout.splitlines()[-1])["graded"]

    with ThreadPoolExecutor(jobs) as pool:
        graded = list(pool.map(one, ids))
    return {"failed": sum(not g for g in graded)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lab", default="outreach")
    p.add_argument("--students", type=int, default=60)
    p.add_argument("--jobs", type=int, default=None, help="default: the number of cores")
    p.add_argument("--repeat", type=int, default=3, help="runs of the bare execution (median)")
    p.add_argument("--no-sandbox", action="store_true")
    p.add_argument("--per-student-process", action="store_true",
                   help="one process per student instead of the workers (for comparison)")
    p.add_argument("--db", default=None, help="gradebook URL (default: SQLite in the course)")
    p.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = p.parse_args(argv)
    cores = grading.default_jobs()
    jobs = args.jobs or cores
    with tempfile.TemporaryDirectory(prefix="reciprocity-bench-grading-") as tmp:
        workdir = Path(tmp)
        ids = make_course(workdir, args.lab, args.students)
        course = workdir / "course"
        bare_dir = workdir / "bare"
        shutil.copytree(course / "solutions" / args.lab, bare_dir)
        bare_runs = [bare_execution(bare_dir / f"{args.lab}.ipynb") for _ in range(args.repeat)]
        bare = statistics.median(bare_runs)
        load_before = os.getloadavg()
        start = time.perf_counter()
        if args.per_student_process:
            from reciprocity.grading.course import Course
            from reciprocity.grading.gradebook import ensure_assignment
            from reciprocity.grading.kernelspec import install_kernel

            install_kernel()
            ensure_assignment(Course.load(course), args.lab, grading.gradebook_url(course), 600)
            outcome = grade_per_process(args.lab, course, ids, jobs, not args.no_sandbox)
            failed = outcome["failed"]
            scores = []
        else:
            results = grading.grade_lab(args.lab, course, students=ids, jobs=jobs,
                                        sandbox=not args.no_sandbox, feedback=False,
                                        db_url=args.db, echo=lambda *a: None)
            failed = sum(r.status != "graded" for r in results)
            scores = [r.score for r in results if r.score is not None]
        wall = time.perf_counter() - start
        feedback_start = time.perf_counter()
        from reciprocity.grading.nbgrader_cli import run as run_nbgrader

        code, _ = run_nbgrader(["generate_feedback", args.lab, "--force",
                                f"--db={grading.gradebook_url(course, args.db)}"], course, 1200)
        feedback_s = time.perf_counter() - feedback_start
    used = min(jobs, cores)
    efficiency = grading_efficiency(args.students, bare, wall, used)
    report = {
        "lab": args.lab, "students": args.students, "jobs": jobs, "cores": cores,
        "cores_used": used, "sandbox": not args.no_sandbox,
        "mode": "per-student process" if args.per_student_process else "workers",
        "gradebook": (args.db or "sqlite").split(":", 1)[0],
        "bare_execution_s": round(bare, 3), "bare_runs_s": [round(x, 3) for x in bare_runs],
        "wall_s": round(wall, 2), "per_student_s": round(wall / args.students, 3),
        "grading_efficiency": round(efficiency, 3), "goal": GOAL, "pass": efficiency >= GOAL,
        "failed": failed, "distinct_scores": sorted(set(scores)),
        "feedback_s": round(feedback_s, 2), "feedback_ok": code == 0,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
