"""writers.direct renders the cells of large sheets itself and merges them into the part XlsxWriter
wrote: the file must read, cell for cell, as the one XlsxWriter writes cell by cell for the same plan.

Each case writes the same plan twice, with the renderer on every sheet it may take (threshold 0)
and off (threshold above any sheet), and compares every cell's formula text, cached value and
type as stored (tests/xlsx_cells.py), every cell's look and each sheet's settings as openpyxl
reads them (tests/workbook_compare.py), and every part that is not a sheet, a style table or a
shared-string table byte for byte (those three may list the same things in another order).
"""

from __future__ import annotations

from dataclasses import replace
import io
import math
import re
import zipfile

import pytest
import xlsxwriter
from openpyxl.utils import FORMULAE

from bpm_xl import service
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.types import ArrayBlock, Block, Chart, Formula, SheetPlan, WorkbookPlan
from bpm_xl.writers import direct
from bpm_xl.writers import xlsx as xlsx_writer
from bpm_xl.writers.portable import portable_plan
from bpm_xl.writers.vba import vba_project

from .workbook_compare import differences
from .xlsx_cells import read_cells

F = Formula
#: Parts whose bytes may differ: the sheets (the rendered rows), and the tables XlsxWriter fills
#: in order of first use (styles, shared strings).
_REORDERED = re.compile(r"xl/worksheets/sheet\d+\.xml|xl/styles\.xml|xl/sharedStrings\.xml")


def _members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _write(plan: WorkbookPlan, threshold: int, monkeypatch, vba: bytes | None = None) -> bytes:
    monkeypatch.setattr(direct, "DIRECT_MIN_CELLS", threshold)
    buf = io.BytesIO()
    xlsx_writer.write_workbook(plan, buf, vba)
    return buf.getvalue()


def _rendered(plan: WorkbookPlan) -> list[str]:
    charted = xlsx_writer._charted(plan)
    return [sp.name for sp in plan.sheets if direct.wanted(sp, charted)]


def _same_both_ways(plan: WorkbookPlan, monkeypatch, tmp_path, vba: bytes | None = None) -> list[str]:
    """Assert both files read the same; returns the sheets the renderer took."""
    slow = _write(plan, 10**12, monkeypatch, vba)
    fast = _write(plan, 0, monkeypatch, vba)
    rendered = _rendered(plan)
    a, b = _members(slow), _members(fast)
    assert list(a) == list(b)
    for name in a:
        if not _REORDERED.fullmatch(name):
            assert a[name] == b[name], f"{name} differs"
    (tmp_path / "slow.xlsx").write_bytes(slow)
    (tmp_path / "fast.xlsx").write_bytes(fast)
    assert read_cells(tmp_path / "fast.xlsx") == read_cells(tmp_path / "slow.xlsx")
    assert differences(fast, slow) == []
    if rendered:
        assert slow != fast   # the renderer did write something
    return rendered


@pytest.fixture(scope="module", params=["zh", "en"])
def example_plan(request):
    data, system = service.example_workbook_data(request.param)
    a = service.assess(data, "example")
    sens = service.sensitivity_of(a.inputs, a.evaluation, draws=200)
    return plan_workbook(data, system, request.param, evaluation=a.evaluation, sensitivity=sens), system


def test_the_portable_example_reads_as_xlsxwriter_writes_it(example_plan, monkeypatch, tmp_path):
    plan, system = example_plan
    p = portable_plan(plan, system)
    rendered = _same_both_ways(p, monkeypatch, tmp_path)
    calc = p.sheets[-1].name
    assert calc in rendered                       # the calculation sheet, the reason for all this
    charted = xlsx_writer._charted(p)
    assert charted and not charted & set(rendered)  # sheets charts read stay with XlsxWriter


def test_the_macro_workbook_reads_as_xlsxwriter_writes_it(example_plan, monkeypatch, tmp_path):
    plan, _ = example_plan
    rendered = _same_both_ways(plan, monkeypatch, tmp_path, vba=vba_project())
    assert len(rendered) >= 8


def _odd_plan() -> WorkbookPlan:
    """One sheet with what the renderer must either write as XlsxWriter does or leave to it."""
    sp = SheetPlan("calc", "Calc", "output", widths={0: 12})
    sp.blocks.extend([
        Block(0, 0, [["title & <notes>", None, "", "=not a formula", " lead space"]], "title"),
        # formulas with every kind of cached value, escapes, a trailing brace, no cached value
        Block(1, 0, [[F("=IF(A1<>\"\",1,0)&\"<b>\""), F("=1/0"), F("=B2>0"), F("=\"x\""), F("=SUM({1,2})"),
                      F("=A1"), F("=A2")]], cached=[[1.0, "#DIV/0!", True, "x & y", 3.0, None, math.inf]]),
        Block(2, 0, [[F("=A1"), F("=A2"), F("=A3")], [0.1 + 0.2, -0.0, 1e-300], [7, None, math.nan]],
              cached=[[0.30000000000000004, "", 2]]),
        # ragged rows, an empty row inside, strings among numbers
        Block(6, 1, [["a", 1.5], [], ["b"], [2.5, "c", 3, "d"]]),
        Block(12, 0, [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], "header"),
        Block(13, 5, [[F("=B13*2")]], "pct_formula", cached=[[4.0]]),
        # what XlsxWriter must write itself: a dynamic-array function, a boolean, a long string,
        # a future function, a name the renderer does not know, an array formula in a block
        Block(16, 0, [[F("=FILTER(A1:A3,A1:A3>0)"), F("=A1")]], cached=[[1.0, 1.0]]),
        Block(17, 0, [[True, "x" * 20000, 1.0]]),
        Block(18, 0, [[F("=_xlfn.STDEV.S(A1:A3)"), F("=LN(A1)"), F("=STDEV.S(A1:A3)"), F("=MYNAME(A1)"),
                       F("{=SUM(A1:A2*2)}"), F("=LOG10(A1)")]], cached=[[0.5, 0.0, 0.5, 1.0, 2.0, 0.0]]),
        # a large block beside small ones on the same rows
        Block(30, 2, [[float(i * j) for j in range(30)] for i in range(40)], "int"),
        Block(30, 0, [[f"row {i}", i] for i in range(40)], "rowhead"),
        Block(30, 40, [[F(f"=SUM(C{31 + i}:AF{31 + i})")] for i in range(40)], cached=[[float(i)] for i in range(40)]),
    ])
    sp.arrays.extend([
        ArrayBlock(20, 1, 2, 2, None, F("=MMULT(A13:B14,A13:B14)"), "output",
                   cached=[[1.0, "#N/A"], [None, 2.5]]),
        ArrayBlock(20, 4, 1, 1, None, F("=SUM(A1:A3*2)"), "output", cached=[["#VALUE!"]]),
        ArrayBlock(23, 0, 1, 3, None, F("=TRANSPOSE(A13:A15)"), "output", cached=[[1.0, True, "t"]]),
        ArrayBlock(24, 0, 2, 2, None, F("=MMULT(A1:B2,A1:B2)"), "output", cached=[]),
        ArrayBlock(26, 0, 1, 2, None, F("=SORT(A1:A2)"), "output", cached=[[1.0, 2.0]]),
        ArrayBlock(28, 0, 1, 1, None, F("=SUM(A1:A2)"), "output", cached=[["3.5"]]),
    ])
    other = SheetPlan("note", "Notes", "output")
    other.blocks.append(Block(0, 0, [["title & <notes>", "shared with Calc"], [F("=Calc!A1"), 1.0]],
                              cached=[[None, None], ["title & <notes>", None]]))
    other.charts.append(Chart("column", "Calc", "=Notes!$A$1:$A$2", "=Notes!$B$1:$B$2", (4, 1), (300, 200)))
    return WorkbookPlan("en", [other, sp], {"BPM_X": "'Calc'!$A$1"}, "own")


def test_odd_cells_are_written_as_xlsxwriter_writes_them(monkeypatch, tmp_path):
    rendered = _same_both_ways(_odd_plan(), monkeypatch, tmp_path)
    assert rendered == ["Calc"]                   # Notes holds a chart's data: XlsxWriter writes it


def test_a_sheet_that_writes_a_cell_twice_is_left_to_xlsxwriter(monkeypatch, tmp_path):
    """Later writes win cell by cell in XlsxWriter; a sheet whose blocks overlap is not rendered."""
    plan = _odd_plan()
    calc = plan.sheets[1]
    calc.blocks.append(Block(12, 2, [["over", F("=A13")]], cached=[[None, 1.0]]))
    calc.arrays.append(ArrayBlock(12, 3, 1, 1, None, F("=A1*2"), "output", cached=[[2.0]]))
    assert direct.overlaps(calc)
    assert _same_both_ways(plan, monkeypatch, tmp_path) == []
    ws = __import__("openpyxl").load_workbook(tmp_path / "fast.xlsx")["Calc"]
    assert ws["C13"].value == "over" and ws["D13"].value.text == "=A1*2"


def test_overlaps_finds_shared_cells_of_ragged_blocks_only():
    sp = SheetPlan("calc", "Calc", "output")
    sp.blocks.extend([Block(0, 0, [[1.0, 2.0, 3.0], [1.0]]), Block(1, 1, [[5.0, 6.0]])])
    assert not direct.overlaps(sp)               # row 2 of the first block ends at column A
    sp.blocks.append(Block(0, 2, [[9.0]]))
    assert direct.overlaps(sp)                   # C1 twice
    other = SheetPlan("calc", "Calc", "output", arrays=[ArrayBlock(0, 0, 2, 2, None, F("=A1"))])
    other.blocks.append(Block(1, 1, [[1.0]]))
    assert direct.overlaps(other)


def test_an_infinite_number_is_refused_as_xlsxwriter_refuses_it(monkeypatch):
    plan = WorkbookPlan("en", [SheetPlan("calc", "Calc", "output", blocks=[Block(0, 0, [[1.0, math.inf]])])], {}, "own")
    monkeypatch.setattr(direct, "DIRECT_MIN_CELLS", 0)
    assert direct.wanted(plan.sheets[0], frozenset())
    with pytest.raises(TypeError, match="NAN/INF"):
        xlsx_writer.write_workbook(plan, io.BytesIO(), None)


def _as_xlsxwriter_writes(formulas: list[str]) -> list[tuple[str, bool]]:
    """(the <f> text, whether it is a dynamic array) XlsxWriter writes for each formula, read
    back from the file it writes (its public API and its output only)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for r, f in enumerate(formulas):
        ws.write_formula(r, 0, f, None, 0)
    wb.close()
    xml = _members(buf.getvalue())["xl/worksheets/sheet1.xml"].decode()
    cells = re.findall(r'<c r="A\d+"([^>]*)><f[^>]*>(.*?)</f>', xml)
    assert len(cells) == len(formulas)
    return [(f.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"), 'cm="1"' in attrs) for attrs, f in cells]


def test_xlsxwriter_writes_every_excel_2007_function_as_typed():
    """The renderer writes a formula calling only functions of openpyxl's FORMULAE as typed;
    XlsxWriter (the release pinned) does the same for each of them: no _xlfn. prefix, no
    dynamic array."""
    names = sorted(FORMULAE)
    formulas = [f"={n}(A1)+{n}(B1,1)" for n in names]
    got = _as_xlsxwriter_writes(formulas)
    assert [g for g in got if g[1]] == []
    assert [f[1:] for f in formulas] == [g[0] for g in got]


def test_the_formulas_xlsxwriter_changes_are_not_renderable():
    """renderable (over many formulas: their digit skeletons) is False whenever XlsxWriter
    would change one of them; True for the formulas bpm-xl writes."""
    plain = [f"=SUM($B${k}:$C${k})+LN(B{k})*IF(A{k}<>\"\",1,0)+LOG10(A{k})" for k in range(1, 40)]
    assert all(text == f[1:] and not dyn for f, (text, dyn) in zip(plain, _as_xlsxwriter_writes(plain)))
    assert direct.renderable(plain)
    odd = ["=XLOOKUP(1,A1:A2,B1:B2)", "=1+SINGLE(A1)", "=A1&\"FILTER(\"", "=SORT(A1:A9)", "=UNIQUE(A1:A2)",
           "=SEQUENCE(3)", "=LAMBDA(x,x)(1)", "=IF(A1,LET(x,1,x),0)", "=MYFILTER2(A1)", "=A1FILTER(1)",
           "=_xlfn.STDEV.S(A1:A3)", "=RANDARRAY(2)", "=ANCHORARRAY(A1)", "=A1+FILTER(A1:A2,A1:A2>0)",
           "=STDEV.S(A1:A3)", "=CONCAT(A1,B1)", "=IFS(A1,1)", "=TEXTJOIN(\",\",1,A1:A2)"]
    changed = [f for f, (text, dyn) in zip(odd, _as_xlsxwriter_writes(odd)) if text != f[1:] or dyn]
    assert len(changed) >= 8                          # the list does hold formulas XlsxWriter changes
    for f in odd:                                     # and none of them is left to the renderer
        assert not direct.renderable([*plain, f]), f
        assert not direct.renderable([f]), f
    assert not direct.renderable(["{=SUM(A1:A2)}"]) and not direct.renderable([""])


def test_text_stays_in_xlsxwriters_shared_strings(monkeypatch, tmp_path):
    """Text cells of a rendered sheet are XlsxWriter's: every string is in sharedStrings.xml,
    none inline."""
    plan = _odd_plan()
    raw = _write(plan, 0, monkeypatch)
    sheets = [v for k, v in _members(raw).items() if k.startswith("xl/worksheets/sheet")]
    assert not any(b"inlineStr" in x for x in sheets)
    assert b"row 39" in _members(raw)["xl/sharedStrings.xml"]


def _sheet_both_ways(build) -> tuple[bytes, bytes]:
    """One sheet written by ``build(ws, wb, store)`` with a Direct (store) and without (None)."""
    out = []
    for use in (False, True):
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        ws = wb.add_worksheet("S")
        store = direct.Direct(ws, xlsx_writer._write_value, xlsx_writer._write_cached) if use else None
        build(ws, wb, store)
        wb.close()
        data = buf.getvalue()
        if store is not None:
            data = bulk_replace(data, store)
        out.append(data)
    return out[0], out[1]


def bulk_replace(data: bytes, store: direct.Direct) -> bytes:
    from bpm_xl.writers import bulk, preserve

    return bulk.replace_parts(data, {preserve.sheet_members(data)["S"]: (store.write_part, store.size())})


def test_rows_shared_with_xlsxwriters_cells_notes_and_row_settings(tmp_path):
    """XlsxWriter's cells left and right of and among the rendered ones, notes beyond every
    cell, row heights and formats, rows with settings only: the same cells, rows and look."""
    import numpy as np

    def build(ws, wb, store):
        bold = wb.add_format({"bold": True, "num_format": "0.00"})
        plain = wb.add_format({"italic": True})
        block = [[float(r * 10 + c) if (r + c) % 5 else None for c in range(6)] for r in range(40)]
        block[3][2] = "text among numbers"
        if store is None or not store.block(2, 3, block, None, [bold] * 6):
            xlsx_writer._write_plain_rows(ws, 2, 3, block, lambda j: bold)
        values = np.arange(60, dtype=float).reshape(20, 3)
        values[4, 1] = np.nan
        if store is None or not store.numbers(50, 1, values, [plain, bold, plain]):
            xlsx_writer._write_plain_rows(ws, 50, 1, values.tolist(), lambda j: [plain, bold, plain][j])
        for r in range(0, 75, 4):
            ws.write_number(r, 0, r * 0.5, plain)                  # left of the blocks
            ws.write_string(r, 30, f"right {r}")                  # right of them
        ws.write_comment(20, 90, "a note beyond every cell")
        ws.write_comment(71, 2, "a note on a row of its own")
        ws.set_row(10, 30, plain)
        ws.set_row(60, None, bold)
        ws.set_row(80, 25)

    slow, fast = _sheet_both_ways(build)
    (tmp_path / "slow.xlsx").write_bytes(slow)
    (tmp_path / "fast.xlsx").write_bytes(fast)
    assert read_cells(tmp_path / "fast.xlsx") == read_cells(tmp_path / "slow.xlsx")
    assert differences(fast, slow) == []
    rows = lambda raw: re.sub(r' spans="[^"]*"', "", re.search(r"<sheetData>.*</sheetData>", _members(raw)[  # noqa: E731
        "xl/worksheets/sheet1.xml"].decode(), re.S).group(0))
    heads = lambda raw: re.findall(r"<row [^>]*>", rows(raw))  # noqa: E731
    assert heads(fast) == heads(slow)                     # every row, its height and format, in order
    dim = lambda raw: re.search(r'<dimension ref="[^"]+"/>', _members(raw)["xl/worksheets/sheet1.xml"].decode()).group(0)  # noqa: E731
    assert dim(fast) == dim(slow)


def test_differences_sees_a_changed_value_formula_and_look(monkeypatch, tmp_path):
    """The comparison the tests rely on is not blind."""
    plan = _odd_plan()
    base = _write(plan, 10**12, monkeypatch)
    for change in (lambda sp: sp.blocks[4].cells[0].__setitem__(1, 2.5),
                   lambda sp: sp.blocks[1].cached[0].__setitem__(0, 2.0),
                   lambda sp: sp.blocks[1].cells[0].__setitem__(5, F("=A3")),
                   lambda sp: sp.blocks.__setitem__(4, replace(sp.blocks[4], style="title"))):
        other = _odd_plan()
        change(other.sheets[1])
        assert differences(_write(other, 0, monkeypatch), base) != []
