"""Analysis side of the observatory: indicators, comparisons and map tiles as plain functions
and SQL that take a connection or an engine."""
