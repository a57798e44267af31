"""Finding hashtags and mentions in what users write.

Both work on the NFKC form of the text, so full-width signs and letters
count like their ASCII spellings. A tag or mention must start a word: ``a#b``,
``alice@example.com`` and the ``#fragment`` of a URL are none.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_TAGS_PER_POST", "MAX_TAG_LENGTH", "extract_hashtags", "extract_mentions"]

MAX_TAGS_PER_POST = 30
"""At most this many distinct hashtags (and mentions) of one text are used."""
MAX_TAG_LENGTH = 100
"""A longer run of letters after ``#`` is not indexed as a tag."""

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)
# Not after a word character (a#b), nor after #, & (HTML entities) or / (paths).
_HASHTAG = re.compile(r"(?<![\w#&/])#([^\s#]+)")
_MENTION = re.compile(r"(?<![\w@./])@([\w.]+)")


def extract_hashtags(text: str | None) -> tuple[str, ...]:
    """Return the distinct hashtags of ``text``, lowercased, in order of appearance.

    A tag is ``#`` followed by letters, digits or ``_`` with at least one
    letter, so ``#123`` is no tag.
    """
    tags: dict[str, None] = {}
    for match in _HASHTAG.finditer(_searchable(text)):
        tag = _word_prefix(match.group(1)).lower()
        if len(tag) <= MAX_TAG_LENGTH and any(ch.isalpha() for ch in tag):
            tags.setdefault(tag)
            if len(tags) == MAX_TAGS_PER_POST:
                break
    return tuple(tags)


def extract_mentions(text: str | None) -> tuple[str, ...]:
    """Return the distinct usernames mentioned in ``text`` as written, in order.

    A trailing ``.`` ends the sentence, not the username (``thanks @bob.``).
    Whether such a user exists is for the caller to find out.
    """
    names: dict[str, None] = {}
    for match in _MENTION.finditer(_searchable(text)):
        name = match.group(1).rstrip(".")
        if name and len(name) <= 30:
            names.setdefault(name)
            if len(names) == MAX_TAGS_PER_POST:
                break
    return tuple(names)


def _word_prefix(candidate: str) -> str:
    """Return the leading run of letters, digits, ``_`` and combining marks.

    Combining marks matter: the vowel signs of Devanagari and many other
    scripts are marks, not letters, and ``\\w`` alone would cut ``#हिंदी`` short.
    """
    for index, ch in enumerate(candidate):
        if not (ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")):
            return candidate[:index]
    return candidate


def _searchable(text: str | None) -> str:
    return _URL.sub(" ", unicodedata.normalize("NFKC", text or ""))
