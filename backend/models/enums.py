"""Closed vocabularies of the domain (SPEC §3), stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


class CustomerType(StrEnum):
    PRIVATE = "private"
    BUSINESS = "business"


class MemberRole(StrEnum):
    OWNER = "owner"
    BILLING = "billing"
    VIEWER = "viewer"


class VatIdStatus(StrEnum):
    UNCHECKED = "unchecked"
    VALID = "valid"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


class ProviderKind(StrEnum):
    NONE = "none"
    SIMULATED = "simulated"
    HETZNER = "hetzner"
    DIGITALOCEAN = "digitalocean"


class TaxCategory(StrEnum):
    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"


class IntervalUnit(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class BillingTiming(StrEnum):
    ADVANCE = "advance"
    ARREAR = "arrear"


class PromotionBenefit(StrEnum):
    AMOUNT_OFF = "amount_off"
    PERCENT_OFF = "percent_off"
    FREE_DAYS = "free_days"
    FREE_PERIODS = "free_periods"


class PromotionEligibility(StrEnum):
    ALL = "all"
    NEW_CUSTOMERS = "new_customers"
    EXISTING_CUSTOMERS = "existing_customers"


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PENDING_CANCEL = "pending_cancel"
    CANCELED = "canceled"
    PENDING_BACKORDER = "pending_backorder"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    # Ordered, its server being set up: nothing is billed until the server runs ("provision, then bill").
    PROVISIONING = "provisioning"


class ItemStatus(StrEnum):
    PENDING = "pending"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"
    DEPROVISIONED = "deprovisioned"


class PowerState(StrEnum):
    UNKNOWN = "unknown"
    RUNNING = "running"
    STOPPED = "stopped"
    STARTING = "starting"
    STOPPING = "stopping"
    REBOOTING = "rebooting"


class BackorderStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELED = "canceled"


class ServerAction(StrEnum):
    """What a customer, an admin or dunning asked a server to do; the provisioning unit does it."""

    START = "start"
    STOP = "stop"
    REBOOT = "reboot"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class TaxMode(StrEnum):
    DOMESTIC = "domestic"
    REVERSE_CHARGE = "reverse_charge"
    EU_B2C = "eu_b2c"
    OUTSIDE_EU = "outside_eu"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    SUBSCRIPTION = "subscription"


class PaymentProcessor(StrEnum):
    STRIPE = "stripe"
    MANUAL = "manual"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookResult(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"
