"""The signed-in page frame (sidebar, header, content) and the `template` decorator that builds routes."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import EventType

from billing_console.components.feedback import page_spinner
from billing_console.components.header import current_user, header
from billing_console.components.navigation import mobile_menu, sidebar
from billing_console.routes import Route
from billing_console.state.session import SessionState

PRODUCT = "Billing Console"
CONTENT_MAX_WIDTH = "1200px"


def page_title(title: str) -> str:
    return f"{title} · {PRODUCT}"


def app_shell(route: str, title: str, content: rx.Component) -> rx.Component:
    """Sidebar and header around `content`; a spinner until the tab's user is known."""
    return rx.cond(
        SessionState.signed_in,
        rx.flex(
            sidebar(route, SessionState.is_admin),
            rx.box(
                header(
                    title,
                    menu=mobile_menu(route, SessionState.is_admin),
                    user=current_user(
                        SessionState.display_name,
                        SessionState.email,
                        SessionState.role,
                        SessionState.initials,
                    ),
                    on_sign_out=SessionState.sign_out,
                ),
                rx.el.main(
                    content,
                    max_width=CONTENT_MAX_WIDTH,
                    margin_x="auto",
                    padding=["16px", "24px", "32px"],
                    width="100%",
                ),
                flex="1",
                min_width="0",
            ),
            min_height="100vh",
            width="100%",
        ),
        page_spinner(),
    )


def template(
    route: str, title: str, on_load: EventType[()] | None = None, section: str = ""
) -> Callable[[Callable[[], rx.Component]], Route]:
    """Turn a page's content function into a `Route` that renders it inside the signed-in frame.

    `on_load` must re-check the user on the server: the frame only hides itself until then.
    `section` is the navigation entry to highlight when it is not `route` (a detail page's list).
    """

    def decorator(content: Callable[[], rx.Component]) -> Route:
        def page() -> rx.Component:
            return app_shell(section or route, title, content())

        page.__name__ = content.__name__
        return Route(path=route, title=page_title(title), component=page, on_load=on_load)

    return decorator
