"""What admins send to maintain the catalog, and what pages and the API receive about it.

Inputs check types only (money is a Decimal given as a string, int or Decimal, never a float);
the catalog service checks the business rules and answers with `ValidationFailed`. Update inputs
apply only the fields that were set, so `None` can clear a nullable field (e.g. the anchor day).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict

from backend.models.enums import (
    BillingTiming,
    IntervalUnit,
    PromotionBenefit,
    PromotionEligibility,
    ProviderKind,
    TaxCategory,
)


def _exact_decimal(value: Any) -> Any:
    """Floats cannot hold prices exactly (0.1 + 0.2); refuse them before pydantic converts one."""
    if isinstance(value, float | bool):
        raise ValueError("must be a decimal string or an integer such as '9.90', not a float")
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ServiceTypeInput(_Input):
    key: str
    name: str
    provider: ProviderKind = ProviderKind.NONE
    provider_defaults: dict[str, Any] = {}
    config_schema: dict[str, Any] = {}
    cloud_init_template: str = ""


class ServiceTypeUpdate(_Input):
    key: str | None = None
    name: str | None = None
    provider: ProviderKind | None = None
    provider_defaults: dict[str, Any] | None = None
    config_schema: dict[str, Any] | None = None
    cloud_init_template: str | None = None


class PlanInput(_Input):
    key: str
    name: str
    description: str = ""
    service_type_id: int | None = None  # None: pure billing, nothing is provisioned
    currency: str | None = None  # None: the tenant's default currency
    base_price: ExactDecimal = Decimal(0)
    margin_percent: ExactDecimal = Decimal(0)
    margin_fixed: ExactDecimal = Decimal(0)
    tax_category: TaxCategory = TaxCategory.STANDARD
    interval_unit: IntervalUnit = IntervalUnit.MONTH
    interval_count: int = 1
    billing_anchor_day: int | None = None
    billing_timing: BillingTiming = BillingTiming.ADVANCE
    trial_days: int = 0
    minimum_commitment_days: int = 0
    notice_days: int = 0
    cancel_at_period_end: bool = True
    allowed_options: dict[str, Any] = {}
    included_credits: ExactDecimal = Decimal(0)
    overage_price: ExactDecimal = Decimal(0)
    rollover_cap: ExactDecimal = Decimal(0)
    highlights: list[str] = []
    sort_order: int = 0


class PlanUpdate(_Input):
    key: str | None = None
    name: str | None = None
    description: str | None = None
    service_type_id: int | None = None
    currency: str | None = None
    base_price: ExactDecimal | None = None
    margin_percent: ExactDecimal | None = None
    margin_fixed: ExactDecimal | None = None
    tax_category: TaxCategory | None = None
    interval_unit: IntervalUnit | None = None
    interval_count: int | None = None
    billing_anchor_day: int | None = None
    billing_timing: BillingTiming | None = None
    trial_days: int | None = None
    minimum_commitment_days: int | None = None
    notice_days: int | None = None
    cancel_at_period_end: bool | None = None
    allowed_options: dict[str, Any] | None = None
    included_credits: ExactDecimal | None = None
    overage_price: ExactDecimal | None = None
    rollover_cap: ExactDecimal | None = None
    highlights: list[str] | None = None
    sort_order: int | None = None


class AddonInput(_Input):
    key: str
    name: str
    description: str = ""
    currency: str | None = None  # None: the tenant's default currency
    price: ExactDecimal = Decimal(0)
    tax_category: TaxCategory = TaxCategory.STANDARD
    interval_unit: IntervalUnit = IntervalUnit.MONTH
    interval_count: int = 1


class AddonUpdate(_Input):
    key: str | None = None
    name: str | None = None
    description: str | None = None
    currency: str | None = None
    price: ExactDecimal | None = None
    tax_category: TaxCategory | None = None
    interval_unit: IntervalUnit | None = None
    interval_count: int | None = None


class PromotionInput(_Input):
    code: str
    benefit: PromotionBenefit
    description: str = ""
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    max_redemptions: int | None = None  # None: unlimited
    max_per_customer: int | None = 1  # None: unlimited
    eligibility: PromotionEligibility = PromotionEligibility.ALL
    eligible_plan_ids: list[int] = []  # empty: every plan
    currency: str | None = None  # of amount_off; None: the tenant's default currency
    amount_off: ExactDecimal = Decimal(0)
    percent_off: ExactDecimal = Decimal(0)
    free_days: int = 0
    free_periods: int = 0


class PromotionUpdate(_Input):
    code: str | None = None
    benefit: PromotionBenefit | None = None
    description: str | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    max_redemptions: int | None = None
    max_per_customer: int | None = None
    eligibility: PromotionEligibility | None = None
    eligible_plan_ids: list[int] | None = None
    currency: str | None = None
    amount_off: ExactDecimal | None = None
    percent_off: ExactDecimal | None = None
    free_days: int | None = None
    free_periods: int | None = None


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ServiceTypeView(_View):
    id: int
    key: str
    name: str
    provider: str
    active: bool


class PlanView(_View):
    id: int
    key: str
    name: str
    description: str
    service_type_id: int | None
    currency: str
    base_price: Decimal
    margin_percent: Decimal
    margin_fixed: Decimal
    price: Decimal  # net per period: base price plus margins, unrounded
    price_display: str  # e.g. "5.39 EUR / month"
    tax_category: str
    interval_unit: str
    interval_count: int
    billing_anchor_day: int | None
    billing_timing: str
    trial_days: int
    minimum_commitment_days: int
    notice_days: int
    cancel_at_period_end: bool
    included_credits: Decimal
    overage_price: Decimal
    rollover_cap: Decimal
    allowed_options: dict[str, Any]
    highlights: list[str]
    sort_order: int
    active: bool
    addon_ids: list[int]
    subscription_count: int


class AddonView(_View):
    id: int
    key: str
    name: str
    description: str
    currency: str
    price: Decimal
    price_display: str
    tax_category: str
    interval_unit: str
    interval_count: int
    active: bool


class CatalogQuery(_View):
    """What an admin list asks for: text found in the key, code or name (any case), active or
    inactive rows only, the plans of one service type, promotions in one state."""

    search: str = ""
    status: str = ""  # "active", "inactive" or "" (both)
    service_type_id: int | None = None  # plans only
    state: str = ""  # promotions only: one of PROMOTION_STATES, or "" (all)


PROMOTION_STATES = ("active", "scheduled", "expired", "inactive")


class PromotionView(_View):
    id: int
    code: str
    description: str
    benefit: str
    benefit_display: str  # e.g. "10 % off", "5.00 EUR off", "14 free days"
    currency: str
    amount_off: Decimal
    percent_off: Decimal
    free_days: int
    free_periods: int
    state: str  # active, scheduled (not valid yet), expired (valid until has passed) or inactive
    valid_from: AwareDatetime | None
    valid_until: AwareDatetime | None
    max_redemptions: int | None
    max_per_customer: int | None
    eligibility: str
    eligible_plan_ids: list[int]
    active: bool


class RedemptionView(_View):
    """One use of a promotion: who ordered with it, which subscription, the first invoice that took
    the discount and how much all its invoices took off (net; 0 until an invoice used it)."""

    id: int
    customer_account_id: int
    customer: str  # "Alice Example (C-000001)"
    subscription_id: int | None
    subscription_number: str
    invoice_id: int | None
    invoice_number: str
    redeemed_at: AwareDatetime
    discount: Decimal
    currency: str
    given_back: bool  # the redemption was reverted (its order was withdrawn or canceled in time)


class PlanOffer(_View):
    """A plan as customers see it: the price they are charged per period (margins included,
    rounded as invoiced, net), never the base price or the margins behind it."""

    id: int
    key: str
    name: str
    description: str
    service_type_id: int | None
    currency: str
    price: Decimal  # net per full period, as invoiced
    price_display: str  # e.g. "12.24 EUR / month"
    tax_category: str
    interval_unit: str
    interval_count: int
    billing_anchor_day: int | None
    billing_timing: str
    trial_days: int
    minimum_commitment_days: int
    notice_days: int
    cancel_at_period_end: bool
    allowed_options: dict[str, Any]
    highlights: list[str]
    addon_ids: list[int]
