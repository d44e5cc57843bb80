"""The one text catalogue (bpm_xl/texts): every key in both languages with the same fields, one
lookup that refuses what it does not hold, and no Chinese-or-English literal chosen inline
anywhere else in bpm_xl."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bpm_xl import texts
from bpm_xl.texts import report, shell, workbook

PACKAGE = Path(__file__).resolve().parents[1] / "bpm_xl"
CATALOGUE_DIR = PACKAGE / "texts"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

def _fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_key_has_both_languages_with_the_same_fields():
    bad = []
    for key, pair in texts.CATALOGUE.items():
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)):
            bad.append(f"{key}: not a (zh, en) pair of strings")
            continue
        zh, en = pair
        if _fields(zh) != _fields(en):
            bad.append(f"{key}: fields {sorted(_fields(zh))} in Chinese, {sorted(_fields(en))} in English")
    assert not bad, "\n".join(bad)


def test_a_text_is_empty_only_where_the_other_language_needs_a_word_it_does_not():
    # 第 … 页 around the page number has no English counterpart; English joins words and sentences
    # with a space where Chinese writes them together
    empty = sorted(k for k, (zh, en) in texts.CATALOGUE.items() if not zh or not en)
    assert empty == ["dashboard_title_join", "page_after", "page_before", "sentence_join"]


def test_the_sections_share_no_key():
    seen: dict[str, str] = {}
    clashes = []
    for name, section in (("report", report.REPORT), ("workbook", workbook.WORKBOOK), ("shell", shell.SHELL)):
        for key in section:
            if key in seen:
                clashes.append(f"{key}: in {seen[key]} and {name}")
            seen[key] = name
    assert not clashes, "\n".join(clashes)
    assert len(texts.CATALOGUE) == len(seen)


def test_lookup_formats_in_the_language_asked():
    assert texts.text("yes", "zh") == "是" and texts.text("yes", "en") == "yes"
    assert texts.text("round", "zh", k=2) == "第 2 轮" and texts.text("round", "en", k=2) == "Round 2"


def test_lookup_refuses_a_missing_key_and_another_language():
    with pytest.raises(KeyError, match="no_such_key"):
        texts.text("no_such_key", "zh")
    with pytest.raises(ValueError, match="lang: 'fr' is not one of zh, en"):
        texts.text("yes", "fr")
    with pytest.raises(ValueError, match="lang: 'ZH' is not one of zh, en"):
        texts.pick(("是", "yes"), "ZH")


def test_variant_cycles_through_the_frames():
    frames = [texts.variant("round", k, "en", k=1, forms="", n=3, w="0.5", chi2="1", df="2", p="0.1", sig="",
                            m=3.5, cv=0.25, total=5, kept=5, removed="") for k in range(4)]
    n = sum(1 for key in texts.CATALOGUE if key.startswith("round#"))
    assert n >= 2 and frames[0] == frames[n % 4] and frames[0] != frames[1]


def _leaves(node: ast.AST) -> list[str] | None:
    """The string literals an expression can take, or None if it can take anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))]
    if isinstance(node, ast.IfExp):
        a, b = _leaves(node.body), _leaves(node.orelse)
        return None if a is None or b is None else a + b
    if isinstance(node, (ast.Tuple, ast.List)):
        out: list[str] = []
        for e in node.elts:
            x = _leaves(e)
            if x is None:
                return None
            out += x
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _leaves(node.left), _leaves(node.right)
        return None if a is None and b is None else (a or []) + (b or [])
    return None


def _cjk(strings: list[str]) -> bool:
    return any(CJK.search(s) for s in strings)


def inline_language_choices(source: str) -> list[int]:
    """Lines of conditional expressions choosing between a Chinese and a non-Chinese literal."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.IfExp):
            a, b = _leaves(node.body), _leaves(node.orelse)
            if a and b and _cjk(a) != _cjk(b):
                out.append(node.lineno)
    return sorted(out)


def test_the_scanner_finds_inline_choices_and_passes_plain_code():
    assert inline_language_choices('x = "是" if zh else "yes"\n') == [1]
    assert inline_language_choices('x = f"{a}：{b}" if lang == "zh" else f"{a}: {b}"\n') == [1]
    assert inline_language_choices('x = ("是", "否") if zh else ("yes", "no")\n') == [1]
    assert inline_language_choices('x = ("是" if ok else "否") if zh else ("yes" if ok else "no")\n') == [1]
    assert inline_language_choices('x = year + "年度" if year else ""\n') == [1]
    assert inline_language_choices('x = "A" if ok else "B"\ny = "是" if ok else "否"\nz = a if zh else b\n') == []


def test_no_inline_zh_en_choice_outside_the_catalogue():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if path.is_relative_to(CATALOGUE_DIR):
            continue
        lines = inline_language_choices(path.read_text(encoding="utf-8"))
        found += [f"bpm_xl/{rel}:{n}" for n in dict.fromkeys(lines)]
    assert not found, "zh/en literals chosen inline; put them in bpm_xl/texts:\n" + "\n".join(found)

