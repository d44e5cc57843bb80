"""The Rebuild macro: one ``rebuild(book)`` and its two entry points.

- Classic desktop Excel: the Rebuild button runs the VBA macro ``BpmRebuild``, i.e.
  ``RunPython "import bpm_xl.macros; bpm_xl.macros.main()"`` (any workbook name works);
  xlwings' quickstart ``SampleCall`` (``import <workbook name>; main()``) still works for
  workbooks named like a Python module, through the companion ``<name>.py``.
- Office.js (xlwings Server / Lite): :func:`rebuild_script` is an ``@xw.script``.

``rebuild`` reads the input sheets, validates and plans them through the service
(:func:`bpm_xl.service.plan_book`; invalid input: a dialog, nothing written) and writes it back in a few bulk writes: per output
sheet one clear, one write of all values and formulas, one number format, and one write per
array formula; input sheets that follow the indicator list are rewritten only when their
layout changed, carrying every value by code. The settings, indicator and expert sheets are
never written.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace
from typing import Any

import xlwings as xw

from pathlib import Path

from .errors import BpmError
from .layout.labels import FORMS_DIR, GUIDE_ROWS, OUTPUT_ROLES, RESHAPED_INPUT_ROLES, RETURNED_DIR
from .layout.types import Formula, SheetPlan, WorkbookPlan
from .readers.workbook import Grids, lang_of, parse_constants, parse_names, read_data

__all__ = ["RebuildSummary", "book_grids", "collect", "collect_main", "dense", "forms", "forms_main", "main",
           "rebuild", "rebuild_script", "report", "report_main"]

_NUMBER_FORMAT = "0.0000"


@dataclass(frozen=True)
class RebuildSummary:
    sheets_written: tuple[str, ...]
    names_changed: int
    problem: str | None          # invalid input (refused, nothing written) or what is still blank
    refused: bool = False        # True: invalid input, the workbook was not touched


def _rows(value: Any) -> list[list[Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [[value]]
    if value and not isinstance(value[0], list):
        return [value]
    return value


def book_grids(book: Any) -> Grids:
    """All sheets' values (anchored at A1) and the defined names of a live workbook."""
    sheets: dict[str, list[list[Any]]] = {}
    for sh in book.sheets:
        ur = sh.used_range
        vals = _rows(ur.value)
        r0, c0 = ur.row - 1, ur.column - 1
        if r0 or c0:
            vals = [[] for _ in range(r0)] + [[None] * c0 + list(r) for r in vals]
        sheets[sh.name] = [list(r) for r in vals]
    names = {}
    for n in book.names:
        try:
            refers = n.refers_to
        except Exception:  # noqa: BLE001 - a name xlwings cannot describe is not one of ours
            continue
        if refers:
            names[n.name] = refers
    return Grids(sheets, parse_names(names), source=getattr(book, "name", "workbook"),
                 constants=parse_constants(names))


def formula_cell(v: Any) -> Any:
    """What ``Range.formula`` receives for one cell: a layout :class:`Formula` as a formula;
    any other text behind Excel's text prefix ``'`` (so "=1+1", "1/3" or "TRUE" typed by a user
    stays that text: text never becomes code or a number); blanks as ""; numbers as they are."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, Formula):
        return str(v)
    if isinstance(v, str):
        return "'" + v if v else ""
    if isinstance(v, bool):
        return "'" + str(v)
    return v


def dense(sp: SheetPlan) -> list[list[Any]]:
    """The sheet's blocks as one rectangle from A1 (array formulas left empty), each cell as
    :func:`formula_cell` gives it."""
    nrows = max([b.row + b.nrows for b in sp.blocks] + [a.row + a.nrows for a in sp.arrays] + [1])
    ncols = max([b.col + b.ncols for b in sp.blocks] + [a.col + a.ncols for a in sp.arrays] + [1])
    grid: list[list[Any]] = [[""] * ncols for _ in range(nrows)]
    for b in sp.blocks:
        for i, row in enumerate(b.rows()):
            for j, v in enumerate(row):
                grid[b.row + i][b.col + j] = formula_cell(v)
    return grid


def _norm_ref(refers: str) -> str:
    return refers.replace("$", "").replace("'", "").lstrip("=").upper()


def rebuild(book: Any, update: Any = None, force: tuple[str, ...] = ()) -> RebuildSummary:
    """Rebuild the evaluation sheets of ``book`` (an ``xw.Book``) from its input sheets.

    Validation is the service's (:func:`bpm_xl.service.assess`, the same as ``bpm-xl
    rebuild``): on invalid input nothing is written and the summary carries the message.
    """
    from .service import plan_book  # noqa: PLC0415 - shells import lazily

    g = book_grids(book)
    try:
        plan, assessment = plan_book(g, update=update)
    except BpmError as exc:
        return RebuildSummary((), 0, f"{exc} Nothing was written.", refused=True)
    written, changed = _write(book, plan, g, force)
    return RebuildSummary(tuple(written), changed, assessment.missing)


def _layout_unchanged(sp: SheetPlan, plan: WorkbookPlan, g: Grids) -> bool:
    prefix = {"judgments": "BPM_J_", "delphi": "BPM_DELPHI_", "survey": "BPM_SURVEY"}[sp.role]
    mine = {k: v for k, v in plan.names.items() if k.startswith(prefix)}
    for k, v in mine.items():
        old = g.names.get(k)
        if old is None:
            return False
        new = parse_names({k: v})[k]
        if sp.role == "survey":
            # rows grow with respondents; only the indicator columns decide the layout
            if (old[0], old[1], old[2], old[4]) != (new[0], new[1], new[2], new[4]):
                return False
        elif old != new:
            return False
    # the codes in headers and row heads (indicators, experts, nodes) must match too
    existing = g.sheets.get(sp.name, [])
    for b in sp.blocks:
        if b.style not in ("header", "rowhead", "subtitle"):
            continue
        for i, row in enumerate(b.cells):
            for j, v in enumerate(row):
                r, c = b.row + i, b.col + j
                old_v = existing[r][c] if r < len(existing) and c < len(existing[r]) else None
                if _code(old_v) != _code(v):
                    return False
    extra = [k for k in g.names if k.startswith(prefix) and k not in mine]
    return not extra


def _code(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


#: Input sheets the macro rewrites on every rebuild, cell by cell over bpm-xl's own blocks
#: (the 整改清单 gains pre-filled rows, the 整改措施库 new indicators; the rows typed there are read and
#: written back as typed).
ALWAYS_WRITTEN = ("rectification", "measures")


def _write_blocks(sheet: Any, sp: SheetPlan) -> None:
    """Write ``sp``'s blocks where they are, leaving every other cell of the sheet alone."""
    for b in sp.blocks:
        if b.nrows and b.ncols:
            cells = [[formula_cell(v) for v in row] + [""] * (b.ncols - len(row)) for row in b.rows()]
            sheet.range((b.row + 1, b.col + 1)).resize(b.nrows, b.ncols).formula = cells


def _write_columns(sheet: Any, sp: SheetPlan, old_rows: int) -> None:
    """One write of bpm-xl's columns of ``sp`` (down to the sheet's old last row, so rows that
    moved up leave no copy behind); the columns to the right stay as the user left them."""
    grid = dense(sp)
    width = max((b.col + b.ncols for b in sp.blocks), default=1)
    grid = [row[:width] for row in grid] + [[""] * width for _ in range(max(0, old_rows - len(grid)))]
    sheet.range((1, 1)).resize(len(grid), width).formula = grid


def _write_guide(sheet: Any, sp: SheetPlan) -> None:
    """The Guide's own rows (the first GUIDE_ROWS of column A: its lines and the evaluation's ID)
    in one write; anything else the plan holds there (a user's notes) block by block."""
    column: list[list[Any]] = [[""] for _ in range(GUIDE_ROWS)]
    rest = []
    for b in sp.blocks:
        if b.col == 0 and b.row + b.nrows <= GUIDE_ROWS:
            for i, row in enumerate(b.rows()):
                column[b.row + i][0] = formula_cell(row[0] if row else None)
        else:
            rest.append(b)
    sheet.range((1, 1)).resize(GUIDE_ROWS, 1).formula = column
    _write_blocks(sheet, replace(sp, blocks=rest))


def _write_status(existing: dict[str, Any], plan: WorkbookPlan) -> list[str]:
    """What the file is (example / own / blank data), where the user sheets say it: the Guide's
    own lines and the BPM_DATA cell on Settings; nothing else on those sheets is touched."""
    done = []
    for sp in plan.sheets:
        if sp.role == "guide" and sp.name in existing:
            _write_guide(existing[sp.name], sp)
            done.append(sp.name)
    ref = plan.names.get("BPM_DATA")
    where = parse_names({"BPM_DATA": ref}).get("BPM_DATA") if ref else None
    if where and where[0] in existing:
        settings = next(sp for sp in plan.sheets if sp.role == "settings")
        value = next((b.cells[where[1] - b.row][where[2] - b.col] for b in settings.blocks
                      if b.row <= where[1] < b.row + b.nrows and b.col <= where[2] < b.col + b.ncols), None)
        existing[where[0]].range((where[1] + 1, where[2] + 1)).value = value
    return done


def _write(book: Any, plan: WorkbookPlan, g: Grids, force: tuple[str, ...] = ()) -> tuple[list[str], int]:
    existing = {sh.name: sh for sh in book.sheets}
    written: list[str] = []
    for sp in plan.sheets:
        if sp.role in ALWAYS_WRITTEN or (sp.role in force and sp.role not in RESHAPED_INPUT_ROLES):
            sheet = existing.get(sp.name) or book.sheets.add(sp.name, after=book.sheets[len(book.sheets) - 1])
            existing[sp.name] = sheet
            if sp.role in ALWAYS_WRITTEN:
                _write_columns(sheet, sp, len(g.sheets.get(sp.name, [])))
            else:
                _write_blocks(sheet, sp)
            written.append(sp.name)
            continue
        if sp.role not in OUTPUT_ROLES and sp.role not in RESHAPED_INPUT_ROLES:
            continue
        if sp.role in RESHAPED_INPUT_ROLES and sp.name in existing and _layout_unchanged(sp, plan, g):
            if sp.role in force:  # same layout, new values (returned forms): bpm-xl's blocks only
                _write_blocks(existing[sp.name], sp)
                written.append(sp.name)
            continue
        sheet = existing.get(sp.name)
        if sheet is None:
            sheet = book.sheets.add(sp.name, after=book.sheets[len(book.sheets) - 1])
            existing[sp.name] = sheet
        else:
            sheet.clear_contents()
        grid = dense(sp)
        rng = sheet.range((1, 1)).resize(len(grid), len(grid[0]))
        rng.formula = grid
        if sp.kind == "output":
            rng.number_format = _NUMBER_FORMAT
        for a in sp.arrays:
            sheet.range((a.row + 1, a.col + 1)).resize(a.nrows, a.ncols).formula_array = a.formula
        written.append(sp.name)
    written += _write_status(existing, plan)
    changed = 0
    current = {k: v for k, v in ((n.name, _safe_refers(n)) for n in book.names)}
    for name, refers in plan.names.items():
        old = current.get(name)
        if old is not None and _norm_ref(old) == _norm_ref(refers):
            continue
        if old is None:
            book.names.add(name, refers)
        else:
            book.names[name].refers_to = refers
        changed += 1
    return written, changed


def _safe_refers(n: Any) -> str | None:
    try:
        return n.refers_to
    except Exception:  # noqa: BLE001
        return None


def _report(book: Any, summary: RebuildSummary) -> None:
    """Show the problem in a dialog (Excel's MsgBox; Office.js: xlwings' alert)."""
    if summary.problem:
        try:
            book.app.alert(summary.problem[:250], title="bpm-xl")
        except Exception:  # noqa: BLE001 - an alert that cannot be shown must not undo the rebuild
            pass


def main() -> None:
    """Classic Excel entry point (RunPython / the quickstart SampleCall macro / the button)."""
    book = xw.Book.caller()
    _report(book, rebuild(book))


@xw.script
def rebuild_script(book: xw.Book):
    """Office.js entry point (xlwings Server / Lite): rebuild the evaluation sheets."""
    _report(book, rebuild(book))


# ---------------------------------------------------------------------------------------
# The buttons beside Rebuild: small shells over the service (same pattern as BpmRebuild)
def _path(book: Any) -> Path:
    return Path(book.fullname)


def forms(book: Any) -> str:
    """生成专家问卷: one form per expert into the folder ``<name>_forms`` next to the workbook
    (the workbook is saved first, so the forms carry what the sheets show)."""
    from .cli_collect import write_forms  # noqa: PLC0415
    from .service import lang_of_file  # noqa: PLC0415

    book.save()
    path = _path(book)
    out = path.parent / FORMS_DIR.format(stem=path.stem)
    files = write_forms(path, out, lang=lang_of_file(path))
    return f"{len(files)} -> {out}"


def collect(book: Any) -> str:
    """收回问卷: every .xlsx in the folder ``<name>_returned`` next to the workbook is read,
    checked and written into the judgment, Delphi and expert sheets, then the workbook is
    rebuilt (invalid forms: a dialog, nothing written)."""
    from .cli_collect import read_forms  # noqa: PLC0415
    from .collect import apply_forms  # noqa: PLC0415

    path = _path(book)
    folder = path.parent / RETURNED_DIR.format(stem=path.stem)
    files = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith(("~$", ".~")))
    if not files:
        return f"{folder}: no returned forms (.xlsx) found"
    g = book_grids(book)
    data = read_data(g)
    lang = lang_of(g)
    returned = read_forms(data, files, lang)    # raises BpmError naming file and cell
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    _, changes = apply_forms(data, returned, lang, now=now)
    if not (changes.changes or changes.logged):
        return "\n".join(changes.lines()) or "nothing to change"
    summary = rebuild(book, update=lambda d: apply_forms(d, returned, lang, now=now)[0],
                      force=("judgments", "delphi", "experts", "collected"))
    return summary.problem if summary.refused else "\n".join(changes.lines())


def report(book: Any) -> str:
    """生成Word报告: saves the workbook, then writes ``<name>_report.docx`` next to it."""
    from .service import report_file  # noqa: PLC0415

    book.save()
    path = _path(book)
    files = report_file(path, path.with_name(f"{path.stem}_report.docx"), fmt="docx")
    return str(files.path)


def _run(fn: Any) -> None:
    book = xw.Book.caller()
    try:
        message = fn(book)
    except BpmError as exc:
        message = f"{exc} Nothing was written."
    _report(book, RebuildSummary((), 0, message))


def forms_main() -> None:
    """The BpmForms macro (生成专家问卷)."""
    _run(forms)


def collect_main() -> None:
    """The BpmCollect macro (收回问卷)."""
    _run(collect)


def report_main() -> None:
    """The BpmReport macro (生成Word报告)."""
    _run(report)
