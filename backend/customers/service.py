"""Opening a customer account with its billing profile on behalf of the tenant (no user attached).

Self-service sign-up and the demo open an account owned by a user (`open_account_for_user`); this
is the admin's and the tools' way (the scenario runner): the paying party and its billing identity
in one step.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.customers.repository import (
    CustomerAccountRepository,
    CustomerMemberRepository,
    CustomerProfileRepository,
    next_customer_number,
)
from backend.kit.errors import ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import CustomerAccount, CustomerMember, CustomerProfile, CustomerType, MemberRole, User
from backend.tax import country_code
from backend.tenancy.service import normalise_email


def open_customer_account(
    session: Session,
    scope: TenantScope,
    *,
    name: str,
    email: str,
    country: str,
    customer_type: CustomerType = CustomerType.PRIVATE,
    billing_day: int = 1,
    vat_id: str = "",
) -> CustomerAccount:
    """A customer account and its billing profile. The billing day is 1-28 (every month has it);
    the VAT ID starts unchecked, whoever knows more sets its status (`tax.refresh_vat_status`)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Name must not be empty.")
    code = country_code(country)
    if len(code) != 2 or not code.isalpha():
        raise ValidationFailed(f"Country must be a two-letter ISO 3166 code such as DE (got {country!r}).")
    if not 1 <= billing_day <= 28:
        raise ValidationFailed(f"Billing day must be between 1 and 28 (got {billing_day}).")
    accounts = CustomerAccountRepository(session, scope)
    account = accounts.add(
        CustomerAccount(number=next_customer_number(accounts), name=name, customer_type=customer_type)
    )
    CustomerProfileRepository(session, scope).add(
        CustomerProfile(
            customer_account_id=account.id,  # type: ignore[arg-type]
            name=name,
            company_name=name if customer_type == CustomerType.BUSINESS else "",
            customer_type=customer_type,
            country=code,
            email=normalise_email(email),
            billing_day=billing_day,
            vat_id=vat_id,
        )
    )
    return account


def customer_account(
    session: Session, scope: TenantScope, customer_account_id: int
) -> CustomerAccount | None:
    """The tenant's customer account with this id (None for an id of another tenant)."""
    return CustomerAccountRepository(session, scope).get(customer_account_id)


def billing_profile(session: Session, scope: TenantScope, customer_account_id: int) -> CustomerProfile | None:
    """Whom the account's invoices are addressed to and taxed for; None until the customer completed it."""
    return CustomerProfileRepository(session, scope).for_account(customer_account_id)


def record_payment_customer(session: Session, scope: TenantScope, customer_account_id: int, ref: str) -> None:
    """Remember the processor's customer (Stripe's "cus_...") for the account, so every payment of
    the account is made as the same customer; a reference stored before is kept."""
    profile = CustomerProfileRepository(session, scope).for_account(customer_account_id)
    if profile is not None and not profile.payment_customer_ref:
        profile.payment_customer_ref = ref
        session.flush()


def billing_profiles(
    session: Session, scope: TenantScope, customer_account_ids: set[int]
) -> dict[int, CustomerProfile]:
    """The billing profiles of the accounts, by account id (accounts without one are left out)."""
    return CustomerProfileRepository(session, scope).for_accounts(customer_account_ids)


def open_account_for_user(
    session: Session, scope: TenantScope, user: User, profile: CustomerProfile
) -> CustomerAccount:
    """A customer account the user owns, with `profile` as its billing profile: the account takes
    the profile's name and type and the tenant's next free number. A user of another tenant is
    refused before anything is written."""
    members = CustomerMemberRepository(session, scope)
    members.check_owned([user])
    accounts = CustomerAccountRepository(session, scope)
    account = accounts.add(
        CustomerAccount(
            number=next_customer_number(accounts), name=profile.name, customer_type=profile.customer_type
        )
    )
    assert account.id is not None and user.id is not None
    members.add(CustomerMember(customer_account_id=account.id, user_id=user.id, role=MemberRole.OWNER))
    profile.customer_account_id = account.id
    CustomerProfileRepository(session, scope).add(profile)
    return account


def membership_of_user(session: Session, scope: TenantScope, user_id: int) -> tuple[int, MemberRole] | None:
    """The customer account the user acts for and their member role on it (a user belongs to one
    account; should there be more, the oldest), or None for a user of no account."""
    members = CustomerMemberRepository(session, scope).of_user(user_id)
    return (members[0].customer_account_id, members[0].role) if members else None


def accounts_of_user(session: Session, scope: TenantScope, user_id: int) -> list[CustomerAccount]:
    """The customer accounts the user is a member of, oldest first."""
    return CustomerAccountRepository(session, scope).for_user(user_id)
