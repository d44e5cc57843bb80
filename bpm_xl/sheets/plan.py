"""Moved to :mod:`bpm_xl.layout` (kept importable until every caller is switched over)."""

from ..layout import plan_workbook
from ..layout.data import _clean, _number_or_text, data_from_inputs  # noqa: F401
from ..layout.inputs import SETTING_CHOICES, SETTING_KEYS
from ..layout.types import *
from ..layout.types import local as _local  # noqa: F401

__all__ = ["SETTING_CHOICES", "SETTING_KEYS", "data_from_inputs", "plan_workbook"]
