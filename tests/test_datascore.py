"""bpm_xl.datascore: the data scoring rules, their edges, and the refusals with their place.

Expected values are worked out by hand from the rules in the module docstring (the 评分标准
shapes of DESIGN.md §10); each case says how.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpm_xl.datascore import (
    METHOD_LABELS,
    METHODS,
    TYPE_LABELS,
    TYPES,
    DataRule,
    data_rule,
    data_score,
    indicator_type,
    score_data,
)
from bpm_xl.errors import MatrixShapeError, MissingValueError, ScaleError, ScoringRuleError, SettingsError


def f(value, method, p1=None, p2=None, direction=None):
    return data_score(value, method, p1, p2, scale_max=1, direction=direction).fraction


# ------------------------------------------------------------------ the rules and their edges
@pytest.mark.parametrize("value, p1, p2, expected", [
    (60, 60, 100, 0.0),      # exactly at the value scoring 0
    (100, 60, 100, 1.0),     # exactly at the value scoring full
    (80, 60, 100, 0.5),      # half way
    (120, 60, 100, 1.0),     # beyond full: capped
    (10, 60, 100, 0.0),      # below 0: floored
    (0.05, 0.2, 0.05, 1.0),  # reversed (lower is better): at the full value
    (0.125, 0.2, 0.05, 0.5),  # reversed, half way
    (0.01, 0.2, 0.05, 1.0),  # reversed, beyond full
    (0.3, 0.2, 0.05, 0.0),   # reversed, beyond 0
], ids=["at-zero", "at-full", "middle", "beyond-cap", "below-floor", "rev-at-full", "rev-middle", "rev-beyond-cap",
        "rev-below-floor"])
def test_linear(value, p1, p2, expected):
    assert f(value, "linear", p1, p2) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("value, target, direction, expected", [
    (0.95, 0.95, None, 1.0),      # exactly at the target
    (0.76, 0.95, None, 0.8),      # 0.76 / 0.95
    (1.2, 0.95, "higher", 1.0),   # beyond the target: capped at 1
    (0.0, 0.95, None, 0.0),
    (0.05, 0.05, "lower", 1.0),   # lower is better, at the target
    (0.1, 0.05, "lower", 0.5),    # 0.05 / 0.10
    (0.02, 0.05, "逆向", 1.0),     # below the ceiling: capped at 1
    (0.0, 0.05, "lower", 1.0),    # a value of 0 is the best there is
], ids=["at-target", "below", "beyond-cap", "zero", "lower-at", "lower-above", "lower-beyond-cap", "lower-zero"])
def test_ratio(value, target, direction, expected):
    assert f(value, "ratio", target, None, direction) == pytest.approx(expected, abs=1e-15)


STEPS = ([0.95, 0.9, 0.8], [1.0, 0.8, 0.6])          # >= 95 %: full; >= 90 %: 80 %; >= 80 %: 60 %
STEPS_LOWER = ([0.05, 0.1, 0.2], [1.0, 0.7, 0.4])    # <= 5 %: full; <= 10 %: 70 %; <= 20 %: 40 %


@pytest.mark.parametrize("value, table, direction, expected", [
    (0.95, STEPS, None, 1.0),        # exactly at the top bound
    (0.9, STEPS, None, 0.8),         # exactly at the second bound
    (0.91, STEPS, None, 0.8),        # the first bound reached wins
    (1.5, STEPS, None, 1.0),         # beyond the top
    (0.79, STEPS, None, 0.0),        # below every step
    (0.05, STEPS_LOWER, "lower", 1.0),   # exactly at the lowest upper bound
    (0.1, STEPS_LOWER, "lower", 0.7),    # exactly at a bound
    (0.15, STEPS_LOWER, "lower", 0.4),
    (0.0, STEPS_LOWER, "lower", 1.0),
    (0.21, STEPS_LOWER, "lower", 0.0),   # above every step
], ids=["at-top", "at-second", "between", "beyond-top", "below-all", "lower-at-first", "lower-at-second",
        "lower-between", "lower-best", "lower-above-all"])
def test_steps(value, table, direction, expected):
    assert f(value, "steps", table[0], table[1], direction) == expected


@pytest.mark.parametrize("value, direction, expected", [
    (0.95, None, 1.0),     # exactly at the threshold
    (0.99, None, 1.0),     # beyond it
    (0.93, None, 0.8),     # 2 points short, 10 % per point: 1 - 10 x 0.02
    (0.5, None, 0.0),      # floored at 0
    (0.95, "lower", 1.0),  # lower is better, at the threshold
    (0.96, "lower", 0.9),  # 1 point above, 10 % per point
    (0.1, "lower", 1.0),
    (2.0, "lower", 0.0),
], ids=["at-threshold", "beyond", "short", "floor", "lower-at", "lower-above", "lower-beyond", "lower-floor"])
def test_deduct(value, direction, expected):
    assert f(value, "deduct", 0.95, 10, direction) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("value, expected", [
    ("是", 1.0), ("否", 0.0), (" Yes ", 1.0), ("NO", 0.0), (True, 1.0), (False, 0.0), (1, 1.0), (0, 0.0),
    (1.0, 1.0), ("1", 1.0), ("0", 0.0), ("TRUE", 1.0), ("false", 0.0), (np.bool_(True), 1.0),
])
def test_yesno(value, expected):
    assert f(value, "yesno") == expected
    assert f(value, "yesno", direction="lower") == 1.0 - expected


def test_score_is_fraction_times_scale_and_the_result_names_its_rule():
    r = data_score(0.76, "ratio", 0.95, scale_max=10)
    assert r.score == pytest.approx(8.0) and r.fraction == pytest.approx(0.8) and r.scale_max == 10.0
    assert r.method == "ratio" and r.parameters == {"target": 0.95} and r.rule.direction == "higher"
    assert data_score(0.76, "ratio", 0.95).scale_max == 5.0  # the survey's scale by default
    assert data_score(1, "yesno", scale_max=None).score == 5.0  # a blank scale_max is the default
    steps = data_score(0.91, "steps", *STEPS).rule
    assert steps.parameters() == {"bounds": (0.95, 0.9, 0.8), "fractions": (1.0, 0.8, 0.6)}
    with pytest.raises(AttributeError):
        r.fraction = 1.0  # frozen


def test_labels_and_zh_input():
    assert TYPES == ("survey", "data", "expert", "direct") and set(TYPE_LABELS) == set(TYPES)
    assert set(METHOD_LABELS) == set(METHODS)
    assert data_rule("比率", 0.95) == data_rule("RATIO", 0.95) == DataRule("ratio", "higher", p1=0.95)
    assert data_rule("分档", [3, 2], [1, 0.5], "越高越好").method == "steps"
    assert data_rule("steps", [2, 3], [1, 0.5], "越低越好").direction == "lower"
    assert [indicator_type(t) for t in ("data", "问卷", " Expert ", "直接评分", None)] == [
        "data", "survey", "expert", "direct", "survey"]
    with pytest.raises(SettingsError, match=r"^type: 'scored' is not an indicator type; use one of survey"):
        indicator_type("scored")


def test_steps_ranges_as_excel_sends_them_with_trailing_blanks():
    # a row, a column, and a range selected longer than the table
    assert f(0.91, "steps", [[0.95, 0.9, 0.8]], [[1, 0.8, 0.6]]) == 0.8
    assert f(0.91, "steps", [[0.95], [0.9], [0.8], [None]], [[1], [0.8], [0.6], [None]]) == 0.8
    assert f(0.91, "steps", [[" 0.95 "], ["0.9"], [0.8]], [["1"], [0.8], [0.6]]) == 0.8  # numeric text


def test_table_of_indicators():
    rules = [data_rule("ratio", 0.95), data_rule("yesno"), data_rule("steps", *STEPS), data_rule("ratio", 0.95),
             data_rule("linear", 0.2, 0.05)]
    r = score_data([0.76, "否", 0.91, 1.0, 0.125], rules, scale_max=100, labels=["资金到位率", "制度", "执行率", "完成率",
                                                                                 "结余率"])
    assert r.fractions.tolist() == pytest.approx([0.8, 0.0, 0.8, 1.0, 0.5])
    assert r.scores.tolist() == pytest.approx([80, 0, 80, 100, 50])
    assert r.values.tolist() == pytest.approx([0.76, 0.0, 0.91, 1.0, 0.125])
    assert len(r) == 5 and r[2].score == pytest.approx(80) and r[2].rule is rules[2] and r.labels[1] == "制度"
    assert not r.scores.flags.writeable
    for k, value in enumerate([0.76, "否", 0.91, 1.0, 0.125]):  # the table agrees with one-by-one scoring
        assert r.fractions[k] == f(value, rules[k].method, *_params(rules[k]), rules[k].direction)


def _params(rule):
    return (rule.bounds, rule.fractions) if rule.method == "steps" else (rule.p1, rule.p2)


# ------------------------------------------------------------------ refusals, each with its place
def test_value_typed_as_percent_text_is_refused_with_a_hint():
    with pytest.raises(ScaleError, match=r"^value: '95%' is text, not a number; type it as the number 0\.95 \(a percent") as e:
        data_score("95%", "ratio", 0.95)
    assert e.value.argument == "value"
    with pytest.raises(ScaleError, match=r"^p1 \(target\): '95%' is text") as e:
        data_score(0.9, "ratio", "95%")
    assert e.value.argument == "p1"
    with pytest.raises(ScaleError, match=r"^p1 \(target\): '８０％' is text, not a number; type it as the number 0\.8 "):
        data_score(0.9, "ratio", "８０％")  # full-width, as a Chinese input method types it
    with pytest.raises(ScaleError, match=r"^p1 \(bounds\): position 2: '90%' is text.*the number 0\.9 ") as e:
        data_score(0.9, "steps", [0.95, "90%"], [1, 0.5])
    assert (e.value.argument, e.value.row) == ("p1", 2)


@pytest.mark.parametrize("args, error, pattern, field", [
    ((None, "ratio", 0.95), MissingValueError, r"^value: the value is blank; type the measured value", "value"),
    (("abc", "ratio", 0.95), ScaleError, r"^value: 'abc' is not a number", "value"),
    ((True, "ratio", 0.95), ScaleError, r"^value: TRUE is not a number", "value"),
    (("#DIV/0!", "linear", 0, 1), ScaleError, r"^value: the error value #DIV/0! is not a number", "value"),
    ((float("inf"), "linear", 0, 1), ScaleError, r"^value: inf is not a finite number", "value"),
    ((0.9, "ratio", None), MissingValueError, r"^p1 \(target\): the target is blank; ratio needs it", "p1"),
    ((0.9, "ratio", 0), ScoringRuleError, r"^p1 \(target\): 0; the target must be above 0", "p1"),
    ((-0.1, "ratio", 0.95), ScaleError, r"^value: -0\.1 is below 0; ratio scores values of 0 or more", "value"),
    ((0.9, "ratio", 0.95, "lower"), ScoringRuleError, r"^p2: ratio takes no p2; leave it blank \(for lower is "
                                                      r"better, set direction lower\)", "p2"),
    ((0.9, "deduct", 0.95), MissingValueError, r"^p2 \(loss per unit\): the loss per unit is blank", "p2"),
    ((0.9, "deduct", 0.95, -1), ScoringRuleError, r"^p2 \(loss per unit\): -1; the fraction lost per unit must be "
                                                  r"above 0", "p2"),
    ((0.9, "linear", 1, 1), ScoringRuleError, r"^p2 \(value scoring full\): 1 equals p1", "p2"),
    ((0.9, "weighted", 1), SettingsError, r"^method: 'weighted' is not known; use one of linear, ratio, steps, "
                                          r"deduct, yesno", "method"),
    ((0.9, None, 1), MissingValueError, r"^method: the method is blank", "method"),
    (("是", "yesno", 1), ScoringRuleError, r"^p1: yesno takes no p1; leave it blank", "p1"),
    (("maybe", "yesno"), ScaleError, r"^value: 'maybe' is not a yes/no answer; use 是/否, yes/no, 1/0 or "
                                     r"TRUE/FALSE", "value"),
    ((0.5, "yesno"), ScaleError, r"^value: 0\.5 is not a yes/no answer", "value"),
    (("", "yesno"), MissingValueError, r"^value: the value is blank; type 是 or 否", "value"),
    ((0.9, "ratio", [[1, 2]]), MatrixShapeError, r"^p1: expected a single cell, got a range of 2 cells", "p1"),
], ids=lambda v: None)
def test_bad_scalar_input(args, error, pattern, field):
    with pytest.raises(error, match=pattern) as e:
        data_score(*args)
    assert e.value.argument == field


@pytest.mark.parametrize("direction", ["up", "best"])
def test_unknown_direction(direction):
    with pytest.raises(SettingsError, match=rf"^direction: '{direction}' is not known; use higher \(正向\) or lower"):
        data_score(0.9, "ratio", 0.95, direction=direction)


def test_linear_direction_must_agree_with_its_values():
    assert data_rule("linear", 0.2, 0.05, "lower").direction == "lower"
    with pytest.raises(ScoringRuleError, match=r"^direction: higher contradicts p1 \(value scoring 0\) 0\.2 and p2"):
        data_rule("linear", 0.2, 0.05, "higher")


@pytest.mark.parametrize("bounds, fractions, direction, error, pattern, row", [
    ([0.8, 0.9, 0.95], [0.6, 0.8, 1], None, ScoringRuleError,
     r"^p1 \(bounds\): position 2 \(0\.9\) is above position 1 \(0\.8\); list the lower bounds from the highest down "
     r"\(for lower is better, set direction lower\)", 2),
    ([0.95, 0.9, 0.9], [1, 0.8, 0.6], None, ScoringRuleError, r"^p1 \(bounds\): position 3 \(0\.9\) repeats position 2", 3),
    ([0.2, 0.1], [1, 0.5], "lower", ScoringRuleError,
     r"^p1 \(bounds\): position 2 \(0\.1\) is below position 1 \(0\.2\); with direction lower, list the upper bounds "
     r"from the lowest up", 2),
    ([0.95, 0.9], [1, 1.2], None, ScoringRuleError, r"^p2 \(fractions\): position 2 is 1\.2; fractions of the full "
                                                    r"mark must be between 0 and 1", 2),
    ([0.95, 0.9], [-0.1, 0], None, ScoringRuleError, r"^p2 \(fractions\): position 1 is -0\.1", 1),
    ([0.95, None, 0.8], [1, 0.8, 0.6], None, MissingValueError, r"^p1 \(bounds\): position 2 is blank; fill it or "
                                                                r"remove the step", 2),
    ([0.95, 0.9], [1, "x"], None, ScaleError, r"^p2 \(fractions\): position 2: 'x' is not a number", 2),
    ([None, None], [1, 0.5], None, MissingValueError, r"^p1 \(bounds\): the range is blank; steps needs its bounds", None),
    ([0.95, 0.9, 0.8], [1, 0.8], None, MatrixShapeError, r"^p2 \(fractions\): 2 fractions for 3 bounds; give one "
                                                          r"fraction per bound", None),
    (list(range(21, 0, -1)), [0.5] * 21, None, ScoringRuleError, r"^p1 \(bounds\): 21 steps; at most 20", None),
], ids=["ascending", "repeated", "lower-descending", "fraction-above-1", "fraction-below-0", "blank-inside",
        "text-fraction", "no-bounds", "lengths", "too-many"])
def test_bad_steps_tables(bounds, fractions, direction, error, pattern, row):
    with pytest.raises(error, match=pattern) as e:
        data_score(0.9, "steps", bounds, fractions, direction=direction)
    assert e.value.row == row and e.value.argument in ("p1", "p2")


def test_parameter_names_follow_the_caller():
    # a sheet reader names its columns; the error's argument is that name, for the reader to place
    with pytest.raises(ScoringRuleError, match=r"^参数1 \(bounds\): position 2") as e:
        data_rule("steps", [1, 2], [1, 0.5], names=("参数1", "参数2"))
    assert (e.value.argument, e.value.row) == ("参数1", 2)


def test_scale_max_must_be_positive():
    with pytest.raises(ScaleError, match=r"^scale_max: 0; the top of the scale must be above 0"):
        data_score(0.9, "ratio", 0.95, scale_max=0)


def test_table_refusals_name_the_indicator():
    rules = [data_rule("ratio", 0.95), data_rule("yesno")]
    with pytest.raises(ScaleError, match=r"^values: indicator 2: 'maybe' is not a yes/no answer") as e:
        score_data([0.9, "maybe"], rules)
    assert (e.value.argument, e.value.row) == ("values", 2)
    with pytest.raises(MatrixShapeError, match=r"^values: 1 values for 2 scoring standards"):
        score_data([0.9], rules)


@pytest.mark.parametrize("rule, zh, en", [
    (data_rule("linear", 0.2, 0.05), "线性：0.2 得0，0.05 得满分，其间按比例",
     "linear: 0 at 0.2, full marks at 0.05, in proportion between"),
    (data_rule("ratio", 0.05, None, "lower"), "比率：0.05 / 实际值（越低越好），最高满分", "ratio: 0.05 / value, at most full marks"),
    (data_rule("steps", [0.05, 0.1], [1, 0.7], "lower"), "分档：≤0.05 得满分的100%；≤0.1 得满分的70%；以上得0",
     "steps: ≤0.05: 100% of the mark; ≤0.1: 70% of the mark; otherwise 0"),
    (data_rule("deduct", 95, 0.1), "扣分：≥95 得满分，每低 1 扣满分的10%",
     "deduct: full marks at 95 or more; each 1 less loses 10% of the mark"),
    (data_rule("deduct", 0.05, 2, "lower"), "扣分：≤0.05 得满分，每高 0.01 扣满分的2%",
     "deduct: full marks at 0.05 or less; each 0.01 more loses 2% of the mark"),
    (data_rule("yesno", None, None, "lower"), "是否：否得满分，是得0", "yes/no: no: full marks, yes: 0"),
], ids=["linear", "ratio", "steps", "deduct", "deduct-lower", "yesno"])
def test_the_standard_in_words_for_reports(rule, zh, en):
    assert (rule.describe(), rule.describe("en")) == (zh, en)


def test_a_steps_table_typed_as_a_row_names_the_column():
    with pytest.raises(ScoringRuleError, match=r"^p1 \(bounds\): position 3 \(0\.9\) repeats position 2") as e:
        data_score(0.9, "steps", [[0.95, 0.9, 0.9]], [[1, 0.8, 0.6]])
    assert (e.value.row, e.value.column) == (None, 3)
    with pytest.raises(ScoringRuleError, match=r"^p2 \(fractions\): position 2 is 2") as e:
        data_score(0.9, "steps", [[0.95], [0.9]], [[1, 2]])
    assert (e.value.row, e.value.column) == (None, 2)
    with pytest.raises(MissingValueError, match=r"^p1 \(bounds\): position 2 is blank") as e:
        data_score(0.9, "steps", [[0.95], [None], [0.8]], [[1], [0.8], [0.6]])
    assert (e.value.row, e.value.column) == (2, None)
