"""An issued invoice of the billing world, and amounts written by hand as the documents show them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.integrations.storage import DocumentStore
from backend.kit.policy import Actor
from backend.models import CustomerAccount, CustomerType, Invoice, InvoiceLine, VatIdStatus
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
