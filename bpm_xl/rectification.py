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
status`` (what the workbook's 整改清单 sheet holds); values are kept as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FIELDS", "CarryForward", "Item", "carry_forward", "is_closed", "item_from_row", "merge", "prefill"]

FIELDS = ("problem", "stage", "indicator", "responsible", "deadline", "measure", "status")

# What counts as done; anything else (blank included) is open.
CLOSED = frozenset({"已完成", "完成", "已整改", "整改完成", "已销号", "销号", "已关闭", "关闭", "closed", "done",
                    "completed", "complete", "resolved"})
OPEN_STATUS = {"zh": "未整改", "en": "open"}

_STAGES = {"plan": ("计划", "Plan"), "do": ("执行", "Do"), "check": ("检查", "Check"), "act": ("处理", "Act")}
_STAGE_ALIASES = {**{k: k for k in _STAGES}, **{v[0]: k for k, v in _STAGES.items()},
                  **{v[1].lower(): k for k, v in _STAGES.items()}}

# Measures by PDCA stage: what a bureau does about a weak indicator at that stage.
_MEASURE = {
    "plan": ("完善绩效目标设定和预算编制，细化量化指标，在下一预算年度编制时落实。",
             "Refine the performance targets and budget preparation with quantified indicators for the next budget."),
    "do": ("加强预算执行和运行监控，建立定期调度和预警机制，补齐能力短板。",
           "Strengthen budget execution and monitoring with regular reviews and early warnings; close capacity gaps."),
    "check": ("健全绩效评价和效益核查，扩大评价覆盖面，提高评价质量。",
              "Improve evaluation and results checks; widen coverage and raise evaluation quality."),
    "act": ("强化评价结果应用，将结果与预算安排和整改问责挂钩，跟踪整改到位。",
            "Use the results: link them to budget allocation and accountability, and follow rectification to the end."),
}


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


def prefill(evaluation: Any, lang: str = "zh", top: int = 5) -> tuple[Item, ...]:
    """One open item per top-``top`` improvement priority with a positive weighted gap
    (none while the scores wait for the survey: there are no priorities yet)."""
    ev = evaluation
    if ev.priorities is None:
        return ()
    scale = float(ev.settings.scale_max)
    items = []
    for _, r in ev.priorities.head(top).iterrows():
        if float(r["weighted_gap"]) <= 0:
            continue
        code = str(r["label"])
        name = ev.system.label(code, lang)
        stage = stage_code(r["stage"])
        loss = float(r["weighted_gap"]) / scale * 100
        if lang == "zh":
            problem = (f"{code} {name}得分 {_fmt(float(r['score']), 4)}（满分 {scale:g}），"
                       f"使总分损失 {_fmt(loss, 2)} 分（百分制），占全部失分的 {float(r['share']) * 100:.1f}%。")
        else:
            problem = (f"{code} {name} scores {_fmt(float(r['score']), 4)} of {scale:g}, costing "
                       f"{_fmt(loss, 2)} points of 100 ({float(r['share']) * 100:.1f}% of all points lost).")
        measure = _MEASURE.get(stage, _MEASURE["act"])[0 if lang == "zh" else 1]
        items.append(Item(problem=problem, stage=stage, indicator=code, measure=measure,
                          status=OPEN_STATUS["zh" if lang == "zh" else "en"], source="prefilled"))
    return tuple(items)


def merge(typed: Iterable[Mapping[str, Any] | Item] | None, prefilled: Sequence[Item] = ()) -> tuple[Item, ...]:
    """The bureau's rows as typed (blank rows dropped), then pre-filled items for uncovered indicators."""
    rows = [item_from_row(r) for r in (typed or ())]
    rows = [r for r in rows if any(getattr(r, f) for f in FIELDS)]
    covered = {r.indicator for r in rows if r.indicator}
    return tuple(rows) + tuple(p for p in prefilled if p.indicator not in covered)


def carry_forward(previous: Iterable[Mapping[str, Any] | Item] | None,
                  current_codes: Iterable[str] = ()) -> CarryForward:
    """Split last year's list: open items (to carry into this year), closed items, and open items
    whose indicator no longer exists this year."""
    codes = set(current_codes)
    items = [item_from_row(r) for r in (previous or ())]
    items = [r for r in items if any(getattr(r, f) for f in FIELDS)]
    open_ = tuple(Item(**{f: getattr(r, f) for f in FIELDS}, source="carried") for r in items if not r.closed)
    closed = tuple(r for r in items if r.closed)
    gone = tuple(r for r in open_ if r.indicator and codes and r.indicator not in codes)
    return CarryForward(open_, closed, gone)
