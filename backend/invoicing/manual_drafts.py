"""Draft invoices an admin writes by hand, and issuing them (SPEC §4, admin invoices).

A manual draft is an invoice row in status `draft` without a number: lines with a description,
quantity, net unit price and tax category, for one customer in the tenant's currency. Each line's
net is quantity × unit price rounded half-up to the currency's minor unit; its tax is shown at the
rate it would get if issued today and is decided again at issue. Only drafts can be edited,
deleted or issued; issuing gives the next gapless number (`issuing.issue_written_draft`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from backend.audit import service as audit
from backend.customers.service import billing_profile
from backend.invoicing.drafts import InvoiceDraft, InvoicingContext, LineDraft, round_money
from backend.invoicing.errors import InvoiceNotDraft
from backend.invoicing.issuing import issue_written_draft, priced_draft
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.errors import FieldErrors
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, Invoice, InvoiceLine, InvoiceStatus, TaxCategory


def draft_input(customer_account_id: Any, lines: list[dict[str, Any]]) -> DraftInput:
    """The draft a form sent, validated like the API's body; each refusal is named by its field
    (`lines.2.unit_price`), so the page shows it next to that field."""
    try:
        return DraftInput.model_validate({"customer_account_id": customer_account_id, "lines": lines})
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            message = _NUMBER if error["type"] in ("decimal_parsing", "decimal_type") else str(error["msg"])
            fields.setdefault(name, f"{_label(name)}: {message}.")
        raise FieldErrors(fields) from exc


_NUMBER = "enter a number like 45.50 (a point for the decimals)"


def _label(name: str) -> str:
    parts = name.split(".")
    if parts[0] == "lines" and len(parts) == 3:
        return f"Line {int(parts[1]) + 1} {parts[2].replace('_', ' ')}"
    return {"customer_account_id": "Customer", "lines": "Lines"}.get(
        name, name.replace("_", " ").capitalize()
    )


def create_draft(
    session: Session, scope: TenantScope, actor: audit.Actor, wanted: DraftInput, now: datetime
) -> Invoice:
    """A new manual draft for the customer (of this tenant, with a billing profile)."""
    authorize(actor, scope, Action.MANAGE_INVOICE_DRAFTS)
    ctx = InvoicingContext(session, scope)
    profile = _profile(session, scope, wanted.customer_account_id)
    invoice = ctx.invoices.add(
        Invoice(
            customer_account_id=wanted.customer_account_id,
            status=InvoiceStatus.DRAFT,
            currency=ctx.tenant.default_currency,
        )
    )
    _write_lines(ctx, invoice, profile, wanted, now)
    audit.record(
        session, scope, actor, "invoice.draft_created", object_type="invoice", object_id=invoice.id,
        after={"customer_account_id": wanted.customer_account_id, "net": _amount(invoice.net, invoice)},
    )  # fmt: skip
    return invoice


def update_draft(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    invoice_id: int,
    wanted: DraftInput,
    now: datetime,
) -> Invoice:
    """Replace the draft's customer and lines; refused (changing nothing) once it is issued."""
    authorize(actor, scope, Action.MANAGE_INVOICE_DRAFTS)
    ctx = InvoicingContext(session, scope)
    invoice = _locked_draft(ctx, invoice_id)
    profile = _profile(session, scope, wanted.customer_account_id)
    before = {
        "customer_account_id": invoice.customer_account_id,
        "net": _amount(invoice.net, invoice),
    }
    for line in ctx.lines.for_invoice(invoice_id):
        ctx.lines.delete(line)
    invoice.customer_account_id = wanted.customer_account_id
    _write_lines(ctx, invoice, profile, wanted, now)
    audit.record(
        session, scope, actor, "invoice.draft_changed", object_type="invoice", object_id=invoice.id,
        before=before,
        after={"customer_account_id": wanted.customer_account_id, "net": _amount(invoice.net, invoice)},
    )  # fmt: skip
    return invoice


def delete_draft(session: Session, scope: TenantScope, actor: audit.Actor, invoice_id: int) -> None:
    """Delete a draft and its lines; an issued invoice is never deleted."""
    authorize(actor, scope, Action.MANAGE_INVOICE_DRAFTS)
    ctx = InvoicingContext(session, scope)
    invoice = _locked_draft(ctx, invoice_id)
    before = {
        "customer_account_id": invoice.customer_account_id,
        "net": _amount(invoice.net, invoice),
    }
    for line in ctx.lines.for_invoice(invoice_id):
        ctx.lines.delete(line)
    ctx.invoices.delete(invoice)
    audit.record(
        session,
        scope,
        actor,
        "invoice.draft_deleted",
        object_type="invoice",
        object_id=invoice_id,
        before=before,
    )


def issue_invoice(
    session: Session, scope: TenantScope, actor: audit.Actor, invoice_id: int, now: datetime
) -> Invoice:
    """Issue a manual draft: the next gapless number of the year, the tax of the day, due after
    the tenant's payment terms (`issuing.issue_written_draft`)."""
    authorize(actor, scope, Action.ISSUE_INVOICE)
    ctx = InvoicingContext(session, scope)
    invoice = _locked_draft(ctx, invoice_id)
    profile = _profile(session, scope, invoice.customer_account_id)
    lines = ctx.lines.for_invoice(invoice_id)
    issue_written_draft(ctx, invoice, lines, _as_draft(invoice, lines), profile, now)
    audit.record(
        session, scope, actor, "invoice.issue", object_type="invoice", object_id=invoice.id,
        before={"status": "draft"},
        after={
            "status": str(invoice.status), "number": invoice.number, "gross": _amount(invoice.gross, invoice),
        },
    )  # fmt: skip
    return invoice


def _amount(amount: Decimal, invoice: Invoice) -> str:
    """An amount as the audit log keeps it: in the currency's minor unit ("91.00")."""
    return str(round_money(amount, invoice.currency))


def _profile(session: Session, scope: TenantScope, customer_account_id: int) -> CustomerProfile:
    profile = billing_profile(session, scope, customer_account_id)
    if profile is None:
        raise FieldErrors(
            {"customer_account_id": "Customer: no customer with a billing profile has this id."}
        )
    return profile


def _locked_draft(ctx: InvoicingContext, invoice_id: int) -> Invoice:
    invoice = ctx.locked_invoice(invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceNotDraft(invoice.number or str(invoice_id), invoice.status)
    return invoice


def _write_lines(
    ctx: InvoicingContext, invoice: Invoice, profile: CustomerProfile, wanted: DraftInput, now: datetime
) -> None:
    """The draft's lines and totals as they would be issued now (tax decided again at issue)."""
    assert invoice.id is not None
    draft = InvoiceDraft(
        invoice.customer_account_id,
        invoice.currency,
        [],
        [_line_draft(line, invoice.currency) for line in wanted.lines],
    )
    values, priced = priced_draft(ctx, draft, profile, now)
    for line in priced:
        ctx.lines.add(InvoiceLine(invoice_id=invoice.id, **line))
    invoice.net, invoice.tax, invoice.gross = values["net"], values["tax"], values["gross"]
    invoice.balance_due = Decimal(0)  # nothing is owed before it is issued
    ctx.session.flush()


def _line_draft(line: DraftLineInput, currency: str) -> LineDraft:
    return LineDraft(
        description=line.description.strip(),
        net=round_money(line.quantity * line.unit_price, currency),
        tax_category=line.tax_category,
        quantity=line.quantity,
        unit_price=line.unit_price,
    )


def _as_draft(invoice: Invoice, lines: list[InvoiceLine]) -> InvoiceDraft:
    return InvoiceDraft(
        invoice.customer_account_id,
        invoice.currency,
        [],
        [
            LineDraft(
                description=line.description,
                net=line.net,
                tax_category=TaxCategory(line.tax_category),
                quantity=line.quantity,
                unit_price=line.unit_price,
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in lines
        ],
    )
