"""Cells that are not answers are never read as blanks.

"NaN"/"nan" text and spreadsheet error values (#DIV/0!, #N/A) in a survey or judgment cell,
and a subnormal judgment (1e-320, as a number or as text), are refused by evaluate and
rebuild: exit 2, one line naming the sheet and the cell, the file byte-identical. Full-width
digits ("４") stay accepted.
"""

from __future__ import annotations

import pytest

from .conftest import Package, run

SURVEY = ("问卷", "C5")        # respondent 3, indicator F2
JUDGMENT = ("判断矩阵", "D68")  # dimension F, expert E01, F1 vs F2 (upper triangle)

CASES = {
    "survey NaN text": (SURVEY, "NaN", "inline"),
    "survey nan shared": (SURVEY, "nan", "shared"),
    "survey #DIV/0!": (SURVEY, "#DIV/0!", "error"),
    "survey #N/A": (SURVEY, "#N/A", "error"),
    "judgment NaN text": (JUDGMENT, "NaN", "inline"),
    "judgment #DIV/0!": (JUDGMENT, "#DIV/0!", "error"),
    "judgment #N/A": (JUDGMENT, "#N/A", "error"),
    "judgment 1e-320 number": (JUDGMENT, "1e-320", "number"),
    "judgment 1e-320 text": (JUDGMENT, "1e-320", "inline"),
}


@pytest.mark.parametrize("command", ["evaluate", "rebuild"])
@pytest.mark.parametrize("case", list(CASES))
def test_not_an_answer_is_refused_naming_the_cell(example, case, command, tmp_path):
    (sheet, ref), value, kind = CASES[case]
    pkg = Package(example)
    assert pkg.cell_xml(sheet, ref) is not None, "the crafted cell must replace an existing one"
    pkg.set_cell(sheet, ref, value, kind=kind)
    pkg.save(example)
    r = run([command, example.name, "-q"], tmp_path, expect=(2,), inputs=[example.name])
    assert sheet in r.err and ref in r.err, r.err


@pytest.mark.parametrize("command", ["evaluate", "rebuild"])
def test_full_width_digits_are_accepted(example, command, tmp_path):
    pkg = Package(example)
    pkg.set_cell(*SURVEY, "４")
    pkg.save(example)
    run([command, example.name, "-q"], tmp_path, expect=(0,))


def test_full_width_answer_counts_like_the_ascii_one(pristine, tmp_path):
    """'４' and 4 in the same cell give the same evaluation (it is read, not skipped)."""
    import json
    import shutil

    totals = []
    for k, value in enumerate(("４", 4, None)):
        book = tmp_path / f"b{k}.xlsm"
        shutil.copy2(pristine["zh"], book)
        pkg = Package(book)
        if value is None:
            pkg.set_cell(*SURVEY, "", kind="inline")
        else:
            pkg.set_cell(*SURVEY, value)
        pkg.save(book)
        r = run(["evaluate", book.name, "--json"], tmp_path, expect=(0,))
        totals.append(json.loads(r.out)["total"])
    assert totals[0] == totals[1]
    # the example's C5 holds a value other than 4 or the cell matters: blank differs from 4
    assert totals[2] != totals[1]
