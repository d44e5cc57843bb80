"""An evaluation round that cannot go silently wrong: the evaluation's identity, sealed forms,
rounds that only move forward, the 收回记录 sheet, folders and wildcards, renamed sheets.

Every hub here is a blank hub (cheap to rebuild) with unit and year typed in; the refusals and
the round order run on both hub kinds (macro .xlsm and portable .xlsx).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.collect import hub_nodes, system_of
from bpm_xl.errors import WorkbookError
from bpm_xl.layout.forms import SHEETS
from bpm_xl.layout.identity import IDENTITY_NAMES, LOG_SHEET
from bpm_xl.service import collect_forms, export_file, new_workbook, read_workbook, rebuild_file, write_forms

from .form_helpers import fill_form
from .hostile.conftest import Package

IDENT = SHEETS["identity"]["zh"]


def _hub(path: Path, unit: str, year: int, lang: str = "zh") -> Path:
    new_workbook(path, lang=lang, example=False, with_module=False, portable=path.suffix == ".xlsx")

    def typed(d):
        d.meta.update(unit=unit, year=year)
        for e, (ca, cs) in zip(d.experts, ((0.8, 0.9), (0.7, 0.8), (0.9, 0.6))):
            e.update(ca=ca, cs=cs)
        return d

    rebuild_file(path, update=typed)
    for b in path.parent.glob("*.backup-*"):
        b.unlink()
    return path


def _nodes(hub: Path):
    data, _ = read_workbook(hub)
    system = system_of(data)
    return hub_nodes(system), list(system.codes)


def _fill(form: Path, hub: Path, goal: dict | None = None, rating: int = 4, lang: str = "zh") -> Path:
    nodes, codes = _nodes(hub)
    goal = goal or {("F", "C"): 2.0, ("F", "P"): 3.0, ("F", "L"): 4.0, ("C", "P"): 2.0, ("C", "L"): 2.0, ("P", "L"): 1.0}
    fill_form(form, nodes, codes, {"GOAL": goal}, ratings={c: rating for c in codes}, lang=lang)
    return form


def _collect(hub: Path, *args: str | Path, code: int = 0):
    r = CliRunner().invoke(app, ["collect", str(hub), *map(str, args)])
    assert r.exit_code == code, r.output
    return r


def _refused(hub: Path, *args: str | Path, must: tuple[str, ...] = ()) -> str:
    before = hub.read_bytes()
    r = _collect(hub, *args, code=2)
    line = r.output.strip()
    assert line.count("\n") == 0 and line.startswith("bpm-xl: error: "), line
    for m in must:
        assert m in line, line
    assert hub.read_bytes() == before
    assert list(hub.parent.glob("*.backup-*")) == []
    return line


@pytest.fixture(scope="module", params=[".xlsm", ".xlsx"], ids=["macro", "portable"])
def two_made(request, tmp_path_factory) -> tuple[Path, tuple[Path, ...]]:
    """Two hubs made with ``new`` for the same indicator system and panel, and one filled form of
    each, made once per hub kind (each test works on its own copy: :func:`two`)."""
    root = tmp_path_factory.mktemp("two")
    a = _hub(root / "a" / f"评价{request.param}", "七里河区财政局", 2025)
    b = _hub(root / "b" / f"评价{request.param}", "城关区财政局", 2024)
    fa = _fill(write_forms(a, root / "fa", 1)[0], a)
    fb = _fill(write_forms(b, root / "fb", 1)[0], b)
    return root, (a, b, fa, fb)


@pytest.fixture()
def two(two_made, tmp_path):
    """A copy of :func:`two_made`'s hubs and forms of this test's own: (hub a, hub b, form of a, form of b)."""
    root, made = two_made
    for d in ("a", "b", "fa", "fb"):
        shutil.copytree(root / d, tmp_path / d)
    return tuple(tmp_path / p.relative_to(root) for p in made)


def _ident(hub: Path) -> dict:
    return read_workbook(hub)[0].identity


# ----------------------------------------------------------------------------- identity
def test_new_gives_every_hub_its_own_evaluation_id_kept_by_rebuild_and_export(two, tmp_path):
    a, b, _, _ = two
    ia, ib = _ident(a), _ident(b)
    assert re.fullmatch(r"[0-9a-f-]{36}", ia["evaluation"]) and ia["evaluation"] != ib["evaluation"]
    assert ia["secret"] != ib["secret"] and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ia["created"])
    rebuild_file(a)
    assert _ident(a) == ia
    out = export_file(a, tmp_path / "copy.xlsx")
    assert _ident(out) == ia                                  # a copy of the hub is the same evaluation
    guide = openpyxl.load_workbook(a, read_only=True)["说明"]
    lines = [r[0] for r in guide.iter_rows(min_row=35, max_row=39, max_col=1, values_only=True)]
    assert f"评价编号：{ia['evaluation']}" in lines and f"创建时间：{ia['created']}" in lines
    assert any("七里河区财政局" in ln and "2025" in ln for ln in lines), lines


def test_a_form_of_another_hub_of_the_same_system_is_refused_naming_both_evaluations(two):
    a, b, fa, fb = two
    ia, ib = _ident(a), _ident(b)
    line = _refused(a, fb, must=(fb.name, "另一次评价", "城关区财政局", "2024", ib["created"], ib["evaluation"],
                                 "七里河区财政局", "2025", ia["created"], ia["evaluation"], "--adopt"))
    assert "cell B14" in line
    # adopting it is a deliberate act: taken in, and recorded with the other evaluation's ID
    r = _collect(a, fb, "--adopt")
    assert "按 --adopt 接收" in r.output
    log = read_workbook(a)[0].collected
    assert [(x["expert"], x["round"], x["file"]) for x in log] == [("E01", 1, fb.name)]
    assert ib["evaluation"] in log[0]["note"] and log[0]["evaluation"] == ia["evaluation"]


def test_a_form_answer_saved_as_a_formula_without_its_result_is_refused_not_left_blank(two):
    """A script that fills a form with a formula (openpyxl stores no result) leaves the answer
    unknown: collect names the cell instead of collecting the pair as left blank."""
    a, _, fa, _ = two
    wb = openpyxl.load_workbook(fa)
    ws, cell = next((ws, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == "√")
    cell.value = '="√"'
    wb.save(fa)
    _refused(a, fa, must=(fa.name, f"sheet {ws.title}", f"cell {cell.coordinate}", 'holds a formula (="√") whose '
                          "result is not stored"))


@pytest.mark.parametrize(("cell", "value"), [("B3", "E02"), ("B5", 2), ("B14", "00000000-0000-0000-0000-000000000000"),
                                             ("B6", "0123456789abcdef")],
                         ids=["expert E01->E02", "round 1->2", "evaluation ID", "fingerprint"])
def test_an_edited_hidden_sheet_is_refused(two, cell, value):
    a, _, fa, _ = two
    wb = openpyxl.load_workbook(fa)
    wb[IDENT][cell].value = value
    wb.save(fa)
    if cell == "B14":   # another evaluation's ID: named as such (its seal cannot be checked here)
        _refused(a, fa, must=(fa.name, "另一次评价", value))
    else:
        _refused(a, fa, must=(fa.name, "sheet _bpm_form, cell B18", "签名不符"))


def test_a_form_written_before_forms_were_sealed_is_refused_unless_adopted(two):
    a, _, fa, _ = two
    wb = openpyxl.load_workbook(fa)
    ws = wb[IDENT]
    ws["B2"].value = 1
    ws.delete_rows(14, 5)                                    # what a version-1 form holds
    wb.save(fa)
    _refused(a, fa, must=(fa.name, "较早版本", "bpm-xl forms", "--adopt"))
    r = _collect(a, fa, "--adopt")
    assert read_workbook(a)[0].collected[0]["file"] == fa.name, r.output


def _strip_identity(hub: Path) -> None:
    """The hub as a bpm-xl from before hubs had an evaluation ID wrote it."""
    pkg = Package(hub)
    xml = pkg.text("xl/workbook.xml")
    for name in IDENTITY_NAMES.values():
        xml = re.sub(rf'<definedName name="{name}">[^<]*</definedName>', "", xml)
    pkg.set_text("xl/workbook.xml", xml)
    pkg.save(hub)
    assert _ident(hub) == {}


def test_a_hub_written_before_it_had_an_id_gets_one_on_its_first_rebuild_and_says_so(tmp_path):
    hub = _hub(tmp_path / "old.xlsm", "七里河区财政局", 2025)
    _strip_identity(hub)
    with pytest.raises(WorkbookError, match="还没有评价编号.*重建评价表.*bpm-xl rebuild"):
        write_forms(hub, tmp_path / "f", 1, "en")
    r = CliRunner().invoke(app, ["rebuild", str(hub)])
    assert r.exit_code == 0, r.output
    ident = _ident(hub)
    assert ident and f"had no evaluation ID (written by an earlier bpm-xl); it now has {ident['evaluation']}" in r.output
    r = CliRunner().invoke(app, ["rebuild", str(hub)])
    assert _ident(hub) == ident and "evaluation ID" not in r.output


def test_collect_into_a_hub_without_an_id_gives_it_one_and_says_so(tmp_path):
    hub = _hub(tmp_path / "old.xlsm", "七里河区财政局", 2025)
    form = _fill(write_forms(hub, tmp_path / "f", 1)[0], hub)
    _strip_identity(hub)
    for b in hub.parent.glob("*.backup-*"):
        b.unlink()
    _refused(hub, form, must=("另一次评价", "--adopt"))        # its ID is not the hub's (the hub has none)
    r = _collect(hub, form, "--adopt")
    ident = _ident(hub)
    assert ident and f"工作簿原来没有评价编号（由较早版本的 bpm-xl 生成），现在的编号是 {ident['evaluation']}" in r.output
    assert read_workbook(hub)[0].collected[0]["evaluation"] == ident["evaluation"]


# ----------------------------------------------------------------------------- rounds
def test_rounds_only_move_forward_and_the_log_survives_rebuilds(two, tmp_path):
    a, _, fa, _ = two
    r = _collect(a, fa)
    assert "第 1 轮尚未收回：E02, E03" in r.output
    # the same form again: nothing at all changes (no answer, no second log row, same bytes)
    for b in a.parent.glob("*.backup-*"):
        b.unlink()
    before = a.read_bytes()
    r = _collect(a, fa)
    assert "没有改动" in r.output and a.read_bytes() == before and list(a.parent.glob("*.backup-*")) == []
    assert len(read_workbook(a)[0].collected) == 1
    # round 2 for E01, revised
    f2 = write_forms(a, tmp_path / "r2", 2)[0]
    nodes, codes = _nodes(a)
    fill_form(f2, nodes, codes, {"GOAL": {("F", "C"): 1 / 3}}, ratings={c: 5 for c in codes})
    _collect(a, f2)
    log = read_workbook(a)[0].collected
    assert [(x["expert"], x["round"]) for x in log] == [("E01", 1), ("E01", 2)] and log[1]["cells"] > 0
    # the late round-1 form is refused, naming both forms; the hub keeps round 2
    for b in a.parent.glob("*.backup-*"):
        b.unlink()
    _refused(a, fa, must=(fa.name, "第 1 轮", "第 2 轮", f2.name, log[1]["time"], "轮次只能向前"))
    # 收回记录 survives a rebuild (and is a sheet of the hub)
    rebuild_file(a)
    assert read_workbook(a)[0].collected == log
    assert LOG_SHEET["zh"] in openpyxl.load_workbook(a, read_only=True).sheetnames


def test_collect_prints_each_matrix_cr_and_verdict_from_the_core(two):
    a, _, fa, _ = two
    nodes, codes = _nodes(a)
    fill_form(fa, nodes, codes, {"GOAL": {("F", "C"): 9.0, ("C", "P"): 9.0, ("F", "P"): 1 / 9}})
    r = _collect(a, fa)
    from bpm_xl.ahp import ahp_weights

    e01 = read_workbook(a)[0].judgments["GOAL"]["E01"]
    kids = ["F", "C", "P", "L"]
    grid = [[1.0 if i == j else e01.get((x, y)) for j, y in enumerate(kids)] for i, x in enumerate(kids)]
    cr = ahp_weights(grid).consistency_ratio
    assert cr > 0.1 and f"E01 GOAL: CR {cr:.4f} 未通过" in r.output, r.output


def test_english_hub_speaks_english(tmp_path):
    hub = _hub(tmp_path / "book.xlsm", "Qilihe finance bureau", 2025, lang="en")
    other = _hub(tmp_path / "other" / "book.xlsm", "Chengguan finance bureau", 2025, lang="en")
    f = _fill(write_forms(hub, tmp_path / "f", 1, "en")[0], hub, lang="en")
    g = _fill(write_forms(other, tmp_path / "g", 1, "en")[0], other, lang="en")
    r = _collect(hub, f, "--dry-run")
    assert "round 1 still missing: E02, E03" in r.output and "dry run: nothing written" in r.output
    assert re.search(r"E01 GOAL: CR \d\.\d{4} (pass|fail)", r.output), r.output
    _refused(hub, g, must=("belongs to another evaluation", "Chengguan finance bureau", "--adopt"))
    nodes, codes = _nodes(hub)
    fill_form(f, nodes, codes, ratings={codes[0]: 7}, lang="en")
    _refused(hub, f, must=(f"the rating of {codes[0]} is 7.0; it must be a whole number from 1 to 5",))


# ----------------------------------------------------------------------------- folders and wildcards
def test_collect_takes_a_folder_and_expands_wildcards_itself(tmp_path):
    hub = _hub(tmp_path / "评价.xlsm", "七里河区财政局", 2025)
    out = tmp_path / "回收"
    files = write_forms(hub, out, 1)
    for f in files:
        _fill(f, hub)
    (out / f"~${files[0].name}").write_bytes(b"lock")        # Excel's lock file of an open form: not a form
    (out / "readme.txt").write_text("x")
    (tmp_path / "spare").mkdir()
    spare = shutil.copy2(hub, tmp_path / "spare" / "spare.xlsm")
    r = _collect(hub, out, "--dry-run")
    assert all(f"{f.name}：专家" in r.output for f in files) and "第 1 轮问卷已全部收回" in r.output
    r = _collect(spare, str(out / "*.xlsx"))          # as cmd.exe and PowerShell pass it on: unexpanded
    assert len(read_workbook(spare)[0].collected) == 3, r.output
    empty = tmp_path / "空"
    empty.mkdir()
    _refused(hub, empty, must=("holds no returned form",))
    _refused(hub, str(tmp_path / "nothing" / "*.xlsx"), must=("no file matches",))


# ----------------------------------------------------------------------------- a renamed sheet
def test_a_sheet_renamed_in_excel_is_refused_with_the_name_to_give_it_back(tmp_path):
    hub = _hub(tmp_path / "评价.xlsm", "七里河区财政局", 2025)
    pkg = Package(hub)
    xml = pkg.text("xl/workbook.xml")
    xml = xml.replace('<sheet name="判断矩阵"', '<sheet name="判断"').replace("'判断矩阵'!", "判断!").replace("判断矩阵!", "判断!")
    pkg.set_text("xl/workbook.xml", xml)
    pkg.save(hub)
    before = hub.read_bytes()
    with pytest.raises(WorkbookError, match="the sheet 判断矩阵 was renamed to 判断; rename it back to 判断矩阵"):
        rebuild_file(hub)
    assert hub.read_bytes() == before


def test_collect_into_the_copy_of_a_hub_works_but_not_into_a_new_one(two, tmp_path):
    a, _, fa, _ = two
    copy = Path(shutil.copy2(a, tmp_path / f"副本{a.suffix}"))
    report, bak = collect_forms(copy, [fa])
    assert bak is not None and [x["file"] for x in report.logged] == [fa.name]


# ----------------------------------------------------------------------------- the 收回问卷 button
def test_the_collect_button_records_the_forms_and_refuses_another_evaluation(tmp_path, monkeypatch):
    """macros.collect over the Office.js model of the hub (what Excel would be told to do,
    replayed into the file): the answers and the 收回记录 sheet are written; a form of another
    hub is refused with nothing written."""
    import xlwings as xw

    from bpm_xl import macros
    from bpm_xl.layout.labels import RETURNED_DIR
    from bpm_xl.readers.workbook import load_grids

    from .replay import payload_from_grids, replay

    hub = _hub(tmp_path / "hub.xlsm", "七里河区财政局", 2025)
    other = _hub(tmp_path / "other" / "hub.xlsm", "城关区财政局", 2024)
    back = tmp_path / RETURNED_DIR.format(stem="hub")
    back.mkdir()
    shutil.copy2(_fill(write_forms(hub, tmp_path / "sent", 1)[0], hub), back / "E01.xlsx")
    monkeypatch.chdir(tmp_path)
    book = xw.Book(json=payload_from_grids(load_grids(hub), book_name=hub.name))
    message = macros.collect(book)
    assert "第 1 轮尚未收回：E02, E03" in message and "E01 F: 未作答" in message, message
    out = tmp_path / "replayed.xlsm"
    replay(book.json()["actions"], hub, out)
    data = read_workbook(out)[0]
    assert [(x["expert"], x["round"]) for x in data.collected] == [("E01", 1)]
    assert data.judgments["GOAL"]["E01"][("F", "C")] == 2
    # a form of the other hub in the folder: refused (the button shows the message), nothing written
    _fill(write_forms(other, tmp_path / "of", 1)[1], other)
    shutil.copy2(tmp_path / "of" / "E02.xlsx", back / "E02.xlsx")
    book = xw.Book(json=payload_from_grids(load_grids(hub), book_name=hub.name))
    with pytest.raises(WorkbookError, match="另一次评价"):
        macros.collect(book)
    assert book.json()["actions"] == []
