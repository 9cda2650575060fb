"""The Python side of the gift explorers (chapters 4, 7, 8) and of chapter 1's explorer.

The browser tests check that each explorer shows what the package computes;
these check, without a browser, that the Vega expressions are the model's
formulas and that the embedded experiments are the simulator's own output.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from reciprocity import stats
from reciprocity.explorers import deliberation, gifts
from reciprocity.simulate.deliberation import compliance_probability
from reciprocity.simulate.gifts import content_signup_grid, repayment_probability, simulate_content_signups


def evaluate(expression: str, **names) -> float:
    """Evaluate a Vega expression that uses only arithmetic, exp, max, abs and names."""
    return eval(expression, {"__builtins__": {}}, {"exp": math.exp, "max": max, "abs": abs, **names})


def params(explorer) -> dict[str, str]:
    return {p["name"]: p["expr"] for p in explorer.spec().get("params", []) if "expr" in p}


@pytest.mark.parametrize("weight", [0.0, 0.75, 1.5, 3.0])
def test_repayment_expression_is_the_gift_model(weight):
    expression = gifts.repayment_expr("v", "s", surprise_weight="w")
    for value in (0.0, 0.25, 0.5, 1.0):
        for surprise in (-1.0, -0.4, 0.0, 0.3, 1.0):
            assert evaluate(expression, v=value, s=surprise, w=weight) == pytest.approx(
                repayment_probability(value, surprise, surprise_weight=weight), rel=1e-9)


def test_deliberation_expressions_are_the_dual_route_model():
    expressions = params(deliberation.deliberation_explorer())
    for inv, dis, quality, cue in [(0.8, 0.1, 0.5, 1.0), (0, 1, 0, 0), (1, 0, 1, 2), (0.3, 0.6, 0.9, 1.25)]:
        elab = evaluate(expressions["elab"], involvement=inv, distraction=dis)
        for gift, name in [(0, "p_without"), (1, "p_with")]:
            got = evaluate(expressions[name], elab=elab, cue=cue, quality=quality)
            assert got == pytest.approx(float(compliance_probability(inv, dis, quality, gift, cue_weight=cue)),
                                        rel=1e-9)


def test_expected_gift_explorer_expressions_match_the_model():
    expressions = params(gifts.expected_gift_explorer())
    assert expressions["delivered"] == "gift > 0 ? value : 0"  # delivered_value: a gift of size 0 is none
    surprise = evaluate(expressions["surprise"], gift=0.9, expected=0.3)
    assert evaluate(expressions["p_here"], delivered=0.75, surprise=surprise) == pytest.approx(
        repayment_probability(0.75, 0.9 - 0.3), rel=1e-9)
    assert evaluate(expressions["p_fresh"], delivered=0.75, gift=0.9) == pytest.approx(
        repayment_probability(0.75, 0.9), rel=1e-9)
    # nothing given, nothing expected: the no-gift rate, not the credit of a gift at the norm
    assert evaluate(expressions["p_here"], delivered=0.0, surprise=0.0) == pytest.approx(gifts.DEFAULTS["base_rate"])


@pytest.fixture(scope="module")
def tables():
    return gifts.relevance_tables()


def test_relevance_tables_cover_every_setting_of_the_controls(tables):
    arms, experiments = tables
    settings = {(e["readers"], e["norm"], e["run"]) for e in experiments}
    assert settings == {(n, s, r) for n in gifts.READER_SIZES for s in gifts.NORMS
                        for r in range(1, gifts.RUNS + 1)}
    assert len(arms) == len(experiments) * len(gifts.RELEVANCE)
    for (n, s, r) in settings:
        part = [a for a in arms if (a["readers"], a["norm"], a["run"]) == (n, s, r)]
        assert sum(a["n"] for a in part) == n


@pytest.mark.parametrize("readers, norm, run", [(500, 0.0, 1), (10000, 0.3, 1), (40000, 0.7, 5)])
def test_relevance_tables_are_the_seeded_simulator_and_stats(tables, readers, norm, run):
    arms, experiments = tables
    frame = simulate_content_signups(readers, surprise=norm, seed=gifts.SEED + run)
    part = [a for a in arms if (a["readers"], a["norm"], a["run"]) == (readers, norm, run)]
    counts = []
    for arm in part:
        chosen = frame[frame["relevance"] == arm["relevance"]]
        assert (arm["n"], arm["k"]) == (len(chosen), int(chosen["signed_up"].sum()))
        assert (arm["low"], arm["high"]) == stats.proportion_ci(arm["k"], arm["n"])
        counts.append((arm["n"], arm["k"]))
    summary = next(e for e in experiments if (e["readers"], e["norm"], e["run"]) == (readers, norm, run))
    result = stats.compare_proportions(counts[0][1], counts[0][0], counts[-1][1], counts[-1][0])
    assert summary["diff"] == result.difference and (summary["diff_low"], summary["diff_high"]) == result.ci


def test_model_rates_are_what_a_very_large_experiment_finds():
    frame = simulate_content_signups(400_000, surprise=0.3, seed=11)
    observed = frame.groupby("relevance")["signed_up"].mean().to_numpy()
    assert np.allclose(gifts.expected_signup_rates(0.3), observed, atol=0.003)
    # relevance 0 is worth nothing: the base rate exactly
    assert gifts.expected_signup_rates(0.7)[0] == pytest.approx(0.02)


def test_relevance_spec_embeds_the_grid_once_and_stays_small():
    import json
    spec = gifts.relevance_explorer().spec()
    assert len(json.dumps(spec)) < 100_000
    grid = content_signup_grid(gifts.READER_SIZES, surprises=list(gifts.NORMS), runs=gifts.RUNS, seed=gifts.SEED)
    assert len(grid) == len(gifts.READER_SIZES) * len(gifts.NORMS) * gifts.RUNS * len(gifts.RELEVANCE)


@pytest.mark.parametrize("builder, cases", [
    (deliberation.deliberation_explorer, deliberation._cases),
    (gifts.expected_gift_explorer, gifts._expected_cases),
    (gifts.relevance_explorer, gifts._relevance_cases),
    (gifts.surprise_value_explorer, gifts._surprise_cases),
])
def test_readouts_present_the_model_as_an_assumption_not_a_finding(builder, cases):
    """A model calibrated to a claim cannot confirm it: the text under each chart says so."""
    import json
    spec = json.dumps(builder().spec())
    assert "assum" in spec.lower() or "Simulated" in spec
    for case in cases():
        lines = case.expect
        assert any("assum" in line.lower() for line in lines), lines
        assert not any(claim in line for line in lines for claim in ("A real favour", "no favour"))
        assert all(len(line) <= 45 for line in lines), [line for line in lines if len(line) > 45]
