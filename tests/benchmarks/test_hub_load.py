"""The hub load benchmark's own logic, without a hub: the rush's schedule, the latency figures, the accounting.

``benchmarks/hub_load.py`` needs root and minutes to start a hub; what it
computes from what it observes is checked here, in milliseconds, including
that a lost, duplicated or mixed-up submission is caught.
"""
from __future__ import annotations

import json

import pytest

from benchmarks import hub_load
from benchmarks.hub_load import (
    Sample,
    account,
    answered,
    graded_entries,
    inbound_entries,
    latency_summary,
    mark,
    markers_in,
    plan_segments,
    roster_toml,
    rush_schedule,
    servers_that_fit,
)
from tests.support.common import ROOT
from tests.support.hub import load_run

LAB = hub_load.LAB


def _notebook(folder: str) -> dict:
    return json.loads((ROOT / folder / LAB / f"{LAB}.ipynb").read_text())


# ----------------------------------------------------------------------------- schedule
def test_rush_schedule_is_seeded_sorted_and_inside_the_window():
    times = rush_schedule(200, 120, seed=7)
    assert len(times) == 200 and times == sorted(times)
    assert times[0] >= 0 and times[-1] < 120
    assert rush_schedule(200, 120, seed=7) == times
    assert rush_schedule(200, 120, seed=8) != times


def test_rush_schedule_crowds_the_deadline():
    times = rush_schedule(200, 120, seed=1)
    first_half = sum(t < 60 for t in times)
    last_fifth = sum(t >= 96 for t in times)
    # Beta(3, 1): 12.5% expected before half time, 48.8% in the last fifth
    assert first_half < 40 and last_fifth > 80
    uniform = rush_schedule(200, 120, seed=1, shape=1)
    assert sum(t < 60 for t in uniform) > 80
    bins = hub_load.per_bin(times, 120)
    assert len(bins) == 12 and sum(bins) == 200 and bins[-1] == max(bins) and bins[0] < bins[-1] / 10


@pytest.mark.parametrize("bad", [{"students": 0}, {"window_s": 0}, {"shape": 0.5}])
def test_rush_schedule_refuses_what_is_no_schedule(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        rush_schedule(**{"students": 10, "window_s": 120, **bad})


def test_segments_cover_the_class_once_and_the_deadline_segment_is_full():
    segments = plan_segments(200, 120)
    assert [(s.start, s.stop) for s in segments] == [(0, 80), (80, 200)]
    assert plan_segments(200, 500) == [range(0, 200)]
    assert [i for s in plan_segments(7, 3) for i in s] == list(range(7))
    assert [len(s) for s in plan_segments(7, 3)] == [1, 3, 3]
    with pytest.raises(ValueError, match="no server fits"):
        plan_segments(10, 0)


def test_servers_that_fit_keep_the_reserve():
    assert servers_that_fit(20_000, 4_000, 130) == 123
    assert servers_that_fit(3_000, 4_000, 130) == 0


# ----------------------------------------------------------------------------- latency
def _samples(kind: str, seconds, ok=True) -> list[Sample]:
    return [Sample(kind, f"s{i}", float(i), s, 200 if ok else 500, ok) for i, s in enumerate(seconds)]


def test_latency_summary_percentiles_per_kind_and_group():
    saves = _samples("save", [i / 100 for i in range(1, 101)])  # 0.01 ... 1.00 s
    submits = _samples("submit", [2.0, 4.0])
    summary = latency_summary(saves + submits)
    save = summary["by_kind"]["save"]
    assert save["n"] == 100 and save["errors"] == 0
    assert save["p50_s"] == pytest.approx(0.505) and save["p95_s"] == pytest.approx(0.9505)
    assert save["max_s"] == 1.0
    assert summary["by_group"]["exchange"] == {"n": 2, "errors": 0, "p50_s": 3.0, "p95_s": 3.9, "max_s": 4.0}
    assert summary["by_group"]["hub"]["n"] == 100  # due and save; no due request here
    assert summary["by_kind"]["due"] == {"n": 0, "errors": 0, "p50_s": None, "p95_s": None, "max_s": None}
    assert summary["all"]["n"] == 102 and summary["all"]["max_s"] == 4.0


def test_latency_summary_counts_failed_requests():
    summary = latency_summary(_samples("submit", [0.2, 0.3]) + _samples("submit", [30.0], ok=False))
    assert summary["by_kind"]["submit"]["errors"] == 1
    assert summary["by_group"]["exchange"]["max_s"] == 30.0  # a failure's wait counts too


# ----------------------------------------------------------------------------- accounting
SENT = {"a": "m-a", "b": "m-b", "c": "m-c"}
EVERY_ONE_ONCE = [("a", ["m-a"]), ("b", ["m-b"]), ("c", ["m-c"])]


def test_account_finds_nothing_when_every_submission_arrives_and_is_graded_once():
    result = account(SENT, EVERY_ONE_ONCE, EVERY_ONE_ONCE)
    assert (result["sent"], result["lost"], result["duplicated"], result["mixed_up"], result["unexpected"]) == (
        3, 0, 0, 0, 0)


def test_account_detects_a_submission_missing_from_the_exchange():
    result = account(SENT, EVERY_ONE_ONCE[:2], EVERY_ONE_ONCE)
    assert result["lost"] == 1 and result["lost_students"] == ["c"]
    assert result["stages"]["inbound"]["lost"] == ["c"] and result["stages"]["graded"]["lost"] == []


def test_account_detects_a_submission_that_was_not_graded():
    result = account(SENT, EVERY_ONE_ONCE, [("a", ["m-a"]), ("b", [])])
    assert result["lost_students"] == ["b", "c"]
    assert result["stages"]["graded"]["mixed_up"] == ["b"]  # graded, but not their notebook


def test_account_detects_a_duplicated_submission():
    result = account(SENT, [*EVERY_ONE_ONCE, ("b", ["m-b"])], [*EVERY_ONE_ONCE, ("a", ["m-a"])])
    assert result["duplicated"] == 2 and result["lost"] == 0
    assert result["stages"]["inbound"]["duplicated"] == ["b"]
    assert result["stages"]["graded"]["duplicated"] == ["a"]


def test_account_detects_notebooks_mixed_up_and_entries_of_strangers():
    swapped = [("a", ["m-b"]), ("b", ["m-a"]), ("c", ["m-c"]), ("zed", ["m-z"])]
    result = account(SENT, swapped, EVERY_ONE_ONCE)
    assert result["lost_students"] == ["a", "b"] and result["mixed_up"] == 2 and result["unexpected"] == 1


# ----------------------------------------------------------------------------- notebooks and files
def test_the_answered_notebook_holds_the_model_answers_and_one_marker():
    release, source = _notebook("exercises"), _notebook("solutions")
    nb = mark(answered(release, source), "hubload-x-s001-0a1b")
    model = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
             if c["metadata"].get("nbgrader", {}).get("solution")}
    answers = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    marked = [c for c in answers if "load marker" in "".join(c["source"])]
    assert len(marked) == 1 and marked[0]["cell_type"] == "code"
    gid = marked[0]["metadata"]["nbgrader"]["grade_id"]
    assert marked[0]["source"].startswith("".join(model[gid]).rstrip())
    assert all(c["source"] == model[c["metadata"]["nbgrader"]["grade_id"]] for c in answers if c is not marked[0])
    assert markers_in(json.dumps(nb)) == ["hubload-x-s001-0a1b"]
    assert markers_in(json.dumps(release)) == []  # marking copies; the release is untouched


def test_a_notebook_without_an_answer_cell_cannot_be_marked():
    with pytest.raises(ValueError, match="no answer cell"):
        mark({"cells": [{"cell_type": "markdown", "metadata": {}, "source": "text"}]}, "m")


def test_the_hub_reads_the_generated_roster(tmp_path):
    students = ["lxyz-s001", "lxyz-s002"]
    path = tmp_path / "roster.toml"
    path.write_text(roster_toml("reciprocity-load", "lxyz-prof", "lxyz-ta", students))
    courses, names = load_run().load_roster(path)
    assert courses == {"reciprocity-load": {"instructors": ["lxyz-prof"], "tas": ["lxyz-ta"], "students": students}}
    assert names["lxyz-s002"]["last_name"] == "lxyz-s002"


def test_entries_are_read_from_the_exchange_and_the_autograded_folder(tmp_path):
    inbound = tmp_path / "exchange" / "course" / "inbound"
    for name, text in [(f"a+{LAB}+2026-01-01 00:00:00 UTC+r1", "# load marker: m-a"),
                       (f"b+{LAB}+2026-01-01 00:00:01 UTC+r2", None),  # a folder without the notebook
                       ("a+other+2026-01-01 00:00:02 UTC+r3", "# load marker: m-x"),  # another lab
                       ("not-a-submission", "# load marker: m-y")]:
        (inbound / name).mkdir(parents=True)
        if text:
            (inbound / name / f"{LAB}.ipynb").write_text(json.dumps({"source": text}))
    assert inbound_entries(tmp_path / "exchange", "course", LAB) == [("a", ["m-a"]), ("b", [])]
    graded = tmp_path / "course" / "autograded" / "a" / LAB
    graded.mkdir(parents=True)
    (graded / f"{LAB}.ipynb").write_text("# load marker: m-a\n")
    assert graded_entries(tmp_path / "course", LAB, ["a", "b"]) == [("a", ["m-a"]), ("b", [])]


def test_the_dry_run_accounts_for_every_student(tmp_path):
    out = tmp_path / "dry.json"
    assert hub_load.main(["--dry-run", "--students", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["dry_run"] and report["accounting"]["sent"] == 2
    assert report["metrics"] == {"hub_submissions_lost": 0.0, "hub_submissions_duplicated": 0.0,
                                 "hub_load_wall_s": report["wall_s"]}
