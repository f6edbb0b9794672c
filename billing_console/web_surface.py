"""Where the console's frontend build lives, for the parts of the web app that serve its pages."""

from __future__ import annotations

from pathlib import Path

from reflex import constants
from reflex.utils.prerequisites import get_web_dir


def frontend_build() -> Path:
    """Where `reflex run --env prod` writes the pages it serves (.web/build/client)."""
    return (get_web_dir() / constants.Dirs.STATIC).resolve()


def spa_page() -> Path:
    """The frontend's page for addresses without a prerendered file: it renders the route that
    matches the address in the browser (the job monitor's 403 page for /admin/queues/...)."""
    return frontend_build() / constants.ReactRouter.SPA_FALLBACK
