"""Promises the repository makes to maintainers: README commands, CI, self-containment."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import yaml

from tests.support.common import ROOT, run_python


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "Quick start holds two fenced blocks: prerequisites, then the commands"
    return [line.strip() for line in blocks[1].splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_names_the_system_prerequisites():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    prerequisites = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)[0]
    for package in ("python3-venv", "make", "chromium"):
        assert package in prerequisites
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3-venv" in ci and "chromium" in ci, "CI installs what the README tells a newcomer to"
    assert "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" in ci


def test_make_refuses_an_unsupported_python_with_advice():
    result = subprocess.run([sys.executable, "-m", "tools.check_python"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, "the interpreter running the tests is a supported one"
    old = ("import sys, runpy\nsys.version_info = (3, 9, 0, 'final', 0)\n"
           "runpy.run_module('tools.check_python', run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", old], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "needs Python 3.11 or 3.12" in result.stderr and "make PYTHON=" in result.stderr


def test_quick_start_has_exactly_two_commands():
    assert quick_start_commands() == ["make book", "make test"]


def test_ci_runs_the_readme_test_command_verbatim():
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in script if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-2:] == quick_start_commands()


def test_make_targets_exist_for_both_commands():
    result = subprocess.run(["make", "-n", "book", "test"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "build . -W -n" in result.stdout
    assert "pytest" in result.stdout and "--nbval" in result.stdout


def test_nothing_reads_the_shared_folder():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    offenders = []
    for name in tracked:
        if name == "tests/test_repository.py":
            continue
        if not (ROOT / name).is_file():  # deleted in the working tree
            continue
        if name.endswith((".py", ".ipynb", ".yml", ".yaml", ".cfg", ".toml")) or name in {"Makefile", ".ci/run"}:
            text = (ROOT / name).read_text(errors="replace")
            if "../shared/" in text or "/work/shared" in text:
                offenders.append(name)
    assert offenders == [], f"these files reach outside the repository: {offenders}"


def test_requirements_pin_jupyter_book_below_2():
    requirements = (ROOT / "requirements.txt").read_text()
    match = re.search(r"^jupyter-book==(\d+)\.", requirements, flags=re.M)
    assert match and match.group(1) == "1"


def test_package_import_is_light_and_submodules_load_on_use():
    code = ("import sys, reciprocity\n"
            "heavy = [m for m in ('pandas', 'scipy', 'matplotlib', 'statsmodels') if m in sys.modules]\n"
            "print(heavy)\n"
            "print(callable(reciprocity.stats.proportion_ci), 'reciprocity.stats' in sys.modules)\n"
            "from reciprocity import data\n"
            "print(data.names()[0])\n"
            "try:\n"
            "    reciprocity.nonexistent\n"
            "except AttributeError as err:\n"
            "    print(err)\n")
    lines = run_python(code).splitlines()
    assert lines[0] == "[]"
    assert lines[1] == "True True"
    assert lines[2] == "ggl2008"
    assert "has no attribute 'nonexistent'" in lines[3]


def test_parameter_defaults_lists_only_keywords_with_defaults():
    from reciprocity.book import parameter_defaults

    def model(n, *, rate=0.2, weight=1.5, rng=None):
        return n

    assert parameter_defaults(model) == {"rate": 0.2, "weight": 1.5, "rng": None}


# --------------------------------------------------------------------------- CI and tooling
def readme_prerequisites() -> list[str]:
    """The Debian packages the README's Quick start installs."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)[0]
    command = block.split("#", 1)[0]
    return command.split("apt-get install", 1)[1].split()


def workflow_steps(name: str) -> list[dict]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_the_public_workflow_runs_the_readme_test_command_verbatim():
    runs = [step.get("run", "").strip() for step in workflow_steps("test.yml")]
    test_command = quick_start_commands()[-1]
    assert test_command in runs, f"a step of .github/workflows/test.yml must run `{test_command}` on its own"
    install = next(run for run in runs if "apt-get install" in run)
    assert runs.index(install) < runs.index(test_command)
    packages = install.split("apt-get install", 1)[1].replace("\\\n", " ").split()
    assert set(readme_prerequisites()) <= set(packages), "install what the README tells a newcomer to"


def test_the_book_workflow_stays():
    assert any(step.get("run", "").strip() == "make book" for step in workflow_steps("book.yml"))


def test_make_test_lints_with_ruff_before_pytest():
    result = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True)
    lines = result.stdout.splitlines()
    ruff = next(i for i, line in enumerate(lines) if line.endswith("-m ruff check ."))
    assert ruff < next(i for i, line in enumerate(lines) if " -m pytest " in line)
    pinned = re.search(r"^ruff==\S+$", (ROOT / "requirements.txt").read_text(), flags=re.M)
    assert pinned, "requirements.txt pins ruff"


def repository_files(*suffixes: str) -> list[str]:
    """Files git tracks, or will once added (untracked but not ignored), with these suffixes."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    return sorted({name for name in listed if name.endswith(suffixes) and (ROOT / name).is_file()})


def test_no_file_changes_sys_path():
    """Code runs from the repository root (``python -m tools.x``); tests get their path from pytest."""
    pattern = re.compile(r"sys\.path\.(insert|append)")
    offenders = [name for name in repository_files(".py", ".ipynb")
                 if name != "tests/test_repository.py"
                 and pattern.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))]
    assert offenders == [], f"these files change sys.path: {offenders}"


def test_tools_and_benchmarks_are_packages_whose_modules_import_one_way():
    """No module of tools/ or benchmarks/ imports, directly or not, one that imports it."""
    import ast
    import graphlib

    modules = {f"{path.parent.name}.{path.stem}": path
               for folder in ("tools", "benchmarks") for path in (ROOT / folder).glob("*.py")}
    assert "tools.__init__" in modules and "benchmarks.__init__" in modules
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        graph[name] = imported & set(modules)
    assert {"tools.lab_spec", "tools.lab_cells"} <= graph["tools.lab_tests"]  # the generator reads the spec
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError, naming the circle


def test_the_tests_reuse_make_book_only_while_it_is_newer_than_every_file(tmp_path):
    from tests.support.common import fresh_build

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    chapter = tmp_path / "chapter.md"
    chapter.write_text("# A chapter\n")
    assert not fresh_build(tmp_path)  # never built
    stamp = tmp_path / "_build" / "html" / ".buildinfo"
    stamp.parent.mkdir(parents=True)
    stamp.write_text("built")
    os.utime(chapter, (1, 1))
    assert fresh_build(tmp_path)
    chapter.write_text("# A chapter, edited after the build\n")
    assert not fresh_build(tmp_path)
