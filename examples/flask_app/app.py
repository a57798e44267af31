"""The application factory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Response
from werkzeug.routing import Rule

from examples.flask_app.errors import register_error_handlers
from examples.flask_app.extension import socialfeed
from examples.flask_app.guards import install_guards
from examples.flask_app.provider import SocialFeedJSONProvider
from examples.flask_app.responses import json_response
from examples.flask_app.routes import BLUEPRINTS
from socialfeed import SocialFeed

__all__ = ["MethodsAsDeclaredRule", "create_app"]


class MethodsAsDeclaredRule(Rule):
    """A URL rule that answers only the methods it declares.

    Werkzeug lets every GET rule answer HEAD too; FastAPI answers HEAD with
    405, and the two examples must answer alike.
    """

    def __init__(self, string: str, *args: Any, **options: Any) -> None:
        super().__init__(string, *args, **options)
        declared: Iterable[str] = options.get("methods") or ()
        if self.methods is not None and "HEAD" not in {method.upper() for method in declared}:
            self.methods.discard("HEAD")


# --8<-- [start:create_app]
def create_app(feed: SocialFeed | None = None) -> Flask:
    """Build the app over ``feed``, or over the database named by the environment.

    Without ``feed``, the facade is built from ``SOCIALFEED_DATABASE_URL``
    (default ``sqlite:///socialfeed.db``) and ``SOCIALFEED_PASSWORD_MIN_LENGTH``,
    and its tables are created. Either way the notification and hashtag
    handlers are connected to it (once per facade).
    """
    app = Flask(__name__, static_folder=None)
    app.url_rule_class = MethodsAsDeclaredRule
    # "/api/users//posts" is no route: a 404, not a redirect to a merged path.
    app.url_map.merge_slashes = False
    app.json = SocialFeedJSONProvider(app)
    # FastAPI answers OPTIONS with 405, not with an automatic "Allow" response.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    socialfeed.init_app(app, feed)
    register_error_handlers(app)
    install_guards(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_url_rule("/", "home", home)
    return app


# --8<-- [end:create_app]


def home() -> Response:
    """Say what this server is and where to go from here (``/``, for a browser).

    The same keys as the FastAPI example's; this app has no interactive docs.
    """
    return json_response(
        {
            "name": "socialfeed example API",
            "framework": "Flask",
            "api": "/api",
            "docs": None,
            "openapi": None,
        }
    )
