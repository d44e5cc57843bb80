"""The workbook as data: plan types, the typed formula, A1 references.

A :class:`WorkbookPlan` is what a workbook should look like for given inputs and language;
the writers (:mod:`bpm_xl.writers`) render it and nothing else decides layout.

A cell value in a plan is a number, a bool, ``None`` (blank), plain text, or a
:class:`Formula`. Only a :class:`Formula` is ever written as a formula: text that happens to
start with ``=`` (an indicator name, a code typed by a user) stays text in every writer.
"""

from __future__ import annotations

import operator
import re
from functools import lru_cache
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self, overload

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONSISTENCY_ROWS",
    "STEP_COLUMNS",
    "SURVEY_SPARE_ROWS",
    "WORST_COUNT",
    "ArrayBlock",
    "Block",
    "CellPlace",
    "Chart",
    "CodeRows",
    "ColumnPlace",
    "Formula",
    "GridPlaces",
    "InputPlaces",
    "JudgmentPlaces",
    "SheetPlan",
    "SheetRows",
    "SurveyPlaces",
    "SurveyTable",
    "TakenCell",
    "Udf",
    "Validation",
    "WorkbookData",
    "WorkbookPlan",
    "a1",
    "col_letter",
    "local",
    "parse_ref",
    "quote_text",
    "ref",
]

#: Steps a row of the 指标数据 sheet holds (bounds in as many columns, then fractions in as many).
STEP_COLUMNS = 5
#: Blank rows kept inside the survey's named range, so new respondents count at once.
SURVEY_SPARE_ROWS = 500
#: AHP_CONSISTENCY returns this many label/value rows (see bpm_xl.udfs).
CONSISTENCY_ROWS = 6
#: AHP_WORST is asked for this many judgments (plus a header row).
WORST_COUNT = 3


class Formula(str):
    """A formula, e.g. ``Formula("=SUM(A1:A3)")``: the only cell value a writer writes as one.

    It is a ``str`` (so code that joins or inspects formula text keeps working), but plain
    ``str`` values are text, whatever they start with.
    """

    __slots__ = ()

    def __new__(cls, text: str) -> Self:
        if not text.startswith("="):
            text = "=" + text
        return super().__new__(cls, text)

    def __reduce__(self) -> tuple[type[Formula], tuple[str]]:  # keeps the type through copy.deepcopy and pickle
        return (Formula, (str(self),))


@dataclass(frozen=True)
class Udf:
    """A call of a bpm-xl Excel function; ``args`` are formula fragments (names, refs, literals)."""

    func: str
    args: tuple[str, ...]

    @property
    def formula(self) -> Formula:
        return Formula(f"={self.func}({','.join(self.args)})")


@dataclass(frozen=True)
class Block:
    """A rectangle of values and :class:`Formula` cells written in one go.

    ``cells`` is a list of rows, or (a large survey) a 2-D float array, NaN for a blank: the
    writers take the array as it is; :meth:`rows` gives it as lists for everything else.
    Built whole by the layout (its cells, UDF calls and cached values known before it is made);
    a transform of a plan makes new blocks (:func:`dataclasses.replace`).
    """

    row: int
    col: int
    cells: "list[list[Any]] | np.ndarray"
    style: str = "output"
    udfs: dict[tuple[int, int], Udf] = field(default_factory=dict)  # scalar UDF cells (relative)
    col_styles: dict[int, str] = field(default_factory=dict)         # per-column style overrides
    cached: list[list[Any]] | None = None                            # values the formulas compute
    #: (cells, cached) a portable workbook writes instead (native formulas where ``cells`` call a
    #: bpm-xl function); :func:`bpm_xl.layout.mark_portable` makes the block that has them in
    portable: tuple[list[list[Any]], list[list[Any]] | None] | None = None

    @property
    def nrows(self) -> int:
        return len(self.cells)

    @property
    def ncols(self) -> int:
        if isinstance(self.cells, np.ndarray):
            return self.cells.shape[1] if self.cells.ndim == 2 else 0
        return max((len(r) for r in self.cells), default=0)

    def rows(self) -> list[list[Any]]:
        """The cells as lists of rows (an array's NaN as ``None``, its numbers as floats)."""
        if isinstance(self.cells, np.ndarray):
            return [[None if v != v else v for v in row] for row in self.cells.tolist()]
        return self.cells

    def rectangular(self) -> bool:
        """Whether every row has :attr:`ncols` cells (an array always has)."""
        return isinstance(self.cells, np.ndarray) or len({len(r) for r in self.cells}) <= 1


@dataclass(frozen=True)
class ArrayBlock:
    """A legacy (CSE) array formula over a fixed range: works in every Excel since 2007."""

    row: int
    col: int
    nrows: int
    ncols: int
    udf: Udf | None
    formula: Formula
    style: str = "output"
    transpose: bool = False          # the formula wraps the UDF in TRANSPOSE()
    cached: list[list[Any]] | None = None  # the values it returns (from the Evaluation)
    aip_udf: Udf | None = None       # the call used instead when the aggregation setting is "aip"


@dataclass(frozen=True)
class Validation:
    row: int
    col: int
    last_row: int
    last_col: int
    options: dict[str, Any]


@dataclass(frozen=True)
class Chart:
    kind: str                       # "column" | "bar"
    title: str
    categories: str                 # formula reference
    values: str                     # formula reference
    anchor: tuple[int, int]         # row, col on the dashboard
    size: tuple[int, int] = (560, 320)


@dataclass(frozen=True)
class SheetPlan:
    """One sheet of a :class:`WorkbookPlan`. Its attributes are set when it is made; the layout
    function that makes it fills its lists (blocks, arrays, validations, charts, buttons) and
    column widths in sheet order before the plan goes to the writers, which only read them."""

    role: str
    name: str
    kind: str                                   # "input" | "output"
    blocks: list[Block] = field(default_factory=list)
    arrays: list[ArrayBlock] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    validations: list[Validation] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    button: tuple[int, int] | None = None        # rebuild button anchor
    #: further buttons: (row, col, VBA macro name, caption)
    buttons: list[tuple[int, int, str, str]] = field(default_factory=list)

    def add(self, row: int, col: int, cells: list[list[Any]] | np.ndarray, style: str = "output",
            cached: list[list[Any]] | None = None, *, udfs: dict[tuple[int, int], Udf] | None = None,
            col_styles: dict[int, str] | None = None,
            portable: tuple[list[list[Any]], list[list[Any]] | None] | None = None) -> Block:
        """Append a :class:`Block` of these values to the sheet and return it."""
        b = Block(row, col, cells, style, udfs if udfs is not None else {},
                  col_styles if col_styles is not None else {}, cached, portable)
        self.blocks.append(b)
        return b


@dataclass(frozen=True)
class WorkbookPlan:
    lang: str
    sheets: list[SheetPlan]
    names: dict[str, str]                       # defined name -> reference (with '=')
    kind: str = "blank"                         # the data: "example", "own" or "blank"

    def sheet(self, role: str) -> SheetPlan:
        for s in self.sheets:
            if s.role == role:
                return s
        raise KeyError(role)


def _answered(v: Any) -> bool:
    """A survey cell holds an answer: not blank (``None``, spaces, NaN)."""
    if v is None or v != v:
        return False
    return not (isinstance(v, str) and not v.strip())


class SurveyTable(Sequence[Mapping[str, Any]]):
    """The survey's answers: one row per respondent, ``{code: answer}`` (a blank is ``None``).

    Held one of two ways, read alike: as numbers (:attr:`values`, a float array with a column
    per code, NaN for a blank: what the file reader returns when every answer cell is a number
    or blank, so a survey of 100,000 respondents is one array, not a dict per respondent), or as
    the cells as typed (:meth:`of_rows`: text stays text, for the checks to name it). The rows are
    read-only mappings: change the data with :func:`dataclasses.replace` and a new table.
    :meth:`block` gives the cells for the writers, :meth:`frame` the respondents x codes table
    for the core.

    >>> t = SurveyTable(("A", "B"), np.array([[4.0, np.nan], [5.0, 3.0]]))
    >>> len(t), dict(t[0]), t == [{"A": 4.0, "B": None}, {"A": 5.0, "B": 3.0}]
    (2, {'A': 4.0, 'B': None}, True)
    >>> t.matrix(["B", "C"]).tolist()
    [[nan, nan], [3.0, nan]]
    >>> typed = SurveyTable.of_rows([{"A": 4, "B": None}, {"A": 5.0, "B": 3}])
    >>> typed == t, typed.numeric, typed.block(["B", "A"])
    (True, False, [[None, 4], [3, 5.0]])
    """

    __slots__ = ("_rows", "codes", "values")

    #: the answers as numbers (respondents x :attr:`codes`, read-only), or ``None`` for cells as typed
    values: np.ndarray | None

    def __init__(self, codes: Sequence[str], values: np.ndarray) -> None:
        self.codes = tuple(codes)
        self.values = np.asarray(values, dtype=np.float64).reshape(-1, len(self.codes))
        self.values.flags.writeable = False  # shared, never copied: nobody may change it
        self._rows: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of_rows(cls, rows: Iterable[Mapping[str, Any]], codes: Sequence[str] | None = None) -> SurveyTable:
        """A table of the cells as typed, one ``{code: value}`` per respondent (each copied);
        ``codes``: the codes of the rows in order, when known (else every code a row has)."""
        table = cls.__new__(cls)
        table._rows = tuple(dict(r) for r in rows)
        table.codes = tuple(dict.fromkeys(codes if codes is not None else (c for r in table._rows for c in r)))
        table.values = None
        return table

    @property
    def numeric(self) -> bool:
        """Whether the answers are held as numbers (:attr:`values`)."""
        return self.values is not None

    def __len__(self) -> int:
        return len(self._rows) if self.values is None else len(self.values)

    def _row(self, i: int) -> Mapping[str, Any]:
        # read-only: a change must go through a new WorkbookData (dataclasses.replace), never
        # into a row that is built afresh on every access and would silently drop it
        if self.values is None:
            return MappingProxyType(self._rows[i])
        return MappingProxyType({c: (None if v != v else v) for c, v in zip(self.codes, self.values[i].tolist())})

    @overload
    def __getitem__(self, i: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[Mapping[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> Mapping[str, Any] | list[Mapping[str, Any]]:
        if isinstance(i, slice):
            return [self._row(k) for k in range(*i.indices(len(self)))]
        return self._row(range(len(self))[i])

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for k in range(len(self)):
            yield self._row(k)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SurveyTable) and self.values is not None and other.values is not None:
            return self.codes == other.codes and np.array_equal(self.values, other.values, equal_nan=True)
        return isinstance(other, (list, SurveyTable)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        held = "numbers" if self.numeric else "cells as typed"
        return f"SurveyTable({len(self)} respondents x {len(self.codes)} codes, {held})"

    def answered_rows(self) -> np.ndarray:
        """Positions of the respondents with at least one answer."""
        if self.values is None:
            return np.array([k for k, r in enumerate(self._rows) if any(map(_answered, r.values()))], dtype=np.intp)
        return np.flatnonzero((~np.isnan(self.values)).any(axis=1))

    def answered_codes(self) -> set[str]:
        """The codes with at least one answer."""
        if self.values is None:
            return {c for r in self._rows for c, v in r.items() if _answered(v)}
        return {self.codes[j] for j in np.flatnonzero((~np.isnan(self.values)).any(axis=0)).tolist()}

    def matrix(self, codes: Sequence[str]) -> np.ndarray:
        """The answers of ``codes`` in that order as numbers (NaN for a code the table does not
        have); the table's own read-only array when ``codes`` are its codes. Numbers only."""
        if self.values is None:
            raise TypeError("the survey holds its cells as typed; use block() or frame()")
        if tuple(codes) == self.codes:
            return self.values
        at = {c: j for j, c in enumerate(self.codes)}
        out = np.full((len(self), len(codes)), np.nan)
        for j, c in enumerate(codes):
            if c in at:
                out[:, j] = self.values[:, at[c]]
        return out

    def block(self, codes: Sequence[str]) -> list[list[Any]] | np.ndarray:
        """The answers of ``codes`` as a sheet block: the float array (numbers: a large survey
        stays one array for the writers), else a list of rows of the cells as typed."""
        if self.values is not None:
            return self.matrix(codes)
        return [[row.get(c) for c in codes] for row in self._rows]

    def frame(self, codes: Sequence[str]) -> pd.DataFrame:
        """Respondents x ``codes``: floats (numbers), else the values as typed (object columns)."""
        import pandas as pd

        names = list(codes)
        if self.values is not None:
            return pd.DataFrame(self.matrix(names), columns=names, copy=False)
        rows = self._rows
        if len(names) > 1 and all(len(row) == len(names) for row in rows[:1]):
            get = operator.itemgetter(*names)
            try:
                return pd.DataFrame([get(row) for row in rows], columns=names, dtype=object)  # C-level per row
            except KeyError:
                pass
        return pd.DataFrame([[row.get(c) for c in names] for row in rows], columns=names, dtype=object)


# ---------------------------------------------------------------------------------------
# Where the reader found the inputs (0-based rows and columns), to name cells in messages
@dataclass(frozen=True)
class CellPlace:
    """One cell: a setting's value, the first grade of the rating bands."""

    sheet: str
    row: int
    col: int


@dataclass(frozen=True)
class ColumnPlace:
    """The first column of a table whose rows are kept with its values (the experts: each
    expert's ``row``)."""

    sheet: str
    col: int


@dataclass(frozen=True)
class SheetRows:
    """Rows read in order (the k-th value read is on ``rows[k]``) from a table starting at ``col``:
    the indicators (the code in column ``col + 3``), the score caps."""

    sheet: str
    rows: tuple[int, ...]
    col: int


@dataclass(frozen=True)
class CodeRows:
    """Rows by code of a table starting at ``col``: the 指标数据 rows by indicator code."""

    sheet: str
    rows: Mapping[str, int]
    col: int


@dataclass(frozen=True)
class GridPlaces:
    """A grid of rows by one code and columns by another: a Delphi round and the 专家评分 sheet
    (rows by expert, columns by indicator)."""

    sheet: str
    rows: Mapping[str, int]
    cols: Mapping[str, int]


@dataclass(frozen=True)
class SurveyPlaces:
    """The survey's answers: the k-th respondent read is on ``rows[k]``; columns by indicator code."""

    sheet: str
    rows: tuple[int, ...]
    cols: Mapping[str, int]


@dataclass(frozen=True)
class JudgmentPlaces:
    """One node's judgment blocks: the top row of each expert's block (``tops``), and for each child
    code its position in the block (``index``, the block's row ``top + index``) and its column."""

    sheet: str
    tops: Mapping[str, int]
    index: Mapping[str, int]
    cols: Mapping[str, int]


@dataclass(frozen=True)
class TakenCell:
    """A value typed where a rebuild now lays out a column of its own."""

    sheet: str
    row: int
    col: int
    value: Any


@dataclass(frozen=True)
class InputPlaces:
    """Where :class:`WorkbookData`'s values were read from, to name the cell of a value in a message.

    Each field is ``None`` (or empty) when the value was not read from a sheet: data built in code
    has ``InputPlaces()``, and its messages name the file only.
    """

    #: each setting's cell, by setting key (bpm_xl.layout.inputs.SETTING_KEYS)
    settings: Mapping[str, CellPlace] = field(default_factory=dict)
    #: the first grade cell of the rating bands (a band's lower bound is one column right, a row each)
    bands: CellPlace | None = None
    #: the 指标体系 rows read, in the order of ``system_rows``
    indicators: SheetRows | None = None
    #: what a user typed where a rebuild now lays out the indicator columns a file before them lacks
    indicators_taken: tuple[TakenCell, ...] = ()
    #: the 专家 table (code, name, Ca, Cs from ``col``)
    experts: ColumnPlace | None = None
    #: each node's judgment blocks, by node code
    judgments: Mapping[str, JudgmentPlaces] = field(default_factory=dict)
    #: each Delphi round's block, in round order
    delphi: tuple[GridPlaces, ...] = ()
    #: the survey's answers
    survey: SurveyPlaces | None = None
    #: the 指标数据 rows by indicator code
    data: CodeRows | None = None
    #: the 专家评分 sheet: rows by expert, columns by indicator
    expert_scores: GridPlaces | None = None
    #: the score caps' rows on Settings
    caps: SheetRows | None = None


@dataclass(frozen=True)
class WorkbookData:
    """What the input sheets hold, by code (so it survives changes of the indicator list).

    ``judgments[node][expert][(row_code, col_code)]`` is a value as typed (number or text);
    ``delphi[k][expert][indicator]``; ``survey[k]`` is respondent ``survey_ids[k]``'s {code: answer}.
    """

    settings: dict[str, Any]
    bands: list[tuple[str, float, str, str]]
    bands_name: str
    system_rows: list[dict[str, Any]]
    experts: list[dict[str, Any]]
    judgments: dict[str, dict[str, dict[tuple[str, str], Any]]]
    delphi: list[dict[str, dict[str, Any]]]
    delphi_sent: list[Any]
    delphi_returned: list[Any]
    survey_ids: list[Any]
    #: the answers, one row per respondent (a sequence of {code: answer} given here becomes a table
    #: of the cells as typed)
    survey: SurveyTable
    title: str = ""
    #: unit / year / evaluator of the evaluation (Settings rows BPM_UNIT, BPM_YEAR, BPM_EVALUATOR)
    meta: dict[str, Any] = field(default_factory=dict)
    #: the 整改清单 rows (keys of bpm_xl.rectification.FIELDS), as typed on the sheet
    rectification: list[dict[str, Any]] = field(default_factory=list)
    #: the 整改措施库 rows: indicator code -> measure text as typed (blank: the default measure)
    measures: dict[str, Any] = field(default_factory=dict)
    #: True when the file's Settings (BPM_DATA) says it holds bpm-xl's example data; what the
    #: layout writes there is decided from the inputs themselves (bpm_xl.layout.data.data_kind)
    example: bool = False
    #: the evaluation's identity: evaluation (uuid), created, secret ({} for files written before
    #: hubs had one); see bpm_xl.layout.identity
    identity: dict[str, str] = field(default_factory=dict)
    #: the 收回记录 rows (keys of bpm_xl.layout.identity.LOG_COLUMNS), oldest first
    collected: list[dict[str, Any]] = field(default_factory=list)
    #: the 指标数据 rows by indicator code, as typed (keys of bpm_xl.layout.inputs.DATA_KEYS; "bounds" and
    #: "fractions" lists of the steps cells)
    data_rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the 专家评分 sheet: indicator code -> expert code -> score as typed
    expert_scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the score caps typed on Settings (keys of bpm_xl.layout.inputs.CAP_KEYS), in order
    caps: list[dict[str, Any]] = field(default_factory=list)
    #: the template the indicator system started from (bpm_xl.templates.NAMES; "" when none is stated),
    #: kept in the defined name BPM_TEMPLATE; the Guide cites its source
    template: str = ""
    #: where values were read from, to name cells in messages (empty for data built in code)
    where: InputPlaces = field(default_factory=InputPlaces, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.survey, SurveyTable):  # rows given as {code: answer} mappings
            object.__setattr__(self, "survey", SurveyTable.of_rows(self.survey))


# ---------------------------------------------------------------------------------------
# A1 helpers
#: Columns of an Excel sheet (A..XFD); their letters are looked up, not computed.
EXCEL_COLUMNS = 16384


def _letters(col: int) -> str:
    s = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


_LETTERS = tuple(_letters(c) for c in range(EXCEL_COLUMNS))
_ABSOLUTE = tuple(f"${s}$" for s in _LETTERS)


def col_letter(col: int) -> str:
    """The letters of a 0-based column; beyond XFD (which Excel does not have) they are computed alike.

    >>> col_letter(0), col_letter(25), col_letter(26), col_letter(16383), col_letter(16384), col_letter(-1)
    ('A', 'Z', 'AA', 'XFD', 'XFE', '')
    """
    if 0 <= col < EXCEL_COLUMNS:
        return _LETTERS[col]
    return _letters(col)


def a1(row: int, col: int, absolute: bool = True) -> str:
    """``$C$2`` (or ``C2``) for 0-based (row, col).

    >>> a1(1, 2), a1(1, 2, absolute=False), a1(0, 16384)
    ('$C$2', 'C2', '$XFE$1')
    """
    if absolute:
        if 0 <= col < EXCEL_COLUMNS:
            return f"{_ABSOLUTE[col]}{row + 1}"
        return f"${_letters(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


@lru_cache(maxsize=1024)
def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def ref(sheet: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
    """``'Sheet'!$A$1`` or ``'Sheet'!$A$1:$B$2`` (0-based corners; a one-cell range as one cell).

    >>> ref("it's", 0, 0), ref("S", 0, 0, 1, 1), ref("S", 2, 3, 2, 3)
    ("'it''s'!$A$1", "'S'!$A$1:$B$2", "'S'!$D$3")
    """
    if r1 is None or (r1 == r0 and c1 == c0):
        return f"{_q(sheet)}!{a1(r0, c0)}"
    if c1 is None:
        raise TypeError("ref: a range needs both r1 and c1")
    return f"{_q(sheet)}!{a1(r0, c0)}:{a1(r1, c1)}"


def local(r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> str:
    if r1 is None:
        return a1(r0, c0)
    if c1 is None:
        raise TypeError("local: a range needs both r1 and c1")
    return f"{a1(r0, c0)}:{a1(r1, c1)}"


def quote_text(s: str) -> str:
    """A string literal inside a formula."""
    return '"' + s.replace('"', '""') + '"'


_REF = re.compile(r"^=?'?(?P<sheet>.+?)'?!\$?(?P<c0>[A-Z]+)\$?(?P<r0>\d+)(?::\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+))?$")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def parse_ref(refers_to: str) -> tuple[str, int, int, int, int] | None:
    """``'Sheet'!$A$1:$B$2`` (with or without ``=``) -> (sheet, r0, c0, r1, c1), 0-based; the
    inverse of :func:`ref`."""
    m = _REF.match(refers_to.strip())
    if not m:
        return None
    sheet = m.group("sheet").replace("''", "'")
    r0, c0 = int(m.group("r0")) - 1, col_index(m.group("c0"))
    r1 = int(m.group("r1")) - 1 if m.group("r1") else r0
    c1 = col_index(m.group("c1")) if m.group("c1") else c0
    return sheet, r0, c0, r1, c1
