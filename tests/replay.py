"""Replay the actions an xlwings remote Book records into an .xlsx/.xlsm with openpyxl.

``book.json()["actions"]`` is what Excel would do after a macro runs. Applying them to a
copy of the workbook file and reading it back is an end-to-end check of a macro without Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import xlwings
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from bpm_xl.layout.types import a1
from bpm_xl.readers.workbook import Grids

def _set_cells(wb, ws, act) -> None:
    r0, c0 = act["start_row"], act["start_column"]
    for i, row in enumerate(act["values"]):
        for j, v in enumerate(row):
            cell = ws.cell(r0 + i + 1, c0 + j + 1)
            if isinstance(v, str) and v.startswith("'"):  # Excel's text prefix: the rest is text
                cell.value = v[1:]
                cell.data_type = "s"
            else:
                cell.value = None if v == "" else v


def _set_array(wb, ws, act) -> None:
    r0, c0 = act["start_row"], act["start_column"]
    ref = f"{a1(r0, c0, False)}:{a1(r0 + act['row_count'] - 1, c0 + act['column_count'] - 1, False)}"
    ws.cell(r0 + 1, c0 + 1).value = ArrayFormula(ref, act["args"][0])


def _clear(wb, ws, act) -> None:
    for row in ws.iter_rows():
        for c in row:
            if type(c).__name__ != "MergedCell":
                c.value = None


def _add_sheet(wb, ws, act) -> None:
    index, name = act["args"][0], act["args"][1]
    wb.create_sheet(name, index)


def _set_name(wb, ws, act) -> None:
    name = act["args"][0]
    refers = act["args"][1] if act["func"] == "namesAdd" else act["args"][3]
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=refers.lstrip("="))


def _set_number_format(wb, ws, act) -> None:
    r0, c0 = act["start_row"], act["start_column"]
    for i in range(act["row_count"]):
        for j in range(act["column_count"]):
            ws.cell(r0 + i + 1, c0 + j + 1).number_format = act["args"][0]


#: action -> what it does to the openpyxl workbook (an alert changes nothing)
_APPLY = {"setFormula": _set_cells, "setValues": _set_cells, "setFormulaArray": _set_array,
          "sheetClearContents": _clear, "addSheet": _add_sheet, "namesAdd": _set_name,
          "setNameRefersTo": _set_name, "setNumberFormat": _set_number_format, "alert": None}
SUPPORTED = set(_APPLY)


def replay(actions: list[dict[str, Any]], src: Path, dst: Path, names_before: list[str] | None = None) -> list[str]:
    """Apply ``actions`` to a copy of ``src`` saved as ``dst``; returns the funcs seen."""
    keep_vba = src.suffix.lower() == ".xlsm"
    wb = openpyxl.load_workbook(src, keep_vba=keep_vba)
    seen = []
    for act in actions:
        f = act["func"]
        seen.append(f)
        if f not in SUPPORTED:
            raise AssertionError(f"replay does not know the action {f}")
        pos = act.get("sheet_position")
        ws = wb.worksheets[pos] if pos is not None else None
        if _APPLY[f] is not None:
            _APPLY[f](wb, ws, act)
    wb.save(dst)
    return seen


def payload_from_grids(grids: Grids, book_name: str = "bpm_evaluation.xlsm") -> dict[str, Any]:
    """The JSON an Office.js client sends for a workbook (tests, benchmarks, headless twins)."""
    names = []
    order = list(grids.sheets)
    for name, (sheet, r0, c0, r1, c1) in grids.names.items():
        addr = a1(r0, c0, absolute=False) + ("" if (r0, c0) == (r1, c1) else ":" + a1(r1, c1, absolute=False))
        q = "'" + sheet.replace("'", "''") + "'"
        names.append({"name": name, "sheet_index": order.index(sheet), "address": addr, "book_scope": True,
                      "scope_sheet_name": None, "scope_sheet_index": None,
                      "refers_to": f"={q}!{a1(r0, c0)}" + ("" if (r0, c0) == (r1, c1) else ":" + a1(r1, c1))})
    for name, text in grids.constants.items():  # the hub's identity: names holding text
        names.append({"name": name, "sheet_index": None, "address": None, "book_scope": True,
                      "scope_sheet_name": None, "scope_sheet_index": None,
                      "refers_to": '="' + text.replace('"', '""') + '"'})
    sheets = []
    for nm in grids.sheets:
        rows = grids.rows(nm)  # a survey read as one array included
        width = max((len(r) for r in rows), default=0)
        vals = [[("" if v is None else v) for v in list(r) + [None] * (width - len(r))] for r in rows]
        sheets.append({"name": nm, "values": vals or [[""]], "pictures": [], "tables": []})
    return {"client": "Office.js", "version": xlwings.__version__,
            "book": {"name": book_name, "active_sheet_index": 0, "selection": "A1"},
            "names": names, "sheets": sheets}

