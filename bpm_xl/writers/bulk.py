"""Large numeric blocks (a survey of 100,000 respondents) written as sheet XML directly.

XlsxWriter spends a Python step (and several calls) on every cell; for a block whose cells
are a 2-D float array (NaN = blank) that is minutes at 10 million cells. The writer
(:mod:`bpm_xl.writers.xlsx`) instead writes through XlsxWriter the block's first row (so the
cells' style indices are XlsxWriter's own) and, on every other row, a styled blank in the
block's first and last columns (so rows, spans and the sheet dimension are XlsxWriter's
own); :func:`splice` then replaces each such pair by the row's cells, in the bytes
XlsxWriter wrote, exactly as XlsxWriter writes them (``<c r="B4" s="7"><v>4</v></c>``,
numbers as ``format(v, ".16G")``, a blank as ``<c r="C4" s="7"/>``).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..layout.types import col_letter

__all__ = ["BULK_MIN_ROWS", "ZIP_LEVEL", "Deferred", "copy_member", "defer", "splice", "splice_bytes"]

#: Arrays with fewer rows are written cell by cell (nothing to gain).
BULK_MIN_ROWS = 3
#: zlib level of a spliced sheet part. Measured on the 341 MB survey part of 100,000 x 100:
#: level 1 takes 1.1 s CPU for 43.6 MB, level 6 (zipfile's default) 6.0 s for 31.8 MB.
ZIP_LEVEL = 1
_CHUNK = 2048          # rows formatted at a time (memory stays bounded)
_TABLE_MAX = 2_000_000  # (columns x distinct values) strings looked up; beyond it, cell by cell


@dataclass(frozen=True)
class Deferred:
    """Rows ``row + 1 ..`` of an array block, to splice into the sheet ``index`` (1-based)."""

    index: int
    row: int          # 0-based row of the block's first row (written by XlsxWriter)
    col: int
    values: np.ndarray


def bulk_ok(cells: Any) -> bool:
    """Whether ``cells`` takes the XML path: a large 2-D float array with no infinities
    (XlsxWriter refuses those: the cell-by-cell path raises as before)."""
    return (isinstance(cells, np.ndarray) and cells.ndim == 2 and cells.dtype == np.float64
            and cells.shape[0] >= BULK_MIN_ROWS and cells.shape[1] > 0 and not np.isinf(cells).any())


def defer(ws: Any, index: int, row: int, col: int, values: np.ndarray, formats: list[Any]) -> Deferred:
    """Write the markers of rows 1.. of ``values`` (a styled blank in the first and last
    column) and return what :func:`splice` needs; row 0 is the caller's to write."""
    last = values.shape[1] - 1
    for r in range(row + 1, row + len(values)):
        ws.write_blank(r, col, None, formats[0])
        if last:
            ws.write_blank(r, col + last, None, formats[last])
    return Deferred(index, row, col, values)


# ------------------------------------------------------------------------------- the XML
def _styles(xml: bytes, d: Deferred) -> list[str]:
    """The ``s`` attribute of each column of the block, as XlsxWriter wrote the first row."""
    out = []
    for j in range(d.values.shape[1]):
        m = re.search(rb'<c r="%s%d"( s="\d+")?' % (col_letter(d.col + j).encode(), d.row + 1), xml)
        if m is None:
            raise RuntimeError(f"bulk: the first row of the block at row {d.row + 1} is not in the sheet")
        out.append((m.group(1) or b"").decode())
    return out


def _codes(chunk: np.ndarray) -> tuple[np.ndarray, list[str]] | None:
    """Each cell as an index into the returned texts (0 = blank), or None when a lookup does
    not pay (many distinct values, or a negative zero, which XlsxWriter writes as -0)."""
    blank = np.isnan(chunk)
    filled = np.where(blank, 0.0, chunk)
    if np.signbit(filled[filled == 0]).any():
        return None
    whole = (filled == np.round(filled)) & (np.abs(filled) < 1000)
    if whole.all():
        low = int(filled.min())
        codes = (filled - low + 1).astype(np.int64)
        texts = [format(float(v), ".16G") for v in range(low, int(filled.max()) + 1)]
    else:
        uniq, inv = np.unique(filled, return_inverse=True)
        if len(uniq) * chunk.shape[1] > _TABLE_MAX:
            return None
        codes = inv.reshape(chunk.shape).astype(np.int64) + 1
        texts = [format(float(v), ".16G") for v in uniq.tolist()]
    codes[blank] = 0
    return codes, texts


def _rows_xml(chunk: np.ndarray, first: int, letters: list[str], styles: list[str]) -> list[str]:
    """The cells of the rows ``first`` (1-based) .. of ``chunk``, row by row, as XlsxWriter
    writes them; a row is ``R.join`` of per-cell pieces that hold everything but the row number."""
    m = chunk.shape[1]
    heads = [f'<c r="{c}' for c in letters]
    coded = _codes(chunk)
    out = []
    if coded is None:
        for i, row in enumerate(chunk.tolist()):
            r = str(first + i)
            out.append("".join(f'{heads[j]}{r}"{styles[j]}/>' if v != v else f'{heads[j]}{r}"{styles[j]}><v>{v:.16G}</v></c>'
                               for j, v in enumerate(row)))
        return out
    codes, texts = coded
    tails = ["/>", *(f"><v>{t}</v></c>" for t in texts)]
    table = np.empty((m, len(tails)), dtype=object)
    for j in range(m):
        nxt = heads[j + 1] if j + 1 < m else ""
        table[j] = [f'"{styles[j]}{t}{nxt}' for t in tails]
    pieces = table[np.arange(m)[None, :], codes]
    for i in range(len(chunk)):
        r = str(first + i)
        out.append(heads[0] + r + r.join(pieces[i].tolist()))
    return out


def _marker(d: Deferred, letters: list[str], styles: list[str]) -> re.Pattern[bytes]:
    one = '<c r="%s(\\d+)"%s/>' % (letters[0], re.escape(styles[0]))
    if len(letters) > 1:
        one += '<c r="%s\\1"%s/>' % (letters[-1], re.escape(styles[-1]))
    return re.compile(one.encode())


def _splice_block(xml: bytes, d: Deferred, pos: int, write: Any) -> int:
    """Write ``xml`` from ``pos`` through the block's rows, cells spliced in; returns the
    position reached."""
    letters = [col_letter(d.col + j) for j in range(d.values.shape[1])]
    styles = _styles(xml, d)
    marker = _marker(d, letters, styles)
    rows = d.values[1:]
    for c0 in range(0, len(rows), _CHUNK):
        chunk = rows[c0:c0 + _CHUNK]
        first = d.row + 2 + c0
        cells = _rows_xml(chunk, first, letters, styles)
        for i in range(len(chunk)):
            m = marker.search(xml, pos)
            if m is None or int(m.group(1)) != first + i:
                raise RuntimeError(f"bulk: row {first + i} of the block is not where XlsxWriter wrote it")
            write(xml[pos:m.start()])
            write(cells[i].encode())
            pos = m.end()
    return pos


def splice(xml: bytes, blocks: list[Deferred], write: Any) -> None:
    """Write the sheet ``xml`` with every deferred block's rows spliced in."""
    pos = 0
    for d in sorted(blocks, key=lambda d: (d.row, d.col)):
        pos = _splice_block(xml, d, pos, write)
    write(xml[pos:])


def splice_bytes(data: bytes, blocks: list[Deferred], directs: dict[int, Any] | None = None) -> bytes:
    """The package ``data`` (as XlsxWriter wrote it) with the deferred blocks' cells and the
    rows of the sheets :mod:`.direct` renders (``directs``: sheet number -> its renderer)."""
    directs = directs or {}
    if not blocks and not directs:
        return data
    by_member: dict[str, list[Deferred]] = {}
    for d in blocks:
        by_member.setdefault(f"xl/worksheets/sheet{d.index}.xml", []).append(d)
    rendered = {f"xl/worksheets/sheet{k}.xml": r for k, r in directs.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zo:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            mine, rows = by_member.get(info.filename), rendered.get(info.filename)
            if mine is None and rows is None:
                copy_member(zin, info, zo)
                continue
            xml = zin.read(info.filename)
            zi._compresslevel = ZIP_LEVEL  # noqa: SLF001 - zipfile's way to set one member's level
            size = len(xml) + sum(d.values.size * 32 for d in mine or ()) + (rows.cells() * 200 if rows else 0)
            with zo.open(zi, "w", force_zip64=size > 1 << 30) as fh:
                buf = _Threaded(fh)
                try:
                    if rows is not None:
                        _splice_rows(xml, rows, buf)
                    else:
                        splice(xml, mine, buf.write)
                finally:
                    buf.close()
    return out.getvalue()


def _splice_rows(xml: bytes, rows: Any, buf: _Threaded) -> None:
    """The sheet ``xml`` with its rows (rendered by ``rows.stream``) where the marker is."""
    from .direct import MARKER

    at = xml.find(MARKER.encode())
    if at < 0 or xml.find(MARKER.encode(), at + 1) >= 0:
        raise RuntimeError("direct: the rows' place is not once in the sheet XML")
    buf.write(xml[:at])
    rows.stream(lambda text: buf.write(text.encode()))
    buf.write(xml[at + len(MARKER):])


def copy_member(zin: zipfile.ZipFile, info: zipfile.ZipInfo, zo: zipfile.ZipFile) -> None:
    """Append member ``info`` of ``zin`` to ``zo`` as ``writestr`` would (same local header, same
    central directory entry), its compressed bytes copied as they are: no second deflate of a
    large part (XlsxWriter and ``writestr`` both compress with zipfile's default level).

    Uses zipfile's writer state (``fp``, ``filelist``, ``start_dir``) as ``writestr`` does."""
    fp = zin.fp
    fp.seek(info.header_offset)
    head = fp.read(zipfile.sizeFileHeader)
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fp.seek(info.header_offset + zipfile.sizeFileHeader + name_len + extra_len)
    raw = fp.read(info.compress_size)
    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    zi.compress_type, zi.external_attr = info.compress_type, info.external_attr
    zi.CRC, zi.compress_size, zi.file_size = info.CRC, info.compress_size, info.file_size
    zi.flag_bits = 0
    zi.header_offset = zo.fp.tell()
    zo._writecheck(zi)  # noqa: SLF001
    zo._didModify = True  # noqa: SLF001
    zo.fp.write(zi.FileHeader(False))
    zo.fp.write(raw)
    zo.filelist.append(zi)
    zo.NameToInfo[zi.filename] = zi
    zo.start_dir = zo.fp.tell()


class _Threaded:
    """Joins small writes into large ones and hands them to a thread that writes them to
    ``fh`` (a zip member: zlib and crc32 release the GIL, so deflating one chunk overlaps with
    formatting the next). :meth:`close` writes the rest and waits; it raises what the writing
    raised."""

    def __init__(self, fh: Any, size: int = 1 << 22) -> None:
        import queue
        import threading

        self.fh, self.size, self.parts, self.n = fh, size, [], 0
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.worker = threading.Thread(target=self._run, daemon=True)
        self.worker.start()

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.fh.write(chunk)
                except BaseException as exc:  # noqa: BLE001 - raised by close() in the caller's thread
                    self.error = exc

    def write(self, b: bytes) -> None:
        self.parts.append(b)
        self.n += len(b)
        if self.n >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.error is not None:
            raise self.error
        if self.parts:
            self.queue.put(b"".join(self.parts))
        self.parts, self.n = [], 0

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.queue.put(None)
            self.worker.join()
        if self.error is not None:
            raise self.error
