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
from .narrative import fix, pct
from ..texts import glossary, pick, text

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
    open_last_year: tuple = ()                 # rectification.Item of last year still open
    findings: Any = None                       # findings.Findings: strengths and problems
    measures: Mapping[str, str] | None = None  # the measures library by indicator code
    audit: Mapping[str, str] | None = None     # version, file, sha256, evaluation_id


def _t(key: str, lang: str, **kw: Any) -> str:
    return text(key, lang, **kw)


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
    if text("page_before", lang):
        p.add_run(text("page_before", lang))
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        run = p.add_run()
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run.element.append(el)
        elif instr is not None:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            run.element.append(el)
        else:
            run.text = "1"
    if text("page_after", lang):
        p.add_run(text("page_after", lang))


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
    from docx.shared import Pt

    t = doc.add_table(rows=1, cols=len(head))
    t.style = doc.styles["Table Grid"]
    for cell, h in zip(t.rows[0].cells, head):
        cell.text = ""
        run = cell.paragraphs[0].add_run(_text(h))
        run.bold = True
        run.font.size = Pt(9)
    for k, row in enumerate(rows):
        cells = t.add_row().cells
        for j, (cell, v) in enumerate(zip(cells, row)):
            par = cell.paragraphs[0]
            run = par.add_run(_text(v))
            run.font.size = Pt(9)
            run.bold = k in bold_rows
            if numeric_from is not None and j >= numeric_from:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths:
        _column_widths(t, widths)
    _header_and_rows(doc)
    doc.add_paragraph()
    return t


def _column_widths(t: Any, widths: Sequence[float]) -> None:
    """Fixed column widths (cm): LibreOffice reads the grid, Word the cells, so set both."""
    from docx.shared import Cm

    t.autofit = False
    for col, w in zip(t.columns, widths):
        col.width = Cm(w)
    for row in t.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Cm(w)


def _header_and_rows(doc: Any) -> None:
    """The table just added (the body's last): its header row repeats on every page and is shaded;
    no other row splits across a page. python-docx has no property for these, so through the
    document's public XML element."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl = doc.element.body.findall(qn("w:tbl"))[-1]
    trs = tbl.findall(qn("w:tr"))
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    _properties(trs[0], "w:trPr").append(rep)
    for tc in trs[0].findall(qn("w:tc")):
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), "DDEBF7")
        _properties(tc, "w:tcPr").append(shd)
    for tr in trs[1:]:
        _properties(tr, "w:trPr").append(OxmlElement("w:cantSplit"))


def _properties(el: Any, tag: str) -> Any:
    """The properties child (``w:trPr`` of a row, ``w:tcPr`` of a cell), added as the first child
    when missing, as the schema orders them."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = el.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        el.insert(0, found)
    return found


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
    """The score table: dimensions with their indicators, then the total (display rounding); a
    system deeper than two levels or weighted by points is shown level by level (:func:`tree_score_rows`)."""
    if nv.shows_tree(ev):
        return tree_score_rows(ev, lang)
    head = [text(k, lang) for k in ("th_code", "th_dim_ind", "th_weight_local", "th_weight_global", "th_score", "th_weighted",
                                 "th_score100")]
    it = ev.indicator_table
    rows, bold = [], []
    for _, d in ev.dimension_table.iterrows():
        bold.append(len(rows))
        rows.append([d["dimension"], ev.system.label(d["dimension"], lang), fix(d["weight"], 4), fix(d["weight"], 4),
                     fix(d["score"], 4), fix(d["contribution"], 4), fix(d["score100"], 2)])
        for _, r in it[it["dimension"] == d["dimension"]].iterrows():
            rows.append([r["code"], pick((r["name_zh"], r["name_en"]), lang), fix(r["local_weight"], 4),
                         fix(r["global_weight"], 4), fix(r["mean_score"], 4), fix(r["weighted_score"], 4), ""])
    bold.append(len(rows))
    rows.append(["", text("th_total", lang), fix(ev.dimension_table["weight"].sum(), 4),
                 fix(it["global_weight"].sum(), 4), "", fix(ev.total, 4), fix(ev.score100, 2)])
    return head, rows, bold


def _node_frame(ev: Any) -> Any:
    """The dimensions' and inner groups' rows of the evaluation, indexed by code."""
    import pandas as pd

    dims = ev.dimension_table.assign(code=ev.dimension_table["dimension"])
    frames = [dims] + ([ev.group_table] if ev.group_table is not None and len(ev.group_table) else [])
    return pd.concat(frames, ignore_index=True).set_index("code")


def tree_score_rows(ev: Any, lang: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The score table level by level: every dimension, inner group and indicator depth first,
    names indented by level, with its points (分值; the local weight when weighed by AHP), global
    weight, score on the scale and the points it earns on the 100-point total; then the total,
    and the total after a score cap when one cut it."""
    system, s = ev.system, ev.settings
    points = system.weighting == "points"
    head = [text(k, lang) for k in ("th_code", "th_dim_ind", "th_level", "th_points" if points else "th_weight_local",
                                    "th_weight_global", "th_score", "th_earned")]
    it = ev.indicator_table.set_index("code")
    nodes = _node_frame(ev)
    to100 = 100.0 / float(s.scale_max)
    rows, bold = [], []
    for code, level, leaf in nv.tree_order(system):
        if leaf:
            r = it.loc[code]
            w, score, earned = r["local_weight"], r["mean_score"], r["weighted_score"] * to100
        else:
            r = nodes.loc[code]
            w, score, earned = r["weight"], r["score"], r["contribution"] * to100
        if level == 1:
            bold.append(len(rows))
        rows.append([code, "\u3000" * (level - 1) + system.label(code, lang), str(level),
                     f"{system.points_of(code):g}" if points else fix(w, 4), fix(r["global_weight"], 4),
                     fix(score, 4), fix(earned, 2)])
    before = ev.total if ev.cap is None else ev.cap.uncapped_score100 / to100
    total_points = sum(system.points_of(d) for d in system.dimension_codes)
    bold.append(len(rows))
    rows.append(["", text("th_total", lang), "", f"{total_points:g}" if points else fix(ev.dimension_table["weight"].sum(), 4),
                 fix(it["global_weight"].sum(), 4), fix(before, 4), fix(before * to100, 2)])
    if ev.cap is not None:
        bold.append(len(rows))
        rows.append(["", text("th_capped", lang), "", "", "", fix(ev.total, 4), fix(ev.score100, 2)])
    return head, rows, bold


def data_table_rows(ev: Any, lang: str) -> tuple[list[str], list[list[str]]]:
    """The data indicators' measured values, units, scoring standards, fractions and scores."""
    head = [text(k, lang) for k in ("th_code", "th_indicator", "th_measured", "th_unit", "th_standard", "th_fraction",
                                    "th_score")]
    return head, nv.data_rows(ev, lang)


def rectification_rows(items: Sequence[Any], ev: Any, lang: str, found: Any = None
                       ) -> tuple[list[str], list[list[str]]]:
    """The 整改清单: indicator, what the figures show, measure, responsible unit, deadline, status."""
    head = [text(k, lang) for k in ("th_no", "th_id", "th_indicator", "th_figures", "th_measure", "th_responsible",
                                 "th_deadline", "th_status")]
    from .. import rectification as rect

    todo = text("todo", lang)
    generated = {i.indicator: i.problem for i in rect.prefill(ev, lang, findings=found)} if found is not None else {}
    rows = []
    for k, it in enumerate(items, start=1):
        ind = it.indicator
        if ind and ind in ev.system.codes:
            ind = f"{ind} {ev.system.label(ind, lang)}"
            if it.stage:
                ind += text("paren", lang, x=nv.stage_short(it.stage, lang))
        f = found.get(it.indicator) if found is not None and it.indicator else None
        problem = it.problem
        if f is not None:
            lo = ev.settings.scale_min
            view = nv.expert_view(ev, f.code)
            expert = text("fig_expert", lang, mean=fix(view[0], 2)) if view else ""
            if f.low_share == f.low_share or ev.system.indicator(f.code).kind == "survey":
                figures = text("fig_answers", lang, score=fix(f.score, 2), s100=fix(f.score100, 1), lost=fix(f.points_lost, 2),
                               share=pct(f.low_share) if f.low_share == f.low_share else "—", lo=lo, lo2=lo + 1,
                               expert=expert)
            else:   # scored from data, by the panel or directly: no survey answers to count
                figures = text("fig_scored", lang, score=fix(f.score, 2), s100=fix(f.score100, 1),
                               lost=fix(f.points_lost, 2), data=_data_clause(ev, f.code, lang), expert=expert)
            own = it.source != "prefilled" and problem and problem != generated.get(it.indicator)
            problem = f"{problem}\n{figures}" if own else figures
        problem += text("carried_mark", lang) if it.source == "carried" else ""
        rows.append([str(k), it.id or "", ind, problem, it.measure or todo, it.responsible or todo,
                     it.deadline or todo, it.status or todo])
    return head, rows


def _data_clause(ev: Any, code: str, lang: str) -> str:
    """"；实测值 0.65，评分标准为…" for a data indicator, "" for the other types."""
    ds = ev.data_scores.get(code)
    if ds is None:
        return ""
    entry = (getattr(ev.inputs, "data", {}) or {}).get(code)
    unit = getattr(entry, "unit", "") or ""
    return text("fig_data", lang, value=nv.value_text(ds.value, ds.rule, lang), unit=f" {unit}" if unit else "",
                standard=ds.rule.describe(lang))


def year_rows(c: nv.YearComparison, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [text("th_code", lang), text("th_dimension", lang), text("th_yoy_weight", lang, y=c.prev_label),
            text("th_yoy_weight", lang, y=c.this_label), text("th_yoy_score", lang, y=c.prev_label),
            text("th_yoy_score", lang, y=c.this_label), text("th_change", lang)]
    rows = []
    for r in c.rows:
        ch = r.change
        rows.append([r.code, pick((r.name_zh, r.name_en), lang), fix(r.weight_prev, 4), fix(r.weight_now, 4),
                     fix(r.score100_prev, 2), fix(r.score100_now, 2),
                     "—" if ch is None else ("+" if ch > 0 else "") + fix(ch, 2)])
    d = c.score100_now - c.score100_prev
    rows.append(["", text("th_total100", lang), "", "", fix(c.score100_prev, 2), fix(c.score100_now, 2),
                 ("+" if d > 0 else "") + fix(d, 2)])
    rows.append(["", text("th_grade", lang), "", "", f"{c.grade_prev} {pick(c.label_prev, lang)}",
                 f"{c.grade_now} {pick(c.label_now, lang)}", ""])
    return head, rows


def _cn(k: int) -> str:
    return "一二三四五六七八九十"[k - 1] if 1 <= k <= 10 else str(k)


def _basic(doc: Any, ctx: ReportContext) -> None:
    """一、基本情况"""
    ev, lang, meta = ctx.evaluation, ctx.lang, ctx.meta
    doc.add_heading(text("h_basic", lang), level=1)
    doc.add_heading(text("h_unit", lang), level=2)
    for p in nv.basic_info(ev, meta, lang):
        _para(doc, p)
    doc.add_heading(text("h_scope", lang), level=2)
    for p in nv.scope_info(ev, meta, lang):
        _para(doc, p)


def _work(doc: Any, ctx: ReportContext) -> None:
    """二、评价工作开展情况"""
    ev, lang = ctx.evaluation, ctx.lang
    doc.add_heading(text("h_work", lang), level=1)
    doc.add_heading(text("h_panel", lang), level=2)
    for p in nv.method_paragraphs(ev, lang):
        _para(doc, p)
    a = ev.delphi.authority if ev.delphi is not None else None
    rows = []
    for k, e in enumerate(ev.inputs.experts):
        rows.append([e.code, e.name, fix(e.ca, 2), fix(e.cs, 2), fix((e.ca + e.cs) / 2, 3) if a is None else fix(a.cr[k], 3),
                     fix(ev.expert_weights[k], 4)])
    _para(doc, text("experts_table", lang), bold=True, style="Normal")
    _table(doc, [text(k, lang) for k in ("th_code", "th_expert_name", "th_ca", "th_cs", "th_cr", "th_w")], rows,
           numeric_from=2)
    if ev.delphi is not None:
        rows = []
        for rd in ev.delphi.rounds:
            scr = rd.screen.to_frame()
            kept = int(scr["keep"].sum())
            k = rd.kendall
            sent = nv.nth(ev.inputs.delphi_sent, rd.number - 1)
            back = nv.nth(ev.inputs.delphi_returned, rd.number - 1)
            sig = nv.significant(k)
            rows.append([str(rd.number), "—" if sent is None else f"{sent:g}", "—" if back is None else f"{back:g}",
                         str(rd.n_experts), "—" if k is None else fix(k.w, 4), "—" if k is None else fix(k.chi2, 2),
                         "—" if k is None else str(k.df), "—" if k is None else nv.p_text(k.p).replace("p ", ""),
                         "—" if sig is None else text("yes" if sig else "no", lang), str(kept), str(len(scr) - kept)])
        _para(doc, text("delphi_table", lang), bold=True, style="Normal")
        _table(doc, [text(k, lang) for k in ("th_round", "th_sent", "th_returned", "th_experts", "th_kendall", "th_chi2",
                                          "th_df", "th_p", "th_sig", "th_kept", "th_removed")], rows, numeric_from=1)
    doc.add_heading(text("h_survey", lang), level=2)
    _para(doc, nv.survey_paragraph(ev, ctx.meta, lang))


def _conclusion(doc: Any, ctx: ReportContext) -> None:
    """三、综合评价结论"""
    ev, lang = ctx.evaluation, ctx.lang
    doc.add_heading(text("h_conclusion", lang), level=1)
    doc.add_heading(text("h_scores", lang), level=2)
    head, rows, bold = score_rows(ev, lang)
    widths = (1.3, 4.4, 1.2, 1.8, 1.9, 1.7, 2.4) if nv.shows_tree(ev) else (1.3, 4.6, 2.2, 1.9, 1.7, 1.9, 2.0)
    _table(doc, head, rows, bold_rows=bold, numeric_from=2, widths=widths)
    head, rows = data_table_rows(ev, lang)
    if rows:
        _para(doc, text("data_table", lang), bold=True, style="Normal")
        _table(doc, head, rows, numeric_from=5, widths=(1.3, 3.0, 1.8, 1.1, 5.7, 1.6, 1.5))
    doc.add_heading(text("h_grade", lang), level=2)
    for p in nv.conclusion(ev, lang):
        _para(doc, p)
    r = ev.rating
    bands = r.bands.bands
    rows = [[b.grade, b.label(lang), f"≥ {b.lower:g}" + ("" if k == 0 else f", < {bands[k - 1].lower:g}"),
             "◀" if b.grade == r.grade else ""] for k, b in enumerate(bands)]
    _table(doc, [text(k, lang) for k in ("th_grade", "th_label", "th_range", "th_this")],
           rows, bold_rows=[k for k, b in enumerate(bands) if b.grade == r.grade])
    stmt = nv.sensitivity_statement(ev, ctx.sensitivity, lang)
    if stmt:
        doc.add_heading(text("h_robust", lang), level=2)
        _para(doc, stmt)


def _analysis(doc: Any, ctx: ReportContext) -> None:
    """四、绩效分析"""
    ev, lang = ctx.evaluation, ctx.lang
    note = charts.font_note(lang)
    doc.add_heading(text("h_analysis", lang), level=1)
    doc.add_heading(text("h_rule", lang), level=2)
    for p in nv.rule_paragraphs(ev, ctx.findings, lang):
        _para(doc, p)
    doc.add_heading(text("h_dims", lang), level=2)
    for p in nv.analysis(ev, lang, ctx.findings):
        _para(doc, p)
    doc.add_heading(text("h_charts", lang), level=2)
    if note:
        _para(doc, note, italic=True)
    n_fig = 0
    this_label = prev_label = None
    if ctx.comparison is not None:
        this_label, prev_label = ctx.comparison.this_label, ctx.comparison.prev_label
    for key, png in (("radar", charts.radar(ev, lang, ctx.previous, this_label=this_label, prev_label=prev_label)),
                     ("gaps", charts.gap_bar(ev, lang, top=12, codes=[f.code for f in ctx.findings.problems])),
                     *((("resp", charts.respondent_histogram(ev, lang)),) if _surveyed(ev) else ())):
        n_fig += 1
        _figure(doc, png, text("fig", lang, n=n_fig, t=text(key, lang)), 12.5 if key == "radar" else 15.0)
    if ctx.comparison is not None:
        c = ctx.comparison
        doc.add_heading(text("h_yoy", lang), level=2)
        for p in nv.year_sentences(c, lang):
            _para(doc, p)
        head, rows = year_rows(c, lang)
        _table(doc, head, rows, numeric_from=2, bold_rows=[len(rows) - 2, len(rows) - 1])
        if c.added or c.removed:
            rows = [[text("th_added", lang), code, pick((zhn, enn), lang)] for code, zhn, enn in c.added] + \
                   [[text("th_removed_ind", lang), code, pick((zhn, enn), lang)] for code, zhn, enn in c.removed]
            _table(doc, [text("th_change", lang), text("th_code", lang), text("th_indicator", lang)], rows)
        yrows = [(rw.name_zh, rw.name_en, rw.score100_prev, rw.score100_now) for rw in c.rows]
        yrows.append(("总分", "Total", c.score100_prev, c.score100_now))
        n_fig += 1
        _figure(doc, charts.year_bar(yrows, lang, this_label=c.this_label, prev_label=c.prev_label),
                text("fig", lang, n=n_fig, t=text("yoy_chart", lang)))


def _surveyed(ev: Any) -> bool:
    """Whether any indicator is scored by the survey (the respondents' chart has something to show)."""
    return any(i.kind == "survey" for i in ev.system.indicators)


def _experience(doc: Any, ctx: ReportContext) -> None:
    """五、主要经验做法"""
    doc.add_heading(text("h_experience", ctx.lang), level=1)
    for p in nv.experience(ctx.evaluation, ctx.lang, ctx.findings):
        _para(doc, p)


def _problems(doc: Any, ctx: ReportContext) -> None:
    """六、存在的问题及原因"""
    ev, lang = ctx.evaluation, ctx.lang
    doc.add_heading(text("h_problems", lang), level=1)
    _para(doc, nv.problems_intro(ctx.findings, lang))
    by_stage, tail = nv.problems_by_stage(ev, lang, ctx.findings)
    k = 0
    for stage, texts in by_stage.items():
        k += 1
        doc.add_heading(text("h_stage", lang, n=_cn(k) if lang == "zh" else k, stage=nv.stage_short(stage, lang)), level=2)
        for p in texts:
            _para(doc, p)
    if tail:
        k += 1
        doc.add_heading(text("h_others", lang, n=_cn(k) if lang == "zh" else k), level=2)
        for p in tail:
            _para(doc, p)
    if ctx.previous is not None or ctx.closed_last_year or ctx.open_last_year:
        k += 1
        doc.add_heading(text("h_last_year", lang, n=_cn(k) if lang == "zh" else k), level=2)
        _para(doc, nv.last_year_sentence(len(ctx.open_last_year), len(ctx.closed_last_year), lang))
        if ctx.closed_last_year:
            _para(doc, text("last_year_table", lang), bold=True, style="Normal")
            rows = [[str(n), i.id, i.indicator, i.problem, i.responsible, i.status]
                    for n, i in enumerate(ctx.closed_last_year, start=1)]
            _table(doc, [text(x, lang) for x in ("th_no", "th_id", "th_indicator", "th_figures", "th_responsible",
                                              "th_status")], rows)
        if ctx.removed_carried:
            _para(doc, text("removed_carried", lang, items=text("sep", lang).join(i.indicator for i in ctx.removed_carried)))


def _suggestions(doc: Any, ctx: ReportContext) -> None:
    """七、改进建议"""
    doc.add_heading(text("h_suggestions", ctx.lang), level=1)
    for p in nv.suggestions(ctx.evaluation, ctx.lang, ctx.findings, ctx.measures or {}):
        _para(doc, p)


def _signature(doc: Any, ctx: ReportContext) -> None:
    """落款: the annexes listed, the evaluating body, the head's signature, the date."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    lang, meta = ctx.lang, ctx.meta
    doc.add_paragraph()
    _para(doc, text("annex_list", lang))
    doc.add_paragraph()
    for line in (text("sign_body", lang, body=meta.get("evaluator") or text("todo", lang)),
                 text("sign_head", lang) + "＿" * 8,
                 text("sign_date", lang, date=nv.date_text(meta.get("report_date", ""), lang) or text("todo", lang))):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.space_before = Pt(6)
        p.add_run(_text(line))


def _landscape(doc: Any, on: bool) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE if on else WD_ORIENT.PORTRAIT
    long_, short = Cm(29.7), Cm(21.0)
    sec.page_width, sec.page_height = (long_, short) if on else (short, long_)


def _annex(doc: Any, ctx: ReportContext) -> None:
    """八、附件: the 整改清单 (landscape), indicators and weights, consistency, glossary, audit trail."""
    ev, lang = ctx.evaluation, ctx.lang
    _landscape(doc, True)
    doc.add_heading(text("h_annex", lang), level=1)
    doc.add_heading(text("annex1", lang), level=2)
    head, rows = rectification_rows(ctx.items, ev, lang, ctx.findings)
    if rows:
        _table(doc, head, rows, widths=(1.1, 1.9, 3.4, 6.2, 7.0, 2.4, 1.9, 1.6))
    else:
        _para(doc, text("none", lang))
    _landscape(doc, False)
    doc.add_heading(text("annex2", lang), level=2)
    rows = annex_weight_rows(ev, lang)
    _table(doc, [text(k, lang) for k in ("th_code", "th_name", "th_stage", "th_local", "th_weight_global")], rows,
           numeric_from=3, widths=(1.4, 6.2, 2.2, 3.0, 3.0))
    doc.add_heading(text("annex3", lang), level=2)
    if ev.system.weighting == "points":   # weights from points: no judgment matrices to check
        _para(doc, text("consistency_points", lang))
    else:
        _consistency_table(doc, ev, lang)
    doc.add_heading(text("annex4", lang), level=2)
    _table(doc, [text("th_term", lang), text("th_meaning", lang)], [list(g) for g in glossary(lang)], widths=(4.5, 11.3))
    doc.add_heading(text("annex5", lang), level=2)
    _para(doc, text("audit_intro", lang))
    _table(doc, [text("th_item", lang), text("th_value", lang)], audit_rows(ctx), widths=(3.5, 12.3))


def _consistency_table(doc: Any, ev: Any, lang: str) -> None:
    """Annex 3: each node's aggregated matrix (order, λmax, CI, RI, CR, pass) and the hierarchy's CR."""
    from ..model import GOAL

    rows = []
    t_ = ev.settings.cr_threshold
    for code, nr in ev.nodes.items():
        ag = nr.aggregated
        name = ev.system.goal(lang) if code == GOAL else f"{code} {ev.system.label(code, lang)}"
        rows.append([name, str(len(nr.children)), fix(ag.lambda_max, 4), fix(ag.consistency_index, 4),
                     fix(ag.random_index, 4), fix(ag.consistency_ratio, 4),
                     text("yes" if ag.consistency_ratio < t_ else "no", lang)])
    rows.append([text("th_hier", lang), "", "", "", "", fix(ev.hierarchy.consistency_ratio, 4), ""])
    _table(doc, [text(k, lang) for k in ("th_matrix", "th_order", "th_lambda", "th_ci", "th_ri", "th_crr", "th_pass")],
           rows, numeric_from=1, widths=(4.0, 1.2, 2.2, 2.2, 2.4, 2.4, 1.4))


def annex_weight_rows(ev: Any, lang: str) -> list[list[str]]:
    """Annex 2: every dimension (every level of a deeper system) with its indicators, stage and weights."""
    rows = []
    it = ev.indicator_table
    if nv.shows_tree(ev):
        leaves = it.set_index("code")
        nodes = _node_frame(ev)
        for code, level, leaf in nv.tree_order(ev.system):
            r = leaves.loc[code] if leaf else nodes.loc[code]
            rows.append([code, "\u3000" * (level - 1) + ev.system.label(code, lang),
                         nv.stage_short(r["pdca"], lang) if leaf else "",
                         fix(r["local_weight"] if leaf else r["weight"], 4), fix(r["global_weight"], 4)])
        return rows
    for _, d in ev.dimension_table.iterrows():
        rows.append([d["dimension"], ev.system.label(d["dimension"], lang), "", fix(d["weight"], 4), fix(d["weight"], 4)])
        for _, rr in it[it["dimension"] == d["dimension"]].iterrows():
            rows.append([rr["code"], pick((rr["name_zh"], rr["name_en"]), lang), nv.stage_short(rr["pdca"], lang),
                         fix(rr["local_weight"], 4), fix(rr["global_weight"], 4)])
    return rows


def audit_rows(ctx: ReportContext) -> list[list[str]]:
    """附件5: software, workbook and its SHA-256, evaluation ID, settings, rounding, how to reproduce."""
    lang, ev = ctx.lang, ctx.evaluation
    au = dict(ctx.audit or {})
    s = ev.settings
    rows = [[text("audit_version", lang), f"bpm-xl {au.get('version', '')}"],
            [text("audit_file", lang), au.get("file") or "example"],
            [text("audit_sha", lang), au.get("sha256") or text("sha_none", lang)]]
    if au.get("evaluation_id"):
        rows.append([text("audit_id", lang), au["evaluation_id"]])
    rows.append([text("audit_settings", lang),
                 f"method={s.method}, random_index={s.random_index}, aggregation={s.aggregation}, "
                 f"expert_weighting={s.expert_weighting}, scale={s.scale_min:g}-{s.scale_max:g}, "
                 f"cr_threshold={s.cr_threshold:g}, min_mean={s.min_mean:g}, max_cv={s.max_cv:g}, "
                 f"bands={s.bands.name}, problem_line={ctx.findings.line:g}, lowest={ctx.findings.lowest}"])
    rows.append([text("audit_formulas", lang), text("audit_formulas_v", lang, top=s.scale_max)])
    rows.append([text("audit_rounding", lang), text("audit_rounding_v", lang)])
    rows.append([text("audit_reproduce", lang), text("audit_reproduce_v", lang, v=au.get("version", ""),
                                               file=au.get("file") or "example")])
    return rows


def _title_page(doc: Any, ctx: ReportContext, title: str) -> None:
    """Title (unit and year), 被评价单位, 评价单位, 报告日期; then a page break."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    lang, meta = ctx.lang, ctx.meta
    for _ in range(6):
        doc.add_paragraph()
    h = doc.add_heading(title, level=0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(8):
        doc.add_paragraph()
    sep = text("colon", lang)
    for key, field in (("tp_unit", "unit"), ("tp_year", "year"), ("tp_evaluator", "evaluator"), ("tp_date", "report_date")):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        value = nv.date_text(meta.get(field, ""), lang) if field == "report_date" else meta.get(field)
        r = p.add_run(_text(f"{text(key, lang)}{sep}{value or text('todo', lang)}"))
        r.font.size = Pt(14)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _pending(doc: Any, ctx: ReportContext) -> None:
    """The scores wait for the survey: which parts of the report are pending."""
    ev = ctx.evaluation
    survey_only = all(ev.system.indicator(c).kind == "survey" for c in ev.pending)
    doc.add_heading(text("pending_title" if survey_only else "pending_title_inputs", ctx.lang), level=1)
    _para(doc, text("pending_docx" if survey_only else "pending_inputs", ctx.lang, codes=", ".join(ev.pending)))


def build_docx(ctx: ReportContext) -> bytes:
    """The Word document as bytes."""
    from docx import Document
    from docx.shared import Cm

    ev, lang, meta = ctx.evaluation, ctx.lang, ctx.meta
    if ctx.findings is None:
        from dataclasses import replace

        from ..findings import classify

        ctx = replace(ctx, findings=classify(ev))
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
    _title_page(doc, ctx, title)
    sections = (_basic, _work, _conclusion, _analysis, _experience, _problems, _suggestions, _signature, _annex)
    if ev.pending:   # no scores yet: the parts that need them are said to be pending
        sections = (_basic, _work, _pending)
    for section in sections:
        section(doc, ctx)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
