"""Dunning (backend/dunning): the reminder job, the reversal when an invoice is settled, and the
reminder settings, each run by tenant B with tenant A's ids.

A and B both remind 3 and 50 days after the due date (B suspends no service): at NOW A's overdue
invoice is due its second and last step, while nothing of B is overdue. The settings live on the
tenant row, picked by the scope's id rather than by a repository filter (`filtered=False`): B
reads and replaces its own, and A's row stays as it was.
"""

from __future__ import annotations

from backend.dunning import reminder_mail, settings, tasks
from backend.dunning import service as dunning
from backend.dunning.repository import DunningInvoiceRepository
from backend.dunning.schemas import DunningSettingsView
from backend.dunning.settings import DunningPolicy
from backend.invoicing import settlement
from backend.models import Invoice
from tests.isolation.probes import Probe, equals, nothing
from tests.isolation.repository_probes import EVERY_ID, R
from tests.isolation.service_probes import NOT_FOUND, S, coordinator_units, of, unit
from tests.isolation.world import NOW, Side


def b_settings(offsets: list[int], suspend: bool) -> DunningSettingsView:
    return DunningSettingsView(
        reminder_offsets_days=offsets,
        suspend_service=suspend,
        enabled=True,
        suggested_offsets_days=[3, 10, 17],
    )


def overdue(session: object, a: Side) -> Invoice:
    return of(session, Invoice, a.overdue_invoice)  # type: ignore[arg-type]


DUNNING_REPOSITORY_PROBES: list[Probe] = [
    R(DunningInvoiceRepository.with_step_due, lambda s, me, a: ([NOW, NOW], *EVERY_ID)),
    R(DunningInvoiceRepository.lock_with_step_due, lambda s, me, a: ([NOW, NOW], *EVERY_ID)),
    R(DunningInvoiceRepository.earliest_pending, lambda s, me, a: (2,)),
    R(DunningInvoiceRepository.billed_subscriptions, lambda s, me, a: (a.overdue_invoice,)),
    R(DunningInvoiceRepository.still_final, lambda s, me, a: ([a.past_due_sub], 1, 0)),
]

DUNNING_PROBES: list[Probe] = [
    *coordinator_units(tasks.DUNNING, lambda a: unit(a.overdue_invoice)),
    S(
        dunning.invoices_with_step_due,
        lambda s, me, a: dunning.invoices_with_step_due(s, me.scope, NOW),
        nothing,
    ),
    S(dunning.next_step_at, lambda s, me, a: dunning.next_step_at(s, me.scope), nothing),
    S(
        dunning.send_due_reminders,
        lambda s, me, a: dunning.send_due_reminders(s, me.scope, *EVERY_ID, NOW),
        nothing,
    ),
    # A's overdue invoice had a reminder and bills A's past-due subscription: A's settle reinstates it.
    S(dunning.settle, lambda s, me, a: dunning.settle(s, me.scope, overdue(s, a), NOW, me.actor), NOT_FOUND),
    S(
        settlement.invoice_settled,
        lambda s, me, a: settlement.invoice_settled(s, me.scope, overdue(s, a), NOW, me.actor),
        NOT_FOUND,
    ),
    # B's scope has no billing profile of A's customer: no mail to A's customer from B.
    S(
        reminder_mail.queue_reminder_mail,
        lambda s, me, a: reminder_mail.queue_reminder_mail(
            s, me.scope, overdue(s, a), 2, 2, NOW, "Europe/Berlin"
        ),
        nothing,
    ),
    S(
        settings.dunning_settings,
        lambda s, me, a: settings.dunning_settings(s, me.scope, me.actor),
        equals(lambda b: b_settings([3, 50], False)),
        filtered=False,
    ),
    S(
        settings.tenant_policy,
        lambda s, me, a: settings.tenant_policy(s, me.scope),
        equals(lambda b: DunningPolicy((3, 50), False, "Europe/Berlin")),
        filtered=False,
    ),
    S(
        settings.update_dunning_settings,
        lambda s, me, a: settings.update_dunning_settings(
            s, me.scope, me.actor, reminder_offsets_days=[5], suspend_service=True
        ),
        equals(lambda b: b_settings([5], True)),
        filtered=False,
    ),
]
