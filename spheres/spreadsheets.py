"""What every spreadsheet the product writes shares: text that a spreadsheet would run as a formula
(or a DDE command) is written as plain text. The core holds it so every app can use it: the
coordinator's notes export (followups), the admin's staff exports (spheres) and the research
export and dashboards (research)."""

# OWASP's CSV-injection advice: a cell starting with one of these may be read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A leading apostrophe makes text that starts like a formula plain text in every
    spreadsheet; anything else (numbers, dates, ordinary text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
