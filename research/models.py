# Dashboard aggregates, the anonymised research export and the legacy workbook import: see its issue.
