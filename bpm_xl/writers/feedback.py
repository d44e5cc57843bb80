"""The consistency feedback files (``bpm-xl feedback``): consistency_feedback.csv and .xlsx.

One row per judgment to reconsider (:func:`bpm_xl.collect.feedback_rows`), the same table in
both files, in the workbook's language. Text that a spreadsheet would take for a formula is
written as text (a leading apostrophe in the CSV; a string cell in the workbook).
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..texts import text
from . import safe

__all__ = ["write_feedback_files"]

#: the columns, each captioned by ``feedback_<column>`` in :mod:`bpm_xl.texts`
_COLUMNS = ("expert", "node", "cr", "a", "b", "current", "suggested", "cr_after", "reached", "most_inconsistent")


def _frac(x: float) -> str:
    f = Fraction(x).limit_denominator(9)
    return str(f) if abs(float(f) - x) < 1e-9 else f"{x:.4g}"


def _csv_safe(v: Any) -> Any:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def _table(rows: list[dict[str, Any]], lang: str) -> list[list[Any]]:
    return [[r["expert"], r["node"], r["cr"], r["a_label"], r["b_label"], _frac(r["current"]), _frac(r["suggested"]),
             r["cr_after"], text("yes" if r["reached"] else "no", lang),
             r["most_inconsistent"]] for r in rows]


def _csv_bytes(head: list[str], table: list[list[Any]]) -> bytes:
    s = io.StringIO()
    w = csv.writer(s, lineterminator="\r\n")
    w.writerow(head)
    for row in table:
        w.writerow([_csv_safe(v) for v in row])
    return s.getvalue().encode("utf-8-sig")


def _xlsx_bytes(head: list[str], table: list[list[Any]], lang: str) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False, "in_memory": True})
    ws = wb.add_worksheet(text("feedback_sheet", lang))
    hf = wb.add_format({"bold": True, "bg_color": "#BDD7EE", "border": 1, "text_wrap": True})
    nf = wb.add_format({"num_format": "0.0000", "border": 1})
    tf = wb.add_format({"border": 1})
    for c, h in enumerate(head):
        ws.write_string(0, c, h, hf)
    for r, row in enumerate(table, start=1):
        for c, v in enumerate(row):
            if isinstance(v, float):
                ws.write_number(r, c, v, nf)
            else:
                ws.write_string(r, c, str(v), tf)
    ws.set_column(0, 2, 10)
    ws.set_column(3, 4, 26)
    ws.set_column(5, 9, 14)
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def write_feedback_files(out: Path, rows: list[dict[str, Any]], lang: str = "zh") -> list[Path]:
    """consistency_feedback.csv and .xlsx in the folder ``out`` (created), each written
    atomically; returns their paths."""
    head = [text(f"feedback_{c}", lang) for c in _COLUMNS]
    table = _table(rows, lang)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "consistency_feedback.csv"
    safe.atomic_write(csv_path, _csv_bytes(head, table))
    xlsx_path = out / "consistency_feedback.xlsx"
    safe.atomic_write(xlsx_path, _xlsx_bytes(head, table, lang))
    return [csv_path, xlsx_path]
