"""The isolation table of tax operations: exchange rates, the OSS threshold and VAT ID checks.

Like service_probes.py: `call(session, me, a)` acts in `me`'s scope, `NotFoundError` by default.
A's second customer lives in Austria: A's cross-border consumer sales of 2027 are that customer's
invoices of T0 and T1 (10.00 net each) and the credit note voiding the second (-10.00): a total of
10.00 EUR, above 10.00 while the second invoice stood, so A's year has exceeded a threshold of
10.00 (the credit note issued later does not undo it). B sold nothing abroad: its year is empty.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.currency import service as rates
from backend.currency.repository import ExchangeRateRepository
from backend.customers import profiles
from backend.customers import vat_checks as vat
from backend.integrations.vies import ViesResult, ViesStatus
from backend.invoicing import price_tax
from backend.invoicing.drafts import InvoicingContext
from backend.kit.errors import NotFoundError
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerProfile, CustomerType, TaxMode, Tenant
from backend.tax import oss
from tests.isolation.probes import Probe, Raises, equals, nothing
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, RATE_DAY, Side

TODAY = date(2027, 3, 10)  # NOW's date in the tenants' time zone
LOW = "10.00"  # an OSS threshold A's sales of 2027 have exceeded and B's (none) have not


def tenant(session: Session, me: Side) -> Tenant:
    found = TenantDirectory(session).by_id(me.tenant_id)
    assert found is not None
    return found


def ledger(session: Session, me: Side, threshold: str | None = None) -> oss.OssLedger:
    """The acting side's OSS ledger, its threshold first set to `threshold` when given."""
    if threshold is not None:
        oss.update_oss_settings(session, me.scope, threshold=threshold, actor=me.actor)
    return oss.OssLedger(session, me.scope, tenant(session, me))


def year_2027(ledger: oss.OssLedger) -> tuple[Decimal, bool]:
    year = ledger.year(2027)
    return year.total, year.exceeded


def consumer_in_austria() -> CustomerProfile:
    """A buyer handed to the tax decision (never stored): a consumer in another member state."""
    return CustomerProfile(customer_account_id=0, country="AT", customer_type=CustomerType.PRIVATE)


def decided_abroad(session: Session, me: Side) -> bool:
    """Whether a sale of 5.00 EUR to an Austrian consumer on NOW's date is taxed in Austria, with
    a threshold of 10.00: B's year so far is 0.00 (0 + 5 is not above 10), A's has exceeded."""
    oss.update_oss_settings(session, me.scope, threshold=LOW, actor=me.actor)
    ctx = InvoicingContext(session, me.scope)
    decision = ctx.decide(consumer_in_austria(), TODAY, "EUR", Decimal("5.00"))
    return decision.mode == TaxMode.EU_B2C


def one_euro_counted(session: Session, me: Side) -> tuple[Decimal, bool]:
    """The ledger's year after it counts a sale of 1.00 EUR."""
    counting = ledger(session, me)
    counting.record(TODAY, "EUR", Decimal("1.00"))
    return year_2027(counting)


def sale_recorded(session: Session, me: Side) -> Any:
    """The year after the context counts a domestic-taxed sale of 1.00 EUR to an Austrian consumer."""
    ctx = InvoicingContext(session, me.scope)
    profile = consumer_in_austria()
    decision = ctx.decide(profile, TODAY, "EUR", Decimal("1.00"))
    ctx.record_sale(profile, decision, TODAY, "EUR", Decimal("1.00"))
    return ctx.oss.year(2027)


def b_added_usd(result: Any, b: Side, session: Session) -> None:
    """B added a USD rate for the day A has one: B's own row (rates are per tenant)."""
    assert result == rates.ExchangeRateView("USD", RATE_DAY, Decimal("1.2"))
    assert ExchangeRateRepository(session, b.scope).by_day("USD", RATE_DAY) is not None


def oss_settings_of_b(result: Any, b: Side, session: Session) -> None:
    """B's own settings changed (A's tenant row is compared by the probe), and only B's."""
    assert result == oss.OssSettings(threshold=Decimal(LOW), prior_year_rule=True)
    assert oss.oss_settings(tenant(session, b)) == result


class EveryVatIdValid:
    """A VAT ID register that answers "valid" (no network)."""

    def check(self, vat_id: str) -> ViesResult:
        return ViesResult(ViesStatus.VALID, vat_id)


PROFILE_CHANGE = profiles.BillingProfileInput(
    name="Mallory",
    address_line1="Elsewhere 1",
    postal_code="10115",
    city="Berlin",
    country="DE",
    email="mallory@example.com",
)

TAX_PROBES: list[Probe] = [
    # --- exchange rates (B has only GBP 0.8500 from RATE_DAY) -----------------------------------
    S(
        rates.add_exchange_rate,
        lambda s, me, a: rates.add_exchange_rate(
            s, me.scope, currency="USD", valid_from=RATE_DAY, rate="1.2", actor=me.actor
        ),
        b_added_usd,
        control=False,  # A has a USD rate for that day: its call is refused
        label="A's currency and day",
    ),
    S(
        rates.list_exchange_rates,
        lambda s, me, a: rates.list_exchange_rates(s, me.scope),
        equals(lambda b: [rates.ExchangeRateView("GBP", RATE_DAY, Decimal("0.85"))]),
    ),
    S(
        rates.list_exchange_rates,
        lambda s, me, a: rates.list_exchange_rates(s, me.scope, "USD"),
        nothing,
        label="A's currency",
    ),
    S(
        rates.RateTable.load,
        lambda s, me, a: rates.RateTable.load(s, me.scope).rate_on("USD", TODAY),
        nothing,
    ),
    # --- the OSS threshold ----------------------------------------------------------------------
    S(
        oss.update_oss_settings,
        lambda s, me, a: oss.update_oss_settings(s, me.scope, threshold=LOW, actor=me.actor),
        oss_settings_of_b,
        filtered=False,  # (the tenant row is the scope's own, read by the scope's id: no filter)
    ),
    S(oss.OssLedger.year, lambda s, me, a: year_2027(ledger(s, me)), nothing),
    S(
        oss.OssLedger.destination_taxed,
        lambda s, me, a: ledger(s, me, LOW).destination_taxed(TODAY, "EUR", Decimal("5.00")),
        nothing,
    ),
    # B's year after counting a sale of 1.00: 0.00 + 1.00, not exceeded.
    S(
        oss.OssLedger.record,
        lambda s, me, a: one_euro_counted(s, me),
        equals(lambda b: (Decimal("1.00"), False)),
    ),
    S(InvoicingContext.decide, lambda s, me, a: decided_abroad(s, me), nothing),
    S(
        InvoicingContext.record_sale,
        lambda s, me, a: sale_recorded(s, me),
        equals(lambda b: oss.OssYear(Decimal("1.00"), exceeded=False)),
    ),
    # --- VAT ID checks --------------------------------------------------------------------------
    S(
        vat.refresh_vat_status,
        lambda s, me, a: vat.refresh_vat_status(s, me.scope, a.other_customer_id, EveryVatIdValid()),
        Raises(NotFoundError),
    ),
    # --- billing profiles: B's admin names A's customer ----------------------------------------
    S(
        price_tax.price_tax,
        lambda s, me, a: price_tax.price_tax(s, me.scope, me.actor, a.customer_id, NOW),
        Raises(NotFoundError),
    ),
    S(
        profiles.read_billing_profile,
        lambda s, me, a: profiles.read_billing_profile(s, me.scope, me.actor, a.customer_id),
        Raises(NotFoundError),
    ),
    S(
        profiles.save_billing_profile,
        lambda s, me, a: profiles.save_billing_profile(
            s, me.scope, me.actor, a.customer_id, PROFILE_CHANGE, EveryVatIdValid()
        ),
        Raises(NotFoundError),
    ),
]
