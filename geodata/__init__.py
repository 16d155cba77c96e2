"""Storage side of the observatory: schema, migrations, PostGIS access and source readers.

This package imports nothing from ``observatory``, ``pipelines`` or ``dashboards``.
"""
