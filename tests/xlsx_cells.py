"""Read an .xlsx/.xlsm's cells straight from the sheet XML: formula text, cached value, type.

openpyxl reads either formulas or cached values; the golden and cached-value tests need both,
exactly as stored (``<f>``, ``<v>``, ``t=``).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

_M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class Cell(NamedTuple):
    formula: str | None      # formula text without "=", or None
    value: Any               # float, str, bool, or an error text such as "#N/A"; None when absent
    type: str                # the t= attribute ("n" when absent)


def _shared(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    root = ElementTree.fromstring(zf.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{_M}t")) for si in root.iter(f"{_M}si")]


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.iter(f"{_M}sheet"):
        t = target[s.get(f"{_R}id")]
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def read_cells(path: str | Path, sheets: Iterable[str] | None = None) -> dict[str, dict[str, Cell]]:
    """sheet name -> A1 -> Cell, for every cell element in the file (of ``sheets`` only, if given)."""
    wanted = None if sheets is None else set(sheets)
    with zipfile.ZipFile(path) as zf:
        shared = _shared(zf)
        out: dict[str, dict[str, Cell]] = {}
        for name, part in _sheet_paths(zf).items():
            if wanted is not None and name not in wanted:
                continue
            root = ElementTree.fromstring(zf.read(part))
            cells = {}
            for c in root.iter(f"{_M}c"):
                t = c.get("t", "n")
                f = c.find(f"{_M}f")
                v = c.find(f"{_M}v")
                text = v.text if v is not None else None
                if t == "s" and text is not None:
                    value: Any = shared[int(text)]
                elif t == "inlineStr":
                    value = "".join(x.text or "" for x in c.iter(f"{_M}t"))
                elif t == "b" and text is not None:
                    value = text == "1"
                elif t in ("str", "e"):
                    value = text
                elif text is not None:
                    value = float(text)
                else:
                    value = None
                cells[c.get("r")] = Cell(f.text if f is not None else None, value, t)
            out[name] = cells
    return out


def split(a1: str) -> tuple[int, int]:
    m = re.match(r"([A-Z]+)(\d+)$", a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1
