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

#: The demo world's users, who all follow each other.
DEMO_WORLD = ("demo", "ana", "ben", "chloe")


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
                # As the READMEs say, the four users follow each other; so the
                # demo account's feed has a post by each (chloe's is an image post).
                authors = {post["author_username"] for post in feed.json()}
                assert authors == set(DEMO_WORLD), feed.json()
                assert any(
                    post["author_username"] == "chloe" and post["image_url"] for post in feed.json()
                ), feed.json()
                ids = {
                    user["username"]: user["id"]
                    for name in DEMO_WORLD
                    for user in client.get("/api/search/users", params={"q": name}).json()
                }
                for name, user_id in ids.items():
                    following = client.get(f"/api/users/{user_id}/following", headers=auth)
                    assert following.status_code == 200, following.text
                    followed = {user["username"] for user in following.json()}
                    assert followed == set(DEMO_WORLD) - {name}, (name, followed)
        finally:
            process.terminate()
            process.wait(timeout=10)
