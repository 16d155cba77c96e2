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
