"""bpm_xl.udfs under classic xlwings (Windows Excel + VBA wrappers), checked on Linux.

A subprocess imports xlwings without XLWINGS_ON_SERVER, stubs the pywin32 modules that
``xlwings.udfs`` imports, maps ``xw.func/arg/ret`` to the classic ``xlfunc/xlarg/xlret`` (as
xlwings/__init__.py does on Windows) and imports bpm_xl.udfs fresh. It then writes what
"Import Functions" would write (``xlwings.udfs.generate_vba_wrapper``) and runs a few calls the
way ``xlwings.udfs.call_udf`` does (``conversion.read`` per argument, missing optional
arguments replaced by their default, ``conversion.write`` of the result). The subprocess keeps
the classic decorators out of this test session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    r'''
    import io, json, sys, types

    class COMException(Exception):  # pywin32: win32com.server.exception.COMException
        def __init__(self, description=None, scode=None, source=None, **kwargs):
            super().__init__(description)
            self.description, self.scode, self.source = description, scode, source

    stubs = {name: types.ModuleType(name) for name in (
        "pythoncom", "pywintypes", "win32com", "win32com.client", "win32com.server",
        "win32com.server.exception")}
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["pywintypes"].com_error = type("com_error", (Exception,), {})
    stubs["win32com.client"].Dispatch = lambda *a, **k: None
    stubs["win32com.server.exception"].COMException = COMException
    for name in ("win32com", "win32com.server"):
        stubs[name].__path__ = []
    sys.modules.update(stubs)

    import xlwings as xw
    import xlwings.udfs as classic
    from xlwings import conversion
    assert not xw.on_server
    xw.func, xw.arg, xw.ret, xw.sub = classic.xlfunc, classic.xlarg, classic.xlret, classic.xlsub

    class ExcelEngine:
        """Stand-in for xlwings/_xlwindows.py's engine: only the value cleaning that
        conversion.read/write use for UDF values (blank -> None, NaN/None written as "")."""
        name, type = "excel", "desktop"

        @staticmethod
        def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
            return [[empty_as if c in ("", None) else c for c in row] for row in data]

        @staticmethod
        def prepare_xl_data_element(x, date_format):
            if x is None or (isinstance(x, float) and x != x):
                return ""
            return float(x) if type(x).__module__ == "numpy" and not isinstance(x, bool) else x

    xw.engines.add(xw.main.Engine(impl=ExcelEngine()))

    import bpm_xl.udfs as udfs

    class Book:
        Name = "bpm_xl.xlsm"

    vba = io.StringIO()
    classic.generate_vba_wrapper("bpm_xl.udfs", udfs, vba, Book())

    MISSING = -2147352572  # what VBA passes for an omitted Optional argument

    def call_udf(name, *args):
        """xlwings.udfs.call_udf without COM: convert the arguments, call, convert the result."""
        func = getattr(udfs, name)
        info = func.__xlfunc__
        values = []
        for i, arg in enumerate(args):
            arg_info = info["args"][min(i, len(info["args"]) - 1)]
            if isinstance(arg, int) and arg == MISSING:
                values.append(arg_info.get("optional", None))
            else:
                values.append(conversion.read(None, arg, arg_info["options"]))
        try:
            return {"value": conversion.write(func(*values), None, info["ret"]["options"])}
        except COMException as exc:
            return {"error": type(exc).__name__, "description": exc.description}

    calls = {
        # a range arrives as a tuple of row tuples; an omitted Optional as MISSING
        "weights": call_udf("AHP_WEIGHTS", ((1.0, 4.0, 3.0, 7.0), (None, 1.0, "1/3", 3.0),
                                            (None, None, 1.0, 5.0), (None, None, None, 1.0)), MISSING),
        "cr": call_udf("AHP_CR", ((1.0, 3.0), ("1/3", 1.0)), "saaty1980"),
        "rating": call_udf("BPM_RATING", 4.0296, MISSING, MISSING),
        "scores": call_udf("BPM_INDICATOR_SCORES", ((5.0, 4.0), (4.0, None), (3.0, "4")), MISSING, MISSING),
        "single_cell": call_udf("DELPHI_AUTHORITY", 0.94375, 0.775),
        "bad": call_udf("AHP_WEIGHTS", ((1.0, 3.0), (3.0, 1.0)), MISSING),
        "data_steps": call_udf("DATA_SCORE", 0.91, "steps", ((0.95,), (0.9,), (0.8,)), ((1.0,), (0.8,), (0.6,)),
                               100.0, MISSING),
        "data_yesno": call_udf("DATA_SCORE", "否", "yesno", MISSING, MISSING, MISSING, "逆向"),
        "data_bad": call_udf("DATA_SCORE", 0.91, "steps", ((0.8,), (0.9,)), ((0.5,), (1.0,)), MISSING, MISSING),
    }
    meta = {
        name: {
            "doc": f.__xlfunc__["ret"]["doc"],
            "args": [[a["name"], a["doc"], "optional" in a] for a in f.__xlfunc__["args"]],
            "category": f.__xlfunc__["category"],
            "volatile": f.__xlfunc__["volatile"],
        }
        for name, f in vars(udfs).items() if hasattr(f, "__xlfunc__")
    }
    print(json.dumps({"vba": vba.getvalue(), "calls": calls, "meta": meta}, ensure_ascii=False))
    '''
)

SIGNATURES = {
    "AHP_WEIGHTS": "matrix, Optional method",
    "AHP_LAMBDA_MAX": "matrix",
    "AHP_CI": "matrix",
    "AHP_CR": "matrix, Optional random_index, Optional method",
    "AHP_CONSISTENCY": "matrix, Optional random_index, Optional method",
    "AHP_COMPLETE": "matrix",
    "AHP_WORST": "matrix, Optional count, Optional method, Optional random_index",
    "AHP_GROUP": "matrices, Optional expert_weights, Optional method, Optional weight_method",
    "AHP_GLOBAL_WEIGHTS": "parent_weights, local_weights, parents",
    "DELPHI_STATS": "ratings, Optional full_score",
    "KENDALL_W": "ratings",
    "DELPHI_AUTHORITY": "ca, cs",
    "DELPHI_SCREEN": "ratings, Optional min_mean, Optional max_cv",
    "BPM_INDICATOR_SCORES": "responses, Optional scale_min, Optional scale_max",
    "BPM_SCORE": "weights, scores",
    "BPM_RATING": "score, Optional scale_max, Optional bands",
    "BPM_FUZZY": "weights, memberships",
    "BPM_PRIORITIES": "labels, weights, scores, Optional scale_max",
    "DATA_SCORE": "value, method, Optional p1, Optional p2, Optional scale_max, Optional direction",
}


@pytest.fixture(scope="module")
def classic():
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_function_has_a_vba_wrapper(classic):
    vba = classic["vba"]
    found = dict(re.findall(r"^Function (\w+)\((.*)\)$", vba, flags=re.M))
    assert found == SIGNATURES
    for name, args in SIGNATURES.items():
        call_args = ", ".join(a.replace("Optional ", "") for a in args.split(", "))
        assert f'{name} = XLPy.CallUDF("bpm_xl.udfs", "{name}", Array({call_args}), ThisWorkbook, Application.Caller)' in vba
        assert f"{name} = Err.Description" in vba  # the message the cell shows on error
    assert "Application.Volatile" not in vba and "ParamArray" not in vba


def test_function_wizard_texts(classic):
    # import_udfs passes these to Application.MacroOptions, cut at 255 characters
    for name, m in classic["meta"].items():
        assert 0 < len(m["doc"]) < 255 and "\n" not in m["doc"], name
        assert m["volatile"] is False and m["category"] == "xlwings"
        for arg, doc, _optional in m["args"]:
            assert 0 < len(doc) < 255 and not doc.startswith("Positional argument"), (name, arg)


def test_calls_as_classic_excel_makes_them(classic, reference_cases):
    calls = classic["calls"]
    expected = reference_cases["ahp"]["leader_criteria"]["eigen_weights"]
    assert [r[0] for r in calls["weights"]["value"]] == pytest.approx(expected, abs=1e-9)
    assert calls["cr"]["value"] == [[0.0]]
    assert calls["rating"]["value"] == [["B"]]
    assert calls["scores"]["value"] == [[4.0, 4.0]]
    assert calls["single_cell"]["value"] == [[pytest.approx(0.859375)]]
    assert calls["data_steps"]["value"] == [[80.0]]  # 0.91 reaches the bound 0.9: 80 % of 100
    assert calls["data_yesno"]["value"] == [[5.0]]   # 否 is full marks when lower is better; scale 5 by default


def test_bad_input_shows_the_short_message(classic):
    # A COM exception's description is what the wrapper writes into the cell (Err.Description),
    # so the user sees the core's sentence, not a Python traceback.
    bad = classic["calls"]["bad"]
    assert bad["error"] == "COMException"
    assert re.match(r"^matrix: row 1, column 2 is 3 but row 2, column 1 is 3", bad["description"])
    assert "\n" not in bad["description"]
    data = classic["calls"]["data_bad"]
    assert data["error"] == "COMException"
    assert data["description"].startswith("p1 (bounds): position 2 (0.9) is above position 1 (0.8)")


def test_bpm_xl_vba_generator_agrees(classic):
    from bpm_xl.writers.vba import generate_udf_wrapper

    text = generate_udf_wrapper("bpm_xl.udfs", workbook_name="bpm_xl.xlsm")
    assert dict(re.findall(r"^Function (\w+)\((.*)\)$", text, flags=re.M)) == SIGNATURES
