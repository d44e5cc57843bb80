"""The files bpm-xl writes, against the files it wrote before the layout was split (golden).

tests/data/golden holds the outputs of the commit before this round (example and blank .xlsm
from ``bpm-xl new``, the example's portable export, ``evaluate example --json``). The split of
the workbook layer must not change them, apart from these intentional differences:

- the rating formulas (``ROUND(score100, 2)`` compared with ``>=``; was ``COUNTIF(">"&x)``);
- the values stored for the Excel functions' array formulas, now taken from the Evaluation
  instead of calling the functions again (equal to 1e-12 relative);
- formulas of a blank workbook (nothing to evaluate yet) store #N/A, not a false 0;
- the portable export's stored values (were 0; now the true values), so the portable file is
  compared by what LibreOffice computes from it;
- three figures of the sensitivity sheet (core's band-edge fix: the sensitivity analysis rates
  ROUND(score100, 2) like the rating): the respondent-bootstrap share of the grade (E7,
  0.7281 -> 0.7319) and two weight thresholds at 79.995 points (C13, E14);
- the judgment-perturbation figures of the sensitivity sheet (row 5 and the weight distribution
  table, C18:E37 for 20 indicators): the load work draws one uniform number (float32) per judgment to
  decide both whether and which way it moves (it drew two float64 numbers), so this Monte Carlo
  part follows a new random stream; its figures move within their sampling noise (< 1%);
- ``evaluate --json`` gains the core's ``meta`` and ``repairs``, and for systems of any depth and
  indicator type ``groups``, ``weighting``, ``cap`` and ``data`` (and, in each indicator's and
  dimension's record, its parent, level, type, measured value and fraction); every earlier number is
  equal to 1e-12;
- the Delphi results sheet gains, under each round's Kendall W, a verdict row: a label and a
  formula saying 专家意见协调程度显著 / 不显著 by p < 0.05 (``KENDALL_VERDICT``), so a W that is
  not significant is flagged; nothing else on that sheet moves;
- every file carries the layout record (``docProps/custom.xml``, redteam's preservation);
- the portable file is the portable hub: its Guide says what it is, its
  Sensitivity sheet is filled in, and its calculation sheet reads judgments typed as text
  ("1/3") through a parse table, which moves that sheet's tables; so the Guide, Sensitivity
  and calculation sheets, and formulas pointing into the calculation sheet, are not compared
  cell by cell there (test_portable*.py check them against both engines); captions that
  pointed at the Rebuild button say ``bpm-xl rebuild``;
- the diagnosis ranks: ``RANK(x, gaps) + COUNTIF(earlier, x) - 1`` became the SUMPRODUCT form of
  ``bpm_xl.ranking`` (weighted gaps within a relative 1e-12 tied, in listing order); the
  example has no ties, so every rank is the same;
- every new hub names its evaluation: three defined names holding its ID, creation time and the
  key that seals its forms (``layout.identity.IDENTITY_NAMES``), and five Guide lines from row 35
  showing the ID with the unit and year; both differ in every hub, so their values are left out
  of the comparison;
- the Rebuild button calls ``BpmRebuild`` (was xlwings' ``SampleCall``), a macro in the added
  VBA module ``bpm_xl_rebuild``; every other VBA module is unchanged.

Wave 2 (sheets) regenerated the golden files from ``bpm-xl new`` / ``export`` of that branch, for
these intended differences: Settings rows for unit / year / evaluator, survey screening and the
data kind (the bands moved down); a 2x2 probe on Settings; the 整改清单 sheet; the dashboard's
title formula, Python check cell, status line and the buttons beside Rebuild (BpmForms,
BpmCollect, BpmReport in ``bpm_xl_rebuild``); the Guide's lines on what the file is; PDCA stages
in Chinese on the indicator sheet; consistency blocks as four function rows plus native
是/否 and RI-table rows; the headers 轮次 and P/D/C/A stage letters. The rules above still hold
for the comparison against these files.

The evaluation round regenerated the three .xlsm files again (``new_workbook(...,
with_module=False)``, then the layout record ``docProps/custom.xml`` taken out, as it is
compared on its own) for: the evaluation's identity (names and Guide lines, above), the
收回记录 sheet, the Kendall verdict row, the VBA wrapper of DATA_SCORE, the tie rule's rank
formulas, and the style and string tables in the order the new writer first uses them.

The report round regenerated them again for these intended differences: Settings rows 报告信息
below the rating bands (report date, 基本情况 fields, problem line, the survey's collection) and the
evaluator row captioned 评价单位（落款）; the 整改清单's 事项编号 column and one pre-filled row per
problem of ``bpm_xl.findings.classify`` (was: per top-5 weighted gap), with the measure of the new
整改措施库 sheet (one row per indicator).

The indicator-types round regenerated all four (the .xlsm files as above; the portable file from
``export_file(load_example(), path)``) for these intended differences, checked cell by cell
against the previous files: the 指标体系 sheet's columns 上级代码, 类型 and 分值 (H:J; the type
问卷 on every row of the study's system, parent and points blank);
the score caps table 得分上限 on Settings below the report rows (nothing above it moves); two new
input sheets after 问卷, 指标数据 and 专家评分 (headers only: the study scores every indicator by
the survey). The portable file again for the Delphi results' full-score share, which is NA() for
a round without ratings (it divided by a count of 0), as the round's mean is.
"""

from __future__ import annotations

import html
import json
import math
import re
import zipfile
from pathlib import Path

import pytest

from bpm_xl import load_example
from bpm_xl.service import new_workbook
from bpm_xl.layout.identity import GUIDE_IDENTITY_ROW, IDENTITY_NAMES
from bpm_xl.layout.labels import SHEETS
from bpm_xl.writers import vba
from bpm_xl.writers.portable import CALC_SHEET
from tests.engines import available, recalculate_all
from bpm_xl.service import export_file as export_portable

from .workbook_harness import read_values
from .workbook_compare import style_differences
from .xlsx_cells import read_cells

GOLDEN = Path(__file__).parent / "data" / "golden"
RATING_FORMULA = "SUMPRODUCT(1-(ROUND("


#: The verdict row under each Kendall W (label, formula and what it shows): added on purpose.
KENDALL_VERDICT = ("协调程度 (p<0.05)", "Agreement (p<0.05)", "专家意见协调程度显著", "专家意见协调程度不显著",
                   "expert agreement significant", "expert agreement not significant")


def _kendall_verdict(x, y) -> bool:
    """A cell the golden file lacks that is part of the Kendall verdict row: its label, or
    its formula (showing a verdict, or #N/A without a W)."""
    if x is not None or y is None:
        return False
    if y.formula is None:
        return y.value in KENDALL_VERDICT[:2]
    return (KENDALL_VERDICT[3] in y.formula or KENDALL_VERDICT[5] in y.formula) and (
        y.value in KENDALL_VERDICT or y.value == "#N/A")


def _strings(xml: bytes) -> list[str]:
    """The shared strings, without the added verdict row's."""
    found = (html.unescape(t) for t in re.findall(r"<t(?: [^>]*)?>([^<]*)</t>", xml.decode()))
    return [t for t in found if t not in KENDALL_VERDICT]


def _close(a, b, rel=1e-12) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


#: sensitivity-sheet cells changed by the band-edge fix (see the module docstring)
BAND_EDGE_CELLS = {("敏感性", "E7"), ("敏感性", "C13"), ("敏感性", "E14"),
                   ("Sensitivity", "E7"), ("Sensitivity", "C13"), ("Sensitivity", "E14")}


def _differences(old: Path, new: Path, unknown_ok: bool = False) -> list[tuple]:
    """Cells whose formula or stored value differ beyond the intentional differences."""
    a, b = read_cells(old), read_cells(new)
    assert list(a) == list(b), "sheets differ"
    out = []
    for sheet in a:
        for ref in sorted(set(a[sheet]) | set(b[sheet])):
            x, y = a[sheet].get(ref), b[sheet].get(ref)
            if x == y or _kendall_verdict(x, y):
                continue
            if x is not None and y is not None:
                if y.formula and RATING_FORMULA in y.formula and "COUNTIF(BPM_BAND_LOWERS" in (x.formula or "") \
                        and (x.value == y.value or (unknown_ok and y.value == "#N/A")):
                    continue  # the rating formula: same grade shown
                if _rank_formula(x, y) and x.value == y.value:
                    continue  # the diagnosis rank, ties by bpm_xl.ranking: the same rank
                if x.formula == y.formula and x.type == y.type and _close(x.value, y.value):
                    continue  # a value stored for an Excel function, now from the Evaluation
                if x.formula == y.formula and x.value == 0.0 and y.value == "#N/A" and unknown_ok:
                    continue  # a value not known when written: stored as #N/A, was a false 0
                if (sheet, ref) in BAND_EDGE_CELLS and x.formula is None and y.formula is None \
                        and isinstance(y.value, float) and abs(x.value - y.value) < 0.01:
                    continue  # sensitivity figures of the band-edge fix
                if _perturbation_cell(sheet, ref) and x.formula is None and y.formula is None \
                        and isinstance(y.value, float) and math.isclose(x.value, y.value, rel_tol=0.01):
                    continue  # the perturbation's new random stream
            out.append((sheet, ref, x, y))
    return out


def _rank_formula(x, y) -> bool:
    """The diagnosis rank's old formula (RANK + COUNTIF) and its new one (bpm_xl.ranking)."""
    return bool(x.formula and y.formula and x.formula.startswith("RANK(") and "COUNTIF(" in x.formula
                and y.formula.startswith("SUMPRODUCT(") and "1E-12*" in y.formula)


def _perturbation_cell(sheet: str, ref: str) -> bool:
    """The perturbation part of the sensitivity sheet: B5:D5 and C18:E37."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    col, row = m.group(1), int(m.group(2))
    return sheet in ("敏感性", "Sensitivity") and ((row == 5 and col in "BCD") or (18 <= row <= 37 and col in "CDE"))


@pytest.mark.parametrize(("golden", "lang", "example"), [
    ("example_new.xlsm", "zh", True), ("example_new_en.xlsm", "en", True), ("blank.xlsm", "zh", False),
])
def test_new_workbook_is_the_golden_file_but_for_the_intended_changes(tmp_path, golden, lang, example):
    path = new_workbook(tmp_path / golden, lang=lang, example=example, with_module=False)
    with zipfile.ZipFile(GOLDEN / golden) as za, zipfile.ZipFile(path) as zb:
        assert [n for n in zb.namelist() if n != CUSTOM] == za.namelist()
        # the layout record (tests/test_preserve.py): custom properties naming bpm-xl's input names only
        recorded = re.findall(r'name="([^"]+)"', zb.read(CUSTOM).decode())
        assert {"BPM_SURVEY", "BPM_ROLE_GUIDE"} <= set(recorded) and all(n.startswith("BPM_") for n in recorded)
        # everything but the sheets (workbook, styles, names, charts, ...) byte for byte
        for name in za.namelist():
            if name in ("[Content_Types].xml", "_rels/.rels"):
                assert za.read(name) == _without_custom(zb.read(name)), name
            elif name == "xl/vbaProject.bin":
                old, new = vba.module_sources(za.read(name)), vba.module_sources(zb.read(name))
                assert new.pop(vba.REBUILD_MODULE) == old.pop(vba.REBUILD_MODULE) and new == old
            elif name == "xl/workbook.xml":
                assert _without_identity(za.read(name)) == _without_identity(zb.read(name)), name
            elif not name.startswith("xl/worksheets/sheet") and name not in ("xl/styles.xml", "xl/sharedStrings.xml"):
                assert za.read(name) == zb.read(name), name
    diffs = [d for d in _differences(GOLDEN / golden, path, unknown_ok=not example) if not _identity_line(*d)]
    assert not diffs, diffs[:5]
    # the style and string tables list what the cells use in the order it is first used, which the
    # writer may change: every cell's look is compared instead (its text is, above)
    assert style_differences(GOLDEN / golden, path) == []
    # the rating formula did change, in both rating cells
    new = read_cells(path)
    assert sum(1 for cells in new.values() for c in cells.values() if c.formula and RATING_FORMULA in c.formula) == 2


CUSTOM = "docProps/custom.xml"


def _without_identity(xml: bytes) -> bytes:
    """workbook.xml without the names holding the evaluation's identity (new in every hub)."""
    names = "|".join(IDENTITY_NAMES.values())
    return re.sub(rb'<definedName name="(?:' + names.encode() + rb')">[^<]*</definedName>', b"", xml)


def _identity_line(sheet: str, ref: str, old, new) -> bool:
    """A line of the Guide naming the evaluation (ID, created, unit, year): new in every hub."""
    m = re.fullmatch(r"A(\d+)", ref)
    return (sheet in (SHEETS["guide"]["zh"], SHEETS["guide"]["en"]) and m is not None
            and GUIDE_IDENTITY_ROW < int(m.group(1)) <= GUIDE_IDENTITY_ROW + 5)


def _without_custom(xml: bytes) -> bytes:
    """[Content_Types].xml or _rels/.rels without the entry of the custom properties part."""
    return re.sub(rb'<(?:Override|Relationship) [^>]*custom[.-]properties[^>]*/>', b"", xml)


def test_the_golden_comparison_sees_a_changed_value(tmp_path):
    """The comparison above is not blind: a stored value off by 1e-9 is reported."""
    path = new_workbook(tmp_path / "x.xlsm", with_module=False)
    cells = read_cells(path)
    sheet, ref = next((s, r) for s, cs in cells.items() for r, c in cs.items()
                      if c.formula == "BPM_TOTAL")
    text = f'<c r="{ref}"'
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/") and text.encode() in data:
            value = repr(cells[sheet][ref].value).encode()
            parts[name] = data.replace(b"<v>" + value + b"</v>", b"<v>" + repr(cells[sheet][ref].value * (1 + 1e-9)).encode() + b"</v>", 1)
    bad = tmp_path / "bad.xlsm"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert _differences(GOLDEN / "example_new.xlsm", bad)


def test_evaluate_json_of_the_example_is_unchanged():
    from typer.testing import CliRunner

    from bpm_xl.cli import app

    res = CliRunner().invoke(app, ["evaluate", "example", "--json"])
    assert res.exit_code == 0, res.output
    new = json.loads(res.output)
    # added: meta and repairs (core), status and pending_indicators (scores pending the survey),
    # groups, weighting, cap and data (systems of any depth, weighted by points, data indicators)
    assert set(new) - {"meta", "repairs", "status", "pending_indicators", "groups", "weighting", "cap", "data"} == set(
        json.loads((GOLDEN / "example.json").read_text(encoding="utf-8")))
    assert _json_differences(json.loads((GOLDEN / "example.json").read_text(encoding="utf-8")), new) == []
    assert new["repairs"] and new["meta"] is not None  # the fields the core added this round


def _json_differences(old, new, path: str = "") -> list[tuple]:
    """Where ``new`` differs from ``old``: numbers beyond 1e-12, other values, missing keys
    (keys only ``new`` has are checked by the caller)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [(path, old, new)]
        return [d for k in old for d in (_json_differences(old[k], new[k], f"{path}/{k}") if k in new
                                         else [(f"{path}/{k}", "missing")])]
    if isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            return [(path, old, new)]
        return [d for i, (x, y) in enumerate(zip(old, new)) for d in _json_differences(x, y, f"{path}[{i}]")]
    if isinstance(old, float) or isinstance(new, float):
        ok = isinstance(old, (int, float)) and isinstance(new, (int, float)) and math.isclose(old, new, rel_tol=1e-12,
                                                                                              abs_tol=1e-12)
        return [] if ok else [(path, old, new)]
    return [] if old == new else [(path, old, new)]


def test_the_json_comparison_sees_a_changed_number():
    old = json.loads((GOLDEN / "example.json").read_text(encoding="utf-8"))
    new = json.loads(json.dumps(old))
    new["score100"] *= 1 + 1e-9
    assert _json_differences(old, new) == [("/score100", old["score100"], new["score100"])]


@pytest.mark.libreoffice
@pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
def test_portable_export_recalculates_to_the_golden_values(tmp_path):
    """Same formulas, same recalculated values (the stored values are now true, were 0)."""
    path = export_portable(load_example(), tmp_path / "example_portable.xlsx")
    old_copy = tmp_path / "golden" / "example_portable_golden.xlsx"
    old_copy.parent.mkdir()
    old_copy.write_bytes((GOLDEN / "example_portable.xlsx").read_bytes())
    old_lo, new_lo = recalculate_all([old_copy, path], tmp_path / "lo")
    a, b = read_values(old_lo), read_values(new_lo)
    assert list(a) == list(b)
    formulas = read_cells(path)
    before = read_cells(GOLDEN / "example_portable.xlsx")
    calc = CALC_SHEET["zh"]
    hub = {calc, SHEETS["guide"]["zh"], SHEETS["sensitivity"]["zh"]}  # changed on purpose
    n = 0
    for sheet in [s for s in a if s not in hub]:
        for r, (ra, rb) in enumerate(zip(a[sheet], b[sheet])):
            for c, (x, y) in enumerate(zip(ra, rb)):
                n += 1
                if isinstance(x, float) and isinstance(y, float):
                    assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15), (sheet, r, c, x, y)
                elif isinstance(x, str) and isinstance(y, str) and "重建" in x and "bpm-xl rebuild" in y:
                    continue  # a caption that pointed at the macro workbook's Rebuild button
                elif x is None and y in KENDALL_VERDICT and sheet == SHEETS["delphi_summary"]["zh"]:
                    continue  # the verdict row under each Kendall W (added)
                else:
                    assert x == y, (sheet, r, c, x, y)
    assert n > 5000
    # formulas: identical text but for the rating
    for sheet, cells in before.items():
        for ref, c in cells.items():
            if sheet in hub or (c.formula and f"'{calc}'!" in c.formula):
                continue
            if c.formula and "COUNTIF(BPM_BAND_LOWERS" in c.formula:
                assert RATING_FORMULA in formulas[sheet][ref].formula
            elif _rank_formula(c, formulas[sheet][ref]):
                continue   # the diagnosis rank (its recalculated values are compared above)
            else:
                assert formulas[sheet].get(ref) is None or formulas[sheet][ref].formula == c.formula, (sheet, ref)
