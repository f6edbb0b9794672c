"""The daily turnover rollup (backend/models/revenue_rollup.py): the issued invoices and credit
notes of each closed UTC day summed per currency, buyer country and tax mode, so the revenue report
reads a year of turnover from a few thousand rows instead of every document.

A day is closed once it is over (before today in UTC at the job's `now`): nothing can be issued on
it any more and issued documents never change, so its sums are final. The job rolls up every closed
day from the tenant's mark (or its first document) to yesterday, one day per statement, moves the
mark and commits once, so the rows and the mark always agree. Running it again finds nothing to do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, delete, func, literal, select, type_coerce, union_all
from sqlmodel import Session

from backend.kit.repository import TenantRepository, TenantScope
from backend.models import CreditNote, Invoice, InvoiceStatus, RevenueDaily, RevenueRollupMark


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class DailyRollupRepository(TenantRepository[RevenueDaily]):
    model = RevenueDaily

    def mark(self) -> RevenueRollupMark | None:
        statement = self.scoped(select(RevenueRollupMark), RevenueRollupMark, own_model=False)
        return self.session.scalars(statement.with_for_update()).first()

    def first_document_day(self) -> date | None:
        """The UTC day of the tenant's first issued document (a credit note follows its invoice)."""
        first = self.session.scalar(
            self.scoped(
                select(func.min(Invoice.issued_at)).where(Invoice.status != InvoiceStatus.DRAFT),
                Invoice,
                own_model=False,
            )
        )
        return first.astimezone(UTC).date() if first is not None else None

    def day_sums(self, day: date) -> list[Any]:
        """(currency, country, mode, invoiced net, gross, credited net, gross, invoices, credit
        notes) of the documents issued on `day`: the report's turnover query for one day."""
        start, end = day_start(day), day_start(day + timedelta(days=1))
        invoices = self.scoped(
            select(
                Invoice.currency.label("currency"),
                Invoice.buyer_country.label("country"),
                Invoice.tax_mode.label("mode"),
                Invoice.net.label("inv_net"),
                Invoice.gross.label("inv_gross"),
                literal(0).label("cn_net"),
                literal(0).label("cn_gross"),
                literal(1).label("inv_n"),
                literal(0).label("cn_n"),
            ).where(
                Invoice.status != InvoiceStatus.DRAFT, Invoice.issued_at >= start, Invoice.issued_at < end
            ),
            Invoice,
            own_model=False,
        )
        credits = self.scoped(
            select(
                CreditNote.currency,
                Invoice.buyer_country,
                Invoice.tax_mode,
                literal(0),
                literal(0),
                CreditNote.net,
                CreditNote.gross,
                literal(0),
                literal(1),
            )
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.issued_at >= start, CreditNote.issued_at < end),
            CreditNote,
            Invoice,
            own_model=False,
        )
        rows = union_all(invoices, credits).subquery("documents")
        keys = [rows.c.currency, rows.c.country, rows.c.mode]
        sums = [
            type_coerce(func.coalesce(func.sum(rows.c[name]), 0), BigInteger())
            for name in ("inv_net", "inv_gross", "cn_net", "cn_gross", "inv_n", "cn_n")
        ]
        return list(self.session.execute(select(*keys, *sums).group_by(*keys)))

    def replace_day(self, day: date, sums: list[Any]) -> int:
        """Write `day`'s rows (any earlier rows of that day are replaced); returns how many."""
        self.session.execute(self.scoped(delete(RevenueDaily).where(RevenueDaily.day == day)))
        for currency, country, mode, inet, igross, cnet, cgross, n_inv, n_cn in sums:
            self.session.add(
                RevenueDaily(
                    tenant_id=self.scope.tenant_id,
                    day=day,
                    currency=currency,
                    buyer_country=country or "",
                    tax_mode=mode,
                    invoiced_net=micros(inet),
                    invoiced_gross=micros(igross),
                    credited_net=micros(cnet),
                    credited_gross=micros(cgross),
                    invoices=int(n_inv or 0),
                    credit_notes=int(n_cn or 0),
                )
            )
        return len(sums)

    def set_mark(self, found: RevenueRollupMark | None, rolled_until: date) -> None:
        if found is None:
            self.session.add(RevenueRollupMark(tenant_id=self.scope.tenant_id, rolled_until=rolled_until))
        else:
            found.rolled_until = rolled_until
        self.session.flush()


def micros(total: Any) -> Decimal:
    """A sum of micros (an integer) as the amount the model stores."""
    return Decimal(int(total or 0)).scaleb(-6)


def closed_until(now: datetime) -> date:
    """The first UTC day not yet over at `now` (today): every day before it is closed."""
    return now.astimezone(UTC).date()


Pending = tuple[RevenueRollupMark | None, date, date]


def _pending(repository: DailyRollupRepository, now: datetime) -> Pending | None:
    """The tenant's mark (locked) and the closed days [first, until) not rolled up yet, or None."""
    found = repository.mark()
    first = found.rolled_until if found is not None else repository.first_document_day()
    until = closed_until(now)
    if first is None or first >= until:
        return None
    return found, first, until


def has_days_to_roll_up(session: Session, scope: TenantScope, now: datetime) -> bool:
    return _pending(DailyRollupRepository(session, scope), now) is not None


def roll_up_closed_days(session: Session, scope: TenantScope, now: datetime) -> int:
    """Roll up every closed day after the mark and move the mark to today; returns the days rolled
    up. The mark row is locked first, so a second run at the same time waits and then finds the
    days done. Does not commit (the unit does)."""
    repository = DailyRollupRepository(session, scope)
    pending = _pending(repository, now)
    if pending is None:
        return 0
    found, first, until = pending
    day = first
    while day < until:
        repository.replace_day(day, repository.day_sums(day))
        day += timedelta(days=1)
    repository.set_mark(found, until)
    return (until - first).days
