"""Commands of the collection round trip: ``forms``, ``collect``, ``import-survey``, ``feedback``.

``register(app)`` adds them to the ``bpm-xl`` typer app. Each command calls one job of
:mod:`bpm_xl.service` (forms, collect, survey import, feedback: read, check, write through the
service's one rebuild and its safe writes) and prints what the job returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from .errors import BpmError, WorkbookError

__all__ = ["register"]


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
        from .service import os_error_message

        _fail(os_error_message(exc, source))


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
    from . import service  # lazily: `bpm-xl --help` does not load the service

    with _errors(book):
        if lang not in ("zh", "en"):
            raise WorkbookError(f"--lang: {lang!r} is not zh or en")
        if layout not in ("row", "matrix"):
            raise WorkbookError(f"--layout: {layout!r} is not row or matrix")
        files = service.write_forms(_existing(book), out, round_, lang, layout)
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
    from . import service  # lazily: `bpm-xl --help` does not load the service

    with _errors(book, *forms):
        _existing(book)
        files = service.form_files(forms)
    with _errors(book, *files):
        report, bak = service.collect_forms(book, files, dry_run, adopt)
    _print_outcome(report, book, bak, dry_run)


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
    from . import service  # lazily: `bpm-xl --help` does not load the service

    with _errors(book, export, map_):
        _existing(book)
        _existing(export)
        if map_ is not None:
            _existing(map_)
        done = service.import_survey_file(book, export, map_, first_option=first_option, dry_run=dry_run,
                                          screen=screen, min_seconds=min_seconds)
    _print_outcome(done.report, book, done.backup, dry_run)


#: What ``feedback`` prints, in the workbook's language (or --lang).
_FEEDBACK_LINE = {"zh": "{m} 个专家矩阵需复核，共 {j} 个判断", "en": "{m} matrix(es) to review, {j} judgment(s)"}


def feedback_cmd(
    book: Path = typer.Argument(..., help="The hub workbook (.xlsm)."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Directory for consistency_feedback.csv/.xlsx."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="zh or en (default: the workbook's language)."),
) -> None:
    """Per expert matrix that fails the CR threshold: the judgments to reconsider and suggested values."""
    from . import service  # lazily: `bpm-xl --help` does not load the service

    with _errors(book):
        if lang not in (None, "zh", "en"):
            raise WorkbookError(f"--lang: {lang!r} is not zh or en")
        _existing(book)
        lang = lang or service.lang_of_file(book)
        rows, files = service.write_feedback(book, out, lang)
    typer.echo(_FEEDBACK_LINE[lang].format(m=len({(r["expert"], r["node"]) for r in rows}), j=len(rows)))
    for p in files:
        _echo(p)


def register(app: typer.Typer) -> None:
    """Add ``forms``, ``collect``, ``import-survey`` and ``feedback`` to ``app``."""
    app.command("forms")(forms_cmd)
    app.command("collect")(collect_cmd)
    app.command("import-survey")(import_survey_cmd)
    app.command("feedback")(feedback_cmd)

