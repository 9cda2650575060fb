"""Explorer for the methods primer: sample size and power for two rates."""
from __future__ import annotations

import altair as alt

from ..plots import PALETTE
from ..stats import sample_size
from . import expr
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: The practitioner's cold e-mail test had this many e-mails per arm (chapter 9).
SMALL_TEST = 50
#: Users per arm on the power curve's axis (log scale). Every setting of the
#: sliders needs between 3 and about 89,000 users per arm, so its dot is on the chart.
N_RANGE = (1, 100_000)
ALPHAS = [0.1, 0.05, 0.01]


def power_at(n: int, p_control: float, p_treatment: float, alpha: float = 0.05) -> float:
    """Power of a two-sided test with ``n`` users per arm (statsmodels' NormalIndPower)."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    effect = abs(proportion_effectsize(p_treatment, p_control))
    return float(NormalIndPower().power(effect, nobs1=n, alpha=alpha, ratio=1.0))


def sample_size_exact(prefix: str, p_control: str, p_treatment: str, power: str,
                      alpha: str, iterations: int = 4) -> list[alt.Parameter]:
    """``prefix_h``, ``prefix_crit`` and ``prefix_n``: users per arm, both tails counted.

    :func:`reciprocity.explorers.expr.sample_size` ignores the chance of a
    significant result in the wrong direction; for small effects and low
    power that puts it a few users above :func:`reciprocity.stats.sample_size`.
    Here the far tail is added back by fixed-point iteration on
    ``power = Phi(h sqrt(n/2) - z) + Phi(-h sqrt(n/2) - z)``, which
    statsmodels solves numerically; four steps agree with it to the user
    over the explorer's whole grid (tests/analyses/test_ggl.py checks a sample).
    ``prefix_n`` is 0 when the rates are equal.
    """
    h, crit = f"{prefix}_h", f"{prefix}_crit"
    params = [
        expr.signal(h, f"abs(2 * asin(sqrt({p_treatment})) - 2 * asin(sqrt({p_control})))"),
        expr.signal(crit, f"quantileNormal(1 - ({alpha}) / 2)"),
        expr.signal(f"{prefix}_n0", f"{h} > 0 ? 2 * pow(({crit} + quantileNormal({power})) / {h}, 2) : 0"),
    ]
    for i in range(1, iterations + 1):
        previous = f"{prefix}_n{i - 1}"
        params.append(expr.signal(
            f"{prefix}_n{i}",
            f"{h} > 0 ? 2 * pow(({crit} + quantileNormal(({power}) - cumulativeNormal("
            f"-{h} * sqrt({previous} / 2) - {crit}))) / {h}, 2) : 0"))
    params.append(expr.signal(f"{prefix}_n", f"{h} > 0 ? ceil({prefix}_n{iterations} - 1e-9) : 0"))
    return params


def _cases() -> list[Case]:
    cases = []
    for base, treat, power, alpha in [(0.06, 0.12, 0.8, 0.05), (0.06, 0.26, 0.8, 0.05),
                                      (0.01, 0.6, 0.95, 0.01), (0.5, 0.55, 0.5, 0.1),
                                      (0.3, 0.2, 0.9, 0.05), (0.5, 0.51, 0.95, 0.01)]:
        n = sample_size(base, treat, power=power, alpha=alpha)
        small = power_at(SMALL_TEST, base, treat, alpha)
        # the sliders are in percent, as the readout is
        settings = {"baseline": round(base * 100), "treatment": round(treat * 100),
                    "power": round(power * 100), "alpha": alpha}
        cases.append(Case(settings,
                          [f"Detect {base:.0%} → {treat:.0%} with {power:.0%} power",
                           f"at a {alpha:.0%} significance level (two-sided):",
                           f"needs {n:,} users per arm ({2 * n:,} in all)",
                           f"With {SMALL_TEST} per arm, power is {small:.0%}.",
                           f"baseline: {base:.0%}", f"power: {power:.0%}"]))
    cases.append(Case({"baseline": 20, "treatment": 20},
                      ["The two rates are equal: no sample", "can detect a zero difference."]))
    return cases


@register(cases=_cases)
def power_calculator() -> Explorer:
    """Users per arm needed to detect a change in a rate, and the power curve.

    Sliders set the control and treatment rates and the power wanted, in
    percent; a choice sets the significance level. The users per arm come from the
    closed-form sample size on Cohen's arcsine effect size
    (:func:`reciprocity.explorers.expr.sample_size`, matching
    :func:`reciprocity.stats.sample_size`), and the curve is the normal
    power function of :class:`statsmodels.stats.power.NormalIndPower`,
    both evaluated in the browser.
    """
    def slider(name, value, low, high, step, label):
        return alt.param(name=name, value=value, bind=alt.binding_range(
            min=low, max=high, step=step, name=label))

    # percent sliders, as the readout speaks in percent; the formulas take proportions
    controls = [
        slider("baseline", 6, 1, 50, 1, "Control rate (%) "),
        slider("treatment", 12, 1, 60, 1, "Treatment rate (%) "),
        slider("power", 80, 50, 95, 5, "Power wanted (%) "),
        alt.param(name="alpha", value=0.05, bind=alt.binding_radio(
            options=ALPHAS, labels=["10%", "5%", "1%"], name="Significance level ")),
    ]
    low, high = N_RANGE
    derived = [
        expr.signal("p_base", "baseline / 100"),
        expr.signal("p_treat", "treatment / 100"),
        expr.signal("p_power", "power / 100"),
        *sample_size_exact("plan", "p_base", "p_treat", power="p_power", alpha="alpha"),
        expr.signal("crit", "plan_crit"),
        expr.signal("small_power", f"cumulativeNormal(plan_h * sqrt({SMALL_TEST} / 2) - crit)"
                                   f" + cumulativeNormal(-plan_h * sqrt({SMALL_TEST} / 2) - crit)"),
        expr.signal("marker_n", f"clamp(plan_n, {low}, {high})"),
        value_text("baseline", "baseline + '%'"),
        value_text("treatment", "treatment + '%'"),
        value_text("power", "power + '%'"),
    ]
    pct = "({} + '%')"
    # log10 of users per arm, in steps of 0.05: the curve's points, generated in the browser
    curve = alt.Chart(alt.SequenceGenerator(sequence=alt.SequenceParams(
        start=0, stop=5.0001, step=0.05, **{"as": "log_n"}))).transform_calculate(
        n="pow(10, datum.log_n)",
        power_n="cumulativeNormal(plan_h * sqrt(datum.n / 2) - crit)"
                " + cumulativeNormal(-plan_h * sqrt(datum.n / 2) - crit)",
    )
    x = alt.X("n:Q", title="users per arm (log scale)",
              scale=alt.Scale(type="log", domain=list(N_RANGE)),
              axis=alt.Axis(values=[1, 10, 100, 1000, 10_000, 100_000], format="~s"))
    y_scale = alt.Scale(domain=[0, 1])
    line = curve.mark_line(color=PALETTE[0], strokeWidth=2, aria=False).encode(
        x=x, y=alt.Y("power_n:Q", title="power", scale=y_scale, axis=alt.Axis(format="%")))
    target = alt.Chart(alt.Data(values=[{}])).transform_calculate(power_n="p_power").mark_rule(
        color=PALETTE[7], strokeDash=[4, 3], aria=False).encode(y=alt.Y("power_n:Q", scale=y_scale))
    marker = alt.Chart(alt.Data(values=[{}])).transform_calculate(
        n="marker_n", power_n="p_power",
        label="plan_n > 0 ? format(plan_n, ',') + ' users per arm reach ' + power"
              " + '% power' : 'No sample detects equal rates'",
    ).transform_filter("plan_n > 0").mark_point(
        filled=True, size=90, color=PALETTE[3]).encode(x=x, y=alt.Y("power_n:Q", scale=y_scale),
                                                       description="label:N")
    plot = (line + target + marker).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title(alt.ExprRef(f"'Power to detect ' + {pct.format('baseline')} + ' → ' + "
                                    f"{pct.format('treatment')}"),
                        subtitle="dashed line: power wanted; dot: users needed"))
    text = readout([
        f"'Detect ' + {pct.format('baseline')} + ' → ' + {pct.format('treatment')} + ' with '"
        f" + {pct.format('power')} + ' power'",
        "plan_n > 0 ? 'at a ' + format(alpha, '.0%') + ' significance level (two-sided):'"
        " : 'The two rates are equal: no sample'",
        "plan_n > 0 ? 'needs ' + format(plan_n, ',') + ' users per arm (' + format(2 * plan_n, ',')"
        " + ' in all)' : 'can detect a zero difference.'",
        f"plan_n > 0 ? 'With {SMALL_TEST} per arm, power is ' + format(small_power, '.0%') + '.' : ''",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "power_calculator", "Sample size and power for two rates")
