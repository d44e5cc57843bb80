"""The frozen layout context every sheet function reads, and the defined-name registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..texts import text
from .labels import SHEETS, sheet_name
from .types import WorkbookData, ref

__all__ = ["LayoutContext", "Names", "make_context"]


class Names(dict[str, str]):
    """Defined name -> reference (with '='); the one mutable part of a layout run."""

    def put(self, name: str, sheet: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
        self[name] = "=" + ref(sheet, r0, c0, r1, c1)
        return name


@dataclass(frozen=True)
class LayoutContext:
    """What every sheet function needs: inputs, language, sheet names, the evaluation."""

    data: WorkbookData
    system: Any                      # IndicatorSystem
    lang: str
    names: Names
    sheets: dict[str, str]           # role -> sheet name
    experts: tuple[dict[str, Any], ...]
    evaluation: Any = None           # Evaluation of the same data, or None (a blank workbook)
    sensitivity: Any = None
    cache: Any = field(default=None, compare=False)   # CachedValues, when evaluation is given
    kind: str = "blank"              # what the data is: "example", "own" or "blank" (data.data_kind)

    @property
    def ecodes(self) -> list[str]:
        return [str(e["code"]) for e in self.experts]

    @property
    def codes(self) -> list[str]:
        return list(self.system.codes)

    @property
    def nodes(self) -> list[str]:
        return list(self.system.nodes())

    def t(self, key: str, **kw: Any) -> str:
        return text(key, self.lang, **kw)

    def name(self, role: str) -> str:
        return self.sheets[role]

    def put(self, name: str, role: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
        return self.names.put(name, self.sheets[role], r0, c0, r1, c1)


def make_context(data: WorkbookData, system: Any, lang: str, evaluation: Any = None, sensitivity: Any = None) -> LayoutContext:
    from .cached import CachedValues
    from .data import data_kind

    if lang not in ("zh", "en"):
        lang = "zh"
    sheets = {role: sheet_name(role, lang) for role in SHEETS}
    names = Names()
    for role, nm in sheets.items():
        names.put(f"BPM_ROLE_{role.upper()}", nm, 0, 0)
    experts = tuple(e for e in data.experts if str(e.get("code", "")).strip())
    cache = CachedValues(evaluation, data, system, lang, experts) if evaluation is not None else None
    return LayoutContext(data, system, lang, names, sheets, experts, evaluation, sensitivity, cache, data_kind(data))
