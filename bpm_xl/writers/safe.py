"""Safe file writing: every file bpm-xl writes goes through :func:`atomic_write`.

Rules ("refuse, don't damage"):

- The new content goes to a temp file in the target's directory, named
  ``.<target name>.<random>.bpm-tmp``; it is fsynced and renamed over the target in one
  step. On any failure the target is untouched and the temp file removed.
- A temp file of ours left by a killed run (older than :data:`STALE_SECONDS`) is removed
  by the next write into that directory.
- A backup (:func:`backup_copy`) is written to a temp file first and then linked to a new
  name that must not exist (``link`` never follows a symlink; a dangling symlink at the
  name counts as taken and the next name is tried). Where hard links are not supported the
  backup is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and removed again if writing it
  fails. So no file named like a backup is ever partial.
- Lock files: Office's ``~$<name>`` (for long names Office drops the first two characters:
  ``~$<name[2:]>``) and LibreOffice's ``.~lock.<name>#``. A write refuses while one exists;
  :func:`hold_lock` creates ``~$<name>`` for the length of a job so two rebuilds cannot
  overlap, holding its owner (``bpm-xl <pid> <host> <start time>``), so the refusal says which
  run is writing (and not to delete its lock), and a lock whose run has ended is known as stale
  (and removed). Reading never looks at locks.
- A read-only target (no write permission bits) is refused.
- :func:`os_error_message` turns any OSError into one line naming the path and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import WorkbookError

__all__ = [
    "TEMP_SUFFIX",
    "STALE_SECONDS",
    "atomic_write",
    "write_text",
    "backup_copy",
    "hold_lock",
    "check_writable",
    "lock_files",
    "lock_message",
    "lock_owner",
    "clean_stale_temps",
    "os_error_message",
    "FileWriteError",
]

TEMP_SUFFIX = ".bpm-tmp"
#: A temp file of ours older than this (seconds) belongs to a run that was killed.
STALE_SECONDS = 300
_NAME_MAX = 255
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class FileWriteError(WorkbookError):
    """A file could not be written (disk full, no permission, locked, read-only ...)."""


_CAUSES = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the disk is read-only",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EEXIST: "a file of that name exists already",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ELOOP: "too many symbolic links",
    errno.EIO: "input/output error (a failing disk or a lost network drive?)",
}


def os_error_message(exc: OSError, path: str | os.PathLike | None = None) -> str:
    """One line: ``<path>: cannot <do>: <cause in words>``.

    >>> import errno
    >>> os_error_message(OSError(errno.ENOSPC, "No space left on device", "out/book.xlsm"))
    'out/book.xlsm: no space left on the disk'
    """
    where = exc.filename if exc.filename is not None else path
    cause = _CAUSES.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).lower()
    text = f"{os.fsdecode(where)}: {cause}" if where is not None else cause
    return " ".join(text.split())


def _temp_name(target: Path) -> str:
    token = secrets.token_hex(4)
    room = _NAME_MAX - len(TEMP_SUFFIX) - len(token) - 3
    return f".{target.name[:room]}.{token}{TEMP_SUFFIX}"


def clean_stale_temps(directory: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove our temp files (``.*.bpm-tmp``, regular files only) older than ``older_than`` s."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for e in entries:
        if not (e.name.startswith(".") and e.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            st = e.stat(follow_symlinks=False)
            if e.is_file(follow_symlinks=False) and now - st.st_mtime > older_than:
                os.unlink(e.path)
                removed.append(Path(e.path))
        except OSError:
            continue
    return removed


def lock_files(path: Path) -> list[Path]:
    """The lock files that say ``path`` is open elsewhere (Office and LibreOffice conventions)."""
    names = [f"~${path.name}", f".~lock.{path.name}#"]
    if len(path.name) > 2:
        names.append(f"~${path.name[2:]}")
    return [path.parent / n for n in dict.fromkeys(names)]


_HELD: set[Path] = set()


def lock_message(path: Path, lock: Path) -> str:
    """Why ``path`` cannot be written while ``lock`` exists, with the advice that fits its owner:
    another bpm-xl run that is writing (wait; never delete its lock), a bpm-xl run that has ended
    (a stale lock: delete it), or Excel, WPS or LibreOffice (close the file)."""
    owner = lock_owner(lock)
    if owner is None:
        return (f"{path}: the file is open in Excel, WPS or LibreOffice ({lock.name} exists); close it and try "
                f"again. If no one has it open, the lock is left from a crash: delete {lock} and run again")
    pid, host, started = owner
    since = f", started {started.replace('T', ' ')}" if started else ""
    if host == socket.gethostname() and not _alive(pid):
        return (f"{path}: a stale lock {lock} is left by a bpm-xl run that has ended (process {pid}{since}); "
                f"delete it and run again")
    where = "" if host == socket.gethostname() else f" on the computer {host}"
    return (f"{path}: another bpm-xl run is writing this file (process {pid}{where}{since}); wait until it has "
            f"finished, then run again")


def _lock_text() -> str:
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    return f"bpm-xl {os.getpid()} {socket.gethostname()} {started}\n"


def lock_owner(lock: Path) -> tuple[int, str, str] | None:
    """(process id, host, start time or "") of a lock a bpm-xl run wrote; None for any other lock."""
    try:
        with open(lock, "rb") as fh:
            text = fh.read(200).decode("utf-8", "replace")
    except OSError:
        return None
    m = re.fullmatch(r"bpm-xl (\d+) (\S+)(?: (\S+))?\n", text)
    if m is None:
        return None
    return int(m.group(1)), m.group(2), m.group(3) or ""


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _stale(lock: Path) -> bool:
    """True for a lock a bpm-xl process on this machine wrote and that process has ended (a
    run killed before it could remove its lock); another program's lock is never stale here."""
    owner = lock_owner(lock)
    if owner is None or owner[1] != socket.gethostname():
        return False
    return not _alive(owner[0])


def check_writable(path: Path) -> None:
    """Refuse (FileWriteError) when ``path`` is locked by another program or read-only. A lock
    left by a killed bpm-xl run on this machine (its process has ended) is removed."""
    for lock in lock_files(path):
        if lock in _HELD:
            continue
        if lock.name.startswith("~$") and os.path.lexists(lock) and _stale(lock):
            with contextlib.suppress(OSError):
                os.unlink(lock)
        if os.path.lexists(lock):
            raise FileWriteError(lock_message(path, lock))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileWriteError(os_error_message(exc, path)) from None
    if os.path.isdir(path):
        raise FileWriteError(f"{path}: it is a folder, not a file; give a file name")
    if not st.st_mode & 0o222:
        raise FileWriteError(f"{path}: the file is read-only; make it writable (or save a copy under another name) "
                             "and try again")


@contextlib.contextmanager
def hold_lock(path: Path) -> Iterator[Path]:
    """Hold Office's ``~$<name>`` lock on ``path`` for a job (two rebuilds cannot overlap)."""
    path = Path(path)
    check_writable(path)
    lock = path.parent / f"~${path.name}"
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except FileExistsError:
        raise FileWriteError(lock_message(path, lock)) from None
    except OSError as exc:
        raise FileWriteError(os_error_message(exc, lock)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_lock_text().encode())
        _HELD.add(lock)
        yield lock
    finally:
        _HELD.discard(lock)
        with contextlib.suppress(OSError):
            os.unlink(lock)


def _write_temp(tmp: Path, content: bytes | Callable[[Path], None]) -> Path:
    """Write ``content`` to the new file ``tmp`` and fsync it (the caller removes it on failure)."""
    if callable(content):
        # a writer that needs a path (e.g. an external converter) writes the temp file itself
        content(tmp)
        fd = os.open(tmp, os.O_RDONLY | _NOFOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return tmp
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        view = memoryview(content)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | os.PathLike, content: bytes | Callable[[Path], None], *, check: bool = True) -> Path:
    """Replace ``path`` with ``content`` in one rename; on failure ``path`` is untouched.

    ``content`` is bytes, or a function that writes the temp file at the path it is given.
    The directory is created when missing. Raises :class:`FileWriteError` (one line naming
    the path and the cause) for every OSError.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        if check:
            check_writable(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(path.parent)
        tmp = path.parent / _temp_name(path)
        _write_temp(tmp, content)
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        if os.path.isdir(path) and not os.path.islink(path):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise FileWriteError(os_error_message(exc, path)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write` of ``text``."""
    return atomic_write(path, text.encode(encoding))


def backup_copy(path: str | os.PathLike, stamp: str | None = None) -> Path:
    """A byte copy of ``path`` beside it as ``<stem>.backup-<stamp>[-k]<suffix>``; never partial."""
    import datetime as _dt

    path = Path(path)
    stamp = stamp or _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    tmp: Path | None = None
    try:
        data = path.read_bytes()
        clean_stale_temps(path.parent)
        tmp = path.parent / _temp_name(path)
        _write_temp(tmp, data)
        for k in range(1000):
            cand = path.with_name(f"{path.stem}.backup-{stamp}{f'-{k}' if k else ''}{path.suffix}")
            try:
                os.link(tmp, cand, follow_symlinks=False)
                return cand
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                return _backup_excl(cand, data)
        raise FileWriteError(f"{path}: too many backups with the stamp {stamp}; move some away")
    except OSError as exc:
        raise FileWriteError(f"backup of {os_error_message(exc, path)}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _backup_excl(cand: Path, data: bytes) -> Path:
    """Fallback where hard links are not supported: O_EXCL | O_NOFOLLOW, removed if incomplete."""
    while True:
        try:
            fd = os.open(cand, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
            break
        except FileExistsError:
            cand = cand.with_name(f"{cand.stem}-x{cand.suffix}")
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
    except BaseException:
        os.close(fd)
        os.unlink(cand)
        raise
    return cand
