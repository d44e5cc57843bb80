"""Write a :class:`~bpm_xl.sheets.plan.WorkbookPlan` to a new .xlsm/.xlsx with XlsxWriter.

The writer is a thin shell: it maps plan styles to cell formats, writes blocks, array
formulas, data validation, defined names, charts and the rebuild button, and embeds the VBA
project (xlwings' module, the generated ``xlwings_udfs`` module and the help registration).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import xlsxwriter

from .plan import WorkbookPlan

__all__ = ["write_plan"]

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
        inp = kind == "input"
        if style == "title":
            props.update(bold=True, font_size=14, font_color=TITLE_COLOR)
        elif style == "subtitle":
            props.update(bold=True, font_color=TITLE_COLOR)
        elif style == "header":
            props.update(bold=True, bg_color=INPUT_HEAD if inp else OUTPUT_HEAD, border=1, text_wrap=True, align="center")
        elif style == "rowhead":
            props.update(bold=True, bg_color="#F2F2F2", border=1)
        elif style in ("input", "settings"):
            props.update(bg_color=INPUT_FILL, border=1, border_color="#BFBFBF", locked=False)
        elif style == "judgment":
            props.update(bg_color=INPUT_FILL, border=1, border_color="#BFBFBF", num_format="# ?/?", align="center", locked=False)
        elif style == "judgment_lower":
            props.update(bg_color=LOWER_FILL, border=1, border_color="#BFBFBF", num_format="# ?/?", align="center", font_color="#808080", locked=False)
        elif style == "judgment_diag":
            props.update(bg_color="#D9D9D9", border=1, border_color="#BFBFBF", align="center")
        elif style == "guide":
            props.update(text_wrap=True)
        elif style == "note":
            props.update(italic=True, font_color="#595959")
        elif style == "reference":
            props.update(font_color="#595959", num_format="0.0000", border=1, border_color="#D9D9D9")
        elif style == "meta":
            props.update(italic=True, font_color="#404040")
        elif style in ("totallabel",):
            props.update(bold=True, bg_color=OUTPUT_HEAD, border=1)
        elif style == "kpi":
            props.update(bold=True, font_size=12, bg_color=OUTPUT_FILL, border=1, num_format="0.0000")
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


def _cache(v: Any) -> Any:
    """A cached formula result as XlsxWriter stores it (numbers, text, booleans)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return v


def _write_value(ws, r: int, c: int, v: Any, fmt, cached: Any = None) -> None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, str) and v.startswith("="):
        value = _cache(cached)
        if value is None:
            ws.write_formula(r, c, v, fmt)
        else:
            ws.write_formula(r, c, v, fmt, value)
    elif isinstance(v, bool):
        ws.write_string(r, c, str(v), fmt)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v, fmt)
    else:
        ws.write_string(r, c, str(v), fmt)


def write_plan(
    plan: WorkbookPlan,
    target: str | Path | io.BytesIO,
    vba_project: bytes | None = None,
    macro: str = "SampleCall",
    created=None,
    preserved=None,
) -> None:
    """Write ``plan`` to ``target`` (.xlsm when ``vba_project`` is given, else .xlsx).

    ``preserved`` (:class:`bpm_xl.readers.preserve.Preserved`): the user's sheets, notes, sheet
    states and names of the workbook being rebuilt, put back in their places; protection and
    user formula values are applied afterwards on the bytes (``writers.preserve.apply_package``).
    """
    from ..writers import preserve as keep

    opts = {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True}
    wb = xlsxwriter.Workbook(target, opts)
    if vba_project is not None:
        wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        wb.set_vba_name("ThisWorkbook")
    if created is not None:
        wb.set_properties({"created": created, "author": "bpm-xl", "title": "bpm-xl evaluation"})
    fm = _Formats(wb, plan.lang)
    sheets = {}
    by_name = {sp.name: sp for sp in plan.sheets}
    for item in keep.sheet_order(list(by_name), preserved):
        if not isinstance(item, str):
            fws = keep.add_foreign_sheet(wb, item, preserved.notes.get(item.name, ()))
            if vba_project is not None:
                fws.set_vba_name(f"UserSheet{len(wb.worksheets())}")
            continue
        sp = by_name[item]
        ws = wb.add_worksheet(sp.name)
        if vba_project is not None:
            ws.set_vba_name(f"Sheet{len(sheets) + 1}")
        sheets[sp.role] = ws
        ws.set_tab_color(INPUT_HEAD if sp.kind == "input" else OUTPUT_HEAD)
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        for c, w in sp.widths.items():
            ws.set_column(c, c, w)
        for b in sp.blocks:
            for i, row in enumerate(b.cells):
                for j, v in enumerate(row):
                    style = b.col_styles.get(j, b.style)
                    if b.style == "judgment":
                        if i == j:
                            style = "judgment_diag"
                        elif i > j:
                            style = "judgment_lower"
                    cached = None
                    if b.cached is not None and i < len(b.cached) and j < len(b.cached[i]):
                        cached = b.cached[i][j]
                    _write_value(ws, b.row + i, b.col + j, v, fm.get(style, sp.kind), cached)
        for a in sp.arrays:
            fmt = fm.get(a.style, sp.kind)
            first = _cache(a.cached[0][0]) if a.cached else None
            ws.write_array_formula(a.row, a.col, a.row + a.nrows - 1, a.col + a.ncols - 1, "{" + a.formula + "}",
                                   fmt, first if first is not None else 0)
            if a.cached:
                # the other cells of an array range hold only their values, as Excel stores them
                for i, row in enumerate(a.cached[: a.nrows]):
                    for j, v in enumerate(row[: a.ncols]):
                        if i or j:
                            v = _cache(v)
                            if isinstance(v, bool):
                                ws.write_boolean(a.row + i, a.col + j, v, fmt)
                            elif isinstance(v, (int, float)):
                                ws.write_number(a.row + i, a.col + j, v, fmt)
                            elif v is not None:
                                ws.write_string(a.row + i, a.col + j, str(v), fmt)
        for v in sp.validations:
            ws.data_validation(v.row, v.col, v.last_row, v.last_col, dict(v.options))
        if sp.freeze:
            ws.freeze_panes(*sp.freeze)
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
        if sp.role == "dashboard":
            ws.fit_to_pages(1, 1)
        if sp.button and vba_project is not None:
            from .labels import t

            ws.insert_button(sp.button[0], sp.button[1], {
                "macro": macro, "caption": t("rebuild", plan.lang), "width": 180, "height": 36,
            })
        if sp.role == "dashboard":
            ws.activate()
        elif preserved is not None:
            keep.apply_sheet_state(ws, preserved.sheet_states.get(sp.name))
        if preserved is not None:
            keep.add_comments(ws, preserved.notes.get(sp.name, ()))
            if sp.name in preserved.extra_cells:
                taken = {(b.row + i, b.col + j) for b in sp.blocks for i, row in enumerate(b.cells) for j in range(len(row))}
                taken |= {(a.row + i, a.col + j) for a in sp.arrays for i in range(a.nrows) for j in range(a.ncols)}
                keep.add_extra_cells(ws, preserved, sp.name, lambda r, c, taken=taken: (r, c) in taken)
    for name, refers in plan.names.items():
        wb.define_name(name, refers)
    keep.add_user_names(wb, preserved, [*by_name, *(f.name for f in (preserved.foreign_sheets if preserved else ()))])
    keep.record_layout(wb, plan.names, [sp.name for sp in plan.sheets if sp.kind == "input"])
    wb.close()
