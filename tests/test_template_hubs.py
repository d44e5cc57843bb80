"""Hubs started from a template (`bpm-xl new FILE --template NAME`), filled in as a clerk does.

A 财预〔2020〕10号 `project` hub (three levels, weighted by points, data, direct, expert and survey
indicators) is written in both hub kinds, filled in cell by cell with openpyxl (the panel's
authority, the measured values, the direct and expert scores, the survey), rebuilt, and then:
the hub evaluates exactly as the core evaluates the same inputs built from the template
(``templates.template_inputs``); the Guide cites the template's source and keeps citing it
after a rebuild; the portable file's figures are what LibreOffice and Gnumeric compute from it,
cached values included.
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from bpm_xl import service, templates
from bpm_xl.cli import app
from bpm_xl.evaluation import Expert, evaluate
from bpm_xl.layout.identity import GUIDE_TEMPLATE_ROW, TEMPLATE_NAME
from tests import engines

from .workbook_harness import read_values

PANEL = (("E01", 0.9, 0.8), ("E02", 0.8, 0.7), ("E03", 0.6, 0.9))
VALUES = {"P11": 0.98, "P12": 0.93, "P13": "是", "P21": "否", "O11": 0.95, "O21": 0.97, "O31": 3, "O41": -0.02}
DIRECT = {"D11": 5, "D12": 4, "D22": 4, "D31": 4.5, "D32": 3, "P22": 4}
EXPERT = {"D21": {"E01": 4, "E02": 5, "E03": 3}, "B11": {"E01": 5, "E02": 4, "E03": 4},
          "B12": {"E01": 3, "E02": 4, "E03": 4}}
SURVEY = [5, 4, 4, 3, 5, 5, 2, 4, 4, 5]


def _fill(path, leave: tuple[str, ...] = ()) -> None:
    """Type the round's inputs into the hub's green sheets, as a clerk does (``leave``: the
    indicators whose value or scores are not typed yet)."""
    wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
    experts = wb["专家"]
    for r, (code, ca, cs) in enumerate(PANEL, start=3):
        assert experts.cell(r, 1).value == code
        experts.cell(r, 3).value, experts.cell(r, 4).value = ca, cs
    data = wb["指标数据"]
    for r in range(3, data.max_row + 1):
        code = data.cell(r, 1).value
        if (code in VALUES or code in DIRECT) and code not in leave:
            data.cell(r, 3).value = VALUES.get(code, DIRECT.get(code))
    scores = wb["专家评分"]
    cols = {scores.cell(2, c).value: c for c in range(2, scores.max_column + 1)}
    for r in range(3, 3 + len(PANEL)):
        for code, by_expert in EXPERT.items():
            if code in leave:
                continue
            scores.cell(r, cols[code]).value = by_expert[scores.cell(r, 1).value]
    survey = wb["问卷"]
    assert survey.cell(2, 2).value == "B21"
    for k, answer in enumerate(SURVEY):
        survey.cell(3 + k, 1).value, survey.cell(3 + k, 2).value = f"R{k + 1}", answer
    wb.save(path)


def _core():
    inputs = templates.template_inputs(
        "project", tuple(Expert(c, "", ca, cs) for c, ca, cs in PANEL), values=VALUES, expert_scores=EXPERT,
        direct_scores=DIRECT, survey=pd.DataFrame({"B21": SURVEY}))
    return evaluate(inputs)


@pytest.fixture(scope="module")
def hubs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("template_hubs")
    out = {}
    for kind, portable in (("xlsm", False), ("xlsx", True)):
        path = tmp / f"project.{kind}"
        service.new_workbook(path, example=False, portable=portable, template="project", with_module=False)
        _fill(path)
        service.rebuild_file(path, backup=False)
        out[kind] = path
    return out


def test_a_template_hub_holds_the_templates_system_and_cites_its_source(tmp_path):
    res = CliRunner().invoke(app, ["new", str(tmp_path / "p.xlsm"), "--template", "project", "-q"])
    assert res.exit_code == 0, res.output
    data, _ = service._read(tmp_path / "p.xlsm")
    t = templates.get("project")
    assert data.template == "project"
    assert service.system_of(data, "p.xlsm") == t.system
    direct = {i.code for i in t.system.indicators if i.kind == "direct"}
    assert set(data.data_rows) == set(t.rules) | direct
    wb = openpyxl.load_workbook(tmp_path / "p.xlsm", read_only=True)
    guide = [row[0] for row in wb["说明"].iter_rows(values_only=True)]
    assert guide[GUIDE_TEMPLATE_ROW] == f"指标体系模板：{t.title('zh')}" and guide[GUIDE_TEMPLATE_ROW + 1] == t.source("zh")
    assert TEMPLATE_NAME in wb.defined_names


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_portable_template_hub_cites_its_template_beside_the_evaluation_id_and_keeps_both_through_a_rebuild(
        tmp_path, lang):
    """The portable Guide is longer than the macro one; the template's lines move down with it
    and are not written over by the evaluation's identity lines."""
    from bpm_xl.layout.labels import SHEETS
    from bpm_xl.texts import text

    t = templates.get("project")
    path = service.new_workbook(tmp_path / "p.xlsx", lang=lang, example=False, portable=True, template="project")
    for _ in range(2):
        guide = [row[0] for row in openpyxl.load_workbook(path, read_only=True)[SHEETS["guide"][lang]]
                 .iter_rows(values_only=True)]
        assert text("guide_template_title", lang, title=t.title(lang)) in guide and t.source(lang) in guide
        assert text("guide_identity_title", lang) in guide
        res = CliRunner().invoke(app, ["rebuild", str(path), "-q"])
        assert res.exit_code == 0, res.output


@pytest.mark.parametrize("suffix", [".xlsm", ".xlsx"])
@pytest.mark.parametrize("template, lang, weights, score", [
    ("project", "zh", "guide_weights_points", "guide_score_types"),
    ("department", "en", "guide_weights_points", "guide_score_types"),
    ("bsc", "zh", "guide_weights_ahp", "guide_score_survey"),
])
def test_the_guide_says_how_this_system_is_weighted_and_scored(tmp_path, suffix, template, lang, weights, score):
    """A points-weighted system with data and expert indicators is not described as AHP over the
    survey; the study's shape still is."""
    from bpm_xl.layout.labels import SHEETS
    from bpm_xl.texts import text

    path = service.new_workbook(tmp_path / f"g{suffix}", lang=lang, example=False, portable=suffix == ".xlsx",
                                template=template)
    wb = openpyxl.load_workbook(path, read_only=True)
    guide = [row[0] for row in wb[SHEETS["guide"][lang]].iter_rows(values_only=True)]
    assert text(weights, lang) in guide and text(score, lang) in guide
    others = {"guide_weights_points", "guide_weights_ahp", "guide_score_types", "guide_score_survey"} - {weights, score}
    assert not [k for k in others if text(k, lang) in guide]


@pytest.mark.parametrize("args, message", [
    (["--template", "project", "--example"], "leave out --example"),
    (["--template", "projekt"], "there is no template 'projekt'; use one of bsc, project, department"),
])
def test_a_template_the_product_does_not_have_or_with_the_example_is_refused(tmp_path, args, message):
    res = CliRunner().invoke(app, ["new", str(tmp_path / "x.xlsm"), *args])
    assert res.exit_code == 2 and message in res.output
    assert not (tmp_path / "x.xlsm").exists()


def test_the_department_template_writes_a_portable_hub_pending_its_inputs(tmp_path):
    path = service.new_workbook(tmp_path / "d.xlsx", example=False, portable=True, template="department")
    data, _ = service._read(path)
    assert data.template == "department" and service.system_of(data, "d") == templates.get("department").system


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
def test_the_filled_hub_evaluates_as_the_core_evaluates_the_templates_inputs(hubs, kind):
    ev = service.evaluate_file(hubs[kind]).evaluation
    core = _core()
    assert ev.complete and core.complete and ev.system.depth == 3 and ev.system.weighting == "points"
    np.testing.assert_allclose(ev.indicator_table["mean_score"], core.indicator_table["mean_score"], rtol=1e-12)
    np.testing.assert_allclose(ev.indicator_table["global_weight"], core.indicator_table["global_weight"], rtol=1e-12)
    assert ev.total == pytest.approx(core.total, abs=1e-12) and ev.rating.grade == core.rating.grade
    # the points the 10号 frame gives, times each indicator's fraction of its full mark
    t = templates.get("project")
    earned = sum(i.points * s / 5 for i, s in zip(t.system.ordered_indicators(), core.indicator_table["mean_score"]))
    assert core.score100 == pytest.approx(earned, abs=1e-9)


@pytest.mark.parametrize("kind", ["xlsm", "xlsx"])
def test_a_rebuild_keeps_the_template_and_every_value_typed(hubs, kind):
    data, _ = service._read(hubs[kind])
    assert data.template == "project"
    assert {c: r["value"] for c, r in data.data_rows.items() if c in VALUES} == VALUES
    assert {c: {e: float(v) for e, v in by.items()} for c, by in data.expert_scores.items()} == EXPERT


def _figures(values: dict, core) -> None:
    ev_sheet = values["评价"]
    flat = [v for row in ev_sheet for v in row]
    assert any(isinstance(v, float) and math.isclose(v, core.total, rel_tol=1e-9) for v in flat)
    assert any(isinstance(v, float) and math.isclose(v, core.score100, rel_tol=1e-9) for v in flat)
    assert core.rating.grade in flat


@pytest.mark.libreoffice
def test_libreoffice_computes_every_figure_the_portable_hub_stores(hubs, tmp_path):
    stored = read_values(hubs["xlsx"])
    got = read_values(engines.recalculate_all([hubs["xlsx"]], tmp_path)[0])
    bad = []
    for sheet, rows in stored.items():
        for r, row in enumerate(rows):
            for c, want in enumerate(row):
                have = got[sheet][r][c] if r < len(got[sheet]) and c < len(got[sheet][r]) else None
                if isinstance(want, float):
                    ok = isinstance(have, (int, float)) and math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-12)
                else:
                    ok = have == want or (want in (None, "") and have in (None, ""))
                if not ok:
                    bad.append((sheet, r, c, want, have))
    assert not bad, bad[:10]
    _figures(got, _core())


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_computes_the_total_and_grade_of_the_portable_hub(hubs, tmp_path):
    _figures(read_values(engines.gnumeric_recalculate(hubs["xlsx"], tmp_path / "p.xlsx")), _core())


@pytest.mark.libreoffice
def test_indicators_still_without_a_value_or_score_are_named_in_a_note_every_engine_agrees_on(tmp_path):
    path = tmp_path / "pending.xlsx"
    service.new_workbook(path, example=False, portable=True, template="project")
    _fill(path, leave=("P12", "B11", "D31"))
    service.rebuild_file(path, backup=False)
    ev = service.evaluate_file(path).evaluation
    assert ev.pending == ("D31", "P12", "B11") and ev.total is None
    note = "待补齐：3 个数据、专家评分或直接评分指标尚无得分依据"

    def notes(values):
        return [v for row in values["评价"] for v in row if isinstance(v, str) and v.startswith("待补齐")]

    assert [n[:len(note)] for n in notes(read_values(path))] == [note]
    assert notes(read_values(engines.recalculate_all([path], tmp_path / "lo")[0])) == notes(read_values(path))


def test_a_survey_question_naming_an_indicator_scored_from_data_is_refused_until_a_map_leaves_it_out(tmp_path):
    hub = service.new_workbook(tmp_path / "s.xlsx", example=False, portable=True, template="project")
    export = tmp_path / "wjx.csv"
    export.write_text("序号,提交答卷时间,所用时间,1、服务满意度(服务对象满意度),2、您如何看待(资金使用合规性)\n"
                      "1,2026/11/1 10:00,120秒,非常满意,满意\n2,2026/11/1 10:05,95秒,满意,一般\n", encoding="utf-8")
    before = hub.read_bytes()
    res = CliRunner().invoke(app, ["import-survey", str(hub), str(export)])
    assert res.exit_code == 2 and "indicator P13 is scored by type data, not by the survey" in res.output
    assert hub.read_bytes() == before
    (tmp_path / "map.csv").write_text("question,indicator,reverse,first option\n1,B21,,\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["import-survey", str(hub), str(export), "--map", str(tmp_path / "map.csv")])
    assert res.exit_code == 0, res.output
    data, _ = service._read(hub)
    assert [row.get("B21") for row in data.survey] == [5, 4]
