"""Large numeric blocks as sheet XML, vectorised, and the package step that puts large parts in.

A survey of 100,000 respondents is a 2-D float array of 10 million cells (NaN = blank). Its
rows are formatted here a chunk at a time with numpy (:func:`rows_xml`): each cell as
OOXML writes a number (``<c r="B4" s="7"><v>4</v></c>``, the number as ``format(v, ".16G")``,
16 significant digits as XlsxWriter writes numbers) or a styled blank (``<c r="C4" s="7"/>``).
:mod:`.direct` places such rows in the sheet; :func:`replace_parts` writes the package again
with the public :mod:`zipfile` API, streaming the large parts into it at deflate level
:data:`ZIP_LEVEL` while the next chunk is formatted.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["BULK_MIN_ROWS", "ZIP_LEVEL", "bulk_ok", "replace_parts", "rows_xml"]

#: Arrays with fewer rows are written cell by cell (nothing to gain).
BULK_MIN_ROWS = 3
#: zlib level of a part written here. Measured on the 341 MB survey part of 100,000 x 100:
#: level 1 takes 1.1 s CPU for 43.6 MB, level 6 (zipfile's default) 6.0 s for 31.8 MB.
ZIP_LEVEL = 1
#: Rows formatted at a time (memory stays bounded).
CHUNK = 2048
_TABLE_MAX = 2_000_000  # (columns x distinct values) strings looked up; beyond it, cell by cell


def bulk_ok(cells: Any) -> bool:
    """Whether ``cells`` takes the vectorised path: a 2-D float array of at least
    :data:`BULK_MIN_ROWS` rows with no infinities (XlsxWriter refuses those: the cell-by-cell
    path raises as before)."""
    return (isinstance(cells, np.ndarray) and cells.ndim == 2 and cells.dtype == np.float64
            and cells.shape[0] >= BULK_MIN_ROWS and cells.shape[1] > 0 and not np.isinf(cells).any())


def _codes(chunk: np.ndarray) -> tuple[np.ndarray, list[str]] | None:
    """Each cell as an index into the returned texts (0 = blank), or None when a lookup does
    not pay (many distinct values, or a negative zero, which is written as -0)."""
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


def rows_xml(chunk: np.ndarray, first: int, letters: list[str], styles: list[str]) -> list[str]:
    """The cells of each row of ``chunk`` (a 2-D float array, NaN blank), the first being
    sheet row ``first`` (1-based); column ``j`` has the letters ``letters[j]`` and the style
    attribute ``styles[j]`` (`` s="7"`` or empty). A row is ``r.join`` of per-cell pieces that
    hold everything but the row number."""
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


#: Writes one part: (the part as XlsxWriter wrote it, a function taking the new part's bytes).
PartWriter = Callable[[bytes, Callable[[bytes], None]], None]


def replace_parts(data: bytes, parts: Mapping[str, tuple[PartWriter, int]]) -> bytes:
    """The package ``data`` with each member named in ``parts`` written again by its writer
    (``parts[name] = (writer, estimated size in bytes)``), streamed at deflate level
    :data:`ZIP_LEVEL`; every other member is copied with its name, date, attributes and
    compression, deflated at zlib's default level as XlsxWriter deflates it."""
    if not parts:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zo:
        for info in zin.infolist():
            mine = parts.get(info.filename)
            if mine is None:
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type, zi.external_attr = info.compress_type, info.external_attr
                zo.writestr(zi, zin.read(info.filename), compresslevel=zlib.Z_DEFAULT_COMPRESSION)
                continue
            writer, size = mine
            # opened by name: dated 1980-01-01 as XlsxWriter dates its members, deflated at ZIP_LEVEL
            with zo.open(info.filename, "w", force_zip64=size > 1 << 30) as fh:
                buf = _Threaded(fh)
                try:
                    writer(zin.read(info.filename), buf.write)
                finally:
                    buf.close()
    return out.getvalue()


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
