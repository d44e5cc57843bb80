"""The one converter of Excel values (bpm_xl.conversion)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bpm_xl import conversion
from bpm_xl.conversion import Invalid, number, to_grid, to_vector
from bpm_xl.errors import MatrixShapeError, ScaleError


@pytest.mark.parametrize("value, expected", [
    (3, 3.0), (2.5, 2.5), (np.int64(4), 4.0), ("3", 3.0), (" 0.5 ", 0.5), ("1/3", 1 / 3), (" 1 / 3 ", 1 / 3),
    ("１／３", 1 / 3), ("０.５", 0.5), ("４", 4.0), ("-1/3", -1 / 3), ("1e-3", 0.001), ("1e-320", 1e-320),
])
def test_numbers(value, expected):
    assert number(value) == expected


@pytest.mark.parametrize("value", [None, "", "   ", math.nan, np.nan, pd.NA])
def test_blanks(value):
    assert math.isnan(number(value))


@pytest.mark.parametrize("value", [
    "NaN", "nan", "inf", "-inf", "Infinity", "abc", "1/0", "0/0", "1/3/4", "五", "4分", True, False, object(),
    "#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
])
def test_refused(value):
    assert isinstance(number(value), Invalid)


def test_error_objects_of_reader_libraries_are_error_values():
    class CellError:  # shaped like calamine's / openpyxl's error objects
        def __str__(self):
            return "#DIV/0!"

    x = number(CellError())
    assert isinstance(x, Invalid) and x.is_error and conversion.show(x) == "the error value #DIV/0!"


def test_show():
    assert conversion.show(Invalid("abc")) == "'abc'"
    assert conversion.show(Invalid(True)) == "TRUE"
    assert conversion.show(Invalid(" #N/A ")) == "the error value #N/A"
    assert conversion.show(4.5) == "4.5"


def test_grid_fast_path_and_invalid_cells():
    g = to_grid(np.arange(6.0).reshape(2, 3), "x")
    assert g.invalid == () and g.values.dtype == np.float64
    g = to_grid([[1, "1/3", None], ["NaN", 2, "#N/A"]], "x")
    assert g.values[0].tolist()[:2] == [1.0, 1 / 3] and math.isnan(g.values[0, 2])
    assert [(i, j, v.value) for i, j, v in g.invalid] == [(1, 0, "NaN"), (1, 2, "#N/A")]


def test_grid_from_dataframe_keeps_labels():
    g = to_grid(pd.DataFrame({"A": [1, None], "B": ["2", 3]}, dtype=object), "x")
    assert g.labels == ("A", "B") and g.values[1, 1] == 3.0 and math.isnan(g.values[1, 0])


def test_vector_orientation_and_ragged_rows():
    assert to_grid([1, 2, 3], "x").shape == (1, 3)
    assert to_grid([1, 2, 3], "x", vector_as="column").shape == (3, 1)
    assert to_vector([[1], [2]], "v").values.tolist() == [1.0, 2.0]
    with pytest.raises(MatrixShapeError, match=r"^x: rows have different lengths"):
        to_grid([[1, 2], [3]], "x")
    with pytest.raises(MatrixShapeError, match=r"^v: expected one row or one column"):
        to_vector([[1, 2], [3, 4]], "v")


def test_vector_refuses_text_with_position():
    with pytest.raises(ScaleError, match=r"^w: position 2 is 'NaN'; weights must be numbers$") as info:
        conversion.vector([0.5, "NaN"], "w", "weights")
    assert info.value.row == 2


def test_as_rows_refuses_empty_ranges():
    with pytest.raises(MatrixShapeError, match="the range is empty"):
        conversion.as_rows([[]])
    with pytest.raises(MatrixShapeError, match="the range is empty"):
        conversion.as_rows([])


def test_survey_nan_text_and_error_values_are_refused_never_blank():
    from bpm_xl.scoring import indicator_scores

    for bad in ("NaN", "nan", "#DIV/0!", "#N/A"):
        with pytest.raises(ScaleError, match=r"^survey: respondent 2 \(row 2\), indicator 1 \(column 1\) is ") as e:
            indicator_scores([[5, 4], [bad, 4]], name="survey")
        assert (e.value.row, e.value.column) == (2, 1)


def test_full_width_answers_are_accepted():
    from bpm_xl.scoring import indicator_scores

    assert indicator_scores([["４", "５"], ["３", None]]).mean.tolist() == [3.5, 5.0]
