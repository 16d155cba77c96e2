"""Commune search: every official name typed as published, its latency and whether the commune
comes in the first three, against the search it replaced (same run, same database).

Usage: .venv/bin/python benchmarks/search.py [DATABASE_URL]   (default: `observatory db url`)
The database must hold the reference (after `observatory pipelines`). The former search reads
every name per query (~50 ms): it is timed on every BASELINE_STEP-th name only, the current one
on all of them. Homonyms (names that fold
alike) are typed with their département code, "Sainte-Colombe (35)", as the search documents;
their share by name alone is printed too. Run it on a quiet machine.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import Counter

import sqlalchemy as sa

from geodata import db
from geodata.names import fold_name
from observatory.communes import search_communes

# The search before migration 0006, kept here as the baseline: names folded by `lower()` and
# `translate()`, which the C locale's lower() defeats on É, Î, Œ...
_ACCENTED, _PLAIN = "àâäáãéèêëíìîïóòôöõúùûüçÿœæ’", "aaaaaeeeeiiiiooooouuuucyoa "
_OLD_FOLD = (f"btrim(regexp_replace(translate(translate(lower(c.name), '{_ACCENTED}', '{_PLAIN}'), "
             "'-''', '  '), '\\s+', ' ', 'g'))")
BASELINE = sa.text(f"""
SELECT c.insee_code FROM observatory.commune c
WHERE {_OLD_FOLD} LIKE :prefix OR {_OLD_FOLD} LIKE :inner OR :code = ANY(c.postcodes) OR c.insee_code = :code
ORDER BY ({_OLD_FOLD} = :exact) DESC, ({_OLD_FOLD} LIKE :prefix) DESC, c.population DESC NULLS LAST
LIMIT 3""")


def baseline_search(conn: sa.Connection, query: str) -> list[str]:
    folded = " ".join(query.lower().translate(str.maketrans(_ACCENTED, _PLAIN))
                      .replace("-", " ").replace("'", " ").split())
    return [row[0] for row in conn.execute(BASELINE, {
        "prefix": f"{folded}%", "inner": f"% {folded}%", "exact": folded, "code": query.strip().upper()})]


def sweep(conn, queries, search) -> tuple[list[float], int]:
    latencies, found = [], 0
    for code, query in queries:
        started = time.perf_counter()
        codes = search(conn, query)
        latencies.append((time.perf_counter() - started) * 1000)
        found += code in codes[:3]
    return latencies, found


BASELINE_STEP = 20


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share) - 1]


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else db.resolve_url()
    engine = db.make_reader_engine(url)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT insee_code, name, departement_code FROM observatory.commune")).all()
        homonyms = Counter(fold_name(name) for _, name, _ in names)
        typed = [(code, f"{name} ({dep})" if homonyms[fold_name(name)] > 1 else name) for code, name, dep in names]
        by_name_alone = [(code, name) for code, name, _ in names if homonyms[fold_name(name)] > 1]
        rows = []
        current = lambda c, q: [r["insee_code"] for r in search_communes(c, q, 3)]  # noqa: E731
        for label, search, step in ((f"before, 1 name in {BASELINE_STEP}", baseline_search, BASELINE_STEP),
                                    (f"now, 1 name in {BASELINE_STEP}", current, BASELINE_STEP),
                                    ("now, every name", current, 1)):
            latencies, found = sweep(conn, typed[::step], search)
            _, homonyms_found = sweep(conn, by_name_alone[::step], search)
            rows.append((label, len(typed[::step]), found, statistics.median(latencies), percentile(latencies, 95),
                         percentile(latencies, 99), max(latencies), homonyms_found, len(by_name_alone[::step])))
    print(f"{'search':<28}{'names':>7}{'top 3':>9}{'share':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
          f"{'max ms':>8}  homonyms by name alone")
    for label, count, found, p50, p95, p99, worst, h_found, h_count in rows:
        print(f"{label:<28}{count:>7}{found:>9}{found / count:>9.2%}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}"
              f"{worst:>8.1f}  {h_found}/{h_count}")
    print(f"p95 ratio now/before (same names): {rows[1][4] / rows[0][4]:.2f}")


if __name__ == "__main__":
    main()
