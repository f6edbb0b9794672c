"""The order wizard (`/order/{plan}`): what the plan offers, the promotion check, the billing profile,
the engine's own preview, and the order itself, placed once per wizard.

Every figure comes from the engine: the promotion is checked by `Ordering.check_promotion` (the
checks `order` runs), the review is `Ordering.preview_order` (the order placed, billed and invoiced
in a savepoint, then rolled back), the profile is saved by `save_billing_profile`. The wizard makes
a key when it opens; `place_order` places the order under it through the idempotency service, so a
double click or a resubmitted form gets the subscription of the first, never a second one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend import clock
from backend.catalog.plans import list_addons_for_plan, list_plans
from backend.catalog.pricing import describe_interval, period_charge
from backend.customers.profiles import (
    BillingProfileInput,
    BillingProfileView,
    field_label,
    read_billing_profile,
    save_billing_profile,
)
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.idempotency import service as idempotency
from backend.idempotency.service import KeyInUse, KeyRaced, StoredResponse
from backend.integrations.vies import ViesClient
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerType
from backend.money import Money
from backend.provisioning import service as provisioning
from backend.settings import get_settings
from backend.subscriptions.errors import BillingProfileMissing
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.schemas import OrderPreview, PricedLine
from backend.subscriptions.service import Lifecycle
from backend.tax import is_eu_country

# How long a second click waits for the first one's order before it gives up (it normally takes
# well under a second); the first one keeps the key until it answers.
WAIT_FOR_FIRST_SECONDS = 15.0
_POLL_SECONDS = 0.2
_TAX_MODES = {
    "domestic": "VAT",
    "reverse_charge": "EU reverse charge",
    "eu_b2c": "VAT of your country (EU distance sale)",
    "outside_eu": "No VAT (outside the EU)",
}
_VAT_STATUS = {
    "unchecked": "Not checked yet",
    "valid": "Valid",
    "invalid": "Invalid",
    "unreachable": "Could not be checked (VIES unreachable); we check again later",
}


@dataclass(frozen=True, slots=True)
class OptionField:
    key: str
    label: str  # "Server type"
    values: list[str]


@dataclass(frozen=True, slots=True)
class AddonOffer:
    id: int
    name: str
    description: str
    price: str  # net per its interval, e.g. "2.00 EUR / month"


@dataclass(frozen=True, slots=True)
class ProfileForm:
    """The fields an order needs, as saved; `missing` names those still empty (labels)."""

    customer_type: str
    name: str
    company_name: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    email: str
    vat_id: str
    vat_status: str  # in words, empty without a VAT ID
    vat_status_key: str  # "valid", "invalid", "unreachable", "unchecked"
    vat_source: str
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class WizardStart:
    plan_id: int
    plan_key: str
    plan_name: str
    plan_price: str  # net per full period, e.g. "5.39 EUR / month"
    options: list[OptionField]
    addons: list[AddonOffer]
    profile: ProfileForm
    order_key: str  # the wizard's idempotency key


@dataclass(frozen=True, slots=True)
class OrderChoice:
    """What the customer chose in the wizard's steps."""

    plan_id: int
    options: dict[str, str] = field(default_factory=dict)
    addons: dict[int, int] = field(default_factory=dict)  # addon id -> quantity
    promotion_code: str = ""
    # A provisioned plan whose server cannot be created now is ordered anyway and waits (backorder).
    accept_backorder: bool = False

    def request(self, customer_account_id: int) -> OrderRequest:
        return OrderRequest(
            customer_account_id, self.plan_id, dict(self.options), dict(self.addons), self.promotion_code
        )

    def fingerprint(self) -> str:
        body = {
            "plan": self.plan_id,
            "options": sorted(self.options.items()),
            "addons": sorted(self.addons.items()),
            "promotion": self.promotion_code.strip().upper(),
            "accept_backorder": self.accept_backorder,
        }
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PromotionCheck:
    code: str
    effect: str  # e.g. "10 % off the first invoice for new customers", or "10 % off"


@dataclass(frozen=True, slots=True)
class ReviewLine:
    description: str
    period: str
    net: str
    tax: str
    gross: str


@dataclass(frozen=True, slots=True)
class OrderReview:
    """The engine's preview in the customer's words: amounts formatted with their currency."""

    plan_name: str
    first_charge_at: str  # tenant time
    trial_end: str  # empty without a trial
    lines: list[ReviewLine]
    discounts: list[ReviewLine]
    first_net: str
    first_tax: str
    first_gross: str
    promotion: str
    recurring_lines: list[ReviewLine]
    recurring_discounts: list[ReviewLine]
    recurring_net: str
    recurring_gross: str
    recurring_free: bool  # the promotion makes the next period cost nothing
    promotion_continues: bool  # the promotion still discounts the next period
    regular_gross: str  # a full period once no promotion applies
    regular_from: str  # when that starts, if a promotion still discounts the next period; else empty
    interval: str
    tax_mode: str  # in words
    tax_rate: str  # "19 %"
    tax_note: str
    time_zone: str
    withdrawal: bool  # an EU consumer: the statutory 14-day withdrawal notice applies


def _customer(user: SignedInUser) -> int:
    if user.customer_account_id is None:
        raise NotFoundError("Only customers can order; this user has no customer account.")
    return user.customer_account_id


def new_order_key() -> str:
    """A fresh key for one wizard (kept in its state until the order is placed)."""
    return f"order-{secrets.token_urlsafe(24)}"


def start_order(request: RequestContext, user: SignedInUser, plan_key: str) -> WizardStart:
    """The plan `plan_key` as the wizard offers it (`NotFoundError` when the tenant sells no active
    plan by that key), its options and addons, and the customer's billing profile."""
    customer = _customer(user)
    with unit_of_work() as session:
        scope = user_scope(user)
        # A viewer member is told at once, not after filling in four steps (the order refuses too).
        authorize(actor(request, user), scope, Action.ORDER_SUBSCRIPTION, owner_account_id=customer)
        plan = next((p for p in list_plans(session, scope, active_only=True) if p.key == plan_key), None)
        if plan is None:
            raise NotFoundError("There is no plan to order at this address.")
        addons = [
            AddonOffer(
                addon.id,
                addon.name,
                addon.description,
                f"{period_charge(addon.price, addon.currency).format()} / "
                f"{describe_interval(addon.interval_unit, addon.interval_count)}",
            )
            for addon in list_addons_for_plan(session, scope, plan.id)
            if addon.currency == plan.currency
        ]
        profile = read_billing_profile(session, scope, actor(request, user), customer)
    return WizardStart(
        plan_id=plan.id,
        plan_key=plan.key,
        plan_name=plan.name,
        plan_price=plan.price_display,
        options=_options(plan.allowed_options),
        addons=addons,
        profile=profile_form(profile),
        order_key=new_order_key(),
    )


def check_promotion(
    request: RequestContext, user: SignedInUser, choice: OrderChoice
) -> PromotionCheck | None:
    """The code of `choice` checked now as the order will check it: None without a code, or the
    engine's `PromotionCodeRefused` (expired, not for this plan, already used, unknown...)."""
    customer = _customer(user)
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        view = lifecycle.check_promotion(choice.request(customer), clock.now())
    if view is None:
        return None
    # The admin's description says it in words ("10 % off the first invoice"); else the benefit.
    return PromotionCheck(view.code, view.description or view.benefit_display)


def save_profile(request: RequestContext, user: SignedInUser, form: dict[str, str]) -> ProfileForm:
    """Save the wizard's profile form through `save_billing_profile` (a changed VAT ID is checked
    in VIES); `FieldErrors` with one message per wrong field, nothing saved then."""
    customer = _customer(user)
    fields = {name: str(form.get(name, "")) for name in _PROFILE_FIELDS}
    data = BillingProfileInput(**fields)  # type: ignore[arg-type]
    with unit_of_work() as session, ViesClient.from_settings(get_settings()) as vies:
        profile = save_billing_profile(session, user_scope(user), actor(request, user), customer, data, vies)
    return profile_form(profile)


_PROFILE_FIELDS = (
    "customer_type",
    "name",
    "company_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "email",
    "vat_id",
)


def review_order(request: RequestContext, user: SignedInUser, choice: OrderChoice) -> OrderReview:
    """The engine's preview of the order for this customer (named `SubscriptionError`s pass on)."""
    customer = _customer(user)
    with unit_of_work() as session:
        scope = user_scope(user)
        lifecycle = Lifecycle(session, scope, actor(request, user))
        preview = lifecycle.preview_order(choice.request(customer), clock.now())
        profile = read_billing_profile(session, scope, actor(request, user), customer)
        zone = _zone(session, user)
    consumer = profile.customer_type == CustomerType.PRIVATE and is_eu_country(profile.country)
    return _review(preview, zone, withdrawal=consumer)


def place_order(request: RequestContext, user: SignedInUser, choice: OrderChoice, order_key: str) -> str:
    """Order `choice` once per `order_key`: the first call places it and stores its subscription
    number under the key; a later (or concurrent) call with the key gets that number. A refused
    order frees the key, so the customer can correct the choice and confirm again."""
    customer = _customer(user)
    scope = user_scope(user)
    reservation = _reserve(user, order_key, choice.fingerprint())
    if isinstance(reservation, StoredResponse):
        return reservation.body.decode()
    try:
        # A provisioned plan: the provider is asked for capacity before the order's transaction.
        with unit_of_work() as session:
            target = provisioning.order_target(session, scope, choice.plan_id, dict(choice.options))
        availability = provisioning.probe(target) if target is not None else None
        with unit_of_work() as session:
            profile = read_billing_profile(session, scope, actor(request, user), customer)
            if profile.missing_for_order:
                raise BillingProfileMissing()
            now = clock.now()
            lifecycle = Lifecycle(session, scope, actor(request, user))
            subscription = lifecycle.order(choice.request(customer), now, provision=target is not None)
            if target is not None and availability is not None:
                provisioning.provision_order(
                    session,
                    scope,
                    actor(request, user),
                    subscription,
                    target,
                    availability,
                    accept_backorder=choice.accept_backorder,
                    now=now,
                )
            number = subscription.number
            answer = StoredResponse(201, "text/plain", number.encode())
            idempotency.complete(session, scope, reservation, answer, now)
    except Exception:
        with unit_of_work() as session:
            idempotency.release(session, scope, reservation)
        raise
    return number


def _reserve(user: SignedInUser, key: str, fingerprint: str) -> idempotency.Reservation | StoredResponse:
    """The key for this order, committed before the order starts; a concurrent click waits for the
    first one's answer (`KeyInUse` when it takes longer than `WAIT_FOR_FIRST_SECONDS`)."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        try:
            with unit_of_work() as session:
                return idempotency.begin_for_user(
                    session, user_scope(user), user.user_id, key, fingerprint, clock.now()
                )
        except KeyRaced:
            continue  # reserved at the same moment: the next round sees the other's key
        except KeyInUse:
            if time.monotonic() >= deadline:
                raise
            time.sleep(_POLL_SECONDS)


def profile_form(profile: BillingProfileView) -> ProfileForm:
    status = str(profile.vat_id_status)
    return ProfileForm(
        customer_type=str(profile.customer_type),
        name=profile.name,
        company_name=profile.company_name,
        address_line1=profile.address_line1,
        address_line2=profile.address_line2,
        postal_code=profile.postal_code,
        city=profile.city,
        country=profile.country,
        email=profile.email,
        vat_id=profile.vat_id,
        vat_status=_VAT_STATUS.get(status, status) if profile.vat_id else "",
        vat_status_key=status if profile.vat_id else "",
        vat_source=profile.vat_id_source if profile.vat_id else "",
        missing=[field_label(name) for name in profile.missing_for_order],
    )


def _options(allowed: dict[str, Any]) -> list[OptionField]:
    """The plan's choosable options: each key with a list of values (a fixed value is no choice)."""
    return [
        OptionField(key, key.replace("_", " ").capitalize(), [str(value) for value in values])
        for key, values in sorted(allowed.items())
        if isinstance(values, list) and values
    ]


def _review(preview: OrderPreview, zone: ZoneInfo, *, withdrawal: bool) -> OrderReview:
    currency = preview.currency

    def money(amount: Decimal) -> str:
        return Money.of(amount, currency).format()

    def line(item: PricedLine) -> ReviewLine:
        period = ""
        if item.period_start and item.period_end:
            period = f"{_day(item.period_start, zone)} – {_day(item.period_end, zone)}"
        return ReviewLine(item.description, period, money(item.net), money(item.tax), money(item.gross))

    return OrderReview(
        plan_name=preview.plan_name,
        first_charge_at=_moment(preview.first_charge_at, zone),
        trial_end=_moment(preview.trial_end, zone) if preview.trial_end else "",
        lines=[line(item) for item in preview.lines],
        discounts=[line(item) for item in preview.discounts],
        first_net=money(preview.first_invoice.net),
        first_tax=money(preview.first_invoice.tax),
        first_gross=money(preview.first_invoice.gross),
        promotion=preview.promotion,
        recurring_lines=[line(item) for item in preview.recurring_lines],
        recurring_discounts=[line(item) for item in preview.recurring_discounts],
        recurring_net=money(preview.recurring.net),
        recurring_gross=money(preview.recurring.gross),
        recurring_free=preview.recurring.gross == 0 and bool(preview.recurring_discounts),
        promotion_continues=bool(preview.recurring_discounts),
        regular_gross=money(preview.regular.gross),
        regular_from=_day(preview.regular_from, zone) if preview.regular_from else "",
        interval=preview.interval,
        tax_mode=_TAX_MODES.get(preview.tax.mode, preview.tax.mode),
        tax_rate=f"{preview.tax.rate.normalize():f} %",
        tax_note=preview.tax.note,
        time_zone=str(zone),
        withdrawal=withdrawal,
    )


def _moment(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _day(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d")


def _zone(session: Session, user: SignedInUser) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(user.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")
