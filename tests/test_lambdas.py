"""The functions as LAMBDA names (bpm_xl/layout/lambdas.py), recalculated by formulon.

formulon (pinned in the test extras) is an Excel 365 engine compiled to WebAssembly; it is the
only engine here that has LAMBDA. Each test builds one small workbook, so formulon starts once
per module fixture (~5 s) and recalculates in seconds:

* 2,000 random Saaty matrices n = 2..15 (full, upper triangle as numbers, upper triangle as text
  such as "1/3") and every judgment matrix of the study's example: AHP_WEIGHTS, AHP_LAMBDA_MAX
  and AHP_CR equal the core to 1e-9;
* hostile input gives an error value, never a number, where the core refuses it too;
* input the core reads gives the core's numbers (full-width text, rounded reciprocals ...);
* the function library ``bpm-xl functions`` writes: every example equals its Python twin
  (bpm_xl.udfs called on the same cells) and its cached value.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import numpy as np
import openpyxl
import pytest
import xlsxwriter
import xlwings

from bpm_xl import ahp, delphi, scoring, udfs
from bpm_xl.errors import (
    MatrixShapeError,
    MatrixValueError,
    MissingValueError,
    NotReciprocalError,
    ScaleError,
    SettingsError,
)
from bpm_xl.example import load_example
from bpm_xl.layout import lambdas, method
from bpm_xl.writers.lambdas import add_comments, define_names

from .formulon_engine import every_formula_shows_its_cached_value, is_error, recalc, value

pytestmark = pytest.mark.formulon

class _Book:
    """A one-sheet workbook with the LAMBDA names; ``put`` writes a range, ``call`` a formula."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {"in_memory": True, "strings_to_numbers": False})
        self.ws = self.wb.add_worksheet()
        define_names(self.wb)
        self.row = 0

    def put(self, cells, col: int = 0) -> str:
        """Write a 2-D list at the next free row; returns its A1 range."""
        r0 = self.row
        for i, row in enumerate(cells):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, bool):
                    self.ws.write_boolean(r0 + i, col + j, v)
                elif isinstance(v, str) and v.startswith("="):
                    self.ws.write_formula(r0 + i, col + j, v)
                elif isinstance(v, str):
                    self.ws.write_string(r0 + i, col + j, v)
                else:
                    self.ws.write_number(r0 + i, col + j, float(v))
        self.row += max(len(cells), 1)
        width = max(len(r) for r in cells)
        return xlsxwriter.utility.xl_range_abs(r0, col, r0 + len(cells) - 1, col + width - 1)

    def call(self, r: int, c: int, formula: str, rows: int = 1, cols: int = 1) -> tuple[int, int]:
        self.ws.write_dynamic_array_formula(r, c, r + rows - 1, c + cols - 1, formula)
        return r, c

    def bytes(self) -> bytes:
        self.wb.close()
        return self.buf.getvalue()


# ----------------------------------------------------------------------------- the text
def test_stored_form_prefixes_new_functions_and_parameters():
    assert lambdas.stored("=LAMBDA(x, [y], LET(z, x + 1, IF(ISOMITTED(y), z, SEQUENCE(z))))") == (
        "_xlfn.LAMBDA(_xlpm.x,[_xlpm.y],_xlfn.LET(_xlpm.z,_xlpm.x+1,"
        "IF(_xlfn.ISOMITTED(_xlpm.y),_xlpm.z,_xlfn.SEQUENCE(_xlpm.z))))")
    # a number's exponent is not a parameter named e; text stays text
    assert lambdas.stored('=LAMBDA(e, e*1E-9&"e")') == '_xlfn.LAMBDA(_xlpm.e,_xlpm.e*1E-9&"e")'


def test_stored_form_refuses_an_unknown_function_and_a_name_excel_reads_as_a_cell():
    with pytest.raises(ValueError, match="unknown function 'SQRTT'"):
        lambdas.stored("=LAMBDA(x, SQRTT(x))")
    with pytest.raises(ValueError, match="'d2' reads as a cell reference"):
        lambdas.stored("=LAMBDA(x, LET(d2, x, d2))")


def test_every_name_fits_excel_and_takes_the_python_arguments():
    import inspect

    for x in lambdas.library():
        assert len(x.stored) < 8192, x.name  # Excel's limit for a name's formula
        assert x.stored.startswith("_xlfn.LAMBDA(_xlpm.")
        py = list(inspect.signature(getattr(udfs, x.name)).parameters)
        assert [p.strip("[]") for p in x.params] == [lambdas.EXCEL_PARAMS.get(p, p) for p in py], x.name
        assert len(x.comment_zh) < 256 and len(x.comment_en) < 256  # Name Manager's comment limit


def test_constants_come_from_the_core():
    text = lambdas.library()[3].text  # AHP_CR
    for table in ("cn", "saaty1980", "saaty2005", "donegan_dodd"):
        row = ",".join(str(int(v)) if float(v).is_integer() else repr(v) for v in ahp.RANDOM_INDEX[table])
        assert row in text, table
    slope, intercept = ahp.ALONSO_LAMATA
    assert method.alonso_lamata_ri("7") == f"IF(7<=2,0,({slope!r}*7-{intercept!r})/(7-1))"
    assert (slope * 7 - intercept) / 6 == ahp.random_index(7, "alonso_lamata")
    assert repr(ahp.JUDGMENT_LIMIT).rstrip("0").rstrip(".") in text and repr(ahp.RECIPROCAL_TOL) in text


def test_comments_are_written_as_name_manager_comments():
    b = _Book()
    data = add_comments(b.bytes(), "en")
    book = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    for x in lambdas.library():
        m = re.search(rf'<definedName name="{x.name}" comment="([^"]*)">_xlfn\.LAMBDA\(', book)
        assert m, x.name
    assert 'comment="Priority weights of a pairwise comparison matrix' in book


# ----------------------------------------------------------------------------- the iteration
def _random(rng, n, values=ahp.SAATY_SCALE):
    a = np.ones((n, n))
    iu = np.triu_indices(n, 1)
    a[iu] = rng.choice(values, size=len(iu[0]))
    a[iu[1], iu[0]] = 1 / a[iu]
    return a


def test_squarings_reach_the_eigenvector_of_extreme_matrices():
    """Judgments of 1000, 1 and 1/1000 (the limit) give |lambda_2| / lambda_max up to ~0.9985, which
    A^(2^16) still separates; 8 squarings (A^256) would not (the numpy mirror of the formula)."""
    rng = np.random.default_rng(3)
    worst, short = 0.0, 0.0
    for _ in range(200):
        a = _random(rng, int(rng.integers(3, 16)), np.array([1000, 1, 1 / 1000]))
        r = ahp.ahp_weights(a)
        w = method.eigen(a).weights
        lam = method.lambda_max_value(a, w)
        worst = max(worst, np.abs(w - r.weights).max(), abs(lam - r.lambda_max) / r.lambda_max)
        short = max(short, np.abs(method.eigen(a, squarings=8).weights - r.weights).max())
    assert worst < 1e-12
    assert short > 1e-6


# ----------------------------------------------------------------------------- 2,000 matrices
def _text(v: float) -> str:
    return str(int(round(v))) if v >= 1 else f"1/{int(round(1 / v))}"


@pytest.fixture(scope="module")
def random_book():
    """2,000 random matrices (n = 2..15) and the example's, each with AHP_WEIGHTS, _LAMBDA_MAX, _CR."""
    rng = np.random.default_rng(2026)
    cases = []
    for k in range(2000):
        a = _random(rng, int(rng.integers(2, 16)))
        n = len(a)
        style = k % 3  # full matrix, upper triangle of numbers, upper triangle of text
        cells = [[(a[i, j] if style == 0 else None if j < i else a[i, j] if style == 1 else _text(a[i, j]))
                  for j in range(n)] for i in range(n)]
        cases.append(cells)
    example = load_example()
    cases += [m for node in example.judgments.values() for m in node.values()]
    b = _Book()
    where = []
    for cells in cases:
        r0 = b.row
        rng_ = b.put(cells)
        n = len(cells)
        b.call(r0, 16, f"=AHP_WEIGHTS({rng_})", rows=n)
        b.call(r0, 17, f"=AHP_LAMBDA_MAX({rng_})")
        b.call(r0, 18, f"=AHP_CR({rng_})")
        where.append((r0, n))
    return recalc(b.bytes()), [ahp.ahp_weights(cells) for cells in cases], where


def _results(random_book):
    """(core result, formulon, first row, n) of every complete matrix; an incomplete one (the
    example's expert E07 on P leaves a pair blank: the core completes it) shows #N/A in all three."""
    fw, cores, where = random_book
    complete = 0
    for core, (r0, n) in zip(cores, where):
        if core.n_missing:
            assert [value(fw, r0, c) for c in (16, 17, 18)] == ["#NA"] * 3
            continue
        complete += 1
        yield core, fw, r0, n
    assert complete >= 2000 + 70


def test_weights_equal_the_core_on_2000_matrices_and_the_example(random_book):
    worst = 0.0
    for core, fw, r0, n in _results(random_book):
        got = np.array([value(fw, r0 + i, 16) for i in range(n)], dtype=float)
        worst = max(worst, float(np.abs(got - core.weights).max()))
    assert worst < 1e-9


def test_lambda_max_equals_the_core_on_2000_matrices_and_the_example(random_book):
    worst = max(abs(value(fw, r0, 17) - core.lambda_max) for core, fw, r0, n in _results(random_book))
    assert worst < 1e-9


def test_cr_equals_the_core_on_2000_matrices_and_the_example(random_book):
    worst = max(abs(value(fw, r0, 18) - core.consistency_ratio) for core, fw, r0, n in _results(random_book))
    assert worst < 1e-9


# ----------------------------------------------------------------------------- the edges
# (id, cells, the core's refusal); each is called through AHP_WEIGHTS, _LAMBDA_MAX, _CI, _CR, _COMPLETE
HOSTILE = [
    ("not square", [[1, 2, 3], [None, 1, 2]], MatrixShapeError, "must be a square range"),
    ("empty", [[None, None], [None, None]], MatrixShapeError, "is empty"),
    ("zero", [[1, 0], [None, 1]], MatrixValueError, "is 0"),
    ("negative", [[1, -3], [None, 1]], MatrixValueError, "is -3"),
    ("zero as text", [[1, "0"], [None, 1]], MatrixValueError, "is 0"),
    ("zero denominator", [[1, "1/0"], [None, 1]], MatrixValueError, '"1/0"'),
    ("not reciprocal", [[1, 3, 2], [3, 1, 2], [None, None, 1]], NotReciprocalError, "it should be 1/3"),
    ("diagonal", [[2, 3], [None, 1]], MatrixValueError, "the diagonal must be 1"),
    ("text", [[1, "abc"], [None, 1]], MatrixValueError, '"abc"'),
    ("percent", [[1, "3%"], [None, 1]], MatrixValueError, '"3%"'),
    ("date-like", [[1, "1-2"], [None, 1]], MatrixValueError, '"1-2"'),
    ("two slashes", [[1, "1/2/3"], [None, 1]], MatrixValueError, '"1/2/3"'),
    ("beyond the limit", [[1, 2000], [None, 1]], MatrixValueError, "must lie between"),
    ("below the limit", [[1, "1/2000"], [None, 1]], MatrixValueError, "must lie between"),
    ("logical", [[1, True], [None, 1]], MatrixValueError, "TRUE"),
    ("error value", [[1, "=NA()"], [None, 1]], MatrixValueError, "the error value #N/A"),
]
HOSTILE_CORE = {"error value": [[1, "#N/A"], [None, 1]]}  # what the core receives for =NA()
FUNCS = ("AHP_WEIGHTS", "AHP_LAMBDA_MAX", "AHP_CI", "AHP_CR", "AHP_COMPLETE", "AHP_CONSISTENCY")

# input the core reads: the LAMBDA must give the core's weights
READ_ALIKE = [
    ("fraction text", [[1, "1/3", 2], [None, 1, 4], [None, None, 1]]),
    ("spaces", [[1, " 1 / 3 ", " 2 "], [None, 1, 4], [None, None, 1]]),
    ("full-width", [[1, "１／３", "２"], [None, 1, "４"], [None, None, 1]]),
    ("rounded reciprocal", [[1, 3, 2], [0.33, 1, 4], [0.5, 0.25, 1]]),
    ("lower only", [[1, None, None], ["1/3", 1, None], [0.5, 0.25, 1]]),
    ("mixed", [[None, 3, None], [None, None, 4], [0.5, None, None]]),
    ("exponent and sign", [[1, "3e0", "+2"], [None, 1, "4.0"], [None, None, 1]]),
    ("one by one", [[1]]),
]


@pytest.fixture(scope="module")
def edge_book():
    b = _Book()
    at = {}
    for cid, cells, *_ in HOSTILE + [(c, m) for c, m in READ_ALIKE]:
        r0 = b.row
        rng_ = b.put(cells)
        n = max(len(cells), len(cells[0]))
        for k, f in enumerate(FUNCS):
            b.call(r0, 20 + 20 * k, f"={f}({rng_})")  # each spills freely: 20 columns apart
        b.row = r0 + max(n, 6) + 1  # AHP_CONSISTENCY spills 6 rows
        at[cid] = (r0, n)
    # options, the table's end, and the other functions' refusals
    r0 = b.row
    good = b.put([[1, 3, 5], [None, 1, 2], [None, None, 1]])
    b.call(r0, 20, f'=AHP_WEIGHTS({good},"foo")')
    b.call(r0, 21, f'=AHP_CR({good},"nosuchtable")')
    b.call(r0, 22, f'=AHP_CR({good},"alonso_lamata","geomean")')
    b.call(r0, 23, f'=AHP_WEIGHTS({good},"ARITH ")')
    b.row = r0 + 4
    at["options"] = (r0, 3)
    r16 = b.row
    big = b.put([[1.2 ** (j - i) for j in range(16)] for i in range(16)])
    b.call(r16, 20, f"=AHP_CR({big})")
    b.call(r16, 21, f'=AHP_CR({big},"alonso_lamata")')
    b.call(r16, 22, f"=AHP_WEIGHTS({big})", rows=16)
    at["n16"] = (r16, 16)
    r3 = b.row
    blank_pair = b.put([[1, 2, None], [None, 1, 3], [None, None, 1]])
    b.call(r3, 20, f"=AHP_WEIGHTS({blank_pair})")
    b.call(r3, 21, f"=AHP_COMPLETE({blank_pair})")
    b.call(r3, 22, f"=AHP_GROUP({blank_pair})", rows=3, cols=3)
    b.row = r3 + 4
    at["blank pair"] = (r3, 3)
    ro = b.row
    ratings = b.put([[1, 2, 3], [2, None, 3]])
    ca = b.put([[0.5], [1.5]])
    cs = b.put([[0.5], [0.5]])
    w = b.put([[0.5, 0.4]])
    s = b.put([[4, 3]])
    stack = b.put([[1, 2], [None, 1], [1, 3]])
    b.call(ro, 20, f"=KENDALL_W({ratings})", rows=4, cols=2)
    b.call(ro, 23, f"=DELPHI_AUTHORITY({ca},{cs})", rows=2)
    b.call(ro, 24, f"=BPM_SCORE({w},{s})")
    b.call(ro, 25, "=BPM_RATING(6)")
    b.call(ro, 26, f"=AHP_GROUP({stack})", rows=2, cols=2)
    b.call(ro, 27, '=BPM_RATING(4.0296,5,{"A",90;"B",80;"A",60})')
    answers = b.put([[1, 5], [7, None]])
    b.call(ro, 28, f"=BPM_INDICATOR_SCORES({answers})", cols=2)
    at["others"] = (ro, 0)
    rb = b.row
    bands = b.put(BANDS)
    for k, (score, top) in enumerate(RATED):
        b.call(rb, 20 + k, f"=BPM_RATING({score},{top},{bands})")
        b.call(rb + 1, 20 + k, f"=BPM_RATING({score},{top})")
    at["bands"] = (rb, 0)
    rs = b.row
    for k, cells in enumerate(STATS_CASES):
        rng_ = b.put(cells)
        b.call(rs, 20 + 6 * k, f"=DELPHI_STATS({rng_})", rows=len(cells[0]) + 1, cols=5)
    b.row = max(b.row, rs + 4)
    at["stats"] = (rs, 0)
    return recalc(b.bytes()), at


@pytest.mark.parametrize("cid, cells, error, match", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_matrix_gives_error_values_as_the_core_refuses(edge_book, cid, cells, error, match):
    with pytest.raises(error, match=match):
        ahp.ahp_weights(HOSTILE_CORE.get(cid, cells))
    fw, at = edge_book
    r0, _ = at[cid]
    got = [value(fw, r0, 20 + 20 * k) for k in range(len(FUNCS))]
    assert all(is_error(g) for g in got), got


@pytest.mark.parametrize("cid, cells", READ_ALIKE, ids=[c for c, _ in READ_ALIKE])
def test_input_the_core_reads_gives_the_core_s_numbers(edge_book, cid, cells):
    fw, at = edge_book
    r0, n = at[cid]
    core = ahp.ahp_weights(cells, random_index="cn")
    assert value(fw, r0, 20) == pytest.approx(core.weights[0], abs=1e-12)
    assert value(fw, r0, 40) == pytest.approx(core.lambda_max, abs=1e-12)
    assert value(fw, r0, 60) == pytest.approx(core.consistency_index, abs=1e-12)
    assert value(fw, r0, 80) == pytest.approx(core.consistency_ratio, abs=1e-12)
    complete = np.array([[value(fw, r0 + i, 100 + j) for j in range(n)] for i in range(n)])
    assert np.abs(complete - core.matrix).max() < 1e-15
    table = [value(fw, r0 + i, 121) for i in range(6)]
    assert table[:4] == pytest.approx([core.lambda_max, core.consistency_index, core.random_index,
                                       core.consistency_ratio], abs=1e-12)
    assert table[4:] == [core.acceptable, "cn"]


def test_options_read_as_the_core_reads_them(edge_book):
    fw, at = edge_book
    r0, _ = at["options"]
    good = [[1, 3, 5], [None, 1, 2], [None, None, 1]]
    with pytest.raises(SettingsError, match='unknown method "foo"'):
        ahp.ahp_weights(good, method="foo")
    with pytest.raises(SettingsError, match='unknown table "nosuchtable"'):
        ahp.ahp_weights(good, random_index="nosuchtable")
    assert value(fw, r0, 20) == "#VALUE"
    assert value(fw, r0, 21) == "#VALUE"
    assert value(fw, r0, 22) == pytest.approx(
        ahp.ahp_weights(good, method="geomean", random_index="alonso_lamata").consistency_ratio, abs=1e-12)
    assert value(fw, r0, 23) == pytest.approx(ahp.ahp_weights(good, method="arith").weights[0], abs=1e-15)


def test_n_beyond_the_table_is_an_error_for_cr_only(edge_book):
    fw, at = edge_book
    r0, n = at["n16"]
    big = [[1.2 ** (j - i) for j in range(16)] for i in range(16)]
    with pytest.raises(SettingsError, match="no random index for n = 16"):
        ahp.ahp_weights(big, random_index="cn")
    assert value(fw, r0, 20) == "#NA"
    assert value(fw, r0, 21) == pytest.approx(ahp.ahp_weights(big, random_index="alonso_lamata").consistency_ratio,
                                              abs=1e-12)
    weights = np.array([value(fw, r0 + i, 22) for i in range(16)])
    assert np.abs(weights - ahp.ahp_weights(big, random_index="alonso_lamata").weights).max() < 1e-12


def test_a_pair_blank_on_both_sides_is_refused_where_the_core_completes_it(edge_book):
    """The documented difference: the core completes the pair (lambda-max-optimal); a formula has
    no optimiser, so the LAMBDA edition shows #N/A rather than a different number. AHP_GROUP
    (aij) leaves a pair nobody judged empty, as the Python function does."""
    fw, at = edge_book
    r0, _ = at["blank pair"]
    cells = [[1, 2, None], [None, 1, 3], [None, None, 1]]
    assert ahp.ahp_weights(cells).n_missing == 1
    assert value(fw, r0, 20) == "#NA"
    assert value(fw, r0, 21) == "#NA"
    assert value(fw, r0, 24) in ("", None)  # AHP_GROUP's row 1, column 3
    assert udfs.AHP_GROUP(cells)[0][2] == ""


def test_other_functions_refuse_as_the_core_does(edge_book):
    fw, at = edge_book
    r0, _ = at["others"]
    with pytest.raises(MissingValueError, match="is blank"):
        delphi.kendall_w([[1, 2, 3], [2, None, 3]])
    with pytest.raises(ScaleError, match="must be between 0 and 1"):
        delphi.authority([0.5, 1.5], [0.5, 0.5])
    with pytest.raises(ScaleError):
        scoring.weighted_score([0.5, 0.4], [4, 3])
    with pytest.raises(ScaleError):
        scoring.rate(6)
    # the shape rule lives in the Python function (its error is the runtime's cell error)
    with pytest.raises((MatrixShapeError, xlwings.XlwingsError), match="not a multiple"):
        udfs.AHP_GROUP([[1, 2], [None, 1], [1, 3]])
    with pytest.raises(SettingsError, match="appears more than once"):
        scoring.bands_from_table([("A", 90), ("B", 80), ("A", 60)])
    with pytest.raises(ScaleError, match="answers must be between 1 and 5"):
        scoring.indicator_scores([[1, 5], [7, None]])
    for c in (20, 23, 24, 25, 26, 27, 28):
        assert is_error(value(fw, r0, c)), c


STATS_CASES = [[[5, 4], [4, None], [5, None]], [[5, 4], [4, 6]], [[5, "x"], [4, 3]]]


def test_delphi_stats_as_the_python_function(edge_book):
    """A single rating has no SD (an empty text cell, as the Python function shows); a rating off
    the scale or text is refused."""
    fw, at = edge_book
    rs, _ = at["stats"]
    want = udfs.DELPHI_STATS(STATS_CASES[0])
    got = [[value(fw, rs + i, 20 + j) for j in range(5)] for i in range(len(want))]
    assert got[0] == want[0]
    assert want[2][2:4] == ["", ""] == got[2][2:4]  # indicator 2 has one rating
    for g, w in zip(got[1:], want[1:]):
        for x, y in zip(g, w):
            assert x == y == "" or x == pytest.approx(y, abs=1e-12)
    for k in (1, 2):
        with pytest.raises(ScaleError, match="ratings must be between 1 and 5"):
            delphi.indicator_stats(STATS_CASES[k])
        assert is_error(value(fw, rs, 20 + 6 * k))


BANDS = [["A", 90, "优"], ["B", 80, "良"], [None, None, None], ["D", 0, "差"], ["C", 60, "中"]]
RATED = [(4.0296, 5), (79.995, 100), (79.994999, 100), (59.99, 100), (100, 100), (0, 5)]


def test_rating_bands_as_the_core_grades(edge_book):
    """Bands typed in any order with a blank row, the grade decided on ROUND(score100, 2)."""
    fw, at = edge_book
    rb, _ = at["bands"]
    rule = scoring.bands_from_table(BANDS)
    for k, (score, top) in enumerate(RATED):
        assert value(fw, rb, 20 + k) == scoring.rate(score, top, rule).grade, (score, top)
        assert value(fw, rb + 1, 20 + k) == scoring.rate(score, top).grade, (score, top)


# ----------------------------------------------------------------------------- the library
_CALL = re.compile(r"^=?([A-Z_]+)\((.*)\)$")


def _args(text: str, sheet) -> list:
    out = []
    for a in text.split(","):
        a = a.strip()
        if a.startswith('"'):
            out.append(a.strip('"'))
        elif ":" in a:
            out.append([[c.value for c in row] for row in sheet[a.replace("$", "")]])
        else:
            out.append(sheet[a.replace("$", "")].value)
    return out


def test_the_function_library_shows_what_the_python_twins_give(tmp_path):
    from bpm_xl import service

    path = service.write_functions(tmp_path / "bpm_functions.xlsx", lang="en")
    data = path.read_bytes()
    fw = recalc(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    si = book.sheetnames.index("Examples")
    sheet, shown = book["Examples"], cached["Examples"]
    names = set()
    for row in sheet.iter_rows():
        for c in row:
            f = getattr(c.value, "text", None)
            if not f:
                continue
            name, argtext = _CALL.match(f).groups()
            names.add(name)
            twin = getattr(udfs, name)(*_args(argtext, shown))
            grid = twin if isinstance(twin, list) else [[twin]]
            for i, trow in enumerate(grid):
                for j, want in enumerate(trow):
                    got = value(fw, c.row - 1 + i, c.column - 1 + j, sheet=si)
                    stored = shown.cell(c.row + i, c.column + j).value
                    if isinstance(want, str):
                        assert got == want == stored, (name, i, j)
                    else:
                        assert got == pytest.approx(want, abs=1e-9), (name, i, j)
                        assert stored == pytest.approx(want, abs=1e-12), (name, i, j)
    assert names == set(lambdas.NAMES)


# ----------------------------------------------------------------------------- the portable files
def _named_cells(book, name: str) -> list[tuple[int, int, int]]:
    """(sheet index, row, column) 0-based of every cell of a workbook-level defined name."""
    dest = list(book.defined_names[name].destinations)
    out = []
    for title, ref in dest:
        si = book.sheetnames.index(title)
        cells = book[title][ref.replace("$", "")]
        rows = cells if isinstance(cells, tuple) else ((cells,),)
        for row in rows:
            for c in row if isinstance(row, tuple) else (row,):
                out.append((si, c.row - 1, c.column - 1))
    return out


@pytest.fixture(scope="module")
def evaluate_json():
    import json

    from typer.testing import CliRunner

    from bpm_xl.cli import app

    res = CliRunner().invoke(app, ["evaluate", "example", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["export", "hub"])
def test_the_portable_files_recalculated_by_formulon_equal_evaluate_json(tmp_path, evaluate_json, kind):
    """The portable export and hub (native formulas, ~42,000 formula cells, 0.6 MB; formulon takes
    ~35 s of CPU to load one) recalculated by an Excel 365 engine: total, grade and every weight
    as ``evaluate --json``, every formula its cached value, and a LAMBDA name typed into a new cell
    weighs the hub's judgments as the core does."""
    from bpm_xl import service

    if kind == "export":
        path = service.export_file("example", tmp_path / "ex.xlsx", lang="zh")
    else:
        path = service.new_workbook(tmp_path / "hub.xlsx", lang="zh", portable=True)
    data = path.read_bytes()
    fw = recalc(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert set(lambdas.NAMES) - {"BPM_RATING"} <= set(book.defined_names)  # BPM_RATING: the grade cell

    def at(name):
        return [value(fw, r, c, si) for si, r, c in _named_cells(book, name)]

    want = evaluate_json
    assert at("BPM_TOTAL")[0] == pytest.approx(want["total"], abs=1e-12)
    assert at("BPM_RATING")[0] == want["rating"]["grade"]
    weights = [x["global_weight"] for x in want["indicators"]]
    assert np.abs(np.array(at("BPM_GLOBAL_W"), dtype=float) - weights).max() < 1e-12
    assert every_formula_shows_its_cached_value(data, fw) > 30000

    # a clerk's own cell: =AHP_WEIGHTS over expert 1's judgments on the first node
    si, r0, c0 = _named_cells(book, "BPM_J_0")[0]
    n = len([1 for _, r, _ in _named_cells(book, "BPM_J_0") if r == r0])
    judged = [[book.worksheets[si].cell(r0 + 1 + i, c0 + 1 + j).value for j in range(n)] for i in range(n)]
    free = book.worksheets[si].max_column + 2
    fw.set_formula(si, r0, free, f"=AHP_WEIGHTS({xlsxwriter.utility.xl_range_abs(r0, c0, r0 + n - 1, c0 + n - 1)})")
    fw.recalc()
    got = [value(fw, r0 + i, free, si) for i in range(n)]
    assert np.abs(np.array(got) - ahp.ahp_weights(judged).weights).max() < 1e-9


@pytest.mark.slow
def test_a_rebuilt_portable_hub_has_each_name_once_with_its_comment(tmp_path):
    """A rebuild reads the hub's names back as names it did not lay out; the plan writes the LAMBDA
    names again, so the copies read back must not be written a second time (Excel would refuse
    the file); a name of the user's own survives."""
    from bpm_xl import service

    path = service.new_workbook(tmp_path / "hub.xlsx", lang="en", portable=True)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    book = members["xl/workbook.xml"].decode()
    mine = '<definedName name="MY_RATE">0.5</definedName>'
    members["xl/workbook.xml"] = book.replace("<definedNames>", "<definedNames>" + mine, 1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    service.rebuild_file(path, backup=False)
    book = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
    for x in lambdas.library():
        if x.name == "BPM_RATING":
            assert book.count('<definedName name="BPM_RATING">') == 1  # the grade cell
            continue
        assert book.count(f'<definedName name="{x.name}"') == 1, x.name
        assert f'<definedName name="{x.name}" comment="{x.comment_en}">_xlfn.LAMBDA(' in html.unescape(book)
    assert mine in book


def test_the_functions_command_writes_the_library_and_refuses_another_suffix(tmp_path):
    from typer.testing import CliRunner

    from bpm_xl.cli import app

    res = CliRunner().invoke(app, ["functions", "--out", str(tmp_path / "lib.xlsx"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(tmp_path / "lib.xlsx")
    assert book.sheetnames == ["How to use", "Examples", "Functions"]
    assert set(lambdas.NAMES) == set(book.defined_names)
    res = CliRunner().invoke(app, ["functions", "--out", str(tmp_path / "lib.xlsm")])
    assert res.exit_code == 2
    assert "must end in .xlsx" in res.output
    assert not (tmp_path / "lib.xlsm").exists()
    res = CliRunner().invoke(app, ["functions", "--out", str(tmp_path / "zh.xlsx")])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(tmp_path / "zh.xlsx").sheetnames == ["使用说明", "示例", "函数"]
