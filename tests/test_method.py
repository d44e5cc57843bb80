"""The AHP steps of bpm_xl/layout/method.py: the formula text, its numpy evaluation and the core agree.

The calculation sheets (portable files, questionnaires) and the LAMBDA names take their formulas
from the module and their cached values from its numpy functions. Here the text, laid out in
cells as a calculation sheet lays it out, is recalculated by formulon (an Excel 365 engine) for
90 random judgment matrices n = 2..15 (a fifth with judgments at the limits
1000, 1, 1/1000): every cell equals the numpy value of its step to 1e-12, and the
weights, lambda max, CI and CR equal the core's to 1e-9. One workbook, recalculated once.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_range_abs, xl_rowcol_to_cell

from bpm_xl import ahp
from bpm_xl.layout import method as steps

from .formulon_engine import recalc, value

pytestmark = pytest.mark.formulon

METHODS = ("eigen", "geomean", "arith")


def _random(rng: np.random.Generator, n: int) -> np.ndarray:
    values = np.array(ahp.SAATY_SCALE) if rng.random() < 0.8 else np.array([1000, 1, 1 / 1000])
    a = np.ones((n, n))
    iu = np.triu_indices(n, 1)
    a[iu] = rng.choice(values, size=len(iu[0]))
    a[iu[1], iu[0]] = 1 / a[iu]
    return a


class _Sheet:
    """One matrix's calculation laid out as the calculation sheets do: each step a block of cells."""

    def __init__(self, ws, r0: int, a: np.ndarray, method: str, ri: float) -> None:
        self.ws, self.r0, self.n = ws, r0, a.shape[0]
        self.cells: list[tuple[int, int, float]] = []       # (row, col, the numpy value)
        n = self.n
        for i in range(n):
            for j in range(n):
                ws.write_number(r0 + i, j, float(a[i, j]))
        A = self.rng(0, n - 1)
        self.col = n + 1
        if method == "eigen":
            eig = steps.eigen(a)
            c = self.col
            for i in range(n):
                for j in range(n):
                    self.formula(i, c + j, steps.share(xl_rowcol_to_cell(r0 + i, j), A), eig.start[i, j])
            prev = self.rng(c, c + n - 1)
            for b in eig.squares:
                c += n + 1
                self.array(c, steps.square(prev), b)
                prev = self.rng(c, c + n - 1)
            c += n + 1
            for i in range(n):
                row = xl_range_abs(r0 + i, c - n - 1, r0 + i, c - 2)
                self.formula(i, c, steps.row_share(row, prev), eig.shares[i])
            for w in eig.powers:
                c += 1
                self.array(c, steps.power(A, self.rng(c - 1, c - 1)), w[:, None])
            self.w_col, w = c, eig.weights
        else:
            c = self.col
            raw = steps.geomean(a) if method == "geomean" else steps.arith(a)
            colsums = xl_range_abs(r0 + n, 0, r0 + n, n - 1)
            for j in range(n):
                ws.write_formula(r0 + n, j, f"=SUM({xl_range_abs(r0, j, r0 + n - 1, j)})")
            for i in range(n):
                row = xl_range_abs(r0 + i, 0, r0 + i, n - 1)
                text = steps.geomean_raw(row) if method == "geomean" else steps.arith_raw(row, colsums, n)
                self.formula(i, c, text, raw[i])
            w = raw / raw.sum()
            for i in range(n):
                self.formula(i, c + 1, steps.share(xl_rowcol_to_cell(r0 + i, c), self.rng(c, c)), w[i])
            self.w_col = c + 1
        self.w = w
        c = self.w_col + 1
        self.array(c, f"MMULT({A},{self.rng(self.w_col, self.w_col)})", (a @ w)[:, None])
        lam = steps.lambda_max_value(a, w)
        ci = steps.ci_value(lam, n)
        self.formula(n + 1, 0, steps.lambda_max(self.rng(c, c), self.rng(self.w_col, self.w_col), n), lam)
        lam_ref = xl_rowcol_to_cell(r0 + n + 1, 0)
        self.formula(n + 1, 1, steps.ci(lam_ref, n), ci)
        self.formula(n + 1, 2, steps.cr(xl_rowcol_to_cell(r0 + n + 1, 1), steps.num(ri), n), steps.cr_value(ci, ri, n))
        self.formula(n + 1, 3, steps.alonso_lamata_ri(n), ahp.random_index(n, "alonso_lamata") if n > 2 else 0.0)
        self.lam, self.ci, self.cr = lam, ci, steps.cr_value(ci, ri, n)
        self.results = [(r0 + i, self.w_col, float(w[i])) for i in range(n)] + self.cells[-4:]
        self.rows = n + 3

    def rng(self, c0: int, c1: int) -> str:
        return xl_range_abs(self.r0, c0, self.r0 + self.n - 1, c1)

    def formula(self, i: int, c: int, text: str, v: float) -> None:
        self.ws.write_formula(self.r0 + i, c, "=" + text)
        self.cells.append((self.r0 + i, c, float(v)))

    def array(self, c: int, text: str, v: np.ndarray) -> None:
        v = np.atleast_2d(v)
        self.ws.write_array_formula(self.r0, c, self.r0 + v.shape[0] - 1, c + v.shape[1] - 1, "{=" + text + "}")
        self.cells += [(self.r0 + i, c + j, float(v[i, j])) for i in range(v.shape[0]) for j in range(v.shape[1])]


@pytest.fixture(scope="module")
def book():
    rng = np.random.default_rng(20261207)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    sheets, r = [], 0
    for k in range(90):
        n = int(rng.integers(2, 16))
        a = _random(rng, n)
        md = METHODS[k % 3]
        ri = ahp.random_index(n, "cn") if n <= len(ahp.RANDOM_INDEX["cn"]) else 0.0
        s = _Sheet(ws, r, a, md, ri)
        sheets.append((s, a, md, ri))
        r += s.rows
    wb.close()
    return sheets, recalc(buf.getvalue())


def test_every_step_in_cells_equals_its_numpy_value(book):
    """Every cell of the first 12 matrices (each step), the results of all (reading a cell out of
    the engine takes ~1 ms)."""
    sheets, fw = book
    worst, count = 0.0, 0
    for k, (s, *_) in enumerate(sheets):
        for r, c, want in s.cells if k < 12 else s.results:
            got = value(fw, r, c)
            assert isinstance(got, float), (r, c, got)
            worst = max(worst, abs(got - want) / max(1.0, abs(want)))
            count += 1
    assert count > 5000
    assert worst < 1e-12


def test_the_steps_give_the_core_s_weights_lambda_max_ci_and_cr(book):
    sheets, _ = book
    for s, a, md, ri in sheets:
        core = ahp.ahp_weights(a, method=md)
        assert np.abs(s.w - core.weights).max() < 1e-9, (md, a.shape)
        assert s.lam == pytest.approx(core.lambda_max, rel=1e-9)
        assert s.ci == pytest.approx(core.consistency_index, abs=1e-9)
        if ri:
            assert s.cr == pytest.approx(core.consistency_index / ri, abs=1e-9)


def test_too_few_squarings_would_show_on_extreme_judgments():
    """The test above can fail: with 8 squarings the eigen weights of judgments at the limits
    (1000, 1, 1/1000) leave the core's by more than 1e-6."""
    rng = np.random.default_rng(5)
    gap = 0.0
    for _ in range(100):
        n = int(rng.integers(5, 16))
        a = np.ones((n, n))
        iu = np.triu_indices(n, 1)
        a[iu] = rng.choice([1000, 1, 1 / 1000], size=len(iu[0]))
        a[iu[1], iu[0]] = 1 / a[iu]
        gap = max(gap, np.abs(steps.eigen(a, squarings=8).weights - ahp.ahp_weights(a).weights).max())
    assert gap > 1e-6


def test_kendall_steps_give_the_core_s_w_chi2_and_p():
    """The average ranks, tie terms and W of the formulas (numpy values) equal delphi.kendall_w on
    random rating tables with many ties, and p is scipy.stats' chi-square tail."""
    from scipy.stats import chi2 as chi2_dist

    from bpm_xl import delphi

    rng = np.random.default_rng(11)
    for _ in range(300):
        m, n = int(rng.integers(2, 12)), int(rng.integers(2, 25))
        table = rng.integers(1, 6, size=(m, n)).astype(float)
        if (table == table[:, :1]).all(axis=1).all():
            continue
        ranks, ties = zip(*(steps.average_ranks_value(row) for row in table))
        sums, w, chi2, df, p = steps.kendall_value(np.array(ranks), np.array(ties))
        core = delphi.kendall_w(table)
        assert w == pytest.approx(core.w, abs=1e-12)
        assert chi2 == pytest.approx(core.chi2, abs=1e-9) and df == core.df
        assert p == pytest.approx(float(chi2_dist.sf(chi2, df)), abs=1e-14)
        assert p == pytest.approx(core.p, abs=1e-12)
    ranks, ties = steps.average_ranks_value(np.array([10.0, 20.0, 20.0, 5.0, np.nan]))
    assert ranks[:4].tolist() == [2.0, 3.5, 3.5, 1.0] and np.isnan(ranks[4])
    assert ties[:4].tolist() == [0.0, 3.0, 3.0, 0.0]


def test_kendall_w_as_lambda_equals_the_core_on_tables_with_ties():
    """KENDALL_W, whose text is the steps above, recalculated by formulon on 40 random tables."""
    from bpm_xl import delphi

    from .test_lambdas import _Book

    rng = np.random.default_rng(12)
    b, calls = _Book(), []
    for _ in range(40):
        m, n = int(rng.integers(2, 8)), int(rng.integers(2, 12))
        table = rng.integers(1, 6, size=(m, n)).astype(float)
        table[0, :2] = [1.0, 2.0]  # never all the same
        r0 = b.row
        rg = b.put(table.tolist())
        calls.append((b.call(r0, 20, f"=KENDALL_W({rg})", rows=4, cols=2), table))
        b.row = max(b.row, r0 + 4)
    fw = recalc(b.bytes())
    for (r, c), table in calls:
        core = delphi.kendall_w(table)
        got = [value(fw, r + i, c + 1) for i in range(4)]
        assert got[0] == pytest.approx(core.w, abs=1e-12) and got[1] == pytest.approx(core.chi2, abs=1e-9)
        assert got[2] == core.df and got[3] == pytest.approx(core.p, abs=1e-12)
