"""The real servers: each app's command line serves the API over HTTP on an SQLite file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from attrs import frozen

from examples.flask_app.guards import BODY_TOO_LARGE, MAX_BODY_BYTES, MAX_HEADER_BYTES
from socialfeed import SocialFeed
from tests.http.conftest import FRAMEWORKS
from tests.support import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20.0


@frozen
class Server:
    """A running server process: its base URL, its database URL and where its output goes."""

    url: str
    database_url: str
    output: Path


def free_port() -> int:
    """Return a TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(process: subprocess.Popen[bytes], url: str, output: Path) -> None:
    """Poll the server until it answers any HTTP request, failing if it dies or takes too long."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{output.read_text()}")
        try:
            httpx.get(f"{url}/api/users/1", timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"the server did not answer within {STARTUP_TIMEOUT} s:\n{output.read_text()}")


@pytest.fixture(params=FRAMEWORKS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """Start ``python -m examples.<framework>_app`` on a free port; always stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp_path / 'server.db'}"
    output = tmp_path / "server.log"
    env = {**os.environ, "SOCIALFEED_DATABASE_URL": database_url}
    command = [sys.executable, "-m", f"examples.{request.param}_app"]
    with output.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_answering(process, url, output)
        yield Server(url, database_url, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_server_serves_the_api(server: Server) -> None:
    """Over real HTTP: register, log in, post, read the feed, log out; the token then fails."""
    assert f"listening on {server.url}" in server.output.read_text()
    account = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        registered = client.post("/api/auth/register", json=account)
        assert registered.status_code == 201, registered.text
        login = client.post(
            "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}

        created = client.post("/api/posts", json={"content": "over the wire"}, headers=auth)
        assert created.status_code == 201, created.text
        feed = client.get("/api/feed", headers=auth)
        assert feed.status_code == 200, feed.text
        assert [post["content"] for post in feed.json()] == ["over the wire"]
        assert feed.headers["content-type"] == "application/json"

        logout = client.post("/api/auth/logout", headers=auth)
        assert (logout.status_code, logout.content) == (204, b"")
        refused = client.get("/api/feed", headers=auth)
        assert refused.status_code == 401
        assert refused.json() == {"detail": "Invalid token"}

    # The writes reached the database the environment named.
    stored = SocialFeed.from_url(server.database_url, create_schema=False)
    try:
        assert stored.posts.get(created.json()["id"]).content == "over the wire"
    finally:
        stored.close()


def _raw_exchange(url: str, head: bytes, chunks: Iterable[bytes] = ()) -> tuple[int, bytes]:
    """Send a request as raw bytes and return the status and body of the answer.

    The server may answer and close before the body is all sent: sending then
    stops, and the answer is read all the same.
    """
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10.0) as conn:
        try:
            conn.sendall(head)
            for chunk in chunks:
                conn.sendall(chunk)
        except OSError:
            pass
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            data = conn.recv(65536)
            if not data:
                break
            received += data
    status_line, _, rest = received.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), body


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def test_server_refuses_a_large_body_unread(server: Server) -> None:
    """A 10 MB Content-Length is answered 413 in the API's shape without the body being sent."""
    head = (
        b"POST /api/posts HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10485760\r\n\r\n{"
    )

    status, body = _raw_exchange(server.url, head)

    assert (status, json.loads(body)) == (413, {"detail": BODY_TOO_LARGE})


def test_server_refuses_a_chunked_body_past_the_limit(server: Server) -> None:
    """A chunked body is refused with 413 once it passes the limit, whatever comes after."""
    head = (
        b"POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b" " * 16384
    chunks = [b"4000\r\n" + piece + b"\r\n"] * (MAX_BODY_BYTES // len(piece) + 2) + [b"0\r\n\r\n"]

    status, body = _raw_exchange(server.url, head, chunks)

    assert (status, json.loads(body)) == (413, {"detail": BODY_TOO_LARGE})


def _login_body(size: int) -> bytes:
    """A login body of exactly ``size`` bytes: JSON padded with spaces."""
    body = json.dumps({"email": "nobody@example.com", "password": PASSWORD}).encode()
    return body + b" " * (size - len(body))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_server_takes_a_body_of_the_limit_and_refuses_one_byte_more(
    server: Server, chunked: bool
) -> None:
    """A body of exactly MAX_BODY_BYTES reaches the route; one byte more is 413, however framed."""
    for size, expected in [(MAX_BODY_BYTES, 401), (MAX_BODY_BYTES + 1, 413)]:
        body = _login_body(size)
        head = b"POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        if chunked:
            head += b"Transfer-Encoding: chunked\r\n\r\n"
            pieces = [body[start : start + 1000] for start in range(0, len(body), 1000)]
            chunks = [b"%x\r\n%b\r\n" % (len(piece), piece) for piece in pieces]
            chunks.append(b"0\r\n\r\n")
        else:
            head += b"Content-Length: %d\r\n\r\n" % size
            chunks = [body]

        status, answer = _raw_exchange(server.url, head, chunks)

        assert status == expected, (size, answer)
        if expected == 413:
            assert json.loads(answer) == {"detail": BODY_TOO_LARGE}
        else:
            assert json.loads(answer) == {"detail": "Invalid credentials"}


def _head(size: int) -> bytes:
    """A GET whose request line and headers, CRLFs included, are exactly ``size`` bytes."""
    start = b"GET /api/users/1 HTTP/1.1\r\nHost: test\r\nX-Pad: "
    return start + b"a" * (size - len(start) - 4) + b"\r\n\r\n"


def test_server_takes_headers_of_the_limit_and_refuses_one_byte_more(server: Server) -> None:
    """A head of exactly MAX_HEADER_BYTES is answered; past it, 431 in the API's shape."""
    status, _ = _raw_exchange(server.url, _head(MAX_HEADER_BYTES))
    assert status == 404

    too_large = (431, {"detail": "Request Header Fields Too Large"})
    status, body = _raw_exchange(server.url, _head(MAX_HEADER_BYTES + 1))
    assert (status, json.loads(body)) == too_large
    # 100,000 bytes sent in one write, then in pieces the server sees arrive.
    head = _head(100_000)
    status, body = _raw_exchange(server.url, head)
    assert (status, json.loads(body)) == too_large
    pieces = [head[start : start + 4096] for start in range(0, len(head), 4096)]
    status, body = _raw_exchange(server.url, b"", _trickled(pieces))
    assert (status, json.loads(body)) == too_large


def _trickled(pieces: list[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        time.sleep(0.01)
        yield piece


@pytest.mark.slow
def test_idle_and_trickling_connections_do_not_lock_the_server_out(server: Server) -> None:
    """With 150 idle sockets and a client trickling its headers, a request is still answered."""
    host, port = server.url.removeprefix("http://").split(":")
    with ExitStack() as stack:
        for _ in range(150):
            stack.enter_context(socket.create_connection((host, int(port)), timeout=5.0))
        trickler = stack.enter_context(socket.create_connection((host, int(port)), timeout=5.0))
        trickler.sendall(b"GET /api/users/1 HTTP/1.1\r\n")
        for byte in b"X-Slow: 1":
            trickler.sendall(bytes([byte]))
            time.sleep(0.1)

        started = time.monotonic()
        response = httpx.get(f"{server.url}/api/users/1", timeout=5.0)

        assert response.status_code == 404
        assert time.monotonic() - started < 3.0
