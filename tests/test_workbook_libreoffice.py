"""The workbook's native formulas, recalculated by a real spreadsheet engine (LibreOffice).

(b) In a copy where every UDF formula is replaced by the value the UDF returns (through
    xlwings' Office.js dispatch), LibreOffice's recalculation of every native formula matches
    the Python evaluation: the sheets are wired right.
(c) Changing one survey answer in such a copy moves the total by exactly what the core predicts.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from bpm_xl import evaluate
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.types import Formula
from bpm_xl.model import PDCA_STAGES
from bpm_xl.service import example_workbook_data
from tests.engines import available, recalculate_all
from bpm_xl.readers.workbook import to_inputs
from bpm_xl.writers.xlsx import write_workbook

from .workbook_harness import close, flat, read_values, rng, substitute_udfs

pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(not available(), reason="LibreOffice is not installed")]


CASES = {"zh-eigen-aij": ("zh", "eigen", "aij"), "en-geomean-aip": ("en", "geomean", "aip")}
#: the answer changed in test_one_changed_answer_moves_the_total_by_what_the_core_predicts
CHANGED_CODE, CHANGED_TO = "P3", 5


def _case_data(lang: str, method: str, aggregation: str):
    data, system = example_workbook_data(lang)
    data.settings["method"] = method
    data.settings["aggregation"] = aggregation
    if aggregation == "aip":
        # AIP weighs each expert's own matrix, so the one pair E07 left blank must be filled
        data.judgments["P"]["E07"][("P2", "P4")] = 2
    return data, system


def _changed_answer(plan, data, system):
    """A copy of ``plan`` with one survey answer of CHANGED_CODE set to CHANGED_TO: (plan, row, old)."""
    k = next(i for i, row in enumerate(data.survey) if row.get(CHANGED_CODE) not in (None, CHANGED_TO))
    changed = copy.deepcopy(plan)
    col = list(system.codes).index(CHANGED_CODE)
    for b in changed.sheet("survey").blocks:
        if b.col == 1 and b.row == 2 and b.style == "input":
            b.cells[k][col] = CHANGED_TO
    return changed, k, data.survey[k][CHANGED_CODE]


def _text_in_survey():
    data, system = example_workbook_data("en")
    data = replace(data, survey=[{**data.survey[0], "F1": "abc"}, *data.survey[1:]])
    return plan_workbook(data, system, "en")


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, udf_call):
    """Both cases as tests/workbook_harness.build_substituted makes them (plan -> LibreOffice;
    UDFs substituted -> LibreOffice), each round for every file in one LibreOffice start; the
    second round also recalculates each case with one answer changed, the first a workbook
    with text in a survey column."""
    tmp = tmp_path_factory.mktemp("lo")
    built = {case: _case_data(*spec) for case, spec in CASES.items()}
    plans = {case: plan_workbook(data, system, CASES[case][0]) for case, (data, system) in built.items()}
    plans["text-in-survey"] = _text_in_survey()
    first = []
    for name, plan in plans.items():
        write_workbook(plan, tmp / f"{name}.xlsx", None)
        first.append(tmp / f"{name}.xlsx")
    v1 = dict(zip(plans, map(read_values, recalculate_all(first, tmp / "lo1"))))
    second, made = {}, {}
    for case, (data, system) in built.items():
        sub = substitute_udfs(plans[case], v1[case], udf_call)
        changed, k, old = _changed_answer(sub, data, system)
        second[case], second[f"{case}-changed"] = sub, changed
        made[case] = (data, system, sub, evaluate(to_inputs(data)), changed, k, old)
    paths = []
    for name, plan in second.items():
        write_workbook(plan, tmp / f"{name}.xlsx", None)
        paths.append(tmp / f"{name}.xlsx")
    v2 = dict(zip(second, map(read_values, recalculate_all(paths, tmp / "lo2"))))
    out = {case: (*made[case], v2[case], v2[f"{case}-changed"]) for case in CASES}
    out["text-in-survey"] = (plans["text-in-survey"], v1["text-in-survey"])
    return out


@pytest.fixture(params=list(CASES), ids=list(CASES))
def substituted(request, recalculated):
    data, system, plan, ev, _changed, _k, _old, values, _changed_values = recalculated[request.param]
    return CASES[request.param][0], data, system, plan, values, ev, None


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


@pytest.mark.parametrize("case", list(CASES))
def test_one_changed_answer_moves_the_total_by_what_the_core_predicts(recalculated, case):
    data, system, _plan, ev, changed, k, old, _values, v = recalculated[case]
    # the core's prediction: total moves by global weight x change of that indicator's mean
    row = ev.indicator_table.set_index("code").loc[CHANGED_CODE]
    predicted = row["global_weight"] * (CHANGED_TO - old) / row["answers"]
    total = float(flat(rng(v, changed, "BPM_TOTAL"))[0])
    assert total - ev.total == pytest.approx(predicted, rel=1e-9, abs=1e-13)
    # and the core agrees when it evaluates the changed survey
    data2 = replace(data, survey=[{**row, CHANGED_CODE: CHANGED_TO} if i == k else row
                                  for i, row in enumerate(data.survey)])
    assert evaluate(to_inputs(data2)).total == pytest.approx(total, rel=1e-12)


def test_text_in_a_survey_column_is_an_error_not_a_skipped_answer(recalculated):
    plan, v = recalculated["text-in-survey"]
    scores = flat(rng(v, plan, "BPM_SCORES"))
    assert scores[0] == "#N/A"
    assert all(isinstance(s, float) for s in scores[1:])


def test_pdca_stage_sums_match_the_core(substituted):
    lang, data, system, plan, values, ev, _ = substituted
    blk = next(b for b in plan.sheet("diagnosis").blocks if b.style == "stagetable")
    sheet = plan.sheet("diagnosis").name
    expected = ev.priorities.groupby("stage")["weighted_gap"].sum()
    for i, row in enumerate(blk.cells):          # rows in PDCA order, shown as P / D / C / A
        got = values[sheet][blk.row + i][blk.col + 2]
        assert row[0] == PDCA_STAGES[i][0].upper()
        assert close(got, float(expected.get(PDCA_STAGES[i], 0.0))), row[0]


def _formula_cells(plan):
    """(sheet, row, col, cached) of every formula cell of the plan, arrays included."""
    out = []
    for sp in plan.sheets:
        for b in sp.blocks:
            for i, row in enumerate(b.cells):
                for j, v in enumerate(row):
                    if isinstance(v, Formula):
                        c = b.cached[i][j] if b.cached is not None else None
                        out.append((sp.name, b.row + i, b.col + j, c))
        for a in sp.arrays:
            for i in range(a.nrows):
                for j in range(a.ncols):
                    c = a.cached[i][j] if a.cached is not None else None
                    out.append((sp.name, a.row + i, a.col + j, c))
    return out


def test_cached_values_written_in_the_file_are_what_the_spreadsheet_computes(substituted, tmp_path):
    """Every formula carries its value in the file (Protected View, no Python, other viewers);
    each cached value equals LibreOffice's recalculation of the same cell."""
    lang, data, system, plan, values, ev, _ = substituted
    cached_plan = plan_workbook(data, system, lang, evaluation=ev)
    path = tmp_path / "cached.xlsx"
    write_workbook(cached_plan, path, None)
    stored = read_values(path)  # openpyxl data_only: the cached values as written
    cells = _formula_cells(cached_plan)
    assert len(cells) > 500
    missing = [(s, r, c) for s, r, c, v in cells if v is None and values[s][r][c] not in (None, "")]
    assert not missing, missing[:5]
    # the dashboard's Python check: LibreOffice cannot run the Python functions, so it rightly
    # shows the warning there; its stored value is what Excel with bpm-xl computes (empty)
    probe = {(sp.name, b.row + i, b.col + j) for sp in cached_plan.sheets for b in sp.blocks
             for i, row in enumerate(b.cells) for j, f in enumerate(row) if isinstance(f, Formula) and "BPM_PROBE" in f}
    assert len(probe) == 1
    for sheet, r, c, v in cells:
        if (sheet, r, c) in probe:
            assert not v and values[sheet][r][c]
            continue
        lo = values[sheet][r][c]
        got = stored[sheet][r][c]
        if isinstance(lo, (int, float)) and not isinstance(lo, bool):
            assert close(got, float(lo)), (sheet, r, c, got, lo)
        elif lo not in (None, ""):
            assert str(got) == str(lo) or (isinstance(lo, bool) and got == lo), (sheet, r, c, got, lo)


def test_the_shipped_workbook_opens_in_libreoffice_with_every_native_output_shown(tmp_path):
    from pathlib import Path

    from tests.engines import convert

    shipped = Path(__file__).resolve().parents[1] / "workbook" / "bpm_evaluation.xlsm"
    out = convert(shipped, tmp_path, "xlsx", recalc=False)
    v = read_values(out)
    data, system = example_workbook_data("zh")
    ev = evaluate(to_inputs(data))
    plan = plan_workbook(data, system, "zh", evaluation=ev)
    assert close(flat(rng(v, plan, "BPM_TOTAL"))[0], ev.total)
    assert flat(rng(v, plan, "BPM_RATING"))[0] == ev.rating.grade
    # LibreOffice shows the stored value of every formula cell, except the array formulas of
    # the Python functions, which it recalculates on load and cannot run (#VALUE!); in Excel
    # they are computed by bpm_xl.udfs.
    arrays = {(sp.name, a.row + i, a.col + j) for sp in plan.sheets for a in sp.arrays
              for i in range(a.nrows) for j in range(a.ncols)}
    cells = [(s, r, c, cached) for s, r, c, cached in _formula_cells(plan) if (s, r, c) not in arrays]
    errors = [(s, r, c) for s, r, c, _ in cells if isinstance(v[s][r][c], str) and v[s][r][c].startswith("#")]
    assert not errors, errors[:5]
    for s, r, c, cached in cells:
        if isinstance(cached, float):
            assert close(v[s][r][c], cached), (s, r, c)
