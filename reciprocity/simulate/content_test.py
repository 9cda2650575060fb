"""A blog-post experiment with four arms (insights 9, 13 and 14; the content lab).

Visitors who land on a post are randomly shown one of four versions:

``plain``
    the post as it is, with a faceless byline (control);
``face``
    the author's photo and name next to the byline (insight 9, show your face);
``effort``
    a banner disclosing the work behind the post, e.g. "the research behind
    this took 50 hours" (insight 13, show the sacrifice);
``incentive``
    a clear reason to sign up, e.g. a free checklist for subscribers
    (insight 14, add incentives).

The outcome is whether the visitor signs up for the newsletter. No public
cell-level data exist for such a test, so everything here is *simulated*.
The default rates are assumptions chosen for teaching, not benchmarks: a 4%
sign-up rate for a plain post; small lifts for the face and the
effort banner (relative lifts of roughly 15-20%, far smaller than the 57.5%
to 83.8% compliance gap Guéguen & Jacob (2002) reported for a photo in a
personal e-mail request, because a blog reader is anonymous and less
engaged); and the largest lift for the incentive, which gives a reason to
act rather than relying on felt obligation.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ._common import check_positive_int, check_probability, make_rng

__all__ = ["CONTENT_ARMS", "DEFAULT_CONTENT_RATES", "simulate_content_test"]

#: The four versions of the post, control first.
CONTENT_ARMS: tuple[str, ...] = ("plain", "face", "effort", "incentive")

#: Illustrative true sign-up rates per arm (not estimates from any study).
DEFAULT_CONTENT_RATES: dict[str, float] = {
    "plain": 0.040,
    "face": 0.046,
    "effort": 0.048,
    "incentive": 0.065,
}


def _arm_values(name: str, value, default: Mapping[str, float] | None) -> dict[str, float]:
    """Turn a mapping or a 4-sequence into ``{arm: value}``; fill gaps from ``default``."""
    if value is None:
        if default is None:
            raise ValueError(f"{name} must be given, got None")
        return dict(default)
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - set(CONTENT_ARMS))
        if unknown:
            raise ValueError(
                f"{name} must be keyed by the arms {list(CONTENT_ARMS)}, got unknown arm(s) {unknown}"
            )
        out = dict(default) if default is not None else {}
        out.update({str(k): v for k, v in value.items()})
        missing = [a for a in CONTENT_ARMS if a not in out]
        if missing:
            raise ValueError(f"{name} must give a value for every arm, got none for {missing}")
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != len(CONTENT_ARMS):
            raise ValueError(
                f"{name} must hold {len(CONTENT_ARMS)} values, one per arm in the order "
                f"{list(CONTENT_ARMS)}, got {len(value)}"
            )
        return dict(zip(CONTENT_ARMS, value, strict=True))
    raise ValueError(f"{name} must be a dict keyed by arm or a sequence of 4 numbers, got {value!r}")


def simulate_content_test(n_visitors: int = 20_000, *, rates=None, shares=None,
                          srm_arm: str = "face", srm_drop: float = 0.0,
                          seed=None, rng=None) -> pd.DataFrame:
    """Simulate one blog-post experiment: which version each visitor saw and whether they signed up.

    Each visitor is assigned to an arm at random with probabilities
    ``shares`` and signs up with the probability of that arm
    (``rates``), independently of everyone else.

    A sample-ratio mismatch (SRM) can be injected to mimic a logging bug:
    with ``srm_drop > 0``, that share of the visitors of ``srm_arm`` who did
    *not* sign up is missing from the returned log (say, the tracking script
    of that version loaded late, and visitors who bounced quickly were never
    recorded). The arm then looks smaller than planned *and* its sign-up rate
    looks inflated, which is exactly why an SRM check must come before any
    comparison. With ``srm_drop=0`` (the default) assignment is clean.

    Parameters
    ----------
    n_visitors : int
        Visitors assigned before any logging loss (at least 4).
    rates : dict or sequence of 4 floats, optional
        True sign-up probability per arm, each between 0 and 1. A dict may
        give only some arms; the others keep :data:`DEFAULT_CONTENT_RATES`
        (plain 4.0%, face 4.6%, effort 4.8%, incentive 6.5% -- illustrative,
        see the module docstring).
    shares : dict or sequence of 4 floats, optional
        Planned share of traffic per arm, each strictly between 0 and 1,
        summing to 1. Default: an equal split.
    srm_arm : str
        Arm hit by the logging bug (one of :data:`CONTENT_ARMS`).
    srm_drop : float
        Share of that arm's non-signing visitors lost from the log, in [0, 1).
    seed, rng
        Integer seed or ``numpy.random.Generator`` (exactly one).

    Returns
    -------
    pandas.DataFrame
        One row per logged visitor: ``visitor_id`` (int, 1-based, in order of
        arrival; gaps mark lost visitors), ``arm`` (str) and ``signed_up``
        (int 0/1).

    Examples
    --------
    >>> df = simulate_content_test(8000, seed=13)
    >>> sorted(df["arm"].unique())
    ['effort', 'face', 'incentive', 'plain']
    >>> len(df)
    8000
    >>> lossy = simulate_content_test(8000, srm_drop=0.1, seed=13)
    >>> len(lossy) < 8000
    True
    """
    n = check_positive_int("n_visitors", n_visitors, minimum=len(CONTENT_ARMS))
    rate_map = _arm_values("rates", rates, DEFAULT_CONTENT_RATES)
    for arm, r in rate_map.items():
        check_probability(f"rates[{arm!r}]", r)
    share_map = _arm_values("shares", shares, None) if shares is not None else {
        a: 1 / len(CONTENT_ARMS) for a in CONTENT_ARMS}
    for arm, s in share_map.items():
        check_probability(f"shares[{arm!r}]", s, open_interval=True)
    total = sum(float(s) for s in share_map.values())
    if abs(total - 1) > 1e-9:
        raise ValueError(f"shares must sum to 1, got shares that sum to {total:.6g}")
    if srm_arm not in CONTENT_ARMS:
        raise ValueError(f"srm_arm must be one of {list(CONTENT_ARMS)}, got {srm_arm!r}")
    if isinstance(srm_drop, bool) or not isinstance(srm_drop, Real) or not 0 <= srm_drop < 1:
        raise ValueError(f"srm_drop must be a number in [0, 1), got {srm_drop!r}")
    gen = make_rng(seed, rng)

    probs = np.array([float(share_map[a]) for a in CONTENT_ARMS])
    arm_index = gen.choice(len(CONTENT_ARMS), size=n, p=probs / probs.sum())
    arm_rates = np.array([float(rate_map[a]) for a in CONTENT_ARMS])
    signed_up = (gen.random(n) < arm_rates[arm_index]).astype(int)
    # Always draw the loss uniforms so srm_drop does not shift the other draws.
    lost_draw = gen.random(n)
    lost = ((arm_index == CONTENT_ARMS.index(srm_arm)) & (signed_up == 0)
            & (lost_draw < float(srm_drop)))
    keep = ~lost
    return pd.DataFrame({
        "visitor_id": np.arange(1, n + 1)[keep],
        "arm": pd.array(np.asarray(CONTENT_ARMS, dtype=object)[arm_index[keep]], dtype="str"),
        "signed_up": signed_up[keep],
    })
