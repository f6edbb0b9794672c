"""Exchange rates the admin maintains, for converting non-EUR amounts to EUR (OSS threshold)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, id_field, tenant_fk
from backend.money import MoneyAmount


class ExchangeRate(SQLModel, table=True):
    """Units of `currency` per 1 EUR (the ECB's quotation, e.g. 1.0850 USD), in force from
    `valid_from` until the next row of the same currency."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "currency", "valid_from"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("currency <> 'EUR'", name="not_eur"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    valid_from: date = Field(sa_column=Column(Date(), nullable=False))
    # Stored like money, as integer millionths: exact on PostgreSQL and SQLite (6 decimals at most).
    rate: Decimal = Field(sa_column=Column(MoneyAmount(), nullable=False))
    created_at: datetime = created_at()
