"""The admin's audit log page: the filtered log a page at a time, each entry's before/after as a
list of changed fields, and the filtered log as CSV.

Admins only (`READ_AUDIT_LOG`); every read goes through the tenant's `AuditLogRepository`, so an
admin sees their own tenant's entries and nothing else. Actions and objects are shown in the
admin's words (`action_words`, `object_words`); an action without words is spelled out from its
name, so a new action is readable before anyone writes words for it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.repository import AuditFilter, AuditLogRepository, EntryWithActor
from backend.audit.schemas import AuditFilterChoices, AuditLogPage, AuditRow, AuditSearch, Choice, FieldChange
from backend.kit.errors import FieldErrors
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.kit.text import safe_cell

PAGE_SIZE = 20
VALUE_SHOWN = 300  # characters of one value in the diff; the CSV keeps whole values
SYSTEM_ACTOR = "System"  # entries without a user: jobs, the CLI, provider webhooks

# What the log's actions mean, in the admin's words (actions missing here are spelled out).
ACTION_WORDS = {
    "auth.login": "Signed in",
    "auth.login_failed": "Sign-in failed",
    "auth.logout": "Signed out",
    "auth.registered": "Registered",
    "auth.email_confirmed": "Email address confirmed",
    "auth.password_changed": "Password changed",
    "auth.password_reset": "Password reset",
    "auth.password_reset_requested": "Password reset requested",
    "audit.export": "Audit log exported",
    "customer.add_note": "Note added to customer",
    "customer.export_notes": "Customer notes exported",
    "customer.profile_updated": "Billing profile changed",
    "customer.auto_billing": "Automatic card payment switched",
    "customer.member_invited": "Member invited",
    "customer.member_removed": "Member removed",
    "customer.member_role_changed": "Member's role changed",
    "customer.invitation_accepted": "Invitation accepted",
    "customer.invitation_revoked": "Invitation withdrawn",
    "customer.account_replaced": "Joined another customer account",
    "exchange_rate.add": "Exchange rate added",
    "invoice.draft_created": "Invoice draft written",
    "invoice.draft_changed": "Invoice draft changed",
    "invoice.draft_deleted": "Invoice draft deleted",
    "invoice.issue": "Invoice issued",
    "invoice.void": "Invoice voided",
    "invoice.credit": "Credit note issued",
    "invoice.mark_paid": "Invoice marked paid",
    "invoice.mark_unpaid": "Invoice marked unpaid",
    "invoice.payment_received": "Payment received",
    "invoice.payment_reminder": "Payment reminder sent",
    "invoice.dunning_settled": "Reminders ended: invoice settled",
    "invoice.auto_payment_failed": "Automatic card payment failed",
    "invoices.bill_now": "Billing run finished",
    "invoices.bill_now_requested": "Bill now requested",
    "payment.bank_transfer_recorded": "Bank transfer recorded",
    "payment.refund_requested": "Refund requested",
    "payment.refunded": "Refunded",
    "payment.refund_failed": "Refund failed",
    "payment.dispute_opened": "Dispute opened",
    "payment.dispute_changed": "Dispute updated",
    "payment.unapplied": "Payment not matched to an invoice",
    "payment_link.created": "Payment link created",
    "payment_link.revoked": "Payment link withdrawn",
    "payment_method.saved": "Card saved",
    "payment_method.removed": "Card removed",
    "payment_method.setup_started": "Card setup started",
    "payout.paid": "Payout paid",
    "payout.failed": "Payout failed",
    "plan.addon_allowed": "Addon offered with plan",
    "plan.addon_disallowed": "Addon no longer offered with plan",
    "subscription.order": "Subscription ordered",
    "subscription.cancel": "Cancellation scheduled",
    "subscription.resume": "Subscription resumed",
    "subscription.change_plan": "Plan changed",
    "subscription.cancel_immediately": "Subscription canceled immediately",
    "subscription.withdraw": "Order withdrawn",
    "subscription.past_due": "Subscription marked past due",
    "subscription.reinstate": "Subscription reinstated",
    "subscription.service_started": "Server running: billing started",
    "subscription.add_addon": "Addon added",
    "subscription.remove_addon": "Addon removed",
    "tenant.dunning_settings": "Payment reminder settings changed",
    "tenant.oss_settings": "OSS settings changed",
    "tenant.payment_retry_schedule": "Card retry schedule changed",
    "tenant.stripe_keys_saved": "Stripe keys saved",
    "tenant.stripe_keys_removed": "Stripe keys removed",
    "tenant.seeded": "Demo data created",
    "token.created": "API token created",
    "token.revoked": "API token revoked",
    "user.role_changed": "User's role changed",
}
OBJECT_WORDS = {
    "customer_account": "Customer",
    "invoice": "Invoice",
    "credit_note": "Credit note",
    "subscription": "Subscription",
    "user": "User",
    "api_token": "API token",
    "tenant": "Settings",
    "payment": "Payment",
    "payment_link": "Payment link",
    "plan": "Plan",
    "addon": "Addon",
    "service_type": "Service type",
    "promotion": "Promotion",
}


def _spelled(name: str) -> str:
    return name.replace("_", " ").replace(".", " ").strip().capitalize()


def action_words(action: str) -> str:
    """`action` as the admin reads it: "Invoice voided" for "invoice.void"; an action without
    words is spelled out ("plan.updated" -> "Plan: updated")."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    subject, _, verb = action.partition(".")
    return f"{_spelled(subject)}: {verb.replace('_', ' ')}" if verb else _spelled(subject)


def object_words(object_type: str) -> str:
    return OBJECT_WORDS.get(object_type) or _spelled(object_type)


def checked_search(
    who: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> AuditSearch:
    """The filters trimmed to what the log can hold; a range that ends before it starts is
    refused, naming the field."""
    if since and until and until < since:
        raise FieldErrors({"until": "Until: choose a date on or after the start date."})
    return AuditSearch(
        who=who.strip()[:254],
        action=action.strip()[:100],
        object_type=object_type.strip()[:64],
        object_id=object_id.strip()[:64],
        since=since,
        until=until,
    )


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields an entry's before/after differ in, in the order they were recorded (before's
    fields first): changed, added (after only) or removed (before only); equal fields are left out."""
    old, new = before or {}, after or {}
    changes = []
    for name in [*old, *(key for key in new if key not in old)]:
        if name in old and name in new:
            if old[name] == new[name]:
                continue
            kind = "changed"
        else:
            kind = "removed" if name in old else "added"
        changes.append(
            FieldChange(
                name=name,
                label=_spelled(name),
                kind=kind,
                old=_shown(old[name])[:VALUE_SHOWN] if name in old else "",
                new=_shown(new[name])[:VALUE_SHOWN] if name in new else "",
            )
        )
    return changes


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def audit_page(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    search: AuditSearch,
    *,
    starting_after: int | None = None,
    ending_before: int | None = None,
    per_page: int = PAGE_SIZE,
) -> AuditLogPage:
    """The matching entries, newest first: the newest page, the page older than the entry
    `starting_after`, or the page newer than `ending_before`."""
    authorize(actor, scope, Action.READ_AUDIT_LOG)
    zone = _zone(session, scope)
    wanted = _filter(search, zone)
    log = AuditLogRepository(session, scope)
    found = log.matching_page(
        wanted, limit=per_page, starting_after=starting_after, ending_before=ending_before
    )
    rows = [_row(row, zone) for row in found.items]
    if ending_before is None:  # the newest page, or one further back
        has_older = found.has_more
        has_newer = bool(rows) and starting_after is not None and _any(log, wanted, ending_before=rows[0].id)
    else:  # a page back towards the newest
        has_older = bool(rows) and _any(log, wanted, starting_after=rows[-1].id)
        has_newer = found.has_more
    return AuditLogPage(rows, log.count_matching(wanted), has_older, has_newer, str(zone))


def _any(log: AuditLogRepository, wanted: AuditFilter, **cursor: int) -> bool:
    return bool(log.matching_page(wanted, limit=1, **cursor).items)


def filter_choices(session: Session, scope: TenantScope, actor: Actor) -> AuditFilterChoices:
    """The actions and object types the tenant's log holds, each with its words, for the filters."""
    authorize(actor, scope, Action.READ_AUDIT_LOG)
    log = AuditLogRepository(session, scope)
    actions = sorted((Choice(a, action_words(a)) for a in log.actions()), key=lambda c: c.label)
    objects = sorted((Choice(o, object_words(o)) for o in log.object_types()), key=lambda c: c.label)
    return AuditFilterChoices(actions, objects)


CSV_COLUMNS = (
    "time",
    "actor",
    "action",
    "action_code",
    "object_type",
    "object_id",
    "changes",
    "before",
    "after",
    "ip_address",
)


def record_export(session: Session, scope: TenantScope, actor: Actor, search: AuditSearch) -> None:
    """Audit that the admin exported the log with these filters (before the file is sent)."""
    authorize(actor, scope, Action.READ_AUDIT_LOG)
    audit.record(session, scope, actor, "audit.export", after={"filters": _described(search)})


def csv_lines(session: Session, scope: TenantScope, actor: Actor, search: AuditSearch) -> Iterator[str]:
    """The matching entries as CSV lines (header first, newest entry next), read in batches while
    the caller sends them; times on the tenant's wall clock, the zone named in the header. A cell a
    spreadsheet would run as a formula gets a leading apostrophe."""
    authorize(actor, scope, Action.READ_AUDIT_LOG)  # here, not on the first line the caller pulls
    zone = _zone(session, scope)
    entries = AuditLogRepository(session, scope).all_matching(_filter(search, zone))
    return _lines(entries, zone)


def _lines(entries: Iterator[EntryWithActor], zone: ZoneInfo) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(cells: list[str]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow([safe_cell(cell) for cell in cells])
        return out.getvalue()

    yield line([*(f"time ({zone})" if c == "time" else c for c in CSV_COLUMNS)])
    for entry, email, _ in entries:
        changes = "; ".join(
            f"{c.label}: {c.old or '-'} -> {c.new or '-'}" for c in field_changes(entry.before, entry.after)
        )
        yield line(
            [
                _moment(entry.created_at, zone),
                email or SYSTEM_ACTOR,
                action_words(entry.action),
                entry.action,
                entry.object_type,
                entry.object_id,
                changes,
                _json(entry.before),
                _json(entry.after),
                entry.ip_address,
            ]
        )


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _described(search: AuditSearch) -> dict[str, str]:
    shown = {
        "who": search.who,
        "action": search.action,
        "object_type": search.object_type,
        "object_id": search.object_id,
        "since": search.since.isoformat() if search.since else "",
        "until": search.until.isoformat() if search.until else "",
    }
    return {key: value for key, value in shown.items() if value}


def _filter(search: AuditSearch, zone: ZoneInfo) -> AuditFilter:
    """The search with its days turned into moments: from the first day's midnight to the midnight
    after the last, in the tenant's time zone."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    return AuditFilter(
        actor=search.who,
        action=search.action,
        object_type=search.object_type,
        object_id=search.object_id,
        since=midnight(search.since) if search.since else None,
        until=midnight(search.until + timedelta(days=1)) if search.until else None,
    )


def _row(found: EntryWithActor, zone: ZoneInfo) -> AuditRow:
    entry, email, _ = found
    return AuditRow(
        id=entry.id or 0,
        when=_moment(entry.created_at, zone),
        actor=email or SYSTEM_ACTOR,
        action=entry.action,
        action_words=action_words(entry.action),
        object_type=entry.object_type,
        object_words=object_words(entry.object_type) if entry.object_type else "",
        object_id=entry.object_id,
        ip_address=entry.ip_address,
        changes=field_changes(entry.before, entry.after),
    )


def _moment(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _zone(session: Session, scope: TenantScope) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")
