"""Everything bpm-xl prints on a terminal: the summary, file lists, error lines, setup checks.

User text (names, titles, codes, file names, messages that quote a cell) is printed
literally: never through rich markup (every piece is a :class:`rich.text.Text`, so ``[/]``
or ``[link=...]`` in a name prints as typed) and with control characters shown escaped
(ESC as ``\\x1b``; CR, other C0/C1 codes and bidirectional overrides alike).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .texts import has, pick, text

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from .evaluation import Evaluation

__all__ = ["plain", "stdout", "stderr", "error_line", "print_summary", "print_lines", "label", "bands_title"]

# bidirectional embeddings/overrides/isolates and other format characters that reorder text


def plain(text: Any) -> str:
    """``text`` with every control character shown escaped, safe for a terminal
    (:func:`bpm_xl.conversion.visible`, the one rule every writer uses).

    >>> plain("A\\x1b]8;;http://x\\x07B\\r")
    'A\\\\x1b]8;;http://x\\\\x07B\\\\r'
    >>> plain("[/] 新 工作簿")
    '[/] 新 工作簿'
    """
    from .conversion import visible

    return visible(text)


def stdout(quiet: bool = False) -> "Console":
    from rich.console import Console

    return Console(highlight=False, quiet=quiet, soft_wrap=False, markup=False, emoji=False)


def stderr() -> "Console":
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False, emoji=False)


def error_line(message: Any) -> str:
    """The one line a command prints for bad input: ``bpm-xl: error: ...`` (no blank line)."""
    return "bpm-xl: error: " + " ".join(plain(" ".join(str(message).split())).split())


def print_lines(console: "Console", lines: list[Any]) -> None:
    """Print each item literally, one a line (file names and the like)."""
    from rich.text import Text

    for ln in lines:
        console.print(Text(plain(ln)), soft_wrap=True)


# ----------------------------------------------------------------------------- labels

def label(key: str, lang: str, **kw: Any) -> str:
    """The console's caption ``key`` (``console.<key>`` in :mod:`bpm_xl.texts`)."""
    return text(f"console.{key}", lang, **kw)


def bands_title(name: str, lang: str) -> str:
    """``等级划分（财预〔2020〕10号）`` / ``Bands (MOF 2020 No.10 (mof2020))``."""
    shown = text(f"bands_name.{name}", lang) if has(f"bands_name.{name}") else name
    return label("bands_named", lang, bands=label("bands", lang), name=shown)


def _ratio(x: float) -> str:
    if x >= 1:
        return f"{x:.3g}"
    return f"1/{1 / x:.3g}"


def repair_hint(rep: Any) -> str:
    """The core's minimal repair of one failing matrix (:class:`bpm_xl.evaluation.MatrixRepair`,
    from ``Evaluation.repairs``): the judgments to change and the CR after. Empty without one.
    The core keeps only changes that change something."""
    if rep is None or not rep.changes:
        return ""
    parts = [f"{h.row_code}:{h.column_code} {_ratio(h.current)} → {_ratio(h.suggested)}" for h in rep.changes]
    return "; ".join(parts) + f" (CR {rep.cr_after:.3f})"


# ----------------------------------------------------------------------------- summary
def _t(x: Any, style: str | None = None) -> Any:
    from rich.text import Text

    return Text(plain(x), style=style or "")


def _table(title: str, columns: tuple[tuple[str, str], ...]) -> Any:
    from rich import box
    from rich.table import Table

    tb = Table(title=_t(title), box=box.SIMPLE_HEAD, title_justify="left")
    for head, just in columns:
        tb.add_column(_t(head), justify=just)
    return tb


def _headline(console: "Console", ev: "Evaluation", lang: str) -> None:
    from rich.text import Text

    s, r = ev.settings, ev.rating
    if ev.inputs.title:
        console.print(_t(ev.inputs.title, "bold"))
    if r is None:   # scores pending the survey: said, never shown as 0
        bands = ", ".join(f"{b.grade} {b.label(lang)} ≥ {b.lower:g}" for b in s.bands.bands)
        pending = _t(_pending_word(ev, lang), "bold yellow")
        console.print(Text.assemble(f"{label('total', lang)}: ", pending, f" / {s.scale_max:g}   ",
                                    f"{label('score100', lang)}: ", pending.copy(), "   ",
                                    f"{label('rating', lang)}: ", pending.copy()))
        console.print(_t(f"{bands_title(s.bands.name, lang)}: {bands}"))
        codes = ", ".join(ev.pending[:5]) + (f" … ({len(ev.pending)})" if len(ev.pending) > 5 else "")
        only_survey = all(ev.system.indicator(c).kind == "survey" for c in ev.pending)
        console.print(_t(label("pending_note" if only_survey else "pending_inputs_note", lang, codes=codes), "yellow"))
        return
    console.print(Text.assemble(
        f"{label('total', lang)}: ", _t(f"{ev.total:.4f}", "bold"), f" / {s.scale_max:g}   ",
        f"{label('score100', lang)}: ", _t(f"{ev.score100:.2f}", "bold"), "   ",
        f"{label('rating', lang)}: ", _t(f"{r.grade} {r.label(lang)}", "bold")))
    bands = ", ".join(f"{b.grade} {b.label(lang)} ≥ {b.lower:g}" for b in r.bands.bands)
    console.print(_t(f"{bands_title(r.bands.name, lang)}: {bands}"))
    if ev.cap is not None:
        console.print(_t(label("cap_note", lang, rule=ev.cap.cap.describe(lang), before=f"{ev.cap.uncapped_score100:.2f}"),
                         "yellow"))
    if ev.system.weighting == "points":
        console.print(_t(label("points_note", lang)))


def _pending_word(ev: "Evaluation", lang: str) -> str:
    """待问卷 while only survey answers are missing, else 待补齐 (a value, an expert's or a direct score)."""
    only_survey = all(ev.system.indicator(c).kind == "survey" for c in ev.pending)
    return label("pending" if only_survey else "pending_inputs", lang)


def _dimensions(console: "Console", ev: "Evaluation", lang: str) -> None:
    tb = _table(label("dims", lang), tuple((label(k, lang), j) for k, j in (
        ("code", "left"), ("name", "left"), ("weight", "right"), ("score", "right"), ("score100", "right"),
        ("contribution", "right"))))
    name_col = pick(("name_zh", "name_en"), lang)
    pending = _pending_word(ev, lang)

    def num(x: Any, fmt: str) -> str:
        return pending if x != x else format(x, fmt)   # NaN: the dimension waits for the survey

    groups = ev.group_table

    def add(code: str, row: Any, indent: str) -> None:
        tb.add_row(_t(indent + code), _t(row[name_col]), f"{row['weight']:.4f}", num(row["score"], ".4f"),
                   num(row["score100"], ".2f"), num(row["contribution"], ".4f"))
        if groups is not None:   # the inner groups below it, indented by level
            for _, g in groups[groups["parent"] == code].iterrows():
                add(g["code"], g, indent + "  ")

    for _, d in ev.dimension_table.iterrows():
        add(d["dimension"], d, "")
    console.print(tb)


def _consistency(console: "Console", ev: "Evaluation", lang: str) -> None:
    from .model import GOAL

    t = ev.settings.cr_threshold
    tc = _table(label("consistency", lang, t=t), tuple((label(k, lang), j) for k, j in (
        ("node", "left"), ("matrix", "left"), ("cr", "right"), ("status", "left"), ("repair", "left"))))
    fail = _t(label("fail", lang), "red")
    n_bad = n_all = 0
    repairs = {(r.node, r.expert): r for r in ev.repairs}
    for code, nr in ev.nodes.items():
        cr = nr.aggregated.consistency_ratio
        name = ev.system.goal(lang) if code == GOAL else ev.system.label(code, lang)
        tc.add_row(_t(f"{code} {name}"), _t(label("aggregate", lang)), f"{cr:.4f}",
                   fail if cr >= t else _t(label("ok", lang)), _t(repair_hint(repairs.get((code, None)))))
        for ec, er in zip(nr.expert_codes, nr.expert_results):
            n_all += 1
            if er.consistency_ratio >= t:
                n_bad += 1
                tc.add_row("", _t(ec), f"{er.consistency_ratio:.4f}", fail, _t(repair_hint(repairs.get((code, ec)))))
    hcr = ev.hierarchy.consistency_ratio
    tc.add_row(_t(label("hier", lang)), "", f"{hcr:.4f}", _t(label("ok", lang)) if hcr < t else fail, "")
    console.print(tc)
    console.print(_t(label("experts_bad", lang, k=n_bad, n=n_all, t=t)))


def _delphi(console: "Console", ev: "Evaluation", lang: str) -> None:
    if ev.delphi is None:
        return
    parts = []
    for k, rd in enumerate(ev.delphi.rounds, start=1):
        if rd.kendall is not None:
            flag = "" if rd.kendall.significant else f", {text('kendall_not_significant', lang)}"
            parts.append(f"{label('round', lang, k=rd.number or k)}: {label('kendall', lang)} = {rd.kendall.w:.4f} "
                         f"(χ² = {rd.kendall.chi2:.2f}, p = {rd.kendall.p:.4g}{flag})")
    parts.append(f"{label('authority', lang)} = {ev.delphi.authority.panel_cr:.4f}")
    console.print(_t(f"{label('delphi', lang)}: " + "; ".join(parts)))


def _priorities(console: "Console", ev: "Evaluation", lang: str, top: int) -> None:
    from .model import PDCA_LABELS

    if ev.priorities is None:   # weighted gaps need every score
        console.print(_t(f"{label('priorities', lang)}: {_pending_word(ev, lang)}"))
        return
    tp = _table(label("priorities", lang), tuple((label(k, lang), j) for k, j in (
        ("rank", "right"), ("code", "left"), ("name", "left"), ("stage", "left"), ("wgap", "right"), ("loss", "right"))))
    for _, p in ev.priorities.head(top).iterrows():
        stage = pick(PDCA_LABELS.get(p["stage"], (p["stage"], p["stage"])), lang)
        tp.add_row(str(int(p["rank"])), _t(p["label"]), _t(ev.system.label(p["label"], lang)), _t(stage),
                   f"{p['weighted_gap']:.4f}", f"{p['weighted_gap'] / ev.settings.scale_max * 100:.2f}")
    console.print(tp)


def _sensitivity(console: "Console", sd: Any, lang: str) -> None:
    rows = [(label("sens_j", lang), sd.judgments_perturb), (label("sens_b", lang), sd.judgments_bootstrap),
            (label("sens_r", lang), sd.respondents)]
    console.print(_t(label("sens", lang, d=sd.draws) + ": " + "; ".join(
        f"{name} {part.score100.low:.2f}–{part.score100.high:.2f}, {label('stays', lang)} {part.rating_stays:.1%}"
        for name, part in rows)))


def print_summary(console: "Console", ev: "Evaluation", lang: str = "zh", sensitivity: Any = None,
                  files: list[Path] | None = None, top: int = 5) -> None:
    """The demo/evaluate summary: score, rating and bands, dimensions, CRs, Delphi, priorities."""
    _headline(console, ev, lang)
    _dimensions(console, ev, lang)
    if ev.system.weighting == "ahp":   # points nodes have no judgments to check
        _consistency(console, ev, lang)
    _delphi(console, ev, lang)
    _priorities(console, ev, lang, top)
    if sensitivity is not None:
        _sensitivity(console, sensitivity, lang)
    if files:
        console.print(_t(f"{label('files', lang)}:"))
        print_lines(console, [f"  {f}" for f in files])
