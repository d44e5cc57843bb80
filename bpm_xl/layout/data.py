"""WorkbookData from core EvaluationInputs (the example, or a parsed workbook)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .types import WorkbookData

__all__ = ["data_from_inputs"]


def data_from_inputs(inputs, bands_name: str | None = None) -> WorkbookData:
    """WorkbookData from core EvaluationInputs (the example, or a parsed workbook)."""
    s = inputs.settings
    system = inputs.system
    judg: dict[str, dict[str, dict[tuple[str, str], Any]]] = {}
    for node, by_expert in inputs.judgments.items():
        children = list(system.children(node)) if node in system.nodes() else []
        judg[node] = {}
        for ecode, grid in by_expert.items():
            cells: dict[tuple[str, str], Any] = {}
            g = grid.tolist() if isinstance(grid, np.ndarray) else grid
            for i, row in enumerate(g):
                for j, v in enumerate(row):
                    if i < len(children) and j < len(children) and i != j and v is not None and v != "":
                        if isinstance(v, str):
                            v = _number_or_text(v)
                        cells[(children[i], children[j])] = v
            judg[node][ecode] = cells
    delphi = []
    for frame in inputs.delphi_rounds:
        rd = {}
        for ecode, row in frame.iterrows():
            rd[str(ecode)] = {c: _clean(v) for c, v in row.items()}
        delphi.append(rd)
    survey = [{c: _clean(v) for c, v in row.items()} for _, row in inputs.survey.iterrows()]
    ids = [i + 1 for i in range(len(survey))]
    sent = list(getattr(inputs, "delphi_sent", ()) or [])
    ret = list(getattr(inputs, "delphi_returned", ()) or [])
    return WorkbookData(
        settings={
            "method": s.method, "random_index": s.random_index, "aggregation": s.aggregation,
            "expert_weighting": s.expert_weighting, "scale_min": s.scale_min, "scale_max": s.scale_max,
            "cr_threshold": s.cr_threshold, "min_mean": s.min_mean, "max_cv": s.max_cv,
        },
        bands=[(b.grade, b.lower, b.label_zh, b.label_en) for b in s.bands.bands],
        bands_name=bands_name or s.bands.name,
        system_rows=system.to_frame().to_dict("records"),
        experts=[{"code": e.code, "name": e.name, "ca": e.ca, "cs": e.cs} for e in inputs.experts],
        judgments=judg,
        delphi=delphi,
        delphi_sent=sent,
        delphi_returned=ret,
        survey_ids=ids,
        survey=survey,
        title=inputs.title,
    )


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _number_or_text(v: str) -> Any:
    """'3' -> 3, '1/3' -> 1/3 as a number (the cell is fraction-formatted), else the text."""
    s = v.strip()
    try:
        if "/" in s:
            a, b = s.split("/", 1)
            return float(a) / float(b)
        f = float(s)
        return int(f) if f.is_integer() else f
    except (ValueError, ZeroDivisionError):
        return v

