"""Moved to :mod:`bpm_xl.layout.labels` (this name stays importable)."""

import sys

from ..layout import labels as _labels

sys.modules[__name__] = _labels
