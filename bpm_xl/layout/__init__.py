"""The workbook layout: pure data, no file, no Excel function called.

``plan_workbook(data, system, lang, evaluation=None, sensitivity=None, extra=None)`` gives the
:class:`~bpm_xl.layout.types.WorkbookPlan` of a workbook: every sheet (one function per
sheet over a frozen :class:`~bpm_xl.layout.context.LayoutContext`), block, typed formula,
defined name and, with the evaluation of the same data, the value every formula shows.
The writers (:mod:`bpm_xl.writers`) render it.

Layout conventions (0-based row/column indices here; formulas use A1 references):
input sheets are green, output sheets blue; each sheet is found by the defined name
``BPM_ROLE_<ROLE>``; every input range the formulas use has a defined name (``BPM_...``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..texts import text
from .context import LayoutContext, make_context
from .data import data_from_inputs
from .inputs import (
    data_sheet,
    delphi_sheet,
    expert_scores_sheet,
    experts_sheet,
    guide_sheet,
    indicators_sheet,
    judgments_sheet,
    measures_sheet,
    rectification_sheet,
    settings_sheet,
    survey_sheet,
)
from .labels import GUIDE_ROWS, USER_ROLES
from .outputs import (
    dashboard_sheet,
    delphi_summary_sheet,
    diagnosis_sheet,
    evaluation_sheet,
    weights_sheet,
)
from .identity import identity_names, log_sheet
from .sensitivity import sensitivity_sheet
from .types import Block, Formula, SheetPlan, WorkbookData, WorkbookPlan

__all__ = [
    "SHEET_ORDER",
    "UDF_MODULE",
    "Formula",
    "LayoutContext",
    "SheetPlan",
    "WorkbookData",
    "WorkbookPlan",
    "data_from_inputs",
    "mark_portable",
    "plan_workbook",
    "points_refs",
    "score_refs",
    "with_sensitivity",
]

#: The module xlwings imports the Excel functions from (written into the xlwings.conf sheet).
UDF_MODULE = "bpm_xl.udfs"
#: Tab order: the dashboard and evaluation come first among outputs, as users see them.
SHEET_ORDER = ("guide", "dashboard", "evaluation", "weights", "diagnosis", "delphi_summary", "sensitivity",
               "settings", "indicators", "experts", "judgments", "delphi", "survey", "data", "expert_scores", "rectification",
               "measures", "collected", "conf")


def _sheets(ctx: LayoutContext) -> list[SheetPlan]:
    settings = settings_sheet(ctx)   # first: the Evaluation sheet's caps read its caps table
    judgments, jblocks = judgments_sheet(ctx)
    delphi, prow = delphi_sheet(ctx)
    survey, survey_col = survey_sheet(ctx)
    data, data_refs = data_sheet(ctx)
    expert_scores, expert_refs = expert_scores_sheet(ctx)
    weights, wl = weights_sheet(ctx, jblocks, points_refs(ctx))
    # an indicator not scored by the survey is read from its score cell (score_refs)
    evaluation, el = evaluation_sheet(ctx, wl, survey_col, score_refs(data_refs, expert_refs))
    return [
        guide_sheet(ctx), settings, indicators_sheet(ctx), experts_sheet(ctx), judgments, delphi, survey,
        data, expert_scores,
        weights, evaluation, delphi_summary_sheet(ctx, wl, prow), diagnosis_sheet(ctx, el), dashboard_sheet(ctx, el),
        sensitivity_sheet(ctx.name("sensitivity"), ctx.lang, ctx.sensitivity, ctx.system), rectification_sheet(ctx),
        measures_sheet(ctx),
    ]


def score_refs(data_refs: dict[str, str], expert_refs: dict[str, str]) -> dict[str, str]:
    """Indicator code -> absolute reference of the score cell of every indicator not scored by
    the survey (data and direct: the 指标数据 sheet's 得分 column; expert: the 专家评分 sheet's
    score row), on the evaluation's scale, #N/A while pending."""
    return {**data_refs, **expert_refs}


def points_refs(ctx: LayoutContext) -> dict[str, str]:
    """Indicator code -> absolute reference of its 分值 on the indicator sheet (a system weighted
    by points; the sheet lists data.system_rows from its third row, in order); empty otherwise."""
    from ..conversion import text as cell_text
    from .inputs import SYSTEM_KEYS
    from .types import ref

    if ctx.system.weighting != "points":
        return {}
    leaves, col, sheet = set(ctx.system.codes), SYSTEM_KEYS.index("points"), ctx.name("indicators")
    return {code: ref(sheet, 2 + k, col) for k, row in enumerate(ctx.data.system_rows)
            if (code := cell_text(row.get("code"))) in leaves}


def plan_workbook(data: WorkbookData, system: Any, lang: str = "zh", evaluation: Any = None,
                  sensitivity: Any = None, extra: dict[str, list[list[Any]]] | None = None) -> WorkbookPlan:
    """Plan the whole workbook for ``data`` laid out along ``system`` (an IndicatorSystem).

    With ``evaluation`` (the :class:`~bpm_xl.evaluation.Evaluation` of the same data) every
    formula also carries the value it computes, taken from the evaluation. ``extra`` holds
    what a user typed on the user sheets (by role, and ``"conf"`` for xlwings.conf) beyond
    what bpm-xl lays out; it is kept.
    """
    ctx = make_context(data, system, lang, evaluation, sensitivity)
    sheets = _sheets(ctx)
    sheets.append(conf_sheet(ctx.lang, (extra or {}).get("conf")))
    if data.collected:
        sheets.append(log_sheet(data.collected, ctx.lang))
    ctx.names.update(identity_names(data.identity, data.template))
    if extra:
        sheets = [overlay(sp, extra[sp.role]) if sp.role in USER_ROLES and sp.role in extra else sp for sp in sheets]
    sheets.sort(key=lambda s: SHEET_ORDER.index(s.role))
    return WorkbookPlan(ctx.lang, sheets, dict(ctx.names), ctx.kind)


def with_sensitivity(plan: WorkbookPlan, sensitivity: Any, system: Any) -> WorkbookPlan:
    """A copy of ``plan`` (planned without a sensitivity result) with its sensitivity sheet made
    from ``sensitivity``: what :func:`plan_workbook` plans with it. The sheet holds values only
    and no other sheet refers to it, so the result of the analysis can arrive last (the export
    computes it on another core while the rest is planned, also in portable form)."""
    return replace(plan, sheets=[sensitivity_sheet(sp.name, plan.lang, sensitivity, system)
                                 if sp.role == "sensitivity" else sp for sp in plan.sheets])


def mark_portable(plan: WorkbookPlan) -> WorkbookPlan:
    """A copy of ``plan`` whose own words fit a portable (macro-free) workbook: each block that
    has a portable form (:attr:`Block.portable`) replaced by it, the Guide and the dashboard
    saying "portable", and the dashboard's Python check (it calls an Excel function the portable
    file does not have) and buttons dropped."""
    from .outputs import status_line

    note = status_line(plan.lang, plan.kind, portable=True)
    sheets = []
    for sp in plan.sheets:
        blocks = [_native(b) for b in sp.blocks]
        if sp.role != "dashboard":
            sheets.append(replace(sp, blocks=blocks))
            continue
        blocks = [replace(b, cells=[[note]]) if (b.row, b.col, b.style) == (2, 0, "note") else b
                  for b in blocks if b.style != "pycheck"]
        sheets.append(replace(sp, blocks=blocks, button=None, buttons=[]))
    return replace(plan, sheets=sheets)


def _native(b: Block) -> Block:
    """``b`` as a portable workbook writes it: its native formulas where it has them."""
    if b.portable is None:
        return b
    cells, cached = b.portable
    return replace(b, cells=[list(r) for r in cells], cached=None if cached is None else [list(r) for r in cached],
                   portable=None)


def conf_sheet(lang: str, typed: list[list[Any]] | None = None) -> SheetPlan:
    """The xlwings.conf sheet; ``typed`` (what the file's sheet holds) replaces the default."""
    if typed is not None:
        blocks = [Block(0, 0, [list(r) for r in typed], "settings")]
    else:
        blocks = [Block(0, 0, [["UDF Modules", UDF_MODULE]], "settings"), Block(0, 3, [[text("conf_note", lang)]], "note")]
    return SheetPlan("conf", "xlwings.conf", "input", blocks, widths={0: 24, 1: 40, 3: 90})


def overlay(sp: SheetPlan, grid: list[list[Any]]) -> SheetPlan:
    """``sp`` with what a user typed in a user sheet beyond the columns bpm-xl lays out kept
    (as typed: a value read from the file is never turned into a formula)."""
    if sp.role == "guide":
        # bpm-xl's own lines (the first GUIDE_ROWS rows of column A) are rewritten, so the
        # Guide always says what the file now is; a user's notes below or beside them are kept
        def kept(r: int, c: int) -> bool:
            return c >= 1 or r >= GUIDE_ROWS
    else:
        extra_from = max((b.col + b.ncols for b in sp.blocks), default=0)

        def kept(r: int, c: int) -> bool:
            return c >= extra_from
    cells = {}
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if kept(r, c) and v is not None and v != "":
                cells[(r, c)] = v
    return replace(sp, blocks=[*sp.blocks, *(Block(r, c, [[v]], "input") for (r, c), v in sorted(cells.items()))])
