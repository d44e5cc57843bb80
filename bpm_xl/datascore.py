"""Indicators scored from data: a measured value and its scoring standard (评分标准).

An indicator of type ``data`` has a measured value (预算执行率 0.93, 结转结余率 0.04, 是否建立制度
是) and a scoring standard that turns the value into a fraction ``f`` of the indicator's full
mark, ``0 <= f <= 1``; its score on the evaluation's scale is ``f * scale_max``. Five methods
cover the standards bureaus write (财预〔2020〕10号 evaluations; DESIGN.md §10):

``linear``  p1 = the value scoring 0, p2 = the value scoring full marks; straight line between,
            clamped to 0 .. 1. Either direction: p2 < p1 means lower is better.
``ratio``   p1 = the target (> 0). Higher is better: f = min(1, value / target); lower is
            better: f = min(1, target / value), and 1 for a value of 0. The value must be >= 0.
``steps``   p1 = bounds, p2 = fractions (one per bound). Higher is better: lower bounds listed
            from the highest down, the first bound the value reaches (value >= bound) gives its
            fraction, below every bound gives 0. Lower is better: upper bounds listed from the
            lowest up, the first bound the value does not exceed (value <= bound) wins, above
            every bound gives 0. Bounds in any other order are refused (a clerk's typing slip,
            never guessed at); at most :data:`MAX_STEPS` steps.
``deduct``  p1 = the threshold, p2 = the fraction of the full mark lost per unit of shortfall
            (> 0; per unit of the value as typed: rates typed as 0.93 lose p2 per 1.00, so
            "10 % per percentage point" is p2 = 10). Full marks at or beyond the threshold,
            f = max(0, 1 - p2 * shortfall); the shortfall is threshold - value (higher is
            better) or value - threshold (lower is better).
``yesno``   no parameters. 是/yes/TRUE/1 gives 1 and 否/no/FALSE/0 gives 0 (lower is better
            swaps them: "是否发生违规" scores full for 否). Text is compared after removing
            leading and trailing spaces, case-insensitively; numbers must be exactly 1 or 0.

The direction is ``higher`` (正向, the default) or ``lower`` (逆向). ``linear`` takes it from its
two values, and a stated direction must agree with them.

Values and parameters are read by the one converter (:mod:`bpm_xl.conversion`): numbers and
numeric text are numbers; a blank is refused as missing; other text is refused. Text such as
"95%" is refused with a hint rather than read as 0.95, as everywhere else in bpm-xl: the
converter reads no percent text, and "95%" next to a target typed 95 is ambiguous. A cell
formatted as percent already holds the number 0.95.

The same rules are written as native spreadsheet formulas by :mod:`bpm_xl.dataformula` and
tested against this module.

Examples
--------
>>> r = data_score(0.93, "deduct", 0.95, 10, scale_max=100)     # 2 points short, 10 % each
>>> round(r.fraction, 12), round(r.score, 10)
(0.8, 80.0)
>>> data_score(0.04, "ratio", 0.05, direction="lower").fraction  # 结转结余率 below its ceiling
1.0
>>> data_score(0.91, "steps", [0.95, 0.9, 0.8], [1, 0.8, 0.6]).score
4.0
>>> data_score("否", "yesno", direction="lower").fraction
1.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from . import conversion
from .errors import BpmError, MatrixShapeError, MissingValueError, ScaleError, ScoringRuleError, SettingsError
from .texts import pick, text

__all__ = ["TYPES", "TYPE_LABELS", "METHODS", "METHOD_LABELS", "DIRECTIONS", "DIRECTION_LABELS", "DIRECTION_WORDS", "YES_WORDS",
           "NO_WORDS", "MAX_STEPS", "DataRule", "DataScore", "DataScores", "data_rule", "read_value", "fractions",
           "data_score", "score_data", "indicator_type"]

#: The indicator types: how an indicator's score is obtained.
TYPES = ("survey", "data", "expert", "direct")
#: (zh, en) label of each indicator type.
TYPE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "survey": ("问卷", "survey"),          # mean of the 1-5 answers
    "data": ("数据", "data"),              # a measured value and its scoring standard (this module)
    "expert": ("专家评分", "expert"),      # mean of the panel's scores
    "direct": ("直接评分", "direct"),      # an assessed score typed with its evidence
})
#: The data scoring methods.
METHODS = ("linear", "ratio", "steps", "deduct", "yesno")
#: (zh, en) label of each method; the zh label is accepted as input too.
METHOD_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "linear": ("线性", "linear"),
    "ratio": ("比率", "ratio"),
    "steps": ("分档", "steps"),
    "deduct": ("扣分", "deduct"),
    "yesno": ("是否", "yes/no"),
})
DIRECTIONS = ("higher", "lower")
#: (zh, en) label of each direction; the zh labels (and 越高越好 / 越低越好) are accepted as input.
DIRECTION_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "higher": ("正向", "higher is better"),
    "lower": ("逆向", "lower is better"),
})
#: The words a direction may be typed as (English, the zh labels, 越高/越低越好), read case-insensitively.
DIRECTION_WORDS = MappingProxyType({"higher": "higher", "正向": "higher", "越高越好": "higher",
                                    "lower": "lower", "逆向": "lower", "越低越好": "lower"})
#: Text answers of a yes/no indicator, compared after trimming spaces, case-insensitively.
YES_WORDS = ("是", "yes", "true", "1")
NO_WORDS = ("否", "no", "false", "0")
#: The most steps a table may have (the native formula nests one IF per step).
MAX_STEPS = 20

#: What p1 and p2 mean for each method (None: the method takes no such parameter).
_PARAMS: dict[str, tuple[str | None, str | None]] = {
    "linear": ("value scoring 0", "value scoring full"),
    "ratio": ("target", None),
    "steps": ("bounds", "fractions"),
    "deduct": ("threshold", "loss per unit"),
    "yesno": (None, None),
}


@dataclass(frozen=True, slots=True)
class DataRule:
    """A validated scoring standard.

    ``p1``/``p2`` are the method's numbers (linear: the values scoring 0 and full; ratio: the
    target and None; deduct: the threshold and the loss per unit; steps, yesno: None);
    ``bounds``/``fractions`` are the steps table in the order given (empty for other methods).
    """

    method: str
    direction: str
    p1: float | None = None
    p2: float | None = None
    bounds: tuple[float, ...] = ()
    fractions: tuple[float, ...] = ()

    def describe(self, lang: str = "zh") -> str:
        """The scoring standard as one line for a report (zh or en).

        >>> data_rule("steps", [0.95, 0.9], [1, 0.8]).describe()
        '分档：≥0.95 得满分的100%；≥0.9 得满分的80%；以下得0'
        >>> data_rule("deduct", 0.95, 10).describe("en")
        'deduct: full marks at 0.95 or more; each 0.01 less loses 10% of the mark'
        """
        return _describe(self, lang)

    def parameters(self) -> dict[str, Any]:
        """The parameters by their meaning, e.g. ``{"target": 0.95}`` (for results and reports)."""
        if self.method == "steps":
            return {"bounds": self.bounds, "fractions": self.fractions}
        out = {}
        for meaning, v in zip(_PARAMS[self.method], (self.p1, self.p2)):
            if meaning is not None:
                out[meaning] = v
        return out


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def _unit(per: float) -> float:
    """A round step of the value for a deduction's wording: the loss per step is 1 % to 10 % where it can be."""
    return 10.0 ** math.floor(math.log10(0.1 / per) + 1e-9)


def _given(p: float | None) -> float:
    """A parameter the rule's method requires (:func:`data_rule` never leaves it None)."""
    if p is None:
        raise ScoringRuleError("the scoring standard lacks a parameter its method needs")
    return p


def _describe(r: DataRule, lang: str) -> str:
    way = "higher" if r.direction == "higher" else "lower"
    p1 = "" if r.p1 is None else f"{r.p1:g}"
    if r.method == "linear":
        rule = text("rule_linear", lang, p1=p1, p2=f"{r.p2:g}")
    elif r.method == "ratio":
        rule = text(f"rule_ratio_{way}", lang, p1=p1)
    elif r.method == "steps":
        op = "≥" if way == "higher" else "≤"
        parts = [text("rule_step", lang, op=op, b=f"{b:g}", pct=_pct(f)) for b, f in zip(r.bounds, r.fractions)]
        rule = text("semi", lang).join([*parts, text(f"rule_steps_rest_{way}", lang)])
    elif r.method == "deduct":
        u = _unit(_given(r.p2))
        rule = text(f"rule_deduct_{way}", lang, p1=p1, u=f"{u:g}", pct=_pct(_given(r.p2) * u))
    else:
        rule = text(f"rule_yesno_{way}", lang)
    return pick(METHOD_LABELS[r.method], lang) + text("colon", lang) + rule


@dataclass(frozen=True, slots=True)
class DataScore:
    """One value scored: ``fraction`` of the full mark (0..1) and ``score = fraction * scale_max``."""

    fraction: float
    score: float
    scale_max: float
    value: float            # the value as scored (1.0 / 0.0 for a yes/no answer)
    rule: DataRule

    @property
    def method(self) -> str:
        return self.rule.method

    @property
    def parameters(self) -> dict[str, Any]:
        return self.rule.parameters()


@dataclass(frozen=True)
class DataScores:
    """A table of data indicators scored: one entry per indicator, in input order."""

    labels: tuple[str, ...]
    values: np.ndarray      # as scored (yes/no answers as 1.0 / 0.0)
    fractions: np.ndarray   # 0 .. 1
    scores: np.ndarray      # fractions * scale_max
    rules: tuple[DataRule, ...]
    scale_max: float

    def __getitem__(self, k: int) -> DataScore:
        return DataScore(float(self.fractions[k]), float(self.scores[k]), self.scale_max, float(self.values[k]),
                         self.rules[k])

    def __len__(self) -> int:
        return len(self.rules)


# ------------------------------------------------------------------ reading the arguments
def _one(value: Any, name: str) -> Any:
    """A single-cell argument as Excel may deliver it ([[x]], an array of one): its value."""
    if isinstance(value, (list, tuple, np.ndarray)):
        flat = np.asarray(value, dtype=object).reshape(-1)
        if flat.size > 1:
            raise MatrixShapeError(f"{name}: expected a single cell, got a range of {flat.size} cells",
                                   argument=name)
        return flat[0] if flat.size else None
    return value


def _blank(value: Any, name: str) -> bool:
    value = _one(value, name)
    c = conversion.number(value)
    return not isinstance(c, conversion.Invalid) and math.isnan(c)


def _refuse_text(c: conversion.Invalid, name: str, what: str, arg: str) -> BpmError:
    raw = c.value
    if isinstance(raw, str) and raw.strip().endswith(("%", "％")) and not c.is_error:
        x = conversion.number(raw.strip()[:-1])
        example = f"{x / 100:g}" if isinstance(x, float) and math.isfinite(x) else "0.95"
        return ScaleError(f"{name}: {conversion.show(raw)} is text, not a number; type it as the number {example} (a "
                          f"percent in a cell that is not formatted as text), in the same unit as the parameters",
                          argument=arg)
    return ScaleError(f"{name}: {conversion.show(c)} is not a number; {what} must be a number", argument=arg)


def _number(value: Any, name: str, what: str, needed: str, arg: str | None = None) -> float:
    """A required number: blank -> MissingValueError saying what is ``needed``; text -> ScaleError.
    ``name`` is shown in the message, ``arg`` (default ``name``) is the error's argument field."""
    arg = arg or name
    c = conversion.number(_one(value, arg))
    if isinstance(c, conversion.Invalid):
        raise _refuse_text(c, name, what, arg)
    if math.isnan(c):
        raise MissingValueError(f"{name}: the {what} is blank; {needed}", argument=arg)
    if not math.isfinite(c):
        raise ScaleError(f"{name}: {c:g} is not a finite number", argument=arg)
    return c


def _label(name: str, method: str, k: int) -> str:
    meaning = _PARAMS[method][k]
    return f"{name} ({meaning})" if meaning else name


def _method(method: Any) -> str:
    text = conversion.text(_one(method, "method")).lower()
    for m, (zh, en) in METHOD_LABELS.items():
        if text in (m, zh, en):
            return m
    if not text:
        raise MissingValueError(f"method: the method is blank; use one of {', '.join(METHODS)}", argument="method")
    raise SettingsError(f"method: {conversion.visible(text)!r} is not known; use one of {', '.join(METHODS)}",
                        argument="method")


def _direction(direction: Any) -> str | None:
    text = conversion.text(_one(direction, "direction")).lower()
    if not text:
        return None
    if text in DIRECTION_WORDS:
        return DIRECTION_WORDS[text]
    raise SettingsError(f"direction: {conversion.visible(text)!r} is not known; use higher (正向) or lower (逆向)",
                        argument="direction")


def _at(data: Any, k: int) -> dict[str, Any]:
    """The place of item ``k`` (0-based) of a steps range: its column in a range of one row, else its row."""
    shape = np.shape(np.asarray(data, dtype=object)) if isinstance(data, (list, tuple, np.ndarray)) else ()
    return {"column": k + 1} if len(shape) == 2 and shape[0] == 1 and shape[1] > 1 else {"row": k + 1}


def _vector(data: Any, name: str, what: str, arg: str) -> np.ndarray:
    """A steps row or column: numbers, trailing blanks dropped, no blank inside."""
    g = conversion.to_vector(data, arg)
    if g.invalid:
        _, k, v = g.invalid[0]
        exc = _refuse_text(v, name, what, arg)
        raise type(exc)(f"{name}: position {k + 1}: {exc.message.split(': ', 1)[1]}", argument=arg, **_at(data, k))
    vals = g.values
    filled = np.flatnonzero(~np.isnan(vals))
    vals = vals[: filled[-1] + 1] if filled.size else vals[:0]
    if vals.size == 0:
        raise MissingValueError(f"{name}: the range is blank; steps needs its {what}", argument=arg)
    blank = np.flatnonzero(np.isnan(vals))
    if blank.size:
        k = int(blank[0])
        raise MissingValueError(f"{name}: position {k + 1} is blank; fill it or remove the step", argument=arg,
                                **_at(data, k))
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        k = int(bad[0])
        raise ScaleError(f"{name}: position {k + 1} is not a finite number", argument=arg, **_at(data, k))
    return vals


def _unused(value: Any, name: str, method: str) -> None:
    if value is not None and not _blank(value, name):
        hint = " (for lower is better, set direction lower)" if method == "ratio" else ""
        raise ScoringRuleError(f"{name}: {method} takes no {name}; leave it blank{hint}", argument=name)


def _steps(p1: Any, p2: Any, direction: str, names: tuple[str, str]) -> DataRule:
    b_name, f_name = (_label(n, "steps", k) for k, n in enumerate(names))
    bounds = _vector(p1, b_name, "bounds", names[0])
    fracs = _vector(p2, f_name, "fractions", names[1])
    if bounds.size != fracs.size:
        raise MatrixShapeError(f"{f_name}: {fracs.size} fractions for {bounds.size} bounds; give one fraction per "
                               f"bound", argument=names[1])
    if bounds.size > MAX_STEPS:
        raise ScoringRuleError(f"{b_name}: {bounds.size} steps; at most {MAX_STEPS} are allowed", argument=names[0])
    higher = direction == "higher"
    for k in range(1, bounds.size):
        a, b = bounds[k - 1], bounds[k]
        if (b < a) if higher else (b > a):
            continue
        order = ("list the lower bounds from the highest down (for lower is better, set direction lower)" if higher
                 else "with direction lower, list the upper bounds from the lowest up")
        word = "repeats" if a == b else ("is above" if higher else "is below")
        raise ScoringRuleError(f"{b_name}: position {k + 1} ({b:g}) {word} position {k} ({a:g}); {order}",
                               argument=names[0], **_at(p1, k))
    out = np.flatnonzero((fracs < 0) | (fracs > 1))
    if out.size:
        k = int(out[0])
        raise ScoringRuleError(f"{f_name}: position {k + 1} is {fracs[k]:g}; fractions of the full mark must be "
                               f"between 0 and 1", argument=names[1], **_at(p2, k))
    return DataRule("steps", direction, bounds=tuple(bounds.tolist()), fractions=tuple(fracs.tolist()))


def _linear(x1: float, x2: float, stated: str | None, labels: tuple[str, str], names: tuple[str, str]) -> DataRule:
    """Linear's two values must differ and say the direction; a stated direction must agree."""
    n1, n2 = labels
    if x1 == x2:
        raise ScoringRuleError(f"{n2}: {x2:g} equals {n1}; the values scoring 0 and full must differ",
                               argument=names[1])
    implied = "higher" if x2 > x1 else "lower"
    if stated is not None and stated != implied:
        raise ScoringRuleError(f"direction: {stated} contradicts {n1} {x1:g} and {n2} {x2:g}; leave it blank "
                               f"(linear's two values say it)", argument="direction")
    return DataRule("linear", implied, p1=x1, p2=x2)


def data_rule(method: Any, p1: Any = None, p2: Any = None, direction: Any = None, *,
              names: tuple[str, str] = ("p1", "p2")) -> DataRule:
    """Validate a scoring standard.

    Parameters
    ----------
    method : str
        linear, ratio, steps, deduct or yesno (or the zh label: 线性, 比率, 分档, 扣分, 是否).
    p1, p2 : cell values or, for steps, a row or column of cells each
        The method's parameters (see the module docstring).
    direction : str, optional
        higher (正向, default) or lower (逆向); for linear, blank or agreeing with p1 and p2.
    names : the parameters' names in messages (the Excel arguments, or a sheet's column titles).

    Returns
    -------
    DataRule

    Raises
    ------
    SettingsError
        Unknown method or direction.
    MissingValueError
        A parameter the method needs is blank.
    ScaleError
        A parameter is text (including "95%").
    ScoringRuleError
        Bounds out of order or repeated, a fraction outside 0..1, a target or loss of 0 or less,
        linear's two values equal, a parameter the method does not take, a direction that
        contradicts linear's values.
    MatrixShapeError
        Steps with a different number of bounds and fractions.
    """
    m = _method(method)
    stated = _direction(direction)
    d = stated or "higher"
    n1, n2 = (_label(n, m, k) for k, n in enumerate(names))
    if m == "steps":
        return _steps(p1, p2, d, names)
    if m == "yesno":
        _unused(p1, names[0], m)
        _unused(p2, names[1], m)
        return DataRule(m, d)
    x1 = _number(p1, n1, str(_PARAMS[m][0]), f"{m} needs it", names[0])
    if m == "ratio":
        _unused(p2, names[1], m)
        if x1 <= 0:
            raise ScoringRuleError(f"{n1}: {x1:g}; the target must be above 0 (use linear for a target of 0)",
                                   argument=names[0])
        return DataRule(m, d, p1=x1)
    x2 = _number(p2, n2, str(_PARAMS[m][1]), f"{m} needs it", names[1])
    if m == "linear":
        return _linear(x1, x2, stated, (n1, n2), names)
    if x2 <= 0:
        raise ScoringRuleError(f"{n2}: {x2:g}; the fraction lost per unit must be above 0", argument=names[1])
    return DataRule(m, d, p1=x1, p2=x2)


def read_value(value: Any, rule: DataRule, name: str = "value") -> float:
    """The measured value as a number the rule can score (a yes/no answer as 1.0 or 0.0).

    Raises MissingValueError (blank), ScaleError (text, "95%", a negative value for ratio, an
    answer that is not yes or no).
    """
    value = _one(value, name)
    if rule.method == "yesno":
        return _yes_no(value, name)
    x = _number(value, name, "value", "type the measured value")
    if rule.method == "ratio" and x < 0:
        raise ScaleError(f"{name}: {x:g} is below 0; ratio scores values of 0 or more (use linear for values that "
                         f"can be negative)", argument=name)
    return x


def _yes_no(value: Any, name: str) -> float:
    if _blank(value, name):
        raise MissingValueError(f"{name}: the value is blank; type 是 or 否", argument=name)
    if isinstance(value, (bool, np.bool_)):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        word = value.strip(" ").lower()
        if word in YES_WORDS:
            return 1.0
        if word in NO_WORDS:
            return 0.0
    c = conversion.number(value)
    if not isinstance(c, conversion.Invalid) and not isinstance(value, str) and c in (0.0, 1.0):
        return c
    raise ScaleError(f"{name}: {conversion.show(value)} is not a yes/no answer; use 是/否, yes/no, 1/0 or "
                     f"TRUE/FALSE", argument=name)


# ------------------------------------------------------------------ the rules
def fractions(x: Any, rule: DataRule) -> np.ndarray:
    """The fraction of the full mark for each value in ``x`` (read values) under one rule."""
    x = np.asarray(x, dtype=np.float64)
    higher = rule.direction == "higher"
    f: np.ndarray
    if rule.method == "linear":
        p1, p2 = _given(rule.p1), _given(rule.p2)
        f = (x - p1) / (p2 - p1)
    elif rule.method == "ratio":
        p1 = _given(rule.p1)
        if higher:
            f = x / p1
        else:
            with np.errstate(divide="ignore"):
                f = np.where(x <= p1, 1.0, p1 / np.where(x <= p1, 1.0, x))
    elif rule.method == "deduct":
        p1, p2 = _given(rule.p1), _given(rule.p2)
        shortfall = np.maximum(p1 - x, 0.0) if higher else np.maximum(x - p1, 0.0)
        f = 1.0 - p2 * shortfall
    elif rule.method == "steps":
        b = np.asarray(rule.bounds)
        reached = (x[..., None] >= b) if higher else (x[..., None] <= b)
        first = np.argmax(reached, axis=-1)                      # the first bound reached ...
        f = np.where(reached.any(axis=-1), np.asarray(rule.fractions)[first], 0.0)   # ... or none: 0
    else:  # yesno
        f = x if higher else 1.0 - x
    return np.asarray(np.clip(f, 0.0, 1.0), dtype=np.float64)


def _scale(scale_max: Any) -> float:
    if scale_max is None or _blank(scale_max, "scale_max"):
        return 5.0
    s = _number(scale_max, "scale_max", "scale maximum", "")
    if s <= 0:
        raise ScaleError(f"scale_max: {s:g}; the top of the scale must be above 0", argument="scale_max")
    return s


def data_score(value: Any, method: Any, p1: Any = None, p2: Any = None, scale_max: Any = 5.0,
               direction: Any = None) -> DataScore:
    """Score one measured value by its scoring standard.

    Parameters
    ----------
    value : cell value
        The measured value (for yesno: 是/否, yes/no, 1/0, TRUE/FALSE).
    method, p1, p2, direction
        The scoring standard (:func:`data_rule`).
    scale_max : float, default 5
        The top of the evaluation's scale; blank means 5.

    Returns
    -------
    DataScore
        ``fraction`` in 0..1 and ``score = fraction * scale_max``.

    Raises
    ------
    BpmError
        As :func:`data_rule` and :func:`read_value`; ScaleError for a scale_max of 0 or less.

    Examples
    --------
    A 预算执行率 of 92 % against "95 % full marks, each percentage point below loses 10 % of the
    mark" on a 100-point indicator of 10 points:

    >>> round(data_score(0.92, "deduct", 0.95, 10, scale_max=10).score, 12)   # full precision kept
    7.0
    """
    rule = data_rule(method, p1, p2, direction)
    x = read_value(value, rule)
    top = _scale(scale_max)
    f = float(fractions(x, rule))
    return DataScore(f, f * top, top, x, rule)


def score_data(values: Sequence[Any], rules: Sequence[DataRule], scale_max: Any = 5.0,
               labels: Sequence[str] | None = None, name: str = "values") -> DataScores:
    """Score a table of data indicators: one value and one rule per indicator.

    Values are read and checked in order (the first bad one is refused with ``row`` = its
    1-based position); the fractions are computed once per distinct rule, over all the indicators
    that share it.

    Parameters
    ----------
    values : sequence of cell values, one per indicator
    rules : sequence of DataRule (from :func:`data_rule`), one per indicator
    scale_max : the top of the evaluation's scale
    labels : indicator labels (default "1", "2", ...)
    name : the values' name in messages

    Returns
    -------
    DataScores

    Examples
    --------
    >>> rules = [data_rule("ratio", 0.95), data_rule("yesno")]
    >>> score_data([0.76, "是"], rules, scale_max=100).scores.tolist()
    [80.0, 100.0]
    """
    vals = list(np.asarray(values, dtype=object).reshape(-1)) if not isinstance(values, list) else values
    if len(vals) != len(rules):
        raise MatrixShapeError(f"{name}: {len(vals)} values for {len(rules)} scoring standards", argument=name)
    top = _scale(scale_max)
    x = np.empty(len(rules))
    for k, (v, rule) in enumerate(zip(vals, rules)):
        try:
            x[k] = read_value(v, rule, name)
        except BpmError as exc:
            raise type(exc)(f"{name}: indicator {k + 1}: {exc.message.split(': ', 1)[1]}", argument=name,
                            row=k + 1) from None
    f = np.empty(len(rules))
    groups: dict[DataRule, list[int]] = {}
    for k, rule in enumerate(rules):
        groups.setdefault(rule, []).append(k)
    for rule, idx in groups.items():
        f[idx] = fractions(x[idx], rule)
    out_labels = conversion.labels(labels, len(rules), None, "labels")
    return DataScores(out_labels, _frozen(x), _frozen(f), _frozen(f * top), tuple(rules), top)


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def indicator_type(value: Any, name: str = "type") -> str:
    """An indicator type from a cell: survey, data, expert or direct (or its zh label); blank -> survey."""
    text = conversion.text(_one(value, name)).lower()
    if not text:
        return "survey"
    for t, (zh, en) in TYPE_LABELS.items():
        if text in (t, zh, en):
            return t
    raise SettingsError(f"{name}: {conversion.visible(text)!r} is not an indicator type; use one of "
                        f"{', '.join(TYPES)}", argument=name)
