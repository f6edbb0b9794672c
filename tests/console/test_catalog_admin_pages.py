"""What the admin catalog pages read and do, through their gateway, on the demo as of `DEMO_AS_OF`.

The demo sells six plans: Cloud Server CX22 and Cloud Server (hourly) of the Cloud Server type,
Web Hosting Monthly, Pro and Yearly of Managed Web Hosting, and the Support Retainer (billing only);
CX22 (three subscriptions, among them SUB-000001 and SUB-000007), Web Hosting Pro (SUB-000002) and
the Support Retainer (SUB-000003) and the other hosting plans have subscriptions; Cloud Server
(hourly) has none. Daily Backups is the one addon, WELCOME10 the one promotion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend.catalog import promotion_codes, redemptions
from backend.catalog.errors import PlanInUse
from backend.catalog.schemas import CatalogQuery
from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from backend.gateway import catalog_admin as gateway
from backend.gateway.catalog_admin import ADDONS, PLANS, PROMOTIONS, SERVICE_TYPES
from backend.identity import auth
from backend.identity.repository import UserRepository
from backend.kit.errors import FieldErrors, NotFoundError, PermissionDenied
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.models import CustomerAccount, Plan, Subscription
from backend.tenancy.service import scope_for_slug
from tests.conftest import DEMO_AS_OF


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


def _user(session: Session, scope: TenantScope, email: str) -> SignedInUser:
    row = UserRepository(session, scope).by_email(email)
    assert row is not None
    return auth.signed_in_user(session, scope, row)


@pytest.fixture
def admin(demo_session: Session, scope: TenantScope) -> SignedInUser:
    return _user(demo_session, scope, ADMIN_LOGIN[0])


def _names(session: Session, admin: SignedInUser, kind: str, **query: Any) -> list[str]:
    listing = gateway.catalog_listing_in(session, admin, kind, CatalogQuery(**query), 1)
    return [row.name for row in listing.rows]


def _row(session: Session, admin: SignedInUser, kind: str, name: str) -> gateway.CatalogRow:
    listing = gateway.catalog_listing_in(session, admin, kind, CatalogQuery(search=name), 1)
    return next(row for row in listing.rows if row.name == name)


def _plan_count(session: Session, scope: TenantScope) -> int:
    statement = select(func.count()).select_from(Plan).where(Plan.tenant_id == scope.tenant_id)
    return int(session.scalar(statement) or 0)


def test_lists_search_by_name_or_key_and_filter_by_status_and_service_type(
    demo_session: Session, admin: SignedInUser
) -> None:
    assert sorted(_names(demo_session, admin, PLANS, search="HOSTING")) == [
        "Web Hosting Monthly",
        "Web Hosting Pro",
        "Web Hosting Yearly",
    ]
    assert _names(demo_session, admin, PLANS, search="cloud-cx22") == ["Cloud Server CX22"]  # by key
    cloud = _row(demo_session, admin, SERVICE_TYPES, "Cloud Server")
    by_type = _names(demo_session, admin, PLANS, service_type_id=cloud.id)
    assert sorted(by_type) == ["Cloud Server (hourly)", "Cloud Server CX22"]
    assert _names(demo_session, admin, PLANS, status="inactive") == []
    assert _names(demo_session, admin, ADDONS, search="backup") == ["Daily Backups"]
    assert _names(demo_session, admin, PROMOTIONS, state="active") == ["WELCOME10"]
    assert _names(demo_session, admin, PROMOTIONS, state="expired") == []

    gateway.set_active_in(
        demo_session, admin, PLANS, _row(demo_session, admin, PLANS, "Web Hosting Yearly").id, False
    )
    assert _names(demo_session, admin, PLANS, status="inactive") == ["Web Hosting Yearly"]
    assert "Web Hosting Yearly" not in _names(demo_session, admin, PLANS, status="active")
    row = _row(demo_session, admin, PLANS, "Web Hosting Yearly")
    assert (row.status, row.status_label, row.active) == ("inactive", "Inactive", False)


def test_lists_are_paged_on_the_server(demo_session: Session, admin: SignedInUser) -> None:
    for number in range(20):  # with Daily Backups: 21 addons, 20 a page
        gateway.save_in(
            demo_session, admin, ADDONS, 0, {"key": f"extra-{number:02}", "name": f"Extra {number:02}"}
        )
    first = gateway.catalog_listing_in(demo_session, admin, ADDONS, CatalogQuery(), 1)
    assert (len(first.rows), first.page, first.page_count, first.total) == (20, 1, 2, 21)
    last = gateway.catalog_listing_in(demo_session, admin, ADDONS, CatalogQuery(), 99)  # clamped
    assert (last.page, [row.name for row in last.rows]) == (2, ["Extra 19"])  # by name: Daily Backups first
    searched = gateway.catalog_listing_in(demo_session, admin, ADDONS, CatalogQuery(search="extra 1"), 1)
    assert (searched.total, searched.page_count) == (10, 1)


def test_a_new_plan_with_wrong_fields_gets_a_message_for_each_and_nothing_is_created(
    demo_session: Session, scope: TenantScope, admin: SignedInUser
) -> None:
    before = _plan_count(demo_session, scope)
    form = {
        "name": " ",
        "key": "Cloud CX!",
        "base_price": "-1",
        "trial_days": "two",
        "interval_unit": "month",
    }
    with pytest.raises(FieldErrors) as refused:
        gateway.save_in(demo_session, admin, PLANS, 0, form)
    assert set(refused.value.fields) == {"trial_days"}  # a wrong type is refused before the rules
    assert refused.value.fields["trial_days"].startswith("Trial days: ")
    form["trial_days"] = "14"
    with pytest.raises(FieldErrors) as refused:
        gateway.save_in(demo_session, admin, PLANS, 0, form)
    assert refused.value.fields == {
        "key": "Key must be 1-64 lowercase letters, digits, dashes or underscores, starting and ending "
        "with a letter or digit, e.g. 'cloud-cx22' (got 'Cloud CX!').",
        "name": "Name must not be empty.",
        "base_price": "Base price must not be negative (got -1).",
    }
    with pytest.raises(FieldErrors) as refused:
        gateway.save_in(
            demo_session, admin, PLANS, 0, {"name": "Dup", "key": "cloud-cx22", "allowed_options": "fsn1"}
        )
    assert set(refused.value.fields) == {"allowed_options"}
    assert _plan_count(demo_session, scope) == before


def test_a_plan_is_created_with_its_addons_options_and_terms_then_edited(
    demo_session: Session, admin: SignedInUser
) -> None:
    backups = _row(demo_session, admin, ADDONS, "Daily Backups")
    cloud = _row(demo_session, admin, SERVICE_TYPES, "Cloud Server")
    new = gateway.catalog_form_in(demo_session, admin, PLANS, 0)
    assert new.values["interval_unit"] == "month" and new.values["cancel_at_period_end"] == "true"
    assert any(choice.value == f"addon_{backups.id}" and not choice.checked for choice in new.addons)
    form = new.values | {
        "name": "Cloud Server CX32",
        "key": "cloud-cx32",
        "service_type_id": str(cloud.id),
        "base_price": "8.00",
        "margin_percent": "25",
        "trial_days": "7",
        "highlights": "4 vCPU\n\n8 GB RAM\n",
        f"addon_{backups.id}": "on",
    }
    assert gateway.save_in(demo_session, admin, PLANS, 0, form) == "Cloud Server CX32"
    row = _row(demo_session, admin, PLANS, "Cloud Server CX32")
    # 8.00 base + 25 % margin = 10.00 a month
    assert (row.summary, row.detail, row.usage) == (
        "10.00 EUR / month",
        "Cloud Server · 7-day trial",
        "Not ordered yet",
    )
    assert row.deletable

    edit = gateway.catalog_form_in(demo_session, admin, PLANS, row.id)
    assert (edit.values["base_price"], edit.values["highlights"]) == ("8.00", "4 vCPU\n8 GB RAM")
    assert [choice.checked for choice in edit.addons if choice.value == f"addon_{backups.id}"] == [True]
    changed = edit.values | {"base_price": "9.60"}  # no addon box checked: the addon is no longer allowed
    gateway.save_in(demo_session, admin, PLANS, row.id, changed)
    # 9.60 + 25 % = 12.00
    assert _row(demo_session, admin, PLANS, "Cloud Server CX32").summary == "12.00 EUR / month"
    assert not any(
        choice.checked for choice in gateway.catalog_form_in(demo_session, admin, PLANS, row.id).addons
    )


def test_a_plan_in_use_is_deactivated_never_deleted_and_says_why(
    demo_session: Session, admin: SignedInUser
) -> None:
    cx22 = _row(demo_session, admin, PLANS, "Cloud Server CX22")
    assert (cx22.usage, cx22.deletable) == ("3 subscriptions", False)
    assert cx22.delete_refusal == "In use, so it cannot be deleted: deactivate it to stop new orders."
    with pytest.raises(PlanInUse, match="has subscriptions; deactivate it instead"):
        gateway.delete_plan_in(demo_session, admin, cx22.id)
    assert gateway.set_active_in(demo_session, admin, PLANS, cx22.id, False) == "Cloud Server CX22"
    assert _row(demo_session, admin, PLANS, "Cloud Server CX22").active is False
    gateway.set_active_in(demo_session, admin, PLANS, cx22.id, True)
    assert _row(demo_session, admin, PLANS, "Cloud Server CX22").active is True

    spare = _row(demo_session, admin, PLANS, "Cloud Server (hourly)")
    assert (spare.usage, spare.deletable, spare.delete_refusal) == ("Not ordered yet", True, "")
    gateway.delete_plan_in(demo_session, admin, spare.id)
    assert "Cloud Server (hourly)" not in _names(demo_session, admin, PLANS)


def test_service_types_addons_and_promotions_are_edited_through_their_forms(
    demo_session: Session, admin: SignedInUser
) -> None:
    with pytest.raises(FieldErrors) as refused:
        gateway.save_in(
            demo_session, admin, SERVICE_TYPES, 0, {"key": "", "name": "", "config_schema": "{oops"}
        )
    assert set(refused.value.fields) == {"config_schema"}
    gateway.save_in(
        demo_session, admin, SERVICE_TYPES, 0, {"key": "dedicated", "name": "Dedicated", "provider": "none"}
    )
    assert "Dedicated" in _names(demo_session, admin, SERVICE_TYPES)

    backups = _row(demo_session, admin, ADDONS, "Daily Backups")
    form = gateway.catalog_form_in(demo_session, admin, ADDONS, backups.id).values
    assert (form["price"], form["currency"]) == ("2.00", "EUR")
    gateway.save_in(demo_session, admin, ADDONS, backups.id, form | {"price": "2.50"})
    assert _row(demo_session, admin, ADDONS, "Daily Backups").summary == "2.50 EUR / month"

    promotion = gateway.catalog_form_in(demo_session, admin, PROMOTIONS, 0)
    with pytest.raises(FieldErrors) as refused:
        gateway.save_in(
            demo_session,
            admin,
            PROMOTIONS,
            0,
            promotion.values
            | {
                "code": "SPRING",
                "benefit": "percent_off",
                "percent_off": "0",
                "valid_from": "2027-02-01",
                "valid_until": "2027-01-01",
            },
        )
    assert set(refused.value.fields) == {"percent_off", "valid_until"}
    cx22 = next(choice for choice in promotion.plans if choice.label.startswith("Cloud Server CX22"))
    created = promotion.values | {
        "code": "spring",
        "benefit": "free_days",
        "free_days": "14",
        cx22.value: "on",
    }
    assert gateway.save_in(demo_session, admin, PROMOTIONS, 0, created) == "SPRING"
    row = _row(demo_session, admin, PROMOTIONS, "SPRING")
    assert (row.summary, row.status) == ("14 free days", "active")
    edit = gateway.catalog_form_in(demo_session, admin, PROMOTIONS, row.id)
    assert [choice.label.split(" (")[0] for choice in edit.plans if choice.checked] == ["Cloud Server CX22"]


def test_editing_a_promotion_keeps_the_time_of_its_unchanged_days(
    demo_session: Session, admin: SignedInUser
) -> None:
    welcome = _row(demo_session, admin, PROMOTIONS, "WELCOME10")
    # valid from 30 days before DEMO_AS_OF (13 Oct 2026 10:00 UTC), which the form shows as its day
    form = gateway.catalog_form_in(demo_session, admin, PROMOTIONS, welcome.id).values
    before = _row(demo_session, admin, PROMOTIONS, "WELCOME10").detail
    gateway.save_in(demo_session, admin, PROMOTIONS, welcome.id, form | {"description": "Welcome!"})
    after = gateway.catalog_form_in(demo_session, admin, PROMOTIONS, welcome.id).values
    assert (after["description"], after["valid_from"], after["valid_until"]) == (
        "Welcome!",
        form["valid_from"],
        form["valid_until"],
    )
    assert _row(demo_session, admin, PROMOTIONS, "WELCOME10").detail == before
    stored = promotion_codes.get_promotion(demo_session, scope_for_slug(demo_session, "demo"), welcome.id)
    assert stored.valid_from is not None and (stored.valid_from.hour, stored.valid_from.minute) == (10, 0)


def test_a_promotion_shows_its_redemptions(
    demo_session: Session, scope: TenantScope, admin: SignedInUser
) -> None:
    welcome = _row(demo_session, admin, PROMOTIONS, "WELCOME10")
    assert gateway.promotion_redemptions_in(demo_session, admin, welcome.id) == []
    statement = select(Subscription).where(
        Subscription.tenant_id == scope.tenant_id, Subscription.number == "SUB-000003"
    )
    subscription = demo_session.scalars(statement).one()
    promotion = promotion_codes.get_promotion(demo_session, scope, welcome.id)
    redemptions.redeem(
        demo_session, scope, promotion, subscription, DEMO_AS_OF
    )  # as an order with the code does
    [row] = gateway.promotion_redemptions_in(demo_session, admin, welcome.id)
    assert (row.subscription, row.invoice, row.redeemed, row.amount, row.status) == (
        "SUB-000003",
        "Not invoiced yet",
        "2026-11-12 10:00 UTC",
        "0.00 EUR",  # no invoice took the discount yet
        "In use",
    )
    customer = demo_session.get(CustomerAccount, subscription.customer_account_id)
    assert customer is not None and row.customer == f"{customer.name} ({customer.number})"


def _every_call(admin_id: int) -> list[tuple[str, Callable[[Session, SignedInUser], Any]]]:
    return [
        ("list", lambda s, u: gateway.catalog_listing_in(s, u, PLANS, CatalogQuery(), 1)),
        ("overview", lambda s, u: gateway.catalog_sections_in(s, u)),
        ("form", lambda s, u: gateway.catalog_form_in(s, u, PLANS, admin_id)),
        ("save", lambda s, u: gateway.save_in(s, u, ADDONS, 0, {"key": "x", "name": "X"})),
        ("deactivate", lambda s, u: gateway.set_active_in(s, u, PLANS, admin_id, False)),
        ("delete", lambda s, u: gateway.delete_plan_in(s, u, admin_id)),
        ("redemptions", lambda s, u: gateway.promotion_redemptions_in(s, u, admin_id)),
    ]


def test_a_customer_is_refused_every_admin_catalog_call(
    demo_session: Session, scope: TenantScope, admin: SignedInUser
) -> None:
    customer = _user(demo_session, scope, CUSTOMER_LOGIN[0])
    plan_id = _row(demo_session, admin, PLANS, "Web Hosting Yearly").id
    for name, call in _every_call(plan_id):
        with pytest.raises(PermissionDenied):
            call(demo_session, customer)
            pytest.fail(name)


def test_another_tenants_admin_finds_none_of_the_demos_objects(
    demo_session: Session, admin: SignedInUser
) -> None:
    other = scope_for_slug(demo_session, "other")
    stranger = SignedInUser(
        user_id=admin.user_id,
        tenant_id=other.tenant_id,
        email="admin@other.example",
        display_name="Other",
        role="admin",
        token_version=0,
        customer_account_id=None,
    )
    assert _names(demo_session, stranger, PLANS) == []
    plan_id = _row(demo_session, admin, PLANS, "Web Hosting Yearly").id
    promotion_id = _row(demo_session, admin, PROMOTIONS, "WELCOME10").id
    for call in (
        lambda: gateway.catalog_form_in(demo_session, stranger, PLANS, plan_id),
        lambda: gateway.save_in(demo_session, stranger, PLANS, plan_id, {"name": "Mine"}),
        lambda: gateway.set_active_in(demo_session, stranger, PLANS, plan_id, False),
        lambda: gateway.delete_plan_in(demo_session, stranger, plan_id),
        lambda: gateway.promotion_redemptions_in(demo_session, stranger, promotion_id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert _row(demo_session, admin, PLANS, "Web Hosting Yearly").name == "Web Hosting Yearly"
