"""XlsxWriter's per-cell work, done faster with the same bytes (an install per worksheet).

A portable workbook of 50 experts has 1.4 million formula and number cells on its calculation
sheet; XlsxWriter spends most of its time on them in two places, both replaced here on the
worksheet object only, each falling back to XlsxWriter's own code for anything else:

- ``_prepare_formula`` tries 29 ``re.sub`` (the dynamic-array functions) on every formula:
  skipped when the formula calls none of those functions (the list is read from XlsxWriter's
  source, so it is that version's);
- ``_write_formula`` checks each formula for dynamic-array functions (one more regex) before
  preparing and storing it: a formula calling none of them is stored as XlsxWriter stores it;
- ``_write_rows`` and ``_calculate_spans`` look at every column between the sheet's first and
  last for every row: the columns a row has, in order, give the same rows and spans;
- ``_write_cell`` builds each cell's attributes with escaping and dispatch: numbers, styled
  blanks and formulas with a format are written with the same text directly.
"""

from __future__ import annotations

import re
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellFormulaTuple

__all__ = ["ERRORS", "dynamic_array", "install", "needs_preparation", "tested"]

#: The cached results XlsxWriter writes with t="e" (worksheet._write_cell).
ERRORS = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


#: XlsxWriter releases whose private methods these replacements were written and tested
#: against (tests/test_bulk_write.py compares every part with XlsxWriter's own output); with
#: any other release nothing is replaced and XlsxWriter writes every cell itself.
TESTED_XLSXWRITER = ("3.3.",)


def tested() -> bool:
    """Whether the installed XlsxWriter is a release these replacements were tested against."""
    return xlsxwriter.__version__.startswith(TESTED_XLSXWRITER)


def install(ws: Any) -> None:
    """Make ``ws`` (an XlsxWriter worksheet) write formulas and cells faster, same bytes."""
    if not tested():
        return
    _quick_formulas(ws)
    _quick_formula_cells(ws)
    _quick_cells(ws)
    _quick_rows(ws)


def _dynamic_names() -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The functions XlsxWriter's ``_prepare_formula`` rewrites when future functions are off
    (it tries 29 ``re.sub`` on every formula: most of the time of a portable file's 650,000
    formulas), read from its source so that it is that version's list: (names it rewrites
    after a word boundary, texts that send a formula the slow way). None when the source does
    not read as expected: every formula then takes XlsxWriter's own path."""
    import inspect

    try:
        src = inspect.getsource(xlsxwriter.worksheet.Worksheet._prepare_formula)
    except (OSError, TypeError):
        return None
    head = src.split("if not self.use_future_functions", 1)
    subs = re.findall(r're\.sub\(r"([^"]+)",', head[0]) if len(head) == 2 else []
    names, texts = set(), []
    for pat in subs:
        m = re.fullmatch(r"\\b([A-Z][A-Z0-9]*)\\\(", pat)
        if m:
            names.add(m.group(1))
        elif pat == r"\SINGLE\(":   # (sic) any non-space character before INGLE(
            texts.append("INGLE(")
        else:
            return None
    return (frozenset(names), tuple(texts)) if len(names) > 10 and len(texts) == 1 else None


_DYNAMIC = _dynamic_names()
#: Each whole word of capitals and digits before "(": the only text a ``\bNAME\(`` pattern of
#: those lists can match (NAME is capitals and digits; a word starts after a non-word character).
_CALLED = re.compile(r"(?<!\w)([A-Z][A-Z0-9]*+)\(")


def _quick_formulas(ws) -> None:
    """XlsxWriter's formula preparation, skipped where it would change nothing (same text)."""
    slow = ws._prepare_formula
    if _DYNAMIC is None:
        return
    names, texts = _DYNAMIC

    def prepare(formula, expand_future_functions=False):
        if (expand_future_functions or ws.use_future_functions or any(t in formula for t in texts)
                or not names.isdisjoint(_CALLED.findall(formula))):
            return slow(formula, expand_future_functions)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        return formula[:-1] if formula.endswith("}") else formula

    ws._prepare_formula = prepare


def _dynamic_array_names() -> frozenset[str] | None:
    """The functions for which XlsxWriter writes a dynamic array formula (its
    ``re_dynamic_function``), or None when that pattern does not read as a list of names."""
    pattern = getattr(xlsxwriter.worksheet, "re_dynamic_function", None)
    if pattern is None:
        return None
    names = re.findall(r"\\b([A-Z][A-Z0-9]*)\\\(", pattern.pattern)
    rest = re.sub(r"\\b[A-Z][A-Z0-9]*\\\(|[\s|]", "", pattern.pattern)
    return frozenset(names) if names and not rest else None


_ARRAY_NAMES = _dynamic_array_names()


def needs_preparation(formulas: list[str]) -> bool:
    """Whether XlsxWriter would change any of ``formulas`` beyond removing a leading ``=`` (or
    ``{=``) and a trailing ``}``: one calls a function XlsxWriter rewrites (future functions) or
    writes as a dynamic array, or the lists of those functions could not be read from this
    XlsxWriter.

    Many formulas differ only in their row numbers, so the check runs on their distinct
    skeletons, each digit 1-9 written as 0 (UTF-8 bytes: a digit byte is never part of another
    character). The skeleton keeps every character's class (a digit stays a word character),
    so a name that matches in a formula matches, with its digits as 0, in its skeleton: the
    answer errs only towards True (XlsxWriter's own path)."""
    if _DYNAMIC is None or _ARRAY_NAMES is None:
        return True
    if not formulas:
        return False
    data = "\n".join(formulas).encode()
    if len(formulas) > 8:
        data = b"\n".join(set(data.translate(_ZEROS).split(b"\n")))
    text = data.decode()
    return any(t in text for t in _DYNAMIC[1]) or not _ZERO_NAMES.isdisjoint(_CALLED.findall(text))


_ZEROS = bytes.maketrans(b"123456789", b"000000000")
#: The names of both lists with their digits as 0 (compared with skeletons, see needs_preparation).
_ZERO_NAMES = frozenset(n.translate(str.maketrans("123456789", "000000000"))
                        for n in ((_DYNAMIC[0] if _DYNAMIC else frozenset()) | (_ARRAY_NAMES or frozenset())))


def dynamic_array(text: str) -> bool:
    """Whether XlsxWriter writes a formula of ``text`` as a dynamic array formula."""
    return _ARRAY_NAMES is None or not _ARRAY_NAMES.isdisjoint(_CALLED.findall(text))


def _quick_formula_cells(ws: Any) -> None:
    """A formula calling no dynamic-array function, stored as XlsxWriter's ``_write_formula``
    stores it (after ``_prepare_formula``: without its leading ``=`` and a trailing ``}``)."""
    if _DYNAMIC is None or _ARRAY_NAMES is None:
        return
    slow = ws._write_formula
    names, (text,) = _DYNAMIC[0] | _ARRAY_NAMES, _DYNAMIC[1]

    def write_formula(row: int, col: int, formula: str, cell_format: Any = None, value: Any = 0) -> int:
        if (not formula or ws.constant_memory or ws.use_future_functions or formula.startswith("{")
                or text in formula or not names.isdisjoint(_CALLED.findall(formula))):
            return slow(row, col, formula, cell_format, value)
        if ws._check_dimensions(row, col):
            return -1
        f = formula[1:] if formula.startswith("=") else formula
        ws.table[row][col] = CellFormulaTuple(f[:-1] if f.endswith("}") else f, cell_format, value)
        return 0

    ws._write_formula = write_formula


def _quick_cells(ws: Any) -> None:
    """Numbers, blanks and formulas that carry a format, written as XlsxWriter's
    ``_write_cell`` writes them (``<c r=".." s=".."><v>{number:.16G}</v></c>`` ...)."""
    slow = ws._write_cell
    escape = ws._escape_data
    letters: dict[int, str] = {}
    styles: dict[int, int] = {}

    def write_cell(row: int, col: int, cell: Any) -> None:
        fmt = cell.format
        kind = type(cell).__name__
        if fmt is None or kind not in ("Number", "Blank", "Formula"):
            slow(row, col, cell)
            return
        letter = letters.get(col)
        if letter is None:
            letter = letters[col] = xl_col_to_name(col)
        s = styles.get(id(fmt))
        if s is None:
            s = styles[id(fmt)] = fmt._get_xf_index()
        if kind == "Number":
            ws.fh.write(f'<c r="{letter}{row + 1}" s="{s}"><v>{cell.number:.16G}</v></c>')
        elif kind == "Blank":
            ws.fh.write(f'<c r="{letter}{row + 1}" s="{s}"/>')
        else:
            value, t = cell.value, ""
            if isinstance(value, bool):
                value, t = (1 if value else 0), ' t="b"'
            elif isinstance(value, str) and value:
                t = ' t="e"' if value in ERRORS else ' t="str"'
            ws.fh.write(f'<c r="{letter}{row + 1}" s="{s}"{t}><f>{escape(cell.formula)}</f><v>{escape(value)}</v></c>')

    ws._write_cell = write_cell


def _columns(cells: dict[int, Any], lo: int, hi: int) -> list[int]:
    """The columns of one row of a worksheet table (or of its comments) within [lo, hi], in order."""
    return sorted(c for c in cells if lo <= c <= hi)


def _quick_rows(ws: Any) -> None:
    """XlsxWriter's ``_calculate_spans`` and ``_write_rows`` over the columns each row has
    (theirs test every column of the sheet's range, for every row)."""

    def calculate_spans() -> None:
        spans: dict[int, str] = {}
        span_min = span_max = None
        lo, hi = ws.dim_colmin, ws.dim_colmax
        for row_num in range(ws.dim_rowmin, ws.dim_rowmax + 1):
            for source in (ws.table, ws.comments):
                cols = _columns(source[row_num], lo, hi) if row_num in source else ()
                if cols and span_min is None:
                    span_min, span_max = cols[0], cols[-1]
                elif cols:
                    span_min, span_max = min(span_min, cols[0]), max(span_max, cols[-1])
            if ((row_num + 1) % 16 == 0 or row_num == ws.dim_rowmax) and span_min is not None:
                spans[int(row_num / 16)] = f"{span_min + 1}:{span_max + 1}"
                span_min = None
        ws.row_spans = spans

    def write_rows() -> None:
        calculate_spans()
        lo, hi = ws.dim_colmin, ws.dim_colmax
        for row_num in range(ws.dim_rowmin, ws.dim_rowmax + 1):
            if not (row_num in ws.row_info or row_num in ws.comments or ws.table[row_num]):
                continue
            span = ws.row_spans.get(int(row_num / 16))
            info = ws.row_info[row_num] if row_num in ws.row_info else None
            cells = ws.table[row_num]
            if not cells:
                ws._write_empty_row(row_num, span, info)
                continue
            if info is None:
                ws._write_row(row_num, span)
            else:
                ws._write_row(row_num, span, info)
            for col_num in _columns(cells, lo, hi):
                ws._write_cell(row_num, col_num, cells[col_num])
            ws._xml_end_tag("row")

    if not ws.constant_memory:
        ws._calculate_spans = calculate_spans
        ws._write_rows = write_rows
