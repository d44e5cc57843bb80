"""Property tests (hypothesis) of bpm_xl.scoring and Kendall's W in bpm_xl.delphi."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bpm_xl.delphi import kendall_w
from bpm_xl.errors import ScaleError
from bpm_xl.scoring import (
    MOF_BANDS,
    fuzzy_evaluation,
    indicator_scores,
    membership_matrix,
    rate,
    weighted_score,
)

FAST = settings(max_examples=60, deadline=None)  # whole file runs in about 2 s

answers = st.integers(1, 5).map(float) | st.just(np.nan)
surveys = st.tuples(st.integers(1, 12), st.integers(1, 6)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=answers)
).filter(lambda a: (~np.isnan(a)).any(axis=0).all())


def _weights(n: int):
    return arrays(np.float64, n, elements=st.floats(0.01, 1.0)).map(lambda w: w / w.sum())


@FAST
@given(surveys)
def test_indicator_means_within_answer_range(resp):
    r = indicator_scores(resp)
    lo, hi = np.nanmin(resp, axis=0), np.nanmax(resp, axis=0)
    assert np.all(r.mean >= lo - 1e-12) and np.all(r.mean <= hi + 1e-12)
    assert np.all((r.mean >= 1) & (r.mean <= 5))
    assert r.count.tolist() == (~np.isnan(resp)).sum(axis=0).tolist()


@FAST
@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    _weights(n), arrays(np.float64, n, elements=st.floats(1.0, 5.0)))))
def test_weighted_score_stays_within_scale(ws):
    w, s = ws
    v = weighted_score(w, s)
    assert s.min() - 1e-9 <= v <= s.max() + 1e-9
    assert 1 - 1e-9 <= v <= 5 + 1e-9


@FAST
@given(st.floats(0, 5), st.floats(0, 5))
def test_rating_monotone_in_score(a, b):
    lo, hi = sorted((a, b))
    order = [band.grade for band in MOF_BANDS.bands]  # best first
    assert order.index(rate(hi).grade) <= order.index(rate(lo).grade)
    assert 0 <= rate(lo).score100 <= 100


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x < 0 or x > 5))
def test_rate_rejects_scores_off_scale(x):
    try:
        rate(x)
    except ScaleError as exc:
        assert str(exc).startswith("score: ")
    else:
        raise AssertionError("no ScaleError")


@FAST
@given(surveys)
def test_fuzzy_score_stays_within_scale(resp):
    r = membership_matrix(resp)
    np.testing.assert_allclose(r.sum(axis=1), 1.0)
    n = r.shape[0]
    res = fuzzy_evaluation(np.full(n, 1.0 / n), r)
    assert abs(res.b.sum() - 1) < 1e-9
    assert 1 - 1e-9 <= res.score <= 5 + 1e-9
    assert 0 <= res.grade_index < 5


@FAST
@given(st.tuples(st.integers(2, 6), st.integers(2, 8)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.integers(1, 5).map(float))
).filter(lambda a: (a != a[:, :1]).any()))
def test_kendall_w_between_0_and_1(ratings):
    r = kendall_w(ratings)
    assert 0.0 <= r.w <= 1.0
    assert 0.0 <= r.p <= 1.0
    assert r.chi2 >= 0 and r.df == ratings.shape[1] - 1


@FAST
@given(st.integers(2, 6), st.integers(2, 8), st.randoms(use_true_random=False))
def test_kendall_w_is_one_for_identical_rankings(m, n, rnd):
    row = list(range(1, n + 1))
    rnd.shuffle(row)
    r = kendall_w([row] * m)
    assert abs(r.w - 1.0) < 1e-12
