"""What Reflex does on the wire by default and the console does not: CORS and the websocket's origin.

Reflex wraps its apps in Starlette's CORSMiddleware with `allow_credentials=True` for
`rx.Config.cors_allowed_origins` (every origin by default), and hands the same list to
python-engineio, whose empty list means "check no origin at all". The console answers no other
origin with credentials (backend/api/cors.py puts CORS on /api/v1 only), and its websocket accepts
browsers from the host they connect to only. Decisions: docs/decisions.md, "CORS and the websocket
origin".
"""

from __future__ import annotations

from pathlib import Path

import reflex as rx
from reflex import constants
from reflex.app import App
from reflex.utils.prerequisites import get_web_dir
from starlette.applications import Starlette

from backend.api.cors import websocket_origin_check


def _no_reflex_cors(_api: Starlette) -> None:
    """Stands in for `App._add_cors`: Reflex adds no CORS middleware anywhere."""


def without_reflex_cors() -> None:
    """Call before `rx.App(...)`: Reflex calls `App._add_cors` from `App.__post_init__` and again
    around the api_transformer and its outermost app when the server starts."""
    App._add_cors = staticmethod(_no_reflex_cors)  # type: ignore[method-assign]


def same_origin_websocket(app: rx.App) -> None:
    """Browsers may open the websocket (`/_event`) only from pages of the host they connect to.

    Reflex passes `cors_allowed_origins` to engineio as a list (a fixed list would break tenant hosts,
    an empty one turns the check off); engineio also accepts a callable, asked with each handshake's
    Origin and environ.
    """
    if app.sio is None:
        raise RuntimeError("the Reflex app has no Socket.IO server (enable_state=False?)")
    app.sio.eio.cors_allowed_origins = websocket_origin_check


def frontend_build() -> Path:
    """Where `reflex run --env prod` writes the pages it serves (.web/build/client)."""
    return (get_web_dir() / constants.Dirs.STATIC).resolve()


def spa_page() -> Path:
    """The frontend's page for addresses without a prerendered file: it renders the route that
    matches the address in the browser (the job monitor's 403 page for /admin/queues/...)."""
    return frontend_build() / constants.ReactRouter.SPA_FALLBACK
