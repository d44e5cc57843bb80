"""Collecting returned questionnaires into the hub: restores, repeats, refusals, and the full round."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.collect import hub_nodes, system_of
from bpm_xl.layout.forms import SHEETS, form_layout
from bpm_xl.service import collect_forms, evaluate_file, new_workbook, read_workbook, rebuild_file, write_forms

from .form_helpers import fill_form


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hub") / "hub.xlsm"
    new_workbook(p, lang="zh", example=True, with_module=False)
    return p


@pytest.fixture(scope="module")
def forms1(hub, tmp_path_factory) -> list[Path]:
    return write_forms(hub, tmp_path_factory.mktemp("forms1"), 1, "zh", "row")


def _copy(hub: Path, tmp: Path, name: str = "hub.xlsm") -> Path:
    p = tmp / name
    shutil.copy2(hub, p)
    return p


def _ev_dict(path: Path) -> dict:
    return evaluate_file(path).evaluation.to_dict()


def _clear_expert(code: str):
    def update(d):
        for per in d.judgments.values():
            per.pop(code, None)
        d.delphi[0].pop(code, None)      # what a round-1 form carries
        for e in d.experts:
            if e["code"] == code:
                e["ca"] = e["cs"] = None
        return d
    return update


def test_clearing_an_expert_then_collecting_the_prefilled_form_restores_the_evaluation(hub, forms1, tmp_path):
    before = _ev_dict(hub)
    h = _copy(hub, tmp_path)
    rebuild_file(h, update=_clear_expert("E03"))
    from bpm_xl.errors import BpmError

    with pytest.raises(BpmError, match="E03"):     # E03's matrices and Ca/Cs are empty now
        _ev_dict(h)
    report, bak = collect_forms(h, [forms1[2]])
    assert bak is not None and bak.exists()
    assert report.changes and not report.overwritten      # filled blanks only
    assert _ev_dict(h) == before
    # collecting it twice changes nothing: the file stays byte-identical, no backup
    data = h.read_bytes()
    report2, bak2 = collect_forms(h, [forms1[2]])
    assert report2.changes == () and bak2 is None
    assert h.read_bytes() == data


def test_collecting_all_unchanged_forms_changes_no_answer_and_only_records_them(hub, forms1, tmp_path):
    h = _copy(hub, tmp_path)
    report, bak = collect_forms(h, forms1)
    # the first time, the forms are recorded on 收回记录 (every expert is in) and nothing else changes
    assert report.changes == () and bak is not None and len(report.logged) == len(forms1)
    assert _ev_dict(h) == _ev_dict(hub)
    assert report.missing == ((1, ()),)
    # the second time nothing at all: no answer, no record, the file byte for byte
    data = h.read_bytes()
    report2, bak2 = collect_forms(h, forms1)
    assert report2.changes == () and report2.logged == () and bak2 is None
    assert h.read_bytes() == data


def test_dry_run_reports_overwrites_and_writes_nothing(hub, forms1, tmp_path):
    h = _copy(hub, tmp_path)
    f = shutil.copy2(forms1[0], tmp_path / forms1[0].name)
    data, _ = read_workbook(h)
    system = system_of(data)
    fill_form(Path(f), hub_nodes(system), list(system.codes), {"GOAL": {("F", "C"): 1 / 3}}, ratings={"F1": 1})
    r = CliRunner().invoke(app, ["collect", str(h), str(f), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "专家 E01，判断矩阵：1 个单元格，覆盖 1 个：GOAL F/C 2 -> 1/3" in r.output
    assert "专家 E01，德尔菲第 1 轮：1 个单元格，覆盖 1 个：F1 4 -> 1" in r.output
    assert "试运行：未写入任何文件" in r.output
    assert h.read_bytes() == hub.read_bytes()
    assert list(tmp_path.glob("*.backup-*")) == []


def _typed_inputs(base_inputs, judgments: dict, ratings: dict, authority: dict):
    """What typing the same answers into the hub gives: EvaluationInputs edited directly."""
    from dataclasses import replace

    from bpm_xl.evaluation import Expert

    sys_ = base_inputs.system
    judg = {n: {e: [list(r) for r in g] for e, g in per.items()} for n, per in base_inputs.judgments.items()}
    for (code, node), pairs in judgments.items():
        ch = list(sys_.children(node))
        g = judg[node][code]
        for (a, b), v in pairs.items():
            i, j = ch.index(a), ch.index(b)
            g[i][j] = v
            g[j][i] = None
    rounds = [r.copy() for r in base_inputs.delphi_rounds]
    for (code, rnd), vals in ratings.items():
        for ind, v in vals.items():
            rounds[rnd - 1].loc[code, ind] = v
    experts = tuple(Expert(e.code, e.name, *authority.get(e.code, (e.ca, e.cs))) for e in base_inputs.experts)
    return replace(base_inputs, judgments=judg, delphi_rounds=tuple(rounds), experts=experts)


def test_a_full_round_collected_equals_typing_the_answers_into_the_hub(hub, tmp_path):
    """Forms to all 15 experts, filled as experts fill them (one inconsistent, one blank pair), collected."""
    from bpm_xl.evaluation import evaluate
    from bpm_xl.service import read_inputs

    h = _copy(hub, tmp_path)
    files = write_forms(h, tmp_path / "out", 1, "zh", "row")
    data, _ = read_workbook(h)
    system = system_of(data)
    nodes, codes = hub_nodes(system), list(system.codes)
    rng = np.random.default_rng(13)
    scale = [9, 8, 7, 6, 5, 4, 3, 2, 1, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7, 1 / 8, 1 / 9]
    judgments, ratings, authority = {}, {}, {}
    for k, f in enumerate(files):
        code = f.name.split("_")[0]
        per_node = {}
        for node, ch in nodes:
            # each expert revises two pairs of every matrix (consistently-ish: small scale values)
            pairs = [(ch[i], ch[j]) for i in range(len(ch)) for j in range(i + 1, len(ch))]
            pick = rng.choice(len(pairs), size=2, replace=False)
            per_node[node] = {pairs[p]: float(scale[rng.integers(6, 11)]) for p in pick}
        if code == "E07":      # the inconsistent expert: a cycle F > C > P > F, strongly
            per_node["GOAL"] = {("F", "C"): 9.0, ("C", "P"): 9.0, ("F", "P"): 1 / 9}
        if code == "E11":      # one blank pair
            per_node["C"] = {("C1", "C2"): None}
        r = {c: int(rng.integers(1, 6)) for c in codes[:6]}
        ca, cs = round(float(rng.uniform(0.5, 1.0)), 2), round(float(rng.uniform(0.3, 1.0)), 2)
        fill_form(f, nodes, codes, per_node, ratings=r, ca=ca, cs=cs)
        for node, pairs in per_node.items():
            judgments[(code, node)] = pairs
        ratings[(code, 1)] = r
        authority[code] = (ca, cs)
    r = CliRunner().invoke(app, ["collect", str(h), *map(str, files)])
    assert r.exit_code == 0, r.output
    got = evaluate_file(h).evaluation
    expected = evaluate(_typed_inputs(read_inputs(hub), judgments, ratings, authority))
    assert got.to_dict() == expected.to_dict()
    # the inconsistent expert fails, the blank pair was completed by the core
    goal = got.nodes["GOAL"]
    assert goal.expert_results[goal.expert_codes.index("E07")].consistency_ratio > 0.1
    c = got.nodes["C"]
    assert c.expert_results[c.expert_codes.index("E11")].n_missing == 1
    # and the feedback table names E07's GOAL matrix
    r = CliRunner().invoke(app, ["feedback", str(h), "--out", str(tmp_path / "fb")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "fb" / "consistency_feedback.csv").read_text(encoding="utf-8-sig")
    assert any(line.startswith("E07,GOAL,") for line in text.splitlines())
    assert (tmp_path / "fb" / "consistency_feedback.xlsx").exists()


def test_matrix_layout_round_trip(hub, tmp_path):
    h = _copy(hub, tmp_path)
    files = write_forms(h, tmp_path / "m", 1, "zh", "matrix")
    data, _ = read_workbook(h)
    system = system_of(data)
    fill_form(files[1], hub_nodes(system), list(system.codes), {"P": {("P1", "P2"): 1 / 7}}, layout="matrix")
    report, _ = collect_forms(h, [files[1]])
    assert [(c.expert, c.what, c.new) for c in report.changes] == [("E02", "P P1/P2", 1 / 7)]
    ev = evaluate_file(h).evaluation
    p = ev.nodes["P"]
    assert p.expert_results[p.expert_codes.index("E02")].matrix[0, 1] == pytest.approx(1 / 7, rel=1e-15)


# ------------------------------------------------------------------------------ refusals
def _edit(path: Path, sheet: str, cell: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell].value = value
    wb.save(path)


def _refused(h: Path, files: list[Path], *must: str) -> str:
    before = h.read_bytes()
    r = CliRunner().invoke(app, ["collect", str(h), *map(str, files)])
    assert r.exit_code == 2, r.output
    line = r.stderr.strip() if hasattr(r, "stderr") and r.stderr else r.output.strip()
    assert line.count("\n") == 0, line
    assert line.startswith("bpm-xl: error: ")
    for m in must:
        assert m in line, line
    assert h.read_bytes() == before
    assert list(h.parent.glob("*.backup-*")) == []
    return line


@pytest.fixture
def one(forms1, tmp_path) -> Path:
    return Path(shutil.copy2(forms1[4], tmp_path / forms1[4].name))


def test_refuses_an_expert_no_longer_on_the_experts_sheet(hub, one, tmp_path):
    h = _copy(hub, tmp_path)

    def drop(d):
        d.experts[:] = [e for e in d.experts if e["code"] != "E05"]
        return d

    rebuild_file(h, update=drop)
    for b in tmp_path.glob("*.backup-*"):
        b.unlink()
    _refused(h, [one], one.name, "sheet _bpm_form, cell B3", "专家 E05 不在“专家”表中")


@pytest.mark.parametrize(("cell", "value"), [("B3", "E99"), ("B3", "E04"), ("B5", 3), ("B5", 2), ("B6", "0123456789abcdef")],
                         ids=["expert E99", "expert E05->E04", "round 3", "round 1->2", "fingerprint"])
def test_refuses_an_edited_identity_sheet(hub, one, tmp_path, cell, value):
    """Any edit of the hidden sheet breaks its seal (E05's answers never land on E04)."""
    _edit(one, SHEETS["identity"]["zh"], cell, value)
    _refused(_copy(hub, tmp_path), [one], one.name, "sheet _bpm_form, cell B18", "签名不符")


def test_refuses_a_changed_indicator_system(hub, one, tmp_path):
    h = _copy(hub, tmp_path)

    def rename(d):
        d.system_rows[0]["name_zh"] = "预算编制的科学性"
        return d

    rebuild_file(h, update=rename)
    for b in tmp_path.glob("*.backup-*"):
        b.unlink()
    _refused(h, [one], "cell B6", "问卷发出后指标体系改变了")


def test_refuses_a_form_of_another_workbook(hub, one, tmp_path):
    _edit(one, SHEETS["identity"]["zh"], "B6", "0123456789abcdef")
    _edit(one, SHEETS["identity"]["zh"], "B7", "另一个项目")
    _refused(_copy(hub, tmp_path), [one], "cell B18", "签名不符")


def test_refuses_an_off_scale_rating(hub, one, tmp_path):
    data, _ = read_workbook(hub)
    system = system_of(data)
    lay = form_layout(hub_nodes(system), list(system.codes))
    fill_form(one, hub_nodes(system), list(system.codes), ratings={"C2": 7})
    cell = f"D{lay.rating_rows['C2'] + 1}"
    _refused(_copy(hub, tmp_path), [one], f"sheet {SHEETS['ratings']['zh']}, cell {cell}", "C2 的评分是 7")


def test_refuses_two_choices_in_one_row(hub, one, tmp_path):
    data, _ = read_workbook(hub)
    system = system_of(data)
    lay = form_layout(hub_nodes(system), list(system.codes))
    p = lay.pair("L", "L1", "L2")
    wb = openpyxl.load_workbook(one)
    ws = wb[SHEETS["pairs"]["zh"]]
    ws.cell(p.row + 1, p.col + 1).value = "√"
    ws.cell(p.row + 1, p.col + 17).value = "x"
    wb.save(one)
    _refused(_copy(hub, tmp_path), [one], f"sheet {SHEETS['pairs']['zh']}, cell", "L1 / L2 选了 3 格")


def test_refuses_authority_out_of_range_and_shifted_rows(hub, one, tmp_path):
    data, _ = read_workbook(hub)
    system = system_of(data)
    lay = form_layout(hub_nodes(system), list(system.codes))
    fill_form(one, hub_nodes(system), list(system.codes), ca=2)
    _refused(_copy(hub, tmp_path), [one], f"cell D{lay.ca_cell[0] + 1}", "Ca 填的是 2")


def test_refuses_a_file_that_is_not_a_form(hub, tmp_path):
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(other)
    _refused(_copy(hub, tmp_path), [other], "other.xlsx", "sheet _bpm_form is missing")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    _refused(_copy(hub, tmp_path, "hub2.xlsm"), [junk], "junk.xlsx")


def test_refuses_the_same_expert_twice_in_one_call(hub, forms1, tmp_path):
    dup = Path(shutil.copy2(forms1[0], tmp_path / "copy.xlsx"))
    _refused(_copy(hub, tmp_path), [forms1[0], dup], "copy.xlsx", "E01")


def test_help_lists_the_collection_commands():
    r = CliRunner().invoke(app, ["--help"])
    assert r.exit_code == 0
    for cmd in ("forms", "collect", "import-survey", "feedback"):
        assert cmd in r.output
