"""The one path per job on a workbook file: new, rebuild, evaluate, export, report.

The command line (:mod:`bpm_xl.cli`) and the in-Excel macro (:mod:`bpm_xl.macros`) call
this module and nothing below it, so they cannot disagree. It is the only place that calls
:func:`bpm_xl.evaluate` and the sensitivity analysis for files; the sensitivity step and its
draws/seed defaults exist here once (:func:`sensitivity_of`).

Validation, the same for every job (:func:`assess`): one pass over the inputs lists every
problem with its kind, place and rule (:mod:`bpm_xl.validation`), and the status follows from
that list:

- **complete**: no problem (or only judgment pairs the evaluation completes); the inputs are
  evaluated and the figures are written as the cached values.
- **pending survey**: everything but the survey is there (no survey imported yet, or an
  indicator nobody answered): weights, consistency and the Delphi figures are evaluated and
  written; the scores of the unanswered indicators, the total and the grade are pending
  (``Evaluation.status``; #N/A in the sheets, null in the JSON, 待问卷 in the summaries).
- **incomplete**: a required input is still blank (a setting, an expert's Ca or Cs, a
  judgment pair no expert has given where the matrix cannot be completed without it, an
  expert's matrix whose judgments do not yet connect, a Delphi indicator nobody rated) *and*
  every value entered so far passes its rule. The workbook is laid out without figures (the
  formulas compute once the inputs are there). A blank workbook is incomplete.
- **invalid**: an entered value breaks a rule (an answer 6, 五 or 4分, a judgment 0, an
  unknown method ...), whatever else is blank. The job refuses with the first one's located
  :class:`~bpm_xl.errors.BpmError` (file, sheet, cell, rule) and writes nothing.

Files are written only through :mod:`bpm_xl.writers.safe` (temp file, fsync, rename; a
backup that is never partial; a lock that keeps two rebuilds apart). Reading never looks at
lock files: evaluate, report and export work on a workbook that is open elsewhere.

Every job reaches the other layers (``bpm_xl.readers.workbook``, ``bpm_xl.layout``,
``bpm_xl.writers``) through the few functions in the section "calls into the other layers".
"""

from __future__ import annotations

import gc
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BpmError, ModelError, WorkbookError
from .layout import data_from_inputs, plan_workbook, with_sensitivity
from .layout.collect import hub_extra_sheets
from .layout.identity import new_identity
from .layout.labels import USER_ROLES
from .layout.types import SurveyTable, WorkbookData, WorkbookPlan
from .readers.workbook import (
    Grids,
    check_file,
    check_layout_room,
    inputs_and_places,
    lang_of,
    load_grids,
    read_data,
    read_inputs,
    read_workbook,
    system_of,
)
from .writers import safe
from .writers.portable import export_portable, portable_plan
from .writers.vba import vba_project
from .writers.xlsx import write_workbook

if TYPE_CHECKING:  # pragma: no cover
    from .evaluation import Evaluation, EvaluationInputs
    from .model import IndicatorSystem
    from .validation import Problem
    from .writers.report_html import ReportFiles
    from .sensitivity import SensitivityResult
    from .writers.livebook import LiveWrites

__all__ = [
    "EXAMPLE",
    "SENSITIVITY_DRAWS",
    "SENSITIVITY_SEED",
    "Assessment",
    "Evaluated",
    "RebuildResult",
    "assess",
    "sensitivity_of",
    "lang_of_file",
    "load_source",
    "new_workbook",
    "rebuild_file",
    "import_survey_file",
    "plan_book",
    "evaluate_file",
    "export_file",
    "report_file",
    "write_report_files",
    # still here during this wave (CORE and LAYOUT move them):
    "example_workbook_data",
    "blank_workbook_data",
    "write_workbook",
    "load_grids",
    "read_workbook",
    "read_inputs",
    "vba_project",
]

#: The word the commands accept instead of a file: the built-in example.
EXAMPLE = "example"
#: Monte Carlo draws and seed of the sensitivity analysis (seeded: a rebuild is reproducible).
SENSITIVITY_DRAWS = 10_000
SENSITIVITY_SEED = 20261126
@dataclass(frozen=True)
class RebuildResult:
    path: Path
    backup: Path | None
    sheets_written: tuple[str, ...]
    indicators: int
    experts: int
    respondents: int
    evaluated: bool               # False: inputs incomplete, laid out without figures
    problem: str | None = None    # what is still missing (not evaluated) or unanswered (scores pending)
    status: str = "complete"      # Assessment.status: "complete", "pending_survey" or "incomplete"
    identity_added: str | None = None   # the evaluation ID given to a file that had none


@dataclass(frozen=True)
class Assessment:
    """What the inputs allow: an evaluation (complete, or with the survey's part pending) or
    the first thing still missing."""

    system: "IndicatorSystem"
    inputs: "EvaluationInputs | None"
    evaluation: "Evaluation | None"
    missing: str | None = None          # what is still blank (incomplete) or unanswered (pending survey)
    error: BpmError | None = None       # the located error of the first blank input (incomplete)
    problems: "tuple[Problem, ...]" = ()  # every problem found (bpm_xl.validation), none invalid

    @property
    def status(self) -> str:
        """"complete", "pending_survey" or "incomplete", from the problems found."""
        from .validation import status_of

        return status_of(self.problems)


@dataclass(frozen=True)
class Evaluated:
    """A source evaluated: the inputs, the evaluation, the sensitivity (or None), the language."""

    inputs: "EvaluationInputs"
    evaluation: "Evaluation"
    sensitivity: "SensitivityResult | None"
    lang: str


# ---------------------------------------------------------------------------------------
def example_workbook_data(lang: str = "zh") -> tuple[WorkbookData, Any]:
    """The built-in example as workbook data, and its indicator system."""
    from .example import example_data, load_example

    inputs = load_example(lang=lang)
    raw = example_data()
    # judgments typed as text ("1/3") become numbers, shown by the fraction-formatted cells
    data = replace(data_from_inputs(inputs), delphi_sent=list(raw["delphi"]["sent"]), delphi_returned=list(raw["delphi"]["returned"]),
                    bands_name=_bands_title(lang), title=inputs.title)
    return data, inputs.system


def blank_workbook_data(lang: str = "zh") -> tuple[WorkbookData, Any]:
    """A workbook ready to fill in: the default indicator system, three expert rows, no answers."""
    from .evaluation import Settings
    from .model import default_system

    s = Settings()
    system = default_system()
    data = WorkbookData(
        settings={"method": s.method, "random_index": s.random_index, "aggregation": s.aggregation,
                  "expert_weighting": s.expert_weighting, "scale_min": s.scale_min, "scale_max": s.scale_max,
                  "cr_threshold": s.cr_threshold, "min_mean": s.min_mean, "max_cv": s.max_cv},
        bands=[(b.grade, b.lower, b.label_zh, b.label_en) for b in s.bands.bands],
        bands_name=_bands_title(lang),
        system_rows=system.to_frame().to_dict("records"),
        experts=[{"code": f"E{k:02d}", "name": "", "ca": None, "cs": None} for k in (1, 2, 3)],
        judgments={}, delphi=[{}, {}], delphi_sent=[None, None], delphi_returned=[None, None],
        survey_ids=[], survey=SurveyTable.of_rows([]),
    )
    return data, system


def template_workbook_data(name: str, lang: str = "zh") -> tuple[WorkbookData, Any]:
    """A blank workbook on template ``name`` (:mod:`bpm_xl.templates`): its indicator system,
    the 评分标准 of its data indicators (values blank), three expert rows, no answers."""
    from . import templates

    t = templates.get(name)
    data, _ = blank_workbook_data(lang)
    rows = data_from_inputs(templates.template_inputs(t.name, experts=(), lang=lang)).data_rows
    return replace(data, system_rows=t.system.to_frame().to_dict("records"), data_rows=rows,
                   title=t.title(lang), template=t.name), t.system


def _bands_title(lang: str) -> str:
    from .texts import text

    return text("bands_name.mof2020", lang)


# =======================================================================================
# Calls into the other layers, in one place (re-pointed by the lead at merge)
# =======================================================================================
def _read(path: Path, formulas: bool = False, reuse: Grids | None = None) -> tuple[WorkbookData, Grids]:
    return read_workbook(path, formulas=formulas, reuse=reuse)


def _lang(g: Grids) -> str:
    return lang_of(g)


def _plan(data: WorkbookData, system: Any, lang: str, *, evaluation: Any = None, sensitivity: Any = None,
          extra: dict[str, list[list[Any]]] | None = None) -> WorkbookPlan:
    return plan_workbook(data, system, lang, evaluation=evaluation, sensitivity=sensitivity, extra=extra)


def _portable_plan(plan: WorkbookPlan, system: Any, shown: WorkbookPlan | None = None) -> WorkbookPlan:
    """The macro-free form of ``plan``: every bpm-xl function call a native formula."""
    return portable_plan(plan, system, shown)


def _xlsx_bytes(plan: WorkbookPlan, vba: bytes | None, preserved: Any = None) -> bytes:
    """The file's bytes; with ``preserved`` (a rebuild) what the user owns is put back."""
    buf = io.BytesIO()
    write_workbook(plan, buf, vba, preserved=preserved)  # protection and user formula values included
    return buf.getvalue()


def _preserved(path: Path, g: Grids | None = None) -> Any:
    """What a rebuild must keep of ``path``; refuses what it cannot keep and moved names.
    ``g``: the file's grids just read (a sheet they streamed is not read again)."""
    from .readers.preserve import check_defined_names, check_name_sheets, read_preserved

    preserved = read_preserved(path, known=g.facts if g is not None else None)
    if preserved.unsupported:
        raise WorkbookError(
            f"{path.name}: {preserved.unsupported[0]} cannot be carried over by a rebuild yet; "
            f"move that sheet to another workbook (or copy the workbook), rebuild, then move it back")
    if preserved.layout:
        check_defined_names(preserved.defined_names, preserved.layout, path.name)
    else:
        check_name_sheets(preserved.defined_names, path.name)
    return preserved


#: Names whose top-left cell depends on the shape of the inputs before them (not checked
#: against a fresh plan when the file carries no layout record).
_SHAPE_DEPENDENT = re.compile(r"^BPM_(J_[1-9]\d*|DELPHI_(?:[2-9]|\d{2,}))$")


def _check_names_without_record(preserved: Any, plan: WorkbookPlan, source: str) -> None:
    """Files written before the layout record: names must sit where bpm-xl would put them."""
    if preserved.layout:
        return
    from .layout.preserve import layout_record
    from .readers.preserve import check_defined_names

    inputs = [sp.name for sp in plan.sheets if sp.kind == "input"]
    expected = {k: v for k, v in layout_record(plan.names, inputs).items() if not _SHAPE_DEPENDENT.match(k)}
    check_defined_names(preserved.defined_names, expected, source, positions_only=True)


# =======================================================================================
# Validation and evaluation: the one place for files
# =======================================================================================
def _listed(source: str, what: str, items: list[str]) -> str:
    return (f"{source}: {what}: {', '.join(items[:3])}"
            + (f" and {len(items) - 3} more" if len(items) > 3 else ""))


def assess(data: WorkbookData, source: str = "workbook") -> Assessment:
    """Complete, pending survey (evaluated but for the scores), incomplete (laid out without
    figures) or invalid (raises).

    See the module docstring for the rule. The problems are listed first, in one pass over the
    inputs (:func:`bpm_xl.validation.walk`), and the status follows from that list: the first
    invalid problem raises its located :class:`~bpm_xl.errors.BpmError` (the one ``bpm-xl
    evaluate`` names); a blank required input leaves the workbook incomplete (``missing`` names
    the blanks, ``error`` the first one's located error); otherwise the inputs are evaluated.
    The indicators without a survey answer (``missing``) are the core's ``Evaluation.pending``:
    their scores, the total and the grade are pending.
    """
    from .evaluation import evaluate
    from .validation import BLANK, GAP, INVALID, UNANSWERED, walk

    w = walk(data, source)
    first = next((p for p in w.problems if p.kind == INVALID), None)
    if first is not None:
        raise first.error  # type: ignore[misc] - an invalid problem always carries its error
    blanks = [p for p in w.problems if p.kind == BLANK]
    if blanks:
        named = [p.message for p in w.problems if p.kind in (BLANK, GAP)]
        return Assessment(w.system, None, None, _listed(source, "still blank", named), blanks[0].error, w.problems)
    inputs, places = inputs_and_places(data, source, tables=w.tables)
    try:
        ev = evaluate(inputs)
    except BpmError as exc:  # a rule only evaluate() applies (an empty panel, a matrix too large for its RI table)
        raise places.locate(exc) from None
    unanswered = [p.message for p in w.problems if p.kind == UNANSWERED]
    survey_only = all(inputs.system.indicator(c).kind == "survey" for c in ev.pending)
    pending = _listed(source, "no survey answers yet for" if survey_only else "nothing to score yet for",
                      unanswered) if unanswered else None
    return Assessment(w.system, inputs, ev, pending, problems=w.problems)


def evaluate_data(data: WorkbookData, source: str = "workbook") -> "Evaluation":
    """Evaluate what a workbook's sheets hold; an invalid or incomplete input raises, located."""
    a = assess(data, source)
    if a.evaluation is None:
        raise a.error  # type: ignore[misc] - set whenever there is no evaluation
    return a.evaluation


def sensitivity_of(inputs: "EvaluationInputs", evaluation: "Evaluation", draws: int = SENSITIVITY_DRAWS,
                   progress: Callable[[int, int], None] | None = None,
                   parts: tuple[str, ...] = ("perturb", "bootstrap", "respondents")) -> "SensitivityResult | None":
    """The sensitivity analysis of an evaluation (None for ``draws <= 0`` and while the
    scores are pending: it varies the total and the grade). ``parts``: the Monte Carlo parts
    computed (see :func:`bpm_xl.sensitivity.analyse`)."""
    if draws <= 0 or evaluation.pending:
        return None
    from .sensitivity import analyse, respondent_draws_for

    return analyse(inputs, draws=draws, seed=SENSITIVITY_SEED, evaluation=evaluation, progress=progress,
                   respondent_draws=respondent_draws_for(len(inputs.survey), draws), parts=parts)


class _SensitivityInBackground:
    """:func:`sensitivity_of` computed by two worker processes while this one plans and
    writes the portable workbook (the analysis takes ~8 s at 100,000 respondents): the expert
    judgments' parts in one, the respondent bootstrap in the other. ``concurrent.futures``
    with the "spawn" start method, the same on Windows, macOS and Linux: a worker is a fresh
    interpreter that is sent the inputs; each ends after its part. Each part draws from its
    own stream, so the joined result is the one :func:`sensitivity_of` gives. With fewer than
    two cores, or whatever goes wrong over there (a worker that cannot start or dies, a result
    or an input that cannot be sent, an error in the part), the part is computed here instead,
    so the caller gets exactly what :func:`sensitivity_of` gives here, errors included. The
    workers only compute: they hold no lock and write no file."""

    PARTS = (("perturb", "bootstrap"), ("respondents",))

    def __init__(self, inputs: "EvaluationInputs", evaluation: "Evaluation") -> None:
        self.args = (inputs, evaluation, SENSITIVITY_DRAWS, None)
        self.futures: list[Any] = []
        self.here = [True] * len(self.PARTS)   # whether each part was computed in this process (tests look)
        self.pool: Any = None
        if not self.possible():
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            self.pool = ProcessPoolExecutor(max_workers=len(self.PARTS), mp_context=multiprocessing.get_context("spawn"))
            self.futures = [self.pool.submit(sensitivity_of, *self.args, part) for part in self.PARTS]
            self.pool.shutdown(wait=False)     # no more work: each worker ends after its part
        except Exception:  # noqa: BLE001 - no worker could be started: every part is computed here
            self.close()

    @staticmethod
    def possible() -> bool:
        """Two or more cores for this process, which is not itself a worker. (As with any use of
        "spawn": a script that calls :func:`export_file` at its top level must do so under
        ``if __name__ == "__main__":``, since each worker imports the main module; the
        ``bpm-xl`` command does.)"""
        import multiprocessing

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return cores >= 2 and multiprocessing.parent_process() is None

    def _part(self, k: int) -> "SensitivityResult":
        if k < len(self.futures):
            try:
                value = self.futures[k].result()
                self.here[k] = False
                return value
            except Exception:  # noqa: BLE001 - computed here again: its error, if any, is raised here
                pass
        return sensitivity_of(*self.args, self.PARTS[k])

    def result(self) -> "SensitivityResult":
        judged, answered = (self._part(k) for k in range(len(self.PARTS)))
        return replace(judged, respondents=answered.respondents)

    def close(self) -> None:
        """Cancel what has not started; a worker still computing ends when its part is done."""
        for f in self.futures:
            f.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None


class _SensitivityAlongside:
    """:func:`sensitivity_of` of an assessment (None without an evaluation) computed on a second
    thread while this one plans the workbook: its heavy steps (numpy's multinomial draws, matrix
    products) release the GIL, so they run on another core at no cost of starting a process or
    sending the inputs. The sensitivity sheet holds values only and no other sheet refers to
    it, so its result joins the plan last (:func:`bpm_xl.layout.with_sensitivity`); the result
    is the one computed in sequence (each part draws from its own seeded stream). An error in
    the analysis is raised by :meth:`result`."""

    def __init__(self, a: Assessment) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.future = None
        if a.evaluation is not None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bpm-sensitivity")
            self.future = pool.submit(sensitivity_of, a.inputs, a.evaluation)
            pool.shutdown(wait=False)   # the one task: the thread ends with it

    def result(self) -> "SensitivityResult | None":
        return self.future.result() if self.future is not None else None

    def close(self) -> None:
        """Nothing to release: the thread ends with its one task."""


#: respondents from which a rebuild computes the sensitivity analysis in worker processes, as the
#: export does: its respondent bootstrap and the judgments' draws then take seconds, which a second
#: thread of this process shares with the planning under the GIL. Measured on 2 cores
#: (benchmarks/README.md): 10,000 respondents 1 s slower with workers, 25,000 the same, 100,000
#: 2.5 s faster
WORKERS_FROM_RESPONDENTS = 50_000


def _sensitivity_beside(a: Assessment) -> "_SensitivityAlongside | _SensitivityInBackground":
    """The sensitivity analysis of ``a``, started beside the planning: in worker processes for a
    large survey where two cores are free, on a second thread otherwise (the same result)."""
    ev = a.evaluation
    if ev is not None and ev.complete and len(a.inputs.survey) >= WORKERS_FROM_RESPONDENTS \
            and _SensitivityInBackground.possible():
        return _SensitivityInBackground(a.inputs, ev)
    return _SensitivityAlongside(a)


@contextmanager
def _large_job() -> Iterator[None]:
    """A job that holds millions of cells as Python objects: the cyclic garbage collector
    paused meanwhile (its full passes over them took ~40% of planning and writing the
    portable calculation sheet; the plans hold no reference cycles to free). Restored after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def evaluation_of(data: WorkbookData, source: str = "workbook", sensitivity: bool = True) -> tuple[Any, Any]:
    """(evaluation, sensitivity) of complete inputs, (None, None) of incomplete ones."""
    a = assess(data, source)
    if a.evaluation is None:
        return None, None
    return a.evaluation, (sensitivity_of(a.inputs, a.evaluation) if sensitivity else None)


# =======================================================================================
# Jobs
# =======================================================================================
def lang_of_file(path: str | Path) -> str:
    """The language a workbook was made in ("zh" or "en")."""
    return _lang(load_grids(path))


def load_source(source: "str | Path | EvaluationInputs", lang: str | None = None
                ) -> tuple[WorkbookData, Any, str, str]:
    """(data, system, lang, source name) of a workbook path, the word "example", or inputs."""
    if isinstance(source, str) and source == EXAMPLE:
        lang = lang or "zh"
        data, system = example_workbook_data(lang)
        return data, system, lang, EXAMPLE
    if isinstance(source, (str, Path)):
        data, g = _read(Path(source))
        return data, system_of(data, g.source), lang or _lang(g), g.source
    return data_from_inputs(source), source.system, lang or "zh", "inputs"


def evaluate_file(source: "str | Path", *, lang: str | None = None, draws: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> Evaluated:
    """Evaluate a workbook file (or the word "example"); invalid or incomplete input raises, located."""
    if isinstance(source, str) and source == EXAMPLE:
        from .evaluation import evaluate
        from .example import load_example

        lang = lang or "zh"
        inputs = load_example(lang=lang)
        ev = evaluate(inputs)
    else:
        data, g = _read(Path(source))
        lang = lang or _lang(g)
        ev = evaluate_data(data, g.source)
        inputs = ev.inputs
    return Evaluated(inputs, ev, sensitivity_of(inputs, ev, draws, progress), lang)


def new_workbook(path: str | Path, lang: str = "zh", example: bool = True, with_module: bool = True,
                 evaluation: Any = None, sensitivity: Any = None, portable: bool = False,
                 data: WorkbookData | None = None, shipped: bool = False, template: str | None = None) -> Path:
    """Write a new evaluation workbook (.xlsm with the xlwings VBA project).

    The Rebuild button runs :data:`bpm_xl.writers.vba.REBUILD_MACRO`, which imports ``bpm_xl.macros``: any file
    name works. With ``with_module`` the quickstart companion ``<stem>.py`` is also written
    (when absent and the stem is a Python name) for xlwings' own ``SampleCall`` macro.

    With ``portable`` it is the portable hub instead: a macro-free .xlsx whose every output is
    a native formula (WPS, LibreOffice, Excel without Python), rebuilt by :func:`rebuild_file`.
    ``data`` (WorkbookData, e.g. read from another workbook) replaces the example or blank inputs.

    Every new hub is a new evaluation: a new evaluation ID, creation time and form key (so
    its forms are never collected into another hub), and no collection log. A ``shipped`` hub
    (the workbook shipped in the repository, copied by every user) has none, so each copy gets
    its own ID on its first rebuild.

    ``template`` (:data:`bpm_xl.templates.NAMES`) starts a blank hub from that indicator
    system; the example is the study's shape, so it takes no template but ``bsc``.
    """
    path = Path(path)
    _check_new_name(path, portable)
    if template is not None:
        from . import templates

        name = templates.get(template).name
        if example and name != "bsc":
            raise ModelError(f"{path.name}: the example is the study's balanced-scorecard shape (template bsc); "
                             f"a hub on template {name} starts blank: leave out --example", argument="template")
        if not example:
            data, system = template_workbook_data(name, lang)
    if data is not None and template is None:
        system, example = system_of(data, path.name), False
    elif data is not None:
        example = False
    else:
        data, system = example_workbook_data(lang) if example else blank_workbook_data(lang)
    data = replace(data, identity={} if shipped else new_identity(), collected=[])
    if example and evaluation is not None:
        ev, sens = evaluation, sensitivity  # the caller evaluated the same example already (bpm-xl demo)
    else:
        a = assess(data, EXAMPLE if example else path.name)
        ev = a.evaluation
        sens = sensitivity_of(a.inputs, ev) if ev is not None else None
    plan = _plan(data, system, lang, evaluation=ev, sensitivity=sens)
    if portable:
        safe.atomic_write(path, _xlsx_bytes(_portable_plan(plan, system), None))
        return path
    safe.atomic_write(path, _xlsx_bytes(plan, vba_project()))
    if with_module:
        companion = path.with_suffix(".py")
        if not companion.exists() and path.stem.isidentifier():
            safe.write_text(companion, companion_module())
    return path


def _check_new_name(path: Path, portable: bool) -> None:
    suffix = path.suffix.lower()
    if portable and suffix != ".xlsx":
        raise WorkbookError(f"{path}: a portable workbook (no macros) must end in .xlsx")
    if not portable and suffix == ".xlsx":
        raise WorkbookError(f"{path}: a workbook with macros must end in .xlsm; for a macro-free workbook "
                            "(WPS, LibreOffice) add --portable")
    if not portable and suffix != ".xlsm":
        raise WorkbookError(f"{path}: a bpm-xl workbook must end in .xlsm (it carries macros), "
                            "or .xlsx with --portable (no macros)")


_MACRO_CONTENT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _hub_kind(path: Path) -> str:
    """"macro" (.xlsm) or "portable" (.xlsx): what a rebuild writes. The name must match the
    content, so a rebuild never turns one kind into a half of the other."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsm", ".xlsx"):
        raise WorkbookError(f"{path.name}: rebuild writes .xlsm workbooks (with macros) or portable .xlsx "
                            "workbooks (no macros); save the file as one of them first")
    try:
        with zipfile.ZipFile(path) as zf:
            types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile) as exc:
        raise WorkbookError(f"{path.name}: the file is damaged ({type(exc).__name__}: {exc})") from None
    macro = _MACRO_CONTENT in types
    if suffix == ".xlsm" and not macro:
        raise WorkbookError(
            f"{path.name}: the name says .xlsm but the file is a macro-free .xlsx workbook (renamed?); "
            f"rename it to {path.stem}.xlsx and rebuild that (it stays a portable workbook without macros), "
            f"or make a macro workbook with bpm-xl new NAME.xlsm and copy the input sheets into it")
    if suffix == ".xlsx" and macro:
        raise WorkbookError(
            f"{path.name}: the name says .xlsx but the file is a macro workbook (.xlsm content, renamed?); "
            f"rename it to {path.stem}.xlsm and rebuild that, or use bpm-xl export {path.stem}.xlsm --portable "
            "for a macro-free copy")
    return "macro" if macro else "portable"


def companion_module() -> str:
    return (
        '"""Quickstart companion of the bpm-xl workbook of the same name.\n\n'
        "xlwings' SampleCall macro runs `import <workbook name>; main()`; the Rebuild button calls\n"
        "bpm_xl.macros directly and does not need this file.\n"
        '"""\n\n'
        "from bpm_xl.macros import main, rebuild, rebuild_script  # noqa: F401\n\n"
        'if __name__ == "__main__":\n'
        "    main()\n"
    )


def _kept_sheets(g: Grids) -> dict[str, list[list[Any]]]:
    extra = {}
    for role in USER_ROLES:
        ref = g.names.get(f"BPM_ROLE_{role.upper()}")
        if ref and ref[0] in g.sheets:
            extra[role] = g.sheets[ref[0]]
    if "xlwings.conf" in g.sheets:
        extra["conf"] = g.sheets["xlwings.conf"]
    return extra


@dataclass(frozen=True)
class _Hub:
    """A hub read once for a rebuild: its inputs with formulas kept (``data``, for rewriting
    the inputs), as cached values (``values``, for validation), both readings' grids, its VBA
    project and what the rebuild must keep of it."""

    kind: str
    data: WorkbookData
    values: WorkbookData
    grids: Grids
    value_grids: Grids
    vba: bytes | None
    preserved: Any


def _read_inputs(path: Path) -> tuple[WorkbookData, Grids, WorkbookData, Grids]:
    """A hub's inputs with formulas kept (for rewriting the inputs; parts checked) and as cached
    values (for validation), with the grids of each reading."""
    data, g = _read(path, formulas=True)
    values, gv = _read(path, formulas=False, reuse=g)
    return data, g, values, gv


def _read_hub(path: Path, kind: str, inputs: tuple[WorkbookData, Grids, WorkbookData, Grids] | None = None) -> _Hub:
    """The hub at ``path`` (its lock held), its inputs taken from ``inputs`` when given (read
    from the same, unchanged file)."""
    data, g, values, gv = inputs if inputs is not None else _read_inputs(path)
    with zipfile.ZipFile(path) as zf:      # a renamed file was refused by _hub_kind, before any evaluation
        vba = zf.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in zf.namelist() else None
    return _Hub(kind, data, values, g, gv, vba, _preserved(path, g))


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size, st.st_ino


def rebuild_file(path: str | Path, *, backup: bool = True,
                 update: Callable[[WorkbookData], WorkbookData] | None = None,
                 survey_map: list[list[Any]] | None = None) -> RebuildResult:
    """Rebuild the output sheets (and reshape judgment, Delphi and survey sheets) of a file.

    ``update`` is applied to the input data read from the file before validation (e.g. to
    add returned expert forms). Validation is :func:`assess`: invalid input raises the located
    error and the file stays byte-identical (no backup, no temp file). Keeps the file's VBA
    project byte for byte, every value on the input sheets (by code), the hub's saved survey
    map (replaced by ``survey_map`` when given: ``bpm-xl import-survey``), and a backup copy.
    """
    path = Path(path)
    check_file(path)
    kind = _hub_kind(path)
    with safe.hold_lock(path), _large_job():
        return _rebuild(path, _read_hub(path, kind), backup=backup, update=update, survey_map=survey_map)


def _rebuild(path: Path, hub: _Hub, *, backup: bool = True, update: Callable[[WorkbookData], WorkbookData] | None = None,
             survey_map: list[list[Any]] | None = None) -> RebuildResult:
    """:func:`rebuild_file` of the hub just read (the caller holds its lock)."""
    g = hub.grids
    check_layout_room(hub.data, g.source)
    data, values, added = _with_identity(hub.data, hub.values)
    if update is not None:
        data, values = update(data), update(values)
    a = assess(values, g.source)
    sens = _sensitivity_beside(a)
    try:
        content, sheets = _rebuilt_content(hub, data, values, a, sens, survey_map)
    finally:
        sens.close()
    bak = safe.backup_copy(path) if backup else None
    safe.atomic_write(path, content)
    return RebuildResult(path, bak, sheets, len(a.system.indicators),
                         len(data.experts), len(data.survey), a.evaluation is not None, a.missing, a.status, added)


def _rebuilt_content(hub: _Hub, data: WorkbookData, values: WorkbookData, a: Assessment,
                     sens: "_SensitivityAlongside | _SensitivityInBackground", survey_map: list[list[Any]] | None
                     ) -> tuple[bytes, tuple[str, ...]]:
    """The bytes of the rebuilt hub and its sheets' names: planned while ``sens`` computes, its
    sensitivity sheet joined last."""
    g, preserved = hub.grids, hub.preserved
    plan = _plan(data, a.system, _lang(g), evaluation=a.evaluation, extra=_kept_sheets(g))
    plan = replace(plan, sheets=[*plan.sheets, *hub_extra_sheets(g, _lang(g), survey_map)])
    _check_names_without_record(preserved, plan, g.source)
    if hub.kind == "portable":  # stays macro-free: native formulas, values of user formulas as read
        shown = _plan(values, a.system, _lang(g), extra=_kept_sheets(g))
        plan = with_sensitivity(plan, sens.result(), a.system)
        try:
            plan = _portable_plan(plan, a.system, shown)
        except BpmError as exc:
            raise exc.located(file=g.source) from None
        return _xlsx_bytes(plan, None, preserved), tuple(s.name for s in plan.sheets)
    plan = with_sensitivity(plan, sens.result(), a.system)
    return (_xlsx_bytes(plan, hub.vba if hub.vba is not None else vba_project(), preserved),
            tuple(s.name for s in plan.sheets))


def import_survey_file(book: str | Path, export: str | Path, map_csv: str | Path | None = None, *,
                       first_option: str | None = None, dry_run: bool = False, screen: bool = False,
                       min_seconds: float | None = None) -> SurveyImportDone:
    """Fill a hub's survey sheet from a survey export (``bpm-xl import-survey``): the hub is read
    once and the import computed once (:func:`bpm_xl.collect.survey_import`), then written by the
    one rebuild of what was read, with the survey map saved. ``first_option``: the text of
    option 1 of a code export (非常满意 or 非常不满意; "very satisfied" / "very dissatisfied").
    Nothing is written on a dry run or when the hub already holds these answers (the result's
    backup is None); a dry run only reads the hub's values, without its lock."""
    try:
        first = _first_option(first_option)
    except ValueError:
        raise WorkbookError(f"--first-option: {first_option!r} is not the text of the best or the worst option; "
                            "write 非常满意 (option 1 is the best) or 非常不满意 (option 1 is the worst)") from None
    book = Path(book)
    if dry_run:
        values, g = _read(book)
        return SurveyImportDone(_survey_import(values, g, export, map_csv, first, screen, min_seconds)[0], None)
    check_file(book)
    with _large_job():
        stamp = _stamp(book)
        inputs = _read_inputs(book)
        result, grid = _survey_import(inputs[2], inputs[3], export, map_csv, first, screen, min_seconds)
        if grid is None:
            return SurveyImportDone(result, None)
        from .collect import with_collection_facts, with_survey

        ids, rows, lang = list(result.ids), list(result.rows), _lang(inputs[1])
        kind = _hub_kind(book)
        with safe.hold_lock(book):  # the hub as read, unless it changed meanwhile: then read again
            hub = _read_hub(book, kind, inputs if _stamp(book) == stamp else None)
            return SurveyImportDone(result, _rebuild(
                book, hub, update=lambda d: with_collection_facts(with_survey(d, ids, rows), result, lang),
                survey_map=grid).backup)


def _first_option(text: str | None) -> str | None:
    from .readers.survey import first_option

    return first_option(text)


def _survey_import(values: WorkbookData, g: Grids, export: str | Path, map_csv: str | Path | None,
                   first: str | None, screen: bool, min_seconds: float | None) -> tuple[Any, Any]:
    """The export read and mapped onto the hub read as ``values`` and ``g`` (its cached values)."""
    from .collect import survey_import
    from .readers.survey import read_export, read_map_csv

    table = read_export(Path(export))
    given = read_map_csv(Path(map_csv)) if map_csv is not None else None
    return survey_import(values, g.sheets, table, given, first, screen, min_seconds, _lang(g))


def _with_identity(data: WorkbookData, values: WorkbookData) -> tuple[WorkbookData, WorkbookData, str | None]:
    """A file written before hubs had an evaluation ID gets one (the same in both readings);
    returns the new ID too (None when the file had one)."""
    if values.identity:
        return data, values, None
    ident = new_identity()
    return replace(data, identity=ident), replace(values, identity=ident), ident["evaluation"]


def plan_book(grids: Grids, update: Callable[[WorkbookData], WorkbookData] | None = None
              ) -> tuple[WorkbookPlan, Assessment]:
    """The plan the in-Excel macro writes into a live workbook, after the same validation.

    Formulas only (Excel computes every value itself); the sensitivity sheet holds values.
    Invalid input raises the located error before anything is planned.
    """
    data = read_data(grids)
    data = _with_identity(data, data)[0]
    if update is not None:  # e.g. returned expert forms (the in-Excel Collect button)
        data = update(data)
    a = assess(data, grids.source)
    sens = sensitivity_of(a.inputs, a.evaluation) if a.evaluation is not None else None
    return _plan(data, a.system, _lang(grids), sensitivity=sens), a


def export_file(source: "str | Path | EvaluationInputs", out: str | Path | None = None, *,
                lang: str | None = None) -> Path:
    """The macro-free portable .xlsx of a workbook, the example or inputs; validated first."""
    if out is None:
        if isinstance(source, (str, Path)) and source != EXAMPLE:
            out = Path(source).with_name(f"{Path(source).stem}_portable.xlsx")
        else:
            out = Path("bpm_example_portable.xlsx")
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{out}: a portable export must end in .xlsx")
    safe.check_writable(out)
    if isinstance(source, str) and source == EXAMPLE:
        from .example import load_example

        source = load_example(lang=lang or "zh")  # as before: the example's inputs, not its workbook
    if isinstance(source, (str, Path)):
        from .readers.preserve import check_names_of

        check_file(Path(source))
        check_names_of(source)  # a removed, moved or narrowed input name: refused as rebuild refuses it
    data, system, lang, name = load_source(source, lang)
    a = assess(data, name)  # invalid input refuses before anything is written
    sens = _SensitivityInBackground(a.inputs, a.evaluation) if a.evaluation is not None \
        and a.evaluation.complete else None
    try:
        with _large_job():
            return export_portable(data, system, lang, out, evaluation=a.evaluation,
                                   sensitivity=sens.result if sens is not None else None)
    except BpmError as exc:
        raise exc if exc.file else exc.located(file=name) from None
    finally:
        if sens is not None:
            sens.close()


def write_report_files(evaluation: "Evaluation", out: str | Path, lang: str = "zh", *, pdf: bool = False,
                       sensitivity: Any = None, fmt: str = "html", previous: "Evaluation | None" = None,
                       rectification: Any = None, meta: Any = None, previous_rectification: Any = None,
                       measures: Any = None, audit: Any = None) -> "ReportFiles":
    """The report of an evaluation (HTML, or Word with ``fmt="docx"``; a PDF with ``pdf``),
    each file written atomically; nothing is written when the output cannot be."""
    from .writers.report import write_report

    out = Path(out)
    safe.check_writable(out)
    if pdf or fmt == "pdf":
        safe.check_writable(out.with_suffix(".pdf"))
    return write_report(evaluation.inputs, evaluation, sensitivity, out, fmt=fmt, lang=lang, previous=previous,
                        pdf=pdf, rectification=rectification, meta=meta,
                        previous_rectification=previous_rectification, measures=measures, audit=audit)


def _check_problem_line(data: WorkbookData, g: Grids) -> None:
    """The problem line on Settings is a 100-point score or blank; else refused at its cell."""
    from .findings import problem_line
    from .layout.types import a1

    try:
        problem_line((data.meta or {}).get("problem_line"))
    except BpmError as exc:
        ref = g.names.get("BPM_PROBLEM_LINE")
        raise exc.located(file=g.source, sheet=ref[0] if ref else None,
                          cell=a1(ref[1], ref[2], absolute=False) if ref else None) from None


def report_file(source: "str | Path", out: str | Path, *, lang: str | None = None, pdf: bool = False,
                draws: int = SENSITIVITY_DRAWS, progress: Callable[[int, int], None] | None = None,
                fmt: str = "html", previous: "str | Path | None" = None) -> "ReportFiles":
    """Evaluate a workbook (or the example) and write its report; ``previous`` is last year's
    workbook (evaluated the same way) for the year-over-year comparison."""
    done = evaluate_file(source, lang=lang, draws=draws, progress=progress)
    prev = evaluate_file(previous).evaluation if previous is not None else None
    typed = None
    if not (isinstance(source, str) and source == EXAMPLE):
        typed, g = _read(Path(source))
        _check_problem_line(typed, g)
    prev_typed = _read(Path(previous))[0] if previous is not None else None
    audit = {}
    if typed is not None:
        import hashlib

        audit = {"file": Path(source).name, "sha256": hashlib.sha256(Path(source).read_bytes()).hexdigest(),
                 "evaluation_id": (typed.identity or {}).get("evaluation")}
    return write_report_files(done.evaluation, out, done.lang, pdf=pdf, sensitivity=done.sensitivity, fmt=fmt,
                              previous=prev, rectification=typed.rectification if typed else None,
                              meta=(typed.meta or None) if typed else None,
                              previous_rectification=prev_typed.rectification if prev_typed else None,
                              measures=typed.measures if typed else None, audit=audit)


def write_functions(out: str | Path = "bpm_functions.xlsx", *, lang: str = "zh") -> Path:
    """The LAMBDA function library (``bpm-xl functions``): the names, worked examples on the
    study's example (cached values from the core) and how to bring the names elsewhere."""
    from .evaluation import evaluate
    from .example import load_example
    from .writers.lambdas import write_library

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{out}: the function library must end in .xlsx")
    safe.check_writable(out)
    inputs = load_example(lang=lang)
    return write_library(out, lang, inputs, evaluate(inputs))


# ----------------------------------------------------------------------------- the collection round trip
def forms_folder(book: str | Path) -> Path:
    """The folder the in-Excel Forms button writes into: ``<name>_forms`` next to the workbook."""
    from .layout.labels import FORMS_DIR

    book = Path(book)
    return book.parent / FORMS_DIR.format(stem=book.stem)


def returned_forms(book: str | Path) -> tuple[Path, list[Path]]:
    """The folder ``<name>_returned`` next to the workbook and the returned forms in it (every
    .xlsx, Office and LibreOffice lock files left out), in name order."""
    from .layout.labels import RETURNED_DIR

    book = Path(book)
    folder = book.parent / RETURNED_DIR.format(stem=book.stem)
    return folder, sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith(("~$", ".~")))


def _safe_name(s: str) -> str:
    bad = '<>:"/\\|?*\x00'
    s = "".join("_" if ch in bad or ord(ch) < 32 else ch for ch in s).strip().strip(".")
    return s or "expert"


def write_forms(book: str | Path, out: str | Path, round_: int = 1, lang: str = "zh", layout: str = "row"
                ) -> list[Path]:
    """One questionnaire (.xlsx) per expert on the hub's Experts sheet, pre-filled from the hub
    (round 2: with the round-1 figures); every file checked before the first is written."""
    from .collect import form_specs
    from .writers.forms import form_bytes

    book, out = Path(book), Path(out)
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


def read_forms(book_values: WorkbookData, files: list[Path], lang: str | None = None, adopt: bool = False
               ) -> list[Any]:
    """The returned forms' answers; a form of another evaluation or with a broken seal is refused
    (:func:`bpm_xl.collect.check_identity`) before its answers are read."""
    from .collect import check_identity, expert_codes, hub_nodes, number
    from .collect import system_of as system_of_data
    from .layout.forms import fingerprint
    from .readers.forms import FormAnswers, identity_fields, read_answers, read_form_grids, read_identity

    system = system_of_data(book_values)
    lo = number(book_values.settings.get("scale_min"))
    hi = number(book_values.settings.get("scale_max"))
    out = []
    fp = fingerprint(book_values.system_rows)
    for f in files:
        grids = read_form_grids(f)
        ident = read_identity(f.name, grids)
        bare = FormAnswers(file=f.name, expert=ident["expert"], round=ident["round"],
                           fingerprint=ident["fingerprint"], title=ident["title"], layout=ident["layout"],
                           lang=ident["lang"], judgments={}, ratings={}, ca=None, cs=None, **identity_fields(ident))
        check_identity(bare, book_values, lang or "zh", adopt)
        if ident["fingerprint"] != fp:
            # identity checks (another workbook / changed system) come first, with the cell
            out.append(bare)
            continue
        out.append(read_answers(f.name, grids, ident, hub_nodes(system), list(system.codes),
                                1.0 if lo is None else lo, 5.0 if hi is None else hi, lang or "zh",
                                expert_codes(system)))
    return out


@dataclass(frozen=True)
class FormsUpdate:
    """Returned forms taken into a hub's data: what changes (``report``, a
    :class:`~bpm_xl.collect.ChangeReport`) and the update that makes the change, for the rebuild."""

    report: Any
    update: Callable[[WorkbookData], WorkbookData]

    @property
    def changes_anything(self) -> bool:
        """A cell changes, or a form is recorded on the 收回记录 sheet for the first time."""
        return bool(self.report.changes or self.report.logged)


def forms_update(values: WorkbookData, files: list[Path], lang: str, adopt: bool = False) -> FormsUpdate:
    """Read and check returned forms against a hub's data (cached values); refuses before
    anything is written. The update records the forms with the time of this call."""
    import datetime as _dt

    from .collect import apply_forms

    forms = read_forms(values, files, lang, adopt)
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    _, report = apply_forms(values, forms, lang, adopt, now)
    return FormsUpdate(report, lambda d: apply_forms(d, forms, lang, adopt, now)[0])


def book_forms_update(grids: Grids, files: list[Path]) -> FormsUpdate:
    """:func:`forms_update` over a live workbook's sheets (the in-Excel Collect button)."""
    return forms_update(read_data(grids), files, lang_of(grids))


def collect_forms(book: str | Path, files: list[Path], dry_run: bool = False, adopt: bool = False
                  ) -> tuple[Any, Path | None]:
    """Collect returned forms into the hub; returns (ChangeReport, backup or None). The hub is
    written when a cell changes or a form is recorded on the 收回记录 sheet for the first time."""
    values, g = read_workbook(book, formulas=False)
    job = forms_update(values, files, lang_of(g), adopt)          # refuses before anything is written
    if dry_run or not job.changes_anything:
        return job.report, None
    res = rebuild_file(book, update=job.update)
    return replace(job.report, identity_added=res.identity_added or ""), res.backup


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


def write_feedback(book: str | Path, out: str | Path, lang: str | None = None
                   ) -> tuple[list[dict[str, Any]], list[Path]]:
    """The consistency feedback of the hub's expert matrices (``lang``: default the workbook's).
    Needs the judgments only: it works before any survey is imported."""
    from .collect import feedback_rows
    from .collect import system_of as system_of_data
    from .writers.feedback import write_feedback_files

    data, g = read_workbook(book, formulas=False)
    lang = lang or lang_of_file(book)
    ev = evaluate_data(data, g.source)
    rows = feedback_rows(ev, system_of_data(data), lang)
    return rows, write_feedback_files(Path(out), rows, lang)


@dataclass(frozen=True)
class SurveyImportDone:
    """A survey import (``bpm-xl import-survey``): the import (``report``, a
    :class:`~bpm_xl.collect.SurveyImport`: mapping, screening, respondents), and the hub's
    backup when the hub was written (None on a dry run or when it holds these answers)."""

    report: Any
    backup: Path | None


# ----------------------------------------------------------------------------- the in-Excel rebuild
def book_grids_of(sheets: dict[str, list[list[Any]]], names: dict[str, str], source: str = "workbook") -> Grids:
    """A live workbook's sheets (values from A1) and defined names (name -> refers to) as the
    readers' :class:`~bpm_xl.readers.workbook.Grids`."""
    from .readers.workbook import parse_constants, parse_names

    return Grids(sheets, parse_names(names), source=source, constants=parse_constants(names))


def book_writes(plan: WorkbookPlan, grids: Grids, force: tuple[str, ...] = ()) -> "LiveWrites":
    """The steps that write ``plan`` into the live workbook ``grids`` was read from
    (:func:`bpm_xl.writers.livebook.live_writes`)."""
    from .writers.livebook import live_writes

    return live_writes(plan, grids.sheets, grids.names, force)


def name_changes(plan: WorkbookPlan, current: dict[str, str | None]) -> tuple[tuple[str, str, bool], ...]:
    """The plan's defined names that a live workbook lacks or has elsewhere: (name, refers to, new?)."""
    from .writers.livebook import name_changes as changes

    return changes(plan.names, current)


# ----------------------------------------------------------------------------- for the shells
def os_error_message(exc: OSError, path: str | os.PathLike | None = None) -> str:
    """One line naming the path and the cause of an OSError (:func:`bpm_xl.writers.safe.os_error_message`)."""
    return safe.os_error_message(exc, path)


def write_text(path: str | Path, text: str) -> Path:
    """A text file (UTF-8) written atomically."""
    return safe.write_text(path, text)


def write_csv_tables(evaluation: "Evaluation", out: str | Path, sensitivity: Any = None, *, lang: str = "zh",
                     keys: bool = False) -> list[Path]:
    """The result tables of an evaluation as CSV files in the folder ``out``."""
    from .writers.csvout import write_csv

    return write_csv(evaluation, out, sensitivity, lang=lang, keys=keys)


__all__ += ["FormsUpdate", "SurveyImportDone", "book_forms_update", "book_grids_of", "book_writes",
            "collect_forms", "form_files", "forms_folder", "forms_update", "name_changes", "os_error_message",
            "read_forms", "returned_forms", "write_csv_tables", "write_feedback", "write_forms", "write_text"]
