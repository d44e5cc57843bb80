"""The workbook users open (workbook/bpm_evaluation.xlsm) and its drift guard.

Regenerate after changing bpm_xl (udfs, layout, example) with:

    bpm-xl new workbook/bpm_evaluation.xlsm --example --force --template

(``--template``: no evaluation ID, so every copy users make gets its own on its first rebuild.)
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path


from bpm_xl.writers import vba
from bpm_xl.service import companion_module, new_workbook

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbook" / "bpm_evaluation.xlsm"
REGENERATE = "bpm-xl new workbook/bpm_evaluation.xlsm --example --force --template"


def _vba_bin(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")


_NUMBER = re.compile(rb"<v>(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)</v>")


def _normalised(xml: bytes) -> bytes:
    """Cached numbers to 11 significant digits: numpy/BLAS builds differ in the last bits of
    sums (seen between two installs of the same numpy version), nothing else may differ."""
    return _NUMBER.sub(lambda m: b"<v>%s</v>" % (b"%.11g" % float(m.group(1))), xml)


def test_the_committed_workbook_is_what_the_build_command_produces(tmp_path):
    built = new_workbook(tmp_path / "bpm_evaluation.xlsm", lang="zh", example=True, template=True)
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(SHIPPED) as b:
        assert a.namelist() == b.namelist(), f"workbook/ is stale: run {REGENERATE}"
        for name in a.namelist():
            x, y = a.read(name), b.read(name)
            if x != y and name.startswith("xl/worksheets/"):
                x, y = _normalised(x), _normalised(y)
            assert x == y, f"{name} differs: workbook/ is stale, run {REGENERATE}"
    assert (ROOT / "workbook" / "bpm_evaluation.py").read_text(encoding="utf-8") == companion_module()


def test_embedded_udf_module_is_what_import_functions_writes_for_the_current_udfs():
    sources = vba.module_sources(_vba_bin(SHIPPED))
    expected = vba.to_vba_source(vba.generate_udf_wrapper("bpm_xl.udfs"))
    assert sources["xlwings_udfs"].replace("\r\n", "\n").strip() == expected.replace("\r\n", "\n").strip(), (
        f"the embedded xlwings_udfs module differs from bpm_xl.udfs: run {REGENERATE}"
    )
    assert "Application.MacroOptions" in sources["bpm_xl_register"]
    assert "Workbook_Open" in sources["ThisWorkbook"]


def test_the_xlwings_module_is_byte_identical_to_xlwings_own():
    shipped = vba.module_sources(_vba_bin(SHIPPED))
    original = vba.module_sources(vba.xlwings_vba_project())
    for name in ("xlwings", "Module1", "Dictionary"):
        assert shipped[name] == original[name], name
    assert vba.check_vba_project(_vba_bin(SHIPPED)) == []


def test_olevba_lists_the_xlwings_module_the_quickstart_macro_and_the_functions():
    from oletools import olevba
    parser = olevba.VBA_Parser(str(SHIPPED))
    try:
        modules = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert "Attribute VB_Name = \"xlwings\"" in modules["xlwings"]
    assert "Sub SampleCall()" in modules["Module1"]
    assert "RunPython" in modules["Module1"]
    for name in ("AHP_WEIGHTS", "AHP_CR", "KENDALL_W", "BPM_SCORE", "BPM_RATING"):
        assert f"Function {name}(" in modules["xlwings_udfs"]
    assert "RegisterFunctions" in modules["bpm_xl_register"]
    assert 'RunPython "import bpm_xl.macros; bpm_xl.macros.main()"' in modules["bpm_xl_rebuild"]


def test_the_workbook_names_its_udf_module_and_button_macro():
    import openpyxl

    wb = openpyxl.load_workbook(SHIPPED, keep_vba=True)
    conf = wb["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "bpm_xl.udfs")
    with zipfile.ZipFile(SHIPPED) as zf:
        drawings = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if "vmlDrawing" in n)
    # the Rebuild button runs BpmRebuild, which imports bpm_xl.macros (any workbook name works);
    # before: xlwings' SampleCall, which imports a module named after the workbook
    assert "BpmRebuild" in drawings and "SampleCall" not in drawings
