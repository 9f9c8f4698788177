# Dashboard aggregates, the anonymised research export and the legacy workbook import: later issues.
