"""Read the input sheets of a bpm-xl workbook into :class:`WorkbookData`, by code.

The reader works on plain grids (``sheet name -> 2D list of cell values``) and the defined
names, so the same code reads a file (openpyxl / calamine) and a live workbook (xlwings).
Sections are found through their defined names (``BPM_J_0`` ...), and every value is keyed
by indicator, expert and respondent codes, so a rebuild after a change of the indicator list
puts each value back where its codes are.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence  # noqa: F401

import pandas as pd

from ..errors import BpmError, SettingsError, WorkbookError
from ..layout.inputs import META_KEYS, SETTING_KEYS, SURVEY_KEYS
from ..layout.types import WorkbookData, a1

__all__ = ["Grids", "parse_names", "read_data", "to_inputs"]

_REF = re.compile(r"^=?'?(?P<sheet>.+?)'?!\$?(?P<c0>[A-Z]+)\$?(?P<r0>\d+)(?::\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+))?$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def parse_ref(refers_to: str) -> tuple[str, int, int, int, int] | None:
    m = _REF.match(refers_to.strip())
    if not m:
        return None
    sheet = m.group("sheet").replace("''", "'")
    r0, c0 = int(m.group("r0")) - 1, _col_index(m.group("c0"))
    r1 = int(m.group("r1")) - 1 if m.group("r1") else r0
    c1 = _col_index(m.group("c1")) if m.group("c1") else c0
    return sheet, r0, c0, r1, c1


def parse_names(names: Mapping[str, str]) -> dict[str, tuple[str, int, int, int, int]]:
    out = {}
    for k, v in names.items():
        p = parse_ref(v)
        if p is not None:
            out[k.upper()] = p
    return out


@dataclass
class Grids:
    """Cell values by sheet name; rows may be ragged; missing cells read as None."""

    sheets: dict[str, list[list[Any]]]
    names: dict[str, tuple[str, int, int, int, int]]
    source: str = "workbook"

    def cell(self, sheet: str, r: int, c: int) -> Any:
        rows = self.sheets.get(sheet)
        if rows is None or r >= len(rows) or r < 0:
            return None
        row = rows[r]
        if c >= len(row) or c < 0:
            return None
        v = row[c]
        if isinstance(v, str) and v.strip() == "":
            return None
        return v

    def nrows(self, sheet: str) -> int:
        return len(self.sheets.get(sheet, []))

    def name(self, key: str, required: bool = True) -> tuple[str, int, int, int, int] | None:
        v = self.names.get(key)
        if v is None and required:
            raise WorkbookError(
                f"{self.source}: the defined name {key} is missing; this is not a bpm-xl workbook "
                f"or it was damaged (create one with 'bpm-xl new')"
            )
        if v is not None and v[0] not in self.sheets:
            raise WorkbookError(f"{self.source}: the sheet {v[0]!r} ({key}) is missing")
        return v


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer():
            return str(int(v))
    return str(v).strip()


def read_data(g: Grids) -> WorkbookData:
    """Everything the input sheets hold."""
    # settings
    settings: dict[str, Any] = {}
    for key, nm, _ in SETTING_KEYS:
        sh, r, c, _, _ = g.name(nm)
        settings[key] = g.cell(sh, r, c)
    bsh, br0, bc0, br1, _ = g.name("BPM_BANDS")
    bands = []
    r = br0
    while True:
        grade = g.cell(bsh, r, bc0)
        if grade is None:
            break
        bands.append((_text(grade), g.cell(bsh, r, bc0 + 1), _text(g.cell(bsh, r, bc0 + 2)), _text(g.cell(bsh, r, bc0 + 3))))
        r += 1
    nsh, nr, nc, _, _ = g.name("BPM_BANDS_NAME")
    bands_name = _text(g.cell(nsh, nr, nc)) or "custom"

    settings.update(read_survey_settings(g))

    # indicators: header row of BPM_INDICATORS, then every row below with a code
    ish, ir0, ic0, _, _ = g.name("BPM_INDICATORS")
    keys = ("dimension", "dimension_zh", "dimension_en", "code", "name_zh", "name_en", "pdca")
    system_rows = []
    for r in range(ir0 + 1, g.nrows(ish)):
        vals = [g.cell(ish, r, ic0 + j) for j in range(7)]
        if all(v is None for v in vals):
            continue
        row = {k: _text(v) for k, v in zip(keys, vals)}
        row["pdca"] = _stage(row["pdca"])
        system_rows.append(row)

    esh, er0, ec0, _, _ = g.name("BPM_EXPERTS")
    experts = []
    for r in range(er0 + 1, g.nrows(esh)):
        code = _text(g.cell(esh, r, ec0))
        if not code:
            continue
        experts.append({"code": code, "name": _text(g.cell(esh, r, ec0 + 1)),
                        "ca": g.cell(esh, r, ec0 + 2), "cs": g.cell(esh, r, ec0 + 3), "row": r})

    # judgments
    where: dict[str, Any] = {"judgments": {}, "delphi": []}
    judgments: dict[str, dict[str, dict[tuple[str, str], Any]]] = {}
    k = 0
    while (ref := g.name(f"BPM_J_{k}", required=(k == 0))) is not None:
        sh, r0, c0, r1, c1 = ref
        node = _text(g.cell(sh, r0 - 2, c0 - 2))
        n = c1 - c0 + 1
        children = [_text(g.cell(sh, r0 - 1, c0 + j)) for j in range(n)]
        per: dict[str, dict[tuple[str, str], Any]] = {}
        tops: dict[str, int] = {}
        for b in range((r1 - r0 + 1) // n):
            top = r0 + b * n
            ecode = _text(g.cell(sh, top, c0 - 2))
            if not ecode:
                continue
            tops[ecode] = top
            cells: dict[tuple[str, str], Any] = {}
            for i in range(n):
                rcode = _text(g.cell(sh, top + i, c0 - 1)) or children[i]
                for j in range(n):
                    v = g.cell(sh, top + i, c0 + j)
                    if v is not None:
                        cells[(rcode, children[j])] = v
            per[ecode] = cells
        judgments[node] = per
        where["judgments"][node] = (sh, tops, {c: i for i, c in enumerate(children)}, {c: c0 + j for j, c in enumerate(children)})
        k += 1

    # delphi
    delphi: list[dict[str, dict[str, Any]]] = []
    k = 1
    while (ref := g.name(f"BPM_DELPHI_{k}", required=False)) is not None:
        sh, r0, c0, r1, c1 = ref
        codes = [_text(g.cell(sh, r0 - 1, c)) for c in range(c0, c1 + 1)]
        rd: dict[str, dict[str, Any]] = {}
        rows_at: dict[str, int] = {}
        r = r0
        while r <= r1 or _text(g.cell(sh, r, c0 - 1)):
            e = _text(g.cell(sh, r, c0 - 1))
            if e:
                rd[e] = {code: g.cell(sh, r, c0 + j) for j, code in enumerate(codes) if code}
                rows_at[e] = r
            r += 1
            if r > r1 + 10000:
                break
        delphi.append(rd)
        where["delphi"].append((sh, rows_at, {c: c0 + j for j, c in enumerate(codes) if c}))
        k += 1
    sent, returned = [], []
    if (ref := g.name("BPM_DELPHI_SENT", required=False)) is not None:
        sh, r0, c0, r1, _ = ref
        sent = [g.cell(sh, r, c0) for r in range(r0, r1 + 1)]
    if (ref := g.name("BPM_DELPHI_RETURNED", required=False)) is not None:
        sh, r0, c0, r1, _ = ref
        returned = [g.cell(sh, r, c0) for r in range(r0, r1 + 1)]

    # survey: every row below the header with an answer or an id
    sh, r0, c0, r1, c1 = g.name("BPM_SURVEY")
    scodes = [_text(g.cell(sh, r0 - 1, c)) for c in range(c0, c1 + 1)]
    # answers typed in new columns to the right of the named range are not indicators yet
    survey_ids, survey, survey_rows = [], [], []
    for r in range(r0, g.nrows(sh)):
        ans = {code: g.cell(sh, r, c0 + j) for j, code in enumerate(scodes) if code}
        rid = g.cell(sh, r, c0 - 1)
        if rid is None and all(v is None for v in ans.values()):
            continue
        survey_ids.append(rid)
        survey.append(ans)
        survey_rows.append(r)
    where["survey"] = (sh, survey_rows, {c: c0 + j for j, c in enumerate(scodes) if c})
    where["source"] = g.source
    return WorkbookData(
        settings=settings, bands=bands, bands_name=bands_name, system_rows=system_rows,
        experts=experts, judgments=judgments, delphi=delphi, delphi_sent=sent,
        delphi_returned=returned, survey_ids=survey_ids, survey=survey, where=where,
        meta=read_meta(g), rectification=read_rectification(g), example=_is_example(g),
    )


def _stage(v: str) -> str:
    """计划/执行/检查/处理 (or Plan ...) as the model's stage code; other text unchanged."""
    from ..model import PDCA_LABELS

    low = v.strip().lower()
    for code, (zh, en) in PDCA_LABELS.items():
        if low in (code, zh, en.lower()):
            return code
    return v


def read_survey_settings(g: Grids) -> dict[str, Any]:
    """survey_min_seconds / survey_screen when the file has them and they are not blank
    (older files lack them; a blank cell means the default)."""
    out = {}
    for key, nm, _ in SURVEY_KEYS:
        if (ref := g.name(nm, required=False)) is not None and g.cell(ref[0], ref[1], ref[2]) is not None:
            out[key] = g.cell(ref[0], ref[1], ref[2])
    return out


def read_meta(g: Grids) -> dict[str, Any]:
    """unit / year / evaluator from BPM_UNIT, BPM_YEAR, BPM_EVALUATOR (absent: empty)."""
    out: dict[str, Any] = {}
    for key, nm in META_KEYS:
        if (ref := g.name(nm, required=False)) is not None:
            v = g.cell(ref[0], ref[1], ref[2])
            if v is not None:
                out[key] = int(v) if isinstance(v, float) and v.is_integer() else v
    return out


_RECT_FIELDS = ("problem", "stage", "indicator", "responsible", "deadline", "measure", "status")


def read_rectification(g: Grids) -> list[dict[str, Any]]:
    """The 整改清单 rows (BPM_RECTIFY: 问题 ... 状态), blank rows skipped, values as typed
    (a deadline typed as a date stays a date); rows typed below the named range count too."""
    ref = g.name("BPM_RECTIFY", required=False)
    if ref is None:
        return []
    sh, r0, c0, _, _ = ref
    rows = []
    for r in range(r0, g.nrows(sh)):
        vals = [g.cell(sh, r, c0 + j) for j in range(len(_RECT_FIELDS))]
        if all(v is None for v in vals):
            continue
        row = {k: (v.date().isoformat() if isinstance(v, _dt.datetime) else v.isoformat() if isinstance(v, _dt.date)
                   else v) for k, v in zip(_RECT_FIELDS, vals)}
        if isinstance(row["stage"], str):
            row["stage"] = _stage(row["stage"])
        rows.append(row)
    return rows


def _is_example(g: Grids) -> bool:
    ref = g.name("BPM_DATA", required=False)
    if ref is None:
        return False
    return _text(g.cell(ref[0], ref[1], ref[2])).lower() in ("示例数据", "example data")


def _number(v: Any, what: str) -> float:
    try:
        if isinstance(v, bool):
            raise ValueError
        return float(v)
    except (TypeError, ValueError):
        raise SettingsError(f"{what} is {v!r}; it must be a number") from None


def to_inputs(data: WorkbookData, source: str = "workbook"):
    """Core :class:`~bpm_xl.evaluation.EvaluationInputs` from what the sheets hold."""
    from ..evaluation import EvaluationInputs, Expert, Settings
    from ..model import IndicatorSystem
    from ..scoring import RatingBands, Band

    s = data.settings
    kw = {}
    for key, _, _ in SETTING_KEYS:
        v = s.get(key)
        what = f"{source}: setting {key}"
        if v is None:
            raise SettingsError(f"{what} is blank; fill it in on the settings sheet")
        if key in ("method", "random_index", "aggregation", "expert_weighting"):
            kw[key] = _text(v).lower()
        else:
            kw[key] = _number(v, what)
    try:
        bands = RatingBands(data.bands_name, tuple(
            Band(grade=_text(gr), lower=_number(lo, f"{source}: rating band {gr} lower bound"),
                 label_zh=zh or _text(gr), label_en=en or _text(gr))
            for gr, lo, zh, en in data.bands))
    except BpmError as exc:
        raise SettingsError(f"{source}: rating bands: {exc}") from None
    settings = Settings(bands=bands, **kw)
    system = IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                        name=f"{source}: indicator sheet")
    experts = tuple(
        Expert(e["code"], e.get("name") or e["code"],
               _number(e.get("ca"), f"{source}: expert {e['code']} Ca"),
               _number(e.get("cs"), f"{source}: expert {e['code']} Cs"))
        for e in data.experts
    )
    judgments: dict[str, dict[str, list[list[Any]]]] = {}
    for node in system.nodes():
        children = list(system.children(node))
        per = data.judgments.get(node, {})
        judgments[node] = {}
        for e in experts:
            cells = per.get(e.code)
            if cells is None:
                continue
            # the diagonal is 1 unless the user typed something else there (then it is checked)
            grid = [[cells.get((ri, cj), 1) if i == j else cells.get((ri, cj)) for j, cj in enumerate(children)]
                    for i, ri in enumerate(children)]
            judgments[node][e.code] = grid
    codes = list(system.codes)
    rounds = []
    for rd in data.delphi:
        if not rd:
            continue
        rounds.append(pd.DataFrame([[rd[e].get(c) for c in codes] for e in rd], columns=codes, index=list(rd), dtype=object))
    survey = pd.DataFrame([[row.get(c) for c in codes] for row in data.survey], columns=codes, dtype=object)
    inputs = EvaluationInputs(
        system=system, settings=settings, experts=experts, judgments=judgments,
        delphi_rounds=tuple(rounds), survey=survey, title=data.title,
        delphi_sent=tuple(data.delphi_sent), delphi_returned=tuple(data.delphi_returned),
    )
    return inputs



_SURVEY = re.compile(r"^survey: respondent (\d+) \(row \d+\), indicator (\d+) \(column \d+\)(?P<rest>.*)$", re.S)
_DELPHI = re.compile(r"^Delphi round (\d+): (?:expert|rater) (\d+) \(row \d+\), (?:indicator|object) (\d+) \(column \d+\)(?P<rest>.*)$", re.S)
_JUDG = re.compile(r"^judgments (?:goal|dimension (?P<dim>\S+)), expert (?P<e>[^:]+): row (\d+), column (\d+)(?P<rest>.*)$", re.S)


def locate(message: str, data: WorkbookData, codes: Sequence[str], children: Mapping[str, Sequence[str]]) -> str:
    """Say on which sheet and in which cell a core message's row and column lie.

    ``codes`` are the indicator codes in evaluation order; ``children[node]`` the codes a
    node compares, in evaluation order. Messages the reader cannot place are returned as is.
    """
    w = data.where or {}
    src = w.get("source", "workbook")
    try:
        m = _SURVEY.match(message)
        if m and "survey" in w:
            sh, rows, cols = w["survey"]
            k, j = int(m.group(1)), int(m.group(2))
            code = codes[j - 1]
            cell = a1(rows[k - 1], cols[code], absolute=False)
            return f"{src}: sheet {sh}, cell {cell} (respondent {k}, indicator {code}){m.group('rest')}"
        m = _DELPHI.match(message)
        if m and w.get("delphi"):
            rnd, k, j = int(m.group(1)), int(m.group(2)), int(m.group(3))
            sh, rows_at, cols = w["delphi"][rnd - 1]
            expert = list(data.delphi[rnd - 1])[k - 1]
            code = [c for c in codes if c in cols][j - 1]
            cell = a1(rows_at[expert], cols[code], absolute=False)
            return f"{src}: sheet {sh}, cell {cell} (Delphi round {rnd}, expert {expert}, indicator {code}){m.group('rest')}"
        m = _JUDG.match(message)
        if m:
            node = m.group("dim") or "GOAL"
            sh, tops, row_of, col_of = w["judgments"][node]
            expert = m.group("e").strip()
            i, j = int(m.group(3)), int(m.group(4))
            ci, cj = children[node][i - 1], children[node][j - 1]
            cell = a1(tops[expert] + row_of[ci], col_of[cj], absolute=False)
            return f"{src}: sheet {sh}, cell {cell} (expert {expert}, {ci} vs {cj}){m.group('rest')}"
    except (KeyError, IndexError, ValueError):
        return message
    return message
