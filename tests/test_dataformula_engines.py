"""The data scoring formulas recalculated by LibreOffice and Gnumeric agree with the core.

One workbook holds a few hundred cases, one row each (the cells, then the native formula over
them); each engine recalculates it once from a copy whose cached values are all -1, so what is
checked is the engine's own result. The copy cached with the mirror's values is checked too.
Engines: LibreOffice, Gnumeric, and formulon (an Excel 365 calculation engine, for Excel's
semantics). Valid cases must give
the core's score, refused ones an error value. The cases are the property tests' (drawn from
fixed seeds) plus the named edges: exactly at a bound, beyond a cap, reversed direction,
below every step.
"""

from __future__ import annotations

import math
import random

import openpyxl
import pytest
import xlsxwriter

from bpm_xl.dataformula import rule_formula, score_formula
from bpm_xl.datascore import data_rule, data_score
from bpm_xl.errors import BpmError
from tests import engines
from tests.datascore_cases import Case, invalid_case, random_case

EDGES = [
    Case("linear", "higher", 100, 60, 100),                  # exactly at full
    Case("linear", "higher", 60, 60, 100),                   # exactly at zero
    Case("linear", "higher", 130, 60, 100),                  # beyond the cap
    Case("linear", "lower", 0.05, 0.2, 0.05),                # reversed, at full
    Case("linear", "lower", 0.125, 0.2, 0.05, scale=100),    # reversed, half way
    Case("ratio", "higher", 0.95, 0.95),                     # at the target
    Case("ratio", "higher", 1.3, 0.95),                      # beyond the cap
    Case("ratio", "lower", 0.1, 0.05, scale=100),            # lower is better
    Case("ratio", "lower", 0, 0.05),                         # lower is better, value 0
    Case("steps", "higher", 0.9, bounds=[0.95, 0.9, 0.8], fractions=[1, 0.8, 0.6]),   # exactly at a bound
    Case("steps", "higher", 0.7, bounds=[0.95, 0.9, 0.8], fractions=[1, 0.8, 0.6]),   # below every step
    Case("steps", "lower", 0.1, bounds=[0.05, 0.1, 0.2], fractions=[1, 0.7, 0.4]),    # reversed, at a bound
    Case("steps", "lower", 0.3, bounds=[0.05, 0.1, 0.2], fractions=[1, 0.7, 0.4]),    # reversed, above all
    Case("deduct", "higher", 0.95, 0.95, 10),                # at the threshold
    Case("deduct", "higher", 0.5, 0.95, 10),                 # floored
    Case("deduct", "lower", 0.97, 0.95, 10, scale=100),      # reversed
    Case("yesno", "higher", "是"), Case("yesno", "lower", "是"), Case("yesno", "higher", " No "),
    Case("yesno", "higher", True), Case("yesno", "lower", False), Case("yesno", "higher", "TRUE"),
]
VALID = EDGES + [random_case(random.Random(seed)) for seed in range(300)]
INVALID = [invalid_case(random.Random(10_000 + seed)) for seed in range(80)]
CASES = VALID + INVALID
FIRST_BOUND, FIRST_FRACTION, RESULT = 4, 10, 16  # columns E.., K.., Q
#: rules written into the formula as numbers (negative literals, exponents), value in column A
LITERAL = [
    (data_rule("linear", -3, 2.5e-7), v) for v in (-3, -1.5, 2.5e-7, 1e-9, 7)
] + [
    (data_rule("steps", [1e-5, -0.5, -1.25], [1, 0.5, 0.125]), v)
    for v in (1e-5, 0, -0.5, -2)
] + [
    (data_rule("deduct", -2, 0.125, "lower"), v) for v in (-2, 0, 10)
]


def _write(ws, row: int, col: int, v) -> None:
    if v is None:
        return
    if isinstance(v, bool):
        ws.write_boolean(row, col, v)
    elif isinstance(v, str):
        ws.write_string(row, col, v)
    else:
        ws.write_number(row, col, v)


def _formula(c: Case, row: int):
    r = row + 1
    return score_formula(c.method, c.direction, f"A{r}", f"B{r}", f"C{r}", scale=f"D{r}",
                         bounds=[xlsxwriter.utility.xl_rowcol_to_cell(row, FIRST_BOUND + k) for k in range(len(c.bounds))],
                         fractions=[xlsxwriter.utility.xl_rowcol_to_cell(row, FIRST_FRACTION + k)
                                    for k in range(len(c.fractions))])


def _build(path, cache: bool):
    """The cases workbook; ``cache=False`` caches -1 in every formula, so an engine's result is its own."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cases")
    for row, c in enumerate(CASES):
        for col, v in enumerate([c.value, c.p1, c.p2, c.scale]):
            _write(ws, row, col, v)
        for k, (b, f) in enumerate(zip(c.bounds, c.fractions)):
            _write(ws, row, FIRST_BOUND + k, b)
            _write(ws, row, FIRST_FRACTION + k, f)
        e = _formula(c, row)
        cells = {f"{col}{row + 1}": [v] for col, v in zip("ABCD", (c.value, c.p1, c.p2, c.scale))}
        for k, (b, f) in enumerate(zip(c.bounds, c.fractions)):
            cells[xlsxwriter.utility.xl_rowcol_to_cell(row, FIRST_BOUND + k)] = [b]
            cells[xlsxwriter.utility.xl_rowcol_to_cell(row, FIRST_FRACTION + k)] = [f]
        cached = e.evaluate(cells)[0]
        ws.write_formula(row, RESULT, e.formula, None, ("#N/A" if math.isnan(cached) else cached) if cache else -1)
    for k, (rule, v) in enumerate(LITERAL):
        row = len(CASES) + k
        _write(ws, row, 0, v)
        e = rule_formula(rule, f"A{row + 1}", scale=100)
        ws.write_formula(row, RESULT, e.formula, None, e.evaluate({f"A{row + 1}": [v]})[0] if cache else -1)
    wb.close()
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("datascore") / "cases.xlsx", cache=True)


@pytest.fixture(scope="module")
def uncached(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("datascore") / "uncached.xlsx", cache=False)


def _check(path) -> None:
    ws = openpyxl.load_workbook(path, data_only=True)["Cases"]
    for row, c in enumerate(CASES):
        got = ws.cell(row + 1, RESULT + 1).value
        try:
            expected = data_score(*c.args(), scale_max=c.scale, direction=c.direction_arg()).score
        except BpmError:
            assert isinstance(got, str) and got.startswith("#"), (row + 1, c, got)
            continue
        assert isinstance(got, (int, float)) and not isinstance(got, bool), (row + 1, c, got)
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (row + 1, c)
    for k, (rule, v) in enumerate(LITERAL):
        params = (rule.bounds, rule.fractions) if rule.method == "steps" else (rule.p1, rule.p2)
        expected = data_score(v, rule.method, *params, scale_max=100,
                              direction=None if rule.method == "linear" else rule.direction).score
        got = ws.cell(len(CASES) + k + 1, RESULT + 1).value
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (rule, v, got)


def test_the_cached_values_are_the_core_scores(book):
    _check(book)


@pytest.mark.libreoffice
@pytest.mark.skipif(not engines.available(), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_recalculates_the_core_scores(uncached, tmp_path):
    _check(engines.recalculate(uncached, tmp_path))


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_recalculates_the_core_scores(uncached, tmp_path):
    _check(engines.gnumeric_recalculate(uncached, tmp_path / "gnumeric.xlsx"))


def test_formulon_excels_semantics_computes_the_core_scores(uncached):
    """formulon (an Excel 365 calculation engine) stands in for Excel: ISNUMBER(TRUE) is FALSE there,
    TRUE there in LibreOffice; both must give the core's scores."""
    import formulon

    wb = formulon.Workbook.load(uncached.read_bytes())
    wb.recalc()

    def shown(row: int):
        v = wb.get_value(0, row, RESULT)
        if v.kind == formulon.ValueKind.ERROR:
            return "#error"
        return v.number if v.kind == formulon.ValueKind.NUMBER else (v.kind, v.boolean, v.text)

    for row, c in enumerate(CASES):
        try:
            expected = data_score(*c.args(), scale_max=c.scale, direction=c.direction_arg()).score
        except BpmError:
            assert shown(row) == "#error", (row + 1, c, shown(row))
            continue
        assert shown(row) == pytest.approx(expected, rel=1e-12, abs=1e-12), (row + 1, c, shown(row))
    for k, (rule, v) in enumerate(LITERAL):
        params = (rule.bounds, rule.fractions) if rule.method == "steps" else (rule.p1, rule.p2)
        expected = data_score(v, rule.method, *params, scale_max=100,
                              direction=None if rule.method == "linear" else rule.direction).score
        assert shown(len(CASES) + k) == pytest.approx(expected, rel=1e-12, abs=1e-12), (rule, v)
