"""Put back what a rebuild does not own (see :mod:`bpm_xl.readers.preserve`).

Two halves:

- XlsxWriter hooks, called by the workbook writer while it writes the new file:
  :func:`sheet_order` (where the user's sheets go among ours), :func:`add_foreign_sheet` /
  :func:`add_foreign_sheets`, :func:`add_comments` (notes on any sheet),
  :func:`apply_sheet_state` (hidden sheets), :func:`add_user_names`, :func:`record_layout`
  (custom properties that :func:`~bpm_xl.readers.preserve.check_defined_names` reads next time).
- :func:`apply_package`: on the finished bytes, what XlsxWriter cannot write: the raw sheet and
  workbook protection elements (hash attributes kept) at their schema position, and the cached
  values of formulas typed into input cells; it refuses (WorkbookError) a rebuild that would
  move or drop such a formula.

User text is always written with ``write_string`` (never as a formula); user formulas are
written as formulas with the value they had.
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import math
import re
import weakref
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import WorkbookError
from ..layout.preserve import ForeignSheet, Note, Preserved, cell_a1, layout_record

__all__ = [
    "add_comments",
    "add_extra_cells",
    "add_foreign_sheet",
    "add_foreign_sheets",
    "add_user_names",
    "apply_package",
    "apply_sheet_state",
    "record_layout",
    "sheet_members",
    "sheet_order",
]


# --------------------------------------------------------------------------------- XlsxWriter hooks
def sheet_order(plan_names: Sequence[str], preserved: Preserved | None) -> list[str | ForeignSheet]:
    """Our sheets (by name) and the user's (as ForeignSheet) in the order to write them.

    The old workbook's order is kept for every sheet that is still there (the user may have
    moved ours or put theirs anywhere); a sheet new in the plan goes right after the plan sheet
    before it.
    """
    if preserved is None:
        return list(plan_names)
    foreign = {f.name: f for f in preserved.foreign_sheets}
    plan = list(plan_names)
    out: list[str | ForeignSheet] = []
    for name in preserved.sheet_order:
        if name in foreign:
            out.append(foreign[name])
        elif name in plan:
            out.append(name)
    placed = {x if isinstance(x, str) else x.name for x in out}
    for k, name in enumerate(plan):
        if name in placed:
            continue
        prev = next((plan[j] for j in range(k - 1, -1, -1) if plan[j] in placed), None)
        at = 0 if prev is None else next(i for i, x in enumerate(out) if x == prev) + 1
        out.insert(at, name)
        placed.add(name)
    return out


class _FormatCache:
    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.cache: dict[Any, Any] = {}

    def get(self, style: Any) -> Any:
        if style is None:
            return None
        if style not in self.cache:
            self.cache[style] = self.wb.add_format(style.as_dict())
        return self.cache[style]


#: One format cache per workbook being written (kept here, not on XlsxWriter's object).
_CACHES: weakref.WeakKeyDictionary[Any, _FormatCache] = weakref.WeakKeyDictionary()


def _formats(wb: Any) -> _FormatCache:
    fc = _CACHES.get(wb)
    if fc is None:
        fc = _CACHES[wb] = _FormatCache(wb)
    return fc


def _write(ws: Any, r: int, c: int, value: Any, formula: str | None, fmt: Any) -> None:
    if formula is not None:
        _write_formula(ws, r, c, value, formula, fmt)
    elif value is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, (int, float)):
        _write_number(ws, r, c, value, fmt)
    elif isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        _write_when(ws, r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _write_formula(ws: Any, r: int, c: int, value: Any, formula: str, fmt: Any) -> None:
    """A user formula with the value read from the old file as its cache (blank when not finite)."""
    cached = value
    if isinstance(cached, float) and not math.isfinite(cached):
        cached = None
    if cached is None:
        ws.write_formula(r, c, "=" + formula, fmt, "")
    else:
        ws.write_formula(r, c, "=" + formula, fmt, cached)


def _write_number(ws: Any, r: int, c: int, value: int | float, fmt: Any) -> None:
    """A number; a float that is not finite (which no cell can hold as a number) as its text."""
    if isinstance(value, float) and not math.isfinite(value):
        ws.write_string(r, c, str(value), fmt)
    else:
        ws.write_number(r, c, value, fmt)


def _write_when(ws: Any, r: int, c: int, value: _dt.date | _dt.time, fmt: Any) -> None:
    """A date, date-time or time of day as a date cell (a date as midnight of that day)."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    ws.write_datetime(r, c, value, fmt)


#: openpyxl reads a column width with Excel's padding; XlsxWriter adds it again.
_WIDTH_PADDING = 0.7109375


def add_foreign_sheet(wb: Any, sheet: ForeignSheet, notes: Iterable[Note] = ()) -> Any:
    """Add one user sheet to an XlsxWriter workbook, with its cells, look and notes."""
    ws = wb.add_worksheet(sheet.name)
    fm = _formats(wb)
    for c, w in sorted(sheet.col_widths.items()):
        ws.set_column(c, c, max(0.0, w - _WIDTH_PADDING) if w > _WIDTH_PADDING else w)
    for r, h in sorted(sheet.row_heights.items()):
        ws.set_row(r, h)
    by_pos = {(c.row, c.col): c for c in sheet.cells}
    for r0, c0, r1, c1 in sheet.merged:
        top = by_pos.pop((r0, c0), None)
        fmt = fm.get(top.style) if top is not None else None
        ws.merge_range(r0, c0, r1, c1, "", fmt)
        if top is not None:
            _write(ws, r0, c0, top.value, top.formula, fmt)
    for cell in sheet.cells:
        if (cell.row, cell.col) in by_pos:
            _write(ws, cell.row, cell.col, cell.value, cell.formula, fm.get(cell.style))
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    add_comments(ws, notes)
    apply_sheet_state(ws, sheet.state)
    return ws


def add_foreign_sheets(wb: Any, preserved: Preserved | None) -> list[Any]:
    """Add every user sheet at the end (writers that interleave use :func:`sheet_order`)."""
    if preserved is None:
        return []
    return [add_foreign_sheet(wb, s, preserved.notes.get(s.name, ())) for s in preserved.foreign_sheets]


def add_extra_cells(ws: Any, preserved: Preserved | None, sheet: str, occupied: Any, source: str = "") -> None:
    """The user's cells beside a reshaped input sheet's data, at their addresses.

    ``occupied(row, col)`` tells whether the new layout writes that cell; a user cell there
    is refused (WorkbookError) rather than overwritten.
    """
    if preserved is None:
        return
    for cell in preserved.extra_cells.get(sheet, ()):
        if occupied(cell.row, cell.col):

            raise WorkbookError(
                f"{source or preserved.source}: sheet {sheet}, cell {cell_a1(cell.row, cell.col)}: what you typed "
                f"beside the input range would be overwritten by the rebuilt layout; move it further right, then rebuild")
        _write(ws, cell.row, cell.col, cell.value, cell.formula, None)


def add_comments(ws: Any, notes: Iterable[Note]) -> None:
    """Notes (comments) at their cells, with their authors."""
    for n in notes:
        opts = {"author": n.author} if n.author else {}
        ws.write_comment(n.row, n.col, n.text, opts)


def apply_sheet_state(ws: Any, state: str | None) -> None:
    if state == "hidden":
        ws.hide()
    elif state == "veryHidden":
        ws.very_hidden()


def add_user_names(wb: Any, preserved: Preserved | None, sheet_names: Iterable[str],
                   taken: Iterable[str] = ()) -> None:
    """The user's own workbook-level names that still point at an existing sheet (or at none);
    a name in ``taken`` (the plan writes it, e.g. a LAMBDA function) is the plan's."""
    if preserved is None:
        return
    existing = set(sheet_names)
    ours = {k.upper() for k in taken}
    for name, refers in preserved.user_names.items():
        if name.upper() in ours:
            continue
        m = re.match(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!", refers)
        if m and (m.group(1) or m.group(2)).replace("''", "'") not in existing:
            continue
        wb.define_name(name, refers if refers.startswith("=") else "=" + refers)


def record_layout(wb: Any, names: Mapping[str, str], input_sheets: Iterable[str]) -> None:
    """Store where the input names were written (custom document properties ``BPM_*``)."""
    for k, v in sorted(layout_record(names, input_sheets).items()):
        wb.set_custom_property(k, v.lstrip("="))


# --------------------------------------------------------------------------------- package level
_WS_AFTER = ("sheetCalcPr", "sheetData")            # sheetProtection goes right after these
_BOOK_AFTER = ("workbookPr", "fileSharing", "fileVersion")


def sheet_members(data: bytes) -> dict[str, str]:
    """Sheet name -> the package member holding its XML, of the package ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return _sheet_members({n: z.read(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")})


def _sheet_members(members: Mapping[str, bytes]) -> dict[str, str]:
    book = members["xl/workbook.xml"].decode("utf-8")
    rels = members["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid = re.search(r'Id="([^"]+)"', rel)
        tgt = re.search(r'Target="([^"]+)"', rel)
        if rid and tgt:
            t = tgt.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for el in re.findall(r"<sheet\b[^>]*/>", book):
        name = re.search(r'name="([^"]*)"', el)
        rid = re.search(r'r:id="([^"]+)"', el)
        if name and rid and rid.group(1) in targets:
            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


def _insert_after(xml: str, element: str, after: Sequence[str], drop: Sequence[str]) -> str:
    for tag in drop:
        xml = re.sub(rf"<{tag}\b[^>]*?(?:/>|>.*?</{tag}>)", "", xml, flags=re.DOTALL)
    for tag in after:
        m = re.search(rf"<{tag}\b[^>]*?(?:/>|>.*?</{tag}>)", xml, flags=re.DOTALL)
        if m:
            return xml[: m.end()] + element + xml[m.end():]
    raise WorkbookError(f"cannot place {element[:30]}...: none of {', '.join(after)} found")


def _cached_xml(v: Any) -> tuple[str, str] | None:
    """(t attribute, <v> text) of a cached value."""
    if v is None:
        return None
    if isinstance(v, bool):
        return ' t="b"', "1" if v else "0"
    if isinstance(v, (int, float)):
        return "", repr(float(v)) if isinstance(v, float) else str(v)
    s = str(v)
    if s.startswith("#"):
        return ' t="e"', html.escape(s, quote=False)
    return ' t="str"', html.escape(s, quote=False)


def _restore_formula_values(xml: str, formulas: Iterable[Any], sheet: str, source: str, in_input_range: Any,
                            known: frozenset[str] = frozenset()) -> str:
    for uf in formulas:
        if uf.cell in known:
            # bpm-xl writes its own formula here (a score cell of an input sheet) with the value it
            # computed: the old file's formula was bpm-xl's too, perhaps in an earlier wording
            continue
        m = re.search(rf'<c r="{uf.cell}"(?P<attrs>(?:\s[^>]*?)?)(?:/>|>(?P<body>.*?)</c>)', xml, re.DOTALL)
        body = (m.group("body") or "") if m else ""
        fm = re.search(r"<f(?:\s[^>]*)?>(.*?)</f>", body, re.DOTALL)
        if m is None or fm is None or html.unescape(fm.group(1)) != uf.formula:
            all_f = {html.unescape(x) for x in re.findall(r"<f(?:\s[^>]*)?>(.*?)</f>", xml, re.DOTALL)}
            if uf.formula in all_f and not in_input_range(uf.sheet, uf.cell):
                continue   # one of bpm-xl's own formulas (outside the input ranges), laid out elsewhere now
            raise WorkbookError(
                f"{source}: sheet {sheet}, cell {uf.cell}: the formula ={uf.formula} typed into an input cell would "
                f"move or be dropped by the rebuild; replace it by its value (Paste Special > Values) or move it "
                f"off the input range, then rebuild")
        old = _cached_xml(uf.cached)
        vm = re.search(r"<v>(.*?)</v>", body, re.DOTALL)
        new_v = vm.group(1) if vm else None
        if old is None or (new_v is not None and new_v not in ("0", "", "#N/A")):
            continue   # nothing to restore, or bpm-xl wrote a value of its own (#N/A: writers.xlsx.UNKNOWN)
        t, v = old
        attrs = re.sub(r'\st="[^"]*"', "", m.group("attrs"))
        cell = f'<c r="{uf.cell}"{attrs}{t}><f>{fm.group(1)}</f><v>{v}</v></c>'
        xml = xml[: m.start()] + cell + xml[m.end():]
    return xml


def apply_package(data: bytes, preserved: Preserved | None, source: str | None = None,
                  known: Mapping[str, frozenset[str]] | None = None) -> bytes:
    """The new package with protection and user formula values put back.

    ``data``: the bytes XlsxWriter wrote. ``known``: sheet -> cells (A1) whose formula the plan
    wrote with the value it computed; the value read from the old file never replaces it (it may
    be stale: the inputs changed since). Raises :class:`WorkbookError` when a formula typed into
    an input cell would move or be dropped (see :mod:`bpm_xl.readers.preserve`).
    """
    if preserved is None:
        return data
    source = source or preserved.source
    zin = zipfile.ZipFile(io.BytesIO(data))
    infos = zin.infolist()
    members = {i.filename: zin.read(i.filename) for i in infos}
    changed = _patched_sheets(members, preserved, source, known)
    if preserved.workbook_protection:
        book = members["xl/workbook.xml"].decode("utf-8")
        book = _insert_after(book, preserved.workbook_protection, _BOOK_AFTER, drop=("workbookProtection",))
        changed["xl/workbook.xml"] = book.encode("utf-8")
    if not changed:
        return data
    return _repack(infos, members, changed)


def _patched_sheets(members: Mapping[str, bytes], preserved: Preserved, source: str,
                    known: Mapping[str, frozenset[str]] | None) -> dict[str, bytes]:
    """The sheet parts with the user's formula values and sheet protection put back (member -> bytes)."""
    sheets = _sheet_members(members)
    changed: dict[str, bytes] = {}
    by_sheet: dict[str, list[Any]] = {}
    for uf in preserved.input_formulas:
        by_sheet.setdefault(uf.sheet, []).append(uf)
    for name in set(preserved.sheet_protection) | set(by_sheet):
        member = sheets.get(name)
        if member is None:
            if name in by_sheet:
                uf = by_sheet[name][0]
                raise WorkbookError(f"{source}: sheet {name}, cell {uf.cell}: the sheet holding the formula "
                                    f"={uf.formula} is gone after the rebuild; replace it by its value and rebuild")
            continue
        xml = members[member].decode("utf-8")
        if name in by_sheet:
            xml = _restore_formula_values(xml, by_sheet[name], name, source, preserved.in_input_range,
                                          (known or {}).get(name, frozenset()))
        if name in preserved.sheet_protection:
            xml = _insert_after(xml, preserved.sheet_protection[name], _WS_AFTER,
                                drop=("sheetProtection", "protectedRanges"))
        changed[member] = xml.encode("utf-8")
    return changed


def _repack(infos: list[zipfile.ZipInfo], members: Mapping[str, bytes], changed: Mapping[str, bytes]) -> bytes:
    """The package again, member by member in the same order, with the ``changed`` members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zo:
        for info in infos:
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            zo.writestr(zi, changed.get(info.filename, members[info.filename]))
    return out.getvalue()
