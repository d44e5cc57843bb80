"""Writers: the files the project produces (every write goes through :mod:`~bpm_xl.writers.safe`).

- :mod:`bpm_xl.writers.xlsx`: the .xlsm/.xlsx file (XlsxWriter): ``write_plan``, ``write_workbook``;
- :mod:`bpm_xl.writers.portable`: the macro-free transform (``portable_plan``) and export
  (``export_portable``);
- :mod:`bpm_xl.writers.vba`: the VBA project (``vba_project``, the Rebuild button's macro);
- :mod:`bpm_xl.writers.safe`: atomic writes, backups, lock checks;
- :mod:`bpm_xl.writers.csvout`: result tables as CSV;
- :mod:`bpm_xl.writers.forms`: the experts' questionnaires;
- :mod:`bpm_xl.writers.report` (``write_report``) over ``report_html``, ``report_docx``,
  ``charts``, ``narrative``: the evaluation report.
"""
