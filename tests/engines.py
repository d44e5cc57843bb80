"""The spreadsheet engines the tests recalculate our files with: LibreOffice and Gnumeric.

A test helper (not shipped), the one place that starts them: LibreOffice (``soffice``) recalculates
every native formula of a workbook, or converts it (``recalc=False``: shown as stored), or renders
it to PNG; Gnumeric (``ssconvert --recalc``) is the second, independent engine.

LibreOffice is slow to start, so:

* :func:`convert_all` converts many files in one start (``soffice --convert-to`` takes a list);
  a test that needs several recalculations asks for them together, and a module fixture builds
  its workbooks first and converts them at once;
* each start gets its own user profile (a profile shared by two running processes fails at
  random), copied from one this process already initialised: a fresh profile costs a first-start
  set-up on every call;
* the profile records this LibreOffice as already started (``ooSetupLastVersion``): otherwise
  LibreOffice 7.2+ runs its graphics render self-test (several seconds) on every start, since a
  headless conversion never records the version it ran.

Every start goes through ``soffice``/``ssconvert`` on PATH, so tests/conftest.py's recording shim
sees it and checks the test's marker.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["soffice", "available", "convert", "convert_all", "recalculate", "recalculate_all", "render_png",
           "gnumeric_available", "gnumeric_recalculate"]

#: recalculate every formula on load (Excel and ODF files), never run a macro
_RECALC = """<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
"""
#: "this LibreOffice has started before": skips the graphics self-test run after an upgrade (any
#: version above the installed one will do; LibreOffice compares major * 10 + minor)
_STARTED = """<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.0</value></prop></item>
"""
_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
"""
#: the profile settings with recalculation on load (kept under its old name for other helpers)
_XCU = _HEAD + _RECALC + _STARTED + "</oor:items>\n"
_XCU_AS_STORED = _HEAD + _STARTED + "</oor:items>\n"

#: (process, recalc) -> a profile this process has started LibreOffice with once
_TEMPLATES: dict[tuple[int, bool], Path] = {}


def soffice() -> str | None:
    """The one LibreOffice finder: the report's (PATH, then the usual install locations)."""
    from bpm_xl.writers.report_html import find_soffice

    return find_soffice()


def available() -> bool:
    return soffice() is not None


def gnumeric_available() -> bool:
    return shutil.which("ssconvert") is not None


def _new_profile(prof: Path, recalc: bool) -> None:
    template = _TEMPLATES.get((os.getpid(), recalc))
    if template is not None and template.is_dir():
        shutil.copytree(template, prof, symlinks=True)
        return
    user = prof / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_XCU if recalc else _XCU_AS_STORED, encoding="utf-8")


def _keep_as_template(prof: Path, recalc: bool) -> None:
    key = (os.getpid(), recalc)
    if key in _TEMPLATES:
        return
    home = Path(tempfile.mkdtemp(prefix="bpm-lo-template-"))
    atexit.register(shutil.rmtree, home, True)
    shutil.copytree(prof, home / "profile", symlinks=True)
    _TEMPLATES[key] = home / "profile"


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run an engine in its own process group; on a timeout the whole group goes (LibreOffice's
    launcher starts soffice.bin as a child, which would otherwise hold the profile)."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def convert_all(paths: Iterable[str | Path], outdir: str | Path, fmt: str = "xlsx", timeout: float | None = None,
                recalc: bool = True) -> list[Path]:
    """``soffice --convert-to fmt`` of every file in one LibreOffice start; the outputs, in order.

    ``recalc=True`` sets the profile to recalculate every formula on load; ``False`` keeps
    LibreOffice's default for Excel files, which shows the values stored in the file. The
    inputs' names must differ (the outputs share ``outdir``).
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    paths = [Path(p).resolve() for p in paths]
    outdir = Path(outdir).resolve()
    ext = fmt.split(":")[0]
    outs = [outdir / (p.stem + "." + ext) for p in paths]
    if len(set(outs)) != len(outs):
        raise ValueError(f"two inputs would convert to the same output in {outdir}: {[p.name for p in paths]}")
    if not paths:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bpm-lo-") as tmp:
        prof = Path(tmp) / "profile"
        _new_profile(prof, recalc)
        cmd = [exe, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--norestore", "--nologo",
               "--convert-to", fmt, "--outdir", str(outdir), *map(str, paths)]
        proc = _run(cmd, timeout if timeout is not None else 120 + 60 * len(paths))
        missing = [p.name for p, out in zip(paths, outs) if not out.exists()]
        if missing:
            raise RuntimeError(f"LibreOffice did not convert {', '.join(missing)}: {proc.stdout} {proc.stderr}")
        _keep_as_template(prof, recalc)
    return outs


def convert(path: str | Path, outdir: str | Path, fmt: str = "xlsx", timeout: float = 180, recalc: bool = True) -> Path:
    """``soffice --convert-to fmt`` of one file (see :func:`convert_all`); returns the output."""
    return convert_all([path], outdir, fmt, timeout, recalc)[0]


def recalculate(path: str | Path, outdir: str | Path) -> Path:
    """A recalculated .xlsx copy of ``path`` (never ship it: LibreOffice rewrites the file)."""
    return convert(path, outdir, "xlsx")


def recalculate_all(paths: Iterable[str | Path], outdir: str | Path) -> list[Path]:
    """Recalculated .xlsx copies of several files, in one LibreOffice start."""
    return convert_all(paths, outdir, "xlsx")


def render_png(path: str | Path, outdir: str | Path, dpi: int = 70, first: int = 1, last: int | None = None) -> list[Path]:
    """Render a workbook to PNG pages (LibreOffice -> PDF -> pdftoppm)."""
    pdf = convert(path, outdir, "pdf")
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RuntimeError("pdftoppm (poppler-utils) is not installed")
    prefix = Path(outdir) / pdf.stem
    cmd = [exe, "-png", "-r", str(dpi), "-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    subprocess.run(cmd + [str(pdf), str(prefix)], check=True, capture_output=True, timeout=180)
    return sorted(Path(outdir).glob(pdf.stem + "*.png"))


def gnumeric_recalculate(path: str | Path, out: str | Path, timeout: float = 300) -> Path:
    """Gnumeric's recalculation of ``path``, written to ``out`` (its format from the suffix)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(["ssconvert", "--recalc", str(path), str(out)], timeout)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"Gnumeric did not recalculate {Path(path).name}: {proc.stdout} {proc.stderr}")
    return out
