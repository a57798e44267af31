"""Each kind of id has its own type: mypy refuses a post's id where a user's is expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

pytestmark = pytest.mark.slow  # one mypy run over the snippet and the package

ROOT = Path(__file__).parent.parent

SNIPPET = """\
from socialfeed import SocialFeed, UserId


def act(feed: SocialFeed) -> None:
    alice = feed.accounts.create_profile("alice")
    post = feed.posts.create(alice.id, content="hi")
    feed.likes.like(alice.id, post.id)
    feed.comments.add(UserId(999), post.id, "an id from elsewhere, typed where it comes in")
    feed.likes.like(post.id, alice.id)
    feed.comments.add(post.id, alice.id, "the order of before 0.1")
"""


def test_a_swapped_id_is_a_type_error(tmp_path: Path) -> None:
    """mypy accepts ids in the order of the signatures and refuses them swapped, line by line."""
    snippet = tmp_path / "swapped.py"
    snippet.write_text(SNIPPET)

    config = ["--config-file", str(ROOT / "pyproject.toml")]
    stdout, stderr, _ = api.run([*config, "--cache-dir", str(ROOT / ".mypy_cache"), str(snippet)])

    errors = re.findall(r"swapped\.py:(\d+): error: (.*)", stdout)
    assert stderr == ""
    assert errors == [
        ("9", 'Argument 1 to "like" of "LikeService" has incompatible type "PostId"; '
         'expected "UserId"  [arg-type]'),
        ("9", 'Argument 2 to "like" of "LikeService" has incompatible type "UserId"; '
         'expected "PostId"  [arg-type]'),
        ("10", 'Argument 1 to "add" of "CommentService" has incompatible type "PostId"; '
         'expected "UserId"  [arg-type]'),
        ("10", 'Argument 2 to "add" of "CommentService" has incompatible type "UserId"; '
         'expected "PostId"  [arg-type]'),
    ]  # fmt: skip
