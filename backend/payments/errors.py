"""Why a payment step is refused: one named error per rule, each with the message a customer reads.
Every one is a `PaymentError`; refusals of the invoice's or the tenant's state are `Conflict`s (409)."""

from __future__ import annotations

from backend.kit.errors import Conflict, DomainError


class PaymentError(DomainError):
    """A payment step the invoice, the tenant or the processor does not allow now."""

    family = "PaymentError"


class InvoiceNotOpen(PaymentError, Conflict):
    def __init__(self, invoice: str, status: str) -> None:
        self.invoice, self.status = invoice, status
        super().__init__(f"Invoice {invoice} is {status}: there is nothing left to pay.")


class OnlinePaymentUnavailable(PaymentError, Conflict):
    """The tenant takes bank transfers only (the manual processor)."""

    def __init__(self, invoice: str) -> None:
        self.invoice = invoice
        super().__init__(
            f"Online payment is not available: please pay invoice {invoice} by bank transfer,"
            " with the invoice number as the reference."
        )


class AutomaticPaymentInProgress(PaymentError, Conflict):
    """An off-session charge of the invoice is pending: paying by hand now could capture it twice."""

    def __init__(self, invoice: str) -> None:
        self.invoice = invoice
        super().__init__(
            f"An automatic payment of invoice {invoice} is in progress; wait for its result before paying."
        )


class PaymentJustCompleted(PaymentError, Conflict):
    """The open checkout session was paid while a new one was being prepared."""

    def __init__(self, invoice: str) -> None:
        self.invoice = invoice
        super().__init__(
            f"A payment of invoice {invoice} has just completed; its confirmation arrives in a moment."
        )


class PaymentProviderFailed(PaymentError):
    """The processor refused or did not answer; nothing was charged."""

    http_status = 502

    def __init__(self, detail: str = "") -> None:
        reason = f" ({detail})" if detail else ""
        super().__init__(
            f"The payment provider could not start the payment{reason}. Nothing was charged; try again."
        )


class CardNotRemoved(PaymentError):
    """The processor did not detach the saved card; it stays saved here too, so nothing is half done."""

    http_status = 502

    def __init__(self, detail: str = "") -> None:
        reason = f" ({detail})" if detail else ""
        super().__init__(
            f"The payment provider could not remove the card{reason}. It is still saved; try again."
        )


class WebhookRefused(PaymentError):
    """A webhook delivery whose signature does not verify (or a door that has no account)."""

    http_status = 400


class WebhookFailed(PaymentError):
    """Handling a verified event failed and was rolled back; the processor delivers it again."""

    http_status = 500


class CardPaymentsUnavailable(PaymentError, Conflict):
    """The tenant takes bank transfers only: there is no card to save or to charge automatically."""

    def __init__(self) -> None:
        super().__init__("Card payments are not set up here: invoices are paid by bank transfer.")


class NoSavedMethod(PaymentError, Conflict):
    """Automatic payment charges the saved card: without one it cannot be switched on."""

    def __init__(self) -> None:
        super().__init__("Save a card first: automatic payment charges the saved card.")
