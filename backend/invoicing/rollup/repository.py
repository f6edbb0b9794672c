"""The daily turnover rollup's tables (backend/models/revenue_rollup.py), scoped to one tenant:
the documents' sums of one UTC day, the day's rows, and the tenant's mark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, delete, func, literal, select, type_coerce, union_all, update

from backend.kit.repository import TenantRepository
from backend.models import CreditNote, Invoice, InvoiceStatus, RevenueDaily, RevenueRollupMark


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class DailyRollupRepository(TenantRepository[RevenueDaily]):
    model = RevenueDaily

    def rolled_until(self) -> date | None:
        """The tenant's mark (its row locked until the transaction ends), or None before the first run."""
        statement = self.scoped(select(RevenueRollupMark.rolled_until), RevenueRollupMark, own_model=False)
        return self.session.scalar(statement.with_for_update())

    def first_day_to_roll_up(self) -> date | None:
        """The first day not rolled up: the mark, or before the first run the UTC day of the tenant's
        first issued document (a credit note follows its invoice); None without documents."""
        found = self.rolled_until()
        if found is not None:
            return found
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

    def set_mark(self, rolled_until: date) -> None:
        """Every day before `rolled_until` is rolled up (the mark is written or moved)."""
        moved = self.session.execute(
            self.scoped(update(RevenueRollupMark), RevenueRollupMark, own_model=False).values(
                rolled_until=rolled_until
            )
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            self.session.add(RevenueRollupMark(tenant_id=self.scope.tenant_id, rolled_until=rolled_until))
        self.session.flush()


def micros(total: Any) -> Decimal:
    """A sum of micros (an integer) as the amount the model stores."""
    return Decimal(int(total or 0)).scaleb(-6)
