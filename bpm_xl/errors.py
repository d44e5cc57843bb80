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
        └── WorkbookError           a workbook file is missing, damaged, locked, or lacks a sheet
"""

from __future__ import annotations

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
    "WorkbookError",
    "cell_ref",
]


class BpmError(ValueError):
    """Bad input from a user. ``str(exc)`` is shown in an Excel cell: one short sentence."""


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


class WorkbookError(BpmError):
    """A workbook file cannot be used: missing, damaged, open elsewhere, or lacking a sheet."""


def cell_ref(row: int, col: int) -> str:
    """``row 2, column 3`` from 0-based indices: the wording every message uses."""
    return f"row {row + 1}, column {col + 1}"
