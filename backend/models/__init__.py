"""All tables on one metadata (the one Alembic compares against)."""

from backend.models.audit import AuditLogEntry
from backend.models.base import metadata
from backend.models.billing import (
    CreditNote,
    CreditNoteLine,
    DocumentNumberSequence,
    Invoice,
    InvoiceLine,
    OpenPosition,
)
from backend.models.billing_runs import BillingRun, BillingRunScope, BillingRunStatus
from backend.models.catalog import (
    Addon,
    Plan,
    PlanAddon,
    Promotion,
    PromotionRedemption,
    PromotionUse,
    ServiceType,
)
from backend.models.currency import ExchangeRate
from backend.models.documents import DocumentAlarm
from backend.models.enums import *  # noqa: F403 - the vocabularies belong with the tables
from backend.models.exports import ExportJob, ExportKind, ExportStatus
from backend.models.idempotency import IdempotencyKey
from backend.models.identity import AccountCode, AccountCodePurpose, ApiToken, UserSession
from backend.models.mail import MailDelivery, MailKind, MailStatus
from backend.models.notes import CustomerNote
from backend.models.payments import (
    BalanceTransaction,
    Dispute,
    InboundWebhookEvent,
    Payment,
    PaymentLink,
    Payout,
    ProcessorAccount,
    Refund,
)
from backend.models.provisioning import Backorder, ProvisioningLogEntry, SimulatedServer
from backend.models.revenue_rollup import RevenueDaily, RevenueRollupMark
from backend.models.subscriptions import Subscription, SubscriptionAddon, SubscriptionItem
from backend.models.tenancy import (
    CustomerAccount,
    CustomerInvitation,
    CustomerMember,
    CustomerProfile,
    Tenant,
    TenantHost,
    User,
)

__all__ = [
    "AccountCode",
    "AccountCodePurpose",
    "Addon",
    "ApiToken",
    "AuditLogEntry",
    "Backorder",
    "BalanceTransaction",
    "BillingRun",
    "BillingRunScope",
    "BillingRunStatus",
    "CreditNote",
    "CreditNoteLine",
    "CustomerAccount",
    "CustomerInvitation",
    "CustomerMember",
    "CustomerNote",
    "CustomerProfile",
    "Dispute",
    "DocumentAlarm",
    "DocumentNumberSequence",
    "ExchangeRate",
    "ExportJob",
    "ExportKind",
    "ExportStatus",
    "IdempotencyKey",
    "InboundWebhookEvent",
    "Invoice",
    "InvoiceLine",
    "MailDelivery",
    "MailKind",
    "MailStatus",
    "OpenPosition",
    "Payment",
    "PaymentLink",
    "Payout",
    "Plan",
    "PlanAddon",
    "ProcessorAccount",
    "Promotion",
    "PromotionRedemption",
    "PromotionUse",
    "ProvisioningLogEntry",
    "Refund",
    "RevenueDaily",
    "RevenueRollupMark",
    "ServiceType",
    "SimulatedServer",
    "Subscription",
    "SubscriptionAddon",
    "SubscriptionItem",
    "Tenant",
    "TenantHost",
    "User",
    "UserSession",
    "metadata",
]
