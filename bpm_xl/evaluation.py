"""The single entry point: a whole evaluation's inputs in, one result object out.

Every later layer (the Excel functions, the workbook macro, the command line, the report)
calls :func:`evaluate`; none of them re-implements a step of it.

Steps, in order:

1. expert weights: authority coefficients Cr = (Ca + Cs) / 2 normalised to sum 1
   (``expert_weighting="authority"``) or equal weights;
2. for every comparison node (the goal, each dimension, each inner group): each expert's matrix checked
   and weighted, the panel's judgments aggregated by the weighted geometric mean (AIJ) and
   weighed, or the experts' priorities aggregated (AIP); consistency of the aggregated
   matrix, its most inconsistent judgments and a repair suggestion when CR >= threshold.
   A system weighted by points (分值) takes each node's weights from its children's points
   instead (the matrix of their ratios, consistent by construction: CR 0);
3. global weights = the product of the local weights down the tree; the hierarchy's overall CR;
4. every indicator's score by its type (:mod:`bpm_xl.leaves`: survey mean, data 评分标准,
   the panel's scores, a direct score) -> weighted total, the score caps, 100-point score
   and rating; an indicator whose input is still blank (no answer, no value) is *pending*:
   its score is NaN, and the total, rating, fuzzy evaluation and priorities are None until
   every indicator has its score (``Evaluation.status`` says which);
5. Delphi rounds: per-indicator statistics, Kendall's W, screening, comparison of rounds;
6. fuzzy comprehensive evaluation from the survey's answer shares (when every indicator is
   scored by the survey; indicators of other types have no answer shares);
7. improvement priorities (weighted gaps) with dimension and PDCA stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from . import ahp, datascore, delphi, leaves, scoring
from .errors import MissingValueError, ModelError, SettingsError
from .leaves import Cap, CapApplied, DataEntry, DirectScore
from .model import GOAL, PDCA_LABELS, IndicatorSystem

__all__ = [
    "Meta",
    "RepairHint",
    "MatrixRepair",
    "judgment_argument",
    "delphi_argument",
    "unjudged_error",
    "SURVEY_ARGUMENT",
    "Settings",
    "settings_errors",
    "Expert",
    "EvaluationInputs",
    "NodeResult",
    "DelphiRound",
    "DelphiSummary",
    "Evaluation",
    "evaluate",
    "COMPLETE",
    "PENDING_SURVEY",
]

AGGREGATIONS = ("aij", "aip")

#: ``Evaluation.status``: every figure computed.
COMPLETE = "complete"
#: ``Evaluation.status``: weights, consistency and Delphi figures computed; the scores of the
#: indicators nobody has answered yet, the total, rating, fuzzy evaluation and priorities wait
#: for the survey.
PENDING_SURVEY = "pending_survey"

#: The argument name of the survey in evaluate()'s errors (readers map it to cells).
SURVEY_ARGUMENT = "survey"


def judgment_argument(node: str, expert: str) -> str:
    """The argument name evaluate() gives one expert's matrix of one node in its errors.

    >>> judgment_argument("GOAL", "E01"), judgment_argument("D2", "E01")
    ('judgments goal, expert E01', 'judgments dimension D2, expert E01')
    """
    return f"judgments {_label(node)}, expert {expert}"


def unjudged_error(node: str) -> MissingValueError:
    """What evaluate() refuses when no expert has a matrix for ``node``."""
    label = _label(node)
    return MissingValueError(f"judgments: no expert judged {label}; enter at least one matrix",
                             argument=f"judgments {label}")


def delphi_argument(round_number: int) -> str:
    """The argument name of Delphi round ``round_number`` (1-based) in evaluate()'s errors."""
    return f"Delphi round {round_number}"


def _label(node: str) -> str:
    return "goal" if node == GOAL else f"dimension {node}"


@dataclass(frozen=True, slots=True)
class Meta:
    """What the evaluation is about; shown in titles, never used in a figure."""

    unit: str = ""
    year: str = ""
    evaluator: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"unit": self.unit, "year": self.year, "evaluator": self.evaluator}


@dataclass(frozen=True, slots=True)
class RepairHint:
    """One judgment to change: the pair (codes, 1-based row/column), its value now, the
    suggested value on the 1-9 scale (never equal to the current one) and the CR after it."""

    row: int
    column: int
    row_code: str
    column_code: str
    current: float
    suggested: float
    cr_after: float

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "row_code": self.row_code,
                "column_code": self.column_code, "current": self.current, "suggested": self.suggested,
                "cr_after": self.cr_after}


@dataclass(frozen=True, slots=True)
class MatrixRepair:
    """The core's minimal repair (:func:`bpm_xl.ahp.suggest_repair`) of one failing matrix:
    the aggregate of a node (``expert`` None) or one expert's matrix."""

    node: str
    expert: str | None
    cr: float
    changes: tuple[RepairHint, ...]
    cr_after: float
    reached: bool

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "expert": self.expert, "cr": self.cr,
                "changes": [c.to_dict() for c in self.changes], "cr_after": self.cr_after,
                "reached": self.reached}


def _hints(repair: ahp.Repair, children: Sequence[str]) -> tuple[RepairHint, ...]:
    out = []
    for j in repair.changes:
        if math.isclose(j.value, j.scale_value, rel_tol=1e-9):
            continue  # a change that changes nothing is no hint
        out.append(RepairHint(int(j.row) + 1, int(j.col) + 1, children[j.row], children[j.col],
                              float(j.value), float(j.scale_value), float(j.cr_after)))
    return tuple(out)


def _matrix_repair(node: str, expert: str | None, result: ahp.AhpResult, children: Sequence[str],
                   s: "Settings") -> MatrixRepair | None:
    if result.consistency_ratio < s.cr_threshold or len(children) <= 2:
        return None
    rep = ahp.suggest_repair(result, s.cr_threshold, s.method, s.random_index)
    return MatrixRepair(node, expert, float(result.consistency_ratio), _hints(rep, children),
                        float(rep.result.consistency_ratio), bool(rep.reached))
EXPERT_WEIGHTINGS = ("authority", "equal")


@dataclass(frozen=True)
class Settings:
    """Choices that change figures. Every result records the settings that produced it."""

    method: str = "eigen"
    random_index: str = "cn"
    aggregation: str = "aij"
    expert_weighting: str = "authority"
    scale_min: float = 1.0
    scale_max: float = 5.0
    bands: scoring.RatingBands = field(default_factory=lambda: scoring.MOF_BANDS)
    min_mean: float = 3.5
    max_cv: float = 0.25
    cr_threshold: float = 0.10
    caps: tuple[Cap, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "caps", tuple(self.caps))
        errors = settings_errors(self.method, self.random_index, self.aggregation, self.expert_weighting,
                                 self.scale_min, self.scale_max, self.cr_threshold)
        if errors:
            raise errors[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "random_index": self.random_index,
            "aggregation": self.aggregation,
            "expert_weighting": self.expert_weighting,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "bands": _bands_dict(self.bands),
            "min_mean": self.min_mean,
            "max_cv": self.max_cv,
            "cr_threshold": self.cr_threshold,
            "caps": [c.to_dict() for c in self.caps],
        }


def settings_errors(method: str | None = None, random_index: str | None = None, aggregation: str | None = None,
                    expert_weighting: str | None = None, scale_min: float | None = None,
                    scale_max: float | None = None, cr_threshold: float | None = None) -> list[SettingsError]:
    """Every rule of :class:`Settings` the given values break (the one it raises first); a rule
    over a value not given (None: still blank) is not checked.

    >>> [e.argument for e in settings_errors(method="foo", scale_min=5, scale_max=1)]
    ['method', 'scale_max']
    """
    out = []
    if method is not None and method not in ahp.METHODS:
        out.append(SettingsError(f"settings: method is {method!r}; use one of {', '.join(ahp.METHODS)}",
                                 argument="method"))
    if random_index is not None and random_index not in ahp.RI_TABLES:
        out.append(SettingsError(
            f"settings: random_index is {random_index!r}; use one of {', '.join(ahp.RI_TABLES)}",
            argument="random_index"))
    if aggregation is not None and aggregation not in AGGREGATIONS:
        out.append(SettingsError(
            f"settings: aggregation is {aggregation!r}; use one of {', '.join(AGGREGATIONS)}",
            argument="aggregation"))
    if expert_weighting is not None and expert_weighting not in EXPERT_WEIGHTINGS:
        out.append(SettingsError(
            f"settings: expert_weighting is {expert_weighting!r}; "
            f"use one of {', '.join(EXPERT_WEIGHTINGS)}", argument="expert_weighting"))
    if scale_min is not None and scale_max is not None and not (scale_max > scale_min):
        out.append(SettingsError(
            f"settings: scale_max ({scale_max}) must be greater than scale_min ({scale_min})",
            argument="scale_max"))
    if cr_threshold is not None and not (0 < cr_threshold < 1):
        out.append(SettingsError(f"settings: cr_threshold is {cr_threshold}; it must lie between 0 and 1",
                                 argument="cr_threshold"))
    return out


@dataclass(frozen=True, slots=True)
class Expert:
    """A panel member: code, name and authority self-ratings (Ca judgment basis, Cs familiarity)."""

    code: str
    name: str
    ca: float
    cs: float


@dataclass(frozen=True)
class EvaluationInputs:
    """Everything an evaluation needs.

    ``judgments[node][expert_code]`` is that expert's pairwise matrix for ``node`` (``GOAL``
    compares the dimensions; a dimension code compares its indicators), in the order of
    ``system.children(node)``; blanks allowed (upper triangle or incomplete).
    ``delphi_rounds`` are tables experts x indicator codes of importance ratings.
    ``survey`` is a table respondents x indicator codes of answers on the settings' scale
    (a column for every indicator of type survey). ``data`` holds each data indicator's value
    and 评分标准, ``expert_scores[code][expert]`` the panel's scores of expert indicators,
    ``direct_scores`` the assessed scores of direct ones (:mod:`bpm_xl.leaves`).
    """

    system: IndicatorSystem
    settings: Settings
    experts: tuple[Expert, ...]
    judgments: Mapping[str, Mapping[str, Any]]
    delphi_rounds: tuple[pd.DataFrame, ...]
    survey: pd.DataFrame
    title: str = ""
    delphi_sent: tuple[Any, ...] = ()
    delphi_returned: tuple[Any, ...] = ()
    meta: Meta = Meta()
    data: Mapping[str, DataEntry] = field(default_factory=dict)
    expert_scores: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    direct_scores: Mapping[str, DirectScore] = field(default_factory=dict)

    def with_settings(self, **changes: Any) -> "EvaluationInputs":
        return replace(self, settings=replace(self.settings, **changes))


@dataclass(frozen=True)
class NodeResult:
    """One comparison node: the panel's matrices, their aggregate and its weights."""

    node: str
    children: tuple[str, ...]
    expert_codes: tuple[str, ...]
    expert_results: tuple[ahp.AhpResult, ...]
    aggregated: ahp.AhpResult          # of the AIJ matrix (always computed, for its consistency)
    weights: np.ndarray                # the node's local weights (AIJ result, or AIP when chosen)
    worst: tuple[ahp.Judgment, ...]    # most inconsistent judgments of the aggregate
    repair: ahp.Repair | None          # only when the aggregate's CR >= threshold
    parsed: tuple[np.ndarray, ...] = ()          # each expert's matrix as parsed once (NaN = blank)
    repairs: tuple[MatrixRepair, ...] = ()       # minimal repairs of the failing aggregate and experts

    @property
    def acceptable(self) -> bool:
        return self.aggregated.consistency_ratio < self._threshold

    _threshold: float = 0.10


@dataclass(frozen=True)
class DelphiRound:
    number: int
    stats: delphi.IndicatorStats
    kendall: delphi.KendallResult | None
    screen: delphi.ScreenResult
    n_experts: int

    @property
    def kendall_significant(self) -> bool | None:
        """Whether the experts' agreement is significant (Kendall's W test, p below
        :data:`bpm_xl.delphi.KENDALL_ALPHA`); None without a W (fewer than 2 experts or indicators).
        False is reported as 专家意见协调程度不显著 (expert agreement not significant)."""
        return None if self.kendall is None else self.kendall.significant


@dataclass(frozen=True)
class DelphiSummary:
    rounds: tuple[DelphiRound, ...]
    authority: delphi.AuthorityResult
    comparison: pd.DataFrame | None


@dataclass(frozen=True)
class Evaluation:
    """All figures of one evaluation; ``to_dict()`` is the JSON the CLI prints.

    ``status`` is :data:`COMPLETE`, or :data:`PENDING_SURVEY` while some indicator has no
    survey answer (``pending`` names them): then their ``mean_score`` and ``weighted_score``
    are NaN, a dimension holding one has NaN scores, and ``total``, ``rating``, ``fuzzy`` and
    ``priorities`` are None. Weights, consistency and the Delphi figures are always computed.
    """

    inputs: EvaluationInputs
    expert_weights: np.ndarray
    nodes: Mapping[str, NodeResult]
    hierarchy: ahp.HierarchyResult
    indicator_table: pd.DataFrame
    dimension_table: pd.DataFrame
    total: float | None
    rating: scoring.Rating | None
    delphi: DelphiSummary | None
    fuzzy: scoring.FuzzyResult | None
    priorities: pd.DataFrame | None
    pending: tuple[str, ...] = ()     # indicator codes without any survey answer yet
    group_table: pd.DataFrame | None = None          # inner groups below the dimensions (deeper systems)
    cap: CapApplied | None = None                    # the score cap that cut the total, if one did
    data_scores: Mapping[str, Any] = field(default_factory=dict)   # code -> datascore.DataScore

    @property
    def status(self) -> str:
        return PENDING_SURVEY if self.pending else COMPLETE

    @property
    def complete(self) -> bool:
        return not self.pending

    @property
    def meta(self) -> Meta:
        return self.inputs.meta

    @property
    def repairs(self) -> tuple[MatrixRepair, ...]:
        """Per failing matrix (each node's aggregate, then each expert's), the minimal repair."""
        return tuple(r for nr in self.nodes.values() for r in nr.repairs)

    @property
    def score100(self) -> float | None:
        return None if self.rating is None else self.rating.score100

    @property
    def settings(self) -> Settings:
        return self.inputs.settings

    @property
    def system(self) -> IndicatorSystem:
        return self.inputs.system

    def inconsistent_nodes(self) -> list[NodeResult]:
        t = self.settings.cr_threshold
        return [n for n in self.nodes.values() if n.aggregated.consistency_ratio >= t]

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


# ----------------------------------------------------------------------------------------
def evaluate(inputs: EvaluationInputs) -> Evaluation:
    """Run a whole evaluation.

    Parameters
    ----------
    inputs : EvaluationInputs
        Indicator system, settings, experts, judgment matrices, Delphi rounds, survey.

    Returns
    -------
    Evaluation
        Weights, consistency, scores, total, rating, Delphi summary, fuzzy evaluation and
        improvement priorities, each in input order with full precision.

    Raises
    ------
    BpmError
        Any input a user can get wrong, with the node, expert, row and column named.

    Examples
    --------
    >>> from bpm_xl.example import load_example
    >>> ev = evaluate(load_example())
    >>> ev.rating.grade
    'B'
    """
    s = inputs.settings
    system = inputs.system
    experts = tuple(inputs.experts)
    authority, ew = _expert_weights(experts, s)
    ew_by_code = {e.code: w for e, w in zip(experts, ew)}
    nodes = _nodes(inputs, ew_by_code)
    hier = _hierarchy(system, nodes)
    gw = dict(zip(hier.leaves, np.asarray(hier.global_weights, dtype=float)))
    codes = system.codes
    grades = _grades(s)
    leaves.check_caps(system, s.caps, inputs.data)
    ls = leaves.leaf_scores(system, s, inputs.survey, inputs.data, inputs.expert_scores, inputs.direct_scores,
                            ew_by_code, SURVEY_ARGUMENT)
    means, counts, pending = ls.scores, ls.counts, ls.pending
    gvec = np.array([gw[c] for c in codes])
    total = rating = fuzzy = pri = cap = None
    if not pending:
        total, cap, rating = _rated_total(gvec, means, s, ls)
    node_w = hier.node_weights
    ind_table = _indicator_table(system, nodes, node_w, gvec, means, counts, ls)
    dim_table = _node_table(system, system.dimension_codes, nodes, node_w, ind_table, s)
    group_table = (_node_table(system, system.group_codes, nodes, node_w, ind_table, s)
                   if system.groups else None)
    delphi_summary = _delphi(inputs, authority, s)
    if not pending:
        fuzzy, pri = _fuzzy_and_priorities(system, gvec, means, ls, grades, s)
    return Evaluation(inputs=inputs, expert_weights=ew, nodes=nodes, hierarchy=hier, indicator_table=ind_table,
                      dimension_table=dim_table, total=total, rating=rating, delphi=delphi_summary, fuzzy=fuzzy,
                      priorities=pri, pending=pending, group_table=group_table, cap=cap, data_scores=dict(ls.data))


def _expert_weights(experts: tuple[Expert, ...], s: Settings) -> tuple[delphi.AuthorityResult, np.ndarray]:
    """Step 1: the panel's authority and the experts' weights (by authority or equal)."""
    if not experts:
        raise MissingValueError("experts: the panel is empty; add at least one expert", argument="experts")
    authority = delphi.authority([e.ca for e in experts], [e.cs for e in experts])
    if s.expert_weighting == "authority":
        ew = np.asarray(authority.cr, dtype=float)
        ew = ew / ew.sum()
    else:
        ew = np.full(len(experts), 1.0 / len(experts))
    return authority, ew


def _nodes(inputs: EvaluationInputs, ew_by_code: Mapping[str, float]) -> dict[str, NodeResult]:
    """Step 2: every comparison node's weights, from the panel's judgments or the children's points."""
    system, s = inputs.system, inputs.settings
    nodes: dict[str, NodeResult] = {}
    for node in system.nodes():
        if system.weighting == "points":
            nodes[node] = _points_node(node, system, s)
        else:
            nodes[node] = _node(node, system, inputs.judgments, ew_by_code, s)
    return nodes


def _hierarchy(system: IndicatorSystem, nodes: Mapping[str, NodeResult]) -> ahp.HierarchyResult:
    """Step 3: global weights from the nodes' local weights (AIJ or AIP), and the overall CR.

    The overall CR as Chinese theses report it (层次总排序): CR = sum_j a_j CI_j / sum_j a_j RI_j
    over the nodes below the goal, a_j the node's global weight. The goal matrix is checked on its
    own (层次单排序), so it enters the tree as plain weights, which add nothing to the CR.
    """
    hier = ahp.hierarchy({node: (nodes[node].children, nodes[node].weights) for node in system.nodes()}, GOAL)
    cr_tree: dict[str, tuple[Sequence[str], Any]] = {GOAL: (nodes[GOAL].children, nodes[GOAL].weights)}
    for node in system.nodes()[1:]:
        cr_tree[node] = (nodes[node].children, nodes[node].aggregated)
    return replace(hier, consistency_ratio=ahp.hierarchy(cr_tree, GOAL).consistency_ratio)


def _grades(s: Settings) -> np.ndarray:
    """The fuzzy evaluation's grade values, the answer scale from its top down."""
    grades = np.arange(s.scale_max, s.scale_min - 1, -1, dtype=float)
    if not np.allclose(grades, np.round(grades)) or len(grades) < 2:
        raise SettingsError("settings: the fuzzy evaluation needs an integer answer scale", argument="scale_min")
    return grades


def _rated_total(gvec: np.ndarray, means: np.ndarray, s: Settings,
                 ls: leaves.LeafScores) -> tuple[float, CapApplied | None, scoring.Rating]:
    """Step 4's end: the weighted total under the score caps, and its rating."""
    total = float(scoring.weighted_score(gvec, means, name_w="global weights", name_s="indicator scores"))
    total, cap = leaves.apply_caps(total, s.scale_max, s.caps, ls.data)
    return total, cap, scoring.rate(total, s.scale_max, s.bands)


def _fuzzy_and_priorities(system: IndicatorSystem, gvec: np.ndarray, means: np.ndarray, ls: leaves.LeafScores,
                          grades: np.ndarray, s: Settings) -> tuple[scoring.FuzzyResult | None, pd.DataFrame]:
    """Steps 6 and 7: the fuzzy evaluation (survey-scored systems only) and the improvement priorities."""
    codes = system.codes
    fuzzy = None
    if ls.memberships is not None:
        fuzzy = scoring.fuzzy_evaluation(gvec, ls.memberships, grade_values=grades)
    pri = scoring.improvement_priorities(
        list(codes),
        gvec,
        means,
        scale_max=s.scale_max,
        dimensions=[system.indicator(c).dimension for c in codes],
        stages=[system.indicator(c).pdca for c in codes],
    )
    return fuzzy, pri


def _indicator_table(system: IndicatorSystem, nodes: Mapping[str, NodeResult], node_w: Mapping[str, float],
                     gvec: np.ndarray, means: np.ndarray, counts: np.ndarray, ls: leaves.LeafScores) -> pd.DataFrame:
    rows = []
    for k, ind in enumerate(system.ordered_indicators()):
        parent = nodes[ind.parent_code]
        ds = ls.data.get(ind.code)
        rows.append(
            {
                "dimension": ind.dimension,
                "code": ind.code,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "pdca": ind.pdca,
                "dimension_weight": float(node_w[ind.dimension]),
                "local_weight": float(parent.weights[parent.children.index(ind.code)]),
                "global_weight": float(gvec[k]),
                "mean_score": float(means[k]),
                "answers": int(counts[k]),
                "weighted_score": float(gvec[k] * means[k]),
                "parent": ind.parent_code,
                "level": system.level(ind.code),
                "kind": ind.kind,
                "value": np.nan if ds is None else float(ds.value),
                "fraction": np.nan if ds is None else float(ds.fraction),
            }
        )
    return pd.DataFrame(rows)


def _node_table(system: IndicatorSystem, codes: Sequence[str], nodes: Mapping[str, NodeResult],
                node_w: Mapping[str, float], ind_table: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """One row per dimension (or inner group): its weight under its parent, its global weight,
    its contribution to the total, and its own score (a NaN while an indicator below it is pending)."""
    rows = []
    for code in codes:
        below = {i.code for i in system.indicators_of(code)}
        part = ind_table[ind_table["code"].isin(below)]
        parent = nodes[system.parent_of(code)]
        contribution = float(part["weighted_score"].sum(min_count=len(part), skipna=False))
        own = contribution / node_w[code]
        row = {
            "dimension": code if system.level(code) == 1 else system.path(code)[0],
            "code": code,
            "name_zh": system.label(code, "zh"),
            "name_en": system.label(code, "en"),
            "weight": float(parent.weights[parent.children.index(code)]),
            "global_weight": float(node_w[code]),
            "contribution": contribution,
            "score": own,
            "score100": own / s.scale_max * 100.0,
            "cr": float(nodes[code].aggregated.consistency_ratio),
            "parent": system.parent_of(code),
            "level": system.level(code),
        }
        if system.level(code) == 1:
            del row["code"]
        rows.append(row)
    return pd.DataFrame(rows)


def _node(
    node: str,
    system: IndicatorSystem,
    judgments: Mapping[str, Mapping[str, Any]],
    ew_by_code: Mapping[str, float],
    s: Settings,
) -> NodeResult:
    children = system.children(node)
    by_expert = judgments.get(node) or {}
    if not by_expert:
        raise unjudged_error(node)
    codes, results, mats, wts = _expert_matrices(node, children, by_expert, ew_by_code, s)
    w = np.asarray(wts, dtype=float)
    w = w / w.sum()
    label = _label(node)
    agg_matrix = ahp.aggregate_parsed(mats, w, name=f"judgments {label}")
    agg = ahp.weigh_parsed(agg_matrix, s.method, s.random_index, name=f"aggregate of {label}")
    if s.aggregation == "aip":
        weights = np.asarray(ahp.aggregate_priorities(np.stack([r.weights for r in results]), w))
    else:
        weights = np.asarray(agg.weights)
    n = len(children)
    worst = ahp.inconsistent_judgments(agg, min(3, n * (n - 1) // 2), s.method, s.random_index) if n > 2 else ()
    repair = None
    if agg.consistency_ratio >= s.cr_threshold:
        repair = ahp.suggest_repair(agg, s.cr_threshold, s.method, s.random_index)
    repairs = []
    if repair is not None:
        repairs.append(MatrixRepair(node, None, float(agg.consistency_ratio), _hints(repair, children),
                                    float(repair.result.consistency_ratio), bool(repair.reached)))
    repairs += [r for r in (_matrix_repair(node, e, res, children, s) for e, res in zip(codes, results)) if r]
    return NodeResult(node=node, children=children, expert_codes=tuple(codes), expert_results=tuple(results),
                      aggregated=agg, weights=weights, worst=tuple(worst), repair=repair, _threshold=s.cr_threshold,
                      parsed=tuple(mats), repairs=tuple(repairs))


def _expert_matrices(node: str, children: Sequence[str], by_expert: Mapping[str, Any],
                     ew_by_code: Mapping[str, float], s: Settings
                     ) -> tuple[list[str], list[ahp.AhpResult], list[np.ndarray], list[float]]:
    """Each expert's matrix of ``node`` parsed and weighed: the experts' codes, results, matrices and weights."""
    label = _label(node)
    codes, results, mats, wts = [], [], [], []
    for ecode, grid in by_expert.items():
        if ecode not in ew_by_code:
            raise ModelError(f"judgments: expert {ecode!r} judged {label} but is not on the panel",
                             argument=judgment_argument(node, ecode))
        name = judgment_argument(node, ecode)
        parsed = ahp.parse_matrix(grid, name=name)  # once: weights, aggregation and sensitivity use it
        if parsed.shape[0] != len(children):
            raise ModelError(
                f"{name}: the matrix is {parsed.shape[0]} x {parsed.shape[0]} but {label} "
                f"has {len(children)} elements; rebuild the workbook after changing the indicators", argument=name
            )
        codes.append(ecode)
        results.append(ahp.weigh_parsed(parsed, s.method, s.random_index, name=name))
        # Aggregate what each expert actually judged: a pair an expert left blank is
        # aggregated over the experts who judged it (the same rule as =AHP_GROUP()).
        mats.append(parsed)
        wts.append(ew_by_code[ecode])
    return codes, results, mats, wts


def _points_node(node: str, system: IndicatorSystem, s: Settings) -> NodeResult:
    """A node weighted by its children's points (分值): the weights are the points' shares.

    The matrix of the points' ratios is consistent (CR 0) and its eigenvector is those shares,
    so every later step reads a points node exactly as a judged one.
    """
    children = system.children(node)
    pts = np.array([system.points_of(c) for c in children], dtype=float)
    matrix = pts[:, None] / pts[None, :]
    agg = ahp.weigh_parsed(matrix, s.method, s.random_index, name=f"points of {_label(node)}")
    weights = pts / pts.sum()
    return NodeResult(node=node, children=children, expert_codes=(), expert_results=(), aggregated=agg,
                      weights=weights, worst=(), repair=None, _threshold=s.cr_threshold)


def _delphi(inputs: EvaluationInputs, authority: delphi.AuthorityResult, s: Settings) -> DelphiSummary | None:
    if not inputs.delphi_rounds:
        return None
    rounds = []
    codes = list(inputs.system.codes)
    for k, frame in enumerate(inputs.delphi_rounds, start=1):
        cols = [c for c in codes if c in frame.columns]
        name = delphi_argument(k)
        if not cols:
            raise MissingValueError(f"{name}: no column matches an indicator code", argument=name)
        values = frame[cols].to_numpy(dtype=object)
        stats = delphi.indicator_stats(values, full_score=s.scale_max, labels=cols, name=name)
        kw = delphi.kendall_w(values, name=name) if values.shape[0] >= 2 and values.shape[1] >= 2 else None
        scr = delphi.screen(stats, min_mean=s.min_mean, max_cv=s.max_cv)
        rounds.append(DelphiRound(k, stats, kw, scr, int(values.shape[0])))
    comparison = None
    if len(inputs.delphi_rounds) >= 2:
        a, b = inputs.delphi_rounds[-2], inputs.delphi_rounds[-1]
        cols = [c for c in codes if c in a.columns and c in b.columns]
        comparison = delphi.compare_rounds(a[cols].to_numpy(dtype=object), b[cols].to_numpy(dtype=object), labels=cols)
    return DelphiSummary(tuple(rounds), authority, comparison)


# ----------------------------------------------------------------------------------------
def _bands_dict(bands: scoring.RatingBands) -> dict[str, Any]:
    return {
        "name": bands.name,
        "bands": [
            {"grade": b.grade, "label_zh": b.label_zh, "label_en": b.label_en, "lower": b.lower}
            for b in bands.bands
        ],
    }


def _f(x: Any) -> Any:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _ahp_dict(r: ahp.AhpResult) -> dict[str, Any]:
    return {
        "weights": [float(v) for v in r.weights],
        "lambda_max": float(r.lambda_max),
        "ci": float(r.consistency_index),
        "ri": float(r.random_index),
        "cr": float(r.consistency_ratio),
        "random_index_table": r.random_index_table,
        "method": r.method,
        "matrix": [[float(v) for v in row] for row in r.matrix],
        "n_missing": int(r.n_missing),
    }


def _judgment_dict(j: ahp.Judgment, children: Sequence[str]) -> dict[str, Any]:
    return {
        "row": int(j.row) + 1,
        "column": int(j.col) + 1,
        "row_code": children[j.row],
        "column_code": children[j.col],
        "value": float(j.value),
        "consistent_value": float(j.consistent_value),
        "scale_value": float(j.scale_value),
        "error": float(j.error),
        "cr_after": float(j.cr_after),
    }


def _frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.floating, float)):
                clean[str(k)] = _f(v)
            elif isinstance(v, (np.integer,)):
                clean[str(k)] = int(v)
            elif isinstance(v, (np.bool_,)):
                clean[str(k)] = bool(v)
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


def _to_dict(ev: Evaluation) -> dict[str, Any]:
    s = ev.settings
    return {
        "title": ev.inputs.title,
        "meta": ev.meta.to_dict(),
        "repairs": [r.to_dict() for r in ev.repairs],
        "settings": s.to_dict(),
        "status": ev.status,
        "pending_indicators": list(ev.pending),
        "total": ev.total,
        "score100": ev.score100,
        "rating": None if ev.rating is None else _rating_dict(ev.rating),
        "experts": [
            {"code": e.code, "name": e.name, "ca": e.ca, "cs": e.cs, "weight": float(w)}
            for e, w in zip(ev.inputs.experts, ev.expert_weights)
        ],
        "nodes": {code: _node_dict(nr, s) for code, nr in ev.nodes.items()},
        "hierarchy": {
            "leaves": list(ev.hierarchy.leaves),
            "global_weights": [float(v) for v in ev.hierarchy.global_weights],
            "consistency_ratio": float(ev.hierarchy.consistency_ratio),
        },
        "indicators": _frame_records(ev.indicator_table),
        "dimensions": _frame_records(ev.dimension_table),
        "groups": None if ev.group_table is None else _frame_records(ev.group_table),
        "weighting": ev.system.weighting,
        "cap": None if ev.cap is None else ev.cap.to_dict(),
        "data": {code: _data_dict(d) for code, d in ev.data_scores.items()},
        "fuzzy": None if ev.fuzzy is None else _fuzzy_dict(ev.fuzzy),
        "priorities": None if ev.priorities is None else _frame_records(ev.priorities),
        "pdca": {k: {"zh": v[0], "en": v[1]} for k, v in PDCA_LABELS.items()},
        "delphi": None if ev.delphi is None else _delphi_dict(ev.delphi),
    }


def _rating_dict(rating: scoring.Rating) -> dict[str, Any]:
    return {
        "grade": rating.grade,
        "label_zh": rating.label_zh,
        "label_en": rating.label_en,
        "bands": _bands_dict(rating.bands),
    }


def _data_dict(d: datascore.DataScore) -> dict[str, Any]:
    return {"value": d.value, "fraction": d.fraction, "score": d.score, "method": d.method,
            "direction": d.rule.direction,
            "parameters": {k: list(v) if isinstance(v, tuple) else v for k, v in d.parameters.items()},
            "standard_zh": d.rule.describe("zh"), "standard_en": d.rule.describe("en")}


def _fuzzy_dict(fuzzy: scoring.FuzzyResult) -> dict[str, Any]:
    return {
        "b": [float(v) for v in fuzzy.b],
        "grade_index": int(fuzzy.grade_index),
        "score": _f(fuzzy.score),
        "grade_values": [float(v) for v in fuzzy.grade_values] if fuzzy.grade_values is not None else None,
    }


def _node_dict(nr: NodeResult, s: Settings) -> dict[str, Any]:
    return {
        "children": list(nr.children),
        "weights": [float(v) for v in nr.weights],
        "aggregated": _ahp_dict(nr.aggregated),
        "acceptable": bool(nr.aggregated.consistency_ratio < s.cr_threshold),
        "experts": {
            ec: {"cr": float(r.consistency_ratio), "weights": [float(v) for v in r.weights], "n_missing": int(r.n_missing)}
            for ec, r in zip(nr.expert_codes, nr.expert_results)
        },
        "worst": [_judgment_dict(j, nr.children) for j in nr.worst],
        "repair": None
        if nr.repair is None
        else {
            "changes": [_judgment_dict(j, nr.children) for j in nr.repair.changes],
            "cr_after": float(nr.repair.result.consistency_ratio),
            "reached": bool(nr.repair.reached),
        },
    }


def _delphi_dict(summary: DelphiSummary) -> dict[str, Any]:
    a = summary.authority
    return {
        "authority": {
            "ca": [float(v) for v in a.ca],
            "cs": [float(v) for v in a.cs],
            "cr": [float(v) for v in a.cr],
            "panel_ca": float(a.panel_ca),
            "panel_cs": float(a.panel_cs),
            "panel_cr": float(a.panel_cr),
        },
        "rounds": [_round_dict(r) for r in summary.rounds],
        "comparison": None if summary.comparison is None else _frame_records(summary.comparison),
    }


def _round_dict(r: DelphiRound) -> dict[str, Any]:
    return {
        "round": r.number,
        "experts": r.n_experts,
        "stats": _frame_records(r.stats.to_frame()),
        "kendall": None if r.kendall is None else _kendall_dict(r.kendall),
        "screen": _frame_records(r.screen.to_frame()),
    }


def _kendall_dict(k: delphi.KendallResult) -> dict[str, Any]:
    return {
        "w": float(k.w),
        "chi2": float(k.chi2),
        "df": int(k.df),
        "p": float(k.p),
        "alpha": delphi.KENDALL_ALPHA,
        "significant": bool(k.significant),
        "flag_zh": None if k.significant else delphi.NOT_SIGNIFICANT[0],
        "flag_en": None if k.significant else delphi.NOT_SIGNIFICANT[1],
    }
