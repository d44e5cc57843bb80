"""Workbook files: create, read, rebuild (headless), evaluate.

These are the file shells behind ``bpm-xl new | rebuild | evaluate`` and the shipped
``workbook/bpm_evaluation.xlsm``. The layout comes from :mod:`bpm_xl.sheets.plan`, numbers
from :func:`bpm_xl.evaluate`; this module only moves data between files and those two.

Data safety: a rebuild reads everything first, writes the new file next to the old one,
keeps a timestamped backup, and replaces the file in one rename. If anything fails
before the rename, the original file is untouched.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import BpmError, WorkbookError
from .labels import SHEETS, USER_ROLES
from .plan import Block, SheetPlan, WorkbookData, WorkbookPlan, data_from_inputs, plan_workbook
from .read import Grids, parse_names, read_data, to_inputs

__all__ = [
    "RebuildResult",
    "UDF_MODULE",
    "example_workbook_data",
    "blank_workbook_data",
    "plan_for",
    "new_workbook",
    "write_workbook",
    "load_grids",
    "read_workbook",
    "read_inputs",
    "rebuild_file",
    "evaluate_file",
    "vba_project",
]

UDF_MODULE = "bpm_xl.udfs"
#: Fixed document dates, so the same inputs give the same bytes (the shipped workbook is checked).
_FIXED_DATE = _dt.datetime(2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class RebuildResult:
    path: Path
    backup: Path
    sheets_written: tuple[str, ...]
    indicators: int
    experts: int
    respondents: int


# ---------------------------------------------------------------------------------------
def example_workbook_data(lang: str = "zh") -> tuple[WorkbookData, Any]:
    """The built-in example as workbook data, and its indicator system."""
    from ..example import example_data, load_example

    inputs = load_example(lang=lang)
    raw = example_data()
    # judgments typed as text ("1/3") become numbers, shown by the fraction-formatted cells
    data = replace(data_from_inputs(inputs), delphi_sent=list(raw["delphi"]["sent"]), delphi_returned=list(raw["delphi"]["returned"]),
                    bands_name=_bands_title(lang), title=inputs.title)
    return data, inputs.system


def blank_workbook_data(lang: str = "zh") -> tuple[WorkbookData, Any]:
    """A workbook ready to fill in: the default indicator system, three expert rows, no answers."""
    from ..evaluation import Settings
    from ..model import default_system

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
        survey_ids=[], survey=[],
    )
    return data, system


def _bands_title(lang: str) -> str:
    return "财预〔2020〕10号" if lang == "zh" else "MOF 2020 No.10 (mof2020)"


# ---------------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def vba_project(module_name: str = UDF_MODULE) -> bytes:
    """xlwings' standalone VBA project plus the generated ``xlwings_udfs`` and help modules."""
    from .. import vba

    return vba.build_vba_project(module_name)


def _conf_sheet(lang: str) -> SheetPlan:
    sp = SheetPlan("conf", "xlwings.conf", "input", widths={0: 24, 1: 40, 3: 90})
    sp.add(0, 0, [["UDF Modules", UDF_MODULE]], "settings")
    sp.add(0, 3, [[
        "xlwings 设置：UDF Modules 指向 bpm_xl.udfs；如需指定 Python，请在下一行加入 Interpreter_Win 及其路径（bpm-xl excel-setup 会代为填写）。"
        if lang == "zh" else
        "xlwings settings: UDF Modules points at bpm_xl.udfs; to pick a Python, add a row Interpreter_Win with its path "
        "(bpm-xl excel-setup fills it in)."
    ]], "note")
    return sp


def plan_for(data: WorkbookData, system: Any, lang: str, extra: dict[str, list[list[Any]]] | None = None,
             evaluation: Any = None, sensitivity: Any = None) -> WorkbookPlan:
    """The plan of a workbook; with ``evaluation`` every formula also carries its value."""
    plan = plan_workbook(data, system, lang, evaluation=evaluation, sensitivity=sensitivity)
    if evaluation is not None:
        fill_udf_cache(plan)
    conf = _conf_sheet(lang)
    if extra and "conf" in extra:
        conf = SheetPlan("conf", "xlwings.conf", "input", widths=conf.widths)
        conf.blocks.append(Block(0, 0, [list(r) for r in extra["conf"]], "settings"))
    plan.sheets.append(conf)
    if extra:
        for sp in plan.sheets:
            if sp.role in USER_ROLES and sp.role in extra:
                _overlay(sp, extra[sp.role])
    return plan


#: Monte Carlo draws for the sensitivity sheet (seeded, so a rebuild is reproducible).
SENSITIVITY_DRAWS = 10_000
SENSITIVITY_SEED = 20261126


def evaluation_of(data: WorkbookData, source: str = "workbook", sensitivity: bool = True) -> tuple[Any, Any]:
    """The evaluation of what the sheets hold and its sensitivity analysis, or (None, None)
    while the inputs are incomplete (the workbook is still laid out; Excel computes later)."""
    from ..evaluation import evaluate

    try:
        inputs = to_inputs(data, source=source)
        ev = evaluate(inputs)
    except BpmError:
        return None, None
    sens = None
    if sensitivity:
        from ..sensitivity import analyse, respondent_draws_for

        try:
            sens = analyse(inputs, draws=SENSITIVITY_DRAWS, seed=SENSITIVITY_SEED, evaluation=ev,
                           respondent_draws=respondent_draws_for(len(inputs.survey), SENSITIVITY_DRAWS))
        except BpmError:
            sens = None
    return ev, sens


def fill_udf_cache(plan: WorkbookPlan) -> None:
    """Store what each Excel function returns as the cached value of its cells.

    The functions are called in plan order with their arguments read from the plan's own
    cells (typed values, or the cached values of formulas), as Excel would pass them.
    """
    from .. import udfs
    from .read import parse_ref

    values: dict[tuple[str, int, int], Any] = {}
    for sp in plan.sheets:
        for b in sp.blocks:
            for i, row in enumerate(b.cells):
                for j, v in enumerate(row):
                    if isinstance(v, str) and v.startswith("="):
                        c = b.cached[i][j] if b.cached is not None and i < len(b.cached) and j < len(b.cached[i]) else None
                        values[(sp.name, b.row + i, b.col + j)] = c
                    else:
                        values[(sp.name, b.row + i, b.col + j)] = v

    def rng(ref: str) -> list[list[Any]]:
        sheet, r0, c0, r1, c1 = parse_ref(ref)
        return [[values.get((sheet, r, c)) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def arg(a: str) -> Any:
        if a.startswith('"'):
            return a.strip('"')
        if a in plan.names:
            return rng(plan.names[a])
        if "!" in a:
            return rng("=" + a)
        return float(a)

    def call(u) -> Any:
        try:
            return getattr(udfs, u.func)(*[arg(a) for a in u.args])
        except Exception:  # noqa: BLE001 - a function that cannot answer now leaves its cells uncached
            return None

    aggregation = (rng(plan.names["BPM_AGGREGATION"])[0][0] or "aij") if "BPM_AGGREGATION" in plan.names else "aij"
    for sp in plan.sheets:
        for a in sp.arrays:
            u = a.aip_udf if (a.aip_udf is not None and aggregation == "aip") else a.udf
            if u is None:
                continue
            res = call(u)
            if res is None:
                continue
            res = res if isinstance(res, list) else [[res]]
            if a.transpose:
                res = [list(r) for r in zip(*res)]
            if len(res) != a.nrows or any(len(r) != a.ncols for r in res):
                continue
            a.cached = res
            for i, row in enumerate(res):
                for j, v in enumerate(row):
                    values[(sp.name, a.row + i, a.col + j)] = v


def _overlay(sp: SheetPlan, grid: list[list[Any]]) -> None:
    """Keep what a user typed in a user sheet beyond the columns bpm-xl lays out."""
    if sp.role == "guide":
        sp.blocks = [Block(0, 0, [[row[0] if row else None] for row in grid] or [[None]], "guide")]
        extra_from = 1
    else:
        extra_from = max((b.col + b.ncols for b in sp.blocks), default=0)
    cells = {}
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if c >= extra_from and v is not None and v != "":
                cells[(r, c)] = v
    for (r, c), v in sorted(cells.items()):
        sp.blocks.append(Block(r, c, [[v]], "input"))


def write_workbook(plan: WorkbookPlan, target: str | Path | io.BytesIO, vba: bytes | None, preserved: Any = None) -> None:
    from .xlsx import write_plan

    write_plan(plan, target, vba_project=vba, created=_FIXED_DATE, preserved=preserved)


def new_workbook(path: str | Path, lang: str = "zh", example: bool = True, with_module: bool = True,
                 evaluation: Any = None, sensitivity: Any = None) -> Path:
    """Write a new evaluation workbook (.xlsm with the xlwings VBA project).

    With ``with_module`` the quickstart companion ``<stem>.py`` (``main()`` = rebuild) is
    written beside it when absent, so the workbook's SampleCall macro and button work.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsm":
        raise WorkbookError(f"{path}: a bpm-xl workbook must end in .xlsm (it carries macros)")
    data, system = example_workbook_data(lang) if example else blank_workbook_data(lang)
    if example and evaluation is not None:
        # the caller evaluated the same example already (bpm-xl demo)
        ev, sens = evaluation, sensitivity
    else:
        ev, sens = evaluation_of(data) if example else (None, None)
    plan = plan_for(data, system, lang, evaluation=ev, sensitivity=sens)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_workbook(plan, buf, vba_project())
    _atomic_write(path, buf.getvalue())
    if with_module:
        companion = path.with_suffix(".py")
        if not companion.exists() and path.stem.isidentifier():
            companion.write_text(companion_module(), encoding="utf-8")
    return path


def companion_module() -> str:
    return (
        '"""Quickstart companion of the bpm-xl workbook of the same name.\n\n'
        "xlwings' SampleCall macro (and the Rebuild button) runs `import <workbook name>; main()`.\n"
        '"""\n\n'
        "from bpm_xl.macros import main, rebuild, rebuild_script  # noqa: F401\n\n"
        'if __name__ == "__main__":\n'
        "    main()\n"
    )


# ---------------------------------------------------------------------------------------
def _check_file(path: Path) -> None:
    if not path.exists():
        raise WorkbookError(f"{path}: no such file")
    for lock in (path.parent / f"~${path.name}", path.parent / f".~lock.{path.name}#"):
        if lock.exists():
            raise WorkbookError(
                f"{path}: the file is open in Excel or LibreOffice ({lock.name} exists); close it and try again"
            )
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path}: the file is damaged or not an Excel workbook (not a zip container)")


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _defined_names(zf: zipfile.ZipFile, source: str) -> dict[str, str]:
    try:
        root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise WorkbookError(f"{source}: the workbook part is damaged ({exc})") from None
    out = {}
    for dn in root.iterfind("m:definedNames/m:definedName", _NS):
        if dn.get("localSheetId") is None and dn.text:
            out[dn.get("name", "")] = dn.text
    return out


def load_grids(path: str | Path, formulas: bool = False) -> Grids:
    """Every sheet's cells; ``formulas=True`` keeps formulas as text (for rewriting inputs)."""
    path = Path(path)
    _check_file(path)
    source = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            names = parse_names(_defined_names(zf, source))
        sheets: dict[str, list[list[Any]]] = {}
        if formulas:
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
            try:
                for ws in wb.worksheets:
                    sheets[ws.title] = [list(r) for r in ws.iter_rows(values_only=True)]
            finally:
                wb.close()
        else:
            from python_calamine import CalamineWorkbook

            cw = CalamineWorkbook.from_path(str(path))
            for nm in cw.sheet_names:
                sh = cw.get_sheet_by_name(nm)
                rows = sh.to_python(skip_empty_area=False)
                sheets[nm] = [[None if v == "" else v for v in row] for row in rows]
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(f"{source}: the file cannot be read ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # noqa: BLE001 - reader libraries raise their own types for damaged files
        raise WorkbookError(f"{source}: the file cannot be read ({type(exc).__name__}: {exc})") from None
    return Grids(sheets, names, source)


def _lang_of(g: Grids) -> str:
    ref = g.names.get("BPM_ROLE_GUIDE")
    return "en" if ref and ref[0] == SHEETS["guide"]["en"] else "zh"


def read_workbook(path: str | Path, formulas: bool = False) -> tuple[WorkbookData, Grids]:
    g = load_grids(path, formulas=formulas)
    try:
        data = read_data(g)
    except BpmError:
        raise
    except (IndexError, TypeError) as exc:
        raise WorkbookError(f"{g.source}: the input sheets do not have the bpm-xl layout ({exc})") from None
    return data, g


def read_inputs(path: str | Path):
    """Core EvaluationInputs from a workbook file's input sheets (cached cell values)."""
    data, g = read_workbook(path, formulas=False)
    return to_inputs(data, source=g.source)


def evaluate_data(data: WorkbookData, source: str = "workbook"):
    """Evaluate what a workbook's sheets hold; errors name the sheet and cell."""
    from ..evaluation import evaluate
    from .read import locate

    inputs = to_inputs(data, source=source)
    try:
        return evaluate(inputs)
    except BpmError as exc:
        system = inputs.system
        where = locate(str(exc), data, list(system.codes), {n: list(system.children(n)) for n in system.nodes()})
        if where == str(exc):
            raise
        raise type(exc)(where) from None


def evaluate_file(path: str | Path):
    """Evaluate a workbook file; an input error names the file, sheet, cell and rule."""
    data, g = read_workbook(path, formulas=False)
    return evaluate_data(data, g.source)


def rebuild_file(path: str | Path, backup: bool = True) -> RebuildResult:
    """Rebuild the output sheets (and reshape judgment, Delphi and survey sheets) of a file.

    Keeps the file's own VBA project byte for byte, every value on the input sheets (by code),
    and a backup copy; refuses (file unchanged) when the file is open, damaged or incomplete.
    """
    path = Path(path)
    preserved = _preserved(path)
    data, g = read_workbook(path, formulas=True)
    lang = _lang_of(g)
    from ..model import IndicatorSystem
    import pandas as pd

    system = IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                        name=f"{g.source}: indicator sheet")
    with zipfile.ZipFile(path) as zf:
        vba = zf.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in zf.namelist() else None
    extra = {}
    for role in USER_ROLES:
        ref = g.names.get(f"BPM_ROLE_{role.upper()}")
        if ref and ref[0] in g.sheets:
            extra[role] = g.sheets[ref[0]]
    if "xlwings.conf" in g.sheets:
        extra["conf"] = g.sheets["xlwings.conf"]
    values, _ = read_workbook(path, formulas=False)
    ev, sens = evaluation_of(values, g.source)
    plan = plan_for(data, system, lang, extra, evaluation=ev, sensitivity=sens)
    if not preserved.layout:
        _check_names_without_record(preserved, plan, g.source)
    buf = io.BytesIO()
    write_workbook(plan, buf, vba, preserved=preserved)
    from ..writers.preserve import apply_package

    content = apply_package(buf.getvalue(), preserved, g.source)
    bak = _backup_path(path) if backup else path
    if backup:
        shutil.copy2(path, bak)
    _atomic_write(path, content)
    return RebuildResult(path, bak, tuple(s.name for s in plan.sheets), len(system.indicators),
                         len(data.experts), len(data.survey))


def _preserved(path: Path):
    """What the rebuild must keep (issue 11); refuses what it cannot keep and moved names.

    Interim wiring on the old build path: the lead moves these calls into
    ``service.rebuild_file`` / ``writers.xlsx`` (see bpm_xl/readers/preserve.py).
    """
    from ..readers.preserve import check_defined_names, check_name_sheets, read_preserved

    _check_file(path)
    preserved = read_preserved(path)
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


def _check_names_without_record(preserved, plan: WorkbookPlan, source: str) -> None:
    """Files written before the layout record: names must sit where bpm-xl would put them."""
    from ..readers.preserve import check_defined_names, layout_record

    inputs = [sp.name for sp in plan.sheets if sp.kind == "input"]
    expected = {k: v for k, v in layout_record(plan.names, inputs).items() if not _SHAPE_DEPENDENT.match(k)}
    check_defined_names(preserved.defined_names, expected, source, positions_only=True)


def _backup_path(path: Path) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    cand = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    k = 1
    while cand.exists():
        cand = path.with_name(f"{path.stem}.backup-{stamp}-{k}{path.suffix}")
        k += 1
    return cand


def _atomic_write(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export_portable(source: Any, out: str | Path, lang: str | None = None) -> Path:
    """The macro-free .xlsx export (``bpm-xl export --portable``); see :mod:`bpm_xl.sheets.portable`."""
    from .portable import export_portable as _export

    return _export(source, out, lang=lang)
