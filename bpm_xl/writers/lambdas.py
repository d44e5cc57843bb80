"""The LAMBDA names in a workbook, and the function library ``bpm-xl functions`` writes.

:func:`define_names` adds the names of :mod:`bpm_xl.layout.lambdas` to an XlsxWriter workbook;
:func:`add_comments` puts each name's description (Excel's Name Manager "Comment") into the
finished package, which XlsxWriter cannot write. :func:`library_bytes` is a small workbook: the
names, a sheet of worked examples on the study's judgments (dynamic-array formulas that call the
names, each carrying the value the core computes), a list of the functions and a sheet on how to
bring the names into another workbook.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import ahp, datascore, delphi, scoring
from ..layout.cached import CONSISTENCY_LABELS, KENDALL_LABELS, STATS_HEADER
from ..layout.lambdas import NAMES, library

__all__ = ["add_comments", "comment_names", "define_names", "has_names", "library_bytes", "write_library"]

_TEXT = {
    "zh": {
        "examples": "示例", "functions": "函数", "howto": "使用说明",
        "title": "bpm-xl 函数库（LAMBDA 名称）：无需 Python，Excel 365 / Excel 2024 直接使用",
        "note": "下列公式调用本工作簿中的 LAMBDA 名称；单元格中保存的值由 bpm-xl 的 Python 核心计算，Excel 打开后重新计算应得到相同结果。",
        "matrix": "专家 {e} 对“{node}”的判断矩阵（上三角，文本如 1/2 照样读取）",
        "weights": "AHP_WEIGHTS", "lam": "AHP_LAMBDA_MAX", "ci": "AHP_CI", "cr": "AHP_CR",
        "cr2": "AHP_CR(…,\"saaty1980\",\"geomean\")", "complete": "AHP_COMPLETE",
        "consistency": "AHP_CONSISTENCY", "survey": "满意度问卷答案（前 {m} 位受访者 × 指标，1–5 分）",
        "scores": "BPM_INDICATOR_SCORES",
        "authority": "专家权威系数：Ca、Cs 与 DELPHI_AUTHORITY",
        "stack": "全部专家的判断矩阵（上下堆叠）", "group": "AHP_GROUP（aij，权威系数加权）",
        "aip": "AHP_GROUP(…,\"aip\")",
        "delphi": "德尔菲第 1 轮评分（专家 × 指标）", "kendall": "KENDALL_W", "stats": "DELPHI_STATS",
        "score": "指标组合权重与得分", "total": "BPM_SCORE", "rating": "BPM_RATING",
        "data": "数据指标：实际值与评分标准（满分 100）",
        "data_head": ("指标", "实际值 value", "方法 method", "p1", "p2", "满分 scale_max", "方向 direction", "DATA_SCORE"),
        "data_rows": ("预算执行率", "资金到位率", "结转结余率", "项目完成率", "是否建立管理制度"),
        "steps_head": ("分档下限 bounds", "得分比例 fractions"),
        "code": "指标", "weight": "权重", "mean": "得分", "expert": "专家",
        "name": "名称", "args": "参数", "desc": "说明", "text": "公式（Excel 名称管理器中所见）",
        "how": [
            "如何在其他工作簿中使用这些函数",
            "这些函数是工作簿级的“名称”（LAMBDA），不是宏，也不需要 Python 或加载项；Excel 365 与 Excel 2024 可用。",
            "方法一（复制工作表）：右键本工作簿的“示例”工作表 → 移动或复制 → 选择目标工作簿并勾选“建立副本”。"
            "Excel 会把工作表用到的名称一并复制过去；之后可删除复制过去的工作表，名称仍然保留。",
            "方法二（名称管理器）：公式 → 名称管理器，选中一个名称，复制“引用位置”中的公式；在目标工作簿中 公式 → 定义名称，"
            "名称填同名（如 AHP_WEIGHTS），引用位置粘贴该公式，备注可粘贴“函数”工作表中的说明。每个名称都是独立的，可以只复制需要的几个。",
            "用法与 Python 版相同：=AHP_WEIGHTS(B3:F7) 会向下溢出一列权重；=AHP_CR(B3:F7) 返回一致性比率。",
            "与 Python 版的差别：两侧都空白的判断对返回 #N/A（Python 版用 λmax 最优补全）；无法读取的输入返回 #VALUE!，不给出文字说明；"
            "向量参数（权重、得分、Ca、Cs）只接受数字。详见 docs/FUNCTIONS.md。",
            "LibreOffice、Gnumeric 及 Excel 2019 以前的版本没有 LAMBDA：这些名称在其中不可用，请使用便携版工作簿（原生公式）。"
            "WPS 新版本据称支持 LAMBDA，但未在此验证。",
        ],
    },
    "en": {
        "examples": "Examples", "functions": "Functions", "howto": "How to use",
        "title": "bpm-xl function library (LAMBDA names): no Python, for Excel 365 / Excel 2024",
        "note": "The formulas below call this workbook's LAMBDA names; the values stored in the cells were computed by "
                "bpm-xl's Python core, and Excel's recalculation should show the same.",
        "matrix": "Expert {e}'s judgments on \"{node}\" (upper triangle; text such as 1/2 is read)",
        "weights": "AHP_WEIGHTS", "lam": "AHP_LAMBDA_MAX", "ci": "AHP_CI", "cr": "AHP_CR",
        "cr2": "AHP_CR(...,\"saaty1980\",\"geomean\")", "complete": "AHP_COMPLETE",
        "consistency": "AHP_CONSISTENCY", "survey": "Survey answers (first {m} respondents x indicators, 1-5)",
        "scores": "BPM_INDICATOR_SCORES",
        "authority": "Expert authority: Ca, Cs and DELPHI_AUTHORITY",
        "stack": "Every expert's matrix, stacked", "group": "AHP_GROUP (aij, weighted by authority)",
        "aip": "AHP_GROUP(...,\"aip\")",
        "delphi": "Delphi round 1 ratings (experts x indicators)", "kendall": "KENDALL_W", "stats": "DELPHI_STATS",
        "score": "Indicators' global weights and scores", "total": "BPM_SCORE", "rating": "BPM_RATING",
        "data": "Data indicators: measured values and their scoring standards (full mark 100)",
        "data_head": ("indicator", "value", "method", "p1", "p2", "scale_max", "direction", "DATA_SCORE"),
        "data_rows": ("budget execution rate", "funds in place", "carry-over rate", "completion rate",
                      "management rules in place"),
        "steps_head": ("bounds", "fractions"),
        "code": "indicator", "weight": "weight", "mean": "score", "expert": "expert",
        "name": "name", "args": "arguments", "desc": "description", "text": "formula (as Excel's Name Manager shows it)",
        "how": [
            "How to use these functions in another workbook",
            "The functions are workbook-level names (LAMBDA): no macro, no Python, no add-in. They work in Excel 365 "
            "and Excel 2024.",
            "Way 1 (copy a sheet): right-click this workbook's Examples sheet > Move or Copy > choose the other workbook "
            "and tick Create a copy. Excel copies the names the sheet uses; you may delete the copied sheet afterwards, "
            "the names stay.",
            "Way 2 (Name Manager): Formulas > Name Manager, select a name and copy its Refers to formula; in the other "
            "workbook, Formulas > Define Name with the same name (e.g. AHP_WEIGHTS), paste the formula, and paste the "
            "description from the Functions sheet as the comment. Every name stands alone: copy only those you need.",
            "Use them as in the Python edition: =AHP_WEIGHTS(B3:F7) spills a column of weights; =AHP_CR(B3:F7) returns "
            "the consistency ratio.",
            "Differences from the Python edition: a pair blank on both sides gives #N/A (the Python edition completes "
            "it lambda-max-optimally); input that cannot be read gives #VALUE! without a message; vector arguments "
            "(weights, scores, Ca, Cs) take numbers only. See docs/FUNCTIONS.md.",
            "LibreOffice, Gnumeric and Excel before 2021 have no LAMBDA: the names do not work there; use the portable "
            "workbook (native formulas). LAMBDA in recent WPS releases is reported but not verified here.",
        ],
    },
}


# ------------------------------------------------------------------------------ names
def define_names(wb: Any) -> None:
    """Add every LAMBDA name to an XlsxWriter workbook (its description comes with :func:`add_comments`)."""
    for x in library():
        wb.define_name(x.name, "=" + x.stored)


def has_names(names: Any) -> bool:
    """Whether a plan's or a file's names include the LAMBDA library."""
    return any(k in NAMES for k in names)


_DEFINED = re.compile(r'<definedName name="([^"]+)"([^>]*)>(_xlfn\.LAMBDA\()')


def comment_names(book_xml: bytes, lang: str) -> bytes:
    """``xl/workbook.xml`` with each LAMBDA name's description as its ``comment`` attribute
    (only names of the library whose text is a LAMBDA; the rest as it is)."""
    comments = {x.name: x.comment(lang) for x in library()}
    book = book_xml.decode("utf-8")

    def put(m: re.Match) -> str:
        name, attrs = m.group(1), m.group(2)
        if name not in comments or "comment=" in attrs:
            return m.group(0)
        return f'<definedName name="{name}" comment="{html.escape(comments[name], quote=True)}"{attrs}>{m.group(3)}'

    return _DEFINED.sub(put, book).encode("utf-8")


def add_comments(data: bytes, lang: str) -> bytes:
    """The package ``data`` with :func:`comment_names` applied to its workbook part; every other
    part is copied as it is (same order, same compression). For small packages (the function
    library): a large one gets its comments in the writer's one package step instead."""
    src = zipfile.ZipFile(io.BytesIO(data))
    book = src.read("xl/workbook.xml")
    new_book = comment_names(book, lang)
    if new_book == book:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = new_book if info.filename == "xl/workbook.xml" else src.read(info.filename)
            dst.writestr(info, body, compress_type=info.compress_type)
    return out.getvalue()


# ------------------------------------------------------------------------------ library workbook
class _Sheet:
    """An XlsxWriter sheet with a writer of dynamic-array formulas and their cached values."""

    def __init__(self, ws: Any, fmt: dict[str, Any]) -> None:
        self.ws, self.fmt = ws, fmt

    def text(self, r: int, c: int, value: str, style: str = "text") -> None:
        self.ws.write_string(r, c, value, self.fmt[style])

    def values(self, r: int, c: int, rows: list[list[Any]]) -> None:
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.cell(r + i, c + j, v, "input")

    def cell(self, r: int, c: int, v: Any, style: str = "output") -> None:
        if v is None:
            return
        if isinstance(v, str):
            self.ws.write_string(r, c, v, self.fmt[style])
        elif isinstance(v, bool):
            self.ws.write_boolean(r, c, v, self.fmt[style])
        else:
            self.ws.write_number(r, c, float(v), self.fmt[style])

    def call(self, r: int, c: int, formula: str, cached: list[list[Any]]) -> None:
        """``formula`` as a dynamic array at (r, c) spilling over ``cached``'s shape."""
        nr, nc = len(cached), len(cached[0])
        self.ws.write_dynamic_array_formula(r, c, r + nr - 1, c + nc - 1, formula, self.fmt["output"], cached[0][0])
        for i, row in enumerate(cached):
            for j, v in enumerate(row):
                if i or j:
                    self.cell(r + i, c + j, v)


def _a1(r: int, c: int, r1: int | None = None, c1: int | None = None) -> str:
    from xlsxwriter.utility import xl_range_abs, xl_rowcol_to_cell

    if r1 is None:
        return xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)
    return xl_range_abs(r, c, r1, c1)


def _col(values: Any) -> list[list[Any]]:
    return [[float(v)] for v in np.asarray(values, dtype=float).ravel()]


def _grid(values: Any) -> list[list[Any]]:
    return [[("" if v != v else float(v)) for v in row] for row in np.asarray(values, dtype=float).tolist()]


def _ahp_examples(sh: _Sheet, tx: dict[str, Any], inputs: Any, node: str, row: int) -> int:
    """Expert 1's matrix of ``node`` and the single-matrix functions on it; returns the next row."""
    experts = list(inputs.judgments[node])
    typed = inputs.judgments[node][experts[0]]
    n = len(typed)
    sh.text(row, 0, tx["matrix"].format(e=experts[0], node=node), "subtitle")
    m0 = row + 1
    sh.values(m0, 0, [[v for v in r] for r in typed])
    rng = _a1(m0, 0, m0 + n - 1, n - 1)
    r = ahp.ahp_weights(typed)
    g = ahp.ahp_weights(typed, method="geomean", random_index="saaty1980")
    c = n + 1
    calls = [
        (tx["weights"], f"=AHP_WEIGHTS({rng})", _col(r.weights)),
        (tx["lam"], f"=AHP_LAMBDA_MAX({rng})", [[r.lambda_max]]),
        (tx["ci"], f"=AHP_CI({rng})", [[r.consistency_index]]),
        (tx["cr"], f"=AHP_CR({rng})", [[r.consistency_ratio]]),
        (tx["cr2"], f'=AHP_CR({rng},"saaty1980","geomean")', [[g.consistency_ratio]]),
    ]
    for k, (label, formula, cached) in enumerate(calls):
        sh.text(row, c + k, label, "header")
        sh.call(m0, c + k, formula, cached)
    c2 = c + len(calls) + 1
    sh.text(row, c2, tx["complete"], "header")
    sh.call(m0, c2, f"=AHP_COMPLETE({rng})", _grid(ahp.complete_matrix(typed)))
    c3 = c2 + n + 1
    sh.text(row, c3, tx["consistency"], "header")
    sh.call(m0, c3, f"=AHP_CONSISTENCY({rng})", [[CONSISTENCY_LABELS[0], r.lambda_max],
                                                 [CONSISTENCY_LABELS[1], r.consistency_index],
                                                 [CONSISTENCY_LABELS[2], r.random_index],
                                                 [CONSISTENCY_LABELS[3], r.consistency_ratio],
                                                 [CONSISTENCY_LABELS[4], bool(r.acceptable)],
                                                 [CONSISTENCY_LABELS[5], r.random_index_table]])
    return m0 + max(n, len(CONSISTENCY_LABELS)) + 1


def _group_examples(sh: _Sheet, tx: dict[str, Any], inputs: Any, node: str, row: int) -> int:
    """Ca, Cs, authority; the experts' stacked matrices of ``node``; AHP_GROUP aij and aip."""
    experts = [e for e in inputs.experts if e.code in inputs.judgments[node]]
    k = len(experts)
    sh.text(row, 0, tx["authority"], "subtitle")
    sh.text(row + 1, 0, tx["expert"], "header")
    sh.text(row + 1, 1, "Ca", "header")
    sh.text(row + 1, 2, "Cs", "header")
    sh.text(row + 1, 3, "Cr", "header")
    d0 = row + 2
    for e, ex in enumerate(experts):
        sh.text(d0 + e, 0, ex.code)
        sh.cell(d0 + e, 1, ex.ca, "input")
        sh.cell(d0 + e, 2, ex.cs, "input")
    ca, cs = _a1(d0, 1, d0 + k - 1, 1), _a1(d0, 2, d0 + k - 1, 2)
    au = delphi.authority([e.ca for e in experts], [e.cs for e in experts])
    sh.call(d0, 3, f"=DELPHI_AUTHORITY({ca},{cs})", _col(au.cr))
    cr_range = _a1(d0, 3, d0 + k - 1, 3)
    row = d0 + k + 1
    blocks = [inputs.judgments[node][e.code] for e in experts]
    n = len(blocks[0])
    sh.text(row, 0, tx["stack"], "subtitle")
    s0 = row + 1
    for e, b in enumerate(blocks):
        sh.values(s0 + e * n, 0, [list(r) for r in b])
    stack = _a1(s0, 0, s0 + k * n - 1, n - 1)
    c = n + 1
    sh.text(row, c, tx["group"], "header")
    sh.call(s0, c, f"=AHP_GROUP({stack},{cr_range})", _grid(ahp.aggregate_judgments(blocks, weights=au.cr)))
    c2 = c + n + 1
    sh.text(row, c2, tx["aip"], "header")
    priorities = [ahp.ahp_weights(b).weights for b in blocks]
    sh.call(s0, c2, f'=AHP_GROUP({stack},{cr_range},"aip")', _col(ahp.aggregate_priorities(priorities, au.cr)))
    return s0 + k * n + 1


def _delphi_examples(sh: _Sheet, tx: dict[str, Any], inputs: Any, row: int) -> int:
    ratings = inputs.delphi_rounds[0]
    m, n = ratings.shape
    sh.text(row, 0, tx["delphi"], "subtitle")
    sh.values(row + 1, 1, [[str(c) for c in ratings.columns]])
    for i, code in enumerate(ratings.index):
        sh.text(row + 2 + i, 0, str(code))
    sh.values(row + 2, 1, ratings.to_numpy(dtype=float).tolist())
    rng = _a1(row + 2, 1, row + 1 + m, n)
    kw = delphi.kendall_w(ratings.to_numpy(dtype=float))
    st = delphi.indicator_stats(ratings.to_numpy(dtype=float))
    stats = [list(STATS_HEADER)] + [[float(k + 1), st.mean[k], st.sd[k], st.cv[k], st.full_score_frequency[k]]
                                    for k in range(n)]
    c = n + 2
    sh.text(row, c, tx["kendall"], "header")
    sh.call(row + 2, c, f"=KENDALL_W({rng})", [[KENDALL_LABELS[0], kw.w], [KENDALL_LABELS[1], kw.chi2],
                                                [KENDALL_LABELS[2], float(kw.df)], [KENDALL_LABELS[3], kw.p]])
    sh.text(row, c + 3, tx["stats"], "header")
    sh.call(row + 2, c + 3, f"=DELPHI_STATS({rng})", [[("" if v != v else v) for v in r] for r in stats])
    return row + 3 + max(m, n + 1)


_SURVEY_ROWS = 30


def _survey_examples(sh: _Sheet, tx: dict[str, Any], inputs: Any, row: int) -> int:
    """The first respondents' answers and BPM_INDICATOR_SCORES under them."""
    answers = inputs.survey.iloc[:_SURVEY_ROWS]
    m, n = answers.shape
    sh.text(row, 0, tx["survey"].format(m=m), "subtitle")
    sh.values(row + 1, 1, [[str(c) for c in answers.columns]])
    values = answers.to_numpy(dtype=float)
    sh.values(row + 2, 1, [[None if v != v else v for v in r] for r in values.tolist()])
    rng = _a1(row + 2, 1, row + 1 + m, n)
    out = row + 2 + m
    sh.text(out, 0, tx["scores"], "header")
    means = scoring.indicator_scores(values).mean
    sh.call(out, 1, f"=BPM_INDICATOR_SCORES({rng})", [[float(v) for v in means]])
    return out + 2


#: DATA_SCORE examples: (value, method, p1, p2, direction); "steps" takes the steps table beside them.
_DATA_ROWS = ((0.92, "deduct", 0.95, 10, None), (0.76, "ratio", 0.95, None, None), (0.1, "ratio", 0.05, None, "lower"),
              (0.91, "steps", None, None, None), ("是", "yesno", None, None, None))
_STEPS = ((0.95, 1), (0.9, 0.8), (0.8, 0.6))
_DATA_SCALE = 100


def _data_examples(sh: _Sheet, tx: dict[str, Any], row: int) -> int:
    """A few data indicators scored by DATA_SCORE, a steps table beside them; each cached value
    is the core's score."""
    sh.text(row, 0, tx["data"], "subtitle")
    for j, label in enumerate(tx["data_head"]):
        sh.text(row + 1, j, label, "header")
    sc = len(tx["data_head"]) + 1
    for j, label in enumerate(tx["steps_head"]):
        sh.text(row + 1, sc + j, label, "header")
    d0 = row + 2
    for i, (b, f) in enumerate(_STEPS):
        sh.cell(d0 + i, sc, b, "input")
        sh.cell(d0 + i, sc + 1, f, "input")
    bounds, fractions = _a1(d0, sc, d0 + len(_STEPS) - 1, sc), _a1(d0, sc + 1, d0 + len(_STEPS) - 1, sc + 1)
    for i, ((v, method, p1, p2, direction), label) in enumerate(zip(_DATA_ROWS, tx["data_rows"])):
        r = d0 + i
        sh.text(r, 0, label)
        for j, x in enumerate((v, method, p1, p2, _DATA_SCALE, direction)):
            sh.cell(r, 1 + j, x, "input")
        if method == "steps":
            p1, p2, a1, a2 = [b for b, _ in _STEPS], [f for _, f in _STEPS], bounds, fractions
        else:
            a1, a2 = _a1(r, 3), _a1(r, 4)
        score = datascore.data_score(v, method, p1, p2, scale_max=_DATA_SCALE, direction=direction).score
        args = ",".join((_a1(r, 1), _a1(r, 2), a1, a2, _a1(r, 5), _a1(r, 6)))
        sh.call(r, 7, f"=DATA_SCORE({args})", [[score]])
    return d0 + max(len(_DATA_ROWS), len(_STEPS)) + 1


def _score_examples(sh: _Sheet, tx: dict[str, Any], evaluation: Any, row: int) -> int:
    t = evaluation.indicator_table
    codes = [str(c) for c in t["code"]]
    w = t["global_weight"].to_numpy(dtype=float)
    s = t["mean_score"].to_numpy(dtype=float)
    sh.text(row, 0, tx["score"], "subtitle")
    for j, label in enumerate((tx["code"], tx["weight"], tx["mean"])):
        sh.text(row + 1, j, label, "header")
    d0 = row + 2
    for i, code in enumerate(codes):
        sh.text(d0 + i, 0, code)
        sh.cell(d0 + i, 1, w[i], "input")
        sh.cell(d0 + i, 2, s[i], "input")
    wr, sr = _a1(d0, 1, d0 + len(codes) - 1, 1), _a1(d0, 2, d0 + len(codes) - 1, 2)
    total = scoring.weighted_score(w, s)
    sh.text(row + 1, 4, tx["total"], "header")
    sh.call(d0, 4, f"=BPM_SCORE({wr},{sr})", [[total]])
    sh.text(row + 1, 5, tx["rating"], "header")
    sh.call(d0, 5, f"=BPM_RATING({_a1(d0, 4)})", [[scoring.rate(total).grade]])
    return d0 + len(codes) + 1


def library_bytes(lang: str, inputs: Any, evaluation: Any) -> bytes:
    """The function library workbook: names with comments, examples, the list, how to use."""
    import xlsxwriter

    tx = _TEXT[lang if lang in _TEXT else "zh"]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": "bpm-xl functions", "author": "bpm-xl"})
    fmt = {
        "text": wb.add_format({"text_wrap": False}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "subtitle": wb.add_format({"bold": True}),
        "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7"}),
        "input": wb.add_format({"bg_color": "#FFF2CC"}),
        "output": wb.add_format({"num_format": "0.0000"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }
    define_names(wb)
    _howto(wb.add_worksheet(tx["howto"]), fmt, tx)
    ex = _Sheet(wb.add_worksheet(tx["examples"]), fmt)
    ex.text(0, 0, tx["title"], "title")
    ex.text(1, 0, tx["note"])
    node = next(iter(inputs.judgments))
    row = _ahp_examples(ex, tx, inputs, node, 3)
    row = _group_examples(ex, tx, inputs, node, row)
    row = _delphi_examples(ex, tx, inputs, row)
    row = _survey_examples(ex, tx, inputs, row)
    row = _score_examples(ex, tx, evaluation, row)
    _data_examples(ex, tx, row)
    ex.ws.set_column(0, 0, 12)
    ex.ws.set_column(1, 40, 11)
    _functions(_Sheet(wb.add_worksheet(tx["functions"]), fmt), tx, lang)
    wb.close()
    return add_comments(buf.getvalue(), lang)


def _howto(ws: Any, fmt: dict[str, Any], tx: dict[str, Any]) -> None:
    ws.set_column(0, 0, 110)
    ws.write_string(0, 0, tx["how"][0], fmt["title"])
    for i, line in enumerate(tx["how"][1:]):
        ws.write_string(2 + i, 0, line, fmt["wrap"])


def _functions(sh: _Sheet, tx: dict[str, Any], lang: str) -> None:
    for j, h in enumerate((tx["name"], tx["args"], tx["desc"], tx["text"])):
        sh.text(0, j, h, "header")
    for i, x in enumerate(library()):
        sh.text(1 + i, 0, x.name)
        sh.text(1 + i, 1, ", ".join(x.params))
        sh.text(1 + i, 2, x.comment(lang))
        sh.text(1 + i, 3, x.text)
    sh.ws.set_column(0, 0, 18)
    sh.ws.set_column(1, 1, 40)
    sh.ws.set_column(2, 2, 70)
    sh.ws.set_column(3, 3, 60)


def write_library(out: str | Path, lang: str, inputs: Any, evaluation: Any) -> Path:
    """Write the function library to ``out`` (.xlsx) atomically; returns the path."""
    from . import safe

    return safe.atomic_write(Path(out), library_bytes(lang, inputs, evaluation))
