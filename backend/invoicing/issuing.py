"""Issuing invoices: drafts become invoices with gapless numbers, snapshots and tax (SPEC §4).

- an invoice below the tenant's minimum waits (unless an admin bills now), a zero invoice is
  issued as paid, and credits alone never make an invoice (they wait for charges);
- numbers are assigned at issue, gapless per tenant and year (`INV-2026-00001`), from a counter row
  locked until commit, so two concurrent runs queue behind each other instead of skipping numbers;
- an issued invoice keeps the buyer and issuer as they were (snapshots) and never changes its lines
  or totals; corrections are credit notes (backend/invoicing/credit_notes.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.billing.positions import mark_billed
from backend.invoicing import promotions
from backend.invoicing.drafts import InvoiceDraft, InvoicingContext, line_tax
from backend.invoicing.repository import BuyerProfileReads, DocumentSequenceRepository
from backend.kit.errors import ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, DocumentKind, Invoice, InvoiceLine, InvoiceStatus, Tenant
from backend.tax import TaxDecision

log = logging.getLogger(__name__)


def billing_settings(tenant: Tenant) -> dict[str, Any]:
    return dict((tenant.settings or {}).get("billing", {}))


def minimum_invoice_amount(tenant: Tenant) -> Decimal:
    return Decimal(str(billing_settings(tenant).get("minimum_invoice_amount", "0")))


def reserve_document_numbers(
    session: Session, scope: TenantScope, kind: DocumentKind, year: int, count: int
) -> list[int]:
    """The next `count` numbers of the tenant's gapless counter of `kind` in `year` (year 0 for
    counters that never restart). The counter row stays locked until commit: a concurrent caller
    waits and continues after the last number taken, so no number is skipped or given twice."""
    return DocumentSequenceRepository(session, scope).take(kind, year, count)


def issue_drafts(
    ctx: InvoicingContext, drafts: list[InvoiceDraft], now: datetime, *, force: bool = False
) -> list[int]:
    """Turn drafts into issued invoices with numbers; below-minimum and credit-only drafts wait.

    Returns the ids of the issued invoices. Rows are written with set-based INSERTs: an invoice
    run over thousands of customers costs a few statements per batch, not a few per invoice.
    """
    minimum = minimum_invoice_amount(ctx.tenant)
    on = ctx.local_date(now)
    ready: list[tuple[InvoiceDraft, dict[str, Any], list[dict[str, Any]]]] = []
    profiles = BuyerProfileReads(ctx.session, ctx.scope).for_accounts({d.customer_account_id for d in drafts})
    issuer = issuer_snapshot(ctx.tenant)
    for draft in drafts:
        profile = profiles.get(draft.customer_account_id)
        if profile is None:
            log.warning("customer %s has no billing profile; its positions wait", draft.customer_account_id)
            continue
        net_total = sum((line.net for line in draft.lines), Decimal(0))
        decision = ctx.decide(profile, on, draft.currency, net_total)
        invoice, lines = _invoice_from_draft(ctx, draft, profile, decision, issuer)
        if invoice["gross"] < 0:
            continue
        if not force and 0 < invoice["gross"] < minimum:
            continue
        ctx.record_sale(profile, decision, on, draft.currency, net_total)  # only drafts that are issued
        ready.append((draft, invoice, lines))
    if not ready:
        return []
    numbers = reserve_document_numbers(ctx.session, ctx.scope, DocumentKind.INVOICE, on.year, len(ready))
    due_at = now + timedelta(days=ctx.tenant.payment_terms_days)
    for number, (_, invoice, _) in zip(numbers, ready, strict=True):
        zero = invoice["gross"] == 0
        invoice.update(
            number=f"INV-{on.year}-{number:05d}",
            issued_at=now,
            due_at=due_at,
            status=InvoiceStatus.PAID if zero else InvoiceStatus.ISSUED,
            paid_at=now if zero else None,
            balance_due=Decimal(0) if zero else invoice["gross"],
        )
    ids = ctx.invoices.insert_issued([(invoice, lines) for _, invoice, lines in ready])
    mark_billed(
        ctx.session,
        ctx.scope,
        [
            (position, invoice_id)
            for (draft, _, _), invoice_id in zip(ready, ids, strict=True)
            for position in draft.positions
        ],
    )
    promotions.record_uses(
        ctx.session,
        ctx.scope,
        [(invoice_id, draft.promotion_usages) for (draft, _, _), invoice_id in zip(ready, ids, strict=True)],
    )
    ctx.session.flush()
    return ids


def priced_draft(
    ctx: InvoicingContext, draft: InvoiceDraft, profile: CustomerProfile, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The invoice and line values `draft` gets if issued at `now`: the tax decision of that day,
    each line's tax rounded per line, the totals summed from the rounded lines."""
    _, values, lines = _priced(ctx, draft, profile, now)
    return values, lines


def _priced(
    ctx: InvoicingContext, draft: InvoiceDraft, profile: CustomerProfile, now: datetime
) -> tuple[TaxDecision, dict[str, Any], list[dict[str, Any]]]:
    net_total = sum((line.net for line in draft.lines), Decimal(0))
    decision = ctx.decide(profile, ctx.local_date(now), draft.currency, net_total)
    return decision, *_invoice_from_draft(ctx, draft, profile, decision, issuer_snapshot(ctx.tenant))


def issue_written_draft(
    ctx: InvoicingContext,
    invoice: Invoice,
    lines: list[InvoiceLine],
    draft: InvoiceDraft,
    profile: CustomerProfile,
    now: datetime,
) -> None:
    """Issue a draft an admin wrote by hand (`invoice`, stored with `lines`; `draft` is the same
    lines as drafts are built): the same rules as `issue_drafts` except the minimum (an admin asked
    for it): the tax decision of the day, the next gapless number, snapshots, a zero invoice paid at
    once. A draft totalling less than zero is refused (a credit is a credit note)."""
    decision, values, priced = _priced(ctx, draft, profile, now)
    if values["gross"] < 0:
        raise ValidationFailed(
            "An invoice cannot total less than zero; credit an issued invoice with a credit note instead."
        )
    on = ctx.local_date(now)
    ctx.record_sale(profile, decision, on, draft.currency, values["net"])
    [number] = reserve_document_numbers(ctx.session, ctx.scope, DocumentKind.INVOICE, on.year, 1)
    zero = values["gross"] == 0
    for name, value in values.items():
        setattr(invoice, name, value)
    invoice.number = f"INV-{on.year}-{number:05d}"
    invoice.issued_at, invoice.due_at = now, now + timedelta(days=ctx.tenant.payment_terms_days)
    invoice.status = InvoiceStatus.PAID if zero else InvoiceStatus.ISSUED
    invoice.paid_at = now if zero else None
    invoice.balance_due = Decimal(0) if zero else values["gross"]
    for line, line_values in zip(lines, priced, strict=True):
        line.tax_rate, line.net = line_values["tax_rate"], line_values["net"]
        line.tax, line.gross = line_values["tax"], line_values["gross"]
    ctx.session.flush()


def _invoice_from_draft(
    ctx: InvoicingContext,
    draft: InvoiceDraft,
    profile: CustomerProfile,
    decision: TaxDecision,
    issuer: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = []
    for position, line in enumerate(draft.lines, start=1):
        rate = ctx.rate(decision, line.tax_category)
        tax = line_tax(line.net, rate, draft.currency)
        lines.append(
            {
                "position": position,
                "open_position_id": line.open_position_id,
                "description": line.description[:500],
                "period_start": line.period_start,
                "period_end": line.period_end,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_category": line.tax_category,
                "tax_rate": rate,
                "net": line.net,
                "tax": tax,
                "gross": line.net + tax,
            }
        )
    net = sum((line["net"] for line in lines), Decimal(0))
    tax = sum((line["tax"] for line in lines), Decimal(0))
    invoice = {
        "customer_account_id": draft.customer_account_id,
        "currency": draft.currency,
        "net": net,
        "tax": tax,
        "gross": net + tax,
        "tax_mode": decision.mode,
        "tax_country": decision.country,
        "buyer_country": profile.country,
        "buyer_vat_id": decision.buyer_vat_id,
        "tax_note": decision.note,
        "buyer_snapshot": buyer_snapshot(profile) | {"tax": ctx.snapshot(decision)},
        "issuer_snapshot": issuer,
    }
    return invoice, lines


def buyer_snapshot(profile: CustomerProfile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "company_name": profile.company_name,
        "customer_type": str(profile.customer_type),
        "address_line1": profile.address_line1,
        "address_line2": profile.address_line2,
        "postal_code": profile.postal_code,
        "city": profile.city,
        "country": profile.country,
        "email": profile.email,
        "vat_id": profile.vat_id,
        "vat_id_status": str(profile.vat_id_status),
    }


def issuer_snapshot(tenant: Tenant) -> dict[str, Any]:
    return {
        "legal_name": tenant.issuer_legal_name or tenant.name,
        "address": tenant.issuer_address,
        "country": tenant.issuer_country,
        "vat_id": tenant.issuer_vat_id,
        "iban": tenant.issuer_iban,
        "bic": tenant.issuer_bic,
        "email": tenant.issuer_email,
    }
