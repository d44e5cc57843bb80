"""Ties ranked by one rule (bpm_xl.ranking) in the core, the numpy mirror and the native formulas.

The worst-judgment table: errors within a relative 1e-12 are tied and go to the lower row, then
the lower column (of the pair i < j). Every 3x3 matrix has its three errors tied (each is the
cube root of the cycle product); circulant matrices (a_ij depends on j - i mod n) with their
rows and columns permuted plant ties at any size. The core, the portable export's mirror (its
cached values) and LibreOffice's and Gnumeric's recalculation of its native formulas must give
the same rows, and every row's position and codes must belong to one pair.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bpm_xl import ahp, ranking, service
from bpm_xl.evaluation import EvaluationInputs, Expert, evaluate
from bpm_xl.example import load_example
from bpm_xl.model import GOAL, Dimension, Indicator, IndicatorSystem
from bpm_xl.writers.portable import _SAATY, _worst_values
from tests import engines
from tests.workbook_harness import read_values
from tests.xlsx_cells import read_cells, split

SCALE = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 2, 3, 5, 7, 9]


# ------------------------------------------------------------------------------ the rule
def test_values_within_the_tolerance_are_tied_and_keep_their_order():
    x = 2.0
    noisy = [x * (1 + 3e-16), x, x * (1 - 5e-16), 1.5, x * (1 + 1e-9)]
    assert ranking.descending_ranks(noisy) == [2, 3, 4, 5, 1]
    assert ranking.descending_order(noisy) == [4, 0, 1, 2, 3]
    # clearly different values: larger first, whatever their order
    assert ranking.descending_order([1.0, 3.0, 2.0]) == [1, 2, 0]
    assert ranking.descending_ranks([1.0, 1.0 + 2e-12]) == [2, 1]


def test_the_native_rank_formula_is_the_rule():
    assert ranking.native_rank("E1:E3", "E3", "E1:E2") == (
        "SUMPRODUCT(--(E1:E3-E3>1E-12*E1:E3))+SUMPRODUCT((E1:E2-E3<=1E-12*E1:E2)*(E3-E1:E2<=1E-12*E3))+1")
    assert ranking.native_rank("E1:E3", "E1") == "SUMPRODUCT(--(E1:E3-E1>1E-12*E1:E3))+1"
    assert float(ranking.TIE_RTOL_TEXT) == ranking.TIE_RTOL


# ------------------------------------------------------------------------------ matrices
def _three(rng) -> np.ndarray:
    a, b, c = rng.choice(SCALE, 3)
    m = np.array([[1, a, b], [1 / a, 1, c], [1 / b, 1 / c, 1]], dtype=float)
    return m


def _circulant(rng, n: int) -> np.ndarray:
    """A reciprocal circulant matrix, rows and columns permuted: errors of one offset are tied."""
    c = {k: float(rng.choice(SCALE)) for k in range(1, n // 2 + 1)}
    for k in range(1, n // 2 + 1):
        c[n - k] = 1 / c[k] if n - k != k else 1.0
    m = np.array([[1.0 if i == j else c[(j - i) % n] for j in range(n)] for i in range(n)])
    if n % 2 == 0:   # the middle offset must be its own reciprocal: 1
        for i in range(n):
            m[i, (i + n // 2) % n] = 1.0
    p = rng.permutation(n)
    return m[np.ix_(p, p)]


def _tie_groups(errs: list[float]) -> int:
    """How many pairs share their error with another pair (exact arithmetic ties found)."""
    return sum(1 for p, x in enumerate(errs) if any(q != p and math.isclose(x, y, rel_tol=1e-9)
                                                    for q, y in enumerate(errs)))


def _errors(m: np.ndarray) -> tuple[list[tuple[int, int]], list[float]]:
    w = ahp.ahp_weights(m).weights
    n = len(w)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return pairs, [max(m[i, j] * w[j] / w[i], m[j, i] * w[i] / w[j]) for i, j in pairs]


@pytest.mark.parametrize("seed", range(40))
def test_a_3x3_matrix_lists_its_tied_judgments_by_row_then_column(seed):
    m = _three(np.random.default_rng(seed))
    pairs, errs = _errors(m)
    assert _tie_groups(errs) == 3 or max(errs) < 1 + 1e-9   # inconsistent: all three tied
    got = ahp.inconsistent_judgments(m, count=None)
    assert [tuple(sorted((j.row, j.col))) for j in got] == [(0, 1), (0, 2), (1, 2)]
    # each reported orientation has e >= 1 and belongs to its pair
    for j in got:
        assert j.error >= 1 - 1e-12
        assert j.value == pytest.approx(m[j.row, j.col], rel=1e-15)


def _mirror_rows(m: np.ndarray, method: str = "eigen") -> list[list]:
    """The portable mirror's per-pair table for matrix ``m`` (weights as the core gives them)."""
    w = ahp.ahp_weights(m, method=method).weights
    n = len(w)
    o = {"A": m.tolist(), "group": {"chosen_v": list(w)}, "pairs": [(i, j) for i in range(n) for j in range(i + 1, n)]}
    return _worst_values(o, [math.log(v) for v in _SAATY])


@pytest.mark.parametrize("seed", range(60))
def test_core_and_mirror_agree_on_planted_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 8))
    m = _circulant(rng, n) if n > 3 else _three(rng)
    pairs, errs = _errors(m)
    if n > 3:
        assert _tie_groups(errs) >= 2, "a circulant matrix plants ties"
    core = ahp.inconsistent_judgments(m, count=None)
    rows = _mirror_rows(m)
    by_rank = sorted(rows, key=lambda r: r[8])
    assert [r[8] for r in by_rank] == list(range(1, len(pairs) + 1))   # a permutation
    assert [(r[10] - 1, r[11] - 1) for r in by_rank] == [(j.row, j.col) for j in core]
    # the rule by hand: ranked by error, ties (to 1e-9 here: far wider than any noise, far
    # narrower than any real difference) by the lower row, then the lower column
    expect = sorted(range(len(pairs)), key=lambda p: (-round(errs[p], 9), pairs[p]))
    assert [tuple(sorted((j.row, j.col))) for j in core] == [pairs[p] for p in expect]


def test_noise_in_the_last_place_does_not_reorder_tied_errors():
    # the same tied errors, one nudged by a few units in the last place either way
    rng = np.random.default_rng(7)
    for _ in range(200):
        e = float(rng.uniform(1, 9))
        vals = [e * (1 + float(rng.integers(-8, 9)) * 2.2e-16) for _ in range(4)]
        assert ranking.descending_order(vals) == [0, 1, 2, 3]


# ------------------------------------------------------------------------------ engines
def _system() -> IndicatorSystem:
    dims = (Dimension("A", "甲", "A"), Dimension("B", "乙", "B"), Dimension("C", "丙", "C"))
    sizes = {"A": 3, "B": 4, "C": 5}
    inds = tuple(Indicator(f"{d}{k}", f"{d}{k}", f"{d}{k}", d, ("plan", "do", "check", "act")[k % 4])
                 for d in sizes for k in range(1, sizes[d] + 1))
    return IndicatorSystem(dims, inds)


def _tied_inputs(seed: int) -> EvaluationInputs:
    """Two experts giving the same matrices (AIJ keeps them): GOAL 3x3, B a permuted 4x4
    circulant, C a permuted 5x5 circulant, A a 3x3."""
    rng = np.random.default_rng(seed)
    system = _system()
    base = load_example()
    mats = {GOAL: _three(rng), "A": _three(rng), "B": _circulant(rng, 4), "C": _circulant(rng, 5)}
    experts = (Expert("E01", "", 0.8, 0.9), Expert("E02", "", 0.6, 0.7))
    judgments = {node: {e.code: m.copy() for e in experts} for node, m in mats.items()}
    codes = list(system.codes)
    survey = pd.DataFrame(rng.integers(1, 6, size=(12, len(codes))).astype(float), columns=codes)
    delphi = pd.DataFrame(rng.integers(3, 6, size=(2, len(codes))).astype(float), columns=codes,
                          index=[e.code for e in experts])
    return replace(base, system=system, experts=experts, judgments=judgments, delphi_rounds=(delphi,),
                   survey=survey, delphi_sent=(2,), delphi_returned=(2,))


@pytest.fixture(scope="module")
def tied_exports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ties")
    out = []
    for seed in (1, 2):
        inputs = _tied_inputs(seed)
        path = service.export_file(inputs, tmp / f"tied-{seed}.xlsx")
        out.append((inputs, evaluate(inputs), path))
    return out


@pytest.fixture(scope="module")
def libreoffice_values(tied_exports, tied_form, tied_gaps, midway_export, tmp_path_factory) -> dict[Path, dict]:
    """Every file of this module recalculated by LibreOffice, in one start: path -> sheet values."""
    paths = [path for *_, path in tied_exports] + [tied_form[0], tied_gaps[2], midway_export[2]]
    outs = engines.recalculate_all(paths, tmp_path_factory.mktemp("ties-lo"))
    return {path: read_values(out) for path, out in zip(paths, outs)}


def _tables(path: Path, values: dict | None = None) -> list[list[tuple]]:
    """The worst-judgment tables of the weights sheet as stored (or as ``values`` give them):
    per table, rows of (row, column, current value, row code, column code)."""
    name = "权重"
    grid = {split(ref): c.value for ref, c in read_cells(path)[name].items()}
    if values is not None:
        grid = {(r, c): v for r, row in enumerate(values[name]) for c, v in enumerate(row) if v is not None}
    heads = sorted(rc for rc, v in grid.items() if v == "行代码 row")
    tables = []
    for r, c in heads:
        rows = []
        k = r + 1
        while isinstance(grid.get((k, 0)), (int, float)):
            rows.append((grid[(k, 0)], grid[(k, 1)], grid[(k, 2)], grid.get((k, c)), grid.get((k, c + 1))))
            k += 1
        tables.append(rows)
    return tables


def _expected(inputs, ev) -> list[list[tuple]]:
    out = []
    for node in inputs.system.nodes():
        nr = ev.nodes[node]
        out.append([(j.row + 1, j.col + 1, j.value, nr.children[j.row], nr.children[j.col]) for j in nr.worst])
    return out


def _same(got: list[list[tuple]], want: list[list[tuple]]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert [x[:2] + x[3:] for x in g] == [x[:2] + x[3:] for x in w]
        for x, y in zip(g, w):
            assert x[2] == pytest.approx(y[2], rel=1e-12)


def test_the_stored_tables_follow_the_rule_and_pair_positions_with_their_codes(tied_exports):
    for inputs, ev, path in tied_exports:
        want = _expected(inputs, ev)
        # every node's table here has ties (3x3: all; circulants: planted)
        for node in inputs.system.nodes():
            m = np.asarray(ev.nodes[node].aggregated.matrix)
            assert _tie_groups(_errors(m)[1]) >= 2
        _same(_tables(path), want)


def _codes_agree(tables: list[list[tuple]], inputs) -> None:
    for node, rows in zip(inputs.system.nodes(), tables):
        children = list(inputs.system.children(node))
        for r, c, _v, rc, cc in rows:
            assert (children[int(r) - 1], children[int(c) - 1]) == (rc, cc)


@pytest.mark.libreoffice
@pytest.mark.skipif(not engines.available(), reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_same_tables(tied_exports, libreoffice_values):
    for inputs, ev, path in tied_exports:
        got = _tables(path, libreoffice_values[path])
        _codes_agree(got, inputs)
        _same(got, _expected(inputs, ev))


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_recalculates_the_same_tables(tied_exports, tmp_path):
    for inputs, ev, path in tied_exports:
        out = engines.gnumeric_recalculate(path, tmp_path / path.name)
        got = _tables(path, read_values(out))
        _codes_agree(got, inputs)
        _same(got, _expected(inputs, ev))


# ------------------------------------------------------------------------------ expert forms
def _form_worst(path: Path, values: dict | None = None) -> list[tuple[object, list]]:
    """Per node block of a form's calculation sheet: (the worst-pair cell's value, pair labels)."""
    from bpm_xl.layout.forms import SHEETS

    name = SHEETS["calc"]["zh"]
    grid = {split(ref): c.value for ref, c in read_cells(path)[name].items()}
    if values is not None:
        grid = {(r, c): v for r, row in enumerate(values[name]) for c, v in enumerate(row) if v not in (None, "")}
    out = []
    for (r, c), v in sorted(grid.items()):
        if v == "pair":
            labels, k = [], r + 1
            while isinstance(grid.get((k, c)), str):
                labels.append(grid[(k, c)])
                k += 1
            worst = next(grid.get((rr, 1)) for (rr, cc), x in sorted(grid.items()) if rr > r and cc == 0 and x == "worst")
            out.append((worst, labels))
    return out


@pytest.fixture(scope="module")
def tied_form(tmp_path_factory):
    """An expert's form whose GOAL (4x4) and F (5x5) judgments are permuted circulants."""
    from bpm_xl.collect import form_specs
    from bpm_xl.writers.forms import write_form

    tmp = tmp_path_factory.mktemp("tied-form")
    hub = tmp / "hub.xlsm"
    service.new_workbook(hub, example=True, with_module=False)
    data, _ = service.read_workbook(hub)
    spec = form_specs(data, 1, "zh", "row")[0]
    rng = np.random.default_rng(11)
    judg = {k: dict(v) for k, v in spec.judgments.items()}
    mats = {}
    for node, title, children in spec.nodes:
        if node not in (GOAL, "F"):
            continue
        codes = [c for c, _ in children]
        while True:
            m = _circulant(rng, len(codes))
            if ahp.ahp_weights(m).consistency_ratio > 0.05:   # inconsistent enough to name a pair
                break
        mats[node] = (codes, m)
        judg[node] = {(codes[i], codes[j]): float(m[i, j]) for i in range(len(codes)) for j in range(i + 1, len(codes))}
    path = tmp / "form.xlsx"
    write_form(replace(spec, judgments=judg), path)
    return path, mats


def test_a_form_names_the_tied_worst_pair_by_row_then_column(tied_form):
    path, mats = tied_form
    blocks = _form_worst(path)
    assert len(blocks) >= 2
    for node, (codes, m) in mats.items():
        j = ahp.inconsistent_judgments(m, count=1)[0]
        i, k = sorted((j.row, j.col))
        pairs = [(a, b) for a in range(len(codes)) for b in range(a + 1, len(codes))]
        hit = [b for b in blocks if len(b[1]) == len(pairs) and b[0] == b[1][pairs.index((i, k))]]
        assert hit, (node, blocks)
        assert _tie_groups(_errors(m)[1]) >= 2


@pytest.mark.libreoffice
@pytest.mark.skipif(not engines.available(), reason="LibreOffice is not installed")
def test_libreoffice_names_the_same_worst_pair_in_the_form(tied_form, libreoffice_values):
    path, _ = tied_form
    assert [b[0] for b in _form_worst(path, libreoffice_values[path])] == [b[0] for b in _form_worst(path)]


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_names_the_same_worst_pair_in_the_form(tied_form, tmp_path):
    path, _ = tied_form
    out = engines.gnumeric_recalculate(path, tmp_path / path.name)
    assert [b[0] for b in _form_worst(out, read_values(out))] == [b[0] for b in _form_worst(path)]


# ------------------------------------------------------------------------------ diagnosis
def _tied_gaps_inputs() -> EvaluationInputs:
    """Indifferent judgments (all 1: equal weights) and the same answers for every indicator of
    a dimension: their weighted gaps are tied, up to the last digits of each engine."""
    rng = np.random.default_rng(5)
    base = _tied_inputs(3)
    system = base.system
    judgments = {}
    for node in system.nodes():
        n = len(system.children(node))
        m = np.ones((n, n)) if node != GOAL else base.judgments[GOAL]["E01"]
        judgments[node] = {e.code: m.copy() for e in base.experts}
    answers = {d.code: rng.integers(1, 6, size=12).astype(float) for d in system.dimensions}
    survey = pd.DataFrame({c: answers[system.indicator(c).dimension] for c in system.codes})
    return replace(base, judgments=judgments, survey=survey)


def _diagnosis(path: Path, values: dict | None = None) -> tuple[list, list]:
    """(code, rank) of the diagnosis table, and the codes of the ranked table, in sheet order."""
    name = "诊断"
    grid = {split(ref): c.value for ref, c in read_cells(path)[name].items()}
    if values is not None:
        grid = {(r, c): v for r, row in enumerate(values[name]) for c, v in enumerate(row) if v is not None}
    k, table = 2, []
    while isinstance(grid.get((k, 0)), str) and grid.get((k, 9)) is not None:
        table.append((grid[(k, 0)], grid[(k, 9)]))
        k += 1
    q0 = k + 3
    ranked = [grid.get((q0 + i, 2)) for i in range(len(table))]
    return table, ranked


@pytest.fixture(scope="module")
def tied_gaps(tmp_path_factory):
    inputs = _tied_gaps_inputs()
    path = service.export_file(inputs, tmp_path_factory.mktemp("gaps") / "gaps.xlsx")
    return inputs, evaluate(inputs), path


def _diagnosis_follows_the_rule(table, ranked, ev) -> None:
    pri = ev.priorities
    assert ranked == pri["label"].tolist()                     # the core's order
    assert sorted(table, key=lambda x: x[1]) == [(c, k + 1) for k, c in enumerate(ranked)]


def test_tied_weighted_gaps_are_ranked_in_listing_order(tied_gaps):
    inputs, ev, path = tied_gaps
    pri = ev.priorities
    gaps = dict(zip(pri["label"], pri["weighted_gap"]))
    codes = list(inputs.system.codes)
    # ties planted: within each dimension every indicator has the same weighted gap
    for d in ("B", "C"):
        same = [gaps[c] for c in codes if c.startswith(d)]
        assert max(same) - min(same) <= 1e-13 * max(same)
    # tied ones in listing order, sharing the smaller rank in the core's table
    order = pri["label"].tolist()
    for d in ("B", "C"):
        mine = [c for c in order if c.startswith(d)]
        assert mine == [c for c in codes if c.startswith(d)]
        assert len(set(pri.loc[pri["label"].str.startswith(d), "rank"])) == 1
    table, ranked = _diagnosis(path)
    _diagnosis_follows_the_rule(table, ranked, ev)


@pytest.mark.libreoffice
@pytest.mark.skipif(not engines.available(), reason="LibreOffice is not installed")
def test_libreoffice_ranks_tied_gaps_as_stored(tied_gaps, libreoffice_values):
    _inputs, ev, path = tied_gaps
    _diagnosis_follows_the_rule(*_diagnosis(path, libreoffice_values[path]), ev)


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_ranks_tied_gaps_as_stored(tied_gaps, tmp_path):
    _inputs, ev, path = tied_gaps
    out = engines.gnumeric_recalculate(path, tmp_path / path.name)
    _diagnosis_follows_the_rule(*_diagnosis(path, read_values(out)), ev)


# ------------------------------------------------------------------------------ snapping to 1-9
def test_a_value_midway_between_two_scale_values_snaps_to_the_lower_one():
    d = math.log(2) / 2
    assert ranking.nearest([1.0, d * (1 + 4e-16), d, 0.9]) == 1
    assert ranking.nearest([1.0, d, d * (1 + 4e-16), 0.9]) == 1
    assert ranking.nearest([0.3, 0.0, 0.2]) == 1
    # one judgment of 2, the rest indifferent, weighed by the geometric mean: w1 / w2 = sqrt(2)
    m = np.ones((4, 4))
    m[0, 1], m[1, 0] = 2.0, 0.5
    j = ahp.inconsistent_judgments(m, count=1, method="geomean")[0]
    assert (j.row, j.col) == (0, 1) and j.consistent_value == pytest.approx(math.sqrt(2), rel=1e-15)
    assert j.scale_value == 1.0
    for noise in (-2, -1, 1, 2):   # whichever side of sqrt(2) the arithmetic lands on
        assert ahp._snap(math.sqrt(2) * (1 + noise * 2.2e-16)) == 1.0
        assert ahp._snap(math.sqrt(0.5) * (1 + noise * 2.2e-16)) == 0.5


@pytest.fixture(scope="module")
def midway_export(tmp_path_factory):
    inputs = _tied_inputs(4)
    m = np.ones((4, 4))
    m[0, 1], m[1, 0] = 2.0, 0.5
    judgments = dict(inputs.judgments)
    judgments["B"] = {e.code: m.copy() for e in inputs.experts}
    inputs = replace(inputs, judgments=judgments, settings=replace(inputs.settings, method="geomean"))
    path = service.export_file(inputs, tmp_path_factory.mktemp("midway") / "midway.xlsx")
    return inputs, evaluate(inputs), path


def _scale_column(path: Path, values: dict | None = None) -> list:
    name = "权重"
    grid = {split(ref): c.value for ref, c in read_cells(path)[name].items()}
    if values is not None:
        grid = {(r, c): v for r, row in enumerate(values[name]) for c, v in enumerate(row) if v is not None}
    out = []
    for r, _c in sorted(rc for rc, v in grid.items() if v == "行代码 row"):
        k = r + 1
        while isinstance(grid.get((k, 0)), (int, float)):
            out.append((grid[(k, 0)], grid[(k, 1)], grid[(k, 4)]))
            k += 1
    return out


def _same_scale(got: list, want: list) -> None:
    """Same pairs, same scale values (files keep 15 significant digits: 1/9 reads 0.111111111111111)."""
    assert len(got) == len(want)
    assert [x for row in got for x in row] == pytest.approx([x for row in want for x in row], rel=1e-14)


def test_the_stored_scale_values_are_the_cores(midway_export):
    inputs, ev, path = midway_export
    want = [(j.row + 1, j.col + 1, j.scale_value) for node in inputs.system.nodes() for j in ev.nodes[node].worst]
    assert (1, 2, 1.0) in want   # node B's pair 1-2: sqrt(2), midway between 1 and 2
    _same_scale(_scale_column(path), want)


@pytest.mark.libreoffice
@pytest.mark.skipif(not engines.available(), reason="LibreOffice is not installed")
def test_libreoffice_snaps_midway_values_as_stored(midway_export, libreoffice_values):
    _inputs, _ev, path = midway_export
    _same_scale(_scale_column(path, libreoffice_values[path]), _scale_column(path))


@pytest.mark.gnumeric
@pytest.mark.skipif(not engines.gnumeric_available(), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_snaps_midway_values_as_stored(midway_export, tmp_path):
    _inputs, _ev, path = midway_export
    out = engines.gnumeric_recalculate(path, tmp_path / path.name)
    _same_scale(_scale_column(path, read_values(out)), _scale_column(path))
