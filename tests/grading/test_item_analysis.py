"""The item report: which questions work, checked against hand-worked answers, simulated classes and a gradebook.

1. **Known answers.** A four-student, three-question table whose every
   number is worked out by hand below (difficulty, item-rest correlations,
   Cronbach's alpha with and without a question), the flag, and every case
   where a statistic cannot be computed (no spread, answers waiting for a
   hand grade, too few students, nobody): NaN with the reason, no warning.
2. **Simulated classes** (``reciprocity.simulate.simulate_item_responses``,
   a 2PL model with known slopes): the recovered discrimination correlates
   at least 0.9 with the true slopes, for several seeds and class sizes, and
   the flag falls on the questions built to be bad. Why a class of
   ``CLASS_SIZE`` is enough is derived in ``test_the_class_size_is_enough``.
3. **A real nbgrader gradebook**, filled through nbgrader's Gradebook API (no
   kernel runs): the grading command's export writes ``items.csv``,
   ``insights.csv`` and ``items.html``; their numbers match the scores
   written, per insight through the insight index; the page is
   self-contained and passes axe in Chromium; a failing item report does not
   fail the export.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from reciprocity import grading
from reciprocity.grading import item_analysis
from reciprocity.grading.gradebook import enrol_students
from reciprocity.grading.item_analysis import (
    LOW_DISCRIMINATION,
    cronbach_alpha,
    insight_results,
    item_statistics,
)
from reciprocity.insights import insight_of
from reciprocity.simulate import simulate_item_responses
from tests.support.nbgrader_course import lab_notebook, register_lab, write_source, write_submission
from tests.support.site_checks import LAPTOP, PHONE, axe_violations

# --- 1. known answers ----------------------------------------------------------------------------------------------

#: Four students, three one-point questions. Totals 3, 2, 1, 0.
HAND = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [1, 0, 0, 0]}, dtype=float)
ONE_POINT = {"a": 1, "b": 1, "c": 1}


def _stats(frame: pd.DataFrame, points: dict | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a constant input must be caught before scipy warns about it
        items, reliability = item_statistics(frame, points or dict.fromkeys(frame.columns, 1))
    return items.set_index("grade_id"), reliability


def test_alpha_matches_the_hand_worked_example():
    # sample variances: a 1/4, b 1/3, c 1/4 (sum 5/6); totals 3, 2, 1, 0: 5/3.
    # alpha = 3/2 * (1 - (5/6) / (5/3)) = 3/2 * 1/2 = 0.75
    assert cronbach_alpha(HAND) == (pytest.approx(0.75), "")
    assert _stats(HAND)[1].alpha == pytest.approx(0.75)
    assert (_stats(HAND)[1].n_items, _stats(HAND)[1].n_students) == (3, 4)


def test_alpha_without_a_question_matches_the_hand_worked_example():
    # without a: b 1/3 + c 1/4 = 7/12; totals 2, 1, 0, 0: 11/12; alpha = 2 * (1 - 7/11) = 8/11
    items, _ = _stats(HAND)
    assert items.loc["a", "alpha_without"] == pytest.approx(8 / 11)
    assert cronbach_alpha(HAND[["b", "c"]])[0] == pytest.approx(8 / 11)


def test_discrimination_is_the_item_rest_correlation_worked_by_hand():
    # a = (1,1,1,0) against the rest b+c = (2,1,0,0): covariance 1/4, variances 1/4 and 11/12: r = sqrt(3/11)
    # b = (1,1,0,0) against a+c = (2,1,1,0): covariance 1/3, variances 1/3 and 2/3: r = 1/sqrt(2)
    # c = (1,0,0,0) against a+b = (2,2,1,0): covariance 1/4, variances 1/4 and 11/12: r = sqrt(3/11)
    items, _ = _stats(HAND)
    assert items["discrimination"].to_dict() == pytest.approx(
        {"a": math.sqrt(3 / 11), "b": 1 / math.sqrt(2), "c": math.sqrt(3 / 11)})
    assert (items["flag"] == "").all()


def test_difficulty_is_the_mean_share_of_the_points():
    frame = pd.DataFrame({"two": [2, 1, 0, 2], "one": [1, 1, 0, 0]}, dtype=float)
    items, _ = _stats(frame, {"two": 2, "one": 1})
    assert items.loc["two", "difficulty"] == pytest.approx(5 / 8)  # (2 + 1 + 0 + 2) / 4 / 2 points
    assert items.loc["one", "difficulty"] == pytest.approx(0.5)
    assert items["max_score"].tolist() == [2, 1]


def test_a_question_below_the_line_is_flagged_and_a_negative_one_says_so():
    reversed_key = HAND.assign(d=[0, 0, 0, 1])  # the weakest student alone gets it right
    items, _ = _stats(reversed_key)
    assert items.loc["d", "discrimination"] < 0
    assert items.loc["d", "flag"] == "low discrimination"
    assert "negative" in items.loc["d", "note"] and "key" in items.loc["d", "note"]
    assert items.loc[["b", "c"], "discrimination"].tolist() == pytest.approx([1 / math.sqrt(3)] * 2)
    assert (items.loc[["b", "c"], "flag"] == "").all()
    # a = (1,1,1,0) against b+c+d = (2,1,0,1): covariance 0. A wrong key drags down the questions beside it.
    assert items.loc["a", "discrimination"] == pytest.approx(0, abs=1e-12)
    assert items.loc["a", "flag"] == "low discrimination" and "negative" not in items.loc["a", "note"]


def test_the_flag_follows_the_threshold_constant(monkeypatch):
    assert LOW_DISCRIMINATION == 0.2
    monkeypatch.setattr(item_analysis, "LOW_DISCRIMINATION", 0.6)  # between sqrt(3/11) and 1/sqrt(2)
    items, _ = _stats(HAND)
    assert items["flag"].to_dict() == {"a": "low discrimination", "b": "", "c": "low discrimination"}
    assert "below 0.6" in items.loc["a", "note"]


@pytest.mark.parametrize("constant, words", [(1.0, "full marks"), (0.0, "zero")])
def test_a_question_everyone_scored_the_same_on_has_no_discrimination_and_stays_out_of_alpha(constant, words):
    items, reliability = _stats(HAND.assign(same=constant))
    assert math.isnan(items.loc["same", "discrimination"])
    assert f"every student scored the same ({words})" in items.loc["same", "note"]
    assert items.loc["same", "flag"] == ""
    assert (reliability.n_items, reliability.alpha) == (3, pytest.approx(0.75))  # as without it
    assert items.loc[["a", "b", "c"], "discrimination"].tolist() == pytest.approx(
        _stats(HAND)[0]["discrimination"].tolist())


def test_a_rest_of_the_lab_without_spread_gives_nan_and_the_reason():
    frame = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 1, 0], "c": [0, 1, 0, 1]}, dtype=float)  # b + c = 1
    items, _ = _stats(frame)
    assert math.isnan(items.loc["a", "discrimination"])
    assert "rest of the lab has no spread" in items.loc["a", "note"]


def test_totals_without_spread_give_no_alpha_and_the_reason():
    frame = pd.DataFrame({"b": [1, 0, 1, 0], "c": [0, 1, 0, 1]}, dtype=float)
    alpha, why = cronbach_alpha(frame)
    assert math.isnan(alpha) and "same total" in why
    assert math.isnan(_stats(frame)[1].alpha)


def test_answers_waiting_for_a_hand_grade_keep_their_question_out_until_graded():
    frame = HAND.assign(memo=[3, np.nan, 1, 0])
    items, reliability = _stats(frame, {**ONE_POINT, "memo": 3})
    assert items.loc["memo", "difficulty"] == pytest.approx(4 / 3 / 3)  # over the three scores given
    assert (items.loc["memo", "n_scored"], items.loc["memo", "waiting"]) == (3, 1)
    assert math.isnan(items.loc["memo", "discrimination"]) and "hand grade" in items.loc["memo", "note"]
    assert reliability.n_items == 3 and reliability.alpha == pytest.approx(0.75)
    assert items.loc["a", "discrimination"] == pytest.approx(math.sqrt(3 / 11))  # the rest leaves it out


def test_too_few_students_or_none_give_nan_never_an_error():
    items, _ = _stats(HAND.iloc[:2])
    assert items["discrimination"].isna().all()
    assert all("at least 3" in note or "scored the same" in note for note in items["note"])
    empty, nobody = _stats(HAND.iloc[:0])
    assert empty["difficulty"].isna().all() and (empty["note"] == "no score yet").all()
    assert math.isnan(nobody.alpha) and nobody.note


def test_results_per_insight_are_the_shares_of_each_insights_points():
    class Filed:  # stands in for an insight record
        def __init__(self, key, number):
            self.key, self.number, self.label = key, number, f"{number}. {key}"

    filing = {"a": Filed("one", 1), "b": Filed("two", 2), "c": Filed("two", 2)}

    def lookup(lab, grade_id):
        if grade_id not in filing:
            raise KeyError(grade_id)
        return filing[grade_id]

    frame = HAND.assign(loose=[1, 1, 1, 1])
    items, reliability = item_statistics(frame, {**ONE_POINT, "loose": 1})
    table = insight_results(frame, {**ONE_POINT, "loose": 1}, "lab", items=items, reliability=reliability,
                            lookup=lookup).set_index("insight")
    assert table.index.tolist() == ["1. one", "2. two", "not in the insight index", "Whole lab"]
    # insight two: b + c per student = 2, 1, 0, 0 of 2 points: shares 1, 1/2, 0, 0
    assert table.loc["2. two", "mean_share"] == pytest.approx(3 / 8)
    assert table.loc["2. two", "below_half"] == pytest.approx(0.5)  # 0 and 0 are below half; 1/2 is not
    assert table.loc["2. two", "grade_ids"] == "b; c" and table.loc["2. two", "max_points"] == 2
    assert table.loc["1. one", "mean_share"] == pytest.approx(0.75)
    assert "reciprocity/insights.py" in table.loc["not in the insight index", "note"]
    assert table.loc["Whole lab", "alpha"] == pytest.approx(0.75)
    assert table.loc["Whole lab", "mean_share"] == pytest.approx((4 + 3 + 2 + 1) / 4 / 4)
    assert table.loc[["1. one", "2. two"], "alpha"].isna().all()


# --- 2. simulated classes with known slopes ------------------------------------------------------------------------

#: The class size the recovery is checked at (derived in ``test_the_class_size_is_enough``).
CLASS_SIZE = 400
TARGET = 0.9


def _recovered(n_students: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The item statistics of a simulated class, and the true slopes of its questions."""
    frame = simulate_item_responses(n_students, seed=seed)
    questions = frame.drop_duplicates("grade_id")
    wide = pd.DataFrame(frame["score"].to_numpy().reshape(n_students, len(questions)),
                        columns=questions["grade_id"])  # rows: students in order, then questions
    items, _ = item_statistics(wide, dict(zip(questions["grade_id"], questions["max_score"], strict=True)))
    return items, questions["slope"].to_numpy()


def test_the_class_size_is_enough():
    """Why ``CLASS_SIZE`` students: the recovered correlation is the truth's, thinned by sampling error.

    A correlation from ``n`` students has a standard error of about
    ``(1 - r^2) / sqrt(n)``. Across the questions, the true item-rest
    correlations spread with a standard deviation ``s``; the estimates add
    independent noise of variance ``SE^2``, so the correlation of estimates
    with truth shrinks by ``sqrt(s^2 / (s^2 + SE^2))``. It also starts below 1
    in an infinite class (``rho``), because the point-biserial flattens for
    sharp questions while the slope keeps growing. So the expected recovery is
    ``rho * sqrt(s^2 / (s^2 + SE^2))``, and it reaches ``TARGET`` from
    ``n_needed = (1 - r^2)^2 q / (s^2 (1 - q))`` with ``q = (TARGET / rho)^2``.
    A class of 20,000 gives ``rho`` and ``s`` (about 0.97 and 0.17 for the
    simulator's questions, so ``n_needed`` is near 180). That is the class size
    at which an *average* class reaches the target; with only sixteen
    questions the correlation itself varies from class to class, and twice
    ``n_needed`` (half the error variance) puts nearly every class above it:
    in 300 seeds at 400 students, 299 were. Smaller classes recover less:
    the instructor guide says a flag is a prompt to look, not a verdict.
    """
    items, slopes = _recovered(20_000, seed=2026)
    r = items["discrimination"].to_numpy()
    rho = np.corrcoef(r, slopes)[0, 1]
    spread = r.std()
    error = np.mean(1 - r ** 2)
    q = (TARGET / rho) ** 2
    n_needed = error ** 2 * q / (spread ** 2 * (1 - q))
    assert rho > TARGET  # reachable at all: the truth is nearly linear in the slope
    assert 2 * n_needed <= CLASS_SIZE
    expected = rho * math.sqrt(spread ** 2 / (spread ** 2 + error ** 2 / CLASS_SIZE))
    assert expected > TARGET


@pytest.mark.parametrize("n_students", [CLASS_SIZE, 2 * CLASS_SIZE])
def test_recovered_discrimination_correlates_with_the_true_slopes(n_students):
    recovered = []
    for seed in range(5):
        items, slopes = _recovered(n_students, seed)
        recovered.append(np.corrcoef(items["discrimination"], slopes)[0, 1])
    assert min(recovered) >= TARGET, recovered


def test_the_flag_falls_on_the_questions_built_to_be_bad():
    items, slopes = _recovered(2 * CLASS_SIZE, seed=11)
    flagged = items["flag"] != ""
    assert flagged[slopes <= 0.1].all()  # a wrong key, a question that measures nothing, one nearly so
    assert not flagged[slopes >= 1.1].any()  # true item-rest r of 0.3 and more: far above the line


# --- 3. a real nbgrader gradebook ----------------------------------------------------------------------------------

LAB = "outreach"  # real grade ids of the outreach lab, so the insight index files them
TESTS = {"test_wilson_visible": 1, "test_wilson_hidden": 3, "test_interdependence": 2, "test_gap_by_group": 2,
         "test_rates": 1, "test_newcombe": 2, "test_fisher": 2}
MEMOS = {"design_memo": 4}
LABELS = {gid: {"assesses": f"what {gid} checks"} for gid in [*TESTS, *MEMOS]}
#: Scores per student (strongest first) in the order of TESTS then MEMOS; None: the memo waits for a hand
#: grade. Everyone gets the first question; the fourth goes to the weaker students (as if its key were wrong).
SCORES = {
    "ann": (1, 3, 2, 0, 1, 2, 2, 4), "bo": (1, 3, 2, 0, 1, 2, 2, 3), "cy": (1, 3, 2, 0, 1, 0, 2, 3),
    "dee": (1, 3, 2, 2, 1, 2, 2, 2), "eli": (1, 0, 0, 0, 1, 0, 2, None), "fay": (1, 3, 0, 2, 0, 0, 2, 1),
    "gus": (1, 0, 0, 2, 1, 0, 0, 1), "hal": (1, 0, 0, 2, 0, 0, 0, 0),
}
IN_TEST = [gid for gid in TESTS if gid != "test_wilson_visible"]  # scored by all, with a spread
NEVER_SUBMITTED = "ivy"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose gradebook holds the lab and eight graded submissions; the export run once on it."""
    notebook = lab_notebook(TESTS, MEMOS, mark_scheme=True, labels=LABELS)
    folder = write_source(tmp_path_factory.mktemp("items-course"), notebook, lab=LAB)
    db = grading.gradebook_url(folder)
    enrol_students(db, "", [*SCORES, NEVER_SUBMITTED])
    register_lab(db, notebook, lab=LAB)
    for student, scores in SCORES.items():
        write_submission(db, student, dict(zip([*TESTS, *MEMOS], scores, strict=True)), lab=LAB)
    return folder


@pytest.fixture(scope="module")
def exported(course):
    """The grading command's export (as after hand grading, or the hub's Export button): code, output, files."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = grading.main([LAB, "--course-dir", str(course), "--summary-only"])
    folder = course / "reports" / LAB
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "folder": folder,
            "items": pd.read_csv(folder / "items.csv", keep_default_na=False, na_values=[""]).set_index("grade_id"),
            "insights": pd.read_csv(folder / "insights.csv", keep_default_na=False, na_values=[""]),
            "html": (folder / "items.html").read_text(encoding="utf-8")}


def _written() -> pd.DataFrame:
    """The scores written into the gradebook, students x questions (NaN: waiting)."""
    return pd.DataFrame({s: [math.nan if v is None else v for v in row] for s, row in SCORES.items()},
                        index=[*TESTS, *MEMOS], dtype=float).T


def test_the_export_writes_the_item_report_beside_the_other_reports(exported):
    assert exported["code"] == 0, exported["stderr"]
    assert "Item report:" in exported["stdout"] and "test_gap_by_group" in exported["stdout"]
    for name in item_analysis.ITEM_FILES:
        assert (exported["folder"] / name).stat().st_size > 0
    assert not [p.name for p in exported["folder"].iterdir() if p.name.startswith(".")]  # no temporary file left
    assert exported["items"].columns.tolist() == item_analysis.ITEM_COLUMNS[1:]
    assert exported["insights"].columns.tolist() == item_analysis.INSIGHT_COLUMNS


def test_item_numbers_match_the_scores_in_the_gradebook(exported):
    items, written = exported["items"], _written()
    points = pd.Series({**TESTS, **MEMOS}, dtype=float)
    assert items.index.tolist() == [*TESTS, *MEMOS]  # notebook order
    assert (items["n_submitted"] == len(SCORES)).all()  # the student who never submitted is left out
    assert items["difficulty"].to_numpy() == pytest.approx((written.mean() / points).to_numpy())
    # the rest score: the questions every student has a score for and not everyone scored the same on
    total = written[IN_TEST].sum(axis=1)
    for gid in IN_TEST:
        expected = np.corrcoef(written[gid], total - written[gid])[0, 1]
        assert items.loc[gid, "discrimination"] == pytest.approx(expected)
    assert items.loc["test_gap_by_group", "flag"] == "low discrimination"  # built to disagree with the rest
    assert math.isnan(items.loc["test_wilson_visible", "discrimination"])  # everybody got it
    assert "scored the same (full marks)" in items.loc["test_wilson_visible", "note"]
    memo = items.loc["design_memo"]
    assert (memo["n_scored"], memo["waiting"], memo["kind"]) == (7, 1, "manual")
    assert math.isnan(memo["discrimination"]) and "hand grade" in memo["note"]
    assert items.loc["test_rates", "assesses"] == "what test_rates checks"  # from the source notebook


def test_results_per_insight_come_from_the_insight_index(exported):
    table = exported["insights"].set_index("insight_key")
    expected_keys = list(dict.fromkeys(insight_of(LAB, gid).key for gid in [*TESTS, *MEMOS]))
    assert sorted(table.index[:-1]) == sorted(expected_keys) and table.index[-1] == "lab"
    assert table.loc["primer", "insight"] == insight_of(LAB, "test_wilson_hidden").label
    written = _written()
    interdependence = written[["test_interdependence", "test_gap_by_group"]].sum(axis=1) / 4
    assert table.loc["03-interdependence", "mean_share"] == pytest.approx(interdependence.mean())
    assert table.loc["03-interdependence", "below_half"] == pytest.approx((interdependence < 0.5).mean())
    assert table.loc["03-interdependence", "flagged"] == "test_gap_by_group"
    assert table.loc["09-show-your-face", "waiting"] == 1
    alpha = item_analysis.cronbach_alpha(written[IN_TEST])[0]
    assert table.loc["lab", "alpha"] == pytest.approx(alpha)
    assert exported["items"].loc["test_gap_by_group", "alpha_without"] > alpha  # the lab holds better without it
    assert table.loc[table.index[:-1], "alpha"].isna().all()


def test_the_page_is_self_contained_and_structured_for_every_reader(exported):
    soup = BeautifulSoup(exported["html"], "html.parser")
    assert soup.html["lang"] == "en" and soup.title.string.strip()
    assert not soup.find_all("script") and not soup.find_all("link") and not soup.find_all("img")
    assert "http" not in "".join(str(tag.get("src", "")) + str(tag.get("href", "")) for tag in soup.find_all(True))
    assert [h.get_text() for h in soup.find_all("h1")] == [f"Which questions work: item report for lab {LAB}"]
    assert "How to read this" in [h.get_text() for h in soup.find_all("h2")]
    figures = soup.find_all("figure")
    assert len(figures) == 2
    for figure in figures:
        assert figure.figcaption.get_text(strip=True)
        svg = figure.find("svg")
        assert svg["role"] == "img"
        title, desc = (svg.find(t, recursive=False) for t in ("title", "desc"))
        assert title.get_text(strip=True) and desc.get_text(strip=True)
        assert set(svg["aria-labelledby"].split()) == {title["id"], desc["id"]}
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))  # the two figures' internal ids do not collide
    items_table, insights_table = soup.find_all("table")
    for table in (items_table, insights_table):
        assert table.caption.get_text(strip=True)
        assert all(th.get("scope") == "col" for th in table.thead.find_all("th"))
        assert all(row.th and row.th.get("scope") == "row" for row in table.tbody.find_all("tr"))
        region = table.parent
        assert region["role"] == "region" and region["tabindex"] == "0"
        assert region["aria-labelledby"] == table.caption["id"]
    rows = {row.th.get_text(strip=True): row for row in items_table.tbody.find_all("tr")}
    assert list(rows) == [*TESTS, *MEMOS]
    flagged = [gid for gid, row in rows.items() if "Flagged" in row.get_text()]
    assert flagged == ["test_gap_by_group"]  # in words, not only in colour
    assert "flagged" in rows["test_gap_by_group"]["class"]
    assert "test_gap_by_group" in soup.find(id="fig-items-desc").get_text()  # the figure's text alternative


@pytest.mark.browser
def test_the_page_passes_axe_on_a_phone_and_a_laptop_in_light_and_dark(exported, browser):
    page_url = (exported["folder"] / "items.html").as_uri()
    for size, scheme in ((PHONE, "light"), (LAPTOP, "dark")):
        context = browser.new_context(**size, color_scheme=scheme)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.goto(page_url)
        assert requests == [page_url], "the page fetched something besides itself"
        violations = axe_violations(page)
        context.close()
        assert violations == [], f"{scheme} at {size['viewport']['width']} px: {violations}"


def test_a_failing_item_report_does_not_fail_grading(course, exported, monkeypatch, capsys):
    before = {name: (exported["folder"] / name).read_bytes() for name in item_analysis.ITEM_FILES}

    def broken(*args, **kwargs):
        raise RuntimeError("the figure could not be drawn")

    monkeypatch.setattr(item_analysis, "write_item_report", broken)
    code = grading.main([LAB, "--course-dir", str(course), "--summary-only"])
    err = capsys.readouterr().err
    assert code == 0
    assert "Could not write the item report" in err and "the figure could not be drawn" in err
    assert "--summary-only" in err  # what to do
    assert {name: (exported["folder"] / name).read_bytes() for name in item_analysis.ITEM_FILES} == before
    assert (exported["folder"] / "grades.csv").is_file()


def test_a_lab_nobody_has_submitted_gives_an_empty_report_not_an_error(course):
    report = item_analysis.build_item_report(LAB, course, students=[])  # as before the first submission
    assert (report.n_students, report.n_submitted, report.n_graded) == (len(SCORES) + 1, 0, 0)
    assert (report.items["note"] == "no score yet").all() and report.items["discrimination"].isna().all()
    assert math.isnan(report.reliability.alpha) and report.reliability.note == "no graded submission yet"
    page = BeautifulSoup(item_analysis.report_html(report), "html.parser")
    assert "0 submission(s)" in page.main.p.get_text() and "No question is flagged" in page.main.p.get_text()
