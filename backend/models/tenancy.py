"""Tenants and their hosts, users, customer accounts with their members, and billing profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.enums import CustomerType, MemberRole, UserRole, VatIdStatus
from backend.models.types import enum_type


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"

    id: int | None = id_field()
    slug: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    name: str = Field(max_length=200)
    default_currency: str = Field(default="EUR", max_length=3)
    time_zone: str = Field(default="Europe/Berlin", max_length=64)
    frontend_url: str = Field(default="", max_length=300)
    issuer_legal_name: str = Field(default="", max_length=200)
    issuer_address: str = Field(default="", max_length=500)
    issuer_country: str = Field(default="", max_length=2)
    issuer_vat_id: str = Field(default="", max_length=32)
    issuer_iban: str = Field(default="", max_length=34)
    issuer_bic: str = Field(default="", max_length=11)
    issuer_email: str = Field(default="", max_length=254)
    payment_terms_days: int = Field(default=14, ge=0)
    # Tax, reminder and payment-retry settings; shapes are owned by the services that read them.
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at()


class TenantHost(SQLModel, table=True):
    """A host name (lower case, with or without port) whose requests belong to the tenant."""

    __tablename__ = "tenant_hosts"
    __table_args__ = (
        CheckConstraint("host = lower(host)", name="host_lowercase"),
        CheckConstraint("host <> ''", name="host_not_empty"),
        Index(None, "tenant_id"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    host: str = Field(sa_column=Column(String(260), nullable=False, unique=True))
    created_at: datetime = created_at()


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    email: str = Field(max_length=254)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(default="", max_length=200)
    role: UserRole = Field(default=UserRole.CUSTOMER, sa_type=enum_type(UserRole))
    confirmed: bool = False
    locked: bool = False
    # Bumping the token version revokes every session and token of the user.
    token_version: int = 0
    last_login_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class CustomerAccount(SQLModel, table=True):
    """The paying party: an organization (business) or a single person (private)."""

    __tablename__ = "customer_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "number"), Index(None, "tenant_id", "name"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    number: str = Field(max_length=32)
    name: str = Field(max_length=200)
    customer_type: CustomerType = Field(default=CustomerType.PRIVATE, sa_type=enum_type(CustomerType))
    created_at: datetime = created_at()


class CustomerMember(SQLModel, table=True):
    __tablename__ = "customer_members"
    __table_args__ = (UniqueConstraint("customer_account_id", "user_id"), Index(None, "tenant_id", "user_id"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    customer_account_id: int = fk("customer_accounts.id", ondelete="CASCADE")
    user_id: int = fk("users.id", ondelete="CASCADE")
    role: MemberRole = Field(default=MemberRole.OWNER, sa_type=enum_type(MemberRole))
    created_at: datetime = created_at()


class CustomerInvitation(SQLModel, table=True):
    """An emailed invitation to become a member of a customer account: single use, expiring; only
    the token's SHA-256 digest is stored."""

    __tablename__ = "customer_invitations"
    __table_args__ = (Index(None, "tenant_id", "customer_account_id"), Index(None, "tenant_id", "email"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    customer_account_id: int = fk("customer_accounts.id", ondelete="CASCADE")
    email: str = Field(max_length=254)
    role: MemberRole = Field(default=MemberRole.VIEWER, sa_type=enum_type(MemberRole))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    invited_by: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = created_at()
    expires_at: datetime = timestamp(nullable=False)
    accepted_at: datetime | None = timestamp()
    accepted_by: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    revoked_at: datetime | None = timestamp()


class CustomerProfile(SQLModel, table=True):
    """Billing identity of a customer account (one per account)."""

    __tablename__ = "customer_profiles"
    __table_args__ = (
        UniqueConstraint("customer_account_id"),
        Index(None, "tenant_id", "billing_day"),
        CheckConstraint("billing_day BETWEEN 1 AND 28", name="billing_day_range"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    customer_account_id: int = fk("customer_accounts.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    company_name: str = Field(default="", max_length=200)
    customer_type: CustomerType = Field(default=CustomerType.PRIVATE, sa_type=enum_type(CustomerType))
    address_line1: str = Field(default="", max_length=200)
    address_line2: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=20)
    city: str = Field(default="", max_length=100)
    country: str = Field(max_length=2)
    email: str = Field(max_length=254)
    phone: str = Field(default="", max_length=40)
    vat_id: str = Field(default="", max_length=32)
    vat_id_status: VatIdStatus = Field(default=VatIdStatus.UNCHECKED, sa_type=enum_type(VatIdStatus))
    vat_id_source: str = Field(default="", max_length=32)
    vat_id_checked_at: datetime | None = timestamp()
    billing_day: int = Field(default=1, ge=1, le=28)
    payment_customer_ref: str = Field(default="", max_length=100)
    default_payment_method_ref: str = Field(default="", max_length=100)
    # What the profile shows of the saved card ("visa", "4242"); the card itself stays at the processor.
    payment_method_brand: str = Field(default="", max_length=20)
    payment_method_last4: str = Field(default="", max_length=4)
    # The processor's creation time of the setup that saved the current (or the last removed) method:
    # a setup event older than this arrives late and must not bring back a replaced or removed card.
    payment_method_changed_at: datetime | None = timestamp()
    auto_billing: bool = False
    created_at: datetime = created_at()
