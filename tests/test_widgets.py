"""Every registered explorer survives every control at its extremes, and redraws."""
from __future__ import annotations

import ipywidgets
import pytest

from reciprocity import widgets
from reciprocity.widgets import svg


@pytest.fixture(scope="module")
def explorers():
    return {name: build() for name, build in widgets.load_all().items()}


def test_builders_are_registered_and_importable_by_name():
    builders = widgets.load_all()
    assert {"turnout_explorer", "power_calculator"} <= set(builders)
    for name, builder in builders.items():
        assert getattr(widgets, name) is builder, f"{name} is not found by the lazy lookup"


@pytest.mark.parametrize("name", sorted(widgets.load_all()))
def test_explorer_sweeps_every_control_and_redraws(explorers, name):
    explorer = explorers[name]
    assert isinstance(explorer, ipywidgets.VBox)
    assert explorer.controls, "an explorer needs at least one control"
    assert widgets.LIVE_NOTE in [getattr(c, "value", None) for c in explorer.children]
    for key, control in explorer.controls.items():
        original = control.value
        for value in widgets.control_values(control):
            control.value = value
            html = explorer.panel.value
            assert html.strip(), f"{name}: empty panel after {key}={value!r}"
            assert "nan" not in html.lower().replace("nanc", ""), f"{name}: NaN shown for {key}={value!r}"
        control.value = original


def test_turnout_explorer_changes_with_the_history_slice(explorers):
    explorer = explorers["turnout_explorer"]
    explorer.controls["history"].value = (0, 0)
    never = explorer.panel.value
    explorer.controls["history"].value = (3, 3)
    always = explorer.panel.value
    assert never != always
    assert "voted in 0 of the 3" in never and "voted in 3 of the 3" in always


def test_turnout_explorer_shows_published_rates_for_everyone(explorers):
    explorer = explorers["turnout_explorer"]
    explorer.controls["history"].value = (0, 3)
    explorer.controls["arms"].value = ("Control", "Neighbors")
    assert "29.7%" in explorer.panel.value and "37.8%" in explorer.panel.value


def test_power_calculator_reports_the_stats_sample_size(explorers):
    from reciprocity.stats import sample_size
    explorer = explorers["power_calculator"]
    explorer.controls["baseline"].value = 0.06
    explorer.controls["treatment"].value = 0.26
    assert f"{sample_size(0.06, 0.26):,} users per arm" in explorer.panel.value


def test_power_calculator_explains_a_zero_effect(explorers):
    explorer = explorers["power_calculator"]
    explorer.controls["baseline"].value = 0.2
    explorer.controls["treatment"].value = 0.2
    assert "equal" in explorer.panel.value


def test_svg_charts_are_labelled_for_screen_readers():
    chart = svg.bar_chart(["A", "B"], [0.1, 0.2], [0.05, 0.15], [0.15, 0.25], title="Reply rate")
    assert 'role="img"' in chart and "<title>Reply rate</title>" in chart
    lines = svg.line_chart([0, 1, 2], {"x": [0.1, 0.2, 0.3]}, title="T & <b>")
    assert "T &amp; &lt;b&gt;" in lines
