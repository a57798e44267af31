"""The rules of what users write: lengths count the NFKC form, and no disguising characters.

Every text field is tried on every backend, with text that is short as sent
but long once NFKC spells it out, and with control, bidirectional override
and invisible characters: each is a ValidationError on the field, and
nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest

from socialfeed import SocialFeed, User, ValidationError, validation
from tests.support import EventRecorder, unchanged

Write = Callable[[SocialFeed, User, str], object]

#: One entry per text field a user writes: the field's name, and how to write it.
FIELDS: Final[dict[str, tuple[str, Write]]] = {
    "register(username)": (
        "username",
        lambda f, u, s: f.accounts.register(s, "new@example.com", "correct horse"),
    ),
    "register(full_name)": (
        "full_name",
        lambda f, u, s: f.accounts.register(
            "newbie", "new@example.com", "correct horse", full_name=s
        ),
    ),
    "create_profile(full_name)": (
        "full_name",
        lambda f, u, s: f.accounts.create_profile("newbie", full_name=s),
    ),
    "update_profile(full_name)": (
        "full_name",
        lambda f, u, s: f.users.update_profile(u.id, {"full_name": s}),
    ),
    "update_profile(bio)": ("bio", lambda f, u, s: f.users.update_profile(u.id, {"bio": s})),
    "posts.create(content)": ("content", lambda f, u, s: f.posts.create(u.id, content=s)),
    "posts.edit(content)": (
        "content",
        lambda f, u, s: f.posts.edit(u.id, f.posts.by_author(u.id).items[0].id, s),
    ),
    "stories.create(content)": ("content", lambda f, u, s: f.stories.create(u.id, content=s)),
    "comments.add(content)": (
        "content",
        lambda f, u, s: f.comments.add(u.id, f.posts.by_author(u.id).items[0].id, s),
    ),
    "messages.send(content)": (
        "content",
        lambda f, u, s: f.messages.send(u.id, f.users.get_by_username("bob").id, s),
    ),
    "search.users(query)": ("query", lambda f, u, s: f.search.users(s)),
    "search.hashtags(query)": ("query", lambda f, u, s: f.search.hashtags(s)),
}

LIMITS: Final = {
    "username": validation.MAX_USERNAME_LENGTH,
    "full_name": validation.MAX_FULL_NAME_LENGTH,
    "bio": validation.MAX_BIO_LENGTH,
    "content": validation.MAX_MESSAGE_LENGTH,  # the shortest of the contents
    "query": validation.MAX_QUERY_LENGTH,
}
# The limits of the contents differ; a text over the largest is over all of them.
OVER_ANY_CONTENT: Final = max(validation.MAX_POST_LENGTH, validation.MAX_COMMENT_LENGTH)

LIGATURE: Final = "\ufb03"  # "ffi" once NFKC spells it out: three characters for one


@pytest.fixture
def author(feed: SocialFeed, alice: User, bob: User) -> User:
    """Alice, with a post; bob exists to receive her messages."""
    feed.posts.create(alice.id, content="first")
    return alice


def expanding(field: str) -> str:
    """Text within the field's limit as sent, and over it once in NFKC form."""
    limit = OVER_ANY_CONTENT if field == "content" else LIMITS[field]
    return LIGATURE * (limit // 3 + 1)


@pytest.mark.parametrize("case", FIELDS.values(), ids=FIELDS.keys())
def test_a_text_long_only_after_nfkc_is_refused(
    feed: SocialFeed, events: EventRecorder, author: User, case: tuple[str, Write]
) -> None:
    """Text that NFKC lengthens past the field's limit is a ValidationError; nothing changes."""
    field, write = case
    text = expanding(field)
    assert len(text) <= LIMITS[field]
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        write(feed, author, text)
    assert info.value.field == field


def test_a_name_nfkc_spells_out_eighteenfold_is_refused(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """23 U+FDFA (414 characters once normalised) is no full name, on every backend."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.create_profile("newbie", full_name="\ufdfa" * 23)
    assert info.value.field == "full_name"


DISGUISING: Final = {
    "ESC": "\x1b[31m",
    "BEL": "\x07",
    "DEL": "\x7f",
    "C1 CSI": "\x9b",
    "LRE": "\u202a",
    "RLO": "\u202e",
    "PDF": "\u202c",
    "LRI": "\u2066",
    "PDI": "\u2069",
    "zero-width space": "\u200b",
    "word joiner": "\u2060",
    "BOM": "\ufeff",
    "Hangul filler": "\u3164",
    "Hangul choseong filler": "\u115f",
    "combining grapheme joiner": "\u034f",
    "language tag": "\U000e0001",
}


@pytest.mark.parametrize("character", DISGUISING.values(), ids=DISGUISING.keys())
@pytest.mark.parametrize("case", FIELDS.values(), ids=FIELDS.keys())
def test_control_bidi_and_invisible_characters_are_refused(
    feed: SocialFeed, events: EventRecorder, author: User, case: tuple[str, Write], character: str
) -> None:
    """A control, bidi override or invisible character in text is a ValidationError."""
    field, write = case
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        write(feed, author, f"abc{character}def")
    assert info.value.field == field


def test_multiline_text_keeps_line_breaks_joiners_and_marks(feed: SocialFeed, author: User) -> None:
    """Line breaks and tabs stay in multi-line text, ZWJ emoji and bidi marks everywhere."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text = f"line one\r\nline\ttwo {family} \u05e9\u05dc\u05d5\u05dd\u200f!"
    assert feed.posts.create(author.id, content=text).content == text
    updated = feed.users.update_profile(author.id, {"bio": text, "full_name": f"Ann {family}"})
    assert (updated.bio, updated.full_name) == (text, f"Ann {family}")


@pytest.mark.parametrize("separator", ["\n", "\t", "\r", "\u2028"])
def test_a_full_name_is_one_line(
    feed: SocialFeed, events: EventRecorder, author: User, separator: str
) -> None:
    """A line break or tab inside a full name is a ValidationError; nothing changes."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.users.update_profile(author.id, {"full_name": f"Ann{separator}Smith"})
    assert info.value.field == "full_name"
