"""Moved to :mod:`bpm_xl.layout` (kept importable until every caller is switched over)."""

from ..layout import plan_workbook
from ..layout.data import _clean, _number_or_text, data_from_inputs  # noqa: F401
from ..layout.inputs import SETTING_CHOICES, SETTING_KEYS, judgment_value as _judgment_value  # noqa: F401
from ..layout.types import *  # noqa: F401,F403
from ..layout.types import local as _local, quote_text as _str  # noqa: F401

__all__ = ["plan_workbook", "data_from_inputs", "SETTING_KEYS", "SETTING_CHOICES"]
