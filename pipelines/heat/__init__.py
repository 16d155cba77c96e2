"""Dagster assets of France Chaleur Urbaine's heat-network data."""
