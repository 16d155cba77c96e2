"""Dagster definitions: assets wire source readers to loads and indicators."""
