"""The round trip through the hub workbook, as pure functions over :class:`WorkbookData`.

- :func:`form_specs`: what each expert's questionnaire shows (pre-filled from the hub);
- :func:`apply_forms`: returned forms -> a new WorkbookData and a :class:`ChangeReport`;
- :func:`apply_survey`: a survey export (see :mod:`bpm_xl.readers.survey`) -> a new WorkbookData;
- :func:`feedback_rows`: per expert matrix that fails, the judgments to reconsider.

Nothing here reads or writes a file; the service's collection jobs (``service.write_forms``,
``collect_forms``, ``import_survey_file``, ``write_feedback``) do, and the hub is written only by
its one rebuild (``service.rebuild_file(path, update=...)``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from .errors import WorkbookError
from .texts import pick, text
from .layout.collect import MAP_SHEET
from .layout.forms import EVALUATION_KEYS, IDENTITY_KEYS, SCALE_VALUES, SEAL_KEY, FormSpec, fingerprint, node_title
from .layout.identity import LOG_SHEET

__all__ = [
    "MAP_SHEET",
    "Change",
    "ChangeReport",
    "MatrixCheck",
    "apply_forms",
    "check_identity",
    "expert_codes",
    "feedback_rows",
    "form_specs",
    "hub_nodes",
    "map_sheet_rows",
    "number",
    "read_map_sheet",
    "system_of",
]



# ------------------------------------------------------------------------------- helpers
def system_of(data: Any) -> Any:
    import pandas as pd

    from .model import IndicatorSystem

    return IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                      name="indicator sheet")


def hub_nodes(system: Any) -> list[tuple[str, list[str]]]:
    """The comparison nodes the panel judges: every node with children, or none when the
    system is weighted by points (分值)."""
    if system.weighting == "points":
        return []
    return [(n, list(system.children(n))) for n in system.nodes()]


def expert_codes(system: Any) -> list[str]:
    """The indicators of type expert, in the order of the hub's 专家评分 sheet (and of a form's)."""
    return [i.code for i in system.ordered_indicators() if i.kind == "expert"]


def number(v: Any) -> float | None:
    """A hub cell value as a number ('1/3' and 3 alike); None for blank or text."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        x = float(v)
        return x if math.isfinite(x) else None
    s = str(v).strip()
    if not s:
        return None
    try:
        return float(Fraction(s))
    except (ValueError, ZeroDivisionError):
        return None


def _label(system: Any, code: str, lang: str) -> str:
    return f"{code} {system.label(code, lang)}"


def _upper(cells: dict, a: str, b: str) -> Any:
    """The hub's judgment a_ab: typed in (a, b), or the reciprocal of a typed (b, a)."""
    v = cells.get((a, b))
    if v is not None and v != "":
        return number(v) if number(v) is not None else v
    m = number(cells.get((b, a)))
    return (1 / m) if m else None


def _snap(x: Any) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    for s in SCALE_VALUES:
        if abs(x - s) <= 1e-9 * s:
            return s
    return None


# ------------------------------------------------------------------------------- forms
def form_specs(data: Any, round_: int = 1, lang: str = "zh", layout: str = "row",
               evaluation: Any = None) -> list[FormSpec]:
    """One :class:`FormSpec` per expert on the Experts sheet, pre-filled with what the hub holds."""
    system = system_of(data)
    s = data.settings
    method = str(s.get("method") or "eigen").lower()
    table = str(s.get("random_index") or "cn").lower()
    lo = number(s.get("scale_min"))
    hi = number(s.get("scale_max"))
    lo = 1.0 if lo is None else lo
    hi = 5.0 if hi is None else hi
    thr = number(s.get("cr_threshold")) or 0.10
    _check_round(data, round_)
    nodes, ri = _form_nodes(system, lang, table)
    dim_name = {d.code: d.name(lang) for d in system.dimensions}
    indicators = tuple((i.code, dim_name.get(i.dimension, i.dimension), i.name(lang)) for i in system.indicators)
    by_code = {c: (dim, name) for c, dim, name in indicators}
    scored = tuple((c, *by_code[c]) for c in expert_codes(system))
    fp = fingerprint(data.system_rows)
    panel = own1 = None
    if round_ >= 2:
        panel = _panel(data, system, evaluation, lo, hi)
    specs = []
    for e in data.experts:
        code = e["code"]
        judg, off = _prefilled(data, system, code)
        sugg = _suggestions(judg, nodes, method, table, thr)
        rd = data.delphi[round_ - 1].get(code, {}) if len(data.delphi) >= round_ else {}
        if round_ >= 2:
            own1 = dict(data.delphi[0].get(code, {}))
        specs.append(FormSpec(
            expert=code, expert_name=e.get("name") or "", round=round_, lang=lang, layout=layout,
            title=data.title or "", fingerprint=fp, method=method, random_index=table, ri=ri, cr_threshold=thr,
            scale_min=lo, scale_max=hi, nodes=tuple(nodes), indicators=indicators, judgments=judg, off_scale=off,
            ratings={k: v for k, v in rd.items() if v is not None}, ca=number(e.get("ca")), cs=number(e.get("cs")),
            panel=panel, own_round1=own1, suggestions=sugg, evaluation=data.identity["evaluation"],
            created=data.identity["created"], unit=_meta_text(data, "unit"), year=_meta_text(data, "year"),
            key=data.identity["secret"], expert_indicators=scored,
            scores={c: v for c, _, _ in scored if (v := (data.expert_scores.get(c) or {}).get(code)) is not None}))
    return specs


def _check_round(data: Any, round_: int) -> None:
    """Refuse forms for a hub without an identity, or for a Delphi round it cannot start."""
    if not data.identity:
        raise WorkbookError(_msg("no_identity", _lang(data)))
    if round_ < 1 or round_ > max(len(data.delphi), 1):
        raise WorkbookError(f"--round {round_}: the workbook has {len(data.delphi)} Delphi round(s)")
    if round_ >= 2 and not any(number(v) is not None for row in data.delphi[0].values() for v in row.values()):
        raise WorkbookError("--round 2: the Delphi round 1 sheet is empty; collect round 1 first")


def _form_nodes(system: Any, lang: str, table: str) -> tuple[list[Any], dict[int, float]]:
    """The judged nodes as a form shows them (code, title, labelled children), and the RI of each size."""
    from .ahp import random_index

    nodes = []
    ns = set()
    for node, children in hub_nodes(system):
        nodes.append((node, node_title(node, system, lang), tuple((c, _label(system, c, lang)) for c in children)))
        ns.add(len(children))
    ri = {n: float(random_index(n, table)) for n in ns if n >= 1}
    return nodes, ri


def _prefilled(data: Any, system: Any, code: str
               ) -> tuple[dict[str, dict[tuple[str, str], float]], dict[str, dict[tuple[str, str], Any]]]:
    """Expert ``code``'s judgments in the hub, by node: those on the 1-9 scale, and those off it."""
    judg: dict[str, dict[tuple[str, str], float]] = {}
    off: dict[str, dict[tuple[str, str], Any]] = {}
    for node, children in hub_nodes(system):
        cells = data.judgments.get(node, {}).get(code, {})
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                v = _upper(cells, a, b)
                if v is None:
                    continue
                sv = _snap(v)
                if sv is None:
                    off.setdefault(node, {})[(a, b)] = v
                else:
                    judg.setdefault(node, {})[(a, b)] = sv
    return judg, off


def _suggestions(judg: dict, nodes: list, method: str, table: str, thr: float) -> dict:
    """Per node whose pre-filled matrix is complete and fails: the core's repair, as (a, b) -> a_ab."""
    import numpy as np

    from .ahp import ahp_weights, suggest_repair
    from .errors import BpmError

    out: dict[str, dict[tuple[str, str], float]] = {}
    for node, _, ch in nodes:
        codes = [c for c, _ in ch]
        n = len(codes)
        per = judg.get(node, {})
        if n < 3 or len(per) < n * (n - 1) // 2:
            continue
        a = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                a[i, j] = per[(codes[i], codes[j])]
                a[j, i] = 1 / a[i, j]
        try:
            if ahp_weights(a, method, table).consistency_ratio < thr:
                continue
            rep = suggest_repair(a, threshold=thr, method=method, random_index=table)
        except BpmError:
            continue
        for c in rep.changes:
            i, j = sorted((c.row, c.col))
            v = c.scale_value if (i, j) == (c.row, c.col) else 1 / c.scale_value
            out.setdefault(node, {})[(codes[i], codes[j])] = float(v)
    return out


def _panel(data: Any, system: Any, evaluation: Any, lo: float, hi: float) -> dict[str, tuple[float | None, float | None]]:
    """Round-1 mean and CV per indicator: the hub's Delphi figures (from its evaluation when there is one)."""
    codes = list(system.codes)
    if evaluation is not None and evaluation.delphi is not None and evaluation.delphi.rounds:
        st = evaluation.delphi.rounds[0].stats
        return {str(c): (float(m), float(v)) for c, m, v in zip(st.labels, st.mean, st.cv)}
    from .delphi import indicator_stats

    rd = data.delphi[0]
    rows = [[rd[e].get(c) for c in codes] for e in rd]
    st = indicator_stats(rows, full_score=hi, labels=codes, scale_min=lo, name="Delphi round 1")
    return {str(c): (float(m), float(v)) for c, m, v in zip(st.labels, st.mean, st.cv)}


# ------------------------------------------------------------------------------- collect
@dataclass(frozen=True)
class Change:
    expert: str
    sheet: str            # "judgments" | "delphi N" | "experts" | "survey"
    what: str             # node pair, indicator code, Ca/Cs
    old: Any
    new: Any


@dataclass(frozen=True)
class MatrixCheck:
    """The consistency of one collected expert matrix (the core's ahp_weights over the hub's
    matrix after collection: blank pairs completed as the evaluation completes them)."""

    expert: str
    round: int
    node: str
    cr: float | None          # None: cannot be computed (problem says why)
    passed: bool | None
    completed: int = 0        # pairs left blank and completed
    problem: str = ""


@dataclass(frozen=True)
class ChangeReport:
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    per_file: tuple[tuple[str, str, int], ...] = ()   # (file, expert, round)
    #: rows added to the 收回记录 sheet (a form already logged that changes nothing adds none)
    logged: tuple[dict[str, Any], ...] = ()
    matrices: tuple[MatrixCheck, ...] = ()
    #: per round collected now: the experts of the Experts sheet with no form of that round yet
    missing: tuple[tuple[int, tuple[str, ...]], ...] = ()
    lang: str = "en"
    threshold: float = 0.10
    #: the evaluation ID the hub was given by this collection (a hub written before hubs had one)
    identity_added: str = ""

    @property
    def overwritten(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.old is not None)

    def lines(self, lang: str | None = None) -> list[str]:
        """The report in the workbook's language (``lang`` overrides it)."""
        lang = lang or self.lang
        out = []
        by: dict[tuple[str, str], list[Change]] = {}
        for c in self.changes:
            by.setdefault((c.expert, c.sheet), []).append(c)
        for f, e, r in self.per_file:
            out.append(_msg("per_file", lang, f=f, e=e, r=r))
        if not self.changes:
            out.append(_msg("no_change", lang))
        for (e, sh), cs in by.items():
            ow = [c for c in cs if c.old is not None]
            line = _msg("cells", lang, e=e, sh=_sheet_word(sh, lang), n=len(cs))
            if ow:
                shown = "; ".join(f"{c.what} {_show(c.old)} -> {_show(c.new)}" for c in ow[:6])
                more = _msg("more", lang, n=len(ow) - 6) if len(ow) > 6 else ""
                line += _msg("overwriting", lang, n=len(ow), shown=shown, more=more)
            out.append(line)
        out.extend(self.notes)
        out.extend(self._matrix_lines(lang))
        if self.logged:
            out.append(_msg("logged", lang, n=len(self.logged), sheet=LOG_SHEET.get(lang, LOG_SHEET["zh"])))
        for r, who in self.missing:
            out.append(_msg("missing", lang, r=r, who=", ".join(who)) if who else _msg("all_in", lang, r=r))
        if self.identity_added:
            out.append(_msg("identity_added", lang, id=self.identity_added))
        return out

    def _matrix_lines(self, lang: str) -> list[str]:
        out = []
        if self.matrices:
            out.append(_msg("cr_head", lang, t=self.threshold))
        for m in self.matrices:
            if m.cr is None:
                why = _msg("cr_none", lang, why=m.problem) if m.problem else _msg("unanswered", lang)
                out.append(f"  {m.expert} {m.node}: {why}")
                continue
            verdict = _msg("pass" if m.passed else "fail", lang)
            extra = _msg("completed", lang, k=m.completed) if m.completed else ""
            out.append(f"  {m.expert} {m.node}: CR {m.cr:.4f} {verdict}{extra}")
        return out


_SHEET_WORDS = {"judgments": ("判断矩阵", "judgments"), "experts": ("专家", "experts")}


def _sheet_word(sheet: str, lang: str) -> str:
    from .layout.labels import SHEETS

    if sheet == "expert_scores":
        return SHEETS["expert_scores"][lang]
    if sheet.startswith("Delphi round "):
        return text("delphi_round_sheet", lang, k=sheet.rsplit(" ", 1)[1])
    pair = _SHEET_WORDS.get(sheet)
    return sheet if pair is None else pick(pair, lang)


#: The messages of collecting forms, in both editions: key -> (zh, en).
_MSGS: dict[str, tuple[str, str]] = {
    "per_file": ("{f}：专家 {e}，第 {r} 轮", "{f}: expert {e}, round {r}"),
    "no_change": ("没有改动：工作簿中已是这些答案", "no change: the workbook already holds these answers"),
    "cells": ("专家 {e}，{sh}：{n} 个单元格", "expert {e}, {sh}: {n} cell(s)"),
    "overwriting": ("，覆盖 {n} 个：{shown}{more}", ", overwriting {n}: {shown}{more}"),
    "more": ("（另有 {n} 个）", " (+{n} more)"),
    "logged": ("已记入“{sheet}”表：{n} 份问卷", "recorded on the {sheet} sheet: {n} form(s)"),
    "missing": ("第 {r} 轮尚未收回：{who}", "round {r} still missing: {who}"),
    "all_in": ("第 {r} 轮问卷已全部收回", "round {r}: every expert's form is in"),
    "cr_head": ("收回矩阵的一致性（阈值 CR < {t:g}）：", "consistency of the collected matrices (threshold CR < {t:g}):"),
    "cr_none": ("无法计算 CR（{why}）", "CR cannot be computed ({why})"),
    "unanswered": ("未作答", "not answered"),
    "identity_added": ("工作簿原来没有评价编号（由较早版本的 bpm-xl 生成），现在的编号是 {id}",
                       "the workbook had no evaluation ID (written by an earlier bpm-xl); it now has {id}"),
    "pass": ("通过", "pass"),
    "fail": ("未通过", "fail"),
    "completed": ("（{k} 对空缺，按补全计算）", " ({k} blank pair(s), completed)"),
    "no_identity": (
        "工作簿还没有评价编号（由较早版本的 bpm-xl 生成，或是随程序提供的模板）；请先重建一次（点击“重建评价表”，"
        "或运行 bpm-xl rebuild 本工作簿）并保存，再生成问卷",
        "the workbook has no evaluation ID yet (written by an earlier bpm-xl, or the template shipped with it); "
        "rebuild it once (the Rebuild evaluation button, or bpm-xl rebuild on it) and save it, then make the forms"),
    "other_evaluation": (
        "这份问卷属于另一次评价（{theirs}），不是本工作簿的评价（{ours}）；请收回到生成它的工作簿。"
        "如果本工作簿是重新创建的、确认要接收这份问卷，请加 --adopt",
        "the form belongs to another evaluation ({theirs}), not to this workbook's ({ours}); collect it into "
        "the workbook that made it. If this workbook was re-created and you mean to take the form in, add --adopt"),
    "unsealed": (
        "这份问卷由较早版本的 bpm-xl 生成，没有评价编号和签名，无法确认属于本评价；请用 bpm-xl forms 重新发给专家，"
        "或确认无误后加 --adopt 收回",
        "the form was made by an earlier bpm-xl, without the evaluation ID and seal, so it cannot be checked "
        "against this evaluation; send the expert a new form (bpm-xl forms), or add --adopt if you are sure it "
        "belongs here"),
    "broken_seal": (
        "问卷的隐藏表（专家编号、轮次、评价编号或指标体系）在发出后被修改过，签名不符；请重新发给专家一份问卷",
        "the form's hidden sheet (expert, round, evaluation or indicator system) was changed after the form was "
        "sent: its seal does not match; send the expert a new form"),
    "another_workbook": ("这份问卷是为另一个工作簿（{title}）生成的；请收回到那个工作簿",
                         "the form was made for another workbook ({title}); collect it into that workbook"),
    "system_changed": ("问卷发出后指标体系改变了（指纹 {theirs} 不是 {ours}）；请重新发问卷",
                       "the indicator system changed since this form was sent (fingerprint {theirs} is not "
                       "{ours}); send a new form"),
    "unknown_expert": ("专家 {e} 不在“专家”表中；请先在那里添加该专家",
                       "expert {e} is not on the Experts sheet; add the expert there first"),
    "bad_round": ("问卷是德尔菲第 {r} 轮的，但工作簿只有 {n} 轮",
                  "the form is for Delphi round {r} but the workbook has {n} round(s)"),
    "twice": ("专家 {e} 第 {r} 轮的问卷也在 {other} 中；每位专家每轮只收回一份",
              "expert {e}, round {r} is also in {other}; collect one form per expert and round"),
    "earlier_round": (
        "这是专家 {e} 第 {r} 轮的问卷，但该专家第 {later} 轮的问卷（{file}，{time} 收回）已经收回；轮次只能向前，"
        "较早一轮的问卷不能覆盖较晚一轮的答案",
        "this is expert {e}'s round-{r} form, but their round-{later} form ({file}, collected {time}) is in "
        "already; rounds only move forward, so an earlier round cannot overwrite a later one"),
    "unnamed": ("未命名", "untitled"),
    "unit_unknown": ("单位未填", "unit not given"),
    "year_unknown": ("年度未填", "year not given"),
    "evaluation": ("{unit}，{year}，创建于 {created}，编号 {id}", "{unit}, {year}, created {created}, ID {id}"),
    "adopted": ("{f}：按 --adopt 接收了另一次评价（{theirs}）的问卷", "{f}: taken in with --adopt from another "
                "evaluation ({theirs})"),
    "adopted_note": ("按 --adopt 接收，原评价编号 {id}", "taken in with --adopt; its evaluation ID {id}"),
}


def _msg(key: str, lang: str, **kw: Any) -> str:
    msg = pick(_MSGS[key], lang)
    return msg.format(**kw) if kw else msg


def _lang(data: Any) -> str:
    """The edition of the hub ``data`` was read from (from the sheet its values came from)."""
    from .layout.labels import SHEETS

    place = data.where.settings.get("method")
    return "en" if place is not None and place.sheet == SHEETS["settings"]["en"] else "zh"


def _meta_text(data: Any, key: str) -> str:
    v = (data.meta or {}).get(key)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "" if v is None else str(v).strip()


def _describe(evaluation: str, unit: str, year: str, created: str, lang: str) -> str:
    return _msg("evaluation", lang, unit=unit or _msg("unit_unknown", lang), year=year or _msg("year_unknown", lang),
                created=created or "?", id=evaluation or "?")


def _show(v: Any) -> str:
    if v is None:
        return "blank"
    if isinstance(v, float):
        f = Fraction(v).limit_denominator(9)
        if abs(float(f) - v) < 1e-12:
            return str(f)
        return f"{v:g}"
    return str(v)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    x, y = number(a), number(b)
    if x is not None and y is not None:
        return abs(x - y) <= 1e-12 * max(abs(x), abs(y), 1.0)
    return str(a) == str(b)


def _ident_cell(key: str) -> str:
    keys = (*IDENTITY_KEYS, *EVALUATION_KEYS, SEAL_KEY)
    return f"B{keys.index(key) + 1}"


def check_identity(f: Any, data: Any, lang: str = "zh", adopt: bool = False) -> bool:
    """Refuse a form of another evaluation (unless ``adopt``), a form without a seal (unless
    ``adopt``) and a form whose seal does not match its identity sheet. Returns True when the
    form was adopted from another evaluation (or has no seal)."""
    from .layout.identity import seal

    isheet = f.identity_sheet
    ours = data.identity or {}
    if not f.evaluation or not f.seal:
        if adopt:
            return True
        raise WorkbookError(_msg("unsealed", lang), file=f.file, sheet=isheet, cell=_ident_cell("evaluation"))
    if f.evaluation != ours.get("evaluation"):
        if adopt:
            return True
        theirs = _describe(f.evaluation, f.unit, f.year, f.created, lang)
        mine = _describe(ours.get("evaluation", ""), _meta_text(data, "unit"), _meta_text(data, "year"),
                         ours.get("created", ""), lang)
        raise WorkbookError(_msg("other_evaluation", lang, theirs=theirs, ours=mine), file=f.file, sheet=isheet,
                            cell=_ident_cell("evaluation"))
    if not ours.get("secret") or seal(ours["secret"], f.sealed_rows) != f.seal:
        raise WorkbookError(_msg("broken_seal", lang), file=f.file, sheet=isheet, cell=_ident_cell(SEAL_KEY))
    return False


def _check_form(f: Any, data: Any, fp: str, known: dict[str, int], seen: dict[tuple[str, int], str],
                lang: str = "zh", adopt: bool = False) -> bool:
    """Refuse a form that does not belong to this hub (located at its identity cell); True when
    it was taken in with ``adopt``."""
    adopted = check_identity(f, data, lang, adopt)
    isheet = f.identity_sheet
    if f.fingerprint != fp:
        if (f.title or "") != (data.title or ""):
            raise WorkbookError(_msg("another_workbook", lang, title=f.title or _msg("unnamed", lang)),
                                file=f.file, sheet=isheet, cell=_ident_cell("title"))
        raise WorkbookError(_msg("system_changed", lang, theirs=f.fingerprint, ours=fp),
                            file=f.file, sheet=isheet, cell=_ident_cell("fingerprint"))
    if f.expert not in known:
        raise WorkbookError(_msg("unknown_expert", lang, e=f.expert), file=f.file, sheet=isheet,
                            cell=_ident_cell("expert"))
    if not 1 <= f.round <= len(data.delphi):
        raise WorkbookError(_msg("bad_round", lang, r=f.round, n=len(data.delphi)),
                            file=f.file, sheet=isheet, cell=_ident_cell("round"))
    key = (f.expert, f.round)
    if key in seen:
        raise WorkbookError(_msg("twice", lang, e=f.expert, r=f.round, other=seen[key]), file=f.file, sheet=isheet,
                            cell=_ident_cell("expert"))
    seen[key] = f.file
    later = [row for row in data.collected if row.get("expert") == f.expert and _round_of(row) > f.round]
    if later:
        last = max(later, key=_round_of)
        raise WorkbookError(_msg("earlier_round", lang, e=f.expert, r=f.round, later=_round_of(last),
                                 file=last.get("file") or "?", time=last.get("time") or "?"),
                            file=f.file, sheet=isheet, cell=_ident_cell("round"))
    return adopted


def _round_of(row: dict[str, Any]) -> int:
    v = row.get("round")
    return v if isinstance(v, int) else 0


def _put_judgments(new: Any, f: Any, system: Any, changes: list[Change]) -> None:
    """The form's judgments into the upper triangle of its expert's matrices (by code)."""
    e = f.expert
    for node, children in hub_nodes(system):
        answers = f.judgments.get(node, {})
        per = new.judgments.setdefault(node, {})
        cells = dict(per.get(e, {}))
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                if (a, b) not in answers:
                    continue
                v = answers[(a, b)]
                old = _upper(cells, a, b)
                if not _same(old, v):
                    changes.append(Change(e, "judgments", f"{node} {a}/{b}", old, v))
                cells.pop((b, a), None)
                if v is None:
                    cells.pop((a, b), None)
                else:
                    cells[(a, b)] = v
        per[e] = cells


def _put_ratings(new: Any, f: Any, changes: list[Change]) -> None:
    """The form's Delphi ratings into that round's sheet."""
    e = f.expert
    rd = new.delphi[f.round - 1]
    row = dict(rd.get(e, {}))
    for code, v in f.ratings.items():
        old = row.get(code)
        old = None if old is None or old == "" else old
        if not _same(old, v):
            changes.append(Change(e, f"Delphi round {f.round}", code, old, v))
        row[code] = _int(v)
    if e in rd or any(v is not None for v in row.values()):
        rd[e] = row


def _put_scores(new: Any, f: Any, changes: list[Change]) -> None:
    """The form's scores of the indicators of type expert into the 专家评分 cells of its expert,
    as ratings go: the form was pre-filled with the hub's scores, so what it holds wins (an
    overwrite is reported) and a score left blank is blank in the hub."""
    e = f.expert
    for code, v in f.scores.items():
        per = new.expert_scores.setdefault(code, {})
        old = per.get(e)
        old = None if old is None or old == "" else old
        if not _same(old, v):
            changes.append(Change(e, "expert_scores", code, old, v))
        if v is None:
            per.pop(e, None)
        else:
            per[e] = _int(v)


def _put_authority(ex: dict[str, Any], f: Any, changes: list[Change], notes: list[str]) -> None:
    """Ca and Cs onto the Experts sheet (a blank in the form leaves the hub's value)."""
    for key, v in (("ca", f.ca), ("cs", f.cs)):
        if v is None:
            if ex.get(key) is None:
                notes.append(f"{f.file}: expert {f.expert} left {key.capitalize()} blank")
            continue
        if not _same(ex.get(key), v):
            changes.append(Change(f.expert, "experts", key.capitalize(), ex.get(key), v))
            ex[key] = v


def apply_forms(data: Any, forms: Sequence[Any], lang: str | None = None, adopt: bool = False,
                now: str | None = None) -> tuple[Any, ChangeReport]:
    """Write returned forms' answers into a copy of ``data``; refuse what does not belong.

    Each form must belong to this evaluation (its ID and an intact seal: :func:`check_identity`;
    ``adopt`` takes in forms of another evaluation or without a seal), carry the hub's
    indicator-system fingerprint, name an expert on the Experts sheet and a Delphi round the
    hub has, and not be of an earlier round than a form already collected for that expert.
    Judgments are written in the upper triangle (by code), ratings into that round's Delphi
    sheet, the scores of indicators of type expert into the expert's 专家评分 cells (a blank
    score is blank in the hub, as a blank rating is), Ca and Cs onto the Experts sheet (a blank Ca or Cs in the form leaves the hub's
    value). A pair left blank in the form is blank in the hub (the core completes it). Forms
    are applied in round order, so a later round's answers win within one call.

    Every form is recorded on the 收回记录 sheet (``data.collected``), except a form that
    changes nothing when that expert's round is recorded already: collecting the same form
    again changes nothing at all.
    """
    import datetime as _dt

    lang = lang or _lang(data)
    system = system_of(data)
    fp = fingerprint(data.system_rows)
    known = {e["code"]: k for k, e in enumerate(data.experts)}
    new = copy.deepcopy(data)
    changes: list[Change] = []
    notes: list[str] = []
    seen: dict[tuple[str, int], str] = {}
    adopted = {f.file: _check_form(f, data, fp, known, seen, lang, adopt) for f in forms}
    now = now or _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    per_file, logged, checks = [], [], []
    for f in sorted(forms, key=lambda f: f.round):
        per_file.append((f.file, f.expert, f.round))
        mine: list[Change] = []
        _put_judgments(new, f, system, mine)
        _put_ratings(new, f, mine)
        _put_scores(new, f, mine)
        _put_authority(new.experts[known[f.expert]], f, mine, notes)
        changes.extend(mine)
        checks.extend(_matrix_checks(new, f, system))
        if adopted[f.file]:
            notes.append(_msg("adopted", lang, f=f.file, theirs=_describe(f.evaluation, f.unit, f.year, f.created,
                                                                          lang)))
        done = any(r.get("expert") == f.expert and _round_of(r) == f.round for r in data.collected)
        if mine or not done:
            logged.append({"time": now, "file": f.file, "expert": f.expert, "round": f.round, "cells": len(mine),
                           "evaluation": (data.identity or {}).get("evaluation", ""),
                           "note": _msg("adopted_note", lang, id=f.evaluation or "-") if adopted[f.file] else ""})
    new.collected.extend(logged)
    missing = _missing(new, sorted({f.round for f in forms}))
    thr = number(data.settings.get("cr_threshold")) or 0.10
    report = ChangeReport(tuple(changes), tuple(notes), tuple(per_file), tuple(logged), tuple(checks), missing,
                          lang, thr)
    if not changes and not logged:
        return data, report
    return new, report


def _missing(data: Any, rounds: list[int]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    out = []
    for r in rounds:
        got = {row.get("expert") for row in data.collected if _round_of(row) == r}
        out.append((r, tuple(e["code"] for e in data.experts if e["code"] not in got)))
    return tuple(out)


def _matrix_checks(data: Any, f: Any, system: Any) -> list[MatrixCheck]:
    """CR and verdict of each of the form's expert's matrices as the hub now holds them (the
    core's ahp_weights with the hub's method, RI table and threshold)."""
    from .ahp import ahp_weights
    from .errors import BpmError

    s = data.settings
    method = str(s.get("method") or "eigen").strip().lower()
    table = str(s.get("random_index") or "cn").strip().lower()
    thr = number(s.get("cr_threshold")) or 0.10
    out = []
    for node, children in hub_nodes(system):
        if node not in f.judgments or len(children) < 2:
            continue
        cells = data.judgments.get(node, {}).get(f.expert, {})
        n = len(children)
        grid: list[list[Any]] = [[1.0 if i == j else None for j in range(n)] for i in range(n)]
        blank = 0
        for i, a in enumerate(children):
            for j in range(i + 1, n):
                v = _upper(cells, a, children[j])
                grid[i][j] = v
                blank += v is None
        if blank == n * (n - 1) // 2:
            out.append(MatrixCheck(f.expert, f.round, node, None, None, blank))
            continue
        try:
            res = ahp_weights(grid, method, table)
        except BpmError as exc:
            out.append(MatrixCheck(f.expert, f.round, node, None, None, blank, exc.message))
            continue
        cr = float(res.consistency_ratio)
        out.append(MatrixCheck(f.expert, f.round, node, cr, cr < thr, int(res.n_missing)))
    return out


def _int(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


# ------------------------------------------------------------------------------- feedback
def feedback_rows(evaluation: Any, system: Any, lang: str = "zh") -> list[dict[str, Any]]:
    """Per expert and matrix that fails the CR threshold: each judgment to reconsider.

    Rows: expert, node, CR, pair (a, b), current a_ab, suggested a_ab (the core's
    :func:`~bpm_xl.ahp.suggest_repair`), CR after the suggested changes, and the most
    inconsistent judgment's consistent value (:func:`~bpm_xl.ahp.inconsistent_judgments`).
    """
    from .ahp import inconsistent_judgments, suggest_repair

    s = evaluation.inputs.settings
    out = []
    for node, res in evaluation.nodes.items():
        children = list(res.children)
        for code, r in zip(res.expert_codes, res.expert_results):
            if r.consistency_ratio < s.cr_threshold:
                continue
            rep = suggest_repair(r.matrix, threshold=s.cr_threshold, method=s.method, random_index=s.random_index)
            worst = inconsistent_judgments(r.matrix, count=1, method=s.method, random_index=s.random_index)[0]
            for ch in rep.changes:
                i, j = ch.row, ch.col
                a, b = (children[i], children[j]) if i < j else (children[j], children[i])
                cur = r.matrix[i, j] if i < j else r.matrix[j, i]
                sug = ch.scale_value if i < j else 1 / ch.scale_value
                out.append({
                    "expert": code, "node": node, "cr": float(r.consistency_ratio),
                    "a": a, "b": b, "a_label": _label(system, a, lang), "b_label": _label(system, b, lang),
                    "current": float(cur), "suggested": float(sug), "cr_after": float(rep.result.consistency_ratio),
                    "reached": bool(rep.reached),
                    "most_inconsistent": "/".join(children[k] for k in sorted((worst.row, worst.col))),
                })
    return out


# ------------------------------------------------------------------------------- survey map sheet
#: the hub's survey-map sheet: question, indicator, reverse, and the first option of a code export
MAP_HEAD = ["问卷题目 question", "指标代码 indicator", "反向计分 reverse", "选项1 first option"]
#: how the sheet (and the messages) name the two orders of a code export's options
FIRST_TEXT = {"high": ("非常满意", "very satisfied"), "low": ("非常不满意", "very dissatisfied")}


def map_sheet_rows(mapping: Iterable[Any], lang: str = "zh") -> list[list[Any]]:
    """The hub's survey-map sheet: header, then (question title, indicator code, reverse, first
    option). The first option is the order used for a question answered with option numbers
    (the text of option 1: 非常满意 or 非常不满意), blank for one answered with option text."""
    rows: list[list[Any]] = [list(MAP_HEAD)]
    for m in mapping:
        first = getattr(m, "first", None)
        rows.append([m.title, m.code, "是 yes" if m.reverse else "否 no",
                     pick(FIRST_TEXT[first], lang) if first in FIRST_TEXT else None])
    return rows


def read_map_sheet(grid: list[list[Any]] | None) -> list[tuple[str, str, bool, str | None]]:
    """(title, code, reverse, first option) per row of the saved map; the first option is None
    where the sheet has none (a map saved before the column existed, or a text question)."""
    from .readers.survey import first_option

    if not grid:
        return []
    out = []
    for row in grid[1:]:
        if not row or row[0] is None or str(row[0]).strip() == "":
            continue
        code = str(row[1]).strip() if len(row) > 1 and row[1] is not None else ""
        rev = str(row[2]).strip().lower() if len(row) > 2 and row[2] is not None else ""
        try:
            first = first_option(row[3]) if len(row) > 3 else None
        except ValueError:
            first = None
        out.append((str(row[0]).strip(), code, rev.startswith(("是", "y", "1", "true", "反")), first))
    return out


def with_survey(data: Any, ids: list[Any], rows: list[dict[str, Any]]) -> Any:
    from .layout.types import SurveyTable

    return replace(data, survey_ids=list(ids), survey=SurveyTable.of_rows(rows))


__all__ += ["with_survey"]
_ = field


# ------------------------------------------------------------------------------- survey import
@dataclass(frozen=True)
class MapEntry:
    title: str
    code: str
    reverse: bool
    source: str                 # "--map" | "saved" | "guessed"
    first: str | None = None    # order of a code question's options: "high" | "low" (None: text or unknown)
    how: str = "text"           # "code" (option numbers) | "text" (option text) | "none" (no answer)
    first_source: str = ""      # where the order came from: "--map" | "--first-option" | "saved" | "plain"
    mean: float | None = None   # mean of the values imported (after order and reverse)
    count: int = 0              # answers behind the mean


_LINES = {
    "head": ("{file}：{kind}导出，{n} 份答卷", "{file}: {kind} export, {n} respondent(s)"),
    "kinds": ({"wjx": "问卷星", "tencent": "腾讯问卷", "plain": "普通表格"},
              {"wjx": "问卷星", "tencent": "腾讯问卷", "plain": "plain table"}),
    "mapping": ("题目 -> 指标：", "question -> indicator:"),
    "reverse": ("（反向计分）", " (reverse-scored)"),
    "source": ({"--map": "--map", "saved": "已保存的映射", "guessed": "按题目猜测"},
               {"--map": "--map", "saved": "saved", "guessed": "guessed"}),
    "text": ("选项文本", "option text"),
    "code": ("选项序号，选项1 = {first}（{src}）", "option numbers, option 1 = {first} ({src})"),
    "plain": ("数字按分值读取（普通表格）", "numbers read as scores (plain table)"),
    "none": ("无作答", "no answers"),
    "first_src": ({"--map": "--map", "--first-option": "--first-option", "saved": "已保存的映射"},
                  {"--map": "--map", "--first-option": "--first-option", "saved": "saved map"}),
    "mean": ("均值 {m}（{n} 个回答）", "mean {m} ({n} answers)"),
    "unmapped": ("（未映射，忽略）", "(not mapped, ignored)"),
    "screening": ("筛查：", "screening:"),
    "duplicate": ("重复提交（同一IP且答案相同）", "duplicate submissions (same IP and answers)"),
    "too_fast": ("答题过快（少于 {s:g} 秒）", "too fast (under {s:g} s)"),
    "straight_lining": ("全部答案相同", "straight-lining (all answers equal)"),
    "too_many_missing": ("缺答过多（超过一半）", "too many missing answers (over half)"),
    "rows": ("（第 {rows} 行）", " (rows {rows})"),
    "applied": ("已按筛查剔除：保留 {k} / {n} 份答卷", "screening applied: {k} of {n} respondent(s) kept"),
    "not_applied": ("未按筛查剔除（可用 --screen）：全部 {n} 份答卷导入",
                    "screening not applied (use --screen): all {n} respondent(s) imported"),
    "no_change": ("无变化：工作簿已含这些答卷", "no change: the workbook already holds these answers"),
    "replaced": ("问卷表原有的 {k} 份答卷被本次导出替换", "the Survey sheet's {k} earlier respondent(s) are replaced by this export"),
}


def _say(key: str, lang: str, **kw: Any) -> Any:
    line = pick(_LINES[key], lang)
    return line.format(**kw) if kw and isinstance(line, str) else line


@dataclass(frozen=True)
class SurveyImport:
    file: str
    kind: str
    mapping: tuple[MapEntry, ...]
    unmapped: tuple[str, ...]
    respondents: int
    flags: dict[str, tuple[int, ...]]     # rule -> file rows flagged
    screened: bool
    kept: int
    min_seconds: float
    changed: bool = True
    replaced: int = 0                     # respondents the Survey sheet held before
    lang: str = "zh"                      # the hub's language: the language of lines()
    ids: tuple[Any, ...] = field(default=(), repr=False, compare=False)        # respondents imported
    rows: tuple[dict[str, Any], ...] = field(default=(), repr=False, compare=False)

    def _how(self, m: MapEntry) -> str:
        lang = self.lang
        if m.how == "code" and m.first_source == "plain":
            return _say("plain", lang)
        if m.how == "code":
            first = pick(FIRST_TEXT.get(m.first or "", ("?", "?")), lang)
            return _say("code", lang, first=first, src=_say("first_src", lang).get(m.first_source, m.first_source))
        return _say(m.how if m.how in ("text", "none") else "text", lang)

    def lines(self) -> list[str]:
        lang = self.lang
        kinds = _say("kinds", lang)
        out = [_say("head", lang, file=self.file, kind=kinds.get(self.kind, self.kind), n=self.respondents),
               _say("mapping", lang)]
        sep = text("semi", lang)
        for m in self.mapping:
            src = _say("source", lang).get(m.source, m.source)
            mean = "" if m.mean is None else sep + _say("mean", lang, m=f"{m.mean:.4g}", n=m.count)
            out.append(f"  {m.title} -> {m.code}{_say('reverse', lang) if m.reverse else ''} [{src}]: "
                       f"{self._how(m)}{mean}")
        for t in self.unmapped:
            out.append(f"  {t} -> {_say('unmapped', lang)}")
        out.append(_say("screening", lang))
        for k in ("duplicate", "too_fast", "straight_lining", "too_many_missing"):
            rows = self.flags.get(k, ())
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            label = _say(k, lang, s=self.min_seconds) if k == "too_fast" else _say(k, lang)
            out.append(f"  {label}: {len(rows)}" + (_say("rows", lang, rows=shown) if rows else ""))
        if self.screened:
            out.append(_say("applied", lang, k=self.kept, n=self.respondents))
        else:
            out.append(_say("not_applied", lang, n=self.respondents))
        if not self.changed:
            out.append(_say("no_change", lang))
        elif self.replaced:
            out.append(_say("replaced", lang, k=self.replaced))
        return out


def _norm_title(t: str) -> str:
    import re

    return re.sub(r"\s+", "", str(t)).lower()


def _strip_number(t: str) -> str:
    import re

    return re.sub(r"^\s*(?:第\s*\d+\s*题|Q\s*\d+|\d+)\s*[、.．:：)）]?\s*", "", str(t))


def guess_code(title: str, system: Any) -> str | None:
    """The indicator a question title names: its code as a word, else the longest indicator name in it."""
    import re

    body = _strip_number(title)
    codes = [c for c in system.codes if re.search(rf"(?<![A-Za-z0-9]){re.escape(c)}(?![A-Za-z0-9])", body)]
    if len(codes) == 1:
        return codes[0]
    best, best_len = None, 0
    for i in system.indicators:
        for nm in (i.name_zh, i.name_en):
            if nm and nm in body and len(nm) > best_len:
                best, best_len = i.code, len(nm)
    return best


def _match(title: str, entries: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    from .readers.survey import question_number

    for e in entries:
        if e[0] == title:
            return e
    nt = _norm_title(title)
    for e in entries:
        if _norm_title(e[0]) == nt:
            return e
    q = question_number(title)
    for e in entries:
        if e[0].strip().isdigit() and q is not None and int(e[0]) == q:
            return e
    return None


def _entry(title: str, given: Any, saved: Any, codes: set[str], system: Any, first: str | None) -> MapEntry | None:
    """How one question maps: --map first, else the map saved in the hub, else a guess; and the
    order of its options if it turns out to be answered with option numbers (``first``: the
    --first-option stated on the command line)."""
    if given is not None:
        m = _match(title, given)
        if m is None:
            return None
        rev, row_first = (m[2], m[3]) if len(m) > 3 else (m[2], None)
        if row_first is not None:
            order, src = row_first, "--map"
        elif first is not None:
            order, src = first, "--first-option"
        elif rev is not None:      # a stated reverse: option numbers read as scores, then turned round if yes
            order, src = "low", "--map"
        else:
            order, src = None, ""
        return MapEntry(title, m[1], bool(rev), "--map", order, first_source=src)
    if saved:
        m = _match(title, saved)
        if m is not None:
            saved_first = m[3] if len(m) > 3 else None
            order, src = (first, "--first-option") if first is not None else (saved_first, "saved" if saved_first else "")
            return MapEntry(title, m[1], bool(m[2]), "saved", order, first_source=src)
    g = title if title in codes else guess_code(title, system)
    return None if g is None else MapEntry(title, g, False, "guessed", first, first_source="--first-option" if first else "")


def _mapping(table: Any, given: Any, saved: Any, system: Any, first: str | None = None
             ) -> tuple[list[tuple[int, MapEntry]], list[str]]:
    """(question index, entry) of every mapped question, and the unmapped titles; refuses a
    map naming an unknown indicator or one indicator twice."""
    from .readers.survey import SurveyError, column_letter

    codes = set(system.codes)
    mapping: list[tuple[int, MapEntry]] = []
    unmapped: list[str] = []
    used: dict[str, str] = {}
    for q, title in enumerate(table.titles):
        entry = _entry(title, given, saved, codes, system, first)
        if entry is None or not entry.code:
            unmapped.append(title)
            continue
        col = column_letter(table.columns[q])
        if entry.code not in codes:
            raise SurveyError(f"column {col} '{title}': the map names the indicator {entry.code}, which is not on the "
                              "indicator sheet", file=table.file)
        kind = system.indicator(entry.code).kind
        if kind != "survey":
            raise SurveyError(f"column {col} '{title}': indicator {entry.code} is scored by type {kind}, not by the "
                              "survey; give a map (--map) that leaves this question out, or set the indicator's type "
                              "to 问卷 on the indicator sheet", file=table.file)
        if entry.code in used:
            raise SurveyError(f"column {col} '{title}': indicator {entry.code} is already mapped from "
                              f"'{used[entry.code]}'; map each indicator from one question (give --map)", file=table.file)
        used[entry.code] = title
        mapping.append((q, entry))
    return mapping, unmapped


def _read_column(table: Any, q: int, cells: Sequence[Any], lo: float, hi: float
                 ) -> tuple[list[tuple[float | None, bool]], list[int]]:
    """Question q's answers (``cells``) read by the one rule (refusals located): the distinct
    (value, was an option number) pairs and each response's position among them."""
    from .readers.survey import CODE, read_column

    answers, index, problem = read_column(cells, lo, hi)
    if problem:
        raise table.error(problem[0], q, problem[1])
    return [(x, how == CODE) for x, how in answers], index


def _unknown_order(table: Any, missing: list[tuple[int, MapEntry]], lang: str) -> Any:
    """The refusal of a code export whose order of options nobody stated (names the questions)."""
    from .readers.survey import SurveyError, column_letter

    shown = ", ".join(f"{text('column_letter', lang, c=column_letter(table.columns[q]))} '{m.title}'"
                      for q, m in missing[:3])
    more = len(missing) - 3
    more_text = text("more_questions", lang, more=more) if more > 0 else ""
    return SurveyError(text("unknown_option_order", lang, n=len(missing), shown=shown, more=more_text), file=table.file)


def _answers(table: Any, mapping: list[tuple[int, MapEntry]], lo: float, hi: float, lang: str = "en"
             ) -> tuple[list[tuple[Any, ...]], list[tuple[int, MapEntry]]]:
    """Each response's answers in the order of the mapping, option numbers put in the order stated
    and reversed questions turned round; and the mapping with each question's order and mean."""
    cells = list(zip(*table.rows))   # the export's columns
    columns = []
    done: list[tuple[int, MapEntry]] = []
    missing = []
    for q, m in mapping:
        distinct, index = _read_column(table, q, cells[q], lo, hi)
        how = "code" if any(c for _, c in distinct) else ("text" if any(v is not None for v, _ in distinct) else "none")
        first, src = m.first, m.first_source
        if how == "code" and first is None:
            if table.kind == "plain":   # a table of scores typed as numbers, as on the hub's survey sheet
                first, src = "low", "plain"
            else:
                missing.append((q, m))
        turned = []
        for x, c in distinct:
            if x is not None and c and first == "high":
                x = lo + hi - x
            if x is not None and m.reverse:
                x = lo + hi - x
            if x is not None and float(x).is_integer():
                x = int(x)
            turned.append(x)
        out = list(map(turned.__getitem__, index))
        got = [x for x in out if x is not None]
        mean = sum(got) / len(got) if got else None
        columns.append(out)
        done.append((q, replace(m, first=first if how == "code" else None, how=how,
                                first_source=src if how == "code" else "", mean=mean, count=len(got))))
    if missing:
        raise _unknown_order(table, missing, lang)
    return list(zip(*columns)), done


def _screen(table: Any, answers: list[tuple[Any, ...]], mapping: list[tuple[int, MapEntry]], min_seconds: float,
            max_missing_share: float) -> tuple[dict[str, list[int]], set[int]]:
    """The screening flags (file rows by reason) and the responses they flag; ``answers``: each
    response's answers in the order of ``mapping``."""
    flags: dict[str, list[int]] = {"duplicate": [], "too_fast": [], "straight_lining": [], "too_many_missing": []}
    seen = set()
    drop = set()
    nq = len(mapping)
    for k, vals in enumerate(answers):
        fr = table.file_rows[k]
        reasons = []
        if table.ips[k] is not None:
            key = (table.ips[k], vals)
            if key in seen:
                reasons.append("duplicate")
            seen.add(key)
        s = table.seconds[k]
        if s is not None and s < min_seconds:
            reasons.append("too_fast")
        got = [v for v in vals if v is not None]
        if len(got) >= 3 and len(set(got)) == 1:
            reasons.append("straight_lining")
        if nq and (nq - len(got)) / nq > max_missing_share:
            reasons.append("too_many_missing")
        for r in reasons:
            flags[r].append(fr)
            drop.add(k)
    return flags, drop


_REASONS = {"duplicate": ("重复提交", "duplicates"), "too_fast": ("答题过快", "too fast"),
            "straight_lining": ("所有题目同一答案", "straight-lining"), "too_many_missing": ("缺答过半", "over half missing")}


def collection_facts(result: "SurveyImport", lang: str = "zh") -> dict[str, Any]:
    """What the report states about the survey's collection (Settings rows BPM_SURVEY_*): received,
    screened out, and the screening by reason, in the workbook's language."""
    parts = [text("screened_count", lang, reason=pick(_REASONS[k], lang), n=len(v))
             for k, v in result.flags.items() if v and k in _REASONS]
    if not parts:
        reasons = text("nothing_flagged", lang)
    else:
        reasons = text("semi", lang).join(parts) + text("screened_removed" if result.screened else "screened_kept", lang)
    return {"survey_received": result.respondents,
            "survey_excluded": result.respondents - result.kept if result.screened else 0, "survey_reasons": reasons}


def with_collection_facts(data: Any, result: "SurveyImport", lang: str = "zh") -> Any:
    """``data`` with the survey's collection facts on its Settings rows (the report reads them)."""
    return replace(data, meta={**(data.meta or {}), **collection_facts(result, lang)})


def _scale(data: Any) -> tuple[float, float]:
    lo = number(data.settings.get("scale_min"))
    hi = number(data.settings.get("scale_max"))
    return (1.0 if lo is None else lo), (5.0 if hi is None else hi)


def apply_survey_import(data: Any, table: Any, given: list[tuple[Any, ...]] | None = None,
                        saved: list[tuple[Any, ...]] | None = None, screen: bool = False,
                        min_seconds: float | None = None, max_missing_share: float = 0.5,
                        first: str | None = None, lang: str = "zh") -> tuple[Any, SurveyImport]:
    """Map an export's questions onto indicators, screen the responses, and fill the Survey sheet.

    A question answered with option numbers (a code export of 问卷星 / 腾讯问卷) is imported only
    when the order of its options is known: the first-option column of ``given`` (--map) or of the
    ``saved`` map, ``first`` (--first-option: "high" when option 1 is the best, "low" when it is the
    worst), or a stated reverse in ``given``; otherwise a located refusal names the questions.
    Option text needs nothing. A plain table's numbers are scores, as on the hub's survey sheet.
    """
    from .readers.survey import SurveyError

    system = system_of(data)
    lo, hi = _scale(data)
    min_seconds = 60.0 if min_seconds is None else float(min_seconds)
    mapping, unmapped = _mapping(table, given, saved, system, first)
    if not table.rows:
        raise SurveyError("row 2: the export holds no responses", file=table.file)
    if not mapping:
        raise SurveyError("row 1: no question title names an indicator code or name; give the mapping with --map "
                          "MAP.csv (question, indicator, reverse)", file=table.file)
    if given is not None:
        titles = set(table.titles)
        for t, c, *_ in given:
            if not any(_match(x, [(t, c, False)]) for x in titles):
                raise SurveyError(f"--map: the question {t!r} is not a column of {table.file}")
    answers, mapping = _answers(table, mapping, lo, hi, lang)
    # screening: counted always, applied with screen=True
    flags, drop = _screen(table, answers, mapping, min_seconds, max_missing_share)
    keep = [k for k in range(len(answers)) if not (screen and k in drop)]
    ids = [table.ids[k] for k in keep]
    at = {m.code: j for j, (_, m) in enumerate(mapping)}
    pick = [(c, at.get(c)) for c in system.codes]
    rows = [{c: None if j is None else answers[k][j] for c, j in pick} for k in keep]
    new = with_survey(data, ids, rows)
    result = SurveyImport(table.file, table.kind, tuple(m for _, m in mapping), tuple(unmapped), len(answers),
                          {k: tuple(v) for k, v in flags.items()}, screen, len(keep), min_seconds,
                          replaced=len(data.survey), lang=lang, ids=tuple(ids), rows=tuple(rows))
    return new, result


def same_survey(a: Any, b: Any) -> bool:
    """The survey of two WorkbookData alike: the same respondents, ids and answers."""
    if len(a.survey) != len(b.survey) or not all(_same(x, y) for x, y in zip(a.survey_ids, b.survey_ids)):
        return False
    for ra, rb in zip(a.survey, b.survey):
        for k in set(ra) | set(rb):
            if not _same(ra.get(k), rb.get(k)):
                return False
    return True


def survey_import(values: Any, sheets: dict[str, Any], table: Any, given: list[tuple[Any, ...]] | None = None,
                  first: str | None = None, screen: bool = False, min_seconds: float | None = None,
                  lang: str = "zh") -> tuple[SurveyImport, list[list[Any]] | None]:
    """A survey import computed once: the result and the survey-map sheet to save (None when the
    hub already holds these answers and this map: nothing to write).

    ``values``: the hub's data (cached values); ``sheets``: its sheets by name (for the saved map).
    Settings the hub may carry (survey_min_seconds, survey_screen) apply unless given here.
    """
    if min_seconds is None:
        min_seconds = number(values.settings.get("survey_min_seconds"))
    if not screen:
        flag = str(values.settings.get("survey_screen") or "").strip().lower()
        screen = flag in ("1", "yes", "true", "是", "on")
    saved = None
    for nm in MAP_SHEET.values():
        if nm in sheets:
            saved = read_map_sheet(sheets[nm])
            break
    new_values, result = apply_survey_import(values, table, given=given, saved=saved, screen=screen,
                                             min_seconds=min_seconds, first=first, lang=lang)
    grid = map_sheet_rows(result.mapping, lang)
    unchanged = (same_survey(values, new_values) and saved is not None
                 and [tuple(r) for r in saved] == [tuple(r) for r in read_map_sheet(grid)])
    if unchanged:
        return replace(result, changed=False), None
    return result, grid


__all__ += ["MAP_HEAD", "MapEntry", "SurveyImport", "apply_survey_import", "collection_facts", "guess_code",
            "same_survey", "survey_import", "with_collection_facts"]
