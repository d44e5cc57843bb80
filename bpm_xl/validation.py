"""Validation as one pass: every problem of a hub's inputs, each with its kind, place and rule.

:func:`problems` walks what a workbook's input sheets hold (:class:`~bpm_xl.layout.types.WorkbookData`)
section by section, the order in which the evaluation reads them: indicator system, settings and
score caps, experts, the scoring standards of data indicators, judgment matrices node by node, the
caps' rules, survey, data values, direct and expert scores, Delphi rounds. Each section is checked by the
core's own rules (the functions that list what ``evaluate`` would refuse, not copies of them),
on the values entered so far: a blank is never filled in to check the rest. Every problem is
placed at its file, sheet and cell through the reader's :class:`~bpm_xl.readers.workbook.Places`.

Kinds of problem:

- :data:`INVALID`: an entered value breaks a rule (an answer 6, 五 or 4分, a judgment 0, an
  unknown method, a Ca of 5, a measured value typed as the text "95%", steps bounds in the wrong
  order, a cap on an indicator that is not data ...). ``error`` is the located
  :class:`~bpm_xl.errors.BpmError`.
- :data:`BLANK`: a required input is still blank: a setting, an expert's Ca or Cs, a judgment
  pair no expert has given in a matrix that cannot be completed without it, an expert's matrix
  whose judgments do not yet connect its elements (a form not returned yet), an indicator of a
  held Delphi round nobody has rated, a data indicator's method or parameter (a target) once
  anything of its standard is typed, a cap's highest score.
- :data:`GAP`: a judgment pair no expert has given, which the evaluation completes from the
  others (lambda-max-optimal completion); it stops nothing and is named with the blanks.
- :data:`UNANSWERED`: an indicator without any survey answer, a data or direct indicator whose
  value is still blank, an expert indicator nobody has scored; its score, the total and the grade
  wait for it.

The status follows from the list alone (:func:`status_of`): invalid when a problem is invalid,
else incomplete when one is blank, else pending survey when an indicator is unanswered, else
complete. A kind depends only on the value itself, never on what else is blank.

A matrix reports its first bad judgment (the one ``parse_matrix`` names); a survey or a Delphi
round its first bad value in each indicator column; the first :data:`INVALID` problem is always
the error ``evaluate`` raises first for the same input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from .errors import BpmError, MissingValueError, NotConnectedError
from .layout.types import WorkbookData
from .readers.workbook import (
    BLANK,
    INVALID,
    ArgumentPlace,
    InputTables,
    Places,
    ScoredInputs,
    caps_checked,
    experts_checked,
    input_tables,
    scored_inputs,
    settings_checked,
    system_of,
)

__all__ = ["BLANK", "GAP", "INVALID", "UNANSWERED", "STATUS_INCOMPLETE", "STATUS_INVALID", "Place", "Problem",
           "Walk", "problems", "status_of", "walk"]

#: A judgment pair no expert has given that the evaluation completes (stops nothing).
GAP = "gap"
#: An indicator nobody has answered in the survey (its score waits for the survey).
UNANSWERED = "unanswered"

#: Statuses besides the evaluation's own ("complete", "pending_survey").
STATUS_INCOMPLETE = "incomplete"
STATUS_INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a problem is: file, sheet and cell (A1); sheet and cell None when not on a sheet."""

    file: str | None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        parts = [p for p in (self.file, f"sheet {self.sheet}" if self.sheet else "",
                             f"cell {self.cell}" if self.cell else "") if p]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of the inputs.

    ``kind``: :data:`INVALID`, :data:`BLANK`, :data:`GAP` or :data:`UNANSWERED`; ``rule``: the
    rule it concerns ("required", "settings", "authority coefficient", "pairwise judgment",
    "connected judgments", "survey answer", "Delphi rating", "indicator system", "rating bands");
    ``message``: for a blank, a gap or an unanswered indicator the input it names ("expert E01
    Ca", "judgment F vs C", "F1"), else the sentence of the error. ``error``: the located error
    a job raises for it (None for a gap or an unanswered indicator).
    """

    kind: str
    place: Place
    rule: str
    message: str
    error: BpmError | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Walk:
    """What :func:`walk` found: the problems, and the indicator system and input tables it
    read (None when the indicator system itself is invalid), for the evaluation to reuse."""

    problems: tuple[Problem, ...]
    system: Any = None
    tables: InputTables | None = None


def _placed(kind: str, rule: str, exc: BpmError, message: str | None = None) -> Problem:
    return Problem(kind, Place(exc.file, exc.sheet, exc.cell), rule, exc.message if message is None else message, exc)


def status_of(found: tuple[Problem, ...] | list[Problem]) -> str:
    """"invalid", "incomplete", "pending_survey" or "complete", from the problems alone."""
    from .evaluation import COMPLETE, PENDING_SURVEY

    kinds = {p.kind for p in found}
    if INVALID in kinds:
        return STATUS_INVALID
    if BLANK in kinds:
        return STATUS_INCOMPLETE
    return PENDING_SURVEY if UNANSWERED in kinds else COMPLETE


def problems(data: WorkbookData, source: str = "workbook") -> tuple[Problem, ...]:
    """Every problem of the inputs in ``data`` (read from ``source``), in the order the
    evaluation reads them; empty when the inputs are complete."""
    return walk(data, source).problems


def walk(data: WorkbookData, source: str = "workbook") -> Walk:
    """:func:`problems`, with the indicator system and the input tables read on the way."""
    try:
        system = system_of(data, source)
    except BpmError as exc:
        return Walk((_placed(INVALID, "indicator system", exc),))
    values, found = settings_checked(data, source)
    out = [_placed(kind, "required" if kind == BLANK else "settings", exc,
                   f"setting {exc.argument}" if kind == BLANK else None) for kind, exc in found]
    caps, found, cap_places = caps_checked(data, source)
    out += [_placed(kind, "required" if kind == BLANK else "score cap", exc) for kind, exc in found]
    experts, found = experts_checked(data, source)
    out += [_placed(kind, "required" if kind == BLANK else "authority coefficient", exc,
                    _blank_name(exc) if kind == BLANK else None) for kind, exc in found]
    scored = scored_inputs(data, system, source)
    out += [_placed(kind, "required" if kind == BLANK else "scoring standard", exc) for kind, exc in scored.problems]
    tables = input_tables(data, system, source)
    out += _authority(experts, tables)
    out += _judgments(data, system, values, tables)
    out += _caps(system, caps, scored.data, source, cap_places)
    scale = _scale(values, out)
    if scale is not None:
        out += _survey(system, scale, tables)
        out += _scored(system, scale, scored, data, source)
        out += _delphi(scale[1], tables)
    return Walk(tuple(out), system, tables)


def _at(exc: BpmError, source: str, places: dict[str, ArgumentPlace]) -> BpmError:
    """``exc`` placed through the places of the core arguments."""
    return Places(source, places).locate(exc)


def _caps(system: Any, caps: list[Any], entries: dict[str, Any], source: str, places: dict[str, ArgumentPlace]
          ) -> list[Problem]:
    """The first cap the core refuses (a cap on an indicator that is not data or is scored yes/no,
    a highest score outside 0..100, bounds in the wrong order)."""
    from .leaves import check_caps

    try:
        check_caps(system, caps, entries)
    except BpmError as exc:
        return [_placed(INVALID, "score cap", _at(exc, source, places))]
    return []


def _scored(system: Any, scale: tuple[float, float], scored: ScoredInputs, data: WorkbookData, source: str
            ) -> list[Problem]:
    """Data values, direct scores and the panel's scores by the core's rules: a value that is not
    what its standard scores ("95%" text, a yes/no answer that is neither) or a score outside the
    scale is :data:`INVALID`; an indicator without its value or any score is :data:`UNANSWERED`
    (its score waits, like an indicator nobody answered in the survey)."""
    from types import SimpleNamespace

    import pandas as pd

    survey = pd.DataFrame(columns=[i.code for i in system.ordered_indicators() if i.kind == "survey"])
    s = SimpleNamespace(scale_min=scale[0], scale_max=scale[1], expert_weighting="equal")
    panel = {str(e.get("code")): 1.0 for e in data.experts}
    core = partial(_core_refusal, system, s, survey, panel)
    blocked = {exc.argument for _, exc in scored.problems}
    out: list[Problem] = []
    for ind in system.ordered_indicators():
        if ind.kind == "data":
            out += _data_problems(ind.code, scored, blocked, data, source)
        elif ind.kind == "direct":
            out += _direct_problems(ind.code, scored, core, data, source)
        elif ind.kind == "expert":
            out += _expert_problems(ind.code, scored, core, data, source)
    return out


def _core_refusal(system: Any, s: Any, survey: Any, panel: dict[str, float], **kw: Any) -> BpmError | None:
    """What the core refuses in the scores ``kw`` alone (None: it takes them)."""
    from . import leaves

    args = {"data": {}, "expert_scores": {}, "direct": {}, **kw}
    try:
        leaves.leaf_scores(system, s, survey, args["data"], args["expert_scores"], args["direct"], panel)
    except BpmError as exc:
        return exc
    return None


def _data_problems(c: str, scored: ScoredInputs, blocked: set[Any], data: WorkbookData, source: str) -> list[Problem]:
    """Data indicator ``c``: its value blank (unless the reader refused it already) or not what its standard scores."""
    from . import datascore, leaves

    places = scored.by_argument
    entry = scored.data.get(c)
    if entry is None or _blank_value(entry.value):
        if leaves.data_argument(c) not in blocked:
            return [_unanswered(c, places.get(leaves.data_argument(c)), source, data, "data")]
        return []
    try:
        datascore.read_value(entry.value, entry.rule, leaves.data_argument(c))
    except BpmError as exc:
        return [_placed(INVALID, "data value", _at(exc, source, places))]
    return []


def _direct_problems(c: str, scored: ScoredInputs, core: Callable[..., BpmError | None], data: WorkbookData,
                     source: str) -> list[Problem]:
    """Direct indicator ``c``: its score blank or refused by the core."""
    from . import leaves

    places = scored.by_argument
    if c not in scored.direct:
        return [_unanswered(c, places.get(leaves.direct_argument(c)), source, data, "data")]
    if (exc := core(direct={c: scored.direct[c]})) is not None:
        return [_placed(INVALID, "direct score", _at(exc, source, places))]
    return []


def _expert_problems(c: str, scored: ScoredInputs, core: Callable[..., BpmError | None], data: WorkbookData,
                     source: str) -> list[Problem]:
    """Expert-scored indicator ``c``: no score from the panel yet, or each score the core refuses."""
    out: list[Problem] = []
    per = scored.expert_scores.get(c) or {}
    if not per:
        out.append(_unanswered(c, None, source, data, "expert_scores"))
    for e, v in per.items():
        if (exc := core(expert_scores={c: {e: v}})) is not None:
            out.append(_placed(INVALID, "expert score", _at(exc, source, scored.by_argument)))
    return out


def _blank_value(v: Any) -> bool:
    from . import conversion

    c = conversion.number(v)
    return not isinstance(c, conversion.Invalid) and c != c


def _unanswered(code: str, hit: ArgumentPlace | None, source: str, data: WorkbookData, role: str) -> Problem:
    """An indicator whose value or scores are still blank, placed at its value cell where it has
    one, else on its sheet (``role``: where the reader found it)."""
    if hit is not None:
        return Problem(UNANSWERED, Place(source, hit.sheet, hit.cell_of(None, None)), "indicator score", code)
    where = data.where.data if role == "data" else data.where.expert_scores
    return Problem(UNANSWERED, Place(source, where.sheet if where else None), "indicator score", code)


def _blank_name(exc: BpmError) -> str:
    """"expert E01 Ca" of "expert E01 Ca is blank; it must be a number"."""
    return exc.message.split(" is blank")[0]


def _authority(experts: list[tuple[str, str, float, float]], tables: InputTables) -> list[Problem]:
    from .delphi import coefficient_errors

    out: list[Problem] = []
    if not experts:
        return out  # an empty panel is refused by evaluate() itself
    for k, name in ((2, "ca"), (3, "cs")):
        out += [_placed(INVALID, "authority coefficient", tables.places.locate(exc))
                for exc in coefficient_errors(np.array([e[k] for e in experts], dtype=float), name)]
    return out


def _gaps(data: WorkbookData, node: str, kids: list[str]) -> list[tuple[str, str]]:
    """The pairs of ``node`` no expert has given (on either side of the diagonal)."""
    per = data.judgments.get(node, {})

    def blank(v: Any) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    return [(a, b) for i, a in enumerate(kids) for b in kids[i + 1:]
            if all(blank(cells.get((a, b))) and blank(cells.get((b, a))) for cells in per.values())]


def _judgments(data: WorkbookData, system: Any, values: dict[str, Any], tables: InputTables) -> list[Problem]:
    from .evaluation import judgment_argument, unjudged_error

    out: list[Problem] = []
    if system.weighting == "points":   # the points weigh every node; no judgment is asked for
        return out
    for node in system.nodes():
        kids = list(system.children(node))
        gaps = _gaps(data, node, kids)
        matrices = tables.judgments.get(node, {})
        found, reason = _matrix_problems(node, matrices, gaps, tables)
        out += found
        if gaps and not matrices:
            reason = tables.places.locate(unjudged_error(node))
        first = next(iter(matrices), None)
        for a, b in gaps:
            where = _pair_place(tables, judgment_argument(node, first), kids.index(a), kids.index(b)) if first \
                else Place(tables.places.source)
            out.append(Problem(BLANK if reason is not None else GAP, where, "required" if reason else "completion",
                               f"judgment {a} vs {b}", reason))
    return out


def _matrix_problems(node: str, matrices: dict[str, Any], gaps: list[tuple[str, str]], tables: InputTables
                     ) -> tuple[list[Problem], BpmError | None]:
    """Each expert's matrix of ``node`` parsed and completed: the judgments refused, and why the
    node cannot be completed while pairs are missing (None: it can)."""
    from .ahp import complete_matrix, parse_matrix
    from .evaluation import judgment_argument

    out: list[Problem] = []
    reason: BpmError | None = None
    for ecode, grid in matrices.items():
        name = judgment_argument(node, ecode)
        try:
            parsed = parse_matrix(grid, name=name)
            if np.isnan(parsed).any():
                complete_matrix(parsed, name=name)
        except NotConnectedError as exc:  # judgments still missing: named by the pairs, or by the matrix
            if not gaps:
                out.append(_placed(BLANK, "connected judgments", tables.places.locate(exc), name))
            elif reason is None:
                reason = tables.places.locate(exc)
        except BpmError as exc:
            out.append(_placed(INVALID, "pairwise judgment", tables.places.locate(exc)))
    return out, reason

def _pair_place(tables: InputTables, argument: str, i: int, j: int) -> Place:
    hit = tables.places.by_argument.get(argument)
    if hit is None:
        return Place(tables.places.source)
    return Place(tables.places.source, hit.sheet, hit.cell_of(i + 1, j + 1))


def _scale(values: dict[str, Any], found: list[Problem]) -> tuple[float, float] | None:
    """The answer scale, when both ends are entered and pass their rules (else answers and
    ratings cannot be judged yet)."""
    lo, hi = values.get("scale_min"), values.get("scale_max")
    if lo is None or hi is None or any(p.error is not None and p.error.argument in ("scale_min", "scale_max")
                                       for p in found if p.rule == "settings"):
        return None
    return float(lo), float(hi)


def _survey(system: Any, scale: tuple[float, float], tables: InputTables) -> list[Problem]:
    from .evaluation import SURVEY_ARGUMENT
    from .scoring import answer_errors

    survey = tables.survey
    codes = list(survey.columns)
    if len(survey):
        arr, errors = answer_errors(survey, scale[0], scale[1], name=SURVEY_ARGUMENT)
        answered = ~np.isnan(arr).all(axis=0)
    else:
        errors, answered = [], np.zeros(len(codes), dtype=bool)
    out = [_placed(INVALID, "survey answer", tables.places.locate(exc)) for exc in errors]
    hit = tables.places.by_argument.get(SURVEY_ARGUMENT)
    where = Place(tables.places.source, hit.sheet if hit else None)
    out += [Problem(UNANSWERED, where, "survey answer", c) for c, done in zip(codes, answered) if not done]
    return out


def _delphi(full_score: float, tables: InputTables) -> list[Problem]:
    from .delphi import rating_errors
    from .evaluation import delphi_argument

    out = []
    for k, frame in enumerate(tables.delphi_rounds, start=1):
        name = delphi_argument(k)
        for exc in rating_errors(frame.to_numpy(dtype=object), full_score=full_score, name=name):
            if isinstance(exc, MissingValueError):  # an indicator of a held round nobody has rated yet
                out.append(_placed(BLANK, "required", tables.places.locate(exc),
                                   f"{name} ratings of {frame.columns[exc.column - 1]}"))
            else:
                out.append(_placed(INVALID, "Delphi rating", tables.places.locate(exc)))
    return out
