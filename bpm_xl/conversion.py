"""The one converter of Excel values: a cell becomes a number, a blank, or a refusal.

Every module that takes cells (ahp, scoring, delphi, the Excel functions and the workbook
readers) converts them here, so a value means the same thing everywhere:

* numbers (int, float, numpy numbers) are numbers; a float NaN and ``None`` are blanks;
* text is trimmed and read after Unicode NFKC normalisation, so full-width digits and
  slash ("１／３", "０.５") read like their ASCII forms; ``""`` is a blank;
  ``"3"``, ``" 0.5 "`` and fractions ``"1/3"``, ``" 1 / 3 "`` are numbers;
* everything else is *invalid* and refused by the caller with the argument, row and column:
  other text, booleans, the text "NaN"/"inf" (never read as a blank or as infinity), and
  Excel error values ("#DIV/0!", "#N/A" ... as text or as the reader libraries' error
  objects).

Examples
--------
>>> number("１／３") == 1 / 3, number(" 0.5 "), number(None)
(True, 0.5, nan)
>>> isinstance(number("#DIV/0!"), Invalid), isinstance(number("NaN"), Invalid)
(True, True)
>>> to_grid([[1, "1/3"], [None, 2]], "matrix").values.tolist()
[[1.0, 0.3333333333333333], [nan, 2.0]]
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .errors import BpmError, MatrixShapeError, MissingValueError, ScaleError

__all__ = ["EXCEL_ERRORS", "Invalid", "Grid", "number", "show", "to_grid", "to_vector", "is_error_value",
           "table", "check_cells", "cell_errors", "scale_errors", "vector", "scalar", "labels", "visible"]

#: Excel's error values as text (what openpyxl and xlwings deliver for an error cell).
EXCEL_ERRORS = frozenset({
    "#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
    "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class Invalid:
    """A cell that is not a number or a blank; ``value`` is what the cell held."""

    value: Any

    @property
    def is_error(self) -> bool:
        return is_error_value(self.value)


def is_error_value(value: Any) -> bool:
    """An Excel error value: the text "#N/A" ... or a reader library's error object."""
    if isinstance(value, str):
        return value.strip().upper() in EXCEL_ERRORS
    name = type(value).__name__.lower()
    return "error" in name and not isinstance(value, BaseException)


def _text_number(text: str) -> float | None:
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return math.nan
    if s.count("/") == 1:
        num, den = (p.strip() for p in s.split("/"))
        if _NUMBER.fullmatch(num) and _NUMBER.fullmatch(den):
            d = float(den)
            return float(num) / d if d != 0 else None
        return None
    if _NUMBER.fullmatch(s):
        return float(s)
    return None


def number(value: Any) -> float | Invalid:
    """One cell: a float (NaN for a blank) or :class:`Invalid`."""
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        return Invalid(bool(value))
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        x = _text_number(value)
        return Invalid(value) if x is None else x
    return Invalid(value)


def show(value: Any) -> str:
    """A cell value as a message shows it: 7, 4.5, 'abc', TRUE, the error value #DIV/0!."""
    if isinstance(value, Invalid):
        value = value.value
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if is_error_value(value):
        return f"the error value {str(value).strip() if isinstance(value, str) else _error_text(value)}"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def _error_text(value: Any) -> str:
    text = str(value)
    for e in EXCEL_ERRORS:
        if e.strip("#!?/").replace("/", "").lower() in text.replace("/", "").lower():
            return e
    return text


@dataclass(frozen=True, slots=True)
class Grid:
    """A converted 2-D range: floats (NaN = blank or invalid) and the invalid cells in row-major order."""

    values: np.ndarray
    invalid: tuple[tuple[int, int, Invalid], ...] = ()
    labels: tuple[str, ...] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.values.shape[0]), int(self.values.shape[1]))


def _raw_2d(data: Any, name: str, vector_as: str) -> tuple[np.ndarray, tuple[str, ...] | None]:
    labels = None
    raw: np.ndarray
    if isinstance(data, pd.DataFrame):
        labels = tuple(str(c) for c in data.columns)
        raw = data.to_numpy() if all(k in "fiu" for k in (dt.kind for dt in data.dtypes)) else data.to_numpy(dtype=object)
    elif isinstance(data, pd.Series):
        raw = data.to_numpy(dtype=object).reshape(-1, 1)
    elif isinstance(data, np.ndarray):
        raw = data
    elif isinstance(data, (list, tuple)):
        raw = _sequence_array(data, name)
    else:
        raw = np.empty((1, 1), dtype=object)
        raw[0, 0] = data
    return _as_2d(raw, name, vector_as), labels


def _sequence_array(data: list[Any] | tuple[Any, ...], name: str) -> np.ndarray:
    """A list of rows (all the same length) as a 2-D object array; a flat list as a 1-D one."""
    raw: np.ndarray
    if data and all(isinstance(r, (list, tuple, np.ndarray)) for r in data):
        width = len(data[0])
        for i, r in enumerate(data):
            if len(r) != width:
                raise MatrixShapeError(f"{name}: rows have different lengths (row {i + 1} has "
                                       f"{len(r)} cells, row 1 has {width})", argument=name, row=i + 1)
        raw = np.empty((len(data), width), dtype=object)
        for i, r in enumerate(data):
            raw[i, :] = list(r)
    elif any(isinstance(r, (list, tuple, np.ndarray)) for r in data):
        raise MatrixShapeError(f"{name}: must be a 2D range of cells", argument=name)
    else:
        raw = np.empty(len(data), dtype=object)
        raw[:] = list(data)
    return raw


def _as_2d(raw: np.ndarray, name: str, vector_as: str) -> np.ndarray:
    """A scalar as 1 x 1, a vector as one row or one column; more than two dimensions refused."""
    if raw.ndim == 0:
        raw = raw.reshape(1, 1)
    elif raw.ndim == 1:
        raw = raw.reshape(1, -1) if vector_as == "row" else raw.reshape(-1, 1)
    elif raw.ndim > 2:
        raise MatrixShapeError(f"{name}: must be a 2D range of cells but has {raw.ndim} dimensions", argument=name)
    return raw


def to_grid(data: Any, name: str, vector_as: str = "row") -> Grid:
    """A range (list of lists, ndarray, DataFrame) as floats plus its invalid cells.

    A 1-D input is one row (``vector_as="row"``, as for a matrix) or one column
    (``"column"``, as for one indicator's answers). All-numeric input takes a fast path in C;
    only ranges holding text or odd types are looked at cell by cell, and then only those cells.
    """
    raw, labels = _raw_2d(data, name, vector_as)
    if raw.dtype.kind in "fiub":
        if raw.dtype.kind == "b":
            return Grid(np.full(raw.shape, np.nan), tuple((int(i), int(j), Invalid(bool(raw[i, j])))
                                                          for i, j in np.argwhere(np.ones(raw.shape, bool))), labels)
        return Grid(raw.astype(np.float64), (), labels)
    flat = raw.ravel()
    kind = pd.api.types.infer_dtype(flat, skipna=True) if flat.size else "empty"
    if kind in ("integer", "floating", "mixed-integer-float", "empty"):
        try:
            return Grid(flat.astype(np.float64).reshape(raw.shape), (), labels)
        except (TypeError, ValueError):  # None among the numbers
            vals = pd.to_numeric(pd.Series(flat, dtype=object), errors="coerce").to_numpy(np.float64)
            return Grid(vals.reshape(raw.shape), (), labels)
    out = np.empty(flat.size, dtype=np.float64)
    # numbers and blanks in C, the rest (text, booleans, error objects) cell by cell
    is_num = np.fromiter((isinstance(v, (float, int)) and not isinstance(v, bool) for v in flat), bool, flat.size)
    out[is_num] = flat[is_num].astype(np.float64)
    invalid = []
    width = raw.shape[1]
    for k in np.flatnonzero(~is_num):
        x = number(flat[k])
        if isinstance(x, Invalid):
            out[k] = math.nan
            invalid.append((int(k // width), int(k % width), x))
        else:
            out[k] = x
    return Grid(out.reshape(raw.shape), tuple(invalid), labels)


def to_vector(data: Any, name: str) -> Grid:
    """One row or one column (or a flat list) as a 1-D Grid; ``invalid`` holds (0, k, cell)."""
    if isinstance(data, (pd.DataFrame, pd.Series)):
        data = data.to_numpy(dtype=object)
    if isinstance(data, (numbers.Real, str)) or data is None:
        data = [data]
    if isinstance(data, np.ndarray) and data.ndim == 2 and 1 not in data.shape:
        raise MatrixShapeError(f"{name}: expected one row or one column, got {data.shape[0]} rows x "
                               f"{data.shape[1]} columns", argument=name)
    if isinstance(data, (list, tuple)) and data and all(isinstance(r, (list, tuple, np.ndarray)) for r in data):
        if len(data) > 1 and any(len(r) > 1 for r in data):
            raise MatrixShapeError(f"{name}: expected one row or one column, got {len(data)} rows x "
                                   f"{len(data[0])} columns", argument=name)
        data = [v for r in data for v in r]
    flat = np.asarray(data, dtype=object).reshape(-1) if not isinstance(data, np.ndarray) else data.reshape(-1)
    if flat.size == 0:
        raise MatrixShapeError(f"{name}: the range is empty", argument=name)
    g = to_grid(flat.reshape(1, -1), name)
    return Grid(g.values.reshape(-1), g.invalid, None)


# ------------------------------------------------------------------ checks used by the core
def table(data: Any, name: str) -> Grid:
    """A data range (survey answers, ratings, memberships): a 1-D input is one column; empty refused."""
    g = to_grid(data, name, vector_as="column")
    if g.values.size == 0:
        raise MatrixShapeError(f"{name}: the range is empty", argument=name)
    return g


def check_cells(g: Grid, name: str, valid: Callable[[np.ndarray], np.ndarray], message: Callable[[int, int, str], str],
                error: type[BpmError] = ScaleError) -> None:
    """Refuse the first cell (row-major) that is invalid or fails ``valid`` (blanks pass).

    ``valid`` maps the float array to a boolean mask; ``message(i, j, shown)`` words the
    refusal for the 0-based cell ``(i, j)``; the error carries argument, row and column.
    """
    errors = cell_errors(g, name, valid, message, error)
    if errors:
        raise errors[0]


def cell_errors(g: Grid, name: str, valid: Callable[[np.ndarray], np.ndarray], message: Callable[[int, int, str], str],
                error: type[BpmError] = ScaleError) -> list[BpmError]:
    """The errors :func:`check_cells` refuses: the first bad cell of each column, in row-major
    order (so the first error is the first bad cell of the whole range)."""
    arr = g.values
    bad = ~np.isnan(arr) & ~valid(arr)
    for i, j, _ in g.invalid:
        bad[i, j] = True
    if not bad.any():
        return []
    cols = np.flatnonzero(bad.any(axis=0))
    rows = bad[:, cols].argmax(axis=0)
    inv = {(a, b): v for a, b, v in g.invalid}
    out = []
    for i, j in sorted(zip(rows.tolist(), cols.tolist())):
        shown = show(inv[(i, j)]) if (i, j) in inv else show(float(arr[i, j]))
        out.append(error(message(i, j, shown), argument=name, row=i + 1, column=j + 1))
    return out


def vector(data: Any, name: str, what: str = "values") -> np.ndarray:
    """A 1-D float vector (NaN = blank) from a row, a column or a flat list; text -> ScaleError."""
    g = to_vector(data, name)
    if g.invalid:
        _, k, v = g.invalid[0]
        raise ScaleError(f"{name}: position {k + 1} is {show(v)}; {what} must be numbers",
                         argument=name, row=k + 1)
    return g.values


def scalar(value: Any, name: str) -> float:
    """One scalar argument; numeric text accepted, blank -> MissingValueError, text -> ScaleError."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    c = number(value)
    if isinstance(c, Invalid):
        raise ScaleError(f"{name}: {show(c)} is not a number", argument=name)
    if math.isnan(c):
        raise MissingValueError(f"{name}: the value is blank", argument=name)
    return c


def labels(values: Any, n: int, fallback: tuple[str, ...] | None, name: str) -> tuple[str, ...]:
    """Item labels: given ones (one per item), else ``fallback``, else "1", "2", ..."""
    if values is None:
        return fallback if fallback is not None else tuple(str(k + 1) for k in range(n))
    if isinstance(values, str):
        values = [values]
    out = tuple("" if v is None else str(v) for v in np.asarray(values, dtype=object).reshape(-1))
    if len(out) != n:
        raise MatrixShapeError(f"{name}: {len(out)} labels for {n} indicators", argument=name)
    return out


def as_rows(value: Any) -> list[list[Any]]:
    """Any argument as Excel delivers it, as a 2-D list of raw cells (the core converts them).

    A scalar is ``[[x]]``, a flat list one row; an empty range is refused here, once.

    >>> as_rows(3), as_rows([1, 2]), as_rows([[1], [2]])
    ([[3]], [[1, 2]], [[1], [2]])
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(row, (list, tuple)) for row in value):
            rows = [list(row) for row in value]
        else:
            rows = [list(value)]
    else:
        rows = [[value]]
    if not rows or not rows[0]:
        raise MatrixShapeError("the range is empty (no rows or no columns); select the cells that hold the values")
    return rows


def text(value: Any) -> str:
    """A cell as the text of a code, name or option: 3.0 -> "3", None/NaN -> "", trimmed.

    >>> text(3.0), text(None), text(" D1 ")
    ('3', '', 'D1')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def scale_table(data: Any, name: str, lo: float, hi: float, row_word: str, rule: str, empty_word: str,
                integer: bool = False, allow_empty: bool = False) -> Grid:
    """Answers or ratings (rows: respondents or experts, columns: indicators) on a scale lo .. hi:
    text, error values and values off the scale refused with row and column, and every column
    must hold at least one value (survey answers and Delphi ratings share this rule), unless
    ``allow_empty`` (a survey not fully in yet: its empty columns are pending, not wrong)."""
    g, errors = scale_errors(data, name, lo, hi, row_word, rule, empty_word, integer, allow_empty)
    if errors:
        raise errors[0]
    return g


def scale_errors(data: Any, name: str, lo: float, hi: float, row_word: str, rule: str, empty_word: str,
                 integer: bool = False, allow_empty: bool = False) -> tuple[Grid, list[BpmError]]:
    """The converted range and every error :func:`scale_table` refuses (its first one first):
    the first bad cell of each column, then each column without a value (unless ``allow_empty``)."""
    g = table(data, name)

    def valid(a: np.ndarray) -> np.ndarray:
        ok = (a >= lo) & (a <= hi)
        return ok & (a == np.round(a)) if integer else ok

    errors = cell_errors(g, name, valid, lambda i, j, shown: (
        f"{name}: {row_word} {i + 1} (row {i + 1}), indicator {j + 1} (column {j + 1}) is {shown}; {rule}"))
    if not allow_empty:
        errors += [MissingValueError(f"{name}: indicator {j + 1} (column {j + 1}) has no {empty_word}",
                                     argument=name, column=j + 1)
                   for j in np.flatnonzero(np.isnan(g.values).all(axis=0)).tolist()]
    return g, errors


#: Bidirectional controls: they reorder what a reader sees around them.
_BIDI = {0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def visible(text: Any, keep: str = "") -> str:
    """``text`` with every control character (and bidi control) shown escaped (``\\x1b``,
    ``\\r``): printed literally on a console, never raw in HTML. ``keep`` lists characters
    left as they are (e.g. "\\n" for multi-line text).

    >>> visible("A\\x1b]8;;http://x\\x07B\\r")
    'A\\\\x1b]8;;http://x\\\\x07B\\\\r'
    """
    out = []
    for ch in str(text):
        o = ord(ch)
        if ch not in keep and (ch in "\r\n\t" or unicodedata.category(ch) == "Cc" or o in _BIDI):
            out.append({"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(ch) or (f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"))
        else:
            out.append(ch)
    return "".join(out)
