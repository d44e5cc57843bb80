"""A survey held as a SurveyTable is written by writers.bulk (its cells spliced into the sheet XML):
the file must be the one the cell-by-cell path writes for the same answers as a list of dicts.

Compared part by part after decompression (the spliced sheet part is compressed at another
level, so the zip bytes legitimately differ), then read back with openpyxl and python-calamine.
"""

from __future__ import annotations

import dataclasses
import io
import math
import shutil
import zipfile

import numpy as np
import openpyxl
import pytest

from bpm_xl import service
from bpm_xl.example import load_example
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.data import data_from_inputs, data_kind
from bpm_xl.layout.types import SurveyTable
from bpm_xl.writers.xlsx import write_workbook

#: Answers the fast path must write as XlsxWriter does: whole, halves, thirds, 17 digits, tiny, large.
ODD = [3.5, 1 / 3, 0.1 + 0.2, 1e-7, 1234567.125, 2.0000000000000004, 4.0]


def _table(rows: list[dict]) -> SurveyTable:
    codes = list(dict.fromkeys(c for r in rows for c in r))
    return SurveyTable(codes, np.array([[math.nan if r.get(c) is None else float(r[c]) for c in codes] for r in rows]))


@pytest.fixture(scope="module")
def example():
    inputs = load_example()
    return inputs.system, data_from_inputs(inputs)


def _odd_survey(data) -> list[dict]:
    rows = [dict(r) for r in data.survey]
    codes = list(rows[0])
    for k, v in enumerate(ODD):                 # odd numbers here and there
        rows[3 + k][codes[k % len(codes)]] = v
    rows[5][codes[0]] = None                    # blanks inside a row
    rows[5][codes[-1]] = None
    rows[7] = {c: None for c in codes}           # a respondent id with no answers
    rows[-1] = {c: None for c in codes}          # ... also the last row
    return rows


def _members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _write(system, data) -> bytes:
    buf = io.BytesIO()
    write_workbook(plan_workbook(data, system, "zh"), buf, None)
    return buf.getvalue()


def test_a_survey_table_writes_the_same_parts_as_the_list(example):
    system, data = example
    rows = _odd_survey(data)
    slow = _write(system, dataclasses.replace(data, survey=rows))
    fast = _write(system, dataclasses.replace(data, survey=_table(rows)))
    a, b = _members(slow), _members(fast)
    assert list(a) == list(b)
    for name in a:
        assert a[name] == b[name], name
    assert slow != fast   # the survey part took the other path (compressed at bulk.ZIP_LEVEL)


def test_the_spliced_sheet_reads_back_in_openpyxl_and_calamine(example, tmp_path):
    system, data = example
    rows = _odd_survey(data)
    path = tmp_path / "fast.xlsx"
    path.write_bytes(_write(system, dataclasses.replace(data, survey=_table(rows))))
    codes = list(rows[0])
    # XlsxWriter writes a number with 16 significant digits (0.1 + 0.2 reads back as 0.3); so does bulk
    want = [[None if r.get(c) is None else float(format(r[c], ".16G")) for c in codes] for r in rows]
    ws = openpyxl.load_workbook(path)["问卷"]
    got = [[ws.cell(3 + i, 2 + j).value for j in range(len(codes))] for i in range(len(rows))]
    assert got == want
    styles = {ws.cell(3 + i, 2 + j).style_id for i in range(len(rows)) for j in range(len(codes))}
    assert len(styles) == 1 and ws.cell(3 + 7, 2).style_id in styles   # blanks carry the input style
    assert ws.max_row == 2 + len(rows)

    import python_calamine as calamine
    sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("问卷").to_python()
    grid = [[None if v == "" else v for v in row[1:1 + len(codes)]] for row in sheet[2:2 + len(rows)]]
    assert grid == want


def test_data_kind_of_a_survey_table_is_the_lists(example):
    _, data = example
    table = _table(list(data.survey))
    assert data_kind(data) == data_kind(dataclasses.replace(data, survey=table)) == "example"
    changed = table.values.copy()
    changed[150, 3] = 1.0 if changed[150, 3] != 1.0 else 2.0
    own = dataclasses.replace(data, survey=SurveyTable(table.codes, changed))
    assert data_kind(own) == "own"
    longer = SurveyTable(table.codes, np.vstack([table.values, np.full((4, len(table.codes)), np.nan)]))
    assert data_kind(dataclasses.replace(data, survey=longer)) == "example"   # blank rows: still the example
    blank = dataclasses.replace(data, judgments={}, delphi=[],
                                survey=SurveyTable(table.codes, np.full(table.values.shape, np.nan)))
    assert data_kind(blank) == "blank"
    assert data_kind(dataclasses.replace(blank, survey=[{c: None for c in table.codes}] * 3)) == "blank"


def test_rebuild_with_a_survey_table_keeps_the_users_cell_right_of_the_block(tmp_path, monkeypatch):
    book = service.new_workbook(tmp_path / "book.xlsm", lang="zh", example=True, with_module=False)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["问卷"]["W5"] = "复核：王五"            # beyond the survey columns (B..U)
    wb["问卷"]["X9"] = 7.25
    wb.save(book)
    slow, fast = tmp_path / "slow.xlsm", tmp_path / "fast.xlsm"
    shutil.copy2(book, slow)
    shutil.copy2(book, fast)
    from bpm_xl.readers import workbook as wbr

    with monkeypatch.context() as m:  # the general readers: the survey as a list, written cell by cell
        m.setattr(wbr, "_numeric_survey", lambda *a, **k: None)
        service.rebuild_file(slow, backup=False)
    from bpm_xl.writers import bulk

    deferred = []
    splice = bulk.splice_bytes
    monkeypatch.setattr(bulk, "splice_bytes", lambda data, blocks, directs=None: (deferred.extend(blocks), splice(data, blocks, directs))[1])
    service.rebuild_file(fast, backup=False)  # the vectorised reader's SurveyTable, the bulk writer
    assert deferred  # the bulk path was taken
    a, b = _members(slow.read_bytes()), _members(fast.read_bytes())
    assert list(a) == list(b)
    for name in a:
        assert a[name] == b[name], name
    ws = openpyxl.load_workbook(fast)["问卷"]
    assert ws["W5"].value == "复核：王五" and ws["X9"].value == 7.25


def test_the_quick_cell_writer_writes_xlsxwriters_bytes(example, monkeypatch):
    """writers.xlsxfast (formula preparation and cell XML) against XlsxWriter's own code: a
    workbook with values (formulas with number, text, error and boolean results) and its
    portable form, every part identical."""
    from bpm_xl import service as svc
    from bpm_xl.writers import xlsxfast
    from bpm_xl.writers.portable import portable_plan

    system, data = example
    a = svc.assess(data, "example")
    plan = plan_workbook(data, system, "zh", evaluation=a.evaluation, sensitivity=svc.sensitivity_of(a.inputs, a.evaluation))

    def both():
        out = []
        for p in (plan, portable_plan(plan, system)):
            buf = io.BytesIO()
            write_workbook(p, buf, None)
            out.append(_members(buf.getvalue()))
        return out

    quick = both()
    monkeypatch.setattr(xlsxfast, "install", lambda ws: None)
    for fast, slow in zip(quick, both()):
        assert list(fast) == list(slow)
        for name in fast:
            assert fast[name] == slow[name], name
    formulas = b"".join(v for k, v in quick[1].items() if k.startswith("xl/worksheets/"))
    assert formulas.count(b"<f>") > 1000 and b't="str"' in formulas   # the fast path had work to do


def test_dynamic_functions_still_take_xlsxwriters_path():
    import xlsxwriter

    from bpm_xl.writers.xlsxfast import install

    ws, plain = (xlsxwriter.Workbook(io.BytesIO()).add_worksheet() for _ in range(2))
    slow = ws._prepare_formula
    install(ws)
    formulas = ("=SUM(A1)", "{=XLOOKUP(1,A:A,B:B)}", "=IF(1,DROP(A1:A3,1))", "=MYDROP(1)", "=A.SINGLE(1)",
                "=SINGLE(A1)", "=_xlfn.SORT(A1)", '="FILTER("&A1', "=LET(x,1,x)", "={1,2}", "SUM(B2)", "{=SUM(A1:A2)}")
    for k, f in enumerate(formulas):
        assert ws._prepare_formula(f) == slow(f), f
        assert ws.write_formula(k, 0, f, None, 3) == plain.write_formula(k, 0, f, None, 3), f
        assert ws.table[k] == plain.table[k], f
    assert (ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax) == (
        plain.dim_rowmin, plain.dim_rowmax, plain.dim_colmin, plain.dim_colmax)


def test_copy_member_writes_the_bytes_writestr_writes():
    import os

    from bpm_xl.writers.bulk import copy_member

    src = io.BytesIO()
    with zipfile.ZipFile(src, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in (("a.xml", b"<x/>" * 50000), ("中文/b.bin", os.urandom(5000)), ("c", b"")):
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    zin = zipfile.ZipFile(io.BytesIO(src.getvalue()))
    raw, again = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(raw, "w") as zo:
        for info in zin.infolist():
            copy_member(zin, info, zo)
    with zipfile.ZipFile(again, "w") as zo:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type, zi.external_attr = info.compress_type, info.external_attr
            zo.writestr(zi, zin.read(info.filename))
    assert raw.getvalue() == again.getvalue()
    assert zipfile.ZipFile(raw).testzip() is None


def test_the_quick_rows_write_xlsxwriters_rows_and_spans(monkeypatch):
    """Rows with cells far apart, notes beyond the cells, row formats and heights, blank rows
    with a format only: the same sheet XML with and without writers.xlsxfast."""
    import xlsxwriter

    from bpm_xl.writers import xlsxfast

    def sheet(quick: bool) -> bytes:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        ws = wb.add_worksheet()
        if quick:
            xlsxfast.install(ws)
        bold = wb.add_format({"bold": True})
        for r in range(0, 70, 3):
            ws.write_number(r, r % 7, r * 0.5, bold)
            ws.write_formula(r, 40 + r % 5, f"=A{r + 1}*2", bold, r if r % 2 else "x")
            ws.write_blank(r + 1, 3, None, bold)
        ws.write_string(5, 60, "far right")
        ws.write_comment(20, 90, "a note beyond every cell")
        ws.write_comment(71, 2, "a note on an empty row")
        ws.set_row(33, 30, bold)
        ws.set_row(75, None, bold)
        ws.write_boolean(2, 1, True)
        wb.close()
        return _members(buf.getvalue())["xl/worksheets/sheet1.xml"]

    assert sheet(True) == sheet(False)


@pytest.mark.libreoffice
def test_libreoffice_reads_the_spliced_survey(example, tmp_path):
    """LibreOffice (no recalculation) opens the file and saves the survey's answers as written."""
    from .libreoffice import available, convert

    if not available():
        pytest.skip("LibreOffice is not installed")
    system, data = example
    rows = _odd_survey(data)
    path = tmp_path / "fast.xlsx"
    path.write_bytes(_write(system, dataclasses.replace(data, survey=_table(rows))))
    again = convert(path, tmp_path / "lo", "xlsx", recalc=False)
    ws = openpyxl.load_workbook(again)["问卷"]
    codes = list(rows[0])
    got = [[ws.cell(3 + i, 2 + j).value for j in range(len(codes))] for i in range(len(rows))]
    want = [[None if r.get(c) is None else float(format(r[c], ".16G")) for c in codes] for r in rows]
    assert [[v is None for v in row] for row in got] == [[v is None for v in row] for row in want]
    as_float = lambda g: np.array([[math.nan if v is None else v for v in row] for row in g], dtype=float)  # noqa: E731
    # LibreOffice saves a number with 15 significant digits (1/3 comes back as 0.333333333333333)
    np.testing.assert_allclose(as_float(got), as_float(want), rtol=1e-14)


def test_the_macro_writes_a_survey_table_as_it_writes_the_list(example):
    """macros.dense (what the in-Excel rebuild writes) takes the array block as lists, NaN blank."""
    from bpm_xl.macros import dense

    system, data = example
    rows = _odd_survey(data)
    as_list = plan_workbook(dataclasses.replace(data, survey=rows), system, "zh").sheet("survey")
    as_table = plan_workbook(dataclasses.replace(data, survey=_table(rows)), system, "zh").sheet("survey")
    assert any(isinstance(b.cells, np.ndarray) for b in as_table.blocks)
    assert dense(as_table) == dense(as_list)
