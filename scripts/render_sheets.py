"""Render the example workbook's sheets to PNG, as a user would see them after recalculation.

LibreOffice cannot run the Python functions, so each UDF formula is first replaced by the value
the function returns through xlwings' Office.js dispatch (as the tests do); LibreOffice then
recalculates everything else and prints every sheet to PDF, and pdftoppm makes PNG pages.

    python scripts/render_sheets.py [--lang zh|en] [--out out/render]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # local rendering only

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def udf_call(func_name, *args):
    import xlwings as xw
    from xlwings.server import custom_functions_call

    import bpm_xl.udfs

    payload = {"client": "Office.js", "func_name": func_name, "args": list(args),
               "caller_address": "[Book1]Sheet1!A1", "culture_info_name": "zh-CN",
               "date_format": "yyyy/m/d", "version": xw.__version__, "runtime": "1.4"}
    return asyncio.run(custom_functions_call(payload, bpm_xl.udfs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--out", default=str(ROOT / "out" / "render"))
    ap.add_argument("--dpi", type=int, default=60)
    a = ap.parse_args()
    from bpm_xl.layout import plan_workbook
    from bpm_xl.service import evaluation_of, example_workbook_data
    from bpm_xl.writers.xlsx import write_workbook
    from tests.libreoffice import recalculate, render_png
    from tests.workbook_harness import read_values, substitute_udfs

    out = Path(a.out) / a.lang
    out.mkdir(parents=True, exist_ok=True)
    data, system = example_workbook_data(a.lang)
    ev, sens = evaluation_of(data)
    plan = plan_workbook(data, system, a.lang, evaluation=ev, sensitivity=sens)
    first = out / "first.xlsx"
    write_workbook(plan, first, None)
    plan = substitute_udfs(plan, read_values(recalculate(first, out / "lo")), udf_call)
    path = out / f"bpm_evaluation_{a.lang}.xlsx"
    write_workbook(plan, path, None)
    for p in render_png(path, out, dpi=a.dpi):
        print(p)


if __name__ == "__main__":
    main()
