"""The order wizard of one plan: options, addons, promotion code, billing profile, review, confirm.

Each step is its own screen; going back keeps what was chosen. The plan's id and the wizard's
idempotency key stay on the server (`_plan_id`, `_order_key`): the key is made when the wizard
opens, so confirming twice (a double click, a resubmitted form) places one order and both land on
its subscription. Every figure on the review is the engine's own preview; every refusal is the
engine's message. A visitor is sent to sign in and comes back here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import ordering as gateway
from backend.gateway import servers as servers_gateway
from backend.gateway.ordering import OrderChoice, OrderReview, ProfileForm
from backend.kit.errors import DomainError, FieldErrors, NotFoundError
from backend.kit.principals import SignedInUser
from backend.provisioning.schemas import AvailabilityView, OfferView
from billing_console.routes import sign_in_then, subscription_path
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context, signed_in_user

MAX_QUANTITY = 100
PRIVATE_LABEL, BUSINESS_LABEL = "A private person", "A business"
OPTIONS, ADDONS, PROMOTION, PROFILE, REVIEW = "options", "addons", "promotion", "profile", "review"
STEP_TITLES = {
    OPTIONS: "Options",
    ADDONS: "Addons",
    PROMOTION: "Promotion code",
    PROFILE: "Billing profile",
    REVIEW: "Review and confirm",
}

NO_PROFILE = ProfileForm(
    customer_type="private",
    name="",
    company_name="",
    address_line1="",
    address_line2="",
    postal_code="",
    city="",
    country="",
    email="",
    vat_id="",
    vat_status="",
    vat_status_key="",
    vat_source="",
)
NO_REVIEW = OrderReview(
    plan_name="",
    first_charge_at="",
    trial_end="",
    lines=[],
    discounts=[],
    first_net="",
    first_tax="",
    first_gross="",
    promotion="",
    recurring_lines=[],
    recurring_discounts=[],
    recurring_net="",
    recurring_gross="",
    recurring_free=False,
    promotion_continues=False,
    regular_gross="",
    regular_from="",
    interval="",
    tax_mode="",
    tax_rate="",
    tax_note="",
    time_zone="",
    withdrawal=False,
)


@dataclass(frozen=True, slots=True)
class OptionPick:
    key: str
    label: str
    choices: list[str]
    chosen: str


@dataclass(frozen=True, slots=True)
class AddonPick:
    id: int
    name: str
    description: str
    price: str
    chosen: bool = False
    quantity: int = 1


def _index(value: object, items: list[object]) -> int | None:
    """A list position sent by the browser, if it is one."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(items):
        return value
    return None


NOT_CHECKED = AvailabilityView(provisioned=False, available=True)
# the plan options an alternative offer sets (a provisioned plan names them so)
SERVER_TYPE_OPTION, LOCATION_OPTION = "server_type", "location"


@cleared_on_sign_out
class OrderState(rx.State):
    loading: bool = True
    not_found: bool = False
    notice: str = ""  # the page cannot be shown (e.g. an admin, who has no customer account)
    plan_key: str = ""
    plan_name: str = ""
    plan_price: str = ""
    options: list[OptionPick] = []
    addons: list[AddonPick] = []
    steps: list[str] = []
    step: int = 0

    promotion_code: str = ""
    promotion_checked: str = ""  # the code the effect or refusal below belongs to
    promotion_effect: str = ""
    promotion_refusal: str = ""

    profile: ProfileForm = NO_PROFILE
    profile_complete: bool = False
    editing_profile: bool = False
    business: bool = False  # the profile form's customer type
    profile_errors: dict[str, str] = {}
    profile_saved: bool = False

    review: OrderReview = NO_REVIEW
    accepted_terms: bool = False
    working: bool = False  # a check, save, preview or the order runs: buttons wait
    error: str = ""  # the engine's refusal of this step

    # a plan that sets up a server: can it be created now with these options?
    availability: AvailabilityView = NOT_CHECKED
    availability_checked: bool = False  # `availability` is the answer for the options as chosen
    accept_backorder: bool = False  # order anyway; the server is set up when capacity frees
    placed_number: str = ""  # a server's order went through: the confirmation shows

    _plan_id: int = 0
    _order_key: str = ""

    @rx.var
    def current(self) -> str:
        return self.steps[self.step] if 0 <= self.step < len(self.steps) else ""

    @rx.var
    def step_label(self) -> str:
        return f"Step {self.step + 1} of {len(self.steps)}"

    @rx.var
    def step_titles(self) -> list[str]:
        return [STEP_TITLES[name] for name in self.steps]

    @rx.var
    def first_step(self) -> bool:
        return self.step == 0

    @rx.var
    def unavailable(self) -> bool:
        """The chosen server cannot be created now and the customer has not chosen to wait."""
        return self.availability.provisioned and not self.availability.available and not self.accept_backorder

    @rx.var
    def backordering(self) -> bool:
        return self.availability.provisioned and not self.availability.available and self.accept_backorder

    @rx.var
    def show_profile_form(self) -> bool:
        return self.editing_profile or not self.profile_complete

    @rx.event
    @starts_from_defaults
    async def load(self) -> AsyncIterator[EventSpec | None]:
        """The plan named by the address's last part; a visitor goes to sign in and comes back."""
        path = self.router.url.path.rstrip("/")
        key = path.rsplit("/", 1)[-1][:64]
        user = await signed_in_user(self)
        if user is None:
            yield rx.redirect(sign_in_then(path))
            return
        await self._open(user, key)

    async def _open(self, user: SignedInUser, key: str) -> None:
        try:
            start = await asyncio.to_thread(gateway.start_order, request_context(self), user, key)
        except NotFoundError as exc:
            self.not_found, self.loading = True, False
            self.notice = str(exc) if user.customer_account_id is None else ""
            return
        except DomainError as exc:
            self.notice, self.loading = str(exc), False
            return
        self._plan_id, self._order_key = start.plan_id, start.order_key
        self.plan_key, self.plan_name, self.plan_price = start.plan_key, start.plan_name, start.plan_price
        self.options = [OptionPick(o.key, o.label, o.values, o.values[0]) for o in start.options]
        self.addons = [AddonPick(a.id, a.name, a.description, a.price) for a in start.addons]
        self._show_profile(start.profile)
        self.steps = [
            *([OPTIONS] if start.options else []),
            *([ADDONS] if start.addons else []),
            PROMOTION,
            PROFILE,
            REVIEW,
        ]
        self.loading = False

    def _show_profile(self, profile: ProfileForm) -> None:
        self.profile = profile
        self.profile_complete = not profile.missing
        self.business = profile.customer_type == "business"

    def _choice(self) -> OrderChoice:
        choice = OrderChoice(
            plan_id=self._plan_id,
            options={option.key: option.chosen for option in self.options},
            addons={addon.id: addon.quantity for addon in self.addons if addon.chosen},
            promotion_code=self.promotion_code,
        )
        return replace(choice, accept_backorder=True) if self.backordering else choice

    # --- server availability (plans that set up a server) -----------------------------------

    def _forget_availability(self) -> None:
        self.availability, self.availability_checked, self.accept_backorder = NOT_CHECKED, False, False

    async def _check_availability(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """Ask whether the plan's server with the chosen options can be created now."""
        if self.availability_checked:
            return
        self.working = True
        yield
        options = {option.key: option.chosen for option in self.options}
        try:
            self.availability = await asyncio.to_thread(
                servers_gateway.check_availability, user, self.plan_key, options
            )
        except DomainError as exc:
            self.error = str(exc)
        else:
            self.availability_checked, self.accept_backorder = True, False
        self.working = False

    @rx.event
    @signed_in
    async def take_alternative(self, user: SignedInUser, index: int) -> AsyncIterator[EventSpec | None]:
        """Set the options to one of the offered alternatives, check again and go on when it is free."""
        at = _index(index, self.availability.alternatives)  # type: ignore[arg-type]
        if at is None or self.working:
            return
        offer: OfferView = self.availability.alternatives[at]
        wanted = {SERVER_TYPE_OPTION: offer.server_type, LOCATION_OPTION: offer.location}
        self.options = [
            replace(o, chosen=wanted[o.key]) if o.key in wanted and wanted[o.key] in o.choices else o
            for o in self.options
        ]
        self._forget_availability()
        async for update in self._check_availability(user):
            yield update
        if self.availability_checked and not self.unavailable and self.current == OPTIONS:
            async for update in self._go_to(self.step + 1, user):
                yield update

    @rx.event
    @signed_in
    async def choose_backorder(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """Order anyway: the server is set up when capacity frees (charged only once it runs)."""
        if self.working or not self.availability.backorder_possible or not self.availability_checked:
            return
        self.accept_backorder, self.error = True, ""
        if self.current == OPTIONS:
            async for update in self._go_to(self.step + 1, user):
                yield update

    # --- options and addons -------------------------------------------------------------------

    @rx.event
    def choose_option(self, index: int, value: str) -> None:
        """Only a value the plan offers is taken (the engine checks it again on the order)."""
        at = _index(index, self.options)  # type: ignore[arg-type]
        if at is not None and value in self.options[at].choices:
            self.options = [replace(o, chosen=value) if i == at else o for i, o in enumerate(self.options)]
            self._forget_availability()

    @rx.event
    def toggle_addon(self, index: int, wanted: bool) -> None:
        at = _index(index, self.addons)  # type: ignore[arg-type]
        if at is not None:
            chosen = wanted is True
            self.addons = [replace(a, chosen=chosen) if i == at else a for i, a in enumerate(self.addons)]

    @rx.event
    def set_addon_quantity(self, index: int, quantity: str) -> None:
        """A whole number from 1 to MAX_QUANTITY; anything else keeps the quantity as it was."""
        at, text = _index(index, self.addons), str(quantity).strip()  # type: ignore[arg-type]
        if at is not None and text.isdigit() and 1 <= int(text) <= MAX_QUANTITY:
            self.addons = [
                replace(a, quantity=int(text)) if i == at else a for i, a in enumerate(self.addons)
            ]

    # --- promotion ------------------------------------------------------------------------------

    @rx.event
    def set_promotion_code(self, code: str) -> None:
        self.promotion_code = str(code)[:64]
        if self.promotion_code.strip().upper() != self.promotion_checked:
            self.promotion_effect, self.promotion_refusal, self.promotion_checked = "", "", ""

    @rx.event
    @signed_in
    async def check_promotion(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """Ask the engine whether the code would be accepted, and why not."""
        async for update in self._check_code(user):
            yield update

    async def _check_code(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        code = self.promotion_code.strip().upper()
        if code == self.promotion_checked:
            return
        self.working = True
        yield
        try:
            check = await asyncio.to_thread(
                gateway.check_promotion, request_context(self), user, self._choice()
            )
        except DomainError as exc:
            self.promotion_effect, self.promotion_refusal = "", str(exc)
        else:
            self.promotion_effect = check.effect if check else ""
            self.promotion_refusal = ""
        self.promotion_checked, self.working = code, False

    # --- billing profile -----------------------------------------------------------------------

    @rx.event
    def edit_profile(self) -> None:
        self.editing_profile, self.profile_errors, self.profile_saved = True, {}, False
        self.business = self.profile.customer_type == "business"

    @rx.event
    def set_business(self, value: str) -> None:
        self.business = value == BUSINESS_LABEL

    @rx.event
    @signed_in
    async def save_profile(
        self, user: SignedInUser, form_data: dict[str, str]
    ) -> AsyncIterator[EventSpec | None]:
        """Save through the profile service: one message under each wrong field, nothing saved."""
        form = {str(name): str(value) for name, value in dict(form_data).items()}
        form["customer_type"] = "business" if self.business else "private"
        self.working, self.profile_errors, self.error = True, {}, ""
        yield
        try:
            profile = await asyncio.to_thread(gateway.save_profile, request_context(self), user, form)
        except FieldErrors as exc:
            self.profile_errors, self.working = dict(exc.fields), False
            return
        except DomainError as exc:
            self.error, self.working = str(exc), False
            return
        self._show_profile(profile)
        self.working, self.profile_saved = False, True
        if self.profile_complete:
            self.editing_profile = False
            async for update in self._go_to(self.step + 1, user):
                yield update

    # --- moving between steps ------------------------------------------------------------------

    @rx.event
    def back(self) -> None:
        if self.step > 0 and not self.working:
            self.step, self.error = self.step - 1, ""

    @rx.event
    @signed_in
    async def next_step(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """On to the next step once this one is right: a code entered is checked first, a profile
        must be complete."""
        if self.working:
            return
        if self.current == PROMOTION and self.promotion_code.strip():
            async for update in self._check_code(user):
                yield update
            if self.promotion_refusal:
                return
        if self.current == OPTIONS:
            async for update in self._check_availability(user):
                yield update
            if not self.availability_checked or self.unavailable:
                return
        if self.current == PROFILE and not self.profile_complete:
            self.error = "Please complete your billing profile: " + ", ".join(self.profile.missing) + "."
            return
        async for update in self._go_to(self.step + 1, user):
            yield update

    async def _go_to(self, step: int, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.step, self.error = min(step, len(self.steps) - 1), ""
        if self.current != REVIEW:
            return
        self.review, self.working, self.accepted_terms = NO_REVIEW, True, False
        yield
        if OPTIONS not in self.steps:  # a plan without options: its server is checked here
            async for update in self._check_availability(user):
                yield update
            self.working = True
        try:
            self.review = await asyncio.to_thread(
                gateway.review_order, request_context(self), user, self._choice()
            )
        except DomainError as exc:
            self.error = str(exc)
        self.working = False

    @rx.event
    def accept_terms(self, accepted: bool) -> None:
        self.accepted_terms = accepted is True

    @rx.event
    @signed_in
    async def confirm(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """Place the order under the wizard's key; a second confirm gets the same subscription."""
        if self.working or self.current != REVIEW or self.review.plan_name == "":
            return  # a second click of the same page: the first one placed (or is placing) the order
        if not self.accepted_terms:
            self.error = "Please accept the terms to order."
            return
        if self.unavailable:
            self.error = "The server cannot be set up now: choose an alternative or a backorder above."
            return
        self.working, self.error = True, ""
        yield
        try:
            number = await asyncio.to_thread(
                gateway.place_order, request_context(self), user, self._choice(), self._order_key
            )
        except DomainError as exc:
            self.error, self.working = str(exc), False
            return
        if self.availability.provisioned:  # the confirmation says the server is on its way
            self.placed_number, self.working = number, False
            return
        yield rx.redirect(subscription_path(number))
        yield rx.toast.success(f"Thank you! {number} is ordered.")
