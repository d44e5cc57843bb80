"""The Excel functions as LAMBDA names: formula text for Excel 365 without Python.

Each :class:`LambdaName` has the same name and the same arguments, in the same order, as the
Python function of :mod:`bpm_xl.udfs`, so ``=AHP_WEIGHTS(B3:F7)`` means the same in both
editions. The text is generated here from the core's constants (random-index tables, the
Alonso–Lamata coefficients, tolerances, the judgment limit, the rating bands) and never typed
twice; :func:`stored` turns the text Excel shows into the text Excel stores (``_xlfn.`` before
functions newer than Excel 2007, ``_xlpm.`` before parameter and LET names).

Every name is self-contained (it calls no other name), so one name copied alone into another
workbook works. What each function does at the edges (docs/FUNCTIONS.md):

* a judgment range is read as the Python edition reads it: numbers, text such as ``1/3``,
  ``" 0.5 "`` or full-width ``１／３``, blanks; the upper triangle wins and a blank lower
  triangle is filled with reciprocals; a rounded lower value (0.33 for 3) is accepted within
  ``ahp.RECIPROCAL_TOL``;
* ``#VALUE!`` for a range that is not square, empty, or holds text, a logical, an error, zero, a
  negative, a value beyond ``ahp.JUDGMENT_LIMIT``, a diagonal not 1 or a non-reciprocal pair; an
  unknown option (method, table) is ``#VALUE!`` too;
* ``#N/A`` for a pair blank on both sides (the Python edition completes it by the
  lambda-max-optimal completion, which needs an optimiser a formula does not have) and for n
  beyond a tabulated random-index table.

DATA_SCORE is assembled from :mod:`bpm_xl.dataformula`'s expression tree (the source of the
native formulas of data indicators and their mirror): one formula per method and direction with
the parameters in place of cells, chosen by the method and direction read as the core reads them;
a steps table is two ranges of any length. Its parameters p1 and p2 are named ``p_1`` and ``p_2``
(:data:`EXCEL_PARAMS`): Excel reads P1 as a cell.

The weights, lambda max, CI, CR and the Alonso–Lamata random index are the text of
:mod:`bpm_xl.layout.method`, step for step what the calculation sheets of the portable files and
the questionnaires compute (the eigenvector by normalised squarings, then power steps), and
:func:`bpm_xl.layout.method.eigen` is their numpy evaluation.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from collections.abc import Iterable

from .. import ahp, dataformula, datascore, scoring
from ..texts import pick
from . import method as steps
from .cached import CONSISTENCY_LABELS, KENDALL_LABELS, STATS_HEADER

__all__ = ["EXCEL_PARAMS", "LambdaName", "NAMES", "defined_names", "library", "stored"]

#: Python arguments Excel would read as a cell (P1, P2), with the LAMBDA parameter standing for each.
EXCEL_PARAMS = {"p1": "p_1", "p2": "p_2"}

#: Functions newer than Excel 2007, with the prefix Excel writes before them in a file.
FUTURE = {
    "LAMBDA": "_xlfn.", "LET": "_xlfn.", "MAP": "_xlfn.", "REDUCE": "_xlfn.", "MAKEARRAY": "_xlfn.", "BYROW": "_xlfn.", "BYCOL": "_xlfn.", "VSTACK": "_xlfn.",
    "SEQUENCE": "_xlfn.", "ISOMITTED": "_xlfn.", "UNICHAR": "_xlfn.", "CHISQ.DIST.RT": "_xlfn.",
    "UNIQUE": "_xlfn.", "FILTER": "_xlfn._xlws.", "XLOOKUP": "_xlfn.", "TAKE": "_xlfn.", "DROP": "_xlfn.",
}
#: Functions every Excel since 2007 has (no prefix). A name outside both sets is a typing error here.
LEGACY = frozenset({
    "ABS", "AND", "AVERAGE", "CHIDIST", "COUNT", "DEVSQ", "GEOMEAN", "STDEV", "ISTEXT", "COLUMNS", "EXP", "FIND", "IF", "IFERROR", "INDEX", "INT", "ISBLANK", "ISERROR",
    "ISLOGICAL", "ISNA", "ISNUMBER", "LEFT", "LEN", "LN", "LOWER", "MATCH", "MAX", "MID", "MIN", "MMULT", "MOD",
    "NA", "NOT", "OR", "ROUND", "ROWS", "SQRT", "SUBSTITUTE", "SUM", "SUMPRODUCT", "SUMSQ", "TRANSPOSE", "TRIM", "VALUE",
    "CHOOSE", "COUNTA",
})


@dataclass(frozen=True, slots=True)
class LambdaName:
    """One function as a defined name: ``text`` as Excel shows it (``=LAMBDA(...)``)."""

    name: str
    params: tuple[str, ...]          # as in bpm_xl.udfs; optional ones as Excel writes them: "[method]"
    text: str
    comment_zh: str
    comment_en: str

    def comment(self, lang: str) -> str:
        return pick((self.comment_zh, self.comment_en), lang)

    @property
    def stored(self) -> str:
        """The text as Excel stores it in xl/workbook.xml (no leading "=")."""
        return stored(self.text)


# ------------------------------------------------------------------------------ the text
_TOKEN = re.compile(r'"(?:[^"]|"")*"|#[A-Z/0!?]+[!?A]|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_.]*|\[[A-Za-z_][A-Za-z0-9_.]*\]|\s+|.', re.S)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _args(tokens: list[str], open_at: int) -> tuple[list[list[str]], int]:
    """The top-level arguments of the call whose "(" is at ``open_at``, and the index of its ")"."""
    depth = 0
    args: list[list[str]] = []
    cur: list[str] = []
    for k in range(open_at, len(tokens)):
        t = tokens[k]
        if t in "({":
            depth += 1
            if depth == 1:
                continue
        elif t in ")}":
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args, k
        elif t == "," and depth == 1:
            args.append(cur)
            cur = []
            continue
        cur.append(t)
    raise ValueError("unbalanced parentheses")


def _declared(tokens: list[str]) -> set[str]:
    """Parameter names of every LAMBDA and names of every LET in ``tokens``."""
    names = set()
    for k, t in enumerate(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
        if t.upper() not in ("LAMBDA", "LET") or nxt != "(":
            continue
        args, _ = _args(tokens, k + 1)
        words = [[w for w in a if w.strip()] for a in args]
        heads = words[:-1] if t.upper() == "LAMBDA" else words[:-1:2]
        for w in heads:
            if len(w) != 1:
                raise ValueError(f"{t}: a declared name must be one word, got {''.join(w)!r}")
            name = w[0].strip("[]").lower()
            if re.fullmatch(r"[a-z]{1,3}\d+|r|c|r\d*c\d*", name):
                raise ValueError(f"{t}: {name!r} reads as a cell reference in Excel; choose another name")
            names.add(name)
    return names


def stored(text: str) -> str:
    """``=LAMBDA(x, LET(y, x + 1, y))`` -> ``_xlfn.LAMBDA(_xlpm.x,_xlfn.LET(_xlpm.y,_xlpm.x+1,_xlpm.y))``.

    Functions newer than Excel 2007 get Excel's prefix, parameter and LET names ``_xlpm.``;
    whitespace outside strings goes. A function neither in :data:`FUTURE` nor :data:`LEGACY`
    and not a declared name is refused (a typing error in a generator).
    """
    tokens = _tokens(text.lstrip("="))
    if sum(t == "(" for t in tokens) != sum(t == ")" for t in tokens):
        raise ValueError("unbalanced parentheses")
    local = _declared(tokens)
    out = []
    for k, t in enumerate(tokens):
        nxt = next((u for u in tokens[k + 1:] if u.strip()), "")
        low = t.strip("[]").lower()
        if t.isspace():
            continue
        if t[0] == '"' or not (t[0].isalpha() or t[0] in "_["):
            out.append(t)
        elif low in local:
            out.append(t.replace(t.strip("[]"), "_xlpm." + t.strip("[]")))
        elif nxt == "(" and t.upper() in FUTURE:
            out.append(FUTURE[t.upper()] + t.upper())
        elif nxt == "(" and t.upper() in LEGACY:
            out.append(t.upper())
        elif nxt == "(":
            raise ValueError(f"unknown function {t!r}")
        else:
            out.append(t)  # e.g. the E of a number such as 1E-9 never stands alone; TRUE, FALSE
    return "".join(out)


_num = steps.num


def _row(values: Iterable[float]) -> str:
    return ",".join(_num(v) for v in values)


# ------------------------------------------------------------------------------ pieces
#: The characters numeric text may hold (then VALUE reads it), as the core's number rule allows.
_NUMBER_CHARS = "0123456789.eE+-"


def _read(arg: str) -> str:
    """LET lines that read every cell of ``arg`` at once into ``v``: the value (> 0), 0 for a
    blank, -1 for what the core refuses (text that is not a number or a fraction, a logical, an
    error value, zero or a negative). Full-width forms (U+FF0B..U+FF19, U+3000) read as ASCII,
    as the core's NFKC normalisation reads them."""
    chars = len(_NUMBER_CHARS)
    number = f"IF(ISNUMBER({arg}), IF({arg}>0, {arg}, -1), IF(ISLOGICAL({arg})+ISERROR({arg}), -1, "
    return (
        f"v, IF(OR(ISTEXT({arg})), LET("
        f'tx, TRIM(REDUCE(SUBSTITUTE({arg}&"", UNICHAR(12288), " "), SEQUENCE(15, 1, 65291), '
        "LAMBDA(s, k, SUBSTITUTE(s, UNICHAR(k), UNICHAR(k-65248))))), "
        f'nt, LAMBDA(s, LET(u, TRIM(s), IF((LEN(u)>0)*(LEN(REDUCE(u, MID("{_NUMBER_CHARS}", SEQUENCE({chars}), 1), '
        'LAMBDA(q, ch, SUBSTITUTE(q, ch, ""))))=0), VALUE(u), NA()))), '
        'sl, IFERROR(FIND("/", tx), 0), '
        "tv, IF(sl=0, nt(tx), IF(ISERROR(FIND(\"/\", tx, sl+1)), nt(LEFT(tx, sl-1))/nt(MID(tx, sl+1, LEN(tx))), NA())), "
        f'{number}IF(tx="", 0, IFERROR(IF(tv>0, tv, -1), -1))))), '
        # no text: numbers, blanks (0), logicals and errors (-1)
        f"{number}IF(ISBLANK({arg}), 0, -1)))), "
    )


def _stack(arg: str) -> str:
    """LET lines that read ``arg``, a stack of k n x n matrices (k = 1 for one matrix), into
    ``sm``: each cell its value in the reciprocal matrix, -1 where the core refuses the cell or
    its pair, 0 for a pair blank on both sides. The upper triangle wins; a blank lower cell is the
    reciprocal of the upper one, a typed lower value is kept when the upper one is blank."""
    lim = _num(ahp.JUDGMENT_LIMIT)
    tol = _num(ahp.RECIPROCAL_TOL)
    dtol = _num(ahp.DIAGONAL_TOL)
    return (
        f"{_read(arg)}"
        "ro, SEQUENCE(ROWS(v)), j, SEQUENCE(1, n), e, INT((ro-1)/n), i, ro-e*n, "
        "q, INDEX(v, e*n+j, i+0*j), ab, i<j, up, IF(ab, v, q), lo, IF(ab, q, v), "
        f"bad, (up<0)+(lo<0)+(up>{lim})+(lo>{lim})+(up>0)*(up<1/{lim})+(lo>0)*(lo<1/{lim})"
        f"+(up>0)*(lo>0)*(ABS(up*lo-1)>{tol}), "
        f"sm, IF(i=j, IF(v=0, 1, IF((v>0)*(ABS(v-1)<={dtol}), 1, -1)), IF(bad>0, -1, "
        "IF(up>0, IF(ab, up, 1/up), IF(lo>0, IF(ab, 1/lo, lo), 0)))), "
    )


def _weigh() -> str:
    """``wf(A, md)``: weights of a complete matrix by method md; ``lf(A, w)``: its lambda max.
    Every step is :mod:`bpm_xl.layout.method`'s text, as the calculation sheets have it."""
    return (
        "wf, LAMBDA(a, md, LET(z, ROWS(a), o, SEQUENCE(z, 1, 1, 0), "
        f'IF(md="geomean", LET(g, BYROW(a, LAMBDA(rw, {steps.geomean_raw("rw")})), {steps.share("g", "g")}), '
        "IF(md=\"arith\", LET(cs, MMULT(TRANSPOSE(o), a), "
        f'g, BYROW(a, LAMBDA(rw, {steps.arith_raw("rw", "cs", "z")})), {steps.share("g", "g")}), '
        f"LET(bq, REDUCE({steps.share('a', 'a')}, SEQUENCE({steps.SQUARINGS}), LAMBDA(b, k, {steps.square('b')})), "
        f"g, BYROW(bq, LAMBDA(rw, {steps.row_share('rw', 'bq')})), "
        f"REDUCE(g, SEQUENCE({steps.POWER_STEPS}), LAMBDA(h, k, {steps.power('a', 'h')}))))))), "
        f"lf, LAMBDA(a, w, {steps.lambda_max('MMULT(a, w)', 'w', 'ROWS(a)')}), "
    )


def _option(arg: str, default: str, choices: tuple[str, ...], var: str) -> str:
    """``var``: the option ``arg`` trimmed and lower-cased, ``default`` when omitted or blank,
    #VALUE! when not one of ``choices``."""
    names = ",".join(f'"{c}"' for c in choices)
    return (f'{var}, LET(tx, IF(ISOMITTED({arg}), "", TRIM({arg}&"")), ch, IF(tx="", "{default}", LOWER(tx)), '
            f"IF(ISNA(MATCH(ch, {{{names}}}, 0)), #VALUE!, ch)), ")


def _ri(table: str) -> str:
    """``ri``: the random index of n from the table named by ``table`` (#N/A beyond it)."""
    tabulated = [t for t in ahp.RI_TABLES if t in ahp.RANDOM_INDEX]
    rows = ";".join(_row(ahp.RANDOM_INDEX[t]) for t in tabulated)
    size = len(ahp.RANDOM_INDEX[tabulated[0]])
    if any(len(ahp.RANDOM_INDEX[t]) != size for t in tabulated):
        raise ValueError("random-index tables of different lengths")
    names = ",".join(f'"{t}"' for t in tabulated)
    return (f'ri, IF({table}="alonso_lamata", {steps.alonso_lamata_ri("n")}, '
            f"IF(n>{size}, NA(), INDEX({{{rows}}}, MATCH({table}, {{{names}}}, 0), n))), ")


def _matrix_body(arg: str, tail: str) -> str:
    """The common frame: square check, read, refuse, then ``tail`` with ``a`` the complete matrix."""
    return (
        f"IF(ROWS({arg})<>COLUMNS({arg}), #VALUE!, LET(n, ROWS({arg}), {_stack(arg)}"
        "IF(AND(v=0), #VALUE!, IF(OR(sm<0), #VALUE!, IF(OR(sm=0), NA(), "
        f"LET(a, sm, {tail}))))))"
    )


def _ahp_tail(result: str, method: str = "method", table: str | None = None) -> str:
    methods = tuple(ahp.METHODS)
    lines = _option(method, "eigen", methods, "md") if method else 'md, "eigen", '
    if table:
        lines += _option(table, "cn", tuple(ahp.RI_TABLES), "tb") + _ri("tb")
    return f"{lines}{_weigh()}w, wf(a, md), lam, lf(a, w), ci, {steps.ci('lam', 'n')}, {result}"


def _ahp_name(name: str, params: tuple[str, ...], result: str, zh: str, en: str, method: str | None = "method",
              table: str | None = None) -> LambdaName:
    body = _matrix_body("matrix", _ahp_tail(result, method or "", table))
    return LambdaName(name, params, f"=LAMBDA({', '.join(params)}, {body})", zh, en)


def _consistency() -> LambdaName:
    labels = ";".join(f'"{x}"' for x in CONSISTENCY_LABELS)
    table = (f"MAKEARRAY({len(CONSISTENCY_LABELS)}, 2, LAMBDA(i, j, IF(j=1, INDEX({{{labels}}}, i), "
             f"CHOOSE(i, lam, ci, ri, cr, cr<{_num(ahp.CR_ACCEPTABLE)}, tb))))")
    body = _matrix_body("matrix", _ahp_tail(f"cr, {steps.cr('ci', 'ri', 'n')}, {table}", table="random_index"))
    return LambdaName(
        "AHP_CONSISTENCY", ("matrix", "[random_index]", "[method]"),
        f"=LAMBDA(matrix, [random_index], [method], {body})",
        "一致性检验：λmax、CI、RI、CR、是否通过（CR<0.10）与所用 RI 表，两列表。",
        "Consistency check as a 2-column table: lambda max, CI, RI, CR, pass (CR < 0.10) and the RI table used.")


def _indicator_scores() -> LambdaName:
    body = (
        'LET(lo, IF(ISOMITTED(scale_min), 1, IF(scale_min&""="", 1, scale_min)), '
        'hi, IF(ISOMITTED(scale_max), 5, IF(scale_max&""="", 5, scale_max)), x, responses, '
        "IF(OR(NOT(ISNUMBER(lo)), NOT(ISNUMBER(hi))), #VALUE!, IF(lo>=hi, #VALUE!, "
        "IF(OR(NOT(ISNUMBER(x)+ISBLANK(x))), #VALUE!, IF(OR(ISNUMBER(x)*((x<lo)+(x>hi))), #VALUE!, "
        "LET(cnt, BYCOL(x, LAMBDA(cl, COUNT(cl))), "
        f"IF(OR(cnt=0), #VALUE!, BYCOL(x, LAMBDA(cl, {steps.mean('cl')})))))))))"
    )
    return LambdaName(
        "BPM_INDICATOR_SCORES", ("responses", "[scale_min]", "[scale_max]"),
        f"=LAMBDA(responses, [scale_min], [scale_max], {body})",
        "指标得分：每个指标（列）的平均答案，空白跳过；结果为一行，位于各指标列之下。",
        "Mean answer of each indicator: a row, one value under each column of responses; blanks skipped.")


def _complete() -> LambdaName:
    return LambdaName(
        "AHP_COMPLETE", ("matrix",), f"=LAMBDA(matrix, {_matrix_body('matrix', 'a')})",
        "补全判断矩阵：由上三角补全为互反矩阵；两侧都空白的判断对返回 #N/A（Python 版用 λmax 最优补全）。",
        "Full reciprocal matrix from an upper triangle; a pair blank on both sides gives #N/A "
        "(the Python edition completes it lambda-max-optimally).")


def _group() -> LambdaName:
    body = (
        "LET(n, COLUMNS(matrices), nr, ROWS(matrices), IF(OR(MOD(nr, n)<>0, nr=0), #VALUE!, LET(k, nr/n, "
        f"{_stack('matrices')}"
        + _option("method", "aij", ("aij", "aip"), "how")
        + _option("weight_method", "eigen", tuple(ahp.METHODS), "md")
        + "ew, IF(ISOMITTED(expert_weights), SEQUENCE(k, 1, 1/k, 0), IF(AND(expert_weights&\"\"=\"\"), "
          "SEQUENCE(k, 1, 1/k, 0), IF(OR(ROWS(expert_weights)*COLUMNS(expert_weights)<>k, "
          "AND(ROWS(expert_weights)>1, COLUMNS(expert_weights)>1)), #VALUE!, "
          "LET(x, IF(ROWS(expert_weights)=1, TRANSPOSE(expert_weights), expert_weights), "
          "IF(OR(NOT(ISNUMBER(x))), #VALUE!, IF(OR(x<0), #VALUE!, IF(SUM(x)<=0, #VALUE!, x/SUM(x)))))))), "
        + _weigh()
        + "IF(AND(v=0), #VALUE!, IF(OR(sm<0), #VALUE!, IF(how=\"aij\", "
          "LET(lg, IF(sm>0, LN(ABS(sm)), 0), mk, --(sm>0), "
          "MAKEARRAY(n, n, LAMBDA(i, j, IF(i=j, 1, LET(rs, SEQUENCE(k, 1, MIN(i, j), n), "
          f"g, {steps.group_judgment('ew', 'INDEX(lg, rs, MAX(i, j))', 'INDEX(mk, rs, MAX(i, j))')}, "
          "IF(ISNA(g), \"\", IF(i<j, g, 1/g))))))), "
          # AIP: each expert's weights as a row of wm, then each item's weighted geometric mean
          "IF(OR(sm=0), NA(), LET("
          "wm, DROP(REDUCE(0, SEQUENCE(k), LAMBDA(acc, e, VSTACK(acc, TRANSPOSE(wf(INDEX(sm, SEQUENCE(n, 1, (e-1)*n+1), "
          "SEQUENCE(1, n)), md))))), 1), "
          f"g, TRANSPOSE(BYCOL(wm, LAMBDA(cl, {steps.aip('ew', 'cl')}))), {steps.share('g', 'g')}))))))))"
    )
    return LambdaName(
        "AHP_GROUP", ("matrices", "[expert_weights]", "[method]", "[weight_method]"),
        f"=LAMBDA(matrices, [expert_weights], [method], [weight_method], {body})",
        "群组判断集结：专家矩阵上下堆叠；aij（默认）为判断的加权几何平均（矩阵），aip 为权重的加权几何平均（列）。",
        "Group AHP over the experts' matrices stacked vertically: aij (default) the weighted geometric mean "
        "of judgments (a matrix), aip of their weights (a column).")


def _delphi_stats() -> LambdaName:
    header = ",".join(f'"{x}"' for x in STATS_HEADER)
    body = (
        'LET(top, IF(ISOMITTED(full_score), 5, IF(full_score&""="", 5, full_score)), x, ratings, '
        "IF(NOT(ISNUMBER(top)), #VALUE!, IF(top<=1, #VALUE!, "
        "IF(OR(NOT(ISNUMBER(x)+ISBLANK(x))), #VALUE!, IF(OR(ISNUMBER(x)*((x<1)+(x>top))), #VALUE!, "
        "LET(cnt, BYCOL(x, LAMBDA(cl, COUNT(cl))), "
        "IF(OR(cnt=0), #VALUE!, "
        f"LET(mn, BYCOL(x, LAMBDA(cl, {steps.mean('cl')})), sd, BYCOL(x, LAMBDA(cl, {steps.sd('cl')})), "
        f"cv, {steps.cv('sd', 'mn')}, fr, BYCOL(x, LAMBDA(cl, {steps.full_share('cl', 'top')})), "
        f"MAKEARRAY(1+COLUMNS(x), {len(STATS_HEADER)}, LAMBDA(i, j, IF(i=1, INDEX({{{header}}}, j), "
        "CHOOSE(j, i-1, INDEX(mn, 1, i-1), INDEX(sd, 1, i-1), INDEX(cv, 1, i-1), INDEX(fr, 1, i-1)))))))))))))"
    )
    return LambdaName(
        "DELPHI_STATS", ("ratings", "[full_score]"), f"=LAMBDA(ratings, [full_score], {body})",
        "德尔菲统计：每个指标一行（含表头）：指标、均值、标准差、变异系数、满分频率；空白跳过。",
        "Per indicator, one row each with header: indicator, mean, SD, coefficient of variation, full-score "
        "frequency; blanks skipped.")


def _kendall() -> LambdaName:
    """KENDALL_W: the average ranks, tie terms, W, chi-square and p of :mod:`bpm_xl.layout.method`,
    as the portable calculation sheet computes them."""
    labels = ";".join(f'"{x}"' for x in KENDALL_LABELS)
    cell = "LAMBDA(i, j, LET(rw, INDEX(ratings, i, 0), x, INDEX(ratings, i, j), {}))"
    body = (
        "LET(m, ROWS(ratings), n, COLUMNS(ratings), IF(OR(m<2, n<2), #VALUE!, "
        "IF(OR(NOT(ISNUMBER(ratings))), #VALUE!, "
        f"LET(rk, MAKEARRAY(m, n, {cell.format(steps.average_rank('x', 'rw'))}), "
        f"tt, MAKEARRAY(m, n, {cell.format(steps.tie_term('x', 'rw'))}), "
        "cs, MMULT(SEQUENCE(1, m, 1, 0), rk), s, DEVSQ(cs), t, SUM(tt), "
        "IF(m^2*(n^3-n)-m*t<=0, #VALUE!, "
        f"LET(w, {steps.kendall_w('s', 't', 'm', 'n')}, chi, {steps.kendall_chi2('w', 'm', 'n')}, df, n-1, "
        f"MAKEARRAY(4, 2, LAMBDA(i, j, IF(j=1, INDEX({{{labels}}}, i), "
        f"CHOOSE(i, w, chi, df, {steps.chi2_p('chi', 'df')}))))))))))"
    )
    return LambdaName(
        "KENDALL_W", ("ratings",), f"=LAMBDA(ratings, {body})",
        "肯德尔协调系数（含结校正）：W、χ²、自由度与 P 值，两列表。",
        "Kendall's W (tie-corrected) with chi-square, df and p, as a 2-column table.")


def _vector_pair(x: str, y: str) -> str:
    """LET lines: ``yv`` is ``y`` in the orientation of ``x``; #VALUE! unless both are one row or
    one column of the same length."""
    return (
        f"IF(OR(AND(ROWS({x})>1, COLUMNS({x})>1), AND(ROWS({y})>1, COLUMNS({y})>1), "
        f"ROWS({x})*COLUMNS({x})<>ROWS({y})*COLUMNS({y})), #VALUE!, "
        f"LET(yv, IF(ROWS({x})=ROWS({y}), {y}, TRANSPOSE({y})), "
    )


def _authority() -> LambdaName:
    body = (_vector_pair("ca", "cs")
            + "IF(OR(NOT(ISNUMBER(ca)), NOT(ISNUMBER(yv))), #VALUE!, IF(OR(ca<0, ca>1, yv<0, yv>1), #VALUE!, "
              f"{steps.authority('ca', 'yv')}))))")
    return LambdaName(
        "DELPHI_AUTHORITY", ("ca", "cs"), f"=LAMBDA(ca, cs, {body})",
        "权威系数 Cr = (Ca + Cs) / 2，每位专家一个，方向同 ca。",
        "Authority coefficient Cr = (Ca + Cs) / 2 of each expert, in the orientation of ca.")


def _score() -> LambdaName:
    tol = _num(scoring.WEIGHT_SUM_TOL)
    body = (_vector_pair("weights", "scores")
            + "IF(OR(NOT(ISNUMBER(weights)), NOT(ISNUMBER(yv))), #VALUE!, "
              f"IF(OR(weights<0, ABS(SUM(weights)-1)>{tol}), #VALUE!, SUMPRODUCT(weights, yv)))))")
    return LambdaName(
        "BPM_SCORE", ("weights", "scores"), f"=LAMBDA(weights, scores, {body})",
        "综合得分：Σ 权重 × 得分（权重之和须为 1）。",
        "Weighted score: sum of weight x score over the indicators (weights sum to 1).")


def _rating() -> LambdaName:
    mof = scoring.MOF_BANDS.bands
    grades = ";".join(f'"{b.grade}"' for b in mof)
    lowers = ";".join(_num(b.lower) for b in mof)
    body = (
        'LET(top, IF(ISOMITTED(scale_max), 5, IF(scale_max&""="", 5, scale_max)), '
        "IF(OR(NOT(ISNUMBER(score)), NOT(ISNUMBER(top))), #VALUE!, IF(OR(top<=0, score<0, score>top), #VALUE!, "
        f"LET(x, ROUND(score/top*100, {scoring.RATING_DECIMALS}), "
        f"bd, IF(ISOMITTED(bands), CHOOSE({{1,2}}, {{{grades}}}, {{{lowers}}}), "
        'FILTER(INDEX(bands, 0, {1,2}), (INDEX(bands, 0, 1)&"<>")<>"<>")), '
        "gr, INDEX(bd, 0, 1), lw, INDEX(bd, 0, 2), "
        'IF(OR(gr&""="", NOT(ISNUMBER(lw))), #VALUE!, '
        "IF(OR(ROWS(UNIQUE(lw))<ROWS(lw), ROWS(UNIQUE(gr))<ROWS(gr)), #VALUE!, "
        "LET(hit, MAX(IF(lw<=x, lw, MIN(lw)-1)), INDEX(gr, MATCH(IF(hit<MIN(lw), MIN(lw), hit), lw, 0)))))))))"
    )
    return LambdaName(
        "BPM_RATING", ("score", "[scale_max]", "[bands]"), f"=LAMBDA(score, [scale_max], [bands], {body})",
        "评价等级：按财预〔2020〕10号（优≥90、良≥80、中≥60、差）或自定等级表（等级, 百分制下限）评定。",
        "Grade of a score: A (>= 90), B (>= 80), C (>= 60), D on 100 points by the MOF rule, or your bands "
        "(grade, lower bound).")


def _words(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """Two array constants: the words (lower case) and what each means."""
    return (",".join(f'"{w}"' for w, _ in pairs), ",".join(f'"{m}"' for _, m in pairs))


def _data_score() -> LambdaName:
    """DATA_SCORE: each method's formula from :mod:`bpm_xl.dataformula` (the tree that gives the
    native formula and its mirror), chosen by the method and direction read as the core reads
    them; a steps table is two ranges of any length."""
    methods = [(w.lower(), m) for m, labels in datascore.METHOD_LABELS.items() for w in dict.fromkeys((m, *labels))]
    directions = [(w.lower(), d) for w, d in datascore.DIRECTION_WORDS.items()]
    default_scale = _num(inspect.signature(datascore.data_score).parameters["scale_max"].default)

    def score(method: str, direction: str) -> str:
        steps = {"bounds": "u", "fractions": "w"} if method == "steps" else {}
        return dataformula.score_formula(method, direction, "value", "u", "w", scale="sc", **steps).text

    def by_direction(method: str) -> str:
        return f'IF(dr="lower", {score(method, "lower")}, {score(method, "higher")})'

    mw, mm = _words(methods)
    dw, dm = _words(directions)
    body = (
        f'LET(md, LET(tx, LOWER(TRIM(method&"")), XLOOKUP(tx, {{{mw}}}, {{{mm}}}, #VALUE!)), '
        'dr, LET(tx, IF(ISOMITTED(direction), "", LOWER(TRIM(direction&""))), '
        f'IF(tx="", "", XLOOKUP(tx, {{{dw}}}, {{{dm}}}, #VALUE!))), '
        f'sc, IF(ISOMITTED(scale_max), {default_scale}, IF(scale_max&""="", {default_scale}, scale_max)), '
        'u, IF(ISOMITTED(p_1), "", p_1), w, IF(ISOMITTED(p_2), "", p_2), '
        "IF(ROWS(value)*COLUMNS(value)*ROWS(sc)*COLUMNS(sc)>1, #VALUE!, "
        f'IF(md="steps", {by_direction("steps")}, '
        "IF(ROWS(u)*COLUMNS(u)*ROWS(w)*COLUMNS(w)>1, #VALUE!, "
        # linear takes its direction from its two values; a stated one must agree
        f'IF(md="linear", IF(OR(dr="", dr=IF(w>u, "higher", "lower")), {score("linear", "higher")}, NA()), '
        f'IF(md="ratio", IF(TRIM(w&"")="", {by_direction("ratio")}, NA()), '
        f'IF(md="deduct", {by_direction("deduct")}, '
        f'IF(AND(TRIM(u&"")="", TRIM(w&"")=""), {by_direction("yesno")}, NA()))))))))'
    )
    params = ("value", "method", "[p_1]", "[p_2]", "[scale_max]", "[direction]")
    return LambdaName(
        "DATA_SCORE", params, f"=LAMBDA({', '.join(params)}, {body})",
        "数据指标得分：按评分标准（linear 线性、ratio 比率、steps 分档、deduct 扣分、yesno 是否）把实际值换算为满分的比例，乘以 scale_max（默认 5）。",
        "Score of a measured value by its scoring standard (linear, ratio, steps, deduct, yesno): the fraction of "
        "the full mark times scale_max (default 5).")


def library() -> tuple[LambdaName, ...]:
    """Every LAMBDA name, in the order of :mod:`bpm_xl.udfs`."""
    cr = steps.cr("ci", "ri", "n")
    return (
        _ahp_name("AHP_WEIGHTS", ("matrix", "[method]"), "w",
                  "AHP 权重：判断矩阵的权重列（特征向量法，或 geomean、arith），和为 1。",
                  "Priority weights of a pairwise comparison matrix: a column summing to 1 (eigen, geomean or arith)."),
        _ahp_name("AHP_LAMBDA_MAX", ("matrix",), "lam", "最大特征根 λmax。",
                  "Largest eigenvalue (lambda max) of a pairwise comparison matrix.", method=None),
        _ahp_name("AHP_CI", ("matrix",), "ci", "一致性指标 CI = (λmax − n) / (n − 1)。",
                  "Consistency index (lambda max - n) / (n - 1).", method=None),
        _ahp_name("AHP_CR", ("matrix", "[random_index]", "[method]"), cr,
                  "一致性比率 CR = CI / RI（RI 表：cn 默认、saaty1980、saaty2005、donegan_dodd、alonso_lamata），低于 0.10 可接受。",
                  "Consistency ratio CI / RI (tables cn default, saaty1980, saaty2005, donegan_dodd, alonso_lamata); "
                  "acceptable below 0.10.", table="random_index"),
        _consistency(),
        _complete(),
        _group(),
        _delphi_stats(),
        _kendall(),
        _authority(),
        _indicator_scores(),
        _score(),
        _rating(),
        _data_score(),
    )


def defined_names() -> dict[str, str]:
    """Every LAMBDA name and its stored text with "=", as a plan's names hold them."""
    return {x.name: "=" + x.stored for x in library()}


#: The names of the library, in order.
NAMES = tuple(x.name for x in library())
