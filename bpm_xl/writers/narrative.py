"""Figures -> sentences: the story the HTML and Word reports share, in Chinese and English.

The wording lives in :mod:`bpm_xl.texts`; which indicators are strengths and which are
problems comes from :func:`bpm_xl.findings.classify`, here only put into sentences.

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

from ..texts import pick, text, variant

__all__ = [
    "OUTLINE",
    "nth",
    "YearComparison",
    "YearRow",
    "analysis",
    "basic_info",
    "cap_sentence",
    "data_rows",
    "shows_tree",
    "tree_order",
    "value_text",
    "compare_years",
    "conclusion",
    "experience",
    "fix",
    "heading",
    "meta_of",
    "date_text",
    "method_paragraphs",
    "p_text",
    "pct",
    "problems_by_stage",
    "report_title",
    "sensitivity_parts",
    "sensitivity_statement",
    "stage_name",
    "suggestions",
    "survey_facts",
    "survey_paragraph",
    "scope_info",
    "rule_paragraphs",
    "round_sentence",
    "significant",
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


def heading(key: str, lang: str) -> str:
    for k, zh, en in OUTLINE:
        if k == key:
            return pick((zh, en), lang)
    raise KeyError(key)


def stage_short(stage: str, lang: str) -> str:
    """计划 / 执行 / 检查 / 处理 (plan / do / check / act), for narrow table columns."""
    return text(f"stage_{stage}", lang) if stage in STAGES else stage


stage_name = stage_short


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
META_FIELDS = ("unit", "year", "evaluator", "report_date", "functions", "budget", "scope", "organisation",
               "problem_line", "survey_sent", "survey_received", "survey_excluded", "survey_reasons")


def meta_of(meta: Any, evaluation: Any = None) -> dict[str, str]:
    """The report's facts from Settings (unit, year, evaluator, report date, 基本情况 fields, the
    problem line, the survey's collection) as text from a Meta object or mapping (falls back to
    ``evaluation.meta``); missing fields are ""."""
    if meta is None and evaluation is not None:
        meta = getattr(evaluation, "meta", None) or getattr(getattr(evaluation, "inputs", None), "meta", None)
    out = {}
    for key in META_FIELDS:
        v = meta.get(key) if isinstance(meta, Mapping) else getattr(meta, key, None)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if hasattr(v, "isoformat") and not isinstance(v, str):
            v = v.isoformat()[:10]
        out[key] = "" if v is None else str(v).strip()
    return out


def date_text(value: str, lang: str) -> str:
    """A date typed on Settings as the report prints it: 2026-03-31 -> 2026年3月31日 (zh); any
    other text as typed."""
    import re

    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    if not m or lang != "zh":
        return value
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日"


def report_title(evaluation: Any, meta: Mapping[str, str], lang: str) -> str:
    """"<unit><year>年度预算绩效管理评价报告" (or the workbook's title when no unit is given)."""
    unit, year = meta.get("unit", ""), meta.get("year", "")
    if unit and year:
        return text("title_unit_year", lang, unit=unit, year=year)
    if unit:
        return text("title_unit", lang, unit=unit)
    if year:
        return text("title_year", lang, year=year)
    return evaluation.inputs.title or text("title_plain", lang)


def _name(ev: Any, code: str, lang: str) -> str:
    return ev.system.label(code, lang)


def _or_todo(v: str, lang: str) -> str:
    return v if v else text("todo", lang)


def stage_word(stage: str, lang: str) -> str:
    """计划 / 执行 / 检查 / 处理 (plan / do / check / act)."""
    return text(f"stage_{stage}", lang) if stage in STAGES else stage


# --------------------------------------------------------------------------- 一、基本情况
def basic_info(ev: Any, meta: Mapping[str, str], lang: str) -> list[str]:
    """The unit: who, what it does, its budget (each 待填写 when Settings leaves it blank)."""
    j = text("sentence_join", lang)
    return [j.join((text("unit_line", lang, unit=_or_todo(meta.get("unit", ""), lang), year=_or_todo(meta.get("year", ""), lang)),
                    text("basic_functions", lang, v=_or_todo(meta.get("functions", ""), lang)),
                    text("basic_budget", lang, v=_or_todo(meta.get("budget", ""), lang))))]


def scope_info(ev: Any, meta: Mapping[str, str], lang: str) -> list[str]:
    sys_ = ev.system
    dims = text("sep", lang).join(d.name(lang) for d in sys_.dimensions)
    out = [text("sentence_join", lang).join((text("basic_scope", lang, v=_or_todo(meta.get("scope", ""), lang)),
                                          text("basic_organisation", lang, v=_or_todo(meta.get("organisation", ""), lang))))]
    if ev.inputs.title:
        out.append(text("subject", lang, v=ev.inputs.title))
    if sys_.depth > 2:
        out.append(text("system_deep", lang, depth=sys_.depth, n_dim=len(sys_.dimensions), dims=dims,
                        n_grp=len(sys_.groups), n_ind=len(sys_.indicators)))
    else:
        out.append(text("system", lang, n_dim=len(sys_.dimensions), dims=dims, n_ind=len(sys_.indicators)))
    return out


# --------------------------------------------------------------------------- the tree and the data indicators
def shows_tree(ev: Any) -> bool:
    """Whether the score tables show the system level by level with points: a system deeper
    than two levels or weighted by points. The study's two-level AHP system keeps its tables."""
    return ev.system.depth > 2 or ev.system.weighting == "points"


def tree_order(system: Any) -> list[tuple[str, int, bool]]:
    """Every dimension, inner group and indicator depth first: (code, level, is an indicator)."""
    leaves = {i.code for i in system.indicators}
    out: list[tuple[str, int, bool]] = []

    def walk(node: str) -> None:
        for ch in system.children(node):
            out.append((ch, system.level(ch), ch in leaves))
            if ch not in leaves:
                walk(ch)

    for d in system.dimension_codes:
        out.append((d, 1, False))
        walk(d)
    return out


def value_text(value: float, rule: Any, lang: str) -> str:
    """A measured value as the report prints it: 是/否 for a yes/no standard, else the number."""
    if rule.method == "yesno":
        return text("yes" if value == 1 else "no", lang)
    return f"{value:.10g}"


def data_rows(ev: Any, lang: str) -> list[list[str]]:
    """One row per data indicator: code, name, measured value, unit, 评分标准, fraction, score."""
    rows = []
    entries = getattr(ev.inputs, "data", {}) or {}
    for ind in ev.system.ordered_indicators():
        if ind.kind != "data":
            continue
        ds = ev.data_scores.get(ind.code)
        entry = entries.get(ind.code)
        rule = ds.rule if ds is not None else getattr(entry, "rule", None)
        rows.append([ind.code, ind.name(lang),
                     value_text(ds.value, ds.rule, lang) if ds is not None else text("pending", lang),
                     getattr(entry, "unit", "") or "", rule.describe(lang) if rule is not None else "—",
                     pct(ds.fraction) if ds is not None else "—", fix(ds.score, 4) if ds is not None else "—"])
    return rows


def cap_sentence(ev: Any, lang: str) -> str | None:
    """What the score cap did to the total, when one cut it."""
    c = getattr(ev, "cap", None)
    if c is None:
        return None
    code = c.cap.indicator
    entry = (getattr(ev.inputs, "data", {}) or {}).get(code)
    shown = value_text(c.value, entry.rule, lang) if entry is not None else f"{c.value:.10g}"
    return text("cap_applied", lang, rule=c.cap.label or c.cap.describe(lang), code=code, name=_name(ev, code, lang),
                value=shown, before=fix(c.uncapped_score100, 2), after=fix(c.capped_score100, 2))


# --------------------------------------------------------------------------- 二、评价工作开展情况
def method_paragraphs(ev: Any, lang: str) -> list[str]:
    """Method and panel: where the weights come from (the panel's judgments or the points), how
    each type of indicator is scored, experts, Delphi rounds (forms, W, χ², p, significance), authority."""
    s = ev.settings
    weighting = text("weighting_authority" if s.expert_weighting == "authority" else "weighting_equal", lang)
    if ev.system.weighting == "points":
        total = sum(ev.system.points_of(d) for d in ev.system.dimension_codes)
        out = [text("method_points", lang, total=f"{total:g}")]
        k = sum(1 for i in ev.system.indicators if i.kind == "expert")
        if k:
            out.append(text("method_panel_scores", lang, n=len(ev.inputs.experts), k=k, weighting=weighting))
    else:
        out = [text("method_sentence", lang, n=len(ev.inputs.experts), weighting=weighting,
                    aip=text("aip", lang) if s.aggregation == "aip" else "", method=text(f"m_{s.method}", lang),
                    ri=text(f"ri_{s.random_index}", lang), t=s.cr_threshold)]
    kinds = [i.kind for i in ev.system.indicators]
    if any(k != "survey" for k in kinds):
        from ..datascore import TYPE_LABELS, TYPES

        parts = [text("kind_count", lang, kind=pick(TYPE_LABELS[k], lang), n=kinds.count(k)) for k in TYPES if k in kinds]
        out.append(text("kinds_sentence", lang, parts=text("sep", lang).join(parts), smax=s.scale_max))
    d = ev.delphi
    if d is None:
        return out
    for k, rd in enumerate(d.rounds):
        out.append(round_sentence(ev, rd, k, lang))
    a = d.authority
    out.append(text("authority", lang, cr=fix(a.panel_cr, 3), ca=fix(a.panel_ca, 3), cs=fix(a.panel_cs, 3),
                 level=text("authority_ok" if a.panel_cr >= 0.7 else "authority_low", lang)))
    return out


def significant(kendall: Any, alpha: float = 0.05) -> bool | None:
    """Whether Kendall's W is significant (p < alpha); None when not computed."""
    if kendall is None or kendall.p is None or not math.isfinite(float(kendall.p)):
        return None
    return float(kendall.p) < alpha


def round_sentence(ev: Any, rd: Any, k: int, lang: str) -> str:
    s = ev.settings
    scr = rd.screen.to_frame()
    kept, total = int(scr["keep"].sum()), len(scr)
    sent = nth(ev.inputs.delphi_sent, rd.number - 1)
    back = nth(ev.inputs.delphi_returned, rd.number - 1)
    forms = (text("forms", lang, sent=f"{sent:g}", back=f"{back:g}", rate=pct(back / sent)) if sent and back
             else text("forms_todo", lang))
    if lang == "zh" and sent and back:
        forms = "：" + forms if k % 3 == 2 else "，" + forms if k % 3 == 0 else "（" + forms + "）"
    kd = rd.kendall
    removed = text("removed", lang, n=total - kept) if total > kept else ""
    if kd is None:
        return text("round#1", lang, k=rd.number, forms=forms, n=rd.n_experts, w="—", chi2="—", df="—", p="—",
                 sig=text("no_kendall", lang), m=s.min_mean, cv=s.max_cv, total=total, kept=kept, removed=removed)
    sig = text("sig_yes" if significant(kd) else "sig_no", lang)
    return variant("round", k, lang, k=rd.number, forms=forms, n=rd.n_experts, w=fix(kd.w, 4), chi2=fix(kd.chi2, 2),
                   df=kd.df, p=p_text(kd.p), sig=sig, m=s.min_mean, cv=s.max_cv, total=total, kept=kept,
                   removed=removed)


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    """What the report says about the survey's collection."""

    received: int
    excluded: int
    valid: int
    used: int
    sent: int | None
    reasons: str           # as typed on Settings (the survey import writes it); "" when never screened


def _int(v: Any) -> int | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return int(x) if math.isfinite(x) and x >= 0 and x.is_integer() else None


def survey_facts(ev: Any, meta: Mapping[str, str]) -> SurveyFacts:
    """Received / screened out / valid / used: the survey sheet holds what was used; Settings
    holds what came back and the screening (the import records them)."""
    used = len(ev.inputs.survey)
    received = _int(meta.get("survey_received"))
    received = used if received is None or received < used else received
    excluded = _int(meta.get("survey_excluded"))
    excluded = received - used if excluded is None else excluded
    return SurveyFacts(received, excluded, received - excluded, used, _int(meta.get("survey_sent")) or None,
                       meta.get("survey_reasons", ""))


def survey_paragraph(ev: Any, meta: Mapping[str, str], lang: str) -> str:
    f = survey_facts(ev, meta)
    s = ev.settings
    it = ev.indicator_table
    if "kind" in it.columns:
        it = it[it["kind"] == "survey"]
        if it.empty:
            return text("survey_none", lang)
    answers = it["answers"]
    rate = text("survey_rate", lang, sent=f.sent, rate=pct(f.received / f.sent)) if f.sent else ""
    screening = (text("screening", lang, reasons=f.reasons, excluded=f.excluded, valid=f.valid) if f.reasons or f.excluded
                 else text("screening_none", lang))
    return text("survey", lang, received=f.received, rate=rate, screening=screening, used=f.used,
             lo=int(answers.min()), hi=int(answers.max()), smin=s.scale_min, smax=s.scale_max)


def nth(seq: Sequence[Any], k: int) -> float | None:
    try:
        v = float(seq[k])
    except (IndexError, TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


# --------------------------------------------------------------------------- 三、综合评价结论
def _rule_name(bands: Any, lang: str) -> str:
    mof = bands.name == "mof2020" or "财预〔2020〕10" in str(bands.name)
    return text("rule_mof", lang) if mof else text("rule_custom", lang, name=bands.name)


def _band_text(ev: Any, lang: str) -> str:
    bands = ev.rating.bands.bands
    parts = []
    for k, b in enumerate(bands):
        rng = (text("range_top", lang, lo=b.lower) if k == 0 else
               text("range_mid", lang, lo=b.lower, hi=bands[k - 1].lower))
        parts.append(b.label(lang) + text("colon", lang) + rng)
    return text("semi", lang).join(parts)


def conclusion(ev: Any, lang: str) -> list[str]:
    """Total, 100-point score, grade and the band that gave it."""
    s = ev.settings
    r = ev.rating
    label = r.label(lang)
    bands = r.bands.bands
    k = next(i for i, b in enumerate(bands) if b.grade == r.grade)
    rng = text("range_top", lang, lo=bands[k].lower) if k == 0 else text("range_mid", lang, lo=bands[k].lower,
                                                                     hi=bands[k - 1].lower)
    out = [text("conclusion", lang, total=fix(ev.total, 4), smin=s.scale_min, smax=s.scale_max, s100=fix(ev.score100, 2),
                label=label, rule=_rule_name(r.bands, lang), range=rng)]
    capped = cap_sentence(ev, lang)
    if capped:
        out.append(capped)
    return out + [text("bands", lang, bands=_band_text(ev, lang))]


# --------------------------------------------------------------------------- 四、绩效分析
def rule_paragraphs(ev: Any, found: Any, lang: str) -> list[str]:
    lost = sum(f.points_lost for f in found.problems)
    all_lost = sum(f.points_lost for f in found.all)
    return [text("rule", lang, line=found.line, k=found.lowest),
            text("rule_count", lang, n_s=len(found.strengths), n_p=len(found.problems), lost=fix(lost, 2),
              share=pct(lost / all_lost) if all_lost > 0 else pct(0))]


def _ind(ev: Any, f: Any, lang: str, digits: int = 2) -> str:
    return text("name_score", lang, name=f"{f.code} {_name(ev, f.code, lang)}", score=fix(f.score, digits))


def analysis(ev: Any, lang: str, found: Any = None) -> list[str]:
    """Dimensions (best, worst, below the line, heaviest), the lowest and highest indicators,
    and the consistency of the weights."""
    from ..findings import classify

    found = found if found is not None else classify(ev)
    dt = ev.dimension_table
    out = []
    best = dt.loc[dt["score100"].idxmax()]
    worst = dt.loc[dt["score100"].idxmin()]
    para = ""
    if best["dimension"] != worst["dimension"]:
        para += text("dims_best_worst", lang, n=len(dt), best=_name(ev, best["dimension"], lang), best_s=fix(best["score100"], 2),
                  worst=_name(ev, worst["dimension"], lang), worst_s=fix(worst["score100"], 2))
    below = [text("name_score", lang, name=_name(ev, d["dimension"], lang), score=fix(d["score100"], 2))
             for _, d in dt.iterrows() if float(d["score100"]) < found.line]
    para += (text("dims_below", lang, line=found.line, names=text("sep", lang).join(below)) if below else
             text("dims_none_below", lang, line=found.line))
    heavy = dt.loc[dt["weight"].idxmax()]
    para += text("dims_heaviest", lang, name=_name(ev, heavy["dimension"], lang), w=fix(heavy["weight"], 4),
              c=fix(heavy["contribution"], 4))
    out.append(para)
    lows = sorted(found.all, key=lambda f: f.rank_low)
    k = found.lowest
    para = text("lowest", lang, k=k, items=text("sep", lang).join(_ind(ev, f, lang) for f in lows[:k]),
             top=ev.settings.scale_max) if k else ""
    if found.strengths:
        para += text("highest", lang, items=text("sep", lang).join(_ind(ev, f, lang) for f in found.strengths[:3]))
    if para:
        out.append(para)
    out += consistency_caveats(ev, lang)
    return out


def consistency_caveats(ev: Any, lang: str) -> list[str]:
    from ..model import GOAL

    if ev.system.weighting == "points":
        return [text("consistency_points", lang)]
    t = ev.settings.cr_threshold
    bad = ev.inconsistent_nodes()
    crs = [nr.aggregated.consistency_ratio for nr in ev.nodes.values()]
    out = []
    if not bad:
        out.append(text("consistency_ok", lang, cr=fix(max(crs), 4), t=t, h=fix(ev.hierarchy.consistency_ratio, 4)))
    else:
        names = [text("goal", lang) if nr.node == GOAL else _name(ev, nr.node, lang) for nr in bad]
        out.append(text("consistency_bad", lang, names=text("sep", lang).join(names), t=t))
    experts = sorted({ec for nr in ev.nodes.values() for ec, r in zip(nr.expert_codes, nr.expert_results)
                      if r.consistency_ratio >= t})
    if experts:
        out.append(text("consistency_experts", lang, n=len(experts), names=text("sep", lang).join(experts)))
    return out


# --------------------------------------------------------------------------- 五、主要经验做法
def _low_clause(f: Any, ev: Any, lang: str, key: str = "low_share_few") -> str:
    if not math.isfinite(f.low_share):
        return ""
    lo = ev.settings.scale_min
    return text(key, lang, share=pct(f.low_share), lo=lo, lo2=lo + 1)


def experience(ev: Any, lang: str, found: Any = None, k: int = 3) -> list[str]:
    """The strengths (at or above the line, never problems), the best first."""
    from ..findings import classify

    found = found if found is not None else classify(ev)
    if not found.strengths:
        return [text("strengths_none", lang, line=found.line)]
    stages = []
    for f in found.strengths:
        if f.stage and f.stage not in stages:
            stages.append(f.stage)
    counts = {st: sum(1 for f in found.strengths if f.stage == st) for st in stages}
    top_stages = [st for st in stages if counts[st] == max(counts.values())]
    out = [text("strengths_count", lang, n=len(found.strengths), line=found.line,
             stages=text("sep", lang).join(stage_word(st, lang) for st in top_stages))]
    for i, f in enumerate(found.strengths[:k]):
        low = _low_clause(f, ev, lang) if f.low_share < 0.1 else ""
        out.append(variant("strength", i, lang, name=_name(ev, f.code, lang), code=f.code, score=fix(f.score, 2),
                           s100=fix(f.score100, 1), low=low, stage=stage_word(f.stage, lang), dmean=fix(f.dimension_mean, 2)))
    return out


# --------------------------------------------------------------------------- 六、存在的问题及原因
def expert_view(ev: Any, code: str) -> tuple[float, float] | None:
    """(mean, lowest) of the last Delphi round's ratings of an indicator, when there is one."""
    d = ev.delphi
    if d is None or not d.rounds:
        return None
    st = d.rounds[-1].stats.to_frame().set_index("label")
    if code not in st.index:
        return None
    frame = ev.inputs.delphi_rounds[-1] if ev.inputs.delphi_rounds else None
    low = float("nan")
    if frame is not None and code in frame.columns:
        col = frame[code].astype(float)
        low = float(col.min())
    return float(st.loc[code, "mean"]), low


def cause(ev: Any, f: Any, lang: str, used: dict[str, int] | None = None) -> str:
    """What the figures say about why an indicator loses points. ``used`` counts the wordings a
    section has taken so far (each kind of clause takes the next one, so no frame repeats early)."""
    used = {} if used is None else used

    def nxt(key: str) -> int:
        used[key] = used.get(key, -1) + 1
        return used[key]

    parts = []
    lo = ev.settings.scale_min
    ds = (getattr(ev, "data_scores", None) or {}).get(f.code)
    if ds is not None:
        unit = getattr((getattr(ev.inputs, "data", {}) or {}).get(f.code), "unit", "") or ""
        parts.append(text("cause_data", lang, value=value_text(ds.value, ds.rule, lang), unit=f" {unit}" if unit else "",
                          standard=ds.rule.describe(lang), pct=pct(ds.fraction)))
    if math.isfinite(f.low_share):
        key = "cause_low" if f.low_share >= 0.15 else "cause_few"
        parts.append(variant(key, nxt(key), lang, share=pct(f.low_share), lo=lo, lo2=lo + 1))
    view = expert_view(ev, f.code)
    if view is not None and view[0] >= 4:
        parts.append(variant("cause_expert", nxt("cause_expert"), lang, mean=fix(view[0], 2), low=fix(view[1], 0)))
    if not parts:
        return ""
    line = text("cause_join", lang).join(parts) + text("cause_end", lang)
    return line[0].upper() + line[1:] if lang == "en" else line


def problems_by_stage(ev: Any, lang: str, found: Any = None, top: int = 5) -> tuple[dict[str, list[str]], list[str]]:
    """The problems that cost most (the first ``top``) and the lowest-scoring ones, by stage, in
    varied frames; and one sentence on the remaining problems (all are in Annex 1)."""
    from ..findings import classify

    found = found if found is not None else classify(ev)
    shown = [f for i, f in enumerate(found.problems) if i < top or f.rank_low <= found.lowest]
    rest = [f for f in found.problems if f not in shown]
    rank_lost = {f.code: i + 1 for i, f in enumerate(sorted(found.all, key=lambda x: -x.points_lost))}
    out: dict[str, list[str]] = {}
    used: dict[str, int] = {}
    for i, f in enumerate(shown):
        vs = text("vs_dim_below" if f.score < f.dimension_mean else "vs_dim_above", lang, dmean=fix(f.dimension_mean, 2))
        lowest = text("lowest_mark", lang, k=found.lowest) if f.rank_low <= found.lowest else ""
        out.setdefault(f.stage if f.stage in STAGES else "act", []).append(variant(
            "problem", i, lang, code=f.code, name=_name(ev, f.code, lang), score=fix(f.score, 2), s100=fix(f.score100, 1),
            lost=fix(f.points_lost, 2), share=pct(f.share_lost), rank=rank_lost[f.code], vs_dim=vs, lowest=lowest,
            weight=fix(f.weight, 4), line=found.line, cause=cause(ev, f, lang, used)).strip())
    ordered = {s_: out[s_] for s_ in STAGES if s_ in out}
    tail = []
    if rest:
        tail.append(text("others", lang, items=text("sep", lang).join(_ind(ev, f, lang) for f in rest), line=found.line,
                      lost=fix(sum(f.points_lost for f in rest), 2)))
    return ordered, tail


def problems_intro(found: Any, lang: str) -> str:
    return text("problems_intro", lang, n=len(found.problems), lost=fix(sum(f.points_lost for f in found.problems), 2))


def last_year_sentence(n_open: int, n_closed: int, lang: str) -> str:
    return text("last_year", lang, total=n_open + n_closed, closed=n_closed, open=n_open)


# --------------------------------------------------------------------------- 七、改进建议
def suggestions(ev: Any, lang: str, found: Any, measures: Mapping[str, str], top: int = 5) -> list[str]:
    """One recommendation per stage of the problems discussed in 六, with each indicator's measure."""
    from .. import rectification as rect

    shown = [f for i, f in enumerate(found.problems) if i < top or f.rank_low <= found.lowest]
    groups: dict[str, list[Any]] = {}
    for f in shown:
        groups.setdefault(f.stage if f.stage in STAGES else "act", []).append(f)
    out = []
    for n, st in enumerate([s_ for s_ in STAGES if s_ in groups], start=1):
        fs = groups[st]
        items = text("sep", lang).join(f"{f.code} {_name(ev, f.code, lang)}" for f in fs)
        ms = []
        for f in fs:
            m = rect.measure_for(f.code, f.stage, lang, measures).rstrip("。.")
            if m not in ms:
                ms.append(m)
        measure = text("semi", lang).join(ms) + text("stop", lang)
        out.append(variant("suggest", n - 1, lang, n=n, stage=stage_word(st, lang), items=items, measure=measure))
    out.append(text("suggest_list", lang))
    return out


def sensitivity_statement(ev: Any, sensitivity: Any, lang: str) -> str | None:
    """How likely the grade holds under judgment perturbation, panel and respondent resampling."""
    sd = sensitivity
    if sd is None or not hasattr(sd, "judgments_perturb"):
        return None
    names = {"perturb": "sens_perturb_short", "panel": "sens_panel", "respondents": "sens_resp"}
    parts = [(text(names[k], lang), part) for k, part in sensitivity_parts(ev, sd)]
    if not parts:
        return None
    stays = [float(p.rating_stays) for _, p in parts]
    lo = min(stays)
    label = ev.rating.label(lang)
    each = text("sep", lang).join(f"{n} {pct(v)}" for (n, _), v in zip(parts, stays))
    verdict = text("sens_stable" if lo >= 0.95 else "sens_fair" if lo >= 0.8 else "sens_sensitive", lang)
    return text("sensitivity", lang, draws=sd.draws, label=label, each=each, widest=_widest(parts), verdict=verdict)


def sensitivity_parts(ev: Any, sd: Any) -> list[tuple[str, Any]]:
    """The analyses that can move this evaluation's total, with their results: the panel's
    judgments ("perturb", "panel") only when the weights come from them (not from points), the
    respondents ("respondents") only when the survey scores an indicator; parts not computed are
    left out."""
    out = []
    if ev.system.weighting == "ahp":
        out += [("perturb", sd.judgments_perturb), ("panel", sd.judgments_bootstrap)]
    if any(i.kind == "survey" for i in ev.system.indicators):
        out.append(("respondents", sd.respondents))
    return [(k, part) for k, part in out if part is not None]


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
    y, py = meta.get("year", ""), prev_meta.get("year", "")
    if y and not py and y.isdigit():
        py = str(int(y) - 1)
    this = text("year_of", lang, y=y) if y else text("this_year", lang)
    prev = text("year_of", lang, y=py) if py else text("last_year_label", lang)
    return this, prev


def year_sentences(cmp_: YearComparison, lang: str) -> list[str]:
    d = float(fix(cmp_.score100_now, 2)) - float(fix(cmp_.score100_prev, 2))
    move = text("yoy_up" if d > 0 else "yoy_down" if d < 0 else "yoy_same", lang, d=fix(abs(d), 2))
    same = cmp_.grade_prev == cmp_.grade_now
    out = [text("yoy_same_grade" if same else "yoy_new_grade", lang, prev=cmp_.prev_label, a=fix(cmp_.score100_prev, 2),
             b=fix(cmp_.score100_now, 2), move=move, gp=cmp_.grade_prev, lp=pick(cmp_.label_prev, lang),
             gn=cmp_.grade_now, ln=pick(cmp_.label_now, lang))]
    if cmp_.added or cmp_.removed:
        def names(xs: Sequence[tuple[str, str, str]]) -> str:
            return text("sep", lang).join(f"{c} {pick((zhn, enn), lang)}" for c, zhn, enn in xs) or text("none", lang)
        out.append(text("yoy_changed", lang, added=names(cmp_.added), removed=names(cmp_.removed)))
    else:
        out.append(text("yoy_unchanged", lang))
    return out
