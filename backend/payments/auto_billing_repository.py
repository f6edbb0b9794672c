"""Tenant-scoped queries of saved payment methods and auto-billing (the customer's profile and the
invoices the auto-payment coordinator charges). The payments domain reads these tables of the
customers and invoicing domains only for the columns auto-billing owns (the saved method, the
auto-billing switch, the charge schedule); money reaches an invoice only through invoicing's service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from backend.kit.repository import TenantRepository, TenantScope
from backend.models import CustomerProfile, Invoice, InvoiceStatus, Payment, PaymentStatus

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
        """The invoice's Checkout Sessions that may still be paid (pending, named by the processor)."""
        statement = self.scoped(
            select(Payment).where(
                Payment.invoice_id == invoice_id,
                Payment.kind == "checkout",
                Payment.status == PaymentStatus.PENDING,
                Payment.external_id.is_not(None),  # type: ignore[union-attr]
            ),
            Payment,
            own_model=False,
        )
        return list(self.session.scalars(statement.order_by(Payment.id)))
