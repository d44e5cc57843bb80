"""The layers of bpm_xl and the direction of their imports (docs/ARCHITECTURE.md):

    core  <-  layout  <-  readers / writers  <-  service  <-  shells

A module may import its own layer and the layers to its left, never to its right; readers and
writers do not import each other. Every import counts, also the lazy ones inside functions and
those under ``TYPE_CHECKING``. There is no import cycle between bpm_xl modules.
"""

from __future__ import annotations

import ast
from pathlib import Path


PACKAGE = Path(__file__).resolve().parents[1] / "bpm_xl"

RANK = {"core": 0, "layout": 1, "readers": 2, "writers": 2, "service": 3, "shells": 4}

CORE = {"errors", "conversion", "ahp", "delphi", "scoring", "model", "evaluation", "sensitivity", "example",
        "rectification", "datascore", "dataformula", "ranking", "findings"}
SERVICE = {"service", "collect"}
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
    if len(parts) == 2 and parts[1] in CORE:
        return "core"
    if len(parts) == 2 and parts[1] in SERVICE:
        return "service"
    if len(parts) == 2 and parts[1] in SHELLS:
        return "shells"
    raise AssertionError(f"{mod}: not placed in a layer; add it to the map in tests/test_layers.py and ARCHITECTURE.md")


def imports_of(mod: str, path: Path, known: set[str]) -> set[str]:
    """Every bpm_xl module ``mod`` imports (resolved; ``from pkg import sub`` counts as pkg.sub)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
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
