"""Lists uploaded by a group: the folder import's review and load, within the group's communes,
and the database's refusal of a plan that leaves them."""
from __future__ import annotations

import dataclasses

import psycopg
import pytest

from geodata import db
from geodata.sources.pacte.reader import HDF_2020
from geodata.sources.pacte.store import SignatureRecord
from observatory import groups
from tests.collectifs.conftest import review




def test_the_real_hdf_list_is_reviewed_and_published_within_the_group(two_groups, mirror):
    reviewed = review(two_groups.url, mirror / HDF_2020.mirror_path, two_groups.a)
    assert reviewed.dataset == f"collectif-{two_groups.a.collectif_id}-signatures"
    # Read = loaded + quarantined + duplicates (Hellemmes and Lomme are Lille).
    loaded = {s.insee_code: s for s in reviewed.signatures}
    assert set(loaded) == {"59350", "59009"}
    assert loaded["59350"].published_names == ["Lille", "Hellemmes", "Lomme"]
    outside = [r for r in reviewed.review if r.reason == groups.COMMUNE_OUTSIDE_GROUP]
    assert reviewed.rows_read == len(reviewed.review) == 70
    assert reviewed.rows_loaded + reviewed.rows_duplicate + reviewed.count("quarantined") \
        + reviewed.count("ambiguous") + reviewed.count("unmatched") == reviewed.rows_read
    assert len(outside) == reviewed.count("quarantined") and "59512" not in loaded
    with db.contributor_connection(two_groups.url) as writer:
        run_id = groups.publish(writer, two_groups.a.token, reviewed)
    with psycopg.connect(two_groups.url) as conn:
        published = conn.execute("SELECT insee_code, council_commitment FROM core.pact_signature "
                                 "WHERE dataset = %s ORDER BY 1", (reviewed.dataset,)).fetchall()
        assert published == [("59009", "unanimous"), ("59350", "unanimous")]
        accounted = conn.execute("SELECT rows_read, rows_loaded, rows_quarantined FROM core.pact_import_run "
                                 "WHERE id = %s", (run_id,)).fetchone()
        assert accounted == (70, 2, len(outside))
        loaded = conn.execute("SELECT rows_read, rows_loaded, rows_quarantined, rows_duplicate FROM core.load_run "
                              "WHERE source = %s ORDER BY id DESC", (f"pacte:{reviewed.dataset}",)).fetchone()
        assert loaded == (70, 2, len(outside), 2) and sum(loaded[1:]) == loaded[0]  # Hellemmes, Lomme
        audit = conn.execute("SELECT action FROM core.audit_log WHERE collectif_id = %s "
                             "AND action IN ('stage_list', 'publish_list') ORDER BY id",
                             (two_groups.a.collectif_id,)).fetchall()
        assert audit[-2:] == [("stage_list",), ("publish_list",)]


def test_a_plan_naming_a_commune_of_another_group_is_refused_whole(two_groups, mirror):
    reviewed = review(two_groups.url, mirror / HDF_2020.mirror_path, two_groups.a)
    forged = dataclasses.replace(reviewed, signatures=[
        *reviewed.signatures, SignatureRecord(**{**dataclasses.asdict(reviewed.signatures[0]),
                                                 "insee_code": "59512"})])
    with psycopg.connect(two_groups.url) as conn:
        before = conn.execute("SELECT count(*) FROM core.pact_import_run").fetchone()
    with db.contributor_connection(two_groups.url) as writer:
        with pytest.raises(groups.GroupError, match="commune\\(s\\) 59512 hors des communes suivies"):
            groups.publish(writer, two_groups.a.token, forged)
        with pytest.raises(groups.GroupError, match="pas une liste de votre collectif"):
            groups.publish(writer, two_groups.b.token, reviewed)
    with psycopg.connect(two_groups.url) as conn:
        assert conn.execute("SELECT count(*) FROM core.pact_import_run").fetchone() == before


def test_ambiguous_rows_are_resolved_by_picking_a_candidate_and_formulas_are_set_aside(two_groups, tmp_path):
    listing = tmp_path / "liste.csv"
    # The code says Villeneuve-d'Ascq, the name Lomme (in Lille): ambiguous until a member picks.
    listing.write_text("commune;code insee;campagne;engagement du conseil;mesures\n"
                       "Lomme;59009;2020;unanime;1,3\n"
                       "Lille;;2020;unanime;=HYPERLINK(\"http://x\")\n", encoding="utf-8")
    first = review(two_groups.url, listing, two_groups.a)
    ambiguous = next(r for r in first.review if r.status == "ambiguous")
    assert [r.reason for r in first.review if r.status == "quarantined"] == [groups.FORMULA_IN_CELL]
    candidates = {c["insee_code"]: c for c in ambiguous.candidates}
    assert {"59009", "59350"} <= set(candidates)
    chosen = groups.candidate_of(candidates["59350"])
    second = review(two_groups.url, listing, two_groups.a, choices={ambiguous.row_number: chosen})
    assert [(s.insee_code, s.match_method, s.measures) for s in second.signatures] == \
        [("59350", groups.MEMBER_CHOICE, ["1", "3"])]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("liste.csv", b"x" * (20 * 1024 * 1024 + 1), "Fichier trop lourd : 20,0 Mo, 20 Mo au plus."),
    ("liste.pdf", b"%PDF-1.4", "Type de fichier refusé (.pdf)"),
    ("liste.xlsx", b"commune;mesures\n", "n'est pas un classeur Excel"),
    ("liste.csv", b"PK\x03\x04rest", "n'est pas un texte"),
])
def test_uploads_of_the_wrong_size_or_type_are_refused_in_french(name, data, message):
    with pytest.raises(groups.GroupError) as refused:
        groups.check_upload(name, data)
    assert message in str(refused.value)


def test_a_follow_up_workbook_is_published_and_combines_with_the_groups_entries(two_groups, tmp_path):
    from datetime import date

    from geodata import db
    from geodata.sources.pacte.template import write_template

    workbook = write_template(tmp_path / "suivi-lille.xlsx", "follow_up", rows=[
        ["Lille", "59350", "59", "2020", "12", "en cours", "2026-03-01", "https://www.lille.fr/renovation",
         "Plan de rénovation", "Collectif A"],
        ["Villeneuve-d'Ascq", "", "59", "2020", "14", "réalisée", "2026-05-01", "https://villeneuvedascq.fr/bus",
         "", ""],
        ["Roubaix", "", "59", "2020", "14", "en cours", "2026-05-01", "", "", ""],
    ])
    reviewed = review(two_groups.url, workbook, two_groups.a)
    assert reviewed.kind == "follow_up"
    assert reviewed.dataset.startswith(f"collectif-{two_groups.a.collectif_id}-suivi-")
    assert [(f.insee_code, f.measure_number, f.status) for f in reviewed.follow_ups] == [
        ("59350", "12", "in_progress"), ("59009", "14", "done")]
    assert [r.reason for r in reviewed.review if r.status == "quarantined"] == [groups.COMMUNE_OUTSIDE_GROUP]
    with db.contributor_connection(two_groups.url) as writer:  # a membre publishes a follow-up list
        groups.publish(writer, two_groups.a_member.token, reviewed)
    with psycopg.connect(two_groups.url) as conn:
        conn.execute("""INSERT INTO core.pact_commitment (signature_id, measure_number)
                        SELECT id, '12' FROM core.pact_signature
                        WHERE insee_code = '59350' AND dataset = 'pacte-hdf-2020'""")
    latest = """SELECT status, status_date FROM observatory.pact_commitment
                WHERE insee_code = '59350' AND measure_number = '12'"""
    with psycopg.connect(two_groups.url) as reader:
        reader.execute(f"SET ROLE {db.READER_ROLE}")
        assert reader.execute(latest).fetchone() == ("in_progress", date(2026, 3, 1))
    with db.contributor_connection(two_groups.url) as writer:
        groups.add_entry(writer, two_groups.a_member.token, insee_code="59350", measure="12", status="done",
                         status_date=date(2026, 9, 1), evidence_url="https://www.lille.fr/renovation-2")
    with psycopg.connect(two_groups.url) as reader:
        reader.execute(f"SET ROLE {db.READER_ROLE}")
        assert reader.execute(latest).fetchone() == ("done", date(2026, 9, 1))
        timeline = reader.execute("""SELECT origin, status, collectif_name FROM observatory.pact_follow_up_timeline
                                     WHERE insee_code = '59350' AND measure_number = '12'
                                     ORDER BY status_date""").fetchall()
    assert timeline == [("liste", "in_progress", "Collectif A"), ("saisie", "done", "Collectif A")]
