"""The admin's manual draft invoice form (`/admin/invoices/new`): the customers to choose from, a
draft's lines to edit, saving and deleting it. The rules (and their field messages) are the
service's (`backend.invoicing.manual_drafts`), the same as the API's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.invoicing import admin_reads, manual_drafts
from backend.invoicing.errors import InvoiceNotDraft
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.models import InvoiceStatus
from backend.reporting import customers as customer_reads

CUSTOMERS_OFFERED = 100  # the draft's customer is chosen from a list; more are found by number
TAX_CATEGORIES = ("standard", "reduced", "zero")


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    id: str  # as the select sends it
    label: str  # "Erika Muster (C-10001)"


@dataclass(frozen=True, slots=True)
class DraftLineForm:
    description: str = ""
    quantity: str = "1"
    unit_price: str = ""
    tax_category: str = "standard"


@dataclass(frozen=True, slots=True)
class DraftForm:
    draft_id: int  # 0 for a new draft
    customer_id: str
    currency: str
    customers: list[CustomerChoice]
    lines: list[DraftLineForm] = field(default_factory=list)


def draft_form(user: SignedInUser, draft_id: int = 0, customer_id: int = 0) -> DraftForm:
    """An empty form (for `customer_id` when given), or the draft `draft_id` to edit (refused with
    `InvoiceNotDraft` once it is issued, `NotFoundError` in another tenant)."""
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(None, user)
        found = customer_reads.customers_after(session, scope, who, limit=CUSTOMERS_OFFERED)
        choices = [CustomerChoice(str(c.id), f"{c.name} ({c.number})") for c in found.items]
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        currency = tenant.default_currency if tenant else "EUR"
        if not draft_id:
            chosen = str(customer_id) if customer_id else ""
            return DraftForm(0, chosen, currency, choices, [DraftLineForm()])
        file = admin_reads.invoice_file(session, scope, who, draft_id)
    if file.invoice.status != "draft":
        raise InvoiceNotDraft(file.invoice.reference, InvoiceStatus(file.invoice.status))
    lines = [
        DraftLineForm(line.description, str(line.quantity), str(line.unit_price), line.tax_category)
        for line in file.lines
    ]
    return DraftForm(draft_id, str(file.invoice.customer_id), file.invoice.currency, choices, lines)


def save_draft(
    request: RequestContext, user: SignedInUser, draft_id: int, customer_id: str, lines: list[dict[str, Any]]
) -> int:
    """Write a new draft (`draft_id` 0) or replace a draft's customer and lines; returns its id.
    Refusals are `FieldErrors` naming the field (`lines.1.unit_price`) and change nothing."""
    wanted = manual_drafts.draft_input(customer_id or None, lines)
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(request, user)
        if draft_id:
            invoice = manual_drafts.update_draft(session, scope, who, draft_id, wanted, clock.now())
        else:
            invoice = manual_drafts.create_draft(session, scope, who, wanted, clock.now())
        assert invoice.id is not None
        return invoice.id


def delete_draft(request: RequestContext, user: SignedInUser, draft_id: int) -> None:
    with unit_of_work() as session:
        manual_drafts.delete_draft(session, user_scope(user), actor(request, user), draft_id)
