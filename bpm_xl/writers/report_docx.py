"""The report a finance bureau files: a Word document in the 财预〔2020〕10号 outline.

基本情况 → 评价工作开展情况 → 综合评价结论 → 绩效分析 → 主要经验做法 → 存在的问题及原因 → 改进建议 →
附件 (English headings in the en edition), built with python-docx on its default template: real
Heading 1/2 styles (Word's navigation pane works), "Table Grid" tables, page numbers in the
footer. Text comes from :mod:`bpm_xl.writers.narrative`; numbers are rounded there, the way
``bpm-xl evaluate`` output is displayed. User text (unit, names, problems typed by the bureau)
goes into plain runs: python-docx escapes it, and no field code is ever built from it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..conversion import visible
from . import charts
from . import narrative as nv
from .narrative import fix

__all__ = ["ReportContext", "build_docx"]


@dataclass(frozen=True)
class ReportContext:
    """Everything one report shows, decided before any writer runs."""

    evaluation: Any
    lang: str
    meta: Mapping[str, str]
    sensitivity: Any = None
    previous: Any = None                       # last year's Evaluation
    comparison: nv.YearComparison | None = None
    items: tuple = ()                          # rectification.Item: this year's list
    closed_last_year: tuple = ()               # rectification.Item closed since last year
    removed_carried: tuple = ()                # carried items whose indicator is gone


_T = {
    "unit": ("被评价单位", "Unit evaluated"), "year": ("评价年度", "Year"), "evaluator": ("评价人", "Evaluator"),
    "date": ("报告日期", "Date"),
    "panel": ("（一）评价方法与专家组", "2.1 Method and panel"),
    "experts_table": ("专家组成员及权威系数", "Panel members and authority"),
    "delphi_table": ("德尔菲咨询各轮情况", "Delphi rounds"),
    "score_table": ("（一）评分结果", "3.1 Scores"),
    "grade": ("（二）评价等级", "3.2 Grade"),
    "robust": ("（三）结论的稳定性", "3.3 How firm the grade is"),
    "dims_ind": ("（一）分维度、分指标分析", "4.1 By dimension and indicator"),
    "charts": ("（二）图表", "4.2 Charts"),
    "yoy": ("（三）与上年比较", "4.3 Compared with last year"),
    "list": ("问题清单及整改清单", "List of problems and rectification"),
    "annex1": ("附件1：指标体系与权重", "Annex 1: indicator system and weights"),
    "annex2": ("附件2：判断矩阵一致性检验", "Annex 2: consistency of the judgment matrices"),
    "annex3": ("附件3：评分方法说明", "Annex 3: how the scores are computed"),
    "radar": ("各维度百分制得分雷达图", "Radar of the dimension scores (100-point)"),
    "gaps": ("加权差距（失分）最大的指标", "Largest weighted gaps (points lost)"),
    "resp": ("受访者百分制得分分布", "Distribution of the respondents' 100-point scores"),
    "yoy_chart": ("与上年得分对比", "Scores this year and last year"),
    "fig": ("图{n} {t}", "Figure {n}. {t}"),
    "todo": ("待填写", "to fill in"),
    "none": ("无", "None"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    s = _T[key][0 if lang == "zh" else 1]
    return s.format(**kw) if kw else s


# --------------------------------------------------------------------------- docx helpers
def _set_fonts(doc: Any, lang: str) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    def east_asia(style: Any, name: str) -> None:
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), name)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):  # themes override names
            fonts.attrib.pop(qn(theme), None)

    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12 if lang == "zh" else 11)
    east_asia(normal, "宋体")
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13), ("Heading 3", 12)):
        st = doc.styles[name]
        st.font.name = "Times New Roman"
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor(0, 0, 0)
        east_asia(st, "黑体")
    # document language: proofing and line breaking for Chinese
    # (w:lang is last among the elements the style carries, so appending keeps the schema order)
    rpr = normal.element.get_or_add_rPr()
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"}))


def _page_numbers(doc: Any, lang: str) -> None:
    """A centred page number (a PAGE field we write ourselves; never from user text)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if lang == "zh":
        p.add_run("第 ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        run = p.add_run()
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text is not None:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        else:
            run.text = "1"
    if lang == "zh":
        p.add_run(" 页")


def _text(v: Any) -> str:
    """Text for a run: control characters (ESC, BEL, ...) shown escaped, as in the HTML report;
    XML cannot hold them and python-docx refuses them. Line breaks and tabs stay."""
    return "" if v is None else visible(v, keep="\n\t")


def _para(doc: Any, text: str, *, bold: bool = False, italic: bool = False, style: str | None = None) -> Any:
    p = doc.add_paragraph(style=style)
    run = p.add_run(_text(text))
    run.bold = bold
    run.italic = italic
    if style is None and doc.styles["Normal"].font.size is not None:
        from docx.shared import Pt

        p.paragraph_format.first_line_indent = Pt(24)
    return p


def _table(doc: Any, head: Sequence[str], rows: Sequence[Sequence[Any]], *, widths: Sequence[float] | None = None,
           bold_rows: Sequence[int] = (), numeric_from: int | None = None) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    t = doc.add_table(rows=1, cols=len(head))
    t.style = doc.styles["Table Grid"]
    hdr = t.rows[0]
    tr_pr = hdr._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    tr_pr.append(rep)
    for cell, h in zip(hdr.cells, head):
        cell.text = ""
        run = cell.paragraphs[0].add_run(_text(h))
        run.bold = True
        run.font.size = Pt(9)
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), "DDEBF7")
        cell._tc.get_or_add_tcPr().append(shd)
    for k, row in enumerate(rows):
        cells = t.add_row().cells
        for j, (cell, v) in enumerate(zip(cells, row)):
            par = cell.paragraphs[0]
            run = par.add_run(_text(v))
            run.font.size = Pt(9)
            run.bold = k in bold_rows
            if numeric_from is not None and j >= numeric_from:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths:  # LibreOffice reads the grid, Word the cells: set both
        t.autofit = False
        for col, w in zip(t.columns, widths):
            col.width = Cm(w)
        for row in t.rows:
            for cell, w in zip(row.cells, widths):
                cell.width = Cm(w)
    doc.add_paragraph()
    return t


def _figure(doc: Any, png: bytes, caption: str, width_cm: float = 15.0) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run(_text(caption))
    r.font.size = Pt(9)


# --------------------------------------------------------------------------- sections
def score_rows(ev: Any, lang: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The score table: dimensions with their indicators, then the total (display rounding)."""
    zh = lang == "zh"
    head = (["编码", "维度 / 指标", "维度权重 / 局部权重", "全局权重", "得分", "加权得分", "百分制得分"] if zh else
            ["Code", "Dimension / indicator", "Dimension / local weight", "Global weight", "Score", "Weighted score",
             "100-point score"])
    it = ev.indicator_table
    rows, bold = [], []
    for _, d in ev.dimension_table.iterrows():
        bold.append(len(rows))
        rows.append([d["dimension"], ev.system.label(d["dimension"], lang), fix(d["weight"], 4), fix(d["weight"], 4),
                     fix(d["score"], 4), fix(d["contribution"], 4), fix(d["score100"], 2)])
        for _, r in it[it["dimension"] == d["dimension"]].iterrows():
            rows.append([r["code"], r["name_zh"] if zh else r["name_en"], fix(r["local_weight"], 4),
                         fix(r["global_weight"], 4), fix(r["mean_score"], 4), fix(r["weighted_score"], 4), ""])
    bold.append(len(rows))
    rows.append(["", "合计" if zh else "Total", fix(ev.dimension_table["weight"].sum(), 4),
                 fix(it["global_weight"].sum(), 4), "", fix(ev.total, 4), fix(ev.score100, 2)])
    return head, rows, bold


def rectification_rows(items: Sequence[Any], ev: Any, lang: str) -> tuple[list[str], list[list[str]]]:
    zh = lang == "zh"
    head = (["序号", "问题", "PDCA 环节", "指标", "责任单位", "整改时限", "整改措施", "整改状态"] if zh else
            ["No.", "Problem", "PDCA stage", "Indicator", "Responsible unit", "Deadline", "Measure", "Status"])
    todo = _t("todo", lang)
    rows = []
    for k, it in enumerate(items, start=1):
        ind = it.indicator
        if ind and ind in ev.system.codes:
            ind = f"{ind} {ev.system.label(ind, lang)}"
        src = {"carried": "（上年结转）" if zh else " (carried from last year)"}.get(it.source, "")
        rows.append([str(k), it.problem + src, nv.stage_short(it.stage, lang) if it.stage else "", ind,
                     it.responsible or todo, it.deadline or todo, it.measure or todo, it.status or todo])
    return head, rows


def year_rows(c: nv.YearComparison, lang: str) -> tuple[list[str], list[list[str]]]:
    zh = lang == "zh"
    head = (["编码", "维度", f"{c.prev_label}权重", f"{c.this_label}权重", f"{c.prev_label}得分", f"{c.this_label}得分", "变化"]
            if zh else ["Code", "Dimension", f"Weight {c.prev_label}", f"Weight {c.this_label}",
                        f"Score {c.prev_label}", f"Score {c.this_label}", "Change"])
    rows = []
    for r in c.rows:
        ch = r.change
        rows.append([r.code, r.name_zh if zh else r.name_en, fix(r.weight_prev, 4), fix(r.weight_now, 4),
                     fix(r.score100_prev, 2), fix(r.score100_now, 2),
                     "—" if ch is None else ("+" if ch > 0 else "") + fix(ch, 2)])
    d = c.score100_now - c.score100_prev
    rows.append(["", "总分（百分制）" if zh else "Total (100-point)", "", "", fix(c.score100_prev, 2), fix(c.score100_now, 2),
                 ("+" if d > 0 else "") + fix(d, 2)])
    rows.append(["", "评价等级" if zh else "Grade", "", "", f"{c.grade_prev} {c.label_prev[0 if zh else 1]}",
                 f"{c.grade_now} {c.label_now[0 if zh else 1]}", ""])
    return head, rows


def _basic(doc: Any, ctx: ReportContext) -> None:
    """一、基本情况"""
    ev, lang, meta = ctx.evaluation, ctx.lang, ctx.meta
    doc.add_heading(nv.heading("basic", lang), level=1)
    for p in nv.basic_info(ev, meta, lang):
        _para(doc, p)


def _work(doc: Any, ctx: ReportContext) -> None:
    """二、评价工作开展情况"""
    ev, lang = ctx.evaluation, ctx.lang
    zh = lang == "zh"
    doc.add_heading(nv.heading("work", lang), level=1)
    doc.add_heading(_t("panel", lang), level=2)
    for p in nv.method_paragraphs(ev, lang):
        _para(doc, p)
    a = ev.delphi.authority if ev.delphi is not None else None
    rows = []
    for k, e in enumerate(ev.inputs.experts):
        rows.append([e.code, e.name, fix(e.ca, 2), fix(e.cs, 2), fix((e.ca + e.cs) / 2, 3) if a is None else fix(a.cr[k], 3),
                     fix(ev.expert_weights[k], 4)])
    _para(doc, _t("experts_table", lang), bold=True, style="Normal")
    _table(doc, ["编码", "姓名", "判断依据 Ca", "熟悉程度 Cs", "权威系数 Cr", "权重"] if zh else
           ["Code", "Name", "Basis Ca", "Familiarity Cs", "Authority Cr", "Weight"], rows, numeric_from=2)
    if ev.delphi is not None:
        rows = []
        for rd in ev.delphi.rounds:
            scr = rd.screen.to_frame()
            kept = int(scr["keep"].sum())
            k = rd.kendall
            rows.append([str(rd.number), str(rd.n_experts), "—" if k is None else fix(k.w, 4),
                         "—" if k is None else fix(k.chi2, 2), "—" if k is None else str(k.df),
                         "—" if k is None else nv.p_text(k.p), str(kept), str(len(scr) - kept)])
        _para(doc, _t("delphi_table", lang), bold=True, style="Normal")
        _table(doc, ["轮次", "专家人数", "Kendall W", "χ²", "自由度", "P 值", "保留指标", "剔除指标"] if zh else
               ["Round", "Experts", "Kendall's W", "χ²", "df", "p", "Kept", "Removed"], rows, numeric_from=1)


def _conclusion(doc: Any, ctx: ReportContext) -> None:
    """三、综合评价结论"""
    ev, lang = ctx.evaluation, ctx.lang
    zh = lang == "zh"
    doc.add_heading(nv.heading("conclusion", lang), level=1)
    doc.add_heading(_t("score_table", lang), level=2)
    head, rows, bold = score_rows(ev, lang)
    _table(doc, head, rows, bold_rows=bold, numeric_from=2, widths=(1.3, 4.6, 2.2, 1.9, 1.7, 1.9, 2.0))
    doc.add_heading(_t("grade", lang), level=2)
    for p in nv.conclusion(ev, lang):
        _para(doc, p)
    r = ev.rating
    bands = r.bands.bands
    rows = [[b.grade, b.label_zh if zh else b.label_en, f"≥ {b.lower:g}" + ("" if k == 0 else f", < {bands[k - 1].lower:g}"),
             "◀" if b.grade == r.grade else ""] for k, b in enumerate(bands)]
    _table(doc, ["等级", "名称", "百分制区间", "本次"] if zh else ["Grade", "Label", "100-point range", "This evaluation"],
           rows, bold_rows=[k for k, b in enumerate(bands) if b.grade == r.grade])
    stmt = nv.sensitivity_statement(ev, ctx.sensitivity, lang)
    if stmt:
        doc.add_heading(_t("robust", lang), level=2)
        _para(doc, stmt)


def _analysis(doc: Any, ctx: ReportContext) -> None:
    """四、绩效分析"""
    ev, lang = ctx.evaluation, ctx.lang
    zh = lang == "zh"
    note = charts.font_note(lang)
    doc.add_heading(nv.heading("analysis", lang), level=1)
    doc.add_heading(_t("dims_ind", lang), level=2)
    for p in nv.analysis(ev, lang):
        _para(doc, p)
    doc.add_heading(_t("charts", lang), level=2)
    if note:
        _para(doc, note, italic=True)
    n_fig = 0
    this_label = prev_label = None
    if ctx.comparison is not None:
        this_label, prev_label = ctx.comparison.this_label, ctx.comparison.prev_label
    for key, png in (("radar", charts.radar(ev, lang, ctx.previous, this_label=this_label, prev_label=prev_label)),
                     ("gaps", charts.gap_bar(ev, lang)), ("resp", charts.respondent_histogram(ev, lang))):
        n_fig += 1
        _figure(doc, png, _t("fig", lang, n=n_fig, t=_t(key, lang)), 12.5 if key == "radar" else 15.0)
    if ctx.comparison is not None:
        c = ctx.comparison
        doc.add_heading(_t("yoy", lang), level=2)
        for p in nv.year_sentences(c, lang):
            _para(doc, p)
        head, rows = year_rows(c, lang)
        _table(doc, head, rows, numeric_from=2, bold_rows=[len(rows) - 2, len(rows) - 1])
        if c.added or c.removed:
            rows = [["新增" if zh else "Added", code, zhn if zh else enn] for code, zhn, enn in c.added] + \
                   [["删除" if zh else "Removed", code, zhn if zh else enn] for code, zhn, enn in c.removed]
            _table(doc, ["变化", "编码", "指标"] if zh else ["Change", "Code", "Indicator"], rows)
        yrows = [(rw.name_zh, rw.name_en, rw.score100_prev, rw.score100_now) for rw in c.rows]
        yrows.append(("总分", "Total", c.score100_prev, c.score100_now))
        n_fig += 1
        _figure(doc, charts.year_bar(yrows, lang, this_label=c.this_label, prev_label=c.prev_label),
                _t("fig", lang, n=n_fig, t=_t("yoy_chart", lang)))


def _experience(doc: Any, ctx: ReportContext) -> None:
    """五、主要经验做法"""
    ev, lang = ctx.evaluation, ctx.lang
    doc.add_heading(nv.heading("experience", lang), level=1)
    for p in nv.experience(ev, lang):
        _para(doc, p)


def _problems(doc: Any, ctx: ReportContext) -> None:
    """六、存在的问题及原因"""
    ev, lang = ctx.evaluation, ctx.lang
    zh = lang == "zh"
    doc.add_heading(nv.heading("problems", lang), level=1)
    problems = nv.problems_by_stage(ev, lang)
    for k, (stage, texts) in enumerate(problems.items(), start=1):
        doc.add_heading((f"（{'一二三四五六'[k - 1]}）{nv.stage_name(stage, lang)}环节" if zh else
                         f"6.{k} {nv.stage_name(stage, lang)}"), level=2)
        for p in texts:
            _para(doc, p)
    if ctx.previous is not None or ctx.closed_last_year:
        k = len(problems) + 1
        doc.add_heading(f"（{'一二三四五六'[k - 1]}）上年问题整改情况" if zh else f"6.{k} Last year's items", level=2)
        carried = [i for i in ctx.items if i.source == "carried"]
        _para(doc, (f"上年问题清单中已完成整改 {len(ctx.closed_last_year)} 项，尚未完成 {len(carried)} 项（已结转列入本年整改清单）。"
                    if zh else f"Of last year's list, {len(ctx.closed_last_year)} item(s) were closed and {len(carried)} "
                    "remain open (carried into this year's list)."))
        if ctx.closed_last_year:
            rows = [[str(k), i.problem, i.indicator, i.responsible, i.status]
                    for k, i in enumerate(ctx.closed_last_year, start=1)]
            _table(doc, ["序号", "上年问题（已整改）", "指标", "责任单位", "状态"] if zh else
                   ["No.", "Last year's problem (closed)", "Indicator", "Responsible", "Status"], rows)
        if ctx.removed_carried:
            _para(doc, ("以下结转事项对应的指标本年已删除，请确认是否继续跟踪：" if zh else
                        "These carried items refer to indicators removed this year; decide whether to keep them: ")
                  + ("、" if zh else ", ").join(i.indicator for i in ctx.removed_carried))


def _suggestions(doc: Any, ctx: ReportContext) -> None:
    """七、改进建议"""
    ev, lang = ctx.evaluation, ctx.lang
    zh = lang == "zh"
    doc.add_heading(nv.heading("suggestions", lang), level=1)
    for k, (stage, text) in enumerate(nv.suggestions_by_stage(ev, lang).items(), start=1):
        _para(doc, f"（{k}）{text}" if zh else f"{k}. {text}")
    _para(doc, _t("list", lang), bold=True, style="Normal")
    head, rows = rectification_rows(ctx.items, ev, lang)
    if rows:
        _table(doc, head, rows, widths=(1.0, 3.9, 1.2, 2.0, 1.9, 1.9, 2.5, 1.4))
    else:
        _para(doc, _t("none", lang))


def _annex(doc: Any, ctx: ReportContext) -> None:
    """八、附件"""
    ev, lang = ctx.evaluation, ctx.lang
    zh = lang == "zh"
    doc.add_heading(nv.heading("annex", lang), level=1)
    doc.add_heading(_t("annex1", lang), level=2)
    rows = []
    it = ev.indicator_table
    for _, d in ev.dimension_table.iterrows():
        rows.append([d["dimension"], ev.system.label(d["dimension"], lang), "", fix(d["weight"], 4), fix(d["weight"], 4)])
        for _, rr in it[it["dimension"] == d["dimension"]].iterrows():
            rows.append([rr["code"], rr["name_zh"] if zh else rr["name_en"], nv.stage_name(rr["pdca"], lang),
                         fix(rr["local_weight"], 4), fix(rr["global_weight"], 4)])
    _table(doc, ["编码", "名称", "PDCA 环节", "局部权重", "全局权重"] if zh else
           ["Code", "Name", "PDCA stage", "Local weight", "Global weight"], rows, numeric_from=3)
    doc.add_heading(_t("annex2", lang), level=2)
    from ..model import GOAL

    rows = []
    t_ = ev.settings.cr_threshold
    for code, nr in ev.nodes.items():
        ag = nr.aggregated
        name = ev.system.goal(lang) if code == GOAL else ev.system.label(code, lang)
        rows.append([f"{code} {name}", str(len(nr.children)), fix(ag.lambda_max, 4), fix(ag.consistency_index, 4),
                     fix(ag.random_index, 4), fix(ag.consistency_ratio, 4),
                     ("是" if zh else "yes") if ag.consistency_ratio < t_ else ("否" if zh else "no")])
    rows.append(["层次总排序" if zh else "Hierarchy", "", "", "", "", fix(ev.hierarchy.consistency_ratio, 4), ""])
    _table(doc, ["判断矩阵" if zh else "Matrix", "n", "λmax", "CI", "RI", "CR", "通过" if zh else "Passes"], rows,
           numeric_from=1)
    doc.add_heading(_t("annex3", lang), level=2)
    s = ev.settings
    _para(doc, (f"指标得分为有效答卷的平均分；全局权重 = 维度权重 × 维度内局部权重；加权总分 = Σ 全局权重 × 指标得分；"
                f"百分制得分 = 加权总分 / {s.scale_max:g} × 100，保留两位小数（四舍五入）后按等级划分定级；"
                f"加权差距 = 全局权重 ×（{s.scale_max:g} − 指标得分）。表中数字为四舍五入后的显示值，"
                f"完整精度见 bpm-xl evaluate --json 输出。") if zh else
          (f"An indicator's score is the mean of its valid answers; global weight = dimension weight × local weight; "
           f"weighted total = Σ global weight × score; 100-point score = total / {s.scale_max:g} × 100, rounded half-up "
           f"to 2 decimals before grading; weighted gap = global weight × ({s.scale_max:g} − score). Figures are "
           f"rounded for display; full precision is in the output of bpm-xl evaluate --json."))


_PENDING = {"zh": ("待问卷：本报告尚不完整",
                    "以下指标尚无问卷答案：{codes}。指标得分、维度得分、综合加权总分、百分制得分和评价等级，"
                    "以及评价结论、问题、建议和附表中的得分，待问卷导入后计算；上文的专家、权重和德尔菲统计已计算。"),
            "en": ("Pending survey: this report is not complete yet",
                   "No survey answers yet for: {codes}. The indicator and dimension scores, the weighted total, "
                   "the 100-point score and the grade, and with them the conclusion, problems, suggestions and "
                   "the score tables, are computed once the survey is imported; the panel, weights and Delphi "
                   "statistics above are computed.")}


def _pending(doc: Any, ctx: ReportContext) -> None:
    """The scores wait for the survey: which parts of the report are pending."""
    head, text = _PENDING["zh" if ctx.lang == "zh" else "en"]
    doc.add_heading(head, level=1)
    _para(doc, text.format(codes=", ".join(ctx.evaluation.pending)))


def build_docx(ctx: ReportContext) -> bytes:
    """The Word document as bytes."""
    import datetime as _dt

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    ev, lang, meta = ctx.evaluation, ctx.lang, ctx.meta
    zh = lang == "zh"
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2.6)
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.5)
    _set_fonts(doc, lang)
    _page_numbers(doc, lang)
    title = _text(nv.report_title(ev, meta, lang))
    doc.core_properties.title = title
    doc.core_properties.author = _text(meta.get("evaluator")) or "bpm-xl"
    doc.core_properties.language = "zh-CN" if zh else "en-US"

    h = doc.add_heading(title, level=0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    info = doc.add_paragraph()
    info.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for key in ("unit", "year", "evaluator"):
        info.add_run(_text(f"{_t(key, lang)}{'：' if zh else ': '}{meta.get(key) or _t('todo', lang)}    "))
    info.add_run(f"{_t('date', lang)}{'：' if zh else ': '}{_dt.date.today().isoformat()}")
    sections = (_basic, _work, _conclusion, _analysis, _experience, _problems, _suggestions, _annex)
    if ev.pending:   # no scores yet: the parts that need them are said to be pending
        sections = (_basic, _work, _pending)
    for section in sections:
        section(doc, ctx)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
