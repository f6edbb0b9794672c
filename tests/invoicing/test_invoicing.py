"""Invoice run, bill now, minimum amount, zero invoices, numbering, due dates, overdue, corrections, tax."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.invoicing import service as invoicing
from backend.invoicing.drafts import tax_breakdown
from backend.invoicing.errors import InvoiceError
from backend.kit.errors import ValidationFailed
from backend.models import (
    CreditNote,
    CustomerType,
    InvoiceStatus,
    PromotionBenefit,
    PromotionRedemption,
    TaxMode,
    VatIdStatus,
)
from backend.tax import REVERSE_CHARGE_NOTE
from tests.billing.world import World, utc


def credit_notes(world: World, invoice_id: int) -> list[CreditNote]:
    statement = select(CreditNote).where(CreditNote.invoice_id == invoice_id).order_by(CreditNote.id)
    return list(world.session.scalars(statement))


def test_invoice_run_makes_one_accumulated_invoice_per_customer_on_the_billing_day(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("web", "10.00"))
    world.order(customer, world.plan("mail", "5.00"))
    world.run_until(utc(2027, 1, 31, 12))
    assert world.invoices() == []

    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    assert invoice.number == "INV-2027-00001"
    assert invoice.status == InvoiceStatus.ISSUED
    assert (invoice.net, invoice.tax, invoice.gross) == (Decimal("15.00"), Decimal("2.85"), Decimal("17.85"))
    assert invoice.tax_mode == TaxMode.DOMESTIC and invoice.tax_country == "DE"
    assert invoice.due_at == invoice.issued_at + timedelta(days=14)
    assert invoice.balance_due == invoice.gross
    assert [line.net for line in world.lines(invoice)] == [Decimal("10.00"), Decimal("5.00")]

    world.run_until(utc(2027, 3, 1, 12))
    assert [i.number for i in world.invoices()] == ["INV-2027-00001", "INV-2027-00002"]


def test_running_the_invoice_run_again_issues_nothing(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 12))
    for _ in range(3):
        world.tick()
    assert len(world.invoices()) == 1


def test_an_invoice_below_the_minimum_waits_for_more_charges(world: World) -> None:
    world.tenant.settings = {"billing": {"minimum_invoice_amount": "20.00"}}
    world.session.flush()
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 2))
    assert world.invoices() == []  # 11.90 gross < 20.00
    world.run_until(utc(2027, 3, 2))
    [invoice] = world.invoices()
    assert invoice.net == Decimal("20.00") and len(world.lines(invoice)) == 2


def test_a_zero_invoice_is_issued_as_paid(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("FREEMONTH", benefit=PromotionBenefit.FREE_PERIODS, free_periods=1)
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"), promotion_code="freemonth")
    world.run_until(utc(2027, 2, 2))
    [invoice] = world.invoices()
    assert invoice.gross == 0 and invoice.status == InvoiceStatus.PAID and invoice.paid_at is not None
    assert [line.net for line in world.lines(invoice)] == [Decimal("10.00"), Decimal("-10.00")]
    world.run_until(utc(2027, 3, 2))
    assert world.invoices()[-1].gross == Decimal("11.90")


def test_percent_promotion_applies_to_the_first_invoice_and_void_gives_it_back(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    promotion = world.promotion("WELCOME10", benefit=PromotionBenefit.PERCENT_OFF, percent_off=Decimal("10"))
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("web", "10.00"), promotion_code="WELCOME10")
    world.run_until(utc(2027, 2, 2))
    [invoice] = world.invoices()
    assert invoice.net == Decimal("9.00") and invoice.gross == Decimal("10.71")

    note = invoicing.void_invoice(
        world.session, world.scope, invoice.id, "Ordered by mistake", world.now, actor=world.admin
    )
    assert invoice.status == InvoiceStatus.VOID and invoice.balance_due == 0
    assert note.number == "INV-2027-00001-CN1"
    assert (note.net, note.tax, note.gross) == (invoice.net, invoice.tax, invoice.gross)
    from backend.catalog.repository import PromotionRedemptionRepository

    # the percent is unused again (the next invoice gets it: tests/invoicing/test_promotions.py); the
    # running subscription still holds the redemption, so it still counts toward the limits
    [redemption] = world.session.scalars(
        select(PromotionRedemption).where(PromotionRedemption.tenant_id == world.scope.tenant_id)
    ).all()
    assert (redemption.periods_used, redemption.invoice_id) == (0, None)
    assert PromotionRedemptionRepository(world.session, world.scope).counts(promotion.id, customer.id) == (
        1,
        1,
    )


def test_void_is_refused_for_paid_invoices_and_changes_nothing(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 2))
    [invoice] = world.invoices()
    invoicing.mark_paid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Paid by transfer"
    )
    with pytest.raises(InvoiceError, match="credit note"):
        invoicing.void_invoice(world.session, world.scope, invoice.id, "", world.now, actor=world.admin)
    assert invoice.status == InvoiceStatus.PAID and credit_notes(world, invoice.id) == []


def test_mark_paid_then_unpaid_restores_the_balance(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 2))
    [invoice] = world.invoices()
    invoicing.mark_paid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Paid by transfer"
    )
    assert invoice.balance_due == 0 and invoice.status == InvoiceStatus.PAID
    world.at(utc(2027, 3, 1))
    invoicing.mark_unpaid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Transfer returned"
    )
    assert invoice.status == InvoiceStatus.OVERDUE and invoice.balance_due == Decimal("11.90")


def test_unpaid_invoices_become_overdue_after_the_due_date(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    world.run_until(invoice.due_at - timedelta(hours=1), step=timedelta(hours=6))
    assert invoice.status == InvoiceStatus.ISSUED
    world.run_until(invoice.due_at + timedelta(hours=1), step=timedelta(hours=1))
    assert invoice.status == InvoiceStatus.OVERDUE and invoice.overdue_at is not None


def test_bill_now_invoices_one_customer_at_once_ignoring_billing_day(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    first, second = world.customer(billing_day=1), world.customer(billing_day=1)
    world.order(first, world.plan("web", "10.00"))
    world.order(second, world.plan("mail", "5.00"))
    invoices = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=first.id, actor=world.admin
    )
    assert [i.customer_account_id for i in invoices] == [first.id]
    assert (
        invoicing.bill_now(
            world.session, world.scope, world.now, customer_account_id=first.id, actor=world.admin
        )
        == []
    )
    everyone = invoicing.bill_now(world.session, world.scope, world.now, actor=world.admin)
    assert [i.customer_account_id for i in everyone] == [second.id]


def test_plan_downgrade_after_invoicing_issues_a_partial_credit_note(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer(billing_day=1)
    pro, basic = world.plan("pro", "62.00"), world.plan("basic", "31.00")
    subscription = world.order(customer, pro)
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    world.at(utc(2027, 1, 16, 9))  # 15 of 31 days used
    preview = world.lifecycle().change_plan(subscription.id, basic.id, world.now)
    [note] = credit_notes(world, invoice.id)
    assert note.number == f"{invoice.number}-CN1"
    assert note.net == Decimal("32.00")  # 16/31 of 62.00
    assert invoice.balance_due == invoice.gross - note.gross
    assert invoice.net == Decimal("62.00")  # the issued invoice itself never changes
    new_charge = [p for p in world.positions(subscription) if p.invoice_id is None]
    assert [p.amount for p in new_charge] == [Decimal("16.00")]
    assert preview.total == Decimal("-32.00") + Decimal("16.00")


def test_partial_credit_cannot_exceed_what_is_left_on_the_line(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("web", "10.00"))
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    [line] = world.lines(invoice)
    with pytest.raises(ValidationFailed, match=r"at most 10\.00"):
        invoicing.credit_invoice(
            world.session,
            world.scope,
            invoice.id,
            {line.id: Decimal("10.01")},
            "",
            world.now,
            actor=world.admin,
        )
    assert credit_notes(world, invoice.id) == [] and invoice.balance_due == Decimal("11.90")
    invoicing.credit_invoice(
        world.session,
        world.scope,
        invoice.id,
        {line.id: Decimal("4.00")},
        "goodwill",
        world.now,
        actor=world.admin,
    )
    with pytest.raises(ValidationFailed, match=r"at most 6\.00"):
        invoicing.credit_invoice(
            world.session,
            world.scope,
            invoice.id,
            {line.id: Decimal("6.01")},
            "",
            world.now,
            actor=world.admin,
        )
    invoicing.mark_paid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Paid by transfer"
    )
    second = invoicing.credit_invoice(
        world.session, world.scope, invoice.id, {line.id: Decimal("6.00")}, "", world.now, actor=world.admin
    )
    assert second.number.endswith("-CN2") and second.refund_amount == second.gross == Decimal("7.14")


def test_reverse_charge_for_a_validated_business_in_another_member_state(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer(
        country="SE",
        customer_type=CustomerType.BUSINESS,
        vat_id="SE556036079301",
        vat_id_status=VatIdStatus.VALID,
    )
    world.order(customer, world.plan("web", "10.00"))
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert invoice.tax_mode == TaxMode.REVERSE_CHARGE and invoice.tax == 0
    assert invoice.tax_note == REVERSE_CHARGE_NOTE and invoice.buyer_vat_id == "SE556036079301"
    assert invoice.buyer_snapshot["tax"]["mode"] == "reverse_charge"


def test_outside_the_eu_no_vat_is_charged(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer(country="US")
    world.order(customer, world.plan("web", "10.00"))
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert invoice.tax_mode == TaxMode.OUTSIDE_EU and invoice.gross == Decimal("10.00")


def test_eu_consumers_pay_the_issuer_rate_until_the_oss_threshold_then_their_own(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    french = world.customer(country="FR")
    big = world.plan("big", "9999.00")
    small = world.plan("small", "10.00")
    world.order(french, big)
    [first] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=french.id, actor=world.admin
    )
    assert (first.tax_mode, first.tax_country, first.tax) == (TaxMode.DOMESTIC, "DE", Decimal("1899.81"))
    world.at(utc(2027, 1, 2, 9))
    world.order(french, small)
    [second] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=french.id, actor=world.admin
    )
    assert (second.tax_mode, second.tax_country, second.tax) == (TaxMode.EU_B2C, "FR", Decimal("2.00"))


def test_tax_is_rounded_per_line_and_totals_are_sums_of_lines(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer()
    for key in ("a", "b", "c"):
        world.order(customer, world.plan(key, "0.05"))
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    lines = world.lines(invoice)
    assert [line.tax for line in lines] == [Decimal("0.01")] * 3  # 0.0095 rounds half-up per line
    assert invoice.tax == Decimal("0.03") and invoice.net == sum(line.net for line in lines)
    [row] = tax_breakdown(lines)
    assert (row.rate, row.net, row.tax) == (Decimal("19"), Decimal("0.15"), Decimal("0.03"))
