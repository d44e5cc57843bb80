"""Helpers for the workbook tests: LibreOffice recalculation and UDF substitution.

LibreOffice does not run xlwings UDFs. To check every native formula of the workbook, a copy
is made in which each UDF formula is replaced by the value the UDF returns (called through
xlwings' own Office.js dispatch, with the arguments read from the recalculated sheets), and
LibreOffice recalculates everything else.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Callable, Iterable

import openpyxl

from bpm_xl.layout import plan_workbook
from bpm_xl.layout.types import Block, WorkbookPlan, parse_ref
from tests.libreoffice import recalculate
from bpm_xl.writers.xlsx import write_workbook


def read_values(path: Path, sheets: Iterable[str] | None = None) -> dict[str, list[list[Any]]]:
    """Sheet name -> rows of the values stored in the file (a formula's cached value), from
    A1 to the last row and column holding a cell, as openpyxl's ``data_only`` load gives them.

    ``sheets``: only these (the others are not parsed; a large file has a large calculation
    sheet). Read in openpyxl's read-only mode, which parses only what is asked for and skips
    the styles; the sheets' stated dimensions are ignored, the cells found decide.
    """
    wanted = None if sheets is None else set(sheets)
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            if wanted is not None and ws.title not in wanted:
                continue
            ws.reset_dimensions()   # each row then ends at its last cell
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            height = max((i + 1 for i, r in enumerate(rows) if r), default=0)
            width = max((len(r) for r in rows), default=0)
            out[ws.title] = [r + [None] * (width - len(r)) for r in rows[:height]] or [[None]]   # as openpyxl
        return out
    finally:
        wb.close()


def cell(values: dict[str, list[list[Any]]], sheet: str, r: int, c: int) -> Any:
    rows = values.get(sheet, [])
    if r >= len(rows) or c >= len(rows[r]):
        return None
    return rows[r][c]


def rng(values, plan: WorkbookPlan, name: str) -> list[list[Any]]:
    sheet, r0, c0, r1, c1 = parse_ref(plan.names[name])
    return [[cell(values, sheet, r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]


def flat(grid: list[list[Any]]) -> list[Any]:
    return [v for row in grid for v in row]


def _arg(values, plan: WorkbookPlan, arg: str) -> list[list[Any]]:
    if arg.startswith('"'):
        return [[arg.strip('"')]]
    if arg in plan.names:
        return rng(values, plan, arg)
    p = parse_ref("=" + arg) if "!" in arg else None
    if p is not None:
        sheet, r0, c0, r1, c1 = p
        return [[cell(values, sheet, r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
    return [[float(arg)]]


def substitute_udfs(plan: WorkbookPlan, values, udf_call: Callable[..., Any]) -> WorkbookPlan:
    """A copy of ``plan`` with every UDF formula replaced by what the UDF returns.

    ``values`` are the recalculated sheets of the unsubstituted workbook (native formulas that
    feed UDFs, such as the expert weights, are computed there); UDF results are overlaid in
    plan order, so a UDF reading another UDF's output sees its value.
    """
    out = copy.deepcopy(plan)
    known = {k: [list(r) for r in v] for k, v in values.items()}

    def put(sheet, r, c, v):
        rows = known.setdefault(sheet, [])
        while len(rows) <= r:
            rows.append([])
        while len(rows[r]) <= c:
            rows[r].append(None)
        rows[r][c] = v

    agg = flat(rng(values, plan, "BPM_AGGREGATION"))[0]
    for sp in out.sheets:
        for b in sp.blocks:
            for (i, j), u in list(b.udfs.items()):
                res = udf_call(u.func, *[_arg(known, plan, a) for a in u.args])
                v = res[0][0] if isinstance(res, list) else res
                b.cells[i][j] = v
                put(sp.name, b.row + i, b.col + j, v)
            b.udfs.clear()
        arrays = list(sp.arrays)
        sp.arrays.clear()
        for a in arrays:
            u = a.aip_udf if (a.aip_udf is not None and agg == "aip") else a.udf
            res = udf_call(u.func, *[_arg(known, plan, x) for x in u.args])
            res = res if isinstance(res, list) else [[res]]
            if a.transpose:
                res = [list(r) for r in zip(*res)]
            # an array range shows the first rows of what the function returns (as Excel does)
            assert len(res) >= a.nrows, (u.func, len(res), a.nrows)
            res = res[: a.nrows]
            assert all(len(r) == a.ncols for r in res), (u.func, len(res), a.nrows, a.ncols)
            sp.blocks.append(Block(a.row, a.col, [list(r) for r in res], a.style))
            for i, row in enumerate(res):
                for j, v in enumerate(row):
                    put(sp.name, a.row + i, a.col + j, v)
    return out


def build_substituted(data, system, lang: str, tmp: Path, udf_call) -> tuple[WorkbookPlan, dict]:
    """Plan -> xlsx -> LibreOffice; substitute UDFs -> xlsx -> LibreOffice; the final values."""
    plan = plan_workbook(data, system, lang)
    first = tmp / "first.xlsx"
    write_workbook(plan, first, None)
    v1 = read_values(recalculate(first, tmp / "lo1"))
    sub = substitute_udfs(plan, v1, udf_call)
    second = tmp / "substituted.xlsx"
    write_workbook(sub, second, None)
    v2 = read_values(recalculate(second, tmp / "lo2"))
    return sub, v2


def close(a: Any, b: float, rel: float = 1e-9) -> bool:
    try:
        a = float(a)
    except (TypeError, ValueError):
        return False
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
