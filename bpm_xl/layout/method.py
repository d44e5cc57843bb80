"""The methods as spreadsheet formula text, each step beside its numpy evaluation.

Every native formula that computes a figure of the method takes its text from here: the
calculation sheet of the portable hub and export, the expert's questionnaire, the output sheets
of both hub kinds, and the LAMBDA names for Excel 365 (:mod:`bpm_xl.layout.lambdas`). Every
cached value those formulas carry comes from the numpy function of the same step, which computes
what the text computes, in the same order. Constants (random-index tables, Alonso–Lamata
coefficients) come from :mod:`bpm_xl.ahp`. What is here: the AHP weights (eigen, geomean,
arith), lambda max, CI, CR, the Alonso–Lamata random index, the group judgment and AIP, the
deviation e_ij of a judgment; the authority coefficient, a column's mean, SD, CV and full-score
share; Kendall's W with its ranks, ties, chi-square and p. The data indicators' rules have their
own tree of text and mirror (:mod:`bpm_xl.dataformula`), the tie rule its module
(:mod:`bpm_xl.ranking`).

Text functions take formula fragments: a cell or range (``B3:F7``, ``'计算'!$B$3``), a name of
a LET or LAMBDA, or a number; they return text without ``=``.

The eigenvector (the ``eigen`` method), in every edition:

1. ``B0 = A / SUM(A)``;
2. :data:`SQUARINGS` normalised squarings ``B <- MMULT(B, B) / SUM(MMULT(B, B))``, so
   ``B ~ A^(2^SQUARINGS)``; its row sums converge to the Perron vector as
   ``(|lambda_2| / lambda_max)^(2^SQUARINGS)``;
3. the row shares ``g = SUM(row of B) / SUM(B)``;
4. :data:`POWER_STEPS` power steps ``w <- MMULT(A, w) / SUM(MMULT(A, w))``, which take away the
   rounding the squarings left.

``geomean`` is the geometric mean of each row, ``arith`` the mean of each row of A divided by
its column sums, each normalised to sum 1. lambda max is ``mean((A w)_i / w_i)`` for every
method (the core gives ``sum(A w)`` for ``eigen``: the same number at the eigenvector, to
rounding); CI = ``max((lambda - n) / (n - 1), 0)``, 0 for n <= 2; CR = CI / RI, 0 for n <= 2
or RI = 0.

The numpy functions work on floats; a value a sheet would show as an error is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ahp

__all__ = ["POWER_STEPS", "SQUARINGS", "Eigen", "aip", "aip_value", "alonso_lamata_ri", "authority", "authority_value", "arith", "arith_raw", "average_rank", "average_ranks_value", "chi2_p", "ci", "ci_value", "cr",
           "cr_value", "cv", "deviation", "deviation_value", "eigen", "full_share", "geomean", "geomean_raw", "group_judgment", "group_judgment_value", "kendall_chi2",
           "kendall_value", "kendall_w", "lambda_max", "lambda_max_value", "mean", "num", "power", "row_share",
           "sd", "share", "square", "stats_value", "tie_term", "weights"]

#: Normalised squarings of the matrix: B ~ A^(2^16). Measured (tests/test_lambdas.py): 8 leave
#: errors of 1e-3 on extreme 15 x 15 matrices, 16 reach the core's weights to 1e-12.
SQUARINGS = 16
#: Power steps after the squarings.
POWER_STEPS = 3


def num(x: float) -> str:
    """A constant as formula text, exactly (``repr`` round-trips a float)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


# ------------------------------------------------------------------------------ the text
def share(x: str, block: str) -> str:
    """``x`` as a share of the sum of ``block`` (B0 from A; weights from raw weights)."""
    return f"{x}/SUM({block})"


def square(b: str) -> str:
    """One normalised squaring of ``b`` (an n x n range or array)."""
    return f"MMULT({b},{b})/SUM(MMULT({b},{b}))"


def row_share(row: str, block: str) -> str:
    """The sum of ``row`` of the squared matrix as a share of the sum of ``block``."""
    return f"SUM({row})/SUM({block})"


def power(a: str, w: str) -> str:
    """One power step: A w, normalised to sum 1."""
    return f"MMULT({a},{w})/SUM(MMULT({a},{w}))"


def geomean_raw(row: str) -> str:
    """The geometric mean of one row of A (normalised by :func:`share`)."""
    return f"GEOMEAN({row})"


def arith_raw(row: str, colsums: str, n: int | str) -> str:
    """The mean of one row of A divided by A's column sums (normalised by :func:`share`)."""
    return f"SUMPRODUCT({row}/{colsums})/{n}"


def lambda_max(aw: str, w: str, n: int | str) -> str:
    """lambda max from A w and w: the mean of (A w)_i / w_i."""
    return f"SUMPRODUCT({aw}/{w})/{n}"


def ci(lam: str, n: int | str) -> str:
    """CI = max((lambda - n) / (n - 1), 0); 0 for n <= 2."""
    return f"IF({n}<=2,0,MAX(({lam}-{n})/({n}-1),0))"


def cr(ci_: str, ri: str, n: int | str) -> str:
    """CR = CI / RI; 0 for n <= 2 or a random index of 0."""
    return f"IF({n}<=2,0,IF({ri}>0,{ci_}/{ri},0))"


def deviation(a: str, wi: str, wj: str) -> str:
    """e_ij = a_ij w_j / w_i: how far a judgment is from the ratio of the weights (1: consistent);
    the larger of e_ij and e_ji ranks a pair among the most inconsistent judgments."""
    return f"{a}*{wj}/{wi}"


def deviation_value(a: float, wi: float, wj: float) -> float:
    """:func:`deviation`."""
    return a * wj / wi


def group_judgment(ew: str, logs: str, mask: str) -> str:
    """One a_ij of the group matrix: the weighted geometric mean of the experts who judged the
    pair (``ew`` expert weights, ``logs`` the logarithm of each expert's value or 0, ``mask`` 1
    where the expert judged it); NA() where no expert did."""
    return f"IF(SUMPRODUCT({ew},{mask})>0,EXP(SUMPRODUCT({ew},{logs})/SUMPRODUCT({ew},{mask})),NA())"


def average_rank(x: str, row: str) -> str:
    """Kendall's W: the rank of ``x`` among the numbers of ``row`` (1 the smallest), ties sharing
    their average rank; NA() for a cell that is not a number. Array-evaluated (ISNUMBER over a
    range): a cell formula is entered as an array formula."""
    return (f"IF(ISNUMBER({x}),SUMPRODUCT(ISNUMBER({row})*({row}<{x}))"
            f"+(SUMPRODUCT(ISNUMBER({row})*({row}={x}))+1)/2,NA())")


def tie_term(x: str, row: str) -> str:
    """Kendall's W: t^2 - 1 for the cell ``x`` in a tie group of t in ``row``; summed over a
    row's cells it is the sum of t^3 - t over its tie groups. Array-evaluated like :func:`average_rank`."""
    return f"IF(ISNUMBER({x}),SUMPRODUCT(ISNUMBER({row})*({row}={x}))^2-1,NA())"


def kendall_w(s: str, t: str, m: int | str, n: int | str) -> str:
    """W = 12 S / (m^2 (n^3 - n) - m T), S the squared deviations of the rank sums, T the sum
    of the tie terms; kept within 0..1 (float noise), as :func:`bpm_xl.delphi.kendall_w`."""
    return f"MIN(MAX(12*{s}/({m}^2*({n}^3-{n})-{m}*{t}),0),1)"


def kendall_chi2(w: str, m: int | str, n: int | str) -> str:
    """chi-square = m (n - 1) W."""
    return f"{m}*({n}-1)*{w}"


def chi2_p(chi2: str, df: int | str) -> str:
    """The upper tail of the chi-square distribution (CHIDIST: every spreadsheet has it)."""
    return f"CHIDIST({chi2},{df})"


def aip(ew: str, weights: str) -> str:
    """AIP (aggregation of individual priorities): the weighted geometric mean of one item's
    weight over the experts (``weights`` a column, one expert per row), normalised by :func:`share`."""
    return f"EXP(SUMPRODUCT({ew},LN({weights}))/SUM({ew}))"


def authority(ca: str, cs: str) -> str:
    """An expert's authority coefficient Cr = (Ca + Cs) / 2 (:func:`bpm_xl.delphi.authority`)."""
    return f"({ca}+{cs})/2"


def mean(col: str) -> str:
    """The mean of the numbers of ``col`` (blanks skipped); NA() when it holds none: an
    indicator's survey score, a Delphi round's mean rating."""
    return f"IF(COUNT({col})=0,NA(),AVERAGE({col}))"


def sd(col: str) -> str:
    """The sample standard deviation (n - 1) of the numbers of ``col``; blank ("") for fewer than two."""
    return f'IF(COUNT({col})>1,STDEV({col}),"")'


def cv(sd_: str, mean_: str) -> str:
    """The coefficient of variation SD / mean; blank ("") without an SD or for a mean of 0."""
    return f'IF(ISNUMBER({sd_}),IF({mean_}<>0,{sd_}/{mean_},""),"")'


def full_share(col: str, full: str) -> str:
    """The share of the ratings of ``col`` at the full score (within 1e-9); NA() when it holds no
    rating (as :func:`mean`). Array-evaluated (ISNUMBER over a range): a cell formula is entered
    as an array formula."""
    return f"IF(COUNT({col})=0,NA(),SUMPRODUCT(ISNUMBER({col})*({col}>={full}-1E-9))/COUNT({col}))"


def alonso_lamata_ri(n: int | str) -> str:
    """The Alonso–Lamata random index of an n x n matrix; 0 for n <= 2 (:func:`bpm_xl.ahp.random_index`)."""
    slope, intercept = ahp.ALONSO_LAMATA
    return f"IF({n}<=2,0,({num(slope)}*{n}-{num(intercept)})/({n}-1))"


# ------------------------------------------------------------------------------ the values
@dataclass(frozen=True, slots=True)
class Eigen:
    """Every intermediate value of the eigenvector steps, as the cells show them."""

    start: np.ndarray                  # B0
    squares: tuple[np.ndarray, ...]    # B1 .. B_SQUARINGS
    shares: np.ndarray                 # g
    powers: tuple[np.ndarray, ...]     # w1 .. w_POWER_STEPS; the last is the weights

    @property
    def weights(self) -> np.ndarray:
        return self.powers[-1] if self.powers else self.shares


def _share(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        out: np.ndarray = x / x.sum()
    return out


def eigen(a: np.ndarray, squarings: int = SQUARINGS, steps: int = POWER_STEPS) -> Eigen:
    """The eigenvector steps of the module docstring, in numpy."""
    a = np.asarray(a, dtype=float)
    b = _share(a)
    start, squares = b, []
    with np.errstate(all="ignore"):
        for _ in range(squarings):
            b = _share(b @ b)
            squares.append(b)
        g = b.sum(axis=1) / b.sum()
        w, powers = g, []
        for _ in range(steps):
            w = _share(a @ w)
            powers.append(w)
    return Eigen(start, tuple(squares), g, tuple(powers))


def geomean(a: np.ndarray) -> np.ndarray:
    """Raw geometric-mean weights (NaN for a row with a non-positive entry, as GEOMEAN's error)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):
        out: np.ndarray = np.exp(np.log(np.where(a > 0, a, np.nan)).mean(axis=1))
    return out


def arith(a: np.ndarray) -> np.ndarray:
    """Raw arithmetic-mean weights: the mean of each row of A divided by its column sums."""
    a = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):
        out: np.ndarray = (a / a.sum(axis=0)).sum(axis=1) / a.shape[0]
    return out


def weights(a: np.ndarray, method: str = "eigen") -> np.ndarray:
    """The weights the formulas of ``method`` give (``eigen``, ``geomean`` or ``arith``)."""
    if method == "geomean":
        return _share(geomean(a))
    if method == "arith":
        return _share(arith(a))
    return eigen(a).weights


def lambda_max_value(a: np.ndarray, w: np.ndarray) -> float:
    """:func:`lambda_max` of A and w."""
    with np.errstate(all="ignore"):
        return float(np.mean((np.asarray(a, dtype=float) @ w) / w))


def ci_value(lam: float, n: int) -> float:
    """:func:`ci` (NaN in, NaN out)."""
    if n <= 2:
        return 0.0
    return max((lam - n) / (n - 1), 0.0) if np.isfinite(lam) else float("nan")


def group_judgment_value(ew: np.ndarray, logs: np.ndarray, mask: np.ndarray) -> float:
    """:func:`group_judgment` (NaN for NA())."""
    with np.errstate(all="ignore"):
        den = float(np.dot(ew, mask))
        return float(np.exp(float(np.dot(ew, logs)) / den)) if den > 0 else float("nan")


def average_ranks_value(row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`average_rank` and :func:`tie_term` of every cell of ``row`` (NaN: not a number)."""
    row = np.asarray(row, dtype=float)
    x = row[np.isfinite(row)]
    below = (x[None, :] < row[:, None]).sum(axis=1)
    same = (x[None, :] == row[:, None]).sum(axis=1)
    ok = np.isfinite(row)
    ranks = np.where(ok, 1 + below + (same - 1) / 2, np.nan)
    return ranks, np.where(ok, same.astype(float) ** 2 - 1, np.nan)


def kendall_value(ranks: np.ndarray, ties: np.ndarray) -> tuple[np.ndarray, float, float, int, float]:
    """Rank sums, W, chi-square, df and p of an m x n table of :func:`average_ranks_value`
    (NaN where the formulas show an error)."""
    from scipy.special import chdtrc  # CHIDIST; scipy.stats costs 2 s to import

    m, n = ranks.shape
    sums = ranks.sum(axis=0)
    s = float(((sums - sums.mean()) ** 2).sum())
    den = m ** 2 * (n ** 3 - n) - m * float(ties.sum())
    w = min(max(12 * s / den, 0.0), 1.0) if den != 0 and np.isfinite(s + den) else float("nan")
    chi2 = m * (n - 1) * w
    p = float(chdtrc(n - 1, chi2)) if np.isfinite(chi2) and n > 1 else float("nan")
    return sums, w, chi2, n - 1, p


def aip_value(ew: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`aip` of each column of ``weights`` (k experts x n items)."""
    ew = np.asarray(ew, dtype=float)
    with np.errstate(all="ignore"):
        out: np.ndarray = np.exp((ew[:, None] * np.log(np.asarray(weights, dtype=float))).sum(axis=0) / ew.sum())
    return out


def authority_value(ca: float, cs: float) -> float:
    """:func:`authority`."""
    return (ca + cs) / 2


def stats_value(col: np.ndarray, full: float) -> tuple[float, float | None, float | None, float]:
    """:func:`mean`, :func:`sd`, :func:`cv` and :func:`full_share` of a column (NaN for a
    value that is not a number: a blank or text cell); NaN for NA(), None for the blank ""."""
    x = np.asarray(col, dtype=float)
    x = x[np.isfinite(x)]
    cnt = x.size
    m = float(x.sum() / cnt) if cnt else float("nan")
    s = float(np.std(x, ddof=1)) if cnt > 1 else None
    c = (s / m if m != 0 else None) if s is not None else None
    share = float((x >= full - 1e-9).sum() / cnt) if cnt and np.isfinite(full) else float("nan")
    return m, s, c, share


def cr_value(ci_: float, ri: float, n: int) -> float:
    """:func:`cr` (NaN in, NaN out)."""
    if n <= 2:
        return 0.0
    if not (np.isfinite(ci_) and np.isfinite(ri)):
        return float("nan")
    return ci_ / ri if ri > 0 else 0.0
