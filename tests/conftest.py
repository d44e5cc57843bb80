"""Shared test setup.

xlwings chooses its UDF runtime when it is first imported, so the Office.js runtime (the one
``xlwings.server.custom_functions_call`` dispatches through) is selected here, before any test
module imports xlwings. The noncommercial key is for tests only (xlwings PRO is PolyForm
Noncommercial); see the README's licence note.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"

#: the spreadsheet engines a test may start, and the marker such a test must carry
ENGINES = {"soffice": "libreoffice", "libreoffice": "libreoffice", "ssconvert": "gnumeric"}
_ENGINE_LOG: list[Path] = []


def pytest_configure(config):
    """Put a recording shim for each engine first on PATH.

    Every start of LibreOffice or Gnumeric, by a test, a fixture or bpm-xl itself, is logged with
    the test that was running (pytest's PYTEST_CURRENT_TEST, inherited by children); the
    ``_engine_markers`` fixture then fails a test that started an engine it is not marked for.
    In CI the engines must be installed: a missing one is an error, never a run of skips.
    """
    shim = Path(tempfile.mkdtemp(prefix="bpm-engines-"))
    log = shim / "started.log"
    log.touch()
    missing = []
    for exe in ENGINES:
        real = shutil.which(exe)
        if real is None:
            missing.append(exe)
            continue
        wrapper = shim / exe
        wrapper.write_text(f"#!/bin/sh\nprintf '%s\\n' \"{exe} $PYTEST_CURRENT_TEST\" >> \"{log}\"\nexec \"{real}\" \"$@\"\n")
        wrapper.chmod(0o755)
    os.environ["PATH"] = f"{shim}{os.pathsep}{os.environ.get('PATH', '')}"
    _ENGINE_LOG.append(log)
    if os.environ.get("CI") and {"soffice", "ssconvert"} & set(missing):
        raise pytest.UsageError(f"CI needs LibreOffice and Gnumeric; not on PATH: {', '.join(missing)}")


#: markers of the tests that take long (an engine start, a large workbook): their modules run first
LONG = ("libreoffice", "gnumeric", "formulon", "slow")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Modules holding the most long tests run first, each module's tests kept together and in order.

    With ``pytest -n auto`` the ``--dist loadscope`` of pyproject's addopts sends each module to
    one worker whole, so its module fixtures (workbooks built once and recalculated in one
    LibreOffice start) are built once, not once per worker. The longest modules go first so that
    none of them is started last while the other worker sits idle; a module's count of long tests
    stands for its cost (each starts an engine or writes a large workbook).
    """
    long: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        long[module] = long.get(module, 0) + any(item.get_closest_marker(m) for m in LONG)
    items.sort(key=lambda item: -long[item.nodeid.split("::", 1)[0]])


def pytest_unconfigure(config):
    for log in _ENGINE_LOG:
        shutil.rmtree(log.parent, ignore_errors=True)


@pytest.fixture(autouse=True)
def _engine_markers(request):
    """Fail a test that started LibreOffice or Gnumeric without the marker that says so."""
    yield
    if not _ENGINE_LOG:
        return
    nodeid = request.node.nodeid
    started = set()
    for line in _ENGINE_LOG[0].read_text(encoding="utf-8", errors="replace").splitlines():
        exe, _, test = line.partition(" ")
        if test.startswith(nodeid + " ("):
            started.add(ENGINES[exe])
    unmarked = sorted(m for m in started if request.node.get_closest_marker(m) is None)
    assert not unmarked, f"{nodeid} starts {', '.join(unmarked)} but is not marked @pytest.mark.{unmarked[0]}"


@pytest.fixture(scope="session")
def reference_cases() -> dict:
    """tests/data/reference_cases.json (a copy of ../shared/reference/reference_cases.json)."""
    return json.loads((DATA / "reference_cases.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def udf_call():
    """Call a bpm_xl.udfs function the way Excel (Office.js) does, through xlwings' dispatch.

    ``udf_call("AHP_CR", [[1, 3], ["1/3", 1]])``: every argument as the 2D list Excel sends
    (None for a blank cell, text for typed text); returns the 2D list Excel would receive.
    A bad input raises ``xlwings.XlwingsError`` carrying the cell message.
    """
    import asyncio

    import xlwings as xw
    from xlwings.server import custom_functions_call

    import bpm_xl.udfs

    def call(func_name: str, *args):
        payload = {
            "client": "Office.js",
            "func_name": func_name,
            "args": list(args),
            "caller_address": "[Book1]Sheet1!A1",
            "culture_info_name": "zh-CN",
            "date_format": "yyyy/m/d",
            "version": xw.__version__,
            "runtime": "1.4",
        }
        return asyncio.run(custom_functions_call(payload, bpm_xl.udfs))

    return call
