"""The isolation table of a customer's statement (backend/invoicing/statements.py) and the
repository reads behind it: tenant B's admin with tenant A's ids and numbers.

B has one invoice, INV-2027-00001 (paid); A's issued invoice has a later number of 2027 (A issued
its paid and overdue invoices first), so a B that finds it found A's.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.invoicing import statements
from backend.invoicing.repository import CreditNoteRepository, InvoiceRepository
from backend.invoicing.statements import STATEMENT_STATUSES
from backend.kit.errors import ValidationFailed
from backend.models import Invoice
from tests.isolation.probes import Probe, Raises, only_b, views_of_b
from tests.isolation.repository_probes import R, row
from tests.isolation.service_probes import S
from tests.isolation.world import Side


def _number(session: Session, a: Side) -> str:
    number = row(session, Invoice, a.issued_invoice).number
    assert number is not None and number != "INV-2027-00001"
    return number


STATEMENT_REPOSITORY_PROBES: list[Probe] = [
    R(
        InvoiceRepository.statement_page,
        lambda s, me, a: {"customer_account_id": a.customer_id, "statuses": STATEMENT_STATUSES, "limit": 50},
    ),
    R(
        InvoiceRepository.statement_page,
        lambda s, me, a: {"customer_account_id": None, "statuses": STATEMENT_STATUSES, "limit": 50},
        only_b,
        label="every customer",
    ),
    R(
        CreditNoteRepository.for_invoices,
        lambda s, me, a: ([a.paid_invoice, a.issued_invoice, a.void_invoice],),
    ),
]

STATEMENT_PROBES: list[Probe] = [
    # B's admin lists B's own invoices; A's invoice is no cursor of B's list; A's number is not found.
    S(
        statements.list_invoices,
        lambda s, me, a: statements.list_invoices(s, me.scope, me.actor, limit=100).items,
        views_of_b(Invoice),
    ),
    S(
        statements.list_invoices,
        lambda s, me, a: statements.list_invoices(s, me.scope, me.actor, starting_after=a.issued_invoice),
        Raises(ValidationFailed),
        label="A's invoice as the cursor",
    ),
    S(
        statements.invoice_by_number,
        lambda s, me, a: statements.invoice_by_number(s, me.scope, me.actor, _number(s, a)),
    ),
]
