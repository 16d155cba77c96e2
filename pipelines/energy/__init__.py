"""Dagster asset of the per-commune energy indicators."""
