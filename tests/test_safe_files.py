"""Refuse, don't damage: atomic writes, backups, locks, read-only files, full disks, OSErrors.

Every write of the project goes through ``bpm_xl.writers.safe``; these tests attack it
directly and through the commands (exit 2, one line, the file byte-identical, no temp left).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.service import new_workbook, rebuild_file
from bpm_xl.writers import safe
from bpm_xl.writers.safe import FileWriteError


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(safe.TEMP_SUFFIX))


def one_line_error(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    err = result.stderr
    assert err.startswith("bpm-xl: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in result.output + result.stderr
    for f in fragments:
        assert f in err, (f, err)
    return err


@pytest.fixture(scope="module")
def example_bytes(tmp_path_factory) -> bytes:
    return new_workbook(tmp_path_factory.mktemp("ex") / "book.xlsm", with_module=False).read_bytes()


@pytest.fixture()
def book(tmp_path, example_bytes) -> Path:
    p = tmp_path / "book.xlsm"
    p.write_bytes(example_bytes)
    return p


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


# ----------------------------------------------------------------------------- atomic writes
def test_atomic_write_replaces_in_one_step_and_keeps_the_mode(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    safe.atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert temps(tmp_path) == []


def test_a_failing_writer_leaves_the_target_and_no_temp(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def boom(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(FileWriteError, match=r"a\.bin: no space left on the disk"):
        safe.atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_temp_names_start_with_a_dot_and_the_target_name(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    safe.atomic_write(tmp_path / "book.xlsm", b"x")
    assert seen and seen[0].startswith(".book.xlsm.") and seen[0].endswith(".bpm-tmp")


def test_stale_temp_from_a_killed_run_is_cleaned_on_the_next_write(tmp_path, book):
    """kill -9 between temp write and rename leaves a temp; the next write removes it (fresh ones stay)."""
    stale = tmp_path / ".book.xlsm.deadbeef.bpm-tmp"
    stale.write_bytes(b"partial")
    old = time.time() - safe.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    fresh = tmp_path / ".book.xlsm.cafe0000.bpm-tmp"  # another run may be writing right now
    fresh.write_bytes(b"in progress")
    not_ours = tmp_path / ".book.xlsm.1234.tmp"
    not_ours.write_bytes(b"someone else's")
    os.utime(not_ours, (old, old))
    rebuild_file(book)
    assert not stale.exists()
    assert fresh.exists() and not_ours.exists()


def test_killed_rebuild_leaves_the_original_or_the_new_file(tmp_path, book):
    """A real kill -9 of a rebuild at a few moments: the file always opens, no partial file under a real name."""
    code = ("import sys; from bpm_xl.service import rebuild_file; rebuild_file(sys.argv[1])")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    import zipfile

    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-c", code, str(book)], env=env)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        assert zipfile.is_zipfile(book)  # a lock the killed run left is removed by the next run (below)
        for p in tmp_path.glob("book.backup-*.xlsm"):
            assert zipfile.is_zipfile(p), p
    rebuild_file(book)
    assert zipfile.is_zipfile(book)


@pytest.mark.parametrize("alive", [False, True])
def test_a_lock_left_by_a_killed_run_is_removed_only_when_its_process_has_ended(tmp_path, book, alive):
    import socket

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        if not alive:
            proc.kill()
            proc.wait()
        lock = tmp_path / f"~${book.name}"
        lock.write_text(f"bpm-xl {proc.pid} {socket.gethostname()}\n")
        before = book.read_bytes()
        if alive:  # a bpm-xl run still working on the file: refused, nothing touched, its lock not to be deleted
            with pytest.raises(safe.FileWriteError, match=f"another bpm-xl run is writing this file \\(process "
                                                          f"{proc.pid}\\); wait") as err:
                rebuild_file(book)
            assert "delete" not in str(err.value) and "Excel" not in str(err.value)
            assert lock.exists() and book.read_bytes() == before
        else:
            rebuild_file(book)
            assert not lock.exists()
    finally:
        proc.kill()
        proc.wait()


def test_a_lock_of_another_machine_or_program_is_never_removed(tmp_path, book):
    lock = tmp_path / f"~${book.name}"
    for text, said in (("bpm-xl 999999999 some-other-host 2026-12-07T09:30:00\n",
                        "another bpm-xl run is writing this file (process 999999999 on the computer some-other-host, "
                        "started 2026-12-07 09:30:00); wait"),
                       ("bpm-xl 999999999 some-other-host\n", "another bpm-xl run is writing this file"),
                       ("bpm-xl 999999999\n", "open in Excel"), ("Zhang San", "open in Excel")):
        lock.write_text(text)
        with pytest.raises(safe.FileWriteError, match=re.escape(said)) as err:
            rebuild_file(book)
        assert ("delete" in str(err.value)) == (said == "open in Excel")
        assert lock.read_text() == text


def test_the_lock_records_its_owner_and_a_stale_one_is_described_as_stale(tmp_path, book):
    import socket

    with safe.hold_lock(book) as lock:
        pid, host, started = safe.lock_owner(lock)
        assert (pid, host) == (os.getpid(), socket.gethostname())
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", started)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    lock.write_text(f"bpm-xl {proc.pid} {socket.gethostname()} 2026-12-07T09:30:00\n")
    said = safe.lock_message(book, lock)
    assert said == (f"{book}: a stale lock {lock} is left by a bpm-xl run that has ended (process {proc.pid}, "
                    f"started 2026-12-07 09:30:00); delete it and run again")


# ----------------------------------------------------------------------------- backups
def test_backup_never_follows_a_dangling_symlink(tmp_path, book):
    stamp = "20260101-000000"
    elsewhere = tmp_path / "elsewhere" / "stolen.xlsm"
    elsewhere.parent.mkdir()
    (tmp_path / f"book.backup-{stamp}.xlsm").symlink_to(elsewhere)
    bak = safe.backup_copy(book, stamp=stamp)
    assert bak.name == f"book.backup-{stamp}-1.xlsm"
    assert bak.read_bytes() == book.read_bytes() and not bak.is_symlink()
    assert not elsewhere.exists()
    assert temps(tmp_path) == []


# ----------------------------------------------------------------------------- locks and read-only
@pytest.mark.parametrize("lock_name", ["~$book.xlsm", ".~lock.book.xlsm#"])
def test_a_lock_refuses_writes_but_not_reads(runner, book, lock_name):
    (book.parent / lock_name).write_text("someone")
    h = sha(book)
    err = one_line_error(runner.invoke(app, ["rebuild", str(book)]), "open in Excel", lock_name, "crash", "delete")
    assert "bpm-xl: error: " in err
    assert sha(book) == h and not list(book.parent.glob("book.backup-*"))
    # read-only commands work on the locked file (they only read)
    assert runner.invoke(app, ["evaluate", str(book), "--json"]).exit_code == 0
    out = book.parent / "p.xlsx"
    assert runner.invoke(app, ["export", str(book), "--portable", "--out", str(out), "-q"]).exit_code == 0
    assert runner.invoke(app, ["report", str(book), "--out", str(book.parent / "r.html"), "--draws", "0", "-q"]).exit_code == 0


def test_two_rebuilds_are_kept_apart(book):
    with safe.hold_lock(book) as lock:
        assert lock.name == "~$book.xlsm"
        h = sha(book)
        with pytest.raises(FileWriteError, match="another bpm-xl run is writing this file") as err:
            rebuild_file(book)
        assert "delete" not in str(err.value)
        assert sha(book) == h
    assert not lock.exists()
    rebuild_file(book)  # lock released


def test_a_read_only_file_is_refused(runner, book):
    os.chmod(book, 0o444)
    h = sha(book)
    one_line_error(runner.invoke(app, ["rebuild", str(book)]), "book.xlsm", "read-only")
    assert sha(book) == h and not list(book.parent.glob("book.backup-*"))
    assert runner.invoke(app, ["evaluate", str(book), "--json"]).exit_code == 0


# ----------------------------------------------------------------------------- OSError -> one line
def test_os_errors_are_one_line_naming_path_and_cause(runner, tmp_path):
    long = tmp_path / ("x" * 300 + ".xlsm")
    one_line_error(runner.invoke(app, ["new", str(long)]), "file name is too long")
    d = tmp_path / "dir.html"
    d.mkdir()
    one_line_error(runner.invoke(app, ["report", "example", "--out", str(d), "--draws", "0"]), "dir.html", "folder")
    one_line_error(runner.invoke(app, ["rebuild", str(tmp_path / "none.xlsm")]), "none.xlsm", "no such file")
    f = tmp_path / "file"
    f.write_text("x")
    one_line_error(runner.invoke(app, ["new", str(f / "book.xlsm")]), "not a folder")
    one_line_error(runner.invoke(app, ["evaluate", "example", "--csv", str(f)]), "file")


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left"), (errno.EACCES, "permission denied"),
                                         (errno.EROFS, "read-only"), (errno.EEXIST, "exists already"),
                                         (errno.ENOENT, "no such file"), (errno.EISDIR, "folder"),
                                         (errno.ENAMETOOLONG, "too long")])
def test_os_error_message_words(code, words):
    msg = safe.os_error_message(OSError(code, os.strerror(code), "/x/y.xlsm"))
    assert msg.startswith("/x/y.xlsm: ") and words in msg and "\n" not in msg


def test_export_and_report_never_destroy_an_existing_file_on_failure(runner, tmp_path, book, monkeypatch):
    import openpyxl

    existing = tmp_path / "existing.xlsx"
    existing.write_bytes(b"precious")
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["问卷"]["C5"] = 6
    wb.save(book)
    one_line_error(runner.invoke(app, ["export", str(book), "--portable", "--out", str(existing)]), "cell C5")
    assert existing.read_bytes() == b"precious"
    rep = tmp_path / "existing.html"
    rep.write_bytes(b"precious report")
    one_line_error(runner.invoke(app, ["report", str(book), "--out", str(rep), "--draws", "0"]), "cell C5")
    assert rep.read_bytes() == b"precious report"
    import bpm_xl.writers.report_html as report

    monkeypatch.setattr(report, "find_soffice", lambda: None)
    one_line_error(runner.invoke(app, ["report", "example", "--out", str(rep), "--pdf", "--draws", "0"]), "LibreOffice")
    assert rep.read_bytes() == b"precious report"
    assert temps(tmp_path) == []


# ----------------------------------------------------------------------------- full disk
@pytest.fixture()
def small_disk(tmp_path):
    """A 300 KB tmpfs (root on Linux); skipped where it cannot be mounted."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _fill(disk: Path, leave: int) -> None:
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with open(disk / "filler", "wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))


def test_full_disk_destroys_nothing_and_leaves_no_partial_file(runner, small_disk, example_bytes):
    book = small_disk / "book.xlsm"
    book.write_bytes(example_bytes)
    existing = small_disk / "existing.xlsx"
    existing.write_bytes(b"precious")
    _fill(small_disk, leave=16 * 1024)
    before = {p.name: sha(p) for p in small_disk.iterdir() if p.name != "filler"}

    one_line_error(runner.invoke(app, ["rebuild", str(book)]), "book.xlsm", "no space left")
    one_line_error(runner.invoke(app, ["export", str(book), "--portable", "--out", str(existing)]),
                   "existing.xlsx", "no space left")
    one_line_error(runner.invoke(app, ["report", "example", "--out", str(small_disk / "r.html"), "--draws", "0"]),
                   "no space left")
    one_line_error(runner.invoke(app, ["evaluate", "example", "--csv", str(small_disk / "csv")]), "no space left")

    after = {p.name: sha(p) for p in small_disk.iterdir() if p.is_file() and p.name != "filler"}
    assert after == before  # nothing destroyed, nothing partial under a real name, no backup, no temp
    assert temps(small_disk) == [] and not (small_disk / f"~${book.name}").exists()
