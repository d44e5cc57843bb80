"""The workbook as a plan: every sheet, block, formula and defined name, computed in pure Python.

A :class:`WorkbookPlan` is what the workbook should look like for given inputs and language.
Three writers render it and nothing else decides layout:

- ``sheets.xlsx`` writes a whole new file with XlsxWriter (``bpm-xl new``, headless rebuild);
- ``macros`` writes the output sheets into a live workbook through xlwings (the Rebuild button);
- ``sheets.portable`` swaps every Python function call for native formulas (macro-free export).

Every Python function call in a formula is kept as a structured :class:`Udf` so that tests
can evaluate it with the real function and let a spreadsheet engine (LibreOffice) check all
the native formulas around it.

Layout conventions (0-based row/column indices here; formulas use A1 references):
input sheets are green, output sheets blue; each sheet is found by the defined name
``BPM_ROLE_<ROLE>``; every input range the formulas use has a defined name (``BPM_...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import GOAL, PDCA_LABELS, PDCA_STAGES
from .labels import GUIDE, sheet_name, t

__all__ = [
    "Udf",
    "Block",
    "ArrayBlock",
    "Validation",
    "Chart",
    "SheetPlan",
    "WorkbookPlan",
    "WorkbookData",
    "plan_workbook",
    "col_letter",
    "a1",
    "SURVEY_SPARE_ROWS",
    "CONSISTENCY_ROWS",
    "WORST_COUNT",
]

#: Blank rows kept inside the survey's named range, so new respondents count at once.
SURVEY_SPARE_ROWS = 500
#: AHP_CONSISTENCY returns this many label/value rows (see bpm_xl.udfs).
CONSISTENCY_ROWS = 6
#: AHP_WORST is asked for this many judgments (plus a header row).
WORST_COUNT = 3


# ---------------------------------------------------------------------------------------
# plan types
@dataclass(frozen=True)
class Udf:
    """A call of a bpm-xl Excel function; ``args`` are formula fragments (names, refs, literals)."""

    func: str
    args: tuple[str, ...]

    @property
    def formula(self) -> str:
        return f"={self.func}({','.join(self.args)})"


@dataclass
class Block:
    """A rectangle of values and formulas (strings starting with '=') written in one go."""

    row: int
    col: int
    cells: list[list[Any]]
    style: str = "output"
    udfs: dict[tuple[int, int], Udf] = field(default_factory=dict)  # scalar UDF cells (relative)
    col_styles: dict[int, str] = field(default_factory=dict)         # per-column style overrides
    cached: list[list[Any]] | None = None                            # values the formulas compute

    @property
    def nrows(self) -> int:
        return len(self.cells)

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.cells), default=0)


@dataclass
class ArrayBlock:
    """A legacy (CSE) array formula over a fixed range: works in every Excel since 2007."""

    row: int
    col: int
    nrows: int
    ncols: int
    udf: Udf | None
    formula: str
    style: str = "output"
    transpose: bool = False          # the formula wraps the UDF in TRANSPOSE()
    cached: list[list[Any]] | None = None  # the values it returns (filled by the build shell)
    aip_udf: Udf | None = None       # the call used instead when the aggregation setting is "aip"


@dataclass(frozen=True)
class Validation:
    row: int
    col: int
    last_row: int
    last_col: int
    options: dict[str, Any]


@dataclass(frozen=True)
class Chart:
    kind: str                       # "column" | "bar"
    title: str
    categories: str                 # formula reference
    values: str                     # formula reference
    anchor: tuple[int, int]         # row, col on the dashboard
    size: tuple[int, int] = (560, 320)


@dataclass
class SheetPlan:
    role: str
    name: str
    kind: str                                   # "input" | "output"
    blocks: list[Block] = field(default_factory=list)
    arrays: list[ArrayBlock] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    validations: list[Validation] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    button: tuple[int, int] | None = None        # rebuild button anchor

    def add(self, row: int, col: int, cells: list[list[Any]], style: str = "output",
            cached: list[list[Any]] | None = None) -> Block:
        b = Block(row, col, cells, style, cached=cached)
        self.blocks.append(b)
        return b


@dataclass
class WorkbookPlan:
    lang: str
    sheets: list[SheetPlan]
    names: dict[str, str]                       # defined name -> reference (with '=')

    def sheet(self, role: str) -> SheetPlan:
        for s in self.sheets:
            if s.role == role:
                return s
        raise KeyError(role)

    def udf_cells(self) -> list[tuple[str, int, int, int, int, Udf]]:
        """Every UDF use: (sheet name, row, col, nrows, ncols, udf), in dependency order."""
        out = []
        for s in self.sheets:
            for b in s.blocks:
                for (r, c), u in b.udfs.items():
                    out.append((s.name, b.row + r, b.col + c, 1, 1, u))
            for a in s.arrays:
                if a.udf is not None:
                    out.append((s.name, a.row, a.col, a.nrows, a.ncols, a.udf))
        return out


@dataclass(frozen=True)
class WorkbookData:
    """What the input sheets hold, by code (so it survives changes of the indicator list).

    ``judgments[node][expert][(row_code, col_code)]`` is a value as typed (number or text);
    ``delphi[k][expert][indicator]``; ``survey_rows`` are (respondent id, {code: answer}).
    """

    settings: dict[str, Any]
    bands: list[tuple[str, float, str, str]]
    bands_name: str
    system_rows: list[dict[str, Any]]
    experts: list[dict[str, Any]]
    judgments: dict[str, dict[str, dict[tuple[str, str], Any]]]
    delphi: list[dict[str, dict[str, Any]]]
    delphi_sent: list[Any]
    delphi_returned: list[Any]
    survey_ids: list[Any]
    survey: list[dict[str, Any]]
    title: str = ""
    #: where values were read from (sheet, rows, columns by code), to name cells in messages
    where: dict[str, Any] = field(default_factory=dict, compare=False)


# ---------------------------------------------------------------------------------------
# A1 helpers
def col_letter(col: int) -> str:
    s = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def a1(row: int, col: int, absolute: bool = True) -> str:
    d = "$" if absolute else ""
    return f"{d}{col_letter(col)}{d}{row + 1}"


def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def ref(sheet: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
    if r1 is None or (r1 == r0 and c1 == c0):
        return f"{_q(sheet)}!{a1(r0, c0)}"
    return f"{_q(sheet)}!{a1(r0, c0)}:{a1(r1, c1)}"


def _local(r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
    if r1 is None:
        return a1(r0, c0)
    return f"{a1(r0, c0)}:{a1(r1, c1)}"


def _str(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------
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
SETTING_CHOICES = {
    "method": ("eigen", "geomean", "arith"),
    "random_index": ("cn", "saaty1980", "saaty2005", "donegan_dodd", "alonso_lamata"),
    "aggregation": ("aij", "aip"),
    "expert_weighting": ("authority", "equal"),
}


class _Names(dict):
    def put(self, name: str, sheet: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
        self[name] = "=" + ref(sheet, r0, c0, r1, c1)
        return name


def plan_workbook(data: WorkbookData, system, lang: str = "zh", evaluation=None, sensitivity=None) -> WorkbookPlan:
    """Plan the whole workbook for ``data`` laid out along ``system`` (an IndicatorSystem).

    Values in ``data`` are placed by code; values for codes the system no longer has are
    dropped from the layout (the reader keeps them in the backup), new codes get blanks.
    With ``evaluation`` (the :class:`~bpm_xl.evaluation.Evaluation` of the same data), every
    native formula also carries the value it computes (``Block.cached``), so the file shows
    real numbers before Excel recalculates (Protected View, no Python, LibreOffice); the tests
    check each cached value against LibreOffice's own recalculation.
    """
    ev = evaluation
    L = 0 if lang == "zh" else 1

    def cv(fn):
        """Cached values from the evaluation, or None without one (a blank workbook)."""
        if ev is None:
            return None
        return fn()

    if lang not in ("zh", "en"):
        lang = "zh"
    names = _Names()
    sheets: list[SheetPlan] = []
    S = {role: sheet_name(role, lang) for role in (
        "guide", "settings", "indicators", "experts", "judgments", "delphi", "survey",
        "weights", "evaluation", "delphi_summary", "diagnosis", "dashboard", "sensitivity")}
    for role, nm in S.items():
        names.put(f"BPM_ROLE_{role.upper()}", nm, 0, 0)

    experts = [e for e in data.experts if str(e.get("code", "")).strip()]
    ecodes = [str(e["code"]) for e in experts]
    codes = list(system.codes)
    nodes = list(system.nodes())

    # ---------------- guide
    g = SheetPlan("guide", S["guide"], "input", widths={0: 120})
    g.add(0, 0, [[line] for line in GUIDE[lang]], "guide")
    sheets.append(g)

    # ---------------- settings
    st = SheetPlan("settings", S["settings"], "input", widths={0: 30, 1: 16, 2: 70, 4: 2, 5: 6, 6: 10, 7: 10, 8: 10, 9: 12})
    st.add(0, 0, [[t("settings_title", lang)]], "title")
    st.add(1, 0, [[t("setting", lang), t("value", lang), t("explanation", lang)]], "header")
    rows = []
    for k, (key, nm, note) in enumerate(SETTING_KEYS):
        rows.append([t(key, lang), data.settings.get(key), t(note, lang) if note else ""])
        names.put(nm, S["settings"], 2 + k, 1)
        if key in SETTING_CHOICES:
            st.validations.append(Validation(2 + k, 1, 2 + k, 1, {"validate": "list", "source": list(SETTING_CHOICES[key])}))
    b = st.add(2, 0, rows, "input")
    b.style = "settings"
    r = 2 + len(SETTING_KEYS) + 1
    st.add(r, 0, [[t("bands_name", lang), data.bands_name]], "settings")
    names.put("BPM_BANDS_NAME", S["settings"], r, 1)
    st.add(r + 1, 0, [[t("bands_title", lang)]], "subtitle")
    st.add(r + 2, 0, [[t("grade", lang), t("lower", lang), t("label_zh", lang), t("label_en", lang)]], "header")
    bands = data.bands
    st.add(r + 3, 0, [[g_, lo, zh, en] for g_, lo, zh, en in bands], "input")
    b0, b1 = r + 3, r + 3 + len(bands) - 1
    names.put("BPM_BANDS", S["settings"], b0, 0, b1, 3)
    names.put("BPM_BAND_GRADES", S["settings"], b0, 0, b1, 0)
    names.put("BPM_BAND_LOWERS", S["settings"], b0, 1, b1, 1)
    names.put("BPM_BAND_LABELS", S["settings"], b0, 2 if lang == "zh" else 3, b1, 2 if lang == "zh" else 3)
    # RI reference table (read only; the portable export computes CR from it)
    from ..ahp import RANDOM_INDEX  # local: keeps this module light for the macro path
    tables = ("cn", "saaty1980", "saaty2005", "donegan_dodd")
    st.add(0, 5, [["RI"]], "subtitle")
    st.add(1, 5, [["n", *tables]], "header")
    st.add(2, 5, [[n + 1, *[RANDOM_INDEX[tb][n] for tb in tables]] for n in range(15)], "reference")
    names.put("BPM_RI_TABLE", S["settings"], 2, 6, 16, 9)
    st.freeze = (2, 0)
    sheets.append(st)

    # ---------------- indicators
    ind = SheetPlan("indicators", S["indicators"], "input", widths={0: 10, 1: 16, 2: 22, 3: 10, 4: 26, 5: 38, 6: 10})
    ind.add(0, 0, [[t("indicators_title", lang)]], "title")
    ind.add(1, 0, [[t(k, lang) for k in ("dim_code", "dim_zh", "dim_en", "ind_code", "ind_zh", "ind_en", "pdca")]], "header")
    irows = [[r_.get("dimension"), r_.get("dimension_zh"), r_.get("dimension_en"), r_.get("code"),
              r_.get("name_zh"), r_.get("name_en"), r_.get("pdca")] for r_ in data.system_rows]
    ind.add(2, 0, irows, "input")
    names.put("BPM_INDICATORS", S["indicators"], 1, 0, 1 + max(len(irows), 1), 6)
    ind.validations.append(Validation(2, 6, 2 + max(len(irows), 1) + 200, 6, {"validate": "list", "source": list(PDCA_STAGES)}))
    ind.freeze = (2, 0)
    sheets.append(ind)

    # ---------------- experts
    ex = SheetPlan("experts", S["experts"], "input", widths={0: 12, 1: 16, 2: 16, 3: 16, 5: 80})
    ex.add(0, 0, [[t("experts_title", lang)]], "title")
    ex.add(1, 0, [[t("expert_code", lang), t("expert_name", lang), t("ca", lang), t("cs", lang)]], "header")
    ex.add(2, 0, [[e.get("code"), e.get("name"), e.get("ca"), e.get("cs")] for e in experts], "input")
    ex.add(1, 5, [[t("ca_note", lang)], [t("cs_note", lang)]], "note")
    k_e = len(experts)
    names.put("BPM_EXPERTS", S["experts"], 1, 0, 1 + max(k_e, 1), 3)
    ex.validations.append(Validation(2, 2, 2 + k_e + 100, 3, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1}))
    ex.freeze = (2, 0)
    sheets.append(ex)

    # ---------------- judgments
    ju = SheetPlan("judgments", S["judgments"], "input", widths={0: 10, 1: 10})
    ju.add(0, 0, [[t("judgments_title", lang)]], "title")
    r = 2
    jblocks: dict[str, tuple[int, int, int]] = {}  # node -> (first data row, first col, n)
    for ti, node in enumerate(nodes):
        children = list(system.children(node))
        n = len(children)
        title = t("node_goal", lang) if node == GOAL else t("node_dim", lang, code=node, name=system.label(node, lang))
        ju.add(r, 0, [[node, title]], "subtitle")
        ju.add(r + 1, 0, [[t("expert", lang), t("element", lang), *children]], "header")
        d0 = r + 2
        node_data = data.judgments.get(node, {})
        for ei, ecode in enumerate(ecodes):
            vals = node_data.get(ecode, {})
            r0 = d0 + ei * n
            ju.add(r0, 0, [[ecode]], "rowhead")
            ju.add(r0, 1, [[c] for c in children], "rowhead")
            cells = []
            for i, ri in enumerate(children):
                row = []
                for j, cj in enumerate(children):
                    if i == j:
                        typed = vals.get((ri, cj))
                        row.append(1 if typed is None or typed == "" else typed)
                    elif j > i:
                        row.append(_judgment_value(vals, ri, cj))
                    else:
                        # lower triangle: keep only what the user typed there
                        row.append(_judgment_value(vals, ri, cj, upper=False))
                cells.append(row)
            blk = ju.add(r0, 2, cells, "judgment")
            blk.style = "judgment"
        last = d0 + max(k_e, 1) * n - 1
        names.put(f"BPM_J_{ti}", S["judgments"], d0, 2, last, 2 + n - 1)
        ju.validations.append(Validation(d0, 2, last, 2 + n - 1, {
            "validate": "decimal", "criteria": "between", "minimum": 1 / 9 - 1e-9, "maximum": 9,
            "ignore_blank": True,
            "error_title": "1-9",
            "error_message": "1/9 .. 9" if lang == "en" else "请输入 1/9 到 9 之间的数，例如 3 或 1/3",
        }))
        jblocks[node] = (d0, 2, n)
        for c in range(2, 2 + n):
            ju.widths.setdefault(c, 8)
        r = last + 2
    sheets.append(ju)

    # ---------------- delphi
    de = SheetPlan("delphi", S["delphi"], "input", widths={0: 12})
    de.add(0, 0, [[t("delphi_title", lang)]], "title")
    n_rounds = max(len(data.delphi), 1)
    de.add(1, 0, [[t("round", lang, k=""), t("sent", lang), t("returned", lang), t("positive", lang)]], "header")
    prow = []
    for k in range(n_rounds):
        sent = data.delphi_sent[k] if k < len(data.delphi_sent) else None
        ret = data.delphi_returned[k] if k < len(data.delphi_returned) else None
        prow.append([k + 1, sent, ret])
    de.add(2, 0, prow, "input")
    pos = de.add(2, 3, [[f"=IF({a1(2 + k, 1)}>0,{a1(2 + k, 2)}/{a1(2 + k, 1)},NA())"] for k in range(n_rounds)], "formula",
                 cached=cv(lambda: [[_ratio(r_[2], r_[1])] for r_ in prow]))
    pos.style = "pct_formula"
    names.put("BPM_DELPHI_SENT", S["delphi"], 2, 1, 1 + n_rounds, 1)
    names.put("BPM_DELPHI_RETURNED", S["delphi"], 2, 2, 1 + n_rounds, 2)
    r = 2 + n_rounds + 1
    dblocks = []
    for k in range(n_rounds):
        rd = data.delphi[k] if k < len(data.delphi) else {}
        de.add(r, 0, [[t("round", lang, k=k + 1)]], "subtitle")
        de.add(r + 1, 0, [[t("expert", lang), *codes]], "header")
        # experts of the round: those in the data (in panel order), else the panel
        rexperts = [e for e in ecodes if e in rd] or ecodes
        rexperts += [e for e in rd if e not in rexperts]
        de.add(r + 2, 0, [[e] for e in rexperts], "rowhead")
        de.add(r + 2, 1, [[rd.get(e, {}).get(c) for c in codes] for e in rexperts], "input")
        last = r + 2 + max(len(rexperts), 1) - 1
        names.put(f"BPM_DELPHI_{k + 1}", S["delphi"], r + 2, 1, last, len(codes))
        de.validations.append(Validation(r + 2, 1, last, len(codes), {"validate": "decimal", "criteria": "between", "minimum": 1, "maximum": 5, "ignore_blank": True}))
        dblocks.append((r + 2, last))
        r = last + 2
    for c in range(1, len(codes) + 1):
        de.widths[c] = 7
    sheets.append(de)

    # ---------------- survey
    sv = SheetPlan("survey", S["survey"], "input", widths={0: 10})
    sv.add(0, 0, [[t("survey_title", lang)]], "title")
    sv.add(1, 0, [[t("respondent", lang), *codes]], "header")
    n_resp = len(data.survey)
    sv.add(2, 0, [[rid] for rid in data.survey_ids], "rowhead")
    sv.add(2, 1, [[ans.get(c) for c in codes] for ans in data.survey], "input")
    s_last = 2 + n_resp + SURVEY_SPARE_ROWS - 1
    names.put("BPM_SURVEY", S["survey"], 2, 1, s_last, len(codes))
    sv.validations.append(Validation(2, 1, s_last, len(codes), {"validate": "decimal", "criteria": "between", "minimum": "=BPM_SCALE_MIN", "maximum": "=BPM_SCALE_MAX", "ignore_blank": True}))
    for c in range(1, len(codes) + 1):
        sv.widths[c] = 7
    sv.freeze = (2, 1)
    sheets.append(sv)
    survey_col = {c: ref(S["survey"], 2, 1 + j, s_last, 1 + j) for j, c in enumerate(codes)}

    # ================= outputs
    # ---------------- weights
    W = SheetPlan("weights", S["weights"], "output", widths={0: 12, 1: 14})
    W.add(0, 0, [[t("weights_title", lang)]], "title")
    W.add(1, 0, [[t("method_used", lang), "=BPM_METHOD", "RI", "=BPM_RI", t("aggregation", lang), "=BPM_AGGREGATION"]], "meta",
          cached=cv(lambda: [[None, ev.settings.method, None, ev.settings.random_index, None, ev.settings.aggregation]]))
    W.add(3, 0, [[t("ew_title", lang)]], "subtitle")
    W.add(4, 0, [[t("expert_code", lang), t("expert_name", lang), "Ca", "Cs", t("cr_col", lang), t("ew_col", lang)]], "header")
    e0 = 5
    e1 = e0 + max(k_e, 1) - 1
    erows = []
    for i in range(k_e):
        src = 2 + i
        erows.append([
            f"={ref(S['experts'], src, 0)}&\"\"",
            f"={ref(S['experts'], src, 1)}&\"\"",
            f"={ref(S['experts'], src, 2)}",
            f"={ref(S['experts'], src, 3)}",
            f"=({a1(e0 + i, 2)}+{a1(e0 + i, 3)})/2",
            f"=IF(BPM_EXPERT_WEIGHTING=\"equal\",1/COUNT({_local(e0, 4, e1, 4)}),{a1(e0 + i, 4)}/SUM({_local(e0, 4, e1, 4)}))",
        ])
    def _experts_cached():
        out = []
        for e, w in zip(experts, ev.expert_weights):
            ca, cs = float(e["ca"]), float(e["cs"])
            out.append([str(e["code"]), str(e.get("name") or ""), ca, cs, (ca + cs) / 2, float(w)])
        return out

    W.add(e0, 0, erows, "output", cached=cv(_experts_cached))
    W.add(e1 + 1, 0, [[t("panel", lang), "", f"=AVERAGE({_local(e0, 2, e1, 2)})", f"=AVERAGE({_local(e0, 3, e1, 3)})",
                       f"=AVERAGE({_local(e0, 4, e1, 4)})", f"=SUM({_local(e0, 5, e1, 5)})"]], "total",
          cached=cv(lambda: [[None, None, *[float(np.mean([r_[c] for r_ in _experts_cached()])) for c in (2, 3, 4)],
                              float(np.sum(ev.expert_weights))]]))
    names.put("BPM_EW", S["weights"], e0, 5, e1, 5)
    names.put("BPM_PANEL_CR", S["weights"], e1 + 1, 4)

    # per-expert CR table, to the right of the expert table
    xc = 8
    W.add(3, xc, [[t("expert_cr_title", lang)]], "subtitle")
    W.add(4, xc, [[t("expert", lang), *nodes]], "header")
    cr_cells = []
    cr_blk = Block(e0, xc + 1, [], "cr")
    for i, ecode in enumerate(ecodes):
        row = []
        for ti, node in enumerate(nodes):
            d0, c0, n = jblocks[node]
            u = Udf("AHP_CR", (ref(S["judgments"], d0 + i * n, c0, d0 + i * n + n - 1, c0 + n - 1), "BPM_RI", "BPM_METHOD"))
            row.append(u.formula)
            cr_blk.udfs[(i, ti)] = u
        cr_cells.append(row)
    cr_blk.cells = cr_cells

    def _cr_cached():
        out = []
        for ecode in ecodes:
            row = []
            for node in nodes:
                nr = ev.nodes[node]
                row.append(float(nr.expert_results[nr.expert_codes.index(ecode)].consistency_ratio)
                           if ecode in nr.expert_codes else None)
            out.append(row)
        return out

    cr_blk.cached = cv(_cr_cached)
    W.add(e0, xc, [[e] for e in ecodes], "rowhead")
    W.blocks.append(cr_blk)

    r = max(e1 + 3, e0 + k_e + 3)
    node_out: dict[str, dict[str, Any]] = {}
    for ti, node in enumerate(nodes):
        children = list(system.children(node))
        n = len(children)
        label = system.label(node, lang)
        W.add(r, 0, [[node, label]], "subtitle")
        W.add(r + 1, 0, [[t("code", lang), *children, t("weight", lang), "", t("consistency", lang), ""]], "header")
        m0 = r + 2
        W.add(m0, 0, [[c] for c in children], "rowhead")
        jname = f"BPM_J_{ti}"
        agg = Udf("AHP_GROUP", (jname, "BPM_EW"))
        W.arrays.append(ArrayBlock(m0, 1, n, n, agg, agg.formula, "matrix"))
        names.put(f"BPM_A_{ti}", S["weights"], m0, 1, m0 + n - 1, n)
        wcol = 1 + n
        wu = Udf("AHP_WEIGHTS", (f"BPM_A_{ti}", "BPM_METHOD"))
        aipu = Udf("AHP_GROUP", (jname, "BPM_EW", _str("aip"), "BPM_METHOD"))
        # AIP aggregates the experts' priorities instead; both are UDF calls.
        wformula = f'=IF(BPM_AGGREGATION="aip",{aipu.formula[1:]},{wu.formula[1:]})'
        W.arrays.append(ArrayBlock(m0, wcol, n, 1, wu, wformula, "weight", aip_udf=aipu))
        names.put(f"BPM_W_{ti}", S["weights"], m0, wcol, m0 + n - 1, wcol)
        cc = wcol + 2
        cu = Udf("AHP_CONSISTENCY", (f"BPM_A_{ti}", "BPM_RI", "BPM_METHOD"))
        W.arrays.append(ArrayBlock(m0, cc, CONSISTENCY_ROWS, 2, cu, cu.formula, "consistency"))
        names.put(f"BPM_LMAX_{ti}", S["weights"], m0, cc + 1)
        names.put(f"BPM_CI_{ti}", S["weights"], m0 + 1, cc + 1)
        names.put(f"BPM_RIV_{ti}", S["weights"], m0 + 2, cc + 1)
        names.put(f"BPM_CR_{ti}", S["weights"], m0 + 3, cc + 1)
        W.widths.setdefault(cc, 16)
        W.widths.setdefault(cc + 1, 14)
        rr = m0 + max(n, CONSISTENCY_ROWS) + 1
        if n > 2:
            W.add(rr, 0, [[t("worst", lang)]], "subtitle")
            count = min(WORST_COUNT, n * (n - 1) // 2)
            wu2 = Udf("AHP_WORST", (f"BPM_A_{ti}", str(count), "BPM_METHOD", "BPM_RI"))
            W.arrays.append(ArrayBlock(rr + 1, 0, count + 1, 6, wu2, wu2.formula, "worst"))
            # the codes of the judgment's row and column, next to AHP_WORST's 1-based indices
            codes_rng = _local(m0, 0, m0 + n - 1, 0)
            W.add(rr + 1, 6, [["行代码 row", "列代码 column"]], "header")

            def _worst_cached(node=node, children=children):
                return [[children[j.row], children[j.col]] for j in ev.nodes[node].worst]

            W.add(rr + 2, 6, [[f"=INDEX({codes_rng},{a1(rr + 2 + k, 0)})", f"=INDEX({codes_rng},{a1(rr + 2 + k, 1)})"]
                              for k in range(count)], "output", cached=cv(_worst_cached))
            rr = rr + 1 + count + 1
        node_out[node] = {"ti": ti, "w0": m0, "wcol": wcol, "n": n, "children": children}
        r = rr + 1
    for c in range(1, 20):
        W.widths.setdefault(c, 11)
    sheets.append(W)

    # ---------------- evaluation
    E = SheetPlan("evaluation", S["evaluation"], "output",
                  widths={0: 8, 1: 16, 2: 8, 3: 28, 4: 8, 5: 11, 6: 11, 7: 11, 8: 11, 9: 10, 10: 12})
    E.add(0, 0, [[t("evaluation_title", lang)]], "title")
    E.add(1, 0, [[t("dimension", lang), "", t("code", lang), t("indicator", lang), "PDCA", t("local_weight", lang),
                  t("dim_weight", lang), t("global_weight", lang), t("mean_score", lang), t("answers", lang),
                  t("weighted_score", lang)]], "header")
    i0 = 2
    erows = []
    dim_rows: dict[str, list[int]] = {}
    for k, code in enumerate(codes):
        indc = system.indicator(code)
        d = indc.dimension
        rr = i0 + k
        dim_rows.setdefault(d, []).append(rr)
        pos_local = node_out[d]["children"].index(code) + 1
        pos_dim = node_out[GOAL]["children"].index(d) + 1
        col = survey_col[code]
        mean = (f"=IF(OR(COUNT({col})=0,COUNTA({col})<>COUNT({col}),"
                f"COUNTIF({col},\"<\"&BPM_SCALE_MIN)+COUNTIF({col},\">\"&BPM_SCALE_MAX)>0),NA(),AVERAGE({col}))")
        erows.append([
            d, system.label(d, lang), code, indc.name(lang), PDCA_LABELS[indc.pdca][0 if lang == "zh" else 1],
            f"=INDEX(BPM_W_{node_out[d]['ti']},{pos_local})",
            f"=INDEX(BPM_W_0,{pos_dim})",
            f"={a1(rr, 5)}*{a1(rr, 6)}",
            mean,
            f"=COUNT({col})",
            f"={a1(rr, 7)}*{a1(rr, 8)}",
        ])
    def _eval_cached():
        tb = ev.indicator_table.set_index("code")
        out = []
        for code in codes:
            r_ = tb.loc[code]
            out.append([None] * 5 + [float(r_["local_weight"]), float(r_["dimension_weight"]),
                                     float(r_["local_weight"] * r_["dimension_weight"]), float(r_["mean_score"]),
                                     int(r_["answers"]),
                                     float(r_["local_weight"] * r_["dimension_weight"] * r_["mean_score"])])
        return out

    E.add(i0, 0, erows, "evaltable", cached=cv(_eval_cached)).col_styles = {9: "int"}
    i1 = i0 + len(codes) - 1
    names.put("BPM_GLOBAL_W", S["evaluation"], i0, 7, i1, 7)
    names.put("BPM_SCORES", S["evaluation"], i0, 8, i1, 8)
    names.put("BPM_WEIGHTED", S["evaluation"], i0, 10, i1, 10)
    r = i1 + 2
    E.add(r, 0, [[t("dim_table", lang)]], "subtitle")
    E.add(r + 1, 0, [[t("dimension", lang), "", t("dim_weight", lang), t("contribution", lang), t("dim_score", lang),
                      t("score100", lang), "CR"]], "header")
    d0 = r + 2
    drows = []
    for k, d in enumerate(system.dimension_codes):
        rows_ = dim_rows[d]
        a, b_ = rows_[0], rows_[-1]
        drows.append([
            d, system.label(d, lang),
            f"=INDEX(BPM_W_0,{k + 1})",
            f"=SUM({_local(a, 10, b_, 10)})",
            f"=SUMPRODUCT(--{_local(a, 5, b_, 5)},--{_local(a, 8, b_, 8)})",
            f"={a1(d0 + k, 4)}/BPM_SCALE_MAX*100",
            f"=BPM_CR_{node_out[d]['ti']}",
        ])
    def _dim_cached():
        ec = _eval_cached()
        out = []
        for k, d in enumerate(system.dimension_codes):
            rows_ = [rr - i0 for rr in dim_rows[d]]
            contribution = float(sum(ec[i][10] for i in rows_))
            own = float(sum(ec[i][5] * ec[i][8] for i in rows_))
            out.append([None, None, float(ev.nodes[GOAL].weights[k]), contribution, own,
                        own / float(ev.settings.scale_max) * 100, float(ev.nodes[d].aggregated.consistency_ratio)])
        return out

    E.add(d0, 0, drows, "dimtable", cached=cv(_dim_cached))
    d1 = d0 + len(drows) - 1
    names.put("BPM_DIM_LABELS", S["evaluation"], d0, 1, d1, 1)
    names.put("BPM_DIM_SCORE100", S["evaluation"], d0, 5, d1, 5)
    r = d1 + 2
    tot = [
        [t("total", lang), f"=SUM({_local(i0, 10, i1, 10)})"],
        [t("total100", lang), f"={a1(r, 5)}/BPM_SCALE_MAX*100"],
        [t("rating", lang), f"=INDEX(BPM_BAND_GRADES,COUNTIF(BPM_BAND_LOWERS,\">\"&{a1(r + 1, 5)})+1)"],
        [t("rating_label", lang), f"=INDEX(BPM_BAND_LABELS,COUNTIF(BPM_BAND_LOWERS,\">\"&{a1(r + 1, 5)})+1)"],
        [t("bands_used", lang), "=BPM_BANDS_NAME"],
        ["CR (" + t("dimension", lang) + ")", "=BPM_CR_0"],
        [t("hierarchy_cr", lang),
         "=(" + "+".join(f"INDEX(BPM_W_0,{k + 1})*BPM_CI_{node_out[d]['ti']}" for k, d in enumerate(system.dimension_codes))
         + ")/(" + "+".join(f"INDEX(BPM_W_0,{k + 1})*BPM_RIV_{node_out[d]['ti']}" for k, d in enumerate(system.dimension_codes)) + ")"],
    ]
    E.add(r, 3, [[row[0]] for row in tot], "totallabel")
    def _tot_cached():
        total = float(sum(r_[10] for r_ in _eval_cached()))
        s100 = total / float(ev.settings.scale_max) * 100
        k = sum(1 for b in data.bands if _num(b[1]) is not None and _num(b[1]) > s100)
        band = data.bands[k] if k < len(data.bands) else (None, None, None, None)
        return [[total], [s100], [band[0]], [band[2 + L]], [data.bands_name],
                [float(ev.nodes[GOAL].aggregated.consistency_ratio)], [float(ev.hierarchy.consistency_ratio)]]

    E.add(r, 5, [[row[1]] for row in tot], "totalvalue", cached=cv(_tot_cached))
    names.put("BPM_TOTAL", S["evaluation"], r, 5)
    names.put("BPM_SCORE100", S["evaluation"], r + 1, 5)
    names.put("BPM_RATING", S["evaluation"], r + 2, 5)
    names.put("BPM_RATING_LABEL", S["evaluation"], r + 3, 5)
    names.put("BPM_HIERARCHY_CR", S["evaluation"], r + 6, 5)
    E.freeze = (2, 0)
    sheets.append(E)

    # ---------------- delphi summary
    D = SheetPlan("delphi_summary", S["delphi_summary"], "output", widths={0: 14, 1: 12, 2: 12, 3: 12, 4: 14, 5: 12})
    D.add(0, 0, [[t("delphi_summary_title", lang)]], "title")
    D.add(2, 0, [[t("round", lang, k=""), t("positive", lang)]], "header")
    D.add(3, 0, [[k + 1, f"={ref(S['delphi'], 2 + k, 3)}"] for k in range(n_rounds)], "output",
          cached=cv(lambda: [[None, _ratio(r_[2], r_[1])] for r_ in prow])).col_styles = {0: "int", 1: "pct"}
    r = 3 + n_rounds + 1
    D.add(r, 0, [[t("authority_title", lang)]], "subtitle")
    D.add(r + 1, 0, [["Ca", "=" + ref(S["weights"], e1 + 1, 2)], ["Cs", "=" + ref(S["weights"], e1 + 1, 3)],
                     ["Cr", "=BPM_PANEL_CR"]], "output",
          cached=cv(lambda: [[None, float(np.mean([r_[c] for r_ in _experts_cached()]))] for c in (2, 3, 4)]))
    r = r + 5
    for k in range(n_rounds):
        nm = f"BPM_DELPHI_{k + 1}"
        D.add(r, 0, [[t("round", lang, k=k + 1) + " " + t("stats", lang)]], "subtitle")
        D.add(r + 1, 0, [[t("code", lang)]], "header")
        D.add(r + 2, 0, [[c] for c in codes], "rowhead")
        su = Udf("DELPHI_STATS", (nm, "BPM_SCALE_MAX"))
        D.arrays.append(ArrayBlock(r + 1, 1, len(codes) + 1, 5, su, su.formula, "stats"))
        scu = Udf("DELPHI_SCREEN", (nm, "BPM_MIN_MEAN", "BPM_MAX_CV"))
        D.add(r + 1, 6, [[t("screen", lang)]], "header")
        D.arrays.append(ArrayBlock(r + 2, 6, len(codes), 1, scu, f"=TRANSPOSE({scu.formula[1:]})", "screen", transpose=True))
        ku = Udf("KENDALL_W", (nm,))
        D.add(r, 8, [[t("kendall", lang)]], "subtitle")
        D.arrays.append(ArrayBlock(r + 1, 8, 4, 2, ku, ku.formula, "kendall"))
        r = r + len(codes) + 3
    D.widths.update({6: 30, 7: 3, 8: 16, 9: 12})
    sheets.append(D)

    # ---------------- diagnosis
    G = SheetPlan("diagnosis", S["diagnosis"], "output",
                  widths={0: 8, 1: 28, 2: 8, 3: 8, 4: 11, 5: 11, 6: 10, 7: 12, 8: 9, 9: 7})
    G.add(0, 0, [[t("diagnosis_title", lang)]], "title")
    G.add(1, 0, [[t("code", lang), t("indicator", lang), t("dimension", lang), "PDCA", t("global_weight", lang),
                  t("mean_score", lang), t("gap", lang), t("weighted_gap", lang), t("share", lang), t("rank", lang)]], "header")
    g0 = 2
    g1 = g0 + len(codes) - 1
    grows = []
    for k, code in enumerate(codes):
        rr = g0 + k
        er = i0 + k
        indc = system.indicator(code)
        grows.append([
            code, indc.name(lang), indc.dimension, PDCA_LABELS[indc.pdca][0 if lang == "zh" else 1],
            f"={ref(S['evaluation'], er, 7)}",
            f"={ref(S['evaluation'], er, 8)}",
            f"=BPM_SCALE_MAX-{a1(rr, 5)}",
            f"={a1(rr, 4)}*{a1(rr, 6)}",
            f"={a1(rr, 7)}/SUM({_local(g0, 7, g1, 7)})",
            f"=RANK({a1(rr, 7)},{_local(g0, 7, g1, 7)})+COUNTIF({_local(g0, 7, rr, 7) if k else a1(g0, 7)},{a1(rr, 7)})-1",
        ])
    def _diag_cached():
        ec = _eval_cached()
        smax = float(ev.settings.scale_max)
        wg = [r_[7] * (smax - r_[8]) for r_ in ec]
        total = float(sum(wg))
        out = []
        for k in range(len(codes)):
            rank = 1 + sum(1 for x in wg if x > wg[k]) + sum(1 for x in wg[:k] if x == wg[k])
            out.append([None] * 4 + [ec[k][7], ec[k][8], smax - ec[k][8], wg[k], wg[k] / total, rank])
        return out

    G.add(g0, 0, grows, "diagtable", cached=cv(_diag_cached)).col_styles = {8: "pct", 9: "int"}
    r = g1 + 2
    G.add(r, 0, [[t("ranked", lang)]], "subtitle")
    G.add(r + 1, 0, [[t("rank", lang), t("indicator", lang), t("code", lang), t("dimension", lang), "PDCA",
                      t("weighted_gap", lang), t("share", lang)]], "header")
    q0 = r + 2
    qrows = []
    for k in range(len(codes)):
        m = f"MATCH({k + 1},{_local(g0, 9, g1, 9)},0)"
        qrows.append([
            k + 1,
            f"=INDEX({_local(g0, 1, g1, 1)},{m})",
            f"=INDEX({_local(g0, 0, g1, 0)},{m})",
            f"=INDEX({_local(g0, 2, g1, 2)},{m})",
            f"=INDEX({_local(g0, 3, g1, 3)},{m})",
            f"=INDEX({_local(g0, 7, g1, 7)},{m})",
            f"=INDEX({_local(g0, 8, g1, 8)},{m})",
        ])
    def _rank_cached():
        dc = _diag_cached()
        by_rank = {row[9]: k for k, row in enumerate(dc)}
        out = []
        for q in range(len(codes)):
            k = by_rank[q + 1]
            indc = system.indicator(codes[k])
            out.append([None, indc.name(lang), codes[k], indc.dimension, PDCA_LABELS[indc.pdca][L], dc[k][7], dc[k][8]])
        return out

    G.add(q0, 0, qrows, "ranktable", cached=cv(_rank_cached)).col_styles = {0: "int", 6: "pct"}
    q1 = q0 + len(codes) - 1
    names.put("BPM_RANKED_LABELS", S["diagnosis"], q0, 1, q1, 1)
    names.put("BPM_RANKED_GAPS", S["diagnosis"], q0, 5, q1, 5)
    r = q1 + 2
    G.add(r, 0, [[t("stage_summary", lang)]], "subtitle")
    G.add(r + 1, 0, [["PDCA", t("stage", lang), t("weighted_gap", lang), t("share", lang)]], "header")
    p0 = r + 2
    prows = []
    for k, stg in enumerate(PDCA_STAGES):
        prows.append([
            stg, PDCA_LABELS[stg][0 if lang == "zh" else 1],
            f"=SUMIF({_local(g0, 3, g1, 3)},{a1(p0 + k, 1)},{_local(g0, 7, g1, 7)})",
            f"={a1(p0 + k, 2)}/SUM({_local(g0, 7, g1, 7)})",
        ])
    def _stage_cached():
        dc = _diag_cached()
        total = float(sum(r_[7] for r_ in dc))
        out = []
        for stg in PDCA_STAGES:
            v = float(sum(dc[k][7] for k, c in enumerate(codes) if system.indicator(c).pdca == stg))
            out.append([None, None, v, v / total])
        return out

    G.add(p0, 0, prows, "stagetable", cached=cv(_stage_cached)).col_styles = {3: "pct"}
    G.freeze = (2, 0)
    sheets.append(G)

    # ---------------- dashboard
    B = SheetPlan("dashboard", S["dashboard"], "output", widths={0: 26, 1: 16, 2: 4})
    B.add(0, 0, [[t("dashboard_title", lang)]], "title")
    B.add(2, 0, [[t("total", lang), "=BPM_TOTAL"], [t("total100", lang), "=BPM_SCORE100"],
                 [t("rating", lang), "=BPM_RATING"], [t("rating_label", lang), "=BPM_RATING_LABEL"],
                 [t("bands_used", lang), "=BPM_BANDS_NAME"]], "kpi",
          cached=cv(lambda: [[None, v[0]] for v in _tot_cached()[:5]]))
    B.button = (8, 0)
    B.charts.append(Chart("column", t("chart_dims", lang), "=BPM_DIM_LABELS", "=BPM_DIM_SCORE100", (1, 3)))
    B.charts.append(Chart("bar", t("chart_gaps", lang), "=BPM_RANKED_LABELS", "=BPM_RANKED_GAPS", (18, 3), (560, max(320, 22 * len(codes) + 80))))
    sheets.append(B)

    sheets.append(_sensitivity_sheet(S["sensitivity"], lang, sensitivity, system))

    # the dashboard and evaluation come first among outputs in the tab order users see
    order = ["guide", "dashboard", "evaluation", "weights", "diagnosis", "delphi_summary", "sensitivity",
             "settings", "indicators", "experts", "judgments", "delphi", "survey"]
    sheets.sort(key=lambda s: order.index(s.role))
    return WorkbookPlan(lang, sheets, dict(names))


def _sensitivity_sheet(name: str, lang: str, sens: Any, system: Any) -> SheetPlan:
    """Monte Carlo results as values (they cannot be formulas), refreshed by every rebuild."""
    sp = SheetPlan("sensitivity", name, "output", widths={0: 44, 1: 14, 2: 14, 3: 14, 4: 14, 5: 16})
    sp.add(0, 0, [[t("sens_title", lang)]], "title")
    if sens is None:
        sp.add(2, 0, [[t("sens_none", lang)]], "note")
        return sp
    sp.add(1, 0, [[t("sens_note", lang, draws=f"{sens.draws:,}", seed=sens.seed)]], "note")
    sp.add(3, 0, [[t("sens_analysis", lang), t("sens_mean", lang), t("sens_low", lang), t("sens_high", lang),
                   t("sens_stays", lang)]], "header")
    rows = []
    for key, part in (("sens_perturb", sens.judgments_perturb), ("sens_bootstrap", sens.judgments_bootstrap)):
        if part is None:
            continue
        label = t(key, lang, p=part.probability) if part.probability is not None else t(key, lang)
        rows.append([label, part.score100.mean, part.score100.low, part.score100.high, part.rating_stays])
    rs = sens.respondents
    if rs is not None:
        rows.append([t("sens_respondents", lang, draws=f"{rs.draws:,}"), rs.score100.mean, rs.score100.low,
                     rs.score100.high, rs.rating_stays])
    blk = sp.add(4, 0, rows, "output")
    blk.col_styles = {0: "text", 4: "pct"}
    r = 4 + len(rows) + 1
    sp.add(r, 0, [[t("sens_thresholds", lang)]], "subtitle")
    sp.add(r + 1, 0, [[t("dimension", lang), t("weight", lang), t("sens_increase", lang), t("sens_grade_after", lang),
                       t("sens_decrease", lang), t("sens_grade_after", lang)]], "header")
    trows = []
    for d in sens.weights:
        inc, dec = d.increase, d.decrease
        trows.append([f"{d.dimension} {system.label(d.dimension, lang)}", d.weight,
                      inc.weight if inc.weight is not None else t("sens_never", lang), inc.grade_after or "",
                      dec.weight if dec.weight is not None else t("sens_never", lang), dec.grade_after or ""])
    sp.add(r + 2, 0, trows, "output").col_styles = {0: "text"}
    r = r + 2 + len(trows) + 1
    part = sens.judgments_perturb
    if part is not None:
        sp.add(r, 0, [[t("sens_weights", lang)]], "subtitle")
        sp.add(r + 1, 0, [[t("indicator", lang), t("global_weight", lang), t("sens_mean", lang), t("sens_low", lang),
                           t("sens_high", lang)]], "header")
        wrows = [[f"{c} {system.label(c, lang)}", float(part.base_weights[k]), float(part.weight_mean[k]),
                  float(part.weight_low[k]), float(part.weight_high[k])] for k, c in enumerate(part.leaves)]
        sp.add(r + 2, 0, wrows, "output").col_styles = {0: "text"}
    return sp


def _num(v: Any) -> float | None:
    try:
        return None if v is None or isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        return None


def _ratio(num: Any, den: Any) -> Any:
    a, b = _num(num), _num(den)
    return a / b if a is not None and b else None


def _judgment_value(vals: dict, ri: str, cj: str, upper: bool = True) -> Any:
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


def data_from_inputs(inputs, bands_name: str | None = None) -> WorkbookData:
    """WorkbookData from core EvaluationInputs (the example, or a parsed workbook)."""
    s = inputs.settings
    system = inputs.system
    judg: dict[str, dict[str, dict[tuple[str, str], Any]]] = {}
    for node, by_expert in inputs.judgments.items():
        children = list(system.children(node)) if node in system.nodes() else []
        judg[node] = {}
        for ecode, grid in by_expert.items():
            cells: dict[tuple[str, str], Any] = {}
            g = grid.tolist() if isinstance(grid, np.ndarray) else grid
            for i, row in enumerate(g):
                for j, v in enumerate(row):
                    if i < len(children) and j < len(children) and i != j and v is not None and v != "":
                        if isinstance(v, str):
                            v = _number_or_text(v)
                        cells[(children[i], children[j])] = v
            judg[node][ecode] = cells
    delphi = []
    for frame in inputs.delphi_rounds:
        rd = {}
        for ecode, row in frame.iterrows():
            rd[str(ecode)] = {c: _clean(v) for c, v in row.items()}
        delphi.append(rd)
    survey = [{c: _clean(v) for c, v in row.items()} for _, row in inputs.survey.iterrows()]
    ids = [i + 1 for i in range(len(survey))]
    sent = list(getattr(inputs, "delphi_sent", ()) or [])
    ret = list(getattr(inputs, "delphi_returned", ()) or [])
    return WorkbookData(
        settings={
            "method": s.method, "random_index": s.random_index, "aggregation": s.aggregation,
            "expert_weighting": s.expert_weighting, "scale_min": s.scale_min, "scale_max": s.scale_max,
            "cr_threshold": s.cr_threshold, "min_mean": s.min_mean, "max_cv": s.max_cv,
        },
        bands=[(b.grade, b.lower, b.label_zh, b.label_en) for b in s.bands.bands],
        bands_name=bands_name or s.bands.name,
        system_rows=system.to_frame().to_dict("records"),
        experts=[{"code": e.code, "name": e.name, "ca": e.ca, "cs": e.cs} for e in inputs.experts],
        judgments=judg,
        delphi=delphi,
        delphi_sent=sent,
        delphi_returned=ret,
        survey_ids=ids,
        survey=survey,
        title=inputs.title,
    )


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _number_or_text(v: str) -> Any:
    """'3' -> 3, '1/3' -> 1/3 as a number (the cell is fraction-formatted), else the text."""
    s = v.strip()
    try:
        if "/" in s:
            a, b = s.split("/", 1)
            return float(a) / float(b)
        f = float(s)
        return int(f) if f.is_integer() else f
    except (ValueError, ZeroDivisionError):
        return v

