"""Bad input in a workbook: one message naming the file, the sheet, the cell and the rule."""

from __future__ import annotations

import openpyxl
import pytest

from bpm_xl import BpmError, MatrixValueError, ScaleError
from bpm_xl.service import evaluate_file, new_workbook


@pytest.fixture()
def book(tmp_path):
    return new_workbook(tmp_path / "book.xlsm", lang="zh", example=True)


def _edit(path, sheet, cell, value):
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb[sheet][cell] = value
    wb.save(path)


@pytest.mark.parametrize(
    "sheet, cell, value, error, message",
    [
        # placed form of every located error: "<file>: sheet <sheet>, cell <cell>: <core message>"
        ("问卷", "F7", 7, ScaleError,
         r"^book\.xlsm: sheet 问卷, cell F7: survey: respondent 5 \(row 5\), indicator 5 \(column 5\) is 7; "
         r"answers must be between 1 and 5$"),
        ("问卷", "C3", "很好", ScaleError, r"^book\.xlsm: sheet 问卷, cell C3: survey: respondent 1 .* is '很好'"),
        ("问卷", "C3", "NaN", ScaleError, r"^book\.xlsm: sheet 问卷, cell C3: survey: .* is 'NaN'"),
        ("问卷", "C3", "#DIV/0!", ScaleError, r"^book\.xlsm: sheet 问卷, cell C3: .* is the error value #DIV/0!"),
        ("判断矩阵", "E12", "x", MatrixValueError,
         r'^book\.xlsm: sheet 判断矩阵, cell E12: judgments .*, expert E02: row \d, column \d is "x"; '
         r'judgments must be positive numbers'),
        ("判断矩阵", "E12", 1e-320, MatrixValueError,
         r'^book\.xlsm: sheet 判断矩阵, cell E12: .* judgments must lie between 1/1000 and 1000'),
        ("判断矩阵", "D6", 2, MatrixValueError, r"sheet 判断矩阵, cell D6: .* is 2; the diagonal must be 1"),
        ("德尔菲", "C8", 9, ScaleError,
         r"^book\.xlsm: sheet 德尔菲, cell C8: Delphi round 1: expert 1 \(row 1\), indicator 2 \(column 2\) is 9; "
         r"ratings must be between 1 and 5$"),
    ],
)
def test_errors_name_file_sheet_cell_and_rule(book, sheet, cell, value, error, message):
    _edit(book, sheet, cell, value)
    with pytest.raises(error, match=message):
        evaluate_file(book)


def test_settings_errors_name_the_setting(book):
    _edit(book, "设置", "B3", "power")
    with pytest.raises(BpmError, match=r"^book\.xlsm: sheet 设置, cell B3: settings: method is 'power'; "
                                       r"use one of eigen, geomean, arith$"):
        evaluate_file(book)


def test_the_cli_prints_the_located_message_on_one_line(book):
    from typer.testing import CliRunner

    from bpm_xl.cli import app

    _edit(book, "问卷", "F7", 7)
    result = CliRunner().invoke(app, ["evaluate", str(book)])
    assert result.exit_code == 2
    out = result.output.strip()
    assert out.count("\n") == 0 and "Traceback" not in out
    assert "sheet 问卷, cell F7" in out and "answers must be between 1 and 5" in out
