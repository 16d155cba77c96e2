"""Property-based: Hypothesis builds hostile CSV and XLSX files for each reader (stray quotes,
separators inside values, far cells, formulas, control characters, huge measure ranges,
impossible dates, broken bytes) and checks, under a time and memory bound per file:
no exception escapes but the reader's own French refusal, every row read is loaded,
quarantined or a duplicate, and nothing published changes when a load is refused.

Kept to about two minutes: a few dozen examples per reader, no shrinking deadline."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from geodata.load import LoadError
from geodata.sources.fetch import Fetched
from geodata.sources.heat.arrete import read_arrete
from geodata.sources.heat.reader import POTENTIAL_COLUMNS, read_potential
from geodata.sources.irve.reader import DERIVED_EXTRACT, SCHEMA, IrveFormatError, read_irve
from geodata.sources.pacte.reader import PacteFileError, parse_signatures
from observatory import attribute_cli, pact
from pipelines.irve.load import load_charging_points
from tests.irve.files import point
from tests.pacte.conftest import catalogue, reconciliation_reference  # noqa: F401 (fixtures)

from .conftest import bounded

TODAY = date(2026, 12, 1)
PER_FILE = dict(seconds=5, mib=64)
# Derandomised (the same examples in CI and on a laptop) and without an example database
# (nothing written into the work tree).
SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])

# Values users and attackers actually type, mixed with arbitrary text.
NASTY = ['"', '"x', 'x"', '""', ";", ",", "\t", "\n", "\r\n", "\x00", "\x07", "\ufeff", "é", "Œ",
         "1;3;12", "1-1000000", "1-40000", "A,B,C", "=HYPERLINK(\"http://x\";\"y\")",
         "=cmd|' /C calc'!A0", "@SUM(A1)", "+1", "-1", "2020-2026", "1850-01-01", "2021-02-30",
         "31/02/2026", "2026-01-02", "9999-12-31", "oui", "non", "peut-être", "majoritaire",
         "Lille", "Roubaix", "Marly", "Saint-Étienne", "", " ", "x" * 300]
cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=30),
                 st.lists(st.sampled_from(NASTY), max_size=4).map("".join))
HEADERS = ["commune", "code insee", "departement", "campagne", "liste", "elu", "engagement",
           "mesures", "date", "source", "Nom de la\ncommune", "commune", "inconnue", ""]


@st.composite
def pact_csv(draw) -> bytes:
    delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8))
    if draw(st.booleans()):
        header[0] = "commune"
    rows = draw(st.lists(st.lists(cell, max_size=10), max_size=12))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_NONE, csv.QUOTE_ALL]))
    buffer = io.StringIO()
    if quoting == csv.QUOTE_NONE:     # hand-written: nothing escaped, quotes left as typed
        for row in [header, *rows]:
            buffer.write(delimiter.join(row) + draw(st.sampled_from(["\n", "\r\n"])))
    else:
        csv.writer(buffer, delimiter=delimiter, quoting=quoting).writerows([header, *rows])
    data = buffer.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])), "replace")
    # A few broken bytes: a cut, a stray byte.
    cut = draw(st.integers(0, len(data)))
    if draw(st.booleans()):
        data = data[:cut] + draw(st.binary(max_size=3)) + data[cut:]
    return data


far_coordinate = st.one_of(st.tuples(st.integers(1, 20), st.integers(1, 8)),
                           st.tuples(st.sampled_from([1048576, 65536, 5000]), st.sampled_from([1, 16384, 200])))
xlsx_value = st.one_of(cell, st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                       st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
                       st.sampled_from(["=1+2", "=SUM(A1:A3)", '=HYPERLINK("x")']))


@st.composite
def pact_xlsx(draw, tmp_path) -> "Path":  # noqa: F821
    workbook = Workbook()
    sheet = workbook.active
    title_rows = draw(st.integers(0, 2))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
    for c, label in enumerate(header, start=1):
        sheet.cell(row=title_rows + 1, column=c, value=label.strip("\n") or None)
    for (r, c), value in draw(st.lists(st.tuples(far_coordinate, xlsx_value), max_size=15)):
        if isinstance(value, str) and value and value[0] not in "=" and any(ch < " " and ch not in "\t\n\r" for ch in value):
            value = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")   # openpyxl refuses them
        sheet.cell(row=min(r + title_rows + 1, 1048576), column=c, value=value)
    if draw(st.booleans()):
        sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=draw(st.integers(1, 4)))
    path = tmp_path / f"liste-{draw(st.integers(0, 10**9))}.xlsx"
    workbook.save(path)
    return path


def check_pact(path) -> None:
    with bounded(**PER_FILE):
        try:
            parsed = parse_signatures(path, today=TODAY, campaign="municipales-2026")
        except PacteFileError as error:
            assert str(error) and "Traceback" not in str(error)
            return
    assert parsed.rows_read == len(parsed.rows) + len(parsed.rejected)
    lines = [row.row_number for row in parsed.rows] + list(parsed.rejected)
    assert len(lines) == len(set(lines)) and all(line >= 1 for line in lines)
    assert all(r.reason and r.detail for r in parsed.rejected.values())


@settings(max_examples=150, **SETTINGS)
@given(data=pact_csv())
def test_pact_csv_reader_holds(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("pact") / "liste.csv"
    path.write_bytes(data)
    check_pact(path)


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_pact_xlsx_reader_holds(tmp_path_factory, data):
    check_pact(data.draw(pact_xlsx(tmp_path_factory.mktemp("xlsx"))))


@settings(max_examples=25, **SETTINGS)
@given(data=pact_csv())
def test_refused_pact_file_changes_nothing_published(catalogue, reconciliation_reference, tmp_path_factory,  # noqa: F811
                                                     data):
    """A list published, then the same dataset sent again as a hostile file: refused and the
    list stays, or accepted and every row accounted for."""
    conn = catalogue
    folder = tmp_path_factory.mktemp("again")
    good = folder / "liste.csv"
    good.write_text("commune;departement\nLille;59\n", encoding="utf-8")
    with conn.transaction(force_rollback=True):
        pact.import_list(conn, good, dataset="collectif", today=TODAY, campaign="municipales-2020",
                         reference=reconciliation_reference)
        before = conn.execute("SELECT insee_code, import_run_id FROM core.pact_signature "
                              "WHERE dataset = 'collectif'").fetchall()
        hostile = folder / "hostile.csv"
        hostile.write_bytes(data)
        try:
            plan = pact.import_list(conn, hostile, dataset="collectif", today=TODAY,
                                    campaign="municipales-2020", reference=reconciliation_reference)
        except PacteFileError:
            after = conn.execute("SELECT insee_code, import_run_id FROM core.pact_signature "
                                 "WHERE dataset = 'collectif'").fetchall()
            assert after == before
            return
        assert len(plan.review) == plan.rows_read
        assert plan.count("matched") == plan.rows_loaded + plan.rows_duplicate
        published = conn.execute("SELECT count(*) FROM core.pact_signature WHERE dataset = 'collectif'").fetchone()[0]
        assert published == plan.rows_loaded


# -- IRVE ------------------------------------------------------------------------------------

irve_value = st.one_of(st.sampled_from(NASTY + ["1e400", "150000", "nan", "-1", "0001-01-01", "2099-01-01",
                                                "[2.35,48.85]", "[48.85,2.35]", "[0,0]", "true", "Non concerné"]),
                       st.text(max_size=20))
IRVE_FIELDS = ["nom_station", "adresse_station", "puissance_nominale", "date_mise_en_service", "date_maj",
               "coordonneesXY", "id_pdc_itinerance", "horaires", "prise_type_combo_ccs", "code_insee_commune"]


@st.composite
def irve_rows(draw) -> list[dict]:
    rows = []
    for n in range(draw(st.integers(0, 8))):
        overrides = draw(st.dictionaries(st.sampled_from(IRVE_FIELDS), irve_value, max_size=3))
        rows.append(point(draw(st.integers(0, 3)) if draw(st.booleans()) else n, **overrides))
    return rows


def irve_bytes(draw, irve_csv, rows) -> bytes:
    data = irve_csv(rows).read_bytes()
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.sampled_from([b'"', b"\x00", b",", b"\n", b"\xff", b""])) + data[cut:]
    return data


@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_irve_reader_holds(irve_csv, schema_path, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("irve") / "irve.csv"
    path.write_bytes(irve_bytes(data.draw, irve_csv, data.draw(irve_rows())))
    with bounded(**PER_FILE):
        try:
            read = read_irve(path, schema_path, today=TODAY)
        except IrveFormatError as error:
            assert str(error)
            return
    assert read.rows_read == len(read.points) + len(read.rejected) + read.rows_duplicate
    assert not read.points["power_kw"].gt(1000).any()
    for rejected in read.rejected:
        assert "\x00" not in str(rejected.payload)


@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_irve_load_refused_or_accounted(pg, irve_csv, schema_path, tmp_path_factory, data):
    """Published points change only by a load that accounts for every row."""
    path = tmp_path_factory.mktemp("irveload") / "irve.csv"
    path.write_bytes(irve_bytes(data.draw, irve_csv, data.draw(irve_rows())))
    schema = Fetched(SCHEMA, schema_path, "0" * 64, "mirror")
    with pg.transaction(force_rollback=True):
        pg.execute("INSERT INTO core.charging_point (station_name, power_kw, is_fast_dc, geom) VALUES "
                   "('déjà publié', 22, false, ST_SetSRID(ST_MakePoint(652000, 6862000), 2154))")
        before = pg.execute("SELECT count(*), max(station_name) FROM core.charging_point").fetchone()
        try:
            with pg.transaction():
                loaded = load_charging_points(pg, Fetched(DERIVED_EXTRACT, path, "0" * 64, "mirror"), schema)
        except (IrveFormatError, LoadError):
            assert pg.execute("SELECT count(*), max(station_name) FROM core.charging_point").fetchone() == before
            return
        report = loaded.report
        assert report.rows_read == report.rows_loaded + report.rows_quarantined + report.rows_duplicate
        assert pg.execute("SELECT count(*) FROM core.charging_point").fetchone()[0] == report.rows_loaded


# -- attribute ---------------------------------------------------------------------------------

@st.composite
def points_csv(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";"]))
    header = draw(st.lists(st.sampled_from(["site", "lon", "lat", "insee_code", "commune_name", "note",
                                            "x\ny", "lon"]), min_size=0, max_size=6))
    header = ["lon", "lat", *header]
    coordinate = st.one_of(st.sampled_from(["1.4433", "43.6045", "0", "", "abc", "1e400", "-3,2", "47,0"]),
                           st.floats(-200, 200).map(str))
    rows = draw(st.lists(st.lists(st.one_of(coordinate, cell), max_size=8), max_size=10))
    buffer = io.StringIO()
    if draw(st.booleans()):
        csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    else:
        buffer.write("\n".join(delimiter.join(row) for row in [header, *rows]) + "\n")
    return buffer.getvalue().encode(draw(st.sampled_from(["utf-8", "cp1252"])), "replace")


@settings(max_examples=30, **SETTINGS)
@given(data=points_csv())
def test_attribute_keeps_every_row(pg, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("points") / "points.csv"
    path.write_bytes(data)
    with bounded(**PER_FILE):
        try:
            attributed = attribute_cli.attribute_csv(pg, path)
        except (attribute_cli.InputError, attribute_cli.ColumnError) as error:
            assert str(error)
            return
    out = io.StringIO()
    written = attributed.write(out)
    points = attributed.points
    assert written == len(points.lines) == len(attributed.insee_code)
    back = list(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=points.delimiter))
    assert back[0][:len(points.written_header)] == points.written_header and len(back) == written + 1
    assert not any("ligne ?" in line for line in attributed.report)


# -- heat networks: the arrêté DPE CSV and FCU's potential workbook ---------------------------------

ARRETE_HEADER = ["identifiant", "nom", "localisation", "contenu_co2", "contenu_co2_acv", "taux_enrr",
                 "annee_reference"]
arrete_value = st.one_of(cell, st.sampled_from(["0101C", "2A012C", "9999F", "0.1", "0,12", "-0.1", "1e400", "nan",
                                                "100.5", "60", "2024", "Moyenne", "BELLEY", "COMMUNE DE X"]))


@st.composite
def arrete_csv(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";"]))
    header = list(ARRETE_HEADER)
    if draw(st.sampled_from([False, False, False, True])):   # a column dropped, repeated or unknown
        header = draw(st.lists(st.sampled_from([*ARRETE_HEADER, "inconnue", ""]), min_size=1, max_size=9))
    rows = []
    for n in range(draw(st.integers(0, 10))):    # a valid row, a few of its fields made hostile
        row = [f"01{n % 4:02d}C", f"RESEAU {n}", "BELLEY", "0.1", "0.12", "60", "2024"]
        for index, value in draw(st.lists(st.tuples(st.integers(0, 8), arrete_value), max_size=2)):
            row[index:index + 1] = [value]
        rows.append(row)
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_NONE, csv.QUOTE_ALL]))
    buffer = io.StringIO()
    if quoting == csv.QUOTE_NONE:
        buffer.write("".join(delimiter.join(row) + "\n" for row in [header, *rows]))
    else:
        csv.writer(buffer, delimiter=delimiter, quoting=quoting).writerows([header, *rows])
    data = buffer.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])), "replace")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=3)) + data[cut:]
    return data


@settings(max_examples=80, **SETTINGS)
@given(data=arrete_csv())
def test_arrete_reader_holds(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("arrete") / "arrete.csv"
    path.write_bytes(data)
    with bounded(**PER_FILE):
        try:
            parsed = read_arrete(path)
        except ValueError as error:       # the reader's own refusals name the file
            assert "arrete.csv" in str(error)
            return
    assert parsed.rows_read == len(parsed.networks) + len(parsed.rejected) + parsed.rows_duplicate
    lines = [int(r.row_ref.rsplit(":", 1)[1]) for r in parsed.rejected]
    assert len(lines) == len(set(lines)) and all(line >= 2 for line in lines)
    assert all(r.reason and "\x00" not in str(r.payload) for r in parsed.rejected)
    assert all(0 <= n.co2_kg_per_kwh < 2 and 0 <= (n.renewable_share_pct or 0) <= 100 for n in parsed.networks)


potential_value = st.one_of(xlsx_value, st.integers(-5, 10**9), st.sampled_from(["01", "2A", "20", "975", 1, None]))


@st.composite
def potential_xlsx(draw, tmp_path) -> "Path":  # noqa: F821
    workbook = Workbook()
    workbook.active.title = "50m_departement"
    for distance in (100, 150):
        workbook.create_sheet(f"{distance}m_departement")
    header = ["Code département insee", "Département", *POTENTIAL_COLUMNS]
    for sheet in workbook.worksheets:
        sheet.append(header if draw(st.sampled_from([True] * 9 + [False])) else header[:-1])
        for line in range(2, draw(st.integers(2, 6))):
            sheet.append(["01", "Ain", *draw(st.lists(st.integers(0, 10**6), min_size=12, max_size=12))])
        for (r, c), value in draw(st.lists(st.tuples(far_coordinate, potential_value), max_size=10)):
            if isinstance(value, str):
                value = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")   # openpyxl refuses them
            sheet.cell(row=min(r + 1, 1048576), column=c, value=value)
    path = tmp_path / f"potentiel-{draw(st.integers(0, 10**9))}.xlsx"
    workbook.save(path)
    return path


@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_potential_reader_holds(tmp_path_factory, data):
    path = data.draw(potential_xlsx(tmp_path_factory.mktemp("potential")))
    with bounded(**PER_FILE):
        try:
            parsed = read_potential(path)
        except ValueError as error:
            assert path.name in str(error)
            return
    assert parsed.rows_read == len(parsed.rows) + len(parsed.rejected)
    assert all(isinstance(n, int) and n >= 0 for row in parsed.rows for n in row[3:])


def test_heat_strategies_reach_loads_quarantines_and_refusals(tmp_path):
    """The arrêté files drawn are not all refused: some load networks, some quarantine rows."""
    outcomes = set()

    @settings(max_examples=80, database=None, derandomize=True, deadline=None)
    @given(data=arrete_csv())
    def collect(data):
        path = tmp_path / "arrete.csv"
        path.write_bytes(data)
        try:
            parsed = read_arrete(path)
        except ValueError:
            outcomes.add("refused")
            return
        outcomes.update({"networks"} if parsed.networks else set())
        outcomes.update(r.reason for r in parsed.rejected)
    collect()
    assert {"refused", "networks", "extra_fields", "control_characters", "malformed_value"} <= outcomes


def test_suite_draws_far_cells_and_formulas():
    """The strategies do produce the hostile shapes they are meant to (not only tame files)."""
    seen = set()

    @settings(max_examples=200, database=None, derandomize=True)
    @given(data=pact_csv())
    def collect(data):
        text = data.decode("utf-8", "replace")
        seen.update(shape for shape, present in (("quote", '"' in text), ("formula", "=" in text),
                                                 ("range", "1-1000000" in text), ("nul", "\x00" in text))
                    if present)
    collect()
    assert seen == {"quote", "formula", "range", "nul"}


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
