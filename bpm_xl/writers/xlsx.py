"""Write a :class:`~bpm_xl.layout.types.WorkbookPlan` to a new .xlsm/.xlsx with XlsxWriter.

The writer is a thin shell: it maps plan styles to cell formats, writes blocks, array
formulas, data validation, defined names, charts and the rebuild button, and embeds the VBA
project (xlwings' module, the generated ``xlwings_udfs`` module and the help registration).

Only a :class:`~bpm_xl.layout.types.Formula` is written as a formula; every other string is
written with ``write_string`` (XlsxWriter's ``write()`` would turn text starting with ``=``
into a formula: user text must never become code).
"""

from __future__ import annotations

import datetime as _dt
import io
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import xlsxwriter

from ..texts import text
from ..layout.types import Formula, SheetPlan, WorkbookPlan
from . import bulk, direct, lambdas
from .direct import UNKNOWN, cache as _cache

__all__ = ["FIXED_DATE", "write_plan", "write_workbook"]

#: Fixed document dates, so the same inputs give the same bytes (the shipped workbook is checked).
FIXED_DATE = _dt.datetime(2026, 1, 1, 0, 0, 0)

INPUT_FILL = "#E2F0D9"      # green: the user types here
INPUT_HEAD = "#A9D08E"
OUTPUT_FILL = "#DDEBF7"     # blue: computed, do not type
OUTPUT_HEAD = "#9BC2E6"
LOWER_FILL = "#EDEDED"      # lower triangle of judgments: filled automatically
TITLE_COLOR = "#1F4E78"

_NUMBER_STYLES = {
    "output": "0.0000",
    "matrix": "0.000",
    "weight": "0.0000",
    "consistency": "0.0000",
    "worst": "0.000",
    "stats": "0.000",
    "kendall": "General",
    "pvalue": "0.00E+00",
    "screen": "General",
    "cr": "0.0000",
    "evaltable": "0.0000",
    "dimtable": "0.0000",
    "diagtable": "0.0000",
    "ranktable": "0.0000",
    "stagetable": "0.0000",
    "totalvalue": "0.0000",
    "kpi": "0.0000",
    "total": "0.0000",
    "formula": "0.0000",
    "pct_formula": "0.0%",
    "pct": "0.0%",
    "int": "0",
    "text": "@",
}


_GREY_BORDER = {"border": 1, "border_color": "#BFBFBF"}
#: Cell formats of the styles that are not plain output numbers.
_STYLE_PROPS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, "font_color": TITLE_COLOR},
    "subtitle": {"bold": True, "font_color": TITLE_COLOR},
    "rowhead": {"bold": True, "bg_color": "#F2F2F2", "border": 1},
    "input": {"bg_color": INPUT_FILL, **_GREY_BORDER, "locked": False},
    "settings": {"bg_color": INPUT_FILL, **_GREY_BORDER, "locked": False},
    "judgment": {"bg_color": INPUT_FILL, **_GREY_BORDER, "num_format": "# ?/?", "align": "center", "locked": False},
    "judgment_lower": {"bg_color": LOWER_FILL, **_GREY_BORDER, "num_format": "# ?/?", "align": "center",
                       "font_color": "#808080", "locked": False},
    "judgment_diag": {"bg_color": "#D9D9D9", **_GREY_BORDER, "align": "center"},
    "guide": {"text_wrap": True},
    "note": {"italic": True, "font_color": "#595959"},
    "reference": {"font_color": "#595959", "num_format": "0.0000", "border": 1, "border_color": "#D9D9D9"},
    "meta": {"italic": True, "font_color": "#404040"},
    "totallabel": {"bold": True, "bg_color": OUTPUT_HEAD, "border": 1},
    "pycheck": {"bold": True, "font_color": "#C00000"},   # the dashboard's Python check (red)
    "pending": {"bold": True, "font_color": "#C00000"},   # scores waiting for the survey (red)
    "kpi": {"bold": True, "font_size": 12, "bg_color": OUTPUT_FILL, "border": 1, "num_format": "0.0000"},
}


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook, lang: str) -> None:
        font = "Microsoft YaHei" if lang == "zh" else "Calibri"
        self.wb = wb
        base = {"font_name": font, "font_size": 10, "valign": "vcenter"}
        self._f: dict[tuple[str, str], Any] = {}
        self.base = base

    def get(self, style: str, kind: str) -> Any:
        key = (style, kind)
        if key in self._f:
            return self._f[key]
        props: dict[str, Any] = dict(self.base)
        if style == "header":
            props.update(bold=True, bg_color=INPUT_HEAD if kind == "input" else OUTPUT_HEAD, border=1, text_wrap=True,
                         align="center")
        elif style in _STYLE_PROPS:
            props.update(_STYLE_PROPS[style])
        else:
            props.update(bg_color=OUTPUT_FILL, border=1, border_color="#BFBFBF")
            props["num_format"] = _NUMBER_STYLES.get(style, "0.0000")
            if style in ("totalvalue", "total"):
                props["bold"] = True
        if style in ("formula", "pct_formula"):
            props.update(bg_color=OUTPUT_FILL, border=1, num_format=_NUMBER_STYLES[style])
        fmt = self.wb.add_format(props)
        self._f[key] = fmt
        return fmt


def _write_value(ws, r: int, c: int, v: Any, fmt, cached: Any = None) -> None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, Formula):
        # a value the plan does not know (no evaluation: a blank or incomplete workbook) is
        # stored as #N/A, never as a false 0
        value = _cache(cached)
        ws.write_formula(r, c, v, fmt, UNKNOWN if value is None else value)
    elif isinstance(v, bool):
        ws.write_string(r, c, str(v), fmt)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v, fmt)
    else:
        ws.write_string(r, c, str(v), fmt)


def _write_plain_block(ws, b, fm, kind: str, fast: direct.Direct | None = None) -> None:
    """A block without cached values or judgment styling (the survey, Delphi rounds...): the
    same calls as :func:`_write_value`, with the formats looked up once per column and numbers
    (the bulk of a large survey) written without the per-cell dispatch. A large float array
    (a survey read as a SurveyTable) on a sheet :mod:`.direct` renders is stored there."""
    fmts: dict[int, Any] = {}

    def fmt_of(j: int) -> Any:
        fmt = fmts.get(j)
        if fmt is None:
            fmt = fmts[j] = fm.get(b.col_styles.get(j, b.style), kind)
        return fmt

    cells = b.cells
    if isinstance(cells, np.ndarray):
        if fast is not None and bulk.bulk_ok(cells) and fast.numbers(b.row, b.col, cells,
                                                                     [fmt_of(j) for j in range(cells.shape[1])]):
            return
        cells = cells.tolist()
    _write_plain_rows(ws, b.row, b.col, cells, fmt_of)


def _write_plain_rows(ws, row0: int, col0: int, cells, fmt_of) -> None:
    write_number, write_blank = ws.write_number, ws.write_blank
    for i, row in enumerate(cells):
        r = row0 + i
        for j, v in enumerate(row):
            fmt = fmt_of(j)
            tv = type(v)
            if tv is float:
                if v == v:
                    write_number(r, col0 + j, v, fmt)
                else:
                    write_blank(r, col0 + j, None, fmt)
            elif tv is int:
                write_number(r, col0 + j, v, fmt)
            elif v is None:
                write_blank(r, col0 + j, None, fmt)
            else:
                _write_value(ws, r, col0 + j, v, fmt)


def _write_cached_block(ws, b, fm, kind: str) -> None:
    """A block with cached values (not judgments): :func:`_write_value` for every cell, with the
    formats looked up once per column (the portable calculation sheet has a million such cells)."""
    fmts = [fm.get(b.col_styles.get(j, b.style), kind) for j in range(b.ncols)]
    for i, row in enumerate(b.cells):
        cached = b.cached[i] if i < len(b.cached) else ()
        r = b.row + i
        for j, v in enumerate(row):
            _write_value(ws, r, b.col + j, v, fmts[j], cached[j] if j < len(cached) else None)


def _write_blocks(ws, sp, fm, fast: direct.Direct | None = None) -> None:
    for b in sp.blocks:
        if (fast is not None and b.style != "judgment" and not isinstance(b.cells, np.ndarray)
                and fast.block(b.row, b.col, b.cells, b.cached,
                               [fm.get(b.col_styles.get(j, b.style), sp.kind) for j in range(b.ncols)])):
            continue
        if b.cached is None and b.style != "judgment":
            _write_plain_block(ws, b, fm, sp.kind, fast)
            continue
        if b.style != "judgment" and not isinstance(b.cells, np.ndarray):
            _write_cached_block(ws, b, fm, sp.kind)
            continue
        for i, row in enumerate(b.cells):
            for j, v in enumerate(row):
                style = b.col_styles.get(j, b.style)
                if b.style == "judgment" and i <= j:
                    style = "judgment_diag" if i == j else style
                elif b.style == "judgment":
                    style = "judgment_lower"
                cached = None
                if b.cached is not None and i < len(b.cached) and j < len(b.cached[i]):
                    cached = b.cached[i][j]
                _write_value(ws, b.row + i, b.col + j, v, fm.get(style, sp.kind), cached)


def _write_cached(ws, r: int, c: int, v: Any, fmt) -> None:
    v = _cache(v)
    if isinstance(v, bool):
        ws.write_boolean(r, c, v, fmt)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v, fmt)
    elif v is not None:
        ws.write_string(r, c, str(v), fmt)


def _write_arrays(ws, sp, fm, fast: direct.Direct | None = None) -> None:
    for a in sp.arrays:
        fmt = fm.get(a.style, sp.kind)
        if fast is not None and fast.array(a.row, a.col, a.nrows, a.ncols, a.formula, fmt, a.cached):
            continue
        first = _cache(a.cached[0][0]) if a.cached else None
        ws.write_array_formula(a.row, a.col, a.row + a.nrows - 1, a.col + a.ncols - 1, "{" + a.formula + "}",
                               fmt, first if first is not None else UNKNOWN)
        if a.cached:
            # the other cells of an array range hold only their values, as Excel stores them
            for i, row in enumerate(a.cached[: a.nrows]):
                for j, v in enumerate(row[: a.ncols]):
                    if i or j:
                        _write_cached(ws, a.row + i, a.col + j, v, fmt)


def _write_charts(wb, ws, sp) -> None:
    for ch in sp.charts:
        chart = wb.add_chart({"type": ch.kind})
        chart.add_series({"categories": ch.categories, "values": ch.values, "name": ch.title,
                          "data_labels": {"value": True, "num_format": "0.0" if ch.kind == "column" else "0.000"},
                          "fill": {"color": "#2E75B6"}})
        chart.set_title({"name": ch.title, "name_font": {"size": 12}})
        chart.set_legend({"none": True})
        if ch.kind == "bar":
            chart.set_y_axis({"reverse": True})
        else:
            chart.set_y_axis({"min": 0, "max": 100, "major_unit": 20})
        chart.set_size({"width": ch.size[0], "height": ch.size[1]})
        ws.insert_chart(ch.anchor[0], ch.anchor[1], chart)


def _charted(plan: WorkbookPlan) -> frozenset[str]:
    """The sheets some chart of the plan takes categories or values from."""
    from ..layout.types import parse_ref

    out = set()
    for sp in plan.sheets:
        for ch in sp.charts:
            for refers in (ch.categories, ch.values):
                refers = plan.names.get(refers.lstrip("="), refers) if isinstance(refers, str) else ""
                parsed = parse_ref(refers)
                out.add(parsed[0] if parsed else "*")   # a reference not read: no sheet is rendered directly
    return frozenset(out)


def _write_sheet(wb, ws, sp, fm, lang: str, macro: str | None, macros: frozenset[str] = frozenset(),
                 xlsxwriter_sheets: frozenset[str] = frozenset()) -> direct.Direct | None:
    """Write one sheet of the plan; returns the :class:`direct.Direct` holding its large
    blocks (rendered when the package is finished), if it has one."""
    ws.set_tab_color(INPUT_HEAD if sp.kind == "input" else OUTPUT_HEAD)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    for c, w in sp.widths.items():
        ws.set_column(c, c, w)
    fast = direct.Direct(ws, _write_value, _write_cached) if direct.wanted(sp, xlsxwriter_sheets) else None
    _write_blocks(ws, sp, fm, fast)
    _write_arrays(ws, sp, fm, fast)
    for v in sp.validations:
        ws.data_validation(v.row, v.col, v.last_row, v.last_col, dict(v.options))
    if sp.freeze:
        ws.freeze_panes(*sp.freeze)
    _write_charts(wb, ws, sp)
    if sp.role == "dashboard":
        ws.fit_to_pages(1, 1)
    if sp.button and macro is not None:
        ws.insert_button(sp.button[0], sp.button[1], {
            "macro": macro, "caption": text("rebuild", lang), "width": 180, "height": 36,
        })
    for row, col, name, caption in sp.buttons:
        if name in macros:  # only macros the file's VBA project has
            ws.insert_button(row, col, {"macro": name, "caption": caption, "width": 180, "height": 36})
    if sp.role == "dashboard":
        ws.activate()
    return fast


def write_plan(
    plan: WorkbookPlan,
    target: str | Path | io.BytesIO,
    vba_project: bytes | None = None,
    macro: str = "SampleCall",
    created=None,
    preserved=None,
    macros: frozenset[str] = frozenset(),
) -> None:
    """Write ``plan`` to ``target`` (.xlsm when ``vba_project`` is given, else .xlsx).

    ``preserved`` (:class:`bpm_xl.layout.preserve.Preserved`): the user's sheets, notes, sheet
    states and names of the workbook being rebuilt, put back in their places; protection and
    user formula values are applied on the finished bytes (``writers.preserve.apply_package``).
    Every file records where its input names are (``writers.preserve.record_layout``).
    """
    from . import preserve as keep

    wb = _workbook(target, vba_project, created)
    fm = _Formats(wb, plan.lang)
    by_name = {sp.name: sp for sp in plan.sheets}
    if preserved is not None:  # a sheet the plan writes (the hub's survey map) is ours, not a foreign copy
        preserved = replace(preserved, foreign_sheets=tuple(f for f in preserved.foreign_sheets if f.name not in by_name))
    directs = _write_sheets(wb, plan, by_name, fm, preserved, vba_project is not None, macro, macros)
    for name, refers in plan.names.items():
        wb.define_name(name, refers)
    keep.add_user_names(wb, preserved, [*by_name, *(f.name for f in (preserved.foreign_sheets if preserved else ()))],
                        taken=plan.names)
    keep.record_layout(wb, plan.names, [sp.name for sp in plan.sheets if sp.kind == "input"])
    wb.close()
    # the LAMBDA names' descriptions, which XlsxWriter cannot write, go in with the package step
    described = plan.lang if lambdas.has_names(plan.names) else None
    _finish(target, preserved, directs, _known_formulas(plan) if preserved is not None else None, described)


def _workbook(target: str | Path | io.BytesIO, vba_project: bytes | None, created: Any) -> xlsxwriter.Workbook:
    """The XlsxWriter workbook: text stays text, the VBA project and the properties when given."""
    opts = {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True}
    wb = xlsxwriter.Workbook(target, opts)
    if vba_project is not None:
        wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        wb.set_vba_name("ThisWorkbook")
    if created is not None:
        wb.set_properties({"created": created, "author": "bpm-xl", "title": "bpm-xl evaluation"})
    return wb


def _write_sheets(wb: xlsxwriter.Workbook, plan: WorkbookPlan, by_name: dict[str, SheetPlan], fm: "_Formats",
                  preserved: Any, vba: bool, macro: str, macros: frozenset[str]) -> dict[str, direct.Direct]:
    """Every sheet in its order, the plan's and the user's (foreign) ones; the sheets whose
    cells this module renders itself, by name."""
    from . import preserve as keep

    written = 0
    xlsxwriter_sheets = _charted(plan)
    if preserved is not None:   # sheets whose cells writers.preserve.apply_package edits
        xlsxwriter_sheets |= {uf.sheet for uf in preserved.input_formulas}
    directs: dict[str, direct.Direct] = {}
    for item in keep.sheet_order(list(by_name), preserved):
        if not isinstance(item, str):
            fws = keep.add_foreign_sheet(wb, item, preserved.notes.get(item.name, ()))
            if vba:
                fws.set_vba_name(f"UserSheet{len(wb.worksheets())}")
            continue
        sp = by_name[item]
        ws = wb.add_worksheet(sp.name)
        written += 1
        if vba:
            ws.set_vba_name(f"Sheet{written}")
        fast = _write_sheet(wb, ws, sp, fm, plan.lang, macro if vba else None, macros if vba else frozenset(),
                            xlsxwriter_sheets)
        if fast is not None:
            directs[sp.name] = fast
        if preserved is not None:
            _put_back(keep, ws, sp, preserved)
    return directs


def _known_formulas(plan: WorkbookPlan) -> dict[str, frozenset[str]]:
    """Per input sheet, the formula cells the plan writes with a value it computed (its blocks
    with cached values): a rebuild never puts an old value read from the file over them."""
    from ..layout.preserve import cell_a1

    out: dict[str, frozenset[str]] = {}
    for sp in plan.sheets:
        if sp.kind != "input":
            continue
        cells = {cell_a1(b.row + i, b.col + j) for b in sp.blocks
                 if b.cached is not None and not isinstance(b.cells, np.ndarray)
                 for i, row in enumerate(b.cells) for j, v in enumerate(row) if isinstance(v, Formula)}
        if cells:
            out[sp.name] = frozenset(cells)
    return out


def _finish(target, preserved, directs: dict[str, direct.Direct], known: dict[str, frozenset[str]] | None = None,
            described: str | None = None) -> None:
    """What XlsxWriter cannot write, on the package it wrote: protection and the values of
    user formulas (``writers.preserve.apply_package``), then, in one rewrite of the package, the
    large blocks :mod:`.direct` renders (``directs``: sheet name -> its blocks) merged into their
    sheets' parts and the LAMBDA names' descriptions in language ``described``."""
    if preserved is None and not directs and described is None:
        return
    from . import preserve as keep

    data = target.getvalue() if isinstance(target, io.BytesIO) else Path(target).read_bytes()
    if preserved is not None:
        data = keep.apply_package(data, preserved, preserved.source, known)
    parts: dict[str, tuple[Any, int]] = {}
    if directs:
        members = keep.sheet_members(data)
        parts.update({members[name]: (d.write_part, d.size()) for name, d in directs.items()})
    if described is not None:
        parts["xl/workbook.xml"] = (lambda old, write: write(lambdas.comment_names(old, described)), 0)
    data = bulk.replace_parts(data, parts)
    if isinstance(target, io.BytesIO):
        target.seek(0)
        target.truncate()
        target.write(data)
    else:
        Path(target).write_bytes(data)


def _put_back(keep, ws, sp, preserved) -> None:
    """What the user had on one of bpm-xl's sheets: its state, notes, and cells beside the data."""
    if sp.role != "dashboard":
        keep.apply_sheet_state(ws, preserved.sheet_states.get(sp.name))
    keep.add_comments(ws, preserved.notes.get(sp.name, ()))
    if sp.name in preserved.extra_cells:
        keep.add_extra_cells(ws, preserved, sp.name, _taken(sp))


def _taken(sp):
    """Whether the plan writes cell (row, col) of ``sp``: rectangles (a survey of any size is
    one), and the cells of the few ragged blocks."""
    rects = [(a.row, a.row + a.nrows, a.col, a.col + a.ncols) for a in sp.arrays]
    cells = set()
    for b in sp.blocks:
        if b.rectangular():
            rects.append((b.row, b.row + b.nrows, b.col, b.col + b.ncols))
        else:
            cells |= {(b.row + i, b.col + j) for i, row in enumerate(b.cells) for j in range(len(row))}
    return lambda r, c: (r, c) in cells or any(r0 <= r < r1 and c0 <= c < c1 for r0, r1, c0, c1 in rects)


def write_workbook(plan: WorkbookPlan, target: str | Path | io.BytesIO, vba: bytes | None,
                   preserved: Any = None) -> None:
    """Write ``plan`` with the fixed document date (same inputs, same bytes); the Rebuild
    button calls the project's BpmRebuild macro when it has one (older files: SampleCall)."""
    from .vba import button_macro, project_macros

    write_plan(plan, target, vba_project=vba, macro=button_macro(vba), created=FIXED_DATE, preserved=preserved,
               macros=project_macros(vba))
