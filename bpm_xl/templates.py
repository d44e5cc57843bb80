"""Indicator systems as bureaus write them: the study's shape and two official frames.

A template is an indicator system with everything a bureau needs to start an evaluation
from it: how its weights come about (AHP judgments or fixed points, 分值), the scoring
standard (评分标准) of each data indicator as a :class:`bpm_xl.datascore.DataRule`, the unit
of each measured value, optional score caps of the provincial kind, and the document it
follows, cited by number and title.

``bsc``
    The Qilihe District study's shape: four balanced-scorecard dimensions of five indicators
    (:func:`bpm_xl.model.default_system`, illustrative wording), every indicator from the
    1-5 survey, weights from the panel's AHP judgments.

``project``
    The three-level frame of 财预〔2020〕10号《项目支出绩效评价管理办法》, its annex
    项目支出绩效评价指标体系框架（参考）: 一级 决策 / 过程 / 产出 / 效益, the 二级 headings and the
    三级 indicators of that annex. The annex lists the indicators; it does not fix their points
    or scoring standards. The points and standards here are **common practice**, not text of the
    document: 决策 20, 过程 20, 产出 40, 效益 20 (of which 服务对象满意度 10), which keeps 产出 and
    效益 at 60 % of the total (a results-first split common in practice; the source text asks the
    user to check the weighting rules against the measures and local rules, which this product does
    not quote), and 满意度 at the 10 points evaluations usually give it. Weighted by points.

``department``
    部门整体支出绩效评价: the common frame of 财预〔2011〕285号《财政支出绩效评价管理暂行办法》, its
    annex 部门整体支出绩效评价共性指标体系框架: 一级 投入 / 过程 / 产出 / 效果 (二级 目标设定, 预算配置,
    预算执行, 预算管理, 资产管理, 职责履行, 履职效益). 285号 was replaced by 10号 for project
    evaluation and no later national document gives a department frame, so bureaus still start
    from this one. Its indicator names follow that annex; the selection, points (投入 15, 过程 35,
    产出 25, 效果 25) and standards are common practice chosen for this product.

Caps: :func:`execution_caps` is the provincial-style cap on a self-evaluation by its budget
execution rate (DESIGN.md §10: from 60 % to below 70 % at most 79 points, below 60 % at most 69).
No national document sets it; a template lists it in ``caps`` and :func:`template_inputs` puts it
in the settings only when asked (``caps=True``).

Examples
--------
>>> t = get("project")
>>> t.weighting, t.system.depth, t.system.points_of("OUT")
('points', 3, 40.0)
>>> t.rules["P12"].describe()
'分档：≥0.95 得满分的100%；≥0.9 得满分的80%；≥0.8 得满分的60%；≥0.7 得满分的40%；≥0.6 得满分的20%；以下得0'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import pandas as pd

from .datascore import DataRule, data_rule
from .errors import ModelError
from .evaluation import EvaluationInputs, Expert, Settings
from .leaves import Cap, DataEntry, DirectScore
from .model import Dimension, Group, Indicator, IndicatorSystem, default_system
from .texts import pick

__all__ = ["NAMES", "Template", "execution_caps", "get", "template_inputs"]

#: The template names, the default first.
NAMES = ("bsc", "project", "department")


@dataclass(frozen=True)
class Template:
    """An indicator system ready to evaluate, with its weighting, scoring standards and source.

    ``rules``: the 评分标准 of every data indicator (code -> DataRule); ``units``: the unit of
    each measured value, a (zh, en) pair ("" for a rate or a yes/no); ``caps``: optional score caps (applied only when asked); ``source_zh``
    / ``source_en``: the document followed and what of it is common practice;
    ``weighting``: ``"points"`` (分值) or ``"ahp"`` (the panel's judgments).
    """

    name: str
    system: IndicatorSystem
    rules: Mapping[str, DataRule]
    units: Mapping[str, tuple[str, str]]
    caps: tuple[Cap, ...]
    source_zh: str
    source_en: str
    weighting: str
    title_zh: str = ""
    title_en: str = ""
    notes: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def source(self, lang: str = "zh") -> str:
        return pick((self.source_zh, self.source_en), lang)

    def title(self, lang: str = "zh") -> str:
        return pick((self.title_zh, self.title_en), lang)

    def unit(self, code: str, lang: str = "zh") -> str:
        return pick(self.units.get(code, ("", "")), lang)


# -- the 10号 project frame -------------------------------------------------------------
# (code, zh, en) of each dimension; (code, zh, en, parent) of each group;
# (code, zh, en, parent, pdca, kind, points, rule or None, unit) of each indicator.
_PROJECT_DIMS = (("DEC", "决策", "Decision"), ("PRO", "过程", "Process"),
                 ("OUT", "产出", "Output"), ("BEN", "效益", "Benefit"))
_PROJECT_GROUPS = (
    ("D1", "项目立项", "Project approval", "DEC"),
    ("D2", "绩效目标", "Performance targets", "DEC"),
    ("D3", "资金投入", "Funding", "DEC"),
    ("P1", "资金管理", "Fund management", "PRO"),
    ("P2", "组织实施", "Implementation", "PRO"),
    ("O1", "产出数量", "Output quantity", "OUT"),
    ("O2", "产出质量", "Output quality", "OUT"),
    ("O3", "产出时效", "Output timeliness", "OUT"),
    ("O4", "产出成本", "Output cost", "OUT"),
    ("B1", "项目效益", "Project benefits", "BEN"),
    ("B2", "满意度", "Satisfaction", "BEN"),
)
_PROJECT_INDICATORS: tuple[tuple[Any, ...], ...] = (
    ("D11", "立项依据充分性", "Sound grounds for approval", "D1", "plan", "direct", 3, None, ""),
    ("D12", "立项程序规范性", "Proper approval procedure", "D1", "plan", "direct", 2, None, ""),
    ("D21", "绩效目标合理性", "Reasonable performance targets", "D2", "plan", "expert", 4, None, ""),
    ("D22", "绩效指标明确性", "Clear performance indicators", "D2", "plan", "direct", 4, None, ""),
    ("D31", "预算编制科学性", "Sound budget preparation", "D3", "plan", "direct", 4, None, ""),
    ("D32", "资金分配合理性", "Reasonable allocation of funds", "D3", "plan", "direct", 3, None, ""),
    # 资金到位率 = funds received / funds planned; full marks at 100 %.
    ("P11", "资金到位率", "Funds received on time", "P1", "do", "data", 4, ("ratio", 1), ""),
    # 预算执行率 = spent / budget, banded: the standard most county evaluations write.
    ("P12", "预算执行率", "Budget execution rate", "P1", "do", "data", 5,
     ("steps", (0.95, 0.9, 0.8, 0.7, 0.6), (1, 0.8, 0.6, 0.4, 0.2)), ""),
    ("P13", "资金使用合规性", "Compliant use of funds", "P1", "check", "data", 3, ("yesno",), ""),
    ("P21", "管理制度健全性", "Sound management rules", "P2", "plan", "data", 4, ("yesno",), ""),
    ("P22", "制度执行有效性", "Rules applied in practice", "P2", "do", "direct", 4, None, ""),
    ("O11", "实际完成率", "Completion rate", "O1", "do", "data", 12, ("ratio", 1), ""),
    # 质量达标率: full at 100 %, each percentage point below loses 5 % of the mark.
    ("O21", "质量达标率", "Quality pass rate", "O2", "check", "data", 10, ("deduct", 1, 5), ""),
    # 完成及时性 measured as days of delay: full on time, each day late loses 5 % of the mark.
    ("O31", "完成及时性", "Timely completion (days late)", "O3", "do", "data", 10,
     ("deduct", 0, 0.05, "lower"), ("天", "days")),
    # 成本节约率 = (budgeted cost - actual cost) / budgeted cost: full at 0 or more, 0 at 10 % over.
    ("O41", "成本节约率", "Cost saving rate", "O4", "check", "data", 8, ("linear", -0.1, 0), ""),
    ("B11", "社会效益", "Social benefits", "B1", "check", "expert", 6, None, ""),
    ("B12", "可持续影响", "Sustainable impact", "B1", "act", "expert", 4, None, ""),
    ("B21", "服务对象满意度", "Beneficiaries' satisfaction", "B2", "check", "survey", 10, None, ""),
)

# -- the 285号 department frame ---------------------------------------------------------
_DEPT_DIMS = (("INP", "投入", "Input"), ("PRC", "过程", "Process"),
              ("OTP", "产出", "Output"), ("EFF", "效果", "Effect"))
_DEPT_GROUPS = (
    ("T1", "目标设定", "Target setting", "INP"),
    ("T2", "预算配置", "Budget allocation", "INP"),
    ("R1", "预算执行", "Budget execution", "PRC"),
    ("R2", "预算管理", "Budget management", "PRC"),
    ("R3", "资产管理", "Asset management", "PRC"),
    ("U1", "职责履行", "Duties performed", "OTP"),
    ("F1", "履职效益", "Effect of the duties", "EFF"),
)
_DEPT_INDICATORS: tuple[tuple[Any, ...], ...] = (
    ("T11", "绩效目标合理性", "Reasonable performance targets", "T1", "plan", "expert", 5, None, ""),
    ("T12", "绩效指标明确性", "Clear performance indicators", "T1", "plan", "direct", 4, None, ""),
    # 在职人员控制率 = staff in post / authorised posts: full at or below 100 %.
    ("T21", "在职人员控制率", "Staff within authorised posts", "T2", "plan", "data", 3,
     ("ratio", 1, None, "lower"), ""),
    # "三公经费"变动率 = change on last year: full for no rise, 0 at a 10 % rise.
    ("T22", "“三公经费”变动率", "Change in official-expense funds", "T2", "plan", "data", 3,
     ("linear", 0.1, 0), ""),
    ("R11", "预算完成率", "Budget completion rate", "R1", "do", "data", 6,
     ("steps", (0.95, 0.9, 0.8, 0.7, 0.6), (1, 0.8, 0.6, 0.4, 0.2)), ""),
    # 结转结余率 = carried-over balance / budget: lower is better, full at 5 % or below.
    ("R12", "结转结余率", "Carry-over rate", "R1", "do", "data", 5, ("ratio", 0.05, None, "lower"), ""),
    ("R13", "政府采购执行率", "Government procurement executed", "R1", "do", "data", 4, ("ratio", 1), ""),
    ("R21", "管理制度健全性", "Sound management rules", "R2", "plan", "data", 4, ("yesno",), ""),
    ("R22", "资金使用合规性", "Compliant use of funds", "R2", "check", "data", 5, ("yesno",), ""),
    ("R23", "预决算信息公开性", "Budget and final accounts disclosed", "R2", "act", "data", 4, ("yesno",), ""),
    ("R31", "资产管理安全性", "Safe custody of assets", "R3", "check", "direct", 3, None, ""),
    ("R32", "固定资产利用率", "Use of fixed assets", "R3", "check", "data", 4, ("ratio", 1), ""),
    ("U11", "实际完成率", "Completion rate", "U1", "do", "data", 8, ("ratio", 1), ""),
    ("U12", "完成及时率", "Completed on time", "U1", "do", "data", 6, ("ratio", 1), ""),
    ("U13", "质量达标率", "Quality pass rate", "U1", "check", "data", 6, ("deduct", 1, 5), ""),
    ("U14", "重点工作办结率", "Key tasks completed", "U1", "do", "data", 5, ("ratio", 1), ""),
    ("F11", "社会效益", "Social benefits", "F1", "check", "expert", 8, None, ""),
    ("F12", "可持续影响", "Sustainable impact", "F1", "act", "expert", 7, None, ""),
    ("F13", "社会公众或服务对象满意度", "Public or beneficiaries' satisfaction", "F1", "check", "survey", 10,
     None, ""),
)

def execution_caps(code: str) -> tuple[Cap, ...]:
    """The provincial-style caps by the budget execution rate ``code`` (DESIGN.md §10): from 60 %
    to below 70 % at most 79 points; below 60 % at most 69."""
    return (Cap(code, 0.6, 0.7, 79.0, "预算执行率 60%–70%：最高 79 分"),
            Cap(code, None, 0.6, 69.0, "预算执行率低于 60%：最高 69 分"))


def _rule(code: str, spec: tuple[Any, ...] | None) -> DataRule:
    if spec is None:
        raise ModelError(f"template: data indicator {code} has no scoring standard")
    method, *params = spec
    return data_rule(method, *params)


def _points_system(dims: Sequence[tuple[str, str, str]], groups: Sequence[tuple[str, str, str, str]],
                   rows: Sequence[tuple[Any, ...]]) -> IndicatorSystem:
    parent_dim = {g[0]: g[3] for g in groups}
    pts: dict[str, float] = {}
    for code, *_, parent, _pdca, _kind, points, _rule_, _unit in rows:
        pts[parent] = pts.get(parent, 0.0) + float(points)
    return IndicatorSystem(
        tuple(Dimension(*d) for d in dims),
        tuple(Indicator(code, zh, en, parent_dim[parent], pdca, parent, kind, float(points))
              for code, zh, en, parent, pdca, kind, points, _r, _u in rows),
        groups=tuple(Group(code, zh, en, dim, pts[code]) for code, zh, en, dim in groups),
    )


def _from_rows(name: str, dims: Any, groups: Any, rows: Any, caps: tuple[Cap, ...],
               source: tuple[str, str], title: tuple[str, str]) -> Template:
    system = _points_system(dims, groups, rows)
    rules = {r[0]: _rule(r[0], r[7]) for r in rows if r[5] == "data"}
    units = {r[0]: tuple(r[8]) if r[8] else ("", "") for r in rows if r[5] == "data"}
    return Template(name, system, MappingProxyType(rules), MappingProxyType(units), caps, source[0], source[1],
                    system.weighting, title[0], title[1])


def _bsc() -> Template:
    system = default_system()
    return Template(
        "bsc", system, MappingProxyType({}), MappingProxyType({}), (),
        "七里河区（兰州）预算绩效管理评价研究的平衡计分卡体系形状：4 个维度 × 5 项指标，问卷 1–5 分，权重由专家"
        "层次分析法（AHP）判断矩阵得出；指标措辞为本产品示意，并非该研究的原文。",
        "The shape of the Qilihe District (Lanzhou) study's balanced-scorecard system: 4 dimensions x 5 "
        "indicators, a 1-5 survey, weights from the panel's AHP judgments; the indicator wording is this "
        "product's illustration, not the study's own list.",
        "ahp", "平衡计分卡评价体系", "Balanced-scorecard system")


def _project() -> Template:
    return _from_rows(
        "project", _PROJECT_DIMS, _PROJECT_GROUPS, _PROJECT_INDICATORS,
        execution_caps("P12"),
        ("财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）附件“项目支出绩效评价指标体系框架（参考）”：一级、"
         "二级和三级指标名称取自该框架。各指标分值与评分标准为常见做法，并非该文件原文：决策 20、过程 20、产出 40、"
         "效益 20（其中服务对象满意度 10），产出和效益合计 60%（突出结果的常见分配；使用前请对照该办法原文和本地"
         "规定核实权重要求）。预算执行率封顶规则（60%–70% 最高 79 分，低于 60% 最高 69 分）为部分省级平台的做法，可选。",
         "Ministry of Finance, Measures for the performance evaluation of project spending (财预〔2020〕10号), "
         "annex 'Indicator framework for project spending evaluation (reference)': the first-, second- and "
         "third-level indicator names come from that framework. Points and scoring standards are common "
         "practice, not the document's text: decision 20, process 20, output 40, benefit 20 (beneficiaries' "
         "satisfaction 10), so output and benefit weigh 60 % (a results-first split common in practice; check "
         "the weighting rules against the measures' text and local rules before use). The cap by budget execution rate (60-70 %: at most 79; below 60 %: at most 69) is some "
         "provincial platforms' practice, optional."),
        ("项目支出绩效评价（财预〔2020〕10号框架）", "Project spending evaluation (财预〔2020〕10号 frame)"))


def _department() -> Template:
    return _from_rows(
        "department", _DEPT_DIMS, _DEPT_GROUPS, _DEPT_INDICATORS,
        execution_caps("R11"),
        ("财政部《财政支出绩效评价管理暂行办法》（财预〔2011〕285号）附件“部门整体支出绩效评价共性指标体系框架”："
         "一级 投入/过程/产出/效果 及二级指标名称取自该框架，三级指标选自该框架。285号在项目支出评价上已由"
         "财预〔2020〕10号取代，部门整体评价目前仍常以此框架为起点。分值（投入 15、过程 35、产出 25、效果 25）"
         "与评分标准为本产品按常见做法选定，并非文件原文。",
         "Ministry of Finance, Interim measures for the performance evaluation of fiscal spending "
         "(财预〔2011〕285号), annex 'Common indicator framework for department spending evaluation': the "
         "first-level input / process / output / effect and the second-level names come from that framework, "
         "the third-level indicators are chosen from it. For projects 285号 was replaced by 财预〔2020〕10号; "
         "department evaluations still commonly start from this frame. Points (input 15, process 35, output "
         "25, effect 25) and scoring standards are common practice chosen for this product, not the "
         "document's text."),
        ("部门整体支出绩效评价", "Department spending evaluation"))


_BUILDERS = {"bsc": _bsc, "project": _project, "department": _department}


def get(name: str) -> Template:
    """The template ``name`` (one of :data:`NAMES`), built and validated afresh."""
    key = str(name).strip().lower()
    if key not in _BUILDERS:
        raise ModelError(f"template: there is no template {name!r}; use one of {', '.join(NAMES)}",
                         argument="template")
    return _BUILDERS[key]()


def template_inputs(name: str, experts: Sequence[Expert], *, values: Mapping[str, Any] | None = None,
                    expert_scores: Mapping[str, Mapping[str, Any]] | None = None,
                    direct_scores: Mapping[str, Any] | None = None, survey: pd.DataFrame | None = None,
                    judgments: Mapping[str, Mapping[str, Any]] | None = None, caps: bool = False,
                    settings: Settings | None = None, title: str = "", lang: str = "zh") -> EvaluationInputs:
    """EvaluationInputs of template ``name``: every input blank (pending) unless given.

    ``values``: measured values of data indicators (code -> cell value); ``direct_scores``:
    code -> score or :class:`bpm_xl.leaves.DirectScore`; ``survey``: answer columns of the
    survey indicators (none: no answers yet); ``caps``: put the template's caps in the
    settings; ``lang``: the language of the title and the units. The panel (``experts``) is the caller's: a template names no experts. A template
    weighted by AHP needs the panel's ``judgments`` before :func:`bpm_xl.evaluate` runs.
    """
    t = get(name)
    values = dict(values or {})
    unknown = [c for c in values if c not in t.rules]
    if unknown:
        raise ModelError(f"template {t.name}: {', '.join(unknown)} is not a data indicator of the template",
                         argument="values")
    data = {code: DataEntry(values.get(code), rule, t.unit(code, lang)) for code, rule in t.rules.items()}
    direct = {c: v if isinstance(v, DirectScore) else DirectScore(v) for c, v in (direct_scores or {}).items()}
    if survey is None:
        survey = pd.DataFrame(columns=[i.code for i in t.system.ordered_indicators() if i.kind == "survey"],
                              dtype=object)
    s = settings or Settings()
    if caps:
        s = replace(s, caps=(*s.caps, *t.caps))
    return EvaluationInputs(system=t.system, settings=s, experts=tuple(experts), judgments=dict(judgments or {}),
                            delphi_rounds=(), survey=survey, title=title or t.title(lang), data=data,
                            expert_scores=dict(expert_scores or {}), direct_scores=direct)
