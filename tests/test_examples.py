"""The examples run and show what they promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from examples import quickstart

# The whole tour, twice: a program run, not a unit.
pytestmark = pytest.mark.slow


def test_quickstart_tours_the_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo runs on a fresh SQLite file, prints the signals it caused and the feed."""
    database = tmp_path / "demo.db"
    quickstart.main(database)
    out = capsys.readouterr().out
    assert database.exists()
    assert "signal: PostLiked" in out
    assert "refused: Username already taken (field 'username')" in out
    assert "♥ @bob: First light over the harbour #sunrise  (2 likes, 1 comments)" in out
    assert "@alice: 1 posts, 1 followers, 2 following" in out
    assert "carol and 1 other liked your post" in out
    assert "alice commented on your post" in out
    assert "Posts tagged #sunrise: 1" in out
    assert "Alice has 1 unread message(s)" in out


def test_quickstart_starts_afresh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Running the demo twice on the same file works: it starts from an empty database."""
    database = tmp_path / "demo.db"
    quickstart.main(database)
    quickstart.main(database)
    assert capsys.readouterr().out.count("@alice: 1 posts") == 2
