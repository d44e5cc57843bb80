"""The portable export: the workbook with every bpm-xl function call replaced by native formulas.

``bpm-xl export FILE --portable`` writes a macro-free .xlsx for readers without Python (a
finance bureau, an auditor). Every output is a native formula that Excel 2010+, WPS and
LibreOffice 7.4 recalculate: only SUMPRODUCT, MMULT (entered as CSE array formulas), INDEX,
MATCH, GEOMEAN, AVERAGE, STDEV, COUNTIF, RANK, CHIDIST, DEVSQ, LN, EXP, IF, ISNUMBER and the
like; no LET, LAMBDA, SEQUENCE, FILTER or XLOOKUP. Intermediate tables live on an extra sheet
("计算" / "Calc"):

- group matrix (AIJ): per node a table experts x pairs of the typed value (upper triangle
  wins, a lower-only value counts as 1/value), its logarithm and a mask; a_ij is the weighted
  geometric mean over the experts who judged the pair;
- weights: eigen by normalised repeated squaring B <- B.B / sum(B.B) (MMULT), row sums of the
  last power; geomean (GEOMEAN of rows); arith (mean of column-normalised rows); BPM_METHOD
  picks one; lambda max = mean of (A w) / w with the chosen w, as the Python evaluation does;
- each expert's matrix completed by reciprocals and weighed the same way (expert CR, AIP);
- the most inconsistent judgments (e_ij = a_ij w_j / w_i) ranked natively;
- Delphi statistics, screening and Kendall's W (tie-corrected, average ranks).

Not reproduced natively (each is said on the sheet): a pair no expert judged (NA(); the
Python side completes it), an expert matrix with a pair blank on both sides (that expert's CR
and, under AIP, the node's weights are NA(); the Python side uses the lambda-max-optimal
completion), and the "CR after" column of the inconsistent judgments.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

from ..errors import WorkbookError
from .plan import ArrayBlock, Block, SheetPlan, WorkbookPlan, a1, ref
from .read import parse_ref

__all__ = ["portable_plan", "export_portable", "CALC_SHEET", "SQUARINGS", "UDF_NAMES"]

#: The calculation sheet's name by language.
CALC_SHEET = {"zh": "计算", "en": "Calc"}
#: Repeated squarings of the normalised matrix: B^(2^10), far past convergence for n <= 15.
SQUARINGS = 10
#: Every bpm-xl Excel function; none may appear in a portable file.
UDF_NAMES = (
    "AHP_WEIGHTS", "AHP_LAMBDA_MAX", "AHP_CI", "AHP_CR", "AHP_CONSISTENCY", "AHP_COMPLETE", "AHP_WORST",
    "AHP_GROUP", "AHP_GLOBAL_WEIGHTS", "DELPHI_STATS", "KENDALL_W", "DELPHI_AUTHORITY", "DELPHI_SCREEN",
    "BPM_INDICATOR_SCORES", "BPM_SCORE", "BPM_RATING", "BPM_FUZZY", "BPM_PRIORITIES",
)

_CONSISTENCY_LABELS = ("λmax 最大特征根", "CI 一致性指标", "RI 随机一致性指标", "CR 一致性比率",
                       "通过 pass (CR<0.10)", "RI表 RI table")
_WORST_HEADER = ("行 row", "列 column", "当前值 current", "一致值 consistent", "标度值 1-9 scale",
                 "调整后CR CR after")
_KENDALL_LABELS = ("W 协调系数", "χ² chi-square", "自由度 df", "P值 p")
_STATS_HEADER = ("指标 indicator", "均值 mean", "标准差 SD", "变异系数 CV", "满分频率 full-score")
_KEEP = "保留 keep"
_DROP = "删除 drop"

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
    },
}

_SAATY = [1 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)]


class _Calc:
    """The calculation sheet, filled top to bottom."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.sp = SheetPlan("calc", CALC_SHEET[lang], "output", widths={0: 16})
        self.row = 0

    def tx(self, key: str, **kw: Any) -> str:
        return _TEXT[self.lang][key].format(**kw)

    def at(self, r: int, c: int) -> str:
        return ref(self.sp.name, r, c)

    def rng(self, r0: int, c0: int, r1: int, c1: int) -> str:
        return ref(self.sp.name, r0, c0, r1, c1)

    def put(self, r: int, c: int, cells: list[list[Any]], style: str = "output") -> None:
        self.sp.blocks.append(Block(r, c, cells, style))

    def array(self, r: int, c: int, nr: int, nc: int, formula: str) -> None:
        self.sp.arrays.append(ArrayBlock(r, c, nr, nc, None, formula, "output"))

    # ---------------------------------------------------------------------------------
    def weigh(self, msheet: str, mr0: int, mc0: int, n: int, title: str) -> dict[str, Any]:
        """Eigen, geomean, arith and chosen weights of the n x n matrix at (msheet, mr0, mc0).

        Returns cell references: ``eig``/``chosen`` (lists of n), ``lam_eig``/``lam`` (scalars).
        """
        M = ref(msheet, mr0, mc0, mr0 + n - 1, mc0 + n - 1)
        r = self.row
        b0 = r + 1
        self.put(r, 0, [[self.tx("weigh", what=title)]], "subtitle")
        self.put(b0, 1, [[f"={ref(msheet, mr0 + i, mc0 + j)}/SUM({M})" for j in range(n)] for i in range(n)])
        prev = 1
        for s in range(1, SQUARINGS + 1):
            c = 1 + s * (n + 1)
            B = self.rng(b0, prev, b0 + n - 1, prev + n - 1)
            self.array(b0, c, n, n, f"=MMULT({B},{B})/SUM(MMULT({B},{B}))")
            prev = c
        last = self.rng(b0, prev, b0 + n - 1, prev + n - 1)
        x = 1 + (SQUARINGS + 1) * (n + 1)
        self.put(r, x, [["eigen", "GEOMEAN", "geomean", "arith raw", "arith", "w", "A.w (eigen)", "A.w"]], "header")
        col = lambda c: self.rng(b0, c, b0 + n - 1, c)  # noqa: E731
        colsums = self.rng(b0 + n, 1, b0 + n, n)
        rows = []
        for i in range(n):
            mrow = ref(msheet, mr0 + i, mc0, mr0 + i, mc0 + n - 1)
            rows.append([
                f"=SUM({self.rng(b0 + i, prev, b0 + i, prev + n - 1)})/SUM({last})",
                f"=GEOMEAN({mrow})",
                f"={self.at(b0 + i, x + 1)}/SUM({col(x + 1)})",
                f"=SUMPRODUCT({mrow}/{colsums})/{n}",
                f"={self.at(b0 + i, x + 3)}/SUM({col(x + 3)})",
                f'=IF(BPM_METHOD="geomean",{self.at(b0 + i, x + 2)},'
                f'IF(BPM_METHOD="arith",{self.at(b0 + i, x + 4)},{self.at(b0 + i, x)}))',
            ])
        self.put(b0, x, rows)
        self.put(b0 + n, 0, [["Σ col"] + [f"=SUM({ref(msheet, mr0, mc0 + j, mr0 + n - 1, mc0 + j)})" for j in range(n)]])
        self.array(b0, x + 6, n, 1, f"=MMULT({M},{col(x)})")
        self.array(b0, x + 7, n, 1, f"=MMULT({M},{col(x + 5)})")
        self.put(b0 + n, x + 5, [["λmax",
                                  f"=SUMPRODUCT({col(x + 6)}/{col(x)})/{n}",
                                  f"=SUMPRODUCT({col(x + 7)}/{col(x + 5)})/{n}"]])
        self.row = b0 + n + 2
        return {
            "eig": [self.at(b0 + i, x) for i in range(n)],
            "chosen": [self.at(b0 + i, x + 5) for i in range(n)],
            "chosen_range": col(x + 5),
            "lam_eig": self.at(b0 + n, x + 6),
            "lam": self.at(b0 + n, x + 7),
        }


def _ci(lam: str, n: int) -> str:
    return f"IF({n}<=2,0,MAX(({lam}-{n})/({n}-1),0))"


def _cr(ci: str, ri: str, n: int) -> str:
    return f"IF({n}<=2,0,IF({ri}>0,{ci}/{ri},0))"


def portable_plan(plan: WorkbookPlan, system: Any = None) -> WorkbookPlan:
    """A copy of ``plan`` in which every bpm-xl function call is a native formula.

    ``system`` (the IndicatorSystem) only names the nodes on the calculation sheet.
    """
    p = copy.deepcopy(plan)
    p.sheets = [s for s in p.sheets if s.role != "conf"]
    lang = p.lang if p.lang in _TEXT else "zh"
    calc = _Calc(lang)
    names = p.names
    calc.put(0, 0, [[calc.tx("calc_title")]], "title")
    calc.put(1, 0, [[calc.tx("note_pairs")], [calc.tx("note_expert")], [calc.tx("note_worst")]], "note")
    # the 1-9 scale, for snapping consistent values
    calc.put(5, 0, [[calc.tx("scale"), "LN"]], "header")
    calc.put(6, 0, [[v, f"=LN({calc.at(6 + k, 0)})"] for k, v in enumerate(_SAATY)])
    scale = calc.rng(6, 0, 6 + len(_SAATY) - 1, 0)
    lnscale = calc.rng(6, 1, 6 + len(_SAATY) - 1, 1)
    calc.row = 6 + len(_SAATY) + 1

    ri_sheet, ri_r0, ri_c0, _, ri_c1 = parse_ref(names["BPM_RI_TABLE"])
    ri_header = ref(ri_sheet, ri_r0 - 1, ri_c0, ri_r0 - 1, ri_c1)
    nodes = list(system.nodes()) if system is not None else []

    # ---------------------------------------------------------------- nodes
    out: dict[int, dict[str, Any]] = {}
    t = 0
    while f"BPM_J_{t}" in names:
        out[t] = _node(calc, names, t, nodes[t] if t < len(nodes) else str(t), ri_header)
        t += 1

    # ---------------------------------------------------------------- replace the calls
    stats_at: dict[str, tuple[int, list[str], list[str]]] = {}
    for sp in p.sheets:
        for b in sp.blocks:
            for (i, j), u in list(b.udfs.items()):
                if u.func != "AHP_CR":
                    raise ValueError(f"portable: no native form for {u.func} in a cell")
                b.cells[i][j] = "=" + out[j]["expert_cr"][i]
            b.udfs = {}
        arrays, sp.arrays = sp.arrays, []
        for a in arrays:
            u = a.udf
            func = u.func if u is not None else ""
            if func == "AHP_GROUP":
                ti = int(u.args[0].rsplit("_", 1)[1])
                n = a.nrows
                cells = [[1 if i == j else (f"={out[ti]['pair'][(i, j)]}" if j > i else f"=1/{a1(a.row + j, a.col + i)}")
                          for j in range(n)] for i in range(n)]
                sp.blocks.append(Block(a.row, a.col, cells, a.style))
            elif func == "AHP_WEIGHTS":
                ti = int(u.args[0].rsplit("_", 1)[1])
                o = out[ti]
                cells = [[f'=IF(BPM_AGGREGATION="aip",{o["aip"][i]},{o["group"]["chosen"][i]})'] for i in range(a.nrows)]
                sp.blocks.append(Block(a.row, a.col, cells, a.style))
            elif func == "AHP_CONSISTENCY":
                ti = int(u.args[0].rsplit("_", 1)[1])
                o = out[ti]
                n = o["n"]
                lam = a1(a.row, a.col + 1)
                ci = a1(a.row + 1, a.col + 1)
                ri = a1(a.row + 2, a.col + 1)
                cr = a1(a.row + 3, a.col + 1)
                vals = [f"={o['group']['lam']}", f"={_ci(lam, n)}", f"={o['ri']}", f"={_cr(ci, ri, n)}",
                        f"={cr}<0.1", "=BPM_RI"]
                sp.blocks.append(Block(a.row, a.col, [[lab, v] for lab, v in zip(_CONSISTENCY_LABELS, vals)], a.style))
            elif func == "AHP_WORST":
                ti = int(u.args[0].rsplit("_", 1)[1])
                count = a.nrows - 1
                rows = _worst(calc, out[ti], u.args[0], count, scale, lnscale, ti)
                sp.blocks.append(Block(a.row, a.col, [list(_WORST_HEADER), *rows], a.style))
            elif func == "DELPHI_STATS":
                cells = _delphi_stats(names, u.args[0], u.args[1], a.row, a.col)
                stats_at[u.args[0]] = (sp.name, a.row, a.col)
                sp.blocks.append(Block(a.row, a.col, cells, a.style))
            elif func == "DELPHI_SCREEN":
                ssheet, sr, sc = stats_at[u.args[0]]
                cells = _delphi_screen(calc, names, u.args[0], ssheet, sr, sc, u.args[1], u.args[2])
                sp.blocks.append(Block(a.row, a.col, cells, a.style))
            elif func == "KENDALL_W":
                vals = _kendall(calc, names, u.args[0])
                sp.blocks.append(Block(a.row, a.col, [[lab, v] for lab, v in zip(_KENDALL_LABELS, vals)], a.style))
            elif u is None and "(" in a.formula and not any(f + "(" in a.formula.upper() for f in UDF_NAMES):
                sp.arrays.append(a)
            else:
                raise ValueError(f"portable: no native form for {func or a.formula}")
        if sp.role == "guide":
            last = max((b.row + b.nrows for b in sp.blocks), default=0)
            sp.blocks.append(Block(last + 1, 0, [[calc.tx("guide")]], "note"))
    for c in range(1, 200):
        calc.sp.widths.setdefault(c, 10)
    p.sheets.append(calc.sp)
    return p


def _node(calc: _Calc, names: dict[str, str], t: int, label: str, ri_header: str) -> dict[str, Any]:
    jsheet, r0, c0, r1, c1 = parse_ref(names[f"BPM_J_{t}"])
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
    rows = []
    for e in range(k):
        vrow, lrow, mrow = [], [], []
        for p, (i, j) in enumerate(pairs):
            up = ref(jsheet, r0 + e * n + i, c0 + j)
            lo = ref(jsheet, r0 + e * n + j, c0 + i)
            v = calc.at(d0 + e, 1 + p)
            vrow.append(f'=IF(ISNUMBER({up}),{up},IF(ISNUMBER({lo}),1/{lo},""))')
            lrow.append(f"=IF(ISNUMBER({v}),LN({v}),0)")
            mrow.append(f"=IF(ISNUMBER({v}),1,0)")
        rows.append([e + 1, *vrow, None, *lrow, None, *mrow])
    calc.put(d0, 0, rows)
    agg_row = d0 + k
    agg = []
    for p in range(P):
        lcol = calc.rng(d0, lc + p, d0 + k - 1, lc + p)
        mcol = calc.rng(d0, mc + p, d0 + k - 1, mc + p)
        agg.append(f"=IF(SUMPRODUCT(BPM_EW,{mcol})>0,EXP(SUMPRODUCT(BPM_EW,{lcol})/SUMPRODUCT(BPM_EW,{mcol})),NA())")
    calc.put(agg_row, 0, [[calc.tx("aggregate"), *agg]], "output")
    pair = {(i, j): calc.at(agg_row, 1 + p) for p, (i, j) in enumerate(pairs)}
    # RI of this node
    ri_cell = calc.at(agg_row + 1, 1)
    calc.put(agg_row + 1, 0, [["RI", f'=IF(BPM_RI="alonso_lamata",IF({n}<=2,0,(1.7699*{n}-4.3513)/({n}-1)),'
                                     f"INDEX(BPM_RI_TABLE,{n},MATCH(BPM_RI,{ri_header},0)))"]])
    calc.row = agg_row + 3
    # the group matrix, weighed
    asheet, ar0, ac0, _, _ = parse_ref(names[f"BPM_A_{t}"])
    group = calc.weigh(asheet, ar0, ac0, n, calc.tx("group", node=label))
    # each expert's matrix completed by reciprocals, weighed
    experts = []
    expert_cr = []
    for e in range(k):
        r = calc.row
        calc.put(r, 0, [[calc.tx("expert", node=label, expert=e + 1)]], "subtitle")
        m0 = r + 1
        cells = []
        for i in range(n):
            row = []
            for j in range(n):
                if i == j:
                    row.append(1)
                elif j > i:
                    v = calc.at(d0 + e, 1 + pairs.index((i, j)))
                    row.append(f"=IF(ISNUMBER({v}),{v},NA())")
                else:
                    row.append(f"=1/{calc.at(m0 + j, 1 + i)}")
            cells.append(row)
        calc.put(m0, 1, cells)
        calc.row = m0 + n + 1
        w = calc.weigh(calc.sp.name, m0, 1, n, calc.tx("expert", node=label, expert=e + 1))
        cr_cell = calc.at(calc.row, 1)
        calc.put(calc.row, 0, [["CR", f"={_cr(_ci(w['lam'], n), ri_cell, n)}"]])  # chosen method, as =AHP_CR
        calc.row += 2
        experts.append(w)
        expert_cr.append(cr_cell)
    # AIP: weighted geometric mean of the experts' (chosen-method) weights, normalised
    r = calc.row
    calc.put(r, 0, [[calc.tx("aip", node=label)]], "subtitle")
    calc.put(r + 1, 0, [[e + 1, *[f"={experts[e]['chosen'][i]}" for i in range(n)]] for e in range(k)])
    g_row = r + 1 + k
    g = [f"=EXP(SUMPRODUCT(BPM_EW,LN({calc.rng(r + 1, 1 + i, r + k, 1 + i)}))/SUM(BPM_EW))" for i in range(n)]
    calc.put(g_row, 0, [["g", *g]])
    grow = calc.rng(g_row, 1, g_row, n)
    calc.put(g_row + 1, 0, [["AIP", *[f"={calc.at(g_row, 1 + i)}/SUM({grow})" for i in range(n)]]])
    aip = [calc.at(g_row + 1, 1 + i) for i in range(n)]
    calc.row = g_row + 3
    return {"n": n, "k": k, "pair": pair, "pairs": pairs, "ri": ri_cell, "group": group, "experts": experts,
            "expert_cr": expert_cr, "aip": aip, "label": label}


def _worst(calc: _Calc, o: dict[str, Any], aname: str, count: int, scale: str, lnscale: str, ti: int) -> list[list[Any]]:
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
    rows = []
    for p, (i, j) in enumerate(pairs):
        rr = p0 + p
        at = lambda c: a1(rr, c)  # noqa: E731
        prefix = f"SUMPRODUCT(--({calc.rng(p0, 8, rr - 1, 8)}={at(8)}))" if p else "0"
        rows.append([
            p + 1, i + 1, j + 1,
            f"=INDEX({aname},{at(1)},{at(2)})",
            f"=INDEX({w},{at(1)})",
            f"=INDEX({w},{at(2)})",
            f"={at(3)}*{at(5)}/{at(4)}",
            f"=(1/{at(3)})*{at(4)}/{at(5)}",
            f"=MAX({at(6)},{at(7)})",
            f"=SUMPRODUCT(--({E}>{at(8)}))+{prefix}+1",
            f"=IF({at(6)}<1,1,0)",
            f"=IF({at(10)}=1,{at(2)},{at(1)})",
            f"=IF({at(10)}=1,{at(1)},{at(2)})",
            f"=IF({at(10)}=1,1/{at(3)},{at(3)})",
            f"=INDEX({w},{at(11)})/INDEX({w},{at(12)})",
        ])
        x = f"LN({at(14)})"
        calc.array(rr, 15, 1, 1, f"=INDEX({scale},MATCH(MIN(ABS({lnscale}-{x})),ABS({lnscale}-{x}),0))")
    calc.put(p0, 0, rows)
    calc.row = p0 + P + 1
    ranks = calc.rng(p0, 9, p0 + P - 1, 9)
    out = []
    for q in range(1, count + 1):
        m = f"MATCH({q},{ranks},0)"
        out.append([f"=INDEX({calc.rng(p0, c, p0 + P - 1, c)},{m})" for c in (11, 12, 13, 14, 15)]
                   + [calc.tx("cr_after")])
    return out


def _range_cols(names: dict[str, str], name: str) -> tuple[list[str], int, int]:
    sheet, r0, c0, r1, c1 = parse_ref(names[name])
    return [ref(sheet, r0, c, r1, c) for c in range(c0, c1 + 1)], r1 - r0 + 1, c1 - c0 + 1


def _delphi_stats(names: dict[str, str], dname: str, full: str, row: int, col0: int) -> list[list[Any]]:
    """DELPHI_STATS as native formulas: header, then index, mean, SD (n-1), CV, full-score share."""
    cols, _, _ = _range_cols(names, dname)
    rows: list[list[Any]] = [list(_STATS_HEADER)]
    for j, col in enumerate(cols):
        mean, sd = a1(row + 1 + j, col0 + 1), a1(row + 1 + j, col0 + 2)
        rows.append([j + 1, f"=IF(COUNT({col})=0,NA(),AVERAGE({col}))", f'=IF(COUNT({col})>1,STDEV({col}),"")',
                     f'=IF(ISNUMBER({sd}),IF({mean}<>0,{sd}/{mean},""),"")',
                     f"=SUMPRODUCT(ISNUMBER({col})*({col}>={full}-1E-9))/COUNT({col})"])
    return rows


def _delphi_screen(calc: _Calc, names, dname: str, ssheet: str, srow: int, scol: int,
                   min_mean: str, max_cv: str) -> list[list[Any]]:
    """DELPHI_SCREEN (as a column) from the native statistics block at (ssheet, srow, scol)."""
    cols, _, n = _range_cols(names, dname)
    r = calc.row
    calc.put(r, 0, [["screen " + dname, "mean", "cv"]], "header")
    out = []
    rows = []
    for j, col in enumerate(cols):
        m = ref(ssheet, srow + 1 + j, scol + 1)
        cv = ref(ssheet, srow + 1 + j, scol + 3)
        cnt = f"COUNT({col})"
        r1 = f'=IF({m}>={min_mean},"","mean "&TEXT({m},"0.00")&" < "&{min_mean})'
        r2 = (f'=IF(ISNUMBER({cv}),IF({cv}>{max_cv},"cv "&TEXT({cv},"0.00")&" > "&{max_cv},""),'
              f'"cv undefined ("&{cnt}&" rating"&IF({cnt}<>1,"s","")&")")')
        rows.append([j + 1, r1, r2])
        a, b = calc.at(r + 1 + j, 1), calc.at(r + 1 + j, 2)
        out.append([f'=IF({a}&{b}="","{_KEEP}","{_DROP}: "&{a}&IF(AND({a}<>"",{b}<>""),"; ","")&{b})'])
    calc.put(r + 1, 0, rows)
    calc.row = r + n + 2
    return out


def _kendall(calc: _Calc, names, dname: str) -> list[str]:
    sheet, r0, c0, r1, c1 = parse_ref(names[dname])
    m, n = r1 - r0 + 1, c1 - c0 + 1
    r = calc.row
    k = dname.rsplit("_", 1)[1]
    calc.put(r, 0, [[calc.tx("ranks", k=k)]], "subtitle")
    d0 = r + 1
    ranks, ties = [], []
    for e in range(m):
        row = ref(sheet, r0 + e, c0, r0 + e, c1)
        rk, tt = [], []
        for j in range(n):
            x = ref(sheet, r0 + e, c0 + j)
            rk.append(f"=RANK({x},{row},1)+(COUNTIF({row},{x})-1)/2")
            tt.append(f"=COUNTIF({row},{x})^2-1")
        ranks.append([e + 1, *rk])
        ties.append(tt)
    calc.put(d0, 0, ranks)
    calc.put(d0, n + 2, ties)
    sums = d0 + m
    calc.put(sums, 0, [["R", *[f"=SUM({calc.rng(d0, 1 + j, d0 + m - 1, 1 + j)})" for j in range(n)]]])
    S = f"DEVSQ({calc.rng(sums, 1, sums, n)})"
    T = f"SUM({calc.rng(d0, n + 2, d0 + m - 1, 2 * n + 1)})"
    rng_ = ref(sheet, r0, c0, r1, c1)
    wf = (f"=IF(COUNT({rng_})<{m * n},NA(),MIN(MAX(12*{S}/({m}^2*({n}^3-{n})-{m}*{T}),0),1))")
    res = sums + 1
    calc.put(res, 0, [["W", wf], ["chi2", f"={m}*({n}-1)*{calc.at(res, 1)}"], ["df", n - 1],
                      ["p", f"=CHIDIST({calc.at(res + 1, 1)},{calc.at(res + 2, 1)})"]])
    calc.row = res + 5
    return [f"={calc.at(res + q, 1)}" for q in range(4)]


# ---------------------------------------------------------------------------------------
def export_portable(source: Any, out: str | Path, lang: str | None = None) -> Path:
    """Write the macro-free portable .xlsx of ``source`` to ``out``; returns ``out``.

    ``source`` is a bpm-xl workbook path, the word ``"example"``, or EvaluationInputs.
    """
    from ..service import _lang_of, example_workbook_data, read_workbook, write_workbook
    from .plan import data_from_inputs, plan_workbook

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{out}: a portable export must end in .xlsx")
    if isinstance(source, str) and source == "example":
        lang = lang or "zh"
        data, system = example_workbook_data(lang)
    elif isinstance(source, (str, Path)):
        import pandas as pd

        from ..model import IndicatorSystem

        data, g = read_workbook(Path(source), formulas=False)
        lang = lang or _lang_of(g)
        system = IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                            name=f"{g.source}: indicator sheet")
    else:  # EvaluationInputs
        lang = lang or "zh"
        data, system = data_from_inputs(source), source.system
    plan = portable_plan(plan_workbook(data, system, lang), system)
    buf = io.BytesIO()
    write_workbook(plan, buf, None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())
    return out
