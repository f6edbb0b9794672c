"""`/api/docs` (Swagger UI) and `/api/redoc` (ReDoc) from files shipped with the console.

FastAPI's own pages load Swagger UI from a CDN and start it with an inline script: blank without
internet, and at odds with a strict CSP. Here the assets come from the pinned `fastapi-offline`
package (Swagger UI 5, ReDoc 2), the pages reference nothing but same-origin files, and Swagger UI
is started by a script file (`docs_assets/swagger-init.js`).
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

OPENAPI_URL = "/api/openapi.json"
SWAGGER_PATH = "/api/docs"
REDOC_PATH = "/api/redoc"
ASSETS_PATH = "/api/docs/assets"
FAVICON = "/favicon.svg"  # the console's own icon, served with the pages

_VENDOR = Path(str(files("fastapi_offline") / "static"))
_OWN = Path(__file__).parent / "docs_assets"
ASSETS: dict[str, Path] = {
    "swagger-ui-bundle.js": _VENDOR / "swagger-ui-bundle.js",
    "swagger-ui.css": _VENDOR / "swagger-ui.css",
    "redoc.standalone.js": _VENDOR / "redoc.standalone.js",
    "swagger-init.js": _OWN / "swagger-init.js",
    "docs.css": _OWN / "docs.css",
}
_CACHE = "public, max-age=86400"

router = APIRouter(include_in_schema=False)


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{favicon}" type="image/svg+xml">
<link rel="stylesheet" href="{assets}/docs.css">
{head}</head>
<body>
{body}</body>
</html>
"""


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=escape(title), favicon=FAVICON, assets=ASSETS_PATH, head=head, body=body)
    )


@router.get(SWAGGER_PATH)
def swagger_ui() -> HTMLResponse:
    return _page(
        "Billing Console API · Swagger UI",
        f'<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">\n',
        f'<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>\n'
        f'<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{ASSETS_PATH}/swagger-init.js"></script>\n',
    )


@router.get(REDOC_PATH)
def redoc() -> HTMLResponse:
    # ReDoc's standalone bundle starts itself on the <redoc> element.
    return _page(
        "Billing Console API · ReDoc",
        "",
        f'<redoc spec-url="{OPENAPI_URL}"></redoc>\n'
        f'<script src="{ASSETS_PATH}/redoc.standalone.js"></script>\n',
    )


@router.get(ASSETS_PATH + "/{name}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(status_code=404, detail=f"No documentation asset {name!r}")
    return FileResponse(path, headers={"Cache-Control": _CACHE})
