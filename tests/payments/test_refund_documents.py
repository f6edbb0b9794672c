"""A refund's credit note is a document like every other: rendered by the document job, its
embedded EN 16931 XML valid by the XSD and the Schematron, even when the tax taken out of the
refunded gross is a cent away from the net times the rate (0.03 at 19 %: 0.03 net, 0.00 tax)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from backend.integrations.storage import DocumentStore
from backend.payments.manual_payments import record_bank_transfer
from backend.payments.refunds import request_refund
from tests.billing.world import World
from tests.documents.conftest import store  # noqa: F401  (the autouse document store)
from tests.documents.issued import brand_tenant, render_all
from tests.documents.test_rendering import assert_valid_en16931, embedded_xml
from tests.payments.refund_world import credit_notes_of, issued_invoice, note_lines

D = Decimal


def test_a_refund_credit_note_renders_and_passes_the_en16931_checks(
    world: World,
    store: DocumentStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    brand_tenant(world)
    invoice = issued_invoice(world)
    assert invoice.id is not None
    payment = record_bank_transfer(
        world.session,
        world.scope,
        world.admin,
        invoice.id,
        D("82.06"),
        "SEPA",
        world.now,
        idempotency_key="t",
    )
    request_refund(
        world.session, world.scope, world.admin, payment.id or 0, D("0.03"), "Rounding", world.now,
        idempotency_key="r",
    )  # fmt: skip
    # 0.03 x 71.36/82.06 = 0.026 and x 10.70/82.06 = 0.004: floors 0.02 + 0.00, the cent to the
    # first (0.6 > 0.4): 0.03 at 19 %, 0.03 / 1.19 = 0.025 -> 0.03 net, 0.00 tax.
    [note] = credit_notes_of(world, invoice)
    assert note_lines(world, note) == [(D("0.03"), D("0.00"), D(19))]
    assert render_all(world) == 2  # the invoice and the credit note
    world.session.refresh(note)
    pdf = store.read(note.pdf_storage_key)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert note.number in text
    assert_valid_en16931(embedded_xml(pdf), tmp_path)
