"""evaluate() at load scale: 100 indicators x 100,000 respondents x 50 experts (seeded, no I/O).

    python benchmarks/evaluate_load.py        # prints time and the process's peak memory (VmHWM)

Figures are recorded by hand in benchmarks/results.md (section "evaluate at load scale").
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import synthetic_inputs  # noqa: E402

from bpm_xl.evaluation import evaluate  # noqa: E402


def _peak_mib() -> int:
    try:
        return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    inputs = synthetic_inputs(10, 10, 100_000, n_experts=50)
    built = _peak_mib()
    t = time.perf_counter()
    ev = evaluate(inputs)
    dt = time.perf_counter() - t
    print(f"inputs {built} MiB; evaluate {dt:.2f} s (first call, imports included); peak {_peak_mib()} MiB; "
          f"total {ev.total:.6f}, grade {ev.rating.grade}")


if __name__ == "__main__":
    main()
