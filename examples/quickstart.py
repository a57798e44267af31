"""A tour of socialfeed on an embedded SQLite file: what ``make demo`` runs.

Run it with ``python -m examples.quickstart [path/to/file.db]``. It starts from
an empty database each time, prints each action and each signal it causes,
and leaves the file behind for you to open with any SQLite browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from socialfeed import ConflictError, SocialFeed
from socialfeed.events import Event
from socialfeed.handlers import HashtagHandler, NotificationHandler
from socialfeed.signals import ALL_SIGNALS


def main(database: Path) -> None:
    """Run the tour on a fresh SQLite file at ``database``."""
    database.unlink(missing_ok=True)
    feed = SocialFeed.from_url(f"sqlite:///{database}")

    def print_signal(sender: SocialFeed, *, event: Event) -> None:
        print(f"    signal: {type(event).__name__}")

    for signal in ALL_SIGNALS:
        signal.connect(print_signal, sender=feed, weak=False)
    # The optional handlers: notifications and the hashtag index.
    NotificationHandler().connect(feed)
    HashtagHandler().connect(feed)

    print(f"socialfeed demo on {database}\n")
    print("Alice registers and logs in by email:")
    alice = feed.accounts.register("alice", "alice@example.com", "correct horse battery")
    session = feed.accounts.login("ALICE@example.com", "correct horse battery")
    print(f"  token resolves to user {feed.accounts.authenticate(session.token)}")

    print("Bob and Carol come from an app that manages its own accounts:")
    bob = feed.accounts.create_profile("bob", full_name="Bob B.")
    carol = feed.accounts.create_profile("carol")

    print("Alice follows Bob and Carol; Bob follows Alice:")
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(alice.id, carol.id)
    feed.follows.follow(bob.id, alice.id)

    print("Everyone posts:")
    first = feed.posts.create(bob.id, content="First light over the harbour #sunrise")
    feed.posts.create(carol.id, image_url="https://example.com/cat.jpg")
    feed.posts.create(alice.id, content="Hello, world")

    print("Alice likes Bob's post and comments on it, Carol likes it too:")
    feed.likes.like(alice.id, first.id)
    feed.comments.add(alice.id, first.id, "Gorgeous! @carol look")
    feed.likes.like(carol.id, first.id)

    print("Bob posts a story that Alice watches, and messages her:")
    story = feed.stories.create(bob.id, image_url="https://example.com/boat.jpg")
    feed.stories.view(alice.id, story.id)
    feed.messages.send(bob.id, alice.id, "Thanks! Sailing tomorrow?")

    print("Someone tries to take Alice's username:")
    try:
        feed.accounts.register("ALICE", "other@example.com", "another password")
    except ConflictError as error:
        print(f"  refused: {error.message} (field {error.field!r})")

    print("\nAlice's home feed:")
    for item in feed.feed.home(alice.id).items:
        post = item.post
        liked = "♥" if item.liked_by_viewer else " "
        body = post.content or post.image_url
        print(
            f"  {liked} @{post.author_username}: {body}  ({post.like_count} likes, "
            f"{post.comment_count} comments)"
        )

    print("\nBob's notifications:")
    for group in feed.notifications.grouped(bob.id).items:
        print(f"  {group.message}")
    tagged = feed.hashtags.posts("sunrise").items
    print(f"Posts tagged #sunrise: {len(tagged)}")
    print(f"Alice has {feed.messages.unread_count(alice.id)} unread message(s)")

    profile = feed.users.get(alice.id)
    print(
        f"\n@{profile.username}: {profile.post_count} posts, "
        f"{profile.follower_count} followers, {profile.following_count} following"
    )
    feed.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("socialfeed-demo.db"))
