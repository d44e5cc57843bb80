"""bpm_xl.dataformula: what the formula text may contain, the rule-based form, and its limits.

(Agreement with the core is in tests/properties/test_datascore_properties.py and, through
LibreOffice and Gnumeric, tests/test_dataformula_engines.py.)
"""

from __future__ import annotations

import math
import re

import pytest

from bpm_xl.dataformula import rule_formula, score_formula
from bpm_xl.datascore import DIRECTIONS, MAX_STEPS, METHODS, data_rule, data_score

#: Functions Excel 2010+, WPS, LibreOffice 7.4 and Gnumeric all have.
ALLOWED = {"IF", "AND", "OR", "NOT", "MIN", "MAX", "ISNUMBER", "ISLOGICAL", "ISTEXT", "TRIM", "LOWER", "NA"}


def _all_formulas():
    for method in METHODS:
        for direction in DIRECTIONS:
            steps = {"bounds": ["E2", "F2", "G2"], "fractions": ["H2", "I2", "J2"]} if method == "steps" else {}
            yield score_formula(method, direction, "'指标数据'!$B$2", "C2", "D2", scale="K2", **steps).formula


@pytest.mark.parametrize("formula", list(_all_formulas()))
def test_only_functions_every_engine_has(formula):
    used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", formula))
    assert used <= ALLOWED, used - ALLOWED
    assert formula.startswith("=") and len(formula) < 8192


def test_the_largest_steps_table_fits_excels_formula_limits():
    refs = [f"$E${k}" for k in range(1, MAX_STEPS + 1)]
    e = score_formula("steps", "higher", "'指标数据'!$B$200", bounds=refs, fractions=[r.replace("E", "F") for r in refs],
                      scale="'设置'!$B$20")
    assert len(e.formula) < 8192 and e.formula.count("IF(") <= 64  # Excel: 8192 characters, 64 nested levels


@pytest.mark.parametrize("rule, values", [
    (data_rule("steps", [0.95, 0.9, 0.8], [1, 0.8, 0.6]), [0.95, 0.9, 0.85, 0.7, 1.2]),
    (data_rule("steps", [0.05, 0.1], [1, 0.5], "lower"), [0.05, 0.07, 0.1, 0.3, 0.0]),
    (data_rule("linear", -3, 2.5e-7), [-3, 0.0, 2.5e-7, 10, -1.5]),
    (data_rule("ratio", 0.05, None, "lower"), [0.0, 0.05, 0.1]),
    (data_rule("deduct", 0.95, 10), [0.95, 0.93, 0.1]),
    (data_rule("yesno", None, None, "lower"), ["是", "否", True, 0]),
], ids=["steps", "steps-lower", "linear-literals", "ratio-lower", "deduct", "yesno-lower"])
def test_a_rule_written_with_its_numbers_scores_as_the_core(rule, values):
    e = rule_formula(rule, "X", scale=100)
    got = e.evaluate({"X": values}).tolist()
    want = [data_score(v, rule.method, *((rule.bounds, rule.fractions) if rule.method == "steps" else (rule.p1, rule.p2)),
                       scale_max=100, direction=None if rule.method == "linear" else rule.direction).score
            for v in values]
    assert got == want


def test_numeric_text_is_an_error_value_in_the_formula_not_a_guess():
    # documented difference: the core reads "0.95" as a number, the formula shows #N/A
    assert data_score("0.95", "ratio", 0.95).score == 5.0
    assert math.isnan(score_formula("ratio", "higher", "X", "T").evaluate({"X": ["0.95"], "T": [0.95]})[0])


def test_generator_refuses_what_it_cannot_write():
    with pytest.raises(ValueError, match="unknown method 'score'"):
        score_formula("score", "higher", "B2", "C2")
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        score_formula("ratio", "up", "B2", "C2")
    with pytest.raises(ValueError, match="the scale maximum must be above 0"):
        score_formula("ratio", "higher", "B2", "C2", scale=0)
    with pytest.raises(ValueError, match="one fraction per bound"):
        score_formula("steps", "higher", "B2", bounds=["C2", "D2"], fractions=["E2"])
    with pytest.raises(ValueError, match="cannot be written in a formula"):
        score_formula("ratio", "higher", "B2", math.inf)


def test_literals_and_precedence_read_as_the_tree():
    f = score_formula("linear", "higher", "B2", -3, 2.5e-7, scale=1).formula
    assert f == "=IF(AND(ISNUMBER(B2),NOT(ISLOGICAL(B2))),MIN(1,MAX(0,(B2-(-3))/(2.5E-07-(-3)))),NA())"
    f = score_formula("deduct", "higher", "B2", "C2", "D2", scale=10).formula
    assert "MAX(0,1-D2*MAX(0,C2-B2))*10" in f
