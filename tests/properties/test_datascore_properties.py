"""Property tests (hypothesis): the data scoring core against a direct implementation of the rules,
and the native formula's numpy mirror against the core, on random cases (edges drawn often)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpm_xl.dataformula import score_formula
from bpm_xl.datascore import data_score
from bpm_xl.errors import BpmError
from tests.datascore_cases import Case, invalid_case, random_case, reference_fraction

FAST = settings(max_examples=200, deadline=None)

# a case is drawn from a seed (tests/datascore_cases.py is shared with the engine test); a
# failure prints the case itself
cases = st.integers(0, 2**64).map(lambda seed: random_case(random.Random(seed)))
bad_cases = st.integers(0, 2**64).map(lambda seed: invalid_case(random.Random(seed)))


def core(c: Case):
    return data_score(*c.args(), scale_max=c.scale, direction=c.direction_arg())


def formula_and_cells(c: Case):
    """The native formula over cell references, and the cells it reads."""
    refs = {"X": c.value, "P1": c.p1, "P2": c.p2, "S": c.scale}
    refs.update({f"B{k}": b for k, b in enumerate(c.bounds, 1)})
    refs.update({f"F{k}": v for k, v in enumerate(c.fractions, 1)})
    e = score_formula(c.method, c.direction, "X", "P1", "P2", bounds=[f"B{k}" for k in range(1, len(c.bounds) + 1)],
                      fractions=[f"F{k}" for k in range(1, len(c.fractions) + 1)], scale="S")
    return e, {k: [v] for k, v in refs.items()}


@FAST
@given(cases)
def test_core_follows_the_rules_as_stated(c):
    r = core(c)
    assert r.fraction == pytest.approx(reference_fraction(c), rel=1e-12, abs=1e-12)
    assert 0.0 <= r.fraction <= 1.0
    assert r.score == r.fraction * c.scale


@FAST
@given(cases)
def test_the_formula_mirror_is_the_core_exactly(c):
    e, cells = formula_and_cells(c)
    assert e.evaluate(cells)[0] == core(c).score  # same operations in the same order: bit for bit


@FAST
@given(bad_cases)
def test_what_the_core_refuses_the_formula_shows_as_an_error(c):
    with pytest.raises(BpmError):
        core(c)
    e, cells = formula_and_cells(c)
    assert math.isnan(e.evaluate(cells)[0])


@FAST
@given(cases, st.sampled_from([1.0, 5.0, 100.0]))
def test_scaling_only_multiplies(c, scale):
    c1 = Case(**{**c.__dict__, "scale": 1.0})
    c2 = Case(**{**c.__dict__, "scale": scale})
    assert core(c2).score == core(c1).fraction * scale


@FAST
@given(cases.filter(lambda c: c.method in ("ratio", "deduct", "steps")), st.floats(0, 1e3))
def test_better_values_never_score_less(c, delta):
    """Monotone in the direction of better, whenever the step fractions are themselves ordered."""
    if c.method == "steps" and c.fractions != sorted(c.fractions, reverse=True):
        c.fractions = sorted(c.fractions, reverse=True)
    better = Case(**{**c.__dict__, "value": c.value + delta if c.direction == "higher" else c.value - delta})
    if c.method == "ratio" and better.value < 0:
        better.value = 0.0  # ratio takes values of 0 or more; 0 is the best there is when lower is better
    assert core(better).fraction >= core(c).fraction


def test_vectorised_mirror_over_many_cases():
    # one formula, many rows of cells: the mirror evaluates them at once (the portable file's cached values)
    e = score_formula("steps", "higher", "X", bounds=[0.95, 0.9, 0.8], fractions=[1, 0.8, 0.6], scale=100)
    x = [0.95, 0.9, 0.8999, 1.2, 0.5, None, "95%", True]
    got = e.evaluate({"X": x})
    assert got[:5].tolist() == [100.0, 80.0, 60.0, 100.0, 0.0] and np.isnan(got[5:]).all()


@FAST
@given(st.lists(st.integers(0, 2**64), min_size=1, max_size=12))
def test_a_table_scores_as_its_rows_one_by_one(seeds):
    from bpm_xl.datascore import data_rule, score_data

    rows = [random_case(random.Random(s)) for s in seeds]
    rows += rows[:2]  # indicators sharing a rule are scored together
    rules = [data_rule(*c.args()[1:], direction=c.direction_arg()) for c in rows]
    table = score_data([c.value for c in rows], rules, scale_max=10)
    assert table.scores.tolist() == [data_score(*c.args(), scale_max=10, direction=c.direction_arg()).score for c in rows]
