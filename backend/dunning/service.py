"""Payment reminders, past due after the last one, and the reversal when the invoice is paid
(SPEC §4 dunning, §9 "overdue and dunning").

- Step n of an overdue invoice is due `offsets[n - 1]` calendar days (tenant time zone, same time
  of day) after its due date. Each step happens once: the invoice's row is locked, its step
  (`Invoice.dunning_level`) re-read, and the step, its audit entry and its mail are written in one
  transaction, so a job that runs twice or dies half-way sends it once.
- After downtime only the latest step that is due is sent; the ones missed are recorded as
  skipped in the audit entry, never sent late (docs/decisions.md).
- After the last step, the subscriptions billed on the invoice go past due (`Lifecycle`), and if
  the tenant suspends service, the suspension hook (hooks.py) runs for each.
- `settle` reverses it when the invoice is paid or voided: its past-due subscriptions return to
  active (unless another unpaid invoice that got its last reminder still holds them) and the
  unsuspend hook runs; as it is no longer overdue, no further step is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.dunning.hooks import suspension_hook
from backend.dunning.reminder_mail import queue_reminder_mail
from backend.dunning.repository import DunningInvoiceRepository
from backend.dunning.settings import DunningPolicy, tenant_policy
from backend.invoicing import settlement
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Invoice, SubscriptionStatus
from backend.periods import add_days
from backend.subscriptions.service import Lifecycle


@dataclass(frozen=True, slots=True)
class ReminderStep:
    number: int  # 1-based
    days_after_due: int
    due_at: datetime
    last: bool


def due_step(policy: DunningPolicy, due_at: datetime, now: datetime) -> ReminderStep | None:
    """The latest reminder step due at `now` for an invoice due at `due_at` (None before the first)."""
    found = None
    for number, days in enumerate(policy.offsets, start=1):
        at = add_days(due_at, days, policy.time_zone)
        if at > now:
            break
        found = ReminderStep(number, days, at, number == policy.steps)
    return found


def _thresholds(policy: DunningPolicy, now: datetime) -> list[datetime]:
    """Per level (steps sent), the latest due date whose next step is due at `now` (the query's
    candidates; `due_step` decides exactly)."""
    return [add_days(now, -days, policy.time_zone) for days in policy.offsets]


def invoices_with_step_due(
    session: Session, scope: TenantScope, now: datetime, first: int = 0, last: int | None = None
) -> list[int]:
    """Ids of the overdue invoices whose next reminder step is due at `now`."""
    policy = tenant_policy(session, scope)
    if not policy.offsets:
        return []
    return DunningInvoiceRepository(session, scope).with_step_due(_thresholds(policy, now), first, last)


def next_step_at(session: Session, scope: TenantScope) -> datetime | None:
    """When the next reminder step of any overdue invoice falls due (None: no step is pending), so
    the scenario runner stops its clock there."""
    policy = tenant_policy(session, scope)
    if not policy.offsets:
        return None
    pending = DunningInvoiceRepository(session, scope).earliest_pending(policy.steps)
    return min(
        (add_days(due, policy.offsets[level], policy.time_zone) for due, level in pending), default=None
    )


def send_due_reminders(session: Session, scope: TenantScope, first: int, last: int, now: datetime) -> int:
    """Send the due step of each overdue invoice with an id in [first, last]; returns how many
    invoices got a reminder. The reminder job's unit (SYSTEM)."""
    authorize(audit.SYSTEM, scope, Action.SEND_PAYMENT_REMINDERS)
    policy = tenant_policy(session, scope)
    if not policy.offsets:
        return 0
    invoices = DunningInvoiceRepository(session, scope).lock_with_step_due(
        _thresholds(policy, now), first, last
    )
    sent = 0
    for invoice in invoices:
        assert invoice.due_at is not None
        step = due_step(policy, invoice.due_at, now)
        if step is None or step.number <= invoice.dunning_level:
            continue
        _remind(session, scope, invoice, step, policy, now)
        sent += 1
    return sent


def _remind(
    session: Session,
    scope: TenantScope,
    invoice: Invoice,
    step: ReminderStep,
    policy: DunningPolicy,
    now: datetime,
) -> None:
    previous = invoice.dunning_level
    skipped = list(range(previous + 1, step.number))  # missed while the job was down: not sent late
    invoice.dunning_level, invoice.last_reminder_at = step.number, now
    session.flush()
    past_due = _past_due_after_last_step(session, scope, invoice, policy, now) if step.last else []
    mail = queue_reminder_mail(session, scope, invoice, step.number, policy.steps, now, policy.time_zone)
    audit.record(
        session,
        scope,
        audit.SYSTEM,
        "invoice.payment_reminder",
        object_type="invoice",
        object_id=invoice.id,
        before={"reminder_step": previous},
        after={
            "reminder_step": step.number,
            "of_steps": policy.steps,
            "days_after_due": step.days_after_due,
            "skipped_steps": skipped,
            "past_due_subscriptions": past_due,
            "mail": mail.id if mail is not None else None,
        },
    )


def _past_due_after_last_step(
    session: Session, scope: TenantScope, invoice: Invoice, policy: DunningPolicy, now: datetime
) -> list[int]:
    """The invoice's active subscriptions go past due (and are suspended if the tenant says so);
    returns their ids. Ended, canceling or already past-due subscriptions stay as they are."""
    assert invoice.id is not None
    lifecycle = Lifecycle(session, scope, audit.SYSTEM)
    hook = suspension_hook()
    moved = []
    for subscription_id, status, _ in DunningInvoiceRepository(session, scope).billed_subscriptions(
        invoice.id
    ):
        if status != SubscriptionStatus.ACTIVE:
            continue
        lifecycle.mark_past_due(subscription_id, now, suspend=policy.suspend_service)
        if policy.suspend_service:
            hook.suspend(session, scope, subscription_id, now)
        moved.append(subscription_id)
    return moved


def settle(
    session: Session, scope: TenantScope, invoice: Invoice, now: datetime, actor: audit.Actor
) -> list[int]:
    """The invoice was paid (or voided): its past-due subscriptions return to active and are
    unsuspended, unless another unpaid invoice that got its last reminder still holds them.
    Returns the reinstated ids. A step of the operation that settled the invoice (which asked the
    policy for `actor`): the reinstatement is the system's rule, not the payer's right (a customer
    paying online may not reinstate subscriptions themselves), so it acts as SYSTEM; the audit
    entry names who settled."""
    repository = DunningInvoiceRepository(session, scope)
    if invoice.id is None or repository.get(invoice.id) is None:
        raise NotFoundError("Invoice not found.")  # an invoice of another tenant, never acted on
    if invoice.dunning_level == 0:
        return []  # never reminded: nothing of dunning to reverse
    policy = tenant_policy(session, scope)
    past_due = {
        sid: suspended
        for sid, status, suspended in repository.billed_subscriptions(invoice.id)
        if status == SubscriptionStatus.PAST_DUE
    }
    held = repository.still_final(list(past_due), policy.steps, invoice.id)
    lifecycle = Lifecycle(session, scope, audit.SYSTEM)
    hook = suspension_hook()
    reinstated = []
    for subscription_id, suspended in past_due.items():
        if subscription_id in held:
            continue
        lifecycle.reinstate(subscription_id, now)
        if suspended:
            hook.unsuspend(session, scope, subscription_id, now)
        reinstated.append(subscription_id)
    audit.record(
        session,
        scope,
        actor,
        "invoice.dunning_settled",
        object_type="invoice",
        object_id=invoice.id,
        before={"reminder_step": invoice.dunning_level},
        after={"status": str(invoice.status), "reinstated_subscriptions": reinstated},
    )
    return reinstated


settlement.on_settled("dunning", settle)
