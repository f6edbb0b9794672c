"""The invoices and credit notes that count toward the OSS threshold.

They are the documents of sales to consumers in other member states: invoices taxed domestically
(under the threshold) or in the buyer's country (over it) whose buyer is in `countries` (every
member state but the issuer's), whatever their later status, and every credit note of such an
invoice. Each counts in the time window of its own issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, func, literal, select, union_all

from backend.kit.repository import TenantRepository
from backend.models import CreditNote, Invoice, InvoiceStatus, TaxMode

DocumentKind = Literal["invoice", "credit_note"]


@dataclass(frozen=True, slots=True)
class OssTotal:
    kind: DocumentKind
    currency: str
    net: Decimal
    count: int


@dataclass(frozen=True, slots=True)
class OssDocument:
    issued_at: datetime
    kind: DocumentKind
    currency: str
    net: Decimal


_KINDS: tuple[tuple[DocumentKind, Any], ...] = (("invoice", Invoice), ("credit_note", CreditNote))


class CrossBorderSalesRepository(TenantRepository[Invoice]):
    model = Invoice

    def totals(self, countries: list[str], start: datetime, end: datetime) -> list[OssTotal]:
        """Net per kind and currency of the counted documents issued in [start, end)."""
        rows: list[OssTotal] = []
        for kind, document in _KINDS:
            columns = (document.currency, func.sum(document.net), func.count())
            statement = self._counted(document, columns, countries, start, end).group_by(document.currency)
            for currency, net, count in self.session.execute(statement):
                # sum() keeps the money column type, so `net` is an exact Decimal
                rows.append(OssTotal(kind, currency, Decimal(net or 0), int(count)))
        return rows

    def documents(
        self, countries: list[str], start: datetime, end: datetime, *, exclude_currency: str | None = None
    ) -> list[OssDocument]:
        """The counted documents issued in [start, end) in order of issue (an invoice before a credit
        note issued at the same instant), optionally without those in `exclude_currency`."""
        parts = []
        for order, (_, document) in enumerate(_KINDS):
            columns = (
                document.issued_at.label("issued_at"),
                literal(order).label("kind"),
                document.id.label("id"),
                document.currency.label("currency"),
                document.net.label("net"),
            )
            part = self._counted(document, columns, countries, start, end)
            if exclude_currency is not None:
                part = part.where(document.currency != exclude_currency)
            parts.append(part)
        both = union_all(*parts).subquery()
        statement = select(both).order_by(both.c.issued_at, both.c.kind, both.c.id)
        return [
            OssDocument(issued_at, _KINDS[kind][0], currency, net)
            for issued_at, kind, _, currency, net in self.session.execute(statement)
        ]

    def _counted(
        self, document: Any, columns: tuple[Any, ...], countries: list[str], start: datetime, end: datetime
    ) -> Select[Any]:
        """`columns` of the counted invoices or credit notes (`document`) issued in [start, end)."""
        statement = select(*columns)
        joined = []
        if document is CreditNote:
            statement = statement.select_from(CreditNote).join(Invoice, Invoice.id == CreditNote.invoice_id)
            joined.append(CreditNote)
        statement = statement.where(
            Invoice.buyer_country.in_(countries),
            Invoice.tax_mode.in_((TaxMode.DOMESTIC, TaxMode.EU_B2C)),
            Invoice.status != InvoiceStatus.DRAFT,
            document.issued_at >= start,
            document.issued_at < end,
        )
        return self.scoped(statement, *joined)
