"""A vectorised reader of the numbers in one worksheet's XML (the survey of a large workbook).

python-calamine and openpyxl build one Python object per cell; a survey of 100,000
respondents x 100 indicators has ten million cells. This reader streams the sheet's XML in
chunks and finds cells, references and values with numpy over the bytes, so the answers land
in a float array without a Python step per cell.

It reads only the common shape of a cell, the one Excel, LibreOffice, WPS, XlsxWriter and
openpyxl write::

    <c r="B3" s="5"><v>4</v></c>      <c r="B4" s="5"/>      <c r="A3" s="2" t="s"><v>17</v></c>

and plain inline strings (``<c r="A3" t="inlineStr"><is><t>R-001</t></is></c>``, as openpyxl
writes text). Anything else in the sheet's data (a formula, a namespace prefix, a cell
without its reference, a rich-text run) makes :func:`read_numeric_sheet` return ``None`` and
the caller reads the sheet with the general readers, which apply every rule. Inside the block
(the survey's answer columns) only numbers and blanks are taken here; a cell of any other type
there (text, an error value, a boolean) also returns ``None``, so "NaN" text or ``#N/A`` is
refused by the general path with its cell, never read as a blank.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NumericSheet", "SheetFacts", "read_numeric_sheet"]

_CHUNK = 1 << 23
_LT, _C, _V, _SP, _SLASH, _GT, _R, _O = (ord(ch) for ch in "<cv />ro")
_A, _Z, _ZERO = ord("A"), ord("Z"), ord("0")
_I, _S, _T = ord("i"), ord("s"), ord("t")


@dataclass(frozen=True)
class NumericSheet:
    """What :func:`read_numeric_sheet` found.

    ``block`` holds the numbers of rows ``row0 ..`` and columns ``col0 .. col0 + width - 1``
    (NaN = blank); ``rows`` is the number of rows below ``row0`` that hold a cell of the
    block; ``cells`` every other cell (0-based (row, column) -> value; shared strings resolved
    by the caller through ``strings``: a value ``("s", index)``); ``row_count`` the number of
    ``<row>`` elements; ``far_columns`` whether any cell lies right of ``max_col``; ``max_row``
    the largest row index of any cell within the read columns; ``after`` the XML after the
    cells.
    """

    row0: int
    col0: int
    block: np.ndarray
    rows: int
    cells: dict[tuple[int, int], Any]
    row_count: int
    far_columns: bool
    max_row: int
    #: the sheet's XML after ``</sheetData>`` (where its protection is), for the rebuild's
    #: preservation reader, which then need not read the sheet again
    after: bytes = b""

    def facts(self, member: str) -> SheetFacts:
        """The :class:`SheetFacts` of the sheet read (``member``: its zip member)."""
        cols = [c for _, c in self.cells]
        if self.rows:
            cols.append(self.col0 + self.block.shape[1] - 1)
        rightmost = (1 << 14) if self.far_columns else max(cols, default=-1)
        return SheetFacts(member, self.after, rightmost)


@dataclass(frozen=True)
class SheetFacts:
    """What a rebuild's preservation reader needs of a sheet the vectorised reader has read:
    its zip ``member``, the XML ``after`` its cells, and ``rightmost``, the largest column
    index of any cell (no formula exists there: the vectorised reader takes no sheet with one)."""

    member: str
    after: bytes
    rightmost: int


class _Unsupported(Exception):
    """The sheet has a shape this reader leaves to the general readers."""


def _sheet_data(fh) -> bytes:
    """Skip to the first byte inside ``<sheetData>``; the bytes read after it."""
    buf = b""
    while True:
        chunk = _read(fh)
        buf += chunk
        at = buf.find(b"<sheetData")
        if at >= 0:
            end = buf.find(b">", at)
            if end >= 0:
                if buf[end - 1] == _SLASH:
                    raise _Unsupported  # "<sheetData/>": no cells; the general readers read it
                return buf[end + 1:]
        if not chunk:
            raise _Unsupported  # a prefixed "<x:sheetData>" (or none): the general readers read it
        buf = buf[-64:] if at < 0 else buf


def _columns(a: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0-based column of the letters at ``p`` (1-3 letters), and where the row digits start."""
    l0 = a[p].astype(np.int64) - _A + 1
    l1 = a[p + 1].astype(np.int64)
    l2 = a[p + 2].astype(np.int64)
    is1 = (l1 >= _A) & (l1 <= _Z)
    is2 = is1 & (l2 >= _A) & (l2 <= _Z)
    if not ((l0 >= 1) & (l0 <= 26)).all():
        raise _Unsupported
    col = np.where(is2, (l0 * 26 + (l1 - _A + 1)) * 26 + (l2 - _A + 1),
                   np.where(is1, l0 * 26 + (l1 - _A + 1), l0)) - 1
    return col, p + 1 + is1 + is2


def _digits(a: np.ndarray, q: np.ndarray, most: int, stop: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The unsigned integer written at ``q`` (at most ``most`` digits) and its length."""
    value = np.zeros(len(q), np.int64)
    length = np.zeros(len(q), np.int64)
    going = np.ones(len(q), bool)
    last = len(a) - 1
    for k in range(most):
        d = a[np.minimum(q + k, last)].astype(np.int64) - _ZERO
        going &= (d >= 0) & (d <= 9)
        if not going.any():
            break
        value = np.where(going, value * 10 + d, value)
        length += going
    if stop is not None and not (a[np.minimum(q + length, last)] == stop).all():
        raise _Unsupported
    return value, length


def _rows_of(a: np.ndarray, rp: np.ndarray, cell_row: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The 0-based row of every cell: its ``<row r="N">`` element's number (``cell_row``: the
    index of the cell's row element), after checking that the cell's own reference carries
    the same digits (8 bytes compared at once)."""
    if not ((a[rp + 4] == _SP) & (a[rp + 5] == _R) & (a[rp + 6] == ord("=")) & (a[rp + 7] == ord('"'))).all():
        raise _Unsupported  # a row without its number first
    number, length = _digits(a, rp + 8, 7, stop=ord('"'))
    if len(cell_row) and cell_row.min() < 0:
        raise _Unsupported  # a cell before any row
    window = np.ndarray((len(a) - 7,), dtype="<u8", buffer=a, strides=(1,))
    mask = (np.uint64(1) << (np.uint64(8) * (length[cell_row] + 1).astype(np.uint64))) - np.uint64(1)
    if not ((window[q] & mask) == (window[rp[cell_row] + 8] & mask)).all():
        raise _Unsupported  # a cell whose reference names another row than its row element
    return number[cell_row] - 1


def _values(buf: bytes, a: np.ndarray, vs: np.ndarray, ve: np.ndarray) -> np.ndarray:
    """Numbers between ``vs`` and ``ve``: whole numbers of up to 15 digits by numpy, any other
    number text (a sign, a point, an exponent) through ``float`` (few in a survey)."""
    out = np.full(len(vs), np.nan)
    if not len(vs):
        return out
    d = a[vs].astype(np.int64) - _ZERO
    one = (ve - vs == 1) & (d >= 0) & (d <= 9)  # most answers: one digit
    out[one] = d[one]
    rest = np.flatnonzero(~one)
    value, length = _digits(a, vs[rest], 15)
    whole = (length == ve[rest] - vs[rest]) & (length > 0)
    out[rest[whole]] = value[whole]
    for i in rest[~whole]:
        text = buf[vs[i]:ve[i]]
        try:
            out[i] = float(text)
        except ValueError:
            raise _Unsupported from None
    return out


def _typed(buf: bytes, a: np.ndarray, lt: np.ndarray, cell_k: np.ndarray, row: np.ndarray, col: np.ndarray,
           where_v: np.ndarray, vs: np.ndarray, ve: np.ndarray) -> tuple[list, np.ndarray]:
    """Cells with a type other than ``n``: ((row, col, type, text), ...) and which values they own."""
    tpos = np.flatnonzero(a == ord("t"))  # "t" is rare in a sheet's data
    tpos = tpos[(tpos > 0) & (a[tpos - 1] == _SP) & (a[tpos + 1] == ord("=")) & (a[tpos + 2] == ord('"'))]
    other, typed_v = [], np.zeros(len(vs), bool)
    if not len(tpos):
        return other, typed_v
    cs = lt[cell_k]
    owner = np.searchsorted(cs, tpos, side="right") - 1
    ok = (owner >= 0) & (tpos < lt[np.minimum(cell_k[np.maximum(owner, 0)] + 1, len(lt) - 1)])
    tpos, owner = tpos[ok], owner[ok]  # only inside a cell's start tag
    plain = (a[tpos + 3] == ord("n")) & (a[tpos + 4] == ord('"'))
    for k in np.flatnonzero(~plain):
        i = int(owner[k])
        tname = buf[tpos[k] + 3:buf.find(b'"', tpos[k] + 3)].decode("ascii", "replace")
        j = int(where_v[i])
        if j >= 0:
            typed_v[j] = True
            text = buf[vs[j]:ve[j]].decode("utf-8")
        elif tname == "inlineStr":
            text = _inline_text(buf, int(lt[cell_k[i]]))
        else:
            text = ""
        other.append((int(row[i]), int(col[i]), tname, text))
    return other, typed_v


def _inline_text(buf: bytes, start: int) -> str:
    """The text of the plain inline string of the cell starting at ``start``."""
    import html

    end = buf.find(b"</c>", start)
    m = re.search(rb"<is><t(?: [^>]*)?>(.*?)</t></is>|<is><t(?: [^>]*)?/></is>", buf[start:end], re.S)
    if m is None:
        raise _Unsupported
    return html.unescape((m.group(1) or b"").decode("utf-8"))


def _parse(buf: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list, int]:
    """Cells of complete rows in ``buf``: (rows, cols, numbers, has-number, other cells, row elements).

    Every tag is found from its ``<`` (exact: ``<`` cannot occur inside XML text or attribute
    values); only ``<row``, ``<c ``, ``<v>`` and their end tags may occur, and a ``<v>`` only
    right after its cell's start tag. ``other``: (row, col, type, text) of cells with a ``t``
    other than ``n``.
    """
    a = np.frombuffer(buf, np.uint8)
    lt = np.flatnonzero(a == _LT)
    if not len(lt) or lt[-1] + 3 > len(a):
        raise _Unsupported  # a chunk ends with "</row>"
    n1, n2 = a[lt + 1], a[lt + 2]
    is_c, is_v, is_r, end = (n1 == _C) & (n2 == _SP), (n1 == _V) & (n2 == _GT), (n1 == _R) & (n2 == _O), n1 == _SLASH
    # plain inline strings (<is><t>text</t></is>, as openpyxl writes text) are read per cell;
    # rich-text runs and phonetic guides are not
    inline = ((n1 == _I) & (n2 == _S)) | ((n1 == _T) & ((n2 == _GT) | (n2 == _SP)))
    e2 = n2[end]
    if not (is_c | is_v | is_r | inline | end).all() \
            or not ((e2 == _C) | (e2 == _V) | (e2 == _R) | (e2 == _I) | (e2 == _T)).all():
        raise _Unsupported  # a formula, rich text, a prefix, "<c>" without a reference ...
    cell_k = np.flatnonzero(is_c)
    cs = lt[cell_k]
    if not ((a[cs + 3] == _R) & (a[cs + 4] == ord("=")) & (a[cs + 5] == ord('"'))).all():
        raise _Unsupported  # a cell without its reference first
    col, q = _columns(a, cs + 6)
    row = _rows_of(a, lt[is_r], (np.cumsum(is_r) - 1)[cell_k], q)
    vk = np.flatnonzero(is_v)
    if len(vk) and (vk[0] == 0 or vk[-1] + 1 >= len(lt) or not is_c[vk - 1].all()
                    or not (end[vk + 1] & (n2[vk + 1] == _V)).all()):
        raise _Unsupported  # a value not right inside its cell
    owner = (np.cumsum(is_c) - 1)[vk - 1]
    vs, ve = lt[vk] + 3, lt[vk + 1]
    where_v = np.full(len(cs), -1)
    where_v[owner] = np.arange(len(owner))
    other, typed_v = _typed(buf, a, lt, cell_k, row, col, where_v, vs, ve)
    numbers = np.full(len(cs), np.nan)
    numbers[owner[~typed_v]] = _values(buf, a, vs[~typed_v], ve[~typed_v])
    numeric = np.zeros(len(cs), bool)
    numeric[owner[~typed_v]] = True
    return row, col, numbers, numeric, other, int(is_r.sum())


def _read(fh) -> bytes:
    """About ``_CHUNK`` bytes, read in 1 MiB pieces (zipfile copies less than for one big read)."""
    pieces, n = [], 0
    while n < _CHUNK and (piece := fh.read(1 << 20)):
        pieces.append(piece)
        n += len(piece)
    return b"".join(pieces)


def _complete_rows(fh, first: bytes, after: list[bytes]):
    """Chunks of the sheet's data that end after a ``</row>``; stops at ``</sheetData>`` and
    puts the XML after it (protection, merged cells ...; small) into ``after``."""
    tail = first
    while True:
        chunk = _read(fh)
        buf = tail + chunk
        stop = buf.find(b"</sheetData>")
        if stop >= 0:
            yield buf[:stop]
            after.append(buf[stop:] + fh.read())
            return
        if not chunk:
            raise _Unsupported  # no end of the sheet's data: damaged; the general readers say so
        cut = buf.rfind(b"</row>")
        if cut < 0:
            tail = buf
            continue
        yield buf[:cut + 6]
        tail = buf[cut + 6:]


def _prefetched(chunks):
    """The chunks of a generator, produced one ahead in a thread: unpacking the next chunk
    (zlib releases the GIL) overlaps with parsing this one (numpy releases it too)."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=1)
    done = object()
    stop = threading.Event()

    def run() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                q.put(chunk)
            q.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            q.put(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on put() finish
            try:
                q.get_nowait()
            except queue.Empty:
                worker.join(0.01)


class _Block:
    """A float array that grows by rows (the number of respondents is not known before)."""

    def __init__(self, width: int, rows: int) -> None:
        self.data = np.full((max(rows, 16), width), np.nan)
        self.rows = 0

    def put(self, r: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
        if not len(r):
            return
        need = int(r.max()) + 1
        if need > len(self.data):
            grown = np.full((max(need, 2 * len(self.data)), self.data.shape[1]), np.nan)
            grown[: len(self.data)] = self.data
            self.data = grown
        self.data[r, c] = v
        self.rows = max(self.rows, need)


def read_numeric_sheet(zf: zipfile.ZipFile, member: str, row0: int, col0: int, col1: int,
                       max_col: int, rows_hint: int = 1024) -> NumericSheet | None:
    """The block ``row0.., col0..col1`` of a sheet as numbers, the other cells up to ``max_col``
    as they are; ``None`` when the sheet has a shape this reader does not take (see the module
    docstring), or a cell in the block is not a number or a blank. ``rows_hint``: the rows the
    block is expected to have (its defined name), allocated at once."""
    block = _Block(col1 - col0 + 1, min(rows_hint, 1 << 20))
    cells: dict[tuple[int, int], Any] = {}
    row_count, far_columns, max_row = 0, False, -1
    try:
        with zf.open(member) as fh:
            first = _sheet_data(fh)
            after: list[bytes] = []
            for buf in _prefetched(_complete_rows(fh, first, after)):
                row, col, numbers, has_number, other, n_rows = _parse(buf)
                row_count += n_rows
                far_columns = far_columns or bool((col > max_col).any())
                keep = col <= max_col
                if keep.any():
                    max_row = max(max_row, int(row[keep].max()))
                inb = keep & (row >= row0) & (col >= col0) & (col <= col1)
                for r, c, tname, text in other:
                    if row0 <= r and col0 <= c <= col1:
                        return None  # text, an error value or a boolean among the answers
                    if c <= max_col:
                        cells[(r, c)] = ("s", text) if tname == "s" else (tname, text)
                block.put(row[inb] - row0, col[inb] - col0, numbers[inb])
                rest = keep & ~inb & has_number
                for r, c, v in zip(row[rest].tolist(), col[rest].tolist(), numbers[rest].tolist()):
                    cells[(r, c)] = v
    except _Unsupported:
        return None
    return NumericSheet(row0, col0, block.data[: block.rows], block.rows, cells, row_count, far_columns, max_row,
                        after[0] if after else b"")
