"""The benchmark script runs and writes the JSON it promises (cheap part only, no timing goals).

Timings are judged by ``benchmarks/run.py`` itself, not here: these tests only
check that the widget measurement runs end to end as a subprocess and that its
JSON has the expected shape, with numbers where numbers belong.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

from conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "run.py"
GOALS = {"warm_over_cold", "build_over_execution_floor", "autograde_over_execution",
         "widget_update_p95_ms", "page_execution_max_s", "test_suite_s"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def test_widget_benchmark_writes_the_expected_json(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "widgets", "--repeat", "1", "--widget-cycles", "2",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "widget_update_p95_ms" in result.stdout
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

    assert set(report["metrics"]) == {"widget_update_p95_ms"}
    assert _number(report["metrics"]["widget_update_p95_ms"])

    assert set(report["goals"]) == GOALS
    widget_goal = report["goals"]["widget_update_p95_ms"]
    assert _number(widget_goal["limit"]) and isinstance(widget_goal["pass"], bool)
    assert all(report["goals"][name]["pass"] is None for name in GOALS - {"widget_update_p95_ms"})

    from reciprocity import widgets

    details = report["details"]["widgets"]
    assert set(details["per_widget"]) == set(widgets.load_all()), "every builder is measured"
    assert details["worst_widget"] in details["per_widget"]
    for name, row in details["per_widget"].items():
        for key in ["p95_ms", "median_ms", "max_ms", "updates", "build_ms"]:
            assert _number(row[key]), f"{name}: {key} = {row[key]!r}"
        assert row["updates"] > 0, name


def test_unknown_measurement_is_refused():
    result = subprocess.run([sys.executable, str(SCRIPT), "--only", "nonsense"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "nonsense" in result.stderr
