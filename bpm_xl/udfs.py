"""The Excel functions of bpm-xl (xlwings): convert, call the core, shape the output.

One module serves both xlwings runtimes. Classic Excel on Windows calls these through the VBA
wrappers that "Import Functions" writes; xlwings Lite / xlwings Server (Office.js) registers
them as custom functions. Each function only converts what Excel sends, calls ``bpm_xl``'s
core and shapes the result; all rules and all messages live in the core.

Conventions (also in docs/FUNCTIONS.md)
---------------------------------------
Inputs
    Ranges arrive as raw cell values: blanks are ``None``, typed fractions such as ``"1/3"``
    and numeric text are accepted (the core parses them). Survey answers and Delphi ratings
    are laid out one respondent/expert per row and one indicator per column. A list of
    weights or scores may be a row or a column.
Outputs
    * One number: a single value (AHP_CR, BPM_SCORE ...).
    * One value per item, no header, so the result lines up with the items it belongs to:
      items that are rows of the input give a column (AHP_WEIGHTS: one weight per matrix
      row), items that are columns of the input give a row (BPM_INDICATOR_SCORES,
      DELPHI_SCREEN: one value under each indicator column); a vector computed from a vector
      keeps that vector's orientation (AHP_GLOBAL_WEIGHTS, DELPHI_AUTHORITY).
    * Tables label themselves, with short bilingual labels ("权重 weight"): record tables
      (one row per item) start with a header row; key-value tables (one result) have the
      label in column 1 and the value in column 2.
    * Indices shown to users are 1-based. A statistic that does not exist (SD of a single
      rating) is an empty text cell ``""``, never NaN.
Errors
    A :class:`~bpm_xl.errors.BpmError` becomes the error the runtime shows with its message:
    ``xlwings.XlwingsError`` on Office.js (``#VALUE!`` with the message), a COM exception
    whose description is the message on classic Excel (the VBA wrapper writes
    ``Err.Description`` into the cell, so the cell shows the short message instead of a
    traceback). Any other exception is a bug and propagates unchanged.

Excel names are the Python names (Office.js upper-cases them; they already are).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import xlwings as xw

from . import ahp, conversion, datascore, delphi, scoring
from .errors import BpmError, MatrixShapeError, SettingsError
from .udfspec import arg, excel_function

__all__ = [
    "AHP_WEIGHTS",
    "AHP_LAMBDA_MAX",
    "AHP_CI",
    "AHP_CR",
    "AHP_CONSISTENCY",
    "AHP_COMPLETE",
    "AHP_WORST",
    "AHP_GROUP",
    "AHP_GLOBAL_WEIGHTS",
    "DELPHI_STATS",
    "KENDALL_W",
    "DELPHI_AUTHORITY",
    "DELPHI_SCREEN",
    "BPM_INDICATOR_SCORES",
    "BPM_SCORE",
    "BPM_RATING",
    "BPM_FUZZY",
    "BPM_PRIORITIES",
    "DATA_SCORE",
]

_F = TypeVar("_F", bound=Callable[..., Any])

# Labels shown in output tables: Chinese first, short English after.
KEEP = "保留 keep"
DROP = "删除 drop"

_DOC_MATRIX = "Square pairwise comparison range, e.g. B3:F7; blanks and fractions like 1/3 allowed"
_DOC_METHOD_CR = "Weighting method whose lambda max is used: eigen (default, the principal eigenvalue), geomean, arith"
_DOC_RI = "Random-index table: cn (default), saaty1980, saaty2005, donegan_dodd, alonso_lamata"
_DOC_RATINGS = "Expert ratings: one row per expert, one column per indicator; blanks skipped"


# --------------------------------------------------------------------------------------
# Errors: BpmError -> what the running Excel shows
# --------------------------------------------------------------------------------------
def _cell_error(exc: BpmError) -> Exception:
    """The exception that shows ``str(exc)`` in the cell under the current xlwings runtime."""
    runtime = getattr(xw.func, "__module__", "")
    message = str(exc)
    if runtime == "xlwings.udfs":  # classic COM: the wrapper shows Err.Description
        try:
            from win32com.server.exception import COMException
        except ImportError:  # pragma: no cover - classic runtime implies pywin32
            return xw.XlwingsError(message)
        return COMException(description=message)
    if runtime.startswith("xlwings.pro") or runtime == "xlwings.server":
        return xw.XlwingsError(message)
    return exc  # plain Python (no Excel runtime): keep the core's error


def _excel_errors(f: _F) -> _F:
    """Turn a BpmError into the runtime's cell error; everything else propagates (a bug)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except BpmError as exc:
            err = _cell_error(exc)
            if err is exc:
                raise
            raise err from None

    return wrapper  # type: ignore[return-value]


def _udf(**args: Any) -> Callable[[_F], _F]:
    """An Excel function of this module: xlwings' decorators and the VBA wrapper from one declaration."""
    return excel_function(xw, wrap=_excel_errors, **args)


# --------------------------------------------------------------------------------------
# Conversion helpers (Excel values in, cell-ready values out)
# --------------------------------------------------------------------------------------
_grid = conversion.as_rows


def _is_row(grid: list[list[Any]]) -> bool:
    """A range of one row and several columns."""
    return len(grid) == 1 and len(grid[0]) > 1


def _flat(value: Any, name: str) -> list[Any]:
    """One row or one column of cells as a flat list (raw values; the core converts)."""
    grid = _grid(value)
    if len(grid) > 1 and len(grid[0]) > 1:
        raise MatrixShapeError(
            f"{name}: expected one row or one column, got {len(grid)} rows x {len(grid[0])} columns"
        )
    return [v for row in grid for v in row]


def _scalar(value: Any, name: str, default: Any = None) -> Any:
    """A single-cell argument: a 1 x 1 range is its value, a blank cell the default.

    A larger range is an error (it would otherwise be echoed whole in the core's message).
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        grid = _grid(value)
        if len(grid) != 1 or len(grid[0]) != 1:
            raise MatrixShapeError(
                f"{name}: expected a single cell, got {len(grid)} rows x {len(grid[0])} columns"
            )
        value = grid[0][0]
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return value


def _is_code(value: Any) -> bool:
    """Text that is not a number: a code such as "D1" rather than a weight typed as text."""
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def _option(value: Any, name: str, default: str) -> str:
    """A text option such as method or random_index; blank means the default."""
    return conversion.text(_scalar(value, name, default)).lower()


def _whole(value: Any, name: str, default: int) -> Any:
    """A whole-number option such as count: blank -> default, 3.0 or "3" -> 3; else as is."""
    value = _scalar(value, name, default)
    if isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if math.isfinite(number) and number == int(number) else value


def _cell(value: Any) -> Any:
    """A result value as a cell: Python float/int/bool/str; NaN or infinity -> ""."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else ""
    return value


def _column(values: Any) -> list[list[Any]]:
    return [[_cell(v)] for v in np.asarray(values).reshape(-1).tolist()]


def _row(values: Any) -> list[list[Any]]:
    return [[_cell(v) for v in np.asarray(values).reshape(-1).tolist()]]


def _like(values: Any, grid: list[list[Any]]) -> list[list[Any]]:
    """A vector in the orientation of the input vector ``grid`` (row stays row)."""
    return _row(values) if _is_row(grid) else _column(values)


def _table(rows: list[list[Any]]) -> list[list[Any]]:
    return [[_cell(v) for v in row] for row in rows]


def _any_n_table(n: int) -> str:
    """An RI table for a result whose CR is not shown: "cn" where it has n, else the formula."""
    return "cn" if n <= len(ahp.RANDOM_INDEX["cn"]) else "alonso_lamata"


def _ahp(matrix: Any, method: Any = None, random_index: Any = None, *, ri: bool = True) -> ahp.AhpResult:
    """One matrix through the core. Functions without a ``random_index`` argument (``ri=False``:
    AHP_WEIGHTS, AHP_LAMBDA_MAX, AHP_CI need no RI) accept any n."""
    grid = _grid(matrix)
    table = _option(random_index, "random_index", "cn") if ri else _any_n_table(len(grid))
    return ahp.ahp_weights(grid, method=_option(method, "method", "eigen"), random_index=table, name="matrix")


# --------------------------------------------------------------------------------------
# AHP
# --------------------------------------------------------------------------------------
@_udf(
    matrix=arg(_DOC_MATRIX, ndim=2),
    method=arg("Weighting method: eigen (default, principal eigenvector), geomean, arith"),
)
def AHP_WEIGHTS(matrix, method="eigen"):
    """AHP权重. Priority weights of a pairwise comparison matrix: a column, one weight per matrix row, summing to 1."""
    return _column(_ahp(matrix, method, ri=False).weights)


@_udf(
    matrix=arg(_DOC_MATRIX, ndim=2),
)
def AHP_LAMBDA_MAX(matrix):
    """最大特征根. Largest eigenvalue (lambda max) of a pairwise comparison matrix."""
    return _cell(_ahp(matrix, ri=False).lambda_max)


@_udf(
    matrix=arg(_DOC_MATRIX, ndim=2),
)
def AHP_CI(matrix):
    """一致性指标CI. Consistency index (lambda max - n) / (n - 1) of a pairwise comparison matrix."""
    return _cell(_ahp(matrix, ri=False).consistency_index)


@_udf(
    matrix=arg(_DOC_MATRIX, ndim=2),
    random_index=arg(_DOC_RI),
    method=arg(_DOC_METHOD_CR),
)
def AHP_CR(matrix, random_index="cn", method="eigen"):
    """一致性比率CR. Consistency ratio CI / RI of a pairwise comparison matrix; acceptable below 0.10."""
    return _cell(_ahp(matrix, method, random_index).consistency_ratio)


@_udf(
    matrix=arg(_DOC_MATRIX, ndim=2),
    random_index=arg(_DOC_RI),
    method=arg(_DOC_METHOD_CR),
)
def AHP_CONSISTENCY(matrix, random_index="cn", method="eigen"):
    """一致性检验. Consistency check as a 2-column table: lambda max, CI, RI, CR, pass (CR < 0.10) and the RI table used."""
    r = _ahp(matrix, method, random_index)
    return _table(
        [
            ["λmax 最大特征根", r.lambda_max],
            ["CI 一致性指标", r.consistency_index],
            ["RI 随机一致性指标", r.random_index],
            ["CR 一致性比率", r.consistency_ratio],
            ["通过 pass (CR<0.10)", bool(r.acceptable)],
            ["RI表 RI table", r.random_index_table],
        ]
    )


@_udf(
    matrix=arg("Upper triangle or incomplete pairwise matrix; leave unknown judgments blank", ndim=2),
)
def AHP_COMPLETE(matrix):
    """补全判断矩阵. Full reciprocal matrix from an upper triangle or an incomplete matrix (lambda-max-optimal completion)."""
    return _table(ahp.complete_matrix(_grid(matrix), name="matrix").tolist())


@_udf(
    matrix=arg(_DOC_MATRIX, ndim=2),
    count=arg("How many judgments to list (default 3)"),
    method=arg(_DOC_METHOD_CR),
    random_index=arg(_DOC_RI),
)
def AHP_WORST(matrix, count=3, method="eigen", random_index="cn"):
    """最不一致判断. Most inconsistent judgments with header: row, column, current, consistent value, 1-9 scale value, CR after the change."""
    judgments = ahp.inconsistent_judgments(
        _grid(matrix),
        count=_whole(count, "count", 3),
        method=_option(method, "method", "eigen"),
        random_index=_option(random_index, "random_index", "cn"),
        name="matrix",
    )
    header = ["行 row", "列 column", "当前值 current", "一致值 consistent", "标度值 1-9 scale", "调整后CR CR after"]
    rows = [[j.row + 1, j.col + 1, j.value, j.consistent_value, j.scale_value, j.cr_after] for j in judgments]
    return _table([header, *rows])


@_udf(
    matrices=arg("The experts' n x n matrices stacked vertically in one range (k*n rows, n columns)", ndim=2),
    expert_weights=arg("Optional weight per expert (row or column); blank = equal weights", ndim=2),
    method=arg("aij (default): aggregate judgments, returns a matrix; aip: aggregate priorities, returns weights"),
    weight_method=arg("With aip: how each expert's weights are computed: eigen (default), geomean, arith"),
)
def AHP_GROUP(matrices, expert_weights=None, method="aij", weight_method="eigen"):
    """群组判断集结. Group AHP: aij = weighted geometric mean of the experts' judgments (a matrix); aip = of their weights (a column)."""
    grid = _grid(matrices)
    n = len(grid[0])
    if len(grid) % n:
        raise MatrixShapeError(
            f"matrices: {len(grid)} rows is not a multiple of {n} columns; "
            f"stack the experts' {n} x {n} matrices one below the other"
        )
    how = _option(method, "method", "aij")
    if how not in ("aij", "aip"):
        raise SettingsError(f"method: {how!r} is not known; use aij or aip")
    blocks = [grid[e * n : (e + 1) * n] for e in range(len(grid) // n)]
    weights = None if expert_weights is None else _flat(expert_weights, "expert_weights")
    if weights is not None and all(v is None or v == "" for v in weights):
        weights = None  # a blank range means equal weights
    if how == "aij":
        return _table(ahp.aggregate_judgments(blocks, weights=weights, name="matrices").tolist())
    wm = _option(weight_method, "weight_method", "eigen")
    priorities = [
        ahp.ahp_weights(b, method=wm, random_index=_any_n_table(n),
                        name=f"matrices: expert {e + 1}").weights for e, b in enumerate(blocks)
    ]
    return _column(ahp.aggregate_priorities(priorities, weights=weights, name="weights"))


@_udf(
    parent_weights=arg("Weights of the parent level (row or column), or a 2-column range: code, weight", ndim=2),
    local_weights=arg("Local weight of each indicator within its parent (row or column)", ndim=2),
    parents=arg("Parent of each indicator: 1-based position in parent_weights, or its code", ndim=2),
)
def AHP_GLOBAL_WEIGHTS(parent_weights, local_weights, parents):
    """组合权重. Global weight of each indicator = parent weight x local weight, in the orientation of local_weights."""
    pgrid = _grid(parent_weights)
    parent_labels = None
    if len(pgrid) > 1 and len(pgrid[0]) == 2 and all(_is_code(r[0]) for r in pgrid):
        parent_labels = [r[0] for r in pgrid]
        pweights = [r[1] for r in pgrid]
    else:
        pweights = _flat(pgrid, "parent_weights")
    lgrid = _grid(local_weights)
    result = ahp.global_weights(
        pweights, _flat(lgrid, "local_weights"), _flat(parents, "parents"), parent_labels=parent_labels
    )
    return _like(result, lgrid)


# --------------------------------------------------------------------------------------
# Delphi
# --------------------------------------------------------------------------------------
@_udf(
    ratings=arg(_DOC_RATINGS, ndim=2),
    full_score=arg("Top of the rating scale (default 5)"),
)
def DELPHI_STATS(ratings, full_score=5):
    """德尔菲统计. Per indicator, one row each with header: indicator, mean, SD, coefficient of variation, full-score frequency."""
    full = _scalar(full_score, "full_score", 5)
    st = delphi.indicator_stats(_grid(ratings), full_score=full, name="ratings")
    header = ["指标 indicator", "均值 mean", "标准差 SD", "变异系数 CV", "满分频率 full-score"]
    rows = [
        [k + 1, st.mean[k], st.sd[k], st.cv[k], st.full_score_frequency[k]] for k in range(len(st.mean))
    ]
    return _table([header, *rows])


@_udf(
    ratings=arg("Ratings or ranks: one row per expert, one column per indicator; no blanks", ndim=2),
)
def KENDALL_W(ratings):
    """肯德尔协调系数. Kendall's W (tie-corrected) with chi-square, df and p, as a 2-column table."""
    r = delphi.kendall_w(_grid(ratings), name="ratings")
    return _table(
        [
            ["W 协调系数", r.w],
            ["χ² chi-square", r.chi2],
            ["自由度 df", r.df],
            ["P值 p", r.p],
        ]
    )


@_udf(
    ca=arg("Judgment coefficient Ca of each expert (row or column), 0 to 1", ndim=2),
    cs=arg("Familiarity coefficient Cs of each expert, same length as ca, 0 to 1", ndim=2),
)
def DELPHI_AUTHORITY(ca, cs):
    """权威系数. Authority coefficient Cr = (Ca + Cs) / 2 of each expert, in the orientation of ca."""
    ca_grid = _grid(ca)
    r = delphi.authority(_flat(ca_grid, "ca"), _flat(cs, "cs"))
    return _like(r.cr, ca_grid)


@_udf(
    ratings=arg(_DOC_RATINGS + " (scale 1 to 5)", ndim=2),
    min_mean=arg("Keep an indicator only if its mean is at least this (default 3.5)"),
    max_cv=arg("Keep an indicator only if its coefficient of variation is at most this (default 0.25)"),
)
def DELPHI_SCREEN(ratings, min_mean=3.5, max_cv=0.25):
    """指标筛选. A row under the indicator columns: 保留 keep, or 删除 drop with the reason (mean >= min_mean and CV <= max_cv)."""
    r = delphi.screen(
        _grid(ratings),
        min_mean=_scalar(min_mean, "min_mean", 3.5),
        max_cv=_scalar(max_cv, "max_cv", 0.25),
        name="ratings",
    )
    return _row([KEEP if keep else f"{DROP}: {why}" for keep, why in zip(r.keep.tolist(), r.reasons)])


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------
@_udf(
    responses=arg("Survey answers: one row per respondent, one column per indicator; blanks skipped", ndim=2),
    scale_min=arg("Lowest answer on the scale (default 1)"),
    scale_max=arg("Highest answer on the scale (default 5)"),
)
def BPM_INDICATOR_SCORES(responses, scale_min=1, scale_max=5):
    """指标得分. Mean answer of each indicator: a row, one value under each column of responses; blanks skipped."""
    r = scoring.indicator_scores(
        _grid(responses),
        scale_min=_scalar(scale_min, "scale_min", 1),
        scale_max=_scalar(scale_max, "scale_max", 5),
        name="responses",
    )
    return _row(r.mean)


@_udf(
    weights=arg("Indicator weights summing to 1 (row or column)", ndim=2),
    scores=arg("Indicator scores, one per weight (row or column)", ndim=2),
)
def BPM_SCORE(weights, scores):
    """综合得分. Weighted score: sum of weight x score over the indicators."""
    return _cell(scoring.weighted_score(_grid(weights), _grid(scores)))


@_udf(
    score=arg("Score to grade, on a scale from 0 to scale_max"),
    scale_max=arg("Top of the score's scale (default 5; use 100 for a 100-point score)"),
    bands=arg("Optional rule, one row per grade: grade, lower bound on 100 points[, label]", ndim=2),
)
def BPM_RATING(score, scale_max=5, bands=None):
    """评价等级. Grade of a score: A (优 >= 90), B (良 >= 80), C (中 >= 60), D (差) on 100 points by 财预〔2020〕10号, or your bands."""
    rule = scoring.MOF_BANDS if bands is None else scoring.bands_from_table(_grid(bands))
    top = _scalar(scale_max, "scale_max", 5)
    return scoring.rate(_scalar(score, "score"), scale_max=top, bands=rule).grade


@_udf(
    weights=arg("Indicator weights summing to 1 (row or column)", ndim=2),
    memberships=arg("Membership matrix R: one row per indicator, one column per grade; rows sum to 1", ndim=2),
)
def BPM_FUZZY(weights, memberships):
    """模糊综合评价. B = W x R with header: one membership per grade (B1, B2 ...), then the 1-based grade of the largest membership."""
    r = scoring.fuzzy_evaluation(_grid(weights), _grid(memberships))
    header = [f"B{k + 1}" for k in range(r.b.size)] + ["等级 grade"]
    return _table([header, [*r.b.tolist(), r.grade_index + 1]])


@_udf(
    labels=arg("Indicator names (row or column)", ndim=2),
    weights=arg("Indicator (global) weights, one per label", ndim=2),
    scores=arg("Indicator scores, one per label, between 0 and scale_max", ndim=2),
    scale_max=arg("Top of the score scale (default 5)"),
)
def BPM_PRIORITIES(labels, weights, scores, scale_max=5):
    """改进优先序. Indicators ranked by weighted gap w x (scale_max - score), with header: rank, indicator, weight, score, gap, weighted gap, share."""
    df = scoring.improvement_priorities(
        _flat(labels, "labels"), _grid(weights), _grid(scores), scale_max=_scalar(scale_max, "scale_max", 5)
    )
    header = ["排名 rank", "指标 indicator", "权重 weight", "得分 score", "差距 gap", "加权差距 weighted gap", "占比 share"]
    cols = ["rank", "label", "weight", "score", "gap", "weighted_gap", "share"]
    return _table([header, *df[cols].to_numpy(dtype=object).tolist()])


# --------------------------------------------------------------------------------------
# Data indicators
# --------------------------------------------------------------------------------------
@_udf(
    value=arg("The measured value, e.g. 0.93 (93%); for yesno 是/否, yes/no, 1/0 or TRUE/FALSE", ndim=2),
    method=arg("Scoring method: linear, ratio, steps, deduct or yesno (线性, 比率, 分档, 扣分, 是否)"),
    p1=arg("linear: value scoring 0; ratio: target; deduct: threshold; steps: range of bounds; yesno: blank", ndim=2),
    p2=arg("linear: value scoring full; deduct: share of the mark lost per unit short; steps: range of fractions", ndim=2),
    scale_max=arg("Top of the score's scale (default 5; use 100 for points)"),
    direction=arg("higher (正向, default) or lower (逆向): which way is better for ratio, steps, deduct, yesno"),
)
def DATA_SCORE(value, method, p1=None, p2=None, scale_max=5, direction=None):
    """数据指标得分. Score of a measured value by its scoring standard: the fraction of the full mark (0 to 1) times scale_max."""
    r = datascore.data_score(_scalar(value, "value"), _scalar(method, "method"), p1, p2,
                             scale_max=_scalar(scale_max, "scale_max", 5), direction=_scalar(direction, "direction"))
    return _cell(r.score)
