"""The one error hierarchy of bpm-xl.

Every error a user can cause by what they type derives from :class:`BpmError`.
``str(exc)`` is one short sentence that names the argument, the cell (1-based row
and column within the range the user passed) and the rule, because the shells show
it as is: in an Excel cell (classic), as ``#VALUE!`` with the message (Office.js),
or as one line on the command line (exit status 2).

Any other exception is a bug and must stay visible.

::

    ValueError
    └── BpmError                    bad input from a user
        ├── MatrixShapeError        not square, empty, too small / too large
        ├── MatrixValueError        text, zero, negative, infinite, diagonal not 1
        ├── NotReciprocalError      a_ij * a_ji differs from 1
        ├── MissingValueError       a required value is blank
        ├── NotConnectedError       an incomplete matrix leaves elements unconnected
        ├── ScaleError              a rating or survey answer outside its scale
        ├── SettingsError           an unknown method, RI table, band definition ...
        ├── ModelError              the indicator system is inconsistent
        ├── ScoringRuleError        a data indicator's scoring standard (评分标准) is inconsistent
        └── WorkbookError           a workbook file is missing, damaged, locked, or lacks a sheet
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BpmError",
    "MatrixShapeError",
    "MatrixValueError",
    "NotReciprocalError",
    "MissingValueError",
    "NotConnectedError",
    "ScaleError",
    "SettingsError",
    "ModelError",
    "ScoringRuleError",
    "WorkbookError",
    "cell_ref",
]


class BpmError(ValueError):
    """Bad input from a user. ``str(exc)`` is shown in an Excel cell: one short sentence.

    The place of the bad value is kept as fields, never parsed back from the wording:
    ``argument`` (the range or option named), ``row`` and ``column`` (1-based within that
    range), and, once a reader has placed it, ``file``, ``sheet`` and ``cell`` ("C5").

    Examples
    --------
    >>> exc = BpmError("survey: respondent 2, indicator 1 is 6", argument="survey", row=2, column=1)
    >>> str(exc)
    'survey: respondent 2, indicator 1 is 6'
    >>> str(exc.located(file="book.xlsm", sheet="问卷", cell="C5"))
    'book.xlsm: sheet 问卷, cell C5: survey: respondent 2, indicator 1 is 6'
    """

    def __init__(self, message: str = "", *, argument: str | None = None, row: int | None = None,
                 column: int | None = None, file: str | None = None, sheet: str | None = None,
                 cell: str | None = None) -> None:
        message = " ".join(str(message).split())  # one line, whatever was interpolated
        super().__init__(message)
        self.message = message
        self.argument = argument
        self.row = row
        self.column = column
        self.file = file
        self.sheet = sheet
        self.cell = cell

    def __str__(self) -> str:
        if self.sheet is None and self.cell is None:
            return f"{self.file}: {self.message}" if self.file else self.message
        where = ", ".join(p for p in (f"sheet {self.sheet}" if self.sheet else "",
                                       f"cell {self.cell}" if self.cell else "") if p)
        return f"{self.file}: {where}: {self.message}" if self.file else f"{where}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable with its fields (multiprocessing, copy)
        return (_rebuild, (type(self), self.message, self.fields()))

    def fields(self) -> dict[str, Any]:
        """The structured place: argument, row, column, file, sheet, cell."""
        return {k: getattr(self, k) for k in ("argument", "row", "column", "file", "sheet", "cell")}

    def located(self, *, file: str | None = None, sheet: str | None = None, cell: str | None = None,
                message: str | None = None) -> "BpmError":
        """A copy of this error (same class and fields) placed in a workbook."""
        f = self.fields()
        f.update({k: v for k, v in (("file", file), ("sheet", sheet), ("cell", cell)) if v is not None})
        new = type(self)(self.message if message is None else message, **f)
        new.__cause__ = self.__cause__
        return new


def _rebuild(cls: type[BpmError], message: str, fields: dict[str, Any]) -> BpmError:
    return cls(message, **fields)


class MatrixShapeError(BpmError):
    """A matrix range is not square, is empty, or has an unsupported size."""


class MatrixValueError(BpmError):
    """A judgment is text, zero, negative, infinite, or a diagonal entry is not 1."""


class NotReciprocalError(BpmError):
    """A judgment and its mirror do not multiply to 1."""


class MissingValueError(BpmError):
    """A required value is blank."""


class NotConnectedError(BpmError):
    """The known judgments of an incomplete matrix do not connect every element."""


class ScaleError(BpmError):
    """A rating, answer or weight lies outside the scale it must be on."""


class SettingsError(BpmError):
    """An option has a value bpm-xl does not know (method, RI table, rating bands ...)."""


class ModelError(BpmError):
    """The indicator system is inconsistent (duplicate codes, unknown parent ...)."""


class ScoringRuleError(BpmError):
    """A data indicator's scoring standard cannot be applied: bounds out of order, a fraction
    outside 0..1, a parameter the method does not take, two equal values where a range is needed."""


class WorkbookError(BpmError):
    """A workbook file cannot be used: missing, damaged, open elsewhere, or lacking a sheet."""


def cell_ref(row: int, col: int) -> str:
    """``row 2, column 3`` from 0-based indices: the wording every message uses."""
    return f"row {row + 1}, column {col + 1}"
