"""The report of a deeper or points-weighted system: every level in the score table, each data
indicator's value, unit, 评分标准 and fraction, where the weights come from, and a score cap
with the score before it. The study's two-level report keeps its tables (tests/test_report_docx.py)."""

from __future__ import annotations

import numpy as np
import pytest

import docx
from bpm_xl import evaluate
from bpm_xl.example import load_example
from bpm_xl.texts import text
from bpm_xl.writers import charts
from bpm_xl.writers import narrative as nv
from bpm_xl.writers.report import write_report
from bpm_xl.writers.report_html import render_html
from tests.test_deep_mixed import _inputs as deep_inputs
from tests.test_templates import FRACTIONS, VALUES, _expected_score100
from tests.test_templates import _inputs as project_inputs


def _docx(tmp_path, inputs, lang):
    ev = evaluate(inputs)
    files = write_report(inputs, ev, None, tmp_path / f"r_{lang}.docx", fmt="docx", lang=lang)
    return ev, docx.Document(str(files.path))


def _table(doc, headers):
    for t in doc.tables:
        if [c.text for c in t.rows[0].cells] == headers:
            return [[c.text for c in r.cells] for r in t.rows[1:]]
    raise AssertionError(f"no table headed {headers}")


def _paragraphs(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_project_score_table_shows_every_level_with_points_and_the_cap(tmp_path, lang):
    ev, doc = _docx(tmp_path, project_inputs(caps=True), lang)
    head = [text(k, lang) for k in ("th_code", "th_dim_ind", "th_level", "th_points", "th_weight_global", "th_score",
                                    "th_earned")]
    rows = _table(doc, head)
    by_code = {r[0]: r for r in rows if r[0]}
    system = ev.system
    assert list(by_code) == [c for c, _, _ in nv.tree_order(system)]       # every dimension, group, indicator
    assert {r[2] for r in rows if r[0]} == {"1", "2", "3"}
    assert by_code["PRO"][1] == system.label("PRO", lang) and by_code["P1"][1] == "\u3000" + system.label("P1", lang)
    # points earned = points x fraction of the full mark, worked out from the rules by hand
    for code, f in FRACTIONS.items():
        assert by_code[code][3] == f"{system.points_of(code):g}"
        assert by_code[code][6] == nv.fix(system.points_of(code) * f, 2)
    total, capped = rows[-2], rows[-1]
    assert total[1] == text("th_total", lang) and total[3] == "100"
    assert total[6] == nv.fix(_expected_score100(), 2)
    assert capped[1] == text("th_capped", lang) and capped[6] == "79.00"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_table_gives_value_unit_standard_and_fraction(tmp_path, lang):
    ev, doc = _docx(tmp_path, project_inputs(caps=False), lang)
    head = [text(k, lang) for k in ("th_code", "th_indicator", "th_measured", "th_unit", "th_standard", "th_fraction",
                                    "th_score")]
    rows = {r[0]: r for r in _table(doc, head)}
    assert set(rows) == set(VALUES)
    p12 = rows["P12"]
    assert p12[2] == "0.65" and p12[4] == ev.inputs.data["P12"].rule.describe(lang) and p12[5] == "20.0%"
    assert rows["O31"][3] == "天" and rows["O31"][2] == "6"
    assert rows["P13"][2] == text("yes", lang)
    assert rows["O21"][5] == nv.pct(FRACTIONS["O21"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_methods_say_the_weights_are_points_and_the_conclusion_states_the_cap(tmp_path, lang):
    ev, doc = _docx(tmp_path, project_inputs(caps=True), lang)
    body = _paragraphs(doc)
    assert text("method_points", lang, total="100") in body
    assert text("consistency_points", lang) in body
    assert nv.cap_sentence(ev, lang) in body
    assert nv.fix(ev.cap.uncapped_score100, 2) in nv.cap_sentence(ev, lang)
    assert "79.00" in nv.cap_sentence(ev, lang)


def test_ahp_weighted_deep_system_says_ahp_and_shows_local_weights(tmp_path):
    ev, doc = _docx(tmp_path, deep_inputs(), "zh")
    body = _paragraphs(doc)
    assert text("method_points", "zh", total="100") not in body
    assert nv.method_paragraphs(ev, "zh")[0].startswith("评价采用德尔菲法遴选指标、层次分析法确定权重")
    head = [text(k, "zh") for k in ("th_code", "th_dim_ind", "th_level", "th_weight_local", "th_weight_global",
                                    "th_score", "th_earned")]
    rows = {r[0]: r for r in _table(doc, head) if r[0]}
    groups = ev.group_table.set_index("code")
    assert rows["A1"][3] == nv.fix(groups.loc["A1", "weight"], 4) and rows["A1"][2] == "2"
    it = ev.indicator_table.set_index("code")
    assert rows["a11"][3] == nv.fix(it.loc["a11", "local_weight"], 4) and rows["a11"][2] == "3"
    assert rows["b1"][2] == "2"


def test_the_study_keeps_its_two_level_tables():
    ev = evaluate(load_example())
    assert not nv.shows_tree(ev)
    paras = nv.method_paragraphs(ev, "zh")    # the AHP sentence, one per Delphi round, the authority: nothing added
    assert len(paras) == 1 + len(ev.delphi.rounds) + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_report_by_level_with_data_and_cap(lang):
    inputs = project_inputs(caps=True)
    ev = evaluate(inputs)
    page = render_html(ev, lang)
    for key in ("html.by_level", "html.data", "html.weights_from", "html.uncapped"):
        assert text(key, lang) in page
    assert f"<h3>{text('html.fuzzy', lang)}</h3>" not in page      # no fuzzy evaluation without answer shares for every indicator


def test_no_survey_indicator_means_no_survey_paragraph_and_no_respondents():
    from bpm_xl.datascore import data_rule
    from bpm_xl.evaluation import EvaluationInputs, Expert, Settings
    from bpm_xl.leaves import DataEntry, DirectScore
    from bpm_xl.model import Dimension, Indicator, IndicatorSystem

    system = IndicatorSystem((Dimension("X", "甲", "X"), Dimension("Y", "乙", "Y")),
                             (Indicator("x1", "x1", "x1", "X", "do", kind="data", points=60),
                              Indicator("y1", "y1", "y1", "Y", "check", kind="direct", points=40)))
    import pandas as pd

    ev = evaluate(EvaluationInputs(system, Settings(), (Expert("E1", "", 0.8, 0.8),), {}, (), pd.DataFrame(),
                                   data={"x1": DataEntry(0.9, data_rule("ratio", 1))},
                                   direct_scores={"y1": DirectScore(4)}))
    assert ev.score100 == pytest.approx(60 * 0.9 + 40 * 4 / 5)
    assert nv.survey_paragraph(ev, {}, "en") == text("survey_none", "en")
    assert charts.respondent_scores(ev).size == 0


def test_respondents_scores_take_the_fixed_scores_of_other_types():
    ev = evaluate(deep_inputs())
    it = ev.indicator_table
    w = it["global_weight"].to_numpy(float)
    scores = it["mean_score"].to_numpy(float)
    survey = ev.inputs.survey
    expected = []
    for r in range(len(survey)):
        row = scores.copy()
        for k, code in enumerate(it["code"]):
            if code in survey.columns:
                row[k] = float(survey[code].iloc[r])
        expected.append(float(w @ row) / 5 * 100)
    np.testing.assert_allclose(charts.respondent_scores(ev), expected, rtol=1e-12)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_blank_template_reports_its_scores_pending_on_every_input_type(tmp_path, lang):
    from bpm_xl.evaluation import Expert
    from bpm_xl.templates import template_inputs

    inputs = template_inputs("project", (Expert("E1", "", 0.8, 0.8),))
    ev, doc = _docx(tmp_path, inputs, lang)
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert text("pending_title_inputs", lang) in heads
    assert text("pending_inputs", lang, codes=", ".join(ev.system.codes)) in _paragraphs(doc)
    assert text("pending_inputs", lang, codes=", ".join(ev.pending)) in render_html(ev, lang)


def test_a_survey_waiting_for_answers_keeps_the_survey_wording(tmp_path):
    import pandas as pd

    inputs = load_example()
    inputs = type(inputs)(**{**{f: getattr(inputs, f) for f in inputs.__dataclass_fields__},
                             "survey": pd.DataFrame(columns=inputs.survey.columns, dtype=object)})
    ev, doc = _docx(tmp_path, inputs, "zh")
    assert text("pending_title", "zh") in [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]


def test_sensitivity_of_a_points_system_speaks_of_the_respondents_only():
    from bpm_xl import sensitivity

    inputs = project_inputs(caps=False)
    ev = evaluate(inputs)
    sd = sensitivity.analyse(inputs, draws=20, evaluation=ev)
    assert [k for k, _ in nv.sensitivity_parts(ev, sd)] == ["respondents"]
    stmt = nv.sensitivity_statement(ev, sd, "en")
    assert text("sens_resp", "en") in stmt and text("sens_perturb_short", "en") not in stmt
    page = render_html(ev, "en", sd)
    assert text("html.respondent_bootstrap", "en") in page
    assert text("html.judgment_perturbation", "en") not in page
    study = evaluate(load_example())
    sd = sensitivity.analyse(load_example(), draws=20, evaluation=study)
    assert [k for k, _ in nv.sensitivity_parts(study, sd)] == ["perturb", "panel", "respondents"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_data_problem_states_its_measured_value_and_standard(lang):
    ev = evaluate(project_inputs(caps=False))
    by_stage, _ = nv.problems_by_stage(ev, lang)
    p12 = next(p for ps in by_stage.values() for p in ps if "P12" in p)
    rule = ev.inputs.data["P12"].rule
    clause = text("cause_data", lang, value="0.65", unit="", standard=rule.describe(lang), pct="20.0%")
    assert clause[1:] in p12       # the English cause opens a sentence: its first letter is capitalised


def test_points_weighting_has_no_consistency_table(tmp_path):
    ev, doc = _docx(tmp_path, project_inputs(caps=False), "zh")
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    matrix_head = [text(k, "zh") for k in ("th_matrix", "th_order", "th_lambda", "th_ci", "th_ri", "th_crr", "th_pass")]
    assert matrix_head not in heads
    assert f"<p>{text('consistency_points', 'zh')}</p>" in render_html(ev, "zh")
    _, study = _docx(tmp_path, load_example(), "zh")
    assert matrix_head in [[c.text for c in t.rows[0].cells] for t in study.tables]
