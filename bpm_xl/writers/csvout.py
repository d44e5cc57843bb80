"""The result tables as CSV files (``bpm-xl evaluate --csv DIR``).

- UTF-8 with a BOM, so Excel reads Chinese.
- Headers in the edition's language (zh: 指标代码, 权重, ...); ``keys=True`` writes the stable
  English keys instead (for scripts).
- Text never becomes a formula: a text cell starting with ``= + - @``, tab or CR gets a
  leading ``'`` (the OWASP rule for CSV injection). Numbers stay numbers.
- File names are the stable keys (indicators.csv ...).
- Each file is written atomically (:mod:`bpm_xl.writers.safe`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from types import MappingProxyType
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import safe
from ..texts import CATALOGUE, pick

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..evaluation import Evaluation

__all__ = ["HEADERS", "defuse", "result_tables", "write_csv"]

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

#: key -> (zh, en) header: the ``csv.<key>`` entries of :mod:`bpm_xl.texts`
HEADERS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {k.removeprefix("csv."): pair for k, pair in CATALOGUE.items() if k.startswith("csv.")})

def defuse(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``.

    >>> defuse("=HYPERLINK(\\"http://x\\")"), defuse("-1"), defuse(-1.5), defuse("F1")
    ('\\'=HYPERLINK("http://x")', "'-1", -1.5, 'F1')
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _header(key: str, lang: str) -> str:
    pair = HEADERS.get(key)
    return key if pair is None else pick(pair, lang)


def result_tables(ev: "Evaluation", sensitivity: Any = None) -> dict[str, "pd.DataFrame"]:
    """The tables by stable key, columns by stable key."""
    import pandas as pd

    tables: dict[str, pd.DataFrame] = {
        "indicators": ev.indicator_table,
        "dimensions": ev.dimension_table,
    }
    if ev.priorities is not None:   # none while the scores wait for the survey
        tables["priorities"] = ev.priorities
    rows = []
    for code, nr in ev.nodes.items():
        for matrix, r in (("aggregate", nr.aggregated), *zip(nr.expert_codes, nr.expert_results)):
            rows.append({"node": code, "matrix": matrix, "n": len(nr.children), "lambda_max": r.lambda_max,
                         "ci": r.consistency_index, "ri": r.random_index, "cr": r.consistency_ratio,
                         "random_index_table": r.random_index_table, "method": r.method, "n_missing": r.n_missing})
    tables["consistency"] = pd.DataFrame(rows)
    tables["experts"] = pd.DataFrame(
        [{"code": e.code, "name": e.name, "ca": e.ca, "cs": e.cs, "weight": float(w)}
         for e, w in zip(ev.inputs.experts, ev.expert_weights)])
    tables["summary"] = pd.DataFrame([
        {"key": "status", "value": ev.status},   # complete, or pending_survey (total, score100, grade blank)
        {"key": "total", "value": ev.total}, {"key": "score100", "value": ev.score100},
        {"key": "grade", "value": None if ev.rating is None else ev.rating.grade},
        {"key": "hierarchy_cr", "value": ev.hierarchy.consistency_ratio},
        *({"key": f"band_{b.grade}", "value": b.lower} for b in ev.settings.bands.bands),
        *({"key": k, "value": v} for k, v in ev.settings.to_dict().items() if k != "bands"),
    ])
    if ev.delphi is not None:
        frames = []
        for rd in ev.delphi.rounds:
            f = rd.stats.to_frame().merge(rd.screen.to_frame()[["label", "keep", "reason"]], on="label")
            f.insert(0, "round", rd.number)
            f["kendall_w"] = rd.kendall.w if rd.kendall is not None else None
            frames.append(f)
        tables["delphi"] = pd.concat(frames, ignore_index=True)
    if sensitivity is not None:
        tables["sensitivity_weights"] = sensitivity.judgments_perturb.to_frame()
        tables["sensitivity_thresholds"] = sensitivity.weights_frame()
    return tables


def _localise(name: str, frame: "pd.DataFrame", lang: str) -> "pd.DataFrame":
    frame = frame.rename(columns={c: _header(str(c), lang) for c in frame.columns})
    if name == "summary":
        col = frame.columns[0]
        frame[col] = [(_header(k, lang) if k in HEADERS else
                       (f"{_header('grade', lang)} {k[5:]}" if k.startswith("band_") else k)) for k in frame[col]]
    if name == "consistency":
        col = frame.columns[1]
        frame[col] = [_header(v, lang) if v == "aggregate" else v for v in frame[col]]
    return frame


def write_csv(ev: "Evaluation", out: str | Path, sensitivity: Any = None, *, lang: str = "zh",
              keys: bool = False) -> list[Path]:
    """Write the result tables into directory ``out``; returns the files written."""
    out = Path(out)
    written = []
    for name, frame in result_tables(ev, sensitivity).items():
        if not keys:
            frame = _localise(name, frame, lang)
        frame = frame.map(defuse) if hasattr(frame, "map") else frame.applymap(defuse)
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\r\n")
        written.append(safe.atomic_write(out / f"{name}.csv", buf.getvalue().encode("utf-8-sig")))
    return written
