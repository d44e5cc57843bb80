"""formulon, the Excel 365 engine of the tests: load a file, recalculate, read cells as values.

formulon (pinned in the test extras) is an Excel 365 calculation engine compiled to
WebAssembly; it is the only engine here with LET, LAMBDA and dynamic arrays.
"""

from __future__ import annotations

import io

import formulon
import openpyxl

_ERRORS = {e.value: "#" + e.name for e in formulon.ErrorCode}


def recalc(data: bytes):
    """The workbook in ``data`` loaded and recalculated."""
    fw = formulon.Workbook.load(data)
    fw.recalc()
    return fw


def value(fw, r: int, c: int, sheet: int = 0):
    """A recalculated cell: a float, text, a bool, None (blank) or the error as "#NA", "#VALUE" ..."""
    v = fw.get_value(sheet, r, c)
    if v.number is not None:
        return v.number
    if v.text is not None:
        return v.text
    if v.error_code is not None:
        return _ERRORS.get(v.error_code, f"#{v.error_code}")
    return v.boolean


def is_error(x) -> bool:
    return isinstance(x, str) and x.startswith("#")


def every_formula_shows_its_cached_value(data: bytes, fw, rel: float = 1e-9) -> int:
    """Every formula cell of the file (array ranges cell by cell) recalculated by formulon equals
    its cached value (numbers within ``rel``); returns how many cells were compared."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    shown = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    errors = {"#N/A": "#NA", "#DIV/0!": "#DIV0", "#VALUE!": "#VALUE", "#NUM!": "#NUM"}
    count, bad = 0, []
    for si, ws in enumerate(book.worksheets):
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                ref = v.ref if hasattr(v, "ref") else c.coordinate if isinstance(v, str) and v.startswith("=") else None
                if ref is None:
                    continue
                for srow in shown.worksheets[si][ref] if ":" in ref else ((shown.worksheets[si][ref],),):
                    for sc in srow:
                        want, got = sc.value, value(fw, sc.row - 1, sc.column - 1, si)
                        count += 1
                        if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, float):
                            ok = abs(got - want) <= rel * max(1.0, abs(want))
                        else:
                            ok = errors.get(want, "" if want is None else want) == ("" if got is None else got)
                        if not ok:
                            bad.append((ws.title, sc.coordinate, want, got))
    assert not bad, bad[:10]
    return count
