"""Invariants of bpm_xl.ahp (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bpm_xl.ahp import METHODS, SAATY_SCALE, aggregate_judgments, ahp_batch, ahp_weights

SETTINGS = settings(max_examples=40, deadline=None)

sizes = st.integers(min_value=1, max_value=9)
methods = st.sampled_from(METHODS)
tables = st.sampled_from(("cn", "saaty1980", "saaty2005", "donegan_dodd", "alonso_lamata"))


@st.composite
def positive_vectors(draw, n=None):
    n = draw(sizes) if n is None else n
    return np.array(draw(st.lists(st.floats(0.05, 20.0), min_size=n, max_size=n)))


@st.composite
def saaty_matrices(draw, n=None):
    """Reciprocal matrices with upper-triangle judgments on the 1/9..9 scale."""
    n = draw(sizes) if n is None else n
    vals = draw(st.lists(st.sampled_from(SAATY_SCALE.tolist()), min_size=n * (n - 1) // 2,
                         max_size=n * (n - 1) // 2))
    a = np.ones((n, n))
    iu, ju = np.triu_indices(n, 1)
    a[iu, ju] = vals
    a[ju, iu] = 1.0 / np.array(vals)
    return a


@SETTINGS
@given(saaty_matrices(), methods, tables)
def test_weights_positive_sum_one_lambda_at_least_n(a, method, table):
    r = ahp_weights(a, method=method, random_index=table)
    n = a.shape[0]
    assert (r.weights > 0).all()
    assert abs(r.weights.sum() - 1.0) < 1e-12
    assert r.lambda_max >= n - 1e-9
    assert r.consistency_index >= 0 and r.consistency_ratio >= 0
    if n <= 2:
        assert r.consistency_ratio == 0.0


@SETTINGS
@given(positive_vectors(), methods)
def test_consistent_matrix_returns_its_weights(w, method):
    a = w[:, None] / w[None, :]
    r = ahp_weights(a, method=method)
    np.testing.assert_allclose(r.weights, w / w.sum(), rtol=1e-9, atol=1e-12)
    assert abs(r.consistency_ratio) < 1e-9


@SETTINGS
@given(saaty_matrices(), methods, st.randoms(use_true_random=False))
def test_permutation_equivariance(a, method, rnd):
    n = a.shape[0]
    perm = list(range(n))
    rnd.shuffle(perm)
    perm = np.array(perm)
    r = ahp_weights(a, method=method)
    rp = ahp_weights(a[np.ix_(perm, perm)], method=method)
    np.testing.assert_allclose(rp.weights, r.weights[perm], rtol=1e-9, atol=1e-12)
    assert abs(rp.lambda_max - r.lambda_max) < 1e-9


@SETTINGS
@given(saaty_matrices(), st.integers(1, 5))
def test_aij_of_identical_matrices_is_that_matrix(a, k):
    g = aggregate_judgments([a] * k)
    np.testing.assert_allclose(g, a, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 8).flatmap(lambda n: st.lists(saaty_matrices(n), min_size=1, max_size=8)),
       methods)
def test_batch_equals_single(mats, method):
    b = ahp_batch(np.stack(mats), method=method)
    for i, a in enumerate(mats):
        r = ahp_weights(a, method=method)
        np.testing.assert_allclose(b.weights[i], r.weights, rtol=0, atol=1e-10)
        assert abs(b.consistency_ratio[i] - r.consistency_ratio) < 1e-10
