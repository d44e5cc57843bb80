"""The Excel error values of an .xls file's first sheet (python-calamine reads them as blanks).

An .xls file is an OLE2 compound file whose ``Workbook`` stream holds BIFF8 records. This
module reads that stream (FAT and mini-FAT chains, bounded by the file's size, so a crafted
chain cannot loop) and lists the cells of the first worksheet that hold an error value: a
BOOLERR record with its error flag set, or a FORMULA record whose cached result is an error.
Everything else in the file is left to python-calamine.
"""

from __future__ import annotations

import struct

__all__ = ["first_sheet_errors"]

_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
           0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF


class _Bad(ValueError):
    """Not a compound file this reader follows."""


def _chain(fat: list[int], start: int, limit: int) -> list[int]:
    out, seen = [], set()
    s = start
    while s not in (_END, _FREE) and len(out) <= limit:
        if s >= len(fat) or s in seen:
            raise _Bad("broken sector chain")
        seen.add(s)
        out.append(s)
        s = fat[s]
    return out


def _stream(data: bytes, name: str) -> bytes | None:
    """The stream ``name`` of a compound file (None when there is none)."""
    if not data.startswith(_MAGIC) or len(data) < 512:
        raise _Bad("not a compound file")
    ss = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mss = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if ss not in (512, 4096) or mss > ss:
        raise _Bad("sector size")
    n_sectors = (len(data) - ss) // ss + 1
    dir_start, cutoff, minifat_start = (struct.unpack_from("<I", data, o)[0] for o in (0x30, 0x38, 0x3C))
    difat_start = struct.unpack_from("<I", data, 0x44)[0]

    def sector(n: int) -> bytes:
        if n >= n_sectors:
            raise _Bad("sector out of range")
        return data[(n + 1) * ss:(n + 2) * ss]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s not in (_END, _FREE)]
    d, seen = difat_start, set()
    while d not in (_END, _FREE):
        if d in seen or len(seen) > n_sectors:
            raise _Bad("broken DIFAT chain")
        seen.add(d)
        entries = struct.unpack(f"<{ss // 4}I", sector(d))
        fat_sectors += [s for s in entries[:-1] if s not in (_END, _FREE)]
        d = entries[-1]
    fat: list[int] = []
    for s in fat_sectors:
        fat += struct.unpack(f"<{ss // 4}I", sector(s))
    directory = b"".join(sector(s) for s in _chain(fat, dir_start, n_sectors))
    entries = [directory[k:k + 128] for k in range(0, len(directory) - 127, 128)]
    if not entries:
        raise _Bad("no directory")
    root = entries[0]
    for e in entries:
        size = struct.unpack_from("<H", e, 0x40)[0]
        if e[0x42] != 2 or not 2 <= size <= 64 or e[:size - 2].decode("utf-16-le", "replace") != name:
            continue
        start, length = struct.unpack_from("<II", e, 0x74)
        if length < cutoff:  # in the mini stream (kept in the root entry's sectors)
            mini = b"".join(sector(s) for s in _chain(fat, struct.unpack_from("<I", root, 0x74)[0], n_sectors))
            minifat: list[int] = []
            for s in _chain(fat, minifat_start, n_sectors):
                minifat += struct.unpack(f"<{ss // 4}I", sector(s))
            parts = [mini[m * mss:(m + 1) * mss] for m in _chain(minifat, start, len(mini) // mss + 1)]
            return b"".join(parts)[:length]
        return b"".join(sector(s) for s in _chain(fat, start, n_sectors))[:length]
    return None


def _records(stream: bytes, at: int):
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4:at + 4 + size]
        at += 4 + size


def first_sheet_errors(data: bytes) -> dict[tuple[int, int], str]:
    """(row, column) -> "#N/A" ... of every error value on the first worksheet of an .xls file
    (0-based); empty when the file is not a BIFF8 workbook this reader follows."""
    try:
        stream = _stream(data, "Workbook")
    except (_Bad, struct.error):
        return {}
    if stream is None:
        return {}
    first = None
    for kind, rec in _records(stream, 0):
        if kind == 0x0085 and len(rec) >= 6 and rec[5] == 0:   # BOUNDSHEET of a worksheet
            first = struct.unpack_from("<I", rec, 0)[0]
            break
        if kind == 0x000A:                                      # EOF of the globals
            break
    if first is None:
        return {}
    out: dict[tuple[int, int], str] = {}
    for kind, rec in _records(stream, first):
        if kind == 0x000A:
            break
        if kind == 0x0205 and len(rec) >= 8 and rec[7] == 1:   # BOOLERR holding an error
            row, col = struct.unpack_from("<HH", rec, 0)
            out[(row, col)] = _ERRORS.get(rec[6], "#VALUE!")
        elif kind == 0x0006 and len(rec) >= 14 and rec[12:14] == b"\xff\xff" and rec[6] == 2:  # FORMULA, error result
            row, col = struct.unpack_from("<HH", rec, 0)
            out[(row, col)] = _ERRORS.get(rec[8], "#VALUE!")
    return out
