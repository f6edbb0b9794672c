"""The one money type: an exact Decimal amount with its ISO 4217 currency.

Amounts are stored as integer micros (millionths of the major unit) by `MoneyAmount`, exact on
PostgreSQL and SQLite alike. Rounding to the currency's minor unit is explicit (`round_to_minor`),
half-up, and happens where the billing rules say so: per invoice line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

# Minor-unit exponents that differ from 2 (ISO 4217). Currencies not listed here and not in
# SUPPORTED_CURRENCIES are refused so a typo never becomes a currency.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
SUPPORTED_CURRENCIES = frozenset(
    {
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "CAD",
        "AUD",
        "NZD",
        "JPY",
        "KRW",
        "ISK",
        "BHD",
        "KWD",
        "OMR",
        "TND",
        "SGD",
        "HKD",
    }
)
MICROS = Decimal(1_000_000)


class MoneyError(ValueError):
    """Invalid money: unknown currency, mixed currencies, or a non-decimal amount."""


def minor_exponent(currency: str) -> int:
    check_currency(currency)
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str) -> str:
    if currency not in SUPPORTED_CURRENCIES:
        raise MoneyError(f"Unknown currency {currency!r}; use a three-letter ISO 4217 code such as EUR.")
    return currency


def to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise MoneyError("Money amounts must not be floats; pass a Decimal, int or string.")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"{value!r} is not a valid amount.") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount.")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-minor_exponent(currency)), currency)

    @property
    def minor_units(self) -> int:
        """The amount in minor units; the amount must already be rounded to them."""
        rounded = self.round_to_minor()
        if rounded.amount != self.amount:
            raise MoneyError(f"{self} is not a whole number of minor units; round it first.")
        return int(rounded.amount.scaleb(minor_exponent(self.currency)))

    def round_to_minor(self) -> Money:
        quantum = Decimal(1).scaleb(-minor_exponent(self.currency))
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"Cannot combine money with {type(other).__name__}.")
        if other.currency != self.currency:
            raise MoneyError(f"Cannot combine {self.currency} with {other.currency}.")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise MoneyError("Multiply money by a Decimal or int, never a float.")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def format(self) -> str:
        """Human form with the currency's minor digits, e.g. `1,234.50 EUR`."""
        rounded = self.round_to_minor()
        digits = minor_exponent(self.currency)
        return f"{rounded.amount:,.{digits}f} {self.currency}"

    def __str__(self) -> str:
        return self.format()


def money_sum(items: list[Money] | tuple[Money, ...], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


class MoneyAmount(TypeDecorator[Decimal]):
    """Stores a Decimal amount as integer micros (BIGINT): exact on every engine, summable in SQL."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        amount = to_decimal(value)
        micros = amount * MICROS
        if micros != micros.to_integral_value():
            raise MoneyError(f"{amount} has more than six decimal places.")
        return int(micros)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-6)

    def process_literal_param(self, value: Any, dialect: Any) -> str:
        return str(self.process_bind_param(value, dialect))
