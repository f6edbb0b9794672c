"""The order wizard's gateway (backend/gateway/ordering.py) on a committed shop: each step, the
engine's refusals with their reasons, the profile's field errors, one subscription per wizard key
however often (or however concurrently) it is confirmed, and the review's figures equal to what the
billing run charges.

The shop: tenant in Germany (Europe/Berlin), a "VPS" plan at 12.00 EUR a month anchored on the 1st
with server_type/location options, a 2.00 EUR backups addon, and promotions. "Now" is 16 Jan 2027
10:00 Berlin time (09:00 UTC): the first month is a stub of 16 of January's 31 days.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from backend import clock
from backend.audit.service import Actor
from backend.catalog.addons import create_addon
from backend.catalog.plans import allow_addon, create_plan
from backend.catalog.promotion_codes import create_promotion
from backend.catalog.schemas import AddonInput, PlanInput, PromotionInput
from backend.customers.service import open_account_for_user
from backend.db import dispose_engines, unit_of_work
from backend.gateway import catalog, ordering
from backend.gateway.ordering import OrderChoice
from backend.identity import auth
from backend.identity.repository import UserRepository
from backend.identity.users import create_user
from backend.invoicing import service as invoicing
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.models import (
    AuditLogEntry,
    CustomerProfile,
    CustomerType,
    Invoice,
    PromotionBenefit,
    PromotionEligibility,
    Subscription,
    Tenant,
    UserRole,
)
from backend.scheduling import simulation
from backend.settings import get_settings, load_settings
from backend.subscriptions.errors import (
    BillingProfileMissing,
    OptionValueNotAvailable,
    PromotionAlreadyUsed,
    PromotionCodeInvalid,
    PromotionExpired,
    PromotionForNewCustomersOnly,
    PromotionNotForPlan,
)
from backend.tenancy.service import create_tenant
from billing_console.routes import return_path, sign_in_then
from tests.fakes.vies import FakeVies

D = Decimal
NOW = datetime(2027, 1, 16, 9, tzinfo=UTC)  # 10:00 in Berlin
REQUEST = RequestContext(host="shop.test", ip_address="192.0.2.7")


@dataclass(frozen=True)
class Shop:
    engine: Engine
    scope: TenantScope
    user: SignedInUser
    plan_id: int
    other_plan_id: int
    addon_id: int
    vies: FakeVies

    def count(self, model: type) -> int:
        with unit_of_work(self.engine) as session:
            statement = select(func.count()).select_from(model).where(model.tenant_id == self.scope.tenant_id)
            return int(session.scalar(statement) or 0)


def _user(session: object, scope: TenantScope, email: str, *, complete: bool) -> SignedInUser:
    user = create_user(session, scope, email=email, password="Wizard-pass-2027!", role=UserRole.CUSTOMER)  # type: ignore[arg-type]
    profile = CustomerProfile(
        name="Erika Muster", country="DE", email=email, customer_type=CustomerType.PRIVATE
    )
    if complete:
        profile.address_line1, profile.postal_code, profile.city = "Hauptstr. 1", "80331", "München"
    open_account_for_user(session, scope, user, profile)  # type: ignore[arg-type]
    return auth.signed_in_user(session, scope, UserRepository(session, scope).get_or_raise(user.id or 0))  # type: ignore[arg-type]


@pytest.fixture
def shop(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Shop]:
    slug = f"wiz-{uuid.uuid4().hex[:8]}"
    fake_vies = FakeVies().start()
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VIES_URL", fake_vies.base_url)
    monkeypatch.setenv("MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("TENANT_HOSTS", f"{REQUEST.host}={slug}")
    get_settings.cache_clear()
    dispose_engines()
    with clock.frozen(NOW), unit_of_work(engine) as session:
        tenant = create_tenant(session, slug=slug, name="Wizard Shop", settings=load_settings())
        tenant.issuer_country, tenant.time_zone = "DE", "Europe/Berlin"
        scope = TenantScope(tenant.id or 0)
        admin = Actor.admin(scope.tenant_id)
        options = {"server_type": ["cx22", "cx32"], "location": ["fsn1", "nbg1"]}
        plan = create_plan(
            session,
            scope,
            PlanInput(
                key="vps", name="VPS", base_price=D("12.00"), billing_anchor_day=1, allowed_options=options
            ),
            admin,
        )
        other = create_plan(session, scope, PlanInput(key="other", name="Other", base_price=D("5.00")), admin)
        addon = create_addon(
            session, scope, AddonInput(key="backups", name="Backups", price=D("2.00")), admin
        )
        allow_addon(session, scope, plan.id or 0, addon.id or 0, admin)
        promotions = [
            PromotionInput(
                code="TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D(10), max_per_customer=1
            ),
            PromotionInput(code="FREE3", benefit=PromotionBenefit.FREE_PERIODS, free_periods=3),
            PromotionInput(
                code="OLD",
                benefit=PromotionBenefit.PERCENT_OFF,
                percent_off=D(5),
                valid_until=NOW - timedelta(days=1),
            ),
            PromotionInput(
                code="OTHERONLY",
                benefit=PromotionBenefit.PERCENT_OFF,
                percent_off=D(5),
                eligible_plan_ids=[other.id or 0],
            ),
            PromotionInput(
                code="NEWBIE",
                benefit=PromotionBenefit.PERCENT_OFF,
                percent_off=D(5),
                eligibility=PromotionEligibility.NEW_CUSTOMERS,
            ),
        ]
        for data in promotions:
            create_promotion(session, scope, data, admin)
        user = _user(session, scope, f"erika@{slug}.test", complete=True)
    with clock.frozen(NOW):
        yield Shop(engine, scope, user, plan.id or 0, other.id or 0, addon.id or 0, fake_vies)
    fake_vies.stop()
    # The shop's rows were committed to the shared test database: gone with their tenant, so tests
    # that count rows of a kind find none of this shop's.
    with unit_of_work(engine) as session:
        session.execute(delete(Tenant).where(Tenant.id == scope.tenant_id))  # type: ignore[arg-type]
    get_settings.cache_clear()
    dispose_engines()


def choice(shop: Shop, **fields: object) -> OrderChoice:
    values: dict[str, object] = {"options": {"server_type": "cx22", "location": "nbg1"}} | fields
    return OrderChoice(shop.plan_id, **values)  # type: ignore[arg-type]


# --- the steps ------------------------------------------------------------------------------------


def test_the_wizard_opens_with_the_plans_options_addons_profile_and_a_key(shop: Shop) -> None:
    start = ordering.start_order(REQUEST, shop.user, "vps")
    assert (start.plan_id, start.plan_name, start.plan_price) == (shop.plan_id, "VPS", "12.00 EUR / month")
    assert [(o.key, o.label, o.values) for o in start.options] == [
        ("location", "Location", ["fsn1", "nbg1"]),
        ("server_type", "Server type", ["cx22", "cx32"]),
    ]
    assert [(a.id, a.name, a.price) for a in start.addons] == [(shop.addon_id, "Backups", "2.00 EUR / month")]
    assert start.profile.complete and start.profile.name == "Erika Muster"
    assert (
        start.order_key.startswith("order-")
        and start.order_key != ordering.start_order(REQUEST, shop.user, "vps").order_key
    )


def test_an_unknown_plan_key_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFoundError):
        ordering.start_order(REQUEST, shop.user, "no-such-plan")


def test_a_plan_without_options_has_no_option_step(shop: Shop) -> None:
    assert ordering.start_order(REQUEST, shop.user, "other").options == []


def test_an_accepted_code_shows_its_effect(shop: Shop) -> None:
    check = ordering.check_promotion(REQUEST, shop.user, choice(shop, promotion_code=" ten "))
    assert check is not None and (check.code, check.effect) == ("TEN", "10 % off")
    assert ordering.check_promotion(REQUEST, shop.user, choice(shop)) is None


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("NOPE", PromotionCodeInvalid, "The promotion code NOPE is not valid."),
        ("OLD", PromotionExpired, "The promotion code OLD has expired."),
        ("OTHERONLY", PromotionNotForPlan, "The promotion code OTHERONLY does not apply to VPS."),
    ],
)
def test_a_refused_code_says_why(shop: Shop, code: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        ordering.check_promotion(REQUEST, shop.user, choice(shop, promotion_code=code))


def test_a_code_used_once_is_refused_the_second_time_and_new_customer_codes_after_a_first_order(
    shop: Shop,
) -> None:
    ordering.place_order(REQUEST, shop.user, choice(shop, promotion_code="TEN"), "key-1")
    with pytest.raises(PromotionAlreadyUsed, match="You have already used the promotion code TEN"):
        ordering.check_promotion(REQUEST, shop.user, choice(shop, promotion_code="TEN"))
    with pytest.raises(PromotionForNewCustomersOnly, match="for new customers only"):
        ordering.check_promotion(REQUEST, shop.user, choice(shop, promotion_code="NEWBIE"))


def test_the_profile_step_shows_one_message_per_wrong_field_and_saves_nothing(shop: Shop) -> None:
    form = {"customer_type": "business", "name": "", "country": "Germany!", "email": "nope", "city": "Berlin"}
    with pytest.raises(FieldErrors) as refused:
        ordering.save_profile(REQUEST, shop.user, form)
    assert set(refused.value.fields) == {
        "name",
        "company_name",
        "address_line1",
        "postal_code",
        "country",
        "email",
    }
    assert ordering.start_order(REQUEST, shop.user, "vps").profile.city == "München"


def test_the_profile_step_saves_and_shows_the_vat_id_status_from_vies(shop: Shop) -> None:
    shop.vies.register("DE136695976")
    form = {
        "customer_type": "business",
        "name": "Max Muster",
        "company_name": "Muster GmbH",
        "address_line1": "Weg 2",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        "email": "billing@muster.test",
        "vat_id": "DE 136 695 976",
    }
    saved = ordering.save_profile(REQUEST, shop.user, form)
    assert (saved.vat_id, saved.vat_status_key, saved.vat_status) == ("DE136695976", "valid", "Valid")
    assert saved.vat_source and saved.complete
    shop.vies.mode = "ms_unavailable"
    unreachable = ordering.save_profile(REQUEST, shop.user, form | {"vat_id": "DE811907980"})
    assert unreachable.vat_status_key == "unreachable"
    shop.vies.mode = "invalid"
    assert ordering.save_profile(REQUEST, shop.user, form | {"vat_id": "DE129273398"}).vat_status == "Invalid"


def test_an_incomplete_profile_cannot_order(shop: Shop) -> None:
    with unit_of_work(shop.engine) as session:
        newcomer = _user(session, shop.scope, f"new-{uuid.uuid4().hex[:6]}@shop.test", complete=False)
    start = ordering.start_order(REQUEST, newcomer, "vps")
    assert start.profile.missing == ["Street and number", "Postal code", "City"]
    with pytest.raises(BillingProfileMissing):
        ordering.place_order(REQUEST, newcomer, choice(shop), start.order_key)
    assert shop.count(Subscription) == 0


def test_an_option_the_plan_does_not_offer_is_refused_by_the_engine(shop: Shop) -> None:
    with pytest.raises(OptionValueNotAvailable, match="'cx99' is not available for server_type"):
        ordering.review_order(REQUEST, shop.user, choice(shop, options={"server_type": "cx99"}))


# --- the order, once ------------------------------------------------------------------------------


def test_confirming_twice_with_the_wizards_key_creates_one_subscription(shop: Shop) -> None:
    first = ordering.place_order(REQUEST, shop.user, choice(shop), "wizard-key")
    again = ordering.place_order(REQUEST, shop.user, choice(shop), "wizard-key")
    assert first == again == "SUB-000001"
    assert shop.count(Subscription) == 1
    with unit_of_work(shop.engine) as session:
        actions = session.scalars(
            select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == shop.scope.tenant_id)
        ).all()
    assert list(actions).count("subscription.order") == 1  # the engine audits the order, once
    assert ordering.place_order(REQUEST, shop.user, choice(shop), "another-key") == "SUB-000002"


def test_confirming_concurrently_creates_one_subscription(shop: Shop) -> None:
    def confirm(_: int) -> str:
        return ordering.place_order(REQUEST, shop.user, choice(shop), "double-click")

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(confirm, range(4)))
    assert set(numbers) == {"SUB-000001"}
    assert shop.count(Subscription) == 1


def test_a_refused_order_frees_the_key_for_the_corrected_choice(shop: Shop) -> None:
    with pytest.raises(PromotionCodeInvalid):
        ordering.place_order(REQUEST, shop.user, choice(shop, promotion_code="NOPE"), "k")
    assert ordering.place_order(REQUEST, shop.user, choice(shop), "k") == "SUB-000001"


# --- the review equals what is charged ------------------------------------------------------------


def test_the_review_is_what_the_billing_run_charges_to_the_cent(shop: Shop) -> None:
    order = choice(shop, addons={shop.addon_id: 2}, promotion_code="TEN")
    review = ordering.review_order(REQUEST, shop.user, order)
    # Stub Jan 16 - Feb 1 (16 of 31 days): plan 12.00 x 16/31 = 6.1935 -> 6.19, tax 1.1761 -> 1.18;
    # addon 2 x 2.00 x 16/31 = 2.0645 -> 2.06, tax 0.3914 -> 0.39. 10 % of 8.25 = 0.825 -> 0.83 off,
    # its tax -0.1577 -> -0.16. First invoice 7.42 net, 1.41 tax, 8.83 gross.
    assert [(line.net, line.tax) for line in review.lines] == [
        ("6.19 EUR", "1.18 EUR"),
        ("2.06 EUR", "0.39 EUR"),
    ]
    assert [(line.net, line.tax) for line in review.discounts] == [("-0.83 EUR", "-0.16 EUR")]
    assert (review.first_net, review.first_tax, review.first_gross) == ("7.42 EUR", "1.41 EUR", "8.83 EUR")
    # A full month: 12.00 + 4.00 = 16.00 net, 19.04 gross; the promotion does not carry on.
    assert (review.recurring_net, review.recurring_gross, review.regular_from) == (
        "16.00 EUR",
        "19.04 EUR",
        "",
    )
    assert (review.tax_mode, review.tax_rate, review.interval) == ("VAT", "19 %", "month")
    assert review.withdrawal  # a private customer in Germany
    assert not review.promotion_continues
    assert review.first_charge_at == "2027-01-16 10:00" and review.time_zone == "Europe/Berlin"

    number = ordering.place_order(REQUEST, shop.user, order, "review-key")
    with unit_of_work(shop.engine) as session:
        customer = shop.user.customer_account_id
        [invoice] = invoicing.bill_now(
            session, shop.scope, NOW, customer_account_id=customer, actor=Actor.admin(shop.scope.tenant_id)
        )
        amounts = [f"{amount:.2f} EUR" for amount in (invoice.net, invoice.tax, invoice.gross)]
    assert number == "SUB-000001"
    assert amounts == [review.first_net, review.first_tax, review.first_gross]


def test_a_free_months_promotion_is_reviewed_as_the_invoices_charge_it(shop: Shop) -> None:
    order = choice(shop, promotion_code="FREE3")
    review = ordering.review_order(REQUEST, shop.user, order)
    # The stub and February, March are free (3 periods); April 1 is the first charged at 12.00 + 2.28.
    assert (review.first_gross, review.recurring_gross) == ("0.00 EUR", "0.00 EUR")
    assert (review.regular_from, review.regular_gross) == ("2027-04-01", "14.28 EUR")
    assert review.promotion_continues and review.recurring_free

    ordering.place_order(REQUEST, shop.user, order, "free-key")
    admin = Actor.admin(shop.scope.tenant_id)
    for day in (
        datetime(2027, 2, 1, 9, tzinfo=UTC),
        datetime(2027, 3, 1, 9, tzinfo=UTC),
        datetime(2027, 4, 1, 8, tzinfo=UTC),
    ):
        with clock.frozen(day), unit_of_work(shop.engine) as session:
            simulation.tick(session, shop.scope, day)
            invoicing.bill_now(
                session, shop.scope, day, customer_account_id=shop.user.customer_account_id, actor=admin
            )
    with unit_of_work(shop.engine) as session:
        statement = (
            select(Invoice.gross).where(Invoice.tenant_id == shop.scope.tenant_id).order_by(Invoice.id)
        )
        grosses = [f"{gross:.2f} EUR" for gross in session.scalars(statement)]
    # Feb 1: stub + February (free); Mar 1: March (free); Apr 1: April at the regular price.
    assert grosses == [review.first_gross, review.recurring_gross, review.regular_gross]


# --- /plans: the price each reader pays ------------------------------------------------------------


def _vps(offers: catalog.PlanCatalog) -> catalog.PlanOffer:
    return next(plan for group in offers.groups for plan in group.plans if plan.key == "vps")


def test_plans_show_a_consumer_gross_prices_and_visitors_and_businesses_net(shop: Shop) -> None:
    # A consumer in Germany: 12.00 + 19 % = 14.28 a month.
    consumer = catalog.plan_catalog(REQUEST, shop.user)
    assert (_vps(consumer).price, _vps(consumer).price_note) == ("14.28 EUR", "incl. 19 % VAT")
    assert consumer.tax_note == "Prices include the VAT of DE."
    visitor = catalog.plan_catalog(REQUEST)
    assert (_vps(visitor).price, _vps(visitor).price_note) == ("12.00 EUR", "plus VAT")
    assert visitor.tax_note == "Prices are net, plus VAT where it applies."
    form = {
        "customer_type": "business",
        "name": "Max",
        "company_name": "Muster GmbH",
        "address_line1": "Weg 2",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        "email": "billing@muster.test",
    }
    ordering.save_profile(REQUEST, shop.user, form)
    business = catalog.plan_catalog(REQUEST, shop.user)
    assert (_vps(business).price, _vps(business).price_note) == ("12.00 EUR", "plus VAT")


# --- signing in on the way -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "allowed"),
    [
        ("/order/cloud-cx22", True),
        ("/order/web_pro-2", True),
        ("//evil.example/order/x", False),
        ("https://evil.example/order/x", False),
        ("/order/x/../../admin", False),
        ("/admin", False),
        ("/order/", False),
        ("/order/x?y=1", False),
    ],
)
def test_a_sign_in_returns_only_to_a_wizard_page_of_this_console(candidate: str, allowed: bool) -> None:
    assert return_path(candidate) == (candidate if allowed else "")
    assert sign_in_then(candidate) == (f"/login?next={candidate}" if allowed else "/login")
