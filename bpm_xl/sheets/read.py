"""Moved to :mod:`bpm_xl.readers.workbook`; this re-export keeps old imports working until
the callers (cli, macros, portable, tests) import from the new place."""

from ..readers.workbook import Grids, parse_names, parse_ref, read_data, to_inputs  # noqa: F401
