"""Demo data: one tenant with a catalog, two customers, subscriptions and a year of invoices.

The invoices are built with the same rules the billing engine follows (line-wise half-up rounding,
net + tax = gross, numbers gapless per tenant and year in order of issue) so every page has
realistic data to show. Seeding runs once: a second call finds the tenant and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.models import (
    Addon,
    AuditLogEntry,
    BillingTiming,
    CreditNote,
    CreditNoteLine,
    CustomerAccount,
    CustomerMember,
    CustomerProfile,
    CustomerType,
    DocumentKind,
    DocumentNumberSequence,
    IntervalUnit,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    ItemStatus,
    MemberRole,
    OpenPosition,
    Payment,
    PaymentProcessor,
    PaymentStatus,
    Plan,
    PlanAddon,
    PowerState,
    Promotion,
    PromotionBenefit,
    PromotionEligibility,
    ProviderKind,
    ServiceType,
    Subscription,
    SubscriptionAddon,
    SubscriptionItem,
    SubscriptionStatus,
    TaxMode,
    User,
    UserRole,
    VatIdStatus,
)
from backend.money import Money
from backend.repositories.base import TenantScope
from backend.repositories.tenancy import TenantDirectory
from backend.services.plan_terms import PlanTerms
from backend.services.tenants import create_tenant, create_user
from backend.settings import Settings

DEMO_SLUG = "demo"
ADMIN_LOGIN = ("admin@demo.example", "demo-admin-pass")
CUSTOMER_LOGIN = ("customer@demo.example", "demo-customer-pass")
BUSINESS_LOGIN = ("business@demo.example", "demo-customer-pass")
DE_STANDARD_RATE = Decimal("19")
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)."
)
MONTHS_OF_HISTORY = 12


@dataclass(frozen=True, slots=True)
class DemoSeedResult:
    created: bool
    tenant_slug: str
    logins: list[tuple[str, str, str]]  # (role, email, password)
    invoices: int


def demo_logins() -> list[tuple[str, str, str]]:
    return [("admin", *ADMIN_LOGIN), ("customer", *CUSTOMER_LOGIN), ("customer", *BUSINESS_LOGIN)]


def seed_demo(session: Session, settings: Settings) -> DemoSeedResult:
    """Create the demo tenant and its data unless it already exists (then change nothing)."""
    if TenantDirectory(session).by_slug(DEMO_SLUG) is not None:
        return DemoSeedResult(created=False, tenant_slug=DEMO_SLUG, logins=demo_logins(), invoices=0)
    tenant = create_tenant(session, slug=DEMO_SLUG, name="Demo Hosting", settings=settings)
    assert tenant.id is not None
    builder = _DemoBuilder(session, TenantScope(tenant.id), ZoneInfo(tenant.time_zone))
    invoices = builder.build()
    return DemoSeedResult(created=True, tenant_slug=DEMO_SLUG, logins=demo_logins(), invoices=invoices)


def _month_start(moment: datetime, months_back: int, zone: ZoneInfo) -> datetime:
    """Midnight on the 1st of the month `months_back` before `moment`'s month, in the tenant's zone."""
    local = moment.astimezone(zone)
    month_index = local.year * 12 + (local.month - 1) - months_back
    return datetime(month_index // 12, month_index % 12 + 1, 1, tzinfo=zone)


_Row = TypeVar("_Row")


@dataclass
class _Charge:
    subscription: Subscription
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)


class _DemoBuilder:
    def __init__(self, session: Session, scope: TenantScope, zone: ZoneInfo) -> None:
        self.session = session
        self.scope = scope
        self.zone = zone
        self.now = clock.now()
        self.sequences: dict[int, int] = {}
        self.subscription_count = 0

    def add(self, row: _Row) -> _Row:
        row.tenant_id = self.scope.tenant_id  # type: ignore[attr-defined]
        self.session.add(row)
        self.session.flush()
        return row

    def build(self) -> int:
        admin = create_user(
            self.session,
            self.scope,
            email=ADMIN_LOGIN[0],
            password=ADMIN_LOGIN[1],
            role=UserRole.ADMIN,
            display_name="Ada Admin",
        )
        private = self._customer(
            CUSTOMER_LOGIN,
            "Erika Mustermann",
            CustomerType.PRIVATE,
            "C-10001",
            dict(address_line1="Hauptstrasse 5", postal_code="80331", city="München", country="DE"),
        )
        business = self._customer(
            BUSINESS_LOGIN,
            "Nordwind Logistics AB",
            CustomerType.BUSINESS,
            "C-10002",
            dict(
                address_line1="Storgatan 12",
                postal_code="11122",
                city="Stockholm",
                country="SE",
                company_name="Nordwind Logistics AB",
                vat_id="SE556677889901",
                vat_id_status=VatIdStatus.VALID,
                vat_id_source="vies",
            ),
        )
        self._catalog()
        start = _month_start(self.now, MONTHS_OF_HISTORY, self.zone)
        month = timedelta(days=31)  # subscriptions started a little before the first invoiced month

        server = self._subscribe(
            private, self.plans["cloud-cx22"], start - month, {"server_type": "cx22", "location": "fsn1"}
        )
        hosting = self._subscribe(private, self.plans["hosting-monthly"], start - month, {})
        self.add(
            SubscriptionAddon(
                subscription_id=server.id, addon_id=self.backups.id, quantity=1, added_at=start - month
            )
        )
        self.add(
            SubscriptionItem(
                subscription_id=server.id,
                provider=ProviderKind.SIMULATED,
                provider_ref="sim-48213",
                hostname="erika-web-01.demo-cloud.example",
                ipv4="203.0.113.24",
                ipv6="2001:db8::24",
                status=ItemStatus.ACTIVE,
                power_state=PowerState.RUNNING,
                activated_at=start - month,
                provisioning_log="reserved hostname\ncreated server sim-48213\nserver running\n",
            )
        )
        support = self._subscribe(business, self.plans["support-retainer"], start - month, {})
        yearly = self._subscribe(business, self.plans["hosting-yearly"], start - month, {})
        biz_server = self._subscribe(
            business, self.plans["cloud-cx22"], start - month, {"server_type": "cx22", "location": "hel1"}
        )
        self.add(
            SubscriptionItem(
                subscription_id=biz_server.id,
                provider=ProviderKind.SIMULATED,
                provider_ref="sim-50117",
                hostname="nordwind-db-01.demo-cloud.example",
                ipv4="203.0.113.77",
                status=ItemStatus.ACTIVE,
                power_state=PowerState.STOPPED,
                activated_at=start - month,
                provisioning_log="created server sim-50117\nserver running\nstopped: overdue suspension\n",
            )
        )
        old = self._subscribe(business, self.plans["hosting-monthly"], start - month, {})

        invoices = 0
        for months_back in range(MONTHS_OF_HISTORY, 0, -1):
            period_start = _month_start(self.now, months_back, self.zone)
            period_end = _month_start(self.now, months_back - 1, self.zone)
            private_charges = [
                _Charge(server, "Cloud Server CX22", self.plans["cloud-cx22"].base_price),
                _Charge(server, "Daily Backups", self.backups.price),
                _Charge(hosting, "Web Hosting (monthly)", self.plans["hosting-monthly"].base_price),
            ]
            business_charges = [
                _Charge(support, "Support Retainer", self.plans["support-retainer"].base_price),
                _Charge(biz_server, "Cloud Server CX22", self.plans["cloud-cx22"].base_price),
            ]
            if months_back > 6:
                business_charges.append(
                    _Charge(old, "Web Hosting (monthly)", self.plans["hosting-monthly"].base_price)
                )
            if months_back == MONTHS_OF_HISTORY:
                business_charges.append(
                    _Charge(yearly, "Web Hosting (yearly)", self.plans["hosting-yearly"].base_price)
                )
            # The private customer has last month's invoice open and one overdue; the business
            # customer paid last month's invoice promptly but still owes an older one.
            private_status = self._status_for(months_back, overdue_month=2, pays_latest=False)
            business_status = self._status_for(months_back, overdue_month=3, pays_latest=True)
            # Issued in this order each month, so numbers follow the time of issue.
            self._invoice(business, business_charges, period_start, period_end, business_status)
            invoice = self._invoice(private, private_charges, period_start, period_end, private_status)
            invoices += 2
            if months_back == 5:
                self._void_with_credit_note(invoice)
                self._invoice(
                    private, private_charges, period_start, period_end, InvoiceStatus.PAID, corrected=True
                )
                invoices += 1

        # The running month is charged but not invoiced yet: unbilled open positions.
        period_start = _month_start(self.now, 0, self.zone)
        period_end = _month_start(self.now, -1, self.zone)
        for subscription, description, price in [
            (server, "Cloud Server CX22", self.plans["cloud-cx22"].base_price),
            (hosting, "Web Hosting (monthly)", self.plans["hosting-monthly"].base_price),
        ]:
            self._position(private, subscription, description, price, period_start, period_end, None)
        for subscription in (server, hosting):
            self._set_period(subscription, period_start, period_end, index=MONTHS_OF_HISTORY, charged=True)
        # The business customer's running month is not charged yet: the first billing run does it.
        for subscription in (support, biz_server):
            self._set_period(subscription, period_start, period_end, index=MONTHS_OF_HISTORY, charged=False)
        self._set_period(
            yearly,
            _month_start(self.now, MONTHS_OF_HISTORY, self.zone),
            _month_start(self.now, MONTHS_OF_HISTORY - 12, self.zone),
            index=0,
            charged=True,
        )
        support.status = SubscriptionStatus.PENDING_CANCEL
        support.cancel_requested_at = self.now - timedelta(days=3)
        support.cancel_effective_at = period_end
        biz_server.status = SubscriptionStatus.PAST_DUE
        old.status = SubscriptionStatus.CANCELED
        old.next_billing_at = None
        old.canceled_at = old.cancel_effective_at = _month_start(self.now, 6, self.zone)
        trial = self._subscribe(
            private,
            self.plans["cloud-cx22"],
            self.now - timedelta(days=3),
            {"server_type": "cx22", "location": "nbg1"},
        )
        trial.status = SubscriptionStatus.TRIALING
        trial.anchor_at = None  # the paid period grid starts when the trial ends
        trial.trial_end = trial.next_billing_at = self.now + timedelta(days=11)
        trial.current_period_start, trial.current_period_end = self.now - timedelta(days=3), trial.trial_end
        self.add(
            SubscriptionItem(
                subscription_id=trial.id,
                provider=ProviderKind.SIMULATED,
                provider_ref="sim-61002",
                hostname="erika-test-01.demo-cloud.example",
                ipv4="203.0.113.91",
                status=ItemStatus.ACTIVE,
                power_state=PowerState.RUNNING,
                activated_at=self.now - timedelta(days=3),
            )
        )
        for subscription in (support, biz_server, old, trial, yearly):
            self.session.add(subscription)
        self._sequence_rows()
        self.add(
            AuditLogEntry(
                actor_user_id=admin.id,
                action="tenant.seeded",
                object_type="tenant",
                object_id=str(self.scope.tenant_id),
                after={"source": "seed-demo"},
            )
        )
        self.session.flush()
        return invoices

    def _customer(
        self, login: tuple[str, str], name: str, kind: CustomerType, number: str, profile: dict[str, object]
    ) -> CustomerAccount:
        user: User = create_user(
            self.session,
            self.scope,
            email=login[0],
            password=login[1],
            role=UserRole.CUSTOMER,
            display_name=name,
        )
        account = self.add(CustomerAccount(number=number, name=name, customer_type=kind))
        self.add(CustomerMember(customer_account_id=account.id, user_id=user.id, role=MemberRole.OWNER))
        self.add(
            CustomerProfile(
                customer_account_id=account.id,
                name=name,
                customer_type=kind,
                email=login[0],
                billing_day=1,
                **profile,
            )
        )  # type: ignore[arg-type]
        return account

    def _catalog(self) -> None:
        cloud = self.add(
            ServiceType(
                key="cloud-server",
                name="Cloud Server",
                provider=ProviderKind.SIMULATED,
                provider_defaults={"image": "debian-12"},
                config_schema={
                    "type": "object",
                    "properties": {
                        "server_type": {"enum": ["cx22", "cx32"]},
                        "location": {"enum": ["fsn1", "nbg1", "hel1"]},
                    },
                },
            )
        )
        hosting = self.add(ServiceType(key="web-hosting", name="Managed Web Hosting"))
        self.plans = {
            "support-retainer": self.add(
                Plan(
                    key="support-retainer",
                    name="Support Retainer",
                    description="Billing only: 4 h support a month",
                    base_price=Decimal("49.00"),
                    minimum_commitment_days=90,
                    notice_days=30,
                    sort_order=40,
                    highlights=["4 hours of support", "Response within one business day"],
                )
            ),
            "hosting-monthly": self.add(
                Plan(
                    key="hosting-monthly",
                    name="Web Hosting Monthly",
                    service_type_id=hosting.id,
                    base_price=Decimal("9.90"),
                    sort_order=10,
                    highlights=["10 GB SSD", "Free TLS"],
                )
            ),
            "hosting-yearly": self.add(
                Plan(
                    key="hosting-yearly",
                    name="Web Hosting Yearly",
                    service_type_id=hosting.id,
                    base_price=Decimal("99.00"),
                    interval_unit=IntervalUnit.YEAR,
                    sort_order=20,
                    highlights=["Two months free", "10 GB SSD"],
                )
            ),
            "cloud-cx22": self.add(
                Plan(
                    key="cloud-cx22",
                    name="Cloud Server CX22",
                    service_type_id=cloud.id,
                    description="2 vCPU, 4 GB RAM, 40 GB SSD",
                    base_price=Decimal("5.39"),
                    trial_days=14,
                    billing_anchor_day=1,
                    sort_order=30,
                    allowed_options={"server_type": ["cx22"], "location": ["fsn1", "nbg1", "hel1"]},
                    highlights=["2 vCPU", "4 GB RAM", "40 GB SSD"],
                )
            ),
            "cloud-hourly": self.add(
                Plan(
                    key="cloud-hourly",
                    name="Cloud Server (hourly)",
                    service_type_id=cloud.id,
                    base_price=Decimal("0.0119"),
                    interval_unit=IntervalUnit.HOUR,
                    billing_timing=BillingTiming.ARREAR,
                    sort_order=35,
                    allowed_options={"server_type": ["cx22"], "location": ["fsn1"]},
                )
            ),
        }
        self.backups = self.add(Addon(key="backups", name="Daily Backups", price=Decimal("2.00")))
        for plan_key in ("cloud-cx22", "cloud-hourly", "hosting-monthly"):
            self.add(PlanAddon(plan_id=self.plans[plan_key].id, addon_id=self.backups.id))
        self.add(
            Promotion(
                code="WELCOME10",
                description="10 % off the first invoice for new customers",
                benefit=PromotionBenefit.PERCENT_OFF,
                percent_off=Decimal("10"),
                eligibility=PromotionEligibility.NEW_CUSTOMERS,
                max_redemptions=500,
                max_per_customer=1,
                valid_from=self.now - timedelta(days=30),
                valid_until=self.now + timedelta(days=335),
            )
        )

    def _subscribe(
        self, account: CustomerAccount, plan: Plan, started: datetime, options: dict[str, str]
    ) -> Subscription:
        self.subscription_count += 1
        return self.add(
            Subscription(
                number=f"SUB-{self.subscription_count:06d}",
                customer_account_id=account.id,
                plan_id=plan.id,
                status=SubscriptionStatus.ACTIVE,
                options=options,
                started_at=started,
                plan_snapshot=PlanTerms.of(plan).to_json(),
                # The billing engine's period grid starts at the first invoiced month.
                anchor_at=_month_start(self.now, MONTHS_OF_HISTORY, self.zone),
            )
        )

    def _set_period(
        self, subscription: Subscription, start: datetime, end: datetime, *, index: int, charged: bool
    ) -> None:
        """Leave the subscription where the billing engine continues: `index` is the period
        starting at `start`; a charged one is billed again at its end, an uncharged one now."""
        subscription.current_period_start = start
        subscription.current_period_end = end
        subscription.period_index = index + 1 if charged else index
        subscription.next_billing_at = end if charged else start
        self.session.add(subscription)

    def _status_for(self, months_back: int, *, overdue_month: int, pays_latest: bool) -> InvoiceStatus:
        if months_back == 1 and not pays_latest:
            return InvoiceStatus.ISSUED
        if months_back == overdue_month:
            return InvoiceStatus.OVERDUE
        return InvoiceStatus.PAID

    def _next_number(self, year: int) -> str:
        self.sequences[year] = self.sequences.get(year, 0) + 1
        return f"INV-{year}-{self.sequences[year]:05d}"

    def _position(
        self,
        account: CustomerAccount,
        subscription: Subscription,
        description: str,
        price: Decimal,
        start: datetime,
        end: datetime,
        invoice_id: int | None,
        suffix: str = "",
    ) -> OpenPosition:
        return self.add(
            OpenPosition(
                customer_account_id=account.id,
                subscription_id=subscription.id,
                source_ref=f"subscription:{subscription.id}:{description}:{start.isoformat()}{suffix}",
                description=description,
                period_start=start,
                period_end=end,
                unit_price=price,
                amount=price,
                invoice_id=invoice_id,
            )
        )

    def _invoice(
        self,
        account: CustomerAccount,
        charges: list[_Charge],
        start: datetime,
        end: datetime,
        status: InvoiceStatus,
        *,
        corrected: bool = False,
    ) -> Invoice:
        profile_is_business = account.customer_type == CustomerType.BUSINESS
        mode = TaxMode.REVERSE_CHARGE if profile_is_business else TaxMode.DOMESTIC
        rate = Decimal(0) if profile_is_business else DE_STANDARD_RATE
        # Never in the future, whatever day of the month the demo is seeded on.
        issued_at = min(end + timedelta(hours=6, days=4 if corrected else 0), self.now)
        invoice = self.add(
            Invoice(
                customer_account_id=account.id,
                status=status,
                currency="EUR",
                tax_mode=mode,
                tax_country="SE" if profile_is_business else "DE",
                buyer_vat_id="SE556677889901" if profile_is_business else "",
                tax_note=REVERSE_CHARGE_NOTE if profile_is_business else "",
                buyer_snapshot={"name": account.name, "number": account.number},
                issuer_snapshot={"name": "Demo Hosting GmbH", "vat_id": "DE123456789"},
                number=self._next_number(issued_at.astimezone(self.zone).year),
                issued_at=issued_at,
                due_at=issued_at + timedelta(days=14),
            )
        )
        net = tax = Money.zero("EUR")
        for position_no, charge in enumerate(charges, start=1):
            line_net = (Money.of(charge.unit_price, "EUR") * charge.quantity).round_to_minor()
            line_tax = (line_net * (rate / 100)).round_to_minor()
            position = self._position(
                account,
                charge.subscription,
                charge.description,
                charge.unit_price,
                start,
                end,
                invoice.id,
                suffix=":corrected" if corrected else "",
            )
            self.add(
                InvoiceLine(
                    invoice_id=invoice.id,
                    position=position_no,
                    open_position_id=position.id,
                    description=charge.description,
                    period_start=start,
                    period_end=end,
                    quantity=charge.quantity,
                    unit_price=charge.unit_price,
                    tax_rate=rate,
                    net=line_net.amount,
                    tax=line_tax.amount,
                    gross=(line_net + line_tax).amount,
                )
            )
            net, tax = net + line_net, tax + line_tax
        invoice.net, invoice.tax, invoice.gross = net.amount, tax.amount, (net + tax).amount
        if status == InvoiceStatus.PAID:
            invoice.balance_due = Decimal(0)
            invoice.paid_at = min(issued_at + timedelta(days=3), self.now)
            self.add(
                Payment(
                    invoice_id=invoice.id,
                    customer_account_id=account.id,
                    processor=PaymentProcessor.MANUAL,
                    idempotency_key=f"demo-payment-{invoice.number}",
                    amount=invoice.gross,
                    currency="EUR",
                    status=PaymentStatus.SUCCEEDED,
                    succeeded_at=invoice.paid_at,
                )
            )
        else:
            invoice.balance_due = invoice.gross
        self.session.add(invoice)
        self.session.flush()
        return invoice

    def _void_with_credit_note(self, invoice: Invoice) -> None:
        """An issued invoice with a wrong address, voided by a full credit note (then reissued)."""
        voided_at = (invoice.issued_at or self.now) + timedelta(days=4)
        note = self.add(
            CreditNote(
                invoice_id=invoice.id,
                number=f"{invoice.number}-CN1",
                reason="Wrong billing address",
                currency=invoice.currency,
                net=-invoice.net,
                tax=-invoice.tax,
                gross=-invoice.gross,
                issued_at=voided_at,
            )
        )
        lines = select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)
        for line in self.session.scalars(lines):
            self.add(
                CreditNoteLine(
                    credit_note_id=note.id,
                    position=line.position,
                    invoice_line_id=line.id,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    net=-line.net,
                    tax=-line.tax,
                    gross=-line.gross,
                )
            )
        invoice.status = InvoiceStatus.VOID
        invoice.voided_at = voided_at
        invoice.balance_due = Decimal(0)
        invoice.paid_at = None
        self.session.add(invoice)

    def _sequence_rows(self) -> None:
        for year, last in self.sequences.items():
            self.add(DocumentNumberSequence(kind=DocumentKind.INVOICE, year=year, last_value=last))
