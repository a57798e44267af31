"""The FastAPI example: the REST API of ``shared/API-CONTRACT.md`` over socialfeed.

``create_app()`` returns the app; ``python -m examples.fastapi_app`` serves it.
"""

from examples.fastapi_app.app import create_app

__all__ = ["create_app"]
