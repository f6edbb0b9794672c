"""Tenant-scoped reads and writes of the payments tables (the one place their tenant filter lives)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from backend.kit.repository import TenantRepository, TenantScope
from backend.models import InboundWebhookEvent, Payment, PaymentProcessor, ProcessorAccount


class ProcessorAccountRepository(TenantRepository[ProcessorAccount]):
    model = ProcessorAccount

    def __init__(self, session: Session, scope: TenantScope) -> None:
        super().__init__(session, scope)

    def of(self, processor: PaymentProcessor) -> ProcessorAccount | None:
        statement = self.scoped(select(ProcessorAccount).where(ProcessorAccount.processor == processor))
        return self.session.scalars(statement).first()

    def save(self, account: ProcessorAccount) -> ProcessorAccount:
        account.tenant_id = self.scope.tenant_id
        self.session.add(account)
        self.session.flush()
        return account


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

    def of_invoice(self, invoice_id: int) -> list[Payment]:
        statement = self.scoped(select(Payment).where(Payment.invoice_id == invoice_id)).order_by(Payment.id)
        return list(self.session.scalars(statement))


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


def tenant_of_payment_intent(session: Session, payment_intent_ref: str) -> int | None:
    """The tenant whose payment a PaymentIntent is, for events on the deployment's account that carry
    no tenant in their own metadata (a dispute names only its charge and payment intent)."""
    statement = select(Payment.tenant_id).where(Payment.payment_intent_ref == payment_intent_ref).limit(1)
    return session.scalars(statement).first()
