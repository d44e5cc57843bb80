"""Tests of bpm_xl.scoring: reference cases, rating rules, survey scores, bad input."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bpm_xl.errors import MatrixShapeError, MissingValueError, ScaleError, SettingsError
from bpm_xl.scoring import (
    MOF_BANDS,
    Band,
    RatingBands,
    bands_from_table,
    fuzzy_evaluation,
    improvement_priorities,
    indicator_scores,
    membership_matrix,
    rate,
    weighted_score,
)

REF = json.loads((Path(__file__).parent / "data" / "reference_cases.json").read_text(encoding="utf-8"))


# --- reference cases -------------------------------------------------------------------
# Source: tests/data/reference_cases.json (copy of ../shared/reference/reference_cases.json),
# "fuzzy_evaluation": Si Shoukui's mathematical-modeling textbook example, B = A.R with the
# weighted-average operator. The JSON's grade_index (2) counts grades from 1: b's largest
# entry 0.53 is the second grade. FuzzyResult.grade_index is 0-based, so it is 2 - 1 = 1.
@pytest.mark.parametrize("case", [REF["fuzzy_evaluation"]], ids=["si_shoukui"])
def test_fuzzy_reference(case):
    r = fuzzy_evaluation(case["weights"], case["memberships"])
    np.testing.assert_allclose(r.b, case["b"], atol=1e-12)
    assert int(np.argmax(case["b"])) + 1 == case["grade_index"]  # the JSON is 1-based
    assert r.grade_index == case["grade_index"] - 1  # ours is 0-based
    # default V = (5, 4, 3, 2, 1) because R has five columns
    np.testing.assert_array_equal(r.grade_values, [5, 4, 3, 2, 1])
    assert r.score == pytest.approx(float(np.dot(case["b"], [5, 4, 3, 2, 1])))


# Source: DESIGN.md section 6 / 财预〔2020〕10号: 4.0296 on 5 points -> 80.592 -> 良 (B).
@pytest.mark.parametrize(
    ("score", "scale_max", "grade", "label_zh"),
    [(4.0296, 5, "B", "良"), (4.5, 5, "A", "优"), (5, 5, "A", "优"), (3.0, 5, "C", "中"),
     (2.99, 5, "D", "差"), (0, 5, "D", "差"), (90, 100, "A", "优"), (89.99, 100, "B", "良"),
     (60, 100, "C", "中"), ("80", 100, "B", "良")],
    ids=["mof_example", "a_boundary", "top", "c_boundary", "below_c", "zero", "100pt_a",
         "100pt_just_below_a", "100pt_c", "numeric_text"],
)
def test_rate_mof(score, scale_max, grade, label_zh):
    r = rate(score, scale_max=scale_max)
    assert (r.grade, r.label_zh) == (grade, label_zh)
    assert r.bands is MOF_BANDS and r.bands.name == "mof2020"


def test_rate_score100_full_precision():
    r = rate(4.0296)
    assert r.score100 == pytest.approx(80.592, abs=1e-12)
    assert (r.score, r.scale_max, r.label_en) == (4.0296, 5.0, "good")


def test_rate_float_noise_at_boundary():
    # 0.3*3 + 0.7*... style sums can land a hair under a bound; they still reach it.
    assert rate(90 - 1e-12, scale_max=100).grade == "A"


def test_bands_from_table_sorted_and_lowest_catches_below():
    rule = bands_from_table([("合格", 60, "合格", "pass"), ("优秀", 85, "优秀", "distinction"),
                             ("", None), ("良好", 75)], name="school")
    assert [b.grade for b in rule.bands] == ["优秀", "良好", "合格"]
    assert rule.bands[1].label_en == "良好"  # labels default to the grade
    assert rate(80, 100, rule).grade == "良好"
    assert rate(10, 100, rule).grade == "合格"  # below the lowest bound: lowest band
    assert rate(10, 100, rule).bands.name == "school"


def test_bands_from_dataframe():
    df = pd.DataFrame({"grade": ["A", "B"], "lower": [50, 0]})
    assert [b.lower for b in bands_from_table(df).bands] == [50.0, 0.0]


def test_indicator_scores_values():
    resp = [[5, 4, 3], [4, None, "3"], [" 5 ", "", 4], [3, 4, float("nan")], [4.5, 2, 1]]
    r = indicator_scores(resp, labels=["a", "b", "c"])
    np.testing.assert_allclose(r.mean, [4.3, 10 / 3, 2.75])
    assert r.count.tolist() == [5, 3, 4]
    df = r.to_frame()
    assert list(df.columns) == ["label", "mean", "count"]
    assert df["label"].tolist() == ["a", "b", "c"]


def test_indicator_scores_dataframe_labels():
    r = indicator_scores(pd.DataFrame({"K1": [5, 4], "K2": [3, 3]}))
    assert r.labels == ("K1", "K2")


def test_indicator_scores_nullable_dataframe():
    df = pd.DataFrame({"K1": pd.array([5, None, 4], dtype="Int64"), "K2": ["3", None, "4"]})
    r = indicator_scores(df)
    np.testing.assert_allclose(r.mean, [4.5, 3.5])
    assert r.count.tolist() == [2, 2]


def test_weighted_score_orientations():
    w, s = [0.5, 0.3, 0.2], [4.0, 3.0, 5.0]
    expected = 0.5 * 4 + 0.3 * 3 + 0.2 * 5
    assert weighted_score(w, s) == pytest.approx(expected)
    assert weighted_score([[x] for x in w], [s]) == pytest.approx(expected)
    assert weighted_score(np.array(w)[None, :], np.array(s)[:, None]) == pytest.approx(expected)
    assert weighted_score(["0.5", 0.3, 0.2], s) == pytest.approx(expected)


def test_weighted_score_tolerance():
    assert weighted_score([0.3333333, 0.3333333, 0.3333334], [3, 3, 3]) == pytest.approx(3.0)


def test_membership_matrix():
    resp = [[5, 4], [4, 4], [3, 2], [4, None], [4, 5]]
    r = membership_matrix(resp)
    np.testing.assert_allclose(r, [[0.2, 0.6, 0.2, 0, 0], [0.25, 0.5, 0, 0.25, 0]])
    np.testing.assert_allclose(r.sum(axis=1), 1.0)
    assert membership_matrix([[1], [3]], scale_min=1, scale_max=3).tolist() == [[0.5, 0.0, 0.5]]


def test_fuzzy_custom_grade_values_and_no_default():
    w, r = [0.5, 0.5], [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]
    res = fuzzy_evaluation(w, r, grade_values=[95, 80, 65])
    assert res.score == pytest.approx(0.25 * 95 + 0.5 * 80 + 0.25 * 65)
    assert res.grade_index == 1
    none = fuzzy_evaluation(w, r)  # 3 grades but a 5-point scale: no default V
    assert none.score is None and none.grade_values is None


def test_fuzzy_tie_takes_highest_grade():
    assert fuzzy_evaluation([1.0], [[0.5, 0.5, 0, 0, 0]]).grade_index == 0


def test_improvement_priorities():
    df = improvement_priorities(
        ["a", "b", "c", "d"], [0.4, 0.3, 0.2, 0.1], [4.5, 3.0, 4.0, 3.0],
        dimensions=["D1", "D1", "D2", "D2"], stages=["plan", "do", "check", "act"],
    )
    assert list(df.columns) == ["label", "dimension", "stage", "weight", "score", "gap",
                                "weighted_gap", "share", "rank"]
    assert df["label"].tolist() == ["b", "a", "c", "d"]  # ties keep input order
    np.testing.assert_allclose(df["weighted_gap"], [0.6, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(df["share"], np.array([0.6, 0.2, 0.2, 0.2]) / 1.2)
    assert df["rank"].tolist() == [1, 2, 2, 2]
    assert df["dimension"].tolist() == ["D1", "D1", "D2", "D2"]
    assert df["stage"].tolist() == ["do", "plan", "check", "act"]


def test_improvement_priorities_defaults_and_full_scores():
    df = improvement_priorities(["a", "b"], [0.5, 0.5], [5, 5])
    assert df["dimension"].tolist() == ["", ""]
    assert df["share"].tolist() == [0.0, 0.0]


def test_results_are_frozen():
    r = rate(4.0)
    with pytest.raises(FrozenInstanceError):
        r.grade = "A"  # type: ignore[misc]


# --- bad input ---------------------------------------------------------------------------
def test_answer_out_of_scale_message():
    resp = np.full((4, 6), 4.0)
    resp[2, 4] = 7
    with pytest.raises(ScaleError, match=r"^responses: respondent 3 \(row 3\), indicator 5 \(column 5\) is 7; answers must be between 1 and 5$"):
        indicator_scores(resp)


def test_answer_text():
    with pytest.raises(ScaleError, match=r"responses: respondent 2 \(row 2\), indicator 1 \(column 1\) is 'good'"):
        indicator_scores([[4, 5], ["good", 5]])


def test_answer_bool_is_not_a_number():
    with pytest.raises(ScaleError, match=r"is TRUE; answers must be between 1 and 5"):
        indicator_scores([[4, 5], [True, 5]])


def test_indicator_without_answers():
    with pytest.raises(MissingValueError, match=r"responses: indicator 2 \(column 2\) has no answers"):
        indicator_scores([[4, None], [5, ""]])


def test_bad_scale_setting():
    with pytest.raises(SettingsError, match="scale_max: 1 must be greater than scale_min 5"):
        indicator_scores([[4]], scale_min=5, scale_max=1)


def test_membership_non_whole_answer():
    with pytest.raises(ScaleError, match=r"is 3.5; answers must be whole numbers between 1 and 5"):
        membership_matrix([[3.5, 4]])


@pytest.mark.parametrize("score", [5.5, -0.1], ids=["above", "below"])
def test_rate_out_of_scale(score):
    with pytest.raises(ScaleError, match=r"score: .* must be between 0 and 5"):
        rate(score)


def test_rate_text_and_blank():
    with pytest.raises(ScaleError, match="score: 'n/a' is not a number"):
        rate("n/a")
    with pytest.raises(MissingValueError, match="score: the value is blank"):
        rate(None)


def test_rate_bad_scale_max():
    with pytest.raises(SettingsError, match="scale_max: 0 must be a positive number"):
        rate(3, scale_max=0)


@pytest.mark.parametrize(
    ("rows", "match"),
    [([("A", 90), ("A", 60)], "grade 'A' appears more than once"),
     ([("A", 90), ("B", 90)], "two bands have the same lower bound 90"),
     ([("A", "ninety")], r"row 1, column 2 is 'ninety'; the lower bound must be a number"),
     ([(None, 90)], "row 1 has no grade"),
     ([], "the table has no bands")],
    ids=["duplicate_grade", "duplicate_lower", "text_lower", "blank_grade", "empty"],
)
def test_bands_from_table_bad(rows, match):
    with pytest.raises(SettingsError, match=match):
        bands_from_table(rows)


def test_rating_bands_not_descending():
    with pytest.raises(SettingsError, match="strictly descending"):
        RatingBands("x", (Band("D", "差", "poor", 0), Band("A", "优", "excellent", 90)))


def test_weights_sum_not_one():
    with pytest.raises(ScaleError, match="weights: the weights sum to 0.9; they must sum to 1"):
        weighted_score([0.5, 0.4], [3, 4])


def test_weights_negative():
    with pytest.raises(ScaleError, match="weights: position 2 is -0.2; weights must be 0 or more"):
        weighted_score([1.2, -0.2], [3, 4])


def test_weights_length_mismatch():
    with pytest.raises(MatrixShapeError, match="scores: 3 scores for 2 weights"):
        weighted_score([0.5, 0.5], [3, 4, 5])


def test_weights_block_not_vector():
    with pytest.raises(MatrixShapeError, match="weights: expected one row or one column, got 2 rows x 2 columns"):
        weighted_score([[0.25, 0.25], [0.25, 0.25]], [1, 2, 3, 4])


def test_score_blank_names_position():
    with pytest.raises(MissingValueError, match="scores: position 2 is blank"):
        weighted_score([0.5, 0.5], [3, None])


def test_score_text():
    with pytest.raises(ScaleError, match="scores: position 1 is 'x'; scores must be numbers"):
        weighted_score([0.5, 0.5], ["x", 3])


def test_fuzzy_row_not_summing_to_one():
    with pytest.raises(ScaleError, match="memberships: row 2 sums to 0.9; each row must sum to 1"):
        fuzzy_evaluation([0.5, 0.5], [[0.5, 0.5], [0.4, 0.5]])


def test_fuzzy_negative_membership():
    with pytest.raises(ScaleError, match=r"memberships: row 1, column 2 is -0.5; memberships must be 0 or more"):
        fuzzy_evaluation([1.0], [[1.5, -0.5]])


def test_fuzzy_shape_mismatch():
    with pytest.raises(MatrixShapeError, match="memberships: 1 rows for 2 weights"):
        fuzzy_evaluation([0.5, 0.5], [[0.5, 0.5]])


def test_fuzzy_grade_values_mismatch():
    with pytest.raises(MatrixShapeError, match="grade_values: 2 values for 3 grades"):
        fuzzy_evaluation([1.0], [[0.2, 0.3, 0.5]], grade_values=[1, 2])


def test_fuzzy_blank_membership():
    with pytest.raises(MissingValueError, match=r"memberships: row 1, column 2 is blank"):
        fuzzy_evaluation([1.0], [[1.0, None]])


def test_priorities_score_out_of_scale():
    with pytest.raises(ScaleError, match="scores: position 2 is 6; scores must be between 0 and 5"):
        improvement_priorities(["a", "b"], [0.5, 0.5], [4, 6])


def test_priorities_label_count():
    with pytest.raises(MatrixShapeError, match="labels: 1 labels for 2 indicators"):
        improvement_priorities(["a"], [0.5, 0.5], [4, 3])
