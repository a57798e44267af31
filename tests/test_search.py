"""SearchService: finding users by name and hashtags by prefix, literally and case-insensitively."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialfeed import SocialFeed, ValidationError
from socialfeed.handlers import HashtagHandler
from socialfeed.models import User
from socialfeed.pagination import DEFAULT_LIMIT
from tests.support import EventRecorder, unchanged


@pytest.fixture
def indexed(feed: SocialFeed) -> Iterator[SocialFeed]:
    """The ``feed`` facade with the hashtag handler connected."""
    handler = HashtagHandler()
    handler.connect(feed)
    yield feed
    handler.disconnect(feed)


def found(
    feed: SocialFeed, query: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> list[str]:
    """Return the usernames a user search finds, in rank order."""
    return [user.username for user in feed.search.users(query, limit=limit, offset=offset)]


def people(feed: SocialFeed, *names: str | tuple[str, str]) -> list[User]:
    """Create profiles from usernames or (username, full name) pairs."""
    return [
        feed.accounts.create_profile(name)
        if isinstance(name, str)
        else feed.accounts.create_profile(name[0], full_name=name[1])
        for name in names
    ]


def test_users_by_username_or_full_name(feed: SocialFeed) -> None:
    """A query matches part of a username or of a full name; others are not returned."""
    people(feed, "alice", ("zed", "Ann Malice"), ("bob", "Bob Stone"))

    assert found(feed, "lic") == ["alice", "zed"]
    assert found(feed, "stone") == ["bob"]
    assert found(feed, "nobody") == []


def test_user_search_returns_whole_profiles(feed: SocialFeed) -> None:
    """Each result is the user's full profile with its counters."""
    (alice,) = people(feed, ("alice", "Alice Liddell"))
    feed.posts.create(alice.id, content="hi")

    (result,) = feed.search.users("alice")

    assert result == feed.users.get(alice.id)
    assert result.post_count == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("élo", ["em", "éloïse"]),
        ("ÉLO", ["em", "éloïse"]),
        ("ÉLODIE", ["em"]),
        ("ＥＬＯ", ["eloquent"]),
    ],
)
def test_user_search_is_case_insensitive_beyond_ascii(
    feed: SocialFeed, query: str, expected: list[str]
) -> None:
    """Accented and full-width queries match names and usernames regardless of case."""
    people(feed, ("em", "Élodie Durand"), "éloïse", "eloquent", "ana")

    assert found(feed, query) == expected


def test_prefix_matches_rank_before_substring_matches(feed: SocialFeed) -> None:
    """Names starting with the query come first (by username), then names containing it."""
    people(feed, "annabob", ("zed", "Bobby Zee"), "bobcat", ("carl", "Jim Bob"), "dave")

    assert found(feed, "bob") == ["bobcat", "zed", "annabob", "carl"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("_", ["a_b"]),
        ("a_b", ["a_b"]),
        ("%", ["percent"]),
        ("100%", ["percent"]),
        ("\\", ["slash"]),
        ("k\\s", ["slash"]),
        ("o'b", ["quote"]),
        ('"bo"', ["quote"]),
        ("'; drop table users; --", []),
    ],
)
def test_special_characters_in_a_query_match_literally(
    feed: SocialFeed, query: str, expected: list[str]
) -> None:
    """``%``, ``_``, ``\\`` and quotes are ordinary characters, not wildcards or syntax."""
    people(
        feed,
        "a_b",
        "ab",
        "axb",
        ("percent", "100% sure"),
        ("slash", "back\\slash"),
        ("quote", 'O\'Brien "Bo"'),
    )

    assert found(feed, query) == expected


def test_percent_finds_nothing_when_no_name_contains_it(feed: SocialFeed) -> None:
    """A lone ``%`` is not a wildcard: with no ``%`` in any name, nothing matches."""
    people(feed, "alice", ("bob", "Bob Stone"))

    assert found(feed, "%") == []
    assert found(feed, "_") == []


def test_user_search_ignores_surrounding_blanks(feed: SocialFeed) -> None:
    """The query is trimmed before matching."""
    people(feed, "alice")

    assert found(feed, "  ali  ") == ["alice"]


def test_user_search_limit_and_offset(feed: SocialFeed) -> None:
    """``limit`` caps the results and ``offset`` skips the best-ranked ones."""
    people(feed, "fan1", "fan2", "fan3", "fan4")

    assert found(feed, "fan", limit=2) == ["fan1", "fan2"]
    assert found(feed, "fan", limit=2, offset=2) == ["fan3", "fan4"]
    assert found(feed, "fan", offset=3) == ["fan4"]
    assert found(feed, "fan", offset=4) == []


@pytest.mark.parametrize("query", ["", "   ", "x" * 101, "a\x00b"])
def test_a_blank_or_over_long_query_is_refused(
    feed: SocialFeed, events: EventRecorder, query: str
) -> None:
    """A blank query, one over 100 characters or one with NUL is a ValidationError on ``query``."""
    people(feed, "alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.search.users(query)

    assert info.value.field == "query"


def test_a_query_of_exactly_100_characters_is_accepted(feed: SocialFeed) -> None:
    """100 characters is still a valid query."""
    people(feed, ("alice", "a" * 100))

    assert found(feed, "a" * 100) == ["alice"]


@pytest.mark.parametrize(
    ("page", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset")],
)
def test_user_search_checks_limit_and_offset(
    feed: SocialFeed, events: EventRecorder, page: dict[str, int], field: str
) -> None:
    """A limit outside 1..100 or a negative offset is a ValidationError on that field."""
    people(feed, "alice")

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.search.users(
            "alice", limit=page.get("limit", DEFAULT_LIMIT), offset=page.get("offset", 0)
        )

    assert info.value.field == field


def test_user_search_accepts_the_largest_limit(feed: SocialFeed) -> None:
    """A limit of 100 is allowed."""
    people(feed, "alice")

    assert found(feed, "alice", limit=100) == ["alice"]


def test_hashtags_by_prefix_most_used_first(indexed: SocialFeed) -> None:
    """Tags starting with the query come by post count, then name, with their counts."""
    (alice,) = people(indexed, "alice")
    for content in ("#cat #cats #catalog", "#cats #catalog", "#cats", "#dog", "#bobcat"):
        indexed.posts.create(alice.id, content=content)

    results = indexed.search.hashtags("cat")

    assert [(tag.name, tag.post_count) for tag in results] == [
        ("cats", 3),
        ("catalog", 2),
        ("cat", 1),
    ]
    assert results[0] == indexed.hashtags.get("cats")


def test_hashtag_ties_are_ordered_by_name(indexed: SocialFeed) -> None:
    """Tags used by as many posts are listed alphabetically."""
    (alice,) = people(indexed, "alice")
    indexed.posts.create(alice.id, content="#tb #tc #ta")

    assert [tag.name for tag in indexed.search.hashtags("t")] == ["ta", "tb", "tc"]


@pytest.mark.parametrize("query", ["caf", "#caf", "#CAF", "＃ＣＡＦ", "  #Café  "])
def test_hashtag_search_ignores_the_hash_sign_case_and_width(
    indexed: SocialFeed, query: str
) -> None:
    """A leading ``#``, upper case and full-width letters do not change the match."""
    (alice,) = people(indexed, "alice")
    indexed.posts.create(alice.id, content="#Café #cake")

    assert [tag.name for tag in indexed.search.hashtags(query)] == ["café"]


def test_hashtag_search_matches_underscore_and_percent_literally(indexed: SocialFeed) -> None:
    """``_`` and ``%`` in a hashtag query are no wildcards."""
    (alice,) = people(indexed, "alice")
    indexed.posts.create(alice.id, content="#a_b #axb #ab")

    assert [tag.name for tag in indexed.search.hashtags("a_")] == ["a_b"]
    assert indexed.search.hashtags("%") == ()


def test_hashtag_search_respects_the_limit(indexed: SocialFeed) -> None:
    """``limit`` keeps only the best-ranked tags."""
    (alice,) = people(indexed, "alice")
    indexed.posts.create(alice.id, content="#t1 #t2 #t3")
    indexed.posts.create(alice.id, content="#t3")

    assert [tag.name for tag in indexed.search.hashtags("t", limit=2)] == ["t3", "t1"]


@pytest.mark.parametrize("query", ["", "  ", "#" + "x" * 100, "a\x00b"])
def test_hashtag_search_refuses_a_blank_or_over_long_query(
    indexed: SocialFeed, events: EventRecorder, query: str
) -> None:
    """A blank query, one over 100 characters or one with NUL is a ValidationError on ``query``."""
    with unchanged(indexed, events), pytest.raises(ValidationError) as info:
        indexed.search.hashtags(query)

    assert info.value.field == "query"


@pytest.mark.parametrize("limit", [0, 101])
def test_hashtag_search_checks_the_limit(
    indexed: SocialFeed, events: EventRecorder, limit: int
) -> None:
    """A limit outside 1..100 is a ValidationError on ``limit``."""
    with unchanged(indexed, events), pytest.raises(ValidationError) as info:
        indexed.search.hashtags("tag", limit=limit)

    assert info.value.field == "limit"


@pytest.mark.parametrize("query", ["#", " # "])
def test_a_hash_sign_alone_is_no_hashtag_query(feed: SocialFeed, query: str) -> None:
    """A query that is only '#' names no hashtag: ValidationError on 'query', not every tag."""
    with pytest.raises(ValidationError) as info:
        feed.search.hashtags(query)

    assert info.value.field == "query"
