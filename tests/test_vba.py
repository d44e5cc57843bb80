"""bpm_xl.writers.vba: the xlwings_udfs module, function-wizard registration and the embedded project.

The UDF module used here is tests/fixtures/vba_sample_udfs.py (bpm_xl.udfs is written
elsewhere); one test runs against bpm_xl.udfs and skips while it does not exist.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from bpm_xl.writers import vba
from tests import engines

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = "vba_sample_udfs"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

# Runs xlwings' own import_udfs (the "Import Functions" button) in a clean interpreter against a
# fake workbook that captures the .bas file handed to VBComponents.Import and every
# Application.MacroOptions call. Nothing from bpm_xl is imported there.
_XLWINGS_IMPORT_FUNCTIONS = textwrap.dedent(
    r"""
    import json, sys, types

    pythoncom = types.ModuleType("pythoncom"); pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})
    win32com = types.ModuleType("win32com"); win32com.__path__ = []
    client = types.ModuleType("win32com.client"); client.Dispatch = lambda *a, **k: None
    win32com.client = client
    sys.modules.update({"pythoncom": pythoncom, "pywintypes": pywintypes,
                        "win32com": win32com, "win32com.client": client})

    import xlwings as xw
    from xlwings import udfs
    xw.func, xw.arg, xw.ret, xw.sub, xw.script = udfs.xlfunc, udfs.xlarg, udfs.xlret, udfs.xlsub, udfs.xlsub

    # The scan for embedded code (sheets named *.py) in get_udf_module: this workbook has none.
    xw._xlwindows = types.SimpleNamespace(Book=lambda xl: xl)
    udfs.Book = lambda impl=None: types.SimpleNamespace(sheets=[])

    captured = {"bas": None, "calls": []}

    class Components:
        def __call__(self, name):
            return name
        def Remove(self, component):
            raise pywintypes.com_error("no such component")
        def Import(self, path):
            with open(path, "rb") as f:
                captured["bas"] = f.read().decode("utf-8")

    class Application:
        Version = "16.0"
        def MacroOptions(self, macro, **kw):
            captured["calls"].append({"macro": macro, **kw})

    class Workbook:
        Name = sys.argv[2]
        VBProject = types.SimpleNamespace(VBComponents=Components())
        Application = Application()

    udfs.import_udfs(sys.argv[1], Workbook())
    sys.stdout.write("\n@@JSON@@" + json.dumps(captured))
    """
)


def _run_import_functions(module_name: str, workbook_name: str = "bpm_xl.xlsm") -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(FIXTURES), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("XLWINGS_ON_SERVER", None)
    done = subprocess.run(
        [sys.executable, "-c", _XLWINGS_IMPORT_FUNCTIONS, module_name, workbook_name],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )
    return json.loads(done.stdout.split("@@JSON@@", 1)[1])


@pytest.fixture(scope="module")
def xlwings_reference() -> dict:
    return _run_import_functions(SAMPLE)


@pytest.fixture(scope="module")
def sample_project() -> bytes:
    return vba.build_vba_project(SAMPLE)


def _expected_modules(module_name: str = SAMPLE) -> dict[str, str]:
    return {
        vba.UDF_MODULE: vba.to_vba_source(vba.generate_udf_wrapper(module_name)),
        vba.REGISTER_MODULE: vba.generate_macro_options(module_name),
        "ThisWorkbook": vba.workbook_open_code(),
    }


def _evaluate_vba_string(expr: str) -> str:
    """Value of a VBA expression made of "..." literals and ChrW(n) joined by &."""
    out, pos = [], 0
    token = re.compile(r'\s*(?:"((?:[^"]|"")*)"|ChrW\((\d+)\))\s*(&|$)')
    while pos < len(expr):
        m = token.match(expr, pos)
        assert m, f"not a string expression: {expr[pos:pos + 60]!r}"
        out.append(m.group(1).replace('""', '"') if m.group(1) is not None else chr(int(m.group(2))))
        pos = m.end()
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _registrations(register_source: str) -> dict[str, dict]:
    """Read back what RegisterFunctions passes to MacroOptions, by interpreting its assignments."""
    found: dict[str, dict] = {}
    values: dict[str, str] = {}
    for line in register_source.split("\r\n"):
        s = line.strip()
        m = re.fullmatch(r"(d|argDocs\(\d+\)) = (.*)", s)
        if m:
            target, expr = m.groups()
            prefix = f"{target} & "
            if expr.startswith(prefix):
                values[target] += _evaluate_vba_string(expr[len(prefix):])
            else:
                values[target] = _evaluate_vba_string(expr)
            continue
        m = re.fullmatch(r"ReDim argDocs\(0 To (\d+)\)", s)
        if m:
            values = {k: v for k, v in values.items() if not k.startswith("argDocs")}
            continue
        m = re.fullmatch(r'Application\.MacroOptions Macro:=book & "(\w+)", Description:=d, Category:=(.*?)(, ArgumentDescriptions:=argDocs)?', s)
        if m:
            name, category, has_args = m.groups()
            args = [values[k] for k in sorted((k for k in values if k.startswith("argDocs")),
                                              key=lambda k: int(k[8:-1]))] if has_args else None
            found[name] = {"Description": values["d"], "Category": _evaluate_vba_string(category),
                           "ArgumentDescriptions": args}
    return found


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------

def test_wrapper_is_what_import_functions_writes(xlwings_reference):
    assert vba.generate_udf_wrapper(SAMPLE) == xlwings_reference["bas"]


def test_wrapper_for_an_addin_uses_activeworkbook():
    ref = _run_import_functions(SAMPLE, "bpm_xl.xlam")["bas"]
    text = vba.generate_udf_wrapper(SAMPLE, workbook_name="bpm_xl.xlam")
    assert text == ref and "ActiveWorkbook" in text and "ThisWorkbook" not in text


def test_wrapper_content(xlwings_reference):
    text = vba.generate_udf_wrapper(SAMPLE)
    assert text.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert "Function SAMPLE_WEIGHTS(matrix)" in text
    assert "Function SAMPLE_SCALE(x, Optional scale, Optional label)" in text
    assert "Function SAMPLE_SUM(ParamArray values())" in text
    assert "Function SAMPLE_WHERE(x)" in text and "Array(x, Nothing)" in text  # caller argument
    assert "Sub sample_macro()" in text and "not_a_udf" not in text
    assert text.isascii()


def test_generation_has_no_lasting_side_effects():
    import xlwings

    before = {name: getattr(xlwings, name, None) for name in ("func", "arg", "ret", "sub", "script")}
    had = {name: name in sys.modules for name in ("pythoncom", "pywintypes", "win32com", "xlwings.udfs")}
    vba.generate_udf_wrapper(SAMPLE)
    vba.generate_macro_options(SAMPLE)
    assert {name: getattr(xlwings, name, None) for name in before} == before
    assert {name: name in sys.modules for name in had} == had
    import vba_sample_udfs

    assert sys.modules[SAMPLE] is vba_sample_udfs
    # the ordinary import (no-op decorators, or Office.js ones under XLWINGS_ON_SERVER)
    xlfunc = getattr(vba_sample_udfs.SAMPLE_WEIGHTS, "__xlfunc__", {})
    assert "call_in_wizard" not in xlfunc  # set by the classic decorator only
    assert vba_sample_udfs.SAMPLE_SUM(1, 2, None) == 3.0


def test_macro_options_match_import_functions(xlwings_reference):
    source = vba.generate_macro_options(SAMPLE, category=None)
    assert source.isascii() and all(len(line) < 1024 for line in source.split("\r\n"))
    ours = _registrations(source)
    theirs = {call["macro"].split("!", 1)[1]: call for call in xlwings_reference["calls"]}
    assert theirs and set(ours) == set(theirs)
    for name, call in theirs.items():
        assert ours[name]["Category"] == call["Category"], name
        assert ours[name]["ArgumentDescriptions"] == call["ArgumentDescriptions"], name
        if name == "SAMPLE_NODOC":  # xlwings names the absolute file path; we name the module
            assert ours[name]["Description"] == f"Python function 'SAMPLE_NODOC' defined in '{SAMPLE}'."
        else:
            assert ours[name]["Description"] == call["Description"], name
    assert len(ours["SAMPLE_SCALE"]["Description"]) == 255
    assert "中文" in ours["SAMPLE_SCALE"]["Description"]
    assert ours["SAMPLE_SCALE"]["ArgumentDescriptions"][1].endswith("比例系数")


def test_macro_options_default_category_and_structure():
    source = vba.generate_macro_options(SAMPLE)
    regs = _registrations(source)
    assert regs["SAMPLE_WEIGHTS"]["Category"] == "bpm-xl"
    assert regs["SAMPLE_SCALE"]["Category"] == "Sample tools"  # explicit category= is kept
    assert source.startswith('Attribute VB_Name = "bpm_xl_register"\r\n')
    assert "Public Sub RegisterFunctions()" in source
    assert source.index("On Error Resume Next") < source.index("Application.MacroOptions Macro:=")
    assert "ThisWorkbook.Saved = wasSaved" in source
    opening = vba.workbook_open_code()
    assert "Private Sub Workbook_Open()" in opening
    assert opening.index("On Error Resume Next") < opening.index("RegisterFunctions")


def test_vba_string_expression_quoting():
    text = 'a "b" ü 中 😀 \n end'
    assert _evaluate_vba_string(vba.vba_string_expr(text)) == text
    lines = vba._assign_lines("d", "中" * 255, "    ")
    assert all(len(line) <= 1000 for line in lines) and len(lines) > 1


# ---------------------------------------------------------------------------
# the project
# ---------------------------------------------------------------------------

def test_embedded_project_passes_all_checks(sample_project):
    assert vba.check_vba_project(sample_project, expected=_expected_modules()) == []


def test_olevba_extracts_every_module(sample_project):
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser("vbaProject.bin", data=sample_project)
    got = {path.split("/")[-1]: code for _f, path, _n, code in parser.extract_macros()}
    parser.close()
    expected = _expected_modules()
    assert got[vba.UDF_MODULE] == expected[vba.UDF_MODULE]
    assert got[vba.REGISTER_MODULE] == expected[vba.REGISTER_MODULE]
    assert got["ThisWorkbook"].endswith(expected["ThisWorkbook"])
    assert got["ThisWorkbook"].startswith('Attribute VB_Name = "ThisWorkbook"\r\nAttribute VB_Base = "0{00020819')
    original = vba.module_sources(vba.xlwings_vba_project())
    assert set(got) == set(original) | {vba.UDF_MODULE, vba.REGISTER_MODULE}
    for name in ("xlwings", "Dictionary", "Module1", "Sheet1", "Sheet2"):
        assert got[name] == original[name], name


def test_untouched_streams_are_byte_identical(sample_project):
    import olefile

    with olefile.OleFileIO(vba.xlwings_vba_project()) as before, olefile.OleFileIO(sample_project) as after:
        for name in ("VBA/xlwings", "VBA/Dictionary", "VBA/Module1", "VBA/Sheet1", "VBA/Sheet2"):
            assert before.openstream(name).read() == after.openstream(name).read(), name
        project = after.openstream("PROJECT").read().decode("cp1252")
        assert "Module=xlwings_udfs" in project and "Module=bpm_xl_register" in project
        # the compiled cache is invalidated, so Excel compiles from source
        assert after.openstream("VBA/_VBA_PROJECT").read()[:4] == b"\xcc\x61\xff\xff"


def test_original_project_checks_clean():
    assert vba.check_vba_project(vba.xlwings_vba_project()) == []


def test_check_reports_problems(sample_project):
    assert vba.check_vba_project(b"not a project") == ["not an OLE/CFB file"]
    problems = vba.check_vba_project(sample_project, expected={vba.UDF_MODULE: "Function X()\nEnd Function\n"})
    assert problems == [f"module {vba.UDF_MODULE}: source differs from the expected source"]


def test_embed_replaces_a_module(sample_project):
    again = vba.embed_modules(sample_project, {vba.UDF_MODULE: "Function ONE()\n    ONE = 1\nEnd Function\n"})
    sources = vba.module_sources(again)
    assert sources[vba.UDF_MODULE] == 'Attribute VB_Name = "xlwings_udfs"\r\nFunction ONE()\r\n    ONE = 1\r\nEnd Function\r\n'
    assert list(sources).count(vba.UDF_MODULE) == 1
    assert vba.check_vba_project(again) == []
    with pytest.raises(ValueError):
        vba.embed_modules(sample_project, {}, {"NoSuchSheet": "Sub X()\nEnd Sub\n"})
    with pytest.raises(ValueError):
        vba.embed_modules(sample_project, {"Dictionary": "Sub X()\nEnd Sub\n"})  # a class module


def test_build_is_deterministic(sample_project):
    assert vba.build_vba_project(SAMPLE) == sample_project
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(FIXTURES), str(ROOT), env.get("PYTHONPATH", "")])
    code = "import hashlib, sys; from bpm_xl.writers import vba; sys.stdout.write(hashlib.sha256(vba.build_vba_project(sys.argv[1])).hexdigest())"
    done = subprocess.run([sys.executable, "-c", code, SAMPLE], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    assert done.stdout.strip() == hashlib.sha256(sample_project).hexdigest()


def _xlsm(project: bytes, path: Path) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    first = workbook.add_worksheet("Sheet1")
    first.write(0, 0, "bpm-xl")
    workbook.add_worksheet("Sheet2")
    workbook.add_vba_project(io.BytesIO(project), is_stream=True)
    workbook.set_vba_name("ThisWorkbook")  # the code names the xlwings project declares
    workbook.close()
    return path


def test_xlsm_with_the_project_opens_and_keeps_it(sample_project, tmp_path):
    import openpyxl
    from pyopenvba import ExcelFile, check_file

    path = _xlsm(sample_project, tmp_path / "book.xlsm")
    book = openpyxl.load_workbook(path, keep_vba=True)
    assert book.sheetnames == ["Sheet1", "Sheet2"]
    assert book.vba_archive.read("xl/vbaProject.bin") == sample_project
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == sample_project
        assert 'codeName="ThisWorkbook"' in archive.read("xl/workbook.xml").decode()
    assert check_file(path).ok
    with ExcelFile(path) as excel:
        assert excel.get_module(vba.UDF_MODULE) == _expected_modules()[vba.UDF_MODULE]


@pytest.mark.libreoffice
def test_libreoffice_reads_the_modules(sample_project, tmp_path):
    if not engines.available():
        pytest.skip("soffice not installed")
    path = _xlsm(sample_project, tmp_path / "book.xlsm")
    ods = engines.convert(path, tmp_path / "out", "ods", recalc=False)
    ns = "{http://openoffice.org/2000/script}"
    with zipfile.ZipFile(ods) as archive:
        names = archive.namelist()

        def module_text(name: str) -> str:
            member = next(n for n in names if n.startswith("Basic/") and n.endswith(f"/{name}.xml"))
            root = ET.fromstring(archive.read(member))
            assert root.get(f"{ns}name") == name
            return root.text or ""

        for name, source in _expected_modules().items():
            text = module_text(name)
            # LibreOffice comments out Attribute lines and adds VBASupport; the rest is verbatim.
            lines = text.split("\n")
            assert lines[0].startswith("Rem Attribute VBA_ModuleType=") and lines[1] == "Option VBASupport 1"
            body = "\n".join(line for line in source.split("\r\n") if not line.startswith("Attribute "))
            assert "\n".join(lines[2:]).rstrip("\n") == body.rstrip("\n"), name
        assert module_text("xlwings").count("Function ") > 10


# ---------------------------------------------------------------------------
# the real UDF module, once it exists
# ---------------------------------------------------------------------------

def test_bpm_xl_udfs_project():
    reference = _run_import_functions("bpm_xl.udfs")
    assert vba.generate_udf_wrapper("bpm_xl.udfs") == reference["bas"]
    assert reference["calls"], "bpm_xl.udfs exports no functions"
    regs = _registrations(vba.generate_macro_options("bpm_xl.udfs"))
    for call in reference["calls"]:
        name = call["macro"].split("!", 1)[1]
        assert regs[name]["Description"] == call["Description"], f"{name}: give it a docstring"
        assert regs[name]["ArgumentDescriptions"] == call["ArgumentDescriptions"], name
        for doc in call["ArgumentDescriptions"] or []:
            assert not doc.startswith("Positional argument"), f"{name}: give every argument a doc="
    project = vba.build_vba_project("bpm_xl.udfs")
    assert vba.check_vba_project(project, expected=_expected_modules("bpm_xl.udfs")) == []
