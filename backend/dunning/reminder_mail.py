"""The payment reminder mail of one step (MailKind.PAYMENT_REMINDER; the templates are mail's).

Queued in the transaction that records the step, to the billing profile's address, in the
customer's language (chosen by mail); its dedupe key is the invoice and the step, so a step is
mailed once whatever runs twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.customers.service import billing_profile
from backend.kit.repository import TenantScope
from backend.mail import MailDelivery, MailKind, MailRequest, queue_mail
from backend.models import CustomerProfile, Invoice
from backend.money import Money


def reminder_context(
    invoice: Invoice, profile: CustomerProfile, step: int, steps: int, now: datetime, time_zone: str
) -> dict[str, Any]:
    """What the template shows: the balance as a decimal string with its currency, dates as the
    tenant's calendar days (mail formats both for the language)."""
    assert invoice.due_at is not None
    zone = ZoneInfo(time_zone)
    due_day = invoice.due_at.astimezone(zone).date()
    return {
        "customer_name": profile.company_name or profile.name,
        "link": f"/invoices/{invoice.number}",
        "invoice_number": str(invoice.number or ""),
        "balance": str(Money.of(invoice.balance_due, invoice.currency).round_to_minor().amount),
        "currency": invoice.currency,
        "due_date": due_day.isoformat(),
        "days_overdue": (now.astimezone(zone).date() - due_day).days,
        "step": step,
        "steps": steps,
        "final": step == steps,
    }


def queue_reminder_mail(
    session: Session,
    scope: TenantScope,
    invoice: Invoice,
    step: int,
    steps: int,
    now: datetime,
    time_zone: str,
) -> MailDelivery | None:
    """Queue the reminder of `step` to the billing email of the invoice's customer; None without a
    billing profile in this scope, or when this step was mailed before."""
    profile = billing_profile(session, scope, invoice.customer_account_id)
    if profile is None or not profile.email or invoice.due_at is None:
        return None
    request = MailRequest(
        kind=MailKind.PAYMENT_REMINDER,
        to=profile.email,
        customer_id=invoice.customer_account_id,
        context=reminder_context(invoice, profile, step, steps, now, time_zone),
        dedupe_key=f"payment-reminder:{invoice.id}:{step}",
    )
    return queue_mail(session, scope, request)
