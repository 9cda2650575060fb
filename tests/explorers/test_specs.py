"""Every explorer is one Vega-Lite spec: valid, labelled, light, and tied to the package.

These checks run without a browser; ``test_in_browser.py`` drives the
same explorers on the built book in Chromium.
"""
from __future__ import annotations

import json

import pytest

from reciprocity import explorers
from reciprocity.explorers import EXPLORERS, PARITY, Explorer, load_all
from reciprocity.explorers.core import READOUT_PREFIX, TEXT_SUFFIX, _all_params, embed_html, embedded_spec
from reciprocity.explorers.expr import EXCLUDES_ZERO, INCLUDES_ZERO, p_label, zero_verdict_label
from tests.support.explorer_driver import check_invariants, extreme_states
from tests.support.outputs import long_floats

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
def test_explorer_output_is_offline_html_holding_the_spec_once(built, name):
    bundle = built[name]._repr_mimebundle_()
    # no Vega-Lite mimetype beside the HTML: that would store the spec twice in every notebook
    assert set(bundle) == {"text/html", "text/plain"}
    html = bundle["text/html"]
    assert f'data-explorer="{name}"' in html and 'class="reciprocity-explorer"' in html
    # the same spec gives the same output (nbval compares stored outputs)
    assert html == embed_html(built[name].spec(), name, built[name].title)
    assert embedded_spec(html) == built[name].spec()
    assert html.count('"$schema"') == 1
    assert long_floats(json.dumps(embedded_spec(html))) == [], "round the data you embed"


def test_embedded_spec_refuses_what_is_not_an_explorer_output():
    with pytest.raises(ValueError, match="not an explorer's output"):
        embedded_spec("<p>a table</p>")


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


@pytest.mark.parametrize("name", NAMES)
def test_every_slider_reads_out_its_value_in_the_units_of_the_readout(built, name):
    """A slider's value beside it and in aria-valuetext is its ``<name>_text`` parameter;
    a slider whose value reads in percent runs in percent (0-100), not in fractions."""
    params = {p["name"]: p for p in _all_params(built[name].spec())}
    for control in built[name].controls():
        if control.kind != "range":
            continue
        text = params.get(control.name + TEXT_SUFFIX)
        assert text and "expr" in text, f"{name}: slider {control.name} has no {control.name}{TEXT_SUFFIX}"
        assert control.name in text["expr"], f"{name}: {control.name}{TEXT_SUFFIX} ignores the slider"
        if "%" in text["expr"] and f"format({control.name}," not in text["expr"]:
            assert control.options[1] > 1, f"{name}: {control.name} reads in % but runs to {control.options[1]}"


@pytest.mark.parametrize("name", NAMES)
def test_every_explorer_names_the_readout_it_announces(built, name):
    assert f'"name": "{READOUT_PREFIX}' in json.dumps(built[name].spec()), \
        f"{name}: stack its text with readout() (or name the text chart readout_*)"


def test_extreme_states_cover_each_end_and_each_pair_of_ends():
    controls = EXPLORERS["photo_reply_explorer"]().controls()
    states = extreme_states(controls)
    assert {"sent_without": 1} in states and {"replies_with": 200} in states
    assert {"sent_without": 200, "replies_without": 0} in states
    assert len(states) == 2 * len(controls) + 4 * len(controls) * (len(controls) - 1) // 2


def test_invariant_check_catches_readouts_that_mislead():
    bad = ["Difference: +20.0 points (+25.6 to +34.1)",         # estimate outside its interval
           "CI includes 0: compatible with no effect.",          # but the interval is above zero
           "z-test p = 0.000 (normal approximation)",            # a p-value printed as zero
           "Positive replies: 60/50 vs 13/50",                   # more replies than e-mails
           "Neighbors vs Control: +8.1 points", "95% CI +8.2 to +8.5 (Newcombe)",
           "The result is significant.",                         # with p = 0 above, fine; next is not
           "p = 0.20: significant", "rate NaN", "undefined points"]
    found = check_invariants(bad)
    for needle in ["outside its interval [25.6, 34.1]", "includes 0", "printed as 0", "exceeds its total 50",
                   "outside its interval [8.2, 8.5]", "p = 0.2", "NaN", "undefined"]:
        assert any(needle in problem for problem in found), (needle, found)


def test_invariant_check_accepts_honest_readouts():
    good = ["No photo: 6.0% (95% CI 2.1% to 16.2%)", "Difference: -2.0 points (-5.6 to +34.1)",
            INCLUDES_ZERO, "z-test p < 0.0001 (normal approximation)", "replies_without: 50 of 50 (capped)",
            "relevance 0.25: 2.5% (1.9% to 3.2%), 1,123 of 5,000", "Voted in 0 to 3 of 3 earlier primaries",
            "Fitted at $1.00: 30.1% (28.0% to 32.2%)", "Self vs Control: +5.4 points",
            "95% CI +4.8 to +6.0 (Newcombe)", EXCLUDES_ZERO]
    assert check_invariants(good) == []


def test_p_values_never_print_as_zero():
    assert p_label(3e-9) == "p < 0.0001"
    assert p_label(0.00042) == "p = 0.0004"
    assert p_label(0.0421) == "p = 0.042"
    assert p_label(1.0) == "p = 1.000"


def test_the_zero_verdict_follows_the_bounds_as_displayed():
    assert zero_verdict_label(0.0004, 0.03) == INCLUDES_ZERO   # shown as +0.0 to +3.0
    assert zero_verdict_label(0.0006, 0.03) == EXCLUDES_ZERO   # shown as +0.1 to +3.0
    assert zero_verdict_label(-0.03, -0.0006) == EXCLUDES_ZERO
    assert zero_verdict_label(0.0004, 0.03, decimals=2) == EXCLUDES_ZERO  # +0.04 at two decimals


def test_the_html_hands_the_spec_to_the_book_loader_and_fetches_vega_only_without_one(built):
    html = built["photo_reply_explorer"].html()
    assert "window.reciprocityExplorerLoader" in html and "loader.add(id, spec)" in html
    start = html.index("function start()")
    body = html[start:html.index("}", html.index("else load(", start))]
    # the CDN is the last resort: no loader (not a book page) and no Vega on the page
    assert body.index("loader.add") < body.index("window.vegaEmbed") < body.index("load([")
