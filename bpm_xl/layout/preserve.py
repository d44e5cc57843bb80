"""What a rebuild keeps of a workbook that bpm-xl does not own, as plain data.

The reader (:mod:`bpm_xl.readers.preserve`) fills these types from a file and the writers
(:mod:`bpm_xl.writers.preserve`, :mod:`bpm_xl.writers.xlsx`) put them back; see the reader's
module docstring for what is kept and what is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import WorkbookError

__all__ = ["LAYOUT_PREFIX", "CellStyle", "ForeignCell", "ForeignSheet", "InputFormula", "Note", "Preserved",
           "cell_a1", "cell_rc", "layout_record", "parse_refers"]

#: Custom document properties that record where bpm-xl wrote its input names.
LAYOUT_PREFIX = "BPM_"





@dataclass(frozen=True, slots=True)
class CellStyle:
    """The basic look of a cell, as XlsxWriter format properties (hashable, sorted items)."""

    props: tuple[tuple[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.props)


@dataclass(frozen=True, slots=True)
class ForeignCell:
    row: int                      # 0-based
    col: int                      # 0-based
    value: Any                    # the value (for a formula: its cached value)
    formula: str | None = None    # without the leading "="
    style: CellStyle | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A cell note (comment): 0-based position, text, author."""

    row: int
    col: int
    text: str
    author: str = ""


@dataclass(frozen=True)
class ForeignSheet:
    name: str
    after: str | None                                     # the sheet it followed (None: first)
    state: str = "visible"                                # visible | hidden | veryHidden
    cells: tuple[ForeignCell, ...] = ()
    col_widths: Mapping[int, float] = field(default_factory=dict)   # 0-based column -> width
    row_heights: Mapping[int, float] = field(default_factory=dict)  # 0-based row -> points
    merged: tuple[tuple[int, int, int, int], ...] = ()   # first_row, first_col, last_row, last_col
    freeze: tuple[int, int] | None = None                # rows, cols above/left of the split
    tab_color: str | None = None                         # "#RRGGBB"


@dataclass(frozen=True, slots=True)
class InputFormula:
    """A formula on one of bpm-xl's input sheets, with the value it had."""

    sheet: str
    cell: str                     # A1
    formula: str                  # without "="
    cached: Any                   # float | str | bool | None (error values as their text)


@dataclass(frozen=True)
class Preserved:
    """Everything a rebuild must put back (see the module docstring)."""

    source: str
    sheet_order: tuple[str, ...]
    sheet_states: Mapping[str, str]
    foreign_sheets: tuple[ForeignSheet, ...]
    notes: Mapping[str, tuple[Note, ...]]
    sheet_protection: Mapping[str, str]       # sheet name -> raw XML (sheetProtection [+ protectedRanges])
    workbook_protection: str | None           # raw <workbookProtection .../>
    input_formulas: tuple[InputFormula, ...]
    defined_names: Mapping[str, str]          # every workbook-level name -> refers-to
    user_names: Mapping[str, str]             # the user's own names (not BPM_*, not _xlnm.*)
    layout: Mapping[str, str]                 # bpm-xl's record of where it wrote its input names
    unsupported: tuple[str, ...] = ()         # what cannot be carried over ("sheet X: a chart")

    extra_cells: Mapping[str, tuple[ForeignCell, ...]] = field(default_factory=dict)
    # cells on the reshaped input sheets (judgments, Delphi, survey) to the right of bpm-xl's
    # named ranges: the user's notes beside the data, kept at their addresses

    def in_input_range(self, sheet: str, cell: str) -> bool:
        """Whether ``cell`` on ``sheet`` lies in one of bpm-xl's input ranges (old names)."""
        r, c = cell_rc(cell)
        for name, refers in self.defined_names.items():
            if not name.upper().startswith("BPM_") or name.upper().startswith("BPM_ROLE_"):
                continue
            p = parse_refers(refers)
            if p and p[0] == sheet and p[1] <= r <= p[3] and p[2] <= c <= p[4]:
                return True
        return False

    @property
    def empty(self) -> bool:
        return not (self.foreign_sheets or any(self.notes.values()) or self.sheet_protection
                    or self.workbook_protection or self.input_formulas or self.user_names)


def cell_rc(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref)
    if not m:
        raise WorkbookError(f"bad cell reference {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def cell_a1(r: int, c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def parse_refers(refers_to: str) -> tuple[str, int, int, int, int] | None:
    m = re.match(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$",
                 refers_to.strip())
    if not m:
        return None
    sheet = (m.group(1) or m.group(2)).replace("''", "'")
    r0, c0 = cell_rc(m.group(3) + m.group(4))
    r1, c1 = cell_rc(m.group(5) + m.group(6)) if m.group(5) else (r0, c0)
    return sheet, r0, c0, r1, c1


def layout_record(names: Mapping[str, str], input_sheets: Iterable[str]) -> dict[str, str]:
    """What a writer stores (as custom document properties) about the input names it wrote:
    every ``BPM_*`` name that points into an input sheet, and every ``BPM_ROLE_*`` name."""
    inputs = set(input_sheets)
    out = {}
    for k, v in names.items():
        p = parse_refers(v)
        if p is None or not k.upper().startswith(LAYOUT_PREFIX):
            continue
        if p[0] in inputs or k.upper().startswith("BPM_ROLE_"):
            out[k] = v
    return out
