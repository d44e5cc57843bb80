"""evaluate(): the example against its golden JSON, every error message it raises, repair hints, meta."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bpm_xl import ahp, scoring
from bpm_xl.errors import (
    MatrixShapeError,
    MatrixValueError,
    MissingValueError,
    ModelError,
    NotConnectedError,
    NotReciprocalError,
    ScaleError,
    SettingsError,
)
from bpm_xl.evaluation import Meta, Settings, evaluate, judgment_argument
from bpm_xl.example import load_example

GOLDEN = Path(__file__).parent / "data" / "golden" / "example.json"


@pytest.fixture(scope="module")
def inputs():
    return load_example()


def _same(golden, now, path="$"):
    if isinstance(golden, dict):
        assert set(golden) <= set(now), f"{path}: keys lost {set(golden) - set(now)}"
        for k in golden:
            _same(golden[k], now[k], f"{path}.{k}")
    elif isinstance(golden, list):
        assert len(golden) == len(now), path
        for k, (g, n) in enumerate(zip(golden, now)):
            _same(g, n, f"{path}[{k}]")
    elif isinstance(golden, float) and not isinstance(golden, bool):
        assert math.isclose(golden, now, rel_tol=1e-12, abs_tol=1e-12), f"{path}: {golden} != {now}"
    else:
        assert golden == now, f"{path}: {golden!r} != {now!r}"


def test_example_equals_the_golden_json_apart_from_added_fields(inputs):
    # tests/data/golden/example.json: `bpm-xl evaluate example --json` before this round
    # (the golden run printed "sensitivity": null)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert golden.pop("sensitivity") is None
    now = evaluate(inputs).to_dict()
    now = json.loads(json.dumps(now, ensure_ascii=False, default=lambda x: x.tolist()).replace("NaN", "null"))
    _same(golden, now)
    # added since: meta and repairs; the status of the scores (complete, pending_survey) and
    # the indicators still without survey answers (none in the example); the tree's inner
    # groups, the weighting, a score cap and the data indicators (none in the study's shape)
    assert set(now) - set(golden) == {"meta", "repairs", "status", "pending_indicators", "groups", "weighting", "cap",
                                      "data"}
    assert now["status"] == "complete" and now["pending_indicators"] == []
    assert (now["groups"], now["weighting"], now["cap"], now["data"]) == (None, "ahp", None, {})


def test_meta_is_carried_and_never_changes_a_figure(inputs):
    base = evaluate(inputs)
    ev = evaluate(replace(inputs, meta=Meta("某县财政局", "2025", "张三")))
    assert ev.meta == Meta("某县财政局", "2025", "张三") and ev.to_dict()["meta"]["unit"] == "某县财政局"
    assert base.to_dict()["meta"] == {"unit": "", "year": "", "evaluator": ""}
    assert ev.total == base.total


def test_repair_hints_always_change_something_and_reach_the_threshold(inputs):
    ev = evaluate(inputs)
    assert ev.repairs, "the example has inconsistent expert matrices"
    for rep in ev.repairs:
        nr = ev.nodes[rep.node]
        res = nr.aggregated if rep.expert is None else nr.expert_results[nr.expert_codes.index(rep.expert)]
        assert rep.cr == res.consistency_ratio >= ev.settings.cr_threshold
        for h in rep.changes:
            assert h.suggested != pytest.approx(h.current, rel=1e-9)
            assert h.row_code == nr.children[h.row - 1] and h.column_code == nr.children[h.column - 1]
            assert min(abs(np.log(h.suggested) - np.log(ahp.SAATY_SCALE))) < 1e-12
    assert ev.to_dict()["repairs"][0]["changes"][0]["suggested"] == ev.repairs[0].changes[0].suggested


def test_a_no_op_change_is_never_a_hint():
    from bpm_xl.evaluation import _hints

    same = ahp.Judgment(row=0, col=1, value=1 / 9, consistent_value=0.2, scale_value=1 / 9, error=2.0, cr_after=0.15)
    real = ahp.Judgment(row=0, col=2, value=7.0, consistent_value=2.1, scale_value=2.0, error=3.0, cr_after=0.07)
    rep = ahp.Repair(changes=(same, real), matrix=np.eye(3), result=None, reached=True)
    hints = _hints(rep, ("A", "B", "C"))
    assert [(h.row_code, h.column_code, h.current, h.suggested) for h in hints] == [("A", "C", 7.0, 2.0)]


def test_each_grid_is_parsed_once(inputs, monkeypatch):
    calls = []
    real = ahp.parse_matrix
    monkeypatch.setattr(ahp, "parse_matrix", lambda grid, name="matrix": calls.append(name) or real(grid, name))
    evaluate(inputs)
    grids = sum(len(v) for v in inputs.judgments.values())
    assert len(calls) == grids and len(set(calls)) == grids  # nothing else re-parses (repairs reuse results)


# ---------------------------------------------------------------------- every error message
def _judge(inputs, node, expert, i, j, value):
    grid = [list(r) for r in np.asarray(inputs.judgments[node][expert], dtype=object)]
    grid[i][j] = value
    judgments = {k: dict(v) for k, v in inputs.judgments.items()}
    judgments[node][expert] = grid
    return replace(inputs, judgments=judgments)


def _survey(inputs, r, c, value):
    survey = inputs.survey.astype(object).copy()
    survey.iat[r, c] = value
    return replace(inputs, survey=survey)


def _delphi(inputs, r, c, value):
    first = inputs.delphi_rounds[0].astype(object).copy()
    first.iat[r, c] = value
    return replace(inputs, delphi_rounds=(first, *inputs.delphi_rounds[1:]))


CASES = [
    ("judgment text", lambda x: _judge(x, "GOAL", "E02", 0, 2, "x"), MatrixValueError,
     r'^judgments goal, expert E02: row 1, column 3 is "x"; judgments must be positive numbers such as 3 or 1/3$',
     (judgment_argument("GOAL", "E02"), 1, 3)),
    ("judgment error value", lambda x: _judge(x, "F", "E01", 1, 3, "#DIV/0!"), MatrixValueError,
     r"^judgments dimension F, expert E01: row 2, column 4 is the error value #DIV/0!; judgments must be positive",
     ("judgments dimension F, expert E01", 2, 4)),
    ("judgment zero", lambda x: _judge(x, "GOAL", "E01", 0, 1, 0), MatrixValueError,
     r"^judgments goal, expert E01: row 1, column 2 is 0; judgments must be positive", None),
    ("judgment subnormal", lambda x: _judge(x, "GOAL", "E01", 0, 1, 1e-320), MatrixValueError,
     r"^judgments goal, expert E01: row 1, column 2 is 1e-320; judgments must lie between 1/1000 and 1000",
     ("judgments goal, expert E01", 1, 2)),
    ("judgment subnormal text", lambda x: _judge(x, "GOAL", "E01", 0, 1, "1e-320"), MatrixValueError,
     r"row 1, column 2 is 1e-320; judgments must lie between 1/1000 and 1000", None),
    ("diagonal", lambda x: _judge(x, "GOAL", "E01", 1, 1, 2), MatrixValueError,
     r"^judgments goal, expert E01: row 2, column 2 is 2; the diagonal must be 1", None),
    ("not reciprocal", lambda x: _judge(_judge(x, "GOAL", "E01", 0, 1, 3), "GOAL", "E01", 1, 0, 3), NotReciprocalError,
     r"^judgments goal, expert E01: row 1, column 2 is 3 but row 2, column 1 is 3; it should be 1/3$", None),
    ("not connected", lambda x: replace(x, judgments={**x.judgments, "GOAL": {"E01": [[1, 2, None, None],
                                                                                     [None, 1, None, None],
                                                                                     [None, None, 1, 3],
                                                                                     [None, None, None, 1]]}}),
     NotConnectedError, r"^judgments goal, expert E01: elements 3, 4 are not compared with elements 1, 2", None),
    ("matrix size", lambda x: replace(x, judgments={**x.judgments, "GOAL": {"E01": [[1, 2], [None, 1]]}}),
     ModelError, r"^judgments goal, expert E01: the matrix is 2 x 2 but goal has 4 elements; rebuild the workbook", None),
    ("not square", lambda x: replace(x, judgments={**x.judgments, "GOAL": {"E01": [[1, 2, 3], [None, 1, 2]]}}),
     MatrixShapeError, r"^judgments goal, expert E01: must be a square range \(n x n\) but is 2 x 3$", None),
    ("no expert judged", lambda x: replace(x, judgments={**x.judgments, "C": {}}), MissingValueError,
     r"^judgments: no expert judged dimension C; enter at least one matrix$", None),
    ("expert not on the panel", lambda x: replace(x, judgments={**x.judgments, "C": {**x.judgments["C"], "E99":
                                                                                     x.judgments["C"]["E01"]}}),
     ModelError, r"^judgments: expert 'E99' judged dimension C but is not on the panel$", None),
    ("empty panel", lambda x: replace(x, experts=()), MissingValueError,
     r"^experts: the panel is empty; add at least one expert$", None),
    ("authority out of range", lambda x: replace(x, experts=(replace(x.experts[0], ca=1.5), *x.experts[1:])),
     ScaleError, r"^ca: expert 1 \(position 1\) is 1.5; it must be between 0 and 1$", ("ca", 1, None)),
    ("survey answer out of scale", lambda x: _survey(x, 4, 4, 7), ScaleError,
     r"^survey: respondent 5 \(row 5\), indicator 5 \(column 5\) is 7; answers must be between 1 and 5$",
     ("survey", 5, 5)),
    ("survey NaN text", lambda x: _survey(x, 0, 1, "NaN"), ScaleError,
     r"^survey: respondent 1 \(row 1\), indicator 2 \(column 2\) is 'NaN'; answers must be between 1 and 5$", None),
    ("survey error value", lambda x: _survey(x, 0, 1, "#N/A"), ScaleError,
     r"^survey: respondent 1 \(row 1\), indicator 2 \(column 2\) is the error value #N/A; answers must be", None),
    ("survey text", lambda x: _survey(x, 2, 0, "五"), ScaleError, r"^survey: respondent 3 .* is '五'; answers", None),
    ("survey column missing", lambda x: replace(x, survey=x.survey.drop(columns=["F3"])), MissingValueError,
     r"^survey: no answer column for indicator F3; add the column or remove the indicator$", None),
    ("Delphi rating out of scale", lambda x: _delphi(x, 0, 1, 9), ScaleError,
     r"^Delphi round 1: expert 1 \(row 1\), indicator 2 \(column 2\) is 9; ratings must be between 1 and 5$",
     ("Delphi round 1", 1, 2)),
    ("Delphi rating error value", lambda x: _delphi(x, 0, 1, "#VALUE!"), ScaleError,
     r"^Delphi round 1: .* is the error value #VALUE!; ratings must be between 1 and 5$", None),
    ("Delphi no column", lambda x: replace(x, delphi_rounds=(pd.DataFrame({"zz": [4, 5]}),)), MissingValueError,
     r"^Delphi round 1: no column matches an indicator code$", None),
    ("fuzzy needs an integer scale", lambda x: x.with_settings(scale_max=5.5), SettingsError,
     r"^settings: the fuzzy evaluation needs an integer answer scale$", None),
]


def test_an_indicator_nobody_answered_is_pending_and_so_is_the_total(inputs):
    """Not an error: its score, its dimension's score, the total, grade, fuzzy evaluation and
    priorities wait for the survey (NaN / None, never 0); every other figure is computed."""
    full = evaluate(inputs)
    ev = evaluate(replace(inputs, survey=inputs.survey.assign(F3=None)))
    assert ev.status == "pending_survey" and ev.pending == ("F3",) and not ev.complete
    assert ev.total is None and ev.rating is None and ev.score100 is None and ev.fuzzy is None
    assert ev.priorities is None
    tb = ev.indicator_table.set_index("code")
    assert math.isnan(tb.loc["F3", "mean_score"]) and tb.loc["F3", "answers"] == 0
    assert math.isnan(tb.loc["F3", "weighted_score"])
    assert tb.loc["F1", "mean_score"] == full.indicator_table.set_index("code").loc["F1", "mean_score"]
    dims = ev.dimension_table.set_index("dimension")
    assert math.isnan(dims.loc["F", "score"]) and math.isnan(dims.loc["F", "contribution"])
    assert dims.loc["C", "score"] == full.dimension_table.set_index("dimension").loc["C", "score"]
    np.testing.assert_array_equal(ev.hierarchy.global_weights, full.hierarchy.global_weights)
    d = ev.to_dict()
    assert (d["status"], d["pending_indicators"], d["total"], d["score100"], d["rating"]) == (
        "pending_survey", ["F3"], None, None, None)


def test_no_survey_at_all_leaves_every_score_pending(inputs):
    ev = evaluate(replace(inputs, survey=inputs.survey.iloc[:0]))
    assert ev.pending == tuple(inputs.system.codes) and ev.total is None
    assert ev.indicator_table["mean_score"].isna().all() and (ev.indicator_table["answers"] == 0).all()
    assert ev.delphi is not None and ev.nodes["GOAL"].weights.sum() == pytest.approx(1)


@pytest.mark.parametrize("make, error, message, fields", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_evaluate_error(inputs, make, error, message, fields):
    with pytest.raises(error, match=message) as info:
        evaluate(make(inputs))
    assert "\n" not in str(info.value)
    if fields is not None:
        assert (info.value.argument, info.value.row, info.value.column) == fields


SETTINGS_CASES = [
    ({"method": "power"}, r"^settings: method is 'power'; use one of eigen, geomean, arith$", "method"),
    ({"random_index": "x"}, r"^settings: random_index is 'x'; use one of cn, ", "random_index"),
    ({"aggregation": "sum"}, r"^settings: aggregation is 'sum'; use one of aij, aip$", "aggregation"),
    ({"expert_weighting": "x"}, r"^settings: expert_weighting is 'x'; use one of authority, equal$",
     "expert_weighting"),
    ({"scale_min": 5, "scale_max": 1}, r"^settings: scale_max \(1\) must be greater than scale_min \(5\)$",
     "scale_max"),
    ({"cr_threshold": 2}, r"^settings: cr_threshold is 2; it must lie between 0 and 1$", "cr_threshold"),
]


@pytest.mark.parametrize("change, message, argument", SETTINGS_CASES, ids=[c[2] for c in SETTINGS_CASES])
def test_every_settings_error(change, message, argument):
    with pytest.raises(SettingsError, match=message) as info:
        Settings(**change)
    assert info.value.argument == argument


def test_large_matrix_without_table_entry_names_the_setting(inputs):
    n = 17
    from bpm_xl.model import Dimension, Indicator, IndicatorSystem

    system = IndicatorSystem((Dimension("D", "D", "D"),) + tuple(Dimension(f"X{k}", "x", "x") for k in range(n - 1)),
                             tuple(Indicator(f"I{k}", "i", "i", d, "do") for k, d in
                                   enumerate(["D"] + [f"X{k}" for k in range(n - 1)])))
    m = [[1.0 if i == j else None for j in range(n)] for i in range(n)]
    for i in range(n - 1):
        m[i][i + 1] = 2.0
    judgments = {node: {"E01": m if node == "GOAL" else [[1]]} for node in system.nodes()}
    bad = replace(inputs, system=system, experts=inputs.experts[:1], judgments=judgments, delphi_rounds=(),
                  survey=pd.DataFrame({c: [3] for c in system.codes}))
    with pytest.raises(SettingsError, match=r"^random_index: no random index for n = 17 in table cn .*"
                                            r"use random_index alonso_lamata$"):
        evaluate(bad)
    assert evaluate(bad.with_settings(random_index="alonso_lamata")).total == pytest.approx(3.0)


# ---------------------------------------------------------------------- rating edges (core)
@pytest.mark.parametrize("score100, grade", [
    (80.0, "B"), (80.0 + 1e-9, "B"), (80.0 - 1e-9, "B"), (79.995, "B"), (79.9949999, "C"), (79.99, "C"),
    (89.995, "A"), (89.994999, "B"), (0.0, "D"), (100.0, "A"),
])
def test_rating_edges(score100, grade):
    assert scoring.rate(score100, scale_max=100).grade == grade
    assert scoring.MOF_BANDS.band_of(score100).grade == grade
    assert scoring.MOF_BANDS.bands[int(scoring.band_indices([score100], scoring.MOF_BANDS)[0])].grade == grade


def test_rating_rule_on_the_five_point_scale():
    assert scoring.rate(4.0 - 2e-11).grade == "B"  # 79.9999999996 points round to 80.00
    assert scoring.RATING_DECIMALS == 2


def test_bands_must_be_sorted_descending_with_distinct_lowers():
    with pytest.raises(SettingsError, match="strictly descending"):
        scoring.RatingBands("x", (scoring.Band("A", "a", "a", 60), scoring.Band("B", "b", "b", 80)))
    with pytest.raises(SettingsError, match="strictly descending"):
        scoring.RatingBands("x", (scoring.Band("A", "a", "a", 80), scoring.Band("B", "b", "b", 80)))
