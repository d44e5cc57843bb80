"""LibreOffice as a headless spreadsheet engine: the names the tests have always imported.

The helpers live in tests/engines.py (LibreOffice and Gnumeric in one place); this module keeps
``from tests.libreoffice import convert`` and friends working.
"""

from __future__ import annotations

from tests.engines import _XCU, available, convert, convert_all, recalculate, recalculate_all, render_png, soffice

__all__ = ["soffice", "available", "recalculate", "recalculate_all", "convert", "convert_all", "render_png", "_XCU"]
