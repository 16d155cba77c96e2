"""Bad requests to the tile service get a 4xx at once, never a 5xx or a hang, and a client
that never finishes its request is cut off without holding up the others."""
import socket
import time

import pytest

from dashboards.tile_server import create_app
from tests.maps.serving import get, running

REQUEST_SECONDS = 1.0


@pytest.fixture(scope="module")
def tiles(reference_db):
    with running(create_app(reference_db), request_seconds=REQUEST_SECONDS) as url:
        yield url


def raw(url: str, request: bytes, timeout: float = 5) -> tuple[bytes, float]:
    """Send bytes as they are (no client normalises the path); the answer and its delay."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer, time.monotonic() - started


@pytest.mark.parametrize(("path", "status"), [
    ("/communes/nope/5/16/11.pbf", 404),
    ("/communes/density/23/0/0.pbf", 400),
    ("/communes/density/99/0/0.pbf", 400),
    ("/communes/density/5/32/11.pbf", 400),
    ("/communes/density/5/-1/11.pbf", 400),
    ("/communes/density/5/16/-3.pbf", 400),
    ("/communes/density/5/99999999999999999999999999/11.pbf", 400),
    ("/communes/density/5/" + "9" * 5000 + "/11.pbf", 400),
    ("/communes/density/5/1e3/11.pbf", 400),
    ("/communes/density/5/16/11.png", 404),
    ("/communes/density/5/16.pbf", 404),
    ("/national/nope.png", 404),
    ("/nothing-here", 404),
])
def test_impossible_tiles_are_refused_at_once(tiles, path, status):
    started = time.monotonic()
    assert get(f"{tiles}{path}", timeout=5)[0] == status
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("target", [
    b"/communes/density/../../../../etc/passwd",
    b"/communes/../../etc/passwd/5/16/11.pbf",
    b"/communes/%2e%2e%2f%2e%2e%2fetc%2fpasswd/5/16/11.pbf",
    b"/national/..%2f..%2f..%2fetc%2fpasswd.png",
    b"/national/%2e%2e.png",
    b"/workers/../../../etc/passwd",
])
def test_path_traversal_finds_nothing(tiles, target):
    answer, seconds = raw(tiles, b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 404") and b"root:" not in answer
    assert seconds < 1


def test_other_methods_and_oversized_headers_are_refused(tiles):
    answer, _ = raw(tiles, b"POST /communes/density/5/16/11.pbf HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                           b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405")
    # A request head beyond the limit: refused, or the connection reset when the server closes
    # it before reading the rest of what was sent.
    started = time.monotonic()
    try:
        answer, _ = raw(tiles, b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n")
    except (ConnectionResetError, BrokenPipeError):
        answer = b"reset"
    assert answer.startswith(b"HTTP/1.1 431") or answer == b"reset"
    assert time.monotonic() - started < 1
    answer, _ = raw(tiles, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")


def test_a_client_that_never_finishes_its_request_gets_408_and_holds_no_one(tiles):
    host, port = tiles.removeprefix("http://").split(":")
    silent = socket.create_connection((host, int(port)), timeout=10)
    partial = socket.create_connection((host, int(port)), timeout=10)
    dribbling = socket.create_connection((host, int(port)), timeout=10)
    started = time.monotonic()
    partial.sendall(b"GET /communes/density/5/16/11.pbf HTTP/1.1\r\nHost: t\r\n")
    # Others are answered meanwhile.
    status, _, body = get(f"{tiles}/health", timeout=2)
    assert (status, body) == (200, b"ok") and time.monotonic() - started < 0.5
    # One byte every 0.1 s (each resets an idle timer) until near the deadline: still cut.
    for byte in b"GET /health HTTP/1.1\r\nHost: t\r\n":
        if time.monotonic() - started > REQUEST_SECONDS * 0.8:
            break
        dribbling.sendall(bytes([byte]))
        time.sleep(0.1)
    answers = {}
    for name, sock in (("silent", silent), ("partial", partial), ("dribbling", dribbling)):
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        answers[name] = (answer.split(b"\r\n", 1)[0], time.monotonic() - started)
        sock.close()
    for name, (status_line, seconds) in answers.items():
        assert status_line == b"HTTP/1.1 408 Request Timeout", name
        assert seconds < REQUEST_SECONDS + 1.5, (name, seconds)


def test_a_keep_alive_connection_is_cut_after_an_unfinished_second_request(tiles):
    host, port = tiles.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        rest = b""
        while chunk := sock.recv(4096):
            rest += chunk
        assert rest.startswith(b"HTTP/1.1 408") and time.monotonic() - started < REQUEST_SECONDS + 1.5
