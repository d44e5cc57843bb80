"""The layers of bpm_xl and the direction of their imports (docs/ARCHITECTURE.md):

    core  <-  layout  <-  readers / writers  <-  service  <-  shells

A module may import its own layer and the layers to its left, never to its right; readers and
writers do not import each other. Every import counts, also the lazy ones inside functions, those
under ``TYPE_CHECKING`` and those by name (``importlib.import_module("bpm_xl.x")``,
``__import__("bpm_xl.x")``). There is no import cycle between bpm_xl modules.

The shells are thin: the command line and the macros reach bpm-xl through the service layer (and
the console and the errors) only; the Excel functions (udfs) call the core only; no shell reaches
layout, readers or writers, nor a private name of another module.
"""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
from pathlib import Path


PACKAGE = Path(__file__).resolve().parents[1] / "bpm_xl"

RANK = {"core": 0, "layout": 1, "readers": 2, "writers": 2, "service": 3, "shells": 4}

CORE = {"errors", "conversion", "ahp", "delphi", "scoring", "model", "evaluation", "sensitivity", "example",
        "rectification", "datascore", "dataformula", "leaves", "ranking", "findings", "texts", "templates",
        "udfspec"}
SERVICE = {"service", "collect", "validation"}
SHELLS = {"cli", "cli_collect", "console", "macros", "udfs", "winsetup"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(mod: str) -> str:
    parts = mod.split(".")
    if mod == "bpm_xl":
        return "core"  # the public core API
    if len(parts) >= 2 and parts[1] in ("layout", "readers", "writers"):
        return parts[1]
    if len(parts) >= 2 and parts[1] in CORE:
        return "core"
    if len(parts) == 2 and parts[1] in SERVICE:
        return "service"
    if len(parts) == 2 and parts[1] in SHELLS:
        return "shells"
    raise AssertionError(f"{mod}: not placed in a layer; add it to the map in tests/test_layers.py and ARCHITECTURE.md")


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def imported_by_name(node: ast.AST, base: list[str]) -> str | None:
    """The module a call ``importlib.import_module("...")`` (also ``import_module(".x", __name__)``
    or ``__package__``) or ``__import__("...")`` names in a string literal; None for any other node."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    fn = node.func
    name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else None
    target = _text(node.args[0])
    if name not in ("import_module", "__import__") or target is None:
        return None
    if name == "import_module" and target.startswith("."):
        anchor = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "package"),
                                                                 None)
        package = _text(anchor) or (".".join(base) if isinstance(anchor, ast.Name)
                                    and anchor.id in ("__name__", "__package__") else None)
        if package is None:
            return None
        dots = len(target) - len(target.lstrip("."))
        parts = package.split(".")
        target = ".".join(parts[: len(parts) - (dots - 1)] + ([target.lstrip(".")] if target.lstrip(".") else []))
    return target


def imports_of(mod: str, path: Path, known: set[str]) -> set[str]:
    """Every bpm_xl module ``mod`` imports (resolved; ``from pkg import sub`` counts as pkg.sub;
    imports by name in a string literal count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    out = set()
    for node in ast.walk(tree):
        named = imported_by_name(node, base)
        if named is not None and named.split(".")[0] == "bpm_xl":
            out.add(named)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "bpm_xl":
                    out.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "bpm_xl":
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            out.update(subs or [target])
    resolved = set()
    for t in out:
        while t not in known and "." in t:
            t = t.rsplit(".", 1)[0]
        if t in known and t != mod:
            resolved.add(t)
    return resolved


@functools.lru_cache(maxsize=1)
def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {m: imports_of(m, p, known) for m, p in mods.items()}


def violations() -> set[tuple[str, str]]:
    bad = set()
    for mod, deps in graph().items():
        lm = layer(mod)
        for d in deps:
            ld = layer(d)
            if d == "bpm_xl" and lm != "core":
                continue  # the public API may be used by anyone
            if RANK[ld] > RANK[lm] or ({lm, ld} == {"readers", "writers"}):
                bad.add((mod, d))
    return bad


def cycles() -> set[tuple[str, ...]]:
    """Strongly connected components with more than one module (Tarjan)."""
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = set()
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.add(tuple(sorted(comp)))

    for v in g:
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    for mod in modules():
        layer(mod)


def test_imports_point_one_way():
    extra = violations()
    assert not extra, "imports against the layer direction: " + ", ".join(f"{a} -> {b}" for a, b in sorted(extra))


def test_no_import_cycle():
    extra = cycles()
    assert not extra, f"import cycles: {sorted(extra)}"


def test_the_core_never_imports_a_shell_library():
    heavy = {"xlwings", "openpyxl", "xlsxwriter", "typer", "rich", "python_calamine", "xlrd", "matplotlib"}
    for mod, path in modules().items():
        if layer(mod) != "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not {n.split(".")[0] for n in names} & heavy, (mod, names)


def test_the_checker_sees_a_planted_violation(tmp_path, monkeypatch):
    """The test can fail: a core module importing the service is caught."""
    mods = modules()
    fake = tmp_path / "ahp.py"
    fake.write_text("from .service import assess\n", encoding="utf-8")
    assert "bpm_xl.service" in imports_of("bpm_xl.ahp", fake, set(mods))
    assert layer("bpm_xl.ahp") == "core" and RANK["service"] > RANK["core"]


# ----------------------------------------------------------------------------- thin shells
#: What the command line and the macros may import of bpm_xl: the service layer, the console and
#: the errors (and each other: cli registers cli_collect's commands and runs winsetup).
THROUGH_THE_SERVICE = {"cli", "cli_collect", "macros"}
SHELL_MAY_IMPORT = {"bpm_xl.errors", "bpm_xl.console"}
#: The one shell that imports other shells (besides the console): the command line registers the
#: collection commands and runs the Excel setup.
SHELL_LINKS = {"bpm_xl.cli": {"bpm_xl.cli_collect", "bpm_xl.winsetup"}}


def shell_violations() -> set[tuple[str, str]]:
    """Imports of a shell past the service: layout, readers or writers from any shell; a core
    module (other than errors) from cli, cli_collect or macros; anything but the core from udfs;
    another shell (other than the console) except where SHELL_LINKS says."""
    bad = set()
    for mod, deps in graph().items():
        if layer(mod) != "shells":
            continue
        short = mod.split(".")[1]
        for d in deps:
            ld = layer(d)
            if ld in ("layout", "readers", "writers"):
                bad.add((mod, d))
            elif short in THROUGH_THE_SERVICE and ld == "core" and d not in SHELL_MAY_IMPORT:
                bad.add((mod, d))
            elif short == "udfs" and ld != "core":
                bad.add((mod, d))
            elif ld == "shells" and d not in SHELL_MAY_IMPORT | SHELL_LINKS.get(mod, set()):
                bad.add((mod, d))
    return bad


def test_shells_reach_bpm_xl_through_the_service_only():
    extra = shell_violations()
    assert not extra, "shells importing past the service: " + ", ".join(f"{a} -> {b}" for a, b in sorted(extra))


def test_the_excel_functions_call_the_core_only():
    deps = graph()["bpm_xl.udfs"]
    assert deps and all(layer(d) == "core" for d in deps), sorted(deps)


def private_uses(mod: str, path: Path, known: set[str]) -> set[str]:
    """Private names (``_x``) of other bpm_xl modules that ``mod`` imports or reads as an attribute
    of an imported bpm_xl module (``collect._same``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    base = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    out, modules_bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = ".".join(base[: len(base) - (node.level - 1)] + ([node.module] if node.module else [])) \
                if node.level else (node.module or "")
            if target.split(".")[0] != "bpm_xl":
                continue
            for a in node.names:
                if f"{target}.{a.name}" in known:
                    modules_bound.add(a.asname or a.name)
                elif a.name.startswith("_") and not a.name.startswith("__"):
                    out.add(f"{target}.{a.name}")
        elif isinstance(node, ast.Import):
            modules_bound.update(a.asname for a in node.names if a.asname and a.name.split(".")[0] == "bpm_xl")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules_bound
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            out.add(f"{node.value.id}.{node.attr}")
    return out


def test_no_shell_uses_another_modules_private_names():
    known = set(modules())
    found = {m: sorted(private_uses(m, p, known)) for m, p in modules().items() if layer(m) == "shells"}
    found = {m: v for m, v in found.items() if v}
    assert not found, found


def test_the_excel_button_path_does_not_load_the_command_line():
    """Excel imports bpm_xl.macros when a button runs: typer (the command line) stays out."""
    code = "import sys, bpm_xl.macros; print(sorted(m for m in ('typer', 'bpm_xl.cli', 'bpm_xl.cli_collect') if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent), "XLWINGS_LICENSE_KEY": "noncommercial"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_checker_follows_imports_by_name_and_sees_a_shell_past_the_service(tmp_path):
    """The shell rule can fail: a macro that loads a reader by name, or imports the layout, is caught."""
    known = set(modules())
    fake = tmp_path / "macros.py"
    fake.write_text("import importlib\n"
                    "def f():\n"
                    "    importlib.import_module('bpm_xl.readers.workbook')\n"
                    "    importlib.import_module('.layout.types', __package__)\n"
                    "    __import__('bpm_xl.writers.safe')\n"
                    "    from . import collect\n"
                    "    return collect._same\n", encoding="utf-8")
    deps = imports_of("bpm_xl.macros", fake, known)
    assert {"bpm_xl.readers.workbook", "bpm_xl.layout.types", "bpm_xl.writers.safe"} <= deps
    assert private_uses("bpm_xl.macros", fake, known) == {"collect._same"}
