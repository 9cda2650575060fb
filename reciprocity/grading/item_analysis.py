"""Which questions work: difficulty, discrimination and reliability of a lab's graded cells, per insight.

After grading, ``write_item_report`` reads every graded cell's scores from the
gradebook (``reports.cell_scores``, the reader ``summarise`` uses) and writes
three files to ``reports/<lab>/``:

``items.csv``
    one row per graded cell (a question): difficulty, discrimination,
    Cronbach's alpha without it, a flag and a note;
``insights.csv``
    one row per insight of the insight index (``reciprocity.insights``) that
    the lab assesses, then one row for the whole lab with its alpha;
``items.html``
    the same, readable: a short "how to read this", two figures (inline SVG
    with a text alternative and a caption) and two tables; no script, nothing
    fetched.

Definitions (classical test theory; every statistic is over the students
with a graded submission):

difficulty
    the mean share of the question's points the class earned, 0 to 1
    (higher is easier; the "facility" of some texts).
discrimination
    the item-rest correlation: Pearson's r (``scipy.stats.pearsonr``) between
    the scores on the question and each student's total on the *other*
    questions of the lab. For a question that scores all or nothing it is
    the point-biserial correlation with the rest score. Leaving the question
    out of the total keeps it from correlating with itself.
alpha
    Cronbach's alpha of the lab, ``k / (k - 1) * (1 - sum(s_j^2) / s_T^2)``
    for ``k`` questions with sample variances ``s_j^2`` and total-score
    variance ``s_T^2`` (Cronbach 1951, doi:10.1007/BF02310555). Neither scipy
    nor statsmodels offers it (pingouin does, but it is not a dependency of
    the course), and the formula is two variances, computed
    here with numpy (``ddof=1``).

What is left out, and why (each time with a note in the output, never an
error):

* students with no submission: their zero would measure who submitted, not
  what a question asks. They are counted (``n_submitted`` next to the class in
  the gradebook) and left out of every statistic. So is a submission with no
  score at all (its autograding failed).
* a question some of whose answers still wait for a hand grade: its
  difficulty is over the scores given so far; its discrimination is not
  computed and it is left out of the rest scores and of alpha until every
  answer is graded (then export again: ``--summary-only``).
* a question every student scored the same on (all full marks, or all zero)
  has no spread to correlate: its discrimination is NaN, it adds nothing to
  alpha's variances and is left out of alpha's ``k``, which would otherwise
  count a question that measured nothing.
* fewer than ``MIN_STUDENTS`` students, or a rest of the lab with no spread:
  discrimination NaN, with the reason.

Example
-------
>>> report = write_item_report("outreach", ".", "reports/outreach")   # doctest: +SKIP
>>> report.items.loc[report.items["flag"] != "", ["grade_id", "discrimination"]]  # doctest: +SKIP
"""
from __future__ import annotations

import html
import io
import math
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from reciprocity.insights import Insight, insight_of

from .course import Course
from .reports import CellScores, atomic_file, cell_scores

__all__ = ["LOW_DISCRIMINATION", "MIN_STUDENTS", "ITEM_FILES", "ITEM_COLUMNS", "INSIGHT_COLUMNS",
           "Reliability", "ItemReport", "cronbach_alpha", "item_statistics", "insight_results",
           "score_matrix", "build_item_report", "write_item_report", "report_html"]

#: Discrimination below this flags a question. Ebel's guide for classroom tests (Ebel & Frisbie,
#: *Essentials of Educational Measurement*, 5th ed., 1991, on the discrimination index) calls items
#: below 0.20 poor, to be revised or dropped, and 0.20-0.29 marginal; item analyses of classroom
#: tests apply the same floor to the item-rest correlation, as here.
LOW_DISCRIMINATION = 0.2

#: Fewest students with a score for a correlation to be computed: two points always lie on a line.
MIN_STUDENTS = 3

#: A student's share of an insight's points under which the insight table counts them as
#: missing it: half the points, a plain line to read, not a psychometric standard.
BELOW_HALF = 0.5

#: What ``write_item_report`` writes.
ITEM_FILES = ("items.csv", "insights.csv", "items.html")

ITEM_COLUMNS = ["grade_id", "insight", "assesses", "kind", "max_score", "n_submitted", "n_scored",
                "waiting", "difficulty", "discrimination", "alpha_without", "flag", "note"]
INSIGHT_COLUMNS = ["insight_key", "insight", "grade_ids", "n_items", "max_points", "n_students", "waiting",
                   "mean_share", "below_half", "flagged", "alpha", "note"]

FLAG = "low discrimination"
WHOLE_LAB = "Whole lab"
NOT_FILED = "not in the insight index"


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of a lab: the value, over how many questions and students, and why if NaN."""

    alpha: float
    n_items: int
    n_students: int
    note: str = ""


@dataclass(frozen=True)
class ItemReport:
    """Everything the item report shows for one lab (``build_item_report``).

    ``items`` has :data:`ITEM_COLUMNS`, ``insights`` :data:`INSIGHT_COLUMNS`
    (the last row is the whole lab). ``n_students`` counts every student in
    the gradebook, ``n_submitted`` those with a submission, ``n_graded`` those
    with at least one score (the students every statistic is over).
    """

    lab: str
    items: pd.DataFrame
    insights: pd.DataFrame
    reliability: Reliability
    n_students: int
    n_submitted: int
    n_graded: int


# ----------------------------------------------------------------------------- statistics
def cronbach_alpha(scores: pd.DataFrame | np.ndarray) -> tuple[float, str]:
    """Cronbach's alpha of a students x questions table with no missing value; (alpha, why NaN).

    ``k / (k - 1) * (1 - sum of the questions' variances / variance of the totals)``,
    sample variances (``ddof=1``; the ratio is the same with ``ddof=0``).
    NaN, with the reason, for fewer than 2 questions or students, or totals
    with no spread. Alpha can be negative: questions that disagree with each other.

    Example
    -------
    >>> cronbach_alpha(np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]]))
    (0.75, '')
    """
    values = np.asarray(scores, dtype=float)
    if values.ndim != 2 or np.isnan(values).any():
        raise ValueError("cronbach_alpha needs a 2-D table of students x questions with no missing "
                         f"score, got shape {values.shape} with {int(np.isnan(values).sum())} missing")
    n, k = values.shape
    if k < 2:
        return math.nan, f"alpha needs at least 2 questions with a spread of scores, got {k}"
    if n < 2:
        return math.nan, f"alpha needs at least 2 students, got {n}"
    total_variance = values.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return math.nan, "every student has the same total: alpha is not defined"
    alpha = k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_variance)
    return round(float(alpha), 12), ""


def _item_rest(item: np.ndarray, rest: np.ndarray, points: float) -> tuple[float, str]:
    """Item-rest correlation, or NaN and the reason it cannot be computed."""
    if np.ptp(item) == 0:
        how = "full marks" if item[0] >= points else "zero" if item[0] == 0 else f"{item[0]:g} of {points:g}"
        return math.nan, (f"every student scored the same ({how}): a question nobody misses, or nobody "
                          "gets, cannot separate students")
    if np.ptp(rest) == 0:
        return math.nan, "the rest of the lab has no spread (every student has the same total on it)"
    # rounded so that a correlation of zero that floating point leaves at -1e-17 does not read as negative
    return round(float(stats.pearsonr(item, rest).statistic), 12) + 0.0, ""


def item_statistics(scores: pd.DataFrame, max_scores: Mapping[str, float]) -> tuple[pd.DataFrame, Reliability]:
    """Difficulty, discrimination, alpha without each question, flag and note, per question; the lab's alpha.

    Parameters
    ----------
    scores : pandas.DataFrame
        Students x questions (columns named by ``grade_id``), one row per
        student with a graded submission; NaN where an answer has no score yet.
    max_scores : mapping
        ``grade_id`` -> the question's points.

    Returns
    -------
    (pandas.DataFrame, Reliability)
        One row per question, in the columns' order: ``grade_id``,
        ``max_score``, ``n_scored``, ``waiting`` (answers without a score),
        ``difficulty``, ``discrimination``, ``alpha_without``, ``flag``
        (``"low discrimination"`` below :data:`LOW_DISCRIMINATION`, else
        empty) and ``note``; and the alpha of the questions every student has
        a score for (constant ones left out).

    Example
    -------
    >>> frame = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [1, 0, 0, 0]})
    >>> items, alpha = item_statistics(frame, {"a": 1, "b": 1, "c": 1})
    >>> print(round(items.loc[0, "discrimination"], 4), alpha.alpha)
    0.5222 0.75
    """
    n = len(scores)
    complete = [c for c in scores.columns if scores[c].notna().all() and n > 0]
    spread = [c for c in complete if np.ptp(scores[c].to_numpy(dtype=float)) > 0]
    in_test = scores[spread].to_numpy(dtype=float)
    total = in_test.sum(axis=1)
    alpha, why = (cronbach_alpha(in_test) if spread else
                  (math.nan, "no graded submission yet") if n == 0 else
                  (math.nan, "no question has a score from every student and a spread of scores"))
    reliability = Reliability(alpha, len(spread), n, why)
    rows = []
    for grade_id in scores.columns:
        column = scores[grade_id]
        points = float(max_scores[grade_id])
        scored = column.dropna().to_numpy(dtype=float)
        waiting = int(column.isna().sum())
        difficulty = float(scored.mean() / points) if len(scored) and points else math.nan
        discrimination, note = math.nan, ""
        if waiting:
            note = (f"{waiting} answer(s) still wait for a hand grade: discrimination and alpha leave this "
                    "question out until they are graded (then export again)")
        elif not len(scored):
            note = "no score yet"
        elif len(scored) < MIN_STUDENTS:
            note = f"{len(scored)} graded submission(s): a correlation needs at least {MIN_STUDENTS}"
        elif len(spread) < 2 and grade_id in spread:
            note = "no other question with a spread of scores to compare with"
        else:
            rest = total - column.to_numpy(dtype=float) if grade_id in spread else total
            discrimination, note = _item_rest(scored, rest, points)
        alpha_without = math.nan
        if grade_id in spread and len(spread) > 2:
            alpha_without = cronbach_alpha(scores[[c for c in spread if c != grade_id]])[0]
        flagged = not math.isnan(discrimination) and discrimination < LOW_DISCRIMINATION
        if flagged:
            note = (f"below {LOW_DISCRIMINATION:g} and negative: students who did well on the rest of the lab did "
                    "no better on this question; check its key and hidden tests first"
                    if discrimination < 0 else
                    f"below {LOW_DISCRIMINATION:g}: this question barely separates the students who did well on "
                    "the rest of the lab from the others")
        rows.append({"grade_id": grade_id, "max_score": points, "n_scored": len(scored), "waiting": waiting,
                     "difficulty": difficulty, "discrimination": discrimination,
                     "alpha_without": alpha_without, "flag": FLAG if flagged else "", "note": note})
    columns = ["grade_id", "max_score", "n_scored", "waiting", "difficulty", "discrimination",
               "alpha_without", "flag", "note"]
    return pd.DataFrame(rows, columns=columns), reliability


def _insight_or_none(lookup: Callable[[str, str], Insight], lab: str, grade_id: str) -> Insight | None:
    try:
        return lookup(lab, grade_id)
    except KeyError:
        return None


def insight_results(scores: pd.DataFrame, max_scores: Mapping[str, float], lab: str, *,
                    items: pd.DataFrame | None = None, reliability: Reliability | None = None,
                    lookup: Callable[[str, str], Insight] = insight_of) -> pd.DataFrame:
    """The class's results per insight (the insight index's ``insight_of``), then the whole lab.

    For each insight the lab's questions are filed under (questions filed under
    none come last, as "not in the insight index"): the questions, their points,
    ``n_students`` (students with a score on at least one of them), ``waiting``
    (answers without a score), ``mean_share`` (the mean over students of the
    share of the insight's points each earned, over the questions scored so
    far), ``below_half`` (the share of those students below half the points:
    who misses the insight) and the questions flagged in ``items`` (the output
    of ``item_statistics``). The last row, ``"Whole lab"``, holds the same for
    every question, and ``alpha``.
    """
    groups: dict[str, tuple[str, list[str]]] = {}
    order: dict[str, float] = {}
    for grade_id in scores.columns:
        insight = _insight_or_none(lookup, lab, grade_id)
        key = insight.key if insight else ""
        label = insight.label if insight else NOT_FILED
        groups.setdefault(key, (label, []))[1].append(grade_id)
        order[key] = (insight.number or 0) if insight else math.inf
    flagged = set(items.loc[items["flag"] != "", "grade_id"]) if items is not None else set()
    rows = [_insight_row(key, label, ids, scores, max_scores, flagged)
            for key, (label, ids) in sorted(groups.items(), key=lambda kv: order[kv[0]])]
    whole = _insight_row("lab", WHOLE_LAB, list(scores.columns), scores, max_scores, flagged)
    if reliability is not None:
        whole.update(alpha=reliability.alpha,
                     note=reliability.note or f"alpha over the {reliability.n_items} question(s) scored for "
                                              "every student, not all alike")
    return pd.DataFrame([*rows, whole], columns=INSIGHT_COLUMNS)


def _insight_row(key: str, label: str, ids: list[str], scores: pd.DataFrame, max_scores: Mapping[str, float],
                 flagged: set[str]) -> dict:
    part = scores[ids]
    points = pd.Series({g: float(max_scores[g]) for g in ids})
    earned = part.sum(axis=1, min_count=1)
    possible = part.notna().mul(points, axis=1).sum(axis=1)
    share = (earned / possible.where(possible > 0)).dropna()
    return {"insight_key": key, "insight": label, "grade_ids": "; ".join(ids), "n_items": len(ids),
            "max_points": float(points.sum()), "n_students": len(share), "waiting": int(part.isna().sum().sum()),
            "mean_share": float(share.mean()) if len(share) else math.nan,
            "below_half": float((share < BELOW_HALF).mean()) if len(share) else math.nan,
            "flagged": "; ".join(g for g in ids if g in flagged), "alpha": math.nan,
            "note": "" if key else "file these questions in reciprocity/insights.py"}


# ----------------------------------------------------------------------------- the gradebook
def _question_names(cells: pd.DataFrame) -> list[str]:
    """Each graded cell's name in the report: ``grade_id``, or ``notebook/grade_id`` if two notebooks share one."""
    shared = cells["grade_id"].duplicated(keep=False)
    return [f"{nb}/{g}" if dup else g for nb, g, dup in zip(cells["notebook"], cells["grade_id"], shared, strict=True)]


def score_matrix(data: CellScores) -> tuple[pd.DataFrame, dict[str, float]]:
    """Students x questions from ``reports.cell_scores``; the questions' points.

    Rows: the students with a submission and at least one score, in order;
    columns: the graded cells, in notebook order, named by ``grade_id``
    (``notebook/grade_id`` when two notebooks share one). NaN where an answer
    has no score yet.
    """
    names = _question_names(data.cells)
    key = dict(zip(zip(data.cells["notebook"], data.cells["grade_id"], strict=True), names, strict=True))
    long = data.scores.assign(item=[key[cell] for cell in zip(data.scores["notebook"], data.scores["grade_id"],
                                                               strict=True)])
    wide = long.pivot_table(index="student_id", columns="item", values="score", aggfunc="first", dropna=False)
    wide = wide.reindex(index=[s for s in data.submitted if s in wide.index], columns=names)
    wide = wide[wide.notna().any(axis=1)]  # a submission with no score at all: its autograding failed
    wide.columns.name = None
    return wide.astype(float), dict(zip(names, data.cells["max_score"].astype(float), strict=True))


def build_item_report(lab: str, course_dir: str | Path, *, db_url: str | None = None,
                      students: list[str] | None = None,
                      lookup: Callable[[str, str], Insight] = insight_of) -> ItemReport:
    """Read ``lab``'s scores from the gradebook and compute the item report (nothing is written).

    ``lookup`` files a question under an insight (default: the insight index's ``insight_of``).
    """
    course = Path(course_dir).resolve()
    data = cell_scores(lab, course, db_url=db_url, students=students)
    matrix, max_scores = score_matrix(data)
    items, reliability = item_statistics(matrix, max_scores)
    labels = Course.load(course).cell_labels(lab)
    insights = [_insight_or_none(lookup, lab, g) for g in data.cells["grade_id"]]
    items = items.assign(
        insight=[i.label if i else NOT_FILED for i in insights],
        assesses=[labels.get(g, {}).get("assesses", "") for g in data.cells["grade_id"]],
        kind=data.cells["kind"].tolist(), n_submitted=len(data.submitted))[ITEM_COLUMNS]
    by_insight = insight_results(matrix, max_scores, lab, items=items, reliability=reliability,
                                 lookup=lambda lab, name: lookup(lab, name.split("/")[-1]))
    return ItemReport(lab=lab, items=items, insights=by_insight, reliability=reliability,
                      n_students=len(set(data.students) | set(data.submitted)),
                      n_submitted=len(data.submitted), n_graded=len(matrix))


def write_item_report(lab: str, course_dir: str | Path, out_dir: str | Path, *, db_url: str | None = None,
                      students: list[str] | None = None) -> ItemReport:
    """``build_item_report``, then ``items.csv``, ``insights.csv`` and ``items.html`` in ``out_dir``.

    Everything is computed before anything is written; each file is written
    to a temporary file and renamed over the old one (``reports.atomic_file``),
    so a failure leaves the previous report as it was.
    """
    report = build_item_report(lab, course_dir, db_url=db_url, students=students)
    out = Path(out_dir).resolve()
    page = report_html(report)
    with atomic_file(out / "items.csv") as items_csv, atomic_file(out / "insights.csv") as insights_csv, \
            atomic_file(out / "items.html") as page_html:
        report.items.to_csv(items_csv, index=False, lineterminator="\n")
        report.insights.to_csv(insights_csv, index=False, lineterminator="\n")
        page_html.write_text(page, encoding="utf-8")
    return report


# ----------------------------------------------------------------------------- the HTML page
STYLE = """
:root { color-scheme: light dark; --fg: #1a1a1a; --bg: #ffffff; --muted: #4a4a4a; --rule: #8a8a8a;
  --stripe: #f2f2f2; --flag-bg: #fde8dc; --flag-fg: #7a2600; --link: #005a8c; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #ececec; --bg: #14161a; --muted: #c4c4c4; --rule: #8a8a8a; --stripe: #22262c;
    --flag-bg: #4a1f0a; --flag-fg: #ffd3bd; --link: #8cc8ff; }
}
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 90rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; }
h2 { font-size: 1.3rem; margin-top: 2rem; }
p, li { max-width: 48rem; }
.muted { color: var(--muted); }
figure { margin: 1rem 0; }
figure .plot { background: #ffffff; border: 1px solid var(--rule); padding: .25rem; max-width: 52rem; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); max-width: 48rem; margin-top: .4rem; }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
.table-wrap:focus { outline: 3px solid var(--link); outline-offset: 2px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .4rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .35rem .5rem; vertical-align: top; text-align: left; }
thead th { border-bottom: 2px solid var(--fg); }
tbody tr:nth-child(even) { background: var(--stripe); }
td.num { text-align: right; white-space: nowrap; }
tr.flagged { background: var(--flag-bg) !important; color: var(--flag-fg); }
.flag { font-weight: 700; }
td { overflow-wrap: break-word; }
"""


def _num(value: float, digits: int = 2) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _pct(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"


def _svg(fig, prefix: str, title: str, desc: str) -> str:
    """A matplotlib figure as inline SVG: ids made unique to the page, a title and a description."""
    from reciprocity.plots import SVG_METADATA

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    opening = svg.index(">") + 1
    head = svg[:opening].replace(
        "<svg", f'<svg role="img" aria-labelledby="{prefix}-title {prefix}-desc" focusable="false"', 1)
    return (f'{head}<title id="{prefix}-title">{html.escape(title)}</title>'
            f'<desc id="{prefix}-desc">{html.escape(desc)}</desc>{svg[opening:]}')


def _items_figure(report: ItemReport) -> tuple[str, str]:
    """Difficulty against discrimination, one mark per question, the flag line drawn; (svg, caption)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reciprocity.plots import GREY, PALETTE, use_course_style

    use_course_style()
    items = report.items
    shown = items[items["discrimination"].notna()]
    ok, low = shown[shown["flag"] == ""], shown[shown["flag"] != ""]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.axhline(LOW_DISCRIMINATION, color=GREY, linestyle="--", linewidth=1)
    ax.text(1.0, LOW_DISCRIMINATION, f" flag line {LOW_DISCRIMINATION:g}", color="#333333", va="bottom",
            ha="right", fontsize=9, transform=ax.get_yaxis_transform())
    ax.scatter(ok["difficulty"], ok["discrimination"], marker="o", s=42, color=PALETTE[0],
               label="question")
    ax.scatter(low["difficulty"], low["discrimination"], marker="X", s=80, color=PALETTE[3],
               label=f"flagged: below {LOW_DISCRIMINATION:g}")
    number = {gid: i for i, gid in enumerate(items["grade_id"], start=1)}  # the row in Table 1
    for row in shown.itertuples():
        ax.annotate(str(number[row.grade_id]), (row.difficulty, row.discrimination), xytext=(5, 3),
                    textcoords="offset points", fontsize=9, color="#222222")
    low_y = min([-0.1, *shown["discrimination"].tolist()]) - 0.05
    high_y = max([0.7, *shown["discrimination"].tolist()]) + 0.05
    ax.set_xlim(-0.02, 1.05)
    ax.set_ylim(low_y, high_y)
    ax.set_xlabel("difficulty: mean share of the points earned (right is easier)")
    ax.set_ylabel("discrimination: item-rest r")
    ax.set_title(f"Lab '{report.lab}': how hard each question was and how well it separated students")
    if len(shown):
        ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    missing = items.loc[items["discrimination"].isna(), "grade_id"].tolist()
    flagged = low["grade_id"].tolist()
    desc = (f"Scatter plot of {len(shown)} question(s), numbered as in Table 1: difficulty from 0 to 1 across, "
            f"discrimination down to up, with a dashed line at {LOW_DISCRIMINATION:g}. "
            + (f"Flagged below the line: {', '.join(flagged)}. " if flagged else "No question is below the line. ")
            + (f"Not plotted (no discrimination): {', '.join(missing)}." if missing else ""))
    svg = _svg(fig, "fig-items", f"Difficulty and discrimination of each question of lab {report.lab}", desc)
    plt.close(fig)
    caption = ("Figure 1. Each mark is a question, numbered as in Table 1: across, the share of its points the "
               "class earned; up, how well its score agrees with the rest of the lab. Crosses below the dashed line "
               "are flagged (also marked in the table). "
               + (f"Questions without a discrimination are not drawn: {', '.join(missing)} (see the note in the "
                  "table)." if missing else ""))
    return svg, caption


def _insights_figure(report: ItemReport) -> tuple[str, str]:
    """Mean share of the points per insight, as horizontal bars; (svg, caption)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reciprocity.plots import PALETTE, use_course_style

    use_course_style()
    rows = report.insights
    values = rows["mean_share"].fillna(0).to_numpy()
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.4))
    colours = [PALETTE[7] if key == "lab" else PALETTE[0] for key in rows["insight_key"]]
    ax.barh(range(len(rows)), values, color=colours)
    for i, value in enumerate(rows["mean_share"]):
        ax.text(min(value if not math.isnan(value) else 0, 0.98) + 0.01, i, _pct(value), va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [_wrapped(label) for label in rows["insight"]], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("mean share of the insight's points earned")
    ax.set_title(f"Lab '{report.lab}': results per insight")
    fig.tight_layout()
    desc = "Horizontal bars, one per insight and one for the whole lab: " + "; ".join(
        f"{label} {_pct(value)}" for label, value in zip(rows["insight"], rows["mean_share"], strict=True)) + "."
    svg = _svg(fig, "fig-insights", f"Mean share of the points per insight in lab {report.lab}", desc)
    plt.close(fig)
    caption = ("Figure 2. The share of the points the class earned on the questions filed under each insight "
               "(the insight index); the last bar is the whole lab. The table below gives the same numbers "
               "and how many students earned less than half of each insight's points.")
    return svg, caption


def _wrapped(label: str, width: int = 34) -> str:
    """A tick label broken over lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(label, width)) or label


def _how_to_read(report: ItemReport) -> str:
    t = f"{LOW_DISCRIMINATION:g}"
    return f"""
<section aria-labelledby="how">
<h2 id="how">How to read this</h2>
<p>Each graded cell of the lab is a <em>question</em>. Its <strong>difficulty</strong> is the share of its points
the class earned, from 0 (nobody) to 1 (everybody): higher means easier. Its <strong>discrimination</strong> is the
correlation between the scores on that question and each student's total on the <em>other</em> questions: near 0,
the question says nothing about who did well elsewhere; negative, the students who did well elsewhere did
worse on it, which usually means a wrong key or a hidden test that refuses correct answers. Questions below
{t} are <strong>flagged</strong>, in the figure and in the table. <strong>Cronbach's alpha</strong> tells how
consistently the questions rank students together (1 is perfect agreement); "alpha without" shows what it would
be without one question: a question whose removal raises alpha does not pull with the others.</p>
<p>A flag is a prompt to look, not a verdict: with a small class every correlation is uncertain, and a question
every student gets right (or wrong) has none. Before changing a flagged question, read its key and its wording,
run its hidden tests on correct answers written differently, and check its points. The per-insight table says
which ideas the class has not yet grasped. Students without a submission are left out of every number; answers
still waiting for a hand grade keep their question out of the discrimination and alpha until they are graded.</p>
</section>"""


def _table(caption: str, table_id: str, headers: list[str], rows: list[tuple[list[str], bool]], *,
           row_header: int = 0) -> str:
    """A table in a focusable, labelled scroll region; cell ``row_header`` of each row is its header."""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = []
    for cells, flagged in rows:
        tds = "".join(f'<th scope="row">{c}</th>' if i == row_header else
                      f'<td class="num">{c}</td>' if _is_number(c) else f"<td>{c}</td>"
                      for i, c in enumerate(cells))
        css = ' class="flagged"' if flagged else ""
        body.append(f"<tr{css}>{tds}</tr>")
    return (f'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{table_id}-caption">'
            f'<table id="{table_id}"><caption id="{table_id}-caption">{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _code(grade_id: str) -> str:
    """A grade id as code that may break after its underscores, never inside a word."""
    return "<code>" + html.escape(grade_id).replace("_", "_<wbr>") + "</code>"


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[−\-]?[\d.,]+%?( of \d+)?|—", text))


def _item_rows(items: pd.DataFrame) -> list[tuple[list[str], bool]]:
    rows = []
    for number, r in enumerate(items.itertuples(), start=1):
        flagged = bool(r.flag)
        mark = f'<span class="flag">⚑ Flagged: {html.escape(r.flag)}</span><br>' if flagged else ""
        points = f"{r.max_score:g}" + (" (by hand)" if r.kind == "manual" else "")
        rows.append(([str(number), _code(r.grade_id), html.escape(r.assesses or ""),
                      html.escape(r.insight), points, f"{r.n_scored} of {r.n_submitted}",
                      _num(r.difficulty), _num(r.discrimination), _num(r.alpha_without),
                      mark + html.escape(r.note)], flagged))
    return rows


def _insight_rows(insights: pd.DataFrame) -> list[tuple[list[str], bool]]:
    rows = []
    for r in insights.itertuples():
        ids = ", ".join(_code(g) for g in r.grade_ids.split("; ") if g)
        flagged = ", ".join(_code(g) for g in r.flagged.split("; ") if g)
        name = f"<strong>{html.escape(r.insight)}</strong>" if r.insight_key == "lab" else html.escape(r.insight)
        rows.append(([name, ids, f"{r.max_points:g}", str(r.n_students), _pct(r.mean_share), _pct(r.below_half),
                      flagged or "none", _num(r.alpha), html.escape(r.note)], False))
    return rows


def report_html(report: ItemReport) -> str:
    """The item report as one self-contained, accessible HTML page (no script, nothing fetched)."""
    lab = html.escape(report.lab)
    rel = report.reliability
    flagged = report.items.loc[report.items["flag"] != "", "grade_id"].tolist()
    absent = report.n_students - report.n_submitted
    alpha_text = (f"Cronbach's alpha is <strong>{_num(rel.alpha)}</strong> over {rel.n_items} question(s) and "
                  f"{rel.n_students} student(s)." if not math.isnan(rel.alpha)
                  else f"Cronbach's alpha is not computed: {html.escape(rel.note)}.")
    flag_text = (f"<strong>{len(flagged)} question(s) flagged</strong> (discrimination below "
                 f"{LOW_DISCRIMINATION:g}): " + ", ".join(f"<code>{html.escape(g)}</code>" for g in flagged) + "."
                 if flagged else f"No question is flagged (discrimination below {LOW_DISCRIMINATION:g}).")
    items_svg, items_caption = _items_figure(report)
    insights_svg, insights_caption = _insights_figure(report)
    items_table = _table(
        f"Table 1. Every graded question of lab {report.lab}, in notebook order", "items",
        ["No.", "Question", "What it assesses", "Insight", "Points", "Scored", "Difficulty", "Discrimination",
         "Alpha without it", "Flag and note"], _item_rows(report.items), row_header=1)
    insights_table = _table(
        f"Table 2. Results per insight in lab {report.lab}, then the whole lab", "insights",
        ["Insight", "Questions", "Points", "Students", "Mean share", "Below half the points", "Flagged",
         "Alpha", "Note"], _insight_rows(report.insights))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Item report: lab {lab}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Which questions work: item report for lab {lab}</h1>
<p>From the gradebook: {report.n_submitted} submission(s), {report.n_graded} with a score, of
{report.n_students} student(s) in the gradebook ({absent} without a submission, left out). {alpha_text}
{flag_text}</p>
{_how_to_read(report)}
<section aria-labelledby="questions">
<h2 id="questions">Questions</h2>
<figure aria-labelledby="fig-items-caption"><div class="plot">{items_svg}</div>
<figcaption id="fig-items-caption">{html.escape(items_caption)}</figcaption></figure>
{items_table}
</section>
<section aria-labelledby="per-insight">
<h2 id="per-insight">Results per insight</h2>
<figure aria-labelledby="fig-insights-caption"><div class="plot">{insights_svg}</div>
<figcaption id="fig-insights-caption">{html.escape(insights_caption)}</figcaption></figure>
{insights_table}
</section>
<p class="muted">Written by <code>python -m reciprocity.grading</code> (module
<code>reciprocity.grading.item_analysis</code>); the same numbers are in <code>items.csv</code> and
<code>insights.csv</code> beside this page.</p>
</main>
</body>
</html>
"""
