"""Where everything sits on an expert questionnaire (pure data, no file access).

The writer (:mod:`bpm_xl.writers.forms`) and the reader (:mod:`bpm_xl.readers.forms`) both
take their cell positions from :func:`form_layout`, so a form is read back exactly where it
was written. Rows and columns are 0-based.

Row layout (the default, the two-sided 9-1-9 scale experts in China know)::

    序号 | 指标 A | 9 8 7 6 5 4 3 2 1 2 3 4 5 6 7 8 9 | 指标 B | 判断值
                     <- A 更重要      同等     B 更重要 ->

A mark in one of the 17 cells chooses the judgment a_AB: 9 ... 2 on the left, 1 in the
middle, 1/2 ... 1/9 on the right. The matrix layout shows an n x n matrix whose upper
triangle the expert fills with 9 ... 1/9.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..texts import pick, text
from .identity import seal

__all__ = [
    "EVALUATION_KEYS",
    "SEAL_KEY",
    "FORM_KIND",
    "FORM_VERSION",
    "IDENTITY_KEYS",
    "ROW_SCALE_VALUES",
    "SCALE_LABELS",
    "SCALE_VALUES",
    "SHEETS",
    "FormLayout",
    "FormSpec",
    "NodeBlock",
    "PairCell",
    "fingerprint",
    "form_layout",
    "node_title",
]

FORM_KIND = "bpm-xl expert form"
#: 2: the identity sheet also names the evaluation (ID, created, unit, year) and ends with its seal
FORM_VERSION = 2

#: the 17 judgments of the 1-9 scale, from 9 down to 1/9 (the order of the row layout)
SCALE_VALUES: tuple[float, ...] = tuple([float(k) for k in range(9, 1, -1)] + [1.0] + [1 / k for k in range(2, 10)])
ROW_SCALE_VALUES = SCALE_VALUES
#: the labels over the 17 cells of the row layout
ROW_HEADER: tuple[str, ...] = tuple([str(k) for k in range(9, 1, -1)] + ["1"] + [str(k) for k in range(2, 10)])
#: the judgments as text (matrix layout choices), same order
SCALE_LABELS: tuple[str, ...] = tuple([str(k) for k in range(9, 1, -1)] + ["1"] + [f"1/{k}" for k in range(2, 10)])

SHEETS = {
    "cover": {"zh": "封面", "en": "Cover"},
    "pairs": {"zh": "两两比较", "en": "Pairwise"},
    "ratings": {"zh": "指标评分", "en": "Ratings"},
    #: only on forms of a system with indicators of type expert (their scores of those indicators)
    "scores": {"zh": "专家评分", "en": "Expert scores"},
    "calc": {"zh": "计算", "en": "Calc"},
    "identity": {"zh": "_bpm_form", "en": "_bpm_form"},
}

#: rows of the identity sheet: key in column A, value in column B
IDENTITY_KEYS = ("kind", "version", "expert", "expert_name", "round", "fingerprint", "title", "layout", "lang",
                 "method", "random_index", "scale_min", "scale_max")
#: rows after IDENTITY_KEYS on forms of version 2 and later: the evaluation, then the seal
#: (HMAC-SHA256 of every row above it, keyed by the hub's secret: bpm_xl.layout.identity.seal)
EVALUATION_KEYS = ("evaluation", "created", "unit", "year")
SEAL_KEY = "seal"


SCALE_COL = 2            # row layout: column C holds the first of the 17 scale cells
RATING_COL = 3           # ratings sheet: column D holds the rating (the scores sheet: the score)
FIRST_SCORE_ROW = 5      # scores sheet: rows 0-3 title and notes, row 4 the header


@dataclass(frozen=True)
class PairCell:
    """One pair (a, b) of a node: the expert judges a_ab."""

    node: str
    a: str
    b: str
    i: int                 # index of a among the node's children
    j: int                 # index of b (i < j)
    row: int               # the pair's row (row layout) or the matrix cell's row
    col: int               # first of the 17 scale cells (row layout) or the matrix cell's column


@dataclass(frozen=True)
class NodeBlock:
    node: str
    children: tuple[str, ...]
    title_row: int
    header_row: int
    pairs: tuple[PairCell, ...]
    result_row: int        # CR, verdict and the pair to look at first
    calc_row: int          # first row of this node's block on the calc sheet


@dataclass(frozen=True)
class FormLayout:
    layout: str                      # "row" | "matrix"
    blocks: tuple[NodeBlock, ...]
    value_col: int                   # row layout: the live judgment value of each pair
    rating_rows: dict[str, int]      # indicator code -> row on the ratings sheet
    rating_col: int
    ca_cell: tuple[int, int]
    cs_cell: tuple[int, int]
    first_rating_row: int
    #: indicator code -> row on the scores sheet (indicators of type expert; none: no scores sheet)
    score_rows: dict[str, int] = field(default_factory=dict)
    score_col: int = RATING_COL

    def pair(self, node: str, a: str, b: str) -> PairCell:
        for blk in self.blocks:
            if blk.node == node:
                for p in blk.pairs:
                    if (p.a, p.b) == (a, b):
                        return p
        raise KeyError((node, a, b))


CALC_HEIGHT_EXTRA = 6


def form_layout(nodes: Sequence[tuple[str, Sequence[str]]], codes: Sequence[str], layout: str = "row",
                expert_codes: Sequence[str] = ()) -> FormLayout:
    """Cell positions of a form for the given nodes (code, children) and indicator codes;
    ``expert_codes``: the indicators of type expert, each scored on the scores sheet."""
    if layout not in ("row", "matrix"):
        raise ValueError(f"layout must be 'row' or 'matrix', not {layout!r}")
    blocks = []
    r = 4                      # rows 0-3: title, expert, instructions, blank
    c_row = 20                 # calc sheet: rows 0-19 hold the scale and notes
    for node, children in nodes:
        children = tuple(children)
        n = len(children)
        if n < 2:
            continue
        # row layout: title, the direction labels (<- A more important | equal | B more important ->), header
        title_row, header_row = r, (r + 2 if layout == "row" else r + 1)
        pairs = []
        if layout == "row":
            k = 0
            for i in range(n):
                for j in range(i + 1, n):
                    pairs.append(PairCell(node, children[i], children[j], i, j, header_row + 1 + k, SCALE_COL))
                    k += 1
            result_row = header_row + 1 + k
        else:
            for i in range(n):
                for j in range(i + 1, n):
                    pairs.append(PairCell(node, children[i], children[j], i, j, header_row + 1 + i, 2 + j))
            result_row = header_row + 1 + n
        blocks.append(NodeBlock(node, children, title_row, header_row, tuple(pairs), result_row, c_row))
        r = result_row + 3
        P = len(pairs)
        # calc block: title, matrix n, B0 n + squarings (side by side), weights, e per pair
        c_row += 2 + n + 2 + max(P, 4) + CALC_HEIGHT_EXTRA
    first = 5
    rating_rows = {c: first + k for k, c in enumerate(codes)}
    auth_row = first + len(codes) + 2
    score_rows = {c: FIRST_SCORE_ROW + k for k, c in enumerate(expert_codes)}
    return FormLayout(layout, tuple(blocks), SCALE_COL + 18, rating_rows, RATING_COL,
                      (auth_row + 1, RATING_COL), (auth_row + 2, RATING_COL), first, score_rows)


def fingerprint(system_rows: Sequence[dict[str, Any]]) -> str:
    """A short digest of the indicator system: dimension, code and names of every row, in order,
    and the parent and type of every row once any row has a parent below its dimension or a
    type other than survey (so a form sent before an indicator became expert-scored, or moved
    in the tree, is refused; a two-level survey system keeps the digest it always had)."""
    keys = ("dimension", "dimension_zh", "dimension_en", "code", "name_zh", "name_en")
    rows = [[str(r.get(k) or "") for k in keys] for r in system_rows]
    tree = [[_parent(r), _kind(r.get("kind"))] for r in system_rows]
    if any(p or k != "survey" for p, k in tree):
        rows = [row + t for row, t in zip(rows, tree)]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _parent(row: dict[str, Any]) -> str:
    """A row's parent code; blank when it hangs under its dimension (typed or not)."""
    p = str(row.get("parent") or "").strip()
    return "" if p == str(row.get("dimension") or "").strip() else p


def _kind(v: Any) -> str:
    """A row's type as its code (the core's reading); a type the core refuses, as typed."""
    from ..datascore import indicator_type
    from ..errors import BpmError

    try:
        return indicator_type(v)
    except BpmError:
        return str(v)


def node_title(node: str, system: Any, lang: str) -> str:
    if node == "GOAL":
        return getattr(system, pick(("goal_zh", "goal_en"), lang), "") or text("overall_goal", lang)
    return f"{node} {system.label(node, lang)}"


@dataclass(frozen=True)
class FormSpec:
    """Everything one expert's form shows (built from the hub by :func:`bpm_xl.collect.form_specs`)."""

    expert: str
    expert_name: str
    round: int
    lang: str
    layout: str
    title: str
    fingerprint: str
    method: str
    random_index: str
    ri: dict[int, float]                                 # n -> random index of the hub's table
    cr_threshold: float
    scale_min: float
    scale_max: float
    nodes: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]   # (node, title, ((code, label), ...))
    indicators: tuple[tuple[str, str, str], ...]       # (code, dimension label, indicator label)
    judgments: dict[str, dict[tuple[str, str], float]]  # pre-filled a_ab (upper triangle, on the scale)
    off_scale: dict[str, dict[tuple[str, str], Any]]    # hub values that are not on the 1-9 scale (noted)
    ratings: dict[str, float]                           # pre-filled ratings of this round
    ca: float | None
    cs: float | None
    panel: dict[str, tuple[float | None, float | None]] | None = None   # round 2: round-1 mean, CV
    own_round1: dict[str, Any] | None = None                          # round 2: own round-1 rating
    #: judgments to reconsider when the form was sent (node -> (a, b) -> suggested a_ab), from the
    #: core's suggest_repair over the pre-filled matrices that fail the CR threshold
    suggestions: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    #: the evaluation the form belongs to (the hub's ID, created, unit, year) and the hub's
    #: secret that seals the identity sheet (never written)
    evaluation: str = ""
    created: str = ""
    unit: str = ""
    year: str = ""
    key: str = field(default="", repr=False)
    #: the indicators of type expert (code, dimension label, indicator label), which the expert
    #: scores on the scale on the scores sheet, and the scores the hub holds for this expert
    expert_indicators: tuple[tuple[str, str, str], ...] = ()
    scores: dict[str, Any] = field(default_factory=dict)

    def layout_(self) -> FormLayout:
        return form_layout([(n, [c for c, _ in ch]) for n, _, ch in self.nodes],
                           [c for c, _, _ in self.indicators], self.layout,
                           [c for c, _, _ in self.expert_indicators])

    def identity(self) -> list[tuple[str, Any]]:
        vals = {"kind": FORM_KIND, "version": FORM_VERSION, "expert": self.expert, "expert_name": self.expert_name,
                "round": self.round, "fingerprint": self.fingerprint, "title": self.title, "layout": self.layout,
                "lang": self.lang, "method": self.method, "random_index": self.random_index,
                "scale_min": self.scale_min, "scale_max": self.scale_max}
        vals.update(evaluation=self.evaluation, created=self.created, unit=self.unit, year=self.year)
        rows = [(k, vals[k]) for k in (*IDENTITY_KEYS, *EVALUATION_KEYS)]
        return [*rows, (SEAL_KEY, seal(self.key, rows))]
