"""The xlwings_udfs module and the function-wizard help, written from bpm-xl's own declarations.

The golden files in tests/data/golden/ (VBA_GOLDEN.md says how they were made) are what xlwings'
own ``generate_vba_wrapper`` wrote for bpm_xl.udfs; the generator must keep writing them byte for
byte. tests/test_vba.py also compares it with xlwings' "Import Functions" run live.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import re
import sys
import types
from pathlib import Path

import pytest
import xlwings as xw

from bpm_xl import udfs, udfspec
from bpm_xl.writers import vba

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"


def _golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("utf-8")


def test_wrapper_equals_the_golden_text():
    assert vba.generate_udf_wrapper() == _golden("xlwings_udfs.bas")
    assert vba.generate_udf_wrapper("bpm_xl.udfs", workbook_name="bpm_xl.xlam") == _golden("xlwings_udfs_xlam.bas")


def test_function_wizard_help_equals_the_golden_text():
    assert vba.generate_macro_options() == _golden("bpm_xl_register.bas")
    infos = [dataclasses.asdict(info) for info in vba.udf_infos()]
    assert json.loads(json.dumps(infos, ensure_ascii=False)) == json.loads(_golden("udf_infos.json"))


def _udf_names_in_source() -> list[str]:
    """Module-level functions of bpm_xl/udfs.py with a public name, read from the file itself."""
    tree = ast.parse((ROOT / "bpm_xl" / "udfs.py").read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


def test_every_udf_has_a_wrapper_with_its_signature():
    names = _udf_names_in_source()
    assert len(names) >= 19 and sorted(names) == sorted(udfs.__all__)
    text = vba.generate_udf_wrapper()
    for name in names:
        spec = udfspec.spec_of(getattr(udfs, name))
        assert spec is not None, f"{name}: declare it with _udf(...)"
        params = inspect.signature(getattr(udfs, name)).parameters.values()
        assert [p.name for p in spec.params] == [p.name for p in params], name
        assert [p.optional for p in spec.params] == [p.default is not p.empty for p in params], name
        visible = ", ".join(("Optional " if p.optional else "") + p.name for p in spec.params)
        assert f"\nFunction {name}({visible})\n" in text, name
        assert f'XLPy.CallUDF("bpm_xl.udfs", "{name}", ' in text, name
    assert len(re.findall(r"^Function ", text, flags=re.M)) == len(names)


def test_every_argument_has_its_help():
    for spec in map(udfspec.spec_of, (getattr(udfs, name) for name in udfs.__all__)):
        assert spec is not None and spec.doc
        for param in spec.params:
            assert param.doc, f"{spec.name}: give {param.name} a doc"


def test_the_declaration_applies_xlwings_decorators_in_stack_order():
    calls: list[tuple] = []

    def recorder(kind):
        def make(*args, **kwargs):
            def apply(f):
                calls.append((kind, args, kwargs))
                return f
            return apply
        return make

    fake = types.SimpleNamespace(arg=recorder("arg"), ret=recorder("ret"), func=recorder("func"))

    def plain_func(f):
        calls.append(("func", (), {}))
        return f

    @udfspec.excel_function(fake, volatile=True, a=udfspec.arg("A", float, ndim=2), b=udfspec.arg("B"))
    def one(a, b=1):
        return a

    assert calls == [("arg", ("b",), {"doc": "B"}), ("arg", ("a", float), {"ndim": 2, "doc": "A"}),
                     ("func", (), {"volatile": True})]
    calls.clear()
    fake.func = plain_func

    @udfspec.excel_function(fake, ret={"index": False})
    def two(caller):
        return caller

    assert calls == [("ret", (), {"index": False}), ("func", (), {})]
    assert udfspec.spec_of(two).params == (udfspec.Param("caller", None, False, False, "Nothing"),)


def test_declaring_an_unknown_argument_is_refused():
    with pytest.raises(TypeError, match="no argument named 'matirx'"):
        udfspec.excel_function(xw, matirx=udfspec.arg("x"))(lambda matrix: matrix)


def test_keyword_only_arguments_are_refused():
    def f(a, *, b=1):
        return a

    with pytest.raises(TypeError, match="argument 'b': only positional arguments"):
        udfspec.excel_function(xw)(f)


def test_varargs_with_optional_arguments_are_refused():
    def f(a=1, *rest):
        return a

    with pytest.raises(TypeError, match=r"\*args or optional arguments, not both"):
        udfspec.excel_function(xw)(f)


def test_an_overlong_vba_line_is_refused(monkeypatch):
    module = types.ModuleType("bpm_test_long_udfs")

    def f(*args):
        return 0

    f.__name__ = "F"
    params = tuple(udfspec.Param(f"argument_{i:03d}", None, False, False, None) for i in range(80))
    setattr(f, udfspec.SPEC_ATTRIBUTE, udfspec.FunctionSpec("F", "doc", params))
    module.F = f
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(ValueError, match=r"bpm_test_long_udfs\.F: a VBA line of \d+ characters"):
        vba.generate_udf_wrapper(module.__name__)


def test_generation_leaves_xlwings_and_sys_modules_alone():
    before_attrs = {name: getattr(xw, name, None) for name in ("func", "arg", "ret", "sub", "script", "udfs")}
    before_modules = dict(sys.modules)
    vba.generate_udf_wrapper()
    vba.udf_infos()
    assert {name: getattr(xw, name, None) for name in before_attrs} == before_attrs
    assert sys.modules == before_modules


@pytest.mark.parametrize("pattern", ["sys.modules[", "setattr(xlwings", "_win_stubs", "xlwings.udfs",
                                     "generate_vba_wrapper", "_exec_fresh"])
def test_vba_writer_does_not_patch_xlwings(pattern):
    source = (ROOT / "bpm_xl" / "writers" / "vba.py").read_text(encoding="utf-8")
    assert pattern not in source
