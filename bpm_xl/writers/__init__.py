"""Writers: render a :class:`~bpm_xl.layout.types.WorkbookPlan` into files.

- :mod:`bpm_xl.writers.xlsx`: the .xlsm/.xlsx file (XlsxWriter): ``write_plan``, ``write_workbook``;
- :mod:`bpm_xl.writers.portable`: the macro-free transform (``portable_plan``) and export
  (``export_portable``);
- :mod:`bpm_xl.writers.vba`: the VBA project (``vba_project``).
"""
