"""Crafted files are refused early and cheaply, or read within a memory bound.

Every file here is small on disk (a stray far cell, compression bombs under 5 MB that expand
to at most 300 MB, a truncated or foreign file). Each run: exit 0 or 2, one line on failure,
no traceback, the file byte-identical on failure, and where it applies the peak RSS of the
``bpm-xl`` process under :data:`RSS_LIMIT_MB`.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from .conftest import Package, run, sha

#: Peak resident memory any run may take on these files (the stray-cell file < 300 MB).
RSS_LIMIT_MB = 300
#: Uncompressed size of the bomb members (bytes); a few hundred KB on disk.
BOMB_SIZE = 250 * 1024 * 1024

COMMANDS = {
    "evaluate": ["evaluate", "book.xlsm", "-q"],
    "report": ["report", "book.xlsm", "--out", "r.html", "--draws", "0", "-q"],
    "export": ["export", "book.xlsm", "--portable", "--out", "out.xlsx", "-q"],
    "rebuild": ["rebuild", "book.xlsm", "-q"],
}


def _bounded(r) -> None:
    assert r.peak_rss_mb < RSS_LIMIT_MB, f"peak RSS {r.peak_rss_mb:.0f} MB >= {RSS_LIMIT_MB} MB\n{r}"


# ----------------------------------------------------------------------------- stray cell
@pytest.fixture(scope="module")
def stray(pristine, tmp_path_factory) -> Path:
    """The example with one number at XFD1048576 on the survey sheet (declared A1:XFD1048576)."""
    pkg = Package(pristine["zh"])
    pkg.set_cell("问卷", "XFD1048576", 3)
    pkg.set_dimension("问卷", "A1:XFD1048576")
    out = pkg.save(tmp_path_factory.mktemp("stray") / "stray.xlsm")
    assert out.stat().st_size < 200_000
    return out


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_stray_far_cell_is_read_within_bounds(stray, command, tmp_path):
    shutil.copy2(stray, tmp_path / "book.xlsm")
    r = run(COMMANDS[command], tmp_path, expect=(0, 2), inputs=["book.xlsm"], unchanged=command != "rebuild",
            isolated=True)
    _bounded(r)


def test_ordinary_runs_stay_within_the_bound(example, tmp_path):
    """The bound is not a trick: a normal evaluate and rebuild of the example stay under it."""
    for command in ("evaluate", "rebuild"):
        r = run(COMMANDS[command], tmp_path, expect=(0,), isolated=True)
        _bounded(r)


# ----------------------------------------------------------------------------- bombs
def _bomb_member(zf: zipfile.ZipFile, name: str, head: bytes, fill: bytes, tail: bytes) -> None:
    """Stream a member of about BOMB_SIZE bytes (mostly ``fill`` repeated) without holding it."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    chunk = fill * (1024 * 1024 // len(fill))
    with zf.open(info, "w", force_zip64=True) as fh:
        fh.write(head)
        for _ in range(BOMB_SIZE // len(chunk)):
            fh.write(chunk)
        fh.write(tail)


def _with_bomb(src: Path, dst: Path, member: str, head: bytes, fill: bytes, tail: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename == member:
                _bomb_member(zout, member, head, fill, tail)
            else:
                zout.writestr(info, zin.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    assert dst.stat().st_size < 5 * 1024 * 1024
    return dst


@pytest.fixture(scope="module")
def sst_bomb(pristine, tmp_path_factory) -> Path:
    """sharedStrings.xml with one extra string of 250 MB ('A' repeated): ~250 KB on disk."""
    with zipfile.ZipFile(pristine["zh"]) as zf:
        sst = zf.read("xl/sharedStrings.xml")
    head, _, _ = sst.rpartition(b"</sst>")
    return _with_bomb(pristine["zh"], tmp_path_factory.mktemp("bomb") / "sst.xlsm", "xl/sharedStrings.xml",
                      head + b"<si><t>", b"A", b"</t></si></sst>")


@pytest.fixture(scope="module")
def vba_bomb(pristine, tmp_path_factory) -> Path:
    """xl/vbaProject.bin of 250 MB of zeros: ~250 KB on disk."""
    return _with_bomb(pristine["zh"], tmp_path_factory.mktemp("bomb") / "vba.xlsm", "xl/vbaProject.bin",
                      b"", b"\0", b"")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["evaluate", "rebuild"])
def test_shared_strings_bomb_is_refused_or_bounded(sst_bomb, command, tmp_path):
    shutil.copy2(sst_bomb, tmp_path / "book.xlsm")
    r = run(COMMANDS[command], tmp_path, expect=(0, 2), inputs=["book.xlsm"], unchanged=command != "rebuild",
            isolated=True)
    _bounded(r)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["evaluate", "rebuild"])
def test_vba_project_bomb_is_refused_or_bounded(vba_bomb, command, tmp_path):
    shutil.copy2(vba_bomb, tmp_path / "book.xlsm")
    r = run(COMMANDS[command], tmp_path, expect=(0, 2), inputs=["book.xlsm"], unchanged=command != "rebuild",
            isolated=True)
    _bounded(r)
    if command == "rebuild" and r.returncode == 0:
        # a rebuild must not carry the bomb forward into the new file
        assert (tmp_path / "book.xlsm").stat().st_size < 5 * 1024 * 1024


# ----------------------------------------------------------------------------- damaged / foreign files
@pytest.mark.parametrize("command", list(COMMANDS))
def test_truncated_zip_is_refused(example, command, tmp_path):
    example.write_bytes(example.read_bytes()[:20_000])
    run(COMMANDS[command], tmp_path, expect=(2,), inputs=["book.xlsm"])


@pytest.mark.parametrize("command", list(COMMANDS))
def test_non_zip_is_refused(command, tmp_path):
    (tmp_path / "book.xlsm").write_bytes(b"This is not a workbook.\n" * 100)
    run(COMMANDS[command], tmp_path, expect=(2,), inputs=["book.xlsm"])


OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
WHAT_TO_DO = re.compile(r"save|另存|import|导入|convert|转换|open it in|打开", re.IGNORECASE)


def _foreign(kind: str, path: Path) -> None:
    if kind == "xls":
        path.write_bytes(OLE2_MAGIC + b"\0" * 4088)
    elif kind == "csv":
        path.write_text("受访者,F1,F2\n1,5,4\n2,4,4\n", encoding="utf-8")
    elif kind == "ods":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", '<?xml version="1.0"?><office:document-content '
                        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
            zf.writestr("META-INF/manifest.xml", "<manifest/>")


@pytest.mark.parametrize("kind", ["xls", "csv", "ods"])
@pytest.mark.parametrize("command", ["evaluate", "rebuild", "export"])
def test_other_formats_get_a_message_saying_what_to_do(kind, command, tmp_path):
    name = f"book.{kind}"
    _foreign(kind, tmp_path / name)
    args = [a if a != "book.xlsm" else name for a in COMMANDS[command]]
    r = run(args, tmp_path, expect=(2,), inputs=[name])
    assert WHAT_TO_DO.search(r.err), r.err
    assert kind in r.err.lower() or {"xls": "Excel 97", "csv": "CSV", "ods": "OpenDocument"}[kind] in r.err, r.err


def test_xlsx_renamed_xlsm_is_refused_by_rebuild(example, tmp_path):
    run(["export", "book.xlsm", "--portable", "--out", "portable.xlsx", "-q"], tmp_path)
    (tmp_path / "portable.xlsx").rename(tmp_path / "renamed.xlsm")
    h = sha(tmp_path / "renamed.xlsm")
    r = run(["rebuild", "renamed.xlsm", "-q"], tmp_path, expect=(2,), inputs=["renamed.xlsm"])
    assert sha(tmp_path / "renamed.xlsm") == h
    assert re.search(r"xlsx|macro|宏|VBA", r.err, re.IGNORECASE), r.err
    assert not list(tmp_path.glob("renamed.backup*")), "no backup of a refused rebuild"


def test_the_peak_is_the_command_s_own_not_the_test_worker_s(tmp_path):
    """A test worker that has grown (here by 400 MB) must not lend its size to the command's
    measured peak: Linux carries the RSS at fork into what a forked child execs."""
    ballast = bytearray(400 * 1024 * 1024)
    ballast[:: 4096] = b"\x01" * len(ballast[:: 4096])   # touch every page: resident, not only reserved
    r = run(["--help"], tmp_path, expect=(0,), isolated=True)
    assert len(ballast) and r.peak_rss_mb < 200, str(r)
