"""The vectorised survey reader (bpm_xl.readers.sheetxml) reads what the general readers read.

Every workbook's survey sheet is first offered to the vectorised reader; a sheet it does not
take (a formula, an inline string, an attribute order it does not expect, a cell whose
reference disagrees with its row, text or an error value among the answers) goes to the
general readers (python-calamine / openpyxl), which apply every rule. Each case below edits
the example's survey sheet XML and checks (a) which reader took it and (b) that the data read,
where each value came from and the evaluation are the same as through the general readers alone.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from bpm_xl.readers import workbook as wbr
from bpm_xl.service import evaluate_data

from .conftest import Package

SHEET = "问卷"


def _edit(pkg: Package, fn) -> None:
    member = pkg.sheet(SHEET)
    pkg.set_text(member, fn(pkg.text(member)))


def _cell(ref: str, inner: str, attrs: str = ' s="19"') -> str:
    return f'<c r="{ref}"{attrs}>{inner}</c>' if inner else f'<c r="{ref}"{attrs}/>'


def _replace_cell(xml: str, ref: str, new: str) -> str:
    out, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', new, xml, count=1)
    assert n == 1, ref
    return out


def _append_to_row(xml: str, row: int, cells: str) -> str:
    start = xml.index(f'<row r="{row}"')
    end = xml.index("</row>", start)
    return xml[:end] + cells + xml[end:]


def _shared(pkg: Package, text: str) -> int:
    sst = pkg.text("xl/sharedStrings.xml")
    count = len(re.findall(r"<si>", sst))
    pkg.set_text("xl/sharedStrings.xml", sst.replace("</sst>", f"<si><t>{text}</t></si></sst>"))
    return count


CASES = {
    # name: (edit of the sheet XML, or of the package, the reader expected to take it)
    "as written": (lambda pkg: None, True),
    "t=n on every number (openpyxl, LibreOffice)": (
        lambda pkg: _edit(pkg, lambda x: re.sub(r'(<c r="[B-U]\d+" s="19")>', r'\1 t="n">', x)), True),
    "numbers as 4.0, 4E0 and 40E-1": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(_replace_cell(_replace_cell(
            x, "B3", _cell("B3", "<v>5.0</v>")), "C3", _cell("C3", "<v>4E0</v>")), "D3", _cell("D3", "<v>40E-1</v>"))),
        True),
    "blank styled answers, a row with only an id, a missing row": (
        lambda pkg: _edit(pkg, lambda x: re.sub(r'<row r="7".*?</row>', '<row r="7"><c r="A7" s="13"><v>5</v></c></row>',
                                                re.sub(r'<row r="9".*?</row>', "",
                                                       _replace_cell(x, "E4", _cell("E4", ""))), count=1)), True),
    "a note right of the survey and a number far right": (
        lambda pkg: _edit(pkg, lambda x: _append_to_row(x, 5, f'<c r="W5" t="s"><v>{_shared(pkg, "备注")}</v></c>'
                                                        '<c r="ZZ5"><v>7</v></c>')), True),
    "text, error and boolean ids": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(_replace_cell(_replace_cell(
            x, "A3", _cell("A3", f"<v>{_shared(pkg, 'R-001')}</v>", ' s="13" t="s"')),
            "A4", _cell("A4", "<v>#N/A</v>", ' t="e"')), "A5", _cell("A5", "<v>1</v>", ' t="b"'))), True),
    "an inline-string id with an entity (openpyxl writes text so)": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(
            x, "A3", '<c r="A3" t="inlineStr"><is><t xml:space="preserve">R&amp;001 </t></is></c>')), True),
    "a rich-text inline id": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(
            x, "A3", '<c r="A3" t="inlineStr"><is><r><rPr><b/></rPr><t>R1</t></r></is></c>')), False),
    "attributes before the reference": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(x, "C4", '<c s="19" r="C4"><v>3</v></c>')), False),
    "a reference naming another row": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(x, "C4", '<c r="C40" s="19"><v>3</v></c>')), False),
    "an empty element <c></c> (a blank)": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(x, "C4", '<c r="C4" s="19"></c>')), True),
    "an inline string answer": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(x, "C4", '<c r="C4" t="inlineStr"><is><t>4</t></is></c>')),
        False),
    "a shared-string answer": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(x, "C4", _cell("C4", f"<v>{_shared(pkg, '4')}</v>",
                                                                        ' s="19" t="s"'))), False),
    "a formula answer": (
        lambda pkg: _edit(pkg, lambda x: _replace_cell(x, "C4", '<c r="C4" s="19"><f>2+2</f><v>4</v></c>')), False),
    "namespace prefixes (x:c, x:v)": (
        lambda pkg: _edit(pkg, lambda x: re.sub(r"<(/?)(worksheet|sheetData|row|c|v)([ >/])", r"<\1x:\2\3",
                                                x.replace('<worksheet xmlns="', '<x:worksheet xmlns:x="'))), False),
    "rows without numbers": (
        lambda pkg: _edit(pkg, lambda x: re.sub(r'<row r="\d+"', "<row", x)), False),
}


def _read(path, fast: bool, monkeypatch):
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(wbr, "_numeric_survey", lambda *a, **k: None)
        g = wbr.load_grids(path)
        return g, wbr.read_data(g)


@pytest.mark.parametrize("case", list(CASES))
def test_vectorised_reader_reads_what_the_general_readers_read(example, case, monkeypatch):
    edit, taken = CASES[case]
    pkg = Package(example)
    edit(pkg)
    pkg.save(example)
    g, data = _read(example, True, monkeypatch)
    g_slow, slow = _read(example, False, monkeypatch)
    assert (SHEET in g.blocks) is taken
    assert data.survey.numeric is taken
    assert not g_slow.blocks and not slow.survey.numeric
    assert data == slow
    assert data.survey_ids == slow.survey_ids
    assert data.where.survey == slow.where.survey
    ev, ev_slow = evaluate_data(data, example.name), evaluate_data(slow, example.name)
    assert ev.total == ev_slow.total and ev.rating == ev_slow.rating
    np.testing.assert_array_equal(ev.inputs.survey.to_numpy(dtype=float), ev_slow.inputs.survey.to_numpy(dtype=float))


def test_cells_outside_the_block_read_through_grids(example, monkeypatch):
    """Grids.cell reads the block's numbers (NaN as None) and the other cells alike."""
    g, _ = _read(example, True, monkeypatch)
    g_slow, _ = _read(example, False, monkeypatch)
    assert list(g.sheets) == list(g_slow.sheets)  # the workbook's sheet order (payloads index by it)
    assert g.nrows(SHEET) == g_slow.nrows(SHEET)

    def padded(rows):
        width = max(len(r) for r in rows)
        return [list(r) + [None] * (width - len(r)) for r in rows]

    assert padded(g.rows(SHEET)) == padded(g_slow.rows(SHEET)) == padded(g_slow.sheets[SHEET])
    for r in range(g.nrows(SHEET) + 2):
        for c in range(24):
            assert g.cell(SHEET, r, c) == g_slow.cell(SHEET, r, c), (r, c)


def test_a_value_far_below_is_refused_like_before(example, monkeypatch, tmp_path):
    """A number far below the survey's rows: the vectorised reader hands the sheet to the
    general readers, which refuse it naming the cell (memory stays bounded)."""
    pkg = Package(example)
    _edit(pkg, lambda x: x.replace("</sheetData>", '<row r="900000"><c r="C900000"><v>4</v></c></row></sheetData>'))
    pkg.save(example)
    with pytest.raises(wbr.WorkbookError, match="C900000"):
        wbr.load_grids(example)


def test_a_file_saved_by_openpyxl_is_read_the_same(example, monkeypatch):
    """openpyxl writes every text as an inline string: still the vectorised reader, same data."""
    import openpyxl

    wb = openpyxl.load_workbook(example, keep_vba=True)
    wb[SHEET]["W5"] = "复核：王五"  # a note right of the survey
    wb.save(example)
    g, data = _read(example, True, monkeypatch)
    _, slow = _read(example, False, monkeypatch)
    assert SHEET in g.blocks and data == slow and data.survey_ids == slow.survey_ids
