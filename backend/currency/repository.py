"""Exchange rates of a tenant (units of a currency per EUR, from a date on)."""

from __future__ import annotations

from datetime import date

from backend.kit.repository import TenantRepository
from backend.models import ExchangeRate


class ExchangeRateRepository(TenantRepository[ExchangeRate]):
    model = ExchangeRate

    def by_day(self, currency: str, valid_from: date) -> ExchangeRate | None:
        statement = self.select().where(
            ExchangeRate.currency == currency, ExchangeRate.valid_from == valid_from
        )
        return self.session.scalars(statement).first()

    def all_rates(self, currency: str | None = None) -> list[ExchangeRate]:
        """Every rate of the tenant (or of one currency), by currency and date."""
        statement = self.select()
        if currency is not None:
            statement = statement.where(ExchangeRate.currency == currency)
        statement = statement.order_by(ExchangeRate.currency, ExchangeRate.valid_from)
        return list(self.session.scalars(statement))
