"""The legacy progress-notes workbooks (one per worker, one sheet per participant): read once,
streamed (workbook.py), checked and brought in all or nothing (services.py)."""
