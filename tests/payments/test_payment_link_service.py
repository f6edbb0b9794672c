"""Payment links: an ad-hoc invoice issued for a customer or an email address, its link mailed
(and shown once), the public view by token only within the tenant, expiry, revocation, the token
kept only as a hash, and the start of a Checkout (the pending payment committed first)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from backend.audit.service import Actor
from backend.integrations.mail import MailBatch
from backend.integrations.payment_processor import CheckoutRequest, CheckoutSession
from backend.invoicing.schemas import DraftLineInput
from backend.kit.errors import FieldErrors, NotFoundError, PermissionDenied
from backend.kit.repository import TenantScope
from backend.models import (
    CustomerProfile,
    Invoice,
    InvoiceStatus,
    MailDelivery,
    MailKind,
    Payment,
    PaymentLink,
)
from backend.payments import links
from backend.payments.schemas import PaymentLinkInput
from backend.settings import get_settings, load_settings
from backend.tenancy.service import create_tenant
from tests.billing.world import World

BASE = "https://pay.example.test"


@pytest.fixture(autouse=True)
def no_deployment_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def lines() -> list[DraftLineInput]:
    return [
        DraftLineInput(description="Setup", quantity=Decimal(1), unit_price=Decimal("100.00")),
        DraftLineInput(description="Support hours", quantity=Decimal(2), unit_price=Decimal("45.50")),
    ]


def create(world: World, batch: MailBatch | None = None, **fields: object) -> links.PaymentLinkCreated:  # type: ignore[name-defined]
    wanted = PaymentLinkInput(lines=lines(), **fields)  # type: ignore[arg-type]
    return links.create_payment_link(
        world.session, world.scope, world.admin, wanted, world.now, mail=batch or MailBatch(), base_url=BASE
    )


def token_of(created: object) -> str:
    return str(created.url).rsplit("/", 1)[-1]  # type: ignore[attr-defined]


def test_a_link_for_a_new_email_issues_the_invoice_to_a_guest_and_mails_the_link(world: World) -> None:
    world.tenant.issuer_country = "DE"
    batch = MailBatch()
    created = create(world, batch, email="Guest@Example.test")
    token = token_of(created)
    assert created.url == f"{BASE}/pay/{token}" and len(token) >= 40
    assert created.expires_at == world.now + timedelta(days=14)
    invoice = world.session.scalars(
        select(Invoice).where(
            Invoice.tenant_id == world.scope.tenant_id, Invoice.number == created.invoice_number
        )
    ).one()
    # 100.00 + 2 x 45.50 = 191.00 net; German VAT 19 % of 191.00 = 36.29; gross 227.29
    assert invoice.status == InvoiceStatus.ISSUED
    assert (invoice.net, invoice.tax, invoice.gross) == (
        Decimal("191.00"),
        Decimal("36.29"),
        Decimal("227.29"),
    )
    profile = world.session.scalars(
        select(CustomerProfile).where(CustomerProfile.customer_account_id == invoice.customer_account_id)
    ).one()
    assert (profile.email, profile.country) == ("guest@example.test", "DE")
    [message] = batch.messages
    assert message.to == "guest@example.test" and f"/pay/{token}" in message.text
    delivery = world.session.scalars(
        select(MailDelivery).where(
            MailDelivery.tenant_id == world.scope.tenant_id, MailDelivery.kind == MailKind.PAYMENT_LINK
        )
    ).one()
    assert token not in json.dumps(delivery.context)  # the record keeps no usable link
    link = world.session.scalars(
        select(PaymentLink).where(
            PaymentLink.tenant_id == world.scope.tenant_id, PaymentLink.invoice_id == invoice.id
        )
    ).one()
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    # nothing stored holds the token itself
    for table in ("payment_links", "mail_deliveries", "audit_log"):
        dump = json.dumps(
            [list(map(str, row)) for row in world.session.execute(text(f"SELECT * FROM {table}"))]
        )
        assert token not in dump, table


def test_a_second_link_to_the_same_address_reuses_the_customer(world: World) -> None:
    first = create(world, email="twice@example.test")
    second = create(world, email="twice@example.test", expires_in_days=3)
    numbers = (first.invoice_number, second.invoice_number)
    invoices = world.session.scalars(
        select(Invoice).where(Invoice.tenant_id == world.scope.tenant_id, Invoice.number.in_(numbers))
    ).all()
    assert len({invoice.customer_account_id for invoice in invoices}) == 1
    assert second.expires_at == world.now + timedelta(days=3)


def test_a_link_for_an_existing_customer(world: World) -> None:
    customer = world.customer()
    created = create(world, customer_account_id=customer.id)
    invoice = world.session.scalars(
        select(Invoice).where(
            Invoice.tenant_id == world.scope.tenant_id, Invoice.number == created.invoice_number
        )
    ).one()
    assert invoice.customer_account_id == customer.id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "email"),
        ({"email": "nobody"}, "email"),
        ({"customer_account_id": 999_999_999}, "customer_account_id"),
    ],
)
def test_bad_recipients_are_refused_and_nothing_is_issued(
    world: World, fields: dict[str, object], field: str
) -> None:
    batch = MailBatch()
    with pytest.raises(FieldErrors) as refused:
        create(world, batch, **fields)
    assert field in refused.value.fields
    assert batch.messages == []
    issued = world.session.scalars(select(Invoice).where(Invoice.tenant_id == world.scope.tenant_id)).all()
    assert issued == []


def test_customers_may_not_create_links(world: World) -> None:
    customer = world.customer()
    wanted = PaymentLinkInput(lines=lines(), customer_account_id=customer.id)
    with pytest.raises(PermissionDenied):
        links.create_payment_link(
            world.session, world.scope, Actor.customer(world.scope.tenant_id, customer.id or 0), wanted,
            world.now, mail=MailBatch(), base_url=BASE,
        )  # fmt: skip


def test_the_public_view_shows_the_invoice_and_then_why_it_cannot_be_paid(world: World) -> None:
    world.tenant.issuer_iban = "DE89370400440532013000"
    world.tenant.issuer_legal_name = "Example Hosting GmbH"
    created = create(world, email="guest@example.test", expires_in_days=2)
    token = token_of(created)
    view = links.public_invoice(world.session, world.scope, token, world.now)
    assert (view.status, view.message, view.invoice_number) == ("active", "", created.invoice_number)
    assert [line.description for line in view.lines] == ["Setup", "Support hours"]
    assert view.gross == Decimal("227.29") and view.issuer["legal_name"] == "Example Hosting GmbH"
    assert view.online is False and view.bank is not None and view.bank.reference == created.invoice_number
    later = world.now + timedelta(days=2)
    assert links.public_invoice(world.session, world.scope, token, later).status == "expired"
    with pytest.raises(links.PaymentLinkUnusable, match="expired"):
        links.prepare_link_payment(world.session, world.scope, token, later, base_url=BASE)
    view_revoked = links.revoke_payment_link(world.session, world.scope, world.admin, created.id, world.now)
    assert view_revoked.status == "revoked"
    assert links.public_invoice(world.session, world.scope, token, world.now).message.startswith(
        "This payment link was withdrawn"
    )
    with pytest.raises(NotFoundError):
        links.public_invoice(
            world.session, world.scope, token[:-1] + ("A" if token[-1] != "A" else "B"), world.now
        )


def test_a_paid_invoice_says_so(world: World) -> None:
    created = create(world, email="guest@example.test")
    invoice = world.session.scalars(
        select(Invoice).where(
            Invoice.tenant_id == world.scope.tenant_id, Invoice.number == created.invoice_number
        )
    ).one()
    invoice.status, invoice.balance_due = InvoiceStatus.PAID, Decimal(0)
    world.session.flush()
    view = links.public_invoice(world.session, world.scope, token_of(created), world.now)
    assert (view.status, view.message) == ("paid", "This invoice is paid. Thank you.")


def test_another_tenant_finds_neither_the_token_nor_the_link(world: World) -> None:
    created = create(world, email="guest@example.test")
    other = create_tenant(world.session, slug="pay-links-other", name="Other", settings=load_settings())
    b = TenantScope(other.id or 0)
    with pytest.raises(NotFoundError):
        links.public_invoice(world.session, b, token_of(created), world.now)
    with pytest.raises(NotFoundError):
        links.prepare_link_payment(world.session, b, token_of(created), world.now, base_url=BASE)
    with pytest.raises(NotFoundError):
        links.revoke_payment_link(world.session, b, Actor.admin(b.tenant_id), created.id, world.now)
    assert links.recent_payment_links(world.session, b, Actor.admin(b.tenant_id), world.now) == []
    link = world.session.get(PaymentLink, created.id)
    assert link is not None and link.revoked_at is None


class RecordingProcessor:
    """Stands in for Stripe: records what it was asked, and when the pending payment existed."""

    name = "stripe"
    online = True

    def __init__(self, session_factory: object) -> None:
        self.requests: list[CheckoutRequest] = []
        self.seen_payment_committed: list[bool] = []
        self.session_factory = session_factory

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        self.requests.append(request)
        with self.session_factory() as other:  # type: ignore[operator]
            self.seen_payment_committed.append(
                other.get(Payment, int(request.metadata["payment_id"])) is not None
            )
        return CheckoutSession(
            id=f"cs_test_{len(self.requests)}",
            url=f"https://checkout.test/{len(self.requests)}",
            status="open",
        )


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # savepoints inside the test's transaction
def test_paying_commits_the_pending_payment_before_asking_the_processor(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = create(world, email="guest@example.test")
    token = token_of(created)
    world.session.commit()  # the link as the admin's request left it
    engine = world.session.get_bind()

    @contextmanager
    def unit() -> Iterator[Session]:
        with Session(bind=engine, join_transaction_mode="create_savepoint") as session:
            yield session
            session.commit()

    processor = RecordingProcessor(lambda: Session(bind=engine, join_transaction_mode="create_savepoint"))
    monkeypatch.setattr(links, "processor_for", lambda session, scope: processor)
    url = links.start_link_checkout(unit, world.scope, token, world.now, base_url=BASE)
    assert url == "https://checkout.test/1" and processor.seen_payment_committed == [True]
    [request] = processor.requests
    invoice = world.session.scalars(
        select(Invoice).where(
            Invoice.tenant_id == world.scope.tenant_id, Invoice.number == created.invoice_number
        )
    ).one()
    assert request.amount is not None and request.amount.amount == Decimal("227.29")
    assert request.metadata["invoice_id"] == str(invoice.id) and request.metadata["tenant_id"] == str(
        world.scope.tenant_id
    )
    assert request.success_url == f"{BASE}/pay/{token}?paid={{CHECKOUT_SESSION_ID}}"
    with Session(bind=engine, join_transaction_mode="create_savepoint") as check:
        payment = check.get(Payment, int(request.metadata["payment_id"]))
        assert payment is not None and payment.kind == "payment_link" and payment.external_id == "cs_test_1"
        assert payment.amount == Decimal("227.29") and payment.status == "pending"
    # a second click while the session is open sends the customer to the same page
    assert links.start_link_checkout(unit, world.scope, token, world.now, base_url=BASE) == url
    assert len(processor.requests) == 1
