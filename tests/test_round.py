"""A whole evaluation round on a blank hub, run as a clerk runs it, in the README's order.

new (blank) -> the indicator system (3 dimensions x 4 indicators) and a panel of 5 experts typed
-> rebuild -> round-1 forms -> filled (one expert inconsistent, one pair left blank) -> collect
-> feedback (no survey yet: scores pending) -> round-2 forms -> collect -> a late round-1 form
refused -> a form of another hub refused -> a code export refused without the order of options,
imported with it -> a reversed code export with ``--first-option 非常满意`` grades as the text
export -> report. On both hub kinds; the portable hub is opened in LibreOffice without
recalculation after every write (what WPS and LibreOffice users see).

Every refusal is checked the same way: exit status 2, one line, the hub byte for byte as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.collect import hub_nodes, system_of
from bpm_xl.service import read_workbook

from .form_helpers import fill_form
from .test_report_story import SYMBOLS, _body_and_annex
from .libreoffice import available, convert

DIMENSIONS = [("D", "决策", "Decision"), ("M", "管理", "Management"), ("R", "效果", "Results")]
INDICATORS = {
    "D": [("D1", "绩效目标合理性", "计划"), ("D2", "预算编制科学性", "计划"), ("D3", "立项依据充分性", "计划"),
          ("D4", "绩效指标明确性", "计划")],
    "M": [("M1", "预算执行率", "执行"), ("M2", "资金使用合规性", "执行"), ("M3", "绩效监控", "检查"),
          ("M4", "管理制度健全性", "执行")],
    "R": [("R1", "评价结果应用", "处理"), ("R2", "信息公开", "处理"), ("R3", "整改落实", "处理"),
          ("R4", "服务对象满意度", "检查")],
}
EXPERTS = [f"E0{k}" for k in range(1, 6)]
TEXT = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def _cli(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def _ok(*args) -> str:
    r = _cli(*args)
    assert r.exit_code == 0, r.output
    return r.output


def _refused(hub: Path, *args, must: tuple[str, ...] = ()) -> str:
    """Exit 2, one line, the hub unchanged."""
    before = hub.read_bytes()
    r = _cli(*args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1, r.output
    for m in must:
        assert m in lines[0], (m, lines[0])
    assert "Traceback" not in r.output
    assert hub.read_bytes() == before
    return lines[0]


def _type_system(hub: Path) -> None:
    """What the clerk types on 指标体系 and 专家 (in Excel, WPS or LibreOffice)."""
    wb = openpyxl.load_workbook(hub, keep_vba=hub.suffix == ".xlsm")
    ws = wb["指标体系"]
    for r in range(3, ws.max_row + 1):
        for c in range(1, 8):
            ws.cell(r, c).value = None
    r = 3
    for code, zh, en in DIMENSIONS:
        for icode, name, stage in INDICATORS[code]:
            for c, v in enumerate((code, zh, en, icode, name, icode, stage), start=1):
                ws.cell(r, c).value = v
            r += 1
    ex = wb["专家"]
    for r in range(3, ex.max_row + 1):
        for c in range(1, 5):
            ex.cell(r, c).value = None
    for k, code in enumerate(EXPERTS):
        ex.cell(3 + k, 1).value = code
        ex.cell(3 + k, 2).value = f"专家{k + 1}"
    wb.save(hub)


def _evaluate(hub: Path) -> dict:
    return json.loads(_ok("evaluate", hub, "--json"))


def _formula_text(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=") and len(c.value) > 1]


def _shown(hub: Path, tmp: Path) -> dict:
    """What LibreOffice shows with its default settings (no recalculation): the Dashboard's figures."""
    out = convert(hub, tmp / f"shown-{len(list(tmp.glob('shown-*')))}", "xlsx", recalc=False)
    assert _formula_text(out) == []
    wb = openpyxl.load_workbook(out, data_only=True)
    return {str(row[0].value): row[1].value for row in wb["仪表盘"].iter_rows(max_col=2) if row[0].value}


def _fill_round(files: list[Path], nodes, codes, rnd: int, rng) -> None:
    for f in files:
        code = f.name.split("_")[0]
        per_node = {}
        for node, ch in nodes:
            pairs = [(ch[i], ch[j]) for i in range(len(ch)) for j in range(i + 1, len(ch))]
            per_node[node] = {p: float(rng.choice([1, 2, 3, 1 / 2, 1 / 3])) for p in pairs}
            # near-consistent: the first element a little more important than the rest
            per_node[node].update({(ch[0], b): 2.0 for b in ch[1:]})
        if code == "E03" and rnd == 1:      # the inconsistent expert: a cycle D > M > R > D, strongly
            per_node["GOAL"] = {("D", "M"): 9.0, ("M", "R"): 9.0, ("D", "R"): 1 / 9}
        if code == "E04" and rnd == 1:      # one pair left blank
            per_node["M"][("M1", "M2")] = None
        ratings = {c: int(rng.integers(3, 6)) for c in codes}
        fill_form(f, nodes, codes, per_node, ratings=ratings, ca=0.8, cs=0.8 if rnd == 1 else 1.0)


def _survey_answers(n: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(2024)
    return rng.choice([1, 2, 3, 3, 4, 4, 4, 5], size=(n, k))


def _wjx(path: Path, names: list[str], answers: np.ndarray, how: str) -> Path:
    """A 问卷星 export: ``text`` (option text), ``codes`` (option 1 = 非常不满意) or ``reversed``
    (option 1 = 非常满意, as when the questionnaire listed the best option first)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(WJX_META + [f"{q + 1}、您对“{name}”的满意程度" for q, name in enumerate(names)])
    for r, row in enumerate(answers):
        vals = [TEXT[int(v)] if how == "text" else (6 - int(v) if how == "reversed" else int(v)) for v in row]
        ws.append([r + 1, f"2026/3/{r % 28 + 1} 10:00:00", f"{100 + r}秒", "手机提交", "直接访问",
                   f"10.0.0.{r + 1}(甘肃-兰州)", *vals])
    wb.save(path)
    return path


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["xlsm", "portable"])
def test_a_whole_round_on_a_blank_hub(kind, tmp_path):
    if not available():
        pytest.skip("LibreOffice is not installed")
    portable = kind == "portable"
    hub = tmp_path / ("评价.xlsx" if portable else "评价.xlsm")
    _ok("new", hub, "--blank", *(["--portable"] if portable else []), "-q")
    _type_system(hub)
    _ok("rebuild", hub, "-q")
    if portable:
        _shown(hub, tmp_path)
    data, _ = read_workbook(hub)
    system = system_of(data)
    nodes, codes = hub_nodes(system), list(system.codes)
    assert [n for n, _ in nodes] == ["GOAL", "D", "M", "R"] and len(codes) == 12

    # round 1: forms out, filled, collected from the folder (no wildcard needed)
    _ok("forms", hub, "--out", tmp_path / "问卷第1轮")
    round1 = sorted((tmp_path / "问卷第1轮").glob("*.xlsx"))
    assert [f.name.split("_")[0] for f in round1] == EXPERTS
    rng = np.random.default_rng(7)
    _fill_round(round1, nodes, codes, 1, rng)
    out = _ok("collect", hub, tmp_path / "问卷第1轮")
    assert "E03" in out and "未通过" in out          # the collected matrix's verdict is shown
    if portable:   # the scores wait for the survey: marked, never a number
        dash = _shown(hub, tmp_path)
        assert not isinstance(dash["综合绩效得分"], (int, float)), dash
    # no survey yet: the weights and the consistency check exist, the scores are pending
    ev = _evaluate(hub)
    assert ev["total"] is None and ev["rating"] is None
    goal = ev["nodes"]["GOAL"]
    assert goal["weights"] and abs(sum(goal["weights"]) - 1) < 1e-12
    # feedback before the survey: E03's GOAL matrix is sent back
    _ok("feedback", hub, "--out", tmp_path / "反馈")
    text = (tmp_path / "反馈" / "consistency_feedback.csv").read_text(encoding="utf-8-sig")
    assert any(line.startswith("E03,GOAL,") for line in text.splitlines())

    # round 2
    _ok("forms", hub, "--out", tmp_path / "问卷第2轮", "--round", "2")
    round2 = sorted((tmp_path / "问卷第2轮").glob("*.xlsx"))
    _fill_round(round2, nodes, codes, 2, rng)
    _ok("collect", hub, *round2)
    if portable:
        _shown(hub, tmp_path)
    # a late round-1 form is refused (it would overwrite round-2 judgments)
    _refused(hub, "collect", hub, round1[1], must=(round1[1].name,))
    # a form of another hub with the same indicator system and expert codes is refused
    other = tmp_path / "other" / hub.name
    other.parent.mkdir()
    _ok("new", other, "--blank", *(["--portable"] if portable else []), "-q")
    _type_system(other)
    _ok("rebuild", other, "-q")
    _ok("forms", other, "--out", tmp_path / "other_forms")
    foreign = sorted((tmp_path / "other_forms").glob("*.xlsx"))[0]
    _fill_round([foreign], nodes, codes, 1, rng)
    _refused(hub, "collect", hub, foreign, must=(foreign.name, "--adopt"))

    # the survey: a code export needs the order of its options
    names = [i.name_zh for i in system.indicators]
    answers = _survey_answers(60, len(names))
    codes_file = _wjx(tmp_path / "codes.xlsx", names, answers, "codes")
    _refused(hub, "import-survey", hub, codes_file, must=("--first-option",))
    _ok("import-survey", hub, codes_file, "--first-option", "非常不满意")
    by_codes = _evaluate(hub)
    if portable:
        assert _shown(hub, tmp_path)["综合绩效得分"] == pytest.approx(by_codes["total"], rel=1e-12)
    _ok("import-survey", hub, _wjx(tmp_path / "text.xlsx", names, answers, "text"))
    by_text = _evaluate(hub)
    _ok("import-survey", hub, _wjx(tmp_path / "reversed.xlsx", names, answers, "reversed"),
        "--first-option", "非常满意")
    by_reversed = _evaluate(hub)
    assert by_text["total"] is not None
    assert by_codes["total"] == pytest.approx(by_text["total"], rel=1e-12)
    assert by_reversed["total"] == pytest.approx(by_text["total"], rel=1e-12)
    assert by_codes["rating"]["grade"] == by_text["rating"]["grade"] == by_reversed["rating"]["grade"]
    if portable:   # what WPS and LibreOffice show before any recalculation: the figures of evaluate
        dash = _shown(hub, tmp_path)
        assert dash["综合绩效得分"] == pytest.approx(by_reversed["total"], rel=1e-12)
        assert dash["百分制得分"] == pytest.approx(by_reversed["score100"], rel=1e-12)
        assert dash["评级"] == by_reversed["rating"]["grade"]

    # the report: a title page, the 落款, no method word in Latin letters in the body
    _ok("report", hub, "--docx", "--out", tmp_path / "报告.docx", "--draws", "0", "-q")
    doc = docx.Document(str(tmp_path / "报告.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert any(t.startswith("评价单位（盖章）") for t in texts) and any(t.startswith("负责人（签字）") for t in texts)
    body, audit = _body_and_annex(doc)
    allowed = set(codes) | {"D", "M", "R", *EXPERTS, by_reversed["rating"]["grade"], "A", "B", "C"} | SYMBOLS
    assert {w for t in body for w in re.findall(r"[A-Za-z]+[A-Za-z0-9]*", t)} - allowed == set()
    ident = read_workbook(hub)[0].identity
    assert ident["evaluation"] and ident["evaluation"] in "\n".join(audit)   # the auditor's annex names it
