"""Tenant-scoped reads and writes of the payments tables (the one place their tenant filter lives)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend.kit.repository import TenantRepository, TenantScope
from backend.models import (
    BalanceTransaction,
    CreditNote,
    CustomerProfile,
    Dispute,
    InboundWebhookEvent,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentLink,
    PaymentProcessor,
    PaymentStatus,
    Payout,
    ProcessorAccount,
    Refund,
    RefundStatus,
    Tenant,
    WebhookResult,
)


class ProcessorAccountRepository(TenantRepository[ProcessorAccount]):
    model = ProcessorAccount

    def __init__(self, session: Session, scope: TenantScope) -> None:
        super().__init__(session, scope)

    def of(self, processor: PaymentProcessor) -> ProcessorAccount | None:
        statement = self.scoped(select(ProcessorAccount).where(ProcessorAccount.processor == processor))
        return self.session.scalars(statement).first()


class PaymentRepository(TenantRepository[Payment]):
    model = Payment

    def get(self, payment_id: int) -> Payment | None:
        return self.session.scalars(self.scoped(select(Payment).where(Payment.id == payment_id))).first()

    def lock(self, payment_id: int) -> Payment | None:
        """The payment row, locked until commit: serialises the webhook and the job that charged it."""
        statement = self.scoped(select(Payment).where(Payment.id == payment_id)).with_for_update()
        # populate_existing: a row this session read before the lock is refreshed, not served stale
        return self.session.scalars(statement.execution_options(populate_existing=True)).first()

    def by_external_id(self, external_id: str) -> Payment | None:
        statement = self.scoped(select(Payment).where(Payment.external_id == external_id))
        return self.session.scalars(statement).first()

    def by_payment_intent(self, payment_intent_ref: str) -> Payment | None:
        statement = self.scoped(select(Payment).where(Payment.payment_intent_ref == payment_intent_ref))
        return self.session.scalars(statement.order_by(Payment.id)).first()

    def by_idempotency_key(self, key: str) -> Payment | None:
        statement = self.scoped(select(Payment).where(Payment.idempotency_key == key))
        return self.session.scalars(statement).first()

    def by_charge(self, charge_ref: str) -> Payment | None:
        statement = self.scoped(select(Payment).where(Payment.charge_ref == charge_ref))
        return self.session.scalars(statement.order_by(Payment.id)).first()

    def of_invoice(self, invoice_id: int) -> list[Payment]:
        statement = self.scoped(select(Payment).where(Payment.invoice_id == invoice_id)).order_by(Payment.id)
        return list(self.session.scalars(statement))


class RefundRepository(TenantRepository[Refund]):
    model = Refund

    def lock(self, refund_id: int) -> Refund | None:
        """The refund row, locked until commit: the console's request and the webhook complete it once."""
        statement = self.scoped(select(Refund).where(Refund.id == refund_id)).with_for_update()
        return self.session.scalars(statement).first()

    def by_external_id(self, external_id: str) -> Refund | None:
        statement = self.scoped(select(Refund).where(Refund.external_id == external_id))
        return self.session.scalars(statement).first()

    def by_idempotency_key(self, key: str) -> Refund | None:
        statement = self.scoped(select(Refund).where(Refund.idempotency_key == key))
        return self.session.scalars(statement).first()

    def of_payments(self, payment_ids: list[int]) -> list[Refund]:
        statement = self.scoped(select(Refund).where(Refund.payment_id.in_(payment_ids)))  # type: ignore[attr-defined]
        return list(self.session.scalars(statement.order_by(Refund.id)))

    def credit_note_numbers(self, credit_note_ids: list[int]) -> dict[int, str]:
        """The numbers of the credit notes the refunds made, by id (invoicing's table, this tenant's)."""
        statement = self.scoped(
            select(CreditNote.id, CreditNote.number).where(CreditNote.id.in_(credit_note_ids)),  # type: ignore[union-attr]
            CreditNote,
            own_model=False,
        )
        return {row[0]: row[1] for row in self.session.execute(statement)}

    def pending_total(self, payment_id: int) -> Decimal:
        """What refunds of the payment still waiting for the processor hold back from the refundable."""
        statement = self.scoped(
            select(func.coalesce(func.sum(Refund.amount), 0)).where(
                Refund.payment_id == payment_id, Refund.status == RefundStatus.PENDING
            )
        )
        return Decimal(self.session.scalar(statement) or 0)


class DisputeRepository(TenantRepository[Dispute]):
    model = Dispute

    def by_external_id(self, processor: PaymentProcessor, external_id: str) -> Dispute | None:
        statement = self.scoped(
            select(Dispute).where(Dispute.processor == processor, Dispute.external_id == external_id)
        )
        return self.session.scalars(statement.with_for_update()).first()

    def of_invoice(self, invoice_id: int) -> list[Dispute]:
        statement = self.scoped(select(Dispute).where(Dispute.invoice_id == invoice_id))
        return list(self.session.scalars(statement.order_by(Dispute.id)))

    def open_ones(self, open_statuses: tuple[str, ...], limit: int) -> tuple[int, list[Dispute]]:
        """How many disputes are still open, and the newest `limit` of them."""
        where = Dispute.status.in_(open_statuses)  # type: ignore[attr-defined]
        count = self.session.scalar(self.scoped(select(func.count()).select_from(Dispute).where(where)))
        rows = self.session.scalars(
            self.scoped(select(Dispute).where(where)).order_by(Dispute.id.desc()).limit(limit)  # type: ignore[union-attr]
        )
        return int(count or 0), list(rows)

    def invoice_numbers(self, invoice_ids: list[int]) -> dict[int, str]:
        """The numbers of the disputed invoices, by id (invoicing's table, this tenant's)."""
        statement = self.scoped(
            select(Invoice.id, Invoice.number).where(Invoice.id.in_(invoice_ids)),  # type: ignore[union-attr]
            Invoice,
            own_model=False,
        )
        return {row[0]: row[1] or "" for row in self.session.execute(statement)}


class PayoutRepository(TenantRepository[Payout]):
    model = Payout

    def by_external_id(self, processor: PaymentProcessor, external_id: str) -> Payout | None:
        statement = self.scoped(
            select(Payout).where(Payout.processor == processor, Payout.external_id == external_id)
        )
        return self.session.scalars(statement.with_for_update()).first()

    def latest(self, limit: int) -> list[Payout]:
        statement = self.scoped(select(Payout)).order_by(Payout.id.desc()).limit(limit)  # type: ignore[union-attr]
        return list(self.session.scalars(statement))


class BalanceTransactionRepository(TenantRepository[BalanceTransaction]):
    model = BalanceTransaction

    def by_external_id(self, processor: PaymentProcessor, external_id: str) -> BalanceTransaction | None:
        statement = self.scoped(
            select(BalanceTransaction).where(
                BalanceTransaction.processor == processor, BalanceTransaction.external_id == external_id
            )
        )
        return self.session.scalars(statement).first()


class InboundEventLog:
    """The processors' events, stored once by event id: not tenant-scoped, since the id is what makes
    an event unique (Stripe's are global) and the tenant is known only after the event is verified.
    Rows of one tenant are read through `tenant_id`; nothing here is served to a tenant."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, processor: PaymentProcessor, event_id: str) -> InboundWebhookEvent | None:
        """The stored event, locked until commit: a redelivery of a failed event waits for another."""
        statement = (
            select(InboundWebhookEvent)
            .where(InboundWebhookEvent.processor == processor, InboundWebhookEvent.event_id == event_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(statement).first()

    def add(self, event: InboundWebhookEvent) -> InboundWebhookEvent:
        """Insert and flush: a concurrent delivery of the same event waits here on the unique index
        and then fails with an IntegrityError (the caller answers it as a duplicate)."""
        self.session.add(event)
        self.session.flush()
        return event

    def store_once(
        self, values: dict[str, Any], tenant_hint: ColumnElement[Any] | int | None
    ) -> tuple[int, int | None] | None:
        """Insert the event unless its (processor, id) is stored: ONE statement, whose tenant column is
        `tenant_hint` (a value, or a scalar subquery the database answers in the same statement).
        Returns (row id, tenant id) when this call stored it, None when it was stored before (a
        concurrent insert of the same id waits on the unique index, then does nothing)."""
        dialect = self.session.get_bind().dialect.name
        build = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            build(InboundWebhookEvent.__table__)  # type: ignore[arg-type]
            .values(**values, tenant_id=tenant_hint)
            .on_conflict_do_nothing(index_elements=["processor", "event_id"])
            .returning(InboundWebhookEvent.__table__.c.id, InboundWebhookEvent.__table__.c.tenant_id)  # type: ignore[attr-defined]
        )
        row = self.session.execute(statement).first()
        return (int(row[0]), row[1]) if row is not None else None

    def by_id(self, row_id: int, lock: bool = False) -> InboundWebhookEvent | None:
        """One stored event; locked until commit when `lock` (two handlers of one event run one after
        the other, and the second finds it handled)."""
        statement = select(InboundWebhookEvent).where(InboundWebhookEvent.id == row_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(statement).first()

    def receipt(
        self, processor: PaymentProcessor, event_id: str
    ) -> tuple[int, str, WebhookResult, int | None] | None:
        """(row id, payload hash, result, tenant id) of a stored event, without locking it."""
        statement = select(
            InboundWebhookEvent.id,
            InboundWebhookEvent.payload_sha256,
            InboundWebhookEvent.result,
            InboundWebhookEvent.tenant_id,
        ).where(InboundWebhookEvent.processor == processor, InboundWebhookEvent.event_id == event_id)
        row = self.session.execute(statement).first()
        return (int(row[0]), str(row[1]), WebhookResult(row[2]), row[3]) if row is not None else None


def named_tenant_hint(tenant_id: int | None, payment_intent_ref: str | None) -> ColumnElement[Any] | None:
    """The tenant an event names, as a scalar subquery for `store_once`: the tenant of the id its
    metadata names (NULL when no such tenant), else the tenant of its payment intent's payment."""
    if tenant_id is not None:
        return select(Tenant.id).where(Tenant.id == tenant_id).scalar_subquery()
    if payment_intent_ref:
        return (
            select(Payment.tenant_id)
            .where(Payment.payment_intent_ref == payment_intent_ref)
            .limit(1)
            .scalar_subquery()
        )
    return None


class ProviderEventRepository(TenantRepository[InboundWebhookEvent]):
    """The processor's events as the tenant's admin sees them: only rows stored under the tenant.
    Events stored without one (the deployment's: no tenant named, or a tenant with its own account
    reached through the deployment's door) never match `tenant_id = scope` and stay the operator's."""

    model = InboundWebhookEvent

    def counts_since(self, since: datetime) -> dict[WebhookResult, int]:
        """How many events received at or after `since` ended in each result (one GROUP BY)."""
        statement = self.scoped(
            select(InboundWebhookEvent.result, func.count())
            .where(InboundWebhookEvent.received_at >= since)
            .group_by(InboundWebhookEvent.result)
        )
        return {WebhookResult(result): int(count) for result, count in self.session.execute(statement)}

    def waiting(self, received_before: datetime | None, first: int = 0, last: int | None = None) -> list[int]:
        """Ids of the tenant's events still to be handled (pending, or failed and so retried), received
        before `received_before` (None: any time), within ids first..last, oldest first."""
        statement = self.scoped(
            select(InboundWebhookEvent.id).where(
                InboundWebhookEvent.result.in_((WebhookResult.PENDING, WebhookResult.FAILED)),  # type: ignore[attr-defined]
                InboundWebhookEvent.id >= first,
            )
        )
        if received_before is not None:
            statement = statement.where(InboundWebhookEvent.received_at < received_before)
        if last is not None:
            statement = statement.where(InboundWebhookEvent.id <= last)
        return list(self.session.scalars(statement.order_by(InboundWebhookEvent.id)))  # type: ignore[arg-type]

    def latest_failed(self, since: datetime, limit: int) -> list[InboundWebhookEvent]:
        """The newest `limit` events received at or after `since` that are still failed."""
        statement = self.scoped(
            select(InboundWebhookEvent).where(
                InboundWebhookEvent.result == WebhookResult.FAILED, InboundWebhookEvent.received_at >= since
            )
        ).order_by(InboundWebhookEvent.received_at.desc(), InboundWebhookEvent.id.desc())  # type: ignore[attr-defined,union-attr]
        return list(self.session.scalars(statement.limit(limit)))


def tenant_of_payment_intent(session: Session, payment_intent_ref: str) -> int | None:
    """The tenant whose payment a PaymentIntent is, for events on the deployment's account that carry
    no tenant in their own metadata (a dispute names only its charge and payment intent)."""
    statement = select(Payment.tenant_id).where(Payment.payment_intent_ref == payment_intent_ref).limit(1)
    return session.scalars(statement).first()


# --- auto-billing: the saved card on the customer's profile and the invoices charged with it. The
# payments domain reads these tables of customers and invoicing only for the columns auto-billing
# owns (the saved method, the switch, the charge schedule); money reaches an invoice only through
# invoicing's service.

CHARGEABLE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)


class PaymentProfileRepository(TenantRepository[CustomerProfile]):
    model = CustomerProfile

    def of_account(self, account_id: int, *, lock: bool = False) -> CustomerProfile | None:
        statement = self.scoped(
            select(CustomerProfile).where(CustomerProfile.customer_account_id == account_id)
        )
        if lock:
            statement = statement.with_for_update()
        return self.session.scalars(statement).first()


class AutoChargeRepository(TenantRepository[Invoice]):
    """The invoices auto-billing charges, and their off-session payments."""

    model = Invoice

    def __init__(self, session: Session, scope: TenantScope) -> None:
        super().__init__(session, scope)

    def due_ids(self, now: datetime, first: int = 0, last: int | None = None) -> list[int]:
        """Open invoices with a balance, of customers with auto-billing on and a saved method, whose
        next attempt is due: scheduled at or before `now`, or never tried and not scheduled (an
        invoice issued since the last run, or one that was open when auto-billing was switched on)."""
        due = or_(
            Invoice.next_payment_attempt_at <= now,
            and_(Invoice.payment_attempts == 0, Invoice.next_payment_attempt_at.is_(None)),  # type: ignore[union-attr]
        )
        statement = (
            select(Invoice.id)
            .join(CustomerProfile, CustomerProfile.customer_account_id == Invoice.customer_account_id)
            .where(
                Invoice.status.in_(CHARGEABLE_STATUSES),  # type: ignore[attr-defined]
                Invoice.balance_due > 0,
                CustomerProfile.auto_billing.is_(True),  # type: ignore[attr-defined]
                CustomerProfile.default_payment_method_ref != "",
                Invoice.id >= first,
                due,
            )
        )
        if last is not None:
            statement = statement.where(Invoice.id <= last)
        statement = self.scoped(statement, CustomerProfile)
        return list(self.session.scalars(statement.order_by(Invoice.id)))

    def lock(self, invoice_id: int) -> Invoice | None:
        statement = self.scoped(select(Invoice).where(Invoice.id == invoice_id)).with_for_update()
        return self.session.scalars(statement).first()

    def attempt(self, invoice_id: int, attempt: int) -> Payment | None:
        """The invoice's off-session payment of attempt `attempt` (its idempotency key's number)."""
        statement = self.scoped(
            select(Payment).where(
                Payment.invoice_id == invoice_id, Payment.kind == "off_session", Payment.attempt == attempt
            ),
            Payment,
            own_model=False,
        )
        return self.session.scalars(statement).first()

    def open_checkouts(self, invoice_id: int) -> list[Payment]:
        """The invoice's Checkout payments that may still be paid (the console's Pay and a payment
        link's page alike): pending, with their session's id, or without one yet (the Pay path
        commits the row before it asks the processor)."""
        statement = self.scoped(
            select(Payment).where(
                Payment.invoice_id == invoice_id,
                Payment.kind.in_(("checkout", "payment_link")),  # type: ignore[attr-defined]
                Payment.status == PaymentStatus.PENDING,
            ),
            Payment,
            own_model=False,
        )
        return list(self.session.scalars(statement.order_by(Payment.id)))


class PaymentLinkRepository(TenantRepository[PaymentLink]):
    """Payment links of the tenant; a token is looked up by its hash within the tenant only, so a
    link of another tenant is "not found" on this tenant's host."""

    model = PaymentLink

    def by_token_hash(self, token_sha256: str) -> PaymentLink | None:
        return self.session.scalars(self.select().where(PaymentLink.token_sha256 == token_sha256)).first()

    def lock(self, link_id: int) -> PaymentLink | None:
        return self.session.scalars(self.select().where(PaymentLink.id == link_id).with_for_update()).first()

    def of_invoice(self, invoice_id: int) -> list[PaymentLink]:
        statement = self.select().where(PaymentLink.invoice_id == invoice_id).order_by(PaymentLink.id.desc())
        return list(self.session.scalars(statement))

    def recent_with_invoices(self, limit: int) -> list[tuple[PaymentLink, Invoice]]:
        """The newest links with their invoices (the admin's list)."""
        statement = self.scoped(
            select(PaymentLink, Invoice)
            .join(Invoice, Invoice.id == PaymentLink.invoice_id)
            .order_by(PaymentLink.id.desc())
            .limit(limit),
            Invoice,
        )
        return [(link, invoice) for link, invoice in self.session.execute(statement)]

    def profile_with_email(self, email: str) -> CustomerProfile | None:
        """The tenant's oldest billing profile with this address (a guest paying twice stays one customer)."""
        statement = self.scoped(
            select(CustomerProfile).where(CustomerProfile.email == email).order_by(CustomerProfile.id),
            CustomerProfile,
            own_model=False,
        )
        return self.session.scalars(statement).first()
