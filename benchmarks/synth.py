"""Synthetic, seeded inputs for the benchmarks (no I/O, no timing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bpm_xl.ahp import SAATY_SCALE

__all__ = ["random_reciprocal", "survey_array", "synthetic_inputs"]


def random_reciprocal(k: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """k random reciprocal n x n matrices, upper triangle drawn uniformly from the 17 Saaty values."""
    iu, ju = np.triu_indices(n, 1)
    a = np.ones((k, n, n))
    up = SAATY_SCALE[rng.integers(0, SAATY_SCALE.size, (k, iu.size))]
    a[:, iu, ju] = up
    a[:, ju, iu] = 1.0 / up
    return a


def survey_array(shape, rng: np.random.Generator, blank: float = 0.02, dtype=np.float64) -> np.ndarray:
    """Answers 1-5 (ints stored as floats) with a share ``blank`` of NaN."""
    x = rng.integers(1, 6, shape).astype(dtype)
    x[rng.random(shape) < blank] = np.nan
    return x


def synthetic_inputs(n_dims: int, per_dim: int, respondents: int, n_experts: int = 5, seed: int = 1):
    """EvaluationInputs with ``n_dims x per_dim`` indicators, near-consistent panels and a random survey."""
    from bpm_xl.evaluation import EvaluationInputs, Expert, Settings
    from bpm_xl.model import PDCA_STAGES, Dimension, Indicator, IndicatorSystem

    rng = np.random.default_rng(seed)
    dims = tuple(Dimension(f"D{d + 1}", f"维度{d + 1}", f"Dimension {d + 1}") for d in range(n_dims))
    inds = tuple(Indicator(f"D{d + 1}I{i + 1}", f"指标{d + 1}-{i + 1}", f"Indicator {d + 1}-{i + 1}", f"D{d + 1}",
                           PDCA_STAGES[i % 4]) for d in range(n_dims) for i in range(per_dim))
    system = IndicatorSystem(dims, inds)
    experts = tuple(Expert(f"E{k + 1:02d}", f"Expert {k + 1}", 0.8, 0.8) for k in range(n_experts))
    judgments = {}
    for node in system.nodes():
        n = len(system.children(node))
        w = rng.uniform(0.5, 3.0, n)
        judgments[node] = {}
        for e in experts:
            noisy = np.log(w[:, None] / w[None, :]) + rng.normal(0, 0.2, (n, n))
            idx = np.abs(noisy[..., None] - np.log(SAATY_SCALE)).argmin(axis=-1)
            m = SAATY_SCALE[idx]
            iu, ju = np.triu_indices(n, 1)
            m[ju, iu] = 1.0 / m[iu, ju]
            np.fill_diagonal(m, 1.0)
            judgments[node][e.code] = m
    survey = pd.DataFrame(survey_array((respondents, len(inds)), rng), columns=list(system.codes))
    rounds = tuple(pd.DataFrame(rng.integers(3, 6, (n_experts, len(inds))), columns=list(system.codes),
                                index=[e.code for e in experts], dtype=object) for _ in range(2))
    return EvaluationInputs(system=system, settings=Settings(), experts=experts, judgments=judgments,
                            delphi_rounds=rounds, survey=survey, title="synthetic")
