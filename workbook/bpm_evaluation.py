"""Quickstart companion of the bpm-xl workbook of the same name.

xlwings' SampleCall macro runs `import <workbook name>; main()`; the Rebuild button calls
bpm_xl.macros directly and does not need this file.
"""

from bpm_xl.macros import main, rebuild, rebuild_script  # noqa: F401

if __name__ == "__main__":
    main()
