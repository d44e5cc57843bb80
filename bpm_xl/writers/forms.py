"""Write an expert questionnaire (.xlsx, macro-free) with XlsxWriter.

One file per expert: a cover sheet, the pairwise comparisons (row layout 9-1-9 or matrix
layout) with a live consistency check in native formulas, the Delphi rating sheet with the
authority self-assessment, a hidden calculation sheet and a hidden, protected identity
sheet. Every formula is written with the value it computes (computed here in Python the
same way), so a viewer that shows cached values (WPS, LibreOffice, Protected View) shows
the truth. Names and other user text are written with ``write_string``: never formulas.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell as _a1

from .. import ranking
from ..layout import method as steps
from ..texts import LANGS, text
from ..layout.forms import (
    ROW_HEADER,
    SCALE_LABELS,
    SCALE_VALUES,
    SHEETS,
    FormSpec,
    NodeBlock,
)

__all__ = ["form_bytes", "write_form"]

#: The questionnaire's words: ``form.<key>`` in :mod:`bpm_xl.texts`.
_WORDS = ("title", "round", "expert", "purpose", "how1", "how2", "how3", "how_matrix", "scale_title", "return", "keep",
          "pairs_title", "pairs_note", "node", "no", "a", "b", "value", "left", "right", "equal", "cr", "verdict", "first",
          "pass", "review", "todo", "left_n", "one_only", "offscale", "ratings_title", "ratings_note", "code",
          "dimension", "indicator", "rating", "r1_mean", "r1_cv", "own", "round2_note", "authority", "ca", "cs",
          "ca_help", "cs_help", "calc_title", "mark", "mark_msg", "rate_msg", "auth_msg", "vs", "suggest", "suggest_m",
          "how4", "scores_title", "scores_note", "score", "score_msg")
#: The lines of the 1-9 scale on the cover.
_SCALE_LINES = 7


def _words(lang: str) -> dict[str, Any]:
    """The questionnaire's templates in ``lang`` (formatted where used), and the scale's lines."""
    tx: dict[str, Any] = {k: text(f"form.{k}", lang) for k in _WORDS}
    tx["scale"] = [(text(f"form.scale_value_{i}", lang), text(f"form.scale_words_{i}", lang))
                   for i in range(1, _SCALE_LINES + 1)]
    return tx


INPUT = "#FFF2CC"
HEAD = "#BDD7EE"
TITLE = "#1F4E78"


class _Sheet:
    """A worksheet plus the values of its cells as computed here (for formula caches)."""

    def __init__(self, ws: Any, name: str) -> None:
        self.ws = ws
        self.name = name
        self.values: dict[tuple[int, int], Any] = {}

    def ref(self, r: int, c: int, absolute: bool = True, other: bool = True) -> str:
        cell = _a1(r, c, absolute, absolute)
        return f"'{self.name}'!{cell}" if other else cell

    def text(self, r: int, c: int, s: Any, fmt: Any = None) -> None:
        s = "" if s is None else str(s)
        self.ws.write_string(r, c, s, fmt)
        self.values[(r, c)] = s

    def num(self, r: int, c: int, v: float, fmt: Any = None) -> None:
        self.ws.write_number(r, c, v, fmt)
        self.values[(r, c)] = v

    def formula(self, r: int, c: int, f: str, value: Any, fmt: Any = None) -> None:
        if isinstance(value, (bool, np.bool_)):
            self.ws.write_formula(r, c, f, fmt, bool(value))
        elif isinstance(value, (int, float, np.floating)) and math.isfinite(float(value)):
            self.ws.write_formula(r, c, f, fmt, float(value))
        else:
            self.ws.write_formula(r, c, f, fmt, "" if value is None else str(value))
        self.values[(r, c)] = value

    def array(self, r: int, c: int, f: str, values: Any, fmt: Any = None) -> None:
        """An array formula over the block of ``values`` (2-D) at (r, c), each cell caching its value."""
        values = np.atleast_2d(values)
        nr, nc = values.shape
        self.ws.write_array_formula(r, c, r + nr - 1, c + nc - 1, "{=" + f + "}", fmt, float(values[0, 0]))
        for i in range(nr):
            for j in range(nc):
                if i or j:
                    self.ws.write_number(r + i, c + j, float(values[i, j]), fmt)
                self.values[(r + i, c + j)] = float(values[i, j])


def _fmt_value(v: float) -> str:
    for lab, s in zip(SCALE_LABELS, SCALE_VALUES):
        if abs(v - s) <= 1e-12 * s:
            return lab
    return f"{v:g}"


def _scale_index(v: Any) -> int | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    for k, s in enumerate(SCALE_VALUES):
        if abs(x - s) <= 1e-9 * s:
            return k
    return None


def form_bytes(spec: FormSpec) -> bytes:
    buf = io.BytesIO()
    write_form(spec, buf)
    return buf.getvalue()


def write_form(spec: FormSpec, target: str | Path | io.BytesIO) -> None:
    """Write the questionnaire of ``spec`` to ``target`` (.xlsx)."""
    lang = spec.lang if spec.lang in LANGS else "zh"
    tx = _words(lang)
    lay = spec.layout_()
    wb = xlsxwriter.Workbook(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False, "in_memory": True})
    wb.set_properties({"title": tx["title"], "author": "bpm-xl", "comments": "bpm-xl expert form"})
    F = _formats(wb, lang)
    good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
    bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    marked = wb.add_format({"bg_color": "#F4B183", "bold": True})

    def sheet(key: str) -> _Sheet:
        return _Sheet(wb.add_worksheet(SHEETS[key][lang]), SHEETS[key][lang])

    cover = sheet("cover")
    pairs = sheet("pairs")
    ratings = sheet("ratings")
    # the panel's scores of the indicators of type expert: a sheet of their own, only when there are any
    scores = sheet("scores") if spec.expert_indicators else None
    calc = sheet("calc")
    ident = sheet("identity")

    _cover(spec, tx, F, cover)
    scale_vals, scale_labs = _calc_scale(tx, F, calc)
    _pairs_sheet(spec, tx, F, pairs, calc, lay, scale_vals, scale_labs, good, bad, marked)
    _ratings(spec, tx, F, ratings, lay)
    if scores is not None:
        _scores(spec, tx, F, scores, lay)
    calc.ws.set_column(0, 0, 12)
    calc.ws.hide()
    _identity(spec, ident)
    wb.close()


def _formats(wb: Any, lang: str) -> dict[str, Any]:
    """The cell formats of the questionnaire, by role."""
    base = {"font_name": "Microsoft YaHei" if lang == "zh" else "Calibri", "font_size": 10, "valign": "vcenter"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 15, "font_color": TITLE}),
        "sub": wb.add_format({**base, "bold": True, "font_size": 11, "font_color": TITLE}),
        "wrap": wb.add_format({**base, "text_wrap": True, "valign": "top"}),
        "text": wb.add_format(base),
        "head": wb.add_format({**base, "bold": True, "bg_color": HEAD, "border": 1, "align": "center", "text_wrap": True}),
        "label": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "center": wb.add_format({**base, "border": 1, "align": "center"}),
        "input": wb.add_format({**base, "border": 1, "align": "center", "bg_color": INPUT, "locked": False}),
        "input_mid": wb.add_format({**base, "border": 1, "align": "center", "bg_color": "#FFE699", "locked": False}),
        "input_text": wb.add_format({**base, "border": 1, "align": "center", "bg_color": INPUT, "locked": False,
                                     "num_format": "@"}),
        "value": wb.add_format({**base, "border": 1, "align": "center", "num_format": "# ?/?"}),
        "num": wb.add_format({**base, "border": 1, "align": "center", "num_format": "0.000"}),
        "num2": wb.add_format({**base, "border": 1, "align": "center", "num_format": "0.00"}),
        "cr": wb.add_format({**base, "border": 1, "bold": True, "align": "center", "num_format": "0.0000"}),
        "verdict": wb.add_format({**base, "border": 1, "bold": True, "align": "center"}),
        "note": wb.add_format({**base, "italic": True, "font_color": "#7F7F7F"}),
        "calc": wb.add_format({**base, "font_size": 9}),
        "diag": wb.add_format({**base, "border": 1, "align": "center", "bg_color": "#EDEDED"}),
        "suggest": wb.add_format({**base, "font_color": "#9C0006", "italic": True}),
        "dir": wb.add_format({**base, "bold": True, "align": "center", "font_color": TITLE, "bg_color": "#DDEBF7",
                              "border": 1}),
    }


def _cover(spec: FormSpec, tx: dict, F: dict, cover: _Sheet) -> None:
    """The cover sheet: title, round, expert, how to answer and the 1-9 scale."""
    ws = cover.ws
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 90)
    cover.text(0, 0, tx["title"], F["title"])
    cover.text(1, 0, tx["round"].format(r=spec.round), F["sub"])
    cover.text(1, 1, tx["expert"].format(code=spec.expert, name=spec.expert_name), F["sub"])
    if spec.title:
        cover.text(2, 1, spec.title, F["text"])
    r = 4
    how1 = tx["how1"] if spec.layout == "row" else tx["how_matrix"]
    how = [tx["purpose"], how1, tx["how2"], tx["how3"].format(lo=spec.scale_min, hi=spec.scale_max)]
    if spec.expert_indicators:
        how.append(tx["how4"].format(lo=spec.scale_min, hi=spec.scale_max))
    for s in how:
        ws.set_row(r, 44)
        cover.text(r, 1, s, F["wrap"])
        r += 1
    r += 1
    cover.text(r, 0, tx["scale_title"], F["sub"])
    r += 1
    for k, (v, words) in enumerate(tx["scale"]):
        cover.text(r + k, 0, v, F["center"])
        cover.text(r + k, 1, words, F["label"])
    r += len(tx["scale"]) + 1
    ws.set_row(r, 32)
    cover.text(r, 1, tx["return"], F["wrap"])
    cover.text(r + 1, 1, tx["keep"], F["note"])
    ws.hide_gridlines(2)
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)


def _calc_scale(tx: dict, F: dict, calc: _Sheet) -> tuple[str, str]:
    """The scale's labels and values on the calc sheet; returns the ranges of the values and the labels."""
    calc.text(0, 0, tx["calc_title"], F["sub"])
    for k, (lab, v) in enumerate(zip(SCALE_LABELS, SCALE_VALUES)):
        calc.text(2, 1 + k, lab, F["calc"])
        if v >= 1:
            calc.num(3, 1 + k, v, F["calc"])
        else:
            calc.formula(3, 1 + k, f"=1/{round(1 / v)}", v, F["calc"])
    scale_vals = f"{calc.ref(3, 1)}:{_a1(3, 17, True, True)}"
    scale_labs = f"{calc.ref(2, 1)}:{_a1(2, 17, True, True)}"
    return scale_vals, scale_labs


def _pairs_sheet(spec: FormSpec, tx: dict, F: dict, pairs: _Sheet, calc: _Sheet, lay: Any, scale_vals: str,
                 scale_labs: str, good: Any, bad: Any, marked: Any) -> None:
    """The pairwise sheet: one block per node of the tree, then protection and print setup."""
    ws = pairs.ws
    pairs.text(0, 0, tx["pairs_title"].format(code=spec.expert, name=spec.expert_name), F["title"])
    pairs.text(1, 0, tx["pairs_note"] if spec.layout == "row" else tx["how_matrix"], F["note"])
    if spec.layout == "row":
        ws.set_column(0, 0, 5)
        ws.set_column(1, 1, 24)
        ws.set_column(2, 18, 3.6)
        ws.set_column(19, 19, 24)
        ws.set_column(20, 20, 10)
        ws.set_column(21, 23, 17)
    else:
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 24)
        ws.set_column(2, 12, 10)
    labels = {node: dict(ch) for node, _, ch in spec.nodes}
    titles = {node: t for node, t, _ in spec.nodes}
    for k, blk in enumerate(lay.blocks, start=1):
        _node_block(spec, tx, F, pairs, calc, blk, k, labels[blk.node], titles[blk.node], scale_vals, scale_labs,
                    good, bad, marked)
    ws.freeze_panes(3 if spec.layout == "row" else 2, 0)
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 1)
    ws.activate()


def _identity(spec: FormSpec, ident: _Sheet) -> None:
    """The hidden, protected identity sheet that ``collect`` checks a returned form against."""
    ident.ws.set_column(0, 1, 24)
    for k, (key, v) in enumerate(spec.identity()):
        ident.text(k, 0, key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ident.num(k, 1, float(v))
        else:
            ident.text(k, 1, v)
    ident.ws.protect("")
    ident.ws.hide()


def _row_pairs(spec: FormSpec, tx: dict, F: dict, pairs: _Sheet, blk: NodeBlock, labels: dict[str, str],
               scale_vals: str, marked: Any) -> tuple[list[str], list[float | None]]:
    """The 9-1-9 rows of one block: the cells with each pair's live value, and the values."""
    ws = pairs.ws
    prefill = spec.judgments.get(blk.node, {})
    offs = spec.off_scale.get(blk.node, {})
    sugg = spec.suggestions.get(blk.node, {})
    value_cells: list[str] = []
    values: list[float | None] = []
    h = blk.header_row
    ws.merge_range(h - 1, 2, h - 1, 9, None, F["dir"])
    pairs.text(h - 1, 2, tx["left"], F["dir"])
    pairs.text(h - 1, 10, tx["equal"], F["dir"])
    ws.merge_range(h - 1, 11, h - 1, 18, None, F["dir"])
    pairs.text(h - 1, 11, tx["right"], F["dir"])
    pairs.text(h, 0, tx["no"], F["head"])
    pairs.text(h, 1, tx["a"], F["head"])
    for c, lab in enumerate(ROW_HEADER):
        pairs.text(h, 2 + c, lab, F["head"])
    pairs.text(h, 19, tx["b"], F["head"])
    pairs.text(h, 20, tx["value"], F["head"])
    for p_i, p in enumerate(blk.pairs):
        r = p.row
        pairs.num(r, 0, p_i + 1, F["center"])
        pairs.text(r, 1, labels[p.a], F["label"])
        pairs.text(r, 19, labels[p.b], F["label"])
        chosen = _scale_index(prefill.get((p.a, p.b)))
        for c in range(17):
            fmt = F["input_mid"] if c == 8 else F["input"]
            if chosen == c:
                pairs.text(r, 2 + c, "√", fmt)
            else:
                ws.write_blank(r, 2 + c, None, fmt)
        rng = f"{_a1(r, 2)}:{_a1(r, 18)}"
        f = (f'=IF(COUNTA({rng})=0,"",IF(COUNTA({rng})>1,"{tx["one_only"]}",'
             f"SUMPRODUCT(({rng}<>\"\")*{scale_vals})))")
        v = SCALE_VALUES[chosen] if chosen is not None else None
        pairs.formula(r, 20, f, v if v is not None else "", F["value"])
        if (p.a, p.b) in offs:
            pairs.text(r, 21, tx["offscale"].format(v=offs[(p.a, p.b)]), F["note"])
        elif (p.a, p.b) in sugg:
            pairs.text(r, 21, tx["suggest"].format(v=_fmt_value(sugg[(p.a, p.b)])), F["suggest"])
        value_cells.append(pairs.ref(r, 20))
        values.append(v)
    first, last = blk.pairs[0].row, blk.pairs[-1].row
    ws.data_validation(first, 2, last, 18, {
        "validate": "length", "criteria": "between", "minimum": 1, "maximum": 3,
        "input_title": tx["mark"], "input_message": tx["mark_msg"], "error_message": tx["mark_msg"]})
    ws.conditional_format(first, 2, last, 18, {"type": "no_blanks", "format": marked})
    return value_cells, values


def _matrix_pairs(spec: FormSpec, tx: dict, F: dict, pairs: _Sheet, blk: NodeBlock, labels: dict[str, str],
                  scale_vals: str, scale_labs: str) -> tuple[list[str], list[float | None]]:
    """One block as a matrix (upper triangle typed, lower computed): value cells and values."""
    ws = pairs.ws
    n = len(blk.children)
    prefill = spec.judgments.get(blk.node, {})
    value_cells: list[str] = []
    values: list[float | None] = []
    h = blk.header_row
    pairs.text(h, 0, "", F["head"])
    for j, c in enumerate(blk.children):
        pairs.text(h, 2 + j, c, F["head"])
        pairs.text(h + 1 + j, 0, labels[c], F["label"])
        pairs.text(h + 1 + j, 1, c, F["center"])
    pos = {(p.i, p.j): p for p in blk.pairs}
    for i in range(n):
        for j in range(n):
            r, c = h + 1 + i, 2 + j
            if i == j:
                pairs.num(r, c, 1, F["diag"])
            elif j > i:
                p = pos[(i, j)]
                chosen = _scale_index(prefill.get((p.a, p.b)))
                if chosen is not None:
                    pairs.text(r, c, SCALE_LABELS[chosen], F["input_text"])
                else:
                    ws.write_blank(r, c, None, F["input_text"])
                ws.data_validation(r, c, r, c, {"validate": "list", "source": list(SCALE_LABELS),
                                                "input_title": tx["mark"], "error_message": tx["mark_msg"]})
    for p in blk.pairs:
        chosen = _scale_index(prefill.get((p.a, p.b)))
        v = SCALE_VALUES[chosen] if chosen is not None else None
        # the calc sheet converts the text "1/3" (or a number typed) into the judgment
        cell = pairs.ref(p.row, p.col)
        value_cells.append(cell)
        values.append(v)
    for i in range(n):
        for j in range(i):
            r, c = h + 1 + i, 2 + j
            up = _a1(h + 1 + j, 2 + i)
            f = f'=IF({up}="","",1/IFERROR(INDEX({scale_vals},MATCH(TRIM({up}&""),{scale_labs},0)),{up}))'
            vv = values[next(q for q, pp in enumerate(blk.pairs) if (pp.i, pp.j) == (j, i))]
            pairs.formula(r, c, f, (1 / vv) if vv is not None else "", F["value"])
    return value_cells, values


def _raw_weights(cs: _Sheet, F: dict, method: str, A: Any, m0: int, n: int, Aref: str, colsums: str, wc: int
                 ) -> tuple[Any, list[str] | None]:
    """The unnormalised weights of the block's matrix by ``method`` (the steps of
    :mod:`bpm_xl.layout.method`), and their formulas for column ``wc``; for ``eigen`` the
    squarings, row shares and power steps are written here, the last power step in ``wc``."""
    def row_of(i: int) -> str:
        return f"{_a1(m0 + i, 1)}:{_a1(m0 + i, n)}"

    if method == "geomean":
        return steps.geomean(A), ["=" + steps.geomean_raw(row_of(i)) for i in range(n)]
    if method == "arith":
        return steps.arith(A), ["=" + steps.arith_raw(row_of(i), colsums, n) for i in range(n)]
    eig = steps.eigen(A)
    b0 = n + 3
    for i in range(n):
        for j in range(n):
            cs.formula(m0 + i, b0 + j, "=" + steps.share(_a1(m0 + i, 1 + j), Aref), eig.start[i, j], F["calc"])
    c0 = b0
    prev = f"{_a1(m0, c0)}:{_a1(m0 + n - 1, c0 + n - 1)}"
    for s, B in enumerate(eig.squares, start=1):
        c0 = b0 + s * (n + 1)
        cs.array(m0, c0, steps.square(prev), B, F["calc"])
        prev = f"{_a1(m0, c0)}:{_a1(m0 + n - 1, c0 + n - 1)}"
    g0 = wc - len(eig.powers)                       # row shares, then the power steps up to wc
    for i in range(n):
        row = f"{_a1(m0 + i, c0)}:{_a1(m0 + i, c0 + n - 1)}"
        cs.formula(m0 + i, g0, "=" + steps.row_share(row, prev), eig.shares[i], F["calc"])
    for k, w in enumerate(eig.powers, start=1):
        before = f"{_a1(m0, g0 + k - 1)}:{_a1(m0 + n - 1, g0 + k - 1)}"
        cs.array(m0, g0 + k, steps.power(Aref, before), w[:, None], F["calc"])
    return eig.weights, None


def _node_calc(spec: FormSpec, tx: dict, F: dict, calc: _Sheet, blk: NodeBlock, labels: dict[str, str], title: str,
               scale_vals: str, scale_labs: str, value_cells: list[str], values: list[float | None]) -> dict[str, Any]:
    """The block on the calc sheet: values, matrix, weights, lambda, CR, the worst pair."""
    n = len(blk.children)
    # ---- calc sheet: values, matrix, eigenvector (repeated squaring), lambda, CR, e_ij
    R = blk.calc_row
    cs = calc
    cs.text(R, 0, f"{blk.node}: {title}", F["calc"])
    # raw, w, A.w columns after B0, the squarings, the row shares and the power steps
    wc = 2 * n + 4 + steps.SQUARINGS * (n + 1) + steps.POWER_STEPS
    x0 = wc + 4                                     # pairs list column
    vcells = _calc_pair_values(spec, tx, F, cs, blk, labels, x0, scale_vals, scale_labs, value_cells, values)
    m0 = R + 2
    A, Aref, colsums = _calc_matrix(F, cs, blk, m0, vcells, values)
    raw, rawf = _raw_weights(cs, F, spec.method, A, m0, n, Aref, colsums, wc)
    w, wr, Awr = _calc_weights(F, cs, R, m0, n, wc, A, Aref, raw, rawf)
    sr = m0 + n + 1
    cr = _calc_consistency(spec, F, cs, sr, n, A, w, Awr, wr)
    answered = sum(v is not None for v in values)
    cs.text(sr + 4, 0, "answered", F["calc"])
    vr = f"{vcells[0]}:{vcells[-1]}"
    cs.formula(sr + 4, 1, f"=COUNT({vr})", answered, F["calc"])
    worst_label = _calc_worst(tx, F, cs, blk, labels, R, m0, sr, wc, x0, A, w)
    return {"sr": sr, "cr": cr, "answered": answered, "worst_label": worst_label}


def _calc_pair_values(spec: FormSpec, tx: dict, F: dict, cs: _Sheet, blk: NodeBlock, labels: dict[str, str], x0: int,
                      scale_vals: str, scale_labs: str, value_cells: list[str], values: list[float | None]
                      ) -> list[str]:
    """The list of pairs at column ``x0`` with each pair's value read from the expert's cells;
    returns the value cells."""
    R = blk.calc_row
    cs.text(R + 1, x0, "pair", F["calc"])
    cs.text(R + 1, x0 + 1, "value", F["calc"])
    cs.text(R + 1, x0 + 2, "e", F["calc"])
    vcells = []
    for q, p in enumerate(blk.pairs):
        r = R + 2 + q
        cs.text(r, x0, tx["vs"].format(a=labels[p.a], b=labels[p.b]), F["calc"])
        src = value_cells[q]
        if spec.layout == "row":
            f = f'=IF(ISNUMBER({src}),{src},"")'
        else:
            f = (f'=IF({src}="","",IF(ISNUMBER({src}),{src},'
                 f'IFERROR(INDEX({scale_vals},MATCH(TRIM({src}&""),{scale_labs},0)),"")))')
        cs.formula(r, x0 + 1, f, values[q] if values[q] is not None else "", F["calc"])
        vcells.append(_a1(r, x0 + 1))
    return vcells


def _calc_matrix(F: dict, cs: _Sheet, blk: NodeBlock, m0: int, vcells: list[str], values: list[float | None]
                 ) -> tuple[Any, str, str]:
    """The judgment matrix at row ``m0`` and its column sums; returns the matrix, its range and the sums' range."""
    n = len(blk.children)
    # matrix A (blank pairs count as 1 here; the verdict waits until every pair is answered)
    A = np.ones((n, n))
    for i, c in enumerate(blk.children):
        cs.text(m0 + i, 0, c, F["calc"])
    for q, p in enumerate(blk.pairs):
        v = values[q] if values[q] is not None else 1.0
        A[p.i, p.j] = v
        A[p.j, p.i] = 1 / v
    where = {(p.i, p.j): q for q, p in enumerate(blk.pairs)}
    for i in range(n):
        for j in range(n):
            r, c = m0 + i, 1 + j
            if i == j:
                cs.num(r, c, 1.0, F["calc"])
            elif j > i:
                vc = vcells[where[(i, j)]]
                cs.formula(r, c, f"=IF(ISNUMBER({vc}),{vc},1)", A[i, j], F["calc"])
            else:
                cs.formula(r, c, f"=1/{_a1(m0 + j, 1 + i)}", A[i, j], F["calc"])
    Aref = f"{_a1(m0, 1)}:{_a1(m0 + n - 1, n)}"
    # colsums under the matrix
    colsum = A.sum(axis=0)
    for j in range(n):
        cs.formula(m0 + n, 1 + j, f"=SUM({_a1(m0, 1 + j)}:{_a1(m0 + n - 1, 1 + j)})", colsum[j], F["calc"])
    colsums = f"{_a1(m0 + n, 1)}:{_a1(m0 + n, n)}"
    return A, Aref, colsums


def _calc_weights(F: dict, cs: _Sheet, R: int, m0: int, n: int, wc: int, A: Any, Aref: str, raw: Any,
                  rawf: list[str] | None) -> tuple[Any, str, str]:
    """The raw, w and A.w columns from ``wc`` (for eigen, raw is the last power step);
    returns the weights and the ranges of w and A.w."""
    cs.text(R + 1, wc, "raw", F["calc"])
    cs.text(R + 1, wc + 1, "w", F["calc"])
    cs.text(R + 1, wc + 2, "A.w", F["calc"])
    w = raw / raw.sum()
    rawr = f"{_a1(m0, wc)}:{_a1(m0 + n - 1, wc)}"
    wr = f"{_a1(m0, wc + 1)}:{_a1(m0 + n - 1, wc + 1)}"
    for i in range(n):
        if rawf is not None:
            cs.formula(m0 + i, wc, rawf[i], raw[i], F["calc"])
        cs.formula(m0 + i, wc + 1, "=" + steps.share(_a1(m0 + i, wc), rawr), w[i], F["calc"])
    cs.array(m0, wc + 2, f"MMULT({Aref},{wr})", (A @ w)[:, None], F["calc"])
    Awr = f"{_a1(m0, wc + 2)}:{_a1(m0 + n - 1, wc + 2)}"
    return w, wr, Awr


def _calc_consistency(spec: FormSpec, F: dict, cs: _Sheet, sr: int, n: int, A: Any, w: Any, Awr: str, wr: str
                      ) -> float:
    """λmax, CI, RI and CR from row ``sr``; returns CR."""
    lam = steps.lambda_max_value(A, w)
    ri = float(spec.ri.get(n, 0.0))
    ci = steps.ci_value(lam, n)
    cr = steps.cr_value(ci, ri, n)
    cs.text(sr, 0, "λmax", F["calc"])
    cs.formula(sr, 1, "=" + steps.lambda_max(Awr, wr, n), lam, F["calc"])
    cs.text(sr + 1, 0, "CI", F["calc"])
    cs.formula(sr + 1, 1, "=" + steps.ci(_a1(sr, 1), n), ci, F["calc"])
    cs.text(sr + 2, 0, "RI", F["calc"])
    cs.num(sr + 2, 1, ri, F["calc"])
    cs.text(sr + 3, 0, "CR", F["calc"])
    cs.formula(sr + 3, 1, "=" + steps.cr(_a1(sr + 1, 1), _a1(sr + 2, 1), n), cr, F["calc"])
    return cr


def _calc_worst(tx: dict, F: dict, cs: _Sheet, blk: NodeBlock, labels: dict[str, str], R: int, m0: int, sr: int,
                wc: int, x0: int, A: Any, w: Any) -> str:
    """e_ij per pair beside the pairs list, and the worst pair at row ``sr + 5``; returns its label."""
    P = len(blk.pairs)
    es = []
    for q, p in enumerate(blk.pairs):
        i, j = p.i, p.j
        e = max(steps.deviation_value(A[i, j], w[i], w[j]), steps.deviation_value(A[j, i], w[j], w[i]))
        es.append(e)
        wi, wj = _a1(m0 + i, wc + 1), _a1(m0 + j, wc + 1)
        f = f"=MAX({steps.deviation(_a1(m0 + i, 1 + j), wi, wj)},{steps.deviation(_a1(m0 + j, 1 + i), wj, wi)})"
        cs.formula(R + 2 + q, x0 + 2, f, e, F["calc"])
    er = f"{_a1(R + 2, x0 + 2)}:{_a1(R + 1 + P, x0 + 2)}"
    # the first pair (row, then column) whose e is tied with the largest: bpm_xl.ranking's rule
    worst = next(q for q, e in enumerate(es) if not ranking.clearly_larger(max(es), e))
    cs.text(sr + 5, 0, "worst", F["calc"])
    lr = f"{_a1(R + 2, x0)}:{_a1(R + 1 + P, x0)}"
    worst_label = tx["vs"].format(a=labels[blk.pairs[worst].a], b=labels[blk.pairs[worst].b])
    tol = ranking.TIE_RTOL_TEXT
    cs.ws.write_array_formula(sr + 5, 1, sr + 5, 1, f"{{=INDEX({lr},MATCH(1,(MAX({er})-{er}<={tol}*MAX({er}))*1,0))}}",
                              F["calc"], worst_label)
    cs.values[(sr + 5, 1)] = worst_label
    return worst_label


def _node_block(spec: FormSpec, tx: dict, F: dict, pairs: _Sheet, calc: _Sheet, blk: NodeBlock, k: int,
                labels: dict[str, str], title: str, scale_vals: str, scale_labs: str, good: Any, bad: Any,
                marked: Any) -> None:
    ws = pairs.ws
    P = len(blk.pairs)
    pairs.text(blk.title_row, 0 if spec.layout == "matrix" else 1, tx["node"].format(k=k, title=title), F["sub"])
    sugg = spec.suggestions.get(blk.node, {})
    # ---- the expert's cells and the live value of each pair (as the calc sheet reads it)
    if spec.layout == "row":
        value_cells, values = _row_pairs(spec, tx, F, pairs, blk, labels, scale_vals, marked)
    else:
        value_cells, values = _matrix_pairs(spec, tx, F, pairs, blk, labels, scale_vals, scale_labs)
    got = _node_calc(spec, tx, F, calc, blk, labels, title, scale_vals, scale_labs, value_cells, values)
    sr, cr, answered, worst_label = got["sr"], got["cr"], got["answered"], got["worst_label"]

    # ---- the result line the expert sees
    rr = blk.result_row
    c_cr, c_v, c_f = (2, 11, 19) if spec.layout == "row" else (1, 3, 5)
    lab_col = 1 if spec.layout == "row" else 0
    pairs.text(rr, lab_col, tx["cr"], F["head"])
    if spec.layout == "row":
        ws.merge_range(rr, c_cr, rr, c_cr + 5, None, F["cr"])
        ws.merge_range(rr, c_cr + 6, rr, c_cr + 8, None, F["head"])
        ws.merge_range(rr, c_v, rr, c_v + 7, None, F["verdict"])
        pairs.text(rr, c_cr + 6, tx["verdict"], F["head"])
    else:
        pairs.text(rr, c_v - 1, tx["verdict"], F["head"])
    cr_ref = f"{calc.ref(sr + 3, 1)}"
    cnt = f"{calc.ref(sr + 4, 1)}"
    complete = answered == P
    pairs.formula(rr, c_cr, f'=IF({cnt}<{P},"{tx["todo"]}",{cr_ref})', cr if complete else tx["todo"], F["cr"])
    thr = spec.cr_threshold
    verdict = (tx["pass"] if cr < thr else tx["review"]) if complete else tx["left_n"].format(k=P - answered)
    left_n = tx["left_n"].replace("{k}", '"&(' + str(P) + "-" + cnt + ')&"')
    pairs.formula(rr, c_v, f'=IF({cnt}<{P},"{left_n}",IF({cr_ref}<{thr!r},"{tx["pass"]}","{tx["review"]}"))',
                  verdict, F["verdict"])
    pairs.text(rr, c_f if spec.layout == "row" else c_v + 1, tx["first"], F["head"])
    fcol = (c_f + 1) if spec.layout == "row" else c_v + 2
    if spec.layout == "row":
        ws.merge_range(rr, fcol, rr, fcol + 2, None, F["verdict"])
    first_val = worst_label if (complete and cr >= thr) else ""
    pairs.formula(rr, fcol, f'=IF(AND({cnt}={P},{cr_ref}>={thr!r}),{calc.ref(sr + 5, 1)},"")', first_val,
                  F["verdict"])
    if spec.layout == "row":
        # column T of the result row is the "look first" label; keep its label short
        pass
    if spec.layout == "matrix" and sugg:
        items = "; ".join(f"{a} / {b} = {_fmt_value(v)}" for (a, b), v in sugg.items())
        pairs.text(rr + 1, 0, tx["suggest_m"].format(pairs=items), F["suggest"])
    ws.conditional_format(rr, c_v, rr, c_v, {"type": "cell", "criteria": "==", "value": f'"{tx["pass"]}"',
                                             "format": good})
    ws.conditional_format(rr, c_v, rr, c_v, {"type": "cell", "criteria": "==", "value": f'"{tx["review"]}"',
                                             "format": bad})


def _indicator_columns(ws: Any) -> None:
    """Widths of the code, dimension, indicator and answer columns (ratings and scores sheets)."""
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 34)
    ws.set_column(3, 3, 12)


def _ratings(spec: FormSpec, tx: dict, F: dict, sh: _Sheet, lay: Any) -> None:
    """The Delphi rating sheet: one row per indicator (with the panel's round-1 figures in round 2),
    then the authority self-assessment."""
    ws = sh.ws
    _indicator_columns(ws)
    ws.set_column(4, 6, 14)
    lo, hi = spec.scale_min, spec.scale_max
    sh.text(0, 0, tx["ratings_title"].format(code=spec.expert, name=spec.expert_name), F["title"])
    sh.text(1, 0, tx["ratings_note"].format(lo=lo, hi=hi), F["note"])
    if spec.round >= 2:
        sh.text(2, 0, tx["round2_note"], F["note"])
    h = lay.first_rating_row - 1
    heads = [tx["code"], tx["dimension"], tx["indicator"], tx["rating"]]
    if spec.round >= 2:
        heads += [tx["r1_mean"], tx["r1_cv"], tx["own"]]
    for c, t in enumerate(heads):
        sh.text(h, c, t, F["head"])
    for code, dim, name in spec.indicators:
        r = lay.rating_rows[code]
        sh.text(r, 0, code, F["center"])
        sh.text(r, 1, dim, F["label"])
        sh.text(r, 2, name, F["label"])
        _rating_cell(F, sh, r, spec.ratings.get(code))
        if spec.round >= 2:
            _round1_cells(spec, F, sh, r, code)
    first = lay.first_rating_row
    last = first + len(spec.indicators) - 1
    integer = float(lo).is_integer() and float(hi).is_integer()
    ws.data_validation(first, 3, last, 3, {
        "validate": "integer" if integer else "decimal", "criteria": "between",
        "minimum": int(lo) if integer else lo, "maximum": int(hi) if integer else hi,
        "error_message": tx["rate_msg"].format(lo=lo, hi=hi), "input_message": tx["rate_msg"].format(lo=lo, hi=hi)})
    _authority(spec, tx, F, sh, lay)
    ws.freeze_panes(lay.first_rating_row, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _rating_cell(F: dict, sh: _Sheet, r: int, v: Any) -> None:
    """The expert's rating in column D: a number, the text the hub holds, or a blank input cell."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        sh.num(r, 3, float(v), F["input"])
    elif v is not None and str(v).strip():
        sh.text(r, 3, str(v), F["input"])
    else:
        sh.ws.write_blank(r, 3, None, F["input"])


def _round1_cells(spec: FormSpec, F: dict, sh: _Sheet, r: int, code: str) -> None:
    """Round 2: the panel's round-1 mean and CV of the indicator, and the expert's own round-1 rating."""
    mean, cv = (spec.panel or {}).get(code, (None, None))
    for c, x, f in ((4, mean, F["num2"]), (5, cv, F["num"])):
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            sh.text(r, c, "—", f)
        else:
            sh.num(r, c, float(x), f)
    own = (spec.own_round1 or {}).get(code)
    if isinstance(own, (int, float)) and not isinstance(own, bool):
        sh.num(r, 6, float(own), F["center"])
    else:
        sh.text(r, 6, "" if own is None else str(own), F["center"])


def _authority(spec: FormSpec, tx: dict, F: dict, sh: _Sheet, lay: Any) -> None:
    """The authority self-assessment (Ca, Cs) under the ratings, with their help lines."""
    ws = sh.ws
    ar = lay.ca_cell[0] - 1
    sh.text(ar, 0, tx["authority"], F["sub"])
    for (r, c), lab, v in ((lay.ca_cell, tx["ca"], spec.ca), (lay.cs_cell, tx["cs"], spec.cs)):
        ws.merge_range(r, 0, r, 2, None, F["label"])
        sh.text(r, 0, lab, F["label"])
        if v is None:
            ws.write_blank(r, c, None, F["input"])
        else:
            sh.num(r, c, float(v), F["input"])
        ws.data_validation(r, c, r, c, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                                        "error_message": tx["auth_msg"]})
    sh.text(lay.cs_cell[0] + 1, 0, tx["ca_help"], F["note"])
    sh.text(lay.cs_cell[0] + 2, 0, tx["cs_help"], F["note"])


def _scores(spec: FormSpec, tx: dict, F: dict, sh: _Sheet, lay: Any) -> None:
    """The scores sheet: each indicator of type expert with the expert's score on the scale
    (pre-filled with what the hub holds for this expert; decimals allowed, as on the hub)."""
    ws = sh.ws
    _indicator_columns(ws)
    lo, hi = spec.scale_min, spec.scale_max
    sh.text(0, 0, tx["scores_title"].format(code=spec.expert, name=spec.expert_name), F["title"])
    sh.text(1, 0, tx["scores_note"].format(lo=lo, hi=hi), F["note"])
    first = min(lay.score_rows.values())
    for c, t in enumerate([tx["code"], tx["dimension"], tx["indicator"], tx["score"]]):
        sh.text(first - 1, c, t, F["head"])
    col = lay.score_col
    for code, dim, name in spec.expert_indicators:
        r = lay.score_rows[code]
        sh.text(r, 0, code, F["center"])
        sh.text(r, 1, dim, F["label"])
        sh.text(r, 2, name, F["label"])
        v = spec.scores.get(code)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v)):
            sh.num(r, col, float(v), F["input"])
        elif v is not None and str(v).strip():
            sh.text(r, col, str(v), F["input"])      # as the hub holds it: collect refuses it until corrected
        else:
            ws.write_blank(r, col, None, F["input"])
    last = first + len(spec.expert_indicators) - 1
    msg = tx["score_msg"].format(lo=lo, hi=hi)
    ws.data_validation(first, col, last, col, {"validate": "decimal", "criteria": "between", "minimum": lo,
                                               "maximum": hi, "error_message": msg, "input_message": msg})
    ws.freeze_panes(first, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
