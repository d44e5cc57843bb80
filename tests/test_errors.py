"""The error API: structured fields, one-line str, placed form, located() copies."""

from __future__ import annotations

import pickle

import pytest

from bpm_xl.errors import BpmError, MatrixValueError, ScaleError, SettingsError, WorkbookError


def test_fields_and_plain_message():
    exc = ScaleError("survey: respondent 2 (row 2), indicator 3 (column 3) is 7; answers must be between 1 and 5",
                     argument="survey", row=2, column=3)
    assert (exc.argument, exc.row, exc.column, exc.file, exc.sheet, exc.cell) == ("survey", 2, 3, None, None, None)
    assert str(exc) == exc.message
    assert isinstance(exc, BpmError) and isinstance(exc, ValueError)


def test_located_is_a_copy_in_the_placed_form():
    exc = MatrixValueError('m: row 1, column 2 is "x"; judgments must be positive numbers', argument="m", row=1,
                           column=2)
    placed = exc.located(file="book.xlsm", sheet="判断矩阵", cell="E12")
    assert type(placed) is MatrixValueError and placed is not exc
    assert str(placed) == 'book.xlsm: sheet 判断矩阵, cell E12: m: row 1, column 2 is "x"; judgments must be positive numbers'
    assert (placed.argument, placed.row, placed.column) == ("m", 1, 2)
    assert exc.file is None and str(exc) == exc.message  # the original is unchanged


def test_file_only_and_sheet_only_forms():
    assert str(WorkbookError("no such file", file="a.xlsm")) == "a.xlsm: no such file"
    assert str(SettingsError("x", sheet="设置")) == "sheet 设置: x"


def test_message_is_always_one_line():
    exc = BpmError("line one\nline two\r\n  three")
    assert str(exc) == "line one line two three" and "\n" not in str(exc.located(file="f", sheet="s", cell="A1"))


def test_pickle_keeps_the_fields():
    exc = ScaleError("m", argument="a", row=1, column=2).located(file="f.xlsm", sheet="S", cell="B2")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is ScaleError and back.fields() == exc.fields() and str(back) == str(exc)


def test_raised_core_errors_carry_their_cell():
    from bpm_xl.ahp import parse_matrix

    with pytest.raises(MatrixValueError) as info:
        parse_matrix([[1, 2, "abc"], [None, 1, 3], [None, None, 1]], name="m")
    assert (info.value.argument, info.value.row, info.value.column) == ("m", 1, 3)
