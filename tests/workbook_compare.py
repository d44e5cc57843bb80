"""Two workbooks compared cell by cell through openpyxl: formulas (array formulas with their
ranges), cached values, and the styles that show (number format, font, fill, border,
alignment, protection); also sheet order and states, merged ranges, data validation, panes,
column widths and defined names. Byte-identity is not asked: only what a reader sees.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula


def _load(src: str | Path | bytes, data_only: bool) -> Any:
    f = io.BytesIO(src) if isinstance(src, bytes) else src
    return openpyxl.load_workbook(f, data_only=data_only, keep_vba=False)


def _color(c: Any) -> Any:
    return None if c is None else (c.type, c.rgb if c.type == "rgb" else c.theme if c.type == "theme" else c.indexed, c.tint)


def _style(cell: Any) -> tuple:
    f, fill, b, a, p = cell.font, cell.fill, cell.border, cell.alignment, cell.protection
    sides = tuple((s.style, _color(s.color)) for s in (b.left, b.right, b.top, b.bottom))
    return (cell.number_format, (f.name, f.sz, f.b, f.i, f.u, _color(f.color)),
            (fill.fill_type, _color(fill.fgColor)), sides,
            (a.horizontal, a.vertical, a.wrap_text, a.indent), (p.locked, p.hidden))


def _formula(v: Any) -> Any:
    return ("array", v.ref, v.text) if isinstance(v, ArrayFormula) else v


def _sheet_facts(ws: Any) -> tuple:
    dv = sorted((str(d.sqref), d.type, d.formula1, d.formula2, d.operator, d.allow_blank)
                for d in ws.data_validations.dataValidation)
    widths = sorted((k, d.width, d.hidden) for k, d in ws.column_dimensions.items() if d.width or d.hidden)
    return (ws.sheet_state, ws.freeze_panes, sorted(map(str, ws.merged_cells.ranges)), dv, widths,
            ws.sheet_properties.tabColor.rgb if ws.sheet_properties.tabColor else None)


def differences(a: str | Path | bytes, b: str | Path | bytes, limit: int = 20) -> list[str]:
    """What differs between workbooks ``a`` and ``b`` as openpyxl reads them (at most ``limit`` lines)."""
    out: list[str] = []
    fa, fb = _load(a, False), _load(b, False)
    va, vb = _load(a, True), _load(b, True)
    if fa.sheetnames != fb.sheetnames:
        return [f"sheets {fa.sheetnames} != {fb.sheetnames}"]
    na = {n: str(d.value) for n, d in fa.defined_names.items()}
    nb = {n: str(d.value) for n, d in fb.defined_names.items()}
    if na != nb:
        out.append(f"defined names differ: {set(na.items()) ^ set(nb.items())}")
    for name in fa.sheetnames:
        wa, wb_, xa, xb = fa[name], fb[name], va[name], vb[name]
        if _sheet_facts(wa) != _sheet_facts(wb_):
            out.append(f"{name}: sheet settings {_sheet_facts(wa)} != {_sheet_facts(wb_)}")
        rows = max(wa.max_row, wb_.max_row)
        cols = max(wa.max_column, wb_.max_column)
        for ra, rb, ca, cb in zip(wa.iter_rows(1, rows, 1, cols), wb_.iter_rows(1, rows, 1, cols),
                                  xa.iter_rows(1, rows, 1, cols), xb.iter_rows(1, rows, 1, cols)):
            for c1, c2, d1, d2 in zip(ra, rb, ca, cb):
                got = (_formula(c1.value), d1.value, c1.data_type, _style(c1) if c1.has_style or c2.has_style else None)
                want = (_formula(c2.value), d2.value, c2.data_type, _style(c2) if c1.has_style or c2.has_style else None)
                if got != want:
                    out.append(f"{name}!{c1.coordinate}: {got} != {want}")
                    if len(out) >= limit:
                        return out
    return out


def style_differences(a: str | Path | bytes, b: str | Path | bytes, limit: int = 20) -> list[str]:
    """Cells whose look differs between ``a`` and ``b`` (values and formulas not compared)."""
    out: list[str] = []
    fa, fb = _load(a, False), _load(b, False)
    for name in fa.sheetnames:
        if name not in fb.sheetnames:
            continue
        wa, wb_ = fa[name], fb[name]
        rows, cols = max(wa.max_row, wb_.max_row), max(wa.max_column, wb_.max_column)
        for ra, rb in zip(wa.iter_rows(1, rows, 1, cols), wb_.iter_rows(1, rows, 1, cols)):
            for c1, c2 in zip(ra, rb):
                if (c1.has_style or c2.has_style) and _style(c1) != _style(c2):
                    out.append(f"{name}!{c1.coordinate}: {_style(c1)} != {_style(c2)}")
                    if len(out) >= limit:
                        return out
    return out
