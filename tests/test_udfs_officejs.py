"""bpm_xl.udfs through xlwings' Office.js dispatch (xlwings Lite / xlwings Server).

Arguments are sent as Excel sends them (tests/conftest.py ``udf_call``): every argument a 2D
list, ``None`` for a blank cell, typed fractions as text ("1/3"). Expected values come from
tests/data/reference_cases.json (a copy of ../shared/reference/reference_cases.json); each
case's source is in its "source" field and in the comments below.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import pytest
import xlwings as xw
from xlwings.server import custom_functions_meta

import bpm_xl.udfs
from bpm_xl.errors import BpmError

FUNCTIONS = {  # Excel name -> the parameters Excel shows (optional ones marked)
    "AHP_WEIGHTS": ["matrix", "method?"],
    "AHP_LAMBDA_MAX": ["matrix"],
    "AHP_CI": ["matrix"],
    "AHP_CR": ["matrix", "random_index?", "method?"],
    "AHP_CONSISTENCY": ["matrix", "random_index?", "method?"],
    "AHP_COMPLETE": ["matrix"],
    "AHP_WORST": ["matrix", "count?", "method?", "random_index?"],
    "AHP_GROUP": ["matrices", "expert_weights?", "method?", "weight_method?"],
    "AHP_GLOBAL_WEIGHTS": ["parent_weights", "local_weights", "parents"],
    "DELPHI_STATS": ["ratings", "full_score?"],
    "KENDALL_W": ["ratings"],
    "DELPHI_AUTHORITY": ["ca", "cs"],
    "DELPHI_SCREEN": ["ratings", "min_mean?", "max_cv?"],
    "BPM_INDICATOR_SCORES": ["responses", "scale_min?", "scale_max?"],
    "BPM_SCORE": ["weights", "scores"],
    "BPM_RATING": ["score", "scale_max?", "bands?"],
    "BPM_FUZZY": ["weights", "memberships"],
    "BPM_PRIORITIES": ["labels", "weights", "scores", "scale_max?"],
    "DATA_SCORE": ["value", "method", "p1?", "p2?", "scale_max?", "direction?"],
}
RI_TABLES = ("cn", "saaty1980", "saaty2005", "donegan_dodd", "alonso_lamata")


def typed(matrix):
    """A matrix as a user types it: whole numbers, and fractions below 1 as text ("1/3")."""
    out = []
    for row in matrix:
        cells = []
        for v in row:
            if v is None or v >= 1:
                cells.append(v if v is None or v != int(v) else int(v))
            else:
                f = Fraction(v).limit_denominator(9)
                cells.append(f"{f.numerator}/{f.denominator}")
        out.append(cells)
    return out


def upper(matrix):
    """Only the upper triangle and the diagonal, the rest blank (as many users fill it in)."""
    return [[v if j >= i else None for j, v in enumerate(row)] for i, row in enumerate(typed(matrix))]


def column(values):
    return [[v] for v in values]


def ahp_cases(ref):
    cases = {name: case for name, case in ref["ahp"].items() if "matrix" in case and "cr" in case}
    for crit, case in ref["ahp"]["leader_alternatives"].items():
        cases[f"leader_alt_{crit}"] = case
    return cases


REF_AHP = [  # resolved lazily from the fixture; ids listed here for readable test names
    "drinks", "leader_criteria", "car_criteria", "bpmsg_template",
    "leader_alt_experience", "leader_alt_education", "leader_alt_charisma", "leader_alt_age",
]


# ------------------------------------------------------------------------------ registration
def test_meta_registers_every_function_with_docs():
    meta = custom_functions_meta(bpm_xl.udfs)
    funcs = {f["id"]: f for f in meta["functions"]}
    assert set(funcs) == set(FUNCTIONS) == set(bpm_xl.udfs.__all__)
    for name, params in FUNCTIONS.items():
        f = funcs[name]
        assert f["name"] == name  # no namespace in the module; Excel shows the upper-case name
        assert f["description"] and "\n" not in f["description"] and len(f["description"]) < 255
        assert f["result"] == {"dimensionality": "matrix", "type": "any"}
        assert "volatile" not in f["options"]
        shown = [p["name"] + ("?" if p.get("optional") else "") for p in f["parameters"]]
        assert shown == params
        for p in f["parameters"]:
            assert p["description"] and not p["description"].startswith("Positional argument")
            assert len(p["description"]) < 255


def test_python_names_match_excel_names_and_take_no_keyword_only_args():
    for name in FUNCTIONS:
        f = getattr(bpm_xl.udfs, name)
        assert f.__xlfunc__["name"] == name
        kinds = {p.kind for p in inspect.signature(f).parameters.values()}
        assert kinds == {inspect.Parameter.POSITIONAL_OR_KEYWORD}


def test_import_keeps_heavy_modules_out():
    # Excel imports bpm_xl.udfs when it starts Python; scipy (kendall_w) is loaded on first use.
    # matplotlib is not checked: xlwings 0.37.8 itself imports it (xlwings/utils.py).
    code = "import sys, bpm_xl.udfs; print(sorted(m for m in ('scipy', 'openpyxl', 'xlsxwriter') if m in sys.modules))"
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------ AHP reference cases
@pytest.mark.parametrize("case", REF_AHP)
@pytest.mark.parametrize("layout", ["full", "typed", "upper"])
def test_ahp_weights_reference(udf_call, reference_cases, case, layout):
    # reference_cases.json: weights computed exactly with numpy; published figures in "source"
    c = ahp_cases(reference_cases)[case]
    m = {"full": c["matrix"], "typed": typed(c["matrix"]), "upper": upper(c["matrix"])}[layout]
    got = udf_call("AHP_WEIGHTS", m)
    assert [row[0] for row in got] == pytest.approx(c["eigen_weights"], abs=1e-9)
    assert all(len(row) == 1 for row in got)  # a column, one weight per matrix row
    got = udf_call("AHP_WEIGHTS", m, [["geomean"]])
    assert [row[0] for row in got] == pytest.approx(c["geomean_weights"], abs=1e-9)


@pytest.mark.parametrize("case", REF_AHP)
def test_ahp_consistency_reference(udf_call, reference_cases, case):
    c = ahp_cases(reference_cases)[case]
    m = typed(c["matrix"])
    assert udf_call("AHP_LAMBDA_MAX", m) == [[pytest.approx(c["lambda_max"], abs=1e-9)]]
    assert udf_call("AHP_CI", m) == [[pytest.approx(c["ci"], abs=1e-9)]]
    assert udf_call("AHP_CR", m) == [[pytest.approx(c["cr"]["cn"], abs=1e-9)]]  # default table cn
    for table in RI_TABLES:
        assert udf_call("AHP_CR", m, [[table]]) == [[pytest.approx(c["cr"][table], abs=1e-9)]]
    table = udf_call("AHP_CONSISTENCY", m, [["saaty1980"]])
    assert [len(r) for r in table] == [2] * 6
    values = dict(zip(["lambda", "ci", "ri", "cr", "pass", "table"], [r[1] for r in table]))
    n = len(m)
    assert values["lambda"] == pytest.approx(c["lambda_max"], abs=1e-9)
    assert values["ci"] == pytest.approx(c["ci"], abs=1e-9)
    assert values["ri"] == pytest.approx(reference_cases["random_index"]["saaty1980"][n - 1])
    assert values["cr"] == pytest.approx(c["cr"]["saaty1980"], abs=1e-9)
    assert values["pass"] is (c["cr"]["saaty1980"] < 0.10)
    assert values["table"] == "saaty1980"
    assert table[0][0].startswith("λmax") and table[3][0].startswith("CR")


def test_ahp_published_figures(udf_call, reference_cases):
    # Saaty (2008) drinks: published w .177 .019 .042 .116 .190 .129 .327 and CR .022 (RI 1.35)
    drinks = typed(reference_cases["ahp"]["drinks"]["matrix"])
    w = [r[0] for r in udf_call("AHP_WEIGHTS", drinks)]
    assert w == pytest.approx([0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327], abs=5e-4)
    assert udf_call("AHP_CR", drinks, [["saaty2005"]])[0][0] == pytest.approx(0.022, abs=5e-4)
    # AHPy README car example: CR .08 with the Donegan-Dodd table
    car = typed(reference_cases["ahp"]["car_criteria"]["matrix"])
    assert udf_call("AHP_CR", car, [["donegan_dodd"]])[0][0] == pytest.approx(0.08, abs=5e-3)


def test_ahp_complete_and_incomplete_weights(udf_call, reference_cases):
    # Bozoki, Fulop, Ronyai (2010): c-d missing, optimal a_cd = 0.730297, w .3738 .3920 .0985 .1357
    c = reference_cases["ahp"]["incomplete_bozoki"]
    full = udf_call("AHP_COMPLETE", typed(c["matrix"]))
    assert full[2][3] == pytest.approx(c["completed_a_cd"], abs=1e-6)
    assert full[3][2] == pytest.approx(1 / c["completed_a_cd"], abs=1e-5)
    w = [r[0] for r in udf_call("AHP_WEIGHTS", typed(c["matrix"]))]
    assert w == pytest.approx(c["eigen_weights"], abs=5e-5)
    # an upper triangle comes back as the full reciprocal matrix
    lead = reference_cases["ahp"]["leader_criteria"]["matrix"]
    assert udf_call("AHP_COMPLETE", upper(lead)) == [pytest.approx(row, abs=1e-12) for row in lead]


def test_ahp_worst(udf_call, reference_cases):
    m = typed(reference_cases["ahp"]["leader_criteria"]["matrix"])
    table = udf_call("AHP_WORST", m, [[1]])
    assert len(table) == 2 and len(table[0]) == 6
    assert table[0][0].startswith("行") and table[0][-1].endswith("CR after")
    # the core's doctest: experience vs charisma (row 1, column 3), 3 -> 2 on the 1-9 scale
    row, col, current, consistent, scale, cr_after = table[1]
    assert (row, col, current, scale) == (1, 3, 3.0, 2.0)
    assert consistent == pytest.approx(2.03, abs=0.01)
    assert cr_after < reference_cases["ahp"]["leader_criteria"]["cr"]["cn"]
    assert len(udf_call("AHP_WORST", m)) == 1 + 3  # default count 3
    assert len(udf_call("AHP_WORST", m, [[None]])) == 1 + 3  # a blank cell means the default


def test_ahp_group(udf_call, reference_cases):
    a = [[1, 2], [0.5, 1]]
    b = [[1, 8], [0.125, 1]]
    # AIJ: geometric mean of 2 and 8 is 4 (equal weights); weights 3:1 give 2^.75 * 8^.25
    assert udf_call("AHP_GROUP", a + b) == [[1.0, pytest.approx(4.0)], [pytest.approx(0.25), 1.0]]
    got = udf_call("AHP_GROUP", typed(a) + typed(b), [[3, 1]])
    assert got[0][1] == pytest.approx(2**0.75 * 8**0.25)
    # AIP: a weight column; identical experts give the expert's own weights
    lead = reference_cases["ahp"]["leader_criteria"]
    got = udf_call("AHP_GROUP", typed(lead["matrix"]) * 3, [[None]], [["aip"]])
    assert [r[0] for r in got] == pytest.approx(lead["eigen_weights"], abs=1e-9)
    with pytest.raises(xw.XlwingsError, match=r"^matrices: 3 rows is not a multiple of 2 columns"):
        udf_call("AHP_GROUP", a + [[1, 3]])
    with pytest.raises(xw.XlwingsError, match=r"^method: 'mean' is not known"):
        udf_call("AHP_GROUP", a + b, [[None]], [["mean"]])


def test_ahp_global_weights(udf_call, reference_cases):
    # the core's doctest: [.6, .4] x [.5, .5, 1] with parents 1, 1, 2 -> .3 .3 .4
    assert udf_call("AHP_GLOBAL_WEIGHTS", [[0.6, 0.4]], [[0.5, 0.5, 1]], [[1, "1", 2]]) == [
        [pytest.approx(0.3), pytest.approx(0.3), pytest.approx(0.4)]
    ]
    # parents by code: parent_weights as a 2-column range (code, weight); column in, column out
    got = udf_call(
        "AHP_GLOBAL_WEIGHTS", [["D1", 0.6], ["D2", 0.4]], column([0.5, 0.5, 1]), column(["D1", "D1", "D2"])
    )
    assert got == [[pytest.approx(0.3)], [pytest.approx(0.3)], [pytest.approx(0.4)]]
    with pytest.raises(xw.XlwingsError, match=r"^parents: row 3 is \"D3\""):
        udf_call("AHP_GLOBAL_WEIGHTS", [["D1", 0.6], ["D2", 0.4]], column([0.5, 0.5, 1]), column(["D1", "D1", "D3"]))


def test_leader_global_priorities_via_bpm_score(udf_call, reference_cases):
    # Wikipedia leader example: global priorities Tom .358, Dick .493, Harry .149
    ref = reference_cases["ahp"]
    crit = udf_call("AHP_WEIGHTS", typed(ref["leader_criteria"]["matrix"]))
    local = [udf_call("AHP_WEIGHTS", typed(ref["leader_alternatives"][c]["matrix"])) for c in ref["leader_criteria"]["labels"]]
    for k, expected in enumerate(ref["leader_global"]["weights"]):
        per_criterion = [[w[k][0] for w in local]]  # a row: scores may be rows, weights a column
        assert udf_call("BPM_SCORE", crit, per_criterion) == [[pytest.approx(expected, abs=1e-9)]]


# ------------------------------------------------------------------------------ Delphi
def test_kendall_w_reference(udf_call, reference_cases):
    # NAG g08daf: 3 raters x 10 objects, W = 0.828, p = 0.008 (tie-corrected)
    k = reference_cases["kendall_w"]
    table = udf_call("KENDALL_W", k["ratings"])
    assert [r[0].split()[0] for r in table] == ["W", "χ²", "自由度", "P值"]
    assert [r[1] for r in table] == [
        pytest.approx(k["w"], abs=1e-12), pytest.approx(k["chi2"], abs=1e-9), k["df"], pytest.approx(k["p"], abs=1e-9)
    ]


def test_delphi_authority_reference(udf_call, reference_cases):
    # BMJ Open round 1: Ca = 15.1/16, Cs = 12.4/16, Cr = 0.859375
    a = reference_cases["delphi_authority"]
    assert udf_call("DELPHI_AUTHORITY", [[a["ca"]]], [[a["cs"]]]) == [[pytest.approx(a["cr"])]]
    # per expert, in the orientation of ca: column in, column out; row in, row out
    assert udf_call("DELPHI_AUTHORITY", [[0.9], [0.8]], [[0.8, 0.6]]) == [[pytest.approx(0.85)], [pytest.approx(0.7)]]
    assert udf_call("DELPHI_AUTHORITY", [[0.9, 0.8]], [[0.8], [0.6]]) == [[pytest.approx(0.85), pytest.approx(0.7)]]


def test_delphi_stats(udf_call):
    # the core's doctest: means 4.5 and 3.667, full-score frequencies .5 and 0
    table = udf_call("DELPHI_STATS", [[5, 4], [4, 4], [5, "3"], [4, None]])
    assert table[0] == ["指标 indicator", "均值 mean", "标准差 SD", "变异系数 CV", "满分频率 full-score"]
    ind, mean, sd, cv, full = table[1]
    assert (ind, mean, full) == (1, 4.5, 0.5)
    assert sd == pytest.approx(math.sqrt(1 / 3)) and cv == pytest.approx(sd / 4.5)
    assert table[2][0] == 2 and table[2][1] == pytest.approx(11 / 3) and table[2][4] == 0.0
    # one rating: SD and CV do not exist -> empty text, never NaN
    assert udf_call("DELPHI_STATS", [[5, 4], [None, 3]])[1][2:4] == ["", ""]
    # full_score changes the frequency and the allowed range
    assert udf_call("DELPHI_STATS", [[9, 10]], [[10]])[2][4] == 1.0


def test_delphi_screen(udf_call):
    # the core's doctest: indicator 2 mean 3.25 < 3.5 is dropped
    assert udf_call("DELPHI_SCREEN", [[4, 3], [4, 3], [5, 4], [4, 3]]) == [["保留 keep", "删除 drop: mean 3.25 < 3.5"]]
    assert udf_call("DELPHI_SCREEN", [[4, 3], [4, 3], [5, 4], [4, 3]], [[3]]) == [["保留 keep", "保留 keep"]]
    got = udf_call("DELPHI_SCREEN", [[4, 5], [4, 2], [5, 5]], [[None]], [[0.1]])
    assert got[0][0] == "删除 drop: cv 0.13 > 0.1" and got[0][1].startswith("删除 drop: ")


# ------------------------------------------------------------------------------ scoring
def test_indicator_scores(udf_call):
    # the core's doctest: blanks skipped, numeric text accepted; a row under the columns
    assert udf_call("BPM_INDICATOR_SCORES", [[5, 4], [4, None], [3, "4"]]) == [[4.0, 4.0]]
    assert udf_call("BPM_INDICATOR_SCORES", [[10, 0], [8, 5]], [[0]], [[10]]) == [[9.0, 2.5]]
    with pytest.raises(xw.XlwingsError, match=r"^responses: respondent 2 \(row 2\), indicator 1 \(column 1\) is 7; answers must be between 1 and 5$"):
        udf_call("BPM_INDICATOR_SCORES", [[5, 4], [7, 4]])


def test_score_rating_fuzzy(udf_call, reference_cases):
    # the core's doctest: .25 .2 .25 .3 x 4.2 3.9 4.0 4.1 = 4.06; rows and columns mix
    assert udf_call("BPM_SCORE", [[0.25, 0.2, 0.25, 0.3]], column([4.2, 3.9, 4.0, 4.1])) == [[pytest.approx(4.06)]]
    # DESIGN.md 6: 4.0296 / 5 -> 80.6 points -> 良 (B) under 财预〔2020〕10号
    assert udf_call("BPM_RATING", [[4.0296]]) == [["B"]]
    assert udf_call("BPM_RATING", [[90]], [[100]]) == [["A"]]
    assert udf_call("BPM_RATING", [[59.9]], [[100]]) == [["D"]]
    bands = [["优", 85, "优秀"], ["良", 75, None], ["中", 60, None], ["差", 0, None]]
    assert udf_call("BPM_RATING", [[80.6]], [[100]], bands) == [["良"]]
    assert udf_call("BPM_RATING", [["4.0296"]], [[None]], [[None, None]] * 2 + bands) == [["良"]]
    # Si Shoukui textbook: B = (.175, .53, .275, .02, 0), largest membership the 2nd grade
    f = reference_cases["fuzzy_evaluation"]
    table = udf_call("BPM_FUZZY", column(f["weights"]), f["memberships"])
    assert table[0] == ["B1", "B2", "B3", "B4", "B5", "等级 grade"]
    assert table[1][:-1] == pytest.approx(f["b"], abs=1e-12)
    assert table[1][-1] == f["grade_index"] == 2


def test_priorities(udf_call):
    # the core's doctest: b (weighted gap .8) before a (.3)
    table = udf_call("BPM_PRIORITIES", [["a", "b"]], [[0.6, 0.4]], [[4.5, 3.0]])
    assert table[0] == ["排名 rank", "指标 indicator", "权重 weight", "得分 score", "差距 gap", "加权差距 weighted gap", "占比 share"]
    assert table[1][:2] == [1, "b"] and table[1][5] == pytest.approx(0.8)
    assert table[2][:2] == [2, "a"] and table[2][5] == pytest.approx(0.3)
    assert table[1][6] + table[2][6] == pytest.approx(1.0)
    assert udf_call("BPM_PRIORITIES", column(["a", "b"]), column([0.6, 0.4]), column([90, 60]), [[100]])[1][1] == "b"


# ------------------------------------------------------------------------------ errors
BAD = [
    ("AHP_WEIGHTS", ([[1, 3], [3, 1]],), r"^matrix: row 1, column 2 is 3 but row 2, column 1 is 3"),
    ("AHP_WEIGHTS", ([[1, "abc"], [None, 1]],), r"^matrix: row 1, column 2 is .abc."),
    ("AHP_WEIGHTS", ([[1, 2, 3], [1, 1, 1]],), r"^matrix: "),
    ("AHP_WEIGHTS", ([[1, 2], [0.5, 1]], [["power"]]), r"^method: "),
    ("AHP_CR", ([[1, 2], [0.5, 1]], [["us"]]), r"^random_index: "),
    ("AHP_WORST", ([[1, 2], [0.5, 1]], [["many"]]), r"^count: "),
    ("BPM_SCORE", ([[0.5, 0.6]], [[4, 4]]), r"^weights: the weights sum to 1.1; they must sum to 1$"),
    ("BPM_SCORE", ([[0.5, 0.5]], [[4, 4, 4]]), r"^scores: 3 scores for 2 weights"),
    ("BPM_RATING", ([[6]],), r"^score: 6 must be between 0 and 5$"),
    ("BPM_RATING", ([[4]], [[5]], [["A", "high"]]), r"^bands: row 1, column 2"),
    ("KENDALL_W", ([[1, 2, None], [1, 2, 3]],), r"^ratings: rater 1 \(row 1\), object 3 \(column 3\) is blank"),
    ("DELPHI_AUTHORITY", ([[0.5, 0.6]], [[0.5]]), r"^cs: 1 values for 2 values of ca"),
    ("DELPHI_STATS", ([[5, 6]],), r"^ratings: expert 1 \(row 1\), indicator 2 \(column 2\) is 6"),
    ("BPM_FUZZY", ([[1]], [[0.5, 0.4]]), r"^memberships: row 1 sums to 0.9"),
]


@pytest.mark.parametrize("func, args, message", BAD, ids=[f"{b[0]}-{k}" for k, b in enumerate(BAD)])
def test_bad_input_gives_the_core_message(udf_call, func, args, message):
    with pytest.raises(xw.XlwingsError, match=message) as info:
        udf_call(func, *args)
    assert "\n" not in str(info.value) and "Traceback" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unexpected_errors_propagate(udf_call, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(bpm_xl.udfs.scoring, "weighted_score", broken)
    with pytest.raises(ZeroDivisionError, match="a bug"):
        udf_call("BPM_SCORE", [[1]], [[4]])


def test_plain_python_keeps_the_core_error(monkeypatch):
    # Without an Excel runtime (xw.func a no-op) the core's BpmError is kept for Python callers.
    monkeypatch.setattr(xw.func, "__module__", "xlwings")
    with pytest.raises(BpmError, match="^matrix: "):
        bpm_xl.udfs.AHP_WEIGHTS([[1, 3], [3, 1]])


def test_results_are_json_safe(udf_call):
    # what the Office.js add-in receives must survive JSON (no NaN / Infinity)
    for func, args in [
        ("DELPHI_STATS", ([[5, 4], [None, 3]],)),
        ("AHP_GROUP", ([[1, None], [None, 1], [1, 2], [0.5, 1]],)),
        ("AHP_GROUP", ([[1, None, 2], [None, 1, None], [None, None, 1]] * 2,)),
    ]:
        json.dumps(udf_call(func, *args), allow_nan=False)


def test_consistency_follows_the_weighting_method(udf_call, reference_cases):
    # the workbook passes its method setting, so CR agrees with bpm_xl.evaluate under geomean too
    from bpm_xl import ahp_weights

    m = reference_cases["ahp"]["car_criteria"]["matrix"]
    for method in ("eigen", "geomean", "arith"):
        expected = ahp_weights(m, method=method).consistency_ratio
        assert udf_call("AHP_CR", m, [["cn"]], [[method]]) == [[pytest.approx(expected, rel=1e-12)]]
        table = udf_call("AHP_CONSISTENCY", m, [[None]], [[method]])
        assert table[3][1] == pytest.approx(expected, rel=1e-12)
    geo = ahp_weights(m, method="geomean").consistency_ratio
    eig = ahp_weights(m, method="eigen").consistency_ratio
    assert geo != pytest.approx(eig, rel=1e-6)  # the argument matters for this matrix


def test_group_aip_uses_the_weight_method(udf_call, reference_cases):
    from bpm_xl import aggregate_priorities, ahp_weights

    a = reference_cases["ahp"]["car_criteria"]["matrix"]
    b = reference_cases["ahp"]["leader_criteria"]["matrix"]
    got = udf_call("AHP_GROUP", a + b, [[0.6], [0.4]], [["aip"]], [["geomean"]])
    expected = aggregate_priorities([ahp_weights(a, "geomean").weights, ahp_weights(b, "geomean").weights], [0.6, 0.4])
    assert [r[0] for r in got] == pytest.approx(list(expected), rel=1e-12)
