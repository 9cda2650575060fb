"""Benchmark the course on this machine: book builds, notebook execution, grading, explorers, page weight, tests.

Run from the repository root::

    python -m benchmarks.run --json benchmarks/results.json   # everything, 3 repetitions
    python -m benchmarks.run --quick                           # 1 repetition, no test suite
    python -m benchmarks.run --only explorers --repeat 1       # explorer responses in Chromium
    python -m benchmarks.run --only weight --site _build/html  # page weight of a built book
    python -m benchmarks.run --only weight,lighthouse --repeat 1 --site _build/html
    python -m benchmarks.run --only execution --repeat 1 --notebooks 02-anonymity
    python -m benchmarks.run --smoke --site _build/html --json /tmp/smoke.json  # every measurement, smallest

Every measurement is repeated ``--repeat`` times (default 3) and the median is
reported; explorer responses are sampled many more times (see below). A table
with a PASS/FAIL line per goal is printed; ``--json PATH`` also writes every
number, the per-run values and a description of the machine (CPU count and
model, memory, Python version, load average at start and end, date, package
versions, git commit). ``benchmarks/results*.json`` is git-ignored.

Measurements (``--only`` takes the names in brackets, comma-separated)
-----------------------------------------------------------------------
[build]
    ``cold_build_s``: ``jupyter-book build <copy> -W -n --keep-going`` in a
    fresh temporary copy of the repository (copied as ``tests/conftest.py``
    does: no ``_build``, ``.git``, ``node_modules``, caches), so both the
    Sphinx build folder and the Jupyter execution cache start empty and every
    book notebook is executed. The CLI is called as
    ``python -c "...jupyter_book.cli.main import main..."`` (jupyter-book has
    no ``python -m`` entry point).
    ``warm_build_s``: the same command again right after, nothing changed.
    ``warm_over_cold`` = warm / cold (medians).
[execution]
    ``execution_floor_s``: the sum, over every notebook the build executes
    (the ``.ipynb`` pages listed in ``_toc.yml``, minus the ``execute:
    exclude_patterns`` of ``_config.yml``, i.e. ``exercises/*``), of the
    median time to execute it bare with nbclient: kernel start, every cell,
    kernel shutdown, in the notebook's folder, with the book's cell timeout.
    This is what the build cannot go below without executing less.
    ``page_execution_max_s``: the slowest of those notebooks (all are listed).
    ``build_over_execution_floor`` = cold build / floor, when both
    ``build`` and ``execution`` ran on the full notebook list.
[autograde]
    ``autograde_s``: for each lab (``solutions/<lab>/<lab>.ipynb``), in a
    temporary nbgrader course directory (``nbgrader_config.py`` and
    ``solutions/`` copied, ``nbgrader generate_assignment <lab>``, the
    solution notebook submitted as ``submitted/bench-solution/<lab>/``), the
    wall-clock time of ``nbgrader autograde <lab> --student bench-solution``
    as the course runs it, through ``reciprocity.grading.grade_lab``: one
    sandboxed worker running stock nbgrader (worker start, imports, sandbox
    and kernel start and exit all included; without feedback). grade_lab also
    checks the submission was graded; the solution's score is reported.
    ``autograde_over_execution`` = autograde / bare nbclient execution of the
    same notebook. The headline numbers are the slowest lab and the worst
    ratio; every lab is listed.
[class]
    ``grading_efficiency``: ``benchmarks/grading.py`` grades a class of 60
    (``--students``) submissions of the outreach lab, sandboxed, with one job per core:
    (60 x bare execution of one notebook) / (wall time x cores used);
    ``class_grading_s`` is the wall time.
[corpus]
    ``benchmarks/corpus.py`` grades the adversarial corpus
    (``tests/support/corpus.py``, ``--corpus`` submissions, default 1,000)
    with honest students in one sandboxed batch and counts: ``corpus_graded``,
    ``corpus_flagged`` (by reason in the details), ``corpus_aborts``,
    ``corpus_escapes`` (canaries found outside their place),
    ``corpus_max_score_excess`` and ``corpus_honest_changes``; the goals are 0
    for the last four. ``corpus_grading_s`` is the batch's wall time.
[hub]
    ``benchmarks/hub_load.py`` starts the course hub (``deploy/hub/run.py
    up``) with a class of ``--hub-students`` (default 200), releases the lab,
    opens the students' servers ahead of a two-minute deadline rush in which
    every student saves and submits as JupyterLab does, then grades through
    the grading service: ``hub_rush_hub_p95_s`` (due dates and saves through
    the hub) and ``hub_rush_exchange_p95_s`` (nbgrader's submit), goal 1 s
    each, with their p50 and max; ``hub_grade_s`` and
    ``hub_grading_efficiency`` (computed as ``grading_efficiency``, goal at
    least 0.7); ``hub_submissions_lost`` and ``hub_submissions_duplicated``
    (each student's marker in the exchange and in what was graded; goal 0);
    ``hub_spawn_s`` and ``hub_load_wall_s``. Needs root. ``--smoke`` starts
    no hub (see ``hub_load.DRY_RUN``).
[explorers]
    ``explorer_response_p95_ms``: in Chromium, every control of every
    explorer (``reciprocity.explorers.load_all()``) is moved through its
    sweep values and back, ``--explorer-cycles`` times after a warm-up sweep;
    one sample is from setting the input (and firing the event a reader's
    action fires) to the Vega view having redrawn. The 95th percentile over
    all samples; each explorer is listed (``benchmarks/browser.py``).
    ``--explorers`` measures only the explorers named.
[weight]
    Every page of ``_toc.yml`` and ``search.html`` of a built book, loaded in
    Chromium with an empty cache in a 1280x800 viewport. A page's *first
    load* is every file it requests from navigation until the network has
    been idle for 500 ms, without scrolling or any input (so Vega, loaded
    when the first explorer nears the viewport, counts only on pages whose
    first explorer is that close to the top; the search index counts only on
    the search page). Each file is counted as a static host serves it (text
    gzipped at level 6, as GitHub Pages does; fonts and images as they are),
    in MB (10^6 bytes). ``page_weight_max_mb``: the heaviest page.
    ``weight_<kind>_mb``: the heaviest page of each kind (``browser.page_kind``):
    ``landing`` (the root page), ``text`` (no explorer), ``explorer`` (a
    chapter or the primer, with explorers), ``lab`` (``exercises/``). Every
    page is listed with its files. The book is ``--site`` if given, else the
    one [build] made, else one built for this. ``--pages`` weighs (and
    Lighthouse scores) only the pages given.
[lighthouse]
    ``lighthouse_<preset>_<category>``: Lighthouse (npm, pinned in
    package.json; ``npm install`` is run if it is missing) in Debian's
    Chromium, offline, on the same built book served from 127.0.0.1 as a
    static host serves it (gzip, ten-minute caching): the landing page, the
    primer, the first chapter and the first lab, with the ``mobile`` (slow
    4G, CPU slowed 4x) and ``desktop`` presets (``--lighthouse-presets``),
    ``--repeat`` times; the median score (0-100) of performance,
    accessibility and best practices per page, and the lowest of those
    medians as the metric. The audits each page fails are listed
    (``benchmarks/lighthouse.py``).
[tolerances]
    ``correct_answer_acceptance`` and ``hidden_test_mutation_score``: the
    labs' free-choice answers (``tools/lab_tolerances.py``), every accepted
    method run with ``--seeds`` seeds (default 1,000), and typical wrong
    answers; ``--labs`` limits them to some labs.
[tests]
    ``test_suite_s``: the pytest command that ``make test`` runs, taken from
    ``make -n test`` (``make test`` would first ``pip install`` the
    requirements, which is not what is being measured), run in the
    repository root. ``--tests`` replaces the folders it tests with the
    pytest selection given. Run ``--test-repeat`` times (default 1: the suite
    itself contains a full book build and nbgrader end to end). Its exit code
    is recorded; a failing suite counts as a measurement error.

Goals: warm_over_cold <= 0.15, build_over_execution_floor <= 1.5,
autograde_over_execution <= 1.5, explorer_response_p95_ms <= 100,
page_weight_max_mb <= 1.0, weight_text_mb and weight_landing_mb <= 0.35,
weight_explorer_mb <= 0.6, page_execution_max_s <= 10, test_suite_s <= 900;
Lighthouse performance >= 95, accessibility 100, best practices >= 95 with
each preset.

The builds, executions and autogrades use one snapshot of the repository
taken at start; their kernels import the installed (editable) ``reciprocity``
package, as the test suite's build does. Heavy steps run one after another,
never in parallel; the load average is recorded before each, because other
work on the machine inflates the times.
``--smoke`` runs every measurement once at its smallest size, so that a
change that breaks one fails the test suite (``tests/benchmarks/test_smoke.py``)
without costing a benchmark's time: one explorer swept once, one notebook
executed, a two-page book built (a page and a one-cell notebook, made in
the copy), one page weighed and scored by Lighthouse with one preset, one
lab's free-choice answers swept over ``SMOKE_SEEDS`` seeds, one lab
autograded, a class of ``SMOKE_STUDENTS``, ``SMOKE_CORPUS`` corpus submissions, the hub's load
driver's dry run (no hub), and the test command of ``make
test`` on one test (``SMOKE_TESTS``) instead of its folders. Its numbers
say that each measurement works, not how fast the course is: the goals are
not judged. Options given with ``--smoke`` (``--explorers``, ``--notebooks``,
``--pages``, ``--labs``, ...) still win.

Exit status: 0 when every requested measurement ran, 1 when one failed (the
table and JSON are still written, with the error; a failed build prints the
tail of its log and keeps its temporary folder for inspection), 2 for bad
options.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import fnmatch
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from benchmarks.lighthouse import GOALS as LIGHTHOUSE_GOALS, PRESETS as LIGHTHOUSE_PRESETS, metric_name

ROOT = Path(__file__).resolve().parents[1]
# jupyter-book has no ``python -m`` entry point; call its CLI through this interpreter
JUPYTER_BOOK = [sys.executable, "-c",
                "import sys; from jupyter_book.cli.main import main; sys.exit(main())"]
NBGRADER = [sys.executable, "-m", "nbgrader"]

MEASUREMENTS = ["explorers", "execution", "build", "weight", "lighthouse", "tolerances", "autograde",
                "class", "corpus", "hub", "tests"]  # in order
GOALS = {  # metric -> upper limit (None: a floor, see FLOORS)
    "warm_over_cold": 0.15,
    "build_over_execution_floor": 1.5,
    "autograde_over_execution": 1.5,
    "explorer_response_p95_ms": 100.0,
    "grading_efficiency": None,  # a floor, not a ceiling: see goals_report
    "page_weight_max_mb": 1.0,
    "weight_landing_mb": 0.35,
    "weight_text_mb": 0.35,
    "weight_explorer_mb": 0.6,
    "page_execution_max_s": 10.0,
    "test_suite_s": 900.0,
    **dict.fromkeys(["corpus_aborts", "corpus_escapes", "corpus_max_score_excess", "corpus_honest_changes"], 0.0),
    "hub_rush_hub_p95_s": 1.0, "hub_rush_exchange_p95_s": 1.0,
    "hub_submissions_lost": 0.0, "hub_submissions_duplicated": 0.0,
}
EXPLORER_CYCLES_PER_REPEAT = 5
CLASS_STUDENTS = 60
# --smoke: the smallest size of each measurement
SMOKE_SEEDS = 20
SMOKE_STUDENTS = 2
SMOKE_CORPUS = 2
SMOKE_HUB_STUDENTS = 3
SMOKE_TESTS = "tests/test_repository.py::test_quick_start_has_exactly_two_commands"
STUDENT = "bench-solution"
BUILD_TIMEOUT_S = 1500
TEST_TIMEOUT_S = 5400
LOG_TAIL = 6000
COPY_SKIP = {"_build", ".git", ".venv", "node_modules", ".pytest_cache", "__pycache__", "test-artifacts",
             ".ipynb_checkpoints", ".hypothesis", ".benchmarks", "gradebook.db", "submitted",
             "autograded", "feedback"}


class BenchmarkError(RuntimeError):
    """A measurement could not be taken (the message says why, with a log tail if any)."""


# --------------------------------------------------------------------------- helpers
def median(values: list[float]) -> float:
    return float(statistics.median(values))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default."""
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def log(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def tail(text: str, size: int = LOG_TAIL) -> str:
    return text if len(text) <= size else "...\n" + text[-size:]


def run_timed(args: list[str], cwd: Path, timeout: float,
              env: dict[str, str] | None = None) -> tuple[float, int | None, str]:
    """Run a command in its own process group; return (seconds, exit code or None on timeout, output).

    On timeout or Ctrl-C the whole group (kernels included) is killed.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, env=env)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return time.perf_counter() - start, proc.returncode, out
    except (subprocess.TimeoutExpired, KeyboardInterrupt) as err:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        if isinstance(err, KeyboardInterrupt):
            raise
        return time.perf_counter() - start, None, out or ""


def copy_repository(target: Path) -> Path:
    """Copy the repository without build outputs, caches and VCS data (as tests/conftest.py)."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in COPY_SKIP or n.endswith(".egg-info")}

    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def read_yaml(path: Path) -> dict:
    import yaml  # installed with jupyter-book

    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def machine_info() -> dict:
    """What the numbers were measured on."""
    info: dict = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "cpu_model": platform.processor() or platform.machine(),
        "memory_total_gb": None,
        "memory_available_gb": None,
        "load_average_start": loadavg(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        kb = lambda key: int(meminfo[key].split()[0])  # noqa: E731
        info["memory_total_gb"] = round(kb("MemTotal") / 2**20, 1)
        info["memory_available_gb"] = round(kb("MemAvailable") / 2**20, 1)
    except (OSError, KeyError, ValueError):
        pass
    from importlib import metadata

    versions = {}
    for dist in ["jupyter-book", "myst-nb", "sphinx", "nbclient", "ipykernel", "nbgrader",
                 "altair", "ipywidgets", "pytest", "pytest-xdist", "nbval"]:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    info["versions"] = versions
    # read-only git queries; absent outside a checkout
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    info["git_commit"] = commit.stdout.strip() or None
    info["git_dirty"] = bool(status.stdout.strip()) if status.returncode == 0 else None
    return info


# --------------------------------------------------------------------------- notebooks
def toc_pages(root: Path) -> list[str]:
    """Every page of _toc.yml, as written there (no extension), in order."""
    toc = read_yaml(root / "_toc.yml")
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    files.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return files


def book_notebooks(root: Path) -> list[str]:
    """Repository-relative paths of the .ipynb pages in _toc.yml that the build executes."""
    config = read_yaml(root / "_config.yml")
    excluded = (config.get("execute") or {}).get("exclude_patterns") or []
    found = []
    for entry in toc_pages(root):
        path = root / entry
        candidates = [path] if path.suffix else [path.with_suffix(".ipynb")]
        for candidate in candidates:
            if candidate.suffix == ".ipynb" and candidate.is_file():
                rel = candidate.relative_to(root).as_posix()
                if not any(fnmatch.fnmatch(rel, pattern) for pattern in excluded) and rel not in found:
                    found.append(rel)
    return found


def execution_timeout(root: Path) -> int:
    config = read_yaml(root / "_config.yml")
    return int((config.get("execute") or {}).get("timeout") or 120)


def execute_notebook(path: Path, timeout: int) -> float:
    """Seconds to execute a notebook bare with nbclient, kernel start and shutdown included.

    Runs in the notebook's folder, with the kernel named in its metadata. Raises
    BenchmarkError if a cell fails or times out.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        raise BenchmarkError(f"executing {path.name} failed:\n{tail(str(err), 3000)}") from None
    return time.perf_counter() - start


def select(items: list[str], patterns: list[str] | None) -> list[str]:
    """Items matching any pattern (glob if it has wildcards, else substring)."""
    if not patterns:
        return items
    def hit(item: str, pattern: str) -> bool:
        if any(ch in pattern for ch in "*?["):
            return fnmatch.fnmatch(item, pattern)
        return pattern in item
    return [item for item in items if any(hit(item, p) for p in patterns)]


# --------------------------------------------------------------------------- measurements
def measure_explorers(cycles: int, names: list[str] | None = None) -> dict:
    """Explorer responses in Chromium (benchmarks/browser.py), of every explorer or of ``names``."""
    from benchmarks.browser import measure_explorers as measure
    try:
        return measure(cycles, names)
    except RuntimeError as err:
        raise BenchmarkError(str(err)) from err


def built_site(site: Path | None, workdir: Path) -> tuple[Path, Path]:
    """The built book to weigh and score, and the source it was built from: ``--site`` (built
    from this repository), else [build]'s first book, else one built now."""
    source = ROOT
    if site is None:
        source = workdir / "book-1"  # made by [build], if it ran
        if not (source / "_build" / "html" / "index.html").exists():
            source = workdir / "site-book"
        if not (source / "_build" / "html" / "index.html").exists():  # made once per run, for weight and lighthouse
            copy_repository(source)
            jupyter_book_build(source, "site")
        site = source / "_build" / "html"
    if not (site / "index.html").exists():
        raise BenchmarkError(f"{site} holds no built book (index.html missing); run make book")
    return site, source


def book_extension(name: str) -> ModuleType:
    """One of the book's Sphinx extensions (``book/_ext/<name>.py``), loaded from its file:
    Jupyter Book puts that folder on the path only while it builds."""
    spec = importlib.util.spec_from_file_location(f"book_ext_{name}", ROOT / "book" / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def site_prefix(source: Path = ROOT) -> str:
    """The path the book built from ``source`` is published under, as the build derives it."""
    return book_extension("course_assets").site_prefix_from_config(source / "_config.yml").strip("/")


def chosen_pages(site: Path, pages: list[str]) -> list[str]:
    """``--pages``, checked against the built book."""
    missing = [page for page in pages if not (site / page).is_file()]
    if missing:
        raise BenchmarkError(f"--pages: {', '.join(missing)} not in the built book {site}")
    return pages


def measure_weight(site: Path | None, workdir: Path, only: list[str] | None = None) -> dict:
    """Page weight of every page of a built book, or of ``only`` (benchmarks/browser.py)."""
    from benchmarks.browser import measure_page_weight
    site, source = built_site(site, workdir)
    toc = toc_pages(source)
    pages = chosen_pages(site, only) if only else [f"{page}.html" for page in toc] + ["search.html"]
    try:
        return measure_page_weight(site, site_prefix(source), pages, landing=f"{toc[0]}.html")
    except RuntimeError as err:
        raise BenchmarkError(str(err)) from err


def measure_lighthouse(site: Path | None, workdir: Path, repeat: int, presets: list[str],
                       only: list[str] | None = None) -> dict:
    """Lighthouse scores of four pages of a built book, or of ``only`` (benchmarks/lighthouse.py)."""
    from benchmarks.lighthouse import lighthouse_pages, measure_lighthouse as measure
    site, source = built_site(site, workdir)
    toc = toc_pages(source)
    pages = lighthouse_pages(toc, toc[0])
    if only:
        labels = {path: label for label, path in pages.items()}
        pages = {labels.get(path, path): path for path in chosen_pages(site, only)}
    try:
        return measure(site, site_prefix(source), pages, repeat, tuple(presets), log=log)
    except RuntimeError as err:
        raise BenchmarkError(str(err)) from err


def measure_tolerances(labs: list[str] | None = None, seeds: int | None = None) -> dict:
    """Hidden tests of free-choice answers: correct seeded answers accepted, wrong ones rejected."""
    from tools import lab_tests, lab_tolerances

    seeds = seeds or lab_tolerances.SEEDS
    chosen = tuple(select(list(lab_tests.LABS), labs))
    if not chosen:
        raise BenchmarkError(f"no lab matches --labs {','.join(labs or [])}; the labs are {', '.join(lab_tests.LABS)}")
    answers = lab_tolerances.sampled_answers(chosen)
    return {"metrics": lab_tolerances.summary(answers, seeds),
            "details": {"labs": list(chosen), "answers": len(answers), "seeds": seeds}}


def measure_execution(snapshot: Path, repeat: int, patterns: list[str] | None) -> dict:
    """Bare nbclient execution of every book notebook the build executes."""
    everything = book_notebooks(snapshot)
    chosen = select(everything, patterns)
    if not chosen:
        raise BenchmarkError(f"no book notebook matches --notebooks {','.join(patterns or [])}; "
                             f"the book executes: {', '.join(everything)}")
    timeout = execution_timeout(snapshot)
    runs: dict[str, list[float]] = {nb: [] for nb in chosen}
    for rep in range(repeat):
        for nb in chosen:
            seconds = execute_notebook(snapshot / nb, timeout)
            runs[nb].append(seconds)
            log(f"  execution {rep + 1}/{repeat}  {nb:<48} {seconds:6.1f} s")
    per_notebook = {nb: {"median_s": round(median(r), 2), "runs_s": [round(x, 2) for x in r]}
                    for nb, r in runs.items()}
    slowest = max(per_notebook, key=lambda nb: per_notebook[nb]["median_s"])
    return {
        "metrics": {
            "execution_floor_s": round(sum(v["median_s"] for v in per_notebook.values()), 2),
            "page_execution_max_s": per_notebook[slowest]["median_s"],
        },
        "details": {"notebooks": len(chosen), "complete": chosen == everything,
                    "slowest": slowest, "cell_timeout_s": timeout, "per_notebook": per_notebook},
    }


def jupyter_book_build(source: Path, label: str) -> float:
    """Seconds of one build of ``source``; its log goes next to it as ``<source>-<label>.log``."""
    seconds, code, output = run_timed(
        [*JUPYTER_BOOK, "build", str(source), "-W", "-n", "--keep-going"], source, BUILD_TIMEOUT_S)
    log_file = source.parent / f"{source.name}-{label}.log"
    log_file.write_text(output, encoding="utf-8")
    if code != 0:
        reports = source / "_build" / "html" / "reports"
        where = f"\nexecution reports: {reports}" if reports.is_dir() else ""
        why = f"timed out after {BUILD_TIMEOUT_S} s" if code is None else f"exit {code}"
        raise BenchmarkError(f"{label} jupyter-book build failed ({why}); full log {log_file}; "
                             f"log tail:\n{tail(output)}{where}")
    return seconds


def smallest_book(source: Path) -> None:
    """Make ``source`` (a copy of the repository) a book of two pages, a page and a one-cell
    notebook, with the course's configuration and extensions: the smallest build (--smoke)."""
    import nbformat

    folder = source / "smoke"
    folder.mkdir()
    (folder / "index.md").write_text("# Smoke test\n\nThe smallest book the benchmark builds: this page "
                                     "and one notebook.\n", encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# One notebook"),
                                               nbformat.v4.new_code_cell("print(sum(range(10)))")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "page.ipynb")
    (source / "_toc.yml").write_text("format: jb-book\nroot: smoke/index\nchapters:\n  - file: smoke/page\n",
                                     encoding="utf-8")


def measure_build(snapshot: Path, workdir: Path, repeat: int, smallest: bool = False) -> dict:
    """Cold build of a fresh copy, then a warm rebuild, `repeat` times (of :func:`smallest_book` if asked)."""
    cold, warm = [], []
    for rep in range(repeat):
        copy = workdir / f"book-{rep + 1}"
        shutil.copytree(snapshot, copy)
        if smallest:
            smallest_book(copy)
        seconds = jupyter_book_build(copy, "cold")
        cold.append(seconds)
        log(f"  build {rep + 1}/{repeat}  cold {seconds:6.1f} s")
        seconds = jupyter_book_build(copy, "warm")
        warm.append(seconds)
        log(f"  build {rep + 1}/{repeat}  warm {seconds:6.1f} s")
        if rep > 0:  # the first build stays for [weight]
            shutil.rmtree(copy, ignore_errors=True)
    cold_s, warm_s = median(cold), median(warm)
    return {
        "metrics": {"cold_build_s": round(cold_s, 2), "warm_build_s": round(warm_s, 2),
                    "warm_over_cold": round(warm_s / cold_s, 4)},
        "details": {"cold_runs_s": [round(x, 2) for x in cold],
                    "warm_runs_s": [round(x, 2) for x in warm],
                    "command": "python -c '<jupyter_book CLI>' build <copy> -W -n --keep-going",
                    "book": "smallest (smoke/index.md, smoke/page.ipynb)" if smallest else "the course"},
    }


def autograded_points(path: Path) -> float:
    """Points of the autograded (code) test cells; written answers wait for manual grading."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return float(sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")))


def labs_in(root: Path) -> list[str]:
    """The labs of a course: ``solutions/<lab>/<lab>.ipynb``."""
    return sorted(p.parent.name for p in (root / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def measure_autograde(snapshot: Path, workdir: Path, repeat: int, patterns: list[str] | None) -> dict:
    """nbgrader autograde of the solution of each lab vs. its bare execution."""
    if not (snapshot / "nbgrader_config.py").is_file():
        raise BenchmarkError("no nbgrader_config.py at the repository root")
    labs = select(labs_in(snapshot), patterns)
    if not labs:
        raise BenchmarkError("no lab found as solutions/<lab>/<lab>.ipynb"
                             + (f" matching --labs {','.join(patterns)}" if patterns else ""))
    try:
        from reciprocity import grading
    except ImportError as err:
        raise BenchmarkError(f"reciprocity.grading cannot be imported: {err}") from None

    course = workdir / "course"
    course.mkdir()
    shutil.copy(snapshot / "nbgrader_config.py", course)
    shutil.copytree(snapshot / "solutions", course / "solutions")
    per_lab = {}
    for lab in labs:
        _, code, output = run_timed([*NBGRADER, "generate_assignment", lab, "--force"], course, 600)
        if code != 0:
            raise BenchmarkError(f"nbgrader generate_assignment {lab} failed:\n{tail(output)}")
        submission = course / "submitted" / STUDENT / lab
        submission.mkdir(parents=True)
        shutil.copy(course / "solutions" / lab / f"{lab}.ipynb", submission / f"{lab}.ipynb")
        auto_points = autograded_points(submission / f"{lab}.ipynb")
        autograde, execution, score = [], [], None
        for rep in range(repeat):
            (result,) = grading.grade_lab(lab, course, students=[STUDENT], feedback=False,
                                          echo=lambda *a: None)
            if result.status != "graded":
                raise BenchmarkError(f"nbgrader autograde {lab} --student {STUDENT} failed: "
                                     f"{result.note}\n{tail(result.log)}")
            autograde.append(result.seconds)
            score = (result.score, result.max_score)
            seconds = execute_notebook(submission / f"{lab}.ipynb", 60)
            execution.append(seconds)
            log(f"  autograde {rep + 1}/{repeat}  {lab:<10} autograde {result.seconds:6.1f} s"
                f"  bare execution {seconds:6.1f} s  score {score[0]:g}/{score[1]:g}")
        per_lab[lab] = {
            "autograde_s": round(median(autograde), 2),
            "execution_s": round(median(execution), 2),
            "ratio": round(median(autograde) / median(execution), 3),
            "score": score[0], "auto_points": auto_points, "max_score": score[1],
            "autograde_runs_s": [round(x, 2) for x in autograde],
            "execution_runs_s": [round(x, 2) for x in execution],
        }
        if score[0] < auto_points:
            log(f"  WARNING: the {lab} solution scored {score[0]:g} of {auto_points:g} autograded points")
    slowest = max(per_lab, key=lambda lab: per_lab[lab]["autograde_s"])
    worst = max(per_lab, key=lambda lab: per_lab[lab]["ratio"])
    return {
        "metrics": {"autograde_s": per_lab[slowest]["autograde_s"],
                    "autograde_over_execution": per_lab[worst]["ratio"]},
        "details": {"slowest_lab": slowest, "worst_ratio_lab": worst, "per_lab": per_lab,
                    "student": STUDENT, "via": "reciprocity.grading.grade_lab (feedback=False)"},
    }


def split_environment(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """``["A=1", "B=2", "python", "-m", "pytest"]`` -> ``({"A": "1", "B": "2"}, ["python", ...])``.

    A Makefile recipe may set variables before its command (``ONE_THREAD``);
    they belong in the environment, not in the program's name.
    """
    env: dict[str, str] = {}
    for index, word in enumerate(words):
        name, sep, value = word.partition("=")
        if not sep or not name.isidentifier():
            return env, words[index:]
        env[name] = value
    return env, []


def pytest_command() -> tuple[dict[str, str], list[str]]:
    """The pytest command of the Makefile's `test` target, for this interpreter (no pip install):
    the variables the recipe sets first, and the command."""
    result = subprocess.run(["make", "-n", "test", f"PYTHON={sys.executable}"], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchmarkError(f"`make -n test` failed:\n{result.stdout}{result.stderr}")
    joined = result.stdout.replace("\\\n", " ")
    lines = [ln.strip() for ln in joined.splitlines() if " -m pytest" in ln]
    if len(lines) != 1:
        raise BenchmarkError(f"expected one pytest command in `make -n test`, got:\n{result.stdout}")
    env, command = split_environment(shlex.split(lines[0]))
    if not command:
        raise BenchmarkError(f"no command after the variables in `make -n test`: {lines[0]}")
    return env, command


def with_selection(command: list[str], selection: list[str]) -> list[str]:
    """``command`` testing ``selection`` instead of the folders it names (``tests book``)."""
    kept = [word for word in command if not (ROOT / word).is_dir() or word.startswith("-")]
    if len(kept) == len(command):
        raise BenchmarkError(f"no test folder to replace in the test command: {shlex.join(command)}")
    return [*kept, *selection]


def measure_tests(repeat: int, selection: list[str] | None = None) -> dict:
    """Wall-clock time of the Makefile's pytest command in the repository root (on ``selection``
    instead of its folders, if given)."""
    env, command = pytest_command()
    if selection:
        command = with_selection(command, selection)
    runs, summary, failure = [], "", None
    for rep in range(repeat):
        seconds, code, output = run_timed(command, ROOT, TEST_TIMEOUT_S, env={**os.environ, **env})
        runs.append(seconds)
        lines = [ln for ln in output.strip().splitlines() if ln.strip()]
        summary = lines[-1].strip("= ") if lines else ""
        log(f"  tests {rep + 1}/{repeat}  {seconds:7.1f} s  {summary}")
        if code != 0:
            why = f"timed out after {TEST_TIMEOUT_S} s" if code is None else f"exit {code}"
            failure = f"the test suite failed ({why}); output tail:\n{tail(output)}"
            break
    out = {
        "metrics": {"test_suite_s": round(median(runs), 1)},
        "details": {"command": " ".join([*(f"{k}={v}" for k, v in env.items()), shlex.join(command)]),
                    "runs_s": [round(x, 1) for x in runs],
                    "summary": summary, "chromium": bool(shutil.which("chromium")),
                    "note": "the pytest command of `make test`, without its pip install step"
                            + (f", on {' '.join(selection)} only" if selection else "")},
    }
    if failure:
        out["error"] = failure
    return out


# --------------------------------------------------------------------------- report
FLOORS = {"grading_efficiency": 0.7, "hub_grading_efficiency": 0.7,  # metric -> lower limit
          "correct_answer_acceptance": 0.999, "hidden_test_mutation_score": 0.9,
          **{metric_name(preset, category): floor for preset in LIGHTHOUSE_PRESETS
             for category, floor in LIGHTHOUSE_GOALS.items()}}
GOALS.update(dict.fromkeys(name for name in FLOORS if name not in GOALS))


def goals_report(metrics: dict, judged: bool = True) -> dict:
    """Each goal with its limit (or floor), the value and whether it passes (None: not measured,
    or not ``judged``, as in a --smoke run, whose sizes are not the goals')."""
    report = {}
    for name, limit in GOALS.items():
        value = metrics.get(name)
        if name in FLOORS:
            report[name] = {"floor": FLOORS[name], "value": value,
                            "pass": None if value is None or not judged else bool(value >= FLOORS[name])}
            continue
        report[name] = {"limit": limit, "value": value,
                        "pass": None if value is None or not judged else bool(value <= limit)}
    return report


def measure_class(workdir: Path, students: int = CLASS_STUDENTS, repeat: int = 3) -> dict:
    """A class of ``students`` graded in parallel (benchmarks/grading.py); ``repeat`` bare executions."""
    out = workdir / "class.json"
    _, code, output = run_timed([sys.executable, "-m", "benchmarks.grading", "--students", str(students),
                                 "--repeat", str(repeat), "--json", str(out)], ROOT, 1800)
    if code != 0 or not out.exists():
        raise BenchmarkError(f"python -m benchmarks.grading failed (exit {code}):\n{tail(output)}")
    report = json.loads(out.read_text())
    return {"metrics": {"grading_efficiency": report["grading_efficiency"],
                        "class_grading_s": report["wall_s"]},
            "details": report}


def measure_corpus(workdir: Path, size: int) -> dict:
    """The adversarial corpus graded with honest students (benchmarks/corpus.py): counts."""
    out = workdir / "corpus.json"
    _, code, output = run_timed([sys.executable, "-m", "benchmarks.corpus", "--size", str(size),
                                 "--json", str(out)], ROOT, 7200)
    if not out.exists():
        raise BenchmarkError(f"python -m benchmarks.corpus failed (exit {code}):\n{tail(output)}")
    report = json.loads(out.read_text())
    return {"metrics": {f"corpus_{k}": float(report[k]) for k in (
                "graded", "flagged", "aborts", "escapes", "max_score_excess", "honest_changes")}
            | {"corpus_grading_s": report["wall_s"]}, "details": report}


def measure_hub(workdir: Path, students: int, dry_run: bool) -> dict:
    """A class on the course hub (benchmarks/hub_load.py), or its dry run without a hub (--smoke)."""
    from benchmarks import hub_load

    out = workdir / "hub.json"
    state = Path(tempfile.mkdtemp(prefix="reciprocity-hubload-", dir="/tmp"))
    state.rmdir()  # hub_load makes it; if it is killed, its hub is purged here
    _, code, output = run_timed([sys.executable, "-m", "benchmarks.hub_load", "--students", str(students),
                                 "--json", str(out), *(["--dry-run"] if dry_run else ["--state", str(state)])],
                                ROOT, 7200)
    if state.exists():
        log(f"[hub] after a killed run: {hub_load.cleanup(state)}")
    report = json.loads(out.read_text()) if out.exists() else {"error": f"exit {code}"}
    if "error" in report:
        raise BenchmarkError(f"python -m benchmarks.hub_load failed: {report['error']}\n{tail(output)}")
    details = {k: v for k, v in report.items() if k not in ("metrics", "goals")}
    return {"metrics": report["metrics"], "details": {**details, "note": hub_load.DRY_RUN} if dry_run else details}


def derived(metrics: dict, details: dict) -> None:
    """Ratios that need two measurements."""
    execution = details.get("execution", {})
    if "cold_build_s" in metrics and "execution_floor_s" in metrics and execution.get("complete"):
        metrics["build_over_execution_floor"] = round(
            metrics["cold_build_s"] / metrics["execution_floor_s"], 3)


UNITS = {"_s": "s", "_ms": "ms"}


def fmt(name: str, value) -> str:
    if value is None:
        return "-"
    if name.startswith("lighthouse_"):
        return f"{value:g}"
    unit = next((u for suffix, u in UNITS.items() if name.endswith(suffix)), "")
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.3f}"


def print_report(report: dict) -> None:
    m = report["machine"]
    print(f"\nReciprocity Online benchmark, {m['date']}")
    print(f"{m['nproc']} CPU(s) {m['cpu_model']}, {m['memory_total_gb']} GB, Python {m['python']}, "
          f"load average at start {m['load_average_start']}, repeat {report['settings']['repeat']}")
    details = report["details"]
    if "execution" in details:
        print("\nBare execution per notebook (median):")
        for nb, v in sorted(details["execution"]["per_notebook"].items(),
                            key=lambda kv: -kv[1]["median_s"]):
            print(f"  {nb:<50} {v['median_s']:7.1f} s")
    if "autograde" in details:
        print("\nAutograde of the solution per lab (median):")
        for lab, v in details["autograde"]["per_lab"].items():
            print(f"  {lab:<12} autograde {v['autograde_s']:6.1f} s   execution {v['execution_s']:6.1f} s"
                  f"   ratio {v['ratio']:.2f}   score {v['score']:g} of {v['auto_points']:g} "
                  f"autograded points ({v['max_score']:g} with written answers)")
    if "explorers" in details:
        print("\nExplorer responses in Chromium (ms):")
        print(f"  {'explorer':<30} {'p95':>8} {'median':>8} {'max':>8} {'updates':>8}")
        for name, v in sorted(details["explorers"]["per_explorer"].items(), key=lambda kv: -kv[1]["p95_ms"]):
            print(f"  {name:<30} {v['p95_ms']:8.2f} {v['median_ms']:8.2f} {v['max_ms']:8.2f} "
                  f"{v['updates']:8d}")
    if "weight" in details:
        print("\nFirst load per page, as served (MB, text gzipped):")
        for page, v in sorted(details["weight"]["per_page"].items(), key=lambda kv: -kv[1]["served_mb"]):
            largest = ", ".join(f"{f['file'].split('?')[0].rsplit('/', 1)[-1]} {f['served_kb']:.0f} kB"
                                for f in v["largest"][:3])
            print(f"  {page:<45} {v['served_mb']:6.3f} (raw {v['raw_mb']:6.3f}, {v['requests']} files: {largest})")
    if "weight" in details and "by_kind" in details["weight"]:
        print("\nHeaviest first load per kind of page (MB as served):")
        for kind, v in details["weight"]["by_kind"].items():
            print(f"  {kind:<10} {v['served_mb']:6.3f}  {v['page']} (of {v['pages']} page(s))")
    if "lighthouse" in details:
        lh = details["lighthouse"]
        print(f"\nLighthouse {lh['lighthouse']} (median of {lh['repeat']}; "
              "performance / accessibility / best practices; FCP, LCP, TBT of the last run):")
        for label, by_preset in lh["per_page"].items():
            for preset, v in by_preset.items():
                s, t = v["scores"], v["timings"]
                print(f"  {label:<8} {lh['pages'][label]:<40} {preset:<8} "
                      f"{s['performance']} / {s['accessibility']} / {s['best-practices']}   "
                      f"FCP {t.get('fcp_ms', 0) / 1000:.1f} s, LCP {t.get('lcp_ms', 0) / 1000:.1f} s, "
                      f"TBT {t.get('tbt_ms', 0):.0f} ms")
                weighted = [f["title"] for f in v["flagged"] if f["weight"]]
                if weighted:
                    print(f"      flagged (scored): {'; '.join(weighted)}")
    if "corpus" in details:
        c = details["corpus"]
        print(f"\nAdversarial corpus ({c['size']} submissions, {c['wall_s']} s): {c['graded']} graded, "
              f"{c['flagged']} flagged, {c['failed']} failed; flagged because: "
              + (", ".join(f"{k} {v}" for k, v in c["flagged_by_reason"].items()) or "-"))
    if "hub" in details:
        h = details["hub"]
        print(f"\nHub load ({h['students']} students): {h['note']}" if h.get("dry_run") else
              f"\nHub load ({h['students']} students, servers open in segments of {h['memory']['segments']}, "
              f"{h['wall_s']} s in all): {h['accounting']['sent']} submitted, "
              f"{h['grading']['graded_in_gradebook']} graded; {h['grading']['outcome']}")
    if "tests" in details:
        print(f"\nTest suite: {details['tests']['command']}\n  {details['tests']['summary']}")
    notes = {
        "page_execution_max_s": details.get("execution", {}).get("slowest"),
        "autograde_s": details.get("autograde", {}).get("slowest_lab"),
        "autograde_over_execution": details.get("autograde", {}).get("worst_ratio_lab"),
        "explorer_response_p95_ms": details.get("explorers", {}).get("worst_explorer"),
        "page_weight_max_mb": details.get("weight", {}).get("heaviest_page"),
        **{f"weight_{kind}_mb": v["page"]
           for kind, v in details.get("weight", {}).get("by_kind", {}).items()},
    }
    if details.get("execution") and not details["execution"]["complete"]:
        notes["execution_floor_s"] = "subset of the notebooks (--notebooks)"
    if report["settings"].get("smoke"):
        print("\n--smoke: every measurement at its smallest size; the goals are not judged")
    print(f"\n{'metric':<34} {'value':>12}   {'goal':>9}   {'result':<12} note")
    for name in dict.fromkeys([*report["metrics"], *GOALS]):
        value = report["metrics"].get(name)
        goal = report["goals"].get(name)
        status = "" if goal is None else ("not measured" if goal["value"] is None
                                          else "not judged" if goal["pass"] is None
                                          else "PASS" if goal["pass"] else "FAIL")
        limit = "" if not goal else (f">= {goal['floor']:g}" if "floor" in goal else f"<= {goal['limit']:g}")
        print(f"{name:<34} {fmt(name, value):>12}   {limit:>9}   {status:<12} {notes.get(name) or ''}")
    for name, error in report["errors"].items():
        print(f"\nERROR in {name}: {error.splitlines()[0]}")


# --------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Benchmark book builds, notebook execution, autograding, explorer responses, "
                    "page weight and the test suite on this machine (medians of repeated runs).",
        epilog="Measurements: " + ", ".join(MEASUREMENTS) + ". See the module docstring for "
               "what each one times.")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--repeat", type=int, metavar="N",
                        help="repetitions of builds, executions and autogrades (default 3, or 1 "
                             f"with --quick or --smoke); explorers run {EXPLORER_CYCLES_PER_REPEAT} x N cycles")
    parser.add_argument("--explorer-cycles", type=int, metavar="N",
                        help=f"timed sweeps of every explorer control (default {EXPLORER_CYCLES_PER_REPEAT} x repeat)")
    parser.add_argument("--site", type=Path, metavar="DIR",
                        help="weight, lighthouse: a built book (_build/html) to use instead of building one")
    parser.add_argument("--lighthouse-presets", metavar="PRESET[,PRESET]",
                        help=f"lighthouse: {' and/or '.join(LIGHTHOUSE_PRESETS)} (default both; "
                             f"{LIGHTHOUSE_PRESETS[0]} with --smoke)")
    parser.add_argument("--test-repeat", type=int, default=1, metavar="N",
                        help="repetitions of the test suite (default 1)")
    parser.add_argument("--only", metavar="NAME[,NAME]",
                        help=f"run only these measurements: {', '.join(MEASUREMENTS)}")
    parser.add_argument("--quick", action="store_true",
                        help="1 repetition and no test suite (unless --only tests)")
    parser.add_argument("--smoke", action="store_true",
                        help="every measurement once at its smallest size, to check that each works "
                             "(the test suite runs this; goals are not judged)")
    parser.add_argument("--explorers", metavar="NAME[,NAME]",
                        help="explorers: only these explorers (default all; the first with --smoke)")
    parser.add_argument("--pages", metavar="PATH[,PATH]",
                        help="weight, lighthouse: only these pages of the built book, e.g. book/intro.html "
                             "(default every page, and four for lighthouse; the landing page with --smoke)")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help=f"tolerances: seeded runs per accepted method (default 1,000; {SMOKE_SEEDS} with --smoke)")
    parser.add_argument("--students", type=int, metavar="N",
                        help=f"class: submissions graded (default {CLASS_STUDENTS}; {SMOKE_STUDENTS} with --smoke)")
    parser.add_argument("--corpus", type=int, metavar="N", dest="corpus_size",
                        help=f"corpus: submissions graded (default 1,000; {SMOKE_CORPUS} with --smoke)")
    parser.add_argument("--hub-students", type=int, metavar="N",
                        help=f"hub: class size (default 200; {SMOKE_HUB_STUDENTS}, without a hub, with --smoke)")
    parser.add_argument("--tests", metavar="SELECTION", dest="tests_selection",
                        help="tests: run the test command on these pytest paths or node ids (space-separated) "
                             f"instead of its folders (default the whole suite; {SMOKE_TESTS} with --smoke)")
    parser.add_argument("--notebooks", metavar="PATTERN[,PATTERN]",
                        help="execution: only book notebooks whose path contains PATTERN (or "
                             "matches it as a glob); build_over_execution_floor is then not computed")
    parser.add_argument("--labs", metavar="LAB[,LAB]",
                        help="autograde, tolerances: only these labs (default all; the first with --smoke)")
    parser.add_argument("--keep-temp", action="store_true",
                        help="keep the temporary copies (they are kept anyway after a failure)")
    args = parser.parse_args(argv)
    split = lambda text: [t.strip() for t in text.split(",") if t.strip()] if text else None  # noqa: E731
    args.only = split(args.only)
    args.notebooks = split(args.notebooks)
    args.labs = split(args.labs)
    args.explorers = split(args.explorers)
    args.pages = split(args.pages)
    args.tests_selection = args.tests_selection.split() if args.tests_selection else None
    if args.lighthouse_presets is None:
        args.lighthouse_presets = LIGHTHOUSE_PRESETS[0] if args.smoke else ",".join(LIGHTHOUSE_PRESETS)
    args.lighthouse_presets = split(args.lighthouse_presets) or []
    bad = sorted(set(args.lighthouse_presets) - set(LIGHTHOUSE_PRESETS)) or (
        [] if args.lighthouse_presets else ["(none)"])
    if bad:
        parser.error(f"unknown Lighthouse preset(s) {', '.join(bad)}; choose from {', '.join(LIGHTHOUSE_PRESETS)}")
    unknown = sorted(set(args.only or []) - set(MEASUREMENTS))
    if unknown:
        parser.error(f"unknown measurement(s) {', '.join(unknown)}; choose from {', '.join(MEASUREMENTS)}")
    if args.smoke and args.quick:
        parser.error("--smoke and --quick do not go together: --smoke is already one quick run of everything")
    if args.repeat is None:
        args.repeat = 1 if args.quick or args.smoke else 3
    if args.explorer_cycles is None:
        args.explorer_cycles = 1 if args.smoke else EXPLORER_CYCLES_PER_REPEAT * args.repeat
    if args.seeds is None:
        args.seeds = SMOKE_SEEDS if args.smoke else None
    if args.students is None:
        args.students = SMOKE_STUDENTS if args.smoke else CLASS_STUDENTS
    if args.corpus_size is None:
        args.corpus_size = SMOKE_CORPUS if args.smoke else 1000
    if args.hub_students is None:
        args.hub_students = SMOKE_HUB_STUDENTS if args.smoke else 200
    if args.smoke and args.tests_selection is None:
        args.tests_selection = [SMOKE_TESTS]
    if min(args.repeat, args.test_repeat, args.explorer_cycles, args.students, args.seeds or 1) < 1:
        parser.error("--repeat, --test-repeat, --explorer-cycles, --seeds and --students must be at least 1")
    if args.only:
        args.selected = [m for m in MEASUREMENTS if m in args.only]
    else:
        args.selected = [m for m in MEASUREMENTS if not (args.quick and m == "tests")]
    return args


def smallest_sizes(args: argparse.Namespace, snapshot: Path | None) -> None:
    """--smoke: the first explorer, notebook and lab, and the landing page, unless options name others."""
    if args.explorers is None and "explorers" in args.selected:
        from reciprocity.explorers import load_all

        args.explorers = sorted(load_all())[:1]
    if args.notebooks is None and snapshot is not None:
        args.notebooks = book_notebooks(snapshot)[:1]
    if args.labs is None:
        args.labs = labs_in(ROOT)[:1]
    if args.pages is None:
        args.pages = [f"{toc_pages(ROOT)[0]}.html"] if args.site else None  # a book [build] makes has its own


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = {
        "machine": machine_info(),
        "settings": {"repeat": args.repeat, "test_repeat": args.test_repeat,
                     "explorer_cycles": args.explorer_cycles,
                     "measurements": args.selected, "quick": args.quick, "smoke": args.smoke},
        "metrics": {}, "goals": {}, "details": {}, "load_average_before": {}, "errors": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="reciprocity-bench-"))
    snapshot = None
    keep = args.keep_temp
    try:
        if {"execution", "build", "autograde"} & set(args.selected):
            # one snapshot of the repository for the whole run, so every measurement sees the same files
            snapshot = copy_repository(workdir / "snapshot")
        if args.smoke:
            smallest_sizes(args, snapshot)
        report["settings"].update({"notebooks": args.notebooks, "labs": args.labs, "explorers": args.explorers,
                                   "pages": args.pages, "seeds": args.seeds, "students": args.students,
                                   "corpus": args.corpus_size, "hub_students": args.hub_students,
                                   "tests": args.tests_selection})
        for name in args.selected:
            report["load_average_before"][name] = loadavg()
            log(f"[{name}] load average {report['load_average_before'][name]}")
            start = time.perf_counter()
            try:
                if name == "explorers":
                    result = measure_explorers(args.explorer_cycles, args.explorers)
                elif name == "weight":
                    result = measure_weight(args.site, workdir, args.pages)
                elif name == "lighthouse":
                    result = measure_lighthouse(args.site, workdir, args.repeat, args.lighthouse_presets, args.pages)
                elif name == "tolerances":
                    result = measure_tolerances(args.labs, args.seeds)
                elif name == "execution":
                    result = measure_execution(snapshot, args.repeat, args.notebooks)
                elif name == "build":
                    result = measure_build(snapshot, workdir, args.repeat, smallest=args.smoke)
                elif name == "autograde":
                    result = measure_autograde(snapshot, workdir, args.repeat, args.labs)
                elif name == "class":
                    result = measure_class(workdir, args.students, args.repeat)
                elif name == "corpus":
                    result = measure_corpus(workdir, args.corpus_size)
                elif name == "hub":
                    result = measure_hub(workdir, args.hub_students, dry_run=args.smoke)
                else:
                    result = measure_tests(args.test_repeat, args.tests_selection)
            except BenchmarkError as err:
                result = {"error": str(err)}
            if "error" in result:
                report["errors"][name] = result["error"]
                keep = True
                log(f"[{name}] FAILED: {result['error']}")
            report["metrics"].update(result.get("metrics", {}))
            if "details" in result:
                report["details"][name] = result["details"]
            log(f"[{name}] done in {time.perf_counter() - start:.1f} s")
    except KeyboardInterrupt:
        report["errors"]["interrupted"] = "interrupted by the user (Ctrl-C)"
    finally:
        report["machine"]["load_average_end"] = loadavg()
        if keep:
            log(f"temporary files kept in {workdir}")
            report["settings"]["temp_dir"] = str(workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    derived(report["metrics"], report["details"])
    report["goals"] = goals_report(report["metrics"], judged=not args.smoke)
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
