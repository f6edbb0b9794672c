"""The tax mode of an invoice, decided from issuer and buyer (SPEC §4)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.kit.errors import ValidationFailed
from backend.models.enums import CustomerType, TaxCategory, TaxMode, VatIdStatus
from backend.tax import (
    EU_COUNTRIES,
    OUTSIDE_EU_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxBuyer,
    TaxDecision,
    TaxIssuer,
    decide_tax,
)

ON = date(2026, 11, 21)
GERMAN_ISSUER = TaxIssuer(country="DE", vat_id="DE136695976")
FRENCH_VAT_ID = "FR61954506077"


def _business(country: str, vat_id: str, status: VatIdStatus = VatIdStatus.VALID) -> TaxBuyer:
    return TaxBuyer(country=country, customer_type=CustomerType.BUSINESS, vat_id=vat_id, vat_id_status=status)


def _consumer(country: str) -> TaxBuyer:
    return TaxBuyer(country=country, customer_type=CustomerType.PRIVATE)


@pytest.mark.parametrize("threshold", [False, True])
def test_a_consumer_in_the_issuers_country_pays_domestic_vat(threshold: bool) -> None:
    decision = decide_tax(GERMAN_ISSUER, _consumer("DE"), ON, oss_threshold_exceeded=threshold)
    assert (decision.mode, decision.country, decision.note) == (TaxMode.DOMESTIC, "DE", "")
    assert decision.rate(TaxCategory.STANDARD) == Decimal(19)
    assert decision.rate(TaxCategory.REDUCED) == Decimal(7)
    assert decision.rate(TaxCategory.ZERO) == 0


def test_a_business_in_the_issuers_country_pays_domestic_vat_even_with_a_valid_vat_id() -> None:
    decision = decide_tax(GERMAN_ISSUER, _business("DE", "DE 136 695 976"), ON, oss_threshold_exceeded=True)
    assert decision.mode == TaxMode.DOMESTIC
    assert decision.rate(TaxCategory.STANDARD) == Decimal(19)
    assert decision.buyer_vat_id == "DE136695976"


def test_a_business_in_another_member_state_with_a_valid_vat_id_gets_reverse_charge() -> None:
    decision = decide_tax(
        GERMAN_ISSUER, _business("FR", "fr 61 954 506 077"), ON, oss_threshold_exceeded=False
    )
    assert decision.mode == TaxMode.REVERSE_CHARGE
    assert decision.country == "FR"
    assert decision.buyer_vat_id == FRENCH_VAT_ID
    assert decision.note == (
        "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)."
    )
    assert {decision.rate(category) for category in TaxCategory} == {Decimal(0)}


def test_a_greek_business_with_an_el_vat_id_gets_reverse_charge() -> None:
    decision = decide_tax(GERMAN_ISSUER, _business("GR", "EL094259216"), ON, oss_threshold_exceeded=False)
    assert (decision.mode, decision.country) == (TaxMode.REVERSE_CHARGE, "GR")


@pytest.mark.parametrize("status", [VatIdStatus.UNCHECKED, VatIdStatus.UNREACHABLE, VatIdStatus.INVALID])
def test_a_business_without_a_valid_vat_id_is_taxed_like_a_consumer(status: VatIdStatus) -> None:
    buyer = _business("FR", FRENCH_VAT_ID, status)
    under = decide_tax(GERMAN_ISSUER, buyer, ON, oss_threshold_exceeded=False)
    over = decide_tax(GERMAN_ISSUER, buyer, ON, oss_threshold_exceeded=True)
    assert (under.mode, under.country, under.rate(TaxCategory.STANDARD)) == (TaxMode.DOMESTIC, "DE", 19)
    assert (over.mode, over.country, over.rate(TaxCategory.STANDARD)) == (TaxMode.EU_B2C, "FR", 20)


def test_a_valid_vat_id_of_another_country_than_the_buyers_gives_no_reverse_charge() -> None:
    decision = decide_tax(GERMAN_ISSUER, _business("FR", "ATU57194903"), ON, oss_threshold_exceeded=True)
    assert decision.mode == TaxMode.EU_B2C


def test_a_consumer_in_another_member_state_pays_the_issuers_vat_under_the_oss_threshold() -> None:
    decision = decide_tax(GERMAN_ISSUER, _consumer("AT"), ON, oss_threshold_exceeded=False)
    assert (decision.mode, decision.country, decision.note) == (TaxMode.DOMESTIC, "DE", "")
    assert decision.rate(TaxCategory.STANDARD) == Decimal(19)


def test_a_consumer_in_another_member_state_pays_destination_vat_over_the_oss_threshold() -> None:
    decision = decide_tax(GERMAN_ISSUER, _consumer("AT"), ON, oss_threshold_exceeded=True)
    assert (decision.mode, decision.country) == (TaxMode.EU_B2C, "AT")
    assert decision.rate(TaxCategory.STANDARD) == Decimal(20)
    assert decision.rate(TaxCategory.REDUCED) == Decimal(10)
    assert "One-Stop-Shop" in decision.note


def test_destination_rates_follow_the_invoice_day() -> None:
    buyer = _consumer("EE")
    before = decide_tax(GERMAN_ISSUER, buyer, date(2025, 6, 30), oss_threshold_exceeded=True)
    after = decide_tax(GERMAN_ISSUER, buyer, date(2025, 7, 1), oss_threshold_exceeded=True)
    assert (before.rate(TaxCategory.STANDARD), after.rate(TaxCategory.STANDARD)) == (22, 24)


@pytest.mark.parametrize(
    "buyer",
    [
        _consumer("US"),
        _consumer("CH"),
        _business("GB", "GB980780684"),
        _business("NO", "", VatIdStatus.UNCHECKED),
    ],
)
def test_a_buyer_outside_the_eu_pays_no_eu_vat(buyer: TaxBuyer) -> None:
    decision = decide_tax(GERMAN_ISSUER, buyer, ON, oss_threshold_exceeded=True)
    assert decision.mode == TaxMode.OUTSIDE_EU
    assert (
        decision.note == OUTSIDE_EU_NOTE == "Not subject to VAT in the EU (place of supply outside the EU)."
    )
    assert {decision.rate(category) for category in TaxCategory} == {Decimal(0)}


def test_an_issuer_outside_the_eu_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="issuer's country 'US' is not an EU member state"):
        decide_tax(TaxIssuer("US"), _consumer("DE"), ON, oss_threshold_exceeded=False)


def test_a_buyer_country_that_is_no_iso_code_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="not a two-letter ISO 3166 code"):
        decide_tax(GERMAN_ISSUER, _consumer("Germany"), ON, oss_threshold_exceeded=False)


def test_the_snapshot_is_json_and_restores_the_decision() -> None:
    decision = decide_tax(GERMAN_ISSUER, _business("FR", FRENCH_VAT_ID), ON, oss_threshold_exceeded=False)
    snapshot = json.loads(json.dumps(decision.snapshot()))
    assert snapshot == {
        "mode": "reverse_charge",
        "country": "FR",
        "buyer_vat_id": FRENCH_VAT_ID,
        "note": REVERSE_CHARGE_NOTE,
        "on": "2026-11-21",
        "rates": {"standard": "0", "reduced": "0", "zero": "0"},
    }
    assert TaxDecision.from_snapshot(snapshot) == decision


def test_the_snapshot_carries_the_rates_of_the_day() -> None:
    snapshot = decide_tax(GERMAN_ISSUER, _consumer("FI"), ON, oss_threshold_exceeded=True).snapshot()
    assert snapshot["rates"] == {"standard": "25.5", "reduced": "13.5", "zero": "0"}


NON_EU = ["US", "CH", "GB", "NO", "JP", "XI", "TR"]
VAT_IDS = ["", FRENCH_VAT_ID, "DE136695976", "ATU57194903", "EL094259216", "BE0697449992", "not-an-id"]
DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31))


@given(
    issuer_country=st.sampled_from(sorted(EU_COUNTRIES)),
    buyer_country=st.sampled_from(sorted(EU_COUNTRIES) + NON_EU),
    customer_type=st.sampled_from(list(CustomerType)),
    vat_id=st.sampled_from(VAT_IDS),
    status=st.sampled_from(list(VatIdStatus)),
    threshold=st.booleans(),
    on=DAYS,
)
def test_every_sale_gets_exactly_one_mode_and_non_negative_rates(
    issuer_country: str,
    buyer_country: str,
    customer_type: CustomerType,
    vat_id: str,
    status: VatIdStatus,
    threshold: bool,
    on: date,
) -> None:
    buyer = TaxBuyer(buyer_country, customer_type, vat_id, status)
    decision = decide_tax(TaxIssuer(issuer_country), buyer, on, oss_threshold_exceeded=threshold)
    rates = {category: decision.rate(category) for category in TaxCategory}
    assert all(rate >= 0 for rate in rates.values())
    assert rates[TaxCategory.ZERO] == 0
    if buyer_country not in EU_COUNTRIES:
        assert decision.mode == TaxMode.OUTSIDE_EU
    elif buyer_country == issuer_country:
        assert (decision.mode, decision.country) == (TaxMode.DOMESTIC, issuer_country)
    if decision.mode in {TaxMode.REVERSE_CHARGE, TaxMode.OUTSIDE_EU}:
        assert set(rates.values()) == {Decimal(0)}
        assert decision.note
    else:
        assert rates[TaxCategory.STANDARD] > 0
    if decision.mode == TaxMode.REVERSE_CHARGE:
        assert customer_type == CustomerType.BUSINESS and status == VatIdStatus.VALID
        assert decision.buyer_vat_id
    if decision.mode == TaxMode.EU_B2C:
        assert threshold and decision.country == buyer_country != issuer_country


@given(
    issuer_country=st.sampled_from(sorted(EU_COUNTRIES)),
    buyer_country=st.sampled_from(sorted(EU_COUNTRIES)),
    on=DAYS,
)
def test_a_consumer_never_gets_reverse_charge_and_pays_destination_vat_only_over_the_threshold(
    issuer_country: str, buyer_country: str, on: date
) -> None:
    buyer = TaxBuyer(buyer_country, CustomerType.PRIVATE, FRENCH_VAT_ID, VatIdStatus.VALID)
    under = decide_tax(TaxIssuer(issuer_country), buyer, on, oss_threshold_exceeded=False)
    over = decide_tax(TaxIssuer(issuer_country), buyer, on, oss_threshold_exceeded=True)
    assert (under.mode, under.country) == (TaxMode.DOMESTIC, issuer_country)
    expected = TaxMode.DOMESTIC if buyer_country == issuer_country else TaxMode.EU_B2C
    assert (over.mode, over.country) == (expected, buyer_country)
