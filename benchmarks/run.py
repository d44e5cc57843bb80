"""bpm-xl benchmarks: one command, one table.

    python benchmarks/run.py            # full sizes (a few minutes), writes benchmarks/results.md
    python benchmarks/run.py --quick    # tiny sizes (seconds), for tests/test_benchmarks.py
    python benchmarks/run.py --readme   # full run, and copy the table into benchmarks/README.md

Every memory figure and every Excel-path figure comes from a fresh subprocess (this file with
``--worker NAME``), so imports, environment variables and peak memory do not leak between
measurements. Times are wall-clock ``time.perf_counter``; fast operations are the best of a few
repeats, loops are timed once over many matrices and reported per matrix.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

SIZES = {
    "full": dict(ahp_k=10000, ahp_loop=2000, ahpy=500, dispatch=1000, import_reps=5, survey_rows=1_000_000,
                 survey_obj_rows=1_000_000, xlsx_rows=100_000, units=5000, unit_rows=200,
                 sens_draws=10000, rebuild=[("example", None), ("100 x 1,000", (10, 10, 1000)),
                                            ("100 x 100,000", (10, 10, 100_000))]),
    "quick": dict(ahp_k=200, ahp_loop=50, ahpy=10, dispatch=20, import_reps=1, survey_rows=20_000,
                  survey_obj_rows=2_000, xlsx_rows=500, units=50, unit_rows=50,
                  sens_draws=200, rebuild=[("example", None), ("20 x 50", (4, 5, 50))]),
}
INDICATORS = 20


# ----------------------------------------------------------------------------- helpers
def best(fn, repeat=3):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def measured(fn):
    """Run fn once under tracemalloc; time, tracemalloc peak and process peak RSS (MiB)."""
    rss0 = maxrss_mb()
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"s": dt, "traced_mb": peak, "rss_mb": maxrss_mb(), "rss_before_mb": rss0}, out


def worker(name: str, args: dict, env: dict | None = None) -> dict:
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([sys.executable, str(Path(__file__)), "--worker", name, json.dumps(args)],
                       capture_output=True, text=True, env=e, cwd=str(ROOT))
    if p.returncode != 0:
        raise RuntimeError(f"worker {name} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def fmt_s(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def table(header, rows) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out + [""]


# ----------------------------------------------------------------------------- machine
def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    import pandas
    import xlwings

    lines = [
        f"- Date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- CPU: {cpu}; cores: {os.cpu_count()}; RAM: {ram}",
        f"- {platform.platform()}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, pandas {pandas.__version__}, "
        f"xlwings {xlwings.__version__}",
    ]
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        lines.append(f"- BLAS: {cfg.get('name')} {cfg.get('version')}")
    except Exception:  # noqa: BLE001 - informational only
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"- {var}={os.environ[var]} (set in the environment; left as is)")
    return lines


# ----------------------------------------------------------------------------- 1. AHP
def stacked_eig(a):
    vals, vecs = np.linalg.eig(a)
    k = np.argmax(vals.real, axis=1)
    r = np.arange(a.shape[0])
    v = np.abs(vecs[r, :, k].real)
    return v / v.sum(axis=1, keepdims=True), vals[r, k].real


def loop_eig(a):
    w = np.empty(a.shape[:2])
    lam = np.empty(a.shape[0])
    for i, m in enumerate(a):
        vals, vecs = np.linalg.eig(m)
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)
        w[i], lam[i] = v / v.sum(), vals[k].real
    return w, lam


def loop_ahpy(a, precision):
    import ahpy

    k, n, _ = a.shape
    names = [f"e{i:02d}" for i in range(n)]
    w = np.empty((k, n))
    cr = np.empty(k)
    for t, m in enumerate(a):
        comps = {(names[i], names[j]): float(m[i, j]) for i in range(n) for j in range(i + 1, n)}
        c = ahpy.Compare("m", comps, precision=precision, random_index="dd")
        w[t] = [c.target_weights[x] for x in names]
        cr[t] = c.consistency_ratio
    return w, cr


def section_ahp(sz) -> tuple[list[str], dict, bool]:
    from bpm_xl.ahp import ahp_batch
    from synth import random_reciprocal

    precision = 12
    rng = np.random.default_rng(20261126)
    rows, key, ok = [], {}, True
    for n in (5, 9):
        a = random_reciprocal(sz["ahp_k"], n, rng)
        tb, res = best(lambda: ahp_batch(a, random_index="donegan_dodd"))
        ts, (ws, lams) = best(lambda: stacked_eig(a))
        sub = a[: sz["ahp_loop"]]
        tl, (wl, _) = best(lambda: loop_eig(sub), repeat=1)
        suba = a[: sz["ahpy"]]
        loop_ahpy(suba[:2], precision)  # warm-up: import ahpy outside the timing
        ta, (wa, cra) = best(lambda: loop_ahpy(suba, precision), repeat=1)
        k = a.shape[0]
        per_b = tb / k
        dw_s = float(np.abs(res.weights - ws).max())
        dw_l = float(np.abs(wl - ws[: len(sub)]).max())
        dw_a = float(np.abs(wa - res.weights[: len(suba)]).max())
        dcr_a = float(np.abs(cra - res.consistency_ratio[: len(suba)]).max())
        ok &= dw_s <= 1e-10 and dw_l <= 1e-10 and dw_a <= 10.0 ** -precision and dcr_a <= 10.0 ** -precision
        for label, count, t, diff in (
            ("bpm_xl.ahp.ahp_batch (batched repeated squaring + power steps)", k, tb, f"{dw_s:.1e} vs stacked eig"),
            ("numpy.linalg.eig on the k x n x n stack", k, ts, "reference"),
            ("loop of numpy.linalg.eig", len(sub), tl, f"{dw_l:.1e}"),
            (f"loop of ahpy.Compare (precision={precision})", len(suba), ta,
             f"{dw_a:.1e} (CR {dcr_a:.1e}) vs batch"),
        ):
            rows.append([f"{n}x{n}", label, f"{count:,}", fmt_s(t), fmt_s(t / count),
                         f"{(t / count) / per_b:.1f}x", diff])
        key[n] = {"ahpy_vs_batch": (ta / len(suba)) / per_b, "eig_stack_vs_batch": (ts / k) / per_b,
                  "eig_loop_vs_batch": (tl / len(sub)) / per_b, "batch_per_matrix_s": per_b}
    lines = ["## 1. AHP weights and CR of random reciprocal matrices", "",
             "Upper triangles drawn uniformly from the 17 Saaty values (seeded). CR with the Donegan-Dodd "
             "table (AHPy's default `dd`). AHPy rounds weights and CR to `precision` decimals inside its "
             f"algorithm; it is run with precision={precision} and compared at that precision. The loops run "
             f"over the first {sz['ahp_loop']:,} (eig) and {sz['ahpy']:,} (AHPy) matrices and are scaled per "
             "matrix; ratio = time per matrix / ahp_batch's time per matrix. "
             "`max |Δw|` is the largest weight difference.", ""]
    lines += table(["n", "method", "matrices", "time", "per matrix", "vs batch", "max |Δw|"], rows)
    lines.append(f"Weights agree (batch and eig loop to 1e-10 of stacked eig, AHPy to 1e-{precision}): "
                 f"**{'yes' if ok else 'NO'}**")
    lines.append("")
    return lines, key, ok


# ----------------------------------------------------------------------------- 2. Excel path
def w_dispatch(args):
    import xlwings as xw
    from xlwings.server import custom_functions_call

    import bpm_xl.udfs
    from bpm_xl.ahp import ahp_weights
    from synth import random_reciprocal

    rng = np.random.default_rng(1)
    out = {}
    for n in (5, 15):
        m = random_reciprocal(1, n, rng)[0].tolist()
        payload = {"client": "Office.js", "func_name": "AHP_WEIGHTS", "args": [m],
                   "caller_address": "[Book1]Sheet1!A1", "culture_info_name": "en-US",
                   "date_format": "yyyy-mm-dd", "version": xw.__version__, "runtime": "1.4"}

        async def calls():
            ts = []
            for i in range(args["reps"] + 20):
                t = time.perf_counter()
                r = await custom_functions_call(payload, bpm_xl.udfs)
                ts.append(time.perf_counter() - t)
            return ts[20:], r

        ts_d, r = asyncio.run(calls())
        ts_c, ts_u = [], []
        for i in range(args["reps"] + 20):
            t = time.perf_counter()
            w = ahp_weights(m).weights
            ts_c.append(time.perf_counter() - t)
            t = time.perf_counter()
            bpm_xl.udfs.AHP_WEIGHTS(m)
            ts_u.append(time.perf_counter() - t)
        assert np.allclose(np.array(r).ravel(), w, rtol=0, atol=1e-15)
        out[n] = {k: [float(np.median(v)), float(np.percentile(v, 99))]
                  for k, v in (("dispatch", ts_d), ("core", ts_c[20:]), ("udf", ts_u[20:]))}
    return out


def import_times(reps: int) -> dict:
    code = "import bpm_xl.udfs"
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER",)}
    cum, wall, base, mods = [], [], [], {}
    for _ in range(reps):
        p = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                           env=env, cwd=str(ROOT), check=True)
        for line in p.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
            if m:
                name = m.group(4)
                if name == "bpm_xl.udfs":
                    cum.append(int(m.group(2)) / 1e6)
                if name in ("numpy", "pandas", "xlwings", "scipy", "bpm_xl", "bpm_xl.ahp"):
                    mods.setdefault(name, []).append(int(m.group(2)) / 1e6)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, cwd=str(ROOT), check=True)
        wall.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, cwd=str(ROOT), check=True)
        base.append(time.perf_counter() - t)
    return {"cumulative": statistics.median(cum), "wall": statistics.median(wall),
            "interpreter": statistics.median(base), "modules": {k: statistics.median(v) for k, v in mods.items()}}


def section_excel(sz) -> tuple[list[str], dict]:
    d = worker("dispatch", {"reps": sz["dispatch"]},
               env={"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"})
    rows, key = [], {}
    for n in ("5", "15"):
        x = d[n]
        rows.append([f"{n}x{n}", fmt_s(x["core"][0]), fmt_s(x["core"][1]), fmt_s(x["udf"][0]), fmt_s(x["udf"][1]),
                     fmt_s(x["dispatch"][0]), fmt_s(x["dispatch"][1]),
                     f"{x['dispatch'][0] / x['core'][0]:.1f}x",
                     fmt_s(x["dispatch"][0] - x["core"][0])])
        key[n] = {"dispatch_median_s": x["dispatch"][0], "core_median_s": x["core"][0],
                  "ratio": x["dispatch"][0] / x["core"][0]}
    imp = import_times(sz["import_reps"])
    key["import"] = imp
    lines = ["## 2. The Excel path: one AHP_WEIGHTS call", "",
             f"{sz['dispatch']:,} calls after 20 warm-up calls, one event loop, in a subprocess with "
             "`XLWINGS_ON_SERVER=true` (noncommercial key, tests/benchmarks only). *core* = "
             "`bpm_xl.ahp.ahp_weights(matrix)`; *udf* = `bpm_xl.udfs.AHP_WEIGHTS(matrix)` called directly; "
             "*dispatch* = `await xlwings.server.custom_functions_call(payload, bpm_xl.udfs)` with the payload "
             "Office.js sends (a 2D list). Excel's own round trip (network, JS) is not included.",
             "",
             "The dispatch overhead grows with the range: xlwings 0.37.8 cleans every cell with "
             "`xlwings.utils.is_jsnull`, which tries `from pyodide.ffi import JsNull` for each cell; outside "
             "Pyodide (xlwings Server on CPython) that failed import costs roughly 0.1-0.2 ms per cell. In "
             "xlwings Lite (Pyodide) the import succeeds and is cached, so this part does not apply there.", ""]
    lines += table(["matrix", "core median", "core p99", "udf median", "udf p99", "dispatch median",
                    "dispatch p99", "dispatch / core", "dispatch overhead"], rows)
    mods = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in sorted(imp["modules"].items()))
    lines += [f"Cold import of `bpm_xl.udfs` (classic environment, median of {sz['import_reps']}): "
              f"`-X importtime` cumulative **{imp['cumulative'] * 1e3:.0f} ms** (of which {mods}); "
              f"wall clock of `python -c \"import bpm_xl.udfs\"` **{imp['wall'] * 1e3:.0f} ms** "
              f"(bare interpreter start {imp['interpreter'] * 1e3:.0f} ms). "
              f"scipy imported at start: {'yes' if 'scipy' in imp['modules'] else 'no'}.", ""]
    return lines, key


# ----------------------------------------------------------------------------- 3. survey
def w_scores(args):
    import pandas as pd

    from bpm_xl import scoring
    from synth import survey_array

    rng = np.random.default_rng(2)
    x = survey_array((args["rows"], INDICATORS), rng)
    w = rng.dirichlet(np.ones(INDICATORS))
    if args["kind"] == "float":
        data = x
    elif args["kind"] == "frame":
        data = pd.DataFrame(x.astype(object))
    else:  # numpy reference, no validation
        def fn():
            return float(w @ (np.nansum(x, axis=0) / (~np.isnan(x)).sum(axis=0)))
        m, total = measured(fn)
        return m

    def fn():
        sc = scoring.indicator_scores(data)
        total = scoring.weighted_score(w, sc.mean)
        return scoring.rate(total)

    m, _ = measured(fn)
    return m


def w_read(args):
    path = args["path"]

    def calamine():
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(path).get_sheet_by_name("survey").to_python()
        return np.array([[np.nan if v == "" else v for v in r] for r in rows[1:]], dtype=float)

    def openpyxl_ro():
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = list(wb["survey"].iter_rows(values_only=True))
        wb.close()
        return np.array([[np.nan if v is None else v for v in r] for r in rows[1:]], dtype=float)

    m, arr = measured(calamine if args["reader"] == "calamine" else openpyxl_ro)
    m["shape"] = list(arr.shape)
    m["nan"] = int(np.isnan(arr).sum())
    return m


def write_survey_xlsx(path: Path, rows: int) -> float:
    import xlsxwriter

    from synth import survey_array

    x = survey_array((rows, INDICATORS), np.random.default_rng(3))
    t = time.perf_counter()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("survey")
    ws.write_row(0, 0, [f"I{j + 1}" for j in range(INDICATORS)])
    for i, row in enumerate(x.tolist(), start=1):
        for j, v in enumerate(row):
            if v == v:
                ws.write_number(i, j, v)
    wb.close()
    return time.perf_counter() - t


def section_survey(sz) -> tuple[list[str], dict]:
    rows, key = [], {}
    n, nobj = sz["survey_rows"], sz["survey_obj_rows"]
    for kind, count, label in (
        ("float", n, "`scoring.indicator_scores` on a float64 array (fast path) + weighted_score + rate"),
        ("frame", nobj, "`scoring.indicator_scores` on a DataFrame of cells (what `evaluate` passes: "
                        "object cells: numbers cast at once, text checked cell by cell) + weighted_score + rate"),
        ("numpy", n, "reference: bare numpy nansum / count, no validation"),
    ):
        m = worker("scores", {"rows": count, "kind": kind})
        rows.append([f"{count:,} x {INDICATORS}", label, fmt_s(m["s"]), f"{m['traced_mb']:.0f}",
                     f"{m['rss_mb']:.0f}"])
        key[kind] = {"rows": count, **m}
    lines = ["## 3. Survey scale", "",
             "Answers 1-5 with 2% blanks (seeded). Peak memory: *traced* = tracemalloc peak during the call "
             "(numpy buffers included); *RSS* = the worker process's peak resident set (input data included).",
             ""]
    lines += table(["size", "path", "time", "traced peak MiB", "process peak RSS MiB"], rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "survey.xlsx"
        t_write = write_survey_xlsx(path, sz["xlsx_rows"])
        size_mb = path.stat().st_size / 2**20
        rrows = []
        for reader, label in (("calamine", "python-calamine `to_python()`"),
                              ("openpyxl", "openpyxl `read_only=True, data_only=True`")):
            m = worker("read", {"path": str(path), "reader": reader})
            rrows.append([label, fmt_s(m["s"]), f"{m['traced_mb']:.0f}", f"{m['rss_mb']:.0f}",
                          f"{m['shape'][0]:,} x {m['shape'][1]}"])
            key[reader] = m
    lines += [f"Reading a {sz['xlsx_rows']:,}-respondent x {INDICATORS} survey sheet from .xlsx "
              f"({size_mb:.1f} MiB, written by XlsxWriter in {t_write:.1f} s) into a float array:", ""]
    lines += table(["reader", "time", "traced peak MiB", "process peak RSS MiB", "shape"], rrows)
    lines.append(f"calamine is {key['openpyxl']['s'] / key['calamine']['s']:.1f}x faster than openpyxl read-only.")
    lines.append("")
    return lines, key


# ----------------------------------------------------------------------------- 4. rebuild
def w_rebuild(args):
    import xlwings as xw

    from bpm_xl import macros
    from bpm_xl.example import load_example
    from bpm_xl.layout import data_from_inputs, plan_workbook
    from bpm_xl.readers.workbook import Grids, parse_names
    from bpm_xl.writers.livebook import dense
    from synth import synthetic_inputs

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.replay import payload_from_grids  # a test helper, not shipped

    def payload_for(inputs):
        plan = plan_workbook(data_from_inputs(inputs), inputs.system, "zh")
        grids = Grids({sp.name: dense(sp) for sp in plan.sheets}, parse_names(plan.names))
        return payload_from_grids(grids)

    macros.rebuild(xw.Book(json=payload_for(load_example())))  # warm-up: lazy imports outside the timing
    inputs = load_example() if args["size"] is None else synthetic_inputs(*args["size"])
    payload = payload_for(inputs)
    t = time.perf_counter()
    book = xw.Book(json=payload)
    summary = macros.rebuild(book)
    actions = book.json()["actions"]
    dt = time.perf_counter() - t
    return {"s": dt, "actions": len(actions), "problem": summary.problem, "rss_mb": maxrss_mb(),
            "sheets": len(summary.sheets_written)}


def section_rebuild(sz) -> tuple[list[str], dict]:
    head = ["## 4. Rebuild (remote Book, Office.js payload)", ""]
    try:
        import importlib.util

        missing = [m for m in ("bpm_xl.macros", "bpm_xl.service", "bpm_xl.layout")
                   if importlib.util.find_spec(m) is None]
    except ModuleNotFoundError as exc:
        missing = [str(exc)]
    if missing:
        note = f"not yet measured: {', '.join(missing)} not available."
        print(f"[rebuild] {note}", file=sys.stderr)
        return head + [note, ""], {}
    rows, key = [], {}
    for label, size in sz["rebuild"]:
        try:
            m = worker("rebuild", {"size": size},
                       env={"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"})
        except RuntimeError as exc:
            note = f"not yet measured: the rebuild of {label} failed ({str(exc).strip().splitlines()[-1]})."
            print(f"[rebuild] {note}", file=sys.stderr)
            return head + [note, ""], {}
        rows.append([label, f"{m['actions']:,}", fmt_s(m["s"]), f"{m['rss_mb']:.0f}", m["sheets"],
                     m["problem"] or ""])
        key[label] = m
    lines = head + ["`xw.Book(json=payload)` from the planned workbook, `macros.rebuild(book)`, "
                    "`book.json()['actions']`; time covers book creation, rebuild and serialising actions.", ""]
    lines += table(["workbook (indicators x respondents)", "actions", "time", "peak RSS MiB", "sheets written",
                    "problem"], rows)
    return lines, key


# ----------------------------------------------------------------------------- 5. province
def w_province(args):
    from bpm_xl.ahp import ahp_batch
    from bpm_xl.sensitivity import score_units
    from synth import random_reciprocal, survey_array

    rng = np.random.default_rng(5)
    u, r = args["units"], args["rows"]
    x = survey_array((u, r, INDICATORS), rng, dtype=np.float32)
    goal = random_reciprocal(u, 4, rng)
    dims = random_reciprocal(4 * u, 5, rng)
    shared = rng.dirichlet(np.ones(INDICATORS))

    def weights():
        dw = ahp_batch(goal).weights                       # u x 4
        lw = ahp_batch(dims).weights.reshape(4, u, 5)      # node-major: 4 x u x 5
        return (dw.T[:, :, None] * lw).transpose(1, 0, 2).reshape(u, INDICATORS)

    mw, w = measured(weights)
    ms, res = measured(lambda: score_units(w, x))
    m1, res1 = measured(lambda: score_units(shared, x))
    return {"weights": mw, "score": ms, "shared": m1, "data_mb": x.nbytes / 2**20,
            "grades": {g: int((res.grades == g).sum()) for g in "ABCD"}}


def section_province(sz) -> tuple[list[str], dict]:
    m = worker("province", {"units": sz["units"], "rows": sz["unit_rows"]})
    u, r = sz["units"], sz["unit_rows"]
    rows = [
        [f"per-unit weights: ahp_batch on {u:,} goal 4x4 + {4 * u:,} dimension 5x5 matrices",
         fmt_s(m["weights"]["s"]), f"{m['weights']['traced_mb']:.0f}"],
        ["score_units with per-unit weights (means, totals, ratings)", fmt_s(m["score"]["s"]),
         f"{m['score']['traced_mb']:.0f}"],
        ["score_units with shared weights", fmt_s(m["shared"]["s"]), f"{m['shared']['traced_mb']:.0f}"],
    ]
    lines = ["## 5. Province scale", "",
             f"{u:,} evaluation units, each with {r} respondents x {INDICATORS} indicators (float32 with NaN "
             f"blanks, {m['data_mb']:.0f} MiB), scored in one call of `bpm_xl.sensitivity.score_units`.", ""]
    lines += table(["step", "time", "traced peak MiB"], rows)
    total = m["weights"]["s"] + m["score"]["s"]
    lines += [f"Weights + scores for all units: **{fmt_s(total)}**; process peak RSS "
              f"{m['shared']['rss_mb']:.0f} MiB. Grades: {m['grades']}.", ""]
    return lines, {"total_s": total, **m}


# ----------------------------------------------------------------------------- 6. sensitivity
def section_sensitivity(sz) -> tuple[list[str], dict]:
    from bpm_xl.evaluation import evaluate
    from bpm_xl.example import load_example
    from bpm_xl.sensitivity import analyse

    inputs = load_example()
    ev = evaluate(inputs)
    d = sz["sens_draws"]
    t, r = best(lambda: analyse(inputs, draws=d, evaluation=ev), repeat=2)
    lines = ["## 6. Sensitivity analysis of the example", "",
             f"`bpm_xl.sensitivity.analyse(example, draws={d:,})`: {d:,} judgment perturbations, {d:,} panel "
             f"bootstraps, {d:,} respondent bootstraps and the analytic weight thresholds, given the evaluation: "
             f"**{fmt_s(t)}**. Rating stays {r.base_grade} with probability "
             f"{r.judgments_perturb.rating_stays:.3f} (perturb), {r.judgments_bootstrap.rating_stays:.3f} "
             f"(panel bootstrap), {r.respondents.rating_stays:.3f} (respondent bootstrap; 95% interval of the "
             f"total {r.respondents.total.low:.4f}-{r.respondents.total.high:.4f}).", ""]
    return lines, {"s": t}


# ----------------------------------------------------------------------------- load
def section_load(respondents, directory: Path, repeat: int) -> list[str]:
    """bpm-xl evaluate / rebuild / export --portable of 100 indicators x N respondents x 50 experts."""
    import load

    rows = []
    for n in respondents:
        r = load.measure(directory, n, repeat=repeat)
        row = [f"{n:,}", f"{r['size_mb']:.1f}"]
        for name in load.COMMANDS:
            x = r[name]
            row.append(f"{x['s']:.1f} s (CPU {x['cpu']:.1f} s) / {x['rss_mib']:,.0f} MiB"
                       + ("" if x["rc"] == 0 else f" (exit {x['rc']})"))
        rows.append(row + [load.load_avg()])
    return ["## File load", "",
            "100 indicators (10 x 10) x N respondents x 50 experts, written by `benchmarks/load.py make` "
            "(seeded synthetic inputs, outputs not yet filled). Each command runs in a fresh process under "
            "`/usr/bin/time -v`: wall clock (CPU = user + system), maximum resident set size, best of "
            f"{repeat}; rebuild on a fresh copy. Load average of the machine after each size in the last column.", ""
            ] + table(["respondents", "file MB", "evaluate", "rebuild", "export --portable", "load avg"], rows)


# ----------------------------------------------------------------------------- main
WORKERS = {"dispatch": w_dispatch, "scores": w_scores, "read": w_read, "province": w_province,
           "rebuild": w_rebuild}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (CI)")
    ap.add_argument("--out", type=Path, default=HERE / "results.md", help="where to write the table")
    ap.add_argument("--readme", action="store_true", help="also copy the table into benchmarks/README.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--load", type=int, nargs="*", metavar="N",
                    help="only the file-load scenario at these respondent counts "
                         "(default 25000 50000 100000); prints the table")
    ap.add_argument("--load-dir", type=Path, default=Path("/tmp/bpm-load"), help="where the load workbooks go")
    ap.add_argument("--repeat", type=int, default=2, help="runs per load command (best is kept)")
    ns = ap.parse_args(argv)
    if ns.worker:
        print(json.dumps(WORKERS[ns.worker](json.loads(ns.args))))
        return 0
    if ns.load is not None:
        lines = machine() + [""] + section_load(ns.load or [25_000, 50_000, 100_000], ns.load_dir, ns.repeat)
        print("\n".join(lines))
        return 0
    mode = "quick" if ns.quick else "full"
    sz = SIZES[mode]
    t0 = time.perf_counter()
    out = [f"# bpm-xl benchmarks ({mode})", ""] + machine() + [""]
    ok = True
    summary = {}
    for name, fn in (("ahp", section_ahp), ("excel", section_excel), ("survey", section_survey),
                     ("rebuild", section_rebuild), ("province", section_province),
                     ("sensitivity", section_sensitivity)):
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        res = fn(sz)
        if name == "ahp":
            lines, summary[name], ok = res
        else:
            lines, summary[name] = res
        out += lines
    out.append(f"Total benchmark time: {time.perf_counter() - t0:.0f} s.")
    text = "\n".join(out) + "\n"
    ns.out.write_text(text, encoding="utf-8")
    if ns.readme:
        readme = HERE / "README.md"
        body = readme.read_text(encoding="utf-8")
        start, end = "<!-- results:start -->", "<!-- results:end -->"
        i, j = body.index(start) + len(start), body.index(end)
        readme.write_text(body[:i] + "\n" + text.replace("# bpm-xl benchmarks", "## Results") + body[j:],
                          encoding="utf-8")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
