"""Render what a user sees to the PNG files in docs/img, from LibreOffice with its default settings.

Nothing is substituted and nothing is recalculated: each file is written by bpm-xl exactly as a
user gets it (``bpm-xl new``, ``bpm-xl new --portable``, ``bpm-xl forms``, ``bpm-xl report
--docx``), then converted to PDF by LibreOffice with a fresh, empty user profile (LibreOffice's
defaults: an Excel file is shown with the values stored in it, macros do not run), and pdftoppm
makes the PNGs. So the pictures show the cached values bpm-xl stored, as LibreOffice, WPS and
Excel's Protected View show them.

    python scripts/render_sheets.py [--lang zh|en] [--out docs/img] [--dpi 60]

Needs LibreOffice (soffice, with Calc and Writer), pdftoppm and pdftotext (poppler-utils).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: One PDF page per sheet (the whole sheet), so page i is the i-th visible sheet.
PDF_CALC = "pdf:calc_pdf_Export:" + json.dumps({"SinglePageSheets": {"type": "boolean", "value": "true"}})
#: (picture name, sheet role in the workbook's defined names BPM_ROLE_*, max height in pixels)
SHEETS = (("dashboard", "dashboard", 900), ("evaluation", "evaluation", 900), ("weights", "weights", 900))


def soffice() -> str:
    from bpm_xl.writers.report_html import find_soffice

    exe = find_soffice()
    if exe is None:
        sys.exit("render_sheets: LibreOffice (soffice) is not installed")
    return exe


def to_pdf(path: Path, outdir: Path, fmt: str = "pdf") -> Path:
    """LibreOffice's own conversion with a fresh profile: default settings, nothing changed."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bpm-render-") as prof:
        cmd = [soffice(), f"-env:UserInstallation=file://{prof}", "--headless", "--norestore", "--nologo",
               "--convert-to", fmt, "--outdir", str(outdir), str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    pdf = outdir / (path.stem + ".pdf")
    if not pdf.exists():
        sys.exit(f"render_sheets: LibreOffice did not convert {path.name}: {proc.stdout} {proc.stderr}")
    return pdf


def png(pdf: Path, page: int, target: Path, dpi: int, max_height: int | None = None) -> Path:
    """Page ``page`` (1-based) of ``pdf`` as ``target`` (the top ``max_height`` pixels)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["pdftoppm", "-png", "-singlefile", "-r", str(dpi), "-f", str(page), "-l", str(page)]
    if max_height:
        cmd += ["-x", "0", "-y", "0", "-W", "100000", "-H", str(max_height)]
    subprocess.run(cmd + [str(pdf), str(target.with_suffix(""))], check=True, capture_output=True, timeout=300)
    return target


def page_with(pdf: Path, text: str) -> int:
    """The first page of ``pdf`` whose text contains ``text``."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for i, page in enumerate(out.split("\f"), 1):
        if text in page.replace(" ", ""):
            return i
    sys.exit(f"render_sheets: no page of {pdf.name} shows {text!r}")


def visible_roles(book: Path) -> list[str]:
    """The role of each visible sheet in order (from the BPM_ROLE_* defined names; '' for others)."""
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=False, keep_vba=False)
    role_of = {}
    for name, dn in wb.defined_names.items():
        if name.upper().startswith("BPM_ROLE_"):
            for sheet, _ in dn.destinations:
                role_of[sheet] = name[len("BPM_ROLE_"):].lower()
    return [role_of.get(ws.title, "") for ws in wb.worksheets if ws.sheet_state == "visible"]


def visible_titles(book: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=True)
    return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]


def run(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "bpm_xl.cli", *args], cwd=cwd, check=True, capture_output=True)


def render_book(book: Path, work: Path, out: Path, suffix: str, dpi: int, sheets=SHEETS) -> list[Path]:
    pdf = to_pdf(book, work / ("pdf_" + book.stem), PDF_CALC)
    roles = visible_roles(book)
    done = []
    for picture, role, height in sheets:
        if role in roles:
            done.append(png(pdf, roles.index(role) + 1, out / f"{picture}{suffix}.png", dpi, height))
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="zh", choices=("zh", "en"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    ap.add_argument("--dpi", type=int, default=60)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            sys.exit(f"render_sheets: {tool} (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="bpm-render-") as tmp:
        work = Path(tmp)
        name = "评价" if a.lang == "zh" else "evaluation"
        book, hub = work / f"{name}.xlsm", work / f"{name}.xlsx"
        run("new", str(book), "--lang", a.lang, "-q", cwd=work)
        made = render_book(book, work, out, f"_{a.lang}", a.dpi)
        # the portable hub (WPS / LibreOffice users): its dashboard
        try:
            run("new", str(hub), "--portable", "--lang", a.lang, "-q", cwd=work)
        except subprocess.CalledProcessError as exc:  # a bpm-xl without `new --portable`
            print(f"render_sheets: no portable hub ({exc.stderr.decode().strip()})", file=sys.stderr)
        else:
            made += render_book(hub, work, out, f"_portable_{a.lang}", a.dpi, sheets=(("dashboard", "dashboard", 900), ("weights", "weights", 900)))
        # an expert's questionnaire as sent (pre-filled for the first expert): the pairwise sheet
        run("forms", str(book), "--out", str(work / "forms"), "--lang", a.lang, cwd=work)
        form = sorted((work / "forms").glob("*.xlsx"))[0]
        fpdf = to_pdf(form, work / "pdf_form", PDF_CALC)
        titles = visible_titles(form)
        pair = next(t for t in titles if t in ("两两比较", "Pairwise comparisons", "Pairwise"))
        made.append(png(fpdf, titles.index(pair) + 1, out / f"form_{a.lang}.png", a.dpi + 10, 1000))
        # the Word report, as LibreOffice Writer lays it out: the page with the score table and grade
        docx = work / f"report_{a.lang}.docx"
        run("report", str(book), "--docx", "--out", str(docx), "--draws", "2000", "-q", cwd=work)
        dpdf = to_pdf(docx, work / "pdf_docx")
        heading = "三、综合评价结论" if a.lang == "zh" else "Overallevaluationconclusion"
        made.append(png(dpdf, page_with(dpdf, heading), out / f"report_docx_{a.lang}.png", a.dpi + 20))
    for p in made:
        print(p)


if __name__ == "__main__":
    main()
