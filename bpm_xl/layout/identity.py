"""Who an evaluation is, and what came back into it (pure data, no file access).

- **The evaluation's identity.** ``bpm-xl new`` gives every hub an evaluation ID (a uuid), the
  time it was created and a secret key, kept as three defined names holding text constants
  (:data:`IDENTITY_NAMES`); a rebuild, export, collect and import write them back as read, so
  a copy of a hub shares them and a new hub never does. The 说明 sheet shows the ID with the
  unit and the year (:func:`guide_identity_rows`).
- **The seal of a form.** A questionnaire's hidden identity sheet (evaluation ID, expert, round,
  indicator fingerprint, ...) ends with an HMAC-SHA256 digest of its other rows keyed by the
  hub's secret (:func:`seal`), so an edit of any of them is seen when the form comes back.
- **The collection log.** Every collected form is a row of the 收回记录 sheet
  (:data:`LOG_SHEET`, :func:`log_sheet` / :func:`read_log`); rebuilds lay it out again from
  what they read, so it is kept.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ..texts import CATALOGUE, LANGS, text
from .types import Block, SheetPlan

__all__ = [
    "IDENTITY_NAMES",
    "LOG_COLUMNS",
    "LOG_SHEET",
    "canonical",
    "cell_text",
    "constant_text",
    "guide_identity_rows",
    "guide_template_rows",
    "template_of",
    "identity_from_constants",
    "identity_names",
    "log_sheet",
    "new_identity",
    "read_log",
    "seal",
]

#: identity key -> the defined name holding it (a text constant, ``="..."``)
IDENTITY_NAMES = {"evaluation": "BPM_EVALUATION_ID", "created": "BPM_EVALUATION_CREATED", "secret": "BPM_FORM_KEY"}

#: the hub sheet listing every collected form (kept by rebuilds)
LOG_SHEET = dict(zip(LANGS, CATALOGUE["log_sheet"]))
#: its columns, in order
LOG_COLUMNS = ("time", "file", "expert", "round", "cells", "evaluation", "note")

#: the first row of the 说明 sheet's identity lines (inside the rows bpm-xl rewrites)
GUIDE_IDENTITY_ROW = 34
#: the first row of the 说明 sheet's lines citing the template the indicator system started from
GUIDE_TEMPLATE_ROW = 27
#: the defined name keeping that template's name (a text constant)
TEMPLATE_NAME = "BPM_TEMPLATE"


def new_identity(now: _dt.datetime | None = None) -> dict[str, str]:
    """A fresh evaluation ID, its creation time (local, to the second) and a 256-bit secret."""
    now = now or _dt.datetime.now()
    return {"evaluation": str(uuid.uuid4()), "created": now.strftime("%Y-%m-%d %H:%M:%S"),
            "secret": secrets.token_hex(32)}


def constant_text(refers_to: str) -> str | None:
    """The text of a defined name that holds a text constant (``="abc"``), else None."""
    m = re.fullmatch(r'\s*=?\s*"((?:[^"]|"")*)"\s*', refers_to or "")
    return m.group(1).replace('""', '"') if m else None


def identity_from_constants(constants: Mapping[str, str]) -> dict[str, str]:
    """The hub's identity from its text-constant names; {} when any part is missing (a file
    written before hubs had one)."""
    out = {}
    for key, name in IDENTITY_NAMES.items():
        v = constants.get(name)
        if not v:
            return {}
        out[key] = v
    if not re.fullmatch(r"[0-9a-f]{32,128}", out["secret"]):
        return {}
    return out


def identity_names(identity: Mapping[str, str], template: str = "") -> dict[str, str]:
    """The defined names that keep ``identity`` and the template's name (text constants)."""
    out = {}
    for key, name in IDENTITY_NAMES.items():
        v = str(identity.get(key) or "")
        if v:
            out[name] = _constant(v)
    if template:
        out[TEMPLATE_NAME] = _constant(template)
    return out


def _constant(v: str) -> str:
    return '="' + v.replace('"', '""') + '"'


def template_of(constants: Mapping[str, str]) -> str:
    """The template named in a hub's text constants, if it is one of bpm-xl's (else "")."""
    from ..templates import NAMES

    v = str(constants.get(TEMPLATE_NAME) or "").strip().lower()
    return v if v in NAMES else ""


def guide_template_rows(template: str, lang: str) -> list[list[str]]:
    """The 说明 sheet's lines citing the template the indicator system started from."""
    from ..templates import get

    t = get(template)
    return [[text("guide_template_title", lang, title=t.title(lang))], [t.source(lang)],
            [text("guide_template_weighting_" + t.weighting, lang)]]


def guide_identity_rows(identity: Mapping[str, str], meta: Mapping[str, Any], lang: str) -> list[list[str]]:
    """The 说明 sheet's lines naming this evaluation: ID, created, unit and year."""
    unit = cell_text(meta.get("unit"))
    year = cell_text(meta.get("year"))
    return [[text("guide_identity_title", lang)],
            [text("guide_identity_id", lang, id=identity.get("evaluation", ""))],
            [text("guide_identity_created", lang, created=identity.get("created", ""))],
            [text("guide_identity_unit_year", lang, unit=unit or text("guide_identity_no_unit", lang),
                  year=year or text("guide_identity_no_year", lang))],
            [text("guide_identity_note", lang)]]


def cell_text(v: Any) -> str:
    """A cell of a form's identity sheet as the text the seal covers (one rule for writer and reader)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


# ----------------------------------------------------------------------------- the seal
def canonical(v: Any) -> str:
    """A form identity value as text, the same whether written or read back (1 and 1.0 alike)."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        x = float(v)
        return str(int(x)) if x.is_integer() else repr(x)
    return "" if v is None else str(v).strip()


def seal(secret: str, rows: Sequence[tuple[str, Any]]) -> str:
    """HMAC-SHA256 (hex) of a form's identity rows (key, value), keyed by the hub's secret."""
    text = json.dumps([[k, canonical(v)] for k, v in rows], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(bytes.fromhex(secret), text.encode("utf-8"), hashlib.sha256).hexdigest()


# ----------------------------------------------------------------------------- the log
def log_sheet(rows: Sequence[Mapping[str, Any]], lang: str) -> SheetPlan:
    """The 收回记录 sheet: a header and one row per collected form (oldest first)."""
    lang = lang if lang in LOG_SHEET else "zh"
    blocks = [Block(0, 0, [[text(f"log_{c}", lang) for c in LOG_COLUMNS]], "header")]
    if rows:
        blocks.append(Block(1, 0, [[_cell(r.get(k)) for k in LOG_COLUMNS] for r in rows], "input"))
    return SheetPlan("collected", LOG_SHEET[lang], "input", blocks,
                     widths={0: 20, 1: 36, 2: 10, 3: 8, 4: 14, 5: 38, 6: 40})


def _cell(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return "" if v is None else v


def read_log(grid: Sequence[Sequence[Any]] | None) -> list[dict[str, Any]]:
    """The rows of a 收回记录 sheet (header skipped, blank rows skipped); round and cells as ints
    where they are whole numbers."""
    out = []
    for row in list(grid or [])[1:]:
        vals = list(row) + [None] * (len(LOG_COLUMNS) - len(row))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals[:len(LOG_COLUMNS)]):
            continue
        rec = {k: vals[i] for i, k in enumerate(LOG_COLUMNS)}
        for k in ("round", "cells"):
            v = rec[k]
            try:
                x = float(v)
                rec[k] = int(x) if x.is_integer() else v
            except (TypeError, ValueError):
                pass
        for k in ("time", "file", "expert", "evaluation", "note"):
            rec[k] = cell_text(rec[k])
        out.append(rec)
    return out
