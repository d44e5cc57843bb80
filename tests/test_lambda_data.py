"""DATA_SCORE as a LAMBDA name, recalculated by formulon (an Excel 365 engine), against the core.

One workbook holds every case (formulon starts once, ~5 s): random cases of
tests/datascore_cases.py with the method and direction typed as a clerk types them, steps tables
as ranges of any length in a column or a row with trailing blanks, then the edges and the
refusals. Numbers equal bpm_xl.datascore to 1e-12; whatever the core refuses is an error value.
The mirror of the steps-range formula (bpm_xl.dataformula) is checked against the core too.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from tests.test_lambdas import _Book, is_error, recalc, value

from bpm_xl import dataformula, datascore
from bpm_xl.errors import BpmError, MatrixShapeError, ScoringRuleError, SettingsError
from tests.datascore_cases import invalid_case, random_case

pytestmark = pytest.mark.formulon

_ZH = {m: zh for m, (zh, _) in datascore.METHOD_LABELS.items()}
_DIR = {"higher": ["higher", "正向", " HIGHER "], "lower": ["lower", "逆向", "越低越好"]}


def _core(value, method, p1, p2, scale, direction):
    return datascore.data_score(value, method, p1, p2, scale_max=scale, direction=direction).score


def _cells_of(case, rng):
    """The case as cells: (value, method text, p1, p2, direction text); steps tables as 2-D lists
    in a column or a row, sometimes with trailing blanks."""
    method = rng.choice([case.method, _ZH[case.method], case.method.upper()])
    direction = case.direction_arg()
    if direction is not None:
        direction = rng.choice(_DIR[direction])
    if case.method != "steps":
        return case.value, method, case.p1, case.p2, direction
    pad = [None] * rng.choice([0, 0, 1, 3])
    b, f = list(case.bounds) + pad, list(case.fractions) + pad
    if rng.random() < 0.5:
        return case.value, method, [[v] for v in b], [[v] for v in f], direction
    return case.value, method, [b], [f], direction


class _Cases:
    """Writes each case on its own row: A value, B method, C scale, D direction, E p1, F p2 (or
    steps ranges from column H / from the right of the sheet), and DATA_SCORE in column G."""

    def __init__(self) -> None:
        self.b = _Book()
        self.row = 0
        self.where: list[int] = []

    def add(self, value, method, p1=None, p2=None, scale=None, direction=None, *, omit=False) -> int:
        b, r = self.b, self.row
        b.row = r
        b.put([[value, method, scale, direction]])
        args = [f"A{r + 1}", f"B{r + 1}"]
        if isinstance(p1, list) or isinstance(p2, list):
            cols = max(len(p1[0]), len(p2[0]))
            rows = max(len(p1), len(p2))
            b.row = r
            rb = b.put(p1, col=10)
            b.row = r
            rf = b.put(p2, col=10 + cols + 1)
            args += [rb, rf]
            self.row = r + rows
        else:
            if p1 is not None or p2 is not None or not omit:
                b.row = r
                b.put([[p1, p2]], col=4)
            args += ["", ""] if omit else [f"E{r + 1}", f"F{r + 1}"]
            self.row = r + 1
        args += [f"C{r + 1}", f"D{r + 1}"]
        b.call(r, 6, f"=DATA_SCORE({','.join(args)})")
        return r

    def recalc(self):
        return recalc(self.b.bytes())


def _random_cases():
    rng = random.Random(23)
    good, bad = [], []
    for _ in range(700):
        c = random_case(rng)
        good.append((c, _cells_of(c, rng)))
    for _ in range(300):
        c = invalid_case(rng)
        bad.append((c, _cells_of(c, rng)))
    return good, bad


# (id, value, method, p1, p2, scale, direction, the core's score)
EDGES = [
    ("at a bound", 0.9, "steps", [[0.95], [0.9], [0.8]], [[1], [0.8], [0.6]], 100, None, 80.0),
    ("below all steps", 0.7, "steps", [[0.95], [0.9], [0.8]], [[1], [0.8], [0.6]], 100, None, 0.0),
    ("above the top step", 2.0, "steps", [[0.95, 0.9, 0.8]], [[1, 0.8, 0.6]], 100, None, 100.0),
    ("lower steps at a bound", 0.05, "steps", [[0.02], [0.05]], [[1], [0.5]], 10, "lower", 5.0),
    ("lower steps above all", 0.06, "steps", [[0.02], [0.05]], [[1], [0.5]], 10, "逆向", 0.0),
    ("one step", 0.5, "steps", [[0.5]], [[0.25]], 4, None, 1.0),
    ("twenty steps", 0.055, "steps", [[1 - k * 0.05] for k in range(20)], [[1 - k * 0.05] for k in range(20)], 1,
     None, 0.05),
    ("trailing blanks", 0.85, "steps", [[0.9], [0.8], [None], [None]], [[1], [0.5], [None], [""]], 5, None, 2.5),
    ("ratio beyond the cap", 1.2, "ratio", 0.95, None, 100, None, 100.0),
    ("ratio at the target", 0.95, "ratio", 0.95, None, 100, None, 100.0),
    ("ratio lower of 0", 0.0, "ratio", 0.05, None, 100, "lower", 100.0),
    ("linear beyond full", 0.3, "linear", 0.1, 0.2, 5, None, 5.0),
    ("linear reversed", 0.125, "linear", 0.2, 0.05, 100, "lower", 50.0),
    ("linear below zero", 0.3, "linear", 0.2, 0.05, 100, None, 0.0),
    ("deduct at the threshold", 0.95, "deduct", 0.95, 10, 100, None, 100.0),
    ("deduct floored", 0.5, "deduct", 0.95, 10, 100, None, 0.0),
    ("deduct lower", 0.07, "deduct", 0.05, 10, 100, "lower", 80.0),
    ("yesno lower", "否", "是否", None, None, 100, "lower", 100.0),
    ("yesno TRUE", True, "yesno", None, None, None, None, 5.0),
]

# (id, value, method, p1, p2, scale, direction, error, match)
REFUSED = [
    ("unknown method", 0.9, "average", 0.95, None, 100, None, SettingsError, "is not known"),
    ("blank method", 0.9, None, 0.95, None, 100, None, BpmError, "method is blank"),
    ("unknown direction", 0.9, "ratio", 0.95, None, 100, "up", SettingsError, "is not known"),
    ("linear against its values", 0.1, "linear", 0.2, 0.05, 100, "higher", ScoringRuleError, "contradicts"),
    ("ratio with p2", 0.9, "ratio", 0.95, 1, 100, None, ScoringRuleError, "takes no p2"),
    ("yesno with p1", "是", "yesno", 1, None, 100, None, ScoringRuleError, "takes no p1"),
    ("scale 0", 0.9, "ratio", 0.95, None, 0, None, BpmError, "must be above 0"),
    ("scale text", 0.9, "ratio", 0.95, None, "abc", None, BpmError, "not a number"),
    ("steps out of order", 0.9, "steps", [[0.8], [0.9]], [[0.6], [1]], 100, None, ScoringRuleError, "is above"),
    ("steps repeated", 0.9, "steps", [[0.9], [0.9]], [[1], [0.6]], 100, None, ScoringRuleError, "repeats"),
    ("lower steps reversed", 0.9, "steps", [[0.9], [0.8]], [[1], [0.6]], 100, "lower", ScoringRuleError, "is below"),
    ("steps counts", 0.9, "steps", [[0.95], [0.9]], [[1], [0.8], [0.6]], 100, None, MatrixShapeError, "fractions for"),
    ("steps blank inside", 0.9, "steps", [[0.95], [None], [0.8]], [[1], [0.8], [0.6]], 100, None, BpmError,
     "position 2 is blank"),
    ("steps fraction above 1", 0.9, "steps", [[0.95], [0.9]], [[1.5], [0.8]], 100, None, ScoringRuleError,
     "between 0 and 1"),
    ("steps 2-D", 0.9, "steps", [[0.95, 0.9], [0.8, 0.7]], [[1, 0.8], [0.6, 0.4]], 100, None, MatrixShapeError,
     "one row or one column"),
    ("steps 21", 0.9, "steps", [[1 - k * 0.01] for k in range(21)], [[1.0] for _ in range(21)], 100, None,
     ScoringRuleError, "at most 20"),
    ("steps blank", 0.9, "steps", [[None]], [[None]], 100, None, BpmError, "is blank"),
    ("percent text", "95%", "ratio", 0.95, None, 100, None, BpmError, "is text, not a number"),
    ("a range as the value", [[0.9], [0.8]], "ratio", 0.95, None, 100, None, MatrixShapeError, "a single cell"),
]


@pytest.fixture(scope="module")
def book():
    good, bad = _random_cases()
    w = _Cases()
    at_good = [w.add(cells[0], cells[1], cells[2], cells[3], c.scale, cells[4]) for c, cells in good]
    at_bad = [w.add(cells[0], cells[1], cells[2], cells[3], c.scale, cells[4]) for c, cells in bad]
    at_edge = {e[0]: w.add(*e[1:7]) for e in EDGES}
    at_refused = {}
    for e in REFUSED:
        if isinstance(e[1], list):  # the value as a range: a formula of its own
            r = w.add(None, e[2], e[3], e[4], e[5], e[6])
            w.b.row = r
            w.b.put([[0.9], [0.8]], col=20)
            w.b.call(r, 6, f"=DATA_SCORE(U{r + 1}:U{r + 2},B{r + 1},E{r + 1},F{r + 1},C{r + 1})")
            w.row = r + 2
            at_refused[e[0]] = r
        else:
            at_refused[e[0]] = w.add(*e[1:7])
    om = w.add("是", "yesno", scale=100, omit=True)  # =DATA_SCORE(A, B, , , C, D)
    return w.recalc(), (good, at_good), (bad, at_bad), at_edge, at_refused, om


def test_random_cases_equal_the_core(book):
    fw, (good, at), *_ = book
    worst, methods = 0.0, set()
    for (c, cells), r in zip(good, at):
        want = _core(cells[0], cells[1], cells[2], cells[3], c.scale, cells[4])
        got = value(fw, r, 6)
        assert isinstance(got, float), (c, cells, got)
        worst = max(worst, abs(got - want))
        methods.add(c.method)
    assert worst <= 1e-12
    assert methods == set(datascore.METHODS)


def test_random_refusals_are_error_values(book):
    fw, _, (bad, at), *_ = book
    for (c, cells), r in zip(bad, at):
        with pytest.raises(BpmError):
            _core(cells[0], cells[1], cells[2], cells[3], c.scale, cells[4])
        assert is_error(value(fw, r, 6)), (c, cells, value(fw, r, 6))


@pytest.mark.parametrize("edge", EDGES, ids=[e[0] for e in EDGES])
def test_edges_give_the_core_s_score(book, edge):
    fw, _, _, at, *_ = book
    cid, v, method, p1, p2, scale, direction, want = edge
    assert _core(v, method, p1, p2, scale, direction) == pytest.approx(want, abs=1e-12)
    assert value(fw, at[cid], 6) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("case", REFUSED, ids=[e[0] for e in REFUSED])
def test_what_the_core_refuses_is_an_error_value(book, case):
    fw, _, _, _, at, _ = book
    cid, v, method, p1, p2, scale, direction, error, match = case
    with pytest.raises(error, match=match):
        _core(v, method, p1, p2, scale, direction)
    got = value(fw, at[cid], 6)
    assert is_error(got), got


def test_omitted_parameters_are_blank(book):
    fw, *_, om = book
    assert value(fw, om, 6) == _core("是", "yesno", None, None, 100, None) == 100.0


def test_the_steps_range_mirror_equals_the_core():
    """The numpy mirror of the range form (what the formula text computes) on random steps cases."""
    rng = random.Random(7)
    n = 0
    for _ in range(3000):
        c = random_case(rng)
        if c.method != "steps":
            continue
        value_, _, b, f, _ = _cells_of(c, rng)
        e = dataformula.score_formula("steps", c.direction, "x", bounds="b", fractions="f", scale="s")
        got = e.evaluate({"x": [value_], "b": [b], "f": [f], "s": [c.scale]})[0]
        assert got == pytest.approx(_core(value_, "steps", b, f, c.scale, c.direction), abs=1e-12)
        n += 1
    for cid, v, method, p1, p2, scale, direction, *_ in REFUSED:
        if method == "steps" and not isinstance(v, list):
            e = dataformula.score_formula("steps", direction or "higher", "x", bounds="b", fractions="f", scale=scale)
            assert np.isnan(e.evaluate({"x": [v], "b": [p1], "f": [p2]})[0]), cid
    assert n > 300
