"""问题清单 / 整改清单: the problems found, who fixes them, by when, how, and whether it is done.

Pure functions over an :class:`~bpm_xl.evaluation.Evaluation` and plain rows:

- :func:`prefill` proposes one item per top improvement priority (largest weighted gaps), with
  the indicator, its PDCA stage, a problem and a measure in plain words; responsible unit and
  deadline are left for the bureau (shown as "to be filled in" by the writers).
- :func:`merge` keeps every row the bureau typed exactly as typed, and adds a pre-filled item
  only for an indicator no typed row already covers. Typed rows are never overwritten.
- :func:`carry_forward` splits last year's list into items still open (carried into this year's
  list) and items closed, and says which carried items' indicators no longer exist.

A row is a mapping with the keys ``problem, stage, indicator, responsible, deadline, measure,
status, id`` (what the workbook's 整改清单 sheet holds); values are kept as text. ``id`` is the
item's own number on the sheet (事项编号), kept by rebuilds; with the indicator code it is the
key an item is followed by from one year to the next, whatever its wording.

Measures come from a library per indicator (the workbook's 整改措施库 sheet, pre-filled from
:data:`DEFAULT_MEASURES` for the default indicator system); an indicator the library has no
text for gets the measure of its plan-do-check-act stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .texts import CATALOGUE, LANGS, pick, text

__all__ = ["DEFAULT_MEASURES", "FIELDS", "CarryForward", "Item", "assign_ids", "carry_forward", "is_closed", "item_from_row", "key_of",
           "library_for",            "measure_for", "merge", "prefill", "with_carried"]

FIELDS = ("problem", "stage", "indicator", "responsible", "deadline", "measure", "status", "id")

# What counts as done; anything else (blank included) is open.
CLOSED = frozenset({"已完成", "完成", "已整改", "整改完成", "已销号", "销号", "已关闭", "关闭", "closed", "done",
                    "completed", "complete", "resolved"})
OPEN_STATUS = dict(zip(LANGS, CATALOGUE["rect_open"]))

_STAGES = {"plan": ("计划", "Plan"), "do": ("执行", "Do"), "check": ("检查", "Check"), "act": ("处理", "Act")}
_STAGE_ALIASES = {**{k: k for k in _STAGES}, **{v[0]: k for k, v in _STAGES.items()},
                  **{v[1].lower(): k for k, v in _STAGES.items()}}

# Measures by indicator of the default system (bpm_xl.model.default_system): what a bureau does
# when that indicator is a problem. The 整改措施库 sheet starts from these; the bureau edits them.
DEFAULT_MEASURES: dict[str, tuple[str, str]] = {
    "F1": ("细化项目支出测算标准，推行零基预算，编制环节同步审核绩效目标与支出测算。",
           "Set detailed costing standards, move to zero-based budgeting and review targets with the cost estimates."),
    "F2": ("建立预算执行月度通报和约谈机制，对执行进度滞后的项目及时调剂收回资金。",
           "Report execution monthly, call in units that lag, and reallocate or recover funds from stalled projects."),
    "F3": ("对资金使用效益偏低的项目开展重点评价，压减低效无效支出。",
           "Evaluate the least cost-effective projects in depth and cut low-yield and ineffective spending."),
    "F4": ("严格执行支出标准和政府采购规定，开展成本效益分析，落实过紧日子要求。",
           "Enforce spending standards and procurement rules, analyse costs against results, keep spending tight."),
    "F5": ("把评价结果作为下年度预算安排的依据，评价较差的项目压减或取消预算。",
           "Base next year's allocations on the results; cut or stop funding for projects rated poorly."),
    "C1": ("开展服务对象满意度回访，针对不满意事项建立台账逐项整改。",
           "Follow up with service users and keep a register of each complaint until it is resolved."),
    "C2": ("按规定随预决算公开绩效目标和评价结果，扩大公开范围并规范公开格式。",
           "Publish targets and evaluation results with the budget and final accounts, more widely and in a set format."),
    "C3": ("建立人大和审计意见办理台账，逐条明确责任单位和办结时限。",
           "Keep a register of congress and audit findings, each with a responsible unit and a deadline."),
    "C4": ("明确预算部门绩效管理主体责任，将部门自评质量纳入考核。",
           "Make budget units answerable for their own performance management and score the quality of their self-evaluation."),
    "C5": ("在评价中引入人大代表、政协委员和社会公众参与，公开征求意见。",
           "Bring deputies, advisers and the public into evaluations and consult openly."),
    "P1": ("制定分行业绩效指标体系和标准，目标设定做到可衡量、可考核。",
           "Build indicator systems and standards by sector so that every target can be measured and checked."),
    "P2": ("对新增重大政策和项目开展事前绩效评估，评估结论作为入库和安排预算的前置条件。",
           "Assess new major policies and projects before funding and make the assessment a condition for budgeting."),
    "P3": ("实行绩效目标执行进度和预算执行进度“双监控”，发现偏差及时纠正。",
           "Monitor progress on targets and on spending together and correct deviations at once."),
    "P4": ("扩大财政重点评价覆盖面，引入评价质量复核，提高评价报告质量。",
           "Widen the coverage of key evaluations, review evaluation quality, and raise the standard of reports."),
    "P5": ("建立问题整改台账和销号制度，对整改不到位的单位督办问责。",
           "Keep a rectification register with sign-off for each item; follow up and hold units to account when it lapses."),
    "L1": ("完善预算绩效管理制度办法和操作规程，及时清理修订过时制度。",
           "Complete the rules and procedures of performance management and revise outdated ones."),
    "L2": ("制定年度培训计划，分层分类开展绩效管理业务培训。",
           "Plan training each year for staff at every level and in every line of work."),
    "L3": ("推进预算绩效管理信息系统建设，实现目标、监控、评价全流程线上管理。",
           "Build the performance management information system so targets, monitoring and evaluation run online end to end."),
    "L4": ("规范第三方机构委托管理，建立执业质量评价和退出机制。",
           "Set rules for commissioning third-party evaluators, with quality ratings and removal from the roster."),
    "L5": ("将绩效管理情况纳入领导班子考核，强化结果通报和问责。",
           "Include performance management in the appraisal of leadership teams; publish results and hold to account."),
}


def library_for(system: Any, typed: Mapping[str, Any] | None = None, lang: str = "zh") -> dict[str, str]:
    """The measures library by indicator code: the text typed on the 整改措施库 sheet, else the
    default measure of an indicator of the default system (same code and name); "" otherwise."""
    from .model import default_system

    default = {i.code: i for i in default_system().indicators}
    typed = typed or {}
    out = {}
    for ind in system.indicators:
        measure = _text(typed.get(ind.code))
        d = default.get(ind.code)
        if not measure and d is not None and ind.code in DEFAULT_MEASURES and (
                ind.name_zh == d.name_zh or ind.name_en == d.name_en):
            measure = pick(DEFAULT_MEASURES[ind.code], lang)
        out[ind.code] = measure
    return out


def measure_for(code: str, stage: str, lang: str = "zh", library: Any = None) -> str:
    """The measure for an indicator: the library's text (the workbook's 整改措施库), else the
    default system's, else the measure of its plan-do-check-act stage."""
    typed = _text((library or {}).get(code)) if library is not None else ""
    if typed:
        return typed
    if library is None and code in DEFAULT_MEASURES:
        return pick(DEFAULT_MEASURES[code], lang)
    stage = stage_code(stage)
    return text(f"measure_{stage if stage in _STAGES else 'act'}", lang)


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the list. ``source`` is "typed", "prefilled" or "carried" (from last year)."""

    problem: str
    stage: str = ""
    indicator: str = ""
    responsible: str = ""
    deadline: str = ""
    measure: str = ""
    status: str = ""
    id: str = ""
    source: str = "typed"

    @property
    def closed(self) -> bool:
        return is_closed(self.status)

    def to_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FIELDS + ("source",)}


@dataclass(frozen=True, slots=True)
class CarryForward:
    """Last year's items: still open (carried), closed, and carried ones whose indicator is gone."""

    open: tuple[Item, ...]
    closed: tuple[Item, ...]
    indicator_removed: tuple[Item, ...]


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def stage_code(stage: Any) -> str:
    """"plan"/"do"/"check"/"act" from a code or a zh/en stage name; the text itself otherwise."""
    t = _text(stage)
    return _STAGE_ALIASES.get(t.lower(), _STAGE_ALIASES.get(t, t))


def is_closed(status: Any) -> bool:
    """True when the status says the item is done (已完成, 已整改, closed ...)."""
    return _text(status).lower() in CLOSED


def item_from_row(row: Mapping[str, Any] | Item, source: str = "typed") -> Item:
    """An :class:`Item` from a row mapping (missing keys blank; values as text)."""
    if isinstance(row, Item):
        return row
    vals = {f: _text(row.get(f)) for f in FIELDS}
    vals["stage"] = stage_code(vals["stage"])
    return Item(**vals, source=source)


def _fmt(x: float, digits: int) -> str:
    return f"{x:.{digits}f}"


def prefill(evaluation: Any, lang: str = "zh", top: int | None = None, *, findings: Any = None,
            measures: Any = None) -> tuple[Item, ...]:
    """One open item per problem of :func:`bpm_xl.findings.classify` (ranked by points lost;
    the first ``top`` when given), with the measure from the library ``measures``; none while the scores wait for the survey."""
    from .findings import classify

    ev = evaluation
    if getattr(ev, "pending", ()):   # the scores wait for the survey: no problems to list yet
        return ()
    found = findings if findings is not None else classify(ev)
    scale = float(ev.settings.scale_max)
    items = []
    for f in found.problems[:top] if top is not None else found.problems:
        name = ev.system.label(f.code, lang)
        problem = text("rect_problem_sentence", lang, code=f.code, name=name, score=_fmt(f.score, 2), scale=f"{scale:g}",
                       score100=_fmt(f.score100, 1), lost=_fmt(f.points_lost, 2))
        items.append(Item(problem=problem, stage=stage_code(f.stage), indicator=f.code,
                          measure=measure_for(f.code, f.stage, lang, measures),
                          status=OPEN_STATUS[lang], source="prefilled"))
    return tuple(items)


def key_of(item: Item) -> tuple[str, str]:
    """What follows an item from year to year: its indicator code and its own ID (事项编号);
    an item without an ID is followed by its indicator and wording."""
    return (item.indicator, item.id) if item.id else (item.indicator, "text:" + item.problem)


def merge(typed: Iterable[Mapping[str, Any] | Item] | None, prefilled: Sequence[Item] = ()) -> tuple[Item, ...]:
    """The bureau's rows as typed (blank rows dropped), then pre-filled items for uncovered indicators."""
    rows = [item_from_row(r) for r in (typed or ())]
    rows = [r for r in rows if any(getattr(r, f) for f in FIELDS)]
    covered = {r.indicator for r in rows if r.indicator}
    return tuple(rows) + tuple(p for p in prefilled if p.indicator not in covered)


def carry_forward(previous: Iterable[Mapping[str, Any] | Item] | None,
                  current_codes: Iterable[str] = (), current: Iterable[Item] = ()) -> CarryForward:
    """Split last year's list: open items (to carry into this year), closed items, and open items
    whose indicator no longer exists this year.

    An item of last year that this year's list ``current`` still holds under the same key
    (:func:`key_of`) takes its status from this year's row, the later word on it."""
    codes = set(current_codes)
    now = {key_of(i): i for i in current if i.source != "prefilled"}
    items = [item_from_row(r) for r in (previous or ())]
    items = [r for r in items if any(getattr(r, f) for f in FIELDS if f != "id")]
    items = [now.get(key_of(r), r) for r in items]
    open_ = tuple(Item(**{f: getattr(r, f) for f in FIELDS}, source="carried") for r in items if not r.closed)
    closed = tuple(r for r in items if r.closed)
    gone = tuple(r for r in open_ if r.indicator and codes and r.indicator not in codes)
    return CarryForward(open_, closed, gone)


def with_carried(items: Sequence[Item], carried: Sequence[Item]) -> tuple[Item, ...]:
    """This year's list with last year's open items: an item this year's list already holds
    under the same key stays once (marked carried); a carried item replaces this year's
    pre-filled item for the same indicator; the others are added after."""
    keys = {key_of(c): c for c in carried}
    ind = {c.indicator for c in carried if c.indicator}
    out, seen = [], set()
    for i in items:
        k = key_of(i)
        if i.source == "prefilled" and i.indicator in ind:
            continue
        if k in keys:
            seen.add(k)
            out.append(Item(**{f: getattr(i, f) for f in FIELDS}, source="carried"))
        else:
            out.append(i)
    out += [c for c in carried if key_of(c) not in seen]
    return tuple(out)


def assign_ids(rows: Sequence[Mapping[str, Any]], year: Any = "") -> list[str]:
    """Each row's 事项编号: the ID it has, else the next free one ("2025-03" with a year, "3" without)."""
    y = _text(year)
    ids = [_text(r.get("id")) for r in rows]
    used = set(ids)
    n = 0
    out = []
    for i in ids:
        if i:
            out.append(i)
            continue
        while True:
            n += 1
            cand = f"{y}-{n:02d}" if y else str(n)
            if cand not in used:
                break
        used.add(cand)
        out.append(cand)
    return out
