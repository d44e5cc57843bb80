"""Do two versions of bpm-xl write the same workbooks? Cell for cell, as openpyxl reads them.

    python benchmarks/same_cells.py BEFORE_TREE [AFTER_TREE] --dir DIR [--respondents 2000]

BEFORE_TREE and AFTER_TREE are source trees of bpm-xl (``git worktree add`` or ``git archive``
of two commits; AFTER_TREE defaults to this one). Each tree, in its own process, writes:
the example hub (``new``), its ``--portable`` hub, the example's ``export --portable``, and
the rebuild, a second rebuild of what the first wrote (the survey unchanged) and the ``export --portable`` of one hub of 100 indicators x N
respondents x 50 experts (written once, by AFTER_TREE, from benchmarks/synth.py). The files of the two trees
are then compared by tests/workbook_compare.py (formulas, array formulas and their ranges,
cached values, number formats, fonts, fills, borders, alignment, protection, sheet settings,
defined names) and tests/xlsx_cells.py (formula text, cached value and its type as stored).
Every ``new`` hub gets its own evaluation identity (three defined names and the Guide lines from
row 35 that show them, :mod:`bpm_xl.layout.identity`), so those are left out of the comparison,
as tests/test_golden_files.py leaves them out. Prints one line per file and exits 1 when any
differs. ``--compared``: compare the files DIR holds from an earlier run without writing them again.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def _cli(tree: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree))
    p = subprocess.run([sys.executable, "-m", "bpm_xl.cli", *args, "--quiet"], env=env, cwd=tree,
                       capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{tree}: bpm-xl {' '.join(args)} failed: {p.stderr.strip()[-500:]}")


def _files(out: Path) -> list[Path]:
    return [out / "example.xlsm", out / "example_portable_hub.xlsx", out / "example_export.xlsx",
            out / "hub_rebuilt.xlsm", out / "hub_export.xlsx", out / "hub_rebuilt_again.xlsm"]


def write_all(tree: Path, out: Path, hub: Path) -> list[Path]:
    """The files one tree writes (see the module)."""
    out.mkdir(parents=True, exist_ok=True)
    files = _files(out)
    _cli(tree, "new", str(files[0]), "--force")
    _cli(tree, "new", str(files[1]), "--portable", "--force")
    _cli(tree, "export", str(files[0]), "--portable", "--out", str(files[2]))
    shutil.copyfile(hub, files[3])
    _cli(tree, "rebuild", str(files[3]))
    _cli(tree, "export", str(hub), "--portable", "--out", str(files[4]))
    shutil.copyfile(files[3], files[5])
    _cli(tree, "rebuild", str(files[5]))
    return files


def _identity(line: str) -> bool:
    """Whether a line of ``differences`` is about the evaluation identity only (see the module)."""
    from bpm_xl.layout.identity import GUIDE_IDENTITY_ROW, IDENTITY_NAMES
    from bpm_xl.layout.labels import SHEETS

    if line.startswith("defined names differ: "):
        return set(re.findall(r"\('([^']+)', ", line)) <= set(IDENTITY_NAMES.values())
    m = re.match(r"(.+?)!A(\d+): ", line)
    return (m is not None and m.group(1) in SHEETS["guide"].values()
            and GUIDE_IDENTITY_ROW < int(m.group(2)) <= GUIDE_IDENTITY_ROW + 5)


def _cells_without_identity(path: Path) -> dict:
    from bpm_xl.layout.identity import GUIDE_IDENTITY_ROW
    from bpm_xl.layout.labels import SHEETS
    from xlsx_cells import read_cells

    cells = read_cells(path)
    for sheet in SHEETS["guide"].values():
        for row in range(GUIDE_IDENTITY_ROW + 1, GUIDE_IDENTITY_ROW + 6):
            cells.get(sheet, {}).pop(f"A{row}", None)
    return cells


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path, nargs="?", default=HERE.parent)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--respondents", type=int, default=2000)
    ap.add_argument("--compared", action="store_true", help="compare the files of an earlier run, written then")
    ns = ap.parse_args(argv)
    from workbook_compare import differences
    from xlsx_cells import read_cells

    hub = ns.dir / f"hub_{ns.respondents}.xlsm"
    if not hub.exists():
        env = dict(os.environ, PYTHONPATH=str(ns.after))
        subprocess.run([sys.executable, str(ns.after / "benchmarks" / "load.py"), "make", str(ns.dir),
                        "--respondents", str(ns.respondents)], env=env, check=True, capture_output=True)
        (ns.dir / f"load_{ns.respondents}.xlsm").rename(hub)
    before = _files(ns.dir / "before") if ns.compared else write_all(ns.before.resolve(), ns.dir / "before", hub)
    after = _files(ns.dir / "after") if ns.compared else write_all(ns.after.resolve(), ns.dir / "after", hub)
    bad = 0
    for a, b in zip(before, after):
        diff = [line for line in differences(b, a, limit=1000) if not _identity(line)][:20]
        cells = _cells_without_identity(b) == _cells_without_identity(a)
        if not cells:
            diff.append("formula text, cached value or type as stored differ (tests/xlsx_cells.py)")
        bad += bool(diff)
        print(f"{a.name:28} {'same cells' if not diff else 'DIFFERENT'}"
              f" ({sum(len(v) for v in read_cells(a).values()):,} cells)")
        for line in diff[:10]:
            print("   ", line)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
