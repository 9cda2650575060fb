"""Promises the repository makes to maintainers: README commands, CI, self-containment."""
from __future__ import annotations

import re
import subprocess
import sys

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


def test_make_refuses_an_unsupported_python_with_advice(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_python.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0, "the interpreter running the tests is a supported one"
    fake = tmp_path / "old.py"
    fake.write_text("import sys, runpy\nsys.version_info = (3, 9, 0, 'final', 0)\n"
                    f"runpy.run_path({str(ROOT / 'tools' / 'check_python.py')!r}, run_name='__main__')\n")
    result = subprocess.run([sys.executable, str(fake)], capture_output=True, text=True)
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
