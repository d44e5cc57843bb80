"""Commands of the collection round trip: ``forms``, ``collect``, ``import-survey``, ``feedback``.

``register(app)`` adds them to the ``bpm-xl`` typer app. The hub workbook is written in one
place, :func:`_write_hub` (read inputs, apply an update, lay out, write atomically with a
backup): the service's ``rebuild_file(path, update=...)``. Every other file goes through
:mod:`bpm_xl.writers.safe`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from .errors import BpmError, WorkbookError
from .writers import safe

__all__ = ["collect_forms", "import_survey", "register", "write_feedback", "write_forms"]


# ----------------------------------------------------------------------------- the hub
def _write_hub(path: Path, update: Callable[[Any], Any], survey_map: list[list[Any]] | None = None) -> Path | None:
    """Apply ``update`` to the hub's input data and rebuild the file: the service's one rebuild
    (validated, atomic, with a backup; the saved survey map kept or replaced by ``survey_map``).
    Returns the backup path. Raises BpmError (file untouched)."""
    from .service import rebuild_file

    return rebuild_file(path, update=update, survey_map=survey_map).backup


# ----------------------------------------------------------------------------- forms
def write_forms(book: Path, out: Path, round_: int = 1, lang: str = "zh", layout: str = "row") -> list[Path]:
    from .collect import form_specs
    from .service import read_workbook
    from .service import evaluation_of
    from .writers.forms import form_bytes

    data, g = read_workbook(book, formulas=False)
    ev = None
    if round_ >= 2:
        ev, _ = evaluation_of(data, g.source, sensitivity=False)
    specs = form_specs(data, round_, lang, layout, evaluation=ev)
    if not specs:
        raise WorkbookError(f"{book.name}: the Experts sheet lists no expert")
    files = []
    names = set()
    for s in specs:
        name = _safe_name(f"{s.expert}_{s.expert_name}" if s.expert_name else s.expert)
        if name in names:
            raise WorkbookError(f"{book.name}: two experts give the file name {name}.xlsx; make the codes unique")
        names.add(name)
        files.append((out / f"{name}.xlsx", form_bytes(s)))
    out.mkdir(parents=True, exist_ok=True)
    for p, content in files:
        safe.atomic_write(p, content)
    return [p for p, _ in files]


def _safe_name(s: str) -> str:
    bad = '<>:"/\\|?*\x00'
    s = "".join("_" if ch in bad or ord(ch) < 32 else ch for ch in s).strip().strip(".")
    return s or "expert"


# ----------------------------------------------------------------------------- collect
def read_forms(book_values: Any, files: list[Path], lang: str | None = None, adopt: bool = False) -> list[Any]:
    """The returned forms' answers; a form of another evaluation or with a broken seal is refused
    (:func:`bpm_xl.collect.check_identity`) before its answers are read."""
    from .collect import check_identity, hub_nodes, number, system_of
    from .readers.forms import identity_fields, read_answers, read_form_grids, read_identity

    system = system_of(book_values)
    lo = number(book_values.settings.get("scale_min"))
    hi = number(book_values.settings.get("scale_max"))
    out = []
    from .layout.forms import fingerprint

    fp = fingerprint(book_values.system_rows)
    for f in files:
        grids = read_form_grids(f)
        ident = read_identity(f.name, grids)
        from .readers.forms import FormAnswers

        bare = FormAnswers(file=f.name, expert=ident["expert"], round=ident["round"],
                           fingerprint=ident["fingerprint"], title=ident["title"], layout=ident["layout"],
                           lang=ident["lang"], judgments={}, ratings={}, ca=None, cs=None, **identity_fields(ident))
        check_identity(bare, book_values, lang or "zh", adopt)
        if ident["fingerprint"] != fp:
            # identity checks (another workbook / changed system) come first, with the cell
            out.append(bare)
            continue
        out.append(read_answers(f.name, grids, ident, hub_nodes(system), list(system.codes),
                                1.0 if lo is None else lo, 5.0 if hi is None else hi, lang or "zh"))
    return out


def collect_forms(book: Path, files: list[Path], dry_run: bool = False, adopt: bool = False
                  ) -> tuple[Any, Path | None]:
    """Collect returned forms into the hub; returns (ChangeReport, backup or None). The hub is
    written when a cell changes or a form is recorded on the 收回记录 sheet for the first time."""
    import datetime as _dt

    from .collect import apply_forms
    from .readers.workbook import lang_of
    from .service import read_workbook

    values, g = read_workbook(book, formulas=False)
    lang = lang_of(g)
    forms = read_forms(values, files, lang, adopt)
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    _, report = apply_forms(values, forms, lang, adopt, now)          # refuses before anything is written
    if dry_run or not (report.changes or report.logged):
        return report, None
    from dataclasses import replace

    from .service import rebuild_file

    res = rebuild_file(book, update=lambda d: apply_forms(d, forms, lang, adopt, now)[0])
    return replace(report, identity_added=res.identity_added or ""), res.backup


def form_files(args: list[Path]) -> list[Path]:
    """The returned forms named on the command line: files, folders (every .xlsx in them, Office
    lock files ``~$...`` left out) and wildcards (``回收/*.xlsx``: cmd.exe and PowerShell pass
    them on unexpanded), in order, each once. A folder or wildcard that gives no form is refused."""
    import glob

    out: list[Path] = []
    for a in args:
        text = str(a)
        if a.is_dir():
            found = sorted(p for p in a.iterdir() if p.suffix.lower() == ".xlsx" and p.is_file()
                           and not p.name.startswith(("~$", ".~")))
            if not found:
                raise WorkbookError(f"{a}: the folder holds no returned form (.xlsx)")
        elif not a.exists() and glob.has_magic(text):
            found = sorted(Path(p) for p in glob.glob(text) if not Path(p).name.startswith(("~$", ".~"))
                           and Path(p).is_file())
            if not found:
                raise WorkbookError(f"{text}: no file matches")
        else:
            found = [a]
        out.extend(p for p in found if p not in out)
    return out


# ----------------------------------------------------------------------------- feedback
def write_feedback(book: Path, out: Path, lang: str | None = None) -> tuple[list[dict[str, Any]], list[Path]]:
    """The consistency feedback of the hub's expert matrices (``lang``: default the workbook's).
    Needs the judgments only: it works before any survey is imported."""
    from .collect import feedback_rows, system_of
    from .service import lang_of_file, read_workbook
    from .service import evaluate_data

    data, g = read_workbook(book, formulas=False)
    lang = lang or lang_of_file(book)
    ev = evaluate_data(data, g.source)
    rows = feedback_rows(ev, system_of(data), lang)
    out.mkdir(parents=True, exist_ok=True)
    from .console import label

    head = [label(f"feedback_{k}", lang) for k in ("expert", "node", "cr", "a", "b", "current", "suggested", "cr_after",
                                                    "reached", "most_inconsistent")]
    table = [[r["expert"], r["node"], r["cr"], r["a_label"], r["b_label"], _frac(r["current"]), _frac(r["suggested"]),
              r["cr_after"], label("yes" if r["reached"] else "no", lang), r["most_inconsistent"]] for r in rows]
    s = io.StringIO()
    w = csv.writer(s, lineterminator="\r\n")
    w.writerow(head)
    for row in table:
        w.writerow([_csv_safe(v) for v in row])
    csv_path = out / "consistency_feedback.csv"
    safe.atomic_write(csv_path, s.getvalue().encode("utf-8-sig"))
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False, "in_memory": True})
    ws = wb.add_worksheet(label("feedback_sheet", lang))
    hf = wb.add_format({"bold": True, "bg_color": "#BDD7EE", "border": 1, "text_wrap": True})
    nf = wb.add_format({"num_format": "0.0000", "border": 1})
    tf = wb.add_format({"border": 1})
    for c, h in enumerate(head):
        ws.write_string(0, c, h, hf)
    for r, row in enumerate(table, start=1):
        for c, v in enumerate(row):
            if isinstance(v, float):
                ws.write_number(r, c, v, nf)
            else:
                ws.write_string(r, c, str(v), tf)
    ws.set_column(0, 2, 10)
    ws.set_column(3, 4, 26)
    ws.set_column(5, 9, 14)
    ws.freeze_panes(1, 0)
    wb.close()
    xlsx_path = out / "consistency_feedback.xlsx"
    safe.atomic_write(xlsx_path, buf.getvalue())
    return rows, [csv_path, xlsx_path]


def _frac(x: float) -> str:
    from fractions import Fraction

    f = Fraction(x).limit_denominator(9)
    return str(f) if abs(float(f) - x) < 1e-9 else f"{x:.4g}"


def _csv_safe(v: Any) -> Any:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


# ----------------------------------------------------------------------------- survey
def import_survey(book: Path, export: Path, map_csv: Path | None = None, dry_run: bool = False,
                  screen: bool = False, min_seconds: float | None = None,
                  first_option: str | None = None) -> tuple[Any, Path | None]:
    """The service's survey import (computed once, written by the one rebuild)."""
    from .service import import_survey_file

    return import_survey_file(book, export, map_csv, first_option=first_option, dry_run=dry_run, screen=screen,
                              min_seconds=min_seconds)


# ----------------------------------------------------------------------------- typer
def _fail(message: str) -> None:
    """One line on stderr (user text shown literally, control characters escaped), exit 2."""
    from .console import error_line

    typer.echo(error_line(message), err=True)
    raise typer.Exit(2)


def _echo(line: Any) -> None:
    """A line of output that may quote user text (file names, codes): printed literally."""
    from .console import plain

    typer.echo(plain(line))


@contextlib.contextmanager
def _errors(source: Any = None, *others: Any) -> Iterator[None]:
    try:
        yield
    except BpmError as exc:
        msg = str(exc)
        named = [source, *others]
        if source is not None and not any(p is not None and (str(p) in msg or Path(str(p)).name in msg)
                                          for p in named):
            msg = f"{source}: {msg}"
        _fail(msg)
    except OSError as exc:
        _fail(safe.os_error_message(exc, source))


def _existing(p: Path) -> Path:
    if not p.exists():
        raise WorkbookError(f"{p}: no such file")
    if p.is_dir():
        raise WorkbookError(f"{p}: is a directory; give a file")
    return p


def _print_outcome(result: Any, book: Path, bak: Path | None, dry_run: bool) -> None:
    """What changed in the hub (``result.lines()``), and where the backup is."""
    from .console import label

    lang = "zh" if getattr(result, "lang", None) == "zh" else "en"   # a result that knows the hub's language speaks it
    for line in result.lines():
        _echo(line)
    if dry_run:
        typer.echo(label("dry_run", lang))
    elif bak is not None:
        _echo(label("updated", lang, book=book, bak=bak))


def forms_cmd(
    book: Path = typer.Argument(..., help="The hub workbook (.xlsm)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the questionnaires into."),
    round_: int = typer.Option(1, "--round", min=1, max=2, help="Delphi round of the questionnaires (1 or 2)."),
    lang: str = typer.Option("zh", "--lang", "-l", help="Language of the questionnaires: zh or en."),
    layout: str = typer.Option("row", "--layout", help="Pairwise layout: row (9-1-9 rows, default) or matrix."),
) -> None:
    """Write one questionnaire (.xlsx) per expert on the Experts sheet, pre-filled from the hub."""
    with _errors(book):
        if lang not in ("zh", "en"):
            raise WorkbookError(f"--lang: {lang!r} is not zh or en")
        if layout not in ("row", "matrix"):
            raise WorkbookError(f"--layout: {layout!r} is not row or matrix")
        files = write_forms(_existing(book), out, round_, lang, layout)
    for p in files:
        _echo(p)


def collect_cmd(
    book: Path = typer.Argument(..., help="The hub workbook (.xlsm)."),
    forms: list[Path] = typer.Argument(..., help="Returned questionnaires (.xlsx), folders of them, or wildcards "
                                                 "such as 回收/*.xlsx."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; write nothing."),
    adopt: bool = typer.Option(False, "--adopt", help="Take in forms of another evaluation of the same indicator "
                                                      "system, or without a seal (the hub was re-created)."),
) -> None:
    """Write returned questionnaires' answers into the hub and rebuild it (backup kept)."""
    with _errors(book, *forms):
        _existing(book)
        files = form_files(forms)
    with _errors(book, *files):
        report, bak = collect_forms(book, files, dry_run, adopt)
    for line in report.lines():
        _echo(line)
    from .console import label

    if dry_run:
        typer.echo(label("dry_run", report.lang))
    elif bak is not None:
        _echo(label("updated", report.lang, book=book, bak=bak))


def import_survey_cmd(
    book: Path = typer.Argument(..., help="The hub workbook (.xlsm)."),
    export: Path = typer.Argument(..., help="Survey export: 问卷星 / 腾讯问卷 .xlsx/.xls/.csv, or a plain CSV."),
    map_: Path | None = typer.Option(None, "--map", help="CSV: question title, indicator code, reverse (yes/no)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the mapping and the screening; write nothing."),
    screen: bool = typer.Option(False, "--screen", help="Drop the responses the screening flags."),
    min_seconds: float | None = typer.Option(None, "--min-seconds", help="Too fast below this many seconds "
                                                "(default: the survey map sheet's setting, else 60)."),
    first_option: str | None = typer.Option(None, "--first-option", help="Code exports (option numbers): the text "
                                            "of option 1, 非常满意 (best first) or 非常不满意 (worst first)."),
) -> None:
    """Fill the Survey sheet from a survey export (mapping guessed, saved in the hub, reused)."""
    with _errors(book, export, map_):
        _existing(book)
        _existing(export)
        if map_ is not None:
            _existing(map_)
        result, bak = import_survey(book, export, map_, dry_run, screen, min_seconds, first_option)
    _print_outcome(result, book, bak, dry_run)


#: What ``feedback`` prints, in the workbook's language (or --lang).
_FEEDBACK_LINE = {"zh": "{m} 个专家矩阵需复核，共 {j} 个判断", "en": "{m} matrix(es) to review, {j} judgment(s)"}


def feedback_cmd(
    book: Path = typer.Argument(..., help="The hub workbook (.xlsm)."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Directory for consistency_feedback.csv/.xlsx."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="zh or en (default: the workbook's language)."),
) -> None:
    """Per expert matrix that fails the CR threshold: the judgments to reconsider and suggested values."""
    with _errors(book):
        if lang not in (None, "zh", "en"):
            raise WorkbookError(f"--lang: {lang!r} is not zh or en")
        _existing(book)
        from .service import lang_of_file

        lang = lang or lang_of_file(book)
        rows, files = write_feedback(book, out, lang)
    typer.echo(_FEEDBACK_LINE[lang].format(m=len({(r["expert"], r["node"]) for r in rows}), j=len(rows)))
    for p in files:
        _echo(p)


def register(app: typer.Typer) -> None:
    """Add ``forms``, ``collect``, ``import-survey`` and ``feedback`` to ``app``."""
    app.command("forms")(forms_cmd)
    app.command("collect")(collect_cmd)
    app.command("import-survey")(import_survey_cmd)
    app.command("feedback")(feedback_cmd)


_ = os
