"""bpm_xl.layout: the workbook plan as data.

- the layout imports no shell (xlwings, the Excel functions) and no writer;
- no function of layout/writers is above ruff's C901 limit of 15;
- the values stored for the Excel functions come from the Evaluation and equal what the
  functions return when called (checked here by calling them);
- user text is text in every file: only a typed Formula is written as a formula;
- the rating at the band edges: the sheet formula (workbook and portable, recalculated by
  LibreOffice) and the stored value follow the one rule (ROUND(score100, 2) >= lower).
"""

from __future__ import annotations

import copy
import math
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from bpm_xl import evaluate, scoring
from bpm_xl.layout import plan_workbook
from bpm_xl.layout.types import Block, Formula, WorkbookPlan, a1, col_index, col_letter, parse_ref, ref
from bpm_xl.model import IndicatorSystem
from bpm_xl.service import example_workbook_data
from tests.engines import available, recalculate_all
from bpm_xl.readers.workbook import to_inputs
from bpm_xl.writers.portable import portable_plan
from bpm_xl.writers.xlsx import write_workbook

from .workbook_harness import flat, read_values, rng
from .xlsx_cells import read_cells

ROOT = Path(__file__).resolve().parents[1]


def test_the_layout_imports_no_shell_and_no_writer():
    code = ("import sys, bpm_xl.layout; bad = [m for m in ('xlwings', 'bpm_xl.udfs', 'bpm_xl.macros', 'xlsxwriter', "
            "'bpm_xl.writers', 'bpm_xl.readers') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff is not installed")
def test_no_function_of_layout_or_writers_is_above_complexity_15():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    res = subprocess.run([ruff, "check", "--no-cache", "--select", "C901", "--config", "lint.mccabe.max-complexity=15",
                          "bpm_xl/layout", "bpm_xl/writers"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert res.returncode == 0, res.stdout


def test_formula_is_the_only_formula_type():
    f = Formula("=SUM(A1:A2)")
    assert isinstance(f, str) and f == "=SUM(A1:A2)"
    assert isinstance(copy.deepcopy(f), Formula)
    assert Formula("A1") == "=A1"
    assert not isinstance("=SUM(A1:A2)", Formula)


def _letters_by_hand(col: int) -> str:
    """Column letters as bijective base 26, written out independently of bpm_xl."""
    n, out = col + 1, []
    while n > 0:
        n -= 1
        out.append(chr(ord("A") + n % 26))
        n //= 26
    return "".join(reversed(out))


def test_column_letters_and_references_for_every_column_and_beyond_xfd():
    # the letters are a looked-up table up to XFD and computed beyond it: same answer everywhere
    for col in range(16384 + 800):
        letters = _letters_by_hand(col)
        assert col_letter(col) == letters, col
        assert col_index(letters) == col
        assert a1(col, col) == f"${letters}${col + 1}"
        assert a1(7, col, absolute=False) == f"{letters}8"
    assert col_letter(16383) == "XFD" and col_letter(16384) == "XFE" and col_letter(-1) == ""
    assert ref("Sheet", 2, 3) == "'Sheet'!$D$3" == ref("Sheet", 2, 3, 2, 3)
    assert ref("it's", 0, 0, 9, 16384) == "'it''s'!$A$1:$XFE$10"
    assert parse_ref(ref("it's", 0, 0, 9, 16384)) == ("it's", 0, 0, 9, 16384)


# ---------------------------------------------------------------------------------------
def _plan_values(plan: WorkbookPlan) -> dict:
    """Every cell's value: typed values and the cached values of formulas."""
    values = {}
    for sp in plan.sheets:
        for b in sp.blocks:
            for i, row in enumerate(b.cells):
                for j, v in enumerate(row):
                    if isinstance(v, Formula):
                        v = b.cached[i][j] if b.cached is not None else None
                    values[(sp.name, b.row + i, b.col + j)] = v
        for a in sp.arrays:
            for i, row in enumerate(a.cached or []):
                for j, v in enumerate(row):
                    values[(sp.name, a.row + i, a.col + j)] = v
    return values


def _call(udfs, plan, values, u):
    def rng_(refers):
        sheet, r0, c0, r1, c1 = parse_ref(refers)
        return [[values.get((sheet, r, c)) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def arg(a):
        if a.startswith('"'):
            return a.strip('"')
        if a in plan.names:
            return rng_(plan.names[a])
        if "!" in a:
            return rng_("=" + a)
        return float(a)

    return getattr(udfs, u.func)(*[arg(a) for a in u.args])


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


@pytest.mark.parametrize(("lang", "method", "aggregation"), [("zh", "eigen", "aij"), ("en", "geomean", "aip"),
                                                             ("zh", "arith", "aij")])
def test_stored_values_of_the_excel_functions_are_what_they_return(lang, method, aggregation):
    from bpm_xl import udfs

    data, system = example_workbook_data(lang)
    data.settings["method"] = method
    data.settings["aggregation"] = aggregation
    if aggregation == "aip":
        data.judgments["P"]["E07"][("P2", "P4")] = 2
    ev = evaluate(to_inputs(data))
    plan = plan_workbook(data, system, lang, evaluation=ev)
    values = _plan_values(plan)
    checked = 0
    for sp in plan.sheets:
        for b in sp.blocks:
            for (i, j), u in b.udfs.items():
                assert _same(b.cached[i][j], _call(udfs, plan, values, u)), (u, b.cached[i][j])
                checked += 1
        for a in sp.arrays:
            if a.udf is None:
                continue
            u = a.aip_udf if a.aip_udf is not None and aggregation == "aip" else a.udf
            res = _call(udfs, plan, values, u)
            res = res if isinstance(res, list) else [[res]]
            if a.transpose:
                res = [list(r) for r in zip(*res)]
            assert a.cached is not None, u
            # an array range shows the first rows of what the function returns (AHP_CONSISTENCY:
            # λmax, CI, RI, CR; pass and RI table are native cells next to it)
            assert len(res) >= a.nrows, u
            res = res[: a.nrows]
            assert len(res) == len(a.cached) == a.nrows, u
            for got, want in zip(a.cached, res):
                assert len(got) == len(want) == a.ncols
                assert all(_same(x, y) for x, y in zip(got, want)), (u, got, want)
            checked += 1
    assert checked > 100


# ---------------------------------------------------------------------------------------
HOSTILE = {
    "name": "=1+1",
    "indicator": '=HYPERLINK("http://example.invalid","click")',
    "bands": "=2*3",
    "respondent": "=A1",
    "dimension": "+cmd|' /c calc'!A0",
}


def _hostile_data():
    data, _ = example_workbook_data("zh")
    data = copy.deepcopy(data)
    data.experts[0]["name"] = HOSTILE["name"]
    data.system_rows[0]["name_zh"] = HOSTILE["indicator"]
    data.system_rows[0]["dimension_zh"] = HOSTILE["dimension"]
    data.survey_ids[0] = HOSTILE["respondent"]
    data = type(data)(**{**data.__dict__, "bands_name": HOSTILE["bands"]})
    system = IndicatorSystem.from_frame(pd.DataFrame(data.system_rows))
    return data, system


@pytest.mark.parametrize("portable", [False, True], ids=["workbook", "portable"])
def test_user_text_is_written_as_text_never_as_a_formula(tmp_path, portable):
    data, system = _hostile_data()
    ev = evaluate(to_inputs(data))
    plan = plan_workbook(data, system, "zh", evaluation=ev)
    if portable:
        plan = portable_plan(plan, system)
    path = tmp_path / "hostile.xlsx"
    write_workbook(plan, path, None)
    cells = read_cells(path)
    seen = {k: 0 for k in HOSTILE}
    for sheet in cells.values():
        for c in sheet.values():
            for k, text in HOSTILE.items():
                assert c.formula is None or text.lstrip("=+") not in c.formula, (k, c)
                if c.value == text:
                    seen[k] += 1
                    # typed text (shared or inline string), or a formula that *shows* the text
                    assert c.formula is not None or c.type in ("s", "inlineStr"), (k, c)
    assert all(seen.values()), seen


# ---------------------------------------------------------------------------------------
def _rule(s100: float, bands) -> str:
    """The rating rule, written out independently: Excel's ROUND (15 significant digits,
    half away from zero) to 2 decimals, then the first band (descending) whose lower <= it."""
    x = Decimal(format(s100, ".15g")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return next(g for g, lo, *_ in bands if x >= Decimal(format(float(lo), ".15g")))


def _values_only(plan: WorkbookPlan) -> WorkbookPlan:
    """The workbook with each Excel function's cells holding its stored value, so LibreOffice
    (which cannot run them) recalculates every native formula around them."""
    out = copy.deepcopy(plan)
    for sp in out.sheets:
        for b in sp.blocks:
            for (i, j) in b.udfs:
                b.cells[i][j] = b.cached[i][j]
            b.udfs.clear()
        arrays = list(sp.arrays)
        sp.arrays.clear()
        for a in arrays:
            sp.blocks.append(Block(a.row, a.col, [list(r) for r in a.cached], a.style))
    return out


#: case -> (answers: (value, how many respondents give it to every indicator), lower bound of
#: grade B (None: the default 80), the 100-point score it gives, the grade by the rule).
#: Answers are whole numbers, so a score is k / N * 20: 4000 respondents reach 79.995 (half-up
#: to 80.00), 79.99 and 89.995; "all 4" is 80 up to the last bit of the weights' sum; the
#: 1e-9 edges move the band's lower bound instead, which is compared unrounded.
EDGES = {
    "80": (((4, 40),), None, 80.0, "B"),
    "80 vs lower 80+1e-9": (((4, 40),), 80 + 1e-9, 80.0, "C"),
    "80 vs lower 80-1e-9": (((4, 40),), 80 - 1e-9, 80.0, "B"),
    "79.995": (((4, 3999), (3, 1)), None, 79.995, "B"),
    "79.99": (((4, 3998), (3, 2)), None, 79.99, "C"),
    "89.995": (((5, 1999), (4, 2001)), None, 89.995, "A"),
}


@pytest.fixture(scope="module")
def band_edges(tmp_path_factory):
    if not available():
        pytest.skip("LibreOffice is not installed")
    tmp = tmp_path_factory.mktemp("edges")
    base, system = example_workbook_data("en")
    built, paths = {}, []
    for k, (case, (answers, lower_b, _target, _grade)) in enumerate(EDGES.items()):
        data = copy.deepcopy(base)
        survey = [{code: v for code in system.codes} for v, count in answers for _ in range(count)]
        bands = [(g, lower_b if (g == "B" and lower_b is not None) else lo, zh, en) for g, lo, zh, en in data.bands]
        data = type(data)(**{**data.__dict__, "survey": survey, "survey_ids": list(range(1, len(survey) + 1)),
                             "bands": bands})
        ev = evaluate(to_inputs(data))
        plan = plan_workbook(data, system, "en", evaluation=ev)
        for kind, p in (("workbook", _values_only(plan)), ("portable", portable_plan(plan, system))):
            path = tmp / f"{kind}-{k}.xlsx"
            write_workbook(p, path, None)
            built[(kind, case)] = (plan, ev, path)
            paths.append(path)
    outs = dict(zip(paths, recalculate_all(paths, tmp / "lo")))
    out = {}
    for key, (plan, ev, path) in built.items():
        # only the sheets of the two cells the tests read (a portable file's calculation sheet is large)
        sheets = {parse_ref(plan.names[name])[0] for name in ("BPM_SCORE100", "BPM_RATING")}
        out[key] = (plan, ev, read_values(outs[path], sheets), read_cells(path, sheets))
    return out


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
@pytest.mark.parametrize("kind", ["workbook", "portable"])
@pytest.mark.parametrize("case", list(EDGES))
def test_rating_formula_at_the_band_edges(band_edges, kind, case):
    _answers, _lower, target, grade = EDGES[case]
    plan, ev, values, _stored = band_edges[(kind, case)]
    s100 = flat(rng(values, plan, "BPM_SCORE100"))[0]
    assert abs(s100 - target) < 1e-11, (s100, target)       # the case really sits at the edge
    assert _rule(s100, [(b.grade, b.lower) for b in ev.settings.bands.bands]) == grade
    assert flat(rng(values, plan, "BPM_RATING"))[0] == grade      # the sheet formula, recalculated


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
@pytest.mark.parametrize("kind", ["workbook", "portable"])
@pytest.mark.parametrize("case", list(EDGES))
def test_stored_rating_at_the_band_edges(band_edges, kind, case):
    """The value stored in the file (ev.rating, what a viewer without recalculation shows)."""
    grade = EDGES[case][3]
    plan, ev, _values, stored = band_edges[(kind, case)]
    sheet, r, c, _, _ = parse_ref(plan.names["BPM_RATING"])
    shown = stored[sheet][a1(r, c, absolute=False)].value
    assert scoring.RATING_DECIMALS == 2
    assert ev.rating.grade == grade
    assert shown == grade


def test_what_a_user_typed_on_user_sheets_is_kept_as_typed(tmp_path):
    """extra= (the user sheets as read by a rebuild): a Formula stays a formula, text stays text."""
    data, system = example_workbook_data("zh")
    grid = [[None] * 12 for _ in range(3)]
    grid[0][10] = Formula("=1+1")
    grid[1][10] = "=2+2"
    plan = plan_workbook(data, system, "zh", extra={"settings": grid})
    path = tmp_path / "kept.xlsx"
    write_workbook(plan, path, None)
    cells = read_cells(path)[plan.sheet("settings").name]
    assert cells["K1"].formula == "1+1"
    assert cells["K2"].formula is None and cells["K2"].value == "=2+2"
