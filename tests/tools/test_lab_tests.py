"""The labs' test cells are generated from tools/lab_spec.py, and the tolerances admit every accepted method."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from tests.support.common import ROOT
from tools import lab_cells, lab_spec, lab_tests

LABS = list(lab_tests.LABS)


def _tests(lab: str, folder: str = "solutions"):
    nb = nbformat.read(ROOT / folder / lab / f"{lab}.ipynb", as_version=4)
    return nb, [c for c in nb.cells if c.cell_type == "code" and lab_tests._is_test(c)]


def test_committed_test_cells_match_the_spec_and_pass_on_the_solutions():
    result = subprocess.run([sys.executable, "-m", "tools.lab_tests", "--check"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_notices_a_test_cell_edited_by_hand():
    nb, tests = _tests("trials")
    tests[0].source = tests[0].source.replace("assert", "assert True or", 1)
    cells = lab_spec.SPECS["trials"](lab_tests.solution_namespace(nb))
    assert tests[0].id in lab_tests.apply(nb, cells)
    assert lab_tests.apply(nb, cells) == []  # once rewritten, nothing differs


@pytest.mark.parametrize("lab", LABS)
def test_every_test_cell_follows_the_one_template(lab):
    _, tests = _tests(lab)
    assert len(tests) >= 8
    for cell in tests:
        assert cell.source.startswith(lab_cells.PREAMBLE + "\n# "), cell.id
        assert cell.source.count("_f = (0.0).__class__") == 1, cell.id
        hidden = cell.source.split(lab_cells.BEGIN_HIDDEN)
        if len(hidden) == 2:
            assert hidden[1].rstrip().endswith(lab_cells.END_HIDDEN), cell.id


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_labs_show_no_raw_reprs_and_say_percentage_points(lab, folder):
    nb = nbformat.read(ROOT / folder / lab / f"{lab}.ipynb", as_version=4)
    for cell in nb.cells:
        for bad in ("np.float64(", "np.int64(", "% points", "%-points"):
            assert bad not in cell.source, f"{folder}/{lab}: {cell.get('id')} contains {bad!r}"


def test_sample_size_tolerance_spans_the_accepted_methods_only():
    for case in [(0.06, 0.12), (0.06, 0.26), (0.1, 0.15, 0.8, 0.05), (0.2, 0.3, 0.9, 0.05),
                 (0.05, 0.04, 0.8, 0.01)]:
        low, high = lab_spec.sample_size_range(*case)
        for name, n in lab_spec.sample_size_methods(*case).items():
            assert low <= n <= high and low <= round(n + 0.5) <= high, (case, name)
    low, high = lab_spec.sample_size_range(0.06, 0.12)
    one_sided = lab_spec.sample_size_methods(0.06, 0.12, alpha=0.10)["cohen_h"]
    with_continuity = lab_spec.sample_size_methods(0.06, 0.12)["pooled"] + 2 / 0.06
    assert not low <= one_sided <= high and not low <= with_continuity <= high


@pytest.mark.parametrize("p2", [0.12, 0.26])
def test_power_tolerance_admits_every_method_and_a_seeded_simulation(p2):
    import numpy as np
    from scipy import stats

    low, high = lab_spec.power_range(0.06, p2)
    methods = lab_spec.power_methods(0.06, p2)
    assert {"cohen_h", "unpooled", "pooled", "exact_pooled_z", "exact_unpooled_z"} <= set(methods)
    assert all(low <= v <= high for v in methods.values()), methods
    z = stats.norm.ppf(0.975)
    for seed in range(5):  # simulations of the pooled z-test with the fewest draws accepted
        rng = np.random.default_rng(seed)
        k1, k2 = rng.binomial(50, 0.06, lab_spec.SIM_DRAWS), rng.binomial(50, p2, lab_spec.SIM_DRAWS)
        pooled = (k1 + k2) / 100
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.nan_to_num(np.abs(k2 - k1) / 50 / np.sqrt(2 * pooled * (1 - pooled) / 50))
        assert low <= float(np.mean(stat > z)) <= high, seed
    # one-sided power (alpha = 0.10 two-sided is the same test) is not an accepted answer
    one_sided = lab_spec.power_methods(0.06, p2, alpha=0.10)["cohen_h"]
    assert not low <= one_sided <= high


def test_permutation_tolerance_admits_seeded_runs_and_rejects_one_sided():
    import numpy as np
    from scipy import stats

    low, high = lab_spec.permutation_range(13, 50, 3, 50)
    exact = lab_spec.permutation_methods(13, 50, 3, 50)
    assert exact["twice_smaller_tail"] == pytest.approx(exact["fisher"])
    x, y = np.repeat([1.0, 0.0], [13, 37]), np.repeat([1.0, 0.0], [3, 47])
    for seed in range(5):
        p = stats.permutation_test((x, y), lambda a, b, axis: a.mean(axis) - b.mean(axis),
                                   vectorized=True, n_resamples=lab_spec.PERM_DRAWS,
                                   random_state=np.random.default_rng(seed)).pvalue
        assert low <= p <= high, (seed, p)
    assert not low <= exact["fisher"] / 2 <= high
