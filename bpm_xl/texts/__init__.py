"""Every word bpm-xl shows, in Chinese and English: one catalogue, one lookup.

The catalogue maps a key to ``(zh, en)``, two ``str.format`` templates with the same fields. It is
written in sections, one module each (the report, the workbook, the command line), and merged here
into one table; a key is unique across the sections. Code never chooses between a Chinese and an
English literal: it asks :func:`text` for a key in the language of the workbook.

    >>> text("yes", "zh"), text("yes", "en")
    ('是', 'yes')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from . import report, shell, workbook

__all__ = ["CATALOGUE", "LANGS", "glossary", "has", "pick", "text", "variant"]

#: The editions: index 0 of a catalogue pair is Chinese, index 1 English.
LANGS = ("zh", "en")


def _merge(*sections: Mapping[str, tuple[str, str]]) -> Mapping[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for section in sections:
        for key, pair in section.items():
            if key in out:
                raise KeyError(f"text key {key!r} is defined twice in the catalogue")
            out[key] = pair
    return MappingProxyType(out)


CATALOGUE: Mapping[str, tuple[str, str]] = _merge(report.REPORT, workbook.WORKBOOK, shell.SHELL)


def _index(lang: str) -> int:
    try:
        return LANGS.index(lang)
    except ValueError:
        raise ValueError(f"lang: {lang!r} is not one of {', '.join(LANGS)}") from None


T = TypeVar("T")


def pick(pair: tuple[T, T] | list[T], lang: str) -> T:
    """The ``lang`` member of a ``(zh, en)`` pair held outside the catalogue (data such as an
    indicator's two names, a label pair stored with a result)."""
    return pair[_index(lang)]


def text(key: str, lang: str, /, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` ("zh" or "en"), formatted with ``fields``.

    Raises KeyError for a key the catalogue does not hold, ValueError for another language."""
    template = CATALOGUE[key][_index(lang)]
    return template.format(**fields) if fields else template


def has(key: str) -> bool:
    return key in CATALOGUE


def variant(key: str, index: int, lang: str, /, **fields: Any) -> str:
    """The k-th (0-based, cycling) of the frames ``key#1``, ``key#2`` ..."""
    n = 1
    while f"{key}#{n + 1}" in CATALOGUE:
        n += 1
    return text(f"{key}#{index % n + 1}", lang, **fields)


def glossary(lang: str) -> tuple[tuple[str, str], ...]:
    """The report's glossary (Annex 4): (term, explanation) in ``lang``."""
    return pick((report.GLOSSARY, report.GLOSSARY_EN), lang)
