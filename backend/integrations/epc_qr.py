"""The EPC QR code ("GiroCode"): a SEPA credit transfer a banking app fills in when it scans it."""

from __future__ import annotations

from decimal import Decimal

import segno.helpers


def epc_qr_svg_data_uri(*, name: str, iban: str, bic: str, amount: Decimal, reference: str) -> str:
    """An SVG data URI of the EPC QR code paying `amount` EUR to `iban`, with `reference` as the
    remittance text. segno checks the IBAN's form and the amount's range (0.01 to 999999999.99)."""
    qr = segno.helpers.make_epc_qr(
        name=name[:70],
        iban=iban.replace(" ", ""),
        amount=amount,
        text=reference[:140],
        bic=bic or None,
        encoding=1,
    )
    return str(qr.svg_data_uri(scale=3, border=2))
