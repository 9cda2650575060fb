"""Every measurement of the benchmark still runs: ``python -m benchmarks.run --smoke`` on the built book.

The smoke run takes each measurement once at its smallest size (one explorer,
one notebook, a two-page book, one page weighed and scored, one lab, a class
of two, the test command on one test), so that a change that breaks a
measurement fails here rather than on the day someone benchmarks. No timing
is judged: only that each measurement wrote its numbers.

It autogrades in the sandbox, whose kernels run as ``nobody``: run it with an
interpreter ``nobody`` can reach (in CI the checkout's ``.venv``).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from benchmarks import run as bench_run
from tests.support.common import ROOT

#: What each measurement must report.
METRICS = {
    "explorers": {"explorer_response_p95_ms"},
    "execution": {"execution_floor_s", "page_execution_max_s"},
    "build": {"cold_build_s", "warm_build_s", "warm_over_cold"},
    "weight": {"page_weight_max_mb", "weight_landing_mb"},
    "lighthouse": {f"lighthouse_mobile_{category}" for category in ("performance", "accessibility", "best_practices")},
    "tolerances": {"correct_answer_acceptance", "hidden_test_mutation_score"},
    "autograde": {"autograde_s", "autograde_over_execution"},
    "class": {"grading_efficiency", "class_grading_s"},
    "corpus": {"corpus_graded", "corpus_flagged", "corpus_aborts", "corpus_escapes", "corpus_max_score_excess",
               "corpus_honest_changes", "corpus_grading_s"},
    "hub": {"hub_submissions_lost", "hub_submissions_duplicated", "hub_load_wall_s"},  # a dry run: no hub
    "tests": {"test_suite_s"},
}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@pytest.fixture(scope="module")
def smoke(built_book, tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "smoke.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks.run", "--smoke", "--site", str(built_book),
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return json.loads(out.read_text(encoding="utf-8")), result.stdout


def test_the_smoke_run_covers_every_measurement():
    assert set(METRICS) == set(bench_run.MEASUREMENTS), "a new measurement needs its metrics listed here"


@pytest.mark.slow
@pytest.mark.browser
def test_every_measurement_writes_its_numbers_at_the_smallest_size(browser, smoke):
    report, stdout = smoke
    assert report["errors"] == {}
    assert report["settings"]["smoke"] is True
    assert report["settings"]["measurements"] == bench_run.MEASUREMENTS
    for name, metrics in METRICS.items():
        assert name in report["details"], name
        for metric in metrics:
            assert _number(report["metrics"].get(metric)), f"{name}: {metric} = {report['metrics'].get(metric)!r}"
    assert all(goal["pass"] is None for goal in report["goals"].values()), "a smoke run judges no goal"
    assert "goals are not judged" in stdout and "PASS" not in stdout and "FAIL" not in stdout


@pytest.mark.slow
@pytest.mark.browser
def test_each_measurement_ran_at_its_smallest_size(browser, smoke):
    report, _ = smoke
    details, settings = report["details"], report["settings"]
    assert settings["repeat"] == 1 and settings["explorer_cycles"] == 1
    assert len(details["explorers"]["per_explorer"]) == 1
    assert details["execution"]["notebooks"] == 1
    assert details["build"]["book"].startswith("smallest")
    assert list(details["weight"]["per_page"]) == [f"{bench_run.toc_pages(ROOT)[0]}.html"]  # the landing page
    assert list(details["lighthouse"]["per_page"]) == ["landing"]
    assert details["tolerances"]["seeds"] == bench_run.SMOKE_SEEDS and len(details["tolerances"]["labs"]) == 1
    assert len(details["autograde"]["per_lab"]) == 1
    assert details["class"]["students"] == bench_run.SMOKE_STUDENTS and details["class"]["failed"] == 0
    assert details["corpus"]["size"] == bench_run.SMOKE_CORPUS and details["corpus"]["aborts"] == 0
    assert details["hub"]["dry_run"] and details["hub"]["students"] == bench_run.SMOKE_HUB_STUDENTS
    assert details["tests"]["summary"].startswith("1 passed")
