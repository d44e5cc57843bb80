"""Text never becomes code: hostile text in every user-text place, through every writer/printer.

The payload list goes into every user-text place at once (indicator and dimension names,
expert names, respondent IDs, the guide, the bands name and labels: one workbook), and into
the codes (a second workbook: codes are identifiers and may be refused). Each command runs
once per workbook (module fixture): rebuild, export --portable, forms, evaluate (console,
--json, --csv), report (HTML and --docx). Checked on what they write:
- no ``<f>`` element made of a payload in any written sheet (workbook, portable export, forms);
- the payload still arrives as text (a rebuild keeps it: it was not simply dropped);
- no raw ESC/BEL on stdout/stderr, no rich MarkupError, no traceback;
- CSV cells never start with = + - @ TAB CR (the usual '-prefix);
- HTML escaped (no <script>/<img> tags from user text), no raw control characters;
- docx: no field (DDE/formula) made of a payload, no raw control characters.
Names must be accepted (exit 0). Codes with formula leaders may be refused cleanly (exit 2,
one line, file unchanged) instead of being written as text.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from .conftest import (
    CSV_LEADERS,
    PAYLOADS,
    Package,
    carries_payload,
    cell_texts,
    live_formulas,
    no_raw_escapes,
    run,
)

INDICATOR_ROWS = range(3, 23)          # 指标体系 rows 3..22: dimension, dim zh, dim en, code, name zh, name en, pdca
DIMENSION_FIRST_ROWS = (3, 8, 13, 18)  # the first row of each of the four dimensions
CODES = [f"{d}{k}" for d in "FCPL" for k in range(1, 6)]


def _place(pkg: Package, kind: str) -> list[str]:
    """Put the payloads into one kind of place of ``pkg``; returns the payloads placed."""
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
    return placed



NAME_PLACES = ("indicator_names", "dimension_names", "expert_names", "respondent_ids", "guide", "bands")
#: the crafted workbooks: every name place at once, and the codes
BOOKS = {"names": NAME_PLACES, "codes": ("codes",)}
#: where a refusal (exit 2, one line, file unchanged) is as good as text: codes are identifiers.
MAY_REFUSE = {"codes"}
#: kinds whose text the portable export shows (names and codes; not the guide, IDs or bands)
SHOWN_BY_EXPORT = {"indicator_names", "dimension_names", "expert_names", "codes"}

COMMANDS = {
    "rebuild": ["rebuild", "book.xlsm", "-q"],
    "export": ["export", "book.xlsm", "--portable", "--out", "out.xlsx", "-q"],
    "forms": ["forms", "book.xlsm", "--out", "forms"],
    "console": ["evaluate", "book.xlsm"],
    "json": ["evaluate", "book.xlsm", "--json"],
    "csv": ["evaluate", "book.xlsm", "--csv", "csv", "-q"],
    "html": ["report", "book.xlsm", "--out", "r.html", "--draws", "0", "-q"],
    "docx": ["report", "book.xlsm", "--docx", "--out", "r.docx", "--draws", "0", "-q"],
}


class Outcome:
    """One command on a fresh copy of a crafted book: the run, its directory, what was placed."""

    def __init__(self, book: str, command: str, r, d: Path, placed: dict[str, list[str]]) -> None:
        self.book, self.command, self.r, self.dir, self.placed = book, command, r, d, placed

    @property
    def ok(self) -> bool:
        return self.r.returncode == 0

    def all_placed(self, kinds=None) -> list[str]:
        return [p for k, ps in self.placed.items() if kinds is None or k in kinds for p in ps]


@pytest.fixture(scope="module")
def outcomes(pristine, tmp_path_factory):
    """(book, command) -> Outcome, each command run once per crafted book."""
    base = tmp_path_factory.mktemp("injection")
    books: dict[str, tuple[Path, dict[str, list[str]]]] = {}
    cache: dict[tuple[str, str], Outcome] = {}

    def get(book: str, command: str) -> Outcome:
        if book not in books:
            pkg = Package(pristine["zh"])
            placed = {kind: _place(pkg, kind) for kind in BOOKS[book]}
            books[book] = (pkg.save(base / f"{book}.xlsm"), placed)
        if (book, command) not in cache:
            src, placed = books[book]
            d = base / f"{book}-{command}"
            d.mkdir()
            shutil.copy2(src, d / "book.xlsm")
            expect = (0, 2) if book in MAY_REFUSE else (0,)
            r = run(COMMANDS[command], d, expect=expect, inputs=["book.xlsm"], unchanged=command != "rebuild")
            no_raw_escapes(r)
            cache[book, command] = Outcome(book, command, r, d, placed)
        return cache[book, command]

    return get


@pytest.mark.parametrize("book", list(BOOKS))
def test_rebuild_writes_user_text_as_text(outcomes, book):
    o = outcomes(book, "rebuild")
    if o.ok:
        assert live_formulas(o.dir / "book.xlsm") == []
        texts = cell_texts(o.dir / "book.xlsm")
        assert [p for p in o.all_placed() if p not in texts and p.strip() not in texts] == [], \
            "user text dropped by the rebuild"


@pytest.mark.parametrize("book", list(BOOKS))
def test_portable_export_writes_user_text_as_text(outcomes, book):
    o = outcomes(book, "export")
    out = o.dir / "out.xlsx"
    if not o.ok:
        assert not out.exists()
        return
    assert live_formulas(out) == []
    texts = cell_texts(out)
    assert [p for p in o.all_placed(SHOWN_BY_EXPORT) if p not in texts and p.strip() not in texts] == [], \
        "user text missing from the export"


@pytest.mark.parametrize("book", list(BOOKS))
def test_forms_write_user_text_as_text(outcomes, book):
    o = outcomes(book, "forms")
    if not o.ok:
        return
    files = sorted((o.dir / "forms").glob("*.xlsx"))
    assert files, o.r
    assert [(f.name, live) for f in files for live in live_formulas(f)] == []
    texts = set().union(*(cell_texts(f) for f in files))
    # every expert gets a form and the forms show the indicator names
    wanted = o.all_placed({"indicator_names", "expert_names"})
    missing = [p for p in wanted if p not in texts and p.strip() not in texts
               and not any(p in t for t in texts)]
    assert missing == [], "user text missing from the forms"


@pytest.mark.parametrize("book", list(BOOKS))
def test_console_prints_user_text_literally(outcomes, book):
    o = outcomes(book, "console")
    if o.ok and book == "names":
        # the summary shows dimension names and codes: the rich markup payloads appear literally
        out = o.r.out
        assert "[/]" in out or "[bold red]x" in out or "[link=http://x]y[/link]" in out, out


@pytest.mark.parametrize("book", list(BOOKS))
def test_json_has_no_raw_escapes(outcomes, book):
    o = outcomes(book, "json")
    if o.ok:
        json.loads(o.r.out)


@pytest.mark.parametrize("book", list(BOOKS))
def test_csv_cells_never_start_a_formula(outcomes, book):
    o = outcomes(book, "csv")
    if not o.ok:
        return
    files = sorted((o.dir / "csv").glob("*.csv"))
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


@pytest.mark.parametrize("book", list(BOOKS))
def test_html_report_escapes_user_text(outcomes, book):
    o = outcomes(book, "html")
    if not o.ok:
        return
    text = (o.dir / "r.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text
    assert "<img src=x" not in text
    # ESC/BEL are not valid HTML characters: shown escaped (or dropped), never raw
    assert "\x1b" not in text and "\x07" not in text


@pytest.mark.parametrize("book", list(BOOKS))
def test_docx_report_writes_user_text_as_text(outcomes, book):
    o = outcomes(book, "docx")
    if not o.ok:
        return
    with zipfile.ZipFile(o.dir / "r.docx") as zf:
        parts = {n: zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml")}
    fields = []
    for name, xml in parts.items():
        assert "\x1b" not in xml and "\x07" not in xml, name
        for m in re.finditer(r"<w:instrText[^>]*>(.*?)</w:instrText>|<w:fldSimple [^>]*w:instr=\"([^\"]*)\"", xml, re.S):
            instr = m.group(1) or m.group(2) or ""
            if carries_payload(instr) or "DDE" in instr.upper():
                fields.append((name, instr))
    assert fields == [], fields
    body = parts["word/document.xml"]
    assert "<script>" not in body and "<img" not in body


@pytest.mark.parametrize("args", [
    ["export", "book.xlsm", "--portable", "--out", "\x1b]8;;http://x\x07[/]\x1b[31m.txt", "-q"],
    ["evaluate", "\x1b[31m[link=http://x]y[/link].xlsm"],
    ["forms", "book.xlsm", "--out", "f", "--lang", "\x1b[31m[/]"],
    ["forms", "\x1b[2J[/].xlsm", "--out", "f"],
], ids=["export-out", "evaluate-missing", "forms-lang", "forms-missing"])
def test_error_lines_quote_user_text_literally(example, args, tmp_path):
    """An error that quotes what the user typed shows control characters escaped, markup as typed."""
    r = run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])
    no_raw_escapes(r)
    assert "\\x1b" in r.err, r.err
