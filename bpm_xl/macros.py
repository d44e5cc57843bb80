"""The Rebuild macro: one ``rebuild(book)`` and its two entry points.

- Classic desktop Excel: the Rebuild button runs the VBA macro ``BpmRebuild``, i.e.
  ``RunPython "import bpm_xl.macros; bpm_xl.macros.main()"`` (any workbook name works);
  xlwings' quickstart ``SampleCall`` (``import <workbook name>; main()``) still works for
  workbooks named like a Python module, through the companion ``<name>.py``.
- Office.js (xlwings Server / Lite): :func:`rebuild_script` is an ``@xw.script``.

``rebuild`` reads the book's sheets and names, validates and plans them through the service
(:func:`bpm_xl.service.plan_book`; invalid input: a dialog, nothing written), asks the service
for the steps that write the plan (:func:`bpm_xl.service.book_writes`: per output sheet one
clear, one write of all values and formulas, one number format, and one write per array
formula; input sheets that follow the indicator list rewritten only when their layout changed,
carrying every value by code; the settings, indicator and expert sheets never written) and
carries them out through xlwings. This module imports the service and xlwings, nothing else
of bpm-xl's layers (no command-line library on the Excel button's path).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlwings as xw

from . import service
from .errors import BpmError

if TYPE_CHECKING:  # pragma: no cover
    from .service import Grids

__all__ = ["RebuildSummary", "book_grids", "collect", "collect_main", "forms", "forms_main", "main",
           "rebuild", "rebuild_script", "report", "report_main"]


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
    """All sheets' values (anchored at A1) and the defined names of a live workbook, as the
    service reads them (:func:`bpm_xl.service.book_grids_of`)."""
    sheets: dict[str, list[list[Any]]] = {}
    for sh in book.sheets:
        ur = sh.used_range
        vals = _rows(ur.options(ndim=2).value)   # a one-column sheet is rows of one cell, not one row
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
    return service.book_grids_of(sheets, names, source=getattr(book, "name", "workbook"))


def rebuild(book: Any, update: Any = None, force: tuple[str, ...] = ()) -> RebuildSummary:
    """Rebuild the evaluation sheets of ``book`` (an ``xw.Book``) from its input sheets.

    Validation is the service's (:func:`bpm_xl.service.assess`, the same as ``bpm-xl
    rebuild``): on invalid input nothing is written and the summary carries the message.
    """
    g = book_grids(book)
    try:
        plan, assessment = service.plan_book(g, update=update)
    except BpmError as exc:
        return RebuildSummary((), 0, f"{exc} Nothing was written.", refused=True)
    writes = service.book_writes(plan, g, force)
    _carry_out(book, writes.steps)
    current = {n.name: _safe_refers(n) for n in book.names}
    changes = service.name_changes(plan, current)
    for name, refers, new in changes:
        if new:
            book.names.add(name, refers)
        else:
            book.names[name].refers_to = refers
    return RebuildSummary(writes.sheets_written, len(changes), assessment.missing)


def _carry_out(book: Any, steps: Any) -> None:
    """The service's write steps (:class:`bpm_xl.writers.livebook.Write`), each one xlwings call."""
    sheets = {sh.name: sh for sh in book.sheets}
    for w in steps:
        if w.op == "add":
            sheets[w.sheet] = book.sheets.add(w.sheet, after=book.sheets[len(book.sheets) - 1])
            continue
        sheet = sheets[w.sheet]
        if w.op == "clear":
            sheet.clear_contents()
            continue
        rng = sheet.range((w.row + 1, w.col + 1))
        if w.op == "value":
            rng.value = w.content
            continue
        rng = rng.resize(w.nrows, w.ncols)
        if w.op == "formula":
            rng.formula = w.content
        elif w.op == "number_format":
            rng.number_format = w.content
        elif w.op == "formula_array":
            rng.formula_array = w.content
        else:  # pragma: no cover - a step this shell does not know is a bug in the service
            raise ValueError(f"unknown write step {w.op!r}")


def _safe_refers(n: Any) -> str | None:
    try:
        return n.refers_to
    except Exception:  # noqa: BLE001 - a name xlwings cannot read (a broken reference) has no target
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
    book.save()
    path = _path(book)
    out = service.forms_folder(path)
    files = service.write_forms(path, out, lang=service.lang_of_file(path))
    return f"{len(files)} -> {out}"


def collect(book: Any) -> str:
    """收回问卷: every .xlsx in the folder ``<name>_returned`` next to the workbook is read,
    checked and written into the judgment, Delphi and expert sheets, then the workbook is
    rebuilt (invalid forms: a dialog, nothing written)."""
    folder, files = service.returned_forms(_path(book))
    if not files:
        return f"{folder}: no returned forms (.xlsx) found"
    job = service.book_forms_update(book_grids(book), files)    # raises BpmError naming file and cell
    if not job.changes_anything:
        return "\n".join(job.report.lines()) or "nothing to change"
    summary = rebuild(book, update=job.update, force=("judgments", "delphi", "experts", "collected"))
    return summary.problem if summary.refused else "\n".join(job.report.lines())


def report(book: Any) -> str:
    """生成Word报告: saves the workbook, then writes ``<name>_report.docx`` next to it."""
    book.save()
    path = _path(book)
    files = service.report_file(path, path.with_name(f"{path.stem}_report.docx"), fmt="docx")
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
