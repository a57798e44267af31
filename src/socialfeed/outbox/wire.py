"""The wire format: every event as one line of versioned JSON, and back again.

The outbox stores events in this form, and stream workers in other processes
(or other languages) read them from it. `encode` writes an event and
`decode` turns the text back into the same typed event. A message is a JSON
object with its keys in this order::

    {"type": "PostLiked", "version": 1,
     "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
     "time": "2026-01-01T12:00:00.000000+00:00",
     "payload": {"user_id": 2, "post_id": 7, "post_author_id": 1}}

``type`` is the event's class name, ``id`` its ``event_id``, ``time`` its
``occurred_at`` and ``payload`` every other field, in the order the class
declares them. Integers are signed 64-bit; date-times are ISO 8601 with
microseconds and their UTC offset in hours and minutes (one whose offset has
seconds is written in UTC); UUIDs are strings; a literal or enum is
its value; a tuple is a list; ``None`` is null. The text is compact (no
spaces) and ASCII: other characters are ``\\u`` escapes, so any store or
broker can hold it.

The codec of each event type is derived from its attrs fields and their type
hints, so a new event in `socialfeed.events` has a wire form without any
change here; a field of a type the format cannot carry is a ``TypeError``
when this module is imported.

Versioning: `WIRE_VERSION` names the rules a message was written under.
It changes when an existing field of an event changes meaning or type, or is
removed or renamed, and when a field is added to an existing event (a reader
refuses fields it does not know). Adding a new event type does not change
it. A reader raises `WireFormatError` for a version it does not read, as for
an event type it does not know; a stream worker dead-letters such a message
rather than retrying it, so it can be replayed once the worker is upgraded.
Upgrade the readers before the writers.
"""

from __future__ import annotations

import enum
import json
import types
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import (
    Any,
    Final,
    Literal,
    NewType,
    NoReturn,
    TypeGuard,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

import attrs

from socialfeed import events
from socialfeed.errors import WireFormatError
from socialfeed.events import Event

__all__ = ["EVENT_TYPES", "WIRE_VERSION", "decode", "encode"]

WIRE_VERSION: Final[int] = 1
"""The version of the wire format that `encode` writes and `decode` reads."""

_INT64 = range(-(2**63), 2**63)
# The fields of the base class `Event`, which travel in the envelope as "id" and "time".
_ENVELOPE_FIELDS: Final = frozenset({"event_id", "occurred_at"})
_ENVELOPE_KEYS: Final = ("type", "version", "id", "time", "payload")
# Error messages name what they found, never the value itself, which can be private.
_JSON_KINDS: Final[tuple[tuple[type, str], ...]] = (
    (bool, "a boolean"),  # before int: a bool is an int in Python
    (int, "an integer"),
    (float, "a number with a fraction"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


class _MismatchError(Exception):
    """A value does not fit its field's type; ``where`` locates it inside the field."""

    def __init__(self, expected: str, found: str, where: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.found = found
        self.where = where


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return next(
        (name for kind, name in _JSON_KINDS if isinstance(value, kind)), type(value).__name__
    )


@attrs.frozen
class _Converter:
    """How values of one field type become JSON values and come back.

    ``dump`` checks the value too, so that `encode` never writes a message
    that `decode` would refuse.
    """

    dump: Callable[[Any], object]
    load: Callable[[Any], object]


def _same_in_json(kind: type, expected: str) -> _Converter:
    """Convert a type that JSON has too: only check that the value is of that type."""

    def check(value: object) -> object:
        if not isinstance(value, kind):
            raise _MismatchError(expected, _kind(value))
        return value

    return _Converter(dump=check, load=check)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _int64(value: object) -> int:
    # Many JSON readers hold integers in 64 bits (or fewer): larger ones stay out.
    if not _is_int(value):
        raise _MismatchError("an integer", _kind(value))
    if value not in _INT64:
        raise _MismatchError("a 64-bit integer", "one beyond 64 bits")
    return value


def _dump_datetime(value: object) -> str:
    if not isinstance(value, datetime):
        raise _MismatchError("a date and time", _kind(value))
    offset = value.utcoffset()
    if offset is None:
        raise _MismatchError("a date and time with a UTC offset", "a naive date and time")
    if offset % timedelta(minutes=1):
        # RFC 3339, which readers in other languages follow, has offsets in whole
        # minutes; only historical local mean times have seconds. Same instant, in UTC.
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise _MismatchError("a date and time that UTC can express", "one beyond") from None
    return value.isoformat(timespec="microseconds")


def _load_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise _MismatchError("an ISO 8601 date and time", _kind(value))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _MismatchError("an ISO 8601 date and time", "another string") from None
    if moment.utcoffset() is None:
        raise _MismatchError("a date and time with a UTC offset", "one without")
    return moment


def _dump_uuid(value: object) -> str:
    if not isinstance(value, uuid.UUID):
        raise _MismatchError("a UUID", _kind(value))
    return str(value)


def _load_uuid(value: object) -> uuid.UUID:
    if not isinstance(value, str):
        raise _MismatchError("a UUID string", _kind(value))
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _MismatchError("a UUID string", "another string") from None


_SIMPLE: Final[Mapping[object, _Converter]] = {
    int: _Converter(dump=_int64, load=_int64),
    str: _same_in_json(str, "a string"),
    bool: _same_in_json(bool, "a boolean"),
    datetime: _Converter(dump=_dump_datetime, load=_load_datetime),
    uuid.UUID: _Converter(dump=_dump_uuid, load=_load_uuid),
}


def _literal(choices: tuple[object, ...]) -> _Converter:
    """Convert one of the values of a ``Literal``, as itself."""
    if not all(type(choice) in (str, int, bool) for choice in choices):
        raise TypeError(f"only str, int and bool literals fit in JSON, not {choices!r}")
    expected = "one of " + ", ".join(json.dumps(choice) for choice in choices)

    def check(value: object) -> object:
        # By type too: 1 == True, but a bool is not the literal 1.
        if any(type(value) is type(choice) and value == choice for choice in choices):
            return value
        fits = any(type(value) is type(choice) for choice in choices)
        raise _MismatchError(expected, "another value" if fits else _kind(value))

    return _Converter(dump=check, load=check)


def _enum(enum_type: type[enum.Enum]) -> _Converter:
    """Convert an enum member as its value."""
    if not all(type(member.value) in (str, int) for member in enum_type):
        raise TypeError(f"{enum_type.__name__} has values that are not str or int")
    expected = f"a value of {enum_type.__name__}"

    def dump(value: object) -> object:
        if not isinstance(value, enum_type):
            raise _MismatchError(expected, _kind(value))
        return value.value

    def load(value: object) -> enum.Enum:
        if not any(type(value) is type(member.value) for member in enum_type):
            raise _MismatchError(expected, _kind(value))
        try:
            return enum_type(value)
        except ValueError:
            raise _MismatchError(expected, "another value") from None

    return _Converter(dump=dump, load=load)


def _optional(inner: _Converter) -> _Converter:
    """Convert ``X | None``: null stands for ``None``."""
    return _Converter(
        dump=lambda value: None if value is None else inner.dump(value),
        load=lambda value: None if value is None else inner.load(value),
    )


def _items(convert: Callable[[Any], object], values: Iterable[object]) -> list[object]:
    converted = []
    for index, value in enumerate(values):
        try:
            converted.append(convert(value))
        except _MismatchError as mismatch:
            raise _MismatchError(
                mismatch.expected, mismatch.found, f"[{index}]{mismatch.where}"
            ) from None
    return converted


def _tuple(inner: _Converter) -> _Converter:
    """Convert ``tuple[X, ...]`` as a JSON list."""

    def dump(value: object) -> list[object]:
        if not isinstance(value, tuple):
            raise _MismatchError("a tuple", _kind(value))
        return _items(inner.dump, value)

    def load(value: object) -> tuple[object, ...]:
        if not isinstance(value, list):
            raise _MismatchError("a list", _kind(value))
        return tuple(_items(inner.load, value))

    return _Converter(dump=dump, load=load)


def _converter_for(hint: object) -> _Converter:
    """Return the converter of a field type, or raise TypeError if JSON cannot carry it."""
    if isinstance(hint, NewType):
        return _converter_for(hint.__supertype__)  # an id type is its int on the wire
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return _literal(args)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint)
    if origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (inner,) = (arg for arg in args if arg is not type(None))
        return _optional(_converter_for(inner))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple(_converter_for(args[0]))
    raise TypeError(f"the wire format cannot carry {hint!r}")


@attrs.frozen
class _EventCodec:
    """How one event type becomes an envelope and its payload, and comes back."""

    event_type: type[Event]
    # (payload key, constructor argument, converter), in declaration order.
    fields: tuple[tuple[str, str, _Converter], ...]

    @classmethod
    def of(cls, event_type: type[Event]) -> _EventCodec:
        """Derive the codec of ``event_type``; raise TypeError for a field it cannot carry."""
        hints = get_type_hints(event_type)
        fields = []
        for field in attrs.fields(event_type):
            if field.name in _ENVELOPE_FIELDS:
                continue
            if not field.init:
                raise TypeError(f"{event_type.__name__}.{field.name} is not set by __init__")
            try:
                converter = _converter_for(hints[field.name])
            except TypeError as error:
                raise TypeError(f"{event_type.__name__}.{field.name}: {error}") from None
            fields.append((field.name, field.alias, converter))
        return cls(event_type, tuple(fields))

    def dump(self, event: Event) -> dict[str, object]:
        """Return the payload of ``event``: every field but those of the envelope."""
        payload = {}
        for name, _, converter in self.fields:
            payload[name] = _convert(converter.dump, getattr(event, name), self._where(name))
        return payload

    def load(self, envelope: Mapping[str, object]) -> Event:
        """Build the event an envelope describes; ``type`` and ``version`` were checked."""
        payload = envelope["payload"]
        if not isinstance(payload, dict):
            _fail(f"{self._where('payload')}: expected an object, got {_kind(payload)}")
        _check_keys(self._where("payload"), payload, [name for name, _, _ in self.fields])
        arguments = {
            argument: _convert(converter.load, payload[name], self._where(name))
            for name, argument, converter in self.fields
        }
        arguments["event_id"] = _convert(_load_uuid, envelope["id"], self._where("id"))
        arguments["occurred_at"] = _convert(_load_datetime, envelope["time"], self._where("time"))
        try:
            return self.event_type(**arguments)
        except (TypeError, ValueError) as error:
            raise WireFormatError(f"{self.event_type.__name__}: not a valid event") from error

    def _where(self, name: str) -> str:
        return f"{self.event_type.__name__}.{name}"


def _fail(message: str) -> NoReturn:
    raise WireFormatError(message)


def _convert(convert: Callable[[Any], Any], value: object, where: str) -> Any:
    try:
        return convert(value)
    except _MismatchError as mismatch:
        _fail(f"{where}{mismatch.where}: expected {mismatch.expected}, got {mismatch.found}")


def _shown(names: Iterable[str]) -> str:
    """Name keys in an error message, cut short: a broken message can have huge ones."""
    listed = sorted(names)
    shown = ", ".join(repr(name[:40]) for name in listed[:5])
    return shown + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")


def _check_keys(where: str, found: Mapping[str, object], names: Iterable[str]) -> None:
    expected = set(names)
    if missing := expected - found.keys():
        _fail(f"{where}: missing {_shown(missing)}")
    if unknown := found.keys() - expected:
        _fail(f"{where}: unknown {_shown(unknown)}")


def _event_codecs() -> dict[str, _EventCodec]:
    """Derive a codec for every event type `socialfeed.events` exports, keyed by class name."""
    if {field.name for field in attrs.fields(Event)} != _ENVELOPE_FIELDS:
        raise TypeError("the envelope carries exactly the fields of Event; update it with them")
    codecs = {}
    for name in events.__all__:
        event_type = getattr(events, name)
        is_event = isinstance(event_type, type) and issubclass(event_type, Event)
        if not is_event or event_type is Event:
            continue
        if event_type.__name__ != name:
            raise TypeError(f"events.{name} is exported under another name than its class's")
        codecs[name] = _EventCodec.of(event_type)
    return codecs


_CODECS: Final = _event_codecs()

EVENT_TYPES: Final[Mapping[str, type[Event]]] = types.MappingProxyType(
    {name: codec.event_type for name, codec in _CODECS.items()}
)
"""Every event type with a wire form, by the class name its messages carry as ``type``."""


def encode(event: Event) -> str:
    """Return ``event`` as a wire message: compact JSON, keys in a stable order.

    Raise `WireFormatError` for an event the wire format does not know, or
    whose fields do not have the types its class declares.
    """
    name = type(event).__name__
    codec = _CODECS.get(name)
    if codec is None or codec.event_type is not type(event):
        _fail(f"{type(event).__qualname__} is not an event type of socialfeed.events")
    envelope = {
        "type": name,
        "version": WIRE_VERSION,
        "id": _convert(_dump_uuid, event.event_id, f"{name}.id"),
        "time": _convert(_dump_datetime, event.occurred_at, f"{name}.time"),
        "payload": codec.dump(event),
    }
    return json.dumps(envelope, separators=(",", ":"))


def decode(data: str | bytes) -> Event:
    """Return the event a wire message describes: the inverse of `encode`.

    Raise `WireFormatError` if ``data`` is not a JSON object, has a version
    this code does not read, names an unknown event type, or has a missing,
    unknown or mistyped field.
    """
    envelope = _parse(data)
    if "version" not in envelope:
        _fail("the message has no 'version'")
    # The version comes first: the rest of the message is read by its rules.
    version = envelope["version"]
    if not _is_int(version):
        _fail(f"version: expected an integer, got {_kind(version)}")
    if version != WIRE_VERSION:
        shown = version if version in _INT64 else "out of range"
        _fail(f"version {shown} is not one this code reads (it reads {WIRE_VERSION})")
    _check_keys("the message", envelope, _ENVELOPE_KEYS)
    name = envelope["type"]
    if not isinstance(name, str):
        _fail(f"type: expected a string, got {_kind(name)}")
    codec = _CODECS.get(name)
    if codec is None:
        _fail(f"unknown event type {name[:60]!r}")
    return codec.load(envelope)


def _parse(data: str | bytes) -> dict[str, object]:
    """Parse JSON text into an object, refusing repeated keys."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        _fail("the message is not UTF-8 text")
    except json.JSONDecodeError as error:
        _fail(f"the message is not JSON: {error.msg} at line {error.lineno} column {error.colno}")
    except (ValueError, RecursionError) as error:
        # Python's own limits: integers of thousands of digits, or very deep nesting.
        _fail(f"the message is not JSON this code can read ({type(error).__name__})")
    if not isinstance(document, dict):
        _fail(f"the message is not a JSON object but {_kind(document)}")
    return document


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # Python keeps the last of repeated keys where other readers may keep the
    # first: a message that two consumers would read differently is refused.
    counts = Counter(key for key, _ in pairs)
    if repeated := [key for key, count in counts.items() if count > 1]:
        _fail(f"the message repeats {_shown(repeated)}")
    return dict(pairs)
