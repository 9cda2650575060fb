"""Tolerances of answers that depend on a student's free choice, proven by sweeping seeds.

A permutation p-value or a simulated power depends on the student's seed and
number of draws. ``tools/lab_spec.py`` derives each accepted range from every
accepted method's own sampling distribution; here each method is run with
1,000 seeds at the fewest draws the question accepts, exactly as a student's
code would draw (vectorised: a shuffle of 0/1 outcomes between two groups
puts a hypergeometric number of successes in the first group), and at least
99.9% of the runs must land in the range the hidden test accepts. Typical
wrong answers (a one-sided p, the wrong tail, one minus p, power for the
wrong sample size or a one-sided test) must fall outside it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import lab_spec  # noqa: E402
import lab_tests  # noqa: E402

SEEDS = 1_000
ACCEPTANCE = 0.999


@pytest.fixture(scope="module")
def sampled_answers() -> list[tuple[str, str, str, tuple, tuple, int]]:
    """(lab, grade_id, kind, inputs, (low, high), draws) of every free-choice answer in the labs."""
    found = []
    for lab in lab_tests.LABS:
        nb = nbformat.read(lab_tests.notebook_path(lab), as_version=4)
        for cell in lab_spec.SPECS[lab](lab_tests.solution_namespace(nb)):
            found += [(lab, cell.grade_id, kind, inputs, bounds, draws)
                      for kind, inputs, bounds, draws in cell.sampled]
    return found


def test_every_lab_has_its_free_choice_answers_listed(sampled_answers):
    kinds = {(lab, kind) for lab, _, kind, _, _, _ in sampled_answers}
    assert {(lab, "permutation") for lab in lab_tests.LABS} <= kinds
    assert ("outreach", "power") in kinds


# --- the methods a student may use, each drawn as the student's code would draw


def permutation_runs(k1: int, n1: int, k2: int, n2: int, draws: int, seed: int) -> dict[str, float]:
    """p-values of one seeded run of ``draws`` shuffles, by each Monte Carlo rule."""
    shuffled = np.random.default_rng(seed).hypergeometric(k1 + k2, n1 + n2 - k1 - k2, n1, size=draws)
    diffs = shuffled / n1 - (k1 + k2 - shuffled) / n2
    observed = k1 / n1 - k2 / n2
    eps = 1e-12
    # scipy.stats.permutation_test, two-sided: twice the smaller one-sided p, each (count + 1) / (draws + 1)
    less = (np.count_nonzero(diffs <= observed + eps) + 1) / (draws + 1)
    greater = (np.count_nonzero(diffs >= observed - eps) + 1) / (draws + 1)
    far = (np.count_nonzero(np.abs(diffs) >= abs(observed) - eps) + 1) / (draws + 1)
    return {"twice_smaller_tail": min(1.0, 2 * min(less, greater)), "as_far_from_zero": far}


def power_runs(p1: float, p2: float, draws: int, seed: int, n: int = 50) -> dict[str, float]:
    """Power of the two-sided z-test from one seeded simulation of ``draws`` experiments."""
    rng = np.random.default_rng(seed)
    k1, k2 = rng.binomial(n, p1, draws), rng.binomial(n, p2, draws)
    r1, r2 = k1 / n, k2 / n
    pooled = (k1 + k2) / (2 * n)
    z = stats.norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_pooled = np.abs(r2 - r1) / np.sqrt(2 * pooled * (1 - pooled) / n)
        z_unpooled = np.abs(r2 - r1) / np.sqrt((r1 * (1 - r1) + r2 * (1 - r2)) / n)
    return {"simulated_pooled_z": float(np.mean(np.nan_to_num(z_pooled) > z)),
            "simulated_unpooled_z": float(np.mean(np.nan_to_num(z_unpooled) > z))}


def acceptance(kind: str, inputs: tuple, bounds: tuple, draws: int) -> dict[str, float]:
    """Share of SEEDS seeded runs of ``draws`` draws, per method, that the hidden test accepts."""
    low, high = bounds
    hits: dict[str, int] = {}
    for seed in range(SEEDS):
        runs = (permutation_runs(*inputs, draws=draws, seed=seed) if kind == "permutation"
                else power_runs(*inputs, draws=draws, seed=seed))
        for method, value in runs.items():
            hits[method] = hits.get(method, 0) + (low <= value <= high)
    return {method: count / SEEDS for method, count in hits.items()}


def test_seeded_runs_of_every_accepted_method_are_accepted(sampled_answers):
    report, failing = {}, {}
    for lab, grade_id, kind, inputs, bounds, draws in sampled_answers:
        shares = acceptance(kind, inputs, bounds, draws)
        report[f"{lab}/{grade_id}{inputs}"] = shares
        failing.update({f"{lab}/{grade_id}{inputs} {m}": s for m, s in shares.items() if s < ACCEPTANCE})
    assert failing == {}, f"acceptance below {ACCEPTANCE:.1%}: {failing}; all: {report}"


def test_exact_methods_lie_inside_every_range(sampled_answers):
    for lab, grade_id, kind, inputs, (low, high), _ in sampled_answers:
        exact = (lab_spec.permutation_methods(*inputs) if kind == "permutation"
                 else lab_spec.power_methods(*inputs))
        assert all(low <= v <= high for v in exact.values()), (lab, grade_id, exact, low, high)


def test_scipy_permutation_test_agrees_with_the_vectorised_runs():
    """The sweep's draws are scipy's algorithm: same rule, same range of p-values."""
    k1, n1, k2, n2 = 13, 50, 3, 50
    low, high = lab_spec.permutation_range(k1, n1, k2, n2)
    x, y = np.repeat([1.0, 0.0], [k1, n1 - k1]), np.repeat([1.0, 0.0], [k2, n2 - k2])
    scipy_p = [stats.permutation_test((x, y), lambda a, b, axis: a.mean(axis) - b.mean(axis),
                                      vectorized=True, n_resamples=lab_spec.PERM_DRAWS,
                                      random_state=np.random.default_rng(seed)).pvalue
               for seed in range(20)]
    ours = [permutation_runs(k1, n1, k2, n2, lab_spec.PERM_DRAWS, seed)["twice_smaller_tail"]
            for seed in range(200)]
    assert all(low <= p <= high for p in scipy_p)
    exact = lab_spec.permutation_methods(k1, n1, k2, n2)["twice_smaller_tail"]
    se = lab_spec.permutation_standard_errors(k1, n1, k2, n2)["twice_smaller_tail"]
    # both centre on the exact p, with the derived spread (a loose check: 20 and 200 runs)
    assert abs(np.mean(scipy_p) - exact) < 4 * se / np.sqrt(20) + 1 / lab_spec.PERM_DRAWS
    assert abs(np.mean(ours) - exact) < 4 * se / np.sqrt(200) + 1 / lab_spec.PERM_DRAWS
    assert 0.6 < np.std(ours) / se < 1.4


# --- the tests still discriminate


def wrong_answers(kind: str, inputs: tuple) -> dict[str, float]:
    """Typical wrong answers to a question, computed exactly."""
    if kind == "permutation":
        k1, n1, k2, n2 = inputs
        dist = stats.hypergeom(n1 + n2, k1 + k2, n1)
        tails = sorted([float(dist.cdf(k1)), float(dist.sf(k1 - 1))])
        exact = lab_spec.permutation_methods(*inputs)["twice_smaller_tail"]
        return {"one-sided p": tails[0], "the other tail": tails[1], "one minus p": 1 - exact}
    p1, p2 = inputs
    return {"one-sided power": lab_spec.power_methods(p1, p2, alpha=0.10)["cohen_h"],
            "both arms counted as one (n = 100)": lab_spec.power_methods(p1, p2, n=100)["cohen_h"],
            "total split wrongly (n = 25)": lab_spec.power_methods(p1, p2, n=25)["cohen_h"]}


def test_typical_wrong_answers_are_rejected(sampled_answers):
    outcomes = {}
    for lab, grade_id, kind, inputs, (low, high), _ in sampled_answers:
        for name, value in wrong_answers(kind, inputs).items():
            outcomes[f"{lab}/{grade_id}{inputs}: {name} = {value:.4f}"] = not low <= value <= high
    score = sum(outcomes.values()) / len(outcomes)
    accepted = [k for k, rejected in outcomes.items() if not rejected]
    assert score >= 0.9, f"mutation score {score:.2f}; wrong answers accepted: {accepted}"
    # a one-sided p is the commonest slip: it must never pass
    assert not [k for k in accepted if "one-sided" in k], accepted
