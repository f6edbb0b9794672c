"""The billing profile a customer keeps: every wrong field named at once, nothing half-written, a
changed VAT ID checked again (syntax, then VIES), an unchanged one keeping its status, audited."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from backend.audit.service import Actor
from backend.customers import profiles
from backend.customers.profiles import BillingProfileInput
from backend.customers.service import open_customer_account
from backend.integrations.vies import ViesResult, ViesStatus
from backend.kit.errors import FieldErrors, NotFoundError, PermissionDenied
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, CustomerAccount, CustomerProfile, CustomerType, VatIdStatus
from backend.settings import get_settings
from backend.tenancy.service import create_tenant

GOOD = BillingProfileInput(
    name="Ada Lovelace",
    address_line1="Hauptstr. 1",
    postal_code="10115",
    city="Berlin",
    country="de",
    email="Ada@Example.com",
)
# A syntactically right Austrian VAT ID (check digit per the BMF algorithm).
AUSTRIAN_VAT_ID = "ATU13585627"


class Register:
    """VIES as a test double: answers with `status` and counts the questions."""

    def __init__(self, status: ViesStatus = ViesStatus.VALID) -> None:
        self.status = status
        self.asked: list[str] = []

    def check(self, vat_id: str) -> ViesResult:
        self.asked.append(vat_id)
        return ViesResult(self.status, vat_id)


@pytest.fixture
def account(session: Session) -> tuple[TenantScope, int]:
    tenant = create_tenant(session, slug=f"bp-{uuid.uuid4().hex[:8]}", name="BP", settings=get_settings())
    scope = TenantScope(tenant.id or 0)
    opened = open_customer_account(session, scope, name="Sign Up", email="ada@example.com", country="DE")
    session.flush()
    return scope, opened.id or 0


def owner(scope: TenantScope, account_id: int) -> Actor:
    return Actor.customer(scope.tenant_id, account_id, user_id=None)


def test_a_sign_up_profile_misses_the_address_an_order_needs(session: Session, account) -> None:
    scope, account_id = account
    view = profiles.read_billing_profile(session, scope, owner(scope, account_id), account_id)
    assert view.missing_for_order == ["address_line1", "postal_code", "city"]


def test_saving_a_complete_profile_normalises_it_and_names_the_account(session: Session, account) -> None:
    scope, account_id = account
    view = profiles.save_billing_profile(
        session, scope, owner(scope, account_id), account_id, GOOD, Register()
    )
    assert (view.country, view.email, view.missing_for_order) == ("DE", "ada@example.com", [])
    assert session.get(CustomerAccount, account_id).name == "Ada Lovelace"
    entry = session.exec(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == scope.tenant_id, AuditLogEntry.action == "customer.profile_updated"
        )
    ).one()
    assert entry.before["city"] == "" and entry.after["city"] == "Berlin"
    assert "vat_id" not in entry.after  # only what changed


def test_every_wrong_field_is_named_and_nothing_is_written(session: Session, account) -> None:
    scope, account_id = account
    bad = GOOD.model_copy(
        update={
            "customer_type": CustomerType.BUSINESS,
            "company_name": "",
            "city": "",
            "country": "Germany",
            "email": "not-an-address",
            "vat_id": "DE123",
            "billing_day": 31,
        }
    )
    with pytest.raises(FieldErrors) as refused:
        profiles.save_billing_profile(session, scope, owner(scope, account_id), account_id, bad, Register())
    assert set(refused.value.fields) == {"company_name", "city", "country", "email", "vat_id", "billing_day"}
    assert refused.value.fields["billing_day"] == "Billing day must be between 1 and 28 (got 31)."
    stored = session.exec(
        select(CustomerProfile).where(CustomerProfile.customer_account_id == account_id)
    ).one()
    assert (stored.city, stored.customer_type, stored.billing_day) == (
        "",
        CustomerType.PRIVATE,
        stored.billing_day,
    )
    # (other tests commit entries of their own tenants to the shared database)
    assert session.exec(select(AuditLogEntry).where(AuditLogEntry.tenant_id == scope.tenant_id)).all() == []


@pytest.mark.parametrize(
    ("answer", "status", "source"),
    [
        (ViesStatus.VALID, VatIdStatus.VALID, "vies"),
        (ViesStatus.INVALID, VatIdStatus.INVALID, "vies"),
        (ViesStatus.UNREACHABLE, VatIdStatus.UNREACHABLE, "vies_unreachable"),
    ],
)
def test_a_new_vat_id_is_asked_of_vies_and_its_answer_kept_with_the_source(
    session: Session, account, answer: ViesStatus, status: VatIdStatus, source: str
) -> None:
    scope, account_id = account
    business = GOOD.model_copy(
        update={"customer_type": CustomerType.BUSINESS, "company_name": "Ada GmbH", "vat_id": "atu 1358 5627"}
    )
    register = Register(answer)
    view = profiles.save_billing_profile(
        session, scope, owner(scope, account_id), account_id, business, register
    )
    assert register.asked == [AUSTRIAN_VAT_ID]
    assert (view.vat_id, view.vat_id_status, view.vat_id_source) == (AUSTRIAN_VAT_ID, status, source)
    assert session.get(CustomerAccount, account_id).name == "Ada GmbH"


def test_an_unchanged_vat_id_keeps_its_status_without_asking_again(session: Session, account) -> None:
    scope, account_id = account
    business = GOOD.model_copy(
        update={"customer_type": CustomerType.BUSINESS, "company_name": "Ada GmbH", "vat_id": AUSTRIAN_VAT_ID}
    )
    profiles.save_billing_profile(session, scope, owner(scope, account_id), account_id, business, Register())
    again = Register(ViesStatus.INVALID)
    moved = business.model_copy(update={"city": "Hamburg"})
    view = profiles.save_billing_profile(session, scope, owner(scope, account_id), account_id, moved, again)
    assert again.asked == [] and view.vat_id_status == VatIdStatus.VALID and view.city == "Hamburg"


def test_another_customer_may_not_read_or_change_it(session: Session, account) -> None:
    scope, account_id = account
    stranger = Actor.customer(scope.tenant_id, account_id + 1000)
    with pytest.raises(PermissionDenied):
        profiles.read_billing_profile(session, scope, stranger, account_id)
    with pytest.raises(PermissionDenied):
        profiles.save_billing_profile(session, scope, stranger, account_id, GOOD, Register())
    with pytest.raises(NotFoundError):
        profiles.read_billing_profile(session, scope, Actor.admin(scope.tenant_id), account_id + 1000)
