"""The isolation table of what one domain offers the domains above it: each run by tenant B with
tenant A's ids (or rows).

Subscriptions and invoicing reach customers, the catalog, open positions and document numbers only
through these functions (never another domain's repository), so each is probed like the
repositories it wraps: B finds nothing of A, and a row of A handed in is refused before anything is
written. The default expectation is nothing (None, empty).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.billing import positions
from backend.catalog import addons, plans, redemptions
from backend.customers import service as customers
from backend.invoicing import credit_notes, issuing
from backend.invoicing.drafts import InvoicingContext
from backend.kit.errors import NotFoundError
from backend.kit.repository import CrossTenantWrite
from backend.models import DocumentKind, Invoice, InvoiceLine, OpenPosition, Promotion, Subscription
from backend.periods import Period
from tests.isolation.probes import Check, Probe, Raises, equals, nothing
from tests.isolation.world import NOW, Side

EVERY_ID = (0, 10**9)  # an id range holding every customer of A
ONE = Decimal("1.00")


def C(
    operation: Callable[..., Any],
    call: Callable[[Session, Side, Side], Any],
    expect: Check | Raises = nothing,
    *,
    control: bool = True,
    filtered: bool = True,
) -> Probe:
    return Probe(operation, call, expect, control, "", filtered)


def of(session: Session, model: type[Any], object_id: int) -> Any:
    found = session.get(model, object_id)
    assert found is not None
    return found


def paid_charge(session: Session, a: Side) -> OpenPosition:
    """A's charge billed on its paid invoice (a goodwill credit took part of its line)."""
    line = of(session, InvoiceLine, a.paid_line)
    return of(session, OpenPosition, line.open_position_id)


def credited_charges(session: Session, a: Side) -> list[int]:
    """A's charges whose invoice lines credit notes credit (on the paid and the issued invoice)."""
    lines = (of(session, InvoiceLine, line) for line in (a.paid_line, a.issued_line))
    return [line.open_position_id for line in lines if line.open_position_id is not None]


CROSSING_PROBES: list[Probe] = [
    # --- customers ------------------------------------------------------------------------------
    C(customers.customer_account, lambda s, me, a: customers.customer_account(s, me.scope, a.customer_id)),
    C(customers.billing_profile, lambda s, me, a: customers.billing_profile(s, me.scope, a.customer_id)),
    C(
        customers.billing_profiles,
        lambda s, me, a: customers.billing_profiles(s, me.scope, {a.customer_id, a.other_customer_id}),
    ),
    # --- the catalog an order reads ---------------------------------------------------------------
    C(plans.find_plan, lambda s, me, a: plans.find_plan(s, me.scope, a.plan_id)),
    C(addons.find_addon, lambda s, me, a: addons.find_addon(s, me.scope, a.addon_id)),
    C(plans.addon_ids_allowed_with, lambda s, me, a: plans.addon_ids_allowed_with(s, me.scope, a.plan_id)),
    C(
        redemptions.redemption_counts,
        lambda s, me, a: redemptions.redemption_counts(s, me.scope, a.promotion_id, a.customer_id),
    ),
    C(
        redemptions.live_redemptions,
        lambda s, me, a: redemptions.live_redemptions(s, me.scope, {a.active_sub}),
    ),
    # A's promotion and subscription are handed in: refused before a redemption is written.
    C(
        redemptions.redeem,
        lambda s, me, a: redemptions.redeem(
            s, me.scope, of(s, Promotion, a.promotion_id), of(s, Subscription, a.active_sub), NOW
        ),
        Raises(CrossTenantWrite),
        filtered=False,
    ),
    # --- open positions -----------------------------------------------------------------------------
    C(
        positions.charges_of_subscription,
        lambda s, me, a: positions.charges_of_subscription(s, me.scope, a.active_sub),
    ),
    C(
        positions.customers_with_unbilled_charges,
        lambda s, me, a: positions.customers_with_unbilled_charges(s, me.scope, NOW, *EVERY_ID),
    ),
    C(
        positions.lock_unbilled_charges,
        lambda s, me, a: positions.lock_unbilled_charges(
            s, me.scope, [a.customer_id, a.other_customer_id], NOW
        ),
    ),
    # Rows handed in: refused before anything is written.
    C(
        positions.mark_billed,
        lambda s, me, a: positions.mark_billed(
            s, me.scope, [(of(s, OpenPosition, a.unbilled_position), a.paid_invoice)]
        ),
        Raises(CrossTenantWrite),
        filtered=False,
    ),
    C(
        positions.check_own_charges,
        lambda s, me, a: positions.check_own_charges(s, me.scope, [of(s, OpenPosition, a.unbilled_position)]),
        Raises(CrossTenantWrite),
        control=False,  # (A's own charges pass the check, which changes and returns nothing)
        filtered=False,
    ),
    # --- invoicing: numbers and credit notes ---------------------------------------------------------
    # B's counter gives B's next number (B issued one invoice in 2027); A's counter stays as it was.
    # One upsert keyed by (tenant, kind, year) takes the numbers: the conflict key holds the
    # tenant, no filter does.
    C(
        issuing.reserve_document_numbers,
        lambda s, me, a: issuing.reserve_document_numbers(s, me.scope, DocumentKind.INVOICE, 2027, 1),
        equals(lambda b: [2]),
        filtered=False,
    ),
    C(
        credit_notes.credited_windows,
        lambda s, me, a: credit_notes.credited_windows(s, me.scope, credited_charges(s, a)),
    ),
    C(
        credit_notes.credit_billed_charge,
        lambda s, me, a: credit_notes.credit_billed_charge(
            s, me.scope, paid_charge(s, a), ONE, "x", Period(NOW, NOW), NOW, actor=me.actor
        ),
        Raises(NotFoundError),
    ),
    C(
        credit_notes.write_credit_note,
        lambda s, me, a: credit_notes.write_credit_note(
            InvoicingContext(s, me.scope), of(s, Invoice, a.paid_invoice), {a.paid_line: ONE}, "x", NOW
        ),
        Raises(NotFoundError),
    ),
    C(
        InvoicingContext.locked_invoice,
        lambda s, me, a: InvoicingContext(s, me.scope).locked_invoice(a.issued_invoice),
        Raises(NotFoundError),
    ),
]
