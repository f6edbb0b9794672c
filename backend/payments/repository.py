"""Tenant-scoped reads and writes of the payments tables (the one place their tenant filter lives)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from backend.kit.repository import TenantRepository, TenantScope
from backend.models import CustomerProfile, Invoice, Payment, PaymentLink, PaymentProcessor, ProcessorAccount


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
        return self.session.scalars(statement).first()

    def by_external_id(self, external_id: str) -> Payment | None:
        statement = self.scoped(select(Payment).where(Payment.external_id == external_id))
        return self.session.scalars(statement).first()

    def by_payment_intent(self, payment_intent_ref: str) -> Payment | None:
        statement = self.scoped(select(Payment).where(Payment.payment_intent_ref == payment_intent_ref))
        return self.session.scalars(statement.order_by(Payment.id)).first()

    def of_invoice(self, invoice_id: int) -> list[Payment]:
        statement = self.scoped(select(Payment).where(Payment.invoice_id == invoice_id)).order_by(Payment.id)
        return list(self.session.scalars(statement))

    def add(self, payment: Payment) -> Payment:
        payment.tenant_id = self.scope.tenant_id
        self.session.add(payment)
        self.session.flush()
        return payment


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
