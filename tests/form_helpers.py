"""Helpers for the collection tests: fill a questionnaire as an expert would, compare files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl

from bpm_xl.layout.forms import SCALE_VALUES, SHEETS, form_layout


def fill_form(path: Path, nodes, codes, judgments: dict | None = None, ratings: dict | None = None,
              ca: float | None = None, cs: float | None = None, lang: str = "zh", layout: str = "row",
              mark: str = "√") -> None:
    """Type into a form what an expert types: a mark in one of the 17 cells of each pair
    (row layout) or '1/3' in the matrix cell; a rating per indicator; Ca and Cs.

    ``judgments[node][(a, b)]`` = a value on the 1-9 scale, or None to clear the pair.
    """
    wb = openpyxl.load_workbook(path)
    lay = form_layout(nodes, codes, layout)
    ws = wb[SHEETS["pairs"][lang]]
    for node, per in (judgments or {}).items():
        for (a, b), v in per.items():
            p = lay.pair(node, a, b)
            if layout == "row":
                for k in range(17):
                    ws.cell(p.row + 1, p.col + 1 + k).value = None
                if v is not None:
                    k = min(range(17), key=lambda q: abs(math.log(SCALE_VALUES[q]) - math.log(v)))
                    ws.cell(p.row + 1, p.col + 1 + k).value = mark
            else:
                if v is None:
                    ws.cell(p.row + 1, p.col + 1).value = None
                else:
                    ws.cell(p.row + 1, p.col + 1).value = str(int(v)) if v >= 1 else f"1/{round(1 / v)}"
    rs = wb[SHEETS["ratings"][lang]]
    for code, v in (ratings or {}).items():
        rs.cell(lay.rating_rows[code] + 1, lay.rating_col + 1).value = v
    if ca is not None:
        rs.cell(lay.ca_cell[0] + 1, lay.ca_cell[1] + 1).value = ca
    if cs is not None:
        rs.cell(lay.cs_cell[0] + 1, lay.cs_cell[1] + 1).value = cs
    wb.save(path)


def compare_cached(a: Path, b: Path, rel: float = 1e-9) -> list[str]:
    """Cells whose values differ between two files (numbers within ``rel``)."""
    wa = openpyxl.load_workbook(a, data_only=True)
    wb = openpyxl.load_workbook(b, data_only=True)
    bad = []
    for ws in wa.worksheets:
        other = wb[ws.title]
        for row in ws.iter_rows():
            for c in row:
                v1, v2 = c.value, other[c.coordinate].value
                if isinstance(v1, (int, float)) and isinstance(v2, (int, float)) and not isinstance(v1, bool):
                    if abs(v1 - v2) > rel * max(1.0, abs(v1)):
                        bad.append(f"{ws.title}!{c.coordinate}: {v1} vs {v2}")
                elif (v1 if v1 not in ("",) else None) != (v2 if v2 not in ("",) else None):
                    bad.append(f"{ws.title}!{c.coordinate}: {v1!r} vs {v2!r}")
    return bad


def cell_value(path: Path, sheet: str, coord: str) -> Any:
    return openpyxl.load_workbook(path, data_only=True)[sheet][coord].value
