"""Building, reading and rebuilding workbook files; the rebuild macro through xlwings' remote Book.

Data safety: a rebuild after adding, removing and reordering indicators keeps every value
entered for surviving indicators; a rebuild of a damaged, locked or incomplete file leaves
it byte-identical.
"""

from __future__ import annotations

from dataclasses import replace

import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw

from bpm_xl import WorkbookError, evaluate
from bpm_xl.macros import rebuild
from bpm_xl.service import (
    load_grids,
    new_workbook,
    read_inputs,
    read_workbook,
    rebuild_file,
)
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.labels import OUTPUT_ROLES, USER_ROLES
from bpm_xl.writers.livebook import dense

from .replay import payload_from_grids, replay


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vba_bin(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")


@pytest.fixture()
def example(tmp_path) -> Path:
    return new_workbook(tmp_path / "bpm_evaluation.xlsm", lang="zh", example=True)


def test_new_workbook_is_deterministic_but_for_its_identity_and_carries_the_vba_project(tmp_path):
    a = new_workbook(tmp_path / "a" / "bpm_evaluation.xlsm", shipped=True)
    b = new_workbook(tmp_path / "b" / "bpm_evaluation.xlsm", shipped=True)
    assert sha(a) == sha(b)
    # two hubs made with new are two evaluations: their IDs (and form keys) differ
    c = new_workbook(tmp_path / "c" / "bpm_evaluation.xlsm")
    d = new_workbook(tmp_path / "d" / "bpm_evaluation.xlsm")
    ic, id_ = read_workbook(c)[0].identity, read_workbook(d)[0].identity
    assert ic["evaluation"] != id_["evaluation"] and ic["secret"] != id_["secret"]
    assert read_workbook(a)[0].identity == {}
    assert b"xlwings" in vba_bin(a)
    assert (tmp_path / "a" / "bpm_evaluation.py").read_text(encoding="utf-8").count("def") == 0  # imports main


def test_reading_the_example_workbook_gives_the_example_evaluation(example):
    from bpm_xl import load_example

    ev_file = evaluate(read_inputs(example))
    ev_core = evaluate(load_example())
    assert ev_file.total == pytest.approx(ev_core.total, rel=1e-15)
    assert ev_file.rating.grade == ev_core.rating.grade


def _user_sheet_values(path: Path) -> dict[str, list]:
    g = load_grids(path)
    out = {}
    for role in USER_ROLES:
        sheet = g.names[f"BPM_ROLE_{role.upper()}"][0]
        out[role] = g.rows(sheet)  # a survey read as one array included
    return out


def test_rebuild_is_idempotent_keeps_vba_and_inputs_and_makes_a_backup(example):
    before = example.read_bytes()
    vba = vba_bin(example)
    inputs_before = _user_sheet_values(example)
    r1 = rebuild_file(example)
    assert r1.backup.read_bytes() == before
    once = example.read_bytes()
    rebuild_file(example)
    assert example.read_bytes() == once
    assert vba_bin(example) == vba
    assert _user_sheet_values(example) == inputs_before


def _edit_indicators(path: Path) -> None:
    """Add F6, delete C5, swap P1 and P2 on the indicator sheet, as a user would."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["指标体系"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    rows = [r for r in rows if r[3] != "C5"]
    i1 = next(i for i, r in enumerate(rows) if r[3] == "P1")
    i2 = next(i for i, r in enumerate(rows) if r[3] == "P2")
    rows[i1], rows[i2] = rows[i2], rows[i1]
    f5 = next(i for i, r in enumerate(rows) if r[3] == "F5")
    rows.insert(f5 + 1, ["F", "财务维度", "Fiscal", "F6", "绩效自评质量", "Quality of self-evaluation", "check"])
    for r in ws.iter_rows(min_row=3):
        for c in r:
            c.value = None
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(3 + i, 1 + j).value = v
    wb.save(path)


def _by_code(path: Path):
    data, _ = read_workbook(path)
    return data


def test_rebuild_after_changing_indicators_keeps_every_surviving_value(example):
    before = _by_code(example)
    _edit_indicators(example)
    rebuild_file(example)
    after = _by_code(example)
    codes_after = {r["code"] for r in after.system_rows}
    assert "F6" in codes_after and "C5" not in codes_after
    # judgments: every surviving pair keeps its value (the upper triangle may be stored as its mirror)
    for node, per in before.judgments.items():
        for expert, cells in per.items():
            for (ri, cj), v in cells.items():
                if {ri, cj} <= codes_after | {"F", "C", "P", "L"}:
                    got = after.judgments[node][expert].get((ri, cj))
                    mirror = after.judgments[node][expert].get((cj, ri))
                    assert got == pytest.approx(v) or (mirror is not None and mirror == pytest.approx(1 / v)), (node, expert, ri, cj)
    # survey answers and Delphi ratings for surviving indicators, row by row
    for b, a in zip(before.survey, after.survey):
        assert {k: v for k, v in b.items() if k in codes_after} == {k: v for k, v in a.items() if k in codes_after and k != "F6"}
        assert a.get("F6") is None
    for rb, ra in zip(before.delphi, after.delphi):
        for e in rb:
            assert {k: v for k, v in rb[e].items() if k in codes_after} == {k: v for k, v in ra[e].items() if k != "F6"}
    # the new indicator's judgments are blank, so evaluating says which matrix needs them
    with pytest.raises(Exception, match="F6|blank|missing|not compared"):
        evaluate(read_inputs(example))


def test_rebuild_refuses_damaged_locked_or_incomplete_files(example, tmp_path):
    # damaged (truncated)
    bad = tmp_path / "bad.xlsm"
    bad.write_bytes(example.read_bytes()[:5000])
    h = sha(bad)
    with pytest.raises(WorkbookError, match="damaged|cannot be read"):
        rebuild_file(bad)
    assert sha(bad) == h
    # open elsewhere (Excel's lock file)
    lock = example.parent / f"~${example.name}"
    lock.write_text("x")
    h = sha(example)
    with pytest.raises(WorkbookError, match="open in Excel"):
        rebuild_file(example)
    assert sha(example) == h
    lock.unlink()
    # a required sheet deleted
    wb = openpyxl.load_workbook(example, keep_vba=True)
    del wb["问卷"]
    wb.save(example)
    h = sha(example)
    with pytest.raises(WorkbookError, match="问卷|BPM_SURVEY"):
        rebuild_file(example)
    assert sha(example) == h
    # not there at all
    with pytest.raises(WorkbookError, match="no such file"):
        rebuild_file(tmp_path / "missing.xlsm")


# --------------------------------------------------------------------------------- macro
def _remote_book(path: Path):
    return xw.Book(json=payload_from_grids(load_grids(path), book_name=path.name))


def test_macro_rebuild_writes_the_plan_in_few_round_trips(example, tmp_path):
    book = _remote_book(example)
    summary = rebuild(book)
    assert summary.problem is None
    actions = book.json()["actions"]
    funcs = [a["func"] for a in actions]
    # per output sheet: clear, one bulk write, one number format; then the array formulas;
    # one write of the 整改清单's columns (its pre-filled rows follow the evaluation), of the
    # 整改措施库's (a new indicator gets its row) and of the Guide's own lines (they say what the
    # file holds), one value for BPM_DATA on Settings
    assert funcs.count("setFormula") == len(OUTPUT_ROLES) + 3
    assert funcs.count("setValues") == 1
    assert funcs.count("sheetClearContents") == len(OUTPUT_ROLES)
    assert "namesAdd" not in funcs  # nothing reshaped, no name moved
    assert len(actions) < 60
    # replay into the file and compare with the plan
    out = tmp_path / "replayed.xlsm"
    replay(actions, example, out)
    data, g = read_workbook(example)
    from bpm_xl.model import IndicatorSystem
    import pandas as pd

    plan = plan_workbook(data, IndicatorSystem.from_frame(pd.DataFrame(data.system_rows)), "zh")
    wb = openpyxl.load_workbook(out, keep_vba=True)
    for sp in plan.sheets:
        if sp.role not in OUTPUT_ROLES:
            continue
        ws = wb[sp.name]
        if sp.role == "sensitivity":
            # values from the Monte Carlo run inside the macro: P(rating unchanged) per analysis
            probs = [ws.cell(r, 5).value for r in (5, 6, 7)]
            assert all(isinstance(p, (int, float)) and 0 <= p <= 1 for p in probs) and probs[2] < 1, probs
            continue
        grid = dense(sp)
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                got = ws.cell(i + 1, j + 1).value
                if v == "":
                    continue
                if isinstance(v, str) and v.startswith("'"):
                    v = v[1:]  # text written behind Excel's text prefix
                assert got == v, (sp.name, i, j, got, v)
        for a in sp.arrays:
            got = ws.cell(a.row + 1, a.col + 1).value
            assert got.text == a.formula and got.ref.startswith(ws.cell(a.row + 1, a.col + 1).coordinate)
    # the input sheets are untouched by the macro
    assert _user_sheet_values(out) == _user_sheet_values(example)
    assert vba_bin(out) == vba_bin(example)


def test_macro_rebuild_after_indicator_change_reshapes_inputs_and_keeps_data(example, tmp_path):
    before = _by_code(example)
    _edit_indicators(example)
    book = _remote_book(example)
    summary = rebuild(book)
    assert summary.problem  # F6 has no judgments yet: reported, not raised
    actions = book.json()["actions"]
    out = tmp_path / "replayed.xlsm"
    replay(actions, example, out)
    after = _by_code(out)
    codes_after = {r["code"] for r in after.system_rows}
    for b, a in zip(before.survey, after.survey):
        assert {k: v for k, v in b.items() if k in codes_after} == {k: v for k, v in a.items() if k != "F6"}
    assert after.judgments["F"]["E01"].get(("F1", "F2")) == pytest.approx(before.judgments["F"]["E01"][("F1", "F2")])


def test_round_trips_do_not_grow_with_respondents(tmp_path):
    from bpm_xl.service import example_workbook_data
    from bpm_xl.writers.xlsx import write_workbook

    counts = []
    for extra in (0, 2000):
        data, system = example_workbook_data("en")
        rows = [*data.survey, *[data.survey[0]] * extra]
        data = replace(data, survey=rows, survey_ids=[*data.survey_ids, *range(len(data.survey_ids) + 1, len(rows) + 1)])
        path = tmp_path / f"n{extra}.xlsm"
        write_workbook(plan_workbook(data, system, "en"), path, None)
        book = _remote_book(path)
        rebuild(book)
        counts.append(len(book.json()["actions"]))
    assert counts[0] == counts[1]


def test_entry_points_exist_for_both_runtimes():
    import bpm_xl.macros as m

    assert callable(m.main) and callable(m.rebuild_script)


# --------------------------------------------------------------------------------- validation
def _set(path: Path, sheet: str, cell: str, value) -> None:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb[sheet][cell] = value
    wb.save(path)


@pytest.mark.parametrize("sheet, cell, value, message", [
    ("问卷", "C5", 6, r"sheet 问卷, cell C5: survey: respondent 3 \(row 3\), indicator 2 \(column 2\) is 6; "
                     r"answers must be between 1 and 5"),
    ("问卷", "C5", "五", r"sheet 问卷, cell C5: .* is '五'"),
    ("问卷", "C5", "4分", r"sheet 问卷, cell C5: .* is '4分'"),
    ("判断矩阵", "D5", 0, r"sheet 判断矩阵, cell D5: judgments goal, expert E01: row 1, column 2 is 0; "
                        r"judgments must be positive"),
])
def test_rebuild_refuses_invalid_input_exactly_as_evaluate_does(example, sheet, cell, value, message):
    """Before: rebuild wrote 0 into every output cell and exited 0. Now: the evaluate message, nothing written."""
    from typer.testing import CliRunner

    from bpm_xl.cli import app
    from bpm_xl.service import evaluate_file

    _set(example, sheet, cell, value)
    h = sha(example)
    listing = sorted(p.name for p in example.parent.iterdir())
    with pytest.raises(Exception, match=message) as via_evaluate:
        evaluate_file(example)
    with pytest.raises(type(via_evaluate.value), match=message) as via_rebuild:
        rebuild_file(example)
    assert str(via_rebuild.value) == str(via_evaluate.value)
    result = CliRunner().invoke(app, ["rebuild", str(example)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"bpm-xl: error: {example.name}: sheet {sheet}, cell {cell}"), result.stderr
    assert sha(example) == h
    assert sorted(p.name for p in example.parent.iterdir()) == listing  # no backup, no temp, no lock


def test_a_blank_workbook_is_laid_out_and_a_bad_value_in_it_still_refuses(tmp_path):
    """Incomplete (nothing entered yet) lays out without figures; invalid (a value breaks a rule) refuses."""
    blank = new_workbook(tmp_path / "blank.xlsm", example=False)
    res = rebuild_file(blank, backup=False)
    assert not res.evaluated and "still blank" in res.problem
    for sheet, cell, value in (("判断矩阵", "D5", 0), ("问卷", "C3", 9), ("判断矩阵", "D5", "x")):
        _set(blank, sheet, cell, value)
        h = sha(blank)
        with pytest.raises(Exception, match=f"sheet {sheet}, cell {cell}"):
            rebuild_file(blank)
        assert sha(blank) == h
        _set(blank, sheet, cell, None)
    assert rebuild_file(blank, backup=False).evaluated is False


def test_rebuild_update_hook_is_applied_before_validation(example):
    def answer(value):
        def update(data):  # a file's survey rows are read-only: a change is a new WorkbookData
            rows = [dict(r) for r in data.survey]
            rows[0]["F1"] = value
            return replace(data, survey=rows)
        return update

    def bad_answer(data):
        with pytest.raises(TypeError):  # changing a row in place fails loudly, never silently
            data.survey[0]["F1"] = 6
        return answer(6)(data)

    h = sha(example)
    with pytest.raises(Exception, match="is 6; answers must be between 1 and 5"):
        rebuild_file(example, update=bad_answer)
    assert sha(example) == h

    assert rebuild_file(example, update=answer(1), backup=False).evaluated
    assert _by_code(example).survey[0]["F1"] == 1


def test_macro_refuses_invalid_input_shows_the_message_and_writes_nothing(example):
    _set(example, "问卷", "C5", 6)
    book = _remote_book(example)
    summary = rebuild(book)
    assert summary.refused and "cell C5" in summary.problem and "Nothing was written" in summary.problem
    actions = book.json()["actions"]
    assert actions == []  # nothing written by rebuild itself
    from bpm_xl.macros import _report

    _report(book, summary)
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert "cell C5" in str(actions[0]["args"])


# --------------------------------------------------------------------------------- the button
def test_the_rebuild_button_target_exists_for_any_workbook_name(tmp_path):
    """`new "新 工作簿.xlsm"`: no companion module can be named after it; the button calls bpm_xl.macros."""
    import importlib
    import re

    from bpm_xl.writers.vba import module_sources

    path = new_workbook(tmp_path / "新 工作簿.xlsm")
    with zipfile.ZipFile(path) as zf:
        vml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".vml"))
        sources = module_sources(zf.read("xl/vbaProject.bin"))
    macros_called = [m.split("!")[-1] for m in re.findall(r"<x:FmlaMacro>([^<]+)</x:FmlaMacro>", vml)]
    assert macros_called, "no button"
    for macro in macros_called:
        body = next((src for src in sources.values() if re.search(rf"^Sub {macro}\(\)", src, re.M)), None)
        assert body is not None, f"the button calls {macro}, which no VBA module defines"
        call = re.search(r'RunPython "import ([\w.]+); ([\w.]+)\(\)"', body)
        assert call, body
        module = importlib.import_module(call.group(1))
        func = call.group(2).removeprefix(call.group(1) + ".")
        assert callable(getattr(module, func))


def test_the_macro_writes_only_layout_formulas_as_formulas():
    """Range.formula turns text like "=1+1" into code and "1/3" into a date: only a layout Formula
    is written as a formula; other text goes behind Excel's text prefix."""
    from bpm_xl.layout.types import Formula, SheetPlan
    from bpm_xl.writers.livebook import formula_cell

    assert formula_cell(Formula("=SUM(A1:A3)")) == "=SUM(A1:A3)"
    assert [formula_cell(v) for v in ("=HYPERLINK(\"http://x\")", "1/3", "TRUE", "", None, 4.5, 3)] == \
        ["'=HYPERLINK(\"http://x\")", "'1/3", "'TRUE", "", "", 4.5, 3]
    sp = SheetPlan("evaluation", "评价", "output")
    sp.add(0, 0, [["=2+2", Formula("=1+1"), "-1"]], "output")
    assert dense(sp) == [["'=2+2", "=1+1", "'-1"]]
