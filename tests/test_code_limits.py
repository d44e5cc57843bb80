"""Limits the code keeps: no function in bpm_xl longer than 60 lines.

Branches, statements and cyclomatic complexity are ruff's (C901 <= 10, PLR0912, PLR0915; see
[tool.ruff] in pyproject and .ci/run); ruff has no rule for a function's length, so it is here.
A long function is split into named steps, not packed into dense lines (the line length is ruff's).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bpm_xl"
MAX_LINES = 60


def long_functions(source: str, name: str = "<string>") -> list[str]:
    """Every function (nested ones on their own as well) over MAX_LINES lines, def to last line."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_LINES:
                found.append(f"{name}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_the_check_finds_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    assert long_functions(f"def f():\n{body}\n") == [f"<string>:1 f ({MAX_LINES + 1} lines)"]
    assert long_functions(f"def f():\n{body[: body.rindex(chr(10))]}\n") == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_over_60_lines(path):
    assert long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent))) == []


def test_the_limits_see_the_package():
    assert len(list(PACKAGE.rglob("*.py"))) > 50
