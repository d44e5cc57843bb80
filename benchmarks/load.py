"""File load: ``bpm-xl evaluate``, ``rebuild`` and ``export --portable`` of a large workbook.

    python benchmarks/load.py make DIR --respondents 100000    # write DIR/load_100000.xlsm (seeded)
    python benchmarks/load.py run DIR --respondents 25000 50000 100000 [--repeat 2]
    python benchmarks/load.py run DIR --respondents 25000 --commands evaluate again

``make`` writes a workbook of 100 indicators (10 dimensions x 10) x N respondents x 50 experts
from :func:`synth.synthetic_inputs` through the service's planning and writing path.
``run`` times each CLI command in a fresh process under ``/usr/bin/time -v`` (wall clock and
maximum resident set size; best of ``--repeat``), on a fresh copy of the workbook for rebuild.
``again`` is the rebuild of a workbook that bpm-xl rebuilt before, the survey unchanged (what a
user waits for on the second Rebuild): DIR/rebuilt_N.xlsm is written once by a rebuild of the
tree under test (delete it when comparing two trees in one DIR), and each run rebuilds a copy.
``run.py --load`` calls the same functions and records the table in results.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

COMMANDS = {
    "evaluate": lambda f, d: ["evaluate", str(f), "--quiet"],
    "rebuild": lambda f, d: ["rebuild", str(f), "--quiet"],
    "again": lambda f, d: ["rebuild", str(f), "--quiet"],
    "export": lambda f, d: ["export", str(f), "--portable", "--out", str(d / "out_portable.xlsx"), "--quiet"],
}


def make(directory: Path, respondents: int, experts: int = 50) -> Path:
    """Write the load workbook (10 x 10 indicators, ``respondents``, ``experts``) once."""
    from synth import synthetic_inputs

    from bpm_xl import service
    from bpm_xl.layout.data import data_from_inputs
    from bpm_xl.writers import safe
    from bpm_xl.writers.vba import vba_project

    path = directory / f"load_{respondents}.xlsm"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    inputs = synthetic_inputs(10, 10, respondents, n_experts=experts)
    data = data_from_inputs(inputs)
    plan = service._plan(data, inputs.system, "zh")  # inputs only; the first rebuild fills the outputs
    safe.atomic_write(path, service._xlsx_bytes(plan, vba_project()))
    return path


def _timed(args: list[str]) -> tuple[float, float, int, str, float]:
    """(wall s, peak RSS MiB, exit status, stderr tail, CPU s = user + system) of ``bpm-xl args``
    in a fresh process (CPU time is what a busy machine changes least)."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "bpm_xl.cli", *args]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    tail = p.stderr.split("\tCommand being timed")[0].strip().splitlines()[-1:] if p.returncode else []
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", p.stderr))
    return wall, rss, p.returncode, " ".join(tail), cpu


def measure(directory: Path, respondents: int, commands=("evaluate", "rebuild", "export"), repeat: int = 2) -> dict:
    """Best wall time and its peak RSS per command for the workbook with ``respondents``."""
    made = make(directory, respondents)
    out = {"respondents": respondents, "size_mb": made.stat().st_size / 1e6}
    for name in commands:
        best = None
        src = rebuilt(directory, respondents) if name == "again" else made
        for _ in range(repeat):
            f = directory / f"work_{respondents}.xlsm"
            shutil.copyfile(src, f)
            for stale in directory.glob(f"work_{respondents}*.bak*"):
                stale.unlink()
            r = _timed(COMMANDS[name](f, directory))
            if best is None or r[0] < best[0]:
                best = r
        out[name] = {"s": best[0], "rss_mib": best[1], "rc": best[2], "err": best[3], "cpu": best[4]}
    return out


def rebuilt(directory: Path, respondents: int) -> Path:
    """The load workbook as one rebuild left it (written once, by this tree)."""
    path = directory / f"rebuilt_{respondents}.xlsm"
    if not path.exists():
        work = directory / f"rebuilding_{respondents}.xlsm"
        shutil.copyfile(make(directory, respondents), work)
        _, _, rc, err, _ = _timed(["rebuild", str(work), "--quiet"])
        if rc:
            raise SystemExit(f"rebuild of {work} failed: {err}")
        work.replace(path)
        for stale in directory.glob(f"rebuilding_{respondents}.backup*"):
            stale.unlink()
    return path


def load_avg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["make", "run"])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--respondents", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--commands", nargs="+", default=list(COMMANDS))
    ns = ap.parse_args(argv)
    for n in ns.respondents:
        if ns.action == "make":
            t = time.perf_counter()
            p = make(ns.dir, n)
            print(f"{p} {p.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
            continue
        r = measure(ns.dir, n, ns.commands, ns.repeat)
        for name in ns.commands:
            x = r[name]
            print(f"{n:>7} {name:<9} {x['s']:7.2f} s (CPU {x['cpu']:6.2f} s) {x['rss_mib']:7.0f} MiB rc={x['rc']} "
                  f"load={load_avg()} {x['err']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
