"""The GGL voting experiment: the constants and tables the course takes from it.

Gerber, Green & Larimer (2008) mailed Michigan households one of four
letters before the August 2006 primary, each adding a layer of social
pressure, and left a control group without a letter. Chapters 2, 6, 10 and
11, the methods primer and the explorers all quote the same arm sizes,
turnout rates and arm comparisons; they are computed here, once, from the
shipped ``ggl2008`` dataset (one row per registered voter).

Examples
--------
>>> from reciprocity.analyses import ggl
>>> int(ggl.arm_counts().loc["Control", "n"])
191243
>>> round(ggl.compare_arms("Control", "Neighbors").difference, 4)
0.0813
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .. import data, stats
from ..plots import PALETTE

__all__ = ["GGL_ARMS", "LETTERS", "PRIMARIES", "ARM_COLOURS", "LADDER_STEPS", "load",
           "arm_counts", "arm_turnout", "compare_arms", "compare_with_control",
           "turnout_counts", "voter_groups", "ladder_table", "REPORTED_HOUSEHOLDS",
           "household_counts", "MailingYield", "mailing_yield", "lift_by_history",
           "cluster_inflation_bound", "widen_for_clustering", "ladder_clustering_check",
           "history_scales", "HistoryInteraction", "history_interaction"]

#: The five arms, from the least to the most social pressure.
GGL_ARMS = ["Control", "Civic Duty", "Hawthorne", "Self", "Neighbors"]
#: The four letters (every arm but the control).
LETTERS = GGL_ARMS[1:]
#: Earlier primaries in the voter file (1 = voted), used for voting-history slices.
PRIMARIES = ["p2000", "p2002", "p2004"]
#: One colour per arm, shared by every figure and explorer that shows the arms.
ARM_COLOURS = dict(zip(GGL_ARMS, [PALETTE[7], PALETTE[5], PALETTE[2], PALETTE[1], PALETTE[3]], strict=True))

#: Adjacent steps up the ladder of visibility: (from arm, to arm, what the step adds).
LADDER_STEPS = [
    ("Control", "Civic Duty", "a request, no audience"),
    ("Civic Duty", "Hawthorne", "being watched"),
    ("Hawthorne", "Self", "own record on the table"),
    ("Self", "Neighbors", "record shown to others"),
]

_AGE_BINS = [(18, 34), (35, 49), (50, 64), (65, 200)]

#: Households in the study, as reported: 180,002 in all (Gerber, Green &
#: Larimer 2008; ISPS Data Archive record D001), about 100,000 in the control
#: group and about 20,000 per letter. Letters went to households, not to
#: voters; :func:`household_counts` recovers the same numbers from the file.
REPORTED_HOUSEHOLDS = {"total": 180_002, "per_letter": 20_000}


def load() -> pd.DataFrame:
    """The ``ggl2008`` dataset (checked against its published hash)."""
    return data.load("ggl2008")


def _frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    return load() if frame is None else frame


def arm_counts(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Voters (``n``) and votes (``votes``) per arm, indexed by arm in :data:`GGL_ARMS` order."""
    counts = _frame(frame).groupby("treatment")["voted"].agg(n="size", votes="sum")
    return counts.loc[[arm for arm in GGL_ARMS if arm in counts.index]].astype(int)


def arm_turnout(frame: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Turnout per arm with Wilson intervals (:func:`reciprocity.stats.rate_table`).

    Columns ``treatment``, ``n``, ``successes``, ``rate``, ``ci_low``,
    ``ci_high``; rows in :data:`GGL_ARMS` order.
    """
    return stats.rate_table(_frame(frame), "treatment", "voted", confidence=confidence,
                            order=GGL_ARMS)


def compare_arms(a: str = "Control", b: str = "Neighbors", frame: pd.DataFrame | None = None,
                 confidence: float = 0.95) -> stats.ProportionComparison:
    """Turnout in arm ``b`` minus arm ``a`` (Newcombe interval, z-test and Fisher's test).

    Pass a subset of the voters as ``frame`` to compare the arms within it.
    """
    for arm in (a, b):
        if arm not in GGL_ARMS:
            raise ValueError(f"arm must be one of {GGL_ARMS}, got {arm!r}")
    counts = arm_counts(frame)
    return stats.compare_proportions(int(counts.loc[a, "votes"]), int(counts.loc[a, "n"]),
                                     int(counts.loc[b, "votes"]), int(counts.loc[b, "n"]),
                                     confidence=confidence)


def compare_with_control(frame: pd.DataFrame | None = None,
                         confidence: float = 0.95) -> dict[str, stats.ProportionComparison]:
    """Each letter compared with the control group, by letter name."""
    counts = arm_counts(frame)
    control = int(counts.loc["Control", "votes"]), int(counts.loc["Control", "n"])
    return {arm: stats.compare_proportions(*control, int(counts.loc[arm, "votes"]),
                                           int(counts.loc[arm, "n"]), confidence=confidence)
            for arm in LETTERS}


def turnout_counts(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Voters and votes per arm and number of earlier primaries voted in (0-3).

    Columns ``treatment``, ``primaries_voted``, ``n``, ``votes``: 20 rows that
    hold everything a voting-history slice needs, so an explorer can embed
    them instead of the 344,084-row frame.
    """
    frame = _frame(frame)
    history = frame[PRIMARIES].sum(axis=1).rename("primaries_voted")
    counts = (frame.assign(primaries_voted=history)
              .groupby(["treatment", "primaries_voted"])["voted"].agg(n="size", votes="sum")
              .reset_index())
    counts["treatment"] = pd.Categorical(counts["treatment"], GGL_ARMS, ordered=True)
    counts = counts.sort_values(["treatment", "primaries_voted"]).reset_index(drop=True)
    counts["treatment"] = counts["treatment"].astype(str)
    return counts


def voter_groups(frame: pd.DataFrame | None = None) -> dict[str, pd.Series]:
    """Named boolean masks for the subgroups the course compares (age, household, sex, habit)."""
    frame = _frame(frame)
    history = frame[PRIMARIES].sum(axis=1)
    groups = {"All voters": pd.Series(True, index=frame.index)}
    for lo, hi in _AGE_BINS:
        label = f"Age {lo}+" if hi >= 200 else f"Age {lo}-{hi}"
        groups[label] = frame["age"].between(lo, hi)
    groups["Household of 1"] = frame["hh_size"] == 1
    groups["Household of 2"] = frame["hh_size"] == 2
    groups["Household of 3+"] = frame["hh_size"] >= 3
    groups["Women"] = frame["sex"] == "female"
    groups["Men"] = frame["sex"] == "male"
    for k in range(4):
        groups[f"Voted in {k} of 3 earlier primaries"] = history == k
    return groups


def ladder_table(frame: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Each adjacent step of :data:`LADDER_STEPS`, for every voter group, with a Newcombe interval.

    Columns: ``group``, ``step`` (e.g. "Self → Neighbors"), ``adds``,
    ``n_from``, ``n_to``, ``rate_from``, ``rate_to``, ``difference``,
    ``ci_low``, ``ci_high``, ``fisher_p``. Voters are treated as independent
    although letters went to households, so the intervals are somewhat too narrow.
    """
    frame = _frame(frame)
    rows = []
    for label, mask in voter_groups(frame).items():
        counts = arm_counts(frame.loc[mask])
        for a, b, adds in LADDER_STEPS:
            na, va = int(counts.loc[a, "n"]), int(counts.loc[a, "votes"])
            nb, vb = int(counts.loc[b, "n"]), int(counts.loc[b, "votes"])
            r = stats.compare_proportions(va, na, vb, nb, confidence=confidence)
            rows.append({"group": label, "step": f"{a} → {b}", "adds": adds,
                         "n_from": na, "n_to": nb, "rate_from": r.rate_a, "rate_to": r.rate_b,
                         "difference": r.difference, "ci_low": r.ci[0], "ci_high": r.ci[1],
                         "fisher_p": r.fisher_p_value})
    return pd.DataFrame(rows)


def household_counts(frame: pd.DataFrame | None = None) -> pd.Series:
    """Households (letters mailed) per arm, in :data:`GGL_ARMS` order.

    The file has one row per voter and no household identifier, but every row
    carries ``hh_size``, the number of the household's voters in the study. A
    household of ``k`` voters therefore contributes ``k`` rows of ``1 / k``,
    and the sum of ``1 / hh_size`` over an arm counts its households. On the
    full file this gives 180,002, the total reported for the study
    (:data:`REPORTED_HOUSEHOLDS`).
    """
    frame = _frame(frame)
    households = (1.0 / frame["hh_size"]).groupby(frame["treatment"]).sum().round().astype(int)
    households.name = "households"
    return households.loc[[arm for arm in GGL_ARMS if arm in households.index]]


@dataclass(frozen=True)
class MailingYield:
    """What one letter bought, from :func:`mailing_yield` (``*_range`` from the interval)."""

    letter: str
    voters: int               #: voters in households that were sent the letter
    households: int           #: letters mailed (one per household)
    lift: float               #: turnout difference with the control group (proportion)
    lift_ci: tuple[float, float]
    extra_voters: float       #: lift x voters: votes the letter added
    letters_per_extra_voter: float
    letters_per_extra_voter_range: tuple[float, float]
    voters_per_extra_voter: float


def mailing_yield(letter: str = "Neighbors", frame: pd.DataFrame | None = None,
                  confidence: float = 0.95) -> MailingYield:
    """Extra voters per letter mailed, counting letters by household.

    The lift is a difference in turnout per *voter*, but one letter went to a
    whole household (about 1.9 voters). Letters per extra voter is
    ``households / (lift * voters)``; voters reached per extra voter is
    ``1 / lift``. The range uses the ends of the Newcombe interval for the
    lift (which treats voters as independent, so it is a little narrow).
    """
    frame = _frame(frame)
    result = compare_arms("Control", letter, frame, confidence=confidence)
    voters = int(arm_counts(frame).loc[letter, "n"])
    households = int(household_counts(frame).loc[letter])
    extra = result.difference * voters
    low, high = result.ci
    return MailingYield(
        letter=letter, voters=voters, households=households, lift=result.difference,
        lift_ci=(low, high), extra_voters=extra,
        letters_per_extra_voter=households / extra,
        letters_per_extra_voter_range=(households / (high * voters), households / (low * voters)),
        voters_per_extra_voter=1 / result.difference)


def lift_by_history(letter: str = "Neighbors", frame: pd.DataFrame | None = None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Turnout lift of ``letter`` over the control group for each voting history.

    One row per number of earlier primaries voted in (0 to 3; the file codes
    each of 2000, 2002 and 2004 as 0/1). Columns ``primaries_voted``,
    ``n_control``, ``n_letter``, ``rate_control``, ``rate_letter``,
    ``difference``, ``ci_low``, ``ci_high`` (Newcombe; voters treated as
    independent, so a little narrow).
    """
    if letter not in LETTERS:
        raise ValueError(f"letter must be one of {LETTERS}, got {letter!r}")
    frame = _frame(frame)
    history = frame[PRIMARIES].sum(axis=1)
    rows = []
    for k in range(len(PRIMARIES) + 1):
        part = frame.loc[history == k]
        counts = arm_counts(part)
        r = compare_arms("Control", letter, part, confidence=confidence)
        rows.append({"primaries_voted": k, "n_control": int(counts.loc["Control", "n"]),
                     "n_letter": int(counts.loc[letter, "n"]), "rate_control": r.rate_a,
                     "rate_letter": r.rate_b, "difference": r.difference,
                     "ci_low": r.ci[0], "ci_high": r.ci[1]})
    return pd.DataFrame(rows)


def cluster_inflation_bound(frame: pd.DataFrame | None = None) -> float:
    """Largest factor by which household clustering can widen a turnout interval.

    Letters were randomised by household, and voters in one household tend to
    vote alike, so intervals that treat voters as independent are too narrow.
    Without a household identifier the clustered interval cannot be computed,
    but it can be bounded: if every household voted as one (intra-household
    correlation 1), the variance of an arm's turnout grows by the mean
    household size seen by a voter, ``sum(k**2) / sum(k)``. The standard error
    then grows by the square root of that, the value returned (about 1.48).
    Real households do not vote in perfect unison, so the true factor is smaller.
    """
    sizes = _frame(frame)["hh_size"]
    return float(math.sqrt(sizes.mean()))


def widen_for_clustering(difference: float, ci: tuple[float, float],
                         bound: float) -> tuple[float, float]:
    """An interval widened, on each side, by the clustering bound: the worst case.

    ``bound`` is :func:`cluster_inflation_bound`, the largest factor by which
    household clustering can stretch a standard error. Each side of the
    (possibly lopsided) interval is stretched around ``difference`` by that
    factor, so the result is as wide as a clustered interval could be.
    """
    if bound < 1:
        raise ValueError(f"bound is a factor of at least 1 (clustering only widens), got {bound!r}")
    low, high = ci
    return difference - bound * (difference - low), difference + bound * (high - difference)


def ladder_clustering_check(frame: pd.DataFrame | None = None,
                            confidence: float = 0.95) -> pd.DataFrame:
    """Each step of :data:`LADDER_STEPS` for all voters, as computed and at worst under clustering.

    Columns ``step``, ``adds``, ``difference``, ``ci_low``, ``ci_high`` (Newcombe,
    voters treated as independent), ``worst_low``, ``worst_high`` (the same
    interval widened by :func:`cluster_inflation_bound`) and
    ``clears_zero_at_worst``: whether the step stays above zero even then.
    """
    frame = _frame(frame)
    bound = cluster_inflation_bound(frame)
    rows = []
    for a, b, adds in LADDER_STEPS:
        r = compare_arms(a, b, frame, confidence=confidence)
        worst_low, worst_high = widen_for_clustering(r.difference, r.ci, bound)
        rows.append({"step": f"{a} → {b}", "adds": adds, "difference": r.difference,
                     "ci_low": r.ci[0], "ci_high": r.ci[1], "worst_low": worst_low,
                     "worst_high": worst_high, "clears_zero_at_worst": bool(worst_low > 0)})
    return pd.DataFrame(rows)


def _history(frame: pd.DataFrame) -> pd.Series:
    return frame[PRIMARIES].sum(axis=1).rename("primaries_voted")


def history_scales(letter: str = "Neighbors", frame: pd.DataFrame | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """The letter's effect for each voting history, on three scales.

    Whether a letter "works best" for one kind of voter depends on how the
    effect is measured, because the control group's turnout differs so much
    between histories. One row per number of earlier primaries voted in (0-3):

    - points: ``difference`` (letter minus control), ``diff_low``, ``diff_high`` (Newcombe);
    - relative lift: ``ratio`` (letter / control; the lift is ratio - 1),
      ``ratio_low``, ``ratio_high`` (log-scale Katz interval, :func:`reciprocity.stats.rate_ratio_ci`);
    - odds: ``odds_ratio``, ``or_low``, ``or_high`` (logit, i.e. Woolf, interval from
      statsmodels ``confint_proportions_2indep(compare="odds-ratio")``); the
      log of the odds ratio is the letter's effect in a logit model.

    Also ``n_control``, ``n_letter``, ``rate_control``, ``rate_letter``. Voters
    are treated as independent, so every interval is somewhat too narrow.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    if letter not in LETTERS:
        raise ValueError(f"letter must be one of {LETTERS}, got {letter!r}")
    frame = _frame(frame)
    history = _history(frame)
    rows = []
    for k in range(len(PRIMARIES) + 1):
        counts = arm_counts(frame.loc[history == k])
        vc, nc = int(counts.loc["Control", "votes"]), int(counts.loc["Control", "n"])
        vl, nl = int(counts.loc[letter, "votes"]), int(counts.loc[letter, "n"])
        diff = stats.compare_proportions(vc, nc, vl, nl, confidence=confidence)
        ratio, ratio_low, ratio_high = stats.rate_ratio_ci(vc, nc, vl, nl, confidence=confidence)
        or_low, or_high = confint_proportions_2indep(vl, nl, vc, nc, compare="odds-ratio",
                                                     method="logit", alpha=1 - confidence)
        odds_ratio = (vl / (nl - vl)) / (vc / (nc - vc))
        rows.append({"primaries_voted": k, "n_control": nc, "n_letter": nl,
                     "rate_control": diff.rate_a, "rate_letter": diff.rate_b,
                     "difference": diff.difference, "diff_low": diff.ci[0], "diff_high": diff.ci[1],
                     "ratio": ratio, "ratio_low": ratio_low, "ratio_high": ratio_high,
                     "odds_ratio": odds_ratio, "or_low": float(or_low), "or_high": float(or_high)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class HistoryInteraction:
    """Does the letter's effect differ by voting history? From :func:`history_interaction`."""

    letter: str
    voters: int                  #: control and letter voters in the fit
    logit_lr: float              #: likelihood-ratio statistic, interaction logit vs additive logit
    logit_df: int                #: its degrees of freedom (history groups - 1)
    logit_p: float               #: p-value on the log-odds scale
    logit_effects: pd.Series     #: the letter's log odds ratio per history group, from the model
    points_f: float              #: F statistic of the interaction terms in a linear probability model
    points_p: float              #: p-value on the percentage-point scale (robust HC1 errors)


def history_interaction(letter: str = "Neighbors",
                        frame: pd.DataFrame | None = None) -> HistoryInteraction:
    """Test whether the letter's effect differs between voting histories, on two scales.

    On the log-odds scale: a statsmodels logit of ``voted ~ letter * C(history)``
    (history = earlier primaries voted in, 0-3) on the control and letter
    voters, against the model without the interaction, by a likelihood-ratio
    test. On the percentage-point scale: the same formula as a linear
    probability model (OLS with heteroskedasticity-robust HC1 errors) and an F
    test of its interaction terms. The two tests ask different questions, and
    they need not agree. Voters are treated as independent although letters
    went to households, so both p-values are somewhat too small.
    """
    import statsmodels.formula.api as smf
    from scipy import stats as sps

    if letter not in LETTERS:
        raise ValueError(f"letter must be one of {LETTERS}, got {letter!r}")
    frame = _frame(frame)
    part = frame.loc[frame["treatment"].isin(["Control", letter]), ["treatment", "voted"]]
    part = part.assign(letter=(part["treatment"] == letter).astype(int),
                       history=_history(frame.loc[part.index]))
    full = smf.logit("voted ~ letter * C(history)", part).fit(disp=0)
    additive = smf.logit("voted ~ letter + C(history)", part).fit(disp=0)
    lr = 2 * (full.llf - additive.llf)
    df = int(full.df_model - additive.df_model)
    interactions = [name for name in full.params.index if name.startswith("letter:")]
    effects = pd.Series([full.params["letter"]] + [full.params["letter"] + full.params[name]
                                                  for name in interactions],
                        index=pd.Index(range(len(interactions) + 1), name="primaries_voted"),
                        name="log_odds_ratio")
    linear = smf.ols("voted ~ letter * C(history)", part).fit(cov_type="HC1")
    f_test = linear.f_test(" = 0, ".join(interactions) + " = 0")
    return HistoryInteraction(letter=letter, voters=len(part), logit_lr=float(lr), logit_df=df,
                              logit_p=float(sps.chi2.sf(lr, df)), logit_effects=effects,
                              points_f=float(f_test.fvalue), points_p=float(f_test.pvalue))
