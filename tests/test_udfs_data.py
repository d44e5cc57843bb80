"""=DATA_SCORE through xlwings' Office.js dispatch: the edges and refusals of bpm_xl.datascore, as a cell sees them.

Arguments go in as Excel sends them (tests/conftest.py ``udf_call``): each a 2D list, None for
a blank cell. Expected values are worked out from the rules (bpm_xl/datascore.py docstring).
"""

from __future__ import annotations

import random

import pytest
import xlwings as xw

from bpm_xl.datascore import data_score
from tests.datascore_cases import random_case, reference_fraction


def cell(v):
    return [[v]]


def score(udf_call, value, method, p1=None, p2=None, scale_max=None, direction=None):
    args = [cell(value), cell(method), p1 if isinstance(p1, list) else cell(p1),
            p2 if isinstance(p2, list) else cell(p2), cell(scale_max), cell(direction)]
    out = udf_call("DATA_SCORE", *args)
    assert len(out) == 1 and len(out[0]) == 1
    return out[0][0]


COLUMN_BOUNDS = [[0.95], [0.9], [0.8], [None]]          # a column with a blank row below the table
COLUMN_FRACTIONS = [[1], [0.8], [0.6], [None]]


@pytest.mark.parametrize("args, expected", [
    ((100, "linear", 60, 100, 100), 100.0),                      # exactly at full
    ((60, "linear", 60, 100, 100), 0.0),                         # exactly at zero
    ((130, "linear", 60, 100, 100), 100.0),                      # beyond the cap
    ((0.125, "linear", 0.2, 0.05, 100), 50.0),                   # reversed: 0.2 scores 0, 0.05 full
    ((0.95, "ratio", 0.95), 5.0),                                # at the target, scale 5 by default
    ((1.3, "ratio", 0.95, None, 10), 10.0),                      # beyond the cap
    ((0.1, "ratio", 0.05, None, 100, "lower"), 50.0),            # lower is better: 0.05 / 0.1
    ((0.9, "steps", COLUMN_BOUNDS, COLUMN_FRACTIONS, 100), 80.0),    # exactly at a bound
    ((0.7, "steps", COLUMN_BOUNDS, COLUMN_FRACTIONS, 100), 0.0),     # below every step
    ((0.95, "steps", [[0.95, 0.9, 0.8]], [[1, 0.8, 0.6]], 100), 100.0),   # the table as rows
    ((0.1, "分档", [[0.05], [0.1]], [[1], [0.7]], 100, "逆向"), 70.0),  # lower is better, at a bound
    ((0.3, "steps", [[0.05], [0.1]], [[1], [0.7]], 100, "lower"), 0.0),  # above every upper bound
    ((0.95, "deduct", 0.95, 10, 100), 100.0),                    # at the threshold
    ((0.5, "deduct", 0.95, 10, 100), 0.0),                       # floored
    (("是", "yesno", None, None, 100), 100.0),
    ((True, "是否", None, None, 100, "lower"), 0.0),
    ((" No ", "yesno", None, None, 100, "逆向"), 100.0),
    (("0.95", "ratio", "0.95", None, "100"), 100.0),            # numeric text reads as numbers
])
def test_edges_through_the_dispatch(udf_call, args, expected):
    assert score(udf_call, *args) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_the_function_is_the_core_and_the_rules(udf_call, seed):
    c = random_case(random.Random(seed))
    p1, p2 = ([[b] for b in c.bounds], [[f] for f in c.fractions]) if c.method == "steps" else (c.p1, c.p2)
    got = score(udf_call, c.value, c.method, p1, p2, c.scale, c.direction_arg())
    assert got == data_score(*c.args(), scale_max=c.scale, direction=c.direction_arg()).score
    assert got == pytest.approx(reference_fraction(c) * c.scale, rel=1e-12, abs=1e-12)  # the rules as stated


@pytest.mark.parametrize("args, message", [
    (("95%", "ratio", 0.95), r"^value: '95%' is text, not a number; type it as the number 0\.95 \(a percent"),
    ((None, "ratio", 0.95), r"^value: the value is blank; type the measured value$"),
    ((0.9, "ratio"), r"^p1 \(target\): the target is blank; ratio needs it$"),
    ((0.9, "steps", [[0.8], [0.9]], [[0.5], [1]]), r"^p1 \(bounds\): position 2 \(0\.9\) is above position 1 \(0\.8\); "
                                                   r"list the lower bounds from the highest down"),
    ((0.9, "steps", [[0.9], [0.8]], [[1], [0.8], [0.6]]), r"^p2 \(fractions\): 3 fractions for 2 bounds"),
    ((0.9, "steps", [[0.9], [0.8]], [[1], [1.5]]), r"^p2 \(fractions\): position 2 is 1\.5; fractions of the full mark"),
    ((0.9, "score", 1), r"^method: 'score' is not known; use one of linear, ratio, steps, deduct, yesno$"),
    ((0.9, "ratio", [[0.9, 0.95]]), r"^p1: expected a single cell, got a range of 2 cells$"),
    (("也许", "yesno"), r"^value: '也许' is not a yes/no answer"),
    ((0.9, "ratio", 0.95, None, 0), r"^scale_max: 0; the top of the scale must be above 0$"),
    ((0.9, "ratio", 0.95, None, None, "up"), r"^direction: 'up' is not known"),
])
def test_refusals_are_one_line_cell_messages(udf_call, args, message):
    with pytest.raises(xw.XlwingsError, match=message):
        score(udf_call, *args)


def test_a_range_as_value_is_refused(udf_call):
    with pytest.raises(xw.XlwingsError, match=r"^value: expected a single cell, got 2 rows x 1 columns$"):
        udf_call("DATA_SCORE", [[0.9], [0.8]], [["ratio"]], [[0.95]])
