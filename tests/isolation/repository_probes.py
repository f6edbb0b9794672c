"""The isolation table of repository methods: each called in tenant B's scope with tenant A's ids.

One line per public method of every `TenantRepository` subclass (the methods every repository
inherits are tried by `test_isolation_repositories.test_tenant_b_reaches_no_row_of_tenant_a`), of
every other class of the repository modules built in a scope, and per function there that takes a
repository.
`args(session, acting side, A)` gives the arguments; the default expectation is that B gets
nothing (None, empty, zero). tests/isolation/test_isolation_coverage.py fails when a method has
neither a line here nor a reasoned entry in `EXEMPT`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel

from backend.audit.repository import AuditLogRepository
from backend.billing.repository import (
    AttachedAddonRepository,
    DueSubscription,
    DueSubscriptionRepository,
    OpenPositionRepository,
    UnbilledCharge,
)
from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRedemptionRepository,
    PromotionRepository,
    ServiceTypeRepository,
)
from backend.currency.repository import ExchangeRateRepository
from backend.customers.repository import (
    CustomerAccountRepository,
    CustomerProfileRepository,
    next_customer_number,
)
from backend.demo.repository import BillingRecords, DemoInvoices, DemoServers, Timeline, _InvoiceRows, _Rows
from backend.identity.repository import (
    AccountCodeRepository,
    ApiTokenRepository,
    UserRepository,
    UserSessionRepository,
)
from backend.invoicing.repository import (
    BuyerProfileReads,
    DocumentSequenceRepository,
    InvoiceLineRepository,
    InvoiceRepository,
    PromotionUseRepository,
)
from backend.invoicing.repository import CreditNoteRepository as CreditNotes
from backend.kit.repository import CrossTenantWrite
from backend.models import (
    AccountCodePurpose,
    CustomerAccount,
    DocumentKind,
    Invoice,
    InvoiceLine,
    OpenPosition,
    PromotionUse,
    Subscription,
    User,
)
from backend.reporting.repository import CustomerHoldings, TenantFigures
from backend.subscriptions.repository import (
    SubscriptionRepository,
)
from backend.tax.rates import EU_COUNTRIES
from backend.tax.repository import CrossBorderSalesRepository
from tests.isolation.probes import Check, Probe, Raises, equals, nothing, only_b
from tests.isolation.world import NOW, RATE_DAY, T0, Side

Args = Callable[[Session, Side, Side], tuple[Any, ...] | dict[str, Any]]
RESET = AccountCodePurpose.RESET_PASSWORD
EVERY_ID = (0, 10**9)  # an id range holding every row of A
ABROAD = sorted(set(EU_COUNTRIES) - {"DE"})  # the OSS countries of an issuer in Germany (A and B)


def R(
    method: Callable[..., Any],
    args: Args = lambda s, me, a: (),
    expect: Check | Raises = nothing,
    *,
    control: bool = True,
    label: str = "",
    filtered: bool = True,
    on: type | None = None,
) -> Probe:
    """A probe of `method`, called on its repository class (or on the subclass `on`, for a method
    of an abstract repository) built in the acting side's scope."""
    owner = on or getattr(sys.modules[method.__module__], method.__qualname__.split(".")[0])

    def call(session: Session, me: Side, a: Side) -> Any:
        bound = getattr(owner(session, me.scope), method.__name__)
        given = args(session, me, a)
        return bound(**given) if isinstance(given, dict) else bound(*given)

    return Probe(method, call, expect, control, label, filtered)


def row(session: Session, model: type[SQLModel], object_id: int) -> Any:
    found = session.get(model, object_id)
    assert found is not None
    return found


def _charge_like(session: Session, me: Side, a: Side) -> dict[str, Any]:
    """A charge of the acting side's own subscription that reuses A's source reference."""
    charge = row(session, OpenPosition, a.unbilled_position).model_dump()
    for generated in ("id", "tenant_id", "created_at", "invoice_id"):
        charge.pop(generated)
    return charge | {"customer_account_id": me.customer_id, "subscription_id": me.active_sub}


def _credited_positions(session: Session, a: Side) -> list[int]:
    """A's charges whose invoice lines a credit note credits (the goodwill credit on the paid
    invoice, the plan change's credit on the issued one)."""
    lines = (row(session, InvoiceLine, line) for line in (a.paid_line, a.issued_line))
    return [line.open_position_id for line in lines if line.open_position_id is not None]


def _due_rows_of(session: Session, a: Side) -> list[DueSubscription]:
    """A's due subscription as a billing unit of A reads it (plain rows), handed in."""
    rows = DueSubscriptionRepository(session, a.scope).lock_due_rows(NOW, *EVERY_ID)
    assert rows, "A has a subscription due at NOW"
    return [DueSubscription(*values) for values in rows]


def _unbilled_rows_of(session: Session, a: Side) -> list[UnbilledCharge]:
    """A's unbilled charges as an invoice run of A reads them (plain rows), handed in."""
    rows = OpenPositionRepository(session, a.scope).lock_unbilled([a.customer_id, a.other_customer_id], NOW)
    assert rows, "A has unbilled charges"
    return rows


def _uses_of(session: Session, a: Side) -> list[PromotionUse]:
    """A's promotion uses (the paid invoice's use of the promotion), as rows handed in."""
    return [use for use, _ in PromotionUseRepository(session, a.scope).live_for_invoice(a.paid_invoice)]


REPOSITORY_PROBES: list[Probe] = [
    # --- open positions -------------------------------------------------------------------------
    # Source references are unique per tenant (the conflict key holds the tenant, no filter does):
    # B's charge goes in beside A's, A's stays as it was. A has this reference: its call adds nothing.
    R(
        OpenPositionRepository.add_charges,
        lambda s, me, a: ([_charge_like(s, me, a)], NOW),
        equals(lambda b: 1),
        control=False,
        filtered=False,
    ),
    # Writes of rows handed in: check_owned refuses A's before anything is written.
    R(
        OpenPositionRepository.mark_billed,
        lambda s, me, a: ([(row(s, OpenPosition, a.unbilled_position), a.paid_invoice)],),
        Raises(CrossTenantWrite),
        filtered=False,
    ),
    R(OpenPositionRepository.unbilled_customers, lambda s, me, a: (NOW, *EVERY_ID)),
    R(OpenPositionRepository.lock_unbilled, lambda s, me, a: ([a.customer_id, a.other_customer_id], NOW)),
    # The invoice run's plain rows of A's charges handed in: refused like A's ORM rows.
    R(
        OpenPositionRepository.mark_billed,
        lambda s, me, a: ([(charge, a.paid_invoice) for charge in _unbilled_rows_of(s, a)],),
        Raises(CrossTenantWrite),
        filtered=False,
        label="plain rows",
    ),
    R(OpenPositionRepository.for_subscription, lambda s, me, a: (a.active_sub,)),
    # --- invoices, lines, credit notes, numbers -------------------------------------------------
    R(InvoiceRepository.by_number, lambda s, me, a: (row(s, Invoice, a.issued_invoice).number,)),
    R(InvoiceRepository.lock, lambda s, me, a: (a.issued_invoice,)),
    R(InvoiceRepository.by_ids, lambda s, me, a: ([a.paid_invoice, a.issued_invoice, a.void_invoice],)),
    R(
        InvoiceRepository.customers_invoiced_since,
        lambda s, me, a: (T0, [a.customer_id, a.other_customer_id]),
    ),
    R(InvoiceRepository.count_overdue_candidates, lambda s, me, a: (NOW,)),
    R(InvoiceRepository.mark_overdue, lambda s, me, a: (NOW,)),
    R(InvoiceLineRepository.for_invoice, lambda s, me, a: (a.issued_invoice,)),
    R(
        InvoiceLineRepository.for_open_position,
        lambda s, me, a: (row(s, InvoiceLine, a.issued_line).open_position_id,),
    ),
    R(CreditNotes.for_invoice, lambda s, me, a: (a.paid_invoice,)),
    R(CreditNotes.count_for_invoice, lambda s, me, a: (a.paid_invoice,)),
    R(CreditNotes.credited_total, lambda s, me, a: (a.paid_invoice,)),
    R(CreditNotes.credited_net_by_line, lambda s, me, a: (a.paid_invoice,)),
    R(CreditNotes.credited_windows, lambda s, me, a: (_credited_positions(s, a),)),
    # Cross-border consumer sales (OSS): B sold nothing abroad; A's Austrian customer did.
    R(CrossBorderSalesRepository.totals, lambda s, me, a: (ABROAD, T0, NOW)),
    R(CrossBorderSalesRepository.documents, lambda s, me, a: (ABROAD, T0, NOW)),
    R(
        CrossBorderSalesRepository.documents,
        lambda s, me, a: {"countries": ABROAD, "start": T0, "end": NOW, "exclude_currency": "USD"},
        label="without a currency",
    ),
    R(BuyerProfileReads.for_accounts, lambda s, me, a: ({a.customer_id, a.other_customer_id},)),
    # B issued invoice 1 of 2027; its next number is 2, whatever A's counter says. One upsert
    # keyed by (tenant, kind, year) reserves the block: the conflict key holds the tenant, no
    # filter does (as for add_charges).
    R(
        DocumentSequenceRepository.take,
        lambda s, me, a: (DocumentKind.INVOICE, 2027, 1),
        equals(lambda b: [2]),
        filtered=False,
    ),
    # --- subscriptions --------------------------------------------------------------------------
    R(SubscriptionRepository.by_number, lambda s, me, a: (row(s, Subscription, a.past_due_sub).number,)),
    # check_owned refuses A's row; A saving its own unchanged row changes nothing (no control).
    R(
        DueSubscriptionRepository.save_billing_state,
        lambda s, me, a: ([row(s, Subscription, a.active_sub)],),
        Raises(CrossTenantWrite),
        control=False,
        filtered=False,
    ),
    R(DueSubscriptionRepository.due_buckets, lambda s, me, a: (NOW, 500)),
    R(DueSubscriptionRepository.lock_due, lambda s, me, a: (NOW, *EVERY_ID)),
    R(DueSubscriptionRepository.lock_due_rows, lambda s, me, a: (NOW, *EVERY_ID)),
    # A billing unit's rows handed in: check_owned refuses A's before anything is written.
    R(
        DueSubscriptionRepository.save_due_state,
        lambda s, me, a: (_due_rows_of(s, a), []),
        Raises(CrossTenantWrite),
        control=False,
        filtered=False,
    ),
    R(
        DueSubscriptionRepository.save_due_state,
        lambda s, me, a: ([], _due_rows_of(s, a)),
        Raises(CrossTenantWrite),
        control=False,
        filtered=False,
        label="refreshed terms",
    ),
    R(SubscriptionRepository.lock, lambda s, me, a: (a.active_sub,)),
    R(SubscriptionRepository.due_cancellations, lambda s, me, a: (NOW,)),
    R(
        DueSubscriptionRepository.due_for_customers,
        lambda s, me, a: ([a.customer_id, a.other_customer_id], NOW),
    ),
    R(SubscriptionRepository.count_for_customer, lambda s, me, a: (a.customer_id,)),
    R(
        SubscriptionRepository.page_for_customer,
        lambda s, me, a: {"customer_account_id": a.customer_id, "limit": 50},
    ),
    R(AttachedAddonRepository.with_addons_for, lambda s, me, a: ([a.active_sub],)),
    # --- catalog --------------------------------------------------------------------------------
    R(ServiceTypeRepository.by_key, lambda s, me, a: ("vps",)),
    R(ServiceTypeRepository.in_catalog_order, expect=only_b),
    R(PlanRepository.by_key, lambda s, me, a: ("basic",)),
    R(PlanRepository.by_ids, lambda s, me, a: ({a.plan_id, a.other_plan_id, a.spare_plan_id},)),
    R(PlanRepository.in_catalog_order, expect=only_b),
    R(PlanRepository.orderable, expect=only_b),
    R(PlanRepository.allowing_addon, lambda s, me, a: (a.addon_id,)),
    R(PlanRepository.has_subscriptions, lambda s, me, a: (a.plan_id,)),
    R(PlanRepository.subscription_counts, expect=equals(lambda b: {b.plan_id: 1})),
    R(AddonRepository.by_key, lambda s, me, a: ("backup",)),
    R(AddonRepository.in_catalog_order, expect=only_b),
    R(AddonRepository.allowed_for_plan, lambda s, me, a: (a.plan_id,)),
    R(PlanAddonRepository.link, lambda s, me, a: (a.plan_id, a.addon_id)),
    R(PlanAddonRepository.for_plan, lambda s, me, a: (a.plan_id,)),
    R(PlanAddonRepository.addon_ids_by_plan, expect=equals(lambda b: {b.plan_id: [b.addon_id]})),
    R(PromotionRepository.by_code, lambda s, me, a: (a.promotion_code,)),
    R(PromotionRepository.in_catalog_order, expect=only_b),
    R(PromotionRepository.naming_plan, lambda s, me, a: (a.plan_id,)),
    R(PromotionRedemptionRepository.active_for_subscriptions, lambda s, me, a: ({a.active_sub},)),
    R(PromotionRedemptionRepository.counts, lambda s, me, a: (a.promotion_id, a.customer_id)),
    R(
        PromotionRedemptionRepository.page_for_promotion,
        lambda s, me, a: {"promotion_id": a.promotion_id, "limit": 50},
    ),
    R(PromotionRedemptionRepository.customers_of, lambda s, me, a: ({a.customer_id, a.other_customer_id},)),
    R(PromotionRedemptionRepository.subscription_numbers, lambda s, me, a: ({a.active_sub},)),
    R(PromotionRedemptionRepository.invoice_uses, lambda s, me, a: ({a.redemption_id},)),
    R(PromotionUseRepository.live_for_invoice, lambda s, me, a: (a.paid_invoice,)),
    R(PromotionUseRepository.first_live_invoice, lambda s, me, a: (a.redemption_id,)),
    # A use handed in: check_owned refuses A's row; A re-adding its own unchanged row changes nothing.
    R(
        PromotionUseRepository.add_many,
        lambda s, me, a: (_uses_of(s, a),),
        Raises(CrossTenantWrite),
        control=False,
        filtered=False,
    ),
    # --- exchange rates: B has only its GBP rate ------------------------------------------------
    R(ExchangeRateRepository.by_day, lambda s, me, a: ("USD", RATE_DAY)),
    R(ExchangeRateRepository.all_rates, expect=only_b),
    R(ExchangeRateRepository.all_rates, lambda s, me, a: ("USD",), label="A's currency"),
    # --- users, customers, profiles -------------------------------------------------------------
    R(UserRepository.by_email, lambda s, me, a: (row(s, User, a.user_id).email,)),
    R(
        CustomerAccountRepository.by_number,
        lambda s, me, a: (row(s, CustomerAccount, a.other_customer_id).number,),
    ),
    # B's one customer is C-10001: its next number is C-10002, however many customers A has.
    Probe(
        next_customer_number,
        lambda s, me, a: next_customer_number(CustomerAccountRepository(s, me.scope)),
        equals(lambda b: "C-10002"),
    ),
    R(CustomerAccountRepository.for_user, lambda s, me, a: (a.user_id,)),
    R(CustomerProfileRepository.for_accounts, lambda s, me, a: ({a.customer_id, a.other_customer_id},)),
    R(CustomerProfileRepository.for_account, lambda s, me, a: (a.customer_id,)),
    # --- sessions, tokens, codes, audit log -----------------------------------------------------
    R(UserSessionRepository.by_token_hash, lambda s, me, a: (a.session_token_hash,)),
    R(UserSessionRepository.by_ticket_hash, lambda s, me, a: (a.ticket_hash,)),
    R(UserSessionRepository.revoke_all_for_user, lambda s, me, a: (a.user_id, NOW)),
    R(ApiTokenRepository.by_token_hash, lambda s, me, a: (a.api_token_hash,)),
    R(ApiTokenRepository.for_user, lambda s, me, a: (a.admin.user_id,)),
    R(AccountCodeRepository.live_for_user, lambda s, me, a: (a.user_id, RESET, T0)),
    R(AccountCodeRepository.by_code_hash, lambda s, me, a: (a.code_hash, RESET)),
    R(AuditLogRepository.entries, lambda s, me, a: {"limit": 500}, only_b),
    R(
        AuditLogRepository.entries,
        lambda s, me, a: {"limit": 500, "starting_after": 10**12},
        only_b,
        label="older than a cursor",
    ),
    R(
        AuditLogRepository.entries,
        lambda s, me, a: {
            "limit": 500,
            "object_type": "subscription",
            "object_id": row(s, Subscription, a.past_due_sub).number,
        },
        label="an object of A",
    ),
    # --- what the scenario runner reads: B's live yearly subscription bills next on 4 Jan 2028 at
    # 09:00 UTC (ordered T0, one year in advance); B has nothing canceled and nothing unpaid.
    R(Timeline.next_billing_at, expect=equals(lambda b: datetime(2028, 1, 4, 9, tzinfo=UTC))),
    R(Timeline.next_cancellation_at),
    R(Timeline.next_due_at),
    R(Timeline.billing_days_with_unbilled_charges, lambda s, me, a: (NOW,)),
    R(_InvoiceRows.next_due_at),
    R(_Rows.in_order, lambda s, me, a: (Invoice.id,), only_b, on=_InvoiceRows),
    *[
        R(method, expect=only_b)
        for method in (
            BillingRecords.invoices,
            BillingRecords.invoice_lines,
            BillingRecords.credit_notes,
            BillingRecords.credit_note_lines,
            BillingRecords.positions,
            BillingRecords.subscriptions,
        )
    ],
    # --- admin figures (B: one customer, one live subscription, its invoice paid: 120.00 + 19 %)
    R(TenantFigures.customer_count, expect=equals(lambda b: 1)),
    R(TenantFigures.live_subscription_count, expect=equals(lambda b: 1)),
    R(TenantFigures.unpaid_by_currency),
    R(TenantFigures.unpaid_by_currency, lambda s, me, a: (a.customer_id,), label="A's customer"),
    R(TenantFigures.paid_since, lambda s, me, a: (T0,), equals(lambda b: {"EUR": Decimal("142.80")})),
    # --- the customer dashboard's reads, and the demo's own invoices and servers -------------------
    R(CustomerHoldings.subscriptions_with_plans, lambda s, me, a: (a.customer_id,)),
    R(CustomerHoldings.servers, lambda s, me, a: ([a.active_sub],)),
    R(CustomerHoldings.subscription_count, lambda s, me, a: (a.customer_id,)),
    R(
        CustomerHoldings.subscription_with_plan,
        lambda s, me, a: (a.customer_id, row(s, Subscription, a.active_sub).number),
    ),
    R(CustomerHoldings.addons_of, lambda s, me, a: (a.active_sub,)),
    R(
        DemoInvoices.issued_unpaid,
        lambda s, me, a: (a.customer_id, row(s, Invoice, a.issued_invoice).issued_at),
    ),
    R(DemoServers.of_subscription, lambda s, me, a: (a.active_sub,)),
]

# Methods without a probe, and why none is needed.
EXEMPT: dict[str, str] = {
    "demo.repository.DemoServers.add_simulated": (
        "writes a new row of the simulated provider, which has no tenant column: its provider account"
        " (the tenant's token) names it"
    ),
    "demo.repository.DemoServers.log": "writes a new log entry stamped with its own tenant",
    "demo.repository.DemoServers.power_off_simulated": (
        "the simulated provider's row the demo created for its own item a moment before (no tenant"
        " column); the demo alone calls it, on its own tenant"
    ),
    "invoicing.repository.InvoiceRepository.insert_issued": (
        "takes no id of an existing row: it writes new invoices and lines stamped with its own tenant;"
        " what it is given comes from issue_drafts, probed with drafts of tenant A's customer"
    ),
}
