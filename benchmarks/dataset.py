"""A deterministic, seeded social graph with posts, likes, comments, messages and notifications.

The rows are plain tuples in the column order of socialfeed's own tables, so
the loader can hand them to an executemany or a COPY unchanged. Every counter
(posts, followers, following, likes, comments, hashtag uses) is computed from
the rows it counts, so ``reconcile_counters()`` finds nothing to fix.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["PRESETS", "Dataset", "Sizes", "generate"]

#: The end of the generated year: every generated row is older.
END = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_US = 365 * 24 * 3600 * 1_000_000
Row = tuple[object, ...]


@dataclass(frozen=True)
class Sizes:
    """How big a dataset is."""

    users: int
    mean_followees: int
    heavy_followers: int  # users who follow `heavy_followees` accounts each
    heavy_followees: int
    light_followers: int  # users who follow at most 5 quiet accounts
    posts: int
    likes: int
    comments: int
    messages: int
    hashtags: int
    seed: int = 20260101


PRESETS: dict[str, Sizes] = {
    "small": Sizes(
        users=1_000,
        mean_followees=30,
        heavy_followers=3,
        heavy_followees=300,
        light_followers=5,
        posts=50_000,
        likes=100_000,
        comments=20_000,
        messages=5_000,
        hashtags=300,
    ),
    "default": Sizes(
        users=10_000,
        mean_followees=100,
        heavy_followers=5,
        heavy_followees=2_000,
        light_followers=20,
        posts=500_000,
        likes=1_000_000,
        comments=200_000,
        messages=100_000,
        hashtags=2_000,
    ),
}


@dataclass
class Dataset:
    """Rows per table, and the users and items the benchmarks ask about."""

    sizes: Sizes
    tables: dict[str, list[Row]] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    typical_user: int = 0  # follows about `mean_followees` accounts
    heavy_user: int = 0  # follows `heavy_followees` accounts
    light_user: int = 0  # follows at most 5 quiet accounts
    popular_user: int = 0  # followed by thousands: many notifications
    prolific_author: int = 0  # posts the most
    popular_tag: str = ""
    chat_pair: tuple[int, int] = (0, 0)  # the longest conversation
    tag_names: list[str] = field(default_factory=list)

    def rows(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def _at(micros_before_end: int) -> datetime:
    return END - timedelta(microseconds=micros_before_end)


def _weights(n: int, offset: float, exponent: float) -> list[float]:
    return [1.0 / (rank + offset) ** exponent for rank in range(n)]


def _distinct_choices(
    rng: random.Random, population: list[int], cum: list[float], k: int, exclude: int
) -> list[int]:
    """Draw ``k`` distinct items, weighted, without ``exclude``."""
    chosen: dict[int, None] = {}
    k = min(k, len(population) - 1)
    total = cum[-1]
    while len(chosen) < k:
        for _ in range(k - len(chosen) + 8):
            item = population[bisect.bisect(cum, rng.random() * total)]
            if item != exclude:
                chosen.setdefault(item)
            if len(chosen) == k:
                break
    return list(chosen)


def generate(sizes: Sizes) -> Dataset:
    """Build every row of a dataset from ``sizes`` and its seed."""
    rng = random.Random(sizes.seed)
    data = Dataset(sizes)
    n_users = sizes.users
    user_ids = list(range(1, n_users + 1))

    # Popularity (who gets followed) and activity (who posts) are two power laws.
    by_popularity = user_ids[:]
    rng.shuffle(by_popularity)
    popularity_cum = list(itertools.accumulate(_weights(n_users, 5, 1.0)))
    by_activity = user_ids[:]
    rng.shuffle(by_activity)
    activity_cum = list(itertools.accumulate(_weights(n_users, 20, 0.8)))

    special = rng.sample(user_ids, sizes.heavy_followers + sizes.light_followers + 1)
    heavy = special[: sizes.heavy_followers]
    light = special[sizes.heavy_followers : -1]
    quiet = by_activity[-max(50, n_users // 10) :]

    # Follows: a lognormal out-degree with the wanted mean, weighted followees.
    sigma = 1.0
    mu = _log(sizes.mean_followees) - sigma * sigma / 2
    follow_rows: list[tuple[int, int, datetime]] = []
    degree: dict[int, int] = {}
    for user in user_ids:
        if user in heavy:
            followees = _distinct_choices(
                rng, by_popularity, popularity_cum, sizes.heavy_followees, user
            )
        elif user in light:
            followees = [q for q in rng.sample(quiet, 6) if q != user][: rng.randint(1, 5)]
        else:
            k = max(1, min(sizes.heavy_followees - 1, int(rng.lognormvariate(mu, sigma))))
            followees = _distinct_choices(rng, by_popularity, popularity_cum, k, user)
        degree[user] = len(followees)
        for followee in followees:
            follow_rows.append((user, followee, _at(rng.randrange(YEAR_US))))

    # Posts: over the year, ids in time order, 0-3 hashtags each.
    tag_names = [f"tag{rank}" for rank in range(sizes.hashtags)]
    tag_cum = list(itertools.accumulate(_weights(sizes.hashtags, 3, 1.0)))
    post_times = sorted(rng.randrange(YEAR_US) for _ in range(sizes.posts))
    post_times.reverse()  # largest "before end" first = oldest first
    authors = [by_activity[bisect.bisect(activity_cum, rng.random() * activity_cum[-1])]
               for _ in range(sizes.posts)]  # fmt: skip
    # Every quiet account gets a post or two, so a light user's feed is not empty.
    for index, user in enumerate(quiet):
        authors[(index * 7919) % sizes.posts] = user
    post_at: list[datetime] = []
    post_tags: list[list[int]] = []
    for _ in range(sizes.posts):
        count = rng.randint(0, 3)
        tags: dict[int, None] = {}
        while len(tags) < count:
            tags.setdefault(bisect.bisect(tag_cum, rng.random() * tag_cum[-1]))
        post_tags.append(list(tags))
    for micros in post_times:
        post_at.append(_at(micros))

    # Likes and comments: on posts, some time after them, never after the end.
    like_pairs: dict[tuple[int, int], datetime] = {}
    while len(like_pairs) < sizes.likes:
        post_index = rng.randrange(sizes.posts)
        user = rng.randrange(1, n_users + 1)
        key = (user, post_index + 1)
        if key not in like_pairs:
            like_pairs[key] = _after(rng, post_at[post_index])
    comment_list: list[tuple[datetime, int, int]] = []
    for _ in range(sizes.comments):
        post_index = rng.randrange(sizes.posts)
        comment_list.append(
            (_after(rng, post_at[post_index]), post_index + 1, rng.randrange(1, n_users + 1))
        )
    comment_list.sort()

    like_counts = Counter(post_id for _, post_id in like_pairs)
    comment_counts = Counter(post_id for _, post_id, _ in comment_list)
    post_counts = Counter(authors)
    follower_counts = Counter(row[1] for row in follow_rows)
    # Every generated user is public, so every link counts on its tag (public posts only).
    tag_counts = Counter(tag for tags in post_tags for tag in tags)

    # Users.
    user_rows: list[Row] = []
    for user in user_ids:
        name = f"user{user}"
        user_rows.append(
            (user, name, name, None, None, f"user {user}", None, f"User {user}", None, None,
             True, False, _at(YEAR_US + rng.randrange(YEAR_US)),
             post_counts[user], follower_counts[user], degree[user])
        )  # fmt: skip
    data.columns["socialfeed_users"] = (
        "id", "username", "username_key", "email", "email_key", "full_name_key",
        "password_hash", "full_name", "bio", "profile_image_url", "is_active", "is_private",
        "created_at", "post_count", "follower_count", "following_count",
    )  # fmt: skip
    data.tables["socialfeed_users"] = user_rows

    post_rows: list[Row] = []
    link_rows: list[Row] = []
    for index in range(sizes.posts):
        post_id = index + 1
        tag_ids = post_tags[index]
        content = f"Post {post_id} " + " ".join(f"#{tag_names[t]}" for t in tag_ids)
        post_rows.append(
            (post_id, authors[index], content.strip(), None, like_counts[post_id],
             comment_counts[post_id], post_at[index], None)
        )  # fmt: skip
        for tag in tag_ids:
            link_rows.append((tag + 1, post_id, post_at[index]))
    data.columns["socialfeed_posts"] = (
        "id", "author_id", "content", "image_url", "like_count", "comment_count",
        "created_at", "edited_at",
    )  # fmt: skip
    data.tables["socialfeed_posts"] = post_rows
    data.columns["socialfeed_hashtags"] = ("id", "name", "post_count")
    data.tables["socialfeed_hashtags"] = [
        (rank + 1, name, tag_counts[rank]) for rank, name in enumerate(tag_names)
    ]
    data.columns["socialfeed_post_hashtags"] = ("hashtag_id", "post_id", "created_at")
    data.tables["socialfeed_post_hashtags"] = link_rows
    data.columns["socialfeed_follows"] = ("follower_id", "followee_id", "created_at")
    data.tables["socialfeed_follows"] = list(follow_rows)
    data.columns["socialfeed_likes"] = ("user_id", "post_id", "created_at")
    data.tables["socialfeed_likes"] = [(u, p, at) for (u, p), at in like_pairs.items()]
    data.columns["socialfeed_comments"] = ("id", "post_id", "author_id", "content", "created_at")
    data.tables["socialfeed_comments"] = [
        (index + 1, post_id, author, f"Comment {index + 1}", at)
        for index, (at, post_id, author) in enumerate(comment_list)
    ]

    # Notifications: one per like, comment and follow of somebody else, read when old.
    notes: list[tuple[datetime, int, int, str, int | None, int | None]] = []
    for (user, post_id), at in like_pairs.items():
        author = authors[post_id - 1]
        if author != user:
            notes.append((at, author, user, "like", post_id, None))
    for index, (at, post_id, author) in enumerate(comment_list):
        recipient = authors[post_id - 1]
        if recipient != author:
            notes.append((at, recipient, author, "comment", post_id, index + 1))
    for follower, followee, at in follow_rows:
        notes.append((at, followee, follower, "follow", None, None))
    notes.sort(key=lambda note: note[0])
    unread_after = END - timedelta(days=14)
    data.columns["socialfeed_notifications"] = (
        "id", "recipient_id", "actor_id", "kind", "post_id", "comment_id", "event_id",
        "is_read", "created_at",
    )  # fmt: skip
    data.tables["socialfeed_notifications"] = [
        (index + 1, recipient, actor, kind, post_id, comment_id,
         uuid.UUID(int=index + 1), at < unread_after, at)
        for index, (at, recipient, actor, kind, post_id, comment_id) in enumerate(notes)
    ]  # fmt: skip

    # Messages: conversations of power-law length; the first pair is the longest.
    typical = min(
        (u for u in user_ids if u not in special),
        key=lambda u: (abs(degree[u] - sizes.mean_followees), u),
    )
    partner = by_popularity[0] if by_popularity[0] != typical else by_popularity[1]
    pairs: list[tuple[int, int]] = [(typical, partner)]
    while len(pairs) < max(10, sizes.messages // 50):
        a, b = rng.sample(user_ids, 2)
        pairs.append((a, b))
    pair_cum = list(itertools.accumulate(_weights(len(pairs), 1, 1.1)))
    message_list: list[tuple[datetime, int, int]] = []
    for _ in range(sizes.messages):
        a, b = pairs[bisect.bisect(pair_cum, rng.random() * pair_cum[-1])]
        sender, receiver = (a, b) if rng.random() < 0.5 else (b, a)
        message_list.append((_at(rng.randrange(YEAR_US)), sender, receiver))
    message_list.sort()
    message_rows: list[Row] = []
    last: dict[tuple[int, int], tuple[int, datetime]] = {}
    for index, (at, sender, receiver) in enumerate(message_list):
        low, high = min(sender, receiver), max(sender, receiver)
        message_rows.append(
            (index + 1, sender, receiver, low, high, f"Message {index + 1}",
             at < unread_after, at)
        )  # fmt: skip
        last[(low, high)] = (index + 1, at)
    data.columns["socialfeed_messages"] = (
        "id", "sender_id", "receiver_id", "low_user_id", "high_user_id", "content",
        "is_read", "created_at",
    )  # fmt: skip
    data.tables["socialfeed_messages"] = message_rows
    conversation_rows: list[Row] = []
    for (low, high), (message_id, at) in last.items():
        conversation_rows.append((low, high, message_id, at))
        conversation_rows.append((high, low, message_id, at))
    data.columns["socialfeed_conversations"] = ("user_id", "other_id", "last_message_id", "last_at")
    data.tables["socialfeed_conversations"] = conversation_rows

    data.typical_user = typical
    data.heavy_user = heavy[0]
    data.light_user = light[0]
    data.popular_user = by_popularity[0]
    data.prolific_author = by_activity[0]
    data.popular_tag = tag_names[0]
    data.chat_pair = (typical, partner)
    data.tag_names = tag_names
    return data


def _log(value: float) -> float:
    return math.log(value)


def _after(rng: random.Random, at: datetime) -> datetime:
    """A moment within three days after ``at``, and before the end of the year."""
    later = at + timedelta(microseconds=rng.randrange(1, 3 * 24 * 3600 * 1_000_000))
    return min(later, END - timedelta(microseconds=rng.randrange(1, 1_000_000)))
