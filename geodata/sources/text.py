"""Text encodings of the CSV files producers and users hand over."""
from __future__ import annotations

# Spreadsheets saved "CSV" on Windows write cp1252, a superset of Latin-1 for the printable
# range that also has œ, ’ and € where Latin-1 has control characters; Latin-1 comes last
# because it decodes any byte.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")


def detect_encoding(raw: bytes) -> str:
    """The first of UTF-8, cp1252 and Latin-1 that decodes `raw` (a UTF-8 BOM is UTF-8)."""
    for encoding in ("utf-8", *FALLBACK_ENCODINGS):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return FALLBACK_ENCODINGS[-1]  # unreachable: Latin-1 decodes any byte


# A cell starting with one of these is a formula to a spreadsheet (tab and carriage return
# too: some spreadsheets strip them and read what follows). OWASP "CSV injection".
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with an apostrophe so
    that it shows as the text it is (`=HYPERLINK(...)` -> `'=HYPERLINK(...)`); anything else
    unchanged. The one function every CSV and XLSX export applies to text cells."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# C0 control characters and DEL, except tab, line feed and carriage return (whitespace):
# NUL cannot be stored in PostgreSQL text or JSON, the others are never data.
CONTROL_CHARACTERS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
