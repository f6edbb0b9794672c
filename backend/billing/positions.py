"""Open positions as the other domains read and settle them: the charges of a subscription, the
customers with unbilled charges, and the charges an invoice bills (locked, then linked to it).

Every function works in one tenant's scope: a position or customer of another tenant is not found,
and a position of another tenant handed in is refused (`CrossTenantWrite`) before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from backend.billing.repository import OpenPositionRepository, UnbilledCharge
from backend.kit.repository import TenantScope
from backend.models import OpenPosition


def charges_of_subscription(session: Session, scope: TenantScope, subscription_id: int) -> list[OpenPosition]:
    """Every charge and credit of the subscription, billed or not, in the order of its covered time."""
    return OpenPositionRepository(session, scope).for_subscription(subscription_id)


def customers_with_unbilled_charges(
    session: Session,
    scope: TenantScope,
    now: datetime,
    first_id: int | None = None,
    last_id: int | None = None,
) -> list[tuple[int, int, datetime]]:
    """(customer id, billing day, earliest unbilled charge) of each customer with charges created
    by `now` that no invoice billed yet, optionally only customers with ids in `first_id..last_id`."""
    return OpenPositionRepository(session, scope).unbilled_customers(now, first_id, last_id)


def lock_unbilled_charges(
    session: Session, scope: TenantScope, customer_ids: list[int], now: datetime
) -> list[UnbilledCharge]:
    """The unbilled charges of `customer_ids` created by `now` (plain rows with the attributes of
    an `OpenPosition`), locked until commit: a concurrent invoice run waits, then finds them billed."""
    return OpenPositionRepository(session, scope).lock_unbilled(customer_ids, now)


def mark_billed(
    session: Session, scope: TenantScope, billed: list[tuple[OpenPosition | UnbilledCharge, int]]
) -> None:
    """Link each charge to the invoice (id) that billed it: it is no longer open."""
    OpenPositionRepository(session, scope).mark_billed(billed)


def check_own_charges(session: Session, scope: TenantScope, charges: Iterable[OpenPosition]) -> None:
    """Refuse charges of another tenant (`CrossTenantWrite`) before a credit for them is booked."""
    OpenPositionRepository(session, scope).check_owned(charges)
