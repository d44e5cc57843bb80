"""AHP against published reference cases.

Expected values come from ``../shared/reference/reference_cases.json`` (copied to
``tests/data/reference_cases.json`` so the tests never depend on a folder outside the clone):
exact values computed with numpy to ~1e-12, and the rounded figures the sources publish, which
are compared at the precision they are printed with.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bpm_xl.ahp import RI_TABLES, ahp_weights, hierarchy, random_index

REPO = Path(__file__).resolve().parents[1]
LOCAL = REPO / "tests" / "data" / "reference_cases.json"
SHARED = REPO.parent / "shared" / "reference" / "reference_cases.json"
REF = json.loads(LOCAL.read_text(encoding="utf-8"))
AHP = REF["ahp"]


def _cases():
    for key in ("drinks", "leader_criteria", "car_criteria", "bpmsg_template"):
        yield pytest.param(AHP[key], id=key)
    for key, case in AHP["leader_alternatives"].items():
        yield pytest.param(case, id=f"leader_alternatives.{key}")


CASES = list(_cases())


def test_local_copy_matches_shared():
    if not SHARED.exists():
        pytest.skip("../shared is not beside the clone")
    assert json.loads(SHARED.read_text(encoding="utf-8")) == REF


@pytest.mark.parametrize("table", ["cn", "saaty1980", "saaty2005", "donegan_dodd"])
def test_random_index_tables_match_reference(table):
    assert [random_index(n, table) for n in range(1, 16)] == REF["random_index"][table]


@pytest.mark.parametrize("case", CASES)
def test_eigen_weights_and_consistency(case):
    r = ahp_weights(case["matrix"])
    np.testing.assert_allclose(r.weights, case["eigen_weights"], rtol=0, atol=1e-9)
    assert r.lambda_max == pytest.approx(case["lambda_max"], abs=1e-9)
    assert r.consistency_index == pytest.approx(case["ci"], abs=1e-9)
    assert r.weights.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("case", CASES)
def test_geomean_weights(case):
    r = ahp_weights(case["matrix"], method="geomean")
    np.testing.assert_allclose(r.weights, case["geomean_weights"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("table", RI_TABLES)
@pytest.mark.parametrize("case", CASES)
def test_consistency_ratio_every_table(case, table):
    r = ahp_weights(case["matrix"], random_index=table)
    assert r.consistency_ratio == pytest.approx(case["cr"][table], abs=1e-9)
    assert r.random_index_table == table
    assert r.consistency_index / r.random_index == pytest.approx(r.consistency_ratio, rel=1e-12)


# Published, rounded figures (see each case's "source").
def test_drinks_published():
    # Saaty (2008): w .177 .019 .042 .116 .190 .129 .327, CR .022 with RI 1.35 (saaty2005, n = 7)
    r = ahp_weights(AHP["drinks"]["matrix"], random_index="saaty2005")
    assert r.random_index == 1.35
    assert np.round(r.weights, 3).tolist() == [.177, .019, .042, .116, .190, .129, .327]
    assert round(r.consistency_ratio, 3) == 0.022


def test_leader_criteria_published():
    # AHPy README: .548 .127 .270 .056, CR .044 (RI .89: cn / saaty2005)
    r = ahp_weights(AHP["leader_criteria"]["matrix"], random_index="saaty2005")
    assert r.random_index == 0.89
    assert np.round(r.weights, 3).tolist() == [.548, .127, .270, .056]
    assert round(r.consistency_ratio, 3) == 0.044


def test_car_criteria_published():
    # AHPy README: .51 .234 .041 .215, CR .08 (Donegan-Dodd RI)
    r = ahp_weights(AHP["car_criteria"]["matrix"], random_index="donegan_dodd")
    assert np.round(r.weights, 3).tolist() == [.510, .234, .041, .215]
    assert round(r.consistency_ratio, 2) == 0.08


def test_bpmsg_template_published():
    # BPMSG AHP Excel template: 27.9% 7.2% 64.9%
    r = ahp_weights(AHP["bpmsg_template"]["matrix"])
    assert np.round(r.weights * 100, 1).tolist() == [27.9, 7.2, 64.9]


def test_incomplete_bozoki():
    # Bozoki, Fulop, Ronyai (2010): a_cd = 0.730297, w .3738 .3920 .0985 .1357, CR(DD) .0372
    case = AHP["incomplete_bozoki"]
    r = ahp_weights(case["matrix"], random_index="donegan_dodd")
    assert r.n_missing == 1
    assert round(float(r.matrix[2, 3]), 6) == case["completed_a_cd"]
    assert r.matrix[3, 2] * r.matrix[2, 3] == pytest.approx(1.0, abs=1e-15)
    assert np.round(r.weights, 4).tolist() == case["eigen_weights"]
    assert round(r.consistency_ratio, 4) == 0.0372


def test_leader_global():
    # Leader example global priorities: Tom .358, Dick .493, Harry .149 (exact values to ~1e-12)
    alts = AHP["leader_alternatives"]
    crit = ahp_weights(AHP["leader_criteria"]["matrix"])
    labels = AHP["leader_criteria"]["labels"]
    tree = {"goal": (labels, crit)}
    tree.update({c: (alts[c]["labels"], ahp_weights(alts[c]["matrix"])) for c in labels})
    h = hierarchy(tree, "goal")
    assert h.leaves == tuple(AHP["leader_global"]["labels"])
    np.testing.assert_allclose(h.global_weights, AHP["leader_global"]["weights"], rtol=0, atol=1e-12)
    assert np.round(h.global_weights, 3).tolist() == [.358, .493, .149]
    assert h.node_weights["goal"] == 1.0
