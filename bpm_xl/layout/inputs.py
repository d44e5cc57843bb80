"""The input sheets (green): one function per sheet over a :class:`LayoutContext`.

Values are placed by code; values for codes the system no longer has are dropped from the
layout (the reader keeps them in the backup), new codes get blanks. Each function returns
its :class:`SheetPlan` and, where later sheets refer to it, the positions they need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import math

from .. import ahp, conversion, dataformula, datascore
from ..errors import BpmError
from ..evaluation import AGGREGATIONS, EXPERT_WEIGHTINGS
from ..model import GOAL, PDCA_LABELS, PDCA_STAGES
from ..texts import pick, text
from .cached import positive
from .context import LayoutContext
from .identity import GUIDE_IDENTITY_ROW, GUIDE_TEMPLATE_ROW, guide_identity_rows, guide_template_rows
from .labels import guide_lines
from .types import STEP_COLUMNS, SURVEY_SPARE_ROWS, Formula, SheetPlan, Validation, a1, local, ref

__all__ = [
    "CAP_KEYS",
    "CAP_ROWS",
    "DATA_KEYS",
    "STEP_COLUMNS",
    "SYSTEM_KEYS",
    "META_KEYS",
    "REPORT_KEYS",
    "RECTIFY_STATUS",
    "SETTING_CHOICES",
    "SETTING_KEYS",
    "SURVEY_KEYS",
    "data_sheet",
    "delphi_sheet",
    "expert_scores_sheet",
    "kind_choices",
    "experts_sheet",
    "guide_sheet",
    "indicators_sheet",
    "judgment_value",
    "judgments_sheet",
    "measures_sheet",
    "pdca_choices",
    "rectification_sheet",
    "settings_sheet",
    "survey_sheet",
]

SETTING_KEYS = (
    ("method", "BPM_METHOD", "method_note"),
    ("random_index", "BPM_RI", "random_index_note"),
    ("aggregation", "BPM_AGGREGATION", "aggregation_note"),
    ("expert_weighting", "BPM_EXPERT_WEIGHTING", "expert_weighting_note"),
    ("scale_min", "BPM_SCALE_MIN", None),
    ("scale_max", "BPM_SCALE_MAX", None),
    ("cr_threshold", "BPM_CR_THRESHOLD", "cr_threshold_note"),
    ("min_mean", "BPM_MIN_MEAN", None),
    ("max_cv", "BPM_MAX_CV", None),
)
#: The choices of each setting: the core's own lists.
SETTING_CHOICES = {
    "method": ahp.METHODS,
    "random_index": ahp.RI_TABLES,
    "aggregation": AGGREGATIONS,
    "expert_weighting": EXPERT_WEIGHTINGS,
}
#: Survey-screening settings read by ``bpm-xl import-survey`` (optional: a blank cell means the default).
SURVEY_KEYS = (
    ("survey_min_seconds", "BPM_SURVEY_MIN_SECONDS", "survey_min_seconds_note"),
    ("survey_screen", "BPM_SURVEY_SCREEN", "survey_screen_note"),
)
SURVEY_DEFAULT_MIN_SECONDS = 60
#: unit / year / evaluator (the core reads them into Meta; the report and dashboard show them).
META_KEYS = (("unit", "BPM_UNIT"), ("year", "BPM_YEAR"), ("evaluator", "BPM_EVALUATOR"))
#: What the report states beyond the figures (optional; blank shows as 待填写 in the report), below the
#: rating bands: the title page and 落款, 基本情况, the problem line, and the survey's collection facts
#: (written by the survey import).
REPORT_KEYS = (
    ("report_date", "BPM_REPORT_DATE", "meta_note"),
    ("functions", "BPM_FUNCTIONS", "meta_note"),
    ("budget", "BPM_BUDGET", "meta_note"),
    ("scope", "BPM_SCOPE", "meta_note"),
    ("organisation", "BPM_ORGANISATION", "meta_note"),
    ("problem_line", "BPM_PROBLEM_LINE", "problem_line_note"),
    ("survey_sent", "BPM_SURVEY_SENT", "meta_note"),
    ("survey_received", "BPM_SURVEY_RECEIVED", "survey_import_note"),
    ("survey_excluded", "BPM_SURVEY_EXCLUDED", "survey_import_note"),
    ("survey_reasons", "BPM_SURVEY_REASONS", "survey_import_note"),
)
#: Status choices of the 整改清单 (anything else typed is kept as typed).
RECTIFY_STATUS = {"zh": ("未整改", "整改中", "已整改"), "en": ("open", "in progress", "done")}
#: Rows of the 整改清单 kept open for typing below the listed items (inside BPM_RECTIFY).
RECTIFY_SPARE_ROWS = 30
#: The columns of the 指标体系 table (BPM_INDICATORS), in order: what IndicatorSystem.to_frame gives.
SYSTEM_KEYS = ("dimension", "dimension_zh", "dimension_en", "code", "name_zh", "name_en", "pdca", "parent", "kind",
               "points")
#: The columns of the 指标数据 table (BPM_IND_DATA) before its steps columns, in order.
DATA_KEYS = ("code", "name", "value", "unit", "method", "direction", "p1", "p2", "source", "evidence")
#: The columns of the score caps table on Settings (BPM_CAPS), in order.
CAP_KEYS = ("indicator", "low", "high", "max_score100", "label")
#: Rows of the score caps table (typed caps beyond them make it longer).
CAP_ROWS = 8
#: RI tables shown on the settings sheet (the portable export reads them from there).
RI_TABLES_SHOWN = tuple(t for t in ahp.RI_TABLES if t in ahp.RANDOM_INDEX)


def guide_sheet(ctx: LayoutContext) -> SheetPlan:
    g = SheetPlan("guide", ctx.name("guide"), "input", widths={0: 120})
    system = ctx.system
    how = {"points": system.weighting == "points",
           "survey_only": all(i.kind == "survey" for i in system.ordered_indicators())}
    g.add(0, 0, [[line] for line in guide_lines(ctx.lang, ctx.kind, **how)], "guide",
          portable=([[line] for line in guide_lines(ctx.lang, ctx.kind, portable=True, **how)], None))
    if ctx.data.template:
        g.add(GUIDE_TEMPLATE_ROW, 0, guide_template_rows(ctx.data.template, ctx.lang), "guide")
    if ctx.data.identity:
        g.add(GUIDE_IDENTITY_ROW, 0, guide_identity_rows(ctx.data.identity, ctx.data.meta or {}, ctx.lang), "guide")
    return g


def pdca_choices(lang: str) -> list[str]:
    """What the PDCA dropdowns offer: 计划/执行/检查/处理 in the Chinese edition."""
    return [pick((PDCA_LABELS[s][0], s), lang) for s in PDCA_STAGES]


def _pdca_shown(v: Any, lang: str) -> Any:
    """A stage as the edition shows it (a code of PDCA_STAGES in zh becomes 计划 ...)."""
    if lang == "zh" and isinstance(v, str) and v.strip().lower() in PDCA_LABELS:
        return PDCA_LABELS[v.strip().lower()][0]
    return v


def settings_sheet(ctx: LayoutContext) -> SheetPlan:
    t = ctx.t
    st = SheetPlan("settings", ctx.name("settings"), "input",
                   widths={0: 30, 1: 16, 2: 70, 4: 2, 5: 6, 6: 10, 7: 10, 8: 10, 9: 12}, freeze=(2, 0))
    st.add(0, 0, [[t("settings_title")]], "title")
    st.add(1, 0, [[t("setting"), t("value"), t("explanation")]], "header")
    r = _method_settings(ctx, st)
    st.add(r, 0, [[t("about_title")]], "subtitle")
    meta = ctx.data.meta or {}
    st.add(r + 1, 0, [[t(key), meta.get(key)] for key, _ in META_KEYS], "settings")
    for k, (_, nm) in enumerate(META_KEYS):
        ctx.put(nm, "settings", r + 1 + k, 1)
    r += 1 + len(META_KEYS)
    st.add(r, 0, [[t("data_kind"), t(f"data_{ctx.kind}"), t("data_kind_note")]], "meta")
    ctx.put("BPM_DATA", "settings", r, 1)
    b1 = _bands_block(ctx, st, r + 2)
    # what the report states beyond the figures: below the bands, so no earlier row moves
    r = b1 + 2
    st.add(r, 0, [[t("report_info_title")]], "subtitle")
    st.add(r + 1, 0, [[t(key), meta.get(key), t(note)] for key, _, note in REPORT_KEYS], "settings")
    for k, (_, nm, _) in enumerate(REPORT_KEYS):
        ctx.put(nm, "settings", r + 1 + k, 1)
    # score caps: below everything else, so no earlier row moves
    _caps_block(ctx, st, r + 1 + len(REPORT_KEYS) + 1)
    _reference_blocks(ctx, st)
    return st


def _method_settings(ctx: LayoutContext, st: SheetPlan) -> int:
    """The method's settings and the survey's screening from row 2 on; returns the row below them."""
    data, t = ctx.data, ctx.t
    rows = []
    for k, (key, nm, note) in enumerate(SETTING_KEYS):
        rows.append([t(key), data.settings.get(key), t(note) if note else ""])
        ctx.put(nm, "settings", 2 + k, 1)
        if key in SETTING_CHOICES:
            st.validations.append(Validation(2 + k, 1, 2 + k, 1, {"validate": "list", "source": list(SETTING_CHOICES[key])}))
    r = 2 + len(SETTING_KEYS)
    yes_no = [t("no"), t("yes")]
    shown = {"survey_min_seconds": data.settings.get("survey_min_seconds", SURVEY_DEFAULT_MIN_SECONDS),
             "survey_screen": data.settings.get("survey_screen", yes_no[0])}
    for k, (key, nm, note) in enumerate(SURVEY_KEYS):
        rows.append([t(key), shown[key], t(note)])
        ctx.put(nm, "settings", r + k, 1)
    st.validations.append(Validation(r + 1, 1, r + 1, 1, {"validate": "list", "source": yes_no}))
    st.add(2, 0, rows, "settings")
    return r + len(SURVEY_KEYS) + 1


def _bands_block(ctx: LayoutContext, st: SheetPlan, r: int) -> int:
    """The rating bands' name and table from row ``r``; returns the row of the last band."""
    t = ctx.t
    st.add(r, 0, [[t("bands_name"), ctx.data.bands_name]], "settings")
    ctx.put("BPM_BANDS_NAME", "settings", r, 1)
    st.add(r + 1, 0, [[t("bands_title")]], "subtitle")
    st.add(r + 2, 0, [[t("grade"), t("lower"), t("label_zh"), t("label_en")]], "header")
    bands = ctx.data.bands
    st.add(r + 3, 0, [[g_, lo, zh, en] for g_, lo, zh, en in bands], "input")
    b0, b1 = r + 3, r + 3 + len(bands) - 1
    ctx.put("BPM_BANDS", "settings", b0, 0, b1, 3)
    ctx.put("BPM_BAND_GRADES", "settings", b0, 0, b1, 0)
    ctx.put("BPM_BAND_LOWERS", "settings", b0, 1, b1, 1)
    lc = 2 if ctx.lang == "zh" else 3
    ctx.put("BPM_BAND_LABELS", "settings", b0, lc, b1, lc)
    return b1


def _caps_block(ctx: LayoutContext, st: SheetPlan, r: int) -> None:
    """The score caps' table from row ``r``, at least CAP_ROWS rows to type in."""
    t = ctx.t
    st.add(r, 0, [[t("caps_title")]], "subtitle")
    st.add(r + 1, 0, [[t(k) for k in ("cap_code", "cap_low", "cap_high", "cap_max", "cap_note")]], "header")
    caps = [[c.get(k) for k in CAP_KEYS] for c in ctx.data.caps]
    n_caps = max(len(caps), CAP_ROWS)
    st.add(r + 2, 0, caps + [[None] * len(CAP_KEYS) for _ in range(n_caps - len(caps))], "input")
    ctx.put("BPM_CAPS", "settings", r + 2, 0, r + 1 + n_caps, len(CAP_KEYS) - 1)
    st.validations.append(Validation(r + 2, 1, r + 1 + n_caps, 3, {"validate": "decimal", "criteria": "between",
                                                                   "minimum": -1e300, "maximum": 1e300,
                                                                   "ignore_blank": True}))


def _reference_blocks(ctx: LayoutContext, st: SheetPlan) -> None:
    """Beside the settings: the RI table and the dashboard's 2x2 probe."""
    # RI reference table (read only; the portable export computes CR from it)
    st.add(0, 5, [["RI"]], "subtitle")
    st.add(1, 5, [["n", *RI_TABLES_SHOWN]], "header")
    st.add(2, 5, [[n + 1, *[ahp.RANDOM_INDEX[tb][n] for tb in RI_TABLES_SHOWN]] for n in range(15)], "reference")
    ctx.put("BPM_RI_TABLE", "settings", 2, 6, 16, 9)
    # a 2x2 matrix the dashboard's Python check hands to an Excel function (AHP_LAMBDA_MAX = 2)
    st.add(18, 5, [[ctx.t("python_probe")]], "note")
    st.add(19, 6, [[1, 1], [1, 1]], "reference")
    ctx.put("BPM_PROBE", "settings", 19, 6, 20, 7)


def kind_choices(lang: str) -> list[str]:
    """What the type dropdown offers: 问卷/数据/专家评分/直接评分 in the Chinese edition."""
    return [pick(datascore.TYPE_LABELS[k], lang) for k in datascore.TYPES]


def _kind_shown(v: Any, lang: str) -> Any:
    """A type as the edition shows it (a code of datascore.TYPES becomes its label)."""
    if isinstance(v, str) and v.strip().lower() in datascore.TYPE_LABELS:
        return pick(datascore.TYPE_LABELS[v.strip().lower()], lang)
    return v


def _blank_nan(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def indicators_sheet(ctx: LayoutContext) -> SheetPlan:
    """指标体系: one row per group and indicator (depth first), BPM_INDICATORS over
    :data:`SYSTEM_KEYS`: dimension, names, code, names, PDCA stage, parent code, type, points."""
    t = ctx.t
    ind = SheetPlan("indicators", ctx.name("indicators"), "input",
                    widths={0: 10, 1: 16, 2: 22, 3: 10, 4: 26, 5: 38, 6: 10, 7: 10, 8: 10, 9: 8}, freeze=(2, 0))
    ind.add(0, 0, [[t("indicators_title")]], "title")
    ind.add(1, 0, [[t(k) for k in ("dim_code", "dim_zh", "dim_en", "ind_code", "ind_zh", "ind_en", "pdca",
                                   "parent_code", "ind_kind", "ind_points")]], "header")
    irows = [[_blank_nan(r.get(k)) for k in SYSTEM_KEYS] for r in ctx.data.system_rows]
    for row in irows:
        row[6] = _pdca_shown(row[6], ctx.lang)
        row[8] = _kind_shown(row[8], ctx.lang)
        row[7:] = [None if isinstance(v, str) and not v.strip() else v for v in row[7:]]
    ind.add(2, 0, irows, "input")
    last = len(SYSTEM_KEYS) - 1
    ctx.put("BPM_INDICATORS", "indicators", 1, 0, 1 + max(len(irows), 1), last)
    ind.validations.append(Validation(2, 6, 2 + max(len(irows), 1) + 200, 6,
                                      {"validate": "list", "source": pdca_choices(ctx.lang)}))
    ind.validations.append(Validation(2, 8, 2 + max(len(irows), 1) + 200, 8,
                                      {"validate": "list", "source": kind_choices(ctx.lang)}))
    return ind


def experts_sheet(ctx: LayoutContext) -> SheetPlan:
    t = ctx.t
    ex = SheetPlan("experts", ctx.name("experts"), "input", widths={0: 12, 1: 16, 2: 16, 3: 16, 5: 80}, freeze=(2, 0))
    ex.add(0, 0, [[t("experts_title")]], "title")
    ex.add(1, 0, [[t("expert_code"), t("expert_name"), t("ca"), t("cs")]], "header")
    ex.add(2, 0, [[e.get("code"), e.get("name"), e.get("ca"), e.get("cs")] for e in ctx.experts], "input")
    ex.add(1, 5, [[t("ca_note")], [t("cs_note")]], "note")
    k_e = len(ctx.experts)
    ctx.put("BPM_EXPERTS", "experts", 1, 0, 1 + max(k_e, 1), 3)
    ex.validations.append(Validation(2, 2, 2 + k_e + 100, 3, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1}))
    return ex


def _judgment_grid(vals: Mapping[tuple[str, str], Any], children: list[str]) -> list[list[Any]]:
    cells = []
    for i, ri in enumerate(children):
        row = []
        for j, cj in enumerate(children):
            if i == j:
                typed = vals.get((ri, cj))
                row.append(1 if typed is None or typed == "" else typed)
            else:
                # upper triangle: typed or the mirror's reciprocal; lower: only what was typed there
                row.append(judgment_value(vals, ri, cj, upper=j > i))
        cells.append(row)
    return cells


def judgments_sheet(ctx: LayoutContext) -> tuple[SheetPlan, dict[str, tuple[int, int, int]]]:
    """The judgment blocks; returns node -> (first data row, first column, n)."""
    t, system, lang = ctx.t, ctx.system, ctx.lang
    ju = SheetPlan("judgments", ctx.name("judgments"), "input", widths={0: 10, 1: 10})
    ju.add(0, 0, [[t("judgments_title")]], "title")
    r = 2
    k_e = len(ctx.experts)
    jblocks: dict[str, tuple[int, int, int]] = {}
    if system.weighting == "points":   # the blocks stay (clearing the points turns them on) but say they are unused
        ju.add(1, 0, [[t("judgments_unused_points")]], "note")
    for ti, node in enumerate(ctx.nodes):
        children = list(system.children(node))
        n = len(children)
        title = t("node_goal") if node == GOAL else t("node_dim", code=node, name=system.label(node, lang))
        ju.add(r, 0, [[node, title]], "subtitle")
        ju.add(r + 1, 0, [[t("expert"), t("element"), *children]], "header")
        d0 = r + 2
        node_data = ctx.data.judgments.get(node, {})
        for ei, ecode in enumerate(ctx.ecodes):
            r0 = d0 + ei * n
            ju.add(r0, 0, [[ecode]], "rowhead")
            ju.add(r0, 1, [[c] for c in children], "rowhead")
            ju.add(r0, 2, _judgment_grid(node_data.get(ecode, {}), children), "judgment")
        last = d0 + max(k_e, 1) * n - 1
        ctx.put(f"BPM_J_{ti}", "judgments", d0, 2, last, 2 + n - 1)
        ju.validations.append(Validation(d0, 2, last, 2 + n - 1, {
            "validate": "decimal", "criteria": "between", "minimum": 1 / 9 - 1e-9, "maximum": 9,
            "ignore_blank": True,
            "error_title": "1-9",
            "error_message": text("judgment_range", lang),
        }))
        jblocks[node] = (d0, 2, n)
        for c in range(2, 2 + n):
            ju.widths.setdefault(c, 8)
        r = last + 2
    return ju, jblocks


def delphi_sheet(ctx: LayoutContext) -> tuple[SheetPlan, list[list[Any]]]:
    """The Delphi rounds; returns the rows (round, sent, returned) of the response table."""
    t, data, codes, ecodes = ctx.t, ctx.data, ctx.codes, ctx.ecodes
    de = SheetPlan("delphi", ctx.name("delphi"), "input", widths={0: 12})
    de.add(0, 0, [[t("delphi_title")]], "title")
    n_rounds = max(len(data.delphi), 1)
    de.add(1, 0, [[t("round_col"), t("sent"), t("returned"), t("positive")]], "header")
    prow = []
    for k in range(n_rounds):
        sent = data.delphi_sent[k] if k < len(data.delphi_sent) else None
        ret = data.delphi_returned[k] if k < len(data.delphi_returned) else None
        prow.append([k + 1, sent, ret])
    de.add(2, 0, prow, "input")
    de.add(2, 3, [[Formula(f"=IF({a1(2 + k, 1)}>0,{a1(2 + k, 2)}/{a1(2 + k, 1)},NA())")] for k in range(n_rounds)],
           "pct_formula", cached=positive(prow))
    ctx.put("BPM_DELPHI_SENT", "delphi", 2, 1, 1 + n_rounds, 1)
    ctx.put("BPM_DELPHI_RETURNED", "delphi", 2, 2, 1 + n_rounds, 2)
    r = 2 + n_rounds + 1
    for k in range(n_rounds):
        rd = data.delphi[k] if k < len(data.delphi) else {}
        de.add(r, 0, [[t("round", k=k + 1)]], "subtitle")
        de.add(r + 1, 0, [[t("expert"), *codes]], "header")
        rexperts = round_experts(ecodes, rd)
        de.add(r + 2, 0, [[e] for e in rexperts], "rowhead")
        de.add(r + 2, 1, [[rd.get(e, {}).get(c) for c in codes] for e in rexperts], "input")
        last = r + 2 + max(len(rexperts), 1) - 1
        ctx.put(f"BPM_DELPHI_{k + 1}", "delphi", r + 2, 1, last, len(codes))
        de.validations.append(Validation(r + 2, 1, last, len(codes), {"validate": "decimal", "criteria": "between",
                                                                      "minimum": 1, "maximum": 5, "ignore_blank": True}))
        r = last + 2
    for c in range(1, len(codes) + 1):
        de.widths[c] = 7
    return de, prow


def round_experts(panel: list[str], rd: dict[str, dict[str, Any]]) -> list[str]:
    """The rows of a Delphi round: every expert of the panel (in panel order; a panel that
    grew gets rows for its new experts), then anyone not on the panel who has a rating in the
    round (nothing typed is dropped when the panel shrinks)."""
    extra = [e for e, vals in rd.items() if e not in panel and any(v is not None and v != "" for v in vals.values())]
    return list(panel) + extra


def survey_sheet(ctx: LayoutContext) -> tuple[SheetPlan, dict[str, str]]:
    """The survey answers; returns indicator code -> reference of its answer column."""
    t, data = ctx.t, ctx.data
    codes = [i.code for i in ctx.system.ordered_indicators() if i.kind == "survey"]
    sv = SheetPlan("survey", ctx.name("survey"), "input", widths={0: 10}, freeze=(2, 1))
    sv.add(0, 0, [[t("survey_title")]], "title")
    sv.add(1, 0, [[t("respondent"), *codes]], "header")
    n_resp = len(data.survey)
    sv.add(2, 0, [[rid] for rid in data.survey_ids], "rowhead")
    sv.add(2, 1, data.survey.block(codes), "input")  # a survey held as numbers stays one array (writers.bulk)
    s_last = 2 + n_resp + SURVEY_SPARE_ROWS - 1
    ctx.put("BPM_SURVEY", "survey", 2, 1, s_last, max(len(codes), 1))
    sv.validations.append(Validation(2, 1, s_last, len(codes), {"validate": "decimal", "criteria": "between",
                                                                "minimum": "=BPM_SCALE_MIN", "maximum": "=BPM_SCALE_MAX",
                                                                "ignore_blank": True}))
    for c in range(1, len(codes) + 1):
        sv.widths[c] = 7
    name = ctx.name("survey")
    return sv, {c: ref(name, 2, 1 + j, s_last, 1 + j) for j, c in enumerate(codes)}


def judgment_value(vals: Mapping[tuple[str, str], Any], ri: str, cj: str, upper: bool = True) -> Any:
    """The value typed for (ri, cj); in the upper triangle fall back to 1/(cj, ri) when only
    the mirror was typed, so a judgment is never lost when the order of indicators changes."""
    v = vals.get((ri, cj))
    if v is not None and v != "":
        return v
    if upper:
        m = vals.get((cj, ri))
        if m is not None and m != "":
            try:
                from fractions import Fraction

                f = Fraction(str(m).strip()) if isinstance(m, str) else Fraction(float(m)).limit_denominator(1000)
                if f > 0:
                    inv = 1 / f
                    return float(inv) if inv.denominator != 1 else int(inv)
            except (ValueError, ZeroDivisionError):
                return None
    return None


_RECT_KEYS = ("problem", "stage", "indicator", "responsible", "deadline", "measure", "status", "id")


def _findings(ctx: LayoutContext) -> Any:
    """The classification the report uses, with the problem line typed on Settings."""
    from ..findings import classify, problem_line

    try:
        line = problem_line((ctx.data.meta or {}).get("problem_line"))
    except ValueError:
        line = None
    return classify(ctx.evaluation) if line is None else classify(ctx.evaluation, line)


def rectification_sheet(ctx: LayoutContext) -> SheetPlan:
    """整改清单: the bureau's rows as typed, then one pre-filled row per improvement priority
    no typed row covers yet (:func:`bpm_xl.rectification.merge`); BPM_RECTIFY spans the rows."""
    from .. import rectification as rect

    t, lang = ctx.t, ctx.lang
    rs = SheetPlan("rectification", ctx.name("rectification"), "input",
                   widths={0: 6, 1: 72, 2: 10, 3: 8, 4: 16, 5: 12, 6: 60, 7: 10, 8: 12}, freeze=(2, 0))
    rs.add(0, 0, [[t("rect_title")]], "title")
    rs.add(1, 0, [[t(k) for k in ("rect_no", "rect_problem", "rect_stage", "rect_indicator", "rect_responsible",
                                  "rect_deadline", "rect_measure", "rect_status", "rect_id")]], "header")
    typed = [r for r in ctx.data.rectification if any(r.get(k) not in (None, "") for k in _RECT_KEYS)]
    pre = (rect.prefill(ctx.evaluation, lang, findings=_findings(ctx),
                        measures=rect.library_for(ctx.system, ctx.data.measures, lang))
           if ctx.evaluation is not None else ())
    covered = {str(r.get("indicator") or "").strip() for r in typed} | {str(r.get("problem") or "").strip() for r in typed}
    rows = [[r.get(k) for k in _RECT_KEYS] for r in typed]
    for it in pre:
        if it.indicator not in covered and it.problem not in covered:
            rows.append([it.problem, it.stage, it.indicator, it.responsible, it.deadline, it.measure, it.status, None])
    ids = rect.assign_ids([{"id": row[7]} for row in rows], (ctx.data.meta or {}).get("year", ""))
    for row, item_id in zip(rows, ids):
        row[7] = item_id
        row[1] = _pdca_shown(row[1], lang)
        row[:] = [None if isinstance(v, str) and not v.strip() else v for v in row]
    if rows:
        rs.add(2, 0, [[k + 1] for k in range(len(rows))], "rowhead")
        rs.add(2, 1, rows, "input")
    last = 2 + len(rows) + RECTIFY_SPARE_ROWS - 1
    rs.add(2 + len(rows), 1, [[None] * 8 for _ in range(RECTIFY_SPARE_ROWS)], "input")   # green rows to type in
    ctx.put("BPM_RECTIFY", "rectification", 2, 1, last, 8)
    rs.validations.append(Validation(2, 2, last, 2, {"validate": "list", "source": pdca_choices(lang),
                                                       "error_type": "warning"}))
    rs.validations.append(Validation(2, 7, last, 7, {"validate": "list", "source": list(RECTIFY_STATUS[lang]),
                                                       "error_type": "warning"}))
    return rs


def measures_sheet(ctx: LayoutContext) -> SheetPlan:
    """整改措施库: one measure per indicator (the text typed, else the default system's measure),
    then rows kept for codes the system no longer has; BPM_MEASURES spans code .. measure."""
    from .. import rectification as rect

    t = ctx.t
    ms = SheetPlan("measures", ctx.name("measures"), "input", widths={0: 10, 1: 26, 2: 90}, freeze=(2, 0))
    ms.add(0, 0, [[t("measures_title")]], "title")
    ms.add(1, 0, [[t("measure_code"), t("measure_name"), t("measure_text")]], "header")
    typed = ctx.data.measures or {}
    library = rect.library_for(ctx.system, typed, ctx.lang)
    rows = [[c, ctx.system.label(c, ctx.lang), library.get(c) or None] for c in ctx.codes]
    rows += [[c, None, v] for c, v in typed.items() if c not in library and v not in (None, "")]
    if rows:
        ms.add(2, 0, rows, "input")
    last = 2 + len(rows) + 20 - 1
    ms.add(2 + len(rows), 0, [[None] * 3 for _ in range(20)], "input")
    ctx.put("BPM_MEASURES", "measures", 2, 0, last, 2)
    return ms


# ---------------------------------------------------------------------------------------
# Indicators scored otherwise than by the survey: 指标数据 (data, direct) and 专家评分 (expert)
def _method_shown(v: Any, lang: str) -> Any:
    """A method as the edition shows it (a code of datascore.METHODS becomes its label)."""
    if isinstance(v, str) and v.strip().lower() in datascore.METHOD_LABELS:
        return pick(datascore.METHOD_LABELS[v.strip().lower()], lang)
    return v


def _direction_word(d: str, lang: str) -> str:
    """A direction as the edition writes it: 正向/逆向, or higher/lower (words the reader accepts)."""
    return datascore.DIRECTION_LABELS[d][0] if lang == "zh" else d


def _direction_shown(v: Any, lang: str) -> Any:
    if isinstance(v, str) and v.strip().lower() in datascore.DIRECTION_LABELS:
        return _direction_word(v.strip().lower(), lang)
    return v


def _is_steps(method: Any) -> bool:
    m = conversion.text(method).lower()
    return m in ("steps", *datascore.METHOD_LABELS["steps"])


def _scale_max(ctx: LayoutContext) -> float | None:
    x = conversion.number(ctx.data.settings.get("scale_max"))
    return None if isinstance(x, conversion.Invalid) or not math.isfinite(x) or x <= 0 else x


def _data_cached(row: dict[str, Any], top: float | None) -> Any:
    """What the score cell of a data row shows: the core's score, None (#N/A) for a blank value,
    a refused standard or value."""
    if top is None:
        return None
    steps = _is_steps(row.get("method"))
    try:
        return datascore.data_score(row.get("value"), row.get("method"),
                                    [list(row.get("bounds") or [])] if steps else row.get("p1"),
                                    [list(row.get("fractions") or [])] if steps else row.get("p2"),
                                    scale_max=top, direction=row.get("direction")).score
    except BpmError:
        return None


def _native_data_formula(row: dict[str, Any], r: int, top: float | None) -> tuple[Formula, Any]:
    """The native score formula of a data row (portable workbook) and its value: the rule typed
    on the row, with the value, parameters and steps as references (``=NA()`` while the row has
    no valid standard; the method and direction are fixed until the next rebuild)."""
    steps = _is_steps(row.get("method"))
    try:
        rule = datascore.data_rule(row.get("method"), [list(row.get("bounds") or [])] if steps else row.get("p1"),
                                   [list(row.get("fractions") or [])] if steps else row.get("p2"),
                                   row.get("direction"))
    except BpmError:
        return Formula("=NA()"), None
    c0 = len(DATA_KEYS)
    n = len(rule.bounds)
    env = {a1(r, 2, absolute=False): [row.get("value")], "BPM_SCALE_MAX": [top]}
    refs: dict[str, Any] = {}
    for key, col, v in (("p1", 6, rule.p1), ("p2", 7, rule.p2)):
        if v is not None:
            refs[key] = a1(r, col, absolute=False)
            env[refs[key]] = [row.get(key)]
    bounds = [a1(r, c0 + k, absolute=False) for k in range(n)]
    fracs = [a1(r, c0 + STEP_COLUMNS + k, absolute=False) for k in range(n)]
    for k in range(n):
        env[bounds[k]] = [(row.get("bounds") or [None] * n)[k]]
        env[fracs[k]] = [(row.get("fractions") or [None] * n)[k]]
    e = dataformula.rule_formula(rule, a1(r, 2, absolute=False), refs.get("p1"), refs.get("p2"),
                                 bounds=bounds if n else None, fractions=fracs if n else None, scale="BPM_SCALE_MAX")
    v = float(e.evaluate(env)[0]) if top is not None else math.nan
    return Formula(e.formula), (None if math.isnan(v) else v)


def _direct_formula(r: int) -> Formula:
    v = a1(r, 2, absolute=False)
    return Formula(f"=IF(AND(ISNUMBER({v}),NOT(ISLOGICAL({v}))),IF(AND({v}>=0,{v}<=BPM_SCALE_MAX),{v},NA()),NA())")


def _direct_cached(value: Any, top: float | None) -> Any:
    x = conversion.number(value)
    if top is None or isinstance(value, (bool, str)) or isinstance(x, conversion.Invalid) or math.isnan(x):
        return None
    return x if 0 <= x <= top else None


def data_sheet(ctx: LayoutContext) -> tuple[SheetPlan, dict[str, str]]:
    """指标数据: one row per indicator of type data or direct, in the system's order; returns
    indicator code -> absolute reference of its score cell.

    Columns (:data:`DATA_KEYS`, then :data:`STEP_COLUMNS` bounds and as many fractions, then
    the score): code, name, value (a direct indicator: the assessed score), unit, method
    (a direct row shows 直接评分), direction, p1, p2, source, evidence. Named ranges:
    ``BPM_IND_DATA`` (the rows, code .. last fraction) and ``BPM_IND_DATA_SCORES`` (the score
    column). The score is ``=DATA_SCORE(...)`` in the macro workbook and the native formula of
    :mod:`bpm_xl.dataformula` in a portable one (:attr:`Block.portable`); #N/A while the value
    is blank (pending), never 0.
    """
    t, lang = ctx.t, ctx.lang
    name = ctx.name("data")
    sp = SheetPlan("data", name, "input", widths={0: 8, 1: 24, 2: 10, 3: 8, 4: 10, 5: 8, 6: 9, 7: 9, 8: 18, 9: 24},
                   freeze=(2, 2))
    sp.add(0, 0, [[t("data_title")]], "title")
    c_steps = len(DATA_KEYS)
    c_score = c_steps + 2 * STEP_COLUMNS
    sp.add(1, 0, [[*(t(f"data_{k}") for k in DATA_KEYS),
                   *(t("data_bound", k=k + 1) for k in range(STEP_COLUMNS)),
                   *(t("data_fraction", k=k + 1) for k in range(STEP_COLUMNS)), t("data_score")]], "header")
    inds = [i for i in ctx.system.ordered_indicators() if i.kind in ("data", "direct")]
    top = _scale_max(ctx)
    rows, refs = [], {}
    macro: list[list[Any]] = []
    native: list[list[Any]] = []
    macro_cached: list[list[Any]] = []
    native_cached: list[list[Any]] = []
    for k, ind in enumerate(inds):
        r = 2 + k
        row, bounds, fracs = _typed_data_row(ctx, ind)
        if ind.kind == "direct":
            row["method"] = t("direct_method")
            score = _direct_score_cells(row, r, top)
        else:
            row["method"] = _method_shown(row["method"], lang)
            row["direction"] = _direction_shown(row["direction"], lang)
            score = _data_score_cells({**row, "bounds": bounds, "fractions": fracs}, r, top)
        for column, cell in zip((macro, native, macro_cached, native_cached), score):
            column.append([cell])
        rows.append([*(row[key] for key in DATA_KEYS), *bounds, *fracs])
        refs[ind.code] = ref(name, r, c_score)
    if rows:
        # code and name are bpm-xl's (they decide whether the in-Excel rebuild reshapes the sheet)
        sp.add(2, 0, [r[:2] for r in rows], "rowhead")
        sp.add(2, 2, [r[2:] for r in rows], "input")
        sp.add(2, c_score, macro, "formula", cached=macro_cached, portable=(native, native_cached))
    last = 2 + max(len(rows), 1) - 1
    ctx.put("BPM_IND_DATA", "data", 2, 0, last, c_score - 1)
    ctx.put("BPM_IND_DATA_SCORES", "data", 2, c_score, last, c_score)
    _data_validations(sp, last, lang)
    sp.add(1, c_score + 2, [[t("data_note")]], "note")
    for c in range(c_steps, c_score):
        sp.widths[c] = 9
    sp.widths[c_score] = 10
    return sp, refs


def _typed_data_row(ctx: LayoutContext, ind: Any) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """What the hub holds on indicator ``ind``'s data row (code and name from the system), and its
    steps' bounds and fractions padded to STEP_COLUMNS."""
    typed = ctx.data.data_rows.get(ind.code, {})
    row = {key: typed.get(key) for key in DATA_KEYS}
    bounds = list(typed.get("bounds") or [])[:STEP_COLUMNS]
    fracs = list(typed.get("fractions") or [])[:STEP_COLUMNS]
    bounds += [None] * (STEP_COLUMNS - len(bounds))
    fracs += [None] * (STEP_COLUMNS - len(fracs))
    row["code"], row["name"] = ind.code, ind.name(ctx.lang)
    return row, bounds, fracs


def _direct_score_cells(row: dict[str, Any], r: int, top: float | None) -> tuple[Formula, Formula, Any, Any]:
    """A direct row's score cell: macro and native formula (the same), with their values."""
    f = _direct_formula(r)
    cached = _direct_cached(row["value"], top)
    return f, f, cached, cached


def _data_score_cells(cells: dict[str, Any], r: int, top: float | None) -> tuple[Formula, Formula, Any, Any]:
    """A data row's score cell: the macro formula (=DATA_SCORE) and the native one, with their values."""
    c_steps = len(DATA_KEYS)
    c_score = c_steps + 2 * STEP_COLUMNS
    v, m, p1, p2, d = (a1(r, c, absolute=False) for c in (2, 4, 6, 7, 5))
    b = local(r, c_steps, r, c_steps + STEP_COLUMNS - 1).replace("$", "")
    fr = local(r, c_steps + STEP_COLUMNS, r, c_score - 1).replace("$", "")
    cond = f'OR(TRIM({m})="steps",TRIM({m})="{datascore.METHOD_LABELS["steps"][0]}")'
    macro = Formula(f"=IF(ISBLANK({v}),NA(),IF({cond},DATA_SCORE({v},{m},{b},{fr},BPM_SCALE_MAX,{d}),"
                    f"DATA_SCORE({v},{m},{p1},{p2},BPM_SCALE_MAX,{d})))")
    macro_cached = _data_cached(cells, top)
    native, native_cached = _native_data_formula(cells, r, top)
    return macro, native, macro_cached, native_cached


def _data_validations(sp: SheetPlan, last: int, lang: str) -> None:
    """The method and direction dropdowns of the data rows (a method not listed only warns)."""
    methods = [pick(datascore.METHOD_LABELS[m], lang) for m in datascore.METHODS]
    sp.validations.append(Validation(2, 4, last, 4, {"validate": "list", "source": methods, "error_type": "warning"}))
    sp.validations.append(Validation(2, 5, last, 5, {"validate": "list", "source": [
        _direction_word(d, lang) for d in datascore.DIRECTIONS]}))


def expert_scores_sheet(ctx: LayoutContext) -> tuple[SheetPlan, dict[str, str]]:
    """专家评分: experts (the panel, then anyone not on it who has a score) x indicators of type
    expert, scores on the survey's scale; below, each indicator's score: the mean weighted by
    BPM_EW (the experts' weights: authority or equal, as Settings say), renormalised over the
    experts who scored it. Returns indicator code -> absolute reference of that score cell.

    The sheet is always there (its header alone while the system has no expert indicator).
    Named ranges: ``BPM_EXPERT_SCORES`` (the panel's rows x the indicators) and
    ``BPM_EXPERT_SCORE_MEANS`` (the score row).
    """
    t = ctx.t
    name = ctx.name("expert_scores")
    sp = SheetPlan("expert_scores", name, "input", widths={0: 12}, freeze=(2, 1))
    sp.add(0, 0, [[t("expert_scores_title")]], "title")
    codes = [i.code for i in ctx.system.ordered_indicators() if i.kind == "expert"]
    sp.add(1, 0, [[t("expert_code"), *codes]], "header")
    typed = ctx.data.expert_scores
    panel = ctx.ecodes
    extra = [e for e in dict.fromkeys(e for c in codes for e in (typed.get(c) or {}))
             if e not in panel and any(_blank_nan(typed[c].get(e)) not in (None, "") for c in codes if c in typed)]
    experts = panel + extra
    if experts:
        sp.add(2, 0, [[e] for e in experts], "rowhead")
    if codes and experts:
        sp.add(2, 1, [[(typed.get(c) or {}).get(e) for c in codes] for e in experts], "input")
    k = len(panel)
    last = 2 + max(k, 1) - 1
    mean_row = 2 + max(len(experts), 1)
    refs: dict[str, str] = {}
    if codes:
        cells, cached = [], []
        table = ctx.evaluation.indicator_table.set_index("code") if ctx.evaluation is not None else None
        for j, c in enumerate(codes):
            col = local(2, 1 + j, last, 1 + j)
            cells.append(Formula(
                f"=IF(COUNT({col})=0,NA(),IF(COUNTA({col})>COUNT({col}),NA(),"
                f"IF(OR(MIN({col})<BPM_SCALE_MIN,MAX({col})>BPM_SCALE_MAX),NA(),"
                # every filled cell is a number here (COUNTA = COUNT); a comparison, not ISNUMBER over
                # the range, so engines that evaluate SUMPRODUCT's arguments per cell (Gnumeric) agree
                f"SUMPRODUCT({col},BPM_EW)/SUMPRODUCT(--({col}<>\"\"),BPM_EW))))") if k else Formula("=NA()"))
            v = float(table.loc[c, "mean_score"]) if table is not None and c in table.index else math.nan
            cached.append(None if math.isnan(v) else v)
            refs[c] = ref(name, mean_row, 1 + j)
        sp.add(mean_row, 0, [[t("expert_scores_mean")]], "rowhead")
        sp.add(mean_row, 1, [cells], "formula", cached=[cached])
    ctx.put("BPM_EXPERT_SCORES", "expert_scores", 2, 1, last, max(len(codes), 1))
    ctx.put("BPM_EXPERT_SCORE_MEANS", "expert_scores", mean_row, 1, mean_row, max(len(codes), 1))
    sp.validations.append(Validation(2, 1, 2 + len(experts) + 50, max(len(codes), 1), {
        "validate": "decimal", "criteria": "between", "minimum": "=BPM_SCALE_MIN", "maximum": "=BPM_SCALE_MAX",
        "ignore_blank": True}))
    for c in range(1, len(codes) + 1):
        sp.widths[c] = 8
    return sp, refs
