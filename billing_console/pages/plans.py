"""`/plans`: the tenant's plans, public; signed-in users see them in the console's frame."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import app_shell, page_title
from billing_console.routes import PLANS, Route
from billing_console.state.plans import PlansState
from billing_console.state.session import SessionState
from billing_console.views.plans import plan_catalog, plans_intro, public_frame


def plans() -> rx.Component:
    content = rx.vstack(plans_intro(), plan_catalog(), spacing="6", width="100%")
    return rx.cond(SessionState.signed_in, app_shell(PLANS, "Plans", content), public_frame(content))


route = Route(path=PLANS, title=page_title("Plans"), component=plans, on_load=PlansState.load)
