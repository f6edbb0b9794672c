"""Queueing a mail: refused when it could never be sent, once per dedupe key, in the customer's
language, with the tenant's brand; the admin reads a customer's deliveries newest first."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend.audit.service import Actor
from backend.kit.errors import NotFoundError, PermissionDenied
from backend.mail import MailKind, MailRequest, queue_mail
from backend.mail.errors import MailRequestInvalid
from backend.mail.rendering import render_mail
from backend.mail.service import customer_deliveries, mail_brand
from backend.models import CustomerAccount, MailDelivery
from tests.billing.world import World

INVOICE = {
    "customer_name": "Ada Buyer",
    "link": "/invoices/INV-2027-00001",
    "invoice_number": "INV-2027-00001",
    "issue_date": "2027-01-01",
    "due_date": "2027-01-15",
    "total": "1234.50",
    "currency": "EUR",
}


def request(customer: CustomerAccount | None, **changes: Any) -> MailRequest:
    fields: dict[str, Any] = {
        "kind": MailKind.INVOICE_ISSUED,
        "to": "buyer@example.test",
        "customer_id": customer.id if customer else None,
        "context": INVOICE,
    }
    return MailRequest(**(fields | changes))


def deliveries(world: World) -> int:
    statement = (
        select(func.count()).select_from(MailDelivery).where(MailDelivery.tenant_id == world.scope.tenant_id)
    )
    return int(world.session.scalar(statement) or 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"context": {k: v for k, v in INVOICE.items() if k != "due_date"}}, "needs due_date"),
        ({"to": "not an address"}, "Not a single email address"),
        ({"to": "a@example.test, b@example.test"}, "Not a single email address"),
        ({"context": INVOICE | {"total": object()}}, "must be JSON"),
        ({"dedupe_key": ""}, "1 to 200 characters"),
    ],
)
def test_a_mail_that_could_never_be_sent_is_refused_and_nothing_is_queued(
    world: World, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(MailRequestInvalid, match=message):
        queue_mail(world.session, world.scope, request(world.customer(), **changes))
    assert deliveries(world) == 0


def test_an_attachment_outside_the_document_store_is_refused(world: World) -> None:
    from backend.mail import MailAttachment

    outside = (MailAttachment("x.pdf", "application/pdf", "../secrets.pdf"),)
    with pytest.raises(MailRequestInvalid, match="not a storage key"):
        queue_mail(world.session, world.scope, request(world.customer(), attachments=outside))
    assert deliveries(world) == 0


def test_a_customer_of_another_tenant_is_not_found(world: World, session: Session) -> None:
    stranger = World(session, world.clock).customer()
    with pytest.raises(NotFoundError):
        queue_mail(world.session, world.scope, request(stranger))
    assert deliveries(world) == 0


def test_the_same_dedupe_key_twice_is_one_delivery(world: World) -> None:
    customer = world.customer()
    first = queue_mail(world.session, world.scope, request(customer, dedupe_key="invoice:1"))
    again = queue_mail(world.session, world.scope, request(customer, dedupe_key="invoice:1"))
    other = queue_mail(world.session, world.scope, request(customer, dedupe_key="invoice:2"))
    assert first is not None and again is None and other is not None
    assert deliveries(world) == 2


@pytest.mark.parametrize(
    ("country", "tenant_language", "requested", "language", "subject", "total"),
    [
        ("AT", None, None, "de", "Billing Test: Rechnung INV-2027-00001", "1.234,50\u00a0€"),
        ("CH", None, None, "de", "Billing Test: Rechnung INV-2027-00001", "1.234,50\u00a0€"),
        ("FR", None, None, "en", "Billing Test: invoice INV-2027-00001", "€1,234.50"),
        ("FR", "de", None, "de", "Billing Test: Rechnung INV-2027-00001", "1.234,50\u00a0€"),
        ("DE", None, "en", "en", "Billing Test: invoice INV-2027-00001", "€1,234.50"),
    ],
)
def test_the_language_is_the_callers_else_the_customers_country_else_the_tenants_else_english(
    world: World,
    country: str,
    tenant_language: str | None,
    requested: str | None,
    language: str,
    subject: str,
    total: str,
) -> None:
    if tenant_language:
        world.tenant.settings = {**world.tenant.settings, "language": tenant_language}
    customer = world.customer(country=country)
    delivery = queue_mail(world.session, world.scope, request(customer, language=requested))
    assert delivery is not None
    assert (delivery.language, delivery.subject) == (language, subject)
    rendered = render_mail(
        delivery.kind, delivery.language, delivery.context, mail_brand(world.session, world.scope)
    )
    assert total in rendered.text and total in rendered.html


def test_every_kind_renders_in_both_languages_with_the_tenants_brand(world: World) -> None:
    world.tenant.settings = {
        **world.tenant.settings,
        "brand_color": "#aa3300",
        "logo_url": "https://cdn.example.test/logo.png",
    }
    brand = mail_brand(world.session, world.scope)
    context = {
        "customer_name": "Ada <b>Buyer</b>",
        "link": "/somewhere",
        "invoice_number": "INV-1",
        "credit_note_number": "CN-1",
        "issue_date": "2027-01-01",
        "due_date": "2027-01-15",
        "renewal_date": "2027-02-01",
        "start_date": "2027-01-01",
        "effective_date": "2027-02-01",
        "total": "10.00",
        "balance": "10.00",
        "currency": "EUR",
        "step": 2,
        "days_overdue": 10,
        "subscription_number": "SUB-000001",
        "plan_name": "Basic",
        "code": "123456",
        "token": "t0k3n",
        "account_name": "Acme",
        "account_number": "C-00001",
        "role": "viewer",
        "expires_date": "2027-01-21",
        "amount": "10.00",
        "reason": "card_declined",
        "next_attempt_date": "2027-01-18",
    }
    for kind in MailKind:
        for language in ("en", "de"):
            mail = render_mail(kind, language, context, brand)
            assert mail.subject.startswith("Billing Test: "), (kind, language)
            assert "http://localhost:3000/somewhere" in mail.text, (kind, language)
            assert 'href="http://localhost:3000/somewhere"' in mail.html, (kind, language)
            assert "#aa3300" in mail.html and 'src="https://cdn.example.test/logo.png"' in mail.html
            assert "<b>Buyer</b>" not in mail.html  # context is escaped in HTML
    german = render_mail(MailKind.PAYMENT_REMINDER, "de", context, brand)
    assert "15. Januar 2027" in german.text and "vor 10 Tagen" in german.text
    assert "letzte Erinnerung" not in german.text
    last = render_mail(MailKind.PAYMENT_REMINDER, "de", context | {"final": True}, brand)
    assert "letzte Erinnerung" in last.text and "letzte Erinnerung" in last.html
    declined = render_mail(MailKind.AUTO_PAYMENT_FAILED, "de", context, brand)
    assert "Ihre Karte wurde abgelehnt" in declined.text and "18. Januar 2027" in declined.html
    final = render_mail(MailKind.AUTO_PAYMENT_FAILED, "de", context | {"next_attempt_date": ""}, brand)
    assert "nicht mehr automatisch" in final.text and "nicht mehr automatisch" in final.html


def test_a_brand_colour_or_logo_that_is_not_safe_falls_back(world: World) -> None:
    world.tenant.settings = {
        **world.tenant.settings,
        "brand_color": "red;x",
        "logo_url": "http://plain.test/l.png",
    }
    brand = mail_brand(world.session, world.scope)
    assert (brand.color, brand.logo_url) == ("#1d4ed8", "")


def test_the_admin_reads_a_customers_deliveries_newest_first_a_page_at_a_time(world: World) -> None:
    customer, other = world.customer(), world.customer()
    for number in range(3):
        queue_mail(world.session, world.scope, request(customer, dedupe_key=f"invoice:{number}"))
    queue_mail(world.session, world.scope, request(other, dedupe_key="other"))
    first = customer_deliveries(world.session, world.scope, world.admin, customer.id or 0, limit=2)
    assert [d.id for d in first.items] == sorted((d.id for d in first.items), reverse=True)
    assert first.has_more and len(first.items) == 2
    rest = customer_deliveries(
        world.session, world.scope, world.admin, customer.id or 0, limit=2, starting_after=first.items[-1].id
    )
    assert len(rest.items) == 1 and not rest.has_more
    assert {d.status for d in [*first.items, *rest.items]} == {"queued"}
    assert all(d.subject == "Billing Test: Rechnung INV-2027-00001" for d in first.items)


def test_a_customer_may_not_read_the_delivery_record(world: World) -> None:
    customer = world.customer()
    with pytest.raises(PermissionDenied):
        customer_deliveries(
            world.session,
            world.scope,
            Actor.customer(world.scope.tenant_id, customer.id or 0),
            customer.id or 0,
        )
