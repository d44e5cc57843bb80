"""Survey import: ``bpm-xl import-survey`` of a large 问卷星 export against reading and mapping it.

    python benchmarks/import_survey.py DIR [--rows 10000] [--repeat 3] [--kinds text code csv]

Writes into DIR (once, seeded) the example hub (``new_workbook(example=True)``, 20 indicators) and
a 问卷星 export of ``--rows`` respondents in the shape the tests build (tests/test_survey_import.py):
序号, 提交答卷时间, 所用时间 "312秒", 来源, 来源详情, 来自IP, then one column "N、您对“指标”的满意程度" per
indicator; skip codes -2/-3 for about 2 % of the answers. Three exports:

* ``text``: .xlsx with option text (非常满意 ... 非常不满意), the 问卷星 "按选项文本下载";
* ``code``: .xlsx with option numbers 1-5, the "按选项序号下载" (imported with --first-option 非常不满意);
* ``csv``: the text export as UTF-8 CSV with BOM.

For each export it times, in this process (best of ``--repeat``):

1. *read*: :func:`bpm_xl.readers.survey.read_export` alone (the reader the import uses);
2. *read + map*: read, then :func:`bpm_xl.collect.apply_survey_import` on the hub's data
   (questions mapped onto indicators, every answer converted, screening counted), the hub read
   beforehand and not timed;
3. *import*: :func:`bpm_xl.service.import_survey_file` on a fresh copy of the hub (read the hub,
   read and map the export, rebuild and write the hub);

and the whole command ``bpm-xl import-survey HUB EXPORT`` in a fresh process under
``/usr/bin/time -v`` (interpreter start and imports included). The figure that counts is
import / (read + map).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TEXT = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
HEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def _rows(indicators: list[tuple[str, str]], n: int, text: bool, seed: int = 3) -> tuple[list[str], list[list]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, size=(n, len(indicators)))
    skipped = rng.random((n, len(indicators))) < 0.02
    head = HEAD + [f"{q + 1}、您对“{name}”的满意程度" for q, (_, name) in enumerate(indicators)]
    rows = []
    for r in range(n):
        vals: list = []
        for q in range(len(indicators)):
            if skipped[r, q]:
                vals.append(-3 if q % 2 else -2)
            else:
                v = int(answers[r, q])
                vals.append(TEXT[v] if text else v)
        rows.append([r + 1, f"2025/3/{r % 28 + 1} 10:{r % 60:02d}:00", f"{200 + r % 500}秒", "手机提交", "直接访问",
                     f"10.{r // 40000}.{r // 200 % 200}.{r % 200 + 1}(甘肃-兰州)", *vals])
    return head, rows


def _xlsx(path: Path, head: list[str], rows: list[list]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, head)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()


def _csv(path: Path, head: list[str], rows: list[list]) -> None:
    s = io.StringIO()
    w = csv.writer(s)
    w.writerow(head)
    w.writerows(rows)
    path.write_bytes(s.getvalue().encode("utf-8-sig"))


def make(directory: Path, n: int) -> dict[str, Path]:
    """The hub and the three exports of ``n`` respondents (written once)."""
    from bpm_xl.collect import system_of
    from bpm_xl.service import new_workbook, read_workbook

    directory.mkdir(parents=True, exist_ok=True)
    hub = directory / "hub.xlsm"
    if not hub.exists():
        new_workbook(hub, lang="zh", example=True, with_module=False)
    data, _ = read_workbook(hub)
    indicators = [(i.code, i.name_zh) for i in system_of(data).indicators]
    out = {"hub": hub}
    for kind, suffix in (("text", "xlsx"), ("code", "xlsx"), ("csv", "csv")):
        p = directory / f"wjx_{kind}_{n}.{suffix}"
        if not p.exists():
            head, rows = _rows(indicators, n, text=kind != "code")
            (_csv if kind == "csv" else _xlsx)(p, head, rows)
        out[kind] = p
    return out


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _first(kind: str) -> str | None:
    return "非常不满意" if kind == "code" else None


def in_process(files: dict[str, Path], kind: str, repeat: int, work: Path) -> dict[str, float]:
    """(read, read + map, import) seconds of one export, best of ``repeat``."""
    from bpm_xl.collect import apply_survey_import
    from bpm_xl.readers.survey import first_option, read_export
    from bpm_xl.service import import_survey_file, read_workbook

    export = files[kind]
    values, _ = read_workbook(files["hub"])
    first = first_option(_first(kind))
    read = _best(lambda: read_export(export), repeat)
    mapped = _best(lambda: apply_survey_import(values, read_export(export), first=first), repeat)

    def whole() -> None:
        shutil.copyfile(files["hub"], work)
        for stale in work.parent.glob(f"{work.stem}*.bak*"):
            stale.unlink()
        done = import_survey_file(work, export, first_option=_first(kind))
        assert done.backup is not None, "the import wrote nothing"

    return {"read": read, "map": mapped, "import": _best(whole, repeat)}


def command(files: dict[str, Path], kind: str, work: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of ``bpm-xl import-survey`` in a fresh process."""
    shutil.copyfile(files["hub"], work)
    for stale in work.parent.glob(f"{work.stem}*.bak*"):
        stale.unlink()
    args = ["import-survey", str(work), str(files[kind])]
    if _first(kind):
        args += ["--first-option", _first(kind)]
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "bpm_xl.cli", *args]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    if p.returncode:
        raise SystemExit(f"import-survey failed ({p.returncode}): {p.stdout[-500:]} {p.stderr[-800:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", p.stderr))
    return wall, cpu, int(m.group(1)) / 1024 if m else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kinds", nargs="+", default=["text", "code", "csv"], choices=["text", "code", "csv"])
    ap.add_argument("--no-command", action="store_true", help="skip the fresh-process command")
    ns = ap.parse_args(argv)
    files = make(ns.dir, ns.rows)
    print(f"load {' '.join(Path('/proc/loadavg').read_text().split()[:3]) if Path('/proc/loadavg').exists() else 'n/a'}")
    print(f"{'export':<6} {'rows':>7} {'read':>8} {'read+map':>9} {'import':>8} {'ratio':>6} {'command':>8} "
          f"{'CPU':>7} {'RSS':>8}")
    for kind in ns.kinds:
        t = in_process(files, kind, ns.repeat, ns.dir / "work.xlsm")
        cmd = command(files, kind, ns.dir / "work.xlsm") if not ns.no_command else (float("nan"),) * 3
        print(f"{kind:<6} {ns.rows:>7,} {t['read']:7.2f}s {t['map']:8.2f}s {t['import']:7.2f}s "
              f"{t['import'] / t['map']:5.1f}x {cmd[0]:7.2f}s {cmd[1]:6.2f}s {cmd[2]:5.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
