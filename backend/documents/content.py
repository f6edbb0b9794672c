"""What an invoice or credit note says, as plain values: the one model the PDF template and the
EN 16931 XML are both built from.

Everything comes from the issued rows and their snapshots (buyer and issuer as they were at issue)
plus the presentation frozen at the first render (`PRESENTATION`: language, time zone, logo,
colour), never from live settings, so a document rebuilt years later says exactly the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from backend.documents.labels import document_language
from backend.integrations.epc_qr import epc_qr_svg_data_uri
from backend.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, TaxMode, Tenant

# The key of the issuer snapshot holding the presentation frozen at the first render.
PRESENTATION = "document"
DEFAULT_COLOR = "#1f4e79"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Only inline images: the renderer must never fetch a URL a tenant typed in.
_LOGO = re.compile(r"^data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+$")
_EXCLUSIVE = timedelta(microseconds=1)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    vat_id: str
    email: str


@dataclass(frozen=True, slots=True)
class DocumentLine:
    position: int
    description: str
    period_start: date | None
    period_end: date | None  # the last day of the service, inclusive
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal  # percent
    tax_code: str  # UNTDID 5305 VAT category: S, Z, AE, G, O
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class TaxGroup:
    tax_code: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    exemption_reason: str  # required by EN 16931 for AE, G and O


@dataclass(frozen=True, slots=True)
class DocumentContent:
    kind: str  # "invoice" or "credit_note"
    number: str
    issued_at: datetime  # also the PDF's creation date, so a rebuild is byte-identical
    issued_on: date
    due_on: date | None
    corrects: str  # the invoice a credit note corrects
    currency: str
    seller: Party
    iban: str
    bic: str
    buyer: Party
    customer_reference: str
    lines: tuple[DocumentLine, ...]
    taxes: tuple[TaxGroup, ...]
    net: Decimal
    tax: Decimal
    gross: Decimal
    amount_due: Decimal
    tax_mode: str
    tax_note: str
    tax_country: str
    language: str
    logo: str  # a data: URI, or ""
    color: str
    epc_qr: str  # an SVG data: URI, only for an unpaid EUR invoice of a tenant with an IBAN

    @property
    def service_period(self) -> tuple[date, date] | None:
        starts = [line.period_start for line in self.lines if line.period_start]
        ends = [line.period_end for line in self.lines if line.period_end]
        return (min(starts), max(ends)) if starts and ends else None


def presentation(invoice: Invoice, tenant: Tenant) -> dict[str, str]:
    """The invoice's frozen presentation, or the one decided now from the tenant's settings (the
    caller stores it before the first render)."""
    frozen = (invoice.issuer_snapshot or {}).get(PRESENTATION)
    if frozen:
        return dict(frozen)
    settings = tenant.settings or {}
    # The mail's branding settings; a logo only as an inline image (never fetched from a URL).
    color, logo = str(settings.get("brand_color") or ""), str(settings.get("logo_url") or "")
    return {
        "language": document_language(invoice.buyer_snapshot or {}, settings),
        "time_zone": tenant.time_zone,
        "color": color if _COLOR.match(color) else DEFAULT_COLOR,
        "logo": logo if _LOGO.match(logo) else "",
    }


def invoice_content(
    invoice: Invoice, lines: Sequence[InvoiceLine], customer_number: str, shown: Mapping[str, str]
) -> DocumentContent:
    """The content of an issued invoice, with its presentation `shown`."""
    return _content(
        kind="invoice",
        number=str(invoice.number),
        invoice=invoice,
        issued_at=_required(invoice.issued_at),
        due_at=invoice.due_at,
        corrects="",
        rows=lines,
        totals=(invoice.net, invoice.tax, invoice.gross),
        # What was due at issue (never the current balance: the document must not change later).
        amount_due=max(invoice.gross, Decimal(0)),
        customer_number=customer_number,
        shown=shown,
    )


def credit_note_content(
    note: CreditNote,
    lines: Sequence[CreditNoteLine],
    invoice: Invoice,
    customer_number: str,
    shown: Mapping[str, str],
) -> DocumentContent:
    """The content of a credit note: its invoice's parties and tax treatment, its own lines."""
    return _content(
        kind="credit_note",
        number=note.number,
        invoice=invoice,
        issued_at=_required(note.issued_at),
        due_at=None,
        corrects=str(invoice.number),
        rows=lines,
        totals=(note.net, note.tax, note.gross),
        amount_due=Decimal(0),
        customer_number=customer_number,
        shown=shown,
    )


def _content(
    *,
    kind: str,
    number: str,
    invoice: Invoice,
    issued_at: datetime,
    due_at: datetime | None,
    corrects: str,
    rows: Sequence[InvoiceLine | CreditNoteLine],
    totals: tuple[Decimal, Decimal, Decimal],
    amount_due: Decimal,
    customer_number: str,
    shown: Mapping[str, str],
) -> DocumentContent:
    zone = ZoneInfo(shown.get("time_zone") or "UTC")
    issuer, buyer = invoice.issuer_snapshot or {}, invoice.buyer_snapshot or {}
    mode = str(invoice.tax_mode)
    seller = Party(
        name=str(issuer.get("legal_name") or ""),
        address_lines=tuple(
            part.strip() for part in str(issuer.get("address") or "").splitlines() if part.strip()
        ),
        postal_code="",
        city="",
        country=str(issuer.get("country") or ""),
        vat_id=str(issuer.get("vat_id") or ""),
        email=str(issuer.get("email") or ""),
    )
    document_lines = tuple(
        DocumentLine(
            position=line.position,
            description=line.description,
            period_start=_local_day(line.period_start, zone),
            period_end=_local_day(line.period_end - _EXCLUSIVE, zone) if line.period_end else None,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            tax_code=tax_code(mode, line.tax_rate, bool(seller.vat_id)),
            net=line.net,
            tax=line.tax,
            gross=line.gross,
        )
        for line in sorted(rows, key=lambda row: row.position)
    )
    net, tax, gross = totals
    iban = str(issuer.get("iban") or "")
    qr = ""
    if kind == "invoice" and iban and invoice.currency == "EUR" and amount_due > 0:
        qr = epc_qr_svg_data_uri(
            name=seller.name, iban=iban, bic=str(issuer.get("bic") or ""), amount=amount_due, reference=number
        )
    return DocumentContent(
        kind=kind,
        number=number,
        issued_at=issued_at,
        issued_on=_required(_local_day(issued_at, zone)),
        due_on=_local_day(due_at, zone),
        corrects=corrects,
        currency=invoice.currency,
        seller=seller,
        iban=iban,
        bic=str(issuer.get("bic") or ""),
        buyer=_buyer(buyer, invoice.buyer_vat_id),
        customer_reference=customer_number,
        lines=document_lines,
        taxes=tax_groups(document_lines, mode),
        net=net,
        tax=tax,
        gross=gross,
        amount_due=amount_due,
        tax_mode=mode,
        tax_note=invoice.tax_note,
        tax_country=invoice.tax_country,
        language=shown.get("language") or "en",
        logo=shown.get("logo") or "",
        color=shown.get("color") or DEFAULT_COLOR,
        epc_qr=qr,
    )


def tax_code(mode: str, rate: Decimal, seller_has_vat_id: bool) -> str:
    """The EN 16931 VAT category of a line: reverse charge AE, outside the EU G (export; O when
    the seller has no VAT ID, which G requires), else S for a positive rate and Z for 0 %."""
    if mode == TaxMode.REVERSE_CHARGE:
        return "AE"
    if mode == TaxMode.OUTSIDE_EU:
        return "G" if seller_has_vat_id else "O"
    return "S" if rate > 0 else "Z"


def tax_groups(lines: Sequence[DocumentLine], mode: str) -> tuple[TaxGroup, ...]:
    """Net and tax per VAT category and rate; the tax is the sum of the lines' rounded taxes, as
    on the invoice row (SPEC §4: tax per line)."""
    sums: dict[tuple[str, Decimal], list[Decimal]] = {}
    for line in lines:
        group = sums.setdefault((line.tax_code, line.tax_rate), [Decimal(0), Decimal(0)])
        group[0] += line.net
        group[1] += line.tax
    reasons = {
        "AE": "Reverse charge",
        "G": "Export outside the EU",
        "O": "Not subject to VAT",
    }
    return tuple(
        TaxGroup(code, rate, net, tax, reasons.get(code, ""))
        for (code, rate), (net, tax) in sorted(sums.items())
    )


def _buyer(snapshot: Mapping[str, Any], vat_id: str) -> Party:
    """The buyer as the snapshot has it; the VAT ID the tax decision used, else the profile's."""
    company = str(snapshot.get("company_name") or "")
    name = str(snapshot.get("name") or "")
    contact = name if company and name != company else ""
    lines = [contact, snapshot.get("address_line1"), snapshot.get("address_line2")]
    return Party(
        name=company or name,
        address_lines=tuple(str(part) for part in lines if part),
        postal_code=str(snapshot.get("postal_code") or ""),
        city=str(snapshot.get("city") or ""),
        country=str(snapshot.get("country") or ""),
        vat_id=vat_id or str(snapshot.get("vat_id") or ""),
        email=str(snapshot.get("email") or ""),
    )


def _local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def _required(value: T | None) -> T:
    if value is None:
        raise ValueError("an issued document has an issue date")
    return value
