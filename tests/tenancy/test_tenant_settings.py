"""The tenant's settings page and API (backend/tenancy/settings_service.py): each field's rule, bad
input changing nothing, one audit entry per save with before and after, who may read and change,
and that the domains reading a setting use the saved value (due date, minimum, reminders, retries,
invoice logo and colour)."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backend.audit.service import Actor
from backend.documents.content import presentation
from backend.dunning.settings import tenant_policy
from backend.kit.errors import FieldErrors, PermissionDenied
from backend.models import AuditLogEntry, Tenant
from backend.payments.retry_schedule import tenant_schedule
from backend.tenancy.settings_rules import MAX_LOGO_BYTES, logo_data_uri
from backend.tenancy.settings_service import tenant_settings, update_tenant_settings
from tests.billing.world import World, utc
from tests.conftest import IdentityWorld

# The smallest PNG and JPEG headers are enough: the rule checks the signature and the size.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0" + bytes(30)


def update(world: World, changes: dict[str, Any], actor: Actor | None = None) -> Any:
    return update_tenant_settings(world.session, world.scope, actor or world.admin, changes)


def tenant_row(world: World) -> Tenant:
    tenant = world.session.get(Tenant, world.scope.tenant_id)
    assert tenant is not None
    world.session.refresh(tenant)
    return tenant


def audit_entries(world: World) -> list[AuditLogEntry]:
    return list(
        world.session.scalars(
            select(AuditLogEntry)
            .where(
                AuditLogEntry.tenant_id == world.scope.tenant_id,
                AuditLogEntry.action == "tenant.settings_changed",
            )
            .order_by(AuditLogEntry.id)
        )
    )


def test_a_new_tenant_shows_its_issuer_and_the_defaults(world: World) -> None:
    view = tenant_settings(world.session, world.scope, world.admin)
    # create_tenant copies the deployment's ISSUER_* defaults (backend/settings.py)
    assert (view.legal_name, view.country, view.vat_id) == ("Demo Hosting GmbH", "DE", "DE123456789")
    assert (view.payment_terms_days, view.minimum_invoice_amount, view.currency) == (14, "0.00", "EUR")
    assert (view.reminder_offsets_days, view.suspend_service) == ([], True)
    assert view.retry_schedule_hours == [0, 24, 72, 168]
    assert (view.oss_threshold, view.oss_prior_year_rule) == ("10000.00", True)
    assert (view.logo, view.brand_color, view.mail_from_name, view.mail_from_address) == ("", "", "", "")


def test_a_save_stores_each_value_where_its_domain_reads_it_and_is_audited_once(world: World) -> None:
    world.tenant.settings = {"language": "de", "tax": {"oss_threshold": "10000.00"}}
    world.session.flush()
    view = update(
        world,
        {
            "legal_name": "Acme Hosting GmbH",
            "iban": "DE89 3704 0044 0532 0130 00",
            "brand_color": "#AA3300",
            "payment_terms_days": 30,
            "minimum_invoice_amount": "5",
            "reminder_offsets_days": [5, 12],
            "suspend_service": False,
            "retry_schedule_hours": [0, 48],
            "oss_threshold": "0",
            "mail_from_name": "Acme Billing",
            "mail_from_address": "Billing@Acme.example",
        },
    )
    assert view.iban == "DE89370400440532013000"  # stored compact, as the profile rule gives it
    assert (view.brand_color, view.minimum_invoice_amount, view.oss_threshold) == ("#aa3300", "5.00", "0.00")
    tenant = tenant_row(world)
    assert (tenant.issuer_legal_name, tenant.payment_terms_days) == ("Acme Hosting GmbH", 30)
    assert tenant.settings == {
        "language": "de",  # untouched
        "brand_color": "#aa3300",
        "billing": {"minimum_invoice_amount": "5.00"},
        "dunning": {"reminder_offsets_days": [5, 12], "suspend_service": False},
        "payments": {"retry_schedule_hours": [0, 48]},
        "tax": {"oss_threshold": "0.00"},
        "mail": {"from_name": "Acme Billing", "from_address": "billing@acme.example"},
    }
    [entry] = audit_entries(world)
    assert entry.before is not None and entry.after is not None
    assert entry.before["payment_terms_days"] == 14 and entry.after["payment_terms_days"] == 30
    assert entry.before["reminder_offsets_days"] == [] and entry.after["reminder_offsets_days"] == [5, 12]
    assert "vat_id" not in entry.after  # only what changed
    update(world, {"payment_terms_days": 30})  # the same value again: nothing to audit
    assert len(audit_entries(world)) == 1


BAD_VALUES = [
    ("iban", "DE89370400440532013001", "'DE89370400440532013001' is not a valid IBAN: wrong checksum"),
    ("bic", "XX", "'XX' is not a valid BIC: wrong length"),
    ("country", "US", "'US' is not an EU member state"),
    ("vat_id", "FR40303265045", "FR40303265045 is a VAT ID of FR, not of the issuer country DE"),
    ("email", "not-an-address", "'not-an-address' is not a valid email address."),
    ("legal_name", "", "must have 1 to 200 characters"),
    ("brand_color", "#12345", "Write the colour as # and six hex digits, such as #1f4e79; got '#12345'."),
    ("brand_color", "red", "Write the colour as # and six hex digits, such as #1f4e79; got 'red'."),
    ("payment_terms_days", -1, "Payment terms are 0 to 365 whole days; got -1."),
    ("payment_terms_days", "14", "Payment terms are 0 to 365 whole days; got '14'."),
    ("minimum_invoice_amount", "5.001", "The minimum is in whole cents (two decimal places); got '5.001'."),
    ("minimum_invoice_amount", "-1", "The minimum is 0 to 100,000.00; got '-1'."),
    ("minimum_invoice_amount", "five", "Write the minimum as an amount such as 5.00; got 'five'."),
    ("reminder_offsets_days", [10, 3], "Each reminder comes after the one before it: 3 is not after 10."),
    (
        "retry_schedule_hours",
        [24, 48],
        "The first attempt is at hour 0 (when the invoice is issued); got 24.",
    ),
    ("oss_threshold", "20000", "may not be above the EU threshold of EUR 10000.00"),
    ("mail_from_address", "billing@", "'billing@' is not an email address."),
    ("mail_from_name", "Acme\r\nBcc: x@y.example", "The sender name has at most 100 characters on one line."),
    ("logo", "data:image/gif;base64,R0lGOD==", "Send the logo as data:image/png;base64,"),
    ("suspend_service", "yes", "Choose yes or no."),
    ("colour", "#ffffff", "There is no such setting."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_a_bad_value_is_refused_with_its_fields_message_and_changes_nothing(
    world: World, field: str, value: Any, message: str
) -> None:
    before = tenant_settings(world.session, world.scope, world.admin)
    settings_before = dict(tenant_row(world).settings)
    with pytest.raises(FieldErrors) as refused:
        # a good change in the same save is not stored either
        update(
            world,
            {"payment_terms_days": 7, field: value} if field != "payment_terms_days" else {field: value},
        )
    assert set(refused.value.fields) == {field}
    assert message in refused.value.fields[field]
    assert tenant_settings(world.session, world.scope, world.admin) == before
    assert tenant_row(world).settings == settings_before and audit_entries(world) == []


def test_every_bad_field_is_named_at_once(world: World) -> None:
    with pytest.raises(FieldErrors) as refused:
        update(
            world, {"iban": "DE00", "brand_color": "blue", "reminder_offsets_days": [0], "legal_name": "Ok"}
        )
    assert set(refused.value.fields) == {"iban", "brand_color", "reminder_offsets_days"}
    assert tenant_row(world).issuer_legal_name == "Demo Hosting GmbH"


def test_a_new_country_checks_the_stored_vat_id_again(world: World) -> None:
    with pytest.raises(FieldErrors) as refused:
        update(world, {"country": "AT"})
    assert set(refused.value.fields) == {"vat_id"}  # the stored German VAT ID cannot stay
    view = update(world, {"country": "AT", "vat_id": "ATU13585627"})
    assert (view.country, view.vat_id) == ("AT", "ATU13585627")


def test_an_uploaded_png_or_jpeg_becomes_the_invoice_logo_and_the_colour_its_accent(world: World) -> None:
    logo = logo_data_uri(PNG)
    assert logo == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert logo_data_uri(JPEG).startswith("data:image/jpeg;base64,")
    update(world, {"logo": logo, "brand_color": "#aa3300"})
    [entry] = audit_entries(world)
    assert entry.after is not None and entry.after["logo"].startswith(f"image/png, {len(PNG)} bytes, sha256 ")
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    shown = presentation(invoice, tenant_row(world))
    assert (shown["logo"], shown["color"]) == (logo, "#aa3300")
    update(world, {"logo": ""})
    assert presentation(invoice, tenant_row(world))["logo"] == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + bytes(20), "The logo must be a PNG or JPEG image."),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "The logo must be a PNG or JPEG image."),
        (PNG + bytes(MAX_LOGO_BYTES), "The logo may have at most 64 KB; this one has 64 KB."),
        (b"", "The file is empty; choose a PNG or JPEG image."),
    ],
)
def test_a_logo_of_another_type_or_too_large_is_refused(world: World, data: bytes, message: str) -> None:
    with pytest.raises(FieldErrors) as refused:
        logo_data_uri(data)
    assert refused.value.fields == {"logo": message}


def test_a_logo_sent_as_png_must_be_one(world: World) -> None:
    lying = "data:image/png;base64," + base64.b64encode(JPEG).decode()
    with pytest.raises(FieldErrors) as refused:
        update(world, {"logo": lying})
    assert refused.value.fields == {"logo": "The data is not a image/png image."}


def test_changed_payment_terms_give_the_next_issued_invoice_its_due_date(world: World) -> None:
    update(world, {"payment_terms_days": 30})
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    assert invoice.issued_at is not None
    assert invoice.due_at == invoice.issued_at + timedelta(days=30)  # not the default 14


def test_a_raised_minimum_keeps_a_smaller_invoice_waiting(world: World) -> None:
    update(world, {"minimum_invoice_amount": "20.00"})
    world.at(utc(2027, 1, 10, 9))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 2))
    assert world.invoices() == []  # gross 10.00 + 19 % VAT = 11.90 < 20.00: waits
    world.run_until(utc(2027, 3, 2))
    [invoice] = world.invoices()  # two months: net 20.00, gross 23.80 >= 20.00
    assert (invoice.net, invoice.gross) == (Decimal("20.00"), Decimal("23.80"))


def test_reminder_steps_and_the_retry_schedule_are_those_dunning_and_payments_use(world: World) -> None:
    update(world, {"reminder_offsets_days": [2, 9], "suspend_service": False, "retry_schedule_hours": [0, 6]})
    policy = tenant_policy(world.session, world.scope)
    assert (policy.offsets, policy.suspend_service) == ((2, 9), False)
    schedule = tenant_schedule(world.session, world.scope)
    assert schedule.hours == (0, 6)
    first = utc(2027, 1, 1, 9)
    assert schedule.next_attempt_at(first, 1) == first + timedelta(hours=6)


def test_customers_may_neither_read_nor_change_the_settings(world: World) -> None:
    customer = world.customer()
    actor = Actor.customer(world.scope.tenant_id, customer.id or 0)
    with pytest.raises(PermissionDenied):
        tenant_settings(world.session, world.scope, actor)
    with pytest.raises(PermissionDenied):
        update(world, {"payment_terms_days": 1}, actor=actor)
    assert tenant_row(world).payment_terms_days == 14


def test_the_api_reads_and_changes_the_settings_with_field_errors(identity_world: IdentityWorld) -> None:
    api = identity_world.client(identity_world.host_a)
    admin = {"Authorization": f"Bearer {identity_world.a_admin.token}"}
    before = api.get("/api/v1/admin/settings", headers=admin)
    assert before.status_code == 200, before.text
    answer = api.put(
        "/api/v1/admin/settings",
        json={"payment_terms_days": 21, "mail_from_name": "Acme Billing", "brand_color": "#00aa00"},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["payment_terms_days"], body["mail_from_name"], body["brand_color"]) == (
        21,
        "Acme Billing",
        "#00aa00",
    )
    assert body["legal_name"] == before.json()["legal_name"]  # left out: kept

    refused = api.put(
        "/api/v1/admin/settings",
        json={"iban": "DE00 0000", "brand_color": "green", "payment_terms_days": 3},
        headers=admin,
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    errors = {error["field"]: error for error in refused.json()["errors"]}
    assert set(errors) == {"iban", "brand_color"}
    assert errors["brand_color"] == {
        "location": "body",
        "field": "brand_color",
        "message": "Write the colour as # and six hex digits, such as #1f4e79; got 'green'.",
        "pointer": "#/brand_color",
    }
    assert api.get("/api/v1/admin/settings", headers=admin).json()["payment_terms_days"] == 21
    # the other tenant's admin sees their own settings
    other = identity_world.client(identity_world.host_b)
    b_admin = {"Authorization": f"Bearer {identity_world.b_admin.token}"}
    assert other.get("/api/v1/admin/settings", headers=b_admin).json()["payment_terms_days"] == 14
    customer = {"Authorization": f"Bearer {identity_world.a_customer.token}"}
    assert api.get("/api/v1/admin/settings", headers=customer).status_code == 403
    assert api.put("/api/v1/admin/settings", json={}, headers=customer).status_code == 403


def test_minimum_amount_is_kept_as_an_exact_decimal(world: World) -> None:
    view = update(world, {"minimum_invoice_amount": "12.5"})
    assert Decimal(view.minimum_invoice_amount) == Decimal("12.50") and view.minimum_invoice_amount == "12.50"


def test_a_stored_value_sent_back_unchanged_is_not_checked_again(world: World) -> None:
    # The deployment's example VAT ID DE123456789 has a wrong checksum; the page sends it back as is.
    view = update(
        world, {"vat_id": "DE123456789", "legal_name": "Demo Hosting GmbH", "payment_terms_days": 10}
    )
    assert (view.vat_id, view.payment_terms_days) == ("DE123456789", 10)
    with pytest.raises(FieldErrors) as refused:
        update(world, {"vat_id": "DE123456780"})  # typed anew: checked
    assert set(refused.value.fields) == {"vat_id"}
