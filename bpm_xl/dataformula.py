"""The data scoring rules as native spreadsheet formulas, each with its numpy mirror.

A formula is built once as a small expression tree (:class:`Expr`); the tree gives both the
formula text a workbook holds and the numpy evaluation of that same text, used for the cached
value the cell carries. Only functions Excel 2010+, WPS, LibreOffice 7.4 and Gnumeric all
have are used: IF, AND, OR, NOT, MIN, MAX, ISNUMBER, ISLOGICAL, ISTEXT, TRIM, LOWER, NA
(no LET, LAMBDA or IFS). The rules are those of :mod:`bpm_xl.datascore`; the tests check the
core, the mirror and the text recalculated by LibreOffice and Gnumeric against each other.

Cell references are passed as formula fragments ("B2", "'指标数据'!$D$5", a defined name, or
a LAMBDA parameter) or as Python numbers (written as literals). A steps table is passed as one
reference per bound and per fraction: the formula nests one IF per step and checks the
bounds' order cell by cell. For the LAMBDA edition (Excel 365 and 2024 only) a steps table may
instead be passed as two references to ranges of any length (a row or a column each, trailing
blanks ignored, at most :data:`~bpm_xl.datascore.MAX_STEPS` steps): that form uses LET, TAKE,
DROP and XLOOKUP, which only those Excel versions have.

Input the core refuses gives an error value, never a number: a blank or text value, a
parameter that is not a number, bounds out of order, a fraction outside 0..1, a target or a
loss per unit of 0 or less, a negative value under ratio, a yes/no answer that is not one
(``#N/A``), and linear with two equal values (``#DIV/0!``). In the mirror every error value is
NaN. Booleans are not numbers here (LibreOffice's ISNUMBER(TRUE) is TRUE; Excel's and
Gnumeric's is FALSE): numbers are tested by ISNUMBER and NOT ISLOGICAL.

One difference from the core, on the safe side: numeric text in a cell ("0.95" typed into a
text-formatted cell) is a number to the core (:mod:`bpm_xl.conversion`) but an error value to
the formula. Converting it natively (VALUE, --) depends on the spreadsheet's locale and reads
"1/3" as a date, so the formula shows #N/A instead of a number that might be wrong.

Examples
--------
>>> e = score_formula("ratio", "higher", "B2", p1="C2", scale=100)
>>> e.formula
'=IF(AND(ISNUMBER(B2),NOT(ISLOGICAL(B2)),ISNUMBER(C2),NOT(ISLOGICAL(C2)),C2>0,B2>=0),MIN(1,B2/C2)*100,NA())'
>>> e.evaluate({"B2": [0.76, 1.2, "95%"], "C2": [0.95, 0.95, 0.95]}).tolist()
[80.0, 100.0, nan]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .datascore import DIRECTIONS, MAX_STEPS, METHODS, NO_WORDS, YES_WORDS, DataRule

__all__ = ["Expr", "fraction_formula", "score_formula", "rule_formula"]

Env = Mapping[str, Any]


@dataclass(frozen=True)
class Expr:
    """A formula fragment and its numpy evaluation.

    ``fn(env)`` returns an array over the cases in ``env`` (which maps each reference to one
    cell value per case): float for numbers and logicals (1.0 / 0.0; NaN for an error value),
    object for text.
    """

    text: str
    fn: Callable[[Env], np.ndarray]
    literal: bool = False   # a number written into the formula (needs no ISNUMBER test)
    prec: int = 9           # binding: 9 a call, reference or literal; 7 * /; 6 + -; 5 a comparison

    @property
    def formula(self) -> str:
        """The text as a cell formula, ``=...``."""
        return "=" + self.text

    def evaluate(self, env: Env) -> np.ndarray:
        """The value each case's cell shows, as float (NaN: an error value)."""
        cells = {k: _cells(v) for k, v in env.items()}
        with np.errstate(all="ignore"):
            return np.asarray(self.fn(cells), dtype=np.float64)

    # arithmetic and comparisons; parentheses where the operator binding needs them
    def _bin(self, other: Any, op: str, f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Expr:
        o = _expr(other)
        prec = {"*": 7, "/": 7, "+": 6, "-": 6}.get(op, 5)
        left = self.text if self.prec >= prec else f"({self.text})"
        right = o.text if o.prec > prec or (o.prec == prec and op in "+*") else f"({o.text})"
        return Expr(f"{left}{op}{right}", lambda env: f(_num(self.fn(env)), _num(o.fn(env))), prec=prec)

    def __add__(self, o: Any) -> Expr:
        return self._bin(o, "+", np.add)

    def __sub__(self, o: Any) -> Expr:
        return self._bin(o, "-", np.subtract)

    def __rsub__(self, o: Any) -> Expr:
        return _expr(o) - self

    def __mul__(self, o: Any) -> Expr:
        return self._bin(o, "*", np.multiply)

    def __truediv__(self, o: Any) -> Expr:
        return self._bin(o, "/", lambda a, b: np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b)))

    def _cmp(self, o: Any, op: str, f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Expr:
        return self._bin(o, op, lambda a, b: np.where(np.isnan(a) | np.isnan(b), np.nan, f(a, b).astype(float)))

    def __ge__(self, o: Any) -> Expr:
        return self._cmp(o, ">=", np.greater_equal)

    def __gt__(self, o: Any) -> Expr:
        return self._cmp(o, ">", np.greater)

    def __le__(self, o: Any) -> Expr:
        return self._cmp(o, "<=", np.less_equal)

    def __lt__(self, o: Any) -> Expr:
        return self._cmp(o, "<", np.less)

    def equals(self, o: Any) -> Expr:
        """``a=b``: numbers compared as numbers, text as text without case (Excel's "=")."""
        oe = _expr(o)

        def f(env: Env) -> np.ndarray:
            a, b = np.broadcast_arrays(_obj(self.fn(env)), _obj(oe.fn(env)))
            return np.array([_eq(x, y) for x, y in zip(a.ravel(), b.ravel())], dtype=float).reshape(a.shape)

        return Expr(f"{self.text}={oe.text}", f, prec=5)


# ------------------------------------------------------------------ cells and literals
def _cells(values: Any) -> np.ndarray:
    """One cell value per case (a range reference: one row, column or 2-D list per case)."""
    many = isinstance(values, (list, tuple, np.ndarray))
    arr = np.empty(len(values) if many else 1, dtype=object)
    for k, v in enumerate(values if many else [values]):
        arr[k] = v
    return arr


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _num(a: Any) -> np.ndarray:
    """As a number the way arithmetic reads a cell: numbers and logicals; anything else an error (NaN)."""
    arr: np.ndarray = np.asarray(a)
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64)
    out: np.ndarray = np.array([float(v) if isinstance(v, (numbers.Real, np.bool_)) else np.nan for v in arr.ravel()],
                               dtype=np.float64).reshape(arr.shape)
    return out


def _obj(a: Any) -> np.ndarray:
    arr: np.ndarray = np.asarray(a)
    return arr if arr.dtype == object else arr.astype(object)


def _eq(x: Any, y: Any) -> float:
    if isinstance(x, float) and math.isnan(x) or isinstance(y, float) and math.isnan(y):
        return math.nan
    if isinstance(x, str) and isinstance(y, str):
        return float(x.lower() == y.lower())
    if isinstance(x, str) or isinstance(y, str) or x is None or y is None:
        return 0.0
    return float(float(x) == float(y))


def _literal(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        text = str(int(x))
    else:
        text = repr(float(x)).upper()
    return f"({text})" if text.startswith("-") else text


def _expr(x: Any) -> Expr:
    """A reference (text), a number (a literal) or an Expr."""
    if isinstance(x, Expr):
        return x
    if _is_number(x):
        if not math.isfinite(float(x)):
            raise ValueError(f"{x!r} cannot be written in a formula")
        v = float(x)
        return Expr(_literal(v), lambda env: np.asarray(v), literal=True)
    if isinstance(x, str) and x.strip():
        name = x.strip()
        return Expr(name, lambda env: env[name])
    raise TypeError(f"not a cell reference or number: {x!r}")


def _text(s: str) -> Expr:
    return Expr('"' + s.replace('"', '""') + '"', lambda env: np.asarray(s, dtype=object))


# ------------------------------------------------------------------ functions
def _call(name: str, *args: Expr) -> str:
    return f"{name}({','.join(a.text for a in args)})"


def IF(c: Any, a: Any, b: Any) -> Expr:
    c, a, b = _expr(c), _expr(a), _expr(b)

    def f(env: Env) -> np.ndarray:
        cond = _num(c.fn(env))
        return np.where(np.isnan(cond), np.nan, np.where(cond != 0, _num(a.fn(env)), _num(b.fn(env))))

    return Expr(_call("IF", c, a, b), f)


def _fold(name: str, args: Sequence[Any], f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Expr:
    es = [_expr(a) for a in args]

    def g(env: Env) -> np.ndarray:
        out = _num(es[0].fn(env))
        for e in es[1:]:
            out = f(out, _num(e.fn(env)))
        return out

    return Expr(_call(name, *es), g)


def _and(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a) | np.isnan(b), np.nan, ((a != 0) & (b != 0)).astype(float))


def _or(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a) | np.isnan(b), np.nan, ((a != 0) | (b != 0)).astype(float))


def AND(*args: Any) -> Expr:
    return _fold("AND", args, _and)


def OR(*args: Any) -> Expr:
    return _fold("OR", args, _or)


def MIN(*args: Any) -> Expr:
    return _fold("MIN", args, np.minimum)


def MAX(*args: Any) -> Expr:
    return _fold("MAX", args, np.maximum)


def NOT(a: Any) -> Expr:
    e = _expr(a)
    return Expr(_call("NOT", e), lambda env: np.where(np.isnan(x := _num(e.fn(env))), np.nan, (x == 0).astype(float)))


def NA() -> Expr:
    return Expr("NA()", lambda env: np.asarray(np.nan))


def _cell_test(name: str, test: Callable[[Any], bool]) -> Callable[[Any], Expr]:
    def make(a: Any) -> Expr:
        e = _expr(a)
        return Expr(_call(name, e), lambda env: np.vectorize(lambda v: float(test(v)), otypes=[float])(_obj(e.fn(env))))

    return make


ISNUMBER = _cell_test("ISNUMBER", _is_number)
ISLOGICAL = _cell_test("ISLOGICAL", lambda v: isinstance(v, (bool, np.bool_)))
ISTEXT = _cell_test("ISTEXT", lambda v: isinstance(v, str))


def _text_fn(name: str, f: Callable[[str], str]) -> Callable[[Any], Expr]:
    def make(a: Any) -> Expr:
        e = _expr(a)
        return Expr(_call(name, e), lambda env: np.vectorize(lambda v: f(v) if isinstance(v, str) else "",
                                                             otypes=[object])(_obj(e.fn(env))))

    return make


TRIM = _text_fn("TRIM", lambda s: " ".join(p for p in s.split(" ") if p))
LOWER = _text_fn("LOWER", str.lower)


def _number_cell(x: Expr) -> Expr:
    return AND(ISNUMBER(x), NOT(ISLOGICAL(x)))


def _numbers(*refs: Expr) -> list[Expr]:
    """Guards: each reference holds a number (not a logical)."""
    out: list[Expr] = []
    for r in refs:
        if r.literal:
            continue
        out += [ISNUMBER(r), NOT(ISLOGICAL(r))]
    return out


# ------------------------------------------------------------------ the rules
def _yes_no(x: Expr, higher: bool) -> tuple[Expr, list[Expr]]:
    yes, no = (1, 0) if higher else (0, 1)
    t = LOWER(TRIM(x))
    text = IF(OR(*(t.equals(_text(w)) for w in YES_WORDS)), yes, IF(OR(*(t.equals(_text(w)) for w in NO_WORDS)), no, NA()))
    number = IF(x.equals(1), yes, IF(x.equals(0), no, NA()))
    return IF(ISLOGICAL(x), IF(x, yes, no), IF(ISNUMBER(x), number, IF(ISTEXT(x), text, NA()))), []


def _steps(x: Expr, bounds: Sequence[Any], fractions: Sequence[Any], higher: bool) -> tuple[Expr, list[Expr]]:
    if not bounds or len(bounds) != len(fractions):
        raise ValueError("steps needs one fraction per bound and at least one bound")
    b = [_expr(v) for v in bounds]
    f = [_expr(v) for v in fractions]
    guards = _numbers(x, *b, *f)
    # order and range, for what is in cells (literals come from a validated rule)
    guards += [(b[k - 1] > b[k]) if higher else (b[k - 1] < b[k]) for k in range(1, len(b))
               if not (b[k - 1].literal and b[k].literal)]
    guards += [g for fk in f if not fk.literal for g in (fk >= 0, fk <= 1)]
    out: Expr = _expr(0)
    for bk, fk in zip(reversed(b), reversed(f)):
        out = IF((x >= bk) if higher else (x <= bk), fk, out)
    return out, guards


def _range_cells(v: Any) -> list[Any] | None:
    """A range as the LAMBDA reads it: one row or one column, flattened (None: a 2-D range)."""
    if not isinstance(v, (list, tuple, np.ndarray)):
        return [v]
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else [r] for r in v]
    if len(rows) > 1 and any(len(r) > 1 for r in rows):
        return None
    return [c for r in rows for c in r]


def _filled(cells: list[Any]) -> list[Any]:
    """Up to the last cell that is not blank (blank: empty, or text of length 0, as ``cell&""=""``)."""
    n = max((k + 1 for k, c in enumerate(cells) if not (c is None or c == "")), default=0)
    return cells[:n]


def _steps_range_case(x: Any, bounds: Any, fractions: Any, higher: bool) -> float:
    """The mirror of :func:`_steps_range`'s text for one case (NaN: an error value)."""
    b, f = _range_cells(bounds), _range_cells(fractions)
    if b is None or f is None:
        return math.nan
    b, f = _filled(b), _filled(f)
    if not b or len(b) != len(f) or len(b) > MAX_STEPS:
        return math.nan
    if not all(_is_number(v) for v in (*b, *f)) or not all(0 <= v <= 1 for v in f):
        return math.nan
    if not all((p > q) if higher else (p < q) for p, q in zip(b, b[1:])):
        return math.nan
    if not _is_number(x):
        return math.nan   # the outer guard refuses it first
    return float(next((fk for bk, fk in zip(b, f) if ((x >= bk) if higher else (x <= bk))), 0.0))


def _steps_range(x: Expr, bounds: str, fractions: str, higher: bool) -> tuple[Expr, list[Expr]]:
    """Steps from two range references of any length (a row or a column each, trailing blanks
    ignored): the same rule as :func:`_steps`, the first bound reached giving its fraction, as
    one LET for the LAMBDA edition."""
    b, f = _expr(bounds), _expr(fractions)
    reached = "xv>=bs" if higher else "xv<=bs"
    order = "DROP(bs,-1)>DROP(bs,1)" if higher else "DROP(bs,-1)<DROP(bs,1)"
    text = (
        f"LET(sb,{b.text},sf,{f.text},xv,{x.text},"
        "bv,IF(ROWS(sb)=1,TRANSPOSE(sb),sb),fv,IF(ROWS(sf)=1,TRANSPOSE(sf),sf),"
        'nb,MAX(IF(bv&""="",0,SEQUENCE(ROWS(bv)))),nf,MAX(IF(fv&""="",0,SEQUENCE(ROWS(fv)))),'
        f"IF(OR(MIN(ROWS(sb),COLUMNS(sb))>1,MIN(ROWS(sf),COLUMNS(sf))>1,nb=0,nb<>nf,nb>{MAX_STEPS}),NA(),"
        "LET(bs,TAKE(bv,nb),fs,TAKE(fv,nf),"
        "IF(AND(ISNUMBER(bs),NOT(ISLOGICAL(bs)),ISNUMBER(fs),NOT(ISLOGICAL(fs)),fs>=0,fs<=1,"
        f"IF(nb>1,{order},TRUE)),XLOOKUP(TRUE,{reached},fs,0),NA()))))"
    )

    def fn(env: Env) -> np.ndarray:
        xs, bs, fs = np.broadcast_arrays(_obj(x.fn(env)), _obj(b.fn(env)), _obj(f.fn(env)))
        return np.array([_steps_range_case(*c, higher) for c in zip(xs, bs, fs)], dtype=float)

    return Expr(text, fn), _numbers(x)


def _rule(method: str, higher: bool, x: Expr, p1: Any, p2: Any) -> tuple[Expr, list[Expr]]:
    a = _expr(p1)
    if method == "ratio":
        guards = [*_numbers(x, a), a > 0, x >= 0]
        return (MIN(1, x / a) if higher else IF(x <= a, 1, a / x)), guards
    b = _expr(p2)
    if method == "linear":
        return MIN(1, MAX(0, (x - a) / (b - a))), _numbers(x, a, b)
    # deduct
    shortfall = MAX(0, a - x) if higher else MAX(0, x - a)
    return MAX(0, 1 - b * shortfall), [*_numbers(x, a, b), b > 0]


def _parts(method: str, direction: str, value: Any, p1: Any, p2: Any, bounds: Sequence[Any],
           fractions: Sequence[Any]) -> tuple[Expr, list[Expr]]:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}")
    x = _expr(value)
    higher = direction == "higher"
    if method == "yesno":
        return _yes_no(x, higher)
    if method == "steps":
        if isinstance(bounds, str) and isinstance(fractions, str):
            return _steps_range(x, bounds, fractions, higher)
        return _steps(x, bounds, fractions, higher)
    return _rule(method, higher, x, p1, p2)


def _guarded(body: Expr, guards: list[Expr]) -> Expr:
    return IF(AND(*guards), body, NA()) if guards else body


def fraction_formula(method: str, direction: str, value: Any, p1: Any = None, p2: Any = None, *,
                     bounds: Sequence[Any] = (), fractions: Sequence[Any] = ()) -> Expr:
    """The fraction of the full mark (0..1) as a formula; see :func:`score_formula`."""
    return _guarded(*_parts(method, direction, value, p1, p2, bounds, fractions))


def score_formula(method: str, direction: str, value: Any, p1: Any = None, p2: Any = None, *,
                  bounds: Sequence[Any] = (), fractions: Sequence[Any] = (), scale: Any = 5) -> Expr:
    """The score (fraction x scale maximum) of one data indicator as a native formula.

    Parameters
    ----------
    method : linear, ratio, steps, deduct or yesno (as :data:`bpm_xl.datascore.METHODS`)
    direction : higher or lower, fixed when the formula is written (a DataRule's direction;
        linear takes its direction from p1 and p2 in the cells and ignores this)
    value, p1, p2 : references or numbers (p1/p2 as the method takes them)
    bounds, fractions : steps only, one reference or number per step, in the table's order; or
        one range reference each (LAMBDA edition only; see the module docstring)
    scale : the top of the scale, a reference or a number

    Returns
    -------
    Expr
        ``.formula`` is the cell's formula, ``.evaluate(cells)`` its value for given cells.
    """
    body, guards = _parts(method, direction, value, p1, p2, bounds, fractions)
    s = _expr(scale)
    if s.literal:
        if not float(scale) > 0:
            raise ValueError(f"the scale maximum must be above 0, not {scale!r}")
        return _guarded(body if float(scale) == 1 else body * s, guards)
    return _guarded(body * s, [*guards, *_numbers(s), s > 0])


def rule_formula(rule: DataRule, value: Any, p1: Any = None, p2: Any = None, *, bounds: Sequence[Any] | None = None,
                 fractions: Sequence[Any] | None = None, scale: Any = 5) -> Expr:
    """:func:`score_formula` for a validated rule: parameters not given as references are written
    as the rule's numbers (literals), e.g. a steps table typed once into the formula.

    >>> from bpm_xl.datascore import data_rule
    >>> rule_formula(data_rule("steps", [0.95, 0.9], [1, 0.8]), "B2", scale=100).formula
    '=IF(AND(ISNUMBER(B2),NOT(ISLOGICAL(B2))),IF(B2>=0.95,1,IF(B2>=0.9,0.8,0))*100,NA())'
    """
    return score_formula(rule.method, rule.direction, value,
                         rule.p1 if p1 is None else p1, rule.p2 if p2 is None else p2,
                         bounds=rule.bounds if bounds is None else bounds,
                         fractions=rule.fractions if fractions is None else fractions, scale=scale)
