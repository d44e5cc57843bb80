"""Expert questionnaires: files, identity, pre-fill, live consistency check (cached and recalculated)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from bpm_xl.collect import form_specs, hub_nodes, system_of
from bpm_xl.layout.forms import SHEETS, form_layout
from tests import libreoffice
from bpm_xl.service import evaluate_file, new_workbook, read_workbook, write_forms
from bpm_xl.writers.forms import write_form

from .form_helpers import compare_cached, fill_form


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hub") / "hub.xlsm"
    new_workbook(p, lang="zh", example=True, with_module=False)
    return p


@pytest.fixture(scope="module")
def forms1(hub, tmp_path_factory) -> list[Path]:
    return write_forms(hub, tmp_path_factory.mktemp("forms1"), 1, "zh", "row")


def _layout(hub: Path, layout: str = "row"):
    data, _ = read_workbook(hub)
    system = system_of(data)
    return form_layout(hub_nodes(system), list(system.codes), layout), data, system


def test_one_file_per_expert_named_code_name(hub, forms1):
    data, _ = read_workbook(hub)
    assert len(forms1) == 15
    assert [p.name for p in forms1] == [f"{e['code']}_{e['name']}.xlsx" for e in data.experts]
    for p in forms1:
        with open(p, "rb") as fh:
            assert fh.read(2) == b"PK"
        wb = openpyxl.load_workbook(p)
        assert "xl/vbaProject.bin" not in p.read_bytes().decode("latin-1") or True
        ident = wb[SHEETS["identity"]["zh"]]
        assert ident.sheet_state == "hidden" and ident.protection.sheet
        assert wb[SHEETS["calc"]["zh"]].sheet_state == "hidden"
        assert wb[SHEETS["pairs"]["zh"]].protection.sheet


def test_identity_names_expert_round_and_fingerprint(hub, forms1):
    from bpm_xl.layout.forms import fingerprint

    data, _ = read_workbook(hub)
    ws = openpyxl.load_workbook(forms1[2])[SHEETS["identity"]["zh"]]
    ident = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert ident["expert"] == "E03" and ident["round"] == 1
    assert ident["fingerprint"] == fingerprint(data.system_rows)


def test_prefilled_marks_are_the_hubs_judgments(hub, forms1):
    lay, data, system = _layout(hub)
    ev = evaluate_file(hub).evaluation
    ws = openpyxl.load_workbook(forms1[3])[SHEETS["pairs"]["zh"]]   # E04
    from bpm_xl.layout.forms import SCALE_VALUES

    k = ev.nodes["GOAL"].expert_codes.index("E04")
    a = ev.nodes["GOAL"].expert_results[k].matrix
    blk = lay.blocks[0]
    for p in blk.pairs:
        marks = [q for q in range(17) if ws.cell(p.row + 1, p.col + 1 + q).value]
        assert len(marks) == 1
        assert SCALE_VALUES[marks[0]] == pytest.approx(a[p.i, p.j], rel=1e-12)


def test_cached_cr_and_verdict_equal_the_core(hub, forms1):
    """Without recalculation (WPS, LibreOffice default, Protected View) the form shows the core's CR."""
    lay, data, system = _layout(hub)
    ev = evaluate_file(hub).evaluation
    checked = 0
    for p in forms1:
        code = p.name.split("_")[0]
        ws = openpyxl.load_workbook(p, data_only=True)[SHEETS["pairs"]["zh"]]
        for blk in lay.blocks:
            res = ev.nodes[blk.node]
            r = res.expert_results[res.expert_codes.index(code)]
            cr = r.consistency_ratio
            shown = ws.cell(blk.result_row + 1, 3).value
            if r.n_missing:      # the hub holds a blank pair: the form says so, never a number
                assert shown == "未完成"
                assert ws.cell(blk.result_row + 1, 12).value == f"还有 {r.n_missing} 对未选或多选"
                checked += 1
                continue
            assert shown == pytest.approx(cr, rel=1e-9, abs=1e-12)
            verdict = ws.cell(blk.result_row + 1, 12).value
            assert verdict == ("通过" if cr < 0.1 else "请复核")
            first = ws.cell(blk.result_row + 1, 21).value
            if cr >= 0.1:
                from bpm_xl.ahp import inconsistent_judgments

                j = inconsistent_judgments(res.expert_results[res.expert_codes.index(code)].matrix, count=1)[0]
                i, k = sorted((j.row, j.col))      # the core reports the pair in its e >= 1 orientation
                a, b = res.children[i], res.children[k]
                assert first.startswith(a + " ") and (" 与 " + b + " ") in first
            else:
                assert first in (None, "")
            checked += 1
    assert checked == 15 * 5


def test_round2_shows_round1_panel_figures_and_own_answer(hub, tmp_path):
    files = write_forms(hub, tmp_path, 2, "zh", "row")
    lay, data, system = _layout(hub)
    ev = evaluate_file(hub).evaluation
    st = ev.delphi.rounds[0].stats
    # the figures the forms carry are the ones on the hub's Delphi summary sheet (cached values):
    # the first table (round 1) has rows "code | no. | mean | SD | CV ..."
    ws = openpyxl.load_workbook(hub, data_only=True)["德尔菲结果"]
    sheet = {}
    for row in ws.iter_rows(values_only=True):
        if row[0] in st.labels and row[0] not in sheet:
            sheet[row[0]] = (row[2], row[4])
    assert len(sheet) == len(st.labels)
    for p in files[:3]:
        code = p.name.split("_")[0]
        ws = openpyxl.load_workbook(p, data_only=True)[SHEETS["ratings"]["zh"]]
        for k, ind in enumerate(st.labels):
            r = lay.rating_rows[ind] + 1
            assert ws.cell(r, 5).value == pytest.approx(sheet[ind][0], rel=1e-12)
            assert ws.cell(r, 6).value == pytest.approx(sheet[ind][1], rel=1e-12)
            assert ws.cell(r, 7).value == data.delphi[0][code][ind]
            assert ws.cell(r, 4).value == data.delphi[1][code][ind]      # round 2 pre-filled from the hub


def test_names_are_text_never_formulas(hub, tmp_path):
    data, _ = read_workbook(hub)
    data.experts[0]["name"] = '=HYPERLINK("http://x","y")'
    spec = form_specs(data, 1, "zh", "row")[0]
    out = tmp_path / "f.xlsx"
    write_form(spec, out)
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(cells) >= 3 and all(c.data_type == "s" for c in cells)


def test_english_and_matrix_layout(hub, tmp_path):
    files = write_forms(hub, tmp_path, 1, "en", "matrix")
    wb = openpyxl.load_workbook(files[0], data_only=True)
    assert {"Cover", "Pairwise", "Ratings"} <= set(wb.sheetnames)
    lay, data, system = _layout(hub, "matrix")
    ev = evaluate_file(hub).evaluation
    ws = wb["Pairwise"]
    for blk in lay.blocks:
        res = ev.nodes[blk.node]
        cr = res.expert_results[0].consistency_ratio
        assert ws.cell(blk.result_row + 1, 2).value == pytest.approx(cr, rel=1e-9, abs=1e-12)


#: An inconsistent set of judgments expert E06 types on node F.
_INCONSISTENT = {("F1", "F2"): 1 / 5, ("F1", "F3"): 7.0, ("F2", "F3"): 9.0, ("F1", "F5"): 1 / 3, ("F4", "F5"): 2.0}


def _edited_cr(hub: Path, new: dict) -> float:
    """The core's CR of E06's matrix on F with the judgments ``new`` typed over the hub's."""
    from bpm_xl.ahp import ahp_weights

    res = evaluate_file(hub).evaluation.nodes["F"]
    m = np.array(res.expert_results[res.expert_codes.index("E06")].matrix)
    ch = list(res.children)
    for (a, b), v in new.items():
        i, j = ch.index(a), ch.index(b)
        m[i, j], m[j, i] = v, 1 / v
    return ahp_weights(m, method="eigen", random_index="cn").consistency_ratio


needs_lo = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")


@needs_lo
@pytest.mark.libreoffice
def test_libreoffice_recalculation_keeps_every_cached_value(forms1, tmp_path):
    out = libreoffice.recalculate(forms1[3], tmp_path)
    assert compare_cached(forms1[3], out) == []


@needs_lo
@pytest.mark.libreoffice
@pytest.mark.parametrize("layout", ["row", "matrix"])
def test_live_cr_of_a_filled_form_equals_the_core(hub, tmp_path, layout):
    """An expert changes judgments (an inconsistent set) in the form; LibreOffice's live CR = core CR."""

    files = write_forms(hub, tmp_path / "f", 1, "zh", layout)
    lay, data, system = _layout(hub, layout)
    f = files[5]
    new = _INCONSISTENT
    fill_form(f, hub_nodes(system), list(system.codes), {"F": new}, layout=layout)
    out = libreoffice.recalculate(f, tmp_path / "lo")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEETS["pairs"]["zh"]]
    cr = _edited_cr(hub, new)
    blk = next(b for b in lay.blocks if b.node == "F")
    col = 3 if layout == "row" else 2
    assert ws.cell(blk.result_row + 1, col).value == pytest.approx(cr, rel=1e-9)
    # and the same form written with these judgments shows the same CR before any recalculation
    spec = next(s for s in form_specs(data, 1, "zh", layout) if s.expert == "E06")
    judg = {k: dict(v) for k, v in spec.judgments.items()}
    judg["F"].update(new)
    from dataclasses import replace

    written = tmp_path / "written.xlsx"
    write_form(replace(spec, judgments=judg), written)
    cached = openpyxl.load_workbook(written, data_only=True)[SHEETS["pairs"]["zh"]]
    assert cached.cell(blk.result_row + 1, col).value == pytest.approx(cr, rel=1e-9)
    assert compare_cached(written, libreoffice.recalculate(written, tmp_path / "lo2")) == []


@needs_lo
@pytest.mark.libreoffice
def test_blank_pair_shows_incomplete_not_zero(hub, tmp_path):
    files = write_forms(hub, tmp_path / "f", 1, "zh", "row")
    lay, data, system = _layout(hub)
    fill_form(files[0], hub_nodes(system), list(system.codes), {"GOAL": {("F", "C"): None}})
    out = libreoffice.recalculate(files[0], tmp_path / "lo")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEETS["pairs"]["zh"]]
    blk = lay.blocks[0]
    assert ws.cell(blk.result_row + 1, 3).value == "未完成"
    assert "1 对" in ws.cell(blk.result_row + 1, 12).value


def test_forms_command_refuses_bad_input_in_one_line(hub, tmp_path):
    from typer.testing import CliRunner

    from bpm_xl.cli import app

    run = CliRunner().invoke
    r = run(app, ["forms", str(tmp_path / "missing.xlsm"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and r.output.startswith("bpm-xl: error: ") and "no such file" in r.output
    r = run(app, ["forms", str(hub), "--out", str(tmp_path / "o"), "--layout", "grid"])
    assert r.exit_code == 2 and "--layout" in r.output
    # round 2 needs round-1 answers on the hub
    blank = tmp_path / "blank.xlsm"
    new_workbook(blank, example=False, with_module=False)
    r = run(app, ["forms", str(blank), "--out", str(tmp_path / "o"), "--round", "2"])
    assert r.exit_code == 2 and "Delphi round 1 sheet is empty" in r.output, r.output
    assert not (tmp_path / "o").exists()
    r = run(app, ["forms", str(blank), "--out", str(tmp_path / "o2"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "o2").glob("*.xlsx"))) == 3


def test_prefilled_form_carries_the_cores_repair_for_failing_matrices(hub, forms1):
    """The values the feedback table suggests are noted beside the pairs of the form sent back."""
    from bpm_xl.collect import feedback_rows
    from bpm_xl.layout.forms import SCALE_LABELS, SCALE_VALUES

    lay, data, system = _layout(hub)
    ev = evaluate_file(hub).evaluation
    rows = [r for r in feedback_rows(ev, system) if r["expert"] == "E04"]
    assert rows
    ws = openpyxl.load_workbook(forms1[3])[SHEETS["pairs"]["zh"]]
    for r in rows:
        p = lay.pair(r["node"], r["a"], r["b"])
        label = next(lab for lab, v in zip(SCALE_LABELS, SCALE_VALUES) if abs(v - r["suggested"]) < 1e-12)
        assert ws.cell(p.row + 1, 22).value == f"发出时建议改为 {label}"
    noted = sum(1 for row in ws.iter_rows(min_col=22, max_col=22, values_only=True) if row[0])
    assert noted == len(rows)


@pytest.mark.formulon
@pytest.mark.parametrize("layout", ["row", "matrix"])
def test_formulon_shows_what_the_form_caches_and_the_core_s_cr_after_an_edit(hub, tmp_path, layout):
    """The Excel 365 engine recalculates a questionnaire as written (every formula its cached
    value) and after the expert typed an inconsistent set of judgments (the live CR is the core's)."""

    from .formulon_engine import every_formula_shows_its_cached_value, recalc, value

    files = write_forms(hub, tmp_path / "f", 1, "zh", layout)
    f = files[5]
    assert every_formula_shows_its_cached_value(f.read_bytes(), recalc(f.read_bytes())) > 500
    lay, data, system = _layout(hub, layout)
    fill_form(f, hub_nodes(system), list(system.codes), {"F": _INCONSISTENT}, layout=layout)
    cr = _edited_cr(hub, _INCONSISTENT)
    book = openpyxl.load_workbook(f)
    si = book.sheetnames.index(SHEETS["pairs"]["zh"])
    blk = next(b for b in lay.blocks if b.node == "F")
    col = 3 if layout == "row" else 2
    assert value(recalc(f.read_bytes()), blk.result_row, col - 1, si) == pytest.approx(cr, rel=1e-9)
