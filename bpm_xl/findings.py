"""Strengths and problems: one classification of the indicators, stated once, used everywhere.

The report's 主要经验做法, 存在的问题, 改进建议 and 整改清单, and the pre-filled rows of the
workbook's 整改清单, all come from :func:`classify`, so a strength is never also a problem:

- a **problem** is an indicator whose 100-point score (score / top of scale × 100) is below the
  problem line (default 80, the lower bound of 良 under 财预〔2020〕10号), or one of the ``lowest``
  lowest-scoring indicators (default 3; the weakest are always discussed, however high they
  score). Problems are ranked by the points they cost the 100-point total
  (global weight × (top − score) / top × 100), largest first.
- a **strength** is an indicator at or above the problem line that is not a problem, ranked by
  score, highest first.

Pure: an :class:`~bpm_xl.evaluation.Evaluation` (or anything with ``indicator_table``,
``settings`` and ``inputs.survey``) in, a frozen :class:`Findings` out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DEFAULT_LOWEST", "DEFAULT_PROBLEM_LINE", "Finding", "Findings", "classify", "problem_line"]

#: 100-point score below which an indicator is a problem (the lower bound of 良).
DEFAULT_PROBLEM_LINE = 80.0
#: How many of the lowest-scoring indicators are always problems.
DEFAULT_LOWEST = 3


@dataclass(frozen=True, slots=True)
class Finding:
    """One indicator's figures, as the report states them (full precision)."""

    code: str
    dimension: str
    stage: str
    weight: float             # global weight
    score: float              # mean answer on the survey scale
    score100: float           # score / top of scale × 100
    points_lost: float        # global weight × (top − score) / top × 100: what it costs the 100-point total
    share_lost: float         # points_lost / all points lost (0 when nothing is lost)
    low_share: float          # share of valid answers at the two lowest scale points (NaN: no answers)
    answers: int              # valid answers
    rank_low: int             # 1 = lowest score
    below_line: bool          # score100 < the problem line
    dimension_mean: float     # mean score of the indicators of its dimension


@dataclass(frozen=True)
class Findings:
    """The classification: problems by points lost, strengths by score, the rest in input order."""

    line: float                          # the problem line (100-point)
    lowest: int                          # how many lowest-scoring indicators are always problems
    problems: tuple[Finding, ...]
    strengths: tuple[Finding, ...]
    others: tuple[Finding, ...]

    @property
    def all(self) -> tuple[Finding, ...]:
        return self.problems + self.strengths + self.others

    def kind(self, code: str) -> str:
        """"problem", "strength" or "other"."""
        for name, group in (("problem", self.problems), ("strength", self.strengths)):
            if any(f.code == code for f in group):
                return name
        return "other"

    def get(self, code: str) -> Finding | None:
        return next((f for f in self.all if f.code == code), None)


def problem_line(value: Any) -> float:
    """The problem line from a settings cell: a number in (0, 100], blank -> the default.

    Raises SettingsError for anything else."""
    from .conversion import number
    from .errors import SettingsError

    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_PROBLEM_LINE
    x = number(value)
    if not isinstance(x, float) or not math.isfinite(x) or not 0 < x <= 100:
        raise SettingsError(f"problem_line: is {value!r}; give a 100-point score between 0 and 100, e.g. 80")
    return float(x)


def _low_shares(inputs: Any, codes: list[str], scale_min: float) -> dict[str, float]:
    survey: Any = getattr(inputs, "survey", None)
    out: dict[str, float] = {}
    for c in codes:
        try:
            col: np.ndarray = np.asarray(survey[c], dtype=np.float64)
        except (KeyError, TypeError, ValueError, IndexError):
            out[c] = float("nan")
            continue
        col = col[~np.isnan(col)]
        out[c] = float((col <= scale_min + 1).mean()) if col.size else float("nan")
    return out


def classify(evaluation: Any, line: float = DEFAULT_PROBLEM_LINE, lowest: int = DEFAULT_LOWEST) -> Findings:
    """Strengths and problems of an evaluation under one rule (see the module docstring).

    Parameters
    ----------
    evaluation : Evaluation
    line : float, default 80
        The problem line on the 100-point scale.
    lowest : int, default 3
        The ``lowest`` lowest-scoring indicators are problems whatever they score (ties by input order).

    Returns
    -------
    Findings
    """
    ev = evaluation
    it = ev.indicator_table
    s = ev.settings
    top = float(s.scale_max)
    codes = [str(c) for c in it["code"]]
    scores = it["mean_score"].to_numpy(dtype=float)
    weights = it["global_weight"].to_numpy(dtype=float)
    score100 = scores / top * 100
    lost = weights * (top - scores) / top * 100
    total_lost = float(lost.sum())
    order = np.argsort(scores, kind="stable")
    rank = np.empty(len(codes), dtype=int)
    rank[order] = np.arange(1, len(codes) + 1)
    dims = [str(d) for d in it["dimension"]]
    dim_mean = {d: float(np.mean([scores[k] for k in range(len(codes)) if dims[k] == d])) for d in set(dims)}
    low = _low_shares(getattr(ev, "inputs", None), codes, float(s.scale_min))
    k_low = max(0, min(int(lowest), len(codes)))
    found = []
    for k, c in enumerate(codes):
        found.append(Finding(
            code=c, dimension=dims[k], stage=str(it["pdca"].iloc[k] or ""), weight=float(weights[k]),
            score=float(scores[k]), score100=float(score100[k]), points_lost=float(lost[k]),
            share_lost=float(lost[k] / total_lost) if total_lost > 0 else 0.0, low_share=low[c],
            answers=int(it["answers"].iloc[k]), rank_low=int(rank[k]), below_line=bool(score100[k] < line),
            dimension_mean=dim_mean[dims[k]]))
    is_problem = [f.below_line or f.rank_low <= k_low for f in found]
    problems = sorted((f for f, p in zip(found, is_problem) if p), key=lambda f: (-f.points_lost, f.rank_low))
    strengths = sorted((f for f, p in zip(found, is_problem) if not p and not f.below_line),
                       key=lambda f: (-f.score, codes.index(f.code)))
    taken = {f.code for f in problems} | {f.code for f in strengths}
    others = tuple(f for f in found if f.code not in taken)
    return Findings(float(line), k_low, tuple(problems), tuple(strengths), others)
