"""Shared test setup.

xlwings chooses its UDF runtime when it is first imported, so the Office.js runtime (the one
``xlwings.server.custom_functions_call`` dispatches through) is selected here, before any test
module imports xlwings. The noncommercial key is for tests only (xlwings PRO is PolyForm
Noncommercial); see the README's licence note.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def reference_cases() -> dict:
    """tests/data/reference_cases.json (a copy of ../shared/reference/reference_cases.json)."""
    return json.loads((DATA / "reference_cases.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def udf_call():
    """Call a bpm_xl.udfs function the way Excel (Office.js) does, through xlwings' dispatch.

    ``udf_call("AHP_CR", [[1, 3], ["1/3", 1]])``: every argument as the 2D list Excel sends
    (None for a blank cell, text for typed text); returns the 2D list Excel would receive.
    A bad input raises ``xlwings.XlwingsError`` carrying the cell message.
    """
    import asyncio

    import xlwings as xw
    from xlwings.server import custom_functions_call

    import bpm_xl.udfs

    def call(func_name: str, *args):
        payload = {
            "client": "Office.js",
            "func_name": func_name,
            "args": list(args),
            "caller_address": "[Book1]Sheet1!A1",
            "culture_info_name": "zh-CN",
            "date_format": "yyyy/m/d",
            "version": xw.__version__,
            "runtime": "1.4",
        }
        return asyncio.run(custom_functions_call(payload, bpm_xl.udfs))

    return call
