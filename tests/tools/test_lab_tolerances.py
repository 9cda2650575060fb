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

import numpy as np
import pytest
from scipy import stats

from tools import lab_spec, lab_tests, lab_tolerances
from tools.lab_tolerances import ACCEPTANCE, MUTATION_SCORE, acceptance, permutation_runs, wrong_answers


@pytest.fixture(scope="module")
def sampled_answers():
    return lab_tolerances.sampled_answers()


def test_every_lab_has_its_free_choice_answers_listed(sampled_answers):
    kinds = {(lab, kind) for lab, _, kind, _, _, _ in sampled_answers}
    assert {(lab, "permutation") for lab in lab_tests.LABS} <= kinds
    assert ("outreach", "power") in kinds


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


def test_typical_wrong_answers_are_rejected(sampled_answers):
    outcomes = {}
    for lab, grade_id, kind, inputs, (low, high), _ in sampled_answers:
        for name, value in wrong_answers(kind, inputs).items():
            outcomes[f"{lab}/{grade_id}{inputs}: {name} = {value:.4f}"] = not low <= value <= high
    score = sum(outcomes.values()) / len(outcomes)
    accepted = [k for k, rejected in outcomes.items() if not rejected]
    assert score >= MUTATION_SCORE, f"mutation score {score:.2f}; wrong answers accepted: {accepted}"
    # a one-sided p is the commonest slip: it must never pass
    assert not [k for k in accepted if "one-sided" in k], accepted
