"""How prices read to one customer: gross for consumers, net plus VAT for businesses.

A private customer (a consumer) pays VAT and must be shown the price they pay, VAT included; a
business reclaims VAT and compares net prices. The rate is the one their invoices will get: the
invoicing's own tax decision for this customer today (domestic, OSS destination, outside the EU)
and the rate of the plan's tax category, the tax rounded per line as an invoice rounds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit.service import Actor
from backend.customers.service import billing_profile
from backend.invoicing.drafts import InvoicingContext, line_tax, round_money
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import CustomerType, TaxCategory


@dataclass(frozen=True, slots=True)
class PriceTax:
    """Whether prices show VAT included, and at which rate per tax category (percent)."""

    gross: bool
    country: str = ""
    rates: dict[TaxCategory, Decimal] = field(default_factory=dict)

    def price(self, net: Decimal, category: TaxCategory, currency: str) -> Decimal:
        """One full period's price as this customer reads it: net, or net plus its line tax."""
        net = round_money(net, currency)
        if not self.gross:
            return net
        return net + line_tax(net, self.rates.get(category, Decimal(0)), currency)

    def rate(self, category: TaxCategory) -> Decimal:
        return self.rates.get(category, Decimal(0))


NET_PRICES = PriceTax(gross=False)


def price_tax(
    session: Session, scope: TenantScope, actor: Actor, customer_account_id: int, now: datetime
) -> PriceTax:
    """How the customer's prices are shown now: a consumer gets gross prices at the rates of the
    tax decision their invoice would get today; a business gets net prices (VAT added on top)."""
    authorize(actor, scope, Action.READ_BILLING_PROFILE, owner_account_id=customer_account_id)
    profile = billing_profile(session, scope, customer_account_id)
    if profile is None:
        raise NotFoundError("Customer not found.")
    if profile.customer_type != CustomerType.PRIVATE:
        return NET_PRICES
    ctx = InvoicingContext(session, scope)
    decision = ctx.decide(profile, ctx.local_date(now), ctx.tenant.default_currency, Decimal(0))
    return PriceTax(
        gross=True,
        country=decision.country,
        rates={category: ctx.rate(decision, category) for category in TaxCategory},
    )
