"""The hub's input side for indicators of every type: the 指标体系 columns 上级代码/类型/分值, the
指标数据 and 专家评分 sheets, the score caps on Settings.

A system with data indicators (every method, steps included), a direct one, expert-scored
ones and survey ones, and a cap, is written as both hub kinds through the service, read back
and evaluated: the figures are the core's on the same inputs (1e-12), and read -> rebuild ->
read gives the same inputs. A three-level system goes through the input sheets alone (written
and read without the output sheets, which lay out deeper trees elsewhere). A clerk's mistakes
on these sheets are refused with file, sheet and cell, exit status 2, and the file unchanged.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from bpm_xl import datascore
from bpm_xl.cli import app
from bpm_xl.errors import BpmError, MissingValueError, ModelError, ScaleError, ScoringRuleError, SettingsError
from bpm_xl.evaluation import evaluate
from bpm_xl.example import load_example
from bpm_xl.layout import data_from_inputs, plan_workbook
from bpm_xl.layout.context import make_context
from bpm_xl.layout.inputs import (
    data_sheet,
    delphi_sheet,
    expert_scores_sheet,
    experts_sheet,
    indicators_sheet,
    judgments_sheet,
    settings_sheet,
    survey_sheet,
)
from bpm_xl.layout.types import WorkbookPlan, parse_ref
from bpm_xl.leaves import Cap, DataEntry, DirectScore
from bpm_xl.model import IndicatorSystem
from bpm_xl.readers.workbook import read_inputs, read_workbook, to_inputs
from bpm_xl.service import evaluate_file, new_workbook, rebuild_file
from bpm_xl.validation import BLANK, INVALID, UNANSWERED, problems
from bpm_xl.writers.xlsx import write_workbook
from tests.engines import available, recalculate

KINDS = {"F1": "data", "F2": "data", "F3": "data", "F4": "data", "F5": "data", "C1": "direct", "C2": "expert",
         "C3": "expert"}


def _data() -> dict[str, DataEntry]:
    return {
        "F1": DataEntry(0.93, datascore.data_rule("deduct", 0.95, 10), "%", "决算报表", "附件1"),
        "F2": DataEntry(0.91, datascore.data_rule("steps", [0.95, 0.9, 0.8], [1, 0.8, 0.6])),
        "F3": DataEntry(0.04, datascore.data_rule("ratio", 0.05, direction="lower"), "%"),
        "F4": DataEntry(70, datascore.data_rule("linear", 50, 90), "万元"),
        "F5": DataEntry("是", datascore.data_rule("yesno")),
    }


def _mixed(system: IndicatorSystem | None = None, **changes) -> object:
    """The example's panel, judgments and survey over a system of every indicator type."""
    ex = load_example()
    if system is None:
        frame = ex.system.to_frame()
        frame["kind"] = [KINDS.get(c, "survey") for c in frame["code"]]
        system = IndicatorSystem.from_frame(frame)
    survey = ex.survey[[i.code for i in system.ordered_indicators() if i.kind == "survey"]]
    inputs = replace(ex, system=system, survey=survey, data=_data(),
                     direct_scores={"C1": DirectScore(4.2, "审计报告")},
                     expert_scores={"C2": {"E01": 4, "E02": 3.5, "E03": 5}, "C3": {"E01": 2, "E04": 4.5}},
                     settings=replace(ex.settings, caps=(Cap("F1", 0.6, 0.95, 79, "执行率不足"),)))
    return replace(inputs, **changes)


def _same_figures(got, want) -> None:
    assert got.status == want.status and got.pending == want.pending
    if want.total is None:
        assert got.total is None
    else:
        assert math.isclose(got.total, want.total, rel_tol=1e-12)
        assert got.rating.grade == want.rating.grade
    a, b = got.indicator_table, want.indicator_table
    assert list(a["code"]) == list(b["code"])
    for col in ("mean_score", "global_weight", "weighted_score", "value", "fraction"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-12, atol=0, equal_nan=True)
    assert (got.cap is None) == (want.cap is None)
    if want.cap is not None:
        assert got.cap.cap == want.cap.cap
        assert math.isclose(got.cap.uncapped_score100, want.cap.uncapped_score100, rel_tol=1e-12)


def _same_inputs(got, want) -> None:
    assert got.system.to_frame().fillna("").to_dict("records") == want.system.to_frame().fillna("").to_dict("records")
    assert {c: (e.rule, e.unit, e.source, e.evidence) for c, e in got.data.items()} == \
        {c: (e.rule, e.unit, e.source, e.evidence) for c, e in want.data.items()}
    for c, e in want.data.items():
        assert datascore.read_value(got.data[c].value, e.rule) == datascore.read_value(e.value, e.rule)
    assert {c: (float(d.value), d.evidence) for c, d in got.direct_scores.items()} == \
        {c: (float(d.value), d.evidence) for c, d in want.direct_scores.items()}
    assert {c: {e: float(v) for e, v in per.items()} for c, per in got.expert_scores.items()} == \
        {c: {e: float(v) for e, v in per.items()} for c, per in want.expert_scores.items()}
    assert got.settings.caps == want.settings.caps


def _hub(tmp_path: Path, kind: str, inputs, name: str = "hub", lang: str = "zh") -> Path:
    return new_workbook(tmp_path / f"{name}.{kind}", lang=lang, data=data_from_inputs(inputs),
                        portable=kind == "xlsx", with_module=False)


# ------------------------------------------------------------------ both hub kinds, through the service
@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
def test_both_hub_kinds_read_back_and_evaluate_as_the_core(tmp_path, kind):
    inputs = _mixed()
    want = evaluate(inputs)
    assert want.cap is not None          # the cap cuts the total of this system (80.38 -> 79)
    hub = _hub(tmp_path, kind, inputs)
    _same_inputs(read_inputs(hub), inputs)
    _same_figures(evaluate_file(hub).evaluation, want)


def test_the_english_edition_reads_back_what_it_writes(tmp_path):
    inputs = _mixed()
    hub = _hub(tmp_path, "xlsm", inputs, lang="en")
    wb = openpyxl.load_workbook(hub)
    assert [wb["Indicator data"].cell(3 + k, 6).value for k in range(3)] == ["higher", "higher", "lower"]
    _same_inputs(read_inputs(hub), inputs)
    _same_figures(evaluate_file(hub).evaluation, evaluate(inputs))


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
def test_read_rebuild_read_keeps_what_was_typed(tmp_path, kind):
    hub = _hub(tmp_path, kind, _mixed())
    before = read_inputs(hub)
    rebuild_file(hub, backup=False)
    _same_inputs(read_inputs(hub), before)
    _same_figures(evaluate_file(hub).evaluation, evaluate(before))


def _score_cells(path: Path, sheet: str, rows: range, col: int) -> list:
    wb = openpyxl.load_workbook(path, data_only=True)
    return [wb[sheet].cell(r + 1, col + 1).value for r in rows]


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
def test_score_cells_hold_the_core_scores_and_na_while_pending(tmp_path, kind):
    data = _data()
    data["F4"] = replace(data["F4"], value=None)          # not measured yet: pending
    inputs = _mixed(data=data)
    want = evaluate(inputs)
    assert want.pending == ("F4",)
    hub = _hub(tmp_path, kind, inputs)
    ctx = make_context(data_from_inputs(inputs), inputs.system, "zh", want)
    _, refs = data_sheet(ctx)
    _, erefs = expert_scores_sheet(ctx)
    assert list(refs) == ["F1", "F2", "F3", "F4", "F5", "C1"] and list(erefs) == ["C2", "C3"]
    wb = openpyxl.load_workbook(hub, data_only=True)
    table = want.indicator_table.set_index("code")
    for code, at in {**refs, **erefs}.items():
        sheet, r, c, _, _ = parse_ref(at)
        shown = wb[sheet].cell(r + 1, c + 1).value
        score = float(table.loc[code, "mean_score"])
        if math.isnan(score):
            assert shown == "#N/A", (code, shown)    # pending: #N/A, never 0
        else:
            assert math.isclose(shown, score, rel_tol=1e-12), (code, shown, score)


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice (soffice) is not installed")
def test_the_portable_score_formulas_recalculate_to_their_cached_values(tmp_path):
    inputs = _mixed()
    hub = _hub(tmp_path, "xlsx", inputs)
    ctx = make_context(data_from_inputs(inputs), inputs.system, "zh", evaluate(inputs))
    refs = {**data_sheet(ctx)[1], **expert_scores_sheet(ctx)[1]}
    recalced = recalculate(hub, tmp_path / "lo")
    before = openpyxl.load_workbook(hub, data_only=True)
    after = openpyxl.load_workbook(recalced, data_only=True)
    for code, at in refs.items():
        sheet, r, c, _, _ = parse_ref(at)
        x, y = before[sheet].cell(r + 1, c + 1).value, after[sheet].cell(r + 1, c + 1).value
        assert isinstance(x, float) and math.isclose(x, y, rel_tol=1e-12), (code, x, y)


# ------------------------------------------------------------------ a three-level system, input sheets alone
def _three_levels() -> object:
    """F's indicators F1, F2 under a group FG (F > FG > F1, F2), every indicator with points."""
    ex = load_example()
    frame = ex.system.to_frame()
    frame["kind"] = [KINDS.get(c, "survey") for c in frame["code"]]
    frame["points"] = [6.0 if c.startswith("F") else 4.0 for c in frame["code"]]
    group = pd.DataFrame([{"dimension": "F", "dimension_zh": "财务维度", "dimension_en": "Fiscal", "code": "FG",
                           "name_zh": "预算执行", "name_en": "Budget execution", "pdca": "", "parent": "",
                           "kind": "", "points": 12.0}])
    frame.loc[frame["code"].isin(["F1", "F2"]), "parent"] = "FG"
    frame = pd.concat([group, frame], ignore_index=True)
    system = IndicatorSystem.from_frame(frame)
    assert system.depth == 3 and system.weighting == "points"
    return _mixed(system, judgments={})


def _input_sheets_only(path: Path, inputs) -> Path:
    data = data_from_inputs(inputs)
    ctx = make_context(data, inputs.system, "zh", evaluate(inputs))
    sheets = [settings_sheet(ctx), indicators_sheet(ctx), experts_sheet(ctx), judgments_sheet(ctx)[0],
              delphi_sheet(ctx)[0], survey_sheet(ctx)[0], data_sheet(ctx)[0], expert_scores_sheet(ctx)[0]]
    write_workbook(WorkbookPlan("zh", sheets, dict(ctx.names)), path, None)
    return path


def test_a_three_level_system_round_trips_through_the_input_sheets(tmp_path):
    inputs = _three_levels()
    path = _input_sheets_only(tmp_path / "three.xlsx", inputs)
    data, g = read_workbook(path)
    assert [r["code"] for r in data.system_rows][:3] == ["FG", "F1", "F2"]   # the group row, depth first
    assert [(r["parent"], r["points"]) for r in data.system_rows][:3] == [("", 12), ("FG", 6), ("FG", 6)]
    got = to_inputs(data, g.source)
    assert got.system.depth == 3 and got.system.children("FG") == ("F1", "F2")
    _same_inputs(got, inputs)
    _same_figures(evaluate(got), evaluate(inputs))


# ------------------------------------------------------------------ a clerk's mistakes
def _edit(path: Path, sheet: str, cells: dict[str, object]) -> None:
    wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    for cell, value in cells.items():
        wb[sheet][cell] = value
    wb.save(path)


def _refused(hub: Path, *args: object, must: tuple[str, ...]) -> str:
    """Exit 2, one line naming what ``must`` says, the hub byte-identical."""
    before = hub.read_bytes()
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    for m in must:
        assert m in lines[0], (m, lines[0])
    assert hub.read_bytes() == before
    return lines[0]


@pytest.fixture(scope="module")
def hubs(tmp_path_factory) -> dict[str, bytes]:
    """The mixed system's hubs of both kinds, written once (each test edits a copy)."""
    d = tmp_path_factory.mktemp("hubs")
    return {kind: _hub(d, kind, _mixed()).read_bytes() for kind in ("xlsm", "xlsx")}


def _copy(hubs: dict[str, bytes], tmp_path: Path, kind: str) -> Path:
    p = tmp_path / f"book.{kind}"
    p.write_bytes(hubs[kind])
    return p


# 指标体系 rows from 3: F1 is row 3 (columns H parent, I type, J points)
SYSTEM_MISTAKES = [
    pytest.param({"H3": "F2", "H4": "F1"}, "H3", "go round in a circle", id="parent-cycle"),
    pytest.param({"H5": "X9"}, "H5", "the parent code 'X9' is neither a dimension", id="unknown-parent"),
    pytest.param({"J3": 10}, "J4", "points (分值) are given for F1 but not for", id="mixed-points"),
    pytest.param({"I6": "打分"}, "I6", "is not an indicator type", id="bad-type"),
    pytest.param({"J7": "十"}, "J7", "the points (分值) '十' must be a number above 0", id="bad-points"),
]


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
@pytest.mark.parametrize("cells, cell, message", SYSTEM_MISTAKES)
def test_mistakes_on_the_indicator_sheet_are_refused_at_their_cell(hubs, tmp_path, kind, cells, cell, message):
    hub = _copy(hubs, tmp_path, kind)
    _edit(hub, "指标体系", cells)
    with pytest.raises(ModelError, match=f"^book.{kind}: sheet 指标体系, cell {cell}: .*{re.escape(message)}"):
        evaluate_file(hub)
    for command in ("evaluate", "rebuild"):
        _refused(hub, command, hub, must=(f"book.{kind}", "sheet 指标体系", f"cell {cell}", message))


# 指标数据 rows from 3 in system order: F1 F2 F3 F4 F5 C1; C value, E method, G p1, H p2, K.. bounds, P.. fractions
DATA_MISTAKES = [
    pytest.param({"C3": "93%"}, ScaleError, "C3", "'93%' is text, not a number; type it as the number 0.93",
                 INVALID, id="percent-text"),
    pytest.param({"K4": 0.8, "L4": 0.9, "M4": 0.95}, ScoringRuleError, "L4",
                 "position 2 (0.9) is above position 1 (0.8)", INVALID, id="steps-out-of-order"),
    pytest.param({"G5": None}, MissingValueError, "G5", "the target is blank", BLANK, id="missing-target"),
    pytest.param({"E6": "对数"}, SettingsError, "E6", "is not known; use one of linear", INVALID, id="bad-method"),
    pytest.param({"C7": "也许"}, ScaleError, "C7", "is not a yes/no answer", INVALID, id="not-yes-or-no"),
    pytest.param({"C8": 7}, ScaleError, "C8", "direct score C1: 7 is outside 0 .. 5", INVALID, id="direct-above-scale"),
]


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
@pytest.mark.parametrize("cells, error, cell, message, problem", DATA_MISTAKES)
def test_mistakes_on_the_data_sheet_are_refused_at_their_cell(hubs, tmp_path, kind, cells, error, cell, message,
                                                               problem):
    hub = _copy(hubs, tmp_path, kind)
    _edit(hub, "指标数据", cells)
    with pytest.raises(error, match=f"^book.{kind}: sheet 指标数据, cell {cell}: .*{re.escape(message)}"):
        evaluate_file(hub)
    _refused(hub, "evaluate", hub, must=(f"book.{kind}", "sheet 指标数据", f"cell {cell}", message))
    data, g = read_workbook(hub)
    found = [(p.kind, p.place.sheet, p.place.cell) for p in problems(data, g.source)]
    assert found == [(problem, "指标数据", cell)]
    if problem == INVALID:   # a blank leaves the hub incomplete (rebuilt, laid out without figures)
        _refused(hub, "rebuild", hub, must=("sheet 指标数据", f"cell {cell}", message))


def test_a_blank_value_is_pending_not_refused(hubs, tmp_path):
    hub = _copy(hubs, tmp_path, "xlsm")
    _edit(hub, "指标数据", {"C6": None})     # F4 not measured yet
    data, g = read_workbook(hub)
    assert [(p.kind, p.place.sheet, p.place.cell, p.message) for p in problems(data, g.source)] == \
        [(UNANSWERED, "指标数据", "C6", "F4")]
    ev = evaluate_file(hub).evaluation
    assert ev.pending == ("F4",) and ev.total is None


EXPERT_AND_CAP_MISTAKES = [
    pytest.param("专家评分", {"B4": 9}, ScaleError, "B4", "expert scores C2 E02: 9 is outside 1 .. 5",
                 id="expert-score-above-scale"),
    pytest.param("专家评分", {"C3": "好"}, ScaleError, "C3", "expert scores C3 E01: '好' is not a number",
                 id="expert-score-text"),
    pytest.param("设置", {"A43": "C4"}, SettingsError, "A43", "score cap 1: 'C4' is not a data indicator",
                 id="cap-on-a-survey-indicator"),
    pytest.param("设置", {"B43": 0.99}, SettingsError, "A43", "the lower bound 0.99 must be below the upper bound",
                 id="cap-bounds-reversed"),
    pytest.param("设置", {"D43": "七十九"}, SettingsError, "D43", "score cap 1 highest score is '七十九'",
                 id="cap-score-text"),
]


@pytest.mark.parametrize("sheet, cells, error, cell, message", EXPERT_AND_CAP_MISTAKES)
def test_mistakes_in_expert_scores_and_caps_are_refused_at_their_cell(hubs, tmp_path, sheet, cells, error, cell,
                                                                       message):
    hub = _copy(hubs, tmp_path, "xlsm")
    _edit(hub, sheet, cells)
    with pytest.raises(error, match=f"^book.xlsm: sheet {sheet}, cell {cell}: .*{re.escape(message)}"):
        evaluate_file(hub)
    for command in ("evaluate", "rebuild"):
        _refused(hub, command, hub, must=("book.xlsm", f"sheet {sheet}", f"cell {cell}", message))


def test_the_example_hub_has_empty_data_and_expert_sheets(tmp_path):
    plan = plan_workbook(data_from_inputs(load_example()), load_example().system)
    assert [b.cells for b in plan.sheet("data").blocks if b.style == "input"] == []
    assert parse_ref(plan.names["BPM_IND_DATA"])[1:3] == (2, 0)
    assert all(r[8] == "问卷" for r in next(b.cells for b in plan.sheet("indicators").blocks if b.style == "input"))


def test_bad_input_of_the_three_level_system_names_the_indicator_row(tmp_path):
    inputs = _three_levels()
    path = _input_sheets_only(tmp_path / "three.xlsx", inputs)
    _edit(path, "指标体系", {"J4": None})     # F1 (row 4, below its group FG) loses its points
    data, g = read_workbook(path)
    with pytest.raises(BpmError, match=r"^three.xlsx: sheet 指标体系, cell J4: .*points \(分值\) are given"):
        to_inputs(data, g.source)


def test_the_in_excel_rebuild_reshapes_the_data_sheets_only_when_their_indicators_change(tmp_path):
    from bpm_xl.writers.livebook import live_writes

    inputs = _mixed()
    hub = _hub(tmp_path, "xlsm", inputs)
    data, g = read_workbook(hub, formulas=True)
    same = plan_workbook(data, inputs.system)
    written = live_writes(same, g.sheets, g.names).sheets_written
    assert "指标数据" not in written and "专家评分" not in written
    frame = inputs.system.to_frame()
    frame["kind"] = ["survey" if c in ("F5", "C3") else k for c, k in zip(frame["code"], frame["kind"])]
    frame.loc[frame["code"] == "C4", "kind"] = "data"          # as many data rows as before, another code
    frame.loc[frame["code"] == "C5", "kind"] = "expert"
    system = IndicatorSystem.from_frame(frame)
    written = live_writes(plan_workbook(data, system), g.sheets, g.names).sheets_written
    assert "指标数据" in written and "专家评分" in written


def test_a_live_sheet_of_one_column_is_read_as_rows(tmp_path):
    """The example's 专家评分 sheet holds column A only (no expert indicator): xlwings gives such a
    used range as a flat list, which must come back as one cell per row, not one long row."""
    import xlwings as xw

    from bpm_xl.macros import book_grids
    from bpm_xl.readers.workbook import load_grids
    from tests.replay import payload_from_grids

    hub = new_workbook(tmp_path / "book.xlsm", with_module=False)
    g = book_grids(xw.Book(json=payload_from_grids(load_grids(hub), book_name=hub.name)))
    rows = g.sheets["专家评分"]
    assert [r[0] for r in rows[1:4]] == ["专家代码", "E01", "E02"]


def _old_hub(tmp_path: Path) -> Path:
    """A hub as written before 指标体系 had its parent, type and points columns: BPM_INDICATORS over
    A:G (in the file and in its layout record), no 指标数据, 专家评分 or caps and no names of theirs."""
    hub = new_workbook(tmp_path / "old.xlsm", with_module=False)
    wb = openpyxl.load_workbook(hub, keep_vba=True)
    new = ("BPM_CAPS", "BPM_IND_DATA", "BPM_IND_DATA_SCORES", "BPM_EXPERT_SCORES", "BPM_EXPERT_SCORE_MEANS",
           "BPM_ROLE_DATA", "BPM_ROLE_EXPERT_SCORES")
    for name in new:
        del wb.defined_names[name]
    old = wb.defined_names["BPM_INDICATORS"].attr_text.replace("$J$", "$G$")
    wb.defined_names["BPM_INDICATORS"].attr_text = old
    props = wb.custom_doc_props
    for prop in list(props):
        if prop.name in new:
            del props[prop.name]
        elif prop.name == "BPM_INDICATORS":
            prop.value = old
    del wb["指标数据"], wb["专家评分"]
    ws = wb["指标体系"]
    for row in ws.iter_rows(min_col=8, max_col=10):
        for c in row:
            c.value = None
    ws = wb["设置"]
    for row in ws.iter_rows(min_row=41, max_col=5):
        for c in row:
            c.value = None
    wb.save(hub)
    return hub


def test_an_old_hub_is_rebuilt_with_the_new_columns(tmp_path):
    hub = _old_hub(tmp_path)
    data, _ = read_workbook(hub)
    assert set(data.system_rows[0]) == {"dimension", "dimension_zh", "dimension_en", "code", "name_zh", "name_en",
                                        "pdca"}
    before = read_inputs(hub)
    rebuild_file(hub, backup=False)
    wb = openpyxl.load_workbook(hub)
    assert [c.value for c in wb["指标体系"][2][7:10]] == ["上级代码", "类型", "分值"]
    assert "指标数据" in wb.sheetnames and "专家评分" in wb.sheetnames
    _same_inputs(read_inputs(hub), before)


def test_an_old_hub_with_notes_where_the_new_columns_go_is_refused(tmp_path):
    hub = _old_hub(tmp_path)
    _edit(hub, "指标体系", {"I5": "待复核"})
    _refused(hub, "rebuild", hub, must=("old.xlsm", "sheet 指标体系", "cell I5", "'待复核' is typed where the indicator "
                                        "sheet now has its kind column", "move it to the right of column J"))
    _same_figures(evaluate_file(hub).evaluation, evaluate(read_inputs(hub)))   # reading it is fine
