"""The import folder with bad files among good ones: each bad file gets its own refused run
in the review, the others are imported, and what a refused file would replace stays."""
from __future__ import annotations

import psycopg
import pytest
from dagster import materialize

from geodata.sources.pacte.template import write_template
from pipelines.pacte import assets, checks
from pipelines.pacte.resources import PacteImports
from pipelines.resources import PostGIS, Sources
from tests.pacte.conftest import remove_committed_pact


@pytest.fixture
def committed_db(reference_db: str):
    yield reference_db
    remove_committed_pact(reference_db)


def run_assets(url: str, mirror, folder):
    return materialize([assets.pact_catalogue, assets.pact_signatures, assets.pact_follow_up,
                        checks.signature_rows_accounted_for, checks.follow_up_rows_accounted_for],
                       resources={"postgis": PostGIS(database_url=url), "sources": Sources(mirror=str(mirror)),
                                  "pacte_imports": PacteImports(import_dir=str(folder))})


def published(url: str, dataset: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT insee_code, list_name FROM core.pact_signature WHERE dataset = %s "
                            "ORDER BY insee_code", (dataset,)).fetchall()


def test_one_bad_file_does_not_stop_the_others(committed_db, mirror, tmp_path):
    folder = tmp_path / "imports"
    folder.mkdir()
    write_template(folder / "a-lille-municipales-2020.csv", "signatures",
                   [["Lille", "", "59", "", "", "Liste A", "", "oui", "unanime", "3", "2020-06-01", ""]])
    (folder / "b-cassee-municipales-2020.csv").write_text(
        'commune;mesures\nRoubaix;"1\nTourcoing;2\n', encoding="utf-8")            # stray quote
    (folder / "c-pas-un-classeur.xlsx").write_bytes(b"PK\x03\x04 rien")
    (folder / "catalogue-sans-campagne.csv").write_text("numero\n1\n", encoding="utf-8")
    write_template(folder / "d-seclin-municipales-2020.csv", "signatures",
                   [["Seclin", "", "59", "", "", "Liste D", "", "oui", "", "3", "2020-06-01", ""]])
    write_template(folder / "suivi-lille.csv", "follow_up",
                   [["Lille", "", "59", "municipales-2020", "3", "en cours", "2024-09-01", "", "", ""]])
    result = run_assets(committed_db, mirror, folder)
    assert result.success
    signatures = result.asset_materializations_for_node("pact_signatures")[0].metadata
    refused = signatures["files_refused"].value
    assert len(refused) == 2
    assert "b-cassee-municipales-2020.csv: ligne 2, un guillemet" in refused[0]
    assert "c-pas-un-classeur.xlsx: classeur XLSX illisible" in refused[1]
    catalogue = result.asset_materializations_for_node("pact_catalogue")[0].metadata
    assert "nommez le fichier catalogue-<campagne>" in catalogue["files_refused"].value[0]
    follow_up = result.asset_materializations_for_node("pact_follow_up")[0].metadata
    assert follow_up["follow_up_rows_published"].value == 1 and follow_up["files_refused"].value == []
    assert published(committed_db, "a-lille-municipales-2020") == [("59350", "Liste A")]
    assert published(committed_db, "d-seclin-municipales-2020") == [("59560", "Liste D")]
    with psycopg.connect(committed_db) as conn:
        runs = dict(conn.execute("SELECT file_name, messages FROM observatory.pact_import_run "
                                 "WHERE rows_read = 0").fetchall())
    assert set(runs) == {"b-cassee-municipales-2020.csv", "c-pas-un-classeur.xlsx", "catalogue-sans-campagne.csv"}
    assert runs["b-cassee-municipales-2020.csv"][0].startswith("Fichier refusé, rien n'a été chargé")


def test_refused_correction_leaves_the_published_list(committed_db, mirror, tmp_path):
    folder = tmp_path / "imports"
    folder.mkdir()
    path = folder / "collectif-municipales-2020.csv"
    write_template(path, "signatures",
                   [["Lille", "", "59", "", "", "Liste A", "", "oui", "unanime", "3", "2020-06-01", ""]])
    assert run_assets(committed_db, mirror, folder).success
    before = published(committed_db, "collectif-municipales-2020")
    assert before == [("59350", "Liste A")]
    # The corrected file comes back broken: refused, and the list already published stays.
    path.write_text('commune;mesures\nLille;"1\nRoubaix;2\n', encoding="utf-8")
    result = run_assets(committed_db, mirror, folder)
    assert result.success
    assert result.asset_materializations_for_node("pact_signatures")[0].metadata["files_refused"].value
    assert published(committed_db, "collectif-municipales-2020") == before
    # The accounting checks read the run that published the list, not the refused one.
    assert all(e.passed for e in result.get_asset_check_evaluations())
