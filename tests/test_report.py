"""The HTML/PDF report (bpm_xl.writers.report_html): key numbers present, self-contained, both languages."""

from __future__ import annotations

import re
import shutil

import pytest

from bpm_xl.evaluation import evaluate
from bpm_xl.example import load_example
from bpm_xl.writers.charts import cjk_font_family
from bpm_xl.writers.report import write_report
from bpm_xl.writers.report_html import render_html


@pytest.fixture(scope="module")
def ev_zh():
    return evaluate(load_example(lang="zh"))


@pytest.fixture(scope="module")
def sens(ev_zh):
    from bpm_xl.sensitivity import analyse

    return analyse(ev_zh.inputs, draws=300, evaluation=ev_zh)


@pytest.fixture(scope="module")
def html_zh(ev_zh, sens):
    return render_html(ev_zh, lang="zh", sensitivity=sens)


def test_key_numbers(ev_zh, html_zh):
    assert f"{ev_zh.total:.4f}" in html_zh
    assert f"{ev_zh.score100:.2f}" in html_zh
    assert f"{ev_zh.rating.grade} {ev_zh.rating.label_zh}" in html_zh
    assert f"{ev_zh.hierarchy.consistency_ratio:.4f}" in html_zh
    for nr in ev_zh.nodes.values():
        assert f"{nr.aggregated.consistency_ratio:.4f}" in html_zh
        for r in nr.expert_results:
            assert f"{r.consistency_ratio:.4f}" in html_zh
    for _, row in ev_zh.indicator_table.iterrows():
        assert f"{row['global_weight']:.4f}" in html_zh and f"{row['local_weight']:.4f}" in html_zh
        assert row["name_zh"] in html_zh
    for rd in ev_zh.delphi.rounds:
        assert f"W = {rd.kendall.w:.4f}" in html_zh
    assert f"{ev_zh.delphi.authority.panel_cr:.3f}" in html_zh
    for _, p in ev_zh.priorities.head(5).iterrows():
        assert f"{p['weighted_gap']:.4f}" in html_zh


def test_sections_present(html_zh):
    for heading in ("评价结论", "指标体系与权重", "一致性检验", "德尔菲", "指标得分", "图表", "改进建议（按管理环节）",
                    "敏感性分析", "附录：方法、公式与设置"):
        assert heading in html_zh, heading
    for stage in ("计划：", "执行：", "检查：", "处理："):   # the stages in Chinese, no English beside them
        assert stage in html_zh
    assert "（Plan）" not in html_zh and "Kendall" not in html_zh.split("附录：方法")[0]
    # methods appendix: formulas, RI table and settings
    for formula in ("CI = max(0, (λmax − n) / (n − 1))", "CR = CI / RI", "W = 12 S / (m²(n³ − n) − m Σ T)",
                    "χ² = m (n − 1) W", "B = W · R", "Crₖ = (Caₖ + Csₖ) / 2"):
        assert formula in html_zh, formula
    assert "<td>0.8900</td>" in html_zh and "<td>1.1200</td>" in html_zh  # RI n=4, n=5 of the cn table
    assert "mof2020" in html_zh


def test_self_contained(html_zh):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html_zh)
    assert "<script" not in html_zh.lower()
    assert "<link" not in html_zh.lower()
    assert not re.search(r"<image[^>]*href", html_zh)  # no raster inside the SVGs
    # charts are inline SVG with live text: radar, dimensions, gaps, respondents, weights, sensitivity
    svgs = re.findall(r"<svg.*?</svg>", html_zh, flags=re.DOTALL)
    assert len(svgs) == 6
    assert all("<text" in s for s in svgs)
    assert "财务维度" in svgs[0]  # Chinese labels as text (a CJK font exists where the tests run)


def test_png_variant_for_pdf(ev_zh):
    text = render_html(ev_zh, lang="zh", chart_format="png")
    imgs = re.findall(r"<img[^>]*src='([^']*)'", text)
    assert len(imgs) == 5 and all(s.startswith("data:image/png;base64,") for s in imgs)
    assert "<svg" not in text


def test_user_text_is_escaped(ev_zh):
    meta = {"unit": "<b>局</b>&", "year": "2025", "evaluator": "<script>x</script>"}
    items = [{"problem": "<img src=x onerror=alert(1)>", "indicator": "F2", "status": "未整改"}]
    from bpm_xl.writers.report import report_context

    ctx = report_context(ev_zh, "zh", rectification=items, meta=meta)
    text = render_html(ev_zh, lang="zh", meta=ctx.meta, items=ctx.items)
    assert "<script>x" not in text and "<img src=x" not in text and "<b>局" not in text
    assert "&lt;b&gt;局&lt;/b&gt;&amp;" in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_english(sens):
    ev = evaluate(load_example(lang="en"))
    text = render_html(ev, lang="en", sensitivity=None)
    assert "Indicator system and weights" in text and "Appendix: methods" in text
    assert f"{ev.score100:.2f}" in text
    assert "Sensitivity analysis" not in text  # only when given


def test_bad_lang(ev_zh):
    from bpm_xl.errors import SettingsError

    with pytest.raises(SettingsError, match="lang: is 'fr'"):
        render_html(ev_zh, lang="fr")


def test_cjk_font_found():
    # fonts-noto-cjk is installed where the tests run; elsewhere the charts fall back to DejaVu Sans
    if not any("CJK" in p for p in map(str, __import__("matplotlib").font_manager.findSystemFonts())):
        pytest.skip("no CJK font installed")
    assert cjk_font_family() is not None


def test_write_report(tmp_path, ev_zh):
    files = write_report(ev_zh.inputs, ev_zh, None, tmp_path / "sub" / "r.html", lang="zh")
    assert files.html.exists() and files.pdf is None
    text = files.html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "问题清单及整改清单" in text  # pre-filled from the priorities
    assert list(tmp_path.joinpath("sub").iterdir()) == [files.html]  # no temporary file left behind


def test_write_report_rejects_bad_format(tmp_path, ev_zh):
    from bpm_xl.errors import SettingsError

    with pytest.raises(SettingsError, match="fmt: is 'odt'"):
        write_report(ev_zh.inputs, ev_zh, None, tmp_path / "r.odt", fmt="odt")
    assert not (tmp_path / "r.odt").exists()


@pytest.mark.libreoffice
@pytest.mark.slow
def test_pdf(tmp_path, ev_zh):
    from bpm_xl.writers.report_html import find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice not installed")
    try:
        files = write_report(ev_zh.inputs, ev_zh, None, tmp_path / "r.html", lang="zh", pdf=True)
    except Exception as exc:  # LibreOffice without Writer cannot import HTML
        if "Writer" in str(exc):
            pytest.skip(str(exc))
        raise
    assert files.pdf.exists() and files.pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(["pdftotext", str(files.pdf), "-"], capture_output=True, text=True).stdout
        assert f"{ev_zh.score100:.2f}" in text


# ----------------------------------------------------------------------------- rectification list
def test_rectification_prefill_follows_the_problems(ev_zh):
    from bpm_xl import rectification as rect
    from bpm_xl.findings import classify

    items = rect.prefill(ev_zh, "zh", top=5)
    top = [f.code for f in classify(ev_zh).problems[:5]]
    assert [i.indicator for i in items] == top
    assert [i.stage for i in items] == [f.stage for f in classify(ev_zh).problems[:5]]
    assert all(i.status == "未整改" and not i.closed and i.source == "prefilled" for i in items)
    assert all(not i.responsible and not i.deadline for i in items)  # the bureau's to fill


def test_rectification_merge_never_overwrites_typed_rows(ev_zh):
    from bpm_xl import rectification as rect

    pre = rect.prefill(ev_zh, "zh", top=5)
    typed = [{"problem": "自填问题", "indicator": pre[1].indicator, "stage": "Check", "responsible": "A科",
              "deadline": 20260630.0, "status": "已完成"},
             {"problem": "无指标的问题"}, {"problem": None, "indicator": "  "}]
    merged = rect.merge(typed, pre)
    assert merged[0].problem == "自填问题" and merged[0].stage == "check" and merged[0].deadline == "20260630"
    assert merged[0].closed and merged[1].problem == "无指标的问题"
    assert [i.indicator for i in merged[2:]] == [p.indicator for p in pre if p.indicator != pre[1].indicator]
    assert len(merged) == 2 + 4
    assert rect.merge(None, pre) == pre


def test_rectification_carry_forward():
    from bpm_xl import rectification as rect

    last = [{"problem": "a", "indicator": "F2", "status": "已整改"}, {"problem": "b", "indicator": "C4", "status": "整改中"},
            {"problem": "c", "indicator": "X9", "status": ""}, {"problem": "d", "status": "Closed"}]
    cf = rect.carry_forward(last, ["F2", "C4"])
    assert [i.problem for i in cf.closed] == ["a", "d"]
    assert [i.problem for i in cf.open] == ["b", "c"] and all(i.source == "carried" for i in cf.open)
    assert [i.indicator for i in cf.indicator_removed] == ["X9"]
