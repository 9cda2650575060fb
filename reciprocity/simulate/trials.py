"""Free-trial policies and onboarding steps: an event log (insight 14; the trials lab).

Two trial policies are compared on new sign-ups, assigned at random:

``A``
    a fixed 30-day trial;
``B``
    a 7-day trial that earns 2 extra days for every onboarding step the user
    completes, up to a cap (14 days by default), shown as a checklist.

The vendor case in the course's source article (a product-management SaaS
that shortened its trial and then rewarded onboarding steps with extra days)
*reported* roughly three times the trial-to-paid conversion.
Yoganarasimhan, Barzegary & Pani (arXiv 2006.13420) randomised trial lengths
(7, 14 or 30 days) at a SaaS firm and *reported* that the 7-day trial gave the
most subscriptions; their trials earned no extra days. No user-level data are
public, so this log is *simulated*. Its defaults are assumptions chosen for
teaching, not benchmarks: roughly 4% conversion under A, and 2-3 times that
under B, set to echo the vendor's report (so the simulation cannot confirm it).

The model
---------
Each user has a latent **motivation** ``m ~ Normal(0, 1)`` that nobody
observes. Onboarding is a funnel of :data:`TRIAL_STEPS`, done in order:

* the user attempts the next step with probability
  ``expit(step_logit + motivation_effect * m + checklist_boost * [policy B])``;
* the time it takes is exponential with mean ``pace * (days left in the
  trial)``, so people spread work over the time they are given (a deadline
  effect); a step that would land after the trial ends, or after the user
  has lost interest (an exponential attention span with mean
  ``attention_days``), is never done;
* under B each completed step extends the trial by ``bonus_days`` (up to
  ``max_days_b``).

The first completed step (a working integration) is the user's **first
value**. At the end of the trial the user pays with probability
``expit(pay_logit + pay_motivation * m + pay_per_step * steps + urgency_b * [B])``.
Payers churn within 30 days of paying with probability
``expit(churn_logit - churn_motivation * m)``. Support tickets arrive as a
Poisson count with mean ``tickets_base + tickets_per_step * steps``.

Because motivation drives both steps and paying, and policy B pushes
*less* motivated users through more steps, the users who completed a given
number of steps differ in motivation between the policies: comparing the
policies *within* levels of steps completed (conditioning on a
post-treatment variable) is biased. Only the comparison by assigned policy
is a fair estimate of B's effect.
"""
from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from scipy.special import expit

from ._common import check_positive_int, check_probability, make_rng

__all__ = ["TRIAL_STEPS", "TRIAL_EVENTS", "simulate_trial_log"]

#: Onboarding steps, in the order the checklist shows them.
TRIAL_STEPS: tuple[str, ...] = ("integration", "mockup", "invite", "roadmap")

#: Event names that can appear in the log.
TRIAL_EVENTS: tuple[str, ...] = (
    "signed_up", "step_completed", "first_value", "trial_ended", "paid", "churned",
    "support_ticket",
)


def _check_real(name: str, value, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= value <= high:
        raise ValueError(f"{name} must be a number between {low:g} and {high:g}, got {value!r}")
    return float(value)


def simulate_trial_log(n_users: int = 4000, *, share_b: float = 0.5,
                       trial_days_a: int = 30, base_days_b: int = 7, bonus_days: int = 2,
                       max_days_b: int = 14, checklist_boost: float = 1.0,
                       urgency_b: float = 0.0, step_logit: float = 0.4,
                       motivation_effect: float = 1.0, pace: float = 0.25,
                       attention_days: float = 12.0,
                       pay_logit: float = -4.8, pay_motivation: float = 1.0,
                       pay_per_step: float = 0.8, churn_logit: float = -2.0,
                       churn_motivation: float = 0.6, tickets_base: float = 0.15,
                       tickets_per_step: float = 0.1, seed=None, rng=None) -> pd.DataFrame:
    """Simulate the event log of a trial-policy experiment (A: 30-day trial; B: earned days).

    Parameters
    ----------
    n_users : int
        Users who sign up for a trial (at least 2).
    share_b : float
        Probability that a user is assigned to policy B (strictly between 0 and 1).
    trial_days_a : int
        Trial length under A, 1-90 days.
    base_days_b, bonus_days, max_days_b : int
        Policy B: starting trial length (1-90), days earned per completed
        step (0-30) and the cap on the trial length (``base_days_b``-90).
        ``base_days_b=30, bonus_days=0, max_days_b=30`` with
        ``checklist_boost=0, urgency_b=0`` makes B identical to A.
    checklist_boost : float
        Extra log-odds of attempting each step under B (the progress
        checklist and the promise of days), 0-3.
    urgency_b : float
        Extra log-odds of paying under B beyond what steps explain (a short
        trial ends while interest is high), -3 to 3.
    step_logit, motivation_effect, pace : float
        Log-odds of attempting a step for an average user (-5 to 5), weight of
        motivation (0-3), and mean time per step as a share of the days left
        (0.01-2).
    attention_days : float
        Mean number of days a user keeps the product in mind (1-365); each
        user's attention span is exponential with this mean, and steps that
        would land after it are never done.
    pay_logit, pay_motivation, pay_per_step : float
        Log-odds of paying for an average user with no step done (-10 to 0),
        weight of motivation (0-3), and log-odds added per completed step (0-2).
        The defaults give about 4% trial-to-paid under A and about 2.5 times
        that under B (illustrative calibration, see the module docstring).
    churn_logit, churn_motivation : float
        Log-odds of churning within 30 days of paying (-10 to 0) and how much
        motivation lowers it (0-3).
    tickets_base, tickets_per_step : float
        Mean support tickets per user with no step done (0-5) and added per
        completed step (0-5).
    seed, rng
        Integer seed or ``numpy.random.Generator`` (exactly one).

    Returns
    -------
    pandas.DataFrame
        Tidy event log sorted by ``user_id`` then ``day``, one row per event,
        with columns ``user_id`` (int), ``policy`` ("A" or "B"), ``event``
        (one of :data:`TRIAL_EVENTS`), ``step`` (the step's name for
        ``step_completed`` rows, missing otherwise) and ``day`` (float, days
        since sign-up). Every user has ``signed_up`` (day 0) and
        ``trial_ended`` (the day the trial ran out); ``paid`` comes on the
        last trial day; ``churned`` on a day within 30 days after paying.
        Motivation is not in the log: it is unobserved, as in real data.

    Examples
    --------
    >>> log = simulate_trial_log(2000, seed=14)
    >>> sorted(log["policy"].unique())
    ['A', 'B']
    >>> int(log.loc[log["event"] == "signed_up", "user_id"].nunique())
    2000
    >>> ended = log[log["event"] == "trial_ended"]
    >>> float(ended.loc[ended["policy"] == "A", "day"].max())
    30.0
    """
    n = check_positive_int("n_users", n_users, minimum=2)
    p_b = check_probability("share_b", share_b, open_interval=True)
    days_a = check_positive_int("trial_days_a", trial_days_a)
    if days_a > 90:
        raise ValueError(f"trial_days_a must be an integer of at most 90, got {trial_days_a!r}")
    base_b = check_positive_int("base_days_b", base_days_b)
    if base_b > 90:
        raise ValueError(f"base_days_b must be an integer of at most 90, got {base_days_b!r}")
    bonus = check_positive_int("bonus_days", bonus_days, minimum=0)
    if bonus > 30:
        raise ValueError(f"bonus_days must be an integer of at most 30, got {bonus_days!r}")
    cap = check_positive_int("max_days_b", max_days_b, minimum=base_b)
    if cap > 90:
        raise ValueError(f"max_days_b must be an integer between base_days_b and 90, got {max_days_b!r}")
    boost = _check_real("checklist_boost", checklist_boost, 0, 3)
    urgency = _check_real("urgency_b", urgency_b, -3, 3)
    s_logit = _check_real("step_logit", step_logit, -5, 5)
    s_motiv = _check_real("motivation_effect", motivation_effect, 0, 3)
    pace_ = _check_real("pace", pace, 0.01, 2)
    attention = _check_real("attention_days", attention_days, 1, 365)
    p_logit = _check_real("pay_logit", pay_logit, -10, 0)
    p_motiv = _check_real("pay_motivation", pay_motivation, 0, 3)
    p_step = _check_real("pay_per_step", pay_per_step, 0, 2)
    c_logit = _check_real("churn_logit", churn_logit, -10, 0)
    c_motiv = _check_real("churn_motivation", churn_motivation, 0, 3)
    t_base = _check_real("tickets_base", tickets_base, 0, 5)
    t_step = _check_real("tickets_per_step", tickets_per_step, 0, 5)
    gen = make_rng(seed, rng)

    # Draw every random number up front, in fixed shapes, so changing one
    # parameter does not reshuffle the draws that drive everything else.
    is_b = gen.random(n) < p_b
    motivation = gen.standard_normal(n)
    n_steps = len(TRIAL_STEPS)
    attempt_u = gen.random((n, n_steps))
    gap_e = gen.exponential(1.0, size=(n, n_steps))
    pay_u = gen.random(n)
    churn_u = gen.random(n)
    churn_day_u = gen.random(n)
    attention_end = gen.exponential(attention, size=n)

    trial_end = np.where(is_b, float(base_b), float(days_a))
    day = np.zeros(n)
    active = np.ones(n, dtype=bool)
    steps_done = np.zeros(n, dtype=int)
    step_days = np.full((n, n_steps), np.nan)
    p_attempt = expit(s_logit + s_motiv * motivation + boost * is_b)
    for k in range(n_steps):
        days_left = trial_end - day
        finish = day + gap_e[:, k] * pace_ * np.maximum(days_left, 0)
        in_time = (finish <= trial_end) & (finish <= attention_end)
        done = active & (attempt_u[:, k] < p_attempt) & in_time
        step_days[done, k] = finish[done]
        day = np.where(done, finish, day)
        steps_done += done
        trial_end = np.where(done & is_b, np.minimum(trial_end + bonus, cap), trial_end)
        active = done  # a user who skips or runs out of time stops here

    paid = pay_u < expit(p_logit + p_motiv * motivation + p_step * steps_done + urgency * is_b)
    churned = paid & (churn_u < expit(c_logit - c_motiv * motivation))
    tickets = gen.poisson(t_base + t_step * steps_done)

    frames = []
    user_id = np.arange(1, n + 1)
    policy = np.where(is_b, "B", "A")

    def add(mask, event, days, step=None):
        frames.append(pd.DataFrame({
            "user_id": user_id[mask], "policy": policy[mask], "event": event,
            "step": step, "day": np.asarray(days, dtype=float)[mask],
        }))

    everyone = np.ones(n, dtype=bool)
    add(everyone, "signed_up", np.zeros(n))
    for k, name in enumerate(TRIAL_STEPS):
        add(~np.isnan(step_days[:, k]), "step_completed", step_days[:, k], name)
    add(~np.isnan(step_days[:, 0]), "first_value", step_days[:, 0])
    add(everyone, "trial_ended", trial_end)
    add(paid, "paid", trial_end)
    add(churned, "churned", trial_end + np.ceil(churn_day_u * 30))
    # Tickets land at uniform times during the trial.
    ticket_users = np.repeat(np.arange(n), tickets)
    if len(ticket_users):
        ticket_days = gen.random(len(ticket_users)) * trial_end[ticket_users]
        frames.append(pd.DataFrame({
            "user_id": user_id[ticket_users], "policy": policy[ticket_users],
            "event": "support_ticket", "step": None, "day": ticket_days,
        }))

    log = pd.concat(frames, ignore_index=True)
    order = {e: i for i, e in enumerate(TRIAL_EVENTS)}
    log["_rank"] = log["event"].map(order)
    log = log.sort_values(["user_id", "day", "_rank"], kind="stable").drop(columns="_rank")
    log["day"] = log["day"].round(2)
    log = log.reset_index(drop=True)
    for col in ("policy", "event", "step"):
        log[col] = log[col].astype("str")
    return log
