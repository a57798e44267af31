"""The one check every argument of every public service method passes through.

`Service` wraps each public method of its subclasses with `checked`, so
that a wrongly typed argument, or an id no row can have, gets the same typed
answer on every backend before any storage sees it:

- An argument of the wrong type (``None`` for a name, ``"no"`` for a flag,
  ``True`` for an id) is a `ValidationError` naming the parameter; a token
  that is no string is an `AuthenticationError`, as any unknown token is.
- An id is a parameter named ``*_id`` (``viewer_id`` too) of an integer
  type (a `typing.NewType` of ``int`` counts). An integer no 64-bit column
  can hold names nothing: it is replaced by a stand-in every backend can
  take and no row has (zero or below), so it reads exactly like an unused
  id instead of overflowing a driver. Stand-ins of different ids differ,
  so that two of them never look like the same user.
- From a collection of ids (``*_ids``), the ids no row can have are left
  out: they name nothing, so no answer about them can be yes.
- A method that takes a ``cursor`` runs inside `listing`, named after the
  method and the arguments that choose the list, so that a cursor made for
  one list is refused by another.

The types come from the method's annotations, read on its first call.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from socialfeed.errors import AuthenticationError, ValidationError
from socialfeed.models import MAX_ID
from socialfeed.pagination import listing

__all__ = ["MIN_STORABLE_ID", "checked"]

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[[Any], Any]

MIN_STORABLE_ID = -(2**63)
"""The least integer every backend's id column can be compared with."""

# Parameters whose wrong type answers like a wrong value of theirs would.
_WRONG_TYPE_ERRORS: dict[str, Callable[[], Exception]] = {
    "token": lambda: AuthenticationError("Invalid token"),
}
_SIMPLE_TYPES = (str, bool, datetime, timedelta, uuid.UUID)


def checked(method: F) -> F:
    """Wrap a public service method so that its arguments are checked first."""
    signature = inspect.signature(method)

    # Read on the first call: when the class is made, names its module
    # defines further down are not there yet.
    @functools.cache
    def checks() -> tuple[dict[str, Check], tuple[str, ...]]:
        hints = typing.get_type_hints(method)
        names = [name for name in list(signature.parameters)[1:] if name in hints]
        ids = tuple(name for name in names if _is_id(name, hints[name]))
        return {name: _check_for(name, hints[name]) for name in names}, ids

    @functools.wraps(method)
    def with_checked_arguments(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        arguments = bound.arguments
        parameter_checks, ids = checks()
        for name, check in parameter_checks.items():
            if name in arguments:
                arguments[name] = check(arguments[name])
        _replace_unstorable_ids(arguments, ids)
        if "cursor" not in signature.parameters:
            return method(*bound.args, **bound.kwargs)
        with listing(_list_name(method, arguments)):
            return method(*bound.args, **bound.kwargs)

    return typing.cast(F, with_checked_arguments)


def _is_id(name: str, hint: Any) -> bool:
    """Tell whether a parameter is an id: named ``*_id``, of an integer type."""
    return name.endswith("_id") and _without_none(hint)[0] is int


def _without_none(hint: Any) -> tuple[Any, bool]:
    """Return the type ``hint`` allows besides ``None`` (NewTypes undone), and whether ``None``."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        hint = members[0] if len(members) == 1 else object
    return _supertype(hint), optional


# What only pages or filters a list, and so may change between its pages.
_NOT_CHOOSING_THE_LIST = frozenset({"self", "viewer_id", "limit", "cursor", "offset"})


def _list_name(method: Callable[..., Any], arguments: Mapping[str, Any]) -> str:
    """Name the list a paged method reads: the method and the arguments that choose it."""
    chosen = ", ".join(
        f"{name}={value!r}"
        for name, value in arguments.items()
        if name not in _NOT_CHOOSING_THE_LIST
    )
    return f"{method.__qualname__}({chosen})"


def _check_for(name: str, hint: Any) -> Check:
    """Return the check of one parameter: it returns the value, or raises a typed error."""
    hint, optional = _without_none(hint)
    inner = _check_for_type(name, hint)

    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        return inner(value)

    return check


def _check_for_type(name: str, hint: Any) -> Check:
    origin = typing.get_origin(hint)
    if hint is int and _is_id(name, hint):
        return lambda value: _id(name, value)
    if hint is int:
        return lambda value: _integer(name, value)
    if origin is typing.Literal:
        allowed = typing.get_args(hint)
        return lambda value: _one_of(name, value, allowed)
    if origin is not None and name.endswith("_ids"):
        return lambda value: _ids(name, value)
    if origin is not None and issubclass(origin, Mapping):
        return lambda value: _instance(name, value, Mapping)
    if hint in _SIMPLE_TYPES:
        return lambda value: _instance(name, value, hint)
    return lambda value: value


def _supertype(hint: Any) -> Any:
    """Return the type a `typing.NewType` stands for (``UserId`` is an ``int``)."""
    while hasattr(hint, "__supertype__"):
        hint = hint.__supertype__
    return hint


def _wrong_type(name: str, what: str) -> Exception:
    make = _WRONG_TYPE_ERRORS.get(name)
    return make() if make is not None else ValidationError(name, f"must be {what}")


def _instance(name: str, value: object, kind: type) -> object:
    # bool is an int, but no flag is a number and no number a flag.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _wrong_type(name, _KIND_NAMES.get(kind, f"a {kind.__name__}"))
    return value


_KIND_NAMES: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    datetime: "a time",
    timedelta: "a duration",
    uuid.UUID: "a UUID",
    Mapping: "a mapping of names to values",
}


def _integer(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _wrong_type(name, "an integer")
    return value


def _id(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _wrong_type(name, "an id (an integer)")
    return value


def _one_of(name: str, value: object, allowed: tuple[object, ...]) -> object:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(name, "must be one of " + ", ".join(map(str, allowed)))
    return value


def _ids(name: str, value: object) -> tuple[int, ...]:
    if not isinstance(value, Collection) or isinstance(value, str | bytes | Mapping):
        raise _wrong_type(name, "a collection of ids")
    ids = tuple(value)
    for item in ids:
        _id(name, item)
    return tuple(item for item in ids if 0 < item <= MAX_ID)


def _replace_unstorable_ids(arguments: dict[str, Any], id_names: tuple[str, ...]) -> None:
    """Give each id outside the 64-bit range a stand-in that names nothing, like it."""
    ids = {name: arguments[name] for name in id_names if arguments.get(name) is not None}
    unstorable = [name for name, value in ids.items() if not MIN_STORABLE_ID <= value <= MAX_ID]
    if not unstorable:
        return
    taken = set(ids.values())
    stand_ins: dict[int, int] = {}
    candidate = 0
    for name in unstorable:
        value = ids[name]
        if value not in stand_ins:
            while candidate in taken:
                candidate -= 1
            stand_ins[value] = candidate
            taken.add(candidate)
        arguments[name] = stand_ins[value]
