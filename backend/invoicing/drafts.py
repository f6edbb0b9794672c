"""Invoice drafts: what a tenant's unbilled charges become before they are issued (SPEC §4).

One accumulated draft per customer and currency holds every unbilled charge as a line, then a
discount line per tax category for each promotion the charges use. Line-wise rounding: each
line's net is a rounded charge amount and its tax is rounded half-up per line, so the lines add up
to the net and net + tax = gross always hold. `InvoicingContext` is what invoicing knows about one
tenant within one unit of work (its time zone, tax decisions, the OSS totals).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.catalog.redemptions import live_redemptions
from backend.invoicing import promotions
from backend.invoicing.repository import InvoiceLineRepository, InvoiceRepository
from backend.kit.errors import NotFoundError
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import (
    CustomerProfile,
    Invoice,
    InvoiceLine,
    OpenPosition,
    Promotion,
    PromotionRedemption,
    TaxCategory,
    TaxMode,
)
from backend.money import Money
from backend.tax import OssLedger, TaxBuyer, TaxDecision, TaxIssuer, country_code, decide_tax

HUNDRED = Decimal(100)


@dataclass(slots=True)
class LineDraft:
    description: str
    net: Decimal
    tax_category: TaxCategory
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    period_start: datetime | None = None
    period_end: datetime | None = None
    open_position_id: int | None = None


@dataclass(slots=True)
class InvoiceDraft:
    customer_account_id: int
    currency: str
    positions: list[OpenPosition]
    lines: list[LineDraft] = field(default_factory=list)
    promotion_usages: list[promotions.PromotionUsage] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TaxBreakdownRow:
    category: TaxCategory
    rate: Decimal
    net: Decimal
    tax: Decimal


def round_money(amount: Decimal, currency: str) -> Decimal:
    return Money.of(amount, currency).round_to_minor().amount


@lru_cache(maxsize=8192, typed=True)  # an invoice run taxes the same few nets thousands of times
def line_tax(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The tax of one line: its net times the rate, rounded half-up to the currency's minor unit."""
    return round_money(net * rate / HUNDRED, currency)


def tax_breakdown(lines: list[InvoiceLine]) -> list[TaxBreakdownRow]:
    """Net and tax per (category, rate), as an invoice shows them."""
    groups: dict[tuple[TaxCategory, Decimal], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        sums = groups[(TaxCategory(line.tax_category), line.tax_rate)]
        sums[0] += line.net
        sums[1] += line.tax
    return [TaxBreakdownRow(cat, rate, net, tax) for (cat, rate), (net, tax) in sorted(groups.items())]


class InvoicingContext:
    """What invoicing needs about one tenant, loaded once per unit."""

    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        if tenant is None:
            raise NotFoundError("Tenant not found.")
        self.tenant = tenant
        self.zone = ZoneInfo(tenant.time_zone)
        self.invoices = InvoiceRepository(session, scope)
        self.lines = InvoiceLineRepository(session, scope)
        self._oss: OssLedger | None = None
        self._decisions: dict[tuple[Any, ...], TaxDecision] = {}
        self._rates: dict[tuple[TaxDecision, TaxCategory], Decimal] = {}
        self._snapshots: dict[TaxDecision, dict[str, Any]] = {}

    def rate(self, decision: TaxDecision, category: TaxCategory) -> Decimal:
        key = (decision, category)
        if key not in self._rates:
            self._rates[key] = decision.rate(category)
        return self._rates[key]

    def snapshot(self, decision: TaxDecision) -> dict[str, Any]:
        if decision not in self._snapshots:
            self._snapshots[decision] = decision.snapshot()
        return self._snapshots[decision]

    def locked_invoice(self, invoice_id: int) -> Invoice:
        """The tenant's invoice, locked until commit (a concurrent change of it waits)."""
        invoice = self.invoices.lock(invoice_id)
        if invoice is None:
            raise NotFoundError("Invoice not found.")
        return invoice

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    @property
    def oss(self) -> OssLedger:
        """The tenant's OSS totals, read on the first sale to a consumer in another member state."""
        if self._oss is None:
            self._oss = OssLedger(self.session, self.scope, self.tenant)
        return self._oss

    def decide(self, profile: CustomerProfile, on: date, currency: str, net: Decimal) -> TaxDecision:
        """The tax decision for a sale of `net` in `currency` to `profile` on `on`; a sale to a
        consumer in another member state is taxed at destination when the OSS threshold says so
        (`backend.tax.oss`). Raises `MissingExchangeRate` when a needed rate is missing."""
        buyer = TaxBuyer(profile.country, profile.customer_type, profile.vat_id, profile.vat_id_status)
        below = self._decision(buyer, on, exceeded=False)
        if self._consumer_abroad(profile, below) and self.oss.destination_taxed(on, currency, net):
            return self._decision(buyer, on, exceeded=True)
        return below

    def record_sale(
        self, profile: CustomerProfile, decision: TaxDecision, on: date, currency: str, net: Decimal
    ) -> None:
        """Count an invoice that is being issued toward the OSS totals (sales to consumers abroad)."""
        if self._consumer_abroad(profile, decision):
            self.oss.record(on, currency, net)

    @staticmethod
    def _consumer_abroad(profile: CustomerProfile, decision: TaxDecision) -> bool:
        if decision.mode == TaxMode.EU_B2C:
            return True
        return decision.mode == TaxMode.DOMESTIC and country_code(profile.country) != decision.country

    def _decision(self, buyer: TaxBuyer, on: date, *, exceeded: bool) -> TaxDecision:
        key = (buyer, on, exceeded)
        if key not in self._decisions:
            issuer = TaxIssuer(self.tenant.issuer_country, self.tenant.issuer_vat_id)
            self._decisions[key] = decide_tax(issuer, buyer, on, oss_threshold_exceeded=exceeded)
        return self._decisions[key]


def build_drafts(ctx: InvoicingContext, positions: list[OpenPosition]) -> list[InvoiceDraft]:
    """Group unbilled positions per customer and currency into invoice drafts with promotions."""
    grouped: dict[tuple[int, str], list[OpenPosition]] = defaultdict(list)
    for position in positions:
        grouped[(position.customer_account_id, position.currency)].append(position)
    subscription_ids = {p.subscription_id for p in positions if p.subscription_id is not None}
    redemptions = live_redemptions(ctx.session, ctx.scope, subscription_ids)
    drafts = []
    for (customer_id, currency), items in sorted(grouped.items()):
        items.sort(key=lambda p: (p.period_start or datetime.min.replace(tzinfo=UTC), p.id or 0))
        draft = InvoiceDraft(customer_id, currency, items)
        for position in items:
            draft.lines.append(
                LineDraft(
                    description=position.description,
                    net=position.amount,
                    tax_category=TaxCategory(position.tax_category),
                    quantity=position.quantity,
                    unit_price=position.unit_price,
                    period_start=position.period_start,
                    period_end=position.period_end,
                    open_position_id=position.id,
                )
            )
        apply_promotions(draft, redemptions, ctx.tenant.time_zone)
        drafts.append(draft)
    return drafts


def apply_promotions(
    draft: InvoiceDraft, redemptions: list[tuple[PromotionRedemption, Promotion]], time_zone: str
) -> None:
    """Promotions apply when an invoice is created (SPEC §4): each redemption the draft's charges
    use adds a discount line per tax category (the rules are in backend/invoicing/promotions.py)."""
    for usage in promotions.usages(draft.positions, redemptions, draft.currency, time_zone):
        for category, amount in usage.discounts.items():
            draft.lines.append(
                LineDraft(description=usage.label, net=-amount, tax_category=category, unit_price=-amount)
            )
        draft.promotion_usages.append(usage)
