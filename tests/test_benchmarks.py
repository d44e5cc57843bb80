"""The benchmark command runs end to end at tiny sizes (it asserts nothing about speed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_benchmarks_quick_run_writes_the_table(tmp_path):
    out = tmp_path / "results.md"
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
                       capture_output=True, text=True, cwd=str(ROOT), env=env, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("## 1. AHP weights", "## 2. The Excel path", "## 3. Survey scale", "## 4. Rebuild",
                    "## 5. Province scale", "## 6. Sensitivity"):
        assert heading in text
    assert "| 5x5 | bpm_xl.ahp.ahp_batch" in text
    assert "Weights agree" in text and "**yes**" in text
    assert "not yet measured" not in text, text   # every section measured, the rebuild's included
    assert "| example |" in text                   # the rebuild table's first row
    assert text in p.stdout  # printed as well as written
