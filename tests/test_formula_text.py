"""No formula text in a written workbook: text that starts with "=" is there only where a person
typed it.

Every cell of both hub kinds (the portable .xlsx and the .xlsm), blank and example, after
``new`` and after each of two rebuilds: no text value (a text cell or a formula's cached value)
starts with "=", except the text a user typed (an expert's name, an indicator's name), which
stays a text cell through every write: text never becomes code. LibreOffice opening the
portable hub without recalculation (what WPS and a reader see) shows the same.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from bpm_xl import service
from bpm_xl.layout.types import Block, Formula, SheetPlan, WorkbookPlan
from bpm_xl.writers.xlsx import write_workbook
from tests.libreoffice import available, convert
from tests.xlsx_cells import read_cells

#: text a user typed that looks like a formula (it must stay text)
EXPERT_NAME = "=1+1"
INDICATOR_NAME = '=HYPERLINK("http://example.com","x")'
TYPED = frozenset({EXPERT_NAME, INDICATOR_NAME})


def _typed_data(example: bool):
    data, _system = service.example_workbook_data() if example else service.blank_workbook_data()
    experts = [dict(e) for e in data.experts]
    experts[0]["name"] = EXPERT_NAME
    rows = [dict(r) for r in data.system_rows]
    rows[0]["name_zh"] = INDICATOR_NAME
    return replace(data, experts=experts, system_rows=rows)


def formula_text(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, value) of every text value starting with "=" that a user did not type."""
    out = []
    for sheet, cells in read_cells(path).items():
        for ref, cell in cells.items():
            if isinstance(cell.value, str) and cell.value.startswith("=") and cell.value not in TYPED:
                out.append((sheet, ref, cell.value))
    return out


def typed_cells(path: Path) -> dict[str, list[tuple[str, str, str | None]]]:
    """Typed text -> the cells that hold it as a value: (sheet, cell, formula or None)."""
    out: dict[str, list[tuple[str, str, str | None]]] = {t: [] for t in TYPED}
    for sheet, cells in read_cells(path).items():
        for ref, cell in cells.items():
            if cell.value in TYPED:
                out[cell.value].append((sheet, ref, cell.formula))
    return out


def _written(path: Path) -> None:
    assert formula_text(path) == []
    typed = typed_cells(path)
    for text, cells in typed.items():
        # typed once, as text (no formula there), on an input sheet; echoed by formulas elsewhere
        assert [c for c in cells if c[2] is None], (text, cells)
        assert not [c for c in cells if c[2] is not None and c[2].lstrip("=") == text.lstrip("=")], cells


@pytest.fixture(scope="module")
def hubs(tmp_path_factory):
    """(kind, blank/example) -> the hub's path after new, rebuild, rebuild (each write checked)."""
    tmp = tmp_path_factory.mktemp("formula-text")
    out = {}
    for suffix, portable in ((".xlsx", True), (".xlsm", False)):
        for example in (False, True):
            path = tmp / f"{'example' if example else 'blank'}-评价{suffix}"
            service.new_workbook(path, example=example, portable=portable, with_module=False,
                                 data=_typed_data(example))
            _written(path)
            for _ in range(2):
                service.rebuild_file(path, backup=False)
                _written(path)
            out[(suffix, example)] = path
    return out


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
@pytest.mark.parametrize("example", [False, True], ids=["blank", "example"])
def test_no_formula_text_after_new_and_rebuilds(hubs, suffix, example):
    path = hubs[(suffix, example)]
    assert formula_text(path) == []
    typed = typed_cells(path)
    assert all(typed[t] for t in TYPED)


def test_the_delphi_positive_coefficient_of_a_rebuilt_blank_portable_hub_is_na(hubs):
    # the reported cells: 德尔菲!D3:D4 held their own formula's text as the cached value
    cells = read_cells(hubs[(".xlsx", False)])["德尔菲"]
    for ref in ("D3", "D4"):
        assert cells[ref].formula is not None
        assert (cells[ref].type, cells[ref].value) == ("e", "#N/A")


def test_a_rebuild_gives_the_positive_coefficient_of_the_inputs_not_the_value_read(tmp_path):
    # the sent count of round 1 is cleared by hand (the file's other bytes unchanged): the
    # rebuilt coefficient is #N/A, not the 15/18 the file showed before
    path = tmp_path / "评价.xlsm"
    service.new_workbook(path, with_module=False)
    edited = tmp_path / "edited.xlsm"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as zout:
        members = {i.filename: i for i in zin.infolist()}
        part = next(n for n in members if n.startswith("xl/worksheets/")
                    and b"IF($B$3&gt;0,$C$3/$B$3,NA())" in zin.read(n))
        for name, info in members.items():
            data = zin.read(name)
            if name == part:
                before = data
                data = data.replace(b"><v>18</v></c><c r=\"C3\"", b"/><c r=\"C3\"", 1)
                assert data != before
            zout.writestr(info, data)
    assert read_cells(edited)["德尔菲"]["D3"].value == pytest.approx(15 / 18)
    service.rebuild_file(edited, backup=False)
    d3 = read_cells(edited)["德尔菲"]["D3"]
    assert (d3.type, d3.value) == ("e", "#N/A")
    d4 = read_cells(edited)["德尔菲"]["D4"]
    assert d4.value == pytest.approx(1.0)


def test_a_typed_delphi_count_gives_the_coefficient_without_an_evaluation(tmp_path):
    # a blank hub (nothing evaluated) whose sent and returned counts are typed shows returned/sent
    data, _system = service.blank_workbook_data()
    data = replace(data, delphi_sent=[20, None], delphi_returned=[16, None])
    for suffix, portable in ((".xlsx", True), (".xlsm", False)):
        path = tmp_path / f"评价{suffix}"
        service.new_workbook(path, example=False, portable=portable, with_module=False, data=data)
        service.rebuild_file(path, backup=False)
        cells = read_cells(path)
        assert cells["德尔菲"]["D3"].value == pytest.approx(0.8)
        assert cells["德尔菲"]["D4"].value == "#N/A"
        summary = [c for c in cells["德尔菲结果"].values() if c.formula and c.formula.endswith("$D$3")]
        assert summary and all(c.value == pytest.approx(0.8) for c in summary)


def test_the_writer_refuses_a_formula_as_a_cached_value(tmp_path):
    sp = SheetPlan("x", "Sheet1", "output")
    sp.blocks.append(Block(0, 0, [[Formula("=1+1")]], cached=[[Formula("=1+1")]]))
    with pytest.raises(TypeError, match="cached value is the formula =1\\+1"):
        write_workbook(WorkbookPlan(sheets=[sp], names={}, lang="zh"), tmp_path / "x.xlsx", None)


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
@pytest.mark.parametrize("example", [False, True], ids=["blank", "example"])
def test_libreoffice_without_recalculation_shows_no_formula_text(hubs, tmp_path, example):
    opened = convert(hubs[(".xlsx", example)], tmp_path, "xlsx", recalc=False)
    assert formula_text(opened) == []
    typed = typed_cells(opened)
    assert all(any(c[2] is None for c in typed[t]) for t in TYPED), typed
