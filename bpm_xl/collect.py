"""The round trip through the hub workbook, as pure functions over :class:`WorkbookData`.

- :func:`form_specs`: what each expert's questionnaire shows (pre-filled from the hub);
- :func:`apply_forms`: returned forms -> a new WorkbookData and a :class:`ChangeReport`;
- :func:`apply_survey`: a survey export (see :mod:`bpm_xl.readers.survey`) -> a new WorkbookData;
- :func:`feedback_rows`: per expert matrix that fails, the judgments to reconsider.

Nothing here reads or writes a file; the shells (``bpm_xl.cli_collect``) do, and the hub is
written only by the service (``service.rebuild_file(path, update=...)``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from .errors import WorkbookError
from .layout.collect import MAP_SHEET
from .layout.forms import IDENTITY_KEYS, SCALE_VALUES, FormSpec, fingerprint, node_title

__all__ = [
    "MAP_SHEET",
    "Change",
    "ChangeReport",
    "apply_forms",
    "feedback_rows",
    "form_specs",
    "hub_nodes",
    "map_sheet_rows",
    "number",
    "read_map_sheet",
    "system_of",
]



# ------------------------------------------------------------------------------- helpers
def system_of(data: Any) -> Any:
    import pandas as pd

    from .model import IndicatorSystem

    return IndicatorSystem.from_frame(pd.DataFrame(data.system_rows or [{"dimension": None, "code": None}]),
                                      name="indicator sheet")


def hub_nodes(system: Any) -> list[tuple[str, list[str]]]:
    return [(n, list(system.children(n))) for n in system.nodes()]


def number(v: Any) -> float | None:
    """A hub cell value as a number ('1/3' and 3 alike); None for blank or text."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        x = float(v)
        return x if math.isfinite(x) else None
    s = str(v).strip()
    if not s:
        return None
    try:
        return float(Fraction(s))
    except (ValueError, ZeroDivisionError):
        return None


def _label(system: Any, code: str, lang: str) -> str:
    for d in system.dimensions:
        if d.code == code:
            return f"{code} {d.name(lang)}"
    for i in system.indicators:
        if i.code == code:
            return f"{code} {i.name(lang)}"
    return code


def _upper(cells: dict, a: str, b: str) -> Any:
    """The hub's judgment a_ab: typed in (a, b), or the reciprocal of a typed (b, a)."""
    v = cells.get((a, b))
    if v is not None and v != "":
        return number(v) if number(v) is not None else v
    m = number(cells.get((b, a)))
    return (1 / m) if m else None


def _snap(x: Any) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    for s in SCALE_VALUES:
        if abs(x - s) <= 1e-9 * s:
            return s
    return None


# ------------------------------------------------------------------------------- forms
def form_specs(data: Any, round_: int = 1, lang: str = "zh", layout: str = "row",
               evaluation: Any = None) -> list[FormSpec]:
    """One :class:`FormSpec` per expert on the Experts sheet, pre-filled with what the hub holds."""
    from .ahp import random_index

    system = system_of(data)
    s = data.settings
    method = str(s.get("method") or "eigen").lower()
    table = str(s.get("random_index") or "cn").lower()
    lo = number(s.get("scale_min"))
    hi = number(s.get("scale_max"))
    lo = 1.0 if lo is None else lo
    hi = 5.0 if hi is None else hi
    thr = number(s.get("cr_threshold")) or 0.10
    if round_ < 1 or round_ > max(len(data.delphi), 1):
        raise WorkbookError(f"--round {round_}: the workbook has {len(data.delphi)} Delphi round(s)")
    if round_ >= 2 and not any(number(v) is not None for row in data.delphi[0].values() for v in row.values()):
        raise WorkbookError("--round 2: the Delphi round 1 sheet is empty; collect round 1 first")
    nodes = []
    ns = set()
    for node, children in hub_nodes(system):
        nodes.append((node, node_title(node, system, lang), tuple((c, _label(system, c, lang)) for c in children)))
        ns.add(len(children))
    ri = {n: float(random_index(n, table)) for n in ns if n >= 1}
    dim_name = {d.code: d.name(lang) for d in system.dimensions}
    indicators = tuple((i.code, dim_name.get(i.dimension, i.dimension), i.name(lang)) for i in system.indicators)
    fp = fingerprint(data.system_rows)
    panel = own1 = None
    if round_ >= 2:
        panel = _panel(data, system, evaluation, lo, hi)
    specs = []
    for e in data.experts:
        code = e["code"]
        judg: dict[str, dict[tuple[str, str], float]] = {}
        off: dict[str, dict[tuple[str, str], Any]] = {}
        for node, children in hub_nodes(system):
            cells = data.judgments.get(node, {}).get(code, {})
            for i, a in enumerate(children):
                for b in children[i + 1:]:
                    v = _upper(cells, a, b)
                    if v is None:
                        continue
                    sv = _snap(v)
                    if sv is None:
                        off.setdefault(node, {})[(a, b)] = v
                    else:
                        judg.setdefault(node, {})[(a, b)] = sv
        sugg = _suggestions(judg, nodes, method, table, thr)
        rd = data.delphi[round_ - 1].get(code, {}) if len(data.delphi) >= round_ else {}
        if round_ >= 2:
            own1 = dict(data.delphi[0].get(code, {}))
        specs.append(FormSpec(
            expert=code, expert_name=e.get("name") or "", round=round_, lang=lang, layout=layout,
            title=data.title or "", fingerprint=fp, method=method, random_index=table, ri=ri, cr_threshold=thr,
            scale_min=lo, scale_max=hi, nodes=tuple(nodes), indicators=indicators, judgments=judg, off_scale=off,
            ratings={k: v for k, v in rd.items() if v is not None}, ca=number(e.get("ca")), cs=number(e.get("cs")),
            panel=panel, own_round1=own1, suggestions=sugg))
    return specs


def _suggestions(judg: dict, nodes: list, method: str, table: str, thr: float) -> dict:
    """Per node whose pre-filled matrix is complete and fails: the core's repair, as (a, b) -> a_ab."""
    import numpy as np

    from .ahp import ahp_weights, suggest_repair
    from .errors import BpmError

    out: dict[str, dict[tuple[str, str], float]] = {}
    for node, _, ch in nodes:
        codes = [c for c, _ in ch]
        n = len(codes)
        per = judg.get(node, {})
        if n < 3 or len(per) < n * (n - 1) // 2:
            continue
        a = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                a[i, j] = per[(codes[i], codes[j])]
                a[j, i] = 1 / a[i, j]
        try:
            if ahp_weights(a, method, table).consistency_ratio < thr:
                continue
            rep = suggest_repair(a, threshold=thr, method=method, random_index=table)
        except BpmError:
            continue
        for c in rep.changes:
            i, j = sorted((c.row, c.col))
            v = c.scale_value if (i, j) == (c.row, c.col) else 1 / c.scale_value
            out.setdefault(node, {})[(codes[i], codes[j])] = float(v)
    return out


def _panel(data: Any, system: Any, evaluation: Any, lo: float, hi: float) -> dict[str, tuple[float | None, float | None]]:
    """Round-1 mean and CV per indicator: the hub's Delphi figures (from its evaluation when there is one)."""
    codes = list(system.codes)
    if evaluation is not None and evaluation.delphi is not None and evaluation.delphi.rounds:
        st = evaluation.delphi.rounds[0].stats
        return {str(c): (float(m), float(v)) for c, m, v in zip(st.labels, st.mean, st.cv)}
    from .delphi import indicator_stats

    rd = data.delphi[0]
    rows = [[rd[e].get(c) for c in codes] for e in rd]
    st = indicator_stats(rows, full_score=hi, labels=codes, scale_min=lo, name="Delphi round 1")
    return {str(c): (float(m), float(v)) for c, m, v in zip(st.labels, st.mean, st.cv)}


# ------------------------------------------------------------------------------- collect
@dataclass(frozen=True)
class Change:
    expert: str
    sheet: str            # "judgments" | "delphi N" | "experts" | "survey"
    what: str             # node pair, indicator code, Ca/Cs
    old: Any
    new: Any


@dataclass(frozen=True)
class ChangeReport:
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    per_file: tuple[tuple[str, str, int], ...] = ()   # (file, expert, round)

    @property
    def overwritten(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.old is not None)

    def lines(self) -> list[str]:
        out = []
        by: dict[tuple[str, str], list[Change]] = {}
        for c in self.changes:
            by.setdefault((c.expert, c.sheet), []).append(c)
        for f, e, r in self.per_file:
            out.append(f"{f}: expert {e}, round {r}")
        if not self.changes:
            out.append("no change: the workbook already holds these answers")
        for (e, sh), cs in by.items():
            ow = [c for c in cs if c.old is not None]
            line = f"expert {e}, {sh}: {len(cs)} cell(s)"
            if ow:
                shown = "; ".join(f"{c.what} {_show(c.old)} -> {_show(c.new)}" for c in ow[:6])
                more = f" (+{len(ow) - 6} more)" if len(ow) > 6 else ""
                line += f", overwriting {len(ow)}: {shown}{more}"
            out.append(line)
        out.extend(self.notes)
        return out


def _show(v: Any) -> str:
    if v is None:
        return "blank"
    if isinstance(v, float):
        f = Fraction(v).limit_denominator(9)
        if abs(float(f) - v) < 1e-12:
            return str(f)
        return f"{v:g}"
    return str(v)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    x, y = number(a), number(b)
    if x is not None and y is not None:
        return abs(x - y) <= 1e-12 * max(abs(x), abs(y), 1.0)
    return str(a) == str(b)


def _ident_cell(key: str) -> str:
    return f"B{IDENTITY_KEYS.index(key) + 1}"


def _check_form(f: Any, data: Any, fp: str, known: dict[str, int], seen: dict[tuple[str, int], str]) -> None:
    """Refuse a form that does not belong to this hub (located at its identity cell)."""
    isheet = f.identity_sheet
    if f.fingerprint != fp:
        if (f.title or "") != (data.title or ""):
            raise WorkbookError(f"the form was made for another workbook ({f.title or 'untitled'!s}); collect it "
                                "into that workbook", file=f.file, sheet=isheet, cell=_ident_cell("title"))
        raise WorkbookError(f"the indicator system changed since this form was sent (fingerprint {f.fingerprint} is "
                            f"not {fp}); send a new form", file=f.file, sheet=isheet, cell=_ident_cell("fingerprint"))
    if f.expert not in known:
        raise WorkbookError(f"expert {f.expert} is not on the Experts sheet; add the expert there first",
                            file=f.file, sheet=isheet, cell=_ident_cell("expert"))
    if not 1 <= f.round <= len(data.delphi):
        raise WorkbookError(f"the form is for Delphi round {f.round} but the workbook has {len(data.delphi)} round(s)",
                            file=f.file, sheet=isheet, cell=_ident_cell("round"))
    key = (f.expert, f.round)
    if key in seen:
        raise WorkbookError(f"expert {f.expert}, round {f.round} is also in {seen[key]}; collect one form per expert "
                            "and round", file=f.file, sheet=isheet, cell=_ident_cell("expert"))
    seen[key] = f.file


def _put_judgments(new: Any, f: Any, system: Any, changes: list[Change]) -> None:
    """The form's judgments into the upper triangle of its expert's matrices (by code)."""
    e = f.expert
    for node, children in hub_nodes(system):
        answers = f.judgments.get(node, {})
        per = new.judgments.setdefault(node, {})
        cells = dict(per.get(e, {}))
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                if (a, b) not in answers:
                    continue
                v = answers[(a, b)]
                old = _upper(cells, a, b)
                if not _same(old, v):
                    changes.append(Change(e, "judgments", f"{node} {a}/{b}", old, v))
                cells.pop((b, a), None)
                if v is None:
                    cells.pop((a, b), None)
                else:
                    cells[(a, b)] = v
        per[e] = cells


def _put_ratings(new: Any, f: Any, changes: list[Change]) -> None:
    """The form's Delphi ratings into that round's sheet."""
    e = f.expert
    rd = new.delphi[f.round - 1]
    row = dict(rd.get(e, {}))
    for code, v in f.ratings.items():
        old = row.get(code)
        old = None if old is None or old == "" else old
        if not _same(old, v):
            changes.append(Change(e, f"Delphi round {f.round}", code, old, v))
        row[code] = _int(v)
    if e in rd or any(v is not None for v in row.values()):
        rd[e] = row


def _put_authority(ex: dict[str, Any], f: Any, changes: list[Change], notes: list[str]) -> None:
    """Ca and Cs onto the Experts sheet (a blank in the form leaves the hub's value)."""
    for key, v in (("ca", f.ca), ("cs", f.cs)):
        if v is None:
            if ex.get(key) is None:
                notes.append(f"{f.file}: expert {f.expert} left {key.capitalize()} blank")
            continue
        if not _same(ex.get(key), v):
            changes.append(Change(f.expert, "experts", key.capitalize(), ex.get(key), v))
            ex[key] = v


def apply_forms(data: Any, forms: Sequence[Any]) -> tuple[Any, ChangeReport]:
    """Write returned forms' answers into a copy of ``data``; refuse what does not belong.

    Each form must carry the hub's indicator-system fingerprint, name an expert on the
    Experts sheet and a Delphi round the hub has. Judgments are written in the upper
    triangle (by code), ratings into that round's Delphi sheet, Ca and Cs onto the Experts
    sheet (a blank Ca or Cs in the form leaves the hub's value). A pair left blank in the
    form is blank in the hub (the core completes it).
    """
    system = system_of(data)
    fp = fingerprint(data.system_rows)
    known = {e["code"]: k for k, e in enumerate(data.experts)}
    new = copy.deepcopy(data)
    changes: list[Change] = []
    notes: list[str] = []
    seen: dict[tuple[str, int], str] = {}
    per_file = []
    for f in forms:
        _check_form(f, data, fp, known, seen)
        per_file.append((f.file, f.expert, f.round))
        _put_judgments(new, f, system, changes)
        _put_ratings(new, f, changes)
        _put_authority(new.experts[known[f.expert]], f, changes, notes)
    if not changes:
        return data, ChangeReport((), tuple(notes), tuple(per_file))
    return new, ChangeReport(tuple(changes), tuple(notes), tuple(per_file))


def _int(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


# ------------------------------------------------------------------------------- feedback
def feedback_rows(evaluation: Any, system: Any, lang: str = "zh") -> list[dict[str, Any]]:
    """Per expert and matrix that fails the CR threshold: each judgment to reconsider.

    Rows: expert, node, CR, pair (a, b), current a_ab, suggested a_ab (the core's
    :func:`~bpm_xl.ahp.suggest_repair`), CR after the suggested changes, and the most
    inconsistent judgment's consistent value (:func:`~bpm_xl.ahp.inconsistent_judgments`).
    """
    from .ahp import inconsistent_judgments, suggest_repair

    s = evaluation.inputs.settings
    out = []
    for node, res in evaluation.nodes.items():
        children = list(res.children)
        for code, r in zip(res.expert_codes, res.expert_results):
            if r.consistency_ratio < s.cr_threshold:
                continue
            rep = suggest_repair(r.matrix, threshold=s.cr_threshold, method=s.method, random_index=s.random_index)
            worst = inconsistent_judgments(r.matrix, count=1, method=s.method, random_index=s.random_index)[0]
            for ch in rep.changes:
                i, j = ch.row, ch.col
                a, b = (children[i], children[j]) if i < j else (children[j], children[i])
                cur = r.matrix[i, j] if i < j else r.matrix[j, i]
                sug = ch.scale_value if i < j else 1 / ch.scale_value
                out.append({
                    "expert": code, "node": node, "cr": float(r.consistency_ratio),
                    "a": a, "b": b, "a_label": _label(system, a, lang), "b_label": _label(system, b, lang),
                    "current": float(cur), "suggested": float(sug), "cr_after": float(rep.result.consistency_ratio),
                    "reached": bool(rep.reached),
                    "most_inconsistent": "/".join(children[k] for k in sorted((worst.row, worst.col))),
                })
    return out


# ------------------------------------------------------------------------------- survey map sheet
def map_sheet_rows(mapping: Iterable[Any], lang: str = "zh") -> list[list[Any]]:
    """The hub's survey-map sheet: header, then (question title, indicator code, reverse)."""
    head = (["问卷题目 question", "指标代码 indicator", "反向计分 reverse"])
    rows: list[list[Any]] = [head]
    for m in mapping:
        rows.append([m.title, m.code, "是 yes" if m.reverse else "否 no"])
    return rows


def read_map_sheet(grid: list[list[Any]] | None) -> list[tuple[str, str, bool]]:
    if not grid:
        return []
    out = []
    for row in grid[1:]:
        if not row or row[0] is None or str(row[0]).strip() == "":
            continue
        code = str(row[1]).strip() if len(row) > 1 and row[1] is not None else ""
        rev = str(row[2]).strip().lower() if len(row) > 2 and row[2] is not None else ""
        out.append((str(row[0]).strip(), code, rev.startswith(("是", "y", "1", "true", "反"))))
    return out


def with_survey(data: Any, ids: list[Any], rows: list[dict[str, Any]]) -> Any:
    return replace(data, survey_ids=list(ids), survey=[dict(r) for r in rows])


__all__ += ["with_survey"]
_ = field


# ------------------------------------------------------------------------------- survey import
@dataclass(frozen=True)
class MapEntry:
    title: str
    code: str
    reverse: bool
    source: str          # "--map" | "saved" | "guessed"


@dataclass(frozen=True)
class SurveyImport:
    file: str
    kind: str
    mapping: tuple[MapEntry, ...]
    unmapped: tuple[str, ...]
    respondents: int
    flags: dict[str, tuple[int, ...]]     # rule -> file rows flagged
    screened: bool
    kept: int
    min_seconds: float
    changed: bool = True
    replaced: int = 0                     # respondents the Survey sheet held before

    def lines(self) -> list[str]:
        kinds = {"wjx": "问卷星", "tencent": "腾讯问卷", "plain": "plain table"}
        out = [f"{self.file}: {kinds.get(self.kind, self.kind)} export, {self.respondents} respondent(s)",
               "question -> indicator:"]
        for m in self.mapping:
            out.append(f"  {m.title} -> {m.code}{' (reverse-scored)' if m.reverse else ''} [{m.source}]")
        for t in self.unmapped:
            out.append(f"  {t} -> (not mapped, ignored)")
        names = {"duplicate": "duplicate submissions (same IP and answers)",
                 "too_fast": f"too fast (under {self.min_seconds:g} s)",
                 "straight_lining": "straight-lining (all answers equal)",
                 "too_many_missing": "too many missing answers (over half)"}
        out.append("screening:")
        for k, label in names.items():
            rows = self.flags.get(k, ())
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            out.append(f"  {label}: {len(rows)}" + (f" (rows {shown})" if rows else ""))
        if self.screened:
            out.append(f"screening applied: {self.kept} of {self.respondents} respondent(s) kept")
        else:
            out.append(f"screening not applied (use --screen): all {self.respondents} respondent(s) imported")
        if not self.changed:
            out.append("no change: the workbook already holds these answers")
        elif self.replaced:
            out.append(f"the Survey sheet's {self.replaced} earlier respondent(s) are replaced by this export")
        return out


def _norm_title(t: str) -> str:
    import re

    return re.sub(r"\s+", "", str(t)).lower()


def _strip_number(t: str) -> str:
    import re

    return re.sub(r"^\s*(?:第\s*\d+\s*题|Q\s*\d+|\d+)\s*[、.．:：)）]?\s*", "", str(t))


def guess_code(title: str, system: Any) -> str | None:
    """The indicator a question title names: its code as a word, else the longest indicator name in it."""
    import re

    body = _strip_number(title)
    codes = [c for c in system.codes if re.search(rf"(?<![A-Za-z0-9]){re.escape(c)}(?![A-Za-z0-9])", body)]
    if len(codes) == 1:
        return codes[0]
    best, best_len = None, 0
    for i in system.indicators:
        for nm in (i.name_zh, i.name_en):
            if nm and nm in body and len(nm) > best_len:
                best, best_len = i.code, len(nm)
    return best


def _match(title: str, entries: list[tuple[str, str, bool]]) -> tuple[str, str, bool] | None:
    from .readers.survey import question_number

    for e in entries:
        if e[0] == title:
            return e
    nt = _norm_title(title)
    for e in entries:
        if _norm_title(e[0]) == nt:
            return e
    q = question_number(title)
    for e in entries:
        if e[0].strip().isdigit() and q is not None and int(e[0]) == q:
            return e
    return None


def _entry(title: str, given: Any, saved: Any, codes: set[str], system: Any) -> MapEntry | None:
    """How one question maps: --map first, else the map saved in the hub, else a guess."""
    if given is not None:
        m = _match(title, given)
        return None if m is None else MapEntry(title, m[1], m[2], "--map")
    if saved:
        m = _match(title, saved)
        if m is not None:
            return MapEntry(title, m[1], m[2], "saved")
    g = title if title in codes else guess_code(title, system)
    return None if g is None else MapEntry(title, g, False, "guessed")


def _mapping(table: Any, given: Any, saved: Any, system: Any) -> tuple[list[tuple[int, MapEntry]], list[str]]:
    """(question index, entry) of every mapped question, and the unmapped titles; refuses a
    map naming an unknown indicator or one indicator twice."""
    from .readers.survey import SurveyError, column_letter

    codes = set(system.codes)
    mapping: list[tuple[int, MapEntry]] = []
    unmapped: list[str] = []
    used: dict[str, str] = {}
    for q, title in enumerate(table.titles):
        entry = _entry(title, given, saved, codes, system)
        if entry is None or not entry.code:
            unmapped.append(title)
            continue
        col = column_letter(table.columns[q])
        if entry.code not in codes:
            raise SurveyError(f"column {col} '{title}': the map names the indicator {entry.code}, which is not on the "
                              "indicator sheet", file=table.file)
        if entry.code in used:
            raise SurveyError(f"column {col} '{title}': indicator {entry.code} is already mapped from "
                              f"'{used[entry.code]}'; map each indicator from one question (give --map)", file=table.file)
        used[entry.code] = title
        mapping.append((q, entry))
    return mapping, unmapped


def _answers(table: Any, mapping: list[tuple[int, MapEntry]], lo: float, hi: float) -> list[dict[str, Any]]:
    """Each response's answers by indicator code (reversed questions turned round)."""
    from .readers.survey import answer_value

    answers: list[dict[str, Any]] = []
    for k, row in enumerate(table.rows):
        rec = {}
        for q, m in mapping:
            x, problem = answer_value(row[q], lo, hi)
            if problem:
                raise table.error(k, q, problem)
            if x is not None and m.reverse:
                x = lo + hi - x
            if x is not None and float(x).is_integer():
                x = int(x)
            rec[m.code] = x
        answers.append(rec)
    return answers


def _screen(table: Any, answers: list[dict[str, Any]], mapping: list[tuple[int, MapEntry]], min_seconds: float,
            max_missing_share: float) -> tuple[dict[str, list[int]], set[int]]:
    """The screening flags (file rows by reason) and the responses they flag."""
    flags: dict[str, list[int]] = {"duplicate": [], "too_fast": [], "straight_lining": [], "too_many_missing": []}
    seen = set()
    drop = set()
    nq = len(mapping)
    for k, rec in enumerate(answers):
        vals = tuple(rec[m.code] for _, m in mapping)
        fr = table.file_rows[k]
        reasons = []
        if table.ips[k] is not None:
            key = (table.ips[k], vals)
            if key in seen:
                reasons.append("duplicate")
            seen.add(key)
        s = table.seconds[k]
        if s is not None and s < min_seconds:
            reasons.append("too_fast")
        got = [v for v in vals if v is not None]
        if len(got) >= 3 and len(set(got)) == 1:
            reasons.append("straight_lining")
        if nq and (nq - len(got)) / nq > max_missing_share:
            reasons.append("too_many_missing")
        for r in reasons:
            flags[r].append(fr)
            drop.add(k)
    return flags, drop


_REASONS = {"duplicate": ("重复提交", "duplicates"), "too_fast": ("答题过快", "too fast"),
            "straight_lining": ("所有题目同一答案", "straight-lining"), "too_many_missing": ("缺答过半", "over half missing")}


def _collection_facts(data: Any, received: int, flags: dict[str, list[int]], drop: set[int], screen: bool
                      ) -> dict[str, Any]:
    """What the report states about the survey's collection (Settings rows BPM_SURVEY_*): received,
    screened out, and the screening by reason, in the workbook's language."""
    zh = str(data.settings.get("survey_screen") or "否").strip() in ("是", "否")
    parts = [f"{_REASONS[k][0 if zh else 1]} {len(v)}" + (" 份" if zh else "") for k, v in flags.items() if v]
    if not parts:
        text = "未发现可疑答卷" if zh else "nothing flagged"
    else:
        text = ("；" if zh else "; ").join(parts)
        text += ("（已剔除）" if screen else "（标记但未剔除）") if zh else (" (removed)" if screen else " (flagged, kept)")
    return {"survey_received": received, "survey_excluded": len(drop) if screen else 0, "survey_reasons": text}


def apply_survey_import(data: Any, table: Any, given: list[tuple[str, str, bool]] | None = None,
                        saved: list[tuple[str, str, bool]] | None = None, screen: bool = False,
                        min_seconds: float | None = None, max_missing_share: float = 0.5) -> tuple[Any, SurveyImport]:
    """Map an export's questions onto indicators, screen the responses, and fill the Survey sheet."""
    from .readers.survey import SurveyError

    system = system_of(data)
    lo = number(data.settings.get("scale_min"))
    hi = number(data.settings.get("scale_max"))
    lo = 1.0 if lo is None else lo
    hi = 5.0 if hi is None else hi
    min_seconds = 60.0 if min_seconds is None else float(min_seconds)
    mapping, unmapped = _mapping(table, given, saved, system)
    if not table.rows:
        raise SurveyError("row 2: the export holds no responses", file=table.file)
    if not mapping:
        raise SurveyError("row 1: no question title names an indicator code or name; give the mapping with --map "
                          "MAP.csv (question, indicator, reverse)", file=table.file)
    if given is not None:
        titles = set(table.titles)
        for t, c, _ in given:
            if not any(_match(x, [(t, c, False)]) for x in titles):
                raise SurveyError(f"--map: the question {t!r} is not a column of {table.file}")
    answers = _answers(table, mapping, lo, hi)
    # screening: counted always, applied with screen=True
    flags, drop = _screen(table, answers, mapping, min_seconds, max_missing_share)
    keep = [k for k in range(len(answers)) if not (screen and k in drop)]
    ids = [table.ids[k] for k in keep]
    rows = [{c: answers[k].get(c) for c in system.codes} for k in keep]
    new = with_survey(data, ids, rows)
    new = replace(new, meta={**(new.meta or {}), **_collection_facts(data, len(answers), flags, drop, screen)})
    result = SurveyImport(table.file, table.kind, tuple(m for _, m in mapping), tuple(unmapped), len(answers),
                          {k: tuple(v) for k, v in flags.items()}, screen, len(keep), min_seconds,
                          replaced=len(data.survey))
    return new, result


__all__ += ["MapEntry", "SurveyImport", "apply_survey_import", "guess_code"]
