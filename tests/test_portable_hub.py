"""The portable hub: a bureau with only WPS or LibreOffice runs the whole evaluation.

``bpm-xl new FILE.xlsx --portable`` writes a macro-free workbook whose every output is a native
formula; the user grows it (an indicator, two experts) as they would in LibreOffice, and
``bpm-xl rebuild`` rebuilds it as a portable workbook, keeping every value. LibreOffice and
Gnumeric recalculations of it, and of its portable export, reproduce ``bpm-xl evaluate``
(and the same data in an .xlsm) to 1e-9, with judgments typed as the text "1/3" and "１／３";
opened without recalculation it shows the evaluate --json figures.

The files are made once per module (``grown``) and converted once (``engines``).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl import conversion, service
from bpm_xl.cli import app
from bpm_xl.errors import WorkbookError
from bpm_xl.layout.types import Block, SheetPlan, WorkbookPlan, parse_ref
from bpm_xl.readers.workbook import read_workbook
from bpm_xl.writers.portable import CALC_ROLE_NAME, PORTABLE_GUIDE, UDF_NAMES, _Calc, _parse_cells, _parse_table, _Values
from bpm_xl.writers.xlsx import write_workbook
from tests.engines import available, convert, gnumeric_available, gnumeric_recalculate, recalculate, recalculate_all

from .test_portable import _compare_cached
from .workbook_harness import read_values

TEXT_JUDGMENTS = ("1/3", "１／３", " 1 / 3 ")
NEW_INDICATOR = ("L", "学习与成长维度", "Learning and growth", "L6", "绩效评价结果应用", "Use of evaluation results", "act")
NEW_EXPERTS = (("E16", 0.9, 0.8), ("E17", 0.7, 1.0))
GNUMERIC = gnumeric_available()
needs_lo = pytest.mark.skipif(not available(), reason="LibreOffice is not installed")
needs_gnumeric = pytest.mark.skipif(not GNUMERIC, reason="Gnumeric (ssconvert) is not installed")


def _cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _names(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {k: v.attr_text for k, v in wb.defined_names.items()}
    finally:
        wb.close()


def _assert_portable(path: Path) -> None:
    """Macro-free by name, content and formulas; the reader's names and the calc sheet there."""
    with zipfile.ZipFile(path) as zf:
        members = zf.namelist()
        types = zf.read("[Content_Types].xml").decode()
        sheets_xml = [zf.read(m).decode() for m in members if m.startswith("xl/worksheets/sheet")]
        book = zf.read("xl/workbook.xml").decode()
    assert not any("vba" in m.lower() for m in members)
    assert "macroEnabled" not in types
    assert not any("<sheetProtection" in x for x in sheets_xml)  # every sheet stays editable
    names = _names(path)
    assert CALC_ROLE_NAME in names
    for role in ("GUIDE", "SETTINGS", "INDICATORS", "EXPERTS", "JUDGMENTS", "DELPHI", "SURVEY", "DASHBOARD"):
        assert f"BPM_ROLE_{role}" in names
    assert "xlwings.conf" not in book
    formulas = [f for x in sheets_xml for f in re.findall(r"<f[^>]*>([^<]*)</f>", x)]
    assert len(formulas) > 1000
    assert not [f for f in formulas if any(u + "(" in f.upper() for u in UDF_NAMES)][:3]


def _judgment_cells(path: Path):
    """(node index, expert block, i, j) -> the openpyxl cell coordinates, for every judgment block."""
    names = _names(path)
    t = 0
    while f"BPM_J_{t}" in names:
        sh, r0, c0, r1, c1 = parse_ref(names[f"BPM_J_{t}"])
        n = c1 - c0 + 1
        yield t, sh, r0, c0, n, (r1 - r0 + 1) // n
        t += 1


def _grow(path: Path) -> None:
    """What the user types in LibreOffice: one more indicator, two more experts, text fractions."""
    wb = openpyxl.load_workbook(path)
    wb["指标体系"].append(list(NEW_INDICATOR))
    ex = wb["专家"]
    last = max(r for r in range(1, ex.max_row + 1) if ex.cell(r, 1).value)
    for k, (code, ca, cs) in enumerate(NEW_EXPERTS, start=last + 1):
        ex.cell(k, 1, code)
        ex.cell(k, 2, f"专家{code[1:]}")
        ex.cell(k, 3, ca)
        ex.cell(k, 4, cs)
    typed = 0
    for _t, sh, r0, c0, n, k in _judgment_cells(path):
        ws = wb[sh]
        for b in range(k):
            for i in range(n):
                for j in range(i + 1, n):
                    c = ws.cell(r0 + b * n + i + 1, c0 + j + 1)
                    if typed < len(TEXT_JUDGMENTS) and isinstance(c.value, float) and abs(c.value - 1 / 3) < 1e-12:
                        c.value = TEXT_JUDGMENTS[typed]
                        typed += 1
    assert typed == len(TEXT_JUDGMENTS)
    wb.save(path)


def _fill(path: Path) -> None:
    """After the rebuild laid out the new cells: judgments of the new pairs and experts, answers."""
    wb = openpyxl.load_workbook(path)
    for _t, sh, r0, c0, n, k in _judgment_cells(path):
        ws = wb[sh]
        first = [[ws.cell(r0 + i + 1, c0 + j + 1).value for j in range(n)] for i in range(n)]
        for b in range(k):
            for i in range(n):
                for j in range(i + 1, n):
                    up = ws.cell(r0 + b * n + i + 1, c0 + j + 1)
                    lo = ws.cell(r0 + b * n + j + 1, c0 + i + 1)
                    if up.value in (None, "") and lo.value in (None, ""):
                        up.value = first[i][j] if first[i][j] not in (None, "") else 2 + (b + i + j) % 3
    names = _names(path)
    sh, r0, c0, r1, c1 = parse_ref(names["BPM_SURVEY"])
    ws = wb[sh]
    codes = [ws.cell(r0, c0 + 1 + j).value for j in range(c1 - c0 + 1)]
    col = c0 + 1 + codes.index(NEW_INDICATOR[3])
    for r in range(r0 + 1, r1 + 2):
        if ws.cell(r, c0 + 1).value is not None and ws.cell(r, col).value is None:
            ws.cell(r, col, 1 + (r * 7) % 5)
    d = 1
    while f"BPM_DELPHI_{d}" in names:
        sh, r0, c0, r1, c1 = parse_ref(names[f"BPM_DELPHI_{d}"])
        ws = wb[sh]
        for r in range(r0 + 1, r1 + 2):
            for c in range(c0 + 1, c1 + 2):
                if ws.cell(r, c).value is None:
                    ws.cell(r, c, 4)
        d += 1
    wb.save(path)


def _entered(path: Path) -> dict:
    """Every input value by code: what a rebuild must keep."""
    data, _ = read_workbook(path, formulas=True)
    out = {("setting", k): v for k, v in data.settings.items()}
    out.update({("indicator", r["code"]): tuple(r.values()) for r in data.system_rows})
    out.update({("expert", e["code"]): (e["name"], e["ca"], e["cs"]) for e in data.experts})
    for node, per in data.judgments.items():
        for ecode, cells in per.items():
            out.update({("judgment", node, ecode, a, b): v for (a, b), v in cells.items()})
    for k, rd in enumerate(data.delphi):
        for ecode, row in rd.items():
            out.update({("delphi", k, ecode, c): v for c, v in row.items() if v is not None})
    for rid, row in zip(data.survey_ids, data.survey):
        out.update({("survey", rid, c): v for c, v in row.items() if v is not None})
    return out



def _kpi(rows):
    """The dashboard from its KPI block on, padded so rows[2] is the total (as before the
    dashboard gained its check and status lines)."""
    k = next(i for i, row in enumerate(rows) if row and row[0] == "综合绩效得分")
    return [None, None, *rows[k:]]

@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """new --portable, grown and rebuilt, filled and rebuilt again; an .xlsm of the same data."""
    tmp = tmp_path_factory.mktemp("hub")
    hub = tmp / "hub.xlsx"
    res = _cli("new", hub, "--portable", "-q")
    assert res.exit_code == 0, res.output
    fresh = tmp / "fresh.xlsx"
    shutil.copy(hub, fresh)
    _grow(hub)
    before_first = _entered(hub)
    res = _cli("rebuild", hub, "-q")
    assert res.exit_code == 0, res.output
    after_first = _entered(hub)
    _fill(hub)
    before_second = _entered(hub)
    first_backup = sorted(tmp.glob("hub.backup-*"))
    res = _cli("rebuild", hub, "-q")
    assert res.exit_code == 0, res.output
    data, _ = read_workbook(hub)
    xlsm = service.new_workbook(tmp / "same.xlsm", data=data, with_module=False)
    export = service.export_file(hub, tmp / "hub_export.xlsx")
    return {"tmp": tmp, "hub": hub, "fresh": fresh, "xlsm": xlsm, "export": export, "backups": first_backup,
            "kept": [(before_first, after_first), (before_second, _entered(hub))]}


@pytest.fixture(scope="module")
def engines(grown):
    """LibreOffice (recalculating, and with its default profile) and Gnumeric on the hub and the export."""
    if not available():
        pytest.skip("LibreOffice is not installed")
    tmp = grown["tmp"]
    lo_hub, lo_export = recalculate_all([grown["hub"], grown["export"]], tmp / "lo")
    shown = convert(grown["hub"], tmp / "shown", "xlsx", recalc=False)
    out = {"lo": {"hub": lo_hub, "export": lo_export}, "shown": shown}
    if GNUMERIC:
        out["gnumeric"] = {key: gnumeric_recalculate(grown[key], tmp / "gnumeric" / grown[key].name)
                           for key in ("hub", "export")}
    return out


@pytest.fixture(scope="module")
def evaluated(grown):
    res = _cli("evaluate", grown["hub"], "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


# ---------------------------------------------------------------------------------------
def test_new_portable_is_a_macro_free_hub_that_says_so(grown):
    _assert_portable(grown["fresh"])
    values = read_values(grown["fresh"])
    lines = [r[0] for r in values["说明"] if r and isinstance(r[0], str)]
    assert PORTABLE_GUIDE["zh"][0] in lines
    assert not any("启用宏" in v or "SampleCall" in v for v in lines)
    titles = [v for rows in values.values() for r in rows for v in r if isinstance(v, str)]
    assert not any("点击“重建" in v for v in titles)  # no button to click in a portable file


def test_new_refuses_a_name_that_does_not_match_the_kind(tmp_path):
    for args, word in (([tmp_path / "a.xlsx"], "--portable"), ([tmp_path / "b.xlsm", "--portable"], ".xlsx")):
        res = _cli("new", *args)
        assert res.exit_code == 2 and word in res.output, res.output
        assert not args[0].exists()


def test_blank_portable_hub_rebuilds_as_a_portable_hub(tmp_path):
    path = tmp_path / "blank.xlsx"
    assert _cli("new", path, "--portable", "--blank", "--lang", "en", "-q").exit_code == 0
    _assert_portable(path)
    res = _cli("rebuild", path)
    assert res.exit_code == 0, res.output
    assert "not evaluated yet" in res.output and "xlwings.conf" not in res.output
    _assert_portable(path)
    guide = [r[0] for r in read_values(path)["Guide"] if r and isinstance(r[0], str)]
    assert guide.count(PORTABLE_GUIDE["en"][0]) == 1  # a rebuild does not repeat what the file is


def test_rebuild_keeps_the_hub_portable_and_every_entered_value(grown):
    _assert_portable(grown["hub"])
    assert grown["backups"], "rebuild keeps a backup copy"
    for before, after in grown["kept"]:
        lost = {k: v for k, v in before.items() if after.get(k) != v}
        assert not lost, list(lost.items())[:5]
    data, _ = read_workbook(grown["hub"], formulas=True)
    assert [e["code"] for e in data.experts][-2:] == [c for c, _, _ in NEW_EXPERTS]
    assert NEW_INDICATOR[3] in [r["code"] for r in data.system_rows]
    typed = [v for per in data.judgments.values() for cells in per.values() for v in cells.values() if isinstance(v, str)]
    assert sorted(typed) == sorted(TEXT_JUDGMENTS)  # still text, as typed
    for node, per in data.judgments.items():  # the new experts have judgment blocks
        assert {c for c, _, _ in NEW_EXPERTS} <= set(per), node


@needs_lo
@pytest.mark.libreoffice
@pytest.mark.gnumeric
def test_libreoffice_recalculation_of_the_grown_hub_equals_evaluate_of_the_same_xlsm(grown, engines, evaluated):
    xlsm = service.evaluate_file(grown["xlsm"]).evaluation
    assert math.isclose(xlsm.total, evaluated["total"], rel_tol=1e-12)
    dash = _kpi(read_values(engines["lo"]["hub"], ["仪表盘"])["仪表盘"])
    assert math.isclose(dash[2][1], xlsm.total, rel_tol=1e-9)
    assert math.isclose(dash[3][1], xlsm.score100, rel_tol=1e-9)
    assert dash[4][1] == xlsm.rating.grade
    # every cell against the stored values: test_both_engines_reproduce_evaluate_with_text_fractions


@needs_lo
@pytest.mark.libreoffice
@pytest.mark.gnumeric
def test_the_rebuilt_hub_opened_without_recalculation_shows_the_evaluate_json_figures(engines, evaluated):
    dash = _kpi(read_values(engines["shown"], ["仪表盘"])["仪表盘"])
    assert math.isclose(dash[2][1], evaluated["total"], rel_tol=1e-12)
    assert math.isclose(dash[3][1], evaluated["score100"], rel_tol=1e-12)
    assert dash[4][1] == evaluated["rating"]["grade"]
    assert dash[5][1] == evaluated["rating"]["label_zh"]


@needs_lo
@needs_gnumeric
@pytest.mark.libreoffice
@pytest.mark.gnumeric
@pytest.mark.parametrize("engine", ["lo", "gnumeric"])
@pytest.mark.parametrize("key", ["hub", "export"])
def test_both_engines_reproduce_evaluate_with_text_fractions(grown, engines, evaluated, engine, key):
    """The hub and its export hold judgments typed as "1/3", "１／３" and " 1 / 3 "."""
    values = read_values(engines[engine][key])
    dash = _kpi(values["仪表盘"])
    assert math.isclose(dash[2][1], evaluated["total"], rel_tol=1e-9), (engine, key)
    assert dash[4][1] == evaluated["rating"]["grade"]
    numeric, bad = _compare_cached(grown[key], values)
    assert numeric > 5000 and not bad, (engine, key, bad[:5])


def test_evaluate_report_and_export_accept_the_hub(grown, tmp_path):
    res = _cli("report", grown["hub"], "-o", tmp_path / "r.html", "--draws", "200", "-q")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").exists()
    res = _cli("export", grown["hub"], "--portable", "-o", tmp_path / "again.xlsx", "-q")
    assert res.exit_code == 0, res.output
    _assert_portable(tmp_path / "again.xlsx")


# ---------------------------------------------------------------------------------------
# refusals: nothing written, one line saying what to do
def _refused(path: Path, *words: str) -> None:
    before = path.read_bytes()
    res = _cli("rebuild", path)
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and all(w in res.output for w in words), res.output
    assert path.read_bytes() == before
    assert not list(path.parent.glob(f"{path.stem}.backup-*"))


def test_rebuild_refuses_a_renamed_file_either_way(grown, tmp_path):
    renamed = tmp_path / "renamed.xlsm"
    shutil.copy(grown["fresh"], renamed)
    _refused(renamed, "renamed.xlsm", "rename it to renamed.xlsx")
    other = tmp_path / "macro.xlsx"
    shutil.copy(grown["xlsm"], other)
    _refused(other, "macro.xlsx", "rename it to macro.xlsm")


def test_rebuild_refuses_invalid_input_in_a_hub(grown, tmp_path):
    path = tmp_path / "bad.xlsx"
    shutil.copy(grown["fresh"], path)
    wb = openpyxl.load_workbook(path)
    wb["问卷"]["C5"] = 6
    wb.save(path)
    _refused(path, "问卷", "C5")


def test_rebuild_refuses_text_the_native_formulas_cannot_read(grown, tmp_path):
    """"①/3" is 1/3 to the core (NFKC) but not to a spreadsheet: refused, not silently split."""
    path = tmp_path / "circled.xlsx"
    shutil.copy(grown["fresh"], path)
    _t, sh, r0, c0, n, _k = next(_judgment_cells(path))
    wb = openpyxl.load_workbook(path)
    cell = wb[sh].cell(r0 + 1, c0 + 2)  # expert E01, first row, second column: an upper-triangle judgment
    cell.value = "①/3"
    wb.save(path)
    assert _cli("evaluate", path, "-q").exit_code == 0  # the core reads it (as 1/3)
    _refused(path, "判断矩阵", cell.coordinate, "①")


# ---------------------------------------------------------------------------------------
# the parse formulas against both engines, for hostile text
HOSTILE = (
    "1/3", "１／３", " 1 / 3 ", "\u30001/3", "1e-400", "1e300", "1e299", "1/3\n", "\t2", "1/0", "0/5", "abc", "1/3/4", "5-", "1-3", "1.2.3",
    "+.5e1", "1e5", "1E+05", "1 3/4", "①/3", "½", "0x10", "1,5", "--1", "1e", "e5", ".", "+", "3.", "-.5",
    "TRUE", "", " ", "#N/A", "٣", "１.５", "1/ 3", "1 /3", "1/3.", "2e-1/4", "1/+3", "1/-3", "/3", "3/", "1e400",
    "９", "1　/　3", "\u00a04", "1e+", "1.e2", "1..2", "+-1", "1e5.5", "1/3e", "INF", "nan", 7, 0.25, None,
)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    """One parse row per hostile entry, recalculated by LibreOffice and Gnumeric."""
    if not available():
        pytest.skip("LibreOffice is not installed")
    tmp = tmp_path_factory.mktemp("parse")
    cells = [[v] for v in HOSTILE]
    src = SheetPlan("judgments", "J", "input")
    src.blocks.append(Block(0, 0, cells, "input"))
    plan = WorkbookPlan("en", [src], {})
    calc = _Calc("en", _Values(plan))
    with pytest.MonkeyPatch.context() as mp:  # the refusal is tested above; here every row is written
        mp.setattr("bpm_xl.writers.portable._check_readable", lambda *a: None)
        at = _parse_table(calc, [(r, 0) for r in range(len(HOSTILE))], "J", "test")
    plan.sheets.append(calc.sheet())
    path = tmp / "parse.xlsx"
    write_workbook(plan, path, None)
    outs = {"lo": recalculate(path, tmp / "lo")}
    if GNUMERIC:
        outs["gnumeric"] = gnumeric_recalculate(path, tmp / "gnumeric.xlsx", timeout=120)
    return path, outs, at


@pytest.mark.libreoffice
@pytest.mark.gnumeric
@pytest.mark.parametrize("engine", ["lo", "gnumeric"])
def test_parse_formulas_show_what_their_mirror_says(parsed, engine):
    path, outs, _at = parsed
    if engine not in outs:
        pytest.skip("Gnumeric (ssconvert) is not installed")
    numeric, bad = _compare_cached(path, outs[engine])
    assert numeric > 0 and not bad, bad[:8]


@pytest.mark.parametrize("typed", HOSTILE, ids=[repr(v) for v in HOSTILE])
def test_the_native_parse_never_reads_a_number_the_core_does_not(typed):
    """Where the formulas read a number the core reads the same; where only the core reads
    one, writing a portable file refuses (above); both refuse or blank the rest."""
    native = _parse_cells(typed)[0]
    core = conversion.number(typed)
    if isinstance(native, float):
        assert not isinstance(core, conversion.Invalid) and core == native, (typed, core, native)
    elif native == "":
        assert not isinstance(core, conversion.Invalid) and math.isnan(core), (typed, core)
    elif not isinstance(core, conversion.Invalid) and not math.isnan(core):
        from bpm_xl.writers.portable import _check_readable

        with pytest.raises(WorkbookError, match="cannot be read by the formulas"):
            _check_readable(typed, native, "J", 0, 0)


def test_rebuild_never_leaves_an_xlsm_without_its_macros(grown, tmp_path):
    """An .xlsm whose VBA project was lost (some programs drop it) gets bpm-xl's project back."""
    path = tmp_path / "lost.xlsm"
    with zipfile.ZipFile(grown["xlsm"]) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/vbaProject.bin":
                dst.writestr(item, src.read(item.filename))
    res = _cli("rebuild", path, "-q")
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(path) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
        assert "macroEnabled" in zf.read("[Content_Types].xml").decode()
