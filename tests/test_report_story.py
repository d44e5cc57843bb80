"""The report tells one story: strengths and problems from one classification (bpm_xl.findings),
Chinese text without code names outside the audit annex, a title page and a 落款, the survey's
collection and last year's items counted right."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bpm_xl import rectification as rect
from bpm_xl.evaluation import evaluate
from bpm_xl.example import load_example
from bpm_xl.findings import classify, problem_line
from bpm_xl.writers import narrative as nv
from bpm_xl.writers.report import report_context, write_report

docx = pytest.importorskip("docx")


@pytest.fixture(scope="module")
def ev():
    return evaluate(load_example())


def _random_evaluation(ev, rng):
    """The example's weights with random survey answers: a new set of indicator scores."""
    it = ev.indicator_table.copy()
    codes = list(it["code"])
    n = int(rng.integers(5, 60))
    centre = rng.uniform(1.5, 4.8, size=len(codes))
    answers = np.clip(np.rint(centre + rng.normal(0, 0.8, size=(n, len(codes)))), 1, 5)
    survey = pd.DataFrame(answers, columns=codes)
    it["mean_score"] = survey.mean().to_numpy()
    it["answers"] = n
    inputs = replace(ev.inputs, survey=survey)
    return replace(ev, indicator_table=it, inputs=inputs)


@pytest.mark.parametrize("seed", range(200))
def test_no_indicator_is_both_strength_and_problem_and_the_lowest_are_problems(ev, seed):
    rng = np.random.default_rng(seed)
    e = _random_evaluation(ev, rng)
    line = float(rng.uniform(40, 95))
    k = int(rng.integers(1, 6))
    f = classify(e, line, k)
    strengths = {x.code for x in f.strengths}
    problems = [x.code for x in f.problems]
    assert not strengths & set(problems)
    assert len(problems) + len(strengths) + len(f.others) == len(e.indicator_table)
    lowest = list(e.indicator_table.sort_values("mean_score", kind="stable")["code"][:k])
    assert set(lowest) <= set(problems)
    lost = [x.points_lost for x in f.problems]
    assert lost == sorted(lost, reverse=True)
    assert all(x.score100 >= line for x in f.strengths)
    # the story follows the classification: 六 discusses every one of the lowest k, 五 names no problem
    by_stage, tail = nv.problems_by_stage(e, "zh", f)
    six = "".join(p for ps in by_stage.values() for p in ps) + "".join(tail)
    for code in lowest:
        assert re.search(rf"(?<![A-Z0-9]){code}(?![0-9])", six), code
    five = "".join(nv.experience(e, "zh", f))
    for code in problems:
        assert not re.search(rf"(?<![A-Z0-9]){code}(?![0-9])", five), code
    seven = "".join(nv.suggestions(e, "zh", f, rect.library_for(e.system, None, "zh")))
    assert set(re.findall(r"(?<![A-Z0-9])([A-Z]\d+)(?![0-9])", seven)) <= set(problems)
    # the 整改清单's pre-filled rows are the problems, in the same order
    assert [i.indicator for i in rect.prefill(e, "zh", findings=f)] == problems


def test_the_best_indicator_is_never_a_problem_and_the_worst_always_is(ev):
    f = classify(ev)
    best = ev.indicator_table.loc[ev.indicator_table["mean_score"].idxmax(), "code"]
    worst = ev.indicator_table.loc[ev.indicator_table["mean_score"].idxmin(), "code"]
    assert f.kind(best) == "strength" and f.kind(worst) == "problem"


def test_problem_line_from_settings():
    assert problem_line(None) == 80 and problem_line("") == 80 and problem_line("75") == 75
    from bpm_xl.errors import SettingsError

    with pytest.raises(SettingsError, match="problem_line: is 'abc'"):
        problem_line("abc")
    with pytest.raises(SettingsError, match="between 0 and 100"):
        problem_line(120)


def _body_and_annex(doc):
    """The zh text before 附件5 (paragraphs and table cells, in document order) and after it."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body, audit, in_audit = [], [], False
    for block in doc.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(block, doc).text
            if text.startswith("附件5"):
                in_audit = True
            (audit if in_audit else body).append(text)
        elif tag == "tbl":
            cells = [c.text for r in Table(block, doc).rows for c in r.cells]
            (audit if in_audit else body).extend(cells)
    return body, audit


def _build(tmp_path, **kw):
    inputs = load_example()
    e = evaluate(inputs)
    files = write_report(inputs, e, None, tmp_path / "r.docx", fmt="docx", lang="zh", **kw)
    return e, docx.Document(str(files.path))


# Latin words allowed in the Chinese body: indicator, dimension and expert codes and grade letters (F1, C,
# E01, B: they identify rows of the tables and are typed by the bureau) and the statistical symbols W, p, CR, CI, RI. Everything else
# (AIJ, AHP, GOAL, Kendall, PDCA, Plan, bpm-xl, evaluate, json, mof2020 ...) may appear only in 附件5.
SYMBOLS = {"W", "p", "CR", "CI", "RI"}


def test_zh_body_has_no_latin_method_word_or_code_name(tmp_path):
    e, doc = _build(tmp_path, meta={"unit": "某区财政局", "year": 2025, "evaluator": "某区财政局绩效科",
                                    "report_date": "2026年3月31日"})
    body, audit = _body_and_annex(doc)
    codes = set(e.system.codes) | {d.code for d in e.system.dimensions} | {x.code for x in e.inputs.experts}
    codes |= {b.grade for b in e.rating.bands.bands}
    words = {w for t in body for w in re.findall(r"[A-Za-z]+[A-Za-z0-9]*", t)}
    assert words - codes - SYMBOLS == set()
    text = "\n".join(body)
    for banned in ("cn 表", "AIJ", "GOAL", "Kendall", "（Plan）", "bpm-xl", "--json"):
        assert banned not in text
    for word in ("层次分析法", "判断矩阵几何平均集结", "平均随机一致性指标（国内常用表）", "肯德尔协调系数 W"):
        assert word in text
    # the audit annex says how to reproduce, with the version
    joined = "\n".join(audit)
    from bpm_xl import __version__

    assert "bpm-xl evaluate" in joined and __version__ in joined


def test_title_page_and_signature_from_settings(tmp_path):
    _, doc = _build(tmp_path, meta={"unit": "某区财政局", "year": 2025, "evaluator": "某区财政局绩效科",
                                    "report_date": "2026年3月31日", "functions": "负责全区财政预算管理"})
    texts = [p.text for p in doc.paragraphs]
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == ["某区财政局2025年度预算绩效管理评价报告"]
    head = texts[:texts.index("一、基本情况")]
    assert "评价单位：某区财政局绩效科" in head and "报告日期：2026年3月31日" in head
    assert "评价单位（盖章）：某区财政局绩效科" in texts and "报告日期：2026年3月31日" in texts
    assert any(t.startswith("负责人（签字）") for t in texts)
    assert any("职能与机构：负责全区财政预算管理" in t for t in texts)
    # 落款 comes after 七 and before the annexes
    assert texts.index("七、改进建议") < texts.index("评价单位（盖章）：某区财政局绩效科") < texts.index("八、附件")


def test_blank_settings_show_to_fill_in_never_today(tmp_path):
    import datetime as dt

    _, doc = _build(tmp_path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "报告日期：待填写" in text and "评价单位（盖章）：待填写" in text and "年度预算规模：待填写" in text
    assert dt.date.today().isoformat() not in text


def test_the_list_sits_in_a_landscape_section(tmp_path):
    from docx.enum.section import WD_ORIENT

    _, doc = _build(tmp_path)
    orient = [s.orientation for s in doc.sections]
    assert WD_ORIENT.LANDSCAPE in orient and orient[0] == WD_ORIENT.PORTRAIT and orient[-1] == WD_ORIENT.PORTRAIT
    t = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["序号", "事项编号", "指标"])
    e = evaluate(load_example())
    f = classify(e)
    assert [r.cells[2].text.split()[0] for r in t.rows[1:]] == [x.code for x in f.problems]
    # a measure per indicator, not per stage: the problems' measures all differ
    measures = [r.cells[4].text for r in t.rows[1:]]
    assert len(set(measures)) == len(measures)


def test_survey_screening_counted_from_settings(ev):
    """50 came back, 2 duplicates and 2 too fast were screened out: 46 used."""
    e = replace(ev, inputs=replace(ev.inputs, survey=ev.inputs.survey.iloc[:46]))
    meta = {"survey_received": 50, "survey_excluded": 4, "survey_reasons": "重复提交 2 份；答题过快 2 份（已剔除）"}
    text = nv.survey_paragraph(e, nv.meta_of(meta), "zh")
    assert "共收回答卷 50 份" in text and "剔除 4 份，有效答卷 46 份" in text and "纳入计算的答卷 46 份" in text
    assert "重复提交 2 份" in text
    f = nv.survey_facts(e, nv.meta_of({"survey_received": 50, "survey_sent": 60}))
    assert (f.received, f.excluded, f.valid, f.used, f.sent) == (50, 4, 46, 46, 60)


def test_kendall_not_significant_is_said(ev):
    from bpm_xl.delphi import KendallResult

    rd = ev.delphi.rounds[0]
    weak = replace(rd, kendall=KendallResult(w=0.05, chi2=14.25, df=19, p=0.77, m=15, n=20, w_uncorrected=0.05))
    text = nv.round_sentence(ev, weak, 0, "zh")
    assert "专家意见协调程度不显著" in text and "p = 0.7700" in text
    assert "专家意见协调程度显著" in nv.round_sentence(ev, rd, 0, "zh")


def test_last_year_counts_whatever_the_wording(ev):
    """Last year: 5 items, 1 closed, 4 open; two open ones worded exactly like this year's
    pre-filled rows, two reworded in this year's typed list under their IDs."""
    this_year = rect.prefill(ev, "zh", findings=classify(ev))
    last = [{"id": "2024-01", "indicator": "F1", "problem": "旧问题", "status": "已整改"},
            {"id": "2024-02", "indicator": this_year[0].indicator, "problem": this_year[0].problem, "status": "未整改"},
            {"id": "2024-03", "indicator": this_year[1].indicator, "problem": this_year[1].problem, "status": "整改中"},
            {"id": "2024-04", "indicator": "L4", "problem": "第三方机构管理不规范", "status": ""},
            {"id": "2024-05", "indicator": "F2", "problem": "执行进度慢", "status": "未整改"}]
    typed = [{"id": "2024-04", "indicator": "L4", "problem": "第三方机构委托管理仍不规范（改写）", "status": "整改中"},
             {"id": "2024-05", "indicator": "F2", "problem": "预算执行进度偏慢（改写）", "status": "整改中"}]
    ctx = report_context(ev, "zh", previous=ev, rectification=typed, previous_rectification=last)
    assert len(ctx.closed_last_year) == 1 and len(ctx.open_last_year) == 4
    assert "尚未完成 4 项" in nv.last_year_sentence(len(ctx.open_last_year), len(ctx.closed_last_year), "zh")
    keys = [rect.key_of(i) for i in ctx.items]
    assert len(keys) == len(set(keys))
    for item_id in ("2024-02", "2024-03", "2024-04", "2024-05"):
        assert sum(1 for i in ctx.items if i.id == item_id) == 1
    assert not any(i.id == "2024-01" for i in ctx.items)
    # an indicator carried from last year is not listed twice
    inds = [i.indicator for i in ctx.items]
    assert len(inds) == len(set(inds))


def test_html_tells_the_same_story(tmp_path, ev):
    from bpm_xl.writers.report_html import render_html

    ctx = report_context(ev, "zh")
    page = render_html(ev, "zh", meta=ctx.meta, items=ctx.items, context=ctx)
    for p in nv.experience(ev, "zh", ctx.findings) + [nv.problems_intro(ctx.findings, "zh")]:
        assert p.replace("“", "").replace("”", "")[:20] in page.replace("“", "").replace("”", "")
    assert "评价单位（盖章）" in page
    # the detailed section's first table lists problems only (a strength is never a priority there)
    table = page.split("存在问题的指标中失分最多的")[1].split("<h3>")[0]
    codes = set(re.findall(r"<td>([A-Z]\d+)</td>", table))
    assert codes and codes <= {f.code for f in ctx.findings.problems}


@pytest.mark.parametrize("screen", [True, False], ids=["screen", "no-screen"])
def test_survey_import_then_report_counts_what_came_back(tmp_path, screen):
    """The issue's reproduction: 50 responses came back, 2 duplicates and 2 too fast. With
    --screen the report said "收回 46 份"; it must say 50 received, 4 screened out, 46 used."""
    import docx as _docx
    from typer.testing import CliRunner

    from bpm_xl.cli import app
    from bpm_xl.service import new_workbook, read_workbook, report_file
    from tests.test_survey_import import _answers, _wjx_rows, _xlsx

    hub = new_workbook(tmp_path / "hub.xlsm", lang="zh", example=True, with_module=False)
    data, _ = read_workbook(hub)
    indicators = [(r["code"], r["name_zh"]) for r in data.system_rows]
    ans = [list(r) for r in _answers(48, len(indicators), seed=3)]
    head, rows = _wjx_rows(indicators, ans)
    for k in (5, 9):                                   # two duplicate submissions: same IP and answers
        rows.append(list(rows[k]))
        rows[-1][0] = len(rows)
    rows[20][2] = "20秒"                               # two too fast
    rows[30][2] = "15秒"
    assert len(rows) == 50
    f = _xlsx(tmp_path / "wjx.xlsx", head, rows)
    res = CliRunner().invoke(app, ["import-survey", str(hub), str(f), "--first-option", "非常不满意"]
                             + (["--screen"] if screen else []))
    assert res.exit_code == 0, res.output
    meta = read_workbook(hub)[0].meta
    assert meta["survey_received"] == "50" and meta["survey_excluded"] == ("4" if screen else "0")
    out = report_file(hub, tmp_path / "r.docx", fmt="docx", draws=0)
    text = "\n".join(p.text for p in _docx.Document(str(out.path)).paragraphs)
    assert "共收回答卷 50 份" in text
    if screen:
        assert "重复提交 2 份；答题过快 2 份（已剔除）；剔除 4 份，有效答卷 46 份" in text
        assert "纳入计算的答卷 46 份" in text
    else:
        assert "重复提交 2 份；答题过快 2 份（标记但未剔除）；剔除 0 份，有效答卷 50 份" in text
        assert "纳入计算的答卷 50 份" in text


@pytest.mark.parametrize("name", ["hub.xlsm", "hub.xlsx"], ids=["macro", "portable"])
def test_report_fields_and_measures_are_kept_by_rebuild_and_read(tmp_path, name):
    """The Settings rows the report states (date, 基本情况, problem line) and an edited 整改措施库
    row survive a rebuild of either hub kind, and the report uses them."""
    import docx as _docx
    import openpyxl

    from bpm_xl.readers.preserve import parse_refers
    from bpm_xl.service import new_workbook, read_workbook, rebuild_file, report_file

    hub = new_workbook(tmp_path / name, lang="zh", example=True, portable=name.endswith(".xlsx"),
                       **({} if name.endswith(".xlsx") else {"with_module": False}))
    wb = openpyxl.load_workbook(hub, keep_vba=name.endswith(".xlsm"))

    def put(nm, value, dc=0):
        sheet, r0, c0, _, _ = parse_refers(wb.defined_names[nm].attr_text)
        wb[sheet].cell(r0 + 1, c0 + 1 + dc).value = value

    put("BPM_REPORT_DATE", "2026年3月31日")
    put("BPM_FUNCTIONS", "负责全区财政预算编制和执行")
    put("BPM_PROBLEM_LINE", 78)
    put("BPM_EVALUATOR", "某区财政局绩效科")
    sheet, r0, c0, _, _ = parse_refers(wb.defined_names["BPM_MEASURES"].attr_text)
    codes = [wb[sheet].cell(r0 + 1 + k, c0 + 1).value for k in range(20)]
    row = codes.index("P5")
    wb[sheet].cell(r0 + 1 + row, c0 + 3).value = "本局自定：建立整改销号台账，每季度通报"
    wb.save(hub)
    rebuild_file(hub, backup=False)
    data = read_workbook(hub)[0]
    assert data.meta["report_date"] == "2026年3月31日" and data.meta["functions"] == "负责全区财政预算编制和执行"
    assert float(data.meta["problem_line"]) == 78
    assert data.measures["P5"] == "本局自定：建立整改销号台账，每季度通报"
    out = report_file(hub, tmp_path / "r.docx", fmt="docx", draws=0)
    doc = _docx.Document(str(out.path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "报告日期：2026年3月31日" in text and "职能与机构：负责全区财政预算编制和执行" in text
    assert "百分制得分低于 78 分的指标" in text
    # 七 takes each problem's measure from the library (the 整改清单's rows, once written, are the bureau's)
    assert classify(evaluate(load_example()), 78).kind("P5") == "problem"
    seven = text[text.index("七、改进建议"):text.index("评价单位（盖章）")]
    assert "本局自定：建立整改销号台账，每季度通报" in seven


def _frames(ev, paragraphs):
    """Each clause of a section with its figures, codes, names and stage words taken out: what is
    left is the sentence frame a reader recognises."""
    names = sorted({ev.system.label(c, "zh") for c in ev.system.codes} |
                   {d.name("zh") for d in ev.system.dimensions}, key=len, reverse=True)
    out = []
    for p in paragraphs:
        for clause in re.split(r"[。；]", p):
            t = clause
            for n in names:
                t = t.replace(n, "〈名〉")
            t = re.sub(r"[A-Z]+\d*", "〈码〉", t)
            t = re.sub(r"\d+(?:\.\d+)?%?", "〈数〉", t)
            t = re.sub("计划|执行|检查|处理", "〈环节〉", t)
            if t.strip():
                out.append(t.strip())
    return out


@pytest.mark.parametrize("seed", [None, *range(30)])
def test_no_sentence_frame_three_times_in_a_section(ev, seed):
    e = ev if seed is None else _random_evaluation(ev, np.random.default_rng(seed))
    f = classify(e)
    by_stage, tail = nv.problems_by_stage(e, "zh", f)
    sections = {"五": nv.experience(e, "zh", f), "六": [p for ps in by_stage.values() for p in ps] + tail,
                "七": nv.suggestions(e, "zh", f, rect.library_for(e.system, None, "zh")),
                "二": nv.method_paragraphs(e, "zh")}
    for name, paras in sections.items():
        frames = _frames(e, paras)
        worst = max((frames.count(x), x) for x in frames) if frames else (0, "")
        assert worst[0] < 3, (name, worst)


def test_a_bad_problem_line_is_refused_at_its_cell(tmp_path):
    import openpyxl
    from typer.testing import CliRunner

    from bpm_xl.cli import app
    from bpm_xl.readers.preserve import parse_refers
    from bpm_xl.service import new_workbook

    hub = new_workbook(tmp_path / "hub.xlsm", lang="zh", example=True, with_module=False)
    wb = openpyxl.load_workbook(hub, keep_vba=True)
    sheet, r0, c0, _, _ = parse_refers(wb.defined_names["BPM_PROBLEM_LINE"].attr_text)
    wb[sheet].cell(r0 + 1, c0 + 1).value = "八十"
    wb.save(hub)
    before = hub.read_bytes()
    out = tmp_path / "r.docx"
    res = CliRunner().invoke(app, ["report", str(hub), "--docx", "--out", str(out), "--draws", "0", "--quiet"])
    assert res.exit_code == 2
    from bpm_xl.layout.types import a1

    assert f"{sheet}!{a1(r0, c0, absolute=False)}" in res.output or a1(r0, c0, absolute=False) in res.output
    assert "problem_line" in res.output and not out.exists() and hub.read_bytes() == before


def test_a_report_date_typed_as_a_date(tmp_path):
    import datetime as dt

    import docx as _docx
    import openpyxl

    from bpm_xl.readers.preserve import parse_refers
    from bpm_xl.service import new_workbook, read_workbook, report_file

    hub = new_workbook(tmp_path / "hub.xlsm", lang="zh", example=True, with_module=False)
    wb = openpyxl.load_workbook(hub, keep_vba=True)
    sheet, r0, c0, _, _ = parse_refers(wb.defined_names["BPM_REPORT_DATE"].attr_text)
    wb[sheet].cell(r0 + 1, c0 + 1).value = dt.datetime(2026, 3, 31)
    wb[sheet].cell(r0 + 1, c0 + 1).number_format = "yyyy-mm-dd"
    wb.save(hub)
    assert read_workbook(hub)[0].meta["report_date"] == "2026-03-31"
    out = report_file(hub, tmp_path / "r.docx", fmt="docx", draws=0)
    texts = [p.text for p in _docx.Document(str(out.path)).paragraphs]
    assert "报告日期：2026年3月31日" in texts


def test_audit_annex_has_the_evaluation_id_when_there_is_one(ev):
    from bpm_xl.writers.report_docx import audit_rows

    plain = report_context(ev, "zh", audit={"file": "a.xlsm", "sha256": "ab" * 32})
    rows = dict(audit_rows(plain))
    assert rows["工作簿 SHA-256"] == "ab" * 32 and "评价编号" not in rows
    with_id = report_context(ev, "zh", audit={"file": "a.xlsm", "sha256": "ab" * 32, "evaluation_id": "EV-2025-0001"})
    assert dict(audit_rows(with_id))["评价编号"] == "EV-2025-0001"