"""The workbook's VBA project: the ``xlwings_udfs`` module and function-wizard help.

Classic xlwings (Windows + pywin32) calls a UDF through a VBA wrapper that the ribbon's
"Import Functions" writes into the workbook's ``xlwings_udfs`` module, and registers each
function's help with ``Application.MacroOptions``. This module produces both on any OS so the
shipped workbook works the moment it is opened, without anybody pressing "Import Functions":

- :func:`generate_udf_wrapper` runs xlwings' own ``xlwings.udfs.generate_vba_wrapper`` (with the
  Windows-only imports stubbed) and returns the text ``import_udfs`` writes to its ``.bas`` file.
- :func:`generate_macro_options` writes a ``bpm_xl_register`` module whose ``RegisterFunctions``
  makes the ``Application.MacroOptions`` calls ``import_udfs`` would make; :func:`workbook_open_code`
  is the ``ThisWorkbook`` code that runs it on open (errors ignored: never blocks opening).
- :func:`embed_modules` writes modules into a ``vbaProject.bin`` with pyOpenVBA; other streams
  stay byte-identical, except ``PROJECT``/``PROJECTwm``/``VBA/dir`` (module list) and
  ``VBA/_VBA_PROJECT`` (compiled cache zeroed so Office recompiles from source).
- :func:`build_vba_project` = xlwings' standalone project + the two generated modules.
- :func:`check_vba_project` checks a project with pyOpenVBA, olefile and olevba.

Text conventions: :func:`generate_udf_wrapper` returns what Python writes to the ``.bas`` file
(``\\n`` line ends; on Windows the text-mode file turns them into CRLF). Modules are stored in the
project with CRLF (:func:`to_vba_source`), as the VBE stores an imported module. Every generated
module is pure ASCII: non-ASCII characters in help texts are emitted as ``ChrW(n)`` so the result
does not depend on the project's code page (1252 in the xlwings project, 936 on Chinese Windows).

Nothing here imports pywin32 or needs Excel; xlwings is imported lazily.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import sys
import tempfile
import types
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CATEGORY",
    "REBUILD_MACRO",
    "REBUILD_MODULE",
    "REGISTER_MODULE",
    "UDF_MODULE",
    "UdfInfo",
    "build_vba_project",
    "button_macro",
    "project_macros",
    "check_vba_project",
    "embed_modules",
    "generate_macro_options",
    "generate_udf_wrapper",
    "module_sources",
    "to_vba_source",
    "udf_infos",
    "vba_project",
    "vba_string_expr",
    "workbook_open_code",
    "xlwings_quickstart_path",
    "xlwings_vba_project",
]

UDF_MODULE = "xlwings_udfs"
REGISTER_MODULE = "bpm_xl_register"
CATEGORY = "bpm-xl"
DEFAULT_UDF_MODULE = "bpm_xl.udfs"
#: The workbook name handed to xlwings; only its extension matters (.xlam -> ActiveWorkbook).
DEFAULT_WORKBOOK_NAME = "bpm_xl.xlsm"

_VBA_ENTRY = "xl/vbaProject.bin"
_MISSING = object()
#: What ``xlwings/__init__.py`` binds on Windows with pywin32 (``script`` is ``xlsub`` there too).
_CLASSIC_DECORATORS = {"func": "xlfunc", "arg": "xlarg", "ret": "xlret", "sub": "xlsub", "script": "xlsub"}
_WIN_MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")
#: Longest physical VBA line we emit (the VBE limit is 1023 characters).
_MAX_LINE = 900


# ---------------------------------------------------------------------------
# Running xlwings' classic UDF machinery off Windows
# ---------------------------------------------------------------------------

def _win_stubs() -> dict[str, types.ModuleType]:
    """Minimal stand-ins for the pywin32 modules ``xlwings.udfs`` imports at module top."""
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]  # ThreadPoolExecutor initializer
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    win32com.__path__ = []  # type: ignore[attr-defined]  # a package
    client = types.ModuleType("win32com.client")

    def dispatch(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("bpm_xl.writers.vba: COM is not available (pywin32 stub)")

    client.Dispatch = dispatch  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@contextlib.contextmanager
def _classic_xlwings() -> Iterator[types.ModuleType]:
    """Import ``xlwings.udfs`` and bind ``xw.func/arg/ret/sub/script`` as on Windows, then undo it.

    Real pywin32 modules are used where they exist; missing ones are stubbed. On exit
    ``sys.modules`` and the ``xlwings`` attributes are as they were before.
    """
    import xlwings

    watched = (*_WIN_MODULES, "xlwings.udfs")
    saved_modules = {name: sys.modules.get(name, _MISSING) for name in watched}
    saved_attrs = {name: xlwings.__dict__.get(name, _MISSING) for name in (*_CLASSIC_DECORATORS, "udfs")}
    try:
        for name, stub in _win_stubs().items():
            if name not in sys.modules:
                try:
                    importlib.import_module(name)  # real pywin32 on Windows
                except ImportError:
                    sys.modules[name] = stub
        udfs = importlib.import_module("xlwings.udfs")
        for public, classic in _CLASSIC_DECORATORS.items():
            setattr(xlwings, public, getattr(udfs, classic))
        yield udfs
    finally:
        for name, value in saved_attrs.items():
            if value is _MISSING:
                xlwings.__dict__.pop(name, None)
            else:
                setattr(xlwings, name, value)
        for name, value in saved_modules.items():
            if value is _MISSING:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value  # type: ignore[assignment]


def _exec_fresh(module_name: str) -> types.ModuleType:
    """Execute ``module_name`` into a new module object, leaving ``sys.modules`` as it was.

    The caller imports the module normally first (outside :func:`_classic_xlwings`) so that
    everything it imports is loaded and cached the ordinary way; only the module itself runs
    again, under the classic decorators.
    """
    original = sys.modules[module_name]
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:  # pragma: no cover - import above would have failed
        raise ImportError(f"cannot find module {module_name!r}")
    fresh = importlib.util.module_from_spec(spec)
    try:
        # Some machinery (dataclasses, typing) looks the module up by name while it executes.
        sys.modules[module_name] = fresh
        spec.loader.exec_module(fresh)
    finally:
        sys.modules[module_name] = original
    return fresh


@dataclass(frozen=True)
class UdfInfo:
    """What ``import_udfs`` passes to ``Application.MacroOptions`` for one function."""

    name: str
    description: str                         # docstring, cut at 255 characters
    category: str | int                      # xlwings' category (default "xlwings")
    argument_descriptions: tuple[str, ...]   # one per argument Excel sees, each cut at 255
    is_sub: bool


class _FakeWorkbook:
    def __init__(self, name: str) -> None:
        self.Name = name


def _module_names(module_name: str) -> list[str]:
    names = [name.strip() for name in module_name.split(";") if name.strip()]
    if not names:
        raise ValueError("module_name: give at least one module, e.g. 'bpm_xl.udfs'")
    return names


def _generate(module_name: str, workbook_name: str) -> tuple[str, list[UdfInfo]]:
    header = (
        'Attribute VB_Name = "xlwings_udfs"\n'
        "'Autogenerated code by xlwings - changes will be lost with next import!\n"
        """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n"""
    )
    out = io.StringIO()
    out.write(header)
    infos: list[UdfInfo] = []
    book = _FakeWorkbook(workbook_name)
    names = _module_names(module_name)
    for name in names:
        importlib.import_module(name)  # the ordinary import, before the decorators are swapped
    with _classic_xlwings() as udfs:
        for name in names:
            module = _exec_fresh(name)
            udfs.generate_vba_wrapper(name, module, out, book)
            # As import_udfs: after generate_vba_wrapper (it marks a `caller` argument vba="Nothing").
            for value in (getattr(module, attr) for attr in dir(module)):
                xlfunc = getattr(value, "__xlfunc__", None)
                if xlfunc is None:
                    continue
                description = xlfunc["ret"]["doc"]
                if getattr(value, "__doc__", None) is None:
                    # xlwings' fallback names the file's absolute path: use the module name so
                    # the build does not depend on where the code lives.
                    description = f"Python function '{xlfunc['name']}' defined in '{name}'."
                infos.append(UdfInfo(
                    name=xlfunc["name"],
                    description=description[:255],
                    category=xlfunc["category"],
                    argument_descriptions=tuple(arg["doc"][:255] for arg in xlfunc["args"] if not arg["vba"]),
                    is_sub=bool(xlfunc["sub"]),
                ))
    return out.getvalue(), infos


def generate_udf_wrapper(module_name: str = DEFAULT_UDF_MODULE, *, workbook_name: str = DEFAULT_WORKBOOK_NAME) -> str:
    """The text xlwings' "Import Functions" writes for ``module_name`` (``"a;b"`` for several).

    Exactly what ``xlwings.udfs.import_udfs`` writes to its temporary ``.bas`` file before
    ``VBComponents.Import``: the ``Attribute VB_Name``/comment/``#Const`` header, then
    ``generate_vba_wrapper`` for each module. Lines end in ``\\n`` (see :func:`to_vba_source`).
    ``workbook_name`` only matters through its extension: ``.xlam`` makes the wrappers pass
    ``ActiveWorkbook`` instead of ``ThisWorkbook``.

    Side effects: none that outlive the call (``sys.modules`` and ``xlwings.func`` & co. are
    restored; the UDF module is imported normally once, then re-executed privately).
    Limitation: functions the UDF module merely imports from another module carry
    ``__xlfunc__`` on Windows but not here, so they are not exported here.
    """
    return _generate(module_name, workbook_name)[0]


def udf_infos(module_name: str = DEFAULT_UDF_MODULE) -> list[UdfInfo]:
    """Per function what ``import_udfs`` registers with ``Application.MacroOptions``."""
    return _generate(module_name, DEFAULT_WORKBOOK_NAME)[1]


# ---------------------------------------------------------------------------
# VBA text helpers
# ---------------------------------------------------------------------------

def to_vba_source(text: str) -> str:
    """Normalise line ends to CRLF, as the VBE stores module source."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _vba_tokens(text: str) -> list[str]:
    """``text`` as VBA expression pieces: quoted printable-ASCII runs and ``ChrW(n)`` for the rest."""
    tokens: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            tokens.append('"' + "".join(run).replace('"', '""') + '"')
            run.clear()

    for ch in text:
        if " " <= ch <= "~":
            run.append(ch)
            if len(run) >= 200:
                flush()
            continue
        flush()
        code = ord(ch)
        if code > 0xFFFF:  # VBA strings are UTF-16: a surrogate pair
            code -= 0x10000
            tokens += [f"ChrW({0xD800 + (code >> 10)})", f"ChrW({0xDC00 + (code & 0x3FF)})"]
        else:
            tokens.append(f"ChrW({code})")
    flush()
    return tokens or ['""']


def vba_string_expr(text: str) -> str:
    """A single VBA expression for ``text`` (may be long; see :func:`_assign_lines`)."""
    return " & ".join(_vba_tokens(text))


def _assign_lines(target: str, text: str, indent: str) -> list[str]:
    """Statements assigning ``text`` to ``target``, each line short enough for the VBE."""
    lines: list[str] = []
    current = f"{indent}{target} = "
    first_piece = True
    for token in _vba_tokens(text):
        piece = token if first_piece else " & " + token
        if not first_piece and len(current) + len(piece) > _MAX_LINE:
            lines.append(current)
            current = f"{indent}{target} = {target} & {token}"
        else:
            current += piece
        first_piece = False
    lines.append(current)
    return lines


def _category_expr(category: str | int) -> str:
    return str(category) if isinstance(category, int) else vba_string_expr(category)


# ---------------------------------------------------------------------------
# Function-wizard help: bpm_xl_register.RegisterFunctions + ThisWorkbook.Workbook_Open
# ---------------------------------------------------------------------------

def generate_macro_options(
    module_name: str = DEFAULT_UDF_MODULE,
    *,
    category: str | None = CATEGORY,
    vba_module_name: str = REGISTER_MODULE,
) -> str:
    """Source (CRLF, ASCII) of a standard module with ``Public Sub RegisterFunctions()``.

    It makes, for every function of ``module_name``, the ``Application.MacroOptions`` call that
    xlwings' ``import_udfs`` makes: ``Description`` = docstring (<= 255 chars), ``Category``,
    ``ArgumentDescriptions`` = an array with each argument's ``doc=`` (<= 255 chars; omitted when
    the function has no visible arguments), on Excel 2010+; ``Description`` only before that.
    ``category`` replaces xlwings' default category "xlwings" (a function's explicit
    ``category=`` is kept); ``None`` keeps xlwings' value.

    Errors are ignored (``On Error Resume Next``) and the workbook's ``Saved`` flag is restored,
    so registering never prompts "save changes?" on close.
    """
    infos = udf_infos(module_name)
    lines = [
        f'Attribute VB_Name = "{vba_module_name}"',
        f"'Autogenerated by bpm_xl.vba from {module_name} - changes will be lost with the next build.",
        "'Registers the function wizard help (Application.MacroOptions) that xlwings' Import",
        "'Functions would register. Called from ThisWorkbook.Workbook_Open; errors are ignored.",
        "Option Explicit",
        "",
        "Public Sub RegisterFunctions()",
        "    Dim wasSaved As Boolean",
        "    Dim book As String",
        "    Dim full As Boolean",
        "    Dim d As String",
        "    Dim argDocs As Variant",
        "    On Error Resume Next",
        "    wasSaved = ThisWorkbook.Saved",
        "    book = \"'\" & Replace(ThisWorkbook.Name, \"'\", \"''\") & \"'!\"",
        "    full = Val(Application.Version) >= 14",
    ]
    for info in infos:
        cat = info.category
        if category is not None and cat == "xlwings":
            cat = category
        macro = f'book & "{info.name}"'
        lines.append("")
        lines.append(f"    ' {info.name}")
        lines += _assign_lines("d", info.description, "    ")
        options = f"Macro:={macro}, Description:=d, Category:={_category_expr(cat)}"
        if info.argument_descriptions:
            lines.append(f"    ReDim argDocs(0 To {len(info.argument_descriptions) - 1})")
            for i, doc in enumerate(info.argument_descriptions):
                lines += _assign_lines(f"argDocs({i})", doc, "    ")
            options += ", ArgumentDescriptions:=argDocs"
        lines += [
            "    If full Then",
            f"        Application.MacroOptions {options}",
            "    Else",
            f"        Application.MacroOptions Macro:={macro}, Description:=d",
            "    End If",
        ]
    lines += [
        "",
        "    ThisWorkbook.Saved = wasSaved",
        "End Sub",
        "",
    ]
    return to_vba_source("\n".join(lines))


def workbook_open_code(vba_module_name: str = REGISTER_MODULE) -> str:
    """Body (no attribute header) for the ``ThisWorkbook`` document module.

    ``Application.Run`` rather than a direct call: a missing or broken register module is then
    a run-time error that ``On Error Resume Next`` swallows, so opening is never blocked.
    """
    return to_vba_source(
        "Option Explicit\n"
        "\n"
        "Private Sub Workbook_Open()\n"
        "    'Function wizard help for the bpm-xl functions (see module "
        f"{vba_module_name}). Never blocks opening.\n"
        "    On Error Resume Next\n"
        f"    Application.Run \"'\" & Replace(ThisWorkbook.Name, \"'\", \"''\") & \"'!{vba_module_name}.RegisterFunctions\"\n"
        "    On Error GoTo 0\n"
        "End Sub\n"
    )


# ---------------------------------------------------------------------------
# vbaProject.bin editing (pyOpenVBA)
# ---------------------------------------------------------------------------

def xlwings_quickstart_path() -> Path:
    """xlwings' ``quickstart_standalone.xlsm`` (holds the standalone ``xlwings`` VBA module)."""
    import xlwings

    return Path(xlwings.__file__).with_name("quickstart_standalone.xlsm")


def xlwings_vba_project() -> bytes:
    """The ``vbaProject.bin`` of xlwings' ``quickstart_standalone.xlsm``, unchanged."""
    with zipfile.ZipFile(xlwings_quickstart_path()) as archive:
        return archive.read(_VBA_ENTRY)


def _carrier_xlsm(vba_project_bin: bytes, path: Path) -> None:
    """Write an .xlsm at ``path``: xlwings' quickstart package with ``vba_project_bin`` in it.

    pyOpenVBA edits projects inside host files only, so the project travels in this package.
    """
    with zipfile.ZipFile(xlwings_quickstart_path()) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = vba_project_bin if info.filename == _VBA_ENTRY else src.read(info.filename)
            dst.writestr(info, data, compress_type=info.compress_type)


def _is_cfb(data: bytes) -> bool:
    return data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def embed_modules(
    vba_project_bin: bytes,
    modules: Mapping[str, str],
    document_module_code: Mapping[str, str] | None = None,
) -> bytes:
    """Return ``vba_project_bin`` with standard ``modules`` added or replaced.

    ``modules`` maps a module name to its source, with or without an ``Attribute VB_Name``
    header (one is added); line ends are normalised to CRLF. An existing standard module of that
    name is replaced. ``document_module_code`` maps a document module (``ThisWorkbook``,
    ``Sheet1``...) that already exists in the project to its new code body; its attribute header
    is kept (pyOpenVBA's ``set_module``). Streams of untouched modules stay byte-identical.
    """
    from pyopenvba import ExcelFile, VBAModuleKind

    if not _is_cfb(vba_project_bin):
        raise ValueError("vba_project_bin: not a vbaProject.bin (no OLE/CFB signature)")
    with tempfile.TemporaryDirectory(prefix="bpm_xl_vba_") as tmp:
        src, out = Path(tmp, "in.xlsm"), Path(tmp, "out.xlsm")
        _carrier_xlsm(vba_project_bin, src)
        with ExcelFile(src) as book:
            project = book.vba_project()
            for name, source in modules.items():
                source = to_vba_source(source)
                if not source.lstrip().startswith("Attribute VB_Name"):
                    source = f'Attribute VB_Name = "{name}"\r\n' + source
                existing = next((m for m in project.modules if m.name.casefold() == name.casefold()), None)
                if existing is None:
                    project.add_module(name, source, kind=VBAModuleKind.standard)
                elif existing.kind != VBAModuleKind.standard:
                    raise ValueError(f"modules: {name!r} exists and is not a standard module")
                else:
                    book.set_module(existing.name, source)
            for name, body in (document_module_code or {}).items():
                existing = next((m for m in project.modules if m.name.casefold() == name.casefold()), None)
                if existing is None or existing.kind != VBAModuleKind.other or not existing.attribute_header:
                    raise ValueError(f"document_module_code: {name!r} is not a document module of the project")
                body = to_vba_source(body)
                if body.lstrip().startswith("Attribute "):
                    raise ValueError(f"document_module_code: give {name!r} a code body without Attribute lines")
                book.set_module(existing.name, body)
            book.save(out)
        with ExcelFile(out) as saved:
            problems = saved.validate()  # pending adds make validate() before save() complain
        if problems:
            raise ValueError("pyOpenVBA: " + "; ".join(problems))
        with zipfile.ZipFile(out) as archive:
            return archive.read(_VBA_ENTRY)


def build_vba_project(
    module_name: str = DEFAULT_UDF_MODULE,
    *,
    base: bytes | None = None,
    category: str | None = CATEGORY,
    workbook_name: str = DEFAULT_WORKBOOK_NAME,
) -> bytes:
    """xlwings' standalone project + ``xlwings_udfs`` + ``bpm_xl_register`` + ThisWorkbook code.

    Deterministic: the same inputs give the same bytes (pyOpenVBA keeps the CFB's entries and
    timestamps, compresses deterministically and writes added modules in insertion order).
    """
    modules = {
        UDF_MODULE: to_vba_source(generate_udf_wrapper(module_name, workbook_name=workbook_name)),
        REGISTER_MODULE: generate_macro_options(module_name, category=category),
    }
    for name, source in modules.items():
        if not source.isascii():
            raise ValueError(f"{name}: generated VBA is not ASCII (a non-ASCII function name?)")
    return embed_modules(
        xlwings_vba_project() if base is None else base,
        modules,
        {"ThisWorkbook": workbook_open_code()},
    )


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def module_sources(vba_project_bin: bytes) -> dict[str, str]:
    """Every module's source as pyOpenVBA reads it."""
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import parse_vba_project

    project = parse_vba_project(CFB.from_bytes(vba_project_bin))
    return {module.name: module.source for module in project.modules}


def check_vba_project(bin_bytes: bytes, expected: Mapping[str, str] | None = None) -> list[str]:
    """Problems found in a ``vbaProject.bin`` (empty list = OK).

    - olefile parses it and finds ``PROJECT``, ``VBA/dir``, ``VBA/_VBA_PROJECT``;
    - pyOpenVBA: ``check_file`` on an .xlsm carrying it (CFB structure, every module
      decompresses, dir/PROJECT consistency) and ``ExcelFile.validate()``;
    - olevba (oletools) extracts every module pyOpenVBA lists, with the same source;
    - ``expected``: module name -> source that module must have (compared after CRLF
      normalisation of ``expected``; for a document module give the body, the header is ignored).
    """
    problems: list[str] = []
    if not _is_cfb(bin_bytes):
        return ["not an OLE/CFB file"]

    problems += _olefile_problems(bin_bytes)
    sources, found = _pyopenvba_sources(bin_bytes)
    problems += found
    problems += _olevba_problems(bin_bytes, sources)
    for name, want in (expected or {}).items():
        have = sources.get(name)
        if have is None:
            problems.append(f"expected module {name} missing")
            continue
        want = to_vba_source(want)
        if not want.lstrip().startswith("Attribute "):
            from pyopenvba.vba import split_attribute_header

            have = split_attribute_header(have)[1]
        if have != want:
            problems.append(f"module {name}: source differs from the expected source")
    return problems


def _olefile_problems(bin_bytes: bytes) -> list[str]:
    import olefile

    problems = []
    try:
        with olefile.OleFileIO(bin_bytes) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
            for needed in ("PROJECT", "VBA/dir", "VBA/_VBA_PROJECT"):
                if needed not in streams:
                    problems.append(f"olefile: stream {needed} missing")
    except Exception as exc:  # noqa: BLE001 - report, do not raise
        problems.append(f"olefile: {exc}")
    return problems


def _pyopenvba_sources(bin_bytes: bytes) -> tuple[dict[str, str], list[str]]:
    from pyopenvba import ExcelFile, check_file

    problems: list[str] = []
    sources: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bpm_xl_vba_check_") as tmp:
        path = Path(tmp, "check.xlsm")
        _carrier_xlsm(bin_bytes, path)
        report = check_file(path)
        for issue in report.issues:
            problems.append(f"pyOpenVBA check_file: {issue.severity} {issue.code} at {issue.location}: {issue.message}")
        if not report.complete:
            problems.append("pyOpenVBA check_file: check incomplete")
        try:
            with ExcelFile(path) as book:
                problems += [f"pyOpenVBA validate: {p}" for p in book.validate()]
                sources = {name: book.get_module(name) for name in book.module_names()}
        except Exception as exc:  # noqa: BLE001
            problems.append(f"pyOpenVBA: {exc}")
    return sources, problems


def _olevba_problems(bin_bytes: bytes, sources: Mapping[str, str]) -> list[str]:
    from oletools.olevba import VBA_Parser

    problems = []
    extracted: dict[str, str] = {}
    try:
        parser = VBA_Parser("vbaProject.bin", data=bin_bytes)
        try:
            for _f, stream_path, _vba_filename, code in parser.extract_macros():
                name = stream_path.split("/")[-1]
                extracted[name] = code if isinstance(code, str) else code.decode("latin-1")
        finally:
            parser.close()
    except Exception as exc:  # noqa: BLE001
        problems.append(f"olevba: {exc}")
    for name, source in sources.items():
        if name not in extracted:
            problems.append(f"olevba: module {name} not extracted")
        elif extracted[name] != source:
            problems.append(f"olevba: module {name} differs from pyOpenVBA's reading")
    for name in extracted.keys() - sources.keys():
        problems.append(f"olevba: module {name} not listed by pyOpenVBA")
    return problems


#: The Rebuild button's macro. It imports an existing module (``bpm_xl.macros``), so it works
#: whatever the workbook is called ("新 工作簿.xlsm" included); xlwings' ``SampleCall`` would
#: import a module named after the workbook, which such a name cannot be.
REBUILD_MACRO = "BpmRebuild"
REBUILD_MODULE = "bpm_xl_rebuild"
REBUILD_TARGET = "bpm_xl.macros"
FORMS_MACRO, COLLECT_MACRO, REPORT_MACRO = "BpmForms", "BpmCollect", "BpmReport"  # = bpm_xl.layout.labels
#: The buttons beside Rebuild, each a ``bpm_xl.macros`` function over the service (same pattern).
MACRO_TARGETS = {
    REBUILD_MACRO: ("main", "The Rebuild button: bpm-xl's rebuild of this workbook (needs Python with bpm-xl)."),
    FORMS_MACRO: ("forms_main", "Expert forms: one questionnaire per expert, in the folder <name>_forms next to this file."),
    COLLECT_MACRO: ("collect_main", "Collect: the returned forms in the folder <name>_returned next to this file."),
    REPORT_MACRO: ("report_main", "Word report: saves this file, then writes <name>_report.docx next to it."),
}


def _macro_module() -> str:
    lines = ["Option Explicit", ""]
    for sub, (fn, doc) in MACRO_TARGETS.items():
        lines += [f"Sub {sub}()", f"    '{doc}", f'    RunPython "import {REBUILD_TARGET}; {REBUILD_TARGET}.{fn}()"',
                  "End Sub", ""]
    return "\n".join(lines)


REBUILD_VBA = _macro_module()


@functools.lru_cache(maxsize=2)
def vba_project(module_name: str = DEFAULT_UDF_MODULE) -> bytes:
    """xlwings' standalone VBA project plus the generated ``xlwings_udfs``, help and Rebuild modules."""
    return embed_modules(build_vba_project(module_name), {REBUILD_MODULE: REBUILD_VBA})


def button_macro(vba: bytes | None) -> str:
    """The macro the Rebuild button calls in a workbook carrying ``vba`` (older files: SampleCall)."""
    if vba is None:
        return "SampleCall"
    try:
        return REBUILD_MACRO if REBUILD_MODULE in module_sources(vba) else "SampleCall"
    except Exception:  # noqa: BLE001 - a project pyOpenVBA cannot parse keeps xlwings' macro
        return "SampleCall"


@functools.lru_cache(maxsize=4)
def project_macros(vba: bytes | None) -> frozenset[str]:
    """The bpm-xl button macros a VBA project defines (empty for none or an older project)."""
    if vba is None:
        return frozenset()
    try:
        source = module_sources(vba).get(REBUILD_MODULE, "")
    except Exception:  # noqa: BLE001 - a project pyOpenVBA cannot parse gets no extra buttons
        return frozenset()
    return frozenset(m for m in MACRO_TARGETS if f"Sub {m}()" in source)
