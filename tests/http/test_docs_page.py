"""The FastAPI example's interactive docs: served whole by the app, with no asset from elsewhere."""

from __future__ import annotations

import re

from tests.http.conftest import ApiClient


def test_docs_use_only_local_assets(api: ApiClient) -> None:
    """/docs names only paths on this server (no CDN), and each of them is served."""
    if api.framework == "flask":
        assert api.request("GET", "/docs").status == 404  # the Flask example has no docs page
        return

    page = api.request("GET", "/docs")

    assert page.status == 200
    html = page.body.decode()
    assert not re.search(r"https?://|//[a-z]", html), re.findall(r"\S*//\S+", html)
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert len(urls) >= 4, urls  # the JS, the CSS, the favicon and the OpenAPI document
    for url in urls:
        assert url.startswith("/"), url
        served = api.request("GET", url)
        assert served.status == 200, (url, served.status)
        assert served.body, url


def test_docs_assets_serve_only_what_docs_loads(api: ApiClient) -> None:
    """Swagger UI's own index page and Petstore initializer are not served, nor any other file."""
    if api.framework == "flask":  # no docs page, so no assets either
        assert api.request("GET", "/docs-assets/index.html").status == 404
        return
    for name in ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]:
        assert api.request("GET", f"/docs-assets/{name}").status == 200, name
    for name in ["index.html", "swagger-initializer.js", "swagger-ui.js", "", "../README.md"]:
        assert api.request("GET", f"/docs-assets/{name}").status == 404, name
