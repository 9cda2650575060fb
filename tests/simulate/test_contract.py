"""The contract every public simulator keeps, checked once for all of them.

A simulator is any public function of :mod:`reciprocity.simulate` with a
``seed`` parameter. Each one is listed in :data:`CASES` with a small valid
call, the parameter values it must refuse and the columns it returns; a test
fails when a public simulator is missing from the table. The files
``test_<topic>.py`` next to this one check only what each simulator
documents about its own model (direction of effects, closed forms, noise).
"""
from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reciprocity import simulate

#: Public functions with a ``seed`` parameter that are not simulators.
NOT_SIMULATORS = {"make_rng"}  # turns a seed into a generator; tested with the simulators

SVO_TYPES = ("prosocial", "individualist", "competitor")


@dataclass(frozen=True)
class Case:
    """How the contract calls one simulator.

    ``impossible`` pairs a word the error message must contain (the name of
    the parameter at fault) with parameters that must be refused; they are
    merged into ``valid``. ``columns`` are the output's columns in the
    documented order (for a dict of results, each result's fields; empty for
    a tuple of numbers). ``probabilities`` are the columns that must lie in
    [0, 1].
    """

    valid: Mapping[str, Any]
    impossible: tuple[tuple[str, Mapping[str, Any]], ...]
    columns: tuple[str, ...]
    probabilities: tuple[str, ...] = field(default=())


CASES: dict[str, Case] = {
    "simulate_community": Case(
        valid={"n_members": 40, "n_rounds": 3},
        impossible=(("n_members", {"n_members": 1}), ("n_rounds", {"n_rounds": 0}),
                    ("norm_strength", {"norm_strength": -0.1}),
                    ("norm_strength", {"norm_strength": 1.5}), ("visibility", {"visibility": 2}),
                    ("base_rate", {"base_rate": 0.0}), ("base_rate", {"base_rate": 1.0}),
                    ("n_members", {"n_members": 10.5})),
        columns=("member", "round", "propensity", "visible", "contributed"),
        probabilities=("propensity",)),
    "community_grid": Case(
        valid={"norm_strengths": [0.0, 1.0], "visibilities": [0.0, 1.0], "n_members": 30,
               "n_rounds": 2},
        impossible=(("visibilities", {"norm_strengths": [0.5], "visibilities": [1.2]}),
                    ("norm_strengths", {"norm_strengths": [], "visibilities": [0.5]}),
                    ("n_members", {"n_members": 1}), ("base_rate", {"base_rate": 1.0})),
        columns=("norm_strength", "visibility", "round", "contribution_rate"),
        probabilities=("norm_strength", "visibility", "contribution_rate")),
    "simulate_content_test": Case(
        valid={"n_visitors": 400, "rates": {"face": 0.05}},
        impossible=(("n_visitors", {"n_visitors": 3}), ("rates", {"rates": {"plain": 1.5}}),
                    ("rates", {"rates": {"video": 0.1}}), ("rates", {"rates": [0.1, 0.1]}),
                    ("shares", {"shares": [0.5, 0.5, 0.5, 0.5]}),
                    ("shares", {"shares": [0.0, 0.5, 0.25, 0.25]}),
                    ("srm_arm", {"srm_arm": "video"}), ("srm_drop", {"srm_drop": 1.0}),
                    ("srm_drop", {"srm_drop": -0.1})),
        columns=("visitor_id", "arm", "signed_up")),
    "simulate_gift_request": Case(
        valid={"n_people": 200},
        impossible=(("n_people", {"n_people": 1}), ("involvement", {"involvement": 1.5}),
                    ("distraction", {"distraction": -0.1}),
                    ("argument_quality", {"argument_quality": 2}),
                    ("gift_share", {"gift_share": 1.0}), ("baseline", {"baseline": 0.0}),
                    ("cue_weight", {"cue_weight": -1}), ("argument_weight", {"argument_weight": 9})),
        columns=("person_id", "gift", "involvement", "distraction", "argument_quality",
                 "elaboration", "p_comply", "complied"),
        probabilities=("involvement", "distraction", "argument_quality", "elaboration", "p_comply")),
    "simulate_gift_responses": Case(
        valid={"n_per_condition": 30, "values": [0.0, 1.0], "gifts": [0.0, 0.6]},
        impossible=(("n_per_condition", {"n_per_condition": 0}),
                    ("n_per_condition", {"n_per_condition": 2.5}),
                    ("values", {"values": [0.5, 1.2]}), ("values", {"values": []}),
                    ("gifts", {"gifts": -0.1}), ("expected", {"expected": "high"}),
                    ("heterogeneity", {"heterogeneity": 1.5}), ("base_rate", {"base_rate": -0.1}),
                    ("ceiling", {"base_rate": 0.5, "ceiling": 0.4}),
                    ("expected_credit", {"expected_credit": 2}),
                    ("surprise_weight", {"surprise_weight": -1}), ("strength", {"strength": 0}),
                    ("strength", {"strength": float("nan")})),
        columns=("person_id", "value", "gift", "expected", "person_value", "person_expected",
                 "surprise", "obligation", "repay_probability", "repaid"),
        probabilities=("value", "gift", "expected", "person_value", "person_expected",
                       "repay_probability")),
    "simulate_content_signups": Case(
        valid={"n_readers": 200, "relevance": [0.0, 0.5, 1.0]},
        impossible=(("n_readers", {"n_readers": -3}), ("relevance", {"relevance": [0.0, 2.0]}),
                    ("surprise", {"surprise": 1.5}), ("ceiling", {"ceiling": 0.01})),
        columns=("reader_id", "relevance", "reader_value", "signup_probability", "signed_up"),
        probabilities=("relevance", "reader_value", "signup_probability")),
    "content_signup_grid": Case(
        valid={"readers": [60, 90], "surprises": [0.3], "runs": 2, "relevance": [0.0, 1.0]},
        impossible=(("readers", {"readers": [0]}), ("surprises", {"surprises": [2.0]}),
                    ("runs", {"runs": 0}), ("relevance", {"relevance": [1.5]})),
        columns=("readers", "surprise", "run", "relevance", "n", "signed_up"),
        probabilities=("relevance",)),
    "simulate_repayment": Case(
        valid={"n_people": 200, "visibility": [0.0, 0.5, 1.0]},
        impossible=(("n_people", {"n_people": 0}), ("personal_norm", {"personal_norm": 1.2}),
                    ("pressure_response", {"pressure_response": -0.5}),
                    ("visibility", {"visibility": ()}), ("visibility", {"visibility": 0.5}),
                    ("visibility", {"visibility": (0.0, 2.0)})),
        columns=("person_id", "visibility", "holds_norm", "seen", "repaid", "motive"),
        probabilities=("visibility",)),
    "simulate_favour_campaign": Case(
        valid={"n_recipients": 50, "max_favours": 4, "intro_share": 0.5},
        impossible=(("n_recipients", {"n_recipients": 0}), ("max_favours", {"max_favours": 0}),
                    ("notice_rate", {"notice_rate": 1.2}), ("intro_share", {"intro_share": -0.1}),
                    ("prior_continuation", {"prior_continuation": 1.0}),
                    ("prior_strength", {"prior_strength": 0}),
                    ("even_odds_reply", {"cold_reply": 0.6})),
        columns=("recipient_id", "intro", "favours", "noticed", "perceived_continuation",
                 "p_reply", "would_reply"),
        probabilities=("perceived_continuation", "p_reply")),
    "simulate_repeated_games": Case(
        valid={"continuation": 0.5, "n_matches": 5, "noise": 0.05},
        impossible=(("continuation", {"continuation": 1.0}),
                    ("continuation", {"continuation": -0.1}),
                    ("temptation", {"temptation": 3.0}), ("temptation", {"temptation": 6.0}),
                    ("n_matches", {"n_matches": 0}), ("noise", {"noise": 0.6}),
                    ("strategies", {"strategies": ["nice guy"]}),
                    ("strategies", {"strategies": []})),
        columns=("match_id", "strategy", "opponent", "continuation", "temptation", "rounds",
                 "cooperations", "both_cooperate", "exploited", "exploiting", "both_defect",
                 "payoff"),
        probabilities=("continuation",)),
    "tournament_grid": Case(
        valid={"n_matches": 2},
        impossible=(("n_matches", {"n_matches": 0}),),
        columns=("payoff", "cooperation", "shares", "population_cooperation"),
        probabilities=("cooperation", "shares", "population_cooperation")),
    "simulate_sacrifice_test": Case(
        valid={"n_visitors": 300, "hours_levels": [0, 20, 100]},
        impossible=(("n_visitors", {"n_visitors": 0}), ("hours_levels", {"hours_levels": ()}),
                    ("hours_levels", {"hours_levels": 5}), ("hours", {"hours_levels": (0, -5)}),
                    ("credibility", {"credibility": 2})),
        columns=("visitor_id", "hours_disclosed", "signed_up")),
    "banner_test_counts": Case(
        valid={"hours": 50, "credibility": 0.7, "base_rate": 0.04},
        impossible=(("hours", {"hours": -5}), ("credibility", {"credibility": 2}),
                    ("base_rate", {"base_rate": 1.2})),
        columns=()),
    "simulate_favour_returns": Case(
        valid={"n_people": 200,
               "mix": {"prosocial": 0.5, "individualist": 0.3, "competitor": 0.2}},
        impossible=(("n_people", {"n_people": 0}), ("n_people", {"n_people": 2.5}),
                    ("mix", {"mix": {"prosocial": 0.5, "individualist": 0.5}}),
                    ("sum to 1", {"mix": {"prosocial": 0.5, "individualist": 0.3,
                                          "competitor": 0.1}}),
                    ("mix", {"mix": {"prosocial": 1.2, "individualist": -0.1,
                                     "competitor": -0.1}}),
                    ("return_rates", {"return_rates": {k: {"one_off": 0.1} for k in SVO_TYPES}}),
                    ("return_rates", {"return_rates": {k: {"one_off": 0.1, "future": 1.5}
                                                       for k in SVO_TYPES}}),
                    ("share_future", {"share_future": -0.1})),
        columns=("person_id", "svo_type", "future_benefit", "returned")),
    "simulate_item_responses": Case(
        valid={"n_students": 30},
        impossible=(("n_students", {"n_students": 1}), ("n_students", {"n_students": 2.5}),
                    ("slopes", {"slopes": [9.0] * 16}), ("slopes", {"slopes": []}),
                    ("locations", {"locations": [float("nan")] * 16}), ("points", {"points": [0] * 16}),
                    ("one entry per question", {"slopes": [1.0, 1.0]})),
        columns=("student_id", "grade_id", "max_score", "slope", "location", "ability", "p_correct", "correct",
                 "score"),
        probabilities=("p_correct",)),
    "simulate_trial_log": Case(
        valid={"n_users": 300},
        impossible=(("n_users", {"n_users": 1}), ("share_b", {"share_b": 1.0}),
                    ("trial_days_a", {"trial_days_a": 0}), ("trial_days_a", {"trial_days_a": 120}),
                    ("max_days_b", {"base_days_b": 10, "max_days_b": 8}),
                    ("bonus_days", {"bonus_days": -1}),
                    ("checklist_boost", {"checklist_boost": -0.5}), ("pace", {"pace": 0}),
                    ("attention_days", {"attention_days": 0.5}), ("pay_logit", {"pay_logit": 1.0}),
                    ("tickets_base", {"tickets_base": "many"})),
        columns=("user_id", "policy", "event", "step", "day")),
}

NAMES = sorted(CASES)


def _function(name: str) -> Callable[..., Any]:
    """The simulator itself: a cached one (``functools.lru_cache``) without its cache."""
    function = getattr(simulate, name)
    return getattr(function, "__wrapped__", function)


def _takes_rng(name: str) -> bool:
    return "rng" in inspect.signature(_function(name)).parameters


WITH_RNG = [name for name in NAMES if _takes_rng(name)]


def _run(name: str, **arguments: Any) -> Any:
    return _function(name)(**{**CASES[name].valid, **arguments})


def _columns(output: Any) -> dict[str, np.ndarray]:
    """Each column of a frame, each field pooled over a dict of results, or a tuple's items."""
    if isinstance(output, pd.DataFrame):
        return {str(c): output[c].to_numpy() for c in output.columns}
    if isinstance(output, tuple):
        return {"items": np.asarray(output)}
    results = list(output.values())
    return {f: np.concatenate([np.ravel(r[f]) for r in results]) for f in results[0]}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        return isinstance(b, pd.DataFrame) and a.equals(b) and list(a.columns) == list(b.columns)
    try:
        np.testing.assert_equal(a, b)
    except AssertionError:
        return False
    return True


def _returns_section(name: str) -> str:
    doc = inspect.getdoc(_function(name)) or ""
    found = re.search(r"^Returns\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.DOTALL | re.MULTILINE)
    return found.group(1) if found else doc


def _documented_indicators() -> list[tuple[str, str]]:
    """(simulator, column) for every column its docstring documents as 0/1."""
    pairs = []
    for name in NAMES:
        for column in re.findall(r"``(\w+)``\s*\((?:int )?0/1\)", _returns_section(name)):
            pairs.append((name, column))
    return pairs


# --- the table is complete -----------------------------------------------------

def test_every_public_simulator_is_in_the_contract():
    seeded = {name for name in simulate.__all__
              if callable(obj := getattr(simulate, name))
              and "seed" in inspect.signature(obj).parameters} - NOT_SIMULATORS
    assert seeded - set(CASES) == set(), "add these simulators to CASES in tests/simulate/test_contract.py"
    assert set(CASES) - seeded == set(), "CASES lists names that are not public simulators"


@pytest.mark.parametrize("name", NAMES)
def test_interface_is_seed_or_rng_or_a_fixed_seed_table(name):
    """Either ``seed=None, rng=None`` (exactly one required), or a table with a fixed int seed."""
    parameters = inspect.signature(_function(name)).parameters
    seed = parameters["seed"].default
    if "rng" in parameters:
        assert seed is None and parameters["rng"].default is None
    else:
        assert isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0


# --- reproducibility -------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_the_same_output_whatever_the_global_random_state(name):
    saved = np.random.get_state()
    try:
        np.random.seed(1)
        first = _run(name, seed=7)
        np.random.seed(2)
        second = _run(name, seed=7)
    finally:
        np.random.set_state(saved)
    assert _same(first, second)


@pytest.mark.parametrize("name", NAMES)
def test_different_seeds_give_different_output(name):
    assert not _same(_run(name, seed=7), _run(name, seed=8))


@pytest.mark.parametrize("name", NAMES)
def test_arguments_are_left_unchanged(name):
    arguments = copy.deepcopy(dict(CASES[name].valid))
    _function(name)(**arguments, seed=7)
    assert arguments == dict(CASES[name].valid)


@pytest.mark.parametrize("name", WITH_RNG)
def test_rng_gives_the_same_output_as_the_same_seed(name):
    assert _same(_run(name, rng=np.random.default_rng(7)), _run(name, seed=7))


# --- seed validation ---------------------------------------------------------------

@pytest.mark.parametrize("name", WITH_RNG)
def test_seed_is_required(name):
    with pytest.raises(ValueError, match="seed is required"):
        _run(name)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "7"])
@pytest.mark.parametrize("name", NAMES)
def test_bad_seeds_are_rejected(name, bad):
    with pytest.raises(ValueError, match=r"seed must be .*, got"):
        _run(name, seed=bad)


@pytest.mark.parametrize("name", WITH_RNG)
def test_seed_and_rng_together_are_rejected(name):
    with pytest.raises(ValueError, match="either seed or rng"):
        _run(name, seed=7, rng=np.random.default_rng(7))


@pytest.mark.parametrize("name", WITH_RNG)
def test_rng_must_be_a_generator(name):
    with pytest.raises(ValueError, match=r"rng must be a numpy.random.Generator.*, got int"):
        _run(name, rng=7)


# --- impossible parameters ------------------------------------------------------------

@pytest.mark.parametrize("name, word, arguments", [
    pytest.param(name, word, arguments, id=f"{name}-{'-'.join(map(str, arguments))}-{i}")
    for name in NAMES for i, (word, arguments) in enumerate(CASES[name].impossible)])
def test_impossible_parameters_are_refused_before_any_draw(name, word, arguments):
    """A ValueError that names what is wrong, says what is allowed and what it got."""
    generator = np.random.default_rng(7)
    state = copy.deepcopy(generator.bit_generator.state)
    source = {"rng": generator} if name in WITH_RNG else {}
    with pytest.raises(ValueError) as raised:
        _run(name, **source, **arguments)
    message = str(raised.value)
    assert word in message
    assert "must" in message and "got" in message, message
    assert generator.bit_generator.state == state  # validated before drawing anything


# --- the output ------------------------------------------------------------------------

@pytest.mark.parametrize("name", [name for name in NAMES if CASES[name].columns])
def test_output_has_the_documented_columns_in_order(name):
    output = _run(name, seed=7)
    columns = CASES[name].columns
    if isinstance(output, pd.DataFrame):
        assert list(output.columns) == list(columns)
        assert len(output) > 0
        pd.testing.assert_index_equal(output.index, pd.RangeIndex(len(output)))
    else:
        assert output and all(tuple(result) == columns for result in output.values())
    documented = iter(re.findall(r"``(\w+)``", _returns_section(name)))
    assert all(column in documented for column in columns), "document every column, in order, in Returns"


@pytest.mark.parametrize("name", NAMES)
def test_numbers_are_finite_and_probabilities_lie_between_0_and_1(name):
    columns = _columns(_run(name, seed=7))
    numeric = {c: v for c, v in columns.items()
               if np.issubdtype(v.dtype, np.number) and not np.issubdtype(v.dtype, np.bool_)}
    assert numeric, "a simulator returns numbers"
    for column, values in numeric.items():
        assert np.isfinite(values).all(), column
    for column in CASES[name].probabilities:
        values = columns[column].astype(float)
        assert ((values >= 0) & (values <= 1)).all(), column


@pytest.mark.parametrize("name, column", _documented_indicators())
def test_columns_documented_as_0_1_hold_integers_0_and_1(name, column):
    values = _columns(_run(name, seed=7))[column]
    assert np.issubdtype(values.dtype, np.integer), values.dtype
    assert set(np.unique(values)) <= {0, 1}
