"""The Word report (bpm_xl.writers.report_docx) reopened with python-docx: the 财预〔2020〕10号
outline in order, the score table equal to `bpm-xl evaluate --json` at display precision, the
整改清单, the charts, the PDF through LibreOffice, and the year-over-year comparison with
--previous on two workbooks (one indicator added)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.evaluation import evaluate
from bpm_xl.example import load_example
from bpm_xl.writers.narrative import OUTLINE, fix
from bpm_xl.writers.report import write_report

import docx  # noqa: E402

DIMS = ("F", "C", "P", "L")


@pytest.fixture(scope="module")
def json_example():
    """The figures as the command line gives them (`bpm-xl evaluate example --json`)."""
    res = CliRunner().invoke(app, ["evaluate", "example", "--json", "--draws", "0"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _build(tmp_path: Path, lang: str, **kw):
    inputs = load_example(lang=lang)
    ev = evaluate(inputs)
    files = write_report(inputs, ev, kw.pop("sensitivity", None), tmp_path / f"r_{lang}.docx", fmt="docx",
                         lang=lang, **kw)
    return ev, files.path, docx.Document(str(files.path))


def _headings(doc, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def _table_with(doc, first_header: str, second_header: str, index: int = 0):
    found = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == [first_header, second_header]]
    if len(found) > index:
        return found[index]
    raise AssertionError(f"no table headed {first_header}, {second_header}")


def _rows(table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows[1:]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_outline_headings_in_order(tmp_path, lang):
    _, path, doc = _build(tmp_path, lang, meta={"unit": "某区财政局", "year": 2025, "evaluator": "张三"})
    assert zipfile.ZipFile(path).testzip() is None
    want = [zh if lang == "zh" else en for _, zh, en in OUTLINE]
    assert _headings(doc, 1) == want
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == (["某区财政局2025年度预算绩效管理评价报告"] if lang == "zh" else
                     ["Budget performance management evaluation report: 某区财政局, 2025"])
    # real heading styles with outline levels, so Word's navigation pane lists them
    assert doc.styles["Heading 1"].element.pPr.find(docx.oxml.ns.qn("w:outlineLvl")) is not None
    # page numbers: a PAGE field in the footer
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "fldChar" in footer


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_score_table_equals_evaluate_json(tmp_path, lang, json_example):
    d = json_example
    _, _, doc = _build(tmp_path, lang)
    zh = lang == "zh"
    t = _table_with(doc, "编码" if zh else "Code", "维度 / 指标" if zh else "Dimension / indicator")
    rows = {r[0]: r for r in _rows(t) if r[0]}
    total = next(r for r in _rows(t) if r[1] in ("合计", "Total"))
    for dim in d["dimensions"]:
        r = rows[dim["dimension"]]
        assert r[1] == (dim["name_zh"] if zh else dim["name_en"])
        assert r[2:] == [fix(dim["weight"], 4), fix(dim["weight"], 4), fix(dim["score"], 4),
                         fix(dim["contribution"], 4), fix(dim["score100"], 2)]
    for ind in d["indicators"]:
        r = rows[ind["code"]]
        assert r[1] == (ind["name_zh"] if zh else ind["name_en"])
        assert r[2:6] == [fix(ind["local_weight"], 4), fix(ind["global_weight"], 4), fix(ind["mean_score"], 4),
                          fix(ind["weighted_score"], 4)]
    assert total[5] == fix(d["total"], 4) and total[6] == fix(d["score100"], 2)
    assert len(rows) == len(d["dimensions"]) + len(d["indicators"])
    # the grade and the band that gave it
    band_table = _table_with(doc, "等级" if zh else "Grade", "名称" if zh else "Label")
    hit = [r for r in _rows(band_table) if r[3] == "◀"]
    assert len(hit) == 1 and hit[0][0] == d["rating"]["grade"]
    text = "\n".join(p.text for p in doc.paragraphs)
    label = d["rating"]["label_zh"] if zh else d["rating"]["label_en"]
    assert fix(d["score100"], 2) in text and label in text


def test_display_rounding_is_half_up_like_excel():
    assert fix(80.125, 2) == "80.13"          # binary 80.125 is exact: half-up, not half-even
    assert fix(2.675, 2) == "2.68"            # 2.67499999... in binary; 15 significant digits first
    assert fix(0.30000000000000004, 4) == "0.3000"
    assert fix(-0.00001, 2) == "0.00"
    assert fix(float("nan")) == "—" and fix(None) == "—"


def test_rectification_list_prefilled_and_typed_rows_kept(tmp_path, json_example):
    typed = [{"problem": "预算执行进度偏慢，=cmd|' /C calc'!A0 {PAGE}", "stage": "执行", "indicator": "F2",
              "responsible": "预算科", "deadline": "2026-06-30", "measure": "按月调度", "status": "整改中"},
             {"problem": "", "indicator": ""}]  # a blank row is dropped
    ev, path, doc = _build(tmp_path, "zh", rectification=typed)
    t = _table_with(doc, "序号", "事项编号")
    rows = _rows(t)
    from bpm_xl.findings import classify

    problems = [f.code for f in classify(ev).problems]
    assert "F2" not in problems  # F2 reaches the line: typed by the bureau, kept all the same
    # the typed row first and as typed; pre-filled rows for the problems, never a second F2
    assert rows[0][3].split("\n")[0] == typed[0]["problem"] and rows[0][2] == "F2 预算执行进度（执行）"
    assert rows[0][4:] == ["按月调度", "预算科", "2026-06-30", "整改中"]
    assert [r[2].split()[0] for r in rows] == ["F2"] + problems
    assert all(r[5] == "待填写" and r[7] == "未整改" for r in rows[1:])
    # user text stays text: no field code anywhere in the body
    body = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    assert "instrText" not in body and "fldSimple" not in body and "fldChar" not in body


def test_charts_present(tmp_path):
    _, path, doc = _build(tmp_path, "zh")
    assert len(doc.inline_shapes) == 3
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert captions[0] == "图1 各维度百分制得分雷达图"
    assert any("失分" in c for c in captions) and any("受访者" in c for c in captions)
    media = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("word/media/")]
    assert len(media) == 3 and all(zipfile.ZipFile(path).read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in media)


def test_sensitivity_statement(tmp_path):
    from bpm_xl.sensitivity import analyse

    inputs = load_example()
    ev = evaluate(inputs)
    sens = analyse(inputs, draws=200, evaluation=ev, seed=1)
    _, _, doc = _build(tmp_path, "zh", sensitivity=sens)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "（三）结论的稳定性" in _headings(doc, 2)
    assert f"{fix(sens.judgments_perturb.rating_stays * 100, 1)}%" in text


@pytest.mark.libreoffice
@pytest.mark.slow
def test_pdf_of_the_docx(tmp_path):
    from bpm_xl.writers.report_html import find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    inputs = load_example()
    ev = evaluate(inputs)
    files = write_report(inputs, ev, None, tmp_path / "r.pdf", fmt="pdf", lang="zh")
    assert files.path == tmp_path / "r.docx" and files.path.exists()
    assert files.pdf == tmp_path / "r.pdf" and files.pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(files.pdf), "-"], capture_output=True, text=True).stdout
        assert "综合评价结论" in text and fix(ev.score100, 2) in text


# ----------------------------------------------------------------------------- --previous
def _add_indicator(path: Path) -> None:
    """Add F6 on the indicator sheet, rebuild, then give F6 judgments, Delphi ratings and answers."""
    import openpyxl

    from bpm_xl.service import read_workbook, rebuild_file

    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["指标体系"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]
    f5 = next(i for i, r in enumerate(rows) if r[3] == "F5")
    rows.insert(f5 + 1, ["F", "财务维度", "Fiscal", "F6", "绩效自评质量", "Quality of self-evaluation", "check"])
    for i, row in enumerate(rows):
        for j, v in enumerate(row[:7]):
            ws.cell(3 + i, 1 + j).value = v
    wb.save(path)
    rebuild_file(path, backup=False)

    data, _ = read_workbook(path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    block = data.where.judgments["F"]
    sh, idx, cols = block.sheet, block.index, block.cols
    for top in block.tops.values():
        for code in idx:
            if code != "F6":
                wb[sh].cell(top + idx["F6"] + 1, cols[code] + 1).value = 1
                wb[sh].cell(top + idx[code] + 1, cols["F6"] + 1).value = 1
        wb[sh].cell(top + idx["F6"] + 1, cols["F6"] + 1).value = 1
    for rd in data.where.delphi:
        for r in rd.rows.values():
            wb[rd.sheet].cell(r + 1, rd.cols["F6"] + 1).value = 4
    survey = data.where.survey
    for k, r in enumerate(survey.rows):
        wb[survey.sheet].cell(r + 1, survey.cols["F6"] + 1).value = 3 + k % 3
    wb.save(path)


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    from bpm_xl.service import evaluate_file, new_workbook

    d = tmp_path_factory.mktemp("years")
    last = new_workbook(d / "2024.xlsm", lang="zh", example=True)
    this = d / "2025.xlsm"
    shutil.copy2(last, this)
    _add_indicator(this)
    return last, this, evaluate_file(last).evaluation, evaluate_file(this).evaluation


def test_previous_year_comparison_and_carried_items(tmp_path, two_years):
    last, _, ev_last, ev_this = two_years
    assert "F6" in ev_this.system.codes and "F6" not in ev_last.system.codes
    last_list = [
        {"problem": "预算执行进度偏慢", "stage": "do", "indicator": "F2", "responsible": "预算科", "status": "已完成"},
        {"problem": "部门参与不足", "stage": "do", "indicator": "C4", "responsible": "绩效科", "status": "整改中"},
        {"problem": "公众参与评价少", "stage": "check", "indicator": "C5", "status": ""},
    ]
    files = write_report(ev_this.inputs, ev_this, None, tmp_path / "r.docx", fmt="docx", lang="zh",
                         previous=ev_last, previous_rectification=last_list, meta={"year": 2025})
    doc = docx.Document(str(files.path))
    assert "（四）与上年比较" in _headings(doc, 2)
    t = _table_with(doc, "编码", "维度")
    head = [c.text for c in t.rows[0].cells]
    assert head[2:6] == ["2024年权重", "2025年权重", "2024年得分", "2025年得分"]
    rows = _rows(t)
    prev_dims = ev_last.dimension_table.set_index("dimension")
    now_dims = ev_this.dimension_table.set_index("dimension")
    for r in rows[:4]:
        c = r[0]
        assert r[2:6] == [fix(prev_dims.loc[c, "weight"], 4), fix(now_dims.loc[c, "weight"], 4),
                          fix(prev_dims.loc[c, "score100"], 2), fix(now_dims.loc[c, "score100"], 2)]
    assert rows[4][4:6] == [fix(ev_last.score100, 2), fix(ev_this.score100, 2)]
    assert rows[5][4].startswith(ev_last.rating.grade) and rows[5][5].startswith(ev_this.rating.grade)
    changes = _table_with(doc, "变化", "编码")
    assert _rows(changes) == [["新增", "F6", "绩效自评质量"]]
    # radar with two series and the year chart: four pictures
    assert len(doc.inline_shapes) == 4
    # carried forward: the two open items are in this year's list, marked; the closed one is listed as closed
    lst = _rows(_table_with(doc, "序号", "事项编号", index=1))  # after 六's table of closed items
    carried = [r for r in lst if r[3].endswith("（上年结转）")]
    assert sorted(r[3].split("\n")[0] for r in carried) == ["公众参与评价少", "部门参与不足"]
    c4 = next(r for r in carried if r[2].startswith("C4"))
    assert c4[5] == "绩效科" and c4[7] == "整改中"
    assert sum(1 for r in lst if r[2].startswith("C5")) == 1  # carried, not listed twice
    closed = _rows(_table_with(doc, "序号", "事项编号"))
    assert [r[2:4] + r[4:] for r in closed] == [["F2", "预算执行进度偏慢", "预算科", "已完成"]]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "已完成整改 1 项，尚未完成 2 项" in text and "新增 F6 绩效自评质量" in text


def test_cli_report_docx_with_previous(tmp_path, two_years):
    last, this, _, _ = two_years
    out = tmp_path / "filed.docx"
    res = CliRunner().invoke(app, ["report", str(this), "--docx", "--previous", str(last), "--out", str(out),
                                   "--draws", "0", "--quiet"])
    assert res.exit_code == 0, res.output
    doc = docx.Document(io.BytesIO(out.read_bytes()))
    assert "（四）与上年比较" in _headings(doc, 2)
    res = CliRunner().invoke(app, ["report", str(this), "--docx", "--previous", str(tmp_path / "none.xlsm"),
                                   "--out", str(tmp_path / "x.docx"), "--draws", "0"])
    assert res.exit_code == 2 and "none.xlsm" in res.output and not (tmp_path / "x.docx").exists()


def test_previous_in_the_html_report(tmp_path, two_years):
    _, _, ev_last, ev_this = two_years
    files = write_report(ev_this.inputs, ev_this, None, tmp_path / "r.html", lang="zh", previous=ev_last,
                         meta={"year": "2025"})
    text = files.path.read_text(encoding="utf-8")
    assert "<h2 id='yoy'>与上年比较</h2>" in text and "新增 F6 绩效自评质量" in text
    assert "2024年得分" in text and text.count("<svg") == 6  # radar, dims, gaps, respondents, weights, years


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_pdf_without_libreoffice_writes_nothing(tmp_path, monkeypatch, fmt):
    import bpm_xl.writers.report_html as report_html
    from bpm_xl.errors import WorkbookError

    monkeypatch.setattr(report_html, "find_soffice", lambda: None)
    inputs = load_example()
    ev = evaluate(inputs)
    with pytest.raises(WorkbookError, match="LibreOffice"):
        write_report(inputs, ev, None, tmp_path / f"r.{fmt}", fmt=fmt, pdf=True)
    assert list(tmp_path.iterdir()) == []


def test_every_tables_header_repeats_on_each_page_and_no_row_splits(tmp_path):
    import re

    _, path, doc = _build(tmp_path, "zh")
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)
    assert len(tables) == len(doc.tables) > 3
    for tbl in tables:
        rows = re.findall(r"<w:tr\b.*?</w:tr>", tbl, re.S)
        assert '<w:tblHeader w:val="true"/>' in rows[0] and 'w:fill="DDEBF7"' in rows[0]
        assert all("<w:cantSplit/>" in r for r in rows[1:])
