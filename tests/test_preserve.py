"""Rebuild keeps what it does not own: the data-safety and moved-name tests.

A workbook is given what a user adds: an extra sheet (values, a formula, a merged range,
number format, font, fill, border, width, height, freeze panes), a hidden extra sheet, notes on
an input sheet and on the extra sheet, sheet and workbook protection (with password hashes),
a note beyond the survey columns, a user formula typed into an input cell (with the value
Excel cached), a name of the user's own. ``bpm-xl rebuild`` (the command line) must keep all
of it; LibreOffice (no recalculation) must show it. A defined name bpm-xl relies on that was
moved, narrowed or removed makes the rebuild refuse, the file unchanged.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.workbook.protection import WorkbookProtection

from bpm_xl.errors import WorkbookError
from bpm_xl.readers.preserve import check_defined_names, read_preserved
from bpm_xl.service import new_workbook

from .hostile.conftest import Package, run, sha

EXTRA = "我的台账"
HIDDEN = "隐藏备查"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("pres") / "book.xlsm", lang="zh", example=True, with_module=False)


def _user_workbook(src: Path, dst: Path) -> dict:
    """What a user adds to a bpm-xl workbook, saved as Excel would (openpyxl, then XML for the
    cached value of a formula typed into an input cell)."""
    shutil.copy2(src, dst)
    wb = openpyxl.load_workbook(dst, keep_vba=True)
    ws = wb.create_sheet(EXTRA, index=2)            # between our sheets
    ws["A1"] = "项目"
    ws["B1"] = "金额"
    ws["A2"] = "办公费"
    ws["B2"] = 1234.5
    ws["B2"].number_format = "#,##0.00"
    ws["A3"] = "合计"
    ws["B3"] = "=B2*2"
    ws["A1"].font = Font(bold=True, color="FFC00000")
    ws["B1"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws["A3"].border = Border(bottom=Side(style="thin"))
    ws.merge_cells("D1:F2")
    ws["D1"] = "审计说明"
    ws.column_dimensions["A"].width = 30
    ws.row_dimensions[2].height = 28
    ws.freeze_panes = "A2"
    ws["A1"].comment = Comment("台账的说明", "李四")
    ws.protection.sheet = True
    ws.protection.password = "secret"
    hid = wb.create_sheet(HIDDEN)
    hid["A1"] = "内部备查"
    hid.sheet_state = "hidden"
    survey = wb["问卷"]
    survey["B3"].comment = Comment("第1份问卷已核对", "张三")
    survey["W5"] = "复核：王五"                      # beyond the survey columns (B..U)
    wb.security = WorkbookProtection(workbookPassword="secret", lockStructure=True)
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["我的合计"] = DefinedName("我的合计", attr_text=f"'{EXTRA}'!$B$3")
    wb.save(dst)
    # a formula typed into an input cell, with the value Excel cached for it
    pkg = Package(dst)
    b5 = float(pkg.cell_text("问卷", "B5"))
    pkg.set_cell("问卷", "C5", ("B5", repr(b5)), kind="formula")
    pkg.set_cell(EXTRA, "B3", ("B2*2", "2469"), kind="formula")   # Excel caches what it computed
    pkg.save(dst)
    with zipfile.ZipFile(dst) as zf:
        sheet_xml = {n: zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/sheet")}
        book_xml = zf.read("xl/workbook.xml").decode()
    protect = [re.search(r"<sheetProtection[^>]*/>", x).group(0) for x in sheet_xml.values() if "<sheetProtection" in x]
    return {"b5": b5, "sheet_protection": protect, "book_protection": re.search(r"<workbookProtection[^>]*/>", book_xml).group(0)}


@pytest.fixture(scope="module")
def rebuilt(pristine, tmp_path_factory):
    d = tmp_path_factory.mktemp("rebuilt")
    book = d / "book.xlsm"
    facts = _user_workbook(pristine, book)
    before = run(["evaluate", "book.xlsm", "--json"], d)
    run(["rebuild", "book.xlsm", "-q"], d, expect=(0,))
    after = run(["evaluate", "book.xlsm", "--json"], d)
    return book, facts, json.loads(before.out), json.loads(after.out)


def test_extra_sheet_keeps_values_formula_look_and_place(rebuilt):
    book, *_ = rebuilt
    wb = openpyxl.load_workbook(book, keep_vba=True)
    names = wb.sheetnames
    assert names.index(EXTRA) == 2 and names.index(HIDDEN) == len(names) - 1, names
    ws = wb[EXTRA]
    assert [ws["A1"].value, ws["B1"].value, ws["A2"].value, ws["B2"].value] == ["项目", "金额", "办公费", 1234.5]
    assert ws["B3"].value == "=B2*2"
    assert ws["B2"].number_format == "#,##0.00"
    assert ws["A1"].font.b and ws["A1"].font.color.rgb.endswith("C00000")
    assert ws["B1"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws["A3"].border.bottom.style == "thin"
    assert [str(r) for r in ws.merged_cells.ranges] == ["D1:F2"] and ws["D1"].value == "审计说明"
    assert ws.column_dimensions["A"].width == pytest.approx(30, abs=0.8)
    assert ws.row_dimensions[2].height == pytest.approx(28, abs=0.5)  # XlsxWriter rounds to pixels
    assert ws.freeze_panes == "A2"
    assert wb[HIDDEN].sheet_state == "hidden" and wb[HIDDEN]["A1"].value == "内部备查"
    assert wb.defined_names["我的合计"].attr_text == f"'{EXTRA}'!$B$3"
    values = openpyxl.load_workbook(book, data_only=True)[EXTRA]
    assert values["B3"].value == pytest.approx(2469.0)     # cached value of the user's formula


def test_notes_on_our_sheets_and_theirs_are_kept(rebuilt):
    book, *_ = rebuilt
    wb = openpyxl.load_workbook(book, keep_vba=True)
    assert wb["问卷"]["B3"].comment is not None and wb["问卷"]["B3"].comment.text == "第1份问卷已核对"
    assert wb["问卷"]["B3"].comment.author == "张三"
    assert wb[EXTRA]["A1"].comment.text == "台账的说明"
    assert wb["问卷"]["W5"].value == "复核：王五"


def test_sheet_and_workbook_protection_are_kept_with_their_hashes(rebuilt):
    book, facts, *_ = rebuilt
    with zipfile.ZipFile(book) as zf:
        sheets = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        wbxml = zf.read("xl/workbook.xml").decode()
    protect = [re.search(r"<sheetProtection[^>]*/>", x).group(0) for x in sheets if "<sheetProtection" in x]
    assert protect == facts["sheet_protection"]
    assert facts["book_protection"] in wbxml
    # schema order: after sheetData; after workbookPr, before bookViews
    for x in sheets:
        if "<sheetProtection" in x:
            assert x.index("</sheetData>") < x.index("<sheetProtection") < x.index("<mergeCells")
    assert wbxml.index("<workbookPr") < wbxml.index("<workbookProtection") < wbxml.index("<bookViews")
    wb = openpyxl.load_workbook(book, keep_vba=True)
    assert wb[EXTRA].protection.sheet and wb.security.lockStructure


def test_user_formula_in_an_input_cell_keeps_formula_and_value(rebuilt):
    book, facts, before, after = rebuilt
    wb = openpyxl.load_workbook(book, keep_vba=True)
    assert wb["问卷"]["C5"].value == "=B5"
    cached = openpyxl.load_workbook(book, data_only=True)["问卷"]["C5"].value
    assert cached == pytest.approx(facts["b5"])
    assert after["total"] == pytest.approx(before["total"], rel=1e-15)


def test_rebuild_is_idempotent_with_preserved_content(rebuilt, tmp_path):
    book, *_ = rebuilt
    copy = Path(shutil.copy2(book, tmp_path / "book.xlsm"))
    run(["rebuild", "book.xlsm", "-q"], tmp_path, expect=(0,))
    once = sha(copy)
    run(["rebuild", "book.xlsm", "-q"], tmp_path, expect=(0,))
    assert sha(copy) == once


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_without_recalculation_shows_the_kept_content(rebuilt, tmp_path):
    from tests import libreoffice

    if not libreoffice.available():
        pytest.skip("LibreOffice is not installed")
    book, facts, *_ = rebuilt
    out = libreoffice.convert(book, tmp_path, fmt="xlsx", recalc=False)
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb[EXTRA]["B3"].value == pytest.approx(2469.0)
    assert wb[EXTRA]["D1"].value == "审计说明"
    assert wb["问卷"]["C5"].value == pytest.approx(facts["b5"])
    assert wb["问卷"]["W5"].value == "复核：王五"
    assert wb["问卷"]["B3"].comment is not None
    assert wb[EXTRA].protection.sheet


# --------------------------------------------------------------------------------- moved names
def _set_name(pkg: Package, name: str, refers: str | None) -> None:
    xml = pkg.text("xl/workbook.xml")
    pat = rf'<definedName name="{name}"[^>]*>[^<]*</definedName>'
    assert re.search(pat, xml)
    xml = re.sub(pat, "" if refers is None else f'<definedName name="{name}">{refers}</definedName>', xml)
    pkg.set_text("xl/workbook.xml", xml)


CHANGES = {
    "survey moved": ("BPM_SURVEY", "'问卷'!$B$5:$U$704", "moved"),
    "survey narrowed": ("BPM_SURVEY", "'问卷'!$B$3:$P$702", "narrowed"),
    "judgments moved": ("BPM_J_1", "'判断矩阵'!$C$70:$G$144", "moved"),
    "judgments narrowed": ("BPM_J_1", "'判断矩阵'!$C$68:$G$100", "narrowed"),
    "judgments removed": ("BPM_J_1", None, "removed"),
    "indicators on another sheet": ("BPM_INDICATORS", "'专家'!$A$2:$G$22", "moved"),
}


@pytest.mark.parametrize("record", [True, False], ids=["with-record", "old-file"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_rebuild_refuses_a_moved_narrowed_or_removed_name(pristine, change, record, tmp_path):
    name, refers, what = CHANGES[change]
    if not record and (what == "narrowed" or change == "judgments moved"):
        pytest.skip("files without a layout record: checked for moves to another sheet, removals and "
                    "fixed-position names only (a judgment block's row depends on the panel size)")
    book = Path(shutil.copy2(pristine, tmp_path / "book.xlsm"))
    pkg = Package(book)
    _set_name(pkg, name, refers)
    if not record:
        pkg.members.pop("docProps/custom.xml")
        pkg.infos = [i for i in pkg.infos if i.filename != "docProps/custom.xml"]
        for part in ("[Content_Types].xml", "_rels/.rels"):
            pkg.set_text(part, re.sub(r"<(?:Override|Relationship)[^>]*custom[^>]*/>", "", pkg.text(part)))
    pkg.save(book)
    r = run(["rebuild", "book.xlsm", "-q"], tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert name in r.err and what in r.err, r.err
    if refers is not None:
        assert refers.split("!")[1] in r.err, r.err


def test_a_grown_survey_range_is_accepted(pristine, tmp_path):
    book = Path(shutil.copy2(pristine, tmp_path / "book.xlsm"))
    pkg = Package(book)
    _set_name(pkg, "BPM_SURVEY", "'问卷'!$B$3:$U$900")
    pkg.save(book)
    run(["rebuild", "book.xlsm", "-q"], tmp_path, expect=(0,))


def test_check_defined_names_rules():
    written = {"BPM_SURVEY": "'问卷'!$B$3:$U$702", "BPM_J_1": "'判断矩阵'!$C$68:$G$142"}
    check_defined_names(dict(written), written)                                    # unchanged
    check_defined_names({**written, "BPM_SURVEY": "'问卷'!$B$3:$U$300"}, written)  # survey rows may shrink
    check_defined_names({**written, "BPM_J_1": "'判断矩阵'!$C$68:$G$150"}, written)  # grown
    with pytest.raises(WorkbookError, match=r"BPM_J_1 was narrowed: it points to '判断矩阵'!\$C\$68:\$G\$100"):
        check_defined_names({**written, "BPM_J_1": "'判断矩阵'!$C$68:$G$100"}, written, "b.xlsm")
    with pytest.raises(WorkbookError, match="BPM_SURVEY was removed"):
        check_defined_names({"BPM_J_1": written["BPM_J_1"]}, written)
    with pytest.raises(WorkbookError, match="BPM_SURVEY was moved"):
        check_defined_names({**written, "BPM_SURVEY": "'问卷'!$C$3:$V$702"}, written)
    with pytest.raises(WorkbookError, match="BPM_SURVEY now points to #REF!"):
        check_defined_names({**written, "BPM_SURVEY": "#REF!"}, written)


def test_read_preserved_of_a_fresh_workbook_holds_nothing_foreign(pristine):
    p = read_preserved(pristine)
    assert p.foreign_sheets == () and not p.sheet_protection and p.workbook_protection is None
    assert not any(p.notes.values()) and p.user_names == {}
    assert "BPM_SURVEY" in p.layout and p.layout["BPM_SURVEY"] == p.defined_names["BPM_SURVEY"]
    # bpm-xl's own formulas on input sheets (Delphi response rates) are recorded with their values
    assert all(f.cached is not None for f in p.input_formulas)


def test_a_chart_on_a_user_sheet_is_refused_not_dropped(pristine, tmp_path):
    from openpyxl.chart import BarChart, Reference

    book = Path(shutil.copy2(pristine, tmp_path / "book.xlsm"))
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb.create_sheet("图")
    for i in range(1, 4):
        ws.cell(i, 1, i)
    ch = BarChart()
    ch.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
    ws.add_chart(ch, "C1")
    wb.save(book)
    r = run(["rebuild", "book.xlsm", "-q"], tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert "图" in r.err and "drawing" in r.err, r.err


def test_a_moved_user_formula_is_refused(pristine, tmp_path):
    """After an indicator is added before F2, the survey column of C5 shifts: refused, named."""
    book = Path(shutil.copy2(pristine, tmp_path / "book.xlsm"))
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["指标体系"]
    ws.insert_rows(4)        # a new indicator F1b between F1 and F2
    for j, v in enumerate(["F", "财务维度", "Fiscal", "F1b", "新指标", "New", "plan"], start=1):
        ws.cell(4, j, v)
    wb.save(book)
    pkg = Package(book)
    pkg.set_cell("问卷", "C5", ("B5", "4.0"), kind="formula")
    pkg.save(book)
    r = run(["rebuild", "book.xlsm", "-q"], tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert "C5" in r.err and "=B5" in r.err, r.err
