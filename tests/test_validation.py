"""Validation is one pass: every problem of a hub's inputs, each with its kind, place and rule.

The example hub (read once) is changed in memory, so each case states exactly what is wrong;
the cells are those of the example hub's sheets (专家, 判断矩阵, 问卷, 德尔菲).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bpm_xl import scoring
from bpm_xl.errors import NotConnectedError, ScaleError, SettingsError
from bpm_xl.service import assess, evaluate_data, new_workbook, read_workbook
from bpm_xl.validation import BLANK, GAP, INVALID, UNANSWERED, Place, Problem, problems, status_of

GOAL_PAIRS = ((("F", "C"), "D5"), (("F", "P"), "E5"), (("F", "L"), "F5"))  # expert E01's block on 判断矩阵


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("hub") / "hub.xlsm", lang="zh", example=True, with_module=False)


@pytest.fixture(scope="module")
def data(hub):
    return read_workbook(hub)[0]


def _expert(d, code, **kw):
    return replace(d, experts=[{**e, **kw} if e["code"] == code else e for e in d.experts])


def _without_pairs(d, node, pairs, experts=None):
    """``pairs`` left blank (both sides of the diagonal) by ``experts`` (default: every expert)."""
    j = copy.deepcopy(d.judgments)
    for e, cells in j[node].items():
        if experts is None or e in experts:
            for a, b in pairs:
                cells.pop((a, b), None)
                cells.pop((b, a), None)
    return replace(d, judgments=j)


def _answer(d, row, code, value):
    rows = [dict(r) for r in d.survey]
    rows[row][code] = value
    return replace(d, survey=rows)


def _rating(d, k, expert, code, value):
    rounds = [dict(rd) for rd in d.delphi]
    rounds[k] = {**rounds[k], expert: {**rounds[k][expert], code: value}}
    return replace(d, delphi=rounds)


def _seen(found):
    return [(p.kind, str(p.place), p.rule, p.message) for p in found]


# ------------------------------------------------------------------------------- every problem at once
def test_a_hub_with_several_problems_lists_every_one_with_its_cell(data):
    d = _expert(data, "E01", ca=None)                                     # a missing Ca
    d = _without_pairs(d, "GOAL", [p for p, _ in GOAL_PAIRS])             # F compared with nothing
    d = _answer(d, 0, "F1", 6)                                            # an answer off the scale
    d = _answer(d, 4, "C2", "4分")                                        # an answer that is text
    d = _rating(d, 0, "E02", "F3", 9)                                     # a Delphi rating off the scale
    found = problems(d, "hub.xlsm")
    assert _seen(found) == [
        (BLANK, "hub.xlsm, sheet 专家, cell C3", "required", "expert E01 Ca"),
        *[(BLANK, f"hub.xlsm, sheet 判断矩阵, cell {cell}", "required", f"judgment {a} vs {b}") for (a, b), cell in GOAL_PAIRS],
        (INVALID, "hub.xlsm, sheet 问卷, cell B3", "survey answer",
         "survey: respondent 1 (row 1), indicator 1 (column 1) is 6; answers must be between 1 and 5"),
        (INVALID, "hub.xlsm, sheet 问卷, cell H7", "survey answer",
         "survey: respondent 5 (row 5), indicator 7 (column 7) is '4分'; answers must be between 1 and 5"),
        (INVALID, "hub.xlsm, sheet 德尔菲, cell D9", "Delphi rating",
         "Delphi round 1: expert 2 (row 2), indicator 3 (column 3) is 9; ratings must be between 1 and 5"),
    ]
    assert status_of(found) == "invalid"
    # the job refuses with the first invalid one, the same located line as before
    with pytest.raises(ScaleError, match=r"^hub.xlsm: sheet 问卷, cell B3: survey: respondent 1 .* is 6; answers") as exc:
        assess(d, "hub.xlsm")
    assert type(exc.value) is type(found[4].error) and str(exc.value) == str(found[4].error)
    # the blank judgments name why the node cannot be weighed: no judgment links F with the others
    assert isinstance(found[1].error, NotConnectedError) and "not compared" in str(found[1].error)


def test_every_setting_rule_broken_is_listed_not_only_the_first(data):
    d = replace(data, settings={**data.settings, "method": "foo", "random_index": None, "scale_min": 5, "scale_max": 1,
                                "cr_threshold": 2})
    assert _seen(problems(d, "hub.xlsm")) == [
        (BLANK, "hub.xlsm, sheet 设置, cell B4", "required", "setting random_index"),
        (INVALID, "hub.xlsm, sheet 设置, cell B3", "settings", "settings: method is 'foo'; use one of eigen, geomean, arith"),
        (INVALID, "hub.xlsm, sheet 设置, cell B8", "settings",
         "settings: scale_max (1.0) must be greater than scale_min (5.0)"),
        (INVALID, "hub.xlsm, sheet 设置, cell B9", "settings", "settings: cr_threshold is 2.0; it must lie between 0 and 1"),
    ]
    with pytest.raises(SettingsError, match=r"cell B3: settings: method is 'foo'"):
        assess(d, "hub.xlsm")


# ------------------------------------------------------------------------------- status from the list
def _p(kind):
    return Problem(kind, Place("hub.xlsm"), "rule", "what")


@pytest.mark.parametrize(("kinds", "status"), [
    ((), "complete"),
    ((GAP,), "complete"),                       # a pair the evaluation completes stops nothing
    ((UNANSWERED,), "pending_survey"),
    ((GAP, UNANSWERED), "pending_survey"),
    ((UNANSWERED, BLANK), "incomplete"),
    ((BLANK, INVALID, UNANSWERED), "invalid"),
], ids=["nothing", "gap", "unanswered", "gap-unanswered", "blank", "invalid"])
def test_the_status_follows_from_the_problems_alone(kinds, status):
    assert status_of([_p(k) for k in kinds]) == status


def test_the_status_of_an_assessment_is_the_status_of_its_problems_and_of_its_evaluation(data):
    a = assess(data, "hub.xlsm")
    assert a.problems == () and a.status == a.evaluation.status == "complete"
    # one pair no expert gave, where the others connect: completed, named, not blocking
    gap = _without_pairs(data, "GOAL", [("F", "C")])
    a = assess(gap, "hub.xlsm")
    assert _seen(a.problems) == [(GAP, "hub.xlsm, sheet 判断矩阵, cell D5", "completion", "judgment F vs C")]
    assert a.status == a.evaluation.status == "complete" and a.missing is None
    # no survey yet: pending, and the unanswered indicators are the evaluation's pending ones
    a = assess(replace(data, survey=[]), "hub.xlsm")
    assert a.status == a.evaluation.status == "pending_survey"
    assert tuple(p.message for p in a.problems if p.kind == UNANSWERED) == a.evaluation.pending
    assert a.missing == "hub.xlsm: no survey answers yet for: F1, F2, F3 and 17 more"
    one = replace(data, survey=[{**r, "L5": None} for r in data.survey])
    a = assess(one, "hub.xlsm")
    assert a.evaluation.pending == ("L5",) and a.missing == "hub.xlsm: no survey answers yet for: L5"
    assert _seen(a.problems) == [(UNANSWERED, "hub.xlsm, sheet 问卷", "survey answer", "L5")]
    # a blank leaves it incomplete: nothing evaluated, the gap named with the blanks
    a = assess(_expert(gap, "E02", cs=None), "hub.xlsm")
    assert (a.status, a.evaluation, a.inputs) == ("incomplete", None, None)
    assert a.missing == "hub.xlsm: still blank: expert E02 Cs, judgment F vs C"
    with pytest.raises(SettingsError, match=r"^hub.xlsm: sheet 专家, cell D4: expert E02 Cs is blank; it must be a number$"):
        evaluate_data(_expert(gap, "E02", cs=None), "hub.xlsm")


# ------------------------------------------------------------------------------- what the old way hid
def test_a_bad_value_is_refused_even_while_another_input_is_blank(data):
    """Filling a blank Ca with a stand-in and re-checking only what the stand-ins allowed used to
    lay this hub out as incomplete: the Ca of 5 was never looked at while E01's Ca was blank."""
    d = _expert(_expert(data, "E01", ca=None), "E02", ca=5)
    assert [p.kind for p in problems(d, "hub.xlsm")] == [BLANK, INVALID]
    with pytest.raises(ScaleError, match=r"^hub.xlsm: sheet 专家, cell C4: ca: expert 2 \(position 2\) is 5; it must be "
                                         r"between 0 and 1$"):
        assess(d, "hub.xlsm")


def test_an_expert_matrix_not_returned_yet_is_incomplete_whatever_else_is_there(data):
    """A form not returned yet (E03's goal block empty): still blank, and `evaluate` names the
    matrix as before; it used to be refused as invalid once nothing else was blank."""
    d = _without_pairs(data, "GOAL", [(a, b) for a in "FCPL" for b in "FCPL" if a < b], experts={"E03"})
    a = assess(d, "hub.xlsm")
    assert a.status == "incomplete" and a.missing == "hub.xlsm: still blank: judgments goal, expert E03"
    with pytest.raises(NotConnectedError, match=r"^hub.xlsm: judgments goal, expert E03: elements 2, 3, 4 are not "
                                                r"compared with element 1"):
        evaluate_data(d, "hub.xlsm")


# ------------------------------------------------------------------------------- the core's lists
@pytest.mark.parametrize("answers", [
    [[5, 6, 7], [0, 4, "x"]],
    [[5, 4, 2.5], [1, 1.5, 3]],
    [[5, None, "4分"], [9, 4, 3]],
], ids=["off-scale", "not-whole", "text"])
def test_the_first_listed_answer_error_is_the_one_the_survey_summary_raises(answers):
    _, errors = scoring.answer_errors(answers, 1, 5, name="survey")
    with pytest.raises(ScaleError) as raised:
        scoring.survey_summary(answers, 1, 5, name="survey", allow_empty=True)
    assert str(errors[0]) == str(raised.value)
    cells = [(e.row, e.column) for e in errors]
    assert cells == sorted(cells)  # row-major


def test_answer_errors_name_each_bad_column_once():
    arr = np.full((4, 3), 3.0)
    arr[1, 0] = arr[3, 0] = 7
    arr[2, 2] = 0
    _, errors = scoring.answer_errors(arr, 1, 5, name="survey")
    assert [(e.row, e.column) for e in errors] == [(2, 1), (3, 3)]
