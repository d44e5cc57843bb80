"""Random data-scoring cases and a direct implementation of the rules, for the property and engine tests.

The reference below is written from the rules as the issue states them, case by case with
plain comparisons, independently of bpm_xl.datascore (which works on numpy arrays) and of
bpm_xl.dataformula (which builds spreadsheet formulas).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

YES = ["是", "yes", "Yes", " YES ", "true", "TRUE", "1", True, 1, 1.0]
NO = ["否", "no", "NO", " no", "false", "False", "0", False, 0, 0.0]


@dataclass
class Case:
    method: str
    direction: str          # "higher" | "lower" (linear: implied by p1, p2)
    value: Any
    p1: Any = None
    p2: Any = None
    bounds: list = field(default_factory=list)
    fractions: list = field(default_factory=list)
    scale: float = 5.0

    def args(self):
        """(value, method, p1, p2) as data_score takes them (steps: the two lists)."""
        if self.method == "steps":
            return self.value, self.method, self.bounds, self.fractions
        return self.value, self.method, self.p1, self.p2

    def direction_arg(self):
        return None if self.method == "linear" else self.direction


def reference_fraction(c: Case) -> float:
    """The fraction of the full mark by the rules as stated, one branch per sentence."""
    higher = c.direction == "higher"
    if c.method == "linear":
        zero, full = c.p1, c.p2
        if full > zero:  # higher is better
            if c.value <= zero:
                return 0.0
            if c.value >= full:
                return 1.0
            return (c.value - zero) / (full - zero)
        if c.value >= zero:
            return 0.0
        if c.value <= full:
            return 1.0
        return (zero - c.value) / (zero - full)
    if c.method == "ratio":
        if higher:
            return min(1.0, c.value / c.p1)
        return 1.0 if c.value == 0 else min(1.0, c.p1 / c.value)
    if c.method == "steps":
        for bound, frac in zip(c.bounds, c.fractions):
            if (c.value >= bound) if higher else (c.value <= bound):
                return frac  # the first bound reached wins
        return 0.0  # below all (above all, when lower is better)
    if c.method == "deduct":
        shortfall = (c.p1 - c.value) if higher else (c.value - c.p1)
        if shortfall <= 0:
            return 1.0
        return max(0.0, 1.0 - c.p2 * shortfall)
    answer = c.value.strip().lower() if isinstance(c.value, str) else c.value
    yes = answer in ("是", "yes", "true", "1") or answer is True or (type(answer) in (int, float) and answer == 1)
    return float(yes) if higher else float(not yes)


def typed(x: float) -> float:
    """A number as a spreadsheet keeps what is typed: 15 significant digits. (Gnumeric reads the
    numbers of an .xlsx to 15 digits, so a 17-digit double would not reach it unchanged.)"""
    return float(f"{x:.15g}")


def _number(rng: random.Random, lo: float = -1000.0, hi: float = 1000.0) -> float:
    kind = rng.random()
    if kind < 0.3:
        return float(rng.randint(int(lo), int(hi)))
    if kind < 0.5:
        return round(rng.uniform(lo, hi), 2)
    return typed(rng.uniform(lo, hi))


def _value(rng: random.Random, edges: list[float], lo: float = -1000.0, hi: float = 1000.0) -> float:
    """Often exactly an edge (a bound, a target), else anywhere."""
    return rng.choice(edges) if edges and rng.random() < 0.35 else _number(rng, lo, hi)


def random_case(rng: random.Random) -> Case:
    method = rng.choice(["linear", "ratio", "steps", "deduct", "yesno"])
    direction = rng.choice(["higher", "lower"])
    scale = rng.choice([1.0, 5.0, 10.0, 100.0, round(rng.uniform(0.1, 1000), 3)])
    if method == "linear":
        p1 = _number(rng)
        p2 = _number(rng)
        while p2 == p1:
            p2 = _number(rng)
        return Case(method, "higher" if p2 > p1 else "lower", _value(rng, [p1, p2]), p1, p2, scale=scale)
    if method == "ratio":
        t = abs(_number(rng)) or 1.0
        return Case(method, direction, abs(_value(rng, [t, 0.0])), t, scale=scale)
    if method == "steps":
        k = rng.randint(1, 6)
        bounds = sorted({_number(rng) for _ in range(k)}, reverse=direction == "higher")
        fractions = [rng.choice([0.0, 1.0, round(rng.random(), 2), typed(rng.random())]) for _ in bounds]
        return Case(method, direction, _value(rng, bounds), bounds=bounds, fractions=fractions, scale=scale)
    if method == "deduct":
        t = _number(rng)
        per = rng.choice([0.5, 1.0, 10.0, typed(rng.uniform(1e-3, 100))])
        return Case(method, direction, _value(rng, [t, typed(t - 1 / per), typed(t + 1 / per)]), t, per, scale=scale)
    return Case(method, direction, rng.choice(YES + NO), scale=scale)


def invalid_case(rng: random.Random) -> Case:
    """A case the core refuses (and the native formula shows as an error value)."""
    c = random_case(rng)
    kind = rng.choice(["blank", "text", "percent", "bool", "param"])
    if c.method == "yesno":
        c.value = rng.choice([None, "maybe", 2, 0.5, "是的", ""])
        return c
    if kind == "blank":
        c.value = None
    elif kind == "text":
        c.value = "abc"
    elif kind == "percent":
        c.value = "95%"
    elif kind == "bool":
        c.value = rng.choice([True, False])
    elif c.method == "linear":
        c.p2 = c.p1
    elif c.method == "ratio":
        c.p1, c.value = (-abs(c.p1) if rng.random() < 0.5 else 0.0), c.value
    elif c.method == "deduct":
        c.p2 = rng.choice([0.0, -1.0])
    elif len(c.bounds) > 1:
        c.bounds = c.bounds[::-1]  # the wrong order
    else:
        c.fractions = [rng.choice([1.5, -0.25])]
    return c
