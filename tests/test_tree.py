"""The indicator system as a tree of any depth, indicator types, points weighting and score caps (core).

Every expected figure is computed here directly from the rules (products of local weights
down the path, sum of points x fractions, the lowest cap that applies), not copied from a run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpm_xl import ahp, datascore
from bpm_xl.errors import ModelError, ScaleError, SettingsError
from bpm_xl.evaluation import EvaluationInputs, Expert, Settings, evaluate
from bpm_xl.leaves import Cap, DataEntry, DirectScore, data_argument
from bpm_xl.model import GOAL, IndicatorSystem

# A 3-level frame: dimension D (groups D1, D2), dimension E (indicators directly under it).
ROWS = [
    # dimension, code, parent, kind, pdca
    ("D", "D1", "", "", ""),
    ("D", "D11", "D1", "data", "do"),
    ("D", "D12", "D1", "direct", "plan"),
    ("D", "D2", "", "", ""),
    ("", "D21", "D2", "expert", "check"),
    ("", "D22", "D2", "survey", "check"),
    ("E", "E1", "", "survey", "act"),
    ("E", "E2", "", "data", "do"),
]


def _frame(rows=ROWS, points=None) -> pd.DataFrame:
    out = []
    for k, (dim, code, parent, kind, pdca) in enumerate(rows):
        out.append({"dimension": dim, "dimension_zh": dim, "code": code, "name_zh": f"指标{code}",
                    "parent": parent, "kind": kind, "pdca": pdca,
                    "points": None if points is None else points.get(code)})
    return pd.DataFrame(out)


def test_a_three_level_frame_reads_as_a_tree():
    s = IndicatorSystem.from_frame(_frame())
    assert s.dimension_codes == ("D", "E")
    assert s.group_codes == ("D1", "D2")
    assert s.nodes() == (GOAL, "D", "E", "D1", "D2")
    assert s.children("D") == ("D1", "D2") and s.children("D2") == ("D21", "D22")
    assert s.codes == ("D11", "D12", "D21", "D22", "E1", "E2")
    assert s.path("D21") == ("D", "D2") and s.level("D21") == 3 and s.level("E1") == 2 and s.depth == 3
    assert s.indicator("D21").dimension == "D"            # derived from the parent when the cell is blank
    assert [i.code for i in s.indicators_of("D")] == ["D11", "D12", "D21", "D22"]
    assert s.indicator("D11").kind == "data" and s.indicator("E1").kind == "survey"
    assert IndicatorSystem.from_frame(s.to_frame()) == s


def test_the_study_shape_is_two_levels_of_survey_indicators():
    from bpm_xl.model import default_system

    s = default_system()
    assert s.depth == 2 and s.weighting == "ahp" and not s.groups
    assert {i.kind for i in s.indicators} == {"survey"}
    assert IndicatorSystem.from_frame(s.to_frame()) == s


@pytest.mark.parametrize("rows, match, row", [
    # a cycle in the parent codes
    ([("D", "A", "B", "", ""), ("D", "B", "A", "", ""), ("D", "C", "A", "survey", "do")], "circle", 1),
    # a parent code no row has
    ([("D", "A", "", "survey", "do"), ("D", "B", "Z", "survey", "do")], "'Z' is neither a dimension", 2),
    # a dimension typed that is not the parent's dimension
    ([("D", "A", "", "", ""), ("E", "A1", "A", "survey", "do"), ("E", "B", "", "survey", "do")],
     "belongs to dimension 'D'", 2),
    # no dimension at all
    ([("", "A", "", "survey", "do")], "no dimension code", 1),
    # an unknown type
    ([("D", "A", "", "数值", "do")], "not an indicator type", 1),
])
def test_a_clerks_mistake_in_the_tree_names_its_row(rows, match, row):
    with pytest.raises(ModelError, match=match) as info:
        IndicatorSystem.from_frame(_frame(rows))
    assert info.value.row == row


def test_points_are_all_or_none_and_a_groups_points_must_add_up():
    with pytest.raises(ModelError, match="points .* are given for D11"):
        IndicatorSystem.from_frame(_frame(points={"D11": 10}))
    pts = {"D11": 10, "D12": 10, "D21": 20, "D22": 10, "E1": 30, "E2": 20, "D1": 25}
    with pytest.raises(ModelError, match="D1 has 25 points .* add up to 20"):
        IndicatorSystem.from_frame(_frame(points=pts))
    with pytest.raises(ModelError, match="must be a number above 0"):
        IndicatorSystem.from_frame(_frame(points={**pts, "D1": None, "E2": "二十"}))


# ------------------------------------------------------------------ evaluation of a points system
POINTS = {"D11": 10, "D12": 10, "D21": 20, "D22": 10, "E1": 30, "E2": 20}


def _points_inputs(values=None, caps=(), survey=None, direct="4", expert=None) -> EvaluationInputs:
    system = IndicatorSystem.from_frame(_frame(points=POINTS))
    values = {"D11": 0.93, "E2": "是"} if values is None else values
    rules = {"D11": datascore.data_rule("deduct", 0.95, 10), "E2": datascore.data_rule("yesno")}
    data = {c: DataEntry(v, rules[c]) for c, v in values.items()}
    survey = pd.DataFrame({"D22": [5, 4, 4], "E1": [3, 4, 5]}) if survey is None else survey
    return EvaluationInputs(
        system=system, settings=Settings(caps=tuple(caps)),
        experts=(Expert("X1", "甲", 0.9, 0.9), Expert("X2", "乙", 0.5, 0.7)),
        judgments={}, delphi_rounds=(), survey=survey, data=data,
        expert_scores={"D21": {"X1": 5, "X2": 3}} if expert is None else expert,
        direct_scores={} if direct is None else {"D12": DirectScore(direct, "会议纪要")},
    )


def test_a_points_system_scores_each_type_by_its_rule():
    ev = evaluate(_points_inputs())
    assert ev.complete and ev.system.weighting == "points"
    # each type's score on the 5-point scale, computed here from the rules
    cr = {"X1": 0.9, "X2": 0.6}                                    # (Ca + Cs) / 2
    expected = {
        "D11": (1 - 10 * (0.95 - 0.93)) * 5,                        # deduct: 2 points short, 10 % each
        "D12": 4.0,                                                 # direct
        "D21": (cr["X1"] * 5 + cr["X2"] * 3) / (cr["X1"] + cr["X2"]),  # authority-weighted panel mean
        "D22": 13 / 3,                                              # survey mean
        "E1": 4.0,
        "E2": 5.0,                                                  # yes: full marks
    }
    got = dict(zip(ev.indicator_table["code"], ev.indicator_table["mean_score"]))
    for code, x in expected.items():
        assert got[code] == pytest.approx(x, abs=1e-12), code
    total = sum(POINTS[c] / 100 * expected[c] for c in POINTS)
    assert ev.total == pytest.approx(total, abs=1e-12)
    gw = dict(zip(ev.indicator_table["code"], ev.indicator_table["global_weight"]))
    assert gw == pytest.approx({c: p / 100 for c, p in POINTS.items()}, abs=1e-15)
    assert ev.nodes["D"].aggregated.consistency_ratio == pytest.approx(0, abs=1e-12)
    groups = ev.group_table.set_index("code")
    assert groups.loc["D2", "weight"] == pytest.approx(30 / 50) and groups.loc["D2", "level"] == 2
    assert groups.loc["D2", "score"] == pytest.approx((20 * expected["D21"] + 10 * expected["D22"]) / 30)
    assert ev.fuzzy is None                   # only survey indicators have answer shares
    assert ev.to_dict()["data"]["D11"]["fraction"] == pytest.approx(0.8)


def test_a_blank_value_leaves_the_evaluation_pending_and_a_bad_one_is_refused_with_its_argument():
    ev = evaluate(_points_inputs(values={"D11": None, "E2": "是"}, direct=None, expert={}))
    assert ev.pending == ("D11", "D12", "D21") and ev.total is None and ev.rating is None
    with pytest.raises(ScaleError, match="type it as the number 0.95") as info:
        evaluate(_points_inputs(values={"D11": "95%", "E2": "是"}))
    assert info.value.argument == data_argument("D11")
    with pytest.raises(ScaleError, match="outside 0 .. 5"):
        evaluate(_points_inputs(direct="6"))


def test_the_lowest_cap_that_applies_cuts_the_total_and_the_score_before_it_is_kept():
    caps = (Cap("D11", 0.9, 0.95, 79), Cap("D11", None, 0.94, 85), Cap("D11", None, 0.6, 69))
    ev = evaluate(_points_inputs(caps=caps))
    uncapped = evaluate(_points_inputs()).score100
    assert uncapped > 85
    assert ev.cap is not None and ev.cap.cap == caps[0] and ev.cap.uncapped_score100 == pytest.approx(uncapped)
    assert ev.score100 == pytest.approx(79) and ev.rating.grade == "C"
    # at the bound: [0.9, 0.95) does not hold 0.95
    assert evaluate(_points_inputs(values={"D11": 0.95, "E2": "是"}, caps=caps)).cap is None
    with pytest.raises(SettingsError, match="not a data indicator"):
        evaluate(_points_inputs(caps=(Cap("E1", None, 3, 70),)))
    with pytest.raises(SettingsError, match="E2 is scored yes/no"):   # the sheets compare numbers only
        evaluate(_points_inputs(caps=(Cap("E2", None, 0.5, 70),)))


# ------------------------------------------------------------------ AHP at every node of a deep tree
def _consistent(w: np.ndarray) -> np.ndarray:
    return w[:, None] / w[None, :]


def _perturbed(rng: np.random.Generator, n: int) -> np.ndarray:
    """A reciprocal matrix near a consistent one (so every node has a CR above 0 when n > 2)."""
    m = _consistent(rng.uniform(1, 9, n))
    up = np.triu(m * np.exp(rng.normal(0, 0.2, (n, n))), 1)
    low = np.zeros_like(up)
    low[np.tril_indices(n, -1)] = 1.0 / up.T[np.tril_indices(n, -1)]
    out = up + low + np.eye(n)
    assert np.isfinite(out).all() and np.allclose(out * out.T, 1.0)
    return out


def _deep_inputs(rng: np.random.Generator, shape: dict[str, int]) -> tuple[EvaluationInputs, dict[str, np.ndarray]]:
    """A tree given as node -> number of children (inner nodes get children named node+k)."""
    rows, mats = [], {}

    def grow(node: str, dim: str, parent: str) -> None:
        for k in range(shape.get(node, 0)):
            code = f"{node}{k}"
            inner = code in shape
            rows.append({"dimension": dim, "code": code, "parent": parent if parent != dim else "",
                         "kind": "" if inner else "survey", "pdca": "" if inner else "do"})
            if inner:
                grow(code, dim, code)
        if node in shape:
            parent_rows = [r for r in rows if (r["parent"] or r["dimension"]) == node]
            n = len(parent_rows)
            mats[node] = _perturbed(rng, n)

    dims = [f"T{k}" for k in range(shape["GOAL"])]
    for d in dims:
        for k in range(shape[d]):
            code = f"{d}{k}"
            inner = code in shape
            rows.append({"dimension": d, "code": code, "parent": "", "kind": "" if inner else "survey",
                         "pdca": "" if inner else "do"})
            if inner:
                grow(code, d, code)
        mats[d] = _perturbed(rng, shape[d])
    mats[GOAL] = _consistent(rng.uniform(1, 9, len(dims)))
    system = IndicatorSystem.from_frame(pd.DataFrame(rows))
    survey = pd.DataFrame({c: rng.integers(1, 6, 7) for c in system.codes})
    judgments = {node: {"X1": mats[node].tolist()} for node in system.nodes()}
    inputs = EvaluationInputs(system=system, settings=Settings(), experts=(Expert("X1", "甲", 0.8, 0.8),),
                              judgments=judgments, delphi_rounds=(), survey=survey)
    return inputs, mats


def test_a_four_level_tree_weighs_by_the_product_down_the_path_and_sums_the_cr_over_every_node():
    rng = np.random.default_rng(7)
    shape = {"GOAL": 2, "T0": 3, "T1": 2, "T00": 2, "T01": 3, "T000": 3, "T010": 2, "T10": 3}
    inputs, mats = _deep_inputs(rng, shape)
    system = inputs.system
    assert system.depth == 4
    ev = evaluate(inputs)
    local = {node: dict(zip(system.children(node), ahp.ahp_weights(mats[node]).weights)) for node in system.nodes()}
    table = ev.indicator_table.set_index("code")
    for code in system.codes:
        chain = (GOAL, *system.path(code), code)
        expected = math.prod(local[a][b] for a, b in zip(chain, chain[1:]))
        assert table.loc[code, "global_weight"] == pytest.approx(expected, abs=1e-12)
        assert table.loc[code, "level"] == len(chain) - 1
    gw_node = {GOAL: 1.0}
    for node in system.nodes()[1:]:
        chain = (GOAL, *system.path(node), node)
        gw_node[node] = math.prod(local[a][b] for a, b in zip(chain, chain[1:]))
    res = {node: ahp.ahp_weights(mats[node]) for node in system.nodes()}
    num = sum(gw_node[n] * res[n].consistency_index for n in system.nodes()[1:])
    den = sum(gw_node[n] * res[n].random_index for n in system.nodes()[1:])
    assert num > 0 and ev.hierarchy.consistency_ratio == pytest.approx(num / den, abs=1e-12)
    means = inputs.survey.mean()
    assert ev.total == pytest.approx(sum(table.loc[c, "global_weight"] * means[c] for c in system.codes), abs=1e-12)
    for _, row in ev.dimension_table.iterrows():
        below = [i.code for i in system.indicators_of(row["dimension"])]
        own = sum(table.loc[c, "global_weight"] * means[c] for c in below) / gw_node[row["dimension"]]
        assert row["score"] == pytest.approx(own, abs=1e-12)
    assert set(ev.group_table["code"]) == set(system.group_codes)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=1, max_size=3), st.integers(0, 2**31))
def test_global_weights_of_any_points_tree_are_the_points_shares(n_dims, widths, seed):
    rng = np.random.default_rng(seed)
    rows, points = [], {}
    for d in range(n_dims):
        dim = f"T{d}"
        for g, width in enumerate(widths):
            grp = f"{dim}G{g}"
            rows.append({"dimension": dim, "code": grp, "parent": "", "kind": "", "pdca": "", "points": None})
            for k in range(width):
                code = f"{grp}I{k}"
                points[code] = float(rng.integers(1, 20))
                rows.append({"dimension": dim, "code": code, "parent": grp, "kind": "direct", "pdca": "act",
                             "points": points[code]})
    system = IndicatorSystem.from_frame(pd.DataFrame(rows))
    scores = {c: DirectScore(float(rng.integers(0, 6))) for c in system.codes}
    ev = evaluate(EvaluationInputs(system=system, settings=Settings(), experts=(Expert("X", "x", 0.5, 0.5),),
                                   judgments={}, delphi_rounds=(), survey=pd.DataFrame(), direct_scores=scores))
    total = sum(points.values())
    gw = dict(zip(ev.indicator_table["code"], ev.indicator_table["global_weight"]))
    for code, p in points.items():
        assert gw[code] == pytest.approx(p / total, abs=1e-12)
    assert ev.total == pytest.approx(sum(points[c] / total * float(scores[c].value) for c in points), abs=1e-12)
