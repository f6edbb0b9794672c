"""Every coordinator of the recurring work, in the order one tick of the clock runs them.

The list is explicit, so the call graph shows who runs what: cancellations that took effect first,
then provisioning (servers of ended subscriptions deleted, new ones started, whose billing starts
when they run), then due periods, then invoices for what was charged and the admins' "bill now" runs, then the
documents of what they issued, the automatic card payments of what they issued (before overdue
marking, so an invoice paid by card never turns overdue), then overdue marking, the payment
reminders of what turned overdue (dunning), renewal reminders, and last the mail delivery, which
sends what the others queued in the same tick.
Extra coordinators (tests, plugins) are registered at run time and run after the built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.billing.tasks import SUBSCRIPTION_BILLING
from backend.documents.tasks import DOCUMENT_RENDERING
from backend.dunning.tasks import DUNNING
from backend.exports.tasks import EXPORTS
from backend.invoicing.tasks import BILL_NOW, INVOICE_RUN, OVERDUE_MARKING, REVENUE_ROLLUP
from backend.kit.coordination import Coordinator
from backend.mail.tasks import MAIL_DELIVERY
from backend.payments.tasks import AUTO_PAYMENT, WEBHOOK_EVENTS
from backend.provisioning.tasks import PROVISIONING
from backend.subscriptions.reminders import RENEWAL_REMINDERS
from backend.subscriptions.tasks import EXPIRATION

BUILTIN: tuple[Coordinator, ...] = (
    EXPIRATION,
    PROVISIONING,
    SUBSCRIPTION_BILLING,
    INVOICE_RUN,
    BILL_NOW,
    DOCUMENT_RENDERING,
    AUTO_PAYMENT,
    WEBHOOK_EVENTS,
    OVERDUE_MARKING,
    DUNNING,
    RENEWAL_REMINDERS,
    MAIL_DELIVERY,
    EXPORTS,  # admins' CSV exports: not part of the billing timeline (not simulated)
    REVENUE_ROLLUP,  # the revenue report's daily sums of closed days (not simulated)
)
_EXTRA: dict[str, Coordinator] = {}


@dataclass(frozen=True, slots=True)
class CoordinatorWords:
    """How a coordinator is named wherever people read about it (the admin overview, the CLI)."""

    title: str  # "Billing run", never "subscription_billing"
    summary: str  # what it does, in one sentence of the admin's words


# The one place a coordinator gets its name in words; `words` spells out any coordinator missing here.
WORDS: dict[str, CoordinatorWords] = {
    EXPIRATION.name: CoordinatorWords("Cancellations", "Ends subscriptions whose cancellation takes effect"),
    PROVISIONING.name: CoordinatorWords(
        "Server setup", "Creates, starts, stops and deletes servers; retries server backorders"
    ),
    SUBSCRIPTION_BILLING.name: CoordinatorWords(
        "Billing run", "Adds each subscription's due period to the charges waiting for the next invoice"
    ),
    INVOICE_RUN.name: CoordinatorWords(
        "Invoice run", "Issues one invoice per customer on their billing day, with the waiting charges"
    ),
    BILL_NOW.name: CoordinatorWords("Bill now", "Runs the billing an admin asked for with Bill now"),
    DOCUMENT_RENDERING.name: CoordinatorWords(
        "Invoice PDFs", "Renders the PDF of each issued invoice and credit note"
    ),
    AUTO_PAYMENT.name: CoordinatorWords(
        "Card payments and retries", "Charges issued invoices to the saved card and retries declined cards"
    ),
    WEBHOOK_EVENTS.name: CoordinatorWords(
        "Stripe events", "Handles the events Stripe sent (payments, refunds, disputes); retries failed ones"
    ),
    OVERDUE_MARKING.name: CoordinatorWords(
        "Overdue invoices", "Marks unpaid invoices past their due date overdue"
    ),
    DUNNING.name: CoordinatorWords(
        "Payment reminders", "Sends the payment reminder that is due; past due after the last one"
    ),
    RENEWAL_REMINDERS.name: CoordinatorWords(
        "Renewal reminders", "Tells customers a few days ahead that their subscription renews"
    ),
    MAIL_DELIVERY.name: CoordinatorWords("Emails", "Sends queued emails and retries refused ones"),
    EXPORTS.name: CoordinatorWords("CSV exports", "Writes the large CSV exports admins asked for"),
    REVENUE_ROLLUP.name: CoordinatorWords(
        "Revenue totals", "Adds up each finished day's invoices and credit notes for the revenue page"
    ),
}


def words(name: str, description: str = "") -> CoordinatorWords:
    """The coordinator `name` in words; one without an entry in `WORDS` (a plugin's) is spelled
    out from its name, with its own description."""
    found = WORDS.get(name)
    return found or CoordinatorWords(name.replace("_", " ").capitalize(), description)


def register(coordinator: Coordinator) -> Coordinator:
    """Add a coordinator that runs after the built-in ones (re-registering a name replaces it)."""
    if any(builtin.name == coordinator.name for builtin in BUILTIN):
        raise ValueError(f"{coordinator.name!r} is a built-in coordinator")
    _EXTRA[coordinator.name] = coordinator
    return coordinator


def coordinators() -> list[Coordinator]:
    """Every coordinator, in the order they must run in one tick of the clock."""
    return [*BUILTIN, *_EXTRA.values()]


def get(name: str) -> Coordinator:
    for coordinator in coordinators():
        if coordinator.name == name:
            return coordinator
    raise KeyError(name)
