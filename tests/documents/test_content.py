"""Which language a document speaks, and the presentation frozen at its first render."""

from __future__ import annotations

import pytest

from backend.documents.content import DEFAULT_COLOR, PRESENTATION, presentation
from backend.documents.labels import document_language
from backend.models import Invoice, Tenant


@pytest.mark.parametrize(
    ("buyer", "tenant", "expected"),
    [
        ({"language": "en", "country": "DE"}, {"language": "de"}, "en"),  # the buyer's own choice first
        ({"country": "AT"}, {"language": "en"}, "de"),  # then German for DE, AT, CH, LI
        ({"country": "LI"}, {}, "de"),
        ({"country": "FR"}, {"language": "de"}, "de"),  # then the tenant's language
        ({"country": "FR"}, {"language": "fr"}, "en"),  # a language without labels: English
        ({"country": "US"}, {}, "en"),
    ],
)
def test_the_document_language(buyer: dict[str, str], tenant: dict[str, str], expected: str) -> None:
    assert document_language(buyer, tenant) == expected


def test_the_presentation_takes_the_tenants_brand_and_refuses_remote_logos() -> None:
    tenant = Tenant(slug="t", name="T", time_zone="Europe/Vienna", settings={"brand_color": "#aa3300"})
    invoice = Invoice(number="INV-1", customer_account_id=1, buyer_snapshot={"country": "FR"})
    shown = presentation(invoice, tenant)
    assert shown == {"language": "en", "time_zone": "Europe/Vienna", "color": "#aa3300", "logo": ""}
    tenant.settings = {"brand_color": "red; x", "logo_url": "https://example.test/logo.png"}
    assert presentation(invoice, tenant)["color"] == DEFAULT_COLOR
    assert presentation(invoice, tenant)["logo"] == ""
    inline = "data:image/png;base64,iVBORw0KGgo="
    tenant.settings = {"logo_url": inline}
    assert presentation(invoice, tenant)["logo"] == inline


def test_a_frozen_presentation_wins_over_changed_settings() -> None:
    frozen = {"language": "de", "time_zone": "Europe/Berlin", "color": "#111111", "logo": ""}
    invoice = Invoice(number="INV-1", customer_account_id=1, issuer_snapshot={PRESENTATION: frozen})
    tenant = Tenant(slug="t", name="T", settings={"language": "en", "brand_color": "#222222"})
    assert presentation(invoice, tenant) == frozen
