"""The socialfeed REST API as a Flask app: ``create_app()`` builds it.

Run it with ``python -m examples.flask_app --host 127.0.0.1 --port 8000``; the
routes, and how the library's errors become HTTP answers, are listed in this
package's README.
"""

from examples.flask_app.app import create_app
from examples.flask_app.extension import SocialFeedExtension, current_feed, socialfeed

__all__ = ["SocialFeedExtension", "create_app", "current_feed", "socialfeed"]
