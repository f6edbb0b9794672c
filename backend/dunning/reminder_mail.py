"""The payment reminder mail of one step (MailKind.PAYMENT_REMINDER; templates are mail's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.customers.service import billing_profile
from backend.kit.repository import TenantScope
from backend.models import Invoice


@dataclass(frozen=True, slots=True)
class ReminderMail:
    to: str
    customer_id: int
    context: dict[str, Any]
    dedupe_key: str  # one mail per invoice and step, whatever runs twice


def reminder_context(invoice: Invoice, step: int, steps: int) -> dict[str, Any]:
    """What the template shows: strings and numbers only (money as a decimal string)."""
    return {
        "invoice_number": str(invoice.number or ""),
        "amount_due": str(invoice.balance_due),
        "currency": invoice.currency,
        "due_date": invoice.due_at.date().isoformat() if invoice.due_at else "",
        "reminder_step": step,
        "reminder_steps": steps,
        "final_reminder": step == steps,
    }


def queue_reminder_mail(
    session: Session, scope: TenantScope, invoice: Invoice, step: int, steps: int, now: datetime
) -> ReminderMail | None:
    """The reminder of `step` to the billing email of the invoice's customer (None without a
    billing profile in this scope)."""
    profile = billing_profile(session, scope, invoice.customer_account_id)
    if profile is None or not profile.email:
        return None
    return ReminderMail(
        to=profile.email,
        customer_id=invoice.customer_account_id,
        context=reminder_context(invoice, step, steps),
        dedupe_key=f"payment_reminder:{invoice.id}:{step}",
    )
