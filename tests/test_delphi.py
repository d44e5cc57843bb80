"""Tests of bpm_xl.delphi: reference cases, statistics, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bpm_xl.delphi import (
    CA_TABLE,
    CS_TABLE,
    IndicatorStats,
    authority,
    compare_rounds,
    indicator_stats,
    judgment_coefficient,
    kendall_w,
    positive_coefficient,
    screen,
)
from bpm_xl.errors import MatrixShapeError, MissingValueError, ScaleError, SettingsError

REF = json.loads((Path(__file__).parent / "data" / "reference_cases.json").read_text(encoding="utf-8"))


# --- reference cases -------------------------------------------------------------------
# Source: tests/data/reference_cases.json (copy of ../shared/reference/reference_cases.json),
# "kendall_w": NAG Library g08daf example, 3 raters x 10 objects; published W = 0.828,
# p = 0.008 (tie-corrected). Full-precision values in the JSON are recomputations.
@pytest.mark.parametrize("case", [REF["kendall_w"]], ids=["nag_g08daf"])
def test_kendall_w_reference(case):
    r = kendall_w(case["ratings"])
    assert r.w == pytest.approx(0.828, abs=5e-4)  # published precision
    assert r.p == pytest.approx(0.008, abs=5e-4)
    assert r.w == pytest.approx(case["w"], rel=1e-12)
    assert r.chi2 == pytest.approx(case["chi2"], rel=1e-12)
    assert r.p == pytest.approx(case["p"], rel=1e-9)
    assert r.df == case["df"]
    assert r.w_uncorrected == pytest.approx(case["w_without_tie_correction"], rel=1e-12)
    assert (r.m, r.n) == (3, 10)


def test_kendall_w_scores_are_ranked_first():
    # Scores that induce the reference ranks give the same W (ranking is done inside).
    ranks = np.array(REF["kendall_w"]["ratings"])
    scores = ranks * 7.0 + 3.0
    assert kendall_w(scores).w == pytest.approx(REF["kendall_w"]["w"], rel=1e-12)


def test_kendall_w_perfect_agreement_and_numeric_text():
    r = kendall_w([[1, 2, 3], ["1", "2", "3"], [10, 20, 30]])
    assert r.w == pytest.approx(1.0)
    assert r.w_uncorrected == pytest.approx(1.0)


# Source: reference_cases.json "delphi_authority": BMJ Open round 1, Ca = 15.1/16, Cs = 12.4/16,
# Cr = (Ca + Cs) / 2 = 0.859375.
@pytest.mark.parametrize("case", [REF["delphi_authority"]], ids=["bmj_open_round1"])
def test_authority_reference(case):
    r = authority(case["ca"], case["cs"])
    assert r.panel_cr == pytest.approx(case["cr"], rel=1e-12)
    assert r.panel_ca == pytest.approx(case["ca"])
    assert r.panel_cs == pytest.approx(case["cs"])


@pytest.mark.parametrize("case", [REF["delphi_authority"]], ids=["bmj_open_tables"])
def test_tables_match_reference(case):
    assert {k: tuple(v) for k, v in case["ca_table"].items()} == CA_TABLE
    assert tuple(case["cs_table"]) == CS_TABLE


def test_authority_per_expert_and_panel_means():
    r = authority([0.9, 0.8, 1.0], [[0.8], [0.5], [1.0]])
    np.testing.assert_allclose(r.cr, [0.85, 0.65, 1.0])
    assert r.panel_ca == pytest.approx(0.9)
    assert r.panel_cs == pytest.approx(2.3 / 3)
    assert r.panel_cr == pytest.approx(2.5 / 3)


def test_judgment_coefficient():
    all_high = {k: "high" for k in CA_TABLE}
    assert judgment_coefficient(all_high) == pytest.approx(1.0)
    assert judgment_coefficient({k: 2 for k in CA_TABLE}) == pytest.approx(0.6)
    mixed = {"practical_experience": "大", "theoretical_analysis": "中", "literature": "小", "intuition": "1"}
    assert judgment_coefficient(mixed) == pytest.approx(0.5 + 0.2 + 0.1 + 0.1)


def test_positive_coefficient():
    assert positive_coefficient(19, 20) == 0.95
    assert positive_coefficient(0, 5) == 0.0
    assert positive_coefficient(20.0, "20") == 1.0


def test_indicator_stats_values():
    ratings = [[5, 4, 3], [4, None, 3], [5, "", 4], [3, 4, float("nan")]]
    st = indicator_stats(ratings, labels=["a", "b", "c"])
    np.testing.assert_allclose(st.mean, [4.25, 4.0, 10 / 3])
    np.testing.assert_allclose(st.sd, [np.std([5, 4, 5, 3], ddof=1), 0.0, np.std([3, 3, 4], ddof=1)])
    np.testing.assert_allclose(st.cv, st.sd / st.mean)
    np.testing.assert_allclose(st.full_score_frequency, [0.5, 0.0, 0.0])
    np.testing.assert_allclose(st.median, [4.5, 4.0, 3.0])
    assert st.count.tolist() == [4, 2, 3]
    df = st.to_frame()
    assert list(df.columns) == ["label", "mean", "sd", "cv", "full_score_frequency", "median", "count"]
    assert df["label"].tolist() == ["a", "b", "c"]


def test_indicator_stats_dataframe_labels_and_single_rating():
    df = pd.DataFrame({"X1": [5, 4], "X2": [4, None]})
    st = indicator_stats(df)
    assert st.labels == ("X1", "X2")
    assert math.isnan(st.sd[1]) and math.isnan(st.cv[1])


def test_screen_rule_and_reasons():
    ratings = [[4, 3, 5, 5], [4, 3, 5, 1], [5, 4, 5, 5], [4, 3, 5, 5]]
    r = screen(ratings, labels=["a", "b", "c", "d"])
    assert r.keep.tolist() == [True, False, True, False]
    assert r.reasons[0] == ""
    assert r.reasons[1] == "mean 3.25 < 3.5"
    assert r.reasons[3].startswith("cv 0.") and "> 0.25" in r.reasons[3]
    assert (r.min_mean, r.max_cv) == (3.5, 0.25)
    assert r.to_frame()["reason"].tolist() == list(r.reasons)
    # thresholds are configurable and stats are accepted directly
    loose = screen(indicator_stats(ratings), min_mean=3.0, max_cv=0.6)
    assert loose.keep.all()


def test_screen_both_reasons():
    r = screen([[1, 5], [5, 5], [2, 5]])
    assert r.reasons[0].startswith("mean 2.67 < 3.5; cv ")


def test_screen_single_rating_dropped():
    r = screen([[5, 5], [None, 4]])
    assert r.keep.tolist() == [False, True]
    assert r.reasons[0] == "cv undefined (1 rating)"


def test_compare_rounds():
    r1 = [[4, 3, 5], [5, 2, 4], [3, 3, 5]]
    r2 = [[4, 3, 5], [4, 3, 5], [4, 3, 5], [5, None, 5]]
    df = compare_rounds(r1, r2, labels=["a", "b", "c"])
    assert list(df.columns) == ["label", "mean_1", "mean_2", "mean_change", "cv_1", "cv_2", "cv_change"]
    np.testing.assert_allclose(df["mean_1"], [4.0, 8 / 3, 14 / 3])
    np.testing.assert_allclose(df["mean_change"], df["mean_2"] - df["mean_1"])
    np.testing.assert_allclose(df["cv_change"], df["cv_2"] - df["cv_1"])
    assert df.attrs["w_1"] == pytest.approx(kendall_w(r1).w)
    assert df.attrs["w_2"] == pytest.approx(1.0)  # three complete, identical rankings
    assert df.attrs["m_2"] == 3


# --- bad input ---------------------------------------------------------------------------
def test_rating_text_names_cell():
    with pytest.raises(ScaleError, match=r"^ratings: expert 2 \(row 2\), indicator 3 \(column 3\) is 'abc'; ratings must be between 1 and 5$"):
        indicator_stats([[5, 4, 3], [4, 4, "abc"]])


def test_rating_out_of_scale_names_cell():
    with pytest.raises(ScaleError, match=r"ratings: expert 1 \(row 1\), indicator 2 \(column 2\) is 6; ratings must be between 1 and 5"):
        indicator_stats([[5, 6], [4, 4]])


def test_rating_column_without_answers():
    with pytest.raises(MissingValueError, match=r"ratings: indicator 2 \(column 2\) has no ratings"):
        indicator_stats([[5, None], [4, ""]])


def test_kendall_blank_cell():
    with pytest.raises(MissingValueError, match=r"ratings: rater 2 \(row 2\), object 3 \(column 3\) is blank"):
        kendall_w([[1, 2, 3], [1, 2, None]])


def test_kendall_text_cell():
    with pytest.raises(ScaleError, match=r"ratings: rater 1 \(row 1\), object 2 \(column 2\) is 'x'"):
        kendall_w([[1, "x", 3], [1, 2, 3]])


@pytest.mark.parametrize("grid", [[[1, 2, 3]], [[1], [2]]], ids=["one_rater", "one_object"])
def test_kendall_too_small(grid):
    with pytest.raises(MatrixShapeError, match=r"at least 2 raters \(rows\) and 2 objects"):
        kendall_w(grid)


def test_kendall_all_tied():
    with pytest.raises(ScaleError, match="Kendall's W is undefined"):
        kendall_w([[3, 3, 3], [4, 4, 4]])


@pytest.mark.parametrize(
    ("returned", "sent", "match"),
    [(21, 20, r"returned: 21 must be between 0 and sent \(20\)"), (-1, 20, "returned: -1"),
     (5, 0, "sent: 0 must be more than 0"), (2.5, 5, "returned: 2.5 must be a whole number")],
    ids=["more_than_sent", "negative", "none_sent", "fraction"],
)
def test_positive_coefficient_bad(returned, sent, match):
    with pytest.raises(ScaleError, match=match):
        positive_coefficient(returned, sent)


def test_positive_coefficient_blank():
    with pytest.raises(MissingValueError, match="returned: the value is blank"):
        positive_coefficient(None, 20)


def test_authority_out_of_range():
    with pytest.raises(ScaleError, match=r"cs: expert 2 \(position 2\) is 1.2; it must be between 0 and 1"):
        authority([0.9, 0.8], [0.8, 1.2])


def test_authority_length_mismatch():
    with pytest.raises(MatrixShapeError, match="cs: 1 values for 2 values of ca"):
        authority([0.9, 0.8], [0.8])


def test_authority_blank():
    with pytest.raises(MissingValueError, match=r"ca: expert 1 \(position 1\) is blank"):
        authority([None, 0.8], [0.8, 0.8])


def test_judgment_coefficient_unknown_basis():
    with pytest.raises(SettingsError, match="levels: unknown judgment basis 'hearsay'"):
        judgment_coefficient({**{k: 0 for k in CA_TABLE}, "hearsay": 0})


def test_judgment_coefficient_missing_basis():
    with pytest.raises(SettingsError, match="levels: judgment basis 'intuition' has no level"):
        judgment_coefficient({k: 0 for k in CA_TABLE if k != "intuition"})


def test_judgment_coefficient_bad_level():
    with pytest.raises(ScaleError, match="levels: literature is 'huge'"):
        judgment_coefficient({**{k: 0 for k in CA_TABLE}, "literature": "huge"})


def test_compare_rounds_shape_mismatch():
    with pytest.raises(MatrixShapeError, match="round2: 3 indicators but round1 has 2"):
        compare_rounds([[4, 3], [5, 4]], [[4, 3, 5], [5, 4, 5]])


def test_compare_rounds_names_round():
    with pytest.raises(ScaleError, match=r"^round2: expert 1 \(row 1\), indicator 1 \(column 1\) is 9"):
        compare_rounds([[4, 3], [5, 4]], [[9, 3], [5, 4]])


def test_ragged_rows():
    with pytest.raises(MatrixShapeError, match="ratings: rows have different lengths"):
        indicator_stats([[4, 3], [5]])


def test_stats_result_is_frozen():
    st = indicator_stats([[4, 3], [5, 4]])
    assert isinstance(st, IndicatorStats)
    with pytest.raises(AttributeError):
        st.mean = None  # type: ignore[misc]


def test_no_scipy_at_import():
    import subprocess
    import sys

    code = "import sys, bpm_xl.delphi, bpm_xl.scoring; print('scipy' in sys.modules, 'xlwings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.split() == ["False", "False"]
