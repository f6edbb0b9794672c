"""What callers send to order and change subscriptions, and what pages and the API receive.

Inputs check types only (the lifecycle checks the rules and answers with named errors); outputs are
plain dataclasses built from the engine's own numbers, never ORM rows. Amounts are Decimals in the
currency's minor unit, as invoices carry them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class AddonChoice(_Input):
    addon_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(default=1, ge=1, le=10_000)  # MAX_ADDON_QUANTITY


class OrderInput(_Input):
    """An order: the plan, its options and addons, a promotion code. `customer_account_id` is the
    caller's own account when left out (admins order for a customer by naming it)."""

    plan_id: int = Field(ge=1, le=MAX_ID)
    customer_account_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    options: dict[str, str] = Field(default_factory=dict, max_length=20)
    addons: list[AddonChoice] = Field(default_factory=list, max_length=20)
    promotion_code: str = Field(default="", max_length=64)
    # A plan that creates a server, when the provider has no capacity now: order anyway and wait.
    accept_backorder: bool = False


class PlanChangeInput(_Input):
    plan_id: int = Field(ge=1, le=MAX_ID)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One line as the invoice will carry it: net, the tax rate applied, tax and gross."""

    description: str
    period_start: datetime | None
    period_end: datetime | None
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class TaxTreatment:
    """How this customer is taxed: the mode, the rate of the plan's tax category and the note the
    invoice prints (empty when there is none)."""

    mode: str
    country: str
    rate: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class OrderPreview:
    """What ordering costs, as the engine charges it: the first (possibly prorated) period's charges
    on the first invoice with the promotion's discount lines, then what each full period costs."""

    plan_id: int
    plan_name: str
    currency: str
    first_charge_at: datetime  # when the first period is charged (after a trial, or at its end in arrears)
    trial_end: datetime | None
    lines: list[PricedLine]  # the first period's charges
    discounts: list[PricedLine]  # the promotion's discount lines on that invoice
    first_invoice: Totals
    promotion: str  # the promotion's code and benefit, empty without one
    recurring_lines: list[PricedLine]  # the next full period's charges at the regular price
    recurring_discounts: list[PricedLine]  # what is left of the promotion on that period's invoice
    recurring: Totals  # what the next period's invoice charges: its lines and discounts
    regular: Totals  # a full period once no promotion applies
    regular_from: datetime | None  # when the regular price starts, if a promotion still runs then
    interval: str  # e.g. "month", "3 months"
    tax: TaxTreatment


@dataclass(frozen=True, slots=True)
class AttachedAddonView:
    addon_id: int
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    id: int
    number: str
    customer_account_id: int
    status: str
    plan_id: int
    plan_name: str
    currency: str
    price: Decimal  # net per full period, rounded as invoiced
    interval: str
    options: dict[str, Any]
    addons: list[AttachedAddonView]
    started_at: datetime | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    next_billing_at: datetime | None
    trial_end: datetime | None
    cancel_requested_at: datetime | None
    cancel_effective_at: datetime | None
    canceled_at: datetime | None


@dataclass(frozen=True, slots=True)
class PlanChangeLine:
    description: str
    period_start: datetime
    period_end: datetime
    amount: Decimal  # net, negative for a credit


@dataclass(frozen=True, slots=True)
class PlanChangePreview:
    """What a plan change credits and charges now, as the engine computed it (net)."""

    subscription_id: int
    from_plan: str
    to_plan: str
    currency: str
    lines: list[PlanChangeLine]
    total: Decimal  # net due now (negative: credited)
    next_period_price: Decimal


@dataclass(frozen=True, slots=True)
class PlanChangeView:
    """A plan change (or its preview): the credit for unused time and the new charges, net."""

    subscription_number: str
    from_plan: str
    to_plan: str
    currency: str
    lines: list[PlanChangeLine]
    total: Decimal  # net due now (negative: credited)
    next_period_price: Decimal


MAX_ADDON_QUANTITY = 10_000


class AddAddonInput(_Input):
    addon_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(default=1, ge=1, le=MAX_ADDON_QUANTITY)


@dataclass(frozen=True, slots=True)
class AddonChangePreview:
    """What adding or removing an addon charges or credits now (net, negative: credited), and what a
    full period costs afterwards. Billed in arrears, nothing is charged at once: the period's charge
    at its end covers the time the addon was attached (`charged_at_period_end`)."""

    subscription_id: int
    addon_id: int
    addon_name: str
    quantity: int
    removing: bool
    currency: str
    effective_at: datetime
    lines: list[PlanChangeLine]
    total: Decimal  # net booked now (negative: credited)
    charged_at_period_end: bool  # arrear billing: the addon's used part comes with the period's charge
    recurring_before: Decimal  # net per full period: the plan and its addons, rounded per line
    recurring_after: Decimal


@dataclass(frozen=True, slots=True)
class AddonChangeView:
    """An addon change (or its preview) as the API answers it."""

    subscription_number: str
    addon_id: int
    addon_name: str
    quantity: int
    removing: bool
    currency: str
    effective_at: datetime
    lines: list[PlanChangeLine]
    total: Decimal
    charged_at_period_end: bool
    recurring_before: Decimal
    recurring_after: Decimal


@dataclass(frozen=True, slots=True)
class WithdrawalPreview:
    """Whether the customer may withdraw now and until when; if so, what withdrawing books now: the
    used part's final charge (arrears) and credits for the unused time (advance), net. Credits of
    charges already invoiced come as a credit note on that invoice (paid back if it was paid)."""

    subscription_id: int
    possible: bool
    refusal: str  # why not, in the customer's words; empty when possible
    deadline: datetime | None  # the end of the withdrawal period; None for a non-consumer
    currency: str
    lines: list[PlanChangeLine]
    total: Decimal  # net booked now (negative: credited)
    credit_note_amount: Decimal  # net, positive: credited through credit notes on issued invoices


@dataclass(frozen=True, slots=True)
class WithdrawalView:
    """The withdrawal preview as the API answers it."""

    subscription_number: str
    possible: bool
    refusal: str
    deadline: datetime | None
    currency: str
    lines: list[PlanChangeLine]
    total: Decimal
    credit_note_amount: Decimal
