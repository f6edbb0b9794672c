"""Refreshing a customer's VAT ID status on PostgreSQL and SQLite, with VIES up, down or slow."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from backend import clock
from backend.customers.repository import CustomerAccountRepository, CustomerProfileRepository
from backend.customers.vat_checks import refresh_vat_status
from backend.integrations.vies import ViesClient
from backend.kit.errors import NotFoundError
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerAccount, CustomerProfile, Tenant
from backend.models.enums import CustomerType, VatIdStatus
from tests.fakes.vies import FakeVies

GOOD_ID = "DE136695976"


def _scope(session: Session, slug: str) -> TenantScope:
    tenant = TenantDirectory(session).add(Tenant(slug=slug, name=slug.title()))
    assert tenant.id is not None
    return TenantScope(tenant.id)


@pytest.fixture
def scope(session: Session) -> TenantScope:
    return _scope(session, "tax-tenant")


def _customer(
    session: Session,
    scope: TenantScope,
    vat_id: str,
    status: VatIdStatus = VatIdStatus.UNCHECKED,
    *,
    source: str = "",
    checked_at: datetime | None = None,
) -> int:
    accounts = CustomerAccountRepository(session, scope)
    number = f"C-{accounts.count() + 1}"
    account = accounts.add(CustomerAccount(number=number, name="Acme", customer_type=CustomerType.BUSINESS))
    assert account.id is not None
    CustomerProfileRepository(session, scope).add(
        CustomerProfile(
            customer_account_id=account.id,
            name="Acme",
            customer_type=CustomerType.BUSINESS,
            country="DE",
            email="billing@acme.example",
            vat_id=vat_id,
            vat_id_status=status,
            vat_id_source=source,
            vat_id_checked_at=checked_at,
        )
    )
    return account.id


def _profile(session: Session, scope: TenantScope, account_id: int) -> CustomerProfile:
    profile = CustomerProfileRepository(session, scope).for_account(account_id)
    assert profile is not None
    session.refresh(profile)
    return profile


def test_a_vat_id_registered_in_vies_becomes_valid(
    session: Session,
    scope: TenantScope,
    fake_vies: FakeVies,
    vies_client: ViesClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    fake_vies.register(GOOD_ID)
    account_id = _customer(session, scope, "de 136 695 976")
    assert refresh_vat_status(session, scope, account_id, vies_client) == VatIdStatus.VALID
    profile = _profile(session, scope, account_id)
    assert (profile.vat_id, profile.vat_id_status, profile.vat_id_source) == (
        GOOD_ID,
        VatIdStatus.VALID,
        "vies",
    )
    assert profile.vat_id_checked_at == frozen_clock.now()


def test_a_vat_id_unknown_to_vies_becomes_invalid(
    session: Session, scope: TenantScope, vies_client: ViesClient, frozen_clock: clock.FrozenClock
) -> None:
    account_id = _customer(session, scope, GOOD_ID, VatIdStatus.VALID, source="vies")
    assert refresh_vat_status(session, scope, account_id, vies_client) == VatIdStatus.INVALID
    assert _profile(session, scope, account_id).vat_id_source == "vies"


def test_a_bad_syntax_is_invalid_without_asking_vies(
    session: Session,
    scope: TenantScope,
    fake_vies: FakeVies,
    vies_client: ViesClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    account_id = _customer(session, scope, "DE123")
    assert refresh_vat_status(session, scope, account_id, vies_client) == VatIdStatus.INVALID
    profile = _profile(session, scope, account_id)
    assert (profile.vat_id_source, profile.vat_id_checked_at) == ("syntax", frozen_clock.now())
    assert fake_vies.requests == []


def test_a_profile_without_vat_id_stays_unchecked_without_asking_vies(
    session: Session,
    scope: TenantScope,
    fake_vies: FakeVies,
    vies_client: ViesClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    account_id = _customer(session, scope, "")
    assert refresh_vat_status(session, scope, account_id, vies_client) == VatIdStatus.UNCHECKED
    assert _profile(session, scope, account_id).vat_id_checked_at is None
    assert fake_vies.requests == []


@pytest.mark.parametrize("mode", ["ms_unavailable", "slow", "error_500"])
@pytest.mark.parametrize("known", [VatIdStatus.VALID, VatIdStatus.INVALID])
def test_an_unreachable_vies_keeps_the_last_known_status_and_records_the_attempt(
    session: Session,
    scope: TenantScope,
    fake_vies: FakeVies,
    vies_client: ViesClient,
    frozen_clock: clock.FrozenClock,
    mode: str,
    known: VatIdStatus,
) -> None:
    last_check = frozen_clock.now() - timedelta(days=3)
    account_id = _customer(session, scope, GOOD_ID, known, source="vies", checked_at=last_check)
    fake_vies.mode = mode  # type: ignore[assignment]
    assert refresh_vat_status(session, scope, account_id, vies_client) == known
    profile = _profile(session, scope, account_id)
    assert (profile.vat_id_status, profile.vat_id_source) == (known, "vies_unreachable")
    assert profile.vat_id_checked_at == frozen_clock.now()


def test_an_unreachable_vies_without_a_known_status_marks_it_unreachable_and_a_later_check_fixes_it(
    session: Session,
    scope: TenantScope,
    fake_vies: FakeVies,
    vies_client: ViesClient,
    frozen_clock: clock.FrozenClock,
) -> None:
    account_id = _customer(session, scope, GOOD_ID)
    fake_vies.mode = "ms_unavailable"
    assert refresh_vat_status(session, scope, account_id, vies_client) == VatIdStatus.UNREACHABLE
    assert _profile(session, scope, account_id).vat_id_source == "vies_unreachable"

    frozen_clock.advance(timedelta(hours=1))
    fake_vies.mode = "register"
    fake_vies.register(GOOD_ID)
    assert refresh_vat_status(session, scope, account_id, vies_client) == VatIdStatus.VALID
    assert _profile(session, scope, account_id).vat_id_source == "vies"
    assert _profile(session, scope, account_id).vat_id_checked_at == frozen_clock.now()


def test_a_customer_of_another_tenant_is_not_found(
    session: Session, scope: TenantScope, vies_client: ViesClient, frozen_clock: clock.FrozenClock
) -> None:
    other = _scope(session, "other-tax-tenant")
    account_id = _customer(session, other, GOOD_ID)
    with pytest.raises(NotFoundError, match=f"Customer {account_id} has no billing profile"):
        refresh_vat_status(session, scope, account_id, vies_client)
    assert _profile(session, other, account_id).vat_id_status == VatIdStatus.UNCHECKED
