"""Writers: files the project produces from an evaluation (workbook, CSV, HTML/Word report, ...)."""
