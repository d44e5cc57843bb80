"""Templates: every one builds and validates; the 10号 project frame evaluates as its points say."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bpm_xl import evaluate, templates
from bpm_xl.datascore import TYPES
from bpm_xl.errors import MissingValueError, ModelError
from bpm_xl.evaluation import Expert
from bpm_xl.model import IndicatorSystem

PANEL = (Expert("E01", "", 0.9, 0.8), Expert("E02", "", 0.6, 0.5))


@pytest.mark.parametrize("name", templates.NAMES)
def test_every_template_builds_and_round_trips_through_its_table(name):
    t = templates.get(name)
    again = IndicatorSystem.from_frame(t.system.to_frame())   # validated again from the sheet's table
    assert again == t.system
    assert t.weighting == t.system.weighting
    assert t.source_zh and t.source_en
    assert set(t.rules) == {i.code for i in t.system.indicators if i.kind == "data"}
    assert {i.kind for i in t.system.indicators} <= set(TYPES)
    for cap in t.caps:
        assert t.system.indicator(cap.indicator).kind == "data"


@pytest.mark.parametrize("name", ["project", "department"])
def test_official_frames_are_three_levels_of_points_summing_to_100(name):
    t = templates.get(name)
    assert t.weighting == "points" and t.system.depth == 3
    assert math.isclose(sum(t.system.points_of(d) for d in t.system.dimension_codes), 100.0)
    assert all(i.points is not None and i.points > 0 for i in t.system.indicators)


def test_project_split_keeps_output_and_benefit_at_60_and_satisfaction_at_10():
    s = templates.get("project").system
    assert [s.points_of(d) for d in ("DEC", "PRO", "OUT", "BEN")] == [20, 20, 40, 20]
    assert s.points_of("B21") == 10 and s.indicator("B21").kind == "survey"
    assert s.label("P12") == "预算执行率" and s.path("P12") == ("PRO", "P1")


def test_bsc_is_the_default_system_weighted_by_ahp():
    from bpm_xl.model import default_system

    t = templates.get("bsc")
    assert t.system == default_system() and t.weighting == "ahp" and not t.rules


def test_unknown_template_is_refused():
    with pytest.raises(ModelError, match="there is no template 'county'; use one of bsc, project, department"):
        templates.get("county")


def test_a_value_for_a_code_that_is_not_a_data_indicator_is_refused():
    with pytest.raises(ModelError, match="B21 is not a data indicator"):
        templates.template_inputs("project", PANEL, values={"B21": 0.9})


@pytest.mark.parametrize("name", ["project", "department"])
def test_blank_template_evaluates_with_every_indicator_pending(name):
    ev = evaluate(templates.template_inputs(name, PANEL))
    assert ev.status != "complete"
    assert set(ev.pending) == set(ev.system.codes)
    assert ev.total is None and ev.rating is None


def test_blank_bsc_waits_for_the_panel_judgments():
    with pytest.raises(MissingValueError, match="no expert judged goal"):
        evaluate(templates.template_inputs("bsc", PANEL))


# A county project as evaluated: measured values, typed scores, two experts, five respondents.
VALUES = {"P11": 1.0, "P12": 0.65, "P13": "是", "P21": "是", "O11": 0.92, "O21": 0.97, "O31": 6, "O41": -0.02}
DIRECT = {"D11": 4.5, "D12": 4, "D22": 4.5, "D31": 4, "D32": 4.5, "P22": 3.5}
EXPERT = {"D21": {"E01": 4, "E02": 5}, "B11": {"E01": 4, "E02": 3}, "B12": {"E01": 3, "E02": 4}}
ANSWERS = [5, 4, 4, 3, 5]

# The fraction of the full mark of each measured value, worked out by hand from the rules:
FRACTIONS = {
    "P11": 1.0 / 1.0,              # ratio to target 1
    "P12": 0.2,                    # steps: 0.65 reaches 0.6 -> 20 %
    "P13": 1.0, "P21": 1.0,        # yes
    "O11": 0.92,                   # ratio to target 1
    "O21": 1 - 5 * (1 - 0.97),     # deduct 5 % of the mark per point below 100 %
    "O31": 1 - 0.05 * 6,           # 6 days late, 5 % a day
    "O41": (-0.02 + 0.1) / 0.1,    # linear: -10 % scores 0, 0 scores full
}


def _inputs(caps: bool):
    survey = pd.DataFrame({"B21": ANSWERS}, dtype=object)
    return templates.template_inputs("project", PANEL, values=VALUES, direct_scores=DIRECT, expert_scores=EXPERT,
                                     survey=survey, caps=caps)


def _expected_score100() -> float:
    s = templates.get("project").system
    authority = {e.code: (e.ca + e.cs) / 2 for e in PANEL}
    frac = dict(FRACTIONS)
    frac.update({c: v / 5 for c, v in DIRECT.items()})
    for code, by in EXPERT.items():
        frac[code] = sum(authority[e] * x for e, x in by.items()) / sum(authority[e] for e in by) / 5
    frac["B21"] = sum(ANSWERS) / len(ANSWERS) / 5
    assert set(frac) == set(s.codes)
    return sum(s.indicator(c).points * f for c, f in frac.items())


def test_project_total_is_the_sum_of_points_times_fractions():
    ev = evaluate(_inputs(caps=False))
    expected = _expected_score100()
    assert ev.complete and ev.cap is None
    assert ev.score100 == pytest.approx(expected, rel=1e-12)
    assert expected > 80 and ev.rating.grade == "B"
    for code, f in FRACTIONS.items():
        assert ev.data_scores[code].fraction == pytest.approx(f, abs=1e-12)
    assert ev.system.depth == 3
    groups = ev.group_table.set_index("code")
    assert groups.loc["P1", "contribution"] / 5 * 100 == pytest.approx(4 + 5 * 0.2 + 3)


def test_project_execution_rate_of_65_percent_caps_the_total_at_79():
    ev = evaluate(_inputs(caps=True))
    assert ev.cap is not None
    assert ev.cap.cap.indicator == "P12" and ev.cap.cap.max_score100 == 79
    assert ev.cap.value == 0.65
    assert ev.cap.uncapped_score100 == pytest.approx(_expected_score100(), rel=1e-12)
    assert ev.score100 == pytest.approx(79.0)
    assert ev.rating.grade == "C"


@pytest.mark.parametrize("lang, unit", [("zh", "天"), ("en", "days")])
def test_units_and_title_follow_the_language(lang, unit):
    inputs = templates.template_inputs("project", PANEL, lang=lang)
    t = templates.get("project")
    assert inputs.data["O31"].unit == unit and inputs.data["P12"].unit == ""
    assert inputs.title == t.title(lang) and inputs.title


def _full_mark_value(rule):
    """A value the rule gives full marks, read off its parameters."""
    if rule.method == "yesno":
        return "是" if rule.direction == "higher" else "否"
    if rule.method == "steps":
        return rule.bounds[0]
    return rule.p2 if rule.method == "linear" else rule.p1


@pytest.mark.parametrize("name", ["project", "department"])
def test_full_marks_everywhere_give_100_points(name):
    t = templates.get(name)
    kinds = {i.code: i.kind for i in t.system.indicators}
    survey = pd.DataFrame({c: [5, 5] for c, k in kinds.items() if k == "survey"}, dtype=object)
    inputs = templates.template_inputs(
        name, PANEL, values={c: _full_mark_value(r) for c, r in t.rules.items()}, survey=survey,
        direct_scores={c: 5 for c, k in kinds.items() if k == "direct"},
        expert_scores={c: {"E01": 5, "E02": 5} for c, k in kinds.items() if k == "expert"})
    ev = evaluate(inputs)
    assert all(ds.fraction == 1.0 for ds in ev.data_scores.values()) and len(ev.data_scores) == len(t.rules)
    assert ev.score100 == pytest.approx(100.0, rel=1e-12) and ev.rating.grade == "A"
