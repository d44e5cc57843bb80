"""The portable workbook: every bpm-xl function call replaced by native formulas.

``bpm-xl export FILE --portable`` and ``bpm-xl new FILE.xlsx --portable`` write a macro-free
.xlsx for people without Python (a bureau on WPS or LibreOffice, an auditor); it is a full hub:
its input sheets stay editable, ``bpm-xl rebuild FILE.xlsx`` rebuilds it as a portable
workbook (the defined name ``BPM_ROLE_CALC`` marks it), and evaluate/report/export read it.
Judgments typed as text ("1/3", "１／３") are read by a parse table as the core reads them
(see "Judgments typed as text" below). Every output is a native formula that Excel 2010+, WPS and
LibreOffice 7.4 recalculate: only SUMPRODUCT, MMULT (entered as CSE array formulas), INDEX,
MATCH, GEOMEAN, AVERAGE, STDEV, COUNTIF, RANK, CHIDIST, DEVSQ, LN, EXP, IF, ISNUMBER and the
like; no LET, LAMBDA, SEQUENCE, FILTER or XLOOKUP. Intermediate tables live on an extra sheet
("计算" / "Calc"):

- group matrix (AIJ): per node a table experts x pairs of the typed value (upper triangle
  wins, a lower-only value counts as 1/value), its logarithm and a mask; a_ij is the weighted
  geometric mean over the experts who judged the pair;
- weights: the steps of :mod:`bpm_xl.layout.method` (their text and their numpy values for the
  cached ones): eigen by normalised repeated squaring B <- B.B / sum(B.B) (MMULT), row shares
  of the last power, then power steps; geomean (GEOMEAN of rows); arith (mean of
  column-normalised rows); BPM_METHOD picks one; lambda max = mean of (A w) / w with the
  chosen w; CI, CR and the Alonso–Lamata random index from the same module;
- each expert's matrix completed by reciprocals and weighed the same way (expert CR, AIP);
- the most inconsistent judgments (e_ij = a_ij w_j / w_i) ranked natively;
- Delphi statistics, screening and Kendall's W (tie-corrected, average ranks).

Not reproduced natively (each is said on the sheet): a pair no expert judged (NA(); the
Python side completes it), an expert matrix with a pair blank on both sides (that expert's CR
and, under AIP, the node's weights are NA(); the Python side uses the lambda-max-optimal
completion), and the "CR after" column of the inconsistent judgments.

Every formula carries its true value as the cached value (what LibreOffice with default
settings, WPS and Excel's Protected View show): the output sheets' values come from the
Evaluation (through the layout), and each intermediate formula of the calculation sheet is
mirrored here by a few lines of numpy next to the formula it mirrors (:class:`_Values` holds
what each cell shows; errors are cached as Excel error values such as ``#N/A``).
"""

from __future__ import annotations

import copy
import io
import math
import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .. import ahp, ranking
from ..errors import WorkbookError
from ..layout.cached import (
    CONSISTENCY_LABELS,
    DROP,
    KEEP,
    KENDALL_LABELS,
    STATS_HEADER,
    WORST_HEADER,
)
from ..layout import method as steps
from ..layout.lambdas import defined_names
from ..layout.types import (
    ArrayBlock,
    Block,
    Formula,
    SheetPlan,
    WorkbookPlan,
    a1,
    parse_ref,
    ref,
)

__all__ = ["CALC_ROLE_NAME", "CALC_SHEET", "PORTABLE_GUIDE", "UDF_NAMES", "export_portable",
           "is_portable", "portable_bytes", "portable_plan"]

#: The calculation sheet's name by language.
CALC_SHEET = {"zh": "计算", "en": "Calc"}
#: The defined name of the calculation sheet: it marks a workbook as portable (macro-free, native
#: formulas) and makes the sheet one bpm-xl owns (rebuilt, never kept as a user's sheet).
CALC_ROLE_NAME = "BPM_ROLE_CALC"
#: Every bpm-xl Excel function; none may appear in a portable file.
UDF_NAMES = (
    "AHP_WEIGHTS", "AHP_LAMBDA_MAX", "AHP_CI", "AHP_CR", "AHP_CONSISTENCY", "AHP_COMPLETE", "AHP_WORST",
    "AHP_GROUP", "AHP_GLOBAL_WEIGHTS", "DELPHI_STATS", "KENDALL_W", "DELPHI_AUTHORITY", "DELPHI_SCREEN",
    "BPM_INDICATOR_SCORES", "BPM_SCORE", "BPM_RATING", "BPM_FUZZY", "BPM_PRIORITIES",
)

F = Formula
#: The cached value of a formula that yields an error (#N/A, #DIV/0!, #NUM!, #VALUE! alike).
NA = "#N/A"

_TEXT = {
    "zh": {
        "guide": "本文件为无宏的便携导出（bpm-xl export --portable）：所有结果均为 Excel/WPS/LibreOffice 原生公式，"
                 "无需 Python；中间计算见“计算”工作表。",
        "calc_title": "计算：原生公式的中间表（群组判断集结、特征向量幂迭代、专家矩阵、一致性、德尔菲）",
        "note_pairs": "注：无专家判断的成对比较显示 #N/A（bpm-xl 的 Python 计算会补全）。",
        "note_expert": "注：专家矩阵中两侧都空白的成对比较，该专家的 CR（及 AIP 集结下该节点的权重）显示 #N/A；"
                       "bpm-xl 工作簿用 λmax 最优补全计算。",
        "note_worst": "注：“调整后CR”需 bpm-xl 工作簿计算，本导出不提供。",
        "cr_after": "见 bpm-xl 工作簿",
        "pairs": "节点 {node}：成对判断（专家 × 比较对）",
        "values": "取值", "logs": "对数", "mask": "已判断",
        "aggregate": "集结",
        "weigh": "{what}：幂迭代（B←B·B/ΣB·B）与权重",
        "group": "节点 {node} 群组矩阵",
        "expert": "节点 {node} 专家 {expert}",
        "aip": "节点 {node}：AIP 集结（专家权重的加权几何平均）",
        "worst": "节点 {node}：最不一致判断",
        "ranks": "德尔菲第 {k} 轮：秩（平均秩）与结",
        "scale": "1-9 标度",
        "parse": "节点 {node}：判断值的读取（文本如 1/3、１／３ 按 bpm-xl 的规则读取；无法读取的显示 #N/A 或 #VALUE!）",
        "cell": "单元格", "reads": "读作", "text": "文本", "num": "分子", "den": "分母", "rest": "去掉数字后",
        "num_v": "分子数值", "den_v": "分母数值",
    },
    "en": {
        "guide": "This file is a macro-free portable export (bpm-xl export --portable): every result is a native "
                 "Excel/WPS/LibreOffice formula and needs no Python; intermediate tables are on the Calc sheet.",
        "calc_title": "Calc: intermediate tables of the native formulas (group judgments, eigenvector power "
                      "iteration, expert matrices, consistency, Delphi)",
        "note_pairs": "Note: a pair no expert judged shows #N/A (the Python side of bpm-xl completes it).",
        "note_expert": "Note: where an expert left a pair blank on both sides, that expert's CR (and under AIP the "
                       "node's weights) show #N/A; the bpm-xl workbook uses the lambda-max-optimal completion.",
        "note_worst": "Note: \"CR after\" needs the bpm-xl workbook; this export does not compute it.",
        "cr_after": "see bpm-xl workbook",
        "pairs": "Node {node}: judgments (experts x pairs)",
        "values": "value", "logs": "log", "mask": "judged",
        "aggregate": "aggregate",
        "weigh": "{what}: power iteration (B <- B.B/sum B.B) and weights",
        "group": "node {node} group matrix",
        "expert": "node {node} expert {expert}",
        "aip": "Node {node}: AIP (weighted geometric mean of the experts' weights)",
        "worst": "Node {node}: most inconsistent judgments",
        "ranks": "Delphi round {k}: ranks (average) and ties",
        "scale": "1-9 scale",
        "parse": "Node {node}: how each judgment reads (text such as 1/3 or full-width １／３ as bpm-xl reads it; "
                 "what cannot be read shows #N/A or #VALUE!)",
        "cell": "cell", "reads": "reads as", "text": "text", "num": "numerator", "den": "denominator",
        "rest": "without digits", "num_v": "numerator value", "den_v": "denominator value",
    },
}

_SAATY = [1 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)]


# ---------------------------------------------------------------------------------------
# what each cell shows: the spreadsheet semantics the mirrors below need
def _isnum(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _out(x: Any) -> Any:
    """A computed number as a cached value; NaN or infinity (an error in the sheet) -> #N/A."""
    x = float(x)
    return x if math.isfinite(x) else NA


def _grid(a: np.ndarray) -> list[list[Any]]:
    return [[_out(v) for v in row] for row in np.atleast_2d(a).tolist()]


def _col(a: np.ndarray) -> list[list[Any]]:
    return [[_out(v)] for v in np.asarray(a).reshape(-1).tolist()]


def _is(v: Any, text: str) -> bool:
    """``cell="text"`` as a spreadsheet compares: case-insensitive, text only."""
    return isinstance(v, str) and v.lower() == text


def _text2(x: float) -> str:
    """TEXT(x, "0.00"): rounded half away from zero."""
    return str(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _concat(v: Any) -> str:
    """A number as ``&`` turns it into text (General format, 15 significant digits)."""
    if _isnum(v):
        return f"{float(v):.15g}"
    return "" if v is None else str(v)


#: A segment of a row written by :meth:`_Values.grid`: its values as they are (no formula in it is resolved).
_RAW = object()


class _Values:
    """What every cell of the plan shows: typed values, and the cached values of formulas.

    Kept by row: per (sheet, row) the segments written there, in order, each
    ``(first column, end column, cells, cached)``; a later segment covering a cell wins, as a
    later write does. A block's formula cell shows its cached value (``None`` without one);
    ``cached`` is ``_RAW`` for a segment of plain values (:meth:`grid`). The rows are copied
    when written, so a later change of a plan's block does not change what was recorded.
    """

    def __init__(self, plan: WorkbookPlan) -> None:
        self.rows: dict[tuple[str, int], list[tuple[int, int, tuple[Any, ...], Any]]] = {}
        self.arrays: list[tuple[str, int, int, np.ndarray]] = []   # float blocks (a large survey), NaN blank
        self.names = plan.names
        for sp in plan.sheets:
            for b in sp.blocks:
                self.block(sp.name, b.row, b.col, b.cells, b.cached)
            for a in sp.arrays:
                if a.cached:
                    self.grid(sp.name, a.row, a.col, a.cached)

    def _segment(self, sheet: str, r: int, c: int, row: list[Any], cached: Any) -> None:
        if len(row) == 0:
            return
        segs = self.rows.get((sheet, r))
        if segs is None:
            self.rows[(sheet, r)] = [(c, c + len(row), tuple(row), cached)]
        else:
            segs.append((c, c + len(row), tuple(row), cached))

    def block(self, sheet: str, r: int, c: int, cells: list[list[Any]], cached: list[list[Any]] | None) -> None:
        if isinstance(cells, np.ndarray):  # numbers only: kept as the array, read by get()
            self.arrays.append((sheet, r, c, cells))
            return
        nc = len(cached) if cached is not None else 0
        for i, row in enumerate(cells):
            self._segment(sheet, r + i, c, row, tuple(cached[i]) if i < nc else None)

    def grid(self, sheet: str, r: int, c: int, values: list[list[Any]]) -> None:
        for i, row in enumerate(values):
            self._segment(sheet, r + i, c, row, _RAW)

    def get(self, sheet: str, r: int, c: int) -> Any:
        v = None
        for c0, c1, cells, cached in reversed(self.rows.get((sheet, r), ())):
            if c0 <= c < c1:
                v = cells[c - c0]
                if cached is not _RAW and isinstance(v, Formula):
                    v = cached[c - c0] if cached is not None and c - c0 < len(cached) else None
                break
        if v is None:
            for s, r0, c0, arr in self.arrays:
                if s == sheet and 0 <= r - r0 < arr.shape[0] and 0 <= c - c0 < arr.shape[1]:
                    x = float(arr[r - r0, c - c0])
                    return None if x != x else x
        return v

    def at(self, refers: str) -> list[list[Any]]:
        sheet, r0, c0, r1, c1 = parse_ref(refers)
        return [[self.get(sheet, r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def nums(self, refers: str) -> np.ndarray:
        """A range as floats; anything not a number is NaN (so what depends on it is an error)."""
        return np.array([[float(v) if _isnum(v) else math.nan for v in row] for row in self.at(refers)], dtype=float)

    def scalar(self, name: str) -> Any:
        return self.at(self.names[name])[0][0]


def _ci_value(lam: Any, n: int) -> Any:
    return _out(steps.ci_value(float(lam) if _isnum(lam) else math.nan, n))


def _cr_value(ci: Any, ri: Any, n: int) -> Any:
    nan = math.nan
    return _out(steps.cr_value(float(ci) if _isnum(ci) else nan, float(ri) if _isnum(ri) else nan, n))


class _Calc:
    """The calculation sheet, filled top to bottom; every formula put here carries its value.
    :meth:`sheet` is its plan once everything is put."""

    def __init__(self, lang: str, values: _Values) -> None:
        self.lang = lang
        self.values = values
        self.name = CALC_SHEET[lang]
        self.blocks: list[Block] = []
        self.arrays: list[ArrayBlock] = []
        self.row = 0

    def sheet(self) -> SheetPlan:
        return SheetPlan("calc", self.name, "output", self.blocks, self.arrays,
                         widths={0: 16, **{c: 10 for c in range(1, 200)}})

    def tx(self, key: str, **kw: Any) -> str:
        return _TEXT[self.lang][key].format(**kw)

    def at(self, r: int, c: int) -> str:
        return ref(self.name, r, c)

    def rng(self, r0: int, c0: int, r1: int, c1: int) -> str:
        return ref(self.name, r0, c0, r1, c1)

    def column(self, r0: int, n: int, c: int) -> str:
        """The range of ``n`` rows from ``r0`` in column ``c`` (a vector of one node's block)."""
        return self.rng(r0, c, r0 + n - 1, c)

    def put(self, r: int, c: int, cells: list[list[Any]], style: str = "output",
            cached: list[list[Any]] | None = None) -> None:
        self.blocks.append(Block(r, c, cells, style, cached=cached))
        self.values.block(self.name, r, c, cells, cached)

    def array(self, r: int, c: int, nr: int, nc: int, formula: str, cached: list[list[Any]]) -> None:
        self.arrays.append(ArrayBlock(r, c, nr, nc, None, F(formula), "output", cached=cached))
        self.values.grid(self.name, r, c, cached)

    # ---------------------------------------------------------------------------------
    def _squarings(self, eig: steps.Eigen, msheet: str, mr0: int, mc0: int, b0: int, n: int) -> str:
        """B0 = M / sum(M), then the normalised squarings; returns the range of the last one."""
        MR = ref(msheet, mr0, mc0, mr0 + n - 1, mc0 + n - 1)
        self.put(b0, 1, [[F("=" + steps.share(ref(msheet, mr0 + i, mc0 + j), MR)) for j in range(n)] for i in range(n)],
                 cached=_grid(eig.start))
        prev = self.rng(b0, 1, b0 + n - 1, n)
        for s, B in enumerate(eig.squares, start=1):
            c = 1 + s * (n + 1)
            self.array(b0, c, n, n, "=" + steps.square(prev), _grid(B))
            prev = self.rng(b0, c, b0 + n - 1, c + n - 1)
        return prev

    def weigh(self, msheet: str, mr0: int, mc0: int, n: int, title: str) -> dict[str, Any]:
        """Eigen, geomean, arith and chosen weights of the n x n matrix at (msheet, mr0, mc0), by
        the steps of :mod:`bpm_xl.layout.method` (text and cached values).

        Returns cell references: ``eig``/``chosen`` (lists of n), ``lam_eig``/``lam`` (scalars),
        and their values (``chosen_v``, ``lam_v``).
        """
        MR = ref(msheet, mr0, mc0, mr0 + n - 1, mc0 + n - 1)
        M = self.values.nums(MR)
        r = self.row
        b0 = r + 1
        self.put(r, 0, [[self.tx("weigh", what=title)]], "subtitle")
        eig = steps.eigen(M)
        x0 = self._power_steps(eig, msheet, mr0, mc0, b0, n)
        x = x0 + len(eig.powers)                          # the last power step: the eigenvector
        gm, ar = steps.geomean(M), steps.arith(M)
        with np.errstate(all="ignore"):
            method = self.values.scalar("BPM_METHOD")
            chosen = gm / gm.sum() if _is(method, "geomean") else ar / ar.sum() if _is(method, "arith") else eig.weights
            aw_eig, aw = M @ eig.weights, M @ chosen
        lam_eig, lam = steps.lambda_max_value(M, eig.weights), steps.lambda_max_value(M, chosen)
        self._method_columns(msheet, mr0, mc0, n, r, x0, x, len(eig.powers), gm, ar, chosen)
        self.put(b0 + n, 0, [["Σ col"] + [F(f"=SUM({ref(msheet, mr0, mc0 + j, mr0 + n - 1, mc0 + j)})") for j in range(n)]],
                 cached=[[None, *[_out(v) for v in M.sum(axis=0)]]])
        self.array(b0, x + 6, n, 1, f"=MMULT({MR},{self.column(b0, n, x)})", _col(aw_eig))
        self.array(b0, x + 7, n, 1, f"=MMULT({MR},{self.column(b0, n, x + 5)})", _col(aw))
        self.put(b0 + n, x + 5, [["λmax",
                                  F("=" + steps.lambda_max(self.column(b0, n, x + 6), self.column(b0, n, x), n)),
                                  F("=" + steps.lambda_max(self.column(b0, n, x + 7), self.column(b0, n, x + 5), n))]],
                 cached=[[None, _out(lam_eig), _out(lam)]])
        self.row = b0 + n + 2
        return {
            "eig": [self.at(b0 + i, x) for i in range(n)],
            "chosen": [self.at(b0 + i, x + 5) for i in range(n)],
            "chosen_range": self.column(b0, n, x + 5),
            "lam_eig": self.at(b0 + n, x + 6),
            "lam": self.at(b0 + n, x + 7),
            "chosen_v": chosen,
            "lam_v": _out(lam),
        }

    def _power_steps(self, eig: Any, msheet: str, mr0: int, mc0: int, b0: int, n: int) -> int:
        """The squarings, then the row shares g and the power steps after them; returns the column of g."""
        MR = ref(msheet, mr0, mc0, mr0 + n - 1, mc0 + n - 1)
        last = self._squarings(eig, msheet, mr0, mc0, b0, n)
        x0 = 1 + (steps.SQUARINGS + 1) * (n + 1)          # the row shares g, then the power steps
        _, lr0, lc0, _, lc1 = parse_ref(last)
        self.put(b0, x0, [[F("=" + steps.row_share(self.rng(b0 + i, lc0, b0 + i, lc1), last))] for i in range(n)],
                 cached=_col(eig.shares))
        for k, w in enumerate(eig.powers, start=1):
            self.array(b0, x0 + k, n, 1, "=" + steps.power(MR, self.column(b0, n, x0 + k - 1)), _col(w))
        return x0

    def _method_columns(self, msheet: str, mr0: int, mc0: int, n: int, r: int, x0: int, x: int, powers: int,
                        gm: Any, ar: Any, chosen: Any) -> None:
        """The header from g on, and the GEOMEAN, geomean, arith raw, arith and chosen columns after
        the eigenvector in column ``x``."""
        b0 = r + 1
        steps_hdr = ["g", *[f"w{k}" for k in range(1, powers)]]
        self.put(r, x0, [[*steps_hdr, "eigen", "GEOMEAN", "geomean", "arith raw", "arith", "w", "A.w (eigen)", "A.w"]],
                 "header")
        colsums_ref = self.rng(b0 + n, 1, b0 + n, n)
        rows = []
        for i in range(n):
            mrow = ref(msheet, mr0 + i, mc0, mr0 + i, mc0 + n - 1)
            rows.append([
                F("=" + steps.geomean_raw(mrow)),
                F("=" + steps.share(self.at(b0 + i, x + 1), self.column(b0, n, x + 1))),
                F("=" + steps.arith_raw(mrow, colsums_ref, n)),
                F("=" + steps.share(self.at(b0 + i, x + 3), self.column(b0, n, x + 3))),
                F(f'=IF(BPM_METHOD="geomean",{self.at(b0 + i, x + 2)},'
                  f'IF(BPM_METHOD="arith",{self.at(b0 + i, x + 4)},{self.at(b0 + i, x)}))'),
            ])
        with np.errstate(all="ignore"):
            cached = np.column_stack([gm, gm / gm.sum(), ar, ar / ar.sum(), chosen])
        self.put(b0, x + 1, rows, cached=_grid(cached))


# ---------------------------------------------------------------------------------------
def _pair_value(up: Any, lo: Any) -> Any:
    """IF(ISNUMBER(up),up,IF(ISNUMBER(lo),1/lo,up&lo)): "" when both are blank, else an error."""
    if _isnum(up):
        return float(up)
    if _isnum(lo):
        return 1 / float(lo) if lo != 0 else NA
    return "" if up == "" and lo == "" else NA


def _rc(cell: str) -> tuple[int, int]:
    """(row, column), 0-based, of an A1 reference on the calculation sheet."""
    _, r, c, _, _ = parse_ref(cell)
    return r, c


# ---------------------------------------------------------------------------------------
# Judgments typed as text ("1/3", "１／３", " 1 / 3 ", "0.5"): read by native formulas as the
# core's conversion reads them (bpm_xl.conversion.number: NFKC, trimmed, one "/" between two
# numbers). VALUE alone would not do: it reads "1/3" as a date and "5-" as -5. So the text is
# folded to ASCII (full-width forms, the spaces NFKC maps to a space, tab and line breaks),
# trimmed, split at "/", and each side must be digits with at most one decimal point (checked
# by a SUBSTITUTE chain) before VALUE reads it. Every step has its own cell, mirrored by
# _parse_cells. What the core reads as a number but these formulas do not (a sign, an
# exponent, "①") refuses the write with the cell named (_check_readable): a portable file
# never holds an entry its engines would read differently from ``bpm-xl evaluate``.
_FOLD = ([(chr(0xFF10 + d), str(d)) for d in range(10)]
         + [("\uff0f", "/"), ("\uff0e", "."), ("\u3000", " "), ("\u00a0", " ")])
#: Control characters a paste may bring, as CHAR(n) in the formulas (codes below 128 only).
_FOLD_CODES = (9, 10, 13)
#: A typed number this large is refused (LibreOffice's VALUE of 400 digits is the largest double, not an error).
_HUGE = 1e300


def _substitutions(steps: list[str]) -> tuple[str, str]:
    """SUBSTITUTE(...SUBSTITUTE(x, step 1)..., last step) as the text before and after x (built once:
    the parse table has a chain for each of its cells)."""
    return "SUBSTITUTE(" * len(steps), "".join(f",{step})" for step in steps)


_FOLD_CHAIN = _substitutions([f'"{a}","{b}"' for a, b in _FOLD] + [f'CHAR({code})," "' for code in _FOLD_CODES])
_NO_DIGITS_CHAIN = _substitutions([f'"{d}",""' for d in "0123456789"])


def _fold_formula(x: str) -> str:
    """``x`` with _FOLD's characters and the _FOLD_CODES replaced, one SUBSTITUTE each.

    >>> f = _fold_formula("A1")
    >>> f.startswith("SUBSTITUTE(" * 17 + 'A1,"０","0"),"１","1"),'), f.endswith(',CHAR(10)," "),CHAR(13)," ")')
    (True, True)
    """
    return f"{_FOLD_CHAIN[0]}{x}{_FOLD_CHAIN[1]}"


def _no_digits_formula(x: str) -> str:
    """``x`` without its digits.

    >>> _no_digits_formula("A1").endswith('SUBSTITUTE(A1,"0",""),"1",""),"2",""),"3",""),"4",""),"5",""),"6",""),'
    ...                                   '"7",""),"8",""),"9","")')
    True
    """
    return f"{_NO_DIGITS_CHAIN[0]}{x}{_NO_DIGITS_CHAIN[1]}"


def _trim(s: str) -> str:
    """TRIM: no leading or trailing spaces, inner runs of spaces as one."""
    return " ".join(p for p in s.split(" ") if p)


def _no_digits(s: str) -> str:
    return s.translate({ord(d): None for d in "0123456789"})


def _part_cells(a: str) -> list[Any]:
    """One side of the "/": what is left without its digits, and the number it reads as."""
    if a == "":
        return ["", ""]
    rest = _no_digits(a)
    if rest in ("", ".") and len(a) > len(rest):
        v = float(a)
        return [rest, v if abs(v) < _HUGE else NA]
    return [rest, NA]


def _parse_cells(v: Any) -> list[Any]:
    """What the parse row of a judgment cell shows: value, text, numerator, denominator, then
    (without digits, value) of the numerator and of the denominator."""
    if _isnum(v):
        return [float(v), "", "", "", "", "", "", ""]
    if v is None:
        s = ""
    elif isinstance(v, bool):
        s = "TRUE" if v else "FALSE"
    else:
        s = str(v)
    for a_, b_ in _FOLD:
        s = s.replace(a_, b_)
    for code in _FOLD_CODES:
        s = s.replace(chr(code), " ")
    t = _trim(s)
    if t == "":
        a = b = ""
    elif "/" in t:
        k = t.index("/")
        a, b = _trim(t[:k]), _trim(t[k + 1:])
    else:
        a, b = t, "1"
    pa, pb = _part_cells(a), _part_cells(b)
    if t == "":
        value: Any = ""
    elif t.count("/") > 1 or not (_isnum(pa[1]) and _isnum(pb[1])) or pb[1] == 0:
        value = NA
    else:
        value = _out(pa[1] / pb[1])
    return [value, t, a, b, *pa, *pb]


def _check_readable(v: Any, value: Any, sheet: str, r: int, c: int) -> None:
    """Refuse an entry the core reads as a number but the native formulas would not read the same."""
    from ..conversion import Invalid, number

    if not isinstance(v, str):
        return
    x = number(v)
    if isinstance(x, Invalid) or math.isnan(x):
        return  # the core refuses it or reads a blank; validation has the say
    if not _isnum(value) or not math.isclose(value, x, rel_tol=1e-15, abs_tol=0.0):
        raise WorkbookError(
            f'judgment "{v}" cannot be read by the formulas of a portable workbook (no macros); type it with '
            f'digits and at most one decimal point, for example 3, 0.5 or 1/3 (full-width digits work too)',
            sheet=sheet, cell=a1(r, c, absolute=False))


def _parse_table(calc: _Calc, cells: list[tuple[int, int]], jsheet: str, label: str) -> dict[tuple[int, int], str]:
    """One row per judgment cell: what it reads as (column B), and the steps of reading its text."""
    r = calc.row
    calc.put(r, 0, [[calc.tx("parse", node=label)]], "subtitle")
    calc.put(r + 1, 0, [[calc.tx("cell"), calc.tx("reads"), calc.tx("text"), calc.tx("num"), calc.tx("den"),
                         calc.tx("rest"), calc.tx("num_v"), calc.tx("rest"), calc.tx("den_v")]], "header")
    out: dict[tuple[int, int], str] = {}
    rows, cached = [], []
    d0 = r + 2
    for k, (jr, jc) in enumerate(cells):
        rr = d0 + k
        X = ref(jsheet, jr, jc)
        T = a1(rr, 2)
        row: list[Any] = [
            f"{jsheet}!{a1(jr, jc, absolute=False)}",
            F(f'=IF(ISNUMBER({X}),{X},IF({T}="","",IF(LEN({T})-LEN(SUBSTITUTE({T},"/",""))>1,NA(),'
              f"{a1(rr, 6)}/{a1(rr, 8)})))"),
            F(f'=IF(ISNUMBER({X}),"",TRIM({_fold_formula(X)}))'),
            F(f'=IF({T}="","",IF(ISERROR(FIND("/",{T})),{T},TRIM(LEFT({T},FIND("/",{T})-1))))'),
            F(f'=IF({T}="","",IF(ISERROR(FIND("/",{T})),"1",TRIM(MID({T},FIND("/",{T})+1,LEN({T})))))'),
        ]
        for P, c in ((a1(rr, 3), 5), (a1(rr, 4), 7)):
            R = a1(rr, c)
            row += [
                F(f"={_no_digits_formula(P)}"),
                F(f'=IF({P}="","",IF(AND(OR({R}="",{R}="."),LEN({P})>LEN({R})),'
                  f"IF(ABS(VALUE({P}))<{_HUGE:.0E},VALUE({P}),NA()),NA()))"),
            ]
        typed = calc.values.get(jsheet, jr, jc)
        shown = _parse_cells(typed)
        _check_readable(typed, shown[0], jsheet, jr, jc)
        rows.append(row)
        cached.append([None, *shown])
        out[(jr, jc)] = calc.at(rr, 1)
    calc.put(d0, 0, rows, cached=cached)
    calc.row = d0 + len(cells) + 1
    return out


def _pairs_table(calc: _Calc, values: _Values, jref: str, n: int, k: int, pairs: list[tuple[int, int]], d0: int,
                 parsed: dict[tuple[int, int], str]) -> list[list[Any]]:
    """Per expert and pair the judgment read (upper wins, lower-only counts as 1/value), its log and a mask.

    ``parsed`` maps a judgment cell (sheet row, column) to the cell of the parse table holding
    what it reads as (:func:`_parse_table`): a number, "" for a blank, or an error.
    """
    jsheet, r0, c0, _, _ = parse_ref(jref)
    rows, cached, vals = [], [], []
    for e in range(k):
        vrow, lrow, mrow, vv = [], [], [], []
        for p, (i, j) in enumerate(pairs):
            ur, uc, lr, lc = r0 + e * n + i, c0 + j, r0 + e * n + j, c0 + i
            up, lo = parsed[(ur, uc)], parsed[(lr, lc)]
            v = calc.at(d0 + e, 1 + p)
            # an unreadable entry (an error) on either side stays an error: U&L is "" only when both are blank
            vrow.append(F(f"=IF(ISNUMBER({up}),{up},IF(ISNUMBER({lo}),1/{lo},{up}&{lo}))"))
            lrow.append(F(f'=IF(ISNUMBER({v}),LN({v}),IF({v}="",0,NA()))'))
            mrow.append(F(f"=IF(ISNUMBER({v}),1,0)"))
            vv.append(_pair_value(calc.values.get(calc.name, *_rc(up)), calc.values.get(calc.name, *_rc(lo))))
        logs = [(math.log(v) if v > 0 else NA) if _isnum(v) else (0 if v == "" else NA) for v in vv]
        masks = [1 if _isnum(v) else 0 for v in vv]
        rows.append([e + 1, *vrow, None, *lrow, None, *mrow])
        cached.append([None, *vv, None, *logs, None, *masks])
        vals.append(vv)
    calc.put(d0, 0, rows, cached=cached)
    return cached


def _aggregate(ew: np.ndarray, logs: list[Any], masks: list[int]) -> Any:
    """:func:`bpm_xl.layout.method.group_judgment_value`; an error value in a log or mask -> #N/A."""
    if not all(_isnum(x) for x in logs) or not all(_isnum(x) for x in masks):
        return NA
    return _out(steps.group_judgment_value(ew, np.asarray(logs, dtype=float), np.asarray(masks, dtype=float)))


def _ri_value(values: _Values, ri_header: str, n: int) -> Any:
    table = values.scalar("BPM_RI")
    if _is(table, "alonso_lamata"):
        return ahp.random_index(n, "alonso_lamata") if n > 2 else 0
    header = [str(h).lower() if h is not None else "" for h in values.at(ri_header)[0]]
    rows = values.at(values.names["BPM_RI_TABLE"])
    if not isinstance(table, str) or table.lower() not in header or n > len(rows):
        return NA
    v = rows[n - 1][header.index(table.lower())]
    return float(v) if _isnum(v) else NA


def _matrix_from_pairs(pv: dict[tuple[int, int], Any], n: int) -> list[list[Any]]:
    """The reciprocal matrix of the upper-triangle values (error where a value is missing)."""
    A: list[list[Any]] = [[1.0 if i == j else None for j in range(n)] for i in range(n)]
    for (i, j), v in pv.items():
        A[i][j] = v if _isnum(v) else NA
        A[j][i] = 1 / v if _isnum(v) and v != 0 else NA
    return A


def _expert_block(calc: _Calc, o: dict[str, Any], e: int, d0: int, ri_cell: str, riv: Any) -> tuple[dict, str, Any]:
    """Expert e's matrix completed by reciprocals, weighed, and its CR (as =AHP_CR)."""
    n, pairs, label = o["n"], o["pairs"], o["label"]
    r = calc.row
    calc.put(r, 0, [[calc.tx("expert", node=label, expert=e + 1)]], "subtitle")
    m0 = r + 1
    cells = []
    for i in range(n):
        row: list[Any] = []
        for j in range(n):
            if i == j:
                row.append(1)
            elif j > i:
                v = calc.at(d0 + e, 1 + pairs.index((i, j)))
                row.append(F(f"=IF(ISNUMBER({v}),{v},NA())"))
            else:
                row.append(F(f"=1/{calc.at(m0 + j, 1 + i)}"))
        cells.append(row)
    typed = {(i, j): o["cached_pairs"][e][1 + p] for p, (i, j) in enumerate(pairs)}
    calc.put(m0, 1, cells, cached=_matrix_from_pairs(typed, n))
    calc.row = m0 + n + 1
    w = calc.weigh(calc.name, m0, 1, n, calc.tx("expert", node=label, expert=e + 1))
    cr_cell = calc.at(calc.row, 1)
    cr = _cr_value(_ci_value(w["lam_v"], n), riv, n)
    calc.put(calc.row, 0, [["CR", F(f"={steps.cr(steps.ci(w['lam'], n), ri_cell, n)}")]], cached=[[None, cr]])
    calc.row += 2
    return w, cr_cell, cr


def _aip_block(calc: _Calc, o: dict[str, Any], ew: np.ndarray) -> list[str]:
    """AIP: weighted geometric mean of the experts' (chosen-method) weights, normalised."""
    n, k, experts = o["n"], o["k"], o["experts"]
    r = calc.row
    calc.put(r, 0, [[calc.tx("aip", node=o["label"])]], "subtitle")
    W = np.array([np.asarray(w["chosen_v"], dtype=float) for w in experts])
    calc.put(r + 1, 0, [[e + 1, *[F(f"={experts[e]['chosen'][i]}") for i in range(n)]] for e in range(k)],
             cached=[[None, *[_out(v) for v in W[e]]] for e in range(k)])
    g_row = r + 1 + k
    g = steps.aip_value(ew, W)
    # array-entered: LN over a range inside SUMPRODUCT needs array evaluation in Gnumeric
    calc.put(g_row, 0, [["g"]])
    for i in range(n):
        calc.array(g_row, 1 + i, 1, 1, "=" + steps.aip("BPM_EW", calc.rng(r + 1, 1 + i, r + k, 1 + i)), [[_out(g[i])]])
    grow = calc.rng(g_row, 1, g_row, n)
    with np.errstate(all="ignore"):
        aip = g / g.sum()
    calc.put(g_row + 1, 0, [["AIP", *[F("=" + steps.share(calc.at(g_row, 1 + i), grow)) for i in range(n)]]],
             cached=[[None, *[_out(v) for v in aip]]])
    o["aip_v"] = aip
    calc.row = g_row + 3
    return [calc.at(g_row + 1, 1 + i) for i in range(n)]


def _node(calc: _Calc, names: dict[str, str], t: int, label: str, ri_header: str) -> dict[str, Any]:
    values = calc.values
    _, r0, c0, r1, c1 = parse_ref(names[f"BPM_J_{t}"])
    n = c1 - c0 + 1
    k = (r1 - r0 + 1) // n
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    P = len(pairs)
    R = calc.row
    calc.put(R, 0, [[calc.tx("pairs", node=label)]], "subtitle")
    hdr = [f"{i + 1}-{j + 1}" for i, j in pairs]
    calc.put(R + 1, 0, [[calc.tx("values"), *hdr, calc.tx("logs"), *hdr, calc.tx("mask"), *hdr]], "header")
    d0 = R + 2
    lc, mc = P + 2, 2 * P + 3
    jsheet, jr0, jc0, _, _ = parse_ref(names[f"BPM_J_{t}"])
    cells = [(jr0 + e * n + i, jc0 + j) for e in range(k) for i, j in pairs] + \
            [(jr0 + e * n + j, jc0 + i) for e in range(k) for i, j in pairs]
    calc.row = d0 + k + 3  # below the pairs table and the aggregate and RI rows
    parsed = _parse_table(calc, sorted(cells), jsheet, label)
    after = calc.row
    cached_pairs = _pairs_table(calc, values, names[f"BPM_J_{t}"], n, k, pairs, d0, parsed)
    ew = values.nums(names["BPM_EW"]).reshape(-1)
    agg_row = d0 + k
    agg, agg_v = [], []
    for p in range(P):
        lcol = calc.rng(d0, lc + p, d0 + k - 1, lc + p)
        mcol = calc.rng(d0, mc + p, d0 + k - 1, mc + p)
        agg.append(F("=" + steps.group_judgment("BPM_EW", lcol, mcol)))
        agg_v.append(_aggregate(ew, [row[lc + p] for row in cached_pairs], [row[mc + p] for row in cached_pairs]))
    calc.put(agg_row, 0, [[calc.tx("aggregate"), *agg]], "output", cached=[[None, *agg_v]])
    pair = {(i, j): calc.at(agg_row, 1 + p) for p, (i, j) in enumerate(pairs)}
    # RI of this node
    ri_cell = calc.at(agg_row + 1, 1)
    riv = _ri_value(values, ri_header, n)
    calc.put(agg_row + 1, 0, [["RI", F(f'=IF(BPM_RI="alonso_lamata",{steps.alonso_lamata_ri(n)},'
                                       f"INDEX(BPM_RI_TABLE,{n},MATCH(BPM_RI,{ri_header},0)))")]], cached=[[None, riv]])
    calc.row = after
    # the group matrix (what the replaced =AHP_GROUP shows), weighed
    A = _matrix_from_pairs({pr: agg_v[p] for p, pr in enumerate(pairs)}, n)
    asheet, ar0, ac0, _, _ = parse_ref(names[f"BPM_A_{t}"])
    values.grid(asheet, ar0, ac0, A)
    group = calc.weigh(asheet, ar0, ac0, n, calc.tx("group", node=label))
    o = {"n": n, "k": k, "pair": pair, "pairs": pairs, "ri": ri_cell, "ri_v": riv, "group": group, "label": label,
         "A": A, "cached_pairs": cached_pairs}
    experts, expert_cr, expert_cr_v = [], [], []
    for e in range(k):
        w, cell, cr = _expert_block(calc, o, e, d0, ri_cell, riv)
        experts.append(w)
        expert_cr.append(cell)
        expert_cr_v.append(cr)
    o.update(experts=experts, expert_cr=expert_cr, expert_cr_v=expert_cr_v)
    o["aip"] = _aip_block(calc, o, ew)
    return o


def _snap(ratio: Any, lnscale: list[Any]) -> Any:
    """The nearest 1-9 value in log terms, midway the lower one (ranking.native_nearest over ABS(lnscale-LN(x)))."""
    if not _isnum(ratio) or ratio <= 0:
        return NA
    return _SAATY[ranking.nearest([abs(v - math.log(ratio)) for v in lnscale])]


def _worst_values(o: dict[str, Any], lnscale: list[Any]) -> list[list[Any]]:
    """The per-pair table of :func:`_worst`: i, j, a_ij, w_i, w_j, e_ij, e_ji, e, rank, flip, row, col, value, ratio, 1-9."""
    A, w = o["A"], [float(x) for x in o["group"]["chosen_v"]]
    rows = []
    for i, j in o["pairs"]:
        a = A[i][j]
        if not _isnum(a) or not all(math.isfinite(x) for x in w):
            rows.append([i + 1, j + 1, a, *[NA] * 12])
            continue
        eij, eji = steps.deviation_value(a, w[i], w[j]), steps.deviation_value(1 / a, w[j], w[i])
        flip = 1 if eij < 1 else 0
        rw, cl = (j + 1, i + 1) if flip else (i + 1, j + 1)
        ratio = w[rw - 1] / w[cl - 1]
        rows.append([i + 1, j + 1, a, w[i], w[j], eij, eji, max(eij, eji), None, flip, rw, cl,
                     1 / a if flip else a, ratio, _snap(ratio, lnscale)])
    E = [r[7] for r in rows]
    ranks = ranking.descending_ranks(E) if all(_isnum(x) for x in E) else [NA] * len(rows)
    for r, k in zip(rows, ranks):
        r[8] = k
    return rows


def _worst(calc: _Calc, o: dict[str, Any], aname: str, count: int, scale: str, lnscale: str) -> tuple[list, list]:
    """Rows of the most inconsistent judgments (as AHP_WORST) from a per-pair table on the calc sheet."""
    pairs = o["pairs"]
    P = len(pairs)
    w = o["group"]["chosen_range"]
    r = calc.row
    calc.put(r, 0, [[calc.tx("worst", node=o["label"])]], "subtitle")
    calc.put(r + 1, 0, [["", "i", "j", "a_ij", "w_i", "w_j", "e_ij", "e_ji", "e", "rank", "flip",
                         "row", "col", "value", "w_row/w_col", "1-9"]], "header")
    p0 = r + 2
    E = calc.rng(p0, 8, p0 + P - 1, 8)
    vals = _worst_values(o, [v for row in calc.values.at(lnscale) for v in row])
    rows = []
    for p in range(P):
        rr = p0 + p

        def at(c: int, rr: int = rr) -> str:
            return a1(rr, c)

        rows.append([
            p + 1, vals[p][0], vals[p][1],
            F(f"=INDEX({aname},{at(1)},{at(2)})"),
            F(f"=INDEX({w},{at(1)})"),
            F(f"=INDEX({w},{at(2)})"),
            F("=" + steps.deviation(at(3), at(4), at(5))),
            F("=" + steps.deviation(f"(1/{at(3)})", at(5), at(4))),
            F(f"=MAX({at(6)},{at(7)})"),
            F("=" + ranking.native_rank(E, at(8), calc.rng(p0, 8, rr - 1, 8) if p else None)),  # ties: row, column
            F(f"=IF({at(6)}<1,1,0)"),
            F(f"=IF({at(10)}=1,{at(2)},{at(1)})"),
            F(f"=IF({at(10)}=1,{at(1)},{at(2)})"),
            F(f"=IF({at(10)}=1,1/{at(3)},{at(3)})"),
            F(f"=INDEX({w},{at(11)})/INDEX({w},{at(12)})"),
        ])
    calc.put(p0, 0, rows, cached=[[None, *v[:14]] for v in vals])
    for p in range(P):
        x = f"LN({a1(p0 + p, 14)})"
        calc.array(p0 + p, 15, 1, 1, "=" + ranking.native_nearest(scale, f"ABS({lnscale}-{x})"),
                   [[vals[p][14]]])
    calc.row = p0 + P + 1
    ranks = calc.rng(p0, 9, p0 + P - 1, 9)
    out, cached = [], []
    for q in range(1, count + 1):
        m = f"MATCH({q},{ranks},0)"
        out.append([F(f"=INDEX({calc.rng(p0, c, p0 + P - 1, c)},{m})") for c in (11, 12, 13, 14, 15)]
                   + [calc.tx("cr_after")])
        hit = [p for p in range(P) if vals[p][8] == q]
        cached.append([vals[hit[0]][c - 1] if hit else NA for c in (11, 12, 13, 14, 15)] + [None])
    return out, cached


def _range_cols(names: dict[str, str], name: str) -> tuple[list[str], int, int]:
    sheet, r0, c0, r1, c1 = parse_ref(names[name])
    return [ref(sheet, r0, c, r1, c) for c in range(c0, c1 + 1)], r1 - r0 + 1, c1 - c0 + 1


def _stats_values(col: list[Any], full: Any) -> list[Any]:
    """Mean, SD (n-1), CV and full-score share of one column, as the native formulas give them."""
    x = [float(v) if _isnum(v) else math.nan for v in col]
    m, sd, cv, share = steps.stats_value(np.array(x), float(full) if _isnum(full) else math.nan)
    return [_out(m), "" if sd is None else sd, "" if cv is None else cv, _out(share)]


def _delphi_stats(values: _Values, names: dict[str, str], dname: str, full: str, row: int, col0: int
                  ) -> tuple[list[list[Any]], list[list[Any]], list[ArrayBlock]]:
    """DELPHI_STATS as native formulas: header, then index, mean, SD (n-1), CV, full-score share."""
    cols, _, _ = _range_cols(names, dname)
    arrays: list[ArrayBlock] = []
    rows: list[list[Any]] = [list(STATS_HEADER)]
    cached: list[list[Any]] = [[None] * 5]
    full_v = values.scalar(full)
    for j, col in enumerate(cols):
        mean, sd = a1(row + 1 + j, col0 + 1), a1(row + 1 + j, col0 + 2)
        rows.append([j + 1, F("=" + steps.mean(col)), F("=" + steps.sd(col)), F("=" + steps.cv(sd, mean))])
        cached.append([None, *_stats_values([r[0] for r in values.at(col)], full_v)])
        # array-entered: ISNUMBER over a range inside SUMPRODUCT needs array evaluation in Gnumeric
        arrays.append(ArrayBlock(row + 1 + j, col0 + 4, 1, 1, None,
                                 F("=" + steps.full_share(col, full)), "stats",
                                 cached=[[cached[-1][4]]]))
    return rows, cached, arrays


def _reasons(m: Any, cv: Any, cnt: int, min_mean: Any, max_cv: Any) -> tuple[Any, Any]:
    """The two reason cells of the screening table (mean; CV), as their formulas give them."""
    if not (_isnum(m) and _isnum(min_mean)):
        r1: Any = NA
    else:
        r1 = "" if m >= min_mean else f"mean {_text2(m)} < {_concat(min_mean)}"
    if _isnum(cv):
        r2: Any = (f"cv {_text2(cv)} > {_concat(max_cv)}" if cv > max_cv else "") if _isnum(max_cv) else NA
    else:
        r2 = f"cv undefined ({cnt} rating{'s' if cnt != 1 else ''})"
    return r1, r2


def _verdict(r1: Any, r2: Any) -> Any:
    if r1 == NA or r2 == NA:
        return NA
    if r1 + r2 == "":
        return KEEP
    return f"{DROP}: {r1}{'; ' if r1 and r2 else ''}{r2}"


def _delphi_screen(calc: _Calc, names, dname: str, ssheet: str, srow: int, scol: int,
                   min_mean: str, max_cv: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """DELPHI_SCREEN (as a column) from the native statistics block at (ssheet, srow, scol)."""
    values = calc.values
    cols, _, n = _range_cols(names, dname)
    r = calc.row
    calc.put(r, 0, [["screen " + dname, "mean", "cv"]], "header")
    out, out_v, rows, rows_v = [], [], [], []
    mm, mc = values.scalar(min_mean), values.scalar(max_cv)
    for j, col in enumerate(cols):
        m = ref(ssheet, srow + 1 + j, scol + 1)
        cv = ref(ssheet, srow + 1 + j, scol + 3)
        cnt = f"COUNT({col})"
        f1 = F(f'=IF({m}>={min_mean},"","mean "&TEXT({m},"0.00")&" < "&{min_mean})')
        f2 = F(f'=IF(ISNUMBER({cv}),IF({cv}>{max_cv},"cv "&TEXT({cv},"0.00")&" > "&{max_cv},""),'
               f'"cv undefined ("&{cnt}&" rating"&IF({cnt}<>1,"s","")&")")')
        rows.append([j + 1, f1, f2])
        count = sum(1 for row in values.at(col) if _isnum(row[0]))
        r1, r2 = _reasons(values.get(ssheet, srow + 1 + j, scol + 1), values.get(ssheet, srow + 1 + j, scol + 3),
                          count, mm, mc)
        rows_v.append([None, r1, r2])
        a, b = calc.at(r + 1 + j, 1), calc.at(r + 1 + j, 2)
        out.append([F(f'=IF({a}&{b}="","{KEEP}","{DROP}: "&{a}&IF(AND({a}<>"",{b}<>""),"; ","")&{b})')])
        out_v.append([_verdict(r1, r2)])
    calc.put(r + 1, 0, rows, cached=rows_v)
    calc.row = r + n + 2
    return out, out_v


def _kendall(calc: _Calc, names, dname: str) -> tuple[list[Formula], list[Any]]:
    """Average ranks, tie terms, rank sums, W, chi-square, df and p of the Delphi round's ratings:
    :mod:`bpm_xl.layout.method`'s text and values (NA where a rating is missing)."""
    values = calc.values
    sheet, r0, c0, r1, c1 = parse_ref(names[dname])
    m, n = r1 - r0 + 1, c1 - c0 + 1
    r = calc.row
    k = dname.rsplit("_", 1)[1]
    calc.put(r, 0, [[calc.tx("ranks", k=k)]], "subtitle")
    d0 = r + 1
    rng_ = ref(sheet, r0, c0, r1, c1)
    table = values.nums(rng_)
    rank_v, tie_v = np.empty((m, n)), np.empty((m, n))
    for e in range(m):
        row = ref(sheet, r0 + e, c0, r0 + e, c1)
        rank_v[e], tie_v[e] = steps.average_ranks_value(table[e])
        calc.put(d0 + e, 0, [[e + 1]])
        for j in range(n):
            x = ref(sheet, r0 + e, c0 + j)
            calc.array(d0 + e, 1 + j, 1, 1, "=" + steps.average_rank(x, row), [[_out(rank_v[e, j])]])
            calc.array(d0 + e, n + 2 + j, 1, 1, "=" + steps.tie_term(x, row), [[_out(tie_v[e, j])]])
    complete = bool(np.isfinite(table).all())
    R, w, chi2, df, p = steps.kendall_value(rank_v, tie_v)
    if not complete:
        w = chi2 = p = math.nan
    sums = d0 + m
    calc.put(sums, 0, [["R", *[F(f"=SUM({calc.rng(d0, 1 + j, d0 + m - 1, 1 + j)})") for j in range(n)]]],
             cached=[[None, *[_out(v) for v in R]]])
    S = f"DEVSQ({calc.rng(sums, 1, sums, n)})"
    T = f"SUM({calc.rng(d0, n + 2, d0 + m - 1, 2 * n + 1)})"
    wf = F(f"=IF(COUNT({rng_})<{m * n},NA(),{steps.kendall_w(S, T, m, n)})")
    res = sums + 1
    calc.put(res, 0, [["W", wf], ["chi2", F("=" + steps.kendall_chi2(calc.at(res, 1), m, n))], ["df", n - 1],
                      ["p", F("=" + steps.chi2_p(calc.at(res + 1, 1), calc.at(res + 2, 1)))]],
             cached=[[None, _out(w)], [None, _out(chi2)], [None, None], [None, _out(p)]])
    calc.row = res + 5
    return [F(f"={calc.at(res + q, 1)}") for q in range(4)], [_out(w), _out(chi2), df, _out(p)]


# ---------------------------------------------------------------------------------------
def _node_of(u: Any) -> int:
    return int(u.args[0].rsplit("_", 1)[1])


def _group_block(a: ArrayBlock, o: dict[str, Any]) -> Block:
    n = a.nrows
    cells = [[1 if i == j else (F(f"={o['pair'][(i, j)]}") if j > i else F(f"=1/{a1(a.row + j, a.col + i)}"))
              for j in range(n)] for i in range(n)]
    return Block(a.row, a.col, cells, a.style, cached=[list(r) for r in o["A"]])


def _weights_block(a: ArrayBlock, o: dict[str, Any], values: _Values) -> Block:
    aip = _is(values.scalar("BPM_AGGREGATION"), "aip")
    w = o["aip_v"] if aip else o["group"]["chosen_v"]
    cells = [[F(f'=IF(BPM_AGGREGATION="aip",{o["aip"][i]},{o["group"]["chosen"][i]})')] for i in range(a.nrows)]
    return Block(a.row, a.col, cells, a.style, cached=_col(w))


def _consistency_block(a: ArrayBlock, o: dict[str, Any], values: _Values) -> Block:
    n = o["n"]
    lam, ci, ri, cr = (a1(a.row + k, a.col + 1) for k in range(4))
    ci_v = _ci_value(o["group"]["lam_v"], n)
    cr_v = _cr_value(ci_v, o["ri_v"], n)
    limit = ahp.CR_ACCEPTABLE
    cells = [F(f"={o['group']['lam']}"), F(f"={steps.ci(lam, n)}"), F(f"={o['ri']}"), F(f"={steps.cr(ci, ri, n)}"),
             F(f"={cr}<{steps.num(limit)}"), F("=BPM_RI")]
    cached = [o["group"]["lam_v"], ci_v, o["ri_v"], cr_v, (cr_v < limit) if _isnum(cr_v) else NA, values.scalar("BPM_RI")]
    return Block(a.row, a.col, [[lab, v] for lab, v in zip(CONSISTENCY_LABELS, cells)][: a.nrows], a.style,
                 cached=[[None, v] for v in cached][: a.nrows])


def _identity_lines(b: Block) -> bool:
    """The Guide's lines naming the evaluation (kept in their place, not part of the text flow)."""
    from ..layout.identity import GUIDE_IDENTITY_ROW

    return b.style == "guide" and b.row == GUIDE_IDENTITY_ROW


def _portable_guide(sp: SheetPlan, lang: str) -> SheetPlan:
    """The Guide of a portable workbook: what the file is and how to work with it, first; the
    macro workbook's lines about macros and the Rebuild button left out. Idempotent (a rebuild
    keeps the Guide a user edited, and passes it through here again)."""
    from ..layout.labels import GUIDE

    macro_lines = {line for edition in GUIDE.values() for line in edition if _MACRO_WORDS.search(line)}
    for edition in GUIDE.values():  # the macro workbook's "how to use" section (after the title)
        first = edition.index("") if "" in edition else 0
        end = edition.index("", first + 1) if "" in edition[first + 1:] else len(edition)
        macro_lines.update(line for line in edition[first + 1:end] if line)
    ours = {line for edition in PORTABLE_GUIDE.values() for line in edition if line}
    ours |= {_TEXT[k]["guide"] for k in _TEXT}  # the note of exports written before the hub
    lines: list[Any] = []
    for b in sorted(sp.blocks, key=lambda b: (b.row, b.col)):
        if b.col != 0 or _identity_lines(b):
            continue
        if lines and b.row > len(lines):  # a later block (the template's lines): one blank line before it,
            lines.append(None)            # not its row, since the portable text above is longer
        for row in b.cells:
            lines.append(row[0] if row else None)
    kept = [v for v in lines if not (isinstance(v, str) and (v in macro_lines or v in ours))]
    while kept and kept[0] in (None, ""):
        kept.pop(0)
    title, rest = (kept[:1], kept[1:]) if kept else ([], [])
    while rest and rest[0] in (None, ""):
        rest.pop(0)
    text = [*title, "", *PORTABLE_GUIDE[lang], "", *rest]
    others = [b for b in sp.blocks if b.col != 0 or _identity_lines(b)]
    return replace(sp, blocks=[Block(0, 0, [[v] for v in text], "guide"), *others])


#: The macro workbook's captions that point at its Rebuild button, as a portable workbook says them.
_BUTTON_WORDS = (
    ("请点击“重建评价表”", "请运行 bpm-xl rebuild 本文件"),
    ("点击“重建评价表”", "运行 bpm-xl rebuild 本文件"),
    ("请点击“重建”", "请运行 bpm-xl rebuild 本文件"),
    ("click Rebuild evaluation", "run bpm-xl rebuild THIS_FILE"),
    ("then click Rebuild", "then run bpm-xl rebuild THIS_FILE"),
)
_CAPTION_STYLES = ("title", "subtitle", "note", "header")


def _no_button(sp: SheetPlan) -> SheetPlan:
    """``sp`` without its button, its captions and notes (never what a user typed) saying
    ``bpm-xl rebuild`` instead of the button."""
    return replace(sp, button=None, blocks=[_without_button_words(b) if b.style in _CAPTION_STYLES else b
                                            for b in sp.blocks])


def _without_button_words(b: Block) -> Block:
    if isinstance(b.cells, np.ndarray):
        return b
    return replace(b, cells=[[_button_words(v) for v in row] for row in b.cells])


def _button_words(v: Any) -> Any:
    if isinstance(v, str) and not isinstance(v, Formula):
        for old, new in _BUTTON_WORDS:
            v = v.replace(old, new)
    return v


_MACRO_WORDS = re.compile(r"宏|macro|Rebuild evaluation|重建评价表", re.IGNORECASE)

#: What a portable workbook says about itself on its Guide (before the user's own lines).
PORTABLE_GUIDE = {
    "zh": [
        "本文件是便携版评价工作簿（.xlsx，不含宏）：在 WPS、LibreOffice 或 Excel 中打开即可使用，无需 Python。",
        "所有结果都是原生公式，打开或修改后由表格软件自动重算。",
        "",
        "一、怎么用（便携版）",
        "1. 在绿色的输入表中填写或修改：设置、指标体系、专家、判断矩阵、德尔菲、问卷。蓝色的输出表随之自动更新。",
        "2. 只有“形状”改变时才需要重建：新增或删除指标、专家，或问卷答卷超出预留的空行。",
        "    保存后在命令行运行 bpm-xl rebuild 本文件.xlsx（已录入的数据按代码保留，并留有备份）。",
        "3. 判断矩阵可输入 3、0.5、1/3 或全角的１／３；无法读取的输入显示 #N/A 或 #VALUE!，不会被悄悄略过。",
        "4. 中间计算见“计算”工作表。bpm-xl evaluate / report / export 命令可直接读取本文件。",
    ],
    "en": [
        "This is the portable evaluation workbook (.xlsx, no macros): it works in WPS, LibreOffice or Excel without Python.",
        "Every result is a native formula the spreadsheet recalculates when you open or edit the file.",
        "",
        "1. How to use it (portable workbook)",
        "1. Fill in or change the green input sheets: Settings, Indicators, Experts, Judgments, Delphi, Survey. "
        "The blue output sheets follow by themselves.",
        "2. Rebuild only when the SHAPE changes: an indicator or expert added or removed, or survey answers beyond "
        "the spare rows.",
        "    Save, then run bpm-xl rebuild THIS_FILE.xlsx (entered data is kept by code; a backup is made).",
        "3. Judgments may be typed as 3, 0.5, 1/3 or full-width １／３; an entry that cannot be read shows #N/A or "
        "#VALUE!, never silently skipped.",
        "4. The intermediate tables are on the Calc sheet. bpm-xl evaluate / report / export read this file as it is.",
    ],
}


class _Replacer:
    """Replaces each Excel-function call of a sheet by native formulas (with their values)."""

    def __init__(self, calc: _Calc, names: dict[str, str], out: dict[int, dict[str, Any]], scale: str, lnscale: str):
        self.calc, self.names, self.out, self.scale, self.lnscale = calc, names, out, scale, lnscale
        self.values = calc.values
        self.stats_at: dict[str, tuple[str, int, int]] = {}
        self.extra: list[ArrayBlock] = []     # native array formulas added to the sheet

    def cells(self, b: Block) -> Block:
        """``b`` with its cells' function calls replaced by native formulas (and their values)."""
        if not b.udfs:
            return b
        cells = [list(row) for row in b.cells]
        cached = [[None] * len(row) for row in cells] if b.cached is None else [list(row) for row in b.cached]
        for (i, j), u in b.udfs.items():
            if u.func != "AHP_CR":
                raise ValueError(f"portable: no native form for {u.func} in a cell")
            cells[i][j] = F("=" + self.out[j]["expert_cr"][i])
            cached[i][j] = self.out[j]["expert_cr_v"][i]
        return replace(b, cells=cells, cached=cached, udfs={})

    def array(self, sp: SheetPlan, a: ArrayBlock) -> Block | None:
        u = a.udf
        func = u.func if u is not None else ""
        if func == "AHP_GROUP":
            return _group_block(a, self.out[_node_of(u)])
        if func == "AHP_WEIGHTS":
            return _weights_block(a, self.out[_node_of(u)], self.values)
        if func == "AHP_CONSISTENCY":
            return _consistency_block(a, self.out[_node_of(u)], self.values)
        if func == "AHP_WORST":
            rows, cached = _worst(self.calc, self.out[_node_of(u)], u.args[0], a.nrows - 1, self.scale, self.lnscale)
            return Block(a.row, a.col, [list(WORST_HEADER), *rows], a.style, cached=[[None] * 6, *cached])
        if func == "DELPHI_STATS":
            cells, cached, arrays = _delphi_stats(self.values, self.names, u.args[0], u.args[1], a.row, a.col)
            self.stats_at[u.args[0]] = (sp.name, a.row, a.col)
            self.extra.extend(arrays)
            return Block(a.row, a.col, cells, a.style, cached=cached)
        if func == "DELPHI_SCREEN":
            ssheet, sr, sc = self.stats_at[u.args[0]]
            cells, cached = _delphi_screen(self.calc, self.names, u.args[0], ssheet, sr, sc, u.args[1], u.args[2])
            return Block(a.row, a.col, cells, a.style, cached=cached)
        if func == "KENDALL_W":
            refs, vals = _kendall(self.calc, self.names, u.args[0])
            return Block(a.row, a.col, [[lab, v] for lab, v in zip(KENDALL_LABELS, refs)], a.style,
                         cached=[[None, v] for v in vals])
        if u is None and "(" in a.formula and not any(f + "(" in a.formula.upper() for f in UDF_NAMES):
            return None
        raise ValueError(f"portable: no native form for {func or a.formula}")

    def sheet(self, sp: SheetPlan) -> SheetPlan:
        """``sp`` with every function call replaced (what the replacements show recorded in the values)."""
        blocks = [self.cells(b) for b in sp.blocks]
        arrays: list[ArrayBlock] = []
        for a in sp.arrays:
            b = self.array(sp, a)
            if b is None:
                arrays.append(a)
                continue
            blocks.append(b)
            self.values.block(sp.name, b.row, b.col, b.cells, b.cached)
            for x in self.extra:
                self.values.grid(sp.name, x.row, x.col, x.cached)
            arrays.extend(self.extra)
            self.extra = []
        sp = replace(sp, blocks=blocks, arrays=arrays)
        if sp.role == "guide":
            sp = _portable_guide(sp, self.calc.lang)
        return _no_button(sp)


def is_portable(names: dict[str, Any]) -> bool:
    """Whether a workbook with these defined names is a portable one (it has the calculation sheet)."""
    return any(k.upper() == CALC_ROLE_NAME for k in names)


def _show_input_formulas(p: WorkbookPlan, shown: WorkbookPlan) -> WorkbookPlan:
    """``p`` in which a formula a user typed on an input sheet carries the value it showed when
    read (``shown`` is the plan of the same data read as values: same sheets, same cells). A
    formula of bpm-xl's own layout is a formula in ``shown`` too: it carries the value ``shown``
    caches for it (the value computed from what was read), never its own text."""
    by_name = {sp.name: sp for sp in shown.sheets}
    sheets = []
    for sp in p.sheets:
        other = by_name.get(sp.name)
        if sp.kind != "input" or other is None:
            sheets.append(sp)
            continue
        cells, arrays = _shown_values(other)
        sheets.append(replace(sp, blocks=[_shown_block(b, cells, arrays) for b in sp.blocks]))
    return replace(p, sheets=sheets)


def _shown_block(b: Block, cells: dict[tuple[int, int], Any], arrays: list[Block]) -> Block:
    """``b`` with the values ``shown`` has at its formulas as their cached values, when it has
    formulas and no cached values of its own."""
    if (b.cached is not None or isinstance(b.cells, np.ndarray)
            or not any(isinstance(v, Formula) for row in b.cells for v in row)):
        return b
    return replace(b, cached=[[_shown_at(cells, arrays, b.row + i, b.col + j) if isinstance(v, Formula) else None
                               for j, v in enumerate(row)] for i, row in enumerate(b.cells)])


def _shown_values(sp: SheetPlan) -> tuple[dict[tuple[int, int], Any], list[Block]]:
    """What sheet ``sp`` shows: its list blocks' values by cell (a formula: its cached value), and its float arrays."""
    cells: dict[tuple[int, int], Any] = {}
    arrays: list[Block] = []
    for b in sp.blocks:
        if isinstance(b.cells, np.ndarray):
            arrays.append(b)
            continue
        for i, row in enumerate(b.cells):
            for j, v in enumerate(row):
                if isinstance(v, Formula):
                    v = _cached_at(b, i, j)
                cells[(b.row + i, b.col + j)] = v
    return cells, arrays


def _cached_at(b: Block, i: int, j: int) -> Any:
    """The cached value of cell (i, j) of block ``b`` (None: not known)."""
    if b.cached is None or i >= len(b.cached) or j >= len(b.cached[i]):
        return None
    v = b.cached[i][j]
    return None if isinstance(v, Formula) else v


def _shown_at(cells: dict[tuple[int, int], Any], arrays: list[Block], r: int, c: int) -> Any:
    """The value ``shown`` has at (r, c): its list blocks' cells, else its float arrays' (NaN: None)."""
    if (r, c) in cells:
        return cells[(r, c)]
    for b in arrays:
        if 0 <= r - b.row < b.cells.shape[0] and 0 <= c - b.col < b.cells.shape[1]:
            x = float(b.cells[r - b.row, c - b.col])
            return None if x != x else x
    return None


def _rows_copy(rows: Any) -> Any:
    """Rows of a block the transform may change in place: each list row copied (its values are
    numbers, text or formulas, never changed in place); a float array is shared (never changed)."""
    if rows is None or isinstance(rows, np.ndarray):
        return rows
    return [r.copy() if type(r) is list else copy.deepcopy(r) for r in rows]


def _own_copy(plan: WorkbookPlan) -> WorkbookPlan:
    """A copy of ``plan`` for :func:`portable_plan` to start from. The transform makes a new block
    or sheet wherever it changes one, but plans hold their rows, dicts and lists in mutable
    containers, and the plan given is written as the macro workbook too: so the portable plan
    shares none of them with it (plan, sheets, blocks, their lists, dicts and rows are new); the
    cell values, float arrays (a large survey), array formulas, validations and charts, which are
    never changed, are shared (copy.deepcopy took a second for a survey of 100,000 respondents)."""
    return replace(plan, names=dict(plan.names), sheets=[
        replace(sp, blocks=[replace(b, cells=_rows_copy(b.cells), cached=_rows_copy(b.cached), udfs=dict(b.udfs),
                                    col_styles=dict(b.col_styles)) for b in sp.blocks],
                arrays=list(sp.arrays), widths=dict(sp.widths), validations=list(sp.validations),
                charts=list(sp.charts), buttons=list(sp.buttons))
        for sp in plan.sheets])


def portable_plan(plan: WorkbookPlan, system: Any = None, shown: WorkbookPlan | None = None) -> WorkbookPlan:
    """A copy of ``plan`` in which every bpm-xl function call is a native formula.

    ``system`` (the IndicatorSystem) only names the nodes on the calculation sheet. Every
    formula carries the value it computes: the plan's own cached values (from the Evaluation)
    and, for the calculation sheet and the replaced calls, the mirrors in this module.
    ``shown`` is the plan of the same data read as values (a rebuild): formulas a user typed on
    the input sheets carry what they showed. A judgment typed as text that the native
    formulas cannot read as the core does (e.g. "①/3") raises a located WorkbookError.
    """
    from ..layout import mark_portable

    p = mark_portable(_own_copy(plan))
    p = replace(p, sheets=[s for s in p.sheets if s.role != "conf"])
    if shown is not None:
        p = _show_input_formulas(p, shown)
    lang = p.lang if p.lang in _TEXT else "zh"
    calc = _Calc(lang, _Values(p))
    names = p.names
    calc.put(0, 0, [[calc.tx("calc_title")]], "title")
    calc.put(1, 0, [[calc.tx("note_pairs")], [calc.tx("note_expert")], [calc.tx("note_worst")]], "note")
    # the 1-9 scale, for snapping consistent values
    calc.put(5, 0, [[calc.tx("scale"), "LN"]], "header")
    calc.put(6, 0, [[v, F(f"=LN({calc.at(6 + k, 0)})")] for k, v in enumerate(_SAATY)],
             cached=[[None, math.log(v)] for v in _SAATY])
    scale = calc.rng(6, 0, 6 + len(_SAATY) - 1, 0)
    lnscale = calc.rng(6, 1, 6 + len(_SAATY) - 1, 1)
    calc.row = 6 + len(_SAATY) + 1

    ri_sheet, ri_r0, ri_c0, _, ri_c1 = parse_ref(names["BPM_RI_TABLE"])
    ri_header = ref(ri_sheet, ri_r0 - 1, ri_c0, ri_r0 - 1, ri_c1)
    nodes = list(system.nodes()) if system is not None else []
    out: dict[int, dict[str, Any]] = {}
    t = 0
    while f"BPM_J_{t}" in names and f"BPM_A_{t}" in names:   # no group matrix: weighed by points
        out[t] = _node(calc, names, t, nodes[t] if t < len(nodes) else str(t), ri_header)
        t += 1
    rep = _Replacer(calc, names, out, scale, lnscale)
    sheets = [rep.sheet(sp) for sp in p.sheets]
    names = {**names, CALC_ROLE_NAME: ref(calc.name, 0, 0)}
    # the functions as LAMBDA names, for Excel 365 without Python; a name the hub already gives a
    # cell (BPM_RATING: the grade) stays the cell's
    taken = {k.upper() for k in names}
    names.update({k: v for k, v in defined_names().items() if k.upper() not in taken})
    return replace(p, sheets=[*sheets, calc.sheet()], names=names)


# ---------------------------------------------------------------------------------------
def portable_bytes(plan: WorkbookPlan, system: Any = None, shown: WorkbookPlan | None = None) -> bytes:
    """The .xlsx bytes of the portable form of ``plan`` (no VBA project, no button)."""
    return _xlsx_bytes(portable_plan(plan, system, shown))


def _xlsx_bytes(p: WorkbookPlan) -> bytes:
    from .xlsx import write_workbook

    buf = io.BytesIO()
    write_workbook(p, buf, None)
    return buf.getvalue()


def export_portable(data: Any, system: Any, lang: str, out: str | Path, evaluation: Any = None,
                    sensitivity: Any = None) -> Path:
    """Write the macro-free portable .xlsx of ``data`` (WorkbookData) to ``out``; returns ``out``.

    ``evaluation`` (and ``sensitivity``) of the same data come from the service: with them every
    formula, and the sensitivity sheet, show true values before any recalculation.
    ``sensitivity`` may also be a function returning it (an analysis still running elsewhere):
    it is called once everything else is planned. The file is written atomically.
    """
    from .. import layout
    from . import safe

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{out}: a portable workbook must end in .xlsx")
    pending = sensitivity if callable(sensitivity) else None
    plan = layout.plan_workbook(data, system, lang, evaluation=evaluation, sensitivity=None if pending else sensitivity)
    p = portable_plan(plan, system)
    if pending is not None:
        # the sensitivity sheet holds values only (no function call, no array): its portable
        # form is what _Replacer.sheet does to such a sheet, its captions' words
        p = layout.with_sensitivity(p, pending(), system)
        sp = p.sheet("sensitivity")
        if any(b.udfs for b in sp.blocks) or sp.arrays:
            raise RuntimeError("portable: the sensitivity sheet must hold values only")
        p = replace(p, sheets=[_no_button(s) if s is sp else s for s in p.sheets])
    return safe.atomic_write(out, _xlsx_bytes(p))
