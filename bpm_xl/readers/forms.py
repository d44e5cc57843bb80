"""Read a returned expert questionnaire (written by :mod:`bpm_xl.writers.forms`).

The identity sheet says which expert, round and indicator system the form was made for;
the cell positions come from :func:`bpm_xl.form_layout.form_layout` over the hub's indicator
system, the same function the writer used. Every refusal names the file, sheet and cell.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import WorkbookError
from ..texts import text
from ..layout.identity import cell_text as _text
from ..layout.forms import (
    EVALUATION_KEYS,
    FORM_KIND,
    IDENTITY_KEYS,
    SEAL_KEY,
    ROW_SCALE_VALUES,
    SCALE_VALUES,
    SHEETS,
    FormLayout,
    form_layout,
)

__all__ = ["FormAnswers", "FormError", "identity_fields", "read_answers", "read_form_grids", "read_identity"]


class FormError(WorkbookError):
    """A returned form that cannot be collected (the message names file, sheet and cell)."""


def _cell_name(r: int, c: int) -> str:
    s, c1 = "", c + 1
    while c1:
        c1, rem = divmod(c1 - 1, 26)
        s = chr(65 + rem) + s
    return f"{s}{r + 1}"


def _fail(file: str, sheet: str, r: int, c: int, msg: str) -> FormError:
    return FormError(msg, file=file, sheet=sheet, cell=_cell_name(r, c))


@dataclass(frozen=True)
class FormAnswers:
    """What an expert returned (values as collected; None = left blank)."""

    file: str
    expert: str
    round: int
    fingerprint: str
    title: str
    layout: str
    lang: str
    judgments: dict[str, dict[tuple[str, str], float | None]]
    ratings: dict[str, float | None]
    ca: float | None
    cs: float | None
    #: (sheet, cell) of each answer, for messages
    cells: dict[Any, tuple[str, str]] = field(default_factory=dict, compare=False)
    identity_sheet: str = "_bpm_form"
    #: the evaluation the form was made for ("" on forms written before forms named it), and
    #: the seal of its identity sheet with the rows it covers (see bpm_xl.layout.identity.seal)
    evaluation: str = ""
    created: str = ""
    unit: str = ""
    year: str = ""
    seal: str = ""
    sealed_rows: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    #: the scores of the indicators of type expert (None = left blank); none on a form of a
    #: system without them
    scores: dict[str, float | None] = field(default_factory=dict)


def read_form_grids(path: str | Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values (cached values; formulas are not needed), through the guards every
    workbook that comes in passes (:func:`bpm_xl.readers.workbook.read_sheets`): a zip bomb or a
    far stray cell is refused before anything is loaded, and an error value reads as its text."""
    from .workbook import read_sheets

    path = Path(path)
    name = path.name
    if not path.exists():
        raise FormError("no such file", file=str(path))
    if path.is_dir():
        raise FormError("is a directory; give a returned form (.xlsx)", file=str(path))
    if not zipfile.is_zipfile(path):
        raise FormError("not an Excel workbook (.xlsx); return the form as it was sent", file=name)
    return read_sheets(path, error=FormError, uncomputed="mark")


def _get(grid: list[list[Any]], r: int, c: int) -> Any:
    if r >= len(grid) or c >= len(grid[r]):
        return None
    v = grid[r][c]
    if isinstance(v, str) and not v.strip():
        return None
    return v


def read_identity(file: str, grids: dict[str, list[list[Any]]]) -> dict[str, Any]:
    sheet = SHEETS["identity"]["zh"]
    if sheet not in grids:
        raise FormError(f"sheet {sheet} is missing: this is not a bpm-xl expert form "
                        f"(send the expert the file 'bpm-xl forms' wrote)", file=file)
    g = grids[sheet]
    ident = {}
    for k, key in enumerate(IDENTITY_KEYS):
        if _get(g, k, 0) != key:
            raise _fail(file, sheet, k, 0, f"expected {key!r}: the form's identity sheet was changed")
        ident[key] = _get(g, k, 1)
    if ident["kind"] != FORM_KIND:
        raise _fail(file, sheet, 0, 1, "this is not a bpm-xl expert form")
    _evaluation_rows(file, sheet, g, ident)
    try:
        ident["round"] = int(float(ident["round"]))
    except (TypeError, ValueError, OverflowError):
        raise _fail(file, sheet, IDENTITY_KEYS.index("round"), 1, f"round is {ident['round']!r}") from None
    ident["expert"] = _text(ident["expert"])
    ident["fingerprint"] = _text(ident["fingerprint"])
    ident["title"] = _text(ident["title"])
    ident["layout"] = _text(ident["layout"]) or "row"
    if ident["layout"] not in ("row", "matrix"):
        raise _fail(file, sheet, IDENTITY_KEYS.index("layout"), 1,
                    f"layout is {ident['layout']!r}, not row or matrix: the form's identity sheet was changed")
    ident["lang"] = _text(ident["lang"]) or "zh"
    ident["_sheet"] = sheet
    return ident


def _evaluation_rows(file: str, sheet: str, g: list[list[Any]], ident: dict[str, Any]) -> None:
    """The rows after IDENTITY_KEYS (forms of version 2 on): the evaluation and the seal, with
    the rows the seal covers (as read). Forms written before have none (evaluation "")."""
    rows = [(key, ident[key]) for key in IDENTITY_KEYS]
    for key in (*EVALUATION_KEYS, SEAL_KEY):
        ident[key] = ""
    k0 = len(IDENTITY_KEYS)
    if _get(g, k0, 0) is None:
        ident["_sealed"] = ()
        return
    for k, key in enumerate((*EVALUATION_KEYS, SEAL_KEY), start=k0):
        if _get(g, k, 0) != key:
            raise _fail(file, sheet, k, 0, f"expected {key!r}: the form's identity sheet was changed")
        v = _get(g, k, 1)
        if key != SEAL_KEY:
            rows.append((key, v))
        ident[key] = _text(v)
    ident["_sealed"] = tuple(rows)


_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*$")


def _judgment(v: Any) -> float | None:
    """A matrix-layout answer: a number or '1/3'; None when it is not a number at all."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    m = _FRACTION.match(str(v).replace("／", "/"))
    if not m:
        return None
    a = float(m.group(1))
    b = float(m.group(2)) if m.group(2) else 1.0
    return a / b if b else None


def _on_scale(x: float) -> float | None:
    for s in SCALE_VALUES:
        if abs(x - s) <= 1e-3 * s:
            return s
    return None


def _m(key: str, lang: str, **kw: Any) -> str:
    """A message about a form's answers (``form_msg.<key>`` in :mod:`bpm_xl.texts`), in the workbook's language."""
    return text(f"form_msg.{key}", lang, **kw)


def _row_pair(file: str, ps: str, pg: list[list[Any]], node: str, p: Any, cells: dict, lang: str = "en"
              ) -> float | None:
    """A pair on the 9-1-9 row layout: the one marked cell (none: blank)."""
    # the pair's two elements are named in columns B and T: check nothing moved
    la, lb = _text(_get(pg, p.row, 1)), _text(_get(pg, p.row, 19))
    if not (la == p.a or la.startswith(p.a + " ")) or not (lb == p.b or lb.startswith(p.b + " ")):
        raise _fail(file, ps, p.row, 1, _m("moved", lang, a=p.a, b=p.b))
    marks = [k for k in range(17) if _get(pg, p.row, p.col + k) is not None]
    for k in marks:
        _no_error(file, ps, pg, p.row, p.col + k, f"{p.a} / {p.b}")
    cells[(node, p.a, p.b)] = (ps, _cell_name(p.row, p.col))
    if len(marks) > 1:
        where = ", ".join(_cell_name(p.row, p.col + k) for k in marks)
        raise _fail(file, ps, p.row, p.col + marks[1], _m("choices", lang, a=p.a, b=p.b, n=len(marks), where=where))
    if not marks:
        return None
    cells[(node, p.a, p.b)] = (ps, _cell_name(p.row, p.col + marks[0]))
    return ROW_SCALE_VALUES[marks[0]]


def _no_error(file: str, sheet: str, grid: list[list[Any]], r: int, c: int, what: str) -> None:
    """Refuse an Excel error value (#N/A, #DIV/0! ...) in an answer cell: never a blank or a mark."""
    from ..conversion import is_error_value
    from .workbook import Uncomputed, uncomputed_rule

    v = _get(grid, r, c)
    if isinstance(v, Uncomputed):
        raise _fail(file, sheet, r, c, uncomputed_rule(v.formula, what, "form", "answer"))
    if v is not None and is_error_value(v):
        raise _fail(file, sheet, r, c, f"{what} holds the error value {str(v).strip()}; clear the cell and "
                                       "enter the answer again")


def _matrix_pair(file: str, ps: str, pg: list[list[Any]], node: str, p: Any, cells: dict, lang: str = "en"
                 ) -> float | None:
    """A pair on the matrix layout: the typed judgment, on the 1-9 scale."""
    v = _get(pg, p.row, p.col)
    cells[(node, p.a, p.b)] = (ps, _cell_name(p.row, p.col))
    _no_error(file, ps, pg, p.row, p.col, f"{p.a} / {p.b}")
    if v is None:
        return None
    x = _judgment(v)
    s = _on_scale(x) if x is not None and x > 0 else None
    if s is None:
        raise _fail(file, ps, p.row, p.col, _m("judgment", lang, a=p.a, b=p.b, v=v))
    return s


def _ratings(file: str, rs: str, rg: list[list[Any]], lay: FormLayout, scale_min: float, scale_max: float,
             cells: dict, lang: str = "en") -> dict[str, float | None]:
    ratings: dict[str, float | None] = {}
    whole = float(scale_min).is_integer() and float(scale_max).is_integer()
    for code, r in lay.rating_rows.items():
        got = _text(_get(rg, r, 0))
        if got != code:
            raise _fail(file, rs, r, 0, _m("indicator", lang, code=code, got=got or _m("nothing", lang)))
        v = _get(rg, r, lay.rating_col)
        cells[("rating", code)] = (rs, _cell_name(r, lay.rating_col))
        _no_error(file, rs, rg, r, lay.rating_col, f"the rating of {code}")
        if v is None:
            ratings[code] = None
            continue
        x = _judgment(v) if not isinstance(v, (int, float)) else float(v)
        if x is None or isinstance(v, bool) or not math.isfinite(x) or not (scale_min <= x <= scale_max) \
                or (whole and not float(x).is_integer()):
            raise _fail(file, rs, r, lay.rating_col, _m("rating", lang, code=code, v=v, lo=scale_min, hi=scale_max))
        ratings[code] = x
    return ratings


def _authority(file: str, rs: str, rg: list[list[Any]], lay: FormLayout, cells: dict, lang: str = "en"
               ) -> list[float | None]:
    auth: list[float | None] = []
    for (r, c), what in ((lay.ca_cell, "Ca"), (lay.cs_cell, "Cs")):
        v = _get(rg, r, c)
        cells[what] = (rs, _cell_name(r, c))
        _no_error(file, rs, rg, r, c, what)
        if v is None:
            auth.append(None)
            continue
        x = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else _judgment(v)
        if x is None or not (0 < x <= 1):
            raise _fail(file, rs, r, c, _m("authority", lang, what=what, v=v))
        auth.append(x)
    return auth


def _scores(file: str, ss: str, sg: list[list[Any]], lay: FormLayout, scale_min: float, scale_max: float,
            cells: dict, lang: str = "en") -> dict[str, float | None]:
    """The scores of the indicators of type expert: numbers on the scale (decimals allowed, as
    on the hub's 专家评分 sheet), blank as None; text or a number off the scale is refused."""
    from ..conversion import Invalid, number, show

    scores: dict[str, float | None] = {}
    col = lay.score_col
    for code, r in lay.score_rows.items():
        got = _text(_get(sg, r, 0))
        if got != code:
            raise _fail(file, ss, r, 0, _m("indicator", lang, code=code, got=got or _m("nothing", lang)))
        v = _get(sg, r, col)
        cells[("score", code)] = (ss, _cell_name(r, col))
        _no_error(file, ss, sg, r, col, f"the score of {code}")
        if v is None:
            scores[code] = None
            continue
        x = number(v)
        if isinstance(x, Invalid) or not math.isfinite(x) or not (scale_min <= x <= scale_max):
            raise _fail(file, ss, r, col, _m("score", lang, code=code, v=show(v), lo=scale_min, hi=scale_max))
        scores[code] = x
    return scores


def read_answers(file: str, grids: dict[str, list[list[Any]]], ident: dict[str, Any], nodes: list[tuple[str, list[str]]],
                 codes: list[str], scale_min: float, scale_max: float, hub_lang: str = "en",
                 expert_codes: list[str] | tuple[str, ...] = ()) -> FormAnswers:
    """The answers of a form whose identity matched the hub (``nodes``, ``codes`` and the
    indicators of type expert ``expert_codes`` are the hub's); refusals in ``hub_lang``, the
    workbook's language."""
    lang = ident["lang"] if ident["lang"] in ("zh", "en") else "zh"
    lay: FormLayout = form_layout(nodes, codes, ident["layout"], expert_codes)
    ps, rs, ss = SHEETS["pairs"][lang], SHEETS["ratings"][lang], SHEETS["scores"][lang]
    for s in (ps, rs, *((ss,) if lay.score_rows else ())):
        if s not in grids:
            raise FormError(_m("sheet", hub_lang, s=s), file=file)
    pg, rg = grids[ps], grids[rs]
    cells: dict[Any, tuple[str, str]] = {}
    pair = _row_pair if lay.layout == "row" else _matrix_pair
    judgments = {blk.node: {(p.a, p.b): pair(file, ps, pg, blk.node, p, cells, hub_lang) for p in blk.pairs}
                 for blk in lay.blocks}
    ratings = _ratings(file, rs, rg, lay, scale_min, scale_max, cells, hub_lang)
    auth = _authority(file, rs, rg, lay, cells, hub_lang)
    scores = _scores(file, ss, grids[ss], lay, scale_min, scale_max, cells, hub_lang) if lay.score_rows else {}
    return FormAnswers(file=file, expert=ident["expert"], round=ident["round"], fingerprint=ident["fingerprint"],
                       title=ident["title"], layout=lay.layout, lang=lang, judgments=judgments, ratings=ratings,
                       ca=auth[0], cs=auth[1], cells=cells, **identity_fields(ident), scores=scores)


def identity_fields(ident: dict[str, Any]) -> dict[str, Any]:
    """The :class:`FormAnswers` fields that come from the identity sheet alone."""
    return {"identity_sheet": ident["_sheet"], "evaluation": ident["evaluation"], "created": ident["created"],
            "unit": ident["unit"], "year": ident["year"], "seal": ident["seal"], "sealed_rows": ident["_sealed"]}


def _fraction_text(x: float) -> str:
    f = Fraction(x).limit_denominator(9)
    return str(f)
