"""The public plans page: anyone may look; a signed-in customer is offered to order."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import catalog as catalog_gateway
from backend.gateway import subscriptions as subscriptions_gateway
from backend.gateway.catalog import PlanGroup
from billing_console.state.guards import starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context, signed_in_user


@cleared_on_sign_out
class PlansState(rx.State):
    """The tenant's plans for sale (from the visited host), read on every page load."""

    loading: bool = True
    tenant_name: str = ""
    groups: list[PlanGroup] = []
    customer: bool = False  # a signed-in customer: offer to order, not to sign up
    can_order: bool = False  # the policy lets this member order (a viewer member may not)
    tax_note: str = ""

    @rx.var
    def has_plans(self) -> bool:
        return len(self.groups) > 0

    @rx.event
    @starts_from_defaults
    async def load(self) -> None:
        """Public: the plans of the host's tenant; a signed-in customer gets an Order button and
        the prices they pay (gross for a consumer)."""
        user = await signed_in_user(self)
        self.customer = user is not None and user.customer_account_id is not None
        self.can_order = user is not None and await asyncio.to_thread(subscriptions_gateway.may_order, user)
        reader = user if self.customer else None
        catalog = await asyncio.to_thread(catalog_gateway.plan_catalog, request_context(self), reader)
        self.tenant_name = catalog.tenant_name
        self.groups = catalog.groups
        self.tax_note = catalog.tax_note
        self.loading = False
