"""Moved to :mod:`bpm_xl.writers.portable`; this keeps the file-level entry point
``export_portable(source, out, lang)`` until the service module takes it over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..writers.portable import CALC_SHEET, SQUARINGS, UDF_NAMES, portable_plan
from ..writers.portable import export_portable as _export

__all__ = ["CALC_SHEET", "SQUARINGS", "UDF_NAMES", "export_portable", "portable_plan"]


def export_portable(source: Any, out: str | Path, lang: str | None = None) -> Path:
    """``source`` is a bpm-xl workbook path, the word ``"example"``, or EvaluationInputs."""
    from ..layout import data_from_inputs
    from .build import _lang_of, evaluation_of, example_workbook_data, read_workbook

    if isinstance(source, str) and source == "example":
        lang = lang or "zh"
        data, system = example_workbook_data(lang)
    elif isinstance(source, (str, Path)):
        import pandas as pd

        from ..model import IndicatorSystem

        data, g = read_workbook(Path(source), formulas=False)
        lang = lang or _lang_of(g)
        system = IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                            name=f"{g.source}: indicator sheet")
    else:  # EvaluationInputs
        lang = lang or "zh"
        data, system = data_from_inputs(source), source.system
    ev, _ = evaluation_of(data, sensitivity=False)
    return _export(data, system, lang, out, evaluation=ev)
