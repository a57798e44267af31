"""Finding hashtags and @mentions in text: what counts, how it is normalised, how many."""

from __future__ import annotations

import pytest

from socialfeed.text import MAX_TAG_LENGTH, MAX_TAGS_PER_POST, extract_hashtags, extract_mentions


def test_hashtags_in_any_script() -> None:
    """Tags made of non-ASCII letters are found whole."""
    assert extract_hashtags("#café au lait, #日本 and #ภาษาไทย") == ("café", "日本", "ภาษาไทย")


def test_hashtag_with_combining_marks_is_found_whole() -> None:
    """A tag whose letters carry combining vowel signs (Devanagari) is not cut at the first sign."""
    assert extract_hashtags("#हिंदी दिवस") == ("हिंदी",)


def test_full_width_hash_sign_and_letters() -> None:
    """A full-width ``＃`` starts a tag, and full-width letters become their ASCII forms."""
    assert extract_hashtags("＃タグ and ＃Ｔａｇ") == ("タグ", "tag")


def test_hashtags_are_nfkc_normalised_then_lowercased() -> None:
    """Case and composition variants of one tag are one tag, spelled in lowercase NFC."""
    decomposed = "#Cafe\u0301"
    assert extract_hashtags(f"#Café #CAFÉ {decomposed} #café") == ("café",)


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#123", ()),
        ("#2024", ()),
        ("#_", ()),
        ("#1a", ("1a",)),
        ("#tag_1", ("tag_1",)),
    ],
)
def test_a_hashtag_needs_a_letter(text: str, tags: tuple[str, ...]) -> None:
    """Digits and underscores alone are no tag; one letter among them makes one."""
    assert extract_hashtags(text) == tags


@pytest.mark.parametrize(
    "text",
    [
        "a#b",
        "C#",
        "it&#39;s",
        "it&#x27;s",
        "##double",
        "https://x.com/p#frag",
        "see https://x.com/p?q=1#frag.",
        "x.com/#frag",
    ],
)
def test_a_hashtag_must_start_a_word(text: str) -> None:
    """``#`` inside a word, an HTML entity, a doubled ``#`` or a URL's fragment is no tag."""
    assert extract_hashtags(text) == ()


def test_text_around_a_url_still_has_tags() -> None:
    """Removing a URL's fragment keeps the tags written before and after it."""
    assert extract_hashtags("#before https://x.com/p#frag #after") == ("before", "after")


def test_a_hashtag_ends_at_punctuation() -> None:
    """Sentence punctuation after a tag is not part of it."""
    assert extract_hashtags("Loving it #summer. #sun, #sea!") == ("summer", "sun", "sea")


def test_duplicate_hashtags_count_once_in_order_of_first_appearance() -> None:
    """A tag written again later keeps its first position."""
    assert extract_hashtags("#b #a #B #c #a") == ("b", "a", "c")


def test_at_most_thirty_hashtags_are_used() -> None:
    """Only the first 30 distinct tags of a text are returned."""
    text = " ".join(f"#tag{n}" for n in range(MAX_TAGS_PER_POST + 5))

    tags = extract_hashtags(text)

    assert len(tags) == MAX_TAGS_PER_POST == 30
    assert tags == tuple(f"tag{n}" for n in range(30))


def test_duplicates_do_not_use_up_the_thirty() -> None:
    """Repeating a tag does not count against the limit of distinct tags."""
    text = "#same " * 40 + " ".join(f"#t{n}" for n in range(29))
    assert extract_hashtags(text) == ("same", *(f"t{n}" for n in range(29)))


def test_an_over_long_hashtag_is_skipped_not_truncated() -> None:
    """A tag longer than 100 characters is left out; one of exactly 100 is kept."""
    longest = "a" * MAX_TAG_LENGTH
    too_long = "b" * (MAX_TAG_LENGTH + 1)

    assert extract_hashtags(f"#{too_long} #{longest} #ok") == (longest, "ok")


def test_no_text_has_no_hashtags() -> None:
    """``None`` and empty text have no tags."""
    assert extract_hashtags(None) == ()
    assert extract_hashtags("") == ()


def test_mentions_are_found_as_written() -> None:
    """Mentions keep their spelling; whether the user exists is the caller's business."""
    assert extract_mentions("hi @bob and @Alice_1 and @jo.smith") == ("bob", "Alice_1", "jo.smith")


def test_a_full_stop_after_a_mention_ends_the_sentence() -> None:
    """``@bob.`` at the end of a sentence mentions ``bob``."""
    assert extract_mentions("thanks @bob.") == ("bob",)
    assert extract_mentions("thanks @jo.smith. See you") == ("jo.smith",)


@pytest.mark.parametrize(
    "text",
    [
        "alice@example.com",
        "mail me at alice@example.com.",
        "x.com/@bob",
        "https://x.com/@bob",
        "@@bob",
        "@",
        "@.",
    ],
)
def test_an_email_address_or_url_has_no_mentions(text: str) -> None:
    """``@`` inside a word, a path or a URL, or with no name after it, is no mention."""
    assert extract_mentions(text) == ()


def test_full_width_mention() -> None:
    """``＠ｂｏｂ`` mentions ``bob``."""
    assert extract_mentions("＠ｂｏｂ さん") == ("bob",)


def test_duplicate_mentions_count_once_in_order() -> None:
    """A user mentioned twice is returned once, at their first mention."""
    assert extract_mentions("@carol @bob @carol @bob. @dave") == ("carol", "bob", "dave")


def test_at_most_thirty_mentions_are_used() -> None:
    """Only the first 30 distinct mentions of a text are returned."""
    text = " ".join(f"@user{n}" for n in range(MAX_TAGS_PER_POST + 5))
    assert extract_mentions(text) == tuple(f"user{n}" for n in range(30))


def test_a_mention_longer_than_a_username_is_skipped() -> None:
    """A name over 30 characters cannot be a username, so it is no mention."""
    assert extract_mentions(f"@{'a' * 31} @{'b' * 30}") == ("b" * 30,)


def test_no_text_has_no_mentions() -> None:
    """``None`` and empty text have no mentions."""
    assert extract_mentions(None) == ()
    assert extract_mentions("") == ()
