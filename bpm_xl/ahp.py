"""Pairwise comparison matrices: parsing, weights, consistency, completion, diagnosis,
repair, aggregation, hierarchies and batches.

Everything here is pure numpy. scipy is imported lazily (only :func:`complete_matrix`
needs it) so that importing this module stays fast.

Examples
--------
The leader example (Wikipedia, "Analytic hierarchy process - leader example"):

>>> r = ahp_weights([[1, 4, 3, 7], ["", 1, "1/3", 3], [None, "", 1, 5], ["", "", "", 1]])
>>> r.weights.round(3).tolist()
[0.548, 0.127, 0.27, 0.056]
>>> round(r.consistency_ratio, 3)
0.044
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import conversion, ranking
from .errors import (
    BpmError,
    MatrixShapeError,
    MatrixValueError,
    ModelError,
    NotConnectedError,
    NotReciprocalError,
    ScaleError,
    SettingsError,
    cell_ref,
)

#: A range of cells as a caller gives it: nested lists, an ndarray, a DataFrame, or a scalar.
Cells = Any

__all__ = [
    "RANDOM_INDEX",
    "RI_TABLES",
    "METHODS",
    "SAATY_SCALE",
    "AhpResult",
    "Judgment",
    "Repair",
    "HierarchyResult",
    "BatchAhpResult",
    "random_index",
    "parse_matrix",
    "complete_matrix",
    "ahp_weights",
    "inconsistent_judgments",
    "suggest_repair",
    "aggregate_judgments",
    "aggregate_priorities",
    "hierarchy",
    "global_weights",
    "ahp_batch",
]

RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    # Chinese textbooks and theses
    "cn": (0, 0, .52, .89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    # Saaty (1980)
    "saaty1980": (0, 0, .58, .9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57,
                  1.59),
    # Saaty (2005)
    "saaty2005": (0, 0, .52, .89, 1.11, 1.25, 1.35, 1.4, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58,
                  1.59),
    # Donegan and Dodd (1991)
    "donegan_dodd": (0, 0, .4914, .8286, 1.0591, 1.1797, 1.2519, 1.3171, 1.3733, 1.4055,
                     1.4213, 1.4497, 1.4643, 1.4822, 1.4969),
}
RANDOM_INDEX = {k: tuple(float(x) for x in v) for k, v in RANDOM_INDEX.items()}
RI_TABLES = ("cn", "saaty1980", "saaty2005", "donegan_dodd", "alonso_lamata")
METHODS = ("eigen", "geomean", "arith")
SAATY_SCALE: np.ndarray = np.array([1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)])
SAATY_SCALE.flags.writeable = False

RECIPROCAL_TOL = 0.05       # |a_ij * a_ji - 1| allowed, so 0.33 passes for 1/3
DIAGONAL_TOL = 1e-9         # |a_ii - 1| allowed on the diagonal
#: Alonso and Lamata (2006): lambda_bar(n) = 2.7699 n - 4.3513, so the RI is
#: (SLOPE n - INTERCEPT) / (n - 1) with these two numbers.
ALONSO_LAMATA = (1.7699, 4.3513)
#: A consistency ratio below this is acceptable (Saaty's rule).
CR_ACCEPTABLE = 0.10
_RECIPROCAL_TOL = RECIPROCAL_TOL
_DIAGONAL_TOL = DIAGONAL_TOL
_RULE = "judgments must be positive numbers such as 3 or 1/3"
_LOG_SCALE = np.log(SAATY_SCALE)


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class AhpResult:
    """Weights and consistency of one pairwise comparison matrix."""

    weights: np.ndarray
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float
    random_index_table: str
    method: str
    matrix: np.ndarray
    n_missing: int

    @property
    def acceptable(self) -> bool:
        """``True`` when the consistency ratio is below 0.10 (:data:`CR_ACCEPTABLE`)."""
        return self.consistency_ratio < CR_ACCEPTABLE


@dataclass(frozen=True, slots=True)
class Judgment:
    """One judgment a_ij with its consistent value w_i / w_j and the CR after changing it."""

    row: int
    col: int
    value: float
    consistent_value: float
    scale_value: float
    error: float
    cr_after: float


@dataclass(frozen=True, slots=True)
class Repair:
    """Changes that bring a matrix below a consistency-ratio threshold."""

    changes: tuple[Judgment, ...]
    matrix: np.ndarray
    result: AhpResult
    reached: bool


@dataclass(frozen=True, slots=True)
class HierarchyResult:
    """Global weights of the leaves of a hierarchy and its overall consistency ratio."""

    leaves: tuple[str, ...]
    global_weights: np.ndarray
    node_weights: dict[str, float]
    consistency_ratio: float


@dataclass(frozen=True, slots=True)
class BatchAhpResult:
    """Weights and consistency of k matrices of the same size."""

    weights: np.ndarray
    lambda_max: np.ndarray
    consistency_index: np.ndarray
    consistency_ratio: np.ndarray
    random_index: float
    random_index_table: str
    method: str


# ----------------------------------------------------------------------------- settings
def _check_table(table: Any) -> str:
    key = table.strip().lower() if isinstance(table, str) else table
    if key not in RI_TABLES:
        raise SettingsError(f'random_index: unknown table "{table}"; choose one of '
                            f'{", ".join(RI_TABLES)}')
    return key


def _check_method(method: Any) -> str:
    key = method.strip().lower() if isinstance(method, str) else method
    if key not in METHODS:
        raise SettingsError(f'method: unknown method "{method}"; choose one of {", ".join(METHODS)}')
    return key


def _ri(n: int, table: str, argument: str = "random_index") -> float:
    if table == "alonso_lamata":
        # Alonso and Lamata (2006): lambda_bar(n) = 2.7699 n - 4.3513, RI = (lambda_bar - n)/(n - 1)
        slope, intercept = ALONSO_LAMATA
        return 0.0 if n <= 2 else (slope * n - intercept) / (n - 1)
    values = RANDOM_INDEX[table]
    if n > len(values):
        raise SettingsError(f"{argument}: no random index for n = {n} in table {table} (it covers n = 1 to "
                            f"{len(values)}); use {argument} alonso_lamata", argument=argument)
    return values[n - 1]


def random_index(n: int, table: str = "cn") -> float:
    """Random consistency index RI of an n x n matrix.

    Parameters
    ----------
    n : int
        Matrix size, at least 1 (at most 15 for the tabulated tables).
    table : str
        One of ``RI_TABLES``: "cn", "saaty1980", "saaty2005", "donegan_dodd",
        "alonso_lamata" (RI = (1.7699 n - 4.3513) / (n - 1), any n).

    Returns
    -------
    float

    Raises
    ------
    SettingsError
        Unknown table, n < 1, or n > 15 for a tabulated table.

    References
    ----------
    Alonso, J. A., Lamata, M. T. (2006). Consistency in the analytic hierarchy process: a new
    approach. Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4), 445-459.

    Examples
    --------
    >>> random_index(4), random_index(7, "saaty2005")
    (0.89, 1.35)
    """
    table = _check_table(table)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SettingsError(f"n: must be a whole number of at least 1 but is {n!r}")
    return float(_ri(int(n), table, argument="table"))


# ----------------------------------------------------------------------------- parsing
def _fmt(x: float) -> str:
    """A judgment as a person would type it: 5, 1/5, 0.33."""
    if not math.isfinite(x):
        return str(x)
    r = round(x)
    if r != 0 and abs(x - r) <= 1e-9 * max(1.0, abs(x)):
        return str(int(r))
    if 1e-300 < abs(x) < 1e300:
        inv = 1.0 / abs(x)
        ri = round(inv)
        if ri > 1 and abs(inv - ri) <= 1e-9 * inv:
            return f"{'-' if x < 0 else ''}1/{ri}"
    if 0 < abs(x) < 1e-300:
        return repr(x)  # subnormal: the digits as typed (1e-320), not 9.99989e-321
    return f"{x:.6g}"


def _num(x: float) -> str:
    """A weight or priority as shown in a message."""
    return f"{x:.6g}"


def _shown(v: conversion.Invalid) -> str:
    if isinstance(v.value, (bool, np.bool_)) or v.is_error:
        return conversion.show(v)
    return f'"{v.value}"'


def _to_grid(grid: Cells, name: str, rule: str = _RULE, error: type[BpmError] = MatrixValueError) -> np.ndarray:
    """Any Excel-like 2D input as a float array (NaN for blanks); the first invalid cell raises."""
    g = conversion.to_grid(grid, name, vector_as="row")
    if g.invalid:
        r, c, v = g.invalid[0]
        raise error(f"{name}: {cell_ref(r, c)} is {_shown(v)}; {rule}", argument=name, row=r + 1, column=c + 1)
    return g.values


#: Judgments are ratios on a scale such as Saaty's 1/9 .. 9. Values beyond 1/1000 .. 1000 are
#: typing errors, and would overflow the eigen-decomposition and the completion.
JUDGMENT_LIMIT = 1000.0


def _check_values(arr: np.ndarray, name: str, rule: str = _RULE) -> None:
    bad = ~np.isnan(arr) & ~((arr > 0) & np.isfinite(arr))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        x = arr[r, c]
        what = "infinite" if np.isinf(x) else _fmt(float(x))
        raise MatrixValueError(f"{name}: {cell_ref(r, c)} is {what}; {rule}", argument=name, row=r + 1, column=c + 1)
    big = ~np.isnan(arr) & ((arr > JUDGMENT_LIMIT) | (arr < 1.0 / JUDGMENT_LIMIT))
    if big.any():
        r, c = np.argwhere(big)[0]
        raise MatrixValueError(
            f"{name}: {cell_ref(r, c)} is {_fmt(float(arr[r, c]))}; judgments must lie between "
            f"1/{JUDGMENT_LIMIT:g} and {JUDGMENT_LIMIT:g} (the 1-9 scale runs from 1/9 to 9)",
            argument=name, row=int(r) + 1, column=int(c) + 1)


def parse_matrix(grid: Cells, name: str = "matrix") -> np.ndarray:
    """Validate a pairwise comparison range as Excel delivers it and make it reciprocal.

    Parameters
    ----------
    grid : list of lists, ndarray or DataFrame
        Square range of numbers, blanks (None, "", NaN) and numeric text ("3", "1/3",
        " 0.5 "). Either a full reciprocal matrix or only its upper triangle; a pair blank on
        both sides is a missing judgment.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        n x n float matrix with ones on the diagonal, exactly reciprocal (a_ji = 1 / a_ij of the
        upper-triangle value) and NaN for missing pairs.

    Raises
    ------
    MatrixShapeError
        Empty or not square.
    MatrixValueError
        Text, booleans, zero, negative or infinite values, diagonal not 1.
    NotReciprocalError
        a_ij * a_ji differs from 1 by more than 0.05.

    Examples
    --------
    >>> parse_matrix([[1, "3"], [" 0.33 ", None]]).round(4).tolist()
    [[1.0, 3.0], [0.3333, 1.0]]
    """
    arr = _to_grid(grid, name)
    r, c = arr.shape
    if arr.size == 0 or np.isnan(arr).all():
        raise MatrixShapeError(f"{name}: is empty; enter a square matrix of pairwise judgments", argument=name)
    if r != c:
        raise MatrixShapeError(f"{name}: must be a square range (n x n) but is {r} x {c}", argument=name)
    _check_values(arr, name)
    a = arr.copy()
    _fill_diagonal(a, name)
    _fill_reciprocals(a, name)
    return a


def _fill_diagonal(a: np.ndarray, name: str) -> None:
    """Blank diagonal cells become 1; any other value than 1 is refused."""
    for i in range(a.shape[0]):
        d = a[i, i]
        if np.isnan(d):
            a[i, i] = 1.0
        elif abs(d - 1.0) > _DIAGONAL_TOL:
            raise MatrixValueError(f"{name}: {cell_ref(i, i)} is {_fmt(d)}; the diagonal must be 1 "
                                   f"(an element compared with itself)", argument=name, row=i + 1, column=i + 1)


def _fill_reciprocals(a: np.ndarray, name: str) -> None:
    """Each pair takes its upper value (or the reciprocal of its lower one); both given must agree."""
    n = a.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            u, lo = a[i, j], a[j, i]
            if np.isnan(u) and np.isnan(lo):
                continue
            if np.isnan(lo):
                a[j, i] = 1.0 / u
            elif np.isnan(u):
                a[i, j] = 1.0 / lo
            else:
                if abs(u * lo - 1.0) > _RECIPROCAL_TOL:
                    raise NotReciprocalError(
                        f"{name}: {cell_ref(i, j)} is {_fmt(u)} but {cell_ref(j, i)} is {_fmt(lo)}; "
                        f"it should be {_fmt(1.0 / u)}", argument=name, row=i + 1, column=j + 1)
                a[j, i] = 1.0 / u


# ----------------------------------------------------------------------------- completion
def _components(known: np.ndarray) -> list[list[int]]:
    n = known.shape[0]
    seen = [False] * n
    comps = []
    for s in range(n):
        if seen[s]:
            continue
        comp, stack = [], [s]
        seen[s] = True
        while stack:
            v = stack.pop()
            comp.append(v)
            for u in np.flatnonzero(known[v]):
                if not seen[u]:
                    seen[u] = True
                    stack.append(int(u))
        comps.append(sorted(comp))
    return comps


def _elements(idx: Sequence[int]) -> str:
    words = ", ".join(str(i + 1) for i in idx)
    return f"element {words}" if len(idx) == 1 else f"elements {words}"


def _principal(a: np.ndarray) -> tuple[float, np.ndarray]:
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)
    return float(vals[k].real), v / v.sum()


def _complete(a: np.ndarray, name: str) -> np.ndarray:
    missing = np.isnan(a)
    if not missing.any():
        return a
    n = a.shape[0]
    comps = _components(~missing & ~np.eye(n, dtype=bool))
    if len(comps) > 1:
        first = comps[0]
        rest = sorted(i for comp in comps[1:] for i in comp)
        verb = "is" if len(rest) == 1 else "are"
        raise NotConnectedError(f"{name}: {_elements(rest)} {verb} not compared with "
                                f"{_elements(first)}, directly or through other elements; "
                                f"add a judgment that links them")
    ii, jj = np.nonzero(np.triu(missing, 1))
    base = np.where(missing, 1.0, a)

    def fill(x: np.ndarray) -> np.ndarray:
        m = base.copy()
        m[ii, jj] = np.exp(x)
        m[jj, ii] = np.exp(-x)
        return m

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        # d lambda / d a_ij = v_i u_j / (v . u) with u, v the right and left Perron vectors
        m = fill(x)
        lam, u = _principal(m)
        _, v = _principal(m.T)
        g = (v[ii] * u[jj] * m[ii, jj] - v[jj] * u[ii] * m[jj, ii]) / float(v @ u)
        return lam, g

    if len(ii) == 1:
        return fill(np.array([_one_pair_optimum(lambda x: float(objective(np.array([x]))[1][0]))]))

    from scipy.optimize import minimize

    res = minimize(objective, np.zeros(len(ii)), jac=True, method="BFGS",
                   options={"gtol": 1e-12, "maxiter": 2000})
    return fill(_newton_polish(objective, np.asarray(res.x, dtype=float)))


def _newton_polish(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, steps: int = 10, h: float = 1e-5) -> np.ndarray:
    """Newton steps in log space on lambda_max from BFGS's point, where the optimum is flat.

    The gradient is exact (Perron vectors); the Hessian is its central difference. A step is
    kept only while it shrinks the gradient, so the result stays the lambda-max optimum and
    reaches it to ~1e-14 relative instead of BFGS's ~1e-7.
    """
    _, g = objective(x)
    k = x.size
    for _ in range(steps):
        gnorm = float(np.max(np.abs(g)))
        if gnorm == 0.0:
            break
        hess = np.empty((k, k))
        for i in range(k):
            e = np.zeros(k)
            e[i] = h
            hess[:, i] = (objective(x + e)[1] - objective(x - e)[1]) / (2 * h)
        try:
            step = np.linalg.solve(0.5 * (hess + hess.T), g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        x_new = x - step
        _, g_new = objective(x_new)
        if not float(np.max(np.abs(g_new))) < gnorm:
            break
        x, g = x_new, g_new
        if float(np.max(np.abs(step))) <= 1e-15 * max(1.0, float(np.max(np.abs(x)))):
            break
    return x


def _slope_bracket(slope: Callable[[float], float]) -> tuple[float, float, float, float]:
    """Widen [-2.5, 2.5] until the slope changes sign across it: (lo, hi, slope(lo), slope(hi))."""
    lo, hi = -2.5, 2.5
    glo, ghi = slope(lo), slope(hi)
    while glo > 0:
        lo, glo = 2 * lo, slope(2 * lo)
    while ghi < 0:
        hi, ghi = 2 * hi, slope(2 * hi)
    return lo, hi, glo, ghi


def _one_pair_optimum(slope: Callable[[float], float]) -> float:
    """One missing pair: lambda_max is convex in x = log a_ij, so find the zero of its derivative
    ``slope`` by Illinois false position (superlinear, keeps the bracket)."""
    lo, hi, glo, ghi = _slope_bracket(slope)
    x, side = lo, 0
    for _ in range(200):
        if hi - lo <= 1e-14 * max(1.0, abs(lo)) or glo == 0 or ghi == 0:
            break
        x = (lo * ghi - hi * glo) / (ghi - glo)
        if not lo < x < hi:
            x = 0.5 * (lo + hi)
        gx = slope(x)
        if gx == 0:
            break
        if gx < 0:
            lo, glo = x, gx
            if side == -1:
                ghi *= 0.5
            side = -1
        else:
            hi, ghi = x, gx
            if side == 1:
                glo *= 0.5
            side = 1
        if abs(gx) < 1e-15:
            break
    return lo if glo == 0 else hi if ghi == 0 else x


def complete_matrix(matrix: Cells, name: str = "matrix") -> np.ndarray:
    """Fill missing judgments with the lambda-max-optimal completion.

    The missing pairs x_ij = log a_ij are chosen to minimise the principal eigenvalue, which is
    convex in them; the optimum is unique when the known judgments connect every element.

    Parameters
    ----------
    matrix : array-like
        Pairwise matrix as accepted by :func:`parse_matrix`, with blank pairs.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        Complete reciprocal matrix.

    Raises
    ------
    NotConnectedError
        The known judgments do not connect every element.

    References
    ----------
    Bozoki, S., Fulop, J., Ronyai, L. (2010). On optimal completion of incomplete pairwise
    comparison matrices. Mathematical and Computer Modelling 52, 318-333.

    Examples
    --------
    >>> m = [[1, 1, 5, 2], [1, 1, 3, 4], [.2, 1/3, 1, None], [.5, .25, None, 1]]
    >>> round(float(complete_matrix(m)[2, 3]), 6)
    0.730297
    """
    return _complete(parse_matrix(matrix, name), name)


# ----------------------------------------------------------------------------- weights
def _weights(a: np.ndarray, method: str) -> tuple[np.ndarray, float]:
    if method == "geomean":
        w = np.exp(np.log(a).mean(axis=1))
    else:
        w = (a / a.sum(axis=0)).mean(axis=1)
    w = w / w.sum()
    return w, float(np.mean(a @ w / w))


def _weights_lambda(a: np.ndarray, method: str) -> tuple[np.ndarray, float]:
    n = a.shape[0]
    if method == "eigen":
        if n == 1:
            return np.ones(1), 1.0
        lam, w = _principal(a)
        return w, lam
    return _weights(a, method)


def _ci_cr(lam: float, n: int, ri: float) -> tuple[float, float]:
    if n <= 2:
        return 0.0, 0.0
    ci = max((lam - n) / (n - 1), 0.0)
    return ci, (ci / ri if ri > 0 else 0.0)


def _result(a: np.ndarray, method: str, table: str, n_missing: int = 0) -> AhpResult:
    n = a.shape[0]
    ri = _ri(n, table)
    w, lam = _weights_lambda(a, method)
    ci, cr = _ci_cr(lam, n, ri)
    a = a.copy()
    a.flags.writeable = False
    w.flags.writeable = False
    return AhpResult(weights=w, lambda_max=float(lam), consistency_index=float(ci),
                     consistency_ratio=float(cr), random_index=float(ri),
                     random_index_table=table, method=method, matrix=a, n_missing=n_missing)


def ahp_weights(matrix: Cells, method: str = "eigen", random_index: str = "cn",
                name: str = "matrix") -> AhpResult:
    """Priority weights and consistency of a pairwise comparison matrix.

    Parameters
    ----------
    matrix : array-like
        Square pairwise judgments as accepted by :func:`parse_matrix` (full, upper triangle only,
        numeric text, missing pairs completed by :func:`complete_matrix`).
    method : {"eigen", "geomean", "arith"}
        Principal eigenvector, row geometric mean, or normalised column average.
    random_index : {"cn", "saaty1980", "saaty2005", "donegan_dodd", "alonso_lamata"}
        Random-index table for the consistency ratio.
    name : str
        Argument name used in error messages.

    Returns
    -------
    AhpResult
        Weights in input order summing to 1, lambda_max (principal eigenvalue for "eigen",
        mean of (A w)_i / w_i otherwise), CI = (lambda_max - n) / (n - 1), CR = CI / RI
        (both 0 for n <= 2), and the complete matrix used.

    Raises
    ------
    MatrixShapeError, MatrixValueError, NotReciprocalError, NotConnectedError, SettingsError

    References
    ----------
    Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill.

    Examples
    --------
    Leader example criteria (Wikipedia; AHPy README: .548 .127 .270 .056, CR .044):

    >>> r = ahp_weights([[1, 4, 3, 7], [1/4, 1, 1/3, 3], [1/3, 3, 1, 5], [1/7, 1/3, 1/5, 1]])
    >>> r.weights.round(3).tolist(), round(r.consistency_ratio, 3)
    ([0.548, 0.127, 0.27, 0.056], 0.044)
    """
    return weigh_parsed(parse_matrix(matrix, name), method, random_index, name)


def weigh_parsed(a: np.ndarray, method: str = "eigen", random_index: str = "cn",
                 name: str = "matrix") -> AhpResult:
    """:func:`ahp_weights` of a matrix :func:`parse_matrix` already returned (no second parse).

    >>> weigh_parsed(parse_matrix([[1, 3], [None, 1]])).weights.tolist()
    [0.75, 0.25]
    """
    method = _check_method(method)
    table = _check_table(random_index)
    n_missing = int(np.isnan(np.triu(a, 1)).sum())
    _ri(a.shape[0], table)  # size check before the (costlier) completion
    a = _complete(a, name)
    return _result(a, method, table, n_missing)


# ----------------------------------------------------------------------------- stacks
def _stack_eigen(a: np.ndarray, tol: float = 1e-14, maxiter: int = 500, squarings: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Principal eigenvectors of k positive matrices.

    Repeated squaring first (B <- B @ B / sum: 6 or 7 batched products give A**64 or A**128),
    whose row sums converge to the Perron vector as (|lambda_2| / lambda_max) ** 64; then power
    steps until successive vectors agree to ``tol``, and ``numpy.linalg.eig`` for any matrix
    that still has not converged.
    """
    k, n, _ = a.shape
    if n == 1:
        return np.ones((k, 1)), np.ones(k)
    if squarings is None:
        # measured on 10,000 random reciprocal matrices (benchmarks/): a product costs n^3, a
        # power step n^2, so small matrices square longer and large ones hand over sooner
        squarings = 7 if n <= 7 else 6
    b = a / a.sum(axis=(1, 2), keepdims=True)
    for _ in range(squarings):
        b = b @ b
        b /= b.sum(axis=(1, 2), keepdims=True)
    w = b.sum(axis=2)
    bad_start = ~np.isfinite(w).all(axis=1) | (w <= 0).any(axis=1)
    if bad_start.any():  # underflow cannot happen for positive matrices, but stay safe
        g = np.exp(np.log(a[bad_start]).mean(axis=2))
        w[bad_start] = g
    w /= w.sum(axis=1, keepdims=True)
    active = np.arange(k)
    out = w.copy()
    aa = a
    for _ in range(maxiter):
        y = np.einsum("kij,kj->ki", aa, w)
        y /= y.sum(axis=1, keepdims=True)
        done = np.abs(y - w).max(axis=1) <= tol
        w = y
        if done.any():
            out[active[done]] = w[done]
            keep = ~done
            active, w, aa = active[keep], w[keep], aa[keep]
            if not active.size:
                break
    for idx in active:  # not converged: exact decomposition
        out[idx] = _principal(a[idx])[1]
    lam = np.einsum("kij,kj->ki", a, out).sum(axis=1)  # sum(A w) with sum(w) = 1
    return out, lam


def _stack_weights(a: np.ndarray, method: str, tol: float = 1e-14) -> tuple[np.ndarray, np.ndarray]:
    if method == "eigen":
        return _stack_eigen(a, tol)
    if method == "geomean":
        w = np.exp(np.log(a).mean(axis=2))
    else:
        w = (a / a.sum(axis=1, keepdims=True)).mean(axis=2)
    w /= w.sum(axis=1, keepdims=True)
    lam = (np.einsum("kij,kj->ki", a, w) / w).mean(axis=1)
    return w, lam


def _stack_cr(lam: np.ndarray, n: int, ri: float) -> tuple[np.ndarray, np.ndarray]:
    if n <= 2:
        z = np.zeros_like(lam)
        return z, z.copy()
    ci = np.maximum((lam - n) / (n - 1), 0.0)
    return ci, (ci / ri if ri > 0 else np.zeros_like(ci))


def ahp_batch(matrices: Cells, method: str = "eigen", random_index: str = "cn") -> BatchAhpResult:
    """Weights and consistency of k complete matrices at once (k x n x n).

    Validation is cheap and vectorised: values must be finite and positive, the diagonal 1 and
    each pair reciprocal within 0.05; the lower triangle is then reset to the exact reciprocals of
    the upper triangle, as :func:`parse_matrix` does. The eigenvector method uses a vectorised
    power iteration (converged to 1e-14) with ``numpy.linalg.eig`` for any matrix that does not
    converge.

    Parameters
    ----------
    matrices : array-like
        k x n x n numbers (or a single n x n matrix).
    method, random_index : str
        As for :func:`ahp_weights`.

    Returns
    -------
    BatchAhpResult

    Examples
    --------
    >>> leader = [[1, 4, 3, 7], [1/4, 1, 1/3, 3], [1/3, 3, 1, 5], [1/7, 1/3, 1/5, 1]]
    >>> b = ahp_batch([leader, leader])
    >>> b.weights.round(3).tolist()[1], b.consistency_ratio.round(3).tolist()
    ([0.548, 0.127, 0.27, 0.056], [0.044, 0.044])
    """
    method = _check_method(method)
    table = _check_table(random_index)
    name = "matrices"
    try:
        a = np.array(matrices, dtype=float)
    except (TypeError, ValueError):
        raise MatrixValueError(f"{name}: must be k x n x n numbers; {_RULE}") from None
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1] != a.shape[2] or a.shape[1] == 0:
        raise MatrixShapeError(f"{name}: must be k x n x n but is {' x '.join(map(str, a.shape))}")
    n = a.shape[1]
    ri = _ri(n, table)
    _check_stack(a, name)
    w, lam = _stack_weights(a, method)
    ci, cr = _stack_cr(lam, n, ri)
    return BatchAhpResult(weights=w, lambda_max=lam, consistency_index=ci, consistency_ratio=cr,
                          random_index=float(ri), random_index_table=table, method=method)


def _check_stack(a: np.ndarray, name: str) -> None:
    """Refuse a stack with a bad value, diagonal or pair; then make it exactly reciprocal in place."""
    n = a.shape[1]
    bad = ~(np.isfinite(a) & (a > 0) & (a <= JUDGMENT_LIMIT) & (a >= 1.0 / JUDGMENT_LIMIT))
    if bad.any():
        m, r, c = np.argwhere(bad)[0]
        raise MatrixValueError(f"{name}: matrix {m + 1}, {cell_ref(r, c)} is {_fmt(float(a[m, r, c]))}; "
                               f"{_RULE}")
    diag = np.abs(np.diagonal(a, axis1=1, axis2=2) - 1.0) > _DIAGONAL_TOL
    if diag.any():
        m, r = np.argwhere(diag)[0]
        raise MatrixValueError(f"{name}: matrix {m + 1}, {cell_ref(r, r)} is {_fmt(float(a[m, r, r]))}; "
                               f"the diagonal must be 1")
    iu, ju = np.triu_indices(n, 1)
    up = a[:, iu, ju]
    nonrec = np.abs(up * a[:, ju, iu] - 1.0) > _RECIPROCAL_TOL
    if nonrec.any():
        m, p = np.argwhere(nonrec)[0]
        i, j = iu[p], ju[p]
        raise NotReciprocalError(f"{name}: matrix {m + 1}, {cell_ref(i, j)} is {_fmt(float(a[m, i, j]))} "
                                 f"but {cell_ref(j, i)} is {_fmt(float(a[m, j, i]))}; "
                                 f"it should be {_fmt(1.0 / float(a[m, i, j]))}")
    a[:, ju, iu] = 1.0 / up
    a[:, np.arange(n), np.arange(n)] = 1.0


# ----------------------------------------------------------------------------- diagnosis
def _snap(x: float) -> float:
    """The 1-9 scale value nearest to ``x`` in log terms; midway: the lower one (bpm_xl.ranking)."""
    return float(SAATY_SCALE[ranking.nearest(np.abs(_LOG_SCALE - math.log(x)).tolist())])


def _set_pair(a: np.ndarray, i: int, j: int, value: float) -> np.ndarray:
    m = a.copy()
    m[i, j] = value
    m[j, i] = 1.0 / value
    return m


def _judgment(a: np.ndarray, w: np.ndarray, i: int, j: int, method: str, table: str) -> Judgment:
    e = a[i, j] * w[j] / w[i]
    if e < 1.0:
        i, j, e = j, i, 1.0 / e
    cv = float(w[i] / w[j])
    sv = _snap(cv)
    cr_after = _result(_set_pair(a, i, j, sv), method, table).consistency_ratio
    return Judgment(row=int(i), col=int(j), value=float(a[i, j]), consistent_value=cv,
                    scale_value=sv, error=float(e), cr_after=float(cr_after))


def _result_of(matrix: Cells, method: str, random_index: str, name: str) -> AhpResult:
    """An AhpResult computed already (its complete matrix may hold completed values beyond the
    typed-judgment range) is used as is; anything else is parsed and weighed."""
    if isinstance(matrix, AhpResult) and matrix.method == _check_method(method) \
            and matrix.random_index_table == _check_table(random_index):
        return matrix
    return ahp_weights(matrix, method, random_index, name)


def inconsistent_judgments(matrix: Cells, count: int | None = 3, method: str = "eigen",
                           random_index: str = "cn", name: str = "matrix") -> tuple[Judgment, ...]:
    """The judgments that contribute most to inconsistency.

    Pairs are ranked by e_ij = a_ij w_j / w_i (reported in the orientation where e >= 1),
    largest first. Errors within a relative 1e-12 of each other are tied (those of a 3x3 matrix
    always are) and go to the lower row, then the lower column (of the pair i < j):
    :mod:`bpm_xl.ranking`, the rule the workbook's formulas follow too.

    Parameters
    ----------
    matrix : array-like
        As for :func:`ahp_weights`.
    count : int or None
        How many judgments to return (None: all pairs).
    method, random_index, name
        As for :func:`ahp_weights`.

    Returns
    -------
    tuple of Judgment
        Most inconsistent first; each with the consistent value w_i / w_j, that value snapped to
        the 1-9 scale, and the CR after setting the judgment to the snapped value.

    Examples
    --------
    >>> j = inconsistent_judgments([[1, 4, 3, 7], [1/4, 1, 1/3, 3], [1/3, 3, 1, 5],
    ...                             [1/7, 1/3, 1/5, 1]], count=1)[0]
    >>> (j.row, j.col, j.scale_value)
    (0, 2, 2.0)
    """
    res = _result_of(matrix, method, random_index, name)
    if count is not None and (isinstance(count, bool) or not isinstance(count, (int, np.integer))
                              or count < 0):
        raise SettingsError(f"count: must be a whole number of at least 0 but is {count!r}")
    a, w = np.array(res.matrix), res.weights
    n = a.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    err = [max(a[i, j] * w[j] / w[i], a[j, i] * w[i] / w[j]) for i, j in pairs]
    order = ranking.descending_order(err)
    if count is not None:
        order = order[:count]
    return tuple(_judgment(a, w, *pairs[p], res.method, res.random_index_table) for p in order)


def suggest_repair(matrix: Cells, threshold: float = 0.10, method: str = "eigen", random_index: str = "cn",
                   max_changes: int | None = None, name: str = "matrix") -> Repair:
    """Change as few judgments as possible so that CR falls below ``threshold``.

    A change sets one judgment to the value on the 1-9 scale (1/9 ... 9) that gives the lowest CR
    with the other judgments held fixed. All single changes are tried first, then all ordered pairs
    of changes when that is cheap (n <= 10), then changes are added greedily (the one lowering
    CR most) until the threshold or ``max_changes`` is reached.

    Parameters
    ----------
    matrix : array-like
        As for :func:`ahp_weights`.
    threshold : float
        Target consistency ratio (strictly below).
    method, random_index, name
        As for :func:`ahp_weights`.
    max_changes : int or None
        Upper bound on the number of changed judgments (None: no bound).

    Returns
    -------
    Repair
        The changes in the order applied, the repaired matrix, its result, and whether the
        threshold was reached. In each change, ``consistent_value`` is the lambda-max-optimal value
        of that judgment given the others (as if it were missing), ``scale_value`` the value set,
        and ``error`` = a_ij w_j / w_i before the change.

    Examples
    --------
    >>> m = [[1, 2, 4, 8], [1/2, 1, 2, 4], [1/4, 1/2, 1, 2], [1/8, 1/4, 1/2, 1]]
    >>> m[0][3], m[3][0] = 1/8, 8          # one judgment the wrong way round
    >>> rep = suggest_repair(m)
    >>> [(c.row, c.col, c.scale_value) for c in rep.changes], rep.reached
    ([(3, 0, 0.125)], True)
    """
    res = _result_of(matrix, method, random_index, name)
    a = np.array(res.matrix)
    n = a.shape[0]
    if max_changes is None:
        max_changes = n * (n - 1) // 2
    if res.consistency_ratio < threshold or n <= 2 or max_changes < 1:
        return Repair(changes=(), matrix=a, result=res, reached=res.consistency_ratio < threshold)
    search = _RepairSearch(a, res, threshold, name)
    s1, cr1, mats1 = search.best_changes(a)
    best = int(np.argmin(cr1))
    if cr1[best] < threshold:
        return search.finish([(best, s1[best])])
    if max_changes >= 2 and n <= 10:
        best_cr, best_seq = search.best_two(s1, mats1)
        if best_cr < threshold:
            return search.finish(best_seq)
    return search.finish(search.greedy(res.consistency_ratio, max_changes, s1, cr1, mats1))


class _RepairSearch:
    """The steps of :func:`suggest_repair` over one matrix: its pairs, method, tables and target."""

    def __init__(self, a: np.ndarray, res: AhpResult, threshold: float, name: str) -> None:
        self.a, self.n = a, a.shape[0]
        self.method, self.table, self.ri = res.method, res.random_index_table, res.random_index
        self.threshold, self.name = threshold, name
        self.iu, self.ju = np.triu_indices(self.n, 1)
        self.npairs = self.iu.size

    def best_changes(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every pair: the best scale value, the CR with it, the matrix."""
        n, npairs, nscale, iu, ju = self.n, self.npairs, SAATY_SCALE.size, self.iu, self.ju
        pidx = np.arange(npairs)[:, None]
        sidx = np.arange(nscale)[None, :]
        mats = np.broadcast_to(m, (npairs, nscale, n, n)).copy()
        mats[pidx, sidx, iu[:, None], ju[:, None]] = SAATY_SCALE[None, :]
        mats[pidx, sidx, ju[:, None], iu[:, None]] = 1.0 / SAATY_SCALE[None, :]
        _, lam = _stack_weights(mats.reshape(-1, n, n), self.method, tol=1e-9)  # lambda error ~ tol**2
        cr = _stack_cr(lam, n, self.ri)[1].reshape(npairs, nscale)
        s = cr.argmin(axis=1)
        return s, cr[np.arange(npairs), s], mats[np.arange(npairs), s]

    def best_two(self, s1: np.ndarray, mats1: np.ndarray) -> tuple[float, list[tuple[int, int]]]:
        """The best ordered pair of changes: its CR and its sequence."""
        best_cr, best_seq = math.inf, [(0, 0)]
        for p in range(self.npairs):
            s2, cr2, _ = self.best_changes(mats1[p])
            cr2[p] = math.inf
            q = int(np.argmin(cr2))
            if cr2[q] < best_cr:
                best_cr, best_seq = cr2[q], [(p, s1[p]), (q, s2[q])]
        return best_cr, best_seq

    def greedy(self, cr_now: float, max_changes: int, s: np.ndarray, crs: np.ndarray,
               mats: np.ndarray) -> list[tuple[int, int]]:
        """Add the change lowering CR most until the target, ``max_changes`` or no more gain."""
        seq: list[tuple[int, int]] = []
        while len(seq) < max_changes:
            p = int(np.argmin(crs))
            if not crs[p] < cr_now - 1e-12:
                break
            seq.append((p, s[p]))
            cr_now = float(crs[p])
            if cr_now < self.threshold:
                break
            s, crs, mats = self.best_changes(mats[p])
        return seq

    def change(self, m: np.ndarray, p: int, s: int) -> tuple[Judgment, np.ndarray]:
        """Pair ``p`` set to scale value ``s`` in ``m``: the change as reported, and the new matrix."""
        method, table = self.method, self.table
        i, j = int(self.iu[p]), int(self.ju[p])
        value = float(SAATY_SCALE[s])
        w = _result(m, method, table).weights
        e = m[i, j] * w[j] / w[i]
        free = m.copy()
        free[i, j] = free[j, i] = np.nan
        cv = float(_complete(free, self.name)[i, j])
        new = _set_pair(m, i, j, value)
        cr_after = _result(new, method, table).consistency_ratio
        if e < 1.0:
            i, j, e, cv, value = j, i, 1.0 / e, 1.0 / cv, 1.0 / value
        return Judgment(row=i, col=j, value=float(m[i, j]), consistent_value=cv,
                        scale_value=value, error=float(e), cr_after=float(cr_after)), new

    def finish(self, sequence: Sequence[tuple[int, int]]) -> Repair:
        """Apply the changes in order; the repair with its result."""
        m, changes = self.a, []
        for p, s in sequence:
            judgment, m = self.change(m, p, s)
            changes.append(judgment)
        r = _result(m, self.method, self.table)
        return Repair(changes=tuple(changes), matrix=m, result=r,
                      reached=r.consistency_ratio < self.threshold)


# ----------------------------------------------------------------------------- aggregation
def _expert_weights(weights: Cells, k: int) -> np.ndarray:
    if weights is None:
        return np.full(k, 1.0 / k)
    try:
        w = np.asarray(weights, dtype=float).ravel()
    except (TypeError, ValueError):
        w = _to_grid(weights, "expert weights").ravel()
    if w.size != k:
        raise ScaleError(f"expert weights: {w.size} weights given for {k} experts; give one per expert")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        e = int(np.flatnonzero(bad)[0])
        raise ScaleError(f"expert weights: expert {e + 1} is {_num(float(w[e]))}; "
                         f"weights must be non-negative numbers with a positive sum")
    if w.sum() <= 0:
        raise ScaleError("expert weights: all are 0; weights must be non-negative numbers with a "
                         "positive sum")
    out: np.ndarray = w / w.sum()
    return out


def aggregate_judgments(matrices: Cells, weights: Cells = None, name: str = "matrices") -> np.ndarray:
    """Aggregate individual judgments (AIJ) by the weighted geometric mean.

    Parameters
    ----------
    matrices : sequence of array-like or k x n x n array
        One pairwise matrix per expert, each accepted by :func:`parse_matrix`.
    weights : sequence of float, optional
        Expert weights (normalised to sum 1); equal when omitted. A pair an expert left blank is
        aggregated over the experts who gave it.
    name : str
        Argument name used in error messages ("matrices: expert 2: row 1, column 3 ...").

    Returns
    -------
    numpy.ndarray
        The group matrix, exactly reciprocal (NaN where no expert gave the pair).

    Examples
    --------
    >>> aggregate_judgments([[[1, 2], [1/2, 1]], [[1, 8], [1/8, 1]]]).tolist()
    [[1.0, 4.0], [0.25, 1.0]]
    """
    if isinstance(matrices, np.ndarray) and matrices.ndim == 2:
        matrices = [matrices]
    return aggregate_parsed([parse_matrix(m, f"{name}: expert {e + 1}") for e, m in enumerate(matrices)],
                            weights, name)


def aggregate_parsed(mats: Sequence[np.ndarray], weights: Cells = None, name: str = "matrices") -> np.ndarray:
    """:func:`aggregate_judgments` of matrices :func:`parse_matrix` already returned."""
    if not mats:
        raise MatrixShapeError(f"{name}: is empty; give at least one expert's matrix")
    n = mats[0].shape[0]
    for e, m in enumerate(mats):
        if m.shape[0] != n:
            raise MatrixShapeError(f"{name}: expert {e + 1} is {m.shape[0]} x {m.shape[0]} but "
                                   f"expert 1 is {n} x {n}; all matrices must have the same size")
    w = _expert_weights(weights, len(mats))
    logs = np.log(np.stack(mats))
    have = ~np.isnan(logs)
    ww = np.where(have, w[:, None, None], 0.0)
    tot = ww.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.exp((np.where(have, logs, 0.0) * ww).sum(axis=0) / tot)
    g[tot == 0] = np.nan
    iu, ju = np.triu_indices(n, 1)
    g[ju, iu] = 1.0 / g[iu, ju]
    np.fill_diagonal(g, 1.0)
    out: np.ndarray = g
    return out


def aggregate_priorities(weight_vectors: Cells, weights: Cells = None, name: str = "weights") -> np.ndarray:
    """Aggregate individual priorities (AIP) by the weighted geometric mean, normalised to sum 1.

    Parameters
    ----------
    weight_vectors : k x n array-like
        One priority vector per expert (row).
    weights : sequence of float, optional
        Expert weights (normalised to sum 1); equal when omitted.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        n weights summing to 1.

    Examples
    --------
    >>> aggregate_priorities([[0.5, 0.5], [0.8, 0.2]]).round(4).tolist()
    [0.6667, 0.3333]
    """
    rule = "priorities must be non-negative numbers"
    arr = _to_grid(weight_vectors, name)
    if arr.size == 0:
        raise MatrixShapeError(f"{name}: is empty; give one row of priorities per expert")
    bad = np.isnan(arr) | ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        what = "blank" if np.isnan(arr[r, c]) else _num(float(arr[r, c]))
        raise ScaleError(f"{name}: {cell_ref(r, c)} is {what}; {rule}")
    w = _expert_weights(weights, arr.shape[0])
    with np.errstate(divide="ignore"):
        g = np.exp(w @ np.log(arr))
    if g.sum() <= 0:
        raise ScaleError(f"{name}: every element has a zero priority from some expert; {rule} "
                         f"with at least one positive column")
    out: np.ndarray = g / g.sum()
    return out


# ----------------------------------------------------------------------------- hierarchy
def _tree_node(node: str, entry: Any) -> tuple[list[str], np.ndarray, AhpResult | None]:
    """One node of :func:`hierarchy`'s tree, checked: (children, normalised weights, result)."""
    try:
        children, lw = entry
    except (TypeError, ValueError):
        raise ModelError(f'tree: node "{node}" must be (children, weights)') from None
    children = list(children)
    res = lw if isinstance(lw, AhpResult) else None
    vec = np.asarray(lw.weights if res is not None else lw, dtype=float).ravel()
    if vec.size != len(children):
        raise ModelError(f'tree: node "{node}" has {len(children)} children but '
                         f'{vec.size} weights')
    if len(set(children)) != len(children):
        raise ModelError(f'tree: node "{node}" lists a child twice')
    if children and (not np.isfinite(vec).all() or (vec < 0).any() or vec.sum() <= 0):
        raise ModelError(f'tree: node "{node}" has weights that are not non-negative numbers '
                         f'with a positive sum')
    return children, vec / vec.sum() if children else vec, res


def hierarchy(tree: Mapping[str, tuple[Sequence[str], AhpResult | Sequence[float] | np.ndarray]],
              root: str) -> HierarchyResult:
    """Global weights of a hierarchy of any depth and its overall consistency ratio.

    Parameters
    ----------
    tree : mapping
        node -> (children, local weights), the local weights an :class:`AhpResult` or a sequence of
        numbers (normalised to sum 1). Nodes that are not keys are leaves. A leaf may appear under
        several parents (alternatives under every criterion); its global weight is the sum.
    root : str
        The top node (global weight 1).

    Returns
    -------
    HierarchyResult
        Leaves in depth-first order, their global weights (sum 1), every node's global weight,
        and CR = sum a_j CI_j / sum a_j RI_j over the nodes with an AhpResult (a_j = the node's
        global weight; 0 when the denominator is 0).

    Raises
    ------
    ModelError
        Unknown root, a cycle, or children and weights of different lengths.

    Examples
    --------
    Leader example (Wikipedia): Dick .493, Tom .358, Harry .149.

    >>> crit = ahp_weights([[1, 4, 3, 7], [1/4, 1, 1/3, 3], [1/3, 3, 1, 5], [1/7, 1/3, 1/5, 1]])
    >>> alts = {"experience": [[1, 1/4, 4], [4, 1, 9], [1/4, 1/9, 1]],
    ...         "education": [[1, 3, 1/5], [1/3, 1, 1/7], [5, 7, 1]],
    ...         "charisma": [[1, 5, 9], [1/5, 1, 4], [1/9, 1/4, 1]],
    ...         "age": [[1, 1/3, 5], [3, 1, 9], [1/5, 1/9, 1]]}
    >>> tree = {"goal": (list(alts), crit)}
    >>> tree.update({c: (["Tom", "Dick", "Harry"], ahp_weights(m)) for c, m in alts.items()})
    >>> h = hierarchy(tree, "goal")
    >>> h.leaves, h.global_weights.round(3).tolist()
    (('Tom', 'Dick', 'Harry'), [0.358, 0.493, 0.149])
    """
    if root not in tree:
        raise ModelError(f'tree: the root "{root}" has no children; give it (children, weights)')
    local = {node: _tree_node(node, entry) for node, entry in tree.items()}

    post, leaves = _tree_order(local, root)
    nw, num, den = _node_weights(local, post, root)
    gw = np.array([nw[leaf] for leaf in leaves])
    gw = gw / gw.sum()
    return HierarchyResult(leaves=tuple(leaves), global_weights=gw, node_weights=nw,
                           consistency_ratio=float(num / den) if den > 0 else 0.0)


def _node_weights(local: Mapping[str, tuple[list[str], np.ndarray, AhpResult | None]], post: list[str],
                  root: str) -> tuple[dict[str, float], float, float]:
    """Global weight of every node, top down; and the sums of a_j CI_j and a_j RI_j for the CR."""
    nw = {node: 0.0 for node in post}
    nw[root] = 1.0
    num = den = 0.0
    for node in reversed(post):
        if node not in local or not local[node][0]:
            continue
        children, vec, res = local[node]
        for ch, x in zip(children, vec):
            nw[ch] += nw[node] * float(x)
        if res is not None:
            num += nw[node] * res.consistency_index
            den += nw[node] * res.random_index
    return nw, num, den


def _tree_order(local: Mapping[str, tuple[list[str], np.ndarray, AhpResult | None]],
                root: str) -> tuple[list[str], list[str]]:
    """Depth-first walk from ``root``: (every node in post-order, the leaves in order); refuses a cycle."""
    state: dict[str, int] = {}
    post: list[str] = []
    leaves: list[str] = []

    def visit(node: str, path: tuple[str, ...]) -> None:
        st = state.get(node)
        if st == 1:
            raise ModelError(f'tree: "{node}" is its own ancestor ({" > ".join(path + (node,))})')
        if st == 2:
            return
        state[node] = 1
        children = local[node][0] if node in local else []
        if not children:
            leaves.append(node)
        for ch in children:
            visit(ch, path + (node,))
        state[node] = 2
        post.append(node)

    visit(root, ())
    return post, leaves


def _vector(values: Cells, name: str, rule: str) -> np.ndarray:
    arr = _to_grid(values, name)
    if arr.ndim == 2 and min(arr.shape) > 1:
        raise MatrixShapeError(f"{name}: must be a single row or column but is "
                               f"{arr.shape[0]} x {arr.shape[1]}")
    flat = arr.ravel() if arr.shape[0] == 1 else arr[:, 0]
    bad = ~np.isfinite(flat) | (flat < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        r, c = (0, i) if arr.shape[0] == 1 and arr.shape[1] > 1 else (i, 0)
        what = "blank" if np.isnan(flat[i]) else _num(float(flat[i]))
        raise ScaleError(f"{name}: {cell_ref(r, c)} is {what}; {rule}")
    return flat


def _parent_labels(parent_labels: Cells, count: int) -> list[str] | None:
    """The parents' labels as stripped text, one per parent weight (None when not given)."""
    if parent_labels is None:
        return None
    if hasattr(parent_labels, "to_numpy"):
        parent_labels = parent_labels.to_numpy()
    labels = [str(x).strip() for x in np.asarray(parent_labels, dtype=object).ravel()]
    if len(labels) != count:
        raise ModelError(f"parent_labels: {len(labels)} labels given for {count} parent "
                         f"weights; give one label per parent")
    return labels


def _parent_index(i: int, p: Any, labels: list[str] | None, count: int) -> int:
    """Row ``i``'s parent ``p`` (a label, or a 1-based number when there are no labels) as a 0-based index."""
    if labels is not None:
        key = str(p).strip() if p is not None else ""
        if key in labels:
            return labels.index(key)
        raise ModelError(f'parents: row {i + 1} is "{key}"; it must be one of '
                         f'{", ".join(labels)}')
    try:
        if isinstance(p, (bool, np.bool_)):
            raise ValueError
        x = float(p.strip()) if isinstance(p, str) else float(p)
    except (TypeError, ValueError, AttributeError):
        x = math.nan
    if not (math.isfinite(x) and x == int(x) and 1 <= x <= count):
        raise ModelError(f'parents: row {i + 1} is "{p}"; parent numbers must be whole numbers '
                         f"from 1 to {count}")
    return int(x) - 1


def global_weights(parent_weights: Cells, local_weights: Cells, parents: Cells, parent_labels: Cells = None) -> np.ndarray:
    """Two-level global weights: w_i = parent_weights[parent of i] * local_weights[i].

    Parameters
    ----------
    parent_weights : sequence of float
        Weights of the parents (dimensions).
    local_weights : sequence of float
        Local weight of each indicator within its parent.
    parents : sequence
        Per indicator, a 1-based index into ``parent_weights`` (int or numeric text), or a label
        from ``parent_labels`` when that is given.
    parent_labels : sequence of str, optional
        Labels of the parents, in the order of ``parent_weights``.

    Returns
    -------
    numpy.ndarray
        One global weight per indicator.

    Raises
    ------
    ModelError
        A parent that is out of range or unknown; lengths that differ.
    ScaleError
        Negative, blank or non-finite weights.

    Examples
    --------
    >>> global_weights([0.6, 0.4], [0.5, 0.5, 1.0], [1, "1", 2]).tolist()
    [0.3, 0.3, 0.4]
    """
    rule = "weights must be non-negative numbers"
    pw = _vector(parent_weights, "parent_weights", rule)
    lw = _vector(local_weights, "local_weights", rule)
    if hasattr(parents, "to_numpy"):
        parents = parents.to_numpy()
    plist = list(np.asarray(parents, dtype=object).ravel())
    if len(plist) != lw.size:
        raise ModelError(f"parents: {len(plist)} parents given for {lw.size} local weights; "
                         f"give one parent per indicator")
    labels = _parent_labels(parent_labels, pw.size)
    idx = np.empty(lw.size, dtype=int)
    for i, p in enumerate(plist):
        idx[i] = _parent_index(i, p, labels, pw.size)
    out: np.ndarray = pw[idx] * lw
    return out
