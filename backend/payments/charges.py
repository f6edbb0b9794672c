"""Which payment a processor's charge (or a dispute of one) is about, and reading its amounts.

Every payment path writes its `Payment` row and commits it before calling the processor, with the
row's id in the metadata (`payment_id`); the charge carries that metadata, so a report about the
charge finds its payment by it, else by its PaymentIntent or charge id.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.kit.repository import TenantScope
from backend.models import Payment
from backend.money import Money
from backend.payments.repository import PaymentRepository


class ChargeNotKnownYet(Exception):
    """A refund of a charge whose payment names itself in its metadata but is not in this database
    (yet): the webhook fails, and the processor delivers it again later."""


def payment_of_charge(session: Session, scope: TenantScope, charge: dict[str, Any]) -> Payment | None:
    """The payment a charge (or a dispute) is about: by its metadata `payment_id`, else by its
    PaymentIntent or charge id. None when it is not a payment of the console; `ChargeNotKnownYet`
    when its metadata names one this tenant does not have (yet)."""
    payments = PaymentRepository(session, scope)
    named = str((charge.get("metadata") or {}).get("payment_id") or "")
    if named.isdigit() and (payment := payments.get(int(named))) is not None:
        return payment
    intent = id_of(charge.get("payment_intent"))
    charge_id = str(charge.get("charge") or charge.get("id") or "")
    payment = (payments.by_payment_intent(intent) if intent else None) or (
        payments.by_charge(charge_id) if charge_id else None
    )
    if payment is None and named:
        raise ChargeNotKnownYet(f"payment {named} of charge {charge_id} is not known yet")
    return payment


def amount_of(minor: Any, obj: dict[str, Any]) -> Decimal:
    """A processor amount in minor units (with the object's currency) as a decimal amount."""
    currency = str(obj.get("currency") or "eur").upper()
    return Money.from_minor(int(minor or 0), currency).amount


def id_of(value: Any) -> str | None:
    """The id of an expandable field: the id itself, or the expanded object's."""
    if isinstance(value, dict):
        return str(value.get("id") or "") or None
    return str(value) if value else None
