"""EN 16931 (Factur-X / ZUGFeRD) XML: built with drafthorse, embedded with factur-x.

factur-x stamps the PDF's info dictionary, its XMP and the attachment with the current time; a
document must hash the same when it is rebuilt, so `embed_facturx` runs it with its clock set to
the document's own date (under a lock: the clock is the module's `datetime`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import facturx
import facturx.facturx as facturx_module
from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

_clock_lock = threading.Lock()
# factur-x narrates each embedding at INFO; its warnings and errors still show.
logging.getLogger("factur-x").setLevel(logging.WARNING)

PROFILE_EN16931 = "urn:cen.eu:en16931:2017"
INVOICE, CREDIT_NOTE = "380", "381"  # UNTDID 1001 document type codes
SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461
TWO = Decimal("0.01")


def cii_xml(doc: Any) -> bytes:
    """The EN 16931 CII XML (Factur-X profile EN16931) of a document's content.

    `doc` is a `backend.documents.content.DocumentContent` (read by attribute: the integrations
    sit below the documents domain and cannot import it). Amounts are written as the database has
    them; nothing is recomputed here, so a wrong total reaches the validation and is rejected.
    """
    document = Document()
    document.context.guideline_parameter.id = PROFILE_EN16931
    document.header.id = doc.number
    document.header.type_code = CREDIT_NOTE if doc.kind == "credit_note" else INVOICE
    document.header.issue_date_time = doc.issued_on
    if doc.tax_note:
        document.header.notes.add(IncludedNote(content=doc.tax_note))

    trade = document.trade
    _party(trade.agreement.seller, doc.seller)
    _party(trade.agreement.buyer, doc.buyer)
    if doc.customer_reference:
        trade.agreement.buyer.id = doc.customer_reference
    trade.delivery.event.occurrence = doc.issued_on

    settlement = trade.settlement
    settlement.currency_code = doc.currency
    settlement.payment_reference = doc.number
    if doc.iban:
        means = PaymentMeans()
        means.type_code = SEPA_CREDIT_TRANSFER
        means.payee_account.iban = doc.iban
        means.payee_account.account_name = doc.seller.name
        if doc.bic:
            means.payee_institution.bic = doc.bic
        settlement.payment_means.add(means)
    period = doc.service_period
    if period:
        settlement.period.start, settlement.period.end = period
    if doc.corrects:
        settlement.invoice_referenced_document.issuer_assigned_id = doc.corrects
    for group in doc.taxes:
        tax = ApplicableTradeTax()
        tax.calculated_amount = _money(group.tax)
        tax.type_code = "VAT"
        if group.exemption_reason:
            tax.exemption_reason = group.exemption_reason
        tax.basis_amount = _money(group.net)
        tax.category_code = group.tax_code
        tax.rate_applicable_percent = _money(group.rate)
        settlement.trade_tax.add(tax)
    if doc.due_on:
        terms = PaymentTerms()
        terms.due = doc.due_on
        settlement.terms.add(terms)
    summation = settlement.monetary_summation
    summation.line_total = _money(sum((line.net for line in doc.lines), Decimal(0)))
    summation.charge_total = Decimal("0.00")
    summation.allowance_total = Decimal("0.00")
    summation.tax_basis_total = _money(doc.net)
    summation.tax_total = (_money(doc.tax), doc.currency)
    summation.grand_total = _money(doc.gross)
    summation.due_amount = _money(doc.amount_due if doc.kind == "invoice" else doc.gross)

    for line in doc.lines:
        trade.items.add(_line(line))
    return bytes(document.serialize(schema="FACTUR-X_EN16931"))


def _party(party: Any, source: Any) -> None:
    party.name = source.name
    address = party.address
    lines = list(source.address_lines)
    if lines:
        address.line_one = lines[0]
    if len(lines) > 1:
        address.line_two = lines[1]
    if len(lines) > 2:
        address.line_three = ", ".join(lines[2:])
    if source.postal_code:
        address.postcode = source.postal_code
    if source.city:
        address.city_name = source.city
    address.country_id = source.country
    if source.email:
        party.electronic_address.uri_ID = ("EM", source.email)
    if source.vat_id:
        party.tax_registrations.add(TaxRegistration(id=("VA", source.vat_id)))


def _line(line: Any) -> LineItem:
    item = LineItem()
    item.document.line_id = str(line.position)
    item.product.name = line.description
    # EN 16931 forbids a negative price (BR-27): a discount line is a negative quantity instead.
    negative = line.unit_price < 0
    item.agreement.net.amount = _price(-line.unit_price if negative else line.unit_price)
    quantity = -line.quantity if negative else line.quantity
    item.delivery.billed_quantity = (quantity.quantize(Decimal("0.0001")), "C62")
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = line.tax_code
    item.settlement.trade_tax.rate_applicable_percent = _money(line.tax_rate)
    if line.period_start and line.period_end:
        item.settlement.period.start = line.period_start
        item.settlement.period.end = line.period_end
    item.settlement.monetary_summation.total_amount = _money(line.net)
    return item


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(TWO)


def _price(amount: Decimal) -> Decimal:
    """A unit price keeps up to four decimals (usage prices), at least two."""
    exact = amount.normalize()
    exponent = exact.as_tuple().exponent
    places = min(max(-exponent if isinstance(exponent, int) else 2, 2), 4)
    return amount.quantize(Decimal(1).scaleb(-places))


def embed_facturx(pdf: bytes, xml: bytes, *, at: datetime, check_xsd: bool = True) -> bytes:
    """`pdf` (already PDF/A-3b) with `xml` embedded as factur-x.xml (AFRelationship Data), the
    Factur-X XMP extension schema added, every timestamp set to `at`. `check_xsd` validates the
    XML against the EN 16931 XSD first and raises on an invalid one."""
    with _facturx_clock(at):
        return bytes(
            facturx.generate_from_binary(
                pdf,
                xml,
                flavor="factur-x",
                level="en16931",
                check_xsd=check_xsd,
                lang="en-GB",
            )
        )


@contextmanager
def _facturx_clock(at: datetime) -> Iterator[None]:
    fixed = at.astimezone(UTC)

    class FixedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
            return fixed if tz is not None else fixed.replace(tzinfo=None)

    with _clock_lock:
        original = facturx_module.datetime
        facturx_module.datetime = FixedDatetime  # type: ignore[misc]
        try:
            yield
        finally:
            facturx_module.datetime = original  # type: ignore[misc]
