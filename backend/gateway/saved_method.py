"""The "Payment method" card of `/profile`: the saved card, the auto-billing switch, "Save a card"
(Checkout in setup mode) and "Remove card", as display strings.

Every call opens its unit of work and acts as the signed-in member with the role the server
resolved: the services ask the policy again, so a viewer's crafted event is refused whatever the
page offered. What the page offers comes from the policy too (`allows`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, allows
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.payments import saved_methods
from backend.payments.retry_schedule import tenant_schedule
from backend.payments.saved_methods import SavedMethodView

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}


@dataclass(frozen=True, slots=True)
class PaymentMethodCard:
    online: bool  # the tenant takes cards; without, the card says "bank transfer"
    has_card: bool
    card_label: str  # "Visa ending 4242"
    auto_billing: bool
    can_manage: bool  # owners and billing members
    retry_note: str = ""  # "A declined charge is tried again after 1, 3 and 7 days."


def _account(user: SignedInUser) -> int:
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    return user.customer_account_id


def _label(view: SavedMethodView) -> str:
    if not view.has_card:
        return ""
    brand = BRANDS.get(view.brand, view.brand.title() or "Card")
    return f"{brand} ending {view.last4}" if view.last4 else brand


def retry_note(hours: tuple[int, ...]) -> str:
    """The tenant's retries in words, counted from the first attempt: "after 1, 3 and 7 days"."""
    later = hours[1:]
    if not later:
        return "A declined charge is not tried again."
    days = all(hour % 24 == 0 for hour in later)
    numbers = [str(hour // 24 if days else hour) for hour in later]
    listed = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
    unit = ("day" if days else "hour") + ("" if numbers == ["1"] else "s")
    return f"A declined charge is tried again {listed} {unit} after the first attempt."


def _card(view: SavedMethodView, can_manage: bool, session: Session, scope: TenantScope) -> PaymentMethodCard:
    note = retry_note(tenant_schedule(session, scope).hours) if view.online else ""
    return PaymentMethodCard(view.online, view.has_card, _label(view), view.auto_billing, can_manage, note)


def payment_method_card(request: RequestContext | None, user: SignedInUser) -> PaymentMethodCard:
    account, who, scope = _account(user), actor(request, user), user_scope(user)
    with unit_of_work() as session:
        view = saved_methods.saved_method(session, scope, who, account)
        return _card(
            view, allows(who, scope, Action.MANAGE_PAYMENT_METHOD, owner_account_id=account), session, scope
        )


def start_card_setup(request: RequestContext, user: SignedInUser) -> str:
    """The hosted page to save a card on; the customer comes back to /profile (the card shows once
    the processor's report has arrived)."""
    console = f"{request.scheme}://{request.host}"
    with unit_of_work() as session:
        return saved_methods.start_card_setup(
            session,
            user_scope(user),
            actor(request, user),
            _account(user),
            success_url=f"{console}/profile?card=saved",
            cancel_url=f"{console}/profile?card=canceled",
            now=clock.now(),
        )


def set_auto_billing(request: RequestContext, user: SignedInUser, *, enabled: bool) -> PaymentMethodCard:
    scope = user_scope(user)
    with unit_of_work() as session:
        view = saved_methods.set_auto_billing(
            session, scope, actor(request, user), _account(user), enabled=enabled
        )
        return _card(view, True, session, scope)


def remove_card(request: RequestContext, user: SignedInUser) -> PaymentMethodCard:
    scope = user_scope(user)
    with unit_of_work() as session:
        view = saved_methods.remove_saved_method(session, scope, actor(request, user), _account(user))
        return _card(view, True, session, scope)
