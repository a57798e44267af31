"""The real servers: each app's command line serves the API over HTTP on an SQLite file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from attrs import frozen

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
