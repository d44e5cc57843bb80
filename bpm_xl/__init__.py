"""bpm-xl: budget performance management evaluation (AHP, Delphi, survey scoring).

The public core API. This package never imports xlwings; the Excel shells live in
``bpm_xl.udfs`` and ``bpm_xl.macros``.

Names are loaded lazily (PEP 562) so that ``import bpm_xl.udfs``, which Excel runs when it
starts Python, pays only for the modules a function actually uses.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {}
for _mod, _names in {
    "errors": (
        "BpmError MatrixShapeError MatrixValueError MissingValueError ModelError "
        "NotConnectedError NotReciprocalError ScaleError SettingsError WorkbookError"
    ),
    "ahp": (
        "AhpResult BatchAhpResult HierarchyResult Judgment Repair aggregate_judgments "
        "aggregate_priorities ahp_batch ahp_weights complete_matrix global_weights hierarchy "
        "inconsistent_judgments parse_matrix random_index suggest_repair weigh_parsed aggregate_parsed"
    ),
    "delphi": "authority compare_rounds indicator_stats kendall_w positive_coefficient screen",
    "scoring": (
        "MOF_BANDS RatingBands Rating fuzzy_evaluation improvement_priorities indicator_scores "
        "membership_matrix rate weighted_score RATING_DECIMALS excel_round survey_summary"
    ),
    "model": "GOAL Dimension Indicator IndicatorSystem default_system",
    "evaluation": "Evaluation EvaluationInputs Expert Meta MatrixRepair RepairHint Settings evaluate",
    "example": "load_example",
}.items():
    for _name in _names.split():
        _EXPORTS[_name] = _mod

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'bpm_xl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
