"""The output sheets (blue): one function per sheet over a :class:`LayoutContext`.

Every formula is a :class:`~bpm_xl.layout.types.Formula`; with an evaluation in the
context, every block also carries the values its formulas compute (``cached``), taken from
the Evaluation (:mod:`bpm_xl.layout.cached`), so the file shows true figures before any
recalculation (Protected View, WPS, LibreOffice with default settings).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import ranking, scoring
from ..datascore import TYPE_LABELS
from . import method as steps
from ..model import PDCA_LABELS, PDCA_STAGES
from ..texts import pick
from .cached import positive
from .context import LayoutContext
from .types import (
    CONSISTENCY_ROWS,
    WORST_COUNT,
    ArrayBlock,
    Chart,
    Formula,
    SheetPlan,
    Udf,
    a1,
    local,
    parse_ref,
    quote_text,
    ref,
)

__all__ = [
    "EvaluationLayout",
    "WeightsLayout",
    "dashboard_sheet",
    "delphi_summary_sheet",
    "diagnosis_sheet",
    "evaluation_sheet",
    "rating_formula",
    "weights_sheet",
]

F = Formula


@dataclass(frozen=True)
class WeightsLayout:
    """Where the weights sheet put what later sheets refer to."""

    e1: int                                  # last expert row
    nodes: dict[str, dict[str, Any]]         # node -> {"ti", "w0", "wcol", "n", "children"}


@dataclass(frozen=True)
class EvaluationLayout:
    i0: int                                  # first indicator row
    answers: str = ""                        # the column of answer counts, as a reference from another sheet


def _cv(ctx: LayoutContext, fn: Callable[..., Any], *args: Any) -> Any:
    """Cached values from the evaluation, or None without one (a blank workbook)."""
    return fn(*args) if ctx.cache is not None else None


# ---------------------------------------------------------------------------------------
def _expert_table(ctx: LayoutContext, W: SheetPlan) -> int:
    t = ctx.t
    ex = ctx.name("experts")
    W.add(3, 0, [[t("ew_title")]], "subtitle")
    W.add(4, 0, [[t("expert_code"), t("expert_name"), "Ca", "Cs", t("cr_col"), t("ew_col")]], "header")
    k_e = len(ctx.experts)
    e0 = 5
    e1 = e0 + max(k_e, 1) - 1
    crs, ews = local(e0, 4, e1, 4), local(e0, 5, e1, 5)
    erows = []
    for i in range(k_e):
        src = 2 + i
        erows.append([
            F(f"={ref(ex, src, 0)}&\"\""),
            F(f"={ref(ex, src, 1)}&\"\""),
            F(f"={ref(ex, src, 2)}"),
            F(f"={ref(ex, src, 3)}"),
            F("=" + steps.authority(a1(e0 + i, 2), a1(e0 + i, 3))),
            F(f"=IF(BPM_EXPERT_WEIGHTING=\"equal\",1/COUNT({crs}),{a1(e0 + i, 4)}/SUM({crs}))"),
        ])
    W.add(e0, 0, erows, "output", cached=ctx.cache.expert_rows if ctx.cache else None)
    W.add(e1 + 1, 0, [[t("panel"), "", F(f"=AVERAGE({local(e0, 2, e1, 2)})"), F(f"=AVERAGE({local(e0, 3, e1, 3)})"),
                       F(f"=AVERAGE({crs})"), F(f"=SUM({ews})")]], "total",
          cached=_cv(ctx, lambda: ctx.cache.panel()))
    ctx.put("BPM_EW", "weights", e0, 5, e1, 5)
    ctx.put("BPM_PANEL_CR", "weights", e1 + 1, 4)
    return e1


def _expert_cr_table(ctx: LayoutContext, W: SheetPlan, jblocks: dict[str, tuple[int, int, int]]) -> None:
    """Per-expert CR, to the right of the expert table (one =AHP_CR per expert and node)."""
    xc, e0 = 8, 5
    ju = ctx.name("judgments")
    W.add(3, xc, [[ctx.t("expert_cr_title")]], "subtitle")
    W.add(4, xc, [[ctx.t("expert"), *ctx.nodes]], "header")
    cells: list[list[Any]] = []
    udfs: dict[tuple[int, int], Udf] = {}
    for i in range(len(ctx.ecodes)):
        row = []
        for ti, node in enumerate(ctx.nodes):
            d0, c0, n = jblocks[node]
            u = Udf("AHP_CR", (ref(ju, d0 + i * n, c0, d0 + i * n + n - 1, c0 + n - 1), "BPM_RI", "BPM_METHOD"))
            row.append(u.formula)
            udfs[(i, ti)] = u
        cells.append(row)
    W.add(e0, xc, [[e] for e in ctx.ecodes], "rowhead")
    W.add(e0, xc + 1, cells, "cr", _cv(ctx, lambda: ctx.cache.expert_cr(ctx.ecodes, ctx.nodes)), udfs=udfs)


def _node_block(ctx: LayoutContext, W: SheetPlan, ti: int, node: str, r: int) -> tuple[int, dict[str, Any]]:
    """Group matrix, weights, consistency and worst judgments of one node from row ``r``."""
    t, cache = ctx.t, ctx.cache
    children = list(ctx.system.children(node))
    n = len(children)
    W.add(r, 0, [[node, ctx.system.label(node, ctx.lang)]], "subtitle")
    W.add(r + 1, 0, [[t("code"), *children, t("weight"), "", t("consistency"), ""]], "header")
    m0 = r + 2
    W.add(m0, 0, [[c] for c in children], "rowhead")
    jname = f"BPM_J_{ti}"
    agg = Udf("AHP_GROUP", (jname, "BPM_EW"))
    W.arrays.append(ArrayBlock(m0, 1, n, n, agg, agg.formula, "matrix",
                               cached=cache.group_matrix(node) if cache else None))
    ctx.put(f"BPM_A_{ti}", "weights", m0, 1, m0 + n - 1, n)
    wcol = 1 + n
    wu = Udf("AHP_WEIGHTS", (f"BPM_A_{ti}", "BPM_METHOD"))
    aipu = Udf("AHP_GROUP", (jname, "BPM_EW", quote_text("aip"), "BPM_METHOD"))
    # AIP aggregates the experts' priorities instead; both are UDF calls.
    wformula = F(f'=IF(BPM_AGGREGATION="aip",{aipu.formula[1:]},{wu.formula[1:]})')
    W.arrays.append(ArrayBlock(m0, wcol, n, 1, wu, wformula, "weight", aip_udf=aipu,
                               cached=cache.node_weights(node) if cache else None))
    ctx.put(f"BPM_W_{ti}", "weights", m0, wcol, m0 + n - 1, wcol)
    cc = wcol + 2
    cu = Udf("AHP_CONSISTENCY", (f"BPM_A_{ti}", "BPM_RI", "BPM_METHOD"))
    # the function's first four rows (λmax, CI, RI, CR); whether it passes and the RI table
    # are native cells in the edition's words (是/否, not TRUE)
    W.arrays.append(ArrayBlock(m0, cc, CONSISTENCY_ROWS - 2, 2, cu, cu.formula, "consistency",
                               cached=cache.consistency(node)[:CONSISTENCY_ROWS - 2] if cache else None))
    for k, what in enumerate(("LMAX", "CI", "RIV", "CR")):
        ctx.put(f"BPM_{what}_{ti}", "weights", m0 + k, cc + 1)
    W.add(m0 + 4, cc, [[t("pass_row"), pass_formula(f"BPM_CR_{ti}", ctx.lang)], [t("ri_table_row"), F("=BPM_RI")]],
          "consistency", cached=_cv(ctx, lambda: [[None, cache.passes(node)], [None, cache.ev.settings.random_index]]))
    W.widths.setdefault(cc, 16)
    W.widths.setdefault(cc + 1, 14)
    rr = m0 + max(n, CONSISTENCY_ROWS) + 1
    if n > 2:
        rr = _worst_block(ctx, W, ti, node, m0, n, rr)
    return rr + 1, {"ti": ti, "w0": m0, "wcol": wcol, "n": n, "children": children}


def _worst_block(ctx: LayoutContext, W: SheetPlan, ti: int, node: str, m0: int, n: int, rr: int) -> int:
    cache = ctx.cache
    W.add(rr, 0, [[ctx.t("worst")]], "subtitle")
    count = min(WORST_COUNT, n * (n - 1) // 2)
    wu2 = Udf("AHP_WORST", (f"BPM_A_{ti}", str(count), "BPM_METHOD", "BPM_RI"))
    W.arrays.append(ArrayBlock(rr + 1, 0, count + 1, 6, wu2, wu2.formula, "worst",
                               cached=cache.worst(node) if cache else None))
    # the codes of the judgment's row and column, next to AHP_WORST's 1-based indices
    codes_rng = local(m0, 0, m0 + n - 1, 0)
    W.add(rr + 1, 6, [["行代码 row", "列代码 column"]], "header")
    W.add(rr + 2, 6, [[F(f"=INDEX({codes_rng},{a1(rr + 2 + k, 0)})"), F(f"=INDEX({codes_rng},{a1(rr + 2 + k, 1)})")]
                      for k in range(count)], "output", cached=cache.worst_codes(node) if cache else None)
    return rr + 1 + count + 1


def _points_blocks(ctx: LayoutContext, W: SheetPlan, r: int, points_ref: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """A system weighted by points (分值): per node its children's points and weights
    (points / the node's sum of points). An indicator's points are the cell ``points_ref``
    names (the indicator sheet's), else its value; a group's are the sum of its own block."""
    system = ctx.system
    W.add(r, 0, [[ctx.t("out.points_note")]], "note")
    r += 2
    at: dict[str, int] = {}
    for node in ctx.nodes:           # every block's first child row, known before any is written
        at[node] = r + 2
        r += 2 + len(system.children(node)) + 2
    out: dict[str, dict[str, Any]] = {}
    for ti, node in enumerate(ctx.nodes):
        children = list(system.children(node))
        n = len(children)
        m0 = at[node]
        W.add(m0 - 2, 0, [[node, system.label(node, ctx.lang)]], "subtitle")
        W.add(m0 - 1, 0, [[ctx.t("code"), ctx.t("indicator"), ctx.t("out.points"), ctx.t("weight")]], "header")
        pts = local(m0, 2, m0 + n - 1, 2)
        rows = []
        for k, c in enumerate(children):
            if c in at:
                p: Any = F(f"=SUM({local(at[c], 2, at[c] + len(system.children(c)) - 1, 2)})")
            else:
                p = F(f"={points_ref[c]}") if c in points_ref else system.points_of(c)
            rows.append([c, system.label(c, ctx.lang), p, F(f"={a1(m0 + k, 2)}/SUM({pts})")])
        W.add(m0, 0, rows, "output", cached=ctx.cache.points_rows(node) if ctx.cache else None)
        W.add(m0 + n, 0, [[ctx.t("out.points_sum"), "", F(f"=SUM({pts})"), F(f"=SUM({local(m0, 3, m0 + n - 1, 3)})")]],
              "total", cached=ctx.cache.points_sum(node) if ctx.cache else None)
        ctx.put(f"BPM_W_{ti}", "weights", m0, 3, m0 + n - 1, 3)
        out[node] = {"ti": ti, "w0": m0, "wcol": 3, "n": n, "children": children}
    return out


def weights_sheet(ctx: LayoutContext, jblocks: dict[str, tuple[int, int, int]],
                  points_ref: Mapping[str, str] | None = None) -> tuple[SheetPlan, WeightsLayout]:
    """The Weights sheet: expert weights, then per comparison node (goal, dimensions, groups
    level by level) its group matrix, weights and consistency; for a system weighted by
    points, its children's points and their shares (``points_ref``: indicator code -> the
    cell of its 分值 on the indicator sheet; without one the points are written as values)."""
    W = SheetPlan("weights", ctx.name("weights"), "output", widths={0: 12, 1: 14})
    W.add(0, 0, [[ctx.t("weights_title")]], "title")
    W.add(1, 0, [[ctx.t("method_used"), F("=BPM_METHOD"), "RI", F("=BPM_RI"), ctx.t("aggregation"),
                  F("=BPM_AGGREGATION")]], "meta", cached=_cv(ctx, lambda: ctx.cache.meta()))
    e1 = _expert_table(ctx, W)
    r = max(e1 + 3, 5 + len(ctx.experts) + 3)
    node_out: dict[str, dict[str, Any]]
    if ctx.system.weighting == "points":
        node_out = _points_blocks(ctx, W, r, points_ref or {})
        for c in range(1, 20):
            W.widths.setdefault(c, 11)
        W.widths[1] = 24
        return W, WeightsLayout(e1, node_out)
    _expert_cr_table(ctx, W, jblocks)
    node_out = {}
    for ti, node in enumerate(ctx.nodes):
        r, node_out[node] = _node_block(ctx, W, ti, node, r)
    for c in range(1, 20):
        W.widths.setdefault(c, 11)
    return W, WeightsLayout(e1, node_out)


def pass_formula(cr: str, lang: str) -> Formula:
    """是/否 (yes/no): the CR is below the threshold on Settings (an error CR shows its error)."""
    from ..texts import text

    return F(f'=IF({cr}<BPM_CR_THRESHOLD,{quote_text(text("yes", lang))},{quote_text(text("no", lang))})')


# ---------------------------------------------------------------------------------------
def rating_formula(names: str, score100: str) -> Formula:
    """The grade (or label) of a 100-point score: the band with the largest lower bound <= the
    score rounded to 2 decimals (bands sorted descending; scoring.RATING_DECIMALS).

    ``SUMPRODUCT(1-(x>=lowers))`` counts the bands the score does not reach; no text is
    concatenated into a criterion, so the result does not depend on the locale.
    """
    return F(f"=INDEX({names},SUMPRODUCT(1-(ROUND({score100},{scoring.RATING_DECIMALS})>=BPM_BAND_LOWERS))+1)")


def plain(system: Any) -> bool:
    """The study's shape: dimensions then survey indicators, weighed by judgments. Its sheets
    keep the columns they always had; any other system gains the columns of the tree."""
    return (system.depth == 2 and system.weighting == "ahp"
            and all(i.kind == "survey" for i in system.indicators))


def local_weight(wl: WeightsLayout, system: Any, code: str) -> str:
    """``code``'s weight under its parent: INDEX into the parent's weight column on the Weights
    sheet; an only child's is that one cell (Gnumeric's INDEX of a one-cell name is #REF!)."""
    node = wl.nodes[system.parent_of(code)]
    if node["n"] == 1:
        return f"BPM_W_{node['ti']}"
    return f"INDEX(BPM_W_{node['ti']},{node['children'].index(code) + 1})"


def global_weight(wl: WeightsLayout, system: Any, codes: Any) -> str:
    """The product of the local weights of ``codes`` (a path below the goal, top down)."""
    return "*".join(local_weight(wl, system, c) for c in codes)


def _score_formula(ctx: LayoutContext, code: str, survey_col: dict[str, str], score_ref: Mapping[str, str]) -> Formula:
    """A survey indicator's mean of its valid answers; another type's score is the cell
    ``score_ref`` names (its input sheet computes it), or NA() while no such cell is known."""
    if ctx.system.indicator(code).kind != "survey":
        return F(f"={score_ref[code]}" if code in score_ref else "=NA()")
    col = survey_col[code]
    return F(f"=IF(OR(COUNT({col})=0,COUNTA({col})<>COUNT({col}),"
             f"COUNTIF({col},\"<\"&BPM_SCALE_MIN)+COUNTIF({col},\">\"&BPM_SCALE_MAX)>0),NA(),AVERAGE({col}))")


def _indicator_rows(ctx: LayoutContext, wl: WeightsLayout, survey_col: dict[str, str], i0: int,
                    score_ref: Mapping[str, str]) -> list[list[Any]]:
    system, lang = ctx.system, ctx.lang
    tree = not plain(system)
    rows = []
    for k, code in enumerate(ctx.codes):
        indc = system.indicator(code)
        d = indc.dimension
        rr = i0 + k
        survey = indc.kind == "survey"
        row = [
            d, system.label(d, lang), code, indc.name(lang), pick(PDCA_LABELS[indc.pdca], ctx.lang),
            F("=" + local_weight(wl, system, code)),
            F("=" + global_weight(wl, system, system.path(code))),
            F(f"={a1(rr, 5)}*{a1(rr, 6)}"),
            _score_formula(ctx, code, survey_col, score_ref),
            F(f"=COUNT({survey_col[code]})") if survey else None,
            F(f"={a1(rr, 7)}*{a1(rr, 8)}"),
        ]
        if tree:
            row += [indc.parent_code, system.level(code), pick(TYPE_LABELS[indc.kind], lang)]
        rows.append(row)
    return rows


def _rows_of(ctx: LayoutContext, node: str) -> tuple[int, int]:
    """First and last position (in result order) of the indicators below ``node``: contiguous."""
    below = {i.code for i in ctx.system.indicators_of(node)}
    ks = [k for k, c in enumerate(ctx.codes) if c in below]
    return ks[0], ks[-1]


def _own_score(ctx: LayoutContext, node: str, i0: int, contribution: str, weight: str) -> Formula:
    """A node's score: its leaves' scores weighted by their local weights when every child is a
    leaf, else its contribution over its global weight (what the core computes)."""
    a, b = (i0 + k for k in _rows_of(ctx, node))
    if all(c in ctx.system.codes for c in ctx.system.children(node)):
        return F(f"=SUMPRODUCT(--{local(a, 5, b, 5)},--{local(a, 8, b, 8)})")
    return F(f"={contribution}/{weight}")


def _dimension_rows(ctx: LayoutContext, wl: WeightsLayout, i0: int, d0: int) -> list[list[Any]]:
    points = ctx.system.weighting == "points"
    drows = []
    for k, d in enumerate(ctx.system.dimension_codes):
        a, b = (i0 + x for x in _rows_of(ctx, d))
        drows.append([
            d, ctx.system.label(d, ctx.lang),
            F(f"=INDEX(BPM_W_0,{k + 1})"),
            F(f"=SUM({local(a, 10, b, 10)})"),
            _own_score(ctx, d, i0, a1(d0 + k, 3), a1(d0 + k, 2)),
            F(f"={a1(d0 + k, 4)}/BPM_SCALE_MAX*100"),
            0 if points else F(f"=BPM_CR_{wl.nodes[d]['ti']}"),
        ])
    return drows


def _group_rows(ctx: LayoutContext, wl: WeightsLayout, i0: int, g0: int) -> list[list[Any]]:
    """One row per inner group: level, code, name, parent, weight, global weight, contribution,
    score, 100-point score, CR of its matrix."""
    system = ctx.system
    points = system.weighting == "points"
    rows = []
    for k, g in enumerate(system.group_codes):
        a, b = (i0 + x for x in _rows_of(ctx, g))
        rr = g0 + k
        rows.append([
            system.level(g), g, system.label(g, ctx.lang), system.parent_of(g),
            F("=" + local_weight(wl, system, g)),
            F("=" + global_weight(wl, system, (*system.path(g), g))),
            F(f"=SUM({local(a, 10, b, 10)})"),
            _own_score(ctx, g, i0, a1(rr, 6), a1(rr, 5)),
            F(f"={a1(rr, 7)}/BPM_SCALE_MAX*100"),
            0 if points else F(f"=BPM_CR_{wl.nodes[g]['ti']}"),
        ])
    return rows


def _hierarchy_cr(ctx: LayoutContext, wl: WeightsLayout, g0: int) -> Any:
    """sum(global weight x CI) / sum(global weight x RI) over every node below the goal (0 when
    the sum of RI is 0, as the core says); 0 for a system weighted by points (no judgments)."""
    system = ctx.system
    if system.weighting == "points":
        return 0
    gw = {d: f"INDEX(BPM_W_0,{k + 1})" for k, d in enumerate(system.dimension_codes)}
    gw.update({g: a1(g0 + k, 5) for k, g in enumerate(system.group_codes)})
    num = "+".join(f"{gw[x]}*BPM_CI_{wl.nodes[x]['ti']}" for x in gw)
    den = "+".join(f"{gw[x]}*BPM_RIV_{wl.nodes[x]['ti']}" for x in gw)
    if plain(system):
        return F(f"=({num})/({den})")
    return F(f"=IF(({den})>0,({num})/({den}),0)")


def capping(ctx: LayoutContext) -> bool:
    """Whether the Evaluation sheet applies the score caps of Settings: the system has a data
    indicator (a cap is a condition on a measured value) and the hub lays out the caps table."""
    return (any(i.kind == "data" for i in ctx.system.indicators)
            and "BPM_CAPS" in ctx.names and "BPM_IND_DATA" in ctx.names)


def _totals(ctx: LayoutContext, wl: WeightsLayout, i0: int, i1: int, r: int, g0: int,
            caps: tuple[str, str] | None = None) -> list[list[Any]]:
    """Total, 100-point score, grade, label, bands, CR of the goal, hierarchy CR; with score caps
    (``caps``: the columns of the caps table saying whether each cap applies and its limit,
    :func:`_cap_rows`) the total is the capped one, followed by the total and 100-point score
    before the cap and the lowest cap that applies (blank when none does)."""
    t = ctx.t
    s100 = a1(r + 1, 5)
    total = F(f"=SUM({local(i0, 10, i1, 10)})")
    tail: list[list[Any]] = []
    if caps:
        u, u100, cap = a1(r + 7, 5), a1(r + 8, 5), a1(r + 9, 5)
        applies, limits = caps
        tail = [[t("out.uncapped"), total], [t("out.uncapped100"), F(f"={u}/BPM_SCALE_MAX*100")],
                [t("out.cap"), F(f'=IF(SUMPRODUCT(--({applies}))=0,"",MIN({limits}))')]]
        total = F(f"=IF(AND(ISNUMBER({cap}),{cap}<{u100}),{cap}/100*BPM_SCALE_MAX,{u})")
    return [
        [t("total"), total],
        [t("total100"), F(f"={a1(r, 5)}/BPM_SCALE_MAX*100")],
        [t("rating"), rating_formula("BPM_BAND_GRADES", s100)],
        [t("rating_label"), rating_formula("BPM_BAND_LABELS", s100)],
        [t("bands_used"), F("=BPM_BANDS_NAME")],
        ["CR (" + t("dimension") + ")", 0 if ctx.system.weighting == "points" else F("=BPM_CR_0")],
        [t("hierarchy_cr"), _hierarchy_cr(ctx, wl, g0)],
        *tail,
    ]


def _name_range(ctx: LayoutContext, name: str) -> tuple[str, int, int, int, int]:
    """The range a defined name of this layout refers to (every one is put as a range)."""
    p = parse_ref(ctx.names[name])
    if p is None:
        raise ValueError(f"the defined name {name} is not a range: {ctx.names[name]}")
    return p


def _cap_rows(ctx: LayoutContext, c0: int, at: int) -> tuple[list[list[Any]], str, str]:
    """One row per row of the caps table on Settings: the indicator, its measured value on the
    指标数据 sheet (#N/A while it has none; blank for a blank row), whether the cap applies (1:
    low <= value < high, a blank bound open; else 0) and its limit (blank when it does not apply). Returns the rows and the
    columns of whether it applies and of the limits (``c0``: first column, ``at``: first row)."""
    _, r0, k0, r1, _ = _name_range(ctx, "BPM_CAPS")
    dsheet, d0, e0, d1, _ = _name_range(ctx, "BPM_IND_DATA")
    settings = ctx.name("settings")
    codes, values = ref(dsheet, d0, e0, d1, e0), ref(dsheet, d0, e0 + 2, d1, e0 + 2)
    rows = []
    for j in range(r1 - r0 + 1):
        code, value, ok = (a1(at + j, c0 + k) for k in (1, 2, 3))
        lo, hi, top = (ref(settings, r0 + j, k0 + k) for k in (1, 2, 3))
        if d1 > d0:
            found = f"INDEX({values},MATCH({code},{codes},0))"
            lookup = f'=IF({code}="","",IF(COUNT({found})=0,NA(),{found}))'
        else:   # one data row: Gnumeric's INDEX and MATCH over a one-cell range give #N/A
            lookup = f'=IF({code}="","",IF({code}<>{codes},NA(),IF(COUNT({values})=0,NA(),{values})))'
        rows.append([
            j + 1,
            F(f"=TRIM({ref(settings, r0 + j, k0)}&\"\")"),
            F(lookup),
            F(f'=IF(ISNUMBER({value}),IF(AND(OR({lo}="",{value}>={lo}),OR({hi}="",{value}<{hi}),'
              f'ISNUMBER({top})),1,0),0)'),
            F(f'=IF({ok}=1,{top},"")'),
        ])
    n = len(rows)
    return rows, local(at, c0 + 3, at + n - 1, c0 + 3), local(at, c0 + 4, at + n - 1, c0 + 4)


def evaluation_sheet(ctx: LayoutContext, wl: WeightsLayout, survey_col: dict[str, str],
                     score_ref: Mapping[str, str] | None = None) -> tuple[SheetPlan, EvaluationLayout]:
    """The Evaluation sheet: every indicator's weights and score, the dimensions, the inner
    groups (a deeper system), the total, rating and consistency of the hierarchy.

    ``score_ref`` maps the code of an indicator that is not scored by the survey to the
    absolute reference of the cell holding its score (its input sheet's); an indicator
    missing there shows #N/A, never 0.
    """
    t, cache, system = ctx.t, ctx.cache, ctx.system
    score_ref = dict(score_ref or {})
    tree = not plain(system)
    E = SheetPlan("evaluation", ctx.name("evaluation"), "output",
                  widths={0: 8, 1: 16, 2: 8, 3: 28, 4: 13, 5: 11, 6: 11, 7: 11, 8: 11, 9: 10, 10: 12}, freeze=(2, 0))
    E.add(0, 0, [[t("evaluation_title")]], "title")
    _evaluation_header(ctx, E, tree)
    i0 = 2
    if cache is not None:
        cache.link_scores(score_ref)
    erows = _indicator_rows(ctx, wl, survey_col, i0, score_ref)
    E.add(i0, 0, erows, "evaltable", cached=cache.indicator_rows if cache else None,
          col_styles={9: "int", 12: "int"} if tree else {9: "int"})
    i1 = i0 + len(ctx.codes) - 1
    ctx.put("BPM_GLOBAL_W", "evaluation", i0, 7, i1, 7)
    ctx.put("BPM_SCORES", "evaluation", i0, 8, i1, 8)
    ctx.put("BPM_WEIGHTED", "evaluation", i0, 10, i1, 10)
    r = _dimension_block(ctx, E, wl, i0, i1 + 2) + 2
    g0 = r + 2
    if system.groups:
        r = _group_block(ctx, E, wl, i0, r, g0)
    caps, at = None, r + 14   # below the totals (10 rows with caps) and the pending note
    if capping(ctx):
        caps = _cap_block(ctx, E, at)
    _totals_block(ctx, E, wl, (i0, i1, r, g0), caps, score_ref)
    return E, EvaluationLayout(i0, ref(ctx.name("evaluation"), i0, 9, i1, 9))


def _evaluation_header(ctx: LayoutContext, E: SheetPlan, tree: bool) -> None:
    """The indicator table's header (a deeper system adds parent, level and type columns)."""
    t = ctx.t
    header = [t("dimension"), "", t("code"), t("indicator"), "PDCA", t("local_weight"),
              t("out.parent_weight") if tree else t("dim_weight"), t("global_weight"), t("mean_score"),
              t("answers"), t("weighted_score")]
    if tree:
        header += [t("out.parent"), t("out.level"), t("out.kind")]
        E.widths.update({11: 9, 12: 6, 13: 10})
    E.add(1, 0, [header], "header")


def _dimension_block(ctx: LayoutContext, E: SheetPlan, wl: WeightsLayout, i0: int, r: int) -> int:
    """The dimension table from row ``r``; returns the row of its last dimension."""
    t, cache, system = ctx.t, ctx.cache, ctx.system
    E.add(r, 0, [[t("dim_table")]], "subtitle")
    E.add(r + 1, 0, [[t("dimension"), "", t("dim_weight"), t("contribution"), t("dim_score"),
                      t("score100"), "CR"]], "header")
    d0 = r + 2
    drows = _dimension_rows(ctx, wl, i0, d0)
    E.add(d0, 0, drows, "dimtable", cached=cache.node_rows(system.dimension_codes) if cache else None)
    d1 = d0 + len(drows) - 1
    ctx.put("BPM_DIM_LABELS", "evaluation", d0, 1, d1, 1)
    ctx.put("BPM_DIM_SCORE100", "evaluation", d0, 5, d1, 5)
    return d1


def _group_block(ctx: LayoutContext, E: SheetPlan, wl: WeightsLayout, i0: int, r: int, g0: int) -> int:
    """The inner groups' table from row ``r`` (its rows from ``g0``); returns the row of the totals below it."""
    t, cache = ctx.t, ctx.cache
    E.add(r, 0, [[t("out.group_table")]], "subtitle")
    E.add(r + 1, 0, [[t("out.level"), t("code"), t("out.name"), t("out.parent"), t("local_weight"),
                      t("global_weight"), t("contribution"), t("out.node_score"), t("score100"), "CR"]], "header")
    grows = _group_rows(ctx, wl, i0, g0)
    E.add(g0, 0, grows, "dimtable", cached=cache.group_rows() if cache else None, col_styles={0: "int"})
    r = g0 + len(grows) + 1
    ctx.put("BPM_GROUP_SCORE100", "evaluation", g0, 8, r - 2, 8)
    return r


def _cap_block(ctx: LayoutContext, E: SheetPlan, at: int) -> tuple[str, str]:
    """The score caps' table (its rows from ``at``); returns the ranges of its applies and limit columns."""
    t, cache = ctx.t, ctx.cache
    crows, applies, limits = _cap_rows(ctx, 0, at)
    E.add(at - 2, 0, [[t("out.cap_table")]], "subtitle")
    E.add(at - 1, 0, [[t("out.cap_row"), t("code"), t("out.cap_value"), t("out.cap_applies"), t("out.cap")]],
          "header")
    if cache is not None:
        cache.use_caps(len(crows))
    E.add(at, 0, crows, "output", cached=cache.cap_rows() if cache else None, col_styles={0: "int", 3: "int"})
    return applies, limits


def _totals_block(ctx: LayoutContext, E: SheetPlan, wl: WeightsLayout, rows: tuple[int, int, int, int],
                  caps: tuple[str, str] | None, score_ref: Mapping[str, str]) -> None:
    """The total, rating and hierarchy CR from row ``r``, and below them the notes of what is still pending
    (``rows``: the indicator table's first and last row, the totals' row, the groups' first row)."""
    i0, i1, r, g0 = rows
    cache = ctx.cache
    tot = _totals(ctx, wl, i0, i1, r, g0, caps)
    E.add(r, 3, [[row[0]] for row in tot], "totallabel")
    E.add(r, 5, [[row[1]] for row in tot], "totalvalue", cached=cache.totals if cache else None)
    for k, nm in enumerate(("BPM_TOTAL", "BPM_SCORE100", "BPM_RATING", "BPM_RATING_LABEL")):
        ctx.put(nm, "evaluation", r + k, 5)
    ctx.put("BPM_HIERARCHY_CR", "evaluation", r + 6, 5)
    pending = pending_note(ctx, local(i0, 9, i1, 9))
    if pending is not None:
        E.add(r + len(tot), 3, [[pending[0]]], "pending", cached=[[pending[1]]])
    waiting = inputs_pending_note(ctx, score_ref or {})
    if waiting is not None:
        E.add(r + len(tot) + 1, 3, [[waiting[0]]], "pending", cached=[[waiting[1]]])


def pending_note(ctx: LayoutContext, answers: str) -> tuple[Formula, str] | None:
    """The visible note of a hub whose survey is not (fully) in yet: a formula over the answer
    counts (``answers``: the evaluation sheet's column of COUNTs) that says how many indicators
    wait for the survey and is empty once each has an answer, and its value now. None when
    every indicator is answered, and in a blank hub (nothing to evaluate yet)."""
    from .data import unanswered

    surveyed = [c for c in ctx.codes if ctx.system.indicator(c).kind == "survey"]   # the others have no count
    n = len(unanswered(ctx.data, surveyed))
    if not n or ctx.kind == "blank":
        return None
    head, tail = ctx.t("pending_note"), ctx.t("pending_tail")
    formula = F(f'=IF(COUNTIF({answers},0)=0,"",{quote_text(head)}&COUNTIF({answers},0)&{quote_text(tail)})')
    return formula, f"{head}{n}{tail}"


def inputs_pending_note(ctx: LayoutContext, score_ref: Mapping[str, str]) -> tuple[Formula, str] | None:
    """The visible note of a hub where an indicator of another type than survey has nothing to
    score yet: a formula counting the score cells showing #N/A (each tested on its own, so every
    engine agrees) that is empty once each has its score, and its value now. None when the
    system has no such indicator or nothing is evaluated yet."""
    refs = [score_ref[c] for c in ctx.codes if ctx.system.indicator(c).kind != "survey" and c in score_ref]
    if not refs or ctx.evaluation is None:
        return None
    n = sum(1 for c in ctx.evaluation.pending if ctx.system.indicator(c).kind != "survey")
    head, tail = ctx.t("inputs_pending_note"), ctx.t("inputs_pending_tail")
    count = "(" + "+".join(f"ISNA({r})" for r in refs) + ")"
    formula = F(f'=IF({count}=0,"",{quote_text(head)}&{count}&{quote_text(tail)})')
    return formula, (f"{head}{n}{tail}" if n else "")


# ---------------------------------------------------------------------------------------
def _delphi_round_block(ctx: LayoutContext, D: SheetPlan, k: int, r: int) -> int:
    t, cache, codes = ctx.t, ctx.cache, ctx.codes
    nm = f"BPM_DELPHI_{k + 1}"
    D.add(r, 0, [[t("round", k=k + 1) + " " + t("stats")]], "subtitle")
    D.add(r + 1, 0, [[t("code")]], "header")
    D.add(r + 2, 0, [[c] for c in codes], "rowhead")
    su = Udf("DELPHI_STATS", (nm, "BPM_SCALE_MAX"))
    D.arrays.append(ArrayBlock(r + 1, 1, len(codes) + 1, 5, su, su.formula, "stats",
                               cached=cache.delphi_stats(k) if cache else None))
    scu = Udf("DELPHI_SCREEN", (nm, "BPM_MIN_MEAN", "BPM_MAX_CV"))
    D.add(r + 1, 6, [[t("screen")]], "header")
    D.arrays.append(ArrayBlock(r + 2, 6, len(codes), 1, scu, F(f"=TRANSPOSE({scu.formula[1:]})"), "screen",
                               transpose=True, cached=cache.delphi_screen(k) if cache else None))
    ku = Udf("KENDALL_W", (nm,))
    D.add(r, 8, [[t("kendall")]], "subtitle")
    D.arrays.append(ArrayBlock(r + 1, 8, 4, 2, ku, ku.formula, "kendall", cached=cache.kendall(k) if cache else None))
    # whether the agreement is significant (p, the function's fourth row, below the level):
    # a W that is not is flagged 专家意见协调程度不显著
    D.add(r + 5, 8, [[t("kendall_verdict"), kendall_verdict_formula(a1(r + 4, 9), ctx.lang)]], "consistency",
          cached=_cv(ctx, lambda: [[None, cache.kendall_verdict(k)]]))
    return r + len(codes) + 3


def kendall_verdict_formula(p: str, lang: str) -> Formula:
    """专家意见协调程度显著 / 不显著 by the p value in cell ``p`` (an error p shows its error)."""
    from ..delphi import KENDALL_ALPHA, NOT_SIGNIFICANT
    from ..texts import text

    no = pick(NOT_SIGNIFICANT, lang)
    return F(f'=IF({p}<{KENDALL_ALPHA!r},{quote_text(text("kendall_significant", lang))},{quote_text(no)})')


def delphi_summary_sheet(ctx: LayoutContext, wl: WeightsLayout, prow: list[list[Any]]) -> SheetPlan:
    t, cache = ctx.t, ctx.cache
    n_rounds = len(prow)
    D = SheetPlan("delphi_summary", ctx.name("delphi_summary"), "output",
                  widths={0: 14, 1: 12, 2: 12, 3: 12, 4: 14, 5: 12})
    D.add(0, 0, [[t("delphi_summary_title")]], "title")
    D.add(2, 0, [[t("round_col"), t("positive")]], "header")
    D.add(3, 0, [[k + 1, F(f"={ref(ctx.name('delphi'), 2 + k, 3)}")] for k in range(n_rounds)], "output",
          cached=[[None, v[0]] for v in positive(prow)], col_styles={0: "int", 1: "pct"})
    r = 3 + n_rounds + 1
    D.add(r, 0, [[t("authority_title")]], "subtitle")
    wname = ctx.name("weights")
    D.add(r + 1, 0, [["Ca", F("=" + ref(wname, wl.e1 + 1, 2))], ["Cs", F("=" + ref(wname, wl.e1 + 1, 3))],
                     ["Cr", F("=BPM_PANEL_CR")]], "output",
          cached=_cv(ctx, lambda: [[None, v] for v in cache.panel_means()]))
    r = r + 5
    for k in range(n_rounds):
        r = _delphi_round_block(ctx, D, k, r)
    D.widths.update({6: 30, 7: 3, 8: 16, 9: 12})
    return D


# ---------------------------------------------------------------------------------------
def _diagnosis_rows(ctx: LayoutContext, el: EvaluationLayout, g0: int, g1: int) -> list[list[Any]]:
    ename = ctx.name("evaluation")
    gaps = local(g0, 7, g1, 7)
    rows = []
    for k, code in enumerate(ctx.codes):
        rr, er = g0 + k, el.i0 + k
        indc = ctx.system.indicator(code)
        rows.append([
            code, indc.name(ctx.lang), indc.dimension, pick(PDCA_LABELS[indc.pdca], ctx.lang),
            F(f"={ref(ename, er, 7)}"),
            F(f"={ref(ename, er, 8)}"),
            F(f"=BPM_SCALE_MAX-{a1(rr, 5)}"),
            F(f"={a1(rr, 4)}*{a1(rr, 6)}"),
            F(f"={a1(rr, 7)}/SUM({gaps})"),
            F("=" + ranking.native_rank(gaps, a1(rr, 7), local(g0, 7, rr - 1, 7) if k else None)),
        ])
    return rows


def _ranked_rows(ctx: LayoutContext, g0: int, g1: int) -> list[list[Any]]:
    rows = []
    for k in range(len(ctx.codes)):
        m = f"MATCH({k + 1},{local(g0, 9, g1, 9)},0)"
        rows.append([k + 1, *[F(f"=INDEX({local(g0, c, g1, c)},{m})") for c in (1, 0, 2, 3, 7, 8)]])
    return rows


def diagnosis_sheet(ctx: LayoutContext, el: EvaluationLayout) -> SheetPlan:
    t, cache = ctx.t, ctx.cache
    G = SheetPlan("diagnosis", ctx.name("diagnosis"), "output",
                  widths={0: 8, 1: 28, 2: 8, 3: 8, 4: 11, 5: 11, 6: 10, 7: 12, 8: 9, 9: 7}, freeze=(2, 0))
    G.add(0, 0, [[t("diagnosis_title")]], "title")
    G.add(1, 0, [[t("code"), t("indicator"), t("dimension"), "PDCA", t("global_weight"),
                  t("mean_score"), t("gap"), t("weighted_gap"), t("share"), t("rank")]], "header")
    g0 = 2
    g1 = g0 + len(ctx.codes) - 1
    G.add(g0, 0, _diagnosis_rows(ctx, el, g0, g1), "diagtable",
          cached=cache.diagnosis_rows if cache else None, col_styles={8: "pct", 9: "int"})
    r = g1 + 2
    G.add(r, 0, [[t("ranked")]], "subtitle")
    G.add(r + 1, 0, [[t("rank"), t("indicator"), t("code"), t("dimension"), "PDCA",
                      t("weighted_gap"), t("share")]], "header")
    q0 = r + 2
    G.add(q0, 0, _ranked_rows(ctx, g0, g1), "ranktable",
          cached=_cv(ctx, lambda: cache.ranked_rows(ctx.lang)), col_styles={0: "int", 6: "pct"})
    q1 = q0 + len(ctx.codes) - 1
    ctx.put("BPM_RANKED_LABELS", "diagnosis", q0, 1, q1, 1)
    ctx.put("BPM_RANKED_GAPS", "diagnosis", q0, 5, q1, 5)
    r = q1 + 2
    G.add(r, 0, [[t("stage_summary")]], "subtitle")
    G.add(r + 1, 0, [["PDCA", t("stage"), t("weighted_gap"), t("share")]], "header")
    p0 = r + 2
    gaps = local(g0, 7, g1, 7)
    prows = [[stg[0].upper(), pick(PDCA_LABELS[stg], ctx.lang),
              F(f"=SUMIF({local(g0, 3, g1, 3)},{a1(p0 + k, 1)},{gaps})"),
              F(f"={a1(p0 + k, 2)}/SUM({gaps})")] for k, stg in enumerate(PDCA_STAGES)]
    G.add(p0, 0, prows, "stagetable", cached=_cv(ctx, lambda: cache.stage_rows()), col_styles={3: "pct"})
    return G


def _title_formula(ctx: LayoutContext) -> Formula:
    plain, tail = ctx.t("dashboard_title"), ctx.t("dashboard_title_meta")
    if ctx.lang == "zh":
        body = f'TRIM(BPM_UNIT&" "&IF(BPM_YEAR="","",BPM_YEAR&"年度"))&{quote_text(tail)}'
    else:
        body = f'TRIM(BPM_UNIT&" "&BPM_YEAR)&{quote_text(" " + tail)}'
    return F(f'=IF(AND(BPM_UNIT="",BPM_YEAR=""),{quote_text(plain)},{body})')


def dashboard_title(meta: dict[str, Any], lang: str) -> str:
    """What :func:`_title_formula` shows for ``meta`` (unit, year): its cached value."""
    from ..texts import text

    unit, year = (_meta_text(meta.get(k)) for k in ("unit", "year"))
    if not unit and not year:
        return text("dashboard_title", lang)
    year_text = text("dashboard_title_year", lang, year=year) if year else ""
    return f"{unit} {year_text}".strip() + text("dashboard_title_join", lang) + text("dashboard_title_meta", lang)


def _meta_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


#: What the Python check hands to an Excel function: the 2x2 matrix of ones on Settings (λmax 2).
PYTHON_CHECK = "AHP_LAMBDA_MAX(BPM_PROBE)"


def python_check_formula(lang: str) -> Formula:
    """One visible cell: empty while the Excel functions run; where they cannot (WPS,
    LibreOffice, Excel without bpm-xl) it says so and names the portable file. It trips on the
    probe call failing, or on the total being #NAME? (a function unknown to the program)."""
    from ..texts import text

    return F(f"=IF(OR(ISERROR({PYTHON_CHECK}),IFERROR(ERROR.TYPE(BPM_TOTAL)=5,FALSE)),"
             f"{quote_text(text('python_missing', lang))},\"\")")


def dashboard_sheet(ctx: LayoutContext, el: EvaluationLayout | None = None) -> SheetPlan:
    from .labels import COLLECT_MACRO, FORMS_MACRO, REPORT_MACRO

    t, cache = ctx.t, ctx.cache
    B = SheetPlan("dashboard", ctx.name("dashboard"), "output", widths={0: 26, 1: 18, 2: 4}, button=(9, 0),
                  buttons=[(12, 0, FORMS_MACRO, t("forms_button")), (14, 0, COLLECT_MACRO, t("collect_button")),
                           (16, 0, REPORT_MACRO, t("report_button"))],
                  charts=[Chart("column", t("chart_dims"), "=BPM_DIM_LABELS", "=BPM_DIM_SCORE100", (3, 3)),
                          Chart("bar", t("chart_gaps"), "=BPM_RANKED_LABELS", "=BPM_RANKED_GAPS", (20, 3),
                                (560, max(320, 22 * len(ctx.codes) + 80)))])
    B.add(0, 0, [[_title_formula(ctx)]], "title", cached=[[dashboard_title(ctx.data.meta or {}, ctx.lang)]])
    # true cached value: the file is written by bpm-xl, whose function values are valid
    B.add(1, 0, [[python_check_formula(ctx.lang)]], "pycheck", cached=[[""]])
    B.add(2, 0, [[status_line(ctx.lang, ctx.kind)]], "note")
    B.add(3, 0, [[t("total"), F("=BPM_TOTAL")], [t("total100"), F("=BPM_SCORE100")],
                 [t("rating"), F("=BPM_RATING")], [t("rating_label"), F("=BPM_RATING_LABEL")],
                 [t("bands_used"), F("=BPM_BANDS_NAME")]], "kpi",
          cached=_cv(ctx, lambda: [[None, v[0]] for v in cache.totals[:5]]))
    pending = pending_note(ctx, el.answers) if el is not None else None
    if pending is not None:   # the scores wait for the survey: said above the buttons
        B.add(8, 0, [[pending[0]]], "pending", cached=[[pending[1]]])
    return B


def status_line(lang: str, kind: str, portable: bool = False) -> str:
    """What the file is (example / own / blank data; macro or portable workbook), in one line."""
    from ..texts import text

    what = text(f"kind_{kind}", lang).split("（")[0].split(" (")[0]
    return what + text("semi", lang) + text(f"kind_{'portable' if portable else 'xlsm'}_short", lang)
