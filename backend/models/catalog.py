"""What a tenant sells: service types, plans, addons and promotions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, money, tenant_fk, timestamp
from backend.models.enums import (
    BillingTiming,
    IntervalUnit,
    PromotionBenefit,
    PromotionEligibility,
    ProviderKind,
    TaxCategory,
)
from backend.models.types import enum_type


class ServiceType(SQLModel, table=True):
    __tablename__ = "service_types"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    provider: ProviderKind = Field(default=ProviderKind.NONE, sa_type=enum_type(ProviderKind))
    # Non-secret provider defaults; secrets live encrypted in provider_secrets_encrypted.
    provider_defaults: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    provider_secrets_encrypted: str = Field(default="")
    config_schema: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cloud_init_template: str = Field(default="")
    active: bool = True
    created_at: datetime = created_at()


class Plan(SQLModel, table=True):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        CheckConstraint("interval_count >= 1", name="interval_count_positive"),
        CheckConstraint("base_price >= 0", name="base_price_not_negative"),
        CheckConstraint(
            "billing_anchor_day IS NULL OR billing_anchor_day BETWEEN 1 AND 31", name="anchor_day"
        ),
        CheckConstraint(
            "trial_days >= 0 AND minimum_commitment_days >= 0 AND notice_days >= 0", name="day_counts"
        ),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    service_type_id: int | None = fk("service_types.id", nullable=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = Field(default="")
    currency: str = Field(default="EUR", max_length=3)
    base_price: Decimal = money()
    margin_percent: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(9, 4), nullable=False))
    margin_fixed: Decimal = money()
    tax_category: TaxCategory = Field(default=TaxCategory.STANDARD, sa_type=enum_type(TaxCategory))
    interval_unit: IntervalUnit = Field(default=IntervalUnit.MONTH, sa_type=enum_type(IntervalUnit))
    interval_count: int = 1
    billing_anchor_day: int | None = None
    billing_timing: BillingTiming = Field(default=BillingTiming.ADVANCE, sa_type=enum_type(BillingTiming))
    trial_days: int = 0
    minimum_commitment_days: int = 0
    notice_days: int = 0
    cancel_at_period_end: bool = True
    allowed_options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    included_credits: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(18, 6), nullable=False))
    overage_price: Decimal = money()
    rollover_cap: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(18, 6), nullable=False))
    highlights: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sort_order: int = 0
    active: bool = True
    created_at: datetime = created_at()


class Addon(SQLModel, table=True):
    __tablename__ = "addons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        CheckConstraint("interval_count >= 1", name="interval_count_positive"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = Field(default="")
    currency: str = Field(default="EUR", max_length=3)
    price: Decimal = money()
    tax_category: TaxCategory = Field(default=TaxCategory.STANDARD, sa_type=enum_type(TaxCategory))
    interval_unit: IntervalUnit = Field(default=IntervalUnit.MONTH, sa_type=enum_type(IntervalUnit))
    interval_count: int = 1
    active: bool = True
    created_at: datetime = created_at()


class PlanAddon(SQLModel, table=True):
    """Which addons a plan allows."""

    __tablename__ = "plan_addons"
    __table_args__ = (UniqueConstraint("plan_id", "addon_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    plan_id: int = fk("plans.id", ondelete="CASCADE")
    addon_id: int = fk("addons.id", ondelete="CASCADE")


class Promotion(SQLModel, table=True):
    __tablename__ = "promotions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("percent_off >= 0 AND percent_off <= 100", name="percent_range"),
        CheckConstraint("amount_off >= 0", name="amount_not_negative"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    code: str = Field(max_length=64)
    description: str = Field(default="")
    valid_from: datetime | None = timestamp()
    valid_until: datetime | None = timestamp()
    max_redemptions: int | None = None
    max_per_customer: int | None = 1
    eligibility: PromotionEligibility = Field(
        default=PromotionEligibility.ALL, sa_type=enum_type(PromotionEligibility)
    )
    eligible_plan_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    benefit: PromotionBenefit = Field(sa_type=enum_type(PromotionBenefit))
    currency: str = Field(default="EUR", max_length=3)
    amount_off: Decimal = money()
    percent_off: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(7, 4), nullable=False))
    free_days: int = 0
    free_periods: int = 0
    active: bool = True
    created_at: datetime = created_at()


class PromotionRedemption(SQLModel, table=True):
    __tablename__ = "promotion_redemptions"

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    promotion_id: int = fk("promotions.id", index=True)
    customer_account_id: int = fk("customer_accounts.id", index=True)
    subscription_id: int | None = fk("subscriptions.id", nullable=True)
    invoice_id: int | None = fk("invoices.id", nullable=True)
    # How much of the benefit invoices have consumed (free periods, fixed amount off).
    periods_used: int = 0
    amount_used: Decimal = money()
    redeemed_at: datetime = created_at()
    reverted_at: datetime | None = timestamp()


class PromotionUse(SQLModel, table=True):
    """What one issued invoice used of a redemption; voiding the invoice gives exactly this back."""

    __tablename__ = "promotion_uses"
    __table_args__ = (UniqueConstraint("redemption_id", "invoice_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    redemption_id: int = fk("promotion_redemptions.id")
    invoice_id: int = fk("invoices.id", index=True)
    amount_used: Decimal = money()  # of a fixed amount off
    periods_used: int = 0  # free periods; 1 marks the one use of percent off and free days
    discount: Decimal = money()  # net taken off the invoice, all tax categories
    created_at: datetime = created_at()
    returned_at: datetime | None = timestamp()  # the invoice was voided
