"""Reading a request: its JSON body, path ids and query parameters, checked with Pydantic.

The checks, their order and their messages are FastAPI's, so that both
examples answer a bad request alike. A route decodes the body first (a JSON
syntax error comes before anything else), then checks the caller's token,
then its path parameters, its query parameters and finally the body's
fields. The first problem found is raised as :class:`RequestValidationError`,
which the app answers with ``422 {"detail": "<field>: <reason>"}``.
"""

from __future__ import annotations

import email.message
import json
import re
from typing import Annotated, Final, NamedTuple, TypeVar

import pydantic
from flask import request
from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter
from pydantic_core import PydanticCustomError

__all__ = [
    "CURSOR",
    "LIMIT",
    "NO_BODY",
    "OFFSET",
    "REQUIRED",
    "SEARCH_QUERY",
    "PageParams",
    "RequestValidationError",
    "json_body",
    "optional_body",
    "page_params",
    "path_id",
    "query_param",
    "validate_body",
]

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")


class RequestValidationError(Exception):
    """A request that does not have the shape a route needs; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    @classmethod
    def from_pydantic(
        cls, error: pydantic.ValidationError, *, location: tuple[str, ...]
    ) -> RequestValidationError:
        """Report the first of Pydantic's errors about a value found at ``location``.

        The field is the innermost name: ``("body",)`` plus Pydantic's
        ``("username",)`` is ``username``; an error about the whole body is ``body``.
        """
        first = error.errors()[0]
        names = [part for part in (*location, *first["loc"]) if isinstance(part, str)]
        return cls(names[-1], first["msg"])


class _NoBody:
    """The type of :data:`NO_BODY`."""

    def __repr__(self) -> str:
        return "NO_BODY"


#: What :func:`json_body` returns for an empty body or one that is not declared JSON.
NO_BODY: Final = _NoBody()


def json_body() -> object:
    """Decode the request's JSON body, as FastAPI does before checking anything else.

    An empty body is :data:`NO_BODY`. A body without a JSON content type is
    handed on as raw bytes, so it fails the field checks later, as in FastAPI.
    """
    raw = request.get_data(cache=True)
    if not raw:
        return NO_BODY
    header = request.headers.get("Content-Type")
    if header is None:
        return raw
    content_type = email.message.Message()
    content_type["content-type"] = header
    subtype = content_type.get_content_subtype()
    if content_type.get_content_maintype() != "application" or not (
        subtype == "json" or subtype.endswith("+json")
    ):
        return raw
    try:
        decoded: object = json.loads(raw)
    # Bytes that are no UTF-8, UTF-16 or UTF-32 text, or arrays nested thousands
    # deep, are malformed JSON to a client like any syntax error.
    except (ValueError, RecursionError) as error:
        raise RequestValidationError("body", "JSON decode error") from error
    return decoded


def validate_body(model: type[Model], body: object) -> Model:
    """Check a decoded body against ``model``; a missing body is "body: Field required"."""
    if body is NO_BODY:
        raise RequestValidationError("body", "Field required")
    try:
        return model.model_validate(body, from_attributes=True)
    except pydantic.ValidationError as error:
        raise RequestValidationError.from_pydantic(error, location=("body",)) from None


def optional_body(model: type[Model], body: object) -> Model | None:
    """Check a decoded body that may be left out: none, or JSON ``null``, is ``None``."""
    if body is NO_BODY or body is None:
        return None
    return validate_body(model, body)


# A canonical decimal integer: no sign but "-", no leading zero, no "_", no
# spaces, ASCII digits only. int() takes "+42", "1_000", " 42", "042" and
# full-width or Arabic-Indic digits as 42: each would be another name for a resource.
_CANONICAL_ID = re.compile(r"-?[1-9][0-9]*|0")


def _canonical_id(value: object) -> object:
    """Let only a canonical decimal integer through to the integer conversion."""
    if isinstance(value, str) and not _CANONICAL_ID.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    return value


_PATH_ID: Final[TypeAdapter[int]] = TypeAdapter(Annotated[int, BeforeValidator(_canonical_id)])


def path_id(name: str, raw: str) -> int:
    """Return a path segment as an integer id; anything else (even "+42") is 422 naming ``name``."""
    try:
        return _PATH_ID.validate_python(raw, from_attributes=True)
    except pydantic.ValidationError as error:
        raise RequestValidationError.from_pydantic(error, location=("path", name)) from None


class _Required:
    """The type of :data:`REQUIRED`."""

    def __repr__(self) -> str:
        return "REQUIRED"


#: The ``default`` of a query parameter that must be given.
REQUIRED: Final = _Required()


def query_param(name: str, adapter: TypeAdapter[T], default: T | _Required = REQUIRED) -> T:
    """Return a query parameter checked by ``adapter``, or ``default`` when it is absent.

    A repeated parameter counts with its last value, as in Starlette.
    """
    values = request.args.getlist(name)
    if not values:
        if isinstance(default, _Required):
            raise RequestValidationError(name, "Field required")
        return default
    try:
        return adapter.validate_python(values[-1], from_attributes=True)
    except pydantic.ValidationError as error:
        raise RequestValidationError.from_pydantic(error, location=("query", name)) from None


LIMIT: Final[TypeAdapter[int]] = TypeAdapter(Annotated[int, Field(ge=1, le=100)])
OFFSET: Final[TypeAdapter[int]] = TypeAdapter(Annotated[int, Field(ge=0)])
CURSOR: Final[TypeAdapter[str | None]] = TypeAdapter(str | None)
#: A search query: 1 to 100 characters, checked before the library sees it.
SEARCH_QUERY: Final[TypeAdapter[str]] = TypeAdapter(
    Annotated[str, Field(min_length=1, max_length=100)]
)


class PageParams(NamedTuple):
    """The paging parameters of a list route, checked."""

    limit: int
    offset: int
    cursor: str | None


def page_params(default_limit: int) -> PageParams:
    """Read ``limit`` (1 to 100), ``offset`` (0 or more) and ``cursor``, in that order."""
    return PageParams(
        limit=query_param("limit", LIMIT, default_limit),
        offset=query_param("offset", OFFSET, 0),
        cursor=query_param("cursor", CURSOR, None),
    )
