"""Delphi expert rounds: response rate, authority, indicator statistics, Kendall's W, screening.

A Delphi consultation sends a questionnaire to a panel in rounds. For each round this module
gives the positive coefficient (response rate), the authority coefficient of the panel
(Cr = (Ca + Cs) / 2), per-indicator statistics (mean, SD, CV, full-score frequency), the
coordination coefficient (Kendall's W with tie correction and its chi-square test), the
screening of indicators (keep if mean >= 3.5 and CV <= 0.25 by default) and a comparison of
two rounds.

Ratings are experts (rows) x indicators (columns), as typed in a worksheet; blanks
(None, NaN, "") are skipped except in Kendall's W, which needs complete rankings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import BpmError, MatrixShapeError, MissingValueError, ScaleError, SettingsError
from .conversion import check_cells, labels as _labels, scalar as _number, scale_errors, scale_table, table, vector as _vector
from .texts import CATALOGUE

__all__ = [
    "coefficient_errors",
    "rating_errors",
    "CA_TABLE",
    "CS_TABLE",
    "CA_LEVELS",
    "positive_coefficient",
    "judgment_coefficient",
    "AuthorityResult",
    "authority",
    "IndicatorStats",
    "indicator_stats",
    "KENDALL_ALPHA",
    "NOT_SIGNIFICANT",
    "KendallResult",
    "kendall_w",
    "ScreenResult",
    "screen",
    "compare_rounds",
]

CA_TABLE: dict[str, tuple[float, float, float]] = {
    "practical_experience": (0.5, 0.4, 0.3),
    "theoretical_analysis": (0.3, 0.2, 0.1),
    "literature": (0.1, 0.1, 0.1),
    "intuition": (0.1, 0.1, 0.1),
}
"""Judgment basis -> coefficient at (high, medium, low) influence (判断依据: 实践经验, 理论分析,
参考文献, 直觉). The four bases at "high" sum to 1."""

CS_TABLE: tuple[float, ...] = (1.0, 0.8, 0.5, 0.3, 0.1)
"""Familiarity coefficient: very familiar, familiar, moderately, less familiar, unfamiliar."""

CA_LEVELS: dict[str, int] = {
    "high": 0,
    "medium": 1,
    "low": 2,
    "大": 0,
    "中": 1,
    "小": 2,
    "高": 0,
    "低": 2,
}
"""Names accepted for the influence levels of :data:`CA_TABLE` (index into its tuples)."""


def positive_coefficient(returned: int, sent: int) -> float:
    """Expert positive coefficient (专家积极系数): questionnaires returned / sent.

    Parameters
    ----------
    returned : int
        Valid questionnaires returned, ``0 <= returned <= sent``.
    sent : int
        Questionnaires sent, ``> 0``.

    Returns
    -------
    float

    Raises
    ------
    MissingValueError
        A blank count.
    ScaleError
        Text, a non-whole count, ``sent <= 0`` or ``returned`` outside ``[0, sent]``.

    Examples
    --------
    20 questionnaires sent, 19 returned:

    >>> positive_coefficient(19, 20)
    0.95
    """
    r = _number(returned, "returned")
    s = _number(sent, "sent")
    for v, nm in ((r, "returned"), (s, "sent")):
        if not math.isfinite(v) or v != round(v):
            raise ScaleError(f"{nm}: {v:g} must be a whole number")
    if s <= 0:
        raise ScaleError(f"sent: {s:g} must be more than 0")
    if not 0 <= r <= s:
        raise ScaleError(f"returned: {r:g} must be between 0 and sent ({s:g})")
    return r / s


def judgment_coefficient(levels: Mapping[str, int | str]) -> float:
    """Judgment coefficient Ca of one expert: the sum over the four bases of the chosen level.

    Parameters
    ----------
    levels : mapping
        Every key of :data:`CA_TABLE` -> the influence level of that basis: ``"high"``,
        ``"medium"``, ``"low"`` (also 大/中/小) or 0, 1, 2.

    Returns
    -------
    float
        Between 0.6 (all low) and 1.0 (all high).

    Raises
    ------
    SettingsError
        An unknown or missing basis.
    ScaleError
        An unknown level.

    Examples
    --------
    >>> judgment_coefficient({"practical_experience": "high", "theoretical_analysis": "medium",
    ...                       "literature": "low", "intuition": 2})
    0.9
    """
    unknown = [k for k in levels if k not in CA_TABLE]
    if unknown:
        raise SettingsError(f"levels: unknown judgment basis {unknown[0]!r}; use {', '.join(CA_TABLE)}")
    missing = [k for k in CA_TABLE if k not in levels]
    if missing:
        raise SettingsError(f"levels: judgment basis {missing[0]!r} has no level")
    total = 0.0
    for basis, level in levels.items():
        if isinstance(level, str):
            idx = CA_LEVELS.get(level.strip().lower())
            if idx is None:
                try:
                    idx = int(float(level))
                except ValueError:
                    idx = None
        elif isinstance(level, (int, np.integer, float)) and not isinstance(level, bool) and level == round(level):
            idx = int(level)
        else:
            idx = None
        if idx is None or not 0 <= idx <= 2:
            raise ScaleError(
                f"levels: {basis} is {level!r}; the level must be high, medium, low or 0, 1, 2"
            )
        total += CA_TABLE[basis][idx]
    return round(total, 12)  # sums of tenths: drop binary noise such as 0.9000000000000001


@dataclass(frozen=True, slots=True)
class AuthorityResult:
    """Authority coefficients per expert and of the panel (panel values are means)."""

    ca: np.ndarray
    cs: np.ndarray
    cr: np.ndarray
    panel_ca: float
    panel_cs: float
    panel_cr: float


def coefficient_errors(values: object, name: str = "ca") -> list[ScaleError]:
    """Every coefficient (Ca or Cs) :func:`authority` refuses for lying outside [0, 1], by
    position; blanks (NaN) are not checked here.

    >>> [str(e) for e in coefficient_errors([0.8, 5, float("nan"), -1])]
    ['ca: expert 2 (position 2) is 5; it must be between 0 and 1', 'ca: expert 4 (position 4) is -1; it must be between 0 and 1']
    """
    arr = _vector(values, name, "coefficients")
    bad = np.flatnonzero(~np.isnan(arr) & ~((arr >= 0) & (arr <= 1)))
    return [ScaleError(f"{name}: expert {k + 1} (position {k + 1}) is {arr[k]:g}; it must be between 0 and 1",
                       argument=name, row=int(k) + 1) for k in bad.tolist()]


def authority(ca: object, cs: object, name_ca: str = "ca", name_cs: str = "cs") -> AuthorityResult:
    """Authority coefficient Cr = (Ca + Cs) / 2 per expert and for the panel.

    Parameters
    ----------
    ca : float or sequence of float
        Judgment coefficient of each expert (see :func:`judgment_coefficient`), in [0, 1].
    cs : float or sequence of float
        Familiarity coefficient of each expert (see :data:`CS_TABLE`), in [0, 1].
    name_ca, name_cs : str
        Argument names used in messages.

    Returns
    -------
    AuthorityResult
        Per-expert arrays and panel means; Cr >= 0.7 is the usual threshold of an
        authoritative panel.

    Raises
    ------
    MatrixShapeError
        Different numbers of values.
    MissingValueError
        A blank value.
    ScaleError
        Text or a value outside [0, 1].

    References
    ----------
    BMJ Open Delphi study, round 1: Ca = 15.1/16, Cs = 12.4/16, Cr = 0.859.

    Examples
    --------
    >>> authority(15.1 / 16, 12.4 / 16).panel_cr
    0.859375
    """
    a = _vector(ca, name_ca, "coefficients")
    s = _vector(cs, name_cs, "coefficients")
    if a.size != s.size:
        raise MatrixShapeError(f"{name_cs}: {s.size} values for {a.size} values of {name_ca}; they must match")
    for arr, nm in ((a, name_ca), (s, name_cs)):
        blank = np.flatnonzero(np.isnan(arr))
        if blank.size:
            raise MissingValueError(f"{nm}: expert {blank[0] + 1} (position {blank[0] + 1}) is blank",
                                    argument=nm, row=int(blank[0]) + 1)
        bad = coefficient_errors(arr, nm)
        if bad:
            raise bad[0]
    cr = (a + s) / 2.0
    return AuthorityResult(
        ca=a, cs=s, cr=cr, panel_ca=float(a.mean()), panel_cs=float(s.mean()), panel_cr=float(cr.mean())
    )


# --------------------------------------------------------------------------------------
# Indicator statistics
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorStats:
    """Per-indicator statistics of one Delphi round, in input order.

    ``sd`` uses ddof=1 (NaN for a single rating); ``cv = sd / mean``;
    ``full_score_frequency`` is the share of non-blank ratings equal to the full score.
    """

    labels: tuple[str, ...]
    mean: np.ndarray
    sd: np.ndarray
    cv: np.ndarray
    full_score_frequency: np.ndarray
    median: np.ndarray
    count: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """Columns ``label, mean, sd, cv, full_score_frequency, median, count``."""
        return pd.DataFrame(
            {
                "label": list(self.labels),
                "mean": self.mean,
                "sd": self.sd,
                "cv": self.cv,
                "full_score_frequency": self.full_score_frequency,
                "median": self.median,
                "count": self.count,
            }
        )


def _ratings(
    ratings: object, full_score: float, scale_min: float, name: str
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    lo, hi = _rating_scale(full_score, scale_min)
    g = scale_table(ratings, name, lo, hi, "expert", _rating_rule(lo, hi), "ratings")
    arr, labels = g.values, g.labels
    return arr, labels


def _rating_scale(full_score: float, scale_min: float) -> tuple[float, float]:
    lo = _number(scale_min, "scale_min")
    hi = _number(full_score, "full_score")
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise SettingsError(f"full_score: {hi:g} must be greater than scale_min {lo:g}")
    return lo, hi


def _rating_rule(lo: float, hi: float) -> str:
    return f"ratings must be between {lo:g} and {hi:g}"


def rating_errors(ratings: object, full_score: float = 5, name: str = "ratings",
                  scale_min: float = 1) -> list[BpmError]:
    """Every rating :func:`indicator_stats` refuses (the one it raises first): the first bad
    rating of each indicator (text, off the scale), then each indicator without a rating.

    >>> [str(e) for e in rating_errors([[5, 9], [4, None]])]
    ['ratings: expert 1 (row 1), indicator 2 (column 2) is 9; ratings must be between 1 and 5']
    """
    try:
        lo, hi = _rating_scale(full_score, scale_min)
    except SettingsError as exc:
        return [exc]
    return scale_errors(ratings, name, lo, hi, "expert", _rating_rule(lo, hi), "ratings")[1]


def indicator_stats(
    ratings: object,
    full_score: float = 5,
    labels: Sequence[str] | None = None,
    name: str = "ratings",
    scale_min: float = 1,
) -> IndicatorStats:
    """Mean, SD, CV, full-score frequency and median of each indicator's ratings.

    Parameters
    ----------
    ratings : 2-D range, array or DataFrame
        Experts in rows, indicators in columns; blanks skipped, numeric text accepted.
    full_score : float, default 5
        Top of the rating scale (the "full score" counted by the frequency).
    labels : sequence of str, optional
        Indicator labels; default the DataFrame columns, else "1", "2", ...
    name : str
        Argument name used in messages.
    scale_min : float, default 1
        Bottom of the rating scale.

    Returns
    -------
    IndicatorStats

    Raises
    ------
    ScaleError
        Text or a rating outside ``[scale_min, full_score]``, e.g.
        ``ratings: expert 2 (row 2), indicator 3 (column 3) is 6; ratings must be between 1 and 5``.
    MissingValueError
        An indicator with no ratings.

    Examples
    --------
    >>> st = indicator_stats([[5, 4], [4, 4], [5, 3], [4, None]])
    >>> st.mean.tolist(), st.full_score_frequency.tolist(), st.count.tolist()
    ([4.5, 3.6666666666666665], [0.5, 0.0], [4, 3])
    """
    arr, frame_labels = _ratings(ratings, full_score, scale_min, name)
    hi = float(full_score)
    present = ~np.isnan(arr)
    count = present.sum(axis=0)
    mean = np.nansum(arr, axis=0) / count
    dev2 = np.where(present, (arr - mean) ** 2, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(count > 1, np.sqrt(dev2 / np.maximum(count - 1, 1)), np.nan)
        cv = np.where(mean != 0, sd / np.where(mean != 0, mean, 1.0), np.nan)
    full = (present & (arr >= hi - 1e-9)).sum(axis=0) / count
    median = np.array([np.median(arr[present[:, j], j]) for j in range(arr.shape[1])])
    return IndicatorStats(
        labels=_labels(labels, arr.shape[1], frame_labels, "labels"),
        mean=mean,
        sd=sd,
        cv=cv,
        full_score_frequency=full,
        median=median,
        count=count.astype(np.int64),
    )


# --------------------------------------------------------------------------------------
# Kendall's W
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class KendallResult:
    """Kendall's coefficient of concordance with its chi-square test.

    ``w`` is tie-corrected; ``w_uncorrected`` is ``12 S / (m^2 (n^3 - n))``.
    ``chi2 = m (n - 1) w``, ``df = n - 1``, ``p`` its upper-tail probability;
    ``significant``: ``p < KENDALL_ALPHA``.
    """

    w: float
    chi2: float
    df: int
    p: float
    m: int
    n: int
    w_uncorrected: float

    @property
    def significant(self) -> bool:
        """The experts' agreement is significant: ``p < KENDALL_ALPHA`` (a NaN p is not)."""
        return bool(self.p < KENDALL_ALPHA)


#: Significance level of Kendall's W test: the agreement is significant when p < 0.05, as
#: Delphi studies report it; otherwise flagged with :data:`NOT_SIGNIFICANT`.
KENDALL_ALPHA = 0.05
#: The flag of a W that is not significant, in Chinese and English.
NOT_SIGNIFICANT: tuple[str, str] = CATALOGUE["kendall_not_significant"]


def kendall_w(ratings: object, name: str = "ratings") -> KendallResult:
    """Kendall's W of m raters (rows) over n objects (columns), tie-corrected.

    Each rater's values are converted to ranks (average ranks for ties), so scores and
    ranks are both accepted (ranking ranks changes nothing).
    ``W = 12 S / (m^2 (n^3 - n) - m sum T)`` with ``T = sum(t^3 - t)`` over each rater's
    tie groups, ``chi2 = m (n - 1) W``, ``df = n - 1``.

    Parameters
    ----------
    ratings : 2-D range, array or DataFrame
        Raters in rows, objects (indicators) in columns; every cell required.
    name : str
        Argument name used in messages.

    Returns
    -------
    KendallResult

    Raises
    ------
    MatrixShapeError
        Fewer than 2 raters or fewer than 2 objects.
    MissingValueError
        A blank cell (Kendall's W needs complete rankings).
    ScaleError
        Text or a non-finite value, or every rater ties all objects (W undefined).

    References
    ----------
    NAG Library, g08daf example (3 raters x 10 objects): W = 0.828, p = 0.008.

    Examples
    --------
    >>> r = kendall_w([[1, 4.5, 2, 4.5, 3, 7.5, 6, 9, 7.5, 10],
    ...                [2.5, 1, 2.5, 4.5, 4.5, 8, 9, 6.5, 10, 6.5],
    ...                [2, 1, 4.5, 4.5, 4.5, 4.5, 8, 8, 8, 10]])
    >>> round(r.w, 3), round(r.p, 3), r.df
    (0.828, 0.008, 9)
    """
    from scipy.special import chdtrc  # chi-square survival function; scipy.stats costs 2 s to import

    arr = _complete_ratings(ratings, name)
    m, n = arr.shape
    ranks = _average_ranks(arr)
    col_sums = ranks.sum(axis=0)
    s = float(((col_sums - col_sums.mean()) ** 2).sum())
    ties = _tie_sum(arr)
    base = m**2 * (n**3 - n)
    denom = base - m * ties
    if denom <= 0:
        raise ScaleError(f"{name}: every rater gives all objects the same value; Kendall's W is undefined")
    w = 12.0 * s / denom
    w = min(max(w, 0.0), 1.0)  # guard float noise
    chi2 = m * (n - 1) * w
    df = n - 1
    return KendallResult(w=w, chi2=chi2, df=df, p=float(chdtrc(df, chi2)), m=m, n=n, w_uncorrected=12.0 * s / base)


def _complete_ratings(ratings: object, name: str) -> np.ndarray:
    """The ratings as numbers, every cell finite, at least 2 raters and 2 objects."""
    g = table(ratings, name)
    arr = g.values
    check_cells(
        g,
        name,
        np.isfinite,
        lambda i, j, shown: (
            f"{name}: rater {i + 1} (row {i + 1}), object {j + 1} (column {j + 1}) is {shown}; "
            "ratings must be finite numbers"
        ),
    )
    blank = np.argwhere(np.isnan(arr))
    if blank.size:
        i, j = (int(k) for k in blank[0])
        raise MissingValueError(
            f"{name}: rater {i + 1} (row {i + 1}), object {j + 1} (column {j + 1}) is blank; "
            "Kendall's W needs a complete ranking from every rater"
        )
    m, n = arr.shape
    if m < 2 or n < 2:
        raise MatrixShapeError(
            f"{name}: {m} raters x {n} objects; Kendall's W needs at least 2 raters (rows) and 2 objects (columns)"
        )
    return arr


def _tie_sum(arr: np.ndarray) -> float:
    """The tie correction: sum over raters of sum(t^3 - t) over each rater's tie groups."""
    ties = 0.0
    for row in arr:
        _, t = np.unique(row, return_counts=True)
        ties += float((t.astype(np.float64) ** 3 - t).sum())
    return ties


def _average_ranks(arr: np.ndarray) -> np.ndarray:
    """Ranks 1..n within each row, ties sharing their average rank (scipy's rankdata "average").

    >>> _average_ranks(np.array([[10.0, 20.0, 20.0, 5.0]])).tolist()
    [[2.0, 3.5, 3.5, 1.0]]
    """
    order = np.argsort(arr, axis=1, kind="mergesort")
    srt = np.take_along_axis(arr, order, axis=1)
    ranks = np.empty_like(arr, dtype=np.float64)
    for i in range(arr.shape[0]):  # one row per rater: a few hundred at most
        _, start, counts = np.unique(srt[i], return_index=True, return_counts=True)
        ranks[i, order[i]] = np.repeat(start + (counts + 1) / 2.0, counts)
    return ranks


# --------------------------------------------------------------------------------------
# Screening and round comparison
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScreenResult:
    """Which indicators pass the screening rule, with a reason for each dropped one."""

    labels: tuple[str, ...]
    keep: np.ndarray
    reasons: tuple[str, ...]
    min_mean: float
    max_cv: float
    mean: np.ndarray
    cv: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """Columns ``label, mean, cv, keep, reason``."""
        return pd.DataFrame(
            {
                "label": list(self.labels),
                "mean": self.mean,
                "cv": self.cv,
                "keep": self.keep,
                "reason": list(self.reasons),
            }
        )


def screen(
    stats_or_ratings: IndicatorStats | object,
    min_mean: float = 3.5,
    max_cv: float = 0.25,
    full_score: float = 5,
    labels: Sequence[str] | None = None,
    name: str = "ratings",
) -> ScreenResult:
    """Screen indicators: keep if ``mean >= min_mean`` and ``cv <= max_cv``.

    Parameters
    ----------
    stats_or_ratings : IndicatorStats or 2-D range
        Statistics from :func:`indicator_stats`, or the ratings themselves.
    min_mean : float, default 3.5
    max_cv : float, default 0.25
    full_score, labels, name
        Passed to :func:`indicator_stats` when ratings are given.

    Returns
    -------
    ScreenResult
        ``reasons[i]`` is ``""`` for a kept indicator, else e.g. ``"mean 3.20 < 3.5"``,
        ``"cv 0.31 > 0.25"`` or both joined by ``"; "``. An indicator with a single rating
        has no CV and is dropped ("cv undefined (1 rating)").

    Raises
    ------
    SettingsError
        A threshold that is not a finite number.

    Examples
    --------
    >>> r = screen([[4, 3], [4, 3], [5, 4], [4, 3]])
    >>> r.keep.tolist(), r.reasons
    ([True, False], ('', 'mean 3.25 < 3.5'))
    """
    lo = _number(min_mean, "min_mean")
    cap = _number(max_cv, "max_cv")
    if not (math.isfinite(lo) and math.isfinite(cap)):
        raise SettingsError("min_mean, max_cv: thresholds must be finite numbers")
    st = (
        stats_or_ratings
        if isinstance(stats_or_ratings, IndicatorStats)
        else indicator_stats(stats_or_ratings, full_score=full_score, labels=labels, name=name)
    )
    keep = np.zeros(len(st.labels), dtype=bool)
    reasons: list[str] = []
    for k in range(len(st.labels)):
        why = _drop_reasons(st, k, lo, cap)
        keep[k] = not why
        reasons.append("; ".join(why))
    return ScreenResult(labels=st.labels, keep=keep, reasons=tuple(reasons), min_mean=lo, max_cv=cap, mean=st.mean,
                        cv=st.cv)


def _drop_reasons(st: IndicatorStats, k: int, lo: float, cap: float) -> list[str]:
    """Why indicator ``k`` fails the screening rule (empty when it passes)."""
    why: list[str] = []
    mean, cv = float(st.mean[k]), float(st.cv[k])
    if not mean >= lo:
        why.append(f"mean {mean:.2f} < {lo:g}")
    if math.isnan(cv):
        why.append(f"cv undefined ({int(st.count[k])} rating{'s' if st.count[k] != 1 else ''})")
    elif cv > cap:
        why.append(f"cv {cv:.2f} > {cap:g}")
    return why


def _round_w(ratings: object, name: str) -> tuple[float, float, int]:
    """W, p and raters used over the raters with complete rows (NaN when fewer than 2)."""
    g = table(ratings, name)
    check_cells(g, name, lambda a: np.ones(a.shape, bool),
                lambda i, j, shown: f"{name}: expert {i + 1} (row {i + 1}), indicator {j + 1} (column {j + 1}) "
                                    f"is {shown}; ratings must be numbers")
    arr = g.values
    complete = arr[~np.isnan(arr).any(axis=1)]
    if complete.shape[0] < 2 or complete.shape[1] < 2:
        return math.nan, math.nan, int(complete.shape[0])
    try:
        r = kendall_w(complete, name=name)
    except ScaleError:
        return math.nan, math.nan, int(complete.shape[0])
    return r.w, r.p, r.m


def compare_rounds(
    round1: object,
    round2: object,
    labels: Sequence[str] | None = None,
    full_score: float = 5,
) -> pd.DataFrame:
    """Per-indicator change in mean and CV between two Delphi rounds, plus W of each round.

    Parameters
    ----------
    round1, round2 : 2-D range, array or DataFrame
        Ratings of each round, experts x indicators; the same indicators in the same order
        (the panel may differ).
    labels : sequence of str, optional
        Default the DataFrame columns of ``round1``, else "1", "2", ...
    full_score : float, default 5

    Returns
    -------
    pandas.DataFrame
        Columns ``label, mean_1, mean_2, mean_change, cv_1, cv_2, cv_change``
        (change = round 2 - round 1). ``df.attrs`` holds ``w_1, w_2, p_1, p_2, m_1, m_2``:
        Kendall's W, its p value and the number of raters used, computed over the raters
        who rated every indicator in that round (NaN when fewer than 2 did).

    Raises
    ------
    MatrixShapeError
        The rounds have different numbers of indicators.
    ScaleError, MissingValueError
        As :func:`indicator_stats`, naming ``round1`` or ``round2``.

    Examples
    --------
    >>> df = compare_rounds([[4, 3], [5, 3], [4, 2]], [[4, 3], [5, 4], [4, 3]])
    >>> df["mean_change"].round(4).tolist(), round(df.attrs["w_2"], 4)
    ([0.0, 0.6667], 1.0)
    """
    s1 = indicator_stats(round1, full_score=full_score, name="round1")
    s2 = indicator_stats(round2, full_score=full_score, name="round2")
    n1, n2 = len(s1.labels), len(s2.labels)
    if n1 != n2:
        raise MatrixShapeError(f"round2: {n2} indicators but round1 has {n1}; they must match")
    lab = _labels(labels, n1, s1.labels, "labels")
    df = pd.DataFrame(
        {
            "label": list(lab),
            "mean_1": s1.mean,
            "mean_2": s2.mean,
            "mean_change": s2.mean - s1.mean,
            "cv_1": s1.cv,
            "cv_2": s2.cv,
            "cv_change": s2.cv - s1.cv,
        }
    )
    w1, p1, m1 = _round_w(round1, "round1")
    w2, p2, m2 = _round_w(round2, "round2")
    df.attrs.update({"w_1": w1, "w_2": w2, "p_1": p1, "p_2": p2, "m_1": m1, "m_2": m2})
    return df
