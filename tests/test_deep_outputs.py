"""The output sheets of systems deeper than two levels, and of a system weighted by points.

Three systems built in Python (survey indicators): a three-level one with a dimension that
mixes a group and an indicator, a four-level one, and the three-level one weighted by points
(分值). Each is written as both hub kinds by the writers ``bpm-xl new`` uses (the plan with the
evaluation's values; the .xlsm with the VBA project, the portable .xlsx): every
figure the Weights and Evaluation sheets show (their cached values) equals the core's
evaluation to 1e-12; recalculated by LibreOffice (the macro hub with its Excel functions
replaced by what they return; the portable hub as it is), by Gnumeric and by formulon (the
portable hub), the figures still equal the core's, and every formula of the portable hub
shows its cached value.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bpm_xl import service
from bpm_xl.evaluation import EvaluationInputs, Expert, Settings, evaluate
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.data import data_from_inputs
from bpm_xl.layout.types import Formula, parse_ref
from bpm_xl.model import IndicatorSystem
from bpm_xl.writers.portable import portable_bytes
from bpm_xl.writers.vba import vba_project
from bpm_xl.writers.xlsx import write_workbook
from tests import engines

from .workbook_harness import read_values, substitute_udfs

# dimension, code, name, PDCA stage (blank: a group), parent (blank: the dimension)
THREE = [
    ("D1", "G11", "组11", "", ""), ("D1", "I1", "指标1", "plan", "G11"), ("D1", "I2", "指标2", "do", "G11"),
    ("D1", "I3", "指标3", "check", "G11"), ("D1", "G12", "组12", "", ""), ("D1", "I4", "指标4", "act", "G12"),
    ("D1", "I5", "指标5", "do", "G12"),
    ("D2", "G21", "组21", "", ""), ("D2", "I6", "指标6", "plan", "G21"), ("D2", "I7", "指标7", "check", "G21"),
    ("D2", "I8", "指标8", "act", ""),
    ("D3", "I9", "指标9", "do", ""), ("D3", "I10", "指标10", "check", ""),
]
FOUR = [  # D3 has one child (G3): its weight is the one cell of its block
    ("D1", "G1", "组1", "", ""), ("D1", "H1", "组H1", "", "G1"), ("D1", "I1", "指标1", "plan", "H1"),
    ("D1", "I2", "指标2", "do", "H1"), ("D1", "I3", "指标3", "check", "H1"), ("D1", "H2", "组H2", "", "G1"),
    ("D1", "I4", "指标4", "act", "H2"), ("D1", "I5", "指标5", "do", "H2"), ("D1", "I6", "指标6", "plan", "G1"),
    ("D1", "I7", "指标7", "plan", ""),
    ("D2", "I8", "指标8", "do", ""), ("D2", "I9", "指标9", "check", ""), ("D2", "I10", "指标10", "act", ""),
    ("D3", "G3", "组3", "", ""), ("D3", "H3", "组H3", "", "G3"), ("D3", "I11", "指标11", "check", "H3"),
    ("D3", "I12", "指标12", "do", "H3"), ("D3", "I13", "指标13", "act", "G3"),
]
#: 分值 of the three-level system's indicators (100 in all)
POINTS = {"I1": 4, "I2": 3, "I3": 3, "I4": 6, "I5": 4, "I6": 10, "I7": 15, "I8": 5, "I9": 30, "I10": 20}
SYSTEMS = {"three": (THREE, None), "four": (FOUR, None), "points": (THREE, POINTS)}
SAATY = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
TOL = 1e-12
ENGINE_TOL = 1e-9


def _system(rows, points) -> IndicatorSystem:
    return IndicatorSystem.from_frame(pd.DataFrame([
        {"dimension": d, "dimension_zh": f"维度{d}", "dimension_en": f"Dimension {d}", "code": c, "name_zh": name,
         "name_en": name, "pdca": pdca, "parent": parent, "kind": "survey" if pdca else "",
         "points": (points or {}).get(c)} for d, c, name, pdca, parent in rows]))


def _inputs(system: IndicatorSystem, seed: int) -> EvaluationInputs:
    """Three experts judging every node near a random weight vector (snapped to 1-9), one Delphi
    round, 12 respondents."""
    rng = np.random.default_rng(seed)
    experts = tuple(Expert(f"E{k + 1:02d}", f"专家{k + 1}", ca, cs)
                    for k, (ca, cs) in enumerate(((0.8, 1.0), (0.5, 0.8), (0.3, 0.5))))
    judgments = {}
    for node in system.nodes():
        n = len(system.children(node))
        w = rng.uniform(1, 5, n)
        judgments[node] = {}
        for e in experts:
            grid = [[1 if i == j else None for j in range(n)] for i in range(n)]
            for i in range(n):
                for j in range(i + 1, n):
                    x = w[i] / w[j] * float(np.exp(rng.normal(0, 0.4)))
                    grid[i][j] = min(SAATY, key=lambda s: abs(math.log(s / x)))
            judgments[node][e.code] = grid
    codes = list(system.codes)
    survey = pd.DataFrame(rng.integers(1, 6, (12, len(codes))), columns=codes, dtype=object)
    ratings = pd.DataFrame(rng.integers(3, 6, (len(experts), len(codes))), columns=codes,
                           index=[e.code for e in experts], dtype=object)
    return EvaluationInputs(system=system, settings=Settings(), experts=experts, judgments=judgments,
                            delphi_rounds=(ratings,), survey=survey, title="deep", delphi_sent=(3,),
                            delphi_returned=(3,))


#: the cap met by the capped case's measured value (0.65): at most 10 points out of 100
CAP = {"indicator": "I9", "low": 0.6, "high": 0.7, "max_score100": 10.0}


def _capped_inputs(data_codes: tuple[str, ...]) -> tuple[IndicatorSystem, EvaluationInputs]:
    """The three-level system with ``data_codes`` data indicators (linear 0 -> 1; I9 measured
    0.65, I10 0.9) and a cap I9 meets: the total is cut to 10 points out of 100."""
    from bpm_xl.datascore import data_rule
    from bpm_xl.leaves import Cap, DataEntry

    system = IndicatorSystem.from_frame(pd.DataFrame([
        {"dimension": d, "code": c, "name_zh": n, "pdca": p, "parent": parent,
         "kind": ("data" if c in data_codes else "survey") if p else ""} for d, c, n, p, parent in THREE]))
    inputs = _inputs(system, seed=4)
    measured = {"I9": 0.65, "I10": 0.9}
    return system, EvaluationInputs(**{**inputs.__dict__, "survey": inputs.survey.drop(columns=list(data_codes)),
                                       "settings": Settings(caps=(Cap(**CAP),)),
                                       "data": {c: DataEntry(measured[c], data_rule("linear", 0, 1))
                                                for c in data_codes}})


def _case(case: str, k: int) -> tuple[IndicatorSystem, EvaluationInputs]:
    if case.startswith("capped"):   # capped1: one data row (the caps look it up without INDEX/MATCH)
        return _capped_inputs(("I9",) if case == "capped1" else ("I9", "I10"))
    system = _system(*SYSTEMS[case])
    return system, _inputs(system, seed=k + 1)


CASES = [*SYSTEMS, "capped", "capped1"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Per system: inputs, the core's evaluation, the plan, both hubs written by the service."""
    tmp = tmp_path_factory.mktemp("deep")
    out = {}
    for k, case in enumerate(CASES):
        system, inputs = _case(case, k)
        data = data_from_inputs(inputs)
        ev = evaluate(inputs)
        plan = plan_workbook(data, system, "zh", evaluation=ev)
        xlsm, xlsx = tmp / f"{case}.xlsm", tmp / f"{case}.xlsx"
        write_workbook(plan, xlsm, vba_project())
        xlsx.write_bytes(portable_bytes(plan, system))
        out[case] = {"system": system, "ev": ev, "data": data, "xlsm": xlsm, "xlsx": xlsx, "plan": plan}
    return out


def _cells(values, plan, name):
    sheet, r0, c0, r1, c1 = parse_ref(plan.names[name])
    rows = values[sheet]
    return [[rows[r][c] if r < len(rows) and c < len(rows[r]) else None for c in range(c0, c1 + 1)]
            for r in range(r0, r1 + 1)]


def _col(values, plan, name) -> np.ndarray:
    return np.array([float(row[0]) for row in _cells(values, plan, name)])


def _one(values, plan, name):
    return _cells(values, plan, name)[0][0]


def _table(values, plan, first_label: str, start_col: int, width: int, nrows: int) -> np.ndarray:
    """``nrows`` rows of ``width`` numbers from ``start_col`` of the Evaluation sheet, below the row
    holding ``first_label`` in column A and its header row."""
    sheet = plan.sheet("evaluation").name
    rows = values[sheet]
    at = next(r for r, row in enumerate(rows) if row and row[0] == first_label)
    return np.array([[float(rows[at + 2 + i][start_col + j]) for j in range(width)] for i in range(nrows)])


def _close(got, want, tol: float) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol)


def _assert_matches_core(values, plan, system, ev, tol: float) -> None:
    """The Weights and Evaluation sheets' figures in ``values`` equal the core's evaluation."""
    tb = ev.indicator_table
    for ti, node in enumerate(system.nodes()):
        _close(_col(values, plan, f"BPM_W_{ti}"), ev.nodes[node].weights, tol)
    _close(_col(values, plan, "BPM_GLOBAL_W"), tb["global_weight"], tol)
    _close(_col(values, plan, "BPM_SCORES"), tb["mean_score"], tol)
    _close(_col(values, plan, "BPM_WEIGHTED"), tb["weighted_score"], tol)
    sheet, r0, _, r1, _ = parse_ref(plan.names["BPM_GLOBAL_W"])
    _close([float(values[sheet][r][5]) for r in range(r0, r1 + 1)], tb["local_weight"], tol)
    _close(float(_one(values, plan, "BPM_TOTAL")), ev.total, tol)
    _close(float(_one(values, plan, "BPM_SCORE100")), ev.score100, tol)
    assert _one(values, plan, "BPM_RATING") == ev.rating.grade
    _close(float(_one(values, plan, "BPM_HIERARCHY_CR")), ev.hierarchy.consistency_ratio, tol)
    dt = ev.dimension_table
    dims = _table(values, plan, "维度汇总", 2, 5, len(dt))
    _close(dims, dt[["weight", "contribution", "score", "score100", "cr"]].to_numpy(), tol)
    gt = ev.group_table
    groups = _table(values, plan, "分组汇总（维度以下各层）", 4, 6, len(gt))
    _close(groups, gt[["weight", "global_weight", "contribution", "score", "score100", "cr"]].to_numpy(), tol)
    if ev.cap is not None:   # the total before the cap, its 100-point score and the cap, under the totals
        sheet, r, c, _, _ = parse_ref(plan.names["BPM_TOTAL"])
        before = [values[sheet][r + k][c] for k in (7, 8, 9)]
        _close(before[:2], [ev.indicator_table["weighted_score"].sum(), ev.cap.uncapped_score100], tol)
        assert before[2] == ev.cap.capped_score100
    rows = values[plan.sheet("evaluation").name]
    sheet, r0, _, _, _ = parse_ref(plan.names["BPM_GLOBAL_W"])
    assert [rows[r0 + k][12] for k in range(len(tb))] == tb["level"].tolist()
    assert [rows[r0 + k][11] for k in range(len(tb))] == tb["parent"].tolist()


def _assert_diagnosis_and_dashboard(values, plan, ev) -> None:
    """The Diagnosis ranks every leaf once; the Dashboard shows the total and the grade."""
    ranked = [row[0] for row in _cells(values, plan, "BPM_RANKED_GAPS")]
    n = len(ev.indicator_table)
    assert len(ranked) == n and all(isinstance(v, float) for v in ranked)
    assert ranked == sorted(ranked, reverse=True)
    _close(sum(ranked), ((ev.settings.scale_max - ev.indicator_table["mean_score"])
                         * ev.indicator_table["global_weight"]).sum(), 1e-9)
    board = values[plan.sheet("dashboard").name]
    shown = [row[1] for row in board if len(row) > 1 and row[0] in ("综合绩效得分", "评级")]
    _close(float(shown[0]), ev.total, 1e-9)
    assert shown[1] == ev.rating.grade


@pytest.mark.parametrize("case", CASES)
def test_the_service_evaluates_the_workbook_data_as_the_core_evaluates_the_inputs(built, case):
    b = built[case]
    a = service.assess(b["data"], case)
    assert a.evaluation.to_dict()["indicators"] == b["ev"].to_dict()["indicators"]
    assert b["system"].depth == (4 if case == "four" else 3)
    assert (b["ev"].cap is not None) == case.startswith("capped")


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
@pytest.mark.parametrize("case", CASES)
def test_evaluate_reads_the_hub_back_as_the_core_evaluated_it(built, case, kind):
    """What ``bpm-xl evaluate --json`` prints for the file is the core's evaluation of the inputs."""
    b = built[case]
    got = service.evaluate_file(b[kind]).evaluation.to_dict()
    want = b["ev"].to_dict()
    for key in ("total", "score100", "rating", "indicators", "dimensions", "hierarchy"):
        assert got[key] == want[key], key


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
@pytest.mark.parametrize("case", CASES)
def test_every_figure_is_cached_as_the_core_computes_it(built, case, kind):
    b = built[case]
    values = read_values(b[kind])
    _assert_matches_core(values, b["plan"], b["system"], b["ev"], TOL)
    _assert_diagnosis_and_dashboard(values, b["plan"], b["ev"])


def test_points_weights_are_the_shares_of_the_points_without_judgments(built):
    b = built["points"]
    plan, system = b["plan"], b["system"]
    formulas = [v for blk in plan.sheet("weights").blocks for row in blk.cells for v in row if isinstance(v, Formula)]
    assert not [f for f in formulas if "AHP_" in f]
    assert not plan.sheet("weights").arrays
    leaf_points = [row[2] for blk in plan.sheet("weights").blocks if blk.style == "output" and blk.col == 0
                   for row in blk.cells if row[0] in system.codes]
    assert len(leaf_points) == len(system.codes)
    assert all(parse_ref(p)[0] == plan.sheet("indicators").name for p in leaf_points)   # the 分值 cells
    values = read_values(b["xlsm"])
    for ti, node in enumerate(system.nodes()):
        pts = np.array([system.points_of(c) for c in system.children(node)])
        _close(_col(values, plan, f"BPM_W_{ti}"), pts / pts.sum(), TOL)
    assert _one(values, plan, "BPM_HIERARCHY_CR") == 0


def test_the_two_level_layout_has_no_tree_columns(built):
    data, system = service.example_workbook_data("zh")
    header = plan_workbook(data, system, "zh").sheet("evaluation").blocks[1].cells[0]
    assert len(header) == 11 and header[6] == "维度权重"
    deep = built["three"]["plan"].sheet("evaluation").blocks[1].cells[0]
    assert len(deep) == 14 and deep[6] == "上级全局权重"


def _direct_inputs():
    """The three-level system with I9 scored directly (4.5, typed with its evidence)."""
    from bpm_xl.leaves import DirectScore

    system = IndicatorSystem.from_frame(pd.DataFrame([
        {"dimension": d, "code": c, "name_zh": n, "pdca": p, "parent": parent,
         "kind": ("direct" if c == "I9" else "survey") if p else ""} for d, c, n, p, parent in THREE]))
    inputs = _inputs(system, seed=1)
    return system, EvaluationInputs(**{**inputs.__dict__, "survey": inputs.survey.drop(columns=["I9"]),
                                       "direct_scores": {"I9": DirectScore(4.5, "audit")}})


def test_an_indicator_of_another_type_shows_its_score_cell():
    system, inputs = _direct_inputs()
    ev = evaluate(inputs)
    plan = plan_workbook(data_from_inputs(inputs), system, "zh", evaluation=ev)
    k = list(system.codes).index("I9")
    table = plan.sheet("evaluation").blocks[2]
    sheet, r, c, _, _ = parse_ref(table.cells[k][8])
    assert sheet == plan.sheet("data").name
    assert table.cached[k][8] == 4.5 and table.cells[k][9] is None   # no answer count
    totals = next(blk for blk in plan.sheet("evaluation").blocks if blk.style == "totalvalue")
    _close(totals.cached[0][0], ev.total, TOL)


def test_without_its_score_cell_an_indicator_of_another_type_shows_na_never_0():
    from bpm_xl.layout.context import make_context
    from bpm_xl.layout.inputs import judgments_sheet, survey_sheet
    from bpm_xl.layout.outputs import evaluation_sheet, weights_sheet

    system, inputs = _direct_inputs()
    ev = evaluate(inputs)
    ctx = make_context(data_from_inputs(inputs), system, "zh", ev)
    _, jblocks = judgments_sheet(ctx)
    _, survey_col = survey_sheet(ctx)
    _, wl = weights_sheet(ctx, jblocks)
    sheet, _ = evaluation_sheet(ctx, wl, survey_col)
    k = list(system.codes).index("I9")
    table = sheet.blocks[2]
    assert table.cells[k][8] == "=NA()" and table.cached[k][8] != table.cached[k][8]   # NaN: stored as #N/A
    totals = next(blk for blk in sheet.blocks if blk.style == "totalvalue")
    assert math.isnan(totals.cached[0][0]) and totals.cached[2][0] is None   # no total, no grade: never 0


# ------------------------------------------------------------------------------- engines
needs_lo = pytest.mark.skipif(not engines.available(), reason="LibreOffice is not installed")


def _data_scores_as_values(plan):
    """``plan`` with each cell calling DATA_SCORE (the data sheet's scores, written as a formula
    text rather than a function call the harness substitutes) replaced by its cached value."""
    for sp in plan.sheets:
        for blk in sp.blocks:
            for i, row in enumerate(blk.cells):
                for j, v in enumerate(row):
                    if isinstance(v, Formula) and "DATA_SCORE(" in v:
                        row[j] = blk.cached[i][j]
    return plan


@pytest.fixture(scope="module")
def recalculated(built, tmp_path_factory, udf_call):
    """LibreOffice's recalculation of each portable hub, and of each macro hub with its Excel
    functions replaced by what they return (their arguments from a first recalculation)."""
    tmp = tmp_path_factory.mktemp("deep_lo")
    firsts = []
    for case, b in built.items():
        path = tmp / f"{case}_first.xlsx"
        write_workbook(b["plan"], path, None)
        firsts.append(path)
    outs = engines.recalculate_all([b["xlsx"] for b in built.values()] + firsts, tmp / "lo1")
    portable = dict(zip(built, map(read_values, outs[:len(built)])))
    subs = []
    for (case, b), first in zip(built.items(), outs[len(built):]):
        sub = _data_scores_as_values(substitute_udfs(b["plan"], read_values(first), udf_call))
        path = tmp / f"{case}_substituted.xlsx"
        write_workbook(sub, path, None)
        subs.append(path)
    macro = dict(zip(built, map(read_values, engines.recalculate_all(subs, tmp / "lo2"))))
    return {"xlsx": portable, "xlsm": macro}


@pytest.mark.libreoffice
@needs_lo
@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
@pytest.mark.parametrize("case", CASES)
def test_libreoffice_recalculates_the_core_figures(built, recalculated, case, kind):
    b = built[case]
    values = recalculated[kind][case]
    _assert_matches_core(values, b["plan"], b["system"], b["ev"], ENGINE_TOL)
    _assert_diagnosis_and_dashboard(values, b["plan"], b["ev"])


@pytest.mark.libreoffice
@needs_lo
@pytest.mark.parametrize("case", CASES)
def test_every_formula_of_the_portable_hub_shows_what_libreoffice_computes(built, recalculated, case):
    """Cached values included: what the file stores is what LibreOffice computes, cell by cell."""
    stored = read_values(built[case]["xlsx"])
    got = recalculated["xlsx"][case]
    bad = []
    for sheet, rows in stored.items():
        for r, row in enumerate(rows):
            for c, want in enumerate(row):
                have = got[sheet][r][c] if r < len(got[sheet]) and c < len(got[sheet][r]) else None
                if isinstance(want, float) and not isinstance(want, bool):
                    ok = isinstance(have, (int, float)) and math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-12)
                else:
                    ok = have == want or (want in (None, "") and have in (None, ""))
                if not ok:
                    bad.append((sheet, r, c, want, have))
    assert not bad, bad[:10]


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
@pytest.mark.parametrize("case", CASES)
def test_gnumeric_recalculates_the_core_figures(built, tmp_path, case):
    b = built[case]
    values = read_values(engines.gnumeric_recalculate(b["xlsx"], tmp_path / f"{case}.xlsx"))
    _assert_matches_core(values, b["plan"], b["system"], b["ev"], ENGINE_TOL)


@pytest.mark.formulon
@pytest.mark.parametrize("case", ["four", "points", "capped"])
def test_formulon_recalculates_every_formula_to_its_cached_value(built, case):
    from .formulon_engine import every_formula_shows_its_cached_value, recalc

    data = built[case]["xlsx"].read_bytes()
    assert every_formula_shows_its_cached_value(data, recalc(data)) > 400


def test_a_score_cap_cuts_the_total_by_the_caps_table_on_settings(built):
    """The capped hub: the total, 100-point score and grade are the capped ones, computed from
    the caps table on Settings and the measured value on the data sheet."""
    b = built["capped"]
    assert b["ev"].cap.capped_score100 == CAP["max_score100"] < b["ev"].cap.uncapped_score100
    total = b["plan"].sheet("evaluation")
    formula = next(blk.cells[0][0] for blk in total.blocks if blk.style == "totalvalue")
    assert formula.startswith("=IF(AND(ISNUMBER(") and "BPM_SCALE_MAX" in formula
    caps = next(blk for blk in total.blocks if blk.cells and blk.cells[0] and blk.cells[0][0] == 1)
    assert caps.cached[0][1:] == ["I9", 0.65, 1, CAP["max_score100"]]
    assert caps.cached[1][1:] == ["", "", 0, ""]   # a blank row of the caps table
    assert "'设置'!" in caps.cells[0][1] and "'指标数据'!" in caps.cells[0][2]
