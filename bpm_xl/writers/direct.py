"""Large sheets' cells written as sheet XML by bpm-xl, merged into the part XlsxWriter wrote.

XlsxWriter spends a Python call on every cell when it is written and another when the file
is closed. The portable calculation sheet of 50 experts holds about 650,000 formulas and 1.3
million values, a survey of 100,000 respondents 10 million numbers: through XlsxWriter, most
of an export. On such a sheet (:func:`wanted`) the writer hands its list blocks, numeric
arrays and array formulas to a :class:`Direct`, which keeps them as they are and renders
their rows when the package is finished (:meth:`Direct.write_part`). XlsxWriter, through its
public API only, writes everything else of the sheet: its settings, column widths, panes,
data validation, notes, and the cells this module does not render:

- text (XlsxWriter's shared-string table stays whole and its own), booleans, infinite
  numbers, values of other types;
- formulas that call a function outside Excel 2007's set (openpyxl's ``FORMULAE``, the
  functions of the ECMA-376 standard; XlsxWriter writes a formula calling only those as
  typed, less its leading ``=``, and would prefix a newer one with ``_xlfn.`` or make it a
  dynamic array: tests/test_direct_write.py checks every name against XlsxWriter's output);
- array formulas whose formula or first value it would write otherwise.

Styles: for each cell format the module renders, XlsxWriter writes one styled blank (a
carrier) at a cell rendered here; the style index XlsxWriter gave it is read back from the
part, and the carrier's place is taken by the rendered cell. The rows of the part are then
merged with the rendered ones, row by row and column by column, and ``<dimension>`` widened;
every other element of the part is XlsxWriter's, as written. A sheet on which the plan writes
some cell twice (overlapping blocks, :func:`overlaps`) is left to XlsxWriter whole, and so
is a sheet a chart reads (XlsxWriter caches a chart's values from the cells it holds).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from openpyxl.utils import FORMULAE

from ..layout.types import Formula, col_letter
from . import bulk

__all__ = ["DIRECT_MIN_CELLS", "ERRORS", "UNKNOWN", "Direct", "cache", "overlaps", "renderable", "wanted"]

#: The stored value of a formula whose value is not known when the file is written.
UNKNOWN = "#N/A"
#: Sheets with fewer cells in list blocks and arrays are written by XlsxWriter (little to gain),
#: unless they hold a large numeric array (a survey). Low, because XlsxWriter tries 29 regular
#: expressions on each formula it writes (about 0.5 ms for one of the portable workbook's long
#: formulas): a result sheet of 1,000 formulas costs it half a second.
DIRECT_MIN_CELLS = 1_000
#: The cached results written with t="e" (as XlsxWriter writes them).
ERRORS = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
_ROWS, _COLS = 1_048_576, 16_384
_ESCAPE = re.compile("[&<>]")
#: Each name called in a formula: the run of word characters and dots before "(".
_CALLED = re.compile(r"([\w.]+)\(")
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_NO_CELLS: dict[int, str] = {}


def cache(v: Any) -> Any:
    """A cached formula result as stored (numbers, text, booleans); None for a value not
    known (missing, NaN or infinite). A formula is never a value: its text would show in
    every application that displays cached values (a bug in the plan, refused here)."""
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
    """(type attribute, text) of a formula's cached value, as XlsxWriter writes it."""
    if value is None:
        value = UNKNOWN
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, str):
        t = "" if value == "" else ' t="e"' if value in ERRORS else ' t="str"'
        return t, _escape(value)
    return "", _escape(f"{value}")


def _plain(formula: str) -> bool:
    """Whether one formula is written as typed: not empty, not ``{...}``, every call a
    function of :data:`FORMULAE`."""
    return bool(formula) and not formula.startswith("{") and all(n in FORMULAE for n in _CALLED.findall(formula))


def renderable(formulas: list[str]) -> bool:
    """Whether every one of ``formulas`` is written as typed (see :func:`_plain`).

    Many formulas differ only in their row numbers, so the names are read from their
    distinct skeletons, each digit 1-9 written as 0; a name that holds a digit (LOG10) is
    then looked up in the formulas themselves."""
    if not formulas:
        return True
    data = "\n".join(formulas).encode()
    if len(formulas) > 8:
        data = b"\n".join(set(data.translate(_ZEROS).split(b"\n")))
    lines = data.decode().split("\n")
    if any(not f or f.startswith("{") for f in lines):
        return False
    names = set(_CALLED.findall("\n".join(lines)))
    if names <= FORMULAE:
        return True
    if any(n not in FORMULAE and "0" not in n for n in names):
        return False
    return all(map(_plain, formulas))


# ------------------------------------------------------------------------------ which sheets
def _rects(sp: Any) -> list[tuple[int, int, int, int, Any]]:
    """(first row, last row, first col, last col, row widths or None) of each block and array."""
    out = []
    for b in sp.blocks:
        if isinstance(b.cells, np.ndarray):
            if b.cells.ndim == 2 and b.cells.size:
                out.append((b.row, b.row + b.cells.shape[0] - 1, b.col, b.col + b.cells.shape[1] - 1, None))
            continue
        widths = [len(r) for r in b.cells]
        if any(widths):
            ragged = len(set(widths)) > 1
            out.append((b.row, b.row + len(widths) - 1, b.col, b.col + max(widths) - 1, widths if ragged else None))
    for a in sp.arrays:
        if a.nrows > 0 and a.ncols > 0:
            out.append((a.row, a.row + a.nrows - 1, a.col, a.col + a.ncols - 1, None))
    return out


def _touch(a: tuple, b: tuple) -> bool:
    """Whether two rectangles of :func:`_rects`, whose bounds meet, have a cell in common."""
    if a[4] is None and b[4] is None:
        return True
    for r in range(max(a[0], b[0]), min(a[1], b[1]) + 1):
        ranges = []
        for x in (a, b):
            w = x[4][r - x[0]] if x[4] is not None else x[3] - x[2] + 1
            ranges.append((x[2], x[2] + w - 1))
        if ranges[0][0] <= ranges[0][1] and ranges[1][0] <= ranges[1][1] and \
                ranges[0][0] <= ranges[1][1] and ranges[1][0] <= ranges[0][1]:
            return True
    return False


def overlaps(sp: Any) -> bool:
    """Whether the sheet plan writes some cell twice (two blocks or arrays over one cell)."""
    active: list[tuple] = []
    for rect in sorted(_rects(sp), key=lambda x: x[:4]):
        active = [a for a in active if a[1] >= rect[0]]
        if any(a[2] <= rect[3] and rect[2] <= a[3] and _touch(a, rect) for a in active):
            return True
        active.append(rect)
    return False


def wanted(sp: Any, xlsxwriter_sheets: frozenset[str]) -> bool:
    """Whether a :class:`Direct` takes the sheet's blocks: a sheet with a large numeric array
    or with :data:`DIRECT_MIN_CELLS` cells in list blocks and arrays, that is not in
    ``xlsxwriter_sheets`` (the sheets charts read, and those whose cells the package step
    edits) and on which no cell is written twice."""
    if sp.name in xlsxwriter_sheets or "*" in xlsxwriter_sheets:
        return False
    big = any(bulk.bulk_ok(b.cells) for b in sp.blocks)
    if not big:
        cells = sum(a.nrows * a.ncols for a in sp.arrays)
        cells += sum(len(r) for b in sp.blocks if not isinstance(b.cells, np.ndarray) for r in b.cells)
        big = cells >= DIRECT_MIN_CELLS
    return big and not overlaps(sp)


# ------------------------------------------------------------------------------ segments
class _Segment:
    """Rows ``r0 ..`` of one stored block, each rendered as the XML of its cells."""

    __slots__ = ("c0", "fmts", "last", "letters", "r0", "r1", "s")

    def __init__(self, r0: int, r1: int, c0: int, fmts: list[Any]) -> None:
        self.r0, self.r1, self.c0, self.fmts = r0, r1, c0, fmts
        self.last = c0 + len(fmts) - 1
        self.letters = [col_letter(c) for c in range(c0, c0 + len(fmts))]
        self.s: list[str] = []

    def width(self, i: int) -> int:
        return len(self.fmts)

    def render(self, i: int, rs: str, their: dict[int, str]) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class _List(_Segment):
    """A list block: numbers, blanks and formulas rendered here; what XlsxWriter wrote in its
    place (text, ``odd`` formulas) taken from ``their`` (that row's cells by column)."""

    __slots__ = ("cached", "cells", "odd")

    def __init__(self, r0: int, c0: int, fmts: list[Any], cells: list[list[Any]], cached: Any,
                 odd: frozenset[tuple[int, int]]) -> None:
        super().__init__(r0, r0 + len(cells) - 1, c0, fmts)
        self.cells, self.cached, self.odd = cells, cached, odd

    def width(self, i: int) -> int:
        return len(self.cells[i])

    def render(self, i: int, rs: str, their: dict[int, str]) -> str:
        row = self.cells[i]
        cached = self.cached
        crow = cached[i] if cached is not None and i < len(cached) else ()
        nc = len(crow)
        L, S, c0, odd = self.letters, self.s, self.c0, self.odd
        out: list[str] = []
        add = out.append
        for j, v in enumerate(row):
            tv = type(v)
            if tv is Formula and not (odd and (i, j) in odd):
                f = v[1:] if v.startswith("=") else v
                if f.endswith("}"):
                    f = f[:-1]
                if "&" in f or "<" in f or ">" in f:
                    f = f.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                c = crow[j] if j < nc else None
                if type(c) is float and c - c == 0.0:   # a finite float: the common case
                    add(f'<c r="{L[j]}{rs}"{S[j]}><f>{f}</f><v>{c!r}</v></c>')
                else:
                    t, val = _value(cache(c))
                    add(f'<c r="{L[j]}{rs}"{S[j]}{t}><f>{f}</f><v>{val}</v></c>')
            elif (tv is float or tv is int) and v - v == 0:
                add(f'<c r="{L[j]}{rs}"{S[j]}><v>{v:.16G}</v></c>')
            elif v is None or (tv is float and v != v):
                add(f'<c r="{L[j]}{rs}"{S[j]}/>')
            else:
                x = their.pop(c0 + j, None)
                if x is not None:
                    add(x)
        return "".join(out)


class _Numbers(_Segment):
    """A 2-D float array (NaN blank), rendered a chunk of rows at a time (:func:`bulk.rows_xml`)."""

    __slots__ = ("chunk", "k", "values")

    def __init__(self, r0: int, c0: int, fmts: list[Any], values: np.ndarray) -> None:
        super().__init__(r0, r0 + len(values) - 1, c0, fmts)
        self.values, self.k, self.chunk = values, -1, []

    def render(self, i: int, rs: str, their: dict[int, str]) -> str:
        k = i // bulk.CHUNK
        if k != self.k:
            lo = k * bulk.CHUNK
            self.chunk = bulk.rows_xml(self.values[lo:lo + bulk.CHUNK], self.r0 + lo + 1, self.letters, self.s)
            self.k = k
        return self.chunk[i - k * bulk.CHUNK]


class _Array(_Segment):
    """An array formula and the values of its other cells (Excel stores them as values);
    text and booleans among them XlsxWriter wrote."""

    __slots__ = ("formula", "head", "ref", "values")

    def __init__(self, r0: int, c0: int, fmt: Any, ncols: int, formula: str, head: tuple[str, str], ref: str,
                 values: list[list[Any]]) -> None:
        super().__init__(r0, r0 + len(values) - 1, c0, [fmt] * ncols)
        self.formula, self.head, self.ref, self.values = formula, head, ref, values

    def render(self, i: int, rs: str, their: dict[int, str]) -> str:
        L, S, c0 = self.letters, self.s, self.c0
        out = []
        for j, v in enumerate(self.values[i]):
            if i == 0 and j == 0:
                t, val = self.head
                out.append(f'<c r="{L[0]}{rs}"{S[0]}{t}><f t="array" ref="{self.ref}">{self.formula}</f><v>{val}</v></c>')
            elif v is None:
                x = their.pop(c0 + j, None)
                if x is not None:
                    out.append(x)
            else:
                out.append(f'<c r="{L[j]}{rs}"{S[j]}><v>{v:.16G}</v></c>')
        return "".join(out)


# ------------------------------------------------------------------------------ one sheet
class Direct:
    """The large blocks of one worksheet, stored here and rendered into its part (see the module).

    ``write_value(ws, row, col, value, fmt, cached)`` and ``write_cached(ws, row, col, value, fmt)``
    are the writer's own cell writers: the cells left to XlsxWriter go through them."""

    def __init__(self, ws: Any, write_value: Callable[..., None], write_cached: Callable[..., None]) -> None:
        self.ws, self.write_value, self.write_cached = ws, write_value, write_cached
        self.segments: list[_Segment] = []
        self.carriers: dict[int, tuple[int, int, Any]] = {}    # id(format) -> (row, col, format)
        self.bounds: list[int] | None = None                   # first row, last row, first col, last col

    # ------------------------------------------------------------------ storing (write time)
    @staticmethod
    def _fits(r0: int, c0: int, r1: int, c1: int) -> bool:
        return 0 <= r0 <= r1 < _ROWS and 0 <= c0 <= c1 < _COLS

    def _carry(self, fmt: Any, r: int, c: int) -> None:
        """XlsxWriter writes a blank of ``fmt`` at (r, c), a cell rendered here: its style index."""
        if fmt is not None and id(fmt) not in self.carriers:
            self.carriers[id(fmt)] = (r, c, fmt)
            self.ws.write_blank(r, c, None, fmt)

    def _add(self, seg: _Segment, first: int, last: int, c1: int) -> None:
        self.segments.append(seg)
        b = self.bounds
        if b is None:
            self.bounds = [first, last, seg.c0, c1]
        else:
            b[0], b[1], b[2], b[3] = min(b[0], first), max(b[1], last), min(b[2], seg.c0), max(b[3], c1)

    def block(self, row: int, col: int, cells: list[list[Any]], cached: list[list[Any]] | None,
              fmts: list[Any]) -> bool:
        """Store a list block; False (nothing done) when XlsxWriter must write it. The cells
        this module does not render are written through ``write_value`` now."""
        widths = [len(r) for r in cells]
        filled = [i for i, w in enumerate(widths) if w]
        if not filled or not self._fits(row, col, row + len(cells) - 1, col + max(widths) - 1):
            return False
        theirs, formulas = _kinds(cells)
        odd: frozenset[tuple[int, int]] = frozenset()
        if formulas and not renderable([f for _, _, f in formulas]):
            odd = frozenset((i, j) for i, j, f in formulas if not _plain(f))
        mine = _List(row, col, fmts[: max(widths)], cells, cached, odd)
        skip = set(theirs) | odd
        self._carry_list(mine.fmts, row, col, filled, widths, skip)
        for i, j in sorted(skip):
            c = cached[i][j] if cached is not None and i < len(cached) and j < len(cached[i]) else None
            self.write_value(self.ws, row + i, col + j, cells[i][j], fmts[j], c)
        self._add(mine, row + filled[0], row + filled[-1], col + max(widths) - 1)
        return True

    def _carry_list(self, fmts: list[Any], row: int, col: int, filled: list[int], widths: list[int],
                    skip: set[tuple[int, int]]) -> None:
        """Carry each column's format on the first cell of the column rendered here."""
        for j, fmt in enumerate(fmts):
            if id(fmt) not in self.carriers:
                i = next((i for i in filled if j < widths[i] and (i, j) not in skip), None)
                if i is not None:
                    self._carry(fmt, row + i, col + j)

    def numbers(self, row: int, col: int, values: np.ndarray, fmts: list[Any]) -> bool:
        """Store a 2-D float array (:func:`bulk.bulk_ok`), NaN blank; False when XlsxWriter must write it."""
        n, m = values.shape
        if not self._fits(row, col, row + n - 1, col + m - 1):
            return False
        for j, fmt in enumerate(fmts[:m]):
            self._carry(fmt, row, col + j)
        self._add(_Numbers(row, col, list(fmts[:m]), values), row, row + n - 1, col + m - 1)
        return True

    def array(self, row: int, col: int, nrows: int, ncols: int, formula: str, fmt: Any,
              cached: list[list[Any]] | None) -> bool:
        """Store an array formula with the values of its cells; False when XlsxWriter must write it.
        Text and booleans among the other cells' values are written through ``write_cached`` now."""
        if nrows < 1 or ncols < 1 or not self._fits(row, col, row + nrows - 1, col + ncols - 1) or not _plain(formula):
            return False
        cached = cached or []
        first = cache(cached[0][0]) if cached and cached[0] else None
        head = first if first is not None else UNKNOWN
        if isinstance(head, bool) or not isinstance(head, (int, float, str)):
            return False
        try:            # as XlsxWriter marks an array formula's value: text unless it reads as a number
            float(head)
            t = ""
        except ValueError:
            t = ' t="str"'
        values, theirs = _array_values(cached, nrows, ncols)
        text = "{" + formula + "}"      # the formula as XlsxWriter stores it: without {, = and }
        text = text[1:]
        text = text[1:] if text.startswith("=") else text
        text = text[:-1] if text.endswith("}") else text
        ref = col_letter(col) + str(row + 1)
        if nrows > 1 or ncols > 1:
            ref += ":" + col_letter(col + ncols - 1) + str(row + nrows)
        self._carry(fmt, row, col)
        for i, j, v in theirs:
            self.write_cached(self.ws, row + i, col + j, v, fmt)
        self._add(_Array(row, col, fmt, ncols, _escape(text), (t, _escape(str(head))), ref, values),
                  row, row + nrows - 1, col + ncols - 1)
        return True

    def size(self) -> int:
        """An estimate of the rendered part's size in bytes, on the high side (a part over
        2 GiB needs the zip's 64-bit sizes): 32 bytes a number of a float array, 200 a cell of
        a list block or an array, 16 MiB for the rest of the part."""
        return (sum((s.r1 - s.r0 + 1) * len(s.fmts) * (32 if isinstance(s, _Numbers) else 200) for s in self.segments)
                + (16 << 20))

    # ------------------------------------------------------------------ rendering (package time)
    def write_part(self, xml: bytes, write: Callable[[bytes], None]) -> None:
        """The sheet part XlsxWriter wrote (``xml``), with the stored rows merged into its
        ``<sheetData>`` and its ``<dimension>`` widened, written to ``write``."""
        text = xml.decode("utf-8")
        m = re.search(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", text, re.DOTALL)
        if m is None:
            raise RuntimeError("direct: the sheet part has no <sheetData>")
        their = _their_rows(m.group(1) or "")
        styles = {}
        for key, (r, c, _fmt) in self.carriers.items():
            cell = their.get(r, (None, {}, ""))[1].pop(c, None)
            if cell is None:
                raise RuntimeError(f"direct: the style carrier {col_letter(c)}{r + 1} is not in the sheet part")
            s = re.search(r' s="\d+"', cell[: cell.index(">")])
            styles[key] = s.group(0) if s else ""
        for seg in self.segments:
            seg.s = [styles.get(id(f), "") for f in seg.fmts]
        write((self._dimension(text[: m.start()]) + "<sheetData>").encode("utf-8"))
        self._stream(their, write)
        write(("</sheetData>" + text[m.end():]).encode("utf-8"))

    def _dimension(self, head: str) -> str:
        """``head`` with ``<dimension ref>`` covering the rendered cells too."""
        if self.bounds is None:
            return head
        r0, r1, c0, c1 = self.bounds
        d = re.search(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', head)
        if d is not None:
            a, b = _col_index(d.group(1)), int(d.group(2)) - 1
            c, e = (_col_index(d.group(3)), int(d.group(4)) - 1) if d.group(3) else (a, b)
            r0, r1, c0, c1 = min(r0, b), max(r1, e), min(c0, a), max(c1, c)
            ref = f"{col_letter(c0)}{r0 + 1}" + (f":{col_letter(c1)}{r1 + 1}" if (r0, c0) != (r1, c1) else "")
            return head[: d.start()] + f'<dimension ref="{ref}"' + head[d.end():]
        return head

    def _stream(self, their: dict[int, tuple[str | None, dict[int, str], str]], write: Callable[[bytes], None]) -> None:
        """Every row, the stored segments' and XlsxWriter's, in order."""
        out: list[str] = []
        rows = sorted(their)
        t = 0
        segs = sorted(self.segments, key=lambda s: s.r0)
        edges = sorted({s.r0 for s in segs} | {s.r1 + 1 for s in segs})
        k = 0
        active: list[_Segment] = []
        for a, b in zip(edges, edges[1:]):
            while k < len(segs) and segs[k].r0 <= a:
                active.append(segs[k])
                k += 1
            active = sorted((s for s in active if s.r1 >= a), key=lambda s: s.c0)
            while t < len(rows) and rows[t] < a:
                out.append(their[rows[t]][2])
                t += 1
            if not active:
                continue
            for r in range(a, b):
                if t < len(rows) and rows[t] == r:
                    out.append(_merged(r, active, their[r]))
                    t += 1
                else:
                    rs = str(r + 1)
                    body = "".join([s.render(r - s.r0, rs, _NO_CELLS) for s in active])
                    if body:
                        out.append(f'<row r="{rs}">{body}</row>')
                if len(out) >= 512:
                    write("".join(out).encode("utf-8"))
                    out = []
        out += [their[r][2] for r in rows[t:]]
        write("".join(out).encode("utf-8"))


def _merged(r: int, active: list[_Segment], row: tuple[str | None, dict[int, str], str]) -> str:
    """Row ``r`` with both rendered cells and cells XlsxWriter wrote, in column order."""
    attrs, cells, raw = row
    rs = str(r + 1)
    items: list[tuple[int, str]] = []
    spans = []
    for s in active:
        i = r - s.r0
        body = s.render(i, rs, cells)
        if body:
            items.append((s.c0, body))
            spans.append((s.c0, s.c0 + s.width(i) - 1))
    for c, x in cells.items():
        if any(a <= c <= b for a, b in spans):
            raise RuntimeError(f"direct: cell {col_letter(c)}{rs} is written by XlsxWriter and by bpm-xl")
        items.append((c, x))
    if not items:
        return raw
    items.sort(key=lambda x: x[0])
    return f'<row r="{rs}"{attrs or ""}>' + "".join(x for _, x in items) + "</row>"


_ROW = re.compile(r'<row r="(\d+)"([^>]*?)(/>|>(.*?)</row>)', re.DOTALL)
_CELL = re.compile(r'<c r="([A-Z]+)\d+"(?:[^>]*?/>|[^>]*>.*?</c>)', re.DOTALL)


def _their_rows(sheet_data: str) -> dict[int, tuple[str | None, dict[int, str], str]]:
    """The rows XlsxWriter wrote: 0-based row -> (attributes but ``spans``, cells by column, the row's XML)."""
    out = {}
    for m in _ROW.finditer(sheet_data):
        attrs = re.sub(r'\sspans="[^"]*"', "", m.group(2))
        cells = {_col_index(c.group(1)): c.group(0) for c in _CELL.finditer(m.group(4) or "")}
        out[int(m.group(1)) - 1] = (attrs, cells, m.group(0))
    return out


def _col_index(letters: str) -> int:
    """0-based column of ``letters`` (``A`` is 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _kinds(cells: list[list[Any]]) -> tuple[list[tuple[int, int]], list[tuple[int, int, Any]]]:
    """The cells of a list block XlsxWriter must write (not a number, blank or formula; an
    infinite float, which XlsxWriter refuses as always), and the formulas, by position."""
    theirs: list[tuple[int, int]] = []
    formulas: list[tuple[int, int, Any]] = []
    for i, r in enumerate(cells):
        for j, v in enumerate(r):
            tv = type(v)
            if tv is Formula:
                formulas.append((i, j, v))
            elif tv is float:
                if v - v != 0.0 and v == v:
                    theirs.append((i, j))
            elif not (tv is int or v is None):
                theirs.append((i, j))
    return theirs, formulas


def _array_values(cached: list[list[Any]], nrows: int, ncols: int) -> tuple[list[list[Any]], list[tuple[int, int, Any]]]:
    """The numbers an array formula's cells store (0 for the first cell, a blank and a value
    written elsewhere), and the other cells' text and booleans, written through ``write_cached``."""
    values: list[list[Any]] = []
    theirs: list[tuple[int, int, Any]] = []
    for i in range(nrows):
        crow = cached[i] if i < len(cached) else []
        out: list[Any] = []
        for j in range(ncols):
            v = cache(crow[j]) if j < len(crow) and (i or j) else None
            tv = type(v)
            if i == 0 and j == 0:
                out.append(0)
            elif v is None:
                out.append(0)         # an array's cells hold 0 until a value is stored
            elif tv is float or tv is int:
                out.append(v)
            else:
                out.append(None)
                theirs.append((i, j, v))
        values.append(out)
    return values, theirs
