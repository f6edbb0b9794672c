"""An issued invoice of the billing world, and amounts written by hand as the documents show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from backend.integrations.storage import DocumentStore
from backend.invoicing.issuing import issuer_snapshot
from backend.kit.policy import Actor
from backend.models import CustomerAccount, CustomerType, Invoice, InvoiceLine, InvoiceStatus, VatIdStatus
from backend.scheduling import simulation
from tests.billing.world import World, utc

IBAN = "DE89370400440532013000"


@dataclass
class Issued:
    world: World
    customer: CustomerAccount
    invoice: Invoice

    @property
    def lines(self) -> list[InvoiceLine]:
        return self.world.lines(self.invoice)

    @property
    def owner(self) -> Actor:
        assert self.customer.id is not None
        return Actor.customer(self.world.scope.tenant_id, self.customer.id)


def brand_tenant(world: World, *, iban: str = IBAN) -> None:
    """The issuer as invoices name it: legal name, address, VAT ID and (optionally) bank data."""
    tenant = world.tenant
    tenant.issuer_legal_name = "Nordlicht Hosting GmbH"
    tenant.issuer_address = "Hafenstraße 12\n20457 Hamburg"
    tenant.issuer_country = "DE"
    tenant.issuer_vat_id = "DE123456789"
    tenant.issuer_iban = iban
    tenant.issuer_bic = "COBADEFFXXX" if iban else ""
    tenant.issuer_email = "billing@nordlicht.test"
    world.session.flush()


def issue_invoice(
    world: World,
    *,
    country: str = "DE",
    business: bool = True,
    vat_id: str = "",
    iban: str = IBAN,
    prices: tuple[str, ...] = ("10.00", "5.00"),
) -> Issued:
    """A customer with one subscription per price, ordered 10 Jan 2027 and invoiced by the invoice
    run on 1 Feb (a business with `vat_id` has it validated)."""
    brand_tenant(world, iban=iban)
    customer = world.customer(
        country=country,
        customer_type=CustomerType.BUSINESS if business else CustomerType.PRIVATE,
        vat_id=vat_id,
        vat_id_status=VatIdStatus.VALID if vat_id else VatIdStatus.UNCHECKED,
    )
    world.at(utc(2027, 1, 10, 9))
    for number, price in enumerate(prices):
        world.order(customer, world.plan(f"plan-{number}", price, name=f"Managed server {number + 1}"))
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = [i for i in world.invoices() if i.customer_account_id == customer.id]
    return Issued(world, customer, invoice)


def render_all(world: World) -> int:
    """One tick of the document rendering coordinator only (the simulation skips it otherwise)."""
    return simulation.tick(world.session, world.scope, world.now, only={"document_rendering"})[
        "document_rendering"
    ]


def stored_pdf(store: DocumentStore, invoice: Invoice) -> bytes:
    assert invoice.pdf_storage_key, "the invoice has no document"
    return store.read(invoice.pdf_storage_key)


def euro_en(amount: Decimal) -> str:
    """An amount as an English document writes it (by hand, not with the renderer's Babel)."""
    return f"€{amount:,.2f}"


def euro_de(amount: Decimal) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    # German: dots between thousands, a decimal comma, a no-break space before the sign.
    return f"{int(whole):,}".replace(",", ".") + f",{cents}\u00a0€"


def long_invoice(world: World, *, lines: int, number: str = "INV-2027-00042") -> Invoice:
    """An issued invoice of `lines` lines of 1.00 net at 19 %, written as issuing writes one."""
    brand_tenant(world)
    customer = world.customer()
    issued_at = world.now
    invoice = Invoice(
        tenant_id=world.scope.tenant_id,
        number=number,
        customer_account_id=customer.id,
        status=InvoiceStatus.ISSUED,
        net=Decimal(lines),
        tax=Decimal("0.19") * lines,
        gross=Decimal(lines) + Decimal("0.19") * lines,
        balance_due=Decimal(lines) + Decimal("0.19") * lines,
        tax_country="DE",
        buyer_country="DE",
        buyer_snapshot={
            "name": "Long Invoice GmbH",
            "country": "GB",
            "city": "London",
            "postal_code": "EC1A",
        },
        issuer_snapshot=issuer_snapshot(world.tenant),
        issued_at=issued_at,
        due_at=issued_at + timedelta(days=14),
    )
    world.session.add(invoice)
    world.session.flush()
    for position in range(1, lines + 1):
        world.session.add(
            InvoiceLine(
                tenant_id=world.scope.tenant_id,
                invoice_id=invoice.id,
                position=position,
                description=f"Backup slot {position}",
                period_start=issued_at - timedelta(days=31),
                period_end=issued_at,
                unit_price=Decimal("1.00"),
                tax_rate=Decimal(19),
                net=Decimal("1.00"),
                tax=Decimal("0.19"),
                gross=Decimal("1.19"),
            )
        )
    world.session.flush()
    return invoice
