"""Settings (unit, year, evaluator, survey screening), the 整改清单, panel growth, the Chinese
edition's words, the dashboard's Python check and the buttons beside Rebuild."""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw

from bpm_xl import macros
from bpm_xl.layout.labels import COLLECT_MACRO, FORMS_MACRO, REPORT_MACRO
from bpm_xl.texts import text
from bpm_xl.service import evaluate_file, export_file, load_grids, new_workbook, read_workbook, rebuild_file
from bpm_xl.writers import livebook, vba

from .replay import payload_from_grids, replay
from .xlsx_cells import read_cells


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("ex") / "hub.xlsm"
    new_workbook(p, lang="zh", example=True, with_module=False)
    return p


def _copy(src: Path, tmp: Path, name: str = "book.xlsm") -> Path:
    p = tmp / name
    shutil.copy2(src, p)
    return p


def _names(path: Path) -> dict[str, tuple]:
    return load_grids(path).names


def _set(path: Path, values: dict[str, object]) -> None:
    """Type values into cells named by defined name (first cell), as a user would."""
    names = _names(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    for name, v in values.items():
        sheet, r, c, _, _ = names[name]
        wb[sheet].cell(r + 1, c + 1).value = v
    wb.save(path)


def _cell(path: Path, name: str, dr: int = 0, dc: int = 0):
    sheet, r, c, _, _ = _names(path)[name]
    return read_cells(path)[sheet].get(openpyxl.utils.get_column_letter(c + dc + 1) + str(r + dr + 1))


# ----------------------------------------------------------------------------- settings
def test_unit_year_evaluator_are_read_and_shown_in_the_dashboard_title(example, tmp_path):
    book = _copy(example, tmp_path)
    _set(book, {"BPM_UNIT": "七里河区财政局", "BPM_YEAR": 2025, "BPM_EVALUATOR": "绩效科"})
    rebuild_file(book, backup=False)
    data, _ = read_workbook(book)
    assert data.meta == {"unit": "七里河区财政局", "year": "2025", "evaluator": "绩效科"}
    cells = read_cells(book)
    title = cells["仪表盘"]["A1"]
    assert "BPM_UNIT" in title.formula and "BPM_YEAR" in title.formula
    assert title.value == "七里河区财政局 2025年度预算绩效管理评价"
    # a blank unit and year: the plain title (formula and stored value agree)
    assert read_cells(example)["仪表盘"]["A1"].value == "预算绩效管理评价仪表盘"


def test_survey_screening_settings_are_on_the_settings_sheet(example, tmp_path):
    data, _ = read_workbook(example)
    assert data.settings["survey_min_seconds"] == 60 and data.settings["survey_screen"] == "否"
    book = _copy(example, tmp_path)
    _set(book, {"BPM_SURVEY_MIN_SECONDS": 90, "BPM_SURVEY_SCREEN": "是"})
    rebuild_file(book, backup=False)
    data, _ = read_workbook(book)
    assert data.settings["survey_min_seconds"] == 90 and data.settings["survey_screen"] == "是"
    # a blank screening setting means the default and does not make the workbook incomplete
    _set(book, {"BPM_SURVEY_MIN_SECONDS": None})
    assert rebuild_file(book, backup=False).evaluated
    assert read_workbook(book)[0].settings.get("survey_min_seconds") in (None, 60)


# ----------------------------------------------------------------------------- 整改清单
def _rect_rows(path: Path) -> list[dict]:
    return read_workbook(path)[0].rectification


def test_rectification_is_prefilled_and_what_the_bureau_typed_wins(example, tmp_path):
    rows = _rect_rows(example)
    from bpm_xl.findings import classify

    ev = evaluate_file(example).evaluation
    top = [f.code for f in classify(ev).problems]   # one row per problem of the report's rule
    assert [r["indicator"] for r in rows] == top
    ids = [r["id"] for r in rows]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(r["status"] == "未整改" and r["stage"] in ("plan", "do", "check", "act") for r in rows)
    book = _copy(example, tmp_path)
    sheet, r0, c0, _, _ = _names(book)["BPM_RECTIFY"]
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[sheet]
    ws.cell(r0 + 1, c0 + 1).value = "预算执行慢（本局核实）"      # first row: problem rewritten
    ws.cell(r0 + 1, c0 + 4).value = "财政局预算科"
    ws.cell(r0 + 1, c0 + 7).value = "整改中"
    extra = r0 + len(rows) + 1
    for j, v in enumerate(["绩效目标未细化", "计划", "", "各预算单位", "2026-06-30", "细化目标", "未整改"]):
        ws.cell(extra, c0 + 1 + j).value = v or None
    wb.save(book)
    rebuild_file(book, backup=False)
    rebuild_file(book, backup=False)          # twice: nothing duplicated, nothing overwritten
    after = _rect_rows(book)
    assert after[0]["problem"] == "预算执行慢（本局核实）" and after[0]["responsible"] == "财政局预算科"
    assert after[0]["status"] == "整改中" and after[0]["indicator"] == top[0]
    assert [r["indicator"] for r in after].count(top[0]) == 1
    assert any(r["problem"] == "绩效目标未细化" and r["stage"] == "plan" and r["deadline"] == "2026-06-30" for r in after)
    assert len(after) == len(rows) + 1
    # every item keeps its own ID (事项编号) through rebuilds; the new row gets a new one
    assert [r["id"] for r in after if r["id"] in ids] == ids and len({r["id"] for r in after}) == len(after)
    # dropdowns: stage in Chinese, status 未整改/整改中/已整改
    sheet_xml = _sheet_xml(book, sheet)
    assert "计划,执行,检查,处理" in sheet_xml and "未整改,整改中,已整改" in sheet_xml


def test_the_report_gets_the_rectification_rows_and_meta(example, tmp_path):
    import docx

    from bpm_xl.service import report_file

    book = _copy(example, tmp_path)
    _set(book, {"BPM_UNIT": "测试区财政局", "BPM_YEAR": 2025})
    sheet, r0, c0, _, _ = _names(book)["BPM_RECTIFY"]
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[sheet].cell(r0 + 1, c0 + 4).value = "财政局预算科"
    wb.save(book)
    out = report_file(book, tmp_path / "r.docx", fmt="docx", draws=0).path
    d = docx.Document(str(out))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = [c.text for tb in d.tables for row in tb.rows for c in row.cells]
    assert "测试区财政局" in text
    assert "财政局预算科" in cells


# ----------------------------------------------------------------------------- panel growth
def _delphi_rows(path: Path, k: int) -> dict[str, list]:
    sheet, r0, c0, r1, c1 = _names(path)[f"BPM_DELPHI_{k}"]
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    return {ws.cell(r + 1, c0).value: [ws.cell(r + 1, c + 1).value for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)}


def test_panel_growth_lays_out_delphi_and_authority_rows_for_every_expert(tmp_path):
    book = tmp_path / "blank.xlsm"
    new_workbook(book, lang="zh", example=False, with_module=False)
    assert list(_delphi_rows(book, 1)) == ["E01", "E02", "E03"]

    def grow(d):
        experts = list(d.experts) + [{"code": f"E{k:02d}", "name": f"专家{k}", "ca": 0.8, "cs": 0.7} for k in range(4, 8)]
        delphi = [dict(rd) for rd in d.delphi]
        delphi[0]["E02"] = {**delphi[0].get("E02", {}), "F1": 4}
        return replace(d, experts=experts, delphi=delphi)

    rebuild_file(book, backup=False, update=grow)
    rows = _delphi_rows(book, 1)
    assert list(rows) == [f"E{k:02d}" for k in range(1, 8)]
    assert list(_delphi_rows(book, 2)) == [f"E{k:02d}" for k in range(1, 8)]
    assert rows["E02"][0] == 4
    sheet, r0, c0, _, _ = _names(book)["BPM_DELPHI_1"]
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[sheet].cell(r0 + 1 + 5, c0 + 2).value = 5                     # E06, second indicator
    wb.save(book)
    rebuild_file(book, backup=False)
    rows = _delphi_rows(book, 1)
    assert rows["E02"][0] == 4 and rows["E06"][1] == 5
    # authority rows (Weights) for all seven
    ew = _names(book)["BPM_EW"]
    assert ew[3] - ew[1] + 1 == 7
    # shrink: E07 (nothing typed) leaves; E06 leaves the panel but keeps its typed rating
    rebuild_file(book, backup=False, update=lambda d: replace(d, experts=[e for e in d.experts
                                                                          if e["code"] not in ("E06", "E07")]))
    rows = _delphi_rows(book, 1)
    assert list(rows) == ["E01", "E02", "E03", "E04", "E05", "E06"] and rows["E06"][1] == 5


# ----------------------------------------------------------------------------- Chinese edition
def _sheet_xml(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        wbxml = z.read("xl/workbook.xml").decode()
        import re

        names = re.findall(r'<sheet name="([^"]+)"', wbxml)
        return z.read(f"xl/worksheets/sheet{names.index(sheet) + 1}.xml").decode()


def test_chinese_edition_speaks_chinese(example, tmp_path):
    cells = read_cells(example)
    # PDCA stages on the indicator sheet and its dropdown: 计划/执行/检查/处理, read back as codes
    stages = {c.value for ref, c in cells["指标体系"].items() if ref.startswith("G") and ref != "G2"}
    assert stages <= {"计划", "执行", "检查", "处理"} and len(stages) == 4
    assert "计划,执行,检查,处理" in _sheet_xml(example, "指标体系")
    data, _ = read_workbook(example)
    assert {r["pdca"] for r in data.system_rows} == {"plan", "do", "check", "act"}
    # a stage typed as 检查 is accepted by rebuild and evaluate
    book = _copy(example, tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["指标体系"]["G3"].value = "检查"
    wb.save(book)
    assert rebuild_file(book, backup=False).evaluated
    assert evaluate_file(book).evaluation.system.indicator("F1").pdca == "check"
    # pass cells: 是/否, formula and stored value; never TRUE/1
    ev = evaluate_file(example).evaluation
    passes = [(ref, c) for ref, c in cells["权重"].items() if c.formula and "BPM_CR_THRESHOLD" in c.formula]
    assert len(passes) == len(ev.nodes)
    assert all(c.value in ("是", "否") for _, c in passes)
    goal = next(c for _, c in passes if "BPM_CR_0<" in c.formula)
    assert goal.value == ("是" if ev.nodes["GOAL"].aggregated.consistency_ratio < 0.1 else "否")
    # no "第  轮" without its number, no raw stage keys in the stage summary
    texts = [c.value for sheet in cells.values() for c in sheet.values() if isinstance(c.value, str)]
    assert not any("第  轮" in s for s in texts)
    assert not {"plan", "do", "check", "act"} & set(texts)


# ----------------------------------------------------------------------------- what the file is
def _guide(path: Path) -> list[str]:
    return [c.value for ref, c in sorted(read_cells(path)["说明"].items(), key=lambda x: int(x[0][1:]))
            if ref.startswith("A")]


def test_the_guide_says_example_own_or_blank_and_macro_or_portable(example, tmp_path):
    assert "示例数据" in _guide(example)[1] and "含宏" in _guide(example)[2]
    book = _copy(example, tmp_path)
    rebuild_file(book, backup=False)
    assert "示例数据" in _guide(book)[1]                  # a rebuild that changed nothing
    sheet, r0, c0, _, _ = _names(book)["BPM_SURVEY"]
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[sheet]
    ws.cell(r0 + 1, c0 + 1).value = 5 if ws.cell(r0 + 1, c0 + 1).value != 5 else 4
    wb.save(book)
    rebuild_file(book, backup=False)
    assert "本单位录入的数据" in _guide(book)[1]
    assert read_workbook(book)[0].example is False
    assert _cell(book, "BPM_DATA").value == "本单位数据"
    blank = tmp_path / "blank.xlsm"
    new_workbook(blank, lang="zh", example=False, with_module=False)
    assert "空白" in _guide(blank)[1]
    portable = export_file(book, tmp_path / "p.xlsx")
    guide = _guide(portable)
    assert "便携版" in guide[2] and not any("启用宏" in (g or "") for g in guide)


# ----------------------------------------------------------------------------- Python check
def test_one_dashboard_cell_says_when_python_functions_cannot_run(example, tmp_path):
    cells = read_cells(example)["仪表盘"]
    check = cells["A2"]
    assert "ISERROR(AHP_LAMBDA_MAX(BPM_PROBE))" in check.formula and "ERROR.TYPE(BPM_TOTAL)=5" in check.formula
    assert not check.value                                   # the stored function values are valid
    assert "_portable.xlsx" in check.formula and "--portable" in check.formula
    # the portable file has no such cell (it has no Python function to fail)
    portable = export_file(example, tmp_path / "p.xlsx")
    assert not any(c.formula and "AHP_" in c.formula for sh in read_cells(portable).values() for c in sh.values())


@pytest.mark.libreoffice
def test_libreoffice_with_default_settings_shows_the_python_warning(example, tmp_path):
    """LibreOffice cannot run the Python functions: with its default settings (no forced
    recalculation) the check cell says so, while the stored figures stay as bpm-xl wrote them."""
    from tests.libreoffice import available, convert

    if not available():
        pytest.skip("LibreOffice is not installed")
    out = convert(_copy(example, tmp_path, "lo.xlsm"), tmp_path / "lo", recalc=False)
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb["仪表盘"]["A2"].value == text("python_missing", "zh")
    assert wb["仪表盘"]["B4"].value == pytest.approx(evaluate_file(example).evaluation.total, rel=1e-12)


# ----------------------------------------------------------------------------- buttons / macros
def test_the_vba_project_has_the_buttons_macros_calling_bpm_xl_macros():
    project = vba.vba_project()
    assert not vba.check_vba_project(project)
    source = vba.module_sources(project)[vba.REBUILD_MODULE]
    for sub, (fn, _) in vba.MACRO_TARGETS.items():
        assert f'Sub {sub}()' in source
        assert f'RunPython "import bpm_xl.macros; bpm_xl.macros.{fn}()"' in source
        assert callable(getattr(macros, fn))
    assert (FORMS_MACRO, COLLECT_MACRO, REPORT_MACRO) == (vba.FORMS_MACRO, vba.COLLECT_MACRO, vba.REPORT_MACRO)
    assert vba.project_macros(project) == set(vba.MACRO_TARGETS)
    assert vba.project_macros(None) == frozenset()


def test_the_dashboard_has_the_buttons_beside_rebuild(example):
    with zipfile.ZipFile(example) as z:
        vml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/drawings/vmlDrawing"))
    for m in ("BpmRebuild", FORMS_MACRO, COLLECT_MACRO, REPORT_MACRO):
        assert m.encode() in vml
    assert "BpmForms" in "\n".join(_guide(example))


class _Caller:
    """The book xw.Book.caller() gives, with the file it was opened from (the replay harness
    has no file of its own)."""

    def __init__(self, book, path: Path) -> None:
        self._book, self.fullname, self.saved = book, str(path), 0

    def save(self) -> None:
        self.saved += 1

    def __getattr__(self, name):
        return getattr(self._book, name)


def test_forms_and_report_buttons_write_next_to_the_workbook(example, tmp_path):
    book = _copy(example, tmp_path, "新 工作簿.xlsm")
    caller = _Caller(None, book)
    msg = macros.forms(caller)
    files = sorted((tmp_path / "新 工作簿_forms").glob("*.xlsx"))
    assert len(files) == 15 and str(len(files)) in msg and caller.saved == 1
    out = macros.report(caller)
    assert Path(out) == tmp_path / "新 工作簿_report.docx" and Path(out).exists()


def test_collect_button_writes_returned_forms_into_the_live_workbook(example, tmp_path):
    from bpm_xl.service import write_forms

    before = evaluate_file(example).evaluation.to_dict()
    forms = write_forms(example, tmp_path / "sent", 1, "zh", "row")
    hub = _copy(example, tmp_path)

    def clear(d):
        judg = {node: {e: ({} if e == "E03" else cells) for e, cells in per.items()} for node, per in d.judgments.items()}
        experts = [{**e, "ca": None, "cs": None} if e["code"] == "E03" else e for e in d.experts]
        return replace(d, judgments=judg, experts=experts)

    rebuild_file(hub, backup=False, update=clear)
    returned = tmp_path / "book_returned"
    returned.mkdir()
    shutil.copy2(next(f for f in forms if f.name.startswith("E03")), returned)
    remote = xw.Book(json=payload_from_grids(load_grids(hub), book_name=hub.name))
    msg = macros.collect(_Caller(remote, hub))
    assert "E03" in msg
    out = tmp_path / "replayed.xlsm"
    replay(remote.json()["actions"], hub, out)
    assert evaluate_file(out).evaluation.to_dict() == before


def test_the_macro_text_prefix_keeps_user_text_as_text():
    from bpm_xl.layout.types import Formula, SheetPlan

    sp = SheetPlan("x", "x", "input")
    sp.add(0, 0, [["=1+1", Formula("=1+1"), "-3 记", None]])
    assert livebook.dense(sp) == [["'=1+1", "=1+1", "'-3 记", ""]]


def test_the_macro_rebuild_updates_the_data_kind_and_keeps_typed_rectification(example, tmp_path):
    book = _copy(example, tmp_path)
    names = _names(book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    sheet, r0, c0, _, _ = names["BPM_SURVEY"]
    ws = wb[sheet]
    ws.cell(r0 + 1, c0 + 1).value = 5 if ws.cell(r0 + 1, c0 + 1).value != 5 else 4
    rs, q0, qc, _, _ = names["BPM_RECTIFY"]
    wb[rs].cell(q0 + 1, qc + 4).value = "财政局预算科"
    wb.save(book)
    remote = xw.Book(json=payload_from_grids(load_grids(book), book_name=book.name))
    summary = macros.rebuild(remote)
    assert summary.problem is None
    out = tmp_path / "replayed.xlsm"
    replay(remote.json()["actions"], book, out)
    data, _ = read_workbook(out)
    assert "本单位录入的数据" in _guide(out)[1]
    assert _cell(out, "BPM_DATA").value == "本单位数据"
    assert data.rectification[0]["responsible"] == "财政局预算科"
    from bpm_xl.findings import classify

    problems = {f.code for e in (evaluate_file(example).evaluation, evaluate_file(out).evaluation)
                for f in classify(e).problems}
    assert sorted(r["indicator"] for r in data.rectification) == sorted(problems)  # one row each, none twice
