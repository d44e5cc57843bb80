"""Forms ask the panel for the indicators of type expert, and collect writes their scores into
the hub's 专家评分 sheet.

A hub whose system has two expert-scored indicators (C2, C3) is made through the service; each
expert's form has a 专家评分 sheet pre-filled with the hub's scores of that expert; scores typed
into returned forms are collected into the expert's 专家评分 cells (a blank clears the cell, an
overwrite is reported, as for the Delphi ratings), and the evaluation gives the panel's mean the
core computes. A score off the scale or text is refused with file, sheet and cell, the hub
unchanged. A system without expert indicators writes the forms it wrote before (golden files in
tests/data/golden/forms, written by the form writer before this sheet existed).
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from bpm_xl.collect import expert_codes, form_specs, hub_nodes, system_of
from bpm_xl.errors import WorkbookError
from bpm_xl.evaluation import evaluate
from bpm_xl.example import load_example
from bpm_xl.layout import data_from_inputs
from bpm_xl.layout.forms import SHEETS, fingerprint, form_layout
from bpm_xl.layout.labels import SHEETS as HUB_SHEETS
from bpm_xl.model import IndicatorSystem
from bpm_xl.readers.forms import FormError
from bpm_xl.service import collect_forms, evaluate_file, new_workbook, read_workbook, rebuild_file, write_forms
from bpm_xl.writers.forms import form_bytes

GOLDEN = Path(__file__).parent / "data" / "golden" / "forms"
EXPERT = ("C2", "C3")
TYPED = {"C2": {"E01": 4, "E02": 3.5, "E03": 5}, "C3": {"E01": 2, "E04": 4.5}}


def _inputs():
    """The example with C2 and C3 scored by the panel (their survey columns dropped)."""
    ex = load_example()
    frame = ex.system.to_frame()
    frame["kind"] = ["expert" if c in EXPERT else "survey" for c in frame["code"]]
    system = IndicatorSystem.from_frame(frame)
    survey = ex.survey[[i.code for i in system.ordered_indicators() if i.kind == "survey"]]
    return replace(ex, system=system, survey=survey, expert_scores=TYPED)


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hub") / "hub.xlsm"
    new_workbook(p, lang="zh", data=data_from_inputs(_inputs()), with_module=False)
    return p


@pytest.fixture(scope="module")
def forms(hub, tmp_path_factory) -> dict[str, Path]:
    return {p.name.split("_")[0]: p for p in write_forms(hub, tmp_path_factory.mktemp("forms"), 1, "zh", "row")}


def _layout(hub: Path):
    data, _ = read_workbook(hub)
    system = system_of(data)
    return form_layout(hub_nodes(system), list(system.codes), "row", expert_codes(system))


def _fill_scores(path: Path, lay, scores: dict, lang: str = "zh") -> Path:
    """Type scores into a form's 专家评分 sheet as an expert would (None clears the cell)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEETS["scores"][lang]]
    for code, v in scores.items():
        ws.cell(lay.score_rows[code] + 1, lay.score_col + 1).value = v
    wb.save(path)
    return path


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst


def _hub_cells(hub: Path) -> dict[str, dict[str, object]]:
    """The 专家评分 sheet's cells as the hub holds them: indicator -> expert -> value (blanks left out)."""
    ws = openpyxl.load_workbook(hub, data_only=True)[HUB_SHEETS["expert_scores"]["zh"]]
    head = [c.value for c in ws[2]]
    cols = {code: k for k, code in enumerate(head) if code in EXPERT}
    out: dict[str, dict[str, object]] = {c: {} for c in EXPERT}
    for row in ws.iter_rows(min_row=3, values_only=True):
        e = row[0]
        if not (isinstance(e, str) and e.startswith("E")):
            continue
        for code, k in cols.items():
            if row[k] is not None:
                out[code][e] = row[k]
    return out


def test_the_hub_made_for_these_tests_holds_the_typed_scores(hub):
    assert _hub_cells(hub) == TYPED


def test_each_form_asks_for_the_expert_indicators_prefilled_with_the_hubs_scores(hub, forms):
    lay = _layout(hub)
    assert list(lay.score_rows) == list(EXPERT)
    for e, path in forms.items():
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames.index(SHEETS["scores"]["zh"]) == wb.sheetnames.index(SHEETS["ratings"]["zh"]) + 1
        ws = wb[SHEETS["scores"]["zh"]]
        assert ws.protection.sheet
        for code in EXPERT:
            r, c = lay.score_rows[code] + 1, lay.score_col + 1
            assert ws.cell(r, 1).value == code
            assert ws.cell(r, c).value == TYPED[code].get(e)
            assert not ws.cell(r, c).protection.locked
        dv = [d for d in ws.data_validations.dataValidation if d.type == "decimal"]
        assert len(dv) == 1 and (float(dv[0].formula1), float(dv[0].formula2)) == (1.0, 5.0)
        assert str(dv[0].sqref) == f"D{lay.score_rows['C2'] + 1}:D{lay.score_rows['C3'] + 1}"
    cover = openpyxl.load_workbook(forms["E01"])[SHEETS["cover"]["zh"]]
    assert any("“专家评分”表" in str(c.value or "") for c in cover["B"])


def test_collected_scores_go_into_the_hub_and_evaluate_to_the_core_panel_mean(hub, forms, tmp_path):
    lay = _layout(hub)
    h = _copy(hub, tmp_path / "hub.xlsm")
    f1 = _fill_scores(_copy(forms["E01"], tmp_path / forms["E01"].name), lay, {"C2": 2, "C3": None})
    f5 = _fill_scores(_copy(forms["E05"], tmp_path / forms["E05"].name), lay, {"C2": 3, "C3": 4.5})
    report, backup = collect_forms(h, [f1, f5])
    assert backup is not None
    got = {(c.expert, c.sheet, c.what): (c.old, c.new) for c in report.changes}
    assert got == {("E01", "expert_scores", "C2"): (4, 2), ("E01", "expert_scores", "C3"): (2, None),
                   ("E05", "expert_scores", "C2"): (None, 3), ("E05", "expert_scores", "C3"): (None, 4.5)}
    assert any("专家 E01，专家评分：2 个单元格，覆盖 2 个：C2 4 -> 2; C3 2 -> blank" == line
               for line in report.lines())
    want = {"C2": {"E01": 2, "E02": 3.5, "E03": 5, "E05": 3}, "C3": {"E04": 4.5, "E05": 4.5}}
    assert _hub_cells(h) == want
    ev = evaluate_file(h).evaluation
    table = ev.indicator_table.set_index("code")
    core = evaluate(replace(_inputs(), expert_scores=want)).indicator_table.set_index("code")
    cr = {x.code: (x.ca + x.cs) / 2 for x in ev.inputs.experts}     # authority weighting (the settings' default)
    for code in EXPERT:
        assert math.isclose(table.loc[code, "mean_score"], core.loc[code, "mean_score"], rel_tol=1e-12)
        w = np.array([cr[e] for e in want[code]])
        x = np.array([float(v) for v in want[code].values()])
        assert math.isclose(table.loc[code, "mean_score"], float(w @ x / w.sum()), rel_tol=1e-12)
    # the same forms again change nothing: the file stays byte for byte
    data = h.read_bytes()
    again, bak = collect_forms(h, [f1, f5])
    assert again.changes == () and bak is None and h.read_bytes() == data


@pytest.mark.parametrize("typed, shown", [(6, "6"), ("五", "'五'")], ids=["above-scale", "text"])
def test_a_score_off_the_scale_or_text_is_refused_at_its_cell_and_the_hub_is_unchanged(hub, forms, tmp_path, typed,
                                                                                         shown):
    lay = _layout(hub)
    h = _copy(hub, tmp_path / "hub.xlsm")
    f = _fill_scores(_copy(forms["E05"], tmp_path / forms["E05"].name), lay, {"C2": 3, "C3": typed})
    before = h.read_bytes()
    with pytest.raises(FormError, match=f"C3 的表现评分是 {shown}；必须是 1 到 5 之间的数") as exc:
        collect_forms(h, [f])
    assert (exc.value.file, exc.value.sheet, exc.value.cell) == (f.name, "专家评分", f"D{lay.score_rows['C3'] + 1}")
    assert h.read_bytes() == before
    assert list(tmp_path.glob("*.backup-*")) == []


def test_a_form_sent_before_an_indicator_became_expert_scored_is_refused(tmp_path):
    """The fingerprint covers the types: an old form has no 专家评分 sheet to read."""
    h = new_workbook(tmp_path / "hub.xlsm", lang="zh", example=True, with_module=False)
    old = write_forms(h, tmp_path / "forms", 1, "zh", "row")[0]
    rows = read_workbook(h)[0].system_rows
    # the default parent (blank or the dimension itself) and type (blank, survey or its label) change nothing
    assert fingerprint([dict(r, parent=r["dimension"], kind="survey") for r in rows]) == fingerprint(rows)
    rebuild_file(h, backup=False, update=lambda d: replace(
        d, system_rows=[dict(r, kind="expert") if r["code"] == "C2" else r for r in d.system_rows]))
    before = h.read_bytes()
    with pytest.raises(WorkbookError, match="问卷发出后指标体系改变了") as exc:
        collect_forms(h, [old])
    assert (exc.value.sheet, exc.value.cell) == (SHEETS["identity"]["zh"], "B6")
    assert h.read_bytes() == before


def _parts(data: bytes) -> dict[str, bytes]:
    """A form's zip parts, but for docProps/core.xml (it holds the time the file was written)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("round_, lang, layout", [(1, "zh", "row"), (1, "en", "matrix"), (2, "zh", "row")])
def test_a_system_without_expert_indicators_writes_the_form_it_wrote_before(round_, lang, layout):
    data = replace(data_from_inputs(load_example()),
                   identity={"evaluation": "EV-GOLDEN", "created": "2026-01-01 00:00:00", "secret": "ab" * 32})
    spec = form_specs(data, round_, lang, layout)[2]
    assert spec.expert_indicators == ()
    got = _parts(form_bytes(spec))
    want = _parts((GOLDEN / f"round{round_}_{lang}_{layout}.xlsx").read_bytes())
    assert list(got) == list(want)
    assert [n for n in want if got[n] != want[n]] == []


def test_the_hubs_scores_survive_a_form_that_refers_to_another_expert(hub, forms, tmp_path):
    """Collecting E05's form touches E05's cells only."""
    lay = _layout(hub)
    h = _copy(hub, tmp_path / "hub.xlsm")
    f = _fill_scores(_copy(forms["E05"], tmp_path / forms["E05"].name), lay, {"C2": 1})
    collect_forms(h, [f])
    assert _hub_cells(h) == {"C2": {**TYPED["C2"], "E05": 1}, "C3": TYPED["C3"]}


def test_an_english_form_asks_and_is_collected_the_same_way(hub, tmp_path):
    lay = _layout(hub)
    f = next(p for p in write_forms(hub, tmp_path / "forms_en", 1, "en", "matrix") if p.name.startswith("E04_"))
    ws = openpyxl.load_workbook(f)[SHEETS["scores"]["en"]]
    assert ws.title == "Expert scores"
    assert [ws.cell(lay.score_rows[c] + 1, lay.score_col + 1).value for c in EXPERT] == [None, 4.5]
    _fill_scores(f, lay, {"C2": 2.5}, lang="en")
    h = _copy(hub, tmp_path / "hub.xlsm")
    collect_forms(h, [f])
    assert _hub_cells(h) == {"C2": {**TYPED["C2"], "E04": 2.5}, "C3": TYPED["C3"]}
