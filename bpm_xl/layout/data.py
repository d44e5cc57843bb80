"""WorkbookData from core EvaluationInputs (the example, or a parsed workbook)."""

from __future__ import annotations

import math
from functools import lru_cache
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .types import STEP_COLUMNS, SurveyTable, WorkbookData

if TYPE_CHECKING:
    from ..evaluation import EvaluationInputs

__all__ = ["data_from_inputs", "data_kind", "has_answers", "matches_example", "unanswered"]


def data_from_inputs(inputs: EvaluationInputs, bands_name: str | None = None) -> WorkbookData:
    """WorkbookData from core EvaluationInputs (the example, or a parsed workbook)."""
    s = inputs.settings
    system = inputs.system
    judg: dict[str, dict[str, dict[tuple[str, str], Any]]] = {}
    for node, by_expert in inputs.judgments.items():
        children = list(system.children(node)) if node in system.nodes() else []
        judg[node] = {}
        for ecode, grid in by_expert.items():
            cells: dict[tuple[str, str], Any] = {}
            g = grid.tolist() if isinstance(grid, np.ndarray) else grid
            for i, row in enumerate(g):
                for j, v in enumerate(row):
                    if i < len(children) and j < len(children) and i != j and v is not None and v != "":
                        if isinstance(v, str):
                            v = _number_or_text(v)
                        cells[(children[i], children[j])] = v
            judg[node][ecode] = cells
    # the frames' columns are indicator codes (text); str() only states that for the type checker
    delphi: list[dict[str, dict[str, Any]]] = []
    for frame in inputs.delphi_rounds:
        rd: dict[str, dict[str, Any]] = {}
        for expert, row in frame.iterrows():
            rd[str(expert)] = {str(c): _clean(v) for c, v in row.items()}
        delphi.append(rd)
    survey = SurveyTable.of_rows(({str(c): _clean(v) for c, v in row.items()} for _, row in inputs.survey.iterrows()),
                                 [str(c) for c in inputs.survey.columns])
    ids = [i + 1 for i in range(len(survey))]
    sent = list(getattr(inputs, "delphi_sent", ()) or [])
    ret = list(getattr(inputs, "delphi_returned", ()) or [])
    return WorkbookData(
        settings={
            "method": s.method, "random_index": s.random_index, "aggregation": s.aggregation,
            "expert_weighting": s.expert_weighting, "scale_min": s.scale_min, "scale_max": s.scale_max,
            "cr_threshold": s.cr_threshold, "min_mean": s.min_mean, "max_cv": s.max_cv,
        },
        bands=[(b.grade, b.lower, b.label_zh, b.label_en) for b in s.bands.bands],
        bands_name=bands_name or s.bands.name,
        system_rows=[{str(k): _clean(v) for k, v in row.items()} for row in system.to_frame().to_dict("records")],
        experts=[{"code": e.code, "name": e.name, "ca": e.ca, "cs": e.cs} for e in inputs.experts],
        judgments=judg,
        delphi=delphi,
        delphi_sent=sent,
        delphi_returned=ret,
        survey_ids=ids,
        survey=survey,
        title=inputs.title,
        meta=_meta_of(getattr(inputs, "meta", None)),
        data_rows=_data_rows(inputs),
        expert_scores={c: {str(e): _clean(v) for e, v in per.items()}
                       for c, per in (getattr(inputs, "expert_scores", None) or {}).items()},
        caps=[{"indicator": c.indicator, "low": c.low, "high": c.high, "max_score100": c.max_score100,
               "label": c.label or None} for c in getattr(s, "caps", ())],
    )


def _data_rows(inputs: EvaluationInputs) -> dict[str, dict[str, Any]]:
    """The 指标数据 rows of core inputs: each data indicator's value and scoring standard (method and
    direction as their codes, the steps table as lists), each direct indicator's score."""
    out: dict[str, dict[str, Any]] = {}
    for code, e in (getattr(inputs, "data", None) or {}).items():
        r = e.rule
        if len(r.bounds) > STEP_COLUMNS:
            from ..errors import ScoringRuleError

            raise ScoringRuleError(f"data {code}: {len(r.bounds)} steps; the workbook's 指标数据 sheet holds at most "
                                   f"{STEP_COLUMNS}", argument=f"data {code}")
        out[code] = {"value": _clean(e.value), "unit": e.unit or None, "method": r.method,
                     "direction": None if r.method == "linear" else r.direction,
                     "p1": r.p1, "p2": r.p2, "source": e.source or None, "evidence": e.evidence or None,
                     "bounds": list(r.bounds), "fractions": list(r.fractions)}
    for code, d in (getattr(inputs, "direct_scores", None) or {}).items():
        out[code] = {"value": _clean(d.value), "evidence": d.evidence or None}
    return out


def _meta_of(meta: Any) -> dict[str, Any]:
    """unit / year / evaluator of a core Meta (or a mapping), blanks left out."""
    out = {}
    for key in ("unit", "year", "evaluator"):
        v = meta.get(key) if isinstance(meta, dict) else getattr(meta, key, None)
        if v not in (None, ""):
            out[key] = v
    return out


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _number_or_text(v: str) -> Any:
    """'3' -> 3, '1/3' -> 1/3 as a number (the cell is fraction-formatted), else the text."""
    s = v.strip()
    try:
        if "/" in s:
            a, b = s.split("/", 1)
            return float(a) / float(b)
        f = float(s)
        return int(f) if f.is_integer() else f
    except (ValueError, ZeroDivisionError):
        return v



# ---------------------------------------------------------------------------------------
# What a file holds: bpm-xl's example, the bureau's own data, or nothing yet
def _norm(v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return None if math.isnan(f) else round(f, 9)
    s = str(v).strip()
    n = _number_or_text(s)
    return round(float(n), 9) if isinstance(n, (int, float)) else s.lower()


def _stage(v: Any) -> Any:
    from ..model import PDCA_LABELS

    s = _norm(v)
    for code, names in PDCA_LABELS.items():
        if s in (code, names[0], str(names[1]).lower()):
            return code
    return s


def _kind(v: Any) -> Any:
    """An indicator type as its code (a label such as 数据 too); blank: survey."""
    from ..datascore import TYPE_LABELS

    s = _norm(v)
    if s is None:
        return "survey"
    for code, names in TYPE_LABELS.items():
        if s in (code, names[0], str(names[1]).lower()):
            return code
    return s


def _scored_values(data: WorkbookData) -> tuple[Any, ...]:
    """The 指标数据 values and the panel's scores typed so far, normalised."""
    rows = frozenset((c, _norm(r.get("value"))) for c, r in data.data_rows.items() if _norm(r.get("value")) is not None)
    scores = frozenset((c, e, _norm(v)) for c, per in data.expert_scores.items() for e, v in per.items()
                       if _norm(v) is not None)
    return rows, scores


def _judg_delphi(data: WorkbookData) -> tuple[Any, ...]:
    """Judgments (off the diagonal) and Delphi ratings, normalised."""
    judg = frozenset((node, e, a, b, _norm(v)) for node, per in data.judgments.items() for e, cells in per.items()
                     for (a, b), v in cells.items() if a != b and _norm(v) is not None)
    delphi = tuple(frozenset((e, c, _norm(v)) for e, vals in rd.items() for c, v in vals.items() if _norm(v) is not None)
                   for rd in data.delphi)
    return judg, tuple(d for d in delphi if d)


def _survey_rows(survey: SurveyTable) -> Iterator[tuple[Any, ...]]:
    """The survey's answered rows, normalised, one by one (a caller can stop early)."""
    for i in survey.answered_rows().tolist():
        row = survey[i]
        yield tuple(sorted((c, _norm(v)) for c, v in row.items() if _norm(v) is not None))


def _values(data: WorkbookData) -> tuple[Any, ...]:
    """Judgments (off the diagonal), Delphi ratings and survey answers, normalised."""
    return (*_judg_delphi(data), tuple(_survey_rows(data.survey)))


def _head(data: WorkbookData) -> tuple[Any, ...]:
    """Settings, bands, indicators and panel, normalised (the fingerprint without the values)."""
    settings = tuple(sorted((k, _norm(data.settings.get(k))) for k in (
        "method", "random_index", "aggregation", "expert_weighting", "scale_min", "scale_max", "cr_threshold",
        "min_mean", "max_cv")))
    bands = tuple((_norm(g), _norm(lo)) for g, lo, *_ in data.bands)
    system = tuple((_norm(r.get("dimension")), _norm(r.get("code")), _stage(r.get("pdca")), _norm(r.get("parent")),
                    _kind(r.get("kind")), _norm(r.get("points"))) for r in data.system_rows)
    experts = tuple((_norm(e.get("code")), _norm(e.get("ca")), _norm(e.get("cs"))) for e in data.experts)
    return settings, bands, system, experts


def _fingerprint(data: WorkbookData) -> tuple[Any, ...]:
    return (*_head(data), *_values(data))


@lru_cache(maxsize=1)
def _example_fingerprint() -> tuple[Any, ...]:
    from ..example import load_example

    return _fingerprint(data_from_inputs(load_example()))


def has_answers(data: WorkbookData) -> bool:
    """True when any judgment, Delphi rating, survey answer, indicator value or expert score has
    been entered."""
    if any(bool(x) for x in (*_judg_delphi(data), *_scored_values(data))):
        return True
    return bool(len(data.survey.answered_rows()))


def unanswered(data: WorkbookData, codes: Any) -> list[str]:
    """The indicators (of ``codes``, in order) that nothing has answered yet: no survey respondent,
    no value typed on 指标数据 (data and direct indicators), no expert score: their scores are
    pending (the evaluation's status is then "pending_survey")."""
    answered = data.survey.answered_codes()
    rows, scores = _scored_values(data)
    answered |= {c for c, _ in rows} | {c for c, _, _ in scores}
    return [c for c in codes if c not in answered]


def matches_example(data: WorkbookData) -> bool:
    """True when the inputs are bpm-xl's example (settings, indicators, panel and every value).

    The same comparison as of the two fingerprints, in steps that stop at the first
    difference: a large survey is read only as far as it agrees with the example's.
    """
    example = _example_fingerprint()
    if (*_head(data), *_judg_delphi(data)) != example[:-1] or any(_scored_values(data)):
        return False   # the example scores every indicator by its survey
    want = example[-1]
    if len(data.survey.answered_rows()) != len(want):
        return False
    got = _survey_rows(data.survey)
    return all(next(got, None) == w for w in want) and next(got, None) is None


def data_kind(data: WorkbookData) -> str:
    """"blank" (nothing entered yet), "example" (the inputs are bpm-xl's example, whoever wrote
    the file: ``new``, a rebuild that changed nothing, ``export example``) or "own" (the
    bureau's data: any input differs from the example)."""
    if not has_answers(data):
        return "blank"
    return "example" if matches_example(data) else "own"
