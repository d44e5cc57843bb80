"""Read a bpm-xl workbook: file checks, bounded loading, sheets -> :class:`WorkbookData` -> core inputs.

The reader works on plain grids (``sheet name -> 2D list of cell values``) and the defined
names, so the same code reads a file (calamine / openpyxl) and a live workbook (xlwings).
Sections are found through their defined names (``BPM_J_0`` ...), and every value is keyed
by indicator, expert and respondent codes, so a rebuild after a change of the indicator list
puts each value back where its codes are.

Where each value came from is kept (``data.where``, an
:class:`~bpm_xl.layout.types.InputPlaces`); :func:`inputs_and_places` turns it into
:class:`Places`, which place a core error (its ``argument``, ``row``, ``column`` fields) in
its file, sheet and cell. No message is parsed.

Files from outside are checked before anything is loaded: foreign formats (.xls, .csv, .ods,
renamed files) get a message saying what to do; zip members over 200 MiB or inflating more
than 200:1 are refused; every sheet's XML is streamed once to find values far right of the
columns the defined names cover (never read) or far below the sheet's rows (refused with the
cell), so memory stays a small multiple of the file's real data. Lock files do not block
reading (a read is a snapshot); writers refuse a file open elsewhere.
"""

from __future__ import annotations

import datetime as _dt
import operator
import re
import zipfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, Sequence
from xml.etree import ElementTree

import pandas as pd

from .. import conversion
from ..errors import BpmError, SettingsError, WorkbookError
from ..layout.identity import LOG_SHEET, identity_from_constants, read_log, template_of
from ..layout.labels import INPUT_ROLES, OUTPUT_ROLES
from ..layout.inputs import (CAP_KEYS, DATA_KEYS, META_KEYS, REPORT_KEYS, SETTING_KEYS, STEP_COLUMNS, SURVEY_KEYS,
                             SYSTEM_KEYS)
from ..layout.types import (CellPlace, CodeRows, ColumnPlace, Formula, GridPlaces, InputPlaces, JudgmentPlaces,
                            SheetRows, SurveyPlaces, SurveyTable, TakenCell, WorkbookData, col_index, a1, parse_ref)

if TYPE_CHECKING:
    from ..leaves import Cap, DataEntry, DirectScore

__all__ = ["Grids", "ArgumentPlace", "Places", "check_file", "parse_constants", "parse_names", "parse_ref", "read_data", "to_inputs",
           "inputs_and_places", "load_grids", "read_workbook", "read_inputs", "lang_of", "system_of", "shared_strings",
           "read_sheets", "Uncomputed", "MAX_SHEET_COLUMNS", "BLANK", "INVALID", "InputTables", "input_tables",
           "settings_checked", "experts_checked", "caps_checked", "scored_inputs", "ScoredInputs",
           "check_layout_room"]

def parse_constants(names: Mapping[str, str]) -> dict[str, str]:
    """The defined names that hold a text constant (the hub's identity), upper-cased -> text."""
    from ..layout.identity import constant_text

    out = {}
    for k, v in names.items():
        text = constant_text(v)
        if text is not None:
            out[k.upper()] = text
    return out


def parse_names(names: Mapping[str, str]) -> dict[str, tuple[str, int, int, int, int]]:
    out = {}
    for k, v in names.items():
        p = parse_ref(v)
        if p is not None:
            out[k.upper()] = p
    return out


@dataclass(frozen=True)
class Grids:
    """Cell values by sheet name; rows may be ragged; missing cells read as None.

    ``blocks``: sheet -> (first row, first column, float array) of numbers read as one array
    (a large survey, see :mod:`bpm_xl.readers.sheetxml`); those cells are not in ``sheets``
    and :meth:`cell` reads them from the array (NaN as None).
    """

    sheets: dict[str, list[list[Any]]]
    names: dict[str, tuple[str, int, int, int, int]]
    source: str = "workbook"
    blocks: dict[str, tuple[int, int, Any]] = field(default_factory=dict)
    #: sheet -> :class:`~bpm_xl.readers.sheetxml.SheetFacts` of the sheets read as one array
    facts: dict[str, Any] = field(default_factory=dict)
    #: defined names holding a text constant (``="..."``), upper-cased name -> the text
    constants: dict[str, str] = field(default_factory=dict)
    #: sheet -> cells (row, column) holding a formula whose result the file does not store (a
    #: program that does not calculate saved it): read as values, such a cell is refused, never blank
    uncomputed: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)

    def cell(self, sheet: str, r: int, c: int) -> Any:
        if self.uncomputed:
            self.check_computed(sheet, r, r, (c,))
        if sheet in self.blocks:
            r0, c0, arr = self.blocks[sheet]
            if 0 <= r - r0 < arr.shape[0] and 0 <= c - c0 < arr.shape[1]:
                v = float(arr[r - r0, c - c0])
                return None if v != v else v
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

    def check_computed(self, sheet: str, r0: int, r1: int, cols: Sequence[int]) -> None:
        """Refuse the first cell of rows ``r0..r1`` in ``cols`` whose formula has no stored result:
        its value is unknown, and reading it as blank would change the evaluation without a word."""
        cells = self.uncomputed.get(sheet)
        if not cells:
            return
        hit = sorted((r, c) for r, c in cells if r0 <= r <= r1 and c in cols)
        if hit:
            r, c = hit[0]
            raise WorkbookError(uncomputed_rule(cells[(r, c)]), file=self.source, sheet=sheet,
                                cell=a1(r, c, absolute=False))

    def rows(self, sheet: str) -> list[list[Any]]:
        """The sheet's cells as one grid, the numbers of its block included (NaN as None):
        what ``sheets[sheet]`` alone held before blocks (for code that needs every cell)."""
        rows = [list(r) for r in self.sheets.get(sheet, [])]
        if sheet in self.blocks:
            r0, c0, arr = self.blocks[sheet]
            rows.extend([] for _ in range(r0 + arr.shape[0] - len(rows)))
            for i, vals in enumerate(arr.tolist()):
                row = rows[r0 + i]
                row.extend([None] * (c0 + len(vals) - len(row)))
                row[c0:c0 + len(vals)] = [None if v != v else v for v in vals]
        return rows

    def nrows(self, sheet: str) -> int:
        block = self.blocks.get(sheet)
        return max(len(self.sheets.get(sheet, [])), block[0] + block[2].shape[0] if block else 0)

    def name(self, key: str, required: bool = True) -> tuple[str, int, int, int, int] | None:
        v = self.names.get(key)
        if v is None and required:
            raise WorkbookError(
                f"the defined name {key} is missing; this is not a bpm-xl workbook "
                f"or it was damaged (create one with 'bpm-xl new')", file=self.source
            )
        if v is not None and v[0] not in self.sheets:
            raise WorkbookError(f"the sheet {v[0]!r} ({key}) is missing", file=self.source)
        return v


_text = conversion.text


def uncomputed_rule(formula: str, what: str = "the cell", document: str = "file", entry: str = "value") -> str:
    """The refusal of a cell holding a formula whose result the file does not store, and what to do."""
    return (f"{what} holds a formula ({formula}) whose result is not stored in the {document} (a program that does "
            f"not calculate saved it); open the {document} in Excel, WPS or LibreOffice and save it, or type the "
            f"{entry} instead of the formula")


def _settings(g: Grids) -> tuple[dict[str, Any], dict[str, CellPlace]]:
    settings: dict[str, Any] = {}
    places: dict[str, CellPlace] = {}
    for key, nm, _ in SETTING_KEYS:
        sh, r, c, _, _ = g.name(nm)
        settings[key] = g.cell(sh, r, c)
        places[key] = CellPlace(sh, r, c)
    return settings, places


def _bands(g: Grids) -> tuple[list[tuple[Any, ...]], str, CellPlace]:
    bsh, br0, bc0, _, _ = g.name("BPM_BANDS")
    bands = []
    r = br0
    while (grade := g.cell(bsh, r, bc0)) is not None:
        bands.append((_text(grade), g.cell(bsh, r, bc0 + 1), _text(g.cell(bsh, r, bc0 + 2)),
                      _text(g.cell(bsh, r, bc0 + 3))))
        r += 1
    nsh, nr, nc, _, _ = g.name("BPM_BANDS_NAME")
    return bands, _text(g.cell(nsh, nr, nc)) or "custom", CellPlace(bsh, br0, bc0)


def _system_rows(g: Grids) -> tuple[list[dict[str, Any]], SheetRows, tuple[TakenCell, ...]]:
    """Indicators: the header row of BPM_INDICATORS, then every row below with a value. The
    columns are :data:`~bpm_xl.layout.inputs.SYSTEM_KEYS` as far as the named range reaches (a
    file written before parent, type and points had columns has the first seven); points are
    kept as typed (a number), everything else as text. Also where they are, and what a user typed
    where a rebuild now lays out the columns such a file lacks."""
    ish, ir0, ic0, _, ic1 = g.name("BPM_INDICATORS")
    keys = SYSTEM_KEYS[:max(7, min(len(SYSTEM_KEYS), ic1 - ic0 + 1))]
    rows, at = [], []
    for r in range(ir0 + 1, g.nrows(ish)):
        vals = [g.cell(ish, r, ic0 + j) for j in range(len(keys))]
        if all(v is None for v in vals):
            continue
        row = {k: (_blank(v) if k == "points" else _text(v)) for k, v in zip(keys, vals)}
        row["pdca"] = _stage(row["pdca"])
        rows.append(row)
        at.append(r)
    taken: tuple[TakenCell, ...] = ()
    if len(keys) < len(SYSTEM_KEYS):   # columns a rebuild now lays out: what a user typed there
        taken = tuple(TakenCell(ish, r, c, v) for r in range(ir0, g.nrows(ish))
                      for c in range(ic0 + len(keys), ic0 + len(SYSTEM_KEYS))
                      if (v := g.cell(ish, r, c)) is not None)
    return rows, SheetRows(ish, tuple(at), ic0), taken


def check_layout_room(data: WorkbookData, source: str) -> None:
    """Refuse to rebuild a file from before the 指标体系 sheet had its parent, type and points
    columns when a user typed something where those columns now go (it would be overwritten):
    one located line saying to move it."""
    taken = data.where.indicators_taken
    if taken:
        first = taken[0]
        c0 = data.where.indicators.col if data.where.indicators is not None else 0
        last = a1(0, c0 + len(SYSTEM_KEYS) - 1, absolute=False)[:-1]
        raise WorkbookError(f"{conversion.show(first.value)} is typed where the indicator sheet now has its "
                            f"{SYSTEM_KEYS[first.col - c0]} column (parent code, type and points follow the PDCA "
                            f"stage); move it to the right of column {last} or delete it, then rebuild",
                            file=source, sheet=first.sheet, cell=a1(first.row, first.col, absolute=False))


def _data_rows(g: Grids) -> tuple[dict[str, dict[str, Any]], CodeRows | None]:
    """The 指标数据 rows by code (BPM_IND_DATA: DATA_KEYS, then the steps' bounds and fractions),
    as typed, and where they are; a file without the sheet has none."""
    ref = g.name("BPM_IND_DATA", required=False)
    if ref is None:
        return {}, None
    sh, r0, c0, _, _ = ref
    out: dict[str, dict[str, Any]] = {}
    at: dict[str, int] = {}
    n = len(DATA_KEYS)
    for r in range(r0, g.nrows(sh)):
        code = _text(g.cell(sh, r, c0))
        if not code or code in out:
            continue
        row = {k: _blank(g.cell(sh, r, c0 + j)) for j, k in enumerate(DATA_KEYS) if k not in ("code", "name")}
        row["bounds"] = [_blank(g.cell(sh, r, c0 + n + k)) for k in range(STEP_COLUMNS)]
        row["fractions"] = [_blank(g.cell(sh, r, c0 + n + STEP_COLUMNS + k)) for k in range(STEP_COLUMNS)]
        out[code] = row
        at[code] = r
    return out, CodeRows(sh, at, c0)


def _expert_scores(g: Grids) -> tuple[dict[str, dict[str, Any]], GridPlaces | None]:
    """The 专家评分 sheet: indicator code -> expert code -> score as typed (blank cells left out),
    and where they are."""
    ref = g.name("BPM_EXPERT_SCORES", required=False)
    if ref is None:
        return {}, None
    sh, r0, c0, _, c1 = ref
    means = g.name("BPM_EXPERT_SCORE_MEANS", required=False)
    end = means[1] if means is not None and means[0] == sh else g.nrows(sh)
    cols = {_text(g.cell(sh, r0 - 1, c)): c for c in range(c0, c1 + 1)}
    cols.pop("", None)
    out: dict[str, dict[str, Any]] = {code: {} for code in cols}
    rows: dict[str, int] = {}
    for r in range(r0, end):
        e = _text(g.cell(sh, r, c0 - 1))
        if not e:
            continue
        rows[e] = r
        for code, c in cols.items():
            v = g.cell(sh, r, c)
            if v is not None:
                out[code][e] = v
    return out, GridPlaces(sh, rows, cols)


def _caps(g: Grids) -> tuple[list[dict[str, Any]], SheetRows | None]:
    """The score caps on Settings (BPM_CAPS: CAP_KEYS), the rows of the named range with a value,
    in order, and where they are."""
    ref = g.name("BPM_CAPS", required=False)
    if ref is None:
        return [], None
    sh, r0, c0, r1, _ = ref
    out, at = [], []
    for r in range(r0, r1 + 1):
        vals = [_blank(g.cell(sh, r, c0 + j)) for j in range(len(CAP_KEYS))]
        if all(v is None for v in vals):
            continue
        out.append(dict(zip(CAP_KEYS, vals)))
        at.append(r)
    return out, SheetRows(sh, tuple(at), c0)


def _experts(g: Grids) -> tuple[list[dict[str, Any]], ColumnPlace]:
    esh, er0, ec0, _, _ = g.name("BPM_EXPERTS")
    experts = []
    for r in range(er0 + 1, g.nrows(esh)):
        code = _text(g.cell(esh, r, ec0))
        if code:
            experts.append({"code": code, "name": _text(g.cell(esh, r, ec0 + 1)),
                            "ca": g.cell(esh, r, ec0 + 2), "cs": g.cell(esh, r, ec0 + 3), "row": r})
    return experts, ColumnPlace(esh, ec0)


def _judgment_block(g: Grids, sh: str, top: int, c0: int, children: list[str]) -> dict[tuple[str, str], Any]:
    cells: dict[tuple[str, str], Any] = {}
    for i in range(len(children)):
        rcode = _text(g.cell(sh, top + i, c0 - 1)) or children[i]
        for j, cj in enumerate(children):
            v = g.cell(sh, top + i, c0 + j)
            if v is not None:
                cells[(rcode, cj)] = v
    return cells


def _judgments(g: Grids) -> tuple[dict[str, dict[str, dict[tuple[str, str], Any]]], dict[str, JudgmentPlaces]]:
    judgments: dict[str, dict[str, dict[tuple[str, str], Any]]] = {}
    places: dict[str, JudgmentPlaces] = {}
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
            if ecode:
                tops[ecode] = top
                per[ecode] = _judgment_block(g, sh, top, c0, children)
        judgments[node] = per
        places[node] = JudgmentPlaces(sh, tops, {c: i for i, c in enumerate(children)},
                                      {c: c0 + j for j, c in enumerate(children)})
        k += 1
    return judgments, places


def _delphi_round(g: Grids, ref: tuple[str, int, int, int, int]) -> tuple[dict[str, dict[str, Any]], GridPlaces]:
    sh, r0, c0, r1, c1 = ref
    codes = [_text(g.cell(sh, r0 - 1, c)) for c in range(c0, c1 + 1)]
    rd: dict[str, dict[str, Any]] = {}
    rows_at: dict[str, int] = {}
    last = min(max(r1, g.nrows(sh) - 1), r1 + 10000)
    for r in range(r0, last + 1):
        e = _text(g.cell(sh, r, c0 - 1))
        if e:
            rd[e] = {code: g.cell(sh, r, c0 + j) for j, code in enumerate(codes) if code}
            rows_at[e] = r
        elif r > r1:
            break
    return rd, GridPlaces(sh, rows_at, {c: c0 + j for j, c in enumerate(codes) if c})


def _delphi(g: Grids) -> tuple[list[dict[str, dict[str, Any]]], list[Any], list[Any], tuple[GridPlaces, ...]]:
    delphi: list[dict[str, dict[str, Any]]] = []
    places: list[GridPlaces] = []
    k = 1
    while (ref := g.name(f"BPM_DELPHI_{k}", required=False)) is not None:
        rd, at = _delphi_round(g, ref)
        delphi.append(rd)
        places.append(at)
        k += 1
    columns = []
    for nm in ("BPM_DELPHI_SENT", "BPM_DELPHI_RETURNED"):
        ref = g.name(nm, required=False)
        columns.append([] if ref is None else [g.cell(ref[0], r, ref[2]) for r in range(ref[1], ref[3] + 1)])
    return delphi, columns[0], columns[1], tuple(places)


def _survey(g: Grids) -> tuple[list[Any], SurveyTable, SurveyPlaces]:
    """Every row below the header with an answer or an id, and where they are; answers typed in
    columns to the right of the named range are not indicators yet."""
    sh, r0, c0, r1, c1 = g.name("BPM_SURVEY")
    scodes = [_text(g.cell(sh, r0 - 1, c)) for c in range(c0, c1 + 1)]
    cols = [(code, c0 + j) for j, code in enumerate(scodes) if code]
    if sh in g.blocks and g.blocks[sh][:2] == (r0, c0):
        return _survey_table(g, sh, cols)
    rows = g.sheets.get(sh, [])
    g.check_computed(sh, r0, len(rows), [c for _, c in cols] + ([c0 - 1] if c0 >= 1 else []))
    codes = [code for code, _ in cols]
    pick = [c0 - 1, *(c for _, c in cols)] if c0 >= 1 else [*(c for _, c in cols)]
    width = max(pick) + 1 if pick else 0
    getter = operator.itemgetter(*pick) if len(pick) > 1 else (lambda row: (row[pick[0]],))
    ids, survey, at = [], [], []
    for r in range(r0, len(rows)):
        row = rows[r]
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        vals = getter(row)  # C-level: 100,000 rows x 100 answers without a loop per cell
        if str in set(map(type, vals)):
            vals = tuple(map(_blank, vals))
        rid, ans = (vals[0], vals[1:]) if c0 >= 1 else (None, vals)
        if rid is None and ans.count(None) == len(ans):
            continue
        ids.append(rid)
        survey.append(dict(zip(codes, ans)))
        at.append(r)
    return ids, SurveyTable.of_rows(survey, codes), SurveyPlaces(sh, tuple(at), dict(cols))


def _survey_table(g: Grids, sh: str, cols: list[tuple[str, int]]
                  ) -> tuple[list[Any], SurveyTable, SurveyPlaces]:
    """:func:`_survey` of answers read as one array: the same rows (an id or an answer), as a
    :class:`SurveyTable` of numbers (numpy over the array, a Python step per respondent only for the id)."""
    import numpy as np

    r0, c0, arr = g.blocks[sh]
    rows = g.sheets.get(sh, [])
    n = max(arr.shape[0], len(rows) - r0)
    idc = c0 - 1
    rows = rows + [[]] * (r0 + n - len(rows))
    ids = [_blank(row[idc]) if len(row) > idc else None for row in rows[r0:r0 + n]] if idc >= 0 else [None] * n
    # a code typed twice keeps its last column, like the dict of the general reader
    last = {code: c - c0 for code, c in cols}
    picked = list(last.values())
    if n == arr.shape[0] and picked == list(range(arr.shape[1])):
        answers = arr  # the usual case: no copy of the array
    else:
        answers = np.full((n, len(picked)), np.nan)
        answers[: arr.shape[0]] = arr[:, picked]
    keep = ~np.isnan(answers).all(axis=1)
    if idc >= 0:
        keep |= np.fromiter((i is not None for i in ids), bool, count=n)
    at = (np.flatnonzero(keep) + r0).tolist()
    table = SurveyTable(list(last), answers if len(at) == n else answers[keep])
    return ids if len(at) == n else [ids[r - r0] for r in at], table, SurveyPlaces(sh, tuple(at), dict(cols))


def _blank(v: Any) -> Any:
    return None if isinstance(v, str) and not v.strip() else v


def _meta(g: Grids) -> dict[str, str]:
    """The Settings rows about the evaluation and its report (layout.inputs META_KEYS, REPORT_KEYS)."""
    out = {}
    for key, name, *_ in META_KEYS + REPORT_KEYS:
        ref = g.names.get(name)
        out[key] = _text(_rect_value(g.cell(ref[0], ref[1], ref[2]))) if ref and ref[0] in g.sheets else ""
    return out


def read_measures(g: Grids) -> dict[str, Any]:
    """The 整改措施库 rows (BPM_MEASURES: code, name, measure) by code, as typed; rows typed
    below the named range count too."""
    ref = g.name("BPM_MEASURES", required=False)
    if ref is None:
        return {}
    sh, r0, c0, _, _ = ref
    out: dict[str, Any] = {}
    for r in range(r0, g.nrows(sh)):
        code = _text(g.cell(sh, r, c0))
        if code:
            out[code] = _blank(g.cell(sh, r, c0 + 2))
    return out


def read_data(g: Grids) -> WorkbookData:
    """Everything the input sheets hold, and where each value came from (``data.where``)."""
    settings, setting_places = _settings(g)
    bands, bands_name, band_place = _bands(g)
    system_rows, indicator_places, taken = _system_rows(g)
    experts, expert_place = _experts(g)
    judgments, judgment_places = _judgments(g)
    delphi, sent, returned, delphi_places = _delphi(g)
    survey_ids, survey, survey_places = _survey(g)
    meta = _meta(g)
    settings.update(read_survey_settings(g))
    rectification, measures = read_rectification(g), read_measures(g)
    example, identity, collected, template = (_is_example(g), identity_from_constants(g.constants), _log(g),
                                              template_of(g.constants))
    (data_rows, data_places), (scores, score_places), (caps, cap_places) = _data_rows(g), _expert_scores(g), _caps(g)
    where = InputPlaces(settings=setting_places, bands=band_place, indicators=indicator_places,
                        indicators_taken=taken, experts=expert_place, judgments=judgment_places,
                        delphi=delphi_places, survey=survey_places, data=data_places, expert_scores=score_places,
                        caps=cap_places)
    return WorkbookData(
        settings=settings, bands=bands, bands_name=bands_name, system_rows=system_rows,
        experts=experts, judgments=judgments, delphi=delphi, delphi_sent=sent,
        delphi_returned=returned, survey_ids=survey_ids, survey=survey, where=where,
        meta={k: v for k, v in meta.items() if v}, rectification=rectification, measures=measures,
        example=example, identity=identity, collected=collected, template=template,
        data_rows=data_rows, expert_scores=scores, caps=caps,
    )


def _log(g: Grids) -> list[dict[str, Any]]:
    """The 收回记录 rows (either edition's sheet name)."""
    for nm in LOG_SHEET.values():
        if nm in g.sheets:
            return read_log(g.sheets[nm])
    return []


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


_RECT_FIELDS = ("problem", "stage", "indicator", "responsible", "deadline", "measure", "status", "id")


def _rect_value(v: Any) -> Any:
    if isinstance(v, _dt.datetime):
        return v.date().isoformat()
    return v.isoformat() if isinstance(v, _dt.date) else v


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
        if all(v is None for v in vals[:-1]):  # an ID alone is no item
            continue
        row = {k: _rect_value(v) for k, v in zip(_RECT_FIELDS, vals)}
        if isinstance(row["stage"], str):
            row["stage"] = _stage(row["stage"])
        rows.append(row)
    return rows


def _is_example(g: Grids) -> bool:
    ref = g.name("BPM_DATA", required=False)
    if ref is None:
        return False
    return _text(g.cell(ref[0], ref[1], ref[2])).lower() in ("示例数据", "example data")


# ---------------------------------------------------------------------------------------
# Sheets -> core inputs, with the place of every value
def _number(v: Any, what: str, place: CellPlace | None = None, source: str = "") -> float:
    x = conversion.number(v)
    if isinstance(x, conversion.Invalid) or x != x:
        shown = "blank" if v is None else conversion.show(x)
        err = SettingsError(f"{what} is {shown}; it must be a number")
        raise _at(err, source, place) from None
    return x


def _at(exc: BpmError, source: str, place: CellPlace | None) -> BpmError:
    if place is None:
        return exc.located(file=source)
    return exc.located(file=source, sheet=place.sheet, cell=a1(place.row, place.col, absolute=False))


#: ``cell_of(row, column)``: the A1 cell of a core error's 1-based row and column (``None`` when
#: the error names no cell), or ``None`` when that value is not on the sheet.
CellOf = Callable[[int | None, int | None], str | None]


@dataclass(frozen=True)
class ArgumentPlace:
    """Where a core argument's values were read: the sheet, and the cell of each (row, column)."""

    sheet: str
    cell_of: CellOf

    @classmethod
    def at(cls, sheet: str, cell: str) -> ArgumentPlace:
        """An argument read from one cell: every (row, column) names that cell."""
        return cls(sheet, lambda r, c: cell)


@dataclass(frozen=True)
class Places:
    """Which cell each core argument's (row, column) came from: ``argument -> ArgumentPlace``."""

    source: str
    by_argument: dict[str, ArgumentPlace]

    def locate(self, exc: BpmError) -> BpmError:
        """The error placed at its file, sheet and cell (as is when the reader cannot place it)."""
        if exc.sheet is not None:
            return exc
        hit = self.by_argument.get(exc.argument or "")
        if hit is None:
            return exc.located(file=self.source)
        try:
            cell = hit.cell_of(exc.row, exc.column)
        except (KeyError, IndexError, TypeError):
            cell = None
        return exc.located(file=self.source, sheet=hit.sheet, cell=cell)


#: What a problem found while reading the inputs is: a required input still blank, or a value
#: that breaks its rule.
BLANK, INVALID = "blank", "invalid"
_CHOICES = ("method", "random_index", "aggregation", "expert_weighting")


def settings_checked(data: WorkbookData, source: str) -> tuple[dict[str, Any], list[tuple[str, BpmError]]]:
    """The settings as typed, converted (a blank one left out; ``"bands"``: the rating bands),
    and every problem found, located: (:data:`BLANK` or :data:`INVALID`, error), in the order
    of the settings sheet, then the rules of :class:`~bpm_xl.evaluation.Settings`."""
    from ..evaluation import settings_errors
    from ..scoring import Band, RatingBands

    places = data.where.settings
    values: dict[str, Any] = {}
    problems: list[tuple[str, BpmError]] = []
    for key, _, _ in SETTING_KEYS:
        v = data.settings.get(key)
        if _blank(v) is None:
            problems.append((BLANK, _at(SettingsError(f"setting {key} is blank; fill it in on the settings sheet",
                                                      argument=key), source, places.get(key))))
            continue
        try:
            values[key] = _text(v).lower() if key in _CHOICES else _number(v, f"setting {key}", places.get(key), source)
        except BpmError as exc:
            problems.append((INVALID, exc))
    first = data.where.bands
    try:
        values["bands"] = RatingBands(data.bands_name, tuple(
            Band(grade=_text(gr), label_zh=zh or _text(gr), label_en=en or _text(gr),
                 lower=_number(lo, f"rating band {gr} lower bound",
                               None if first is None else CellPlace(first.sheet, first.row + k, first.col + 1), source))
            for k, (gr, lo, zh, en) in enumerate(data.bands)))
    except BpmError as exc:
        problems.append((INVALID, exc if exc.sheet is not None else _at(
            SettingsError(f"rating bands: {exc.message}"), source, first)))
    ruled = {k: values.get(k) for k in ("method", "random_index", "aggregation", "expert_weighting",
                                        "scale_min", "scale_max", "cr_threshold")}
    problems += [(INVALID, _at(exc, source, places.get(exc.argument or ""))) for exc in settings_errors(**ruled)]
    return values, problems


def _settings_of(data: WorkbookData, source: str):
    from ..evaluation import Settings

    values, problems = settings_checked(data, source)
    if problems:
        raise problems[0][1]
    return Settings(**values)


def system_of(data: WorkbookData, source: str):
    from ..errors import ModelError
    from ..model import IndicatorSystem

    try:
        return IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                          name="indicator sheet")
    except ModelError as exc:
        rows = data.where.indicators
        place = None
        if rows is not None and exc.row is not None and 0 < exc.row <= len(rows.rows):
            # the column the error names (to_frame's order, the sheet's), else the code
            place = CellPlace(rows.sheet, rows.rows[exc.row - 1], rows.col + (exc.column - 1 if exc.column else 3))
        raise _at(exc, source, place) if place else exc.located(
            file=source, sheet=None if rows is None else rows.sheet) from None


def experts_checked(data: WorkbookData, source: str
                    ) -> tuple[list[tuple[str, str, float, float]], list[tuple[str, BpmError]]]:
    """Each expert's (code, name, Ca, Cs), NaN for a blank or refused coefficient, and every
    problem found, located: (:data:`BLANK` or :data:`INVALID`, error), expert by expert."""
    table = data.where.experts
    out: list[tuple[str, str, float, float]] = []
    problems: list[tuple[str, BpmError]] = []
    for e in data.experts:
        ca_cs = []
        for key, k in (("ca", 2), ("cs", 3)):
            v = e.get(key)
            try:
                ca_cs.append(_number(v, f"expert {e['code']} {key.capitalize()}",
                                     None if table is None or "row" not in e
                                     else CellPlace(table.sheet, e["row"], table.col + k), source))
            except BpmError as exc:
                problems.append((BLANK if _blank(v) is None else INVALID, exc))
                ca_cs.append(float("nan"))
        out.append((e["code"], e.get("name") or e["code"], ca_cs[0], ca_cs[1]))
    return out, problems


def _experts_of(data: WorkbookData, source: str):
    from ..evaluation import Expert

    experts, problems = experts_checked(data, source)
    if problems:
        raise problems[0][1]
    return tuple(Expert(*e) for e in experts)


def _cell_fn(rows: Sequence[int], cols: Sequence[int]) -> CellOf:
    def cell_of(r: int | None, c: int | None) -> str | None:
        if r is None or c is None or rows[r - 1] < 0 or cols[c - 1] < 0:
            return None  # not on the sheet (e.g. added by an update before a rebuild)
        return a1(rows[r - 1], cols[c - 1], absolute=False)
    return cell_of


def _judgments_of(data: WorkbookData, system, experts: Sequence[str], by_arg: dict[str, ArgumentPlace]):
    from ..evaluation import judgment_argument

    where = data.where.judgments
    judgments: dict[str, dict[str, list[list[Any]]]] = {}
    for node in system.nodes():
        children = list(system.children(node))
        per = data.judgments.get(node, {})
        judgments[node] = {}
        at = where.get(node)
        for code in experts:
            cells = per.get(code)
            if cells is None:
                continue
            # the diagonal is 1 unless the user typed something else there (then it is checked)
            judgments[node][code] = [[cells.get((ri, cj), 1) if i == j else cells.get((ri, cj))
                                      for j, cj in enumerate(children)] for i, ri in enumerate(children)]
            if at is not None and code in at.tops and all(c in at.index and c in at.cols for c in children):
                by_arg[judgment_argument(node, code)] = ArgumentPlace(at.sheet, _cell_fn(
                    [at.tops[code] + at.index[c] for c in children], [at.cols[c] for c in children]))
    return judgments


def _rounds_of(data: WorkbookData, codes: list[str], by_arg: dict[str, ArgumentPlace]) -> tuple[pd.DataFrame, ...]:
    from ..evaluation import delphi_argument

    rounds = []
    where = data.where.delphi
    for k, rd in enumerate(data.delphi):
        # a round whose block holds no rating at all has not been held yet (round 2 before its forms
        # come back): it is left out, not refused as "an indicator with no ratings"
        if all(_blank(v) is None for per in rd.values() for v in per.values()):
            continue
        rounds.append(pd.DataFrame([[rd[e].get(c) for c in codes] for e in rd], columns=codes, index=list(rd),
                                   dtype=object))
        if k < len(where):
            block = where[k]
            used = [c for c in codes if c in block.cols]
            by_arg[delphi_argument(len(rounds))] = ArgumentPlace(block.sheet, _cell_fn(
                [block.rows.get(e, -1) for e in rd], [block.cols.get(c, -1) for c in used]))
    return tuple(rounds)


def _survey_of(data: WorkbookData, codes: list[str], by_arg: dict[str, ArgumentPlace]) -> pd.DataFrame:
    from ..evaluation import SURVEY_ARGUMENT

    survey = data.survey.frame(codes)
    at = data.where.survey
    if at is not None:
        by_arg[SURVEY_ARGUMENT] = ArgumentPlace(at.sheet, _cell_fn(at.rows, [at.cols.get(c, -1) for c in codes]))
    return survey


@dataclass(frozen=True)
class InputTables:
    """The judgments, Delphi rounds and survey in the core's shapes, as typed (not converted
    or checked), and the :class:`Places` of every core argument."""

    judgments: dict[str, dict[str, list[list[Any]]]]
    delphi_rounds: tuple[pd.DataFrame, ...]
    survey: pd.DataFrame
    places: Places


def input_tables(data: WorkbookData, system, source: str = "workbook") -> InputTables:
    """:class:`InputTables` of what the sheets hold (``system``: :func:`system_of`): a
    judgment matrix for each expert on the panel (by code) who has a block."""
    by_arg: dict[str, ArgumentPlace] = {}
    codes = list(system.codes)
    judgments = _judgments_of(data, system, [e["code"] for e in data.experts], by_arg)
    rounds = _rounds_of(data, codes, by_arg)
    survey = _survey_of(data, [i.code for i in system.ordered_indicators() if i.kind == "survey"], by_arg)
    table = data.where.experts
    if table is not None:
        rows, ec0 = [e.get("row", 0) for e in data.experts], table.col
        by_arg["ca"] = ArgumentPlace(table.sheet, lambda r, c: a1(rows[r - 1], ec0 + 2, absolute=False) if r else None)
        by_arg["cs"] = ArgumentPlace(table.sheet, lambda r, c: a1(rows[r - 1], ec0 + 3, absolute=False) if r else None)
    return InputTables(judgments, rounds, survey, Places(source, by_arg))


def caps_checked(data: WorkbookData, source: str
                 ) -> tuple[list[Cap], list[tuple[str, BpmError]], dict[str, ArgumentPlace]]:
    """The score caps typed on Settings as :class:`~bpm_xl.leaves.Cap`, the problems of reading
    them (a bound or highest score that is not a number, a highest score left blank), located,
    and the places of their core arguments (:func:`~bpm_xl.leaves.cap_argument`: the row's code
    cell). The core's own rules on caps (:func:`~bpm_xl.leaves.check_caps`) run in evaluate."""
    from ..leaves import Cap, cap_argument

    where = data.where.caps
    caps: list[Cap] = []
    problems: list[tuple[str, BpmError]] = []
    by_arg: dict[str, ArgumentPlace] = {}
    for k, row in enumerate(data.caps):
        at = where if where is not None and k < len(where.rows) else None

        def place(j: int, at: Any = at, k: int = k) -> CellPlace | None:
            return None if at is None else CellPlace(at.sheet, at.rows[k], at.col + j)

        name = cap_argument(k + 1)
        if at is not None:
            by_arg[name] = ArgumentPlace.at(at.sheet, a1(at.rows[k], at.col, absolute=False))
        try:
            bounds = [None if _blank(row.get(key)) is None else _number(row.get(key), f"{name} {key} bound",
                                                                         place(j), source)
                      for j, key in ((1, "low"), (2, "high"))]
        except BpmError as exc:
            problems.append((INVALID, exc))
            continue
        try:
            top = _number(row.get("max_score100"), f"{name} highest score", place(3), source)
        except BpmError as exc:
            problems.append((BLANK if _blank(row.get("max_score100")) is None else INVALID, exc))
            continue
        caps.append(Cap(_text(row.get("indicator")), bounds[0], bounds[1], top, _text(row.get("label"))))
    return caps, problems, by_arg


@dataclass(frozen=True)
class ScoredInputs:
    """The inputs of the indicators not scored by the survey, in the core's shapes: data entries
    (value and validated 评分标准), direct scores, the panel's scores; the problems of their
    scoring standards found while reading (located; :data:`BLANK` for a blank method or
    parameter, :data:`INVALID` otherwise), and the places of their core arguments."""

    data: dict[str, DataEntry]
    direct: dict[str, DirectScore]
    expert_scores: dict[str, dict[str, Any]]     # indicator -> expert -> the score as typed
    problems: list[tuple[str, BpmError]]
    by_argument: dict[str, ArgumentPlace]


def _rule_place(exc: BpmError, steps: bool, c0: int) -> int:
    """The column (0-based, within the sheet) of the standard's cell a data_rule error names."""
    n = len(DATA_KEYS)
    if exc.argument == "p1":
        return c0 + n + (exc.column or 1) - 1 if steps else c0 + 6
    if exc.argument == "p2":
        return c0 + n + STEP_COLUMNS + (exc.column or 1) - 1 if steps else c0 + 7
    return c0 + {"method": 4, "direction": 5}.get(exc.argument or "", 4)


def _data_place(table: CodeRows | None, code: str) -> CellPlace | None:
    """The first cell of indicator ``code``'s 指标数据 row (None when not read from a sheet)."""
    at = table.rows.get(code) if table is not None else None
    return None if table is None or at is None else CellPlace(table.sheet, at, table.col)


def _data_entry(code: str, row: dict[str, Any], place: CellPlace | None, source: str
                ) -> tuple[DataEntry | None, tuple[str, BpmError] | None]:
    """A data indicator's :class:`~bpm_xl.leaves.DataEntry` from its 指标数据 row (None while
    nothing is typed yet), or the located problem of its scoring standard."""
    from .. import datascore
    from ..errors import MissingValueError
    from ..leaves import DataEntry, data_argument

    bounds = [list(row.get("bounds") or [])]
    fracs = [list(row.get("fractions") or [])]
    standard = [row.get(k) for k in ("method", "direction", "p1", "p2")] + bounds[0] + fracs[0]
    if all(_blank(v) is None for v in [row.get("value"), *standard]):
        return None, None  # nothing typed yet: pending
    steps = conversion.text(row.get("method")).lower() in ("steps", *datascore.METHOD_LABELS["steps"])
    try:
        rule = datascore.data_rule(row.get("method"), bounds if steps else row.get("p1"),
                                   fracs if steps else row.get("p2"), row.get("direction"))
    except BpmError as exc:
        err = type(exc)(f"{data_argument(code)}: {exc.message}", argument=data_argument(code))
        at = None if place is None else CellPlace(place.sheet, place.row, _rule_place(exc, steps, place.col))
        return None, (BLANK if isinstance(exc, MissingValueError) else INVALID, _at(err, source, at))
    return DataEntry(row.get("value"), rule, _text(row.get("unit")), _text(row.get("source")),
                     _text(row.get("evidence"))), None


def _panel_scores(data: WorkbookData, system: Any, by_arg: dict[str, ArgumentPlace]) -> dict[str, dict[str, Any]]:
    """The 专家评分 scores of the expert-scored indicators (blank ones left out), each score's
    cell placed in ``by_arg``."""
    from ..leaves import expert_score_argument

    grid = data.where.expert_scores
    scores: dict[str, dict[str, Any]] = {}
    for ind in system.ordered_indicators():
        per = data.expert_scores.get(ind.code)
        if ind.kind != "expert" or not per:
            continue
        scores[ind.code] = {}
        for e, v in per.items():
            if _blank(v) is None:
                continue
            scores[ind.code][e] = v
            if grid is not None and e in grid.rows and ind.code in grid.cols:
                by_arg[expert_score_argument(ind.code, e)] = ArgumentPlace.at(
                    grid.sheet, a1(grid.rows[e], grid.cols[ind.code], absolute=False))
    return scores


def scored_inputs(data: WorkbookData, system, source: str = "workbook") -> ScoredInputs:
    """:class:`ScoredInputs` of what the 指标数据 and 专家评分 sheets hold for ``system``."""
    from ..leaves import DirectScore, data_argument, direct_argument

    entries: dict[str, DataEntry] = {}
    direct: dict[str, DirectScore] = {}
    problems: list[tuple[str, BpmError]] = []
    by_arg: dict[str, ArgumentPlace] = {}
    for ind in system.ordered_indicators():
        row = data.data_rows.get(ind.code)
        if ind.kind not in ("data", "direct") or row is None:
            continue
        place = _data_place(data.where.data, ind.code)
        if place is not None:
            by_arg[(data_argument if ind.kind == "data" else direct_argument)(ind.code)] = ArgumentPlace.at(
                place.sheet, a1(place.row, place.col + 2, absolute=False))
        if ind.kind == "direct":
            if _blank(row.get("value")) is not None:
                direct[ind.code] = DirectScore(row.get("value"), _text(row.get("evidence")))
            continue
        entry, problem = _data_entry(ind.code, row, place, source)
        if problem is not None:
            problems.append(problem)
        elif entry is not None:
            entries[ind.code] = entry
    scores = _panel_scores(data, system, by_arg)
    return ScoredInputs(entries, direct, scores, problems, by_arg)


def inputs_and_places(data: WorkbookData, source: str = "workbook", tables: InputTables | None = None):
    """Core :class:`~bpm_xl.evaluation.EvaluationInputs` from what the sheets hold, and the
    :class:`Places` that turn a core error into one naming file, sheet and cell. ``tables``:
    :func:`input_tables` of the same data, when already read."""
    from ..evaluation import EvaluationInputs, Meta

    settings = _settings_of(data, source)
    system = system_of(data, source)
    experts = _experts_of(data, source)
    caps, cap_problems, cap_places = caps_checked(data, source)
    if cap_problems:
        raise cap_problems[0][1]
    settings = replace(settings, caps=tuple(caps))
    scored = scored_inputs(data, system, source)
    if scored.problems:
        raise scored.problems[0][1]
    t = tables if tables is not None else input_tables(data, system, source)
    own = {f.name for f in fields(Meta)}
    meta = Meta(**{k: v for k, v in data.meta.items() if k in own})
    inputs = EvaluationInputs(
        system=system, settings=settings, experts=experts, judgments=t.judgments,
        delphi_rounds=t.delphi_rounds, survey=t.survey, title=data.title,
        delphi_sent=tuple(data.delphi_sent), delphi_returned=tuple(data.delphi_returned), meta=meta,
        data=scored.data, expert_scores=scored.expert_scores, direct_scores=scored.direct,
    )
    places = Places(t.places.source, {**t.places.by_argument, **cap_places, **scored.by_argument})
    return inputs, places


def to_inputs(data: WorkbookData, source: str = "workbook"):
    """Core :class:`~bpm_xl.evaluation.EvaluationInputs` from what the sheets hold."""
    return inputs_and_places(data, source)[0]


# ---------------------------------------------------------------------------------------
# Files: checked before loading, read only where the defined names point
MAX_MEMBER_BYTES = 200 * 1024 * 1024
"""A zip member larger than this (uncompressed) is refused before anything is loaded; parts a
reader holds whole in memory (shared strings, styles, the VBA project) are small in real files."""
MAX_SHEET_BYTES = 4 * 1024 * 1024 * 1024
"""Worksheet parts are streamed (never held whole): a 100,000-respondent x 100-indicator survey
sheet is ~330 MiB of XML, a full 1,048,576-row one a few GiB; the compression-ratio check still
applies to them."""
MAX_RATIO = 200
"""A member that inflates more than this (and to over 1 MiB) is refused as a zip bomb."""
_RATIO_FLOOR = 1024 * 1024
_COL_SLACK = 8            # columns read beyond the rightmost input column of a sheet
_MIN_COLS = 64            # at least this many columns (guide and note sheets)
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}

_ADVICE = {
    ".xls": "an Excel 97-2003 .xls file; open it in Excel and save it as .xlsm (File > Save As), "
            "or in LibreOffice: File > Save As > Excel 2007-365 (.xlsm)",
    ".csv": "a CSV file, not a workbook; import survey answers with 'bpm-xl import-survey', "
            "or create a workbook with 'bpm-xl new'",
    ".ods": "an OpenDocument spreadsheet; convert it in LibreOffice: File > Save As > Excel 2007-365 (.xlsm)",
    ".txt": "a text file, not a workbook; import survey answers with 'bpm-xl import-survey'",
}


def _kind_of(path: Path) -> str | None:
    """What a file that is not an .xlsx/.xlsm zip really is, from its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ".xls"
    if head.startswith(b"PK") or b"\0" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return ".csv" if any(sep in text for sep in (",", "\t", ";")) else ".txt"
    return None


def check_file(path: Path) -> None:
    """Refuse what is not a readable workbook, with what to do. Lock files do not block reading
    (a read is a snapshot); only writers refuse a file that is open elsewhere."""
    try:
        if not path.exists():
            raise WorkbookError("no such file", file=str(path))
        if path.is_dir():
            raise WorkbookError("is a folder, not a workbook file", file=str(path))
        suffix = path.suffix.lower()
        if suffix in (".xls", ".csv", ".ods", ".txt"):
            raise WorkbookError(f"this is {_ADVICE[suffix]}", file=str(path))
        if not zipfile.is_zipfile(path):
            kind = _kind_of(path)
            if kind:
                raise WorkbookError(f"the file is named {path.suffix or 'without extension'} but is {_ADVICE[kind]}",
                                    file=str(path))
            raise WorkbookError("the file is damaged or not an Excel workbook (not a zip container); "
                                "open it in Excel and save it as .xlsm", file=str(path))
    except OSError as exc:
        raise WorkbookError(f"cannot be read ({exc.strerror or exc})", file=str(path)) from None


def _check_members(zf: zipfile.ZipFile, source: str) -> None:
    names = set(zf.namelist())
    if "mimetype" in names and "content.xml" in names:
        raise WorkbookError(f"the file is named {Path(source).suffix} but is {_ADVICE['.ods']}", file=source)
    if "xl/workbook.xml" not in names:
        raise WorkbookError("the file is a zip archive but not an Excel workbook (no xl/workbook.xml); "
                            "open it in Excel and save it as .xlsm", file=source)
    for info in zf.infolist():
        size, packed = info.file_size, max(info.compress_size, 1)
        limit = MAX_SHEET_BYTES if info.filename.startswith("xl/worksheets/sheet") else MAX_MEMBER_BYTES
        if size > limit:
            raise WorkbookError(f"the part {info.filename} unpacks to {size / 2**20:,.0f} MiB (limit "
                                f"{limit / 2**20:,.0f} MiB); the file is damaged or crafted", file=source)
        if size > _RATIO_FLOOR and size / packed > MAX_RATIO:
            raise WorkbookError(f"the part {info.filename} is compressed {size / packed:,.0f}:1 (limit {MAX_RATIO}:1); "
                                "the file is damaged or crafted (a zip bomb)", file=source)


def _xml(zf: zipfile.ZipFile, member: str, source: str):
    try:
        return ElementTree.fromstring(zf.read(member))
    except (KeyError, ElementTree.ParseError) as exc:
        raise WorkbookError(f"the part {member} is damaged ({exc})", file=source) from None


def _defined_names(zf: zipfile.ZipFile, source: str) -> dict[str, str]:
    root = _xml(zf, "xl/workbook.xml", source)
    out = {}
    for dn in root.iterfind("m:definedNames/m:definedName", _NS):
        if dn.get("localSheetId") is None and dn.text:
            out[dn.get("name", "")] = dn.text
    return out


def _sheet_parts(zf: zipfile.ZipFile, source: str) -> dict[str, str]:
    """Sheet name -> zip member of its XML."""
    root = _xml(zf, "xl/workbook.xml", source)
    try:
        rels = _xml(zf, "xl/_rels/workbook.xml.rels", source)
    except WorkbookError:
        return {}
    target = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("rel:Relationship", _NS)}
    out = {}
    for sh in root.iterfind("m:sheets/m:sheet", _NS):
        t = target.get(sh.get(f"{{{_NS['r']}}}id"), "")
        if t:
            out[sh.get("name", "")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def _letters(col: int) -> str:
    return a1(0, col, absolute=False)[:-1]


def _greater(s: str, alphabet: str) -> str:
    """A regex for strings over ``alphabet`` (no leading zero for digits) greater than ``s``
    in (length, lexicographic) order: column letters beyond ``s``, row numbers beyond ``s``."""
    first = alphabet[1:] if alphabet[0] == "0" else alphabet
    alts = [f"[{first}][{alphabet}]{{{len(s)},}}"]
    for i, ch in enumerate(s):
        higher = alphabet[alphabet.index(ch) + 1:]
        if higher:
            alts.append(f"{re.escape(s[:i])}[{higher}][{alphabet}]{{{len(s) - i - 1}}}")
    return "(?:" + "|".join(alts) + ")"


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*? t="e"[^>]*>(.*?)</(?:\w+:)?c>', re.S)
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)\br="([A-Z]{1,3})(\d{1,7})"([^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>', re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")


def _scan(zf: zipfile.ZipFile, member: str, max_col: int):
    """Stream a sheet's XML once: its row count, and the cells far outside what is read.

    Returns ``(rows, far_row_cells, far_columns, errors, formulas)``: rows = number of ``<row>`` elements;
    ``far_row_cells`` = cells within the read columns but below ``2 * rows + 1000`` (the
    dense area a reader would allocate); ``far_columns`` = whether any cell lies right of
    ``max_col``; ``errors`` = the cells holding an Excel error value ((row, col) -> "#N/A"), which
    python-calamine would deliver as blanks; ``formulas`` = whether the sheet may hold a formula.
    """
    cols_beyond = _greater(_letters(max_col), _UPPER).encode()
    rows, far_columns, tail, plain, formulas = 0, False, b"", None, False
    candidates: list[tuple[str, int]] = []
    errors: dict[tuple[int, int], str] = {}
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 22):
            buf = tail + chunk
            if plain is None:
                plain = b"<sheetData" in buf or b"<worksheet" in buf
            # fast patterns for cells written as <c r="A1" ...> (Excel, LibreOffice, XlsxWriter,
            # openpyxl); any namespace prefix or attribute order takes the slower general ones
            fast = plain and buf.count(b"<c ") == buf.count(b'<c r="')
            cell = rb'<c r="' if fast else rb'<(?:\w+:)?c\b[^>]*?\br="'
            rows += (chunk.count(b"<row ") + chunk.count(b"<row>")) if fast else len(_ROW.findall(chunk))
            # one pass for both: a cell right of the read columns (group 1), or a cell in a row
            # beyond twice the rows seen so far (groups 2, 3; rare in a real sheet, so few)
            far = re.compile(cell + rb"(?:(" + cols_beyond + rb")\d|([A-Z]{1,3})("
                             + _greater(str(2 * rows + 1000), "0123456789").encode() + rb')")')
            for beyond, c, r in far.findall(buf):
                if beyond:
                    far_columns = True
                else:
                    candidates.append((c.decode(), int(r)))
            # any formula element (or a tag that starts like one): the formula reader reads this sheet
            formulas = formulas or b"<f>" in buf or b"<f " in buf or b":f>" in buf or b":f " in buf
            if b't="e"' in buf:
                for c, r, inner in _ERROR_CELL.findall(buf):
                    v = _V.search(inner)
                    errors[(int(r) - 1, _col(c.decode()))] = v.group(1).decode() if v else "#VALUE!"
            tail = buf[-64:]
    limit = 2 * rows + 1000
    far = sorted({(c, r) for c, r in candidates if r > limit and _col(c) <= max_col}, key=lambda x: x[1])
    return rows, far, far_columns, errors, formulas


def _col(letters: str) -> int:
    return col_index(letters)


def _uncomputed(zf: zipfile.ZipFile, member: str) -> dict[tuple[int, int], str]:
    """The cells of a sheet holding a formula without a stored result ((row, col) -> the formula
    as shown): no ``<v>``, or an empty one in a cell that is not text (a formula's empty text
    result is stored as an empty ``<v>`` of type ``str``). Streamed by whole rows."""
    out: dict[tuple[int, int], str] = {}
    tail = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 22)
            buf = tail + chunk
            # cut after the last row tag (no cell straddles one); the rest waits for the next chunk
            cut = len(buf) if not chunk else max(buf.rfind(b"row>") + 4, 0) if b"row>" in buf else 0
            for attrs_a, c, r, attrs_b, inner in _CELL.findall(buf, 0, cut):
                if (f := _FORMULA.search(inner)) is None:
                    continue
                v = _V.search(inner)
                text = re.search(rb'\bt="(?:str|inlineStr)"', attrs_a + attrs_b) is not None
                if v is None or (not v.group(1) and not text):
                    formula = _xml_text((f.group(1) or b"").decode("utf-8", "replace"))
                    out[(int(r) - 1, _col(c.decode()))] = "=" + formula if formula else "a shared formula"
            tail = buf[cut:]
            if not chunk:
                return out


def _xml_text(s: str) -> str:
    """XML character data as text: the five entities and numeric references (``&#8730;``) undone."""
    import html

    return html.unescape(s)


def _needed(names: dict[str, tuple[str, int, int, int, int]], sheets: Sequence[str]) -> dict[str, int]:
    """Per sheet the rightmost column to read (0-based): a little beyond the defined names on it,
    at least ``_MIN_COLS`` columns (the guide, notes and output sheets)."""
    out: dict[str, int] = {sh: _MIN_COLS - 1 for sh in sheets}
    for key, (sh, _, _, _, c1) in names.items():
        if key.startswith("BPM_") and sh in out:
            out[sh] = max(out[sh], c1 + _COL_SLACK)
    return out


def _far_cell_error(source: str, sheet: str, cells: list[tuple[str, int]], rows: int) -> WorkbookError:
    c, r = cells[0]
    return WorkbookError(f"a value lies at {c}{r}, far below the sheet's {rows:,} rows of data; delete "
                         "it (or the rows between) and save the file", file=source, sheet=sheet, cell=f"{c}{r}")


_ESCAPE = re.compile("_x[0-9A-Fa-f]{4}_")


def _unescape(v: Any) -> Any:
    """Text as typed: openpyxl leaves the file's ``_xHHHH_`` escapes of control characters
    (openpyxl's own unescape, imported only when a text holds such an escape)."""
    if isinstance(v, str) and "_x" in v and _ESCAPE.search(v):
        from openpyxl.utils.escape import unescape

        return unescape(v)
    return v


def _openpyxl_value(c: Any) -> Any:
    if c.data_type == "f" and isinstance(c.value, str):
        return Formula(c.value)
    return _unescape(c.value)


def _rows_openpyxl(path: Path, sheets: dict[str, tuple[int, int]], formulas: bool) -> dict[str, list[list[Any]]]:
    import openpyxl

    out = {}
    wb = openpyxl.load_workbook(path, read_only=True, data_only=not formulas, keep_links=False)
    try:
        for name, (max_col, max_row) in sheets.items():
            ws = wb[name]
            if formulas:  # a formula cell comes back as a Formula (written back as one); text stays text
                rows = [[_openpyxl_value(c) for c in r]
                        for r in ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col + 1)]
            else:
                rows = [[_unescape(v) for v in r] for r in ws.iter_rows(min_row=1, max_row=max_row,
                                                                        max_col=max_col + 1, values_only=True)]
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            out[name] = rows
    finally:
        wb.close()
    return out


def _rows_calamine(path: Path, sheets: dict[str, int]) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    out = {}
    cw = CalamineWorkbook.from_path(str(path))
    try:
        for name, max_col in sheets.items():
            rows = cw.get_sheet_by_name(name).to_python(skip_empty_area=False)
            width = max_col + 1
            # a row without an empty string (most survey rows) is only cut to width, not rebuilt per cell
            out[name] = [[None if v == "" else v for v in row[:width]] if "" in row else row[:width] for row in rows]
    finally:
        close = getattr(cw, "close", None)
        if close:
            close()
    return out


_M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """The shared strings as Excel shows them (runs joined, phonetic guides left out, ``_xHHHH_``
    escapes undone): the one reading of xl/sharedStrings.xml for every reader."""
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    out = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in ElementTree.iterparse(fh, events=("end",)):
            if el.tag == _M + "si":
                parts = []
                for child in el:
                    if child.tag == _M + "t":
                        parts.append(child.text or "")
                    elif child.tag == _M + "r":
                        parts.extend(t.text or "" for t in child.iter(_M + "t"))
                out.append(_unescape("".join(parts)))
                el.clear()
    return out


_TYPED = {"s", "str", "e", "b", "inlineStr"}


def _typed_value(kind: str, text: str, strings: list[str]) -> Any:
    if kind == "s":
        return strings[int(text)] if text.isdigit() and int(text) < len(strings) else None
    if kind == "b":
        return text.strip() == "1"
    if kind == "inlineStr":
        return _unescape(text)
    return text  # an error value ("#N/A") or a formula's text result


def _numeric_survey(zf: zipfile.ZipFile, member: str, ref: tuple[str, int, int, int, int], max_col: int
                    ) -> tuple[list[list[Any]], tuple[int, int, Any], Any] | None:
    """The survey sheet through the vectorised reader: (grid of the cells outside the answer
    block, (row, column, answers array), its SheetFacts); None when the general readers must read it."""
    from .sheetxml import read_numeric_sheet

    _, r0, c0, r1, c1 = ref
    ns = read_numeric_sheet(zf, member, r0, c0, c1, max_col, rows_hint=r1 - r0 + 1)
    if ns is None or ns.max_row > 2 * ns.row_count + 1000:
        return None  # the general readers apply every rule and name the far cell
    if any(isinstance(v, tuple) and v[0] not in _TYPED for v in ns.cells.values()):
        return None
    strings = shared_strings(zf) if any(isinstance(v, tuple) and v[0] == "s" for v in ns.cells.values()) else []
    grid: list[list[Any]] = []
    for (r, c), v in ns.cells.items():  # every cell has its own place: no order needed
        if isinstance(v, tuple):
            v = _typed_value(v[0], v[1], strings)
        if v == "":
            v = None
        if len(grid) <= r:
            grid.extend([] for _ in range(r + 1 - len(grid)))
        row = grid[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = v
    return grid, (r0, c0, ns.block), ns.facts(member)


class _Read(NamedTuple):
    sheets: dict[str, list[list[Any]]]
    blocks: dict[str, tuple[int, int, Any]]
    facts: dict[str, Any]
    uncomputed: dict[str, dict[tuple[int, int], str]]


def _read_sheets(path: Path, zf: zipfile.ZipFile, names, formulas: bool, source: str, reuse: Grids | None = None
                 ) -> _Read:
    parts = _sheet_parts(zf, source)
    needed = _needed(names, list(parts))
    survey = names.get("BPM_SURVEY")
    survey_sheet = survey[0] if survey else ""
    safe, bounded, errors, fast, blocks, facts, uncomputed = {}, {}, {}, {}, {}, {}, {}
    typed_in, computed = _role_sheets(names, INPUT_ROLES), _role_sheets(names, (*OUTPUT_ROLES, "calc"))
    for sh, max_col in needed.items():
        member = parts.get(sh)
        if member is None or member not in zf.namelist():
            continue
        if sh in computed:  # the output and calculation sheets: no input is read there, a rebuild writes them anew
            fast[sh] = []
            continue
        if reuse is not None and sh in reuse.blocks:  # numbers only: the same with or without formulas
            fast[sh], blocks[sh], facts[sh] = reuse.sheets[sh], reuse.blocks[sh], reuse.facts[sh]
            continue
        if sh == survey_sheet and (numeric := _numeric_survey(zf, member, survey, max_col)) is not None:
            fast[sh], blocks[sh], facts[sh] = numeric
            continue
        rows, far_rows, far_columns, errors[sh], has_formulas = _scan(zf, member, max_col)
        if far_rows:
            raise _far_cell_error(source, sh, far_rows, rows)
        if has_formulas and not formulas and sh in typed_in and (cells := _uncomputed(zf, member)):
            uncomputed[sh] = cells
        # the survey sheet without a formula reads the same with formulas kept (answers as numbers,
        # blanks as None): the fast reader reads it (100,000 respondents through openpyxl take minutes)
        if far_columns or (formulas and (has_formulas or sh != survey_sheet)):
            bounded[sh] = (max_col, 2 * rows + 1000)
        else:
            safe[sh] = max_col
    out = _read_general(path, safe, bounded, errors, formulas)
    out.update(fast)
    return _Read({sh: out[sh] for sh in needed if sh in out}, blocks, facts, uncomputed)  # the workbook's order


def _role_sheets(names: Mapping[str, tuple[str, int, int, int, int]], roles: Sequence[str]) -> set[str]:
    """The sheets of ``roles`` (found through their ``BPM_ROLE_<ROLE>`` names)."""
    return {names[key][0] for r in roles if (key := f"BPM_ROLE_{r.upper()}") in names}


def _read_general(path: Path, safe: dict[str, int], bounded: dict[str, tuple[int, int]],
                  errors: dict[str, dict[tuple[int, int], str]], formulas: bool) -> dict[str, list[list[Any]]]:
    """The sheets the general readers read: ``safe`` ones (sheet -> last column) by calamine, with
    the error values of ``errors`` put back, ``bounded`` ones (sheet -> (last column, last row))
    by openpyxl."""
    out = _rows_calamine(path, safe) if safe else {}
    for sh in safe:  # calamine reads error cells as blanks: put the error values back
        grid = out.get(sh, [])
        for (r, c), text in errors[sh].items():
            if r < len(grid) and c < len(grid[r]):
                grid[r][c] = text
    if bounded:
        out.update(_rows_openpyxl(path, bounded, formulas))
    return out


def load_grids(path: str | Path, formulas: bool = False, reuse: Grids | None = None) -> Grids:
    """The input sheets' cells (only the columns the defined names cover, never a sheet's whole
    dimension); ``formulas=True`` keeps formulas as text (for rewriting inputs). ``reuse``: the
    grids of the same file read a moment before (a rebuild reads it with and without formulas):
    its survey block, numbers only, is taken as it is instead of being read again."""
    path = Path(path)
    check_file(path)
    source = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            _check_members(zf, source)
            raw_names = _defined_names(zf, source)
            names = parse_names(raw_names)
            read = _read_sheets(path, zf, names, formulas, source, reuse)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip and reader libraries raise their own types for damaged files
        raise WorkbookError(f"the file cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})",
                            file=source) from None
    return Grids(read.sheets, names, source, read.blocks, read.facts, parse_constants(raw_names), read.uncomputed)


# ---------------------------------------------------------------------------------------
# The one door for other workbooks that come in (returned forms, survey exports)
MAX_SHEET_COLUMNS = 2048
"""A workbook that comes in (not a hub) is read up to this column; a value further right is
refused with its cell (a real survey export has a few hundred columns at most)."""


def _far_right(zf: zipfile.ZipFile, member: str, max_col: int) -> str:
    """The first cell right of ``max_col`` in a sheet's XML (for the message)."""
    beyond = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="(' + _greater(_letters(max_col), _UPPER).encode() + rb')(\d+)"')
    tail = b""
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 22):
            m = beyond.search(tail + chunk)
            if m:
                return m.group(1).decode() + m.group(2).decode()
            tail = chunk[-64:]
    return _letters(max_col + 1) + "1"  # pragma: no cover - _scan found one


@dataclass(frozen=True)
class Uncomputed:
    """A cell of a workbook that came in holding a formula whose result the file does not store
    (:func:`read_sheets` with ``uncomputed="mark"``): its value is unknown, so a reader that takes
    the cell as an answer refuses it; a cell nobody reads (a form's live check) does no harm."""

    formula: str

    def __str__(self) -> str:
        return self.formula


def _incoming_sheet(zf: zipfile.ZipFile, member: str, sh: str, source: str, max_col: int, uncomputed: str | None
                    ) -> dict[tuple[int, int], Any]:
    """The guards of one sheet of a workbook that comes in (see :func:`read_sheets`); the cells to
    put back over what calamine reads: error values as their text, uncomputed formulas marked."""
    rows, far_rows, far_columns, errors, formulas = _scan(zf, member, max_col)
    if far_rows:
        raise _far_cell_error(source, sh, far_rows, rows)
    cells: dict[tuple[int, int], Any] = dict(errors)
    found = {rc: f for rc, f in _uncomputed(zf, member).items() if rc[1] <= max_col} if uncomputed and formulas else {}
    if found and uncomputed == "refuse":
        r, c = min(found)
        raise WorkbookError(uncomputed_rule(found[(r, c)]), file=source, sheet=sh, cell=a1(r, c, absolute=False))
    cells.update({rc: Uncomputed(f) for rc, f in found.items()})
    if far_columns:
        cell = _far_right(zf, member, max_col)
        raise WorkbookError(f"a value lies at {cell}, right of column {_letters(max_col)} (the last "
                            "column read); delete it and save the file", file=source, sheet=sh, cell=cell)
    return cells


def read_sheets(path: str | Path, *, error: type[WorkbookError] = WorkbookError, first_only: bool = False,
                max_col: int = MAX_SHEET_COLUMNS - 1, uncomputed: str | None = None) -> dict[str, list[list[Any]]]:
    """Every sheet's cached values of a workbook that comes in (a returned form, a survey export),
    through the guards of the hub reader: zip members bounded (size and compression ratio), each
    sheet's XML streamed once before anything is loaded, a value far below the data or right of
    column ``max_col`` refused with its cell (never a grid allocated up to it), and Excel error
    values kept as their text ("#N/A"), never read as blanks. Blank cells read as None.
    ``first_only``: the first sheet only. A formula whose result the file does not store is never
    read as a blank: ``uncomputed="refuse"`` refuses it with its cell (every cell is data: a survey
    export), ``"mark"`` reads it as an :class:`Uncomputed` for the reader of the answer cells to
    refuse (a returned form). Raises ``error`` (a WorkbookError) naming the file."""
    path = Path(path)
    source = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            _check_members(zf, source)
            parts = _sheet_parts(zf, source)
            wanted = [sh for sh, member in parts.items() if member in zf.namelist()]
            errors: dict[str, dict[tuple[int, int], Any]] = {}
            for sh in wanted[:1] if first_only else wanted:
                errors[sh] = _incoming_sheet(zf, parts[sh], sh, source, max_col, uncomputed)
        out = _rows_calamine(path, {sh: max_col for sh in errors})
    except WorkbookError as exc:
        raise exc if isinstance(exc, error) else error(exc.message, **exc.fields()) from None
    except Exception as exc:  # noqa: BLE001 - zip and reader libraries raise their own types for damaged files
        raise error(f"the file cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})",
                    file=source) from None
    for sh, errs in errors.items():  # calamine reads error cells and uncomputed formulas as blanks: put them back
        _put_errors(out.setdefault(sh, []), errs)
    return {sh: out[sh] for sh in errors}


def _put_errors(grid: list[list[Any]], errs: dict[tuple[int, int], Any]) -> None:
    """Write each error value's text (or uncomputed formula's mark) at its (row, column) of ``grid``,
    growing it where needed."""
    for (r, c), text in errs.items():
        if r >= len(grid):
            grid.extend([] for _ in range(r + 1 - len(grid)))
        if c >= len(grid[r]):
            grid[r] = list(grid[r]) + [None] * (c + 1 - len(grid[r]))
        grid[r][c] = text


def lang_of(g: Grids) -> str:
    """The edition of a workbook ("zh" or "en"), from the sheet its guide is on."""
    from ..layout.labels import SHEETS

    ref = g.names.get("BPM_ROLE_GUIDE")
    return "en" if ref and ref[0] == SHEETS["guide"]["en"] else "zh"



def read_workbook(path: str | Path, formulas: bool = False, reuse: Grids | None = None
                  ) -> tuple[WorkbookData, Grids]:
    g = load_grids(path, formulas=formulas, reuse=reuse)
    try:
        data = read_data(g)
    except BpmError as exc:
        raise exc if exc.file else exc.located(file=g.source) from None
    except (IndexError, TypeError) as exc:
        raise WorkbookError(f"the input sheets do not have the bpm-xl layout ({exc})", file=g.source) from None
    return data, g


def read_inputs(path: str | Path):
    """Core EvaluationInputs from a workbook file's input sheets (cached cell values)."""
    data, g = read_workbook(path, formulas=False)
    return to_inputs(data, source=g.source)
