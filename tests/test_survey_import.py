"""Survey imports: 问卷星 code/text exports, 腾讯问卷, plain CSV (UTF-8, BOM, GBK), mapping, screening, refusals.

The exports are built here in the shape of real files: 问卷星's six metadata columns
(序号, 提交答卷时间, 所用时间 "312秒", 来源, 来源详情, 来自IP "1.2.3.4(甘肃-兰州)"), question
columns titled "N、题干", skip codes -2 / -3; 腾讯问卷's 编号 / 开始答题时间 / 结束答题时间 /
答题时长 columns.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.collect import system_of
from bpm_xl.service import import_survey_file, new_workbook, read_inputs, read_workbook



def import_survey(book, export, **kw):
    """The service's survey import as (SurveyImport, backup or None)."""
    done = import_survey_file(book, export, **kw)
    return done.report, done.backup


TEXT = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hub") / "hub.xlsm"
    new_workbook(p, lang="zh", example=True, with_module=False)
    return p


@pytest.fixture
def h(hub, tmp_path) -> Path:
    p = tmp_path / "hub.xlsm"
    shutil.copy2(hub, p)
    return p


@pytest.fixture(scope="module")
def indicators(hub):
    data, _ = read_workbook(hub)
    s = system_of(data)
    return [(i.code, i.name_zh) for i in s.indicators]


def _answers(n: int, k: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, size=(n, k)).astype(object)
    return a


def _wjx_rows(indicators, answers, text: bool = False):
    """Header and rows of a 问卷星 export; answers: respondents x questions (None = skipped)."""
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    head += [f"{q + 1}、您对“{name}”的满意程度" for q, (code, name) in enumerate(indicators)]
    rows = []
    for r, ans in enumerate(answers):
        ip = f"10.0.{r // 200}.{r % 200 + 1}(甘肃-兰州)"
        vals = []
        for q, v in enumerate(ans):
            if v is None:
                vals.append(-3 if q % 2 else -2)       # skipped / not shown
            else:
                vals.append(TEXT[v] if text else v)
        rows.append([r + 1, f"2025/3/{r % 28 + 1} 10:{r % 60:02d}:00", f"{200 + r}秒", "手机提交", "直接访问", ip, *vals])
    return head, rows


def _xlsx(path: Path, head, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv(path: Path, head, rows, encoding: str) -> Path:
    s = io.StringIO()
    w = csv.writer(s)
    w.writerow(head)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    path.write_bytes(s.getvalue().encode(encoding))
    return path


def _survey(path: Path) -> list[list]:
    inp = read_inputs(path)
    return [[None if (v is None or v != v) else float(v) for v in row] for row in inp.survey.to_numpy(dtype=object)]


def _expected(answers, reverse=()):
    out = []
    for row in answers:
        out.append([None if v is None else float(6 - v if q in reverse else v) for q, v in enumerate(row)])
    return out


def _with_traps(answers: np.ndarray) -> list[list]:
    """Respondent rows with skip codes, a duplicate, a straight-liner, a too-many-missing row."""
    rows = [list(r) for r in answers]
    rows[3][5] = None
    rows[4][0] = None
    rows[6] = [4] * len(rows[6])                       # straight-lining
    rows[8] = [None] * (len(rows[8]) - 3) + [3, 4, 5]  # too many missing
    return rows


@pytest.mark.parametrize("text", [False, True], ids=["code", "text"])
def test_wjx_export_with_skip_codes_duplicates_and_a_too_fast_row(h, indicators, tmp_path, text):
    ans = _with_traps(_answers(30, len(indicators)))
    head, rows = _wjx_rows(indicators, ans, text=text)
    rows.append(list(rows[10]))                        # duplicate submission: same IP and answers
    rows[-1][0] = len(rows)
    rows[12][2] = "25秒"                               # too fast
    f = _xlsx(tmp_path / "wjx.xlsx", head, rows)
    result, bak = import_survey(h, f, first_option=None if text else "非常不满意")
    assert bak is not None
    assert result.kind == "wjx"
    assert [m.code for m in result.mapping] == [c for c, _ in indicators]
    assert all(m.source == "guessed" for m in result.mapping)
    assert result.flags["duplicate"] == (len(rows) + 1,)     # file row of the second copy
    assert result.flags["too_fast"] == (14,)
    assert result.flags["straight_lining"] == (8,)
    assert result.flags["too_many_missing"] == (10,)
    # reported, not applied: every response is imported, skip codes are blanks
    assert _survey(h) == _expected(ans + [ans[10]])


def test_screen_applies_the_rules(h, indicators, tmp_path):
    ans = _with_traps(_answers(30, len(indicators)))
    head, rows = _wjx_rows(indicators, ans)
    rows.append(list(rows[10]))
    rows[12][2] = "0:25"
    f = _xlsx(tmp_path / "wjx.xlsx", head, rows)
    r = CliRunner().invoke(app, ["import-survey", str(h), str(f), "--screen", "--first-option", "非常不满意"])
    assert r.exit_code == 0, r.output
    assert "已按筛查剔除：保留 27 / 31 份答卷" in r.output
    keep = [a for k, a in enumerate(ans) if k not in (6, 8, 12)]
    assert _survey(h) == _expected(keep)


def test_dry_run_prints_the_mapping_and_writes_nothing(h, indicators, tmp_path):
    ans = _answers(12, len(indicators))
    head, rows = _wjx_rows(indicators, [list(a) for a in ans])
    f = _xlsx(tmp_path / "wjx.xlsx", head, rows)
    before = h.read_bytes()
    r = CliRunner().invoke(app, ["import-survey", str(h), str(f), "--dry-run", "--first-option", "very dissatisfied"])
    assert r.exit_code == 0, r.output
    mean = np.mean([int(a[0]) for a in ans])
    assert (f"1、您对“预算编制科学性”的满意程度 -> F1 [按题目猜测]: 选项序号，选项1 = 非常不满意（--first-option）；"
            f"均值 {mean:.4g}（12 个回答）") in r.output
    assert "重复提交（同一IP且答案相同）: 0" in r.output
    assert "试运行：未写入任何文件" in r.output
    assert h.read_bytes() == before


def test_tencent_export(h, indicators, tmp_path):
    ans = _answers(15, len(indicators), seed=3)
    head = ["编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "省", "市", "IP"]
    head += [f"第{q + 1}题：{code} {name}" for q, (code, name) in enumerate(indicators)]
    rows = [[k + 1, "2025-03-01 10:00:00", "2025-03-01 10:05:00", "5分12秒", "中国", "甘肃", "兰州", f"1.2.3.{k}",
             *map(int, a)] for k, a in enumerate(ans)]
    f = _xlsx(tmp_path / "tencent.xlsx", head, rows)
    result, _ = import_survey(h, f, first_option="非常不满意")
    assert result.kind == "tencent"
    assert [m.code for m in result.mapping] == [c for c, _ in indicators]
    assert result.flags["too_fast"] == ()
    assert _survey(h) == _expected([list(a) for a in ans])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_plain_csv_in_utf8_bom_and_gbk(h, indicators, tmp_path, encoding):
    ans = _answers(10, len(indicators), seed=5)
    head = ["答卷编号"] + [c for c, _ in indicators]
    rows = [[f"R{k:03d}", *map(int, a)] for k, a in enumerate(ans)]
    rows[2][3] = ""                                    # a blank answer
    f = _csv(tmp_path / f"plain_{encoding}.csv", head, rows, encoding)
    result, _ = import_survey(h, f)
    assert result.kind == "plain"
    exp = _expected([list(a) for a in ans])
    exp[2][2] = None
    assert _survey(h) == exp
    data, _ = read_workbook(h)
    assert data.survey_ids[0] == "R000"


def test_wjx_csv_in_gbk(h, indicators, tmp_path):
    ans = _answers(8, len(indicators), seed=11)
    head, rows = _wjx_rows(indicators, [list(a) for a in ans], text=True)
    f = _csv(tmp_path / "wjx_gbk.csv", head, rows, "gbk")
    result, _ = import_survey(h, f)
    assert result.kind == "wjx"
    assert _survey(h) == _expected([list(a) for a in ans])


def test_map_csv_with_reverse_scoring_is_saved_and_reused(h, indicators, tmp_path):
    ans = _answers(10, 3, seed=9)
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP",
            "1、您觉得本地的预算公开做得怎么样", "2、财政资金浪费的情况严重吗", "3、您愿意参与评价吗"]
    rows = [[k + 1, "2025/3/1 10:00:00", "300秒", "微信", "N/A", f"1.1.1.{k}", *map(int, a)] for k, a in enumerate(ans)]
    f = _xlsx(tmp_path / "wjx.xlsx", head, rows)
    m = tmp_path / "map.csv"
    m.write_text("question,indicator,reverse\n1,C2,no\n2,F4,yes\n3、您愿意参与评价吗,C5,no\n", encoding="utf-8")
    result, _ = import_survey(h, f, map_csv=m)
    assert [(x.code, x.reverse, x.source) for x in result.mapping] == [("C2", False, "--map"), ("F4", True, "--map"),
                                                                        ("C5", False, "--map")]
    inp = read_inputs(h)
    got = inp.survey[["C2", "F4", "C5"]].to_numpy(dtype=float)
    assert got.tolist() == [[float(a[0]), float(6 - a[1]), float(a[2])] for a in ans]
    assert inp.survey["F1"].isna().all()
    # the map is saved in the hub and reused by the next import (without --map)
    wb = openpyxl.load_workbook(h)
    assert "问卷映射" in wb.sheetnames
    result2, bak2 = import_survey(h, f)
    assert [(x.code, x.reverse, x.source) for x in result2.mapping] == [("C2", False, "saved"), ("F4", True, "saved"),
                                                                         ("C5", False, "saved")]
    assert result2.changed is False and bak2 is None        # the same export twice changes nothing
    # and a plain rebuild keeps the map sheet
    r = CliRunner().invoke(app, ["rebuild", str(h), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "问卷映射" in openpyxl.load_workbook(h).sheetnames


def _refused(h: Path, args: list[str], *must: str) -> None:
    before = h.read_bytes()
    backups = sorted(h.parent.glob("*.backup-*"))
    r = CliRunner().invoke(app, ["import-survey", str(h), *args])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert line.count("\n") == 0 and line.startswith("bpm-xl: error: "), line
    for m in must:
        assert m in line, line
    assert h.read_bytes() == before
    assert sorted(h.parent.glob("*.backup-*")) == backups


def test_bad_answer_names_row_and_column_and_leaves_the_hub_byte_identical(h, indicators, tmp_path):
    ans = _answers(6, len(indicators))
    head, rows = _wjx_rows(indicators, [list(a) for a in ans], text=True)
    rows[3][6 + 4] = "很棒"
    f = _xlsx(tmp_path / "bad.xlsx", head, rows)
    _refused(h, [str(f)], "bad.xlsx", "cell K5", "row 5, column K", "'很棒' is not an answer")


def test_a_formula_without_its_stored_result_is_refused_with_its_cell(h, indicators, tmp_path):
    """A formula saved by a program that does not calculate has no value to import: refused, not a skip."""
    ans = _answers(6, len(indicators))
    head, rows = _wjx_rows(indicators, [list(a) for a in ans], text=True)
    rows[3][6 + 4] = "=2+2"
    f = _xlsx(tmp_path / "formula.xlsx", head, rows)
    _refused(h, [str(f)], "formula.xlsx", "cell K5", "holds a formula (=2+2) whose result is not stored")


def test_off_scale_code_multiple_choice_and_bad_time_are_refused(h, indicators, tmp_path):
    ans = _answers(6, len(indicators))
    head, rows = _wjx_rows(indicators, [list(a) for a in ans])
    rows[1][7] = 7
    _refused(h, [str(_xlsx(tmp_path / "off.xlsx", head, rows))], "cell H3", "off the 1-5 scale")
    head, rows = _wjx_rows(indicators, [list(a) for a in ans], text=True)
    rows[0][6] = "满意┋一般"
    _refused(h, [str(_xlsx(tmp_path / "multi.xlsx", head, rows))], "cell G2", "multiple-choice")
    head, rows = _wjx_rows(indicators, [list(a) for a in ans])
    rows[2][2] = "很久"
    _refused(h, [str(_xlsx(tmp_path / "time.xlsx", head, rows))], "cell C4", "not a time")


def test_unreadable_files_are_refused(h, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 broken")
    _refused(h, [str(junk)], "junk.xlsx")
    none = tmp_path / "none.csv"
    none.write_text("序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、与指标无关的问题\n1,x,300秒,a,b,1.1.1.1,3\n",
                    encoding="utf-8")
    _refused(h, [str(none)], "none.csv", "--map")
    m = tmp_path / "map.csv"
    m.write_text("1,X9,no\n", encoding="utf-8")
    _refused(h, [str(none), "--map", str(m)], "X9", "not on the indicator sheet")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_xls_export_imports_as_the_xlsx_does(h, indicators, tmp_path):
    from tests.libreoffice import convert

    ans = _answers(6, len(indicators), seed=21)
    head, rows = _wjx_rows(indicators, [list(a) for a in ans])
    x = _xlsx(tmp_path / "src" / "wjx.xlsx" if (tmp_path / "src").mkdir() is None else None, head, rows)
    xls = convert(x, tmp_path, "xls", recalc=False)
    result, _ = import_survey(h, xls, first_option="非常不满意")
    assert result.kind == "wjx"
    assert _survey(h) == _expected([list(a) for a in ans])


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_an_error_value_in_an_xls_export_is_refused_with_its_cell(h, indicators, tmp_path):
    """An .xls error cell is its error value (xlrd gives the cell's type), never a blank."""
    from tests.libreoffice import convert

    ans = [list(map(int, a)) for a in _answers(6, len(indicators), seed=22)]
    head, rows = _wjx_rows(indicators, ans, text=True)
    rows[3][8] = "#N/A"                                # an error cell (openpyxl writes it as one)
    (tmp_path / "src").mkdir()
    xls = convert(_xlsx(tmp_path / "src" / "wjx.xlsx", head, rows), tmp_path, "xls", recalc=False)
    _refused(h, [str(xls)], "wjx.xls", "cell I5", "#N/A")


def test_empty_and_shifted_exports_are_refused(h, indicators, tmp_path):
    head = ["序号", "所用时间", "来自IP"] + [c for c, _ in indicators]
    f = tmp_path / "empty.csv"
    f.write_text(",".join(head) + "\n", encoding="utf-8")
    _refused(h, [str(f)], "empty.csv", "no responses")
    f = tmp_path / "shifted.csv"
    row = ["1", "300秒", "1.1.1.1"] + ["3"] * len(indicators) + ["4"]
    f.write_text(",".join(head) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    _refused(h, [str(f)], "shifted.csv", "row 2", "shifted")
    f = tmp_path / "blank.csv"
    f.write_text("", encoding="utf-8")
    _refused(h, [str(f)], "blank.csv", "row 1")


# --------------------------------------------------------------------------------- order of options
def _grade(path: Path) -> tuple[float, str]:
    from bpm_xl.service import evaluate_file

    ev = evaluate_file(path).evaluation
    return ev.score100, ev.rating.grade


def _reversed_codes(answers):
    """A code export whose option 1 is 非常满意: the code of score v is 6 - v."""
    return [[None if v is None else 6 - int(v) for v in row] for row in answers]


def test_a_reversed_code_export_with_first_option_grades_as_the_text_export(h, indicators, tmp_path):
    # answers leaning to satisfied (mostly 4 and 5): reversed codes read as scores would grade far lower
    rng = np.random.default_rng(19)
    ans = [[int(x) for x in row] for row in rng.choice([2, 3, 4, 4, 5, 5], size=(40, len(indicators)))]
    head, rows = _wjx_rows(indicators, ans, text=True)
    text_export = _xlsx(tmp_path / "text.xlsx", head, rows)
    head, rows = _wjx_rows(indicators, _reversed_codes(ans))
    code_export = _xlsx(tmp_path / "code.xlsx", head, rows)
    import_survey(h, text_export)
    by_text = _grade(h)
    r = CliRunner().invoke(app, ["import-survey", str(h), str(code_export), "--first-option", "非常满意"])
    assert r.exit_code == 0, r.output
    assert _grade(h) == pytest.approx(by_text)
    assert _survey(h) == _expected(ans)
    # the other order on the same file gives another grade: the statement is what decides
    import_survey(h, code_export, first_option="非常不满意")
    assert _grade(h)[0] < by_text[0] - 10


def test_a_code_export_without_the_order_is_refused_naming_the_questions(h, indicators, tmp_path):
    ans = _answers(8, len(indicators))
    head, rows = _wjx_rows(indicators, [list(a) for a in ans])
    f = _xlsx(tmp_path / "code.xlsx", head, rows)
    _refused(h, [str(f)], "code.xlsx", "G 列 '1、您对“预算编制科学性”的满意程度'", "--first-option 非常满意",
             "--first-option 非常不满意", "选项序号")
    _refused(h, [str(f), "--first-option", "满意"], "--first-option", "'满意'")


def test_the_saved_map_carries_the_order_and_a_map_without_it_is_not_trusted(h, indicators, tmp_path):
    ans = [list(map(int, a)) for a in _answers(10, len(indicators), seed=4)]
    head, rows = _wjx_rows(indicators, _reversed_codes(ans))
    f = _xlsx(tmp_path / "code.xlsx", head, rows)
    import_survey(h, f, first_option="very satisfied")
    wb = openpyxl.load_workbook(h)
    sheet = wb["问卷映射"]
    assert sheet["D1"].value == "选项1 first option"
    assert [sheet.cell(r, 4).value for r in range(2, 2 + len(indicators))] == ["非常满意"] * len(indicators)
    assert _survey(h) == _expected(ans)
    # the next import of the same export reuses the saved order: nothing to state, nothing changes
    result, bak = import_survey(h, f)
    assert {(m.first, m.first_source) for m in result.mapping} == {("high", "saved")}
    assert result.changed is False and bak is None
    # a map saved without the order (an earlier version's three columns) does not say it: refused
    from bpm_xl.service import rebuild_file

    old = [["问卷题目 question", "指标代码 indicator", "反向计分 reverse"]] + [[t, c, "否 no"] for t, (c, _) in
                                                                       zip(head[6:], indicators)]
    rebuild_file(h, survey_map=old, backup=False)
    _refused(h, [str(f)], "--first-option")


def test_map_states_the_order_by_its_reverse_or_first_option_column(h, indicators, tmp_path):
    ans = [list(map(int, a)) for a in _answers(10, 3, seed=2)]
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、预算公开", "2、资金浪费", "3、参与评价"]
    rows = [[k + 1, "2025/3/1 10:00:00", "300秒", "微信", "N/A", f"1.1.1.{k}", *a] for k, a in enumerate(ans)]
    f = _xlsx(tmp_path / "code.xlsx", head, rows)
    m = tmp_path / "map.csv"
    m.write_text("question,indicator,reverse\n1,C2,\n2,F4,yes\n3,C5,no\n", encoding="utf-8")
    _refused(h, [str(f), "--map", str(m)], "1 道题", "G 列 '1、预算公开'")
    m.write_text("question,indicator,reverse,first option\n1,C2,,非常满意\n2,F4,yes,\n3,C5,no,\n", encoding="utf-8")
    result, _ = import_survey(h, f, map_csv=m)
    assert [(x.code, x.first, x.first_source) for x in result.mapping] == [
        ("C2", "high", "--map"), ("F4", "low", "--map"), ("C5", "low", "--map")]
    got = read_inputs(h).survey[["C2", "F4", "C5"]].to_numpy(dtype=float).tolist()
    assert got == [[float(6 - a[0]), float(6 - a[1]), float(a[2])] for a in ans]
    m.write_text("1,C2,no,好坏\n", encoding="utf-8")
    _refused(h, [str(f), "--map", str(m)], "map.csv", "column D", "好坏")


def test_text_exports_need_no_order_and_the_dry_run_shows_it(h, indicators, tmp_path):
    ans = [list(map(int, a)) for a in _answers(6, len(indicators), seed=8)]
    head, rows = _wjx_rows(indicators, ans, text=True)
    f = _xlsx(tmp_path / "text.xlsx", head, rows)
    r = CliRunner().invoke(app, ["import-survey", str(h), str(f), "--dry-run"])
    assert r.exit_code == 0, r.output
    mean = np.mean([a[1] for a in ans])
    assert f"2、您对“预算执行进度”的满意程度 -> F2 [按题目猜测]: 选项文本；均值 {mean:.4g}（6 个回答）" in r.output


# --------------------------------------------------------------------------------- one rule for an answer
def test_an_answer_is_what_the_hub_reads_as_one(h, indicators, tmp_path):
    """"4分" is refused by the hub's survey sheet and by an import alike; "４" (full width) is 4 in both."""
    from bpm_xl.errors import BpmError
    from bpm_xl.service import assess

    data, _ = read_workbook(h)
    bad = [dict(r) for r in data.survey]
    bad[0]["F1"] = "4分"
    with pytest.raises(BpmError, match="4分"):
        assess(replace(data, survey=bad), "hub.xlsm")
    ans = [list(map(int, a)) for a in _answers(5, len(indicators))]
    head, rows = _wjx_rows(indicators, ans, text=True)
    rows[1][6] = "4分"
    _refused(h, [str(_xlsx(tmp_path / "fen.xlsx", head, rows))], "cell G3", "'4分' is not an answer")
    rows[1][6] = "４"
    import_survey(h, _xlsx(tmp_path / "wide.xlsx", head, rows), first_option="非常不满意")  # a number: an option code
    assert _survey(h)[1][0] == 4.0


def test_tencent_user_columns_are_metadata(h, indicators, tmp_path):
    ans = _answers(5, len(indicators), seed=6)
    head = ["编号", "用户类型", "用户标识", "开始答题时间", "结束答题时间", "答题时长"]
    head += [f"第{q + 1}题：{code} {name}" for q, (code, name) in enumerate(indicators)]
    rows = [[k + 1, "微信用户", f"oX{k:04d}", "2025-03-01 10:00:00", "2025-03-01 10:05:00", "5分12秒",
             *(TEXT[int(v)] for v in a)] for k, a in enumerate(ans)]
    result, _ = import_survey(h, _xlsx(tmp_path / "tencent.xlsx", head, rows))
    assert result.kind == "tencent" and result.unmapped == ()
    assert [m.code for m in result.mapping] == [c for c, _ in indicators]


def test_html_saved_as_xls_gets_advice(h, tmp_path):
    f = tmp_path / "问卷星.xls"
    f.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>序号</td></tr></table></body></html>",
                 encoding="utf-8")
    _refused(h, [str(f)], "问卷星.xls", "HTML", ".xlsx", "CSV")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_crafted_xls_export_is_refused_with_its_file(h, indicators, tmp_path):
    """A compound file whose directory chain loops (python-calamine allocated until the process
    died), one cut short, one that is only a header: one line naming the file, the hub untouched."""
    import struct

    from tests.libreoffice import convert

    head, rows = _wjx_rows(indicators, [[3] * len(indicators)], text=True)
    rows[0][6] = "#DIV/0!"
    (tmp_path / "src").mkdir()
    xls = convert(_xlsx(tmp_path / "src" / "e.xlsx", head, rows), tmp_path, "xls", recalc=False)
    _refused(h, [str(xls)], "e.xls", "cell G2", "#DIV/0!")
    data = bytearray(xls.read_bytes())
    fat0 = struct.unpack_from("<I", data, 0x4C)[0]
    start = struct.unpack_from("<I", data, 0x30)[0]
    struct.pack_into("<I", data, (fat0 + 1) * 512 + 4 * start, start)   # the directory chain points to itself
    crafted = {"looped.xls": bytes(data), "cut.xls": xls.read_bytes()[:600],
               "header.xls": bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600}
    for name, content in crafted.items():
        (tmp_path / name).write_bytes(content)
        _refused(h, [str(tmp_path / name)], name, "cannot be read")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_an_xls_export_reads_as_the_same_export_saved_as_xlsx(indicators, tmp_path):
    """Numbers, dates, times taken, text, skip codes, booleans, error values and blanks read from
    an .xls (xlrd) as from the .xlsx it was saved from."""
    import datetime as dt

    from bpm_xl.readers.survey import read_export
    from tests.libreoffice import convert

    head, rows = _wjx_rows(indicators, [[5, 4, None, -2, "#N/A", 1] + [3] * (len(indicators) - 6),
                                        [1, 2.5, "满意", -3, "#DIV/0!", True] + [None] * (len(indicators) - 6)])
    rows[0][1], rows[1][1] = dt.datetime(2024, 3, 5, 10, 11, 12), dt.date(2024, 3, 6)
    rows[0][2], rows[1][2] = dt.time(0, 5, 12), 312
    rows[0][8] = None                                   # a blank answer
    (tmp_path / "src").mkdir()
    xlsx = _xlsx(tmp_path / "src" / "wjx.xlsx", head, rows)
    xls = convert(xlsx, tmp_path, "xls", recalc=False)
    want, got = read_export(xlsx), read_export(xls)
    assert replace(got, file="wjx.xlsx") == want
    assert got.seconds == (312.0, 312.0) and got.rows[0][4] == "#N/A" and got.rows[1][4] == "#DIV/0!"
    assert got.rows[1][5] is True and got.rows[0][2] is None


def test_an_xls_export_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """The size is checked before xlrd opens the file: a bare header over the limit is refused
    for its size (opened, it is refused as unreadable)."""
    from bpm_xl.readers import survey

    f = tmp_path / "big.xls"
    f.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4088)
    with pytest.raises(survey.SurveyError, match="cannot be read"):
        survey.read_export(f)
    monkeypatch.setattr(survey, "MAX_CSV_BYTES", 4095)
    with pytest.raises(survey.SurveyError, match=r"big\.xls: the file is .* MiB \(limit"):
        survey.read_export(f)


def test_an_import_is_computed_once(h, indicators, tmp_path, monkeypatch):
    """The service computes the import once and hands its rows to the one rebuild."""
    import bpm_xl.collect as collect

    calls = []
    real = collect.apply_survey_import

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(collect, "apply_survey_import", counted)
    ans = [list(map(int, a)) for a in _answers(7, len(indicators), seed=12)]
    head, rows = _wjx_rows(indicators, ans, text=True)
    _, bak = import_survey(h, _xlsx(tmp_path / "t.xlsx", head, rows))
    assert bak is not None and len(calls) == 1
    assert _survey(h) == _expected(ans)


def test_a_column_of_answers_is_read_cell_by_cell_by_the_one_rule():
    """read_column reads each distinct cell once: every cell's value and kind, and the first
    refusal, are what read_answer (the one converter's rule) gives that cell on its own."""
    import datetime
    import random

    from bpm_xl.readers.survey import read_answer, read_column

    cells = [None, "", "  ", "-2", "-3", -2, -3, -2.0, "(跳过)", "跳过", "N/A", 0, 1, 2, 5, 1.0, 4.0, 2.5, 0.0, -0.0,
             "3", " 3 ", "４", "１／２", "1/2", "4分", "五", "#N/A", " #div/0! ", True, False, np.bool_(True), 6, 11,
             float("nan"), float("inf"), "NaN", "inf", "非常满意", "满意", " 一般 ", "VERY SATISFIED", "a┋b", "1|2",
             np.int64(3), np.float64(4.0), np.float64(-0.0), datetime.date(2025, 1, 1), datetime.time(0, 0), [1]]

    def same(got, want):  # equal in type, sign and value (1 is not 1.0, -0.0 is not 0.0)
        return [(type(x), repr(x), how) for x, how in [got]] == [(type(want[0]), repr(want[0]), want[1])]

    for lo, hi in [(1.0, 5.0), (0.0, 10.0)]:
        valid = [c for c in cells if read_answer(c, lo, hi)[2] is None]
        invalid = [c for c in cells if read_answer(c, lo, hi)[2] is not None]
        assert {None, "４", -2} <= {c for c in valid if not isinstance(c, list)} and "4分" in invalid
        assert "#N/A" in invalid and True in invalid and [1] in invalid
        column = valid * 3
        random.Random(5).shuffle(column)
        answers, index, problem = read_column(column, lo, hi)
        assert problem is None and len(index) == len(column) and len(answers) <= len(valid)
        for k, c in enumerate(column):
            assert same(answers[index[k]], read_answer(c, lo, hi)[:2]), (c, answers[index[k]])
        for bad in invalid:
            got = read_column([*valid, bad, *valid, bad], lo, hi)[2]
            assert got == (len(valid), read_answer(bad, lo, hi)[2])
            assert read_column(["满意", None, bad], lo, hi)[2] == (2, read_answer(bad, lo, hi)[2])
    assert read_column([0.0, -0.0, 0.0], 0.0, 5.0)[:2] == ([(0.0, "code"), (-0.0, "code")], [0, 1, 0])


def test_an_import_reads_the_hub_once_unless_it_changes_meanwhile(h, indicators, tmp_path, monkeypatch):
    """One reading with formulas and one of the values (the survey block taken from the first),
    used by the import and by its rebuild; a hub saved meanwhile is read again under its lock."""
    import os

    import bpm_xl.service as service

    reads = []
    real_read, real_import = service.read_workbook, service._survey_import

    def counted(*args, **kwargs):
        reads.append(kwargs.get("formulas", False))
        return real_read(*args, **kwargs)

    monkeypatch.setattr(service, "read_workbook", counted)
    ans = [list(map(int, a)) for a in _answers(7, len(indicators), seed=13)]
    _, bak = import_survey(h, _xlsx(tmp_path / "t.xlsx", *_wjx_rows(indicators, ans, text=True)))
    assert bak is not None and reads == [True, False]
    assert _survey(h) == _expected(ans)

    def saved_meanwhile(*args, **kwargs):
        out = real_import(*args, **kwargs)
        st = h.stat()
        os.utime(h, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        return out

    monkeypatch.setattr(service, "_survey_import", saved_meanwhile)
    reads.clear()
    ans = [list(map(int, a)) for a in _answers(7, len(indicators), seed=14)]
    _, bak = import_survey(h, _xlsx(tmp_path / "t2.xlsx", *_wjx_rows(indicators, ans, text=True)))
    assert bak is not None and reads == [True, False, True, False]
    assert _survey(h) == _expected(ans)
