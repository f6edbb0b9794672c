"""The daily turnover rollup: issued invoices and credit notes summed per closed UTC day.

Issued documents never change (amounts, currency, buyer country, tax mode and day of issue are
fixed at issue), so the sums of a day that is over never change either. `RevenueRollupMark` says
up to which day (exclusive) a tenant's days are rolled up: every day before it has its rows here
(a day without documents has none), no day from it on has any. Reports read the rollup before the
mark and the documents themselves from it on (docs/decisions.md, "Revenue rollup").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import id_field, money, tenant_fk
from backend.models.enums import TaxMode
from backend.models.types import enum_type


class RevenueDaily(SQLModel, table=True):
    """One UTC day of issue, currency, buyer country and tax mode at issue (a credit note counts in
    its invoice's country and mode): issued invoices (void ones included) and credit notes."""

    __tablename__ = "revenue_daily"
    __table_args__ = (
        # The report's read (one tenant, one currency, a range of days) and the one-row-per-cell rule.
        UniqueConstraint("tenant_id", "currency", "day", "buyer_country", "tax_mode"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    day: date = Field(sa_column=Column(Date, nullable=False))
    currency: str = Field(max_length=3)
    buyer_country: str = Field(default="", max_length=2)
    tax_mode: TaxMode = Field(sa_type=enum_type(TaxMode))
    invoiced_net: Decimal = money()
    invoiced_gross: Decimal = money()
    credited_net: Decimal = money()
    credited_gross: Decimal = money()
    invoices: int = 0
    credit_notes: int = 0


class RevenueRollupMark(SQLModel, table=True):
    """How far a tenant's days are rolled up: every UTC day before `rolled_until` is in
    `revenue_daily`, none from it on."""

    __tablename__ = "revenue_rollup_marks"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    rolled_until: date = Field(sa_column=Column(Date, nullable=False))
