"""The wire format: every event survives encode and decode, and bad messages are refused."""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal, get_args, get_origin, get_type_hints

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialfeed import events, signals
from socialfeed.errors import SocialFeedError, WireFormatError
from socialfeed.events import (
    CommentAdded,
    Event,
    HashtagsExtracted,
    NotificationCreated,
    PostLiked,
    UserMuted,
)
from socialfeed.ids import CommentId, NotificationId, PostId, UserId
from socialfeed.outbox.wire import EVENT_TYPES, WIRE_VERSION, _EventCodec, decode, encode

MOMENT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
EVENT_ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
LIKED = PostLiked(
    occurred_at=MOMENT,
    event_id=EVENT_ID,
    user_id=UserId(2),
    post_id=PostId(7),
    post_author_id=UserId(1),
)
LIKED_TEXT = (
    '{"type":"PostLiked","version":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e",'
    '"time":"2026-01-01T12:00:00.000000+00:00",'
    '"payload":{"user_id":2,"post_id":7,"post_author_id":1}}'
)

# Offsets in whole minutes, as every time zone has used since 1972, up to a day either way.
offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timedelta(minutes=minutes))
aware_datetimes = st.datetimes(timezones=st.just(UTC) | st.builds(timezone, offsets))


def values_of(hint: object) -> st.SearchStrategy[Any]:
    """Return a strategy for every valid value of a field type used by an event."""
    simple: dict[object, st.SearchStrategy[Any]] = {
        int: st.integers(-(2**63), 2**63 - 1),
        str: st.text(),
        bool: st.booleans(),
        datetime: aware_datetimes,
        uuid.UUID: st.uuids(),
    }
    if isinstance(hint, typing.NewType):  # an id type: any value of the int it wraps
        return values_of(hint.__supertype__)
    if hint in simple:
        return simple[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([st.none() if arg is type(None) else values_of(arg) for arg in args])
    if origin is tuple:
        return st.lists(values_of(args[0]), max_size=5).map(tuple)
    raise AssertionError(f"no strategy for {hint!r}: teach values_of this field type")


def events_of(event_type: type[Event]) -> st.SearchStrategy[Event]:
    """Return a strategy that builds ``event_type`` with every field drawn at random."""
    hints = get_type_hints(event_type)
    return st.builds(
        event_type,
        **{field.name: values_of(hints[field.name]) for field in attrs.fields(event_type)},
    )


DROP = object()
"""Given as a changed value to `envelope_of` or `with_payload`: remove the key instead."""


def changed(document: dict[str, Any], changes: dict[str, object]) -> dict[str, Any]:
    """Return ``document`` with ``changes`` applied, keys given DROP removed."""
    result = {**document, **changes}
    return {key: value for key, value in result.items() if value is not DROP}


def envelope_of(event: Event, **changes: object) -> str:
    """Return the wire text of ``event`` with some envelope keys changed."""
    return json.dumps(changed(json.loads(encode(event)), changes))


def with_payload(event: Event, **changes: object) -> str:
    """Return the wire text of ``event`` with some payload fields changed."""
    payload = changed(json.loads(encode(event))["payload"], changes)
    return envelope_of(event, payload=payload)


# A hundred random events of every type, slow by nature: out of make check.
@pytest.mark.slow
@pytest.mark.parametrize("event_type", list(EVENT_TYPES.values()), ids=list(EVENT_TYPES))
@given(data=st.data())
def test_every_event_survives_a_round_trip(event_type: type[Event], data: st.DataObject) -> None:
    """Any event of any type decodes, from text or bytes, to an equal event of the same type."""
    event = data.draw(events_of(event_type))
    text = encode(event)
    decoded = decode(text)
    assert decoded == event
    assert type(decoded) is type(event)
    assert decode(text.encode()) == event
    assert encode(decoded) == text
    assert text.isascii()


def test_registry_holds_every_event_a_signal_carries() -> None:
    """The registry names exactly the event types of ALL_SIGNALS, each by its class name."""
    assert len(EVENT_TYPES) == len(signals.ALL_SIGNALS)
    carried = {id(signals.signal_for(event_type)) for event_type in EVENT_TYPES.values()}
    assert carried == {id(signal) for signal in signals.ALL_SIGNALS}
    assert all(event_type.__name__ == name for name, event_type in EVENT_TYPES.items())
    assert all(getattr(events, name) is event_type for name, event_type in EVENT_TYPES.items())


GOLDEN = [
    pytest.param(LIKED_TEXT, LIKED, id="PostLiked"),
    pytest.param(
        '{"type":"NotificationCreated","version":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e",'
        '"time":"2026-01-01T12:00:00.000000+00:00","payload":{"notification_id":5,'
        '"recipient_id":1,"actor_id":2,"kind":"like","post_id":7,"comment_id":null}}',
        NotificationCreated(
            occurred_at=MOMENT,
            event_id=EVENT_ID,
            notification_id=NotificationId(5),
            recipient_id=UserId(1),
            actor_id=UserId(2),
            kind="like",
            post_id=PostId(7),
            comment_id=None,
        ),
        id="NotificationCreated",
    ),
    pytest.param(
        '{"type":"UserMuted","version":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e",'
        '"time":"2026-01-01T12:00:00.000000+00:00","payload":{"muter_id":1,"muted_id":2,'
        '"until":"2026-01-02T09:30:00.250000+05:30"}}',
        UserMuted(
            occurred_at=MOMENT,
            event_id=EVENT_ID,
            muter_id=UserId(1),
            muted_id=UserId(2),
            until=datetime(2026, 1, 2, 9, 30, 0, 250000, tzinfo=timezone(timedelta(hours=5.5))),
        ),
        id="UserMuted",
    ),
    pytest.param(
        '{"type":"HashtagsExtracted","version":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e",'
        '"time":"2026-01-01T12:00:00.000000+00:00","payload":{"post_id":7,'
        '"tags":["caf\\u00e9","\\ud83c\\udf05"]}}',
        HashtagsExtracted(
            occurred_at=MOMENT, event_id=EVENT_ID, post_id=PostId(7), tags=("café", "🌅")
        ),
        id="HashtagsExtracted",
    ),
]


@pytest.mark.parametrize(("text", "event"), GOLDEN)
def test_golden_messages_pin_the_format(text: str, event: Event) -> None:
    """A message written down once decodes to its event, and encoding gives the same text back."""
    assert decode(text) == event
    assert encode(event) == text


def test_wire_version_is_the_one_written() -> None:
    """Messages carry WIRE_VERSION, which is 1 until the format changes."""
    assert WIRE_VERSION == 1
    assert json.loads(encode(LIKED))["version"] == WIRE_VERSION


def test_wire_format_error_is_a_socialfeed_error() -> None:
    """WireFormatError is caught by the one handler every socialfeed error reaches."""
    assert issubclass(WireFormatError, SocialFeedError)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "not json",
        '{"type": ',
        b"\xff\xfe{}",
        "[" * 100_000,
        '{"version": 1' + "0" * 5000 + "}",
    ],
    ids=["empty", "text", "truncated", "not-utf8", "too-deep", "huge-number"],
)
def test_decode_refuses_what_is_not_json(data: str | bytes) -> None:
    """Text that is not JSON, or not UTF-8, or too deep or long to parse, is refused."""
    with pytest.raises(WireFormatError, match=r"not (JSON|UTF-8)"):
        decode(data)


@pytest.mark.parametrize("data", ["[]", '"PostLiked"', "null", "1", f"[{LIKED_TEXT}]"])
def test_decode_refuses_json_that_is_not_an_object(data: str) -> None:
    """A JSON document other than an object is refused."""
    with pytest.raises(WireFormatError, match="not a JSON object"):
        decode(data)


def test_decode_refuses_a_repeated_key() -> None:
    """A key given twice is refused, since JSON readers disagree on which one wins."""
    with pytest.raises(WireFormatError, match="repeats 'user_id'"):
        decode(LIKED_TEXT.replace('"user_id":2', '"user_id":2,"user_id":3'))


def test_decode_refuses_an_unknown_event_type() -> None:
    """A type that is not an event of socialfeed.events is refused, naming it."""
    with pytest.raises(WireFormatError, match="unknown event type 'PostShared'"):
        decode(envelope_of(LIKED, type="PostShared"))


@pytest.mark.parametrize("version", [0, 2, 2**70])
def test_decode_refuses_a_version_it_does_not_read(version: int) -> None:
    """A message of another version is refused before anything else in it is read."""
    text = json.dumps({"version": version, "type": "PostLiked", "body": {}})
    with pytest.raises(WireFormatError, match="is not one this code reads"):
        decode(text)


@pytest.mark.parametrize("version", ["1", True, 1.0, None])
def test_decode_refuses_a_version_that_is_not_an_integer(version: object) -> None:
    """A version given as a string, a boolean, a fraction or null is refused."""
    with pytest.raises(WireFormatError, match="version: expected an integer"):
        decode(json.dumps({"version": version}))


def test_decode_refuses_a_message_without_a_version() -> None:
    """A message that does not say its version is refused."""
    with pytest.raises(WireFormatError, match="no 'version'"):
        decode(envelope_of(LIKED, version=DROP))


@pytest.mark.parametrize("key", ["type", "id", "time", "payload"])
def test_decode_refuses_a_missing_envelope_key(key: str) -> None:
    """An envelope without one of its keys is refused, naming the key."""
    with pytest.raises(WireFormatError, match=f"missing '{key}'"):
        decode(envelope_of(LIKED, **{key: DROP}))


def test_decode_refuses_an_extra_envelope_key() -> None:
    """An envelope with a key it does not define is refused, naming the key."""
    with pytest.raises(WireFormatError, match="unknown 'source'"):
        decode(envelope_of(LIKED, source="web"))


def test_decode_refuses_a_missing_payload_field() -> None:
    """A payload without one of its event's fields is refused, naming the field."""
    with pytest.raises(WireFormatError, match=r"PostLiked\.payload: missing 'post_author_id'"):
        decode(with_payload(LIKED, post_author_id=DROP))


def test_decode_refuses_an_extra_payload_field() -> None:
    """A payload with a field its event does not have is refused, naming the field."""
    with pytest.raises(WireFormatError, match=r"PostLiked\.payload: unknown 'liked_at'"):
        decode(with_payload(LIKED, liked_at="2026-01-01"))


def test_decode_refuses_a_payload_that_is_not_an_object() -> None:
    """A payload given as a list is refused."""
    with pytest.raises(WireFormatError, match=r"payload: expected an object, got a list"):
        decode(envelope_of(LIKED, payload=[2, 7, 1]))


def test_decode_refuses_a_type_that_is_not_a_string() -> None:
    """An event type given as a number is refused."""
    with pytest.raises(WireFormatError, match="type: expected a string, got an integer"):
        decode(envelope_of(LIKED, type=7))


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("user_id", "2", "expected an integer, got a string"),
        ("user_id", True, "expected an integer, got a boolean"),
        ("user_id", 2.0, "expected an integer, got a number with a fraction"),
        ("user_id", None, "expected an integer, got null"),
        ("user_id", 2**63, "expected a 64-bit integer, got one beyond 64 bits"),
        ("post_id", [7], "expected an integer, got a list"),
    ],
)
def test_decode_refuses_a_payload_field_of_the_wrong_type(
    field: str, value: object, problem: str
) -> None:
    """A payload field whose JSON type does not fit the event's field is refused, naming both."""
    with pytest.raises(WireFormatError, match=f"PostLiked.{field}: {problem}"):
        decode(with_payload(LIKED, **{field: value}))


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("time", "2026-01-01T12:00:00", "expected a date and time with a UTC offset"),
        ("time", "2026-01-01", "expected a date and time with a UTC offset"),
        ("time", "yesterday", "expected an ISO 8601 date and time, got another string"),
        ("time", 1767268800, "expected an ISO 8601 date and time, got an integer"),
        ("id", "not-a-uuid", "expected a UUID string, got another string"),
        ("id", 42, "expected a UUID string, got an integer"),
    ],
)
def test_decode_refuses_an_envelope_value_of_the_wrong_type(
    key: str, value: object, problem: str
) -> None:
    """A naive or unreadable time, or an id that is not a UUID, is refused."""
    with pytest.raises(WireFormatError, match=f"PostLiked.{key}: {problem}"):
        decode(envelope_of(LIKED, **{key: value}))


def test_an_offset_with_seconds_is_written_in_utc() -> None:
    """A time whose UTC offset has seconds, which RFC 3339 cannot write, travels in UTC."""
    amsterdam_mean_time = timezone(timedelta(minutes=19, seconds=32))
    until = datetime(1930, 5, 1, 12, 0, tzinfo=amsterdam_mean_time)
    muted = UserMuted(occurred_at=MOMENT, muter_id=UserId(1), muted_id=UserId(2), until=until)
    text = encode(muted)
    assert '"until":"1930-05-01T11:40:28.000000+00:00"' in text
    assert decode(text) == muted
    too_early = datetime(1, 1, 1, 0, 0, tzinfo=amsterdam_mean_time)
    with pytest.raises(WireFormatError, match=r"UserMuted\.until: expected a date and time that"):
        encode(attrs.evolve(muted, until=too_early))


def test_decode_refuses_a_naive_datetime_in_the_payload() -> None:
    """A payload date and time without an offset is refused like the envelope's."""
    muted = UserMuted(occurred_at=MOMENT, muter_id=UserId(1), muted_id=UserId(2), until=MOMENT)
    with pytest.raises(WireFormatError, match=r"UserMuted\.until: expected a date and time with"):
        decode(with_payload(muted, until="2026-01-02T00:00:00"))


def test_decode_refuses_a_value_outside_a_literal() -> None:
    """A notification kind that is not one of NotificationKind's values is refused."""
    created = NotificationCreated(
        occurred_at=MOMENT,
        notification_id=NotificationId(5),
        recipient_id=UserId(1),
        actor_id=UserId(2),
        kind="follow",
        post_id=None,
        comment_id=None,
    )
    with pytest.raises(WireFormatError, match=r"kind: expected one of .*, got another value"):
        decode(with_payload(created, kind="poke"))


def test_decode_refuses_a_list_item_of_the_wrong_type() -> None:
    """A list item of the wrong type is refused, naming its position."""
    extracted = HashtagsExtracted(occurred_at=MOMENT, post_id=PostId(7), tags=("cats",))
    with pytest.raises(WireFormatError, match=r"tags\[1\]: expected a string, got an integer"):
        decode(with_payload(extracted, tags=["cats", 3]))


def test_errors_never_repeat_what_the_message_carried() -> None:
    """An error names the field at fault but not its value, which can be private."""
    comment = CommentAdded(
        occurred_at=MOMENT,
        comment_id=CommentId(1),
        post_id=PostId(2),
        post_author_id=UserId(3),
        author_id=UserId(4),
        content="x",
    )
    for text in (
        with_payload(comment, author_id="my secret diary"),
        with_payload(comment, content=["my secret diary"]),
        envelope_of(comment, time="my secret diary"),
    ):
        with pytest.raises(WireFormatError) as caught:
            decode(text)
        assert "secret" not in str(caught.value)


def test_encode_refuses_a_naive_datetime() -> None:
    """An event whose time has no offset cannot be written, as it could not be read back."""
    with pytest.raises(WireFormatError, match=r"PostLiked\.time: expected a date and time with"):
        encode(attrs.evolve(LIKED, occurred_at=datetime(2026, 1, 1)))


def test_encode_refuses_a_field_of_the_wrong_type() -> None:
    """An event built with a value its class does not declare cannot be written."""
    untyped: Any = "2"  # what an untyped caller could pass: attrs does not check types
    with pytest.raises(WireFormatError, match=r"PostLiked\.user_id: expected an integer"):
        encode(attrs.evolve(LIKED, user_id=untyped))


def test_encode_refuses_an_event_type_outside_socialfeed() -> None:
    """An Event subclass that socialfeed.events does not export has no wire form."""

    @attrs.frozen(kw_only=True)
    class PostLiked(Event):  # the name of a known event, but not that class
        user_id: UserId

    with pytest.raises(WireFormatError, match=r"not an event type of socialfeed\.events"):
        encode(PostLiked(occurred_at=MOMENT, user_id=UserId(1)))
    with pytest.raises(WireFormatError, match=r"not an event type of socialfeed\.events"):
        encode(Event(occurred_at=MOMENT))


class Mood(enum.Enum):
    """An enum for an event that only this test module defines."""

    HAPPY = "happy"
    SAD = "sad"


@attrs.frozen(kw_only=True)
class MoodChanged(Event):
    """An event with an enum field, to show how enums travel."""

    user_id: UserId
    mood: Mood


@attrs.frozen(kw_only=True)
class ScoreChanged(Event):
    """An event with a field type the wire format has no form for."""

    user_id: UserId
    score: float


def test_enum_fields_travel_as_their_value() -> None:
    """An enum field is written as its member's value and read back as the member."""
    codec = _EventCodec.of(MoodChanged)
    event = MoodChanged(occurred_at=MOMENT, user_id=UserId(1), mood=Mood.SAD)
    payload = codec.dump(event)
    assert payload == {"user_id": 1, "mood": "sad"}
    envelope = {"id": str(event.event_id), "time": MOMENT.isoformat(), "payload": payload}
    assert codec.load(envelope) == event
    with pytest.raises(WireFormatError, match=r"MoodChanged\.mood: expected a value of Mood"):
        codec.load({**envelope, "payload": {"user_id": 1, "mood": "grumpy"}})


def test_a_field_type_without_a_wire_form_fails_loudly() -> None:
    """Deriving the codec of an event with an unsupported field type raises, naming the field."""
    with pytest.raises(TypeError, match=r"ScoreChanged\.score: the wire format cannot carry"):
        _EventCodec.of(ScoreChanged)
