"""The evaluation report: one self-contained HTML file (and a PDF of it), Chinese or English.

:func:`render_html` turns an :class:`~bpm_xl.evaluation.Evaluation` into a single HTML page
with no external resources: the stylesheet is inline and the charts are PNG images drawn with
matplotlib and embedded as ``data:`` URIs (PNG rather than SVG so that LibreOffice, which
makes the PDF, shows them too). :func:`write_report` writes the file and, on request, the
PDF through LibreOffice (``soffice --headless --convert-to pdf``).

Sections: summary and rating; the indicator system as a tree with local and global weights;
consistency of every matrix (aggregated and per expert); Delphi rounds; indicator and
dimension scores; charts; fuzzy evaluation; improvement priorities by plan-do-check-act;
sensitivity (when given); a methods appendix with every formula, the RI table and every
setting, so a reader can recompute any figure from the inputs.

Numbers are rounded here, for display only; the evaluation keeps full precision.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..conversion import visible
from . import charts, safe
from . import narrative as nv
from ..texts import pick, text

__all__ = ["ReportFiles", "cjk_font_family", "find_soffice", "html_to_pdf", "render_html", "write_html"]

cjk_font_family = charts.cjk_font_family

LANGS = ("zh", "en")

def _pending_mark(x: Any, digits: int, lang: str) -> str:
    """A figure, or 待问卷 (pending survey) where it is not known yet: never 0."""
    if x is None or (isinstance(x, float) and x != x):
        return f"<span class='pending'>{_e(text('pending', lang))}</span>"
    return _num(x, digits)


def _pending_html(ev: Any, lang: str) -> str:
    """The summary and the scores of an evaluation whose scores wait for the survey."""
    s = ev.settings
    codes = ", ".join(ev.pending)
    survey_only = all(ev.system.indicator(c).kind == "survey" for c in ev.pending)
    parts = [f"<h2 id='pending'>{_e(text('pending_title' if survey_only else 'pending_title_inputs', lang))}</h2>",
             f"<p class='pending'>{_e(text('pending_html' if survey_only else 'pending_inputs', lang, codes=codes))}</p>",
             f"<h2 id='summary'>{_t('summary', lang)}</h2>",
             "<table class='kpi' border='1' cellspacing='0' cellpadding='4'><tbody>"
             f"<tr><th>{_t('total', lang)}{_e(_t('on_scale', lang, lo=s.scale_min, hi=s.scale_max))}</th>"
             f"<td><b>{_pending_mark(ev.total, 4, lang)}</b></td></tr>"
             f"<tr><th>{_t('score100', lang)}</th><td><b>{_pending_mark(ev.score100, 2, lang)}</b></td></tr>"
             f"<tr><th>{_t('rating', lang)}</th><td><b>{_pending_mark(None, 0, lang)}</b></td></tr>"
             f"<tr><th>{_t('hier_cr', lang)}</th><td>{_num(ev.hierarchy.consistency_ratio, 4)}</td></tr>"
             "</tbody></table>"]
    it = ev.indicator_table
    rows = [[_e(r["code"]), _e(pick((r["name_zh"], r["name_en"]), lang)), str(int(r["answers"])),
             _pending_mark(r["mean_score"], 4, lang), _num(r["global_weight"]), _pending_mark(r["weighted_score"], 4, lang)]
            for _, r in it.iterrows()]
    parts.append(f"<h2 id='scores'>{_t('scores', lang)}</h2>")
    parts.append(_table([_t("code", lang), _t("name", lang), _t("answers", lang), _t("mean_score", lang),
                         _t("global_w", lang), _t("weighted_score", lang)], rows,
                        foot=[_t("sum", lang), "", "", "", _num(it["global_weight"].sum()), _pending_mark(None, 4, lang)]))
    dt = ev.dimension_table
    rows = [[_e(r["dimension"]), _e(pick((r["name_zh"], r["name_en"]), lang)), _num(r["weight"]),
             _pending_mark(r["score"], 4, lang), _pending_mark(r["score100"], 2, lang),
             _pending_mark(r["contribution"], 4, lang)] for _, r in dt.iterrows()]
    parts.append(_table([_t("code", lang), _t("dimension", lang), _t("weight", lang), _t("dim_score", lang),
                         _t("dim_score100", lang), _t("contribution", lang)], rows))
    return "".join(parts)



def _t(key: str, lang: str, **kw: Any) -> str:
    return text("html." + key, lang, **kw)


# --------------------------------------------------------------------------- formatting
def _e(x: Any) -> str:
    """User text as HTML text: escaped, control characters shown (never raw)."""
    return html.escape(visible(x, keep="\n"), quote=True)


def _num(x: Any, digits: int = 4) -> str:
    """A number as displayed everywhere (half-up, as Excel's ROUND; see narrative.fix)."""
    try:
        float(x) if x is not None else None
    except (TypeError, ValueError):
        return _e(x)
    return nv.fix(x, digits)


def _p(p: Any) -> str:
    """A p-value as '= 0.0123' or '< 0.0001' (never a misleading 0.0000)."""
    v = float(p)
    return "< 0.0001" if v < 0.0001 else f"= {v:.4f}"


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[Any]],
    cls: str = "",
    row_classes: Sequence[str] | None = None,
    foot: Sequence[Any] | None = None,
) -> str:
    """A table; cells are already-escaped HTML fragments (use _e / _num)."""
    out = [f'<table class="{cls}" border="1" cellspacing="0" cellpadding="3">', "<thead><tr>"]
    out += [f"<th>{h}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for k, row in enumerate(rows):
        rc = row_classes[k] if row_classes else ""
        out.append(f'<tr class="{rc}">' if rc else "<tr>")
        out += [f"<td>{c}</td>" for c in row]
        out.append("</tr>")
    if foot is not None:
        out.append('<tr class="foot">' + "".join(f"<td>{c}</td>" for c in foot) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# --------------------------------------------------------------------------- charts
def _img(data: bytes, fmt: str, alt: str, width: int = 620) -> str:
    """A chart: inline SVG (live text, the reader's fonts apply) or an embedded PNG."""
    if fmt == "svg":
        text = data.decode("utf-8")
        start = text.find("<svg")
        return f"<figure class='chart' aria-label='{_e(alt)}'>{text[start:]}</figure>"
    return f"<p><img alt='{_e(alt)}' src='data:image/png;base64,{base64.b64encode(data).decode('ascii')}' width='{width}'></p>"


# --------------------------------------------------------------------------- sections
_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"Helvetica Neue",Arial,sans-serif;color:#222;max-width:60em;margin:1.5em auto;padding:0 1em;
font-size:10.5pt;line-height:1.45}
h1{color:#1F4E78;font-size:18pt;border-bottom:2px solid #1F4E78;padding-bottom:.2em}
h2{color:#1F4E78;font-size:14pt;margin-top:1.6em;border-bottom:1px solid #9BC2E6}
h3{font-size:11.5pt;margin:1.1em 0 .4em}
table{border-collapse:collapse;margin:.4em 0 .9em;font-size:9.5pt}
th,td{border:1px solid #BFBFBF;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#DDEBF7}
td.n,th.n{text-align:right}
tr.dim td{background:#F2F2F2;font-weight:bold}
tr.goal td{background:#DDEBF7;font-weight:bold}
tr.foot td{font-weight:bold;border-top:2px solid #888}
tr.hit td{background:#FFF2CC;font-weight:bold}
.bad{color:#C00000;font-weight:bold}
.good{color:#548235}
.kpi{font-size:13pt}
.kpi b{font-size:16pt;color:#1F4E78}
.note{color:#555;font-size:9pt}
.formula{font-family:"DejaVu Sans Mono",Consolas,monospace;background:#F7F7F7;padding:1px 4px}
img{max-width:100%}
"""


def _summary(ev: Any, d: Mapping[str, Any], lang: str) -> str:
    s = ev.settings
    r = ev.rating
    grade_label = r.label(lang)
    parts = [f"<h2 id='summary'>{_t('summary', lang)}</h2>"]
    parts.append(
        "<table class='kpi' border='1' cellspacing='0' cellpadding='4'><tbody>"
        f"<tr><th>{_t('total', lang)}{_e(_t('on_scale', lang, lo=s.scale_min, hi=s.scale_max))}</th>"
        f"<td><b>{_num(ev.total, 4)}</b></td></tr>"
        f"<tr><th>{_t('score100', lang)}</th><td><b>{_num(ev.score100, 2)}</b></td></tr>"
        f"<tr><th>{_t('rating', lang)}</th><td><b>{_e(r.grade)} {_e(grade_label)}</b></td></tr>"
        f"<tr><th>{_t('hier_cr', lang)}</th><td>{_num(ev.hierarchy.consistency_ratio, 4)}</td></tr>"
    )
    if ev.cap is not None:
        c = ev.cap
        parts.append(f"<tr><th>{_t('uncapped', lang)}</th><td>{_num(c.uncapped_score100, 2)}</td></tr>"
                     f"<tr><th>{_t('cap', lang)}</th><td>{_e(c.cap.label or c.cap.describe(lang))}</td></tr>")
    if ev.delphi is not None:
        last = ev.delphi.rounds[-1]
        if last.kendall is not None:
            parts.append(
                f"<tr><th>{_t('kendall_w', lang)} ({_t('round', lang, k=last.number)})</th>"
                f"<td>{_num(last.kendall.w, 4)} (χ² = {_num(last.kendall.chi2, 2)}, p {_p(last.kendall.p)})</td></tr>"
            )
        parts.append(f"<tr><th>{_t('authority', lang)}</th><td>{_num(ev.delphi.authority.panel_cr, 4)}</td></tr>")
    parts.append("</tbody></table>")
    parts.append(f"<h3>{_t('bands', lang)} ({_t('band_rule', lang)}: {_e(r.bands.name)})</h3>")
    rows, classes = [], []
    bands = r.bands.bands
    for k, b in enumerate(bands):
        rng = f"≥ {b.lower:g}" + ("" if k == 0 else f", &lt; {bands[k - 1].lower:g}")
        hit = b.grade == r.grade
        rows.append([_e(b.grade), _e(b.label(lang)), _num(b.lower, 1), rng,
                     "◀" if hit else ""])
        classes.append("hit" if hit else "")
    parts.append(_table([_t("grade", lang), _t("label", lang), _t("lower", lang), _t("range", lang),
                         _t("applied", lang)], rows, row_classes=classes))
    return "".join(parts)


def _tree(ev: Any, lang: str) -> str:
    system = ev.system
    it = ev.indicator_table
    if nv.shows_tree(ev):
        return _deep_tree(ev, lang)
    dt = ev.dimension_table.set_index("dimension")
    head = [_t("node", lang), _t("code", lang), _t("stage", lang), _t("local_w", lang), _t("global_w", lang)]
    rows = [[_e(system.goal(lang)), "—", "", "1", "1"]]
    classes = ["goal"]
    for di, d in enumerate(system.dimensions):
        w = float(dt.loc[d.code, "weight"])
        branch = "└─ " if di == len(system.dimensions) - 1 else "├─ "
        rows.append([branch + _e(d.name(lang)), _e(d.code), "", _num(w), _num(w)])
        classes.append("dim")
        part = it[it["dimension"] == d.code]
        for k, (_, row) in enumerate(part.iterrows()):
            lead = "&nbsp;&nbsp;&nbsp;&nbsp;" if di == len(system.dimensions) - 1 else "│&nbsp;&nbsp;&nbsp;"
            twig = "└─ " if k == len(part) - 1 else "├─ "
            name = pick((row["name_zh"], row["name_en"]), lang)
            stage = _stage_name(row["pdca"], lang)
            rows.append([lead + twig + _e(name), _e(row["code"]), _e(stage), _num(row["local_weight"]),
                         _num(row["global_weight"])])
            classes.append("")
    return (f"<h2 id='tree'>{_t('tree', lang)}</h2><p class='note'>{_t('tree_note', lang)}</p>"
            + _table(head, rows, row_classes=classes))


def _deep_tree(ev: Any, lang: str) -> str:
    """The system level by level (any depth): names indented by level, points when weighed by points."""
    from .report_docx import annex_weight_rows

    system = ev.system
    points = system.weighting == "points"
    head = [_t("node", lang), _t("code", lang), _t("level", lang), _t("stage", lang), _t("local_w", lang),
            _t("global_w", lang)] + ([_e(text("th_points", lang))] if points else [])
    rows, classes = [[_e(system.goal(lang)), "—", "0", "", "1", "1"] + ([""] if points else [])], ["goal"]
    for (code, level, _), r in zip(nv.tree_order(system), annex_weight_rows(ev, lang)):
        rows.append(["&nbsp;&nbsp;&nbsp;&nbsp;" * (level - 1) + _e(system.label(code, lang)), _e(code), str(level),
                     _e(r[2]), _e(r[3]), _e(r[4])] + ([f"{system.points_of(code):g}"] if points else []))
        classes.append("dim" if level == 1 else "")
    return (f"<h2 id='tree'>{_t('tree', lang)}</h2><p class='note'>{_t('global_w_note_deep', lang)}</p>"
            + _table(head, rows, row_classes=classes))


def _stage_name(stage: str, lang: str) -> str:
    from ..model import PDCA_LABELS

    zh, en = PDCA_LABELS.get(stage, (stage, stage))
    return pick((zh, en), lang)


def _pair(j: Any, children: Sequence[str], lang: str, system: Any) -> str:
    a, b = children[j.row], children[j.col]
    return f"{_e(a)} : {_e(b)}"


def _frac(x: float) -> str:
    """A judgment as a Saaty value: 3, 1/3 or a decimal."""
    if x >= 1:
        return f"{x:g}" if abs(x - round(x)) < 1e-9 else f"{x:.3f}"
    inv = 1 / x
    return f"1/{inv:g}" if abs(inv - round(inv)) < 1e-9 else f"{x:.3f}"


def _consistency(ev: Any, lang: str) -> str:
    if ev.system.weighting == "points":   # no judgment matrices: nothing to check
        return f"<h2 id='consistency'>{_t('consistency', lang)}</h2><p>{_e(text('consistency_points', lang))}</p>"
    s = ev.settings
    t = s.cr_threshold
    parts = [f"<h2 id='consistency'>{_t('consistency', lang)}</h2>",
             f"<p class='note'>{_e(_t('cons_note', lang, t=t))}</p>",
             f"<h3>{_t('aggregated', lang)}</h3>"]
    parts.append(_cons_aggregated(ev, lang, t))
    parts.append(f"<h3>{_t('worst', lang)}</h3>")
    parts.append(_cons_worst(ev, lang))
    parts += _cons_repairs(ev, lang)
    # per expert: experts in rows, nodes in columns
    parts.append(f"<h3>{_t('per_expert', lang)}</h3><p class='note'>{_e(_t('per_expert_note', lang, t=t))}</p>")
    parts.append(_cons_per_expert(ev, lang, t))
    parts.append("<p class='note'>* " + _t("missing", lang) + "</p>")
    return "".join(parts)


def _cons_aggregated(ev: Any, lang: str, t: float) -> str:
    """The table of the group matrices' λmax, CI, RI and CR, with the hierarchy's CR at its foot."""
    from ..model import GOAL

    rows = []
    for code, nr in ev.nodes.items():
        a = nr.aggregated
        ok = a.consistency_ratio < t
        name = ev.system.goal(lang) if code == GOAL else ev.system.label(code, lang)
        rows.append([
            f"{_e(code)} {_e(name)}", str(len(nr.children)), _num(a.lambda_max), _num(a.consistency_index),
            _num(a.random_index, 4), f"<span class='{'good' if ok else 'bad'}'>{_num(a.consistency_ratio)}</span>",
            _t("yes", lang) if ok else f"<span class='bad'>{_t('no', lang)}</span>",
        ])
    rows_foot = [_t("hier_cr", lang), "", "", "", "", _num(ev.hierarchy.consistency_ratio), ""]
    return _table([_t("node", lang), _t("n", lang), "λmax", "CI", "RI", "CR", _t("ok", lang)], rows,
                  foot=rows_foot)


def _cons_worst(ev: Any, lang: str) -> str:
    """The table of each node's worst judgment and the value that would be consistent."""
    wrows = []
    for code, nr in ev.nodes.items():
        for j in nr.worst[:1]:
            wrows.append([_e(code), _pair(j, nr.children, lang, ev.system), _frac(j.value),
                          _num(j.consistent_value, 3), _frac(j.scale_value), _num(j.error, 3), _num(j.cr_after)])
    return _table([_t("node", lang), _t("pair", lang), _t("value", lang), _t("consistent", lang),
                   _t("suggest", lang), _t("error", lang), _t("cr_after", lang)], wrows)


def _cons_repairs(ev: Any, lang: str) -> list[str]:
    """The repairs section: per repaired node, its CR before and after and the changed judgments."""
    repairs = [(c, nr) for c, nr in ev.nodes.items() if nr.repair is not None]
    parts = [f"<h3>{_t('repair', lang)}</h3>"]
    if not repairs:
        parts.append(f"<p>{_t('repair_none', lang)}</p>")
    for code, nr in repairs:
        rrows = [[_pair(j, nr.children, lang, ev.system), _frac(j.value), _frac(j.scale_value), _num(j.cr_after)]
                 for j in nr.repair.changes]
        parts.append(f"<p><b>{_e(code)}</b>: CR {_num(nr.aggregated.consistency_ratio)} → "
                     f"{_num(nr.repair.result.consistency_ratio)}</p>")
        parts.append(_table([_t("pair", lang), _t("value", lang), _t("suggest", lang), _t("cr_after", lang)], rrows))
    return parts


def _cons_per_expert(ev: Any, lang: str, t: float) -> str:
    """Each expert's CR per node (experts in rows, nodes in columns); failures marked, missing judgments counted."""
    node_codes = list(ev.nodes)
    experts = [e.code for e in ev.inputs.experts]
    by = {c: dict(zip(nr.expert_codes, nr.expert_results)) for c, nr in ev.nodes.items()}
    erows = []
    for e in experts:
        row = [_e(e)]
        for c in node_codes:
            r = by[c].get(e)
            if r is None:
                row.append("—")
            else:
                cell = _num(r.consistency_ratio)
                if r.n_missing:
                    cell += f" <span class='note'>({r.n_missing}*)</span>"
                row.append(f"<span class='bad'>{cell}</span>" if r.consistency_ratio >= t else cell)
        erows.append(row)
    return _table([_t("expert", lang)] + [_e(c) for c in node_codes], erows)


def _delphi(ev: Any, lang: str) -> str:
    parts = [f"<h2 id='delphi'>{_t('delphi', lang)}</h2>"]
    if ev.delphi is None:
        return parts[0] + f"<p>{_t('no_delphi', lang)}</p>"
    a = ev.delphi.authority
    s = ev.settings
    parts.append(f"<h3>{_t('experts', lang)}</h3>")
    rows = [[_e(e.code), _e(e.name), _num(a.ca[k], 2), _num(a.cs[k], 2), _num(a.cr[k], 3), _num(ev.expert_weights[k])]
            for k, e in enumerate(ev.inputs.experts)]
    parts.append(_table([_t("code", lang), _t("name", lang), _t("ca", lang), _t("cs", lang), _t("cr_auth", lang),
                         _t("weight", lang)], rows,
                        foot=[_t("panel", lang), "", _num(a.panel_ca, 3), _num(a.panel_cs, 3), _num(a.panel_cr, 3),
                              "1"]))
    for rd in ev.delphi.rounds:
        kw = rd.kendall
        head = f"{_t('round', lang, k=rd.number)}: {_t('n_experts', lang)} {rd.n_experts}"
        if kw is not None:
            head += f"; W = {_num(kw.w)}, χ² = {_num(kw.chi2, 3)}, {_t('df', lang)} = {kw.df}, p {_p(kw.p)}"
        parts.append(f"<h3>{_e(head)}</h3>")
        st = rd.stats.to_frame()
        sc = rd.screen.to_frame().set_index("label")
        rows, classes = [], []
        for _, r in st.iterrows():
            keep = bool(sc.loc[r["label"], "keep"])
            rows.append([_e(r["label"]), _e(ev.system.label(r["label"], lang)), _num(r["mean"], 3), _num(r["sd"], 3),
                         _num(r["cv"], 3), _num(r["full_score_frequency"], 3), _num(r["median"], 1),
                         _t("yes", lang) if keep else f"<span class='bad'>{_t('no', lang)}</span>",
                         _e(sc.loc[r["label"], "reason"])])
            classes.append("")
        parts.append(_table([_t("code", lang), _t("name", lang), _t("mean", lang), _t("sd", lang), _t("cv", lang),
                             _t("full", lang), _t("median", lang), _t("keep", lang), _t("reason", lang)], rows))
    parts.append(f"<p class='note'>{_e(_t('screen_rule', lang, m=s.min_mean, c=s.max_cv))}</p>")
    cmp_ = ev.delphi.comparison
    if cmp_ is not None:
        parts.append(f"<h3>{_t('comparison', lang)}</h3>")
        cols = list(cmp_.columns)
        rows = [[_e(v) if c == "label" else _num(v, 3) for c, v in zip(cols, r)] for r in cmp_.itertuples(index=False)]
        parts.append(_table([_e(_column_name(c, lang)) for c in cols], rows))
    return "".join(parts)


def _column_name(col: str, lang: str) -> str:
    """Captions for the round-comparison columns (mean_1, cv_change ...)."""
    base, _, suffix = str(col).partition("_")
    if base not in ("label", "mean", "cv"):
        return str(col)
    name = _t(f"round_col_{base}", lang)
    if suffix == "change":
        return _t("round_col_change", lang, name=name)
    if suffix.isdigit():
        return _t("round_col_round", lang, name=name, k=suffix)
    return name


def _scores(ev: Any, lang: str) -> str:
    it = ev.indicator_table
    s = ev.settings
    parts = [f"<h2 id='scores'>{_t('scores', lang)}</h2>"]
    rows = []
    for _, r in it.iterrows():
        name = pick((r["name_zh"], r["name_en"]), lang)
        rows.append([_e(r["code"]), _e(name), str(int(r["answers"])), _num(r["mean_score"], 4), _num(r["global_weight"]),
                     _num(r["weighted_score"], 4)])
    parts.append(_table([_t("code", lang), _t("name", lang), _t("answers", lang), _t("mean_score", lang),
                         _t("global_w", lang), _t("weighted_score", lang)], rows,
                        foot=[_t("sum", lang), "", "", "", _num(it["global_weight"].sum()), _num(ev.total, 4)]))
    dt = ev.dimension_table
    rows = [[_e(r["dimension"]), _e(pick((r["name_zh"], r["name_en"]), lang)), _num(r["weight"]),
             _num(r["score"], 4), _num(r["score100"], 2), _num(r["contribution"], 4)] for _, r in dt.iterrows()]
    parts.append(_table([_t("code", lang), _t("dimension", lang), _t("weight", lang), _t("dim_score", lang),
                         _t("dim_score100", lang), _t("contribution", lang)], rows,
                        foot=[_t("sum", lang), "", _num(dt["weight"].sum()), "", _num(ev.score100, 2), _num(ev.total, 4)]))
    if nv.shows_tree(ev):
        from .report_docx import tree_score_rows

        head, rows, bold = tree_score_rows(ev, lang)
        parts.append(f"<h3>{_t('by_level', lang)}</h3>")
        parts.append(_table([_e(h) for h in head], [[_e(c) for c in r] for r in rows],
                            row_classes=["dim" if k in bold else "" for k in range(len(rows))]))
    if any(i.kind == "data" for i in ev.system.indicators):
        from .report_docx import data_table_rows

        head, rows = data_table_rows(ev, lang)
        parts.append(f"<h3>{_t('data', lang)}</h3>")
        parts.append(_table([_e(h) for h in head], [[_e(c) for c in r] for r in rows]))
    capped = nv.cap_sentence(ev, lang)
    total = ev.total if ev.cap is None else ev.cap.uncapped_score100 / 100 * s.scale_max
    parts.append(f"<p>{_t('total', lang)} = Σ wᵢ·sᵢ = <b>{_num(total, 4)}</b>; {_t('score100', lang)} = "
                 f"{_num(total, 4)} / {s.scale_max:g} × 100 = <b>{_num(total / s.scale_max * 100, 2)}</b>"
                 + (f"; {_e(capped)} " if capped else " ") +
                 f"→ <b>{_e(ev.rating.grade)} {_e(ev.rating.label(lang))}</b></p>")
    # fuzzy (only when every indicator is scored by the survey: other types have no answer shares)
    f = ev.fuzzy
    if f is None:
        return "".join(parts)
    parts.append(f"<h3>{_t('fuzzy', lang)}</h3><p class='note'>{_t('fuzzy_note', lang)}</p>")
    gv = list(f.grade_values) if f.grade_values is not None else list(range(len(f.b)))
    cells = [f"<b>{_num(v, 4)}</b>" if k == f.grade_index else _num(v, 4) for k, v in enumerate(f.b)]
    parts.append(_table(["V"] + [f"{float(v):g}" for v in gv], [[_t("membership", lang)] + cells]))
    if f.score is not None:
        parts.append(f"<p>{_t('fuzzy_score', lang)} = <b>{_num(f.score, 4)}</b>; "
                     f"{_t('fuzzy_grade', lang)}: V = {_num(gv[f.grade_index], 0)}</p>")
    return "".join(parts)


def _charts_html(ev: Any, lang: str, fmt: str, previous: Any = None, labels: tuple[str, str] | None = None,
                 found: Any = None) -> str:
    this_label, prev_label = labels or (None, None)
    parts = [f"<h2 id='charts'>{_t('charts', lang)}</h2>"]
    note = charts.font_note(lang)
    if note:
        parts.append(f"<p class='note'>{_e(note)}</p>")
    for key, data in (
        ("chart_radar", charts.radar(ev, lang, previous, this_label=this_label, prev_label=prev_label, fmt=fmt)),
        ("chart_dims", charts.dimension_bar(ev, lang, fmt=fmt)),
        ("chart_gaps", charts.gap_bar(ev, lang, fmt=fmt, top=12,
                                      codes=None if found is None else [f.code for f in found.problems])),
        *((("chart_resp", charts.respondent_histogram(ev, lang, fmt=fmt)),)
          if any(i.kind == "survey" for i in ev.system.indicators) else ()),
        ("chart_weights", charts.weight_bar(ev, lang, fmt=fmt)),
    ):
        parts.append(f"<h3>{_t(key, lang)}</h3>" + _img(data, fmt, _t(key, lang), 480 if key == "chart_radar" else 620))
    return "".join(parts)


def _improve(ev: Any, lang: str, top: int = 5, found: Any = None) -> str:
    """Points lost by stage; the highlighted rows and the first table are the problems of the
    report's one rule (bpm_xl.findings.classify), never a strength."""
    from ..findings import classify
    from ..model import PDCA_STAGES

    found = found if found is not None else classify(ev)
    problems = [f.code for f in found.problems]
    pr = ev.priorities
    scale = ev.settings.scale_max
    parts = [f"<h2 id='improve'>{_t('improve', lang)}</h2><p class='note'>{_t('improve_note', lang)}</p>"]
    head = [_t("rank", lang), _t("code", lang), _t("name", lang), _t("dimension", lang), _t("global_w", lang),
            _t("mean_score", lang), _t("gap", lang), _t("wgap", lang), _t("loss100", lang), _t("share", lang)]

    def row(r: Any) -> list[str]:
        return [str(int(r["rank"])), _e(r["label"]), _e(ev.system.label(r["label"], lang)),
                _e(ev.system.label(r["dimension"], lang)) if r["dimension"] else "", _num(r["weight"]),
                _num(r["score"], 3), _num(r["gap"], 3), _num(r["weighted_gap"], 4),
                _num(r["weighted_gap"] / scale * 100, 2), f"{float(r['share']) * 100:.1f}%"]

    shown = pr[pr["label"].isin(problems[:top])]
    k = len(shown)
    parts.append(f"<h3>{_t('top', lang, k=k)}</h3>")
    parts.append(_table(head[:2] + [head[2], _t("stage", lang)] + head[7:9],
                        [row(r)[:3] + [_e(_stage_name(r["stage"], lang))] + row(r)[7:9] for _, r in shown.iterrows()]))
    for stage in PDCA_STAGES:
        part = pr[pr["stage"] == stage]
        if part.empty:
            continue
        title = text(f"html.stage_{stage}", lang)
        tot = float(part["weighted_gap"].sum())
        parts.append(f"<h3>{_e(title)}</h3>")
        classes = ["hit" if r["label"] in problems else "" for _, r in part.iterrows()]
        parts.append(_table(head, [row(r) for _, r in part.iterrows()], row_classes=classes))
        parts.append(f"<p class='note'>{_e(_t('stage_total', lang, x=f'{tot:.4f}', y=f'{tot / scale * 100:.2f}'))}</p>")
    return "".join(parts)


def _generic(value: Any, lang: str, depth: int = 0) -> str:
    """Render a JSON-like value (the sensitivity result's to_dict()) as nested tables."""
    if isinstance(value, Mapping):
        scalars = [(k, v) for k, v in value.items() if not isinstance(v, (Mapping, list, tuple))]
        nested = [(k, v) for k, v in value.items() if isinstance(v, (Mapping, list, tuple))]
        out = ""
        if scalars:
            out += _table(["", ""], [[_e(k), _fmt_scalar(v)] for k, v in scalars])
        for k, v in nested:
            out += f"<h3>{_e(k)}</h3>" if depth == 0 else f"<p><b>{_e(k)}</b></p>"
            out += _generic(v, lang, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, Mapping) for v in value):
            cols: list[str] = []
            for v in value:
                cols += [k for k in v if k not in cols and not isinstance(v[k], (Mapping, list, tuple))]
            return _table([_e(c) for c in cols], [[_fmt_scalar(v.get(c)) for c in cols] for v in value])
        if len(value) <= 40 and all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            return "<p>" + ", ".join(_fmt_scalar(v) for v in value) + "</p>"
        if value and all(isinstance(v, (list, tuple)) for v in value) and len(value) <= 40:
            return _table([str(k + 1) for k in range(max(len(v) for v in value))],
                          [[_fmt_scalar(x) for x in v] for v in value])
        return f"<p class='note'>({len(value)} values)</p>"
    return f"<p>{_fmt_scalar(value)}</p>"


def _fmt_scalar(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return _e(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _num(v, 4)
    return _e(v)


def _sensitivity(ev: Any, sensitivity: Any, lang: str, fmt: str = "svg") -> str:
    if sensitivity is None:
        return ""
    sd = sensitivity
    if not hasattr(sd, "judgments_perturb"):  # anything else with to_dict(): a generic rendering
        body = _generic(sd.to_dict() if hasattr(sd, "to_dict") else sd, lang)
        return f"<h2 id='sensitivity'>{_t('sensitivity', lang)}</h2>" + body
    p = sd.judgments_perturb
    parts = [f"<h2 id='sensitivity'>{_t('sensitivity', lang)}</h2>"]
    note = (text("html.sens_note_points", lang, draws=sd.draws, seed=sd.seed) if ev.system.weighting == "points"
            else text("html.sens_note", lang, draws=sd.draws, seed=sd.seed, prob=f"{p.probability:g}"))
    parts.append(f"<p class='note'>{_e(note)}</p>")
    names = {"perturb": "html.judgment_perturbation", "panel": "html.panel_bootstrap",
             "respondents": "html.respondent_bootstrap"}
    parts_ = [(text(names[k], lang), part) for k, part in nv.sensitivity_parts(ev, sd)]
    grades = list(sd.grades)
    rows = []
    for name, part in parts_:
        rows.append([_e(name), _num(part.score100.mean, 2), f"{_num(part.score100.low, 2)} – {_num(part.score100.high, 2)}",
                     f"{part.rating_stays * 100:.1f}%"] + [f"{part.grade_shares.get(g, 0.0) * 100:.1f}%" for g in grades])
    parts.append(_table(["", (text("html.mean_100_pt", lang)), (text("html.95_interval", lang)),
                         (text("html.rating_unchanged", lang))] + [_e(g) for g in grades], rows))
    # dimension weights under judgment uncertainty (weights from points do not move)
    b = sd.judgments_bootstrap
    if ev.system.weighting == "ahp" and p is not None and b is not None:
        dw = dict(zip(ev.dimension_table["dimension"], ev.dimension_table["weight"]))
        rows = [[_e(d), _e(ev.system.label(d, lang)), _num(dw.get(d)),
                 f"{_num(p.dimension_weight_low[k])} – {_num(p.dimension_weight_high[k])}",
                 f"{_num(b.dimension_weight_low[k])} – {_num(b.dimension_weight_high[k])}"]
                for k, d in enumerate(p.dimensions)]
        parts.append(f"<h3>{text('html.stability_of_the_dimension_weights', lang)}</h3>")
        parts.append(_table([_t("code", lang), _t("dimension", lang), _t("weight", lang),
                             text("html.perturbation_95", lang), text("html.bootstrap_95", lang)], rows))
    # weight thresholds
    rows = []
    for w in sd.weights:
        rows.append([_e(w.dimension), _e(ev.system.label(w.dimension, lang)), _num(w.weight), _num(w.score, 4),
                     _e(w.increase.text), _e(w.decrease.text)])
    parts.append(f"<h3>{text('html.dimension_weight_change_that_would_chang', lang)}</h3>")
    parts.append("<p class='note'>" + _e(text("html.sens_rescaled", lang)) + "</p>")
    parts.append(_table([_t("code", lang), _t("dimension", lang), _t("weight", lang), _t("dim_score", lang),
                         text("html.increase", lang), text("html.decrease", lang)], rows))
    chart = charts.sensitivity_histogram(ev, sd, lang, fmt=fmt)
    if chart:
        parts.append(_img(chart, fmt, "sensitivity"))
    return "".join(parts)


def _methods(ev: Any, lang: str) -> str:
    items = _method_inputs(ev, lang) + _method_weights(ev, lang) + _method_scores(ev, lang)
    rows = [[f"<b>{_e(k)}</b>", v] for k, v in items]
    parts = [f"<h2 id='methods'>{_t('methods', lang)}</h2>", _table(["", ""], rows)]
    parts += _method_tables(ev, lang)
    return "".join(parts)


def _formula(x: str) -> str:
    return f"<span class='formula'>{x}</span>"


def _method_inputs(ev: Any, lang: str) -> list[tuple[str, str]]:
    """Where the weights come from, how indicators other than survey ones are scored, the cap."""
    s = ev.settings
    items: list[tuple[str, str]] = []
    if ev.system.weighting == "points":
        total = sum(ev.system.points_of(d) for d in ev.system.dimension_codes)
        items.append((_t("weights_from", lang), _e(_t("weights_points", lang, total=f"{total:g}"))))
    else:
        items.append((_t("weights_from", lang), _e(_t("weights_ahp", lang))))
    if any(i.kind != "survey" for i in ev.system.indicators):
        items.append((_t("type_scores", lang), _e(_t("type_scores_text", lang, smax=s.scale_max))))
    if ev.cap is not None:
        items.append((_t("cap", lang), _e(nv.cap_sentence(ev, lang))))
    return items


def _method_weights(ev: Any, lang: str) -> list[tuple[str, str]]:
    """The weighting method's lines: AHP weights, consistency, missing judgments, experts, aggregation."""
    s = ev.settings
    items: list[tuple[str, str]] = []
    items.append((text("html.ahp_weights", lang), text(f"html.method_{s.method}", lang)))
    items.append((text("html.m_consistency", lang),
                  _formula("CI = max(0, (λmax − n) / (n − 1))") + ", " + _formula("CR = CI / RI") +
                  (text("html.cr_0_for_n_2_acceptable_when_cr", lang))
                  + f"{s.cr_threshold:g}" + (text("html.acceptable_end", lang))))
    items.append((text("html.missing_judgments", lang),
                  text("html.missing_text", lang)))
    items.append((text("html.expert_weights", lang),
                  (_formula("Crₖ = (Caₖ + Csₖ) / 2") + ", " + _formula("λₖ = Crₖ / Σ Cr"))
                  if s.expert_weighting == "authority" else _formula("λₖ = 1 / m")))
    agg = _formula("āᵢⱼ = Π_k aᵢⱼ⁽ᵏ⁾^λₖ") + text("html.aij_text", lang)
    if s.aggregation == "aip":
        agg = _formula("wᵢ ∝ Π_k (wᵢ⁽ᵏ⁾)^λₖ") + text("html.aip_text", lang)
    items.append((text("html.group_aggregation", lang), agg))
    items.append((text("html.global_weights", lang),
                  _formula("Wᵢ = w_d × wᵢ|d") + (text("html.dimension_weight_local_weight", lang))))
    items.append((text("html.hierarchy_cr", lang),
                  _formula("CR = Σ_d w_d CI_d / Σ_d w_d RI_d") + (text("html.over_the_dimension_matrices_d", lang))))
    return items


def _method_scores(ev: Any, lang: str) -> list[tuple[str, str]]:
    """The scoring method's lines: indicator scores, total and rating, Delphi, fuzzy evaluation, priorities."""
    s = ev.settings
    items: list[tuple[str, str]] = []
    items.append((text("html.indicator_scores", lang),
                  _formula("sᵢ = (1/Nᵢ) Σ_r x_ri") + (text("html.blanks_skipped_answers_must_lie_in", lang))
                  + f"[{s.scale_min:g}, {s.scale_max:g}]"))
    items.append((text("html.total_and_rating", lang),
                  _formula("S = Σᵢ Wᵢ sᵢ") + ", " + _formula(f"S₁₀₀ = S / {s.scale_max:g} × 100") +
                  (text("html.the_grade_is_the_highest_band_whose_lowe", lang))
                  + _e(s.bands.name) + (text("html.x_", lang))))
    items.append((text("html.dimension_scores", lang),
                  _formula("S_d = Σ_{i∈d} wᵢ|d sᵢ") + ", " + _formula("S_d,100 = S_d / max × 100") + ", "
                  + _formula("contribution_d = w_d S_d")))
    items.append((text("html.delphi_statistics", lang),
                  _formula("mean, SD (n − 1), CV = SD / mean") + ", "
                  + _formula("full-score frequency = #(x = max) / n") +
                  (text("html.screening_mean", lang)) + f"{s.min_mean:g}" +
                  (text("html.and_cv", lang)) + f"{s.max_cv:g}"))
    items.append((text("html.kendall_w", lang),
                  _formula("W = 12 S / (m²(n³ − n) − m Σ T)") + ", " + _formula("T = Σ (t³ − t)") + ", " +
                  _formula("χ² = m (n − 1) W") + ", " + _formula("df = n − 1") +
                  (text("html.each_expert_s_ratings_are_ranked_first_t", lang))))
    items.append((text("html.m_authority", lang),
                  _formula("Cr = (Ca + Cs) / 2") + text("html.authority_text", lang)))
    items.append((text("html.fuzzy_evaluation", lang),
                  _formula("rᵢg = #(x_ri = g) / Nᵢ") + ", " + _formula("B = W · R") + ", "
                  + _formula("score = B · V") +
                  (text("html.grade_by_maximum_membership", lang))))
    items.append((text("html.priorities", lang),
                  _formula(f"gapᵢ = {s.scale_max:g} − sᵢ") + ", " + _formula("weighted gapᵢ = Wᵢ × gapᵢ") + ", " +
                  _formula("shareᵢ = weighted gapᵢ / Σ weighted gap") + ", " + _formula("S + Σ weighted gap = max")))
    return items


def _method_tables(ev: Any, lang: str) -> list[str]:
    """The RI table for every n used, and the settings."""
    from .. import ahp

    s = ev.settings
    parts: list[str] = []
    # RI table for every n used
    ns = sorted({len(nr.children) for nr in ev.nodes.values()})
    n_max = max(ns + [9])
    parts.append(f"<h3>{_e(_t('ri_table', lang, t=s.random_index))}</h3>")
    parts.append(_table(["n"] + [str(n) for n in range(1, n_max + 1)],
                        [["RI"] + [_num(ahp.random_index(n, s.random_index), 4) for n in range(1, n_max + 1)]]))
    # settings
    parts.append(f"<h3>{_t('settings', lang)}</h3>")
    srows = [["method", _e(s.method)], ["random_index", _e(s.random_index)], ["aggregation", _e(s.aggregation)],
             ["expert_weighting", _e(s.expert_weighting)], ["scale_min", f"{s.scale_min:g}"],
             ["scale_max", f"{s.scale_max:g}"], ["cr_threshold", f"{s.cr_threshold:g}"],
             ["min_mean", f"{s.min_mean:g}"], ["max_cv", f"{s.max_cv:g}"],
             ["bands", _e(s.bands.name + ": " + ", ".join(f"{b.grade} ≥ {b.lower:g}" for b in s.bands.bands))]]
    parts.append(_table([_t("setting", lang), _t("value", lang)], srows))
    return parts


# --------------------------------------------------------------------------- public API
def _analysis_html(ev: Any, lang: str) -> str:
    paras = nv.conclusion(ev, lang)[:1] + nv.analysis(ev, lang)
    return f"<h3>{_t('analysis', lang)}</h3>" + "".join(f"<p>{_e(p)}</p>" for p in paras)


def _story_html(ctx: Any) -> str:
    """The report's story, as the Word report tells it: the same paragraphs from the narrative."""
    from ..texts import text

    ev, lang, meta = ctx.evaluation, ctx.lang, ctx.meta
    f = ctx.findings

    def P(ps: Any) -> str:
        return "".join(f"<p>{_e(p)}</p>" for p in ps)

    out = [f"<h2>{_e(text('h_basic', lang))}</h2>", P(nv.basic_info(ev, meta, lang) + nv.scope_info(ev, meta, lang)),
           f"<h2>{_e(text('h_work', lang))}</h2>", P(nv.method_paragraphs(ev, lang) + [nv.survey_paragraph(ev, meta, lang)]),
           f"<h2>{_e(text('h_conclusion', lang))}</h2>", P(nv.conclusion(ev, lang)),
           f"<h2>{_e(text('h_analysis', lang))}</h2>", P(nv.rule_paragraphs(ev, f, lang) + nv.analysis(ev, lang, f)),
           f"<h2>{_e(text('h_experience', lang))}</h2>", P(nv.experience(ev, lang, f)),
           f"<h2>{_e(text('h_problems', lang))}</h2>", P([nv.problems_intro(f, lang)])]
    by_stage, tail = nv.problems_by_stage(ev, lang, f)
    for stage, texts in by_stage.items():
        out.append(f"<h3>{_e(nv.stage_short(stage, lang))}</h3>" + P(texts))
    out.append(P(tail))
    if ctx.previous is not None or ctx.closed_last_year or ctx.open_last_year:
        out.append(P([nv.last_year_sentence(len(ctx.open_last_year), len(ctx.closed_last_year), lang)]))
    out += [f"<h2>{_e(text('h_suggestions', lang))}</h2>", P(nv.suggestions(ev, lang, f, ctx.measures or {}))]
    sign = [text("sign_body", lang, body=meta.get("evaluator") or text("todo", lang)), text("sign_head", lang) + "＿" * 8,
            text("sign_date", lang, date=nv.date_text(meta.get("report_date", ""), lang) or text("todo", lang))]
    out.append("<div style='text-align:right;margin:2em 0'>" + "".join(f"<p>{_e(x)}</p>" for x in sign) + "</div>")
    return "".join(out)


def _rectification_html(ev: Any, lang: str, items: Sequence[Any], closed: Sequence[Any], found: Any = None) -> str:
    from .report_docx import rectification_rows

    if not items and not closed:
        return ""
    head, rows = rectification_rows(items, ev, lang, found)
    out = [f"<h2 id='rectification'>{_t('rect', lang)}</h2>"]
    if rows:
        out.append(_table([_e(h) for h in head], [[_e(c) for c in r] for r in rows]))
    if closed:
        out.append(f"<h3>{text('html.closed_since_last_year', lang)}</h3>")
        out.append(_table([_e(text(k, lang)) for k in ("th_figures", "th_indicator", "th_responsible", "th_status")],
                          [[_e(i.problem), _e(i.indicator), _e(i.responsible), _e(i.status)] for i in closed]))
    return "".join(out)


def _yoy_html(comparison: Any, lang: str, fmt: str) -> str:
    from .report_docx import year_rows

    if comparison is None:
        return ""
    c = comparison
    head, rows = year_rows(c, lang)
    out = [f"<h2 id='yoy'>{_t('yoy', lang)}</h2>"] + [f"<p>{_e(p)}</p>" for p in nv.year_sentences(c, lang)]
    out.append(_table([_e(h) for h in head], [[_e(x) for x in r] for r in rows]))
    yrows = [(r.name_zh, r.name_en, r.score100_prev, r.score100_now) for r in c.rows]
    yrows.append(("总分", "Total", c.score100_prev, c.score100_now))
    out.append(_img(charts.year_bar(yrows, lang, this_label=c.this_label, prev_label=c.prev_label, fmt=fmt), fmt,
                    _t("yoy", lang)))
    return "".join(out)


def render_html(evaluation: Any, lang: str = "zh", sensitivity: Any = None, *, meta: Mapping[str, str] | None = None,
                previous: Any = None, comparison: Any = None, items: Sequence[Any] = (), closed: Sequence[Any] = (),
                chart_format: str = "svg", context: Any = None) -> str:
    """The whole report as one self-contained HTML document (no external links or scripts).

    Parameters
    ----------
    evaluation : Evaluation
        The result of :func:`bpm_xl.evaluate`.
    lang : {"zh", "en"}
        Language of the text and chart labels (indicator names in that language).
    sensitivity : SensitivityResult, optional
        From :func:`bpm_xl.sensitivity.analyse`; adds the sensitivity section.
    meta : mapping, optional
        unit / year / evaluator (see :func:`narrative.meta_of`), shown in the title.
    previous, comparison : Evaluation, YearComparison, optional
        Last year's evaluation and the comparison with it (radar overlay, year-over-year section).
    items, closed : sequence of rectification.Item
        This year's 整改清单 and the items closed since last year.
    chart_format : {"svg", "png"}
        Inline SVG with live text (default) or PNG (for LibreOffice's PDF conversion).
    context : report_docx.ReportContext, optional
        What the Word report shows (from :func:`report.report_context`); the page then opens with
        the same story (基本情况 ... 改进建议 and the 落款) before the detailed sections.

    Returns
    -------
    str
    """
    _check_options(lang, chart_format)
    ev = evaluation
    meta = nv.meta_of(meta, ev)
    title = nv.report_title(ev, meta, lang) if any(meta.values()) else (ev.inputs.title or _t("report", lang))
    who = " · ".join(v for v in (meta["unit"], meta["year"], meta["evaluator"]) if v)
    labels = (comparison.this_label, comparison.prev_label) if comparison is not None else None
    found = context.findings if context is not None else None
    if ev.pending:   # scores wait for the survey: what is computed, and which parts are pending
        body = [f"<h1>{_e(title)}</h1>", _byline(who, lang),
                _pending_html(ev, lang), _tree(ev, lang), _consistency(ev, lang), _delphi(ev, lang), _methods(ev, lang)]
        return _page(title, lang, body, ".pending{color:#C00000;font-weight:bold}")
    body = [
        f"<h1>{_e(title)}</h1>",
        _byline(who, lang),
        _story_html(context) if context is not None else "",
        _summary(ev, ev.to_dict(), lang),
        _analysis_html(ev, lang) if context is None else "",
        _tree(ev, lang),
        _consistency(ev, lang),
        _delphi(ev, lang),
        _scores(ev, lang),
        _charts_html(ev, lang, chart_format, previous, labels, found),
        _yoy_html(comparison, lang, chart_format),
        _improve(ev, lang, found=found),
        _rectification_html(ev, lang, items, closed, found),
        _sensitivity(ev, sensitivity, lang, chart_format),
        _methods(ev, lang),
    ]
    return _page(title, lang, body)


def _check_options(lang: str, chart_format: str) -> None:
    from ..errors import SettingsError

    if lang not in LANGS:
        raise SettingsError(f"lang: is {lang!r}; use zh or en")
    if chart_format not in ("svg", "png"):
        raise SettingsError(f"chart_format: is {chart_format!r}; use svg or png")


def _byline(who: str, lang: str) -> str:
    """The line under the title: unit · year · evaluator, the report, the version that wrote it."""
    from .. import __version__

    return (f"<p class='note'>{_e(who + ' · ' if who else '')}{_e(_t('report', lang))} · "
            f"{_e(_t('generated', lang, v=__version__))}</p>")


def _page(title: str, lang: str, body: Sequence[str], css: str = "") -> str:
    """The HTML document around the sections of ``body`` (empty ones left out), with the style sheet."""
    return (
        "<!DOCTYPE html>\n"
        f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}{css}</style></head><body>\n"
        + "\n".join(b for b in body if b)
        + "\n</body></html>\n"
    )


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """What was written: the main file, and the PDF when one was made."""

    path: Path
    pdf: Path | None = None

    @property
    def html(self) -> Path:  # the name the HTML-only report had
        return self.path


def find_soffice() -> str | None:
    """Path of LibreOffice's ``soffice`` (PATH, then the usual install locations), or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for cand in (r"C:\Program Files\LibreOffice\program\soffice.exe",
                 "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if os.path.exists(cand):
            return cand
    return None


def to_pdf(src: Path, pdf_path: Path, infilter: str | None = None, timeout: float = 180,
           run: Callable[..., Any] = subprocess.run) -> Path:
    """Convert a document (the HTML report, the .docx) to PDF with LibreOffice (headless, private
    profile); the PDF is moved into place only once complete."""
    from ..errors import WorkbookError

    soffice = find_soffice()
    if soffice is None:
        raise WorkbookError("report --pdf: LibreOffice (soffice) was not found; install LibreOffice "
                            "or open the report and print it to PDF")
    src = Path(src).resolve()
    pdf_path = Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="bpm-xl-pdf-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        outdir = Path(tmp, "out")
        # Writer's HTML import filter: without it LibreOffice would open a page in Writer/Web.
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
        cmd += [f"--infilter={infilter}"] if infilter else []
        cmd += ["--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), str(src)]
        proc = run(cmd, capture_output=True, text=True, timeout=timeout)
        made = outdir / (src.stem + ".pdf")
        if not made.exists():
            detail = (getattr(proc, "stderr", "") or getattr(proc, "stdout", "") or "").strip().splitlines()
            raise WorkbookError(f"report --pdf: LibreOffice did not produce a PDF of {src.name}"
                                + (f" ({detail[-1]})" if detail else "")
                                + "; is LibreOffice Writer installed (e.g. apt install libreoffice-writer)?")
        safe.atomic_write(pdf_path, made.read_bytes())
    return pdf_path


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = 120,
                run: Callable[..., Any] = subprocess.run) -> Path:
    """Convert the HTML report to PDF with LibreOffice."""
    return to_pdf(html_path, pdf_path, infilter="HTML (StarWriter)", timeout=timeout, run=run)


def write_html(evaluation: Any, path: str | os.PathLike, lang: str = "zh", pdf: bool = False,
               sensitivity: Any = None, **extras: Any) -> ReportFiles:
    """Write the HTML report to ``path`` (and ``path`` with suffix .pdf when ``pdf``), atomically.

    ``extras`` are passed to :func:`render_html` (meta, previous, comparison, items, closed).
    The PDF is made from a PNG-chart variant, which LibreOffice renders reliably.
    """
    path = Path(path)
    html = render_html(evaluation, lang=lang, sensitivity=sensitivity, **extras)
    safe.atomic_write(path, html.encode("utf-8"))
    pdf_path = None
    if pdf:
        with tempfile.TemporaryDirectory(prefix="bpm-xl-html-") as tmp:
            src = Path(tmp, path.stem + ".html")
            src.write_text(render_html(evaluation, lang=lang, sensitivity=sensitivity, chart_format="png", **extras),
                           encoding="utf-8")
            pdf_path = to_pdf(src, path.with_suffix(".pdf"), infilter="HTML (StarWriter)")
    return ReportFiles(path, pdf_path)
