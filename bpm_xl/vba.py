"""Moved to :mod:`bpm_xl.writers.vba` (this name stays importable for scripts and old code)."""

import sys

from .writers import vba as _vba

sys.modules[__name__] = _vba
