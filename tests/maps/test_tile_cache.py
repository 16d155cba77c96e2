"""The tile service's disk cache: dynamic tiles kept across restarts (and shared by worker
processes), never read for another database or another load of the data."""
import gzip
from datetime import datetime, timedelta, timezone

from dashboards.tile_server import DiskCache, create_app
from observatory.national_tiles import DataVersion
from tests.maps.serving import get, running

LILLE = (10, 520, 344)
PATH = "/communes/density/{}/{}/{}.pbf".format(*LILLE)


def test_a_tile_made_once_is_read_from_disk_after_a_restart(reference_db, tmp_path):
    first = create_app(reference_db, cache_dir=tmp_path)
    with running(first) as url:
        status, _, body = get(url + PATH)
    service = first.state.service
    stored = service.disk.path(service.version, "density", *LILLE)
    assert status == 200 and b"Lille" in gzip.decompress(body)
    assert stored.read_bytes() == body
    # A marked file stands for the tile: the restarted service answers it, so it read the disk
    # and did not ask PostGIS.
    marked = gzip.compress(b"from the disk cache", mtime=0)
    stored.write_bytes(marked)
    second = create_app(reference_db, cache_dir=tmp_path)
    with running(second) as url:
        assert get(url + PATH)[2] == marked
        assert second.state.service.version == service.version


def test_another_database_or_load_reads_nothing_and_old_loads_are_removed(tmp_path):
    loaded = datetime(2026, 12, 2, 4, 20, tzinfo=timezone.utc)
    version = DataVersion(18, loaded)
    same_id_later = DataVersion(18, loaded + timedelta(hours=1))   # the same id in a recreated database
    newer = DataVersion(19, loaded + timedelta(hours=2))
    here = DiskCache(tmp_path, "postgresql://observatory@127.0.0.1:5432/one")
    there = DiskCache(tmp_path, "postgresql://observatory@127.0.0.1:5432/two")
    here.put(version, "density", *LILLE, b"here")
    there.put(version, "density", *LILLE, b"there")
    assert (here.get(version, "density", *LILLE), there.get(version, "density", *LILLE)) == (b"here", b"there")
    assert here.get(same_id_later, "density", *LILLE) is None
    assert here.get(version, "population", *LILLE) is None
    here.put(newer, "density", *LILLE, b"newer")
    here.keep_only(newer)
    assert here.get(version, "density", *LILLE) is None
    assert here.get(newer, "density", *LILLE) == b"newer"
    assert there.get(version, "density", *LILLE) == b"there"   # another database's folder is left alone


def test_a_process_stops_writing_at_its_budget(tmp_path):
    version = DataVersion(1, datetime(2026, 12, 2, tzinfo=timezone.utc))
    cache = DiskCache(tmp_path, "postgresql://observatory@127.0.0.1:5432/one", budget=10_000)
    cache.put(version, "density", 10, 1, 1, b"x" * 3000)
    cache.put(version, "density", 10, 1, 2, b"x" * 3000)
    assert cache.get(version, "density", 10, 1, 1) == b"x" * 3000
    assert cache.get(version, "density", 10, 1, 2) is None
    cache.keep_only(version)   # a new version starts a new budget
    cache.put(version, "density", 10, 1, 2, b"x" * 3000)
    assert cache.get(version, "density", 10, 1, 2) == b"x" * 3000


def test_a_tile_at_hand_answers_as_a_made_one(reference_db, tmp_path):
    """The second request finds the tile made by the first (`ReadyTiles` answers it): same
    status, body and headers; a conditional request still gets its 304."""
    with running(create_app(reference_db, cache_dir=tmp_path)) as url:
        made, at_hand = get(url + PATH), get(url + PATH)
        revalidated = get(url + PATH, {"If-None-Match": made[1]["etag"]})
    assert (made[0], at_hand[0], revalidated[0]) == (200, 200, 304)
    assert made[2] == at_hand[2] and b"Lille" in gzip.decompress(at_hand[2])
    names = ("content-type", "content-encoding", "content-length", "etag", "last-modified", "cache-control",
             "access-control-allow-origin")
    assert [made[1][name] for name in names] == [at_hand[1][name] for name in names]
    assert None not in [at_hand[1][name] for name in names]


def test_a_cache_that_cannot_be_written_only_loses_its_copies(tmp_path, caplog):
    version = DataVersion(1, datetime(2026, 12, 2, tzinfo=timezone.utc))
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    cache = DiskCache(blocked, "postgresql://observatory@127.0.0.1:5432/one")
    for y in range(3):
        cache.put(version, "density", 10, 1, y, b"x")
    assert cache.get(version, "density", 10, 1, 0) is None
    assert [record.levelname for record in caplog.records if "disk cache" in record.getMessage()] == ["WARNING"]
