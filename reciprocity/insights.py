"""The insight index: where each insight's chapter, data, explorer, simulator and lab questions live.

One record per insight (and one for the methods primer), in book order. A
record names

- its **chapter** (a notebook under ``book/``);
- the **dataset analyses** it uses (modules of :mod:`reciprocity.analyses`),
  or why there are none;
- its **explorers** (builders registered in :mod:`reciprocity.explorers`,
  all in the module named for the chapter, :attr:`Insight.explorer_module`);
- the **simulators** the chapter and its explorers run (functions of
  :mod:`reciprocity.simulate`, as dotted paths), or why there are none;
- the **lab questions** that assess it: graded cells (nbgrader ``grade_id``)
  of ``solutions/<lab>/<lab>.ipynb``, or why there are none.

Every graded cell of every lab is filed under exactly one record: under the
insight whose case or data it analyses, or under the primer when it asks for
a general tool (a function the hidden tests try on other inputs) or checks the
experiment itself (sample ratio, several comparisons), which the primer
teaches. So a class's results can be reported per insight.

``tests/test_insights.py`` checks that every entry exists and that every
chapter, explorer, simulator module and graded cell is listed;
:func:`markdown_table` renders the index for ``CONTRIBUTING.md``
(``python -m tools.insight_index`` writes it there).

Examples
--------
>>> from reciprocity.insights import by_number, insight_of
>>> by_number(9).explorers
('photo_reply_explorer',)
>>> insight_of("content", "test_effort_permutation").title
'Show the sacrifice'
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Insight", "LabQuestions", "INSIGHTS", "by_number", "by_key", "insight_of", "markdown_table"]


@dataclass(frozen=True)
class LabQuestions:
    """Graded cells of one lab that assess an insight.

    Parameters
    ----------
    lab : str
        The nbgrader assignment: ``solutions/<lab>/`` (and ``exercises/<lab>/``).
    grade_ids : tuple of str
        nbgrader ``grade_id`` s of graded cells (tests and written answers) of
        the lab's notebook, in notebook order.
    """

    lab: str
    grade_ids: tuple[str, ...]

    @property
    def notebook(self) -> str:
        """The lab's source notebook, relative to the repository root (one per lab, named after it)."""
        return f"solutions/{self.lab}/{self.lab}.ipynb"


@dataclass(frozen=True)
class Insight:
    """One insight (or the methods primer) and where its pieces live.

    Parameters
    ----------
    key : str
        Stable identifier: the chapter's file stem (``"09-show-your-face"``)
        or ``"primer"``.
    number : int or None
        The insight's number, 1-14; None for the primer.
    title : str
        The chapter's title, as its first heading gives it (without the number).
    chapter : str
        The chapter notebook, relative to the repository root.
    explorer_module : str
        The module of :mod:`reciprocity.explorers` holding the chapter's
        builders, named for what the chapter teaches (its slug).
    explorers : tuple of str
        Builder names, importable as ``from reciprocity.explorers import name``.
    analyses : tuple of str
        Modules of :mod:`reciprocity.analyses` the chapter takes data from.
    simulators : tuple of str
        Dotted paths of :mod:`reciprocity.simulate` functions the chapter or
        its explorers run.
    lab_questions : tuple of LabQuestions
        Graded lab cells filed under this insight.
    why_no_analysis, why_no_simulator, why_no_lab_question : str
        Why a piece is missing; required exactly when it is.
    """

    key: str
    number: int | None
    title: str
    chapter: str
    explorer_module: str
    explorers: tuple[str, ...]
    analyses: tuple[str, ...] = ()
    simulators: tuple[str, ...] = ()
    lab_questions: tuple[LabQuestions, ...] = ()
    why_no_analysis: str = ""
    why_no_simulator: str = ""
    why_no_lab_question: str = ""

    @property
    def label(self) -> str:
        """``"9. Show your face"``, or the primer's title."""
        return self.title if self.number is None else f"{self.number}. {self.title}"

    @property
    def grade_ids(self) -> tuple[tuple[str, str], ...]:
        """``(lab, grade_id)`` for every lab question filed under this insight."""
        return tuple((q.lab, grade_id) for q in self.lab_questions for grade_id in q.grade_ids)


_SIM = "reciprocity.simulate."
_NOT_IN_A_LAB = "no lab question yet; the chapter's practice items assess it"

INSIGHTS: tuple[Insight, ...] = (
    Insight(
        key="primer", number=None, title="Methods primer: testing a claim about a rate",
        chapter="book/primer.ipynb", explorer_module="power", explorers=("power_calculator",),
        analyses=("reciprocity.analyses.ggl",),
        why_no_simulator="real data only: GGL turnout",
        lab_questions=(
            LabQuestions("outreach", ("test_n_per_arm_visible", "test_n_per_arm_hidden", "test_wilson_visible",
                                      "test_wilson_hidden", "test_reply_table_shape", "test_reply_table_hidden")),
            LabQuestions("content", ("test_srm_visible", "test_srm_hidden", "test_srm_weeks",
                                     "test_arm_table_shape", "test_arm_table_values", "test_holm_visible",
                                     "test_holm_hidden", "test_comparisons_shape", "test_comparisons_values")),
        )),
    Insight(
        key="01-deliberation", number=1, title="Online, people deliberate",
        chapter="book/insights/01-deliberation.ipynb", explorer_module="deliberation",
        explorers=("deliberation_explorer",),
        why_no_analysis="simulation only: no public cell-level data on deliberation and gifts",
        simulators=(_SIM + "deliberation.compliance_probability", _SIM + "deliberation.simulate_gift_request"),
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="02-anonymity", number=2, title="Anonymity removes the cost of not giving back",
        chapter="book/insights/02-anonymity.ipynb", explorer_module="anonymity", explorers=("turnout_explorer",),
        analyses=("reciprocity.analyses.ggl", "reciprocity.analyses.fox_guyer"),
        why_no_simulator="real data only: GGL, Fox & Guyer",
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="03-interdependence", number=3, title="No interdependence, no obligation",
        chapter="book/insights/03-interdependence.ipynb", explorer_module="interdependence",
        explorers=("shadow_explorer",),
        analyses=("reciprocity.analyses.broockman", "reciprocity.analyses.kalist"),
        simulators=(_SIM + "repeated_games.tournament_grid", _SIM + "repeated_games.simulate_repeated_games",
                    _SIM + "repeated_games.cooperation_threshold"),
        lab_questions=(LabQuestions("outreach", ("test_interdependence", "test_gap_by_group")),)),
    Insight(
        key="04-expected-gifts", number=4, title="An expected gift is not a favour",
        chapter="book/insights/04-expected-gifts.ipynb", explorer_module="expected_gifts",
        explorers=("expected_gift_explorer",),
        analyses=("reciprocity.analyses.levin_isen",),
        simulators=(_SIM + "gifts.simulate_gift_responses", _SIM + "gifts.repayment_probability"),
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="05-social-value-orientation", number=5, title="Some people only give back when it pays",
        chapter="book/insights/05-social-value-orientation.ipynb", explorer_module="social_value_orientation",
        explorers=("svo_mix_explorer", "svo_slider_explorer"),
        analyses=("reciprocity.analyses.broockman",),
        simulators=(_SIM + "svo.simulate_favour_returns", _SIM + "svo.expected_return_rates",
                    _SIM + "svo.svo_angle", _SIM + "svo.classify_svo"),
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="06-repay-regardless", number=6, title="Many people repay regardless",
        chapter="book/insights/06-repay-regardless.ipynb", explorer_module="repay_regardless",
        explorers=("norms_explorer",),
        analyses=("reciprocity.analyses.charity", "reciprocity.analyses.fox_guyer", "reciprocity.analyses.ggl",
                  "reciprocity.analyses.broockman"),
        simulators=(_SIM + "norms.simulate_repayment", _SIM + "norms.decompose_repayment"),
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="07-meaningful-gifts", number=7, title="Give meaningful gifts",
        chapter="book/insights/07-meaningful-gifts.ipynb", explorer_module="meaningful_gifts",
        explorers=("relevance_explorer",),
        why_no_analysis="simulation only: no public data on sign-ups by relevance",
        simulators=(_SIM + "gifts.simulate_content_signups", _SIM + "gifts.content_signup_grid",
                    _SIM + "gifts.content_signup_rates"),
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="08-exceed-expectations", number=8, title="Exceed expectations",
        chapter="book/insights/08-exceed-expectations.ipynb", explorer_module="exceed_expectations",
        explorers=("surprise_value_explorer",),
        why_no_analysis="simulation only: no study crosses surprise with value",
        simulators=(_SIM + "gifts.simulate_gift_responses", _SIM + "gifts.repayment_probability"),
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="09-show-your-face", number=9, title="Show your face",
        chapter="book/insights/09-show-your-face.ipynb", explorer_module="show_your_face",
        explorers=("photo_reply_explorer",),
        why_no_analysis="a practitioner's reported counts, analysed with reciprocity.stats",
        why_no_simulator="a reported test, not a model",
        lab_questions=(LabQuestions("outreach", ("design_memo", "test_sample_sizes", "test_power_50", "test_rates",
                                                 "test_newcombe", "test_fisher", "test_permutation",
                                                 "next_test_memo")),)),
    Insight(
        key="10-show-theirs", number=10, title="...and get them to show theirs",
        chapter="book/insights/10-show-theirs.ipynb", explorer_module="show_theirs",
        explorers=("visibility_ladder_explorer",),
        analyses=("reciprocity.analyses.ggl",),
        why_no_simulator="real data only: GGL",
        why_no_lab_question=_NOT_IN_A_LAB),
    Insight(
        key="11-community-norms", number=11, title="Build social pressure and norms into a community",
        chapter="book/insights/11-community-norms.ipynb", explorer_module="community_norms",
        explorers=("community_norms_explorer",),
        analyses=("reciprocity.analyses.ggl",),
        simulators=(_SIM + "community.simulate_community", _SIM + "community.community_grid"),
        lab_questions=(LabQuestions("content", ("test_turnout", "test_neighbors_lift", "analogue_memo")),)),
    Insight(
        key="12-long-run", number=12, title="Signal that you are in it for the long run",
        chapter="book/insights/12-long-run.ipynb", explorer_module="long_run", explorers=("favour_explorer",),
        analyses=("reciprocity.analyses.broockman",),
        simulators=(_SIM + "relationship.simulate_favour_campaign", _SIM + "relationship.perceived_continuation",
                    _SIM + "relationship.favour_grid"),
        why_no_lab_question="the outreach lab's Broockman questions are filed under insight 3, "
                            "whose data they analyse"),
    Insight(
        key="13-show-the-sacrifice", number=13, title="Show the sacrifice",
        chapter="book/insights/13-show-the-sacrifice.ipynb", explorer_module="show_the_sacrifice",
        explorers=("sacrifice_explorer",),
        why_no_analysis="simulation only: no published field test of effort disclosure",
        simulators=(_SIM + "sacrifice.signup_probability", _SIM + "sacrifice.banner_test_grid",
                    _SIM + "sacrifice.banner_test", _SIM + "sacrifice.banner_test_replications",
                    _SIM + "content_test.simulate_content_test"),
        lab_questions=(LabQuestions("content", ("test_effort_permutation",)),)),
    Insight(
        key="14-add-incentives", number=14, title="Don't rely on reciprocity alone: add incentives",
        chapter="book/insights/14-add-incentives.ipynb", explorer_module="add_incentives",
        explorers=("incentive_dose_explorer",),
        analyses=("reciprocity.analyses.thornton",),
        simulators=(_SIM + "trials.simulate_trial_log",),
        lab_questions=(
            LabQuestions("content", ("test_best_arm", "decision_memo")),
            LabQuestions("trials", ("test_user_table_shape", "test_user_table_hidden", "test_funnel_shape",
                                    "test_funnel_values", "test_conversion", "test_lift", "test_itt",
                                    "test_first_value", "test_guardrails", "test_churn_permutation",
                                    "test_by_steps", "test_trap_choice", "trap_explanation", "ship_memo")),
        )),
)


def by_number(number: int) -> Insight:
    """The insight numbered ``number`` (1-14)."""
    for insight in INSIGHTS:
        if insight.number == number:
            return insight
    raise KeyError(f"no insight numbered {number!r}; insights run from 1 to 14 (the primer is by_key('primer'))")


def by_key(key: str) -> Insight:
    """The record whose key is ``key`` (a chapter's file stem, or ``"primer"``)."""
    for insight in INSIGHTS:
        if insight.key == key:
            return insight
    raise KeyError(f"no insight {key!r}; keys are {', '.join(i.key for i in INSIGHTS)}")


def insight_of(lab: str, grade_id: str) -> Insight:
    """The record a lab's graded cell is filed under (to report a class's results per insight)."""
    for insight in INSIGHTS:
        if (lab, grade_id) in insight.grade_ids:
            return insight
    raise KeyError(f"{lab}/{grade_id} is in no insight's lab_questions; file it in reciprocity/insights.py")


def _code(items) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _simulators(paths: tuple[str, ...]) -> str:
    """``simulate/gifts.py``: ``f``, ``g``; one group per module, in first-seen order."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        module, name = path.removeprefix(_SIM).rsplit(".", 1)
        groups.setdefault(module, []).append(name)
    return "; ".join(f"`simulate/{module}.py`: {_code(names)}" for module, names in groups.items())


def _row(insight: Insight) -> list[str]:
    analyses = (", ".join(f"`analyses/{name.rsplit('.', 1)[1]}.py`" for name in insight.analyses)
                or f"none ({insight.why_no_analysis})")
    explorers = f"{_code(insight.explorers)} in `explorers/{insight.explorer_module}.py`"
    simulators = _simulators(insight.simulators) or f"none ({insight.why_no_simulator})"
    questions = ("; ".join(f"{q.lab}: {_code(q.grade_ids)}" for q in insight.lab_questions)
                 or f"none ({insight.why_no_lab_question})")
    return [insight.label, f"`{insight.chapter}`", analyses, explorers, simulators, questions]


def markdown_table() -> str:
    """The index as a Markdown table (paths under ``reciprocity/``, lab grade ids by lab)."""
    header = ["insight", "chapter", "dataset analysis (`reciprocity/`)", "explorer (`reciprocity/`)",
              "simulators (`reciprocity/`)", "lab questions (`solutions/<lab>/<lab>.ipynb`)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _row(insight)) + " |" for insight in INSIGHTS]
    return "\n".join(lines) + "\n"
