"""The workbook's native formulas, recalculated by a real spreadsheet engine (LibreOffice).

(b) In a copy where every UDF formula is replaced by the value the UDF returns (through
    xlwings' Office.js dispatch), LibreOffice's recalculation of every native formula matches
    the Python evaluation: the sheets are wired right.
(c) Changing one survey answer in such a copy moves the total by exactly what the core predicts.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from bpm_xl import evaluate
from bpm_xl.sheets.build import example_workbook_data, plan_for, write_workbook
from bpm_xl.sheets.libreoffice import available, recalculate
from bpm_xl.sheets.read import to_inputs

from .workbook_harness import build_substituted, close, flat, read_values, rng

pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(not available(), reason="LibreOffice is not installed")]


@pytest.fixture(scope="module", params=[("zh", "eigen", "aij"), ("en", "geomean", "aip")], ids=["zh-eigen-aij", "en-geomean-aip"])
def substituted(request, tmp_path_factory, udf_call):
    lang, method, aggregation = request.param
    data, system = example_workbook_data(lang)
    data.settings["method"] = method
    data.settings["aggregation"] = aggregation
    if aggregation == "aip":
        # AIP weighs each expert's own matrix, so the one pair E07 left blank must be filled
        data.judgments["P"]["E07"][("P2", "P4")] = 2
    tmp = tmp_path_factory.mktemp(f"lo-{lang}")
    plan, values = build_substituted(data, system, lang, tmp, udf_call)
    ev = evaluate(to_inputs(data))
    return lang, data, system, plan, values, ev, tmp


def test_native_formulas_match_the_python_evaluation(substituted):
    lang, data, system, plan, values, ev, _ = substituted
    # expert weights (native: Cr = (Ca+Cs)/2 normalised)
    ew = [float(v) for v in flat(rng(values, plan, "BPM_EW"))]
    np.testing.assert_allclose(ew, ev.expert_weights, rtol=1e-9)
    # global weights, mean scores, weighted scores: native INDEX / AVERAGE / products
    gw = [float(v) for v in flat(rng(values, plan, "BPM_GLOBAL_W"))]
    np.testing.assert_allclose(gw, ev.indicator_table["global_weight"], rtol=1e-9)
    sc = [float(v) for v in flat(rng(values, plan, "BPM_SCORES"))]
    np.testing.assert_allclose(sc, ev.indicator_table["mean_score"], rtol=1e-12)
    ws = [float(v) for v in flat(rng(values, plan, "BPM_WEIGHTED"))]
    np.testing.assert_allclose(ws, ev.indicator_table["weighted_score"], rtol=1e-9)
    # dimension scores on 100 points
    d100 = [float(v) for v in flat(rng(values, plan, "BPM_DIM_SCORE100"))]
    np.testing.assert_allclose(d100, ev.dimension_table["score100"], rtol=1e-9)
    # total, 100-point score, rating, hierarchy CR
    assert close(flat(rng(values, plan, "BPM_TOTAL"))[0], ev.total)
    assert close(flat(rng(values, plan, "BPM_SCORE100"))[0], ev.score100)
    assert flat(rng(values, plan, "BPM_RATING"))[0] == ev.rating.grade
    label = ev.rating.label_zh if lang == "zh" else ev.rating.label_en
    assert flat(rng(values, plan, "BPM_RATING_LABEL"))[0] == label
    assert close(flat(rng(values, plan, "BPM_HIERARCHY_CR"))[0], ev.hierarchy.consistency_ratio)
    # every node's CR, from the AHP_CONSISTENCY table
    for ti, node in enumerate(system.nodes()):
        assert close(flat(rng(values, plan, f"BPM_CR_{ti}"))[0], ev.nodes[node].aggregated.consistency_ratio)


def test_diagnosis_ranks_match_the_core_priorities(substituted):
    lang, data, system, plan, values, ev, _ = substituted
    labels = flat(rng(values, plan, "BPM_RANKED_LABELS"))
    gaps = [float(v) for v in flat(rng(values, plan, "BPM_RANKED_GAPS"))]
    names = {c: system.indicator(c).name(lang) for c in system.codes}
    expected = ev.priorities
    np.testing.assert_allclose(gaps, expected["weighted_gap"], rtol=1e-9)
    assert labels == [names[c] for c in expected["label"]]


def test_one_changed_answer_moves_the_total_by_what_the_core_predicts(substituted, tmp_path):
    lang, data, system, plan, values, ev, _ = substituted
    code = "P3"
    k = next(i for i, row in enumerate(data.survey) if row.get(code) not in (None, 5))
    old = data.survey[k][code]
    new = 5
    # the core's prediction: total moves by global weight x change of that indicator's mean
    row = ev.indicator_table.set_index("code").loc[code]
    predicted = row["global_weight"] * (new - old) / row["answers"]
    changed = copy.deepcopy(plan)
    sv = changed.sheet("survey")
    col = list(system.codes).index(code)
    for b in sv.blocks:
        if b.col == 1 and b.row == 2 and b.style == "input":
            b.cells[k][col] = new
    path = tmp_path / "changed.xlsx"
    write_workbook(changed, path, None)
    v = read_values(recalculate(path, tmp_path / "lo"))
    total = float(flat(rng(v, changed, "BPM_TOTAL"))[0])
    assert total - ev.total == pytest.approx(predicted, rel=1e-9, abs=1e-13)
    # and the core agrees when it evaluates the changed survey
    data2 = copy.deepcopy(data)
    data2.survey[k][code] = new
    assert evaluate(to_inputs(data2)).total == pytest.approx(total, rel=1e-12)


def test_text_in_a_survey_column_is_an_error_not_a_skipped_answer(tmp_path, udf_call):
    data, system = example_workbook_data("en")
    data.survey[0]["F1"] = "abc"
    plan = plan_for(data, system, "en")
    path = tmp_path / "bad.xlsx"
    write_workbook(plan, path, None)
    v = read_values(recalculate(path, tmp_path / "lo"))
    scores = flat(rng(v, plan, "BPM_SCORES"))
    assert scores[0] == "#N/A"
    assert all(isinstance(s, float) for s in scores[1:])
