"""The benchmark script runs and writes the JSON it promises (cheap part only, no timing goals).

Timings are judged by ``benchmarks/run.py`` itself, not here: these tests
check that the explorer measurement runs end to end in Chromium as a
subprocess and that its JSON has the expected shape, with numbers where
numbers belong; and the logic around the measurements (page kinds, the
Lighthouse command and reports, goals, the Makefile's test command) on
small inputs.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from benchmarks import browser as bench_browser, lighthouse, run as bench_run
from tests.support.common import ROOT

SCRIPT = [sys.executable, "-m", "benchmarks.run"]

LIGHTHOUSE_GOALS = {f"lighthouse_{preset}_{category}" for preset in ("mobile", "desktop")
                    for category in ("performance", "accessibility", "best_practices")}
GOALS = {"warm_over_cold", "build_over_execution_floor", "autograde_over_execution",
         "explorer_response_p95_ms", "page_weight_max_mb", "weight_landing_mb", "weight_text_mb",
         "weight_explorer_mb", "page_execution_max_s", "test_suite_s", "grading_efficiency",
         "correct_answer_acceptance", "hidden_test_mutation_score",
         "hub_rush_hub_p95_s", "hub_rush_exchange_p95_s", "hub_grading_efficiency",
         "hub_submissions_lost", "hub_submissions_duplicated",
         "corpus_aborts", "corpus_escapes", "corpus_max_score_excess", "corpus_honest_changes",
         *LIGHTHOUSE_GOALS}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.browser
def test_explorer_benchmark_writes_the_expected_json(browser, tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [*SCRIPT, "--only", "explorers", "--repeat", "1", "--explorer-cycles", "1",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "explorer_response_p95_ms" in result.stdout
    assert "PASS" in result.stdout or "FAIL" in result.stdout

    report = json.loads(out.read_text())
    assert {"machine", "settings", "metrics", "goals", "details", "errors"} <= set(report)
    assert report["errors"] == {}

    machine = report["machine"]
    for key in ["nproc", "memory_total_gb"]:
        assert _number(machine[key]) and machine[key] > 0, key
    assert machine["cpu_model"] and machine["python"].startswith("3.")
    assert len(machine["load_average_start"]) == 3 and all(map(_number, machine["load_average_start"]))
    assert machine["date"][:2] == "20"

    assert set(report["metrics"]) == {"explorer_response_p95_ms"}
    assert _number(report["metrics"]["explorer_response_p95_ms"])
    assert set(report["goals"]) == GOALS
    goal = report["goals"]["explorer_response_p95_ms"]
    assert _number(goal["limit"]) and isinstance(goal["pass"], bool)
    assert all(report["goals"][name]["pass"] is None for name in GOALS - {"explorer_response_p95_ms"})

    from reciprocity.explorers import load_all

    details = report["details"]["explorers"]
    assert set(details["per_explorer"]) == set(load_all()), "every explorer is measured"
    assert details["worst_explorer"] in details["per_explorer"]
    for name, row in details["per_explorer"].items():
        for key in ["p95_ms", "median_ms", "max_ms", "updates", "controls"]:
            assert _number(row[key]), f"{name}: {key} = {row[key]!r}"
        assert row["updates"] > 0, name


def test_unknown_measurement_is_refused():
    result = subprocess.run([*SCRIPT, "--only", "nonsense"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "nonsense" in result.stderr


# --------------------------------------------------------------------------- logic, no browser
def test_page_kinds():
    kind = bench_browser.page_kind
    assert kind("book/intro.html", "", "book/intro.html") == "landing"
    assert kind("exercises/outreach/outreach.html", bench_browser.EXPLORER_MARK, "book/intro.html") == "lab"
    assert kind("book/primer.html", f"<div {bench_browser.EXPLORER_MARK}>", "book/intro.html") == "explorer"
    assert kind("search.html", "", "book/intro.html") == "search"
    assert kind("book/glossary.html", "<p>no explorer</p>", "book/intro.html") == "text"


def test_heaviest_page_of_each_kind():
    per_page = {"a.html": {"kind": "text", "served_mb": 0.2, "raw_mb": 1.0},
                "b.html": {"kind": "text", "served_mb": 0.3, "raw_mb": 0.9},
                "c.html": {"kind": "explorer", "served_mb": 0.5, "raw_mb": 2.0}}
    assert bench_browser.heaviest_by_kind(per_page) == {
        "text": {"page": "b.html", "served_mb": 0.3, "raw_mb": 0.9, "pages": 2},
        "explorer": {"page": "c.html", "served_mb": 0.5, "raw_mb": 2.0, "pages": 1}}


def test_served_size_gzips_text_only():
    body = b"x" * 10_000
    assert bench_browser.served_size(body, "text/css; charset=utf-8") < 200
    assert bench_browser.served_size(body, "font/woff2") == 10_000


def test_lighthouse_pages_come_from_the_table_of_contents():
    toc = ["book/intro", "book/primer", "book/insights/01-deliberation", "book/insights/02-anonymity",
           "book/labs/index", "exercises/outreach/outreach"]
    assert lighthouse.lighthouse_pages(toc, "book/intro") == {
        "landing": "book/intro.html", "primer": "book/primer.html",
        "chapter": "book/insights/01-deliberation.html", "lab": "exercises/outreach/outreach.html"}


def test_lighthouse_command_runs_offline_categories_and_presets(tmp_path):
    binary = tmp_path / "lighthouse"
    mobile = lighthouse.lighthouse_command(binary, "http://127.0.0.1:1/x.html", tmp_path / "r.json", "mobile")
    desktop = lighthouse.lighthouse_command(binary, "http://127.0.0.1:1/x.html", tmp_path / "r.json", "desktop")
    assert "--only-categories=performance,accessibility,best-practices" in mobile
    assert any(arg.startswith("--chrome-flags=") and "--headless" in arg for arg in mobile)
    assert "--preset=desktop" in desktop and "--preset=desktop" not in mobile
    with pytest.raises(ValueError, match="preset"):
        lighthouse.lighthouse_command(binary, "http://x", tmp_path / "r.json", "tablet")


def _report(performance, accessibility=1.0, failing=()):
    audits = {"first-contentful-paint": {"score": 0.8, "numericValue": 1812.4, "scoreDisplayMode": "numeric",
                                         "title": "First Contentful Paint", "displayValue": "1.8 s"},
              "color-contrast": {"score": 1, "scoreDisplayMode": "binary", "title": "Contrast"},
              "diagnostics": {"score": None, "scoreDisplayMode": "informative", "title": "Diagnostics"}}
    for audit in failing:
        audits[audit] = {"score": 0, "scoreDisplayMode": "binary", "title": audit}
    return {"categories": {
        "performance": {"score": performance, "auditRefs": [{"id": "first-contentful-paint", "weight": 10},
                                                            {"id": "diagnostics", "weight": 0}]},
        "accessibility": {"score": accessibility, "auditRefs": [{"id": "color-contrast", "weight": 7},
                                                                *({"id": a, "weight": 3} for a in failing)]},
        "best-practices": {"score": None, "auditRefs": []}},
        "audits": audits}


def test_lighthouse_scores_flags_and_medians():
    report = _report(0.934, 0.96, failing=["label-content-name-mismatch"])
    assert lighthouse.category_scores(report) == {"performance": 93, "accessibility": 96, "best-practices": None}
    flagged = lighthouse.flagged_audits(report)
    assert [(f["category"], f["id"], f["weight"]) for f in flagged] == [
        ("performance", "first-contentful-paint", 10), ("accessibility", "label-content-name-mismatch", 3)]
    assert lighthouse.core_metrics(report) == {"fcp_ms": 1812}

    summary = lighthouse.summarise({
        "landing": {"mobile": [_report(0.9), _report(0.96), _report(0.97)]},
        "lab": {"mobile": [_report(0.5), _report(0.6), _report(0.7)], "desktop": [_report(0.99)]}})
    assert summary["per_page"]["landing"]["mobile"]["scores"]["performance"] == 96
    assert summary["metrics"]["lighthouse_mobile_performance"] == 60  # the lowest page median
    assert summary["metrics"]["lighthouse_desktop_performance"] == 99
    assert "lighthouse_mobile_best_practices" not in summary["metrics"]  # never scored


def test_lighthouse_goals_are_floors():
    goals = bench_run.goals_report({"lighthouse_mobile_performance": 94, "lighthouse_desktop_accessibility": 100,
                                    "weight_text_mb": 0.2, "weight_explorer_mb": 0.7})
    assert goals["lighthouse_mobile_performance"] == {"floor": 95, "value": 94, "pass": False}
    assert goals["lighthouse_desktop_accessibility"]["pass"] is True
    assert goals["weight_text_mb"] == {"limit": 0.35, "value": 0.2, "pass": True}
    assert goals["weight_explorer_mb"]["pass"] is False
    assert goals["lighthouse_mobile_best_practices"]["pass"] is None


def test_variables_set_before_the_test_command_go_to_its_environment():
    env, command = bench_run.split_environment(
        ["OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "/venv/bin/python", "-m", "pytest", "-k", "a=b"])
    assert env == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    assert command == ["/venv/bin/python", "-m", "pytest", "-k", "a=b"]
    env, command = bench_run.pytest_command()  # the Makefile's own recipe
    assert command[1:3] == ["-m", "pytest"] and not command[0].count("=")
    assert env.get("OPENBLAS_NUM_THREADS") == "1"


def test_unknown_lighthouse_preset_is_refused():
    result = subprocess.run([*SCRIPT, "--only", "lighthouse", "--lighthouse-presets", "tablet"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "tablet" in result.stderr


def test_a_selection_replaces_the_folders_the_test_command_names():
    command = ["/venv/bin/python", "-m", "pytest", "-n", "2", "tests", "book", "--nbval",
               "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]
    assert bench_run.with_selection(command, ["tests/test_data.py::test_x"]) == [
        "/venv/bin/python", "-m", "pytest", "-n", "2", "--nbval", "--nbval-sanitize-with",
        "tests/nbval_sanitize.cfg", "tests/test_data.py::test_x"]


def test_smoke_means_one_repetition_of_everything_at_the_smallest_size():
    args = bench_run.parse_args(["--smoke"])
    assert args.selected == bench_run.MEASUREMENTS, "a smoke run skips nothing"
    assert (args.repeat, args.explorer_cycles, args.seeds, args.students) == (
        1, 1, bench_run.SMOKE_SEEDS, bench_run.SMOKE_STUDENTS)
    assert args.tests_selection == [bench_run.SMOKE_TESTS] and args.lighthouse_presets == ["mobile"]
    full = bench_run.parse_args([])
    assert (full.repeat, full.students, full.seeds, full.tests_selection) == (3, 60, None, None)
    assert full.lighthouse_presets == ["mobile", "desktop"]


def test_smoke_and_quick_are_refused_together():
    result = subprocess.run([*SCRIPT, "--smoke", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--smoke" in result.stderr
