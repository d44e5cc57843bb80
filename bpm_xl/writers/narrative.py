"""Figures -> sentences: the text the HTML and Word reports share, in Chinese and English.

Everything here is pure (an :class:`~bpm_xl.evaluation.Evaluation` in, plain strings out) so a
director can edit the wording in Word and a test can check every number. Numbers are shown
with the rounding `bpm-xl evaluate` output is displayed with everywhere: half-up at the shown
precision after reducing to 15 significant digits (Excel's ROUND); weights and 5-point scores
4 decimals, 100-point scores 2 decimals (the precision the grade is decided at).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "OUTLINE",
    "YearComparison",
    "YearRow",
    "analysis",
    "basic_info",
    "compare_years",
    "conclusion",
    "experience",
    "fix",
    "heading",
    "meta_of",
    "method_paragraphs",
    "p_text",
    "pct",
    "problems_by_stage",
    "report_title",
    "sensitivity_statement",
    "stage_name",
    "suggestions_by_stage",
    "year_sentences",
]

OUTLINE = (
    ("basic", "一、基本情况", "1. Basic information"),
    ("work", "二、评价工作开展情况", "2. How the evaluation was carried out"),
    ("conclusion", "三、综合评价结论", "3. Overall evaluation conclusion"),
    ("analysis", "四、绩效分析", "4. Performance analysis"),
    ("experience", "五、主要经验做法", "5. Main experience and good practice"),
    ("problems", "六、存在的问题及原因", "6. Problems and their causes"),
    ("suggestions", "七、改进建议", "7. Recommendations"),
    ("annex", "八、附件", "8. Annexes"),
)

STAGES = ("plan", "do", "check", "act")
_STAGE = {"plan": ("计划（Plan）", "Plan"), "do": ("执行（Do）", "Do"), "check": ("检查（Check）", "Check"),
          "act": ("处理（Act）", "Act")}


def heading(key: str, lang: str) -> str:
    for k, zh, en in OUTLINE:
        if k == key:
            return zh if lang == "zh" else en
    raise KeyError(key)


def stage_short(stage: str, lang: str) -> str:
    """计划 / 执行 / 检查 / 处理 (Plan / Do / Check / Act), for narrow table columns."""
    zh, en = _STAGE.get(stage, (stage, stage))
    return zh.split("（")[0] if lang == "zh" else en


def stage_name(stage: str, lang: str) -> str:
    zh, en = _STAGE.get(stage, (stage, stage))
    return zh if lang == "zh" else en


# --------------------------------------------------------------------------- numbers
def fix(x: Any, digits: int = 4) -> str:
    """``x`` rounded half-up to ``digits`` decimals as Excel's ROUND does (15 significant digits
    first); "—" for a blank or non-finite value."""
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "—"
    d = Decimal(repr(v))
    if d != 0:
        d = d.quantize(Decimal(1).scaleb(d.adjusted() - 14), rounding=ROUND_HALF_EVEN)
    out = d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{out:f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def pct(x: float, digits: int = 1) -> str:
    return fix(float(x) * 100, digits) + "%"


def p_text(p: float) -> str:
    """'p = 0.0123' or 'p < 0.0001' (never a misleading 0.0000)."""
    return "p < 0.0001" if float(p) < 0.0001 else f"p = {fix(p, 4)}"


# --------------------------------------------------------------------------- meta and title
def meta_of(meta: Any, evaluation: Any = None) -> dict[str, str]:
    """unit / year / evaluator as text from a Meta object or mapping (falls back to
    ``evaluation.meta``); missing fields are ""."""
    if meta is None and evaluation is not None:
        meta = getattr(evaluation, "meta", None) or getattr(getattr(evaluation, "inputs", None), "meta", None)
    out = {}
    for key in ("unit", "year", "evaluator"):
        v = meta.get(key) if isinstance(meta, Mapping) else getattr(meta, key, None)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out[key] = "" if v is None else str(v).strip()
    return out


def report_title(evaluation: Any, meta: Mapping[str, str], lang: str) -> str:
    """"<unit><year>年度预算绩效管理评价报告" (or the workbook's title when no unit is given)."""
    unit, year = meta.get("unit", ""), meta.get("year", "")
    if lang == "zh":
        if unit or year:
            return f"{unit}{year + '年度' if year else ''}预算绩效管理评价报告"
        return evaluation.inputs.title or "预算绩效管理评价报告"
    if unit or year:
        return "Budget performance management evaluation report" + (f": {unit}" if unit else "") + (
            f", {year}" if year else "")
    return evaluation.inputs.title or "Budget performance management evaluation report"


def _name(ev: Any, code: str, lang: str) -> str:
    return ev.system.label(code, lang)


def _q(text: str, lang: str) -> str:
    return f"“{text}”" if lang == "zh" else f"'{text}'"


# --------------------------------------------------------------------------- sections
def basic_info(ev: Any, meta: Mapping[str, str], lang: str) -> list[str]:
    zh = lang == "zh"
    sys_ = ev.system
    n_dim, n_ind = len(sys_.dimensions), len(sys_.indicators)
    dims = "、".join(d.name("zh") for d in sys_.dimensions) if zh else ", ".join(d.name("en") for d in sys_.dimensions)
    out = []
    if zh:
        who = meta.get("unit") or "（被评价单位，请填写）"
        year = meta.get("year") or "（年度，请填写）"
        out.append(f"被评价单位：{who}。评价年度：{year}。评价人：{meta.get('evaluator') or '（请填写）'}。")
        if ev.inputs.title:
            out.append(f"评价对象：{ev.inputs.title}。")
        out.append(f"本次评价采用 {n_dim} 个维度（{dims}）、{n_ind} 项指标构成的预算绩效管理评价指标体系，"
                   f"各指标按计划—执行—检查—处理（PDCA）环节归类。")
    else:
        out.append(f"Unit evaluated: {meta.get('unit') or '(to be filled in)'}. Year: {meta.get('year') or '(to be filled in)'}. "
                   f"Evaluator: {meta.get('evaluator') or '(to be filled in)'}.")
        if ev.inputs.title:
            out.append(f"Subject: {ev.inputs.title}.")
        out.append(f"The evaluation uses an indicator system of {n_dim} dimensions ({dims}) and {n_ind} indicators, "
                   "each assigned to a plan-do-check-act (PDCA) stage.")
    return out


def _survey_count(ev: Any) -> int:
    return len(ev.inputs.survey)


def method_paragraphs(ev: Any, lang: str) -> list[str]:
    """Method and panel: experts, Delphi rounds, W and p, authority, screening, AHP, respondents."""
    zh = lang == "zh"
    s = ev.settings
    n_exp = len(ev.inputs.experts)
    out = []
    method = {"eigen": ("特征向量法", "principal eigenvector"), "geomean": ("几何平均法", "row geometric mean"),
              "arith": ("算术平均法", "column-normalised row average")}[s.method][0 if zh else 1]
    weighting = ("按专家权威系数加权" if s.expert_weighting == "authority" else "等权") if zh else (
        "weighted by authority" if s.expert_weighting == "authority" else "equally weighted")
    if zh:
        out.append(f"评价采用德尔菲法确定指标、层次分析法（AHP）确定权重、问卷调查采集评分的方法。专家组共 {n_exp} 人，"
                   f"各专家判断矩阵{weighting}后集结（{'AIJ，判断加权几何平均' if s.aggregation == 'aij' else 'AIP，权重加权几何平均'}），"
                   f"权重按{method}计算，随机一致性指标取 {s.random_index} 表，一致性比例 CR < {s.cr_threshold:g} 为可接受。")
    else:
        out.append(f"Indicators were settled by Delphi consultation, weighted by the analytic hierarchy process (AHP) and "
                   f"scored by a survey. The panel has {n_exp} experts, {weighting}; their judgments are aggregated "
                   f"({'AIJ, weighted geometric mean of judgments' if s.aggregation == 'aij' else 'AIP, weighted geometric mean of priorities'}), "
                   f"weights by the {method} method, random index table {s.random_index}, acceptable when CR < {s.cr_threshold:g}.")
    d = ev.delphi
    if d is not None:
        a = d.authority
        for rd in d.rounds:
            kept = int(rd.screen.to_frame()["keep"].sum())
            total = len(rd.screen.to_frame())
            k = rd.kendall
            sent = _nth(ev.inputs.delphi_sent, rd.number - 1)
            back = _nth(ev.inputs.delphi_returned, rd.number - 1)
            if zh:
                t = f"第 {rd.number} 轮德尔菲咨询：{rd.n_experts} 位专家评分"
                if sent and back:
                    t += f"（发出问卷 {sent:g} 份，收回 {back:g} 份，回收率 {pct(back / sent)}）"
                if k is not None:
                    t += f"，Kendall 协调系数 W = {fix(k.w, 4)}（χ² = {fix(k.chi2, 2)}，自由度 {k.df}，{p_text(k.p)}）"
                t += f"；按均值 ≥ {s.min_mean:g} 且变异系数 ≤ {s.max_cv:g} 筛选，{total} 项指标保留 {kept} 项、剔除 {total - kept} 项。"
            else:
                t = f"Delphi round {rd.number}: {rd.n_experts} experts rated the indicators"
                if sent and back:
                    t += f" ({sent:g} questionnaires sent, {back:g} returned, {pct(back / sent)})"
                if k is not None:
                    t += f"; Kendall's W = {fix(k.w, 4)} (χ² = {fix(k.chi2, 2)}, df {k.df}, {p_text(k.p)})"
                t += (f"; screening by mean ≥ {s.min_mean:g} and CV ≤ {s.max_cv:g} kept {kept} of {total} indicators"
                      f" and removed {total - kept}.")
            out.append(t)
        level = ("较高" if a.panel_cr >= 0.7 else "偏低") if zh else ("adequate" if a.panel_cr >= 0.7 else "low")
        out.append(f"专家权威系数 Cr = {fix(a.panel_cr, 3)}（判断依据 Ca = {fix(a.panel_ca, 3)}，熟悉程度 Cs = "
                   f"{fix(a.panel_cs, 3)}），权威程度{level}（一般以 Cr ≥ 0.7 为可接受）。" if zh else
                   f"Expert authority Cr = {fix(a.panel_cr, 3)} (basis Ca = {fix(a.panel_ca, 3)}, familiarity Cs = "
                   f"{fix(a.panel_cs, 3)}), {level} (Cr ≥ 0.7 is usually taken as acceptable).")
    n = _survey_count(ev)
    answers = ev.indicator_table["answers"]
    out.append(f"问卷调查共收回 {n} 份答卷，各指标有效答卷 {int(answers.min())}–{int(answers.max())} 份，"
               f"按 {s.scale_min:g}–{s.scale_max:g} 分量表评分。" if zh else
               f"The survey has {n} respondents; each indicator has {int(answers.min())}-{int(answers.max())} valid "
               f"answers on a {s.scale_min:g}-{s.scale_max:g} scale.")
    return out


def _nth(seq: Sequence[Any], k: int) -> float | None:
    try:
        v = float(seq[k])
    except (IndexError, TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _band_text(ev: Any, lang: str) -> str:
    bands = ev.rating.bands.bands
    parts = []
    for k, b in enumerate(bands):
        label = b.label_zh if lang == "zh" else b.label_en
        hi = "" if k == 0 else (f"，< {bands[k - 1].lower:g}" if lang == "zh" else f", < {bands[k - 1].lower:g}")
        parts.append(f"{b.grade} {label}（≥ {b.lower:g}{hi}）" if lang == "zh" else f"{b.grade} {label} (≥ {b.lower:g}{hi})")
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def conclusion(ev: Any, lang: str) -> list[str]:
    """Total, 100-point score, grade and the band that gave it."""
    s = ev.settings
    r = ev.rating
    label = r.label_zh if lang == "zh" else r.label_en
    band = next(b for b in r.bands.bands if b.grade == r.grade)
    if lang == "zh":
        return [f"综合评价加权总分为 {fix(ev.total, 4)} 分（{s.scale_min:g}–{s.scale_max:g} 分制），折合百分制 "
                f"{fix(ev.score100, 2)} 分，评价等级为{_q(label, lang)}（{r.grade}）：按 {r.bands.name} 规则，"
                f"百分制得分（保留两位小数）达到 {band.lower:g} 分（含）即为该等级。",
                f"等级划分：{_band_text(ev, lang)}。"]
    return [f"The weighted total score is {fix(ev.total, 4)} (on a {s.scale_min:g}-{s.scale_max:g} scale), "
            f"{fix(ev.score100, 2)} on 100 points, rated {_q(label, lang)} ({r.grade}): under the {r.bands.name} rule a "
            f"100-point score (rounded to 2 decimals) of {band.lower:g} or more earns this grade.",
            f"Rating bands: {_band_text(ev, lang)}."]


def analysis(ev: Any, lang: str, k: int = 3) -> list[str]:
    """Dimension by dimension, strongest and weakest indicators, largest weighted gaps,
    consistency caveats."""
    zh = lang == "zh"
    out = []
    dt = ev.dimension_table
    sep = "；" if zh else "; "
    parts = []
    for _, d in dt.iterrows():
        nm = _name(ev, d["dimension"], lang)
        parts.append(f"{nm}权重 {fix(d['weight'], 4)}，得分 {fix(d['score'], 4)}（百分制 {fix(d['score100'], 2)}），"
                     f"对总分贡献 {fix(d['contribution'], 4)}" if zh else
                     f"{nm}: weight {fix(d['weight'], 4)}, score {fix(d['score'], 4)} ({fix(d['score100'], 2)} on 100), "
                     f"contribution {fix(d['contribution'], 4)}")
    out.append(("分维度看：" if zh else "By dimension: ") + sep.join(parts) + ("。" if zh else "."))
    best = dt.loc[dt["score100"].idxmax()]
    worst = dt.loc[dt["score100"].idxmin()]
    if best["dimension"] != worst["dimension"]:
        out.append(f"{_name(ev, best['dimension'], lang)}表现最好（百分制 {fix(best['score100'], 2)}），"
                   f"{_name(ev, worst['dimension'], lang)}相对薄弱（百分制 {fix(worst['score100'], 2)}）。" if zh else
                   f"{_name(ev, best['dimension'], lang)} is strongest ({fix(best['score100'], 2)} on 100) and "
                   f"{_name(ev, worst['dimension'], lang)} weakest ({fix(worst['score100'], 2)}).")
    it = ev.indicator_table.sort_values("mean_score", ascending=False, kind="stable")
    k = min(k, len(it))

    def lst(rows: Any) -> str:
        items = [f"{r['code']} {_name(ev, r['code'], lang)}（{fix(r['mean_score'], 4)}）" if zh else
                 f"{r['code']} {_name(ev, r['code'], lang)} ({fix(r['mean_score'], 4)})" for _, r in rows.iterrows()]
        return "、".join(items) if zh else ", ".join(items)

    out.append(f"分指标看，得分最高的 {k} 项指标为 {lst(it.head(k))}；得分最低的 {k} 项为 {lst(it.tail(k).iloc[::-1])}"
               f"（满分 {ev.settings.scale_max:g}）。" if zh else
               f"By indicator, the {k} highest scores are {lst(it.head(k))}; the {k} lowest are "
               f"{lst(it.tail(k).iloc[::-1])} (top of scale {ev.settings.scale_max:g}).")
    pr = ev.priorities.head(k)
    scale = ev.settings.scale_max
    gaps = [f"{r['label']} {_name(ev, r['label'], lang)}（加权差距 {fix(r['weighted_gap'], 4)}，百分制失分 "
            f"{fix(r['weighted_gap'] / scale * 100, 2)}，占全部失分 {pct(r['share'])}）" if zh else
            f"{r['label']} {_name(ev, r['label'], lang)} (weighted gap {fix(r['weighted_gap'], 4)}, "
            f"{fix(r['weighted_gap'] / scale * 100, 2)} points of 100, {pct(r['share'])} of all points lost)"
            for _, r in pr.iterrows()]
    out.append((f"加权差距（全局权重 × 与满分的差距）最大的 {len(gaps)} 项指标为 " + "、".join(gaps) +
                "，是提升总分的重点。") if zh else
               (f"The {len(gaps)} largest weighted gaps (global weight × distance to the top of the scale) are "
                + "; ".join(gaps) + "; these are where the total can gain most."))
    out += consistency_caveats(ev, lang)
    return out


def consistency_caveats(ev: Any, lang: str) -> list[str]:
    zh = lang == "zh"
    t = ev.settings.cr_threshold
    bad = ev.inconsistent_nodes()
    crs = [nr.aggregated.consistency_ratio for nr in ev.nodes.values()]
    out = []
    if not bad:
        out.append(f"各集结判断矩阵均通过一致性检验（最大 CR = {fix(max(crs), 4)} < {t:g}），层次总排序 CR = "
                   f"{fix(ev.hierarchy.consistency_ratio, 4)}，权重可以采用。" if zh else
                   f"Every aggregated judgment matrix passes the consistency check (largest CR = {fix(max(crs), 4)} < {t:g}); "
                   f"the hierarchy CR is {fix(ev.hierarchy.consistency_ratio, 4)}, so the weights can be used.")
    else:
        names = [f"{nr.node}（CR = {fix(nr.aggregated.consistency_ratio, 4)}）" if zh else
                 f"{nr.node} (CR = {fix(nr.aggregated.consistency_ratio, 4)})" for nr in bad]
        out.append(f"注意：{'、'.join(names)} 的集结判断矩阵未通过一致性检验（CR ≥ {t:g}），相关权重应谨慎解读，"
                   f"建议按附件中的修正建议请专家复核。" if zh else
                   f"Caution: the aggregated matrices of {', '.join(names)} fail the consistency check (CR ≥ {t:g}); read "
                   f"those weights with care and ask the experts to review the judgments suggested in the annex.")
    experts = sorted({ec for nr in ev.nodes.values() for ec, r in zip(nr.expert_codes, nr.expert_results)
                      if r.consistency_ratio >= t})
    if experts:
        out.append(f"另有专家 {'、'.join(experts)} 的个人判断矩阵 CR ≥ {t:g}，其判断仍按专家权重参与集结。" if zh else
                   f"Expert(s) {', '.join(experts)} have individual matrices with CR ≥ {t:g}; their judgments still enter "
                   "the aggregate with the expert's weight.")
    return out


def experience(ev: Any, lang: str, k: int = 3) -> list[str]:
    """Good practice suggested by the strongest indicators, as a starting point to edit."""
    zh = lang == "zh"
    it = ev.indicator_table.sort_values("mean_score", ascending=False, kind="stable").head(k)
    out = []
    for _, r in it.iterrows():
        out.append(f"{r['code']} {_name(ev, r['code'], lang)}得分 {fix(r['mean_score'], 4)}，在全部指标中位居前列，"
                   f"相关做法（{stage_name(r['pdca'], lang)}环节）可总结推广。" if zh else
                   f"{r['code']} {_name(ev, r['code'], lang)} scores {fix(r['mean_score'], 4)}, among the best; the "
                   f"practice behind it ({stage_name(r['pdca'], lang)} stage) is worth describing and spreading.")
    out.append("【请结合实际补充具体做法、制度文件和成效。】" if zh else
               "[Add the concrete practices, rules and results here before signing.]")
    return out


def problems_by_stage(ev: Any, lang: str, top: int = 5) -> dict[str, list[str]]:
    """The top priorities' problems and their causes (what the figures show), by PDCA stage."""
    zh = lang == "zh"
    scale = ev.settings.scale_max
    out: dict[str, list[str]] = {}
    it = ev.indicator_table.set_index("code")
    for _, r in ev.priorities.head(top).iterrows():
        if float(r["weighted_gap"]) <= 0:
            continue
        code = r["label"]
        row = it.loc[code]
        out.setdefault(r["stage"] or "act", []).append(
            f"{code} {_name(ev, code, lang)}：得分 {fix(r['score'], 4)}，距满分差 {fix(r['gap'], 4)}，全局权重 "
            f"{fix(r['weight'], 4)}，使总分损失 {fix(r['weighted_gap'] / scale * 100, 2)} 分（百分制，"
            f"占全部失分 {pct(r['share'])}），有效答卷 {int(row['answers'])} 份。"
            f"【原因分析：请结合调研情况填写。】" if zh else
            f"{code} {_name(ev, code, lang)}: score {fix(r['score'], 4)}, {fix(r['gap'], 4)} below the top, global weight "
            f"{fix(r['weight'], 4)}, costing {fix(r['weighted_gap'] / scale * 100, 2)} points of 100 "
            f"({pct(r['share'])} of all points lost), {int(row['answers'])} valid answers. "
            f"[Causes: fill in from the fieldwork.]")
    return {s: out[s] for s in STAGES if s in out} | {s: v for s, v in out.items() if s not in STAGES}


_SUGGEST = {
    "plan": ("在计划环节，完善绩效目标设定与预算编制：{items}。", "Plan: refine targets and budget preparation for {items}."),
    "do": ("在执行环节，加强预算执行与运行监控：{items}。", "Do: strengthen execution and monitoring for {items}."),
    "check": ("在检查环节，健全绩效评价与效益核查：{items}。", "Check: improve evaluation and results checks for {items}."),
    "act": ("在处理环节，强化结果应用、整改与问责：{items}。", "Act: use the results, rectify and hold to account for {items}."),
}


def suggestions_by_stage(ev: Any, lang: str, top: int = 5) -> dict[str, str]:
    zh = lang == "zh"
    groups: dict[str, list[str]] = {}
    for _, r in ev.priorities.head(top).iterrows():
        if float(r["weighted_gap"]) > 0:
            groups.setdefault(r["stage"] or "act", []).append(f"{r['label']} {_name(ev, r['label'], lang)}")
    out = {}
    for s in STAGES:
        if s in groups:
            items = "、".join(groups[s]) if zh else ", ".join(groups[s])
            out[s] = _SUGGEST[s][0 if zh else 1].format(items=items)
    return out


def sensitivity_statement(ev: Any, sensitivity: Any, lang: str) -> str | None:
    """How likely the grade holds under judgment perturbation, panel and respondent resampling."""
    sd = sensitivity
    if sd is None or not hasattr(sd, "judgments_perturb"):
        return None
    zh = lang == "zh"
    parts = [("判断扰动" if zh else "judgment perturbation", sd.judgments_perturb),
             ("专家重抽样" if zh else "panel bootstrap", sd.judgments_bootstrap),
             ("答卷重抽样" if zh else "respondent bootstrap", sd.respondents)]
    stays = [float(p.rating_stays) for _, p in parts]
    lo = min(stays)
    label = ev.rating.label_zh if zh else ev.rating.label_en
    if zh:
        each = "、".join(f"{n} {pct(v)}" for (n, _), v in zip(parts, stays))
        verdict = ("评价等级稳定" if lo >= 0.95 else "评价等级较稳定" if lo >= 0.8 else
                   "评价等级对输入较敏感，引用等级时应同时说明得分区间")
        return (f"敏感性分析（每种情形 {sd.draws} 次模拟）显示，评价等级保持为{_q(label, lang)}的比例为：{each}；"
                f"百分制得分 95% 区间最宽为 {_widest(parts)}。{verdict}。")
    each = ", ".join(f"{n} {pct(v)}" for (n, _), v in zip(parts, stays))
    verdict = ("The grade is stable" if lo >= 0.95 else "The grade is fairly stable" if lo >= 0.8 else
               "The grade is sensitive to the inputs; quote the score interval with it")
    return (f"Sensitivity analysis ({sd.draws} draws each): the grade stays {_q(label, lang)} in {each} of the draws; "
            f"the widest 95% interval of the 100-point score is {_widest(parts)}. {verdict}.")


def _widest(parts: Sequence[tuple[str, Any]]) -> str:
    best = max(parts, key=lambda p: float(p[1].score100.high) - float(p[1].score100.low))[1]
    return f"{fix(best.score100.low, 2)}–{fix(best.score100.high, 2)}"


# --------------------------------------------------------------------------- year over year
@dataclass(frozen=True, slots=True)
class YearRow:
    code: str
    name_zh: str
    name_en: str
    weight_prev: float | None
    weight_now: float | None
    score100_prev: float | None
    score100_now: float | None

    @property
    def change(self) -> float | None:
        if self.score100_prev is None or self.score100_now is None:
            return None
        return self.score100_now - self.score100_prev


@dataclass(frozen=True)
class YearComparison:
    this_label: str
    prev_label: str
    rows: tuple[YearRow, ...]             # the dimensions, union of both years, this year's order first
    total_prev: float                     # weighted totals
    total_now: float
    score100_prev: float
    score100_now: float
    grade_prev: str
    grade_now: str
    label_prev: tuple[str, str]           # (zh, en) grade labels
    label_now: tuple[str, str]
    added: tuple[tuple[str, str, str], ...]    # indicators (code, name_zh, name_en) new this year
    removed: tuple[tuple[str, str, str], ...]  # indicators dropped since last year


def compare_years(ev: Any, previous: Any, this_label: str = "", prev_label: str = "") -> YearComparison:
    """This year's evaluation beside last year's: dimension weights and scores, total, grade and
    indicator changes (by code)."""
    cur = ev.dimension_table.set_index("dimension")
    old = previous.dimension_table.set_index("dimension")
    codes = list(cur.index) + [c for c in old.index if c not in cur.index]
    rows = []
    for c in codes:
        src = cur.loc[c] if c in cur.index else old.loc[c]
        rows.append(YearRow(
            c, str(src["name_zh"]), str(src["name_en"]),
            float(old.loc[c, "weight"]) if c in old.index else None,
            float(cur.loc[c, "weight"]) if c in cur.index else None,
            float(old.loc[c, "score100"]) if c in old.index else None,
            float(cur.loc[c, "score100"]) if c in cur.index else None))
    now_codes = list(ev.system.codes)
    old_codes = list(previous.system.codes)
    added = tuple((c, ev.system.indicator(c).name_zh, ev.system.indicator(c).name_en)
                  for c in now_codes if c not in old_codes)
    removed = tuple((c, previous.system.indicator(c).name_zh, previous.system.indicator(c).name_en)
                    for c in old_codes if c not in now_codes)
    return YearComparison(this_label, prev_label, tuple(rows), float(previous.total), float(ev.total),
                          float(previous.score100), float(ev.score100), previous.rating.grade, ev.rating.grade,
                          (previous.rating.label_zh, previous.rating.label_en), (ev.rating.label_zh, ev.rating.label_en),
                          added, removed)


def year_labels(meta: Mapping[str, str], prev_meta: Mapping[str, str], lang: str) -> tuple[str, str]:
    zh = lang == "zh"
    y, py = meta.get("year", ""), prev_meta.get("year", "")
    if y and not py and y.isdigit():
        py = str(int(y) - 1)
    this = (f"{y}年" if zh else y) if y else ("本年" if zh else "This year")
    prev = (f"{py}年" if zh else py) if py else ("上年" if zh else "Last year")
    return this, prev


def year_sentences(cmp_: YearComparison, lang: str) -> list[str]:
    zh = lang == "zh"
    d = float(fix(cmp_.score100_now, 2)) - float(fix(cmp_.score100_prev, 2))
    move = (("提高" if d > 0 else "下降" if d < 0 else "持平") if zh else
            ("up" if d > 0 else "down" if d < 0 else "unchanged"))
    out = []
    if zh:
        out.append(f"与{cmp_.prev_label}相比，百分制得分由 {fix(cmp_.score100_prev, 2)} 分变为 {fix(cmp_.score100_now, 2)} 分"
                   f"（{move}{'' if d == 0 else ' ' + fix(abs(d), 2) + ' 分'}），评价等级由{_q(cmp_.label_prev[0], lang)}"
                   f"（{cmp_.grade_prev}）{'保持为' if cmp_.grade_prev == cmp_.grade_now else '变为'}"
                   f"{_q(cmp_.label_now[0], lang)}（{cmp_.grade_now}）。")
    else:
        out.append(f"Compared with {cmp_.prev_label}, the 100-point score went from {fix(cmp_.score100_prev, 2)} to "
                   f"{fix(cmp_.score100_now, 2)} ({move}{'' if d == 0 else ' ' + fix(abs(d), 2)}); the grade "
                   f"{'stays' if cmp_.grade_prev == cmp_.grade_now else 'changed from ' + _q(cmp_.label_prev[1], lang) + ' (' + cmp_.grade_prev + ') to'} "
                   f"{_q(cmp_.label_now[1], lang)} ({cmp_.grade_now}).")
    if cmp_.added or cmp_.removed:
        def names(xs: Sequence[tuple[str, str, str]]) -> str:
            return ("、" if zh else ", ").join(f"{c} {zhn if zh else enn}" for c, zhn, enn in xs) or ("无" if zh else "none")
        out.append(f"指标体系变化：新增 {names(cmp_.added)}；删除 {names(cmp_.removed)}。两年总分的可比性受此影响。" if zh else
                   f"Indicator changes: added {names(cmp_.added)}; removed {names(cmp_.removed)}. This limits how far the "
                   "two totals compare.")
    else:
        out.append("两年指标体系相同。" if zh else "The indicator system is the same in both years.")
    return out
