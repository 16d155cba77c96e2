"""The online contours (Etalab 2025 layout, communes nouvelles already merged) and the mirror's
(france-geojson 2018) go through the same harmonisation and give the same communes."""
from __future__ import annotations

from geodata.sources.contours.harmonise import harmonise
from geodata.sources.contours.load import load_contours
from geodata.sources.contours.reader import COMMUNES_2018
from geodata.sources.fetch import Fetched, sha256_of
from tests.online.official_files import url_path

LILLE = "59350"


def harmonised(pg) -> dict:
    """What the harmonisation published: communes with and without a geometry, Lille's
    composition and area, and the contours of the commune made of the most 2018 communes."""
    count, missing = pg.execute("SELECT (SELECT count(*) FROM core.commune_boundary), "
                                "(SELECT array_agg(insee_code ORDER BY insee_code) "
                                " FROM core.commune_without_boundary)").fetchone()
    lille = pg.execute("SELECT contour_codes, area_km2 FROM core.commune_boundary WHERE insee_code = %s",
                       (LILLE,)).fetchone()
    areas = dict(pg.execute("SELECT insee_code, area_km2 FROM core.commune_boundary"))
    return {"count": count, "missing": missing, "lille": lille, "areas": areas,
            "codes": dict(pg.execute("SELECT insee_code, contour_codes FROM core.commune_boundary"))}


def test_online_and_mirror_contours_give_the_same_communes(pg, official_site):
    mirror = harmonised(pg)   # the session's reference, from the mirror's 2018 contours
    path = official_site[url_path(COMMUNES_2018.url)].path
    online = Fetched(COMMUNES_2018, path, sha256_of(path), COMMUNES_2018.url)
    report = load_contours(pg, online)
    assert report.vintage == "2025" and report.rows_duplicate == 45   # the arrondissements of Paris, Lyon, Marseille
    harmonise(pg, online.vintage)
    now = harmonised(pg)
    assert now["count"] == mirror["count"] == 34_868
    assert now["missing"] == mirror["missing"]
    # Lille (with Hellemmes and Lomme, associated communes, inside its contour) is the same.
    assert now["lille"][0] == mirror["lille"][0] == [LILLE]
    assert abs(now["lille"][1] - mirror["lille"][1]) < 0.01
    # A commune nouvelle: several 2018 contours dissolved by the harmonisation, one contour online.
    merged = max(mirror["codes"], key=lambda code: len(mirror["codes"][code]))
    assert len(mirror["codes"][merged]) > 5 and now["codes"][merged] == [merged]
    assert abs(now["areas"][merged] - mirror["areas"][merged]) < 0.001 * mirror["areas"][merged]
    assert pg.execute("SELECT reason FROM core.commune_without_boundary WHERE reason LIKE 'absente%%' "
                      "LIMIT 1").fetchone()[0].startswith("absente des contours 2025")
