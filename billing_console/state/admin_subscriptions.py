"""The admin's subscriptions: every subscription of the tenant, filtered, and one subscription with
the actions an admin takes on the customer's behalf, each previewed by the engine first.

The detail state has the vars and dialog handlers of the customer's `SubscriptionState`, so the
customer page's sections (views/subscription_detail.py) render it; its handlers are the admin's
(`admin_only`), and the subscription's id stays on the server (`_subscription_id`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import admin_subscriptions as gateway
from backend.gateway import subscriptions as customer_gateway
from backend.gateway.admin_subscriptions import PlanFilterChoice
from backend.gateway.subscriptions import ChargeLine, PlanChoice
from backend.kit.errors import DomainError, NotFoundError
from backend.kit.principals import SignedInUser
from backend.reporting.admin_schemas import AdminSubscriptionRow, ChargeEntry, HistoryEntry
from backend.reporting.schemas import SubscriptionDetail
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context
from billing_console.state.subscription_detail import NO_SUBSCRIPTION
from billing_console.state.subscriptions import page_number

ANY = "any"  # the selects' "no filter" value (a select item cannot have an empty value)


@cleared_on_sign_out
class AdminSubscriptionsState(rx.State):
    loading: bool = True
    subscriptions: list[AdminSubscriptionRow] = []
    plans: list[PlanFilterChoice] = []
    status: str = ANY
    plan: str = ANY
    customer: str = ""
    page: int = 1
    page_count: int = 1
    total: int = 0

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        query = self.router.url.query_parameters
        self.status = str(query.get("status") or ANY)[:32]
        self.customer = str(query.get("customer") or "")[:100]
        await self._read(admin, 1)
        self.loading = False

    async def _read(self, admin: SignedInUser, page: int) -> None:
        status = "" if self.status == ANY else self.status
        plan_id = record_id(self.plan) if self.plan != ANY else None
        found = await asyncio.to_thread(
            gateway.subscription_list, admin, status, plan_id, self.customer, page
        )
        self.plans = found.plans
        listed = found.page
        self.subscriptions, self.page = listed.subscriptions, listed.page
        self.page_count, self.total = listed.page_count, listed.total

    @rx.event
    @admin_only
    async def filter_status(self, admin: SignedInUser, status: str) -> None:
        self.status = str(status)[:32]
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def filter_plan(self, admin: SignedInUser, plan: str) -> None:
        self.plan = str(plan)[:20]
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def find_customer(self, admin: SignedInUser, form_data: dict[str, Any]) -> None:
        self.customer = str(form_data.get("customer") or "").strip()[:100]
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def turn_to(self, admin: SignedInUser, page: int) -> None:
        await self._read(admin, page_number(page))


@cleared_on_sign_out
class AdminSubscriptionState(rx.State):
    loading: bool = True
    not_found: bool = False
    subscription: SubscriptionDetail = NO_SUBSCRIPTION
    customer_id: int = 0
    customer_number: str = ""
    customer_name: str = ""
    history: list[HistoryEntry] = []
    charges: list[ChargeEntry] = []
    next_charge_amount: str = ""
    next_charge_at: str = ""
    plan_choices: list[PlanChoice] = []
    can_cancel: bool = False
    can_resume: bool = False
    can_change_plan: bool = False
    can_cancel_now: bool = False
    _subscription_id: int = 0

    dialog: str = ""  # "cancel", "cancel_now", "resume", "change" or "" (closed)
    working: bool = False
    refusal: str = ""
    cancel_effective_at: str = ""
    cancel_reason: str = ""
    cancel_in_trial: bool = False
    chosen_plan: str = ""
    change_lines: list[ChargeLine] = []
    change_total: str = ""
    change_credited: bool = False
    change_next_price: str = ""
    change_to: str = ""
    now_ready: bool = False  # the immediate cancellation's preview has arrived
    now_lines: list[ChargeLine] = []
    now_total: str = ""
    now_refund: bool = False
    now_ends_at: str = ""

    @rx.var
    def has_addons(self) -> bool:
        return len(self.subscription.addons) > 0

    @rx.var
    def customer_address(self) -> str:
        return f"/admin/customers/{self.customer_id}"

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        number = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:32]
        await self._read(admin, number)
        self.loading = False

    async def _read(self, admin: SignedInUser, number: str) -> None:
        try:
            page = await asyncio.to_thread(gateway.subscription_page, admin, number)
        except NotFoundError:
            self.not_found = True
            return
        found = page.file
        self.subscription, self._subscription_id = found.detail, found.detail.id
        self.customer_id, self.customer_number = found.customer_id, found.customer_number
        self.customer_name, self.history, self.charges = found.customer_name, found.history, found.charges
        self.next_charge_amount, self.next_charge_at = page.next_charge_amount, page.next_charge_at
        self.plan_choices = page.plan_choices
        self.can_cancel, self.can_resume = page.can_cancel, page.can_resume
        self.can_change_plan, self.can_cancel_now = page.can_change_plan, page.can_cancel_now

    def _closed(self) -> None:
        self.dialog, self.refusal, self.working = "", "", False
        self.chosen_plan, self.change_lines, self.change_total, self.change_to = "", [], "", ""
        self.now_ready, self.now_lines, self.now_total = False, [], ""

    @rx.event
    @admin_only
    async def close_dialog(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.working:
            self._closed()

    async def _preview(
        self, dialog: str, ask: Callable[[], Any], show: Callable[[Any], None]
    ) -> AsyncIterator[EventSpec | None]:
        """Open `dialog` and show the engine's preview (or its refusal) once `ask` answers."""
        self._closed()
        self.dialog, self.working = dialog, True
        yield
        try:
            show(await asyncio.to_thread(ask))
        except DomainError as exc:
            self.refusal = str(exc)
        self.working = False

    @rx.event
    @admin_only
    async def preview_cancel(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        def show(outlook: Any) -> None:
            self.cancel_effective_at, self.cancel_reason = outlook.effective_at, outlook.reason
            self.cancel_in_trial = outlook.in_trial

        context, subscription_id = request_context(self), self._subscription_id

        def ask() -> Any:
            return customer_gateway.preview_cancel(context, admin, subscription_id)

        async for update in self._preview("cancel", ask, show):
            yield update

    @rx.event
    @admin_only
    async def confirm_cancel(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._act(admin, customer_gateway.cancel, "Cancellation scheduled."):
            yield update

    @rx.event
    @admin_only
    async def preview_cancel_now(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """The credit for the unused time (and any final charge), as the engine will book it."""

        def show(outlook: Any) -> None:
            self.now_lines, self.now_total, self.now_refund = outlook.lines, outlook.total, outlook.refund
            self.now_ends_at, self.now_ready = outlook.ends_at, True

        context, subscription_id = request_context(self), self._subscription_id

        def ask() -> Any:
            return gateway.preview_cancel_immediately(context, admin, subscription_id)

        async for update in self._preview("cancel_now", ask, show):
            yield update

    @rx.event
    @admin_only
    async def confirm_cancel_now(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._act(admin, gateway.cancel_immediately, "Subscription canceled."):
            yield update

    @rx.event
    @admin_only
    async def preview_resume(self, admin: SignedInUser) -> None:
        self._closed()
        self.dialog = "resume"

    @rx.event
    @admin_only
    async def confirm_resume(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._act(admin, customer_gateway.resume, "The subscription continues."):
            yield update

    @rx.event
    @admin_only
    async def start_plan_change(self, admin: SignedInUser) -> None:
        self._closed()
        self.dialog = "change"

    @rx.event
    @admin_only
    async def choose_plan(self, admin: SignedInUser, plan_id: str) -> AsyncIterator[EventSpec | None]:
        plan = record_id(plan_id)
        if plan is None or all(choice.id != plan for choice in self.plan_choices):
            self.refusal = "Choose one of the plans in the list."
            return
        self.chosen_plan, self.refusal, self.working, self.change_lines = str(plan), "", True, []
        yield
        try:
            outlook = await asyncio.to_thread(
                customer_gateway.preview_plan_change,
                request_context(self),
                admin,
                self._subscription_id,
                plan,
            )
        except DomainError as exc:
            self.refusal = str(exc)
        else:
            self.change_lines, self.change_total = outlook.lines, outlook.total
            self.change_credited, self.change_next_price = outlook.credited, outlook.next_period_price
            self.change_to = outlook.to_plan
        self.working = False

    @rx.event
    @admin_only
    async def confirm_plan_change(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        plan = record_id(self.chosen_plan)
        if plan is None:
            self.refusal = "Choose a plan first."
            return

        def change(request: Any, who: SignedInUser, subscription_id: int) -> object:
            return customer_gateway.change_plan(request, who, subscription_id, plan)

        async for update in self._act(admin, change, f"Now on {self.change_to}."):
            yield update

    async def _act(
        self, admin: SignedInUser, action: Callable[..., object], done: str
    ) -> AsyncIterator[EventSpec | None]:
        """Run a confirmed action; reload the subscription on success, keep the dialog open with the
        engine's message on a refusal (nothing was changed)."""
        self.working = True
        yield
        try:
            await asyncio.to_thread(action, request_context(self), admin, self._subscription_id)
        except DomainError as exc:
            self.refusal, self.working = str(exc), False
            return
        self._closed()
        await self._read(admin, self.subscription.number)
        yield rx.toast.success(done)
