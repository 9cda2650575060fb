"""reciprocity._nbgrader: nbgrader's command line started cheaply, with the kernel started early.

The probe assignment checks, from inside the grading kernel, everything a
kernel started by nbgrader itself would see: the notebook's folder as the
working directory, files copied from the source folder, NBGRADER_EXECUTION,
a clean namespace and execution counts from 1. It is graded with the early
kernel and without it, and must score the same.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version as installed

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import ROOT
from reciprocity import _nbgrader, grading

LAUNCHER = [sys.executable, "-m", "reciprocity._nbgrader"]

PROBES = {
    "probe_folder": "from pathlib import Path\n"
                    "assert Path.cwd().parts[-3] == 'autograded', Path.cwd()\n"
                    "assert Path.cwd().name == 'probe', Path.cwd()",
    "probe_files": "assert open('extra.txt').read() == 'copied from the source folder'",
    "probe_env": "import os\nassert os.environ.get('NBGRADER_EXECUTION') == 'autograde'",
    "probe_namespace": "assert '_o' not in globals() and 'os' in globals()\n"
                       "assert len(In) == 5, In  # '' plus the four cells run so far",
}


def _python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _probe_notebook():
    cells = [new_markdown_cell("Probe of the grading kernel.")]
    for grade_id, code in PROBES.items():
        cell = new_code_cell(code)
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                     "points": 1, "schema_version": 3, "solution": False,
                                     "task": False}
        cells.append(cell)
    # IPython's directory history starts where the kernel started: tells the two paths apart
    cells.append(new_code_cell("print(_dh[0])"))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture(scope="module")
def probe_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("probe-course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    source = course / "solutions" / "probe"
    source.mkdir(parents=True)
    nbformat.write(_probe_notebook(), source / "probe.ipynb")
    (source / "extra.txt").write_text("copied from the source folder")
    proc = subprocess.run(LAUNCHER + ["generate_assignment", "probe", "--force"], cwd=course,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student in ("early", "usual"):
        folder = course / "submitted" / student / "probe"
        folder.mkdir(parents=True)
        shutil.copy(course / "exercises" / "probe" / "probe.ipynb", folder)
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


def _kernels_in(folder):
    """ipykernel processes whose working directory is inside `folder`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if b"ipykernel" in cmdline and cwd.startswith(str(folder)):
            found.append(int(pid))
    return found


def test_early_kernel_is_stopped_when_nbgrader_fails_before_executing(tmp_path):
    # an empty folder: no such assignment, nbgrader exits with an error
    failed = subprocess.run(LAUNCHER + ["autograde", "no-such-lab", "--student=x"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert "no-such-lab" in failed.stdout + failed.stderr
    assert _kernels_in(tmp_path) == []


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
    out = _python(
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
    out = _python("import nbgrader, sys\n"
                  "from reciprocity import _nbgrader\n"
                  "print(_nbgrader._register_package_without_extensions(),"
                  " sys.modules['nbgrader'] is nbgrader)\n")
    assert out.split() == ["False", "True"]


def test_kernel_specs_are_found_without_importing_ipython():
    out = _python("import sys\n"
                  "from reciprocity import _nbgrader\n"
                  "spec = _nbgrader._kernel_spec_manager().get_kernel_spec('python3')\n"
                  "print(spec.language, 'IPython' in sys.modules)\n")
    assert out.split() == ["python", "False"]
