"""The command line ``bpm-xl`` (typer): argument handling only.

Every command calls one job of :mod:`bpm_xl.service` and prints through
:mod:`bpm_xl.console`. Bad input (:class:`~bpm_xl.errors.BpmError`) and any OSError become
one line on stderr naming the file (sheet, cell) and the cause, exit status 2, no traceback.
Anything else is a bug and stays visible.

Heavy modules (numpy, pandas, matplotlib, xlsxwriter) are imported inside the commands so that
``bpm-xl --help`` answers at once.

numpy's BLAS runs on one thread in the command line (``OPENBLAS_NUM_THREADS`` and friends, unless
already set): bpm-xl's matrices are small or thin, and on a busy machine OpenBLAS's waiting
threads made the respondent bootstrap of a 100,000-respondent survey take 12 s instead of 3 s
(benchmarks/results.md).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported (see the module docstring)

import contextlib  # noqa: E402 - after the thread limits above
import json  # noqa: E402 - after the thread limits above
import math  # noqa: E402 - after the thread limits above
from enum import Enum  # noqa: E402 - after the thread limits above
from pathlib import Path  # noqa: E402 - after the thread limits above
from typing import Any, Iterator, Optional  # noqa: E402 - after the thread limits above

import typer  # noqa: E402 - after the thread limits above

from .cli_collect import register as _register_collect  # noqa: E402 - after the thread limits above

__all__ = ["app", "main"]

EXAMPLE = "example"
#: The default number of sensitivity draws (the service's SENSITIVITY_DRAWS; kept literal so
#: ``--help`` does not import the service).
DEFAULT_DRAWS = 10_000

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
_FileLangOpt = typer.Option(None, "--lang", "-l", help="Language of the output (default: the workbook's).")
_QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary; only errors.")
_DrawsOpt = typer.Option(DEFAULT_DRAWS, "--draws", min=0, help="Monte Carlo draws of the sensitivity analysis (0: skip it).")


# ----------------------------------------------------------------------------- errors
def _fail(message: str) -> None:
    """One line on stderr, exit status 2."""
    from .console import error_line

    typer.echo(error_line(message), err=True)
    raise typer.Exit(2)


@contextlib.contextmanager
def _user_errors(source: str | os.PathLike | None = None) -> Iterator[None]:
    """Turn bad input (BpmError) and every OSError into one line and exit status 2."""
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
    except OSError as exc:
        from .service import os_error_message

        _fail(os_error_message(exc, source))


def _existing(path: str | os.PathLike) -> Path:
    from .errors import WorkbookError

    p = Path(path)
    if not p.exists():
        raise WorkbookError(f"{p}: no such file; check the path (or use the word 'example')")
    if p.is_dir():
        raise WorkbookError(f"{p}: is a directory; give a workbook file (.xlsm or .xlsx)")
    return p


def _source(file: str) -> str | Path:
    return file if file == EXAMPLE else _existing(file)


def _lang_value(lang: Any) -> Any:
    return lang.value if isinstance(lang, Enum) else lang


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

            from .console import stderr

            err = stderr()
            if not err.is_terminal:  # a bar on a pipe or file only leaves a blank line before errors
                return self
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<28}", markup=False), BarColumn(),
                                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                      console=err, transient=True)
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
        """Sub-progress of the current step (a callback for the sensitivity analysis)."""
        if self._progress is not None and total:
            self._progress.update(self._task, completed=self._done - 1 + done / total)


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


def _as_json(ev: Any, sens: Any, **extra: Any) -> str:
    d = ev.to_dict()
    d["sensitivity"] = sens.to_dict() if sens is not None else None
    d.update(extra)
    return _dumps(d)


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
        from . import console, service

        if out.exists() and not out.is_dir():
            _fail(f"{out}: exists and is not a directory; choose another --out")
        files: list[Path] = []
        with _Steps(5, enabled=not (quiet or json_)) as steps:
            steps.step("evaluate, sensitivity")
            done = service.evaluate_file(EXAMPLE, lang=lang, draws=draws, progress=steps.fraction)
            ev, sens = done.evaluation, done.sensitivity
            steps.step("workbook (.xlsm)")
            same = draws == service.SENSITIVITY_DRAWS  # the workbook's sensitivity sheet uses these draws
            files.append(service.new_workbook(out / "bpm_evaluation.xlsm", lang=lang, example=True,
                                              evaluation=ev if same else None, sensitivity=sens if same else None))
            steps.step("portable export (.xlsx)")
            files.append(service.export_file(done.inputs, out / "bpm_evaluation_portable.xlsx", lang=lang))
            steps.step("report (.html)")
            files.append(service.write_report_files(ev, out / "report.html", lang, sensitivity=sens).html)
        if json_:
            typer.echo(_as_json(ev, sens, files=[str(f) for f in files]))
        elif not quiet:
            console.print_summary(console.stdout(), ev, lang, sens, files)


@app.command()
def new(
    path: Path = typer.Argument(..., help="The workbook to write (.xlsm; .xlsx with --portable)."),
    lang: Lang = _LangOpt,
    example: Optional[bool] = typer.Option(None, "--example/--blank",
                                           help="Fill in the example data (the default), or leave inputs empty. "
                                                "With --template other than bsc the hub starts blank."),
    template: Optional[str] = typer.Option(None, "--template",
                                           help="Start from an indicator system: bsc (the study's shape, AHP weights), "
                                                "project (财预〔2020〕10号 three-level frame, points), department "
                                                "(部门整体支出 frame, points)."),
    portable: bool = typer.Option(False, "--portable",
                                  help="A macro-free .xlsx hub for WPS/LibreOffice/Excel without Python."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
    shipped: bool = typer.Option(False, "--shipped", hidden=True,
                                  help="No evaluation ID (the shipped workbook: each copy gets its own on its first "
                                       "rebuild)."),
    quiet: bool = _QuietOpt,
) -> None:
    """Write a new evaluation workbook (.xlsm with the xlwings VBA project, or --portable .xlsx)."""
    lang = _lang_value(lang)
    with _user_errors(path):
        if path.exists() and not force:
            _fail(f"{path}: exists already; use --force to overwrite it or choose another name")
        from . import console, service

        if example is None:   # the example unless a template other than the study's shape is asked for
            example = template is None or template.strip().lower() == "bsc"
        written = service.new_workbook(path, lang=lang, example=example, portable=portable, shipped=shipped,
                                       template=template)
        if not quiet:
            console.print_lines(console.stdout(), [written])


@app.command()
def rebuild(
    file: Path = typer.Argument(..., help="The workbook to rebuild (.xlsm, or a portable .xlsx)."),
    quiet: bool = _QuietOpt,
) -> None:
    """Rebuild a workbook's output sheets from its inputs (a backup copy is kept)."""
    with _user_errors(file):
        _existing(file)
        from . import console, service

        with _Steps(1, enabled=not quiet) as steps:
            steps.step("rebuild")
            res = service.rebuild_file(file)
        if not quiet:
            lines = [f"{res.path}: {len(res.sheets_written)} sheets written ({', '.join(res.sheets_written)})"]
            if res.identity_added:
                lines.append(f"the workbook had no evaluation ID (written by an earlier bpm-xl); it now has "
                             f"{res.identity_added}")
            if not res.evaluated:
                lines.append(f"not evaluated yet: {res.problem}")
            elif res.status == "pending_survey":
                lines.append(f"scores pending the survey: {res.problem}")
            if res.backup is not None:
                lines.append(f"backup: {res.backup}")
            console.print_lines(console.stdout(), lines)


@app.command("evaluate")
def evaluate_cmd(
    file: str = typer.Argument(..., help="A workbook (.xlsm/.xlsx) or the word 'example'."),
    json_: bool = typer.Option(False, "--json", help="Print every figure as JSON."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Write the result tables as CSV files into DIR."),
    keys: bool = typer.Option(False, "--keys", help="CSV headers as stable English keys (default: the edition's language)."),
    lang: Optional[Lang] = _FileLangOpt,
    draws: int = typer.Option(0, "--draws", min=0, help="Also run the sensitivity analysis with this many draws."),
    quiet: bool = _QuietOpt,
) -> None:
    """Evaluate a workbook (or the built-in example) and print the summary, JSON or CSV tables."""
    with _user_errors(file):
        if json_ and csv is not None:
            _fail("evaluate: choose one of --json and --csv")
        from . import console, service

        with _Steps(2, enabled=not (quiet or json_)) as steps:
            steps.step("read, evaluate, sensitivity")
            done = service.evaluate_file(_source(file), lang=_lang_value(lang), draws=draws, progress=steps.fraction)
        if json_:
            typer.echo(_as_json(done.evaluation, done.sensitivity))
        elif csv is not None:
            written = service.write_csv_tables(done.evaluation, csv, done.sensitivity, lang=done.lang, keys=keys)
            if not quiet:
                console.print_lines(console.stdout(), written)
        elif not quiet:
            console.print_summary(console.stdout(), done.evaluation, done.lang, done.sensitivity)


@app.command()
def export(
    file: str = typer.Argument(..., help="A workbook (.xlsm) or the word 'example'."),
    portable: bool = typer.Option(False, "--portable", help="A macro-free .xlsx with native formulas only."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The file to write (default: <name>_portable.xlsx)."),
    lang: Optional[Lang] = _FileLangOpt,
    quiet: bool = _QuietOpt,
) -> None:
    """Export a workbook (or the example) as a macro-free .xlsx that opens anywhere."""
    with _user_errors(file):
        if not portable:
            _fail("export: choose a format; --portable is the one available")
        from . import console, service

        written = service.export_file(_source(file), out, lang=_lang_value(lang))
        if not quiet:
            console.print_lines(console.stdout(), [written])


@app.command()
def functions(
    out: Path = typer.Option(Path("bpm_functions.xlsx"), "--out", "-o", help="The library workbook to write (.xlsx)."),
    lang: Lang = _LangOpt,
    quiet: bool = _QuietOpt,
) -> None:
    """Write the functions as LAMBDA names for Excel 365 without Python, with worked examples."""
    with _user_errors(out):
        from . import console, service

        written = service.write_functions(out, lang=_lang_value(lang))
        if not quiet:
            console.print_lines(console.stdout(), [written])


@app.command()
def report(
    file: str = typer.Argument(..., help="A workbook (.xlsm/.xlsx) or the word 'example'."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The file to write (default report.html / report.docx)."),
    docx: bool = typer.Option(False, "--docx", help="A Word report in the 财预〔2020〕10号 outline instead of HTML."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF beside it (needs LibreOffice)."),
    previous: Optional[Path] = typer.Option(None, "--previous", help="Last year's workbook: year-over-year comparison."),
    lang: Optional[Lang] = _FileLangOpt,
    draws: int = _DrawsOpt,
    quiet: bool = _QuietOpt,
) -> None:
    """Write the evaluation report: HTML (or Word with --docx), and a PDF with --pdf."""
    fmt = "docx" if docx else "html"
    out = out or Path(f"report.{fmt}")
    with _user_errors(file):
        from . import console, service

        with _Steps(2, enabled=not quiet) as steps:
            steps.step("read, evaluate, sensitivity")
            files = service.report_file(_source(file), out, lang=_lang_value(lang), pdf=pdf, draws=draws,
                                        progress=steps.fraction, fmt=fmt,
                                        previous=None if previous is None else _source(str(previous)))
            steps.step("report")
        if not quiet:
            console.print_lines(console.stdout(), [f for f in (files.path, files.pdf) if f is not None])


@app.command("excel-setup")
def excel_setup(
    workbook: Optional[Path] = typer.Option(None, "--workbook", "-w", help="Also check this workbook (.xlsm)."),
    check_only: bool = typer.Option(False, "--check-only", help="Only check; change nothing."),
    addin: bool = typer.Option(True, "--addin/--no-addin", help="Windows: also run `xlwings addin install`."),
) -> None:
    """Set up classic Excel (Windows) for the workbook, or explain the Office.js route, and check."""
    from . import console, winsetup

    if not winsetup.run_setup(console.stdout(), workbook, check_only=check_only, addin=addin):
        raise typer.Exit(1)


_register_collect(app)


def main() -> None:  # pragma: no cover - console entry for `python -m bpm_xl.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
