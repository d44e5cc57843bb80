"""The command line ``bpm-xl`` (typer).

A thin shell: every command loads inputs (a workbook or the built-in example), calls the core
(:func:`bpm_xl.evaluate`, :func:`bpm_xl.sensitivity.analyse`) or the workbook layer
(:mod:`bpm_xl.sheets.build`) and shows the result. Errors in what the user typed or supplied
(:class:`~bpm_xl.errors.BpmError`) are caught here and only here: one line on stderr naming the
file, sheet, cell and rule, exit status 2, no traceback. Anything else is a bug and stays
visible.

Heavy modules (numpy, pandas, matplotlib, xlsxwriter) are imported inside the commands so that
``bpm-xl --help`` answers at once.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

import typer

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from .evaluation import Evaluation, EvaluationInputs

__all__ = ["app", "main"]

EXAMPLE = "example"
XLWINGS_VERSION = "0.37.8"
DEFAULT_DRAWS = 10000
DEFAULT_SEED = 20261126

app = typer.Typer(
    name="bpm-xl",
    help="Budget performance management evaluation (AHP, Delphi, survey scoring) for Excel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)



class Lang(str, Enum):
    zh = "zh"
    en = "en"


_LangOpt = typer.Option(Lang.zh, "--lang", "-l", help="Language of the workbook/report/summary.")
_QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary; only errors.")
_DrawsOpt = typer.Option(DEFAULT_DRAWS, "--draws", min=0, help="Monte Carlo draws of the sensitivity analysis (0: skip it).")


# ----------------------------------------------------------------------------- errors
def _fail(message: str) -> None:
    """One line on stderr, exit status 2."""
    typer.echo(f"bpm-xl: error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(2)


@contextlib.contextmanager
def _user_errors(source: str | os.PathLike | None = None) -> Iterator[None]:
    """Turn bad input (BpmError) and unwritable files into one line and exit status 2."""
    from .errors import BpmError

    try:
        yield
    except BpmError as exc:
        msg = str(exc)
        if source is not None and str(source) != EXAMPLE:
            name = str(source)
            if name not in msg and Path(name).name not in msg:
                msg = f"{name}: {msg}"
        _fail(msg)
    except PermissionError as exc:
        target = exc.filename or source or ""
        _fail(f"{target}: permission denied; close the file if it is open in Excel and try again")
    except IsADirectoryError as exc:
        _fail(f"{exc.filename}: is a directory; give a file name")


def _existing(path: str | os.PathLike) -> Path:
    from .errors import WorkbookError

    p = Path(path)
    if not p.exists():
        raise WorkbookError(f"{p}: no such file; check the path (or use the word 'example')")
    if p.is_dir():
        raise WorkbookError(f"{p}: is a directory; give a workbook file (.xlsm or .xlsx)")
    return p


# ----------------------------------------------------------------------------- helpers
def _stdout(quiet: bool = False) -> "Console":
    from rich.console import Console

    return Console(highlight=False, quiet=quiet, soft_wrap=False)


def _stderr() -> "Console":
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class _Steps:
    """A rich progress bar over named steps (and sub-progress of long ones), or nothing."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled
        self.total = total
        self._progress = None
        self._task = None
        self._done = 0

    def __enter__(self) -> "_Steps":
        if self.enabled:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(),
                                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                      console=_stderr(), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def step(self, description: str) -> None:
        """Start a step (the previous one counts as done)."""
        if self._progress is not None:
            self._progress.update(self._task, completed=self._done, description=description)
        self._done += 1

    def fraction(self, done: int, total: int) -> None:
        """Sub-progress of the current step (a callback for sensitivity.analyse)."""
        if self._progress is not None and total:
            self._progress.update(self._task, completed=self._done - 1 + done / total)


def _lang_value(lang: Any) -> Any:
    return lang.value if isinstance(lang, Enum) else lang


def _load(file: str, lang: str = "zh") -> "EvaluationInputs":
    if file == EXAMPLE:
        from .example import load_example

        return load_example(lang=lang)
    from .sheets.build import read_inputs

    return read_inputs(_existing(file))


def _load_evaluated(file: str, lang: str = "zh") -> tuple["EvaluationInputs", "Evaluation"]:
    """Inputs and their evaluation; for a workbook, an input error names its sheet and cell."""
    if file == EXAMPLE:
        from .evaluation import evaluate

        inputs = _load(file, lang)
        return inputs, evaluate(inputs)
    from .sheets.build import evaluate_data, read_workbook
    from .sheets.read import to_inputs

    data, g = read_workbook(_existing(file))
    ev = evaluate_data(data, g.source)
    return to_inputs(data, source=g.source), ev


def _analyse(inputs: "EvaluationInputs", ev: "Evaluation", draws: int, steps: _Steps | None = None) -> Any:
    if draws <= 0:
        return None
    from .sensitivity import analyse

    return analyse(inputs, draws=draws, seed=DEFAULT_SEED, evaluation=ev,
                   progress=steps.fraction if steps is not None else None)


def _clean(x: Any) -> Any:
    """JSON-safe: NaN/inf -> null, numpy scalars/arrays -> Python."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "tolist") and not isinstance(x, (str, bytes)):
        return _clean(x.tolist())
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    return x


def _dumps(d: Any) -> str:
    return json.dumps(_clean(d), ensure_ascii=False, indent=2, allow_nan=False)


_S: dict[str, tuple[str, str]] = {
    "total": ("加权总分", "Weighted total"),
    "score100": ("百分制得分", "100-point score"),
    "rating": ("评价等级", "Rating"),
    "bands": ("等级划分", "Bands"),
    "dims": ("维度得分", "Dimension subtotals"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "weight": ("权重", "Weight"),
    "score": ("得分", "Score"),
    "contribution": ("贡献", "Contribution"),
    "consistency": ("一致性检验（阈值 CR < {t:g}）", "Consistency (threshold CR < {t:g})"),
    "node": ("节点", "Node"),
    "matrix": ("矩阵", "Matrix"),
    "status": ("结论", "Status"),
    "worst": ("最不一致的判断", "Worst judgment"),
    "ok": ("通过", "ok"),
    "fail": ("未通过", "CR too high"),
    "aggregate": ("集结", "aggregate"),
    "hier": ("层次总排序 CR", "Hierarchy CR"),
    "experts_bad": ("{k}/{n} 个专家矩阵 CR ≥ {t:g}（仍按专家权重参与集结）",
                    "{k} of {n} expert matrices have CR ≥ {t:g} (they still enter the aggregate, weighted)"),
    "delphi": ("德尔菲", "Delphi"),
    "round": ("第 {k} 轮", "round {k}"),
    "authority": ("专家权威系数 Cr", "Authority coefficient Cr"),
    "priorities": ("优先改进指标（加权差距）", "Top improvement priorities (weighted gap)"),
    "rank": ("排名", "Rank"),
    "stage": ("PDCA", "PDCA"),
    "wgap": ("加权差距", "Weighted gap"),
    "loss": ("百分制失分", "100-pt loss"),
    "files": ("生成的文件", "Files written"),
    "sens": ("敏感性（{d} 次抽样，95% 区间）", "Sensitivity ({d} draws, 95% interval)"),
    "sens_j": ("判断扰动", "judgment perturbation"),
    "sens_b": ("专家重抽样", "panel bootstrap"),
    "sens_r": ("答卷重抽样", "respondent bootstrap"),
    "stays": ("等级不变", "rating unchanged"),
}


def _s(key: str, lang: str, **kw: Any) -> str:
    text = _S[key][0 if lang == "zh" else 1]
    return text.format(**kw) if kw else text


def _fmt_judgment(j: Any, children: tuple[str, ...]) -> str:
    def v(x: float) -> str:
        if x >= 1:
            return f"{x:.3g}"
        return f"1/{1 / x:.3g}"

    return f"{children[j.row]}:{children[j.col]} {v(j.value)} → {v(j.scale_value)} (CR {j.cr_after:.3f})"


def print_summary(console: "Console", ev: "Evaluation", lang: str = "zh", sensitivity: Any = None,
                  files: list[Path] | None = None, top: int = 5) -> None:
    """The demo/evaluate summary: score, rating and bands, dimensions, CRs, Delphi, priorities."""
    from rich import box
    from rich.table import Table

    from . import ahp
    from .model import GOAL, PDCA_LABELS

    s = ev.settings
    t = s.cr_threshold
    sysm = ev.system
    r = ev.rating
    zh = lang == "zh"
    if ev.inputs.title:
        console.print(f"[bold]{ev.inputs.title}[/bold]")
    bands = ", ".join(f"{b.grade} {b.label_zh if zh else b.label_en} ≥ {b.lower:g}" for b in r.bands.bands)
    console.print(f"{_s('total', lang)}: [bold]{ev.total:.4f}[/bold] / {s.scale_max:g}   "
                  f"{_s('score100', lang)}: [bold]{ev.score100:.2f}[/bold]   "
                  f"{_s('rating', lang)}: [bold]{r.grade} {r.label_zh if zh else r.label_en}[/bold]")
    console.print(f"{_s('bands', lang)} ({r.bands.name}): {bands}")

    tb = Table(title=_s("dims", lang), box=box.SIMPLE_HEAD, title_justify="left")
    for col, just in (("code", "left"), ("name", "left"), ("weight", "right"), ("score", "right"),
                      ("score100", "right"), ("contribution", "right")):
        tb.add_column(_s(col, lang), justify=just)
    for _, d in ev.dimension_table.iterrows():
        tb.add_row(str(d["dimension"]), str(d["name_zh"] if zh else d["name_en"]), f"{d['weight']:.4f}",
                   f"{d['score']:.4f}", f"{d['score100']:.2f}", f"{d['contribution']:.4f}")
    console.print(tb)

    tc = Table(title=_s("consistency", lang, t=t), box=box.SIMPLE_HEAD, title_justify="left")
    for col, just in (("node", "left"), ("matrix", "left"), ("CR", "right"), ("status", "left"), ("worst", "left")):
        tc.add_column(_s(col, lang) if col in _S else col, justify=just)
    n_bad = n_all = 0
    for code, nr in ev.nodes.items():
        cr = nr.aggregated.consistency_ratio
        bad = cr >= t
        worst = _fmt_judgment(nr.worst[0], nr.children) if (bad and nr.worst) else ""
        label = sysm.goal(lang) if code == GOAL else sysm.label(code, lang)
        tc.add_row(f"{code} {label}", _s("aggregate", lang), f"{cr:.4f}",
                   f"[red]{_s('fail', lang)}[/red]" if bad else _s("ok", lang), worst)
        for ec, er in zip(nr.expert_codes, nr.expert_results):
            n_all += 1
            if er.consistency_ratio >= t:
                n_bad += 1
                n = er.matrix.shape[0]
                wj = ahp.inconsistent_judgments(er.matrix, 1, s.method, s.random_index) if n > 2 else ()
                tc.add_row("", ec, f"{er.consistency_ratio:.4f}", f"[red]{_s('fail', lang)}[/red]",
                           _fmt_judgment(wj[0], nr.children) if wj else "")
    tc.add_row(_s("hier", lang), "", f"{ev.hierarchy.consistency_ratio:.4f}",
               _s("ok", lang) if ev.hierarchy.consistency_ratio < t else f"[red]{_s('fail', lang)}[/red]", "")
    console.print(tc)
    console.print(_s("experts_bad", lang, k=n_bad, n=n_all, t=t))

    if ev.delphi is not None:
        parts = []
        for rd in ev.delphi.rounds:
            if rd.kendall is not None:
                parts.append(f"{_s('round', lang, k=rd.number)}: Kendall W = {rd.kendall.w:.4f} "
                             f"(χ² = {rd.kendall.chi2:.2f}, p = {rd.kendall.p:.4g})")
        parts.append(f"{_s('authority', lang)} = {ev.delphi.authority.panel_cr:.4f}")
        console.print(f"{_s('delphi', lang)}: " + "; ".join(parts))

    tp = Table(title=_s("priorities", lang), box=box.SIMPLE_HEAD, title_justify="left")
    for col, just in (("rank", "right"), ("code", "left"), ("name", "left"), ("stage", "left"),
                      ("wgap", "right"), ("loss", "right")):
        tp.add_column(_s(col, lang), justify=just)
    for _, p in ev.priorities.head(top).iterrows():
        stage = PDCA_LABELS.get(p["stage"], (p["stage"], p["stage"]))[0 if zh else 1]
        tp.add_row(str(int(p["rank"])), str(p["label"]), sysm.label(p["label"], lang), stage,
                   f"{p['weighted_gap']:.4f}", f"{p['weighted_gap'] / s.scale_max * 100:.2f}")
    console.print(tp)

    if sensitivity is not None:
        sd = sensitivity
        rows = [(_s("sens_j", lang), sd.judgments_perturb), (_s("sens_b", lang), sd.judgments_bootstrap),
                (_s("sens_r", lang), sd.respondents)]
        console.print(_s("sens", lang, d=sd.draws) + ": " + "; ".join(
            f"{name} {part.score100.low:.2f}–{part.score100.high:.2f}, {_s('stays', lang)} {part.rating_stays:.1%}"
            for name, part in rows))
    if files:
        console.print(f"{_s('files', lang)}:")
        for f in files:
            console.print(f"  {f}")


# ----------------------------------------------------------------------------- commands
@app.command()
def demo(
    out: Path = typer.Option(Path("bpm-demo"), "--out", "-o", help="Directory to write into."),
    lang: Lang = _LangOpt,
    draws: int = _DrawsOpt,
    quiet: bool = _QuietOpt,
    json_: bool = typer.Option(False, "--json", help="Print the evaluation as JSON instead of the summary."),
) -> None:
    """Run the built-in example: workbook, portable export and report in DIR, and a summary."""
    lang = _lang_value(lang)
    with _user_errors(out):
        from .evaluation import evaluate
        from .example import load_example
        from .sheets import build
        from .writers.report_html import write_html as write_report

        if out.exists() and not out.is_dir():
            _fail(f"{out}: exists and is not a directory; choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        files: list[Path] = []
        with _Steps(5, enabled=not (quiet or json_)) as steps:
            steps.step("evaluate")
            inputs = load_example(lang=lang)
            ev = evaluate(inputs)
            steps.step("sensitivity")
            sens = _analyse(inputs, ev, draws, steps)
            steps.step("workbook (.xlsm)")
            same = draws == 10_000  # the workbook's sensitivity sheet uses 10,000 draws
            files.append(build.new_workbook(out / "bpm_evaluation.xlsm", lang=lang, example=True,
                                            evaluation=ev if same else None, sensitivity=sens if same else None))
            steps.step("portable export (.xlsx)")
            files.append(Path(build.export_portable(inputs, out / "bpm_evaluation_portable.xlsx", lang=lang)))
            steps.step("report (.html)")
            files.append(write_report(ev, out / "report.html", lang, sensitivity=sens).html)
        if json_:
            d = ev.to_dict()
            d["sensitivity"] = sens.to_dict() if sens is not None else None
            d["files"] = [str(f) for f in files]
            typer.echo(_dumps(d))
        elif not quiet:
            print_summary(_stdout(), ev, lang, sens, files)


@app.command()
def new(
    path: Path = typer.Argument(..., help="The workbook to write (.xlsm)."),
    lang: Lang = _LangOpt,
    example: bool = typer.Option(True, "--example/--blank", help="Fill in the example data, or leave inputs empty."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
    quiet: bool = _QuietOpt,
) -> None:
    """Write a new evaluation workbook (.xlsm with the xlwings VBA project)."""
    lang = _lang_value(lang)
    with _user_errors(path):
        if path.exists() and not force:
            _fail(f"{path}: exists already; use --force to overwrite it or choose another name")
        from .sheets.build import new_workbook

        written = new_workbook(path, lang=lang, example=example)
        if not quiet:
            _stdout().print(f"{written}")


@app.command()
def rebuild(
    file: Path = typer.Argument(..., help="The workbook to rebuild (.xlsm)."),
    quiet: bool = _QuietOpt,
) -> None:
    """Rebuild a workbook's output sheets from its inputs (a backup copy is kept)."""
    with _user_errors(file):
        _existing(file)
        from .sheets.build import rebuild_file

        with _Steps(1, enabled=not quiet) as steps:
            steps.step("rebuild")
            res = rebuild_file(file)
        if not quiet:
            c = _stdout()
            c.print(f"{res.path}: {len(res.sheets_written)} sheets written ({', '.join(res.sheets_written)})")
            c.print(f"backup: {res.backup}")


@app.command("evaluate")
def evaluate_cmd(
    file: str = typer.Argument(..., help="A workbook (.xlsm/.xlsx) or the word 'example'."),
    json_: bool = typer.Option(False, "--json", help="Print every figure as JSON."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Write the result tables as CSV files into DIR."),
    lang: Lang = _LangOpt,
    draws: int = typer.Option(0, "--draws", min=0, help="Also run the sensitivity analysis with this many draws."),
    quiet: bool = _QuietOpt,
) -> None:
    """Evaluate a workbook (or the built-in example) and print the summary, JSON or CSV tables."""
    lang = _lang_value(lang)
    with _user_errors(file):
        if json_ and csv is not None:
            _fail("evaluate: choose one of --json and --csv")

        with _Steps(2, enabled=not (quiet or json_)) as steps:
            steps.step("read and evaluate")
            inputs, ev = _load_evaluated(file, lang)
            steps.step("sensitivity")
            sens = _analyse(inputs, ev, draws, steps)
        if json_:
            d = ev.to_dict()
            d["sensitivity"] = sens.to_dict() if sens is not None else None
            typer.echo(_dumps(d))
            return
        if csv is not None:
            written = write_csv(ev, csv, sens)
            if not quiet:
                c = _stdout()
                for f in written:
                    c.print(str(f))
            return
        if not quiet:
            print_summary(_stdout(), ev, lang, sens)


def write_csv(ev: "Evaluation", out: Path, sensitivity: Any = None) -> list[Path]:
    """The result tables as UTF-8 (with BOM, so Excel reads Chinese) CSV files in ``out``."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = {
        "indicators": ev.indicator_table,
        "dimensions": ev.dimension_table,
        "priorities": ev.priorities,
    }
    rows = []
    for code, nr in ev.nodes.items():
        a = nr.aggregated
        rows.append({"node": code, "matrix": "aggregate", "n": len(nr.children), "lambda_max": a.lambda_max,
                     "ci": a.consistency_index, "ri": a.random_index, "cr": a.consistency_ratio,
                     "random_index_table": a.random_index_table, "method": a.method, "n_missing": a.n_missing})
        for ec, r in zip(nr.expert_codes, nr.expert_results):
            rows.append({"node": code, "matrix": ec, "n": len(nr.children), "lambda_max": r.lambda_max,
                         "ci": r.consistency_index, "ri": r.random_index, "cr": r.consistency_ratio,
                         "random_index_table": r.random_index_table, "method": r.method, "n_missing": r.n_missing})
    tables["consistency"] = pd.DataFrame(rows)
    tables["experts"] = pd.DataFrame(
        [{"code": e.code, "name": e.name, "ca": e.ca, "cs": e.cs, "weight": float(w)}
         for e, w in zip(ev.inputs.experts, ev.expert_weights)])
    s = ev.settings
    tables["summary"] = pd.DataFrame([
        {"key": "total", "value": ev.total}, {"key": "score100", "value": ev.score100},
        {"key": "grade", "value": ev.rating.grade}, {"key": "hierarchy_cr", "value": ev.hierarchy.consistency_ratio},
        *({"key": f"band_{b.grade}", "value": b.lower} for b in ev.rating.bands.bands),
        *({"key": k, "value": v} for k, v in s.to_dict().items() if k != "bands"),
    ])
    if ev.delphi is not None:
        frames = []
        for rd in ev.delphi.rounds:
            f = rd.stats.to_frame().merge(rd.screen.to_frame()[["label", "keep", "reason"]], on="label")
            f.insert(0, "round", rd.number)
            f["kendall_w"] = rd.kendall.w if rd.kendall is not None else None
            frames.append(f)
        tables["delphi"] = pd.concat(frames, ignore_index=True)
    if sensitivity is not None:
        tables["sensitivity_weights"] = sensitivity.judgments_perturb.to_frame()
        tables["sensitivity_thresholds"] = sensitivity.weights_frame()
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written


@app.command()
def export(
    file: str = typer.Argument(..., help="A workbook (.xlsm) or the word 'example'."),
    portable: bool = typer.Option(False, "--portable", help="A macro-free .xlsx with native formulas only."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The file to write (default: <name>_portable.xlsx)."),
    lang: Optional[Lang] = typer.Option(None, "--lang", "-l", help="Language (default: the workbook's)."),
    quiet: bool = _QuietOpt,
) -> None:
    """Export a workbook (or the example) as a macro-free .xlsx that opens anywhere."""
    lang = _lang_value(lang)
    with _user_errors(file):
        if not portable:
            _fail("export: choose a format; --portable is the one available")
        from .sheets.build import export_portable
        if file == EXAMPLE:
            source: Any = _load(file, lang or "zh")
            target = out or Path("bpm_example_portable.xlsx")
        else:
            source = _existing(file)
            target = out or source.with_name(f"{source.stem}_portable.xlsx")
        if target.suffix.lower() != ".xlsx":
            _fail(f"{target}: a portable export must end in .xlsx")
        written = export_portable(source, target, lang=lang)
        if not quiet:
            _stdout().print(str(written))


@app.command()
def report(
    file: str = typer.Argument(..., help="A workbook (.xlsm/.xlsx) or the word 'example'."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The file to write (default report.html / report.docx)."),
    docx: bool = typer.Option(False, "--docx", help="A Word report in the 财预〔2020〕10号 outline instead of HTML."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF beside it (needs LibreOffice)."),
    previous: Optional[Path] = typer.Option(None, "--previous", help="Last year's workbook: year-over-year comparison."),
    lang: Lang = _LangOpt,
    draws: int = _DrawsOpt,
    quiet: bool = _QuietOpt,
) -> None:
    """Write the evaluation report: HTML (or Word with --docx), and a PDF with --pdf."""
    lang = _lang_value(lang)
    fmt = "docx" if docx else "html"
    out = out or Path(f"report.{fmt}")
    with _user_errors(file):
        from .writers.report import write_report

        with _Steps(3, enabled=not quiet) as steps:
            steps.step("read and evaluate")
            inputs, ev = _load_evaluated(file, lang)
            prev = None
            if previous is not None:
                with _user_errors(previous):
                    from .sheets.build import evaluate_file

                    prev = evaluate_file(_existing(previous))
            steps.step("sensitivity")
            sens = _analyse(inputs, ev, draws, steps)
            steps.step(f"report (.{fmt}, .pdf)" if pdf else f"report (.{fmt})")
            files = write_report(inputs, ev, sens, out, fmt=fmt, lang=lang, previous=prev, pdf=pdf)
        if not quiet:
            c = _stdout()
            c.print(str(files.path))
            if files.pdf is not None:
                c.print(str(files.pdf))


# ----------------------------------------------------------------------------- excel-setup
@dataclass(frozen=True)
class Check:
    """One setup check: what was checked, whether it passed, what was found, how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _platform() -> str:
    return sys.platform


def _run(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _user_conf() -> Path:
    return Path.home() / ".xlwings" / "xlwings.conf"


def _conf_key() -> str:
    return "INTERPRETER_MAC" if _platform() == "darwin" else "INTERPRETER_WIN"


def read_conf(path: Path) -> dict[str, str]:
    """xlwings.conf entries (``"KEY","value"`` per line)."""
    import csv as _csv

    if not path.exists():
        return {}
    out = {}
    for row in _csv.reader(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if len(row) >= 2:
            out[row[0].strip().upper()] = row[1]
    return out


def write_interpreter(path: Path, key: str, interpreter: str) -> None:
    """Set ``key`` (INTERPRETER_WIN) in an xlwings.conf file, keeping its other entries."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    kept = [ln for ln in lines if not ln.strip().strip('"').upper().startswith(key)]
    kept.append(f'"{key}","{interpreter}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def _python_check(python: str) -> list[Check]:
    checks = [Check("Python", Path(python).exists() and sys.version_info >= (3, 10),
                    f"{python} (Python {sys.version.split()[0]})",
                    "install Python 3.10 or newer and bpm-xl into it (pip install bpm-xl)")]
    try:
        from importlib.metadata import version

        found = version("xlwings")
    except Exception:  # noqa: BLE001 - any failure means "not installed"
        found = None
    checks.append(Check("xlwings", found == XLWINGS_VERSION, f"xlwings {found or 'not installed'} (the workbook "
                        f"carries the VBA of {XLWINGS_VERSION})", f'"{python}" -m pip install xlwings=={XLWINGS_VERSION}'))
    proc = _run([python, "-c", "import bpm_xl.udfs"], timeout=120)
    err = (proc.stderr or "").strip().splitlines()
    checks.append(Check("bpm_xl.udfs", proc.returncode == 0,
                        "imports" if proc.returncode == 0 else (err[-1] if err else f"exit status {proc.returncode}"),
                        f'"{python}" -m pip install --upgrade bpm-xl'))
    return checks


def windows_checks(python: str, workbook: Path | None = None) -> list[Check]:
    """Everything classic Excel on Windows needs, checked."""
    checks = _python_check(python)
    proc = _run([python, "-c", "import win32com.client"], timeout=60)
    checks.append(Check("pywin32", proc.returncode == 0, "imports" if proc.returncode == 0 else "missing",
                        f'"{python}" -m pip install pywin32'))
    conf = _user_conf()
    value = read_conf(conf).get("INTERPRETER_WIN")
    same = value is not None and os.path.normcase(os.path.abspath(value)) == os.path.normcase(os.path.abspath(python))
    checks.append(Check("xlwings.conf", same, f"{conf}: INTERPRETER_WIN = {value or '(not set)'}",
                        "run bpm-xl excel-setup (without --check-only) to write it"))
    if workbook is not None:
        checks.append(_workbook_check(workbook))
    return checks


def _workbook_check(workbook: Path) -> Check:
    import zipfile

    if not workbook.exists():
        return Check("workbook", False, f"{workbook}: no such file", "bpm-xl new bpm_evaluation.xlsm")
    try:
        with zipfile.ZipFile(workbook) as zf:
            names = zf.namelist()
            has_vba = "xl/vbaProject.bin" in names
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return Check("workbook", False, f"{workbook}: not an Excel workbook", "bpm-xl new bpm_evaluation.xlsm")
    if not has_vba:
        return Check("workbook", False, f"{workbook}: has no VBA project (macro-free copy?)",
                     "open the .xlsm written by bpm-xl new, not a portable .xlsx")
    conf_sheet = "xlwings.conf" in book
    return Check("workbook", True, f"{workbook}: VBA project present"
                 + ("; its xlwings.conf sheet is used before ~/.xlwings/xlwings.conf" if conf_sheet else ""))


def _addin_install(python: str) -> Check:
    code = "import sys; from xlwings.cli import main; sys.argv = ['xlwings', 'addin', 'install']; main()"
    proc = _run([python, "-c", code], timeout=300)
    text = ((proc.stdout or "") + (proc.stderr or "")).strip().splitlines()
    ok = proc.returncode == 0 and not any(ln.startswith("Error") for ln in text)
    return Check("xlwings add-in", ok, text[-1] if text else "installed",
                 "quit Excel and run: xlwings addin install (the workbook itself works without the add-in)")


def _print_checks(console: "Console", checks: list[Check]) -> bool:
    for c in checks:
        mark = "[green]ok[/green]  " if c.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {c.name}: {c.detail}", markup=True)
        if not c.ok and c.fix:
            console.print(f"       fix: {c.fix}", markup=False)
    return all(c.ok for c in checks)


_OFFICE_JS = """\
Classic Excel add-ins (COM, VBA calling Python) work on Windows only.
On macOS, Excel on the web and Windows alike, use the Office.js route instead:

  * xlwings Lite: in Excel, Home > Add-ins, install "xlwings Lite" (Microsoft AppSource).
    In its editor add bpm-xl to requirements.txt and, in main.py,
        from bpm_xl.udfs import *   # AHP_WEIGHTS, AHP_CR, KENDALL_W, BPM_SCORE, ...
    then press Restart: the functions appear as =AHP_WEIGHTS(...) etc.
  * xlwings Server: run your own xlwings Server with bpm_xl.udfs as the custom-functions
    module and load its manifest into Excel (see https://docs.xlwings.org, "xlwings Server").

Either way the workbook's native formulas work as they are; or use `bpm-xl export FILE
--portable` for a macro-free copy, and `bpm-xl evaluate` / `bpm-xl report` from a terminal.
"""


@app.command("excel-setup")
def excel_setup(
    workbook: Optional[Path] = typer.Option(None, "--workbook", "-w", help="Also check this workbook (.xlsm)."),
    check_only: bool = typer.Option(False, "--check-only", help="Only check; change nothing."),
    addin: bool = typer.Option(True, "--addin/--no-addin", help="Windows: also run `xlwings addin install`."),
) -> None:
    """Set up classic Excel (Windows) for the workbook, or explain the Office.js route, and check."""
    console = _stdout()
    python = sys.executable
    if _platform().startswith("win"):
        if not check_only:
            key = "INTERPRETER_WIN"
            try:
                write_interpreter(_user_conf(), key, python)
                console.print(f"wrote {key} = {python} to {_user_conf()}", markup=False)
            except OSError as exc:
                console.print(f"could not write {_user_conf()}: {exc.strerror or exc}", markup=False)
            if addin:
                add = _addin_install(python)
                _print_checks(console, [add])
        ok = _print_checks(console, windows_checks(python, workbook))
    else:
        console.print(_OFFICE_JS, markup=False)
        checks = _python_check(python)
        if workbook is not None:
            checks.append(_workbook_check(workbook))
        ok = _print_checks(console, checks)
    if not ok:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console entry for `python -m bpm_xl.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
