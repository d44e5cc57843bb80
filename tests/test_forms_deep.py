"""Questionnaires of a four-level system: one comparison group per node with children.

A hub of the four-level system of tests/test_deep_outputs.py (AHP at the goal, the dimensions and
every inner group) sends its forms; each expert fills every pair of every node, as an expert
does (a mark on the 17-cell scale); ``collect`` brings them back; the hub then evaluates exactly
as the core evaluates the same judgments typed into its inputs. A points-weighted system asks
no judgments at all.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from typer.testing import CliRunner

from bpm_xl.cli import app
from bpm_xl.collect import hub_nodes, system_of
from bpm_xl.evaluation import evaluate
from bpm_xl.layout.data import data_from_inputs
from bpm_xl.service import evaluate_file, new_workbook, read_workbook, write_forms

from .form_helpers import fill_form
from .test_deep_outputs import FOUR, POINTS, THREE, _inputs, _system

SCALE = [9, 8, 7, 6, 5, 4, 3, 2, 1, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7, 1 / 8, 1 / 9]


def test_forms_of_a_four_level_system_ask_every_node_and_collect_equals_typing(tmp_path):
    system = _system(FOUR, None)
    inputs = _inputs(system, seed=11)
    hub = new_workbook(tmp_path / "deep.xlsm", data=data_from_inputs(inputs), with_module=False)
    files = write_forms(hub, tmp_path / "out", 1, "zh", "row")
    data, _ = read_workbook(hub)
    nodes = hub_nodes(system_of(data))
    assert [n for n, _ in nodes] == list(system.nodes()) and len(nodes) == 9   # goal, 3 dimensions, 5 groups
    rng = np.random.default_rng(5)
    judgments = {node: dict(by) for node, by in inputs.judgments.items()}
    for f in files:
        code = f.name.split("_")[0]
        per_node = {}
        for node, ch in nodes:
            n = len(ch)
            grid = [[1 if i == j else None for j in range(n)] for i in range(n)]
            pairs = {}
            for i in range(n):
                for j in range(i + 1, n):
                    v = float(SCALE[rng.integers(4, 13)])
                    pairs[(ch[i], ch[j])] = v
                    grid[i][j] = v
            per_node[node] = pairs
            judgments[node][code] = grid
        fill_form(f, nodes, list(system.codes), per_node)
    res = CliRunner().invoke(app, ["collect", str(hub), *map(str, files)])
    assert res.exit_code == 0, res.output
    got = evaluate_file(hub).evaluation
    want = evaluate(replace(inputs, judgments=judgments))
    for node in system.nodes():
        np.testing.assert_allclose(got.nodes[node].weights, want.nodes[node].weights, rtol=1e-12)
    assert math.isclose(got.total, want.total, rel_tol=1e-12)
    assert math.isclose(got.hierarchy.consistency_ratio, want.hierarchy.consistency_ratio, rel_tol=1e-12)


def test_a_points_weighted_system_sends_forms_without_judgments(tmp_path):
    system = _system(THREE, POINTS)
    inputs = _inputs(system, seed=3)
    hub = new_workbook(tmp_path / "points.xlsm", data=data_from_inputs(inputs), with_module=False)
    data, _ = read_workbook(hub)
    assert hub_nodes(system_of(data)) == []
    files = write_forms(hub, tmp_path / "out", 1, "zh", "row")
    assert files
    import openpyxl

    from bpm_xl.layout.forms import SHEETS

    wb = openpyxl.load_workbook(files[0])
    pairs = wb[SHEETS["pairs"]["zh"]]
    assert not any(isinstance(v, str) and v.startswith("GOAL") for row in pairs.iter_rows(values_only=True)
                   for v in row)
