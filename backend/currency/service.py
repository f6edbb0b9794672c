"""Exchange rates the admin maintains, and converting amounts to EUR with them (no network).

A rate is the ECB's quotation: units of a currency per 1 EUR (`USD 1.0850` means 1 EUR = 1.0850 USD),
in force from its `valid_from` day until the next rate of the same currency. An amount in that
currency on day D is converted with the rate in force on D (the latest `valid_from` <= D):
EUR = amount / rate, rounded half-up to the cent, one document at a time. Rates are only ever
added; a day that already has a rate of the currency is refused.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlmodel import Session

from backend.audit import service as audit
from backend.currency.repository import ExchangeRateRepository
from backend.kit.errors import DomainError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import ExchangeRate
from backend.money import SUPPORTED_CURRENCIES

EUR = "EUR"
CENT = Decimal("0.01")
RATE_DECIMALS = 6
MAX_RATE = Decimal(1_000_000)  # no currency trades above a million units per EUR


class MissingExchangeRate(DomainError):
    """An amount in `currency` on `on` must be converted to EUR and no rate is in force that day."""

    def __init__(self, currency: str, on: date, purpose: str = "") -> None:
        self.currency, self.on = currency, on
        why = f" {purpose}" if purpose else ""
        super().__init__(
            f"No exchange rate for {currency} is in force on {on.isoformat()}{why}. Add one valid from"
            f" that day or earlier, e.g. billing-console exchange-rates add --tenant SLUG"
            f" --currency {currency} --valid-from {on.isoformat()} --rate <{currency} per 1 EUR>."
        )


@dataclass(frozen=True, slots=True)
class ExchangeRateView:
    currency: str
    valid_from: date
    rate: Decimal


def add_exchange_rate(
    session: Session,
    scope: TenantScope,
    *,
    currency: str,
    valid_from: date | str,
    rate: Decimal | str | int,
    actor: audit.Actor,
) -> ExchangeRateView:
    """Add the rate of `currency` (units per 1 EUR) in force from `valid_from` on.

    Refused, with nothing changed: a currency that is unknown or EUR, a day that is not a date, a
    rate that is not a positive decimal with at most six decimal places (floats are refused too),
    and a second rate of the same currency for the same day.
    """
    authorize(actor, scope, Action.ADD_EXCHANGE_RATE)
    code = _currency(currency)
    day = _day(valid_from)
    value = _rate(rate)
    rates = ExchangeRateRepository(session, scope)
    existing = rates.by_day(code, day)
    if existing is not None:
        raise ValidationFailed(
            f"A {code} rate valid from {day.isoformat()} already exists ({format_rate(existing.rate)});"
            " an entered rate is not changed; add one for another day."
        )
    row = rates.add(ExchangeRate(currency=code, valid_from=day, rate=value))
    view = ExchangeRateView(code, day, value)
    audit.record(
        session,
        scope,
        actor,
        "exchange_rate.add",
        object_type="exchange_rate",
        object_id=row.id,
        after={"currency": code, "valid_from": day.isoformat(), "rate": format_rate(value)},
    )
    return view


def list_exchange_rates(
    session: Session, scope: TenantScope, currency: str | None = None
) -> list[ExchangeRateView]:
    """The tenant's rates by currency and day (optionally of one currency)."""
    code = _currency(currency) if currency else None
    return [
        ExchangeRateView(row.currency, row.valid_from, row.rate)
        for row in ExchangeRateRepository(session, scope).all_rates(code)
    ]


class RateTable:
    """A tenant's rates, loaded once, converting amounts to EUR on a given day."""

    def __init__(self, rates: list[ExchangeRateView]) -> None:
        by_currency: dict[str, list[ExchangeRateView]] = defaultdict(list)
        for rate in sorted(rates, key=lambda r: (r.currency, r.valid_from)):
            by_currency[rate.currency].append(rate)
        self._days = {code: [r.valid_from for r in rows] for code, rows in by_currency.items()}
        self._rates = {code: [r.rate for r in rows] for code, rows in by_currency.items()}

    @classmethod
    def load(cls, session: Session, scope: TenantScope) -> RateTable:
        return cls(list_exchange_rates(session, scope))

    def rate_on(self, currency: str, on: date) -> Decimal | None:
        """The rate in force on `on`: the one with the latest `valid_from` on or before it."""
        index = bisect_right(self._days.get(currency, []), on)
        return self._rates[currency][index - 1] if index else None

    def to_eur(self, amount: Decimal, currency: str, on: date, *, purpose: str = "") -> Decimal:
        """`amount` in EUR on day `on`, rounded half-up to the cent (EUR amounts are kept as they are).

        Raises `MissingExchangeRate` when no rate of `currency` is in force on `on`.
        """
        if currency == EUR:
            return amount
        rate = self.rate_on(currency, on)
        if rate is None:
            raise MissingExchangeRate(currency, on, purpose)
        return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _currency(value: str) -> str:
    code = str(value).strip().upper()
    if code == EUR:
        raise ValidationFailed("Rates are quoted per EUR; EUR itself needs no rate. Choose another currency.")
    if code not in SUPPORTED_CURRENCIES:
        known = ", ".join(sorted(SUPPORTED_CURRENCIES - {EUR}))
        raise ValidationFailed(f"Unknown currency {value!r}; use one of {known}.")
    return code


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed(
            f"The first day of a rate, {value!r}, is not a date such as 2027-01-01."
        ) from exc


def _rate(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationFailed("Give the rate as a decimal string such as '1.0850', not a float.")
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationFailed(f"Rate {value!r} is not a decimal number such as 1.0850.") from exc
    if not rate.is_finite() or rate <= 0:
        raise ValidationFailed(f"Rate {value!r} must be a number greater than 0 (units per 1 EUR).")
    if rate > MAX_RATE:
        raise ValidationFailed(f"Rate {value!r} is above {MAX_RATE} units per EUR; check the quotation.")
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_DECIMALS), rounding=ROUND_HALF_UP):
        raise ValidationFailed(f"Rate {value!r} has more than {RATE_DECIMALS} decimal places.")
    return rate


def format_rate(rate: Decimal) -> str:
    """A rate as the admin typed it, without trailing zeros (1.085000 -> 1.085)."""
    return format(rate.normalize(), "f")
