"""A three-level system of mixed indicator types through diagnosis, priorities and sensitivity.

Dimension A has two groups (A1: a survey and a data indicator; A2: an expert, a survey and a
direct indicator); dimension B has its indicators directly (survey, data), so the leaves lie at
levels 2 and 3. Weights come from two experts' judgments at every node.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bpm_xl import evaluate, findings, rectification, sensitivity, templates
from bpm_xl.datascore import data_rule
from bpm_xl.evaluation import EvaluationInputs, Expert, Settings
from bpm_xl.leaves import Cap, DataEntry, DirectScore
from bpm_xl.model import Dimension, Group, Indicator, IndicatorSystem


def _system() -> IndicatorSystem:
    return IndicatorSystem(
        (Dimension("A", "甲", "A"), Dimension("B", "乙", "B")),
        (Indicator("a11", "问卷一", "survey one", "A", "plan", "A1", "survey"),
         Indicator("a12", "数据一", "data one", "A", "do", "A1", "data"),
         Indicator("a21", "专家一", "expert one", "A", "check", "A2", "expert"),
         Indicator("a22", "问卷二", "survey two", "A", "act", "A2", "survey"),
         Indicator("a23", "直接一", "direct one", "A", "do", "A2", "direct"),
         Indicator("b1", "问卷三", "survey three", "B", "check", "", "survey"),
         Indicator("b2", "数据二", "data two", "B", "act", "", "data")),
        groups=(Group("A1", "组一", "group one", "A"), Group("A2", "组二", "group two", "A")),
    )


JUDGMENTS = {
    "GOAL": {"E1": [[1, 2], [None, 1]], "E2": [[1, 3], [None, 1]]},
    "A": {"E1": [[1, 1 / 2], [None, 1]], "E2": [[1, 1], [None, 1]]},
    "A1": {"E1": [[1, 3], [None, 1]], "E2": [[1, 2], [None, 1]]},
    "A2": {"E1": [[1, 2, 4], [None, 1, 3], [None, None, 1]], "E2": [[1, 3, 5], [None, 1, 2], [None, None, 1]]},
    "B": {"E1": [[1, 1 / 3], [None, 1]], "E2": [[1, 1 / 2], [None, 1]]},
}


def _inputs(answers: dict[str, list[int]] | None = None, execution: float = 0.88, caps=()) -> EvaluationInputs:
    answers = answers or {"a11": [5, 4, 3, 4, 2, 5], "a22": [3, 3, 4, 2, 3, 4], "b1": [4, 5, 5, 4, 3, 4]}
    return EvaluationInputs(
        system=_system(), settings=Settings(caps=tuple(caps)),
        experts=(Expert("E1", "", 0.9, 0.8), Expert("E2", "", 0.7, 0.6)),
        judgments=JUDGMENTS, delphi_rounds=(), survey=pd.DataFrame(answers, dtype=object),
        data={"a12": DataEntry(execution, data_rule("steps", [0.95, 0.9, 0.8], [1, 0.8, 0.6])),
              "b2": DataEntry("是", data_rule("yesno"))},
        expert_scores={"a21": {"E1": 4, "E2": 3}},
        direct_scores={"a23": DirectScore(3.5, "检查记录")},
    )


def test_the_fixture_is_three_levels_deep_with_every_type():
    ev = evaluate(_inputs())
    assert ev.system.depth == 3 and ev.complete
    assert set(ev.indicator_table["kind"]) == {"survey", "data", "expert", "direct"}


def test_priorities_and_findings_cover_every_leaf():
    ev = evaluate(_inputs())
    codes = set(ev.system.codes)
    assert set(ev.priorities["label"]) == codes
    pri = ev.priorities.set_index("label")
    assert pri.loc["a12", "dimension"] == "A" and pri.loc["a12", "stage"] == "do"
    found = findings.classify(ev)
    assert {f.code for f in found.all} == codes
    a12 = found.get("a12")
    # a data indicator's finding: its score from the rule (0.88 reaches 0.8 -> 60 % of 5), no survey shares
    assert a12.score == pytest.approx(3.0) and a12.dimension == "A" and np.isnan(a12.low_share)
    assert a12.dimension_mean == pytest.approx(ev.indicator_table.query("dimension == 'A'")["mean_score"].mean())
    items = rectification.prefill(ev, "zh")
    assert {i.indicator for i in items} == {f.code for f in found.problems}


def test_judgment_perturbation_of_nothing_reproduces_every_global_weight_of_the_tree():
    ev = evaluate(_inputs())
    r = sensitivity.judgment_sensitivity(ev, draws=20, mode="perturb", probability=0.0, rng=1)
    np.testing.assert_allclose(r.weight_mean, ev.indicator_table["global_weight"], rtol=1e-12)
    np.testing.assert_allclose(r.weight_sd, 0.0, atol=1e-15)
    assert r.total.mean == pytest.approx(ev.total, rel=1e-12)


def test_judgment_perturbation_moves_the_weights_at_every_node():
    ev = evaluate(_inputs())
    r = sensitivity.judgment_sensitivity(ev, draws=400, mode="perturb", probability=0.5, rng=3)
    assert (r.weight_sd > 0).all()
    np.testing.assert_allclose(r.weight_mean.sum(), 1.0, rtol=1e-9)
    # the leaves of the group A1 share its weight: their within-group split moves only at node A1
    assert len(r.weight_mean) == 7 and r.dimensions == ("A", "B")


def test_respondent_resampling_moves_only_survey_indicators():
    same = {"a11": [4, 4, 4], "a22": [3, 3, 3], "b1": [5, 5, 5]}
    ev = evaluate(_inputs(same))
    r = sensitivity.respondent_sensitivity(ev, draws=200, rng=5)
    # every survey answer is the same, and the data, expert and direct scores are fixed: no spread
    assert r.respondents == 3
    assert r.total.sd == pytest.approx(0.0, abs=1e-12) and r.total.mean == pytest.approx(ev.total, rel=1e-12)
    np.testing.assert_allclose(r.dimension_mean, ev.dimension_table["score"], rtol=1e-12)


def test_respondent_resampling_spreads_the_survey_part():
    ev = evaluate(_inputs())
    r = sensitivity.respondent_sensitivity(ev, draws=500, rng=5)
    assert r.total.sd > 0
    assert r.dimension_low[0] <= ev.dimension_table["score"].iloc[0] <= r.dimension_high[0]


def test_a_cap_that_applies_holds_in_every_draw():
    cap = Cap("a12", None, 0.9, 70.0, "")
    ev = evaluate(_inputs(caps=[cap]))
    assert ev.cap is not None
    r = sensitivity.respondent_sensitivity(ev, draws=200, rng=7)
    assert r.score100.high <= 70.0 + 1e-9
    p = sensitivity.judgment_sensitivity(ev, draws=100, mode="perturb", probability=0.5, rng=7)
    assert p.score100.high <= 70.0 + 1e-9


def test_analyse_a_points_template_with_data_expert_direct_and_survey():
    answers = pd.DataFrame({"B21": [5, 4, 4, 3, 5]}, dtype=object)
    values = {"P11": 1.0, "P12": 0.97, "P13": "是", "P21": "是", "O11": 0.92, "O21": 0.97, "O31": 6, "O41": 0.0}
    direct = {c: 4 for c in ("D11", "D12", "D22", "D31", "D32", "P22")}
    experts = (Expert("E01", "", 0.9, 0.8), Expert("E02", "", 0.6, 0.5))
    scores = {c: {"E01": 4, "E02": 3} for c in ("D21", "B11", "B12")}
    inputs = templates.template_inputs("project", experts, values=values, direct_scores=direct,
                                       expert_scores=scores, survey=answers)
    r = sensitivity.analyse(inputs, draws=50)
    ev = evaluate(inputs)
    # weights by points do not move under the panel's judgments: the total is the base total
    for part in (r.judgments_perturb, r.judgments_bootstrap):
        assert part.total.sd == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(part.weight_mean, ev.indicator_table["global_weight"], rtol=1e-12)
    assert r.respondents.respondents == 5 and r.respondents.total.sd > 0


def test_weight_thresholds_under_a_cap_rate_the_capped_total():
    # two dimensions at 0.5 scoring 4.8 and 2.8: T = 3.8 (76 points, C); a cap at 75 points keeps it C
    free = sensitivity.weight_thresholds([0.5, 0.5], [4.8, 2.8])
    capped = sensitivity.weight_thresholds([0.5, 0.5], [4.8, 2.8], cap=75 / 100 * 5)
    # without the cap, raising the first weight to (3.99975 - 2.8) / 2 reaches 79.995 points: B
    assert free[0].increase.grade_after == "B"
    assert free[0].increase.weight == pytest.approx((3.99975 - 2.8) / 2, rel=1e-12)
    # under the cap no weight lifts the grade; it still falls to D where T itself falls below 60 points
    assert capped[0].increase.weight is None and capped[1].decrease.weight is None
    assert capped[0].decrease.grade_after == "D"
    assert capped[0].decrease.weight == pytest.approx((2.99975 - 2.8) / 2, rel=1e-12)
    assert capped[0].decrease.weight == free[0].decrease.weight


def test_analyse_passes_the_cap_to_the_weight_thresholds():
    cap = Cap("a12", None, 0.9, 70.0, "")
    inputs = _inputs(caps=[cap])
    ev = evaluate(inputs)
    r = sensitivity.analyse(inputs, draws=20, evaluation=ev, parts=())
    assert ev.score100 == pytest.approx(70.0)
    assert all(d.increase.weight is None for d in r.weights)   # 70 < 79.995: no weight lifts the capped grade
