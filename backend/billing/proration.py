"""How a partial period is priced: the one proration rule of the product."""

from __future__ import annotations

from decimal import Decimal

from backend.periods import Period


def prorate(covered: Period, full: Period) -> Decimal:
    """The share of the period `full` that `covered` is, exact to the second.

    Every partial-period amount is its full-period amount times this share, rounded half-up to the
    currency's minor unit once, per line, at the end:
    - a plan or addon charge for part of a period: a first period that starts mid-period, the stub
      before a billing anchor day, an addon attached or removed mid-period, a final period cut short
      by a cancellation;
    - a credit for unused time (plan change, withdrawal, immediate cancellation): the charge's
      amount times the share of the time that charge covered which is given back;
    - the free days of a promotion: each plan charge's amount times the share of it that falls
      inside the free days.
    Seconds, not days: a month costs its price whether it has 28 or 31 days, a day across a
    daylight-saving change counts its 23 or 25 hours, and the parts of a period always add up to the
    whole, so a credit reverses exactly the time it gives back.
    """
    if full.seconds <= 0:
        raise ValueError("a period must have a positive length")
    return Decimal(covered.seconds) / Decimal(full.seconds)
