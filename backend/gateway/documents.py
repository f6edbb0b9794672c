"""Issued documents for the console's pages: the alarms an admin sees on the overview."""

from __future__ import annotations

from backend.db import unit_of_work
from backend.documents import service as documents
from backend.documents.schemas import DocumentAlarmView
from backend.gateway.units import actor, user_scope
from backend.kit.principals import SignedInUser


def document_alarms(user: SignedInUser) -> list[DocumentAlarmView]:
    """Invoices and credit notes whose lost file could not be rebuilt as issued (admins only)."""
    with unit_of_work() as session:
        return documents.open_alarms(session, user_scope(user), actor(None, user))
