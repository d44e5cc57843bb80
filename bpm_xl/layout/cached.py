"""Cached cell values: what each formula of the workbook shows, taken from the Evaluation.

Nothing here calls an Excel function or re-runs the analysis: every figure is a field of the
:class:`~bpm_xl.evaluation.Evaluation` (or of the sensitivity result), or simple arithmetic
the sheet itself does on such fields (a product, a sum, a share), mirrored here.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from .. import conversion, ranking
from . import method as steps
from ..model import GOAL, PDCA_LABELS, PDCA_STAGES
from ..texts import pick, text

__all__ = ["CONSISTENCY_LABELS", "DROP", "KEEP", "KENDALL_LABELS", "STATS_HEADER", "WORST_HEADER", "CachedValues",
           "positive"]

# the labels the Excel functions return (bpm_xl.udfs); the layout must not import the shell
KEEP = "保留 keep"
DROP = "删除 drop"
CONSISTENCY_LABELS = ("λmax 最大特征根", "CI 一致性指标", "RI 随机一致性指标", "CR 一致性比率",
                      "通过 pass (CR<0.10)", "RI表 RI table")
WORST_HEADER = ("行 row", "列 column", "当前值 current", "一致值 consistent", "标度值 1-9 scale",
                "调整后CR CR after")
KENDALL_LABELS = ("W 协调系数", "χ² chi-square", "自由度 df", "P值 p")
STATS_HEADER = ("指标 indicator", "均值 mean", "标准差 SD", "变异系数 CV", "满分频率 full-score")


def _cell(v: Any) -> Any:
    """A figure as a cell value: Python float/int/bool/str; NaN or infinity -> None."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if np.isfinite(f) else None
    return v


class CachedValues:
    """Per sheet block, the values its formulas compute, from one Evaluation."""

    def __init__(self, ev: Any, data: Any, system: Any, lang: str, experts: tuple[dict[str, Any], ...]) -> None:
        self.ev = ev
        self.data = data
        self.system = system
        self.lang = lang
        self.experts = experts
        self.codes = list(system.codes)
        self.linked: frozenset[str] = frozenset()   # see link_scores

    # ------------------------------------------------------------------ weights sheet
    def meta(self) -> list[list[Any]]:
        s = self.ev.settings
        return [[None, s.method, None, s.random_index, None, s.aggregation]]

    @cached_property
    def expert_rows(self) -> list[list[Any]]:
        out = []
        for e, w in zip(self.experts, self.ev.expert_weights):
            ca, cs = float(e["ca"]), float(e["cs"])
            out.append([str(e["code"]), str(e.get("name") or ""), ca, cs, steps.authority_value(ca, cs), float(w)])
        return out

    def panel(self) -> list[list[Any]]:
        return [[None, None, *self.panel_means(), float(np.sum(self.ev.expert_weights))]]

    def panel_means(self) -> list[float]:
        return [float(np.mean([r[c] for r in self.expert_rows])) for c in (2, 3, 4)]

    def expert_cr(self, ecodes: list[str], nodes: list[str]) -> list[list[Any]]:
        out = []
        for ecode in ecodes:
            row = []
            for node in nodes:
                nr = self.ev.nodes[node]
                row.append(float(nr.expert_results[nr.expert_codes.index(ecode)].consistency_ratio)
                           if ecode in nr.expert_codes else None)
            out.append(row)
        return out

    def group_matrix(self, node: str) -> list[list[Any]]:
        """=AHP_GROUP(judgments, weights): the aggregated (AIJ) matrix."""
        return [[_cell(v) for v in row] for row in np.asarray(self.ev.nodes[node].aggregated.matrix).tolist()]

    def node_weights(self, node: str) -> list[list[Any]]:
        """=AHP_WEIGHTS(A) or, under AIP, =AHP_GROUP(...,"aip"): the node's local weights."""
        return [[_cell(w)] for w in np.asarray(self.ev.nodes[node].weights).tolist()]

    def consistency(self, node: str) -> list[list[Any]]:
        r = self.ev.nodes[node].aggregated
        vals = (r.lambda_max, r.consistency_index, r.random_index, r.consistency_ratio, bool(r.acceptable),
                r.random_index_table)
        return [[lab, _cell(v)] for lab, v in zip(CONSISTENCY_LABELS, vals)]

    def passes(self, node: str) -> Any:
        """What the native pass cell shows: 是/否 (yes/no) by the threshold on Settings."""
        cr = _cell(self.ev.nodes[node].aggregated.consistency_ratio)
        if cr is None:
            return None
        ok = cr < float(self.ev.settings.cr_threshold)
        return text("yes" if ok else "no", self.lang)

    def worst(self, node: str) -> list[list[Any]]:
        rows = [[j.row + 1, j.col + 1, _cell(j.value), _cell(j.consistent_value), _cell(j.scale_value),
                 _cell(j.cr_after)] for j in self.ev.nodes[node].worst]
        return [list(WORST_HEADER), *rows]

    def worst_codes(self, node: str) -> list[list[Any]]:
        children = self.ev.nodes[node].children
        return [[children[j.row], children[j.col]] for j in self.ev.nodes[node].worst]

    def points_rows(self, node: str) -> list[list[Any]]:
        """A points node's children: their points and weights (points / sum, as the sheet divides)."""
        pts = [self.system.points_of(c) for c in self.system.children(node)]
        total = float(sum(pts))
        return [[None, None, p, p / total] for p in pts]

    def points_sum(self, node: str) -> list[list[Any]]:
        rows = self.points_rows(node)
        return [[None, None, float(sum(r[2] for r in rows)), float(sum(r[3] for r in rows))]]

    # ------------------------------------------------------------------ evaluation sheet
    def link_scores(self, score_ref: Any) -> None:
        """The indicators not scored by the survey whose score cell the Evaluation sheet refers
        to (``score_ref``'s codes); the others show #N/A there. Call before reading the rows."""
        self.linked = frozenset(score_ref)
        for key in ("indicator_rows", "diagnosis_rows", "totals"):
            self.__dict__.pop(key, None)

    def _local(self, code: str) -> float:
        nr = self.ev.nodes[self.system.parent_of(code)]
        return float(nr.weights[nr.children.index(code)])

    def _global(self, codes: Any) -> float:
        """The product of the local weights of ``codes``, left to right, as the sheet multiplies them."""
        out: float | None = None
        for c in codes:
            out = self._local(c) if out is None else out * self._local(c)
        if out is None:
            raise ValueError("a global weight needs the path of at least one node")
        return float(out)

    @cached_property
    def indicator_rows(self) -> list[list[Any]]:
        tb = self.ev.indicator_table.set_index("code")
        linked = self.linked
        out: list[list[Any]] = []
        for code in self.codes:
            r = tb.loc[code]
            kind = self.system.indicator(code).kind
            lw, dw = float(r["local_weight"]), self._global(self.system.path(code))
            ms = float(r["mean_score"]) if kind == "survey" or code in linked else float("nan")
            answers = int(r["answers"]) if kind == "survey" else None
            out.append([None] * 5 + [lw, dw, lw * dw, ms, answers, lw * dw * ms])
        return out

    def _rows_of(self, node: str) -> list[int]:
        below = {i.code for i in self.system.indicators_of(node)}
        return [k for k, c in enumerate(self.codes) if c in below]

    def _node_figures(self, node: str, weight: float) -> tuple[float, float]:
        """Contribution and own score of ``node`` as the sheet computes them (see outputs._own_score)."""
        ec = self.indicator_rows
        ks = self._rows_of(node)
        contribution = float(sum(ec[i][10] for i in ks))
        if all(c in self.codes for c in self.system.children(node)):
            return contribution, float(sum(ec[i][5] * ec[i][8] for i in ks))
        return contribution, contribution / weight

    def _cr(self, node: str) -> float:
        return 0.0 if self.system.weighting == "points" else float(self.ev.nodes[node].aggregated.consistency_ratio)

    def node_rows(self, dims: Any) -> list[list[Any]]:
        """The dimension table: weight, contribution, score, 100-point score, CR."""
        smax = float(self.ev.settings.scale_max)
        out = []
        for k, d in enumerate(dims):
            w = float(self.ev.nodes[GOAL].weights[k])
            contribution, own = self._node_figures(d, w)
            out.append([None, None, w, contribution, own, own / smax * 100, self._cr(d)])
        return out

    def group_rows(self) -> list[list[Any]]:
        """The table of inner groups: weight, global weight, contribution, score, 100-point score, CR."""
        smax = float(self.ev.settings.scale_max)
        out = []
        for g in self.system.group_codes:
            gw = self._global((*self.system.path(g), g))
            contribution, own = self._node_figures(g, gw)
            out.append([None] * 4 + [self._local(g), gw, contribution, own, own / smax * 100, self._cr(g)])
        return out

    def use_caps(self, rows: int) -> None:
        """The Evaluation sheet applies the score caps: ``rows`` rows of the caps table on Settings."""
        self.cap_count = rows
        self.__dict__.pop("totals", None)

    def cap_rows(self) -> list[list[Any]]:
        """Per row of the caps table: the indicator, its measured value, whether the cap applies, its limit."""
        out = []
        for j in range(getattr(self, "cap_count", 0)):
            row = self.data.caps[j] if j < len(self.data.caps) else {}
            code = conversion.text(row.get("indicator"))
            ds = self.ev.data_scores.get(code) if code else None
            value = None if ds is None else float(ds.value)   # None: #N/A (no measured value)
            lo, hi, top = (_number(row.get(k)) for k in ("low", "high", "max_score100"))
            ok = (value is not None and (lo is None or value >= lo) and (hi is None or value < hi)
                  and top is not None)
            out.append([None, code, value if code else "", int(ok), top if ok else ""])
        return out

    @cached_property
    def totals(self) -> list[list[Any]]:
        """Total, 100-point score, grade, label, band set, CR of the goal, hierarchy CR (and, with
        score caps, the total and 100-point score before the cap and the lowest cap that applies)."""
        smax = float(self.ev.settings.scale_max)
        total = float(sum(r[10] for r in self.indicator_rows))   # NaN (#N/A) while a score is pending
        tail: list[list[Any]] = []
        if getattr(self, "cap_count", 0):
            u100 = total / smax * 100
            limits = [r[4] for r in self.cap_rows() if r[3]]
            cap: Any = min(limits) if limits else ""   # a cell: the lowest cap, or blank
            tail = [[total], [u100], [cap]]
            if limits and cap < u100:
                total = cap / 100 * smax
        rating = self.ev.rating if np.isfinite(total) else None
        grade = None if rating is None else rating.grade
        label = None if rating is None else rating.label(self.lang)
        return [[total], [total / smax * 100], [grade], [label],
                [self.data.bands_name], [self._cr(GOAL)],
                [0.0 if self.system.weighting == "points" else float(self.ev.hierarchy.consistency_ratio)], *tail]

    # ------------------------------------------------------------------ Delphi
    def positive(self, prow: list[list[Any]]) -> list[list[Any]]:
        return positive(prow)

    def _round(self, k: int) -> Any:
        d = self.ev.delphi
        return d.rounds[k] if d is not None and k < len(d.rounds) else None

    def delphi_stats(self, k: int) -> list[list[Any]] | None:
        rd = self._round(k)
        if rd is None or list(rd.stats.labels) != self.codes:
            return None
        st = rd.stats
        rows = [[j + 1, _cell(st.mean[j]), _cell(st.sd[j]), _cell(st.cv[j]), _cell(st.full_score_frequency[j])]
                for j in range(len(self.codes))]
        return [list(STATS_HEADER), *rows]

    def delphi_screen(self, k: int) -> list[list[Any]] | None:
        rd = self._round(k)
        if rd is None or list(rd.screen.labels) != self.codes:
            return None
        return [[KEEP if keep else f"{DROP}: {why}"] for keep, why in zip(rd.screen.keep.tolist(), rd.screen.reasons)]

    def kendall(self, k: int) -> list[list[Any]] | None:
        rd = self._round(k)
        if rd is None or rd.kendall is None or list(rd.stats.labels) != self.codes:
            return None
        kw = rd.kendall
        return [[lab, _cell(v)] for lab, v in zip(KENDALL_LABELS, (kw.w, kw.chi2, kw.df, kw.p))]

    def kendall_verdict(self, k: int) -> Any:
        """What the verdict cell under Kendall's W shows: significant or 专家意见协调程度不显著."""
        from ..delphi import NOT_SIGNIFICANT

        rd = self._round(k)
        if rd is None or rd.kendall is None or list(rd.stats.labels) != self.codes or not np.isfinite(rd.kendall.p):
            return None
        lang = self.lang
        return text("kendall_significant", lang) if rd.kendall.significant else pick(NOT_SIGNIFICANT, lang)

    # ------------------------------------------------------------------ diagnosis
    @cached_property
    def diagnosis_rows(self) -> list[list[Any]]:
        ec = self.indicator_rows
        smax = float(self.ev.settings.scale_max)
        wg = [r[7] * (smax - r[8]) for r in ec]
        total = float(sum(wg))
        pending = bool(np.isnan(total))  # RANK over a range holding #N/A is #N/A, so is every share
        out = []
        ranks = [None] * len(wg) if pending else ranking.descending_ranks(wg)   # ties: the indicator listed first
        for k, rank in enumerate(ranks):
            out.append([None] * 4 + [ec[k][7], ec[k][8], smax - ec[k][8], wg[k], wg[k] / total, rank])
        return out

    def ranked_rows(self, lang: str) -> list[list[Any]]:
        dc = self.diagnosis_rows
        by_rank = {row[9]: k for k, row in enumerate(dc)}
        if None in by_rank:   # scores pending: MATCH over #N/A ranks is #N/A
            return [[None] * 7 for _ in self.codes]
        out = []
        for q in range(len(self.codes)):
            k = by_rank[q + 1]
            indc = self.system.indicator(self.codes[k])
            out.append([None, indc.name(lang), self.codes[k], indc.dimension, pick(PDCA_LABELS[indc.pdca], lang),
                        dc[k][7], dc[k][8]])
        return out

    def stage_rows(self) -> list[list[Any]]:
        dc = self.diagnosis_rows
        total = float(sum(r[7] for r in dc))
        out = []
        for stg in PDCA_STAGES:
            v = float(sum(dc[k][7] for k, c in enumerate(self.codes) if self.system.indicator(c).pdca == stg))
            out.append([None, None, v, v / total])
        return out


def positive(prow: list[list[Any]]) -> list[list[Any]]:
    """The positive coefficient of each Delphi round (rows: round, sent, returned): returned /
    sent, None (#N/A) where sent is not a positive number. Needs no evaluation: a hub not
    evaluated yet shows it too."""
    return [[_ratio(r[2], r[1])] for r in prow]


def _number(v: Any) -> float | None:
    """A typed number (None for a blank or text: the sheet's ISNUMBER is false)."""
    return None if v is None or isinstance(v, (bool, str)) else float(v)


def _num(v: Any) -> float | None:
    try:
        return None if v is None or isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        return None


def _ratio(num: Any, den: Any) -> Any:
    a, b = _num(num), _num(den)
    return a / b if a is not None and b else None
