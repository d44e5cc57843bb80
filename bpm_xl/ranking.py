"""One rule for ranking figures largest first, ties included.

Two figures are *tied* when they differ by at most :data:`TIE_RTOL` of the larger one: figures
that are equal in exact arithmetic (the three judgment errors of any 3x3 matrix, two indicators
with the same weighted gap) come out of numpy, Excel, LibreOffice and Gnumeric a few units in
the last place apart, and each engine would otherwise order them its own way. Tied figures are
ranked in their given order (for pairs of a matrix: the lower row, then the lower column).

``y`` ranks before ``x`` when ``y - x > TIE_RTOL * y`` (clearly larger), or when neither is
clearly larger than the other and ``y`` comes first. The rank of a figure is 1 plus the number
of figures ranked before it. Every place that ranks such figures follows this rule: the core
(:func:`bpm_xl.ahp.inconsistent_judgments`), the numpy mirrors of the portable workbook and
its native formulas (:func:`native_rank` writes them), so the stored values and a
recalculation agree on the order.

The figures ranked are positive (judgment errors are at least 1; weighted gaps at least 0).
The same tolerance picks the nearest of a list (:func:`nearest`): the smallest distance, ties
to the one listed first (snapping a consistent value to the 1-9 scale: a value midway, in log
terms, between two scale values, such as the square root of 2, goes to the lower one).

Figures that are distinct but closer than the tolerance (never seen in practice) are ranked
as tied; a chain of three such figures may then give two of them one rank in the native
formulas, where the core still gives a strict order.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["TIE_RTOL", "TIE_RTOL_TEXT", "clearly_larger", "descending_order", "descending_ranks", "native_nearest",
           "native_rank", "nearest"]

#: relative tolerance within which two figures are tied
TIE_RTOL = 1e-12
#: the same, as written in native formulas
TIE_RTOL_TEXT = "1E-12"


def clearly_larger(y: float, x: float) -> bool:
    """Whether ``y`` exceeds ``x`` by more than the tolerance (relative to ``y``)."""
    return y - x > TIE_RTOL * y


def descending_ranks(values: Sequence[float]) -> list[int]:
    """1-based ranks, largest first; tied values in their given order (see the module)."""
    v = [float(x) for x in values]
    ranks = []
    for p, x in enumerate(v):
        ahead = sum(1 for y in v if clearly_larger(y, x))
        ahead += sum(1 for y in v[:p] if not clearly_larger(y, x) and not clearly_larger(x, y))
        ranks.append(ahead + 1)
    return ranks


def descending_order(values: Sequence[float]) -> list[int]:
    """Indices of ``values`` largest first, ties in their given order: always a permutation."""
    ranks = descending_ranks(values)
    return sorted(range(len(ranks)), key=lambda p: (ranks[p], p))


def native_rank(values: str, value: str, earlier: str | None = None) -> str:
    """The formula (without "=") ranking ``value`` among ``values`` by the rule of this module.

    ``values``: the range of all figures; ``value``: the cell of this one; ``earlier``: the
    range of the figures before it in the given order (None for the first). SUMPRODUCT only:
    Excel 2010, WPS, LibreOffice 7.4 and Gnumeric evaluate it as it is (no array entry, no LET).
    """
    t = TIE_RTOL_TEXT
    ahead = f"SUMPRODUCT(--({values}-{value}>{t}*{values}))"
    if earlier is None:
        return f"{ahead}+1"
    tied = f"SUMPRODUCT(({earlier}-{value}<={t}*{earlier})*({value}-{earlier}<={t}*{value}))"
    return f"{ahead}+{tied}+1"


def nearest(distances: Sequence[float]) -> int:
    """Index of the smallest of ``distances`` (non-negative); distances tied with it (within
    the tolerance) go to the one listed first."""
    d = [float(x) for x in distances]
    low = min(d)
    return next(k for k, x in enumerate(d) if not clearly_larger(x, low))


def native_nearest(values: str, distances: str) -> str:
    """The formula (without "=", entered as an array formula) giving the item of ``values`` at
    :func:`nearest` of the array expression ``distances`` (one per item)."""
    t = TIE_RTOL_TEXT
    return f"INDEX({values},MATCH(1,(({distances})-MIN({distances})<={t}*({distances}))*1,0))"
