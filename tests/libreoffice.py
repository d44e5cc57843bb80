"""LibreOffice as a headless spreadsheet engine: recalculate a workbook, render it to PNG.

A test helper (not shipped). Used by the tests (LibreOffice recalculates every native formula of our files, the check
that the sheets are wired right) and by ``scripts/render_sheets.py`` (what a user sees).
Each call gets its own user profile, set to always recalculate on load; a shared profile
fails at random when two processes use it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["soffice", "available", "recalculate", "convert", "render_png"]

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """The one LibreOffice finder: the report's (PATH, then the usual install locations)."""
    from bpm_xl.writers.report_html import find_soffice

    return find_soffice()


def available() -> bool:
    return soffice() is not None


def convert(path: str | Path, outdir: str | Path, fmt: str = "xlsx", timeout: float = 180, recalc: bool = True) -> Path:
    """``soffice --convert-to fmt`` with a fresh profile; returns the output.

    ``recalc=True`` sets the profile to recalculate every formula on load; ``False`` keeps
    LibreOffice's default for Excel files, which shows the values stored in the file.
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    path = Path(path).resolve()
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bpm-lo-") as prof:
        user = Path(prof) / "user"
        user.mkdir(parents=True)
        if recalc:
            (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
        cmd = [exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore", "--nologo",
               "--convert-to", fmt, "--outdir", str(outdir), str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ext = fmt.split(":")[0]
    out = outdir / (path.stem + "." + ext)
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not convert {path.name}: {proc.stdout} {proc.stderr}")
    return out


def recalculate(path: str | Path, outdir: str | Path) -> Path:
    """A recalculated .xlsx copy of ``path`` (never ship it: LibreOffice rewrites the file)."""
    return convert(path, outdir, "xlsx")


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
