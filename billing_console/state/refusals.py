"""The 404 page and the job monitor's 403 page: who is looking decides the frame and the way on."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import admin as admin_gateway
from billing_console.state.session import cleared_on_sign_out, signed_in_user


@cleared_on_sign_out
class RefusalState(rx.State):
    """Whether the user was checked (signed-out visitors get the sign-in frame, not a spinner)."""

    checked: bool = False
    # An operator admin reaches the 403 page only through a link inside the single-page app (the
    # server lets them through): offer the job monitor instead of refusing it.
    opens_job_monitor: bool = False

    @rx.event
    async def check_user(self) -> None:
        await signed_in_user(self)
        self.checked = True

    @rx.event
    async def check_job_monitor(self) -> None:
        user = await signed_in_user(self)
        operator = user is not None and await asyncio.to_thread(admin_gateway.operates_deployment, user)
        self.opens_job_monitor = operator
        self.checked = True
