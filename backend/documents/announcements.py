"""The mail that goes with a new document: "invoice issued" (or "credit note") with the PDF attached.

Queued once, right after the first render stored the file, in the same transaction: the dedupe key
names the document, so a second job, a retry or a download that renders first queues nothing new.
The mail domain renders the templates in the document's language and sends after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.integrations.branding import brand
from backend.kit.repository import TenantScope
from backend.mail import MailAttachment, MailKind, MailRequest, queue_mail
from backend.models import CreditNote, Invoice
from backend.settings import get_settings


def announce_invoice(
    session: Session, scope: TenantScope, invoice: Invoice, key: str, shown: Mapping[str, str]
) -> bool:
    """Queue the invoice mail with the stored PDF; False when the buyer has no email address or it
    was queued before."""
    number = str(invoice.number)
    context = {
        "invoice_number": number,
        "issue_date": _local_day(invoice.issued_at, shown),
        "due_date": _local_day(invoice.due_at, shown),
        "total": str(invoice.gross),
        "currency": invoice.currency,
    }
    return _queue(session, scope, MailKind.INVOICE_ISSUED, invoice, number, key, shown, context, "invoices")


def announce_credit_note(
    session: Session,
    scope: TenantScope,
    note: CreditNote,
    invoice: Invoice,
    key: str,
    shown: Mapping[str, str],
) -> bool:
    """Queue the credit note mail with its PDF (to the buyer of the invoice it corrects)."""
    context = {
        "credit_note_number": note.number,
        "invoice_number": str(invoice.number),
        "issue_date": _local_day(note.issued_at, shown),
        "total": str(note.gross),
        "currency": note.currency,
    }
    return _queue(session, scope, MailKind.CREDIT_NOTE, invoice, note.number, key, shown, context, "invoices")


def _queue(
    session: Session,
    scope: TenantScope,
    kind: MailKind,
    invoice: Invoice,
    number: str,
    key: str,
    shown: Mapping[str, str],
    context: dict[str, Any],
    page: str,
) -> bool:
    buyer = invoice.buyer_snapshot or {}
    to = str(buyer.get("email") or "").strip()
    if not to:
        return False
    base_url = brand(session, scope, get_settings()).base_url
    request = MailRequest(
        kind=kind,
        to=to,
        customer_id=invoice.customer_account_id,
        context={
            "customer_name": str(buyer.get("company_name") or buyer.get("name") or ""),
            "link": f"{base_url}/{page}/{invoice.number}",
            **context,
        },
        attachments=(
            MailAttachment(filename=f"{number}.pdf", content_type="application/pdf", document_key=key),
        ),
        dedupe_key=f"{kind.value}:{number}",
        language=shown.get("language") or None,
    )
    return queue_mail(session, scope, request) is not None


def _local_day(moment: datetime | None, shown: Mapping[str, str]) -> str:
    """The ISO date the document prints (its frozen time zone), for the mail to say the same."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(shown.get("time_zone") or "UTC")).date().isoformat()
