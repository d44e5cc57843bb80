"""Text never becomes code: hostile text in every user-text place, through every writer/printer.

Each location gets the payload list (as shared or inline strings, edited into the input sheets
of a ``bpm-xl new`` workbook); then rebuild, export --portable, evaluate (console, --json,
--csv) and report run on a copy. Checked on what they write:
- no ``<f>`` element made of a payload in any written sheet (workbook, portable export);
- the payload still arrives as text (a rebuild keeps it: it was not simply dropped);
- no raw ESC/BEL on stdout/stderr, no rich MarkupError, no traceback;
- CSV cells never start with = + - @ TAB CR (the usual '-prefix);
- HTML escaped (no <script>/<img> tags from user text).
Names must be accepted (exit 0). Codes with formula leaders may be refused cleanly (exit 2,
one line, file unchanged) instead of being written as text.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from .conftest import (
    CSV_LEADERS,
    PAYLOADS,
    Package,
    cell_texts,
    live_formulas,
    no_raw_escapes,
    run,
)

INDICATOR_ROWS = range(3, 23)          # 指标体系 rows 3..22: dimension, dim zh, dim en, code, name zh, name en, pdca
DIMENSION_FIRST_ROWS = (3, 8, 13, 18)  # the first row of each of the four dimensions
CODES = [f"{d}{k}" for d in "FCPL" for k in range(1, 6)]


def _craft(kind: str, src: Path, dst: Path) -> list[str]:
    """Write a crafted copy of ``src``; returns the payloads it holds."""
    pkg = Package(src)
    placed: list[str] = []
    if kind == "indicator_names":          # inline strings, zh and en names
        for p, r in zip(PAYLOADS, INDICATOR_ROWS):
            pkg.set_cell("指标体系", f"E{r}", p)
            pkg.set_cell("指标体系", f"F{r}", p)
            placed.append(p)
    elif kind == "dimension_names":        # shared strings: every row of the dimension changes
        for k, r in enumerate(DIMENSION_FIRST_ROWS):
            pkg.replace_shared(pkg.cell_text("指标体系", f"B{r}"), PAYLOADS[k * 4 + 1])
            pkg.replace_shared(pkg.cell_text("指标体系", f"C{r}"), PAYLOADS[k * 4 + 2])
            placed += [PAYLOADS[k * 4 + 1]]
    elif kind == "expert_names":           # inline strings, 15 experts
        for k, p in enumerate(PAYLOADS[:15]):
            pkg.set_cell("专家", f"B{3 + k}", p)
            placed.append(p)
    elif kind == "codes":                  # shared strings: the code changes on every sheet at once
        for code, p in zip(CODES, PAYLOADS):
            pkg.replace_shared(code, p)
            placed.append(p)
    elif kind == "respondent_ids":         # inline strings in the survey's ID column
        for k, p in enumerate(PAYLOADS):
            pkg.set_cell("问卷", f"A{3 + k}", p)
            placed.append(p)
    elif kind == "guide":                  # the guide text (kept by a rebuild)
        for k, p in enumerate(PAYLOADS):
            pkg.set_cell("说明", f"A{2 + k}", p, kind="shared" if k % 2 else "inline")
            placed.append(p)
    elif kind == "bands":                  # the bands name and the band labels
        pkg.set_cell("设置", "B13", '=HYPERLINK("http://x","y")', kind="shared")
        placed.append('=HYPERLINK("http://x","y")')
        for k, r in enumerate(range(16, 20)):
            pkg.set_cell("设置", f"C{r}", PAYLOADS[(k * 3) % len(PAYLOADS)])
            pkg.set_cell("设置", f"D{r}", PAYLOADS[(k * 3 + 9) % len(PAYLOADS)])
            placed.append(PAYLOADS[(k * 3) % len(PAYLOADS)])
    else:
        raise ValueError(kind)
    pkg.save(dst)
    return placed


LOCATIONS = ("indicator_names", "dimension_names", "expert_names", "codes", "respondent_ids", "guide", "bands")
#: where a refusal (exit 2, one line, file unchanged) is as good as text: codes are identifiers.
MAY_REFUSE = {"codes"}


@pytest.fixture(scope="module")
def crafted(pristine, tmp_path_factory):
    d = tmp_path_factory.mktemp("injection")
    cache: dict[str, tuple[Path, list[str]]] = {}

    def get(kind: str) -> tuple[Path, list[str]]:
        if kind not in cache:
            dst = d / f"{kind}.xlsm"
            cache[kind] = (dst, _craft(kind, pristine["zh"], dst))
        return cache[kind]

    return get


def _copy(crafted, kind: str, tmp_path: Path) -> tuple[Path, list[str]]:
    src, placed = crafted(kind)
    return Path(shutil.copy2(src, tmp_path / "book.xlsm")), placed


def _ok(kind: str) -> tuple[int, ...]:
    return (0, 2) if kind in MAY_REFUSE else (0,)


def _arrived(path: Path, placed: list[str]) -> list[str]:
    """Payloads that do not arrive as text anywhere in the written workbook."""
    texts = cell_texts(path)
    return [p for p in placed if p not in texts and p.strip() not in texts]


@pytest.mark.parametrize("kind", LOCATIONS)
def test_rebuild_writes_user_text_as_text(crafted, kind, tmp_path):
    book, placed = _copy(crafted, kind, tmp_path)
    r = run(["rebuild", book.name, "-q"], tmp_path, expect=_ok(kind), inputs=[book.name])
    no_raw_escapes(r)
    if r.returncode == 0:
        assert live_formulas(book) == []
        assert _arrived(book, placed) == [], "user text dropped by the rebuild"


@pytest.mark.parametrize("kind", LOCATIONS)
def test_portable_export_writes_user_text_as_text(crafted, kind, tmp_path):
    book, placed = _copy(crafted, kind, tmp_path)
    r = run(["export", book.name, "--portable", "--out", "out.xlsx", "-q"], tmp_path, expect=_ok(kind),
            inputs=[book.name], unchanged=True)
    no_raw_escapes(r)
    if r.returncode == 0:
        out = tmp_path / "out.xlsx"
        assert live_formulas(out) == []
        if kind not in ("guide", "respondent_ids", "bands"):   # the export shows names and codes
            assert _arrived(out, placed) == [], "user text missing from the export"
    else:
        assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("kind", LOCATIONS)
def test_console_prints_user_text_literally(crafted, kind, tmp_path):
    book, _ = _copy(crafted, kind, tmp_path)
    r = run(["evaluate", book.name], tmp_path, expect=_ok(kind), inputs=[book.name], unchanged=True)
    no_raw_escapes(r)
    if r.returncode == 0 and kind == "dimension_names":
        # the summary shows dimension names and codes: the rich markup payloads appear literally
        assert "[/]" in r.out or "[bold red]x" in r.out or "[link=http://x]y[/link]" in r.out, r.out


@pytest.mark.parametrize("kind", LOCATIONS)
def test_json_has_no_raw_escapes(crafted, kind, tmp_path):
    book, _ = _copy(crafted, kind, tmp_path)
    r = run(["evaluate", book.name, "--json"], tmp_path, expect=_ok(kind), inputs=[book.name], unchanged=True)
    no_raw_escapes(r)
    if r.returncode == 0:
        json.loads(r.out)


@pytest.mark.parametrize("kind", LOCATIONS)
def test_csv_cells_never_start_a_formula(crafted, kind, tmp_path):
    book, _ = _copy(crafted, kind, tmp_path)
    r = run(["evaluate", book.name, "--csv", "csv", "-q"], tmp_path, expect=_ok(kind), inputs=[book.name], unchanged=True)
    no_raw_escapes(r)
    if r.returncode != 0:
        return
    files = sorted((tmp_path / "csv").glob("*.csv"))
    assert files
    bad = []
    for f in files:
        with f.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for v in row:
                    if v.startswith(CSV_LEADERS):
                        try:
                            float(v)          # a plain negative number is a number, not a formula
                            continue
                        except ValueError:
                            bad.append((f.name, v))
    assert bad == [], bad[:10]


@pytest.mark.parametrize("kind", LOCATIONS)
def test_html_report_escapes_user_text(crafted, kind, tmp_path):
    book, _ = _copy(crafted, kind, tmp_path)
    r = run(["report", book.name, "--out", "r.html", "--draws", "0", "-q"], tmp_path, expect=_ok(kind),
            inputs=[book.name], unchanged=True)
    no_raw_escapes(r)
    if r.returncode != 0:
        return
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text
    assert "<img src=x" not in text


@pytest.mark.parametrize("kind", ["indicator_names", "expert_names"])
def test_html_report_has_no_raw_control_characters(crafted, kind, tmp_path):
    """ESC/BEL are not valid HTML characters: shown escaped (or dropped), never raw."""
    book, _ = _copy(crafted, kind, tmp_path)
    run(["report", book.name, "--out", "r.html", "--draws", "0", "-q"], tmp_path, expect=(0,), inputs=[book.name])
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x07" not in text
