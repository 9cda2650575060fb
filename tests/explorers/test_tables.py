"""Python-side logic of the explorers of chapters 3, 5, 6 and 12.

(reciprocity.explorers.interdependence, social_value_orientation,
repay_regardless and long_run.) The generic checks (spec, controls, parity in
the browser) live in ``test_specs.py`` and ``test_in_browser.py``; here we
check what the parity cases and embedded tables are built from.
"""
from __future__ import annotations

import numpy as np
import pytest

from reciprocity.explorers import PARITY, load_all
from reciprocity.explorers._d3format import fixed, percent
from reciprocity.simulate.relationship import MAX_FAVOURS, NOTICE_RATES, PRIORS, favour_grid
from reciprocity.simulate.repeated_games import CONTINUATIONS, STRATEGIES, TEMPTATIONS, tournament_grid

load_all()


def test_d3_rounding_goes_away_from_zero_on_ties():
    assert percent(0.305) == "31%"          # Python's format would print 30%
    assert fixed(2.125, 2) == "2.13"
    assert fixed(1234.5, 0, comma=True) == "1,235"
    assert fixed(-0.04, 1) == "0.0"          # d3 drops the sign of a rounded zero
    assert percent(0.1234, 1) == "12.3%"


def test_tournament_grid_covers_the_sliders_and_is_seeded():
    grid = tournament_grid()
    assert set(grid) == {(float(d), t) for d in CONTINUATIONS for t in TEMPTATIONS}
    for cell in grid.values():
        assert np.isclose(sum(cell["shares"]), 1)
        assert 0 <= cell["population_cooperation"] <= 1
    assert tournament_grid() is grid  # cached: the chapter and the explorer share one run


def test_shadow_grid_shows_the_chapter_pattern():
    grid = tournament_grid()
    defect, tft = STRATEGIES.index("always defect"), STRATEGIES.index("tit-for-tat")
    short, long = grid[(0.0, 4.0)], grid[(0.9, 4.0)]
    assert short["payoff"][defect] > short["payoff"][tft]
    assert long["payoff"][tft] > long["payoff"][defect]
    assert short["population_cooperation"] < 0.05 < 0.95 < long["population_cooperation"]


def test_favour_grid_rises_with_favours_and_intros():
    grid = favour_grid()
    assert len(grid) == len(NOTICE_RATES) * len(PRIORS) * 2
    for (rate, prior, intro), curve in grid.items():
        assert len(curve) == MAX_FAVOURS + 1 and np.all(np.diff(curve) >= -1e-12)
        if not intro:
            assert np.all(grid[(rate, prior, True)] >= curve)


@pytest.mark.parametrize("name", ["shadow_explorer", "favour_explorer", "svo_mix_explorer",
                                  "svo_slider_explorer", "norms_explorer"])
def test_parity_lines_fit_the_readout(name):
    for case in PARITY[name]():
        for line in case.expect:
            assert len(line) <= 46, f"{name}: {line!r} is too long for a phone"
            assert "nan" not in line.lower()


def test_svo_parity_uses_the_package_scoring():
    from reciprocity.simulate.svo import classify_svo, slider_payoffs, svo_angle

    case = PARITY["svo_slider_explorer"]()[1]  # every slider at 0
    selves, others = slider_payoffs([0] * 6)
    angle = svo_angle(selves, others)
    assert f"SVO angle {fixed(angle, 1)}°: {classify_svo(angle)}" in case.expect


def test_mix_parity_matches_the_simulator_expectations():
    from reciprocity.simulate.svo import REPORTED_MIX, expected_return_rates

    expected = expected_return_rates(REPORTED_MIX).set_index("group").loc["population"]
    first = PARITY["svo_mix_explorer"]()[0].expect  # the reported mix (50/33/10)
    assert first[0].startswith(f"One-off gift: {percent(expected['one_off'], 1)}")


def test_norms_explorer_is_a_model_not_a_floor_of_real_rates():
    """Base rates of prosocial acts (no favour involved) are not the personal-norm share."""
    import json

    from reciprocity.explorers import EXPLORERS
    from reciprocity.explorers.repay_regardless import MODEL_NOTE

    spec = json.dumps(EXPLORERS["norms_explorer"]().spec()).lower()
    for phrase in ("real rates", "real,", "no audience or no future", "broockman", "ggl",
                   "fox & guyer", "charity"):
        assert phrase not in spec, phrase
    assert MODEL_NOTE.lower() in spec
    for case in PARITY["norms_explorer"]():
        assert case.expect[-1] == MODEL_NOTE
