"""reciprocity.grading.worker: the grading worker (nbgrader's autograde, one student after another).

The probe assignment checks, from inside the grading kernel, what a kernel
started by nbgrader itself would see: the notebook's folder as the working
directory, files copied from the source folder, NBGRADER_EXECUTION, a clean
namespace and execution counts from 1, with and without the sandbox. Other
assignments check that a run over the per-student limit is stopped with
everything it started while the next student is still graded, and that
without the sandbox a process a student leaves running does not hold up the
grader.
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from reciprocity import grading
from reciprocity.grading import nbgrader_cli, pool, sandbox, worker
from reciprocity.grading.settings import GradingSettings, Limits
from tests.support.common import ROOT, processes_with, release_lab

LINGER = ["sleep", "97"]  # a process a student's code starts in its own session and leaves
SLEEPER_MARK = "9873"  # the over-limit student's cell starts `sleep 9873`

PROBES = {
    "probe_folder": "from pathlib import Path\n"
                    "assert Path.cwd().parts[-3] == 'autograded', Path.cwd()\n"
                    "assert Path.cwd().name == 'probe', Path.cwd()",
    "probe_files": "assert open('extra.txt').read() == 'copied from the source folder'",
    "probe_env": "import os\nassert os.environ.get('NBGRADER_EXECUTION') == 'autograde'",
    "probe_namespace": "assert 'os' in globals() and '_key' not in globals()\n"
                       "assert len(In) == 5, In  # '' plus the four cells run so far",
}
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _graded_notebook(tests: dict[str, str], extra_cells=()):
    """A source notebook: one locked 1-point test cell per (grade_id, code), then extra cells."""
    cells = []
    for grade_id, code in tests.items():
        cell = new_code_cell(code)
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                     "points": 1, "schema_version": 3, "solution": False,
                                     "task": False}
        cells.append(cell)
    nb = new_notebook(cells=[*cells, *extra_cells])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def _write_source(course, lab, nb):
    folder = course / "solutions" / lab
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{lab}.ipynb")
    return folder


def _submit(course, student, lab, nb=None):
    folder = course / "submitted" / student / lab
    folder.mkdir(parents=True)
    if nb is None:
        shutil.copy(course / "exercises" / lab / f"{lab}.ipynb", folder)
    else:
        nbformat.write(nb, folder / f"{lab}.ipynb")


@pytest.fixture(scope="module")
def probe_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("probe-course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    source = _write_source(course, "probe", _graded_notebook(PROBES))
    (source / "extra.txt").write_text("copied from the source folder")
    answer = new_code_cell("x = 1")
    answer.metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "locked": False,
                                   "schema_version": 3, "solution": True, "task": False}
    sleeper = _graded_notebook({"sleep": "assert x == 1"})
    sleeper.cells.insert(0, answer)
    _write_source(course, "sleeper", sleeper)
    _write_source(course, "simple", _graded_notebook({"simple": "assert True"}))
    for lab in ("probe", "sleeper", "simple"):
        release_lab(course, lab, copy_source=False)
    for student, lab in (("boxed", "probe"), ("unboxed", "probe"), ("after-slow", "sleeper")):
        _submit(course, student, lab)
    # slow's answer outlasts any sensible per-student limit, after leaving a marked process
    slow = nbformat.read(course / "exercises" / "sleeper" / "sleeper.ipynb", as_version=4)
    slow.cells[0].source = ("import subprocess, time\nsubprocess.Popen(['sleep', '%s'])\n"
                             "time.sleep(120)\nx = 1" % SLEEPER_MARK)
    _submit(course, "slow", "sleeper", slow)
    after = nbformat.read(course / "exercises" / "sleeper" / "sleeper.ipynb", as_version=4)
    after.cells[0].source = "x = 1"
    nbformat.write(after, course / "submitted" / "after-slow" / "sleeper" / "sleeper.ipynb")
    released = nbformat.read(course / "exercises" / "simple" / "simple.ipynb", as_version=4)
    released.cells.insert(0, new_code_cell(
        f"import subprocess\nsubprocess.Popen({LINGER!r}, start_new_session=True)"))
    _submit(course, "daemon", "simple", released)
    return course


@pytest.mark.parametrize("student,boxed", [("boxed", True), ("unboxed", False)])
def test_grading_kernel_sees_what_nbgrader_would_give_it(probe_course, student, boxed):
    (result,) = grading.grade_lab("probe", probe_course, students=[student], feedback=False,
                                  sandbox=boxed, echo=lambda *a: None)
    assert result.status == "graded", result.log
    graded = nbformat.read(probe_course / "autograded" / student / "probe" / "probe.ipynb",
                           as_version=4)
    errors = [out for c in graded.cells for out in c.get("outputs", [])
              if out.output_type == "error"]
    assert errors == []
    assert (result.score, result.max_score) == (len(PROBES), len(PROBES))
    counts = [c.execution_count for c in graded.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(PROBES) + 1))


def test_a_run_over_the_student_limit_is_stopped_and_the_next_student_graded(probe_course):
    results = grading.grade_lab("sleeper", probe_course, students=["slow", "after-slow"], jobs=1,
                                timeout=60, student_timeout=15, feedback=False,
                                echo=lambda *a: None)
    slow, after = results
    assert slow.status == "flagged" and "limit" in slow.note
    assert after.status == "graded" and after.score == 1, after.log[-2000:]
    # the sandbox dies with the killed worker, and everything in it
    deadline = time.monotonic() + 10
    while processes_with(f"sleep {SLEEPER_MARK}".encode()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_with(f"sleep {SLEEPER_MARK}".encode()) == []


def test_without_sandbox_a_process_left_running_does_not_hold_up_grading(probe_course):
    marker = " ".join(LINGER).encode()
    try:
        (result,) = grading.grade_lab("simple", probe_course, students=["daemon"], sandbox=False,
                                      student_timeout=20, feedback=False, echo=lambda *a: None)
        # the run is over (graded, not stopped at the limit) while the process lives on
        assert result.status == "graded", result.note
        assert result.score == 1
        assert processes_with(marker)
    finally:
        for pid in processes_with(marker):
            os.kill(pid, 9)


def test_worker_config_sandboxes_the_kernel_and_redacts_after_saving_grades():
    settings = GradingSettings(lab="probe", db="sqlite:///x.db", timeout=7,
                               limits=Limits(memory=123, output=456), runtime_parent="/run/x")
    assert GradingSettings.from_json(settings.to_json()) == settings
    cfg = worker.autograde_config(settings)
    names = [p.rsplit(".", 1)[-1] for p in cfg.Autograde.autograde_preprocessors]
    assert names[0] == "CappedOutputExecute"
    # KeepHandGrades is nbgrader's SaveAutoGrades keeping unchanged hand grades (handgrades.py)
    assert names.index("RedactHiddenTests") == names.index("KeepHandGrades") + 1
    assert cfg.Execute.kernel_name == "reciprocity-sandbox"
    assert cfg.CappedOutputExecute.output_limit == 456
    assert cfg.SandboxProvisioner.memory == 123 and cfg.SandboxProvisioner.runtime_parent == "/run/x"
    assert cfg.Execute.timeout == 7 and cfg.CourseDirectory.db_url == "sqlite:///x.db"
    unboxed = worker.autograde_config(GradingSettings(lab="probe", db="sqlite:///x.db", sandbox=False))
    assert unboxed.Execute.kernel_name == "python3"


def test_the_course_config_sandboxes_every_autograde():
    """nbgrader autograde and the formgrader read the course's config: the same kernel and steps."""
    from reciprocity.grading.course import Course
    from reciprocity.grading.preprocessors import AUTOGRADE_PREPROCESSORS

    config = Course.load(ROOT).app.config
    assert config.Execute.kernel_name == "reciprocity-sandbox"
    assert list(config.Autograde.autograde_preprocessors) == AUTOGRADE_PREPROCESSORS


def test_grading_uses_the_worker_and_stock_nbgrader():
    assert [sys.executable, "-m", "reciprocity.grading.worker"] == pool.WORKER
    assert [sys.executable, "-m", "nbgrader"] == nbgrader_cli.NBGRADER


def test_sqlite_gradebooks_wait_for_the_lock_and_other_urls_are_left_alone(tmp_path):
    url = grading.gradebook_url(tmp_path)
    assert url == f"sqlite:///{tmp_path}/gradebook.db?timeout={grading.SQLITE_LOCK_TIMEOUT}"
    assert grading.gradebook_url(tmp_path, "sqlite:///g.db?timeout=5") == "sqlite:///g.db?timeout=5"
    pg = "postgresql://grader@/grades?host=/tmp/pg"
    assert grading.gradebook_url(tmp_path, pg) == pg


def test_sandbox_command_drops_privileges_and_shares_nothing():
    cmd = sandbox.bwrap_command(["/venv/bin/python", "-m", "ipykernel_launcher"],
                                workdir="/c/autograded/a/lab", runtime_dir="/tmp/k",
                                limits=Limits(), env={"HOME": "/tmp"}, binds=["/venv"])
    assert cmd[:5] == ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                       "/usr/bin/bwrap"]
    for flag in ["--unshare-all", "--die-with-parent", "--clearenv", "--disable-userns"]:
        assert flag in cmd
    pairs = list(zip(cmd, cmd[1:], cmd[2:], strict=False))  # triples of neighbours
    assert ("--ro-bind", "/venv", "/venv") in pairs
    assert ("--bind", "/tmp/k/sockets", "/tmp/k/sockets") in pairs  # the only writable bind
    assert [c for c in cmd if c == "--bind"] == ["--bind"]
    assert (str(Limits().disk), "--tmpfs", "/c/autograded/a/lab") in pairs
    assert ("--ro-bind-try", "/tmp/k/submission", "/run/reciprocity/submission") in pairs
    assert cmd[-3:] == ["/venv/bin/python", "-m", "ipykernel_launcher"]


def test_without_root_the_sandbox_maps_the_caller_to_nobody_inside():
    cmd = sandbox.bwrap_command(["/venv/bin/python", "-m", "ipykernel_launcher"],
                                workdir="/c/autograded/a/lab", runtime_dir="/tmp/k",
                                limits=Limits(), env={"HOME": "/tmp"}, binds=["/venv"], run_as=None)
    assert cmd[0] == "/usr/bin/bwrap" and "/usr/bin/setpriv" not in cmd
    pairs = list(itertools.pairwise(cmd))
    assert ("--uid", "65534") in pairs and ("--gid", "65534") in pairs
    for flag in ["--unshare-all", "--unshare-user", "--die-with-parent", "--clearenv",
                 "--disable-userns"]:
        assert flag in cmd


def test_the_sandbox_user_must_reach_the_environment():
    import tempfile

    closed = Path(tempfile.mkdtemp(dir="/tmp"))  # /tmp itself is open to everyone
    try:
        (closed / "venv").mkdir()
        closed.chmod(0o700)
        assert sandbox.unreachable([str(closed / "venv")], sandbox.NOBODY) == [str(closed / "venv")]
        closed.chmod(0o711)
        assert sandbox.unreachable([str(closed / "venv")], sandbox.NOBODY) == []
    finally:
        shutil.rmtree(closed)
