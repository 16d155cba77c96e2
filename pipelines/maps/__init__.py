"""Dagster asset of the static national map tiles."""
