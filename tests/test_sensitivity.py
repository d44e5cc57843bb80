"""Tests of bpm_xl.sensitivity: reproducibility, ranges, intervals, thresholds, zero spread."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bpm_xl import ahp, scoring
from bpm_xl.errors import MatrixShapeError, MissingValueError, ScaleError, SettingsError
from bpm_xl.evaluation import EvaluationInputs, Expert, Settings, evaluate
from bpm_xl.example import load_example
from bpm_xl.model import default_system
from bpm_xl.sensitivity import (
    analyse,
    grade_index,
    judgment_sensitivity,
    respondent_sensitivity,
    score_units,
    weight_thresholds,
)

DRAWS = 400


@pytest.fixture(scope="module")
def example():
    inputs = load_example()
    return inputs, evaluate(inputs)


@pytest.fixture(scope="module")
def result(example):
    inputs, ev = example
    return analyse(inputs, draws=DRAWS, evaluation=ev)


def consistent_inputs(n_experts=4, seed=1, aggregation="aij"):
    """Every expert gives the same perfectly consistent matrices w_i / w_j."""
    rng = np.random.default_rng(seed)
    system = default_system()
    judgments = {}
    for node in system.nodes():
        w = rng.uniform(0.5, 2.0, len(system.children(node)))
        m = w[:, None] / w[None, :]
        judgments[node] = {f"E{k}": m.copy() for k in range(n_experts)}
    experts = tuple(Expert(f"E{k}", f"expert {k}", 0.5 + 0.1 * k, 0.8) for k in range(n_experts))
    survey = pd.DataFrame(rng.integers(1, 6, (50, len(system.codes))), columns=list(system.codes), dtype=object)
    return EvaluationInputs(system=system, settings=Settings(aggregation=aggregation), experts=experts,
                            judgments=judgments, delphi_rounds=(), survey=survey)


# --- reproducibility and ranges ----------------------------------------------------------
def test_same_seed_same_result(example, result):
    inputs, ev = example
    again = analyse(inputs, draws=DRAWS, evaluation=ev)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(result.to_dict(), sort_keys=True)
    np.testing.assert_array_equal(again.judgments_perturb.totals, result.judgments_perturb.totals)


def test_other_seed_other_draws(example, result):
    inputs, ev = example
    other = analyse(inputs, draws=DRAWS, seed=7, evaluation=ev)
    assert not np.array_equal(other.respondents.totals, result.respondents.totals)


def test_to_dict_is_strict_json(result):
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert '"base"' in text and '"weights"' in text


def test_probabilities_in_unit_interval(result):
    parts = (result.judgments_perturb, result.judgments_bootstrap, result.respondents)
    for part in parts:
        assert 0.0 <= part.rating_stays <= 1.0
        shares = np.array(list(part.grade_shares.values()))
        assert ((shares >= 0) & (shares <= 1)).all()
        assert shares.sum() == pytest.approx(1.0)
        assert part.rating_stays == pytest.approx(part.grade_shares[result.base_grade])


def test_base_matches_evaluation(example, result):
    _, ev = example
    assert result.base_total == ev.total
    assert result.base_grade == ev.rating.grade
    np.testing.assert_allclose(result.judgments_perturb.base_weights, ev.hierarchy.global_weights, atol=1e-15)


def test_global_weight_draws_sum_to_one(result):
    jp = result.judgments_perturb
    assert jp.weight_mean.sum() == pytest.approx(1.0, abs=1e-12)
    assert (jp.weight_low <= jp.weight_mean).all() and (jp.weight_mean <= jp.weight_high).all()


def test_respondent_interval_contains_base_total(result):
    r = result.respondents
    assert r.total.low < result.base_total < r.total.high
    assert r.score100.low < result.base_score100 < r.score100.high
    assert r.invalid_draws == 0
    assert (r.dimension_low < r.dimension_high).all()


def test_respondent_bootstrap_means_are_means_of_resampled_rows(example):
    # one draw recomputed by hand: the draw's counts are the multinomial the generator gives
    inputs, ev = example
    rng = np.random.default_rng(3)
    r = respondent_sensitivity(ev, draws=2, rng=rng)
    x = inputs.survey[list(ev.system.codes)].apply(pd.to_numeric).to_numpy(float)
    c = np.random.default_rng(3).multinomial(x.shape[0], np.full(x.shape[0], 1 / x.shape[0]), size=2)
    rows = np.repeat(x, c[0], axis=0)
    means = scoring.indicator_scores(rows).mean
    total = scoring.weighted_score(ev.hierarchy.global_weights, means)
    assert r.totals[0] == pytest.approx(total, rel=1e-12)


def test_judgment_perturbation_spreads_weights(result):
    assert result.judgments_perturb.total.sd > 0
    assert (result.judgments_perturb.weight_sd > 0).all()
    assert result.judgments_bootstrap.total.sd > 0


def test_progress_reports_every_part(example):
    inputs, ev = example
    seen = []
    analyse(inputs, draws=10, progress=lambda d, t: seen.append((d, t)), evaluation=ev)
    assert seen[-1] == (30, 30)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# --- zero spread -------------------------------------------------------------------------
@pytest.mark.parametrize("aggregation", ["aij", "aip"])
def test_consistent_panel_zero_perturbation_gives_zero_spread(aggregation):
    inputs = consistent_inputs(aggregation=aggregation)
    ev = evaluate(inputs)
    for mode in ("perturb", "bootstrap"):
        js = judgment_sensitivity(ev, draws=200, mode=mode, probability=0.0, rng=5)
        assert js.total.sd <= 1e-12
        assert js.weight_sd.max() <= 1e-12
        np.testing.assert_allclose(js.weight_mean, ev.hierarchy.global_weights, atol=1e-12)
        assert js.total.mean == pytest.approx(ev.total, abs=1e-12)
        assert js.rating_stays == 1.0


def test_zero_probability_reproduces_base_weights_of_example(example):
    _, ev = example
    js = judgment_sensitivity(ev, draws=50, probability=0.0, rng=1)
    np.testing.assert_allclose(js.weight_mean, ev.hierarchy.global_weights, atol=1e-13)
    assert js.total.sd <= 1e-12


def test_aip_runs_on_the_example():
    inputs = load_example(Settings(aggregation="aip"))
    ev = evaluate(inputs)
    js = judgment_sensitivity(ev, draws=50, probability=0.0, rng=1)
    np.testing.assert_allclose(js.weight_mean, ev.hierarchy.global_weights, atol=1e-13)


# --- weight sensitivity: the threshold really flips the rating ---------------------------
def _rating_at(ev, dim: str, x: float):
    """Rating with dimension ``dim`` at weight x, others rescaled, via the core functions."""
    dt = ev.dimension_table
    a = dt["weight"].to_numpy(float)
    j = list(dt["dimension"]).index(dim)
    new = a * (1 - x) / (1 - a[j])
    new[j] = x
    it = ev.indicator_table
    # lists: ahp.global_weights rejects 1-D float ndarrays (reported to the lead)
    gw = ahp.global_weights(new.tolist(), it["local_weight"].tolist(), list(it["dimension"]),
                            parent_labels=list(dt["dimension"]))
    total = scoring.weighted_score(gw, it["mean_score"].to_numpy(float))
    return scoring.rate(total, ev.settings.scale_max, ev.settings.bands).grade


def test_example_has_thresholds(result):
    assert any(d.increase.weight is not None or d.decrease.weight is not None for d in result.weights)


@pytest.mark.parametrize("eps", [1e-7, 1e-5])
def test_weight_threshold_flips_rating(example, result, eps):
    _, ev = example
    base = ev.rating.grade
    for d in result.weights:
        for th, sign in ((d.increase, 1), (d.decrease, -1)):
            if th.weight is None:
                # none within [0, 1]: T is linear in x, so both ends of the direction keep the grade
                end = 1.0 if sign > 0 else 0.0
                if d.weight < 1.0:
                    assert _rating_at(ev, d.dimension, end) == base
                continue
            assert _rating_at(ev, d.dimension, th.weight - sign * eps) == base
            assert _rating_at(ev, d.dimension, th.weight + sign * eps) == th.grade_after != base
            assert th.delta == pytest.approx(th.weight - d.weight)


def test_weight_thresholds_formula_example():
    first = weight_thresholds([0.5, 0.5], [4.6, 3.6])[0]
    up, down = first.increase, first.decrease
    # the grade follows ROUND(score100, 2): 89.995 points (weight 0.89975) already rate A,
    # and below 79.995 points (weight 0.39975) the rating falls to C
    assert up.weight == pytest.approx(0.89975, abs=1e-12) and up.grade_after == "A"
    assert down.weight == pytest.approx(0.39975, abs=1e-12) and down.grade_after == "C"


def test_weight_thresholds_equal_scores_never_change():
    for d in weight_thresholds([0.3, 0.7], [4.2, 4.2]):
        assert d.increase.weight is None and d.decrease.weight is None
        assert d.increase.text == "none within [0,1]"


def test_weight_thresholds_bad_weights():
    with pytest.raises(ScaleError, match="dimension_weights: must be non-negative numbers summing to 1"):
        weight_thresholds([0.3, 0.3], [4, 4])
    with pytest.raises(MatrixShapeError, match="dimension_scores: 1 scores for 2 weights"):
        weight_thresholds([0.5, 0.5], [4])


def test_bad_settings():
    ev = evaluate(consistent_inputs())
    with pytest.raises(SettingsError, match="draws: must be a whole number of at least 2"):
        judgment_sensitivity(ev, draws=1)
    with pytest.raises(SettingsError, match="probability: 1.5 must lie between 0 and 1"):
        judgment_sensitivity(ev, draws=10, probability=1.5)
    with pytest.raises(SettingsError, match='mode: unknown mode "jackknife"'):
        judgment_sensitivity(ev, draws=10, mode="jackknife")


# --- grades and many units --------------------------------------------------------------
def test_grade_index_matches_band_of():
    scores = np.linspace(0, 100, 2001)
    idx = grade_index(scores, scoring.MOF_BANDS)
    expected = [scoring.MOF_BANDS.bands.index(scoring.MOF_BANDS.band_of(s)) for s in scores]
    assert idx.tolist() == expected


def test_score_units_matches_core_per_unit():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, (7, 30, 4)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    w = rng.dirichlet(np.ones(4), size=7)
    u = score_units(w, x)
    for k in range(7):
        sc = scoring.indicator_scores(x[k])
        total = scoring.weighted_score(w[k], sc.mean)
        assert u.totals[k] == pytest.approx(total, rel=1e-14)
        np.testing.assert_array_equal(u.counts[k], sc.count)
        assert u.grades[k] == scoring.rate(total).grade


def test_score_units_shared_weights_and_errors():
    x = np.full((2, 3, 2), 4.0)
    assert score_units([0.5, 0.5], x).totals.tolist() == [4.0, 4.0]
    bad = x.copy()
    bad[1, 2, 0] = 7
    with pytest.raises(ScaleError, match="surveys: unit 2, respondent 3, indicator 1 is 7"):
        score_units([0.5, 0.5], bad)
    blank = x.copy()
    blank[0, :, 1] = np.nan
    with pytest.raises(MissingValueError, match="surveys: unit 1, indicator 2 has no answers"):
        score_units([0.5, 0.5], blank)
    with pytest.raises(ScaleError, match="weights: row 1 must be non-negative numbers summing to 1"):
        score_units([0.5, 0.6], x)
    with pytest.raises(MatrixShapeError, match="weights: must be 2 weights or 2 x 2"):
        score_units([1.0], x)


def test_sensitivity_does_not_import_xlwings():
    import subprocess
    import sys

    code = "import sys, bpm_xl.sensitivity; print('xlwings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_respondent_draws_budget_caps_large_surveys_and_is_recorded():
    from bpm_xl import load_example
    from bpm_xl.sensitivity import analyse, respondent_draws_for

    assert respondent_draws_for(200) == 10_000
    assert respondent_draws_for(100_000) == 500
    assert respondent_draws_for(20_000) == 1_000
    r = analyse(load_example(), draws=300, respondent_draws=120)
    assert r.respondents.draws == 120 and r.judgments_perturb.draws == 300


@pytest.mark.parametrize("blank_pairs", [False, True])
def test_the_sparse_aij_perturbation_is_the_dense_one(blank_pairs):
    """_perturbed_aij (base group logs plus the moved judgments' weighted changes) gives the
    weights the dense path gives (every draw's D x K x P logs aggregated), from the same random
    numbers; with pairs some experts left blank the change is divided by the pair's weight."""
    from bpm_xl import sensitivity as se

    inputs = consistent_inputs(n_experts=5, seed=3)
    if blank_pairs:
        rng = np.random.default_rng(4)
        mats = {}
        for node, per_expert in inputs.judgments.items():
            mats[node] = {}
            for code, m in per_expert.items():
                m = np.array(m, dtype=float)
                n = len(m)
                if n > 2 and rng.random() < 0.6:      # one pair left blank on both sides
                    i, j = 0, int(rng.integers(1, n))
                    m[i, j] = m[j, i] = np.nan
                mats[node][code] = m
        inputs = inputs.__class__(**{**inputs.__dict__, "judgments": mats})
    ev = evaluate(inputs)
    nodes, info = se._base(ev)
    s = info["settings"]
    assert blank_pairs == any(not nd.given.all() for nd in nodes)
    for node in nodes:
        k, _ = node.logs.shape
        sparse = se._perturbed_aij(node, 300, 0.3, np.random.default_rng(11), s)
        logs = se._perturbed(node, 300, 0.3, np.random.default_rng(11))
        dense = se._node_weights(node, np.ascontiguousarray(logs), np.broadcast_to(node.panel_weights, (300, k)), s)
        np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=1e-15)
        assert node.n == 1 or np.ptp(dense, axis=0).max() > 1e-3   # the draws do move


def test_the_expert_bootstrap_weighs_the_judgments_as_every_draw_would():
    """The bootstrap passes the judgments once (K x P); the weights are those of the same
    judgments repeated for every draw, under both aggregations."""
    from bpm_xl import sensitivity as se

    for aggregation in ("aij", "aip"):
        ev = evaluate(consistent_inputs(n_experts=4, seed=5, aggregation=aggregation))
        nodes, info = se._base(ev)
        rng = np.random.default_rng(2)
        for node in nodes:
            k, p = node.logs.shape
            wts = rng.random((50, k)) + 0.1
            once = se._node_weights(node, node.logs, wts, info["settings"])
            each = se._node_weights(node, np.ascontiguousarray(np.broadcast_to(node.logs, (50, k, p))), wts,
                                    info["settings"])
            np.testing.assert_allclose(once, each, rtol=1e-12, atol=1e-15)


def test_a_pending_evaluation_is_refused_by_name(example):
    """Every part varies the total and the grade: while a score is pending there are none."""
    inputs, _ = example
    pending = replace(inputs, survey=inputs.survey.iloc[:0])
    ev = evaluate(pending)
    with pytest.raises(MissingValueError, match="sensitivity: .*pending"):
        analyse(pending, draws=20, evaluation=ev)
    with pytest.raises(MissingValueError, match="sensitivity: .*pending"):
        judgment_sensitivity(ev, draws=20, rng=1)


def test_a_result_without_the_monte_carlo_parts_is_json_safe(example):
    inputs, ev = example
    d = analyse(inputs, draws=20, evaluation=ev, parts=()).to_dict()
    assert (d["judgments"], d["respondents"]) == ({"perturb": None, "bootstrap": None}, None)
    json.dumps(d, allow_nan=False)
