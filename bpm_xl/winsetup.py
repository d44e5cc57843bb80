"""``bpm-xl excel-setup``: what classic Excel on Windows needs, set up and checked.

Elsewhere (macOS, Excel on the web) it explains the Office.js route. Every check says what
was checked, what was found and how to fix it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .console import plain
from .errors import BpmError

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

__all__ = ["XLWINGS_VERSION", "Check", "read_conf", "write_interpreter", "windows_checks", "print_checks", "run_setup"]

XLWINGS_VERSION = "0.37.8"


@dataclass(frozen=True)
class Check:
    """One setup check: what was checked, whether it passed, what was found, how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _platform() -> str:
    return sys.platform


def _run(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _user_conf() -> Path:
    return Path.home() / ".xlwings" / "xlwings.conf"


def read_conf(path: Path) -> dict[str, str]:
    """xlwings.conf entries (``"KEY","value"`` per line)."""
    import csv as _csv

    if not path.exists():
        return {}
    out = {}
    for row in _csv.reader(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if len(row) >= 2:
            out[row[0].strip().upper()] = row[1]
    return out


def write_interpreter(path: Path, key: str, interpreter: str) -> None:
    """Set ``key`` (INTERPRETER_WIN) in an xlwings.conf file, keeping its other entries."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    kept = [ln for ln in lines if not ln.strip().strip('"').upper().startswith(key)]
    kept.append(f'"{key}","{interpreter}"')
    from .service import write_text  # lazily: the checks alone need no service

    write_text(path, "\n".join(kept) + "\n")


def _python_check(python: str) -> list[Check]:
    checks = [Check("Python", Path(python).exists() and sys.version_info >= (3, 10),
                    f"{python} (Python {sys.version.split()[0]})",
                    "install Python 3.10 or newer and bpm-xl into it (pip install bpm-xl)")]
    try:
        from importlib.metadata import version

        found = version("xlwings")
    except Exception:  # noqa: BLE001 - any failure means "not installed"
        found = None
    checks.append(Check("xlwings", found == XLWINGS_VERSION, f"xlwings {found or 'not installed'} (the workbook "
                        f"carries the VBA of {XLWINGS_VERSION})", f'"{python}" -m pip install xlwings=={XLWINGS_VERSION}'))
    proc = _run([python, "-c", "import bpm_xl.udfs"], timeout=120)
    err = (proc.stderr or "").strip().splitlines()
    checks.append(Check("bpm_xl.udfs", proc.returncode == 0,
                        "imports" if proc.returncode == 0 else (err[-1] if err else f"exit status {proc.returncode}"),
                        f'"{python}" -m pip install --upgrade bpm-xl'))
    return checks


def windows_checks(python: str, workbook: Path | None = None) -> list[Check]:
    """Everything classic Excel on Windows needs, checked."""
    checks = _python_check(python)
    proc = _run([python, "-c", "import win32com.client"], timeout=60)
    checks.append(Check("pywin32", proc.returncode == 0, "imports" if proc.returncode == 0 else "missing",
                        f'"{python}" -m pip install pywin32'))
    conf = _user_conf()
    value = read_conf(conf).get("INTERPRETER_WIN")
    same = value is not None and os.path.normcase(os.path.abspath(value)) == os.path.normcase(os.path.abspath(python))
    checks.append(Check("xlwings.conf", same, f"{conf}: INTERPRETER_WIN = {value or '(not set)'}",
                        "run bpm-xl excel-setup (without --check-only) to write it"))
    if workbook is not None:
        checks.append(_workbook_check(workbook))
    return checks


def _workbook_check(workbook: Path) -> Check:
    import zipfile

    if not workbook.exists():
        return Check("workbook", False, f"{workbook}: no such file", "bpm-xl new bpm_evaluation.xlsm")
    try:
        with zipfile.ZipFile(workbook) as zf:
            names = zf.namelist()
            has_vba = "xl/vbaProject.bin" in names
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return Check("workbook", False, f"{workbook}: not an Excel workbook", "bpm-xl new bpm_evaluation.xlsm")
    if not has_vba:
        return Check("workbook", False, f"{workbook}: has no VBA project (macro-free copy?)",
                     "open the .xlsm written by bpm-xl new, not a portable .xlsx")
    conf_sheet = "xlwings.conf" in book
    return Check("workbook", True, f"{workbook}: VBA project present"
                 + ("; its xlwings.conf sheet is used before ~/.xlwings/xlwings.conf" if conf_sheet else ""))


def _addin_install(python: str) -> Check:
    code = "import sys; from xlwings.cli import main; sys.argv = ['xlwings', 'addin', 'install']; main()"
    proc = _run([python, "-c", code], timeout=300)
    text = ((proc.stdout or "") + (proc.stderr or "")).strip().splitlines()
    ok = proc.returncode == 0 and not any(ln.startswith("Error") for ln in text)
    return Check("xlwings add-in", ok, text[-1] if text else "installed",
                 "quit Excel and run: xlwings addin install (the workbook itself works without the add-in)")


def print_checks(console: "Console", checks: list[Check]) -> bool:
    """One line per check (details printed literally), its fix under a failed one; all ok?"""
    from rich.text import Text

    for c in checks:
        mark = Text("ok  ", style="green") if c.ok else Text("FAIL", style="red")
        console.print(Text.assemble(mark, " ", plain(f"{c.name}: {c.detail}")))
        if not c.ok and c.fix:
            console.print(Text(plain(f"       fix: {c.fix}")))
    return all(c.ok for c in checks)


_OFFICE_JS = """\
Classic Excel add-ins (COM, VBA calling Python) work on Windows only.
On macOS, Excel on the web and Windows alike, use the Office.js route instead:

  * xlwings Lite: in Excel, Home > Add-ins, install "xlwings Lite" (Microsoft AppSource).
    In its editor add bpm-xl to requirements.txt and, in main.py,
        from bpm_xl.udfs import *   # AHP_WEIGHTS, AHP_CR, KENDALL_W, BPM_SCORE, ...
    then press Restart: the functions appear as =AHP_WEIGHTS(...) etc.
  * xlwings Server: run your own xlwings Server with bpm_xl.udfs as the custom-functions
    module and load its manifest into Excel (see https://docs.xlwings.org, "xlwings Server").

Either way the workbook's native formulas work as they are; or use `bpm-xl export FILE
--portable` for a macro-free copy, and `bpm-xl evaluate` / `bpm-xl report` from a terminal.
"""


def run_setup(console: "Console", workbook: Path | None = None, check_only: bool = False, addin: bool = True) -> bool:
    """``bpm-xl excel-setup``: set up classic Excel (Windows) or explain the Office.js route; check."""
    from rich.text import Text

    python = sys.executable
    if not _platform().startswith("win"):
        console.print(Text(_OFFICE_JS))
        checks = _python_check(python)
        if workbook is not None:
            checks.append(_workbook_check(workbook))
        return print_checks(console, checks)
    if not check_only:
        key = "INTERPRETER_WIN"
        try:
            write_interpreter(_user_conf(), key, python)
            console.print(Text(plain(f"wrote {key} = {python} to {_user_conf()}")))
        except (OSError, BpmError) as exc:
            console.print(Text(plain(f"could not write {_user_conf()}: {exc}")))
        if addin:
            print_checks(console, [_addin_install(python)])
    return print_checks(console, windows_checks(python, workbook))
