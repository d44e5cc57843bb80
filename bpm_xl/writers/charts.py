"""The report's charts (matplotlib, no pyplot) and the CJK font they need.

Chinese labels must render on any machine, whatever matplotlib's font cache holds. So the font
is found here, from the system, and registered with matplotlib's font manager directly:

1. ``BPM_XL_CJK_FONT`` (a font file), when set;
2. fontconfig: ``fc-list :lang=zh file`` (Linux, and macOS/Windows where fontconfig exists);
3. the usual font folders (Windows ``%WINDIR%\\Fonts``, macOS ``/System/Library/Fonts`` and
   ``/Library/Fonts``, ``/usr/share/fonts``, ``~/.fonts``...) searched for known CJK files.

With none, the charts of a Chinese report are drawn with English labels, and :func:`font_note`
says so once (one line on stderr per process and one note in the report), never a flood of
"Glyph ... missing" warnings: glyph warnings raised while drawing are caught and counted.

User text (indicator and dimension names) is drawn literally: ``text.parse_math`` is off, so a
"$" in a name is a dollar sign, not mathtext.

Charts come out as SVG with live text (``svg.fonttype = none``: the reader's fonts apply) or PNG
(Word/LibreOffice): :func:`render` returns the bytes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..texts import pick, text

__all__ = [
    "ChartSet",
    "CjkFont",
    "chart_labels_lang",
    "cjk_font_family",
    "dimension_bar",
    "find_cjk_font",
    "font_note",
    "gap_bar",
    "radar",
    "render",
    "respondent_histogram",
    "sensitivity_histogram",
    "weight_bar",
    "year_bar",
]

COLORS = ["#1F4E78", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2E75B6", "#A5A5A5"]

# Known CJK font files, best first (file names as the OS vendors ship them).
_KNOWN_FILES = (
    "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf", "NotoSansSC-Regular.ttf",
    "SourceHanSansSC-Regular.otf", "SourceHanSans-Regular.ttc", "msyh.ttc", "msyh.ttf", "simhei.ttf",
    "PingFang.ttc", "Hiragino Sans GB.ttc", "STHeiti Light.ttc", "wqy-zenhei.ttc", "wqy-microhei.ttc",
    "NotoSerifCJK-Regular.ttc", "simsun.ttc", "Songti.ttc", "Arial Unicode.ttf",
)
_PREFERRED_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei", "SimHei", "PingFang SC",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans SC", "Noto Serif CJK SC", "SimSun",
)


@dataclass(frozen=True, slots=True)
class CjkFont:
    """A CJK font registered with matplotlib: its family name and the file it came from."""

    family: str
    path: str


def _font_dirs() -> list[Path]:
    """Folders where operating systems keep fonts (those that exist)."""
    dirs: list[Path] = []
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if windir:
        dirs.append(Path(windir) / "Fonts")
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    home = Path.home()
    dirs += [Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental"), Path("/Library/Fonts"),
             home / "Library" / "Fonts", Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
             home / ".fonts", home / ".local" / "share" / "fonts"]
    return [d for d in dirs if d.is_dir()]


def _fc_list() -> list[str]:
    """Font files fontconfig knows for Chinese (``fc-list :lang=zh file``), or []."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = [line.strip().rstrip(":").strip() for line in out.splitlines() if line.strip()]
    return [f for f in files if Path(f).suffix.lower() in (".ttf", ".ttc", ".otf")]


def _rank(path: str) -> tuple[int, str]:
    name = Path(path).name
    low = name.lower()
    for k, known in enumerate(_KNOWN_FILES):
        if low == known.lower():
            return (k, name)
    bonus = 0 if ("sans" in low or "hei" in low) else 1
    bold = 1 if re.search(r"bold|black|heavy|light|thin|medium|mono", low) else 0
    return (len(_KNOWN_FILES) + 2 * bold + bonus, name)


def _candidates(dirs: Iterable[Path] | None = None, use_fc_list: bool = True) -> list[str]:
    found: list[str] = []
    env = os.environ.get("BPM_XL_CJK_FONT")
    if env and Path(env).is_file():
        found.append(env)
    if use_fc_list:
        found += _fc_list()
    known = {k.lower() for k in _KNOWN_FILES}
    for d in (_font_dirs() if dirs is None else dirs):
        try:
            for root, _, files in os.walk(d):
                for f in files:
                    if f.lower() in known:
                        found.append(str(Path(root) / f))
        except OSError:
            continue
    seen: set[str] = set()
    head = found[:1] if env and found and found[0] == env else []
    rest = sorted((f for f in found if f not in head), key=_rank)
    out = []
    for f in head + rest:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def find_cjk_font(dirs: Iterable[Path] | None = None, use_fc_list: bool = True) -> CjkFont | None:
    """Find a CJK font on this machine and register it with matplotlib's font manager.

    Parameters
    ----------
    dirs : iterable of Path, optional
        Folders to search instead of the operating system's font folders.
    use_fc_list : bool, default True
        Ask fontconfig (``fc-list :lang=zh``) first.

    Returns
    -------
    CjkFont or None
        None when no CJK font is found (the charts then use English labels).
    """
    from matplotlib import font_manager

    for path in _candidates(dirs, use_fc_list):
        try:
            font_manager.fontManager.addfont(path)
            family = font_manager.FontProperties(fname=path).get_name()
        except Exception:  # noqa: BLE001 - a damaged or unsupported font file (any error of matplotlib's parser): try the next
            continue
        if family:
            return CjkFont(family, path)
    return None


@functools.lru_cache(maxsize=1)
def _system_font() -> CjkFont | None:
    return find_cjk_font()


def cjk_font_family() -> str | None:
    """Family name of the CJK font the charts use (found once per process), or None."""
    f = _system_font()
    return f.family if f else None


_noted = False


def font_note(lang: str, *, stderr: bool = True) -> str | None:
    """The note for a Chinese report whose charts fall back to English, or None when not needed.

    The first call in a process that needs it also writes it to stderr (once).
    """
    global _noted
    if lang != "zh" or cjk_font_family() is not None:
        return None
    if stderr and not _noted:
        _noted = True
        print("bpm-xl: " + text("chart.font_note", "en"), file=sys.stderr)
    return text("chart.font_note", lang)


def chart_labels_lang(lang: str) -> str:
    """The language chart labels are drawn in: Chinese only when a CJK font exists."""
    return "zh" if lang == "zh" and cjk_font_family() is not None else "en"


@contextlib.contextmanager
def _style(lang: str) -> Iterator[str]:
    """rc settings for one chart; yields the label language. Glyph warnings are swallowed."""
    import logging

    import matplotlib

    label_lang = chart_labels_lang(lang)
    family = cjk_font_family() if label_lang == "zh" else None
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 9,
        "svg.fonttype": "none",
        "svg.hashsalt": "bpm-xl",
        "text.parse_math": False,
    }
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        warnings.filterwarnings("ignore", message=r"findfont:")
        log.setLevel(logging.ERROR)
        try:
            yield label_lang
        finally:
            log.setLevel(level)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150)


def render(fig: Any, fmt: str = "png") -> bytes:
    """The figure as PNG or SVG bytes (SVG keeps text as text)."""
    import io

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with warnings.catch_warnings(), matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "bpm-xl"}):
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        fig.savefig(buf, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    if fmt == "svg":  # user text in labels: control characters shown, never raw (not even valid XML)
        from ..conversion import visible

        return visible(buf.getvalue().decode("utf-8"), keep="\n\t\r").encode("utf-8")
    return buf.getvalue()


@dataclass(frozen=True)
class ChartSet:
    """Rendered charts by name (bytes in ``fmt``), the label language and the font note."""

    fmt: str
    images: dict[str, bytes]
    label_lang: str
    note: str | None


# --------------------------------------------------------------------------- the charts
def _label(system: Any, code: str, lang: str) -> str:
    return system.label(code, lang)


def radar(ev: Any, lang: str, previous: Any = None, *, this_label: str | None = None,
          prev_label: str | None = None, fmt: str = "png") -> bytes:
    """Radar of the dimensions' 100-point scores, this year (and last year where given)."""
    with _style(lang) as ll:
        dt = ev.dimension_table
        codes = list(dt["dimension"])
        import textwrap

        names = [_label(ev.system, c, ll) for c in codes]
        names = [textwrap.fill(x, 14) if ll == "en" else x for x in names]  # keep the circle large
        vals = dt["score100"].to_numpy(float)
        n = len(codes)
        ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
        fig = _figure(5.0, 4.2)
        ax = fig.add_subplot(projection="polar")
        ax.set_theta_offset(np.pi / 2)
        ax.set_theta_direction(-1)
        series = [(this_label or text("chart.this_year", ll), vals, COLORS[0])]
        if previous is not None:
            pdt = previous.dimension_table.set_index("dimension")["score100"]
            pv = np.array([float(pdt[c]) if c in pdt.index else np.nan for c in codes])
            series.append((prev_label or text("chart.last_year", ll), pv, COLORS[1]))
        allv = np.concatenate([s[1][np.isfinite(s[1])] for s in series])
        lo = max(0.0, float(np.floor((allv.min() - 10) / 10) * 10)) if allv.size else 0.0
        for name, v, color in series:
            closed = np.append(v, v[:1])
            a = np.append(ang, ang[:1])
            ax.plot(a, closed, color=color, lw=1.6, label=name, marker="o", ms=3)
            ax.fill(a, np.nan_to_num(closed, nan=lo), color=color, alpha=0.12)
        for k, v in enumerate(vals):
            ax.annotate(f"{v:.1f}", (ang[k], v), textcoords="offset points", xytext=(0, 6), ha="center",
                        fontsize=7, color=COLORS[0])
        ax.set_ylim(lo, 100)
        ax.set_yticks(np.arange(lo, 100.1, 10))
        ax.set_rlabel_position(180 / n if n else 0)
        ax.tick_params(axis="y", labelsize=6, colors="#777")
        # axis labels outside the circle, aligned away from it (long Chinese names never cross the rings)
        ax.set_xticks(ang, [""] * n)
        for a, name in zip(ang, names):
            sx, cy = np.sin(a), np.cos(a)
            ax.text(a, 100 + (100 - lo) * 0.1, name, fontsize=8, clip_on=False,
                    ha="left" if sx > 0.1 else "right" if sx < -0.1 else "center",
                    va="bottom" if cy > 0.1 else "top" if cy < -0.1 else "center")
        ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.15), fontsize=7, frameon=False)
        return render(fig, fmt)


def gap_bar(ev: Any, lang: str, top: int = 10, fmt: str = "png", codes: Sequence[str] | None = None) -> bytes:
    """Indicators with the largest weighted gaps (100-point points lost), coloured by dimension;
    with ``codes`` only those indicators (the report's problems), in the priorities' order."""
    with _style(lang) as ll:
        pr = ev.priorities
        pr = (pr[pr["label"].isin(list(codes))] if codes is not None else pr).head(top)
        dims = [d.code for d in ev.system.dimensions]
        dcolor = {d: COLORS[k % len(COLORS)] for k, d in enumerate(dims)}
        scale = ev.settings.scale_max
        names = [f"{c} {_label(ev.system, c, ll)}" for c in pr["label"]]
        loss = pr["weighted_gap"].to_numpy(float) / scale * 100
        fig = _figure(6.4, 0.32 * len(pr) + 0.9)
        ax = fig.add_subplot()
        bars = ax.barh(names[::-1], loss[::-1], color=[dcolor.get(d, COLORS[0]) for d in pr["dimension"]][::-1])
        for b, v in zip(bars, loss[::-1]):
            ax.text(v, b.get_y() + b.get_height() / 2, f" {v:.2f}", va="center", fontsize=8)
        ax.set_xlabel(text("chart.loss100", ll))
        ax.set_xlim(0, float(loss.max()) * 1.18 if len(loss) and loss.max() > 0 else 1)
        ax.spines[["top", "right"]].set_visible(False)
        return render(fig, fmt)


def respondent_scores(ev: Any) -> np.ndarray:
    """Each respondent's 100-point score: global-weighted mean of the answers they gave.

    A respondent who skipped indicators is scored over the answered ones (weights renormalised);
    a respondent with no valid answer is left out. Indicators not scored by the survey (data,
    expert, direct) enter every respondent's score with their own score; with no survey
    indicator there are no respondents (an empty array).
    """
    it = ev.indicator_table
    codes = list(it["code"])
    w = it["global_weight"].to_numpy(float)
    s = ev.settings
    survey = it["kind"].to_numpy() == "survey" if "kind" in it.columns else np.ones(len(codes), bool)
    if not survey.any():
        return np.empty(0)
    x = ev.inputs.survey[[c for c, k in zip(codes, survey) if k]]
    x = x.apply(lambda col: __import__("pandas").to_numeric(col, errors="coerce")).to_numpy(float)
    full = np.repeat(it["mean_score"].to_numpy(float)[None], len(x), axis=0)
    full[:, survey] = x
    ok = np.isfinite(full) & (full >= s.scale_min) & (full <= s.scale_max)
    ok[:, ~survey] = np.isfinite(full[:, ~survey])   # a data or direct score may lie below the answer scale
    ok &= ok[:, survey].any(axis=1, keepdims=True)   # a respondent who answered nothing is left out
    ww = np.where(ok, w, 0.0)
    den = ww.sum(axis=1)
    num = np.where(ok, full, 0.0) @ w
    keep = den > 0
    return num[keep] / den[keep] / s.scale_max * 100.0


def respondent_histogram(ev: Any, lang: str, fmt: str = "png") -> bytes:
    """Distribution of the respondents' 100-point scores, with the rating bands and the result."""
    with _style(lang) as ll:
        v = respondent_scores(ev)
        fig = _figure(6.4, 2.6)
        ax = fig.add_subplot()
        if v.size:
            ax.hist(v, bins=min(30, max(5, int(np.sqrt(v.size)) + 1)), color=COLORS[0], alpha=0.8)
        lo, hi = ax.get_xlim()
        for band in ev.rating.bands.bands:
            if lo < band.lower < hi:
                ax.axvline(band.lower, color="#888", lw=0.8, ls="--")
                ax.text(band.lower, 1.01, f"{band.grade} ≥ {band.lower:g}", ha="center", va="bottom", fontsize=7,
                        color="#555", transform=ax.get_xaxis_transform())
        ax.axvline(ev.score100, color="#C00000", lw=1.2,
                   label=text("chart.overall100", ll) + f" {ev.score100:.2f}")
        ax.set_xlabel(text("chart.respondent100", ll))
        ax.set_ylabel(text("chart.respondents", ll))
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.spines[["top", "right"]].set_visible(False)
        return render(fig, fmt)


def dimension_bar(ev: Any, lang: str, fmt: str = "png") -> bytes:
    """Dimension 100-point scores as bars, with the rating bands and the total."""
    with _style(lang) as ll:
        dt = ev.dimension_table
        dims = list(dt["dimension"])
        dcolor = {d: COLORS[k % len(COLORS)] for k, d in enumerate(dims)}
        fig = _figure(6.4, 2.8)
        ax = fig.add_subplot()
        names = [_label(ev.system, c, ll) for c in dims]
        vals = dt["score100"].to_numpy(float)
        bars = ax.barh(names[::-1], vals[::-1], color=[dcolor[c] for c in dims][::-1])
        for b, v in zip(bars, vals[::-1]):
            ax.text(v + 0.5, b.get_y() + b.get_height() / 2, f"{v:.1f}", va="center", fontsize=8)
        lo = max(0.0, min(float(vals.min()), ev.score100) - 15)
        ax.set_xlim(lo, 100)
        for band in ev.rating.bands.bands:
            if lo < band.lower < 100:
                ax.axvline(band.lower, color="#888", lw=0.8, ls="--")
                ax.text(band.lower, 1.01, f"{band.grade} ≥ {band.lower:g}", ha="center", va="bottom", fontsize=7,
                        color="#555", transform=ax.get_xaxis_transform())
        s100 = text("chart.score100", ll)
        ax.axvline(ev.score100, color="#C00000", lw=1.2, label=f"{s100} {ev.score100:.2f}")
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.set_xlabel(s100)
        ax.spines[["top", "right"]].set_visible(False)
        return render(fig, fmt)


def weight_bar(ev: Any, lang: str, fmt: str = "png") -> bytes:
    """Global weight of every indicator, coloured by dimension."""
    from matplotlib.patches import Patch

    with _style(lang) as ll:
        it = ev.indicator_table
        dims = [d.code for d in ev.system.dimensions]
        dcolor = {d: COLORS[k % len(COLORS)] for k, d in enumerate(dims)}
        fig = _figure(6.4, 2.6)
        ax = fig.add_subplot()
        x = range(len(it))
        ax.bar(x, it["global_weight"].to_numpy(float), color=[dcolor[d] for d in it["dimension"]])
        ax.set_xticks(list(x), list(it["code"]), fontsize=7)
        ax.set_ylabel(text("chart.global_weight", ll))
        ax.legend(handles=[Patch(color=dcolor[d], label=_label(ev.system, d, ll)) for d in dims], fontsize=7,
                  frameon=False, ncol=min(4, len(dims)), loc="upper center", bbox_to_anchor=(0.5, 1.16))
        ax.spines[["top", "right"]].set_visible(False)
        return render(fig, fmt)


def year_bar(rows: Sequence[tuple[str, str, float | None, float | None]], lang: str, *, this_label: str,
             prev_label: str, fmt: str = "png") -> bytes:
    """Grouped bars of last year's and this year's 100-point scores.

    ``rows`` are ``(label_zh, label_en, previous, current)``; a missing value is not drawn.
    """
    with _style(lang) as ll:
        names = [pick(r[:2], ll) for r in rows]
        prev = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
        cur = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
        fig = _figure(6.4, 2.8)
        ax = fig.add_subplot()
        x = np.arange(len(rows))
        w = 0.38
        b1 = ax.bar(x - w / 2, prev, w, color=COLORS[1], label=prev_label)
        b2 = ax.bar(x + w / 2, cur, w, color=COLORS[0], label=this_label)
        for bars, vals in ((b1, prev), (b2, cur)):
            for b, v in zip(bars, vals):
                if np.isfinite(v):
                    ax.text(b.get_x() + b.get_width() / 2, v, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
        finite = np.concatenate([prev[np.isfinite(prev)], cur[np.isfinite(cur)]])
        ax.set_ylim(max(0.0, float(finite.min()) - 15) if finite.size else 0, 100)
        ax.set_xticks(x, names, fontsize=8)
        ax.set_ylabel(text("chart.score100", ll))
        ax.legend(fontsize=7, frameon=False, ncol=2, loc="upper center", bbox_to_anchor=(0.5, 1.14))
        ax.spines[["top", "right"]].set_visible(False)
        return render(fig, fmt)


def sensitivity_histogram(ev: Any, sensitivity: Any, lang: str, fmt: str = "png") -> bytes | None:
    """Histograms of the simulated 100-point scores of the three sensitivity analyses."""
    with _style(lang) as ll:
        from .narrative import sensitivity_parts

        series = []
        names = {"perturb": "chart.sens_perturb", "panel": "chart.sens_panel", "respondents": "chart.sens_respondents"}
        for name, part in ((text(names[k], ll), part) for k, part in sensitivity_parts(ev, sensitivity)):
            totals = getattr(part, "totals", None)
            if totals is not None and len(totals):
                v = np.asarray(totals, dtype=float)
                series.append((name, v[np.isfinite(v)] / ev.settings.scale_max * 100))
        if not series:
            return None
        fig = _figure(6.4, 2.6)
        ax = fig.add_subplot()
        for (name, v), color in zip(series, COLORS):
            ax.hist(v, bins=60, alpha=0.55, color=color, label=name)
        s100 = text("chart.score100", ll)
        ax.axvline(ev.score100, color="#C00000", lw=1.2, label=f"{s100} {ev.score100:.2f}")
        lo, hi = ax.get_xlim()
        for band in ev.rating.bands.bands:
            if lo < band.lower < hi:
                ax.axvline(band.lower, color="#888", lw=0.8, ls="--")
        ax.set_xlabel(s100)
        ax.legend(fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return render(fig, fmt)
