"""Proof of the labs' tolerances for answers that depend on a student's free choice.

``tests/tools/test_lab_tolerances.py`` and ``benchmarks/run.py`` (``tolerances``) use
these: every accepted method is run with ``SEEDS`` seeds at the fewest draws
a question accepts, exactly as a student's code would draw, and typical wrong
answers are computed exactly; see ``tools/lab_spec.py`` for the ranges.
"""
from __future__ import annotations

import nbformat
import numpy as np
from scipy import stats

from tools import lab_spec, lab_tests

SEEDS = 1_000
ACCEPTANCE = 0.999   # goal: share of correct seeded answers accepted
MUTATION_SCORE = 0.9  # goal: share of typical wrong answers rejected


def sampled_answers(labs: tuple[str, ...] = lab_tests.LABS) -> list[tuple[str, str, str, tuple, tuple, int]]:
    """(lab, grade_id, kind, inputs, (low, high), draws) of every free-choice answer in ``labs``."""
    found = []
    for lab in labs:
        nb = nbformat.read(lab_tests.notebook_path(lab), as_version=4)
        for cell in lab_spec.SPECS[lab](lab_tests.solution_namespace(nb)):
            found += [(lab, cell.grade_id, kind, inputs, bounds, draws)
                      for kind, inputs, bounds, draws in cell.sampled]
    return found


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


def acceptance(kind: str, inputs: tuple, bounds: tuple, draws: int, seeds: int = SEEDS) -> dict[str, float]:
    """Share of ``seeds`` seeded runs of ``draws`` draws, per method, that the hidden test accepts."""
    low, high = bounds
    hits: dict[str, int] = {}
    for seed in range(seeds):
        runs = (permutation_runs(*inputs, draws=draws, seed=seed) if kind == "permutation"
                else power_runs(*inputs, draws=draws, seed=seed))
        for method, value in runs.items():
            hits[method] = hits.get(method, 0) + (low <= value <= high)
    return {method: count / seeds for method, count in hits.items()}


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


def summary(answers, seeds: int = SEEDS) -> dict:
    """Acceptance of correct seeded answers (``seeds`` runs per method) and the share of wrong answers rejected."""
    accepted = total = rejected = wrong_total = 0
    for _, _, kind, inputs, (low, high), draws in answers:
        for share in acceptance(kind, inputs, (low, high), draws, seeds).values():
            accepted += share * seeds
            total += seeds
        for value in wrong_answers(kind, inputs).values():
            rejected += not low <= value <= high
            wrong_total += 1
    return {"correct_answer_acceptance": accepted / total,
            "hidden_test_mutation_score": rejected / wrong_total}
