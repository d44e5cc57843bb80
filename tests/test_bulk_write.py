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
from bpm_xl.writers import bulk, direct
from bpm_xl.writers.xlsx import write_workbook

from .workbook_compare import differences
from .xlsx_cells import read_cells

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


def _cells(raw: bytes) -> dict:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "x.xlsx").write_bytes(raw)
        return read_cells(Path(d) / "x.xlsx")


def _write(system, data) -> bytes:
    buf = io.BytesIO()
    write_workbook(plan_workbook(data, system, "zh"), buf, None)
    return buf.getvalue()


def test_a_survey_table_reads_as_the_list_written_cell_by_cell(example, monkeypatch):
    """The survey as a float array (rendered by writers.bulk, a chunk of rows at a time) and as
    a list written by XlsxWriter cell by cell: every cell the same, look included."""
    system, data = example
    rows = _odd_survey(data)
    with monkeypatch.context() as m:          # the list, written by XlsxWriter only
        m.setattr(direct, "DIRECT_MIN_CELLS", 10**12)
        slow = _write(system, dataclasses.replace(data, survey=rows))
    chunks = []
    real = bulk.rows_xml
    monkeypatch.setattr(bulk, "rows_xml", lambda chunk, *a: (chunks.append(chunk.shape), real(chunk, *a))[1])
    fast = _write(system, dataclasses.replace(data, survey=_table(rows)))
    assert chunks == [(len(rows), len(rows[0]))]   # the survey took the vectorised path
    assert differences(fast, slow) == []
    assert _cells(fast) == _cells(slow)


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
        m.setattr(direct, "DIRECT_MIN_CELLS", 10**12)
        service.rebuild_file(slow, backup=False)
    chunks = []
    real = bulk.rows_xml
    monkeypatch.setattr(bulk, "rows_xml", lambda chunk, *a: (chunks.append(chunk.shape), real(chunk, *a))[1])
    service.rebuild_file(fast, backup=False)  # the vectorised reader's SurveyTable, the bulk writer
    assert chunks  # the bulk path was taken
    assert differences(fast.read_bytes(), slow.read_bytes()) == []
    assert _cells(fast.read_bytes()) == _cells(slow.read_bytes())
    ws = openpyxl.load_workbook(fast)["问卷"]
    assert ws["W5"].value == "复核：王五" and ws["X9"].value == 7.25


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
    """livebook.dense (what the in-Excel rebuild writes) takes the array block as lists, NaN blank."""
    from bpm_xl.writers.livebook import dense

    system, data = example
    rows = _odd_survey(data)
    as_list = plan_workbook(dataclasses.replace(data, survey=rows), system, "zh").sheet("survey")
    as_table = plan_workbook(dataclasses.replace(data, survey=_table(rows)), system, "zh").sheet("survey")
    assert any(isinstance(b.cells, np.ndarray) for b in as_table.blocks)
    assert dense(as_table) == dense(as_list)


def test_replace_parts_keeps_every_other_member_as_it_was():
    import os
    import zlib

    src = io.BytesIO()
    with zipfile.ZipFile(src, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in (("a.xml", b"<x/>" * 50000), ("中文/b.bin", os.urandom(5000)), ("c", b""), ("big.xml", b"<y/>")):
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    out = bulk.replace_parts(src.getvalue(), {"big.xml": (lambda xml, write: [write(xml[:2]), write(b"z" * 10**6), write(xml[2:])], 10**6)})
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(io.BytesIO(out))
    assert b.testzip() is None
    assert [(i.filename, i.date_time, i.external_attr, i.compress_type) for i in a.infolist()] == \
        [(i.filename, i.date_time, i.external_attr, i.compress_type) for i in b.infolist()]
    for name in ("a.xml", "中文/b.bin", "c"):
        assert a.read(name) == b.read(name)
        assert a.getinfo(name).compress_size == b.getinfo(name).compress_size   # zlib's default level, as before
    assert b.read("big.xml") == b"<y" + b"z" * 10**6 + b"/>"
    level1 = len(zlib.compress(b"<y" + b"z" * 10**6 + b"/>", bulk.ZIP_LEVEL)) - 6   # raw deflate: no zlib header/trailer
    assert b.getinfo("big.xml").compress_size == level1
