"""Read a survey export: 问卷星 (code or text export), 腾讯问卷, or a plain CSV.

Formats: .xlsx and .ods (python-calamine), .xls (xlrd), .csv in UTF-8 (with or without BOM) or
GBK/GB18030. The first row holds the titles. Leading metadata columns (序号, 提交答卷时间, 所用时间, 来源,
来源详情, 来自IP, and 腾讯问卷's 编号, 开始答题时间, 结束答题时间, 答题时长, IP ...) are recognised
and kept out of the answers; the time taken and the IP are kept per respondent for screening.
Answers stay as they come (code, option text, skip code); :func:`read_answer` turns one into
a number on the scale by the one converter's rule (what the hub's survey sheet accepts) and says
whether it was an option number or option text. Errors name the file, (sheet,) row and column.

Every file passes the door of the other incoming workbooks: an .xlsx through
:func:`bpm_xl.readers.workbook.read_sheets` (zip limits, far cells refused with their cell, error
values kept as text), an .xls (xlrd: values with their types, error values as text) or .ods
size-checked before its cells are read, a CSV bounded in size and field length and read with
any line ending and strict quoting; an HTML page named .xls is recognised.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import WorkbookError

__all__ = [
    "META_ID",
    "META_IP",
    "META_OTHER",
    "META_TIME",
    "SurveyError",
    "ExportTable",
    "answer_value",
    "column_letter",
    "first_option",
    "read_answer",
    "read_column",
    "yes_no",
    "parse_seconds",
    "question_number",
    "read_export",
    "read_map_csv",
]


class SurveyError(WorkbookError):
    """A survey export that cannot be read (names file, row and column)."""


META_ID = ("序号", "编号", "答卷编号", "id", "respondent", "respondent id", "序号id")
META_TIME = ("所用时间", "答题时长", "答题用时", "用时", "time taken", "duration")
META_IP = ("来自ip", "ip", "ip地址", "来源ip", "填写者ip")
META_OTHER = ("提交答卷时间", "开始答题时间", "结束答题时间", "提交时间", "来源", "来源详情", "地理位置国家和地区",
              "地理位置省", "地理位置市", "省份", "城市", "自定义字段", "用户id", "昵称", "总分", "微信昵称", "答题设备",
              "操作系统", "浏览器", "填写设备", "start time", "end time", "submitted", "source", "status", "状态",
              "答卷状态", "渠道", "来源渠道", "设备", "用户类型", "用户标识", "user type", "user id")

#: skip codes of 问卷星 (-2: not shown by logic, -3: skipped) and blank-like text
SKIP = {"-2", "-3", "(跳过)", "(空)", "跳过", "", "-", "—", "n/a", "na"}

#: option text -> position from the top of a 5-point scale (5 = best)
TEXT_SCALE = {
    "非常满意": 5, "很满意": 5, "满意": 4, "比较满意": 4, "较满意": 4, "一般": 3, "基本满意": 3, "不太满意": 2,
    "不满意": 2, "较不满意": 2, "非常不满意": 1, "很不满意": 1,
    "非常同意": 5, "完全同意": 5, "同意": 4, "比较同意": 4, "中立": 3, "说不清": 3, "不同意": 2, "比较不同意": 2,
    "非常不同意": 1, "完全不同意": 1,
    "非常好": 5, "很好": 5, "好": 4, "较好": 4, "比较好": 4, "较差": 2, "比较差": 2, "差": 2, "很差": 1, "非常差": 1,
    "非常重要": 5, "重要": 4, "比较重要": 4, "不太重要": 2, "不重要": 2, "非常不重要": 1,
    "very satisfied": 5, "satisfied": 4, "neutral": 3, "dissatisfied": 2, "very dissatisfied": 1,
    "strongly agree": 5, "agree": 4, "disagree": 2, "strongly disagree": 1,
}


def column_letter(c: int) -> str:
    s, c1 = "", c + 1
    while c1:
        c1, rem = divmod(c1 - 1, 26)
        s = chr(65 + rem) + s
    return s


def _norm(title: str) -> str:
    return re.sub(r"[\s:：()（）]", "", str(title)).lower()


_QNUM = re.compile(r"^\s*(?:第\s*(\d+)\s*题|Q\s*(\d+)|(\d+))\s*[、.．:：)）]?")


def question_number(title: str) -> int | None:
    m = _QNUM.match(str(title))
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


@dataclass(frozen=True)
class ExportTable:
    """An export as read: question columns and per-respondent metadata."""

    file: str
    sheet: str | None
    titles: tuple[str, ...]                 # question column titles
    columns: tuple[int, ...]                # their 0-based column in the file
    rows: tuple[tuple[Any, ...], ...]       # answers as they came, one tuple per respondent
    file_rows: tuple[int, ...]              # 1-based row of each respondent in the file
    ids: tuple[Any, ...]
    seconds: tuple[float | None, ...]
    ips: tuple[str | None, ...]
    kind: str                               # "wjx" | "tencent" | "plain"
    meta: tuple[str, ...] = field(default=())

    def error(self, k: int, q: int, problem: str) -> "SurveyError":
        """The error at respondent k, question q (0-based): file, sheet, cell, row, column, title."""
        col = column_letter(self.columns[q])
        return SurveyError(f"row {self.file_rows[k]}, column {col} '{self.titles[q]}': {problem}", file=self.file,
                           sheet=self.sheet or None, cell=f"{col}{self.file_rows[k]}")


def parse_seconds(v: Any) -> float | None:
    """'312秒', '5分12秒', '00:05:12', 312 -> seconds; None when blank or unreadable."""
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v) if math.isfinite(v) else None
    s = str(v).strip()
    if not s:
        return None
    m = re.fullmatch(r"(?:(\d+)\s*(?:小时|时|h))?\s*(?:(\d+)\s*(?:分钟|分|min|m))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s|sec))?", s)
    if m and any(m.groups()):
        h, mi, se = (float(g) if g else 0.0 for g in m.groups())
        return h * 3600 + mi * 60 + se
    m = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?", s)
    if m:
        a, b, c = m.groups()
        return float(a) * 3600 + float(b) * 60 + float(c) if c else float(a) * 60 + float(b)
    try:
        return float(s)
    except ValueError:
        return None


#: the largest CSV read (bytes): a survey export of 100,000 respondents is a few tens of MB
MAX_CSV_BYTES = 200 * 1024 * 1024
#: the longest CSV field (characters): an answer longer than this is a damaged file
MAX_FIELD = 131072
#: the most cells of an .xls/.ods sheet read (checked once the sheet is parsed: no streaming check)
MAX_CELLS = 20_000_000


def _decode(path: Path, raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise SurveyError("not a text file in UTF-8 or GBK", file=path.name)  # pragma: no cover - gb18030 decodes any bytes


def _read_csv(path: Path) -> list[list[Any]]:
    """A CSV's rows: any line ending (CR LF, LF, CR), strict quoting; a quote that never closes,
    a field over :data:`MAX_FIELD` characters or any other quoting error refused with its line."""
    if path.stat().st_size > MAX_CSV_BYTES:
        raise SurveyError(f"the file is {path.stat().st_size / 2**20:,.0f} MiB (limit {MAX_CSV_BYTES / 2**20:,.0f} "
                          "MiB); export only the answers, or split the file", file=path.name)
    text = _decode(path, path.read_bytes())
    if "\x00" in text:
        raise SurveyError("row 1: the file holds binary data; export the survey as CSV or Excel", file=path.name)
    try:
        delim = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delim = ","
    rows: list[list[Any]] = []
    old = csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    start = 1
    try:
        for row in reader:
            rows.append(list(row))
            start = reader.line_num + 1
    except csv.Error as exc:
        why = str(exc)
        if "field larger" in why:
            why = f"a field is longer than {MAX_FIELD:,} characters"
        elif "end of data" in why or "EOF" in why:
            why = "a quote (\") opened here is never closed"
        else:
            why = f"the quoting is broken ({why})"
        raise SurveyError(f"line {start}: {why}; nothing was imported. Export the survey again (CSV or .xlsx)",
                          file=path.name) from None
    finally:
        csv.field_size_limit(old)
    return rows


def _sniff(path: Path) -> str:
    """What the file really is, from its first bytes: "zip", "ole" (.xls), "html" or "text"."""
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    probe = head.lstrip(b"\xef\xbb\xbf\xff\xfe\r\n\t ").lower().replace(b"\x00", b"")
    if probe.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body", b"<!--")):
        return "html"
    return "text"


def _too_large(path: Path) -> None:
    if path.stat().st_size > MAX_CSV_BYTES:
        raise SurveyError(f"the file is {path.stat().st_size / 2**20:,.0f} MiB (limit {MAX_CSV_BYTES / 2**20:,.0f} "
                          "MiB); export only the answers, or split the file", file=path.name)


def _too_wide(path: Path, sheet: str, height: int, width: int) -> None:
    if width > 2048 or height * max(width, 1) > MAX_CELLS:
        end = column_letter(max(width - 1, 0)) + str(height)
        raise SurveyError(f"the sheet reaches {end} ({height:,} rows x {width:,} columns); delete the values far "
                          "from the answers, or export the survey as .xlsx or CSV", file=path.name, sheet=sheet,
                          cell=end)


def _read_ods(path: Path) -> tuple[list[list[Any]], str]:
    """The first sheet of an .ods file (python-calamine), its size checked first."""
    from python_calamine import CalamineWorkbook

    _too_large(path)
    cw = CalamineWorkbook.from_path(str(path))
    try:
        name = cw.sheet_names[0]
        sheet = cw.get_sheet_by_name(name)
        _too_wide(path, name, sheet.height, sheet.width)
        rows = sheet.to_python(skip_empty_area=False)
    finally:
        cw.close()
    return [[None if v == "" else v for v in r] for r in rows], name


class _Discard:
    """xlrd's log: its warnings about a damaged file are not the user's output."""

    def write(self, text: str) -> int:
        return len(text)


def _xls_value(ctype: int, value: Any, datemode: int) -> Any:
    """One .xls cell as the same cell of an .xlsx export reads: numbers as floats, dates as
    date/time/datetime, booleans as bool, error values as their text ("#N/A"), blanks as None."""
    import datetime as dt

    import xlrd

    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_ERROR:  # an error code of no name is still an error, never a blank
        return xlrd.error_text_from_code.get(value, "#VALUE!")
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if ctype == xlrd.XL_CELL_DATE and value >= 0:  # (a negative number is no date: the number)
        try:
            stamp = xlrd.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError):  # a date format on a number no date can hold: the number
            return float(value)
        if value < 1:
            return stamp.time()
        return stamp.date() if stamp.time() == dt.time() else stamp
    if ctype == xlrd.XL_CELL_TEXT:
        return value if value != "" else None
    return float(value)


def _read_xls(path: Path) -> tuple[list[list[Any]], str]:
    """The first sheet of an .xls file (xlrd), its size checked first: the one reader of the
    format, values with their types, so an error cell reads as its text (#N/A), never a blank.

    Only the first sheet is parsed (``on_demand``), formats are skipped (``formatting_info``
    False: blank formatted cells are not kept) and rows hold only up to their last cell
    (``ragged_rows``); xlrd bounds a BIFF8 sheet to 65,536 rows x 256 columns and refuses a
    compound file whose sector chains loop or run past its end."""
    import xlrd

    _too_large(path)
    with xlrd.open_workbook(str(path), on_demand=True, formatting_info=False, ragged_rows=True,
                            logfile=_Discard()) as book:
        sheet = book.sheet_by_index(0)
        _too_wide(path, sheet.name, sheet.nrows, sheet.ncols)
        grid = [[_xls_value(t, v, book.datemode) for t, v in zip(sheet.row_types(r), sheet.row_values(r))]
                for r in range(sheet.nrows)]
        return grid, sheet.name


def _read_grid(path: Path) -> tuple[list[list[Any]], str | None]:
    from .workbook import read_sheets

    suffix = path.suffix.lower()
    kind = _sniff(path)
    if kind == "html":
        raise SurveyError(f"the file is named {suffix or 'without extension'} but is a web page or XML text "
                          "(HTML/XML), not an Excel workbook, as 问卷星 sometimes serves its .xls download; export the "
                          "answers again as .xlsx (按选项文本/序号下载 Excel) or CSV", file=path.name)
    if kind == "text" and suffix in (".csv", ".txt", ""):
        return _read_csv(path), None
    if suffix not in (".xlsx", ".xls", ".xlsm", ".ods", ".csv", ".txt"):
        raise SurveyError(f"unknown kind of file ({suffix or 'no extension'}); give the export as .xlsx, .xls or .csv",
                          file=path.name)
    if kind == "zip" and suffix != ".ods":
        sheets = read_sheets(path, error=SurveyError, first_only=True, uncomputed="refuse")
        name = next(iter(sheets), None)
        return ([[v for v in r] for r in sheets[name]] if name is not None else []), name
    if kind == "text":
        raise SurveyError(f"the file is named {suffix} but holds text; name it .csv if it is a CSV export",
                          file=path.name)
    try:
        return _read_xls(path) if kind == "ole" else _read_ods(path)
    except SurveyError:
        raise
    except Exception as exc:  # noqa: BLE001 - xlrd's and calamine's own error types
        raise SurveyError(f"the file cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})",
                          file=path.name) from None


def _is_meta(title: str) -> str | None:
    t = _norm(title)
    if t in META_ID:
        return "id"
    if t in META_TIME:
        return "time"
    if t in META_IP or t.endswith("ip"):
        return "ip"
    if t in {_norm(m) for m in META_OTHER}:
        return "other"
    return None


def _export_kind(meta_names: set[str]) -> str:
    """"wjx" (问卷星), "tencent" (腾讯问卷) or "plain", from the normalised metadata titles."""
    if {"提交答卷时间", "来自ip"} & meta_names or "所用时间" in meta_names:
        return "wjx"
    if {"开始答题时间", "答题时长", "结束答题时间"} & meta_names:
        return "tencent"
    return "plain"


def _check_shifted(row: list[Any], width: int, r: int, file: str, sheet: str | None) -> None:
    """Refuse a value right of the titled columns (``width``): the row is shifted."""
    if len(row) > width and any(v not in (None, "") for v in row[width:]):
        c = next(c for c in range(width, len(row)) if row[c] not in (None, ""))
        raise SurveyError(f"row {r}, column {column_letter(c)}: a value beyond the titled columns; the row is "
                          "shifted", file=file, sheet=sheet or None, cell=f"{column_letter(c)}{r}")


def _row_seconds(row: list[Any], tc: int | None, title: str, r: int, file: str, sheet: str | None) -> float | None:
    """The time a respondent took (column ``tc``, None when there is none or it is blank); a value
    that is not a time is refused."""
    if tc is None or row[tc] in (None, ""):
        return None
    s = parse_seconds(row[tc])
    if s is None:
        raise SurveyError(f"row {r}, column {column_letter(tc)} '{title}': {row[tc]!r} is not a time "
                          "(e.g. 312秒)", file=file, sheet=sheet or None, cell=f"{column_letter(tc)}{r}")
    return s


def read_export(path: str | Path) -> ExportTable:
    path = Path(path)
    grid, sheet = _read_grid(path)
    grid = [r for r in grid]
    if not grid or all(v in (None, "") for v in grid[0]):
        raise SurveyError(f"{path.name}: row 1 is empty; the first row must hold the column titles")
    head = ["" if v is None else str(v).strip() for v in grid[0]]
    while head and head[-1] == "":
        head.pop()
    kinds = [_is_meta(h) for h in head]
    kind = _export_kind({_norm(h) for h, k in zip(head, kinds) if k})
    qcols = [c for c, (h, k) in enumerate(zip(head, kinds)) if k is None]
    for c in qcols:
        if head[c] == "":
            raise SurveyError(f"row 1, column {column_letter(c)}: the column has no title", file=path.name,
                              sheet=sheet or None, cell=f"{column_letter(c)}1")
    idc = next((c for c, k in enumerate(kinds) if k == "id"), None)
    tc = next((c for c, k in enumerate(kinds) if k == "time"), None)
    ipc = next((c for c, k in enumerate(kinds) if k == "ip"), None)
    rows, file_rows, ids, secs, ips = [], [], [], [], []
    for r, row in enumerate(grid[1:], start=2):
        row = list(row) + [None] * (len(head) - len(row))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row[: len(head)]):
            continue
        _check_shifted(row, len(head), r, path.name, sheet)
        rows.append(tuple(row[c] for c in qcols))
        file_rows.append(r)
        ids.append(row[idc] if idc is not None else r - 1)
        secs.append(_row_seconds(row, tc, head[tc] if tc is not None else "", r, path.name, sheet))
        ip = row[ipc] if ipc is not None else None
        ips.append(str(ip).split("(")[0].strip() if ip not in (None, "") else None)
    return ExportTable(path.name, sheet, tuple(head[c] for c in qcols), tuple(qcols), tuple(rows), tuple(file_rows),
                       tuple(ids), tuple(secs), tuple(ips), kind, tuple(h for h, k in zip(head, kinds) if k))


#: how an answer was given: an option number (a code export, or a plain table of scores) or option text
CODE, TEXT = "code", "text"


def read_answer(v: Any, scale_min: float, scale_max: float) -> tuple[float | None, str | None, str | None]:
    """(value, how, problem) of one answer: how is :data:`CODE` (a number, taken as it is) or
    :data:`TEXT` (option text, turned into its place on the scale, the best option the top);
    value None for a skip code or a blank; problem when the answer is not one.

    A number is what the one converter (:func:`bpm_xl.conversion.number`) reads as one, as on the
    hub's survey sheet: "4" and "４" are 4; "4分", "五" are not answers (refused, as the hub
    refuses them). An Excel error value (#N/A ...) is refused, never a missing answer.
    """
    from ..conversion import Invalid, is_error_value, number, show

    if v is None:
        return None, None, None
    if is_error_value(v):
        return None, None, f"the cell holds {show(v)}, not an answer; fix the export (or blank the cell)"
    if isinstance(v, str):
        s = v.strip()
        if s.lower() in SKIP:
            return None, None, None
        if "┋" in s or "|" in s:
            return None, None, f"{s!r} is a multiple-choice answer; map only single-choice rating questions"
        pos = TEXT_SCALE.get(s, TEXT_SCALE.get(s.lower()))
        if pos is not None:
            # a 5-level text scale maps onto the workbook's scale_min .. scale_max
            return scale_min + (pos - 1) * (scale_max - scale_min) / 4, TEXT, None
    x = number(v)
    if isinstance(x, Invalid):
        return None, None, f"{show(x)} is not an answer on the {scale_min:g}-{scale_max:g} scale (a number or " \
                           "an option text such as 满意)"
    if x in (-2.0, -3.0):
        return None, None, None
    if not math.isfinite(x) or not (scale_min <= x <= scale_max):
        return None, None, f"{show(v) if not isinstance(v, str) else repr(v)} is off the {scale_min:g}-{scale_max:g} scale"
    return x, CODE, None


def _cell_key(v: Any) -> tuple[Any, ...]:
    """What :func:`read_answer` depends on: the type and the value (1, 1.0 and True apart; 0.0
    and -0.0 apart, since they compare equal but are not the same number)."""
    if isinstance(v, float):
        return type(v), v, math.copysign(1.0, v)
    return type(v), v


def _read_distinct(cells: Sequence[Any], keys: list[Any], scale_min: float, scale_max: float
                   ) -> tuple[list[tuple[float | None, str | None]], list[int], tuple[int, str] | None]:
    """:func:`read_column` given each cell's key (equal keys: equal cells for read_answer)."""
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))  # each distinct key's first cell
    at: dict[Any, int] = {}
    answers: list[tuple[float | None, str | None]] = []
    for key, k in sorted(first.items(), key=lambda item: item[1]):  # in the order they first appear
        x, how, problem = read_answer(cells[k], scale_min, scale_max)
        if problem:  # no earlier cell has a problem: earlier keys read without one
            return answers, [], (k, problem)
        at[key] = len(answers)
        answers.append((x, how))
    return answers, list(map(at.__getitem__, keys)), None


def _keys(cells: list[Any]) -> list[Any]:
    """A key per cell, equal for cells :func:`read_answer` reads alike: the cell itself when no two
    cells of different types can compare equal (text and blanks beside one other type), else
    (type, value) so 1, 1.0 and True stay apart; with a float zero (0.0 and -0.0 are equal but
    read differently) or a cell that cannot be a key, :func:`_cell_key` or the cell's position."""
    others = set(map(type, cells)) - {str, type(None)}
    keys: list[Any] = cells if len(others) <= 1 else list(zip(map(type, cells), cells))
    try:
        distinct = dict.fromkeys(keys)
    except TypeError:  # an unhashable cell
        pass
    else:
        if not any(isinstance(v, float) and v == 0.0 for v in (distinct if keys is cells else (v for _, v in distinct))):
            return keys
    out = []
    for k, v in enumerate(cells):
        try:
            hash(key := _cell_key(v))
        except TypeError:
            key = ("cell", k)  # read on its own
        out.append(key)
    return out


def read_column(cells: Sequence[Any], scale_min: float, scale_max: float
                ) -> tuple[list[tuple[float | None, str | None]], list[int], tuple[int, str] | None]:
    """:func:`read_answer` of every cell of one question, computed once per distinct cell (a
    column of 10,000 answers holds a handful of distinct ones), so each answer is read by the one
    rule and no other.

    Returns ``(answers, index, problem)``: the distinct (value, how) pairs, ``index[k]`` the
    position of cell k's pair in ``answers``, and ``(k, text)`` of the first cell that is not an
    answer (None when every cell is one; else ``index`` is empty)."""
    cells = list(cells)
    return _read_distinct(cells, _keys(cells), scale_min, scale_max)


def answer_value(v: Any, scale_min: float, scale_max: float) -> tuple[float | None, str | None]:
    """(value, problem): :func:`read_answer` without the way the answer was given."""
    x, _, problem = read_answer(v, scale_min, scale_max)
    return x, problem


#: the first option of a code export: the best (非常满意 listed first) or the worst (非常不满意 first)
HIGH, LOW = "high", "low"
_YES = ("yes", "y", "是", "true", "1", "反向", "是yes")
_NO = ("no", "n", "否", "false", "0", "否no", "正向")


def first_option(v: Any) -> str | None:
    """The order of a code export's options from the text of option 1: :data:`HIGH` for the best
    option of a scale (非常满意, 非常同意, very satisfied ...), :data:`LOW` for the worst (非常不满意,
    very dissatisfied ...); None for a blank; ValueError for anything else."""
    s = " ".join(str(v).split()) if v is not None else ""
    if not s:
        return None
    if s.lower() in (HIGH, LOW):
        return s.lower()
    pos = TEXT_SCALE.get(s, TEXT_SCALE.get(s.lower()))
    if pos == 5:
        return HIGH
    if pos == 1:
        return LOW
    raise ValueError(s)


def yes_no(v: Any) -> bool | None:
    """A reverse cell: True (是 / yes), False (否 / no), None when blank; ValueError otherwise."""
    s = re.sub(r"\s+", "", str(v)).lower() if v is not None else ""
    if not s:
        return None
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError(s)


def read_map_csv(path: str | Path) -> list[tuple[str, str, bool | None, str | None]]:
    """A --map CSV: question title (or number), indicator code, reverse (yes/no), and optionally
    the first option (非常满意 / 非常不满意: the text of option 1 of a code export); a header row is
    allowed. Reverse and first option are None where left blank."""
    path = Path(path)
    rows = _read_csv(path)
    out = []
    for r, row in enumerate(rows, start=1):
        if not row or all(not str(v).strip() for v in row):
            continue
        title = str(row[0]).strip()
        code = str(row[1]).strip() if len(row) > 1 else ""
        if r == 1 and (_norm(title) in ("question", "title", "题目", "问卷题目", "问卷题目question") or "question" in _norm(title)):
            continue
        try:
            rev = yes_no(row[2] if len(row) > 2 else None)
        except ValueError:
            raise SurveyError(f"row {r}, column C: reverse is {row[2]!r}; write yes or no", file=path.name,
                              cell=f"C{r}") from None
        try:
            first = first_option(row[3] if len(row) > 3 else None)
        except ValueError:
            raise SurveyError(f"row {r}, column D: the first option is {row[3]!r}; write the text of option 1, "
                              "非常满意 or 非常不满意", file=path.name, cell=f"D{r}") from None
        out.append((title, code, rev, first))
    return out
