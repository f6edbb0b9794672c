"""Why an invoice operation is refused: one named error per rule, each with the message an admin
reads. Every one is an `InvoiceError` (catching the family catches them all) and a `Conflict`
(HTTP 409): the invoice's state does not allow the step.
"""

from __future__ import annotations

from backend.kit.errors import Conflict, DomainError, PermissionDenied
from backend.models import InvoiceStatus


class InvoiceError(DomainError):
    """An invoice operation that the invoice's state does not allow."""

    family = "InvoiceError"


class InvoiceNotCreditable(InvoiceError, Conflict):
    def __init__(self, invoice: str, status: InvoiceStatus) -> None:
        self.invoice, self.status = invoice, status
        super().__init__(
            f"Invoice {invoice} is {status}; only issued, overdue or paid invoices can be credited."
        )


class InvoiceNotVoidable(InvoiceError, Conflict):
    """Only an unpaid invoice can be voided; a paid one is refunded with a credit note."""

    def __init__(self, invoice: str, status: InvoiceStatus) -> None:
        self.invoice, self.status = invoice, status
        refund = " Refund it with a credit note instead." if status == InvoiceStatus.PAID else ""
        super().__init__(
            f"Invoice {invoice} is {status}; only issued or overdue unpaid invoices can be voided.{refund}"
        )


class InvoiceNotPayable(InvoiceError, Conflict):
    def __init__(self, invoice: str, status: InvoiceStatus) -> None:
        self.invoice, self.status = invoice, status
        super().__init__(
            f"Invoice {invoice} is {status}; only issued or overdue invoices can be marked paid."
        )


class InvoiceNotPaid(InvoiceError, Conflict):
    """Only a paid invoice with an amount can be marked unpaid again."""

    def __init__(self, invoice: str, status: InvoiceStatus) -> None:
        self.invoice, self.status = invoice, status
        super().__init__(
            f"Invoice {invoice} is {status}; only a paid invoice with an amount can be marked unpaid."
        )


class InvoiceNotFound(PermissionDenied):
    """A customer asked for an invoice of another customer account: refused by the policy, and
    answered like a number that does not exist (404), so nobody learns which numbers are taken."""

    http_status = 404

    def __init__(self) -> None:
        super().__init__("Invoice not found.")


class InvoiceNotDraft(InvoiceError, Conflict):
    """Only a draft can be edited, deleted or issued; an issued invoice is corrected by a credit note."""

    def __init__(self, invoice: str, status: InvoiceStatus) -> None:
        self.invoice, self.status = invoice, status
        super().__init__(
            f"Invoice {invoice} is {status}; only drafts can be changed, deleted or issued."
            " Correct an issued invoice with a credit note."
        )
