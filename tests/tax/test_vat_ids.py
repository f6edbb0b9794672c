"""VAT ID syntax through python-stdnum: normal form, and a clear message for what is wrong."""

from __future__ import annotations

import pytest

from backend.kit.errors import ValidationFailed
from backend.tax import check_vat_id_syntax, normalize_vat_id, split_vat_id, vat_id_country


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        # examples from python-stdnum's documentation
        ("ATU 57194903", "ATU57194903"),
        ("BE697449992", "BE0697449992"),
        ("FR 61 954 506 077", "FR61954506077"),
        ("DE 136,695 976", "DE136695976"),
        ("NL004495445B01", "NL004495445B01"),
        ("el 094259216", "EL094259216"),
        ("GR094259216", "EL094259216"),
    ],
)
def test_good_vat_ids_pass_in_normal_form(raw: str, normalized: str) -> None:
    assert check_vat_id_syntax(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("DE123", "DE123 is not a valid VAT ID: wrong length."),
        ("DE136695978", "DE136695978 is not a valid VAT ID: wrong checksum."),
        ("DE13669597A", "DE13669597A is not a valid VAT ID: wrong format."),
        ("XX 123-456.789", "XX123456789 is not a valid VAT ID: unknown country prefix"),
        ("  ", "The VAT ID is empty."),
    ],
)
def test_bad_vat_ids_are_refused_with_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_vat_id_syntax(raw)
    assert str(refused.value).startswith(message)


def test_normalizing_keeps_what_it_cannot_check() -> None:
    assert normalize_vat_id(" xx-12 34 ") == "XX1234"
    assert normalize_vat_id("") == ""


def test_a_vat_id_splits_into_prefix_and_number_and_names_its_country() -> None:
    assert split_vat_id("el094259216") == ("EL", "094259216")
    assert vat_id_country("EL094259216") == "GR"
    assert vat_id_country("DE136695976") == "DE"
