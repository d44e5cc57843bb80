"""One call for the whole report job: HTML, Word (.docx) or PDF (of the .docx).

:func:`write_report` is what the CLI and the service call, in one line. It decides everything
the report shows (meta, last year's evaluation and the comparison with it, the 整改清单 merged
from what the bureau typed, the pre-filled priorities and last year's open items), then hands
the same decisions to the HTML or the Word writer, so the two cannot disagree.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import rectification as rect
from . import narrative as nv
from . import safe
from .report_html import ReportFiles

__all__ = ["FORMATS", "ReportFiles", "report_context", "write_report"]

FORMATS = ("html", "docx", "pdf")


def _typed_rows(rows: Any, holder: Any) -> Any:
    if rows is not None:
        return rows
    for obj in (holder, getattr(holder, "inputs", None)):
        got = getattr(obj, "rectification", None)
        if got is not None:
            return got
    return None


def report_context(evaluation: Any, lang: str = "zh", *, inputs: Any = None, sensitivity: Any = None,
                   previous: Any = None, rectification: Sequence[Mapping[str, Any]] | None = None,
                   previous_rectification: Sequence[Mapping[str, Any]] | None = None,
                   meta: Any = None, top: int | None = None, measures: Mapping[str, Any] | None = None,
                   audit: Mapping[str, str] | None = None) -> Any:
    """Everything a report shows, decided once (see :class:`report_docx.ReportContext`): the
    classification of the indicators (:func:`bpm_xl.findings.classify`, with the problem line
    typed on Settings), the 整改清单 (typed rows, then one row per problem, then last year's
    open items by their key) and the audit trail."""
    from .. import __version__
    from ..findings import classify, problem_line
    from .report_docx import ReportContext

    ev = evaluation
    m = nv.meta_of(meta if meta is not None else getattr(inputs, "meta", None), ev)
    found = classify(ev, problem_line(m.get("problem_line")))
    library = rect.library_for(ev.system, measures, lang)
    prev = previous
    comparison = None
    carried = rect.CarryForward((), (), ())
    typed = _typed_rows(rectification, inputs if inputs is not None else ev)
    items = rect.merge(typed, rect.prefill(ev, lang, top, findings=found, measures=library))
    if prev is not None:
        pm = nv.meta_of(None, prev)
        this_label, prev_label = nv.year_labels(m, pm, lang)
        comparison = nv.compare_years(ev, prev, this_label, prev_label)
        last = _typed_rows(previous_rectification, prev)
        if last is None:  # last year's list not kept: what last year's figures called for, status unknown
            last = rect.prefill(prev, lang)
        carried = rect.carry_forward(last, ev.system.codes, items)
        items = rect.with_carried(items, carried.open)
    au = {"version": __version__, **{k: str(v) for k, v in (audit or {}).items() if v}}
    return ReportContext(evaluation=ev, lang=lang, meta=m, sensitivity=sensitivity, previous=prev,
                         comparison=comparison, items=items, closed_last_year=carried.closed,
                         removed_carried=carried.indicator_removed, open_last_year=carried.open, findings=found,
                         measures=library, audit=au)


def write_report(inputs: Any, evaluation: Any, sensitivity: Any, out: str | os.PathLike, *, fmt: str = "html",
                 lang: str = "zh", previous: Any = None,
                 rectification: Sequence[Mapping[str, Any]] | None = None, meta: Any = None,
                 previous_rectification: Sequence[Mapping[str, Any]] | None = None,
                 pdf: bool = False, measures: Mapping[str, Any] | None = None,
                 audit: Mapping[str, str] | None = None) -> ReportFiles:
    """Write the evaluation report.

    Parameters
    ----------
    inputs : EvaluationInputs or None
        Where ``meta`` and the typed 整改清单 rows are looked up when not given.
    evaluation : Evaluation
    sensitivity : SensitivityResult or None
        Adds the sensitivity statement (and section in HTML).
    out : path
        The file to write (.html, .docx, or .pdf for ``fmt="pdf"``; the .docx is kept beside it).
    fmt : {"html", "docx", "pdf"}
    lang : {"zh", "en"}
    previous : Evaluation, optional
        Last year's evaluation (the service reads it from last year's workbook).
    rectification : list of dict, optional
        The bureau's 整改清单 rows (problem, stage, indicator, responsible, deadline, measure,
        status); kept as typed, completed from the improvement priorities.
    meta : Meta or mapping, optional
        unit / year / evaluator; default ``evaluation.meta``.
    previous_rectification : list of dict, optional
        Last year's list (default: what last year's workbook holds, else its priorities).
    pdf : bool
        With ``fmt="html"``: also a PDF of the HTML page. With ``fmt="docx"``: also a PDF of the .docx.
    measures : mapping, optional
        The workbook's 整改措施库 (indicator code -> measure); blank entries take the default.
    audit : mapping, optional
        file, sha256, evaluation_id of the workbook, for the audit annex.

    Returns
    -------
    ReportFiles
    """
    from . import report_html

    _check_options(fmt, lang, pdf)
    out = Path(out)
    ctx = report_context(evaluation, lang, inputs=inputs, sensitivity=sensitivity, previous=previous,
                         rectification=rectification, previous_rectification=previous_rectification, meta=meta,
                         measures=measures, audit=audit)
    if fmt == "html":
        return report_html.write_html(evaluation, out, lang, pdf=pdf, sensitivity=sensitivity, meta=ctx.meta,
                                      previous=ctx.previous, comparison=ctx.comparison, items=ctx.items,
                                      closed=ctx.closed_last_year, context=ctx)
    return _write_docx(ctx, out, fmt, pdf)


def _check_options(fmt: str, lang: str, pdf: bool) -> None:
    """Refuse an unknown format or language, or a PDF without LibreOffice, before writing anything."""
    from ..errors import SettingsError
    from . import report_html

    if fmt not in FORMATS:
        raise SettingsError(f"fmt: is {fmt!r}; use one of {', '.join(FORMATS)}")
    if lang not in report_html.LANGS:
        raise SettingsError(f"lang: is {lang!r}; use zh or en")
    if (pdf or fmt == "pdf") and report_html.find_soffice() is None:  # refuse before writing anything
        from ..errors import WorkbookError

        raise WorkbookError("report --pdf: LibreOffice (soffice) was not found; install LibreOffice, or write "
                            "the report without --pdf and print it to PDF")


def _write_docx(ctx: Any, out: Path, fmt: str, pdf: bool) -> ReportFiles:
    """The Word report at ``out`` (beside it for ``fmt="pdf"``), and its PDF when asked for."""
    from . import report_docx, report_html

    data = report_docx.build_docx(ctx)
    docx_path = out if fmt == "docx" else out.with_suffix(".docx")
    safe.atomic_write(docx_path, data)
    if fmt == "pdf" or pdf:
        pdf_path = out.with_suffix(".pdf")
        with tempfile.TemporaryDirectory(prefix="bpm-xl-docx-") as tmp:
            src = Path(tmp, docx_path.stem + ".docx")
            src.write_bytes(data)
            report_html.to_pdf(src, pdf_path)
        return ReportFiles(docx_path, pdf_path)
    return ReportFiles(docx_path, None)
