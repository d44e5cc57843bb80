"""Every workbook and CSV that comes in passes the same guards: returned forms, survey exports
and last year's hub alike (the hub's own guards: tests/hostile/test_crafted_files.py).

Each red-team class runs on each kind of incoming file, through the command that takes it:

- ``form``: ``bpm-xl collect book.xlsm FORM.xlsx`` (a form written by ``bpm-xl forms``);
- ``survey``: ``bpm-xl import-survey book.xlsm EXPORT.xlsx`` (a 问卷星 text export);
- ``previous``: ``bpm-xl report book.xlsm --previous PREV.xlsm`` (last year's hub).

Classes: a zip bomb (refused fast, within the memory bound), a stray value at XFD1048576
(refused with its cell, never a grid allocated up to it), an Excel error value in an answer
(refused with its cell, never a blank), CSV structure (any line ending read; a quote never
closed, a huge field, broken quoting: one located line, the hub untouched), and forged
identity values of a form. Generic assertions (exit status, one error line, no traceback,
inputs byte-identical on failure) are :func:`conftest.run`'s.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from .conftest import Package, run, run_inproc

KINDS = ("form", "survey", "previous")
#: the sheet of each kind where answers live (an edit there is what a hostile file would do)
ANSWER_SHEET = {"form": "两两比较", "survey": "Sheet", "previous": "问卷"}
TEXT = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
RSS_LIMIT_MB = 300
BOMB_SIZE = 250 * 1024 * 1024


def _codes(hub: Path) -> list[str]:
    """The indicator codes: the header row of the hub's survey sheet (B2:U2)."""
    ws = openpyxl.load_workbook(hub, read_only=True)["问卷"]
    row = next(ws.iter_rows(min_row=2, max_row=2, min_col=2, max_col=21, values_only=True))
    return [str(v) for v in row if v]


def _export_rows(codes: list[str], n: int = 30) -> tuple[list[str], list[list]]:
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    head += [f"{q + 1}、{code}满意程度" for q, code in enumerate(codes)]
    rows = [[k + 1, "2025/3/1 10:00:00", f"{200 + k}秒", "微信", "直接访问", f"10.0.0.{k + 1}",
             *(TEXT[(k + q) % 5 + 1] for q in range(len(codes)))] for k in range(n)]
    return head, rows


@pytest.fixture(scope="module")
def incoming(pristine, tmp_path_factory) -> dict[str, Path]:
    """One clean file of each kind (a returned form, a survey export, last year's hub)."""
    d = tmp_path_factory.mktemp("incoming")
    shutil.copy2(pristine["zh"], d / "book.xlsm")
    r = run_inproc(["forms", "book.xlsm", "--out", "forms"], d)
    assert r.returncode == 0, str(r)
    wb = openpyxl.Workbook()
    head, rows = _export_rows(_codes(pristine["zh"]))
    wb.active.append(head)
    for row in rows:
        wb.active.append(row)
    wb.save(d / "export.xlsx")
    return {"form": d / "forms" / "E01_专家01.xlsx", "survey": d / "export.xlsx", "previous": pristine["zh"]}


def _name(kind: str) -> str:
    return {"form": "form.xlsx", "survey": "export.xlsx", "previous": "prev.xlsm"}[kind]


def _args(kind: str, name: str | None = None) -> list[str]:
    name = name or _name(kind)
    return {"form": ["collect", "book.xlsm", name],
            "survey": ["import-survey", "book.xlsm", name],
            "previous": ["report", "book.xlsm", "--out", "r.html", "--draws", "0", "--previous", name, "-q"]}[kind]


def _setup(pristine, incoming, kind: str, tmp_path: Path) -> Path:
    shutil.copy2(pristine["zh"], tmp_path / "book.xlsm")
    return Path(shutil.copy2(incoming[kind], tmp_path / _name(kind)))


def _first_mark(path: Path) -> str:
    """A1 of the first marked cell (√) of the form's pairwise sheet."""
    ws = openpyxl.load_workbook(path)["两两比较"]
    return next(c.coordinate for row in ws.iter_rows() for c in row if c.value == "√")


def _labelled(path: Path, sheet: str, label: str, column: str) -> str:
    """A1 of the cell in ``column`` on the row whose column A starts with ``label``."""
    ws = openpyxl.load_workbook(path)[sheet]
    row = next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(label))
    return f"{column}{row}"


# ----------------------------------------------------------------------------- zip bomb
def _bombed(src: Path, dst: Path, sheet: str) -> Path:
    """``src`` with the XML of ``sheet`` padded by BOMB_SIZE bytes of blanks (~250 KB on disk)."""
    member = Package(src).sheet(sheet)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != member:
                zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            head, _, tail = data.rpartition(b"</worksheet>")
            zi = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            chunk = b" " * (1 << 20)
            with zout.open(zi, "w", force_zip64=True) as fh:
                fh.write(head)
                for _ in range(BOMB_SIZE // len(chunk)):
                    fh.write(chunk)
                fh.write(b"</worksheet>" + tail)
    assert dst.stat().st_size < 5 * 1024 * 1024
    return dst


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_zip_bomb_is_refused_fast(pristine, incoming, kind, tmp_path):
    f = _setup(pristine, incoming, kind, tmp_path)
    _bombed(incoming[kind], f, ANSWER_SHEET[kind])
    t0 = time.monotonic()
    r = run(_args(kind), tmp_path, expect=(2,), inputs=["book.xlsm", f.name], isolated=True)
    assert time.monotonic() - t0 < 60, str(r)
    assert r.peak_rss_mb < RSS_LIMIT_MB, str(r)
    assert f.name in r.err and "zip bomb" in r.err, r.err


# ----------------------------------------------------------------------------- far cell
@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_stray_far_cell_is_refused_or_read_within_bounds(pristine, incoming, kind, tmp_path):
    f = _setup(pristine, incoming, kind, tmp_path)
    pkg = Package(f)
    pkg.set_cell(ANSWER_SHEET[kind], "XFD1048576", 3)
    pkg.set_dimension(ANSWER_SHEET[kind], "A1:XFD1048576")
    pkg.save(f)
    # last year's hub goes through the hub reader: only the named input ranges are read
    r = run(_args(kind), tmp_path, expect=(0, 2) if kind == "previous" else (2,), inputs=["book.xlsm", f.name],
            unchanged=True, isolated=True)
    assert r.peak_rss_mb < RSS_LIMIT_MB, str(r)
    if kind != "previous":
        assert "XFD1048576" in r.err and ANSWER_SHEET[kind] in r.err, r.err


# ----------------------------------------------------------------------------- error values
def _error_cell(kind: str, f: Path) -> tuple[str, str]:
    """(sheet, A1) of an answer cell of each kind (a mark, an answer, a survey cell)."""
    if kind == "form":
        return "两两比较", _first_mark(f)
    if kind == "form-ca":
        return "指标评分", _labelled(f, "指标评分", "判断依据系数 Ca", "D")
    if kind == "survey":
        return "Sheet", "H3"
    return "问卷", "D5"


@pytest.mark.parametrize(("kind", "error"), [("form", "#N/A"), ("form-ca", "#DIV/0!"), ("survey", "#N/A"),
                                             ("previous", "#N/A")])
def test_an_error_value_in_an_answer_is_refused_with_its_cell(pristine, incoming, kind, error, tmp_path):
    base = kind.split("-")[0]
    f = _setup(pristine, incoming, base, tmp_path)
    sheet, ref = _error_cell(kind, f)
    pkg = Package(f)
    pkg.set_cell(sheet, ref, error, kind="error")
    pkg.save(f)
    r = run(_args(base), tmp_path, expect=(2,), inputs=["book.xlsm", f.name])
    assert f.name in r.err and f"cell {ref}" in r.err and error in r.err, r.err


# ----------------------------------------------------------------------------- CSV structure
def _csv_bytes(head, rows, newline: str = "\r\n") -> bytes:
    s = io.StringIO()
    w = csv.writer(s, lineterminator=newline)
    w.writerow(head)
    w.writerows(rows)
    return s.getvalue().encode("utf-8-sig")


def _survey_values(book: Path) -> list[list]:
    ws = openpyxl.load_workbook(book, read_only=True, data_only=True)["问卷"]
    return [list(r) for r in ws.iter_rows(min_row=3, max_row=40, min_col=1, max_col=21, values_only=True)]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_a_csv_with_any_line_ending_imports_every_respondent(pristine, newline, tmp_path):
    shutil.copy2(pristine["zh"], tmp_path / "book.xlsm")
    head, rows = _export_rows(_codes(pristine["zh"]))
    (tmp_path / "export.csv").write_bytes(_csv_bytes(head, rows, newline))
    r = run(["import-survey", "book.xlsm", "export.csv"], tmp_path)
    assert "30 份答卷" in r.out, r.out
    got = _survey_values(tmp_path / "book.xlsm")
    assert [str(row[0]) for row in got[:30]] == [str(k) for k in range(1, 31)]
    assert got[4][1:21] == [(4 + q) % 5 + 1 for q in range(20)]


BROKEN = {
    # a quote opened in respondent 6's row and never closed: csv would read the rest as one field
    "unclosed quote": (lambda rows: rows[5].__setitem__(8, '"满意'), "line 7", "never closed"),
    "huge field": (lambda rows: rows[2].__setitem__(9, "满" * 140_000), "line 4", "longer than"),
    "broken quoting": (lambda rows: rows[3].__setitem__(7, '"满意"x'), "line 5", "quoting"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_csv_is_refused_on_one_located_line_and_earlier_respondents_stay(pristine, case, tmp_path):
    shutil.copy2(pristine["zh"], tmp_path / "book.xlsm")
    head, rows = _export_rows(_codes(pristine["zh"]))
    rows = [[str(v) for v in row] for row in rows]
    edit, where, why = BROKEN[case]
    edit(rows)
    text = "\r\n".join(",".join(row) for row in [head, *rows]) + "\r\n"
    (tmp_path / "export.csv").write_bytes(text.encode("utf-8"))
    r = run(["import-survey", "book.xlsm", "export.csv"], tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert "export.csv" in r.err and where in r.err and why in r.err, r.err


@pytest.mark.parametrize("kind", ["form", "previous"])
def test_a_csv_given_as_a_workbook_is_refused(pristine, kind, tmp_path):
    shutil.copy2(pristine["zh"], tmp_path / "book.xlsm")
    name = "form.xlsx" if kind == "form" else "prev.xlsm"
    (tmp_path / name).write_bytes(_csv_bytes(["a", "b"], [[1, 2]]))
    run(_args(kind, name), tmp_path, expect=(2,), inputs=["book.xlsm", name])


# ----------------------------------------------------------------------------- a form's identity
@pytest.mark.parametrize(("key", "value"), [("round", "inf"), ("round", "nan"), ("layout", "zzz")])
def test_a_forged_identity_value_is_refused_with_its_cell(pristine, incoming, key, value, tmp_path):
    f = _setup(pristine, incoming, "form", tmp_path)
    ref = _labelled(f, "_bpm_form", key, "B")
    pkg = Package(f)
    pkg.set_cell("_bpm_form", ref, value)
    pkg.save(f)
    r = run(_args("form"), tmp_path, expect=(2,), inputs=["book.xlsm", f.name])
    assert f"cell {ref}" in r.err and value in r.err, r.err


# ----------------------------------------------------------------------------- export checks the hub
def test_export_refuses_a_narrowed_survey_range_as_rebuild_does(pristine, tmp_path):
    book = Path(shutil.copy2(pristine["zh"], tmp_path / "book.xlsm"))
    pkg = Package(book)
    xml = pkg.text("xl/workbook.xml")
    xml, n = re.subn(r'(<definedName name="BPM_SURVEY"[^>]*>)[^<]*(</definedName>)', r"\1'问卷'!$B$3:$P$702\2", xml)
    assert n == 1
    pkg.set_text("xl/workbook.xml", xml)
    pkg.save(book)
    for args in (["rebuild", "book.xlsm", "-q"], ["export", "book.xlsm", "--portable", "--out", "out.xlsx", "-q"]):
        r = run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])
        assert "BPM_SURVEY" in r.err and "narrowed" in r.err, r.err
    assert not (tmp_path / "out.xlsx").exists()
