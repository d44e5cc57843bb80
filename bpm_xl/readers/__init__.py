"""Readers: files from outside (workbooks; later survey exports) -> core inputs and layout data."""
