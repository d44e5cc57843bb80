"""The indicator system: first-level dimensions and second-level indicators.

An indicator system is two levels deep (dimensions, then indicators) and of any shape: any
number of dimensions, any number of indicators under each. Every indicator carries the
plan-do-check-act (PDCA) stage it belongs to, which organises the diagnosis.

The default system is shaped like the balanced-scorecard system of the Qilihe District
study (4 dimensions x 5 indicators). Its indicator wording is **illustrative**, written for
this product from common budget-performance practice; it is not the study's own list.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import conversion
from .errors import ModelError
from .texts import pick

__all__ = [
    "GOAL",
    "PDCA_STAGES",
    "PDCA_LABELS",
    "PDCA_ALIASES",
    "Dimension",
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
class Indicator:
    """A second-level indicator, scored by the survey."""

    code: str
    name_zh: str
    name_en: str
    dimension: str
    pdca: str

    def name(self, lang: str = "zh") -> str:
        return pick((self.name_zh, self.name_en), lang)


@dataclass(frozen=True)
class IndicatorSystem:
    """Dimensions and their indicators, in the order the user lists them.

    Indicators are kept in the order given; :meth:`ordered_indicators` groups them by
    dimension (dimension order, then the given order inside each), which is the order
    every result uses.
    """

    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    goal_zh: str = "预算绩效管理水平"
    goal_en: str = "Budget performance management"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "indicators", tuple(self.indicators))
        _validate(self)

    # -- look-ups ---------------------------------------------------------------------
    @property
    def dimension_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.dimensions)

    @property
    def codes(self) -> tuple[str, ...]:
        """Indicator codes grouped by dimension (the order of every result)."""
        return tuple(i.code for i in self.ordered_indicators())

    def ordered_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for d in self.dimensions for i in self.indicators_of(d.code))

    def indicators_of(self, dimension: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.dimension == dimension)

    def dimension(self, code: str) -> Dimension:
        for d in self.dimensions:
            if d.code == code:
                return d
        raise ModelError(f"indicator system: there is no dimension with code {code!r}")

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise ModelError(f"indicator system: there is no indicator with code {code!r}")

    def goal(self, lang: str = "zh") -> str:
        return pick((self.goal_zh, self.goal_en), lang)

    def nodes(self) -> tuple[str, ...]:
        """Codes of the comparison nodes: the goal, then each dimension."""
        return (GOAL, *self.dimension_codes)

    def children(self, node: str) -> tuple[str, ...]:
        """Codes of the elements compared at ``node`` (dimensions for the goal)."""
        if node == GOAL:
            return self.dimension_codes
        return tuple(i.code for i in self.indicators_of(node))

    def label(self, code: str, lang: str = "zh") -> str:
        if code == GOAL:
            return self.goal(lang)
        for d in self.dimensions:
            if d.code == code:
                return d.name(lang)
        return self.indicator(code).name(lang)

    # -- tables -----------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: code, names, dimension code and names, PDCA stage."""
        rows = []
        for ind in self.ordered_indicators():
            dim = self.dimension(ind.dimension)
            rows.append(
                {
                    "dimension": dim.code,
                    "dimension_zh": dim.name_zh,
                    "dimension_en": dim.name_en,
                    "code": ind.code,
                    "name_zh": ind.name_zh,
                    "name_en": ind.name_en,
                    "pdca": ind.pdca,
                }
            )
        return pd.DataFrame(rows)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str = "indicator system") -> "IndicatorSystem":
        """Build a system from the table :meth:`to_frame` writes (one row per indicator).

        Rows whose indicator code is blank are skipped, so a sheet may have empty rows.
        """
        required = ("dimension", "code")
        for col in required:
            if col not in frame.columns:
                raise ModelError(f"{name}: the column {col!r} is missing")
        dims: dict[str, Dimension] = {}
        inds: list[Indicator] = []
        at: list[int] = []
        for k, row in enumerate(frame.to_dict("records")):
            code = _text(row.get("code"))
            if not code:
                continue
            dcode = _text(row.get("dimension"))
            if not dcode:
                raise ModelError(f"{name}: row {k + 1} (indicator {code}) has no dimension code",
                                 argument=name, row=k + 1)
            if dcode not in dims:
                dims[dcode] = Dimension(
                    dcode,
                    _text(row.get("dimension_zh")) or dcode,
                    _text(row.get("dimension_en")) or _text(row.get("dimension_zh")) or dcode,
                )
            pdca = (_text(row.get("pdca")) or "").lower()
            pdca = PDCA_ALIASES.get(pdca, pdca)
            inds.append(
                Indicator(
                    code,
                    _text(row.get("name_zh")) or code,
                    _text(row.get("name_en")) or _text(row.get("name_zh")) or code,
                    dcode,
                    pdca,
                )
            )
            at.append(k + 1)
        try:
            return cls(tuple(dims.values()), tuple(inds))
        except ModelError as exc:  # name the table's row, not the indicator's position
            row = at[exc.row - 1] if exc.row and exc.row <= len(at) else exc.row
            raise ModelError(exc.message, **{**exc.fields(), "argument": name, "row": row}) from None


_text = conversion.text


def _validate(system: IndicatorSystem) -> None:
    if not system.dimensions:
        raise ModelError("indicator system: there must be at least one dimension")
    seen: set[str] = set()
    for d in system.dimensions:
        if not d.code:
            raise ModelError("indicator system: a dimension has an empty code")
        if d.code in seen or d.code == GOAL:
            raise ModelError(f"indicator system: the code {d.code!r} is used twice or is reserved")
        seen.add(d.code)
    dims = set(system.dimension_codes)
    for k, ind in enumerate(system.indicators):
        if not ind.code:
            raise ModelError(f"indicator system: indicator {k + 1} has an empty code", row=k + 1)
        if ind.code in seen or ind.code == GOAL:
            raise ModelError(f"indicator system: the code {ind.code!r} is used twice or is reserved", row=k + 1)
        seen.add(ind.code)
        if ind.dimension not in dims:
            raise ModelError(
                f"indicator system: indicator {ind.code} names dimension {ind.dimension!r}, "
                f"which is not one of {', '.join(sorted(dims))}", row=k + 1
            )
        if ind.pdca not in PDCA_STAGES:
            raise ModelError(
                f"indicator system: indicator {ind.code} has PDCA stage {ind.pdca!r}; "
                f"use one of {', '.join(PDCA_STAGES)} (or {', '.join(PDCA_ALIASES)})", row=k + 1
            )
    for d in system.dimensions:
        if not system.indicators_of(d.code):
            raise ModelError(f"indicator system: dimension {d.code} has no indicators")


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
