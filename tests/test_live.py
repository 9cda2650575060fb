"""The "run the simulation yourself" panel (reciprocity.live), driven as a reader would."""
from __future__ import annotations

import ipywidgets

from reciprocity import stats
from reciprocity.live import RerunControl, rerun_control
from reciprocity.simulate import simulate_content_signups


def summary(readers, seed):
    return stats.rate_table(simulate_content_signups(readers, seed=seed), "relevance", "signed_up")


def test_panel_runs_once_then_reruns_with_the_new_seed_and_size():
    panel = rerun_control(summary, seed=2016, size=2000, size_label="Readers")
    assert isinstance(panel, RerunControl) and isinstance(panel, ipywidgets.VBox)
    first = panel.output.value
    assert "seed 2016, 2,000 readers" in first and "<table" in first
    panel.seed.value = 7
    panel.size.value = 3000
    panel.button.click()
    after = panel.output.value
    assert "seed 7, 3,000 readers" in after and after != first
    expected = summary(3000, 7)
    assert f"{int(expected['successes'].iloc[-1])}" in after


def test_panel_shows_text_results_and_simulator_errors():
    calls = []

    def simulate(size, seed):
        calls.append((size, seed))
        if seed < 0:
            raise ValueError("seed must not be negative")
        return f"{size} people, seed {seed}"

    panel = rerun_control(simulate, seed=1, size=100, size_range=(10, 1000))
    assert "<pre>100 people, seed 1</pre>" in panel.output.value
    panel.seed.value = -1
    panel.button.click()
    assert "Could not run: seed must not be negative" in panel.output.value
    assert calls == [(100, 1), (100, -1)]
    panel.size.value = 5000          # bounded: the box keeps the size in range
    assert panel.size.value == 1000
