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

from backend.billing.tasks import SUBSCRIPTION_BILLING
from backend.documents.tasks import DOCUMENT_RENDERING
from backend.dunning.tasks import DUNNING
from backend.exports.tasks import EXPORTS
from backend.invoicing.tasks import BILL_NOW, INVOICE_RUN, OVERDUE_MARKING
from backend.kit.coordination import Coordinator
from backend.mail.tasks import MAIL_DELIVERY
from backend.payments.tasks import AUTO_PAYMENT
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
    OVERDUE_MARKING,
    DUNNING,
    RENEWAL_REMINDERS,
    MAIL_DELIVERY,
    EXPORTS,  # admins' CSV exports: not part of the billing timeline (not simulated)
)
_EXTRA: dict[str, Coordinator] = {}


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
