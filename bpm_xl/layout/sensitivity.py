"""The sensitivity sheet: Monte Carlo results as values (they cannot be formulas)."""

from __future__ import annotations

from typing import Any

from ..texts import text
from .types import SheetPlan

__all__ = ["sensitivity_sheet"]


def sensitivity_sheet(name: str, lang: str, sens: Any, system: Any) -> SheetPlan:
    """Monte Carlo results as values (they cannot be formulas), refreshed by every rebuild."""
    sp = SheetPlan("sensitivity", name, "output", widths={0: 44, 1: 14, 2: 14, 3: 14, 4: 14, 5: 16})
    sp.add(0, 0, [[text("sens_title", lang)]], "title")
    if sens is None:
        sp.add(2, 0, [[text("sens_none", lang)]], "note")
        return sp
    sp.add(1, 0, [[text("sens_note", lang, draws=f"{sens.draws:,}", seed=sens.seed)]], "note")
    sp.add(3, 0, [[text("sens_analysis", lang), text("sens_mean", lang), text("sens_low", lang), text("sens_high", lang),
                   text("sens_stays", lang)]], "header")
    rows = []
    for key, part in (("sens_perturb", sens.judgments_perturb), ("sens_bootstrap", sens.judgments_bootstrap)):
        if part is None:
            continue
        label = text(key, lang, p=part.probability) if part.probability is not None else text(key, lang)
        rows.append([label, part.score100.mean, part.score100.low, part.score100.high, part.rating_stays])
    rs = sens.respondents
    if rs is not None:
        rows.append([text("sens_respondents", lang, draws=f"{rs.draws:,}"), rs.score100.mean, rs.score100.low,
                     rs.score100.high, rs.rating_stays])
    sp.add(4, 0, rows, "output", col_styles={0: "text", 4: "pct"})
    r = 4 + len(rows) + 1
    sp.add(r, 0, [[text("sens_thresholds", lang)]], "subtitle")
    sp.add(r + 1, 0, [[text("dimension", lang), text("weight", lang), text("sens_increase", lang), text("sens_grade_after", lang),
                       text("sens_decrease", lang), text("sens_grade_after", lang)]], "header")
    trows = []
    for d in sens.weights:
        inc, dec = d.increase, d.decrease
        trows.append([f"{d.dimension} {system.label(d.dimension, lang)}", d.weight,
                      inc.weight if inc.weight is not None else text("sens_never", lang), inc.grade_after or "",
                      dec.weight if dec.weight is not None else text("sens_never", lang), dec.grade_after or ""])
    sp.add(r + 2, 0, trows, "output", col_styles={0: "text"})
    r = r + 2 + len(trows) + 1
    part = sens.judgments_perturb
    if part is not None:
        sp.add(r, 0, [[text("sens_weights", lang)]], "subtitle")
        sp.add(r + 1, 0, [[text("indicator", lang), text("global_weight", lang), text("sens_mean", lang), text("sens_low", lang),
                           text("sens_high", lang)]], "header")
        wrows = [[f"{c} {system.label(c, lang)}", float(part.base_weights[k]), float(part.weight_mean[k]),
                  float(part.weight_low[k]), float(part.weight_high[k])] for k, c in enumerate(part.leaves)]
        sp.add(r + 2, 0, wrows, "output", col_styles={0: "text"})
    return sp
