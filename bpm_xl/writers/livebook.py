"""What the in-Excel rebuild writes into a live workbook, as data.

:func:`live_writes` turns a :class:`~bpm_xl.layout.types.WorkbookPlan` and what the workbook
holds now (its sheets' values and defined names, as read) into a short list of
:class:`Write` steps: per output sheet one clear, one write of all values and formulas, one
number format, and one write per array formula; input sheets that follow the indicator list
are rewritten only when their layout changed. The settings, indicator and expert sheets are
never written. :func:`name_changes` gives the defined names to add or point elsewhere.

Nothing here touches Excel: :mod:`bpm_xl.macros` carries the steps out through xlwings, one
range write per step, so the steps are the whole of what a rebuild does to the book.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..layout.labels import GUIDE_ROWS, OUTPUT_ROLES, RESHAPED_INPUT_ROLES
from ..layout.types import Formula, SheetPlan, WorkbookPlan, parse_ref

__all__ = ["ALWAYS_WRITTEN", "NUMBER_FORMAT", "LiveWrites", "Write", "dense", "formula_cell", "live_writes",
           "name_changes"]

#: The number format of the output sheets' figures.
NUMBER_FORMAT = "0.0000"

#: Input sheets the macro rewrites on every rebuild, cell by cell over bpm-xl's own blocks
#: (the 整改清单 gains pre-filled rows, the 整改措施库 new indicators; the rows typed there are read and
#: written back as typed).
ALWAYS_WRITTEN = ("rectification", "measures")


@dataclass(frozen=True, slots=True)
class Write:
    """One step on a live workbook.

    ``op``: ``"add"`` (a new sheet after the last one), ``"clear"`` (the sheet's contents),
    ``"formula"`` (a rectangle of formulas and values), ``"number_format"``,
    ``"formula_array"`` (one array formula over the rectangle) or ``"value"`` (one cell).
    ``row``/``col`` are 0-based; ``nrows``/``ncols`` give the rectangle (0 for a single cell).
    """

    op: str
    sheet: str
    row: int = 0
    col: int = 0
    nrows: int = 0
    ncols: int = 0
    content: Any = None


@dataclass(frozen=True, slots=True)
class LiveWrites:
    steps: tuple[Write, ...]
    sheets_written: tuple[str, ...]   # in the order written, each sheet once per role


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


def _code(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _layout_unchanged(sp: SheetPlan, plan: WorkbookPlan, sheets: Mapping[str, list[list[Any]]],
                      names: Mapping[str, tuple[str, int, int, int, int]]) -> bool:
    prefix = {"judgments": "BPM_J_", "delphi": "BPM_DELPHI_", "survey": "BPM_SURVEY", "data": "BPM_IND_DATA",
              "expert_scores": "BPM_EXPERT_SCORE"}[sp.role]
    mine = {k: v for k, v in plan.names.items() if k.startswith(prefix)}
    if not _names_unchanged(sp, mine, names):
        return False
    # the codes in headers and row heads (indicators, experts, nodes) must match too
    if not _codes_unchanged(sp, sheets.get(sp.name, [])):
        return False
    extra = [k for k in names if k.startswith(prefix) and k not in mine]
    return not extra


def _names_unchanged(sp: SheetPlan, mine: Mapping[str, str],
                     names: Mapping[str, tuple[str, int, int, int, int]]) -> bool:
    """Every name of the sheet's role (``mine``) is in the book and refers where it did."""
    for k, v in mine.items():
        old = names.get(k)
        if old is None:
            return False
        new = parse_ref(v)
        if sp.role == "survey" and new is not None:
            # rows grow with respondents; only the indicator columns decide the layout
            if (old[0], old[1], old[2], old[4]) != (new[0], new[1], new[2], new[4]):
                return False
        elif old != new:
            return False
    return True


def _codes_unchanged(sp: SheetPlan, existing: list[list[Any]]) -> bool:
    """The codes in the plan's header, row-head and subtitle blocks are those in the sheet's cells."""
    for b in sp.blocks:
        if b.style not in ("header", "rowhead", "subtitle"):
            continue
        for i, row in enumerate(b.cells):
            for j, v in enumerate(row):
                r, c = b.row + i, b.col + j
                old_v = existing[r][c] if r < len(existing) and c < len(existing[r]) else None
                if _code(old_v) != _code(v):
                    return False
    return True


def _blocks(sp: SheetPlan) -> list[Write]:
    """``sp``'s blocks where they are, leaving every other cell of the sheet alone."""
    return [Write("formula", sp.name, b.row, b.col, b.nrows, b.ncols,
                  [[formula_cell(v) for v in row] + [""] * (b.ncols - len(row)) for row in b.rows()])
            for b in sp.blocks if b.nrows and b.ncols]


def _columns(sp: SheetPlan, old_rows: int) -> Write:
    """One write of bpm-xl's columns of ``sp`` (down to the sheet's old last row, so rows that
    moved up leave no copy behind); the columns to the right stay as the user left them."""
    grid = dense(sp)
    width = max((b.col + b.ncols for b in sp.blocks), default=1)
    grid = [row[:width] for row in grid] + [[""] * width for _ in range(max(0, old_rows - len(grid)))]
    return Write("formula", sp.name, 0, 0, len(grid), width, grid)


def _guide(sp: SheetPlan) -> list[Write]:
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
    return [Write("formula", sp.name, 0, 0, GUIDE_ROWS, 1, column), *_blocks(replace(sp, blocks=rest))]


def _status(plan: WorkbookPlan, present: set[str], steps: list[Write]) -> list[str]:
    """What the file is (example / own / blank data), where the user sheets say it: the Guide's
    own lines and the BPM_DATA cell on Settings; nothing else on those sheets is touched."""
    done = []
    for sp in plan.sheets:
        if sp.role == "guide" and sp.name in present:
            steps.extend(_guide(sp))
            done.append(sp.name)
    ref = plan.names.get("BPM_DATA")
    where = parse_ref(ref) if ref else None
    if where and where[0] in present:
        settings = next(sp for sp in plan.sheets if sp.role == "settings")
        value = next((b.cells[where[1] - b.row][where[2] - b.col] for b in settings.blocks
                      if b.row <= where[1] < b.row + b.nrows and b.col <= where[2] < b.col + b.ncols), None)
        steps.append(Write("value", where[0], where[1], where[2], content=value))
    return done


def _output(sp: SheetPlan, present: set[str], steps: list[Write]) -> None:
    """An output sheet (or a reshaped input sheet) written whole: cleared or added, one write of
    every value and formula, the number format, one write per array formula."""
    if sp.name in present:
        steps.append(Write("clear", sp.name))
    else:
        steps.append(Write("add", sp.name))
        present.add(sp.name)
    grid = dense(sp)
    steps.append(Write("formula", sp.name, 0, 0, len(grid), len(grid[0]), grid))
    if sp.kind == "output":
        steps.append(Write("number_format", sp.name, 0, 0, len(grid), len(grid[0]), NUMBER_FORMAT))
    steps.extend(Write("formula_array", sp.name, a.row, a.col, a.nrows, a.ncols, a.formula) for a in sp.arrays)


def live_writes(plan: WorkbookPlan, sheets: Mapping[str, list[list[Any]]],
                names: Mapping[str, tuple[str, int, int, int, int]], force: tuple[str, ...] = ()) -> LiveWrites:
    """The steps that bring a live workbook to ``plan``.

    ``sheets``: the book's sheets now (name -> values from A1), ``names``: its defined names as
    read (upper-case name -> (sheet, row, column, rows, columns)); ``force``: input roles whose
    bpm-xl blocks are rewritten even when their layout did not change (returned forms).
    """
    present = set(sheets)
    steps: list[Write] = []
    written: list[str] = []
    for sp in plan.sheets:
        if sp.role in ALWAYS_WRITTEN or (sp.role in force and sp.role not in RESHAPED_INPUT_ROLES):
            if sp.name not in present:
                steps.append(Write("add", sp.name))
                present.add(sp.name)
            steps.extend([_columns(sp, len(sheets.get(sp.name, [])))] if sp.role in ALWAYS_WRITTEN else _blocks(sp))
            written.append(sp.name)
            continue
        if sp.role not in OUTPUT_ROLES and sp.role not in RESHAPED_INPUT_ROLES:
            continue
        if sp.role in RESHAPED_INPUT_ROLES and sp.name in present and _layout_unchanged(sp, plan, sheets, names):
            if sp.role in force:  # same layout, new values (returned forms): bpm-xl's blocks only
                steps.extend(_blocks(sp))
                written.append(sp.name)
            continue
        _output(sp, present, steps)
        written.append(sp.name)
    written += _status(plan, present, steps)
    return LiveWrites(tuple(steps), tuple(written))


def name_changes(wanted: Mapping[str, str], current: Mapping[str, str | None]) -> tuple[tuple[str, str, bool], ...]:
    """The defined names to set: (name, refers to, new?) for every name of ``wanted`` that the
    book (``current``: name -> refers to, None where it cannot be read) lacks or points elsewhere."""
    out = []
    for name, refers in wanted.items():
        old = current.get(name)
        if old is not None and _norm_ref(old) == _norm_ref(refers):
            continue
        out.append((name, refers, old is None))
    return tuple(out)
