"""What a rebuild does not own in a workbook, read so that it can be put back.

bpm-xl owns its own sheets (found through the ``BPM_ROLE_*`` defined names, plus
``xlwings.conf``), the ``BPM_*`` defined names and the cells it lays out. Everything else in a
workbook belongs to the user and must survive a rebuild: extra sheets with their
cells, formulas, number formats, basic fonts/fills/borders/alignment, column widths, row
heights, merged ranges, freeze panes, tab colour and visibility; cell notes (comments) on any
sheet, ours included; sheet and workbook protection (the raw XML elements, password hashes
kept); the order and visibility of every sheet; the user's own workbook-level defined names;
formulas typed into input cells.

Decisions (documented in docs/ARCHITECTURE.md by the lead at merge):

- **Formulas typed into input cells are kept as formulas**, with the value they had as the
  cached value (the evaluation reads that same cached value, so the figures agree). A rebuild
  that would move such a formula to another cell (an input reshape after an indicator or panel
  change) is refused instead, naming the cell: its references would no longer mean what the
  user meant. See :func:`bpm_xl.writers.preserve.apply_package`.
- **Defined names bpm-xl relies on are checked before a rebuild**
  (:func:`check_defined_names`): bpm-xl records where it wrote each input name (custom document
  properties ``BPM_*``, see :func:`layout_record`); a name that was removed, moved (other sheet
  or other top-left cell) or narrowed since is refused with the name and where it points now.
  Growth at the bottom/right (rows or columns inserted inside the range) is accepted; the survey
  range may also lose rows (the reader reads every row below its header). Files written before
  the record existed are checked for removal and moves only, against the layout bpm-xl would
  write for the data it read.
- What is not kept yet is refused rather than dropped: a foreign sheet with a chart, image,
  pivot table, table or other drawing (``Preserved.unsupported``); data validation and
  conditional formats of foreign sheets are not kept (they are rules, not data).

Reading is bounded: openpyxl loads only the foreign sheets (a slim copy of the package whose
workbook part lists nothing else); notes, protection and input formulas are read from the
sheet XML with streaming parsers.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import WorkbookError
from .workbook import shared_strings
from ..layout.types import col_letter
from ..layout.preserve import (
    LAYOUT_PREFIX,
    CellStyle,
    ForeignCell,
    ForeignSheet,
    InputFormula,
    Note,
    Preserved,
    cell_rc,
    layout_record,
    parse_refers,
)

__all__ = [
    "LAYOUT_PREFIX",
    "CellStyle",
    "ForeignCell",
    "ForeignSheet",
    "InputFormula",
    "Note",
    "Preserved",
    "check_defined_names",
    "check_names_of",
    "check_name_sheets",
    "layout_record",
    "owned_sheets",
    "read_preserved",
]

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
      "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
      "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"}
_M = "{" + NS["m"] + "}"
_R = "{" + NS["r"] + "}"

#: Relationship types on a foreign sheet that this version cannot carry over.
_UNSUPPORTED_RELS = ("/drawing", "/pivotTable", "/table", "/image", "/oleObject", "/control", "/slicer")


# ---------------------------------------------------------------------------------------
def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target member) of a part."""
    folder, _, name = part.rpartition("/")
    rel_part = f"{folder}/_rels/{name}.rels"
    if rel_part not in zf.namelist():
        return {}
    out = {}
    for rel in ElementTree.fromstring(zf.read(rel_part)).iter("{" + NS["rel"] + "}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            member = target
        elif target.startswith("/"):
            member = target.lstrip("/")
        else:
            parts = (folder.split("/") if folder else []) + target.split("/")
            stack: list[str] = []
            for p in parts:
                if p == "..":
                    if stack:
                        stack.pop()
                elif p and p != ".":
                    stack.append(p)
            member = "/".join(stack)
        out[rel.get("Id", "")] = (rel.get("Type", ""), member)
    return out


def _sheets(zf: zipfile.ZipFile, book: ElementTree.Element) -> list[tuple[str, str, str]]:
    """(name, state, member) of every sheet, in workbook order."""
    rels = _rels(zf, "xl/workbook.xml")
    out = []
    for sh in book.iterfind("m:sheets/m:sheet", NS):
        rid = sh.get(_R + "id", "")
        out.append((sh.get("name", ""), sh.get("state", "visible"), rels.get(rid, ("", ""))[1]))
    return out


def owned_sheets(names: Mapping[str, str]) -> set[str]:
    """The sheets bpm-xl owns: those its ``BPM_ROLE_*`` names point to, and xlwings.conf."""
    out = {"xlwings.conf"}
    for k, v in names.items():
        if k.upper().startswith("BPM_ROLE_"):
            sheet = _sheet_of(v)
            if sheet:
                out.add(sheet)
    return out


def _sheet_of(refers_to: str) -> str | None:
    m = re.match(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!", refers_to.strip())
    if not m:
        return None
    return (m.group(1) or m.group(2)).replace("''", "'")


#: Any element named ``f`` (a formula), with or without a namespace prefix; ``<formula1>`` of a
#: data validation is not one.
_HAS_F = re.compile(rb"<(?:\w+:)?f[\s>/]")
_RAW_PROTECT = re.compile(rb"<(?:\w+:)?sheetProtection\b[^>]*?(?:/>|>.*?</(?:\w+:)?sheetProtection>)", re.DOTALL)
_RAW_RANGES = re.compile(rb"<(?:\w+:)?protectedRanges\b.*?</(?:\w+:)?protectedRanges>", re.DOTALL)
_RAW_BOOK_PROTECT = re.compile(rb"<(?:\w+:)?workbookProtection\b[^>]*?(?:/>|>.*?</(?:\w+:)?workbookProtection>)", re.DOTALL)


def _raw(pattern: re.Pattern, data: bytes) -> str | None:
    """The raw XML of an element, with a namespace prefix (x:sheetProtection) removed."""
    m = pattern.search(data)
    return re.sub(r"<(/?)\w+:", r"<\1", m.group(0).decode("utf-8")) if m else None


def _notes(zf: zipfile.ZipFile, member: str) -> tuple[Note, ...]:
    out: list[Note] = []
    for typ, target in _rels(zf, member).values():
        if not typ.endswith("/comments") or target not in zf.namelist():
            continue
        root = ElementTree.fromstring(zf.read(target))
        authors = [a.text or "" for a in root.iterfind("m:authors/m:author", NS)]
        for c in root.iterfind("m:commentList/m:comment", NS):
            ref = c.get("ref", "A1").split(":")[0]
            r, col = cell_rc(ref)
            text = "".join(t.text or "" for t in c.iter(_M + "t"))
            aid = int(c.get("authorId", "0") or 0)
            out.append(Note(r, col, text, authors[aid] if aid < len(authors) else ""))
    return tuple(out)


def _input_formulas(zf: zipfile.ZipFile, sheet: str, member: str, shared_strings: list[str]) -> list[InputFormula]:
    """Formulas on one sheet with their cached values (shared formulas expanded)."""
    out: list[InputFormula] = []
    shared: dict[str, tuple[str, str]] = {}
    with zf.open(member) as fh:
        for _, el in ElementTree.iterparse(fh, events=("end",)):
            if el.tag != _M + "c":
                if el.tag == _M + "row":
                    el.clear()
                continue
            f = el.find(_M + "f")
            if f is None:
                continue
            ref = el.get("r", "")
            text = _formula_text(f, ref, shared)
            if text is None:
                continue
            cached = _formula_cached(el, shared_strings)
            if text:
                out.append(InputFormula(sheet, ref, text, cached))
    return out


def _formula_text(f: ElementTree.Element, ref: str, shared: dict[str, tuple[str, str]]) -> str | None:
    """The formula of cell ``ref`` (a shared formula's copy translated from its origin, which is
    recorded in ``shared``); None for a cell inside an array formula, which has no text of its own."""
    from openpyxl.formula.translate import Translator

    text = f.text or ""
    if f.get("t") == "shared":
        si = f.get("si", "")
        if text:
            shared[si] = (text, ref)
        elif si in shared:
            base, origin = shared[si]
            text = Translator("=" + base, origin=origin).translate_formula(ref)[1:]
    elif f.get("t") == "array" and not text:
        return None
    return text


def _formula_cached(el: ElementTree.Element, shared_strings: list[str]) -> Any:
    """The value a formula cell stores (None when it stores none)."""
    v = el.find(_M + "v")
    raw = v.text if v is not None else None
    t = el.get("t", "n")
    if raw is None:
        return None
    if t == "n":
        return float(raw)
    if t == "b":
        return raw == "1"
    if t == "s":
        return shared_strings[int(raw)] if raw.isdigit() and int(raw) < len(shared_strings) else raw
    return raw  # str, e, inlineStr


def _layout(zf: zipfile.ZipFile) -> dict[str, str]:
    if "docProps/custom.xml" not in zf.namelist():
        return {}
    out = {}
    root = ElementTree.fromstring(zf.read("docProps/custom.xml"))
    for p in root.iterfind("cp:property", NS):
        name = p.get("name", "")
        if name.startswith(LAYOUT_PREFIX):
            v = next(iter(p), None)
            if v is not None and v.text:
                out[name] = v.text
    return out


def read_preserved(path: str | Path, input_sheets: Iterable[str] | None = None,
                   known: Mapping[str, Any] | None = None) -> Preserved:
    """Read what a rebuild of ``path`` must keep.

    ``input_sheets``: the names of bpm-xl's input sheets (formulas there are recorded);
    by default the sheets of the input roles found through ``BPM_ROLE_*``. ``known``: sheet
    name -> :class:`~bpm_xl.readers.sheetxml.SheetFacts` of sheets the workbook reader has
    just streamed (a large survey): they are not read again.
    """
    path = Path(path)
    source = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(zf, source, input_sheets, known or {})
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, OSError) as exc:
        raise WorkbookError(f"{source}: the file cannot be read ({type(exc).__name__}: {exc})") from None


_INPUT_ROLES = ("GUIDE", "SETTINGS", "INDICATORS", "EXPERTS", "JUDGMENTS", "DELPHI", "SURVEY", "DATA", "EXPERT_SCORES")


def _read(zf: zipfile.ZipFile, source: str, input_sheets: Iterable[str] | None,
          known: Mapping[str, Any]) -> Preserved:
    book_bytes = zf.read("xl/workbook.xml")
    book = ElementTree.fromstring(book_bytes)
    names = _book_names(book)
    sheets = _sheets(zf, book)
    owned = owned_sheets(names)
    if input_sheets is None:
        input_sheets = {_sheet_of(names[f"BPM_ROLE_{r}"]) for r in _INPUT_ROLES if f"BPM_ROLE_{r}" in names}
    input_sheets = set(input_sheets)

    sst = shared_strings(zf)
    notes: dict[str, tuple[Note, ...]] = {}
    protection: dict[str, str] = {}
    formulas: list[InputFormula] = []
    unsupported: list[str] = []
    foreign_names: list[str] = []
    for name, state, member in sheets:
        if member not in zf.namelist():
            continue
        fact = known.get(name)
        fact = fact if fact is not None and fact.member == member else None
        data = fact.after if fact is not None else zf.read(member)  # protection lies after the cells
        raw = _raw(_RAW_PROTECT, data)
        if raw:
            ranges = _raw(_RAW_RANGES, data)
            protection[name] = raw + (ranges or "")
        n = _notes(zf, member)
        if n:
            notes[name] = n
        if name in input_sheets and fact is None and _HAS_F.search(data):
            formulas.extend(_input_formulas(zf, name, member, sst))
        if name not in owned:
            foreign_names.append(name)
            unsupported.extend(_unsupported_parts(zf, name, member))
    foreign = _foreign_sheets(zf, book_bytes, sheets, foreign_names) if foreign_names else ()
    extra = _extra_cells(zf, names, sheets, sst, known)
    user_names = {k: v for k, v in names.items() if not k.upper().startswith(("BPM_", "_XLNM."))}
    return Preserved(
        source=source,
        sheet_order=tuple(s[0] for s in sheets),
        sheet_states={s[0]: s[1] for s in sheets},
        foreign_sheets=foreign,
        notes=notes,
        sheet_protection=protection,
        workbook_protection=_raw(_RAW_BOOK_PROTECT, book_bytes),
        input_formulas=tuple(formulas),
        defined_names=names,
        user_names=user_names,
        layout=_layout(zf),
        unsupported=tuple(unsupported),
        extra_cells=extra,
    )


def _book_names(book: ElementTree.Element) -> dict[str, str]:
    """The workbook's global defined names (name -> refers-to)."""
    names: dict[str, str] = {}
    for dn in book.iterfind("m:definedNames/m:definedName", NS):
        if dn.get("localSheetId") is None and dn.text:
            names[dn.get("name", "")] = dn.text
    return names


def _unsupported_parts(zf: zipfile.ZipFile, name: str, member: str) -> list[str]:
    """What a rebuild cannot carry over from a user's sheet (its related parts of unsupported kinds)."""
    out = []
    for typ, _ in _rels(zf, member).values():
        kind = next((u for u in _UNSUPPORTED_RELS if typ.endswith(u)), None)
        if kind:
            out.append(f"sheet {name}: {kind.strip('/')}")
    return out


_RESHAPED_ROLES = ("JUDGMENTS", "DELPHI", "SURVEY")


def _extra_cells(zf: zipfile.ZipFile, names: Mapping[str, str], sheets: list[tuple[str, str, str]],
                 sst: list[str], known: Mapping[str, Any]) -> dict[str, tuple[ForeignCell, ...]]:
    """Cells to the right of bpm-xl's ranges on the reshaped input sheets, by sheet (a sheet
    whose facts say no cell lies there is not read)."""
    extra: dict[str, tuple[ForeignCell, ...]] = {}
    members = {s[0]: s[2] for s in sheets}
    for role in _RESHAPED_ROLES:
        sheet = _sheet_of(names.get(f"BPM_ROLE_{role}", ""))
        if sheet and members.get(sheet) in zf.namelist():
            right = _rightmost(names, sheet)
            fact = known.get(sheet)
            if right is None or (fact is not None and fact.member == members[sheet] and fact.rightmost <= right):
                continue
            cells = _cells_right_of(zf, members[sheet], right, sst)
            if cells:
                extra[sheet] = cells
    return extra


def _rightmost(names: Mapping[str, str], sheet: str) -> int | None:
    """The last column of bpm-xl's named ranges on a sheet (0-based)."""
    cols = [p[4] for k, v in names.items() if k.upper().startswith("BPM_") and not k.upper().startswith("BPM_ROLE_")
            and (p := parse_refers(v)) is not None and p[0] == sheet]
    return max(cols) if cols else None


_ODD_CELL = re.compile(rb"<c[\t\r\n>/]|<\w+:c[\s>/]")
_ODD_REF = re.compile(rb'<c r="(?![A-Z]{1,3}[0-9]+")')


def _maybe_right_of(data: bytes, right: int) -> bool:
    """False only when no cell of the sheet XML ``data`` lies right of column ``right``.

    A scan of the raw bytes, without parsing, when every cell starts ``<c r="A1"`` (as Excel and
    bpm-xl write it); any other spelling answers True, and the full parse decides.
    """
    if _ODD_CELL.search(data) or data.count(b"<c ") != data.count(b'<c r="') or _ODD_REF.search(data):
        return True
    s = col_letter(right)
    alts = [f"[A-Z]{{{len(s) + 1},}}"]
    for i, ch in enumerate(s):
        if ch != "Z":
            alts.append(f"{s[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{len(s) - i - 1}}}")
    return re.search(('<c r="(?:' + "|".join(alts) + ')[0-9]').encode(), data) is not None


def _cells_right_of(zf: zipfile.ZipFile, member: str, right: int, sst: list[str]) -> tuple[ForeignCell, ...]:
    """Values and formulas (with cached values) of the cells right of column ``right``."""
    if not _maybe_right_of(zf.read(member), right):
        return ()
    out = []
    with zf.open(member) as fh:
        for _, el in ElementTree.iterparse(fh, events=("end",)):
            if el.tag == _M + "row":
                el.clear()
                continue
            if el.tag != _M + "c":
                continue
            r, c = cell_rc(el.get("r", "A1"))
            if c <= right:
                continue
            f = el.find(_M + "f")
            value = _cell_value(el, sst)
            formula = (f.text or None) if f is not None else None
            if value is None and formula is None:
                continue
            out.append(ForeignCell(r, c, value, formula))
    return tuple(out)


def _cell_value(el: ElementTree.Element, sst: list[str]) -> Any:
    """The value a cell element holds (an inline string's text, a cached value; None when none)."""
    v = el.find(_M + "v")
    t = el.get("t", "n")
    raw = v.text if v is not None else None
    if t == "inlineStr":
        return "".join(x.text or "" for x in el.iter(_M + "t"))
    if raw is None:
        return None
    if t == "s":
        return sst[int(raw)] if raw.isdigit() and int(raw) < len(sst) else raw
    if t == "b":
        return raw == "1"
    if t == "n":
        return float(raw)
    return raw


# --------------------------------------------------------------------------------- foreign sheets
def _slim(zf: zipfile.ZipFile, book_bytes: bytes, keep: set[str]) -> bytes:
    """A copy of the package whose workbook part lists only the sheets in ``keep``."""
    text = book_bytes.decode("utf-8")

    def sheet_el(m: re.Match) -> str:
        nm = re.search(r'name="([^"]*)"', m.group(0))
        return m.group(0) if nm and html.unescape(nm.group(1)) in keep else ""

    text = re.sub(r"<(?:\w+:)?sheet\b[^>]*/>", sheet_el, text)
    text = re.sub(r"<(?:\w+:)?definedNames>.*?</(?:\w+:)?definedNames>", "", text, flags=re.DOTALL)
    text = re.sub(r'activeTab="\d+"', 'activeTab="0"', text)
    text = re.sub(r'firstSheet="\d+"', 'firstSheet="0"', text)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zf.infolist():
            if info.filename == "xl/workbook.xml":
                zo.writestr(info.filename, text.encode("utf-8"))
            elif info.filename in ("xl/vbaProject.bin", "xl/calcChain.xml"):
                continue
            else:
                zo.writestr(info.filename, zf.read(info.filename))
    return out.getvalue()


def _color(c: Any) -> str | None:
    try:
        if c is not None and c.type == "rgb" and isinstance(c.rgb, str) and len(c.rgb) in (6, 8):
            return "#" + c.rgb[-6:]
    except AttributeError:
        pass
    return None


_BORDERS = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7,
            "mediumDashed": 8, "dashDot": 9, "mediumDashDot": 10, "dashDotDot": 11,
            "mediumDashDotDot": 12, "slantDashDot": 13}


def _font_props(f: Any, p: dict[str, Any]) -> None:
    for attr, key, value in (("b", "bold", True), ("i", "italic", True), ("u", "underline", 1),
                             ("strike", "font_strikeout", True)):
        if getattr(f, attr):
            p[key] = value
    if (col := _color(f.color)) and col != "#000000":
        p["font_color"] = col
    if f.name and f.name != "Calibri":
        p["font_name"] = f.name
    if f.sz and float(f.sz) != 11:
        p["font_size"] = float(f.sz)


def _border_props(b: Any, p: dict[str, Any]) -> None:
    for side in ("left", "right", "top", "bottom"):
        s = getattr(b, side)
        if s is not None and s.style in _BORDERS:
            p[side] = _BORDERS[s.style]
            if col := _color(s.color):
                p[f"{side}_color"] = col


def _alignment_props(a: Any, p: dict[str, Any]) -> None:
    if a.horizontal and a.horizontal != "general":
        p["align"] = "center_across" if a.horizontal == "centerContinuous" else a.horizontal
    if a.vertical:
        p["valign"] = {"center": "vcenter", "top": "top", "bottom": "bottom"}.get(a.vertical, "vjustify")
    if a.wrap_text:
        p["text_wrap"] = True


def _style(cell: Any) -> CellStyle | None:
    p: dict[str, Any] = {}
    if cell.number_format and cell.number_format != "General":
        p["num_format"] = cell.number_format
    if cell.font is not None:
        _font_props(cell.font, p)
    fill = cell.fill
    if fill is not None and getattr(fill, "fill_type", None) == "solid" and (col := _color(fill.fgColor)):
        p["bg_color"] = col
    if cell.border is not None:
        _border_props(cell.border, p)
    if cell.alignment is not None:
        _alignment_props(cell.alignment, p)
    if cell.protection is not None and cell.protection.locked is False:
        p["locked"] = False
    return CellStyle(tuple(sorted(p.items()))) if p else None


def _foreign_sheets(zf: zipfile.ZipFile, book_bytes: bytes, sheets: list[tuple[str, str, str]],
                    foreign: list[str]) -> tuple[ForeignSheet, ...]:
    import openpyxl

    import warnings

    slim = _slim(zf, book_bytes, set(foreign))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # openpyxl's "extension not supported" notes: not for the user
        wf = openpyxl.load_workbook(io.BytesIO(slim), data_only=False, keep_links=False)
        wv = openpyxl.load_workbook(io.BytesIO(slim), data_only=True, keep_links=False)
    order = [s[0] for s in sheets]
    try:
        return tuple(_foreign_sheet(wf[name], wv[name], name, order) for name in foreign)
    finally:
        wf.close()
        wv.close()


def _foreign_sheet(ws: Any, vs: Any, name: str, order: list[str]) -> ForeignSheet:
    """A user's sheet as a rebuild writes it back: cells (formulas with the values ``vs`` holds),
    sizes, merged ranges, frozen panes, tab colour, and its place after the sheet before it."""
    merged = [(mr.min_row - 1, mr.min_col - 1, mr.max_row - 1, mr.max_col - 1) for mr in ws.merged_cells.ranges]
    cells = _foreign_cells(ws, vs)
    widths = _col_widths(ws)
    heights = {r - 1: float(d.height) for r, d in ws.row_dimensions.items() if d.customHeight and d.height}
    freeze = None
    if ws.freeze_panes:
        fr, fc = cell_rc(ws.freeze_panes)
        freeze = (fr, fc)
    idx = order.index(name)
    return ForeignSheet(
        name=name, after=order[idx - 1] if idx else None, state=ws.sheet_state or "visible",
        cells=cells, col_widths=widths, row_heights=heights, merged=tuple(merged),
        freeze=freeze, tab_color=_color(ws.sheet_properties.tabColor),
    )


def _foreign_cells(ws: Any, vs: Any) -> tuple[ForeignCell, ...]:
    """The cells of a user's sheet holding a value, a formula or a style (not those inside a merged range)."""
    cells = []
    for row in ws.iter_rows():
        for c in row:
            if type(c).__name__ == "MergedCell":
                continue
            v = c.value
            style = _style(c)
            if v is None and style is None:
                continue
            formula = None
            if isinstance(v, str) and c.data_type == "f":
                formula = v.removeprefix("=")
                v = vs.cell(c.row, c.column).value
            elif hasattr(v, "text") and c.data_type == "f":   # ArrayFormula
                formula = str(v.text).lstrip("=")
                v = vs.cell(c.row, c.column).value
            cells.append(ForeignCell(c.row - 1, c.column - 1, v, formula, style))
    return tuple(cells)


def _col_widths(ws: Any) -> dict[int, float]:
    """The custom column widths of a sheet, by 0-based column."""
    from openpyxl.utils import column_index_from_string

    widths = {}
    for letter, dim in ws.column_dimensions.items():
        if dim.customWidth and dim.width:
            lo = column_index_from_string(letter) if dim.min is None else dim.min
            hi = lo if dim.max is None else dim.max
            for k in range(lo, hi + 1):
                widths[k - 1] = float(dim.width)
    return widths


# --------------------------------------------------------------------------------- defined names
#: Names whose range may lose rows (the reader reads every row below the header).
_MAY_LOSE_ROWS = ("BPM_SURVEY",)


def check_defined_names(current: Mapping[str, str], written: Mapping[str, str], source: str = "workbook",
                        *, positions_only: bool = False) -> None:
    """Refuse when a defined name bpm-xl relies on was removed, moved or narrowed.

    ``current``: the workbook's names now; ``written``: where bpm-xl wrote them (the layout
    record, or with ``positions_only`` the layout it would write for the data it read, for files
    without a record). Raises :class:`WorkbookError` (one line, the name and where it points
    now); returns None when every name is where bpm-xl left it or only grew. A sheet renamed in
    Excel (its names then point to the new name, at the same cells) is named as such, with the
    name to give it back.
    """
    _check_renamed_sheets(current, written, source)
    for name in sorted(written):
        want = parse_refers(written[name])
        if want is None:
            continue
        now_text = current.get(name)
        if now_text is None:
            raise WorkbookError(
                f"{source}: the defined name {name} was removed (bpm-xl wrote it as {_show(written[name])}); "
                f"restore it in Formulas > Name Manager, or undo the change, then rebuild")
        now = parse_refers(now_text)
        if now is None:
            raise WorkbookError(
                f"{source}: the defined name {name} now points to {now_text.strip()!s} instead of "
                f"{_show(written[name])}; restore it in Formulas > Name Manager, then rebuild")
        sheet, r0, c0, r1, c1 = now
        wsheet, wr0, wc0, wr1, wc1 = want
        if (sheet, r0, c0) != (wsheet, wr0, wc0):
            what = "moved"
        elif positions_only or name.upper().startswith("BPM_ROLE_"):
            continue
        elif c1 < wc1 or (r1 < wr1 and name.upper() not in _MAY_LOSE_ROWS):
            what = "narrowed"
        else:
            continue
        raise WorkbookError(
            f"{source}: the defined name {name} was {what}: it points to {_show(now_text)}, "
            f"bpm-xl wrote it as {_show(written[name])}; undo the change or restore the name "
            f"(Formulas > Name Manager), then rebuild")


def check_names_of(path: str | Path) -> None:
    """The defined-name checks of a rebuild, for jobs that only read a hub (export): a name bpm-xl
    relies on that was removed, moved or narrowed is refused (against the layout record; files
    written before the record: moves to another sheet and removals)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            layout = _layout(zf)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise WorkbookError(f"{path.name}: the file cannot be read ({type(exc).__name__}: {exc})") from None
    names = {dn.get("name", ""): dn.text for dn in book.iterfind("m:definedNames/m:definedName", NS)
             if dn.get("localSheetId") is None and dn.text}
    if layout:
        check_defined_names(names, layout, path.name)
    else:
        check_name_sheets(names, path.name)


def _check_renamed_sheets(current: Mapping[str, str], written: Mapping[str, str], source: str) -> None:
    """Refuse with the rename to undo when a sheet bpm-xl wrote names into has no name left
    in it and all its names now point to one other sheet at the same cells (Excel renames the
    sheet in every name that points into it)."""
    now = {k: parse_refers(v) for k, v in current.items()}
    still = {p[0] for p in now.values() if p is not None}
    moved: dict[str, set[str]] = {}
    for name, refers in written.items():
        want = parse_refers(refers)
        if want is None or want[0] in still:
            continue
        got = now.get(name)
        if got is None or (got[1], got[2]) != (want[1], want[2]):
            moved.setdefault(want[0], set()).add("")   # not a plain rename
            continue
        moved.setdefault(want[0], set()).add(got[0])
    for old, new in sorted(moved.items()):
        if len(new) == 1 and "" not in new:
            raise WorkbookError(
                f"{source}: the sheet {old} was renamed to {next(iter(new))}; rename it back to {old} "
                "(right-click the sheet tab > Rename), then run again")


_NAME_ROLES = ((r"BPM_INDICATORS", "INDICATORS"), (r"BPM_EXPERTS", "EXPERTS"), (r"BPM_J_\d+", "JUDGMENTS"),
               (r"BPM_DELPHI_\d+", "DELPHI"), (r"BPM_SURVEY", "SURVEY"), (r"BPM_BANDS(?:_NAME)?", "SETTINGS"))


def check_name_sheets(current: Mapping[str, str], source: str = "workbook") -> None:
    """For files without a layout record: every input name points into the sheet of its role,
    and the numbered judgment/Delphi names have no gap (one removed in the middle)."""
    roles = {r: _sheet_of(current.get(f"BPM_ROLE_{r}", "")) for _, r in _NAME_ROLES}
    for name, refers in sorted(current.items()):
        for pattern, role in _NAME_ROLES:
            if re.fullmatch(pattern, name.upper()) and roles[role] is not None:
                p = parse_refers(refers)
                if p is None or p[0] != roles[role]:
                    raise WorkbookError(
                        f"{source}: the defined name {name} was moved: it points to {_show(refers)}, not into the "
                        f"sheet {roles[role]}; undo the change or restore the name (Formulas > Name Manager), then rebuild")
    for prefix, first in (("BPM_J_", 0), ("BPM_DELPHI_", 1)):
        ks = sorted(int(k[len(prefix):]) for k in current if re.fullmatch(prefix + r"\d+", k.upper()))
        for want, k in zip(range(first, first + len(ks)), ks):
            if want != k:
                raise WorkbookError(
                    f"{source}: the defined name {prefix}{want} was removed ({prefix}{k} is there); undo the "
                    f"change or restore the name (Formulas > Name Manager), then rebuild")


def _show(refers_to: str) -> str:
    return refers_to.strip().lstrip("=")
