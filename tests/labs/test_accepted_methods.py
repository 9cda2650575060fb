"""Every accepted method earns the points, end to end (slow).

Lab 1 asks for sample sizes, the power of a 50-per-arm test and a
permutation p-value, questions with more than one valid method. One course
directory holds the outreach lab; each student below is the model solution
with those answer cells rewritten to use one method, and all of them are
graded in one batch with ``reciprocity.grading``. A student using an accepted
method gets full marks on those test cells (and so on the whole lab); a
student who answers with one-sided calculations gets 0 on each of them.
The accepted methods and their tolerances are in ``tools/lab_spec.py``.
"""
from __future__ import annotations

import nbformat
import pytest

from reciprocity import grading
from tests.support.common import release_lab

pytestmark = pytest.mark.slow

LAB = "outreach"
CELLS = ["test_n_per_arm_visible", "test_n_per_arm_hidden", "test_sample_sizes", "test_power_50",
         "test_permutation"]

SAMPLE_SIZES = """
n_6_12 = n_per_arm(0.06, 0.12)
n_6_26 = n_per_arm(0.06, 0.26)
power_50_12 = power_z(0.06, 0.12)
power_50_26 = power_z(0.06, 0.26)
"""

N_UNPOOLED = """
def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    var = p_control * (1 - p_control) + p_treatment * (1 - p_treatment)
    return int(math.ceil(z ** 2 * var / (p_treatment - p_control) ** 2))
"""

N_POOLED = """
def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):
    pbar = (p_control + p_treatment) / 2
    var = p_control * (1 - p_control) + p_treatment * (1 - p_treatment)
    top = (stats.norm.ppf(1 - alpha / 2) * math.sqrt(2 * pbar * (1 - pbar))
           + stats.norm.ppf(power) * math.sqrt(var))
    return int(math.ceil(top ** 2 / (p_treatment - p_control) ** 2))
"""

N_ONE_SIDED = """
def n_per_arm(p_control, p_treatment, power=0.8, alpha=0.05):
    effect = abs(proportion_effectsize(p_treatment, p_control))
    return int(math.ceil(NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power,
                                                      alternative="larger")))
"""

POWER = {
    "unpooled": """
def power_z(p1, p2, n=50, alpha=0.05):
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    z = stats.norm.ppf(1 - alpha / 2)
    return stats.norm.cdf(abs(p2 - p1) / se - z) + stats.norm.cdf(-abs(p2 - p1) / se - z)
""",
    "pooled": """
from statsmodels.stats.proportion import power_proportions_2indep

def power_z(p1, p2, n=50, alpha=0.05):
    return power_proportions_2indep(p2 - p1, p1, n, alpha=alpha).power
""",
    "exact": """
def power_z(p1, p2, n=50, alpha=0.05):
    k = np.arange(n + 1)
    k1, k2 = np.meshgrid(k, k, indexing="ij")
    pooled = (k1 + k2) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(k2 - k1) / n / np.sqrt(2 * pooled * (1 - pooled) / n)
    reject = np.nan_to_num(z) > stats.norm.ppf(1 - alpha / 2)
    weight = np.outer(stats.binom.pmf(k, n, p1), stats.binom.pmf(k, n, p2))
    return float(weight[reject].sum())
""",
    "simulation": """
def power_z(p1, p2, n=50, alpha=0.05, draws=10_000, seed=12):
    rng = np.random.default_rng(seed)
    k1, k2 = rng.binomial(n, p1, draws), rng.binomial(n, p2, draws)
    pooled = (k1 + k2) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(k2 - k1) / n / np.sqrt(2 * pooled * (1 - pooled) / n)
    return float(np.mean(np.nan_to_num(z) > stats.norm.ppf(1 - alpha / 2)))
""",
    "one_sided": """
def power_z(p1, p2, n=50, alpha=0.05):
    h = abs(proportion_effectsize(p2, p1))
    return NormalIndPower().power(h, nobs1=n, alpha=alpha, alternative="larger")
""",
}

PERMUTATION = {
    "loop": """
rng = np.random.default_rng(31)
outcomes = np.repeat([1.0, 0.0], [16, 84])
observed = 13 / 50 - 3 / 50
hits = 0
for _ in range(100_000):
    rng.shuffle(outcomes)
    hits += abs(outcomes[:50].mean() - outcomes[50:].mean()) >= observed - 1e-12
perm_p = (hits + 1) / (100_000 + 1)
""",
    "scipy": """
x = np.repeat([1.0, 0.0], [13, 37])
y = np.repeat([1.0, 0.0], [3, 47])
perm_p = stats.permutation_test((x, y), lambda a, b, axis: a.mean(axis) - b.mean(axis),
                                vectorized=True, n_resamples=100_000,
                                random_state=np.random.default_rng(99)).pvalue
""",
    "exact": """
# every split of the 16 replies is equally likely under the null: the hypergeometric law
null = stats.hypergeom(100, 16, 50)
perm_p = min(1.0, 2 * null.sf(13 - 1))
""",
    "one_sided": """
x = np.repeat([1.0, 0.0], [13, 37])
y = np.repeat([1.0, 0.0], [3, 47])
perm_p = stats.permutation_test((x, y), lambda a, b, axis: a.mean(axis) - b.mean(axis),
                                vectorized=True, alternative="greater",
                                random_state=np.random.default_rng(5)).pvalue
""",
}

# student -> (sample-size function, power method, permutation method)
STUDENTS = {
    "unpooled": (N_UNPOOLED, "unpooled", "loop"),
    "pooled": (N_POOLED, "pooled", "scipy"),
    "exact": (N_UNPOOLED, "exact", "exact"),
    "simulation": (N_POOLED, "simulation", "scipy"),
    "wrong": (N_ONE_SIDED, "one_sided", "one_sided"),
}


def _submission(source, n_code: str, power: str, perm: str):
    nb = nbformat.from_dict(source)
    cells = {c.get("id"): c for c in nb.cells}
    cells["n_per_arm_answer"].source = n_code
    cells["sample_size_answer"].source = POWER[power] + SAMPLE_SIZES
    cells["perm_answer"].source = PERMUTATION[perm]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("methods")
    release_lab(root, LAB)
    source = nbformat.read(root / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    for name, (n_code, power, perm) in STUDENTS.items():
        folder = root / "submitted" / name / LAB
        folder.mkdir(parents=True)
        nbformat.write(_submission(source, n_code, power, perm), folder / f"{LAB}.ipynb")
    results = grading.grade_lab(LAB, root, timeout=60, students=sorted(STUDENTS),
                                student_timeout=600, echo=lambda *a: None)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        cells = {s: {c: (gb.find_grade(c, LAB, LAB, s).score, gb.find_grade(c, LAB, LAB, s).max_score)
                     for c in CELLS} for s in STUDENTS}
    total = sum(c.metadata["nbgrader"].get("points", 0) for c in source.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))
    return {r.student: r for r in results}, cells, total


@pytest.mark.parametrize("student", [s for s in STUDENTS if s != "wrong"])
def test_every_accepted_method_earns_full_marks(graded, student):
    results, cells, total = graded
    res = results[student]
    assert res.status == "graded", f"{student}: {res.note}\n{res.log[-2000:]}"
    lost = {c: s for c, s in cells[student].items() if s[0] != s[1]}
    assert lost == {}, f"{student} ({STUDENTS[student][1:]}) lost points on {lost}"
    assert res.score == pytest.approx(total)


def test_one_sided_answers_earn_nothing_on_those_questions(graded):
    results, cells, total = graded
    assert results["wrong"].status == "graded"
    assert all(score == 0 for score, _ in cells["wrong"].values()), cells["wrong"]
    lost = sum(max_score for _, max_score in cells["wrong"].values())
    assert results["wrong"].score == pytest.approx(total - lost)
