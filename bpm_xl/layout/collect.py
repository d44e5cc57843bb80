"""The hub's collection sheets as plan data (today: the saved survey question -> indicator map).

Plugs into every rebuild of the hub with one line after the plan is made::

    plan = replace(plan, sheets=[*plan.sheets, *hub_extra_sheets(grids, lang)])

so the map saved by ``bpm-xl import-survey`` survives ``bpm-xl rebuild`` and the macro's rebuild.
"""

from __future__ import annotations

from typing import Any

from .types import Block, SheetPlan

__all__ = ["MAP_SHEET", "hub_extra_sheets"]

#: the hub sheet holding the saved question -> indicator map of survey imports
MAP_SHEET = {"zh": "问卷映射", "en": "Survey map"}


def hub_extra_sheets(g: Any, lang: str, survey_map: list[list[Any]] | None = None) -> list[Any]:
    """The collection sheets of a hub (the saved survey map), kept across rebuilds.

    Plugs into a rebuild as ``replace(plan, sheets=[*plan.sheets, *hub_extra_sheets(grids, lang)])``.
    """
    grid = survey_map
    if grid is None:
        for nm in MAP_SHEET.values():
            if nm in g.sheets:
                grid = [list(r) for r in g.sheets[nm] if any(v not in (None, "") for v in r)]
                break
    if not grid:
        return []
    blocks = [Block(0, 0, [grid[0]], "header")]
    if len(grid) > 1:
        blocks.append(Block(1, 0, [list(r) + [None] * (3 - len(r)) for r in grid[1:]], "input"))
    return [SheetPlan("survey_map", MAP_SHEET.get(lang, MAP_SHEET["zh"]), "input", blocks,
                      widths={0: 48, 1: 16, 2: 14, 3: 16})]
