"""Full disks, read-only files, symlinks, stale temps, concurrent runs and bad paths.

A write that fails leaves the existing target untouched, no partial file under a real name and
no temp; a read-only workbook is refused; a dangling symlink at a backup name is not followed;
a stale temp of a killed run is cleaned by the next rebuild; two rebuilds at once are kept
apart by a lock; path errors are one line. The full-disk and read-only-directory cases need a
small tmpfs (root); they are skipped where it cannot be mounted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import _command, run, run_inproc, sha

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- tmpfs
@pytest.fixture()
def small_fs(tmp_path):
    """mount(size_kb, readonly=False) -> a directory on a fresh tmpfs; unmounted after the test."""
    mounted: list[Path] = []

    def mount(size_kb: int, name: str = "fs") -> Path:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("needs root to mount a small tmpfs")
        d = tmp_path / name
        d.mkdir()
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(d)], capture_output=True, check=False)
        if p.returncode != 0:
            pytest.skip(f"cannot mount tmpfs here: {p.stderr.decode(errors='replace').strip()}")
        mounted.append(d)
        return d

    yield mount
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], capture_output=True, check=False)


def _remount_ro(d: Path) -> None:
    p = subprocess.run(["mount", "-o", "remount,ro", str(d)], capture_output=True, check=False)
    if p.returncode != 0:
        pytest.skip("cannot remount read-only")


def _fill(d: Path, keep_free_kb: int) -> None:
    """Fill a tmpfs until about ``keep_free_kb`` KB are left (a file named .filler)."""
    st = os.statvfs(d)
    free = st.f_bavail * st.f_frsize
    size = max(0, free - keep_free_kb * 1024)
    with open(d / ".filler", "wb") as fh:
        fh.write(b"\0" * size)


def _existing_target(d: Path, name: str) -> tuple[Path, str]:
    p = d / name
    p.write_bytes(b"the auditor's previous copy\n" * 2000)  # ~56 KB
    return p, sha(p)


def _only(d: Path, names: set[str]) -> None:
    left = {p.name for p in d.iterdir()} - names - {"lost+found"}
    assert left == set(), f"files left behind: {left}"


@pytest.mark.parametrize("command", ["export", "report"])
def test_full_disk_keeps_the_existing_target(example, small_fs, command, tmp_path):
    d = small_fs(400)
    name = "out.xlsx" if command == "export" else "r.html"
    target, h = _existing_target(d, name)
    _fill(d, keep_free_kb=8)
    args = (["export", "book.xlsm", "--portable", "--out", str(target), "-q"] if command == "export"
            else ["report", "book.xlsm", "--out", str(target), "--draws", "0", "-q"])
    run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert sha(target) == h, "the existing file was destroyed"
    _only(d, {name, ".filler"})


@pytest.mark.parametrize("command", ["export", "report"])
def test_read_only_directory_keeps_the_existing_target(example, small_fs, command, tmp_path):
    d = small_fs(400)
    name = "out.xlsx" if command == "export" else "r.html"
    target, h = _existing_target(d, name)
    _remount_ro(d)
    args = (["export", "book.xlsm", "--portable", "--out", str(target), "-q"] if command == "export"
            else ["report", "book.xlsm", "--out", str(target), "--draws", "0", "-q"])
    r = run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert str(target) in r.err or name in r.err, r.err
    assert sha(target) == h
    _only(d, {name})


def test_full_disk_during_rebuild_leaves_the_workbook_and_no_partial_backup(pristine, small_fs, tmp_path):
    d = small_fs(1024)
    book = Path(shutil.copy2(pristine["zh"], d / "book.xlsm"))
    h = sha(book)
    _fill(d, keep_free_kb=60)   # room for neither a complete backup nor a new file
    run(["rebuild", str(book), "-q"], tmp_path, expect=(2,), inputs=[book])
    assert sha(book) == h
    _only(d, {"book.xlsm", ".filler", "book.py"})


# ----------------------------------------------------------------------------- files and links
def test_read_only_workbook_is_refused_by_rebuild(example, tmp_path):
    example.chmod(0o444)
    try:
        r = run(["rebuild", example.name, "-q"], tmp_path, expect=(2,), inputs=[example.name])
        assert re.search(r"read-only|只读|permission|权限", r.err, re.IGNORECASE), r.err
        assert oct(example.stat().st_mode & 0o777) == oct(0o444)
    finally:
        example.chmod(0o644)


def _backup_names(pristine: Path, tmp_path: Path) -> tuple[str, str | None]:
    """Learn the backup naming of this build from one probe rebuild: (template, time format)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    shutil.copy2(pristine, probe / "book.xlsm")
    t0 = dt.datetime.now()
    r = run_inproc(["rebuild", "book.xlsm", "-q"], probe)
    t1 = dt.datetime.now()
    assert r.returncode == 0, str(r)
    new = [p.name for p in probe.iterdir() if p.name not in ("book.xlsm", "book.py") and not p.name.startswith((".", "~"))]
    assert len(new) == 1, f"expected one backup file, found {new}"
    name = new[0]
    for fmt in ("%Y%m%d-%H%M%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H-%M-%S", "%Y-%m-%d_%H-%M-%S", "%Y%m%dT%H%M%S"):
        s = t0 - dt.timedelta(seconds=2)
        while s <= t1 + dt.timedelta(seconds=2):
            stamp = s.strftime(fmt)
            if stamp in name:
                return name.replace(stamp, "{}"), fmt
            s += dt.timedelta(seconds=1)
    return name, None


def test_dangling_symlink_at_the_backup_name_is_not_followed(pristine, example, tmp_path):
    template, fmt = _backup_names(pristine["zh"], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    links = []
    if fmt is None:
        names = [template]
    else:
        now = dt.datetime.now()
        names = [template.format((now + dt.timedelta(seconds=k)).strftime(fmt)) for k in range(-2, 90)]
    for k, n in enumerate(names):
        link = tmp_path / n
        os.symlink(elsewhere / f"victim{k}.xlsm", link)
        links.append(link)
    before = sha(example)
    run(["rebuild", example.name, "-q"], tmp_path, expect=(0, 2), inputs=[example.name])
    assert list(elsewhere.iterdir()) == [], "the backup was written through a symlink"
    for link in links:
        assert not link.exists() or link.is_symlink() and not Path(os.readlink(link)).exists()
    if sha(example) != before:
        # rebuilt: a real backup of the original exists somewhere beside it
        backups = [p for p in tmp_path.iterdir() if p.is_file() and not p.is_symlink() and p != example
                   and p.suffix == ".xlsm" and sha(p) == before]
        assert backups, "rebuilt without a backup of the original"


def test_stale_temp_of_a_killed_rebuild_is_cleaned(example, tmp_path):
    # the temp a rebuild killed between write and rename leaves (writers.safe names it .<name>.<hex>.bpm-tmp;
    # a .tmp of another program is not ours to delete: tests/test_safe_files.py)
    stale = tmp_path / f".{example.name}.k1ll3d.bpm-tmp"
    stale.write_bytes(b"PK\x03\x04 half a workbook")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    run(["rebuild", example.name, "-q"], tmp_path, expect=(0,))
    assert not stale.exists(), "stale temp left in place"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".bpm-tmp"))]


def test_two_concurrent_rebuilds_are_kept_apart(example, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    procs = [subprocess.Popen([*_command(), "rebuild", example.name, "-q"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    codes = sorted(p.returncode for p in procs)
    errs = [e.decode("utf-8", "replace") for _, e in outs]
    assert all("Traceback" not in e for e in errs), errs
    assert codes == [0, 2], (codes, errs)
    loser = errs[[p.returncode for p in procs].index(2)]
    assert loser.count("\n") == 1 and loser.startswith("bpm-xl: error:"), loser
    assert re.search(r"lock|锁|in use|another|正在|open", loser, re.IGNORECASE), loser
    with zipfile.ZipFile(example) as zf:
        assert zf.testzip() is None
    run(["evaluate", example.name, "-q"], tmp_path, expect=(0,))


# ----------------------------------------------------------------------------- bad paths
LONG = "a" * 300 + ".xlsm"


@pytest.mark.parametrize("args", [
    ["evaluate", LONG],
    ["rebuild", LONG, "-q"],
    ["export", "book.xlsm", "--portable", "--out", "a" * 300 + ".xlsx", "-q"],
    ["report", "book.xlsm", "--out", "a" * 300 + ".html", "--draws", "0", "-q"],
    ["evaluate", "book.xlsm", "--csv", "a" * 300, "-q"],
    ["new", LONG, "-q"],
], ids=["evaluate", "rebuild", "export-out", "report-out", "csv-dir", "new"])
def test_name_too_long_is_one_line(example, args, tmp_path):
    r = run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])
    assert re.search(r"too long|过长", r.err, re.IGNORECASE), r.err


@pytest.mark.parametrize("args", [
    ["evaluate", "adir"],
    ["rebuild", "adir", "-q"],
    ["export", "book.xlsm", "--portable", "--out", "adir.xlsx", "-q"],
    ["report", "book.xlsm", "--out", "adir", "--draws", "0", "-q"],
    ["new", "adir.xlsm", "-q"],
], ids=["evaluate", "rebuild", "export-out", "report-out", "new"])
def test_directory_in_place_of_a_file_is_one_line(example, args, tmp_path):
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir.xlsx").mkdir()
    (tmp_path / "adir.xlsm").mkdir()
    run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])


@pytest.mark.parametrize("args", [
    ["evaluate", "missing.xlsm"],
    ["rebuild", "missing.xlsm", "-q"],
    ["export", "missing.xlsm", "--portable", "-q"],
    ["report", "missing.xlsm", "--draws", "0", "-q"],
    ["evaluate", "book.xlsm", "--csv", "book.xlsm/sub", "-q"],
    ["report", "book.xlsm", "--out", "book.xlsm/r.html", "--draws", "0", "-q"],
], ids=["evaluate", "rebuild", "export", "report", "csv-under-a-file", "report-under-a-file"])
def test_missing_paths_are_one_line(example, args, tmp_path):
    run(args, tmp_path, expect=(2,), inputs=["book.xlsm"])
