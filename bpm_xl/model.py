"""The indicator system: a tree of dimensions, inner groups and scored indicators.

An indicator system is a tree of any shape and depth under the goal: first-level dimensions
(一级), then, where the system has them, inner groups (二级, 三级 …), and at the leaves the
indicators that are scored. The study's system is two levels deep (dimensions, then
indicators); the 财预〔2020〕10号 frame is three (决策/过程/产出/效益, 二级, 三级). Every node with
children is a comparison node: its children are weighed against each other, by the panel's
pairwise judgments (AHP) or, when the system gives every indicator a 分值 (points), by the
points themselves (:attr:`IndicatorSystem.weighting`).

Every indicator carries the plan-do-check-act (PDCA) stage it belongs to, which organises the
diagnosis, and its type, which says how it is scored (:data:`bpm_xl.datascore.TYPES`:
``survey`` from the 1-5 answers, ``data`` from a measured value and its 评分标准, ``expert``
from the panel's scores, ``direct`` from an assessed score).

In a table (:meth:`IndicatorSystem.to_frame`, the 指标体系 sheet) each row is an indicator
or a group: its dimension, code, names, PDCA stage, and optionally its parent code (上级代码;
blank: the dimension itself), type and points. A row is a group when another row names it
as its parent; the dimension of a deeper row may be left blank, as its parent says it.

The default system is shaped like the balanced-scorecard system of the Qilihe District
study (4 dimensions x 5 indicators). Its indicator wording is **illustrative**, written for
this product from common budget-performance practice; it is not the study's own list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from . import conversion
from .datascore import TYPES, indicator_type
from .errors import BpmError, ModelError
from .texts import pick

__all__ = [
    "GOAL",
    "PDCA_STAGES",
    "PDCA_LABELS",
    "PDCA_ALIASES",
    "Dimension",
    "Group",
    "Indicator",
    "IndicatorSystem",
    "default_system",
]

#: Node code of the top-level comparison (the dimensions compared for the goal).
GOAL = "GOAL"

PDCA_STAGES: tuple[str, ...] = ("plan", "do", "check", "act")
PDCA_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("计划", "Plan"),
    "do": ("执行", "Do"),
    "check": ("检查", "Check"),
    "act": ("处理", "Act"),
}
#: The Chinese stage names typed in a sheet: 计划 -> plan, 执行 -> do, 检查 -> check, 处理 -> act.
PDCA_ALIASES: dict[str, str] = {zh: key for key, (zh, _) in PDCA_LABELS.items()}


@dataclass(frozen=True, slots=True)
class Dimension:
    """A first-level dimension (a balanced-scorecard perspective)."""

    code: str
    name_zh: str
    name_en: str

    def name(self, lang: str = "zh") -> str:
        return pick((self.name_zh, self.name_en), lang)


@dataclass(frozen=True, slots=True)
class Group:
    """An inner node below a dimension (a 二级 or deeper heading); its children are compared under it.

    ``parent`` is a dimension's or another group's code; ``points`` (分值), when given, must be
    the sum of its children's points.
    """

    code: str
    name_zh: str
    name_en: str
    parent: str
    points: float | None = None

    def name(self, lang: str = "zh") -> str:
        return pick((self.name_zh, self.name_en), lang)


@dataclass(frozen=True, slots=True)
class Indicator:
    """A scored indicator (a leaf of the tree).

    ``dimension`` is its first-level ancestor; ``parent`` the node it is compared under (blank:
    the dimension itself); ``kind`` how it is scored (:data:`bpm_xl.datascore.TYPES`);
    ``points`` its 分值 when the system is weighted by points.
    """

    code: str
    name_zh: str
    name_en: str
    dimension: str
    pdca: str
    parent: str = ""
    kind: str = "survey"
    points: float | None = None

    def name(self, lang: str = "zh") -> str:
        return pick((self.name_zh, self.name_en), lang)

    @property
    def parent_code(self) -> str:
        return self.parent or self.dimension


@dataclass(frozen=True)
class IndicatorSystem:
    """Dimensions, inner groups and indicators, in the order the user lists them.

    :meth:`ordered_indicators` lists the indicators depth first (dimension order, then each
    node's children in the order given: its groups, then its indicators), which is the order
    every result uses; for a two-level system that is the indicators grouped by dimension.
    """

    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    goal_zh: str = "预算绩效管理水平"
    goal_en: str = "Budget performance management"
    groups: tuple[Group, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "indicators", tuple(self.indicators))
        object.__setattr__(self, "groups", tuple(self.groups))
        _validate(self)

    # -- look-ups ---------------------------------------------------------------------
    @property
    def dimension_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.dimensions)

    @property
    def group_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.groups)

    @property
    def codes(self) -> tuple[str, ...]:
        """Indicator codes depth first (the order of every result)."""
        return tuple(i.code for i in self.ordered_indicators())

    @property
    def depth(self) -> int:
        """Levels below the goal: 2 for dimensions and indicators, 3 with one level of groups ..."""
        return 1 + max(len(self.path(i.code)) for i in self.indicators)

    @property
    def weighting(self) -> str:
        """``"points"`` when every indicator has a 分值 (weights are the points' shares), else ``"ahp"``."""
        return "points" if self.indicators and self.indicators[0].points is not None else "ahp"

    @cached_property
    def _parents(self) -> dict[str, str]:
        return {**{d.code: GOAL for d in self.dimensions}, **{g.code: g.parent for g in self.groups},
                **{i.code: i.parent_code for i in self.indicators}}

    @cached_property
    def _ordered(self) -> tuple[Indicator, ...]:
        by_code = {i.code: i for i in self.indicators}
        out: list[Indicator] = []

        def walk(node: str) -> None:
            for ch in self.children(node):
                if ch in by_code:
                    out.append(by_code[ch])
                else:
                    walk(ch)

        for d in self.dimensions:
            walk(d.code)
        return tuple(out)

    def ordered_indicators(self) -> tuple[Indicator, ...]:
        return self._ordered

    def indicators_of(self, node: str) -> tuple[Indicator, ...]:
        """The indicators below ``node`` (a dimension or a group), at any depth, in result order."""
        return tuple(i for i in self.ordered_indicators() if node in self.path(i.code))

    def dimension(self, code: str) -> Dimension:
        for d in self.dimensions:
            if d.code == code:
                return d
        raise ModelError(f"indicator system: there is no dimension with code {code!r}")

    def group(self, code: str) -> Group:
        for g in self.groups:
            if g.code == code:
                return g
        raise ModelError(f"indicator system: there is no group with code {code!r}")

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise ModelError(f"indicator system: there is no indicator with code {code!r}")

    def goal(self, lang: str = "zh") -> str:
        return pick((self.goal_zh, self.goal_en), lang)

    def nodes(self) -> tuple[str, ...]:
        """Codes of the comparison nodes level by level: the goal, each dimension, then the groups."""
        level = {g.code: len(self.path(g.code)) for g in self.groups}
        return (GOAL, *self.dimension_codes, *sorted(self.group_codes, key=lambda c: level[c]))

    def parent_of(self, code: str) -> str:
        """The node ``code`` is compared under (the goal for a dimension)."""
        try:
            return self._parents[code]
        except KeyError:
            raise ModelError(f"indicator system: there is no code {code!r}") from None

    def path(self, code: str) -> tuple[str, ...]:
        """The ancestors of ``code`` below the goal, from its dimension down to its parent."""
        out: list[str] = []
        node = self.parent_of(code)
        while node != GOAL:
            out.append(node)
            node = self.parent_of(node)
        return tuple(reversed(out))

    def level(self, code: str) -> int:
        """1 for a dimension, 2 for what hangs under it, and so on."""
        return 0 if code == GOAL else len(self.path(code)) + 1

    def children(self, node: str) -> tuple[str, ...]:
        """Codes of the elements compared at ``node``: its groups, then its indicators."""
        if node == GOAL:
            return self.dimension_codes
        return (*(g.code for g in self.groups if g.parent == node),
                *(i.code for i in self.indicators if i.parent_code == node))

    def points_of(self, code: str) -> float:
        """A node's or indicator's points: its own 分值, or the sum over what is below it."""
        if code in {i.code for i in self.indicators}:
            return float(self.indicator(code).points or 0.0)
        return float(sum(self.points_of(c) for c in self.children(code)))

    def label(self, code: str, lang: str = "zh") -> str:
        if code == GOAL:
            return self.goal(lang)
        for d in self.dimensions:
            if d.code == code:
                return d.name(lang)
        for g in self.groups:
            if g.code == code:
                return g.name(lang)
        return self.indicator(code).name(lang)

    # -- tables -----------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per group and indicator, depth first: dimension code and names, code, names,
        PDCA stage, parent code (blank under the dimension), type and points."""
        rows = []
        inds = {i.code: i for i in self.indicators}
        grps = {g.code: g for g in self.groups}

        def row(dim: Dimension, code: str) -> dict[str, Any]:
            item = inds.get(code) or grps[code]
            parent = item.parent if code in inds else grps[code].parent
            return {
                "dimension": dim.code, "dimension_zh": dim.name_zh, "dimension_en": dim.name_en,
                "code": code, "name_zh": item.name_zh, "name_en": item.name_en,
                "pdca": inds[code].pdca if code in inds else "",
                "parent": "" if parent == dim.code else parent,
                "kind": inds[code].kind if code in inds else "",
                "points": item.points,
            }

        def walk(dim: Dimension, node: str) -> None:
            for ch in self.children(node):
                rows.append(row(dim, ch))
                if ch in grps:
                    walk(dim, ch)

        for d in self.dimensions:
            walk(d, d.code)
        return pd.DataFrame(rows)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str = "indicator system") -> "IndicatorSystem":
        """Build a system from the table :meth:`to_frame` writes (one row per group or indicator).

        Rows whose code is blank are skipped, so a sheet may have empty rows. The columns
        ``parent``, ``kind`` and ``points`` are optional.
        """
        for col in ("dimension", "code"):
            if col not in frame.columns:
                raise ModelError(f"{name}: the column {col!r} is missing")
        return _from_rows(cls, [(k + 1, row) for k, row in enumerate(frame.to_dict("records"))], name)


_text = conversion.text
#: The 1-based column of each key in the table of :meth:`IndicatorSystem.to_frame` (the 指标体系
#: sheet's columns): an error about a row names its column there.
_COLUMN = {k: j + 1 for j, k in enumerate(("dimension", "dimension_zh", "dimension_en", "code", "name_zh", "name_en",
                                           "pdca", "parent", "kind", "points"))}


def _points(v: Any, name: str, row: int, code: str) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
        return None
    x = conversion.number(v)
    if isinstance(x, conversion.Invalid) or not math.isfinite(x) or x <= 0:
        raise ModelError(f"{name}: row {row} ({code}): the points (分值) {conversion.visible(v)!r} must be a "
                         "number above 0", argument=name, row=row, column=_COLUMN["points"])
    return float(x)


def _from_rows(cls: type[IndicatorSystem], numbered: list[tuple[int, dict[Any, Any]]], name: str) -> IndicatorSystem:
    rows = [(k, row, _text(row.get("code"))) for k, row in numbered]
    rows = [(k, row, code) for k, row, code in rows if code]
    parents = {_text(row.get("parent")) for _, row, _ in rows} - {""}
    dims = _row_dimensions(rows)
    parent_at = {code: (k, _text(row.get("parent")) or _text(row.get("dimension"))) for k, row, code in rows}
    groups: list[Group] = []
    inds: list[Indicator] = []
    at: list[int] = []
    for k, row, code in rows:
        node = _row_node(k, row, code, _dimension_of(code, parent_at, dims, name), parents, name)
        if isinstance(node, Group):
            groups.append(node)
        else:
            inds.append(node)
            at.append(k)
    try:
        return cls(tuple(dims.values()), tuple(inds), groups=tuple(groups))
    except ModelError as exc:  # name the table's row, not the indicator's position
        at_row = at[exc.row - 1] if exc.row and exc.row <= len(at) else exc.row
        raise ModelError(exc.message, **{**exc.fields(), "argument": name, "row": at_row}) from None


def _row_dimensions(rows: list[tuple[int, dict[Any, Any], str]]) -> dict[str, Dimension]:
    """The dimensions the rows name, in order of first mention, labelled by the first row naming each."""
    dims: dict[str, Dimension] = {}
    for _, row, _ in rows:
        dcode = _text(row.get("dimension"))
        if dcode and dcode not in dims:
            dims[dcode] = Dimension(dcode, _text(row.get("dimension_zh")) or dcode,
                                    _text(row.get("dimension_en")) or _text(row.get("dimension_zh")) or dcode)
    return dims


def _dimension_of(code: str, parent_at: dict[str, tuple[int, str]], dims: dict[str, Dimension], name: str) -> str:
    """The dimension a row's chain of parent codes leads up to; a circle, unknown parent or none refused."""
    seen = [code]
    node = parent_at[code][1]
    while node and node not in dims:
        if node in seen:
            k = parent_at[code][0]
            raise ModelError(f"{name}: row {k} ({code}): the parent codes go round in a circle "
                             f"({' > '.join([*seen, node])}); each code's parent must lead up to a dimension",
                             argument=name, row=k, column=_COLUMN["parent"])
        if node not in parent_at:
            k = parent_at[seen[-1]][0]
            raise ModelError(f"{name}: row {k} ({seen[-1]}): the parent code {node!r} is neither a dimension "
                             "nor a code of another row", argument=name, row=k, column=_COLUMN["parent"])
        seen.append(node)
        node = parent_at[node][1]
    if not node:
        k = parent_at[seen[-1]][0]
        raise ModelError(f"{name}: row {k} (indicator {seen[-1]}) has no dimension code", argument=name, row=k,
                         column=_COLUMN["dimension"])
    return node


def _row_node(k: int, row: dict[Any, Any], code: str, dcode: str, parents: set[str], name: str) -> Group | Indicator:
    """Table row ``k`` as a group (when another row names it as parent) or an indicator under ``dcode``."""
    typed = _text(row.get("dimension"))
    if typed and typed != dcode:
        raise ModelError(f"{name}: row {k} ({code}) names dimension {typed!r} but its parent "
                         f"{_text(row.get('parent'))!r} belongs to dimension {dcode!r}", argument=name, row=k,
                         column=_COLUMN["dimension"])
    parent = _text(row.get("parent"))
    parent = "" if parent == dcode else parent
    zh = _text(row.get("name_zh")) or code
    en = _text(row.get("name_en")) or _text(row.get("name_zh")) or code
    points = _points(row.get("points"), name, k, code)
    if code in parents:
        return Group(code, zh, en, parent or dcode, points)
    pdca = (_text(row.get("pdca")) or "").lower()
    try:
        kind = indicator_type(row.get("kind"), f"{name}: row {k} ({code}): the type")
    except BpmError as exc:
        raise ModelError(exc.message, argument=name, row=k, column=_COLUMN["kind"]) from None
    return Indicator(code, zh, en, dcode, PDCA_ALIASES.get(pdca, pdca), parent, kind, points)


def _validate(system: IndicatorSystem) -> None:
    if not system.dimensions:
        raise ModelError("indicator system: there must be at least one dimension")
    seen = _inner_codes(system)
    inner = set(system.dimension_codes) | set(system.group_codes)
    for g in system.groups:
        if g.parent not in inner:
            raise ModelError(f"indicator system: group {g.code} names parent {g.parent!r}, which is not a "
                             "dimension or group")
    _acyclic(system)
    for k, ind in enumerate(system.indicators):
        _check_indicator(system, k, ind, seen, inner)
    for node in (*system.dimension_codes, *system.group_codes):
        if not system.children(node):
            raise ModelError(f"indicator system: {node} has no indicators under it")
    _check_points(system)


def _inner_codes(system: IndicatorSystem) -> set[str]:
    """The dimensions' and groups' codes, each present, once only and not reserved."""
    seen: set[str] = set()
    for d in system.dimensions:
        if not d.code:
            raise ModelError("indicator system: a dimension has an empty code")
        if d.code in seen or d.code == GOAL:
            raise ModelError(f"indicator system: the code {d.code!r} is used twice or is reserved")
        seen.add(d.code)
    for g in system.groups:
        if not g.code or g.code in seen or g.code == GOAL:
            raise ModelError(f"indicator system: the group code {g.code!r} is empty, used twice or reserved")
        seen.add(g.code)
    return seen


def _acyclic(system: IndicatorSystem) -> None:
    parent = {g.code: g.parent for g in system.groups}
    for g in system.groups:
        trail = [g.code]
        node = g.parent
        while node in parent:
            if node in trail:
                raise ModelError(f"indicator system: the parent codes go round in a circle "
                                 f"({' > '.join([*trail, node])})")
            trail.append(node)
            node = parent[node]


def _check_indicator(system: IndicatorSystem, k: int, ind: Indicator, seen: set[str], inner: set[str]) -> None:
    if not ind.code:
        raise ModelError(f"indicator system: indicator {k + 1} has an empty code", row=k + 1)
    if ind.code in seen or ind.code == GOAL:
        raise ModelError(f"indicator system: the code {ind.code!r} is used twice or is reserved", row=k + 1)
    seen.add(ind.code)
    dims = system.dimension_codes
    if ind.dimension not in dims:
        raise ModelError(
            f"indicator system: indicator {ind.code} names dimension {ind.dimension!r}, "
            f"which is not one of {', '.join(sorted(dims))}", row=k + 1
        )
    if ind.parent and (ind.parent not in inner or system.path(ind.code)[0] != ind.dimension):
        raise ModelError(f"indicator system: indicator {ind.code} names parent {ind.parent!r}, which is not a "
                         f"dimension or group under dimension {ind.dimension}", row=k + 1)
    if ind.pdca not in PDCA_STAGES:
        raise ModelError(
            f"indicator system: indicator {ind.code} has PDCA stage {ind.pdca!r}; "
            f"use one of {', '.join(PDCA_STAGES)} (or {', '.join(PDCA_ALIASES)})", row=k + 1
        )
    if ind.kind not in TYPES:
        raise ModelError(f"indicator system: indicator {ind.code} has type {ind.kind!r}; use one of "
                         f"{', '.join(TYPES)}", row=k + 1)


def _check_points(system: IndicatorSystem) -> None:
    """Points (分值) weigh the tree only when every indicator has them; a group's points, when
    typed, are the sum of its children's."""
    with_points = [i.code for i in system.indicators if i.points is not None]
    if with_points and len(with_points) != len(system.indicators):
        without = [i.code for i in system.indicators if i.points is None]
        first = next(k for k, i in enumerate(system.indicators) if i.points is None)
        raise ModelError(f"indicator system: points (分值) are given for {', '.join(with_points[:3])} but not for "
                         f"{', '.join(without[:3])}; give every indicator its points, or none (AHP weights)",
                         row=first + 1, column=_COLUMN["points"])
    for g in system.groups:
        if g.points is not None:
            if not with_points:
                raise ModelError(f"indicator system: group {g.code} has points (分值) but its indicators have none")
            below = system.points_of(g.code)
            if abs(below - g.points) > 1e-9 * max(1.0, g.points):
                raise ModelError(f"indicator system: group {g.code} has {g.points:g} points (分值) but the "
                                 f"indicators under it add up to {below:g}")


_DEFAULT: tuple[tuple[str, str, str, tuple[tuple[str, str, str, str], ...]], ...] = (
    (
        "F", "财务维度", "Fiscal",
        (
            ("F1", "预算编制科学性", "Soundness of budget preparation", "plan"),
            ("F2", "预算执行进度", "Budget execution rate", "do"),
            ("F3", "资金使用效益", "Cost-effectiveness of funds", "check"),
            ("F4", "财政资金节约", "Savings of fiscal funds", "check"),
            ("F5", "评价结果与预算安排挂钩", "Results linked to budget allocation", "act"),
        ),
    ),
    (
        "C", "公众维度", "Stakeholders and public",
        (
            ("C1", "公众满意度", "Public satisfaction", "check"),
            ("C2", "绩效信息公开", "Disclosure of performance information", "act"),
            ("C3", "人大与审计意见采纳", "Response to congress and audit findings", "act"),
            ("C4", "预算部门参与度", "Participation of budget units", "do"),
            ("C5", "社会公众参与评价", "Public participation in evaluation", "check"),
        ),
    ),
    (
        "P", "内部流程维度", "Internal process",
        (
            ("P1", "绩效目标设定", "Performance target setting", "plan"),
            ("P2", "事前绩效评估", "Ex-ante performance assessment", "plan"),
            ("P3", "绩效运行监控", "Performance monitoring", "do"),
            ("P4", "绩效评价实施", "Performance evaluation", "check"),
            ("P5", "问题整改落实", "Rectification of findings", "act"),
        ),
    ),
    (
        "L", "学习与成长维度", "Learning and growth",
        (
            ("L1", "绩效管理制度建设", "Performance management rules", "plan"),
            ("L2", "业务人员培训", "Staff training", "do"),
            ("L3", "信息化系统建设", "Information systems", "do"),
            ("L4", "第三方机构参与", "Use of third-party evaluators", "do"),
            ("L5", "绩效文化与问责", "Performance culture and accountability", "act"),
        ),
    ),
)


def default_system() -> IndicatorSystem:
    """The built-in 4 x 5 balanced-scorecard system (illustrative wording, see module doc)."""
    dims = tuple(Dimension(c, zh, en) for c, zh, en, _ in _DEFAULT)
    inds = tuple(
        Indicator(code, zh, en, dcode, stage)
        for dcode, _, _, items in _DEFAULT
        for code, zh, en, stage in items
    )
    return IndicatorSystem(dims, inds)
