"""reciprocity._nbgrader: nbgrader's command line started cheaply, with the kernel started early.

The probe assignment checks, from inside the grading kernel, everything a
kernel started by nbgrader itself would see: the notebook's folder as the
working directory, files copied from the source folder, NBGRADER_EXECUTION,
a clean namespace and execution counts from 1. It is graded with the early
kernel and without it, and must score the same. Two more assignments check
that a run over the per-student limit is killed with its kernel, and that a
process a student's code leaves running does not hold up the grader.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import version as installed

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import ROOT, run_python
from reciprocity import _nbgrader, grading

LAUNCHER = [sys.executable, "-m", "reciprocity._nbgrader"]
LINGER = ["sleep", "97"]  # a process a student's code starts in its own session and leaves

PROBES = {
    "probe_folder": "from pathlib import Path\n"
                    "assert Path.cwd().parts[-3] == 'autograded', Path.cwd()\n"
                    "assert Path.cwd().name == 'probe', Path.cwd()",
    "probe_files": "assert open('extra.txt').read() == 'copied from the source folder'",
    "probe_env": "import os\nassert os.environ.get('NBGRADER_EXECUTION') == 'autograde'",
    "probe_namespace": "assert '_o' not in globals() and 'os' in globals()\n"
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


@pytest.fixture(scope="module")
def probe_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("probe-course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    # IPython's directory history starts where the kernel started: tells the two paths apart
    probe = _graded_notebook(PROBES, [new_code_cell("print(_dh[0])")])
    source = _write_source(course, "probe", probe)
    (source / "extra.txt").write_text("copied from the source folder")
    # a second assignment whose only cell outlasts any sensible per-student limit
    _write_source(course, "sleeper", _graded_notebook({"sleep": "import time\ntime.sleep(120)"}))
    # a third whose student adds a cell that leaves a process running
    _write_source(course, "simple", _graded_notebook({"simple": "assert True"}))
    for lab in ("probe", "sleeper", "simple"):
        proc = subprocess.run(LAUNCHER + ["generate_assignment", lab, "--force"], cwd=course,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    for student, lab in (("early", "probe"), ("usual", "probe"), ("slow", "sleeper")):
        folder = course / "submitted" / student / lab
        folder.mkdir(parents=True)
        shutil.copy(course / "exercises" / lab / f"{lab}.ipynb", folder)
    released = nbformat.read(course / "exercises" / "simple" / "simple.ipynb", as_version=4)
    escape = f"import subprocess\nsubprocess.Popen({LINGER!r}, start_new_session=True)"
    released.cells.insert(0, new_code_cell(escape))
    (course / "submitted" / "daemon" / "simple").mkdir(parents=True)
    nbformat.write(released, course / "submitted" / "daemon" / "simple" / "simple.ipynb")
    return course


def _grade(course, student, monkeypatch, early):
    monkeypatch.setenv(_nbgrader.EARLY_KERNEL_ENV, "1" if early else "0")
    (result,) = grading.grade_lab("probe", course, students=[student], feedback=False,
                                  echo=lambda *a: None)
    return result


@pytest.mark.parametrize("student,early", [("early", True), ("usual", False)])
def test_grading_kernel_sees_what_nbgrader_would_give_it(probe_course, monkeypatch, student, early):
    result = _grade(probe_course, student, monkeypatch, early)
    assert result.status == "graded", result.log
    graded = nbformat.read(probe_course / "autograded" / student / "probe" / "probe.ipynb",
                           as_version=4)
    errors = [out for c in graded.cells for out in c.get("outputs", [])
              if out.output_type == "error"]
    assert errors == []
    assert (result.score, result.max_score) == (len(PROBES), len(PROBES))
    counts = [c.execution_count for c in graded.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(PROBES) + 2))
    started_in = graded.cells[-1].outputs[0].text.strip()
    expected = probe_course if early else probe_course / "autograded" / student / "probe"
    assert os.path.realpath(started_in) == os.path.realpath(expected)


def _processes_in(folder, marker: bytes):
    """Processes whose command line contains `marker` and whose working folder is in `folder`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if marker in cmdline and (cwd + os.sep).startswith(str(folder) + os.sep):
            found.append(int(pid))
    return found


def _kernels_in(folder):
    return _processes_in(folder, b"ipykernel")


def test_early_kernel_is_stopped_when_nbgrader_fails_before_executing(tmp_path):
    # an empty folder: no such assignment, nbgrader exits with an error
    failed = subprocess.run(LAUNCHER + ["autograde", "no-such-lab", "--student=x"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert "no-such-lab" in failed.stdout + failed.stderr
    assert _kernels_in(tmp_path) == []


def test_a_run_over_the_student_limit_is_stopped_and_its_kernel_goes_too(probe_course):
    (result,) = grading.grade_lab("sleeper", probe_course, students=["slow"], timeout=60,
                                  student_timeout=8, feedback=False, echo=lambda *a: None)
    assert result.status == "failed"
    assert "limit" in result.note
    # the kernel runs in its own session; it exits once it sees its parent gone
    deadline = time.monotonic() + 15
    while _kernels_in(probe_course) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _kernels_in(probe_course) == []


def _lingering(folder):
    return [pid for pid in _processes_in(folder, " ".join(LINGER).encode())]


def test_a_process_left_running_by_the_student_does_not_hold_up_grading(probe_course):
    try:
        (result,) = grading.grade_lab("simple", probe_course, students=["daemon"],
                                      student_timeout=20, feedback=False, echo=lambda *a: None)
        # the run is over (graded, not stopped at the limit) while the process lives on
        assert result.status == "graded", result.note
        assert result.score == 1
        assert _lingering(probe_course)
    finally:
        for pid in _lingering(probe_course):
            os.kill(pid, 9)


class _FakeKernel:
    kernel_name = "python3"

    def __init__(self):
        self.stopped = False

    async def is_alive(self):
        return not self.stopped

    async def shutdown_kernel(self, now=False):
        self.stopped = True

    async def cleanup_resources(self, restart=False):
        pass


class _FakeExecute:
    """The traits of nbgrader's Execute preprocessor that decide which kernel it starts."""

    def __init__(self, kernel_name="", extra_arguments=(), kernel_manager_class=None):
        from jupyter_client.manager import AsyncKernelManager

        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments)
        self.kernel_manager_class = kernel_manager_class or AsyncKernelManager


@pytest.mark.parametrize("notebook_kernel,execute,taken", [
    ("python3", {}, True),
    ("python3", {"extra_arguments": ["--HistoryManager.hist_file=:memory:"]}, True),
    ("ir", {}, False),
    ("ir", {"kernel_name": "python3"}, True),   # Execute.kernel_name wins, as in nbclient
    ("python3", {"kernel_name": "julia"}, False),
    ("python3", {"extra_arguments": ["--matplotlib=inline"]}, False),
    ("python3", {"kernel_manager_class": type("Custom", (), {})}, False),
])
def test_early_kernel_is_used_only_where_nbgrader_would_start_the_same(
        monkeypatch, notebook_kernel, execute, taken):
    fake = _FakeKernel()
    monkeypatch.setattr(_nbgrader, "_early_kernel", fake)
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": notebook_kernel}
    client = _FakeExecute(**execute)
    assert (_nbgrader._take_early_kernel(nb, client) is fake) is taken
    assert fake.stopped is (not taken)
    assert _nbgrader._early_kernel is None  # handed out once at most
    assert _nbgrader._take_early_kernel(nb, client) is None


def test_grading_uses_the_launcher():
    assert grading._NBGRADER == LAUNCHER


def test_launcher_loads_nbgrader_apps_without_the_server_extensions():
    out = run_python(
        "import sys\n"
        "from reciprocity import _nbgrader\n"
        "app = _nbgrader.load_app()\n"
        "import nbgrader, nbgrader.apps.nbgraderapp as real\n"
        "print(app is real.NbGraderApp, nbgrader.__version__)\n"
        "print(sorted(m for m in ('jupyter_server', 'nbgrader.server_extensions', 'IPython')"
        " if m in sys.modules))\n")
    first, second = out.splitlines()
    assert first.split() == ["True", installed("nbgrader")]
    assert second == "[]"


def test_launcher_prints_nbgrader_version():
    result = subprocess.run(LAUNCHER + ["--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"nbgrader version {installed('nbgrader')}" in result.stdout


def test_launcher_leaves_an_already_imported_nbgrader_alone():
    out = run_python("import nbgrader, sys\n"
                  "from reciprocity import _nbgrader\n"
                  "print(_nbgrader._register_package_without_extensions(),"
                  " sys.modules['nbgrader'] is nbgrader)\n")
    assert out.split() == ["False", "True"]


def test_kernel_specs_are_found_without_importing_ipython():
    out = run_python("import sys\n"
                  "from reciprocity import _nbgrader\n"
                  "spec = _nbgrader._kernel_spec_manager().get_kernel_spec('python3')\n"
                  "print(spec.language, 'IPython' in sys.modules)\n")
    assert out.split() == ["python", "False"]
