"""The portable export: every output a native formula, recalculated by LibreOffice.

The example's portable .xlsx, recalculated by LibreOffice (no Python in the loop), reproduces
the Python evaluation to 1e-9 relative for the eigen, geomean and arith methods and for AIP
aggregation; the file carries no VBA project and no formula calls a bpm-xl function.
"""

from __future__ import annotations

import copy
import math
import zipfile

import numpy as np
import openpyxl
import pytest

from bpm_xl import evaluate
from bpm_xl.layout import plan_workbook
from bpm_xl.service import example_workbook_data, new_workbook
from bpm_xl.service import export_file as export_portable
from tests import engines
from tests.engines import available
from bpm_xl.readers.workbook import to_inputs
from bpm_xl.writers.portable import CALC_SHEET, UDF_NAMES, portable_plan
from bpm_xl.writers.xlsx import write_workbook

from .workbook_harness import close, flat, read_values, rng
from .xlsx_cells import read_cells, split

STATS_HEADER = "指标 indicator"
WORST_HEADER = "行 row"
KENDALL_LABEL = "W 协调系数"


def _fill_blank_pairs(data, system):
    """The example has one pair left blank on both sides (dimension P, expert E07); judge it."""
    data = copy.deepcopy(data)
    for node, by_expert in data.judgments.items():
        kids = list(system.children(node))
        for cells in by_expert.values():
            for i, a in enumerate(kids):
                for b in kids[i + 1:]:
                    if cells.get((a, b)) in (None, "") and cells.get((b, a)) in (None, ""):
                        cells[(a, b)] = 2
    return data


CASES = {
    "zh-eigen-aij": ("zh", "eigen", "aij"),
    "en-geomean-aij": ("en", "geomean", "aij"),
    "en-arith-aij": ("en", "arith", "aij"),
    "en-eigen-aip": ("en", "eigen", "aip"),
}


#: the LibreOffice recalculation of several files in one start (tests/engines.py), under the name
#: other test modules import from here
_recalculate_all = engines.recalculate_all


@pytest.fixture(scope="module")
def all_cases(tmp_path_factory):
    if not available():
        pytest.skip("LibreOffice is not installed")
    tmp = tmp_path_factory.mktemp("portable")
    built = {}
    for case, (lang, method, aggregation) in CASES.items():
        data, system = example_workbook_data(lang)
        data.settings["method"] = method
        data.settings["aggregation"] = aggregation
        if aggregation == "aip":
            data = _fill_blank_pairs(data, system)
        plan = portable_plan(plan_workbook(data, system, lang, evaluation=evaluate(to_inputs(data))), system)
        path = tmp / f"{case}.xlsx"
        write_workbook(plan, path, None)
        built[case] = (data, system, plan, path)
    outs = engines.recalculate_all([b[3] for b in built.values()], tmp / "lo")
    return {case: (b, out) for (case, b), out in zip(built.items(), outs)}


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def recalculated(request, all_cases):
    (data, system, plan, path), out = all_cases[request.param]
    values = read_values(out)
    return request.param, data, system, plan, values, evaluate(to_inputs(data)), path


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _blocks(plan, role, first):
    return sorted((b for b in plan.sheet(role).blocks if b.cells and b.cells[0] and b.cells[0][0] == first),
                  key=lambda b: b.row)


def _grid(values, plan, role, b):
    rows = values[plan.sheet(role).name]
    return [[rows[b.row + i][b.col + j] for j in range(b.ncols)] for i in range(b.nrows)]


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_portable_recalculation_matches_the_python_evaluation(recalculated):
    case, data, system, plan, values, ev, _path = recalculated

    def nums(name):
        return [_num(v) for v in flat(rng(values, plan, name))]

    np.testing.assert_allclose(nums("BPM_EW"), ev.expert_weights, rtol=1e-9)
    for ti, node in enumerate(system.nodes()):
        res = ev.nodes[node]
        np.testing.assert_allclose(nums(f"BPM_W_{ti}"), res.weights, rtol=1e-9, err_msg=f"{case} {node}")
        assert close(nums(f"BPM_CR_{ti}")[0], res.aggregated.consistency_ratio), (case, node)
        assert close(nums(f"BPM_LMAX_{ti}")[0], res.aggregated.lambda_max), (case, node)
        assert close(nums(f"BPM_RIV_{ti}")[0], res.aggregated.random_index), (case, node)
        np.testing.assert_allclose(np.array([[_num(v) for v in r] for r in rng(values, plan, f"BPM_A_{ti}")]),
                                   res.aggregated.matrix, rtol=1e-9)
    np.testing.assert_allclose(nums("BPM_GLOBAL_W"), ev.indicator_table["global_weight"], rtol=1e-9)
    np.testing.assert_allclose(nums("BPM_SCORES"), ev.indicator_table["mean_score"], rtol=1e-12)
    np.testing.assert_allclose(nums("BPM_WEIGHTED"), ev.indicator_table["weighted_score"], rtol=1e-9)
    np.testing.assert_allclose(nums("BPM_DIM_SCORE100"), ev.dimension_table["score100"], rtol=1e-9)
    assert close(nums("BPM_TOTAL")[0], ev.total)
    assert close(nums("BPM_SCORE100")[0], ev.score100)
    assert flat(rng(values, plan, "BPM_RATING"))[0] == ev.rating.grade
    lang = plan.lang
    assert flat(rng(values, plan, "BPM_RATING_LABEL"))[0] == (ev.rating.label_zh if lang == "zh" else ev.rating.label_en)
    assert close(nums("BPM_HIERARCHY_CR")[0], ev.hierarchy.consistency_ratio)

    # each expert's CR (chosen method, as =AHP_CR(..., BPM_METHOD)); #N/A where a pair is blank on both sides
    cr_blk = next(b for b in plan.sheet("weights").blocks if b.style == "cr")
    crs = _grid(values, plan, "weights", cr_blk)
    for ti, node in enumerate(system.nodes()):
        res = ev.nodes[node]
        for e, ecode in enumerate(res.expert_codes):
            got = crs[e][ti]
            if res.expert_results[e].n_missing:
                assert got == "#N/A", (case, node, ecode, got)
            else:
                want = res.expert_results[e].consistency_ratio  # chosen method, as evaluate and =AHP_CR
                assert close(got, want), (case, node, ecode, got, want)

    # the most inconsistent judgments (everything but "CR after")
    worst = _blocks(plan, "weights", WORST_HEADER)
    nodes = [n for n in system.nodes() if len(system.children(n)) > 2]
    assert len(worst) == len(nodes)
    for b, node in zip(worst, nodes):
        got = _grid(values, plan, "weights", b)[1:]
        want = ev.nodes[node].worst
        assert len(got) == len(want)
        for row, j in zip(got, want):
            assert (row[0], row[1]) == (j.row + 1, j.col + 1), (case, node, row, j)
            assert close(row[2], j.value) and close(row[3], j.consistent_value) and close(row[4], j.scale_value)
            assert isinstance(row[5], str)

    # Delphi: statistics, screening, Kendall's W per round
    stats = _blocks(plan, "delphi_summary", STATS_HEADER)
    kendall = _blocks(plan, "delphi_summary", KENDALL_LABEL)
    screens = sorted((b for b in plan.sheet("delphi_summary").blocks if b.style == "screen"), key=lambda b: b.row)
    assert len(stats) == len(kendall) == len(screens) == len(ev.delphi.rounds)
    for rd, sb, kb, scb in zip(ev.delphi.rounds, stats, kendall, screens):
        g = _grid(values, plan, "delphi_summary", sb)[1:]
        st = rd.stats
        for col, want in ((1, st.mean), (2, st.sd), (3, st.cv), (4, st.full_score_frequency)):
            np.testing.assert_allclose([_num(r[col]) for r in g], want, rtol=1e-9)
        k = [r[1] for r in _grid(values, plan, "delphi_summary", kb)]
        assert close(k[0], rd.kendall.w) and close(k[1], rd.kendall.chi2) and k[2] == rd.kendall.df
        assert close(k[3], rd.kendall.p), (k[3], rd.kendall.p)
        texts = [r[0] for r in _grid(values, plan, "delphi_summary", scb)]
        assert texts == ["保留 keep" if keep else f"删除 drop: {why}" for keep, why in zip(rd.screen.keep, rd.screen.reasons)]


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_the_file_is_macro_free_and_calls_no_bpm_xl_function(all_cases):
    (data, system, plan, path), out = all_cases["zh-eigen-aij"]
    values = read_values(out)
    with zipfile.ZipFile(path) as zf:
        assert not any("vbaProject" in n for n in zf.namelist())
    wb = openpyxl.load_workbook(path, data_only=False)
    try:
        assert "xlwings.conf" not in wb.sheetnames
        assert CALC_SHEET[plan.lang] in wb.sheetnames
        formulas = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    v = c.value
                    text = getattr(v, "text", v)  # ArrayFormula keeps its formula in .text
                    if isinstance(text, str) and text.startswith("="):
                        formulas += 1
                        up = text.upper()
                        assert not any(f + "(" in up for f in UDF_NAMES), (ws.title, c.coordinate, text)
                        assert not any(f + "(" in up for f in ("LET", "LAMBDA", "SEQUENCE", "FILTER", "XLOOKUP")), text
        assert formulas > 1000
    finally:
        wb.close()
    # nothing LibreOffice computed is an error, except the documented #N/A of incomplete expert matrices
    calc = values[CALC_SHEET[plan.lang]]
    errors = [v for row in values.values() for r in row for v in r if isinstance(v, str) and v.startswith("#")
              and v != "#N/A"]
    assert not errors
    assert any(isinstance(v, str) and "#N/A" in v for r in calc[:5] for v in r)  # the note says so


def test_export_portable_from_the_example_and_from_a_workbook(tmp_path):
    out = export_portable("example", tmp_path / "ex.xlsx", lang="en")
    wb = openpyxl.load_workbook(out, read_only=True)
    try:
        assert "Calc" in wb.sheetnames and "xlwings.conf" not in wb.sheetnames
    finally:
        wb.close()
    xlsm = new_workbook(tmp_path / "book.xlsm", lang="zh", with_module=False)
    out2 = export_portable(xlsm, tmp_path / "book_portable.xlsx")
    with zipfile.ZipFile(out2) as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()
    wb = openpyxl.load_workbook(out2, read_only=True)
    try:
        assert "计算" in wb.sheetnames
    finally:
        wb.close()
    with pytest.raises(Exception, match="xlsx"):
        export_portable("example", tmp_path / "ex.xlsm")


# ---------------------------------------------------------------------------------------
# cached values: what a viewer that does not recalculate shows (LibreOffice default, WPS,
# Excel's Protected View) must be what the engines compute
def _compare_cached(path, recalculated) -> tuple[int, list]:
    """Every formula cell of ``path``: its stored value against an engine's recalculation (the
    recalculated file, or its values as read_values gives them)."""
    stored = read_cells(path)
    engine = recalculated if isinstance(recalculated, dict) else read_values(recalculated)
    numeric, bad = 0, []
    for sheet, cells in stored.items():
        rows = engine[sheet]
        for a1, c in cells.items():
            if c.formula is None:
                continue
            r, col = split(a1)
            got = rows[r][col] if r < len(rows) and col < len(rows[r]) else None
            want = c.value
            if isinstance(want, bool) or isinstance(got, bool):
                ok = isinstance(got, (bool, int, float)) and bool(got) == bool(want) and want is not None
            elif isinstance(want, float) or (isinstance(got, (int, float)) and c.type == "n"):
                numeric += 1
                ok = isinstance(got, (int, float)) and want is not None and math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-12)
            elif c.type == "e":
                ok = isinstance(got, str) and got.startswith("#")
            else:
                ok = (want or "") == (got if got is not None else "")
            if not ok:
                bad.append((sheet, a1, c.formula[:60], want, got))
    return numeric, bad


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_every_formula_carries_the_value_libreoffice_computes(recalculated):
    case, _data, _system, _plan, values, _ev, path = recalculated
    numeric, bad = _compare_cached(path, values)
    assert numeric > 5000, case
    assert not bad, (case, len(bad), bad[:5])


@pytest.mark.libreoffice
@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
@pytest.mark.parametrize("case", ["zh-eigen-aij", "en-eigen-aip"])
def test_every_formula_carries_the_value_gnumeric_computes(all_cases, tmp_path, case):
    (data, _system, plan, path), _out = all_cases[case]
    out = engines.gnumeric_recalculate(path, tmp_path / path.name)
    numeric, bad = _compare_cached(path, out)
    assert numeric > 5000
    assert not bad, (len(bad), bad[:5])
    ev = evaluate(to_inputs(data))
    assert close(flat(rng(read_values(out), plan, "BPM_TOTAL"))[0], ev.total)


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_the_export_opened_without_recalculation_shows_the_evaluate_json_figures(tmp_path):
    """LibreOffice's default profile keeps stored values: the dashboard must show the truth."""
    import json

    from typer.testing import CliRunner

    from bpm_xl.cli import app
    res = CliRunner().invoke(app, ["evaluate", "example", "--json"])
    assert res.exit_code == 0, res.output
    want = json.loads(res.output)
    path = export_portable("example", tmp_path / "ex.xlsx", lang="zh")
    shown = read_values(engines.convert(path, tmp_path / "shown", "xlsx", recalc=False))
    dash = shown["仪表盘"]
    k = next(i for i, row in enumerate(dash) if row and row[0] == "综合绩效得分")   # the KPI block
    assert close(dash[k][1], want["total"]) and close(dash[k + 1][1], want["score100"])
    assert dash[k + 2][1] == want["rating"]["grade"]
    assert dash[k + 3][1] == want["rating"]["label_zh"]


def test_what_the_mirrors_read_is_what_was_written_last():
    from bpm_xl.layout.types import Formula, SheetPlan, WorkbookPlan
    from bpm_xl.writers.portable import _Values

    sp = SheetPlan("s", "S", "input")
    sp.add(0, 0, [[1, Formula("=A1"), "x"], [None, 2.5]], cached=[[None, 7]])   # A1=1 B1 shows 7; B2=2.5
    sp.add(1, 4, np.array([[1.0, np.nan], [3.0, 4.0]]))                          # float block E2:F3
    values = _Values(WorkbookPlan("en", [sp], {"R": "='S'!$A$1:$C$2"}))
    assert values.at("'S'!$A$1:$C$2") == [[1, 7, "x"], [None, 2.5, None]]
    values.block("S", 0, 1, [[Formula("=Z9"), None]], [[8]])       # a later write wins, a formula shows its cache
    values.block("S", 1, 1, [[Formula("=Z9")]], None)               # a formula without a cached value shows blank
    assert values.at("'S'!$A$1:$D$2") == [[1, 8, None, None], [None, None, None, None]]
    values.grid("S", 2, 5, [[Formula("=raw"), 9]])                  # grid values as they are, beside the array
    assert values.at("'S'!$E$2:$G$3") == [[1.0, None, None], [3.0, Formula("=raw"), 9]]
    values.block("S", 2, 4, [[None]], None)                         # a blank written over the array shows the array
    assert values.get("S", 2, 4) == 3.0 and values.get("S", 9, 9) is None
    assert values.nums("'S'!$E$2:$F$3").tolist()[0][0] == 1.0 and math.isnan(values.nums("'S'!$F$2")[0][0])
    mutable = [[5, 6]]
    values.block("S", 5, 0, mutable, None)
    mutable[0][0] = 0                                               # what was written is kept as it was
    assert values.get("S", 5, 0) == 5


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_portable_transform_leaves_the_callers_plan_as_it_was(lang):
    # portable_plan changes a copy in place (calls replaced in cells, captions about the Rebuild
    # button, the Guide, the dashboard's buttons, cached values of typed formulas); the plan it
    # was given, shared with the macro workbook's writer, must not change
    import pickle

    from bpm_xl.writers.portable import _BUTTON_WORDS, _CAPTION_STYLES

    data, system = example_workbook_data(lang)
    plan = plan_workbook(data, system, lang, evaluation=evaluate(to_inputs(data)))
    shown = plan_workbook(data, system, lang)
    blocks = [(sp, b) for sp in plan.sheets for b in sp.blocks]
    assert any(b.udfs for _, b in blocks) and any(sp.buttons for sp in plan.sheets)
    assert any(b.style in _CAPTION_STYLES and any(isinstance(v, str) and old in v for row in b.cells for v in row)
               for _, b in blocks for old, _ in _BUTTON_WORDS)
    before = pickle.dumps(plan)
    for p in (portable_plan(plan, system), portable_plan(plan, system, shown)):
        assert p.names is not plan.names and not {id(b) for s in p.sheets for b in s.blocks} & {id(b) for _, b in blocks}
    assert pickle.dumps(plan) == before
