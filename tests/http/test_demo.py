"""What ``make demo`` runs: either server with the demo world, and credentials that work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.http.conftest import FRAMEWORKS
from tests.http.test_servers import ROOT, free_port, wait_until_answering


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_demo_serves_a_demo_account_that_logs_in(tmp_path: Path, framework: str) -> None:
    """The demo's account logs in and sees an image post; a restart seeds nothing twice."""
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    for run in range(2):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        output = tmp_path / f"demo-{run}.log"
        command = [sys.executable, "-m", f"examples.{framework}_app", "--demo", "--port", str(port)]
        with output.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, "SOCIALFEED_DATABASE_URL": database_url},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_answering(process, url, output)
            printed = output.read_text()
            match = re.search(r"(\S+@example\.com) / (\S+)", printed)
            assert match is not None, printed
            with httpx.Client(base_url=url, timeout=10.0) as client:
                assert client.get("/").json()["api"] == "/api"
                if framework == "fastapi":
                    assert f"{url}/docs" in printed
                    assert client.get("/docs").status_code == 200
                login = client.post(
                    "/api/auth/login", json={"email": match[1], "password": match[2]}
                )
                assert login.status_code == 200, login.text
                auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
                feed = client.get("/api/feed", headers=auth)
                assert feed.status_code == 200
                assert any(post["image_url"] for post in feed.json()), feed.json()
                assert any(post["content"] and not post["image_url"] for post in feed.json())
                users = client.get("/api/search/users", params={"q": "demo"}).json()
                assert [user["username"] for user in users] == ["demo"]
        finally:
            process.terminate()
            process.wait(timeout=10)
