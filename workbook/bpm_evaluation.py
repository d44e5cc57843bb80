"""Quickstart companion of the bpm-xl workbook of the same name.

xlwings' SampleCall macro (and the Rebuild button) runs `import <workbook name>; main()`.
"""

from bpm_xl.macros import main, rebuild, rebuild_script  # noqa: F401

if __name__ == "__main__":
    main()
