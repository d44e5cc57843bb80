"""writers.direct renders a large sheet's blocks and arrays itself: the file must be, part for
part and byte for byte, the one XlsxWriter writes cell by cell for the same plan.

Each case writes the same plan twice, with the direct renderer on every sheet (threshold 0)
and off (threshold above any sheet), and compares every zip member after decompression.
"""

from __future__ import annotations

import io
import math
import zipfile

import pytest

from bpm_xl import service
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.types import ArrayBlock, Block, Chart, Formula, SheetPlan, WorkbookPlan
from bpm_xl.writers import direct, xlsxfast
from bpm_xl.writers import xlsx as xlsx_writer
from bpm_xl.writers.portable import portable_plan
from bpm_xl.writers.vba import vba_project

F = Formula

pytestmark = pytest.mark.skipif(not xlsxfast.tested(), reason="the renderer is installed on XlsxWriter 3.3 only")


def _members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _write(plan: WorkbookPlan, threshold: int, monkeypatch, vba: bytes | None = None) -> bytes:
    monkeypatch.setattr(direct, "DIRECT_MIN_CELLS", threshold)
    rendered = []
    real = direct.Direct.__init__

    def init(self, ws):
        rendered.append(ws.name)
        real(self, ws)

    monkeypatch.setattr(direct.Direct, "__init__", init)
    buf = io.BytesIO()
    xlsx_writer.write_workbook(plan, buf, vba)
    monkeypatch.setattr(direct.Direct, "__init__", real)
    _write.rendered = rendered
    return buf.getvalue()


def _same_both_ways(plan: WorkbookPlan, monkeypatch, vba: bytes | None = None) -> list[str]:
    """Assert the parts are identical; returns the sheets the direct renderer took."""
    slow = _members(_write(plan, 10**12, monkeypatch, vba))
    assert _write.rendered == []
    fast = _members(_write(plan, 0, monkeypatch, vba))
    rendered = _write.rendered
    assert list(fast) == list(slow)
    for name in slow:
        assert fast[name] == slow[name], f"{name} differs"
    return rendered


@pytest.fixture(scope="module", params=["zh", "en"])
def example_plan(request):
    data, system = service.example_workbook_data(request.param)
    a = service.assess(data, "example")
    sens = service.sensitivity_of(a.inputs, a.evaluation, draws=200)
    return plan_workbook(data, system, request.param, evaluation=a.evaluation, sensitivity=sens), system


def test_the_portable_example_is_written_byte_for_byte_as_xlsxwriter_writes_it(example_plan, monkeypatch):
    plan, system = example_plan
    p = portable_plan(plan, system)
    rendered = _same_both_ways(p, monkeypatch)
    calc = p.sheets[-1].name
    assert calc in rendered                       # the calculation sheet, the reason for all this
    charted = xlsx_writer._charted(p)
    assert charted and not charted & set(rendered)  # sheets charts read stay with XlsxWriter


def test_the_macro_workbook_is_written_byte_for_byte_as_xlsxwriter_writes_it(example_plan, monkeypatch):
    plan, _ = example_plan
    rendered = _same_both_ways(plan, monkeypatch, vba=vba_project())
    assert len(rendered) >= 8


def _odd_plan() -> WorkbookPlan:
    """One sheet with what the renderer must either write as XlsxWriter does or leave to it."""
    sp = SheetPlan("calc", "Calc", "output", widths={0: 12})
    sp.blocks += [
        Block(0, 0, [["title & <notes>", None, "", "=not a formula", " lead space"]], "title"),
        # formulas with every kind of cached value, escapes, a trailing brace, no cached value
        Block(1, 0, [[F("=IF(A1<>\"\",1,0)&\"<b>\""), F("=1/0"), F("=B2>0"), F("=\"x\""), F("=SUM({1,2})"),
                      F("=A1"), F("=A2")]], cached=[[1.0, "#DIV/0!", True, "x & y", 3.0, None, math.inf]]),
        Block(2, 0, [[F("=A1"), F("=A2"), F("=A3")], [0.1 + 0.2, -0.0, 1e-300], [7, None, math.nan]],
              cached=[[0.30000000000000004, "", 2]]),
        # ragged rows, an empty row inside, strings among numbers
        Block(6, 1, [["a", 1.5], [], ["b"], [2.5, "c", 3, "d"]]),
        # a later block over part of an earlier one: the later write wins, cell by cell
        Block(12, 0, [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], "header"),
        Block(12, 2, [["over", F("=A13")]], cached=[[None, 1.0]]),
        Block(13, 1, [[F("=B13*2")]], "pct_formula", cached=[[4.0]]),
        # what XlsxWriter must write itself: a dynamic-array function, a boolean, a long string
        Block(16, 0, [[F("=FILTER(A1:A3,A1:A3>0)"), F("=A1")]], cached=[[1.0, 1.0]]),
        Block(17, 0, [[True, "x" * 20000, 1.0]]),
        Block(18, 0, [[F("=_xlfn.STDEV.S(A1:A3)"), F("=LN(A1)")]], cached=[[0.5, 0.0]]),
    ]
    sp.arrays += [
        ArrayBlock(20, 1, 2, 2, None, F("=MMULT(A13:B14,A13:B14)"), "output",
                   cached=[[1.0, "#N/A"], [None, 2.5]]),
        ArrayBlock(20, 4, 1, 1, None, F("=SUM(A1:A3*2)"), "output", cached=[["#VALUE!"]]),
        ArrayBlock(23, 0, 1, 3, None, F("=TRANSPOSE(A13:A15)"), "output", cached=[[1.0, True, "t"]]),
        ArrayBlock(24, 0, 2, 2, None, F("=MMULT(A1:B2,A1:B2)"), "output", cached=[]),
        ArrayBlock(26, 0, 1, 2, None, F("=SORT(A1:A2)"), "output", cached=[[1.0, 2.0]]),
        ArrayBlock(12, 3, 1, 1, None, F("=A1*2"), "output", cached=[[2.0]]),   # over a block's cell
    ]
    other = SheetPlan("note", "Notes", "output")
    other.blocks.append(Block(0, 0, [["title & <notes>", "shared with Calc"], [F("=Calc!A1"), 1.0]],
                              cached=[[None, None], ["title & <notes>", None]]))
    other.charts.append(Chart("column", "Calc", "=Notes!$A$1:$A$2", "=Notes!$B$1:$B$2", (4, 1), (300, 200)))
    return WorkbookPlan("en", [other, sp], {"BPM_X": "'Calc'!$A$1"}, "own")


def test_odd_cells_and_overlaps_are_written_as_xlsxwriter_writes_them(monkeypatch):
    rendered = _same_both_ways(_odd_plan(), monkeypatch)
    assert rendered == ["Calc"]                   # Notes holds a chart's data: XlsxWriter writes it


def test_an_infinite_number_is_refused_as_xlsxwriter_refuses_it(monkeypatch):
    plan = WorkbookPlan("en", [SheetPlan("calc", "Calc", "output", blocks=[Block(0, 0, [[1.0, math.inf]])])], {}, "own")
    monkeypatch.setattr(direct, "DIRECT_MIN_CELLS", 0)
    with pytest.raises(TypeError, match="NAN/INF"):
        xlsx_writer.write_workbook(plan, io.BytesIO(), None)


def _xlsxwriter_changes(formula: str) -> bool:
    """What XlsxWriter itself does with ``formula``: rewrites it, or writes a dynamic array."""
    import xlsxwriter.worksheet as xw

    ws = xw.Worksheet()
    stripped = formula[1:] if formula.startswith("=") else formula
    return ws._prepare_formula(formula) != stripped or bool(xw.re_dynamic_function.search(formula))


def test_the_skeleton_check_finds_what_xlsxwriter_changes():
    """needs_preparation over many formulas (their digit skeletons) is True whenever XlsxWriter
    would change one of them; False for the formulas bpm-xl writes."""
    plain = [f"=SUM($B${k}:$C${k})+LN(B{k})*IF(A{k}<>\"\",1,0)" for k in range(1, 40)]
    assert not any(map(_xlsxwriter_changes, plain))
    assert not xlsxfast.needs_preparation(plain)
    odd = ["=XLOOKUP(1,A1:A2,B1:B2)", "=1+SINGLE(A1)", "=A1&\"FILTER(\"", "=SORT(A1:A9)", "=UNIQUE(A1:A2)",
           "=SEQUENCE(3)", "=LAMBDA(x,x)(1)", "=IF(A1,LET(x,1,x),0)", "=MYFILTER2(A1)", "=A1FILTER(1)",
           "=_xlfn.STDEV.S(A1:A3)", "=RANDARRAY(2)", "=ANCHORARRAY(A1)", "=A1+FILTER(A1:A2,A1:A2>0)"]
    for f in odd:
        changes = _xlsxwriter_changes(f)
        assert xlsxfast.needs_preparation([*plain, f]) >= changes, f
        assert xlsxfast.needs_preparation([f]) >= changes, f
    assert any(map(_xlsxwriter_changes, odd))      # the list does hold formulas XlsxWriter changes
