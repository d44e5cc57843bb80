"""How much an evaluation's weights, total and rating depend on its inputs.

Three questions, one call (:func:`analyse`), all vectorised over draws and seeded:

1. **Judgment sensitivity** (Monte Carlo over the experts' pairwise judgments), in two forms:

   * ``perturb``: every judgment an expert gave (upper triangle) moves, independently with
     probability ``p``, one step up or down (equally likely) on the 17-value Saaty scale
     1/9, 1/8, ..., 1/2, 1, 2, ..., 9. A judgment that is not on the scale (a rounded entry) is
     first snapped to its nearest scale value in log space when it moves; a move past 1/9 or 9
     stays at the end of the scale. Judgments an expert left blank are not the expert's, so they
     are never perturbed; under AIJ they are left out of the aggregate as in
     :func:`bpm_xl.evaluate` (a pair that no expert of a draw judged takes the weighted mean of
     the experts' completed values, an approximation of the evaluation's completion of the
     aggregate); under AIP each expert's matrix keeps the evaluation's completed values.
   * ``bootstrap``: the panel is resampled with replacement (same size; one resample serves
     every node of a draw, so a drawn expert judges all the nodes they judged).

   Each draw is aggregated exactly as :func:`bpm_xl.evaluate` does (AIJ weighted geometric mean
   of the judgments, or AIP weighted geometric mean of the priorities; expert weights
   authority-normalised or equal as the settings say), every node is weighed with
   :func:`bpm_xl.ahp.ahp_batch` on a ``draws x n x n`` stack, global weights follow (the
   product of the local weights down each indicator's route, at every node of a tree of any
   depth), and the total is recomputed with the indicator scores held at the evaluation's
   values. A node weighed by points (分值) has no judgments and keeps its weights.

2. **Respondent uncertainty**: the survey's respondents are resampled with replacement
   (multinomial counts per draw, blanks skipped as in :func:`bpm_xl.scoring.indicator_scores`);
   the weights are held at the evaluation's values. Only the indicators scored by the survey
   move: data, expert and direct indicators keep their scores. Percentile intervals of the
   total and of each dimension's score.

   In both, a score cap that applies to the evaluation (a condition on a measured value, which
   no draw changes) cuts every draw's total as it cuts the evaluation's.

3. **Weight sensitivity**, analytic: how far a first-level dimension's weight must move, the
   other dimensions rescaled proportionally, before the rating changes (see
   :func:`weight_thresholds` for the formula).

The module is pure numpy/pandas and never imports xlwings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import ahp, scoring
from .errors import MatrixShapeError, MissingValueError, ScaleError, SettingsError
from .model import GOAL

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .evaluation import Evaluation, EvaluationInputs, Settings

__all__ = [
    "Summary",
    "JudgmentSensitivity",
    "RespondentSensitivity",
    "WeightThreshold",
    "DimensionSensitivity",
    "SensitivityResult",
    "UnitScores",
    "analyse",
    "judgment_sensitivity",
    "respondent_sensitivity",
    "weight_thresholds",
    "grade_index",
    "score_units",
]

Progress = Callable[[int, int], None]

_CHUNK = 2500            # draws per vectorised block (bounds memory; fixed, so results are reproducible)
_BOOT_CELLS = 4_000_000  # respondent bootstrap: draws x respondents counts held at once
_LOG_SCALE = np.log(ahp.SAATY_SCALE)  # 1/9 ... 9, the 17 steps a judgment moves along


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class Summary:
    """Mean, standard deviation (ddof=1) and the 2.5 / 97.5 percentiles of a sampled value."""

    mean: float
    sd: float
    low: float
    high: float

    def to_dict(self, keys: tuple[str, str] = ("p2_5", "p97_5")) -> dict[str, float | None]:
        return {"mean": _f(self.mean), "sd": _f(self.sd), keys[0]: _f(self.low), keys[1]: _f(self.high)}


@dataclass(frozen=True)
class JudgmentSensitivity:
    """Distribution of weights, total and rating when the experts' judgments vary.

    ``weight_*`` arrays are per indicator (``leaves`` order = ``system.codes``);
    ``dimension_weight_*`` per dimension. Percentiles are the 2.5th and 97.5th.
    """

    mode: str                        # "perturb" | "bootstrap"
    draws: int
    probability: float | None        # perturb: chance that a judgment moves one step
    leaves: tuple[str, ...]
    base_weights: np.ndarray
    weight_mean: np.ndarray
    weight_sd: np.ndarray
    weight_low: np.ndarray
    weight_high: np.ndarray
    dimensions: tuple[str, ...]
    dimension_weight_mean: np.ndarray
    dimension_weight_sd: np.ndarray
    dimension_weight_low: np.ndarray
    dimension_weight_high: np.ndarray
    total: Summary
    score100: Summary
    rating_stays: float              # share of draws with the evaluation's grade
    grade_shares: dict[str, float]   # every grade of the rule, in the rule's order
    totals: np.ndarray               # the sampled totals (for a histogram); not in to_dict()

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: base weight, mean, sd, p2_5, p97_5."""
        return pd.DataFrame({"code": list(self.leaves), "base": self.base_weights, "mean": self.weight_mean,
                             "sd": self.weight_sd, "p2_5": self.weight_low, "p97_5": self.weight_high})

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "draws": self.draws,
            "probability": self.probability,
            "global_weights": _records(self.leaves, self.base_weights, self.weight_mean, self.weight_sd,
                                       self.weight_low, self.weight_high),
            "dimension_weights": _records(self.dimensions, None, self.dimension_weight_mean,
                                          self.dimension_weight_sd, self.dimension_weight_low,
                                          self.dimension_weight_high),
            "total": self.total.to_dict(),
            "score100": self.score100.to_dict(),
            "rating_stays": float(self.rating_stays),
            "grade_shares": {k: float(v) for k, v in self.grade_shares.items()},
        }


@dataclass(frozen=True)
class RespondentSensitivity:
    """Bootstrap over survey respondents: percentile intervals of the total and dimension scores."""

    draws: int
    respondents: int
    level: float                      # 0.95
    total: Summary
    score100: Summary
    dimensions: tuple[str, ...]
    dimension_mean: np.ndarray
    dimension_sd: np.ndarray
    dimension_low: np.ndarray
    dimension_high: np.ndarray
    rating_stays: float
    grade_shares: dict[str, float]
    invalid_draws: int                # draws where some indicator had no answer (left out)
    totals: np.ndarray                # not in to_dict()

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension: mean, sd and interval of its (local-weighted) score."""
        return pd.DataFrame({"dimension": list(self.dimensions), "mean": self.dimension_mean,
                             "sd": self.dimension_sd, "low": self.dimension_low, "high": self.dimension_high})

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "respondents": self.respondents,
            "level": self.level,
            "total": self.total.to_dict(("low", "high")),
            "score100": self.score100.to_dict(("low", "high")),
            "dimensions": _records(self.dimensions, None, self.dimension_mean, self.dimension_sd,
                                   self.dimension_low, self.dimension_high, ("low", "high")),
            "rating_stays": float(self.rating_stays),
            "grade_shares": {k: float(v) for k, v in self.grade_shares.items()},
            "invalid_draws": int(self.invalid_draws),
        }


@dataclass(frozen=True, slots=True)
class WeightThreshold:
    """The smallest move of one dimension weight, in one direction, that changes the rating.

    ``weight`` is the threshold weight x* (the rating changes just beyond it), ``delta`` =
    x* - base weight (positive for an increase). All ``None`` when no weight in [0, 1] in that
    direction changes the rating.
    """

    direction: str                    # "increase" | "decrease"
    weight: float | None
    delta: float | None
    total_at: float | None            # total at x* (a band boundary in score units)
    grade_after: str | None

    @property
    def text(self) -> str:
        if self.weight is None:
            return "none within [0,1]"
        return f"{self.delta:+.4f} (to {self.weight:.4f}) -> {self.grade_after}"

    def to_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "weight": _f(self.weight), "delta": _f(self.delta),
                "total_at": _f(self.total_at), "grade_after": self.grade_after, "text": self.text}


@dataclass(frozen=True, slots=True)
class DimensionSensitivity:
    """Weight sensitivity of one first-level dimension."""

    dimension: str
    weight: float                     # a_j, its weight in the evaluation
    score: float                      # s_j, its local-weighted score
    others_score: float | None        # R_j, the weighted mean score of the other dimensions
    increase: WeightThreshold
    decrease: WeightThreshold

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "weight": self.weight, "score": self.score,
                "others_score": _f(self.others_score), "increase": self.increase.to_dict(),
                "decrease": self.decrease.to_dict()}


@dataclass(frozen=True)
class SensitivityResult:
    """Everything :func:`analyse` measures; ``to_dict()`` is JSON-safe (no NaN, no numpy)."""

    draws: int
    seed: int
    base_total: float
    base_score100: float
    base_grade: str
    grades: tuple[str, ...]
    judgments_perturb: JudgmentSensitivity | None      # None: a part :func:`analyse` was not asked for
    judgments_bootstrap: JudgmentSensitivity | None
    respondents: RespondentSensitivity | None
    weights: tuple[DimensionSensitivity, ...]

    def weights_frame(self) -> pd.DataFrame:
        """One row per dimension: weight, score, the smallest increase / decrease that changes the rating."""
        return pd.DataFrame([{
            "dimension": d.dimension, "weight": d.weight, "score": d.score,
            "increase_delta": d.increase.delta, "increase_to": d.increase.weight,
            "increase_grade": d.increase.grade_after,
            "decrease_delta": d.decrease.delta, "decrease_to": d.decrease.weight,
            "decrease_grade": d.decrease.grade_after,
        } for d in self.weights])

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "seed": self.seed,
            "base": {"total": self.base_total, "score100": self.base_score100, "grade": self.base_grade},
            "grades": list(self.grades),
            "judgments": {"perturb": None if self.judgments_perturb is None else self.judgments_perturb.to_dict(),
                          "bootstrap": None if self.judgments_bootstrap is None else self.judgments_bootstrap.to_dict()},
            "respondents": None if self.respondents is None else self.respondents.to_dict(),
            "weights": [d.to_dict() for d in self.weights],
        }


# ----------------------------------------------------------------------------- helpers
def _f(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _records(labels: Sequence[str], base: np.ndarray | None, mean: np.ndarray, sd: np.ndarray, low: np.ndarray,
             high: np.ndarray, keys: tuple[str, str] = ("p2_5", "p97_5")) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k, lab in enumerate(labels):
        rec: dict[str, Any] = {"code": lab}
        if base is not None:
            rec["base"] = _f(base[k])
        rec.update({"mean": _f(mean[k]), "sd": _f(sd[k]), keys[0]: _f(low[k]), keys[1]: _f(high[k])})
        out.append(rec)
    return out


def _summary(x: np.ndarray) -> Summary:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return Summary(math.nan, math.nan, math.nan, math.nan)
    lo, hi = np.percentile(x, [2.5, 97.5])
    return Summary(float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0, float(lo), float(hi))


def _columns(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-column mean, sd (ddof=1), 2.5 and 97.5 percentiles of a draws x m array."""
    lo, hi = np.percentile(x, [2.5, 97.5], axis=0)
    sd = x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros(x.shape[1])
    return x.mean(axis=0), sd, lo, hi


def grade_index(score100: ArrayLike, bands: scoring.RatingBands) -> np.ndarray:
    """0-based index into ``bands.bands`` of each 100-point score (vectorised ``band_of``).

    Examples
    --------
    >>> grade_index([95.0, 80.0, 79.99, 10.0], scoring.MOF_BANDS).tolist()
    [0, 1, 2, 3]
    """
    return scoring.band_indices(score100, bands)


def _shares(idx: np.ndarray, bands: scoring.RatingBands) -> dict[str, float]:
    counts = np.bincount(idx, minlength=len(bands.bands)) / max(idx.size, 1)
    return {b.grade: float(c) for b, c in zip(bands.bands, counts)}


def _chunks(total: int, size: int = _CHUNK) -> Iterator[tuple[int, int]]:
    start = 0
    while start < total:
        stop = min(total, start + size)
        yield start, stop
        start = stop


# ----------------------------------------------------------------------------- base
@dataclass(frozen=True)
class _Node:
    node: str
    n: int
    logs: np.ndarray        # K x P log judgments (upper triangle), complete
    given: np.ndarray       # K x P bool: the expert typed this judgment
    scale_idx: np.ndarray   # K x P nearest Saaty-scale index
    expert_idx: np.ndarray  # K indices into the panel
    panel_weights: np.ndarray  # K expert weights (not normalised over the node)


def _rated(evaluation: Evaluation) -> tuple[float, scoring.Rating]:
    """The evaluation's total and rating, which every part varies: none while a score is pending."""
    if evaluation.total is None or evaluation.rating is None:
        raise MissingValueError("sensitivity: the evaluation has no total and rating while scores are pending "
                                f"({', '.join(evaluation.pending) or 'a score'}); enter them first")
    return float(evaluation.total), evaluation.rating


def _base(evaluation: Evaluation) -> tuple[list[_Node], dict[str, Any]]:
    """The judged nodes (those weighed by points have fixed weights, kept in ``info["fixed"]``)
    and the evaluation's figures the draws start from."""
    total, rating = _rated(evaluation)
    s = evaluation.settings
    system = evaluation.system
    panel = [e.code for e in evaluation.inputs.experts]
    ew = np.asarray(evaluation.expert_weights, dtype=float)
    nodes = []
    fixed = {}
    for code in system.nodes():
        nr = evaluation.nodes[code]
        n = len(nr.children)
        if not nr.expert_results:      # weighed by points (分值): nothing to perturb or resample
            fixed[code] = np.asarray(nr.weights, dtype=float)
            continue
        iu, ju = np.triu_indices(n, 1)
        mats = np.stack([np.asarray(r.matrix, dtype=float) for r in nr.expert_results])
        given = np.stack([~np.isnan(m)[iu, ju] for m in nr.parsed]) if n > 1 \
            else np.zeros((len(nr.expert_codes), 0), bool)  # the matrices evaluate() parsed
        logs = np.log(mats[:, iu, ju])
        sidx = np.abs(logs[..., None] - _LOG_SCALE).argmin(axis=-1)
        eidx = np.array([panel.index(e) for e in nr.expert_codes])
        nodes.append(_Node(code, n, logs, given, sidx, eidx, ew[eidx]))
    table = evaluation.indicator_table
    dims = list(system.dimension_codes)
    codes = tuple(system.codes)
    # each indicator's route from the goal: (node, index of the next step among its children)
    routes = []
    for c in codes:
        chain = [*system.path(c), c]
        routes.append(tuple((system.parent_of(x), system.children(system.parent_of(x)).index(x)) for x in chain))
    info = {
        "settings": s,
        "codes": codes,
        "dims": tuple(dims),
        "parent": np.array([dims.index(d) for d in table["dimension"]]),
        "local": table["local_weight"].to_numpy(float),
        "within": _within(evaluation, routes),
        "routes": tuple(routes),
        "fixed": fixed,
        "gw": table["global_weight"].to_numpy(float),
        "dim_w": evaluation.dimension_table["weight"].to_numpy(float),
        "dim_score": evaluation.dimension_table["score"].to_numpy(float),
        "means": table["mean_score"].to_numpy(float),
        "survey": np.array([system.indicator(c).kind == "survey" for c in codes], dtype=bool),
        "cap": _cap_total(evaluation),
        "total": total,
        "grade": rating.grade,
        "panel": len(panel),
    }
    return nodes, info


def _within(evaluation: Evaluation, routes: list[tuple[tuple[str, int], ...]]) -> np.ndarray:
    """Each indicator's weight within its dimension: the product of the local weights below the
    dimension (exactly its local weight in a two-level system)."""
    out = np.ones(len(routes))
    for k, route in enumerate(routes):
        for node, j in route[1:]:
            out[k] *= float(evaluation.nodes[node].weights[j])
    return out


def _cap_total(evaluation: Evaluation) -> float:
    """The highest total the score caps allow (on the evaluation's scale; inf without a cap).

    A cap is a condition on a measured value, which no draw moves, so the caps that apply to the
    evaluation apply to every draw."""
    s = evaluation.settings
    values = {c: ds.value for c, ds in (getattr(evaluation, "data_scores", None) or {}).items()}
    allowed = [cap.max_score100 for cap in s.caps if cap.indicator in values and cap.applies(values[cap.indicator])]
    return min(allowed) / 100.0 * float(s.scale_max) if allowed else math.inf


def _node_weights(node: _Node, logs: np.ndarray, wts: np.ndarray, s: Settings) -> np.ndarray:
    """Local weights of one node for a block of draws.

    logs: D x K x P log judgments, or K x P when every draw has the same (the bootstrap over
    experts); wts: D x K expert weights (rows with a positive sum).
    """
    d = wts.shape[0]
    n = node.n
    if n == 1:
        return np.ones((d, 1))
    wn = wts / wts.sum(axis=1, keepdims=True)
    if s.aggregation == "aij":
        return _from_group_logs(node, _group_logs(node, wn, logs), s)
    k, p = node.logs.shape
    iu, ju = np.triu_indices(n, 1)
    flat = logs if logs.ndim == 2 else logs.reshape(d * k, p)   # each expert's matrix once, or per draw
    m = np.ones((len(flat), n, n))
    m[:, iu, ju] = np.exp(flat)
    m[:, ju, iu] = np.exp(-flat)
    w = ahp.ahp_batch(m, s.method, s.random_index).weights
    lw = np.log(w)
    g = np.exp(wn @ lw if logs.ndim == 2 else np.einsum("dk,dkn->dn", wn, lw.reshape(d, k, n)))
    out: np.ndarray = g / g.sum(axis=1, keepdims=True)
    return out


def _group_logs(node: _Node, wn: np.ndarray, logs: np.ndarray) -> np.ndarray:
    """D x P logs of the group judgments (AIJ): as evaluate(), a pair is aggregated over the
    experts who judged it; a pair no drawn expert judged takes the weighted mean of the
    experts' completed values instead."""
    same = logs.ndim == 2
    g: np.ndarray = wn @ logs if same else np.einsum("dk,dkp->dp", wn, logs)
    if not node.given.all():
        den = wn @ node.given
        num = wn @ (node.given * logs) if same else np.einsum("dkp,dkp->dp", wn[:, :, None] * node.given[None], logs)
        have = den > 0
        g = np.where(have, num / np.where(have, den, 1.0), g)
    return g


def _from_group_logs(node: _Node, g: np.ndarray, s: Settings) -> np.ndarray:
    """Weights of the D group matrices whose upper-triangle logs are ``g`` (D x P)."""
    n = node.n
    iu, ju = np.triu_indices(n, 1)
    m = np.ones((len(g), n, n))
    m[:, iu, ju] = np.exp(g)
    m[:, ju, iu] = np.exp(-g)
    return ahp.ahp_batch(m, s.method, s.random_index).weights


def _global(local: dict[str, np.ndarray], info: dict[str, Any], d: int) -> tuple[np.ndarray, np.ndarray]:
    """Draws x dimensions and draws x indicators (system.codes order) global weights: the product
    of the local weights down each indicator's route (nodes weighed by points keep their weights)."""
    w = {**{k: np.broadcast_to(v, (d, v.size)) for k, v in info["fixed"].items()}, **local}
    cols = []
    for route in info["routes"]:
        col = w[route[0][0]][:, route[0][1]]
        for node, j in route[1:]:
            col = col * w[node][:, j]
        cols.append(col)
    return w[GOAL], np.stack(cols, axis=1)


# ----------------------------------------------------------------------------- judgments
def _moves(node: _Node, d: int, probability: float, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Which typed judgments move in ``d`` draws, each with ``probability`` (down or up one
    scale step with equal chance): (flat index into D x K x P, its (expert, pair) index, the
    new log). One uniform number per judgment decides both: below ``probability / 2`` one
    step down, below ``probability`` one step up. None when nothing can move."""
    k, p = node.logs.shape
    if not (probability > 0 and p):
        return None
    u = rng.random(d * k * p, dtype=np.float32)
    hit = u < probability
    if not node.given.all():
        hit &= np.broadcast_to(node.given, (d, k, p)).ravel()
    at = np.flatnonzero(hit)
    kp = at % (k * p)  # the (expert, pair) of each moved judgment
    step = np.where(u[at] < probability / 2, -1, 1)
    return at, kp, _LOG_SCALE[np.clip(node.scale_idx.reshape(-1)[kp] + step, 0, _LOG_SCALE.size - 1)]


def _perturbed(node: _Node, d: int, probability: float, rng: np.random.Generator) -> np.ndarray:
    """``d`` draws of the node's log judgments (D x K x P), moved as :func:`_moves` says."""
    k, p = node.logs.shape
    moves = _moves(node, d, probability, rng)
    if moves is None:
        return np.broadcast_to(node.logs, (d, k, p))
    at, _, new = moves
    logs = np.repeat(node.logs[None], d, axis=0)
    logs.reshape(-1)[at] = new
    return logs


def _perturbed_aij(node: _Node, d: int, probability: float, rng: np.random.Generator, s: Settings) -> np.ndarray:
    """Local weights of ``d`` perturbed draws under AIJ, without the D x K x P logs: the group
    logs are linear in the experts' logs, so each draw's are the base ones plus the moved
    judgments' changes, weighted (and divided by the pair's judged weight where not every
    expert judged it). The same draws as :func:`_perturbed` (the same random numbers)."""
    k, p = node.logs.shape
    wn = (node.panel_weights / node.panel_weights.sum())[None]
    moves = _moves(node, d, probability, rng)
    if node.n == 1:
        return np.ones((d, 1))
    g = np.repeat(_group_logs(node, wn, node.logs), d, axis=0)
    if moves is not None:
        at, kp, new = moves
        change = wn[0, kp // p] * (new - node.logs.reshape(-1)[kp])
        pair = kp % p
        if not node.given.all():
            change = change / (wn @ node.given)[0, pair]   # moved judgments are typed: the pair's weight > 0
        g.reshape(-1)[:] += np.bincount(at // (k * p) * p + pair, weights=change, minlength=d * p)
    return _from_group_logs(node, g, s)


def judgment_sensitivity(evaluation: Evaluation, draws: int = 10000, mode: str = "perturb", probability: float = 0.2,
                         rng: np.random.Generator | int | None = None,
                         progress: Progress | None = None, done: int = 0, total: int | None = None
                         ) -> JudgmentSensitivity:
    """Monte Carlo over the experts' judgments of an evaluation (see the module docstring).

    Parameters
    ----------
    evaluation : Evaluation
        The result of :func:`bpm_xl.evaluate` (its expert matrices, weights and scores are the base).
    draws : int
        Number of draws.
    mode : {"perturb", "bootstrap"}
        Move judgments one scale step with ``probability``, or resample the panel with replacement.
    probability : float
        ``perturb`` only: the chance that a given judgment moves (0 reproduces the base).
    rng : numpy.random.Generator or int, optional
        Random source (an int is a seed).
    progress : callable(done, total), optional
        Called after each block of draws; ``done``/``total`` offset it inside a larger job.

    Returns
    -------
    JudgmentSensitivity
    """
    if mode not in ("perturb", "bootstrap"):
        raise SettingsError(f'mode: unknown mode "{mode}"; choose perturb or bootstrap')
    if not (0.0 <= probability <= 1.0):
        raise SettingsError(f"probability: {probability:g} must lie between 0 and 1")
    draws = _check_draws(draws)
    rng = np.random.default_rng(rng)
    nodes, info = _base(evaluation)
    total = draws if total is None else total
    dim_ws, gws = [], []
    for start, stop in _chunks(draws):
        d = stop - start
        local = _drawn_local_weights(nodes, info, d, mode, probability, rng)
        dw, gw = _global(local, info, d)
        dim_ws.append(dw)
        gws.append(gw)
        if progress is not None:
            progress(done + stop, total)
    return _judgment_result(info, mode, draws, probability, np.concatenate(gws), np.concatenate(dim_ws))


def _drawn_local_weights(nodes: list[_Node], info: dict[str, Any], d: int, mode: str, probability: float,
                         rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One block of ``d`` draws: every judged node's local weights, its judgments moved or its panel drawn."""
    s = info["settings"]
    local: dict[str, np.ndarray] = {}
    counts = rng.multinomial(info["panel"], np.full(info["panel"], 1.0 / info["panel"]), size=d) \
        if mode == "bootstrap" else None
    for node in nodes:
        k, p = node.logs.shape
        if mode == "perturb" and s.aggregation == "aij":
            local[node.node] = _perturbed_aij(node, d, probability, rng, s)
            continue
        if mode == "perturb":
            logs = _perturbed(node, d, probability, rng)
            wts = np.broadcast_to(node.panel_weights, (d, k))
        else:
            logs = node.logs          # the same judgments in every draw; the panel is drawn
            assert counts is not None  # drawn for every block in bootstrap mode
            wts = _drawn_panel(node, counts)
        local[node.node] = _node_weights(node, np.ascontiguousarray(logs), wts, s)
    return local


def _drawn_panel(node: _Node, counts: np.ndarray) -> np.ndarray:
    """The weights of ``node``'s judges in each draw of the panel (``counts``: draws x panel)."""
    wts: np.ndarray = counts[:, node.expert_idx] * node.panel_weights
    empty = wts.sum(axis=1) <= 0   # none of this node's judges drawn: keep the base panel
    if empty.any():
        wts = np.where(empty[:, None], node.panel_weights, wts)
    return wts


def _judgment_result(info: dict[str, Any], mode: str, draws: int, probability: float, gw: np.ndarray,
                     dim_w: np.ndarray) -> JudgmentSensitivity:
    """The draws' global and dimension weights summarised, with the totals and ratings they give."""
    s = info["settings"]
    bands = s.bands
    totals = np.minimum(gw @ info["means"], info["cap"])
    score100 = totals / s.scale_max * 100.0
    gi = grade_index(score100, bands)
    base_gi = [b.grade for b in bands.bands].index(info["grade"])
    wm, wsd, wlo, whi = _columns(gw)
    dm, dsd, dlo, dhi = _columns(dim_w)
    return JudgmentSensitivity(
        mode=mode, draws=draws, probability=float(probability) if mode == "perturb" else None,
        leaves=info["codes"], base_weights=info["gw"], weight_mean=wm, weight_sd=wsd, weight_low=wlo,
        weight_high=whi, dimensions=info["dims"], dimension_weight_mean=dm, dimension_weight_sd=dsd,
        dimension_weight_low=dlo, dimension_weight_high=dhi, total=_summary(totals),
        score100=_summary(score100), rating_stays=float(np.mean(gi == base_gi)),
        grade_shares=_shares(gi, bands), totals=totals)


def _check_draws(draws: object) -> int:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 2:
        raise SettingsError(f"draws: must be a whole number of at least 2 but is {draws!r}")
    return int(draws)


# ----------------------------------------------------------------------------- respondents
def respondent_sensitivity(evaluation: Evaluation, draws: int = 10000, level: float = 0.95,
                           rng: np.random.Generator | int | None = None,
                           progress: Progress | None = None, done: int = 0, total: int | None = None
                           ) -> RespondentSensitivity:
    """Bootstrap over the survey's respondents, weights held at the evaluation's values.

    Each draw takes multinomial counts c (R respondents, sum R) and recomputes every indicator
    mean as ``sum_r c_r x_ri / sum_r c_r [x_ri answered]`` (blanks skipped), then the total
    ``sum_i w_i mean_i`` (cut by the score caps that apply) and each dimension's score
    ``sum_i v_i mean_i``, ``v_i`` the indicator's weight within its dimension. Only the survey
    indicators' scores move; data, expert and direct indicators keep theirs. The interval is the
    percentile interval at ``level``. A draw in which some indicator gets no answer at all is
    left out and counted in ``invalid_draws``.

    Returns
    -------
    RespondentSensitivity
    """
    draws = _check_draws(draws)
    if not (0.0 < level < 1.0):
        raise SettingsError(f"level: {level:g} must lie between 0 and 1")
    rng = np.random.default_rng(rng)
    _, info = _base(evaluation)
    s = info["settings"]
    sv = info["survey"]   # only the survey indicators' scores move; data, expert and direct ones are fixed
    codes = [c for c, k in zip(info["codes"], sv) if k]
    survey = evaluation.inputs.survey[codes]
    x = scoring.survey_values(survey, s.scale_min, s.scale_max, "survey", allow_empty=True)  # floats stay floats
    r = x.shape[0] if codes else 0
    total = draws if total is None else total
    means = np.repeat(info["means"][None], draws, axis=0)
    if r:
        means[:, sv] = _resampled_means(x, draws, rng, progress, done, total)
    elif progress is not None:
        progress(done + draws, total)
    valid = np.isfinite(means).all(axis=1)
    means = means[valid]
    totals = np.minimum(means @ info["gw"], info["cap"])
    dims = info["dims"]
    dscore = np.stack([means[:, info["parent"] == j] @ info["within"][info["parent"] == j]
                       for j in range(len(dims))], axis=1)
    a = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(dscore, [a, 100 - a], axis=0)
    tlo, thi = np.percentile(totals, [a, 100 - a])
    score100 = totals / s.scale_max * 100.0
    slo, shi = np.percentile(score100, [a, 100 - a])
    gi = grade_index(score100, s.bands)
    base_gi = [b.grade for b in s.bands.bands].index(info["grade"])
    return RespondentSensitivity(
        draws=draws, respondents=r, level=float(level),
        total=Summary(float(totals.mean()), float(totals.std(ddof=1)), float(tlo), float(thi)),
        score100=Summary(float(score100.mean()), float(score100.std(ddof=1)), float(slo), float(shi)),
        dimensions=dims, dimension_mean=dscore.mean(axis=0), dimension_sd=dscore.std(axis=0, ddof=1),
        dimension_low=lo, dimension_high=hi, rating_stays=float(np.mean(gi == base_gi)),
        grade_shares=_shares(gi, s.bands), invalid_draws=int((~valid).sum()), totals=totals)


def _resampled_means(x: np.ndarray, draws: int, rng: np.random.Generator, progress: Progress | None, done: int,
                     total: int) -> np.ndarray:
    """``draws`` x indicators means of the answers ``x`` (respondents x indicators, NaN blank)
    over respondents resampled with replacement (NaN where a draw has no answer)."""
    r = x.shape[0]
    # counts x answers in float32 when every partial sum is a whole number below 2**24 (answers
    # are whole numbers, so the products are exact): the same sums as float64, at half the cost
    exact32 = r * max(float(np.nanmax(np.abs(x), initial=0.0)), 1.0) < 2 ** 24 \
        and bool(np.all(np.isnan(x) | (x == np.round(x))))
    dtype: type[np.floating[Any]] = np.float32 if exact32 else np.float64
    have = (~np.isnan(x)).astype(dtype)
    x0 = np.where(np.isnan(x), 0.0, x).astype(dtype)
    block = max(1, min(_CHUNK, _BOOT_CELLS // max(r, 1)))
    means = np.empty((draws, x.shape[1]))
    for start, stop in _chunks(draws, block):
        c = rng.multinomial(r, np.full(r, 1.0 / r), size=stop - start).astype(dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            means[start:stop] = (c @ x0).astype(float) / (c @ have).astype(float)
        if progress is not None:
            progress(done + stop, total)
    return means


# ----------------------------------------------------------------------------- weights
def weight_thresholds(dimension_weights: ArrayLike, dimension_scores: ArrayLike, scale_max: float = 5.0,
                      bands: scoring.RatingBands = scoring.MOF_BANDS,
                      labels: Sequence[str] | None = None, cap: float = math.inf) -> tuple[DimensionSensitivity, ...]:
    """How far each dimension's weight must move for the rating to change.

    With dimension weights a (sum 1) and dimension scores s (each the local-weighted mean of
    its indicators' scores), the total is T = sum_i a_i s_i. Setting dimension j's weight to x
    and rescaling the others proportionally, a_i' = a_i (1 - x) / (1 - a_j), gives

        T(x) = x s_j + (1 - x) R_j,    R_j = (T - a_j s_j) / (1 - a_j),

    linear in x (R_j is the weighted mean score of the other dimensions). With the current grade's
    band [L, U) in score units (lower bounds / 100 * scale_max), the rating changes where T(x)
    leaves it: x* = (B - R_j) / (s_j - R_j) for the boundary B in {L, U} that T(x) reaches
    first in each direction, reported when a_j < x* <= 1 (increase) or 0 <= x* < a_j (decrease);
    otherwise "none within [0,1]". At x* the total equals the boundary: moving past it by any
    amount changes the grade (reaching U already does, as ``band_of`` includes lower bounds).

    A score cap C (``cap``, in score units) rates min(T(x), C): the grade is that of min(T, C);
    it falls where T(x) falls below L, and it can rise only when C reaches U.

    Parameters
    ----------
    dimension_weights, dimension_scores : sequence of float
        a (summing to 1) and s, one per dimension.
    scale_max : float
        Top of the answer scale (score100 = T / scale_max * 100).
    bands : RatingBands
    labels : sequence of str, optional
        Dimension codes; "1", "2", ... when omitted.
    cap : float, optional
        The highest total the score caps that apply allow (score units); none by default.

    Returns
    -------
    tuple of DimensionSensitivity

    Examples
    --------
    Two dimensions at 0.5 each scoring 4.6 and 3.6: T = 4.1 (82 points, B). Raising the first
    to 0.89975 gives 4.49975 = 89.995 points, which rounds to 90.00 (A, the rating rule rounds
    the 100-point score to 2 decimals); lowering it below 0.39975 (79.995 points) gives C.

    >>> up, = [d.increase for d in weight_thresholds([0.5, 0.5], [4.6, 3.6])][:1]
    >>> round(up.weight, 10), up.grade_after
    (0.89975, 'A')
    >>> down = weight_thresholds([0.5, 0.5], [4.6, 3.6])[0].decrease
    >>> round(down.weight, 10), down.grade_after
    (0.39975, 'C')
    """
    a, sc = _weights_and_scores(dimension_weights, dimension_scores)
    labels = tuple(str(k + 1) for k in range(a.size)) if labels is None else tuple(labels)
    t = float(a @ sc)
    g0, lower, upper = _grade_band(t, scale_max, bands, cap)
    return tuple(_dimension_thresholds(labels[j], a[j], sc[j], t, g0, lower, upper, bands) for j in range(a.size))


def _weights_and_scores(dimension_weights: ArrayLike, dimension_scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The dimensions' weights and scores as flat arrays, refused unless one of each per dimension,
    finite, the weights non-negative and summing to 1."""
    a = np.asarray(dimension_weights, dtype=float).ravel()
    sc = np.asarray(dimension_scores, dtype=float).ravel()
    if a.size != sc.size or a.size == 0:
        raise MatrixShapeError(f"dimension_scores: {sc.size} scores for {a.size} weights; they must match")
    if not (np.isfinite(a).all() and np.isfinite(sc).all()) or (a < 0).any() or abs(a.sum() - 1) > 1e-6:
        raise ScaleError("dimension_weights: must be non-negative numbers summing to 1 (with finite scores)")
    return a, sc


def _grade_band(t: float, scale_max: float, bands: scoring.RatingBands, cap: float) -> tuple[int, float, float]:
    """The grade of the total ``t`` (cut by ``cap``) and the totals where it changes: the lower
    and upper bounds of its band, -inf / inf where no total can reach a band beyond."""
    # where the grade changes: the score that ROUND(score100, 2) lifts to a band's lower bound
    lowers = np.array([scoring.reach(b.lower) for b in bands.bands]) / 100.0 * scale_max
    g0 = int(grade_index(min(t, cap) / scale_max * 100.0, bands))
    lower = lowers[g0] if g0 < len(lowers) - 1 else -math.inf   # the lowest band catches everything
    upper = lowers[g0 - 1] if g0 > 0 and cap >= lowers[g0 - 1] else math.inf   # a cap below it: out of reach
    return g0, lower, upper


def _dimension_thresholds(label: str, aj: Any, sj: Any, t: float, g0: int, lower: float, upper: float,
                          bands: scoring.RatingBands) -> DimensionSensitivity:
    """Dimension j's weight thresholds: where raising or lowering its weight ``aj`` changes the grade."""
    if aj >= 1.0 - 1e-12:
        none = (WeightThreshold("increase", None, None, None, None),
                WeightThreshold("decrease", None, None, None, None))
        return DimensionSensitivity(label, float(aj), float(sj), None, *none)
    rj = (t - aj * sj) / (1.0 - aj)
    slope = sj - rj
    res = {}
    for direction, sign in (("increase", 1.0), ("decrease", -1.0)):
        res[direction] = _threshold(direction, sign, aj, rj, slope, g0, lower, upper, bands)
    return DimensionSensitivity(label, float(aj), float(sj), float(rj), res["increase"], res["decrease"])


def _threshold(direction: str, sign: float, aj: Any, rj: Any, slope: Any, g0: int, lower: float, upper: float,
               bands: scoring.RatingBands) -> WeightThreshold:
    """The weight at which the grade changes moving ``aj`` in ``direction`` (none within [0, 1]: all None)."""
    if slope == 0.0:
        return WeightThreshold(direction, None, None, None, None)
    # moving x in this direction moves T by sign * slope per unit
    bound, after = (upper, g0 - 1) if sign * slope > 0 else (lower, g0 + 1)
    if not math.isfinite(bound):
        return WeightThreshold(direction, None, None, None, None)
    x = (bound - rj) / slope
    if (sign > 0 and aj < x <= 1.0) or (sign < 0 and 0.0 <= x < aj):
        return WeightThreshold(direction, float(x), float(x - aj), float(bound), bands.bands[after].grade)
    return WeightThreshold(direction, None, None, None, None)


# ----------------------------------------------------------------------------- all
def analyse(inputs: EvaluationInputs, draws: int = 10000, seed: int = 20261126, progress: Progress | None = None, *,
            probability: float = 0.2, level: float = 0.95, evaluation: Evaluation | None = None,
            respondent_draws: int | None = None,
            parts: tuple[str, ...] = ("perturb", "bootstrap", "respondents")) -> SensitivityResult:
    """Judgment, respondent and weight sensitivity of one evaluation.

    Parameters
    ----------
    inputs : EvaluationInputs
        As for :func:`bpm_xl.evaluate`.
    draws : int
        Draws of each Monte Carlo part (perturb, bootstrap of the panel, bootstrap of respondents).
    seed : int
        Seed of a :class:`numpy.random.SeedSequence`; each part gets its own spawned child stream,
        so the parts do not depend on one another and the same seed gives the same result.
    progress : callable(done, total), optional
        Called after each block of draws, ``total = 3 * draws``.
    probability : float
        Chance that a judgment moves one scale step in the perturbation part.
    level : float
        Confidence level of the respondent bootstrap interval.
    evaluation : Evaluation, optional
        ``evaluate(inputs)`` when the caller already has it (saves recomputing it).
    respondent_draws : int, optional
        Draws of the respondent bootstrap when it should differ from ``draws``: its cost grows
        with respondents x draws, so the workbook caps it for very large surveys
        (:func:`respondent_draws_for`). The result records both counts.
    parts : tuple of str
        The Monte Carlo parts to compute ("perturb", "bootstrap", "respondents"); the others
        are None. Each part draws from its own stream, so a part is the same whether computed
        alone or with the others (the export computes them in two processes and joins them
        with :func:`dataclasses.replace`).

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> from bpm_xl.example import load_example
    >>> r = analyse(load_example(), draws=200)
    >>> r.base_grade, 0.0 <= r.respondents.rating_stays <= 1.0
    ('B', True)
    """
    from .evaluation import evaluate

    draws = _check_draws(draws)
    ev = evaluate(inputs) if evaluation is None else evaluation
    base_total, rating = _rated(ev)
    ss = np.random.SeedSequence(int(seed)).spawn(3)
    pert, boot, resp = _monte_carlo(ev, draws, parts, probability, level, respondent_draws, ss, progress)
    s = ev.settings
    dt = ev.dimension_table
    wt = weight_thresholds(dt["weight"].to_numpy(float), dt["score"].to_numpy(float), s.scale_max, s.bands,
                           labels=list(dt["dimension"]), cap=_cap_total(ev))
    return SensitivityResult(draws=draws, seed=int(seed), base_total=base_total,
                             base_score100=float(rating.score100), base_grade=rating.grade,
                             grades=tuple(b.grade for b in s.bands.bands), judgments_perturb=pert,
                             judgments_bootstrap=boot, respondents=resp, weights=wt)


def _monte_carlo(ev: Evaluation, draws: int, parts: tuple[str, ...], probability: float, level: float,
                 respondent_draws: int | None, ss: list[np.random.SeedSequence], progress: Progress | None
                 ) -> tuple[JudgmentSensitivity | None, JudgmentSensitivity | None, RespondentSensitivity | None]:
    """The Monte Carlo parts asked for (None for the others), each from its own stream of ``ss``."""
    unknown = set(parts) - {"perturb", "bootstrap", "respondents"}
    if unknown:
        raise SettingsError(f"parts: unknown part {sorted(unknown)[0]!r}; choose perturb, bootstrap or respondents")
    total = 3 * draws
    pert = judgment_sensitivity(ev, draws, "perturb", probability, np.random.default_rng(ss[0]),
                                progress, 0, total) if "perturb" in parts else None
    boot = judgment_sensitivity(ev, draws, "bootstrap", probability, np.random.default_rng(ss[1]),
                                progress, draws, total) if "bootstrap" in parts else None
    rdraws = draws if respondent_draws is None else _check_draws(respondent_draws)
    resp = respondent_sensitivity(ev, rdraws, level, np.random.default_rng(ss[2]), progress, 2 * draws,
                                  total) if "respondents" in parts else None
    return pert, boot, resp


def respondent_draws_for(respondents: int, draws: int = 10000, budget: int = 20_000_000, floor: int = 500) -> int:
    """Respondent-bootstrap draws within a work budget of ``respondents x draws`` resamples.

    10,000 draws up to 2,000 respondents; fewer beyond (500 at the least), so a rebuild of a
    100,000-respondent workbook stays within seconds. The count used is reported with the result.
    """
    if respondents <= 0:
        return draws
    return int(max(min(draws, budget // respondents), min(floor, draws)))


# ----------------------------------------------------------------------------- many units
@dataclass(frozen=True)
class UnitScores:
    """Scores of many evaluation units at once (one row per unit)."""

    means: np.ndarray        # units x indicators, blanks skipped
    counts: np.ndarray       # units x indicators answers
    totals: np.ndarray       # units
    score100: np.ndarray     # units
    grade_index: np.ndarray  # units, 0-based into bands.bands
    grades: np.ndarray       # units, grade codes (str)
    bands: scoring.RatingBands


def score_units(weights: ArrayLike, surveys: ArrayLike, scale_max: float = 5.0, bands: scoring.RatingBands = scoring.MOF_BANDS,
                scale_min: float = 1.0) -> UnitScores:
    """Indicator means, weighted totals and ratings of many units in one vectorised call.

    Parameters
    ----------
    weights : array-like
        Indicator weights: one vector (shared by every unit) or units x indicators (one row per
        unit, e.g. from :func:`bpm_xl.ahp.ahp_batch`); each row non-negative, summing to 1.
    surveys : array-like
        units x respondents x indicators answers, NaN for a blank (float32 or float64; units with
        fewer respondents are padded with NaN rows).
    scale_max, scale_min : float
        The answer scale; answers outside it raise ScaleError.
    bands : RatingBands

    Returns
    -------
    UnitScores

    Raises
    ------
    MatrixShapeError, ScaleError, MissingValueError

    Examples
    --------
    >>> u = score_units([0.5, 0.5], [[[5, 4], [4, 4]], [[3, 3], [2, np.nan]]])
    >>> u.totals.tolist(), u.grades.tolist()
    ([4.25, 2.75], ['B', 'D'])
    """
    x = _unit_surveys(surveys)
    u, r, m = x.shape
    w = _unit_weights(weights, u, m)
    counts = _unit_counts(x, scale_min, scale_max)
    sums = np.nansum(x, axis=1, dtype=np.float64)
    means = sums / counts
    totals = np.einsum("ui,ui->u", np.broadcast_to(w, means.shape), means)
    score100 = totals / scale_max * 100.0
    gi = grade_index(score100, bands)
    grades = np.array([b.grade for b in bands.bands])[gi]
    return UnitScores(means=means, counts=counts, totals=totals, score100=score100, grade_index=gi,
                      grades=grades, bands=bands)


def _unit_surveys(surveys: ArrayLike) -> np.ndarray:
    """The answers as a float array of units x respondents x indicators, refused in any other shape."""
    x = np.asarray(surveys)
    if x.dtype.kind not in "f":
        x = x.astype(np.float64)
    if x.ndim != 3 or 0 in x.shape:
        raise MatrixShapeError(f"surveys: must be units x respondents x indicators but is "
                               f"{' x '.join(map(str, x.shape))}")
    return x


def _unit_weights(weights: ArrayLike, u: int, m: int) -> np.ndarray:
    """The weights as rows (one shared row or one per unit), each refused unless non-negative and summing to 1."""
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2 or w.shape[1] != m or w.shape[0] not in (1, u):
        raise MatrixShapeError(f"weights: must be {m} weights or {u} x {m} but is "
                               f"{' x '.join(map(str, w.shape))}")
    if not np.isfinite(w).all() or (w < 0).any() or (np.abs(w.sum(axis=1) - 1.0) > 1e-6).any():
        row = int(np.flatnonzero(~np.isfinite(w).all(axis=1) | (w < 0).any(axis=1)
                                 | (np.abs(w.sum(axis=1) - 1.0) > 1e-6))[0])
        raise ScaleError(f"weights: row {row + 1} must be non-negative numbers summing to 1")
    return w


def _unit_counts(x: np.ndarray, scale_min: float, scale_max: float) -> np.ndarray:
    """Answers per unit and indicator, refused where an answer lies off the scale or an indicator has none."""
    have = ~np.isnan(x)
    bad = have & ((x < scale_min) | (x > scale_max))
    if bad.any():
        i, j, k = (int(v) for v in np.argwhere(bad)[0])
        raise ScaleError(f"surveys: unit {i + 1}, respondent {j + 1}, indicator {k + 1} is {x[i, j, k]:g}; "
                         f"answers must be between {scale_min:g} and {scale_max:g}")
    counts: np.ndarray = have.sum(axis=1)
    if (counts == 0).any():
        i, k = (int(v) for v in np.argwhere(counts == 0)[0])
        raise MissingValueError(f"surveys: unit {i + 1}, indicator {k + 1} has no answers")
    return counts
