"""Charts and their CJK font (bpm_xl.writers.charts): the font is found on the system and
registered with matplotlib directly; with none, English labels and one note, never a flood of
glyph warnings; user text is drawn literally; SVG keeps text as text."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from bpm_xl.evaluation import evaluate
from bpm_xl.example import load_example
from bpm_xl.writers import charts

ROOT = Path(__file__).resolve().parents[1]


def _noto_dir() -> Path | None:
    for p in charts._fc_list():
        if "CJK" in p or "cjk" in p:
            return Path(p).parent
    return None


def test_no_cjk_font_english_labels_one_note_no_glyph_warnings(tmp_path):
    """A fresh process, an empty matplotlib config/cache dir and no CJK font visible."""
    empty_fonts = tmp_path / "fonts"
    empty_fonts.mkdir()
    script = textwrap.dedent(f"""
        import logging, warnings, io, sys
        records = []
        class H(logging.Handler):
            def emit(self, r): records.append(r.getMessage())
        logging.getLogger().addHandler(H(level=logging.DEBUG))
        logging.getLogger().setLevel(logging.DEBUG)
        warnings.simplefilter("always")
        from pathlib import Path
        import bpm_xl.writers.charts as ch
        ch._fc_list = lambda: []
        ch._font_dirs = lambda: [Path({str(empty_fonts)!r})]
        from bpm_xl.evaluation import evaluate
        from bpm_xl.example import load_example
        from bpm_xl.writers.report import write_report
        ev = evaluate(load_example(lang="zh"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            svg = ch.radar(ev, "zh", fmt="svg").decode("utf-8") + ch.gap_bar(ev, "zh", fmt="svg").decode("utf-8")
            files = write_report(ev.inputs, ev, None, Path({str(tmp_path)!r}) / "r.docx", fmt="docx", lang="zh")
            html = write_report(ev.inputs, ev, None, Path({str(tmp_path)!r}) / "r.html", lang="zh")
        glyph = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing" in str(w.message)]
        glyph += [m for m in records if "Glyph" in m or "missing from" in m]
        print("FONT", ch.cjk_font_family())
        print("GLYPH", len(glyph), glyph[:3])
        print("WARNINGS", len(caught), [str(w.message)[:80] for w in caught][:3])
        print("EN", "Fiscal" in svg, "财务维度" in svg)
        print("NOTE_HTML", html.path.read_text(encoding="utf-8").count("no Chinese font") +
              html.path.read_text(encoding="utf-8").count("本机未找到中文字体"))
    """)
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "PYTHONPATH": str(ROOT)}
    env.pop("BPM_XL_CJK_FONT", None)
    (tmp_path / "mpl").mkdir()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "FONT None" in out
    assert "GLYPH 0 []" in out, out
    assert "WARNINGS 0" in out, out
    assert "EN True False" in out  # English dimension names, no Chinese label drawn as boxes
    assert "NOTE_HTML 1" in out
    notes = [line for line in proc.stderr.splitlines() if "no Chinese font" in line]
    assert len(notes) == 1, proc.stderr  # once per process, although three reports/charts needed it
    assert "Glyph" not in proc.stderr

    import docx

    doc = docx.Document(str(tmp_path / "r.docx"))
    assert sum("本机未找到中文字体" in p.text for p in doc.paragraphs) == 1


def test_font_found_in_a_folder_and_registered_with_matplotlib():
    from matplotlib import font_manager

    d = _noto_dir()
    if d is None:
        pytest.skip("no CJK font installed")
    found = charts.find_cjk_font(dirs=[d], use_fc_list=False)
    assert found is not None and Path(found.path).parent == d
    assert found.family in {f.name for f in font_manager.fontManager.ttflist}
    assert charts.find_cjk_font(dirs=[], use_fc_list=False) is None or os.environ.get("BPM_XL_CJK_FONT")


def test_chinese_charts_render_without_glyph_warnings_where_a_font_exists():
    if charts.cjk_font_family() is None:
        pytest.skip("no CJK font installed")
    ev = evaluate(load_example(lang="zh"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = charts.radar(ev, "zh", fmt="svg").decode("utf-8")
        png = charts.respondent_histogram(ev, "zh")
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert "财务维度" in svg and "<text" in svg  # live text, not paths
    assert charts.cjk_font_family() in svg
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert charts.font_note("zh") is None


def test_user_text_is_drawn_literally():
    inputs = load_example(lang="en")
    frame = inputs.system.to_frame()
    frame.loc[frame["code"] == "F2", "name_en"] = "Pace $x^2$ <b>&"
    from bpm_xl.model import IndicatorSystem

    ev = evaluate(dataclasses.replace(inputs, system=IndicatorSystem.from_frame(frame)))
    assert ev.priorities["label"].iloc[0] == "F2"
    svg = charts.gap_bar(ev, "en", fmt="svg").decode("utf-8")
    assert "F2 Pace $x^2$ &lt;b&gt;&amp;" in svg  # no mathtext, XML-escaped


def test_respondent_scores_skip_blanks_and_match_the_total_when_complete():
    import numpy as np

    ev = evaluate(load_example())
    v = charts.respondent_scores(ev)
    assert v.size == len(ev.inputs.survey)
    assert np.all((v >= 20) & (v <= 100))
    # the mean of per-respondent scores is close to (not equal to) the total: blanks renormalise
    assert abs(v.mean() - ev.score100) < 2
