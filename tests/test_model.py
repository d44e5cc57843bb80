"""The indicator system (bpm_xl.model)."""

from __future__ import annotations

import pandas as pd
import pytest

from bpm_xl.errors import ModelError
from bpm_xl.model import GOAL, IndicatorSystem, default_system


def test_default_system_round_trips_through_its_table():
    system = default_system()
    again = IndicatorSystem.from_frame(system.to_frame())
    assert again.codes == system.codes and again.dimension_codes == system.dimension_codes
    assert list(system.nodes())[0] == GOAL and len(system.codes) == 20


def test_blank_rows_are_skipped_and_chinese_pdca_names_accepted():
    frame = pd.DataFrame([
        {"dimension": "D1", "code": "A", "pdca": "计划"},
        {"dimension": None, "code": None, "pdca": None},
        {"dimension": "D1", "code": "B", "pdca": "处理"},
    ])
    system = IndicatorSystem.from_frame(frame)
    assert system.codes == ("A", "B") and [i.pdca for i in system.indicators] == ["plan", "act"]


def test_missing_dimension_names_the_row():
    frame = pd.DataFrame([{"dimension": "D1", "code": "A"}, {"dimension": "", "code": "B"}])
    with pytest.raises(ModelError, match=r"^sheet rows: row 2 \(indicator B\) has no dimension code$") as info:
        IndicatorSystem.from_frame(frame, name="sheet rows")
    assert info.value.row == 2


def test_duplicate_code_names_the_table_row_not_the_indicator_position():
    frame = pd.DataFrame([{"dimension": "D1", "code": "A", "pdca": "do"}, {"dimension": None, "code": None},
                          {"dimension": "D1", "code": "A", "pdca": "do"}])
    with pytest.raises(ModelError, match=r"the code 'A' is used twice or is reserved") as info:
        IndicatorSystem.from_frame(frame, name="t")
    assert info.value.row == 3 and info.value.argument == "t"


def test_unknown_pdca_stage():
    with pytest.raises(ModelError, match=r"has PDCA stage 'x'; use one of plan, do, check, act \(or 计划"):
        IndicatorSystem.from_frame(pd.DataFrame([{"dimension": "D1", "code": "A", "pdca": "x"}]))


def test_missing_column():
    with pytest.raises(ModelError, match=r"^indicator system: the column 'code' is missing$"):
        IndicatorSystem.from_frame(pd.DataFrame([{"dimension": "D1"}]))
