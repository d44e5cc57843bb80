"""What bpm-xl prints: user text literally (no markup, escapes shown), the edition's language,
repair hints that change something, CSV cells that never become formulas."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bpm_xl import evaluate, load_example
from bpm_xl.cli import app
from bpm_xl.console import plain, print_summary, repair_hint
from bpm_xl.model import IndicatorSystem
from bpm_xl.writers.csvout import defuse, write_csv

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "[/]",
    "[link=http://evil.example]click[/link]",
    "\x1b[31mRED\x1b[0m",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\x9b31m C1",
    "<script>alert(1)</script>",
]


def hostile_evaluation(lang: str = "zh"):
    """The example with every indicator name, a dimension name and the title replaced by payloads."""
    inputs = load_example(lang=lang)
    frame = inputs.system.to_frame()
    for i in range(len(frame)):
        p = PAYLOADS[i % len(PAYLOADS)]
        frame.loc[frame.index[i], "name_zh"] = p
        frame.loc[frame.index[i], "name_en"] = p
    # the dimension table shows every dimension name
    dims = {d: PAYLOADS[6 + k] for k, d in enumerate(dict.fromkeys(frame["dimension"]))}
    frame["dimension_zh"] = frame["dimension"].map(dims)
    frame["dimension_en"] = frame["dimension"].map(dims)
    system = IndicatorSystem.from_frame(frame)
    return evaluate(replace(inputs, system=system, title="[bold]\x1b]8;;http://x\x07T")), inputs


def render(ev, lang: str, terminal: bool = True) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=terminal, width=200, highlight=False, markup=False,
                      color_system="standard" if terminal else None)
    print_summary(console, ev, lang)
    return buf.getvalue()


def test_plain_shows_control_characters_escaped():
    assert plain("a\x1bb") == "a\\x1bb"
    assert plain("\x1b]8;;u\x07") == "\\x1b]8;;u\\x07"
    assert plain("x\ry\tz\n") == "x\\ry\\tz\\n"
    assert plain("\x9b") == "\\x9b"  # C1 CSI
    assert plain("\u202eevil") == "\\u202eevil"  # right-to-left override
    assert plain("[/] 新 工作簿") == "[/] 新 工作簿"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_prints_user_text_literally(lang):
    ev, _ = hostile_evaluation(lang)
    out = render(ev, lang)
    # no hyperlink, no colour or cursor code that came from user text
    assert "\x1b]8" not in out and "\x9b" not in out
    assert "\x1b[31mRED" not in out
    assert "[/]" in out and "[link=http://evil.example]click[/link]" in out and "[bold]" in out
    assert "\\x1b[31mRED\\x1b[0m" in out and "\\x1b]8;;http://evil.example\\x07link" in out
    plain_out = render(ev, lang, terminal=False)
    assert "\x1b" not in plain_out and "\r" not in plain_out.replace("\r\n", "\n")


def test_cli_error_lines_escape_control_characters(tmp_path):
    bad = tmp_path / "x\x1b]8;;http://e\x07.xlsm"
    result = CliRunner().invoke(app, ["evaluate", str(bad)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b]8;;http:/e\\x07" in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("bpm-xl: error: ")


def test_chinese_summary_has_no_raw_english_keys():
    ev = evaluate(load_example())
    out = render(ev, "zh", terminal=False)
    for raw in ("method", "random_index", "weighted gap", "Weighted gap", "none within", "mof2020", "(mof2020)",
                "第  轮", "aggregate", "Kendall W", "CR too high", "round"):
        assert raw not in out, raw
    assert "等级划分（财预〔2020〕10号）" in out
    assert "第 1 轮" in out and "第 2 轮" in out
    en = render(evaluate(load_example(lang="en")), "en", terminal=False)
    assert "Bands (MOF 2020 No.10 (mof2020))" in en and "round 1" in en


def test_repair_hints_come_from_the_core_and_change_something():
    from bpm_xl.evaluation import MatrixRepair

    ev = evaluate(load_example())
    assert ev.repairs, "the example has failing matrices"
    for rep in ev.repairs:
        hint = repair_hint(rep)
        assert hint and "→" in hint and f"(CR {rep.cr_after:.3f})" in hint
        for part in hint.split(" (CR")[0].split("; "):
            before, after = part.split(" ", 1)[1].split(" → ")
            assert before != after, hint
    assert repair_hint(None) == ""
    assert repair_hint(MatrixRepair("F", None, 0.15, (), 0.15, False)) == ""  # no change: no hint
    out = render(ev, "en", terminal=False)
    expert = next(r for r in ev.repairs if r.expert is not None)
    assert repair_hint(expert).split(" (CR")[0] in " ".join(out.split())  # per-expert hints are printed


def test_the_cli_speaks_the_workbooks_language(tmp_path):
    from bpm_xl.service import new_workbook

    runner = CliRunner()
    book = new_workbook(tmp_path / "en.xlsm", lang="en")
    out = runner.invoke(app, ["evaluate", str(book)]).stdout
    assert "Weighted total" in out and "加权总分" not in out
    out = runner.invoke(app, ["evaluate", str(book), "--lang", "zh"]).stdout
    assert "加权总分" in out
    zh = new_workbook(tmp_path / "zh.xlsm", lang="zh")
    assert "加权总分" in runner.invoke(app, ["evaluate", str(zh)]).stdout


def test_csv_text_never_becomes_a_formula(tmp_path):
    ev, _ = hostile_evaluation("zh")
    files = write_csv(ev, tmp_path / "csv", lang="zh")
    cells = []
    for f in files:
        with open(f, encoding="utf-8-sig", newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    numbers = []
    for c in dangerous:
        try:
            numbers.append(float(c))
        except ValueError:
            pytest.fail(f"live formula text in CSV: {c!r}")
    assert all(n < 0 for n in numbers)  # only negative numbers may start with "-"
    for p in PAYLOADS[:6]:
        assert "'" + p in cells or p.strip() in cells, p  # names are stripped when read
    assert defuse(-0.5) == -0.5 and defuse(3) == 3 and defuse("F1") == "F1"
