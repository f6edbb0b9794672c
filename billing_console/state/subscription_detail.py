"""One subscription of the signed-in customer, and its actions, each previewed before it is done.

The subscription's id stays on the server (`_subscription_id`, read from the customer's own
subscriptions by number); every action sends it back to the engine, which re-reads it and acts
only for its owner. A preview the engine refuses (a minimum term, a pending cancellation) shows its
message in the dialog, and there is nothing to confirm.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import subscription_addons as addons_gateway
from backend.gateway import subscriptions as gateway
from backend.gateway.subscription_addons import AddonOffer, MoneyLine
from backend.gateway.subscriptions import ChargeLine, PlanChoice
from backend.kit.errors import DomainError, NotFoundError
from backend.kit.principals import SignedInUser
from backend.reporting.schemas import SubscriptionDetail
from billing_console.state.arguments import record_id
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

NO_SUBSCRIPTION = SubscriptionDetail(
    id=0,
    number="",
    plan_id=0,
    plan_name="",
    currency="",
    status="",
    price="",
    options=[],
    addons=[],
    started="",
    current_period="",
    trial_end="",
    commitment_end="",
    cancel_effective="",
    time_zone="",
)


@cleared_on_sign_out
class SubscriptionState(rx.State):
    loading: bool = True
    not_found: bool = False
    notice: str = ""
    subscription: SubscriptionDetail = NO_SUBSCRIPTION
    next_charge_amount: str = ""
    next_charge_at: str = ""
    plan_choices: list[PlanChoice] = []
    can_cancel: bool = False
    can_resume: bool = False
    can_change_plan: bool = False
    addon_offers: list[AddonOffer] = []
    can_add_addon: bool = False
    can_remove_addon: bool = False
    can_withdraw: bool = False
    withdraw_until: str = ""
    _subscription_id: int = 0

    dialog: str = ""  # "cancel", "resume", "change", "add_addon", "remove_addon", "withdraw" or ""
    working: bool = False  # a preview or an action is running: buttons wait
    refusal: str = ""  # the engine's message when it refuses the previewed step
    cancel_effective_at: str = ""
    cancel_reason: str = ""
    cancel_in_trial: bool = False
    chosen_plan: str = ""  # a plan id from `plan_choices`, as the select sends it
    change_lines: list[ChargeLine] = []
    change_total: str = ""
    change_credited: bool = False
    change_next_price: str = ""
    change_to: str = ""
    chosen_addon: str = ""  # an addon id from `addon_offers` (adding) or the attached one (removing)
    addon_quantity: str = "1"
    addon_name: str = ""  # set once a preview answered: there is something to confirm
    addon_lines: list[MoneyLine] = []
    addon_now: str = ""
    addon_credited: bool = False
    addon_nothing_now: bool = False
    addon_at_period_end: bool = False
    addon_recurring_after: str = ""
    addon_effective: str = ""
    withdraw_ready: bool = False
    withdraw_lines: list[MoneyLine] = []
    withdraw_total: str = ""
    withdraw_credited: bool = False
    withdraw_credit_note: str = ""
    withdraw_deadline: str = ""

    @rx.var
    def has_addons(self) -> bool:
        return len(self.subscription.addons) > 0

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        """The subscription named by the address's last part, if it is one of the customer's own."""
        number = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:32]
        await self._read(user, number)
        self.loading = False

    async def _read(self, user: SignedInUser, number: str) -> None:
        try:
            page = await asyncio.to_thread(gateway.subscription_page, user, number)
        except NotFoundError:
            self.not_found = True
            return
        except DomainError as exc:
            self.notice = str(exc)
            return
        self.subscription = page.detail
        self._subscription_id = page.detail.id
        self.next_charge_amount, self.next_charge_at = page.next_charge_amount, page.next_charge_at
        self.plan_choices = page.plan_choices
        self.can_cancel, self.can_resume = page.can_cancel, page.can_resume
        self.can_change_plan = page.can_change_plan
        try:
            panel = await asyncio.to_thread(
                addons_gateway.addons_panel, request_context(self), user, page.detail
            )
        except DomainError:
            panel = addons_gateway.AddonsPanel()
        self.addon_offers, self.can_add_addon, self.can_remove_addon = (
            panel.offers,
            panel.can_add,
            panel.can_remove,
        )
        self.can_withdraw, self.withdraw_until = panel.can_withdraw, panel.withdraw_until

    def _closed(self) -> None:
        self.dialog, self.refusal, self.working = "", "", False
        self.chosen_plan, self.change_lines, self.change_total, self.change_to = "", [], "", ""
        self.chosen_addon, self.addon_quantity, self.addon_name, self.addon_lines = "", "1", "", []
        self.withdraw_ready, self.withdraw_lines = False, []

    @rx.event
    def close_dialog(self, _open: bool = False) -> None:
        if not self.working:
            self._closed()

    @rx.event
    @signed_in
    async def preview_cancel(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self._closed()
        self.dialog, self.working = "cancel", True
        yield
        try:
            outlook = await asyncio.to_thread(
                gateway.preview_cancel, request_context(self), user, self._subscription_id
            )
        except DomainError as exc:
            self.refusal = str(exc)
        else:
            self.cancel_effective_at, self.cancel_reason = outlook.effective_at, outlook.reason
            self.cancel_in_trial = outlook.in_trial
        self.working = False

    @rx.event
    @signed_in
    async def confirm_cancel(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._act(user, gateway.cancel, "Cancellation scheduled."):
            yield update

    @rx.event
    @signed_in
    async def preview_resume(self, user: SignedInUser) -> None:
        self._closed()
        self.dialog = "resume"

    @rx.event
    @signed_in
    async def confirm_resume(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._act(user, gateway.resume, "Your subscription continues."):
            yield update

    @rx.event
    @signed_in
    async def start_plan_change(self, user: SignedInUser) -> None:
        self._closed()
        self.dialog = "change"

    @rx.event
    @signed_in
    async def choose_plan(self, user: SignedInUser, plan_id: str) -> AsyncIterator[EventSpec | None]:
        """Preview the change to `plan_id` (one of the offered plans) as the engine will book it."""
        plan = record_id(plan_id)
        if plan is None or all(choice.id != plan for choice in self.plan_choices):
            self.refusal = "Choose one of the plans in the list."
            return
        self.chosen_plan, self.refusal, self.working, self.change_lines = str(plan), "", True, []
        yield
        try:
            outlook = await asyncio.to_thread(
                gateway.preview_plan_change, request_context(self), user, self._subscription_id, plan
            )
        except DomainError as exc:
            self.refusal = str(exc)
        else:
            self.change_lines, self.change_total = outlook.lines, outlook.total
            self.change_credited, self.change_next_price = outlook.credited, outlook.next_period_price
            self.change_to = outlook.to_plan
        self.working = False

    @rx.event
    @signed_in
    async def confirm_plan_change(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        plan = record_id(self.chosen_plan)
        if plan is None:
            self.refusal = "Choose a plan first."
            return

        def change(request: Any, who: SignedInUser, subscription_id: int) -> object:
            return gateway.change_plan(request, who, subscription_id, plan)

        async for update in self._act(user, change, f"You are now on {self.change_to}."):
            yield update

    # --- addons -----------------------------------------------------------------------------------

    @rx.event
    @signed_in
    async def start_add_addon(self, user: SignedInUser) -> None:
        self._closed()
        self.dialog = "add_addon"

    @rx.event
    @signed_in
    async def choose_addon(self, user: SignedInUser, addon_id: str) -> AsyncIterator[EventSpec | None]:
        """Preview adding `addon_id` (one of the offers) in the chosen quantity."""
        addon = record_id(addon_id)
        if addon is None or all(offer.id != addon for offer in self.addon_offers):
            self.refusal = "Choose one of the addons in the list."
            return
        self.chosen_addon = str(addon)
        async for update in self._preview_addon(user):
            yield update

    @rx.event
    @signed_in
    async def set_addon_quantity(self, user: SignedInUser, quantity: str) -> AsyncIterator[EventSpec | None]:
        """A new quantity: preview again when an addon is chosen."""
        self.addon_quantity = quantity.strip()[:6]
        if self.chosen_addon:
            async for update in self._preview_addon(user):
                yield update

    async def _preview_addon(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        addon = record_id(self.chosen_addon)
        quantity = _quantity(self.addon_quantity)
        self.refusal, self.addon_name, self.addon_lines = "", "", []
        if addon is None:
            return
        if quantity is None:
            self.refusal = "Quantity: enter a whole number of at least 1."
            return
        self.working = True
        yield
        try:
            outlook = await asyncio.to_thread(
                addons_gateway.preview_add_addon,
                request_context(self),
                user,
                self._subscription_id,
                addon,
                quantity,
            )
        except DomainError as exc:
            self.refusal = str(exc)
        else:
            self._show_addon(outlook)
        self.working = False

    def _show_addon(self, outlook: addons_gateway.AddonOutlook) -> None:
        self.addon_name, self.addon_lines, self.addon_now = outlook.addon, outlook.lines, outlook.now_amount
        self.addon_credited, self.addon_nothing_now = outlook.credited, outlook.nothing_now
        self.addon_at_period_end, self.addon_recurring_after = outlook.at_period_end, outlook.recurring_after
        self.addon_effective = outlook.effective_at

    @rx.event
    @signed_in
    async def confirm_add_addon(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        addon, quantity = record_id(self.chosen_addon), _quantity(self.addon_quantity)
        if addon is None or quantity is None or not self.addon_name:
            self.refusal = "Choose an addon first."
            return

        def add(request: Any, who: SignedInUser, subscription_id: int) -> object:
            return addons_gateway.add_addon(request, who, subscription_id, addon, quantity)

        async for update in self._act(user, add, f"{self.addon_name} added."):
            yield update

    @rx.event
    @signed_in
    async def start_remove_addon(self, user: SignedInUser, addon_id: int) -> AsyncIterator[EventSpec | None]:
        self._closed()
        if all(line.addon_id != addon_id for line in self.subscription.addons):
            return
        self.dialog, self.chosen_addon, self.working = "remove_addon", str(addon_id), True
        yield
        try:
            outlook = await asyncio.to_thread(
                addons_gateway.preview_remove_addon,
                request_context(self),
                user,
                self._subscription_id,
                addon_id,
            )
        except DomainError as exc:
            self.refusal = str(exc)
        else:
            self._show_addon(outlook)
        self.working = False

    @rx.event
    @signed_in
    async def confirm_remove_addon(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        addon = record_id(self.chosen_addon)
        if addon is None:
            return

        def remove(request: Any, who: SignedInUser, subscription_id: int) -> object:
            return addons_gateway.remove_addon(request, who, subscription_id, addon)

        async for update in self._act(user, remove, f"{self.addon_name} removed."):
            yield update

    # --- withdrawal -------------------------------------------------------------------------------

    @rx.event
    @signed_in
    async def preview_withdrawal(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self._closed()
        self.dialog, self.working = "withdraw", True
        yield
        try:
            outlook = await asyncio.to_thread(
                addons_gateway.preview_withdrawal, request_context(self), user, self._subscription_id
            )
        except DomainError as exc:
            self.refusal = str(exc)
        else:
            if not outlook.possible:
                self.refusal = outlook.refusal
            self.withdraw_lines, self.withdraw_total = outlook.lines, outlook.total
            self.withdraw_credited, self.withdraw_credit_note = outlook.credited, outlook.credit_note_amount
            self.withdraw_deadline, self.withdraw_ready = outlook.deadline, outlook.possible
        self.working = False

    @rx.event
    @signed_in
    async def confirm_withdrawal(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._act(
            user, addons_gateway.withdraw, "You have withdrawn; the subscription ended."
        ):
            yield update

    async def _act(
        self, user: SignedInUser, action: Callable[..., object], done: str
    ) -> AsyncIterator[EventSpec | None]:
        """Run a confirmed action; on success reload the subscription and say so, on a refusal keep
        the dialog open with the engine's message (nothing was changed)."""
        self.working = True
        yield
        try:
            await asyncio.to_thread(action, request_context(self), user, self._subscription_id)
        except DomainError as exc:
            self.refusal, self.working = str(exc), False
            return
        self._closed()
        await self._read(user, self.subscription.number)
        yield rx.toast.success(done)


def _quantity(text: str) -> int | None:
    """A whole number of at least 1 (the engine checks the upper bound), else None."""
    return int(text) if text.isdigit() and int(text) >= 1 else None
