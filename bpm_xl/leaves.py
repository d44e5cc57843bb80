"""The score of every indicator, by its type, and the score caps of the provincial kind.

Each indicator (a leaf of the tree) is scored on the evaluation's scale by one rule of its
type (:data:`bpm_xl.datascore.TYPES`):

``survey``  the mean of its 1-5 answers (:func:`bpm_xl.scoring.survey_summary`);
``data``    ``f * scale_max``, ``f`` the fraction of the full mark its 评分标准 gives the measured
            value (:func:`bpm_xl.datascore.fractions`);
``expert``  the mean of the panel's scores, each on the scale; weighted by the experts'
            authority when the settings weigh experts by authority (renormalised over the
            experts who scored it), else the plain mean;
``direct``  an assessed score typed with its evidence, from 0 to the scale's maximum.

An indicator whose input is still blank (nobody answered, no value measured, no expert
scored, no score typed) is *pending*: its score is NaN and the evaluation waits for it. An
input that is there but breaks its rule is refused with its place, as every input is.

A :class:`Cap` is a condition on a data indicator's measured value with the highest
100-point score it allows (e.g. 预算执行率 from 0.6 to below 0.7: at most 79). The total is
cut to the lowest cap that applies; the evaluation keeps the score it would have had.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import conversion, datascore, scoring
from .errors import MissingValueError, ModelError, ScaleError, SettingsError
from .model import IndicatorSystem
from .texts import pick

__all__ = ["DataEntry", "DirectScore", "Cap", "CapApplied", "LeafScores", "data_argument", "expert_score_argument",
           "direct_argument", "cap_argument", "leaf_scores", "apply_caps", "check_caps"]


def data_argument(code: str) -> str:
    """The argument name of a data indicator's value (the reader maps it to its cell)."""
    return f"data {code}"


def expert_score_argument(code: str, expert: str) -> str:
    return f"expert scores {code} {expert}"


def direct_argument(code: str) -> str:
    return f"direct score {code}"


def cap_argument(k: int) -> str:
    return f"score cap {k}"


@dataclass(frozen=True)
class DataEntry:
    """A data indicator's measured value with its scoring standard and what documents it."""

    value: Any
    rule: datascore.DataRule
    unit: str = ""
    source: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class DirectScore:
    """An assessed score typed with its evidence."""

    value: Any
    evidence: str = ""


@dataclass(frozen=True)
class Cap:
    """The highest 100-point score allowed while a data indicator's value lies in [low, high).

    ``low``/``high`` None: no bound on that side. ``label`` names the rule as the province
    words it (shown in the report).
    """

    indicator: str
    low: float | None
    high: float | None
    max_score100: float
    label: str = ""

    def applies(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value < self.high)

    def describe(self, lang: str = "zh") -> str:
        lo = "" if self.low is None else f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}"
        if self.low is not None and self.high is not None:
            cond = pick((f"{lo} ≤ 值 < {hi}", f"{lo} ≤ value < {hi}"), lang)
        elif self.low is not None:
            cond = pick((f"值 ≥ {lo}", f"value ≥ {lo}"), lang)
        else:
            cond = pick((f"值 < {hi}", f"value < {hi}"), lang)
        return pick((f"{self.indicator}：{cond} 时最高 {self.max_score100:g} 分",
                     f"{self.indicator}: {cond} allows at most {self.max_score100:g} points"), lang)

    def to_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "low": self.low, "high": self.high,
                "max_score100": self.max_score100, "label": self.label}


@dataclass(frozen=True)
class CapApplied:
    """A cap that cut the total: the cap, the value that met it, and the 100-point score before it."""

    cap: Cap
    value: float
    uncapped_score100: float
    capped_score100: float

    def to_dict(self) -> dict[str, Any]:
        return {"cap": self.cap.to_dict(), "value": self.value, "uncapped_score100": self.uncapped_score100,
                "capped_score100": self.capped_score100}


@dataclass(frozen=True)
class LeafScores:
    """Every indicator's score in the system's order (NaN: pending) and how it was obtained."""

    codes: tuple[str, ...]
    scores: np.ndarray
    counts: np.ndarray                     # answers (survey), experts who scored (expert), 1 (data, direct)
    pending: tuple[str, ...]
    memberships: np.ndarray | None         # survey answer shares, rows = codes; None unless every indicator is survey
    data: Mapping[str, datascore.DataScore] = field(default_factory=dict)


def _survey_part(system: IndicatorSystem, survey: pd.DataFrame, lo: float, hi: float, name: str
                 ) -> tuple[dict[str, float], dict[str, int], np.ndarray | None]:
    codes = [i.code for i in system.ordered_indicators() if i.kind == "survey"]
    missing = [c for c in codes if c not in survey.columns]
    if missing:
        raise MissingValueError(
            f"survey: no answer column for indicator {', '.join(missing)}; add the column or remove the indicator",
            argument=name)
    if not codes:
        return {}, {}, None
    if len(survey):
        sc, R = scoring.survey_summary(survey[codes], lo, hi, labels=codes, name=name, allow_empty=True)
        means, counts = np.asarray(sc.mean, dtype=float), np.asarray(sc.count)
    else:
        means, counts, R = np.full(len(codes), np.nan), np.zeros(len(codes), dtype=np.int64), None
    return dict(zip(codes, means)), {c: int(n) for c, n in zip(codes, counts)}, R


def _data_part(system: IndicatorSystem, data: Mapping[str, DataEntry], scale_max: float
               ) -> dict[str, datascore.DataScore]:
    out = {}
    for ind in system.ordered_indicators():
        if ind.kind != "data":
            continue
        entry = data.get(ind.code)
        if entry is None:
            continue
        name = data_argument(ind.code)
        try:
            x = datascore.read_value(entry.value, entry.rule, name)
        except MissingValueError:
            continue  # not measured yet: pending
        f = float(np.clip(datascore.fractions(np.array([x]), entry.rule)[0], 0.0, 1.0))
        out[ind.code] = datascore.DataScore(f, f * scale_max, scale_max, x, entry.rule)
    return out


def _number_in(v: Any, lo: float, hi: float, name: str, what: str) -> float | None:
    x = conversion.number(v)
    if isinstance(x, conversion.Invalid):
        raise ScaleError(f"{name}: {conversion.show(v)} is not a number; type a {what} from {lo:g} to {hi:g}",
                         argument=name)
    if math.isnan(x):
        return None
    if not (lo <= x <= hi):
        raise ScaleError(f"{name}: {x:g} is outside {lo:g} .. {hi:g}; type a {what} from {lo:g} to {hi:g}",
                         argument=name)
    return x


def _expert_part(system: IndicatorSystem, scores: Mapping[str, Mapping[str, Any]], weights: Mapping[str, float],
                 lo: float, hi: float) -> tuple[dict[str, float], dict[str, int]]:
    means, counts = {}, {}
    for ind in system.ordered_indicators():
        if ind.kind != "expert":
            continue
        xs, ws = [], []
        for ecode, v in (scores.get(ind.code) or {}).items():
            name = expert_score_argument(ind.code, ecode)
            if ecode not in weights:
                raise ModelError(f"{name}: expert {ecode!r} scored {ind.code} but is not on the panel", argument=name)
            x = _number_in(v, lo, hi, name, "score")
            if x is not None:
                xs.append(x)
                ws.append(weights[ecode])
        counts[ind.code] = len(xs)
        if xs:
            w = np.asarray(ws, dtype=float)
            means[ind.code] = float(np.dot(w / w.sum(), xs))
    return means, counts


def leaf_scores(system: IndicatorSystem, s: Any, survey: pd.DataFrame, data: Mapping[str, DataEntry],
                expert_scores: Mapping[str, Mapping[str, Any]], direct: Mapping[str, DirectScore],
                expert_weights: Mapping[str, float], survey_name: str = "survey") -> LeafScores:
    """Every indicator's score by its type (``s``: the evaluation's settings)."""
    known = set(system.codes)
    for code, what in [*((c, "data") for c in data), *((c, "expert") for c in expert_scores),
                       *((c, "direct") for c in direct)]:
        if code not in known or system.indicator(code).kind != what:
            arg = {"data": data_argument, "direct": direct_argument}.get(what)
            raise ModelError(f"{what} scores: {code!r} is not an indicator of type {what} in the indicator system; "
                             "set its type on the indicator sheet or remove the row",
                             argument=arg(code) if arg else None)
    lo, hi = float(s.scale_min), float(s.scale_max)
    sv_means, sv_counts, R = _survey_part(system, survey, lo, hi, survey_name)
    scored = _data_part(system, data, hi)
    weights = expert_weights if s.expert_weighting == "authority" else {e: 1.0 for e in expert_weights}
    ex_means, ex_counts = _expert_part(system, expert_scores, weights, lo, hi)
    codes = system.codes
    scores, counts = np.full(len(codes), np.nan), np.zeros(len(codes), dtype=np.int64)
    for k, ind in enumerate(system.ordered_indicators()):
        c = ind.code
        if ind.kind == "survey":
            scores[k], counts[k] = (sv_means[c] if sv_counts[c] else np.nan), sv_counts[c]
        elif ind.kind == "data":
            scores[k], counts[k] = (scored[c].score, 1) if c in scored else (np.nan, 0)
        elif ind.kind == "expert":
            scores[k], counts[k] = ex_means.get(c, np.nan), ex_counts[c]
        else:
            d = direct.get(c)
            x = None if d is None else _number_in(d.value, 0.0, hi, direct_argument(c), "score")
            scores[k], counts[k] = (np.nan, 0) if x is None else (x, 1)
    pending = tuple(c for c, x in zip(codes, scores) if math.isnan(x))
    all_survey = all(i.kind == "survey" for i in system.indicators)
    return LeafScores(codes, scores, counts, pending, R if all_survey else None, scored)


def check_caps(system: IndicatorSystem, caps: Sequence[Cap], data: Mapping[str, DataEntry] | None = None) -> None:
    """Refuse a cap on anything but a data indicator measured as a number (not a yes/no one:
    a range of a yes/no answer is no condition a bureau states), or with a maximum outside 0 .. 100."""
    for k, cap in enumerate(caps, start=1):
        name = cap_argument(k)
        ind = next((i for i in system.indicators if i.code == cap.indicator), None)
        if ind is None or ind.kind != "data":
            raise SettingsError(f"{name}: {cap.indicator!r} is not a data indicator of the system; a cap is a "
                                "condition on a measured value", argument=name)
        entry = (data or {}).get(cap.indicator)
        if entry is not None and entry.rule.method == "yesno":
            raise SettingsError(f"{name}: {cap.indicator} is scored yes/no; a cap is a range of a measured number "
                                "(such as a budget execution rate)", argument=name)
        if not (0 <= cap.max_score100 <= 100):
            raise SettingsError(f"{name}: the highest score {cap.max_score100:g} must lie from 0 to 100",
                                argument=name)
        if cap.low is not None and cap.high is not None and not cap.low < cap.high:
            raise SettingsError(f"{name}: the lower bound {cap.low:g} must be below the upper bound {cap.high:g}",
                                argument=name)
        if cap.low is None and cap.high is None:
            raise SettingsError(f"{name}: give a lower bound, an upper bound or both", argument=name)


def apply_caps(total: float, scale_max: float, caps: Sequence[Cap], data: Mapping[str, datascore.DataScore]
               ) -> tuple[float, CapApplied | None]:
    """The total after the lowest cap that applies, and that cap (None when none cuts the total)."""
    score100 = total / scale_max * 100.0
    best: CapApplied | None = None
    for cap in caps:
        ds = data.get(cap.indicator)
        if ds is None or not cap.applies(ds.value) or cap.max_score100 >= score100:
            continue
        if best is None or cap.max_score100 < best.capped_score100:
            best = CapApplied(cap, ds.value, score100, cap.max_score100)
    if best is None:
        return total, None
    return best.capped_score100 / 100.0 * scale_max, best
