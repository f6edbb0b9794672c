"""`/`: sends the visitor to their start page or to sign in."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import page_spinner
from billing_console.routes import INDEX, Route
from billing_console.state.session import SessionState


def index() -> rx.Component:
    return page_spinner()


route = Route(path=INDEX, title="Billing Console", component=index, on_load=SessionState.open_home)
