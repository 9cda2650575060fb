"""A PostgreSQL gradebook: grading in parallel against a real server this test starts.

The server runs as an unprivileged user (``initdb`` refuses root) from a
temporary folder, listens only on a Unix socket there, and is stopped at the
end. Without PostgreSQL's binaries the test skips locally and fails in CI.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from reciprocity import grading
from reciprocity.grading.gradebook import pg_bin
from tests.support.common import IN_CI, ROOT

LAB = "pgprobe"
NOBODY = 65534


def _as_server_user(cmd, **kw):
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] \
        if os.geteuid() == 0 else []
    return subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on a Unix socket in a temp folder; yields a SQLAlchemy URL."""
    bindir = pg_bin()
    if bindir is None:
        message = ("PostgreSQL tests skipped: no initdb/pg_ctl found; install them with "
                   "`sudo apt-get install postgresql`")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="reciprocity-pg-", dir="/tmp"))
    base.chmod(0o755)
    data, sock = base / "data", base / "socket"
    for folder in (data, sock):
        folder.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(base)}
    init = _as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "grader",
                            "--auth=trust", "-E", "UTF8", "--no-sync"], env=env, cwd=base)
    assert init.returncode == 0, init.stdout + init.stderr
    options = f"-k {sock} -c listen_addresses='' -F"
    start = _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                             "-l", str(sock / "server.log"), "-w", "-t", "60", "start"],
                            env=env, cwd=base)
    assert start.returncode == 0, start.stdout + start.stderr
    try:
        import psycopg

        with psycopg.connect(f"host={sock} user=grader dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
        yield f"postgresql://grader@/gradebook?host={sock}"
    finally:
        _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                         "stop"], env=env, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def _notebook(answer: str):
    cells = [new_code_cell(answer)]
    for i, test in enumerate(["assert x > 0", "assert x % 2 == 0", "assert x == 42"]):
        cell = new_code_cell(test)
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{i}", "locked": True,
                                     "points": i + 1, "schema_version": 3, "solution": False,
                                     "task": False}
        cells.append(cell)
    cells[0].metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "locked": False,
                                     "schema_version": 3, "solution": True, "task": False}
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


STUDENTS = {"ada": ("x = 42", 6), "bo": ("x = 8", 3), "cy": ("x = 7", 1), "di": ("x = -1", 0)}


@pytest.fixture(scope="module")
def pg_course(postgres, tmp_path_factory):
    course = tmp_path_factory.mktemp("pg-course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    (course / "solutions" / LAB).mkdir(parents=True)
    nbformat.write(_notebook("### BEGIN SOLUTION\nx = 42\n### END SOLUTION"),
                   course / "solutions" / LAB / f"{LAB}.ipynb")
    # no generate_assignment here: grade_lab adds the lab to the empty gradebook itself
    for student, (answer, _) in STUDENTS.items():
        folder = course / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nbformat.write(_notebook(answer), folder / f"{LAB}.ipynb")
    results = grading.grade_lab(LAB, course, db_url=postgres, jobs=2, feedback=False,
                                echo=lambda *a: None)
    return course, postgres, {r.student: r for r in results}


def test_parallel_grading_writes_every_score_to_postgresql(pg_course):
    from nbgrader.api import Gradebook

    course, url, results = pg_course
    for student, (_, score) in STUDENTS.items():
        assert results[student].status == "graded", results[student].log[-2000:]
        assert results[student].score == score
    with Gradebook(url) as gb:
        assert {s.id for s in gb.students} == set(STUDENTS)
        assert {s: gb.find_submission(LAB, s).score for s in STUDENTS} == {
            s: score for s, (_, score) in STUDENTS.items()}
    assert not (course / "gradebook.db").exists()  # nothing went to SQLite by mistake


def test_exports_read_the_postgresql_gradebook(pg_course):
    course, url, _ = pg_course
    code = grading.main([LAB, "--course-dir", str(course), "--summary-only", "--db", url])
    assert code == 0
    grades = pd.read_csv(course / "reports" / LAB / "grades.csv", dtype={"student_id": str})
    assert dict(zip(grades["student_id"], grades["score"], strict=True)) == {
        s: score for s, (_, score) in STUDENTS.items()}
    canvas = pd.read_csv(course / "reports" / LAB / "canvas.csv", dtype=str, keep_default_na=False)
    assert canvas.iloc[0][LAB] == "6" and canvas.iloc[0]["Student"] == "Points Possible"
    assert dict(zip(canvas["SIS Login ID"][1:], canvas[LAB][1:], strict=True)) == {
        s: str(score) for s, (_, score) in STUDENTS.items()}
