"""What a browser finds outside ``/api``: a landing answer at ``/`` and the docs at ``/docs``.

The interactive docs' JavaScript and CSS are served by the app itself, from
the copy of Swagger UI that the ``swagger-ui-bundle-v2`` distribution ships
(installed with the ``examples`` extra), so ``/docs`` works without internet
access; FastAPI's default page loads them from a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

# The distribution ships no type information.
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

__all__ = ["DOCS_ASSETS", "DOCS_FILES", "install_home"]

#: Where the Swagger UI files are served.
DOCS_ASSETS = "/docs-assets"
#: The only Swagger UI files served: the ones ``/docs`` loads. The distribution
#: also ships an ``index.html`` and a ``swagger-initializer.js`` that load the
#: Petstore example from the internet; those, like any other name, are 404.
DOCS_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})


def install_home(app: FastAPI) -> None:
    """Add ``/``, ``/docs`` and the docs' assets to ``app``, none of them in its OpenAPI."""
    directory = Path(swagger_ui_path)

    @app.get(f"{DOCS_ASSETS}/{{name}}", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        """One of :data:`DOCS_FILES`, from the installed Swagger UI."""
        if name not in DOCS_FILES:
            raise HTTPException(404, "Not Found")
        return FileResponse(directory / name)

    @app.get("/", include_in_schema=False)
    def home() -> dict[str, Any]:
        """Say what this server is and where to go from here."""
        return {
            "name": "socialfeed example API",
            "framework": "FastAPI",
            "api": "/api",
            "docs": "/docs",
            "openapi": app.openapi_url,
        }

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI over the app's OpenAPI document, with its assets served from here."""
        root = request.scope.get("root_path", "").rstrip("/")
        assets = f"{root}{DOCS_ASSETS}"
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )
