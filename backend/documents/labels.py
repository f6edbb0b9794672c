"""The words on an invoice or credit note, in English and German, and which language a document uses.

The language is decided once, at the first render, and frozen into the document's snapshot
(`content.PRESENTATION`), so a later rebuild uses it even if the tenant's setting changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("en", "de")
# Buyers in these countries get German documents unless they chose a language.
GERMAN_SPEAKING = frozenset({"DE", "AT", "CH", "LI"})


def document_language(buyer: Mapping[str, Any], tenant_settings: Mapping[str, Any]) -> str:
    """The buyer's own language if the snapshot has one; else German for buyers in DE, AT, CH or
    LI; else the tenant's document language; else English."""
    chosen = str(buyer.get("language") or "").lower()
    if chosen in LANGUAGES:
        return chosen
    if str(buyer.get("country") or "").upper() in GERMAN_SPEAKING:
        return "de"
    tenant_language = str(tenant_settings.get("language") or "").lower()
    return tenant_language if tenant_language in LANGUAGES else "en"


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "number": "Number",
        "issue_date": "Date",
        "due_date": "Due date",
        "customer_number": "Customer",
        "corrects": "Corrects invoice",
        "bill_to": "Bill to",
        "vat_id": "VAT ID",
        "position": "#",
        "description": "Description",
        "period": "Service period",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "tax_rate": "VAT",
        "amount": "Amount",
        "tax_breakdown": "VAT breakdown",
        "net": "Net",
        "tax": "VAT",
        "gross": "Total",
        "total_due": "Amount due",
        "payment_terms": "Please pay {amount} by {date} to the account below, quoting {number}.",
        "paid": "This invoice has been paid.",
        "credit_terms": "This amount is credited to your account.",
        "bank": "Bank details",
        "account_holder": "Account holder",
        "scan_to_pay": "Scan to pay with your banking app",
        "page": "Page",
        "of": "of",
        "tax_note.reverse_charge": (
            "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)."
        ),
        "tax_note.outside_eu": "Not subject to VAT in the EU (place of supply outside the EU).",
        "tax_note.eu_b2c": "VAT of {country} charged under the One-Stop-Shop (OSS) scheme.",
    },
    "de": {
        "invoice": "Rechnung",
        "credit_note": "Gutschrift",
        "number": "Nummer",
        "issue_date": "Datum",
        "due_date": "Fällig am",
        "customer_number": "Kunde",
        "corrects": "Korrektur zu Rechnung",
        "bill_to": "Rechnungsempfänger",
        "vat_id": "USt-IdNr.",
        "position": "Pos.",
        "description": "Beschreibung",
        "period": "Leistungszeitraum",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "tax_rate": "USt.",
        "amount": "Betrag",
        "tax_breakdown": "Umsatzsteuer",
        "net": "Netto",
        "tax": "USt.",
        "gross": "Gesamt",
        "total_due": "Zu zahlen",
        "payment_terms": (
            "Bitte überweisen Sie {amount} bis zum {date} auf das unten genannte Konto,"
            " Verwendungszweck {number}."
        ),
        "paid": "Diese Rechnung ist bezahlt.",
        "credit_terms": "Der Betrag wird Ihrem Kundenkonto gutgeschrieben.",
        "bank": "Bankverbindung",
        "account_holder": "Kontoinhaber",
        "scan_to_pay": "Mit der Banking-App scannen und bezahlen",
        "page": "Seite",
        "of": "von",
        "tax_note.reverse_charge": (
            "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, Art. 196 MwStSystRL)."
        ),
        "tax_note.outside_eu": "Nicht im Inland steuerbare Leistung (Leistungsort außerhalb der EU).",
        "tax_note.eu_b2c": "Umsatzsteuer von {country} im One-Stop-Shop-Verfahren (OSS) berechnet.",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])
