"""Survey answers -> indicator scores -> weighted score -> rating; fuzzy evaluation; priorities.

The pipeline of a questionnaire-based budget performance evaluation:

1. :func:`indicator_scores` averages the 5-point answers of each indicator
   (respondents x indicators, blanks skipped).
2. :func:`weighted_score` combines indicator scores with (AHP) weights.
3. :func:`rate` maps the score onto a 100-point score and grades it with
   :class:`RatingBands` (by default the Ministry of Finance rule, 财预〔2020〕10号).
4. :func:`membership_matrix` and :func:`fuzzy_evaluation` give the fuzzy comprehensive
   evaluation B = W.R, and :func:`improvement_priorities` ranks indicators by weighted gap.

Everything here is pure: numpy/pandas in, frozen results out, full precision, input order.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Sequence
from typing import Any
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import conversion, ranking
from .errors import BpmError, MatrixShapeError, MissingValueError, ScaleError, SettingsError
from .texts import pick

__all__ = [
    "answer_errors",
    "Band",
    "RatingBands",
    "MOF_BANDS",
    "RATING_DECIMALS",
    "excel_round",
    "reach",
    "band_indices",
    "bands_from_table",
    "Rating",
    "rate",
    "IndicatorScores",
    "indicator_scores",
    "weighted_score",
    "membership_matrix",
    "survey_summary",
    "survey_values",
    "FuzzyResult",
    "fuzzy_evaluation",
    "improvement_priorities",
]

WEIGHT_SUM_TOL = 1e-6
"""Weights (and membership rows) must sum to 1 within this absolute tolerance."""

RATING_DECIMALS = 2
"""The grade is decided on the 100-point score rounded half-up to this many decimals (the
precision it is shown with everywhere); sheet formulas use ``ROUND(score100, 2)``."""


def excel_round(x: float, decimals: int = RATING_DECIMALS) -> float:
    """Round as Excel's ROUND does: on the 15-significant-digit decimal text, half away from zero.

    Examples
    --------
    >>> excel_round(79.995), excel_round(79.9949999), excel_round(80 - 1e-9), excel_round(-2.675)
    (80.0, 79.99, 80.0, -2.68)
    """
    if not math.isfinite(x):
        return x
    d = Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(d)


def reach(lower: float) -> float:
    """The smallest 100-point score graded at a band with this lower bound (rounding half-up).

    >>> reach(80.0)
    79.995
    """
    return lower - 0.5 * 10.0 ** -RATING_DECIMALS


def band_indices(score100: object, bands: "RatingBands") -> np.ndarray:
    """0-based band index of each 100-point score: :meth:`RatingBands.band_of`, vectorised.

    Scores whose rounding is decided within float noise of a half (x.xx5) go through
    :func:`excel_round` one by one, so every score gets exactly the band ``band_of`` gives.

    >>> band_indices([95.0, 80.0, 79.995, 79.9949, 10.0], MOF_BANDS).tolist()
    [0, 1, 1, 2, 3]
    """
    s = np.asarray(score100, dtype=float)
    scaled = s * 10.0 ** RATING_DECIMALS
    rounded = np.floor(scaled + 0.5) / 10.0 ** RATING_DECIMALS
    near = np.isfinite(s) & (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    if near.any():
        rounded = np.where(near, np.vectorize(excel_round, otypes=[float])(np.where(near, s, 0.0)), rounded)
    rounded = np.where(s < 0, -np.floor(-scaled + 0.5) / 10.0 ** RATING_DECIMALS, rounded) if (s < 0).any() \
        else rounded
    lowers = np.array([b.lower for b in bands.bands])
    ok = rounded[..., None] >= lowers
    return np.where(ok.any(axis=-1), ok.argmax(axis=-1), len(lowers) - 1)


# --------------------------------------------------------------------------------------
# Input conversion: bpm_xl.conversion (the one converter)
# --------------------------------------------------------------------------------------
_number = conversion.scalar
_vector = conversion.vector


def _check_weights(weights: np.ndarray, name: str) -> None:
    """Weights: no blanks, non-negative, finite, summing to 1 within WEIGHT_SUM_TOL."""
    blank = np.flatnonzero(np.isnan(weights))
    if blank.size:
        raise MissingValueError(f"{name}: position {blank[0] + 1} is blank; every weight is required")
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        k = bad[0]
        raise ScaleError(f"{name}: position {k + 1} is {weights[k]:g}; weights must be 0 or more")
    total = float(weights.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOL:
        raise ScaleError(f"{name}: the weights sum to {total:.10g}; they must sum to 1")


def _check_scale(scale_min: float, scale_max: float) -> tuple[float, float]:
    lo = _number(scale_min, "scale_min")
    hi = _number(scale_max, "scale_max")
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise SettingsError(
            f"scale_max: {hi:g} must be greater than scale_min {lo:g} (both finite)"
        )
    return lo, hi


# --------------------------------------------------------------------------------------
# Rating bands
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Band:
    """One grade of a rating rule.

    Attributes
    ----------
    grade : str
        Short code shown in tables, e.g. ``"A"``.
    label_zh, label_en : str
        Names of the grade, e.g. ``"优"`` / ``"excellent"``.
    lower : float
        Inclusive lower bound on the 100-point score.
    """

    grade: str
    label_zh: str
    label_en: str
    lower: float

    def label(self, lang: str) -> str:
        """The grade's name in ``lang`` ("zh" or "en")."""
        return pick((self.label_zh, self.label_en), lang)


@dataclass(frozen=True, slots=True)
class RatingBands:
    """A named rating rule: bands sorted descending by ``lower``.

    A 100-point score gets the first band whose ``lower`` it reaches; a score below the
    lowest band's ``lower`` gets the lowest band (the lowest band catches everything below).
    """

    name: str
    bands: tuple[Band, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise SettingsError(f"bands: rating rule {self.name!r} has no bands", argument="bands")
        lowers = [b.lower for b in self.bands]
        if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in lowers):
            raise SettingsError(f"bands: lower bounds of rule {self.name!r} must be finite numbers, got {lowers}",
                                argument="bands")
        if any(a <= b for a, b in zip(lowers, lowers[1:])):
            raise SettingsError(
                f"bands: lower bounds of rule {self.name!r} must be strictly descending, got {lowers}"
            )
        grades = [b.grade for b in self.bands]
        if len(set(grades)) != len(grades):
            raise SettingsError(f"bands: grades of rule {self.name!r} repeat: {grades}")

    def band_of(self, score100: float) -> Band:
        """The band of a 100-point score: the rating rule of bpm-xl, in this one place.

        The score is rounded with :func:`excel_round` to ``RATING_DECIMALS`` (2) decimals, then
        the band with the largest lower bound <= that rounded score is chosen; the lowest band
        catches everything below (sheet formula: ``ROUND(score100, 2) >= lower``).

        >>> [MOF_BANDS.band_of(x).grade for x in (80, 80 - 1e-9, 79.995, 79.9949999, -5)]
        ['B', 'B', 'B', 'C', 'D']
        """
        x = excel_round(float(score100), RATING_DECIMALS)
        for band in self.bands:
            if x >= band.lower:
                return band
        return self.bands[-1]


MOF_BANDS = RatingBands(
    name="mof2020",
    bands=(
        Band("A", "优", "excellent", 90.0),
        Band("B", "良", "good", 80.0),
        Band("C", "中", "fair", 60.0),
        Band("D", "差", "poor", 0.0),
    ),
)
"""The Ministry of Finance rule (财预〔2020〕10号): 优 >= 90, 良 80-90, 中 60-80, 差 < 60."""


def _band_row(k: int, row: Any) -> Band | None:
    """Row ``k`` of a bands table as a band; None when the row is entirely blank."""
    cells = list(row) if isinstance(row, (list, tuple, np.ndarray)) else [row]
    cells = [None if isinstance(c, str) and not c.strip() else c for c in cells]
    cells = [None if isinstance(c, float) and math.isnan(c) else c for c in cells]
    if all(c is None for c in cells):
        return None
    if len(cells) < 2:
        raise SettingsError(f"bands: row {k + 1} needs a grade and a lower bound")
    grade = cells[0]
    if grade is None:
        raise SettingsError(f"bands: row {k + 1} has no grade")
    grade = str(grade).strip()
    lower = conversion.number(cells[1])
    if isinstance(lower, conversion.Invalid) or not math.isfinite(lower):
        raise SettingsError(
            f"bands: row {k + 1}, column 2 is "
            f"{conversion.show(lower) if isinstance(lower, conversion.Invalid) else lower}; "
            "the lower bound must be a number", argument="bands", row=k + 1, column=2
        )
    label_zh = str(cells[2]).strip() if len(cells) > 2 and cells[2] is not None else grade
    label_en = str(cells[3]).strip() if len(cells) > 3 and cells[3] is not None else grade
    return Band(grade, label_zh, label_en, float(lower))


def bands_from_table(rows: pd.DataFrame | Sequence[Any], name: str = "custom") -> RatingBands:
    """Build a rating rule from a table such as a worksheet range.

    Parameters
    ----------
    rows : sequence of rows or DataFrame
        Each row is ``(grade, lower[, label_zh[, label_en]])``; ``lower`` is the inclusive
        lower bound on the 100-point score. Rows may come in any order (they are sorted
        descending by ``lower``); rows that are entirely blank are skipped. Missing labels
        default to the grade.
    name : str
        Name of the rule, recorded in every :class:`Rating`.

    Returns
    -------
    RatingBands
        Bands sorted descending. The lowest band catches every score below its ``lower``,
        so a rule need not start at 0.

    Raises
    ------
    SettingsError
        No bands, a blank grade, a non-numeric or non-finite lower bound, a repeated grade,
        or two bands with the same lower bound.

    Examples
    --------
    The MOF rule typed as a table grades 4.0296 / 5 (80.592 points) as 良:

    >>> rule = bands_from_table([("A", 90, "优"), ("B", 80, "良"), ("C", 60, "中"), ("D", 0, "差")])
    >>> rate(4.0296, bands=rule).label_zh
    '良'
    """
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_numpy(dtype=object).tolist()
    bands: list[Band] = []
    for k, row in enumerate(rows):
        band = _band_row(k, row)
        if band is not None:
            bands.append(band)
    if not bands:
        raise SettingsError("bands: the table has no bands")
    grades = [b.grade for b in bands]
    dup = next((g for g in grades if grades.count(g) > 1), None)
    if dup is not None:
        raise SettingsError(f"bands: grade {dup!r} appears more than once")
    lowers = [b.lower for b in bands]
    dup_lower = next((v for v in lowers if lowers.count(v) > 1), None)
    if dup_lower is not None:
        raise SettingsError(f"bands: two bands have the same lower bound {dup_lower:g}")
    bands.sort(key=lambda b: b.lower, reverse=True)
    return RatingBands(name=str(name), bands=tuple(bands))


@dataclass(frozen=True, slots=True)
class Rating:
    """A score graded by a rating rule.

    Attributes
    ----------
    grade, label_zh, label_en : str
        The band reached.
    score : float
        The score as given (e.g. on the 5-point scale).
    score100 : float
        ``score / scale_max * 100``, full precision.
    scale_max : float
    bands : RatingBands
        The rule that applied (show ``bands.name`` next to the grade).
    """

    grade: str
    label_zh: str
    label_en: str
    score: float
    score100: float
    scale_max: float
    bands: RatingBands

    def label(self, lang: str) -> str:
        """The grade's name in ``lang`` ("zh" or "en")."""
        return pick((self.label_zh, self.label_en), lang)


def rate(score: float, scale_max: float = 5.0, bands: RatingBands = MOF_BANDS) -> Rating:
    """Grade a score with a rating rule.

    Parameters
    ----------
    score : float
        Score on a scale from 0 to ``scale_max`` (numeric text accepted).
    scale_max : float, default 5.0
        Top of the scale; ``score100 = score / scale_max * 100`` (use 100 for a score
        already on 100 points).
    bands : RatingBands, default MOF_BANDS
        The rule; its lowest band catches every score below its lower bound.

    Returns
    -------
    Rating

    Raises
    ------
    MissingValueError
        ``score`` is blank.
    ScaleError
        ``score`` is text or outside ``[0, scale_max]``.
    SettingsError
        ``scale_max`` is not a positive number.

    Examples
    --------
    A weighted 5-point score of 4.0296 is 80.592 points: 良 (B) under 财预〔2020〕10号.

    >>> r = rate(4.0296)
    >>> r.grade, r.label_zh, round(r.score100, 3), r.bands.name
    ('B', '良', 80.592, 'mof2020')
    """
    s = _number(score, "score")
    try:
        top = _number(scale_max, "scale_max")
    except BpmError as exc:
        raise SettingsError(str(exc)) from None
    if not math.isfinite(top) or top <= 0:
        raise SettingsError(f"scale_max: {top:g} must be a positive number")
    if not (0.0 <= s <= top):
        raise ScaleError(f"score: {s:g} must be between 0 and {top:g}")
    score100 = s / top * 100.0
    band = bands.band_of(score100)
    return Rating(band.grade, band.label_zh, band.label_en, s, score100, top, bands)


# --------------------------------------------------------------------------------------
# Survey -> indicator scores -> weighted score
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorScores:
    """Mean answer per indicator (blanks skipped), in input order."""

    labels: tuple[str, ...]
    mean: np.ndarray
    count: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """Columns ``label, mean, count``."""
        return pd.DataFrame({"label": list(self.labels), "mean": self.mean, "count": self.count})


def _survey(
    responses: object, scale_min: float, scale_max: float, name: str, integer: bool = False,
    allow_empty: bool = False,
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Validated respondents x indicators float array (NaN = blank) and DataFrame labels."""
    g, errors = _survey_errors(responses, scale_min, scale_max, name, integer, allow_empty)
    if errors:
        raise errors[0]
    return g.values, g.labels


def survey_values(responses: object, scale_min: float = 1, scale_max: float = 5, name: str = "responses",
                  allow_empty: bool = False) -> np.ndarray:
    """The answers as a validated respondents x indicators float array (NaN = blank), refused as
    :func:`survey_summary` refuses them (text, off the scale).

    >>> survey_values([[5, None], ["4", 3]]).tolist()
    [[5.0, nan], [4.0, 3.0]]
    """
    return _survey(responses, scale_min, scale_max, name, allow_empty=allow_empty)[0]


def _survey_errors(responses: object, scale_min: float, scale_max: float, name: str, integer: bool = False,
                   allow_empty: bool = False) -> tuple[conversion.Grid, list[BpmError]]:
    lo, hi = _check_scale(scale_min, scale_max)
    rule = (
        f"answers must be whole numbers between {lo:g} and {hi:g}"
        if integer
        else f"answers must be between {lo:g} and {hi:g}"
    )
    return conversion.scale_errors(responses, name, lo, hi, "respondent", rule, "answers", integer=integer,
                                   allow_empty=allow_empty)


def _whole_errors(arr: np.ndarray, lo: float, hi: float, name: str) -> list[BpmError]:
    """Answers on the scale but not whole numbers: the first of each column, row-major."""
    return conversion.cell_errors(conversion.Grid(arr), name, lambda a: a == np.round(a), lambda i, j, shown: (
        f"{name}: respondent {i + 1} (row {i + 1}), indicator {j + 1} (column {j + 1}) is "
        f"{arr[i, j]:g}; answers must be whole numbers between {lo:g} and {hi:g}"))


def answer_errors(responses: object, scale_min: float = 1, scale_max: float = 5,
                  name: str = "responses") -> tuple[np.ndarray, list[BpmError]]:
    """Every answer :func:`survey_summary` refuses (the one it raises first): the first bad answer
    of each indicator (text, off the scale), then of each indicator the first answer that is
    not a whole number; with the answers as floats (NaN = blank or text), to count the
    answered indicators. An indicator nobody answered is not an error here (pending).

    >>> arr, errors = answer_errors([[5, 6], ["x", 4.5]])
    >>> [(e.row, e.column, e.message.split("; ")[1]) for e in errors]
    [(1, 2, 'answers must be between 1 and 5'), (2, 1, 'answers must be between 1 and 5'), \
(2, 2, 'answers must be whole numbers between 1 and 5')]
    """
    g, errors = _survey_errors(responses, scale_min, scale_max, name, allow_empty=True)
    lo, hi = _check_scale(scale_min, scale_max)
    if lo == round(lo) and hi == round(hi):
        arr = np.where(np.isnan(g.values) | (g.values < lo) | (g.values > hi), np.nan, g.values)
        errors += _whole_errors(arr, lo, hi, name)
    return g.values, errors


def indicator_scores(
    responses: object,
    scale_min: float = 1,
    scale_max: float = 5,
    labels: Sequence[str] | None = None,
    name: str = "responses",
) -> IndicatorScores:
    """Mean answer per indicator of a questionnaire.

    Parameters
    ----------
    responses : 2-D range, array or DataFrame
        Respondents in rows, indicators in columns. Blanks (None, NaN, "") are skipped;
        numeric text such as ``"4"`` is accepted; any value in ``[scale_min, scale_max]``
        is allowed (not only whole numbers). A 1-D input is one indicator.
    scale_min, scale_max : float, default 1, 5
        The answer scale.
    labels : sequence of str, optional
        Indicator labels; default the DataFrame columns, else "1", "2", ...
    name : str
        Argument name used in messages.

    Returns
    -------
    IndicatorScores

    Raises
    ------
    ScaleError
        An answer is text or outside the scale, e.g.
        ``responses: respondent 3 (row 3), indicator 5 (column 5) is 7; answers must be between 1 and 5``.
    MissingValueError
        An indicator has no answers.
    SettingsError
        ``scale_max`` is not above ``scale_min``.

    Examples
    --------
    >>> indicator_scores([[5, 4], [4, None], [3, "4"]]).mean.tolist()
    [4.0, 4.0]
    """
    arr, frame_labels = _survey(responses, scale_min, scale_max, name)
    count = (~np.isnan(arr)).sum(axis=0)
    mean = np.nansum(arr, axis=0) / count
    return IndicatorScores(
        labels=conversion.labels(labels, arr.shape[1], frame_labels, "labels"),
        mean=mean.astype(np.float64),
        count=count.astype(np.int64),
    )


def weighted_score(
    weights: object, scores: object, name_w: str = "weights", name_s: str = "scores"
) -> float:
    """Weighted sum of indicator scores, ``sum(w_i * s_i)``.

    Parameters
    ----------
    weights : row, column or 1-D sequence
        Non-negative weights summing to 1 within 1e-6. They are never renormalised: a sum
        off by more than the tolerance is an error, because it usually means a missing or
        extra indicator.
    scores : row, column or 1-D sequence
        One score per weight (same length, any orientation).
    name_w, name_s : str
        Argument names used in messages.

    Returns
    -------
    float

    Raises
    ------
    MatrixShapeError
        Different lengths, or a 2-D block that is not one row or one column.
    MissingValueError
        A blank weight or score (named by its 1-based position).
    ScaleError
        Text, a negative weight, or weights not summing to 1 (the sum found is shown).

    Examples
    --------
    >>> weighted_score([0.25, 0.2, 0.25, 0.3], [4.2, 3.9, 4.0, 4.1])
    4.06
    """
    w = _vector(weights, name_w, "weights")
    s = _vector(scores, name_s, "scores")
    if w.size != s.size:
        raise MatrixShapeError(f"{name_s}: {s.size} scores for {w.size} {name_w}; they must match")
    _check_weights(w, name_w)
    blank = np.flatnonzero(np.isnan(s))
    if blank.size:
        raise MissingValueError(f"{name_s}: position {blank[0] + 1} is blank; every score is required")
    bad = np.flatnonzero(~np.isfinite(s))
    if bad.size:
        raise ScaleError(f"{name_s}: position {bad[0] + 1} is {s[bad[0]]:g}; scores must be finite")
    return float(w @ s)


# --------------------------------------------------------------------------------------
# Fuzzy comprehensive evaluation
# --------------------------------------------------------------------------------------
def membership_matrix(
    responses: object, scale_min: int = 1, scale_max: int = 5, name: str = "responses"
) -> np.ndarray:
    """Membership matrix R: share of answers per grade for each indicator.

    Parameters
    ----------
    responses : 2-D range, array or DataFrame
        Respondents x indicators, whole-number answers on ``scale_min..scale_max``;
        blanks skipped.
    scale_min, scale_max : int, default 1, 5

    Returns
    -------
    numpy.ndarray
        Indicators x grades, grades ordered from ``scale_max`` down to ``scale_min``
        (5, 4, 3, 2, 1); each row sums to 1.

    Raises
    ------
    ScaleError
        Text, a non-whole answer or an answer outside the scale.
    MissingValueError
        An indicator has no answers.

    Examples
    --------
    >>> membership_matrix([[5, 4], [4, 4], [3, 2], [4, None]]).tolist()
    [[0.25, 0.5, 0.25, 0.0, 0.0], [0.0, 0.6666666666666666, 0.0, 0.3333333333333333, 0.0]]
    """
    lo, hi = _check_scale(scale_min, scale_max)
    if lo != round(lo) or hi != round(hi):
        raise SettingsError(f"scale_min, scale_max: {lo:g} and {hi:g} must be whole numbers")
    arr, _ = _survey(responses, lo, hi, name, integer=True)
    return _memberships(arr, lo, hi)


def _memberships(arr: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Shares of each whole-number answer per indicator (columns hi .. lo) of a validated array."""
    n_grades = int(hi - lo) + 1
    have = ~np.isnan(arr)
    idx = (hi - np.where(have, arr, hi)).astype(np.int64) + np.arange(arr.shape[1])[None, :] * n_grades
    counts = np.bincount(idx[have], minlength=arr.shape[1] * n_grades).reshape(arr.shape[1], n_grades)
    shares: np.ndarray = counts.astype(np.float64) / counts.sum(axis=1, keepdims=True)
    return shares


def survey_summary(responses: object, scale_min: float = 1, scale_max: float = 5,
                   labels: Sequence[str] | None = None, name: str = "responses", allow_empty: bool = False
                   ) -> tuple[IndicatorScores, np.ndarray]:
    """:func:`indicator_scores` and :func:`membership_matrix` of one survey, converted and
    checked once (what :func:`bpm_xl.evaluate` uses on a survey of 100,000 respondents).
    With ``allow_empty`` an indicator nobody answered has count 0 and a NaN mean and
    memberships (pending) instead of being refused.

    >>> scores, r = survey_summary([[5, 4], [4, None], [3, "4"]])
    >>> scores.mean.tolist(), r[1].tolist()
    ([4.0, 4.0], [0.0, 1.0, 0.0, 0.0, 0.0])
    """
    lo, hi = _check_scale(scale_min, scale_max)
    arr, frame_labels = _survey(responses, lo, hi, name, allow_empty=allow_empty)
    answered = ~np.isnan(arr)
    count = answered.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0/0: an indicator nobody answered (allow_empty)
        mean = (np.sum(arr, axis=0, where=answered) / count).astype(np.float64)
    scores = IndicatorScores(labels=conversion.labels(labels, arr.shape[1], frame_labels, "labels"),
                             mean=mean, count=count.astype(np.int64))
    if lo != round(lo) or hi != round(hi):
        raise SettingsError(f"scale_min, scale_max: {lo:g} and {hi:g} must be whole numbers")
    not_whole = _whole_errors(arr, lo, hi, name)
    if not_whole:
        raise not_whole[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return scores, _memberships(arr, lo, hi)


@dataclass(frozen=True, slots=True)
class FuzzyResult:
    """Result of a fuzzy comprehensive evaluation.

    Attributes
    ----------
    b : numpy.ndarray
        Evaluation vector B = W.R, one membership per grade (same order as R's columns).
    grade_index : int
        **0-based** column of the largest membership (maximum membership principle; the
        first, i.e. highest, grade wins a tie). The Excel functions show it 1-based.
    score : float or None
        B.V when grade values V are known, else None.
    grade_values : numpy.ndarray or None
        The V used.
    """

    b: np.ndarray
    grade_index: int
    score: float | None
    grade_values: np.ndarray | None


def fuzzy_evaluation(
    weights: object,
    memberships: object,
    grade_values: object = None,
    scale_min: int = 1,
    scale_max: int = 5,
) -> FuzzyResult:
    """Fuzzy comprehensive evaluation with the weighted-average operator M(., +).

    Parameters
    ----------
    weights : row, column or 1-D sequence
        One weight per indicator, non-negative, summing to 1 within 1e-6.
    memberships : 2-D range or array
        R, indicators x grades; rows non-negative and summing to 1 within 1e-6
        (e.g. from :func:`membership_matrix`).
    grade_values : sequence of float, optional
        V, the value of each grade. Default: the scale values from ``scale_max`` down to
        ``scale_min`` (5, 4, 3, 2, 1) when R has that many columns, else no score.
    scale_min, scale_max : int, default 1, 5
        Only used for the default V.

    Returns
    -------
    FuzzyResult
        ``b = W @ R``, ``grade_index = argmax(b)`` (0-based), ``score = b @ V``.

    Raises
    ------
    MatrixShapeError
        R has not one row per weight, or V has not one value per grade.
    MissingValueError
        A blank membership or weight.
    ScaleError
        Text, negative memberships, a row of R not summing to 1, or weights not summing to 1.

    References
    ----------
    Si Shoukui, *Mathematical Modeling* (数学建模算法与应用), fuzzy comprehensive evaluation.

    Examples
    --------
    The textbook example gives B = (0.175, 0.53, 0.275, 0.02, 0); the second grade
    (0-based index 1) has the largest membership:

    >>> r = fuzzy_evaluation([0.25, 0.2, 0.25, 0.3],
    ...     [[0.1, 0.5, 0.4, 0, 0], [0.2, 0.5, 0.2, 0.1, 0],
    ...      [0.2, 0.5, 0.3, 0, 0], [0.2, 0.6, 0.2, 0, 0]])
    >>> r.b.round(10).tolist(), r.grade_index, round(r.score, 10)
    ([0.175, 0.53, 0.275, 0.02, 0.0], 1, 3.86)
    """
    w = _vector(weights, "weights", "weights")
    arr = _membership_table(memberships, w.size)
    _check_weights(w, "weights")
    _check_membership_rows(arr)
    b = w @ arr
    values = _grade_values(grade_values, scale_min, scale_max, arr.shape[1])
    score = float(b @ values) if values is not None else None
    return FuzzyResult(b=b, grade_index=int(np.argmax(b)), score=score, grade_values=values)


def _membership_table(memberships: object, rows: int) -> np.ndarray:
    """R as numbers: every cell a number, none blank, one row per weight."""
    g = conversion.table(memberships, "memberships")
    arr = g.values
    if g.invalid:
        conversion.check_cells(
            g,
            "memberships",
            lambda a: np.ones(a.shape, bool),
            lambda i, j, shown: f"memberships: {_cell_ref(i, j)} is {shown}; memberships must be numbers",
        )
    blank = np.argwhere(np.isnan(arr))
    if blank.size:
        i, j = blank[0]
        raise MissingValueError(f"memberships: {_cell_ref(i, j)} is blank; every membership is required")
    if arr.shape[0] != rows:
        raise MatrixShapeError(
            f"memberships: {arr.shape[0]} rows for {rows} weights; one row per indicator is required"
        )
    return arr


def _check_membership_rows(arr: np.ndarray) -> None:
    """Each row of R: finite memberships of 0 or more summing to 1 within the tolerance."""
    bad = np.argwhere(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i, j = bad[0]
        raise ScaleError(f"memberships: {_cell_ref(i, j)} is {arr[i, j]:g}; memberships must be 0 or more")
    sums = arr.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > WEIGHT_SUM_TOL)
    if off.size:
        i = off[0]
        raise ScaleError(f"memberships: row {i + 1} sums to {sums[i]:.10g}; each row must sum to 1")


def _grade_values(grade_values: object, scale_min: int, scale_max: int, grades: int) -> np.ndarray | None:
    """V as given (one finite value per grade), or the scale from its top down when R has that many grades."""
    values: np.ndarray | None
    if grade_values is None:
        lo, hi = _check_scale(scale_min, scale_max)
        n_scale = int(round(hi - lo)) + 1
        values = np.arange(hi, lo - 1, -1, dtype=np.float64) if grades == n_scale else None
    else:
        values = _vector(grade_values, "grade_values", "grade values")
        if values.size != grades:
            raise MatrixShapeError(
                f"grade_values: {values.size} values for {grades} grades; they must match"
            )
        blank_v = np.flatnonzero(~np.isfinite(values))
        if blank_v.size:
            raise MissingValueError(f"grade_values: position {blank_v[0] + 1} is blank or not finite")
    return values


def _cell_ref(i: int, j: int) -> str:
    return f"row {i + 1}, column {j + 1}"


# --------------------------------------------------------------------------------------
# Improvement priorities
# --------------------------------------------------------------------------------------
def improvement_priorities(
    labels: Sequence[str],
    weights: object,
    scores: object,
    scale_max: float = 5,
    dimensions: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rank indicators by weighted gap to the top of the scale.

    ``gap = scale_max - score``, ``weighted_gap = weight * gap``,
    ``share = weighted_gap / sum(weighted_gap)`` (0 everywhere when every score is at the
    top), ``rank`` 1 = largest weighted gap (ties share the smaller rank). Weighted gaps within a
    relative 1e-12 of each other are tied (:mod:`bpm_xl.ranking`, the rule of the workbook's
    formulas): equal weights computed two ways differ in the last digits.

    Parameters
    ----------
    labels : sequence of str
        Indicator labels.
    weights : sequence of float
        Global weights, non-negative (they need not sum to 1 here: shares are relative).
    scores : sequence of float
        Indicator scores in ``[0, scale_max]``.
    scale_max : float, default 5
    dimensions, stages : sequence of str, optional
        Dimension and PDCA stage of each indicator, carried into the table.

    Returns
    -------
    pandas.DataFrame
        Columns ``label, dimension, stage, weight, score, gap, weighted_gap, share, rank``,
        sorted by ``weighted_gap`` descending (ties in input order). ``dimension`` and
        ``stage`` are always present, ``""`` when not given.

    Raises
    ------
    MatrixShapeError
        Lengths differ.
    MissingValueError
        A blank weight or score.
    ScaleError
        Text, a negative weight or a score outside ``[0, scale_max]``.

    Examples
    --------
    >>> df = improvement_priorities(["a", "b"], [0.6, 0.4], [4.5, 3.0])
    >>> df[["label", "weighted_gap", "rank"]].values.tolist()
    [['b', 0.8, 1], ['a', 0.3, 2]]
    """
    top, w, s, lab = _priority_inputs(labels, weights, scores, scale_max)
    return _priority_table(top, w, s, lab, dimensions, stages)


def _priority_table(top: float, w: np.ndarray, s: np.ndarray, lab: tuple[str, ...], dimensions: Sequence[str] | None,
                    stages: Sequence[str] | None) -> pd.DataFrame:
    """The gaps, shares and ranks of checked inputs, sorted by weighted gap."""
    n = w.size
    gap = top - s
    wg = w * gap
    total = wg.sum()
    share = wg / total if total > 0 else np.zeros(n)
    df = pd.DataFrame(
        {
            "label": list(lab),
            "dimension": _extra_column(dimensions, n, "dimensions"),
            "stage": _extra_column(stages, n, "stages"),
            "weight": w,
            "score": s,
            "gap": gap,
            "weighted_gap": wg,
            "share": share,
        }
    )
    wgl = wg.tolist()
    df["rank"] = np.array([1 + sum(1 for y in wgl if ranking.clearly_larger(y, x)) for x in wgl], dtype=np.int64)
    return df.iloc[ranking.descending_order(wgl)].reset_index(drop=True)


def _priority_inputs(labels: Sequence[str], weights: object, scores: object,
                     scale_max: float) -> tuple[float, np.ndarray, np.ndarray, tuple[str, ...]]:
    """The top of the scale, weights, scores and labels of :func:`improvement_priorities`, checked."""
    top = _number(scale_max, "scale_max")
    if not math.isfinite(top) or top <= 0:
        raise SettingsError(f"scale_max: {top:g} must be a positive number")
    w = _vector(weights, "weights", "weights")
    s = _vector(scores, "scores", "scores")
    n = w.size
    lab = conversion.labels(labels, n, None, "labels")
    if s.size != n:
        raise MatrixShapeError(f"scores: {s.size} scores for {n} weights; they must match")
    for arr, nm in ((w, "weights"), (s, "scores")):
        blank = np.flatnonzero(np.isnan(arr))
        if blank.size:
            raise MissingValueError(f"{nm}: position {blank[0] + 1} is blank")
    bad_w = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad_w.size:
        k = bad_w[0]
        raise ScaleError(f"weights: position {k + 1} is {w[k]:g}; weights must be 0 or more")
    bad_s = np.flatnonzero(~((s >= 0) & (s <= top)))
    if bad_s.size:
        k = bad_s[0]
        raise ScaleError(f"scores: position {k + 1} is {s[k]:g}; scores must be between 0 and {top:g}")
    return top, w, s, lab


def _extra_column(values: Sequence[str] | None, n: int, nm: str) -> list[str]:
    """An optional column of text, one per indicator ("" everywhere when not given)."""
    if values is None:
        return [""] * n
    out = conversion.labels(values, n, None, nm)
    if len(out) != n:
        raise MatrixShapeError(f"{nm}: {len(out)} values for {n} indicators")
    return list(out)
