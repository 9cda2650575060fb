"""The benchmark script runs and writes the JSON it promises (cheap part only, no timing goals).

Timings are judged by ``benchmarks/run.py`` itself, not here: these tests only
check that the explorer measurement runs end to end in Chromium as a
subprocess and that its JSON has the expected shape, with numbers where
numbers belong.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "run.py"
GOALS = {"warm_over_cold", "build_over_execution_floor", "autograde_over_execution",
         "explorer_response_p95_ms", "page_weight_max_mb", "page_execution_max_s", "test_suite_s",
         "grading_efficiency"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.browser
def test_explorer_benchmark_writes_the_expected_json(browser, tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "explorers", "--repeat", "1", "--explorer-cycles", "1",
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
    result = subprocess.run([sys.executable, str(SCRIPT), "--only", "nonsense"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "nonsense" in result.stderr
