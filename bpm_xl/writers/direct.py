"""Large sheets of formulas and values rendered as sheet XML directly, in XlsxWriter's bytes.

The portable calculation sheet of 50 experts holds about 650,000 formulas and 1.3 million
values. Through XlsxWriter each cell costs a write call (argument checks, a named tuple in a
dict of dicts) and, when the file is closed, a render call; together about 11 of the export's
34 seconds at 100,000 respondents. Here a sheet's list blocks and array formulas are kept as
they are and rendered row by row at the moment XlsxWriter writes the sheet's rows
(``Worksheet._write_rows``, replaced on that worksheet only), in exactly the bytes XlsxWriter
writes (``tests/test_direct_write.py`` compares every part of whole workbooks both ways):

- what XlsxWriter decides while cells are written is done at the same moment in the same
  order: shared-string indices (strings are indexed when their block is stored) and the sheet
  dimension (the corners of each block);
- what it decides while rows are rendered is done while rows are rendered: style indices
  (assigned on first use, so the order of first use must be XlsxWriter's: row by row, left to
  right) and row spans;
- a block this module does not render exactly as XlsxWriter would (a number that is infinite,
  a string longer than half XlsxWriter's limit, a formula XlsxWriter rewrites, such as a
  dynamic-array or future function, a value of another type) is written by XlsxWriter as
  before; its cells meet the rendered ones in the row, later writes winning as in XlsxWriter.
"""

from __future__ import annotations

import math
import re
from bisect import insort
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from ..layout.types import Formula, col_letter
from . import xlsxfast

__all__ = ["DIRECT_MIN_CELLS", "MARKER", "UNKNOWN", "Direct", "cache", "install"]

#: The stored value of a formula whose value is not known when the file is written.
UNKNOWN = "#N/A"
#: Sheets with fewer cells in list blocks and arrays are written through XlsxWriter (nothing to gain).
DIRECT_MIN_CELLS = 20_000
#: Where the rows go in the sheet XML XlsxWriter writes (a comment: no cell text can hold "<").
MARKER = "<!--bpm-xl rows-->"
#: The cached results XlsxWriter writes with t="e" (``Worksheet._write_cell``).
_ERRORS = xlsxfast.ERRORS
_INFS = (math.inf, -math.inf)
#: Characters XlsxWriter escapes in element text (``XMLwriter._escape_data``).
_ESCAPE = re.compile("[&<>]")


def cache(v: Any) -> Any:
    """A cached formula result as XlsxWriter stores it (numbers, text, booleans); None for
    a value not known (missing, NaN or infinite). A formula is never a value: its text would
    show in every application that displays cached values (a bug in the plan, refused here)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, Formula):
        raise TypeError(f"a formula's cached value is the formula {v[:60]}")
    return v


def _escape(s: str) -> str:
    if _ESCAPE.search(s) is None:
        return s
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _value(value: Any) -> tuple[str, str]:
    """(type attribute, text) of a formula's cached value as ``Worksheet._write_cell`` writes it."""
    if value is None:
        value = UNKNOWN
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, str):
        t = "" if value == "" else ' t="e"' if value in _ERRORS else ' t="str"'
        return t, _escape(value)
    return "", f"{value}"


class _Rows:
    """Rendered cells of one stored block or array, row by row."""

    __slots__ = ("c0", "direct", "fmts", "letters", "styles")

    def __init__(self, direct: Direct, c0: int, fmts: list[Any]) -> None:
        self.direct, self.c0, self.fmts = direct, c0, fmts
        self.letters = [col_letter(c) for c in range(c0, c0 + len(fmts))]
        self.styles: list[str] = []

    def style(self, width: int) -> list[str]:
        """The style indices of the first ``width`` columns, assigned on first use (left to right)."""
        s = self.styles
        while len(s) < width:
            s.append(str(self.fmts[len(s)]._get_xf_index()))
        return s


class _Block(_Rows):
    """A list block (cells with or without cached values); its strings indexed when stored."""

    __slots__ = ("cached", "cells", "strings")

    def __init__(self, direct: Direct, c0: int, fmts: list[Any], cells, cached, strings) -> None:
        super().__init__(direct, c0, fmts)
        self.cells, self.cached, self.strings = cells, cached, strings

    def render(self, i: int, r: str) -> list[str]:
        row = self.cells[i]
        cached = self.cached
        crow = cached[i] if cached is not None and i < len(cached) else ()
        nc = len(crow)
        L, S = self.letters, self.style(len(row))
        out = []
        add = out.append
        for j, v in enumerate(row):
            tv = type(v)
            if tv is Formula:
                f = v[1:] if v.startswith("=") else v
                if f.endswith("}"):
                    f = f[:-1]
                if "&" in f or "<" in f or ">" in f:
                    f = f.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                c = crow[j] if j < nc else None
                if type(c) is float and c - c == 0.0:   # a finite float: the common case
                    add(f'<c r="{L[j]}{r}" s="{S[j]}"><f>{f}</f><v>{c!r}</v></c>')
                else:
                    t, val = _value(cache(c))
                    add(f'<c r="{L[j]}{r}" s="{S[j]}"{t}><f>{f}</f><v>{val}</v></c>')
            elif tv is float or tv is int:
                if v == v:
                    add(f'<c r="{L[j]}{r}" s="{S[j]}"><v>{v:.16G}</v></c>')
                else:
                    add(f'<c r="{L[j]}{r}" s="{S[j]}"/>')
            elif v is None:
                add(f'<c r="{L[j]}{r}" s="{S[j]}"/>')
            else:
                add(f'<c r="{L[j]}{r}" s="{S[j]}" t="s"><v>{self.strings[(i, j)]}</v></c>')
        return out


class _Array(_Rows):
    """An array formula and the values of its other cells (Excel stores them as values)."""

    __slots__ = ("head", "values")

    def __init__(self, direct: Direct, c0: int, fmt: Any, ncols: int, head: Any, values) -> None:
        super().__init__(direct, c0, [fmt] * ncols)
        self.head, self.values = head, values

    def render(self, i: int, r: str) -> list[str]:
        L, S = self.letters, self.style(len(self.fmts))
        vals = self.values[i]
        out = []
        for j, v in enumerate(vals):
            if i == 0 and j == 0:
                out.append(self.direct.xlsxwriter_cell(self.head))
            elif type(v) is tuple:  # a string: (its shared-string index,)
                out.append(f'<c r="{L[j]}{r}" s="{S[j]}" t="s"><v>{v[0]}</v></c>')
            else:
                out.append(f'<c r="{L[j]}{r}" s="{S[j]}"><v>{v:.16G}</v></c>')
        return out


class Direct:
    """The cells of one worksheet stored here instead of in XlsxWriter's table (see the module)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.rows: dict[int, list[tuple[int, int, int, Any, int]]] = {}   # row -> (c0, c1, seq, rows, i)
        self.seq = 0
        self._render_cell = ws._write_cell     # XlsxWriter's (or xlsxfast's) cell writer
        self.program: list[tuple[int, str, Any]] = []
        ws._write_rows = self.write_rows
        ws.bpm_direct = self

    # ------------------------------------------------------------------ storing (write time)
    def _fits(self, r0: int, c0: int, r1: int, c1: int) -> bool:
        ws = self.ws
        return 0 <= r0 <= r1 < ws.xls_rowmax and 0 <= c0 <= c1 < ws.xls_colmax

    def _place(self, r0: int, c0: int, widths: list[int], rows: _Rows) -> None:
        """Record rows ``r0..`` of ``rows`` (row i spans ``widths[i]`` columns from ``c0``): the
        sheet dimension as XlsxWriter's checks would set it, and what they overwrite."""
        ws = self.ws
        filled = [i for i, w in enumerate(widths) if w]
        if not filled:
            return
        ws._check_dimensions(r0 + filled[0], c0)
        ws._check_dimensions(r0 + filled[-1], c0 + max(widths) - 1)
        table = ws.table
        for i in filled:
            r, c1 = r0 + i, c0 + widths[i] - 1
            self.seq += 1
            insort(self.rows.setdefault(r, []), (c0, c1, self.seq, rows, i))
            cells = table.get(r)
            if cells:   # a cell XlsxWriter holds is overwritten by a later write
                for c in [c for c in cells if c0 <= c <= c1]:
                    del cells[c]

    def block(self, row: int, col: int, cells: list[list[Any]], cached: list[list[Any]] | None,
              fmts: list[Any]) -> bool:
        """Store a list block; False (nothing done) when XlsxWriter must write it."""
        widths = [len(r) for r in cells]
        if not widths or not self._fits(row, col, row + len(cells) - 1, col + max(widths, default=1) - 1):
            return False
        strings: list[tuple[int, int, str]] = []
        formulas: list[str] = []
        half = self.ws.xls_strmax // 2
        for i, r in enumerate(cells):
            for j, v in enumerate(r):
                tv = type(v)
                if tv is Formula:
                    formulas.append(v)
                elif tv is float:
                    if v in _INFS:
                        return False
                elif tv is int or v is None:
                    continue
                elif tv is str:
                    if len(v) > half:
                        return False
                    strings.append((i, j, v))
                else:
                    return False
        if formulas and (self.ws.use_future_functions or xlsxfast.needs_preparation(formulas)):
            return False
        index = self.ws.str_table._get_shared_string_index
        table = {(i, j): index(s) for i, j, s in strings}
        self._place(row, col, widths, _Block(self, col, fmts[: max(widths)], cells, cached, table))
        return True

    def array(self, row: int, col: int, nrows: int, ncols: int, formula: str, fmt: Any,
              cached: list[list[Any]] | None) -> bool:
        """Store an array formula with the values of its cells; False when XlsxWriter must write it."""
        if not self._fits(row, col, row + nrows - 1, col + ncols - 1):
            return False
        text = "{" + formula + "}"
        if self.ws.use_future_functions or xlsxfast.needs_preparation([text]) or xlsxfast.dynamic_array(text):
            return False
        cached = cached or []
        first = cache(cached[0][0]) if cached and cached[0] else None
        values: list[list[Any]] = []
        strings: list[tuple[int, int, str]] = []
        half = self.ws.xls_strmax // 2
        for i in range(nrows):
            crow = cached[i] if i < len(cached) else []
            out: list[Any] = []
            for j in range(ncols):
                v = cache(crow[j]) if j < len(crow) and (i or j) else None
                tv = type(v)
                if v is None:
                    out.append(0)         # XlsxWriter pads an array's cells with zeros
                elif tv is float or tv is int:
                    out.append(v)
                elif tv is str and len(v) <= half:
                    out.append(None)
                    strings.append((i, j, v))
                else:
                    return False
            values.append(out)
        index = self.ws.str_table._get_shared_string_index
        for i, j, s in strings:
            values[i][j] = (index(s),)
        from xlsxwriter.worksheet import CellArrayFormulaTuple

        rng = xl_rowcol_to_cell(row, col)
        if nrows > 1 or ncols > 1:
            rng += ":" + xl_rowcol_to_cell(row + nrows - 1, col + ncols - 1)
        head = (row, col, CellArrayFormulaTuple(self.ws._prepare_formula(text), fmt,
                                                first if first is not None else UNKNOWN, rng, "static"))
        self._place(row, col, [ncols] * nrows, _Array(self, col, fmt, ncols, head, values))
        return True

    # ------------------------------------------------------------------ rendering (close time)
    def xlsxwriter_cell(self, item: tuple[int, int, Any]) -> str:
        """One cell rendered by XlsxWriter's own cell writer."""
        return self._xlsxwriter_xml(self._render_cell, *item)

    def _spans(self, lo: int, hi: int) -> dict[int, str]:
        """XlsxWriter's row spans (per 16 rows, first:last column with a cell) over both stores."""
        ws = self.ws
        spans: dict[int, list[int]] = {}
        r0, r1 = ws.dim_rowmin, ws.dim_rowmax
        for r, segs in self.rows.items():
            cols = [c for c0, c1, *_ in segs for c in (max(c0, lo), min(c1, hi)) if c0 <= hi and c1 >= lo]
            if cols:
                self._widen(spans, r, min(cols), max(cols))
        for source in (ws.table, ws.comments):
            for r, cells in source.items():
                cols = [c for c in cells if lo <= c <= hi] if r0 <= r <= r1 else None
                if cols:
                    self._widen(spans, r, min(cols), max(cols))
        return {k: f"{a + 1}:{b + 1}" for k, (a, b) in spans.items()}

    @staticmethod
    def _widen(spans: dict[int, list[int]], r: int, a: int, b: int) -> None:
        s = spans.get(r // 16)
        if s is None:
            spans[r // 16] = [a, b]
        else:
            s[0], s[1] = min(s[0], a), max(s[1], b)

    def _row_items(self, r: int, segs, cells: dict[int, Any], lo: int, hi: int) -> list[Any]:
        """The cells of row ``r`` in column order, each a segment still to render (``(rows, i)``,
        its styles assigned now) or rendered XML (XlsxWriter's own cells, rendered now): every
        style index is assigned here, in XlsxWriter's order (row by row, left to right)."""
        table_cols = sorted(c for c in cells if lo <= c <= hi) if cells else []
        clean = all(segs[k][1] < segs[k + 1][0] for k in range(len(segs) - 1)) and not any(
            c0 <= c <= c1 for c in table_cols for c0, c1, *_ in segs)
        if clean and all(lo <= s[0] and s[1] <= hi for s in segs):
            out: list[Any] = []
            t = 0
            for c0, c1, _seq, rows, i in segs:
                while t < len(table_cols) and table_cols[t] < c0:
                    out.append(self.xlsxwriter_cell((r, table_cols[t], cells[table_cols[t]])))
                    t += 1
                rows.style(c1 - c0 + 1)
                out.append((rows, i))
            out += [self.xlsxwriter_cell((r, c, cells[c])) for c in table_cols[t:]]
            return out
        # overlapping writes: per column the latest (XlsxWriter's table holds only writes made
        # after every segment stored over it, see _place); rendered now, column by column
        rs = str(r + 1)
        best: dict[int, Any] = {}
        for c0, _c1, _seq, rows, i in sorted(segs, key=lambda s: s[2]):
            for j in range(_c1 - c0 + 1):
                best[c0 + j] = (rows, i, j)
        out = []
        for c in sorted(set(best) | set(table_cols)):
            if not lo <= c <= hi:
                continue
            if c in cells:
                out.append(self.xlsxwriter_cell((r, c, cells[c])))
            else:
                rows, i, j = best[c]
                rows.style(j + 1)
                out.append(rows.render(i, rs)[j])
        return out

    def write_rows(self) -> None:
        """In place of ``Worksheet._write_rows`` (XlsxWriter is writing the sheet): assign the
        style indices and spans as XlsxWriter would, and write :data:`MARKER` where the rows go;
        :meth:`stream` writes them into the package afterwards (:func:`bulk.splice_bytes`)."""
        ws = self.ws
        lo, hi = ws.dim_colmin, ws.dim_colmax
        spans = self._spans(lo, hi)
        ws.row_spans = spans
        table, comments, info = ws.table, ws.comments, ws.row_info
        rows = set(self.rows) | {r for r, c in table.items() if c} | set(comments) | set(info)
        quick = self._quick_heads()
        program = []
        for r in sorted(x for x in rows if ws.dim_rowmin <= x <= ws.dim_rowmax):  # as XlsxWriter's loop
            span = spans.get(r // 16)
            row_info = info.get(r)
            cells = table.get(r)
            segs = self.rows.get(r)
            if not cells and not segs:
                program.append((r, self._xlsxwriter_xml(ws._write_empty_row, r, span, row_info), ()))
                continue
            if row_info is None and quick:
                head = f'<row r="{r + 1}" spans="{span}">' if span else f'<row r="{r + 1}">'
            else:
                head = self._xlsxwriter_xml(ws._write_row, r, span, row_info)
            program.append((r, head, self._row_items(r, segs or [], cells or {}, lo, hi)))
        self.program = program
        ws.fh.write(MARKER)

    def _quick_heads(self) -> bool:
        """Whether a row without row settings starts as ``<row r=".." spans="..">`` in this
        worksheet (XlsxWriter adds heights or an Excel 2010 attribute when so configured)."""
        ws = self.ws
        return (self._xlsxwriter_xml(ws._write_row, 0, "1:1") == '<row r="1" spans="1:1">'
                and self._xlsxwriter_xml(ws._write_row, 0, None) == '<row r="1">')

    def _xlsxwriter_xml(self, method, *args) -> str:
        ws = self.ws
        fh, ws.fh = ws.fh, _Collect()
        try:
            method(*args)
            return ws.fh.text()
        finally:
            ws.fh = fh

    def stream(self, write) -> None:
        """Write the rows (XlsxWriter's bytes) in chunks of text to ``write``."""
        out: list[str] = []
        size = 0
        for r, head, items in self.program:
            rs = str(r + 1)
            out.append(head)
            if not items and not head.endswith("/>"):
                out.append("</row>")
                continue
            for item in items:
                if type(item) is str:
                    out.append(item)
                else:
                    out.append("".join(item[0].render(item[1], rs)))
            if items:
                out.append("</row>")
            size += 1
            if size >= 512:
                write("".join(out))
                out, size = [], 0
        if out:
            write("".join(out))

    def cells(self) -> int:
        """An estimate of the cells stored (for the zip's 64-bit sizes)."""
        return sum(c1 - c0 + 1 for segs in self.rows.values() for c0, c1, *_ in segs)


class _Collect:
    """A file handle collecting what one call writes."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> None:
        self.parts.append(s)

    def text(self) -> str:
        return "".join(self.parts)


def install(ws: Any) -> Direct | None:
    """Store ``ws``'s list blocks and arrays here (None: XlsxWriter writes every cell, as on a
    release :mod:`.xlsxfast` was not tested against, or in constant-memory mode)."""
    if not xlsxfast.tested() or ws.constant_memory:
        return None
    return Direct(ws)
