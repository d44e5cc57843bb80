"""Build the workbook's vbaProject.bin (xlwings project + xlwings_udfs + bpm_xl_register).

    python scripts/build_vba_project.py --out build/vbaProject.bin [--module bpm_xl.udfs] [--dump build/vba]

--dump writes every module's source (.bas/.cls, CRLF) for review; the build is checked with
bpm_xl.writers.vba.check_vba_project and the script exits 1 when a problem is found.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from bpm_xl.writers import vba


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="bpm_xl.udfs", help="UDF module(s), ';'-separated")
    parser.add_argument("--out", type=Path, required=True, help="where to write vbaProject.bin")
    parser.add_argument("--dump", type=Path, help="folder for the modules' sources")
    args = parser.parse_args(argv)

    project = vba.build_vba_project(args.module)
    expected = {
        vba.UDF_MODULE: vba.to_vba_source(vba.generate_udf_wrapper(args.module)),
        vba.REGISTER_MODULE: vba.generate_macro_options(args.module),
        "ThisWorkbook": vba.workbook_open_code(),
    }
    problems = vba.check_vba_project(project, expected=expected)
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(project)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for name, source in vba.module_sources(project).items():
            ext = ".cls" if source.split("\r\n", 2)[1:2] and "VB_Base" in source.split("\r\n", 2)[1] else ".bas"
            (args.dump / f"{name}{ext}").write_bytes(source.encode("cp1252", "replace"))
    print(f"{args.out}: {len(project)} bytes, sha256 {hashlib.sha256(project).hexdigest()}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
