"""The workbook reader (bpm_xl.readers.workbook): errors placed in their cell, metadata, and
crafted or foreign files refused early and cheaply with one line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.errors import MatrixValueError, ScaleError, SettingsError, WorkbookError
from bpm_xl.readers.workbook import load_grids, read_inputs
from bpm_xl.service import evaluate_file
from bpm_xl.service import new_workbook


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return new_workbook(tmp_path_factory.mktemp("wb") / "book.xlsm", lang="zh", example=True)


@pytest.fixture()
def book(pristine, tmp_path):
    path = tmp_path / "book.xlsm"
    shutil.copy(pristine, path)
    return path


def _edit(path, sheet, cell, value):
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb[sheet][cell] = value
    wb.save(path)


def _rezip(path: Path, member: str, change) -> None:
    """Rewrite one zip member (crafted files without going through a spreadsheet library)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, change(data) if info.filename == member else data)
    tmp.replace(path)


def _sheet_member(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        wb = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="(rId\d+)"', wb).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    t = target.group(1)
    return t.lstrip("/") if t.startswith("/") else "xl/" + t


@pytest.mark.parametrize("sheet, cell, value, error, where", [
    ("问卷", "F7", 7, ScaleError, "sheet 问卷, cell F7"),
    ("判断矩阵", "E12", "x", MatrixValueError, "sheet 判断矩阵, cell E12"),
    ("德尔菲", "C8", "#N/A", ScaleError, "sheet 德尔菲, cell C8"),
    ("设置", "B7", "abc", SettingsError, "sheet 设置, cell B7"),
])
def test_core_errors_are_placed_from_their_fields(book, sheet, cell, value, error, where):
    _edit(book, sheet, cell, value)
    with pytest.raises(error) as info:
        evaluate_file(book)
    exc = info.value
    assert str(exc).startswith(f"book.xlsm: {where}: ") and "\n" not in str(exc)
    assert (exc.file, exc.sheet, exc.cell) == ("book.xlsm", sheet, cell)


def test_expert_authority_error_names_its_cell(book):
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["专家"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "E03").offset(0, 2)
    cell.value = 1.5
    wb.save(book)
    with pytest.raises(ScaleError, match=rf"^book\.xlsm: sheet 专家, cell {cell.coordinate}: ca: expert 3 "):
        evaluate_file(book)


def test_error_cells_are_refused_not_read_as_blank(book):
    # a formula that evaluates to #DIV/0! in a survey cell: openpyxl writes t="e"; calamine alone reads ""
    _edit(book, "问卷", "C3", "#DIV/0!")
    with pytest.raises(ScaleError, match=r"^book\.xlsm: sheet 问卷, cell C3: .* is the error value #DIV/0!"):
        evaluate_file(book)


@pytest.mark.parametrize("sheet, cell, formula", [
    ("问卷", "C3", "=3+1"),          # a survey answer
    ("判断矩阵", "E12", "=1/3"),     # a judgment
    ("专家", "C3", "=0.8"),          # an expert's authority
    ("设置", "B9", "=0.1"),          # a setting
])
def test_a_formula_without_its_stored_result_is_refused_not_read_as_blank(book, sheet, cell, formula):
    # openpyxl (like any program that does not calculate) saves a formula with no result: its value
    # is unknown, so every command that reads the cell refuses it by name and changes nothing
    _edit(book, sheet, cell, formula)
    before = book.read_bytes()
    for command in ("evaluate", "rebuild"):
        r = CliRunner().invoke(app, [command, str(book)])
        assert r.exit_code == 2, r.output
        lines = [ln for ln in r.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and f"book.xlsm: sheet {sheet}, cell {cell}: the cell holds a formula " \
            f"({formula}) whose result is not stored" in lines[0], lines
        assert book.read_bytes() == before


def test_formulas_with_stored_results_and_uncomputed_formulas_outside_the_inputs_read(book, pristine):
    # a formula with its result stored (as Excel, WPS and LibreOffice save) reads as that result;
    # an uncomputed formula in a cell no input range covers is not read, so it is not refused
    _edit(book, "设置", "F40", "=1+1")    # openpyxl drops every stored result, the outputs' too
    assert evaluate_file(book).evaluation.total == evaluate_file(pristine).evaluation.total
    member = _sheet_member(book, "问卷")
    _rezip(book, member, lambda x: re.sub(rb'<c r="C3"([^>]*?)(?:/>|>.*?</c>)',
                                          rb'<c r="C3"\1><f>2+2</f><v>4</v></c>', x, count=1, flags=re.S))
    assert evaluate_file(book).evaluation.total == evaluate_file(pristine).evaluation.total


def test_a_formula_whose_result_is_empty_text_is_a_blank_not_an_uncomputed_formula(book):
    # =IF(...,"") stores an empty text result: <c t="str"><f>..</f><v></v></c>
    member = _sheet_member(book, "问卷")
    _rezip(book, member, lambda x: re.sub(rb'<c r="C3"([^>]*?)(?:/>|>.*?</c>)',
                                          rb'<c r="C3" t="str"><f>IF(1,"","")</f><v></v></c>', x, count=1, flags=re.S))
    assert load_grids(book).cell("问卷", 2, 2) is None
    evaluate_file(book)   # a blank answer is a blank


def test_uncomputed_formulas_are_found_across_the_reading_chunks(tmp_path):
    # the sheet is streamed in 4 MiB pieces cut after a row tag: a cell never falls between two
    from bpm_xl.readers.workbook import _uncomputed

    rows, want = [], {}
    for r in range(1, 70001):
        cells = f'<c r="A{r}"><v>{r}</v></c><c r="B{r}" t="s"><v>0</v></c>'
        if r % 9973 == 0 or r in (1, 70000):
            cells += f'<c r="C{r}"><f>A{r}&amp;"x"</f></c><c r="D{r}"><f>1</f><v></v></c>'
            want[(r - 1, 2)] = f'=A{r}&"x"'
            want[(r - 1, 3)] = "=1"
        cells += f'<c r="E{r}"><f>A{r}</f><v>{r}</v></c><c r="F{r}" t="str"><f>""</f><v></v></c>'
        rows.append(f'<row r="{r}">{cells}</row>')
    xml = "<worksheet><sheetData>" + "".join(rows) + "</sheetData></worksheet>"
    assert len(xml) > 2 * (1 << 22)
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    with zipfile.ZipFile(path) as zf:
        assert _uncomputed(zf, "sheet.xml") == want


def test_meta_from_defined_names(book):
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["设置"]
    for k, (key, value) in enumerate((("UNIT", "某县财政局"), ("YEAR", 2025), ("EVALUATOR", "张三"))):
        ws.cell(40 + k, 2, value)
        wb.defined_names[f"BPM_{key}"] = DefinedName(f"BPM_{key}", attr_text=f"'设置'!$B${40 + k}")
    wb.save(book)
    meta = read_inputs(book).meta
    assert (meta.unit, meta.year, meta.evaluator) == ("某县财政局", "2025", "张三")


def test_old_files_have_empty_meta(pristine):
    meta = read_inputs(pristine).meta
    assert (meta.unit, meta.year, meta.evaluator) == ("", "", "")


def test_a_lock_file_does_not_block_reading(book):
    lock = book.parent / f"~${book.name}"
    lock.write_text("x")
    other = book.parent / f".~lock.{book.name}#"
    other.write_text("x")
    assert evaluate_file(book).evaluation.rating.grade


@pytest.mark.parametrize("name, content, advice", [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, r"save it as \.xlsm"),
    ("answers.csv", "编号,F1\n1,5\n".encode(), r"bpm-xl import-survey"),
    ("sheet.ods", b"PK\x03\x04" + b"\0" * 100, r"LibreOffice: File > Save As > Excel 2007-365 \(\.xlsm\)"),
    ("renamed.xlsm", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, r"\.xls file; open it in Excel and save"),
    ("renamed2.xlsm", "编号,F1\n1,5\n".encode(), r"CSV file"),
])
def test_foreign_files_say_what_to_do(tmp_path, name, content, advice):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=advice) as info:
        load_grids(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_an_ods_renamed_xlsm_is_recognised(tmp_path):
    path = tmp_path / "renamed.xlsm"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(WorkbookError, match=r"^renamed\.xlsm: the file is named \.xlsm but is an OpenDocument"):
        load_grids(path)


def test_a_zip_bomb_member_is_refused_before_loading(book):
    bomb = b"<x>" + b" " * (300 * 1024 * 1024) + b"</x>"  # 300 MiB of spaces, ~300 KiB compressed
    _rezip(book, "xl/sharedStrings.xml", lambda data: bomb)
    with pytest.raises(WorkbookError, match=r"^book\.xlsm: the part xl/sharedStrings\.xml unpacks to 300 MiB"):
        load_grids(book)


def test_a_highly_compressed_member_is_refused(book):
    _rezip(book, "xl/sharedStrings.xml", lambda data: data + b"<!--" + b"a" * (50 * 1024 * 1024) + b"-->")
    with pytest.raises(WorkbookError, match=r"the part xl/sharedStrings\.xml is compressed .*:1 \(limit 200:1\)"):
        load_grids(book)


def test_a_far_value_below_an_input_range_is_refused_with_its_cell(book):
    member = _sheet_member(book, "问卷")
    _rezip(book, member, lambda x: x.replace(b"</sheetData>", b'<row r="1048576"><c r="C1048576"><v>3</v></c></row>'
                                                              b"</sheetData>"))
    with pytest.raises(WorkbookError, match=r"^book\.xlsm: sheet 问卷, cell C1048576: a value lies at C1048576"):
        evaluate_file(book)


# Peak memory of the child alone: VmHWM (the process image's high-water mark). ru_maxrss would
# carry the pytest parent's peak across fork + exec on Linux.
STRAY = """
import re, resource, sys
from bpm_xl.service import evaluate_file
ev = evaluate_file(sys.argv[1]).evaluation
try:
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(ev.rating.grade, peak)
"""


@pytest.mark.parametrize("sheet", ["问卷", "判断矩阵", "指标体系", "评价"])
def test_one_stray_cell_at_xfd1048576_neither_allocates_nor_changes_figures(book, pristine, sheet):
    try:
        member = _sheet_member(book, sheet)
    except AttributeError:
        pytest.skip(f"no sheet {sheet}")
    _rezip(book, member, lambda x: x.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c>'
                                                              b"</row></sheetData>"))
    out = subprocess.run([sys.executable, "-c", STRAY, str(book)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    grade, rss_kib = out.stdout.split()
    assert grade == evaluate_file(pristine).evaluation.rating.grade
    assert int(rss_kib) < 300 * 1024, f"peak RSS {int(rss_kib) / 1024:.0f} MiB"


def test_a_stray_cell_written_with_attributes_first_is_found_too(book):
    member = _sheet_member(book, "问卷")
    _rezip(book, member, lambda x: x.replace(b"</sheetData>", b'<row r="1048576"><c s="0" r="D1048576"><v>3</v>'
                                                              b"</c></row></sheetData>"))
    with pytest.raises(WorkbookError, match=r"sheet 问卷, cell D1048576: a value lies at D1048576"):
        evaluate_file(book)
