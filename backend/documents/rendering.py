"""From a document's content to its files: the HTML (Jinja2), the PDF/A-3b and the Factur-X XML.

Amounts and dates are formatted with Babel for the document's language. Nothing here reads the
database or the clock: the same content always gives the same bytes, which is how a lost file is
rebuilt to the hash stored at issue.
"""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from backend.documents.content import DocumentContent
from backend.documents.labels import labels
from backend.integrations.facturx import cii_xml, embed_facturx
from backend.integrations.pdf import html_to_pdfa3

_LOCALES = {"de": "de_DE", "en": "en_GB"}
_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


class Formatter:
    """Amounts, dates and figures written the way the document's language writes them."""

    def __init__(self, language: str, currency: str) -> None:
        self.locale = _LOCALES.get(language, "en_GB")
        self.currency = currency

    def money(self, amount: Decimal) -> str:
        return str(format_currency(amount, self.currency, locale=self.locale))

    def day(self, day: date | None) -> str:
        return str(format_date(day, format="medium", locale=self.locale)) if day else ""

    def quantity(self, value: Decimal) -> str:
        return str(format_decimal(value.normalize(), locale=self.locale))

    def percent(self, rate: Decimal) -> str:
        return f"{format_decimal(rate.normalize(), locale=self.locale)} %"


def render_html(doc: DocumentContent) -> str:
    """The document as HTML, in its language."""
    words = labels(doc.language)
    return _environment.get_template("document.html").render(
        doc=doc,
        fmt=Formatter(doc.language, doc.currency),
        t=words,
        tax_note=tax_note(doc, words),
        created=doc.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def tax_note(doc: DocumentContent, words: dict[str, str]) -> str:
    """The legal note of the tax mode in the document's language (the stored note is English)."""
    template = words.get(f"tax_note.{doc.tax_mode}")
    if template is None:
        return doc.tax_note if doc.language == "en" else ""
    return template.format(country=doc.tax_country)


def render_pdf(doc: DocumentContent, *, check_xsd: bool = True) -> bytes:
    """The PDF/A-3b with the EN 16931 XML embedded (rendered first, then the XML: the other order
    would leave a file that claims PDF/A-3 without an output intent)."""
    pdf = html_to_pdfa3(render_html(doc))
    return embed_facturx(pdf, render_xml(doc), at=doc.issued_at, check_xsd=check_xsd)


def render_xml(doc: DocumentContent) -> bytes:
    return cii_xml(doc)
