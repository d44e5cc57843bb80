"""A round in its own order: judgments and Delphi ratings in, no survey yet.

A blank hub (macro .xlsm and portable .xlsx) with the panel, the judgments and two Delphi
rounds typed in evaluates what the judgments allow (weights, CR, Delphi statistics); the
scores, the total and the grade are pending (JSON status and nulls, 待问卷 in the summary,
#N/A and a visible note in the sheets, true cached values); feedback and the round-2 forms
work; after the survey is imported everything is complete. Round 1's Kendall W is built not
significant and is flagged as 专家意见协调程度不显著 in JSON, console and sheet.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl import delphi
from bpm_xl.cli import app
from bpm_xl.example import load_example
from bpm_xl.layout import data_from_inputs
from bpm_xl.layout.labels import SHEETS
from bpm_xl.layout.types import parse_ref
from bpm_xl.service import new_workbook, rebuild_file
from tests.libreoffice import available, recalculate

from .workbook_harness import read_values

PANEL = ("E01", "E02", "E03")
NOT_SIGNIFICANT = "专家意见协调程度不显著"
SIGNIFICANT = "专家意见协调程度显著"


def _ratings(codes: list[str]) -> tuple[dict, dict]:
    """Round 1: three experts whose rankings of the indicators disagree (W not significant);
    round 2: the same ratings from all three (W = 1, significant)."""
    rng = np.random.default_rng(7)
    r1 = {e: {c: int(v) for c, v in zip(codes, rng.integers(1, 6, len(codes)))} for e in PANEL}
    r2 = {e: {c: 1 + k % 5 for k, c in enumerate(codes)} for e in PANEL}
    return r1, r2


def _typed_hub(path: Path, portable: bool) -> Path:
    """A blank hub, then the panel (Ca, Cs), the judgments and both Delphi rounds typed in."""
    new_workbook(path, lang="zh", example=False, with_module=False, portable=portable)
    ex = data_from_inputs(load_example())
    codes = list(load_example().system.codes)
    r1, r2 = _ratings(codes)

    def update(d):
        for e in d.experts:
            src = next(x for x in ex.experts if x["code"] == e["code"])
            e.update(name=src["name"], ca=src["ca"], cs=src["cs"])
        for node in d.judgments:
            d.judgments[node] = {k: dict(v) for k, v in ex.judgments[node].items() if k in PANEL}
        d.delphi[0], d.delphi[1] = r1, r2
        return d

    rebuild_file(path, update=update)
    return path


@pytest.fixture(scope="module")
def hubs(tmp_path_factory):
    """The typed hub of each kind, built once for the module."""
    made: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in made:
            d = tmp_path_factory.mktemp(f"pending_{kind}")
            made[kind] = _typed_hub(d / ("评价.xlsx" if kind == "portable" else "评价.xlsm"), kind == "portable")
        return made[kind]
    return get


@pytest.fixture(scope="module", params=["xlsm", "portable"])
def hub(request, hubs) -> Path:
    return hubs(request.param)


def _copy(hub: Path, tmp: Path) -> Path:
    p = tmp / hub.name
    shutil.copy2(hub, p)
    return p


def _json(path: Path) -> dict:
    r = CliRunner().invoke(app, ["evaluate", str(path), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _name_cells(path: Path, name: str) -> list[tuple[str, str]]:
    wb = openpyxl.load_workbook(path, read_only=False)
    text = wb.defined_names[name].attr_text
    wb.close()
    sheet, r0, c0, r1, c1 = parse_ref("=" + text)
    return [(sheet, f"{openpyxl.utils.get_column_letter(c + 1)}{r + 1}")
            for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def _cached(path: Path, cells: list[tuple[str, str]]) -> list:
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return [wb[s][ref].value for s, ref in cells]
    finally:
        wb.close()


def _verdicts(values: dict) -> list:
    sheet = values[SHEETS["delphi_summary"]["zh"]]
    return [v for row in sheet for v in row if v in (SIGNIFICANT, NOT_SIGNIFICANT)]


def _differences(stored: dict, computed: dict, sheets: list[str]) -> list[tuple]:
    """Cells whose stored value is not what the spreadsheet computes (numbers to 1e-9)."""
    differ = []
    for sheet in sheets:
        for r, row in enumerate(stored[sheet]):
            for c, v in enumerate(row):
                w = computed[sheet][r][c] if r < len(computed[sheet]) and c < len(computed[sheet][r]) else None
                same = (math.isclose(v, w, rel_tol=1e-9, abs_tol=1e-12) if isinstance(v, float)
                        and isinstance(w, (int, float)) else (v if v != "" else None) == (w if w != "" else None))
                if not same:
                    differ.append((sheet, r, c, v, w))
    return differ


def _texts(values: dict, sheet_role: str) -> str:
    return "\n".join(str(v) for row in values[SHEETS[sheet_role]["zh"]] for v in row if isinstance(v, str))


# ----------------------------------------------------------------------------- the construction
def test_round_one_is_built_not_significant_and_round_two_significant():
    codes = list(load_example().system.codes)
    r1, r2 = _ratings(codes)
    k1 = delphi.kendall_w([[r1[e][c] for c in codes] for e in PANEL])
    k2 = delphi.kendall_w([[r2[e][c] for c in codes] for e in PANEL])
    assert k1.p >= delphi.KENDALL_ALPHA and not k1.significant
    assert k2.p < delphi.KENDALL_ALPHA and k2.significant


# ----------------------------------------------------------------------------- no survey yet
def test_evaluate_json_marks_the_scores_pending_and_computes_the_rest(hub):
    d = _json(hub)
    codes = list(load_example().system.codes)
    assert d["status"] == "pending_survey" and d["pending_indicators"] == codes
    assert d["total"] is None and d["score100"] is None and d["rating"] is None
    assert d["fuzzy"] is None and d["priorities"] is None
    assert all(r["mean_score"] is None and r["weighted_score"] is None and r["answers"] == 0 for r in d["indicators"])
    assert all(r["score"] is None and r["score100"] is None and r["contribution"] is None for r in d["dimensions"])
    gw = d["hierarchy"]["global_weights"]
    assert len(gw) == 20 and math.isclose(sum(gw), 1.0) and all(w > 0 for w in gw)
    assert all(isinstance(n["aggregated"]["cr"], float) for n in d["nodes"].values())
    k1, k2 = (r["kendall"] for r in d["delphi"]["rounds"])
    assert (k1["significant"], k1["flag_zh"], k1["flag_en"]) == (False, NOT_SIGNIFICANT, "expert agreement not significant")
    assert k1["p"] >= 0.05 and k1["alpha"] == 0.05
    assert (k2["significant"], k2["flag_zh"]) == (True, None)


def test_the_summary_says_pending_and_flags_the_kendall_w(hub):
    r = CliRunner().invoke(app, ["evaluate", str(hub)])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())   # the terminal's line breaks aside
    assert "加权总分: 待问卷" in out and "百分制得分: 待问卷" in out and "评价等级: 待问卷" in out
    assert "优先改进指标（按加权差距）: 待问卷" in out
    assert re.search(r"第 1 轮: 肯德尔协调系数 W = [0-9.]+ \(χ² = [0-9.]+, p = [0-9.]+, 专家意见协调程度不显著\)", out)
    assert re.search(r"第 2 轮: 肯德尔协调系数 W = 1.0000 \(χ² = [0-9.]+, p = [0-9.e-]+\);", out)
    assert "层次总排序 CR" in out


def test_feedback_and_round_two_forms_work_before_the_survey(hub, tmp_path):
    h = _copy(hub, tmp_path)
    r = CliRunner().invoke(app, ["feedback", str(h), "--out", str(tmp_path / "fb")])
    assert r.exit_code == 0, r.output
    assert re.search(r"^\d+ 个专家矩阵需复核，共 \d+ 个判断$", r.output.splitlines()[0])
    text = (tmp_path / "fb" / "consistency_feedback.csv").read_text(encoding="utf-8-sig")
    assert text.startswith("专家,比较组,CR")
    assert (tmp_path / "fb" / "consistency_feedback.xlsx").exists()
    r = CliRunner().invoke(app, ["feedback", str(h), "--out", str(tmp_path / "fb_en"), "--lang", "en"])
    assert r.exit_code == 0 and "matrix(es) to review" in r.output
    r = CliRunner().invoke(app, ["forms", str(h), "--out", str(tmp_path / "round2"), "--round", "2"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name.split("_")[0] for p in (tmp_path / "round2").glob("*.xlsx")) == list(PANEL)


def test_the_sheets_show_pending_scores_and_true_weights_without_recalculation(hub):
    d = _json(hub)
    values = read_values(hub)   # the stored values, as Protected View / WPS show them
    scores = _cached(hub, _name_cells(hub, "BPM_SCORES"))
    assert scores == ["#N/A"] * 20    # an error, never 0 or blank
    assert _cached(hub, [_name_cells(hub, n)[0] for n in ("BPM_TOTAL", "BPM_SCORE100", "BPM_RATING")]) == ["#N/A"] * 3
    weights = _cached(hub, _name_cells(hub, "BPM_GLOBAL_W"))
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(weights, d["hierarchy"]["global_weights"]))
    hcr = _cached(hub, _name_cells(hub, "BPM_HIERARCHY_CR"))[0]
    assert math.isclose(hcr, d["hierarchy"]["consistency_ratio"], rel_tol=1e-12)
    assert "待问卷：20 个指标尚无问卷答案" in _texts(values, "evaluation")
    assert "待问卷：20 个指标尚无问卷答案" in _texts(values, "dashboard")
    assert _verdicts(values) == [NOT_SIGNIFICANT, SIGNIFICANT]


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_the_portable_hub_recalculates_to_its_stored_values(hubs, tmp_path):
    """LibreOffice computes what the portable hub stores (the macro hub's functions need
    Python; its stored values are checked against the evaluation above)."""
    hub = hubs("portable")
    out = recalculate(hub, tmp_path / "lo")
    stored, computed = read_values(hub), read_values(out)
    differ = _differences(stored, computed, list(stored))
    assert not differ, differ[:5]
    assert _verdicts(computed) == [NOT_SIGNIFICANT, SIGNIFICANT]
    assert "待问卷：20 个指标尚无问卷答案" in _texts(computed, "dashboard")


def test_rebuild_says_the_scores_wait_for_the_survey(hub, tmp_path):
    h = _copy(hub, tmp_path)
    r = CliRunner().invoke(app, ["rebuild", str(h)])
    assert r.exit_code == 0, r.output
    assert f"scores pending the survey: {h.name}: no survey answers yet for: F1, F2, F3 and 17 more" in r.output
    assert "not evaluated yet" not in r.output


def test_reports_say_which_parts_are_pending(hub, tmp_path):
    r = CliRunner().invoke(app, ["report", str(hub), "--out", str(tmp_path / "r.html"), "--draws", "0", "-q"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "待问卷：本报告尚不完整" in html and "综合加权总分、百分制得分和评价等级" in html
    r = CliRunner().invoke(app, ["report", str(hub), "--docx", "--out", str(tmp_path / "r.docx"), "--draws", "0", "-q"])
    assert r.exit_code == 0, r.output
    import docx

    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert "待问卷：本报告尚不完整" in text


# ----------------------------------------------------------------------------- then the survey
def test_after_the_survey_is_imported_everything_is_complete(hub, tmp_path):
    h = _copy(hub, tmp_path)
    before = _json(h)
    survey = tmp_path / "survey.csv"
    load_example().survey.iloc[:40].to_csv(survey, index=False)
    r = CliRunner().invoke(app, ["import-survey", str(h), str(survey)])
    assert r.exit_code == 0, r.output
    d = _json(h)
    assert d["status"] == "complete" and d["pending_indicators"] == []
    assert isinstance(d["total"], float) and isinstance(d["score100"], float) and d["rating"]["grade"] in "ABCD"
    assert d["hierarchy"]["global_weights"] == before["hierarchy"]["global_weights"]   # the survey moves no weight
    assert _cached(h, _name_cells(h, "BPM_TOTAL")) == [pytest.approx(d["total"], rel=1e-12)]
    assert _cached(h, _name_cells(h, "BPM_RATING")) == [d["rating"]["grade"]]
    values = read_values(h)
    assert "待问卷" not in _texts(values, "evaluation") + _texts(values, "dashboard")
    r = CliRunner().invoke(app, ["evaluate", str(h)])
    assert r.exit_code == 0 and "待问卷" not in r.output and f"{d['score100']:.2f}" in r.output


# ----------------------------------------------------------------------------- a partly answered survey
@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_a_partly_answered_survey_leaves_those_indicators_their_dimensions_and_the_total_pending(hubs, tmp_path):
    """F1 and C3 unanswered: their scores, dimensions F and C, the total and the grade are
    pending; P and L are scored. The portable hub stores what LibreOffice computes."""
    from dataclasses import replace

    h = _copy(hubs("portable"), tmp_path)
    ex = data_from_inputs(load_example())
    rows = [{k: (None if k in ("F1", "C3") else v) for k, v in r.items()} for r in ex.survey[:40]]
    rebuild_file(h, update=lambda d: replace(d, survey_ids=list(ex.survey_ids)[:40], survey=rows))
    d = _json(h)
    assert d["status"] == "pending_survey" and d["pending_indicators"] == ["F1", "C3"]
    assert d["total"] is None and d["rating"] is None
    by_code = {r["code"]: r for r in d["indicators"]}
    assert by_code["F1"]["mean_score"] is None and isinstance(by_code["F2"]["mean_score"], float)
    dims = {r["dimension"]: r for r in d["dimensions"]}
    assert dims["F"]["score"] is None and dims["C"]["score"] is None
    assert isinstance(dims["P"]["score"], float) and isinstance(dims["L"]["score"], float)
    out = recalculate(h, tmp_path / "lo")
    stored, computed = read_values(h), read_values(out)
    differ = _differences(stored, computed, list(stored))
    assert not differ, differ[:5]
    assert "待问卷：2 个指标尚无问卷答案" in _texts(computed, "dashboard")
