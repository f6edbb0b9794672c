"""Credits for unused time: a credit reverses exactly what a charge covered, never more.

When a plan change, an immediate cancellation, a withdrawal or a cancellation taking effect ends
a charged period early, every charge of the subscription that reaches past that moment is
credited for the part after it: the charge's own amount times the share of its covered time that
goes unused. A charge already credited from some moment on is only credited for the time before
that, so two events never credit the same time twice, and a charge that stopped early (because a
cancellation capped it) is credited only up to where it stopped.

A credit for a charge that is still unbilled is a negative open position on the coming invoice; a
credit for an invoiced charge is a partial credit note on that invoice, capped by what is left of
its line (a paid invoice's credit is owed back as a refund).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import Charge
from backend.billing.positions import charges_of_subscription, check_own_charges
from backend.billing.proration import prorate
from backend.billing.source_ref import SourceRef
from backend.invoicing.credit_notes import credit_billed_charge, credited_windows
from backend.kit.repository import TenantScope
from backend.models import OpenPosition, Subscription, TaxCategory
from backend.periods import Period


@dataclass(frozen=True, slots=True)
class Credit:
    """A credit for unused time and the charge it reverses."""

    charge: Charge  # sign -1
    original: OpenPosition


def credit_for(original: OpenPosition, unused: Period) -> Charge:
    """Credit `unused` of `original`: its amount times the unused share of its covered time."""
    assert original.period_start is not None and original.period_end is not None
    covered = Period(original.period_start, original.period_end)
    assert original.subscription_id is not None
    return Charge(
        source_ref=SourceRef.parse(original.source_ref).credit(unused.start),
        subscription_id=original.subscription_id,
        customer_account_id=original.customer_account_id,
        description=f"Credit for unused time: {original.description.removesuffix(' (prorated)')}",
        covered=unused,
        share=prorate(unused, covered),
        unit_price=original.amount,
        quantity=1,
        currency=original.currency,
        tax_category=TaxCategory(original.tax_category),
        sign=-1,
    )


class UnusedTime:
    """Credits unused time of one tenant's subscriptions within one unit of work."""

    def __init__(self, session: Session, scope: TenantScope, actor: audit.Actor = audit.SYSTEM) -> None:
        self.session = session
        self.scope = scope
        self.actor = actor

    def credits_after(self, subscription: Subscription, at: datetime, *, addons: bool = True) -> list[Credit]:
        """Credits for every charge of `subscription` covering time after `at` (plan charges, and
        addon charges unless `addons` is false) that is not credited yet."""
        assert subscription.id is not None
        positions = charges_of_subscription(self.session, self.scope, subscription.id)
        credited_from = self._credited_from(positions)
        credits = []
        for original in positions:
            ref = SourceRef.parse(original.source_ref)
            if ref.is_credit or original.amount <= 0 or (not addons and not ref.is_plan):
                continue
            assert original.period_start is not None and original.period_end is not None
            start = max(at, original.period_start)
            end = min(original.period_end, credited_from.get(original.source_ref, original.period_end))
            if start < end:
                credits.append(Credit(credit_for(original, Period(start, end)), original))
        return credits

    def _credited_from(self, positions: list[OpenPosition]) -> dict[str, datetime]:
        """Per charge, the earliest moment from which a credit for unused time already reverses it."""
        found: dict[str, datetime] = {}

        def note(ref: str, start: datetime | None) -> None:
            if start is not None:
                found[ref] = min(found.get(ref, start), start)

        by_id = {p.id: p for p in positions}
        for position in positions:
            ref = SourceRef.parse(position.source_ref)
            if ref.is_credit:
                note(str(ref.charged), position.period_start)
        windows = credited_windows(self.session, self.scope, list(by_id))
        for position_id, credited_start, line_start in windows:
            # A credit note over the whole line (a void, a manual credit) is limited by amount below;
            # one from a later moment on is a credit for unused time.
            if credited_start is not None and line_start is not None and credited_start > line_start:
                note(by_id[position_id].source_ref, credited_start)
        return found

    def apply(self, credits: list[Credit], now: datetime) -> list[Charge]:
        """Book credits: credit notes for invoiced charges; returns the unbilled ones, which the
        caller adds as open positions. Credits of another tenant's charges are refused
        (`CrossTenantWrite`) before anything is written."""
        check_own_charges(self.session, self.scope, (credit.original for credit in credits))
        unbilled = []
        for credit in credits:
            if credit.original.invoice_id is None:
                unbilled.append(credit.charge)
            else:
                credit_billed_charge(
                    self.session,
                    self.scope,
                    credit.original,
                    -credit.charge.amount,
                    credit.charge.description,
                    credit.charge.covered,
                    now,
                    actor=self.actor,
                )
        return unbilled
