"""Black-box attack tests: the ``bpm-xl`` command line against crafted files.

Everything here goes through the command line and the files it writes, never through internal
APIs, so the tests hold whatever the package layout. Crafted files start from ``bpm-xl new``
output and are edited at the zip/XML level (:class:`Package`): small crafted XML, never large
files on disk.

Helpers
- :data:`PAYLOADS`: hostile text (spreadsheet formulas, terminal markup and escapes, HTML).
- :func:`run`: run ``bpm-xl`` in a subprocess with a memory cap; assert the exit status is in
  the expected set, no traceback, exactly one ``bpm-xl: error:`` line on failure, and every
  input file byte-identical on failure. Returns the completed run with its peak RSS.
- :class:`Package`: a workbook as a dict of zip members, with cell edits by sheet name and A1.
- :func:`live_formulas`: ``<f>`` elements of every sheet carrying a payload.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Hostile text: formula leaders, DDE, network functions, tab/CR leaders, rich markup, ANSI/OSC
#: escapes, HTML. Each is meant to arrive somewhere as plain text and stay plain text.
PAYLOADS: tuple[str, ...] = (
    "=1+1",
    "+1",
    "-1",
    "@SUM(1)",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    '=WEBSERVICE("http://x")',
    "\t=2+2",
    "\r=3+3",
    "[/]",
    "[link=http://x]y[/link]",
    "[bold red]x",
    "\x1b[31mred",
    "\x1b]8;;http://x\x07y\x1b]8;;\x07",
    "<script>alert(1)</script>",
    "</td><img src=x onerror=alert(1)>",
)

#: Formula leaders a CSV cell must not start with unless '-prefixed (or quoted with a ' inside).
CSV_LEADERS = ("=", "+", "-", "@", "\t", "\r")

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --------------------------------------------------------------------------------- running
def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _command() -> list[str]:
    script = Path(sys.executable).parent / "bpm-xl"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bpm_xl.cli"]


#: Address-space cap of every run (bytes): a missing size check fails the test instead of
#: taking the machine's memory. Peak RSS is measured separately (ru_maxrss of the child).
ADDRESS_SPACE_CAP = 3 * 1024**3
TIMEOUT = 240


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    peak_rss_mb: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def __str__(self) -> str:
        return (f"bpm-xl {' '.join(map(repr, self.args))} -> exit {self.returncode}, "
                f"{self.peak_rss_mb:.0f} MB\n--- stdout\n{self.out[-3000:]}\n--- stderr\n{self.err[-3000:]}")


def _limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


#: Starts the command and waits for it, then writes its wait status and peak RSS (KiB) to argv[1].
#: Linux carries a process's RSS at fork into the ru_maxrss of what it execs: a child forked
#: from the test worker (hundreds of MB after the engine tests) would report the worker's size,
#: so the command is forked from this small launcher, whose own size is all it inherits.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write(f'{status} {usage.ru_maxrss}')\n"
)


def run_raw(args: Iterable[str | os.PathLike], cwd: Path) -> Run:
    """Run ``bpm-xl args`` in ``cwd``; peak RSS of that command only (os.wait4 in a small launcher)."""
    args = tuple(str(a) for a in args)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update({"COLUMNS": "200", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "PYTHONIOENCODING": "utf-8", "TERM": "xterm-256color"})
    env.pop("NO_COLOR", None)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe, tempfile.TemporaryDirectory() as td:
        result = Path(td) / "result"
        p = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(result), *_command(), *args], cwd=cwd,
                             stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, env=env, preexec_fn=_limit,
                             start_new_session=True)  # noqa: PLW1509 - the test process starts no threads here
        try:
            p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            raise AssertionError(f"bpm-xl did not finish within {TIMEOUT} s") from None
        status, maxrss = (int(x) for x in result.read_text().split())
        fo.seek(0)
        fe.seek(0)
        return Run(args, os.waitstatus_to_exitcode(status), fo.read(), fe.read(), maxrss / 1024)


class _StderrWarnings:
    """Warnings and log records go to the (captured) stderr as in a fresh ``bpm-xl`` process:
    Python's default filters, the last-resort log handler at WARNING."""

    def __enter__(self):
        import logging
        import warnings

        self._cw = warnings.catch_warnings()
        self._cw.__enter__()
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for cat in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.filterwarnings("ignore", category=cat)

        def show(message, category, filename, lineno, file=None, line=None):
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

        warnings.showwarning = show
        class _Now(logging.Handler):
            def emit(self, record):  # sys.stderr at emit time: the runner's
                sys.stderr.write(self.format(record) + "\n")

        self._handler = _Now(logging.WARNING)
        logging.getLogger().addHandler(self._handler)
        return self

    def __exit__(self, *exc):
        import logging

        logging.getLogger().removeHandler(self._handler)
        self._cw.__exit__(*exc)


def run_inproc(args: Iterable[str | os.PathLike], cwd: Path) -> Run:
    """Run ``bpm-xl args`` in this process (typer's CliRunner) in ``cwd``: no interpreter start,
    no imports. An exception that escapes the command is reported as a traceback on stderr
    (the generic assertions fail on it). No memory figure: tests of memory bounds use
    :func:`run_raw` (a subprocess with an address-space cap)."""
    import traceback

    from typer.testing import CliRunner

    from bpm_xl.cli import app

    args = tuple(str(a) for a in args)
    runner = CliRunner(env={"COLUMNS": "200", "TERM": "xterm-256color", "NO_COLOR": None, "FORCE_COLOR": None})
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with _StderrWarnings():
            res = runner.invoke(app, list(args), catch_exceptions=True)
    finally:
        os.chdir(old)
    err, code = res.stderr_bytes, res.exit_code
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        err += "".join(traceback.format_exception(*res.exc_info)).encode("utf-8", "replace")
        code = 1
    return Run(args, code, res.stdout_bytes, err, float("nan"))


def run(args: Iterable[str | os.PathLike], cwd: Path, expect: Iterable[int] = (0,),
        inputs: Iterable[Path] = (), unchanged: bool | None = None, isolated: bool = False) -> Run:
    """Run ``bpm-xl`` and apply the generic assertions.

    - exit status in ``expect``;
    - no "Traceback" on stdout or stderr;
    - on failure (exit != 0): stderr is exactly one line starting with "bpm-xl: error:";
    - ``inputs`` byte-identical after the run when it failed (or always, with ``unchanged=True``).

    In this process by default; ``isolated=True`` runs a subprocess (memory bound, peak RSS).
    """
    inputs = [Path(cwd, p) for p in inputs]
    before = {p: sha(p) for p in inputs if p.exists()}
    r = run_raw(args, cwd) if isolated else run_inproc(args, cwd)
    assert "Traceback" not in r.out and "Traceback" not in r.err, str(r)
    assert r.returncode in tuple(expect), str(r)
    if r.returncode != 0:
        assert_one_error_line(r)
    if unchanged or (unchanged is None and r.returncode != 0):
        for p, h in before.items():
            assert p.exists() and sha(p) == h, f"{p} changed\n{r}"
    return r


def assert_one_error_line(r: Run) -> None:
    lines = r.err.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("bpm-xl: error:"), str(r)


def no_raw_escapes(r: Run) -> None:
    for name, data in (("stdout", r.stdout), ("stderr", r.stderr)):
        assert b"\x1b" not in data and b"\x07" not in data, f"raw ESC/BEL on {name}\n{r}"
        assert b"MarkupError" not in data, str(r)


# --------------------------------------------------------------------------------- packages
def _xml_text(text: str) -> str:
    """Text as Excel stores it in XML: escaped, control characters as _xHHHH_."""
    out = html.escape(text, quote=False)
    return re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", out)


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def split_ref(ref: str) -> tuple[str, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m, ref
    return m.group(1), int(m.group(2))


class Package:
    """A workbook file as its zip members; edits keep member order and compression."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as zf:
            self.infos = zf.infolist()
            self.members = {i.filename: zf.read(i.filename) for i in self.infos}

    # ---- structure
    def text(self, member: str) -> str:
        return self.members[member].decode("utf-8")

    def set_text(self, member: str, text: str) -> None:
        if member not in self.members:
            self.infos.append(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)))
        self.members[member] = text.encode("utf-8")

    def sheets(self) -> dict[str, str]:
        """Sheet name -> worksheet member."""
        from xml.etree import ElementTree as ET

        book = ET.fromstring(self.members["xl/workbook.xml"])
        rels = ET.fromstring(self.members["xl/_rels/workbook.xml.rels"])
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        out = {}
        for sh in book.iter(f"{{{SHEET_NS}}}sheet"):
            t = targets[sh.get(f"{{{REL_NS}}}id")]
            out[sh.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
        return out

    def sheet(self, name: str) -> str:
        return self.sheets()[name]

    def defined_names(self) -> dict[str, str]:
        book = self.text("xl/workbook.xml")
        return {n: html.unescape(v) for n, v in re.findall(r'<definedName name="([^"]+)"[^>]*>([^<]*)</definedName>', book)}

    def shared_strings(self) -> list[str]:
        sst = self.text("xl/sharedStrings.xml")
        return [html.unescape(re.sub(r"<[^>]+>", "", si)) for si in re.findall(r"<si>(.*?)</si>", sst, re.DOTALL)]

    # ---- cells
    def cell_xml(self, sheet: str, ref: str) -> str | None:
        m = re.search(rf'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', self.text(self.sheet(sheet)), re.DOTALL)
        return m.group(0) if m else None

    def cell_text(self, sheet: str, ref: str) -> str | None:
        """The text of a shared-string or inline-string cell, or the raw <v> of another."""
        x = self.cell_xml(sheet, ref)
        if x is None:
            return None
        if 't="s"' in x:
            return self.shared_strings()[int(re.search(r"<v>(\d+)</v>", x).group(1))]
        m = re.search(r"<t[^>]*>(.*?)</t>", x, re.DOTALL) or re.search(r"<v>(.*?)</v>", x, re.DOTALL)
        return html.unescape(m.group(1)) if m else None

    def set_cell(self, sheet: str, ref: str, value, kind: str | None = None) -> None:
        """Put a value into a cell: ``kind`` "inline" (text, default for str), "shared" (a new
        shared string), "number" (default for numbers), "error" (``#DIV/0!``), "formula"
        (``value`` = (formula, cached))."""
        member = self.sheet(sheet)
        xml = self.text(member)
        old = self.cell_xml(sheet, ref)
        style = ""
        if old is not None:
            m = re.search(r'\ss="(\d+)"', old.split(">", 1)[0])
            style = f' s="{m.group(1)}"' if m else ""
        if kind is None:
            kind = "inline" if isinstance(value, str) else "number"
        if kind == "inline":
            new = f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
        elif kind == "shared":
            idx = self.add_shared(value)
            new = f'<c r="{ref}"{style} t="s"><v>{idx}</v></c>'
        elif kind == "number":
            new = f'<c r="{ref}"{style}><v>{value!r}</v></c>' if not isinstance(value, str) else f'<c r="{ref}"{style}><v>{value}</v></c>'
        elif kind == "error":
            new = f'<c r="{ref}"{style} t="e"><v>{html.escape(value)}</v></c>'
        elif kind == "formula":
            f, cached = value
            new = f'<c r="{ref}"{style}><f>{html.escape(f, quote=False)}</f><v>{cached}</v></c>'
        else:
            raise ValueError(kind)
        if old is not None:
            xml = xml.replace(old, new, 1)
        else:
            xml = self._insert_cell(xml, ref, new)
        self.set_text(member, xml)

    def _insert_cell(self, xml: str, ref: str, new: str) -> str:
        col, row = split_ref(ref)
        m = re.search(rf'<row r="{row}"(?:\s[^>]*)?(?:/>|>(.*?)</row>)', xml, re.DOTALL)
        if m is None:
            # a new row, placed before the first row with a larger number
            rows = [(int(r.group(1)), r.start()) for r in re.finditer(r'<row r="(\d+)"', xml)]
            at = next((pos for n, pos in rows if n > row), None)
            block = f'<row r="{row}">{new}</row>'
            if at is None:
                if "<sheetData/>" in xml:
                    return xml.replace("<sheetData/>", f"<sheetData>{block}</sheetData>", 1)
                at = xml.index("</sheetData>")
            return xml[:at] + block + xml[at:]
        whole = m.group(0)
        if whole.endswith("/>"):
            rebuilt = whole[:-2] + f">{new}</row>"
        else:
            cells = list(re.finditer(r'<c r="([A-Z]+)\d+"', whole))
            at = next((c.start() for c in cells if col_index(c.group(1)) > col_index(col)), None)
            if at is None:
                at = whole.rindex("</row>")
            rebuilt = whole[:at] + new + whole[at:]
            rebuilt = re.sub(r'\sspans="[^"]*"', "", rebuilt, count=1)
        return xml.replace(whole, rebuilt, 1)

    def add_shared(self, text: str) -> int:
        sst = self.text("xl/sharedStrings.xml")
        n = len(re.findall(r"<si>", sst))
        sst = sst.replace("</sst>", f'<si><t xml:space="preserve">{_xml_text(text)}</t></si></sst>')
        sst = re.sub(r'uniqueCount="\d+"', f'uniqueCount="{n + 1}"', sst, count=1)
        self.set_text("xl/sharedStrings.xml", sst)
        return n

    def replace_shared(self, old: str, new: str) -> int:
        """Change the shared string ``old`` everywhere it is used; returns its index."""
        sst = self.text("xl/sharedStrings.xml")
        items = list(re.finditer(r"<si>(.*?)</si>", sst, re.DOTALL))
        for k, m in enumerate(items):
            if html.unescape(re.sub(r"<[^>]+>", "", m.group(1))) == old:
                sst = sst[: m.start()] + f'<si><t xml:space="preserve">{_xml_text(new)}</t></si>' + sst[m.end():]
                self.set_text("xl/sharedStrings.xml", sst)
                return k
        raise KeyError(old)

    def set_dimension(self, sheet: str, ref: str) -> None:
        member = self.sheet(sheet)
        self.set_text(member, re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', self.text(member), count=1))

    def save(self, path: Path, compress: dict[str, int] | None = None) -> Path:
        path = Path(path)
        with zipfile.ZipFile(path, "w") as zf:
            for info in self.infos:
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type = (compress or {}).get(info.filename, zipfile.ZIP_DEFLATED)
                zf.writestr(zi, self.members[info.filename])
        return path


# --------------------------------------------------------------------------------- checks
def sheet_formulas(path: Path) -> dict[str, list[str]]:
    """Worksheet member -> the text of every <f> element (unescaped)."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name).decode("utf-8", "replace")
                out[name] = [html.unescape(m.group(1)) for m in re.finditer(r"<f(?:\s[^>]*)?>(.*?)</f>", xml, re.DOTALL)]
    return out


def _decode_x(s: str) -> str:
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)


def carries_payload(formula: str, payloads: Iterable[str] = PAYLOADS) -> str | None:
    """The payload a formula is made of (the formula IS the text, or holds a distinctive part)."""
    f = _decode_x(formula).strip()
    for p in payloads:
        core = p.strip().lstrip("=")
        if not core:
            continue
        if f in (p, p.strip(), core) or ("=" + f) == p.strip():
            return p
        if len(core) >= 6 and core in f:
            return p
    for marker in ("WEBSERVICE(", "HYPERLINK(", "cmd|", "SUM(1)", "alert(1)"):
        if marker in f:
            return marker
    return None


def live_formulas(path: Path, payloads: Iterable[str] = PAYLOADS) -> list[tuple[str, str, str]]:
    found = []
    for member, fs in sheet_formulas(path).items():
        for f in fs:
            p = carries_payload(f, payloads)
            if p is not None:
                found.append((member, f, p))
    return found


def cell_texts(path: Path) -> set[str]:
    """Every string cell value of a written workbook (shared and inline), decoded."""
    out: set[str] = set()
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "xl/sharedStrings.xml" in names:
            sst = zf.read("xl/sharedStrings.xml").decode("utf-8", "replace")
            for si in re.findall(r"<si>(.*?)</si>", sst, re.DOTALL):
                out.add(_decode_x(html.unescape(re.sub(r"<[^>]+>", "", si))))
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name).decode("utf-8", "replace")
                for t in re.findall(r"<is>(.*?)</is>", xml, re.DOTALL):
                    out.add(_decode_x(html.unescape(re.sub(r"<[^>]+>", "", t))))
                # formula results cached as text
                for t in re.findall(r'<c [^>]*t="str"[^>]*>.*?<v>(.*?)</v>', xml, re.DOTALL):
                    out.add(_decode_x(html.unescape(t)))
    return out


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> dict[str, Path]:
    """Workbooks written by ``bpm-xl new`` once per session: example (zh, en) and blank."""
    d = tmp_path_factory.mktemp("pristine")
    out = {}
    for key, args in (("zh", ["new", "ex_zh.xlsm", "-q"]), ("en", ["new", "ex_en.xlsm", "--lang", "en", "-q"]),
                      ("blank", ["new", "blank.xlsm", "--blank", "-q"])):
        r = run_inproc(args, d)
        assert r.returncode == 0, str(r)
        out[key] = d / args[1]
    return out


@pytest.fixture()
def example(pristine, tmp_path) -> Path:
    """A fresh copy of the Chinese example workbook in the test's directory."""
    return Path(shutil.copy2(pristine["zh"], tmp_path / "book.xlsm"))


@pytest.fixture()
def package(example) -> Package:
    return Package(example)


def zh_sheets(pkg: Package) -> dict[str, str]:
    """Role -> sheet name, from the BPM_ROLE_* defined names."""
    out = {}
    for name, ref in pkg.defined_names().items():
        if name.startswith("BPM_ROLE_"):
            out[name[9:].lower()] = ref.split("!")[0].strip("'=")
    return out


def name_cell(pkg: Package, name: str, dr: int = 0, dc: int = 0) -> tuple[str, str]:
    """(sheet, A1) of the first cell of a defined name, shifted by dr rows and dc columns."""
    ref = pkg.defined_names()[name]
    sheet, rng = ref.rsplit("!", 1)
    col, row = split_ref(rng.split(":")[0].replace("$", ""))
    c = col_index(col) + dc
    letters = ""
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return sheet.strip("'="), f"{letters}{row + dr}"
