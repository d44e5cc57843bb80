"""Moved to :mod:`bpm_xl.writers.xlsx` (this name stays importable)."""

import sys

from ..writers import xlsx as _xlsx

sys.modules[__name__] = _xlsx
