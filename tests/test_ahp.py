"""Unit tests of bpm_xl.ahp: validation messages, input forms, diagnosis, repair, aggregation,
hierarchy and batch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bpm_xl.ahp import (
    METHODS,
    SAATY_SCALE,
    AhpResult,
    ahp_batch,
    ahp_weights,
    aggregate_judgments,
    aggregate_priorities,
    complete_matrix,
    global_weights,
    hierarchy,
    inconsistent_judgments,
    parse_matrix,
    random_index,
    suggest_repair,
)
from bpm_xl.errors import (
    MatrixShapeError,
    MatrixValueError,
    ModelError,
    NotConnectedError,
    NotReciprocalError,
    ScaleError,
    SettingsError,
)

LEADER = [[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]]
LEADER_W = [0.5475692389618297, 0.12655528437341862, 0.26994992245220256, 0.05592555421254902]


def consistent(w):
    w = np.asarray(w, dtype=float)
    return w[:, None] / w[None, :]


# --------------------------------------------------------------------------- bad input
def test_not_square():
    with pytest.raises(MatrixShapeError, match=r"^matrix: must be a square range \(n x n\) but is 3 x 4"):
        ahp_weights([[1, 2, 3, 4]] * 3)


def test_empty():
    with pytest.raises(MatrixShapeError, match=r"^criteria: is empty"):
        ahp_weights([], name="criteria")
    with pytest.raises(MatrixShapeError, match=r"^matrix: is empty"):
        parse_matrix([[None, ""], ["", None]])


def test_ragged():
    with pytest.raises(MatrixShapeError, match=r"row 2 has 1 cells, row 1 has 2"):
        parse_matrix([[1, 2], [1]])


def test_text_not_a_number():
    m = [[1, 2, 3], ["", 1, "abc"], ["", "", 1]]
    with pytest.raises(MatrixValueError, match=r'^matrix: row 2, column 3 is "abc"; judgments must '
                                               r'be positive numbers such as 3 or 1/3$'):
        parse_matrix(m)


@pytest.mark.parametrize("value", [True, False])
def test_boolean_rejected(value):
    with pytest.raises(MatrixValueError, match=r"^matrix: row 1, column 2 is (TRUE|FALSE); judgments"):
        parse_matrix([[1, value], [None, 1]])


@pytest.mark.parametrize("value, shown", [(0, "0"), (-3, "-3"), ("-1/3", "-1/3"), (np.inf, "infinite"),
                                          ("inf", '"inf"'), ("NaN", '"NaN"'), ("#DIV/0!", "the error value #DIV/0!"),
                                          ("１／０", '"１／０"')])
def test_zero_negative_infinite(value, shown):
    with pytest.raises(MatrixValueError, match=rf"^m: row 1, column 3 is {shown}; judgments must be positive"):
        parse_matrix([[1, 2, value], [None, 1, 2], [None, None, 1]], name="m")


def test_fraction_with_zero_denominator():
    with pytest.raises(MatrixValueError, match=r'row 1, column 2 is "1/0"'):
        parse_matrix([[1, "1/0"], [None, 1]])


def test_diagonal_not_one():
    with pytest.raises(MatrixValueError, match=r"^matrix: row 2, column 2 is 3; the diagonal must be 1"):
        parse_matrix([[1, 2], [0.5, 3]])


def test_not_reciprocal():
    m = [[1, 2, 4], [0.5, 1, 5], [0.25, 3, 1]]
    with pytest.raises(NotReciprocalError, match=r"^matrix: row 2, column 3 is 5 but row 3, column 2 "
                                                 r"is 3; it should be 1/5$"):
        parse_matrix(m)


def test_unknown_method_and_table():
    with pytest.raises(SettingsError, match=r'^method: unknown method "power"; choose one of eigen, '
                                            r'geomean, arith$'):
        ahp_weights(LEADER, method="power")
    with pytest.raises(SettingsError, match=r'^random_index: unknown table "xx"; choose one of cn, '
                                            r'saaty1980, saaty2005, donegan_dodd, alonso_lamata$'):
        ahp_weights(LEADER, random_index="xx")


def test_size_limit_for_tabulated_tables():
    m = consistent(np.arange(1, 17))
    with pytest.raises(SettingsError, match=r'^random_index: no random index for n = 16 in table cn '
                                            r'\(it covers n = 1 to 15\); use random_index alonso_lamata$'):
        ahp_weights(m)
    with pytest.raises(SettingsError, match=r'^table: no random index for n = 17 in table saaty1980 .*; use table '
                                            r'alonso_lamata$'):
        random_index(17, "saaty1980")
    r = ahp_weights(m, random_index="alonso_lamata")
    np.testing.assert_allclose(r.weights, np.arange(1, 17) / np.arange(1, 17).sum(), atol=1e-12)
    assert r.consistency_ratio == 0.0
    with pytest.raises(SettingsError, match=r"^n: must be a whole number of at least 1"):
        random_index(0)


def test_not_connected():
    m = [[1, 2, None, None], [None, 1, None, None], [None, None, 1, 3], [None, None, None, 1]]
    with pytest.raises(NotConnectedError, match=r"^matrix: elements 3, 4 are not compared with "
                                                r"elements 1, 2"):
        ahp_weights(m)


# --------------------------------------------------------------------------- input forms
def test_upper_triangle_equals_full():
    upper = [[1, 4, 3, 7], [None, 1, "1/3", 3], ["", "", 1, 5], [np.nan, None, "", None]]
    full = ahp_weights(LEADER)
    r = ahp_weights(upper)
    np.testing.assert_allclose(r.weights, full.weights, atol=1e-15)
    np.testing.assert_allclose(r.matrix, full.matrix, atol=1e-15)
    assert r.n_missing == 0


def test_lower_triangle_only():
    lower = np.array(LEADER)
    lower[np.triu_indices(4, 1)] = np.nan
    np.testing.assert_allclose(ahp_weights(lower).weights, LEADER_W, atol=1e-12)


def test_text_fractions_and_spaces():
    m = [["1", " 4 ", "3", "7"], ["1/4", 1, " 1/3 ", "3"], ["0.3333333333333333", 3, 1, "5.0"],
         ["1/7", "1/3", "1/5", "1"]]
    np.testing.assert_allclose(ahp_weights(m).weights, LEADER_W, atol=1e-12)


def test_dataframe_and_object_array():
    df = pd.DataFrame(LEADER)
    np.testing.assert_allclose(ahp_weights(df).weights, LEADER_W, atol=1e-12)
    np.testing.assert_allclose(ahp_weights(np.array(LEADER, dtype=object)).weights, LEADER_W, atol=1e-12)


def test_rounded_reciprocal_accepted_and_made_exact():
    m = [[1, 3, 0.5], [0.33, 1, 0.2], [2, 5, 1]]
    a = parse_matrix(m)
    assert a[1, 0] == 1 / 3 and a[2, 0] == 2.0 and a[2, 1] == 5.0
    assert np.all(a * a.T == pytest.approx(1.0, abs=1e-15))
    # row < column wins even when the lower value is the "nicer" one
    a = parse_matrix([[1, 0.33], [3, 1]])
    assert a[0, 1] == 0.33 and a[1, 0] == 1 / 0.33


def test_small_matrices():
    r1 = ahp_weights([[1]])
    assert r1.weights.tolist() == [1.0] and r1.consistency_ratio == 0.0
    r2 = ahp_weights([[1, 3], [None, 1]])
    np.testing.assert_allclose(r2.weights, [0.75, 0.25])
    assert r2.consistency_index == 0.0 and r2.consistency_ratio == 0.0 and r2.acceptable


@pytest.mark.parametrize("method", METHODS)
def test_methods_on_leader(method):
    r = ahp_weights(LEADER, method=method)
    assert isinstance(r, AhpResult) and r.method == method and r.random_index_table == "cn"
    assert r.weights.sum() == pytest.approx(1.0) and (r.weights > 0).all()
    assert r.lambda_max >= 4
    assert r.acceptable
    if method == "arith":
        a = np.array(LEADER)
        np.testing.assert_allclose(r.weights, (a / a.sum(0)).mean(1) / (a / a.sum(0)).mean(1).sum())


def test_result_is_frozen():
    r = ahp_weights(LEADER)
    with pytest.raises(AttributeError):
        r.lambda_max = 0  # type: ignore[misc]


def test_complete_matrix_two_missing_pairs():
    m = [[1, 1, 5, None], [1, 1, 3, 4], [0.2, 1 / 3, 1, None], [None, 0.25, None, 1]]
    a = complete_matrix(m)
    assert not np.isnan(a).any()
    np.testing.assert_allclose(a * a.T, 1.0, atol=1e-14)
    # optimality: moving any filled value raises lambda_max
    lam = np.max(np.linalg.eigvals(a).real)
    for i, j in [(0, 3), (2, 3)]:
        for f in (1.01, 0.99):
            b = a.copy()
            b[i, j] *= f
            b[j, i] = 1 / b[i, j]
            assert np.max(np.linalg.eigvals(b).real) > lam


# --------------------------------------------------------------------------- diagnosis / repair
def inconsistent5():
    """Consistent on the Saaty scale (w = 8 4 2 1 1) with judgment (1, 4) turned round."""
    a = consistent([8, 4, 2, 1, 1])
    a[0, 3], a[3, 0] = 1 / 8, 8
    return a


def test_inconsistent_judgments_finds_the_bad_pair():
    a = inconsistent5()
    top = inconsistent_judgments(a, count=2)
    assert len(top) == 2
    j = top[0]
    assert {j.row, j.col} == {0, 3}
    assert j.error >= top[1].error >= 1
    w = ahp_weights(a).weights
    assert j.consistent_value == pytest.approx(w[j.row] / w[j.col])
    assert j.scale_value in SAATY_SCALE
    assert j.value == a[j.row, j.col]
    assert j.error == pytest.approx(a[j.row, j.col] * w[j.col] / w[j.row])
    assert j.cr_after < ahp_weights(a).consistency_ratio
    assert len(inconsistent_judgments(a, count=None)) == 10


def test_repair_one_change():
    a = inconsistent5()
    assert ahp_weights(a).consistency_ratio > 0.1
    rep = suggest_repair(a)
    assert rep.reached and len(rep.changes) == 1
    c = rep.changes[0]
    assert (c.row, c.col) == (3, 0) and c.scale_value == 1 / 8
    assert c.consistent_value == pytest.approx(1 / 8, rel=1e-9)
    np.testing.assert_allclose(rep.matrix, consistent([8, 4, 2, 1, 1]), atol=1e-15)
    assert rep.result.consistency_ratio < 0.1 and c.cr_after == rep.result.consistency_ratio


def test_repair_two_changes_is_minimal():
    a = consistent([8, 4, 2, 1, 1])
    a[0, 3], a[3, 0] = 1 / 8, 8
    a[1, 2], a[2, 1] = 1 / 9, 9
    assert ahp_weights(a).consistency_ratio > 0.1
    rep = suggest_repair(a)
    assert rep.reached and len(rep.changes) == 2
    assert {frozenset((c.row, c.col)) for c in rep.changes} == {frozenset((0, 3)), frozenset((1, 2))}
    # no single change on the scale is enough
    for i in range(5):
        for j in range(i + 1, 5):
            for v in SAATY_SCALE:
                b = a.copy()
                b[i, j], b[j, i] = v, 1 / v
                assert ahp_weights(b).consistency_ratio >= 0.1


def test_repair_nothing_to_do_and_max_changes():
    rep = suggest_repair(LEADER)
    assert rep.changes == () and rep.reached
    a = consistent([8, 4, 2, 1, 1])
    a[0, 3], a[3, 0] = 1 / 8, 8
    a[1, 2], a[2, 1] = 1 / 9, 9
    rep = suggest_repair(a, max_changes=1)
    assert len(rep.changes) <= 1 and not rep.reached


def test_repair_large_matrix_greedy():
    rng = np.random.default_rng(3)
    n = 12
    a = consistent(rng.random(n) + 0.1) * np.exp(rng.normal(0, 1.0, (n, n)))
    a = np.triu(a, 1)
    a = a + np.where(a > 0, 1 / np.where(a > 0, a, 1), 0).T
    np.fill_diagonal(a, 1)
    rep = suggest_repair(a)
    assert rep.reached and rep.result.consistency_ratio < 0.1
    crs = [c.cr_after for c in rep.changes]
    assert crs == sorted(crs, reverse=True)


# --------------------------------------------------------------------------- aggregation
def test_aggregate_judgments_geometric_mean():
    e1 = [[1, 2, 4], [None, 1, 2], [None, None, 1]]
    e2 = [[1, 8, 1], [None, 1, 1 / 2], [None, None, 1]]
    g = aggregate_judgments([e1, e2])
    assert g[0, 1] == pytest.approx(4) and g[0, 2] == pytest.approx(2) and g[1, 2] == pytest.approx(1)
    np.testing.assert_allclose(g * g.T, 1.0, atol=1e-15)
    gw = aggregate_judgments([e1, e2], weights=[3, 1])
    assert gw[0, 1] == pytest.approx(2 ** 0.75 * 8 ** 0.25)


def test_aggregate_judgments_errors():
    with pytest.raises(MatrixValueError, match=r'^matrices: expert 2: row 1, column 2 is "x"'):
        aggregate_judgments([LEADER, [[1, "x"], [None, 1]]])
    with pytest.raises(MatrixShapeError, match=r"^matrices: expert 2 is 2 x 2 but expert 1 is 4 x 4"):
        aggregate_judgments([LEADER, [[1, 2], [None, 1]]])
    with pytest.raises(ScaleError, match=r"^expert weights: expert 2 is -1"):
        aggregate_judgments([LEADER, LEADER], weights=[1, -1])


def test_aggregate_priorities():
    g = aggregate_priorities([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]], weights=[1, 1])
    expected = np.sqrt([0.1, 0.09, 0.1])
    np.testing.assert_allclose(g, expected / expected.sum())
    with pytest.raises(ScaleError, match=r"^weights: row 2, column 1 is -0.2; priorities must be"):
        aggregate_priorities([[0.5, 0.5], [-0.2, 1.2]])


# --------------------------------------------------------------------------- hierarchy
def test_hierarchy_consistency_ratio_and_depth():
    crit = ahp_weights(LEADER)
    subs = {c: ahp_weights([[1, 2, 5], [None, 1, 3], [None, None, 1]]) for c in "ABCD"}
    tree = {"goal": (list("ABCD"), crit)}
    tree.update({c: ([f"{c}{k}" for k in range(3)], subs[c]) for c in "ABCD"})
    tree["A0"] = (["A0x", "A0y"], [0.25, 0.75])  # a third level, weights as numbers
    h = hierarchy(tree, "goal")
    assert h.leaves[:3] == ("A0x", "A0y", "A1")
    assert h.global_weights.sum() == pytest.approx(1.0)
    assert h.node_weights["A0x"] == pytest.approx(crit.weights[0] * subs["A"].weights[0] * 0.25)
    ci = crit.consistency_index + sum(w * subs[c].consistency_index for w, c in zip(crit.weights, "ABCD"))
    ri = crit.random_index + sum(w * subs[c].random_index for w, c in zip(crit.weights, "ABCD"))
    assert h.consistency_ratio == pytest.approx(ci / ri)


def test_hierarchy_errors():
    with pytest.raises(ModelError, match=r"has 2 children but 3 weights"):
        hierarchy({"g": (["a", "b"], [0.2, 0.3, 0.5])}, "g")
    with pytest.raises(ModelError, match=r"its own ancestor"):
        hierarchy({"g": (["a"], [1]), "a": (["g"], [1])}, "g")
    with pytest.raises(ModelError, match=r'root "x"'):
        hierarchy({"g": (["a"], [1])}, "x")


def test_global_weights_helper():
    np.testing.assert_allclose(global_weights([0.6, 0.4], [0.5, 0.5, 1.0], [1, "2", 2.0]),
                               [0.3, 0.2, 0.4])
    np.testing.assert_allclose(global_weights([[0.6], [0.4]], [[0.5], [0.5]], [["B"], ["A"]],
                                              parent_labels=["A", "B"]), [0.2, 0.3])
    with pytest.raises(ModelError, match=r'^parents: row 2 is "3"; parent numbers must be whole '
                                         r'numbers from 1 to 2'):
        global_weights([0.6, 0.4], [0.5, 0.5], [1, 3])
    with pytest.raises(ModelError, match=r'^parents: row 1 is "C"; it must be one of A, B'):
        global_weights([0.6, 0.4], [1.0], ["C"], parent_labels=["A", "B"])


# --------------------------------------------------------------------------- batch
@pytest.mark.parametrize("method", METHODS)
def test_batch_equals_single(method):
    rng = np.random.default_rng(7)
    k, n = 50, 6
    a = consistent(rng.random(n) + 0.1) * np.exp(rng.normal(0, 0.6, (k, n, n)))
    a = np.triu(a, 1)
    a = a + np.transpose(1 / np.where(a > 0, a, np.inf), (0, 2, 1))
    a[:, range(n), range(n)] = 1
    b = ahp_batch(a, method=method, random_index="saaty1980")
    for i in range(k):
        r = ahp_weights(a[i], method=method, random_index="saaty1980")
        np.testing.assert_allclose(b.weights[i], r.weights, rtol=0, atol=1e-10)
        assert b.lambda_max[i] == pytest.approx(r.lambda_max, abs=1e-10)
        assert b.consistency_ratio[i] == pytest.approx(r.consistency_ratio, abs=1e-10)
    assert b.method == method and b.random_index == 1.24


def test_batch_validation():
    with pytest.raises(MatrixShapeError, match=r"^matrices: must be k x n x n but is 2 x 3 x 4"):
        ahp_batch(np.ones((2, 3, 4)))
    bad = np.ones((3, 3, 3))
    bad[1, 0, 2] = 5
    with pytest.raises(NotReciprocalError, match=r"^matrices: matrix 2, row 1, column 3 is 5 but row 3, "
                                                 r"column 1 is 1; it should be 1/5"):
        ahp_batch(bad)
    bad[1, 0, 2] = -1
    with pytest.raises(MatrixValueError, match=r"^matrices: matrix 2, row 1, column 3 is -1"):
        ahp_batch(bad)


def test_import_is_light():
    code = ("import sys, bpm_xl.ahp; "
            "bad = [m for m in ('xlwings', 'scipy', 'openpyxl', 'xlsxwriter') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_global_weights_accepts_1d_numpy_arrays():
    # regression: 1-D float arrays were rejected as "not a 2D range" (found by the sensitivity work)
    got = global_weights(np.array([0.6, 0.4]), np.array([0.5, 0.5, 1.0]), np.array([1, 1, 2]))
    np.testing.assert_allclose(got, [0.3, 0.3, 0.4])


def test_completion_of_a_9x9_chain_is_accurate_to_1e12():
    # a(i, i+1) = 9 everywhere: the lambda-max-optimal completion is the consistent one, a(1, 9) = 9**8
    n = 9
    m = [[1 if i == j else (9 if j == i + 1 else None) for j in range(n)] for i in range(n)]
    c = complete_matrix(m)
    assert abs(c[0, n - 1] / 9**8 - 1) < 1e-12
    expected = np.array([[9.0 ** (j - i) for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(c, expected, rtol=1e-12)


def test_repairs_and_worst_take_a_result_whose_completion_exceeds_the_typed_range():
    n = 12
    m = [[1 if i == j else (2 if j == i + 1 else None) for j in range(n)] for i in range(n)]
    m[0][2] = 9  # inconsistent with 2 * 2
    res = ahp_weights(m)
    assert res.matrix.max() > 1000  # completed values beyond 1000 are fine (only typed ones are limited)
    from bpm_xl.ahp import inconsistent_judgments, suggest_repair

    assert inconsistent_judgments(res, 2)
    suggest_repair(res)
