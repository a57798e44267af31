"""The JSON provider that makes Flask's bodies byte-identical to the FastAPI example's.

FastAPI writes bodies with Pydantic (or ``json.dumps`` for errors): compact,
UTF-8 rather than ``\\u`` escapes, keys in the order the model declares them,
no trailing newline, and aware UTC datetimes as ISO 8601 with a ``Z``.
Flask's default provider differs on every one of those points.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response

__all__ = ["SocialFeedJSONProvider", "isoformat"]


def isoformat(moment: datetime) -> str:
    """Return ``moment`` as Pydantic v2 writes a datetime: ISO 8601, ``Z`` for UTC."""
    if moment.utcoffset() == timedelta(0):
        return moment.replace(tzinfo=None).isoformat() + "Z"
    return moment.isoformat()


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class SocialFeedJSONProvider(DefaultJSONProvider):
    """Compact, unescaped, unsorted JSON with Pydantic's datetimes and no trailing newline."""

    default = staticmethod(_default)
    ensure_ascii = False
    sort_keys = False
    compact = True

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` compactly: no spaces after ``,`` and ``:``."""
        kwargs.setdefault("separators", (",", ":"))
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Serialize the arguments as a compact ``application/json`` response."""
        # Flask's own ``response`` appends a newline, which FastAPI does not.
        body = self.dumps(self._prepare_response_obj(args, kwargs))
        return self._app.response_class(body, mimetype=self.mimetype)
