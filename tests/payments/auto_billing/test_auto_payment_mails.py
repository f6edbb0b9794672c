"""A declined automatic charge mails the customer once per failed attempt: when the next attempt is,
or that there is none and the invoice waits to be paid by hand.

By hand (as test_auto_payment_retries): the invoice of 1 February 09:00 UTC is 11.90 EUR; the
default schedule tries again on 2 February 09:00 and 4 February 09:00 UTC (10:00 in Berlin, the
tenant's zone: the same calendar days).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.mail.rendering import render_mail
from backend.mail.service import mail_brand
from backend.models import CustomerAccount, InvoiceStatus, MailDelivery, MailKind
from backend.payments import auto_billing
from backend.payments.retry_schedule import update_retry_schedule
from tests.billing.world import utc
from tests.payments.auto_billing.conftest import CardWorld
from tests.payments.auto_billing.test_auto_payment_retries import INVOICE_DAY, issued_invoice, tick_at

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def failure_mails(card_world: CardWorld, account: CustomerAccount) -> list[MailDelivery]:
    world = card_world.world
    world.session.flush()
    statement = (
        select(MailDelivery)
        .where(
            MailDelivery.tenant_id == world.scope.tenant_id,
            MailDelivery.kind == MailKind.AUTO_PAYMENT_FAILED,
            MailDelivery.customer_account_id == account.id,
        )
        .order_by(MailDelivery.id)
    )
    return list(world.session.scalars(statement))


def english_text(card_world: CardWorld, delivery: MailDelivery) -> str:
    brand = mail_brand(card_world.world.session, card_world.world.scope)
    return render_mail(MailKind.AUTO_PAYMENT_FAILED, "en", delivery.context, brand).text


def test_declined_twice_then_paid_mails_each_failure_with_the_next_date_and_nothing_for_the_success(
    card_world: CardWorld,
) -> None:
    account, invoice = issued_invoice(card_world, declines=2)
    [first] = failure_mails(card_world, account)
    tick_at(card_world, utc(2027, 2, 2, 9))
    tick_at(card_world, utc(2027, 2, 4, 9))
    assert invoice.status == InvoiceStatus.PAID

    mails = failure_mails(card_world, account)
    email = card_world.profile(account).email
    assert [m.id for m in mails][:1] == [first.id] and len(mails) == 2
    assert [(m.dedupe_key, m.to) for m in mails] == [
        (f"auto-payment-failed:{invoice.id}:1", email),
        (f"auto-payment-failed:{invoice.id}:2", email),
    ]
    assert [
        (m.context["amount"], m.context["currency"], m.context["reason"], m.context["next_attempt_date"])
        for m in mails
    ] == [("11.90", "EUR", "card_declined", "2027-02-02"), ("11.90", "EUR", "card_declined", "2027-02-04")]
    text = english_text(card_world, mails[0])
    assert (
        f"your automatic payment of €11.90 for invoice {invoice.number} failed (your card was declined)"
        in text
    )
    assert "We will try again on February 2, 2027." in text
    assert f"/invoices/{invoice.number}" in text
    assert mails[0].language == "de"  # the customer's own language (Germany)
    assert "automatische Zahlung der Rechnung" in mails[0].subject


def test_the_last_failures_mail_says_there_is_no_further_automatic_attempt(card_world: CardWorld) -> None:
    world = card_world.world
    update_retry_schedule(world.session, world.scope, world.admin, retry_schedule_hours=[0, 12])
    account, invoice = issued_invoice(card_world, declines=5)
    tick_at(card_world, utc(2027, 2, 1, 21))
    world.run_until(utc(2027, 2, 5, 9))  # nothing is tried, and nothing more is mailed
    assert (invoice.status, len(card_world.payment_intent_posts())) == (InvoiceStatus.ISSUED, 2)

    first, last = failure_mails(card_world, account)
    assert (first.context["next_attempt_date"], last.context["next_attempt_date"]) == ("2027-02-01", "")
    text = english_text(card_world, last)
    assert "We will not try again automatically; please pay the invoice" in text
    assert "try again on" not in text


def test_the_webhook_and_a_second_job_run_mail_an_attempt_once(card_world: CardWorld) -> None:
    account, invoice = issued_invoice(card_world, declines=1)
    card_world.fake.deliver_all()  # Stripe's payment_intent.payment_failed after the job recorded it
    card_world.fake.deliver_all()  # and again
    tick_at(card_world, utc(2027, 2, 1, 9, 5))  # the job again: the retry is tomorrow
    tick_at(card_world, utc(2027, 2, 1, 9, 5))
    assert len(card_world.payment_intent_posts()) == 1
    [mail] = failure_mails(card_world, account)
    assert mail.dedupe_key == f"auto-payment-failed:{invoice.id}:1"
    tick_at(card_world, utc(2027, 2, 2, 9))
    card_world.fake.deliver_all()
    assert invoice.status == InvoiceStatus.PAID
    assert len(failure_mails(card_world, account)) == 1


def test_a_decline_recorded_from_the_webhook_is_mailed_once_and_not_again_by_the_job(
    card_world: CardWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer(billing_day=1)
    profile = card_world.save_card(account)
    card_world.fake.decline_next(profile.payment_customer_ref, 1)
    world.order(account, world.plan("web", "10.00"))
    world.run_until(INVOICE_DAY - timedelta(days=1))
    with monkeypatch.context() as patch:
        patch.setattr(auto_billing, "_record_result", lambda *a, **k: (_ for _ in ()).throw(RuntimeError()))
        world.at(INVOICE_DAY)
        with pytest.raises(RuntimeError):
            world.tick()
    world.session.rollback()
    assert failure_mails(card_world, account) == []  # the job died before recording the decline

    card_world.fake.deliver_all()
    card_world.fake.deliver_all()
    tick_at(card_world, INVOICE_DAY + timedelta(minutes=1))
    [invoice] = world.invoices()
    [mail] = failure_mails(card_world, account)
    assert (mail.dedupe_key, mail.context["next_attempt_date"]) == (
        f"auto-payment-failed:{invoice.id}:1",
        "2027-02-02",
    )
