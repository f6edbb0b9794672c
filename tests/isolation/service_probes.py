"""The isolation table of billing operations: each run by tenant B's actor with tenant A's ids.

`call(session, me, a)` acts in `me`'s scope (B, then A for the control) on A's ids, or on `me`'s
own objects mixed with one id of A. The default expectation is `NotFoundError`. Every operation of
the lifecycle, invoicing, charging, credit and promotion services that takes a scope has a line
here or a reasoned entry in `EXEMPT` (tests/isolation/test_isolation_coverage.py checks it); the
catalog's are in catalog_probes.py, tax, OSS and exchange rates in tax_probes.py, and what reads
billing as a whole in overview_probes.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.audit.service import SYSTEM
from backend.billing import charging
from backend.billing import tasks as billing_tasks
from backend.invoicing import credit_notes, drafts, issuing, promotions, runs
from backend.invoicing import service as invoicing
from backend.invoicing import tasks as invoicing_tasks
from backend.invoicing.drafts import InvoicingContext
from backend.kit.coordination import Coordinator
from backend.kit.errors import NotFoundError
from backend.kit.repository import CrossTenantWrite
from backend.models import Invoice, Promotion, PromotionRedemption, Subscription
from backend.subscriptions import previews, reads
from backend.subscriptions import tasks as subscription_tasks
from backend.subscriptions.credits import Credit, UnusedTime
from backend.subscriptions.errors import SubscriptionError
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from tests.isolation.probes import Check, Probe, Raises, nothing, views_of_b
from tests.isolation.world import NOW, T1, Side, unbilled

NOT_FOUND = Raises(NotFoundError)


def S(
    operation: Callable[..., Any],
    call: Callable[[Session, Side, Side], Any],
    expect: Check | Raises = NOT_FOUND,
    *,
    control: bool = True,
    label: str = "",
    filtered: bool = True,
) -> Probe:
    return Probe(operation, call, expect, control, label, filtered)


def coordinator_units(coordinator: Coordinator, key_of_a: Callable[[Side], str]) -> list[Probe]:
    """Finding units in B finds none (nothing of B is due); B running the unit that holds A's
    objects changes nothing."""
    find, run = coordinator.find_units, coordinator.run_unit
    return [
        S(find, lambda s, me, a: find(s, me.scope, NOW), nothing),
        S(run, lambda s, me, a: run(s, me.scope, key_of_a(a), NOW), nothing),
    ]


def unit(object_id: int) -> str:
    """The key of the unit (500 ids, as the coordinators cut them) that holds `object_id`."""
    first = object_id // 500 * 500
    return f"ids:{first}-{first + 499}"  # written out: the probe must not trust IdRange


def of(session: Session, model: type[Any], object_id: int) -> Any:
    return session.get(model, object_id)


def number_of(session: Session, subscription_id: int) -> str:
    subscription = of(session, Subscription, subscription_id)
    assert subscription is not None
    return str(subscription.number)


def order(customer: Callable[[Side, Side], int], plan: Callable[[Side, Side], int], **extra: Any) -> Any:
    """An order by `customer(me, a)` of `plan(me, a)`; `extra` maps request fields to `f(me, a)`."""

    def call(session: Session, me: Side, a: Side) -> Any:
        fields = {name: value(me, a) for name, value in extra.items()}
        return Lifecycle(session, me.scope, me.actor).order(
            OrderRequest(customer(me, a), plan(me, a), **fields), NOW
        )

    return call


def a_drafts_issued_by(session: Session, me: Side, a: Side) -> list[int]:
    """Drafts of A's unbilled charges (built in A), issued in `me`'s invoicing context."""
    positions = unbilled(session, a.scope, a.customer_id)
    built = drafts.build_drafts(InvoicingContext(session, a.scope), positions)
    return issuing.issue_drafts(InvoicingContext(session, me.scope), built, NOW)


def a_credits(session: Session, a: Side) -> list[Credit]:
    """A's credits (computed in A) for the unused rest of the February charge of its expiring
    subscription, as if it ended on 14 Feb: the charge is on A's issued invoice."""
    subscription = of(session, Subscription, a.expiring_sub)
    return UnusedTime(session, a.scope).credits_after(subscription, T1 + timedelta(days=10))


def a_usage(session: Session, a: Side) -> promotions.PromotionUsage:
    """One more use of A's promotion redemption, as a draft invoice would take it."""
    redemption = of(session, PromotionRedemption, a.redemption_id)
    return promotions.PromotionUsage(redemption, of(session, Promotion, a.promotion_id), periods_used=1)


def credit_note_probes(operation: Callable[..., Any]) -> list[Probe]:
    """A credit note on A's invoice, and one crediting A's line on B's own invoice."""
    one = Decimal(1)
    return [
        S(
            operation,
            lambda s, me, a: operation(
                s, me.scope, a.paid_invoice, {a.paid_line: one}, "x", NOW, actor=me.actor
            ),
        ),
        S(
            operation,
            lambda s, me, a: operation(
                s, me.scope, me.paid_invoice, {a.paid_line: one}, "x", NOW, actor=me.actor
            ),
            label="A's line on B's invoice",
            filtered=False,  # (a line is looked up among the lines of the invoice it is credited on)
        ),
    ]


def latest_invoice(me: Side) -> int:
    """An invoice of `me` without a promotion use yet (B has only its paid one; A's issued one)."""
    return me.issued_invoice or me.paid_invoice


L = Lifecycle
SERVICE_PROBES: list[Probe] = [
    # --- the subscription lifecycle -------------------------------------------------------------
    S(L.order, order(lambda me, a: a.customer_id, lambda me, a: me.plan_id), label="A's customer"),
    S(L.order, order(lambda me, a: me.customer_id, lambda me, a: a.plan_id), label="A's plan"),
    S(
        L.order,
        order(lambda me, a: me.customer_id, lambda me, a: me.plan_id, addons=lambda me, a: {a.addon_id: 1}),
        label="A's addon",
    ),
    # A's code gets the answer an unknown code gets: B cannot tell that it exists.
    S(
        L.order,
        order(
            lambda me, a: me.customer_id,
            lambda me, a: me.plan_id,
            promotion_code=lambda me, a: a.promotion_code,
        ),
        Raises(SubscriptionError, "The promotion code WELCOME is not valid"),
        label="A's promotion code",
    ),
    # The preview places the order in a savepoint: A's customer or plan is not found there either.
    S(
        L.preview_order,
        lambda s, me, a: L(s, me.scope, me.actor).preview_order(OrderRequest(a.customer_id, me.plan_id), NOW),
        label="A's customer",
    ),
    S(
        L.preview_order,
        lambda s, me, a: L(s, me.scope, me.actor).preview_order(OrderRequest(me.customer_id, a.plan_id), NOW),
        label="A's plan",
    ),
    # The promotion check (with A's code, which B's scope never reaches): A's customer or plan is
    # not found in B.
    S(
        L.check_promotion,
        lambda s, me, a: L(s, me.scope, me.actor).check_promotion(
            OrderRequest(a.customer_id, me.plan_id, promotion_code=a.promotion_code), NOW
        ),
        label="A's customer",
    ),
    S(
        L.check_promotion,
        lambda s, me, a: L(s, me.scope, me.actor).check_promotion(
            OrderRequest(me.customer_id, a.plan_id, promotion_code=a.promotion_code), NOW
        ),
        label="A's plan",
    ),
    # Reading: B's admin lists B's own; A's number (B has no past-due one) is not found.
    S(
        reads.list_subscriptions,
        lambda s, me, a: reads.list_subscriptions(s, me.scope, me.actor).items,
        views_of_b(Subscription),
    ),
    S(
        reads.subscription_by_number,
        lambda s, me, a: reads.subscription_by_number(s, me.scope, number_of(s, a.past_due_sub), me.actor),
    ),
    S(
        reads.subscription_id_for_number,
        lambda s, me, a: reads.subscription_id_for_number(
            s, me.scope, number_of(s, a.past_due_sub), me.actor
        ),
    ),
    S(
        reads.subscription_views,
        lambda s, me, a: reads.subscription_views(s, me.scope, [of(s, Subscription, a.active_sub)]),
        Raises(CrossTenantWrite),
        filtered=False,  # (A's row is handed in: refused before its addons are read)
    ),
    # Changing to B's own plan: only the subscription lookup stands between B and A's subscription.
    S(
        L.preview_plan_change,
        lambda s, me, a: L(s, me.scope, me.actor).preview_plan_change(a.active_sub, me.plan_id, NOW),
    ),
    S(
        L.preview_plan_change,
        lambda s, me, a: L(s, me.scope, me.actor).preview_plan_change(me.active_sub, a.plan_id, NOW),
        label="to A's plan",
    ),
    S(L.change_plan, lambda s, me, a: L(s, me.scope, me.actor).change_plan(a.active_sub, me.plan_id, NOW)),
    S(
        L.change_plan,
        lambda s, me, a: L(s, me.scope, me.actor).change_plan(me.active_sub, a.plan_id, NOW),
        label="to A's plan",
    ),
    S(L.cancel, lambda s, me, a: L(s, me.scope, me.actor).cancel(a.active_sub, NOW)),
    S(
        previews.preview_cancel,
        lambda s, me, a: previews.preview_cancel(s, me.scope, me.actor, a.active_sub, NOW),
    ),
    S(
        previews.preview_next_charge,
        lambda s, me, a: previews.preview_next_charge(s, me.scope, a.active_sub),
    ),
    S(L.resume, lambda s, me, a: L(s, me.scope, me.actor).resume(a.canceling_sub, NOW)),
    # Addons: Bob's past-due subscription has none yet; Alice's active one has A's addon.
    S(
        L.preview_add_addon,
        lambda s, me, a: L(s, me.scope, me.actor).preview_add_addon(a.past_due_sub, me.addon_id, 1, NOW),
    ),
    S(
        L.add_addon,
        lambda s, me, a: L(s, me.scope, me.actor).add_addon(a.past_due_sub, me.addon_id, 1, NOW),
    ),
    S(
        L.add_addon,
        lambda s, me, a: L(s, me.scope, me.actor).add_addon(me.active_sub, a.addon_id, 1, NOW),
        label="A's addon to B's subscription",
        control=False,  # (in A, A's active subscription has the addon already: refused as attached)
    ),
    S(
        L.preview_remove_addon,
        lambda s, me, a: L(s, me.scope, me.actor).preview_remove_addon(a.active_sub, me.addon_id, NOW),
    ),
    S(
        L.remove_addon,
        lambda s, me, a: L(s, me.scope, me.actor).remove_addon(a.active_sub, me.addon_id, NOW),
    ),
    S(
        L.remove_addon,
        lambda s, me, a: L(s, me.scope, me.actor).remove_addon(me.active_sub, a.addon_id, NOW),
        label="A's addon from B's subscription",
    ),
    S(
        previews.preview_withdrawal,
        lambda s, me, a: previews.preview_withdrawal(s, me.scope, me.actor, a.canceling_sub, NOW),
    ),
    S(L.cancel_immediately, lambda s, me, a: L(s, me.scope, me.actor).cancel_immediately(a.active_sub, NOW)),
    S(L.withdraw, lambda s, me, a: L(s, me.scope, me.actor).withdraw(a.canceling_sub, NOW)),
    S(L.expire, lambda s, me, a: L(s, me.scope, SYSTEM).expire(a.expiring_sub)),
    S(
        L.mark_past_due,
        lambda s, me, a: L(s, me.scope, me.actor).mark_past_due(a.active_sub, NOW, suspend=True),
    ),
    S(L.reinstate, lambda s, me, a: L(s, me.scope, me.actor).reinstate(a.past_due_sub, NOW)),
    *coordinator_units(subscription_tasks.EXPIRATION, lambda a: unit(a.expiring_sub)),
    # --- charging -------------------------------------------------------------------------------
    *coordinator_units(billing_tasks.SUBSCRIPTION_BILLING, lambda a: unit(a.active_sub)),
    S(
        charging.Charger.bill,
        lambda s, me, a: charging.Charger(s, me.scope).bill([of(s, Subscription, a.active_sub)], NOW),
        Raises(CrossTenantWrite),
        filtered=False,  # (A's subscription is handed in: check_owned refuses it before any charge)
    ),
    # A billing unit's read: B's unit over every id finds none of A's due subscriptions.
    S(
        charging.Charger.lock_due,
        lambda s, me, a: charging.Charger(s, me.scope).lock_due(NOW, 0, 10**9),
        nothing,
    ),
    # A's subscription as a unit of A read it (a plain row), handed to B's charger: refused.
    S(
        charging.Charger.bill,
        lambda s, me, a: charging.Charger(s, me.scope).bill(
            charging.Charger(s, a.scope).lock_due(NOW, 0, 10**9), NOW
        ),
        Raises(CrossTenantWrite),
        filtered=False,
        label="plain rows",
    ),
    S(
        charging.Charger.attached_addons,
        lambda s, me, a: charging.Charger(s, me.scope).attached_addons([a.active_sub]),
        nothing,
    ),
    # --- invoicing ------------------------------------------------------------------------------
    *coordinator_units(invoicing_tasks.INVOICE_RUN, lambda a: unit(a.customer_id)),
    S(
        runs.due_customers,
        lambda s, me, a: runs.due_customers(InvoicingContext(s, me.scope), NOW),
        nothing,
    ),
    S(
        invoicing.bill_now,
        lambda s, me, a: invoicing.bill_now(
            s, me.scope, NOW, customer_account_id=a.customer_id, actor=me.actor
        ),
    ),
    S(
        invoicing.bill_now,
        lambda s, me, a: invoicing.bill_now(s, me.scope, NOW, actor=me.actor),
        nothing,
        label="every customer",
    ),
    S(issuing.issue_drafts, a_drafts_issued_by, nothing),
    S(
        credit_notes.credited_by_line,
        lambda s, me, a: credit_notes.credited_by_line(
            InvoicingContext(s, me.scope), of(s, Invoice, a.paid_invoice)
        ),
        nothing,
    ),
    # An admin's credit note, and the same without the policy check (a step of lifecycle operations).
    *credit_note_probes(invoicing.credit_invoice),
    *credit_note_probes(credit_notes.issue_credit_note),
    S(
        invoicing.void_invoice,
        lambda s, me, a: invoicing.void_invoice(s, me.scope, a.issued_invoice, "x", NOW, actor=me.actor),
    ),
    S(
        invoicing.mark_paid,
        lambda s, me, a: invoicing.mark_paid(
            s, me.scope, a.issued_invoice, NOW, actor=me.actor, reason="Paid by transfer"
        ),
    ),
    S(
        invoicing.mark_unpaid,
        lambda s, me, a: invoicing.mark_unpaid(
            s, me.scope, a.paid_invoice, NOW, actor=me.actor, reason="Transfer returned"
        ),
    ),
    S(runs.mark_overdue, lambda s, me, a: runs.mark_overdue(s, me.scope, NOW), nothing),
    *coordinator_units(invoicing_tasks.OVERDUE_MARKING, lambda a: "all"),
    # --- credits for unused time ----------------------------------------------------------------
    S(
        UnusedTime.credits_after,
        lambda s, me, a: UnusedTime(s, me.scope).credits_after(of(s, Subscription, a.canceling_sub), NOW),
        nothing,
    ),
    # A's credits are handed in (their charges are A's rows): refused before any credit note or
    # charge is written. A's own call credits its issued invoice.
    S(
        UnusedTime.apply,
        lambda s, me, a: UnusedTime(s, me.scope).apply(a_credits(s, a), NOW),
        Raises(CrossTenantWrite),
        filtered=False,
    ),
    # --- promotions -----------------------------------------------------------------------------
    S(promotions.give_back, lambda s, me, a: promotions.give_back(s, me.scope, a.paid_invoice, NOW), nothing),
    # A's redemption is handed in with an invoice of the acting side: refused before it changes.
    S(
        promotions.record_uses,
        lambda s, me, a: promotions.record_uses(s, me.scope, [(latest_invoice(me), [a_usage(s, a)])]),
        Raises(CrossTenantWrite),
        filtered=False,
    ),
]

# Operations without a probe, and why none is needed.
EXEMPT: dict[str, str] = {
    "billing.charging.Charger.add": (
        "writes the charges it is handed as rows of its own tenant; they are computed from"
        " subscriptions its callers locked in that tenant (probed: Charger.bill, Lifecycle, run units)"
    ),
    "invoicing.drafts.build_drafts": (
        "groups the positions it is handed, read by lock_unbilled in the same context (probed);"
        " the promotions it adds are read in that tenant (probed: active_for_subscriptions)"
    ),
    "invoicing.runs.is_due_for_invoice_run": (
        "pure date arithmetic in the context's time zone; no id, no row"
    ),
    "invoicing.drafts.InvoicingContext.rate": "pure: the tax rate of a decision; no id, no row",
    "invoicing.drafts.InvoicingContext.snapshot": "pure: the tax snapshot of a decision; no id, no row",
    "invoicing.drafts.InvoicingContext.local_date": "pure: a date in the tenant's time zone; no id, no row",
}
