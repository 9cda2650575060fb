"""Every explorer is one Vega-Lite spec: valid, labelled, light, and tied to the package.

These checks run without a browser; ``test_explorers_browser.py`` drives the
same explorers on the built book in Chromium.
"""
from __future__ import annotations

import json

import pytest

from reciprocity import explorers
from reciprocity.explorers import EXPLORERS, PARITY, Explorer, load_all
from reciprocity.explorers.core import VEGA_MIMETYPE, embed_html
from test_stored_outputs import long_floats

NAMES = sorted(load_all())


@pytest.fixture(scope="module")
def built():
    return {name: EXPLORERS[name]() for name in NAMES}


def test_builders_are_registered_and_found_by_the_lazy_lookup():
    assert {"photo_reply_explorer"} <= set(NAMES)
    for name in NAMES:
        assert getattr(explorers, name) is EXPLORERS[name]


@pytest.mark.parametrize("name", NAMES)
def test_explorer_is_a_labelled_vega_lite_chart_with_named_controls(built, name):
    explorer = built[name]
    assert isinstance(explorer, Explorer) and explorer.name == name
    spec = explorer.spec()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    controls = explorer.controls()
    assert controls, f"{name} has no control bound to an input"
    for control in controls:
        assert not control.name.startswith("param_"), f"{name}: give every parameter a name"
        assert control.label.strip() and control.label.strip() != control.name, \
            f"{name}: control {control.name} needs a label a reader understands"
        assert control.kind in {"range", "select", "radio", "checkbox"}
        if control.kind == "range":
            low, high, step = control.options
            assert low <= control.value <= high and step > 0


@pytest.mark.parametrize("name", NAMES)
def test_explorer_output_serves_spec_and_offline_html(built, name):
    bundle = built[name]._repr_mimebundle_()
    assert set(bundle) >= {VEGA_MIMETYPE, "text/html"}
    html = bundle["text/html"]
    assert f'data-explorer="{name}"' in html and 'class="reciprocity-explorer"' in html
    # the same spec gives the same output (nbval compares stored outputs)
    assert html == embed_html(built[name].spec(), name, built[name].title)
    assert long_floats(json.dumps(bundle[VEGA_MIMETYPE])) == [], "round the data you embed"


@pytest.mark.parametrize("name", NAMES)
def test_explorer_is_light_enough_for_a_page(built, name):
    size = len(json.dumps(built[name].spec()))
    assert size < 150_000, f"{name}: spec is {size:,} bytes; precompute less, or coarser"


@pytest.mark.parametrize("name", NAMES)
def test_parity_cases_name_real_controls_and_reachable_values(built, name):
    assert name in PARITY, f"{name} has no parity cases: register(cases=...)"
    controls = {c.name: c for c in built[name].controls()}
    cases = PARITY[name]()
    assert len(cases) >= 3, "check several states, extremes included"
    for case in cases:
        assert case.expect, "a case must expect something on the page"
        for key, value in case.settings.items():
            assert key in controls, f"{name}: no control {key}"
            control = controls[key]
            if control.kind == "range":
                low, high, step = control.options
                assert low <= value <= high, f"{name}: {key}={value} outside [{low}, {high}]"
                assert abs((value - low) / step - round((value - low) / step)) < 1e-6
            elif control.kind in ("select", "radio"):
                assert value in control.options, f"{name}: {key} has no option {value!r}"
    extremes = {(k, v) for case in cases for k, v in case.settings.items()}
    assert any(c.kind != "range" or {(c.name, c.options[0]), (c.name, c.options[1])} & extremes
               for c in controls.values()), f"{name}: no case reaches an extreme of a slider"


def test_points_text_formats_a_newcombe_difference_in_points():
    from reciprocity.explorers.expr import points_text
    text = points_text("d", decimals=2)
    assert text.startswith("format(d_diff * 100, '+.2f') + ' points ('")
    assert "d_low * 100" in text and "d_high * 100" in text
