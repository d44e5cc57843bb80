"""The command line (bpm_xl.cli) through typer's CliRunner, plus the installed console script.

Bad input must give one line on stderr naming the file/sheet/cell and the rule, exit status
2 and no traceback; every figure of the report must be in ``evaluate example --json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bpm_xl import cli, winsetup
from bpm_xl.cli import app


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def assert_user_error(result, *fragments: str) -> None:
    """Exit 2, one line, no traceback, containing every fragment."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    err = result.stderr.strip()
    assert err.count("\n") == 0, err
    assert err.startswith("bpm-xl: error: ")
    assert "Traceback" not in result.output + result.stderr
    for f in fragments:
        assert f in err, (f, err)


def test_cli_module_imports_light():
    code = "import sys, bpm_xl.cli; print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'xlwings') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_lists_every_command(runner):
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for cmd in ("demo", "new", "rebuild", "evaluate", "export", "functions", "report", "excel-setup"):
        assert cmd in result.output


# ----------------------------------------------------------------------------- evaluate
def test_evaluate_example_json_carries_every_figure(runner):
    from bpm_xl.evaluation import evaluate
    from bpm_xl.example import load_example

    ev = evaluate(load_example())
    result = runner.invoke(app, ["evaluate", "example", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["total"] == pytest.approx(ev.total, rel=1e-12)
    assert d["score100"] == pytest.approx(ev.score100, rel=1e-12)
    assert d["rating"]["grade"] == ev.rating.grade
    assert [b["grade"] for b in d["rating"]["bands"]["bands"]] == ["A", "B", "C", "D"]
    assert [b["lower"] for b in d["rating"]["bands"]["bands"]] == [90.0, 80.0, 60.0, 0.0]
    assert set(d["nodes"]) == set(ev.nodes)
    for code, nr in ev.nodes.items():
        node = d["nodes"][code]
        assert node["aggregated"]["cr"] == pytest.approx(nr.aggregated.consistency_ratio)
        assert node["weights"] == pytest.approx(list(nr.weights))
        for ec, r in zip(nr.expert_codes, nr.expert_results):
            assert node["experts"][ec]["cr"] == pytest.approx(r.consistency_ratio)
    assert d["hierarchy"]["global_weights"] == pytest.approx(list(ev.hierarchy.global_weights))
    assert d["hierarchy"]["consistency_ratio"] == pytest.approx(ev.hierarchy.consistency_ratio)
    assert [r["kendall"]["w"] for r in d["delphi"]["rounds"]] == pytest.approx([r.kendall.w for r in ev.delphi.rounds])
    assert d["delphi"]["authority"]["panel_cr"] == pytest.approx(ev.delphi.authority.panel_cr)
    assert [p["label"] for p in d["priorities"]] == list(ev.priorities["label"])
    assert [p["weighted_gap"] for p in d["priorities"]] == pytest.approx(list(ev.priorities["weighted_gap"]))
    assert {p["stage"] for p in d["priorities"]} <= {"plan", "do", "check", "act"}
    assert len(d["dimensions"]) == 4 and len(d["indicators"]) == 20
    assert d["sensitivity"] is None  # only with --draws


def test_evaluate_example_json_with_sensitivity(runner):
    result = runner.invoke(app, ["evaluate", "example", "--json", "--draws", "200"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["sensitivity"]["draws"] == 200
    assert d["sensitivity"]["base"]["grade"] == d["rating"]["grade"]


def test_evaluate_example_summary(runner):
    result = runner.invoke(app, ["evaluate", "example", "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    from bpm_xl.evaluation import evaluate
    from bpm_xl.example import load_example

    ev = evaluate(load_example(lang="en"))
    assert f"{ev.score100:.2f}" in out and f"{ev.total:.4f}" in out
    assert "Kendall W" in out and "Hierarchy CR" in out and "Authority" in out
    assert ev.priorities["label"].iloc[0] in out
    assert "A excellent ≥ 90" in out


def test_evaluate_csv(runner, tmp_path):
    result = runner.invoke(app, ["evaluate", "example", "--csv", str(tmp_path / "csv"), "-q"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in (tmp_path / "csv").iterdir()}
    assert {"indicators.csv", "dimensions.csv", "priorities.csv", "consistency.csv", "summary.csv",
            "delphi.csv", "experts.csv"} <= names
    import pandas as pd

    # headers in the edition's language (zh by default) ...
    cons = pd.read_csv(tmp_path / "csv" / "consistency.csv", encoding="utf-8-sig")
    assert set(cons["节点"]) == {"GOAL", "F", "C", "P", "L"}
    assert "权重" in pd.read_csv(tmp_path / "csv" / "dimensions.csv", encoding="utf-8-sig").columns
    # ... and the stable English keys on request
    result = runner.invoke(app, ["evaluate", "example", "--csv", str(tmp_path / "keys"), "--keys", "-q"])
    assert result.exit_code == 0, result.output
    cons = pd.read_csv(tmp_path / "keys" / "consistency.csv", encoding="utf-8-sig")
    assert set(cons["node"]) == {"GOAL", "F", "C", "P", "L"}
    result = runner.invoke(app, ["evaluate", "example", "--lang", "en", "--csv", str(tmp_path / "en"), "-q"])
    assert "Weight" in pd.read_csv(tmp_path / "en" / "dimensions.csv", encoding="utf-8-sig").columns


def test_evaluate_json_and_csv_together_is_an_error(runner, tmp_path):
    result = runner.invoke(app, ["evaluate", "example", "--json", "--csv", str(tmp_path)])
    assert_user_error(result, "--json", "--csv")


def test_evaluate_missing_file(runner, tmp_path):
    missing = tmp_path / "nope.xlsm"
    result = runner.invoke(app, ["evaluate", str(missing)])
    assert_user_error(result, str(missing), "no such file")


def test_evaluate_damaged_file(runner, tmp_path):
    bad = tmp_path / "bad.xlsm"
    bad.write_text("not a workbook", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(bad)])
    assert_user_error(result, "bad.xlsm")


def test_bad_input_in_core_is_one_line(runner, tmp_path):
    """A ScaleError from the core, found in a real workbook: file, sheet, cell and rule on one line, exit 2."""
    import openpyxl

    from bpm_xl.service import new_workbook

    book = new_workbook(tmp_path / "book.xlsm")
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["问卷"]["F5"] = 7
    wb.save(book)
    result = runner.invoke(app, ["evaluate", str(book), "--json"])
    assert_user_error(result, "book.xlsm: sheet 问卷, cell F5", "7", "between 1 and 5")
    assert result.stdout == ""


def test_bad_lang_is_a_usage_error(runner):
    result = runner.invoke(app, ["evaluate", "example", "--lang", "fr"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ----------------------------------------------------------------------------- workbook commands
def test_new_example_and_blank(runner, tmp_path):
    path = tmp_path / "book.xlsm"
    result = runner.invoke(app, ["new", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert path.exists() and str(path) in result.stdout
    blank = tmp_path / "blank.xlsm"
    result = runner.invoke(app, ["new", str(blank), "--blank", "-q"])
    assert result.exit_code == 0, result.output
    assert blank.exists()


def test_new_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "book.xlsm"
    path.write_bytes(b"x")
    result = runner.invoke(app, ["new", str(path)])
    assert_user_error(result, str(path), "--force")
    assert path.read_bytes() == b"x"


def test_new_wrong_suffix(runner, tmp_path):
    result = runner.invoke(app, ["new", str(tmp_path / "book.xlsx")])
    assert_user_error(result, "book.xlsx", ".xlsm")


def test_new_then_evaluate_matches_example(runner, tmp_path):
    path = tmp_path / "book.xlsm"
    assert runner.invoke(app, ["new", str(path), "-q"]).exit_code == 0
    a = json.loads(runner.invoke(app, ["evaluate", str(path), "--json"]).stdout)
    b = json.loads(runner.invoke(app, ["evaluate", "example", "--json"]).stdout)
    assert a["total"] == pytest.approx(b["total"], rel=1e-9)
    assert a["rating"]["grade"] == b["rating"]["grade"]


def test_rebuild(runner, tmp_path):
    path = tmp_path / "book.xlsm"
    assert runner.invoke(app, ["new", str(path), "-q"]).exit_code == 0
    result = runner.invoke(app, ["rebuild", str(path), "-q"])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.glob("book.backup-*.xlsm"))
    result = runner.invoke(app, ["rebuild", str(path)])
    assert result.exit_code == 0 and "backup" in result.stdout


def test_rebuild_missing_and_damaged(runner, tmp_path):
    result = runner.invoke(app, ["rebuild", str(tmp_path / "none.xlsm")])
    assert_user_error(result, "none.xlsm", "no such file")
    bad = tmp_path / "bad.xlsm"
    bad.write_bytes(b"PK\x03\x04 broken")
    result = runner.invoke(app, ["rebuild", str(bad)])
    assert_user_error(result, "bad.xlsm")


def test_export_portable(runner, tmp_path):
    out = tmp_path / "p.xlsx"
    result = runner.invoke(app, ["export", "example", "--portable", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.exists()
    book = tmp_path / "book.xlsm"
    assert runner.invoke(app, ["new", str(book), "-q"]).exit_code == 0
    result = runner.invoke(app, ["export", str(book), "--portable"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "book_portable.xlsx").exists()


def test_export_needs_a_format_and_an_xlsx(runner, tmp_path):
    result = runner.invoke(app, ["export", "example"])
    assert_user_error(result, "--portable")
    result = runner.invoke(app, ["export", "example", "--portable", "--out", str(tmp_path / "x.xlsm")])
    assert_user_error(result, "x.xlsm", ".xlsx")
    result = runner.invoke(app, ["export", str(tmp_path / "none.xlsm"), "--portable"])
    assert_user_error(result, "none.xlsm", "no such file")


# ----------------------------------------------------------------------------- report
def test_report_example(runner, tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "example", "--out", str(out), "--draws", "300", "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Sensitivity analysis" in text and "<svg" in text  # charts are inline SVG now


def test_report_missing_file(runner, tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "none.xlsm")])
    assert_user_error(result, "none.xlsm")


def test_report_pdf_without_libreoffice(runner, tmp_path, monkeypatch):
    import bpm_xl.writers.report_html as report

    monkeypatch.setattr(report, "find_soffice", lambda: None)
    result = runner.invoke(app, ["report", "example", "--out", str(tmp_path / "r.html"), "--pdf", "--draws", "0"])
    assert_user_error(result, "LibreOffice")


# ----------------------------------------------------------------------------- demo
def test_demo(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--draws", "500"])
    assert result.exit_code == 0, result.output
    assert (out / "bpm_evaluation.xlsm").exists() and (out / "report.html").exists()
    assert (out / "bpm_evaluation_portable.xlsx").exists()
    text = result.stdout
    for key in ("加权总分", "百分制得分", "评价等级", "等级划分（财预〔2020〕10号）", "肯德尔协调系数 W", "专家权威系数",
                "层次总排序", "优先改进"):
        assert key in text, key


def test_demo_json(runner, tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), "--json", "--draws", "0"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["rating"]["grade"] and any(f.endswith("report.html") for f in d["files"])


def test_demo_out_is_a_file(runner, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    result = runner.invoke(app, ["demo", "--out", str(f)])
    assert_user_error(result, str(f), "not a directory")


@pytest.mark.slow
def test_demo_console_script(tmp_path):
    """The installed console script, in a fresh process, as the README shows it."""
    exe = shutil.which("bpm-xl", path=os.path.dirname(sys.executable)) or shutil.which("bpm-xl")
    if exe is None:
        pytest.skip("bpm-xl console script not installed (pip install -e .)")
    proc = subprocess.run([exe, "demo", "--out", str(tmp_path / "demo"), "--lang", "en"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    assert "100-point score" in proc.stdout and "Kendall W" in proc.stdout
    assert (tmp_path / "demo" / "report.html").exists()


# ----------------------------------------------------------------------------- excel-setup
class FakeProc:
    def __init__(self, returncode=0, stdout="", stderr=""):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def test_excel_setup_elsewhere_explains_office_js(runner, monkeypatch):
    monkeypatch.setattr(winsetup, "_platform", lambda: "linux")
    result = runner.invoke(app, ["excel-setup"])
    assert "xlwings Lite" in result.stdout and "xlwings Server" in result.stdout
    assert "bpm_xl.udfs" in result.stdout
    assert result.exit_code == 0, result.stdout  # python, xlwings 0.37.8 and bpm_xl.udfs all fine here


def test_excel_setup_reports_what_is_wrong(runner, monkeypatch):
    monkeypatch.setattr(winsetup, "_platform", lambda: "linux")
    monkeypatch.setattr(winsetup, "_run", lambda cmd, timeout=0: FakeProc(1, "", "ModuleNotFoundError: No module named 'bpm_xl'"))
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.30.0")
    result = runner.invoke(app, ["excel-setup"])
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())  # rich wraps long lines at the terminal width
    assert "FAIL xlwings: xlwings 0.30.0" in out
    assert "pip install xlwings==0.37.8" in out
    assert "No module named 'bpm_xl'" in out and "pip install --upgrade bpm-xl" in out


def test_excel_setup_windows(runner, monkeypatch, tmp_path):
    calls = []

    def fake_run(cmd, timeout=0):
        calls.append(cmd)
        return FakeProc(0, "Successfully installed the xlwings add-in!\n", "")

    monkeypatch.setattr(winsetup, "_platform", lambda: "win32")
    monkeypatch.setattr(winsetup, "_run", fake_run)
    monkeypatch.setattr(winsetup, "_user_conf", lambda: tmp_path / ".xlwings" / "xlwings.conf")
    (tmp_path / ".xlwings").mkdir()
    (tmp_path / ".xlwings" / "xlwings.conf").write_text('"LICENSE_KEY","abc"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    result = runner.invoke(app, ["excel-setup"])
    assert result.exit_code == 0, result.stdout
    conf = winsetup.read_conf(tmp_path / ".xlwings" / "xlwings.conf")
    assert conf["INTERPRETER_WIN"] == sys.executable
    assert conf["LICENSE_KEY"] == "abc"  # other entries kept
    assert any("addin" in " ".join(c) for c in calls)
    assert any("import bpm_xl.udfs" in " ".join(c) for c in calls)
    assert "ok   xlwings.conf" in result.stdout


def test_excel_setup_windows_check_only_finds_missing_conf(runner, monkeypatch, tmp_path):
    monkeypatch.setattr(winsetup, "_platform", lambda: "win32")
    monkeypatch.setattr(winsetup, "_run", lambda cmd, timeout=0: FakeProc(0))
    monkeypatch.setattr(winsetup, "_user_conf", lambda: tmp_path / "xlwings.conf")
    result = runner.invoke(app, ["excel-setup", "--check-only", "--workbook", str(tmp_path / "none.xlsm")])
    assert result.exit_code == 1
    assert "FAIL xlwings.conf" in result.stdout and "(not set)" in result.stdout
    assert "FAIL workbook" in result.stdout and "bpm-xl new" in result.stdout
    assert not (tmp_path / "xlwings.conf").exists()


def test_excel_setup_checks_workbook(runner, monkeypatch, tmp_path):
    monkeypatch.setattr(winsetup, "_platform", lambda: "linux")
    book = tmp_path / "book.xlsm"
    assert runner.invoke(app, ["new", str(book), "-q"]).exit_code == 0
    result = runner.invoke(app, ["excel-setup", "--workbook", str(book)])
    assert "ok   workbook" in result.stdout, result.stdout


def test_the_default_draws_are_the_services():
    """The literal in cli (kept so that --help does not import the service) is the service's default."""
    from bpm_xl import service

    assert cli.DEFAULT_DRAWS == service.SENSITIVITY_DRAWS
